//! The ledger's part for a replicated queue: its counters (acknowledged then lost,
//! refused writes, leader changes, unavailable time) and a sentence for each write
//! refused and sent again, each write not yet visible, and each spell without a leader,
//! each with a jump to the step that caused it. Every fact comes from the core: the
//! ledger's records, the leader's hidden writes and the world's outages.

use mqlab_sim::{HiddenReason, HiddenWrite, MessageRecord, NodeId, Outage, Summary, Verdict};
use mqlab_text::panels::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::state::LabAction;

/// At most this many sentences of each kind are listed.
const SENTENCES: usize = 20;

/// What the ledger shows of a replicated queue, taken from the run with the ledger.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ReplicationFacts {
    pub hidden: Vec<HiddenWrite>,
    pub outages: Vec<Outage>,
}

/// "broker-2", "broker-2 and broker-3", "broker, broker-2 and broker-3".
fn names(words: &Words, nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.name().to_string()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => words.fill(
            Key::ListAnd,
            &[
                ("first", rest.join(words.get(Key::ListComma)).into()),
                ("last", last.into()),
            ],
        ),
        _ => names.concat(),
    }
}

/// Why a write is not yet visible, in words.
pub fn hidden_sentence(words: &Words, write: &HiddenWrite) -> String {
    let why = match &write.reason {
        HiddenReason::TooFewInSync {
            in_sync,
            min_insync_replicas,
        } => words.fill(
            Key::ReplicationTooFewInSync,
            &[
                ("count", (*in_sync).into()),
                ("min", (*min_insync_replicas).into()),
            ],
        ),
        HiddenReason::NotYetFetched { by } => {
            let key = if by.len() == 1 {
                Key::ReplicationNotFetchedOne
            } else {
                Key::ReplicationNotFetchedMany
            };
            words.fill(key, &[("nodes", names(words, by).into())])
        }
        HiddenReason::LeaderNotYetTold => words.get(Key::ReplicationLeaderNotTold).to_string(),
    };
    words.fill(
        Key::ReplicationHidden,
        &[
            ("message", write.message.to_string().into()),
            ("offset", write.offset.into()),
            ("hw", write.high_watermark.into()),
            ("why", why.into()),
        ],
    )
}

/// A spell without a leader, in words.
pub fn outage_sentence(words: &Words, outage: &Outage) -> String {
    let when = match outage.to_tick {
        Some(to) => words.fill(
            Key::ReplicationOutageClosed,
            &[
                ("from", outage.from_tick.into()),
                ("to", to.into()),
                ("count", to.saturating_sub(outage.from_tick).into()),
            ],
        ),
        None => words.fill(
            Key::ReplicationOutageOpen,
            &[("from", outage.from_tick.into())],
        ),
    };
    let why = match outage.leader {
        // "the broker" for the first of its role, "broker-2" for the others.
        Some(leader) => words.fill(
            if leader.instance() == 0 {
                Key::ReplicationFirstLeaderDown
            } else {
                Key::ReplicationLeaderDown
            },
            &[("node", leader.name().to_string().into())],
        ),
        None => words.get(Key::ReplicationNoLeader).to_string(),
    };
    words.fill(
        Key::ReplicationOutage,
        &[("when", when.into()), ("why", why.into())],
    )
}

/// A write refused with "not enough replicas" that did not end lost (the lost ones are
/// among the anomalies), in words, with the step of the refusal when the ledger has it.
fn refused_sentence(words: &Words, record: &MessageRecord) -> (Option<u64>, String) {
    let key = if record.publish_attempts > 1 {
        Key::ReplicationRefusedAgain
    } else {
        Key::ReplicationRefused
    };
    let step = record
        .loss_cause
        .filter(|c| c.kind == mqlab_sim::CauseKind::NotEnoughReplicas)
        .map(|c| c.step);
    (
        step,
        words.fill(
            key,
            &[
                ("message", record.id.to_string().into()),
                ("verdict", record.verdict.label_in(words).into()),
            ],
        ),
    )
}

