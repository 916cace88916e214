//! The discrete-event engine: the event queue, the step loop, commands, crashes and the
//! network. The nodes' roles live in `actor` as sans-IO state machines: the engine hands
//! each node its inputs (start, timers, arriving messages, crash, recovery) and carries
//! out what the role asks (send, set a timer, persist), feeding the facts it reports to
//! the ledger and the trace.

use std::fmt;
use std::sync::Arc;

use mqlab_text::Words;

use serde::{Deserialize, Serialize};

use crate::actor::{
    Because, Breakpoints, Broker, Consumer, Controller, Coordinator, Ctx, Fact, GroupStore, Input,
    Member, Notes, Output, Participant, Producer, Replica, Role, Timer, Topic,
};
use crate::disk::DiskLog;
use crate::event_queue::{Event, EventQueue, What};
use crate::fault::{Command, CommandError, CrashPoint};
use crate::lag::LagHistory;
use crate::ledger::{Cause, CauseKind, Ledger, LedgerUndo, Summary, UndoLog};
use crate::limits::*;
use crate::mode::Mode;
use crate::network::{
    ArmedLinkFault, Envelope, LinkConfig, LinkFaultAction, LinkId, LinkState, LossReason,
    MessageKind,
};
use crate::node::{NodeCore, NodeId, RoleKind};
use crate::prng::Prng;
use crate::ratio::Ratio;
use crate::replication::TimedAction;
use crate::scenario::{check_command, Scenario, ScenarioError};
use crate::speech::say;
use crate::trace::{
    CommandNote, Detail, EventKind, Record, StepReport, Trace, TraceEvent, TraceHash,
};

/// How a simulation records what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimOptions {
    /// Keep every trace entry with its narration. The trace hash is computed either way.
    pub record_trace: bool,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions { record_trace: true }
    }
}

/// A node of the world: what every node has, and its role. A node that a transaction
/// can enlist also hosts a 2PC participant.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub core: NodeCore,
    pub log: DiskLog,
    pub role: Role,
    pub participant: Participant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArmedCrash {
    pub point: CrashPoint,
    /// The node that crashes there.
    pub node: NodeId,
    pub message: Option<u32>,
}

/// The armed crash points as a role meets them.
struct ArmedCrashes<'a> {
    armed: &'a mut Vec<ArmedCrash>,
    mask: &'a mut u32,
    scenario: &'a Scenario,
}

impl Breakpoints for ArmedCrashes<'_> {
    fn reached(&mut self, point: CrashPoint, node: NodeId, message: u32) -> bool {
        if *self.mask & point.bit() == 0 {
            return false;
        }
        // In transactional mode a transaction moves a group of messages and its crash
        // points are reached once per group, with the group's first message: a crash
        // armed for any message of the group fires there.
        let grouped = self.scenario.mode == Mode::Transactional && self.scenario.grouped();
        let scenario = self.scenario;
        let Some(index) = self.armed.iter().position(|armed| {
            armed.point == point
                && armed.node == node
                && armed
                    .message
                    .is_none_or(|m| m == message || (grouped && scenario.group_of(m).0 == message))
        }) else {
            return false;
        };
        self.armed.remove(index);
        *self.mask = self
            .armed
            .iter()
            .fold(0, |mask, armed| mask | armed.point.bit());
        true
    }
}

/// Why a replay could not rebuild a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// The scenario is invalid.
    Scenario(ScenarioError),
    /// A recorded command was refused on replay (the command list does not belong to
    /// this scenario).
    Command {
        /// The step at which it was recorded.
        at_step: u64,
        /// Why it was refused.
        error: CommandError,
    },
}

impl ReplayError {
    /// Why the run cannot be replayed, in `words`.
    pub fn describe_in(&self, words: &Words) -> String {
        match self {
            ReplayError::Scenario(error) => error.describe_in(words),
            ReplayError::Command { at_step, error } => words.fill(
                mqlab_text::errors::Key::ReplayCommand,
                &[
                    ("step", (*at_step).into()),
                    ("error", error.describe_in(words).into()),
                ],
            ),
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe_in(crate::sentences::english()))
    }
}

impl std::error::Error for ReplayError {}

/// A running simulation. Cloning it is a checkpoint.
#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) scenario: Scenario,
    pub(crate) options: SimOptions,
    pub(crate) mode: Mode,
    pub(crate) messages: u32,
    pub(crate) prng: Prng,
    pub(crate) tick: u64,
    pub(crate) step_index: u64,
    pub(crate) seq: u64,
    pub(crate) queue: EventQueue,
    pub(crate) in_flight: u32,
    /// Every link's state, indexed by `link_index`.
    pub(crate) links: Vec<LinkState>,
    pub(crate) armed_links: Vec<ArmedLinkFault>,
    pub(crate) armed_crashes: Vec<ArmedCrash>,
    pub(crate) armed_crash_mask: u32,
    pub(crate) random_crash: Ratio,
    pub(crate) random_crash_pending: bool,
    pub(crate) planned_next: u32,
    pub(crate) planned: Vec<(u64, Command)>,
    pub(crate) applied: Vec<(u64, Command)>,
    /// Every node, indexed by `slot`.
    pub(crate) nodes: Vec<Node>,
    /// Where each role's nodes begin in `nodes`, by `NodeId::role_code` (the topology's
    /// dense index, worked out once: it is looked up several times per step).
    role_offsets: [u16; 5],
    /// The outputs of the role being run (kept to reuse its allocation).
    outbox: Vec<Output>,
    pub(crate) ledger: Ledger,
    pub(crate) trace: Trace,
    pub(crate) trace_truncated: bool,
    pub(crate) hash: TraceHash,
    pub(crate) cur: Record,
    pub(crate) has_step: bool,
    /// A replicated queue's state as the world sees it (none with one broker).
    pub(crate) replication: Option<ReplicationState>,
    /// Consumer groups: the ledgers of the groups after the first (the first group's
    /// is `ledger`), each judging every message for its group.
    pub(crate) group_ledgers: Vec<Ledger>,
    /// Consumer groups: each group's database, shared by its members.
    pub(crate) group_stores: Vec<GroupStore>,
    /// Consumer groups: every group's lag on every partition over the run (kept with
    /// the trace, and like it only when the trace is recorded).
    pub(crate) lag: LagHistory,
    /// The words the trace is narrated in.
    pub(crate) words: Arc<Words>,
}

/// What the world keeps about a replicated queue: where clients send their writes,
/// which connections the controller and the replicas hold, and the counters.
#[derive(Clone, Debug)]
pub(crate) struct ReplicationState {
    /// The leader the controller elected last (none: the partition has no leader).
    pub leader: Option<NodeId>,
    /// Where producers send their publishes: the leader, or the last one there was
    /// (the clients' metadata).
    pub route: NodeId,
    /// The brokers the controller hears from (one bit per instance).
    pub heard: u8,
    /// Which broker can reach which: bit `8 * from + to`.
    pub connected: u64,
    /// Elections of a new leader.
    pub leader_changes: u32,
    /// Ticks without a leader that is up.
    pub unavailable_ticks: u64,
    /// The spells without a leader that is up, oldest first (at most `MAX_OUTAGES`; the
    /// ticks of later ones still count in `unavailable_ticks`).
    pub outages: Vec<Outage>,
}

/// A replicated queue's spells without a leader that is up are kept up to this many.
const MAX_OUTAGES: usize = 16;

/// A spell during which a replicated queue had no leader that was up: producers could
/// not write and consumers could not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// The step at which the queue was first seen without a leader that is up.
    pub from_step: u64,
    /// When it began.
    pub from_tick: u64,
    /// When a leader was up again (none: not yet).
    pub to_tick: Option<u64>,
    /// The leader the controller had elected when it began (it was down), or none when
    /// the partition had no leader at all.
    pub leader: Option<NodeId>,
}

impl ReplicationState {
    /// Notes whether the queue has a leader that is up, at the current step and tick.
    fn note_availability(&mut self, leader_up: bool, step: u64, tick: u64) {
        let full = self.outages.len() >= MAX_OUTAGES;
        let open = self.outages.last_mut().filter(|o| o.to_tick.is_none());
        match (leader_up, open) {
            (true, Some(outage)) => outage.to_tick = Some(tick),
            (false, None) if !full => self.outages.push(Outage {
                from_step: step,
                from_tick: tick,
                to_tick: None,
                leader: self.leader,
            }),
            _ => {}
        }
    }
}

impl Sim {
    /// Builds a simulation, recording the trace.
    pub fn new(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Sim::with_options(scenario, SimOptions::default())
    }

