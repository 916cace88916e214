//! The ledger: the oracle of the lab. For every message it records what happened at
//! each stage and gives a verdict; every anomaly is linked to the step of the fault
//! that caused it and explained in one sentence. Every count on the page comes from
//! here.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::checker::{Checker, InvariantViolation};
use crate::node::NodeId;
use crate::speech::{say, step, the};
use mqlab_text::narration::Key;
use mqlab_text::steps;
use mqlab_text::{Entry as _, Words};

/// A message id, written "m1", "m2"… in JSON and on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u32);

impl MessageId {
    /// The message number (1 for m1).
    pub const fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

impl FromStr for MessageId {
    type Err = String;

    fn from_str(input: &str) -> Result<MessageId, String> {
        let digits = input.trim().strip_prefix('m').unwrap_or(input.trim());
        match digits.parse::<u32>() {
            Ok(number) if number >= 1 => Ok(MessageId(number)),
            _ => Err(format!("'{input}' is not a message id such as m3")),
        }
    }
}

impl Serialize for MessageId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<MessageId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What caused an extra copy, a loss or a late arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// A publish was lost on the producer->broker link.
    PublishLost,
    /// A confirm was lost on the broker->producer link.
    ConfirmLost,
    /// A delivery was lost on the broker->consumer link.
    DeliveryLost,
    /// An ack was lost on the consumer->broker link.
    AckLost,
    /// A message was sent when too many were in flight and was dropped.
    NetworkOverflow,
    /// The network delivered a message twice.
    LinkDuplicate,
    /// A message arrived at a node that was down.
    ArrivedWhileDown(NodeId),
    /// The producer crashed before sending.
    ProducerCrashBeforeSend,
    /// The producer crashed after sending, before the confirm.
    ProducerCrashAfterSend,
    /// The producer crashed with publishes unconfirmed.
    ProducerCrash,
    /// The broker crashed with the message appended but not fsynced.
    BrokerCrashBeforeFsync,
    /// The broker crashed after the fsync, before confirming.
    BrokerCrashAfterFsync,
    /// The broker crashed with the delivery unacked.
    BrokerCrash,
    /// The consumer crashed after receiving, before applying.
    ConsumerCrashAfterReceive,
    /// The consumer crashed after applying, before acking.
    ConsumerCrashAfterApply,
    /// The consumer crashed after acking, before applying (at-most-once).
    ConsumerCrashAfterAck,
    /// The consumer crashed holding the delivery unacked: its connection closed and the
    /// broker put the message back in the queue.
    ConsumerConnectionClosed(NodeId),
    /// The producer's retry timer fired before the confirm arrived.
    RetryTimeout,
    /// The broker's redelivery timer fired before the ack arrived.
    RedeliveryTimeout,
    /// The broker's log was full.
    BrokerLogFull,
    /// A poison message: processing it fails, on every consumer, every time.
    PoisonMessage,
    /// The link was partitioned.
    Partition,
    /// A replica cut its log and dropped the message.
    LogTruncated(NodeId),
    /// The leader crashed while no follower had the message yet.
    LeaderCrashBeforeReplicated(NodeId),
    /// The leader refused the write: too few in-sync replicas.
    NotEnoughReplicas,
    /// Consumer groups: the group read the record again because its committed offset
    /// was behind what had been processed.
    ReadAgain,
    /// Consumer groups: this consumer crashed after processing the record and before
    /// committing the offset past it.
    MemberCrashBeforeCommit(NodeId),
    /// Consumer groups: this consumer crashed after processing the record and before
    /// its auto-commit covered it.
    MemberCrashBeforeAutoCommit(NodeId),
    /// Consumer groups: this consumer committed the offset past the record and crashed
    /// before processing it.
    MemberCrashAfterCommit(NodeId),
    /// Consumer groups: an offset commit was lost (it reached the broker while the
    /// broker was down).
    CommitLost,
}

/// A cause: what happened and the trace step at which it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// The trace step index of the fault.
    pub step: u64,
    /// What it was.
    pub kind: CauseKind,
}

impl Cause {
    pub(crate) const fn new(step: u64, kind: CauseKind) -> Cause {
        Cause { step, kind }
    }

    /// The end of a sentence explaining a duplicate caused by this.
    fn duplicate_reason(self, w: &Words) -> String {
        match self.kind {
            CauseKind::ConsumerCrashAfterApply => {
                w.get(steps::Key::DuplicateConsumerCrashAfterApply).into()
            }
            CauseKind::AckLost => w.get(steps::Key::DuplicateAckLost).into(),
            CauseKind::ConsumerConnectionClosed(consumer) => {
                step!(w, DuplicateConnectionClosed, consumer = the(w, consumer))
            }
            CauseKind::ArrivedWhileDown(NodeId::BROKER) => {
                w.get(steps::Key::DuplicateAckWhileBrokerDown).into()
            }
            CauseKind::ArrivedWhileDown(NodeId::PRODUCER) => {
                w.get(steps::Key::DuplicateConfirmWhileProducerDown).into()
            }
            CauseKind::BrokerCrash => w.get(steps::Key::DuplicateBrokerCrash).into(),
            CauseKind::RedeliveryTimeout => w.get(steps::Key::DuplicateRedeliveryTimeout).into(),
            CauseKind::ConfirmLost => w.get(steps::Key::DuplicateConfirmLost).into(),
            CauseKind::ProducerCrashAfterSend | CauseKind::ProducerCrash => {
                w.get(steps::Key::DuplicateProducerCrash).into()
            }
            CauseKind::BrokerCrashAfterFsync => {
                w.get(steps::Key::DuplicateBrokerCrashAfterFsync).into()
            }
            CauseKind::RetryTimeout => w.get(steps::Key::DuplicateRetryTimeout).into(),
            CauseKind::LinkDuplicate => w.get(steps::Key::DuplicateLinkDuplicate).into(),
            CauseKind::MemberCrashBeforeCommit(node) => {
                step!(w, DuplicateMemberCrashBeforeCommit, node = the(w, node))
            }
            CauseKind::MemberCrashBeforeAutoCommit(node) => {
                step!(w, DuplicateMemberCrashBeforeAutoCommit, node = the(w, node))
            }
            CauseKind::CommitLost => w.get(steps::Key::DuplicateCommitLost).into(),
            CauseKind::ReadAgain => w.get(steps::Key::DuplicateReadAgain).into(),
            other => step!(w, DuplicateOther, cause = cause_name(w, other)),
        }
    }

    /// The end of a sentence explaining a loss caused by this; `late` for a message
    /// that arrived late rather than never (without "and nobody published it again").
    fn loss_reason(self, w: &Words, late: bool) -> String {
        match self.kind {
            CauseKind::PublishLost if late => w.get(steps::Key::LossPublishLostLate).into(),
            CauseKind::PublishLost => w.get(steps::Key::LossPublishLost).into(),
            CauseKind::DeliveryLost if late => w.get(steps::Key::LossDeliveryLostLate).into(),
            CauseKind::DeliveryLost => w.get(steps::Key::LossDeliveryLost).into(),
            CauseKind::ArrivedWhileDown(node) => {
                step!(w, LossArrivedWhileDown, node = the(w, node))
            }
            CauseKind::ProducerCrashBeforeSend => {
                w.get(steps::Key::LossProducerCrashBeforeSend).into()
            }
            CauseKind::BrokerCrashBeforeFsync if late => {
                w.get(steps::Key::LossBrokerCrashBeforeFsyncLate).into()
            }
            CauseKind::BrokerCrashBeforeFsync => {
                w.get(steps::Key::LossBrokerCrashBeforeFsync).into()
            }
            CauseKind::ConsumerCrashAfterReceive => {
                w.get(steps::Key::LossConsumerCrashAfterReceive).into()
            }
            CauseKind::ConsumerCrashAfterAck => w.get(steps::Key::LossConsumerCrashAfterAck).into(),
            CauseKind::PoisonMessage => w.get(steps::Key::LossPoisonMessage).into(),
            CauseKind::NetworkOverflow => w.get(steps::Key::LossNetworkOverflow).into(),
            CauseKind::Partition => w.get(steps::Key::LossPartition).into(),
            CauseKind::LogTruncated(node) => step!(w, LossLogTruncated, node = the(w, node)),
            CauseKind::LeaderCrashBeforeReplicated(node) => {
                step!(w, LossLeaderCrashBeforeReplicated, node = the(w, node))
            }
            CauseKind::NotEnoughReplicas => w.get(steps::Key::LossNotEnoughReplicas).into(),
            CauseKind::MemberCrashAfterCommit(node) => {
                step!(w, LossMemberCrashAfterCommit, node = the(w, node))
            }
            other => step!(w, LossOther, cause = cause_name(w, other)),
        }
    }
}

