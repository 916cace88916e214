//! The roles of Kafka transactions (KIP-98), each a sans-IO state machine in its own file:
//! the transactional producer (`client`), the transaction coordinator (`coordinator`),
//! the broker's partition leaders (`broker`) and the consumer that reads the topic
//! (`reader`). This file holds what they say to each other.
//!
//! A role gets a [`TxnInput`] and the tick, and answers only with [`TxnOutput`]s: send
//! to a node, set a timer, a fact for the ledger and the trace, or a crash point it has
//! reached (the world crashes it there when that point is armed, and the outputs after
//! it never happen). Each role keeps its disk and its memory in separate types.

pub(crate) mod broker;
pub(crate) mod client;
pub(crate) mod coordinator;
pub(crate) mod reader;

use serde::Serialize;

use crate::fault::CrashPoint;
use crate::txn_protocol::Isolation;

/// A node of the Kafka-transactions world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxnNode {
    /// An instance of the transactional producer: 0 is `producer`, 1 is `producer-2`,
    /// the second instance started with the same `transactional.id`.
    Producer(u8),
    /// The transaction coordinator (it keeps the transaction log).
    Coordinator,
    /// The broker: the leader of every partition (the topic's, the input's and the
    /// consumer offsets').
    Broker,
    /// The consumer that reads the topic.
    Consumer,
    /// An external system the loop calls for each input record (no transactions).
    External,
}

impl TxnNode {
    /// The node's name, as the rest of MQ Lab writes it.
    pub fn name(self) -> &'static str {
        match self {
            TxnNode::Producer(0) => "producer",
            TxnNode::Producer(_) => "producer-2",
            TxnNode::Coordinator => "coordinator",
            TxnNode::Broker => "broker",
            TxnNode::Consumer => "consumer",
            TxnNode::External => "external",
        }
    }
}

impl Serialize for TxnNode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The output topic's partitions: records go to partition (K - 1) mod 2.
pub const TOPIC_PARTITIONS: u8 = 2;
/// The consumer offsets partition that holds the loop's committed input offset.
pub const OFFSETS: u8 = 2;

/// The partition of record K (m K, or o K in the loop).
pub fn partition_of(message: u32) -> u8 {
    (message.saturating_sub(1) % u32::from(TOPIC_PARTITIONS)) as u8
}

/// A partition's name in sentences: p0, p1, and the consumer offsets partition.
pub fn partition_name(partition: u8) -> String {
    if partition == OFFSETS {
        "__consumer_offsets".to_string()
    } else {
        format!("p{partition}")
    }
}

/// What a record of a partition is, as far as transactions go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// In a transaction with no marker yet.
    Open,
    /// In a transaction whose commit marker follows it.
    Committed,
    /// In a transaction whose abort marker follows it.
    Aborted,
}

/// A request or a response between the nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    /// InitProducerId for the transactional.id (the one of this world).
    InitPid,
    /// The producer id and the epoch the instance must use.
    InitPidOk { epoch: u16 },
    /// AddPartitionsToTxn.
    AddPartitions { epoch: u16, partitions: Vec<u8> },
    /// The partitions are in the transaction.
    AddPartitionsOk { epoch: u16 },
    /// EndTxn (commit).
    EndTxn { epoch: u16 },
    /// The coordinator has logged the decision.
    EndTxnOk { epoch: u16 },
    /// CONCURRENT_TRANSACTIONS: a transaction of the id is still completing; retry.
    Retry,
    /// PRODUCER_FENCED: the request's epoch is older than the id's.
    Fenced { epoch: u16, current: u16 },
    /// Produce one transactional record to a partition leader.
    Produce {
        epoch: u16,
        partition: u8,
        sequence: u32,
        message: u32,
    },
    /// The record is appended (or was already: a retry).
    ProduceOk {
        epoch: u16,
        partition: u8,
        sequence: u32,
    },
    /// TxnOffsetCommit: the loop's input offset, inside the transaction
    /// (`sendOffsetsToTransaction` adds the offsets partition first).
    CommitOffset { epoch: u16, consumed: u32 },
    /// The offset is appended in the transaction.
    CommitOffsetOk { epoch: u16 },
    /// OffsetFetch with require_stable (KIP-447): the loop's committed input offset.
    FetchOffset,
    /// How many input records the loop has consumed for good.
    FetchOffsetOk { consumed: u32 },
    /// An offset commit is still in an open transaction; retry.
    FetchOffsetPending,
    /// WriteTxnMarkers for one partition.
    WriteMarker {
        epoch: u16,
        partition: u8,
        commit: bool,
        txn: u32,
    },
    /// The marker is written.
    MarkerOk { partition: u8, txn: u32 },
    /// A consumer's fetch from a position; the leader answers once it has something to
    /// return at the isolation level (a long poll).
    Fetch {
        partition: u8,
        from: u32,
        isolation: Isolation,
    },
    /// Records from `from` up to `next` (not included): (offset, message, state).
    Records {
        partition: u8,
        from: u32,
        next: u32,
        records: Vec<(u32, u32, RecordState)>,
    },
    /// The loop calls the external system for input record K.
    Call { message: u32 },
}

