//! The trace: one entry per step (and per applied command), each with a plain-language
//! narration, and a stable hash of the whole run.
//!
//! Narration strings are built only when an entry is recorded or a step report is
//! requested, so a run with recording off does not allocate per event.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::fault::CrashPoint;
use crate::ledger::MessageId;
use crate::mode::Mode;
use crate::network::{LinkId, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::topology::Topology;

/// What kind of thing happened in a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The producer sent a publish (attempt > 1: a retry).
    Publish,
    /// The broker received a publish.
    Append,
    /// The broker made its appended messages durable.
    Fsync,
    /// The producer received a confirm.
    Confirm,
    /// The broker sent a delivery (attempt > 1: a redelivery).
    Deliver,
    /// The consumer received a delivery and acted on it.
    Receive,
    /// The broker received an ack.
    Ack,
    /// A message was lost on its link.
    Drop,
    /// A message reached a node that was down.
    ArriveWhileDown,
    /// A node crashed (random crash).
    Crash,
    /// A node restarted after its downtime.
    Restart,
    /// A command was applied (user input or planned fault); not a step.
    Command,
    /// The coordinator began a transaction and sent the prepares.
    TxnBegin,
    /// A participant received a prepare and voted.
    Prepare,
    /// The coordinator received a vote (and perhaps decided).
    Vote,
    /// A participant received the decision.
    Decision,
    /// The coordinator heard that a participant committed.
    Committed,
    /// The coordinator gave up waiting for votes and aborted.
    VoteTimeout,
    /// The coordinator re-sent its decision.
    DecisionResend,
    /// An in-doubt participant asked the coordinator for the decision.
    Query,
    /// The coordinator answered a question about a decision.
    QueryAnswer,
    /// The coordinator heard that a transaction's work is done and sent the prepares.
    WorkDone,
    /// The broker received a reject or a nack.
    Reject,
    /// A replica of a replicated queue took a step of the replication protocol (a
    /// fetch, its answer, a truncation).
    Replicate,
    /// The controller of a replicated queue changed the leader or the in-sync set, or
    /// a replica learnt of the change.
    Election,
    /// Consumer groups: joining, rebalancing, assignment, a member declared dead.
    Rebalance,
    /// Consumer groups: an offset commit reaches the broker.
    OffsetCommit,
}

impl EventKind {
    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Publish => "publish",
            EventKind::Append => "append",
            EventKind::Fsync => "fsync",
            EventKind::Confirm => "confirm",
            EventKind::Deliver => "deliver",
            EventKind::Receive => "receive",
            EventKind::Ack => "ack",
            EventKind::Drop => "drop",
            EventKind::ArriveWhileDown => "arrive_while_down",
            EventKind::Crash => "crash",
            EventKind::Restart => "restart",
            EventKind::Command => "command",
            EventKind::TxnBegin => "txn_begin",
            EventKind::Prepare => "prepare",
            EventKind::Vote => "vote",
            EventKind::Decision => "decision",
            EventKind::Committed => "committed",
            EventKind::VoteTimeout => "vote_timeout",
            EventKind::DecisionResend => "decision_resend",
            EventKind::Query => "query",
            EventKind::QueryAnswer => "query_answer",
            EventKind::WorkDone => "work_done",
            EventKind::Reject => "reject",
            EventKind::Replicate => "replicate",
            EventKind::Election => "election",
            EventKind::Rebalance => "rebalance",
            EventKind::OffsetCommit => "offset_commit",
        }
    }
}

/// Why a participant voted no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteNoReason {
    /// It chose to (the scenario's vote_no probability).
    Chosen,
    /// An in-doubt transaction holds the lock it needs.
    LockHeld,
    /// It already holds the most prepared transactions it may.
    TooManyPrepared,
    /// It had already aborted this transaction.
    AlreadyAborted,
    /// Its work in the transaction is not there: it crashed since, or the work never
    /// reached it.
    WorkMissing,
}

/// The outcome detail of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Nothing more to say.
    None,
    /// The broker appended the publish.
    Appended,
    /// Idempotent broker: a copy is already appended and awaits its fsync.
    DuplicateIgnored,
    /// Idempotent broker: a copy is already durable; it confirms again.
    DuplicateReconfirmed,
    /// The broker's log is full; the publish is refused.
    LogFull,
    /// Idempotent broker with sequence checks: the publish skips a sequence number and
    /// is refused, so that the producer retries it in order.
    OutOfSequence,
    /// The fsync made this many appends durable.
    Fsynced {
        /// How many.
        count: u32,
    },
    /// The broker recorded the ack.
    AckRecorded,
    /// The broker had already recorded that ack.
    AckIgnored,
    /// The producer recorded the confirm.
    Confirmed,
    /// The producer had already recorded it.
    AlreadyConfirmed,
    /// The consumer applied, then acked.
    AppliedThenAcked,
    /// The consumer acked, then applied (at-most-once).
    AckedThenApplied,
    /// Idempotent consumer: already processed; acked without applying.
    DuplicateSkipped,
    /// Lost by the link's random loss.
    RandomLoss,
    /// Lost by a planned or commanded drop.
    PlannedDrop,
    /// Lost because the link is partitioned.
    Partitioned,
    /// Lost because too many messages were in flight.
    Overflow,
    /// A random crash.
    RandomCrash,
    /// The participant voted yes.
    VotedYes,
    /// The participant voted no.
    VotedNo {
        /// Why.
        reason: VoteNoReason,
    },
    /// The participant repeated its earlier yes vote.
    RepeatedVote,
    /// The coordinator noted the vote and waits for the others.
    VoteRecorded,
    /// The coordinator logged COMMIT and sent it.
    DecidedCommit,
    /// The coordinator decided ABORT and sent it.
    DecidedAbort,
    /// A vote for a finished transaction, answered with the decision.
    LateVoteAnswered {
        /// True for COMMIT.
        commit: bool,
    },
    /// A message about a finished transaction that needs no answer.
    Ignored,
    /// The participant committed.
    CommittedTxn,
    /// The participant aborted.
    AbortedTxn,
    /// The participant had already committed; it says so again.
    AlreadyCommitted,
    /// The coordinator noted the participant's commit and waits for the other.
    ParticipantDone,
    /// Every participant committed; the coordinator forgets the transaction.
    TxnEnded,
    /// The coordinator answered with this decision (None: still collecting votes).
    Answered {
        /// Some(true) COMMIT, Some(false) ABORT, None no answer yet.
        commit: Option<bool>,
    },
    /// The restarted coordinator re-sent a logged COMMIT.
    RecoveredCommit,
    /// The restarted coordinator found a transaction without a decision and aborted it.
    RecoveredPresumedAbort,
    /// The broker holds a publish inside its transaction, invisible until the commit.
    HeldInTxn,
    /// The broker holds an ack inside its transaction, effective at the commit.
    AckHeldInTxn,
    /// The consumer applied a delivery inside its transaction, not yet committed.
    AppliedInTxn,
    /// The node finished its part of the transaction's work and told the coordinator.
    WorkDone,
    /// The coordinator gave up waiting for the transaction's work and aborted it.
    WorkTimedOut,
    /// A message about a transaction the node has no work for (it crashed since).
    NotInTxn,
    /// The consumer received a poison message: processing it failed.
    Poison,
    /// The broker put a rejected delivery back in the queue.
    Requeued,
    /// The broker dead-lettered the message.
    DeadLettered,
    /// The broker dropped the message (no dead-letter queue).
    DroppedMessage,
    /// A step of a replicated queue.
    Replication(ReplicaDetail),
    /// A step of consumer groups (Kafka style).
    Group(GroupDetail),
}