fn jump(
    words: &Words,
    dispatch: &Callback<LabAction>,
    step: Option<u64>,
    sentence: String,
) -> Html {
    match step {
        Some(step) => {
            let dispatch = dispatch.clone();
            let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
            html! {
                <li><button {onclick} title={words.fill(Key::JumpTitle, &[("step", step.into())])}>
                    { sentence }<span class="jump">{ format!(" {}", words.fill(Key::Jump, &[("step", step.into())])) }</span>
                </button></li>
            }
        }
        None => html! { <li><p>{ sentence }</p></li> },
    }
}

/// The replicated queue's counters and sentences.
pub fn replication_part(
    words: &Words,
    summary: &Summary,
    records: &[MessageRecord],
    facts: &ReplicationFacts,
    dispatch: &Callback<LabAction>,
) -> Html {
    let counter = |name: Key, value: u64, bad: bool| {
        let class = classes!("counter", (bad && value > 0).then_some("bad"));
        html! { <li class={class}>{ words.fill(Key::Counter, &[("name", words.get(name).into())]) }<strong>{ value }</strong></li> }
    };
    let refused = records
        .iter()
        .filter(|r| r.refused && r.verdict != Verdict::Lost)
        .take(SENTENCES)
        .map(|r| {
            let (step, sentence) = refused_sentence(words, r);
            jump(words, dispatch, step, sentence)
        });
    let hidden = facts
        .hidden
        .iter()
        .take(SENTENCES)
        .map(|w| jump(words, dispatch, w.appended_step, hidden_sentence(words, w)));
    let outages = facts.outages.iter().map(|o| {
        jump(
            words,
            dispatch,
            Some(o.from_step),
            outage_sentence(words, o),
        )
    });
    html! {
        <>
            <ul class="counters" aria-label={words.get(Key::ReplicationCounters)}>
                { counter(Key::ReplicationAckedLost, summary.acked_lost.into(), true) }
                { counter(Key::ReplicationRefusedWrites, summary.producer_errors.into(), true) }
                { counter(Key::ReplicationLeaderChanges, summary.leader_changes.into(), false) }
                { counter(Key::ReplicationUnavailableTicks, summary.unavailable_ticks, true) }
            </ul>
            if !facts.outages.is_empty() || records.iter().any(|r| r.refused && r.verdict != Verdict::Lost) {
                <h3>{ words.get(Key::ReplicationQueue) }</h3>
                <ul class="anomalies" aria-label={words.get(Key::ReplicationNotes)}>{ for outages }{ for refused }</ul>
            }
            if !facts.hidden.is_empty() {
                <h3>{ words.get(Key::ReplicationHiddenTitle) }</h3>
                <ul class="anomalies" aria-label={words.get(Key::ReplicationHiddenAria)}>{ for hidden }</ul>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::{MessageId, RoleKind};

    fn broker(instance: u8) -> NodeId {
        NodeId::new(RoleKind::Broker, instance)
    }

    #[test]
    fn a_hidden_write_says_what_holds_it_back() {
        let mut write = HiddenWrite {
            message: MessageId(4),
            offset: 3,
            high_watermark: 2,
            appended_step: Some(9),
            reason: HiddenReason::TooFewInSync {
                in_sync: 1,
                min_insync_replicas: 2,
            },
        };
        let text = hidden_sentence(&Words::english(), &write);
        assert!(text.starts_with("m4 is written but hidden"), "{text}");
        assert!(text.contains("offset 3") && text.contains("(2)"), "{text}");
        assert!(
            text.contains("1 member, fewer than min.insync.replicas = 2"),
            "{text}"
        );
        write.reason = HiddenReason::NotYetFetched {
            by: vec![broker(1), broker(2)],
        };
        assert!(hidden_sentence(&Words::english(), &write)
            .contains("broker-2 and broker-3 have not yet fetched it"));
    }

    #[test]
    fn an_outage_names_its_ticks_and_its_leader() {
        let closed = Outage {
            from_step: 20,
            from_tick: 12,
            to_tick: Some(27),
            leader: Some(NodeId::BROKER),
        };
        let text = outage_sentence(&Words::english(), &closed);
        assert!(
            text.contains("from tick 12 to tick 27 (15 ticks)"),
            "{text}"
        );
        assert!(text.contains("the broker, its leader, was down"), "{text}");
        let open = Outage {
            to_tick: None,
            leader: None,
            ..closed
        };
        assert!(outage_sentence(&Words::english(), &open).contains("since tick 12"));
    }
}
