//! The dual-write world (`--pattern`): how a service keeps its database and the broker in
//! step, and what each way of doing it loses, duplicates or costs. A discrete-event
//! driver over the roles of `actor::outbox` — the service with its database (business
//! rows and the outbox table), the relay that polls the outbox table, the broker, and the
//! consumer with its database (business rows and the inbox table, or its stored offset)
//! — with latency from the seed, crash points, crashes at ticks, random crashes and
//! restarts. A node's database is durable; its memory is lost on a crash. The service's
//! database is a database server of its own, so the relay reads and marks the outbox
//! table while the service's process is down.
//!
//! The patterns ([`Pattern`]): commit first, publish first, the transactional outbox, the
//! outbox with an inbox, and the outbox with offsets stored with the consumer's output
//! run here. 2PC is the transactional mode of [`crate::Sim`], which already models a
//! coordinator, the producer's database and the broker as participants, presumed abort
//! and blocking: `--pattern 2pc` runs that world, and [`two_phase_commit_report`] reads
//! its ledger into this world's counts and costs.
//!
//! The world keeps the ledger from the roles' facts and from what it carries (each
//! append at the broker, each application and each external call); the roles never see
//! it. Every verdict and every cost comes from that ledger. The run is deterministic: the
//! same scenario and settings give the same trace and trace hash.

use std::collections::BTreeMap;
use std::fmt;

use mqlab_text::outbox::Key;
use mqlab_text::Words;
use serde::Serialize;

pub use crate::actor::outbox::{Fact, InboxAck, OutboxNode, Pattern, RelayMarks};

use crate::actor::outbox::broker::OutboxBroker;
use crate::actor::outbox::consumer::{ConsumerStyle, OutboxConsumer};
use crate::actor::outbox::relay::Relay;
use crate::actor::outbox::service::Service;
use crate::actor::outbox::{OutboxInput, OutboxOutput, OutboxTimer, Wire};
use crate::fault::{Command, CrashPoint};
use crate::ledger::Summary;
use crate::names::UnknownName;
use crate::prng::Prng;
use crate::scenario::{Scenario, ScenarioError};
use crate::sentences::{said, Sentence};
use crate::trace::TraceHash;

/// Fills an entry of the dual-write world's catalogue: `tell!(words, Key, name = value)`.
macro_rules! tell {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}

/// How often the relay polls an empty outbox table, in ticks.
pub const DEFAULT_POLL_INTERVAL_TICKS: u64 = 5;
/// How long a database transaction works before it commits, in ticks.
pub const DEFAULT_DB_TICKS: u64 = 1;

/// The dual-write world's settings, beside the scenario's messages, seed, latency,
/// timers, random crash rate and crash points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxSettings {
    pub pattern: Pattern,
    /// When the relay marks a row sent; only with an outbox (`None`: after the confirm).
    pub relay_marks: Option<RelayMarks>,
    /// When the consumer with an inbox acks; only with an inbox (`None`: after commit).
    pub inbox_ack: Option<InboxAck>,
    /// How often the relay polls an empty outbox table, in ticks.
    pub poll_interval_ticks: u64,
    /// How long a database transaction works before it commits, in ticks.
    pub db_ticks: u64,
    /// Crashes and restarts at ticks.
    pub timed: Vec<TimedOutboxFault>,
}

impl OutboxSettings {
    /// A pattern with its defaults.
    pub fn new(pattern: Pattern) -> OutboxSettings {
        OutboxSettings {
            pattern,
            relay_marks: None,
            inbox_ack: None,
            poll_interval_ticks: DEFAULT_POLL_INTERVAL_TICKS,
            db_ticks: DEFAULT_DB_TICKS,
            timed: Vec::new(),
        }
    }

    /// When the relay marks a row sent.
    pub fn relay_marks(&self) -> RelayMarks {
        self.relay_marks.unwrap_or_default()
    }

    /// When the consumer with an inbox acks.
    pub fn inbox_ack(&self) -> InboxAck {
        self.inbox_ack.unwrap_or_default()
    }

    /// Checks the settings against the pattern, and the scenario's crash points: a
    /// setting of another pattern or a crash point of another pattern is refused.
    pub fn check(&self, scenario: &Scenario) -> Result<(), OutboxError> {
        let pattern = self.pattern;
        if self.relay_marks.is_some() && !pattern.has_outbox() {
            return Err(OutboxError::RelayMarksWithoutOutbox { pattern });
        }
        if self.inbox_ack.is_some() && !pattern.has_inbox() {
            return Err(OutboxError::InboxAckWithoutInbox { pattern });
        }
        if self.poll_interval_ticks == 0 || self.db_ticks == 0 {
            return Err(OutboxError::ZeroTicks);
        }
        for fault in &scenario.faults {
            if let Command::CrashAt {
                point,
                message,
                instance,
            } = fault.command
            {
                let own = pattern.has_point(point);
                let two_pc = pattern == Pattern::TwoPhaseCommit && !point.outbox_only();
                if !own && !two_pc {
                    return Err(OutboxError::CrashPointNotInPattern { point, pattern });
                }
                if own && instance > 0 {
                    return Err(OutboxError::OneNodeOfEachRole {
                        name: point.name_at(instance),
                    });
                }
                if let Some(m) = message {
                    if m == 0 || m > scenario.messages {
                        return Err(OutboxError::MessageOutOfRange {
                            message: m,
                            messages: scenario.messages,
                        });
                    }
                }
            } else if pattern != Pattern::TwoPhaseCommit {
                return Err(OutboxError::FaultNotInWorld);
            }
        }
        if pattern == Pattern::TwoPhaseCommit && !self.timed.is_empty() {
            return Err(OutboxError::FaultNotInWorld);
        }
        for fault in &self.timed {
            if fault.node == OutboxNode::Relay && !pattern.has_outbox() {
                return Err(OutboxError::NoRelay { pattern });
            }
        }
        Ok(())
    }
}

/// A crash or a restart of a node at a tick: `TICK:crash:NODE`, `TICK:restart:NODE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimedOutboxFault {
    pub tick: u64,
    pub node: OutboxNode,
    /// True for a crash, false for a restart.
    pub crash: bool,
}

