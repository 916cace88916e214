//! The questions at the end of each lesson of the Transactions view, by lesson. Every
//! question names the moment of the lesson's run that shows its answer, and the ledger's
//! facts it relies on (see [`WorldSelfCheck`]).

use super::{
    abort_marker, bumped_by_a_new_instance, dual_fact, fenced, kafka_fact, Check, DualFact, Event,
    Key, OutboxEvent, OutboxNode, TxnEvent, TxnFact, When, WorldSelfCheck,
};
use crate::kafka_txn::OFFSETS;

/// The questions at the end of lesson `id`, in the order asked.
pub(super) fn of(id: &str) -> Vec<WorldSelfCheck> {
    match id {
        "commit-markers" => vec![
            // The restart, not the timeout, aborted t1.
            ask(
                Key::CommitMarkersCheck1,
                &[
                    Key::CommitMarkersCheck1A,
                    Key::CommitMarkersCheck1B,
                    Key::CommitMarkersCheck1C,
                ],
                3,
                Key::CommitMarkersCheck1Why,
                bumped_by_a_new_instance,
                &[],
            ),
            // An abort deletes nothing: its marker hides the records before it.
            ask(
                Key::CommitMarkersCheck2,
                &[
                    Key::CommitMarkersCheck2A,
                    Key::CommitMarkersCheck2B,
                    Key::CommitMarkersCheck2C,
                ],
                2,
                Key::CommitMarkersCheck2Why,
                abort_marker,
                &[Check::NoneAbortedVisible],
            ),
            // The consumer applies the copy at offset 2, the committed transaction's.
            ask(
                Key::CommitMarkersCheck3,
                &[
                    Key::CommitMarkersCheck3A,
                    Key::CommitMarkersCheck3B,
                    Key::CommitMarkersCheck3C,
                ],
                1,
                Key::CommitMarkersCheck3Why,
                kafka_applied,
                &[Check::AllExactlyOnce, Check::NoneAbortedVisible],
            ),
        ],
        "hung-transaction" => vec![
            // The timeout's abort moves the last stable offset on.
            ask(
                Key::HungCheck1,
                &[Key::HungCheck1A, Key::HungCheck1B, Key::HungCheck1C],
                3,
                Key::HungCheck1Why,
                abort_marker,
                &[Check::LsoBlockedTicksAtLeast(40)],
            ),
            // The late EndTxn carries the old epoch: fenced.
            ask(
                Key::HungCheck2,
                &[Key::HungCheck2A, Key::HungCheck2B, Key::HungCheck2C],
                1,
                Key::HungCheck2Why,
                fenced,
                &[Check::FencedAtLeast(1)],
            ),
            // m1 and m2 come from the restarted producer's new transaction.
            ask(
                Key::HungCheck3,
                &[Key::HungCheck3A, Key::HungCheck3B, Key::HungCheck3C],
                2,
                Key::HungCheck3Why,
                kafka_applied,
                &[Check::AllExactlyOnce, Check::NoneAbortedVisible],
            ),
        ],
        "zombie-fencing" => vec![
            // producer-2's registration aborted t1, before any timeout.
            ask(
                Key::ZombieCheck1,
                &[Key::ZombieCheck1A, Key::ZombieCheck1B, Key::ZombieCheck1C],
                2,
                Key::ZombieCheck1Why,
                bumped_by_a_new_instance,
                &[],
            ),
            // Only the epoch tells the two instances apart.
            ask(
                Key::ZombieCheck2,
                &[Key::ZombieCheck2A, Key::ZombieCheck2B, Key::ZombieCheck2C],
                1,
                Key::ZombieCheck2Why,
                fenced,
                &[Check::FencedAtLeast(1)],
            ),
            // The consumer applies producer-2's committed copies, once.
            ask(
                Key::ZombieCheck3,
                &[Key::ZombieCheck3A, Key::ZombieCheck3B, Key::ZombieCheck3C],
                3,
                Key::ZombieCheck3Why,
                kafka_applied,
                &[Check::AllExactlyOnce, Check::NoneAbortedVisible],
            ),
        ],
        "exactly-once-edge" => vec![
            // The input offsets were in t1: its abort rewinds them too.
            ask(
                Key::EdgeCheck1,
                &[Key::EdgeCheck1A, Key::EdgeCheck1B, Key::EdgeCheck1C],
                1,
                Key::EdgeCheck1Why,
                offsets_abort_marker,
                &[],
            ),
            // read_committed skips the output of the aborted t1.
            ask(
                Key::EdgeCheck2,
                &[Key::EdgeCheck2A, Key::EdgeCheck2B, Key::EdgeCheck2C],
                2,
                Key::EdgeCheck2Why,
                abort_marker,
                &[Check::AllExactlyOnce, Check::NoneAbortedVisible],
            ),
            // The external calls are outside the transaction: redone, not undone.
            ask(
                Key::EdgeCheck3,
                &[Key::EdgeCheck3A, Key::EdgeCheck3B, Key::EdgeCheck3C],
                3,
                Key::EdgeCheck3Why,
                |e| matches!(e, Event::Kafka(TxnEvent::Called { count: 2, .. })),
                &[Check::AllExactlyOnce, Check::ExternalDuplicatedAtLeast(2)],
            ),
        ],
        "dual-write-problem" => vec![
            // m1's two writes agreed only because no crash fell between them.
            ask(
                Key::DualCheck1,
                &[Key::DualCheck1A, Key::DualCheck1B, Key::DualCheck1C],
                1,
                Key::DualCheck1Why,
                |e| dual_fact(e, |f| matches!(f, DualFact::Published { message: 1, .. })),
                &[],
            ),
            // The owed event lived in the service's memory only.
            ask(
                Key::DualCheck2,
                &[Key::DualCheck2A, Key::DualCheck2B, Key::DualCheck2C],
                3,
                Key::DualCheck2Why,
                service_crashed,
                &[Check::StateWithoutEventAtLeast(1), Check::LostAtLeast(1)],
            ),
            // The row commits alone: the outbox would put the event in its transaction.
            ask(
                Key::DualCheck3,
                &[Key::DualCheck3A, Key::DualCheck3B, Key::DualCheck3C],
                2,
                Key::DualCheck3Why,
                |e| {
                    dual_fact(e, |f| {
                        matches!(f, DualFact::RowCommitted { message: 2, .. })
                    })
                },
                &[],
            ),
        ],
        "outbox-twice" => vec![
            // The confirms reached a relay that was down: the rows stayed unsent.
            ask(
                Key::OutboxCheck1,
                &[Key::OutboxCheck1A, Key::OutboxCheck1B, Key::OutboxCheck1C],
                2,
                Key::OutboxCheck1Why,
                |e| {
                    matches!(
                        e,
                        Event::Dual(OutboxEvent::Dropped {
                            to: OutboxNode::Relay,
                            ..
                        })
                    )
                },
                &[Check::BrokerDuplicatesAtLeast(2), Check::NoneLost],
            ),
            // The second copy is a new event at a new offset; nothing tells it apart.
            ask(
                Key::OutboxCheck2,
                &[Key::OutboxCheck2A, Key::OutboxCheck2B, Key::OutboxCheck2C],
                1,
                Key::OutboxCheck2Why,
                |e| {
                    dual_fact(
                        e,
                        |f| matches!(f, DualFact::Applied { message: 1, offset } if *offset > 0),
                    )
                },
                &[Check::DuplicatedAtLeast(2)],
            ),
            // At least once: nothing lost, the relay publishes again.
            ask(
                Key::OutboxCheck3,
                &[Key::OutboxCheck3A, Key::OutboxCheck3B, Key::OutboxCheck3C],
                3,
                Key::OutboxCheck3Why,
                |e| {
                    dual_fact(
                        e,
                        |f| matches!(f, DualFact::Appended { message: 1, offset } if *offset > 0),
                    )
                },
                &[Check::NoneLost, Check::BrokerDuplicatesAtLeast(2)],
            ),
        ],
        "inbox-reach" => vec![
            // The inbox's primary key turns the second copy away.
            ask(
                Key::InboxCheck1,
                &[Key::InboxCheck1A, Key::InboxCheck1B, Key::InboxCheck1C],
                3,
                Key::InboxCheck1Why,
                |e| dual_fact(e, |f| matches!(f, DualFact::Skipped { .. })),
                &[Check::AllExactlyOnce, Check::BrokerDuplicatesAtLeast(2)],
            ),
            // The crash rolls the update and the inbox row back together.
            ask(
                Key::InboxCheck2,
                &[Key::InboxCheck2A, Key::InboxCheck2B, Key::InboxCheck2C],
                1,
                Key::InboxCheck2Why,
                |e| {
                    matches!(
                        e,
                        Event::Dual(OutboxEvent::Crashed {
                            node: OutboxNode::Consumer,
                            ..
                        })
                    )
                },
                &[Check::AllExactlyOnce],
            ),
            // A call made in the transaction stays made: the redelivery calls again.
            ask(
                Key::InboxCheck3,
                &[Key::InboxCheck3A, Key::InboxCheck3B, Key::InboxCheck3C],
                2,
                Key::InboxCheck3Why,
                |e| matches!(e, Event::Dual(OutboxEvent::Called { count: 2, .. })),
                &[Check::AllExactlyOnce, Check::ExternalDuplicatedAtLeast(1)],
            ),
        ],
        _ => Vec::new(),
    }
}

