//! Properties over random seeds, fault rates and crash schedules, each run to
//! quiescence. Every failure message starts with the seed that reproduces it.
//!
//! Each case draws a seed, link loss and duplication in percent, a random crash rate of
//! up to 4 % per step (several crashes in a run of 8 messages) and up to three named
//! crash points, so crashes land at every protocol step.
//!
//! Preconditions, stated once: crashed nodes restart by themselves (downtime 30
//! ticks), link loss stays below 1 and partitions are not used, so every retry and
//! redelivery loop ends and the run goes quiet. The at-most-once property also needs
//! links that do not duplicate: a network duplicate is a second delivery that
//! at-most-once, by definition, does nothing against.

use mqlab_sim::limits::MAX_IN_FLIGHT;
use mqlab_sim::{Command, CrashPoint, Mode, Ratio, Scenario, Sim, Verdict};
use proptest::prelude::*;

const MAX_STEPS: u64 = 400_000;

fn crash_schedule(mode: Mode) -> impl Strategy<Value = Vec<(CrashPoint, u32)>> {
    let points: Vec<CrashPoint> = CrashPoint::ALL
        .into_iter()
        .filter(|p| p.applies_to(mode))
        .collect();
    prop::collection::vec((prop::sample::select(points), 1u32..=8), 0..4)
}

fn build(
    mode: Mode,
    seed: u64,
    loss: u32,
    duplicate: u32,
    crash_rate: u32,
    crashes: &[(CrashPoint, u32)],
) -> Scenario {
    let mut scenario = Scenario {
        mode,
        seed,
        messages: 8,
        ..Scenario::default()
    };
    scenario.network.global.loss = Ratio::new(loss, 100);
    scenario.network.global.duplicate = Ratio::new(duplicate, 100);
    scenario.random_crash = Ratio::new(crash_rate, 1000);
    for &(point, message) in crashes {
        scenario = scenario.with_fault(Command::CrashAt {
            point,
            message: Some(message),
            instance: 0,
        });
    }
    scenario
}

/// Runs to quiescence, checking the queue bounds at every step.
fn run(scenario: &Scenario) -> Result<Sim, TestCaseError> {
    let mut sim = Sim::new(scenario).expect("valid scenario");
    let seed = scenario.seed;
    let bound = u64::from(MAX_IN_FLIGHT) + 1_000;
    for _ in 0..MAX_STEPS {
        if !sim.advance() {
            break;
        }
        prop_assert!(
            sim.in_flight_count() <= MAX_IN_FLIGHT,
            "seed {seed}: in flight over its bound"
        );
        prop_assert!(
            sim.pending_events() <= bound,
            "seed {seed}: event queue over its bound"
        );
    }
    prop_assert!(
        sim.is_quiet(),
        "seed {seed}: not quiet after {MAX_STEPS} steps"
    );
    Ok(sim)
}

fn count(sim: &Sim, wanted: fn(Verdict) -> bool) -> usize {
    sim.ledger()
        .messages()
        .iter()
        .filter(|m| wanted(m.verdict))
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn at_most_once_never_duplicates(
        seed in any::<u64>(), loss in 0u32..20, crash_rate in 0u32..40, crashes in crash_schedule(Mode::AtMostOnce),
    ) {
        let sim = run(&build(Mode::AtMostOnce, seed, loss, 0, crash_rate, &crashes))?;
        prop_assert_eq!(count(&sim, |v| matches!(v, Verdict::Duplicated(_))), 0, "seed {}", seed);
    }

    #[test]
    fn at_least_once_never_loses(
        seed in any::<u64>(), loss in 0u32..20, duplicate in 0u32..10, crash_rate in 0u32..40,
        crashes in crash_schedule(Mode::AtLeastOnce),
    ) {
        let sim = run(&build(Mode::AtLeastOnce, seed, loss, duplicate, crash_rate, &crashes))?;
        prop_assert_eq!(count(&sim, |v| v == Verdict::Lost), 0, "seed {}: {:?}", seed, sim.summary());
    }

    #[test]
    fn idempotent_never_loses_and_never_duplicates(
        seed in any::<u64>(), loss in 0u32..20, duplicate in 0u32..10, crash_rate in 0u32..40,
        crashes in crash_schedule(Mode::Idempotent),
    ) {
        let sim = run(&build(Mode::Idempotent, seed, loss, duplicate, crash_rate, &crashes))?;
        prop_assert_eq!(count(&sim, |v| matches!(v, Verdict::Lost | Verdict::Duplicated(_))), 0,
            "seed {}: {:?}", seed, sim.summary());
    }

    #[test]
    fn transactional_never_loses_never_duplicates_and_stays_atomic(
        seed in any::<u64>(), loss in 0u32..15, duplicate in 0u32..10, crash_rate in 0u32..40, vote_no in 0u32..20,
        crashes in crash_schedule(Mode::Transactional),
    ) {
        let mut scenario = build(Mode::Transactional, seed, loss, duplicate, crash_rate, &crashes);
        scenario.transaction.vote_no = Ratio::new(vote_no, 100);
        let sim = run(&scenario)?;
        let summary = sim.summary();
        prop_assert_eq!(summary.exactly_once + summary.reordered, summary.messages, "seed {}: {:?}", seed, summary);
        prop_assert!(sim.ledger().invariant_violations().is_empty(), "seed {}: {:?}", seed, sim.ledger().invariant_violations());
        prop_assert_eq!(summary.in_doubt, 0, "seed {}", seed);
    }

    #[test]
    fn the_same_seed_gives_the_same_trace_hash_twice(
        seed in any::<u64>(), mode_index in 0usize..4, loss in 0u32..20, crash_rate in 0u32..40,
    ) {
        let mode = Mode::ALL[mode_index];
        let scenario = build(mode, seed, loss, 0, crash_rate, &[]);
        let first = run(&scenario)?;
        let mut second = Sim::with_options(&scenario, mqlab_sim::SimOptions { record_trace: false }).unwrap();
        second.run_until_quiet(MAX_STEPS);
        prop_assert_eq!(first.trace_hash(), second.trace_hash(), "seed {}: recording must not change the run", seed);
        prop_assert_eq!(first.summary(), second.summary(), "seed {}", seed);
    }

    #[test]
    fn replaying_the_recorded_commands_rebuilds_the_same_run(
        seed in any::<u64>(), crash_after in 1u64..40, restart_after in 1u64..40,
    ) {
        let mut scenario = build(Mode::AtLeastOnce, seed, 5, 0, 0, &[]);
        scenario.timing.restart_after_ticks = None;
        let mut sim = Sim::new(&scenario).unwrap();
        sim.run_until_quiet(crash_after);
        let _ = sim.apply(Command::Crash(mqlab_sim::NodeId::CONSUMER));
        sim.run_until_quiet(restart_after);
        let _ = sim.apply(Command::Restart(mqlab_sim::NodeId::CONSUMER));
        sim.run_until_quiet(MAX_STEPS);
        let replayed = Sim::replay(&scenario, sim.applied_commands(), sim.step_index()).unwrap();
        prop_assert_eq!(replayed.trace_hash(), sim.trace_hash(), "seed {}", seed);
        prop_assert_eq!(replayed.trace(), sim.trace(), "seed {}", seed);
    }
}
