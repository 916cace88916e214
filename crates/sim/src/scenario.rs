//! The scenario: the whole reproducible input of a run.

use std::fmt;

use serde::{Deserialize, Serialize};

use mqlab_text::errors::Key;
use mqlab_text::Words;

use crate::fault::{Command, CommandError, PlannedFault};
use crate::limits::*;
use crate::mode::Mode;
use crate::network::{LinkConfig, LinkId, MessageKind, NetworkConfig};
use crate::node::NodeId;
use crate::ratio::Ratio;
use crate::replication::{Replication, TimedAction, TimedFault};
use crate::sentences::{said, Sentence};
pub use crate::topology::Topology;
#[cfg(feature = "kafka-txn")]
use crate::txn_protocol::KafkaTransactions;

/// Timers and pacing, all in ticks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timing {
    /// Ticks between the producer's first publishes.
    pub publish_interval_ticks: u64,
    /// How long the producer waits for a confirm before publishing again.
    pub retry_timeout_ticks: u64,
    /// How long the broker waits for an ack before redelivering.
    pub redelivery_timeout_ticks: u64,
    /// How long after an append the broker fsyncs (appends in between share the fsync).
    pub fsync_delay_ticks: u64,
    /// How long a crashed node stays down before it restarts by itself; `None` means it
    /// stays down until a `Restart` command.
    pub restart_after_ticks: Option<u64>,
    /// The most unconfirmed publishes the producer keeps outstanding: its "max in
    /// flight" (Kafka's `max.in.flight.requests.per.connection`). Above 1, a retried
    /// publish can land after later ones and reorder them, unless the broker checks
    /// sequence numbers (`sequence_check`).
    pub producer_window: u32,
    /// The most unacked deliveries the broker keeps outstanding (prefetch).
    pub delivery_window: u32,
    /// Idempotent mode: the broker also refuses a publish whose sequence number skips
    /// one (the message before it is not appended yet), as Kafka's idempotent producer
    /// requires; the producer retries it, so retries with several in flight never
    /// reorder. Off by default (the broker then only drops duplicates).
    pub sequence_check: bool,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            publish_interval_ticks: 1,
            retry_timeout_ticks: 20,
            redelivery_timeout_ticks: 20,
            fsync_delay_ticks: 1,
            restart_after_ticks: Some(30),
            producer_window: 4,
            delivery_window: 4,
            sequence_check: false,
        }
    }
}

/// Two-phase commit settings (transactional mode), in ticks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransactionConfig {
    /// How long the coordinator waits for all votes before aborting.
    pub vote_timeout_ticks: u64,
    /// How often the coordinator re-sends COMMIT to participants that have not
    /// answered "committed".
    pub decision_resend_ticks: u64,
    /// How long a prepared participant waits for the decision before asking the
    /// coordinator, and then how often it asks again. It never decides alone.
    pub in_doubt_query_ticks: u64,
    /// How long the coordinator waits before retrying an aborted transaction.
    pub retry_after_abort_ticks: u64,
    /// The probability that a participant votes no (seeded).
    pub vote_no: Ratio,
    /// How many messages one transaction carries (k): the producer groups m1..mN into
    /// transactions of k, the last one shorter if k does not divide N. In transactional
    /// mode the coordinator commits each group atomically, so the consumer sees all of
    /// it or none of it. In the other modes the producer publishes each group as a
    /// batch without a transaction, so a crash in the middle of a batch can leave part
    /// of it visible. 1 (the default) is one message per transaction, as before.
    pub size: u32,
    /// Consume-transform-produce (transactional mode only, like the other 2PC
    /// settings): for each input message mK the consumer also publishes an output
    /// message oK to a second queue on the broker, the output queue. The input ack, the
    /// side effect and the output publish commit or abort together: the broker's
    /// prepared work in the consume transaction holds both the input ack and the output
    /// append, as Kafka keeps consumed offsets and produced records in one transaction.
    /// Off by default.
    pub transform: bool,
}

impl Default for TransactionConfig {
    fn default() -> TransactionConfig {
        TransactionConfig {
            vote_timeout_ticks: 20,
            decision_resend_ticks: 20,
            in_doubt_query_ticks: 15,
            retry_after_abort_ticks: 5,
            vote_no: Ratio::ZERO,
            size: 1,
            transform: false,
        }
    }
}

/// How a poison message fails the consumer that processes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoisonFails {
    /// Processing it crashes the consumer (its connection closes, and with manual acks
    /// the broker puts the delivery back in the queue).
    #[default]
    Crash,
    /// The consumer rejects it with requeue (`basic.reject`, requeue=true): back in the
    /// queue, near its head.
    Reject,
    /// The consumer rejects it without requeue (`basic.nack`, requeue=false): the broker
    /// dead-letters it at once, or drops it without a dead-letter queue.
    Nack,
}

