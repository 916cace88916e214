//! The roles of the dual-write world (`crate::outbox`), each a sans-IO state machine in
//! its own file: the service with its database (`service`), the relay that polls the
//! service's outbox table (`relay`), the broker (`broker`) and the consumer with its
//! database (`consumer`). This file holds what they say to each other.
//!
//! A role gets an [`OutboxInput`] and answers only with [`OutboxOutput`]s: send to a
//! node, set a timer, a fact for the ledger and the trace, a database operation the
//! world carries out on the service's database (the relay's poll and mark), or a crash
//! point it has reached (the world crashes it there when the point is armed, and the
//! outputs after it never happen). Each role keeps its database (durable) and its memory
//! in separate types, so what a crash loses follows from the types.

pub(crate) mod broker;
pub(crate) mod consumer;
pub(crate) mod relay;
pub(crate) mod service;

use std::str::FromStr;

use serde::Serialize;

use crate::fault::CrashPoint;
use crate::names::{named_serde, parse_name, UnknownName};

/// A node of the dual-write world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutboxNode {
    /// The service that handles the requests ("order K paid"): its database holds the
    /// business rows, the outbox table and the inbox table.
    Service,
    /// The relay that polls the outbox table and publishes its rows (outbox patterns).
    Relay,
    /// The broker: one durable queue (a log, for offsets stored with the output).
    Broker,
    /// The consumer with its own database (its business rows, its inbox table or its
    /// stored offset).
    Consumer,
    /// An external system the consumer calls for each event it handles (an email or a
    /// payment API): outside every database transaction. It never crashes.
    External,
}

impl OutboxNode {
    /// The nodes that run and crash, in drawing order.
    pub const CRASHABLE: [OutboxNode; 4] = [
        OutboxNode::Service,
        OutboxNode::Relay,
        OutboxNode::Broker,
        OutboxNode::Consumer,
    ];

    /// The node's name, as flags and the trace write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxNode::Service => "service",
            OutboxNode::Relay => "relay",
            OutboxNode::Broker => "broker",
            OutboxNode::Consumer => "consumer",
            OutboxNode::External => "external",
        }
    }

    /// The node that crashes at a crash point of this world, if the point is one.
    pub const fn of_point(point: CrashPoint) -> Option<OutboxNode> {
        match point {
            CrashPoint::ServiceAfterDbCommit | CrashPoint::ServiceAfterPublish => {
                Some(OutboxNode::Service)
            }
            CrashPoint::RelayAfterPublish | CrashPoint::RelayAfterMark => Some(OutboxNode::Relay),
            CrashPoint::ConsumerAfterInboxCommit | CrashPoint::ConsumerAfterAck => {
                Some(OutboxNode::Consumer)
            }
            _ => None,
        }
    }
}

impl FromStr for OutboxNode {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<OutboxNode, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameOutboxNode,
            input,
            &OutboxNode::CRASHABLE,
            OutboxNode::as_str,
        )
    }
}

named_serde!(OutboxNode);

/// How the service keeps its database and the broker in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// Dual write: commit the row, then publish the event.
    CommitFirst,
    /// Dual write: publish the event, then commit the row.
    PublishFirst,
    /// The transactional outbox: the row and an outbox row in one local transaction; a
    /// relay publishes the outbox rows. The consumer applies each delivery and acks it.
    Outbox,
    /// The outbox, and a consumer with an inbox table (an idempotent consumer).
    OutboxInbox,
    /// The outbox, and a consumer that reads the broker's log from the offset it stores
    /// in its own database, in the transaction of its output (no commits to the broker).
    OffsetsWithOutput,
    /// Two-phase commit across the producer's database and the broker (the existing
    /// transactional mode, for reference).
    TwoPhaseCommit,
}

impl Pattern {
    /// Every pattern, in the order Compare shows them.
    pub const ALL: [Pattern; 6] = [
        Pattern::CommitFirst,
        Pattern::PublishFirst,
        Pattern::Outbox,
        Pattern::OutboxInbox,
        Pattern::OffsetsWithOutput,
        Pattern::TwoPhaseCommit,
    ];

