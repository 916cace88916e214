//! A consumer's crash closes its connection, and the broker learns it at once, as
//! RabbitMQ does on a closed channel: it stops pushing to that consumer, puts what the
//! consumer held unacked back in the queue (manual acks), and pushes again when a
//! consumer is back. With automatic acks (at-most-once) what was already on the wire is
//! lost, and nothing else is.

mod common;

use common::*;
use mqlab_sim::{
    CauseKind, Command, EventKind, Mode, NodeId, RoleKind, Scenario, Sim, Topology, Verdict,
};

fn sim_with(mode: Mode, consumers: u16, messages: u32) -> Sim {
    let scenario = Scenario {
        mode,
        messages,
        topology: Topology {
            consumers,
            ..Topology::default()
        },
        ..Scenario::default()
    };
    Sim::new(&scenario).unwrap()
}

/// Steps until the broker has sent `count` deliveries.
fn run_until_deliveries(sim: &mut Sim, count: usize) {
    while sim
        .trace()
        .iter()
        .filter(|e| e.kind == EventKind::Deliver)
        .count()
        < count
    {
        assert!(sim.step().is_some(), "the run ended first");
    }
}

#[test]
fn after_a_consumer_crash_the_broker_delivers_nothing_until_it_is_back() {
    for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent] {
        let mut sim = sim_with(mode, 1, 6);
        run_until_deliveries(&mut sim, 1);
        sim.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
        let crashed_at = sim.step_index();
        sim.run_until_quiet(1_000_000);
        let restart = sim
            .trace()
            .iter()
            .find(|e| e.kind == EventKind::Restart && e.node == NodeId::CONSUMER)
            .map(|e| e.step)
            .expect("the consumer restarts after its downtime");
        let sent_while_down = sim
            .trace()
            .iter()
            .filter(|e| e.kind == EventKind::Deliver && e.step > crashed_at && e.step < restart)
            .count();
        assert_eq!(
            sent_while_down, 0,
            "{mode}: no delivery is pushed at a dead consumer"
        );
    }
}

#[test]
fn manual_acks_put_the_unacked_deliveries_back_and_nothing_is_lost() {
    let mut sim = sim_with(Mode::AtLeastOnce, 1, 6);
    run_until_deliveries(&mut sim, 2);
    sim.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
    sim.run_until_quiet(1_000_000);
    let summary = sim.summary();
    assert_eq!(summary.lost, 0, "{summary:?}");
    assert!(
        sim.trace()
            .iter()
            .any(|e| e.kind == EventKind::Deliver && e.attempt > 1),
        "what the consumer held unacked is delivered again"
    );
    for record in sim.ledger().messages() {
        assert!(record.applied >= 1, "{record:?}");
    }
    // A duplicate without a more precise fault is explained by the closed connection.
    for anomaly in sim.ledger().anomalies() {
        if let Some(record) = sim.ledger().message(anomaly.message) {
            if let Some(cause) = record.duplicate_cause {
                assert_eq!(
                    cause.kind,
                    CauseKind::ConsumerConnectionClosed(NodeId::CONSUMER)
                );
                assert!(
                    anomaly.explanation.contains("connection closed"),
                    "{}",
                    anomaly.explanation
                );
            }
        }
    }
}

#[test]
fn automatic_acks_lose_only_what_was_already_on_the_wire() {
    let mut sim = sim_with(Mode::AtMostOnce, 1, 8);
    run_until_deliveries(&mut sim, 2);
    sim.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
    let on_the_wire = sim
        .trace()
        .iter()
        .filter(|e| e.kind == EventKind::Deliver)
        .count() as u32;
    sim.run_until_quiet(1_000_000);
    let summary = sim.summary();
    assert!(summary.lost <= on_the_wire, "{summary:?}");
    // Every message not yet sent when the consumer crashed waited in the queue.
    for record in &sim.ledger().messages()[on_the_wire as usize..] {
        assert_eq!(record.verdict, Verdict::ExactlyOnce, "{record:?}");
    }
}

#[test]
fn with_competing_consumers_the_others_take_over_at_once() {
    let mut sim = sim_with(Mode::AtLeastOnce, 2, 8);
    run_until_deliveries(&mut sim, 2);
    let second = NodeId::new(RoleKind::Consumer, 1);
    sim.apply(Command::Crash(second)).unwrap();
    let crashed_at = sim.step_index();
    sim.run_until_quiet(1_000_000);
    let restart = sim
        .trace()
        .iter()
        .find(|e| e.kind == EventKind::Restart && e.node == second)
        .map(|e| e.step)
        .unwrap_or(u64::MAX);
    let to_second_while_down = sim
        .trace()
        .iter()
        .filter(|e| {
            e.kind == EventKind::Deliver
                && e.peer == Some(second)
                && e.step > crashed_at
                && e.step < restart
        })
        .count();
    assert_eq!(to_second_while_down, 0);
    let taken_over = sim
        .trace()
        .iter()
        .filter(|e| {
            e.kind == EventKind::Deliver
                && e.peer == Some(NodeId::CONSUMER)
                && e.step > crashed_at
                && e.step < restart
        })
        .count();
    assert!(taken_over > 0, "the first consumer keeps consuming");
    assert_eq!(sim.summary().lost, 0);
}

#[test]
fn a_broker_restart_learns_which_consumers_are_down() {
    let mut sim = sim_with(Mode::AtLeastOnce, 1, 4);
    run_until_deliveries(&mut sim, 1);
    sim.apply(Command::Crash(NodeId::BROKER)).unwrap();
    sim.apply(Command::Crash(NodeId::CONSUMER)).unwrap();
    sim.apply(Command::Restart(NodeId::BROKER)).unwrap();
    let restarted_at = sim.step_index();
    sim.run_until_quiet(1_000_000);
    let consumer_back = sim
        .trace()
        .iter()
        .find(|e| e.kind == EventKind::Restart && e.node == NodeId::CONSUMER)
        .map(|e| e.step)
        .expect("the consumer comes back");
    assert!(!sim
        .trace()
        .iter()
        .any(|e| e.kind == EventKind::Deliver && e.step >= restarted_at && e.step < consumer_back));
    assert_eq!(sim.summary().lost, 0);
    assert_eq!(verdict(&sim, 1), Verdict::ExactlyOnce);
}
