//! The replicated queue: leader and followers, acks, the in-sync set, failover,
//! unclean election and leader epochs, each case with its expected verdicts; and
//! property tests over seeded random fault schedules.

use mqlab_sim::{
    Acks, Command, CrashPoint, Mode, NodeId, RoleKind, Scenario, ScenarioError, Sim, SimOptions,
    Summary, TimedAction, TimedFault,
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
#[ignore = "open: the expected offline period does not happen yet; see the run's trace"]
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
    // acknowledged writes it never had are lost.
    scenario.replication.unclean_election = true;
    let summary = run(&scenario);
    assert!(summary.acked_lost > 0, "{summary:?}");
    assert!(summary.unavailable_ticks < 150, "{summary:?}");
}

/// KIP-101's first scenario: the follower appends m2, tells the leader with its next
/// fetch, crashes before it learns the new high watermark and restarts at once; then
/// the leader dies and the follower becomes leader.
fn kip_101_scenario_1(truncate_to_high_watermark: bool) -> Scenario {
    let mut scenario = replicated(2, 3).with_fault(Command::CrashAt {
        point: CrashPoint::BrokerAfterFetch,
        message: Some(2),
        instance: 1,
    });
    scenario.replication.truncate_to_high_watermark = truncate_to_high_watermark;
    scenario.timing.restart_after_ticks = Some(2);
    scenario.timed_faults = vec![
        at(30, TimedAction::Crash { node: broker(1) }),
        at(120, TimedAction::Restart { node: broker(1) }),
    ];
    scenario
}

#[test]
#[ignore = "open: the crash point's timing does not yet reproduce KIP-101's scenario 1"]
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

/// A small random schedule: one or two broker crashes (and restarts) and perhaps a cut
/// link, all from the seed.
fn random_schedule(seed: u64, replicas: u16, crashes: u32) -> Vec<TimedFault> {
    let mut prng = mqlab_sim::Prng::new(seed);
    let mut faults = Vec::new();
    for _ in 0..crashes {
        let node = broker(1 + prng.below(u64::from(replicas)) as u8);
        let tick = prng.below(60);
        faults.push(at(tick, TimedAction::Crash { node }));
        faults.push(at(tick + 5 + prng.below(80), TimedAction::Restart { node }));
    }
    faults
}

/// How many schedules each property tries: the full count in release builds, fewer in
/// debug builds (set MQLAB_REPLICATION_SCHEDULES to change it).
fn schedules() -> u64 {
    std::env::var("MQLAB_REPLICATION_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            1_000
        } else {
            10_000
        })
}

#[test]
fn acks_all_min_insync_2_clean_election_and_leader_epochs_never_lose_an_acknowledged_write() {
    // Kafka's guarantee: with one crash at a time, a replica that was in sync when the
    // write was acknowledged is still up.
    for seed in 0..schedules() {
        let mut scenario = replicated(3, 4);
        scenario.seed = seed;
        scenario.replication.min_insync_replicas = 2;
        scenario.timing.restart_after_ticks = None;
        scenario.timed_faults = random_schedule(seed, 3, 1);
        let summary = run(&scenario);
        assert_eq!(
            summary.acked_lost, 0,
            "seed {seed}: an acknowledged write was lost: {summary:?}, faults {:?}",
            scenario.timed_faults
        );
    }
}

fn first_counterexample(schedules: u64, weaken: impl Fn(&mut Scenario)) -> Option<u64> {
    (0..schedules).find(|&seed| {
        let mut scenario = replicated(3, 4);
        scenario.seed = seed;
        scenario.timing.restart_after_ticks = None;
        scenario.timed_faults = random_schedule(seed, 3, 1);
        weaken(&mut scenario);
        run(&scenario).acked_lost > 0
    })
}

#[test]
fn acks_1_loses_some_acknowledged_writes_under_single_crashes() {
    let seed = first_counterexample(schedules(), |s| s.replication.acks = Some(Acks::One));
    println!("acks=1: first counterexample at seed {seed:?}");
    assert!(seed.is_some());
}
