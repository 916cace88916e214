//! One cell of the crash matrix: its outcome as a link to its run, told in short on the
//! grid and in full in its title and accessible name.

use std::rc::Rc;

use mqlab_sim::matrix::{Anomalies, Cell, Outcome};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::controls::mode_label;

/// A short label for a grid cell; the full outcome is in its title and accessible name.
/// With several consumer groups (`groups` of them) the worst group's number leads ("g2
/// lost 1"), "g2+" when other groups are not exactly once either, and "all" when no
/// group is.
fn short_text(outcome: Outcome, groups: usize, words: &Words) -> String {
    match outcome {
        Outcome::ExactlyOnce => words.get(Key::MatrixShortOnce).into(),
        Outcome::Unfinished { .. } => words.get(Key::MatrixShortUnfinished).into(),
        Outcome::Anomalies(Anomalies {
            lost,
            acked_lost,
            duplicated,
            reordered,
            in_doubt,
            blocked_ticks,
            dropped,
            dead_lettered,
            held,
            group,
            other_groups,
        }) => {
            let (key, count) = match outcome.kind() {
                "acked-lost" => (Key::MatrixShortAckedLost, acked_lost),
                "lost" => (Key::MatrixShortLost, lost),
                "dropped" => (Key::MatrixShortDropped, dropped),
                "duplicated" => (Key::MatrixShortDuplicated, duplicated),
                "in-doubt" => (Key::MatrixShortInDoubt, in_doubt),
                "held" => (Key::MatrixShortHeld, held),
                "dead-lettered" => (Key::MatrixShortDeadLettered, dead_lettered),
                "reordered" => (Key::MatrixShortReordered, reordered),
                _ => (Key::MatrixShortBlocked, 0),
            };
            let word = if key == Key::MatrixShortBlocked {
                words.fill(key, &[("ticks", blocked_ticks.into())])
            } else {
                words.fill(key, &[("count", count.into())])
            };
            match group {
                Some(_) if usize::from(other_groups) + 1 >= groups => {
                    words.fill(Key::MatrixShortAllGroups, &[("outcome", word.into())])
                }
                Some(group) if other_groups > 0 => words.fill(
                    Key::MatrixShortGroupAndOthers,
                    &[
                        ("group", (u32::from(group) + 1).into()),
                        ("outcome", word.into()),
                    ],
                ),
                Some(group) => words.fill(
                    Key::MatrixShortGroup,
                    &[
                        ("group", (u32::from(group) + 1).into()),
                        ("outcome", word.into()),
                    ],
                ),
                None => word,
            }
        }
    }
}

/// With several consumer groups, each group's own outcome in `words`, the first group's
/// first ("group 1: exactly once"); empty with a queue or one group.
fn group_texts(cell: &Cell, words: &Words) -> Vec<String> {
    if cell.group_summaries.len() < 2 {
        return Vec::new();
    }
    cell.group_outcomes()
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            words.fill(
                Key::MatrixCellGroup,
                &[
                    ("group", (index + 1).into()),
                    ("outcome", outcome.text_in(words).into()),
                ],
            )
        })
        .collect()
}

/// What a cell of the crash matrix needs: the cell (compared by identity, since a cell
/// found never changes), the words it is told in, and what following its link does.
#[derive(Properties, Clone)]
pub struct MatrixCellProps {
    pub cell: Rc<Cell>,
    pub words: Rc<Words>,
    pub on_open: Callback<()>,
}

impl PartialEq for MatrixCellProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.cell, &other.cell)
            && Rc::ptr_eq(&self.words, &other.words)
            && self.on_open == other.on_open
    }
}

/// One cell of the grid: a link that opens its run in the simulator at the crash. A
/// component of its own, so that a row redrawn as its cells arrive leaves the cells it
/// already shows alone.
#[component]
pub fn MatrixCellLink(props: &MatrixCellProps) -> Html {
    let (cell, on_open, words) = (&*props.cell, &props.on_open, &*props.words);
    let crashes: Vec<String> = cell.crashes.iter().map(|crash| crash.label()).collect();
    let fired = if cell.fired == 0 {
        words.get(Key::MatrixCellNotReached)
    } else {
        ""
    };
    // With several consumer groups, every group's own outcome, after the worst one's.
    let groups = group_texts(cell, words);
    let per_group = if groups.is_empty() {
        String::new()
    } else {
        words.fill(
            Key::MatrixCellPerGroup,
            &[(
                "groups",
                groups.join(words.get(Key::MatrixCellGroupSeparator)).into(),
            )],
        )
    };
    let crash_list = crashes
        .iter()
        .cloned()
        .reduce(|first, second| {
            words.fill(
                Key::MatrixCellThen,
                &[("first", first.into()), ("second", second.into())],
            )
        })
        .unwrap_or_default();
    let title = words.fill(
        Key::MatrixCell,
        &[
            ("mode", mode_label(words, cell.mode).into()),
            ("crashes", crash_list.into()),
            ("outcome", cell.outcome.text_in(words).into()),
            ("more", format!("{per_group}{fired}").into()),
        ],
    );
    // The data attributes are read as data, not by the learner: they give the outcome in
    // English whatever the page's language.
    let english_groups = (!groups.is_empty()).then(|| {
        let english = Words::english();
        group_texts(cell, &english).join(english.get(Key::MatrixCellGroupSeparator))
    });
    let onclick = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(()))
    };
    html! {
        <a class={classes!("matrix-cell", cell.outcome.kind(), (cell.fired == 0).then_some("not-reached"))}
           href={format!("#{}", cell.shared.to_link())}
           title={title.clone()} aria-label={title}
           data-mode={cell.mode.as_str()} data-crash={crashes.join(",")}
           data-outcome={cell.outcome.text()} data-groups={english_groups}
           data-fired={cell.fired.to_string()} {onclick}>
            <span aria-hidden="true" class="icon">{ cell.outcome.icon() }</span>
            <span class="word" aria-hidden="true">{ short_text(cell.outcome, cell.group_summaries.len(), words) }</span>
        </a>
    }
}
