//! The stage: the pipeline drawn in SVG, with every envelope in flight as a labelled token
//! moving along its link, and under each node its disk and its memory.
//!
//! Animation only interpolates between two core snapshots: a display tick glides from
//! the previous snapshot's tick to the current one with requestAnimationFrame, and each
//! token is drawn where that tick puts it between its send and arrival ticks. Nothing here
//! feeds back into the simulation.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use mqlab_sim::{
    EventKind, InFlight, LinkId, MessageId, MessageKind, NodeId, NodeView, ReplicaView, RoleKind,
    Snapshot, Topology, TraceEvent,
};
use mqlab_text::simulator::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::narration::{carries_business, step_after};
use crate::components::stage_consumers::{self, DEAD_LETTER_HALF};
use crate::decimal::tenths;
use crate::words::current as words_now;

/// The height of the whole drawing of a single pipeline, with the coordinator's strip
/// above it ("0 0 960 380").
const FULL_HEIGHT: f64 = 380.0;
/// Where the pipeline alone starts, for the modes without a coordinator ("0 186 960 194").
const PIPELINE_TOP: f64 = 186.0;

/// The short word for a network message that is not an application message.
fn control_word(kind: MessageKind) -> Key {
    match kind {
        MessageKind::Publish | MessageKind::Deliver => Key::KindMessage,
        MessageKind::Confirm => Key::KindConfirm,
        MessageKind::Ack => Key::KindAck,
        MessageKind::Prepare => Key::KindPrepare,
        MessageKind::VoteYes | MessageKind::VoteNo => Key::KindVote,
        MessageKind::Commit => Key::KindCommit,
        MessageKind::Abort => Key::KindAbort,
        MessageKind::Committed => Key::KindDone,
        MessageKind::Query => Key::KindQuery,
        MessageKind::Begin => Key::KindBegin,
        MessageKind::WorkDone => Key::KindWorkDone,
        MessageKind::Reject => Key::KindReject,
        MessageKind::Nack => Key::KindNack,
        MessageKind::Fetch => Key::KindFetch,
        MessageKind::FetchResponse => Key::KindFetchResponse,
        MessageKind::EpochQuery => Key::KindEpochQuery,
        MessageKind::EpochAnswer => Key::KindEpochAnswer,
        MessageKind::LeaderAndIsr => Key::KindLeaderAndIsr,
        MessageKind::AlterIsr => Key::KindAlterIsr,
        MessageKind::NotEnoughReplicas => Key::KindError,
        MessageKind::JoinGroup | MessageKind::Assignment | MessageKind::Rebalance => Key::KindGroup,
        MessageKind::OffsetCommit | MessageKind::CommitResponse => Key::KindCommit,
    }
}

/// The mark an event leaves on the stage: a cross where a message was lost (red for an
/// application message, grey and dashed for a control message such as an ack or a
/// coordinator query), a burst where a node crashed.
fn event_mark(words: &Words, layout: Layout, event: &TraceEvent) -> Option<Html> {
    match event.kind {
        EventKind::Drop | EventKind::ArriveWhileDown => {
            let link = event.link?;
            let (_, (x, y)) = layout.lane(link);
            let business = carries_business(event.message_kind);
            let kind = words.get(event.message_kind.map_or(Key::KindMessage, control_word));
            let text = match (business, event.kind == EventKind::Drop) {
                (true, true) => words.get(Key::MarkLost).to_string(),
                (true, false) => words.get(Key::MarkNodeDown).to_string(),
                (false, true) => words.fill(Key::MarkControlLost, &[("kind", kind.into())]),
                (false, false) => words.fill(Key::MarkControlLostDown, &[("kind", kind.into())]),
            };
            let class = classes!("mark", "lost", (!business).then_some("control"));
            Some(
                html! { <g class={class} transform={format!("translate({},{})", tenths(x), tenths(y))}>
                    <circle r="13" /><text text-anchor="middle" y="28">{ text }</text>
                    <path d="M-6 -6 L6 6 M6 -6 L-6 6" />
                </g> },
            )
        }
        _ if event.kind == EventKind::Crash || event.crash.is_some() => {
            let (x, y) = layout.position(event.node);
            if layout.replicated() && event.node.role() == RoleKind::Broker {
                // Replicas stack closely: the mark goes beside the box, not above it.
                let x = x - REPLICA_HALF_WIDTH - 8.0;
                return Some(
                    html! { <g class="mark crash" transform={format!("translate({},{})", tenths(x), tenths(y + 5.0))}>
                        <text text-anchor="end">{ words.get(Key::MarkCrash) }</text>
                    </g> },
                );
            }
            Some(
                html! { <g class="mark crash" transform={format!("translate({},{})", tenths(x), tenths(y - NODE_HALF_HEIGHT - 14.0))}>
                    <text text-anchor="middle">{ words.get(Key::MarkCrash) }</text>
                </g> },
            )
        }
        _ => None,
    }
}

#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub snapshot: Snapshot,
    /// The latest trace event, to mark drops and crashes where they happened.
    #[prop_or_default]
    pub last_event: Option<TraceEvent>,
    /// How long the glide from one snapshot to the next lasts, in milliseconds.
    #[prop_or(300)]
    pub step_ms: u32,
    /// Drawn right under the drawing, above the nodes' cards (the lag plots).
    #[prop_or_default]
    pub children: Html,
    /// The nodes' cards, when the caller refreshes them at its own pace (the simulator
    /// playing fast redraws its long lists about once a second); else the snapshot's.
    #[prop_or_default]
    pub cards: Option<Rc<Vec<NodeView>>>,
}

/// How far apart the instances of one role sit, centre to centre, in SVG user units: a
/// node box is 84 high, so two stacked boxes keep a gap between them.
const ROW_GAP: f64 = 100.0;

/// Where the nodes of a run sit on the stage: roles in columns (producers, broker,
/// consumers), the instances of a role stacked and centred on the tallest column, the
/// coordinator above. One node of each role gives the drawing of a single pipeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    producers: u16,
    brokers: u16,
    consumers: u16,
    /// Half the height of the broker's box when it holds a topic's partitions (Kafka
    /// style); 0 for a plain broker.
    topic_half_height: f64,
    /// A dead-letter queue or topic is drawn below the broker.
    dead_letters: bool,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout::of(&[NodeId::PRODUCER, NodeId::BROKER, NodeId::CONSUMER])
    }
}