impl TimedOutboxFault {
    /// Reads `TICK:crash:NODE` or `TICK:restart:NODE` (service, relay, broker, consumer).
    pub fn parse(text: &str) -> Result<TimedOutboxFault, OutboxError> {
        let bad = || OutboxError::Said(said!(ProblemTimedFault, text = text.to_string()));
        let mut parts = text.splitn(3, ':');
        let (Some(tick), Some(what), Some(node)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let tick: u64 = tick.trim().parse().map_err(|_| bad())?;
        let node: OutboxNode = node
            .parse()
            .map_err(|e: UnknownName| OutboxError::Said(e.sentence()))?;
        let crash = match what.trim() {
            "crash" => true,
            "restart" => false,
            _ => return Err(bad()),
        };
        Ok(TimedOutboxFault { tick, node, crash })
    }
}

impl fmt::Display for TimedOutboxFault {
    /// As it is read: `TICK:crash:NODE` or `TICK:restart:NODE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.crash { "crash" } else { "restart" };
        write!(f, "{}:{what}:{}", self.tick, self.node.as_str())
    }
}

/// Why a dual-write run cannot be built. Nothing is run when one is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxError {
    /// The scenario is invalid.
    Scenario(ScenarioError),
    /// `relay_marks` with a pattern that has no relay.
    RelayMarksWithoutOutbox { pattern: Pattern },
    /// `inbox_ack` with a pattern whose consumer has no inbox.
    InboxAckWithoutInbox { pattern: Pattern },
    /// A crash point that the pattern never reaches.
    CrashPointNotInPattern { point: CrashPoint, pattern: Pattern },
    /// A numbered node: this world has one of each.
    OneNodeOfEachRole { name: String },
    /// A crash point for a message the run does not have.
    MessageOutOfRange { message: u32, messages: u32 },
    /// A fault other than a crash point or a crash or restart at a tick.
    FaultNotInWorld,
    /// A crash of the relay in a pattern without one.
    NoRelay { pattern: Pattern },
    /// A poll interval or a transaction time of 0 ticks.
    ZeroTicks,
    /// 2PC runs in transactional mode's world (`crate::Sim`), not in this one.
    TwoPhaseCommitElsewhere,
    /// A sentence of the errors' catalogue (a malformed fault, an unknown name).
    Said(Sentence),
}

impl OutboxError {
    /// The sentence that says why, not yet in words.
    pub fn sentence(&self) -> Sentence {
        match self {
            OutboxError::Scenario(error) => {
                said!(
                    OutboxScenario,
                    error = error.describe_in(crate::sentences::english())
                )
            }
            OutboxError::RelayMarksWithoutOutbox { pattern } => {
                said!(OutboxRelayMarksWithoutOutbox, pattern = pattern.as_str())
            }
            OutboxError::InboxAckWithoutInbox { pattern } => {
                said!(OutboxInboxAckWithoutInbox, pattern = pattern.as_str())
            }
            OutboxError::CrashPointNotInPattern { point, pattern } => {
                let points = pattern
                    .crash_points()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                if points.is_empty() {
                    said!(
                        OutboxCrashPointNot2pc,
                        point = point.as_str(),
                        pattern = pattern.as_str()
                    )
                } else {
                    said!(
                        OutboxCrashPointNotInPattern,
                        point = point.as_str(),
                        pattern = pattern.as_str(),
                        points = points
                    )
                }
            }
            OutboxError::OneNodeOfEachRole { name } => {
                said!(OutboxOneNodeOfEachRole, name = name.clone())
            }
            OutboxError::MessageOutOfRange { message, messages } => said!(
                OutboxMessageOutOfRange,
                message = *message,
                messages = *messages
            ),
            OutboxError::FaultNotInWorld => said!(OutboxFaultNotInWorld),
            OutboxError::NoRelay { pattern } => said!(OutboxNoRelay, pattern = pattern.as_str()),
            OutboxError::ZeroTicks => said!(OutboxZeroTicks),
            OutboxError::TwoPhaseCommitElsewhere => said!(OutboxTwoPhaseCommitElsewhere),
            OutboxError::Said(sentence) => sentence.clone(),
        }
    }

    /// Why, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            OutboxError::Scenario(error) => {
                said!(OutboxScenario, error = error.describe_in(words)).told_in(words)
            }
            _ => self.sentence().told_in(words),
        }
    }
}

impl fmt::Display for OutboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for OutboxError {}

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    Up,
    Down,
    /// Not in this pattern (the relay without an outbox).
    Absent,
}

/// Something scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    /// A message reaches its node (if the node is still the incarnation it was sent to).
    Deliver {
        from: OutboxNode,
        to: OutboxNode,
        wire: Wire,
        incarnation: u32,
    },
    /// A node's timer fires (if the node has not crashed since it set it).
    Timer {
        node: OutboxNode,
        timer: OutboxTimer,
        incarnation: u32,
    },
    /// The answer to the relay's poll of the outbox table.
    Polled { rows: Vec<u32>, incarnation: u32 },
    /// The connection to a crashed node breaks at a node.
    PeerLost {
        node: OutboxNode,
        peer: OutboxNode,
        incarnation: u32,
    },
    /// The callers hand the service their next request.
    Request,
    /// A node starts or restarts.
    Start { node: OutboxNode },
    /// A planned crash.
    Crash { node: OutboxNode },
}

impl Event {
    /// True for the timers that recur while nothing happens: the relay's poll of an
    /// empty table and the consumer's long-poll fetch.
    fn is_idle(&self) -> bool {
        matches!(
            self,
            Event::Timer {
                timer: OutboxTimer::Poll { .. },
                ..
            }
        ) || matches!(
            self,
            Event::Timer {
                node: OutboxNode::Consumer,
                timer: OutboxTimer::Reconnect { .. },
                ..
            }
        )
    }
}

/// What the trace records at each step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum OutboxEvent {
    /// A role's fact.
    Fact {
        node: OutboxNode,
        #[serde(flatten)]
        fact: Fact,
    },
    /// A node starts (or restarts after a crash).
    Started { node: OutboxNode },
    /// A node crashes (at a crash point, at a tick or at random).
    Crashed {
        node: OutboxNode,
        #[serde(skip_serializing_if = "Option::is_none")]
        point: Option<CrashPoint>,
    },
    /// The external system is called for event K (its `count`-th call).
    Called { message: u32, count: u32 },
    /// A message reached a node that was down, and is lost with its connection.
    Dropped { to: OutboxNode, message: u32 },
    /// The callers hand the service request K.
    Request { message: u32 },
}

