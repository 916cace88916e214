//! Read-only views for drawing: what each node has on disk and in memory, what is on
//! the links, and the coordinator panel. A snapshot never reveals the future (whether
//! an envelope in flight will be lost).

use crate::speech::say;
use mqlab_text::narration::Key;
use mqlab_text::Words;
use serde::{Deserialize, Serialize};

use crate::actor::controller::Controller;
use crate::actor::coordinator::{ActivePhase, CONSUME, PUBLISH};
use crate::actor::participant::lock_name;
use crate::actor::replica::{bit, Replica};
use crate::actor::Role;
use crate::consumers_view::{DeadLetterView, GroupsView, QueueView};
use crate::event_queue::What;
use crate::ledger::{MessageId, Summary};
use crate::limits::{SNAPSHOT_LINES, SNAPSHOT_LOG_RECORDS};
use crate::mode::Mode;
use crate::network::{LinkId, MessageKind};
use crate::node::NodeId;
use crate::node::RoleKind;
use crate::sim::Sim;
use crate::trace::{Detail, ReplicaDetail};

/// One node as drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    /// The node.
    pub id: NodeId,
    /// Its display name.
    pub label: String,
    /// False while crashed.
    pub up: bool,
    /// When it went down.
    pub down_since_tick: Option<u64>,
    /// When it will restart by itself, if it will.
    pub restart_at_tick: Option<u64>,
    /// How many times it crashed.
    pub crashes: u32,
    /// Its disk log, most recent last (at most `SNAPSHOT_LINES`).
    pub durable: Vec<String>,
    /// How many older disk lines are not shown.
    pub durable_hidden: u64,
    /// Its memory (empty while down: a crash loses it).
    pub volatile: Vec<String>,
}

/// An envelope on a link, for animating a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The link.
    pub link: LinkId,
    /// What it is.
    pub kind: MessageKind,
    /// The message it is about, if any.
    pub message: Option<MessageId>,
    /// The transaction it belongs to, if any.
    pub txn: Option<u32>,
    /// When it was sent.
    pub sent_tick: u64,
    /// When it reaches the other end (or vanishes there).
    pub arrive_tick: u64,
    /// True for the extra copy of a network duplicate.
    pub duplicate: bool,
    /// The publish or delivery attempt (1 = first).
    pub attempt: u32,
}

pub use crate::ledger::TxnKind;

/// The coordinator's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinatorPhase {
    /// Between transactions.
    Idle,
    /// A transaction is begun; its work (publishes, or deliveries and acks) is under
    /// way.
    Working,
    /// Prepares sent, collecting votes.
    Preparing,
    /// COMMIT logged, waiting for every participant to confirm it committed.
    Committing,
    /// Every message went through.
    Done,
    /// Crashed.
    Down,
}

/// A participant's state in its current or latest transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantState {
    /// Not in a transaction (doing ordinary work).
    Working,
    /// Voted yes; waiting for the decision, holding its locks.
    Prepared,
    /// Prepared, and the decision is overdue or the coordinator is down: blocked.
    InDoubt,
    /// Committed its latest transaction.
    Committed,
    /// Aborted its latest transaction.
    Aborted,
}

/// One participant in the coordinator panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    /// The node hosting it.
    pub node: NodeId,
    /// Its name ("producer DB", "broker", "consumer DB").
    pub name: String,
    /// Whether its node is up.
    pub up: bool,
    /// The transaction it is in (or was last in).
    pub txn: Option<u32>,
    /// Its vote in that transaction, if it voted.
    pub vote: Option<bool>,
    /// Its state.
    pub state: ParticipantState,
    /// Since when it has been prepared without a decision.
    pub in_doubt_since_tick: Option<u64>,
    /// The locks it holds.
    pub locks_held: Vec<String>,
}

/// The transaction the coordinator is running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionView {
    /// Its id (t1, t2…).
    pub txn: u32,
    /// What it does.
    pub kind: TxnKind,
    /// The message it moves.
    pub message: MessageId,
    /// The two participants and their votes so far.
    pub votes: Vec<(NodeId, Option<bool>)>,
    /// The participants that confirmed they committed.
    pub committed: Vec<NodeId>,
}