/// The Kafka consumer applied a record.
fn kafka_applied(e: Event<'_>) -> bool {
    kafka_fact(e, |f| matches!(f, TxnFact::Applied { .. }))
}

/// The consumer offsets partition wrote an abort marker: the loop's input offsets of the
/// aborted transaction will never count.
fn offsets_abort_marker(e: Event<'_>) -> bool {
    kafka_fact(e, |f| {
        matches!(
            f,
            TxnFact::MarkerWritten {
                partition: OFFSETS,
                commit: false,
                ..
            }
        )
    })
}

/// The service crashed (between its commit and its publish, in the dual-write lesson).
fn service_crashed(e: Event<'_>) -> bool {
    matches!(
        e,
        Event::Dual(OutboxEvent::Crashed {
            node: OutboxNode::Service,
            ..
        })
    )
}

/// A question: its words, its answers' words with `answer` (from 1) the right one, why,
/// the first event that `shows` it, and the facts it relies on.
fn ask(
    question: Key,
    answers: &[Key],
    answer: usize,
    why: Key,
    shows: fn(Event<'_>) -> bool,
    facts: &[Check],
) -> WorldSelfCheck {
    WorldSelfCheck {
        question,
        answers: answers.to_vec(),
        answer: answer.saturating_sub(1),
        why,
        shown_at: When::Event {
            matches: shows,
            nth: 1,
        },
        facts: facts.to_vec(),
    }
}
