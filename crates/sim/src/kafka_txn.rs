//! The world of Kafka transactions (transactional mode with `--protocol kafka`): a
//! discrete-event driver over the roles of `actor::txn` — the transactional producer
//! (and, with a zombie, its second instance), the transaction coordinator, the broker
//! and the consumer — with latency from the seed, crash points, crashes and restarts,
//! and pauses. It feeds each role its inputs, routes what the roles send, and keeps the
//! ledger from the roles' facts and the broker's log: the roles never see it.
//!
//! The run is deterministic: the same scenario gives the same trace and trace hash.

use std::collections::BTreeMap;

use mqlab_text::Words;
use serde::Serialize;

pub use crate::actor::txn::broker::Entry as PartitionEntry;
pub use crate::actor::txn::coordinator::{LogEntry as TxnLogEntry, TxnState};
pub use crate::actor::txn::{
    partition_name, Fact, RecordState, TxnNode, OFFSETS, TOPIC_PARTITIONS,
};

use crate::actor::txn::broker::{Entry, TxnBroker};
use crate::actor::txn::client::{ClientConfig, TxnClient};
use crate::actor::txn::coordinator::TxnCoordinator;
use crate::actor::txn::reader::TxnReader;
use crate::actor::txn::{TxnInput, TxnOutput, TxnTimer, Wire};
use crate::fault::{Command, CrashPoint};
use crate::ledger::Summary;
use crate::node::{NodeId, RoleKind};
use crate::prng::Prng;
use crate::scenario::{Scenario, ScenarioError};
use crate::trace::TraceHash;
use crate::txn_protocol::{Isolation, KafkaTransactions};

/// Fills an entry of the Kafka-transactions catalogue (`kafka-txn.txt`), which only a
/// build with this world carries: `txn!(words, Key, name = value, ...)`.
macro_rules! txn {
    ($words:expr, $key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $words.fill(
            ::mqlab_text::kafka_txn::Key::$key,
            &[$((stringify!($name), ::mqlab_text::Arg::from($value))),*],
        )
    };
}

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeState {
    /// Not started yet (the second producer instance before its start tick).
    NotStarted,
    Up,
    Down,
    /// Fenced and closed for good.
    Closed,
}

/// Something scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    /// A message reaches its node (if the node is still the incarnation it was sent to).
    Deliver {
        from: TxnNode,
        to: TxnNode,
        wire: Wire,
        incarnation: u32,
    },
    /// A node's timer fires (if the node has not crashed since it set it).
    Timer {
        node: TxnNode,
        timer: TxnTimer,
        incarnation: u32,
    },
    /// A node starts or restarts.
    Start { node: TxnNode },
}

/// What the trace records at each step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum TxnEvent {
    /// A role's fact.
    Fact {
        node: TxnNode,
        #[serde(flatten)]
        fact: Fact,
    },
    /// A node starts (or restarts after a crash).
    Started { node: TxnNode },
    /// A node crashes (at a crash point, by a command or at random).
    Crashed {
        node: TxnNode,
        #[serde(skip_serializing_if = "Option::is_none")]
        point: Option<CrashPoint>,
    },
    /// A node's pause holds back what reaches it until the tick it resumes.
    Paused { node: TxnNode, until_tick: u64 },
    /// A fenced producer instance closes.
    Closed { node: TxnNode },
    /// The external system is called for input record K (its `count`-th call).
    Called { message: u32, count: u32 },
}

/// One step of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxnTraceEvent {
    pub step: u64,
    pub tick: u64,
    #[serde(flatten)]
    pub event: TxnEvent,
}

impl TxnTraceEvent {
    /// The step's sentence, in `words`.
    pub fn text(&self, words: &Words) -> String {
        let name = |node: TxnNode| node.name().to_string();
        match &self.event {
            TxnEvent::Started { node } => txn!(words, KafkaTxnStarted, node = name(*node)),
            TxnEvent::Crashed { node, .. } => txn!(words, KafkaTxnCrashed, node = name(*node)),
            TxnEvent::Paused { node, until_tick } => txn!(
                words,
                KafkaTxnPaused,
                node = name(*node),
                tick = *until_tick
            ),
            TxnEvent::Closed { node } => txn!(words, KafkaTxnClosed, node = name(*node)),
            TxnEvent::Called { message, count } => txn!(
                words,
                KafkaTxnCalled,
                msg = format!("m{message}"),
                count = *count
            ),
            TxnEvent::Fact { node, fact } => fact_text(words, name(*node), fact),
        }
    }
}