/// The coordinator panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorView {
    /// Whether the coordinator is up.
    pub up: bool,
    /// Its phase.
    pub phase: CoordinatorPhase,
    /// The current transaction.
    pub transaction: Option<TransactionView>,
    /// The last finished transaction and whether it committed.
    pub last_outcome: Option<(u32, bool)>,
    /// Every participant.
    pub participants: Vec<ParticipantView>,
    /// The coordinator's durable log.
    pub decision_log: Vec<String>,
}

/// One replica of a replicated queue, as drawn: its log and its marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaView {
    /// The broker node that holds it.
    pub node: NodeId,
    /// False while crashed.
    pub up: bool,
    /// The offset of the first record in `records` (older ones are left out).
    pub first_offset: u32,
    /// The latest records of its log, at most `SNAPSHOT_LOG_RECORDS`, in offset
    /// order: the message and the leader epoch in which it was appended. The log is on
    /// disk and survives a crash.
    pub records: Vec<(MessageId, u32)>,
    /// The log end offset: where the next record goes.
    pub log_end: u32,
    /// The high watermark it knows now (memory: a follower learns it one fetch after
    /// the leader; zero while down).
    pub high_watermark: u32,
    /// The high watermark as last written to disk, which it returns with after a crash.
    pub high_watermark_on_disk: u32,
    /// The leader epoch it was last told (memory).
    pub epoch: u32,
    /// It leads the partition (the controller elected it).
    pub leader: bool,
    /// It is in the controller's in-sync set.
    pub in_sync: bool,
}

/// A replicated queue (several brokers): the partition as the controller keeps it,
/// and each replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationView {
    /// The leader the controller elected (none: the partition has no leader).
    pub leader: Option<NodeId>,
    /// The current leader epoch.
    pub epoch: u32,
    /// The in-sync set, in broker order.
    pub in_sync: Vec<NodeId>,
    /// The replicas, in broker order.
    pub replicas: Vec<ReplicaView>,
}

/// Why a write the leader holds is not yet below its high watermark, so consumers
/// cannot read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HiddenReason {
    /// The in-sync set is smaller than `min.insync.replicas`, so the high watermark
    /// does not advance (Kafka 3.7 and later).
    TooFewInSync {
        /// Members of the in-sync set.
        in_sync: u16,
        /// `min.insync.replicas`.
        min_insync_replicas: u16,
    },
    /// These in-sync followers have not yet told the leader (by their next fetch) that
    /// they hold it.
    NotYetFetched {
        /// The followers.
        by: Vec<NodeId>,
    },
    /// Every in-sync follower has it, and the leader has not yet moved its high
    /// watermark: it was just elected and has not yet heard so from the controller.
    LeaderNotYetTold,
}

/// A write that is in the leader's log but not yet below its high watermark: written,
/// hidden from consumers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenWrite {
    /// The message.
    pub message: MessageId,
    /// Its offset in the leader's log.
    pub offset: u32,
    /// The leader's high watermark.
    pub high_watermark: u32,
    /// The step at which the leader appended it, when the trace shows it.
    pub appended_step: Option<u64>,
    /// Why it is not yet visible.
    pub reason: HiddenReason,
}

/// Everything the page draws for one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Steps taken.
    pub step: u64,
    /// The current tick.
    pub tick: u64,
    /// The mode.
    pub mode: Mode,
    /// True when nothing is left to happen.
    pub quiet: bool,
    /// The nodes present in this mode.
    pub nodes: Vec<NodeView>,
    /// Envelopes on the links, earliest arrival first.
    pub in_flight: Vec<InFlight>,
    /// The coordinator panel (transactional mode only).
    pub coordinator: Option<CoordinatorView>,
    /// Partitioned links.
    pub partitions: Vec<LinkId>,
    /// Armed breakpoints, as "point for mK".
    pub breakpoints: Vec<String>,
    /// The ledger's counters.
    pub summary: Summary,
    /// The replicated queue (several brokers only).
    pub replication: Option<ReplicationView>,
    /// Kafka style: the topic's partitions and the consumer groups.
    #[serde(default)]
    pub groups: Option<GroupsView>,
    /// RabbitMQ style with one broker: the queue and each consumer's unacked
    /// deliveries.
    #[serde(default)]
    pub queue: Option<QueueView>,
    /// The dead-letter queue or topic, when the scenario has one.
    #[serde(default)]
    pub dead_letters: Option<DeadLetterView>,
}