fn cause_name(w: &Words, kind: CauseKind) -> String {
    let key = match kind {
        CauseKind::ArrivedWhileDown(node) => {
            return step!(w, CauseArrivedWhileDown, node = the(w, node));
        }
        CauseKind::PublishLost => steps::Key::CausePublishLost,
        CauseKind::ConfirmLost => steps::Key::CauseConfirmLost,
        CauseKind::DeliveryLost => steps::Key::CauseDeliveryLost,
        CauseKind::AckLost => steps::Key::CauseAckLost,
        CauseKind::NetworkOverflow => steps::Key::CauseNetworkOverflow,
        CauseKind::LinkDuplicate => steps::Key::CauseLinkDuplicate,
        CauseKind::ProducerCrashBeforeSend => steps::Key::CauseProducerCrashBeforeSend,
        CauseKind::ProducerCrashAfterSend => steps::Key::CauseProducerCrashAfterSend,
        CauseKind::ProducerCrash => steps::Key::CauseProducerCrash,
        CauseKind::BrokerCrashBeforeFsync => steps::Key::CauseBrokerCrashBeforeFsync,
        CauseKind::BrokerCrashAfterFsync => steps::Key::CauseBrokerCrashAfterFsync,
        CauseKind::BrokerCrash => steps::Key::CauseBrokerCrash,
        CauseKind::ConsumerCrashAfterReceive => steps::Key::CauseConsumerCrashAfterReceive,
        CauseKind::ConsumerCrashAfterApply => steps::Key::CauseConsumerCrashAfterApply,
        CauseKind::ConsumerCrashAfterAck => steps::Key::CauseConsumerCrashAfterAck,
        CauseKind::ConsumerConnectionClosed(_) => steps::Key::CauseConsumerConnectionClosed,
        CauseKind::RetryTimeout => steps::Key::CauseRetryTimeout,
        CauseKind::RedeliveryTimeout => steps::Key::CauseRedeliveryTimeout,
        CauseKind::BrokerLogFull => steps::Key::CauseBrokerLogFull,
        CauseKind::PoisonMessage => steps::Key::CausePoisonMessage,
        CauseKind::Partition => steps::Key::CausePartition,
        CauseKind::LogTruncated(_) => steps::Key::CauseLogTruncated,
        CauseKind::LeaderCrashBeforeReplicated(_) => steps::Key::CauseLeaderCrashBeforeReplicated,
        CauseKind::NotEnoughReplicas => steps::Key::CauseNotEnoughReplicas,
        CauseKind::ReadAgain => steps::Key::CauseReadAgain,
        CauseKind::MemberCrashBeforeCommit(_) => steps::Key::CauseMemberCrashBeforeCommit,
        CauseKind::MemberCrashBeforeAutoCommit(_) => steps::Key::CauseMemberCrashBeforeAutoCommit,
        CauseKind::MemberCrashAfterCommit(_) => steps::Key::CauseMemberCrashAfterCommit,
        CauseKind::CommitLost => steps::Key::CauseCommitLost,
    };
    w.get(key).to_string()
}

/// The verdict on one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Applied exactly once, in order.
    ExactlyOnce,
    /// Never applied, and nothing left in the run can apply it (the run is quiet).
    Lost,
    /// Applied this many times (at least 2).
    Duplicated(u32),
    /// Applied exactly once, but after a later message had been applied.
    Reordered,
    /// Not applied yet, and the run can still apply it.
    Pending,
    /// Not applied, and a 2PC participant holds it prepared without knowing the
    /// decision.
    InDoubt,
    /// Not applied: the broker moved it to the dead-letter queue, where it waits.
    DeadLettered,
    /// Not applied: the broker dropped it (no dead-letter queue was configured), or a
    /// Kafka consumer's error handler logged it and skipped it.
    Dropped,
    /// Not applied: it is a poison record its group cannot get past, or it waits in a
    /// partition behind one (head-of-line blocking).
    Blocked,
}

impl Verdict {
    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::ExactlyOnce => "exactly_once",
            Verdict::Lost => "lost",
            Verdict::Duplicated(_) => "duplicated",
            Verdict::Reordered => "reordered",
            Verdict::Pending => "pending",
            Verdict::InDoubt => "in_doubt",
            Verdict::DeadLettered => "dead_lettered",
            Verdict::Dropped => "dropped",
            Verdict::Blocked => "blocked",
        }
    }

    /// The text shown to people, e.g. "duplicated ×2".
    pub fn label(self) -> String {
        self.label_in(&Words::english())
    }

    /// The text shown to people, in `words`.
    pub fn label_in(self, w: &Words) -> String {
        let key = match self {
            Verdict::ExactlyOnce => Key::LabelExactlyOnce,
            Verdict::Lost => Key::LabelLost,
            Verdict::Duplicated(times) => return say!(w, LabelDuplicated, times = times),
            Verdict::Reordered => Key::LabelReordered,
            Verdict::Pending => Key::LabelPending,
            Verdict::InDoubt => Key::LabelInDoubt,
            Verdict::DeadLettered => Key::LabelDeadLettered,
            Verdict::Dropped => Key::LabelDropped,
            Verdict::Blocked => Key::LabelBlocked,
        };
        w.get(key).to_string()
    }

    /// True for the verdicts that are anomalies (lost, duplicated, reordered, in doubt
    /// once the run is quiet, dead-lettered, dropped).
    pub const fn is_anomaly(self) -> bool {
        matches!(
            self,
            Verdict::Lost
                | Verdict::Duplicated(_)
                | Verdict::Reordered
                | Verdict::InDoubt
                | Verdict::DeadLettered
                | Verdict::Dropped
                | Verdict::Blocked
        )
    }
}

/// Why a message was applied after a later one (FIFO broken), as far as the ledger can
/// tell from the message's own history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReorderCause {
    /// The producer published it again (a retry) while later messages were in flight,
    /// and they were stored first. One publish in flight, or sequence checks at the
    /// broker, prevent this.
    Retry,
    /// The broker delivered it again (a redelivery) after later messages had been
    /// applied.
    Redelivery,
    /// Neither: the network let a later message overtake it.
    Network,
    /// The later message came from another producer: several producers publish side
    /// by side, and the queue keeps the order of arrival, not of numbering.
    ParallelProducers,
    /// Another consumer applied the later message first: competing consumers share one
    /// queue and work side by side, so the queue's order is not kept between them.
    CompetingConsumers,
    /// The later message's consume transaction committed first: several transactions
    /// run side by side (max in flight), and each commits when it is done.
    ParallelTransactions,
}

impl ReorderCause {
    /// The end of a sentence: "m2 was applied after m3 because …".
    pub fn reason(self) -> &'static str {
        self.reason_key().english()
    }

    /// The end of a sentence, in `words`.
    pub fn reason_in(self, words: &Words) -> &'static str {
        words.get(self.reason_key())
    }

    fn reason_key(self) -> steps::Key {
        match self {
            ReorderCause::Retry => steps::Key::ReorderRetry,
            ReorderCause::Redelivery => steps::Key::ReorderRedelivery,
            ReorderCause::Network => steps::Key::ReorderNetwork,
            ReorderCause::ParallelProducers => steps::Key::ReorderParallelProducers,
            ReorderCause::CompetingConsumers => steps::Key::ReorderCompetingConsumers,
            ReorderCause::ParallelTransactions => steps::Key::ReorderParallelTransactions,
        }
    }
}

/// Everything the ledger knows about one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// The message.
    pub id: MessageId,
    /// The producer sent it at least once (transactional: the publish transaction
    /// committed at the producer DB).
    pub published: bool,
    /// How many times the producer sent it.
    pub publish_attempts: u32,
    /// At least one copy is on the broker's disk.
    pub stored_durably: bool,
    /// How many durable copies the broker stored.
    pub stored_copies: u32,
    /// How many times the consumer received it.
    pub delivered: u32,
    /// How many of its deliveries were redeliveries (marked redelivered).
    #[serde(default)]
    pub redelivered: u32,
    /// The broker moved it to the dead-letter queue.
    #[serde(default)]
    pub dead_lettered: bool,
    /// The broker dropped it (no dead-letter queue).
    #[serde(default)]
    pub dropped: bool,
    /// It left the queue because its consumer rejected it without requeue (else: it
    /// reached the delivery limit).
    #[serde(default)]
    pub rejected: bool,
    /// The step at which it left the queue unconsumed.
    #[serde(default)]
    pub gone_step: Option<u64>,
    /// How many times the consumer applied its side effect.
    pub applied: u32,
    /// The broker recorded an ack for it (transactional: the consume transaction
    /// committed at the broker).
    pub acked: bool,
    /// The step of its first application.
    pub first_applied_step: Option<u64>,
    /// A later message that had been applied before this one, if any.
    pub overtaken_by: Option<MessageId>,
    /// Why it was overtaken (set with `overtaken_by`).
    pub reorder_cause: Option<ReorderCause>,
    /// The verdict as of now.
    pub verdict: Verdict,
    /// Why it was applied more than once.
    pub duplicate_cause: Option<Cause>,
    /// The latest fault that could have lost it.
    pub loss_cause: Option<Cause>,
    /// The latest fault that delayed it (for reordering).
    pub delay_cause: Option<Cause>,
    /// Consume-transform-produce: how many copies of its output oK were appended to
    /// the output queue. In transactional mode this is always its `applied` count once
    /// the run is quiet: one for a committed input, none for an aborted one.
    #[serde(default)]
    pub outputs: u32,
    /// Replicated queue: the producer was told the write succeeded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub acknowledged: bool,
    /// Replicated queue: the leader refused a write of it ("not enough replicas").
    #[serde(default, skip_serializing_if = "is_false")]
    pub refused: bool,
    /// Consumer groups: it is a poison record its group cannot get past, or it waits
    /// in a partition behind one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub blocked: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl MessageRecord {
    /// The record of a message nothing has happened to yet.
    fn untouched(id: MessageId) -> MessageRecord {
        MessageRecord {
            id,
            published: false,
            publish_attempts: 0,
            stored_durably: false,
            stored_copies: 0,
            delivered: 0,
            redelivered: 0,
            dead_lettered: false,
            dropped: false,
            rejected: false,
            gone_step: None,
            applied: 0,
            acked: false,
            first_applied_step: None,
            overtaken_by: None,
            reorder_cause: None,
            verdict: Verdict::Pending,
            duplicate_cause: None,
            loss_cause: None,
            delay_cause: None,
            outputs: 0,
            acknowledged: false,
            refused: false,
            blocked: false,
        }
    }

    /// Consume-transform-produce: true when the output queue holds as many outputs of
    /// this message as its side effect was applied (both 1, or both 0).
    pub fn outputs_in_step(&self) -> bool {
        self.outputs == self.applied
    }
}

/// An anomalous message, with its cause and a one-sentence explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The message.
    pub message: MessageId,
    /// Its verdict.
    pub verdict: Verdict,
    /// The trace step of the fault that caused it, when one fault did.
    pub cause_step: Option<u64>,
    /// One plain sentence.
    pub explanation: String,
}