    /// Builds a simulation with recording options.
    pub fn with_options(scenario: &Scenario, options: SimOptions) -> Result<Sim, ScenarioError> {
        scenario.validate()?;
        #[cfg(feature = "kafka-txn")]
        if scenario.kafka_transactions.is_some() {
            // Only a build with the feature gets here: its world is `kafka_txn`'s.
            return Err(ScenarioError::Unsupported {
                field: "kafka_transactions".to_string(),
                reason: crate::sentences::said!(UnsupportedKafkaTxnOwnWorld),
            });
        }
        let messages = scenario.messages;
        let topology = scenario.topology;
        let mut links = vec![LinkState::default(); topology.len() * topology.len()];
        for link in topology.links(scenario.mode) {
            links[topology.slot(link.from) * topology.len() + topology.slot(link.to)].config =
                scenario.network.for_link(link);
        }
        // Planned faults are sorted by step (stable, so that faults at the same step keep
        // their written order); faults without a step are applied before the first step.
        let mut planned: Vec<(u64, usize, Command)> = scenario
            .faults
            .iter()
            .enumerate()
            .map(|(index, fault)| (fault.at_step.unwrap_or(0), index, fault.command.clone()))
            .collect();
        // Faults planned for the same step keep the scenario's order.
        planned.sort_unstable_by_key(|&(step, index, _)| (step, index));
        let planned: Vec<(u64, Command)> = planned
            .into_iter()
            .map(|(step, _, command)| (step, command))
            .collect();
        let mut sim = Sim {
            scenario: scenario.clone(),
            options,
            mode: scenario.mode,
            messages,
            prng: Prng::new(scenario.seed),
            tick: 0,
            step_index: 0,
            seq: 0,
            queue: EventQueue::new(),
            in_flight: 0,
            links,
            armed_links: Vec::new(),
            armed_crashes: Vec::new(),
            armed_crash_mask: 0,
            random_crash: scenario.random_crash,
            random_crash_pending: false,
            planned_next: 0,
            planned,
            applied: Vec::new(),
            nodes: topology
                .all_nodes()
                .into_iter()
                .map(|id| Node {
                    core: NodeCore::new(),
                    log: DiskLog::default(),
                    role: match id.role() {
                        RoleKind::Producer => Role::Producer(Producer::new(messages)),
                        RoleKind::Broker if topology.replicated() => {
                            Role::Replica(Box::new(Replica::new(messages)))
                        }
                        RoleKind::Broker => match &scenario.kafka {
                            Some(kafka) => Role::Topic(Box::new(Topic::new(messages, kafka))),
                            None => Role::Broker(Broker::new(messages)),
                        },
                        RoleKind::Controller => Role::Controller(Controller::new(topology.brokers)),
                        RoleKind::Consumer => match &scenario.kafka {
                            Some(kafka) => Role::Member(Box::new(Member::new(kafka))),
                            None => Role::Consumer(Consumer::new(messages)),
                        },
                        RoleKind::Coordinator => Role::Coordinator(Coordinator::new()),
                    },
                    participant: Participant::default(),
                })
                .collect(),
            outbox: Vec::new(),
            role_offsets: {
                let mut offsets = [0u16; 5];
                let mut next = 0u16;
                for (code, role) in RoleKind::ALL.into_iter().enumerate() {
                    offsets[code] = next;
                    next += topology.count(role);
                }
                offsets
            },
            ledger: Ledger::new(messages),
            trace: Trace::default(),
            trace_truncated: false,
            hash: TraceHash::new(),
            cur: Record::new(0, 0, EventKind::Command, NodeId::PRODUCER),
            has_step: false,
            replication: topology.replicated().then(|| ReplicationState {
                leader: Some(NodeId::BROKER),
                route: NodeId::BROKER,
                heard: ((1u16 << topology.brokers) - 1) as u8,
                connected: u64::MAX,
                leader_changes: 0,
                unavailable_ticks: 0,
                outages: Vec::new(),
            }),
            group_ledgers: Vec::new(),
            group_stores: Vec::new(),
            lag: LagHistory::new(scenario.kafka.as_ref().map_or(0, |k| {
                usize::from(k.groups.max(1)) * usize::from(k.partitions.max(1))
            })),
            words: crate::sentences::english_arc(),
        };
        if let Some(kafka) = &scenario.kafka {
            // The consumers' connections to the broker are reliable (TCP): random loss,
            // duplication and reordering apply to the producers' links.
            for link in topology.links(scenario.mode) {
                if link.from.role() == RoleKind::Consumer || link.to.role() == RoleKind::Consumer {
                    let global = scenario.network.global;
                    let index = topology.slot(link.from) * topology.len() + topology.slot(link.to);
                    sim.links[index].config = LinkConfig {
                        latency_ticks_min: global.latency_ticks_min,
                        latency_ticks_max: global.latency_ticks_max,
                        ..LinkConfig::default()
                    };
                }
            }
            let placement: Vec<(u32, u16)> = (1..=messages)
                .map(|message| (kafka.key_of(message), kafka.partition_of(message)))
                .collect();
            sim.ledger.set_kafka(placement.clone());
            for _ in 1..kafka.groups {
                let mut ledger = Ledger::new(messages);
                ledger.set_kafka(placement.clone());
                ledger.set_producers(scenario.topology.producers);
                sim.group_ledgers.push(ledger);
            }
            sim.group_stores = (0..kafka.groups)
                .map(|_| GroupStore::new(messages))
                .collect();
        }
        for link in topology.replication_links(scenario.mode) {
            // Replication travels on its own connections: the latency of the network,
            // without its random loss, duplication or reordering (a cut link still
            // loses what it carries).
            let global = scenario.network.global;
            let index = topology.slot(link.from) * topology.len() + topology.slot(link.to);
            sim.links[index].config = LinkConfig {
                latency_ticks_min: global.latency_ticks_min,
                latency_ticks_max: global.latency_ticks_max,
                ..LinkConfig::default()
            };
            if matches!(link.from.role(), RoleKind::Producer | RoleKind::Consumer)
                || matches!(link.to.role(), RoleKind::Producer | RoleKind::Consumer)
            {
                sim.links[index].config = scenario.network.for_link(link);
            }
        }
        for (index, fault) in scenario.timed_faults.iter().enumerate() {
            sim.schedule(
                fault.tick,
                What::Timed {
                    index: index as u32,
                    heal: false,
                },
            );
            if let TimedAction::Partition { until_tick, .. } = fault.action {
                sim.schedule(
                    until_tick,
                    What::Timed {
                        index: index as u32,
                        heal: true,
                    },
                );
            }
        }
        sim.ledger.set_groups(
            scenario.transaction.size,
            scenario.mode == Mode::Transactional,
        );
        sim.ledger.set_transform(scenario.transforms());
        sim.ledger
            .set_transactional(scenario.mode == Mode::Transactional);
        sim.ledger.set_producers(scenario.topology.producers);
        sim.apply_due_planned_faults();
        for node in topology.all_nodes() {
            if sim.is_up(node) {
                sim.dispatch(node, Input::Start);
            }
        }
        sim.sync_ledger();
        Ok(sim)
    }

    /// Rebuilds a run from its scenario and its recorded commands, stopping after
    /// `to_step` steps (or earlier if the run goes quiet). Commands recorded at a step
    /// are applied before that step, exactly as they were.
    pub fn replay(
        scenario: &Scenario,
        commands: &[(u64, Command)],
        to_step: u64,
    ) -> Result<Sim, ReplayError> {
        let mut sim = Sim::new(scenario).map_err(ReplayError::Scenario)?;
        sim.replay_forward(commands, to_step)?;
        Ok(sim)
    }

    /// Steps forward to `to_step`, applying the commands recorded for each step on the
    /// way. Used by `replay` and by the time-travelling `Run`.
    pub(crate) fn replay_forward(
        &mut self,
        commands: &[(u64, Command)],
        to_step: u64,
    ) -> Result<(), ReplayError> {
        let mut next = commands.partition_point(|(at, _)| *at < self.step_index);
        // Commands recorded at the current step may already have been applied (a
        // checkpoint is taken before them); the caller passes only those still to apply.
        loop {
            while next < commands.len() && commands[next].0 == self.step_index {
                let (at_step, command) = &commands[next];
                self.apply(command.clone())
                    .map_err(|error| ReplayError::Command {
                        at_step: *at_step,
                        error,
                    })?;
                next += 1;
            }
            if self.step_index >= to_step {
                return Ok(());
            }
            if !self.advance() {
                // Quiet: later commands were applied at this same step index.
                if next < commands.len() && commands[next].0 == self.step_index {
                    continue;
                }
                return Ok(());
            }
        }
    }

    /// If no step is left, consumes the events that would do nothing (timers whose
    /// reason is gone), so that the run shows as finished and a command applied now
    /// meets the same state (the same tick) however the step was reached: by stepping
    /// past the end, by seeking, or by replaying a link. It advances the simulation
    /// itself and goes back if a step happened: what it copies first leaves out the
    /// trace and the ledgers' records (the ledgers undo that step's changes), which
    /// make up most of a large run.
    pub(crate) fn settle(&mut self) {
        let before = self.checkpoint_copy();
        let trace_len = self.trace.len();
        let saved: Vec<UndoLog> = std::iter::once(&mut self.ledger)
            .chain(self.group_ledgers.iter_mut())
            .map(Ledger::set_undo_aside)
            .collect();
        self.trace.begin_probe();
        let stepped = self.advance();
        self.trace.end_probe(!stepped);
        if stepped {
            self.rewind(&before, Vec::new(), trace_len);
        }
        let ledgers = std::iter::once(&mut self.ledger).chain(self.group_ledgers.iter_mut());
        for (ledger, saved) in ledgers.zip(saved) {
            ledger.restore_undo(saved, !stepped);
        }
    }

