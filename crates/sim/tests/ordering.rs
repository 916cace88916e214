//! FIFO per producer: the order messages were published versus the order they were
//! applied. A retry with several publishes in flight reorders; one in flight, or
//! sequence numbers checked by the broker (idempotent mode), keep the order.

mod common;

use common::{drop_first, run_to_quiet};
use mqlab_sim::{MessageKind, Mode, NodeId, ReorderCause, Scenario, Sim, Verdict};

/// Five messages with the first publish of m1 lost, so that m1 is retried.
fn first_publish_lost(mode: Mode, max_in_flight: u32, sequence_check: bool) -> Scenario {
    let mut scenario = Scenario {
        mode,
        messages: 5,
        ..Scenario::default()
    }
    .with_fault(drop_first(
        NodeId::PRODUCER,
        NodeId::BROKER,
        MessageKind::Publish,
        1,
    ));
    scenario.timing.producer_window = max_in_flight;
    scenario.timing.sequence_check = sequence_check;
    scenario
}

fn applied_order(sim: &Sim) -> Vec<u32> {
    let mut firsts: Vec<(u64, u32)> = sim
        .ledger()
        .messages()
        .iter()
        .filter_map(|m| m.first_applied_step.map(|step| (step, m.id.number())))
        .collect();
    firsts.sort();
    firsts.into_iter().map(|(_, m)| m).collect()
}

#[test]
fn a_retry_with_one_publish_in_flight_keeps_the_order() {
    let sim = run_to_quiet(&first_publish_lost(Mode::AtLeastOnce, 1, false));
    assert_eq!(applied_order(&sim), [1, 2, 3, 4, 5]);
    assert_eq!(sim.summary().reordered, 0);
    assert_eq!(sim.summary().exactly_once, 5);
}

#[test]
fn a_retry_with_five_publishes_in_flight_reorders_and_names_the_retry() {
    let sim = run_to_quiet(&first_publish_lost(Mode::AtLeastOnce, 5, false));
    let order = applied_order(&sim);
    assert_ne!(order[0], 1, "m1 is overtaken: {order:?}");
    let m1 = &sim.ledger().messages()[0];
    assert_eq!(m1.verdict, Verdict::Reordered);
    assert_eq!(m1.reorder_cause, Some(ReorderCause::Retry));
    assert!(m1.overtaken_by.is_some());
    assert!(sim
        .ledger()
        .messages()
        .iter()
        .skip(1)
        .all(|m| m.reorder_cause.is_none()));
}

#[test]
fn idempotent_sequence_checks_keep_the_order_with_five_in_flight() {
    let unchecked = run_to_quiet(&first_publish_lost(Mode::Idempotent, 5, false));
    assert_eq!(unchecked.summary().reordered, 1);
    let checked = run_to_quiet(&first_publish_lost(Mode::Idempotent, 5, true));
    assert_eq!(applied_order(&checked), [1, 2, 3, 4, 5]);
    assert_eq!(checked.summary().reordered, 0);
    assert_eq!(checked.summary().exactly_once, 5);
    let refused = checked
        .trace()
        .iter()
        .filter(|e| checked.tell(e).contains("sequence number skips one"))
        .count();
    assert!(
        refused >= 1,
        "the broker refused the publishes that skipped m1"
    );
}

#[test]
fn a_lost_delivery_redelivered_after_later_messages_is_reordered_by_redelivery() {
    let scenario = Scenario {
        mode: Mode::AtLeastOnce,
        messages: 5,
        ..Scenario::default()
    }
    .with_fault(drop_first(
        NodeId::BROKER,
        NodeId::CONSUMER,
        MessageKind::Deliver,
        1,
    ));
    let sim = run_to_quiet(&scenario);
    let m1 = &sim.ledger().messages()[0];
    assert_eq!(m1.verdict, Verdict::Reordered);
    assert_eq!(m1.reorder_cause, Some(ReorderCause::Redelivery));
}

#[test]
fn sequence_check_is_off_by_default_and_travels_in_links() {
    assert!(!Scenario::default().timing.sequence_check);
    let run = mqlab_sim::SharedRun::new(first_publish_lost(Mode::Idempotent, 5, true));
    let link = run.to_link();
    assert!(link.contains("sequence_check=on"), "{link}");
    assert_eq!(mqlab_sim::SharedRun::from_link(&link).unwrap(), run);
}
