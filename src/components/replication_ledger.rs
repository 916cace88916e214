//! The ledger's part for a replicated queue: its counters (acknowledged then lost,
//! refused writes, leader changes, unavailable time) and a sentence for each write
//! refused and sent again, each write not yet visible, and each spell without a leader,
//! each with a jump to the step that caused it. Every fact comes from the core: the
//! ledger's records, the leader's hidden writes and the world's outages.

use mqlab_sim::{HiddenReason, HiddenWrite, MessageRecord, NodeId, Outage, Summary, Verdict};
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
fn names(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.name().to_string()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Why a write is not yet visible, in words.
pub fn hidden_sentence(write: &HiddenWrite) -> String {
    let why = match &write.reason {
        HiddenReason::TooFewInSync {
            in_sync,
            min_insync_replicas,
        } => format!(
            "the in-sync set has {}, fewer than min.insync.replicas = {min_insync_replicas}, so the high watermark does not move (Kafka 3.7 and later)",
            crate::plural::count(u64::from(*in_sync), "member")
        ),
        HiddenReason::NotYetFetched { by } => {
            let verb = if by.len() == 1 { "has" } else { "have" };
            format!("{} {verb} not yet fetched it", names(by))
        }
        HiddenReason::LeaderNotYetTold => {
            "the new leader has not yet heard from the controller that it leads".to_string()
        }
    };
    format!(
        "{} is written but hidden from consumers: it is at offset {} of the leader's log, above the high watermark ({}); {why}.",
        write.message, write.offset, write.high_watermark
    )
}

/// A spell without a leader, in words.
pub fn outage_sentence(outage: &Outage) -> String {
    let when = match outage.to_tick {
        Some(to) => format!(
            "had no leader that was up from tick {} to tick {to} ({})",
            outage.from_tick,
            crate::plural::count(to.saturating_sub(outage.from_tick), "tick")
        ),
        None => format!(
            "has had no leader that is up since tick {}",
            outage.from_tick
        ),
    };
    let why = match outage.leader {
        Some(leader) => format!("{}, its leader, was down", leader.the()),
        None => "the partition had no leader: no replica the controller could elect".to_string(),
    };
    format!("The queue {when}: {why}. No write or read could happen meanwhile.")
}

/// A write refused with "not enough replicas" that did not end lost (the lost ones are
/// among the anomalies), in words, with the step of the refusal when the ledger has it.
fn refused_sentence(record: &MessageRecord) -> (Option<u64>, String) {
    let again = if record.publish_attempts > 1 {
        ", and the producer sent it again"
    } else {
        ""
    };
    let step = record
        .loss_cause
        .filter(|c| c.kind == mqlab_sim::CauseKind::NotEnoughReplicas)
        .map(|c| c.step);
    (
        step,
        format!(
            "{} was refused with \"not enough replicas\" (acks=all and too few in-sync replicas): a retriable error{again}; now {}.",
            record.id,
            record.verdict.label()
        ),
    )
}

fn jump(dispatch: &Callback<LabAction>, step: Option<u64>, sentence: String) -> Html {
    match step {
        Some(step) => {
            let dispatch = dispatch.clone();
            let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
            html! {
                <li><button {onclick} title={format!("Go to step {step}")}>
                    { sentence }<span class="jump">{ format!(" → step {step}") }</span>
                </button></li>
            }
        }
        None => html! { <li><p>{ sentence }</p></li> },
    }
}

/// The replicated queue's counters and sentences.
pub fn replication_part(
    summary: &Summary,
    records: &[MessageRecord],
    facts: &ReplicationFacts,
    dispatch: &Callback<LabAction>,
) -> Html {
    let counter = |name: &str, value: u64, bad: bool| {
        let class = classes!("counter", (bad && value > 0).then_some("bad"));
        html! { <li class={class}>{ format!("{name}: ") }<strong>{ value }</strong></li> }
    };
    let refused = records
        .iter()
        .filter(|r| r.refused && r.verdict != Verdict::Lost)
        .take(SENTENCES)
        .map(|r| {
            let (step, sentence) = refused_sentence(r);
            jump(dispatch, step, sentence)
        });
    let hidden = facts
        .hidden
        .iter()
        .take(SENTENCES)
        .map(|w| jump(dispatch, w.appended_step, hidden_sentence(w)));
    let outages = facts
        .outages
        .iter()
        .map(|o| jump(dispatch, Some(o.from_step), outage_sentence(o)));
    html! {
        <>
            <ul class="counters" aria-label="Replication counters">
                { counter("Acknowledged, then lost", summary.acked_lost.into(), true) }
                { counter("Refused writes", summary.producer_errors.into(), true) }
                { counter("Leader changes", summary.leader_changes.into(), false) }
                { counter("Unavailable ticks", summary.unavailable_ticks, true) }
            </ul>
            if !facts.outages.is_empty() || records.iter().any(|r| r.refused && r.verdict != Verdict::Lost) {
                <h3>{ "The replicated queue" }</h3>
                <ul class="anomalies" aria-label="Replication notes">{ for outages }{ for refused }</ul>
            }
            if !facts.hidden.is_empty() {
                <h3>{ "Written, not yet visible" }</h3>
                <ul class="anomalies" aria-label="Hidden writes">{ for hidden }</ul>
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
        let text = hidden_sentence(&write);
        assert!(text.starts_with("m4 is written but hidden"), "{text}");
        assert!(text.contains("offset 3") && text.contains("(2)"), "{text}");
        assert!(
            text.contains("1 member, fewer than min.insync.replicas = 2"),
            "{text}"
        );
        write.reason = HiddenReason::NotYetFetched {
            by: vec![broker(1), broker(2)],
        };
        assert!(hidden_sentence(&write).contains("broker-2 and broker-3 have not yet fetched it"));
    }

    #[test]
    fn an_outage_names_its_ticks_and_its_leader() {
        let closed = Outage {
            from_step: 20,
            from_tick: 12,
            to_tick: Some(27),
            leader: Some(NodeId::BROKER),
        };
        let text = outage_sentence(&closed);
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
        assert!(outage_sentence(&open).contains("since tick 12"));
    }
}