/// The gap between the broker's box and the dead letters' box below it.
const DEAD_LETTER_GAP: f64 = 40.0;

impl Layout {
    /// The layout of the nodes a snapshot lists: each role's column is as tall as its
    /// highest instance.
    pub fn of(nodes: &[NodeId]) -> Layout {
        let count = |role: RoleKind| {
            nodes
                .iter()
                .filter(|node| node.role() == role)
                .map(|node| u16::from(node.instance()) + 1)
                .max()
                .unwrap_or(1)
        };
        Layout {
            producers: count(RoleKind::Producer),
            brokers: count(RoleKind::Broker),
            consumers: count(RoleKind::Consumer),
            topic_half_height: 0.0,
            dead_letters: false,
        }
    }

    /// The layout of a snapshot's nodes, with room for a topic's partitions in the
    /// broker and for the dead letters below it.
    pub fn of_snapshot(snapshot: &Snapshot) -> Layout {
        let nodes: Vec<NodeId> = snapshot.nodes.iter().map(|n| n.id).collect();
        Layout {
            topic_half_height: snapshot
                .groups
                .as_ref()
                .map_or(0.0, stage_consumers::topic_half_height),
            dead_letters: snapshot.dead_letters.is_some(),
            ..Layout::of(&nodes)
        }
    }

    /// The topology these columns hold (for its links).
    pub fn topology(self) -> Topology {
        Topology {
            producers: self.producers,
            brokers: self.brokers,
            consumers: self.consumers,
        }
    }

    /// How many nodes the tallest column stacks.
    fn rows(self) -> u16 {
        self.producers.max(self.brokers).max(self.consumers).max(1)
    }

    /// How much taller than a single pipeline the rows of nodes are: the stacked rows,
    /// or a broker's box that holds a topic.
    fn rows_height(self) -> f64 {
        let rows = f64::from(self.rows() - 1) * ROW_GAP;
        let topic = 2.0 * (self.topic_half_height - NODE_HALF_HEIGHT);
        rows.max(topic)
    }

    /// How much taller than a single pipeline the drawing is: the rows of nodes, and
    /// room below the broker for the dead letters' box.
    pub fn extra_height(self) -> f64 {
        let rows = self.rows_height();
        if !self.dead_letters {
            return rows;
        }
        let (_, y) = self.dead_letter_position();
        rows.max(y + DEAD_LETTER_HALF.1 + 30.0 - FULL_HEIGHT)
    }

    /// Where the dead letters' box sits: below the broker.
    pub fn dead_letter_position(self) -> (f64, f64) {
        let middle = 300.0 + self.rows_height() / 2.0;
        let broker_half = if self.topic_half_height > 0.0 {
            self.topic_half_height
        } else {
            NODE_HALF_HEIGHT
        };
        (
            480.0,
            middle + broker_half + DEAD_LETTER_GAP + DEAD_LETTER_HALF.1,
        )
    }

    /// True when the queue is replicated over several brokers (a controller joins).
    pub fn replicated(self) -> bool {
        self.brokers > 1
    }

    /// Half the width and half the height of a node's box.
    fn half_size(self, node: NodeId) -> (f64, f64) {
        match node.role() {
            RoleKind::Broker if self.replicated() => (REPLICA_HALF_WIDTH, NODE_HALF_HEIGHT),
            RoleKind::Broker if self.topic_half_height > 0.0 => {
                (stage_consumers::TOPIC_HALF_WIDTH, self.topic_half_height)
            }
            RoleKind::Controller => (CONTROLLER_HALF_WIDTH, CONTROLLER_HALF_HEIGHT),
            _ => (NODE_HALF_WIDTH, NODE_HALF_HEIGHT),
        }
    }

    /// Where a node sits, in SVG user units.
    pub fn position(self, node: NodeId) -> (f64, f64) {
        let (x, column) = match node.role() {
            RoleKind::Producer => (130.0, self.producers),
            RoleKind::Broker => (480.0, self.brokers),
            RoleKind::Consumer => (830.0, self.consumers),
            RoleKind::Coordinator => return (480.0, 80.0),
            RoleKind::Controller => return CONTROLLER_AT,
        };
        // The middle of the tallest column; a shorter column is centred on it.
        let middle = 300.0 + self.rows_height() / 2.0;
        let offset = f64::from(node.instance()) - f64::from(column.max(1) - 1) / 2.0;
        (x, middle + offset * ROW_GAP)
    }

    /// The two ends of a link's lane: from the edge of the sender's box to the edge of
    /// the receiver's, shifted sideways so that the way back does not overlap the way
    /// there.
    pub fn lane(self, link: LinkId) -> ((f64, f64), (f64, f64)) {
        let (from, to) = (link.from, link.to);
        if let Some((upper, lower, down)) = self.between_replicas(link) {
            // Both ends on the left edge of the column: the way down starts and ends
            // nearer the middle of the boxes than the way up, so the two arcs nest.
            let x = 480.0 - REPLICA_HALF_WIDTH;
            let inset = if down { 20.0 } else { 4.0 };
            let (top, bottom) = (upper + inset, lower - inset);
            return if down {
                ((x, top), (x, bottom))
            } else {
                ((x, bottom), (x, top))
            };
        }
        // The controller's lanes end at the right edge of a replica's box, so that
        // they run beside the column rather than across the boxes above.
        let end = |node: NodeId, other: NodeId| {
            let (x, y) = self.position(node);
            if node.role() == RoleKind::Broker && other.role() == RoleKind::Controller {
                ((x + REPLICA_HALF_WIDTH, y), (0.0, 0.0))
            } else {
                ((x, y), self.half_size(node))
            }
        };
        let (a, a_half) = end(from, to);
        let (b, b_half) = end(to, from);
        lane_between(a, a_half, b, b_half)
    }