/// The verdict on one transaction of k messages (or, outside transactional mode, on one
/// batch of k messages published without a transaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnVerdict {
    /// Not decided yet (a transaction), or not all of it applied yet (a batch).
    Open,
    /// The coordinator logged COMMIT: all of its messages become visible together.
    Committed,
    /// The coordinator aborted it (a no vote, a vote timeout, or presumed abort after a
    /// crash): none of its messages became visible through it.
    Aborted,
    /// The consumer applied some of its messages while another was not yet visible
    /// (not stored durably at the broker). A transaction must never show this; a batch
    /// without a transaction shows it when the producer or broker crashes mid-batch.
    PartiallyVisible,
    /// A batch without a transaction that became visible whole: every message was
    /// stored before the consumer applied any.
    VisibleWhole,
    /// A batch without a transaction of which the consumer applied nothing, and the run
    /// is quiet.
    Lost,
}

impl TxnVerdict {
    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TxnVerdict::Open => "open",
            TxnVerdict::Committed => "committed",
            TxnVerdict::Aborted => "aborted",
            TxnVerdict::PartiallyVisible => "partially_visible",
            TxnVerdict::VisibleWhole => "visible_whole",
            TxnVerdict::Lost => "lost",
        }
    }

    /// The text shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            TxnVerdict::Open => "open",
            TxnVerdict::Committed => "committed",
            TxnVerdict::Aborted => "aborted",
            TxnVerdict::PartiallyVisible => "partially visible",
            TxnVerdict::VisibleWhole => "visible whole",
            TxnVerdict::Lost => "lost",
        }
    }
}

/// One transaction (transactional mode: every 2PC transaction, publish and consume) or
/// one batch (other modes, when the transaction size is above 1), with its verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRecord {
    /// The 2PC transaction id (t1, t2…), or the batch number for a batch published
    /// without a transaction.
    pub txn: u32,
    /// True for a 2PC transaction, false for a batch without one.
    pub transactional: bool,
    /// What it does (a batch is always a publish).
    pub kind: TxnKind,
    /// Its first message.
    pub first: MessageId,
    /// Its last message (the same as `first` for a transaction of one).
    pub last: MessageId,
    /// The verdict as of now.
    pub verdict: TxnVerdict,
    /// The step of the decision (commit or abort) or of the application that made it
    /// partially visible.
    pub verdict_step: Option<u64>,
    /// A consume transaction that also appends each input's output to the output queue
    /// (consume-transform-produce).
    #[serde(default)]
    pub transform: bool,
}

impl TransactionRecord {
    /// "t3" for a transaction, "batch 2" for a batch.
    pub fn name(&self) -> String {
        if self.transactional {
            format!("t{}", self.txn)
        } else {
            format!("batch {}", self.txn)
        }
    }

    /// "m1–m3", or "m4" for a group of one.
    pub fn messages_text(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}–{}", self.first, self.last)
        }
    }

    /// One plain sentence explaining the verdict.
    pub fn explanation(&self) -> String {
        self.explanation_in(&Words::english())
    }

    /// One plain sentence explaining the verdict, in `words`.
    pub fn explanation_in(&self, w: &Words) -> String {
        let name = self.name();
        let name = name.as_str();
        let group = self.messages_text();
        let group = group.as_str();
        let at = self
            .verdict_step
            .map(|step| step!(w, TxnAtStep, step = step))
            .unwrap_or_default();
        let at = at.as_str();
        match (self.verdict, self.kind) {
            (TxnVerdict::Open, _) if self.transactional => {
                step!(w, TxnOpen, name = name, group = group)
            }
            (TxnVerdict::Open, _) => step!(w, TxnOpenBatch, name = name, group = group),
            (TxnVerdict::Committed, TxnKind::Publish) => {
                step!(w, TxnCommittedPublish, name = name, at = at, group = group)
            }
            (TxnVerdict::Committed, TxnKind::Consume) if self.transform => {
                step!(
                    w,
                    TxnCommittedTransform,
                    name = name,
                    at = at,
                    group = group
                )
            }
            (TxnVerdict::Committed, TxnKind::Consume) => {
                step!(w, TxnCommittedConsume, name = name, at = at, group = group)
            }
            (TxnVerdict::Aborted, TxnKind::Consume) if self.transform => {
                step!(w, TxnAbortedTransform, name = name, at = at, group = group)
            }
            (TxnVerdict::Aborted, _) => step!(w, TxnAborted, name = name, at = at, group = group),
            (TxnVerdict::PartiallyVisible, _) if self.transactional => {
                step!(w, TxnPartiallyVisible, name = name, at = at, group = group)
            }
            (TxnVerdict::PartiallyVisible, _) => {
                step!(
                    w,
                    TxnPartiallyVisibleBatch,
                    name = name,
                    at = at,
                    group = group
                )
            }
            (TxnVerdict::VisibleWhole, _) => step!(w, TxnVisibleWhole, name = name, group = group),
            (TxnVerdict::Lost, _) => step!(w, TxnLost, name = name, group = group),
        }
    }
}

/// One participant's 2PC blocking record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantStats {
    /// The node hosting the participant.
    pub participant: NodeId,
    /// How many times it has been in doubt (prepared, decision unknown).
    pub in_doubt_intervals: u32,
    /// Total ticks in doubt, including a current interval up to now.
    pub blocked_ticks: u64,
    /// The longest single interval, in ticks.
    pub longest_in_doubt_ticks: u64,
    /// Transactions it holds prepared now. Each holds its lock (the message's queue slot
    /// or database row) until the decision arrives, so this is also the number of locks
    /// it holds; the snapshot's `ParticipantView::locks_held` names them.
    pub in_doubt_now: u32,
}

/// Time in doubt split into its two parts. A prepared participant waits for the
/// coordinator's decision in every transaction: that wait, up to its in-doubt timer, is the
/// protocol's normal prepare-to-commit time. A participant still without a decision when
/// its timer fires has to ask the coordinator, because it cannot decide alone: from then
/// on it is blocked, and that waiting is what a fault (a crashed coordinator, a lost
/// decision) caused. In a run without faults the decision comes before the timer and
/// nothing is blocked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InDoubtSplit {
    /// The in-doubt timer the split was made with, in ticks.
    pub timer_ticks: u64,
    /// Every tick spent in doubt, summed over participants and transactions (the
    /// summary's `blocked_ticks`).
    pub in_doubt_ticks: u64,
    /// The part up to each participant's in-doubt timer: the normal wait for a decision.
    pub normal_ticks: u64,
    /// The part past the timer: a prepared participant that could not decide.
    pub blocked_ticks: u64,
    /// How many in-doubt intervals went past the timer.
    pub blocked_intervals: u32,
}

/// The kind of work a transaction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnKind {
    /// Write to the producer DB and publish to the broker, atomically.
    Publish,
    /// Take from the broker and apply to the consumer DB, atomically.
    Consume,
}

