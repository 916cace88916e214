//! Compare: one fault plan under the four modes, with the differences in sentences.

use mqlab_sim::compare::{compare, DEFAULT_COMPARE_STEPS};
use mqlab_sim::{Command, CrashPoint, Mode, NodeId, Scenario, Sim, Verdict};

fn crash(point: CrashPoint, message: u32) -> Command {
    Command::CrashAt {
        point,
        message: Some(message),
        instance: 0,
    }
}

#[test]
fn a_consumer_crash_after_apply_differs_between_the_modes() {
    let scenario = Scenario::default().with_fault(crash(CrashPoint::ConsumerAfterApply, 1));
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    assert_eq!(
        comparison.runs.iter().map(|r| r.mode).collect::<Vec<_>>(),
        Mode::ALL
    );
    let alo = comparison.run(Mode::AtLeastOnce).unwrap();
    assert_eq!(alo.summary.duplicated, 1);
    assert_eq!(alo.verdicts[0], Verdict::Duplicated(2));
    let idem = comparison.run(Mode::Idempotent).unwrap();
    assert_eq!((idem.summary.duplicated, idem.summary.lost), (0, 0));
    // In transactional mode the apply was not committed: the crash loses it, the
    // transaction aborts and its retry applies m1 once.
    let txn = comparison.run(Mode::Transactional).unwrap();
    assert!(txn.not_applicable.is_empty());
    assert_eq!(txn.summary.exactly_once, 5);
    assert!(txn.summary.txn_aborted >= 1, "{:?}", txn.summary);
    for run in &comparison.runs {
        assert!(run.finished, "{:?}", run.mode);
    }
    let m1 = &comparison.differences[0];
    assert_eq!(m1.message.0, 1);
    assert!(
        m1.sentence.starts_with("m1: ")
            && m1.sentence.contains("at-least-once applies it twice (")
            && m1.sentence.contains("idempotent")
            && m1.sentence.ends_with('.'),
        "{}",
        m1.sentence
    );
    assert_eq!(
        comparison.differences_total as usize,
        comparison.differences.len()
    );
}

#[test]
fn each_mode_gives_what_its_own_run_gives() {
    let scenario = Scenario::default().with_fault(crash(CrashPoint::ConsumerAfterReceive, 2));
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    for run in &comparison.runs {
        let mut sim = Sim::new(&run.shared.scenario).unwrap();
        sim.run_until_quiet(DEFAULT_COMPARE_STEPS);
        assert_eq!(sim.summary(), run.summary, "{:?}", run.mode);
    }
    let amo = comparison.run(Mode::AtMostOnce).unwrap();
    assert!(amo.summary.lost >= 1, "{:?}", amo.summary);
    let lost: Vec<_> = comparison
        .differences
        .iter()
        .filter(|d| d.sentence.contains("at-most-once loses it ("))
        .collect();
    assert!(!lost.is_empty(), "{:#?}", comparison.differences);
}

#[test]
fn commands_are_replayed_and_those_a_mode_lacks_are_not_applicable() {
    let commands = vec![
        (3, Command::Crash(NodeId::COORDINATOR)),
        (5, Command::Crash(NodeId::BROKER)),
    ];
    let comparison = compare(&Scenario::default(), &commands, DEFAULT_COMPARE_STEPS).unwrap();
    for run in &comparison.runs {
        let expected = if run.mode == Mode::Transactional {
            0
        } else {
            1
        };
        assert_eq!(run.not_applicable.len(), expected, "{:?}", run.mode);
        assert_eq!(
            run.shared.scenario.faults.len(),
            2 - expected,
            "{:?}",
            run.mode
        );
    }
    let reason = comparison.run(Mode::AtMostOnce).unwrap().not_applicable[0]
        .reason
        .to_string();
    assert!(reason.contains("coordinator"), "{reason}");
}

