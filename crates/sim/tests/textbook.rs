//! One scenario per row of the textbook table: a fault, a mode, and the outcome the
//! ledger must report.

mod common;

use common::*;
use mqlab_sim::{CauseKind, CrashPoint, EventKind, MessageKind, Mode, NodeId, Verdict};

#[test]
fn without_faults_every_mode_delivers_every_message_exactly_once() {
    for mode in Mode::ALL {
        let sim = run_to_quiet(&scenario(mode, &[]));
        let summary = sim.summary();
        assert_eq!(summary.exactly_once, 5, "{mode}: {summary:?}");
        assert!(sim.ledger().anomalies().is_empty(), "{mode}");
    }
}

#[test]
fn at_most_once_loses_a_message_when_the_consumer_crashes_after_receiving_it() {
    let sim = run_to_quiet(&scenario(
        Mode::AtMostOnce,
        &[crash_at(CrashPoint::ConsumerAfterReceive, 1)],
    ));
    assert_eq!(verdict(&sim, 1), Verdict::Lost);
    let record = &sim.ledger().messages()[0];
    assert_eq!((record.delivered, record.applied), (1, 0));
    let anomaly = &sim.ledger().anomalies()[0];
    assert!(
        anomaly.explanation.contains("crashed after receiving it"),
        "{}",
        anomaly.explanation
    );
    let cause_step = anomaly.cause_step.expect("the crash is the cause");
    assert_eq!(
        sim.trace()
            .iter()
            .find(|e| e.crash.is_some())
            .map(|e| e.step),
        Some(cause_step)
    );
}

#[test]
fn at_most_once_loses_a_message_when_the_broker_crashes_before_its_fsync() {
    let sim = run_to_quiet(&scenario(
        Mode::AtMostOnce,
        &[crash_at(CrashPoint::BrokerAfterAppend, 2)],
    ));
    assert_eq!(verdict(&sim, 2), Verdict::Lost);
    assert!(!sim.ledger().messages()[1].stored_durably);
}

#[test]
fn at_most_once_never_publishes_again_after_a_producer_crash_before_send() {
    let sim = run_to_quiet(&scenario(
        Mode::AtMostOnce,
        &[crash_at(CrashPoint::ProducerBeforeSend, 3)],
    ));
    assert_eq!(verdict(&sim, 3), Verdict::Lost);
    assert_eq!(sim.ledger().messages()[2].publish_attempts, 0);
}

#[test]
fn at_least_once_applies_a_message_twice_when_the_consumer_crashes_after_applying_it() {
    let sim = run_to_quiet(&scenario(
        Mode::AtLeastOnce,
        &[crash_at(CrashPoint::ConsumerAfterApply, 3)],
    ));
    assert_eq!(verdict(&sim, 3), Verdict::Duplicated(2));
    let anomaly = sim
        .ledger()
        .anomalies()
        .into_iter()
        .find(|a| a.message.number() == 3)
        .unwrap();
    assert_eq!(
        anomaly.explanation,
        format!(
            "m3 applied twice: the consumer crashed after applying it and before acking, so the broker redelivered it (step {}).",
            anomaly.cause_step.unwrap()
        )
    );
    assert_eq!(
        sim.ledger().messages()[2].duplicate_cause.unwrap().kind,
        CauseKind::ConsumerCrashAfterApply
    );
}

#[test]
fn at_least_once_stores_and_applies_a_message_twice_when_its_confirm_is_dropped() {
    let sim = run_to_quiet(&scenario(
        Mode::AtLeastOnce,
        &[drop_first(
            NodeId::BROKER,
            NodeId::PRODUCER,
            MessageKind::Confirm,
            2,
        )],
    ));
    let record = &sim.ledger().messages()[1];
    assert_eq!(record.stored_copies, 2);
    assert_eq!(record.verdict, Verdict::Duplicated(2));
    assert_eq!(record.duplicate_cause.unwrap().kind, CauseKind::ConfirmLost);
}

#[test]
fn at_least_once_stores_a_second_copy_when_the_broker_crashes_after_its_fsync() {
    let sim = run_to_quiet(&scenario(
        Mode::AtLeastOnce,
        &[crash_at(CrashPoint::BrokerAfterFsync, 1)],
    ));
    assert!(sim.ledger().messages()[0].stored_copies >= 2);
    assert!(matches!(verdict(&sim, 1), Verdict::Duplicated(_)));
}

#[test]
fn at_least_once_recovers_a_message_the_consumer_crashed_on_before_applying() {
    let sim = run_to_quiet(&scenario(
        Mode::AtLeastOnce,
        &[crash_at(CrashPoint::ConsumerAfterReceive, 1)],
    ));
    assert_eq!(sim.ledger().messages()[0].applied, 1);
    assert_eq!(sim.summary().lost, 0);
}

#[test]
fn at_least_once_duplicates_a_message_whose_ack_is_dropped() {
    let sim = run_to_quiet(&scenario(
        Mode::AtLeastOnce,
        &[drop_first(
            NodeId::CONSUMER,
            NodeId::BROKER,
            MessageKind::Ack,
            4,
        )],
    ));
    assert_eq!(verdict(&sim, 4), Verdict::Duplicated(2));
    assert_eq!(
        sim.ledger().messages()[3].duplicate_cause.unwrap().kind,
        CauseKind::AckLost
    );
}

#[test]
fn idempotent_turns_a_consumer_crash_after_apply_into_exactly_once() {
    let sim = run_to_quiet(&scenario(
        Mode::Idempotent,
        &[crash_at(CrashPoint::ConsumerAfterApply, 3)],
    ));
    assert_eq!(sim.ledger().messages()[2].applied, 1);
    assert_eq!(sim.summary().duplicated + sim.summary().lost, 0);
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.kind == EventKind::Receive && e.detail == mqlab_sim::Detail::DuplicateSkipped));
}

#[test]
fn idempotent_turns_a_dropped_confirm_into_exactly_once() {
    let sim = run_to_quiet(&scenario(
        Mode::Idempotent,
        &[drop_first(
            NodeId::BROKER,
            NodeId::PRODUCER,
            MessageKind::Confirm,
            2,
        )],
    ));
    let record = &sim.ledger().messages()[1];
    assert_eq!((record.stored_copies, record.applied), (1, 1));
    assert!(
        record.publish_attempts >= 2,
        "the producer did publish again"
    );
}

#[test]
fn idempotent_turns_a_broker_crash_after_fsync_into_exactly_once() {
    let sim = run_to_quiet(&scenario(
        Mode::Idempotent,
        &[crash_at(CrashPoint::BrokerAfterFsync, 1)],
    ));
    assert_eq!(sim.ledger().messages()[0].applied, 1);
    assert_eq!(sim.summary().duplicated + sim.summary().lost, 0);
}

#[test]
fn every_crash_point_of_a_queue_mode_fires_exactly_where_it_is_named() {
    for mode in [Mode::AtMostOnce, Mode::AtLeastOnce, Mode::Idempotent] {
        for point in mqlab_sim::CrashPoint::ALL
            .into_iter()
            .filter(|p| p.applies_to(mode))
        {
            let sim = run_to_quiet(&scenario(mode, &[crash_at(point, 2)]));
            let crash = sim.trace().iter().find(|e| e.crash.is_some());
            let crash = crash.unwrap_or_else(|| panic!("{mode} {point} never fired"));
            assert_eq!(crash.crash, Some(point));
            assert_eq!(crash.message.map(|m| m.number()), Some(2), "{mode} {point}");
            assert_eq!(crash.node, point.node());
        }
    }
}
