//! The ledger of many consumers: each consumer group's own verdicts (the goal is every
//! message exactly once in every group), and how many side effects each consumer
//! applied. All from the core's ledgers, one per group.

use mqlab_sim::{NodeId, RoleKind, Summary};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GroupsLedgerProps {
    /// Per group, its ledger's counters (Kafka style); empty for one queue.
    pub groups: Vec<Summary>,
    /// Per consumer, the side effects it applied.
    pub applied: Vec<u32>,
    /// Members per group (Kafka style), to name each consumer's group.
    #[prop_or_default]
    pub members: u16,
    /// How many messages the run has.
    #[prop_or_default]
    pub messages: u32,
}

/// A count as a table cell, marked when it is an anomaly.
fn cell(value: u32, bad: bool) -> Html {
    let class = classes!("num", (bad && value > 0).then_some("bad"));
    html! { <td class={class}>{ value }</td> }
}

#[component]
pub fn GroupsLedger(props: &GroupsLedgerProps) -> Html {
    let rows = props.groups.iter().enumerate().map(|(g, s)| {
        let verdict = if s.lost + s.duplicated + s.reordered_per_key + s.dropped + s.blocked == 0
            && s.pending == 0
        {
            "✓ every message once"
        } else if s.pending > 0 && s.lost + s.duplicated == 0 {
            "… under way"
        } else {
            "✖ anomalies"
        };
        html! {
            <tr>
                <th scope="row">{ format!("group {}", g + 1) }</th>
                { cell(s.exactly_once, false) }
                { cell(s.lost, true) }
                { cell(s.duplicated, true) }
                { cell(s.reordered_per_key, true) }
                { cell(s.reordered.saturating_sub(s.reordered_per_key), false) }
                { cell(s.dead_lettered, false) }
                { cell(s.dropped, true) }
                { cell(s.blocked, true) }
                <td>{ verdict }</td>
            </tr>
        }
    });
    let consumers = props.applied.iter().enumerate().map(|(i, applied)| {
        let node = NodeId::new(RoleKind::Consumer, i as u8);
        let group = (props.members> 0).then(|| format!(" (group {})", i as u16 / props.members + 1));
        html! { <li>{ format!("{}{}: {applied} applied", node.label(), group.unwrap_or_default()) }</li> }
    });
    html! {
        <section class="panel groups-ledger" aria-label="Verdicts per group and consumer">
            <h2>{ if props.groups.is_empty() { "Per consumer" } else { "Per consumer group" } }</h2>
            if props.groups.len()> 1 {
                <p class="hint">{ format!("Each group must get each of the {} messages once; the counters above add the {} groups up.", props.messages, props.groups.len()) }</p>
            }
            if !props.groups.is_empty() {
                <div class="table-scroll">
                    <table class="groups-table">
                        <thead><tr>
                            <th scope="col">{ "group" }</th>
                            <th scope="col">{ "exactly once" }</th>
                            <th scope="col">{ "lost" }</th>
                            <th scope="col">{ "duplicated" }</th>
                            <th scope="col" title="After a later message of its key: an anomaly">{ "reordered per key" }</th>
                            <th scope="col" title="Only across keys: expected">{ "across keys" }</th>
                            <th scope="col">{ "dead-lettered" }</th>
                            <th scope="col">{ "dropped" }</th>
                            <th scope="col" title="Stuck behind a poison record">{ "blocked" }</th>
                            <th scope="col">{ "verdict" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            if !props.groups.is_empty() {
                <h3>{ "Per consumer" }</h3>
            }
            <ul class="applied-list" aria-label="Applied per consumer">{ for consumers }</ul>
        </section>
    }
}
