//! A Kafka consumer in a consumer group, as the Java client runs it with the classic
//! group protocol: it joins its group, learns its place in each generation and works
//! out its partitions with the range assignor, fetches each of them from the group's
//! committed offset, processes every record it polls — applying its side effect to the
//! group's database — and commits offsets: before processing, after it, or
//! automatically (`enable.auto.commit`: at a poll, once `auto.commit.interval.ms` has
//! passed, it commits the positions reached by the records its earlier polls returned,
//! and it commits them too before rejoining a rebalancing group).
//!
//! A poll here returns one record (`max.poll.records=1`), processed before the next
//! fetch of that partition, so a partition's records are processed in offset order.
//! Commits before and after processing are `commitSync`: the member waits for the
//! broker's answer before it processes the record (before) or fetches the next one
//! (after); a refused commit (`CommitFailedException`: the member has left the group's
//! generation) stops it there, and the partition's next owner resumes at the committed
//! offset. Auto-commit is asynchronous (`commitAsync`): the member does not wait.
//!
//! A poison record throws when processed. Processing that crashes the process gets no
//! help from any error handler: the partition's next owner polls it again and crashes
//! too, so the partition is blocked at it. A thrown exception is caught by the error
//! handler (Spring for Apache Kafka's `DefaultErrorHandler`): it seeks back and retries
//! the record until `kafka.max_attempts` attempts have failed, then publishes it to the
//! dead-letter topic (`DeadLetterPublishingRecoverer`, topic `<topic>-dlt` in Spring
//! 3.3 and later, `.DLT` before) or logs and skips it, and commits past it. An exception
//! marked not retryable (`nack` here) goes to that recoverer at once. With no error
//! handler (0 attempts) the member stops at the record: its partition is blocked.

use std::collections::VecDeque;

use crate::actor::topic::FROM_COMMITTED;
use crate::actor::{Because, Ctx, Fact, Input, Timer};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::limits::MAX_PARTITIONS;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::NodeId;
use crate::scenario::{CommitStrategy, KafkaConfig, PoisonFails};
use crate::speech::{card, ids};
use crate::trace::{Detail, EventKind, GroupDetail};
use mqlab_text::cards::Key;
use mqlab_text::Words;

/// How many recently polled ids the member's memory shows.
const RECENT: usize = 8;

/// An offset not known yet: the first record fetched from the committed offset sets it.
const UNKNOWN: u32 = u32::MAX;

/// The most processed records whose offsets a member keeps track of before a commit
/// (for the explanations of a crash): beyond it, the oldest are forgotten.
const MAX_UNCOMMITTED: usize = 64;

const PARTITIONS: usize = MAX_PARTITIONS as usize;

/// A record a poll returned, as the member keeps it while its commit is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Polled {
    pub partition: u16,
    pub offset: u32,
    pub message: u32,
    /// Why this copy exists, as the world noted it (for the ledger).
    pub cause: Option<crate::ledger::Cause>,
    /// The group read it before.
    pub redelivered: bool,
}

/// What the consumer's disk holds.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct MemberDisk {
    /// How many times this consumer has joined its group since the run began: its
    /// member id is its consumer number and this count.
    pub joins: u32,
}

/// What the consumer holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MemberMemory {
    /// The generation of its assignment (0: none yet).
    pub generation: u32,
    /// It holds partitions `first..first + count` in `generation`.
    pub assigned: bool,
    pub first: u16,
    pub count: u16,
    /// Its place in the generation, and the generation's size.
    pub index: u16,
    pub members: u16,
    /// Per partition, the offset of the next record to process.
    pub position: [u32; PARTITIONS],
    /// Per partition, the last offset it committed.
    pub committed: [u32; PARTITIONS],
    /// Per partition, the message of the last record processed.
    pub last_message: [u32; PARTITIONS],
    /// Per partition, the failed attempts on the record at its position.
    pub failures: [u32; PARTITIONS],
    /// Partitions it stopped at a poison record (one bit each).
    pub paused: u16,
    /// Per partition, the record whose synchronous commit awaits the broker's answer.
    pub pending: [Option<Polled>; PARTITIONS],
    /// Messages processed whose offsets are not committed yet.
    pub uncommitted: Vec<u32>,
    /// Auto-commit: when the next commit is due, and whether a timer is set for it.
    pub next_auto_commit_tick: u64,
    pub auto_commit_scheduled: bool,
    /// The last ids polled.
    pub recent: VecDeque<u32>,
}