fn fact_text(words: &Words, node: String, fact: &Fact) -> String {
    match *fact {
        Fact::EpochGiven { epoch } => txn!(words, KafkaTxnEpochGiven, epoch = epoch),
        Fact::EpochBumped {
            epoch,
            txn,
            timeout: true,
        } => txn!(words, KafkaTxnTimeoutAbort, t = txn, epoch = epoch),
        Fact::EpochBumped {
            epoch,
            txn,
            timeout: false,
        } => txn!(words, KafkaTxnFenceAbort, t = txn, epoch = epoch),
        Fact::TxnBegun { txn } => txn!(words, KafkaTxnBegun, t = txn),
        Fact::Sent { message, partition } => txn!(
            words,
            KafkaTxnSent,
            node = node,
            msg = format!("m{message}"),
            partition = partition_name(partition)
        ),
        Fact::OffsetsSent { consumed } => {
            txn!(words, KafkaTxnOffsetsSent, node = node, count = consumed)
        }
        Fact::EndTxnSent => txn!(words, KafkaTxnEndTxn, node = node),
        Fact::Prepared { txn, commit: true } => txn!(words, KafkaTxnPrepareCommit, t = txn),
        Fact::Prepared { txn, commit: false } => txn!(words, KafkaTxnPrepareAbort, t = txn),
        Fact::MarkerWritten {
            txn,
            partition,
            commit: true,
        } => txn!(
            words,
            KafkaTxnCommitMarker,
            t = txn,
            partition = partition_name(partition)
        ),
        Fact::MarkerWritten {
            txn,
            partition,
            commit: false,
        } => txn!(
            words,
            KafkaTxnAbortMarker,
            t = txn,
            partition = partition_name(partition)
        ),
        Fact::Completed { txn, commit: true } => txn!(words, KafkaTxnCompleteCommit, t = txn),
        Fact::Completed { txn, commit: false } => txn!(words, KafkaTxnCompleteAbort, t = txn),
        Fact::Fenced { epoch, current } => txn!(
            words,
            KafkaTxnFenced,
            node = node,
            epoch = epoch,
            current = current
        ),
        Fact::Appended {
            message,
            partition,
            offset,
        } => txn!(
            words,
            KafkaTxnAppended,
            msg = format!("m{message}"),
            partition = partition_name(partition),
            offset = offset
        ),
        Fact::Applied {
            message, partition, ..
        } => txn!(
            words,
            KafkaTxnApplied,
            msg = format!("m{message}"),
            partition = partition_name(partition)
        ),
        Fact::Recovered { txn, state } => txn!(words, KafkaTxnRecovered, t = txn, state = state),
    }
}

/// A crash point armed for one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Armed {
    point: CrashPoint,
    message: Option<u32>,
}

/// What the ledger needs from the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct TxnLedger {
    /// Every application by the consumer: (message, partition, offset).
    applied: Vec<(u32, u8, u32)>,
    /// External calls per input record.
    external_calls: BTreeMap<u32, u32>,
    fenced: u32,
    lso_blocked_ticks: u64,
}

/// The Kafka-transactions world.
#[derive(Clone, Debug)]
pub struct KafkaTxnWorld {
    scenario: Scenario,
    settings: KafkaTransactions,
    tick: u64,
    step: u64,
    queue: BTreeMap<(u64, u64), Event>,
    next_seq: u64,
    prng: Prng,
    clients: Vec<TxnClient>,
    coordinator: TxnCoordinator,
    broker: TxnBroker,
    reader: TxnReader,
    states: BTreeMap<TxnNode, NodeState>,
    incarnations: BTreeMap<TxnNode, u32>,
    /// The plain producer's saved progress (its next message), in the application's
    /// store that every instance reads.
    progress: u32,
    armed: Vec<(TxnNode, Armed)>,
    trace: Vec<TxnTraceEvent>,
    record_trace: bool,
    hash: TraceHash,
    ledger: TxnLedger,
    /// Planned crashes and restarts by step.
    planned: Vec<(u64, Command)>,
    /// The tick the last message sent on each link arrives.
    last_arrival: BTreeMap<(TxnNode, TxnNode), u64>,
}

