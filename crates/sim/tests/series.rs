//! A run over time: every sample is the ledger's and the network's at its step, the last
//! one is the run's end as the ledger sums it up, and thinning keeps the ends and every
//! burst of envelopes in flight.

use mqlab_sim::fault::Command;
use mqlab_sim::lessons;
use mqlab_sim::series::{self, Sample};
use mqlab_sim::share::RebuildError;
use mqlab_sim::{NodeId, SharedRun, SimOptions};

/// A lesson's run to its end (a new shared run stands at step 0).
fn lesson_run(id: &str) -> SharedRun {
    SharedRun {
        step: None,
        ..SharedRun::new(lessons::find(id).expect("lesson").scenario)
    }
}

fn full(run: &SharedRun) -> Vec<Sample> {
    series::over_run(run, usize::MAX).expect("the run replays")
}

#[test]
fn the_last_sample_is_the_end_of_the_run_as_the_ledger_sums_it_up() {
    for lesson in lessons::all() {
        let run = lesson_run(&lesson.id);
        let samples = full(&run);
        let sim = run
            .to_sim(SimOptions::default(), 1_000_000)
            .expect("the run rebuilds");
        let summary = sim.summary();
        let last = samples.last().expect("samples");
        assert_eq!(samples[0].step, 0, "{}", lesson.id);
        assert_eq!(last.step, sim.step_index(), "{}", lesson.id);
        assert_eq!(last.tick, summary.tick, "{}", lesson.id);
        assert_eq!(last.duplicated, summary.duplicated, "{}", lesson.id);
        assert_eq!(last.lost, summary.lost, "{}", lesson.id);
        assert_eq!(last, &Sample::of(&sim), "{}", lesson.id);
        assert_eq!(samples.len() as u64, sim.step_index() + 1, "{}", lesson.id);
        for pair in samples.windows(2) {
            assert_eq!(pair[1].step, pair[0].step + 1, "{}", lesson.id);
            assert!(
                pair[1].applied >= pair[0].applied,
                "{}: applied went down",
                lesson.id
            );
            assert!(pair[1].tick >= pair[0].tick, "{}", lesson.id);
        }
    }
}

#[test]
fn messages_count_as_lost_only_where_the_ledger_decides_it() {
    let samples = full(&lesson_run("fire-and-forget"));
    let (last, before) = samples.split_last().expect("samples");
    assert_eq!(last.lost, 3);
    assert!(before.iter().all(|s| s.lost == 0), "{before:?}");
    assert!(samples.iter().any(|s| s.in_flight > 0));
    assert!(samples.iter().all(|s| s.applied == 0));
}

#[test]
fn a_duplicate_and_participants_in_doubt_show_when_they_happen() {
    let samples = full(&lesson_run("lost-confirm"));
    let first = samples
        .iter()
        .position(|s| s.duplicated == 1)
        .expect("a duplicate");
    assert!(first > 0 && samples[first - 1].duplicated == 0);
    assert!(samples[first..].iter().all(|s| s.duplicated == 1));

    let blocking = full(&lesson_run("2pc-blocking"));
    assert!(blocking.iter().any(|s| s.in_doubt > 0));
    assert_eq!(blocking[0].in_doubt, 0);
}

#[test]
fn a_series_stops_at_the_links_step_and_replays_its_commands() {
    let mut run = lesson_run("lost-confirm");
    run.commands.push((4, Command::Crash(NodeId::CONSUMER)));
    run.step = Some(12);
    let samples = full(&run);
    let sim = run.to_sim(SimOptions::default(), 1_000).expect("rebuilds");
    assert_eq!(samples.len(), 13);
    assert_eq!(samples.last(), Some(&Sample::of(&sim)));

    // A command after the run's end is refused, as the link's other readers refuse it.
    let mut late = lesson_run("fire-and-forget");
    late.commands
        .push((5_000, Command::Crash(NodeId::CONSUMER)));
    assert!(matches!(
        series::over_run(&late, 100),
        Err(RebuildError::CommandAfterEnd { .. })
    ));
}

#[test]
fn thinning_keeps_both_ends_and_the_largest_burst() {
    let samples = full(&lesson_run("2pc-blocking"));
    assert!(samples.len() > 40, "{} samples", samples.len());
    for points in [2, 3, 10, 40] {
        let thin = series::thin(&samples, points);
        assert!(thin.len() <= points, "{points}: {}", thin.len());
        assert_eq!(thin.first(), samples.first());
        assert_eq!(thin.last().map(|s| s.step), samples.last().map(|s| s.step));
        let most = |s: &[Sample]| s.iter().map(|s| s.in_flight).max();
        assert_eq!(most(&thin), most(&samples), "{points}");
    }
}