    /// For a link between two replicas: the two boxes' centres (upper, lower) and
    /// whether it runs downwards.
    fn between_replicas(self, link: LinkId) -> Option<(f64, f64, bool)> {
        if !(link.from.role() == RoleKind::Broker && link.to.role() == RoleKind::Broker) {
            return None;
        }
        let (a, b) = (self.position(link.from).1, self.position(link.to).1);
        Some((a.min(b), a.max(b), a < b))
    }

    /// The control point of a curved lane (between two replicas, bulging to the left of
    /// the column); `None` for a straight one.
    fn curve(self, link: LinkId) -> Option<(f64, f64)> {
        let (upper, lower, down) = self.between_replicas(link)?;
        let rows = (lower - upper) / ROW_GAP;
        let bulge = if down { 30.0 } else { 60.0 } + 40.0 * rows;
        Some((480.0 - REPLICA_HALF_WIDTH - bulge, (upper + lower) / 2.0))
    }

    /// The point a fraction `p` of the way along a link's lane.
    pub fn point(self, link: LinkId, p: f64) -> (f64, f64) {
        let ((x1, y1), (x2, y2)) = self.lane(link);
        match self.curve(link) {
            Some((cx, cy)) => {
                let q = 1.0 - p;
                (
                    q * q * x1 + 2.0 * q * p * cx + p * p * x2,
                    q * q * y1 + 2.0 * q * p * cy + p * p * y2,
                )
            }
            None => (x1 + (x2 - x1) * p, y1 + (y2 - y1) * p),
        }
    }

    /// The SVG path of a link's lane.
    fn path(self, link: LinkId) -> String {
        let ((x1, y1), (x2, y2)) = self.lane(link);
        let to = format!("{} {}", tenths(x2), tenths(y2));
        let via = match self.curve(link) {
            Some((cx, cy)) => format!("Q{} {} ", tenths(cx), tenths(cy)),
            None => "L".to_string(),
        };
        format!("M{} {} {via}{to}", tenths(x1), tenths(y1))
    }

    /// The drawing's view box: the coordinator's strip above the pipeline, or the
    /// pipeline alone for the modes without a coordinator.
    fn view_box(self, with_coordinator: bool) -> String {
        let (top, height) = if with_coordinator {
            (0.0, FULL_HEIGHT)
        } else if self.replicated() {
            (REPLICATED_TOP, FULL_HEIGHT - REPLICATED_TOP)
        } else {
            (PIPELINE_TOP, FULL_HEIGHT - PIPELINE_TOP)
        };
        format!(
            "0 {} 960 {}",
            tenths(top),
            tenths(height + self.extra_height())
        )
    }
}

const NODE_HALF_WIDTH: f64 = 95.0;
const NODE_HALF_HEIGHT: f64 = 42.0;
/// A replica's box is wider than a node's: it holds the replica's log.
const REPLICA_HALF_WIDTH: f64 = 130.0;
/// The controller's box is a slim one, above the gap between the brokers and the
/// consumers (a replicated queue has no coordinator, whose strip it would share).
const CONTROLLER_HALF_WIDTH: f64 = 92.0;
const CONTROLLER_HALF_HEIGHT: f64 = 22.0;
const CONTROLLER_AT: (f64, f64) = (700.0, 214.0);
/// Where a replicated queue's drawing starts: room for the controller above the column.
const REPLICATED_TOP: f64 = 182.0;
/// The width of one record of a replica's log, and where the first one starts.
const CELL_WIDTH: f64 = 24.0;
const LOG_LEFT: f64 = -120.0;
/// Messages in the two directions of a pair of nodes travel on parallel lanes.
const LANE_OFFSET: f64 = 11.0;

/// A lane between two boxes, given their centres and half sizes (see `Layout::lane`).
fn lane_between(
    (ax, ay): (f64, f64),
    a_half: (f64, f64),
    (bx, by): (f64, f64),
    b_half: (f64, f64),
) -> ((f64, f64), (f64, f64)) {
    let (dx, dy) = (bx - ax, by - ay);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    // Distance from a box's centre to its edge along the direction of travel.
    let edge = |(half_width, half_height): (f64, f64)| {
        let tx = if ux.abs() > 1e-9 {
            half_width / ux.abs()
        } else {
            f64::INFINITY
        };
        let ty = if uy.abs() > 1e-9 {
            half_height / uy.abs()
        } else {
            f64::INFINITY
        };
        tx.min(ty) + 6.0
    };
    let (ea, eb) = (edge(a_half), edge(b_half));
    // The lane is on the sender's left-hand side, so each direction has its own.
    let (ox, oy) = (uy * LANE_OFFSET, -ux * LANE_OFFSET);
    (
        (ax + ux * ea + ox, ay + uy * ea + oy),
        (bx - ux * eb + ox, by - uy * eb + oy),
    )
}

/// How far along its lane a token is at a display tick (0 at sending, 1 at arrival).
pub fn progress(envelope: &InFlight, display_tick: f64) -> f64 {
    let span = envelope
        .arrive_tick
        .saturating_sub(envelope.sent_tick)
        .max(1) as f64;
    ((display_tick - envelope.sent_tick as f64) / span).clamp(0.0, 1.0)
}

/// A network message's caption, e.g. "m3", "ack m3", "prep t2": the kind's short word
/// and what it is about (the application message, else the 2PC transaction).
pub fn message_caption(kind: MessageKind, message: Option<MessageId>, txn: Option<u32>) -> String {
    let subject = match (message, txn) {
        (Some(message), _) => message.to_string(),
        (None, Some(txn)) => format!("t{txn}"),
        (None, None) => String::new(),
    };
    let word = match kind {
        MessageKind::Publish | MessageKind::Deliver => "",
        MessageKind::Confirm => "ok ",
        MessageKind::Ack => "ack ",
        MessageKind::Prepare => "prep ",
        MessageKind::VoteYes => "yes ",
        MessageKind::VoteNo => "no ",
        MessageKind::Commit => "commit ",
        MessageKind::Abort => "abort ",
        MessageKind::Committed => "done ",
        MessageKind::Query => "ask ",
        MessageKind::Begin => "begin ",
        MessageKind::WorkDone => "did ",
        MessageKind::Reject => "reject ",
        MessageKind::Nack => "nack ",
        // Replication: the tag is an offset, not a transaction, so only the message
        // (a fetch response's record, a refused write) is named.
        MessageKind::Fetch => return "fetch".into(),
        MessageKind::FetchResponse if message.is_none() => return "hw".into(),
        MessageKind::FetchResponse => "rec ",
        MessageKind::EpochQuery => return "epoch?".into(),
        MessageKind::EpochAnswer => return "epoch".into(),
        MessageKind::LeaderAndIsr => return "leader".into(),
        MessageKind::AlterIsr => return "isr".into(),
        MessageKind::NotEnoughReplicas => "err ",
        MessageKind::JoinGroup | MessageKind::Assignment | MessageKind::Rebalance => "grp ",
        MessageKind::OffsetCommit | MessageKind::CommitResponse => "off ",
    };
    format!("{word}{subject}")
}