/// What a step of consumer groups did (Kafka's classic group protocol, eager
/// rebalance, range assignment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupDetail {
    /// Group coordinator: a member joined the group, which now rebalances (or goes on
    /// rebalancing); `members` joined or awaited.
    Joined { group: u16, members: u16 },
    /// Group coordinator: a member rejoined during the rebalance; `waiting` members
    /// are still awaited.
    Rejoined { group: u16, waiting: u16 },
    /// Group coordinator: the rebalance is done; a new generation with `members`.
    Rebalanced {
        group: u16,
        generation: u32,
        members: u16,
        /// What let it complete at this step.
        trigger: RebalanceTrigger,
    },
    /// Group coordinator: no heartbeat for the session timeout; the member is declared
    /// dead and leaves the group.
    SessionExpired { group: u16, members: u16 },
    /// Group coordinator: the new group's initial rebalance delay is over.
    InitialDelayOver { group: u16 },
    /// Member: its partitions in the new generation (none: it sits idle).
    Assigned {
        generation: u32,
        first: u16,
        count: u16,
    },
    /// Member: the group rebalances; it gives up its partitions (after committing, with
    /// auto-commit, `committed` positions) and rejoins.
    Revoked { committed: u16 },
    /// Broker: answers a member's fetch with the record at this offset.
    Served { partition: u16, offset: u32 },
    /// Broker: nothing at this offset yet; the fetch waits for it (long poll).
    FetchParked { partition: u16, offset: u32 },
    /// Broker: a group's offset commit is recorded.
    OffsetCommitted { partition: u16, offset: u32 },
    /// Broker: an offset commit from a member that is not in the group's current
    /// generation is refused (`ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`).
    CommitRefused { partition: u16, offset: u32 },
    /// Member: a record at its position, processed.
    Processed { partition: u16, offset: u32 },
    /// Member (idempotent): the record's id is in the processed-ids table.
    DuplicateSkipped { partition: u16, offset: u32 },
    /// Member: a record from an older generation, or not at its position: ignored.
    Stale,
    /// Member: processing a poison record threw; the error handler seeks back to it.
    Retrying { attempt: u32 },
    /// Member: the error handler gave up and published the record to the dead-letter
    /// topic.
    ToDeadLetterTopic { attempts: u32 },
    /// Member: the error handler gave up, logged the record and skipped it.
    SkippedRecord { attempts: u32 },
    /// Member: no error handler; it stops at the poison record (partition paused).
    Paused { partition: u16 },
    /// Member: processing a poison record crashed it.
    PoisonCrash,
    /// Member: the auto-commit interval passed; it commits its positions.
    AutoCommitted { partitions: u16 },
    /// Member (commit before processing): it commits the offset past the record and
    /// waits for the answer before processing it.
    CommitFirst { partition: u16, offset: u32 },
    /// Member: its synchronous commit returned; the group will resume at `offset`.
    CommitReturned { partition: u16, offset: u32 },
    /// Member: its synchronous commit was refused (`CommitFailedException`).
    CommitFailed { partition: u16, offset: u32 },
    /// Member: the answer to an asynchronous commit (auto-commit), or to one of a
    /// generation it has left.
    CommitAnswered {
        partition: u16,
        offset: u32,
        accepted: bool,
    },
}

/// What let a rebalance complete at its step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RebalanceTrigger {
    /// A new group's initial rebalance delay passed.
    InitialDelay,
    /// A new member joined, the last one awaited.
    Joined,
    /// A member rejoined, the last one awaited.
    Rejoined,
    /// The last member awaited was declared dead: its session timed out.
    SessionExpired,
}

impl GroupDetail {
    fn code(self) -> u64 {
        let pair = |a: u16, b: u32| u64::from(a) | u64::from(b) << 8;
        let (variant, value): (u64, u64) = match self {
            GroupDetail::Joined { group, members } => (0, pair(group, members.into())),
            GroupDetail::Rejoined { group, waiting } => (1, pair(group, waiting.into())),
            GroupDetail::Rebalanced {
                group,
                generation,
                members,
                trigger,
            } => (
                2,
                pair(group, generation) | u64::from(members) << 40 | (trigger as u64) << 48,
            ),
            GroupDetail::SessionExpired { group, members } => (3, pair(group, members.into())),
            GroupDetail::InitialDelayOver { group } => (4, group.into()),
            GroupDetail::Assigned {
                generation,
                first,
                count,
            } => (
                5,
                u64::from(generation) | u64::from(first) << 32 | u64::from(count) << 40,
            ),
            GroupDetail::Revoked { committed } => (6, committed.into()),
            GroupDetail::Served { partition, offset } => (7, pair(partition, offset)),
            GroupDetail::FetchParked { partition, offset } => (8, pair(partition, offset)),
            GroupDetail::OffsetCommitted { partition, offset } => (9, pair(partition, offset)),
            GroupDetail::CommitRefused { partition, offset } => (10, pair(partition, offset)),
            GroupDetail::Processed { partition, offset } => (11, pair(partition, offset)),
            GroupDetail::DuplicateSkipped { partition, offset } => (12, pair(partition, offset)),
            GroupDetail::Stale => (13, 0),
            GroupDetail::Retrying { attempt } => (14, attempt.into()),
            GroupDetail::ToDeadLetterTopic { attempts } => (15, attempts.into()),
            GroupDetail::SkippedRecord { attempts } => (16, attempts.into()),
            GroupDetail::Paused { partition } => (17, partition.into()),
            GroupDetail::PoisonCrash => (18, 0),
            GroupDetail::AutoCommitted { partitions } => (19, partitions.into()),
            GroupDetail::CommitFirst { partition, offset } => (20, pair(partition, offset)),
            GroupDetail::CommitReturned { partition, offset } => (21, pair(partition, offset)),
            GroupDetail::CommitFailed { partition, offset } => (22, pair(partition, offset)),
            GroupDetail::CommitAnswered {
                partition,
                offset,
                accepted,
            } => (23, pair(partition, offset) | u64::from(accepted) << 48),
        };
        variant | value << 5
    }
}

