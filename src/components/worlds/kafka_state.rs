//! The state of a Kafka-transactions run at a step: the transaction coordinator's log,
//! the producer instances and their epochs, each partition's log (records by state,
//! markers, offset commits) with its last stable offset beside its high watermark, and
//! the consumer's positions. Drawn as lists and tables, read from the core's world.

use mqlab_sim::kafka_txn::{
    partition_name, KafkaTxnWorld, PartitionEntry, RecordState, TxnNode, TxnState, OFFSETS,
    TOPIC_PARTITIONS,
};
use mqlab_text::worlds::Key;
use mqlab_text::Words;
use yew::prelude::*;

/// A transaction state's class, for its colour beside its name.
fn state_class(state: TxnState) -> &'static str {
    match state {
        TxnState::Empty => "txn-empty",
        TxnState::Ongoing => "txn-ongoing",
        TxnState::PrepareCommit | TxnState::PrepareAbort => "txn-prepare",
        TxnState::CompleteCommit => "txn-commit",
        TxnState::CompleteAbort => "txn-abort",
    }
}

fn node_state(words: &Words, up: bool) -> Html {
    html! {
        <span class={classes!("node-state", if up { "up" } else { "down" })}>
            { words.get(if up { Key::NodeUp } else { Key::NodeDown }) }
        </span>
    }
}