/// The counters the page and the CLI print.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// How many messages the scenario has.
    pub messages: u32,
    /// Messages applied exactly once, in order.
    pub exactly_once: u32,
    /// Messages lost (never applied; the run is quiet).
    pub lost: u32,
    /// Messages applied more than once.
    pub duplicated: u32,
    /// Messages applied once but out of order.
    pub reordered: u32,
    /// Messages not applied yet while the run continues.
    pub pending: u32,
    /// 2PC participants currently in doubt (prepared transactions awaiting a decision).
    pub in_doubt: u32,
    /// Messages whose verdict is in doubt.
    pub in_doubt_messages: u32,
    /// Total ticks participants spent in doubt.
    pub blocked_ticks: u64,
    /// Side-effect applications beyond the first, summed over messages.
    pub extra_applications: u32,
    /// 2PC invariant violations found by the checker.
    pub invariant_violations: u32,
    /// Steps taken.
    pub steps: u64,
    /// The current tick.
    pub tick: u64,
    /// True when nothing is left to happen.
    pub quiet: bool,
    /// The trace hash so far.
    pub trace_hash: u64,
    /// Transactions committed (publish and consume), in transactional mode.
    pub txn_committed: u32,
    /// Transactions aborted, in transactional mode.
    pub txn_aborted: u32,
    /// Transactions or batches that were partially visible (never in transactional
    /// mode; a batch without a transaction that a crash cut in two).
    pub txn_partial: u32,
    /// Consume-transform-produce: input messages whose output is in the output queue.
    #[serde(default)]
    pub outputs: u32,
    /// Consume-transform-produce: input messages whose output was appended more than
    /// once (never in transactional mode).
    #[serde(default)]
    pub outputs_duplicated: u32,
    /// Consume-transform-produce, once the run is quiet: input messages whose output
    /// count differs from their applied count (an output without its side effect, or
    /// the reverse). Never in transactional mode. While the run goes on it is 0: the
    /// broker and the consumer DB commit a transaction in different steps.
    #[serde(default)]
    pub outputs_out_of_step: u32,
    /// Messages in the dead-letter queue, never applied.
    #[serde(default)]
    pub dead_lettered: u32,
    /// Messages the broker dropped, never applied.
    #[serde(default)]
    pub dropped: u32,
    /// Deliveries marked redelivered.
    #[serde(default)]
    pub redelivered: u32,
    /// Messages held up behind a poison record (a partition's head-of-line; a queue
    /// has none).
    #[serde(default)]
    pub blocked: u32,
    /// Messages applied after a later message of the same key. Without keys every
    /// message is of the one key, so this is `reordered`.
    #[serde(default)]
    pub reordered_per_key: u32,
    /// Replicated queue: lost messages whose write the producer was told had
    /// succeeded ("acknowledged, then lost"); counted in `lost` too.
    #[serde(default)]
    pub acked_lost: u32,
    /// Replicated queue: writes the leader refused with "not enough replicas" (before
    /// or after the append).
    #[serde(default)]
    pub producer_errors: u32,
    /// Replicated queue: how many times the controller elected a new leader.
    #[serde(default)]
    pub leader_changes: u32,
    /// Replicated queue: ticks during which the queue had no leader that was up.
    #[serde(default)]
    pub unavailable_ticks: u64,
    /// Kafka transactions: records of aborted transactions the consumer applied
    /// (read_uncommitted shows them; read_committed never does).
    #[cfg(feature = "kafka-txn")]
    #[serde(default)]
    pub aborted_visible: u32,
    /// Kafka transactions: requests refused with PRODUCER_FENCED (an older epoch).
    #[cfg(feature = "kafka-txn")]
    #[serde(default)]
    pub fenced: u32,
    /// Kafka transactions: ticks a read_committed consumer waited at a partition's last
    /// stable offset while records lay beyond it (behind an open transaction).
    #[cfg(feature = "kafka-txn")]
    #[serde(default)]
    pub lso_blocked_ticks: u64,
    /// Dual writes (`--pattern`), once the run is quiet: events whose row the service
    /// committed and that never reached the broker (lost; also in `lost`).
    #[cfg(feature = "outbox")]
    #[serde(default)]
    pub state_without_event: u32,
    /// Dual writes, once the run is quiet: events at the broker whose row the service
    /// never committed (ghosts: a change that never happened).
    #[cfg(feature = "outbox")]
    #[serde(default)]
    pub event_without_state: u32,
    /// Dual writes: events appended at the broker more than once (the broker keeps every
    /// copy; whether the consumer applies a copy again is `duplicated`).
    #[cfg(feature = "outbox")]
    #[serde(default)]
    pub broker_duplicates: u32,
    /// Kafka transactions and dual writes: input records or events for which the
    /// external system was called more than once (a side effect outside the transaction,
    /// repeated after an abort or a redelivery).
    #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
    #[serde(default)]
    pub external_duplicated: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Attribution {
    /// Why the producer will publish again, consumed when it does.
    resend: Option<Cause>,
    /// Why the broker will deliver again, consumed when it does.
    redeliver: Option<Cause>,
    /// The resend cause was recorded after the broker had stored the message: it is
    /// the cause of a second copy, and later harmless faults must not replace it.
    resend_sticky: bool,
    /// The redeliver cause was recorded after the consumer had applied the message: it
    /// is the cause of a second application, and later harmless faults (a redelivery
    /// reaching the crashed consumer) must not replace it.
    redeliver_sticky: bool,
    /// Open in-doubt intervals holding this message.
    in_doubt: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenInDoubt {
    message: u32,
    /// The last message of the transaction's group (the same as `message` for one).
    last: u32,
    since_tick: u64,
}

/// The most transaction records the ledger keeps; beyond it only the counters grow.
const MAX_TRANSACTION_RECORDS: usize = 1 << 16;

/// The most distinct in-doubt interval lengths the ledger keeps apart. Intervals of one
/// run have few distinct lengths (latencies and timers are small sets); past the bound a
/// new length is counted with the nearest shorter one kept, which can only understate
/// blocking, never invent it.
const MAX_IN_DOUBT_LENGTHS: usize = 4_096;

/// Per-transaction bookkeeping: the records, the counters, and which transaction made
/// each message visible.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Transactions {
    /// Messages per transaction or batch.
    size: u32,
    /// True in transactional mode.
    transactional: bool,
    /// The records, in the order they began (batches: in message order).
    records: Vec<TransactionRecord>,
    /// Transactional mode: per transaction id, the index of its record (0 = none kept).
    index_of: BTreeMap<u32, u32>,
    /// Records not kept because of the bound.
    omitted: u64,
    committed: u32,
    aborted: u32,
    partial: u32,
    /// Transactional mode: per message, the publish transaction that made it visible.
    visible_by: Vec<u32>,
}

/// One message's ledger state as it was when time travel last marked the ledger.
#[derive(Clone, Debug)]
struct Before {
    index: u32,
    record: MessageRecord,
    attribution: Attribution,
}

/// What the ledger's per-message state was at a checkpoint, for the messages that
/// changed after it: applied over a later state, it gives back the checkpoint's. Time
/// travel keeps one per checkpoint instead of a copy of every record, because few
/// messages change between two checkpoints of a large run. Most of those had not been
/// touched before (a run works through its messages in order), so they are kept as a
/// bare index.
#[derive(Clone, Debug, Default)]
pub(crate) struct LedgerUndo {
    /// Messages that were untouched at the checkpoint.
    untouched: Vec<u32>,
    /// The others, with their state at the checkpoint.
    before: Vec<Before>,
}

impl LedgerUndo {
    /// Absorbs the undo of the next checkpoint, which is being dropped: this one then
    /// reaches back from where that one reached. A message already here keeps its
    /// older state.
    pub(crate) fn absorb(&mut self, next: LedgerUndo) {
        let mut here: Vec<u32> = self
            .untouched
            .iter()
            .copied()
            .chain(self.before.iter().map(|b| b.index))
            .collect();
        here.sort_unstable();
        let absent = |index: &u32| here.binary_search(index).is_err();
        self.untouched
            .extend(next.untouched.into_iter().filter(|i| absent(i)));
        self.before
            .extend(next.before.into_iter().filter(|b| absent(&b.index)));
    }

    /// Keeps message `index`'s state as it is now.
    fn keep(&mut self, index: usize, records: &[MessageRecord], attribution: &[Attribution]) {
        if let (Some(record), Some(attribution)) = (records.get(index), attribution.get(index)) {
            if *attribution == Attribution::default()
                && *record == MessageRecord::untouched(record.id)
            {
                self.untouched.push(index as u32);
            } else {
                self.before.push(Before {
                    index: index as u32,
                    record: record.clone(),
                    attribution: *attribution,
                });
            }
        }
    }

    /// Puts the state it holds into `records` and `attribution`, and returns the state
    /// it replaced, which puts them back: an undo's reverse redoes, and the other way.
    fn apply(self, records: &mut [MessageRecord], attribution: &mut [Attribution]) -> LedgerUndo {
        let mut reverse = LedgerUndo::default();
        let states = self.untouched.into_iter().map(|index| (index, None)).chain(
            self.before
                .into_iter()
                .map(|b| (b.index, Some((b.record, b.attribution)))),
        );
        for (index, state) in states {
            let index = index as usize;
            reverse.keep(index, records, attribution);
            if let (Some(record), Some(slot)) = (records.get_mut(index), attribution.get_mut(index))
            {
                (*record, *slot) = state.unwrap_or_else(|| {
                    (MessageRecord::untouched(record.id), Attribution::default())
                });
            }
        }
        reverse
    }
}

/// Time travel's log of changes since the last mark: for every message changed since,
/// its state at the mark. Off until a run takes its first checkpoint, so a simulation
/// run on its own pays one test per change.
#[derive(Clone, Debug, Default)]
pub(crate) struct UndoLog {
    on: bool,
    /// One bit per message: changed since the mark.
    changed: Vec<u64>,
    undo: LedgerUndo,
}

// The log is bookkeeping for time travel, not something the ledger knows about the
// run: two ledgers with the same records are equal whatever their logs hold.
impl PartialEq for UndoLog {
    fn eq(&self, _: &UndoLog) -> bool {
        true
    }
}

impl Eq for UndoLog {}

impl UndoLog {
    /// Notes that message `index` is about to change, keeping its state at the mark the
    /// first time.
    #[inline]
    fn touch(&mut self, index: usize, records: &[MessageRecord], attribution: &[Attribution]) {
        if !self.on {
            return;
        }
        let bit = 1u64 << (index % 64);
        let Some(word) = self.changed.get_mut(index / 64) else {
            return;
        };
        if *word & bit != 0 {
            return;
        }
        if index < records.len() && index < attribution.len() {
            *word |= bit;
            self.undo.keep(index, records, attribution);
        }
    }

    /// Starts a new mark: nothing has changed since.
    fn mark(&mut self, messages: usize) {
        self.on = true;
        self.changed.clear();
        self.changed.resize(messages.div_ceil(64), 0);
    }
}

/// The ledger. The simulation writes observations into it; the page and the tests
/// read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    records: Vec<MessageRecord>,
    attribution: Vec<Attribution>,
    /// Time travel's log of the per-message changes since the last checkpoint.
    undo: UndoLog,
    max_applied: u32,
    /// The consumer that applied `max_applied`.
    max_applied_by: Option<NodeId>,
    /// How many producers publish (message mK belongs to producer (K - 1) mod P).
    producers: u32,
    quiet: bool,
    steps: u64,
    tick: u64,
    trace_hash: u64,
    /// One entry per node that hosted a participant, in node order (the default
    /// world's three from the start).
    participants: Vec<ParticipantStats>,
    open_in_doubt: BTreeMap<(NodeId, u32), OpenInDoubt>,
    /// How many closed in-doubt intervals had each length in ticks, so that the time in
    /// doubt can be split at any timer ([`Ledger::in_doubt_split`]). At most
    /// `MAX_IN_DOUBT_LENGTHS` lengths are kept apart (see `record_in_doubt_length`).
    in_doubt_lengths: BTreeMap<u64, u32>,
    checker: Checker,
    transactions: Transactions,
    /// Consume-transform-produce is on.
    transform: bool,
    /// Messages travel inside 2PC transactions (transactional mode).
    transactional: bool,
    /// Per consumer instance, how many side effects it applied.
    applied_by: Vec<u32>,
    /// Replicated queue: writes refused with "not enough replicas".
    producer_errors: u32,
    /// Replicated queue: elections of a new leader.
    leader_changes: u32,
    /// Replicated queue: ticks without a leader that is up.
    unavailable_ticks: u64,
    /// Consumer groups: this ledger is one group's.
    kafka: Option<Box<GroupLedger>>,
}