/// A token's caption: the message's, marked "↻" for a retry or redelivery and "⇉" for a
/// network duplicate.
pub fn token_label(envelope: &InFlight) -> String {
    // A replication message's attempt is its leader epoch, not a retry.
    let replication = matches!(
        envelope.kind,
        MessageKind::Fetch
            | MessageKind::FetchResponse
            | MessageKind::EpochQuery
            | MessageKind::EpochAnswer
            | MessageKind::LeaderAndIsr
            | MessageKind::AlterIsr
    );
    let retry = if envelope.attempt > 1 && !replication {
        "↻"
    } else {
        ""
    };
    let twin = if envelope.duplicate { "⇉" } else { "" };
    let caption = message_caption(envelope.kind, envelope.message, envelope.txn);
    format!("{retry}{twin}{caption}")
}

fn token_class(envelope: &InFlight) -> Classes {
    classes!(
        "token",
        format!("kind-{}", envelope.kind.as_str()),
        envelope.duplicate.then_some("duplicate"),
        (envelope.attempt > 1).then_some("retry"),
    )
}

/// A token's identity while it crosses its link, so that the page moves the same element
/// from frame to frame instead of relabelling a row of them when one arrives.
fn token_key(envelope: &InFlight) -> String {
    let message = envelope
        .message
        .map(|m| m.0.to_string())
        .unwrap_or_default();
    let txn = envelope.txn.map(|t| t.to_string()).unwrap_or_default();
    format!(
        "{}/{}/{message}/{txn}/{}/{}/{}",
        envelope.link,
        envelope.kind.as_str(),
        envelope.sent_tick,
        envelope.duplicate,
        envelope.attempt
    )
}

/// The keys made unique: the second and later copies of a key get "#2", "#3", … so that
/// equal lines or twin envelopes still have keys of their own.
fn unique_keys(keys: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    keys.map(|key| {
        let count = seen.entry(key.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            key
        } else {
            format!("{key}#{count}")
        }
    })
    .collect()
}

fn prefers_reduced_motion() -> bool {
    gloo::utils::window()
        .match_media("(prefers-reduced-motion: reduce)") // not prose
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}