/// What a step of a replicated queue did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaDetail {
    /// The leader appended the publish at this offset.
    LeaderAppended {
        /// The offset.
        offset: u32,
    },
    /// A publish or fetch reached a replica that is not the leader; it is ignored.
    NotLeader,
    /// `acks=all` and too few in-sync replicas: the leader refused the publish before
    /// appending it.
    NotEnoughReplicas {
        /// The in-sync set's size.
        in_sync: u16,
    },
    /// Idempotent: the record is already in the log; the leader drops the copy.
    DuplicateInLog,
    /// The leader answered a fetch with the record at this offset.
    Served {
        /// The offset.
        offset: u32,
    },
    /// The leader answered a fetch with no record, only its high watermark.
    ServedHighWatermark {
        /// The high watermark.
        high_watermark: u32,
    },
    /// The follower is caught up; the leader holds its fetch until there is news.
    Parked,
    /// The follower asked for offsets beyond the leader's log end; the leader tells it
    /// to truncate there.
    OutOfRange {
        /// The leader's log end offset.
        log_end: u32,
    },
    /// The follower appended a record at this offset and fetches the next.
    FollowerAppended {
        /// The offset.
        offset: u32,
    },
    /// The follower learnt the leader's high watermark.
    LearntHighWatermark {
        /// The high watermark.
        high_watermark: u32,
    },
    /// The replica cut its log back to this length, dropping this many records.
    Truncated {
        /// The new log end offset.
        log_end: u32,
        /// How many records were dropped.
        dropped: u32,
    },
    /// The leader answered where an epoch ends in its log.
    EpochAnswered {
        /// The end offset.
        end: u32,
    },
    /// The controller elected a leader.
    Elected {
        /// The new leader epoch.
        epoch: u32,
        /// The leader was not in the in-sync set (unclean election).
        unclean: bool,
    },
    /// The controller found no replica it may elect: the partition has no leader.
    Offline,
    /// The controller changed the in-sync set.
    IsrChanged {
        /// Its new size.
        size: u16,
    },
    /// The controller's session with a broker timed out: the broker is fenced.
    Fenced,
    /// A replica learnt the partition's leader, epoch and in-sync set.
    LeaderAndIsr {
        /// The leader epoch.
        epoch: u32,
    },
    /// The in-sync set shrank below `min.insync.replicas` while these `acks=all`
    /// writes waited: the leader answers "not enough replicas after append".
    RefusedAfterAppend {
        /// How many writes.
        count: u32,
    },
    /// The producer received "not enough replicas" for its write.
    ProducerRefused {
        /// The error came after the append (the record is in the leader's log).
        after_append: bool,
    },
    /// The high watermark advanced: these records are committed.
    Committed {
        /// The new high watermark.
        high_watermark: u32,
    },
}

impl ReplicaDetail {
    fn code(self) -> u64 {
        let (variant, value): (u64, u64) = match self {
            ReplicaDetail::LeaderAppended { offset } => (0, offset.into()),
            ReplicaDetail::NotLeader => (1, 0),
            ReplicaDetail::NotEnoughReplicas { in_sync } => (2, in_sync.into()),
            ReplicaDetail::DuplicateInLog => (3, 0),
            ReplicaDetail::Served { offset } => (4, offset.into()),
            ReplicaDetail::ServedHighWatermark { high_watermark } => (5, high_watermark.into()),
            ReplicaDetail::Parked => (6, 0),
            ReplicaDetail::OutOfRange { log_end } => (7, log_end.into()),
            ReplicaDetail::FollowerAppended { offset } => (8, offset.into()),
            ReplicaDetail::LearntHighWatermark { high_watermark } => (9, high_watermark.into()),
            ReplicaDetail::Truncated { log_end, dropped } => {
                (10, u64::from(log_end) | u64::from(dropped) << 32)
            }
            ReplicaDetail::EpochAnswered { end } => (11, end.into()),
            ReplicaDetail::Elected { epoch, unclean } => {
                (12, u64::from(epoch) | u64::from(unclean) << 32)
            }
            ReplicaDetail::Offline => (13, 0),
            ReplicaDetail::IsrChanged { size } => (14, size.into()),
            ReplicaDetail::Fenced => (15, 0),
            ReplicaDetail::LeaderAndIsr { epoch } => (16, epoch.into()),
            ReplicaDetail::RefusedAfterAppend { count } => (17, count.into()),
            ReplicaDetail::Committed { high_watermark } => (18, high_watermark.into()),
            ReplicaDetail::ProducerRefused { after_append } => (19, after_append.into()),
        };
        variant | value << 5
    }
}

impl Detail {
    fn code(self) -> u64 {
        match self {
            Detail::None => 0,
            Detail::Appended => 1,
            Detail::DuplicateIgnored => 2,
            Detail::DuplicateReconfirmed => 3,
            Detail::LogFull => 4,
            Detail::Fsynced { count } => 5 | (u64::from(count) << 8),
            Detail::AckRecorded => 6,
            Detail::AckIgnored => 7,
            Detail::Confirmed => 8,
            Detail::AlreadyConfirmed => 9,
            Detail::AppliedThenAcked => 10,
            Detail::AckedThenApplied => 11,
            Detail::DuplicateSkipped => 12,
            Detail::RandomLoss => 13,
            Detail::PlannedDrop => 14,
            Detail::Partitioned => 15,
            Detail::Overflow => 16,
            Detail::RandomCrash => 17,
            Detail::VotedYes => 18,
            Detail::VotedNo { reason } => 19 | ((reason as u64) << 8),
            Detail::RepeatedVote => 20,
            Detail::VoteRecorded => 21,
            Detail::DecidedCommit => 22,
            Detail::DecidedAbort => 23,
            Detail::LateVoteAnswered { commit } => 24 | (u64::from(commit) << 8),
            Detail::Ignored => 25,
            Detail::CommittedTxn => 26,
            Detail::AbortedTxn => 27,
            Detail::AlreadyCommitted => 28,
            Detail::ParticipantDone => 29,
            Detail::TxnEnded => 30,
            Detail::Answered { commit } => 31 | (commit.map_or(0, |c| 1 + u64::from(c)) << 8),
            Detail::RecoveredCommit => 32,
            Detail::RecoveredPresumedAbort => 33,
            Detail::OutOfSequence => 34,
            Detail::HeldInTxn => 35,
            Detail::AckHeldInTxn => 36,
            Detail::AppliedInTxn => 37,
            Detail::WorkDone => 38,
            Detail::WorkTimedOut => 39,
            Detail::NotInTxn => 40,
            Detail::Poison => 41,
            Detail::Requeued => 42,
            Detail::DeadLettered => 43,
            Detail::DroppedMessage => 44,
            Detail::Replication(detail) => 45 | detail.code() << 8,
            Detail::Group(detail) => 46 | detail.code() << 8,
        }
    }
}

/// One entry of the trace; also what `Sim::step` returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// The step index (0 for the first step). A command's entry carries the index of
    /// the step it precedes.
    pub step: u64,
    /// The logical time.
    pub tick: u64,
    /// What happened.
    pub kind: EventKind,
    /// How it turned out.
    pub detail: Detail,
    /// The node that acted (or received).
    pub node: NodeId,
    /// The other node involved, if any.
    pub peer: Option<NodeId>,
    /// The link involved, if any.
    pub link: Option<LinkId>,
    /// The kind of network message involved, if any.
    pub message_kind: Option<MessageKind>,
    /// The application message, if any.
    pub message: Option<MessageId>,
    /// The 2PC transaction, if any.
    pub txn: Option<u32>,
    /// The attempt number (publish or delivery), 0 when not applicable.
    pub attempt: u32,
    /// True when the envelope was a network duplicate.
    pub duplicate: bool,
    /// The crash point at which the node crashed during this step, if any.
    pub crash: Option<CrashPoint>,
    /// When the envelope involved was sent, for drawing its arrow in the space-time
    /// diagram (the arrival is this entry's tick). Not part of the trace hash: it follows
    /// from the entries before it.
    #[serde(default)]
    pub sent_tick: Option<u64>,
    /// One plain sentence.
    pub narration: String,
}

/// What `Sim::step` returns: the trace entry of the step just taken.
pub type StepReport = TraceEvent;