/// What a consumer group's ledger knows beyond the messages: keys and partitions, the
/// order records joined their partitions, and the poison records the group is stuck at.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GroupLedger {
    /// Per message (from m1), its key (from 1) and its partition (from 0).
    placement: Vec<(u32, u16)>,
    /// Per message, when it was first stored (from 1; 0 = not yet): a partition's
    /// records are in this order.
    stored_order: Vec<u32>,
    next_order: u32,
    /// Per key (from 1), the largest message of the key applied so far.
    max_applied_per_key: Vec<u32>,
    /// Messages applied after a later message of another key only (expected: order is
    /// kept per partition, not across them).
    reordered_across_keys: u32,
    /// The poison records the group cannot get past, each with the step at which it
    /// first stopped the group.
    blocking: Vec<(u32, u64)>,
}

impl GroupLedger {
    fn key_of(&self, message: u32) -> u32 {
        self.placement
            .get((message as usize).wrapping_sub(1))
            .map_or(0, |&(key, _)| key)
    }

    fn partition_of(&self, message: u32) -> u16 {
        self.placement
            .get((message as usize).wrapping_sub(1))
            .map_or(0, |&(_, partition)| partition)
    }

    /// The poison record (and its step) that blocks `message`'s partition first, if
    /// any.
    fn blocked_by(&self, message: u32) -> Option<(u32, u64)> {
        let partition = self.partition_of(message);
        let order = |m: u32| {
            self.stored_order
                .get((m as usize).wrapping_sub(1))
                .copied()
                .unwrap_or(0)
        };
        self.blocking
            .iter()
            .copied()
            .filter(|(p, _)| self.partition_of(*p) == partition && order(*p) > 0)
            .min_by_key(|(p, _)| order(*p))
    }
}

impl Ledger {
    pub(crate) fn new(messages: u32) -> Ledger {
        let records = (1..=messages)
            .map(|number| MessageRecord::untouched(MessageId(number)))
            .collect();
        let stats = |participant| ParticipantStats {
            participant,
            in_doubt_intervals: 0,
            blocked_ticks: 0,
            longest_in_doubt_ticks: 0,
            in_doubt_now: 0,
        };
        Ledger {
            records,
            attribution: vec![Attribution::default(); messages as usize],
            undo: UndoLog::default(),
            max_applied: 0,
            max_applied_by: None,
            producers: 1,
            quiet: false,
            steps: 0,
            tick: 0,
            trace_hash: 0,
            participants: vec![
                stats(NodeId::PRODUCER),
                stats(NodeId::BROKER),
                stats(NodeId::CONSUMER),
            ],
            open_in_doubt: BTreeMap::new(),
            in_doubt_lengths: BTreeMap::new(),
            checker: Checker::default(),
            transactions: Transactions::default(),
            transform: false,
            transactional: false,
            applied_by: Vec::new(),
            producer_errors: 0,
            leader_changes: 0,
            unavailable_ticks: 0,
            kafka: None,
        }
    }

    /// Makes this the ledger of one consumer group (Kafka style): order is judged per
    /// key, a record read again counts as redelivered, and poison records block their
    /// partition.
    /// `placement` gives each message's key (from 1) and partition (from 0), in message
    /// order.
    pub(crate) fn set_kafka(&mut self, placement: Vec<(u32, u16)>) {
        let messages = self.records.len();
        let keys = placement.iter().map(|&(key, _)| key).max().unwrap_or(0);
        self.kafka = Some(Box::new(GroupLedger {
            placement,
            stored_order: vec![0; messages],
            next_order: 0,
            max_applied_per_key: vec![0; keys as usize + 1],
            reordered_across_keys: 0,
            blocking: Vec::new(),
        }));
    }

    /// True when this is a consumer group's ledger.
    pub fn is_group(&self) -> bool {
        self.kafka.is_some()
    }

    /// Consumer groups: the group's poison record `poison` blocks its partition: it and
    /// every record stored after it there wait.
    pub(crate) fn on_blocked(&mut self, poison: u32, step: u64) {
        let Some(kafka) = &mut self.kafka else {
            return;
        };
        if !kafka.blocking.iter().any(|(p, _)| *p == poison) {
            kafka.blocking.push((poison, step));
        }
        self.refresh_blocked(poison);
    }

    /// Recomputes which messages of `message`'s partition are blocked.
    fn refresh_blocked(&mut self, message: u32) {
        let Some(kafka) = &self.kafka else {
            return;
        };
        let partition = kafka.partition_of(message);
        let order = |m: u32| {
            kafka
                .stored_order
                .get((m as usize).wrapping_sub(1))
                .copied()
                .unwrap_or(0)
        };
        let first_head = kafka.blocked_by(message).map(|(p, _)| order(p));
        let mut changed = Vec::new();
        for index in 0..self.records.len() {
            let m = index as u32 + 1;
            if kafka.partition_of(m) != partition {
                continue;
            }
            let o = order(m);
            let blocked = first_head.is_some_and(|head| o >= head && o > 0);
            if self.records[index].blocked != blocked {
                changed.push(index);
            }
        }
        for index in changed {
            self.undo.touch(index, &self.records, &self.attribution);
            self.records[index].blocked = !self.records[index].blocked;
            self.refresh(index as u32 + 1);
        }
    }

    /// Sets up per-transaction verdicts: in transactional mode every transaction gets a
    /// record when it begins; in the other modes, when `size` is above 1, every batch of
    /// `size` messages gets one now.
    pub(crate) fn set_groups(&mut self, size: u32, transactional: bool) {
        let size = size.max(1);
        let messages = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        let t = &mut self.transactions;
        t.size = size;
        t.transactional = transactional;
        if transactional {
            t.visible_by = vec![0; messages as usize];
            return;
        }
        if size == 1 {
            return;
        }
        let mut first = 1;
        let mut batch = 1;
        while first <= messages && t.records.len() < MAX_TRANSACTION_RECORDS {
            let last = first.saturating_add(size - 1).min(messages);
            t.records.push(TransactionRecord {
                txn: batch,
                transactional: false,
                kind: TxnKind::Publish,
                first: MessageId(first),
                last: MessageId(last),
                verdict: TxnVerdict::Open,
                verdict_step: None,
                transform: false,
            });
            batch += 1;
            first = last.saturating_add(1);
        }
    }

    /// Turns on the output counts of consume-transform-produce.
    /// How many producers publish, for explaining why a message was overtaken.
    pub(crate) fn set_producers(&mut self, producers: u16) {
        self.producers = u32::from(producers.max(1));
    }

    pub(crate) fn set_transactional(&mut self, transactional: bool) {
        self.transactional = transactional;
    }

    pub(crate) fn set_transform(&mut self, transform: bool) {
        self.transform = transform;
    }

    /// True when consume-transform-produce is on: each input has an output in the
    /// output queue.
    pub fn transforms(&self) -> bool {
        self.transform
    }

    /// Every transaction (transactional mode) or batch (other modes, size above 1) with
    /// its verdict, oldest first. At most 65,536 are kept.
    pub fn transactions(&self) -> &[TransactionRecord] {
        &self.transactions.records
    }

    /// The publish transaction whose commit made the message visible (transactional
    /// mode), if any has.
    pub fn visible_by(&self, id: MessageId) -> Option<u32> {
        self.transactions
            .visible_by
            .get((id.0 as usize).wrapping_sub(1))
            .copied()
            .filter(|txn| *txn > 0)
    }

    /// Every message, m1 first.
    pub fn messages(&self) -> &[MessageRecord] {
        &self.records
    }

    /// One message's record, if the id exists.
    pub fn message(&self, id: MessageId) -> Option<&MessageRecord> {
        self.records.get((id.0 as usize).wrapping_sub(1))
    }

    /// 2PC invariant violations found by the checker.
    pub fn invariant_violations(&self) -> &[InvariantViolation] {
        self.checker.violations()
    }

    /// Per-participant blocking records (transactional mode).
    pub fn participants(&self) -> Vec<ParticipantStats> {
        let mut stats = self.participants.clone();
        for (&(node, _), open) in &self.open_in_doubt {
            let Some(entry) = stats.iter_mut().find(|s| s.participant == node) else {
                continue;
            };
            let ticks = self.tick.saturating_sub(open.since_tick);
            entry.blocked_ticks += ticks;
            entry.longest_in_doubt_ticks = entry.longest_in_doubt_ticks.max(ticks);
        }
        stats
    }

    /// The time in doubt so far (closed intervals, and open ones up to now), split at
    /// an in-doubt timer of `timer_ticks` into the normal wait for a decision and the
    /// blocking past it (see [`InDoubtSplit`]). The page passes the scenario's
    /// `transaction.in_doubt_query_ticks`, the timer after which a participant asks.
    pub fn in_doubt_split(&self, timer_ticks: u64) -> InDoubtSplit {
        let mut split = InDoubtSplit {
            timer_ticks,
            ..InDoubtSplit::default()
        };
        let mut add = |ticks: u64, count: u32| {
            let count = u64::from(count);
            split.in_doubt_ticks += ticks * count;
            split.normal_ticks += ticks.min(timer_ticks) * count;
            if ticks > timer_ticks {
                split.blocked_ticks += (ticks - timer_ticks) * count;
                split.blocked_intervals = split
                    .blocked_intervals
                    .saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
            }
        };
        for (&ticks, &count) in &self.in_doubt_lengths {
            add(ticks, count);
        }
        for open in self.open_in_doubt.values() {
            add(self.tick.saturating_sub(open.since_tick), 1);
        }
        split
    }

    fn record_in_doubt_length(&mut self, ticks: u64) {
        let key = if self.in_doubt_lengths.len() < MAX_IN_DOUBT_LENGTHS
            || self.in_doubt_lengths.contains_key(&ticks)
        {
            ticks
        } else {
            // Full: count it with the nearest shorter length kept, or as 0 ticks when it
            // is shorter than every length kept (one entry past the bound at most).
            self.in_doubt_lengths
                .range(..=ticks)
                .next_back()
                .map_or(0, |(&kept, _)| kept)
        };
        let count = self.in_doubt_lengths.entry(key).or_insert(0);
        *count = count.saturating_add(1);
    }