fn now_ms() -> f64 {
    gloo::utils::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The display tick: follows the snapshot's tick, gliding over `step_ms`.
#[hook]
fn use_display_tick(tick: u64, step_ms: u32) -> f64 {
    let shown = use_state(|| tick as f64);
    let frame: Rc<RefCell<Option<AnimationFrame>>> = use_mut_ref(|| None);
    {
        let shown = shown.clone();
        use_effect_with(tick, move |tick| {
            let target = *tick as f64;
            let from = *shown;
            let duration = f64::from(step_ms.clamp(1, 600));
            if prefers_reduced_motion()
                || (target - from).abs() < 1e-9
                || from > target
                || step_ms < 20
            {
                *frame.borrow_mut() = None;
                shown.set(target);
            } else {
                let start = now_ms();
                fn schedule(
                    frame: Rc<RefCell<Option<AnimationFrame>>>,
                    shown: UseStateHandle<f64>,
                    from: f64,
                    target: f64,
                    start: f64,
                    duration: f64,
                ) {
                    let next = frame.clone();
                    let handle = request_animation_frame(move |now| {
                        let t = ((now - start) / duration).clamp(0.0, 1.0);
                        // Ease out, so a token settles where the core put it.
                        let eased = 1.0 - (1.0 - t) * (1.0 - t);
                        shown.set(from + (target - from) * eased);
                        if t < 1.0 {
                            schedule(next, shown, from, target, start, duration);
                        }
                    });
                    *frame.borrow_mut() = Some(handle);
                }
                schedule(frame.clone(), shown.clone(), from, target, start, duration);
            }
            let frame = frame.clone();
            move || drop(frame.borrow_mut().take())
        });
    }
    *shown
}

fn memory_card(words: &Words, node: &NodeView) -> Html {
    let status = if node.up {
        html! { <span class="status ok"><span aria-hidden="true">{ "●" }</span>{ format!(" {}", words.get(Key::CardUp)) }</span> }
    } else {
        html! { <span class="status bad"><span aria-hidden="true">{ "✖" }</span>{ format!(" {}", words.get(Key::CardDown)) }</span> }
    };
    // Keyed lines: when a log grows by one line, the page adds one line and drops one,
    // instead of rewriting the text of every line.
    let lines = |lines: &[String], keys: Vec<String>, empty: &str| -> Html {
        if lines.is_empty() {
            html! { <li class="empty">{ empty.to_string() }</li> }
        } else {
            lines
                .iter()
                .zip(keys)
                .map(|(line, key)| html! { <li key={key}>{ line }</li> })
                .collect()
        }
    };
    let durable_keys = (0..node.durable.len() as u64)
        .map(|i| (node.durable_hidden + i).to_string())
        .collect();
    let volatile_keys = unique_keys(node.volatile.iter().cloned());
    let memory_empty = words.get(if node.up {
        Key::CardEmpty
    } else {
        Key::CardWiped
    });
    html! {
        <section class={classes!("node-card", node.id.role().name(), (!node.up).then_some("down"))}
                 aria-label={words.fill(Key::CardLabel, &[("node", crate::words::node_title(words, node.id).into())])}>
            <header>
                <h2>{ crate::words::node_title(words, node.id) }</h2>
                { status }
                if node.crashes > 0 {
                    <span class="crashes">{ words.fill(Key::CardCrashed, &[("count", node.crashes.into())]) }</span>
                }
            </header>
            <div class="stores">
                <div class="store disk">
                    <h3><span aria-hidden="true">{ "▤ " }</span>{ words.get(Key::CardDisk) }</h3>
                    <ul>
                        if node.durable_hidden > 0 {
                            <li class="more">{ words.fill(Key::CardOlder, &[("count", node.durable_hidden.into())]) }</li>
                        }
                        { lines(&node.durable, durable_keys, words.get(Key::CardEmpty)) }
                    </ul>
                </div>
                <div class="store memory">
                    <h3><span aria-hidden="true">{ "⚡ " }</span>{ words.get(Key::CardMemory) }</h3>
                    <ul>{ lines(&node.volatile, volatile_keys, memory_empty) }</ul>
                </div>
            </div>
        </section>
    }
}

/// A replica's log: one cell per record (its message; those not yet below the high
/// watermark dashed, alternate leader epochs tinted), the high-watermark mark, and the
/// high watermark and log end offset. A replica that is down shows the high watermark
/// on its disk.
fn replica_log(words: &Words, replica: &ReplicaView) -> Html {
    let high_watermark = if replica.up {
        replica.high_watermark
    } else {
        replica.high_watermark_on_disk
    };
    let x_of = |offset: u32| {
        LOG_LEFT + f64::from(offset.saturating_sub(replica.first_offset)) * CELL_WIDTH
    };
    let cells = replica.records.iter().zip(replica.first_offset..).map(|((message, epoch), offset)| {
        let x = x_of(offset);
        let class = classes!("cell", (offset >= high_watermark).then_some("hidden"), (epoch % 2 == 1).then_some("odd-epoch"));
        html! { <>
            <rect class={class} x={tenths(x)} y="-16" width="24" height="22"><title>{ words.fill(Key::ReplicaCellTitle, &[("offset", offset.into()), ("epoch", (*epoch).into())]) }</title></rect>
            <text x={tenths(x + CELL_WIDTH / 2.0)} y="-1" text-anchor="middle">{ message.to_string() }</text>
        </> }
    });
    let hx = tenths(x_of(high_watermark));
    let start = if replica.first_offset > 0 { "… " } else { "" };
    html! {
        <g class="log">
            { for cells }
            <line class="hw-mark" x1={hx.clone()} x2={hx} y1="-19" y2="9" />
            <text class="log-mark" x="-120" y="21">{ format!("{start}HW {high_watermark} · LEO {}", replica.log_end) }</text>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct NodeCardsProps {
    nodes: Rc<Vec<NodeView>>,
}

/// The nodes' disk and memory, in a component of their own: their long lists are laid
/// out and painted again only when a node's lines change.
#[component]
fn NodeCards(props: &NodeCardsProps) -> Html {
    let words = words_now();
    html! {
        <div class="node-cards">
            { for props.nodes.iter().map(|node| memory_card(&words, node)) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TokensProps {
    /// Worked out by the stage once per snapshot, not on every frame of a glide.
    shapes: Rc<Vec<TokenShape>>,
    layout: Layout,
    tick: u64,
    step_ms: u32,
}

/// What a token looks like, worked out once per snapshot; only its position changes from
/// one animation frame to the next.
#[derive(PartialEq)]
struct TokenShape {
    envelope: InFlight,
    key: yew::virtual_dom::Key,
    class: Classes,
    label: AttrValue,
    left: AttrValue,
    width: AttrValue,
}

fn token_shapes(in_flight: &[InFlight], present: &[NodeId]) -> Vec<TokenShape> {
    // Oldest first: a new token joins the end of the list and an arriving one leaves it,
    // so the elements of the tokens still travelling are left where they are.
    let mut shown: Vec<(usize, &InFlight)> = in_flight
        .iter()
        .filter(|f| present.contains(&f.link.from) && present.contains(&f.link.to))
        .enumerate()
        .collect();
    // Those sent at the same tick keep their order (an unstable sort, which the page
    // already carries, with the order as the tie-break).
    shown.sort_unstable_by_key(|&(index, f)| (f.sent_tick, index));
    let shown: Vec<&InFlight> = shown.into_iter().map(|(_, f)| f).collect();
    let keys = unique_keys(shown.iter().map(|envelope| token_key(envelope)));
    shown
        .into_iter()
        .zip(keys)
        .map(|(envelope, key)| {
            let label = token_label(envelope);
            let width = 14.0 + 7.6 * label.chars().count() as f64;
            TokenShape {
                envelope: envelope.clone(),
                key: yew::virtual_dom::Key::from(key),
                class: token_class(envelope),
                label: label.into(),
                left: tenths(-width / 2.0).into(),
                width: tenths(width).into(),
            }
        })
        .collect()
}

/// The tokens in flight, in a component of their own: their glide redraws only them on
/// every animation frame, not the nodes, links and cards around them.
#[component]
fn Tokens(props: &TokensProps) -> Html {
    let display_tick = use_display_tick(props.tick, props.step_ms);
    let tokens = props.shapes.iter().map(|shape| {
        let p = progress(&shape.envelope, display_tick);
        let (x, y) = props.layout.point(shape.envelope.link, p);
        html! {
            <g key={shape.key.clone()} class={shape.class.clone()} transform={format!("translate({},{})", tenths(x), tenths(y))}>
                <rect x={shape.left.clone()} y="-10" width={shape.width.clone()} height="20" rx="10" />
                <text text-anchor="middle" y="4">{ shape.label.clone() }</text>
            </g>
        }
    });
    html! { <g class="tokens">{ for tokens }</g> }
}

#[component]
pub fn Stage(props: &StageProps) -> Html {
    let words = words_now();
    let snapshot = &props.snapshot;
    let present: Vec<NodeId> = snapshot.nodes.iter().map(|n| n.id).collect();
    let layout = Layout::of_snapshot(snapshot);
    let topology = layout.topology();
    let mut links = topology.links(snapshot.mode);
    links.extend(topology.replication_links(snapshot.mode));

    let link_paths = links.iter().map(|&link| {
        let (mx, my) = layout.point(link, 0.5);
        let partitioned = snapshot.partitions.contains(&link);
        let replication = link.from.role() == link.to.role()
            || link.to.role() == RoleKind::Controller
            || link.from.role() == RoleKind::Controller;
        html! {
            <g class={classes!("link-group", partitioned.then_some("partitioned"))}>
                <path class={classes!("link", partitioned.then_some("partitioned"), replication.then_some("replication"))}
                      d={layout.path(link)} marker-end="url(#arrow)">
                    <title>{ if partitioned { words.fill(Key::StageLinkPartitioned, &[("link", link.to_string().into())]) } else { link.to_string() } }</title>
                </path>
                if partitioned {
                    <text class="cut" x={tenths(mx)} y={tenths(my + 5.0)}
                          text-anchor="middle">{ words.get(Key::StageCut) }</text>
                }
            </g>
        }
    });

    // Outside transactional mode the coordinator's strip is left out, and a slim dimmed
    // box above the broker says where two-phase commit would sit.
    let placeholder = (!present.contains(&NodeId::COORDINATOR) && !layout.replicated()).then(|| {
        html! {
            <g class="node coordinator absent compact" transform="translate(480,207)">
                <rect class="node-box" x="-80" y="-15" width="160" height="30" rx="10" />
                <text class="node-title" text-anchor="middle" y="6">{ crate::words::node_title(&words, NodeId::COORDINATOR) }</text>
                <text class="node-sub" x="92" y="5">{ words.get(Key::StageCoordinatorAbsent) }</text>
            </g>
        }
    });
    let nodes = present.iter().map(|&node| {
        let (x, y) = layout.position(node);
        let view = snapshot.nodes.iter().find(|n| n.id == node);
        let up = view.is_none_or(|v| v.up);
        let replication = snapshot.replication.as_ref();
        let replica = replication.and_then(|r| r.replicas.iter().find(|r| r.node == node));
        let mut title = crate::words::node_title(&words, node);
        let mut sub = match view {
            None => words.get(Key::StageCoordinatorAbsent).to_string(),
            Some(v) if v.up => words.fill(
                Key::NodeUp,
                &[
                    ("disk", (v.durable.len() as u64 + v.durable_hidden).into()),
                    ("memory", v.volatile.len().into()),
                ],
            ),
            Some(v) => match v.restart_at_tick {
                Some(at) => words.fill(Key::NodeDownUntil, &[("at", at.into())]),
                None => words.get(Key::NodeDown).to_string(),
            },
        };
        // A replica says whether it leads or is in sync, and what its disk holds beside
        // its log; the controller, the partition as it keeps it.
        if let Some(r) = replica {
            let state = words.get(if r.leader {
                Key::ReplicaLeader
            } else if r.in_sync {
                Key::ReplicaInSync
            } else {
                Key::ReplicaNotInSync
            });
            title = format!("{title} · {state}");
            if r.up {
                sub = words.fill(
                    Key::ReplicaDisk,
                    &[
                        ("epoch", r.epoch.into()),
                        ("hw", r.high_watermark_on_disk.into()),
                    ],
                );
            }
        }
        if let (Some(r), RoleKind::Controller) = (replication, node.role()) {
            title = words.fill(Key::ControllerTitle, &[("epoch", r.epoch.into())]);
            let members: Vec<String> = r
                .in_sync
                .iter()
                .map(|n| (n.instance() + 1).to_string())
                .collect();
            let members = members.join(",");
            sub = match r.leader {
                Some(l) => words.fill(
                    Key::ControllerLeader,
                    &[
                        ("leader", (l.instance() + 1).into()),
                        ("members", members.into()),
                    ],
                ),
                None => words.fill(Key::ControllerNoLeader, &[("members", members.into())]),
            };
        }
        let (half_width, half_height) = layout.half_size(node);
        let (mut title_y, mut sub_y) = match (node.role(), replica.is_some()) {
            (RoleKind::Controller, _) => ("-4".to_string(), "14".to_string()),
            (_, true) => ("-23".to_string(), "37".to_string()),
            _ => ("-2".to_string(), "20".to_string()),
        };
        // Many consumers: a member's group and partitions, a competing consumer's
        // unacked deliveries, the broker's topic or ready messages.
        let member = snapshot.groups.as_ref().and_then(|g| {
            g.groups
                .iter()
                .flat_map(|group| group.members.iter())
                .find(|m| m.node == node)
        });
        if let Some(member) = member {
            (title, sub) = stage_consumers::member_caption(&words, member);
        }
        if let (Some(queue), true) = (&snapshot.queue, up) {
            let line = match node.role() {
                RoleKind::Consumer => stage_consumers::queue_consumer_line(&words, queue, node),
                RoleKind::Broker => stage_consumers::queue_broker_line(&words, queue),
                _ => None,
            };
            if let Some(line) = line {
                sub = line;
            }
        }
        let topic = snapshot
            .groups
            .as_ref()
            .filter(|_| node == NodeId::BROKER)
            .map(|groups| {
                title_y = tenths(-half_height + 21.0);
                sub_y = tenths(stage_consumers::topic_status_y(half_height));
                title = words.fill(Key::NodeTopic, &[("title", title.as_str().into())]);
                stage_consumers::topic_rows(&words, groups, half_height, up)
            });
        let class = classes!(
            "node",
            node.role().name(),
            view.is_none().then_some("absent"),
            (!up).then_some("down"),
            replica.map(|_| "replica"),
            replica.filter(|r| r.leader).map(|_| "leader"),
            member.map(|m| format!("member g{}", m.group)),
            member
                .filter(|m| m.state == mqlab_sim::MemberState::Idle)
                .map(|_| "idle"),
            topic.as_ref().map(|_| "with-topic")
        );
        html! {
            <g class={class} transform={format!("translate({},{})", tenths(x), tenths(y))}>
                <rect class="node-box" x={tenths(-half_width)} y={tenths(-half_height)}
                      width={tenths(2.0 * half_width)} height={tenths(2.0 * half_height)} rx="12" />
                <text class="node-title" text-anchor="middle" y={title_y}>{ title }</text>
                <text class="node-sub" text-anchor="middle" y={sub_y}>{ sub }</text>
                { for replica.map(|r| replica_log(&words, r)) }
                { for topic }
            </g>
        }
    });

    // The dead letters, as a node of their own below the broker.
    let dead_letters = snapshot.dead_letters.as_ref().map(|dead| {
        let (_, by) = layout.position(NodeId::BROKER);
        let bottom = by + layout.half_size(NodeId::BROKER).1;
        stage_consumers::dead_letter_node(&words, dead, layout.dead_letter_position(), bottom)
    });

    // A mark where the latest event lost a message or crashed a node, while the step
    // shown is the one right after it.
    let mark = props
        .last_event
        .as_ref()
        .filter(|e| step_after(e) == snapshot.step)
        .and_then(|event| event_mark(&words, layout, event));

    // A name that changes only with the mode: the step and what happened are announced
    // by the narration's live region, and a name that changed every frame would make
    // assistive technology (and the browser's accessibility tree) redo work on every frame.
    let with_coordinator = present.contains(&NodeId::COORDINATOR);
    let description = words
        .get(if with_coordinator {
            Key::StageDescriptionCoordinator
        } else {
            Key::StageDescription
        })
        .to_string();
    // Without two-phase commit the coordinator's strip above the pipeline would stay
    // empty, so the drawing starts below it.
    let view_box = layout.view_box(with_coordinator);

    html! {
        <section class="panel stage" aria-label={words.get(Key::StageLabel)}>
            <div class="stage-drawing">
                <svg role="img" aria-label={description} viewBox={view_box.clone()}>
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0 0 L10 5 L0 10 z" class="arrowhead" />
                        </marker>
                    </defs>
                    { for link_paths }
                    { for nodes }
                    { for placeholder }
                    { for dead_letters }
                    { for mark }
                    <g class="legend" transform={format!("translate(12,{})", tenths(368.0 + layout.extra_height()))}>
                        <text>{ words.get(Key::StageLegend) }</text>
                    </g>
                </svg>
                // The tokens move on every frame: on a layer of their own, the browser
                // redraws only them, not the nodes and links underneath.
                <svg class="token-layer" aria-hidden="true" viewBox={view_box}>
                    <Tokens shapes={Rc::new(token_shapes(&snapshot.in_flight, &present))} layout={layout} tick={snapshot.tick} step_ms={props.step_ms} />
                </svg>
            </div>
            { props.children.clone() }
            <NodeCards nodes={props.cards.clone().unwrap_or_else(|| Rc::new(snapshot.nodes.clone()))} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::MessageId;

    fn envelope(kind: MessageKind, attempt: u32, duplicate: bool) -> InFlight {
        InFlight {
            link: LinkId::new(NodeId::PRODUCER, NodeId::BROKER),
            kind,
            message: Some(MessageId(3)),
            txn: None,
            sent_tick: 10,
            arrive_tick: 20,
            duplicate,
            attempt,
        }
    }

    #[test]
    fn tokens_name_their_message_and_mark_retries_and_duplicates() {
        assert_eq!(token_label(&envelope(MessageKind::Publish, 1, false)), "m3");
        assert_eq!(token_label(&envelope(MessageKind::Ack, 1, false)), "ack m3");
        assert_eq!(
            token_label(&envelope(MessageKind::Publish, 2, false)),
            "↻m3"
        );
        assert_eq!(token_label(&envelope(MessageKind::Deliver, 1, true)), "⇉m3");
    }

    #[test]
    fn the_stage_s_sentences_read_as_before_in_english() {
        let words = Words::english();
        assert_eq!(
            words.fill(
                Key::ControllerLeader,
                &[("leader", 2u8.into()), ("members", "1,2".into())]
            ),
            "leader 2 · in sync {1,2}"
        );
        assert_eq!(
            words.fill(
                Key::MarkControlLostDown,
                &[(
                    "kind",
                    words.get(control_word(MessageKind::WorkDone)).into()
                )]
            ),
            "✗ work done lost · node down"
        );
        assert_eq!(
            words.fill(
                Key::NodeUp,
                &[("disk", 3u64.into()), ("memory", 1usize.into())]
            ),
            "● up · disk 3 · memory 1"
        );
        assert_eq!(
            words.fill(
                Key::QueueUnacked,
                &[
                    ("count", 2usize.into()),
                    ("prefetch", 4u32.into()),
                    ("held", "m1 ↻m2".into()),
                    ("more", "".into())
                ]
            ),
            "unacked 2/4: m1 ↻m2"
        );
    }

    #[test]
    fn every_sentence_reads_in_chinese_too() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("static/text/zh-CN/simulator.txt"),
        )
        .expect("the Chinese catalogue");
        let mut words = Words::new(mqlab_text::Lang::ZhCn);
        assert_eq!(words.load(mqlab_text::File::Simulator, &text), Ok(()));
        assert_eq!(words.get(Key::MarkCrash), "✸ 崩溃");
        assert_eq!(
            words.fill(Key::ControllerNoLeader, &[("members", "1".into())]),
            "无领导者 · 同步 {1}"
        );
    }

    #[test]
    fn keys_stay_unique_when_lines_or_envelopes_repeat() {
        let keys = unique_keys(["a", "b", "a", "a"].map(String::from).into_iter());
        assert_eq!(keys, ["a", "b", "a#2", "a#3"]);
        let e = envelope(MessageKind::Publish, 1, false);
        let twin = envelope(MessageKind::Publish, 1, true);
        assert_ne!(token_key(&e), token_key(&twin));
    }

    #[test]
    fn a_token_moves_from_sender_to_receiver_between_its_ticks() {
        let e = envelope(MessageKind::Publish, 1, false);
        assert_eq!(progress(&e, 5.0), 0.0);
        assert_eq!(progress(&e, 15.0), 0.5);
        assert_eq!(progress(&e, 25.0), 1.0);
    }

    #[test]
    fn the_two_directions_of_a_link_use_separate_lanes() {
        let layout = Layout::default();
        let there = layout.lane(LinkId::new(NodeId::PRODUCER, NodeId::BROKER));
        let back = layout.lane(LinkId::new(NodeId::BROKER, NodeId::PRODUCER));
        assert!((there.0 .1 - back.0 .1).abs() > 2.0 * LANE_OFFSET - 0.1);
        // Lanes start outside the sender's box.
        let (px, _) = layout.position(NodeId::PRODUCER);
        assert!(there.0 .0 > px + NODE_HALF_WIDTH);
    }

    fn consumer(instance: u8) -> NodeId {
        NodeId::new(RoleKind::Consumer, instance)
    }

    #[test]
    fn one_node_of_each_role_sits_where_the_single_pipeline_always_did() {
        let layout = Layout::default();
        assert_eq!(layout.position(NodeId::PRODUCER), (130.0, 300.0));
        assert_eq!(layout.position(NodeId::BROKER), (480.0, 300.0));
        assert_eq!(layout.position(NodeId::CONSUMER), (830.0, 300.0));
        assert_eq!(layout.position(NodeId::COORDINATOR), (480.0, 80.0));
        assert_eq!(layout.view_box(true), "0 0 960 380");
        assert_eq!(layout.view_box(false), "0 186 960 194");
    }

    #[test]
    fn instances_stack_in_their_column_centred_on_the_tallest() {
        let topology = Topology {
            producers: 2,
            brokers: 1,
            consumers: 3,
        };
        let layout = Layout::of(&topology.all_nodes());
        assert_eq!(layout.topology(), topology);
        let ys = |nodes: &[NodeId]| {
            nodes
                .iter()
                .map(|n| layout.position(*n).1)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ys(&[consumer(0), consumer(1), consumer(2)]),
            [300.0, 400.0, 500.0]
        );
        let producer_2 = NodeId::new(RoleKind::Producer, 1);
        assert_eq!(ys(&[NodeId::PRODUCER, producer_2]), [350.0, 450.0]);
        assert_eq!(ys(&[NodeId::BROKER]), [400.0]);
        assert_eq!(layout.position(NodeId::COORDINATOR), (480.0, 80.0));
        // The drawing grows by two rows, so the last consumer's box is inside it.
        assert_eq!(layout.view_box(true), "0 0 960 580");
    }

    #[test]
    fn replicas_and_the_controller_never_overlap_and_replicas_talk_on_arcs_beside_the_column() {
        let topology = Topology {
            producers: 3,
            brokers: 5,
            consumers: 8,
        };
        let layout = Layout::of(&topology.all_nodes());
        assert!(layout.replicated());
        assert_no_overlap(layout, &topology.all_nodes());
        // Between two replicas a lane leaves the column's left edge and bulges away
        // from it; its middle is left of every replica box.
        let broker = |i| NodeId::new(RoleKind::Broker, i);
        for (a, b) in [(0, 1), (0, 4), (3, 1)] {
            let link = LinkId::new(broker(a), broker(b));
            let ((x1, _), (x2, _)) = layout.lane(link);
            assert_eq!(
                (x1, x2),
                (480.0 - REPLICA_HALF_WIDTH, 480.0 - REPLICA_HALF_WIDTH)
            );
            assert!(layout.point(link, 0.5).0 < 480.0 - REPLICA_HALF_WIDTH - 10.0);
            let back = LinkId::new(broker(b), broker(a));
            assert_ne!(layout.point(link, 0.5), layout.point(back, 0.5));
        }
        // The controller's lanes end at a replica's right edge.
        let (_, (x, _)) = layout.lane(LinkId::new(NodeId::CONTROLLER, broker(4)));
        assert!(x >= 480.0 + REPLICA_HALF_WIDTH);
    }

    #[test]
    fn a_replication_token_names_no_transaction_and_no_retry() {
        let mut fetch = envelope(MessageKind::Fetch, 2, false);
        fetch.message = None;
        fetch.txn = Some(7);
        assert_eq!(token_label(&fetch), "fetch");
        let response = InFlight {
            kind: MessageKind::FetchResponse,
            ..envelope(MessageKind::Publish, 3, false)
        };
        assert_eq!(token_label(&response), "rec m3");
    }

    /// No two of the nodes' boxes overlap.
    fn assert_no_overlap(layout: Layout, nodes: &[NodeId]) {
        for (i, a) in nodes.iter().enumerate() {
            for b in &nodes[i + 1..] {
                let ((ax, ay), (bx, by)) = (layout.position(*a), layout.position(*b));
                let ((aw, ah), (bw, bh)) = (layout.half_size(*a), layout.half_size(*b));
                let apart = (ax - bx).abs() >= aw + bw || (ay - by).abs() >= ah + bh;
                assert!(apart, "{a} and {b} overlap");
            }
        }
    }

    #[test]
    fn a_topic_s_broker_and_the_dead_letters_fit_the_drawing_without_overlapping() {
        for consumers in [1, 3, 8] {
            for (partitions, groups) in [(1, 1), (8, 3)] {
                let topology = Topology {
                    producers: 1,
                    brokers: 1,
                    consumers,
                };
                let rows = (partitions + groups) as f64;
                let layout = Layout {
                    topic_half_height: (34.0 + rows * stage_consumers::ROW_HEIGHT + 24.0) / 2.0,
                    dead_letters: true,
                    ..Layout::of(&topology.all_nodes())
                };
                assert_no_overlap(layout, &topology.all_nodes());
                let (_, broker_y) = layout.position(NodeId::BROKER);
                let (_, dead_y) = layout.dead_letter_position();
                let broker_bottom = broker_y + layout.half_size(NodeId::BROKER).1;
                assert!(dead_y - DEAD_LETTER_HALF.1 >= broker_bottom + 20.0);
                let bottom = FULL_HEIGHT + layout.extra_height();
                assert!(
                    dead_y + DEAD_LETTER_HALF.1 <= bottom - 20.0,
                    "{consumers} consumers"
                );
                // Below the dimmed 2PC coordinator box (207 ± 15).
                assert!(broker_y - layout.half_size(NodeId::BROKER).1 >= 222.0);
            }
        }
    }

    #[test]
    fn no_two_boxes_of_the_largest_topology_overlap() {
        let topology = Topology {
            producers: 3,
            brokers: 1,
            consumers: 8,
        };
        assert_no_overlap(Layout::of(&topology.all_nodes()), &topology.all_nodes());
    }
}
