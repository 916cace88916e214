//! The group coordinator of one consumer group, as Apache Kafka's classic group
//! protocol runs it (`group.protocol=classic`, the consumers' default in Kafka 3.x and
//! still in 4.x, where KIP-848's protocol is opt-in), with the eager rebalancing that
//! the default assignor list `[RangeAssignor, CooperativeStickyAssignor]` uses, and the
//! range assignor. It runs on the broker (see
//! `topic`), which hands it the group's inputs.
//!
//! Members join with `JoinGroup`. A member that joins, or one declared dead because no
//! heartbeat came for the session timeout, starts a rebalance: the coordinator tells
//! every other member to rejoin (`REBALANCE_IN_PROGRESS` on its next heartbeat), and
//! each gives up all its partitions first (eager). Once every member it knows has
//! rejoined — a dead member is waited for until its session expires — it begins a new
//! generation and gives each member its place in it (`SyncGroup`); each member works
//! out its partitions with the range assignor over the members sorted by id (here, by
//! consumer number and incarnation). A new group waits `group.initial.rebalance.delay.ms`
//! for more members before its first rebalance.
//!
//! Heartbeats are not drawn: a member's heartbeats stop when it crashes, so the world
//! tells the coordinator of the crash and the coordinator starts the member's session
//! timer then. Offset commits (`OffsetCommit`) are accepted from members of the current
//! generation only (`ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`), also while the group
//! is preparing a rebalance, as Kafka's coordinator does; committed offsets are durable
//! (Kafka's `__consumer_offsets`), and so is the generation number. Membership is kept
//! in memory: after a broker restart every member rejoins.

use crate::actor::{Because, Ctx, Timer};
use crate::disk::DiskRecord;
use crate::network::MessageKind;
use crate::node::{NodeId, RoleKind};
use crate::speech::card;
use crate::trace::{Detail, EventKind, GroupDetail, RebalanceTrigger};
use mqlab_text::cards::Key;
use mqlab_text::Words;

/// What the coordinator keeps on disk for its group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupDisk {
    /// The current generation (0 before the first rebalance).
    pub generation: u32,
    /// Per partition, the committed offset: the next record the group will process.
    pub committed: Vec<u32>,
}

/// A member as the coordinator knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemberEntry {
    /// The consumer instance.
    pub instance: u8,
    /// Which incarnation of it (its member id): a restarted consumer joins as a new
    /// member, and its old self stays until its session expires.
    pub joins: u32,
    /// It has (re)joined in the rebalance under way.
    pub joined: bool,
    /// Its heartbeats stopped: its session timer runs.
    pub silent: bool,
}

/// What the coordinator keeps in memory.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct GroupMemory {
    /// The members, sorted by (instance, joins).
    pub members: Vec<MemberEntry>,
    /// A rebalance is under way (Kafka's `PreparingRebalance`).
    pub rebalancing: bool,
    /// A new group waits for its initial rebalance delay.
    pub initial_delay: bool,
    /// Counts the initial delays, so that a stale deadline timer is recognised.
    pub round: u32,
    /// Per partition, the offset below which records were already served to the group
    /// (a fetch below it reads a record again).
    pub served: Vec<u32>,
}

/// One group's coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupCoordinator {
    /// The group, from 0.
    pub group: u16,
    pub disk: GroupDisk,
    pub memory: GroupMemory,
}

impl GroupCoordinator {
    pub fn new(group: u16, partitions: u16) -> GroupCoordinator {
        GroupCoordinator {
            group,
            disk: GroupDisk {
                generation: 0,
                committed: vec![0; usize::from(partitions)],
            },
            memory: GroupMemory {
                served: vec![0; usize::from(partitions)],
                ..GroupMemory::default()
            },
        }
    }

    /// The broker crashed: membership is forgotten.
    pub fn crash(&mut self) {
        let partitions = self.disk.committed.len();
        self.memory = GroupMemory {
            served: vec![0; partitions],
            ..GroupMemory::default()
        };
    }

    fn member(instance: u8) -> NodeId {
        NodeId::new(RoleKind::Consumer, instance)
    }

    fn position(&self, instance: u8, joins: u32) -> Option<usize> {
        self.memory
            .members
            .iter()
            .position(|m| m.instance == instance && m.joins == joins)
    }

