//! Read-only views of the consuming side when several consumers share the work: Kafka's
//! partitions with each group's committed offsets and members, RabbitMQ's queue with
//! each consumer's unacknowledged deliveries, and the dead letters. Like the rest of a
//! snapshot they never reveal the future.
//!
//! The consumer lag of a group on a partition is Kafka's: the partition's end offset
//! less the group's committed offset (what `kafka-consumer-groups.sh --describe` shows).
//! The run keeps its history ([`LagHistory`]) beside the trace.

use serde::{Deserialize, Serialize};

use crate::actor::member::Member;
use crate::actor::topic::Topic;
use crate::actor::Role;
use crate::disk::DiskRecord;
use crate::lag::LagHistory;
use crate::ledger::MessageId;
use crate::limits::SNAPSHOT_LOG_RECORDS;
use crate::node::{NodeId, RoleKind};
use crate::sim::Sim;

/// One partition of the topic, as drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionView {
    /// The partition, from 0.
    pub partition: u16,
    /// The offset of the first record in `records` (older ones are left out).
    pub first_offset: u32,
    /// Its latest records (at most `SNAPSHOT_LOG_RECORDS`), in offset order.
    pub records: Vec<MessageId>,
    /// The log end offset: where the next record goes.
    pub end_offset: u32,
    /// Per group, the committed offset: the next record the group will process.
    pub committed: Vec<u32>,
}

impl PartitionView {
    /// The lag of a group on this partition: records not yet committed past.
    pub fn lag(&self, group: usize) -> u32 {
        self.end_offset
            .saturating_sub(self.committed.get(group).copied().unwrap_or(0))
    }
}

/// What a member of a group is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    /// Crashed: its heartbeats stopped, and the coordinator still counts it in the group
    /// until its session times out.
    Silent,
    /// Crashed, and declared dead: its session timed out and it left the group.
    Gone,
    /// Up, joining the group or waiting for its place in a new generation.
    Joining,
    /// Up, in the group with no partition: more members than partitions.
    Idle,
    /// Up, owning partitions.
    Owning,
}

/// A partition a member owns, and where it is in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// The partition.
    pub partition: u16,
    /// The offset of the next record it will process (none until its first fetch from
    /// the committed offset is answered).
    pub position: Option<u32>,
    /// It stopped at a poison record: the partition is blocked.
    pub paused: bool,
}

/// One member of a consumer group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// The consumer node.
    pub node: NodeId,
    /// Its group, from 0.
    pub group: u16,
    /// What it is doing.
    pub state: MemberState,
    /// The generation of its assignment (0: none yet).
    pub generation: u32,
    /// Its partitions (the range assignor's, in its generation).
    pub owned: Vec<Owned>,
}

/// One consumer group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// The group, from 0.
    pub group: u16,
    /// The coordinator's generation.
    pub generation: u32,
    /// A rebalance is under way.
    pub rebalancing: bool,
    /// The broker is down: the coordinator is gone with it.
    pub coordinator_down: bool,
    /// Its members, in consumer order.
    pub members: Vec<MemberView>,
}

/// Kafka style: the topic's partitions and the consumer groups reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsView {
    /// The partitions, in order.
    pub partitions: Vec<PartitionView>,
    /// The groups, in order.
    pub groups: Vec<GroupView>,
}

/// A delivery a consumer has not acknowledged yet, as the broker counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unacked {
    /// The message.
    pub message: MessageId,
    /// The delivery carries the redelivered flag.
    pub redelivered: bool,
}

/// RabbitMQ style: the queue's ready messages and what each consumer holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// Messages ready for delivery, head first (at most `SNAPSHOT_LOG_RECORDS`).
    pub ready: Vec<MessageId>,
    /// How many messages are ready in all.
    pub ready_count: u32,
    /// Per consumer, in order: its unacknowledged deliveries.
    pub unacked: Vec<Vec<Unacked>>,
    /// The prefetch (`basic.qos`): the most unacked deliveries per consumer (0: none
    /// with automatic acks, which the broker forgets as it sends).
    pub prefetch: u32,
}

/// Where dead letters go and what they hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterView {
    /// Kafka style: a dead-letter topic the consumers' error handler publishes to;
    /// RabbitMQ style: a dead-letter queue the broker routes to.
    pub topic: bool,
    /// Its messages, in arrival order.
    pub messages: Vec<MessageId>,
}

impl Sim {
    fn topic(&self) -> Option<&Topic> {
        match &self.nodes[self.slot(NodeId::BROKER)].role {
            Role::Topic(topic) => Some(topic),
            _ => None,
        }
    }

    fn member(&self, node: NodeId) -> Option<&Member> {
        match &self.nodes[self.slot(node)].role {
            Role::Member(member) => Some(member),
            _ => None,
        }
    }