    /// A copy for a time-travel checkpoint: everything but the trace (the run keeps
    /// one) and the ledgers' per-message state (the run gives it back with
    /// [`Sim::rewind`] from the current state and the undos of [`Sim::take_undo`]).
    pub(crate) fn checkpoint_copy(&mut self) -> Sim {
        let ledger = self.ledger.copy_without_messages();
        let group_ledgers = self
            .group_ledgers
            .iter_mut()
            .map(Ledger::copy_without_messages)
            .collect();
        let ledger = std::mem::replace(&mut self.ledger, ledger);
        let group_ledgers = std::mem::replace(&mut self.group_ledgers, group_ledgers);
        let trace = std::mem::take(&mut self.trace);
        let lag = std::mem::take(&mut self.lag);
        let copy = self.clone();
        self.trace = trace;
        self.lag = lag;
        self.ledger = ledger;
        self.group_ledgers = group_ledgers;
        copy
    }

    /// Each ledger's undo since the last call (see [`Ledger::take_undo`]), the first
    /// consumer group's (or the only) ledger first.
    pub(crate) fn take_undo(&mut self) -> Vec<LedgerUndo> {
        std::iter::once(&mut self.ledger)
            .chain(self.group_ledgers.iter_mut())
            .map(Ledger::take_undo)
            .collect()
    }

    /// Goes back to a checkpoint made by [`Sim::checkpoint_copy`]: `undos` are the
    /// undos taken since it, newest first, each with one entry per ledger. The trace
    /// is cut to `trace_len` entries (the checkpoint's); the later ones are kept for
    /// [`Sim::redo`]. Returns each undo's reverse, in the same order and shape: the
    /// changes to go forward again.
    pub(crate) fn rewind(
        &mut self,
        checkpoint: &Sim,
        undos: Vec<Vec<LedgerUndo>>,
        trace_len: usize,
    ) -> Vec<Vec<LedgerUndo>> {
        self.trace.cut(trace_len);
        self.lag.truncate_from(checkpoint.step_index);
        self.restore(checkpoint, undos, Ledger::rewind)
    }

    /// Goes forward to a later checkpoint made by [`Sim::checkpoint_copy`], whose trace
    /// the run has regained (see [`Sim::rewind`]): `redos` are the changes from the
    /// checkpoint before the current step to it, oldest first, as [`Sim::rewind`] gave
    /// them, and `lag` the lag history as far as the run went. Returns their undos, in
    /// the same order and shape.
    pub(crate) fn redo(
        &mut self,
        checkpoint: &Sim,
        redos: Vec<Vec<LedgerUndo>>,
        lag: LagHistory,
    ) -> Vec<Vec<LedgerUndo>> {
        self.lag = lag;
        self.lag.truncate_from(checkpoint.step_index);
        self.restore(checkpoint, redos, Ledger::redo)
    }

    /// Takes a checkpoint's state but the trace, the lag history and the ledgers'
    /// per-message state, which `change` brings there with `changes` (per checkpoint,
    /// one per ledger); returns what `change` returns, in the same shape.
    fn restore(
        &mut self,
        checkpoint: &Sim,
        changes: Vec<Vec<LedgerUndo>>,
        change: fn(&mut Ledger, &Ledger, Vec<LedgerUndo>) -> Vec<LedgerUndo>,
    ) -> Vec<Vec<LedgerUndo>> {
        let count = changes.len();
        let mut per_ledger: Vec<Vec<LedgerUndo>> =
            (0..=self.group_ledgers.len()).map(|_| Vec::new()).collect();
        for ledgers in changes {
            // The newest checkpoint's undo is empty, not one empty undo per ledger.
            let ledgers = ledgers
                .into_iter()
                .chain(std::iter::repeat_with(LedgerUndo::default));
            for (list, ledger_change) in per_ledger.iter_mut().zip(ledgers) {
                list.push(ledger_change);
            }
        }
        let mut ledgers: Vec<Ledger> =
            std::iter::once(std::mem::replace(&mut self.ledger, Ledger::new(0)))
                .chain(std::mem::take(&mut self.group_ledgers))
                .collect();
        let saved = std::iter::once(&checkpoint.ledger).chain(&checkpoint.group_ledgers);
        let mut back: Vec<Vec<LedgerUndo>> = (0..count).map(|_| Vec::new()).collect();
        for ((live, saved), list) in ledgers.iter_mut().zip(saved).zip(per_ledger) {
            for (slot, reverse) in back.iter_mut().zip(change(live, saved, list)) {
                slot.push(reverse);
            }
        }
        let trace = std::mem::take(&mut self.trace);
        let lag = std::mem::take(&mut self.lag);
        let words = std::mem::replace(&mut self.words, Arc::clone(&checkpoint.words));
        *self = checkpoint.clone();
        // The words chosen since the checkpoint stay.
        self.words = words;
        let mut ledgers = ledgers.into_iter();
        self.ledger = ledgers.next().unwrap_or_else(|| Ledger::new(0));
        self.group_ledgers = ledgers.collect();
        self.trace = trace;
        self.lag = lag;
        back
    }

    /// The scenario this run was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The delivery mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The recording options.
    pub fn options(&self) -> SimOptions {
        self.options
    }

    /// How many steps have been taken.
    pub fn step_index(&self) -> u64 {
        self.step_index
    }

    /// The logical time of the last step.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// True when no event is left: nothing will happen without a command.
    pub fn is_quiet(&self) -> bool {
        self.queue.is_empty()
    }

    /// Every applied command with the step before which it was applied.
    pub fn applied_commands(&self) -> &[(u64, Command)] {
        &self.applied
    }

    /// The recorded trace (empty when recording is off).
    pub fn trace(&self) -> &[TraceEvent] {
        self.trace.as_slice()
    }

    /// True if the trace reached `MAX_TRACE_EVENTS` and later entries were not kept.
    pub fn trace_truncated(&self) -> bool {
        self.trace_truncated
    }

