//! The ledger: counters, one row per message with its stages and verdict, and each
//! anomaly's plain sentence, which jumps to the step of the fault that caused it.

use mqlab_sim::{Anomaly, MessageRecord, Summary, TransactionRecord, TxnVerdict, Verdict};
use yew::prelude::*;

use crate::state::LabAction;

#[derive(Properties, PartialEq)]
pub struct LedgerViewProps {
    pub summary: Summary,
    pub records: Vec<MessageRecord>,
    pub anomalies: Vec<Anomaly>,
    /// Per-transaction (or per-batch) verdicts; empty when the run has none.
    #[prop_or_default]
    pub transactions: Vec<TransactionRecord>,
    /// A replicated queue's writes not yet visible and spells without a leader; `None`
    /// for a single broker.
    #[prop_or_default]
    pub replication: Option<crate::components::replication_ledger::ReplicationFacts>,
    pub dispatch: Callback<LabAction>,
}

/// A transaction verdict as icon, words and style (never colour alone).
pub fn txn_status(verdict: TxnVerdict) -> (&'static str, &'static str, &'static str) {
    let (icon, style) = match verdict {
        TxnVerdict::Committed | TxnVerdict::VisibleWhole => ("✔", "ok"),
        TxnVerdict::Aborted => ("↶", "warn"),
        TxnVerdict::PartiallyVisible => ("◑", "bad"),
        TxnVerdict::Lost => ("✖", "bad"),
        TxnVerdict::Open => ("…", "muted"),
    };
    (icon, verdict.label(), style)
}

/// The table shows at most this many rows; the counters always cover every message.
const ROWS_SHOWN: usize = 200;

/// A verdict as icon, words and style (never colour alone).
pub fn verdict_status(verdict: Verdict) -> (&'static str, String, &'static str) {
    let (icon, style) = match verdict {
        Verdict::ExactlyOnce => ("✔", "ok"),
        Verdict::Lost => ("✖", "bad"),
        Verdict::Duplicated(_) => ("⇉", "bad"),
        Verdict::Reordered => ("⇅", "warn"),
        Verdict::Pending => ("…", "muted"),
        Verdict::InDoubt => ("◷", "doubt"),
        Verdict::DeadLettered => ("☠", "bad"),
        Verdict::Dropped => ("✖", "bad"),
        Verdict::Blocked => ("⛔", "bad"),
    };
    (icon, verdict.label(), style)
}

/// The counters, each read as "Name: N" by people and by tests.
pub fn counters(summary: &Summary) -> [(&'static str, u32, &'static str); 6] {
    [
        ("Exactly once", summary.exactly_once, "ok"),
        ("Lost", summary.lost, "bad"),
        ("Duplicated", summary.duplicated, "bad"),
        ("Reordered", summary.reordered, "warn"),
        ("In doubt", summary.in_doubt, "doubt"),
        ("Pending", summary.pending, "muted"),
    ]
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "✔"
    } else {
        "—"
    }
}