/// One step of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxTraceEvent {
    pub step: u64,
    pub tick: u64,
    #[serde(flatten)]
    pub event: OutboxEvent,
    /// The step's sentence (filled when the trace is printed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub narration: String,
}

fn m(message: u32) -> String {
    format!("m{message}")
}

impl OutboxTraceEvent {
    /// The step's sentence, in `words`.
    pub fn text(&self, words: &Words) -> String {
        match &self.event {
            OutboxEvent::Started {
                node: node @ OutboxNode::Relay,
            } => tell!(words, StartedRelay, node = node.as_str()),
            OutboxEvent::Started {
                node: node @ OutboxNode::Broker,
            } => tell!(words, StartedBroker, node = node.as_str()),
            OutboxEvent::Started { node } => tell!(words, Started, node = node.as_str()),
            OutboxEvent::Crashed {
                node,
                point: Some(point),
            } => tell!(
                words,
                CrashedAt,
                node = node.as_str(),
                point = point.as_str()
            ),
            OutboxEvent::Crashed { node, point: None } => {
                tell!(words, Crashed, node = node.as_str())
            }
            OutboxEvent::Called { message, count } => {
                tell!(words, Called, msg = m(*message), count = *count)
            }
            OutboxEvent::Dropped { to, message } => {
                tell!(words, Dropped, node = to.as_str(), msg = m(*message))
            }
            OutboxEvent::Request { message } => tell!(words, RequestTaken, msg = m(*message)),
            OutboxEvent::Fact { node, fact } => fact_text(words, *node, fact),
        }
    }
}

fn fact_text(words: &Words, node: OutboxNode, fact: &Fact) -> String {
    let n = node.as_str();
    match *fact {
        Fact::RequestBegun { message } => tell!(words, RequestBegun, msg = m(message)),
        Fact::RowCommitted {
            message,
            outbox: false,
        } => tell!(words, RowCommitted, msg = m(message)),
        Fact::RowCommitted {
            message,
            outbox: true,
        } => tell!(words, RowAndOutboxCommitted, msg = m(message)),
        Fact::Published {
            message,
            attempt: 1,
        } => tell!(words, Published, node = n, msg = m(message)),
        Fact::Published { message, attempt } => tell!(
            words,
            PublishedAgain,
            node = n,
            msg = m(message),
            attempt = attempt
        ),
        Fact::Confirmed { message } => tell!(words, Confirmed, node = n, msg = m(message)),
        Fact::Polled { count } => tell!(words, Polled, count = count),
        Fact::Marked { message } => tell!(words, Marked, msg = m(message)),
        Fact::Buffered { message } => tell!(words, Buffered, msg = m(message)),
        Fact::Appended { message, offset } => {
            tell!(words, Appended, msg = m(message), offset = offset)
        }
        Fact::Delivered {
            message,
            offset,
            redelivered: false,
        } => tell!(words, Delivered, msg = m(message), offset = offset),
        Fact::Delivered {
            message,
            offset,
            redelivered: true,
        } => tell!(words, Redelivered, msg = m(message), offset = offset),
        Fact::Requeued { count } => tell!(words, Requeued, count = count),
        Fact::AckReceived { offset } => tell!(words, AckReceived, offset = offset),
        Fact::Received { message, offset } => {
            tell!(words, Received, msg = m(message), offset = offset)
        }
        Fact::Acked { message } => tell!(words, Acked, msg = m(message)),
        Fact::TxnBegun { message } => tell!(words, TxnBegun, msg = m(message)),
        Fact::Applied { message, offset } => {
            tell!(words, Applied, msg = m(message), offset = offset)
        }
        Fact::Skipped { message } => tell!(words, Skipped, msg = m(message)),
        Fact::Subscribed => tell!(words, Subscribed),
    }
}

/// Why something happened to an event, noted when it happened, for its anomalies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Note {
    /// The service crashed after committing the row and before the confirm.
    ServiceCrashAfterCommit,
    /// The service crashed after publishing and before committing the row.
    ServiceCrashBeforeCommit,
    /// A publisher published the event again after its confirm did not come in time.
    Retried,
    /// The relay crashed with the event published and its row not marked.
    RelayCrashBeforeMark,
    /// The relay crashed with the event's row marked and the event still in its buffer.
    RelayCrashAfterMark,
    /// The event reached the broker while it was down (a publish not retried is lost).
    PublishToDownBroker,
    /// The consumer acked and crashed before its transaction committed.
    ConsumerCrashAckedFirst,
    /// The consumer crashed after calling the external system and before committing.
    ConsumerCrashInTransaction,
    /// The consumer's ack was lost (the broker or the consumer crashed with it).
    AckLost,
}

/// What the ledger keeps about one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct EventLedger {
    /// The tick the service's row committed.
    state_tick: Option<u64>,
    /// Copies appended at the broker.
    copies: u32,
    /// Ticks of the consumer's applications.
    applied: Vec<u64>,
    /// Calls to the external system.
    external: u32,
    notes: Vec<Note>,
}

/// The counters behind the costs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CostLedger {
    messages_sent: u64,
    round_trips: u64,
    disk_writes: u64,
    blocked_ticks: u64,
}

/// A crash point armed for one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Armed {
    node: OutboxNode,
    point: CrashPoint,
    message: Option<u32>,
}

/// One event's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxVerdict {
    /// The row committed and the consumer applied the event once.
    ExactlyOnce,
    /// The row committed and the event never reached the broker.
    StateWithoutEvent,
    /// The event reached the broker and the row never committed (a ghost).
    EventWithoutState,
    /// The event is at the broker and the consumer never applied it.
    Lost,
    /// The consumer applied it more than once.
    Duplicated,
    /// The request failed before anything happened (no row, no event): consistent.
    Failed,
    /// Not settled while the run goes on.
    Pending,
}

