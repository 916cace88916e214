//! The narration: a running plain-language account of the run, newest last, with the
//! latest line repeated in an ARIA live region for screen readers.

use mqlab_sim::{EventKind, TraceEvent};
use yew::prelude::*;

use crate::state::LabAction;

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    /// The most recent trace events, oldest first.
    pub events: Vec<TraceEvent>,
    pub step: u64,
    /// True when the core stopped recording the trace (its bound was reached).
    pub truncated: bool,
    pub dispatch: Callback<LabAction>,
}

fn event_class(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Drop | EventKind::ArriveWhileDown | EventKind::Crash => "bad",
        EventKind::Command => "command",
        EventKind::Restart => "ok",
        EventKind::TxnBegin
        | EventKind::Prepare
        | EventKind::Vote
        | EventKind::Decision
        | EventKind::Committed
        | EventKind::VoteTimeout
        | EventKind::DecisionResend
        | EventKind::Query
        | EventKind::QueryAnswer => "txn",
        _ => "",
    }
}

#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let list_ref = use_node_ref();
    {
        // Keep the newest line in view.
        let list_ref = list_ref.clone();
        use_effect_with(
            props.events.last().map(|e| (e.step, e.narration.clone())),
            move |_| {
                if let Some(list) = list_ref.cast::<web_sys::Element>() {
                    list.set_scroll_top(list.scroll_height());
                }
            },
        );
    }
    let latest = props
        .events
        .last()
        .map(|e| e.narration.clone())
        .unwrap_or_default();
    let items = props.events.iter().map(|event| {
        let current = event.step == props.step;
        let step = event.step;
        let dispatch = props.dispatch.clone();
        let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
        html! {
            <li class={classes!(event_class(event.kind), current.then_some("current"))}>
                <button class="when" {onclick} title={format!("Go to step {step}")} aria-label={format!("Go to step {step}")}>
                    { format!("#{step}") }
                </button>
                <span class="tick">{ format!("t{}", event.tick) }</span>
                { &event.narration }
            </li>
        }
    });
    html! {
        <section class="panel narration" aria-label="Narration">
            <h2>{ "Narration" }</h2>
            <div class="visually-hidden" aria-live="polite" aria-atomic="true">{ latest }</div>
            if props.events.is_empty() {
                <p class="hint">{ "Nothing has happened yet. Press Step or Play." }</p>
            }
            // A column-reverse box keeps its newest line in view without reading the layout.
            <div class="narration-scroll"><ol>{ for items }</ol></div>
            if props.truncated {
                <p class="hint">{ "The trace is full: later events are no longer narrated, but the ledger still counts every message." }</p>
            }
        </section>
    }
}