#[component]
pub fn LedgerView(props: &LedgerViewProps) -> Html {
    let counter_items = counters(&props.summary)
        .into_iter()
        .map(|(name, value, style)| {
            // With keys (Kafka's partitions), order holds per key only: messages out of
            // order across keys are counted but are no anomaly.
            let across_keys = props
                .summary
                .reordered
                .saturating_sub(props.summary.reordered_per_key);
            let (style, title) = if name == "Reordered" && across_keys > 0 {
                let style = if props.summary.reordered_per_key > 0 { style } else { "muted" };
                (style, Some(format!("{} within a key (an anomaly), {across_keys} only across keys (expected)", props.summary.reordered_per_key)))
            } else {
                (style, None)
            };
            let class = classes!(
                "counter",
                (value > 0 && style != "ok" && style != "muted").then_some(style)
            );
            html! { <li class={class} title={title}>{ format!("{name}: ") }<strong>{ value }</strong></li> }
        });
    let rows = props.records.iter().take(ROWS_SHOWN).map(|record| {
        let (icon, mut words, style) = verdict_status(record.verdict);
        // A replicated queue tells a lost write the producer was told had succeeded
        // from one it was refused.
        if record.verdict == Verdict::Lost && record.acknowledged {
            words = "acknowledged, then lost".into();
        } else if record.verdict == Verdict::Lost && record.refused && !record.stored_durably {
            words = "lost, refused".into();
        }
        html! {
            <tr>
                <th scope="row">{ record.id.to_string() }</th>
                <td class="num">{ if record.publish_attempts > 1 { format!("✔ ×{}", record.publish_attempts) } else { yes_no(record.published).to_string() } }</td>
                <td class="num">{ if record.stored_copies > 1 { format!("✔ ×{}", record.stored_copies) } else { yes_no(record.stored_durably).to_string() } }</td>
                <td class="num">{ record.delivered }</td>
                <td class="num">{ record.applied }</td>
                <td class="num">{ yes_no(record.acked) }</td>
                <td><span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {words}") }</span>
                    if let Some(cause) = record.reorder_cause {
                        <span class="hint reorder-cause">{ format!(" — {}", cause.reason()) }</span>
                    }
                </td>
            </tr>
        }
    });
    let hidden =
        (props.summary.messages as usize).saturating_sub(ROWS_SHOWN.min(props.records.len()));
    let anomalies = props.anomalies.iter().map(|anomaly| {
        let (icon, _, style) = verdict_status(anomaly.verdict);
        let sentence = html! { <><span class={classes!("status", style)} aria-hidden="true">{ icon }</span>{ " " }{ &anomaly.explanation }</> };
        match anomaly.cause_step {
            Some(step) => {
                let dispatch = props.dispatch.clone();
                let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
                html! {
                    <li><button {onclick} title={format!("Go to step {step}, where the fault happened")}>
                        { sentence }<span class="jump">{ format!(" → step {step}") }</span>
                    </button></li>
                }
            }
            None => html! { <li><p>{ sentence }</p></li> },
        }
    });
    html! {
        <section class="panel ledger" aria-label="Ledger">
            <div class="panel-header">
                <h2>{ "Ledger" }</h2>
                <span class="hint" title="The trace number is the run's fingerprint: the same seed and faults give the same number, in the page and on the command line.">{ format!("{} message{} · step {}{} · trace {:016x}", props.summary.messages, if props.summary.messages == 1 { "" } else { "s" }, props.summary.steps,
                    if props.summary.quiet { " · run finished" } else { "" }, props.summary.trace_hash) }</span>
            </div>
            <ul class="counters" aria-label="Counters">{ for counter_items }</ul>
            if props.summary.invariant_violations > 0 {
                <p class="notice error" role="alert">{ format!("⚠ {} 2PC invariant violation(s): a participant committed while another aborted, or a decision was reversed.", props.summary.invariant_violations) }</p>
            }
            if let Some(facts) = &props.replication {
                { crate::components::replication_ledger::replication_part(&props.summary, &props.records, facts, &props.dispatch) }
            }
            if !props.anomalies.is_empty() {
                <h3>{ "What went wrong, and why" }</h3>
                <ul class="anomalies" aria-label="Anomalies">{ for anomalies }</ul>
            }
            if !props.transactions.is_empty() {
                <h3>{ if props.transactions[0].transactional { "Transactions" } else { "Batches (no transaction)" } }</h3>
                <ul class="counters" aria-label="Transaction counters">
                    <li class="counter">{ "Committed: " }<strong>{ props.summary.txn_committed }</strong></li>
                    <li class={classes!("counter", (props.summary.txn_aborted > 0).then_some("warn"))}>{ "Aborted: " }<strong>{ props.summary.txn_aborted }</strong></li>
                    <li class={classes!("counter", (props.summary.txn_partial > 0).then_some("bad"))}>{ "Partially visible: " }<strong>{ props.summary.txn_partial }</strong></li>
                </ul>
                if props.transactions.iter().any(|t| t.transform) {
                    <ul class="counters" aria-label="Output counters">
                        <li class="counter" title="Input messages whose output oK is in the output queue">{ "Outputs: " }<strong>{ props.summary.outputs }</strong></li>
                        <li class={classes!("counter", (props.summary.outputs_duplicated > 0).then_some("bad"))} title="Inputs whose output was appended more than once">{ "Outputs duplicated: " }<strong>{ props.summary.outputs_duplicated }</strong></li>
                        <li class={classes!("counter", (props.summary.outputs_out_of_step > 0).then_some("bad"))} title="Once the run is quiet: inputs whose output count differs from their applied count">{ "Out of step: " }<strong>{ props.summary.outputs_out_of_step }</strong></li>
                    </ul>
                }
                <ul class="txn-verdicts" aria-label="Transaction verdicts">
                    { for props.transactions.iter().rev().take(ROWS_SHOWN).map(|t| {
                        let (icon, words, style) = txn_status(t.verdict);
                        html! {
                            <li data-txn={t.name()} data-verdict={t.verdict.as_str()}>
                                <span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {words}") }</span>
                                { format!(" {} ({}): ", t.name(), t.messages_text()) }{ t.explanation() }
                            </li>
                        }
                    }) }
                </ul>
            }
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        <th>{ "Message" }</th><th>{ "Published" }</th><th>{ "Stored" }</th><th>{ "Delivered" }</th>
                        <th>{ "Applied" }</th><th>{ "Acked" }</th><th>{ "Verdict" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                if hidden > 0 {
                    <p class="hint">{ format!("{} more are counted above but not listed.", crate::plural::count(hidden as u64, "message")) }</p>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_verdict_reads_as_icon_and_words() {
        let (icon, words, _) = verdict_status(Verdict::Duplicated(3));
        assert_eq!((icon, words.as_str()), ("⇉", "duplicated ×3"));
        let (icon, words, _) = verdict_status(Verdict::Lost);
        assert_eq!((icon, words.as_str()), ("✖", "lost"));
    }
}
