//! The ledger: counters, one row per message with its stages and verdict, and each
//! anomaly's plain sentence, which jumps to the step of the fault that caused it.

use mqlab_sim::{Anomaly, MessageRecord, Summary, TransactionRecord, TxnVerdict, Verdict};
use mqlab_text::panels::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::state::LabAction;
use crate::words::current as words_now;

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
    /// Changes when the steps' words arrive (`steps.txt`, fetched once the run moves):
    /// the reorder causes and the transactions' sentences read them as they are drawn.
    #[prop_or_default]
    pub words_arrived: bool,
    pub dispatch: Callback<LabAction>,
}

/// A transaction verdict as icon, words and style (never colour alone).
pub fn txn_status(words: &Words, verdict: TxnVerdict) -> (&'static str, &str, &'static str) {
    let (icon, key, style) = match verdict {
        TxnVerdict::Committed => ("✔", Key::TxnVerdictCommitted, "ok"),
        TxnVerdict::VisibleWhole => ("✔", Key::TxnVerdictVisibleWhole, "ok"),
        TxnVerdict::Aborted => ("↶", Key::TxnVerdictAborted, "warn"),
        TxnVerdict::PartiallyVisible => ("◑", Key::TxnVerdictPartiallyVisible, "bad"),
        TxnVerdict::Lost => ("✖", Key::TxnVerdictLost, "bad"),
        TxnVerdict::Open => ("…", Key::TxnVerdictOpen, "muted"),
    };
    (icon, words.get(key), style)
}

/// The table shows at most this many rows; the counters always cover every message.
const ROWS_SHOWN: usize = 200;

/// A verdict as icon, words and style (never colour alone).
pub fn verdict_status(words: &Words, verdict: Verdict) -> (&'static str, String, &'static str) {
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
    (icon, verdict_words(words, verdict), style)
}

/// A verdict's name: "duplicated ×2".
pub fn verdict_words(words: &Words, verdict: Verdict) -> String {
    let key = match verdict {
        Verdict::ExactlyOnce => Key::VerdictExactlyOnce,
        Verdict::Lost => Key::VerdictLost,
        Verdict::Duplicated(times) => {
            return words.fill(Key::VerdictDuplicated, &[("times", times.into())])
        }
        Verdict::Reordered => Key::VerdictReordered,
        Verdict::Pending => Key::VerdictPending,
        Verdict::InDoubt => Key::VerdictInDoubt,
        Verdict::DeadLettered => Key::VerdictDeadLettered,
        Verdict::Dropped => Key::VerdictDropped,
        Verdict::Blocked => Key::VerdictBlocked,
    };
    words.get(key).to_string()
}