    /// The name, as `--pattern` writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Pattern::CommitFirst => "commit-first",
            Pattern::PublishFirst => "publish-first",
            Pattern::Outbox => "outbox",
            Pattern::OutboxInbox => "outbox-inbox",
            Pattern::OffsetsWithOutput => "offsets-with-output",
            Pattern::TwoPhaseCommit => "2pc",
        }
    }

    /// True when a relay publishes the service's outbox table.
    pub const fn has_outbox(self) -> bool {
        matches!(
            self,
            Pattern::Outbox | Pattern::OutboxInbox | Pattern::OffsetsWithOutput
        )
    }

    /// True when the consumer keeps an inbox table.
    pub const fn has_inbox(self) -> bool {
        matches!(self, Pattern::OutboxInbox)
    }

    /// True when the consumer acks deliveries (every pattern of this world but offsets
    /// stored with the output, whose consumer commits nothing to the broker).
    pub const fn consumer_acks(self) -> bool {
        !matches!(self, Pattern::OffsetsWithOutput | Pattern::TwoPhaseCommit)
    }

    /// The crash points of the pattern, in protocol order. 2PC's are the transactional
    /// mode's own (`CrashPoint::ALL`), none of these.
    pub fn crash_points(self) -> Vec<CrashPoint> {
        CrashPoint::OUTBOX
            .into_iter()
            .filter(|point| self.has_point(*point))
            .collect()
    }

    /// True when the crash point belongs to the pattern.
    pub const fn has_point(self, point: CrashPoint) -> bool {
        match point {
            CrashPoint::ServiceAfterDbCommit => !matches!(self, Pattern::TwoPhaseCommit),
            CrashPoint::ServiceAfterPublish => {
                matches!(self, Pattern::CommitFirst | Pattern::PublishFirst)
            }
            CrashPoint::RelayAfterPublish | CrashPoint::RelayAfterMark => self.has_outbox(),
            CrashPoint::ConsumerAfterInboxCommit => self.has_inbox(),
            CrashPoint::ConsumerAfterAck => self.consumer_acks(),
            _ => false,
        }
    }
}

impl FromStr for Pattern {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<Pattern, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NamePattern,
            input,
            &Pattern::ALL,
            Pattern::as_str,
        )
    }
}

named_serde!(Pattern);

/// When the relay marks an outbox row sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelayMarks {
    /// Once it has handed the event to its client, before the broker's confirm (the
    /// event waits in the client's memory buffer: a crash loses it, and nothing
    /// publishes a marked row again).
    BeforeConfirm,
    /// Once the broker has confirmed the event (a crash before the mark publishes the
    /// row again: a duplicate at the broker, never a loss).
    #[default]
    AfterConfirm,
}

impl RelayMarks {
    /// Both, as `--relay-marks` names them.
    pub const ALL: [RelayMarks; 2] = [RelayMarks::BeforeConfirm, RelayMarks::AfterConfirm];

    /// The name, as `--relay-marks` writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelayMarks::BeforeConfirm => "before-confirm",
            RelayMarks::AfterConfirm => "after-confirm",
        }
    }
}

impl FromStr for RelayMarks {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<RelayMarks, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameRelayMarks,
            input,
            &RelayMarks::ALL,
            RelayMarks::as_str,
        )
    }
}

named_serde!(RelayMarks);

/// When the consumer with an inbox acks a delivery.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InboxAck {
    /// Before its transaction commits (a crash in between loses the event: the broker
    /// has forgotten it).
    BeforeCommit,
    /// After its transaction commits (a crash in between redelivers the event, and the
    /// inbox skips it).
    #[default]
    AfterCommit,
}

impl InboxAck {
    /// Both, as `--inbox-ack` names them.
    pub const ALL: [InboxAck; 2] = [InboxAck::BeforeCommit, InboxAck::AfterCommit];

    /// The name, as `--inbox-ack` writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            InboxAck::BeforeCommit => "before-commit",
            InboxAck::AfterCommit => "after-commit",
        }
    }
}

impl FromStr for InboxAck {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<InboxAck, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameInboxAck,
            input,
            &InboxAck::ALL,
            InboxAck::as_str,
        )
    }
}

named_serde!(InboxAck);

