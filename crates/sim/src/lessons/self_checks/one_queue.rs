//! The questions at the end of the lessons of chapter 1: one producer, one broker, one
//! consumer.

use super::super::{
    event, event_about, event_detail, Check, CueTrigger, Detail, EventKind, NodeId, SelfCheck,
};
use super::ask;

/// The questions of this chapter's lesson `id`, or `None` for another chapter's lesson.
pub(super) fn of(id: &str) -> Option<Vec<SelfCheck>> {
    Some(match id {
        "fire-and-forget" => vec![
            // The last message lost: m3's publish reaches the broker while it is down.
            ask(
                3,
                1,
                event_about(EventKind::ArriveWhileDown, 3),
                &[Check::LostAtLeast(3)],
            ),
            ask(
                3,
                1,
                CueTrigger::Crash(NodeId::BROKER),
                &[Check::LostAtLeast(1)],
            ),
            ask(
                3,
                2,
                event(EventKind::Restart),
                &[Check::LostAtLeast(3), Check::NoneDuplicated],
            ),
        ],
        "lost-confirm" => vec![
            // Where m1 was when its confirm was dropped: fsynced, and already delivered.
            ask(
                3,
                2,
                event_detail(EventKind::Drop, Detail::PlannedDrop),
                &[],
            ),
            // The retry leaves after the consumer applied and acked the first copy.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Publish,
                    message: 1,
                },
                &[],
            ),
            // The second copy is appended as a new message, not redelivered.
            ask(
                3,
                3,
                CueTrigger::Again {
                    kind: EventKind::Append,
                    message: 1,
                },
                &[Check::DuplicatedAtLeast(1), Check::NoneLost],
            ),
        ],
        "consumer-crash-before-ack" => vec![
            // Why the broker delivers m1 again: it never got the ack.
            ask(
                3,
                2,
                CueTrigger::Again {
                    kind: EventKind::Deliver,
                    message: 1,
                },
                &[],
            ),
            // All three are redelivered; only m1 had been applied before the crash.
            ask(
                3,
                3,
                event_about(EventKind::ArriveWhileDown, 2),
                &[
                    Check::RedeliveredAtLeast(3),
                    Check::DuplicatedAtMost(1),
                    Check::NoneLost,
                ],
            ),
            // The second credit: nothing remembers which messages were applied.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Receive,
                    message: 1,
                },
                &[Check::DuplicatedAtLeast(1)],
            ),
        ],
        "ack-before-apply" => vec![
            // m1 (acked, not applied) and m2 (delivered to a consumer that was down).
            ask(
                3,
                2,
                event_about(EventKind::ArriveWhileDown, 2),
                &[Check::LostAtLeast(2), Check::NoneDuplicated],
            ),
            // The broker records m1's ack: it has nothing to deliver again.
            ask(
                3,
                3,
                event_about(EventKind::Ack, 1),
                &[Check::LostAtLeast(1)],
            ),
            // m3 waits in the queue until the consumer is back.
            ask(3, 1, event_about(EventKind::Deliver, 3), &[]),
        ],
        "idempotent-producer" => vec![
            // Published twice, applied once.
            ask(
                3,
                3,
                CueTrigger::Again {
                    kind: EventKind::Publish,
                    message: 1,
                },
                &[Check::AllExactlyOnce],
            ),
            // The broker knows the retry by its sequence number.
            ask(
                3,
                1,
                event_detail(EventKind::Append, Detail::DuplicateReconfirmed),
                &[],
            ),
            // It confirms again so that the producer stops retrying.
            ask(3, 2, event_about(EventKind::Confirm, 1), &[]),
        ],
        "idempotent-consumer" => vec![
            // The credit and the processed id survive the crash together.
            ask(3, 2, CueTrigger::Crash(NodeId::CONSUMER), &[]),
            // The redelivery of m1 is found in the processed-ids table.
            ask(
                3,
                3,
                event_detail(EventKind::Receive, Detail::DuplicateSkipped),
                &[],
            ),
            // m2 and m3, redelivered too, were never applied: they are applied once.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Receive,
                    message: 2,
                },
                &[Check::RedeliveredAtLeast(3), Check::AllExactlyOnce],
            ),
        ],
        _ => return None,
    })
}