impl MemberMemory {
    /// The offset of the next record to process on a partition, once known.
    pub fn position_of(&self, partition: u16) -> Option<u32> {
        self.position
            .get(usize::from(partition))
            .copied()
            .filter(|&at| at != UNKNOWN)
    }
}

impl Default for MemberMemory {
    fn default() -> MemberMemory {
        MemberMemory {
            generation: 0,
            assigned: false,
            first: 0,
            count: 0,
            index: 0,
            members: 0,
            position: [UNKNOWN; PARTITIONS],
            committed: [UNKNOWN; PARTITIONS],
            last_message: [0; PARTITIONS],
            failures: [0; PARTITIONS],
            paused: 0,
            pending: [None; PARTITIONS],
            uncommitted: Vec::new(),
            next_auto_commit_tick: 0,
            auto_commit_scheduled: false,
            recent: VecDeque::new(),
        }
    }
}

/// A Kafka consumer's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub disk: MemberDisk,
    pub memory: MemberMemory,
    /// The topic's settings.
    pub config: KafkaConfig,
}

impl Member {
    pub fn new(config: &KafkaConfig) -> Member {
        Member {
            disk: MemberDisk::default(),
            memory: MemberMemory::default(),
            config: config.clone(),
        }
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Start | Input::Recover => self.join(ctx),
            Input::Crash => self.crash(ctx),
            Input::Message(envelope) => match envelope.kind {
                MessageKind::Rebalance => self.on_rebalance(ctx),
                MessageKind::Assignment => self.on_assignment(envelope, ctx),
                MessageKind::Deliver => self.on_record(envelope, ctx),
                MessageKind::CommitResponse => self.on_commit_response(envelope, ctx),
                _ => {}
            },
            Input::Timer(Timer::AutoCommit) => self.on_auto_commit_timer(ctx),
            Input::Timer(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => {}
        }
    }

    fn group(&self, ctx: &Ctx<'_>) -> u16 {
        self.config
            .group_of(ctx.scenario.topology.consumers, ctx.id.instance())
    }

    /// Joins the group as a new member (at the start, and after a restart).
    fn join(&mut self, ctx: &mut Ctx<'_>) {
        self.disk.joins += 1;
        self.memory.next_auto_commit_tick = ctx.tick + self.config.auto_commit_ticks;
        self.send_join(ctx);
    }

    fn send_join(&self, ctx: &mut Ctx<'_>) {
        let group = u32::from(self.group(ctx));
        ctx.send(
            NodeId::BROKER,
            MessageKind::JoinGroup,
            0,
            group,
            self.disk.joins,
            Because::Given(None),
            0,
        );
    }

    /// The memory is gone: the records processed since the last commit will be
    /// processed again by the partitions' next owners.
    fn crash(&mut self, ctx: &mut Ctx<'_>) {
        let cause = if self.config.commit == CommitStrategy::Auto {
            CauseKind::MemberCrashBeforeAutoCommit(ctx.id)
        } else {
            CauseKind::MemberCrashBeforeCommit(ctx.id)
        };
        for &message in &self.memory.uncommitted {
            ctx.fact(Fact::WillRedeliver { message, cause });
        }
        self.memory = MemberMemory::default();
    }

    /// The group rebalances: the member gives up all its partitions (eager), after
    /// committing its positions with auto-commit, and rejoins.
    fn on_rebalance(&mut self, ctx: &mut Ctx<'_>) {
        let committed = if self.config.commit == CommitStrategy::Auto && self.memory.assigned {
            self.commit_positions(ctx)
        } else {
            0
        };
        if ctx.crashed() {
            return;
        }
        self.memory.assigned = false;
        self.memory.pending = [None; PARTITIONS];
        ctx.detail(Detail::Group(GroupDetail::Revoked { committed }));
        self.send_join(ctx);
    }