    /// A stable hash of every step and command so far, whether or not the trace is
    /// recorded.
    pub fn trace_hash(&self) -> u64 {
        self.hash.0
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The ledger's counters. With several consumer groups, each message is judged
    /// once per group, and the message counters add up the groups' (a message lost by
    /// two groups counts twice in `lost`); `groups()` gives each group's own.
    pub fn summary(&self) -> Summary {
        let mut summary = self.ledger.summary();
        for ledger in &self.group_ledgers {
            let group = ledger.summary();
            summary.exactly_once += group.exactly_once;
            summary.lost += group.lost;
            summary.duplicated += group.duplicated;
            summary.reordered += group.reordered;
            summary.pending += group.pending;
            summary.extra_applications += group.extra_applications;
            summary.dead_lettered += group.dead_lettered;
            summary.dropped += group.dropped;
            summary.redelivered += group.redelivered;
            summary.blocked += group.blocked;
            summary.reordered_per_key += group.reordered_per_key;
            summary.acked_lost += group.acked_lost;
        }
        summary
    }

    /// Each consumer group's ledger, the first group's first (one ledger without
    /// consumer groups).
    pub fn group_ledgers(&self) -> Vec<&Ledger> {
        std::iter::once(&self.ledger)
            .chain(self.group_ledgers.iter())
            .collect()
    }

    /// The group (from 0) of a consumer instance, with consumer groups; `None` for
    /// competing consumers on a queue.
    pub fn consumer_group(&self, instance: u8) -> Option<u16> {
        self.scenario
            .kafka
            .as_ref()
            .map(|k| k.group_of(self.scenario.topology.consumers, instance))
    }

    /// Per consumer instance, how many side effects it applied (from its group's
    /// ledger).
    pub fn applied_by_consumer(&self) -> Vec<u32> {
        (0..self.scenario.topology.consumers)
            .map(|instance| {
                let group = self.consumer_group(instance as u8).unwrap_or(0);
                self.group_ledgers()
                    .get(usize::from(group))
                    .and_then(|l| l.applied_by_consumer().get(usize::from(instance)).copied())
                    .unwrap_or(0)
            })
            .collect()
    }

    /// True when the node is up.
    #[inline]
    pub fn is_up(&self, node: NodeId) -> bool {
        self.nodes[self.slot(node)].core.up
    }

    /// The dense index of a link between two nodes of the topology.
    #[inline]
    pub(crate) fn link_index(&self, link: LinkId) -> usize {
        self.slot(link.from) * self.nodes.len() + self.slot(link.to)
    }

    /// The dense index of a node of the topology.
    #[inline]
    pub(crate) fn slot(&self, node: NodeId) -> usize {
        usize::from(self.role_offsets[node.role_code()]) + usize::from(node.instance())
    }

    /// Elections of a new leader so far (a replicated queue; 0 otherwise).
    pub fn leader_changes(&self) -> u32 {
        self.replication.as_ref().map_or(0, |r| r.leader_changes)
    }

    /// The replicated queue's leader now, as the controller elected it.
    pub fn leader(&self) -> Option<NodeId> {
        self.replication
            .as_ref()
            .map_or(Some(NodeId::BROKER), |r| r.leader)
    }

    /// A replicated queue's spells without a leader that is up, oldest first (empty
    /// for a single broker).
    pub fn outages(&self) -> &[Outage] {
        self.replication.as_ref().map_or(&[], |r| &r.outages)
    }

    /// A replica's log as message numbers, in offset order, and its high watermark
    /// (a replicated queue only).
    pub fn replica_log(&self, node: NodeId) -> Option<(Vec<u32>, u32)> {
        if !self.scenario.topology.has(node) || node.role() != RoleKind::Broker {
            return None;
        }
        match &self.nodes[self.slot(node)].role {
            Role::Replica(replica) => Some((
                replica.disk.log.iter().map(|r| r.message).collect(),
                replica.memory.high_watermark,
            )),
            _ => None,
        }
    }

    /// The coordinator's state (the node always exists; it is idle outside 2PC).
    pub(crate) fn coordinator(&self) -> &Coordinator {
        match &self.nodes[self.slot(NodeId::COORDINATOR)].role {
            Role::Coordinator(coordinator) => coordinator,
            _ => unreachable!("the coordinator node plays the coordinator role"),
        }
    }

    /// How many envelopes are on the links now.
    pub fn in_flight_count(&self) -> u32 {
        self.in_flight
    }

    /// How many events are scheduled (envelopes, timers, restarts).
    pub fn pending_events(&self) -> u64 {
        self.queue.len() as u64
    }

    /// Advances exactly one event and says what happened; `None` when the run is quiet.
    pub fn step(&mut self) -> Option<StepReport> {
        if !self.advance() {
            return None;
        }
        Some(match self.trace().last() {
            Some(last)
                if self.options.record_trace
                    && last.step + 1 == self.step_index
                    && last.kind != EventKind::Command =>
            {
                self.told_one(last, &self.words)
            }
            _ => self
                .cur
                .to_told_event(self.mode, &self.scenario.topology, &self.words),
        })
    }

    /// Steps until quiet or until `max_steps` steps were taken; returns the number
    /// taken.
    pub fn run_until_quiet(&mut self, max_steps: u64) -> u64 {
        let mut taken = 0;
        while taken < max_steps && self.advance() {
            taken += 1;
        }
        taken
    }

    /// Advances one event without building a report; false when quiet. This is the hot
    /// path: with recording off it does not allocate.
    pub fn advance(&mut self) -> bool {
        self.apply_due_planned_faults();
        while let Some(event) = self.queue.pop() {
            if let Some(owner) = event.what.owner() {
                if self.nodes[self.slot(owner)].core.incarnation != event.epoch {
                    continue;
                }
            }
            if let Some(replication) = &self.replication {
                let leader_up = replication.leader.is_some_and(|l| self.is_up(l));
                let (tick, step) = (self.tick, self.step_index);
                if let Some(replication) = &mut self.replication {
                    if !leader_up {
                        replication.unavailable_ticks += event.tick.saturating_sub(tick);
                    }
                    replication.note_availability(leader_up, step, tick);
                }
            }
            self.tick = event.tick;
            self.has_step = false;
            self.handle(event);
            if !self.has_step {
                // A timer whose reason disappeared (its message was confirmed, its
                // delivery acked): nothing happened, so it is not a step.
                continue;
            }
            self.finish_step();
            return true;
        }
        self.sync_ledger();
        false
    }

    fn finish_step(&mut self) {
        if !self.random_crash.is_zero()
            && !self.random_crash_pending
            && self.prng.chance(self.random_crash)
        {
            let up: Vec<NodeId> = self
                .scenario
                .topology
                .nodes_in(self.mode)
                .into_iter()
                .filter(|n| self.nodes[self.slot(*n)].core.up && n.role() != RoleKind::Controller)
                .collect();
            if !up.is_empty() {
                let node = up[self.prng.below(up.len() as u64) as usize];
                self.random_crash_pending = true;
                self.schedule(0, What::RandomCrash { node });
            }
        }
        let record = self.cur;
        record.hash_into(&mut self.hash);
        if self.options.record_trace {
            self.push_trace(record.to_event());
            if record.node == NodeId::BROKER && self.lag.width() > 0 {
                self.note_lag(record.step, record.tick);
            }
        }
        self.step_index += 1;
        self.sync_ledger();
    }

    fn push_trace(&mut self, event: TraceEvent) {
        if self.trace.len() < MAX_TRACE_EVENTS as usize {
            self.trace.push(event);
        } else {
            self.trace_truncated = true;
        }
    }

    pub(crate) fn sync_ledger(&mut self) {
        if let Some(replication) = &self.replication {
            self.ledger
                .set_replication(replication.leader_changes, replication.unavailable_ticks);
        }
        self.ledger
            .set_progress(self.step_index, self.tick, self.hash.0);
        self.ledger.set_quiet(self.queue.is_empty());
        for ledger in &mut self.group_ledgers {
            ledger.set_progress(self.step_index, self.tick, self.hash.0);
            ledger.set_quiet(self.queue.is_empty());
        }
    }

    /// Starts the record of the current step.
    pub(crate) fn begin(&mut self, kind: EventKind, node: NodeId) {
        self.cur = Record::new(self.step_index, self.tick, kind, node);
        self.has_step = true;
    }

    /// A cause at the current step.
    pub(crate) fn cause(&self, kind: CauseKind) -> Cause {
        Cause::new(self.step_index, kind)
    }

    fn handle(&mut self, event: Event) {
        match event.what {
            What::Timer { node, timer } => self.dispatch(node, Input::Timer(timer)),
            What::Arrive(envelope) => self.arrive(envelope),
            What::Restart { node } => {
                if !self.nodes[self.slot(node)].core.up {
                    self.begin(EventKind::Restart, node);
                    self.restart_node(node);
                }
            }
            What::RandomCrash { node } => {
                self.random_crash_pending = false;
                if self.nodes[self.slot(node)].core.up {
                    self.begin(EventKind::Crash, node);
                    self.cur.detail = Detail::RandomCrash;
                    self.crash_node(node);
                }
            }
            What::Timed { index, heal } => self.timed_fault(index, heal),
        }
    }

    /// A fault of the scenario timed by the tick.
    fn timed_fault(&mut self, index: u32, heal: bool) {
        let Some(fault) = self.scenario.timed_faults.get(index as usize).copied() else {
            return;
        };
        match fault.action {
            TimedAction::Crash { node } => {
                if self.is_up(node) {
                    self.begin(EventKind::Crash, node);
                    self.crash_node(node);
                }
            }
            TimedAction::Restart { node } => {
                if !self.is_up(node) {
                    self.begin(EventKind::Restart, node);
                    self.restart_node(node);
                }
            }
            TimedAction::Partition { a, b, .. } => {
                for link in [LinkId::new(a, b), LinkId::new(b, a)] {
                    let index = self.link_index(link);
                    let state = &mut self.links[index];
                    state.partitioned = !heal;
                    if !heal {
                        state.partitioned_since_step = self.step_index;
                    }
                }
                let command = if heal {
                    Command::Heal {
                        link: LinkId::new(a, b),
                    }
                } else {
                    Command::Partition {
                        link: LinkId::new(a, b),
                    }
                };
                self.record_command(CommandNote {
                    command,
                    planned: true,
                    error: None,
                    count: 0,
                    between: Some((a, b)),
                });
                self.sync_connections();
            }
        }
    }

    /// A replicated queue: tells the controller which brokers it stopped or started
    /// hearing from, and each replica which other replicas it can reach again.
    fn sync_connections(&mut self) {
        let Some(state) = &self.replication else {
            return;
        };
        let (heard_before, connected_before) = (state.heard, state.connected);
        let brokers = self.scenario.topology.brokers;
        let broker = |i: u16| NodeId::new(RoleKind::Broker, i as u8);
        let cut = |sim: &Sim, a: NodeId, b: NodeId| {
            sim.links[sim.link_index(LinkId::new(a, b))].partitioned
                || sim.links[sim.link_index(LinkId::new(b, a))].partitioned
        };
        let mut heard = 0u8;
        let mut connected = 0u64;
        for i in 0..brokers {
            let a = broker(i);
            if self.is_up(a) && !cut(self, a, NodeId::CONTROLLER) {
                heard |= 1 << i;
            }
            for j in 0..brokers {
                let b = broker(j);
                if i != j && self.is_up(a) && self.is_up(b) && !cut(self, a, b) {
                    connected |= 1 << (8 * i + j);
                }
            }
        }
        if let Some(state) = &mut self.replication {
            state.heard = heard;
            state.connected = connected;
        }
        for i in 0..brokers {
            let was = heard_before & (1 << i) != 0;
            let is = heard & (1 << i) != 0;
            if was != is {
                let timer = if is {
                    Timer::BrokerHeard { broker: i as u8 }
                } else {
                    Timer::BrokerSilent { broker: i as u8 }
                };
                self.schedule(
                    0,
                    What::Timer {
                        node: NodeId::CONTROLLER,
                        timer,
                    },
                );
            }
        }
        for i in 0..brokers {
            for j in 0..brokers {
                let bit = 1u64 << (8 * i + j);
                if connected & bit != 0 && connected_before & bit == 0 {
                    self.dispatch(broker(i), Input::ConnectionOpened(broker(j)));
                }
            }
        }
    }

    /// Runs a node's role (or, for 2PC messages and timers, its participant) on one
    /// input, then carries out what it asked, in the order it asked.
    fn dispatch(&mut self, id: NodeId, input: Input<'_>) {
        let mut out = std::mem::take(&mut self.outbox);
        let mut notes = Notes::default();
        let armed_mask = self.armed_crash_mask;
        {
            let slot = self.slot(id);
            let node = &mut self.nodes[slot];
            let mut armed = ArmedCrashes {
                armed: &mut self.armed_crashes,
                mask: &mut self.armed_crash_mask,
                scenario: &self.scenario,
            };
            let at_start = self.step_index == 0 && self.tick == 0;
            let group = match (&self.scenario.kafka, id.role()) {
                (Some(kafka), RoleKind::Consumer) => Some(usize::from(
                    kafka.group_of(self.scenario.topology.consumers, id.instance()),
                )),
                _ => None,
            };
            let mut ctx = Ctx::new(
                id,
                self.tick,
                at_start,
                &self.scenario,
                &mut self.prng,
                armed_mask,
                &mut armed,
                &mut out,
                &mut notes,
            );
            ctx.store = group.and_then(|g| self.group_stores.get_mut(g));
            match input {
                Input::Crash | Input::Recover => {
                    node.role.handle(input, &mut ctx);
                    node.participant.handle(input, &mut node.role, &mut ctx);
                }
                _ if self.mode == Mode::Transactional && Participant::takes(&input) => {
                    node.participant.handle(input, &mut node.role, &mut ctx)
                }
                _ => node.role.handle(input, &mut ctx),
            }
        }
        for output in out.drain(..) {
            self.carry_out(id, output);
        }
        self.note(notes);
        if self.outbox.is_empty() {
            // Give the buffer back so that the next input does not allocate.
            self.outbox = out;
        }
    }

    /// Copies what the role marked onto the step's record.
    fn note(&mut self, notes: Notes) {
        let cur = &mut self.cur;
        if let Some(detail) = notes.detail {
            cur.detail = detail;
        }
        if let Some(message) = notes.message {
            cur.message = message;
        }
        if let Some(attempt) = notes.attempt {
            cur.attempt = attempt;
        }
        if let Some(peer) = notes.peer {
            cur.peer = Some(peer);
        }
        if let Some(link) = notes.link {
            cur.link = Some(link);
        }
        if let Some(kind) = notes.kind {
            cur.message_kind = Some(kind);
        }
        if let Some(txn) = notes.txn {
            cur.txn = txn;
        }
        if let Some(kind) = notes.txn_kind {
            cur.txn_kind = kind;
        }
    }

    /// Carries out one thing a node's role asked for.
    fn carry_out(&mut self, id: NodeId, output: Output) {
        match output {
            Output::Step(kind) => self.begin(kind, id),
            Output::Send(mut send) => {
                if let Some(replication) = &self.replication {
                    // Clients send their writes to the partition's leader, as their
                    // metadata says.
                    if send.kind == MessageKind::Publish && send.to.role() == RoleKind::Broker {
                        send.to = replication.route;
                    }
                }
                let cause = match send.because {
                    Because::Given(cause) => cause,
                    Because::Resend(otherwise) => {
                        let mut taken = self.ledger.take_resend(send.message);
                        for ledger in &mut self.group_ledgers {
                            let other = ledger.take_resend(send.message);
                            taken = taken.or(other);
                        }
                        Some(taken.unwrap_or_else(|| self.cause(otherwise)))
                    }
                    Because::Redeliver(otherwise) => {
                        let group = self.group_of(send.to).unwrap_or(0);
                        let cause = self.cause(otherwise);
                        Some(
                            self.group_ledger_mut(group)
                                .take_redeliver(send.message)
                                .unwrap_or(cause),
                        )
                    }
                };
                self.send(
                    id,
                    send.to,
                    send.kind,
                    send.message,
                    send.tag,
                    send.attempt,
                    cause,
                    send.txn_kind,
                    send.extra,
                );
            }
            Output::SetTimer { delay_ticks, timer } => {
                self.schedule(delay_ticks, What::Timer { node: id, timer })
            }
            Output::Persist(record) => {
                let slot = self.slot(id);
                self.nodes[slot].log.push(record)
            }
            Output::Fact(fact) => self.observe(id, fact),
            Output::Crash(point) => {
                self.cur.crash = Some(point);
                self.crash_node(id);
            }
        }
    }

    /// The group (from 0) of a consumer, with consumer groups.
    fn group_of(&self, node: NodeId) -> Option<usize> {
        match (&self.scenario.kafka, node.role()) {
            (Some(kafka), RoleKind::Consumer) => Some(usize::from(
                kafka.group_of(self.scenario.topology.consumers, node.instance()),
            )),
            _ => None,
        }
    }

    /// The ledger of a group (from 0): the first group's is `ledger`.
    fn group_ledger_mut(&mut self, group: usize) -> &mut Ledger {
        match group.checked_sub(1) {
            Some(index) if index < self.group_ledgers.len() => &mut self.group_ledgers[index],
            _ => &mut self.ledger,
        }
    }

    /// Hands a role's fact to the ledger and the checker. With consumer groups, what a
    /// consumer reports goes to its group's ledger, and what the producer and the
    /// broker report to every group's.
    fn observe(&mut self, id: NodeId, fact: Fact) {
        if self.group_ledgers.is_empty() {
            self.observe_in(None, id, fact);
            return;
        }
        match self.group_of(id) {
            Some(group) => self.observe_in(Some(group), id, fact),
            None => {
                for group in 0..=self.group_ledgers.len() {
                    self.observe_in(Some(group), id, fact);
                }
            }
        }
    }

    /// Hands a fact to one ledger: a group's, or the one ledger, which also keeps the
    /// 2PC checker's, the transactions' and the replication's facts.
    fn observe_in(&mut self, group: Option<usize>, id: NodeId, fact: Fact) {
        let step = self.step_index;
        if let Some(group) = self.group_of(id).or(group) {
            if group > 0 {
                let ledger = self.group_ledger_mut(group);
                Sim::observe_message_fact(ledger, id, fact, step);
                return;
            }
        }
        let Some(fact) = Sim::observe_message_fact(&mut self.ledger, id, fact, step) else {
            return;
        };
        let ledger = &mut self.ledger;
        match fact {
            Fact::StoredByTxn { message, txn } => ledger.on_stored_by_txn(message, txn),
            Fact::Output(message) => ledger.on_output(message),
            Fact::Acked(message) => ledger.on_acked(message),
            Fact::TxnBegun {
                txn,
                consume,
                first,
                last,
            } => ledger.on_txn_begin(txn, consume, first, last),
            Fact::Decided { txn, commit } => {
                ledger.checker_mut().observe_decision(txn, commit, step);
                ledger.on_txn_decided(txn, commit, step);
            }
            Fact::Outcome { txn, commit } => {
                ledger.checker_mut().observe_outcome(txn, id, commit, step)
            }
            Fact::InDoubt { txn, first, last } => {
                ledger.open_in_doubt(id, txn, (first, last), self.tick)
            }
            Fact::Decision { txn } => ledger.close_in_doubt(id, txn, self.tick),
            Fact::LeaderChanged { leader } => {
                if let Some(replication) = &mut self.replication {
                    replication.leader = leader;
                    if let Some(leader) = leader {
                        replication.route = leader;
                        replication.leader_changes += 1;
                    }
                }
            }
            Fact::Replayed(message) => ledger.on_replayed(message),
            // Handed to `observe_message_fact` above.
            Fact::PublishSent(_)
            | Fact::Published(_)
            | Fact::Stored(_)
            | Fact::Delivered(_)
            | Fact::Applied { .. }
            | Fact::MayBeLost { .. }
            | Fact::WillResend { .. }
            | Fact::WillRedeliver { .. }
            | Fact::Redelivered(_)
            | Fact::DeadLettered { .. }
            | Fact::Dropped { .. }
            | Fact::Blocked(_)
            | Fact::Refused { .. } => {}
        }
    }

    /// A fact about one message's journey, which every group's ledger keeps; any other
    /// fact is handed back.
    fn observe_message_fact(
        ledger: &mut Ledger,
        id: NodeId,
        fact: Fact,
        step: u64,
    ) -> Option<Fact> {
        match fact {
            Fact::PublishSent(message) => ledger.on_publish_sent(message),
            Fact::Published(message) => ledger.on_published(message),
            Fact::Stored(message) => ledger.on_stored(message),
            Fact::Delivered(message) => ledger.on_delivered(message),
            Fact::Applied {
                message,
                cause,
                redelivered,
            } => ledger.on_applied(message, step, cause, redelivered, id),
            Fact::MayBeLost { message, cause } => {
                ledger.note_loss(message, Cause::new(step, cause))
            }
            Fact::WillResend { message, cause } => {
                ledger.note_resend(message, Cause::new(step, cause))
            }
            Fact::WillRedeliver { message, cause } => {
                ledger.note_redeliver(message, Cause::new(step, cause))
            }
            Fact::Redelivered(message) => ledger.on_redelivered(message),
            Fact::DeadLettered { message, rejected } => {
                ledger.on_gone(message, true, rejected, step)
            }
            Fact::Dropped { message, rejected } => ledger.on_gone(message, false, rejected, step),
            Fact::Blocked(message) => ledger.on_blocked(message, step),
            Fact::Refused {
                message,
                after_append,
            } => ledger.on_refused(
                message,
                after_append,
                Cause::new(step, CauseKind::NotEnoughReplicas),
            ),
            other => return Some(other),
        }
        None
    }

    /// Schedules an event `delay_ticks` from now, stamped with its owner's incarnation.
    pub(crate) fn schedule(&mut self, delay_ticks: u64, what: What) {
        let epoch = what
            .owner()
            .map_or(0, |n| self.nodes[self.slot(n)].core.incarnation);
        self.seq += 1;
        self.queue.push(Event {
            tick: self.tick.saturating_add(delay_ticks),
            seq: self.seq,
            epoch,
            what,
        });
    }

    /// Crashes a node: its volatile state is gone, its timers die with its incarnation,
    /// and it restarts after the scenario's downtime if one is set.
    pub(crate) fn crash_node(&mut self, node: NodeId) {
        let slot = self.slot(node);
        let core = &mut self.nodes[slot].core;
        if !core.up {
            return;
        }
        core.up = false;
        core.incarnation = core.incarnation.wrapping_add(1);
        core.crashes += 1;
        core.down_since_tick = Some(self.tick);
        core.restart_at_tick = None;
        self.dispatch(node, Input::Crash);
        self.tell_connection(node, Input::ConnectionClosed(node));
        self.sync_connections();
        if let Some(ticks) = self.scenario.timing.restart_after_ticks {
            let slot = self.slot(node);
            self.nodes[slot].core.restart_at_tick = Some(self.tick.saturating_add(ticks));
            self.schedule(ticks, What::Restart { node });
        }
    }

    fn restart_node(&mut self, node: NodeId) {
        let slot = self.slot(node);
        let core = &mut self.nodes[slot].core;
        core.up = true;
        core.down_since_tick = None;
        core.restart_at_tick = None;
        self.dispatch(node, Input::Recover);
        self.tell_connection(node, Input::ConnectionOpened(node));
        self.sync_connections();
        if node == NodeId::BROKER && self.replication.is_none() {
            // The consumers that are down have no connection to the restarted broker.
            let down: Vec<NodeId> = self
                .scenario
                .topology
                .nodes_in(self.mode)
                .into_iter()
                .filter(|n| n.role() == RoleKind::Consumer && !self.is_up(*n))
                .collect();
            for consumer in down {
                self.dispatch(NodeId::BROKER, Input::ConnectionClosed(consumer));
            }
        }
    }

    /// A consumer's connection to the broker closes when the consumer crashes and opens
    /// again when it restarts; the broker, if up, learns it at once.
    fn tell_connection(&mut self, node: NodeId, input: Input<'_>) {
        let broker = self
            .replication
            .as_ref()
            .map_or(NodeId::BROKER, |r| r.route);
        if node.role() == RoleKind::Consumer
            && self.mode != Mode::Transactional
            && self.is_up(broker)
        {
            self.dispatch(broker, input);
        }
    }

    // ----- network -----

    /// Sends an envelope. Loss is decided now and revealed on arrival; the link is
    /// first-in-first-out unless a reorder fault lets this envelope overtake.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        message: u32,
        tag: u32,
        attempt: u32,
        cause: Option<Cause>,
        txn_kind: u8,
        extra: [u32; 2],
    ) {
        let link = LinkId { from, to };
        let index = self.link_index(link);
        let config = self.links[index].config;
        let mut extra_ticks = 0;
        let mut lost = LossReason::Arrives;
        let mut duplicate_step = None;
        if !self.armed_links.is_empty() {
            let mut i = 0;
            while i < self.armed_links.len() {
                let armed = &mut self.armed_links[i];
                let matches = armed.link == link
                    && armed.kind.is_none_or(|k| k == kind)
                    && armed.message.is_none_or(|m| m == message);
                if !matches {
                    i += 1;
                    continue;
                }
                if armed.skip > 0 {
                    armed.skip -= 1;
                    i += 1;
                    continue;
                }
                let armed = self.armed_links.remove(i);
                match armed.action {
                    LinkFaultAction::Drop => {
                        lost = LossReason::Planned {
                            step: armed.armed_step,
                        }
                    }
                    LinkFaultAction::Duplicate => duplicate_step = Some(armed.armed_step),
                    LinkFaultAction::Delay { ticks } => extra_ticks += ticks,
                }
            }
        }
        if lost == LossReason::Arrives && self.prng.chance(config.loss) {
            lost = LossReason::Random;
        }
        if duplicate_step.is_none() && self.prng.chance(config.duplicate) {
            duplicate_step = Some(self.step_index);
        }
        let reorder = self.prng.chance(config.reorder);
        let latency = self
            .prng
            .in_range(config.latency_ticks_min, config.latency_ticks_max);
        let envelope = Envelope {
            link,
            kind,
            message,
            tag,
            attempt,
            sent_tick: self.tick,
            duplicate: false,
            lost,
            cause,
            txn_kind,
            extra,
        };
        self.put_on_link(envelope, latency + extra_ticks, reorder);
        if let Some(step) = duplicate_step {
            let latency = self
                .prng
                .in_range(config.latency_ticks_min, config.latency_ticks_max);
            let copy = Envelope {
                duplicate: true,
                lost: LossReason::Arrives,
                cause: Some(Cause::new(step, CauseKind::LinkDuplicate)),
                ..envelope
            };
            self.put_on_link(copy, latency + extra_ticks, false);
        }
    }

