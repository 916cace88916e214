//! Transactions of several messages (transaction size k): in transactional mode a group
//! of k messages becomes visible all together or not at all, and the consumer applies
//! a group only after its commit; without a transaction, a batch cut by a crash is
//! partially visible. Every property failure message starts with the seed.

mod common;

use common::{crash_at, run_to_quiet};
use mqlab_sim::limits::MAX_TXN_SIZE;
use mqlab_sim::{
    Command, CrashPoint, Mode, Ratio, Scenario, ScenarioError, Sim, TxnKind, TxnVerdict,
};
use proptest::prelude::*;

fn grouped(mode: Mode, messages: u32, size: u32, faults: &[Command]) -> Scenario {
    let mut scenario = Scenario {
        mode,
        messages,
        ..Scenario::default()
    };
    scenario.transaction.size = size;
    if mode == Mode::Transactional {
        // One transaction at a time, so that the transaction ids follow the groups.
        scenario.timing.producer_window = 1;
    }
    for fault in faults {
        scenario = scenario.with_fault(fault.clone());
    }
    scenario
}

/// The verdicts as "t1 m1–m3 aborted" lines, the form the CLI prints.
fn verdicts(sim: &Sim) -> Vec<String> {
    sim.ledger()
        .transactions()
        .iter()
        .map(|t| format!("{} {} {}", t.name(), t.messages_text(), t.verdict.as_str()))
        .collect()
}

#[test]
fn a_transaction_of_three_commits_its_publish_and_its_consume_as_wholes() {
    let sim = run_to_quiet(&grouped(Mode::Transactional, 6, 3, &[]));
    assert_eq!(
        verdicts(&sim),
        [
            "t1 m1–m3 committed",
            "t2 m1–m3 committed",
            "t3 m4–m6 committed",
            "t4 m4–m6 committed"
        ]
    );
    let summary = sim.summary();
    assert_eq!(summary.exactly_once, 6);
    assert_eq!(
        (
            summary.txn_committed,
            summary.txn_aborted,
            summary.txn_partial
        ),
        (4, 0, 0)
    );
    // The three messages of a group are applied in one step: the consume commit.
    let steps: Vec<Option<u64>> = sim
        .ledger()
        .messages()
        .iter()
        .map(|m| m.first_applied_step)
        .collect();
    assert_eq!(steps[0], steps[1]);
    assert_eq!(steps[1], steps[2]);
    assert_ne!(steps[2], steps[3]);
    assert_eq!(steps[3], steps[5]);
}

#[test]
fn a_coordinator_crash_after_the_votes_aborts_the_group_and_the_retry_commits_it() {
    let sim = run_to_quiet(&grouped(
        Mode::Transactional,
        6,
        3,
        &[crash_at(CrashPoint::CoordinatorAfterVotes, 1)],
    ));
    assert_eq!(
        verdicts(&sim),
        [
            "t1 m1–m3 aborted",
            "t2 m1–m3 committed",
            "t3 m1–m3 committed",
            "t4 m4–m6 committed",
            "t5 m4–m6 committed"
        ]
    );
    let summary = sim.summary();
    assert_eq!(summary.exactly_once, 6, "{summary:?}");
    assert_eq!(
        (
            summary.txn_committed,
            summary.txn_aborted,
            summary.txn_partial
        ),
        (4, 1, 0)
    );
    for message in sim.ledger().messages() {
        assert_eq!(
            sim.ledger().visible_by(message.id),
            Some(if message.id.number() <= 3 { 2 } else { 4 }),
            "{} became visible through the retry, never through the aborted t1",
            message.id
        );
    }
    let aborted = &sim.ledger().transactions()[0];
    assert_eq!(aborted.kind, TxnKind::Publish);
    assert!(aborted.explanation().starts_with("t1 aborted (step"));
}

#[test]
fn a_crash_point_armed_for_the_middle_message_fires_in_its_group() {
    let sim = run_to_quiet(&grouped(
        Mode::Transactional,
        6,
        3,
        &[crash_at(CrashPoint::CoordinatorAfterVotes, 2)],
    ));
    assert_eq!(verdicts(&sim)[0], "t1 m1–m3 aborted");
    let sim = run_to_quiet(&grouped(
        Mode::Transactional,
        6,
        3,
        &[crash_at(CrashPoint::CoordinatorAfterVotes, 5)],
    ));
    assert_eq!(verdicts(&sim)[2], "t3 m4–m6 aborted");
}

