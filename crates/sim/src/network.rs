//! Links between nodes: their names, the kinds of messages they carry, their settings
//! (latency, loss, duplication, reordering) and the envelopes in flight.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ledger::Cause;
use crate::mode::Mode;
use crate::names::{named_serde, parse_name, UnknownName};
use crate::node::{NodeId, RoleKind};
use crate::ratio::Ratio;
use crate::sentences::{said, Sentence};

/// A directed link, written "producer->broker".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LinkId {
    /// The sending node.
    pub from: NodeId,
    /// The receiving node.
    pub to: NodeId,
}

impl LinkId {
    /// Builds a link.
    pub const fn new(from: NodeId, to: NodeId) -> LinkId {
        LinkId { from, to }
    }

    /// The kinds of message this link carries in a mode (empty if a link between these
    /// roles does not exist in the mode).
    pub fn kinds_in(self, mode: Mode) -> &'static [MessageKind] {
        self.kinds_in_style(mode, false)
    }

    /// The kinds of message this link carries in a mode, with consumer groups (Kafka
    /// style: `kafka`) or competing consumers on a queue: between the broker and a
    /// Kafka consumer travel records, the group's membership and offset commits.
    pub fn kinds_in_style(self, mode: Mode, kafka: bool) -> &'static [MessageKind] {
        if kafka && mode != Mode::Transactional {
            match (self.from.role(), self.to.role()) {
                (RoleKind::Broker, RoleKind::Consumer) => {
                    return &[
                        MessageKind::Deliver,
                        MessageKind::Assignment,
                        MessageKind::Rebalance,
                        MessageKind::CommitResponse,
                    ];
                }
                (RoleKind::Consumer, RoleKind::Broker) => {
                    return &[
                        MessageKind::JoinGroup,
                        MessageKind::Fetch,
                        MessageKind::OffsetCommit,
                    ];
                }
                _ => {}
            }
        }
        use MessageKind::*;
        let transactional = mode == Mode::Transactional;
        match (self.from.role(), self.to.role()) {
            (RoleKind::Producer, RoleKind::Broker) => &[Publish],
            (RoleKind::Broker, RoleKind::Producer) => &[Confirm, NotEnoughReplicas],
            (RoleKind::Broker, RoleKind::Broker) => {
                &[Fetch, FetchResponse, EpochQuery, EpochAnswer]
            }
            (RoleKind::Broker, RoleKind::Controller) => &[AlterIsr],
            (RoleKind::Controller, RoleKind::Broker) => &[LeaderAndIsr],
            (RoleKind::Broker, RoleKind::Consumer) => &[Deliver],
            (RoleKind::Consumer, RoleKind::Broker) if transactional => &[Ack],
            (RoleKind::Consumer, RoleKind::Broker) => &[Ack, Reject, Nack],
            (RoleKind::Coordinator, RoleKind::Coordinator) => &[],
            // The coordinator opens a transaction's work at the producer (publish) or
            // the broker (consume); the consumer's work starts with a delivery.
            (RoleKind::Coordinator, RoleKind::Consumer) if transactional => {
                &[Prepare, Commit, Abort]
            }
            (RoleKind::Coordinator, _) if transactional => &[Begin, Prepare, Commit, Abort],
            (RoleKind::Consumer, RoleKind::Coordinator) if transactional => {
                &[VoteYes, VoteNo, Committed, Query]
            }
            (_, RoleKind::Coordinator) if transactional => {
                &[WorkDone, VoteYes, VoteNo, Committed, Query]
            }
            _ => &[],
        }
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}", self.from.name(), self.to.name())
    }
}

/// Why a link could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkParseError {
    /// The text has no "->".
    MissingArrow(String),
    /// One end is not a node.
    UnknownNode(UnknownName),
    /// Both ends are the same node.
    SameNode(String),
}

impl LinkParseError {
    /// The sentence that says what is wrong.
    pub fn sentence(&self) -> Sentence {
        match self {
            LinkParseError::MissingArrow(input) => {
                said!(ProblemLinkWithoutArrow, text = input.clone())
            }
            LinkParseError::UnknownNode(error) => error.sentence(),
            LinkParseError::SameNode(input) => said!(ProblemSelfLink, text = input.clone()),
        }
    }
}

impl fmt::Display for LinkParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence().told_in(crate::sentences::english()))
    }
}

impl std::error::Error for LinkParseError {}

impl FromStr for LinkId {
    type Err = LinkParseError;

    fn from_str(input: &str) -> Result<LinkId, LinkParseError> {
        let (from, to) = input
            .split_once("->")
            .ok_or_else(|| LinkParseError::MissingArrow(input.to_string()))?;
        let from: NodeId = from.parse().map_err(LinkParseError::UnknownNode)?;
        let to: NodeId = to.parse().map_err(LinkParseError::UnknownNode)?;
        if from == to {
            return Err(LinkParseError::SameNode(input.to_string()));
        }
        Ok(LinkId { from, to })
    }
}