    fn put_on_link(&mut self, envelope: Envelope, latency: u64, reorder: bool) {
        let index = self.link_index(envelope.link);
        if self.in_flight >= MAX_IN_FLIGHT {
            // The bound is reached: the envelope is dropped at once, visibly, as an
            // overflow drop when it "arrives" one tick later (so it still is a step).
            let envelope = Envelope {
                lost: LossReason::Overflow,
                ..envelope
            };
            self.in_flight += 1;
            self.schedule(1, What::Arrive(envelope));
            return;
        }
        let mut arrive = self.tick.saturating_add(latency);
        if reorder {
            arrive = self
                .tick
                .saturating_add(self.links[index].config.latency_ticks_min);
        } else {
            arrive = arrive.max(self.links[index].last_arrive_tick);
            self.links[index].last_arrive_tick = arrive;
        }
        self.in_flight += 1;
        self.seq += 1;
        self.queue.push(Event {
            tick: arrive,
            seq: self.seq,
            epoch: 0,
            what: What::Arrive(envelope),
        });
    }

    fn arrive(&mut self, envelope: Envelope) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let to = envelope.link.to;
        let partitioned = self.links[self.link_index(envelope.link)].partitioned;
        let down = !self.nodes[self.slot(to)].core.up;
        if envelope.lost != LossReason::Arrives || partitioned || down {
            let (kind, detail, cause_kind) = if partitioned {
                (EventKind::Drop, Detail::Partitioned, CauseKind::Partition)
            } else if let LossReason::Planned { .. } = envelope.lost {
                (
                    EventKind::Drop,
                    Detail::PlannedDrop,
                    drop_cause(envelope.kind),
                )
            } else if envelope.lost == LossReason::Overflow {
                (
                    EventKind::Drop,
                    Detail::Overflow,
                    CauseKind::NetworkOverflow,
                )
            } else if envelope.lost == LossReason::Random {
                (
                    EventKind::Drop,
                    Detail::RandomLoss,
                    drop_cause(envelope.kind),
                )
            } else {
                (
                    EventKind::ArriveWhileDown,
                    Detail::None,
                    CauseKind::ArrivedWhileDown(to),
                )
            };
            let node = if kind == EventKind::Drop {
                envelope.link.from
            } else {
                to
            };
            self.begin(kind, node);
            self.describe_envelope(&envelope);
            self.cur.detail = detail;
            let step = match envelope.lost {
                LossReason::Planned { step } if !partitioned => step,
                _ => self.step_index,
            };
            self.attribute_drop(&envelope, Cause::new(step, cause_kind));
            return;
        }
        self.begin(arrival_kind(envelope.kind, envelope.link.from, to), to);
        self.describe_envelope(&envelope);
        if self.replication.is_some() && envelope.kind == MessageKind::Confirm {
            // The producer is told the write succeeded.
            self.ledger.on_acknowledged(envelope.message);
        }
        if envelope.kind == MessageKind::NotEnoughReplicas {
            self.cur.detail = Detail::Replication(crate::trace::ReplicaDetail::ProducerRefused {
                after_append: envelope.tag == 1,
            });
        }
        self.dispatch(to, Input::Message(&envelope));
    }

    fn describe_envelope(&mut self, envelope: &Envelope) {
        self.cur.link = Some(envelope.link);
        self.cur.peer = Some(if self.cur.node == envelope.link.to {
            envelope.link.from
        } else {
            envelope.link.to
        });
        self.cur.message_kind = Some(envelope.kind);
        self.cur.message = envelope.message;
        self.cur.attempt = envelope.attempt;
        self.cur.duplicate = envelope.duplicate;
        self.cur.txn_kind = envelope.txn_kind;
        self.cur.sent_tick = Some(envelope.sent_tick);
        // The tag is the transaction, except on the queue's own messages outside
        // transactional mode, where it is the broker's log entry.
        if self.mode == Mode::Transactional
            || !matches!(
                envelope.kind,
                MessageKind::Publish
                    | MessageKind::Confirm
                    | MessageKind::Deliver
                    | MessageKind::Ack
            )
        {
            self.cur.txn = envelope.tag;
        }
    }

    /// Remembers what a lost envelope means for its message, for the ledger's
    /// explanations.
    fn attribute_drop(&mut self, envelope: &Envelope, cause: Cause) {
        let message = envelope.message;
        if let Some(group) = self
            .group_of(envelope.link.to)
            .or_else(|| self.group_of(envelope.link.from))
        {
            let ledger = self.group_ledger_mut(group);
            match envelope.kind {
                MessageKind::Deliver => ledger.note_redeliver(message, cause),
                MessageKind::OffsetCommit => {
                    ledger.note_redeliver(message, Cause::new(cause.step, CauseKind::CommitLost))
                }
                _ => {}
            }
            return;
        }
        Sim::note_drop(&mut self.ledger, envelope.kind, message, cause);
        for ledger in &mut self.group_ledgers {
            Sim::note_drop(ledger, envelope.kind, message, cause);
        }
    }

    fn note_drop(ledger: &mut Ledger, kind: MessageKind, message: u32, cause: Cause) {
        match kind {
            MessageKind::Publish => {
                ledger.note_resend(message, cause);
                ledger.note_loss(message, cause);
            }
            MessageKind::Confirm => ledger.note_resend(message, cause),
            MessageKind::Deliver => {
                ledger.note_redeliver(message, cause);
                ledger.note_loss(message, cause);
            }
            MessageKind::Ack => ledger.note_redeliver(message, cause),
            _ => {}
        }
    }

    // ----- commands -----

    fn apply_due_planned_faults(&mut self) {
        while let Some((at, command)) = self.planned.get(self.planned_next as usize).cloned() {
            if at > self.step_index {
                break;
            }
            self.planned_next += 1;
            let (count, error) = match self.apply_command(&command) {
                Ok(count) => (count, None),
                Err(error) => (0, Some(error)),
            };
            self.record_command(CommandNote {
                command,
                planned: true,
                error,
                count,
                between: None,
            });
        }
    }

    /// Applies user input now. A refused command changes nothing and is not recorded.
    /// A command lands on the settled state (see `settle`), so that it meets the same
    /// state when the run is replayed from its link, whatever was left in the queue.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        if self.applied.len() >= MAX_COMMANDS as usize {
            return Err(CommandError::TooManyArmedFaults {
                limit: MAX_COMMANDS,
            });
        }
        check_command(&self.scenario, &command)?;
        if !self.queue.is_empty() {
            self.settle();
        }
        let count = self.apply_command(&command)?;
        self.record_command(CommandNote {
            command: command.clone(),
            planned: false,
            error: None,
            count,
            between: None,
        });
        self.applied.push((self.step_index, command));
        self.sync_ledger();
        Ok(())
    }

    /// The sentence that narrates a command's entry, in `words`.
    fn command_narration(&self, note: &CommandNote, words: &Words) -> String {
        let kafka = self.scenario.kafka.is_some();
        if let Some((a, b)) = note.between {
            let (a, b) = (a.to_string(), b.to_string());
            return if matches!(note.command, Command::Heal { .. }) {
                say!(words, CommandPlannedHealBetween, a = &a, b = &b)
            } else {
                say!(words, CommandPlannedCutBetween, a = &a, b = &b)
            };
        }
        match (&note.error, note.planned) {
            (Some(error), _) => say!(
                words,
                CommandPlannedSkipped,
                error = error.describe_in(words)
            ),
            (None, true) => say!(
                words,
                CommandPlanned,
                text = command_text(words, &note.command, note.count, self.mode, kafka)
            ),
            (None, false) => command_text(words, &note.command, note.count, self.mode, kafka),
        }
    }

    /// The words the trace is narrated in.
    pub fn words(&self) -> &Arc<Words> {
        &self.words
    }

    /// Narrates the run in `words` from now on; the trace recorded so far is told in
    /// them too, since a run tells its entries when they are read. The run, its step,
    /// its ledgers and its trace hash do not change.
    pub fn set_words(&mut self, words: Arc<Words>) {
        self.words = words;
    }

    /// The sentence that says what a trace entry of this run did, in the run's words.
    pub fn tell(&self, event: &TraceEvent) -> String {
        self.tell_in(event, &self.words)
    }

    /// The sentence that says what a trace entry of this run did, in `words`.
    pub fn tell_in(&self, event: &TraceEvent, words: &Words) -> String {
        match &event.facts.command {
            Some(note) => self.command_narration(note, words),
            None => crate::trace::narrate(
                &event.to_record(),
                self.mode,
                &self.scenario.topology,
                words,
            ),
        }
    }

    fn told_one(&self, event: &TraceEvent, words: &Words) -> TraceEvent {
        let mut told = event.clone();
        told.narration = self.tell_in(event, words);
        told
    }

    /// Copies of trace entries of this run with their sentences, in the run's words.
    pub fn told(&self, events: &[TraceEvent]) -> Vec<TraceEvent> {
        self.told_in(events, &self.words)
    }

    /// Copies of trace entries of this run with their sentences, in `words`.
    pub fn told_in(&self, events: &[TraceEvent], words: &Words) -> Vec<TraceEvent> {
        events.iter().map(|e| self.told_one(e, words)).collect()
    }

    fn record_command(&mut self, note: CommandNote) {
        let command = &note.command;
        let node = command_node(command);
        // The hash reads the English sentence, whatever the language of the trace.
        let english_text = self.command_narration(&note, crate::sentences::english());
        self.hash.word(self.step_index);
        self.hash.word(0xC0FF_EE00);
        self.hash.bytes(english_text.as_bytes());
        if self.options.record_trace {
            let record = Record::new(self.step_index, self.tick, EventKind::Command, node);
            let mut event = record.to_event();
            if let Command::CrashAt {
                message: Some(m), ..
            } = command
            {
                event.message = Some(crate::ledger::MessageId(*m));
            }
            event.facts.command = Some(Box::new(note));
            self.push_trace(event);
        }
    }

    /// Applies a command; returns, for a replay of dead letters, how many it moved (else 0).
    fn apply_command(&mut self, command: &Command) -> Result<usize, CommandError> {
        check_command(&self.scenario, command)?;
        Ok(match *command {
            Command::Crash(node) => {
                if !self.nodes[self.slot(node)].core.up {
                    return Err(CommandError::NodeAlreadyDown { node });
                }
                self.cur = Record::new(self.step_index, self.tick, EventKind::Command, node);
                self.crash_node(node);
                0
            }
            Command::Restart(node) => {
                if self.nodes[self.slot(node)].core.up {
                    return Err(CommandError::NodeAlreadyUp { node });
                }
                self.cur = Record::new(self.step_index, self.tick, EventKind::Command, node);
                self.restart_node(node);
                0
            }
            Command::CrashAt {
                point,
                message,
                instance,
            } => {
                self.arm_check()?;
                self.armed_crashes.push(ArmedCrash {
                    point,
                    node: point.node_at(instance),
                    message,
                });
                self.armed_crash_mask |= point.bit();
                0
            }
            Command::DropNext { link, kind } => {
                self.arm_link(link, kind, None, 1, LinkFaultAction::Drop)?;
                0
            }
            Command::DuplicateNext { link } => {
                self.arm_link(link, None, None, 1, LinkFaultAction::Duplicate)?;
                0
            }
            Command::DelayNext { link, ticks } => {
                self.arm_link(link, None, None, 1, LinkFaultAction::Delay { ticks })?;
                0
            }
            Command::DropMatching {
                link,
                kind,
                message,
                nth,
            } => {
                self.arm_link(link, kind, message, nth, LinkFaultAction::Drop)?;
                0
            }
            Command::DuplicateMatching {
                link,
                kind,
                message,
                nth,
            } => {
                self.arm_link(link, kind, message, nth, LinkFaultAction::Duplicate)?;
                0
            }
            Command::DelayMatching {
                link,
                kind,
                message,
                nth,
                ticks,
            } => {
                self.arm_link(link, kind, message, nth, LinkFaultAction::Delay { ticks })?;
                0
            }
            Command::Partition { link } => {
                let index = self.link_index(link);
                let state = &mut self.links[index];
                if state.partitioned {
                    return Err(CommandError::AlreadyPartitioned { link });
                }
                state.partitioned = true;
                state.partitioned_since_step = self.step_index;
                // A replicated queue: the controller and the replicas notice the cut.
                self.sync_connections();
                0
            }
            Command::Heal { link } => {
                let index = self.link_index(link);
                let state = &mut self.links[index];
                if !state.partitioned {
                    return Err(CommandError::NotPartitioned { link });
                }
                state.partitioned = false;
                self.sync_connections();
                0
            }
            Command::SetLoss(ratio) => {
                for link in self.faulty_links() {
                    let index = self.link_index(link);
                    self.links[index].config.loss = ratio;
                }
                0
            }
            Command::SetDuplicate(ratio) => {
                for link in self.faulty_links() {
                    let index = self.link_index(link);
                    self.links[index].config.duplicate = ratio;
                }
                0
            }
            Command::SetReorder(ratio) => {
                for link in self.faulty_links() {
                    let index = self.link_index(link);
                    self.links[index].config.reorder = ratio;
                }
                0
            }
            Command::SetCrashRate(ratio) => {
                self.random_crash = ratio;
                0
            }
            Command::ReplayDeadLetters => {
                let broker = NodeId::BROKER;
                let slot = self.slot(broker);
                if !self.nodes[slot].core.up {
                    return Err(CommandError::BrokerDown);
                }
                let count = match &self.nodes[slot].role {
                    Role::Broker(b) => b.disk.dead_letters.len(),
                    _ => 0,
                };
                if count == 0 {
                    return Err(CommandError::NothingToReplay);
                }
                self.cur = Record::new(self.step_index, self.tick, EventKind::Command, broker);
                self.dispatch(broker, Input::ReplayDeadLetters);
                count
            }
        })
    }

    /// The links that random loss, duplication and reordering apply to: every link,
    /// but a Kafka consumer's reliable connection to the broker.
    fn faulty_links(&self) -> Vec<LinkId> {
        let mut links = self.scenario.topology.links(self.mode);
        if self.scenario.kafka.is_some() {
            links.retain(|l| {
                l.from.role() != RoleKind::Consumer && l.to.role() != RoleKind::Consumer
            });
        }
        links
    }

    fn arm_check(&self) -> Result<(), CommandError> {
        if self.armed_crashes.len() + self.armed_links.len() >= MAX_ARMED_FAULTS as usize {
            return Err(CommandError::TooManyArmedFaults {
                limit: MAX_ARMED_FAULTS,
            });
        }
        Ok(())
    }

    fn arm_link(
        &mut self,
        link: LinkId,
        kind: Option<MessageKind>,
        message: Option<u32>,
        nth: u32,
        action: LinkFaultAction,
    ) -> Result<(), CommandError> {
        self.arm_check()?;
        self.armed_links.push(ArmedLinkFault {
            link,
            kind,
            message,
            skip: nth.saturating_sub(1),
            action,
            armed_step: self.step_index,
        });
        Ok(())
    }
}

