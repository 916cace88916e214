//! The settings of the second transactional protocol, Kafka transactions (KIP-98), beside
//! the 2PC (XA) protocol of transactional mode. The settings are plain data present in
//! every build, so that a link or a file naming them is read and then refused with a
//! clear sentence by a build without the `kafka-txn` feature; the world that runs them is
//! in `crate::kafka_txn`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::limits::MAX_TIMEOUT_TICKS;
use crate::names::{named_serde, parse_name, UnknownName};
use crate::node::{NodeId, RoleKind};
use crate::sentences::{said, Sentence};
use mqlab_text::errors::Key;

/// Which transaction protocol transactional mode runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TxnProtocol {
    /// Two-phase commit over the producer's database and the broker (XA).
    #[default]
    Xa,
    /// Kafka transactions: a transaction coordinator, a transaction log and markers.
    Kafka,
}

impl TxnProtocol {
    /// Every protocol.
    pub const ALL: [TxnProtocol; 2] = [TxnProtocol::Xa, TxnProtocol::Kafka];

    /// The machine name used in links, files and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            TxnProtocol::Xa => "xa",
            TxnProtocol::Kafka => "kafka",
        }
    }
}

impl FromStr for TxnProtocol {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<TxnProtocol, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameTransactionProtocol,
            input,
            &TxnProtocol::ALL,
            TxnProtocol::as_str,
        )
    }
}

named_serde!(TxnProtocol);

/// A Kafka consumer's `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Isolation {
    /// Returns records only up to the last stable offset and skips aborted ones.
    #[default]
    ReadCommitted,
    /// Returns every appended record, aborted ones included (Kafka's own default).
    ReadUncommitted,
}

impl Isolation {
    /// Every level.
    pub const ALL: [Isolation; 2] = [Isolation::ReadCommitted, Isolation::ReadUncommitted];

    /// The machine name, as Kafka spells the setting's values.
    pub const fn as_str(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "read_committed",
            Isolation::ReadUncommitted => "read_uncommitted",
        }
    }
}

impl FromStr for Isolation {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<Isolation, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameIsolationLevel,
            input,
            &Isolation::ALL,
            Isolation::as_str,
        )
    }
}

named_serde!(Isolation);

/// A node that takes no steps from `from_tick` (inclusive) to `to_tick` (exclusive), as
/// a long garbage-collection pause stops a process, then resumes as if nothing happened:
/// what reached it meanwhile is handled at `to_tick`, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pause {
    /// The paused node.
    pub node: NodeId,
    /// The first tick of the pause.
    pub from_tick: u64,
    /// The tick at which the node resumes.
    pub to_tick: u64,
}

/// Why a pause cannot be read: a sentence its reader tells in their words (its `Display`
/// is the English the command line prints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PauseParseError(pub Sentence);

impl fmt::Display for PauseParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.told_in(crate::sentences::english()))
    }
}

impl std::error::Error for PauseParseError {}

impl Pause {
    /// Reads `NODE@FROM..TO`, e.g. `producer@5..80`.
    pub fn parse(text: &str) -> Result<Pause, PauseParseError> {
        let said = |key| PauseParseError(Sentence::new(key).with("text", text.to_string()));
        let bad = || said(Key::ProblemPause);
        let (node, ticks) = text.split_once('@').ok_or_else(bad)?;
        if node.trim().is_empty() {
            return Err(said(Key::ProblemPauseNoNode));
        }
        let node: NodeId = node.parse().map_err(|e: UnknownName| {
            PauseParseError(
                said!(ProblemPauseNode, text = text.to_string()).with_said("reason", e.sentence()),
            )
        })?;
        let (from, to) = ticks.split_once("..").ok_or_else(bad)?;
        let from: u64 = from.trim().parse().map_err(|_| bad())?;
        if to.trim().is_empty() || to.trim() == "never" {
            return Err(said(Key::ProblemPauseNeverEnds));
        }
        let to: u64 = to.trim().parse().map_err(|_| bad())?;
        let pause = Pause {
            node,
            from_tick: from,
            to_tick: to,
        };
        pause.check().map_err(PauseParseError)?;
        Ok(pause)
    }