#[test]
fn prepared_participants_hold_the_whole_group_in_doubt_while_the_coordinator_is_down() {
    let mut scenario = grouped(
        Mode::Transactional,
        3,
        3,
        &[crash_at(CrashPoint::CoordinatorAfterVotes, 1)],
    );
    scenario.timing.restart_after_ticks = None;
    // The participants keep asking the crashed coordinator, so the run never goes quiet.
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until_quiet(500);
    let summary = sim.summary();
    assert_eq!(summary.in_doubt, 2, "producer DB and broker are prepared");
    assert_eq!(summary.in_doubt_messages, 3, "{summary:?}");
    assert_eq!(verdicts(&sim), ["t1 m1–m3 open"]);
    assert_eq!(summary.txn_partial, 0);
}

#[test]
fn at_least_once_batch_cut_by_a_producer_crash_is_partially_visible() {
    let sim = run_to_quiet(&grouped(
        Mode::AtLeastOnce,
        6,
        3,
        &[crash_at(CrashPoint::ProducerAfterSend, 1)],
    ));
    assert_eq!(
        verdicts(&sim),
        [
            "batch 1 m1–m3 partially_visible",
            "batch 2 m4–m6 visible_whole"
        ]
    );
    assert_eq!(sim.summary().txn_partial, 1);
    assert_eq!(sim.summary().txn_committed, 0);
    let batch = &sim.ledger().transactions()[0];
    assert!(batch.explanation().contains("not atomic"));
}

#[test]
fn at_most_once_batch_cut_by_a_crash_stays_partially_visible() {
    let sim = run_to_quiet(&grouped(
        Mode::AtMostOnce,
        3,
        3,
        &[crash_at(CrashPoint::ProducerBeforeSend, 2)],
    ));
    assert_eq!(verdicts(&sim), ["batch 1 m1–m3 partially_visible"]);
    assert!(sim.summary().lost >= 1);
}

#[test]
fn batches_without_faults_become_visible_whole() {
    for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent] {
        for seed in 1..=5 {
            let mut scenario = grouped(mode, 12, 3, &[]);
            scenario.seed = seed;
            let sim = run_to_quiet(&scenario);
            assert_eq!(
                sim.summary().txn_partial,
                0,
                "{mode:?} seed {seed}: {:?}",
                verdicts(&sim)
            );
            assert!(verdicts(&sim).iter().all(|v| v.ends_with("visible_whole")));
        }
    }
}

#[test]
fn size_one_keeps_one_transaction_per_message_and_no_batches() {
    let sim = run_to_quiet(&grouped(Mode::Transactional, 2, 1, &[]));
    assert_eq!(
        verdicts(&sim),
        [
            "t1 m1 committed",
            "t2 m1 committed",
            "t3 m2 committed",
            "t4 m2 committed"
        ]
    );
    let sim = run_to_quiet(&grouped(Mode::AtLeastOnce, 5, 1, &[]));
    assert!(sim.ledger().transactions().is_empty());
    assert_eq!(sim.summary().txn_partial, 0);
}

#[test]
fn a_last_group_shorter_than_k_is_its_own_transaction() {
    let sim = run_to_quiet(&grouped(Mode::Transactional, 5, 3, &[]));
    assert_eq!(verdicts(&sim)[2], "t3 m4–m5 committed");
    assert_eq!(sim.summary().exactly_once, 5);
}

#[test]
fn a_transaction_size_out_of_range_is_refused_naming_the_field() {
    for size in [0, MAX_TXN_SIZE + 1] {
        let error = Sim::new(&grouped(Mode::Transactional, 5, size, &[])).unwrap_err();
        assert!(matches!(error, ScenarioError::OutOfRange { .. }));
        assert_eq!(
            error.to_string(),
            format!("transaction.size: must be between 1 and {MAX_TXN_SIZE} (got {size})")
        );
    }
}