    fn on_assignment(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let generation = envelope.tag;
        if envelope.attempt != self.disk.joins || generation <= self.memory.generation {
            ctx.detail(Detail::Group(GroupDetail::Stale));
            return;
        }
        let index = envelope.extra[0] as u16;
        let members = envelope.extra[1] as u16;
        let (first, count) =
            crate::actor::kafka::range_assignment(self.config.partitions, members, index);
        let m = &mut self.memory;
        m.generation = generation;
        m.assigned = true;
        m.first = first;
        m.count = count;
        m.index = index;
        m.members = members;
        m.position = [UNKNOWN; PARTITIONS];
        m.committed = [UNKNOWN; PARTITIONS];
        m.failures = [0; PARTITIONS];
        m.paused = 0;
        m.pending = [None; PARTITIONS];
        m.uncommitted.clear();
        ctx.detail(Detail::Group(GroupDetail::Assigned {
            generation,
            first,
            count,
        }));
        for partition in first..first + count {
            self.fetch(partition, FROM_COMMITTED, ctx);
        }
    }

    fn fetch(&self, partition: u16, offset: u32, ctx: &mut Ctx<'_>) {
        ctx.send_extra(
            NodeId::BROKER,
            MessageKind::Fetch,
            0,
            self.memory.generation,
            1,
            Because::Given(None),
            [u32::from(partition), offset],
        );
    }

    fn commit(&mut self, partition: u16, offset: u32, message: u32, ctx: &mut Ctx<'_>) {
        self.memory.committed[usize::from(partition)] = offset;
        ctx.send_extra(
            NodeId::BROKER,
            MessageKind::OffsetCommit,
            message,
            self.memory.generation,
            self.disk.joins,
            Because::Given(None),
            [u32::from(partition), offset],
        );
    }

    /// Commits every position not committed yet (auto-commit); returns how many. Stops
    /// if an armed crash point is reached.
    fn commit_positions(&mut self, ctx: &mut Ctx<'_>) -> u16 {
        let mut count = 0;
        for partition in self.memory.first..self.memory.first + self.memory.count {
            let p = usize::from(partition);
            let position = self.memory.position[p];
            if position == UNKNOWN || position == self.memory.committed[p] {
                continue;
            }
            let message = self.memory.last_message[p];
            self.commit(partition, position, message, ctx);
            count += 1;
            self.memory
                .uncommitted
                .retain(|m| self.config.partition_of(*m) != partition);
            if ctx.crash_point(CrashPoint::ConsumerAfterCommit, message) {
                return count;
            }
        }
        count
    }

    fn schedule_auto_commit(&mut self, ctx: &mut Ctx<'_>) {
        if self.memory.auto_commit_scheduled {
            return;
        }
        self.memory.auto_commit_scheduled = true;
        let delay = self
            .memory
            .next_auto_commit_tick
            .saturating_sub(ctx.tick)
            .max(1);
        ctx.set_timer(delay, Timer::AutoCommit);
    }

    /// The poll loop keeps polling while the member has nothing to process; its
    /// auto-commit fires on schedule.
    fn on_auto_commit_timer(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.auto_commit_scheduled = false;
        if !self.memory.assigned || self.memory.uncommitted.is_empty() {
            return;
        }
        if ctx.tick < self.memory.next_auto_commit_tick {
            self.schedule_auto_commit(ctx);
            return;
        }
        ctx.step(EventKind::OffsetCommit);
        self.memory.next_auto_commit_tick = ctx.tick + self.config.auto_commit_ticks;
        let partitions = self.commit_positions(ctx);
        ctx.detail(Detail::Group(GroupDetail::AutoCommitted { partitions }));
    }

    fn remember(&mut self, message: u32) {
        if self.memory.recent.len() == RECENT {
            self.memory.recent.pop_front();
        }
        self.memory.recent.push_back(message);
    }