/// "the next ack about m2", "the 3rd deliver".
fn matching_text(
    words: &Words,
    kind: Option<MessageKind>,
    message: Option<u32>,
    nth: u32,
) -> String {
    let kind = kind.map_or("message", |k| k.as_str());
    let about = message.map_or_else(String::new, |m| {
        say!(words, CommandAbout, msg = format!("m{m}"))
    });
    if nth == 1 {
        say!(words, CommandTheNext, kind = kind, about = about)
    } else {
        say!(words, CommandTheNth, nth = nth, kind = kind, about = about)
    }
}

/// The sentence that narrates a command (without "Planned fault: ").
fn command_text(words: &Words, command: &Command, count: usize, mode: Mode, kafka: bool) -> String {
    let w = words;
    match *command {
        Command::Crash(node) => say!(w, CommandCrash, node = crate::speech::the(w, node)),
        Command::Restart(node) => say!(w, CommandRestart, node = crate::speech::the(w, node)),
        Command::CrashAt {
            point,
            message,
            instance,
        } => {
            let name = point.name_at(instance);
            let describe = if kafka {
                point.describe_with_groups_words(mode, w)
            } else {
                point.describe_in_words(mode, w)
            };
            match message {
                Some(m) => say!(
                    w,
                    CommandBreakpoint,
                    name = &name,
                    msg = format!("m{m}"),
                    describe = describe
                ),
                None => say!(w, CommandBreakpointNext, name = &name, describe = describe),
            }
        }
        Command::DropNext { link, kind } => say!(
            w,
            CommandDropNext,
            kind = kind.map_or("message", |k| k.as_str()),
            link = link.to_string()
        ),
        Command::DuplicateNext { link } => say!(w, CommandDuplicateNext, link = link.to_string()),
        Command::DelayNext { link, ticks } => {
            say!(w, CommandDelayNext, link = link.to_string(), ticks = ticks)
        }
        Command::DropMatching {
            link,
            kind,
            message,
            nth,
        } => say!(
            w,
            CommandDropMatching,
            what = matching_text(w, kind, message, nth),
            link = link.to_string()
        ),
        Command::DuplicateMatching {
            link,
            kind,
            message,
            nth,
        } => say!(
            w,
            CommandDuplicateMatching,
            what = matching_text(w, kind, message, nth),
            link = link.to_string()
        ),
        Command::DelayMatching {
            link,
            kind,
            message,
            nth,
            ticks,
        } => say!(
            w,
            CommandDelayMatching,
            what = matching_text(w, kind, message, nth),
            link = link.to_string(),
            ticks = ticks
        ),
        Command::Partition { link } => say!(w, CommandPartition, link = link.to_string()),
        Command::Heal { link } => say!(w, CommandHeal, link = link.to_string()),
        Command::SetLoss(ratio) => say!(w, CommandSetLoss, ratio = ratio.to_string()),
        Command::SetDuplicate(ratio) => say!(w, CommandSetDuplicate, ratio = ratio.to_string()),
        Command::SetReorder(ratio) => say!(w, CommandSetReorder, ratio = ratio.to_string()),
        Command::SetCrashRate(ratio) => say!(w, CommandSetCrashRate, ratio = ratio.to_string()),
        Command::ReplayDeadLetters => say!(w, CommandReplayDeadLetters, count = count),
    }
}

