//! The comparisons of the Transactions view, drawn from the model's runs: Kafka
//! transactions against XA 2PC on the same seed and crash point (who blocks and how
//! long, what each makes atomic, their verdicts), and the dual-write patterns side by
//! side on the same seed and fault (verdicts and costs, a table and a bar chart).

use mqlab_sim::outbox::Costs;
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

use super::model::{PatternOutcome, ProtocolOutcome};
use crate::decimal::{fixed_point, tenths};

fn point_name(words: &Words, point: Option<mqlab_sim::CrashPoint>) -> String {
    point.map_or_else(
        || words.get(Key::FormCrashNone).to_string(),
        |p| p.as_str().to_string(),
    )
}

/// Kafka transactions beside XA 2PC.
pub fn protocol_compare(outcomes: &[ProtocolOutcome; 2], words: &Words) -> Html {
    let rows = outcomes.iter().zip([
        (
            "kafka",
            Key::CompareKafka,
            Key::CompareKafkaBlocks,
            Key::CompareKafkaAtomic,
        ),
        (
            "xa",
            Key::CompareXa,
            Key::CompareXaBlocks,
            Key::CompareXaAtomic,
        ),
    ]);
    let rows = rows.map(|(outcome, (id, name, blocks, atomic))| {
        let cells = match &outcome.result {
            Ok(result) => {
                let s = &result.summary;
                html! {
                    <>
                        <td>{ words.get(blocks) }</td>
                        <td class="num" data-field="blocked_ticks">{ result.blocked_ticks }</td>
                        <td>{ words.get(atomic) }</td>
                        <td class="num" data-field="exactly_once">{ s.exactly_once }</td>
                        <td class="num" data-field="lost">{ s.lost }</td>
                        <td class="num" data-field="duplicated">{ s.duplicated }</td>
                        <td class="anomaly-cell">
                            if result.anomalies.is_empty() {
                                { words.get(Key::LedgerNoAnomalies) }
                            } else {
                                <ul>{ for result.anomalies.iter().map(|a| html! { <li>{ a }</li> }) }</ul>
                            }
                        </td>
                    </>
                }
            }
            Err(reason) => html! {
                <td colspan="7" class="refused">{ words.fill(Key::CompareRefused, &[("reason", reason.as_str().into())]) }</td>
            },
        };
        html! {
            <tr data-protocol={id}>
                <th scope="row">{ words.get(name) }</th>
                <td><code>{ point_name(words, outcome.point) }</code></td>
                { cells }
            </tr>
        }
    });
    html! {
        <div class="worlds-compare" id="worlds-compare-protocols">
            <p class="small">{ words.get(Key::CompareProtocolsIntro) }</p>
            <div class="table-scroll" tabindex="0">
                <table>
                    <thead><tr>
                        <th scope="col">{ words.get(Key::CompareColProtocol) }</th>
                        <th scope="col">{ words.get(Key::CompareColCrash) }</th>
                        <th scope="col">{ words.get(Key::CompareColBlocks) }</th>
                        <th scope="col">{ words.get(Key::CompareColBlockedTicks) }</th>
                        <th scope="col">{ words.get(Key::CompareColAtomic) }</th>
                        <th scope="col">{ words.get(Key::CounterExactlyOnce) }</th>
                        <th scope="col">{ words.get(Key::CounterLost) }</th>
                        <th scope="col">{ words.get(Key::CounterDuplicated) }</th>
                        <th scope="col">{ words.get(Key::LedgerAnomalies) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </div>
    }
}

/// The three costs per event the chart draws, with their labels and classes.
fn costs_per_event(costs: &Costs) -> [(Key, &'static str, f64); 3] {
    [
        (
            Key::CompareColMessages,
            "bar-messages",
            costs.messages_per_event,
        ),
        (
            Key::CompareColRoundTrips,
            "bar-round-trips",
            costs.round_trips_per_event,
        ),
        (
            Key::CompareColDiskWrites,
            "bar-disk-writes",
            costs.disk_writes_per_event,
        ),
    ]
}

/// The patterns' costs per event as horizontal bars, three per pattern.
fn chart(rows: &[PatternOutcome], words: &Words) -> Html {
    let ran: Vec<(&str, &Costs)> = rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|(_, c)| (r.pattern.as_str(), c)))
        .collect();
    let most = ran
        .iter()
        .flat_map(|(_, c)| costs_per_event(c).map(|(_, _, v)| v))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let (label_width, bar_width, bar, gap) = (150.0, 300.0, 10.0, 8.0);
    let group = 3.0 * bar + gap;
    let height = group * ran.len() as f64 + 30.0;
    let groups = ran.iter().enumerate().map(|(i, (name, costs))| {
        let top = i as f64 * group;
        let bars = costs_per_event(costs).into_iter().enumerate().map(|(j, (_, class, value))| {
            let y = top + j as f64 * bar;
            let w = bar_width * value / most;
            html! {
                <g>
                    <rect class={class} x={tenths(label_width)} y={tenths(y)} width={tenths(w)} height={tenths(bar - 1.0)} />
                    <text class="bar-value" x={tenths(label_width + w + 4.0)} y={tenths(y + bar - 2.0)}>{ tenths(value) }</text>
                </g>
            }
        });
        html! {
            <g>
                <text class="bar-label" x="0" y={tenths(top + 1.5 * bar + 3.0)}>{ *name }</text>
                { for bars }
            </g>
        }
    });
    let legend_y = group * ran.len() as f64 + 14.0;
    let legend = costs_per_event(&Costs::default())
        .into_iter()
        .enumerate()
        .map(|(j, (key, class, _))| {
            let x = j as f64 * 175.0;
            html! {
                <g>
                    <rect class={class} x={tenths(x)} y={tenths(legend_y - 9.0)} width="10" height="10" />
                    <text class="bar-legend" x={tenths(x + 14.0)} y={tenths(legend_y)}>{ words.get(key) }</text>
                </g>
            }
        });
    html! {
        <figure class="worlds-chart">
            <svg viewBox={format!("0 0 520 {}", tenths(height))} role="img" aria-labelledby="worlds-chart-title">
                <title id="worlds-chart-title">{ words.get(Key::CompareChartTitle) }</title>
                { for groups }
                { for legend }
            </svg>
            <figcaption class="small">{ words.get(Key::CompareChartTitle) }</figcaption>
        </figure>
    }
}