    /// A record the member's poll returned.
    fn on_record(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let record = Polled {
            partition: envelope.extra[0] as u16,
            offset: envelope.extra[1],
            message: envelope.message,
            cause: envelope.cause,
            redelivered: envelope.attempt > 1,
        };
        let p = usize::from(record.partition);
        let m = &self.memory;
        let owned = m.assigned
            && envelope.tag == m.generation
            && self.holds(record.partition)
            && m.pending[p].is_none()
            && (m.position[p] == UNKNOWN || m.position[p] == record.offset);
        if !owned {
            ctx.detail(Detail::Group(GroupDetail::Stale));
            return;
        }
        let message = record.message;
        ctx.fact(Fact::Delivered(message));
        self.remember(message);
        if ctx.crash_point(CrashPoint::ConsumerAfterReceive, message) {
            ctx.fact(Fact::WillRedeliver {
                message,
                cause: CauseKind::ConsumerCrashAfterReceive,
            });
            return;
        }
        // A poll with auto-commit first commits what the previous polls returned.
        if self.config.commit == CommitStrategy::Auto
            && ctx.tick >= self.memory.next_auto_commit_tick
        {
            self.memory.next_auto_commit_tick = ctx.tick + self.config.auto_commit_ticks;
            self.commit_positions(ctx);
            if ctx.crashed() {
                return;
            }
        }
        self.memory.position[p] = record.offset;
        if self.config.commit == CommitStrategy::Before {
            // commitSync first: the record is processed once the broker has answered.
            self.commit(record.partition, record.offset + 1, message, ctx);
            self.memory.pending[p] = Some(record);
            ctx.detail(Detail::Group(GroupDetail::CommitFirst {
                partition: record.partition,
                offset: record.offset,
            }));
            return;
        }
        self.process(record, ctx);
    }

    /// True when the member holds the partition and has not stopped at it.
    fn holds(&self, partition: u16) -> bool {
        let m = &self.memory;
        partition >= m.first && partition < m.first + m.count && m.paused & (1 << partition) == 0
    }

    /// Processes a polled record, then commits (after processing: `commitSync`, and the
    /// next fetch waits for its answer; auto-commit: later) or fetches the next record.
    fn process(&mut self, record: Polled, ctx: &mut Ctx<'_>) {
        let Polled {
            partition,
            offset,
            message,
            ..
        } = record;
        let p = usize::from(partition);
        if ctx.scenario.queue.is_poison(message) {
            self.fail(message, partition, offset, ctx);
            return;
        }
        self.apply(record, ctx);
        let commit = self.config.commit;
        if commit != CommitStrategy::Before {
            self.memory.uncommitted.push(message);
            if self.memory.uncommitted.len() > MAX_UNCOMMITTED {
                self.memory.uncommitted.remove(0);
            }
        }
        self.memory.position[p] = offset + 1;
        self.memory.last_message[p] = message;
        self.memory.failures[p] = 0;
        if ctx.crash_point(CrashPoint::ConsumerAfterApply, message) {
            return;
        }
        match commit {
            CommitStrategy::After => {
                self.commit(partition, offset + 1, message, ctx);
                self.memory.pending[p] = Some(record);
            }
            CommitStrategy::Auto => {
                self.schedule_auto_commit(ctx);
                self.fetch(partition, offset + 1, ctx);
            }
            CommitStrategy::Before => self.fetch(partition, offset + 1, ctx),
        }
    }

    /// The broker's answer to an offset commit. A synchronous commit returns (the
    /// record is then processed, with commit-before, or the next one fetched, with
    /// commit-after) or throws `CommitFailedException`: the member is no longer in the
    /// group's generation, and the group's rebalance gives the partition to its next
    /// owner.
    fn on_commit_response(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let partition = envelope.extra[0] as u16;
        let offset = envelope.extra[1];
        let accepted = envelope.attempt == 1;
        let p = usize::from(partition);
        let waiting = self
            .memory
            .pending
            .get(p)
            .copied()
            .flatten()
            .filter(|record| {
                self.memory.assigned
                    && envelope.tag == self.memory.generation
                    && record.offset + 1 == offset
            });
        let Some(record) = waiting else {
            // An auto-commit's answer (commitAsync), or one for a generation gone.
            ctx.detail(Detail::Group(GroupDetail::CommitAnswered {
                partition,
                offset,
                accepted,
            }));
            return;
        };
        self.memory.pending[p] = None;
        if !accepted {
            ctx.detail(Detail::Group(GroupDetail::CommitFailed {
                partition,
                offset,
            }));
            return;
        }
        ctx.detail(Detail::Group(GroupDetail::CommitReturned {
            partition,
            offset,
        }));
        let message = record.message;
        let before = self.config.commit == CommitStrategy::Before;
        if before {
            self.memory.committed[p] = offset;
        } else {
            self.memory.uncommitted.retain(|m| *m != message);
        }
        if ctx.crash_point(CrashPoint::ConsumerAfterCommit, message) {
            if before {
                ctx.fact(Fact::MayBeLost {
                    message,
                    cause: CauseKind::MemberCrashAfterCommit(ctx.id),
                });
            }
            return;
        }
        if before {
            self.process(record, ctx);
        } else {
            self.fetch(partition, offset, ctx);
        }
    }

