//! The Kafka broker of consumer groups: a topic of partitions, and the group
//! coordinator of every group that reads it (see `group_coordinator`).
//!
//! Publishes take the broker's own path (`broker`): appended in memory, made durable by
//! an fsync, confirmed, deduplicated by sequence number in idempotent mode. Each stored
//! record then joins the partition of its key — the default partitioner's choice, a pure
//! function of the key that the producer's client would compute the same way — at the
//! partition's next offset, so order is kept within a partition and only there.
//!
//! Consumers pull: a member fetches a partition from an offset (or from its group's
//! committed offset, the `OffsetFetch` a new owner makes first), and the broker answers
//! with the record there. A fetch past the partition's end waits at the broker until a
//! record arrives (a long poll). Nothing is pushed and nothing is redelivered: a group
//! reads a record again only when a member fetches it again, from an older committed
//! offset. The broker neither counts deliveries nor dead-letters: a consumer group has
//! no broker-side delivery limit or dead-letter queue.

use crate::actor::group_coordinator::GroupCoordinator;
use crate::actor::{Because, Broker, Ctx, Input, Mark, Timer};
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::network::{Envelope, LinkId, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::scenario::KafkaConfig;
use crate::speech::{card, ids};
use crate::trace::{Detail, GroupDetail};
use mqlab_text::Words;

/// A fetch's offset that means "from the group's committed offset".
pub(crate) const FROM_COMMITTED: u32 = u32::MAX;

/// What the broker's disk holds beyond the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopicDisk {
    /// Per partition, its records as log entries, in offset order.
    pub partitions: Vec<Vec<u32>>,
    /// How many log entries have joined their partition.
    pub placed: u32,
}

/// A fetch waiting at the broker for a record to arrive at its offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParkedFetch {
    pub instance: u8,
    pub generation: u32,
    pub offset: u32,
}

/// What the broker holds in memory beyond the log's, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct TopicMemory {
    /// Per group and partition (group * partitions + partition), the fetch waiting
    /// there (one per partition: its owner's).
    pub parked: Vec<Option<ParkedFetch>>,
}

/// The Kafka broker's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Topic {
    /// The log every publish is appended to and fsynced in.
    pub log: Broker,
    pub disk: TopicDisk,
    pub memory: TopicMemory,
    /// One coordinator per group.
    pub groups: Vec<GroupCoordinator>,
    /// The topic's settings.
    pub config: KafkaConfig,
}

impl Topic {
    pub fn new(messages: u32, config: &KafkaConfig) -> Topic {
        let partitions = config.partitions.max(1);
        let groups = config.groups.max(1);
        Topic {
            log: Broker::new(messages),
            disk: TopicDisk {
                partitions: vec![Vec::new(); usize::from(partitions)],
                placed: 0,
            },
            memory: TopicMemory {
                parked: vec![None; usize::from(partitions) * usize::from(groups)],
            },
            groups: (0..groups)
                .map(|g| GroupCoordinator::new(g, partitions))
                .collect(),
            config: config.clone(),
        }
    }