impl PoisonFails {
    /// Every way, in the order the page offers them.
    pub const ALL: [PoisonFails; 3] = [PoisonFails::Crash, PoisonFails::Reject, PoisonFails::Nack];

    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PoisonFails::Crash => "crash",
            PoisonFails::Reject => "reject",
            PoisonFails::Nack => "nack",
        }
    }
}

impl std::str::FromStr for PoisonFails {
    type Err = crate::names::UnknownName;

    fn from_str(input: &str) -> Result<PoisonFails, crate::names::UnknownName> {
        crate::names::parse_name(
            Key::NamePoisonFailure,
            input,
            &PoisonFails::ALL,
            PoisonFails::as_str,
        )
    }
}

/// The queue's consumer-side settings, as a RabbitMQ quorum queue has them (RabbitMQ
/// 4.0–4.2: every return to the queue — a rejected delivery, or one put back because
/// its consumer's connection closed — counts toward the delivery limit, 20 by default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    /// Poison messages: each fails every consumer that processes it (sorted, unique).
    pub poison: Vec<u32>,
    /// How a poison message fails its consumer.
    pub poison_fails: PoisonFails,
    /// A message returned to the queue more times than this is dead-lettered, or
    /// dropped without a dead-letter queue; 0 means no limit (RabbitMQ 3.13).
    pub delivery_limit: u32,
    /// A dead-letter queue is configured (`x-dead-letter-exchange`).
    pub dead_letter_queue: bool,
    /// Consumers use automatic acks: the broker forgets a message as it delivers it,
    /// whatever the delivery mode.
    pub auto_ack: bool,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            poison: Vec::new(),
            poison_fails: PoisonFails::Crash,
            delivery_limit: DEFAULT_DELIVERY_LIMIT,
            dead_letter_queue: false,
            auto_ack: false,
        }
    }
}

impl QueueConfig {
    pub fn is_default(&self) -> bool {
        *self == QueueConfig::default()
    }

    /// True when `message` is a poison message.
    pub fn is_poison(&self, message: u32) -> bool {
        !self.poison.is_empty() && self.poison.binary_search(&message).is_ok()
    }
}

/// When a Kafka consumer commits the offset past a record, relative to processing it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitStrategy {
    /// `commitSync()` for the record before processing it: a crash after the commit
    /// and before the side effect loses the record (at most once).
    Before,
    /// `commitSync()` after processing each record: a crash between the side effect and
    /// the commit makes the partition's next owner process the record again (at least
    /// once).
    #[default]
    After,
    /// `enable.auto.commit=true`: at each poll, once `auto.commit.interval.ms` has
    /// passed, the client commits the positions reached by the records the previous
    /// polls returned (`ConsumerCoordinator.maybeAutoCommitOffsetsAsync` runs before the
    /// fetch), and before it rejoins a group that rebalances. With processing inside the
    /// poll loop that duplicates after a crash and never loses.
    Auto,
}

impl CommitStrategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [CommitStrategy; 3] = [
        CommitStrategy::Before,
        CommitStrategy::After,
        CommitStrategy::Auto,
    ];

    /// The machine name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommitStrategy::Before => "before",
            CommitStrategy::After => "after",
            CommitStrategy::Auto => "auto",
        }
    }
}

impl std::str::FromStr for CommitStrategy {
    type Err = crate::names::UnknownName;

    fn from_str(input: &str) -> Result<CommitStrategy, crate::names::UnknownName> {
        crate::names::parse_name(
            Key::NameCommitStrategy,
            input,
            &CommitStrategy::ALL,
            CommitStrategy::as_str,
        )
    }
}

/// Kafka style on the consuming side: a topic of partitions read by consumer groups,
/// as Apache Kafka's classic group protocol runs it (eager rebalance, range
/// assignment: `group.protocol=classic`, the consumers' default in Kafka 3.x and 4.x).
/// Present in a scenario when the consumer side is Kafka style; absent, the
/// consumers compete on one RabbitMQ queue.
///
/// The world's consumers are the members of every group, group after group:
/// `topology.consumers` is `groups` times the members of one group, and member j of
/// group g (both from 1) is consumer number (g - 1) * members + j (`consumer` is the
/// first, then `consumer-2`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaConfig {
    /// How many consumer groups read the topic, each on its own (1..=3).
    pub groups: u16,
    /// How many partitions the topic has (1..=8).
    pub partitions: u16,
    /// How many key values the messages take: message mK has key k((K - 1) mod keys + 1),
    /// and its partition is the Kafka default partitioner's for that key (murmur2 of the
    /// key's bytes, made positive, modulo the partitions).
    pub keys: u32,
    /// When the consumers commit offsets.
    pub commit: CommitStrategy,
    /// `auto.commit.interval.ms`, in ticks (auto-commit only).
    pub auto_commit_ticks: u64,
    /// `session.timeout.ms`, in ticks: how long after a member's last heartbeat the
    /// group coordinator declares it dead and rebalances.
    pub session_timeout_ticks: u64,
    /// How many times the consumer's error handler tries a record whose processing
    /// throws (a poison record) before it gives up on it: it then publishes it to the
    /// dead-letter topic (with `queue.dead_letter_queue`) or logs and skips it. 0 means
    /// no error handler: the member stops at the record and its partition is blocked.
    pub max_attempts: u32,
}