    /// Processes the record: its side effect in the group's database, and in
    /// idempotent mode its id in the processed-ids table in the same transaction.
    fn apply(&mut self, record: Polled, ctx: &mut Ctx<'_>) {
        let Polled {
            partition,
            offset,
            message,
            cause,
            redelivered,
        } = record;
        let idempotent = ctx.mode() == Mode::Idempotent;
        if idempotent
            && ctx
                .store
                .as_deref()
                .is_some_and(|store| store.is_processed(message))
        {
            ctx.detail(Detail::Group(GroupDetail::DuplicateSkipped {
                partition,
                offset,
            }));
            return;
        }
        if let Some(store) = ctx.store.as_deref_mut() {
            store.apply(message, idempotent);
        }
        ctx.persist(if idempotent {
            DiskRecord::Processed(message)
        } else {
            DiskRecord::Applied(message)
        });
        ctx.detail(Detail::Group(GroupDetail::Processed { partition, offset }));
        ctx.fact(Fact::Applied {
            message,
            cause,
            redelivered,
        });
    }

    /// Processing a poison record failed.
    fn fail(&mut self, message: u32, partition: u16, offset: u32, ctx: &mut Ctx<'_>) {
        let p = usize::from(partition);
        let cause = CauseKind::PoisonMessage;
        let committed_past = self.config.commit == CommitStrategy::Before;
        match ctx.scenario.queue.poison_fails {
            PoisonFails::Crash => {
                ctx.detail(Detail::Group(GroupDetail::PoisonCrash));
                if committed_past {
                    ctx.fact(Fact::MayBeLost { message, cause });
                } else {
                    ctx.fact(Fact::WillRedeliver { message, cause });
                    ctx.fact(Fact::Blocked(message));
                }
                ctx.crash_now(CrashPoint::ConsumerAfterReceive);
            }
            PoisonFails::Reject | PoisonFails::Nack => {
                self.memory.failures[p] += 1;
                let attempts = self.memory.failures[p];
                let retryable = ctx.scenario.queue.poison_fails == PoisonFails::Reject;
                let limit = self.config.max_attempts;
                if limit == 0 {
                    self.memory.paused |= 1 << partition;
                    ctx.detail(Detail::Group(GroupDetail::Paused { partition }));
                    ctx.fact(Fact::Blocked(message));
                } else if retryable && attempts < limit {
                    ctx.detail(Detail::Group(GroupDetail::Retrying { attempt: attempts }));
                    ctx.fact(Fact::WillRedeliver { message, cause });
                    self.fetch(partition, offset, ctx);
                } else {
                    self.recover(message, partition, offset, attempts, !retryable, ctx);
                }
            }
        }
    }

