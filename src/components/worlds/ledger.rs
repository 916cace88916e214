//! The ledger of a run, as the core keeps it: the summary's counters, each event's
//! verdict (the dual writes) or each transaction's outcome (Kafka), and the anomalies
//! with their causes. Nothing here is counted by the view.

use mqlab_sim::kafka_txn::{KafkaTxnWorld, TxnState};
use mqlab_sim::outbox::{OutboxVerdict, OutboxWorld};
use mqlab_sim::Summary;
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

use super::model::Run;

/// A counter of the summary: its name as the CLI prints it, its label and its value.
pub type Counter = (&'static str, Key, u64);

/// The counters a world's ledger shows, in order.
pub fn counters(run: &Run, summary: &Summary) -> Vec<Counter> {
    world_counters(matches!(run, Run::Kafka(_)), summary)
}

/// The counters of Kafka transactions' ledger (`kafka`) or the dual writes', in order.
pub fn world_counters(kafka: bool, summary: &Summary) -> Vec<Counter> {
    let common = [
        (
            "exactly_once",
            Key::CounterExactlyOnce,
            u64::from(summary.exactly_once),
        ),
        ("lost", Key::CounterLost, u64::from(summary.lost)),
        (
            "duplicated",
            Key::CounterDuplicated,
            u64::from(summary.duplicated),
        ),
    ];
    let own: Vec<Counter> = if kafka {
        vec![
            (
                "aborted_visible",
                Key::CounterAbortedVisible,
                u64::from(summary.aborted_visible),
            ),
            ("fenced", Key::CounterFenced, u64::from(summary.fenced)),
            (
                "lso_blocked_ticks",
                Key::CounterLsoBlockedTicks,
                summary.lso_blocked_ticks,
            ),
            (
                "external_duplicated",
                Key::CounterExternalDuplicated,
                u64::from(summary.external_duplicated),
            ),
            (
                "txn_committed",
                Key::CounterTxnCommitted,
                u64::from(summary.txn_committed),
            ),
            (
                "txn_aborted",
                Key::CounterTxnAborted,
                u64::from(summary.txn_aborted),
            ),
        ]
    } else {
        vec![
            (
                "state_without_event",
                Key::CounterStateWithoutEvent,
                u64::from(summary.state_without_event),
            ),
            (
                "event_without_state",
                Key::CounterEventWithoutState,
                u64::from(summary.event_without_state),
            ),
            (
                "broker_duplicates",
                Key::CounterBrokerDuplicates,
                u64::from(summary.broker_duplicates),
            ),
            (
                "external_duplicated",
                Key::CounterExternalDuplicated,
                u64::from(summary.external_duplicated),
            ),
        ]
    };
    common.into_iter().chain(own).collect()
}

/// Whether a counter above zero is bad news (the others are plain counts).
fn is_bad(name: &str) -> bool {
    !matches!(name, "exactly_once" | "txn_committed" | "txn_aborted")
}

/// A verdict's words and class.
pub fn verdict(words: &Words, verdict: OutboxVerdict) -> (&'static str, &'static str) {
    let (key, class) = match verdict {
        OutboxVerdict::ExactlyOnce => (Key::VerdictExactlyOnce, "ok"),
        OutboxVerdict::StateWithoutEvent => (Key::VerdictStateWithoutEvent, "bad"),
        OutboxVerdict::EventWithoutState => (Key::VerdictEventWithoutState, "bad"),
        OutboxVerdict::Lost => (Key::VerdictLost, "bad"),
        OutboxVerdict::Duplicated => (Key::VerdictDuplicated, "warn"),
        OutboxVerdict::Failed => (Key::VerdictFailed, "ok"),
        OutboxVerdict::Pending => (Key::VerdictPending, "doubt"),
    };
    (words.get(key), class)
}

fn dual_verdicts(world: &OutboxWorld, words: &Words) -> Html {
    let rows = world.events().into_iter().map(|e| {
        let (text, class) = verdict(words, e.verdict);
        html! {
            <li class={classes!("verdict", class)} data-message={format!("m{}", e.message)} data-verdict={e.verdict.as_str()}>
                <strong>{ format!("m{}", e.message) }</strong>{ " " }{ text }
            </li>
        }
    });
    html! { <ul class="verdicts">{ for rows }</ul> }
}

fn kafka_outcomes(world: &KafkaTxnWorld, words: &Words) -> Html {
    let rows = world
        .transaction_log_entries()
        .iter()
        .filter_map(|entry| {
            let (key, class) = match entry.state {
                TxnState::CompleteCommit => (Key::LedgerTxnCommitted, "ok"),
                TxnState::CompleteAbort => (Key::LedgerTxnAborted, "abort"),
                _ => return None,
            };
            Some(html! {
                <li class={classes!("verdict", class)} data-txn={format!("t{}", entry.txn)}>
                    { words.fill(key, &[("t", entry.txn.into())]) }
                </li>
            })
        })
        .collect::<Vec<Html>>();
    if rows.is_empty() {
        html! { <p class="empty">{ words.get(Key::LedgerNoTxn) }</p> }
    } else {
        html! { <ul class="verdicts">{ rows }</ul> }
    }
}

/// The ledger panel.
pub fn ledger(run: &Run, words: &Words) -> Html {
    let summary = run.summary();
    let items = counters(run, &summary)
        .into_iter()
        .map(|(name, key, value)| {
            let class = (value > 0 && is_bad(name)).then_some("bad");
            html! {
                <li class={classes!(class)} data-counter={name}>
                    { words.get(key) }{ " " }<strong>{ value }</strong>
                </li>
            }
        });
    let anomalies = run.anomalies(words);
    let (outcomes_title, outcomes) = match run {
        Run::Kafka(world) => (Key::LedgerTransactions, kafka_outcomes(world, words)),
        Run::Dual(world) => (Key::LedgerVerdicts, dual_verdicts(world, words)),
    };
    html! {
        <section class="panel worlds-ledger" aria-labelledby="worlds-ledger">
            <h2 id="worlds-ledger">{ words.get(Key::LedgerLabel) }</h2>
            if !summary.quiet {
                <p class="small note">{ words.get(Key::LedgerNotFinished) }</p>
            }
            <ul class="counters">{ for items }</ul>
            <h3>{ words.get(outcomes_title) }</h3>
            { outcomes }
            <h3>{ words.get(Key::LedgerAnomalies) }</h3>
            if anomalies.is_empty() {
                <p class="empty">{ words.get(Key::LedgerNoAnomalies) }</p>
            } else {
                <ul class="anomalies">
                    { for anomalies.into_iter().map(|a| html! { <li>{ a }</li> }) }
                </ul>
            }
        </section>
    }
}
