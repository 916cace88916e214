//! The questions at the end of the lessons of chapter 4: two-phase commit.

use super::super::{
    event, event_detail, Check, CueTrigger, Detail, EventKind, NodeId, SelfCheck, VoteNoReason,
    BLOCKING_DOWNTIME_TICKS,
};
use super::ask;

/// The questions of this chapter's lesson `id`, or `None` for another chapter's lesson.
pub(super) fn of(id: &str) -> Option<Vec<SelfCheck>> {
    Some(match id {
        "2pc-happy-path" => vec![
            // A yes vote gives away the right to decide: the participant waits, locked.
            ask(
                3,
                3,
                event_detail(EventKind::Prepare, Detail::VotedYes),
                &[Check::BlockedTicksBelow(150)],
            ),
            // Four transactions: a publish and a consume transaction per message.
            ask(3, 1, event(EventKind::Deliver), &[Check::AllExactlyOnce]),
            // The consumer applies without committing: its change is real at COMMIT.
            ask(3, 2, event(EventKind::Receive), &[]),
        ],
        "2pc-vote-no" => vec![
            // A no vote can only lead to ABORT: the broker rolls back at once.
            ask(
                3,
                2,
                event_detail(
                    EventKind::Prepare,
                    Detail::VotedNo {
                        reason: VoteNoReason::Chosen,
                    },
                ),
                &[],
            ),
            // The participant that voted yes rolls back on the coordinator's ABORT.
            ask(
                3,
                3,
                event_detail(EventKind::Decision, Detail::AbortedTxn),
                &[Check::NoneDuplicated],
            ),
            // m1 stays in the queue and a new transaction delivers it again.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Deliver,
                    message: 1,
                },
                &[Check::AllExactlyOnce],
            ),
        ],
        "2pc-blocking" => vec![
            // After a yes vote, COMMIT may already be decided: the participant may not
            // abort alone, and keeps asking.
            ask(
                3,
                1,
                event(EventKind::Query),
                &[Check::BlockedTicksAtLeast(BLOCKING_DOWNTIME_TICKS)],
            ),
            // No COMMIT in the log: the restarted coordinator presumes abort.
            ask(
                3,
                2,
                event_detail(EventKind::Restart, Detail::RecoveredPresumedAbort),
                &[],
            ),
            // The producer still has m1: a new transaction publishes it again.
            ask(
                3,
                3,
                CueTrigger::Again {
                    kind: EventKind::Publish,
                    message: 1,
                },
                &[Check::AllExactlyOnce],
            ),
        ],
        "2pc-recovery" => vec![
            // The decision is made when COMMIT reaches the coordinator's log.
            ask(3, 3, CueTrigger::Crash(NodeId::COORDINATOR), &[]),
            // Meanwhile the prepared participants ask, get no answer and wait.
            ask(
                3,
                1,
                event(EventKind::Query),
                &[Check::BlockedTicksAtLeast(60)],
            ),
            // COMMIT arrives twice at the broker; the second only gets "committed" again.
            ask(
                3,
                2,
                event_detail(EventKind::Decision, Detail::AlreadyCommitted),
                &[Check::NoneDuplicated, Check::AllExactlyOnce],
            ),
        ],
        "2pc-presumed-abort" => vec![
            // The crash comes before any vote arrives: there is nothing to decide yet.
            ask(3, 2, CueTrigger::Crash(NodeId::COORDINATOR), &[]),
            // No COMMIT logged means nobody can have committed: aborting is safe.
            ask(
                3,
                1,
                event_detail(EventKind::Restart, Detail::RecoveredPresumedAbort),
                &[Check::NoneLost],
            ),
            // A question about a transaction with no COMMIT logged is answered ABORT.
            ask(
                3,
                3,
                event_detail(
                    EventKind::QueryAnswer,
                    Detail::Answered {
                        commit: Some(false),
                    },
                ),
                &[],
            ),
        ],
        _ => return None,
    })
}