/// The allocation-free form of a trace entry, filled while a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub step: u64,
    pub tick: u64,
    pub kind: EventKind,
    pub detail: Detail,
    pub node: NodeId,
    pub peer: Option<NodeId>,
    pub link: Option<LinkId>,
    pub message_kind: Option<MessageKind>,
    pub message: u32,
    pub txn: u32,
    pub attempt: u32,
    pub duplicate: bool,
    pub crash: Option<CrashPoint>,
    /// For transactions: 0 publish, 1 consume.
    pub txn_kind: u8,
    /// When the envelope involved was sent (not hashed; see `TraceEvent::sent_tick`).
    pub sent_tick: Option<u64>,
}

impl Record {
    pub fn new(step: u64, tick: u64, kind: EventKind, node: NodeId) -> Record {
        Record {
            step,
            tick,
            kind,
            detail: Detail::None,
            node,
            peer: None,
            link: None,
            message_kind: None,
            message: 0,
            txn: 0,
            attempt: 0,
            duplicate: false,
            crash: None,
            txn_kind: 0,
            sent_tick: None,
        }
    }

    /// Builds the full trace entry with its narration.
    pub fn to_event(self, mode: Mode, topology: &Topology) -> TraceEvent {
        TraceEvent {
            step: self.step,
            tick: self.tick,
            kind: self.kind,
            detail: self.detail,
            node: self.node,
            peer: self.peer,
            link: self.link,
            message_kind: self.message_kind,
            message: (self.message > 0).then_some(MessageId(self.message)),
            txn: (self.txn > 0).then_some(self.txn),
            attempt: self.attempt,
            duplicate: self.duplicate,
            crash: self.crash,
            sent_tick: self.sent_tick,
            narration: narrate(&self, mode, topology),
        }
    }

    /// Mixes the entry into the running trace hash.
    pub fn hash_into(&self, hash: &mut TraceHash) {
        let node_bits = |n: Option<NodeId>| n.map_or(0xf, |n| n.hash_code());
        // The first node of each role keeps its old number (0..4), so that a default
        // run's links hash as from * 4 + to, as they always have.
        let link_bits = self
            .link
            .map_or(0xff, |l| l.from.hash_code() * 4 + l.to.hash_code());
        hash.word(self.step);
        hash.word(self.tick);
        hash.word(
            (self.kind as u64)
                | self.node.hash_code() << 8
                | node_bits(self.peer) << 12
                | link_bits << 16
                | self.message_kind.map_or(0xff, MessageKind::code) << 24
                | self.crash.map_or(0xff, |c| c as u64) << 32
                | u64::from(self.duplicate) << 40
                | u64::from(self.txn_kind) << 41,
        );
        hash.word(u64::from(self.message) | u64::from(self.attempt) << 32);
        hash.word(u64::from(self.txn) ^ self.detail.code() << 32);
    }
}

/// FNV-1a, fed 64-bit words instead of bytes (five multiply-xor rounds per step instead
/// of forty). Written here because std's hasher is not stable across Rust versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TraceHash(pub u64);

impl TraceHash {
    pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    pub const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> TraceHash {
        TraceHash(TraceHash::OFFSET)
    }

    pub fn word(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(TraceHash::PRIME);
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.word(u64::from(*byte));
        }
    }
}

// The narration helpers below are `Display` values rather than `String`s: a narration
// is built by one `format!` into one allocation, which matters because the trace
// narrates every step while recording is on.

/// A message id as people read it: "m3".
struct M(u32);

impl fmt::Display for M {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

fn m(number: u32) -> M {
    M(number)
}

/// A transaction as people read it: "t4 (consume m3)".
struct TxnText {
    txn: u32,
    txn_kind: u8,
    message: u32,
}

impl fmt::Display for TxnText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.txn_kind == 0 {
            "publish"
        } else {
            "consume"
        };
        write!(f, "t{} ({what} {})", self.txn, m(self.message))
    }
}

fn txn_text(record: &Record) -> TxnText {
    TxnText {
        txn: record.txn,
        txn_kind: record.txn_kind,
        message: record.message,
    }
}

/// " (attempt 2, a retry)" after the first attempt, nothing before.
struct AttemptText {
    attempt: u32,
    noun: &'static str,
}

impl fmt::Display for AttemptText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attempt > 1 {
            write!(f, " (attempt {}, a {})", self.attempt, self.noun)
        } else {
            Ok(())
        }
    }
}

fn attempt_text(attempt: u32, noun: &'static str) -> AttemptText {
    AttemptText { attempt, noun }
}

/// A piece of a narration, appended without the formatting machinery. The sentences of
/// the steps that happen most (publish, append, fsync, confirm, deliver, receive, ack)
/// are built from pieces into one buffer, because with recording on every step is
/// narrated and `format!` was most of the cost of recording.
trait Piece {
    fn push_onto(&self, out: &mut String);
    /// How many bytes it appends.
    fn len(&self) -> usize;
}

impl Piece for &str {
    fn push_onto(&self, out: &mut String) {
        out.push_str(self);
    }

    fn len(&self) -> usize {
        str::len(self)
    }
}

impl Piece for u32 {
    fn len(&self) -> usize {
        self.checked_ilog10()
            .map_or(1, |digits| digits as usize + 1)
    }

    fn push_onto(&self, out: &mut String) {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        let mut rest = *self;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &digit in &digits[start..] {
            out.push(char::from(digit));
        }
    }
}

impl Piece for M {
    fn push_onto(&self, out: &mut String) {
        out.push('m');
        self.0.push_onto(out);
    }

    fn len(&self) -> usize {
        1 + Piece::len(&self.0)
    }
}

impl Piece for AttemptText {
    fn push_onto(&self, out: &mut String) {
        if self.attempt > 1 {
            out.push_str(" (attempt ");
            self.attempt.push_onto(out);
            out.push_str(", a ");
            out.push_str(self.noun);
            out.push(')');
        }
    }

    fn len(&self) -> usize {
        if self.attempt > 1 {
            " (attempt ".len() + Piece::len(&self.attempt) + ", a ".len() + self.noun.len() + 1
        } else {
            0
        }
    }
}

/// Concatenates pieces into a new narration of exactly their length: the trace keeps
/// every narration, so room to spare would be memory held for the whole run.
macro_rules! pieces {
    ($($piece:expr),+ $(,)?) => {{
        let mut out = String::with_capacity(0 $( + Piece::len(&$piece) )+);
        $( Piece::push_onto(&$piece, &mut out); )+
        out
    }};
}

