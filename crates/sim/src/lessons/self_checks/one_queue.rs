//! The questions at the end of the lessons of chapter 1: one producer, one broker, one
//! consumer.

use super::super::{event, event_about, Check, CueTrigger, EventKind, NodeId, SelfCheck};
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
        _ => return None,
    })
}