    /// Every message whose verdict is an anomaly, with its explanation.
    pub fn anomalies(&self) -> Vec<Anomaly> {
        self.anomalies_in(&Words::english())
    }

    /// The anomalies, explained in `words`.
    pub fn anomalies_in(&self, words: &Words) -> Vec<Anomaly> {
        self.records
            .iter()
            .filter(|record| record.verdict.is_anomaly())
            .map(|record| {
                let (cause_step, explanation) = explain(words, record, self.kafka.as_deref());
                Anomaly {
                    message: record.id,
                    verdict: record.verdict,
                    cause_step,
                    explanation,
                }
            })
            .collect()
    }

    /// The counters.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            messages: u32::try_from(self.records.len()).unwrap_or(u32::MAX),
            exactly_once: 0,
            lost: 0,
            duplicated: 0,
            reordered: 0,
            pending: 0,
            in_doubt: 0,
            in_doubt_messages: 0,
            blocked_ticks: 0,
            extra_applications: 0,
            invariant_violations: u32::try_from(self.checker.violations().len())
                .unwrap_or(u32::MAX),
            steps: self.steps,
            tick: self.tick,
            quiet: self.quiet,
            trace_hash: self.trace_hash,
            txn_committed: self.transactions.committed,
            txn_aborted: self.transactions.aborted,
            txn_partial: self.transactions.partial,
            outputs: 0,
            outputs_duplicated: 0,
            outputs_out_of_step: 0,
            dead_lettered: 0,
            dropped: 0,
            redelivered: 0,
            blocked: 0,
            reordered_per_key: 0,
            acked_lost: 0,
            producer_errors: self.producer_errors,
            leader_changes: self.leader_changes,
            unavailable_ticks: self.unavailable_ticks,
            #[cfg(feature = "kafka-txn")]
            aborted_visible: 0,
            #[cfg(feature = "kafka-txn")]
            fenced: 0,
            #[cfg(feature = "kafka-txn")]
            lso_blocked_ticks: 0,
            #[cfg(feature = "outbox")]
            state_without_event: 0,
            #[cfg(feature = "outbox")]
            event_without_state: 0,
            #[cfg(feature = "outbox")]
            broker_duplicates: 0,
            #[cfg(any(feature = "kafka-txn", feature = "outbox"))]
            external_duplicated: 0,
        };
        for record in &self.records {
            summary.extra_applications += record.applied.saturating_sub(1);
            summary.redelivered += record.redelivered;
            if record.outputs > 0 {
                summary.outputs += 1;
            }
            if record.outputs > 1 {
                summary.outputs_duplicated += 1;
            }
            if self.transform && self.quiet && !record.outputs_in_step() {
                summary.outputs_out_of_step += 1;
            }
            match record.verdict {
                Verdict::ExactlyOnce => summary.exactly_once += 1,
                Verdict::Lost => {
                    summary.lost += 1;
                    if record.acknowledged {
                        summary.acked_lost += 1;
                    }
                }
                Verdict::Duplicated(_) => summary.duplicated += 1,
                Verdict::Reordered => summary.reordered += 1,
                Verdict::Pending => summary.pending += 1,
                Verdict::InDoubt => summary.in_doubt_messages += 1,
                Verdict::DeadLettered => summary.dead_lettered += 1,
                Verdict::Dropped => summary.dropped += 1,
                Verdict::Blocked => summary.blocked += 1,
            }
        }
        summary.reordered_per_key = summary.reordered;
        if let Some(kafka) = &self.kafka {
            summary.reordered += kafka.reordered_across_keys;
        }
        for stats in self.participants() {
            summary.blocked_ticks += stats.blocked_ticks;
        }
        summary.in_doubt = u32::try_from(self.open_in_doubt.len()).unwrap_or(u32::MAX);
        summary
    }

    /// True when the run was quiet at the last observation.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    // ----- observations, written by the simulation -----

    // Every change to a message's record or attribution goes through `record_mut`,
    // `attribution_mut` or `UndoLog::touch`, so that time travel's log sees it.

    fn record_mut(&mut self, message: u32) -> Option<&mut MessageRecord> {
        let index = (message as usize).wrapping_sub(1);
        self.undo.touch(index, &self.records, &self.attribution);
        self.records.get_mut(index)
    }

    fn attribution_mut(&mut self, message: u32) -> Option<&mut Attribution> {
        let index = (message as usize).wrapping_sub(1);
        self.undo.touch(index, &self.records, &self.attribution);
        self.attribution.get_mut(index)
    }

    // ----- time travel -----

    /// Returns the undo gathered since the last call (the state then of every message
    /// changed since) and marks the ledger anew. The first call starts the log.
    pub(crate) fn take_undo(&mut self) -> LedgerUndo {
        let undo = std::mem::take(&mut self.undo.undo);
        self.undo.mark(self.records.len());
        undo
    }

    /// Sets the undo log aside for a probe (see `Sim::settle`) and starts a new one.
    pub(crate) fn set_undo_aside(&mut self) -> UndoLog {
        let saved = std::mem::take(&mut self.undo);
        self.undo.mark(self.records.len());
        saved
    }

    /// Takes back the log set aside. If the probe's changes were undone (`rewind`),
    /// the log is as it was; if they were kept, the log reaches back over them too.
    pub(crate) fn restore_undo(&mut self, saved: UndoLog, changes_kept: bool) {
        let since = std::mem::replace(&mut self.undo, saved);
        if !changes_kept {
            return;
        }
        if !self.undo.on {
            self.undo = UndoLog::default();
            return;
        }
        for (word, changed) in self.undo.changed.iter_mut().zip(&since.changed) {
            *word |= changed;
        }
        self.undo.undo.absorb(since.undo);
    }

    /// A copy of everything but the per-message state, for a checkpoint: `rewind`
    /// gives that state back from the current ledger and the undos.
    pub(crate) fn copy_without_messages(&mut self) -> Ledger {
        let records = std::mem::take(&mut self.records);
        let attribution = std::mem::take(&mut self.attribution);
        let undo = std::mem::take(&mut self.undo);
        let copy = self.clone();
        self.records = records;
        self.attribution = attribution;
        self.undo = undo;
        copy
    }

    /// Goes back to a checkpoint: `checkpoint` is its copy without the per-message
    /// state, and `undos` are the undos taken since it, newest first (the last is the
    /// one taken when the checkpoint's successor was). The changes since the last
    /// mark are undone first, then each undo in turn, so that the oldest state of each
    /// message wins. Returns each undo's reverse, in the same order: the changes from
    /// its checkpoint to the next, to go forward again.
    pub(crate) fn rewind(
        &mut self,
        checkpoint: &Ledger,
        undos: Vec<LedgerUndo>,
    ) -> Vec<LedgerUndo> {
        let pending = std::mem::take(&mut self.undo.undo);
        pending.apply(&mut self.records, &mut self.attribution);
        let redos = undos
            .into_iter()
            .map(|undo| undo.apply(&mut self.records, &mut self.attribution))
            .collect();
        self.restore(checkpoint);
        redos
    }

    /// Goes forward to a later checkpoint: `checkpoint` is its copy without the
    /// per-message state, and `redos` the changes from the checkpoint before the
    /// current step to it, oldest first. Returns their undos, oldest first: the first
    /// reaches back from the next checkpoint to the one before the current step.
    pub(crate) fn redo(&mut self, checkpoint: &Ledger, redos: Vec<LedgerUndo>) -> Vec<LedgerUndo> {
        let mut pending = Some(std::mem::take(&mut self.undo.undo));
        let undos = redos
            .into_iter()
            .map(|redo| {
                let undo = redo.apply(&mut self.records, &mut self.attribution);
                // The messages changed since the checkpoint before the current step
                // keep their state there; the others have not changed since.
                match pending.take() {
                    Some(mut first) => {
                        first.absorb(undo);
                        first
                    }
                    None => undo,
                }
            })
            .collect();
        self.restore(checkpoint);
        undos
    }

    /// Takes a checkpoint's copy's state but the per-message state, and marks anew.
    fn restore(&mut self, checkpoint: &Ledger) {
        let records = std::mem::take(&mut self.records);
        let attribution = std::mem::take(&mut self.attribution);
        *self = checkpoint.clone();
        self.records = records;
        self.attribution = attribution;
        self.undo.mark(self.records.len());
    }

    fn refresh(&mut self, message: u32) {
        let quiet = self.quiet;
        let in_doubt = self
            .attribution_mut(message)
            .map(|a| a.in_doubt)
            .unwrap_or(0);
        if let Some(record) = self.record_mut(message) {
            record.verdict = verdict_of(record, quiet, in_doubt);
        }
    }

    pub(crate) fn set_quiet(&mut self, quiet: bool) {
        if self.quiet == quiet {
            return;
        }
        self.quiet = quiet;
        for index in 0..self.records.len() {
            let in_doubt = self.attribution[index].in_doubt;
            let verdict = verdict_of(&self.records[index], quiet, in_doubt);
            if self.records[index].verdict != verdict {
                self.undo.touch(index, &self.records, &self.attribution);
                self.records[index].verdict = verdict;
            }
        }
        if !self.transactions.transactional {
            for index in 0..self.transactions.records.len() {
                self.refresh_batch(index);
            }
        }
    }

    /// A batch's verdict from its messages (batches without a transaction only).
    fn refresh_batch(&mut self, index: usize) {
        let Some(batch) = self.transactions.records.get(index) else {
            return;
        };
        if batch.verdict == TxnVerdict::PartiallyVisible {
            return;
        }
        let (first, last) = (batch.first.0, batch.last.0);
        let messages = self
            .records
            .get((first as usize).wrapping_sub(1)..(last as usize))
            .unwrap_or(&[]);
        let all_applied = messages.iter().all(|r| r.applied > 0);
        let none_applied = messages.iter().all(|r| r.applied == 0);
        let verdict = if all_applied {
            TxnVerdict::VisibleWhole
        } else if none_applied && self.quiet {
            TxnVerdict::Lost
        } else {
            TxnVerdict::Open
        };
        self.transactions.records[index].verdict = verdict;
    }

    /// Called when a message is applied: if another message of its group is not yet
    /// visible, the group was partially visible.
    fn check_group_visibility(&mut self, message: u32, step: u64) {
        let t = &self.transactions;
        if t.size <= 1 && !t.transactional {
            return;
        }
        let index = if t.transactional {
            let txn = t
                .visible_by
                .get((message as usize).wrapping_sub(1))
                .copied()
                .unwrap_or(0);
            match t.index_of.get(&txn) {
                Some(&index) => index as usize,
                None => return,
            }
        } else {
            ((message.saturating_sub(1)) / t.size) as usize
        };
        let Some(group) = t.records.get(index) else {
            return;
        };
        let (first, last) = (group.first.0, group.last.0);
        let whole = (first..=last).all(|m| {
            self.records
                .get((m as usize).wrapping_sub(1))
                .is_some_and(|r| r.stored_durably)
        });
        let group = &mut self.transactions.records[index];
        if !whole && group.verdict != TxnVerdict::PartiallyVisible {
            if group.verdict == TxnVerdict::Committed {
                self.transactions.committed = self.transactions.committed.saturating_sub(1);
            }
            group.verdict = TxnVerdict::PartiallyVisible;
            group.verdict_step = Some(step);
            self.transactions.partial += 1;
        }
        if !self.transactions.transactional {
            self.refresh_batch(index);
        }
    }

    /// A 2PC transaction began (transactional mode).
    pub(crate) fn on_txn_begin(&mut self, txn: u32, consume: bool, first: u32, last: u32) {
        let t = &mut self.transactions;
        if t.records.len() >= MAX_TRANSACTION_RECORDS {
            t.omitted += 1;
            return;
        }
        t.index_of
            .insert(txn, u32::try_from(t.records.len()).unwrap_or(u32::MAX));
        t.records.push(TransactionRecord {
            txn,
            transactional: true,
            kind: if consume {
                TxnKind::Consume
            } else {
                TxnKind::Publish
            },
            first: MessageId(first),
            last: MessageId(last),
            verdict: TxnVerdict::Open,
            verdict_step: None,
            transform: consume && self.transform,
        });
    }

    /// The coordinator decided (a repeated decision changes nothing).
    pub(crate) fn on_txn_decided(&mut self, txn: u32, commit: bool, step: u64) {
        let t = &mut self.transactions;
        let Some(&index) = t.index_of.get(&txn) else {
            return;
        };
        let Some(record) = t.records.get_mut(index as usize) else {
            return;
        };
        if record.verdict != TxnVerdict::Open {
            return;
        }
        record.verdict = if commit {
            t.committed += 1;
            TxnVerdict::Committed
        } else {
            t.aborted += 1;
            TxnVerdict::Aborted
        };
        record.verdict_step = Some(step);
    }

    /// The broker committed a publish transaction's message: it is now visible.
    pub(crate) fn on_stored_by_txn(&mut self, message: u32, txn: u32) {
        if let Some(slot) = self
            .transactions
            .visible_by
            .get_mut((message as usize).wrapping_sub(1))
        {
            *slot = txn;
        }
        self.on_stored(message);
    }

    pub(crate) fn set_progress(&mut self, steps: u64, tick: u64, trace_hash: u64) {
        self.steps = steps;
        self.tick = tick;
        self.trace_hash = trace_hash;
    }

    /// Replicated queue: the producer received a confirm for the message.
    pub(crate) fn on_acknowledged(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.acknowledged = true;
        }
    }

    /// Replicated queue: the leader refused a write of the message.
    pub(crate) fn on_refused(&mut self, message: u32, after_append: bool, cause: Cause) {
        self.producer_errors += 1;
        if let Some(record) = self.record_mut(message) {
            record.refused = true;
        }
        if !after_append {
            self.note_loss(message, cause);
        }
    }

    /// Replicated queue: the world's counters.
    pub(crate) fn set_replication(&mut self, leader_changes: u32, unavailable_ticks: u64) {
        self.leader_changes = leader_changes;
        self.unavailable_ticks = unavailable_ticks;
    }

    pub(crate) fn on_publish_sent(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.published = true;
            record.publish_attempts += 1;
        }
    }

    pub(crate) fn on_published(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.published = true;
            record.publish_attempts = record.publish_attempts.max(1);
        }
    }

    pub(crate) fn on_stored(&mut self, message: u32) {
        if let Some(kafka) = &mut self.kafka {
            if let Some(order) = kafka
                .stored_order
                .get_mut((message as usize).wrapping_sub(1))
            {
                if *order == 0 {
                    kafka.next_order += 1;
                    *order = kafka.next_order;
                }
            }
            if !kafka.blocking.is_empty() {
                self.refresh_blocked(message);
            }
        }
        if let Some(record) = self.record_mut(message) {
            record.stored_durably = true;
            record.stored_copies += 1;
        }
        if let Some(a) = self.attribution_mut(message) {
            a.resend = None;
            a.resend_sticky = false;
        }
    }

    /// The broker delivered the message again, marked redelivered.
    pub(crate) fn on_redelivered(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.redelivered += 1;
        }
    }

    /// The message left the queue unconsumed: to the dead-letter queue, or dropped.
    pub(crate) fn on_gone(&mut self, message: u32, dead_lettered: bool, rejected: bool, step: u64) {
        if let Some(record) = self.record_mut(message) {
            if dead_lettered {
                record.dead_lettered = true;
            } else {
                record.dropped = true;
            }
            record.rejected = rejected;
            record.gone_step = Some(step);
        }
        if let Some(kafka) = &mut self.kafka {
            // The consumer's error handler got past the poison record.
            if let Some(at) = kafka.blocking.iter().position(|(m, _)| *m == message) {
                kafka.blocking.remove(at);
                self.refresh_blocked(message);
            }
        }
        self.refresh(message);
    }

    /// The message went back from the dead-letter queue to the queue: it may yet be
    /// applied.
    pub(crate) fn on_replayed(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.dead_lettered = false;
            record.gone_step = None;
        }
    }

    /// How many times each consumer (by instance) applied a side effect.
    pub fn applied_by_consumer(&self) -> &[u32] {
        &self.applied_by
    }

    pub(crate) fn on_delivered(&mut self, message: u32) {
        let group = self.kafka.is_some();
        if let Some(record) = self.record_mut(message) {
            // A consumer group has no redelivered flag: a record its group polls again
            // counts as redelivered.
            if group && record.delivered > 0 {
                record.redelivered += 1;
            }
            record.delivered += 1;
        }
    }

    /// The consumer applied the side effect; `cause` is why this copy exists, if it is
    /// an extra one; `redelivered` when the delivery applied was not the broker's first.
    pub(crate) fn on_applied(
        &mut self,
        message: u32,
        step: u64,
        cause: Option<Cause>,
        redelivered: bool,
        consumer: NodeId,
    ) {
        let max_applied = self.max_applied;
        let producers = self.producers.max(1);
        let other_producer =
            message.saturating_sub(1) % producers != max_applied.saturating_sub(1) % producers;
        let other_consumer = self.max_applied_by.is_some_and(|by| by != consumer);
        let instance = usize::from(consumer.instance());
        if self.applied_by.len() <= instance {
            self.applied_by.resize(instance + 1, 0);
        }
        self.applied_by[instance] += 1;
        let transactional = self.transactional;
        // Consumer groups keep order per partition only: a message is reordered when a
        // later message of its own key was applied first; after a later message of
        // another key only, it is counted apart and is not an anomaly.
        let mut max_applied = max_applied;
        let first_time = self
            .records
            .get((message as usize).wrapping_sub(1))
            .is_some_and(|r| r.applied == 0);
        if let Some(kafka) = &mut self.kafka {
            let key = kafka.key_of(message) as usize;
            let per_key = kafka.max_applied_per_key.get(key).copied().unwrap_or(0);
            if first_time && max_applied > message && per_key < message {
                kafka.reordered_across_keys += 1;
            }
            if let Some(slot) = kafka.max_applied_per_key.get_mut(key) {
                *slot = (*slot).max(message);
            }
            max_applied = per_key;
        }
        if let Some(record) = self.record_mut(message) {
            record.applied += 1;
            if record.applied == 1 {
                record.first_applied_step = Some(step);
                if max_applied > message {
                    record.overtaken_by = Some(MessageId(max_applied));
                    record.reorder_cause = Some(if redelivered {
                        ReorderCause::Redelivery
                    } else if record.publish_attempts > 1 {
                        ReorderCause::Retry
                    } else if other_producer {
                        ReorderCause::ParallelProducers
                    } else if other_consumer {
                        ReorderCause::CompetingConsumers
                    } else if transactional {
                        ReorderCause::ParallelTransactions
                    } else {
                        ReorderCause::Network
                    });
                }
            } else if record.duplicate_cause.is_none() {
                record.duplicate_cause = cause;
            }
        }
        if let Some(a) = self.attribution_mut(message) {
            // A new application starts a new story: causes noted before it explained
            // at most a late arrival, not the next extra copy.
            a.redeliver = None;
            a.redeliver_sticky = false;
        }
        if message > self.max_applied {
            self.max_applied = message;
            self.max_applied_by = Some(consumer);
        }
        self.refresh(message);
        self.check_group_visibility(message, step);
    }

    /// Consume-transform-produce: the message's output was appended to the output
    /// queue.
    pub(crate) fn on_output(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.outputs = record.outputs.saturating_add(1);
        }
    }

    pub(crate) fn on_acked(&mut self, message: u32) {
        if let Some(record) = self.record_mut(message) {
            record.acked = true;
        }
    }

    /// Records the latest fault that could lose the message (and delay it).
    pub(crate) fn note_loss(&mut self, message: u32, cause: Cause) {
        if let Some(record) = self.record_mut(message) {
            record.loss_cause = Some(cause);
            if record.applied == 0 {
                record.delay_cause = Some(cause);
            }
        }
    }

    pub(crate) fn note_resend(&mut self, message: u32, cause: Cause) {
        let stored = self
            .record_mut(message)
            .is_some_and(|r| r.stored_copies > 0);
        if let Some(a) = self.attribution_mut(message) {
            if !a.resend_sticky {
                a.resend = Some(cause);
                a.resend_sticky = stored;
            }
        }
    }

    pub(crate) fn take_resend(&mut self, message: u32) -> Option<Cause> {
        self.attribution_mut(message).and_then(|a| {
            if a.resend_sticky {
                a.resend
            } else {
                a.resend.take()
            }
        })
    }

    pub(crate) fn note_redeliver(&mut self, message: u32, cause: Cause) {
        let applied = self.record_mut(message).is_some_and(|r| r.applied > 0);
        if let Some(a) = self.attribution_mut(message) {
            if !a.redeliver_sticky {
                a.redeliver = Some(cause);
                a.redeliver_sticky = applied;
            }
        }
    }

    pub(crate) fn take_redeliver(&mut self, message: u32) -> Option<Cause> {
        self.attribution_mut(message).and_then(|a| {
            if a.redeliver_sticky {
                a.redeliver
            } else {
                a.redeliver.take()
            }
        })
    }

    /// The blocking record of the participant on `node`, made when it is first needed.
    fn participant_stats_mut(&mut self, node: NodeId) -> Option<&mut ParticipantStats> {
        let at = match self
            .participants
            .binary_search_by_key(&node, |s| s.participant)
        {
            Ok(at) => at,
            Err(at) => {
                self.participants.insert(
                    at,
                    ParticipantStats {
                        participant: node,
                        in_doubt_intervals: 0,
                        blocked_ticks: 0,
                        longest_in_doubt_ticks: 0,
                        in_doubt_now: 0,
                    },
                );
                at
            }
        };
        self.participants.get_mut(at)
    }

    /// A participant prepared the transaction holding messages `message..=last`.
    pub(crate) fn open_in_doubt(
        &mut self,
        participant: NodeId,
        txn: u32,
        (message, last): (u32, u32),
        tick: u64,
    ) {
        let key = (participant, txn);
        if self.open_in_doubt.contains_key(&key) {
            return;
        }
        self.open_in_doubt.insert(
            key,
            OpenInDoubt {
                message,
                last,
                since_tick: tick,
            },
        );
        if let Some(stats) = self.participant_stats_mut(participant) {
            stats.in_doubt_intervals += 1;
            stats.in_doubt_now += 1;
        }
        for m in message..=last.max(message) {
            if let Some(a) = self.attribution_mut(m) {
                a.in_doubt += 1;
            }
            self.refresh(m);
        }
    }

    pub(crate) fn close_in_doubt(&mut self, participant: NodeId, txn: u32, tick: u64) {
        let key = (participant, txn);
        let Some(open) = self.open_in_doubt.remove(&key) else {
            return;
        };
        let ticks = tick.saturating_sub(open.since_tick);
        self.record_in_doubt_length(ticks);
        if let Some(stats) = self.participant_stats_mut(participant) {
            stats.blocked_ticks += ticks;
            stats.longest_in_doubt_ticks = stats.longest_in_doubt_ticks.max(ticks);
            stats.in_doubt_now = stats.in_doubt_now.saturating_sub(1);
        }
        for m in open.message..=open.last.max(open.message) {
            if let Some(a) = self.attribution_mut(m) {
                a.in_doubt = a.in_doubt.saturating_sub(1);
            }
            self.refresh(m);
        }
    }

    pub(crate) fn checker_mut(&mut self) -> &mut Checker {
        &mut self.checker
    }
}