/// The counters, each read as "Name: N" by people and by tests.
pub fn counters(summary: &Summary) -> [(Key, u32, &'static str); 6] {
    [
        (Key::LedgerExactlyOnce, summary.exactly_once, "ok"),
        (Key::LedgerLost, summary.lost, "bad"),
        (Key::LedgerDuplicated, summary.duplicated, "bad"),
        (Key::LedgerReordered, summary.reordered, "warn"),
        (Key::LedgerInDoubt, summary.in_doubt, "doubt"),
        (Key::LedgerPending, summary.pending, "muted"),
    ]
}

/// A counter's name as it precedes its number: "Lost: ".
pub fn counter_label(words: &Words, name: Key) -> String {
    words.fill(Key::Counter, &[("name", words.get(name).into())])
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
    let words = words_now();
    let words = &*words;
    let counter_items = counters(&props.summary)
        .into_iter()
        .map(|(name, value, style)| {
            // With keys (Kafka's partitions), order holds per key only: messages out of
            // order across keys are counted but are no anomaly.
            let across_keys = props
                .summary
                .reordered
                .saturating_sub(props.summary.reordered_per_key);
            let (style, title) = if name == Key::LedgerReordered && across_keys > 0 {
                let style = if props.summary.reordered_per_key > 0 { style } else { "muted" };
                (style, Some(words.fill(Key::LedgerReorderedHelp, &[("per_key", props.summary.reordered_per_key.into()), ("across", across_keys.into())])))
            } else {
                (style, None)
            };
            let class = classes!(
                "counter",
                (value > 0 && style != "ok" && style != "muted").then_some(style)
            );
            html! { <li class={class} title={title}>{ counter_label(words, name) }<strong>{ value }</strong></li> }
        });
    let rows = props.records.iter().take(ROWS_SHOWN).map(|record| {
        let (icon, mut verdict, style) = verdict_status(words, record.verdict);
        // A replicated queue tells a lost write the producer was told had succeeded
        // from one it was refused.
        if record.verdict == Verdict::Lost && record.acknowledged {
            verdict = words.get(Key::VerdictAckedLost).to_string();
        } else if record.verdict == Verdict::Lost && record.refused && !record.stored_durably {
            verdict = words.get(Key::VerdictLostRefused).to_string();
        }
        html! {
            <tr>
                <th scope="row">{ record.id.to_string() }</th>
                <td class="num">{ if record.publish_attempts > 1 { format!("✔ ×{}", record.publish_attempts) } else { yes_no(record.published).to_string() } }</td>
                <td class="num">{ if record.stored_copies > 1 { format!("✔ ×{}", record.stored_copies) } else { yes_no(record.stored_durably).to_string() } }</td>
                <td class="num">{ record.delivered }</td>
                <td class="num">{ record.applied }</td>
                <td class="num">{ yes_no(record.acked) }</td>
                <td><span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {verdict}") }</span>
                    if let Some(cause) = record.reorder_cause {
                        <span class="hint reorder-cause">{ format!(" — {}", cause.reason_in(words)) }</span>
                    }
                </td>
            </tr>
        }
    });
    let hidden =
        (props.summary.messages as usize).saturating_sub(ROWS_SHOWN.min(props.records.len()));
    let anomalies = props.anomalies.iter().map(|anomaly| {
        let (icon, _, style) = verdict_status(words, anomaly.verdict);
        let sentence = html! { <><span class={classes!("status", style)} aria-hidden="true">{ icon }</span>{ " " }{ &anomaly.explanation }</> };
        match anomaly.cause_step {
            Some(step) => {
                let dispatch = props.dispatch.clone();
                let onclick = Callback::from(move |_: MouseEvent| dispatch.emit(LabAction::Seek(step)));
                html! {
                    <li><button {onclick} title={words.fill(Key::LedgerFaultJump, &[("step", step.into())])}>
                        { sentence }<span class="jump">{ format!(" {}", words.fill(Key::Jump, &[("step", step.into())])) }</span>
                    </button></li>
                }
            }
            None => html! { <li><p>{ sentence }</p></li> },
        }
    });
    html! {
        <section class="panel ledger" aria-label={words.get(Key::LedgerTitle)}>
            <div class="panel-header">
                <h2>{ words.get(Key::LedgerTitle) }</h2>
                <span class="hint" title={words.get(Key::LedgerTraceHelp)}>{ words.fill(
                    if props.summary.quiet { Key::LedgerSummaryFinished } else { Key::LedgerSummary },
                    &[("count", props.summary.messages.into()), ("step", props.summary.steps.into()), ("trace", format!("{:016x}", props.summary.trace_hash).into())],
                ) }</span>
            </div>
            <ul class="counters" aria-label={words.get(Key::LedgerCounters)}>{ for counter_items }</ul>
            if props.summary.invariant_violations > 0 {
                <p class="notice error" role="alert">{ words.fill(Key::LedgerInvariant, &[("count", props.summary.invariant_violations.into())]) }</p>
            }
            if let Some(facts) = &props.replication {
                { crate::components::replication_ledger::replication_part(words, &props.summary, &props.records, facts, &props.dispatch) }
            }
            if !props.anomalies.is_empty() {
                <h3>{ words.get(Key::LedgerAnomaliesTitle) }</h3>
                <ul class="anomalies" aria-label={words.get(Key::LedgerAnomalies)}>{ for anomalies }</ul>
            }
            if !props.transactions.is_empty() {
                <h3>{ words.get(if props.transactions[0].transactional { Key::LedgerTransactions } else { Key::LedgerBatches }) }</h3>
                <ul class="counters" aria-label={words.get(Key::LedgerTxnCounters)}>
                    <li class="counter">{ counter_label(words, Key::LedgerCommitted) }<strong>{ props.summary.txn_committed }</strong></li>
                    <li class={classes!("counter", (props.summary.txn_aborted > 0).then_some("warn"))}>{ counter_label(words, Key::LedgerAborted) }<strong>{ props.summary.txn_aborted }</strong></li>
                    <li class={classes!("counter", (props.summary.txn_partial > 0).then_some("bad"))}>{ counter_label(words, Key::LedgerPartiallyVisible) }<strong>{ props.summary.txn_partial }</strong></li>
                </ul>
                if props.transactions.iter().any(|t| t.transform) {
                    <ul class="counters" aria-label={words.get(Key::LedgerOutputCounters)}>
                        <li class="counter" title={words.get(Key::LedgerOutputsHelp)}>{ counter_label(words, Key::LedgerOutputs) }<strong>{ props.summary.outputs }</strong></li>
                        <li class={classes!("counter", (props.summary.outputs_duplicated > 0).then_some("bad"))} title={words.get(Key::LedgerOutputsDuplicatedHelp)}>{ counter_label(words, Key::LedgerOutputsDuplicated) }<strong>{ props.summary.outputs_duplicated }</strong></li>
                        <li class={classes!("counter", (props.summary.outputs_out_of_step > 0).then_some("bad"))} title={words.get(Key::LedgerOutOfStepHelp)}>{ counter_label(words, Key::LedgerOutOfStep) }<strong>{ props.summary.outputs_out_of_step }</strong></li>
                    </ul>
                }
                <ul class="txn-verdicts" aria-label={words.get(Key::LedgerTxnVerdicts)}>
                    { for props.transactions.iter().rev().take(ROWS_SHOWN).map(|t| {
                        let (icon, verdict, style) = txn_status(words, t.verdict);
                        let name = if t.transactional {
                            t.name()
                        } else {
                            words.fill(Key::LedgerBatchName, &[("batch", t.txn.into())])
                        };
                        html! {
                            <li data-txn={t.name()} data-verdict={t.verdict.as_str()}>
                                <span class={classes!("status", style)}><span aria-hidden="true">{ icon }</span>{ format!(" {verdict}") }</span>
                                { format!(" {} ", words.fill(Key::LedgerTxnLine, &[("name", name.into()), ("messages", t.messages_text().into())])) }{ t.explanation_in(words) }
                            </li>
                        }
                    }) }
                </ul>
            }
            <div class="table-wrap">
                <table>
                    <thead><tr>
                        <th>{ words.get(Key::LedgerMessage) }</th><th>{ words.get(Key::LedgerPublished) }</th><th>{ words.get(Key::LedgerStored) }</th><th>{ words.get(Key::LedgerDelivered) }</th>
                        <th>{ words.get(Key::LedgerApplied) }</th><th>{ words.get(Key::LedgerAcked) }</th><th>{ words.get(Key::LedgerVerdict) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                if hidden > 0 {
                    <p class="hint">{ words.fill(Key::LedgerMore, &[("count", hidden.into())]) }</p>
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
        let english = Words::english();
        let (icon, words, _) = verdict_status(&english, Verdict::Duplicated(3));
        assert_eq!((icon, words.as_str()), ("⇉", "duplicated ×3"));
        let (icon, words, _) = verdict_status(&english, Verdict::Lost);
        assert_eq!((icon, words.as_str()), ("✖", "lost"));
        // The page's verdict names are the core's, word for word.
        for verdict in [
            Verdict::ExactlyOnce,
            Verdict::Lost,
            Verdict::Duplicated(2),
            Verdict::Reordered,
            Verdict::Pending,
            Verdict::InDoubt,
            Verdict::DeadLettered,
            Verdict::Dropped,
            Verdict::Blocked,
        ] {
            assert_eq!(verdict_words(&english, verdict), verdict.label());
        }
        for verdict in [
            TxnVerdict::Open,
            TxnVerdict::Committed,
            TxnVerdict::Aborted,
            TxnVerdict::PartiallyVisible,
            TxnVerdict::VisibleWhole,
            TxnVerdict::Lost,
        ] {
            assert_eq!(txn_status(&english, verdict).1, verdict.label());
        }
    }
}
