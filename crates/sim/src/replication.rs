//! The settings of a replicated queue: how many broker nodes hold it (the topology's
//! `brokers`), the producer's `acks`, `min.insync.replicas`, unclean leader election,
//! and the truncation rule of a returning replica; and faults timed by the tick (a
//! crash, a restart, a cut link) that a replication scenario needs.
//!
//! The behaviour built is Apache Kafka 3.7 and later with KRaft: the high watermark
//! advances only while the in-sync set has at least `min.insync.replicas` members
//! (KAFKA-15583, Kafka 3.7.0); a replica returning to a partition truncates its log
//! at the leader-epoch boundary (KIP-101, Kafka 0.11); unclean election is off by
//! default (Kafka 0.11 and later). With `truncate_to_high_watermark` a returning
//! replica truncates to its own high watermark instead, as Kafka did before KIP-101.
//!
//! With one broker (the default) none of this is in effect and the broker is the
//! RabbitMQ-style queue it has always been.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::mode::Mode;
use crate::names::{named_serde, parse_name, UnknownName};
use crate::node::NodeId;
use crate::sentences::{said, Sentence};

/// When the leader tells the producer that a write succeeded (Kafka's `acks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Acks {
    /// Done when sent: the leader answers nothing.
    Zero,
    /// Done when the leader has appended the record to its own log.
    One,
    /// Done when the high watermark has passed the record: every member of the
    /// current in-sync set has it.
    All,
}

impl Acks {
    /// Every setting.
    pub const ALL: [Acks; 3] = [Acks::Zero, Acks::One, Acks::All];

    /// The name as Kafka writes it: "0", "1", "all".
    pub const fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }

    /// The default in a delivery mode: 0 for at-most-once (fire and forget), all
    /// otherwise (Kafka's producer default since 3.0).
    pub const fn default_for(mode: Mode) -> Acks {
        match mode {
            Mode::AtMostOnce => Acks::Zero,
            _ => Acks::All,
        }
    }
}

impl FromStr for Acks {
    type Err = UnknownName;

    fn from_str(input: &str) -> Result<Acks, UnknownName> {
        parse_name(
            mqlab_text::errors::Key::NameAcks,
            input,
            &Acks::ALL,
            Acks::as_str,
        )
    }
}

named_serde!(Acks);

/// The replication settings of the queue (used only with more than one broker).
/// Times are in ticks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Replication {
    /// `acks`; `None` means the mode's default (`Acks::default_for`).
    pub acks: Option<Acks>,
    /// `min.insync.replicas`: with `acks=all`, the leader refuses a write while the
    /// in-sync set is smaller; and the high watermark does not advance below it.
    pub min_insync_replicas: u16,
    /// `unclean.leader.election.enable`: when no in-sync replica is left, a replica
    /// outside the set may become leader (and every committed record it lacks is lost).
    pub unclean_election: bool,
    /// A returning replica truncates its log to its own high watermark (Kafka before
    /// KIP-101) instead of asking the leader where its leader epoch ended.
    pub truncate_to_high_watermark: bool,
    /// `replica.lag.time.max.ms`: a follower that has not caught up with the leader's
    /// log end for this long leaves the in-sync set.
    pub lag_timeout_ticks: u64,
    /// `broker.session.timeout.ms`: the controller fences a broker it has not heard
    /// from for this long (it crashed, or its link to the controller is cut), removes
    /// it from the in-sync set and, if it led the partition, elects a new leader.
    pub session_timeout_ticks: u64,
    /// The producer's `request.timeout.ms`: how long it waits for the leader's answer
    /// before it sends the write again (with one broker, `timing.retry_timeout_ticks`).
    pub request_timeout_ticks: u64,
}

impl Default for Replication {
    fn default() -> Replication {
        // Kafka's defaults keep the session (9 s) well below the lag time (30 s); the
        // lab scales both to its ticks and keeps their order, and keeps the session
        // shorter than the default downtime of a crashed node (30 ticks), so that a
        // crashed leader is replaced before it returns.
        Replication {
            acks: None,
            min_insync_replicas: 1,
            unclean_election: false,
            truncate_to_high_watermark: false,
            lag_timeout_ticks: 40,
            session_timeout_ticks: 15,
            request_timeout_ticks: 60,
        }
    }
}

impl Replication {
    /// True for the default settings (nothing to write in a link or a file).
    pub fn is_default(&self) -> bool {
        *self == Replication::default()
    }

    /// The `acks` in effect in a mode.
    pub fn acks_in(&self, mode: Mode) -> Acks {
        self.acks.unwrap_or(Acks::default_for(mode))
    }

    /// The settings that decide what a crash can lose, in Kafka's words: "acks=all,
    /// min.insync.replicas=2, clean election, leader epochs".
    pub fn describe_in(&self, mode: Mode) -> String {
        self.describe_in_words(mode, &mqlab_text::Words::english())
    }

    /// [`Replication::describe_in`] in `words`.
    pub fn describe_in_words(&self, mode: Mode, words: &mqlab_text::Words) -> String {
        use mqlab_text::narration::Key;
        crate::speech::say!(
            words,
            ReplicationSettings,
            acks = self.acks_in(mode).as_str(),
            min_isr = u64::from(self.min_insync_replicas),
            election = words.get(if self.unclean_election {
                Key::ReplicationUncleanElection
            } else {
                Key::ReplicationCleanElection
            }),
            truncation = words.get(if self.truncate_to_high_watermark {
                Key::ReplicationTruncateToHighWatermark
            } else {
                Key::ReplicationLeaderEpochs
            })
        )
    }
}

