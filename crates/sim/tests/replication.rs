//! The replicated queue: leader and followers, acks, the in-sync set, failover,
//! unclean election and leader epochs, each case with its expected verdicts; and
//! property tests over seeded random fault schedules.

use mqlab_sim::{
    Acks, Command, CrashPoint, Mode, NodeId, Ratio, RoleKind, Scenario, ScenarioError, Sim,
    SimOptions, Summary, TimedAction, TimedFault,
};

fn broker(number: u8) -> NodeId {
    NodeId::new(RoleKind::Broker, number - 1)
}

fn replicated(replicas: u16, messages: u32) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages,
        ..Scenario::default()
    };
    scenario.topology.brokers = replicas;
    scenario
}

fn at(tick: u64, action: TimedAction) -> TimedFault {
    TimedFault { tick, action }
}

fn run(scenario: &Scenario) -> Summary {
    let mut sim = Sim::with_options(
        scenario,
        SimOptions {
            record_trace: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    sim.run_until_quiet(2_000_000);
    sim.summary()
}

#[test]
fn three_replicas_without_faults_deliver_every_message_exactly_once() {
    for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent] {
        let mut scenario = replicated(3, 10);
        scenario.mode = mode;
        let summary = run(&scenario);
        assert_eq!(summary.exactly_once, 10, "{mode:?}: {summary:?}");
        assert_eq!(summary.leader_changes, 0);
        assert_eq!(summary.unavailable_ticks, 0);
        assert!(summary.quiet);
    }
}

#[test]
fn acks_1_loses_an_acknowledged_write_on_failover() {
    let mut scenario = replicated(3, 5).with_fault(Command::CrashAt {
        point: CrashPoint::BrokerAfterConfirm,
        message: Some(3),
        instance: 0,
    });
    scenario.replication.acks = Some(Acks::One);
    scenario.timing.restart_after_ticks = None;
    let summary = run(&scenario);
    assert!(summary.acked_lost >= 1, "{summary:?}");
    assert_eq!(summary.leader_changes, 1);
    assert!(summary.unavailable_ticks > 0);
}

#[test]
fn acks_all_with_min_insync_2_survives_one_broker() {
    for message in 1..=5 {
        for point in [
            CrashPoint::BrokerAfterAppend,
            CrashPoint::BrokerAfterConfirm,
        ] {
            let mut scenario = replicated(3, 5).with_fault(Command::CrashAt {
                point,
                message: Some(message),
                instance: 0,
            });
            scenario.replication.min_insync_replicas = 2;
            scenario.mode = Mode::Idempotent;
            let summary = run(&scenario);
            assert_eq!(summary.acked_lost, 0, "{point:?} m{message}: {summary:?}");
            assert_eq!(summary.lost, 0, "{point:?} m{message}: {summary:?}");
            assert_eq!(summary.exactly_once, 5, "{point:?} m{message}: {summary:?}");
        }
    }
}

#[test]
fn acks_all_with_min_insync_2_refuses_writes_when_two_brokers_are_down() {
    let mut scenario = replicated(3, 4);
    scenario.replication.min_insync_replicas = 2;
    scenario.timed_faults = vec![
        at(1, TimedAction::Crash { node: broker(2) }),
        at(1, TimedAction::Crash { node: broker(3) }),
        at(150, TimedAction::Restart { node: broker(2) }),
    ];
    scenario.timing.restart_after_ticks = None;
    let summary = run(&scenario);
    assert!(summary.producer_errors > 0, "{summary:?}");
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    assert_eq!(summary.lost, 0, "{summary:?}");
}

#[test]
fn a_partition_with_no_in_sync_replica_left_stays_without_a_leader_and_loses_nothing() {
    // The followers fall out of the in-sync set while cut off; then the leader
    // crashes: clean election has no one to elect until the leader returns.
    let mut scenario = replicated(3, 4);
    scenario.timed_faults = vec![
        at(
            0,
            TimedAction::Partition {
                a: broker(1),
                b: broker(2),
                until_tick: 400,
            },
        ),
        at(
            0,
            TimedAction::Partition {
                a: broker(1),
                b: broker(3),
                until_tick: 400,
            },
        ),
        at(100, TimedAction::Crash { node: broker(1) }),
        at(300, TimedAction::Restart { node: broker(1) }),
    ];
    scenario.timing.restart_after_ticks = None;
    let summary = run(&scenario);
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    assert!(summary.unavailable_ticks >= 150, "{summary:?}");

    // With unclean election, an out-of-sync follower leads at once, and the
    // acknowledged writes it never had are lost. They are lost for a reader only if
    // no consumer read them before: here the consumer is cut off from the old leader
    // all along, as a consumer that lags behind.
    scenario.timed_faults.push(at(
        0,
        TimedAction::Partition {
            a: broker(1),
            b: NodeId::new(RoleKind::Consumer, 0),
            until_tick: 400,
        },
    ));
    let summary = run(&scenario);
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    assert!(summary.unavailable_ticks >= 150, "{summary:?}");
    scenario.replication.unclean_election = true;
    let summary = run(&scenario);
    assert!(summary.acked_lost > 0, "{summary:?}");
    assert!(summary.unavailable_ticks < 150, "{summary:?}");
}

/// KIP-101's first scenario: the follower appends m2, tells the leader with its next
/// fetch, crashes before it learns the new high watermark and restarts at once; the
/// leader confirms m2 and dies before the follower has fetched m2 again, so the
/// follower becomes leader with whatever its restart left of its log.
fn kip_101_scenario_1(truncate_to_high_watermark: bool) -> Scenario {
    let mut scenario = replicated(2, 3)
        .with_fault(Command::CrashAt {
            point: CrashPoint::BrokerAfterFetch,
            message: Some(2),
            instance: 1,
        })
        .with_fault(Command::CrashAt {
            point: CrashPoint::BrokerAfterConfirm,
            message: Some(2),
            instance: 0,
        });
    scenario.replication.truncate_to_high_watermark = truncate_to_high_watermark;
    // Both restart long before their sessions time out, so both stay in the in-sync
    // set, as in KIP-101's setting.
    scenario.timing.restart_after_ticks = Some(2);
    scenario
}

#[test]
fn truncating_to_the_high_watermark_loses_an_acknowledged_write() {
    let summary = run(&kip_101_scenario_1(true));
    assert!(summary.acked_lost >= 1, "{summary:?}");
}

#[test]
fn leader_epochs_keep_the_acknowledged_write() {
    let summary = run(&kip_101_scenario_1(false));
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    assert_eq!(summary.lost, 0, "{summary:?}");
}

#[test]
fn bad_replication_settings_are_refused_and_change_nothing() {
    let mut scenario = replicated(6, 3);
    assert!(matches!(
        Sim::new(&scenario),
        Err(ScenarioError::OutOfRange { .. })
    ));
    scenario.topology.brokers = 3;
    scenario.replication.min_insync_replicas = 4;
    assert!(Sim::new(&scenario).is_err());
    scenario.replication.min_insync_replicas = 1;
    scenario.timed_faults = vec![at(1, TimedAction::Crash { node: broker(5) })];
    assert!(Sim::new(&scenario).is_err());
    scenario.timed_faults = vec![at(
        1,
        TimedAction::Crash {
            node: NodeId::CONTROLLER,
        },
    )];
    assert!(Sim::new(&scenario).is_err());
    let mut sim = Sim::new(&replicated(3, 3)).unwrap_or_else(|e| panic!("{e}"));
    assert!(sim.apply(Command::Crash(NodeId::CONTROLLER)).is_err());
}

// ----- properties over seeded random fault schedules -----

/// A random schedule from the seed: `crashes` broker crashes, each followed by a
/// restart (with two, the same broker may be drawn twice), and `cuts` links cut for a while between two
/// of the brokers, the controller and the consumer.
fn random_schedule(seed: u64, replicas: u16, crashes: u32, cuts: u32) -> Vec<TimedFault> {
    let mut prng = mqlab_sim::Prng::new(seed);
    let mut faults = Vec::new();
    let mut previous_restart: Option<u64> = None;
    for _ in 0..crashes {
        let node = broker(1 + prng.below(u64::from(replicas)) as u8);
        // Half the time a later crash follows the previous restart closely, and half
        // the time a node comes back within a few ticks (inside the session timeout):
        // the narrow windows where replication goes wrong.
        let tick = match previous_restart {
            Some(restart) if prng.below(2) == 0 => restart + prng.below(6),
            _ => prng.below(60),
        };
        let downtime = if prng.below(2) == 0 {
            1 + prng.below(5)
        } else {
            2 + prng.below(80)
        };
        faults.push(at(tick, TimedAction::Crash { node }));
        faults.push(at(tick + downtime, TimedAction::Restart { node }));
        previous_restart = Some(tick + downtime);
    }
    let mut ends: Vec<NodeId> = (1..=replicas as u8).map(broker).collect();
    ends.push(NodeId::CONTROLLER);
    ends.push(NodeId::new(RoleKind::Consumer, 0));
    for _ in 0..cuts {
        let a = ends[prng.below(ends.len() as u64) as usize];
        let b = ends[prng.below(ends.len() as u64) as usize];
        if a == b || (a.role() != RoleKind::Broker && b.role() != RoleKind::Broker) {
            continue;
        }
        let from = prng.below(60);
        let until_tick = from + 10 + prng.below(100);
        faults.push(at(from, TimedAction::Partition { a, b, until_tick }));
    }
    faults
}

/// How many schedules each property tries: 10,000 (set MQLAB_REPLICATION_SCHEDULES to
/// change it).
fn schedules() -> u64 {
    std::env::var("MQLAB_REPLICATION_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The scenario every property starts from: three replicas, eight messages, nodes
/// that stay down until the schedule restarts them.
fn property_scenario(seed: u64) -> Scenario {
    let mut scenario = replicated(3, 8);
    scenario.seed = seed;
    scenario.timing.restart_after_ticks = None;
    scenario
}

#[test]
fn acks_all_min_insync_2_clean_election_and_leader_epochs_never_lose_an_acknowledged_write() {
    // Kafka's guarantee holds while a replica that was in sync when the write was
    // acknowledged stays up. Here a crashed broker keeps its log (the process dies,
    // the operating system keeps its page cache), so even two crashes with links cut
    // meanwhile lose nothing acknowledged: a leader is only ever elected from the
    // in-sync set, and returning replicas truncate at the leader-epoch boundary.
    let count = schedules();
    let (mut failovers, mut leader_changes, mut refused) = (0u64, 0u64, 0u64);
    for seed in 0..count {
        let mut scenario = property_scenario(seed);
        scenario.replication.min_insync_replicas = 2;
        scenario.timed_faults = random_schedule(seed, 3, 2, 3);
        let summary = run(&scenario);
        assert_eq!(
            summary.acked_lost, 0,
            "seed {seed}: an acknowledged write was lost: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
        assert_eq!(
            (summary.lost, summary.pending),
            (0, 0),
            "seed {seed}: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
        assert_eq!(
            summary.invariant_violations, 0,
            "seed {seed}: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
        failovers += u64::from(summary.leader_changes > 0);
        leader_changes += u64::from(summary.leader_changes);
        refused += u64::from(summary.producer_errors > 0);
    }
    println!(
        "acks=all, min.insync.replicas=2: {count} schedules, {failovers} with a failover, \
         {leader_changes} leader changes, {refused} with refused writes"
    );
    // The schedules must exercise failover, or the property says little.
    assert!(
        failovers * 5 >= count,
        "only {failovers} of {count} schedules fail over"
    );
}

#[test]
fn a_leader_cut_off_from_the_controller_commits_nothing_with_a_set_the_controller_never_held() {
    // The leader asks the controller to add broker-2 to the in-sync set; the
    // controller does, but its answer is lost on a cut link. Then broker-2 falls
    // behind and broker-3 catches up. If the leader replaced its first request with
    // "leader and broker-3" and counted only those, it would acknowledge m8 once
    // broker-3 had it, while the controller, which holds "leader and broker-2", elects
    // broker-2, which never had m8. A leader keeps one request in flight (KIP-497).
    let mut scenario = property_scenario(44_644);
    scenario.mode = Mode::Idempotent;
    scenario.network.global.loss = Ratio::new(1, 20);
    let consumer = NodeId::new(RoleKind::Consumer, 0);
    let cut = |a, b, from, until_tick| at(from, TimedAction::Partition { a, b, until_tick });
    scenario.timed_faults = vec![
        at(10, TimedAction::Crash { node: broker(2) }),
        at(11, TimedAction::Restart { node: broker(2) }),
        at(13, TimedAction::Crash { node: broker(3) }),
        at(17, TimedAction::Restart { node: broker(3) }),
        cut(consumer, broker(1), 53, 116),
        cut(broker(3), NodeId::CONTROLLER, 34, 116),
        cut(NodeId::CONTROLLER, broker(1), 55, 132),
    ];
    let summary = run(&scenario);
    assert!(summary.leader_changes > 0, "{summary:?}");
    assert_eq!((summary.acked_lost, summary.lost), (0, 0), "{summary:?}");
}

#[test]
fn acks_all_loses_no_acknowledged_write_on_lossy_links_even_with_min_insync_1() {
    // With min.insync.replicas=1 the in-sync set may shrink to the leader alone, and
    // then the leader's copy is the only one; as crashed brokers keep their logs here,
    // clean election and leader epochs still lose nothing acknowledged, with lossy
    // links and cut links besides.
    let count = schedules() / 2;
    let mut failovers = 0u64;
    for seed in 0..count {
        let mut scenario = property_scenario(seed);
        scenario.mode = Mode::Idempotent;
        scenario.network.global.loss = Ratio::new(1, 20);
        scenario.timed_faults = random_schedule(seed, 3, 2, 3);
        let summary = run(&scenario);
        assert_eq!(
            (
                summary.acked_lost,
                summary.lost,
                summary.invariant_violations
            ),
            (0, 0, 0),
            "seed {seed}: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
        failovers += u64::from(summary.leader_changes > 0);
    }
    println!(
        "acks=all, min.insync.replicas=1, 5% loss: {count} schedules, {failovers} with a failover"
    );
    assert!(
        failovers * 5 >= count,
        "only {failovers} of {count} schedules fail over"
    );
}

/// The first seed whose schedule loses an acknowledged write under weakened settings.
fn first_counterexample(
    schedules: u64,
    replicas: u16,
    crashes: u32,
    cuts: u32,
    weaken: impl Fn(&mut Scenario),
) -> Option<u64> {
    (0..schedules).find(|&seed| {
        let mut scenario = property_scenario(seed);
        scenario.topology.brokers = replicas;
        scenario.timed_faults = random_schedule(seed, replicas, crashes, cuts);
        weaken(&mut scenario);
        let summary = run(&scenario);
        // Weaker settings may lose writes, but every run still ends.
        assert!(
            summary.quiet && summary.pending == 0 && summary.invariant_violations == 0,
            "seed {seed}: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
        summary.acked_lost > 0
    })
}

#[test]
fn acks_1_loses_some_acknowledged_writes_under_single_crashes() {
    let seed = first_counterexample(schedules(), 3, 1, 0, |s| {
        s.replication.acks = Some(Acks::One)
    });
    println!("acks=1: first counterexample at seed {seed:?}");
    assert!(seed.is_some());
}

#[test]
fn unclean_election_loses_some_acknowledged_writes_under_single_crashes() {
    // One crash, with links cut that take the followers out of the in-sync set.
    let seed = first_counterexample(schedules(), 3, 1, 3, |s| {
        s.replication.unclean_election = true
    });
    println!("unclean election: first counterexample at seed {seed:?}");
    assert!(seed.is_some());
}

#[test]
fn truncating_to_the_high_watermark_loses_some_acknowledged_writes() {
    // KIP-101's loss needs a follower that restarts and a leader that dies soon after
    // (two crashes), and a consumer that had not read the write yet (a cut link).
    let seed = first_counterexample(schedules(), 2, 2, 1, |s| {
        s.replication.truncate_to_high_watermark = true
    });
    println!("truncation to the high watermark: first counterexample at seed {seed:?}");
    let seed = seed.expect("no schedule lost an acknowledged write");
    // The same schedule with leader epochs keeps every acknowledged write.
    let mut scenario = property_scenario(seed);
    scenario.topology.brokers = 2;
    scenario.timed_faults = random_schedule(seed, 2, 2, 1);
    let summary = run(&scenario);
    assert_eq!(summary.acked_lost, 0, "seed {seed}: {summary:?}");
}

#[test]
fn a_new_leader_does_not_deliver_again_what_the_consumer_acked_before_the_failover() {
    // The followers are caught up and idle when the consumer's acks arrive; the acked
    // position must still reach them (Kafka keeps committed offsets in a replicated
    // log of their own), or the new leader hands every message out again.
    let mut scenario = replicated(3, 4);
    scenario.timing.restart_after_ticks = None;
    scenario.timed_faults = vec![
        at(100, TimedAction::Crash { node: broker(1) }),
        at(300, TimedAction::Restart { node: broker(1) }),
    ];
    let summary = run(&scenario);
    assert_eq!(summary.leader_changes, 1, "{summary:?}");
    assert_eq!(summary.exactly_once, 4, "{summary:?}");
    assert_eq!(summary.duplicated, 0, "{summary:?}");
}

#[test]
fn a_dead_lettered_message_does_not_hold_back_what_a_new_leader_knows_was_consumed() {
    // m2 is nacked into the dead-letter queue; the messages after it are acked. The
    // position the followers learn passes the dead-lettered message, so a new leader
    // delivers none of them again.
    let mut scenario = replicated(3, 6);
    scenario.queue.poison = vec![2];
    scenario.queue.poison_fails = mqlab_sim::PoisonFails::Nack;
    scenario.queue.dead_letter_queue = true;
    scenario.timing.restart_after_ticks = None;
    scenario.timed_faults = vec![at(100, TimedAction::Crash { node: broker(1) })];
    let summary = run(&scenario);
    assert_eq!(summary.leader_changes, 1, "{summary:?}");
    assert_eq!(summary.dead_lettered, 1, "{summary:?}");
    assert_eq!(summary.exactly_once, 5, "{summary:?}");
    assert_eq!(summary.duplicated, 0, "{summary:?}");
}