fn coordinator(world: &KafkaTxnWorld, words: &Words) -> Html {
    let log = world.transaction_log_entries();
    let rows = log.iter().enumerate().map(|(index, entry)| {
        let partitions = entry
            .partitions
            .iter()
            .map(|p| partition_name(*p))
            .collect::<Vec<_>>()
            .join(", ");
        let current = index + 1 == log.len();
        html! {
            <tr class={classes!(current.then_some("current"))}>
                <td>{ format!("t{}", entry.txn) }</td>
                <td><span class={classes!("txn-state", state_class(entry.state))}>{ entry.state.as_str() }</span></td>
                <td>{ entry.epoch }</td>
                <td>{ partitions }</td>
            </tr>
        }
    });
    html! {
        <section class="worlds-box coordinator-log" aria-labelledby="worlds-coordinator">
            <h3 id="worlds-coordinator">
                { words.get(Key::KafkaCoordinator) }
                { " " }{ node_state(words, world.is_up(TxnNode::Coordinator)) }
            </h3>
            if log.is_empty() {
                <p class="empty">{ words.get(Key::KafkaLogEmpty) }</p>
            } else {
                <div class="table-scroll" tabindex="0">
                    <table>
                        <thead><tr>
                            <th scope="col">{ words.get(Key::KafkaColTxn) }</th>
                            <th scope="col">{ words.get(Key::KafkaColState) }</th>
                            <th scope="col">{ words.get(Key::KafkaColEpoch) }</th>
                            <th scope="col">{ words.get(Key::KafkaColPartitions) }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        </section>
    }
}

fn producers(world: &KafkaTxnWorld, words: &Words) -> Html {
    let items = world.producers().into_iter().map(|(node, epoch, up)| {
        html! {
            <li>
                <strong>{ node.name() }</strong>{ " " }
                { words.fill(Key::KafkaEpoch, &[("epoch", epoch.into())]) }{ " " }
                { node_state(words, up) }
            </li>
        }
    });
    html! {
        <section class="worlds-box" aria-labelledby="worlds-producers">
            <h3 id="worlds-producers">{ words.get(Key::KafkaProducers) }</h3>
            <ul class="plain">{ for items }</ul>
            <p class="small">
                { words.fill(Key::KafkaConsumerAt, &[("positions", world.consumer_positions().iter().enumerate()
                    .map(|(p, o)| format!("{} {o}", partition_name(p as u8))).collect::<Vec<_>>().join(", ").into())]) }
                { " " }{ node_state(words, world.is_up(TxnNode::Consumer)) }
            </p>
        </section>
    }
}

/// One entry of a partition's log, as a cell.
fn entry_cell(
    words: &Words,
    offset: usize,
    entry: &PartitionEntry,
    lso: u32,
    position: Option<u32>,
) -> Html {
    let (class, label, title) = match entry {
        PartitionEntry::Record { message, state, .. } => {
            let (class, key) = match state {
                RecordState::Open => ("rec-open", Key::KafkaRecordOpen),
                RecordState::Committed => ("rec-committed", Key::KafkaRecordCommitted),
                RecordState::Aborted => ("rec-aborted", Key::KafkaRecordAborted),
            };
            (class, format!("m{message}"), words.get(key).to_string())
        }
        PartitionEntry::Offset { consumed, state } => {
            let class = match state {
                RecordState::Open => "rec-open",
                RecordState::Committed => "rec-committed",
                RecordState::Aborted => "rec-aborted",
            };
            (
                class,
                format!("@{consumed}"),
                words.fill(Key::KafkaOffsetCommit, &[("count", (*consumed).into())]),
            )
        }
        PartitionEntry::Marker { commit, txn } => (
            if *commit {
                "marker-commit"
            } else {
                "marker-abort"
            },
            format!("{} t{txn}", if *commit { "COMMIT" } else { "ABORT" }),
            words
                .get(if *commit {
                    Key::KafkaMarkerCommit
                } else {
                    Key::KafkaMarkerAbort
                })
                .to_string(),
        ),
    };
    let offset = offset as u32;
    let beyond = offset >= lso;
    html! {
        <li class={classes!("cell", class, beyond.then_some("beyond-lso"), (Some(offset) == position).then_some("at-position"))}
            title={format!("{offset}: {title}")}>
            <span class="offset">{ offset }</span>
            <span class="what">{ label }</span>
            <span class="state">{ title }</span>
        </li>
    }
}

fn partitions(world: &KafkaTxnWorld, words: &Words) -> Html {
    let rows = (0..=OFFSETS).map(|p| {
        let log = world.partition_log(p);
        let lso = world.last_stable_offset(p);
        let hw = world.high_watermark(p);
        let position = (p < TOPIC_PARTITIONS)
            .then(|| world.consumer_positions().get(usize::from(p)).copied())
            .flatten();
        html! {
            <li class="partition" data-partition={partition_name(p)}>
                <div class="partition-head">
                    <strong>{ partition_name(p) }</strong>
                    <span class="mark lso" data-lso={lso.to_string()}>{ words.fill(Key::KafkaLso, &[("offset", lso.into())]) }</span>
                    <span class="mark hw" data-hw={hw.to_string()}>{ words.fill(Key::KafkaHw, &[("offset", hw.into())]) }</span>
                    if let Some(position) = position {
                        <span class="mark position">{ words.fill(Key::KafkaPosition, &[("offset", position.into())]) }</span>
                    }
                    <span class="mark epoch">{ words.fill(Key::KafkaEpoch, &[("epoch", world.partition_epoch(p).into())]) }</span>
                </div>
                if log.is_empty() {
                    <p class="empty">{ words.get(Key::KafkaLogEmpty) }</p>
                } else {
                    <ol class="plog">
                        { for log.iter().enumerate().map(|(o, e)| entry_cell(words, o, e, lso, position)) }
                    </ol>
                }
            </li>
        }
    });
    html! {
        <section class="worlds-box partitions" aria-labelledby="worlds-partitions">
            <h3 id="worlds-partitions">
                { words.get(Key::KafkaPartitions) }{ " " }
                { node_state(words, world.is_up(TxnNode::Broker)) }
            </h3>
            <p class="legend small">{ words.get(Key::KafkaLegend) }</p>
            <ul class="plain">{ for rows }</ul>
        </section>
    }
}

/// The whole state of the run.
pub fn kafka_state(world: &KafkaTxnWorld, words: &Words) -> Html {
    html! {
        <div class="worlds-state kafka">
            { coordinator(world, words) }
            { producers(world, words) }
            { partitions(world, words) }
        </div>
    }
}