impl Default for KafkaConfig {
    fn default() -> KafkaConfig {
        KafkaConfig {
            groups: 1,
            partitions: 1,
            keys: 16,
            commit: CommitStrategy::After,
            auto_commit_ticks: 5,
            session_timeout_ticks: 45,
            max_attempts: DEFAULT_KAFKA_ATTEMPTS,
        }
    }
}

impl KafkaConfig {
    /// How many members each group has, in a world of `consumers` consumers.
    pub fn members(&self, consumers: u16) -> u16 {
        (consumers / self.groups.max(1)).max(1)
    }

    /// The group (from 0) of consumer `instance`.
    pub fn group_of(&self, consumers: u16, instance: u8) -> u16 {
        (u16::from(instance) / self.members(consumers)).min(self.groups.max(1) - 1)
    }

    /// The key (from 1) of message `message`.
    pub fn key_of(&self, message: u32) -> u32 {
        message.saturating_sub(1) % self.keys.max(1) + 1
    }

    /// The partition (from 0) of message `message`: the default partitioner's choice
    /// for its key.
    pub fn partition_of(&self, message: u32) -> u16 {
        crate::actor::kafka::partition_for_key(self.key_of(message), self.partitions)
    }
}

/// Everything that determines a run: the same scenario (and the same commands) always
/// gives the same trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// The delivery mode.
    pub mode: Mode,
    /// How many messages the producer publishes (m1..mN).
    pub messages: u32,
    /// The seed of the simulation's PRNG.
    pub seed: u64,
    /// Which nodes the world has.
    #[serde(skip_serializing_if = "Topology::is_default")]
    pub topology: Topology,
    /// Link settings.
    pub network: NetworkConfig,
    /// Timers and windows.
    pub timing: Timing,
    /// 2PC settings.
    pub transaction: TransactionConfig,
    /// The queue's consumer-side settings: poison messages, delivery limit,
    /// dead-lettering, automatic acks.
    #[serde(skip_serializing_if = "QueueConfig::is_default")]
    pub queue: QueueConfig,
    /// The probability, per step, that a random up node crashes.
    pub random_crash: Ratio,
    /// Faults planned in advance.
    pub faults: Vec<PlannedFault>,
    /// The replicated queue's settings (in effect with more than one broker).
    #[serde(skip_serializing_if = "Replication::is_default")]
    pub replication: Replication,
    /// Faults at a tick: crashes, restarts and cut links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timed_faults: Vec<TimedFault>,
    /// Kafka style on the consuming side: consumer groups on a partitioned topic.
    /// `None` (the default) is RabbitMQ style: competing consumers on one queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaConfig>,
    /// Transactional mode's protocol: `None` (the default) is 2PC (XA); present, Kafka
    /// transactions with these settings (a build with the `kafka-txn` feature runs them).
    /// Only a build that runs them has the field: the page's module does not.
    #[cfg(feature = "kafka-txn")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka_transactions: Option<KafkaTransactions>,
}

impl Default for Scenario {
    /// Five messages, at-least-once, no faults.
    fn default() -> Scenario {
        Scenario {
            mode: Mode::AtLeastOnce,
            messages: 5,
            seed: 1,
            topology: Topology::default(),
            network: NetworkConfig::default(),
            timing: Timing::default(),
            transaction: TransactionConfig::default(),
            queue: QueueConfig::default(),
            random_crash: Ratio::ZERO,
            faults: Vec::new(),
            replication: Replication::default(),
            timed_faults: Vec::new(),
            kafka: None,
            #[cfg(feature = "kafka-txn")]
            kafka_transactions: None,
        }
    }
}

/// Why a scenario cannot be run. Each error names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// `messages` is 0 or above `MAX_MESSAGES`.
    MessagesOutOfRange {
        /// The value given.
        messages: u32,
    },
    /// A latency minimum above its maximum, or outside 1..=MAX_LATENCY_TICKS.
    InvalidLatency {
        /// The field, e.g. "network.latency_ticks_min".
        field: String,
        /// The minimum given.
        min: u64,
        /// The maximum given.
        max: u64,
    },
    /// A ratio with denominator 0 or above 1.
    InvalidRatio {
        /// The field.
        field: String,
        /// The numerator given.
        numerator: u32,
        /// The denominator given.
        denominator: u32,
    },
    /// A timer or window outside its allowed range.
    OutOfRange {
        /// The field.
        field: String,
        /// The value given.
        value: u64,
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// More than `MAX_PLANNED_FAULTS` planned faults.
    TooManyFaults {
        /// How many were given.
        count: u32,
    },
    /// A setting this version cannot run.
    Unsupported {
        /// The field.
        field: String,
        /// Why, in a sentence.
        reason: Sentence,
    },
    /// A planned fault that would be refused as a command.
    InvalidFault {
        /// The field, e.g. "faults[2]".
        field: String,
        /// Why.
        error: crate::fault::CommandError,
    },
}