/// At most this many hidden writes are listed.
const HIDDEN_WRITES: usize = 64;

fn tail(lines: Vec<String>) -> (Vec<String>, u64) {
    let limit = SNAPSHOT_LINES as usize;
    if lines.len() <= limit {
        return (lines, 0);
    }
    let hidden = (lines.len() - limit) as u64;
    (lines[lines.len() - limit..].to_vec(), hidden)
}

impl Sim {
    /// The view of this moment.
    pub fn snapshot(&self) -> Snapshot {
        let nodes = self
            .scenario
            .topology
            .nodes_in(self.mode)
            .into_iter()
            .map(|node| self.node_view(node))
            .collect();
        let topology = &self.scenario.topology;
        let partitions = topology
            .links(self.mode)
            .into_iter()
            .chain(topology.replication_links(self.mode))
            .filter(|link| self.links[self.link_index(*link)].partitioned)
            .collect();
        let w: &Words = &self.words;
        let breakpoints = self
            .armed_crashes
            .iter()
            .map(|armed| {
                let name = armed.point.name_at(armed.node.instance());
                match armed.message {
                    Some(m) => say!(w, SnapshotBreakpoint, name = &name, msg = format!("m{m}")),
                    None => say!(w, SnapshotBreakpointAny, name = &name),
                }
            })
            .collect();
        Snapshot {
            step: self.step_index,
            tick: self.tick,
            mode: self.mode,
            quiet: self.is_quiet(),
            nodes,
            in_flight: self.in_flight_view(),
            coordinator: (self.mode == Mode::Transactional).then(|| self.coordinator_view()),
            partitions,
            breakpoints,
            summary: self.ledger.summary(),
            replication: self.replication_view(),
            groups: self.groups_view(),
            queue: (self.mode != Mode::Transactional)
                .then(|| self.queue_view())
                .flatten(),
            dead_letters: (self.mode != Mode::Transactional)
                .then(|| self.dead_letter_view())
                .flatten(),
        }
    }

    /// The envelopes on the links, earliest arrival first (the snapshot's `in_flight`,
    /// without the rest of it).
    pub fn in_flight_view(&self) -> Vec<InFlight> {
        let mut in_flight: Vec<(u64, u64, InFlight)> = self
            .queue
            .iter()
            .filter_map(|event| match event.what {
                What::Arrive(envelope) => Some((
                    event.tick,
                    event.seq,
                    InFlight {
                        link: envelope.link,
                        kind: envelope.kind,
                        message: (envelope.message > 0).then_some(MessageId(envelope.message)),
                        txn: (!matches!(
                            envelope.kind,
                            MessageKind::Publish
                                | MessageKind::Confirm
                                | MessageKind::Deliver
                                | MessageKind::Ack
                        ))
                        .then_some(envelope.tag),
                        sent_tick: envelope.sent_tick,
                        arrive_tick: event.tick,
                        duplicate: envelope.duplicate,
                        attempt: envelope.attempt,
                    },
                )),
                _ => None,
            })
            .collect();
        // Each event has its own sequence number: no two keys are equal.
        in_flight.sort_unstable_by_key(|(tick, seq, _)| (*tick, *seq));
        in_flight.into_iter().map(|(_, _, f)| f).collect()
    }

    fn replica(&self, node: NodeId) -> Option<&Replica> {
        match &self.nodes[self.slot(node)].role {
            Role::Replica(replica) => Some(replica),
            _ => None,
        }
    }

    fn controller(&self) -> Option<&Controller> {
        if !self.scenario.topology.replicated() {
            return None;
        }
        match &self.nodes[self.slot(NodeId::CONTROLLER)].role {
            Role::Controller(controller) => Some(controller),
            _ => None,
        }
    }

    fn brokers(&self) -> impl Iterator<Item = NodeId> {
        (0..self.scenario.topology.brokers).map(|i| NodeId::new(RoleKind::Broker, i as u8))
    }