const MAX_STEPS: u64 = 400_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Group atomicity under random crash schedules: at every step, each group is
    /// applied wholly or not at all; no message is applied through an aborted
    /// transaction; once quiet, every committed group is applied exactly once.
    #[test]
    fn transactional_groups_are_all_or_nothing_under_random_crashes(
        seed in any::<u64>(),
        messages in 1u32..=12,
        size in 1u32..=5,
        crash_rate in 0u32..40,
        loss in 0u32..10,
        vote_no in 0u32..15,
        crashes in prop::collection::vec((prop::sample::select(mqlab_sim::matrix::applicable_points(Mode::Transactional)), 1u32..=12), 0..4),
    ) {
        let mut scenario = grouped(Mode::Transactional, messages, size, &[]);
        scenario.seed = seed;
        scenario.random_crash = Ratio::new(crash_rate, 1000);
        scenario.network.global.loss = Ratio::new(loss, 100);
        scenario.transaction.vote_no = Ratio::new(vote_no, 100);
        for (point, message) in crashes {
            scenario = scenario.with_fault(crash_at(point, message.min(messages)));
        }
        let mut sim = Sim::new(&scenario).expect("valid scenario");
        let mut taken = 0;
        while taken < MAX_STEPS && sim.advance() {
            taken += 1;
            let records = sim.ledger().messages();
            for first in (1..=messages).step_by(size as usize) {
                let last = (first + size - 1).min(messages);
                let group = &records[(first - 1) as usize..last as usize];
                let applied = group.iter().filter(|m| m.applied > 0).count();
                prop_assert!(applied == 0 || applied == group.len(),
                    "seed {}: step {}: group m{}–m{} partly applied", seed, sim.step_index(), first, last);
            }
        }
        prop_assert!(sim.is_quiet(), "seed {}: not quiet after {} steps", seed, MAX_STEPS);
        let ledger = sim.ledger();
        let summary = sim.summary();
        prop_assert_eq!(summary.txn_partial, 0, "seed {}", seed);
        prop_assert!(ledger.invariant_violations().is_empty(), "seed {}: {:?}", seed, ledger.invariant_violations());
        for message in ledger.messages() {
            if message.applied == 0 {
                continue;
            }
            let txn = ledger.visible_by(message.id);
            let verdict = ledger.transactions().iter().find(|t| Some(t.txn) == txn).map(|t| t.verdict);
            prop_assert_eq!(verdict, Some(TxnVerdict::Committed),
                "seed {}: {} applied through {:?}", seed, message.id, txn);
        }
        for t in ledger.transactions() {
            prop_assert_ne!(t.verdict, TxnVerdict::PartiallyVisible, "seed {}", seed);
        }
        // Crashed nodes restart by themselves, so the run ends with every group
        // committed and applied exactly once.
        prop_assert_eq!(summary.in_doubt, 0, "seed {}", seed);
        for message in ledger.messages() {
            prop_assert_eq!(message.applied, 1, "seed {}: {} applied {} times", seed, message.id, message.applied);
        }
    }
}

#[test]
fn the_transaction_size_travels_in_links_and_files_and_is_checked() {
    use mqlab_sim::{ScenarioFile, SharedRun};
    let run = SharedRun::new(grouped(Mode::Transactional, 6, 3, &[]));
    let link = run.to_link();
    assert!(link.contains("txn_size=3"), "{link}");
    assert_eq!(SharedRun::from_link(&link).unwrap(), run);
    let default_link = SharedRun::new(grouped(Mode::Transactional, 6, 1, &[])).to_link();
    assert!(!default_link.contains("txn_size"), "{default_link}");
    let sim = Sim::new(&run.scenario).unwrap();
    let text = ScenarioFile::from_sim(&run, &sim, false).to_json();
    assert!(
        text.contains("\"size\": 3") || text.contains("\"size\":3"),
        "{text}"
    );
    assert_eq!(
        ScenarioFile::parse(&text).unwrap().run.scenario,
        run.scenario
    );
    let bad = text
        .replace("\"size\": 3", "\"size\": 0")
        .replace("\"size\":3", "\"size\":0");
    let error = ScenarioFile::parse(&bad).unwrap_err().to_string();
    assert!(error.contains("transaction.size"), "{error}");
}