/// A message between the nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "wire")]
pub enum Wire {
    /// Publish event K (from the service or the relay).
    Publish { message: u32 },
    /// The broker has appended event K durably.
    Confirm { message: u32 },
    /// The consumer subscribes to the queue (it has just started or reconnected).
    Subscribe,
    /// The broker has taken the subscription and delivers from now on.
    Subscribed,
    /// The broker delivers the queue's entry at `offset` (event K).
    Deliver {
        offset: u32,
        message: u32,
        redelivered: bool,
    },
    /// The consumer acks the delivery of `offset`.
    Ack { offset: u32 },
    /// The consumer asks for the log's entries from `from` (offsets stored with the
    /// output); the broker answers once it has one (a long poll).
    Fetch { from: u32 },
    /// Entries of the log from `from`: (offset, event).
    Records { from: u32, records: Vec<(u32, u32)> },
    /// The consumer calls the external system for event K.
    Call { message: u32 },
}

/// A timer a role sets for itself; the generation tells a stale timer from the current
/// one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxTimer {
    /// The service's next step after its database work.
    ServiceStep { generation: u32 },
    /// A publisher's confirm did not come: publish again.
    Retry { generation: u32 },
    /// The relay polls the outbox table.
    Poll { generation: u32 },
    /// The consumer's transaction has done its work: commit it.
    ConsumerCommit { generation: u32 },
    /// The consumer subscribes or fetches again.
    Reconnect { generation: u32 },
}

/// What a role got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxInput {
    /// Start, or restart after a crash (the memory is new; the database is kept).
    Start,
    /// The service is handed request K (the callers' next request).
    Request { message: u32 },
    /// A message from a node.
    Receive { from: OutboxNode, wire: Wire },
    /// A timer set earlier.
    Timer(OutboxTimer),
    /// The connection to a node broke (it crashed).
    PeerLost { peer: OutboxNode },
    /// The relay's poll found these unsent outbox rows (event ids, in table order).
    Polled { rows: Vec<u32> },
}

/// What a role hands to the world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxOutput {
    /// Send a message.
    Send { to: OutboxNode, wire: Wire },
    /// Set a timer `after_ticks` from now.
    Timer {
        after_ticks: u64,
        timer: OutboxTimer,
    },
    /// Something that happened, for the ledger and the trace.
    Fact(Fact),
    /// The role has reached a crash point for event K.
    Reached { point: CrashPoint, message: u32 },
    /// The service is done with its request (answered or failed): the next may come.
    RequestDone,
    /// The relay queries the service's outbox table for unsent rows.
    PollOutbox,
    /// The relay marks event K's outbox row sent (a write to the service's database).
    MarkSent { message: u32 },
}

/// A fact a role reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fact")]
pub enum Fact {
    /// The service began request K.
    RequestBegun { message: u32 },
    /// The service committed event K's business row (and, with an outbox, its outbox
    /// row in the same transaction).
    RowCommitted { message: u32, outbox: bool },
    /// A publisher sent event K (attempt > 1: again).
    Published { message: u32, attempt: u32 },
    /// A publisher got the broker's confirm for event K.
    Confirmed { message: u32 },
    /// The relay's poll found these unsent outbox rows.
    Polled { count: u32 },
    /// The relay marked event K's outbox row sent.
    Marked { message: u32 },
    /// The relay handed event K to its client's buffer (marking before the confirm).
    Buffered { message: u32 },
    /// The broker appended event K at `offset`.
    Appended { message: u32, offset: u32 },
    /// The broker delivered the entry at `offset`.
    Delivered {
        message: u32,
        offset: u32,
        redelivered: bool,
    },
    /// The broker put the consumer's unacked deliveries back in the queue.
    Requeued { count: u32 },
    /// The broker removed the acked entry at `offset`.
    AckReceived { offset: u32 },
    /// The consumer received event K (from the log entry at `offset`).
    Received { message: u32, offset: u32 },
    /// The consumer acked event K.
    Acked { message: u32 },
    /// The consumer began its transaction for event K (and called the external system).
    TxnBegun { message: u32 },
    /// The consumer committed its transaction for event K: the business update (with
    /// the inbox row or the stored offset, by pattern).
    Applied { message: u32, offset: u32 },
    /// The inbox already held event K: the transaction rolled back, nothing applied.
    Skipped { message: u32 },
    /// The consumer subscribed to the queue.
    Subscribed,
}