    /// Checks the window: it must hold at least one tick and end within the limits.
    pub fn check(&self) -> Result<(), Sentence> {
        if self.to_tick <= self.from_tick {
            return Err(said!(ProblemPauseEmpty, text = self.to_string()));
        }
        if self.to_tick > MAX_TIMEOUT_TICKS {
            return Err(said!(
                ProblemPauseTooLong,
                text = self.to_string(),
                most = MAX_TIMEOUT_TICKS
            ));
        }
        Ok(())
    }

    /// True when the node is paused at `tick`.
    pub fn holds(&self, node: NodeId, tick: u64) -> bool {
        self.node == node && self.from_tick <= tick && tick < self.to_tick
    }
}

impl fmt::Display for Pause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}..{}",
            self.node.name(),
            self.from_tick,
            self.to_tick
        )
    }
}

impl Serialize for Pause {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Pause {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pause, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Pause::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The Kafka-transactions settings of a transactional scenario. Present when transactional
/// mode runs Kafka's protocol; absent, it runs 2PC (XA).
///
/// The world: a producer with a `transactional.id` writes m1..mN in transactions of
/// `transaction.size` records to a topic of two partitions on the broker; a consumer
/// reads them with `isolation`. With `transaction.transform` (or `external_effect`) the
/// producer is a consume-transform-produce loop instead: it reads mK from an input
/// partition, writes oK, and commits its input offsets in the transaction
/// (`sendOffsetsToTransaction`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaTransactions {
    /// The consumer's `isolation.level`.
    pub isolation: Isolation,
    /// A second instance of the producer, `producer-2`, with the same
    /// `transactional.id`, starts while the first runs (at the first tick of the first
    /// pause of `producer`, or at tick 5 without one): the first becomes a zombie.
    pub zombie: bool,
    /// The loop calls an external system (a node of its own) for every input record it
    /// processes, outside the transaction. Turns the consume-transform-produce loop on.
    pub external_effect: bool,
    /// `transaction.timeout.ms`, in ticks (1 tick = 1 second: 60 000 ms by default).
    pub transaction_timeout_ticks: u64,
    /// Nodes that stop taking steps for a while.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pauses: Vec<Pause>,
}

/// `transaction.timeout.ms` (60 000 ms, 60 ticks of one second).
pub const DEFAULT_TRANSACTION_TIMEOUT_TICKS: u64 = 60;

/// The tick at which the second instance starts when no pause of the first says when.
pub const ZOMBIE_START_TICK: u64 = 5;

impl Default for KafkaTransactions {
    fn default() -> KafkaTransactions {
        KafkaTransactions {
            isolation: Isolation::ReadCommitted,
            zombie: false,
            external_effect: false,
            transaction_timeout_ticks: DEFAULT_TRANSACTION_TIMEOUT_TICKS,
            pauses: Vec::new(),
        }
    }
}

impl KafkaTransactions {
    /// The nodes of the Kafka-transactions world that a pause or a crash may name.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes = vec![
            NodeId::PRODUCER,
            NodeId::BROKER,
            NodeId::CONSUMER,
            NodeId::COORDINATOR,
        ];
        if self.zombie {
            nodes.push(NodeId::new(RoleKind::Producer, 1));
        }
        nodes
    }

    /// The tick at which the second instance starts (with `zombie`).
    pub fn zombie_start_tick(&self) -> u64 {
        self.pauses
            .iter()
            .filter(|p| p.node == NodeId::PRODUCER)
            .map(|p| p.from_tick + 1)
            .min()
            .unwrap_or(ZOMBIE_START_TICK)
    }
}