/// What a message on a link is. The queue's words ("publish", "deliver", "ack") and
/// 2PC's words ("prepare", "vote", "commit") never mean each other's thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// Producer → broker: store this message.
    Publish,
    /// Broker → producer: the message is stored durably (publisher confirm).
    Confirm,
    /// Broker → consumer: here is a message.
    Deliver,
    /// Consumer → broker: done with this delivery, do not redeliver it.
    Ack,
    /// Coordinator → participant: prepare the transaction and vote.
    Prepare,
    /// Participant → coordinator: prepared, ready to commit.
    VoteYes,
    /// Participant → coordinator: cannot commit; the participant has aborted.
    VoteNo,
    /// Coordinator → participant: the decision is COMMIT.
    Commit,
    /// Coordinator → participant: the decision is ABORT.
    Abort,
    /// Participant → coordinator: committed; the coordinator may forget the transaction.
    Committed,
    /// In-doubt participant → coordinator: what was the decision?
    Query,
    /// Coordinator → the application whose work a transaction is (the producer for a
    /// publish, the broker that delivers for a consume): the transaction is open, do
    /// its work now.
    Begin,
    /// Application → coordinator: the work of the transaction is done (its publishes
    /// confirmed, or its deliveries applied and acked); commit it.
    WorkDone,
    /// Consumer → broker: processing failed, put the message back in the queue
    /// (`basic.reject` with requeue=true).
    Reject,
    /// Consumer → broker: processing failed, do not requeue (`basic.nack` with
    /// requeue=false): the broker dead-letters the message, or drops it.
    Nack,
    /// Kafka consumer → group coordinator: join the group (`JoinGroup`).
    JoinGroup,
    /// Group coordinator → member: the rebalance is done; your place in the group's
    /// generation, from which you work out your partitions (`SyncGroup`'s answer).
    Assignment,
    /// Group coordinator → member: the group is rebalancing, rejoin
    /// (`REBALANCE_IN_PROGRESS` on a heartbeat).
    Rebalance,
    /// Kafka consumer → group coordinator: commit this offset of a partition
    /// (`OffsetCommit`).
    OffsetCommit,
    /// Group coordinator → member: the answer to an offset commit, recorded or refused
    /// (`commitSync` returns, or throws `CommitFailedException`).
    CommitResponse,
    /// Follower → leader: send me the records from this offset (the offset also tells
    /// the leader how far the follower's log reaches).
    Fetch,
    /// Leader → follower: the next record (or none) and the leader's high watermark.
    FetchResponse,
    /// Returning follower → leader: where did my latest leader epoch end in your log?
    EpochQuery,
    /// Leader → follower: the end offset of the epoch asked about (KIP-101).
    EpochAnswer,
    /// Controller → replicas: the partition's leader, leader epoch and in-sync set.
    LeaderAndIsr,
    /// Leader → controller: change the in-sync set to this.
    AlterIsr,
    /// Leader → producer: the write is refused, too few in-sync replicas (before the
    /// append, or after it when the set shrank while waiting).
    NotEnoughReplicas,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 27] = [
        MessageKind::Publish,
        MessageKind::Confirm,
        MessageKind::Deliver,
        MessageKind::Ack,
        MessageKind::Prepare,
        MessageKind::VoteYes,
        MessageKind::VoteNo,
        MessageKind::Commit,
        MessageKind::Abort,
        MessageKind::Committed,
        MessageKind::Query,
        MessageKind::Begin,
        MessageKind::WorkDone,
        MessageKind::Fetch,
        MessageKind::FetchResponse,
        MessageKind::EpochQuery,
        MessageKind::EpochAnswer,
        MessageKind::LeaderAndIsr,
        MessageKind::AlterIsr,
        MessageKind::NotEnoughReplicas,
        MessageKind::Reject,
        MessageKind::Nack,
        MessageKind::JoinGroup,
        MessageKind::Assignment,
        MessageKind::Rebalance,
        MessageKind::OffsetCommit,
        MessageKind::CommitResponse,
    ];

    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageKind::Publish => "publish",
            MessageKind::Confirm => "confirm",
            MessageKind::Deliver => "deliver",
            MessageKind::Ack => "ack",
            MessageKind::Prepare => "prepare",
            MessageKind::VoteYes => "vote_yes",
            MessageKind::VoteNo => "vote_no",
            MessageKind::Commit => "commit",
            MessageKind::Abort => "abort",
            MessageKind::Committed => "committed",
            MessageKind::Query => "query",
            MessageKind::Begin => "begin",
            MessageKind::WorkDone => "work_done",
            MessageKind::Reject => "reject",
            MessageKind::Nack => "nack",
            MessageKind::Fetch => "fetch",
            MessageKind::FetchResponse => "fetch_response",
            MessageKind::EpochQuery => "epoch_query",
            MessageKind::EpochAnswer => "epoch_answer",
            MessageKind::LeaderAndIsr => "leader_and_isr",
            MessageKind::AlterIsr => "alter_isr",
            MessageKind::NotEnoughReplicas => "not_enough_replicas",
            MessageKind::JoinGroup => "join_group",
            MessageKind::Assignment => "assignment",
            MessageKind::Rebalance => "rebalance",
            MessageKind::OffsetCommit => "offset_commit",
            MessageKind::CommitResponse => "commit_response",
        }
    }

    /// The word for it in a sentence ("the yes vote for m4"): the queue's own
    /// messages go by their names, the others by what people call them.
    pub const fn noun(self) -> &'static str {
        match self {
            MessageKind::VoteYes => "yes vote",
            MessageKind::VoteNo => "no vote",
            MessageKind::Committed => "committed reply",
            MessageKind::WorkDone => "work-done message",
            other => other.as_str(),
        }
    }

    /// A small number for hashing.
    pub(crate) const fn code(self) -> u64 {
        self as u64
    }
}