impl ScenarioError {
    /// Why the scenario cannot run, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            ScenarioError::MessagesOutOfRange { messages } => words.fill(
                Key::ScenarioMessages,
                &[
                    ("most", MAX_MESSAGES.into()),
                    ("messages", (*messages).into()),
                ],
            ),
            ScenarioError::InvalidLatency { field, min, max } => words.fill(
                Key::ScenarioLatency,
                &[
                    ("field", field.into()),
                    ("most", MAX_LATENCY_TICKS.into()),
                    ("min", (*min).into()),
                    ("max", (*max).into()),
                ],
            ),
            ScenarioError::InvalidRatio {
                field,
                numerator,
                denominator,
            } => words.fill(
                Key::ScenarioRatio,
                &[
                    ("field", field.into()),
                    ("numerator", (*numerator).into()),
                    ("denominator", (*denominator).into()),
                ],
            ),
            ScenarioError::OutOfRange {
                field,
                value,
                min,
                max,
            } => words.fill(
                Key::ScenarioRange,
                &[
                    ("field", field.into()),
                    ("min", (*min).into()),
                    ("max", (*max).into()),
                    ("value", (*value).into()),
                ],
            ),
            ScenarioError::TooManyFaults { count } => words.fill(
                Key::ScenarioTooManyFaults,
                &[
                    ("most", MAX_PLANNED_FAULTS.into()),
                    ("count", (*count).into()),
                ],
            ),
            ScenarioError::InvalidFault { field, error } => words.fill(
                Key::ScenarioField,
                &[
                    ("field", field.into()),
                    ("reason", error.describe_in(words).into()),
                ],
            ),
            ScenarioError::Unsupported { field, reason } => words.fill(
                Key::ScenarioField,
                &[
                    ("field", field.into()),
                    ("reason", reason.told_in(words).into()),
                ],
            ),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for ScenarioError {}

/// Checks the node counts against the limits.
fn check_topology(topology: &Topology, kafka: bool) -> Result<(), ScenarioError> {
    check_range(
        "topology.producers",
        u64::from(topology.producers),
        1,
        u64::from(MAX_PRODUCERS),
    )?;
    // Kafka style counts the members of every group (checked with the groups).
    let most_consumers = if kafka {
        MAX_GROUPS * MAX_GROUP_MEMBERS
    } else {
        MAX_CONSUMERS
    };
    check_range(
        "topology.consumers",
        u64::from(topology.consumers),
        1,
        u64::from(most_consumers),
    )?;
    check_range(
        "topology.brokers",
        u64::from(topology.brokers),
        1,
        u64::from(MAX_BROKERS),
    )?;
    check_range(
        "topology.brokers",
        u64::from(topology.brokers),
        1,
        u64::from(MAX_REPLICAS),
    )?;
    Ok(())
}

