//! What the page reads of a replicated queue: each replica's log and marks, the
//! writes not yet below the high watermark and why, the spells without a leader, and a
//! cut link between a broker and the controller applied as a command.

use mqlab_sim::{
    Acks, Command, HiddenReason, LinkId, Mode, NodeId, RoleKind, Scenario, Sim, TimedAction,
    TimedFault,
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

fn sim(scenario: &Scenario) -> Sim {
    Sim::new(scenario).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_finished_run_shows_every_replica_with_the_whole_log_below_the_high_watermark() {
    let mut sim = sim(&replicated(3, 5));
    sim.run_until_quiet(100_000);
    let view = sim.snapshot().replication.expect("a replicated queue");
    assert_eq!(view.leader, Some(broker(1)));
    assert_eq!(view.in_sync, [broker(1), broker(2), broker(3)]);
    assert_eq!(view.replicas.len(), 3);
    for replica in &view.replicas {
        assert_eq!(replica.log_end, 5, "{replica:?}");
        assert_eq!(replica.high_watermark, 5, "{replica:?}");
        assert_eq!(replica.high_watermark_on_disk, 5, "{replica:?}");
        let messages: Vec<u32> = replica.records.iter().map(|(m, _)| m.0).collect();
        assert_eq!(messages, [1, 2, 3, 4, 5]);
        assert_eq!(replica.leader, replica.node == broker(1));
    }
    assert!(sim.hidden_writes().is_empty());
    assert!(sim.outages().is_empty());
    // The disk holds the log, the epochs and the checkpoint; the controller's card its
    // partition state.
    let cards = sim.snapshot().nodes;
    let leader = cards.iter().find(|n| n.id == broker(1)).expect("broker");
    assert_eq!(leader.durable[0], "log: m1 m2 m3 m4 m5");
    let controller = cards
        .iter()
        .find(|n| n.id == NodeId::CONTROLLER)
        .expect("the controller");
    assert_eq!(controller.durable[0], "leader broker · epoch 0");
    assert!(sim_without_replicas_has_no_view());
}

fn sim_without_replicas_has_no_view() -> bool {
    let single = sim(&Scenario::default());
    single.snapshot().replication.is_none() && single.hidden_writes().is_empty()
}

#[test]
fn with_too_few_in_sync_replicas_an_acks_1_write_stays_hidden_and_says_why() {
    let mut scenario = replicated(3, 3);
    scenario.replication.acks = Some(Acks::One);
    scenario.replication.min_insync_replicas = 3;
    scenario.timing.restart_after_ticks = None;
    scenario.timed_faults = vec![TimedFault {
        tick: 0,
        action: TimedAction::Crash { node: broker(3) },
    }];
    let mut sim = sim(&scenario);
    sim.run_until_quiet(100_000);
    let hidden = sim.hidden_writes();
    assert!(!hidden.is_empty(), "{:?}", sim.summary());
    for write in &hidden {
        assert!(write.offset >= write.high_watermark);
        assert_eq!(
            write.reason,
            HiddenReason::TooFewInSync {
                in_sync: 2,
                min_insync_replicas: 3
            },
            "{write:?}"
        );
        assert!(write.appended_step.is_some(), "{write:?}");
    }
}

#[test]
fn the_spells_without_a_leader_add_up_to_the_unavailable_ticks() {
    let mut scenario = replicated(3, 5);
    scenario.replication.acks = Some(Acks::One);
    scenario.timed_faults = vec![TimedFault {
        tick: 12,
        action: TimedAction::Crash { node: broker(1) },
    }];
    let mut sim = sim(&scenario);
    sim.run_until_quiet(100_000);
    let summary = sim.summary();
    let outages = sim.outages();
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert_eq!(outages[0].leader, Some(broker(1)));
    let total: u64 = outages
        .iter()
        .map(|o| o.to_tick.expect("closed") - o.from_tick)
        .sum();
    assert_eq!(total, summary.unavailable_ticks);
    assert!(total > 0);
}

#[test]
fn cutting_the_leader_off_from_the_controller_by_command_elects_another() {
    let mut sim = sim(&replicated(3, 5));
    for _ in 0..6 {
        sim.step();
    }
    for link in [
        LinkId::new(broker(1), NodeId::CONTROLLER),
        LinkId::new(NodeId::CONTROLLER, broker(1)),
    ] {
        sim.apply(Command::Partition { link })
            .expect("a replication link");
    }
    assert_eq!(sim.snapshot().partitions.len(), 2);
    sim.run_until_quiet(100_000);
    let view = sim.snapshot().replication.expect("a replicated queue");
    assert_ne!(view.leader, Some(broker(1)));
    assert!(!view.in_sync.contains(&broker(1)));
    assert_eq!(sim.summary().leader_changes, 1);
    // A link between two nodes that do not talk is still refused.
    let nonsense = LinkId::new(NodeId::CONSUMER, NodeId::CONTROLLER);
    assert!(sim.apply(Command::Partition { link: nonsense }).is_err());
}
