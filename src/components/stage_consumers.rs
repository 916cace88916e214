//! What the stage draws of many consumers: in Kafka style the topic's partitions inside
//! the broker, with each group's committed offset and lag, and the group coordinators'
//! generations; each member's group, partitions and position, or that it is idle,
//! joining, silent or gone. In RabbitMQ style, the queue's ready messages and what each
//! consumer holds unacknowledged (redeliveries marked ↻). And the dead letters, drawn
//! as a node of their own. Everything comes from the core's snapshot.

use mqlab_sim::{
    DeadLetterView, GroupsView, MemberState, MemberView, MessageId, NodeId, QueueView,
};
use mqlab_text::simulator::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::decimal::tenths;

/// A partition row's height inside the broker's box, and its first record's left edge.
pub const ROW_HEIGHT: f64 = 17.0;
const CELL_LEFT: f64 = -146.0;
const CELL_WIDTH: f64 = 22.0;
/// The latest records a partition's row shows.
const ROW_RECORDS: usize = 8;
/// The cells of a row are placed from a multiple of this offset (see `topic_rows`).
const CELL_BASE: u32 = 64;
/// Half the width of the broker's box when it holds a topic.
pub const TOPIC_HALF_WIDTH: f64 = 170.0;
/// Room in the broker's box for its title above the rows and its status below them.
const TOPIC_HEAD: f64 = 34.0;
const TOPIC_FOOT: f64 = 24.0;

/// Half the height of the broker's box when it holds the topic's partitions and a line
/// per group coordinator.
pub fn topic_half_height(groups: &GroupsView) -> f64 {
    let rows = groups.partitions.len() + groups.groups.len();
    (TOPIC_HEAD + rows as f64 * ROW_HEIGHT + TOPIC_FOOT) / 2.0
}

fn message_words(messages: &[MessageId], most: usize) -> String {
    let mut words: Vec<String> = messages.iter().take(most).map(|m| m.to_string()).collect();
    if messages.len() > most {
        words.push("…".to_string());
    }
    words.join(" ")
}

/// The topic inside the broker's box (centred on the box): a row per partition with its
/// latest records, each group's committed offset as a mark in the group's colour, and
/// the end offset and lags; then a line per group coordinator.
pub fn topic_rows(words: &Words, groups: &GroupsView, half_height: f64, broker_up: bool) -> Html {
    let top = -half_height + TOPIC_HEAD;
    let rows = groups.partitions.iter().enumerate().map(|(row, partition)| {
        let y = top + row as f64 * ROW_HEIGHT;
        let skip = partition.records.len().saturating_sub(ROW_RECORDS);
        let first_offset = partition.first_offset + skip as u32;
        let x_of = |offset: u32| {
            CELL_LEFT + f64::from(offset.saturating_sub(first_offset)) * CELL_WIDTH
        };
        // The cells sit at offsets counted from `base`, in a group moved left by the
        // window's start: a new record adds one cell and moves the group, and the cells
        // already drawn keep their text and place (keyed by offset), so a busy topic
        // costs the browser little at each step. `base` keeps the numbers small.
        let base = first_offset - first_offset % CELL_BASE;
        let cells = partition.records[skip..].iter().zip(first_offset..).map(|(message, offset)| {
            let x = CELL_LEFT + f64::from(offset - base) * CELL_WIDTH;
            html! {
                <g key={offset}>
                    <rect class="cell" x={tenths(x)} y={tenths(y)} width={tenths(CELL_WIDTH - 2.0)} height="14"><title>{ words.fill(Key::TopicCellTitle, &[("partition", partition.partition.into()), ("offset", offset.into()), ("message", message.to_string().into())]) }</title></rect>
                    <text x={tenths(x + CELL_WIDTH / 2.0 - 0.5)} y={tenths(y + 11.0)} text-anchor="middle">{ message.0.to_string() }</text>
                </g>
            }
        });
        let window_left = tenths(-f64::from(first_offset - base) * CELL_WIDTH);
        let marks = partition.committed.iter().enumerate().map(|(g, &committed)| {
            let x = x_of(committed.max(first_offset)) - 1.0 + g as f64 * 2.0;
            html! {
                <line class={classes!("commit-mark", format!("g{g}"))} x1={tenths(x)} x2={tenths(x)}
                      y1={tenths(y - 2.0)} y2={tenths(y + 16.0)}>
                    <title>{ words.fill(Key::TopicCommitTitle, &[("group", (g + 1).into()), ("offset", committed.into())]) }</title>
                </line>
            }
        });
        let lags: Vec<String> = (0..partition.committed.len()).map(|g| partition.lag(g).to_string()).collect();
        let start = if first_offset > 0 { "…" } else { "" };
        html! {
            <g class="partition">
                <text class="row-label" x="-166" y={tenths(y + 11.0)}>{ format!("{start}p{}", partition.partition) }</text>
                <g transform={format!("translate({window_left},0)")}>{ for cells }</g>
                { for marks }
                <text class="row-end" x="164" y={tenths(y + 11.0)} text-anchor="end">
                    { words.fill(Key::TopicRowEnd, &[("end", partition.end_offset.into()), ("lags", lags.join("/").into())]) }
                </text>
            </g>
        }
    });
    let coordinators = groups.groups.iter().enumerate().map(|(row, group)| {
        let y = top + (groups.partitions.len() + row) as f64 * ROW_HEIGHT + 12.0;
        let state = words.get(if !broker_up {
            Key::GroupCoordinatorDown
        } else if group.rebalancing {
            Key::GroupRebalancing
        } else if group.generation == 0 {
            Key::GroupForming
        } else {
            Key::GroupStable
        });
        html! {
            <text class={classes!("coordinator-line", format!("g{}", group.group))} x="-166" y={tenths(y)}>
                { words.fill(Key::GroupLine, &[("group", (group.group + 1).into()), ("generation", group.generation.into()), ("state", state.into())]) }
            </text>
        }
    });
    html! { <g class="log topic">{ for rows }{ for coordinators }</g> }
}

