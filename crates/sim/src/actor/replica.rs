//! A replica of a replicated queue (Kafka's partition replica, as in Kafka 3.7 and
//! later with KRaft). Every broker node holds one. The leader takes the producers'
//! writes and the consumers' acks; the followers fetch its log, one record per fetch.
//!
//! The protocol, in the order it runs:
//! 1. A publish reaches the leader. With `acks=all` and fewer in-sync replicas than
//!    `min.insync.replicas` it is refused before the append ("not enough replicas").
//!    Otherwise it is appended at the log end offset, in the current leader epoch.
//!    `acks=1` confirms now; `acks=all` waits for the high watermark; `acks=0` never
//!    answers.
//! 2. A follower fetches from its log end offset, which tells the leader how far the
//!    follower's log reaches. The leader answers with the next record and its high
//!    watermark, or holds the fetch while the follower is caught up and nothing is new.
//! 3. The leader's high watermark is the smallest log end offset over the in-sync set,
//!    and it advances only while the set has at least `min.insync.replicas` members
//!    (Kafka 3.7 and later). Records below it are committed: they are confirmed
//!    (`acks=all`) and handed to the queue, which delivers them to the consumers.
//!    Followers learn the high watermark one fetch later.
//! 4. A follower that stays behind the log end for the lag timeout leaves the in-sync
//!    set; a follower that catches up joins it again. The leader asks the controller
//!    for each change and applies it when the controller answers.
//! 5. A replica that follows a new leader, or returns after a crash, first cuts its
//!    log where its latest leader epoch ended in the leader's log (KIP-101; when the
//!    leader never had that epoch, where the latest epoch they share ends in either
//!    log, whichever is sooner, as KIP-279 refined it), or, with
//!    `truncate_to_high_watermark`, to its own high watermark (Kafka before KIP-101).
//!
//! What survives a crash: the log, the leader-epoch cache and the high-watermark
//! checkpoint (a broker process that dies leaves its appended records in the operating
//! system's page cache), and the queue's record of what consumers acked. The rest —
//! the partition's leader and in-sync set, what the followers hold, writes waiting for
//! `acks=all` — is memory, and the controller tells a returning replica who leads.
//! The consumers' committed position travels to the followers with each fetch answer.

use crate::actor::{Ctx, Fact, Input, Mark, Timer};
use crate::fault::CrashPoint;
use crate::ledger::{Cause, CauseKind};
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::replication::Acks;
use crate::speech::{card, ids};
use crate::trace::{Detail, EventKind, ReplicaDetail};
use mqlab_text::cards::Key;
use mqlab_text::Words;

use super::Broker;

/// One record of the log; its offset is its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LogRecord {
    pub message: u32,
    /// The leader epoch in which it was appended.
    pub epoch: u32,
    /// Why this copy exists if it is an extra one.
    pub cause: Option<Cause>,
}

/// What a replica's disk holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReplicaDisk {
    pub log: Vec<LogRecord>,
    /// The leader-epoch cache: each epoch and the offset at which it began.
    pub epochs: Vec<(u32, u32)>,
    /// The high watermark as last written down.
    pub high_watermark: u32,
}

/// What a replica holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReplicaMemory {
    /// The partition's leader as last told (none: unknown or no leader).
    pub leader: Option<NodeId>,
    /// The leader epoch as last told.
    pub epoch: u32,
    /// The in-sync set as last told, one bit per broker instance.
    pub isr: u8,
    /// The in-sync set the leader asked the controller for, until it answers.
    pub proposed_isr: Option<u8>,
    /// The high watermark.
    pub high_watermark: u32,
    /// Leader: each follower's log end offset, as its latest fetch said.
    pub follower_end: [u32; 8],
    /// Leader: when each follower was last caught up with the log end.
    pub caught_up_tick: [u64; 8],
    /// Leader: the high watermark each follower was last told.
    pub told_high_watermark: [u32; 8],
    /// Leader: how many records each follower was last told the consumers had acked
    /// (the committed consumer position, which Kafka keeps in a replicated log of its
    /// own: a new leader must not hand out again what was acked before the failover).
    pub told_acked: [u32; 8],
    /// How many records from the first the queue is known to have acked (a lower
    /// bound that saves scanning the whole queue on every fetch).
    pub acked_known: u32,
    /// Leader: the followers whose fetch it holds (one bit per instance).
    pub parked: u8,
    /// Leader: a lag check is scheduled.
    pub lag_check_scheduled: bool,
    /// Leader, `acks=all`: writes waiting for the high watermark, as (offset, message,
    /// producer).
    pub waiting: Vec<(u32, u32, NodeId)>,
    /// Follower: waiting for the leader's answer about its latest epoch.
    pub awaiting_epoch: bool,
    /// Fetches and epoch questions from followers that already know of a newer
    /// leader epoch than this replica (the controller's word reached them first): kept,
    /// at most one per follower, and answered if this replica leads that epoch.
    pub early: Vec<Envelope>,
}

impl ReplicaMemory {
    fn new(high_watermark: u32) -> ReplicaMemory {
        ReplicaMemory {
            leader: None,
            epoch: 0,
            isr: 0,
            proposed_isr: None,
            high_watermark,
            follower_end: [0; 8],
            caught_up_tick: [0; 8],
            told_high_watermark: [0; 8],
            told_acked: [0; 8],
            acked_known: 0,
            parked: 0,
            lag_check_scheduled: false,
            waiting: Vec::new(),
            awaiting_epoch: false,
            early: Vec::new(),
        }
    }
}

/// A replica's state, with the queue it serves to consumers while it leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Replica {
    pub disk: ReplicaDisk,
    pub memory: ReplicaMemory,
    /// The committed records, as a queue: the leader delivers them to the consumers
    /// and records their acks (the same queue as a single broker's).
    pub queue: Broker,
}

/// The bit of a broker in an in-sync set.
#[inline]
pub(crate) fn bit(node: NodeId) -> u8 {
    1u8.checked_shl(u32::from(node.instance())).unwrap_or(0)
}

