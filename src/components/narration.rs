//! The narration: a running plain-language account of the run, newest last, with the
//! latest line repeated in an ARIA live region for screen readers.

use mqlab_sim::{EventKind, MessageKind, TraceEvent};
use mqlab_text::simulator::Key;
use yew::prelude::*;

use crate::state::LabAction;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    /// The most recent trace events, oldest first.
    pub events: Vec<TraceEvent>,
    pub step: u64,
    /// True when the core stopped recording the trace (its bound was reached).
    pub truncated: bool,
    /// Why the events' sentences are not shown yet (being fetched, or could not be).
    #[prop_or_default]
    pub note: Option<String>,
    pub dispatch: Callback<LabAction>,
}

/// True when the envelope an event is about carries an application message (a publish
/// or a delivery); acks, confirms and the coordinator's messages are control messages.
pub fn carries_business(kind: Option<MessageKind>) -> bool {
    matches!(kind, Some(MessageKind::Publish | MessageKind::Deliver))
}

/// The step the run shows after an event: right after it for an event of a step (the
/// event's own number is the index of its step), and at it for a command, which is
/// applied before the step it carries the number of.
pub fn step_after(event: &TraceEvent) -> u64 {
    if event.kind == EventKind::Command {
        event.step
    } else {
        event.step + 1
    }
}

fn event_class(event: &TraceEvent) -> &'static str {
    match event.kind {
        // Losing a query or an ack is drawn apart from losing a message itself.
        EventKind::Drop | EventKind::ArriveWhileDown if !carries_business(event.message_kind) => {
            "control-lost"
        }
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
        | EventKind::QueryAnswer
        | EventKind::WorkDone => "txn",
        _ => "",
    }
}

#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let words = words_now();
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
    // The latest event at or before the step shown is the current one.
    let current_index = props
        .events
        .iter()
        .rposition(|event| step_after(event) <= props.step);
    let items = props.events.iter().enumerate().map(|(index, event)| {
        let current = current_index == Some(index);
        // A jump lands right after the event, so that what it did (a crash, a loss) shows.
        let step = step_after(event);
        let dispatch = props.dispatch.clone();
        let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
        let breakpoint = matches!(event.command(), Some(mqlab_sim::Command::CrashAt { .. }));
        let word_help = if event.kind == EventKind::Command && breakpoint {
            Some(words.get(Key::HelpBreakpoint).to_string())
        } else if event.kind == EventKind::Fsync {
            Some(words.get(Key::HelpFsync).to_string())
        } else {
            None
        };
        html! {
            <li class={classes!(event_class(event), current.then_some("current"))} title={word_help}>
                <button class="when" {onclick} title={words.fill(Key::NarrationGoToTitle, &[("step", step.into())])} aria-label={words.fill(Key::NarrationGoTo, &[("step", step.into())])}>
                    { format!("#{step}") }
                </button>
                <abbr class="tick" title={words.get(Key::HelpTick)}>{ format!("t{}", event.tick) }</abbr>
                { &event.narration }
            </li>
        }
    });
    html! {
        <section class="panel narration" aria-label={words.get(Key::NarrationLabel)}>
            <h2>{ words.get(Key::NarrationLabel) }</h2>
            <div class="visually-hidden" aria-live="polite" aria-atomic="true">{ latest }</div>
            if props.events.is_empty() {
                <p class="hint">{ words.get(Key::NarrationEmpty) }</p>
            }
            if let Some(note) = &props.note {
                <p class="hint" role="status">{ note }</p>
            }
            // A column-reverse box keeps its newest line in view without reading the layout.
            <div class="narration-scroll"><ol>{ for items }</ol></div>
            if props.truncated {
                <p class="hint">{ words.get(Key::NarrationTruncated) }</p>
            }
        </section>
    }
}