/// A timer a role sets for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnTimer {
    /// The producer's request timed out: send it again (the generation tells a stale
    /// timer from the current one).
    Retry { generation: u32 },
    /// The coordinator checks whether transaction `txn` has passed its timeout.
    Timeout { txn: u32 },
    /// The coordinator writes the markers it has no answer for again.
    Markers { generation: u32 },
}

/// What a role hands to the world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOutput {
    /// Send a message.
    Send { to: TxnNode, wire: Wire },
    /// Set a timer `after_ticks` from now.
    Timer { after_ticks: u64, timer: TxnTimer },
    /// Something that happened, for the trace and the ledger.
    Fact(Fact),
    /// The role has reached a crash point (for the records of `messages`, the records of
    /// its transaction; empty when the role cannot know them).
    Reached {
        point: CrashPoint,
        messages: Vec<u32>,
    },
    /// The producer instance is fenced and closes for good (a fatal error for it).
    Close,
    /// The producer saves how far it has come (plain producer: its next message).
    SaveProgress { next: u32 },
}

/// What a role got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnInput {
    /// Start, or restart after a crash (the memory is new; the disk is kept).
    Start,
    /// A message from a node.
    Receive { from: TxnNode, wire: Wire },
    /// A timer set earlier.
    Timer(TxnTimer),
}

/// A fact a role reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fact")]
pub enum Fact {
    /// The coordinator gave the instance an epoch.
    EpochGiven { epoch: u16 },
    /// The coordinator bumped the epoch and aborts the open transaction `txn`, because a
    /// new instance registered (InitProducerId) or the transaction timed out.
    EpochBumped { epoch: u16, txn: u32, timeout: bool },
    /// A transaction began (its first AddPartitionsToTxn).
    TxnBegun { txn: u32 },
    /// The producer sent a record in its transaction.
    Sent { message: u32, partition: u8 },
    /// The loop put its input offset in the transaction.
    OffsetsSent { consumed: u32 },
    /// The producer asked to commit.
    EndTxnSent,
    /// The coordinator logged PREPARE_COMMIT or PREPARE_ABORT.
    Prepared { txn: u32, commit: bool },
    /// A partition appended a marker.
    MarkerWritten {
        txn: u32,
        partition: u8,
        commit: bool,
    },
    /// The coordinator logged COMPLETE_COMMIT or COMPLETE_ABORT.
    Completed { txn: u32, commit: bool },
    /// A request was refused with PRODUCER_FENCED.
    Fenced { epoch: u16, current: u16 },
    /// A partition appended a record (offset in the partition).
    Appended {
        message: u32,
        partition: u8,
        offset: u32,
    },
    /// The consumer applied a record.
    Applied {
        message: u32,
        partition: u8,
        offset: u32,
    },
    /// The coordinator reloaded its transaction log after a restart.
    Recovered { txn: u32, state: &'static str },
}
