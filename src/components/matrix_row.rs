//! One row of a crash matrix grid: a crash point's name, then a slot per column, each
//! either the cell found there or a dot while its run is pending.

use std::rc::Rc;

use mqlab_sim::matrix::Cell;
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::matrix_cell::MatrixCellLink;

/// A row's slots as drawn: one per column, the cell once it is found. A row that gains a
/// cell is a new `Rc`, so that a row compares equal to its last drawing until it changes.
pub type RowSlots = Rc<Vec<Option<Rc<Cell>>>>;

#[derive(Properties, Clone)]
pub struct MatrixRowProps {
    pub slots: RowSlots,
    /// The row's crash point, as named in the grid.
    pub name: AttrValue,
    /// When the row's crash happens, in this mode and world.
    pub title: AttrValue,
    /// True for a row of the pairs' grid, whose rows are not looked up by point.
    pub pairs: bool,
    pub words: Rc<Words>,
    pub on_open: Callback<()>,
}

impl PartialEq for MatrixRowProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.slots, &other.slots)
            && Rc::ptr_eq(&self.words, &other.words)
            && self.name == other.name
            && self.title == other.title
            && self.pairs == other.pairs
            && self.on_open == other.on_open
    }
}

/// A grid's row, redrawn only when one of its cells arrives (or the words change).
#[component]
pub fn MatrixRow(props: &MatrixRowProps) -> Html {
    let pending_label =
        (!props.pairs).then(|| AttrValue::from(props.words.get(Key::MatrixCellNotRun)));
    let tds = props.slots.iter().map(|slot| match slot {
        Some(cell) => html! {
            <td><MatrixCellLink cell={cell.clone()} words={props.words.clone()} on_open={props.on_open.clone()} /></td>
        },
        None => html! { <td class="pending" aria-label={pending_label.clone()}>{ "·" }</td> },
    });
    let point = (!props.pairs).then(|| props.name.clone());
    html! {
        <tr data-point={point}><th scope="row" title={props.title.clone()}>{ props.name.clone() }</th>{ for tds }</tr>
    }
}