/// One plain sentence about a step of a replicated queue.
fn narrate_replication(record: &Record, detail: ReplicaDetail) -> String {
    let msg = m(record.message);
    let node = record.node.label();
    let peer = record
        .peer
        .map_or_else(|| "a replica".to_string(), |p| p.the());
    match detail {
        ReplicaDetail::LeaderAppended { offset } => {
            format!("{node} (the leader) appends {msg} to its log at offset {offset}.")
        }
        ReplicaDetail::NotLeader => {
            format!("{node} is not the leader now; it ignores the message from {peer}.")
        }
        ReplicaDetail::NotEnoughReplicas { in_sync } => format!(
            "{node} refuses {msg} before appending it: only {in_sync} replica(s) are in sync, fewer than min.insync.replicas (a retriable error)."
        ),
        ReplicaDetail::DuplicateInLog => format!(
            "{node} finds {msg}'s sequence number in its log (it travelled with the log): it drops the copy."
        ),
        ReplicaDetail::Served { offset } => {
            format!("{node} answers {peer}'s fetch with {msg} (offset {offset}).")
        }
        ReplicaDetail::ServedHighWatermark { high_watermark } => format!(
            "{node} answers {peer}'s fetch with no record, only its high watermark {high_watermark}."
        ),
        ReplicaDetail::Parked => format!(
            "{node} holds {peer}'s fetch: the follower is caught up and there is nothing new."
        ),
        ReplicaDetail::OutOfRange { log_end } => format!(
            "{node} tells {peer} that its fetch offset is beyond the leader's log end ({log_end})."
        ),
        ReplicaDetail::FollowerAppended { offset } => format!(
            "{node} (a follower) appends {msg} at offset {offset} and fetches the next offset."
        ),
        ReplicaDetail::LearntHighWatermark { high_watermark } => {
            format!("{node} learns the leader's high watermark: {high_watermark}.")
        }
        ReplicaDetail::Truncated { log_end, dropped } => format!(
            "{node} truncates its log to offset {log_end}, dropping {dropped} record(s)."
        ),
        ReplicaDetail::EpochAnswered { end } => format!(
            "{node} tells {peer} where its leader epoch ends in the leader's log: offset {end}."
        ),
        ReplicaDetail::Elected { epoch, unclean } => {
            let leader = record.peer.map_or_else(|| "a replica".to_string(), |p| p.the());
            if unclean {
                format!("Controller elects {leader} leader (epoch {epoch}) although it is not in sync: an unclean election.")
            } else {
                format!("Controller elects {leader} leader from the in-sync set (epoch {epoch}).")
            }
        }
        ReplicaDetail::Offline => "Controller finds no in-sync replica to elect: the queue has no leader and takes no writes.".to_string(),
        ReplicaDetail::IsrChanged { size } if record.node.role() == RoleKind::Controller => {
            format!("Controller changes the in-sync set; it now has {size} member(s).")
        }
        ReplicaDetail::IsrChanged { size } => format!(
            "{node} (the leader) asks the controller to change the in-sync set to {size} member(s): a follower fell behind for longer than the lag timeout, or caught up."
        ),
        ReplicaDetail::Fenced => format!(
            "Controller has not heard from {peer} for its session timeout and fences it."
        ),
        ReplicaDetail::LeaderAndIsr { epoch } => {
            format!("{node} learns the leader and the in-sync set of epoch {epoch}.")
        }
        ReplicaDetail::RefusedAfterAppend { count } => format!(
            "{node}'s in-sync set shrank below min.insync.replicas: it answers {count} waiting write(s) with \"not enough replicas after append\"."
        ),
        ReplicaDetail::ProducerRefused { after_append: false } => format!(
            "Producer receives \"not enough replicas\" for {msg}: nothing was written; it will retry."
        ),
        ReplicaDetail::ProducerRefused { after_append: true } => format!(
            "Producer receives \"not enough replicas after append\" for {msg}: the record is in the leader's log but not committed; a retry may store it twice."
        ),
        ReplicaDetail::Committed { high_watermark } => format!(
            "{node} advances its high watermark to {high_watermark}: every in-sync replica has the records below it."
        ),
    }
}

