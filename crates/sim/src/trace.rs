//! The trace: one entry per step (and per applied command), each with a plain-language
//! narration, and a stable hash of the whole run.
//!
//! Narration strings are built only when an entry is recorded or a step report is
//! requested, so a run with recording off does not allocate per event.

use mqlab_text::narration::Key;
use mqlab_text::steps;
use mqlab_text::{Lang, Words};
use serde::{Deserialize, Serialize};

use crate::fault::CrashPoint;
use crate::ledger::MessageId;
use crate::mode::Mode;
use crate::network::{LinkId, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::speech::{label, say, step, the};
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
    /// One plain sentence that says what happened. A run keeps its trace without it and
    /// tells an entry when it is read (`Sim::tell`, `Sim::told`), in the run's words, so
    /// that recording, replaying and changing the language cost no text; the entries of
    /// a scenario file and of the CLI's trace carry it.
    pub narration: String,
    /// What the narration is made from beyond the fields above, so that it can be told
    /// again in another language. Neither serialized nor hashed, and ignored by `==`.
    #[serde(skip)]
    pub facts: NarrationFacts,
}

impl TraceEvent {
    /// The command a command's entry records (user input or a planned fault).
    pub fn command(&self) -> Option<&crate::fault::Command> {
        self.facts.command.as_deref().map(CommandNote::command)
    }
}

/// A run's recorded trace: its first `len` events. When time travel goes back, the
/// events after are kept as they were, so that going forward again finds them instead of
/// recording them anew; recording the same run overwrites them with themselves, and a
/// command that changes the run's future drops them (`forget_ahead`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Trace {
    events: Vec<TraceEvent>,
    len: usize,
    /// The events recorded by a probe under way (see `begin_probe`).
    probe: Option<Vec<TraceEvent>>,
}

impl Trace {
    pub(crate) fn as_slice(&self) -> &[TraceEvent] {
        self.events.get(..self.len).unwrap_or(&self.events)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, event: TraceEvent) {
        if let Some(probe) = &mut self.probe {
            probe.push(event);
            self.len += 1;
            return;
        }
        match self.events.get_mut(self.len) {
            // The same run records the same event: it is deterministic, and whatever
            // changes its future (a command) drops the events kept first.
            Some(kept) => {
                debug_assert_eq!(*kept, event, "a kept event differs");
                *kept = event;
            }
            None => self.events.push(event),
        }
        self.len += 1;
    }

    /// Goes back to the first `len` events, keeping the others.
    pub(crate) fn cut(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Goes forward to the first `len` events, if they are kept; false if not.
    pub(crate) fn regain(&mut self, len: usize) -> bool {
        let kept = len <= self.events.len();
        if kept {
            self.len = self.len.max(len);
        }
        kept
    }

    /// Drops the events kept after the first `len` (the run's future changed).
    pub(crate) fn forget_ahead(&mut self) {
        self.events.truncate(self.len);
    }

    /// Records the events that follow aside until [`Trace::end_probe`]: a step taken to
    /// be undone (see `Sim::settle`) must not write over the events kept ahead.
    pub(crate) fn begin_probe(&mut self) {
        self.probe = Some(Vec::new());
    }

    /// Ends a probe: the events it recorded join the trace if `keep`, else they go (the
    /// caller cuts the trace back).
    pub(crate) fn end_probe(&mut self, keep: bool) {
        if let Some(events) = self.probe.take() {
            if keep {
                self.len -= events.len();
                for event in events {
                    self.push(event);
                }
            }
        }
    }
}

/// A command as its trace entry remembers it, to narrate it in any language.
#[derive(Clone, Debug)]
pub(crate) struct CommandNote {
    pub(crate) command: crate::fault::Command,
    /// A planned fault of the scenario rather than user input.
    pub(crate) planned: bool,
    /// Why a planned fault was skipped.
    pub(crate) error: Option<crate::fault::CommandError>,
    /// Replaying dead letters: how many.
    pub(crate) count: usize,
    /// A timed partition of the scenario: the two nodes whose links it cuts or heals.
    pub(crate) between: Option<(NodeId, NodeId)>,
}

impl CommandNote {
    /// The command.
    pub(crate) fn command(&self) -> &crate::fault::Command {
        &self.command
    }
}

/// The facts of a trace entry that only its narration needs.
#[derive(Clone, Debug, Default)]
pub struct NarrationFacts {
    /// For transactions: 0 publish, 1 consume.
    pub(crate) txn_kind: u8,
    /// For a command's entry: the command and how it went.
    pub(crate) command: Option<Box<CommandNote>>,
}

impl PartialEq for NarrationFacts {
    fn eq(&self, _: &NarrationFacts) -> bool {
        true
    }
}

impl Eq for NarrationFacts {}

impl TraceEvent {
    /// The allocation-free form of the entry, to narrate it again.
    pub(crate) fn to_record(&self) -> Record {
        Record {
            step: self.step,
            tick: self.tick,
            kind: self.kind,
            detail: self.detail,
            node: self.node,
            peer: self.peer,
            link: self.link,
            message_kind: self.message_kind,
            message: self.message.map_or(0, |m| m.0),
            txn: self.txn.unwrap_or(0),
            attempt: self.attempt,
            duplicate: self.duplicate,
            crash: self.crash,
            txn_kind: self.facts.txn_kind,
            sent_tick: self.sent_tick,
        }
    }
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

