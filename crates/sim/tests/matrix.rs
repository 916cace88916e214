//! The crash matrix: the textbook outcomes sit in the right cells, slicing changes
//! nothing, cancel stops, and the number of cells is exact.

use mqlab_sim::matrix::{
    applicable_points, not_applicable, plan, run_cell, run_count, Cell, Crash, MatrixJob,
    MatrixOptions, Outcome, DEFAULT_MATRIX_STEPS,
};
use mqlab_sim::{CrashPoint, Mode, Scenario, SharedRun, Sim};

fn scenario(messages: u32) -> Scenario {
    Scenario {
        messages,
        ..Scenario::default()
    }
}

fn singles(messages: u32) -> MatrixJob {
    let mut job = MatrixJob::new(&scenario(messages), MatrixOptions::singles()).unwrap();
    let progress = job.run_to_end();
    assert!(progress.finished && !progress.cancelled, "{progress:?}");
    job
}

fn cell(job: &MatrixJob, mode: Mode, point: CrashPoint, message: u32) -> &Cell {
    job.cells()
        .iter()
        .find(|c| c.mode == mode && c.crashes == [Crash { point, message }])
        .unwrap_or_else(|| panic!("no cell {mode:?} {point:?} m{message}"))
}

#[test]
fn crash_points_per_mode_are_eight_nine_nine_sixteen() {
    let counts: Vec<usize> = Mode::ALL
        .iter()
        .map(|&m| applicable_points(m).len())
        .collect();
    assert_eq!(counts, [8, 9, 9, 16]);
    for mode in Mode::ALL {
        assert_eq!(
            applicable_points(mode).len() + not_applicable(mode).len(),
            CrashPoint::ALL.len()
        );
    }
    assert!(not_applicable(Mode::AtMostOnce).contains(&CrashPoint::ProducerAfterConfirm));
}

#[test]
fn counts_of_cells_are_exact() {
    // 10 messages: singles (8 + 9 + 9 + 16) × 10 = 420; pairs 64 + 81 + 81 + 256 = 482.
    let mut options = MatrixOptions::singles();
    assert_eq!(run_count(&options, 10), 420);
    options.pairs = true;
    assert_eq!(run_count(&options, 10), 902);
    // One message: pairs are unordered and distinct, 28 + 36 + 36 + 120 = 220.
    assert_eq!(run_count(&options, 1), 42 + 220);
    assert_eq!(plan(Mode::AtLeastOnce, 3, true).len(), 9 * 3 + 81);
    let mut job = MatrixJob::new(&scenario(3), options).unwrap();
    assert_eq!(job.progress().total, run_count(job.options(), 3));
    job.run_to_end();
    assert_eq!(job.cells().len() as u32, run_count(job.options(), 3));
    assert_eq!(job.cells().iter().filter(|c| c.is_pair()).count(), 482);
}

#[test]
fn at_least_once_consumer_crash_after_apply_duplicates_m1() {
    let job = singles(10);
    let c = cell(&job, Mode::AtLeastOnce, CrashPoint::ConsumerAfterApply, 1);
    assert_eq!(c.fired, 1);
    assert_eq!(c.summary.duplicated, 1, "{:?}", c.summary);
    assert_eq!(c.outcome.kind(), "duplicated");
    assert_eq!(c.outcome.text(), "duplicated 1");
}

#[test]
fn at_most_once_consumer_crash_after_receive_loses() {
    let job = singles(10);
    for message in 1..=10 {
        let c = cell(
            &job,
            Mode::AtMostOnce,
            CrashPoint::ConsumerAfterReceive,
            message,
        );
        assert!(c.summary.lost >= 1, "m{message}: {:?}", c.summary);
        assert_eq!(c.outcome.kind(), "lost");
    }
}

#[test]
fn idempotent_never_loses_or_duplicates_in_any_single_crash_cell() {
    let job = singles(10);
    let cells: Vec<&Cell> = job.cells_of(Mode::Idempotent).collect();
    assert_eq!(cells.len(), 90);
    for c in cells {
        assert!(c.summary.quiet, "{:?}", c.crashes);
        assert_eq!(c.summary.lost, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.duplicated, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.extra_applications, 0, "{:?}", c.crashes);
    }
}