/// One plain sentence (sometimes two) describing a step.
pub(crate) fn narrate(record: &Record, mode: Mode, topology: &Topology) -> String {
    let msg = m(record.message);
    let node = record.node.label();
    let dup = if record.duplicate {
        " (a network duplicate)"
    } else {
        ""
    };
    let body = match (record.kind, record.detail) {
        (_, Detail::Replication(detail)) => narrate_replication(record, detail),
        (_, Detail::Group(detail)) => narrate_group(record, detail),
        _ if mode == Mode::Transactional && is_work_step(record) => narrate_work(record),
        (EventKind::Publish, _) => pieces!(
            "Producer publishes ",
            msg,
            " to the broker",
            attempt_text(record.attempt, "retry"),
            "."
        ),
        (EventKind::Append, Detail::Appended) => {
            pieces!("Broker appends ", msg, " to its log in memory", dup, "; it is not on disk until the fsync.")
        }
        (EventKind::Append, Detail::DuplicateIgnored) => format!(
            "Broker recognises {msg}'s sequence number{dup}: a copy is already waiting for the fsync, so it drops this one."
        ),
        (EventKind::Append, Detail::DuplicateReconfirmed) => format!(
            "Broker recognises {msg}'s sequence number{dup}: it already stored it, so it drops the copy and confirms again."
        ),
        (EventKind::Append, Detail::OutOfSequence) => format!(
            "Broker refuses {msg}{dup}: its sequence number skips one (the message before it is not stored yet), so the producer will retry it in order."
        ),
        (EventKind::Append, _) => format!("Broker's log is full; it refuses {msg}."),
        (EventKind::Fsync, Detail::Fsynced { count }) => {
            let confirms = if mode.confirms() { " and confirms them to the producer" } else { "" };
            if count == 1 {
                let confirms = if mode.confirms() { " and confirms it to the producer" } else { "" };
                pieces!("Broker fsyncs ", msg, " to disk", confirms, ".")
            } else {
                format!("Broker fsyncs {count} messages (up to {msg}) to disk{confirms}.")
            }
        }
        (EventKind::Fsync, _) => "Broker fsyncs its log.".into(),
        (EventKind::Confirm, Detail::AlreadyConfirmed) => {
            format!("Producer receives another confirm for {msg}{dup}; it already had one.")
        }
        (EventKind::Confirm, _) => pieces!("Producer receives the confirm for ", msg, dup, ": the broker has it on disk."),
        (EventKind::Deliver, _) => pieces!(
            "Broker delivers ",
            msg,
            " to the consumer",
            attempt_text(record.attempt, "redelivery"),
            "."
        ),
        (EventKind::Receive, Detail::AckedThenApplied) => match record.crash {
            Some(CrashPoint::ConsumerAfterReceive) => format!("Consumer receives {msg}{dup}."),
            Some(CrashPoint::ConsumerAfterAck) => {
                format!("Consumer receives {msg}{dup} and acks it at once, before applying it.")
            }
            _ => pieces!("Consumer receives ", msg, dup, ", acks it at once and then applies it."),
        },
        (EventKind::Receive, Detail::Poison) => match record.message_kind {
            Some(MessageKind::Reject) => format!(
                "Consumer receives {msg}{dup}, a poison message: processing it fails, and the consumer rejects it with requeue."
            ),
            Some(MessageKind::Nack) => format!(
                "Consumer receives {msg}{dup}, a poison message: processing it fails, and the consumer rejects it without requeue (nack)."
            ),
            Some(MessageKind::Ack) => format!(
                "Consumer receives {msg}{dup}, a poison message, and acks it on receipt: processing it fails, and the broker has already let it go."
            ),
            _ => format!("Consumer receives {msg}{dup}, a poison message: processing it crashes the consumer."),
        },
        (EventKind::Receive, Detail::DuplicateSkipped) => format!(
            "Consumer receives {msg}{dup}, finds it in its processed-ids table and acks without applying it again."
        ),
        (EventKind::Receive, _) if record.crash == Some(CrashPoint::ConsumerAfterApply) => {
            format!("Consumer receives {msg}{dup} and applies it, but has not acked it yet.")
        }
        (EventKind::Receive, _) if record.crash == Some(CrashPoint::ConsumerAfterReceive) => {
            format!("Consumer receives {msg}{dup}.")
        }
        (EventKind::Receive, _) => match mode {
            Mode::Idempotent => format!(
                "Consumer receives {msg}{dup}, applies it and records its id in the same database transaction, then acks."
            ),
            _ => pieces!("Consumer receives ", msg, dup, ", applies it and acks."),
        },
        (EventKind::Ack, Detail::AckIgnored) => format!("Broker receives another ack for {msg}{dup}; it already has one."),
        (EventKind::Ack, _) => pieces!("Broker receives the ack for ", msg, dup, " and will not deliver it again."),
        (EventKind::Reject, Detail::Requeued) => format!(
            "Broker receives the reject for {msg}{dup} and puts it back at the head of the queue (returned {} time{}).",
            record.attempt,
            if record.attempt == 1 { "" } else { "s" }
        ),
        (EventKind::Reject, Detail::DeadLettered) => format!(
            "Broker dead-letters {msg}{dup}: {}, so it goes to the dead-letter queue.",
            if record.message_kind == Some(MessageKind::Nack) { "its consumer rejected it without requeue" } else { "it was returned more times than the delivery limit allows" }
        ),
        (EventKind::Reject, Detail::DroppedMessage) => format!(
            "Broker drops {msg}{dup}: {}, and no dead-letter queue is configured.",
            if record.message_kind == Some(MessageKind::Nack) { "its consumer rejected it without requeue" } else { "it was returned more times than the delivery limit allows" }
        ),
        (EventKind::Reject, _) => format!("Broker receives a reject for {msg}{dup}, which it no longer holds."),
        (EventKind::Drop, Detail::Partitioned | Detail::Overflow | Detail::PlannedDrop) => {
            let what = what_text(record);
            let link = record.link.map(|l| l.to_string()).unwrap_or_default();
            match record.detail {
                Detail::Partitioned => format!("The partition on {link} swallows {what}."),
                Detail::Overflow => format!("Too many messages are in flight: {what} is dropped."),
                _ => format!("{} is dropped on {link} (planned fault).", capitalise(&what)),
            }
        }
        (EventKind::Drop, _) => lost_on_link(record),
        (EventKind::ArriveWhileDown, _) => format!(
            "{} reaches {}, which is down, and is lost.",
            capitalise(&what_text(record)),
            record.node.the()
        ),
        (EventKind::Crash, _) => format!("{node} crashes (random crash) and loses its memory."),
        (EventKind::Restart, Detail::RecoveredCommit) => format!(
            "{node} restarts, reads COMMIT for t{} in its log and sends it again.",
            record.txn
        ),
        (EventKind::Restart, Detail::RecoveredPresumedAbort) => format!(
            "{node} restarts, finds t{} in its log without a decision and aborts it (presumed abort).",
            record.txn
        ),
        (EventKind::Restart, _) => format!("{node} restarts and rebuilds its state from its disk log."),
        (EventKind::Command, _) => format!("{node}: command applied."),
        (EventKind::TxnBegin, _) => {
            let worker = topology.participants(record.txn_kind, record.message)[0];
            if record.txn_kind == 0 {
                format!(
                    "Coordinator begins {}, logs it and tells {} to do its work.",
                    txn_text(record),
                    worker.the()
                )
            } else {
                format!(
                    "Coordinator begins {}, logs it and asks the broker to deliver {} inside it.",
                    txn_text(record),
                    m(record.message)
                )
            }
        }
        (EventKind::WorkDone, Detail::Ignored) => format!(
            "Coordinator hears that the work of t{} is done, but no longer runs that transaction.",
            record.txn
        ),
        (EventKind::WorkDone, _) => {
            let [first, second] = topology.participants(record.txn_kind, record.message);
            format!(
                "Coordinator hears that the work of {} is done and starts phase 1: it sends prepare to the {} and the {}.",
                txn_text(record),
                first.participant_label(),
                second.participant_label()
            )
        }
        (EventKind::Replicate | EventKind::Election, _) => {
            format!("{} takes a step of the replication protocol.", record.node.label())
        }
        (EventKind::VoteTimeout, Detail::WorkTimedOut) => format!(
            "Coordinator gives up waiting for the work of {} and aborts it.",
            txn_text(record)
        ),
        (EventKind::Prepare, Detail::VotedYes) => format!(
            "The {} prepares {}, logs it and votes yes; it now holds its locks and cannot decide alone.",
            record.node.participant_label(),
            txn_text(record)
        ),
        (EventKind::Prepare, Detail::VotedNo { reason }) => format!(
            "The {} votes no on {} ({}).",
            record.node.participant_label(),
            txn_text(record),
            match reason {
                VoteNoReason::Chosen => "it cannot do the work",
                VoteNoReason::LockHeld => "an in-doubt transaction holds the lock it needs",
                VoteNoReason::TooManyPrepared => "it holds too many prepared transactions",
                VoteNoReason::AlreadyAborted => "it has already aborted it",
                VoteNoReason::WorkMissing => "its work in the transaction is gone: it crashed since, or the work never reached it",
            }
        ),
        (EventKind::Prepare, Detail::RepeatedVote) => format!(
            "The {} receives the prepare for {} again and repeats its yes vote.",
            record.node.participant_label(),
            txn_text(record)
        ),
        (EventKind::Prepare, _) => format!(
            "The {} receives the prepare for {}.",
            record.node.participant_label(),
            txn_text(record)
        ),
        (EventKind::Vote, detail) => {
            let from = peer_label(record);
            let vote = if record.message_kind == Some(MessageKind::VoteNo) { "no" } else { "yes" };
            match detail {
                Detail::DecidedCommit => format!(
                    "Coordinator receives the {from}'s yes vote: every vote is yes, so it logs COMMIT for {} and sends it.",
                    txn_text(record)
                ),
                Detail::DecidedAbort => format!(
                    "Coordinator receives the {from}'s no vote and aborts {}.",
                    txn_text(record)
                ),
                Detail::LateVoteAnswered { commit } => format!(
                    "Coordinator receives a late {vote} vote from the {from} for t{} and answers {}.",
                    record.txn,
                    if commit { "COMMIT" } else { "ABORT" }
                ),
                Detail::Ignored => format!("Coordinator ignores a late {vote} vote from the {from} for t{}.", record.txn),
                _ => format!(
                    "Coordinator receives the {from}'s {vote} vote on {} and waits for the other vote.",
                    txn_text(record)
                ),
            }
        }
        (EventKind::Decision, detail) => {
            let who = record.node.participant_label();
            let decision = if record.message_kind == Some(MessageKind::Abort) { "ABORT" } else { "COMMIT" };
            match detail {
                Detail::CommittedTxn => format!(
                    "The {who} receives COMMIT for {}, makes its work durable, releases its locks and answers committed.",
                    txn_text(record)
                ),
                Detail::AbortedTxn => format!(
                    "The {who} receives ABORT for {}, rolls its work back and releases its locks.",
                    txn_text(record)
                ),
                Detail::AlreadyCommitted => format!(
                    "The {who} receives COMMIT for t{} again; it already committed and says so again.",
                    record.txn
                ),
                _ => format!("The {who} receives {decision} for t{}, which it no longer holds.", record.txn),
            }
        }
        (EventKind::Committed, Detail::TxnEnded) => format!(
            "Coordinator hears that the {} committed {}: every participant has committed, so it forgets the transaction.",
            peer_label(record),
            txn_text(record)
        ),
        (EventKind::Committed, Detail::Ignored) => {
            format!("Coordinator receives a repeated committed message for t{}.", record.txn)
        }
        (EventKind::Committed, _) => format!(
            "Coordinator hears that the {} committed {} and waits for the other participant.",
            peer_label(record),
            txn_text(record)
        ),
        (EventKind::VoteTimeout, _) => format!(
            "Coordinator gives up waiting for the votes on {} and aborts it.",
            txn_text(record)
        ),
        (EventKind::DecisionResend, _) => format!(
            "Coordinator has not heard back about {} and sends COMMIT again.",
            txn_text(record)
        ),
        (EventKind::Query, _) => format!(
            "The {} is in doubt about t{} and asks the coordinator for the decision.",
            record.node.participant_label(),
            record.txn
        ),
        (EventKind::QueryAnswer, Detail::Answered { commit }) => match commit {
            Some(true) => format!("Coordinator tells the asking {} that t{} committed.", peer_label(record), record.txn),
            Some(false) => format!(
                "Coordinator has no COMMIT for t{} in its log and tells the {} to abort (presumed abort).",
                record.txn,
                peer_label(record)
            ),
            None => format!(
                "Coordinator is still collecting votes for t{} and does not answer the {} yet.",
                record.txn,
                peer_label(record)
            ),
        },
        (EventKind::QueryAnswer, _) => format!("Coordinator answers about t{}.", record.txn),
        (EventKind::Rebalance, _) => format!("{node} takes part in its group's rebalance."),
        (EventKind::OffsetCommit, _) => format!("{node} handles an offset commit."),
    };
    let mut body = body;
    if let Some(point) = record.crash.filter(|_| record.detail != Detail::Poison) {
        // Appended in place: most steps do not crash, and those that do need no copy.
        let _ = write!(
            body,
            " Then {} crashes ({}).",
            record.node.the(),
            point.name_at(record.node.instance())
        );
    }
    body
}

