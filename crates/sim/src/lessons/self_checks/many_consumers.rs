//! The questions at the end of the lessons of chapter 2: many consumers.

use super::super::{
    consumer, event, event_about, event_detail, Check, CueTrigger, Detail, EventKind, GroupDetail,
    SelfCheck, MEMBER_DECLARED_DEAD,
};
use super::ask;

/// The questions of this chapter's lesson `id`, or `None` for another chapter's lesson.
pub(super) fn of(id: &str) -> Option<Vec<SelfCheck>> {
    Some(match id {
        "competing-consumers-reorder" => vec![
            // m1 applied by consumer before its crash, then by consumer-2.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Receive,
                    message: 1,
                },
                &[Check::DuplicatedAtLeast(1)],
            ),
            // m4 was already in consumer-2's prefetch when m3 was requeued.
            ask(
                3,
                2,
                event_about(EventKind::Receive, 4),
                &[Check::ReorderedAtLeast(1)],
            ),
            // m3 comes back marked redelivered though nobody had processed it.
            ask(
                3,
                3,
                event_about(EventKind::ArriveWhileDown, 3),
                &[Check::RedeliveredAtLeast(2)],
            ),
        ],
        "poison-message" => vec![
            // Four deliveries: the fourth return passes the limit of 3, and m3 comes next.
            ask(
                3,
                3,
                event_about(EventKind::Deliver, 3),
                &[Check::DeadLetteredAtLeast(1), Check::RedeliveredAtLeast(3)],
            ),
            // A crash is a closed connection: the broker cannot blame the message.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Deliver,
                    message: 2,
                },
                &[],
            ),
            // Only m2 is dead-lettered; the others are applied once.
            ask(
                3,
                2,
                event_about(EventKind::Receive, 3),
                &[
                    Check::DeadLetteredAtLeast(1),
                    Check::NoneLost,
                    Check::NoneDuplicated,
                ],
            ),
        ],
        "commit-before-processing" => vec![
            // The committed offset stands at 2, past the unprocessed m2.
            ask(3, 2, CueTrigger::Crash(consumer(2)), &[]),
            // The next owner of p1 starts at m5.
            ask(
                3,
                1,
                event_about(EventKind::Deliver, 5),
                &[Check::LostAtLeast(1), Check::NoneDuplicated],
            ),
            // consumer-2 comes back and rejoins past m2: no error anywhere.
            ask(3, 3, event(EventKind::Restart), &[Check::LostAtLeast(1)]),
        ],
        "rebalance-redelivers" => vec![
            // p1 waits for the session timeout before anyone else reads it.
            ask(3, 1, MEMBER_DECLARED_DEAD, &[]),
            // consumer resumes p1 at the committed offset, 1: m2.
            ask(
                3,
                2,
                CueTrigger::Again {
                    kind: EventKind::Deliver,
                    message: 2,
                },
                &[
                    Check::DuplicatedAtLeast(1),
                    Check::DuplicatedAtMost(1),
                    Check::NoneLost,
                ],
            ),
            // A processed-ids table would make the second processing change nothing.
            ask(
                3,
                3,
                CueTrigger::Again {
                    kind: EventKind::Receive,
                    message: 2,
                },
                &[Check::DuplicatedAtLeast(1)],
            ),
        ],
        "auto-commit" => vec![
            // The first auto-commit goes past m1 only: m2 is fetched after it.
            ask(
                3,
                1,
                event_detail(
                    EventKind::OffsetCommit,
                    Detail::Group(GroupDetail::AutoCommitted { partitions: 1 }),
                ),
                &[],
            ),
            // The group resumes p1 past m1.
            ask(
                3,
                2,
                event_detail(
                    EventKind::OffsetCommit,
                    Detail::Group(GroupDetail::OffsetCommitted {
                        partition: 1,
                        offset: 1,
                    }),
                ),
                &[Check::DuplicatedAtMost(3)],
            ),
            // Everything since the last auto-commit is processed again.
            ask(
                3,
                3,
                CueTrigger::Crash(consumer(2)),
                &[Check::DuplicatedAtLeast(3), Check::NoneLost],
            ),
        ],
        _ => return None,
    })
}