    fn group_of(&self, ctx: &Ctx<'_>, member: NodeId) -> usize {
        usize::from(
            self.config
                .group_of(ctx.scenario.topology.consumers, member.instance()),
        )
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Start => self.log.handle(input, ctx),
            Input::Timer(Timer::Fsync) => {
                self.log.handle(input, ctx);
                if !ctx.crashed() {
                    self.place(ctx);
                }
            }
            // The log's push delivery is not used: consumers fetch.
            Input::Timer(Timer::Deliver) => {
                self.log.memory.deliver_scheduled = false;
                self.log.memory.ready.clear();
            }
            Input::Timer(Timer::MemberSessionExpired {
                group,
                instance,
                joins,
            }) => {
                if let Some(coordinator) = self.groups.get_mut(usize::from(group)) {
                    coordinator.on_session_expired(instance, joins, ctx);
                    self.drop_parked_of_old_generations(usize::from(group));
                }
            }
            Input::Timer(Timer::JoinDeadline { group, round }) => {
                if let Some(coordinator) = self.groups.get_mut(usize::from(group)) {
                    coordinator.on_join_deadline(round, ctx);
                    self.drop_parked_of_old_generations(usize::from(group));
                }
            }
            Input::Timer(_) => {}
            Input::Message(envelope) => match envelope.kind {
                MessageKind::Publish => self.log.handle(input, ctx),
                MessageKind::JoinGroup => {
                    let group = self.group_of(ctx, envelope.link.from);
                    self.groups[group].on_join(
                        envelope.link.from.instance(),
                        envelope.attempt,
                        ctx,
                    );
                    self.drop_parked_of_old_generations(group);
                }
                MessageKind::Fetch => self.on_fetch(envelope, ctx),
                MessageKind::OffsetCommit => {
                    let group = self.group_of(ctx, envelope.link.from);
                    self.groups[group].on_commit(
                        envelope.link.from.instance(),
                        envelope.attempt,
                        envelope.tag,
                        envelope.extra[0] as u16,
                        envelope.extra[1],
                        envelope.message,
                        ctx,
                    );
                }
                _ => {}
            },
            Input::Crash => {
                self.log.handle(input, ctx);
                self.memory.parked.iter_mut().for_each(|p| *p = None);
                for group in &mut self.groups {
                    group.crash();
                }
            }
            Input::Recover => {
                self.log.handle(input, ctx);
                self.log.memory.ready.clear();
                self.place(ctx);
                // The members' connections broke with the broker: they reconnect and
                // rejoin their groups.
                let consumers = ctx.scenario.topology.consumers;
                for instance in 0..consumers {
                    let member = NodeId::new(RoleKind::Consumer, instance as u8);
                    let group = self.group_of(ctx, member);
                    ctx.send(
                        member,
                        MessageKind::Rebalance,
                        0,
                        self.groups[group].disk.generation,
                        1,
                        Because::Given(None),
                        0,
                    );
                }
            }
            Input::ConnectionClosed(node) if node.role() == RoleKind::Consumer => {
                let group = self.group_of(ctx, node);
                self.groups[group].on_member_silent(node.instance(), ctx);
            }
            Input::ConnectionClosed(_) | Input::ConnectionOpened(_) => {}
            Input::ReplayDeadLetters => {}
        }
    }

    /// Fetches waiting for a generation the group has left are forgotten.
    fn drop_parked_of_old_generations(&mut self, group: usize) {
        let partitions = self.disk.partitions.len();
        let generation = self.groups[group].disk.generation;
        for slot in &mut self.memory.parked[group * partitions..(group + 1) * partitions] {
            if slot.is_some_and(|p| p.generation != generation) {
                *slot = None;
            }
        }
    }

    /// Stored log entries join their key's partition, and fetches waiting there are
    /// answered.
    fn place(&mut self, ctx: &mut Ctx<'_>) {
        let stored = self.log.disk.entries.len() as u32;
        if self.disk.placed >= stored {
            return;
        }
        let mut touched = 0u16;
        for entry in self.disk.placed..stored {
            let message = self.log.disk.entries[entry as usize].message;
            let partition = self.config.partition_of(message);
            self.disk.partitions[usize::from(partition)].push(entry);
            touched |= 1 << partition;
        }
        self.disk.placed = stored;
        let partitions = self.disk.partitions.len();
        for group in 0..self.groups.len() {
            for partition in 0..partitions {
                if touched & (1 << partition) == 0 {
                    continue;
                }
                let slot = group * partitions + partition;
                let Some(parked) = self.memory.parked[slot] else {
                    continue;
                };
                if (parked.offset as usize) < self.disk.partitions[partition].len() {
                    self.memory.parked[slot] = None;
                    if self.serve(group, parked, partition as u16, ctx) {
                        return;
                    }
                }
            }
        }
    }

    /// A member's fetch: the record at the offset, or a wait for it.
    fn on_fetch(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let member = envelope.link.from;
        let group = self.group_of(ctx, member);
        let partition = envelope.extra[0] as u16;
        let partitions = self.disk.partitions.len();
        if usize::from(partition) >= partitions {
            return;
        }
        let offset = if envelope.extra[1] == FROM_COMMITTED {
            self.groups[group].committed(partition)
        } else {
            envelope.extra[1]
        };
        let fetch = ParkedFetch {
            instance: member.instance(),
            generation: envelope.tag,
            offset,
        };
        if (offset as usize) < self.disk.partitions[usize::from(partition)].len() {
            self.serve(group, fetch, partition, ctx);
        } else {
            self.memory.parked[group * partitions + usize::from(partition)] = Some(fetch);
            ctx.detail(Detail::Group(GroupDetail::FetchParked {
                partition,
                offset,
            }));
        }
    }

    /// Answers a fetch with the record at its offset. True when an armed crash point
    /// stopped the broker there.
    fn serve(
        &mut self,
        group: usize,
        fetch: ParkedFetch,
        partition: u16,
        ctx: &mut Ctx<'_>,
    ) -> bool {
        let entry = self.disk.partitions[usize::from(partition)][fetch.offset as usize];
        let record = self.log.disk.entries[entry as usize];
        let attempt = self.groups[group].serve(partition, fetch.offset);
        let member = NodeId::new(RoleKind::Consumer, fetch.instance);
        let because = if attempt == 1 && record.cause.is_some() {
            Because::Given(record.cause)
        } else {
            // A record read again: why, as the ledger noted it (a consumer's crash
            // before its commit), else that the group's committed offset was behind.
            Because::Redeliver(CauseKind::ReadAgain)
        };
        ctx.mark(Mark::Message(record.message));
        ctx.mark(Mark::Attempt(attempt));
        ctx.mark(Mark::Peer(member));
        ctx.mark(Mark::Link(LinkId::new(ctx.id, member)));
        ctx.mark(Mark::Kind(MessageKind::Deliver));
        ctx.detail(Detail::Group(GroupDetail::Served {
            partition,
            offset: fetch.offset,
        }));
        ctx.send_extra(
            member,
            MessageKind::Deliver,
            record.message,
            fetch.generation,
            attempt,
            because,
            [u32::from(partition), fetch.offset],
        );
        ctx.crash_point(CrashPoint::BrokerAfterDeliver, record.message)
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        let mut lines = self.log.memory_lines(w);
        for group in &self.groups {
            lines.extend(group.memory_lines(w));
        }
        let parked = self.memory.parked.iter().filter(|p| p.is_some()).count();
        if parked > 0 {
            lines.push(card!(w, TopicParked, count = parked));
        }
        lines
    }

    /// Durable lines for the snapshot: each partition's records, and each group's
    /// committed offsets.
    pub fn partition_lines(&self, w: &Words) -> Vec<String> {
        let mut lines = Vec::new();
        for (p, entries) in self.disk.partitions.iter().enumerate() {
            let records = ids(entries
                .iter()
                .take(16)
                .map(|e| self.log.disk.entries[*e as usize].message));
            let more = if entries.len() > 16 {
                card!(w, MoreRecords, count = entries.len())
            } else {
                String::new()
            };
            lines.push(card!(
                w,
                TopicPartition,
                partition = format!("p{p}"),
                msgs = records,
                more = more
            ));
        }
        for group in &self.groups {
            let offsets: Vec<String> = group
                .disk
                .committed
                .iter()
                .enumerate()
                .map(|(p, o)| format!("p{p}@{o}"))
                .collect();
            lines.push(card!(
                w,
                TopicGroupCommitted,
                group = group.group + 1,
                offsets = offsets.join(" ")
            ));
        }
        lines
    }
}