/// The partitions first..first+count as words: "p0", "p0–p2".
fn partitions_text(first: u16, count: u16) -> String {
    match count {
        0 => "no partition".to_string(),
        1 => format!("partition p{first}"),
        _ => format!("partitions p{first}–p{}", first + count - 1),
    }
}

/// The steps of consumer groups (Kafka's classic group protocol).
fn narrate_group(record: &Record, detail: GroupDetail) -> String {
    let msg = m(record.message);
    let node = record.node.label();
    let peer = record
        .peer
        .map_or_else(|| "a member".to_string(), |p| p.name().to_string());
    match detail {
        GroupDetail::Joined { group, members } => format!(
            "The group coordinator on the broker takes {peer}'s JoinGroup: group {} now has {members} member{} and rebalances (eager: every member gives up its partitions and rejoins).",
            group + 1,
            if members == 1 { "" } else { "s" }
        ),
        GroupDetail::Rejoined { group, waiting } => {
            if waiting == 0 {
                format!("{peer} rejoins group {}; every member is back.", group + 1)
            } else {
                format!(
                    "{peer} rejoins group {}; the rebalance waits for {waiting} more member{} (a dead one leaves only when its session times out).",
                    group + 1,
                    if waiting == 1 { "" } else { "s" }
                )
            }
        }
        GroupDetail::Rebalanced {
            group,
            generation,
            members,
            trigger,
        } => {
            let why = match trigger {
                RebalanceTrigger::InitialDelay => format!(
                    "Group {}'s initial rebalance delay (group.initial.rebalance.delay.ms) is over",
                    group + 1
                ),
                RebalanceTrigger::Joined => format!("{peer} joins group {}, the last member awaited", group + 1),
                RebalanceTrigger::Rejoined => format!("{peer} rejoins group {}, the last member awaited", group + 1),
                RebalanceTrigger::SessionExpired => format!(
                    "No heartbeat from {peer} for the session timeout (session.timeout.ms): the group coordinator declares it dead, the last member group {} awaited",
                    group + 1
                ),
            };
            format!(
                "{why}. The rebalance completes: generation {generation}, {members} member{}; the range assignor splits the partitions in order among the members, sorted by member id.",
                if members == 1 { "" } else { "s" }
            )
        }
        GroupDetail::SessionExpired { group, members } => format!(
            "No heartbeat from {peer} for the session timeout (session.timeout.ms): the group coordinator declares it dead and group {} rebalances with {members} member{}.",
            group + 1,
            if members == 1 { "" } else { "s" }
        ),
        GroupDetail::InitialDelayOver { group } => format!(
            "Group {}'s initial rebalance delay (group.initial.rebalance.delay.ms) is over: the coordinator completes the first rebalance with the members that joined.",
            group + 1
        ),
        GroupDetail::Assigned {
            generation,
            first,
            count,
        } => {
            if count == 0 {
                format!("{node} joins generation {generation} with no partition: the group has more members than partitions, so it sits idle.")
            } else {
                format!(
                    "{node} is assigned {} (generation {generation}) and fetches from the group's committed offsets.",
                    partitions_text(first, count)
                )
            }
        }
        GroupDetail::Revoked { committed } => {
            if committed > 0 {
                format!("{node} hears that its group rebalances: it commits the positions its polls reached (auto-commit), gives up its partitions and rejoins.")
            } else {
                format!("{node} hears that its group rebalances: it gives up its partitions and rejoins.")
            }
        }
        GroupDetail::Served { partition, offset } => {
            let again = if record.attempt > 1 { ", again" } else { "" };
            format!("Broker answers {peer}'s fetch with {msg} from p{partition} at offset {offset}{again}.")
        }
        GroupDetail::FetchParked { partition, offset } => format!(
            "Broker has nothing at p{partition} offset {offset} yet: {peer}'s fetch waits there for the next record (long poll)."
        ),
        GroupDetail::OffsetCommitted { partition, offset } => format!(
            "Broker records {peer}'s commit: its group will resume p{partition} at offset {offset} (past {msg})."
        ),
        GroupDetail::CommitRefused { partition, offset } => format!(
            "Broker refuses {peer}'s commit of p{partition} offset {offset}: the member is not in its group's current generation (ILLEGAL_GENERATION)."
        ),
        // At a commit's answer: the commit went first (commit before processing).
        GroupDetail::Processed { partition, offset } if record.kind == EventKind::OffsetCommit => format!(
            "{node}'s commit returns (its group will resume p{partition} at offset {}), so it now processes {msg}.",
            u64::from(offset) + 1
        ),
        GroupDetail::Processed { partition, offset } => {
            format!("{node} polls {msg} (p{partition} offset {offset}) and processes it.")
        }
        GroupDetail::DuplicateSkipped { partition, offset } if record.kind == EventKind::OffsetCommit => format!(
            "{node}'s commit returns (its group will resume p{partition} at offset {}); {msg}'s id is already in the group's processed-ids table, so it skips the side effect.",
            u64::from(offset) + 1
        ),
        GroupDetail::DuplicateSkipped { partition, offset } => format!(
            "{node} polls {msg} (p{partition} offset {offset}); its id is already in the group's processed-ids table, so it skips the side effect."
        ),
        GroupDetail::Stale => format!(
            "{node} ignores {msg}: it was fetched for a partition or a generation the consumer no longer holds."
        ),
        GroupDetail::Retrying { attempt } => format!(
            "{node} fails to process {msg} (a poison record), attempt {attempt}: the error handler seeks back and polls it again."
        ),
        GroupDetail::ToDeadLetterTopic { attempts } => format!(
            "{node} fails {msg} for the {} time: the error handler gives up, publishes it to the dead-letter topic and commits past it.",
            ordinal(attempts)
        ),
        GroupDetail::SkippedRecord { attempts } => format!(
            "{node} fails {msg} for the {} time: the error handler gives up, logs it and commits past it — with no dead-letter topic the record is skipped.",
            ordinal(attempts)
        ),
        GroupDetail::Paused { partition } => format!(
            "{node} fails to process {msg} (a poison record) and has no error handler to give up on it: it stops at the record, and p{partition} is blocked behind it."
        ),
        GroupDetail::PoisonCrash => format!(
            "{node} polls {msg}, a poison record, and processing it crashes the consumer; the partition's next owner will poll it again from the committed offset."
        ),
        GroupDetail::CommitFirst { partition, offset } => format!(
            "{node} polls {msg} (p{partition} offset {offset}) and, committing before processing, first commits the offset past it and waits for the broker's answer."
        ),
        GroupDetail::CommitReturned { partition, offset } => format!(
            "{node}'s commit returns: its group will resume p{partition} at offset {offset}, past {msg}."
        ),
        GroupDetail::CommitFailed { partition, offset } => format!(
            "{node}'s commit of p{partition} offset {offset} fails (CommitFailedException): it is no longer in its group's generation, so it leaves {msg} to the partition's next owner."
        ),
        GroupDetail::CommitAnswered {
            partition,
            offset,
            accepted,
        } => {
            let how = if accepted { "recorded" } else { "refused" };
            format!("{node} hears that its commit of p{partition} offset {offset} was {how}; it did not wait for the answer.")
        }
        GroupDetail::AutoCommitted { partitions } => format!(
            "{node}'s auto-commit interval has passed: it commits the positions its polls reached on {partitions} partition{}.",
            if partitions == 1 { "" } else { "s" }
        ),
    }
}