    /// The error handler gives up on a record: to the dead-letter topic, or logged and
    /// skipped; then it commits past it and goes on.
    fn recover(
        &mut self,
        message: u32,
        partition: u16,
        offset: u32,
        attempts: u32,
        rejected: bool,
        ctx: &mut Ctx<'_>,
    ) {
        if ctx.scenario.queue.dead_letter_queue {
            ctx.persist(DiskRecord::DeadLetterTopic(message));
            ctx.fact(Fact::DeadLettered { message, rejected });
            ctx.detail(Detail::Group(GroupDetail::ToDeadLetterTopic { attempts }));
        } else {
            ctx.persist(DiskRecord::Skipped(message));
            ctx.fact(Fact::Dropped { message, rejected });
            ctx.detail(Detail::Group(GroupDetail::SkippedRecord { attempts }));
        }
        let p = usize::from(partition);
        self.memory.position[p] = offset + 1;
        self.memory.last_message[p] = message;
        self.memory.failures[p] = 0;
        if self.config.commit != CommitStrategy::Before {
            self.commit(partition, offset + 1, message, ctx);
        }
        self.fetch(partition, offset + 1, ctx);
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        let m = &self.memory;
        let mut lines = Vec::new();
        if !m.assigned {
            lines.push(w.get(Key::MemberJoining).to_string());
        } else if m.count == 0 {
            lines.push(card!(
                w,
                MemberIdle,
                generation = m.generation,
                index = m.index + 1,
                members = m.members
            ));
        } else {
            let positions: Vec<String> = (m.first..m.first + m.count)
                .map(|p| {
                    let at = m.position[usize::from(p)];
                    let position = if at == UNKNOWN {
                        card!(w, MemberAtCommitted, partition = format!("p{p}"))
                    } else {
                        format!("p{p}@{at}")
                    };
                    if m.paused & (1 << p) != 0 {
                        card!(w, MemberPaused, position = position)
                    } else {
                        position
                    }
                })
                .collect();
            lines.push(card!(
                w,
                MemberPositions,
                generation = m.generation,
                positions = positions.join(" ")
            ));
        }
        if !m.recent.is_empty() {
            lines.push(card!(w, MemberRecent, msgs = ids(m.recent.iter().copied())));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::{GroupStore, Output};
    use crate::scenario::Scenario;

    fn scenario(commit: CommitStrategy) -> Scenario {
        let mut s = bench::scenario(Mode::AtLeastOnce, 4);
        s.topology.consumers = 2;
        s.kafka = Some(KafkaConfig {
            partitions: 3,
            commit,
            ..KafkaConfig::default()
        });
        s
    }

    fn from_broker(kind: MessageKind, message: u32, tag: u32, extra: [u32; 2]) -> Envelope {
        Envelope {
            extra,
            attempt: 1,
            ..bench::envelope(NodeId::BROKER, NodeId::CONSUMER, kind, message, tag)
        }
    }

    /// A member that joined and holds the first member's share of generation 1.
    fn assigned(s: &Scenario) -> Member {
        let mut member = Member::new(s.kafka.as_ref().expect("kafka"));
        bench::run(NodeId::CONSUMER, s, &mut Armed::default(), 0, |ctx| {
            member.handle(Input::Start, ctx)
        });
        let assignment = from_broker(MessageKind::Assignment, 0, 1, [0, 2]);
        bench::run(NodeId::CONSUMER, s, &mut Armed::default(), 5, |ctx| {
            member.handle(Input::Message(&assignment), ctx)
        });
        member
    }

    fn extras(out: &[Output]) -> Vec<(MessageKind, [u32; 2])> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send(s) => Some((s.kind, s.extra)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_member_joins_then_fetches_its_range_of_partitions_from_the_committed_offsets() {
        let s = scenario(CommitStrategy::After);
        let mut member = Member::new(s.kafka.as_ref().expect("kafka"));
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 0, |ctx| {
            member.handle(Input::Start, ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::JoinGroup, 0)]
        );
        // The first of two members gets p0 and p1 of three partitions.
        let assignment = from_broker(MessageKind::Assignment, 0, 1, [0, 2]);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
            member.handle(Input::Message(&assignment), ctx)
        });
        assert_eq!(
            extras(&out),
            vec![
                (MessageKind::Fetch, [0, FROM_COMMITTED]),
                (MessageKind::Fetch, [1, FROM_COMMITTED])
            ]
        );
    }

    fn applied(out: &[Output]) -> bool {
        out.iter()
            .any(|o| matches!(o, Output::Fact(Fact::Applied { message: 2, .. })))
    }