    /// The replicated queue as drawn (several brokers only).
    pub fn replication_view(&self) -> Option<ReplicationView> {
        let controller = self.controller()?;
        let replicas = self
            .brokers()
            .filter_map(|node| {
                let replica = self.replica(node)?;
                let log = &replica.disk.log;
                let first = log.len().saturating_sub(SNAPSHOT_LOG_RECORDS);
                let up = self.is_up(node);
                Some(ReplicaView {
                    node,
                    up,
                    first_offset: first as u32,
                    records: log[first..]
                        .iter()
                        .map(|r| (MessageId(r.message), r.epoch))
                        .collect(),
                    log_end: replica.log_end(),
                    high_watermark: if up { replica.memory.high_watermark } else { 0 },
                    high_watermark_on_disk: replica.disk.high_watermark,
                    epoch: if up { replica.memory.epoch } else { 0 },
                    leader: controller.leader == Some(node),
                    in_sync: controller.isr & bit(node) != 0,
                })
            })
            .collect();
        Some(ReplicationView {
            leader: controller.leader,
            epoch: controller.epoch,
            in_sync: self
                .brokers()
                .filter(|node| controller.isr & bit(*node) != 0)
                .collect(),
            replicas,
        })
    }

    /// The writes in the leader's log that are not yet below its high watermark, with
    /// why (a replicated queue only; the first `HIDDEN_WRITES`). Reads the trace for
    /// the step of each append, so the page asks for it with the ledger, not on every
    /// frame.
    pub fn hidden_writes(&self) -> Vec<HiddenWrite> {
        let Some(controller) = self.controller() else {
            return Vec::new();
        };
        let Some(leader) = controller.leader.filter(|l| self.is_up(*l)) else {
            return Vec::new();
        };
        let Some(replica) = self.replica(leader) else {
            return Vec::new();
        };
        let high_watermark = replica.memory.high_watermark;
        let min_insync_replicas = self.scenario.replication.min_insync_replicas;
        let log = &replica.disk.log;
        log.iter()
            .enumerate()
            .skip(high_watermark as usize)
            .take(HIDDEN_WRITES)
            .map(|(offset, record)| {
                let offset = offset as u32;
                let reason = match replica.lacking(leader, offset, min_insync_replicas) {
                    Err(in_sync) => HiddenReason::TooFewInSync {
                        in_sync,
                        min_insync_replicas,
                    },
                    Ok(by) if by.is_empty() => HiddenReason::LeaderNotYetTold,
                    Ok(by) => HiddenReason::NotYetFetched { by },
                };
                HiddenWrite {
                    message: MessageId(record.message),
                    offset,
                    high_watermark,
                    appended_step: self.trace().iter().rev().find_map(|e| {
                        let appended = matches!(e.detail,
                            Detail::Replication(ReplicaDetail::LeaderAppended { offset: o }) if o == offset);
                        (appended && e.node == leader).then_some(e.step)
                    }),
                    reason,
                }
            })
            .collect()
    }

    fn node_view(&self, node: NodeId) -> NodeView {
        let core = &self.nodes[self.slot(node)].core;
        let log = &self.nodes[self.slot(node)].log;
        let start = log.records.len().saturating_sub(SNAPSHOT_LINES as usize);
        let w: &Words = &self.words;
        let mut durable: Vec<String> = log.records[start..].iter().map(|r| r.line(w)).collect();
        match &self.nodes[self.slot(node)].role {
            Role::Replica(replica) => {
                let mut lines = replica.disk_lines(w);
                lines.append(&mut durable);
                durable = lines;
            }
            Role::Controller(controller) => {
                durable = controller.disk_lines(self.scenario.topology.brokers, w)
            }
            Role::Topic(topic) => {
                // The partitions and the groups' committed offsets, then the writes.
                let mut lines = topic.partition_lines(w);
                lines.append(&mut durable);
                durable = lines;
            }
            _ => {}
        }
        let durable_hidden = start as u64 + log.omitted;
        let volatile = if !core.up {
            Vec::new()
        } else if self.mode == Mode::Transactional {
            self.transactional_memory(node)
        } else {
            match &self.nodes[self.slot(node)].role {
                Role::Producer(producer) => producer.memory_lines(self.mode, w),
                Role::Broker(broker) => broker.memory_lines(w),
                Role::Consumer(consumer) => consumer.memory_lines(w),
                Role::Replica(replica) => replica.memory_lines(w),
                Role::Topic(topic) => topic.memory_lines(w),
                Role::Member(member) => member.memory_lines(w),
                Role::Coordinator(_) | Role::Controller(_) => Vec::new(),
            }
        };
        let (volatile, _) = tail(volatile);
        NodeView {
            id: node,
            label: node.label().to_string(),
            up: core.up,
            down_since_tick: core.down_since_tick,
            restart_at_tick: core.restart_at_tick,
            crashes: core.crashes,
            durable,
            durable_hidden,
            volatile,
        }
    }

