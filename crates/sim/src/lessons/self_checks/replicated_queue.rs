//! The questions at the end of the lessons of chapter 3: the replicated queue.

use super::super::{
    event_about, replica_event, Check, CueTrigger, Detail, EventKind, NodeId, ReplicaDetail,
    SelfCheck, FIRST_ELECTION,
};
use super::ask;

/// The questions of this chapter's lesson `id`, or `None` for another chapter's lesson.
pub(super) fn of(id: &str) -> Option<Vec<SelfCheck>> {
    Some(match id {
        "acks-1-failover" => vec![
            // Which writes are gone: the old leader drops m2 and m3, the last copies.
            ask(
                3,
                2,
                replica_event(
                    EventKind::Replicate,
                    ReplicaDetail::Truncated {
                        log_end: 1,
                        dropped: 2,
                    },
                ),
                &[Check::LostAtLeast(2), Check::AckedLostAtLeast(2)],
            ),
            // m4 and m5 were never confirmed, so the producer sends them again.
            ask(
                3,
                1,
                CueTrigger::Again {
                    kind: EventKind::Publish,
                    message: 4,
                },
                &[],
            ),
            // The clean election picks a follower that never fetched m2 and m3.
            ask(3, 3, FIRST_ELECTION, &[Check::AckedLostAtLeast(1)]),
        ],
        "acks-all-min-isr" => vec![
            // acks=all: m2 was on both followers before its confirm left.
            ask(3, 1, FIRST_ELECTION, &[Check::NoneAckedLost]),
            // One replica in sync, fewer than min.insync.replicas: m5 refused.
            ask(
                3,
                2,
                replica_event(
                    EventKind::Append,
                    ReplicaDetail::NotEnoughReplicas { in_sync: 1 },
                ),
                &[Check::RefusedAtLeast(1), Check::NoneLost],
            ),
            // m4, refused after its append, is sent again: its sequence number is in the
            // log, so the leader drops the copy.
            ask(
                3,
                3,
                CueTrigger::Event {
                    kind: EventKind::Append,
                    detail: Some(Detail::Replication(ReplicaDetail::DuplicateInLog)),
                    message: Some(4),
                },
                &[Check::NoneDuplicated],
            ),
        ],
        "unclean-election" => vec![
            // The followers leave the in-sync set: acks=all now means the leader alone.
            ask(
                3,
                2,
                replica_event(EventKind::Replicate, ReplicaDetail::IsrChanged { size: 1 }),
                &[Check::NoneRefused],
            ),
            // With unclean election off, no replica could have led until the old leader
            // returned; here the controller elects an out-of-sync one at once.
            ask(
                3,
                3,
                replica_event(
                    EventKind::Election,
                    ReplicaDetail::Elected {
                        epoch: 1,
                        unclean: true,
                    },
                ),
                &[Check::UnavailableTicksBelow(150)],
            ),
            // The old leader returns and drops the four writes, the only copies.
            ask(
                3,
                1,
                replica_event(
                    EventKind::Replicate,
                    ReplicaDetail::Truncated {
                        log_end: 0,
                        dropped: 4,
                    },
                ),
                &[Check::LostAtLeast(4), Check::AckedLostAtLeast(4)],
            ),
        ],
        "leader-epochs" => vec![
            // The restarted follower trusts its stale high watermark and drops m2.
            ask(
                3,
                1,
                replica_event(
                    EventKind::Restart,
                    ReplicaDetail::Truncated {
                        log_end: 1,
                        dropped: 1,
                    },
                ),
                &[],
            ),
            // The fetch sent before the follower's crash makes the leader confirm m2.
            ask(
                3,
                3,
                CueTrigger::Crash(NodeId::BROKER),
                &[Check::AckedLostAtLeast(1)],
            ),
            // m1's ack reaches the old leader after its crash: the new leader delivers it
            // again.
            ask(
                3,
                2,
                event_about(EventKind::ArriveWhileDown, 1),
                &[Check::DuplicatedAtLeast(1)],
            ),
        ],
        _ => return None,
    })
}
