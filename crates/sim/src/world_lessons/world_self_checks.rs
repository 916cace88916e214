//! The questions at the end of each lesson of the Transactions view, by lesson. Every
//! question names the moment of the lesson's run that shows its answer, and the ledger's
//! facts it relies on (see [`WorldSelfCheck`]).

#[allow(unused_imports)]
use super::{
    abort_marker, appended, bumped_by_a_new_instance, bumped_by_the_timeout, commit_marker, fenced,
    producer_paused, relay_crashed, Check, Event, Key, When, WorldSelfCheck,
};

/// The questions at the end of lesson `id`, in the order asked.
pub(super) fn of(id: &str) -> Vec<WorldSelfCheck> {
    match id {
        _ => Vec::new(),
    }
}

/// A question: its words, its answers' words with `answer` (from 1) the right one, why,
/// the first event that `shows` it, and the facts it relies on.
#[allow(dead_code)]
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