/// The dual-write patterns side by side.
pub fn pattern_compare(rows: &[PatternOutcome], words: &Words) -> Html {
    let body = rows.iter().map(|row| {
        let cells = match &row.result {
            Ok((s, c)) => html! {
                <>
                    <td class="num" data-field="exactly_once">{ s.exactly_once }</td>
                    <td class="num" data-field="lost">{ s.lost }</td>
                    <td class="num" data-field="duplicated">{ s.duplicated }</td>
                    <td class="num" data-field="state_without_event">{ s.state_without_event }</td>
                    <td class="num" data-field="event_without_state">{ s.event_without_state }</td>
                    <td class="num" data-field="broker_duplicates">{ s.broker_duplicates }</td>
                    <td class="num" data-field="messages_per_event">{ tenths(c.messages_per_event) }</td>
                    <td class="num" data-field="messages_per_tick">{ fixed_point((c.messages_per_tick * 100.0).round() as i64, 2) }</td>
                    <td class="num">{ tenths(c.round_trips_per_event) }</td>
                    <td class="num">{ tenths(c.disk_writes_per_event) }</td>
                    <td class="num">{ c.blocked_ticks }</td>
                    <td class="num">{ tenths(c.latency_ticks_mean) }</td>
                </>
            },
            Err(reason) => html! {
                <td colspan="12" class="refused">{ words.fill(Key::CompareRefused, &[("reason", reason.as_str().into())]) }</td>
            },
        };
        html! {
            <tr data-pattern={row.pattern.as_str()}>
                <th scope="row"><code>{ row.pattern.as_str() }</code></th>
                { cells }
            </tr>
        }
    });
    html! {
        <div class="worlds-compare" id="worlds-compare-patterns">
            <p class="small">{ words.get(Key::ComparePatternsIntro) }</p>
            <div class="table-scroll" tabindex="0">
                <table>
                    <thead><tr>
                        <th scope="col">{ words.get(Key::CompareColPattern) }</th>
                        <th scope="col">{ words.get(Key::CounterExactlyOnce) }</th>
                        <th scope="col">{ words.get(Key::CounterLost) }</th>
                        <th scope="col">{ words.get(Key::CounterDuplicated) }</th>
                        <th scope="col">{ words.get(Key::CounterStateWithoutEvent) }</th>
                        <th scope="col">{ words.get(Key::CounterEventWithoutState) }</th>
                        <th scope="col">{ words.get(Key::CounterBrokerDuplicates) }</th>
                        <th scope="col">{ words.get(Key::CompareColMessages) }</th>
                        <th scope="col">{ words.get(Key::CompareColMessagesPerTick) }</th>
                        <th scope="col">{ words.get(Key::CompareColRoundTrips) }</th>
                        <th scope="col">{ words.get(Key::CompareColDiskWrites) }</th>
                        <th scope="col">{ words.get(Key::CompareColBlockedTicks) }</th>
                        <th scope="col">{ words.get(Key::CompareColLatency) }</th>
                    </tr></thead>
                    <tbody>{ for body }</tbody>
                </table>
            </div>
            { chart(rows, words) }
        </div>
    }
}