#[test]
fn transactional_never_loses_or_duplicates_after_recovery() {
    let job = singles(10);
    let cells: Vec<&Cell> = job.cells_of(Mode::Transactional).collect();
    assert_eq!(cells.len(), 160);
    for c in cells {
        assert!(c.summary.quiet, "{:?}", c.crashes);
        assert_eq!(c.summary.lost, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.duplicated, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.in_doubt_messages, 0, "{:?}", c.crashes);
        assert_eq!(c.summary.invariant_violations, 0, "{:?}", c.crashes);
    }
    // The coordinator dying with the votes in hand blocks the participants for a while.
    let blocked = cell(
        &job,
        Mode::Transactional,
        CrashPoint::CoordinatorAfterVotes,
        1,
    );
    // Blocking is counted beyond the happy path's, where participants are in doubt only
    // between their vote and the decision.
    assert!(
        blocked.summary.blocked_ticks > blocked.baseline_blocked_ticks,
        "{:?}",
        blocked.summary
    );
    assert_eq!(blocked.outcome.kind(), "blocked");
    assert!(blocked.outcome.text().ends_with("ticks longer"));
    let baseline = mqlab_sim::matrix::baseline_blocked_ticks(
        &scenario(10),
        Mode::Transactional,
        DEFAULT_MATRIX_STEPS,
    )
    .unwrap();
    assert_eq!(blocked.baseline_blocked_ticks, baseline);
    assert!(baseline > 0);
}

#[test]
fn slicing_gives_the_same_cells_as_one_go() {
    let options = MatrixOptions {
        pairs: true,
        ..MatrixOptions::singles()
    };
    let mut whole = MatrixJob::new(&scenario(4), options.clone()).unwrap();
    whole.run_to_end();
    for slice in [1, 7, 50] {
        let mut sliced = MatrixJob::new(&scenario(4), options.clone()).unwrap();
        let mut slices = 0;
        loop {
            let progress = sliced.run_slice(slice);
            slices += 1;
            assert!(progress.done <= progress.total);
            if progress.finished {
                break;
            }
        }
        assert_eq!(slices, whole.cells().len().div_ceil(slice as usize));
        assert_eq!(sliced.cells(), whole.cells(), "slices of {slice}");
    }
}

#[test]
fn cancel_stops_and_keeps_the_cells_done() {
    let mut job = MatrixJob::new(&scenario(10), MatrixOptions::singles()).unwrap();
    let progress = job.run_slice(25);
    assert_eq!(progress.done, 25);
    job.cancel();
    let after = job.run_slice(25);
    assert_eq!(after.done, 25);
    assert!(after.cancelled && !after.finished);
    assert_eq!(job.cells().len(), 25);
}

#[test]
fn a_cell_opens_just_before_its_crash_and_runs_to_the_same_ledger() {
    let c = run_cell(
        &scenario(5),
        Mode::AtLeastOnce,
        &[Crash {
            point: CrashPoint::ConsumerAfterApply,
            message: 2,
        }],
        DEFAULT_MATRIX_STEPS,
        0,
    )
    .unwrap();
    let step = c.crash_step.expect("the crash fires");
    // The link opens the run just before the crash: the consumer is still up, and the
    // next step is the one in which it crashes.
    let shared = SharedRun::from_link(&c.shared.to_link()).unwrap();
    assert_eq!(shared, c.shared);
    let mut run = shared.to_run().unwrap();
    assert_eq!(run.step_index(), step - 1);
    assert!(run.sim().is_up(mqlab_sim::NodeId::CONSUMER));
    run.step();
    assert_eq!(run.step_index(), step);
    assert!(!run.sim().is_up(mqlab_sim::NodeId::CONSUMER));
    // The ledger's jump to the fault that duplicated m2 lands on the same step the
    // cell opens at.
    let mut end = run.clone();
    end.seek(u64::MAX);
    let anomaly = end
        .sim()
        .ledger()
        .anomalies()
        .into_iter()
        .find(|a| a.message.0 == 2);
    assert_eq!(
        anomaly.and_then(|a| a.cause_step),
        shared.step,
        "the ledger's jump and the cell open at the same step"
    );
    // Played to the end it gives the cell's ledger, as the CLI would.
    run.seek(u64::MAX);
    assert_eq!(run.sim().summary(), c.summary);
    let mut plain = Sim::new(&c.shared.scenario).unwrap();
    plain.run_until_quiet(DEFAULT_MATRIX_STEPS);
    assert_eq!(plain.summary(), c.summary);
}

#[test]
fn outcomes_are_told_in_words_and_icons() {
    let job = singles(3);
    for c in job.cells() {
        assert!(!c.outcome.text().is_empty());
        assert!(!c.outcome.icon().is_empty());
        if c.outcome == Outcome::ExactlyOnce {
            assert_eq!(c.summary.exactly_once, 3);
        }
    }
}

#[test]
fn an_invalid_scenario_is_refused_when_the_job_is_planned() {
    let error = MatrixJob::new(&scenario(0), MatrixOptions::singles()).unwrap_err();
    assert!(error.to_string().starts_with("messages:"), "{error}");
}