    /// Builds the trace entry, told in `words`.
    pub fn to_told_event(self, mode: Mode, topology: &Topology, words: &Words) -> TraceEvent {
        let mut event = self.to_event();
        event.narration = narrate(&self, mode, topology, words);
        event
    }

    /// Builds the trace entry as a run keeps it: without its sentence, which the run
    /// tells from the entry when it is read.
    pub fn to_event(self) -> TraceEvent {
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
            narration: String::new(),
            facts: NarrationFacts {
                txn_kind: self.txn_kind,
                command: None,
            },
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

    /// Folds in one event of a world of its own (Kafka transactions, the dual writes):
    /// its step, its tick and its debug form.
    #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
    pub fn event(&mut self, step: u64, tick: u64, event: &impl std::fmt::Debug) {
        self.word(step);
        self.word(tick);
        self.bytes(format!("{event:?}").as_bytes());
    }
}

// The narration: every sentence comes from the catalogue `narration` in the words the
// run is narrated in, filled with the step's names and numbers (`speech.rs`).

/// A message id as people read it: "m3".
fn m(number: u32) -> String {
    format!("m{number}")
}

/// A transaction as people read it: "t4 (consume m3)".
fn txn_text(words: &Words, record: &Record) -> String {
    if record.txn_kind == 0 {
        say!(words, TxnPublish, t = record.txn, msg = m(record.message))
    } else {
        say!(words, TxnConsume, t = record.txn, msg = m(record.message))
    }
}

/// " (attempt 2, a retry)" after the first attempt, nothing before.
fn attempt_text(words: &Words, attempt: u32, redelivery: bool) -> String {
    match (attempt > 1, redelivery) {
        (false, _) => String::new(),
        (true, false) => step!(words, AttemptRetry, attempt = attempt),
        (true, true) => step!(words, AttemptRedelivery, attempt = attempt),
    }
}

/// One plain sentence about a step of a replicated queue.
fn narrate_replication(words: &Words, record: &Record, detail: ReplicaDetail) -> String {
    let w = words;
    let msg = m(record.message);
    let node = label(w, record.node);
    let peer = record
        .peer
        .map_or_else(|| w.get(steps::Key::AReplica).to_string(), |p| the(w, p));
    match detail {
        ReplicaDetail::LeaderAppended { offset } => {
            step!(
                w,
                ReplicaLeaderAppends,
                node = &node,
                msg = &msg,
                offset = offset
            )
        }
        ReplicaDetail::NotLeader => step!(w, ReplicaNotLeader, node = &node, peer = &peer),
        ReplicaDetail::NotEnoughReplicas { in_sync } => step!(
            w,
            ReplicaNotEnoughReplicas,
            node = &node,
            msg = &msg,
            in_sync = in_sync
        ),
        ReplicaDetail::DuplicateInLog => step!(w, ReplicaDuplicateInLog, node = &node, msg = &msg),
        ReplicaDetail::Served { offset } => step!(
            w,
            ReplicaServed,
            node = &node,
            peer = &peer,
            msg = &msg,
            offset = offset
        ),
        ReplicaDetail::ServedHighWatermark { high_watermark } => step!(
            w,
            ReplicaServedHighWatermark,
            node = &node,
            peer = &peer,
            hw = high_watermark
        ),
        ReplicaDetail::Parked => step!(w, ReplicaParked, node = &node, peer = &peer),
        ReplicaDetail::OutOfRange { log_end } => step!(
            w,
            ReplicaOutOfRange,
            node = &node,
            peer = &peer,
            log_end = log_end
        ),
        ReplicaDetail::FollowerAppended { offset } => step!(
            w,
            ReplicaFollowerAppends,
            node = &node,
            msg = &msg,
            offset = offset
        ),
        ReplicaDetail::LearntHighWatermark { high_watermark } => {
            step!(
                w,
                ReplicaLearnsHighWatermark,
                node = &node,
                hw = high_watermark
            )
        }
        ReplicaDetail::Truncated { log_end, dropped } => step!(
            w,
            ReplicaTruncates,
            node = &node,
            log_end = log_end,
            dropped = dropped
        ),
        ReplicaDetail::EpochAnswered { end } => {
            step!(
                w,
                ReplicaEpochAnswered,
                node = &node,
                peer = &peer,
                end = end
            )
        }
        ReplicaDetail::Elected { epoch, unclean } => {
            if unclean {
                step!(w, ReplicaElectedUnclean, leader = &peer, epoch = epoch)
            } else {
                step!(w, ReplicaElected, leader = &peer, epoch = epoch)
            }
        }
        ReplicaDetail::Offline => step!(w, ReplicaOffline),
        ReplicaDetail::IsrChanged { size } if record.node.role() == RoleKind::Controller => {
            step!(w, ReplicaIsrChanged, size = size)
        }
        ReplicaDetail::IsrChanged { size } => {
            step!(w, ReplicaIsrChangeAsked, node = &node, size = size)
        }
        ReplicaDetail::Fenced => step!(w, ReplicaFenced, peer = &peer),
        ReplicaDetail::LeaderAndIsr { epoch } => {
            step!(w, ReplicaLeaderAndIsr, node = &node, epoch = epoch)
        }
        ReplicaDetail::RefusedAfterAppend { count } => {
            step!(w, ReplicaRefusedAfterAppend, node = &node, count = count)
        }
        ReplicaDetail::ProducerRefused {
            after_append: false,
        } => step!(w, ReplicaProducerRefused, msg = &msg),
        ReplicaDetail::ProducerRefused { after_append: true } => {
            step!(w, ReplicaProducerRefusedAfterAppend, msg = &msg)
        }
        ReplicaDetail::Committed { high_watermark } => {
            step!(w, ReplicaCommitted, node = &node, hw = high_watermark)
        }
    }
}

/// One plain sentence (sometimes two) describing a step.
pub(crate) fn narrate(record: &Record, mode: Mode, topology: &Topology, words: &Words) -> String {
    let w = words;
    let msg = m(record.message);
    let node = label(w, record.node);
    let dup = if record.duplicate {
        w.get(steps::Key::NetworkDuplicate)
    } else {
        ""
    };
    let t = record.txn;
    let body = match (record.kind, record.detail) {
        (_, Detail::Replication(detail)) => narrate_replication(w, record, detail),
        (_, Detail::Group(detail)) => narrate_group(w, record, detail),
        _ if mode == Mode::Transactional && is_work_step(record) => narrate_work(w, record),
        (EventKind::Publish, _) => step!(
            w,
            StepPublish,
            msg = &msg,
            attempt = attempt_text(w, record.attempt, false)
        ),
        (EventKind::Append, Detail::Appended) => step!(w, StepAppend, msg = &msg, dup = dup),
        (EventKind::Append, Detail::DuplicateIgnored) => {
            step!(w, StepAppendDuplicateIgnored, msg = &msg, dup = dup)
        }
        (EventKind::Append, Detail::DuplicateReconfirmed) => {
            step!(w, StepAppendDuplicateReconfirmed, msg = &msg, dup = dup)
        }
        (EventKind::Append, Detail::OutOfSequence) => {
            step!(w, StepAppendOutOfSequence, msg = &msg, dup = dup)
        }
        (EventKind::Append, _) => step!(w, StepAppendLogFull, msg = &msg),
        (EventKind::Fsync, Detail::Fsynced { count }) => match (count == 1, mode.confirms()) {
            (true, true) => step!(w, StepFsyncOneConfirm, msg = &msg),
            (true, false) => step!(w, StepFsyncOne, msg = &msg),
            (false, true) => step!(w, StepFsyncManyConfirm, count = count, msg = &msg),
            (false, false) => step!(w, StepFsyncMany, count = count, msg = &msg),
        },
        (EventKind::Fsync, _) => step!(w, StepFsyncLog),
        (EventKind::Confirm, Detail::AlreadyConfirmed) => {
            step!(w, StepConfirmAgain, msg = &msg, dup = dup)
        }
        (EventKind::Confirm, _) => step!(w, StepConfirm, msg = &msg, dup = dup),
        (EventKind::Deliver, _) => step!(
            w,
            StepDeliver,
            msg = &msg,
            attempt = attempt_text(w, record.attempt, true)
        ),
        (EventKind::Receive, Detail::AckedThenApplied) => match record.crash {
            Some(CrashPoint::ConsumerAfterReceive) => {
                step!(w, StepReceiveOnly, msg = &msg, dup = dup)
            }
            Some(CrashPoint::ConsumerAfterAck) => {
                step!(w, StepReceiveAckFirst, msg = &msg, dup = dup)
            }
            _ => step!(w, StepReceiveAckThenApply, msg = &msg, dup = dup),
        },
        (EventKind::Receive, Detail::Poison) => match record.message_kind {
            Some(MessageKind::Reject) => step!(w, StepPoisonReject, msg = &msg, dup = dup),
            Some(MessageKind::Nack) => step!(w, StepPoisonNack, msg = &msg, dup = dup),
            Some(MessageKind::Ack) => step!(w, StepPoisonAutoAck, msg = &msg, dup = dup),
            _ => step!(w, StepPoisonCrash, msg = &msg, dup = dup),
        },
        (EventKind::Receive, Detail::DuplicateSkipped) => {
            step!(w, StepReceiveDuplicateSkipped, msg = &msg, dup = dup)
        }
        (EventKind::Receive, _) if record.crash == Some(CrashPoint::ConsumerAfterApply) => {
            step!(w, StepReceiveAppliedNotAcked, msg = &msg, dup = dup)
        }
        (EventKind::Receive, _) if record.crash == Some(CrashPoint::ConsumerAfterReceive) => {
            step!(w, StepReceiveOnly, msg = &msg, dup = dup)
        }
        (EventKind::Receive, _) => match mode {
            Mode::Idempotent => step!(w, StepReceiveIdempotent, msg = &msg, dup = dup),
            _ => step!(w, StepReceive, msg = &msg, dup = dup),
        },
        (EventKind::Ack, Detail::AckIgnored) => step!(w, StepAckAgain, msg = &msg, dup = dup),
        (EventKind::Ack, _) => step!(w, StepAck, msg = &msg, dup = dup),
        (EventKind::Reject, Detail::Requeued) => step!(
            w,
            StepRequeued,
            msg = &msg,
            dup = dup,
            returned = record.attempt
        ),
        (EventKind::Reject, Detail::DeadLettered) => {
            if record.message_kind == Some(MessageKind::Nack) {
                step!(w, StepDeadLetteredNack, msg = &msg, dup = dup)
            } else {
                step!(w, StepDeadLetteredLimit, msg = &msg, dup = dup)
            }
        }
        (EventKind::Reject, Detail::DroppedMessage) => {
            if record.message_kind == Some(MessageKind::Nack) {
                step!(w, StepDroppedNack, msg = &msg, dup = dup)
            } else {
                step!(w, StepDroppedLimit, msg = &msg, dup = dup)
            }
        }
        (EventKind::Reject, _) => step!(w, StepRejectUnknown, msg = &msg, dup = dup),
        (EventKind::Drop, Detail::Partitioned | Detail::Overflow | Detail::PlannedDrop) => {
            let link = record.link.map(|l| l.to_string()).unwrap_or_default();
            match record.detail {
                Detail::Partitioned => {
                    step!(
                        w,
                        DropPartitioned,
                        link = &link,
                        what = what_text(w, record, false)
                    )
                }
                Detail::Overflow => step!(w, DropOverflow, what = what_text(w, record, false)),
                _ => step!(
                    w,
                    DropPlanned,
                    what = what_text(w, record, true),
                    link = &link
                ),
            }
        }
        (EventKind::Drop, _) => {
            let (from, to) = record.link.map_or((String::new(), String::new()), |link| {
                (link.from.name().to_string(), link.to.name().to_string())
            });
            step!(
                w,
                DropLost,
                what = what_text(w, record, true),
                from = &from,
                to = &to
            )
        }
        (EventKind::ArriveWhileDown, _) => step!(
            w,
            ArriveWhileDown,
            what = what_text(w, record, true),
            node = the(w, record.node)
        ),
        (EventKind::Crash, _) => step!(w, CrashRandom, node = &node),
        (EventKind::Restart, Detail::RecoveredCommit) => {
            step!(w, RestartRecoveredCommit, node = &node, t = t)
        }
        (EventKind::Restart, Detail::RecoveredPresumedAbort) => {
            step!(w, RestartPresumedAbort, node = &node, t = t)
        }
        (EventKind::Restart, _) => step!(w, Restart, node = &node),
        (EventKind::Command, _) => step!(w, CommandApplied, node = &node),
        (EventKind::TxnBegin, _) => {
            let worker = topology.participants(record.txn_kind, record.message)[0];
            if record.txn_kind == 0 {
                step!(
                    w,
                    TxnBeginPublish,
                    txn = txn_text(w, record),
                    worker = the(w, worker)
                )
            } else {
                step!(w, TxnBeginConsume, txn = txn_text(w, record), msg = &msg)
            }
        }
        (EventKind::WorkDone, Detail::Ignored) => step!(w, TxnWorkDoneIgnored, t = t),
        (EventKind::WorkDone, _) => {
            let [first, second] = topology.participants(record.txn_kind, record.message);
            step!(
                w,
                TxnWorkDone,
                txn = txn_text(w, record),
                first = first.participant_label().as_str(),
                second = second.participant_label().as_str()
            )
        }
        (EventKind::Replicate | EventKind::Election, _) => {
            step!(w, ReplicationStep, node = &node)
        }
        (EventKind::VoteTimeout, Detail::WorkTimedOut) => {
            step!(w, TxnWorkTimedOut, txn = txn_text(w, record))
        }
        (EventKind::Prepare, Detail::VotedYes) => step!(
            w,
            PrepareVotesYes,
            participant = record.node.participant_label().as_str(),
            txn = txn_text(w, record)
        ),
        (EventKind::Prepare, Detail::VotedNo { reason }) => step!(
            w,
            PrepareVotesNo,
            participant = record.node.participant_label().as_str(),
            txn = txn_text(w, record),
            why = w.get(match reason {
                VoteNoReason::Chosen => steps::Key::VoteNoChosen,
                VoteNoReason::LockHeld => steps::Key::VoteNoLockHeld,
                VoteNoReason::TooManyPrepared => steps::Key::VoteNoTooManyPrepared,
                VoteNoReason::AlreadyAborted => steps::Key::VoteNoAlreadyAborted,
                VoteNoReason::WorkMissing => steps::Key::VoteNoWorkMissing,
            })
        ),
        (EventKind::Prepare, Detail::RepeatedVote) => step!(
            w,
            PrepareRepeated,
            participant = record.node.participant_label().as_str(),
            txn = txn_text(w, record)
        ),
        (EventKind::Prepare, _) => step!(
            w,
            PrepareReceived,
            participant = record.node.participant_label().as_str(),
            txn = txn_text(w, record)
        ),
        (EventKind::Vote, detail) => {
            let from = peer_label(w, record);
            let vote = if record.message_kind == Some(MessageKind::VoteNo) {
                w.get(Key::VoteNo)
            } else {
                w.get(Key::VoteYes)
            };
            match detail {
                Detail::DecidedCommit => {
                    step!(
                        w,
                        VoteDecidedCommit,
                        from = &from,
                        txn = txn_text(w, record)
                    )
                }
                Detail::DecidedAbort => {
                    step!(w, VoteDecidedAbort, from = &from, txn = txn_text(w, record))
                }
                Detail::LateVoteAnswered { commit } => step!(
                    w,
                    VoteLateAnswered,
                    vote = vote,
                    from = &from,
                    t = t,
                    decision = if commit { "COMMIT" } else { "ABORT" }
                ),
                Detail::Ignored => step!(w, VoteLateIgnored, vote = vote, from = &from, t = t),
                _ => step!(
                    w,
                    VoteRecorded,
                    from = &from,
                    vote = vote,
                    txn = txn_text(w, record)
                ),
            }
        }
        (EventKind::Decision, detail) => {
            let who = record.node.participant_label();
            let who = who.as_str();
            let decision = if record.message_kind == Some(MessageKind::Abort) {
                "ABORT"
            } else {
                "COMMIT"
            };
            match detail {
                Detail::CommittedTxn => {
                    step!(w, DecisionCommitted, who = who, txn = txn_text(w, record))
                }
                Detail::AbortedTxn => {
                    step!(w, DecisionAborted, who = who, txn = txn_text(w, record))
                }
                Detail::AlreadyCommitted => step!(w, DecisionAlreadyCommitted, who = who, t = t),
                _ => step!(w, DecisionUnknown, who = who, decision = decision, t = t),
            }
        }
        (EventKind::Committed, Detail::TxnEnded) => step!(
            w,
            CommittedTxnEnded,
            from = peer_label(w, record),
            txn = txn_text(w, record)
        ),
        (EventKind::Committed, Detail::Ignored) => step!(w, CommittedRepeated, t = t),
        (EventKind::Committed, _) => step!(
            w,
            CommittedWaiting,
            from = peer_label(w, record),
            txn = txn_text(w, record)
        ),
        (EventKind::VoteTimeout, _) => step!(w, VoteTimeout, txn = txn_text(w, record)),
        (EventKind::DecisionResend, _) => step!(w, DecisionResend, txn = txn_text(w, record)),
        (EventKind::Query, _) => step!(
            w,
            Query,
            participant = record.node.participant_label().as_str(),
            t = t
        ),
        (EventKind::QueryAnswer, Detail::Answered { commit }) => match commit {
            Some(true) => step!(w, QueryAnswerCommit, from = peer_label(w, record), t = t),
            Some(false) => step!(w, QueryAnswerAbort, t = t, from = peer_label(w, record)),
            None => step!(w, QueryAnswerPending, t = t, from = peer_label(w, record)),
        },
        (EventKind::QueryAnswer, _) => step!(w, QueryAnswer, t = t),
        (EventKind::Rebalance, _) => step!(w, RebalanceStep, node = &node),
        (EventKind::OffsetCommit, _) => step!(w, OffsetCommitStep, node = &node),
    };
    let mut body = body;
    if let Some(point) = record.crash.filter(|_| record.detail != Detail::Poison) {
        body.push_str(&step!(
            w,
            ThenCrashes,
            node = the(w, record.node),
            point = point.name_at(record.node.instance())
        ));
    }
    body
}

/// The partitions first..first+count as words: "p0", "p0–p2".
fn partitions_text(words: &Words, first: u16, count: u16) -> String {
    match count {
        0 => words.get(steps::Key::PartitionsNone).to_string(),
        1 => step!(words, PartitionsOne, first = first),
        _ => step!(
            words,
            PartitionsMany,
            first = first,
            last = first + count - 1
        ),
    }
}

/// The steps of consumer groups (Kafka's classic group protocol).
fn narrate_group(words: &Words, record: &Record, detail: GroupDetail) -> String {
    let w = words;
    let msg = m(record.message);
    let node = label(w, record.node);
    let peer = record.peer.map_or_else(
        || w.get(steps::Key::AMember).to_string(),
        |p| p.name().to_string(),
    );
    match detail {
        GroupDetail::Joined { group, members } => step!(
            w,
            GroupJoined,
            peer = &peer,
            group = group + 1,
            members = members
        ),
        GroupDetail::Rejoined { group, waiting } => {
            if waiting == 0 {
                step!(w, GroupRejoinedAll, peer = &peer, group = group + 1)
            } else {
                step!(
                    w,
                    GroupRejoinedWaiting,
                    peer = &peer,
                    group = group + 1,
                    waiting = waiting
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
                RebalanceTrigger::InitialDelay => {
                    step!(w, GroupWhyInitialDelay, group = group + 1)
                }
                RebalanceTrigger::Joined => {
                    step!(w, GroupWhyJoined, peer = &peer, group = group + 1)
                }
                RebalanceTrigger::Rejoined => {
                    step!(w, GroupWhyRejoined, peer = &peer, group = group + 1)
                }
                RebalanceTrigger::SessionExpired => {
                    step!(w, GroupWhySessionExpired, peer = &peer, group = group + 1)
                }
            };
            step!(
                w,
                GroupRebalanced,
                why = why,
                generation = generation,
                members = members
            )
        }
        GroupDetail::SessionExpired { group, members } => step!(
            w,
            GroupSessionExpired,
            peer = &peer,
            group = group + 1,
            members = members
        ),
        GroupDetail::InitialDelayOver { group } => {
            step!(w, GroupInitialDelayOver, group = group + 1)
        }
        GroupDetail::Assigned {
            generation,
            first,
            count,
        } => {
            if count == 0 {
                step!(w, GroupAssignedNone, node = &node, generation = generation)
            } else {
                step!(
                    w,
                    GroupAssigned,
                    node = &node,
                    partitions = partitions_text(w, first, count),
                    generation = generation
                )
            }
        }
        GroupDetail::Revoked { committed } => {
            if committed > 0 {
                step!(w, GroupRevokedCommitting, node = &node)
            } else {
                step!(w, GroupRevoked, node = &node)
            }
        }
        GroupDetail::Served { partition, offset } => {
            if record.attempt > 1 {
                step!(
                    w,
                    GroupServedAgain,
                    peer = &peer,
                    msg = &msg,
                    partition = partition,
                    offset = offset
                )
            } else {
                step!(
                    w,
                    GroupServed,
                    peer = &peer,
                    msg = &msg,
                    partition = partition,
                    offset = offset
                )
            }
        }
        GroupDetail::FetchParked { partition, offset } => step!(
            w,
            GroupFetchParked,
            partition = partition,
            offset = offset,
            peer = &peer
        ),
        GroupDetail::OffsetCommitted { partition, offset } => step!(
            w,
            GroupOffsetCommitted,
            peer = &peer,
            partition = partition,
            offset = offset,
            msg = &msg
        ),
        GroupDetail::CommitRefused { partition, offset } => step!(
            w,
            GroupCommitRefused,
            peer = &peer,
            partition = partition,
            offset = offset
        ),
        // At a commit's answer: the commit went first (commit before processing).
        GroupDetail::Processed { partition, offset } if record.kind == EventKind::OffsetCommit => {
            step!(
                w,
                GroupProcessedAfterCommit,
                node = &node,
                partition = partition,
                offset = u64::from(offset) + 1,
                msg = &msg
            )
        }
        GroupDetail::Processed { partition, offset } => step!(
            w,
            GroupProcessed,
            node = &node,
            msg = &msg,
            partition = partition,
            offset = offset
        ),
        GroupDetail::DuplicateSkipped { partition, offset }
            if record.kind == EventKind::OffsetCommit =>
        {
            step!(
                w,
                GroupDuplicateSkippedAfterCommit,
                node = &node,
                partition = partition,
                offset = u64::from(offset) + 1,
                msg = &msg
            )
        }
        GroupDetail::DuplicateSkipped { partition, offset } => step!(
            w,
            GroupDuplicateSkipped,
            node = &node,
            msg = &msg,
            partition = partition,
            offset = offset
        ),
        GroupDetail::Stale => step!(w, GroupStale, node = &node, msg = &msg),
        GroupDetail::Retrying { attempt } => {
            step!(
                w,
                GroupRetrying,
                node = &node,
                msg = &msg,
                attempt = attempt
            )
        }
        GroupDetail::ToDeadLetterTopic { attempts } => step!(
            w,
            GroupToDeadLetterTopic,
            node = &node,
            msg = &msg,
            nth = ordinal(w, attempts)
        ),
        GroupDetail::SkippedRecord { attempts } => step!(
            w,
            GroupSkippedRecord,
            node = &node,
            msg = &msg,
            nth = ordinal(w, attempts)
        ),
        GroupDetail::Paused { partition } => {
            step!(
                w,
                GroupPaused,
                node = &node,
                msg = &msg,
                partition = partition
            )
        }
        GroupDetail::PoisonCrash => step!(w, GroupPoisonCrash, node = &node, msg = &msg),
        GroupDetail::CommitFirst { partition, offset } => step!(
            w,
            GroupCommitFirst,
            node = &node,
            msg = &msg,
            partition = partition,
            offset = offset
        ),
        GroupDetail::CommitReturned { partition, offset } => step!(
            w,
            GroupCommitReturned,
            node = &node,
            partition = partition,
            offset = offset,
            msg = &msg
        ),
        GroupDetail::CommitFailed { partition, offset } => step!(
            w,
            GroupCommitFailed,
            node = &node,
            partition = partition,
            offset = offset,
            msg = &msg
        ),
        GroupDetail::CommitAnswered {
            partition,
            offset,
            accepted,
        } => {
            if accepted {
                step!(
                    w,
                    GroupCommitAnsweredRecorded,
                    node = &node,
                    partition = partition,
                    offset = offset
                )
            } else {
                step!(
                    w,
                    GroupCommitAnsweredRefused,
                    node = &node,
                    partition = partition,
                    offset = offset
                )
            }
        }
        GroupDetail::AutoCommitted { partitions } => {
            step!(w, GroupAutoCommitted, node = &node, partitions = partitions)
        }
    }
}

/// "first", "second", ..., then "10th".
fn ordinal(words: &Words, n: u32) -> String {
    match n {
        1 => words.get(steps::Key::OrdinalFirst).to_string(),
        2 => words.get(steps::Key::OrdinalSecond).to_string(),
        3 => words.get(steps::Key::OrdinalThird).to_string(),
        _ => step!(words, OrdinalNth, n = n),
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
fn narrate_work(words: &Words, record: &Record) -> String {
    let w = words;
    let msg = m(record.message);
    let t = record.txn;
    let dup = if record.duplicate {
        w.get(steps::Key::NetworkDuplicate)
    } else {
        ""
    };
    match (record.kind, record.detail) {
        (EventKind::Publish, _) => {
            let who = if w.lang() == Lang::En {
                capitalise(&record.node.the())
            } else {
                record.node.name().to_string()
            };
            step!(
                w,
                WorkPublish,
                who = who,
                txn = txn_text(w, record),
                msg = &msg,
                t = t
            )
        }
        (EventKind::Append, _) => step!(w, WorkAppend, msg = &msg, dup = dup, t = t),
        (EventKind::Confirm, Detail::WorkDone) => {
            step!(w, WorkConfirmDone, msg = &msg, t = t, dup = dup)
        }
        (EventKind::Confirm, Detail::AlreadyConfirmed) => {
            step!(w, WorkConfirmAgain, msg = &msg, t = t, dup = dup)
        }
        (EventKind::Confirm, Detail::NotInTxn) => {
            step!(w, WorkConfirmNotInTxn, msg = &msg, t = t, dup = dup)
        }
        (EventKind::Confirm, _) => step!(w, WorkConfirm, msg = &msg, t = t, dup = dup),
        (EventKind::Deliver, Detail::NotInTxn) => step!(w, WorkDeliverNothing, t = t),
        (EventKind::Deliver, _) => step!(
            w,
            WorkDeliver,
            msg = &msg,
            consumer = record
                .peer
                .map_or_else(|| w.get(steps::Key::TheConsumer).to_string(), |p| the(w, p)),
            txn = txn_text(w, record),
            t = t
        ),
        (EventKind::Receive, _) => match record.crash {
            Some(CrashPoint::ConsumerAfterReceive) => {
                step!(w, WorkReceiveOnly, msg = &msg, t = t, dup = dup)
            }
            Some(CrashPoint::ConsumerAfterApply) => {
                step!(w, WorkReceiveApplied, msg = &msg, t = t, dup = dup)
            }
            _ => step!(w, WorkReceive, msg = &msg, t = t, dup = dup),
        },
        (EventKind::Ack, Detail::NotInTxn) => {
            step!(w, WorkAckNotInTxn, msg = &msg, t = t, dup = dup)
        }
        (_, Detail::WorkDone) => step!(w, WorkAckDone, msg = &msg, t = t, dup = dup),
        (_, _) => step!(w, WorkAck, msg = &msg, t = t, dup = dup),
    }
}

fn peer_label(words: &Words, record: &Record) -> String {
    record.peer.map_or_else(
        || words.get(steps::Key::Participant).to_string(),
        |p| p.participant_label().to_string(),
    )
}

/// "the confirm for m2", "the prepare for t3", "a fetch"; `start` for the start of a
/// sentence.
fn what_text(words: &Words, record: &Record, start: bool) -> String {
    let w = words;
    let kind = record
        .message_kind
        .map(MessageKind::noun)
        .unwrap_or("message");
    if record.message > 0 {
        let msg = m(record.message);
        if start {
            step!(w, WhatMessageStart, kind = kind, msg = &msg)
        } else {
            step!(w, WhatMessage, kind = kind, msg = &msg)
        }
    } else if record.txn > 0 {
        if start {
            step!(w, WhatTxnStart, kind = kind, t = record.txn)
        } else {
            step!(w, WhatTxn, kind = kind, t = record.txn)
        }
    } else if start {
        step!(w, WhatAnyStart, kind = kind)
    } else {
        step!(w, WhatAny, kind = kind)
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}
