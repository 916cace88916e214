//! The MQ Lab simulation core: pure, deterministic, no I/O and no clock.
//!
//! A [`Scenario`] (mode, messages, seed, network, timing, planned faults) builds a
//! [`Sim`]. [`Sim::step`] advances exactly one event of a discrete-event simulation
//! (logical ticks, events ordered by tick and then by the order they were scheduled)
//! and returns what happened; [`Sim::apply`] takes user input; [`Sim::snapshot`],
//! [`Sim::trace`] and [`Sim::ledger`] are read-only views for the page. [`Run`] adds
//! checkpoints for stepping back and seeking.

mod actor;
pub mod benchmarks;
pub mod challenges;
pub mod checker;
pub mod compare;
pub mod consumers_view;
mod disk;
mod event_queue;
pub mod explore;
pub mod fault;
#[cfg(feature = "kafka-txn")]
pub mod kafka_txn;
pub mod lag;
pub mod ledger;
pub mod lesson;
pub mod lesson_file;
pub mod lessons;
pub mod limits;
pub mod matrix;
pub mod mode;
mod names;
pub mod network;
pub mod node;
#[cfg(feature = "outbox")]
pub mod outbox;
pub mod prng;
pub mod ratio;
pub mod replication;
pub mod scenario;
mod sentences;
pub mod series;
pub mod share;
pub mod sim;
pub mod snapshot;
mod speech;
pub mod timeline;
pub mod topology;
pub mod trace;
pub mod txn_protocol;
#[cfg(all(feature = "kafka-txn", feature = "outbox"))]
pub mod world_lessons;
#[cfg(any(feature = "kafka-txn", feature = "outbox"))]
pub mod world_matrix;
#[cfg(all(feature = "kafka-txn", feature = "outbox"))]
pub mod worlds;

pub use checker::{Invariant, InvariantViolation};
pub use consumers_view::{
    DeadLetterView, GroupView, GroupsView, MemberState, MemberView, Owned, PartitionView,
    QueueView, Unacked,
};
pub use fault::{Command, CommandError, CrashPoint, PlannedFault};
pub use lag::LagHistory;
pub use ledger::{
    Anomaly, Cause, CauseKind, Ledger, MessageId, MessageRecord, ParticipantStats, ReorderCause,
    Summary, TransactionRecord, TxnVerdict, Verdict,
};
pub use mode::Mode;
pub use names::UnknownName;
pub use network::{LinkConfig, LinkId, LinkOverride, LinkParseError, MessageKind, NetworkConfig};
pub use node::{NodeId, RoleKind};
pub use prng::Prng;
pub use ratio::{Ratio, RatioParseError};
pub use replication::{Acks, Replication, TimedAction, TimedFault};
pub use scenario::{
    CommitStrategy, KafkaConfig, PoisonFails, QueueConfig, Scenario, ScenarioError, Timing,
    TransactionConfig,
};
pub use sentences::Sentence;
pub use share::{FileError, LinkError, RebuildError, ScenarioFile, SharedRun};
pub use sim::{Outage, ReplayError, Sim, SimOptions};
pub use snapshot::{
    CoordinatorPhase, CoordinatorView, HiddenReason, HiddenWrite, InFlight, NodeView,
    ParticipantState, ParticipantView, ReplicaView, ReplicationView, Snapshot, TransactionView,
    TxnKind,
};
pub use timeline::Run;
pub use topology::Topology;
pub use trace::{
    Detail, EventKind, GroupDetail, NarrationFacts, RebalanceTrigger, ReplicaDetail, StepReport,
    TraceEvent, VoteNoReason,
};
pub use txn_protocol::{Isolation, KafkaTransactions, Pause, PauseParseError, TxnProtocol};