/// The number of members of a set.
#[inline]
pub(crate) fn size(set: u8) -> u16 {
    set.count_ones() as u16
}

fn broker(instance: u32) -> NodeId {
    NodeId::new(RoleKind::Broker, instance as u8)
}

impl Replica {
    pub fn new(messages: u32) -> Replica {
        Replica {
            disk: ReplicaDisk {
                log: Vec::new(),
                epochs: Vec::new(),
                high_watermark: 0,
            },
            memory: ReplicaMemory::new(0),
            queue: Broker::new(messages),
        }
    }

    /// How many records from the first the consumers have acked.
    fn acked_prefix(&mut self) -> u32 {
        let acked = self.queue.acked_prefix_from(self.memory.acked_known);
        self.memory.acked_known = acked;
        acked
    }

    /// The log end offset.
    pub fn log_end(&self) -> u32 {
        self.disk.log.len() as u32
    }

    fn is_leader(&self, ctx: &Ctx<'_>) -> bool {
        self.memory.leader == Some(ctx.id)
    }

    fn acks(ctx: &Ctx<'_>) -> Acks {
        ctx.scenario.replication.acks_in(ctx.mode())
    }

    fn min_insync(ctx: &Ctx<'_>) -> u16 {
        ctx.scenario.replication.min_insync_replicas
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Start => self.start(ctx),
            Input::Message(envelope) => match envelope.kind {
                MessageKind::Publish => self.on_publish(envelope, ctx),
                MessageKind::Fetch => self.on_fetch(envelope, ctx),
                MessageKind::FetchResponse => self.on_fetch_response(envelope, ctx),
                MessageKind::EpochQuery => self.on_epoch_query(envelope, ctx),
                MessageKind::EpochAnswer => self.on_epoch_answer(envelope, ctx),
                MessageKind::LeaderAndIsr => self.on_leader_and_isr(envelope, ctx),
                MessageKind::Ack => {
                    self.queue.handle(input, ctx);
                    // A caught-up follower's held fetch carries the new acked position.
                    if self.is_leader(ctx) {
                        self.answer_parked(ctx);
                    }
                }
                _ => self.queue.handle(input, ctx),
            },
            Input::Timer(Timer::LagCheck) => self.check_lag(ctx),
            Input::Timer(_) => self.queue.handle(input, ctx),
            Input::Crash => self.crash(ctx),
            Input::Recover => self.recover(ctx),
            Input::ReplayDeadLetters => self.queue.handle(input, ctx),
            Input::ConnectionOpened(peer) if peer.role() == RoleKind::Broker => {
                // The link to the leader is back (it healed, or the leader restarted):
                // a follower asks again what it last asked, since the question may
                // have been lost: where its epoch ends, or the next records.
                if self.memory.leader == Some(peer) {
                    if self.memory.awaiting_epoch {
                        self.ask_epoch_end(ctx);
                    } else {
                        self.fetch(ctx);
                    }
                }
            }
            Input::ConnectionClosed(peer) | Input::ConnectionOpened(peer) => {
                if peer.role() == RoleKind::Consumer {
                    self.queue.handle(input, ctx);
                }
            }
        }
    }

    /// The run begins with `broker` leading epoch 0 and every replica in sync.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let brokers = ctx.scenario.topology.brokers;
        self.memory.leader = Some(NodeId::BROKER);
        self.memory.epoch = 0;
        self.memory.isr = ((1u16 << brokers) - 1) as u8;
        if ctx.id == NodeId::BROKER {
            self.disk.epochs.push((0, 0));
        } else {
            self.fetch(ctx);
        }
    }

    // ----- the leader -----

    fn on_publish(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        let producer = envelope.link.from;
        if !self.is_leader(ctx) {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            return;
        }
        let acks = Self::acks(ctx);
        if ctx.mode() == Mode::Idempotent {
            // The producer's sequence numbers are in the log itself, so a new leader
            // recognises a retry of a record its predecessor appended.
            if let Some(offset) = self.disk.log.iter().position(|r| r.message == message) {
                ctx.detail(Detail::Replication(ReplicaDetail::DuplicateInLog));
                let offset = offset as u32;
                if offset < self.memory.high_watermark {
                    if acks != Acks::Zero {
                        self.confirm(message, producer, ctx);
                    }
                } else if acks == Acks::All && !self.memory.waiting.iter().any(|w| w.0 == offset) {
                    self.memory.waiting.push((offset, message, producer));
                }
                return;
            }
        }
        let in_sync = size(self.memory.isr);
        if acks == Acks::All && in_sync < Self::min_insync(ctx) {
            ctx.detail(Detail::Replication(ReplicaDetail::NotEnoughReplicas {
                in_sync,
            }));
            ctx.fact(Fact::Refused {
                message,
                after_append: false,
            });
            ctx.send_replication(
                producer,
                MessageKind::NotEnoughReplicas,
                (message, 0, envelope.attempt),
                [0; 2],
            );
            return;
        }
        let offset = self.log_end();
        self.disk.log.push(LogRecord {
            message,
            epoch: self.memory.epoch,
            cause: envelope.cause,
        });
        ctx.detail(Detail::Replication(ReplicaDetail::LeaderAppended {
            offset,
        }));
        if ctx.crash_point(CrashPoint::BrokerAfterAppend, message) {
            return;
        }
        match acks {
            Acks::One => {
                self.confirm(message, producer, ctx);
                if ctx.crash_point(CrashPoint::BrokerAfterConfirm, message) {
                    return;
                }
            }
            Acks::All => self.memory.waiting.push((offset, message, producer)),
            Acks::Zero => {}
        }
        // Followers whose fetch is held were caught up until now.
        for follower in 0..8u32 {
            if self.memory.parked & (1 << follower) != 0 {
                self.memory.caught_up_tick[follower as usize] = ctx.tick;
            }
        }
        self.advance_high_watermark(ctx);
        self.answer_parked(ctx);
        self.schedule_lag_check(ctx);
    }

    fn confirm(&self, message: u32, producer: NodeId, ctx: &mut Ctx<'_>) {
        ctx.send_replication(producer, MessageKind::Confirm, (message, 0, 1), [0; 2]);
    }

    fn on_fetch(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let follower = envelope.link.from;
        if !self.is_leader(ctx) {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            self.keep_if_early(envelope);
            return;
        }
        let index = usize::from(follower.instance());
        let offset = envelope.tag;
        self.memory.follower_end[index] = offset.min(self.log_end());
        self.memory.parked &= !bit(follower);
        if offset >= self.log_end() {
            self.memory.caught_up_tick[index] = ctx.tick;
        }
        self.update_isr(Some(follower), ctx);
        self.advance_high_watermark(ctx);
        self.serve(follower, offset, ctx);
        self.answer_parked(ctx);
    }

    /// Answers a follower's fetch from `offset`, or holds it.
    fn serve(&mut self, follower: NodeId, offset: u32, ctx: &mut Ctx<'_>) {
        let index = usize::from(follower.instance());
        let high_watermark = self.memory.high_watermark;
        let acked = self.acked_prefix();
        ctx.mark(Mark::Peer(follower));
        if offset > self.log_end() {
            let log_end = self.log_end();
            ctx.detail(Detail::Replication(ReplicaDetail::OutOfRange { log_end }));
            ctx.send_replication(
                follower,
                MessageKind::FetchResponse,
                (0, log_end, self.memory.epoch),
                [high_watermark.min(log_end), acked],
            );
        } else if let Some(record) = self.disk.log.get(offset as usize) {
            ctx.mark(Mark::Message(record.message));
            ctx.detail(Detail::Replication(ReplicaDetail::Served { offset }));
            self.memory.told_high_watermark[index] = high_watermark;
            self.memory.told_acked[index] = acked;
            ctx.send_replication(
                follower,
                MessageKind::FetchResponse,
                (record.message, offset, record.epoch),
                [high_watermark, acked],
            );
        } else if self.memory.told_high_watermark[index] < high_watermark
            || self.memory.told_acked[index] < acked
        {
            ctx.detail(Detail::Replication(ReplicaDetail::ServedHighWatermark {
                high_watermark,
            }));
            self.memory.told_high_watermark[index] = high_watermark;
            self.memory.told_acked[index] = acked;
            ctx.send_replication(
                follower,
                MessageKind::FetchResponse,
                (0, offset, self.memory.epoch),
                [high_watermark, acked],
            );
        } else {
            ctx.detail(Detail::Replication(ReplicaDetail::Parked));
            self.memory.parked |= bit(follower);
        }
    }

    /// Answers every held fetch that now has news.
    fn answer_parked(&mut self, ctx: &mut Ctx<'_>) {
        let parked = self.memory.parked;
        if parked == 0 {
            return;
        }
        let notes_before = ctx.notes_snapshot();
        for instance in 0..8u32 {
            if parked & (1 << instance) == 0 {
                continue;
            }
            let follower = broker(instance);
            let offset = self.memory.follower_end[instance as usize];
            let has_news = offset < self.log_end()
                || self.memory.told_high_watermark[instance as usize] < self.memory.high_watermark
                || self.memory.told_acked[instance as usize] < self.acked_prefix();
            if has_news {
                self.memory.parked &= !(1 << instance);
                self.serve(follower, offset, ctx);
            }
        }
        // Answering held fetches is a side effect of this step; its record keeps what
        // the step itself was about.
        ctx.restore_notes(notes_before);
    }

    /// The in-sync set the leader wants: the current one, less the followers that lag
    /// for longer than the lag timeout, plus the followers caught up with the log end
    /// that are fetching: `fetcher`, whose fetch is being answered, and those whose
    /// fetch the leader holds. As in Kafka, a follower is added back on a fetch of its
    /// own: a crashed follower whose last fetch reached the log end is not (the
    /// controller, which fenced it, would refuse it, and the leader would ask again).
    fn update_isr(&mut self, fetcher: Option<NodeId>, ctx: &mut Ctx<'_>) {
        let fetching = self.memory.parked | fetcher.map_or(0, bit);
        let lag_timeout = ctx.scenario.replication.lag_timeout_ticks;
        let mut wanted = self.memory.isr | bit(ctx.id);
        for instance in 0..u32::from(ctx.scenario.topology.brokers) {
            let follower = broker(instance);
            if follower == ctx.id {
                continue;
            }
            let index = instance as usize;
            let caught_up = self.memory.follower_end[index] >= self.log_end()
                && self.memory.follower_end[index] >= self.memory.high_watermark;
            let lagging = !caught_up
                && ctx.tick.saturating_sub(self.memory.caught_up_tick[index]) >= lag_timeout;
            if caught_up && (fetching | wanted) & bit(follower) != 0 {
                wanted |= bit(follower);
            } else if lagging {
                wanted &= !bit(follower);
            }
        }
        // One request at a time, as in Kafka (KIP-497): while one is in flight the
        // controller may already have made it the partition's set, so the leader
        // neither replaces it nor counts fewer members than it names; it asks for the
        // next change once the controller has answered.
        if wanted != self.memory.isr && self.memory.proposed_isr.is_none() {
            self.memory.proposed_isr = Some(wanted);
            ctx.send_replication(
                NodeId::CONTROLLER,
                MessageKind::AlterIsr,
                (u32::from(wanted), self.memory.epoch, 0),
                [0; 2],
            );
        }
    }

    fn schedule_lag_check(&mut self, ctx: &mut Ctx<'_>) {
        if self.memory.lag_check_scheduled || !self.is_leader(ctx) {
            return;
        }
        let lagging = (0..u32::from(ctx.scenario.topology.brokers)).any(|instance| {
            let follower = broker(instance);
            follower != ctx.id
                && self.memory.isr & bit(follower) != 0
                && self.memory.follower_end[instance as usize] < self.log_end()
        });
        if lagging {
            self.memory.lag_check_scheduled = true;
            ctx.set_timer(ctx.scenario.replication.lag_timeout_ticks, Timer::LagCheck);
        }
    }

    fn check_lag(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.lag_check_scheduled = false;
        if !self.is_leader(ctx) {
            return;
        }
        let before = self.memory.proposed_isr;
        self.update_isr(None, ctx);
        if self.memory.proposed_isr != before {
            ctx.step(EventKind::Replicate);
            ctx.detail(Detail::Replication(ReplicaDetail::IsrChanged {
                size: size(self.memory.proposed_isr.unwrap_or(self.memory.isr)),
            }));
        }
        // While a request is in flight nothing changes until the controller answers,
        // and its answer schedules the next check; checking again meanwhile would tick
        // forever, without a step, when the controller cannot be reached.
        if self.memory.proposed_isr.is_none() {
            self.schedule_lag_check(ctx);
        }
    }

    /// Leader, for the page: what keeps the record at `offset` above the high
    /// watermark — the in-sync set's size when it is below `min.insync.replicas`
    /// (`Err`), else the in-sync followers (or followers joining it) whose log does not
    /// reach past it yet, by the rule of `advance_high_watermark`.
    pub fn lacking(&self, id: NodeId, offset: u32, min_insync: u16) -> Result<Vec<NodeId>, u16> {
        if size(self.memory.isr) < min_insync {
            return Err(size(self.memory.isr));
        }
        let members = self.memory.isr | self.memory.proposed_isr.unwrap_or(0);
        Ok((0..8u32)
            .map(broker)
            .filter(|f| *f != id && members & bit(*f) != 0)
            .filter(|f| self.memory.follower_end[f.instance() as usize] <= offset)
            .collect())
    }

    /// Moves the high watermark to the smallest log end over the in-sync set (and any
    /// member the leader has asked to add), if the set is large enough; confirms the
    /// `acks=all` writes it passes and hands the committed records to the queue.
    fn advance_high_watermark(&mut self, ctx: &mut Ctx<'_>) {
        if !self.is_leader(ctx) || size(self.memory.isr) < Self::min_insync(ctx) {
            return;
        }
        let members = self.memory.isr | self.memory.proposed_isr.unwrap_or(0);
        let mut high_watermark = self.log_end();
        for instance in 0..u32::from(ctx.scenario.topology.brokers) {
            let follower = broker(instance);
            if follower != ctx.id && members & bit(follower) != 0 {
                high_watermark = high_watermark.min(self.memory.follower_end[instance as usize]);
            }
        }
        if high_watermark <= self.memory.high_watermark {
            return;
        }
        self.commit_to(high_watermark, true, ctx);
        let waiting = std::mem::take(&mut self.memory.waiting);
        let mut crashed = false;
        for &(offset, message, producer) in &waiting {
            if crashed || offset >= high_watermark {
                if !crashed {
                    self.memory.waiting.push((offset, message, producer));
                }
                continue;
            }
            self.confirm(message, producer, ctx);
            crashed = ctx.crash_point(CrashPoint::BrokerAfterConfirm, message);
        }
    }

    /// Records the high watermark and hands the records below it to the queue.
    fn commit_to(&mut self, high_watermark: u32, leader: bool, ctx: &mut Ctx<'_>) {
        let from = self.memory.high_watermark.max(self.queue.exposed());
        for offset in from..high_watermark.min(self.log_end()) {
            let record = self.disk.log[offset as usize];
            if leader {
                ctx.fact(Fact::Stored(record.message));
            }
            self.queue.expose(record.message, record.cause, leader, ctx);
        }
        self.memory.high_watermark = high_watermark;
        self.disk.high_watermark = high_watermark;
    }

    /// The in-sync set shrank below `min.insync.replicas`: the writes waiting for the
    /// high watermark get "not enough replicas after append" (their records stay in
    /// the log and may still be committed later).
    fn refuse_waiting(&mut self, ctx: &mut Ctx<'_>) {
        if self.memory.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.memory.waiting);
        ctx.detail(Detail::Replication(ReplicaDetail::RefusedAfterAppend {
            count: waiting.len() as u32,
        }));
        for (_, message, producer) in waiting {
            ctx.fact(Fact::Refused {
                message,
                after_append: true,
            });
            ctx.send_replication(
                producer,
                MessageKind::NotEnoughReplicas,
                (message, 1, 1),
                [0; 2],
            );
        }
    }

    fn on_epoch_query(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        if !self.is_leader(ctx) {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            self.keep_if_early(envelope);
            return;
        }
        // The answer names the latest epoch of this log not after the one asked
        // about, with where it ends here (KIP-279): a follower whose epoch this log
        // never had learns where their histories part.
        let asked = envelope.tag;
        let end = self.epoch_end(asked);
        let epoch = self
            .disk
            .epochs
            .iter()
            .rev()
            .find(|(e, _)| *e <= asked)
            .map_or(asked, |(e, _)| *e);
        ctx.mark(Mark::Peer(envelope.link.from));
        ctx.detail(Detail::Replication(ReplicaDetail::EpochAnswered { end }));
        ctx.send_replication(
            envelope.link.from,
            MessageKind::EpochAnswer,
            (0, end, epoch),
            [0; 2],
        );
    }

    /// Keeps a follower's request made in a leader epoch newer than this replica knows
    /// (the latest one from that follower).
    fn keep_if_early(&mut self, envelope: &Envelope) {
        if envelope.attempt <= self.memory.epoch {
            return;
        }
        let from = envelope.link.from;
        self.memory.early.retain(|e| e.link.from != from);
        self.memory.early.push(*envelope);
    }

    /// Having learnt a new epoch: answers the requests kept for it if this replica
    /// leads it, and forgets those of older epochs.
    fn answer_early(&mut self, ctx: &mut Ctx<'_>) {
        if self.memory.early.is_empty() {
            return;
        }
        let epoch = self.memory.epoch;
        let early = std::mem::take(&mut self.memory.early);
        let notes_before = ctx.notes_snapshot();
        for envelope in &early {
            if envelope.attempt == epoch && self.is_leader(ctx) {
                match envelope.kind {
                    MessageKind::Fetch => self.on_fetch(envelope, ctx),
                    _ => self.on_epoch_query(envelope, ctx),
                }
            }
        }
        ctx.restore_notes(notes_before);
        self.memory
            .early
            .extend(early.into_iter().filter(|e| e.attempt > epoch));
    }

    /// Where `epoch` ends in this log: where the first later epoch begins, or the log
    /// end if none is later (KIP-101's OffsetsForLeaderEpoch).
    pub fn epoch_end(&self, epoch: u32) -> u32 {
        self.disk
            .epochs
            .iter()
            .find(|(e, _)| *e > epoch)
            .map_or(self.log_end(), |(_, start)| *start)
            .min(self.log_end())
    }

    // ----- the follower -----

    fn fetch(&mut self, ctx: &mut Ctx<'_>) {
        let Some(leader) = self.memory.leader.filter(|l| *l != ctx.id) else {
            return;
        };
        ctx.send_replication(
            leader,
            MessageKind::Fetch,
            (0, self.log_end(), self.memory.epoch),
            [0; 2],
        );
    }

    fn on_fetch_response(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        if self.memory.leader != Some(envelope.link.from) || self.memory.awaiting_epoch {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            return;
        }
        let [high_watermark, acked] = envelope.extra;
        let offset = envelope.tag;
        let mut appended = None;
        if envelope.message == 0 && offset < self.log_end() {
            // Beyond the leader's log end: cut back to it.
            self.truncate_to(offset, ctx);
        } else if envelope.message != 0 && offset == self.log_end() {
            let epoch = envelope.attempt;
            if self.disk.epochs.last().is_none_or(|(e, _)| *e < epoch) {
                self.disk.epochs.push((epoch, offset));
            }
            self.disk.log.push(LogRecord {
                message: envelope.message,
                epoch,
                cause: envelope.cause,
            });
            appended = Some(offset);
            ctx.detail(Detail::Replication(ReplicaDetail::FollowerAppended {
                offset,
            }));
        } else {
            ctx.detail(Detail::Replication(ReplicaDetail::LearntHighWatermark {
                high_watermark,
            }));
        }
        let high_watermark = high_watermark.min(self.log_end());
        if high_watermark > self.memory.high_watermark {
            self.commit_to(high_watermark, false, ctx);
        }
        if acked > self.memory.acked_known {
            self.queue.ack_range(self.memory.acked_known, acked);
            self.memory.acked_known = acked.min(self.queue.disk.entries.len() as u32);
        }
        self.fetch(ctx);
        if appended.is_some() {
            ctx.crash_point(CrashPoint::BrokerAfterFetch, envelope.message);
        }
    }

    fn on_epoch_answer(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        if self.memory.leader != Some(envelope.link.from) || !self.memory.awaiting_epoch {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            return;
        }
        self.memory.awaiting_epoch = false;
        // Cut where the leader's epoch ends, or where the same epoch ends in this log if
        // that is sooner (the leader may never have had this replica's later epochs).
        let end = envelope.tag.min(self.epoch_end(envelope.attempt));
        if end < self.log_end() {
            self.truncate_to(end, ctx);
        } else {
            ctx.detail(Detail::Replication(ReplicaDetail::Truncated {
                log_end: self.log_end(),
                dropped: 0,
            }));
        }
        self.fetch(ctx);
    }

    /// Cuts the log back to `log_end`; what is dropped may be lost.
    fn truncate_to(&mut self, log_end: u32, ctx: &mut Ctx<'_>) {
        let dropped = self.log_end().saturating_sub(log_end);
        for record in self.disk.log.drain(log_end as usize..) {
            ctx.fact(Fact::MayBeLost {
                message: record.message,
                cause: CauseKind::LogTruncated(ctx.id),
            });
        }
        self.disk
            .epochs
            .retain(|(_, start)| *start < log_end || *start == 0);
        self.memory.high_watermark = self.memory.high_watermark.min(log_end);
        self.disk.high_watermark = self.disk.high_watermark.min(log_end);
        self.queue.truncate_queue(log_end);
        self.memory.acked_known = self.memory.acked_known.min(log_end);
        ctx.detail(Detail::Replication(ReplicaDetail::Truncated {
            log_end,
            dropped,
        }));
    }

    /// Becomes a follower of `leader`: first cuts the log where it may have diverged.
    fn follow(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.scenario.replication.truncate_to_high_watermark {
            if self.memory.high_watermark < self.log_end() {
                self.truncate_to(self.memory.high_watermark, ctx);
            }
            self.fetch(ctx);
        } else {
            self.memory.awaiting_epoch = true;
            self.ask_epoch_end(ctx);
        }
    }

    /// Asks the leader where the latest epoch of this replica's log ends in its log.
    fn ask_epoch_end(&mut self, ctx: &mut Ctx<'_>) {
        let latest = self.disk.epochs.last().map_or(0, |(e, _)| *e);
        if let Some(leader) = self.memory.leader {
            // The leader epoch it asks in goes along, as a fetch's does.
            ctx.send_replication(
                leader,
                MessageKind::EpochQuery,
                (0, latest, self.memory.epoch),
                [0; 2],
            );
        }
    }

    // ----- the controller's word -----

    fn on_leader_and_isr(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let epoch = envelope.tag;
        let known = self.memory.leader.is_some() || self.memory.epoch > 0;
        if known && epoch < self.memory.epoch {
            ctx.detail(Detail::Replication(ReplicaDetail::NotLeader));
            return;
        }
        let leader = envelope.message.checked_sub(1).map(broker);
        let was_leader = self.is_leader(ctx);
        let new_epoch = !known || epoch != self.memory.epoch || leader != self.memory.leader;
        self.memory.epoch = epoch;
        self.memory.leader = leader;
        self.memory.isr = envelope.attempt as u8;
        // A request to change the in-sync set stays in flight until the controller
        // answers that very request (or the epoch moves on): until then its members
        // still count for the high watermark (Kafka's maximal in-sync set), even when
        // the answer to an earlier request arrives first.
        let answered = envelope.extra[0]
            .checked_sub(1)
            .is_some_and(|set| self.memory.proposed_isr == Some(set as u8));
        if new_epoch || answered {
            self.memory.proposed_isr = None;
        } else if let Some(set) = self.memory.proposed_isr.filter(|_| leader == Some(ctx.id)) {
            // The controller spoke without answering it: the request or its answer
            // may have been lost on a cut link, so it goes again.
            ctx.send_replication(
                NodeId::CONTROLLER,
                MessageKind::AlterIsr,
                (u32::from(set), epoch, 0),
                [0; 2],
            );
        }
        ctx.detail(Detail::Replication(ReplicaDetail::LeaderAndIsr { epoch }));
        if new_epoch {
            if was_leader && leader != Some(ctx.id) {
                // Stepping down: the writes waiting for acks=all get no answer (the
                // producer retries them), and the queue stops delivering.
                self.memory.waiting.clear();
                self.memory.parked = 0;
                self.queue.handle(Input::Crash, ctx);
            }
            if leader == Some(ctx.id) {
                self.lead(ctx);
            } else if leader.is_some() {
                self.memory.awaiting_epoch = false;
                self.follow(ctx);
            }
        } else if self.is_leader(ctx) {
            if size(self.memory.isr) < Self::min_insync(ctx) {
                self.refuse_waiting(ctx);
            }
            self.advance_high_watermark(ctx);
            self.answer_parked(ctx);
            self.update_isr(None, ctx);
            self.schedule_lag_check(ctx);
        }
        self.answer_early(ctx);
    }

    /// Becomes the leader of the current epoch.
    fn lead(&mut self, ctx: &mut Ctx<'_>) {
        let epoch = self.memory.epoch;
        if self.disk.epochs.last().is_none_or(|(e, _)| *e < epoch) {
            self.disk.epochs.push((epoch, self.log_end()));
        }
        self.memory.follower_end = [0; 8];
        self.memory.told_high_watermark = [0; 8];
        self.memory.told_acked = [0; 8];
        self.memory.caught_up_tick = [ctx.tick; 8];
        self.memory.parked = 0;
        self.memory.awaiting_epoch = false;
        // The new leader's queue delivers what its log has committed and the
        // consumers have not acked, as far as it knows.
        self.queue.handle(Input::Recover, ctx);
        self.advance_high_watermark(ctx);
        self.schedule_lag_check(ctx);
    }

    fn crash(&mut self, ctx: &mut Ctx<'_>) {
        if self.is_leader(ctx) {
            for record in &self.disk.log[self.memory.high_watermark as usize..] {
                ctx.fact(Fact::MayBeLost {
                    message: record.message,
                    cause: CauseKind::LeaderCrashBeforeReplicated(ctx.id),
                });
            }
        }
        self.queue.handle(Input::Crash, ctx);
        self.memory = ReplicaMemory::new(self.disk.high_watermark);
    }

    /// Back from a crash: the log is on disk; who leads, the controller will say.
    /// Before KIP-101 the replica cut its log to its high watermark at once.
    fn recover(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.scenario.replication.truncate_to_high_watermark
            && self.disk.high_watermark < self.log_end()
        {
            self.truncate_to(self.disk.high_watermark, ctx);
        }
    }

    /// Disk lines for the snapshot: the log's latest records, the leader-epoch cache
    /// and the high-watermark checkpoint.
    pub fn disk_lines(&self, w: &Words) -> Vec<String> {
        let log = &self.disk.log;
        let first = log.len().saturating_sub(12);
        let records = ids(log[first..].iter().map(|r| r.message));
        let epochs: Vec<String> = self
            .disk
            .epochs
            .iter()
            .map(|(epoch, start)| format!("{epoch}@{start}"))
            .collect();
        vec![
            if first > 0 {
                card!(w, ReplicaLogLatest, msgs = records)
            } else {
                card!(w, ReplicaLog, msgs = records)
            },
            card!(w, ReplicaEpochs, epochs = epochs.join(" ")),
            card!(
                w,
                ReplicaHighWatermarkCheckpoint,
                offset = self.disk.high_watermark
            ),
        ]
    }

    /// Memory lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        let leader = self
            .memory
            .leader
            .map_or_else(|| w.get(Key::None).to_string(), |l| l.to_string());
        let mut lines = vec![card!(
            w,
            ReplicaState,
            leader = leader,
            epoch = self.memory.epoch,
            in_sync = size(self.memory.isr),
            high_watermark = self.memory.high_watermark
        )];
        if !self.memory.waiting.is_empty() {
            let waiting = ids(self.memory.waiting.iter().map(|(_, m, _)| *m));
            lines.push(card!(w, ReplicaWaiting, msgs = waiting));
        }
        lines.extend(self.queue.memory_lines(w));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::scenario::Scenario;

    fn scenario(brokers: u16, acks: Acks, min_insync_replicas: u16) -> Scenario {
        let mut s = bench::scenario(Mode::AtLeastOnce, 3);
        s.topology.brokers = brokers;
        s.replication.acks = Some(acks);
        s.replication.min_insync_replicas = min_insync_replicas;
        s
    }

    fn run(
        node: NodeId,
        s: &Scenario,
        tick: u64,
        input: Input<'_>,
        r: &mut Replica,
    ) -> Vec<Output> {
        bench::run(node, s, &mut Armed::default(), tick, |ctx| {
            r.handle(input, ctx)
        })
    }

    /// A replica on `node` after the start of the run (`broker` leads epoch 0).
    fn started(node: NodeId, s: &Scenario) -> Replica {
        let mut r = Replica::new(s.messages);
        run(node, s, 0, Input::Start, &mut r);
        r
    }

    fn publish(message: u32) -> Envelope {
        bench::envelope(
            NodeId::PRODUCER,
            NodeId::BROKER,
            MessageKind::Publish,
            message,
            0,
        )
    }

    fn fetch(follower: u32, offset: u32) -> Envelope {
        bench::envelope(
            broker(follower),
            NodeId::BROKER,
            MessageKind::Fetch,
            0,
            offset,
        )
    }

    /// What the leader sent a follower in answer to a fetch: (message, offset, high
    /// watermark, acked).
    fn answers(outputs: &[Output], follower: u32) -> Vec<(u32, u32, u32, u32)> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Send(s)
                    if s.to == broker(follower) && s.kind == MessageKind::FetchResponse =>
                {
                    Some((s.message, s.tag, s.extra[0], s.extra[1]))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn with_acks_all_the_leader_confirms_only_when_the_follower_has_fetched_past_the_record() {
        let s = scenario(2, Acks::All, 1);
        let mut leader = started(NodeId::BROKER, &s);
        let out = run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        assert_eq!(leader.log_end(), 1);
        assert!(
            bench::sends(&out).is_empty(),
            "no confirm before replication"
        );
        let out = run(
            NodeId::BROKER,
            &s,
            2,
            Input::Message(&fetch(1, 0)),
            &mut leader,
        );
        assert_eq!(answers(&out, 1), vec![(1, 0, 0, 0)]);
        assert_eq!(leader.memory.high_watermark, 0);
        // The next fetch says the follower has offset 0: the high watermark passes it.
        let out = run(
            NodeId::BROKER,
            &s,
            3,
            Input::Message(&fetch(1, 1)),
            &mut leader,
        );
        assert_eq!(leader.memory.high_watermark, 1);
        assert!(bench::sends(&out).contains(&(NodeId::PRODUCER, MessageKind::Confirm, 1)));
    }

    #[test]
    fn with_acks_1_the_leader_confirms_after_its_own_append() {
        let s = scenario(3, Acks::One, 1);
        let mut leader = started(NodeId::BROKER, &s);
        let out = run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        assert_eq!(leader.log_end(), 1);
        assert_eq!(leader.memory.high_watermark, 0);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::PRODUCER, MessageKind::Confirm, 1)]
        );
    }

    #[test]
    fn with_acks_all_and_too_few_in_sync_replicas_the_write_is_refused_before_the_append() {
        let s = scenario(2, Acks::All, 2);
        let mut leader = started(NodeId::BROKER, &s);
        leader.memory.isr = bit(NodeId::BROKER);
        let out = run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        assert_eq!(leader.log_end(), 0);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::PRODUCER, MessageKind::NotEnoughReplicas, 1)]
        );
        assert_eq!(
            bench::facts(&out),
            vec![Fact::Refused {
                message: 1,
                after_append: false
            }]
        );
    }

    #[test]
    fn the_high_watermark_does_not_advance_while_the_in_sync_set_is_below_the_minimum() {
        // acks=1 writes are appended, but not committed (Kafka 3.7 and later).
        let s = scenario(2, Acks::One, 2);
        let mut leader = started(NodeId::BROKER, &s);
        leader.memory.isr = bit(NodeId::BROKER);
        run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        run(
            NodeId::BROKER,
            &s,
            2,
            Input::Message(&fetch(1, 1)),
            &mut leader,
        );
        assert_eq!(leader.memory.high_watermark, 0);
    }

    #[test]
    fn a_caught_up_follower_has_its_fetch_held_until_a_consumer_acks() {
        let s = scenario(2, Acks::All, 1);
        let mut leader = started(NodeId::BROKER, &s);
        run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        run(
            NodeId::BROKER,
            &s,
            2,
            Input::Message(&fetch(1, 0)),
            &mut leader,
        );
        let out = run(
            NodeId::BROKER,
            &s,
            3,
            Input::Message(&fetch(1, 1)),
            &mut leader,
        );
        assert_eq!(
            answers(&out, 1),
            vec![(0, 1, 1, 0)],
            "the new high watermark"
        );
        let out = run(
            NodeId::BROKER,
            &s,
            4,
            Input::Message(&fetch(1, 1)),
            &mut leader,
        );
        assert!(
            answers(&out, 1).is_empty(),
            "nothing new: the fetch is held"
        );
        assert_eq!(leader.memory.parked, bit(broker(1)));
        // The consumer's ack is news: the held fetch carries the acked position.
        leader.queue.ack_below(1);
        let ack = bench::envelope(NodeId::CONSUMER, NodeId::BROKER, MessageKind::Ack, 1, 0);
        let out = run(NodeId::BROKER, &s, 5, Input::Message(&ack), &mut leader);
        assert_eq!(answers(&out, 1), vec![(0, 1, 1, 1)]);
        assert_eq!(leader.memory.parked, 0);
    }

    #[test]
    fn a_follower_appends_the_record_it_is_sent_and_fetches_the_next_offset() {
        let s = scenario(2, Acks::All, 1);
        let mut follower = Replica::new(3);
        let out = run(broker(1), &s, 0, Input::Start, &mut follower);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Fetch, 0)]
        );
        let mut response =
            bench::envelope(NodeId::BROKER, broker(1), MessageKind::FetchResponse, 1, 0);
        response.attempt = 0;
        let out = run(broker(1), &s, 3, Input::Message(&response), &mut follower);
        assert_eq!(follower.log_end(), 1);
        assert_eq!(follower.memory.high_watermark, 0, "learnt one fetch later");
        let fetches: Vec<u32> = out
            .iter()
            .filter_map(|o| match o {
                Output::Send(s) if s.kind == MessageKind::Fetch => Some(s.tag),
                _ => None,
            })
            .collect();
        assert_eq!(fetches, vec![1]);
    }

    /// A follower whose log holds m1 and m2, with m1 below its high watermark.
    fn follower_with_two_records() -> Replica {
        let mut follower = Replica::new(3);
        for message in [1, 2] {
            follower.disk.log.push(LogRecord {
                message,
                epoch: 0,
                cause: None,
            });
        }
        follower.disk.epochs.push((0, 0));
        follower.disk.high_watermark = 1;
        follower
    }

    #[test]
    fn before_kip_101_a_returning_replica_cuts_its_log_to_its_high_watermark() {
        let mut s = scenario(2, Acks::All, 1);
        s.replication.truncate_to_high_watermark = true;
        let mut follower = follower_with_two_records();
        let out = run(broker(1), &s, 9, Input::Recover, &mut follower);
        assert_eq!(follower.log_end(), 1);
        assert_eq!(
            bench::facts(&out),
            vec![Fact::MayBeLost {
                message: 2,
                cause: CauseKind::LogTruncated(broker(1)),
            }]
        );
    }

    #[test]
    fn with_leader_epochs_a_returning_replica_keeps_its_log_and_asks_the_leader_first() {
        let s = scenario(2, Acks::All, 1);
        let mut follower = follower_with_two_records();
        run(broker(1), &s, 9, Input::Recover, &mut follower);
        assert_eq!(follower.log_end(), 2);
        // The controller says `broker` leads epoch 0: ask where epoch 0 ends.
        let mut told = bench::envelope(
            NodeId::CONTROLLER,
            broker(1),
            MessageKind::LeaderAndIsr,
            1,
            0,
        );
        told.attempt = 0b11;
        let out = run(broker(1), &s, 10, Input::Message(&told), &mut follower);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::EpochQuery, 0)]
        );
        assert_eq!(follower.log_end(), 2);
        // The leader's epoch 0 reaches offset 2 in its log: nothing is cut.
        let answer = bench::envelope(NodeId::BROKER, broker(1), MessageKind::EpochAnswer, 0, 2);
        let out = run(broker(1), &s, 12, Input::Message(&answer), &mut follower);
        assert_eq!(follower.log_end(), 2);
        assert!(bench::sends(&out).contains(&(NodeId::BROKER, MessageKind::Fetch, 0)));
    }

    #[test]
    fn a_follower_whose_epoch_question_was_lost_asks_again_when_the_leader_is_reachable() {
        let s = scenario(2, Acks::All, 1);
        let mut follower = follower_with_two_records();
        let mut told = bench::envelope(
            NodeId::CONTROLLER,
            broker(1),
            MessageKind::LeaderAndIsr,
            1,
            0,
        );
        told.attempt = 0b11;
        run(broker(1), &s, 10, Input::Message(&told), &mut follower);
        assert!(follower.memory.awaiting_epoch);
        let out = run(
            broker(1),
            &s,
            30,
            Input::ConnectionOpened(NodeId::BROKER),
            &mut follower,
        );
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::EpochQuery, 0)],
            "the question again, not a fetch: the log is not cut yet"
        );
    }

    #[test]
    fn a_question_that_arrives_before_the_replica_knows_it_leads_is_answered_when_it_learns() {
        let s = scenario(3, Acks::All, 1);
        let mut replica = started(broker(1), &s);
        // broker-3 already knows that broker-2 leads epoch 1 and asks where its epoch 0
        // ends; broker-2 has not heard yet.
        let mut query = bench::envelope(broker(2), broker(1), MessageKind::EpochQuery, 0, 0);
        query.attempt = 1;
        let out = run(broker(1), &s, 5, Input::Message(&query), &mut replica);
        assert!(bench::sends(&out).is_empty());
        let mut told = bench::envelope(
            NodeId::CONTROLLER,
            broker(1),
            MessageKind::LeaderAndIsr,
            2,
            1,
        );
        told.attempt = 0b110;
        let out = run(broker(1), &s, 6, Input::Message(&told), &mut replica);
        assert!(bench::sends(&out).contains(&(broker(2), MessageKind::EpochAnswer, 0)));
        assert!(replica.memory.early.is_empty());
    }

    #[test]
    fn a_follower_drops_the_records_of_an_epoch_the_new_leader_never_had() {
        // KIP-279: broker-2 led epoch 1 briefly and appended m6 at offset 3; the new
        // leader's log has m4 there, in epoch 0, and its epoch 0 ends at 4. Cutting at
        // 4 would keep m6 where the leader has m4; the follower cuts where its own
        // epoch 0 ends, at 3.
        let s = scenario(3, Acks::All, 2);
        let mut follower = Replica::new(8);
        for (message, epoch) in [(1, 0), (2, 0), (3, 0), (6, 1)] {
            follower.disk.log.push(LogRecord {
                message,
                epoch,
                cause: None,
            });
        }
        follower.disk.epochs = vec![(0, 0), (1, 3)];
        follower.memory.leader = Some(broker(2));
        follower.memory.epoch = 2;
        follower.memory.awaiting_epoch = true;
        let mut answer = bench::envelope(broker(2), broker(1), MessageKind::EpochAnswer, 0, 4);
        answer.attempt = 0;
        let out = run(broker(1), &s, 30, Input::Message(&answer), &mut follower);
        assert_eq!(follower.log_end(), 3);
        assert_eq!(
            bench::facts(&out),
            vec![Fact::MayBeLost {
                message: 6,
                cause: CauseKind::LogTruncated(broker(1)),
            }]
        );
    }

    #[test]
    fn a_pending_in_sync_request_still_counts_when_the_answer_to_an_earlier_one_arrives() {
        // The leader asked to shrink the set to itself (0b01), then to take broker-2
        // back (0b11). The answer to the first must not let the high watermark pass
        // records broker-2 lacks while the second is in flight.
        let s = scenario(2, Acks::All, 1);
        let mut leader = started(NodeId::BROKER, &s);
        run(
            NodeId::BROKER,
            &s,
            1,
            Input::Message(&publish(1)),
            &mut leader,
        );
        leader.memory.proposed_isr = Some(0b11);
        let mut answer = bench::envelope(
            NodeId::CONTROLLER,
            NodeId::BROKER,
            MessageKind::LeaderAndIsr,
            1,
            0,
        );
        answer.attempt = 0b01;
        answer.extra = [0b01 + 1, 0];
        let out = run(NodeId::BROKER, &s, 5, Input::Message(&answer), &mut leader);
        assert_eq!(leader.memory.proposed_isr, Some(0b11));
        assert_eq!(
            leader.memory.high_watermark, 0,
            "broker-2 has not fetched m1"
        );
        assert!(!bench::sends(&out).contains(&(NodeId::PRODUCER, MessageKind::Confirm, 1)));
        // The answer to the second request ends it.
        answer.attempt = 0b11;
        answer.extra = [0b11 + 1, 0];
        run(NodeId::BROKER, &s, 6, Input::Message(&answer), &mut leader);
        assert_eq!(leader.memory.proposed_isr, None);
    }
}
