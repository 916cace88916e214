//! The views of many consumers the page draws: Kafka's partitions, committed offsets,
//! members and lag history, and RabbitMQ's queue with each consumer's unacked
//! deliveries; each checked against what the run did.

use mqlab_sim::{
    Command, CommitStrategy, CrashPoint, KafkaConfig, MemberState, Mode, NodeId, RoleKind, Run,
    Scenario, Sim,
};

fn consumer(number: u8) -> NodeId {
    NodeId::new(RoleKind::Consumer, number - 1)
}

fn kafka(messages: u32, partitions: u16, members: u16, groups: u16) -> Scenario {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages,
        ..Scenario::default()
    };
    scenario.topology.consumers = members * groups;
    scenario.kafka = Some(KafkaConfig {
        partitions,
        groups,
        commit: CommitStrategy::After,
        ..KafkaConfig::default()
    });
    scenario
}

#[test]
fn at_the_end_every_group_has_committed_every_partition_and_the_lag_is_back_to_zero() {
    let scenario = kafka(12, 3, 2, 2);
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until_quiet(1_000_000);
    let view = sim
        .snapshot()
        .groups
        .expect("kafka style has a groups view");
    assert_eq!(view.partitions.len(), 3);
    assert_eq!(view.groups.len(), 2);
    let records: u32 = view.partitions.iter().map(|p| p.end_offset).sum();
    assert_eq!(records, 12, "every message is in one partition");
    for partition in &view.partitions {
        assert_eq!(partition.committed, vec![partition.end_offset; 2]);
        assert_eq!((partition.lag(0), partition.lag(1)), (0, 0));
    }
    for group in &view.groups {
        assert_eq!(group.members.len(), 2);
        // Range assignment of 3 partitions over 2 members: 2 and 1, no overlap.
        let mut owned: Vec<u16> = group
            .members
            .iter()
            .flat_map(|m| m.owned.iter().map(|o| o.partition))
            .collect();
        owned.sort_unstable();
        assert_eq!(owned, vec![0, 1, 2]);
        assert!(group.members.iter().all(|m| m.state == MemberState::Owning));
    }
    let history = sim.lag_history();
    assert!(history.peak() >= 1, "records waited for their commit");
    for group in 0..2 {
        for partition in 0..3 {
            let series = history.series(group, 3, partition);
            assert_eq!(series.last().map(|s| s.1), Some(0));
        }
    }
}

#[test]
fn more_members_than_partitions_leaves_the_extra_ones_idle() {
    let scenario = kafka(6, 2, 3, 1);
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until_quiet(1_000_000);
    let view = sim.snapshot().groups.expect("groups view");
    let states: Vec<MemberState> = view.groups[0].members.iter().map(|m| m.state).collect();
    assert_eq!(
        states.iter().filter(|s| **s == MemberState::Idle).count(),
        1,
        "{states:?}"
    );
}

#[test]
fn a_crashed_member_is_silent_until_its_session_times_out_then_gone_and_its_partitions_move() {
    let mut scenario = kafka(10, 2, 2, 1);
    // The crashed consumer stays down.
    scenario.timing.restart_after_ticks = None;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.apply(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: None,
        instance: 0,
    })
    .expect("armed");
    let mut saw_silent = false;
    while sim.step().is_some() {
        let view = sim.snapshot().groups.expect("groups view");
        let first = &view.groups[0].members[0];
        if first.state == MemberState::Silent {
            saw_silent = true;
        }
    }
    let view = sim.snapshot().groups.expect("groups view");
    let members = &view.groups[0].members;
    assert!(
        saw_silent,
        "the crashed member was counted until its session expired"
    );
    assert_eq!(members[0].node, consumer(1));
    assert_eq!(members[0].state, MemberState::Gone);
    let survivor: Vec<u16> = members[1].owned.iter().map(|o| o.partition).collect();
    assert_eq!(survivor, vec![0, 1], "the survivor owns both partitions");
    assert!(view.groups[0].generation >= 2, "a rebalance happened");
}

#[test]
fn going_back_in_time_gives_the_lag_history_of_a_run_that_stopped_there() {
    let scenario = kafka(20, 4, 2, 1);
    let mut run = Run::new(&scenario).expect("valid");
    while run.step().is_some() {}
    let end = run.step_index();
    let target = end / 2;
    run.seek(target);
    let mut fresh = Run::new(&scenario).expect("valid");
    fresh.seek(target);
    assert_eq!(run.sim().lag_history(), fresh.sim().lag_history());
    assert!(!fresh.sim().lag_history().is_empty());
    // And forward again to the end: the same as the first time.
    run.seek(end);
    let mut whole = Run::new(&scenario).expect("valid");
    whole.seek(end);
    assert_eq!(run.sim().lag_history(), whole.sim().lag_history());
}

#[test]
fn each_consumer_of_a_queue_holds_at_most_its_prefetch_unacked() {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 16,
        ..Scenario::default()
    };
    scenario.topology.consumers = 3;
    scenario.timing.delivery_window = 2;
    let mut sim = Sim::new(&scenario).expect("valid");
    let mut most = 0;
    let mut ever_held_by = [false; 3];
    while sim.step().is_some() {
        let queue = sim.snapshot().queue.expect("a RabbitMQ-style queue view");
        assert_eq!(queue.prefetch, 2);
        for (i, held) in queue.unacked.iter().enumerate() {
            most = most.max(held.len());
            ever_held_by[i] |= !held.is_empty();
        }
    }
    assert!(most <= 2, "a consumer held {most} unacked deliveries");
    assert_eq!(
        ever_held_by, [true; 3],
        "round-robin reached every consumer"
    );
    assert!(sim.snapshot().groups.is_none());
}

#[test]
fn a_crashed_consumer_s_deliveries_come_back_flagged_redelivered() {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 8,
        ..Scenario::default()
    };
    scenario.topology.consumers = 2;
    scenario.timing.delivery_window = 3;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.apply(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(1),
        instance: 0,
    })
    .expect("armed");
    let mut redelivered = false;
    while sim.step().is_some() {
        let queue = sim.snapshot().queue.expect("queue view");
        redelivered |= queue.unacked.iter().flatten().any(|u| u.redelivered);
    }
    assert!(
        redelivered,
        "a returned delivery went out again with the flag"
    );
}

#[test]
fn the_dead_letter_view_lists_what_the_queue_dead_lettered() {
    let mut scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 4,
        ..Scenario::default()
    };
    scenario.queue.poison = vec![2];
    scenario.queue.delivery_limit = 2;
    scenario.queue.dead_letter_queue = true;
    scenario.queue.poison_fails = mqlab_sim::PoisonFails::Reject;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until_quiet(1_000_000);
    let dead = sim.snapshot().dead_letters.expect("a dead-letter queue");
    assert!(!dead.topic);
    assert_eq!(dead.messages, vec![mqlab_sim::MessageId(2)]);

    let mut scenario = kafka(4, 1, 1, 1);
    scenario.queue.poison = vec![3];
    scenario.queue.poison_fails = mqlab_sim::PoisonFails::Reject;
    scenario.queue.dead_letter_queue = true;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until_quiet(1_000_000);
    let dead = sim.snapshot().dead_letters.expect("a dead-letter topic");
    assert!(dead.topic);
    assert_eq!(dead.messages, vec![mqlab_sim::MessageId(3)]);
}