    /// True when this member is in the group (any generation).
    pub fn has_member(&self, instance: u8, joins: u32) -> bool {
        self.position(instance, joins).is_some()
    }

    /// The initial rebalance delay, scaled like the other timers: Kafka's 3 s against
    /// a 45 s session timeout.
    fn initial_delay_ticks(ctx: &Ctx<'_>) -> u64 {
        ctx.scenario
            .kafka
            .as_ref()
            .map_or(3, |k| (k.session_timeout_ticks / 15).max(1))
    }

    /// `JoinGroup` from a member.
    pub fn on_join(&mut self, instance: u8, joins: u32, ctx: &mut Ctx<'_>) {
        let group = self.group;
        // An older incarnation of the same consumer crashed without the coordinator
        // hearing of it (the broker was down): its heartbeats have stopped too.
        let session = ctx
            .scenario
            .kafka
            .as_ref()
            .map_or(45, |k| k.session_timeout_ticks);
        for entry in &mut self.memory.members {
            if entry.instance == instance && entry.joins < joins && !entry.silent {
                entry.silent = true;
                ctx.set_timer(
                    session,
                    Timer::MemberSessionExpired {
                        group: group as u8,
                        instance,
                        joins: entry.joins,
                    },
                );
            }
        }
        if let Some(index) = self.position(instance, joins) {
            self.memory.members[index].joined = true;
            if !self.memory.rebalancing {
                // A member of the group that asks to join again has given up its
                // partitions: the group rebalances.
                self.start_rebalance(ctx, Some(index));
            }
            let waiting = self.waiting();
            ctx.detail(Detail::Group(GroupDetail::Rejoined { group, waiting }));
            self.try_complete(RebalanceTrigger::Rejoined, ctx);
            return;
        }
        let was_empty = self.memory.members.is_empty();
        let entry = MemberEntry {
            instance,
            joins,
            joined: true,
            silent: false,
        };
        let at = self
            .memory
            .members
            .partition_point(|m| (m.instance, m.joins) < (instance, joins));
        self.memory.members.insert(at, entry);
        if !self.memory.rebalancing {
            self.start_rebalance(ctx, Some(at));
        }
        if was_empty && !self.memory.initial_delay {
            self.memory.initial_delay = true;
            self.memory.round += 1;
            ctx.set_timer(
                Self::initial_delay_ticks(ctx),
                Timer::JoinDeadline {
                    group: group as u8,
                    round: self.memory.round,
                },
            );
        }
        ctx.detail(Detail::Group(GroupDetail::Joined {
            group,
            members: self.memory.members.len() as u16,
        }));
        self.try_complete(RebalanceTrigger::Joined, ctx);
    }

    /// How many members the rebalance still waits for.
    fn waiting(&self) -> u16 {
        self.memory.members.iter().filter(|m| !m.joined).count() as u16
    }

    /// A rebalance begins: every member but `except` must rejoin.
    fn start_rebalance(&mut self, ctx: &mut Ctx<'_>, except: Option<usize>) {
        self.memory.rebalancing = true;
        let generation = self.disk.generation;
        for (index, entry) in self.memory.members.iter_mut().enumerate() {
            if Some(index) == except {
                continue;
            }
            entry.joined = false;
            if !entry.silent {
                ctx.send(
                    Self::member(entry.instance),
                    MessageKind::Rebalance,
                    0,
                    generation,
                    1,
                    Because::Given(None),
                    0,
                );
            }
        }
    }

    /// The new group's initial delay is over.
    pub fn on_join_deadline(&mut self, round: u32, ctx: &mut Ctx<'_>) {
        if !self.memory.initial_delay || round != self.memory.round {
            return;
        }
        ctx.step(EventKind::Rebalance);
        ctx.detail(Detail::Group(GroupDetail::InitialDelayOver {
            group: self.group,
        }));
        self.memory.initial_delay = false;
        self.try_complete(RebalanceTrigger::InitialDelay, ctx);
    }