    fn transactional_memory(&self, node: NodeId) -> Vec<String> {
        let w: &Words = &self.words;
        let vote_word = |vote: Option<bool>, none: Key| {
            w.get(match vote {
                Some(true) => Key::VoteYes,
                Some(false) => Key::VoteNo,
                None => none,
            })
        };
        if node == NodeId::COORDINATOR {
            return self
                .coordinator()
                .memory
                .active
                .iter()
                .map(|active| {
                    if active.phase == ActivePhase::Working {
                        return say!(w, SnapshotWorkUnderWay, t = active.info.txn);
                    }
                    let votes: Vec<String> = self
                        .scenario
                        .topology
                        .participants(active.info.kind, active.info.message)
                        .iter()
                        .zip(active.votes)
                        .map(|(p, v)| {
                            say!(
                                w,
                                SnapshotVote,
                                participant = p.participant_label().as_str(),
                                vote = vote_word(v, Key::SnapshotVoteUnknown)
                            )
                        })
                        .collect();
                    say!(
                        w,
                        SnapshotVotes,
                        t = active.info.txn,
                        votes = votes.join(w.get(Key::CompareListSeparator))
                    )
                })
                .collect();
        }
        let participant = &self.nodes[self.slot(node)].participant;
        let mut lines = match participant.memory.last_seen {
            Some((info, vote)) => {
                let msg = format!("m{}", info.message);
                let what = if info.kind == PUBLISH {
                    say!(w, TxnPublish, t = info.txn, msg = &msg)
                } else {
                    say!(w, TxnConsume, t = info.txn, msg = &msg)
                };
                // Once the decision for the transaction arrived, memory says how it
                // ended rather than still reading as work in progress.
                let ended = participant
                    .disk
                    .outcomes
                    .last()
                    .filter(|(txn, _)| *txn == info.txn && participant.disk.prepared.is_empty())
                    .map(|(_, committed)| *committed);
                vec![match ended {
                    Some(true) => say!(w, SnapshotCommitted, what = &what),
                    Some(false) => say!(w, SnapshotAborted, what = &what),
                    None => say!(
                        w,
                        SnapshotWorking,
                        what = &what,
                        vote = vote_word(vote, Key::SnapshotVoteNotYet)
                    ),
                }]
            }
            None => Vec::new(),
        };
        let role = &self.nodes[self.slot(node)].role;
        for work in role.works().into_iter().flat_map(|works| works.iter()) {
            let done: Vec<String> = work.done().map(|m| format!("m{m}")).collect();
            let done = if done.is_empty() {
                w.get(Key::SnapshotNoneYet).to_string()
            } else {
                done.join(" ")
            };
            let state = match (node.role(), work.kind == PUBLISH) {
                (RoleKind::Producer, _) => say!(w, SnapshotProducerWork, done = &done),
                (RoleKind::Broker, true) => say!(w, SnapshotBrokerHolds, done = &done),
                (RoleKind::Broker, false) => say!(w, SnapshotBrokerDelivered, done = &done),
                _ => say!(w, SnapshotConsumerApplied, done = &done),
            };
            let msg = format!("m{}", work.first);
            let what = if work.kind == PUBLISH {
                say!(w, TxnPublish, t = work.txn, msg = &msg)
            } else {
                say!(w, TxnConsume, t = work.txn, msg = &msg)
            };
            lines.push(say!(w, SnapshotWork, what = what, state = state));
        }
        if let (Role::Broker(broker), true) = (role, self.scenario.transforms()) {
            // The second queue that consume-transform-produce writes to.
            lines.push(broker.output_queue_line(w).unwrap_or_else(|| {
                w.get(mqlab_text::cards::Key::BrokerOutputQueueEmpty)
                    .to_string()
            }));
        }
        lines
    }