/// Where the broker's status line sits in a box of this half height.
pub fn topic_status_y(half_height: f64) -> f64 {
    half_height - 8.0
}

/// A member's title and status line.
pub fn member_caption(words: &Words, member: &MemberView) -> (String, String) {
    let title = words.fill(
        Key::MemberTitle,
        &[
            ("node", crate::words::node_title(words, member.node).into()),
            ("group", (member.group + 1).into()),
        ],
    );
    let sub = match member.state {
        MemberState::Owning => {
            let owned: Vec<String> = member
                .owned
                .iter()
                .map(|o| {
                    let paused = if o.paused { "⏸" } else { "" };
                    match o.position {
                        Some(at) => format!("p{}{paused}@{at}", o.partition),
                        None => {
                            words.fill(Key::MemberFromCommit, &[("partition", o.partition.into())])
                        }
                    }
                })
                .collect();
            words.fill(
                Key::MemberOwning,
                &[
                    ("generation", member.generation.into()),
                    ("owned", owned.join(" ").into()),
                ],
            )
        }
        MemberState::Idle => {
            words.fill(Key::MemberIdle, &[("generation", member.generation.into())])
        }
        MemberState::Joining => words.get(Key::MemberJoining).to_string(),
        MemberState::Silent => words.get(Key::MemberSilent).to_string(),
        MemberState::Gone => words.get(Key::MemberGone).to_string(),
    };
    (title, sub)
}

/// A competing consumer's status line: what it holds unacknowledged.
pub fn queue_consumer_line(words: &Words, queue: &QueueView, node: NodeId) -> Option<String> {
    let held = queue.unacked.get(usize::from(node.instance()))?;
    let listed: Vec<String> = held
        .iter()
        .take(5)
        .map(|u| {
            if u.redelivered {
                format!("↻{}", u.message)
            } else {
                u.message.to_string()
            }
        })
        .collect();
    let more = if held.len() > 5 { " …" } else { "" };
    let listed = listed.join(" ");
    Some(if queue.prefetch == 0 {
        if held.is_empty() {
            words.get(Key::QueueAutoAckEmpty).to_string()
        } else {
            words.fill(
                Key::QueueAutoAck,
                &[("held", listed.into()), ("more", more.into())],
            )
        }
    } else if held.is_empty() {
        words.fill(
            Key::QueueUnackedEmpty,
            &[("prefetch", queue.prefetch.into())],
        )
    } else {
        words.fill(
            Key::QueueUnacked,
            &[
                ("count", held.len().into()),
                ("prefetch", queue.prefetch.into()),
                ("held", listed.into()),
                ("more", more.into()),
            ],
        )
    })
}

/// The queue's status line in the broker's box: its ready messages.
pub fn queue_broker_line(words: &Words, queue: &QueueView) -> Option<String> {
    (queue.ready_count > 0).then(|| {
        words.fill(
            Key::QueueReady,
            &[
                ("count", queue.ready_count.into()),
                ("messages", message_words(&queue.ready, 6).into()),
            ],
        )
    })
}

/// Half the width and height of the dead letters' box.
pub const DEAD_LETTER_HALF: (f64, f64) = (150.0, 22.0);

/// The dead-letter queue (RabbitMQ) or topic (Kafka) as a node of its own, at `(x, y)`,
/// joined to the broker above it.
pub fn dead_letter_node(
    words: &Words,
    dead: &DeadLetterView,
    (x, y): (f64, f64),
    broker_bottom: f64,
) -> Html {
    let (half_width, half_height) = DEAD_LETTER_HALF;
    let name = words
        .get(if dead.topic {
            Key::DeadTopic
        } else {
            Key::DeadQueue
        })
        .to_string();
    let content = if dead.messages.is_empty() {
        words.get(Key::DeadEmpty).to_string()
    } else {
        format!(
            "{} · {}",
            dead.messages.len(),
            message_words(&dead.messages, 8)
        )
    };
    html! {
        <g class="dead-letters">
            <line class="link dead-letter-link" x1={tenths(x)} x2={tenths(x)}
                  y1={tenths(broker_bottom)} y2={tenths(y - half_height)} marker-end="url(#arrow)" />
            <g class="node dead-letter" transform={format!("translate({},{})", tenths(x), tenths(y))}>
                <rect class="node-box" x={tenths(-half_width)} y={tenths(-half_height)}
                      width={tenths(2.0 * half_width)} height={tenths(2.0 * half_height)} rx="10" />
                <text class="node-title" text-anchor="middle" y="-3">{ name }</text>
                <text class="node-sub" text-anchor="middle" y="14">{ content }</text>
            </g>
        </g>
    }
}