/// A fault that happens at a tick rather than before a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum TimedAction {
    /// The node crashes (if it is up).
    Crash {
        /// The node.
        node: NodeId,
    },
    /// The node restarts (if it is down).
    Restart {
        /// The node.
        node: NodeId,
    },
    /// The links between two nodes are cut in both directions until `until_tick`.
    Partition {
        /// One end.
        a: NodeId,
        /// The other end.
        b: NodeId,
        /// When the links heal.
        until_tick: u64,
    },
}

/// A fault at a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedFault {
    /// When it happens.
    pub tick: u64,
    /// What happens.
    #[serde(flatten)]
    pub action: TimedAction,
}

impl fmt::Display for TimedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            TimedAction::Crash { node } => write!(f, "{}:crash:{node}", self.tick),
            TimedAction::Restart { node } => write!(f, "{}:restart:{node}", self.tick),
            TimedAction::Partition { a, b, until_tick } => {
                write!(f, "{a}/{b}@{}..{until_tick}", self.tick)
            }
        }
    }
}

/// Why a timed fault could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedFaultParseError(pub Sentence);

impl fmt::Display for TimedFaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.told_in(crate::sentences::english()))
    }
}

impl std::error::Error for TimedFaultParseError {}

impl TimedFault {
    /// Reads `TICK:crash:NODE` or `TICK:restart:NODE`.
    pub fn parse_at(text: &str) -> Result<TimedFault, TimedFaultParseError> {
        let bad = || TimedFaultParseError(said!(ProblemTimedFault, text = text.to_string()));
        let mut parts = text.splitn(3, ':');
        let (Some(tick), Some(what), Some(node)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let tick: u64 = tick.trim().parse().map_err(|_| bad())?;
        let node: NodeId = node
            .parse()
            .map_err(|e: UnknownName| TimedFaultParseError(e.sentence()))?;
        let action = match what.trim() {
            "crash" => TimedAction::Crash { node },
            "restart" => TimedAction::Restart { node },
            _ => return Err(bad()),
        };
        Ok(TimedFault { tick, action })
    }

    /// Reads `A/B@FROM..TO`.
    pub fn parse_partition(text: &str) -> Result<TimedFault, TimedFaultParseError> {
        let bad = || TimedFaultParseError(said!(ProblemTimedPartition, text = text.to_string()));
        let (nodes, ticks) = text.split_once('@').ok_or_else(bad)?;
        let (a, b) = nodes.split_once('/').ok_or_else(bad)?;
        let (from, to) = ticks.split_once("..").ok_or_else(bad)?;
        let a: NodeId = a
            .parse()
            .map_err(|e: UnknownName| TimedFaultParseError(e.sentence()))?;
        let b: NodeId = b
            .parse()
            .map_err(|e: UnknownName| TimedFaultParseError(e.sentence()))?;
        let from: u64 = from.trim().parse().map_err(|_| bad())?;
        let to: u64 = to.trim().parse().map_err(|_| bad())?;
        if a == b {
            return Err(TimedFaultParseError(said!(
                ProblemTimedSelf,
                text = text.to_string()
            )));
        }
        if to <= from {
            return Err(TimedFaultParseError(said!(
                ProblemTimedOrder,
                text = text.to_string()
            )));
        }
        Ok(TimedFault {
            tick: from,
            action: TimedAction::Partition {
                a,
                b,
                until_tick: to,
            },
        })
    }

    /// The nodes it names.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self.action {
            TimedAction::Crash { node } | TimedAction::Restart { node } => vec![node],
            TimedAction::Partition { a, b, .. } => vec![a, b],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::RoleKind;

    #[test]
    fn timed_faults_read_back_as_written() {
        for text in [
            "40:crash:broker",
            "70:restart:broker-2",
            "broker/controller@10..60",
        ] {
            let fault = if text.contains('@') {
                TimedFault::parse_partition(text)
            } else {
                TimedFault::parse_at(text)
            }
            .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(fault.to_string(), text);
        }
        assert_eq!(
            TimedFault::parse_at("5:crash:broker-3").map(|f| f.nodes()),
            Ok(vec![NodeId::new(RoleKind::Broker, 2)])
        );
    }

    #[test]
    fn malformed_timed_faults_are_refused() {
        for bad in [
            "x:crash:broker",
            "5:explode:broker",
            "5:crash:queue",
            "5:crash",
        ] {
            assert!(TimedFault::parse_at(bad).is_err(), "{bad}");
        }
        for bad in [
            "broker/broker@1..2",
            "broker/broker-2@5..5",
            "broker@1..2",
            "a/b@1..2",
        ] {
            assert!(TimedFault::parse_partition(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn acks_default_to_zero_without_confirms_and_all_otherwise() {
        let replication = Replication::default();
        assert_eq!(replication.acks_in(Mode::AtMostOnce), Acks::Zero);
        assert_eq!(replication.acks_in(Mode::AtLeastOnce), Acks::All);
        assert_eq!("all".parse::<Acks>(), Ok(Acks::All));
        assert!("2".parse::<Acks>().is_err());
    }
}