impl OutboxVerdict {
    /// The name, as the CLI prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxVerdict::ExactlyOnce => "exactly_once",
            OutboxVerdict::StateWithoutEvent => "state_without_event",
            OutboxVerdict::EventWithoutState => "event_without_state",
            OutboxVerdict::Lost => "lost",
            OutboxVerdict::Duplicated => "duplicated",
            OutboxVerdict::Failed => "failed",
            OutboxVerdict::Pending => "pending",
        }
    }
}

/// One event as the ledger sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub message: u32,
    /// The service's row committed.
    pub state: bool,
    /// Copies at the broker.
    pub copies: u32,
    /// Applications by the consumer.
    pub applied: u32,
    /// Calls to the external system.
    pub external: u32,
    pub verdict: OutboxVerdict,
}

/// What a pattern costs, for Compare: totals over the run and per event requested.
/// Per-event figures and the mean are read out of the integer counters when asked for,
/// never fed back into the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Costs {
    /// Events requested (m1..mN).
    pub events: u32,
    /// Messages between the nodes, the relay's queries and writes to the service's
    /// database included.
    pub messages_sent: u64,
    /// Waits for an answer: a publish and its confirm, a database commit, the relay's
    /// poll and mark, a subscription or a fetch; 2PC's prepare and vote, decision and
    /// acknowledgement.
    pub round_trips: u64,
    /// Durable writes: database commits, the relay's marks, the broker's appends and
    /// acks; 2PC's logged prepares and decisions.
    pub disk_writes: u64,
    pub messages_per_event: f64,
    pub round_trips_per_event: f64,
    pub disk_writes_per_event: f64,
    /// Messages per tick of the run.
    pub messages_per_tick: f64,
    /// Ticks a participant was blocked: the service holding its caller's request open
    /// while it waits for the broker (dual writes); 2PC's participants in doubt.
    pub blocked_ticks: u64,
    /// Ticks from the row's commit to the consumer's first application, over the events
    /// that have both (0 when the consumer applied it before the row committed).
    pub latency_ticks_mean: f64,
    pub latency_ticks_max: u64,
    /// How many events the latency is measured over.
    pub latency_events: u32,
}

impl Costs {
    fn from_counts(events: u32, ticks: u64, counts: &CostLedger, latencies: &[u64]) -> Costs {
        let per = |total: u64| {
            if events == 0 {
                0.0
            } else {
                total as f64 / f64::from(events)
            }
        };
        let latency_events = u32::try_from(latencies.len()).unwrap_or(u32::MAX);
        Costs {
            events,
            messages_sent: counts.messages_sent,
            round_trips: counts.round_trips,
            disk_writes: counts.disk_writes,
            messages_per_event: per(counts.messages_sent),
            round_trips_per_event: per(counts.round_trips),
            disk_writes_per_event: per(counts.disk_writes),
            messages_per_tick: if ticks == 0 {
                0.0
            } else {
                counts.messages_sent as f64 / ticks as f64
            },
            blocked_ticks: counts.blocked_ticks,
            latency_ticks_mean: if latencies.is_empty() {
                0.0
            } else {
                latencies.iter().sum::<u64>() as f64 / latencies.len() as f64
            },
            latency_ticks_max: latencies.iter().copied().max().unwrap_or(0),
            latency_events,
        }
    }
}

/// The dual-write world.
#[derive(Clone, Debug)]
pub struct OutboxWorld {
    scenario: Scenario,
    settings: OutboxSettings,
    tick: u64,
    step: u64,
    queue: BTreeMap<(u64, u64), Event>,
    next_seq: u64,
    prng: Prng,
    service: Service,
    relay: Relay,
    broker: OutboxBroker,
    consumer: OutboxConsumer,
    states: BTreeMap<OutboxNode, NodeState>,
    incarnations: BTreeMap<OutboxNode, u32>,
    /// The callers' next request.
    next_request: u32,
    /// The callers' next request is scheduled.
    request_scheduled: bool,
    armed: Vec<Armed>,
    trace: Vec<OutboxTraceEvent>,
    record_trace: bool,
    hash: TraceHash,
    events: Vec<EventLedger>,
    costs: CostLedger,
    /// The tick the service began waiting for the broker with a request open.
    blocked_since: Option<u64>,
    /// The tick the last message sent on each link arrives.
    last_arrival: BTreeMap<(OutboxNode, OutboxNode), u64>,
}

impl OutboxWorld {
    /// Builds the world of a pattern: the scenario gives the messages, the seed, the
    /// latency, the timers (retry, restart), the random crash rate and the crash points.
    pub fn new(
        scenario: &Scenario,
        settings: &OutboxSettings,
        record_trace: bool,
    ) -> Result<OutboxWorld, OutboxError> {
        // The crash points are this world's, which no delivery mode knows: the scenario is
        // checked without them, and they against the pattern.
        let mut plain = scenario.clone();
        plain.faults.clear();
        plain.validate().map_err(OutboxError::Scenario)?;
        settings.check(scenario)?;
        if settings.pattern == Pattern::TwoPhaseCommit {
            return Err(OutboxError::TwoPhaseCommitElsewhere);
        }
        let pattern = settings.pattern;
        let retry = scenario.timing.retry_timeout_ticks.max(1);
        let mut states = BTreeMap::new();
        for node in OutboxNode::CRASHABLE {
            let state = if node == OutboxNode::Relay && !pattern.has_outbox() {
                NodeState::Absent
            } else {
                NodeState::Down
            };
            states.insert(node, state);
        }
        let mut world = OutboxWorld {
            scenario: scenario.clone(),
            settings: settings.clone(),
            tick: 0,
            step: 0,
            queue: BTreeMap::new(),
            next_seq: 0,
            prng: Prng::new(scenario.seed),
            service: Service::new(pattern, retry, settings.db_ticks),
            relay: Relay::new(settings.relay_marks(), retry, settings.poll_interval_ticks),
            broker: OutboxBroker::new(pattern.consumer_acks()),
            consumer: OutboxConsumer::new(
                ConsumerStyle::of(pattern, settings.inbox_ack()),
                scenario.timing.redelivery_timeout_ticks.max(1),
                settings.db_ticks,
            ),
            incarnations: states.keys().map(|n| (*n, 0)).collect(),
            states,
            next_request: 1,
            request_scheduled: false,
            armed: Vec::new(),
            trace: Vec::new(),
            record_trace,
            hash: TraceHash::new(),
            events: vec![EventLedger::default(); scenario.messages as usize + 1],
            costs: CostLedger::default(),
            blocked_since: None,
            last_arrival: BTreeMap::new(),
        };
        for fault in &scenario.faults {
            if let Command::CrashAt { point, message, .. } = fault.command {
                if let Some(node) = OutboxNode::of_point(point) {
                    world.armed.push(Armed {
                        node,
                        point,
                        message,
                    });
                }
            }
        }
        for fault in &settings.timed {
            let event = if fault.crash {
                Event::Crash { node: fault.node }
            } else {
                Event::Start { node: fault.node }
            };
            world.schedule(fault.tick, event);
        }
        for node in [
            OutboxNode::Broker,
            OutboxNode::Consumer,
            OutboxNode::Relay,
            OutboxNode::Service,
        ] {
            if world.states.get(&node) != Some(&NodeState::Absent) {
                world.schedule(0, Event::Start { node });
            }
        }
        Ok(world)
    }