    /// Kafka style: the partitions and the groups as drawn.
    pub fn groups_view(&self) -> Option<GroupsView> {
        let topic = self.topic()?;
        let entries = &topic.log.disk.entries;
        let partitions = topic
            .disk
            .partitions
            .iter()
            .enumerate()
            .map(|(p, log)| {
                let first = log.len().saturating_sub(SNAPSHOT_LOG_RECORDS);
                PartitionView {
                    partition: p as u16,
                    first_offset: first as u32,
                    records: log[first..]
                        .iter()
                        .map(|&e| MessageId(entries[e as usize].message))
                        .collect(),
                    end_offset: log.len() as u32,
                    committed: topic.groups.iter().map(|g| g.committed(p as u16)).collect(),
                }
            })
            .collect();
        let consumers = self.scenario.topology.consumers;
        let broker_up = self.is_up(NodeId::BROKER);
        let groups = topic
            .groups
            .iter()
            .map(|coordinator| {
                let members = (0..consumers)
                    .map(|i| NodeId::new(RoleKind::Consumer, i as u8))
                    .filter(|node| {
                        topic.config.group_of(consumers, node.instance()) == coordinator.group
                    })
                    .filter_map(|node| {
                        let member = self.member(node)?;
                        let m = &member.memory;
                        let state = if !self.is_up(node) {
                            let known = coordinator.memory.members.iter().any(|e| {
                                e.instance == node.instance() && e.joins == member.disk.joins
                            });
                            if known {
                                MemberState::Silent
                            } else {
                                MemberState::Gone
                            }
                        } else if !m.assigned {
                            MemberState::Joining
                        } else if m.count == 0 {
                            MemberState::Idle
                        } else {
                            MemberState::Owning
                        };
                        let owned = if state == MemberState::Owning {
                            (m.first..m.first + m.count)
                                .map(|p| Owned {
                                    partition: p,
                                    position: m.position_of(p),
                                    paused: m.paused & (1 << p) != 0,
                                })
                                .collect()
                        } else {
                            Vec::new()
                        };
                        Some(MemberView {
                            node,
                            group: coordinator.group,
                            state,
                            generation: if self.is_up(node) { m.generation } else { 0 },
                            owned,
                        })
                    })
                    .collect();
                GroupView {
                    group: coordinator.group,
                    generation: coordinator.disk.generation,
                    rebalancing: broker_up && coordinator.memory.rebalancing,
                    coordinator_down: !broker_up,
                    members,
                }
            })
            .collect();
        Some(GroupsView { partitions, groups })
    }

    /// RabbitMQ style with one broker: the queue and each consumer's unacked deliveries.
    pub fn queue_view(&self) -> Option<QueueView> {
        if self.scenario.kafka.is_some() || self.scenario.topology.replicated() {
            return None;
        }
        let broker = match &self.nodes[self.slot(NodeId::BROKER)].role {
            Role::Broker(broker) => broker,
            _ => return None,
        };
        let up = self.is_up(NodeId::BROKER);
        let entries = &broker.disk.entries;
        let mut unacked = vec![Vec::new(); usize::from(self.scenario.topology.consumers)];
        if up {
            for (e, &attempt) in broker.memory.in_flight.iter().enumerate() {
                if attempt == 0 {
                    continue;
                }
                let holder = usize::from(broker.memory.holder.get(e).copied().unwrap_or(0));
                if let Some(list) = unacked.get_mut(holder) {
                    list.push(Unacked {
                        message: MessageId(entries[e].message),
                        redelivered: attempt > 1,
                    });
                }
            }
        }
        let ready: Vec<MessageId> = if up {
            broker
                .memory
                .ready
                .iter()
                .take(SNAPSHOT_LOG_RECORDS)
                .map(|&e| MessageId(entries[e as usize].message))
                .collect()
        } else {
            Vec::new()
        };
        Some(QueueView {
            ready,
            ready_count: if up {
                broker.memory.ready.len() as u32
            } else {
                0
            },
            unacked,
            prefetch: if self.scenario.queue.auto_ack {
                0
            } else {
                self.scenario.timing.delivery_window
            },
        })
    }

    /// The dead letters, when the scenario has somewhere to put them: the broker's
    /// dead-letter queue (RabbitMQ style) or the dead-letter topic the consumers' error
    /// handler publishes to (Kafka style).
    pub fn dead_letter_view(&self) -> Option<DeadLetterView> {
        if !self.scenario.queue.dead_letter_queue {
            return None;
        }
        if let Some(kafka) = &self.scenario.kafka {
            if kafka.max_attempts == 0 {
                return None;
            }
            let mut published: Vec<(u64, MessageId)> = Vec::new();
            for i in 0..self.scenario.topology.consumers {
                let node = NodeId::new(RoleKind::Consumer, i as u8);
                let log = &self.nodes[self.slot(node)].log;
                published.extend(
                    log.records
                        .iter()
                        .enumerate()
                        .filter_map(|(at, r)| match r {
                            DiskRecord::DeadLetterTopic(m) => Some((at as u64, MessageId(*m))),
                            _ => None,
                        }),
                );
            }
            return Some(DeadLetterView {
                topic: true,
                messages: published.into_iter().map(|(_, m)| m).collect(),
            });
        }
        match &self.nodes[self.slot(NodeId::BROKER)].role {
            Role::Broker(broker) => Some(DeadLetterView {
                topic: false,
                messages: broker
                    .disk
                    .dead_letters
                    .iter()
                    .map(|&m| MessageId(m))
                    .collect(),
            }),
            _ => None,
        }
    }

    /// Kafka style: notes every group's lag on every partition after a step of the
    /// broker, in the run's lag history.
    pub(crate) fn note_lag(&mut self, step: u64, tick: u64) {
        let Some(topic) = self.topic() else {
            return;
        };
        let mut lags = Vec::with_capacity(self.lag.width());
        for group in &topic.groups {
            for (p, log) in topic.disk.partitions.iter().enumerate() {
                lags.push((log.len() as u32).saturating_sub(group.committed(p as u16)));
            }
        }
        self.lag.note(step, tick, &lags);
    }

    /// Kafka style: every group's lag on every partition over the run so far.
    pub fn lag_history(&self) -> &LagHistory {
        &self.lag
    }
}