    /// Completes the rebalance once every member has rejoined: a new generation, and
    /// each member is told its place in it.
    fn try_complete(&mut self, trigger: RebalanceTrigger, ctx: &mut Ctx<'_>) {
        if !self.memory.rebalancing || self.memory.initial_delay || self.waiting() > 0 {
            return;
        }
        self.memory.rebalancing = false;
        if self.memory.members.is_empty() {
            return;
        }
        self.disk.generation += 1;
        let generation = self.disk.generation;
        ctx.persist(DiskRecord::Generation {
            group: self.group,
            generation,
        });
        let count = self.memory.members.len() as u16;
        for (index, entry) in self.memory.members.iter().enumerate() {
            ctx.send_extra(
                Self::member(entry.instance),
                MessageKind::Assignment,
                0,
                generation,
                entry.joins,
                Because::Given(None),
                [index as u32, u32::from(count)],
            );
        }
        ctx.detail(Detail::Group(GroupDetail::Rebalanced {
            group: self.group,
            generation,
            members: count,
            trigger,
        }));
    }

    /// A consumer of the group crashed: its heartbeats stop, and its session timer
    /// starts.
    pub fn on_member_silent(&mut self, instance: u8, ctx: &mut Ctx<'_>) {
        let session = ctx
            .scenario
            .kafka
            .as_ref()
            .map_or(45, |k| k.session_timeout_ticks);
        let group = self.group as u8;
        for entry in &mut self.memory.members {
            if entry.instance == instance && !entry.silent {
                entry.silent = true;
                ctx.set_timer(
                    session,
                    Timer::MemberSessionExpired {
                        group,
                        instance,
                        joins: entry.joins,
                    },
                );
            }
        }
    }

    /// No heartbeat came from the member for the session timeout: it leaves the group,
    /// which rebalances without it.
    pub fn on_session_expired(&mut self, instance: u8, joins: u32, ctx: &mut Ctx<'_>) {
        let Some(index) = self.position(instance, joins) else {
            return;
        };
        if !self.memory.members[index].silent {
            return;
        }
        ctx.step(EventKind::Rebalance);
        ctx.mark(crate::actor::Mark::Peer(Self::member(instance)));
        self.memory.members.remove(index);
        if !self.memory.rebalancing && !self.memory.members.is_empty() {
            self.start_rebalance(ctx, None);
        }
        ctx.detail(Detail::Group(GroupDetail::SessionExpired {
            group: self.group,
            members: self.memory.members.len() as u16,
        }));
        self.try_complete(RebalanceTrigger::SessionExpired, ctx);
    }

    /// `OffsetCommit` from a member, of the offset past `message`: recorded if the
    /// member is in the current generation, and answered either way. Returns true when
    /// it was recorded.
    #[allow(clippy::too_many_arguments)]
    pub fn on_commit(
        &mut self,
        instance: u8,
        joins: u32,
        generation: u32,
        partition: u16,
        offset: u32,
        message: u32,
        ctx: &mut Ctx<'_>,
    ) -> bool {
        let known = self.has_member(instance, joins);
        let index = usize::from(partition);
        let accepted =
            known && generation == self.disk.generation && index < self.disk.committed.len();
        // The answer: commitSync returns, or throws CommitFailedException.
        ctx.send_extra(
            Self::member(instance),
            MessageKind::CommitResponse,
            message,
            generation,
            u32::from(accepted),
            Because::Given(None),
            [u32::from(partition), offset],
        );
        if !accepted {
            ctx.detail(Detail::Group(GroupDetail::CommitRefused {
                partition,
                offset,
            }));
            return false;
        }
        self.disk.committed[index] = offset;
        ctx.persist(DiskRecord::OffsetCommitted {
            group: self.group,
            partition,
            offset,
        });
        ctx.detail(Detail::Group(GroupDetail::OffsetCommitted {
            partition,
            offset,
        }));
        true
    }

    /// The committed offset of a partition.
    pub fn committed(&self, partition: u16) -> u32 {
        self.disk
            .committed
            .get(usize::from(partition))
            .copied()
            .unwrap_or(0)
    }

