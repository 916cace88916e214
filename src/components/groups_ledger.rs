//! The ledger of many consumers: each consumer group's own verdicts (the goal is every
//! message exactly once in every group), and how many side effects each consumer
//! applied. All from the core's ledgers, one per group.

use mqlab_sim::{NodeId, RoleKind, Summary};
use mqlab_text::panels::Key;
use yew::prelude::*;

use crate::words::current as words_now;

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
    let words = words_now();
    let rows = props.groups.iter().enumerate().map(|(g, s)| {
        let verdict = if s.lost + s.duplicated + s.reordered_per_key + s.dropped + s.blocked == 0
            && s.pending == 0
        {
            Key::GroupsEveryMessageOnce
        } else if s.pending > 0 && s.lost + s.duplicated == 0 {
            Key::GroupsUnderWay
        } else {
            Key::GroupsAnomalies
        };
        html! {
            <tr>
                <th scope="row">{ words.fill(Key::GroupsRow, &[("group", (g + 1).into())]) }</th>
                { cell(s.exactly_once, false) }
                { cell(s.lost, true) }
                { cell(s.duplicated, true) }
                { cell(s.reordered_per_key, true) }
                { cell(s.reordered.saturating_sub(s.reordered_per_key), false) }
                { cell(s.dead_lettered, false) }
                { cell(s.dropped, true) }
                { cell(s.blocked, true) }
                <td>{ words.get(verdict) }</td>
            </tr>
        }
    });
    let consumers = props.applied.iter().enumerate().map(|(i, applied)| {
        let node = NodeId::new(RoleKind::Consumer, i as u8);
        let text = if let Some(group) = (i as u16).checked_div(props.members) {
            words.fill(
                Key::GroupsAppliedInGroup,
                &[
                    ("node", crate::words::node_title(&words, node).into()),
                    ("group", (group + 1).into()),
                    ("applied", (*applied).into()),
                ],
            )
        } else {
            words.fill(
                Key::GroupsApplied,
                &[
                    ("node", crate::words::node_title(&words, node).into()),
                    ("applied", (*applied).into()),
                ],
            )
        };
        html! { <li>{ text }</li> }
    });
    html! {
        <section class="panel groups-ledger" aria-label={words.get(Key::GroupsAria)}>
            <h2>{ words.get(if props.groups.is_empty() { Key::GroupsPerConsumer } else { Key::GroupsPerGroup }) }</h2>
            if props.groups.len()> 1 {
                <p class="hint">{ words.fill(Key::GroupsHint, &[("messages", props.messages.into()), ("groups", props.groups.len().into())]) }</p>
            }
            if !props.groups.is_empty() {
                <div class="table-scroll">
                    <table class="groups-table">
                        <thead><tr>
                            <th scope="col">{ words.get(Key::GroupsGroup) }</th>
                            <th scope="col">{ words.get(Key::GroupsExactlyOnce) }</th>
                            <th scope="col">{ words.get(Key::GroupsLost) }</th>
                            <th scope="col">{ words.get(Key::GroupsDuplicated) }</th>
                            <th scope="col" title={words.get(Key::GroupsReorderedPerKeyHelp)}>{ words.get(Key::GroupsReorderedPerKey) }</th>
                            <th scope="col" title={words.get(Key::GroupsAcrossKeysHelp)}>{ words.get(Key::GroupsAcrossKeys) }</th>
                            <th scope="col">{ words.get(Key::GroupsDeadLettered) }</th>
                            <th scope="col">{ words.get(Key::GroupsDropped) }</th>
                            <th scope="col" title={words.get(Key::GroupsBlockedHelp)}>{ words.get(Key::GroupsBlocked) }</th>
                            <th scope="col">{ words.get(Key::GroupsVerdict) }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            if !props.groups.is_empty() {
                <h3>{ words.get(Key::GroupsPerConsumer) }</h3>
            }
            <ul class="applied-list" aria-label={words.get(Key::GroupsAppliedAria)}>{ for consumers }</ul>
        </section>
    }
}