fn verdict_of(record: &MessageRecord, quiet: bool, in_doubt: u32) -> Verdict {
    match record.applied {
        0 if in_doubt > 0 => Verdict::InDoubt,
        0 if record.dead_lettered => Verdict::DeadLettered,
        0 if record.dropped => Verdict::Dropped,
        0 if record.blocked => Verdict::Blocked,
        0 if quiet => Verdict::Lost,
        0 => Verdict::Pending,
        1 if record.overtaken_by.is_some() => Verdict::Reordered,
        1 => Verdict::ExactlyOnce,
        times => Verdict::Duplicated(times),
    }
}

/// One sentence on a message's verdict; `group` for a consumer group's ledger.
fn explain(
    w: &Words,
    record: &MessageRecord,
    group: Option<&GroupLedger>,
) -> (Option<u64>, String) {
    let id = record.id.to_string();
    let id = id.as_str();
    match record.verdict {
        Verdict::Duplicated(times) => {
            let times_text = if times == 2 {
                w.get(steps::Key::LedgerTwice).to_string()
            } else {
                step!(w, LedgerTimes, times = times)
            };
            match record.duplicate_cause {
                Some(cause) => (
                    Some(cause.step),
                    step!(
                        w,
                        LedgerDuplicated,
                        id = id,
                        times = times_text,
                        why = cause.duplicate_reason(w),
                        step = cause.step
                    ),
                ),
                None => (
                    None,
                    step!(w, LedgerDuplicatedUnknown, id = id, times = times_text),
                ),
            }
        }
        Verdict::Lost if record.acknowledged => match record.loss_cause {
            Some(cause) => (
                Some(cause.step),
                step!(
                    w,
                    LedgerAcknowledgedLost,
                    id = id,
                    why = cause.loss_reason(w, false),
                    step = cause.step
                ),
            ),
            None => (None, step!(w, LedgerAcknowledgedLostUnknown, id = id)),
        },
        Verdict::Lost if record.refused && !record.stored_durably => match record.loss_cause {
            Some(cause) => (
                Some(cause.step),
                step!(
                    w,
                    LedgerRefused,
                    id = id,
                    why = cause.loss_reason(w, false),
                    step = cause.step
                ),
            ),
            None => (None, step!(w, LedgerRefusedUnknown, id = id)),
        },
        Verdict::Lost => match record.loss_cause {
            Some(cause) => (
                Some(cause.step),
                step!(
                    w,
                    LedgerNeverApplied,
                    id = id,
                    why = cause.loss_reason(w, false),
                    step = cause.step
                ),
            ),
            None => (None, step!(w, LedgerNeverAppliedUnknown, id = id)),
        },
        Verdict::Reordered => {
            let later = record
                .overtaken_by
                .map(|m| m.to_string())
                .unwrap_or_default();
            let later = later.as_str();
            match record.delay_cause {
                Some(cause) => (
                    Some(cause.step),
                    step!(
                        w,
                        LedgerReorderedLate,
                        id = id,
                        later = later,
                        why = cause.loss_reason(w, true),
                        step = cause.step
                    ),
                ),
                None => match record.reorder_cause {
                    Some(ReorderCause::ParallelProducers) => (
                        None,
                        step!(w, LedgerReorderedParallelProducers, id = id, later = later),
                    ),
                    Some(ReorderCause::CompetingConsumers) => (
                        None,
                        step!(w, LedgerReorderedCompetingConsumers, id = id, later = later),
                    ),
                    Some(ReorderCause::ParallelTransactions) => (
                        None,
                        step!(
                            w,
                            LedgerReorderedParallelTransactions,
                            id = id,
                            later = later
                        ),
                    ),
                    _ => (
                        None,
                        step!(w, LedgerReorderedNetwork, id = id, later = later),
                    ),
                },
            }
        }
        Verdict::InDoubt => (None, step!(w, LedgerInDoubt, id = id)),
        Verdict::Blocked => match group.and_then(|g| g.blocked_by(id_number(record))) {
            Some((poison, step)) if poison == id_number(record) => (
                Some(step),
                step!(w, LedgerBlockedPoison, id = id, step = step),
            ),
            Some((poison, step)) => (
                Some(step),
                step!(
                    w,
                    LedgerBlockedBehind,
                    id = id,
                    poison = format!("m{poison}"),
                    step = step
                ),
            ),
            None => (None, step!(w, LedgerBlockedUnknown, id = id)),
        },
        Verdict::DeadLettered | Verdict::Dropped if group.is_some() => {
            let step = record.gone_step.unwrap_or(0);
            let key = match (record.rejected, record.verdict == Verdict::DeadLettered) {
                (true, true) => steps::Key::LedgerGroupNotRetryableDeadLettered,
                (true, false) => steps::Key::LedgerGroupNotRetryableSkipped,
                (false, true) => steps::Key::LedgerGroupFailedDeadLettered,
                (false, false) => steps::Key::LedgerGroupFailedSkipped,
            };
            (
                record.gone_step,
                w.fill(key, &[("id", id.into()), ("step", step.into())]),
            )
        }
        Verdict::DeadLettered | Verdict::Dropped => {
            let step = record.gone_step.unwrap_or(0);
            let key = match (record.rejected, record.verdict == Verdict::DeadLettered) {
                (true, true) => steps::Key::LedgerRejectedDeadLettered,
                (true, false) => steps::Key::LedgerRejectedDropped,
                (false, true) => steps::Key::LedgerLimitDeadLettered,
                (false, false) => steps::Key::LedgerLimitDropped,
            };
            (
                record.gone_step,
                w.fill(key, &[("id", id.into()), ("step", step.into())]),
            )
        }
        Verdict::ExactlyOnce | Verdict::Pending => (None, String::new()),
    }
}

fn id_number(record: &MessageRecord) -> u32 {
    record.id.0
}