    /// Notes that the record at `offset` of `partition` is served to the group; the
    /// attempt is 2 when it was served before (the group reads it again).
    pub fn serve(&mut self, partition: u16, offset: u32) -> u32 {
        let Some(served) = self.memory.served.get_mut(usize::from(partition)) else {
            return 1;
        };
        if offset < *served {
            2
        } else {
            *served = offset + 1;
            1
        }
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        let members: Vec<String> = self
            .memory
            .members
            .iter()
            .map(|m| {
                let name = Self::member(m.instance).name().to_string();
                if m.silent {
                    card!(w, GroupSilent, name = name)
                } else {
                    name
                }
            })
            .collect();
        let state = w.get(if self.memory.rebalancing {
            Key::GroupRebalancing
        } else {
            Key::GroupStable
        });
        vec![card!(
            w,
            GroupState,
            group = self.group + 1,
            generation = self.disk.generation,
            state = state,
            members = if members.is_empty() {
                w.get(Key::None).to_string()
            } else {
                members.join(" ")
            }
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::mode::Mode;
    use crate::scenario::{KafkaConfig, Scenario};

    fn scenario() -> Scenario {
        let mut s = bench::scenario(Mode::AtLeastOnce, 4);
        s.topology.consumers = 2;
        s.kafka = Some(KafkaConfig {
            partitions: 2,
            ..KafkaConfig::default()
        });
        s
    }

    fn assignments(out: &[Output]) -> Vec<(NodeId, u32, [u32; 2])> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send(s) if s.kind == MessageKind::Assignment => {
                    Some((s.to, s.tag, s.extra))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_new_group_waits_its_initial_delay_then_assigns_the_members_that_joined() {
        let s = scenario();
        let mut group = GroupCoordinator::new(0, 2);
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 1, |ctx| {
            group.on_join(0, 1, ctx)
        });
        assert_eq!(
            bench::timers(&out),
            vec![Timer::JoinDeadline { group: 0, round: 1 }]
        );
        assert!(assignments(&out).is_empty(), "it waits for more members");
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 2, |ctx| {
            group.on_join(1, 1, ctx)
        });
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            group.on_join_deadline(1, ctx)
        });
        let second = NodeId::new(RoleKind::Consumer, 1);
        assert_eq!(
            assignments(&out),
            vec![(NodeId::CONSUMER, 1, [0, 2]), (second, 1, [1, 2])]
        );
        assert_eq!(group.disk.generation, 1);
    }

    #[test]
    fn a_dead_member_holds_the_rebalance_until_its_session_expires() {
        let s = scenario();
        let mut group = GroupCoordinator::new(0, 2);
        for (tick, instance) in [(1, 0), (2, 1)] {
            bench::run(NodeId::BROKER, &s, &mut Armed::default(), tick, |ctx| {
                group.on_join(instance, 1, ctx)
            });
        }
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            group.on_join_deadline(1, ctx)
        });
        // The second member crashes; the first one restarts and joins as a new member.
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 10, |ctx| {
            group.on_member_silent(1, ctx)
        });
        assert_eq!(
            bench::timers(&out),
            vec![Timer::MemberSessionExpired {
                group: 0,
                instance: 1,
                joins: 1
            }]
        );
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 12, |ctx| {
            group.on_join(0, 1, ctx)
        });
        assert!(assignments(&out).is_empty(), "waits for the silent member");
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 55, |ctx| {
            group.on_session_expired(1, 1, ctx)
        });
        assert_eq!(assignments(&out), vec![(NodeId::CONSUMER, 2, [0, 1])]);
    }

    #[test]
    fn a_commit_is_recorded_only_from_a_member_of_the_current_generation() {
        let s = scenario();
        let mut group = GroupCoordinator::new(0, 2);
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 1, |ctx| {
            group.on_join(0, 1, ctx)
        });
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            group.on_join_deadline(1, ctx)
        });
        let mut commit = |instance, joins, generation, offset| {
            bench::run(NodeId::BROKER, &s, &mut Armed::default(), 9, |ctx| {
                group.on_commit(instance, joins, generation, 1, offset, 4, ctx);
            })
        };
        assert!(
            bench::persisted(&commit(0, 1, 0, 3)).is_empty(),
            "an older generation"
        );
        assert_eq!(
            bench::persisted(&commit(0, 1, 1, 3)),
            vec![DiskRecord::OffsetCommitted {
                group: 0,
                partition: 1,
                offset: 3
            }]
        );
        assert!(
            bench::persisted(&commit(1, 1, 1, 5)).is_empty(),
            "not a member"
        );
        assert_eq!(group.committed(1), 3);
    }
}