    fn coordinator_view(&self) -> CoordinatorView {
        let up = self.nodes[self.slot(NodeId::COORDINATOR)].core.up;
        let c = self.coordinator();
        let phase = if !up {
            CoordinatorPhase::Down
        } else {
            // The panel tells the story of the oldest transaction in progress.
            match c.memory.active.first() {
                Some(a) if a.phase == ActivePhase::Working => CoordinatorPhase::Working,
                Some(a) if a.phase == ActivePhase::Preparing => CoordinatorPhase::Preparing,
                Some(_) => CoordinatorPhase::Committing,
                None if c.all_consumed(self.messages) => CoordinatorPhase::Done,
                None => CoordinatorPhase::Idle,
            }
        };
        let transaction = c.memory.active.first().map(|a| {
            let parts = self
                .scenario
                .topology
                .participants(a.info.kind, a.info.message);
            TransactionView {
                txn: a.info.txn,
                kind: if a.info.kind == CONSUME {
                    TxnKind::Consume
                } else {
                    TxnKind::Publish
                },
                message: MessageId(a.info.message),
                votes: parts.iter().copied().zip(a.votes).collect(),
                committed: parts
                    .iter()
                    .zip(a.committed)
                    .filter(|(_, done)| *done)
                    .map(|(p, _)| *p)
                    .collect(),
            }
        });
        let participants = self
            .scenario
            .topology
            .all_nodes()
            .into_iter()
            .filter(|node| {
                node.role() != RoleKind::Coordinator
                    && !(node.role() == RoleKind::Broker && *node != NodeId::BROKER)
            })
            .map(|node| {
                let p = &self.nodes[self.slot(node)].participant;
                let node_up = self.nodes[self.slot(node)].core.up;
                let oldest = p.disk.prepared.first();
                let state = match oldest {
                    Some(prepared) => {
                        let overdue = self.tick.saturating_sub(prepared.since_tick)
                            >= self.scenario.transaction.in_doubt_query_ticks;
                        if !up || overdue || !node_up {
                            ParticipantState::InDoubt
                        } else {
                            ParticipantState::Prepared
                        }
                    }
                    None => match p.disk.outcomes.last() {
                        Some((txn, committed))
                            if p.memory.last_seen.is_some_and(|(info, _)| info.txn == *txn) =>
                        {
                            if *committed {
                                ParticipantState::Committed
                            } else {
                                ParticipantState::Aborted
                            }
                        }
                        _ => ParticipantState::Working,
                    },
                };
                let (txn, vote) = match (oldest, p.memory.last_seen) {
                    (Some(prepared), _) => (Some(prepared.info.txn), Some(true)),
                    (None, Some((info, vote))) => (Some(info.txn), vote),
                    (None, None) => (None, None),
                };
                ParticipantView {
                    node,
                    name: node.participant_label().to_string(),
                    up: node_up,
                    txn,
                    vote,
                    state,
                    in_doubt_since_tick: oldest.map(|x| x.since_tick),
                    locks_held: p
                        .disk
                        .prepared
                        .iter()
                        .map(|x| {
                            lock_name(
                                node,
                                x.info,
                                self.scenario.group_of(x.info.message).1.max(x.info.message),
                                self.scenario.transforms(),
                                &self.words,
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        let log = &self.nodes[self.slot(NodeId::COORDINATOR)].log;
        let start = log.records.len().saturating_sub(SNAPSHOT_LINES as usize);
        CoordinatorView {
            up,
            phase,
            transaction,
            last_outcome: c
                .disk
                .last_outcome
                .map(|(info, committed)| (info.txn, committed)),
            participants,
            decision_log: log.records[start..]
                .iter()
                .map(|r| r.line(&self.words))
                .collect(),
        }
    }
}