/// The kind of step a message's arrival at `to` is.
fn arrival_kind(kind: MessageKind, from: NodeId, to: NodeId) -> EventKind {
    match kind {
        // A Kafka consumer's fetch: the broker hands out the record.
        MessageKind::Fetch if from.role() == RoleKind::Consumer => EventKind::Deliver,
        MessageKind::JoinGroup | MessageKind::Assignment | MessageKind::Rebalance => {
            EventKind::Rebalance
        }
        MessageKind::OffsetCommit | MessageKind::CommitResponse => EventKind::OffsetCommit,
        // The application starts its work in the transaction at once: the producer
        // publishes, the broker delivers.
        MessageKind::Begin if to.role() == RoleKind::Producer => EventKind::Publish,
        MessageKind::Begin => EventKind::Deliver,
        MessageKind::WorkDone => EventKind::WorkDone,
        MessageKind::Reject | MessageKind::Nack => EventKind::Reject,
        MessageKind::Publish => EventKind::Append,
        MessageKind::Confirm => EventKind::Confirm,
        MessageKind::Deliver => EventKind::Receive,
        MessageKind::Ack => EventKind::Ack,
        MessageKind::Prepare => EventKind::Prepare,
        MessageKind::Commit | MessageKind::Abort => EventKind::Decision,
        MessageKind::VoteYes | MessageKind::VoteNo => EventKind::Vote,
        MessageKind::Committed => EventKind::Committed,
        MessageKind::Query => EventKind::QueryAnswer,
        MessageKind::Fetch
        | MessageKind::FetchResponse
        | MessageKind::EpochQuery
        | MessageKind::EpochAnswer => EventKind::Replicate,
        MessageKind::LeaderAndIsr | MessageKind::AlterIsr => EventKind::Election,
        MessageKind::NotEnoughReplicas => EventKind::Confirm,
    }
}

fn drop_cause(kind: MessageKind) -> CauseKind {
    match kind {
        MessageKind::Publish => CauseKind::PublishLost,
        MessageKind::Confirm => CauseKind::ConfirmLost,
        MessageKind::Deliver => CauseKind::DeliveryLost,
        MessageKind::Ack => CauseKind::AckLost,
        _ => CauseKind::Partition,
    }
}

fn command_node(command: &Command) -> NodeId {
    match command {
        Command::Crash(node) | Command::Restart(node) => *node,
        Command::CrashAt {
            point, instance, ..
        } => point.node_at(*instance),
        Command::DropNext { link, .. }
        | Command::DuplicateNext { link }
        | Command::DelayNext { link, .. }
        | Command::DropMatching { link, .. }
        | Command::DuplicateMatching { link, .. }
        | Command::DelayMatching { link, .. }
        | Command::Partition { link }
        | Command::Heal { link } => link.from,
        Command::SetLoss(_)
        | Command::SetDuplicate(_)
        | Command::SetReorder(_)
        | Command::SetCrashRate(_)
        | Command::ReplayDeadLetters => NodeId::BROKER,
    }
}