    fn schedule(&mut self, tick: u64, event: Event) {
        self.queue.insert((tick, self.next_seq), event);
        self.next_seq += 1;
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The settings.
    pub fn settings(&self) -> &OutboxSettings {
        &self.settings
    }

    /// The current tick.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Steps taken.
    pub fn step_index(&self) -> u64 {
        self.step
    }

    /// The trace (recorded when the world was built with `record_trace`).
    pub fn trace(&self) -> &[OutboxTraceEvent] {
        &self.trace
    }

    /// The hash of every event so far.
    pub fn trace_hash(&self) -> u64 {
        self.hash.0
    }

    /// True when a node is up.
    pub fn is_up(&self, node: OutboxNode) -> bool {
        self.states.get(&node) == Some(&NodeState::Up)
    }

    /// The service's business rows (one per committed request).
    pub fn service_rows(&self) -> &[u32] {
        &self.service.disk.rows
    }

    /// The service's outbox table: (event, sent).
    pub fn outbox_table(&self) -> &[(u32, bool)] {
        &self.service.disk.outbox
    }

    /// The broker's log: the event at each offset.
    pub fn broker_log(&self) -> &[u32] {
        &self.broker.disk.log
    }

    /// The consumer's business updates, in order.
    pub fn consumer_applied(&self) -> &[u32] {
        &self.consumer.disk.applied
    }

    /// The consumer's inbox table.
    pub fn inbox_table(&self) -> Vec<u32> {
        self.consumer.disk.inbox.iter().copied().collect()
    }

    /// True when nothing is left to happen but the idle polls: every request has been
    /// handled, and no running node has work that a poll or a fetch would find.
    pub fn is_quiet(&self) -> bool {
        if !self.queue.values().all(Event::is_idle) {
            return false;
        }
        if self.is_up(OutboxNode::Relay) && !self.service.disk.unsent().is_empty() {
            return false;
        }
        let both_up = self.is_up(OutboxNode::Consumer) && self.is_up(OutboxNode::Broker);
        if both_up && self.settings.pattern == Pattern::OffsetsWithOutput {
            return (self.consumer.disk.position as usize) >= self.broker.disk.log.len();
        }
        // A consumer that has not subscribed again after the broker's restart would
        // leave the queue's entries undelivered.
        !(both_up && (!self.consumer.is_connected() || self.broker.unacked_entries() > 0))
    }

    /// Runs until quiet or `max_steps` steps; the steps taken.
    pub fn run_until_quiet(&mut self, max_steps: u64) -> u64 {
        let mut taken = 0;
        while taken < max_steps && !self.is_quiet() && self.step() {
            taken += 1;
        }
        taken
    }

    fn record(&mut self, event: OutboxEvent) {
        self.hash.event(self.step, self.tick, &event);
        if self.record_trace {
            self.trace.push(OutboxTraceEvent {
                step: self.step,
                tick: self.tick,
                event,
                narration: String::new(),
            });
        }
    }

    fn event_mut(&mut self, message: u32) -> Option<&mut EventLedger> {
        self.events
            .get_mut(message as usize)
            .filter(|_| message > 0)
    }

    fn note(&mut self, message: u32, note: Note) {
        if let Some(event) = self.event_mut(message) {
            if !event.notes.contains(&note) {
                event.notes.push(note);
            }
        }
    }

    fn incarnation(&self, node: OutboxNode) -> u32 {
        self.incarnations.get(&node).copied().unwrap_or(0)
    }

    /// Advances one event; false when nothing is left.
    pub fn step(&mut self) -> bool {
        let Some((&(tick, seq), _)) = self.queue.iter().next() else {
            return false;
        };
        let Some(event) = self.queue.remove(&(tick, seq)) else {
            return false;
        };
        if tick > self.tick {
            if self.blocked_since.is_some() {
                self.costs.blocked_ticks += tick - self.tick;
            }
            self.tick = tick;
        }
        self.step += 1;
        match event {
            Event::Start { node } => self.start(node),
            Event::Crash { node } => self.crash(node, None),
            Event::Request => {
                self.request_scheduled = false;
                // A service that is down takes the request once it runs again.
                if self.is_up(OutboxNode::Service)
                    && self.service.request().is_none()
                    && self.next_request <= self.scenario.messages
                {
                    let message = self.next_request;
                    self.next_request += 1;
                    self.record(OutboxEvent::Request { message });
                    self.input(OutboxNode::Service, OutboxInput::Request { message });
                }
            }
            Event::Deliver {
                from,
                to,
                wire,
                incarnation,
            } => {
                if to == OutboxNode::External {
                    if let Wire::Call { message } = wire {
                        let count = self.event_mut(message).map_or(0, |e| {
                            e.external += 1;
                            e.external
                        });
                        self.record(OutboxEvent::Called { message, count });
                    }
                } else if self.is_up(to) && self.incarnation(to) == incarnation {
                    self.input(to, OutboxInput::Receive { from, wire });
                } else {
                    self.dropped(to, &wire);
                }
            }
            Event::Timer {
                node,
                timer,
                incarnation,
            } => {
                if self.is_up(node) && self.incarnation(node) == incarnation {
                    self.input(node, OutboxInput::Timer(timer));
                }
            }
            Event::Polled { rows, incarnation } => {
                if self.is_up(OutboxNode::Relay)
                    && self.incarnation(OutboxNode::Relay) == incarnation
                {
                    self.input(OutboxNode::Relay, OutboxInput::Polled { rows });
                }
            }
            Event::PeerLost {
                node,
                peer,
                incarnation,
            } => {
                if self.is_up(node) && self.incarnation(node) == incarnation {
                    self.input(node, OutboxInput::PeerLost { peer });
                }
            }
        }
        self.random_crash();
        true
    }

    /// A message that reached a node that was down: lost with the connection.
    fn dropped(&mut self, to: OutboxNode, wire: &Wire) {
        let message = match *wire {
            Wire::Publish { message } => {
                self.note(message, Note::PublishToDownBroker);
                Some(message)
            }
            Wire::Ack { offset } => {
                let message = self.broker.disk.log.get(offset as usize).copied();
                if let Some(message) = message {
                    self.note(message, Note::AckLost);
                }
                message
            }
            Wire::Deliver { message, .. } | Wire::Confirm { message } => Some(message),
            _ => None,
        };
        if let Some(message) = message {
            self.record(OutboxEvent::Dropped { to, message });
        }
    }

    fn random_crash(&mut self) {
        if !self.prng.chance(self.scenario.random_crash) {
            return;
        }
        let up: Vec<OutboxNode> = OutboxNode::CRASHABLE
            .into_iter()
            .filter(|node| self.is_up(*node))
            .collect();
        if up.is_empty() {
            return;
        }
        let node = up[self.prng.below(up.len() as u64) as usize];
        self.crash(node, None);
    }

    fn crash(&mut self, node: OutboxNode, point: Option<CrashPoint>) {
        if !self.is_up(node) {
            return;
        }
        // What the crash interrupts, for the anomalies' causes.
        match node {
            OutboxNode::Service => {
                if let Some(message) = self.service.request() {
                    let committed = self
                        .event_mut(message)
                        .is_some_and(|e| e.state_tick.is_some());
                    let published = self.events[message as usize].copies > 0
                        || self.service.waits_for_broker()
                        || point == Some(CrashPoint::ServiceAfterPublish);
                    if committed {
                        self.note(message, Note::ServiceCrashAfterCommit);
                    } else if published {
                        self.note(message, Note::ServiceCrashBeforeCommit);
                    }
                }
                self.blocked_since = None;
            }
            OutboxNode::Relay => {
                for message in self.relay.in_flight() {
                    self.note(message, Note::RelayCrashBeforeMark);
                }
            }
            OutboxNode::Consumer => {
                if let Some(message) = self.consumer.in_transaction() {
                    self.note(message, Note::ConsumerCrashInTransaction);
                    if self.settings.inbox_ack() == InboxAck::BeforeCommit
                        && self.settings.pattern.has_inbox()
                    {
                        self.note(message, Note::ConsumerCrashAckedFirst);
                    }
                }
            }
            _ => {}
        }
        self.states.insert(node, NodeState::Down);
        *self.incarnations.entry(node).or_insert(0) += 1;
        self.record(OutboxEvent::Crashed { node, point });
        // Its connections break. A peer learns it once what the node sent before its
        // crash has arrived (TCP closes a connection after the data sent on it), so
        // nothing from the old connection reaches the peer after it knows.
        for peer in OutboxNode::CRASHABLE {
            if peer != node && self.is_up(peer) {
                let incarnation = self.incarnation(peer);
                let after_data = self.last_arrival.get(&(node, peer)).copied().unwrap_or(0);
                self.schedule(
                    self.tick.max(after_data),
                    Event::PeerLost {
                        node: peer,
                        peer: node,
                        incarnation,
                    },
                );
            }
        }
        if let Some(after) = self.scenario.timing.restart_after_ticks {
            self.schedule(self.tick + after, Event::Start { node });
        }
    }

    fn start(&mut self, node: OutboxNode) {
        if self.states.get(&node) != Some(&NodeState::Down) {
            return;
        }
        self.states.insert(node, NodeState::Up);
        *self.incarnations.entry(node).or_insert(0) += 1;
        self.record(OutboxEvent::Started { node });
        self.input(node, OutboxInput::Start);
        if node == OutboxNode::Service {
            self.open_request();
        }
    }

    /// Schedules the callers' next request, if there is one and none is scheduled.
    fn open_request(&mut self) {
        if !self.request_scheduled && self.next_request <= self.scenario.messages {
            self.request_scheduled = true;
            let gap = self.scenario.timing.publish_interval_ticks;
            self.schedule(self.tick + gap, Event::Request);
        }
    }

    /// Hands an input to a role and carries out what it answers.
    fn input(&mut self, node: OutboxNode, input: OutboxInput) {
        let outputs = match node {
            OutboxNode::Service => self.service.handle(input),
            OutboxNode::Relay => self.relay.handle(input),
            OutboxNode::Broker => self.broker.handle(input),
            OutboxNode::Consumer => self.consumer.handle(input),
            OutboxNode::External => Vec::new(),
        };
        for output in outputs {
            match output {
                OutboxOutput::Send { to, wire } => self.send(node, to, wire),
                OutboxOutput::Timer { after_ticks, timer } => {
                    let incarnation = self.incarnation(node);
                    self.schedule(
                        self.tick + after_ticks,
                        Event::Timer {
                            node,
                            timer,
                            incarnation,
                        },
                    );
                }
                OutboxOutput::Fact(fact) => {
                    self.account(node, &fact);
                    self.record(OutboxEvent::Fact { node, fact });
                }
                OutboxOutput::Reached { point, message } => {
                    let hit = self.armed.iter().position(|armed| {
                        armed.node == node
                            && armed.point == point
                            && armed.message.is_none_or(|m| m == message)
                    });
                    if let Some(index) = hit {
                        self.armed.remove(index);
                        match point {
                            CrashPoint::RelayAfterMark
                                if self.settings.relay_marks() == RelayMarks::BeforeConfirm =>
                            {
                                self.note(message, Note::RelayCrashAfterMark);
                            }
                            CrashPoint::ConsumerAfterAck
                                if self.settings.pattern.has_inbox()
                                    && self.settings.inbox_ack() == InboxAck::BeforeCommit =>
                            {
                                self.note(message, Note::ConsumerCrashAckedFirst);
                            }
                            _ => {}
                        }
                        self.crash(node, Some(point));
                        return;
                    }
                }
                OutboxOutput::RequestDone => {
                    self.blocked_since = None;
                    self.open_request();
                }
                OutboxOutput::PollOutbox => {
                    // A query to the service's database and its answer.
                    self.costs.messages_sent += 2;
                    self.costs.round_trips += 1;
                    let rows = self.service.disk.unsent();
                    let latency = self.latency();
                    let incarnation = self.incarnation(OutboxNode::Relay);
                    self.schedule(self.tick + latency, Event::Polled { rows, incarnation });
                }
                OutboxOutput::MarkSent { message } => {
                    // An update of the service's database and its answer.
                    self.costs.messages_sent += 2;
                    self.costs.round_trips += 1;
                    self.costs.disk_writes += 1;
                    self.service.disk.mark_sent(message);
                }
            }
        }
    }

    fn latency(&mut self) -> u64 {
        self.prng.in_range(
            self.scenario.network.global.latency_ticks_min,
            self.scenario.network.global.latency_ticks_max,
        )
    }

    fn send(&mut self, from: OutboxNode, to: OutboxNode, wire: Wire) {
        self.costs.messages_sent += 1;
        let waits = match wire {
            Wire::Publish { .. } => {
                from == OutboxNode::Service
                    || self.settings.relay_marks() == RelayMarks::AfterConfirm
            }
            Wire::Subscribe | Wire::Fetch { .. } | Wire::Call { .. } => true,
            _ => false,
        };
        if waits {
            self.costs.round_trips += 1;
        }
        let latency = self.latency();
        let incarnation = self.incarnation(to);
        // A connection delivers in order (TCP): nothing overtakes what was sent before
        // it on the same link.
        let last = self.last_arrival.entry((from, to)).or_insert(0);
        let arrival = (self.tick + latency).max(*last);
        *last = arrival;
        self.schedule(
            arrival,
            Event::Deliver {
                from,
                to,
                wire,
                incarnation,
            },
        );
    }

    /// Keeps the ledger from a role's fact.
    fn account(&mut self, node: OutboxNode, fact: &Fact) {
        let tick = self.tick;
        match *fact {
            Fact::RowCommitted { message, .. } => {
                self.costs.disk_writes += 1;
                self.costs.round_trips += 1;
                if let Some(event) = self.event_mut(message) {
                    event.state_tick.get_or_insert(tick);
                }
            }
            Fact::Published { message, attempt } => {
                if node == OutboxNode::Service && attempt == 1 {
                    self.blocked_since = Some(tick);
                }
                if attempt > 1 {
                    self.note(message, Note::Retried);
                }
            }
            Fact::Appended { message, .. } => {
                self.costs.disk_writes += 1;
                if let Some(event) = self.event_mut(message) {
                    event.copies += 1;
                }
            }
            Fact::AckReceived { .. } => self.costs.disk_writes += 1,
            Fact::Applied { message, .. } => {
                self.costs.disk_writes += 1;
                self.costs.round_trips += 1;
                if let Some(event) = self.event_mut(message) {
                    event.applied.push(tick);
                }
            }
            Fact::Skipped { .. } => self.costs.round_trips += 1,
            _ => {}
        }
    }

    /// Every event's record and verdict.
    pub fn events(&self) -> Vec<EventRecord> {
        let quiet = self.is_quiet();
        (1..=self.scenario.messages)
            .map(|message| {
                let e = &self.events[message as usize];
                let state = e.state_tick.is_some();
                let applied = u32::try_from(e.applied.len()).unwrap_or(u32::MAX);
                let verdict = match (state, e.copies, applied) {
                    (_, _, a) if a > 1 => OutboxVerdict::Duplicated,
                    (false, c, _) if c > 0 && quiet => OutboxVerdict::EventWithoutState,
                    (true, 0, _) if quiet => OutboxVerdict::StateWithoutEvent,
                    (true, _, 0) if quiet => OutboxVerdict::Lost,
                    (true, _, 1) => OutboxVerdict::ExactlyOnce,
                    (false, 0, 0) if quiet => OutboxVerdict::Failed,
                    _ => OutboxVerdict::Pending,
                };
                EventRecord {
                    message,
                    state,
                    copies: e.copies,
                    applied,
                    external: e.external,
                    verdict,
                }
            })
            .collect()
    }

    /// The ledger's counts. `lost` counts every event whose row committed and that the
    /// consumer never applied (state without event included); `exactly_once` every event
    /// whose row committed and that the consumer applied once.
    pub fn summary(&self) -> Summary {
        let quiet = self.is_quiet();
        let mut s = Summary {
            messages: self.scenario.messages,
            steps: self.step,
            tick: self.tick,
            quiet,
            trace_hash: self.hash.0,
            ..Summary::default()
        };
        for message in 1..=self.scenario.messages {
            let e = &self.events[message as usize];
            let state = e.state_tick.is_some();
            let applied = u32::try_from(e.applied.len()).unwrap_or(u32::MAX);
            if applied > 1 {
                s.duplicated += 1;
                s.extra_applications += applied - 1;
            }
            if e.copies > 1 {
                s.broker_duplicates += 1;
            }
            if e.external > 1 {
                s.external_duplicated += 1;
            }
            if state && applied == 1 {
                s.exactly_once += 1;
            }
            if state && applied == 0 {
                if quiet {
                    s.lost += 1;
                } else {
                    s.pending += 1;
                }
            }
            if quiet && state && e.copies == 0 {
                s.state_without_event += 1;
            }
            if quiet && !state && e.copies > 0 {
                s.event_without_state += 1;
            }
        }
        s
    }

    /// What the pattern cost in this run.
    pub fn costs(&self) -> Costs {
        let latencies: Vec<u64> = self.events[1..]
            .iter()
            .filter_map(|e| Some(e.applied.first()?.saturating_sub(e.state_tick?)))
            .collect();
        Costs::from_counts(self.scenario.messages, self.tick, &self.costs, &latencies)
    }

    /// What went wrong, one sentence per anomaly of each event, with its cause, in
    /// `words`.
    pub fn anomalies(&self, words: &Words) -> Vec<String> {
        let quiet = self.is_quiet();
        let mut out = Vec::new();
        for record in self.events() {
            let e = &self.events[record.message as usize];
            let has = |note: Note| e.notes.contains(&note);
            let msg = m(record.message);
            if quiet && record.state && record.copies == 0 {
                out.push(if has(Note::ServiceCrashAfterCommit) {
                    tell!(
                        words,
                        AnomalyStateWithoutEventCommitFirst,
                        msg = msg.clone()
                    )
                } else if has(Note::RelayCrashAfterMark) {
                    tell!(
                        words,
                        AnomalyStateWithoutEventMarkedCrash,
                        msg = msg.clone()
                    )
                } else if has(Note::PublishToDownBroker) {
                    tell!(words, AnomalyStateWithoutEventBrokerDown, msg = msg.clone())
                } else {
                    tell!(words, AnomalyStateWithoutEvent, msg = msg.clone())
                });
            } else if quiet && record.state && record.applied == 0 {
                out.push(if has(Note::ConsumerCrashAckedFirst) {
                    tell!(words, AnomalyLostAckedFirst, msg = msg.clone())
                } else {
                    tell!(words, AnomalyLost, msg = msg.clone())
                });
            }
            if quiet && !record.state && record.copies > 0 {
                out.push(tell!(
                    words,
                    AnomalyEventWithoutState,
                    msg = msg.clone(),
                    count = record.applied
                ));
            }
            if record.copies > 1 {
                out.push(if has(Note::RelayCrashBeforeMark) {
                    tell!(
                        words,
                        AnomalyBrokerDuplicateRelayCrash,
                        msg = msg.clone(),
                        count = record.copies
                    )
                } else {
                    tell!(
                        words,
                        AnomalyBrokerDuplicateRetry,
                        msg = msg.clone(),
                        count = record.copies
                    )
                });
            }
            if record.applied > 1 {
                out.push(
                    if record.copies > 1 && self.settings.pattern == Pattern::OffsetsWithOutput {
                        tell!(
                            words,
                            AnomalyAppliedTwiceStoredOffset,
                            msg = msg.clone(),
                            count = record.applied
                        )
                    } else if record.copies > 1 {
                        tell!(
                            words,
                            AnomalyAppliedTwiceCopies,
                            msg = msg.clone(),
                            count = record.applied
                        )
                    } else {
                        tell!(
                            words,
                            AnomalyAppliedTwiceRedelivered,
                            msg = msg.clone(),
                            count = record.applied
                        )
                    },
                );
            }
            if record.external > 1 {
                out.push(if record.applied > 1 {
                    tell!(
                        words,
                        AnomalyExternalWithApplications,
                        msg = msg.clone(),
                        count = record.external
                    )
                } else if self.settings.pattern.has_inbox() {
                    tell!(
                        words,
                        AnomalyExternalRolledBackInbox,
                        msg = msg.clone(),
                        count = record.external
                    )
                } else {
                    tell!(
                        words,
                        AnomalyExternalRolledBack,
                        msg = msg.clone(),
                        count = record.external
                    )
                });
            }
        }
        out
    }
}

/// 2PC for reference: reads a run of transactional mode ([`crate::Sim`], whose trace
/// must have been recorded for the costs) into this world's counts and costs. The
/// producer's database row and the broker's copy of an event are one transaction's, so
/// the ledger's "published" (the publish transaction committed at the producer DB) is
/// the state and its durable copies are the event.
pub fn two_phase_commit_report(sim: &crate::Sim) -> (Summary, Costs) {
    use crate::trace::EventKind;
    let mut summary = sim.summary();
    let quiet = summary.quiet;
    for record in sim.ledger().messages() {
        if quiet && record.published && record.stored_copies == 0 {
            summary.state_without_event += 1;
        }
        if quiet && !record.published && record.stored_copies > 0 {
            summary.event_without_state += 1;
        }
        if record.stored_copies > 1 {
            summary.broker_duplicates += 1;
        }
    }
    let mut counts = CostLedger {
        blocked_ticks: summary.blocked_ticks,
        ..CostLedger::default()
    };
    let mut tick_of_step: BTreeMap<u64, u64> = BTreeMap::new();
    let mut committed_tick: BTreeMap<u32, u64> = BTreeMap::new();
    for event in sim.trace() {
        tick_of_step.entry(event.step).or_insert(event.tick);
        let arrives = matches!(
            event.kind,
            EventKind::Append
                | EventKind::Confirm
                | EventKind::Receive
                | EventKind::Ack
                | EventKind::Prepare
                | EventKind::Vote
                | EventKind::Decision
                | EventKind::Committed
                | EventKind::Query
                | EventKind::QueryAnswer
                | EventKind::WorkDone
                | EventKind::Drop
                | EventKind::ArriveWhileDown
        );
        if arrives {
            counts.messages_sent += 1;
        }
        if matches!(
            event.kind,
            EventKind::Vote | EventKind::Committed | EventKind::QueryAnswer
        ) {
            counts.round_trips += 1;
        }
        if matches!(
            event.kind,
            EventKind::Fsync | EventKind::Prepare | EventKind::Decision
        ) {
            counts.disk_writes += 1;
        }
        if event.kind == EventKind::Decision && event.node == crate::NodeId::PRODUCER {
            if let Some(message) = event.message {
                committed_tick.entry(message.number()).or_insert(event.tick);
            }
        }
    }
    // The coordinator logs each decision.
    counts.disk_writes += u64::from(summary.txn_committed + summary.txn_aborted);
    let latencies: Vec<u64> = sim
        .ledger()
        .messages()
        .iter()
        .filter_map(|record| {
            let applied = *tick_of_step.get(&record.first_applied_step?)?;
            let committed = *committed_tick.get(&record.id.number())?;
            Some(applied.saturating_sub(committed))
        })
        .collect();
    let costs = Costs::from_counts(summary.messages, summary.tick, &counts, &latencies);
    (summary, costs)
}