/// The producer instances, the coordinator and the consumer: the nodes that crash.
fn node_of(id: NodeId) -> Option<TxnNode> {
    match id.role() {
        RoleKind::Producer if id.instance() <= 1 => Some(TxnNode::Producer(id.instance())),
        RoleKind::Coordinator => Some(TxnNode::Coordinator),
        RoleKind::Consumer if id.instance() == 0 => Some(TxnNode::Consumer),
        RoleKind::Broker if id.instance() == 0 => Some(TxnNode::Broker),
        _ => None,
    }
}

impl KafkaTxnWorld {
    /// Builds the world of a transactional scenario with Kafka transactions.
    pub fn new(scenario: &Scenario, record_trace: bool) -> Result<KafkaTxnWorld, ScenarioError> {
        scenario.validate()?;
        let Some(settings) = scenario.kafka_transactions.clone() else {
            return Err(ScenarioError::Unsupported {
                field: "kafka_transactions".to_string(),
                reason: crate::sentences::said!(UnsupportedKafkaTxnXa),
            });
        };
        let transform = scenario.transaction.transform || settings.external_effect;
        let config = ClientConfig {
            messages: scenario.messages,
            size: scenario.transaction.size,
            transform,
            external: settings.external_effect,
            retry_ticks: scenario.timing.retry_timeout_ticks,
        };
        let mut clients = vec![TxnClient::new(TxnNode::Producer(0), config.clone())];
        let mut states = BTreeMap::new();
        for node in [
            TxnNode::Producer(0),
            TxnNode::Coordinator,
            TxnNode::Broker,
            TxnNode::Consumer,
        ] {
            states.insert(node, NodeState::Down);
        }
        if settings.zombie {
            clients.push(TxnClient::new(TxnNode::Producer(1), config));
            states.insert(TxnNode::Producer(1), NodeState::NotStarted);
        }
        let mut world = KafkaTxnWorld {
            scenario: scenario.clone(),
            tick: 0,
            step: 0,
            queue: BTreeMap::new(),
            next_seq: 0,
            prng: Prng::new(scenario.seed),
            clients,
            coordinator: TxnCoordinator::new(
                settings.transaction_timeout_ticks,
                scenario.timing.retry_timeout_ticks,
            ),
            broker: TxnBroker::new(),
            reader: TxnReader::new(settings.isolation),
            incarnations: states.keys().map(|n| (*n, 0)).collect(),
            states,
            progress: 1,
            armed: Vec::new(),
            trace: Vec::new(),
            record_trace,
            hash: TraceHash::new(),
            ledger: TxnLedger::default(),
            planned: Vec::new(),
            last_arrival: BTreeMap::new(),
            settings,
        };
        for fault in &scenario.faults {
            let step = fault.at_step.unwrap_or(0);
            match fault.command {
                Command::CrashAt {
                    point,
                    message,
                    instance,
                } if step == 0 => {
                    if let Some(node) = node_of(point.node_at(instance)) {
                        world.armed.push((node, Armed { point, message }));
                    }
                }
                ref command => world.planned.push((step, command.clone())),
            }
        }
        for node in [
            TxnNode::Broker,
            TxnNode::Coordinator,
            TxnNode::Consumer,
            TxnNode::Producer(0),
        ] {
            world.schedule(0, Event::Start { node });
        }
        if world.settings.zombie {
            let at = world.settings.zombie_start_tick();
            world.schedule(
                at,
                Event::Start {
                    node: TxnNode::Producer(1),
                },
            );
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

    /// The current tick.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Steps taken.
    pub fn step_index(&self) -> u64 {
        self.step
    }

    /// True when nothing is left to happen.
    pub fn is_quiet(&self) -> bool {
        self.queue.is_empty()
    }

    /// The trace (recorded when the world was built with `record_trace`).
    pub fn trace(&self) -> &[TxnTraceEvent] {
        &self.trace
    }

    /// The hash of every event so far.
    pub fn trace_hash(&self) -> u64 {
        self.hash.0
    }

    /// How many records the consumer applied (aborted ones and copies included).
    pub fn applied_count(&self) -> u32 {
        u32::try_from(self.ledger.applied.len()).unwrap_or(u32::MAX)
    }

    /// The coordinator's transaction log: (transaction, state, epoch) per record.
    pub fn transaction_log(&self) -> Vec<(u32, &'static str, u16)> {
        self.coordinator
            .disk
            .log
            .iter()
            .map(|e| (e.txn, e.state.as_str(), e.epoch))
            .collect()
    }

    /// A topic partition's log as (message, state) per record, markers left out.
    pub fn partition_records(&self, partition: u8) -> Vec<(u32, RecordState)> {
        self.broker
            .partition(partition)
            .log
            .iter()
            .filter_map(|e| match e {
                Entry::Record { message, state, .. } => Some((*message, *state)),
                _ => None,
            })
            .collect()
    }

    /// The coordinator's transaction log, whole: each record's transaction, state,
    /// epoch and partitions.
    pub fn transaction_log_entries(&self) -> &[TxnLogEntry] {
        &self.coordinator.disk.log
    }

    /// A partition's log with its markers and offset commits (the topic's partitions
    /// are 0 and 1, the consumer offsets partition is [`OFFSETS`]); empty for a
    /// partition the broker does not have.
    pub fn partition_log(&self, partition: u8) -> &[PartitionEntry] {
        self.broker
            .disk
            .partitions
            .get(usize::from(partition))
            .map_or(&[], |p| p.log.as_slice())
    }

    /// A partition's last stable offset: a read_committed consumer stops before it.
    pub fn last_stable_offset(&self, partition: u8) -> u32 {
        self.broker
            .disk
            .partitions
            .get(usize::from(partition))
            .map_or(0, |p| p.last_stable_offset())
    }

    /// A partition's high watermark: the broker is the only replica and syncs every
    /// append, so every entry it has is below it.
    pub fn high_watermark(&self, partition: u8) -> u32 {
        self.broker
            .disk
            .partitions
            .get(usize::from(partition))
            .map_or(0, |p| p.end())
    }

    /// The producer epoch a partition has seen (requests with an older one are fenced).
    pub fn partition_epoch(&self, partition: u8) -> u16 {
        self.broker
            .disk
            .partitions
            .get(usize::from(partition))
            .map_or(0, |p| p.epoch)
    }

    /// The consumer's position in each of the topic's partitions.
    pub fn consumer_positions(&self) -> &[u32] {
        &self.reader.disk.positions
    }

    /// The producer instances, each with the epoch it uses (0 before InitProducerId has
    /// answered) and whether it runs.
    pub fn producers(&self) -> Vec<(TxnNode, u16, bool)> {
        self.clients
            .iter()
            .map(|c| (c.me, c.epoch(), self.is_up(c.me)))
            .collect()
    }

    /// True when a node runs (not crashed, not yet started, nor closed after fencing).
    pub fn is_up(&self, node: TxnNode) -> bool {
        self.states.get(&node) == Some(&NodeState::Up)
    }

    /// Runs until nothing is left to happen or `max_steps` steps; the steps taken.
    pub fn run_until_quiet(&mut self, max_steps: u64) -> u64 {
        let mut taken = 0;
        while taken < max_steps && self.step() {
            taken += 1;
        }
        taken
    }

    fn record(&mut self, event: TxnEvent) {
        self.hash.event(self.step, self.tick, &event);
        if self.record_trace {
            self.trace.push(TxnTraceEvent {
                step: self.step,
                tick: self.tick,
                event,
            });
        }
    }

    /// True when the consumer reads committed data and waits at a partition's last
    /// stable offset while records lie beyond it.
    fn lso_blocked(&self) -> bool {
        self.settings.isolation == Isolation::ReadCommitted
            && self.states.get(&TxnNode::Consumer) == Some(&NodeState::Up)
            && (0..TOPIC_PARTITIONS).any(|p| {
                let partition = self.broker.partition(p);
                let lso = partition.last_stable_offset();
                lso < partition.end() && self.reader.disk.positions[usize::from(p)] >= lso
            })
    }

    fn pause_end(&self, node: TxnNode, tick: u64) -> Option<u64> {
        let id = match node {
            TxnNode::Producer(i) => NodeId::new(RoleKind::Producer, i),
            TxnNode::Coordinator => NodeId::COORDINATOR,
            TxnNode::Broker => NodeId::BROKER,
            TxnNode::Consumer => NodeId::CONSUMER,
            TxnNode::External => return None,
        };
        self.settings
            .pauses
            .iter()
            .filter(|p| p.holds(id, tick))
            .map(|p| p.to_tick)
            .max()
    }

    /// Advances one event; false when nothing is left.
    pub fn step(&mut self) -> bool {
        let planned: Vec<Command> = self
            .planned
            .iter()
            .filter(|(step, _)| *step == self.step)
            .map(|(_, c)| c.clone())
            .collect();
        for command in planned {
            match command {
                Command::Crash(id) => {
                    if let Some(node) = node_of(id) {
                        self.crash(node, None);
                    }
                }
                Command::Restart(id) => {
                    if let Some(node) = node_of(id) {
                        if self.states.get(&node) == Some(&NodeState::Down) {
                            self.schedule(self.tick, Event::Start { node });
                        }
                    }
                }
                Command::CrashAt {
                    point,
                    message,
                    instance,
                } => {
                    if let Some(node) = node_of(point.node_at(instance)) {
                        self.armed.push((node, Armed { point, message }));
                    }
                }
                _ => {}
            }
        }
        let Some((&(tick, seq), _)) = self.queue.iter().next() else {
            return false;
        };
        let event = self.queue.remove(&(tick, seq)).unwrap_or(Event::Start {
            node: TxnNode::External,
        });
        if tick > self.tick {
            if self.lso_blocked() {
                self.ledger.lso_blocked_ticks += tick - self.tick;
            }
            self.tick = tick;
        }
        self.step += 1;
        let target = match &event {
            Event::Deliver { to, .. } => *to,
            Event::Timer { node, .. } => *node,
            Event::Start { node } => *node,
        };
        if let Some(until_tick) = self.pause_end(target, self.tick) {
            self.record(TxnEvent::Paused {
                node: target,
                until_tick,
            });
            self.schedule(until_tick, event);
            self.random_crash();
            return true;
        }
        match event {
            Event::Start { node } => self.start(node),
            Event::Deliver {
                from,
                to,
                wire,
                incarnation,
            } => {
                if to == TxnNode::External {
                    if let Wire::Call { message } = wire {
                        let count = self.ledger.external_calls.entry(message).or_insert(0);
                        *count += 1;
                        let count = *count;
                        self.record(TxnEvent::Called { message, count });
                    }
                } else if self.states.get(&to) == Some(&NodeState::Up)
                    && self.incarnations.get(&to) == Some(&incarnation)
                {
                    self.input(to, TxnInput::Receive { from, wire });
                }
            }
            Event::Timer {
                node,
                timer,
                incarnation,
            } => {
                if self.states.get(&node) == Some(&NodeState::Up)
                    && self.incarnations.get(&node) == Some(&incarnation)
                {
                    self.input(node, TxnInput::Timer(timer));
                }
            }
        }
        self.random_crash();
        true
    }

    fn random_crash(&mut self) {
        if !self.prng.chance(self.scenario.random_crash) {
            return;
        }
        let up: Vec<TxnNode> = self
            .states
            .iter()
            .filter(|(node, state)| **state == NodeState::Up && **node != TxnNode::Broker)
            .map(|(node, _)| *node)
            .collect();
        if up.is_empty() {
            return;
        }
        let node = up[self.prng.below(up.len() as u64) as usize];
        self.crash(node, None);
    }

    /// The newest producer instance that has started.
    fn newest_producer(&self) -> TxnNode {
        if self
            .states
            .get(&TxnNode::Producer(1))
            .is_some_and(|s| *s != NodeState::NotStarted)
        {
            TxnNode::Producer(1)
        } else {
            TxnNode::Producer(0)
        }
    }

    fn crash(&mut self, node: TxnNode, point: Option<CrashPoint>) {
        if self.states.get(&node) != Some(&NodeState::Up) {
            return;
        }
        self.states.insert(node, NodeState::Down);
        *self.incarnations.entry(node).or_insert(0) += 1;
        self.record(TxnEvent::Crashed { node, point });
        // An older producer instance stays down once a newer one runs: the newer one
        // has taken over its work.
        let replaced = matches!(node, TxnNode::Producer(_)) && node != self.newest_producer();
        if let (Some(after), false) = (self.scenario.timing.restart_after_ticks, replaced) {
            self.schedule(self.tick + after, Event::Start { node });
        }
    }

    fn start(&mut self, node: TxnNode) {
        if matches!(
            self.states.get(&node),
            Some(NodeState::Up) | Some(NodeState::Closed) | None
        ) {
            return;
        }
        self.states.insert(node, NodeState::Up);
        *self.incarnations.entry(node).or_insert(0) += 1;
        self.record(TxnEvent::Started { node });
        self.input(node, TxnInput::Start);
    }

    /// Hands an input to a role and carries out what it answers.
    fn input(&mut self, node: TxnNode, input: TxnInput) {
        let outputs = match node {
            TxnNode::Producer(i) => self.clients[usize::from(i)].handle(input, self.progress),
            TxnNode::Coordinator => self.coordinator.handle(input, self.tick),
            TxnNode::Broker => self.broker.handle(input),
            TxnNode::Consumer => self.reader.handle(input),
            TxnNode::External => Vec::new(),
        };
        for output in outputs {
            match output {
                TxnOutput::Send { to, wire } => {
                    let latency = self.prng.in_range(
                        self.scenario.network.global.latency_ticks_min,
                        self.scenario.network.global.latency_ticks_max,
                    );
                    let incarnation = self.incarnations.get(&to).copied().unwrap_or(0);
                    // A connection delivers in order (TCP): nothing overtakes what was
                    // sent before it on the same link.
                    let last = self.last_arrival.entry((node, to)).or_insert(0);
                    let arrival = (self.tick + latency).max(*last);
                    *last = arrival;
                    self.schedule(
                        arrival,
                        Event::Deliver {
                            from: node,
                            to,
                            wire,
                            incarnation,
                        },
                    );
                }
                TxnOutput::Timer { after_ticks, timer } => {
                    let incarnation = self.incarnations.get(&node).copied().unwrap_or(0);
                    self.schedule(
                        self.tick + after_ticks,
                        Event::Timer {
                            node,
                            timer,
                            incarnation,
                        },
                    );
                }
                TxnOutput::Fact(fact) => {
                    match fact {
                        Fact::Applied {
                            message,
                            partition,
                            offset,
                        } => self.ledger.applied.push((message, partition, offset)),
                        Fact::Fenced { .. } => self.ledger.fenced += 1,
                        _ => {}
                    }
                    self.record(TxnEvent::Fact { node, fact });
                }
                TxnOutput::Reached { point, messages } => {
                    let messages = if messages.is_empty() {
                        self.open_messages()
                    } else {
                        messages
                    };
                    let hit = self.armed.iter().position(|(armed_node, armed)| {
                        *armed_node == node
                            && armed.point == point
                            && armed.message.is_none_or(|m| messages.contains(&m))
                    });
                    if let Some(index) = hit {
                        self.armed.remove(index);
                        self.crash(node, Some(point));
                        return;
                    }
                }
                TxnOutput::Close => {
                    self.states.insert(node, NodeState::Closed);
                    *self.incarnations.entry(node).or_insert(0) += 1;
                    self.record(TxnEvent::Closed { node });
                    // The application's supervisor starts a new instance in place of a
                    // fenced one, unless a newer instance already runs.
                    if node == self.newest_producer() {
                        if let Some(after) = self.scenario.timing.restart_after_ticks {
                            self.states.insert(node, NodeState::Down);
                            self.schedule(self.tick + after, Event::Start { node });
                        }
                    }
                    return;
                }
                TxnOutput::SaveProgress { next } => self.progress = self.progress.max(next),
            }
        }
    }

    /// The messages of the records in open transactions: the coordinator's current
    /// transaction, as the partitions hold it.
    fn open_messages(&self) -> Vec<u32> {
        (0..TOPIC_PARTITIONS)
            .flat_map(|p| {
                self.broker.partition(p).log.iter().filter_map(|e| match e {
                    Entry::Record {
                        message,
                        state: RecordState::Open,
                        ..
                    } => Some(*message),
                    _ => None,
                })
            })
            .collect()
    }

    /// What went wrong, one sentence per message in `words`: duplicates and why, lost
    /// or pending records, and repeated external calls.
    pub fn anomalies(&self, words: &Words) -> Vec<String> {
        let quiet = self.is_quiet();
        let mut out = Vec::new();
        for message in 1..=self.scenario.messages {
            let applied: Vec<(u8, u32)> = self
                .ledger
                .applied
                .iter()
                .filter(|(m, _, _)| *m == message)
                .map(|(_, p, o)| (*p, *o))
                .collect();
            let count = u32::try_from(applied.len()).unwrap_or(u32::MAX);
            let msg = format!("m{message}");
            let aborted_read = applied.iter().any(|&(p, o)| {
                matches!(
                    self.broker.partition(p).log.get(o as usize),
                    Some(Entry::Record {
                        state: RecordState::Aborted,
                        ..
                    })
                )
            });
            if count > 1 && aborted_read {
                out.push(txn!(
                    words,
                    KafkaTxnAnomalyAbortedRead,
                    msg = msg,
                    count = count
                ));
            } else if count > 1 {
                out.push(txn!(
                    words,
                    KafkaTxnAnomalyWrittenAgain,
                    msg = msg,
                    count = count
                ));
            } else if count == 0 && quiet {
                out.push(txn!(words, KafkaTxnAnomalyLost, msg = msg));
            } else if count == 0 {
                out.push(txn!(words, KafkaTxnAnomalyPending, msg = msg));
            }
        }
        for (&message, &count) in &self.ledger.external_calls {
            if count > 1 {
                out.push(txn!(
                    words,
                    KafkaTxnAnomalyExternal,
                    msg = format!("m{message}"),
                    count = count
                ));
            }
        }
        out
    }

    /// The ledger's counts, from the consumer's applications and the broker's log.
    pub fn summary(&self) -> Summary {
        let quiet = self.is_quiet();
        let messages = self.scenario.messages;
        let n = messages as usize + 1;
        let mut applications = vec![0u32; n];
        let mut aborted_visible = 0;
        let mut reordered_flags = vec![false; n];
        let mut highest = [0u32; TOPIC_PARTITIONS as usize];
        let mut applied_at = BTreeMap::new();
        for &(message, partition, offset) in &self.ledger.applied {
            let index = message as usize;
            if index < n {
                if applications[index] == 0 && highest[usize::from(partition)] > message {
                    reordered_flags[index] = true;
                }
                applications[index] += 1;
            }
            let h = &mut highest[usize::from(partition)];
            *h = (*h).max(message);
            if let Some(Entry::Record {
                state: RecordState::Aborted,
                ..
            }) = self.broker.partition(partition).log.get(offset as usize)
            {
                aborted_visible += 1;
            }
            applied_at.insert((partition, offset), ());
        }
        let mut s = Summary {
            messages,
            steps: self.step,
            tick: self.tick,
            quiet,
            trace_hash: self.hash.0,
            ..Summary::default()
        };
        for m in 1..n {
            match applications[m] {
                0 if quiet => s.lost += 1,
                0 => s.pending += 1,
                1 if !reordered_flags[m] => s.exactly_once += 1,
                1 => s.reordered += 1,
                more => {
                    s.duplicated += 1;
                    s.extra_applications += more - 1;
                }
            }
        }
        s.reordered_per_key = s.reordered;
        let (committed, aborted) = self.coordinator.completed();
        s.txn_committed = committed;
        s.txn_aborted = aborted;
        // Committed records per transaction, and how many of them the consumer applied.
        let mut per_txn: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
        let mut committed_copies = vec![0u32; n];
        for p in 0..TOPIC_PARTITIONS {
            for (offset, entry) in self.broker.partition(p).log.iter().enumerate() {
                if let Entry::Record {
                    message,
                    state: RecordState::Committed,
                    txn: Some(txn),
                } = entry
                {
                    let counts = per_txn.entry(*txn).or_insert((0, 0));
                    counts.0 += 1;
                    if applied_at.contains_key(&(p, offset as u32)) {
                        counts.1 += 1;
                    }
                    if let Some(c) = committed_copies.get_mut(*message as usize) {
                        *c += 1;
                    }
                }
            }
        }
        if quiet {
            s.txn_partial = per_txn
                .values()
                .filter(|(total, seen)| *seen > 0 && seen < total)
                .count() as u32;
        }
        if self.scenario.transaction.transform || self.settings.external_effect {
            s.outputs = committed_copies.iter().filter(|c| **c > 0).count() as u32;
            s.outputs_duplicated = committed_copies.iter().filter(|c| **c > 1).count() as u32;
        }
        s.aborted_visible = aborted_visible;
        s.fenced = self.ledger.fenced;
        s.lso_blocked_ticks = self.ledger.lso_blocked_ticks;
        s.external_duplicated = self
            .ledger
            .external_calls
            .values()
            .filter(|c| **c > 1)
            .count() as u32;
        if self.settings.isolation == Isolation::ReadCommitted {
            s.invariant_violations = aborted_visible + s.txn_partial;
        }
        s
    }
}