#[test]
fn no_fault_means_no_difference() {
    let comparison = compare(&Scenario::default(), &[], DEFAULT_COMPARE_STEPS).unwrap();
    assert!(comparison.differences.is_empty());
    for run in &comparison.runs {
        assert_eq!(run.summary.exactly_once, 5, "{:?}", run.mode);
    }
}

#[test]
fn an_invalid_scenario_is_an_error_not_a_panic() {
    let scenario = Scenario {
        messages: 0,
        ..Scenario::default()
    };
    assert!(compare(&scenario, &[], 10).is_err());
}

#[test]
fn a_mode_without_part_of_the_plan_has_no_verdict_to_compare() {
    // A producer without confirms has no "after confirm".
    let scenario = Scenario::default().with_fault(crash(CrashPoint::ProducerAfterConfirm, 1));
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    for run in &comparison.runs {
        assert_eq!(
            run.plan_applies(),
            run.mode != Mode::AtMostOnce,
            "{:?}",
            run.mode
        );
    }
    for difference in &comparison.differences {
        assert!(
            difference
                .verdicts
                .iter()
                .all(|(mode, _)| *mode != Mode::AtMostOnce),
            "{difference:?}"
        );
        assert!(
            !difference.sentence.contains("at-most-once"),
            "{}",
            difference.sentence
        );
    }
}

#[test]
fn without_a_fault_participants_wait_only_the_normal_time() {
    let scenario = Scenario {
        mode: Mode::Transactional,
        ..Scenario::default()
    };
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    let txn = comparison.run(Mode::Transactional).unwrap();
    let split = txn.in_doubt;
    assert!(split.in_doubt_ticks > 0, "{split:?}");
    assert_eq!(split.blocked_ticks, 0, "{split:?}");
    assert_eq!(split.normal_ticks, split.in_doubt_ticks, "{split:?}");
    assert_eq!(split.in_doubt_ticks, txn.summary.blocked_ticks);
}

#[test]
fn a_coordinator_crash_after_the_votes_blocks_past_the_timer() {
    let scenario = Scenario {
        mode: Mode::Transactional,
        ..Scenario::default()
    }
    .with_fault(crash(CrashPoint::CoordinatorAfterVotes, 2));
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    let txn = comparison.run(Mode::Transactional).unwrap();
    let split = txn.in_doubt;
    assert_eq!(split.timer_ticks, scenario.transaction.in_doubt_query_ticks);
    assert!(split.blocked_ticks > 0, "{split:?}");
    assert!(split.blocked_intervals >= 1, "{split:?}");
    assert_eq!(
        split.normal_ticks + split.blocked_ticks,
        split.in_doubt_ticks,
        "{split:?}"
    );
    // The split covers the same time as the ledger's total in doubt.
    assert_eq!(split.in_doubt_ticks, txn.summary.blocked_ticks);
    // The queue modes have no coordinator: not applicable, no verdicts.
    for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent] {
        assert!(!comparison.run(mode).unwrap().plan_applies(), "{mode:?}");
    }
    assert!(comparison.differences.is_empty());
}

#[test]
fn a_replicated_queue_is_compared_in_the_three_modes_it_runs_in() {
    let mut scenario = mqlab_sim::Scenario {
        messages: 5,
        ..mqlab_sim::Scenario::default()
    };
    scenario.topology.brokers = 3;
    scenario.replication.acks = Some(mqlab_sim::Acks::One);
    let commands = [(
        0,
        mqlab_sim::Command::CrashAt {
            point: mqlab_sim::CrashPoint::BrokerAfterConfirm,
            message: Some(3),
            instance: 0,
        },
    )];
    let comparison = mqlab_sim::compare::compare(&scenario, &commands, 200_000).unwrap();
    let modes: Vec<mqlab_sim::Mode> = comparison.runs.iter().map(|run| run.mode).collect();
    assert_eq!(
        modes,
        [
            mqlab_sim::Mode::AtMostOnce,
            mqlab_sim::Mode::AtLeastOnce,
            mqlab_sim::Mode::Idempotent
        ]
    );
    let at_least_once = comparison.run(mqlab_sim::Mode::AtLeastOnce).unwrap();
    assert!(at_least_once.finished);
    assert!(
        at_least_once.summary.acked_lost > 0,
        "{:?}",
        at_least_once.summary
    );
}