    #[test]
    fn commit_before_processing_waits_for_the_commit_to_return_before_the_side_effect() {
        let s = scenario(CommitStrategy::Before);
        let mut member = assigned(&s);
        let mut store = GroupStore::new(4);
        let record = from_broker(MessageKind::Deliver, 2, 1, [1, 0]);
        let out = bench::run_with_store(NodeId::CONSUMER, &s, &mut store, 9, |ctx| {
            member.handle(Input::Message(&record), ctx)
        });
        assert_eq!(extras(&out), vec![(MessageKind::OffsetCommit, [1, 1])]);
        assert!(!applied(&out), "not before the commit returns");
        let answer = Envelope {
            attempt: 1,
            ..from_broker(MessageKind::CommitResponse, 2, 1, [1, 1])
        };
        let out = bench::run_with_store(NodeId::CONSUMER, &s, &mut store, 12, |ctx| {
            member.handle(Input::Message(&answer), ctx)
        });
        assert!(applied(&out));
        assert_eq!(store.applied, vec![0, 1, 0, 0]);
        assert_eq!(extras(&out), vec![(MessageKind::Fetch, [1, 1])]);
    }

    #[test]
    fn commit_after_processing_fetches_the_next_record_once_the_commit_returns() {
        let s = scenario(CommitStrategy::After);
        let mut member = assigned(&s);
        let mut store = GroupStore::new(4);
        let record = from_broker(MessageKind::Deliver, 2, 1, [1, 0]);
        let out = bench::run_with_store(NodeId::CONSUMER, &s, &mut store, 9, |ctx| {
            member.handle(Input::Message(&record), ctx)
        });
        assert!(applied(&out));
        let applied_at = out
            .iter()
            .position(|o| matches!(o, Output::Fact(Fact::Applied { .. })));
        let committed_at = out
            .iter()
            .position(|o| matches!(o, Output::Send(s) if s.kind == MessageKind::OffsetCommit));
        assert!(
            applied_at < committed_at,
            "the side effect, then the commit"
        );
        assert_eq!(extras(&out), vec![(MessageKind::OffsetCommit, [1, 1])]);
        // A refused commit (the member left the generation) fetches nothing more.
        let mut refused = member.clone();
        let no = from_broker(MessageKind::CommitResponse, 2, 1, [1, 1]);
        let no = Envelope { attempt: 0, ..no };
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 12, |ctx| {
            refused.handle(Input::Message(&no), ctx)
        });
        assert!(extras(&out).is_empty());
        let yes = Envelope { attempt: 1, ..no };
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 12, |ctx| {
            member.handle(Input::Message(&yes), ctx)
        });
        assert_eq!(extras(&out), vec![(MessageKind::Fetch, [1, 1])]);
    }

    #[test]
    fn a_record_of_an_older_generation_or_another_partition_is_ignored() {
        let s = scenario(CommitStrategy::After);
        let mut member = assigned(&s);
        for (tag, partition) in [(0, 0), (1, 2)] {
            let record = from_broker(MessageKind::Deliver, 2, tag, [partition, 0]);
            let (out, notes) =
                bench::run_noted(NodeId::CONSUMER, &s, &mut Armed::default(), 9, |ctx| {
                    member.handle(Input::Message(&record), ctx)
                });
            assert!(bench::facts(&out).is_empty());
            assert_eq!(notes.detail, Some(Detail::Group(GroupDetail::Stale)));
        }
    }

    #[test]
    fn a_crash_before_the_commit_says_the_record_will_be_processed_again() {
        let s = scenario(CommitStrategy::After);
        let mut member = assigned(&s);
        let mut armed = Armed(vec![(
            CrashPoint::ConsumerAfterApply,
            NodeId::CONSUMER,
            Some(2),
        )]);
        let record = from_broker(MessageKind::Deliver, 2, 1, [1, 0]);
        let out = bench::run(NodeId::CONSUMER, &s, &mut armed, 9, |ctx| {
            member.handle(Input::Message(&record), ctx)
        });
        assert!(out.contains(&Output::Crash(CrashPoint::ConsumerAfterApply)));
        assert!(extras(&out).is_empty(), "no commit, no fetch");
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 9, |ctx| {
            member.handle(Input::Crash, ctx)
        });
        assert_eq!(
            bench::facts(&out),
            vec![Fact::WillRedeliver {
                message: 2,
                cause: CauseKind::MemberCrashBeforeCommit(NodeId::CONSUMER)
            }]
        );
        assert!(!member.memory.assigned);
    }
}