/// "first", "second", ..., then "10th".
fn ordinal(n: u32) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        _ => format!("{n}th"),
    }
}

/// True for the steps of a transaction's work: the message travelling on the publish
/// and deliver links inside its transaction.
fn is_work_step(record: &Record) -> bool {
    record.txn > 0
        && matches!(
            record.kind,
            EventKind::Publish
                | EventKind::Append
                | EventKind::Confirm
                | EventKind::Deliver
                | EventKind::Receive
                | EventKind::Ack
        )
}

/// The steps of a transaction's work, in transactional mode.
fn narrate_work(record: &Record) -> String {
    let msg = m(record.message);
    let t = record.txn;
    let dup = if record.duplicate {
        " (a network duplicate)"
    } else {
        ""
    };
    match (record.kind, record.detail) {
        (EventKind::Publish, _) => format!(
            "{} begins its part of {}: it writes the order row in its database, not yet committed, and publishes {msg} to the broker inside t{t}.",
            capitalise(&record.node.the()),
            txn_text(record)
        ),
        (EventKind::Append, _) => format!(
            "Broker holds {msg}{dup} for t{t} in memory, invisible to consumers until t{t} commits, and confirms it to the producer."
        ),
        (EventKind::Confirm, Detail::WorkDone) => format!(
            "Producer receives the confirm for {msg} in t{t}{dup}: the broker holds all of t{t}'s messages, so the producer tells the coordinator its work is done."
        ),
        (EventKind::Confirm, Detail::AlreadyConfirmed) => format!(
            "Producer receives another confirm for {msg} in t{t}{dup}; it already had one."
        ),
        (EventKind::Confirm, Detail::NotInTxn) => format!(
            "Producer receives a confirm for {msg} in t{t}{dup}, which it no longer works on (it crashed since); it ignores it."
        ),
        (EventKind::Confirm, _) => format!(
            "Producer receives the confirm for {msg} in t{t}{dup} and waits for the rest of t{t}."
        ),
        (EventKind::Deliver, Detail::NotInTxn) => {
            format!("Broker has nothing left to deliver for t{t}.")
        }
        (EventKind::Deliver, _) => format!(
            "Broker delivers {msg} to {} inside {} and locks it: nobody else gets it while t{t} runs.",
            record.peer.map_or_else(|| "the consumer".to_string(), |p| p.the()),
            txn_text(record)
        ),
        (EventKind::Receive, _) => match record.crash {
            Some(CrashPoint::ConsumerAfterReceive) => format!("Consumer receives {msg} in t{t}{dup}."),
            Some(CrashPoint::ConsumerAfterApply) => format!(
                "Consumer receives {msg} in t{t}{dup} and applies it to its database, not yet committed; it has not acked it."
            ),
            _ => format!(
                "Consumer receives {msg} in t{t}{dup}, applies it to its database without committing and acks it inside t{t}."
            ),
        },
        (EventKind::Ack, Detail::NotInTxn) => format!(
            "Broker receives an ack for {msg} in t{t}{dup}, which it has no work for (it crashed since); it ignores it."
        ),
        (_, Detail::WorkDone) => format!(
            "Broker receives the ack for {msg} in t{t}{dup} and holds it: {msg} leaves the queue only if t{t} commits. Every message of t{t} is applied and acked, so the broker tells the coordinator the work is done."
        ),
        (_, _) => format!(
            "Broker receives the ack for {msg} in t{t}{dup} and holds it: {msg} leaves the queue only if t{t} commits."
        ),
    }
}

fn peer_label(record: &Record) -> String {
    record.peer.map_or_else(
        || "participant".to_string(),
        |p| p.participant_label().to_string(),
    )
}

fn what_text(record: &Record) -> String {
    let kind = record
        .message_kind
        .map(MessageKind::noun)
        .unwrap_or("message");
    if record.message > 0 {
        format!("the {kind} for {}", m(record.message))
    } else if record.txn > 0 {
        format!("the {kind} for t{}", record.txn)
    } else {
        format!("a {kind}")
    }
}

/// "The confirm for m2 is lost on broker->producer.", the most frequent drop, from pieces
/// (the same sentence as `capitalise(what_text(..))` followed by the link).
fn lost_on_link(record: &Record) -> String {
    let kind = record.message_kind.map_or("message", MessageKind::noun);
    let (from, to) = record.link.map_or((None, None), |link| {
        (Some(link.from.name()), Some(link.to.name()))
    });
    let from = from.as_ref().map_or("", |name| name.as_str());
    let to = to.as_ref().map_or("", |name| name.as_str());
    let on = [" is lost on ", from, "->", to, "."];
    if record.message > 0 {
        let mut out = pieces!("The ", kind, " for ", m(record.message));
        on.iter().for_each(|piece| piece.push_onto(&mut out));
        out
    } else if record.txn > 0 {
        let mut out = pieces!("The ", kind, " for t", record.txn);
        on.iter().for_each(|piece| piece.push_onto(&mut out));
        out
    } else {
        let mut out = pieces!("A ", kind);
        on.iter().for_each(|piece| piece.push_onto(&mut out));
        out
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Every sentence starts with an ASCII word; ASCII case mapping keeps the
        // Unicode case tables out of the page's bundle.
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}
