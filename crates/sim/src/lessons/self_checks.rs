//! The questions at the end of each lesson, by lesson. Each chapter's are in a file of its
//! own; every question names the moment of the lesson's run that shows its answer, and
//! the ledger's facts it relies on (see [`SelfCheck`]).

use super::{Check, CueTrigger, SelfCheck};

mod many_consumers;
mod one_queue;
mod replicated_queue;
mod two_phase_commit;

/// The questions at the end of lesson `id`, in the order asked.
pub(super) fn of(id: &str) -> Vec<SelfCheck> {
    one_queue::of(id)
        .or_else(|| many_consumers::of(id))
        .or_else(|| replicated_queue::of(id))
        .or_else(|| two_phase_commit::of(id))
        .unwrap_or_default()
}

/// A question with `choices` answers, `answer` (from 1, as the catalogue numbers them)
/// the right one, shown by the run at `shown_at`, relying on `facts`.
fn ask(choices: usize, answer: usize, shown_at: CueTrigger, facts: &[Check]) -> SelfCheck {
    SelfCheck {
        choices,
        answer: answer.saturating_sub(1),
        shown_at,
        facts: facts.to_vec(),
    }
}
