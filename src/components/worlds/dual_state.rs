//! The state of a dual-write run at a step: the service's database (business rows, the
//! outbox table with its sent marks), the relay, the broker's log with every copy, the
//! consumer's database (what it applied, its inbox table) and the external system's
//! calls, read from the core's world.

use mqlab_sim::outbox::{OutboxNode, OutboxWorld};
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

fn node_state(words: &Words, up: bool) -> Html {
    html! {
        <span class={classes!("node-state", if up { "up" } else { "down" })}>
            { words.get(if up { Key::NodeUp } else { Key::NodeDown }) }
        </span>
    }
}

/// A list of events as cells, or "none".
fn cells(words: &Words, items: impl Iterator<Item = (String, &'static str, String)>) -> Html {
    let items: Vec<Html> = items
        .map(|(label, class, title)| {
            html! { <li class={classes!("cell", class)} title={title.clone()}><span class="what">{ label }</span><span class="state">{ title }</span></li> }
        })
        .collect();
    if items.is_empty() {
        html! { <p class="empty">{ words.get(Key::DualNone) }</p> }
    } else {
        html! { <ol class="plog">{ items }</ol> }
    }
}

fn node_box(words: &Words, id: &'static str, title: Key, up: Option<bool>, body: Html) -> Html {
    html! {
        <section class="worlds-box" aria-labelledby={id} data-node={id}>
            <h3 {id}>{ words.get(title) }{ " " }{ for up.map(|up| node_state(words, up)) }</h3>
            { body }
        </section>
    }
}

/// The whole state of the run.
pub fn dual_state(world: &OutboxWorld, words: &Words) -> Html {
    let pattern = world.settings().pattern;
    let m = |e: u32| format!("m{e}");
    let rows = cells(
        words,
        world
            .service_rows()
            .iter()
            .map(|e| (m(*e), "rec-committed", words.get(Key::DualRow).to_string())),
    );
    let outbox = cells(
        words,
        world.outbox_table().iter().map(|(e, sent)| {
            if *sent {
                (m(*e), "rec-committed", words.get(Key::DualSent).to_string())
            } else {
                (m(*e), "rec-open", words.get(Key::DualUnsent).to_string())
            }
        }),
    );
    let service = html! {
        <>
            <h4>{ words.get(Key::DualRows) }</h4>
            { rows }
            if pattern.has_outbox() {
                <h4>{ words.get(Key::DualOutbox) }</h4>
                { outbox }
            }
        </>
    };
    let relay = if pattern.has_outbox() {
        node_box(
            words,
            "worlds-relay",
            Key::DualRelay,
            Some(world.is_up(OutboxNode::Relay)),
            html! { <p class="small">{ words.get(Key::DualRelayNote) }</p> },
        )
    } else {
        node_box(
            words,
            "worlds-relay",
            Key::DualRelay,
            None,
            html! { <p class="empty">{ words.get(Key::DualNoRelay) }</p> },
        )
    };
    let log = world.broker_log();
    let events = world.events();
    // The ledger's count of an event's copies at the broker.
    let copies_of = |e: u32| {
        events
            .iter()
            .find(|r| r.message == e)
            .map_or(0, |r| r.copies)
    };
    let broker = cells(
        words,
        log.iter().enumerate().map(|(offset, e)| {
            let copies = copies_of(*e);
            let first = log.iter().position(|x| x == e) == Some(offset);
            let (class, key) = if first {
                ("rec-committed", Key::DualCopy)
            } else {
                ("rec-aborted", Key::DualCopyAgain)
            };
            (
                format!("{offset}: m{e}"),
                class,
                words.fill(key, &[("count", copies.into())]),
            )
        }),
    );
    let applied = world.consumer_applied();
    let consumer = html! {
        <>
            <h4>{ words.get(Key::DualApplied) }</h4>
            { cells(words, applied.iter().enumerate().map(|(i, e)| {
                let again = applied[..i].contains(e);
                (m(*e), if again { "rec-aborted" } else { "rec-committed" },
                 words.get(if again { Key::DualAppliedAgain } else { Key::DualAppliedOnce }).to_string())
            })) }
            if pattern.has_inbox() {
                <h4>{ words.get(Key::DualInbox) }</h4>
                { cells(words, world.inbox_table().into_iter().map(|e| (m(e), "rec-committed", words.get(Key::DualInboxRow).to_string()))) }
            }
        </>
    };
    let external = cells(
        words,
        events.iter().filter(|e| e.external > 0).map(|e| {
            (
                m(e.message),
                if e.external > 1 {
                    "rec-aborted"
                } else {
                    "rec-committed"
                },
                words.fill(Key::DualCalls, &[("count", e.external.into())]),
            )
        }),
    );
    html! {
        <div class="worlds-state dual">
            { node_box(words, "worlds-service", Key::DualService, Some(world.is_up(OutboxNode::Service)), service) }
            { relay }
            { node_box(words, "worlds-broker", Key::DualBroker, Some(world.is_up(OutboxNode::Broker)), broker) }
            { node_box(words, "worlds-consumer", Key::DualConsumer, Some(world.is_up(OutboxNode::Consumer)), consumer) }
            { node_box(words, "worlds-external", Key::DualExternal, None, external) }
        </div>
    }
}