/// Six messages, Kafka style: two groups of two members on two partitions, committing
/// after processing.
fn two_groups() -> Scenario {
    let mut scenario = Scenario {
        messages: 6,
        ..Scenario::default()
    };
    scenario.topology.consumers = 4;
    scenario.kafka = Some(mqlab_sim::KafkaConfig {
        groups: 2,
        partitions: 2,
        commit: mqlab_sim::CommitStrategy::After,
        ..mqlab_sim::KafkaConfig::default()
    });
    scenario
}

#[test]
fn with_consumer_groups_each_group_has_its_result_and_its_own_differences() {
    // consumer-3 is the first member of group 2; m3 is on its partitions.
    let scenario = two_groups().with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(3),
        instance: 2,
    });
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    // Consumer groups run in the three queue modes only.
    assert_eq!(
        comparison.runs.iter().map(|r| r.mode).collect::<Vec<_>>(),
        [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent]
    );
    let alo = comparison.run(Mode::AtLeastOnce).unwrap();
    assert_eq!(alo.groups.len(), 2);
    // Group 1 got every message once; group 2 applied m3 twice.
    assert_eq!(alo.groups[0].summary.exactly_once, 6);
    assert_eq!(alo.groups[1].summary.duplicated, 1);
    assert_eq!(alo.groups[1].verdicts[2], Verdict::Duplicated(2));
    // The run's counters add the groups' up, as the CLI's summary does.
    assert_eq!(
        alo.summary.exactly_once,
        alo.groups[0].summary.exactly_once + alo.groups[1].summary.exactly_once
    );
    let idem = comparison.run(Mode::Idempotent).unwrap();
    for group in &idem.groups {
        assert_eq!(group.summary.exactly_once, 6, "{:?}", group.summary);
    }
    // The difference is group 2's, and named so; group 1 has none.
    assert!(comparison.differences.iter().all(|d| d.group == Some(1)));
    let m3 = comparison
        .differences
        .iter()
        .find(|d| d.message.0 == 3)
        .expect("m3 differs in group 2");
    assert!(
        m3.sentence.starts_with("m3 in group 2: ")
            && m3.sentence.contains("at-least-once applies it twice ("),
        "{}",
        m3.sentence
    );
    // Every member applied what its group's ledger says.
    let applied: u32 = alo.applied_by_consumer.iter().sum();
    let group_applied: u32 = alo
        .groups
        .iter()
        .map(|g| g.summary.exactly_once + 2 * g.summary.duplicated)
        .sum();
    assert_eq!(applied, group_applied);
}

#[test]
fn competing_consumers_report_what_each_consumer_applied() {
    let mut scenario = Scenario {
        messages: 8,
        ..Scenario::default()
    }
    .with_fault(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: None,
        instance: 1,
    });
    scenario.topology.consumers = 2;
    let comparison = compare(&scenario, &[], DEFAULT_COMPARE_STEPS).unwrap();
    assert_eq!(comparison.runs.len(), 4);
    for run in &comparison.runs {
        assert!(run.groups.is_empty());
        assert_eq!(run.applied_by_consumer.len(), 2);
        let applied: u32 = run.applied_by_consumer.iter().sum();
        let extra = run.summary.extra_applications;
        let once = run.summary.messages - run.summary.lost - run.summary.in_doubt_messages;
        assert_eq!(applied, once + extra, "{:?}", run.mode);
        // Both consumers took part.
        assert!(
            run.applied_by_consumer.iter().all(|&n| n > 0),
            "{:?}",
            run.mode
        );
    }
    let alo = comparison.run(Mode::AtLeastOnce).unwrap();
    assert_eq!(alo.summary.duplicated, 1, "{:?}", alo.summary);
}
