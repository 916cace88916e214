//! The questions at the end of the lessons of chapter 2: many consumers.

#[allow(unused_imports)]
use super::super::{event, event_about, event_detail, Check, CueTrigger, SelfCheck};
#[allow(unused_imports)]
use super::ask;

/// The questions of this chapter's lesson `id`, or `None` for another chapter's lesson.
pub(super) fn of(id: &str) -> Option<Vec<SelfCheck>> {
    match id {
        _ => None,
    }
}