/// Checks the replication settings and the timed faults against the topology.
fn check_replication(scenario: &Scenario) -> Result<(), ScenarioError> {
    let r = &scenario.replication;
    let brokers = scenario.topology.brokers;
    if scenario.topology.replicated() && scenario.mode == Mode::Transactional {
        return Err(ScenarioError::Unsupported {
            field: "topology.brokers".to_string(),
            reason: said!(UnsupportedReplicatedTransactional),
        });
    }
    if r.min_insync_replicas == 0 || r.min_insync_replicas > brokers {
        return Err(ScenarioError::OutOfRange {
            field: "replication.min_insync_replicas".to_string(),
            value: u64::from(r.min_insync_replicas),
            min: 1,
            max: u64::from(brokers),
        });
    }
    check_range(
        "replication.lag_timeout_ticks",
        r.lag_timeout_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    check_range(
        "replication.request_timeout_ticks",
        r.request_timeout_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    check_range(
        "replication.session_timeout_ticks",
        r.session_timeout_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    if scenario.timed_faults.len() > MAX_PLANNED_FAULTS as usize {
        return Err(ScenarioError::TooManyFaults {
            count: u32::try_from(scenario.timed_faults.len()).unwrap_or(u32::MAX),
        });
    }
    let nodes = scenario.nodes();
    for (index, fault) in scenario.timed_faults.iter().enumerate() {
        let field = format!("timed_faults[{index}]");
        for node in fault.nodes() {
            if !nodes.contains(&node) {
                return Err(ScenarioError::InvalidFault {
                    field,
                    error: if scenario.topology.has(node) {
                        CommandError::NodeNotInMode {
                            node,
                            mode: scenario.mode,
                        }
                    } else {
                        CommandError::NodeNotInTopology { node }
                    },
                });
            }
        }
        if let TimedAction::Crash { node } = fault.action {
            if node == NodeId::CONTROLLER {
                return Err(ScenarioError::Unsupported {
                    field,
                    reason: said!(UnsupportedControllerCrash),
                });
            }
        }
        if let TimedAction::Partition { until_tick, .. } = fault.action {
            if until_tick <= fault.tick || until_tick > MAX_TIMEOUT_TICKS.saturating_mul(10) {
                return Err(ScenarioError::OutOfRange {
                    field,
                    value: until_tick,
                    min: fault.tick + 1,
                    max: MAX_TIMEOUT_TICKS.saturating_mul(10),
                });
            }
        }
    }
    Ok(())
}

/// Checks that a ratio is a probability, naming the offending field.
fn check_ratio(field: &str, ratio: Ratio) -> Result<(), ScenarioError> {
    if ratio.denominator == 0 || ratio.numerator > ratio.denominator {
        return Err(ScenarioError::InvalidRatio {
            field: field.to_string(),
            numerator: ratio.numerator,
            denominator: ratio.denominator,
        });
    }
    Ok(())
}

fn check_queue(scenario: &Scenario) -> Result<(), ScenarioError> {
    let q = &scenario.queue;
    check_range(
        "queue.delivery_limit",
        u64::from(q.delivery_limit),
        0,
        u64::from(MAX_DELIVERY_LIMIT),
    )?;
    if q.poison.len() > scenario.messages as usize {
        return Err(ScenarioError::OutOfRange {
            field: "queue.poison".to_string(),
            value: q.poison.len() as u64,
            min: 0,
            max: u64::from(scenario.messages),
        });
    }
    for (index, message) in q.poison.iter().enumerate() {
        check_range(
            &format!("queue.poison[{index}]"),
            u64::from(*message),
            1,
            u64::from(scenario.messages),
        )?;
        if index > 0 && q.poison[index - 1] >= *message {
            return Err(ScenarioError::Unsupported {
                field: format!("queue.poison[{index}]"),
                reason: said!(UnsupportedPoisonOrder),
            });
        }
    }
    if scenario.mode == Mode::Transactional && (q.auto_ack || !q.poison.is_empty()) {
        return Err(ScenarioError::Unsupported {
            field: if q.auto_ack {
                "queue.auto_ack"
            } else {
                "queue.poison"
            }
            .to_string(),
            reason: said!(UnsupportedPoisonTransactional),
        });
    }
    Ok(())
}

/// Checks the consumer groups' settings (Kafka style), and that the rest of the
/// scenario is one they run in.
fn check_kafka(scenario: &Scenario) -> Result<(), ScenarioError> {
    let Some(k) = &scenario.kafka else {
        return Ok(());
    };
    let unsupported = |field: &str, reason: Sentence| {
        Err(ScenarioError::Unsupported {
            field: field.to_string(),
            reason,
        })
    };
    check_range(
        "kafka.groups",
        u64::from(k.groups),
        1,
        u64::from(MAX_GROUPS),
    )?;
    check_range(
        "kafka.partitions",
        u64::from(k.partitions),
        1,
        u64::from(MAX_PARTITIONS),
    )?;
    check_range("kafka.keys", u64::from(k.keys), 1, u64::from(MAX_KEYS))?;
    check_range(
        "kafka.auto_commit_ticks",
        k.auto_commit_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    check_range(
        "kafka.session_timeout_ticks",
        k.session_timeout_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    check_range(
        "kafka.max_attempts",
        u64::from(k.max_attempts),
        0,
        u64::from(MAX_DELIVERY_LIMIT),
    )?;
    let consumers = scenario.topology.consumers;
    if !consumers.is_multiple_of(k.groups) {
        return unsupported("topology.consumers", said!(UnsupportedGroupMembers));
    }
    check_range(
        "topology.consumers",
        u64::from(consumers / k.groups),
        1,
        u64::from(MAX_GROUP_MEMBERS),
    )?;
    if scenario.mode == Mode::Transactional {
        return unsupported("kafka", said!(UnsupportedGroupsTransactional));
    }
    if scenario.topology.replicated() {
        return unsupported("kafka", said!(UnsupportedGroupsReplicated));
    }
    if scenario.queue.auto_ack {
        return unsupported("queue.auto_ack", said!(UnsupportedKafkaAutoAck));
    }
    if scenario.queue.delivery_limit != DEFAULT_DELIVERY_LIMIT {
        return unsupported("queue.delivery_limit", said!(UnsupportedKafkaDeliveryLimit));
    }
    for (index, fault) in scenario.timed_faults.iter().enumerate() {
        if let TimedAction::Partition { a, b, .. } = fault.action {
            if a.role() == crate::node::RoleKind::Consumer
                || b.role() == crate::node::RoleKind::Consumer
            {
                return Err(ScenarioError::Unsupported {
                    field: format!("timed_faults[{index}]"),
                    reason: said!(UnsupportedKafkaConsumerLink),
                });
            }
        }
    }
    if scenario.transaction.size > 1 || scenario.transaction.transform {
        return unsupported("transaction", said!(UnsupportedGroupsTransaction));
    }
    Ok(())
}

/// Checks the Kafka-transactions settings: a build that runs them, transactional mode,
/// the one world they run in (a producer, a broker, a consumer and the transaction
/// coordinator, on reliable links), and the pauses.
#[cfg(feature = "kafka-txn")]
fn check_kafka_transactions(scenario: &Scenario) -> Result<(), ScenarioError> {
    let Some(k) = &scenario.kafka_transactions else {
        return Ok(());
    };
    let unsupported = |field: &str, reason: Sentence| {
        Err(ScenarioError::Unsupported {
            field: field.to_string(),
            reason,
        })
    };
    if scenario.mode != Mode::Transactional {
        return unsupported(
            "kafka_transactions",
            said!(UnsupportedKafkaTxnMode, mode = scenario.mode.as_str()),
        );
    }
    if !scenario.topology.is_default() {
        return unsupported("topology", said!(UnsupportedKafkaTxnTopology));
    }
    if scenario.kafka.is_some() || !scenario.replication.is_default() {
        return unsupported("kafka", said!(UnsupportedKafkaTxnGroups));
    }
    if !scenario.queue.is_default() {
        return unsupported("queue", said!(UnsupportedKafkaTxnQueue));
    }
    let g = &scenario.network.global;
    if g.loss != Ratio::ZERO
        || g.duplicate != Ratio::ZERO
        || g.reorder != Ratio::ZERO
        || !scenario.network.links.is_empty()
    {
        return unsupported("network", said!(UnsupportedKafkaTxnNetwork));
    }
    if !scenario.timed_faults.is_empty() {
        return unsupported("timed_faults", said!(UnsupportedKafkaTxnTimed));
    }
    for (index, fault) in scenario.faults.iter().enumerate() {
        if let Command::Crash(node) | Command::Restart(node) = fault.command {
            if node.role() == crate::node::RoleKind::Broker {
                return unsupported(
                    &format!("faults[{index}]"),
                    said!(UnsupportedKafkaTxnBrokerCrash),
                );
            }
        }
        if !matches!(
            fault.command,
            Command::Crash(_) | Command::Restart(_) | Command::CrashAt { .. }
        ) {
            return unsupported(
                &format!("faults[{index}]"),
                said!(UnsupportedKafkaTxnFaults),
            );
        }
    }
    check_range(
        "kafka_transactions.transaction_timeout_ticks",
        k.transaction_timeout_ticks,
        1,
        MAX_TIMEOUT_TICKS,
    )?;
    if k.pauses.len() > MAX_PLANNED_FAULTS as usize {
        return Err(ScenarioError::TooManyFaults {
            count: u32::try_from(k.pauses.len()).unwrap_or(u32::MAX),
        });
    }
    let nodes = k.nodes();
    for (index, pause) in k.pauses.iter().enumerate() {
        let field = format!("kafka_transactions.pauses[{index}]");
        pause
            .check()
            .or_else(|reason| unsupported(&field, reason))?;
        if !nodes.contains(&pause.node) {
            return unsupported(
                &field,
                said!(
                    UnsupportedKafkaTxnPauseNode,
                    node = pause.node.name().to_string(),
                    nodes = nodes
                        .iter()
                        .map(|n| n.name().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    Ok(())
}

fn check_range(field: &str, value: u64, min: u64, max: u64) -> Result<(), ScenarioError> {
    if value < min || value > max {
        return Err(ScenarioError::OutOfRange {
            field: field.to_string(),
            value,
            min,
            max,
        });
    }
    Ok(())
}

fn check_link(field: &str, config: &LinkConfig) -> Result<(), ScenarioError> {
    if config.latency_ticks_min == 0
        || config.latency_ticks_min > config.latency_ticks_max
        || config.latency_ticks_max > MAX_LATENCY_TICKS
    {
        return Err(ScenarioError::InvalidLatency {
            field: field.to_string(),
            min: config.latency_ticks_min,
            max: config.latency_ticks_max,
        });
    }
    check_ratio(&format!("{field}.loss"), config.loss)?;
    check_ratio(&format!("{field}.duplicate"), config.duplicate)?;
    check_ratio(&format!("{field}.reorder"), config.reorder)?;
    Ok(())
}

impl Scenario {
    /// True when the scenario's world runs in `mode`: the transactional mode needs one
    /// broker and the RabbitMQ-style queue (a replicated queue and Kafka's consumer
    /// groups run in the other three).
    pub fn runs_in(&self, mode: Mode) -> bool {
        mode != Mode::Transactional || !(self.topology.replicated() || self.kafka.is_some())
    }

    /// The nodes present in the scenario's mode (the coordinator only in transactional).
    pub fn nodes(&self) -> Vec<NodeId> {
        self.topology.nodes_in(self.mode)
    }

    /// True when transactional mode runs Kafka transactions (only a build with the
    /// `kafka-txn` feature can say so).
    pub fn runs_kafka_transactions(&self) -> bool {
        #[cfg(feature = "kafka-txn")]
        return self.kafka_transactions.is_some();
        #[cfg(not(feature = "kafka-txn"))]
        false
    }

    /// Checks every field; the first problem found is returned, naming its field.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.messages == 0 || self.messages > MAX_MESSAGES {
            return Err(ScenarioError::MessagesOutOfRange {
                messages: self.messages,
            });
        }
        check_topology(&self.topology, self.kafka.is_some())?;
        #[cfg(feature = "kafka-txn")]
        check_kafka_transactions(self)?;
        check_kafka(self)?;
        check_replication(self)?;
        if self.topology.producers > 1 && self.transaction.size > 1 {
            return Err(ScenarioError::Unsupported {
                field: "transaction.size".to_string(),
                reason: said!(UnsupportedBatchProducers),
            });
        }
        check_queue(self)?;
        check_link("network", &self.network.global)?;
        for (index, link) in self.network.links.iter().enumerate() {
            check_link(&format!("network.links[{index}]"), &link.config)?;
        }
        let t = &self.timing;
        check_range(
            "timing.publish_interval_ticks",
            t.publish_interval_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "timing.retry_timeout_ticks",
            t.retry_timeout_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "timing.redelivery_timeout_ticks",
            t.redelivery_timeout_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "timing.fsync_delay_ticks",
            t.fsync_delay_ticks,
            0,
            MAX_TIMEOUT_TICKS,
        )?;
        if let Some(ticks) = t.restart_after_ticks {
            check_range("timing.restart_after_ticks", ticks, 1, MAX_TIMEOUT_TICKS)?;
        }
        check_range(
            "timing.producer_window",
            u64::from(t.producer_window),
            1,
            u64::from(MAX_WINDOW),
        )?;
        check_range(
            "timing.delivery_window",
            u64::from(t.delivery_window),
            1,
            u64::from(MAX_WINDOW),
        )?;
        let x = &self.transaction;
        check_range(
            "transaction.vote_timeout_ticks",
            x.vote_timeout_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "transaction.decision_resend_ticks",
            x.decision_resend_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "transaction.in_doubt_query_ticks",
            x.in_doubt_query_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_range(
            "transaction.retry_after_abort_ticks",
            x.retry_after_abort_ticks,
            1,
            MAX_TIMEOUT_TICKS,
        )?;
        check_ratio("transaction.vote_no", x.vote_no)?;
        check_range(
            "transaction.size",
            u64::from(x.size),
            1,
            u64::from(MAX_TXN_SIZE),
        )?;
        check_ratio("random_crash", self.random_crash)?;
        if self.faults.len() > MAX_PLANNED_FAULTS as usize {
            return Err(ScenarioError::TooManyFaults {
                count: u32::try_from(self.faults.len()).unwrap_or(u32::MAX),
            });
        }
        for (index, fault) in self.faults.iter().enumerate() {
            check_command(self, &fault.command).map_err(|error| ScenarioError::InvalidFault {
                field: format!("faults[{index}]"),
                error,
            })?;
        }
        Ok(())
    }

    /// The group (transaction or batch) that holds a message: its first and last
    /// message numbers. Groups are m1..mk, mk+1..m2k and so on; the last may be shorter.
    pub fn group_of(&self, message: u32) -> (u32, u32) {
        let size = self.transaction.size.max(1);
        let first = message.saturating_sub(1) / size * size + 1;
        let last = first.saturating_add(size - 1).min(self.messages);
        (first, last)
    }

    /// True when messages travel in groups of more than one.
    pub fn grouped(&self) -> bool {
        self.transaction.size > 1
    }

    /// True when the consumer publishes an output message per input in the consume
    /// transaction (consume-transform-produce, transactional mode only).
    pub fn transforms(&self) -> bool {
        self.transaction.transform && self.mode == Mode::Transactional
    }

    /// Adds a fault armed from the start (builder style, for tests and lessons).
    pub fn with_fault(mut self, command: Command) -> Scenario {
        self.faults.push(PlannedFault::at_start(command));
        self
    }
}

/// The nodes present in a mode in the default topology (one of each).
pub fn nodes_in(mode: Mode) -> Vec<NodeId> {
    Topology::default().nodes_in(mode)
}

/// Checks a command against a scenario without a running simulation: everything that
/// does not depend on the current state (node up or down, link partitioned or not).
pub(crate) fn check_command(scenario: &Scenario, command: &Command) -> Result<(), CommandError> {
    let mode = scenario.mode;
    let check_node = |node: NodeId| {
        if !scenario.topology.has(node) {
            Err(CommandError::NodeNotInTopology { node })
        } else if scenario.topology.nodes_in(mode).contains(&node) {
            Ok(())
        } else {
            Err(CommandError::NodeNotInMode { node, mode })
        }
    };
    let check_link = |link: LinkId, kind: Option<MessageKind>| {
        for node in [link.from, link.to] {
            if !scenario.topology.has(node) {
                return Err(CommandError::NodeNotInTopology { node });
            }
        }
        if scenario.kafka.is_some()
            && (link.from.role() == crate::node::RoleKind::Consumer
                || link.to.role() == crate::node::RoleKind::Consumer)
        {
            return Err(CommandError::ReliableLink { link });
        }
        if !scenario.topology.links(mode).contains(&link)
            && !scenario.topology.replication_links(mode).contains(&link)
        {
            return Err(CommandError::LinkNotInMode { link, mode });
        }
        if let Some(kind) = kind {
            if !link
                .kinds_in_style(mode, scenario.kafka.is_some())
                .contains(&kind)
            {
                return Err(CommandError::KindNotOnLink { link, kind });
            }
        }
        Ok(())
    };
    let check_message = |message: Option<u32>| match message {
        Some(m) if m == 0 || m > scenario.messages => Err(CommandError::MessageOutOfRange {
            message: m,
            messages: scenario.messages,
        }),
        _ => Ok(()),
    };
    let check_delay = |ticks: u64| {
        if ticks > MAX_DELAY_TICKS {
            Err(CommandError::DelayTooLong { ticks })
        } else {
            Ok(())
        }
    };
    let check_ratio = |ratio: Ratio| {
        if ratio.denominator == 0 || ratio.numerator > ratio.denominator {
            Err(CommandError::InvalidRatio { ratio })
        } else {
            Ok(())
        }
    };
    let check_nth = |nth: u32| {
        if nth == 0 {
            Err(CommandError::NthIsZero)
        } else {
            Ok(())
        }
    };
    match *command {
        Command::Crash(NodeId::CONTROLLER) => Err(CommandError::NodeNotInMode {
            node: NodeId::CONTROLLER,
            mode,
        }),
        Command::Crash(node) | Command::Restart(node) => check_node(node),
        Command::CrashAt {
            point,
            message,
            instance,
        } => {
            if !point.applies_to(mode) {
                return Err(CommandError::CrashPointNotInMode { point, mode });
            }
            #[cfg(feature = "kafka-txn")]
            let kafka_txn = scenario.runs_kafka_transactions();
            #[cfg(feature = "kafka-txn")]
            if (kafka_txn && !crate::fault::CrashPoint::KAFKA_TXN.contains(&point))
                || (!kafka_txn && point.kafka_txn_only())
            {
                return Err(CommandError::CrashPointNotInProtocol {
                    point,
                    kafka: kafka_txn,
                });
            }
            let kafka = scenario.kafka.is_some();
            if (kafka && point == crate::fault::CrashPoint::ConsumerAfterAck)
                || (!kafka && point == crate::fault::CrashPoint::ConsumerAfterCommit)
            {
                return Err(CommandError::CrashPointNotInStyle { point, kafka });
            }
            check_node(point.node_at(instance))?;
            check_message(message)
        }
        Command::DropNext { link, kind } => check_link(link, kind),
        Command::DuplicateNext { link } | Command::Partition { link } | Command::Heal { link } => {
            check_link(link, None)
        }
        Command::DelayNext { link, ticks } => {
            check_link(link, None)?;
            check_delay(ticks)
        }
        Command::DropMatching {
            link,
            kind,
            message,
            nth,
        }
        | Command::DuplicateMatching {
            link,
            kind,
            message,
            nth,
        } => {
            check_link(link, kind)?;
            check_message(message)?;
            check_nth(nth)
        }
        Command::DelayMatching {
            link,
            kind,
            message,
            nth,
            ticks,
        } => {
            check_link(link, kind)?;
            check_message(message)?;
            check_nth(nth)?;
            check_delay(ticks)
        }
        Command::SetLoss(ratio)
        | Command::SetDuplicate(ratio)
        | Command::SetReorder(ratio)
        | Command::SetCrashRate(ratio) => check_ratio(ratio),
        Command::ReplayDeadLetters => {
            if scenario.kafka.is_some() {
                Err(CommandError::NoReplayForTopic)
            } else if scenario.queue.dead_letter_queue && mode != Mode::Transactional {
                Ok(())
            } else {
                Err(CommandError::NoDeadLetterQueue)
            }
        }
    }
}