impl FromStr for MessageKind {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<MessageKind, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameMessageKind,
            input,
            &MessageKind::ALL,
            MessageKind::as_str,
        )
    }
}

named_serde!(MessageKind);

/// Settings for a link, or for every link. Latencies are in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkConfig {
    /// The shortest time a message spends on the link, in ticks (at least 1).
    pub latency_ticks_min: u64,
    /// The longest time, in ticks, before any planned delay.
    pub latency_ticks_max: u64,
    /// The probability that a message is lost.
    pub loss: Ratio,
    /// The probability that a message arrives twice.
    pub duplicate: Ratio,
    /// The probability that a message leaves the link's first-in-first-out order and
    /// overtakes the messages sent before it.
    pub reorder: Ratio,
}

impl Default for LinkConfig {
    fn default() -> LinkConfig {
        LinkConfig {
            latency_ticks_min: 2,
            latency_ticks_max: 5,
            loss: Ratio::ZERO,
            duplicate: Ratio::ZERO,
            reorder: Ratio::ZERO,
        }
    }
}

/// One link's settings replacing the global ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOverride {
    /// The link.
    pub link: LinkId,
    /// Its settings.
    pub config: LinkConfig,
}

/// The network: global settings and per-link overrides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NetworkConfig {
    /// Settings for every link without an override.
    #[serde(flatten)]
    pub global: LinkConfig,
    /// Per-link settings.
    pub links: Vec<LinkOverride>,
}

impl NetworkConfig {
    /// The settings that apply to a link.
    pub fn for_link(&self, link: LinkId) -> LinkConfig {
        self.links
            .iter()
            .rev()
            .find(|o| o.link == link)
            .map(|o| o.config)
            .unwrap_or(self.global)
    }
}

/// A message on a link. Fields that the page must not see (whether it will be lost)
/// stay inside the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Envelope {
    pub link: LinkId,
    pub kind: MessageKind,
    /// The message number (1..=N), 0 when the envelope carries none.
    pub message: u32,
    /// The broker log entry for deliver/ack, the transaction id for 2PC kinds.
    pub tag: u32,
    pub attempt: u32,
    pub sent_tick: u64,
    pub duplicate: bool,
    /// Decided when it was sent, revealed only when it arrives.
    pub lost: LossReason,
    /// Why this copy exists, when it is a copy that should not have been needed.
    pub cause: Option<Cause>,
    /// For a prepare: which transaction kind it belongs to.
    pub txn_kind: u8,
    /// Replication messages only: what a fetch response or a leader-and-ISR message
    /// carries beyond `message`, `tag` and `attempt` (see `actor::replica`).
    pub extra: [u32; 2],
}

/// Whether and why an envelope will not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LossReason {
    Arrives,
    Random,
    Planned {
        step: u64,
    },
    /// Dropped because `MAX_IN_FLIGHT` envelopes were already on the links.
    Overflow,
}

/// The mutable state of one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct LinkState {
    pub config: LinkConfig,
    pub partitioned: bool,
    pub partitioned_since_step: u64,
    /// The latest arrival tick scheduled in FIFO order; links are first-in-first-out
    /// like a TCP connection unless a reorder fault lets a message overtake.
    pub last_arrive_tick: u64,
}

/// A one-shot fault waiting for the matching message on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArmedLinkFault {
    pub link: LinkId,
    pub kind: Option<MessageKind>,
    pub message: Option<u32>,
    /// How many more matching messages pass before this one is hit (0 = the next).
    pub skip: u32,
    pub action: LinkFaultAction,
    /// The step at which the fault was armed: the cause of what it does.
    pub armed_step: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkFaultAction {
    Drop,
    Duplicate,
    Delay { ticks: u64 },
}
