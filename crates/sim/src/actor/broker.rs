//! The broker: the queue. It appends publishes to its log in memory, makes them durable
//! with an fsync, confirms them, delivers them within a window and redelivers what is
//! not acked after a timeout.
//!
//! In transactional mode nothing moves outside a transaction. A publish arrives inside
//! its transaction: the broker holds it in memory, invisible to consumers, and confirms
//! it; the commit appends it to the log. A consume transaction asks the broker to
//! deliver: it sends the message inside the transaction and holds the consumer's ack
//! until the commit, which removes the message from the queue (an abort leaves it
//! there for the next try). The broker's participant votes on, and commits, this work.

use std::collections::VecDeque;

use mqlab_text::Words;

use crate::actor::work::Works;
use crate::actor::{Because, Ctx, Fact, Input, Mark, Timer};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::{Cause, CauseKind};
use crate::limits::MAX_BROKER_ENTRIES_PER_MESSAGE;
use crate::mode::Mode;
use crate::network::{Envelope, LinkId, MessageKind};
use crate::node::{NodeId, RoleKind};
use crate::speech::{card, ids};
use crate::trace::{Detail, EventKind};

/// One durable log entry: a stored copy of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub message: u32,
    /// The consumer's ack was recorded.
    pub acked: bool,
    /// At-most-once: handed to the network and forgotten.
    pub forgotten: bool,
    /// How many times this entry was delivered (for narration).
    pub deliveries: u32,
    /// How many times a delivery of it came back to the queue (rejected with requeue,
    /// or put back when its consumer's connection closed): the quorum queue's delivery
    /// count, which the delivery limit caps.
    pub returns: u32,
    /// Dead-lettered or dropped: it left the queue without being consumed.
    pub gone: bool,
    /// Why this copy exists if it is an extra one.
    pub cause: Option<Cause>,
}

/// Dedup index values (idempotent mode).
const UNSEEN: u8 = 0;
const APPENDED: u8 = 1;
const STORED: u8 = 2;

/// What the broker's disk holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BrokerDisk {
    /// The fsynced log.
    pub entries: Vec<Entry>,
    /// The dead-letter queue's messages, in the order they arrived there.
    pub dead_letters: Vec<u32>,
    /// Consume-transform-produce: per input message mK, how many copies of its output
    /// oK the output queue holds. Appended only by a committed consume transaction, so
    /// at most one each; bounded by the number of messages.
    pub outputs: Vec<u32>,
}

/// What the broker holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BrokerMemory {
    /// Appended, waiting for the fsync: the message, why this copy exists, and the
    /// producer that published it (who gets the confirm).
    pub unsynced: Vec<(u32, Option<Cause>, NodeId)>,
    pub fsync_scheduled: bool,
    pub deliver_scheduled: bool,
    /// Entries waiting to be delivered, in log order.
    pub ready: VecDeque<u32>,
    /// Per entry, the attempt in flight (0 = none).
    pub in_flight: Vec<u32>,
    /// Deliveries awaiting an ack.
    pub unacked: u32,
    /// Rebuilt from the log: per message, UNSEEN, APPENDED or STORED.
    pub seen: Vec<u8>,
    /// The consumer that gets the next delivery (consumers take turns), from 0.
    pub next_consumer: u8,
    /// Per entry, the consumer (instance) holding its delivery in flight, or that held
    /// it last.
    pub holder: Vec<u8>,
    /// Per entry: put back in the queue because its consumer's connection closed.
    pub requeued: Vec<bool>,
    /// Per consumer (instance): its connection is closed, so nothing is pushed to it.
    pub closed: Vec<bool>,
    /// Transactional mode: per transaction, the publishes it holds (publish) or the
    /// acks it holds (consume), until the participant prepares.
    pub work: Works,
}

impl BrokerMemory {
    fn new(messages: u32, entries: usize) -> BrokerMemory {
        BrokerMemory {
            unsynced: Vec::new(),
            fsync_scheduled: false,
            deliver_scheduled: false,
            ready: VecDeque::new(),
            in_flight: vec![0; entries],
            unacked: 0,
            seen: vec![UNSEEN; messages as usize],
            next_consumer: 0,
            holder: vec![0; entries],
            requeued: vec![false; entries],
            closed: Vec::new(),
            work: Works::default(),
        }
    }

    fn seen(&self, message: u32) -> u8 {
        self.seen
            .get((message as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(UNSEEN)
    }

    fn set_seen(&mut self, message: u32, value: u8) {
        if let Some(slot) = self.seen.get_mut((message as usize).wrapping_sub(1)) {
            *slot = value;
        }
    }
}

/// The broker's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Broker {
    pub disk: BrokerDisk,
    pub memory: BrokerMemory,
    /// The most entries the log may hold.
    pub capacity: u32,
}

impl Broker {
    pub fn new(messages: u32) -> Broker {
        Broker {
            disk: BrokerDisk {
                entries: Vec::new(),
                dead_letters: Vec::new(),
                outputs: vec![0; messages as usize],
            },
            memory: BrokerMemory::new(messages, 0),
            capacity: messages.saturating_mul(MAX_BROKER_ENTRIES_PER_MESSAGE),
        }
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Start => {}
            Input::Timer(Timer::Fsync) => self.fsync(ctx),
            Input::Timer(Timer::Deliver) => self.deliver(ctx),
            Input::Timer(Timer::Redeliver { entry, attempt }) => {
                self.redeliver(entry, attempt, ctx)
            }
            Input::Message(envelope) if ctx.mode() == Mode::Transactional => match envelope.kind {
                MessageKind::Publish => self.hold_publish(envelope, ctx),
                MessageKind::Begin => self.deliver_in_txn(envelope, ctx),
                MessageKind::Ack => self.hold_ack(envelope, ctx),
                _ => {}
            },
            Input::Message(envelope) => match envelope.kind {
                MessageKind::Publish => self.on_publish(envelope, ctx),
                MessageKind::Ack => self.on_ack(envelope, ctx),
                MessageKind::Reject | MessageKind::Nack => self.on_reject(envelope, ctx),
                _ => {}
            },
            Input::Crash => self.crash(ctx),
            Input::Recover => self.recover(ctx),
            Input::ConnectionClosed(consumer) => self.on_connection_closed(consumer, ctx),
            Input::ConnectionOpened(consumer) => self.on_connection_opened(consumer, ctx),
            Input::ReplayDeadLetters => self.replay_dead_letters(ctx),
            Input::Timer(_) => {}
        }
    }

    fn is_closed(&self, instance: u8) -> bool {
        self.memory
            .closed
            .get(usize::from(instance))
            .copied()
            .unwrap_or(false)
    }

    fn set_closed(&mut self, instance: u8, closed: bool) {
        let index = usize::from(instance);
        if self.memory.closed.len() <= index {
            self.memory.closed.resize(index + 1, false);
        }
        self.memory.closed[index] = closed;
    }

    /// The consumer whose turn it is among those connected, if any.
    fn next_open_consumer(&self, ctx: &Ctx<'_>) -> Option<u8> {
        if !self.memory.closed.contains(&true) {
            // Every consumer is connected (the usual case): the next in turn.
            return Some(self.memory.next_consumer);
        }
        let consumers = ctx.scenario.topology.consumers.max(1);
        (0..consumers)
            .map(|offset| ((u16::from(self.memory.next_consumer) + offset) % consumers) as u8)
            .find(|instance| !self.is_closed(*instance))
    }

    /// A consumer crashed: as RabbitMQ does when a channel closes, the broker stops
    /// pushing to it at once and puts every delivery it held unacked back in the queue,
    /// in log order (with automatic acks, at-most-once, there is nothing to put back:
    /// those messages were let go when they were sent).
    fn on_connection_closed(&mut self, consumer: NodeId, ctx: &mut Ctx<'_>) {
        self.set_closed(consumer.instance(), true);
        let mut requeued = false;
        for index in 0..self.memory.in_flight.len() {
            if self.memory.in_flight[index] == 0 || self.memory.holder[index] != consumer.instance()
            {
                continue;
            }
            self.memory.in_flight[index] = 0;
            self.memory.unacked -= 1;
            self.memory.requeued[index] = true;
            if self.returned(index, ctx) {
                let entry = index as u32;
                let at = self.memory.ready.partition_point(|e| *e < entry);
                self.memory.ready.insert(at, entry);
            }
            requeued = true;
        }
        if requeued {
            self.schedule_deliver(ctx);
        }
    }

    /// A delivery of entry `index` came back to the queue: its delivery count grows,
    /// and past the delivery limit the message leaves the queue for the dead-letter
    /// queue, or is dropped without one. True when it goes back in the queue.
    fn returned(&mut self, index: usize, ctx: &mut Ctx<'_>) -> bool {
        let entry = &mut self.disk.entries[index];
        entry.returns += 1;
        let limit = ctx.scenario.queue.delivery_limit;
        if limit == 0 || entry.returns <= limit {
            return true;
        }
        self.dead_letter(index, false, ctx);
        false
    }

    /// The message of entry `index` leaves the queue unconsumed: to the dead-letter
    /// queue when one is configured, else dropped. `rejected` when its consumer
    /// rejected it without requeue, rather than its reaching the delivery limit.
    fn dead_letter(&mut self, index: usize, rejected: bool, ctx: &mut Ctx<'_>) {
        let entry = &mut self.disk.entries[index];
        entry.gone = true;
        let message = entry.message;
        if ctx.scenario.queue.dead_letter_queue {
            self.disk.dead_letters.push(message);
            ctx.persist(DiskRecord::DeadLettered(message));
            ctx.fact(Fact::DeadLettered { message, rejected });
        } else {
            ctx.persist(DiskRecord::Dropped(message));
            ctx.fact(Fact::Dropped { message, rejected });
        }
    }

    /// The consumer could not process a delivery: with requeue (`basic.reject`) it
    /// goes back to the head of the queue, marked redelivered, unless it has reached
    /// the delivery limit; without (`basic.nack`) it leaves the queue at once.
    fn on_reject(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let index = envelope.tag as usize;
        let held = self
            .disk
            .entries
            .get(index)
            .is_some_and(|e| !e.acked && !e.gone)
            && self.memory.in_flight.get(index).is_some_and(|a| *a > 0);
        if !held {
            ctx.detail(Detail::AckIgnored);
            return;
        }
        self.memory.in_flight[index] = 0;
        self.memory.unacked -= 1;
        let gone = if envelope.kind == MessageKind::Nack {
            self.dead_letter(index, true, ctx);
            true
        } else {
            !self.returned(index, ctx)
        };
        if gone {
            ctx.detail(if ctx.scenario.queue.dead_letter_queue {
                Detail::DeadLettered
            } else {
                Detail::DroppedMessage
            });
        } else {
            ctx.detail(Detail::Requeued);
            ctx.mark(Mark::Attempt(self.disk.entries[index].returns));
            self.memory.ready.push_front(index as u32);
        }
        self.schedule_deliver(ctx);
    }

    /// The dead-letter queue's messages go back to the queue, as new copies at its
    /// tail with a fresh delivery count (a shovel moving them back).
    fn replay_dead_letters(&mut self, ctx: &mut Ctx<'_>) {
        for message in std::mem::take(&mut self.disk.dead_letters) {
            let index = self.disk.entries.len() as u32;
            self.commit_publish(message);
            self.memory.ready.push_back(index);
            ctx.persist(DiskRecord::Replayed(message));
            ctx.fact(Fact::Replayed(message));
        }
        self.schedule_deliver(ctx);
    }

    /// A consumer is back: deliveries to it resume.
    fn on_connection_opened(&mut self, consumer: NodeId, ctx: &mut Ctx<'_>) {
        self.set_closed(consumer.instance(), false);
        self.schedule_deliver(ctx);
    }

    fn on_publish(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        if ctx.mode() == Mode::Idempotent {
            // The producer id is fixed and the sequence number is the message number, so
            // the dedup key is the message number.
            match self.memory.seen(message) {
                STORED => {
                    ctx.detail(Detail::DuplicateReconfirmed);
                    self.confirm(message, envelope.link.from, ctx);
                    return;
                }
                APPENDED => {
                    ctx.detail(Detail::DuplicateIgnored);
                    return;
                }
                _ => {}
            }
            // Each producer numbers its own messages in order: a publish whose
            // predecessor from the same producer has not been appended skips a sequence
            // number, and is refused without a confirm.
            let previous = ctx.scenario.topology.previous_of_producer(message);
            if ctx.scenario.timing.sequence_check
                && previous.is_some_and(|p| self.memory.seen(p) == UNSEEN)
            {
                ctx.detail(Detail::OutOfSequence);
                return;
            }
        }
        if (self.disk.entries.len() + self.memory.unsynced.len()) as u64 >= u64::from(self.capacity)
        {
            ctx.detail(Detail::LogFull);
            ctx.fact(Fact::WillResend {
                message,
                cause: CauseKind::BrokerLogFull,
            });
            return;
        }
        ctx.detail(Detail::Appended);
        self.memory
            .unsynced
            .push((message, envelope.cause, envelope.link.from));
        self.memory.set_seen(message, APPENDED);
        if ctx.crash_point(CrashPoint::BrokerAfterAppend, message) {
            return;
        }
        if !self.memory.fsync_scheduled {
            self.memory.fsync_scheduled = true;
            ctx.set_timer(ctx.scenario.timing.fsync_delay_ticks, Timer::Fsync);
        }
    }

    fn confirm(&self, message: u32, producer: NodeId, ctx: &mut Ctx<'_>) {
        ctx.send(
            producer,
            MessageKind::Confirm,
            message,
            0,
            1,
            Because::Given(None),
            0,
        );
    }

    /// Transactional mode: a publish inside its transaction. The broker holds it in
    /// memory, invisible to consumers until the transaction commits, and confirms it.
    fn hold_publish(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        let txn = envelope.tag;
        let (first, last) = ctx.scenario.group_of(message);
        self.memory
            .work
            .open(txn, envelope.txn_kind, first, last)
            .mark(message);
        ctx.detail(Detail::HeldInTxn);
        if ctx.crash_point(CrashPoint::BrokerAfterAppend, message) {
            return;
        }
        ctx.send(
            envelope.link.from,
            MessageKind::Confirm,
            message,
            txn,
            1,
            Because::Given(None),
            envelope.txn_kind,
        );
    }

    /// Transactional mode: consume transaction `txn` begins; the broker delivers its
    /// messages to their consumer inside it. No one else gets them while it runs: the
    /// queue is only ever read inside a transaction, one at a time per message.
    fn deliver_in_txn(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let first = envelope.message;
        let last = ctx.group_last(first);
        let consumer = ctx.scenario.topology.consumer_for(first);
        self.memory.work.open(txn, envelope.txn_kind, first, last);
        ctx.mark(Mark::Peer(consumer));
        ctx.mark(Mark::Link(LinkId::new(ctx.id, consumer)));
        ctx.mark(Mark::Kind(MessageKind::Deliver));
        let mut delivered = false;
        for message in first..=last {
            let Some(index) = self.entry_of(message) else {
                continue;
            };
            let entry = &mut self.disk.entries[index];
            entry.deliveries += 1;
            let attempt = entry.deliveries;
            delivered = true;
            ctx.mark(Mark::Attempt(attempt));
            ctx.send(
                consumer,
                MessageKind::Deliver,
                message,
                txn,
                attempt,
                Because::Given(None),
                envelope.txn_kind,
            );
            if ctx.crash_point(CrashPoint::BrokerAfterDeliver, message) {
                return;
            }
        }
        if !delivered {
            ctx.detail(Detail::NotInTxn);
        }
    }

    /// The log entry of `message` that is not consumed yet (transactional mode: a
    /// committed publish appends each message once, in about message order, since
    /// transactions in flight commit in any order among themselves).
    fn entry_of(&self, message: u32) -> Option<usize> {
        let entries = &self.disk.entries;
        let unconsumed = |i: usize| {
            entries
                .get(i)
                .is_some_and(|e| e.message == message && !e.acked)
        };
        // Outward from where it would be had the commits kept message order: it is
        // found after as many looks as the transactions in flight reordered it.
        let start = (message as usize)
            .saturating_sub(1)
            .min(entries.len().saturating_sub(1));
        (0..entries.len())
            .flat_map(|d| [start.checked_add(d), start.checked_sub(d)])
            .flatten()
            .find(|&i| unconsumed(i))
    }

    /// Transactional mode: the consumer's ack inside its transaction. The broker holds
    /// it: the message leaves the queue only if the transaction commits. With every
    /// ack of the transaction in hand, the consume's work is done (the consumer acks
    /// only what it applied), and the broker tells the coordinator.
    fn hold_ack(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let Some(work) = self.memory.work.get_mut(txn) else {
            ctx.detail(Detail::NotInTxn);
            return;
        };
        if !work.mark(envelope.message) || !work.complete() {
            ctx.detail(Detail::AckHeldInTxn);
            return;
        }
        let first = work.first;
        ctx.work_done(txn, first, envelope.txn_kind);
    }

    /// Transactional mode: the publish transaction holding `message` committed; the
    /// message is appended to the log, where consume transactions find it.
    pub fn commit_publish(&mut self, message: u32) {
        self.disk.entries.push(Entry {
            message,
            acked: false,
            forgotten: false,
            deliveries: 0,
            returns: 0,
            gone: false,
            cause: None,
        });
        self.memory.in_flight.push(0);
        self.memory.holder.push(0);
        self.memory.requeued.push(false);
        self.memory.set_seen(message, STORED);
    }

    /// Transactional mode: the consume transaction holding the ack of `message`
    /// committed; the message leaves the queue.
    pub fn commit_consume(&mut self, message: u32) {
        if let Some(index) = self.entry_of(message) {
            self.disk.entries[index].acked = true;
        }
    }

    fn fsync(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.fsync_scheduled = false;
        if self.memory.unsynced.is_empty() {
            return;
        }
        ctx.step(EventKind::Fsync);
        let mut batch = std::mem::take(&mut self.memory.unsynced);
        let first_entry = self.disk.entries.len() as u32;
        for &(message, cause, _) in &batch {
            self.disk.entries.push(Entry {
                message,
                acked: false,
                forgotten: false,
                deliveries: 0,
                returns: 0,
                gone: false,
                cause,
            });
            self.memory.in_flight.push(0);
            self.memory.holder.push(0);
            self.memory.requeued.push(false);
            self.memory.set_seen(message, STORED);
            ctx.fact(Fact::Stored(message));
        }
        let count = batch.len() as u32;
        let last = batch.last().map_or(0, |(m, _, _)| *m);
        ctx.mark(Mark::Message(last));
        ctx.detail(Detail::Fsynced { count });
        ctx.persist(DiskRecord::Fsync { last, count });
        let crashed = batch
            .iter()
            .any(|&(message, _, _)| ctx.crash_point(CrashPoint::BrokerAfterFsync, message));
        if crashed {
            for &(message, _, _) in &batch {
                ctx.fact(Fact::WillResend {
                    message,
                    cause: CauseKind::BrokerCrashAfterFsync,
                });
            }
            return;
        }
        for (offset, &(message, _, producer)) in batch.iter().enumerate() {
            if ctx.mode().confirms() {
                self.confirm(message, producer, ctx);
            }
            self.memory.ready.push_back(first_entry + offset as u32);
        }
        self.schedule_deliver(ctx);
        batch.clear();
        if self.memory.unsynced.is_empty() {
            // Give the buffer back so that the next batch does not allocate.
            self.memory.unsynced = batch;
        }
    }

    fn window_full(&self, ctx: &Ctx<'_>) -> bool {
        ctx.manual_acks() && self.memory.unacked >= ctx.scenario.timing.delivery_window
    }

    fn schedule_deliver(&mut self, ctx: &mut Ctx<'_>) {
        if self.memory.deliver_scheduled
            || self.memory.ready.is_empty()
            || self.window_full(ctx)
            || ctx.mode() == Mode::Transactional
        {
            return;
        }
        self.memory.deliver_scheduled = true;
        ctx.set_timer(0, Timer::Deliver);
    }

    fn deliver(&mut self, ctx: &mut Ctx<'_>) {
        self.memory.deliver_scheduled = false;
        if self.window_full(ctx) || self.next_open_consumer(ctx).is_none() {
            return;
        }
        let entry = loop {
            let Some(entry) = self.memory.ready.pop_front() else {
                return;
            };
            let e = &self.disk.entries[entry as usize];
            if !e.acked && !e.forgotten && !e.gone && self.memory.in_flight[entry as usize] == 0 {
                break entry;
            }
        };
        ctx.step(EventKind::Deliver);
        let e = self.disk.entries[entry as usize];
        let because = if e.deliveries > 0 {
            // Why it is delivered again, unless a more precise fault was noted (the
            // consumer's crash point, a lost ack): its consumer went away, or the
            // broker itself crashed and forgot the delivery.
            Because::Redeliver(if self.memory.requeued[entry as usize] {
                let holder = self.memory.holder[entry as usize];
                CauseKind::ConsumerConnectionClosed(NodeId::new(RoleKind::Consumer, holder))
            } else {
                CauseKind::BrokerCrash
            })
        } else {
            Because::Given(e.cause)
        };
        self.send_delivery(entry, because, ctx);
        if ctx.crash_point(CrashPoint::BrokerAfterDeliver, e.message) {
            return;
        }
        self.schedule_deliver(ctx);
    }

    fn send_delivery(&mut self, entry: u32, because: Because, ctx: &mut Ctx<'_>) {
        // Consumers take turns: each delivery goes to the next one still connected.
        let consumers = ctx.scenario.topology.consumers.max(1);
        let instance = self
            .next_open_consumer(ctx)
            .unwrap_or(self.memory.next_consumer);
        let e = &mut self.disk.entries[entry as usize];
        e.deliveries += 1;
        let attempt = e.deliveries;
        let message = e.message;
        let consumer = NodeId::new(RoleKind::Consumer, instance);
        self.memory.next_consumer = ((u16::from(instance) + 1) % consumers) as u8;
        self.memory.holder[entry as usize] = instance;
        self.memory.requeued[entry as usize] = false;
        ctx.mark(Mark::Message(message));
        ctx.mark(Mark::Attempt(attempt));
        ctx.mark(Mark::Peer(consumer));
        ctx.mark(Mark::Link(LinkId::new(ctx.id, consumer)));
        ctx.mark(Mark::Kind(MessageKind::Deliver));
        if attempt > 1 {
            ctx.fact(Fact::Redelivered(message));
        }
        if ctx.manual_acks() {
            self.memory.in_flight[entry as usize] = attempt;
            self.memory.unacked += 1;
            ctx.set_timer(
                ctx.scenario.timing.redelivery_timeout_ticks,
                Timer::Redeliver { entry, attempt },
            );
        } else {
            // At-most-once: the broker forgets the message as it hands it off (auto-ack),
            // so nothing can ever bring it back.
            e.forgotten = true;
            ctx.persist(DiskRecord::DeliveredForgotten(message));
        }
        ctx.send(
            consumer,
            MessageKind::Deliver,
            message,
            entry,
            attempt,
            because,
            0,
        );
    }

    fn redeliver(&mut self, entry: u32, attempt: u32, ctx: &mut Ctx<'_>) {
        let index = entry as usize;
        if index >= self.disk.entries.len()
            || self.disk.entries[index].acked
            || self.memory.in_flight[index] != attempt
        {
            return;
        }
        ctx.step(EventKind::Deliver);
        let message = self.disk.entries[index].message;
        self.memory.in_flight[index] = 0;
        self.memory.unacked -= 1;
        self.send_delivery(entry, Because::Redeliver(CauseKind::RedeliveryTimeout), ctx);
        ctx.crash_point(CrashPoint::BrokerAfterDeliver, message);
    }

    fn on_ack(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let index = envelope.tag as usize;
        let Some(entry) = self.disk.entries.get_mut(index) else {
            ctx.detail(Detail::AckIgnored);
            return;
        };
        if entry.acked || entry.gone {
            ctx.detail(Detail::AckIgnored);
            return;
        }
        entry.acked = true;
        let message = entry.message;
        ctx.detail(Detail::AckRecorded);
        ctx.fact(Fact::Acked(message));
        if ctx.manual_acks() {
            ctx.persist(DiskRecord::Acked(message));
        }
        if self.memory.in_flight[index] > 0 {
            self.memory.in_flight[index] = 0;
            self.memory.unacked -= 1;
        }
        self.schedule_deliver(ctx);
    }

    /// Deliveries awaiting an ack will be redelivered; appended publishes not yet
    /// fsynced are gone.
    fn crash(&mut self, ctx: &mut Ctx<'_>) {
        for (index, attempt) in self.memory.in_flight.iter().enumerate() {
            if *attempt > 0 {
                ctx.fact(Fact::WillRedeliver {
                    message: self.disk.entries[index].message,
                    cause: CauseKind::BrokerCrash,
                });
            }
        }
        for &(message, _, _) in &self.memory.unsynced {
            ctx.fact(Fact::MayBeLost {
                message,
                cause: CauseKind::BrokerCrashBeforeFsync,
            });
        }
        self.memory = BrokerMemory::new(self.disk.outputs.len() as u32, self.disk.entries.len());
    }

    /// Replaying the durable log: the dedup index and the ready queue are rebuilt from
    /// the stored entries.
    fn recover(&mut self, ctx: &mut Ctx<'_>) {
        for (index, entry) in self.disk.entries.iter().enumerate() {
            self.memory.set_seen(entry.message, STORED);
            if !entry.acked && !entry.forgotten && !entry.gone {
                self.memory.ready.push_back(index as u32);
            }
        }
        self.schedule_deliver(ctx);
    }

    // ----- the queue of a replica (a replicated queue; see `replica`) -----

    /// How many records the replica has handed to this queue.
    pub(crate) fn exposed(&self) -> u32 {
        self.disk.entries.len() as u32
    }

    /// The replica committed a record: it joins the queue (entry = offset), and the
    /// leader delivers it.
    pub(crate) fn expose(
        &mut self,
        message: u32,
        cause: Option<Cause>,
        deliver: bool,
        ctx: &mut Ctx<'_>,
    ) {
        let entry = self.disk.entries.len() as u32;
        self.commit_publish(message);
        if let Some(last) = self.disk.entries.last_mut() {
            last.cause = cause;
        }
        if deliver {
            self.memory.ready.push_back(entry);
            self.schedule_deliver(ctx);
        }
    }

    /// How many entries from the first are settled: acked, or gone to the dead-letter
    /// queue or dropped (the consumers' committed position, which a dead-lettered
    /// message does not hold back), given that the first `known` are (neither is ever
    /// undone, so a caller that remembers the last answer only looks at what is new).
    pub(crate) fn acked_prefix_from(&self, known: u32) -> u32 {
        let known = (known as usize).min(self.disk.entries.len());
        let more = self.disk.entries[known..]
            .iter()
            .take_while(|e| e.acked || e.gone)
            .count();
        (known + more) as u32
    }

    /// The leader's consumers have acked every entry from `from` to below `count`.
    pub(crate) fn ack_range(&mut self, from: u32, count: u32) {
        let end = (count as usize).min(self.disk.entries.len());
        let start = (from as usize).min(end);
        for entry in &mut self.disk.entries[start..end] {
            entry.acked = true;
        }
    }

    /// The leader's consumers have acked every entry below `count`.
    #[cfg(test)]
    pub(crate) fn ack_below(&mut self, count: u32) {
        self.ack_range(0, count);
    }

    /// The replica cut its log: entries from `len` on are gone.
    pub(crate) fn truncate_queue(&mut self, len: u32) {
        let len = len as usize;
        if self.disk.entries.len() <= len {
            return;
        }
        self.disk.entries.truncate(len);
        for index in len..self.memory.in_flight.len() {
            if self.memory.in_flight[index] > 0 {
                self.memory.unacked -= 1;
            }
        }
        self.memory.in_flight.truncate(len);
        self.memory.holder.truncate(len);
        self.memory.requeued.truncate(len);
        self.memory.ready.retain(|e| (*e as usize) < len);
    }

    /// Consume-transform-produce: the committed consume transaction's outputs become
    /// part of the output queue.
    pub fn append_output(&mut self, message: u32) {
        if let Some(count) = self
            .disk
            .outputs
            .get_mut((message as usize).wrapping_sub(1))
        {
            *count = count.saturating_add(1);
        }
    }

    /// The output queue's contents as one line ("output queue: o1 o2 …"), the first 16
    /// copies in message order; `None` when it is empty.
    pub fn output_queue_line(&self, w: &Words) -> Option<String> {
        let total: u64 = self.disk.outputs.iter().map(|c| u64::from(*c)).sum();
        if total == 0 {
            return None;
        }
        let copies: Vec<String> = self
            .disk
            .outputs
            .iter()
            .enumerate()
            .flat_map(|(index, count)| std::iter::repeat_n(index as u64 + 1, *count as usize))
            .take(16)
            .map(|m| format!("o{m}"))
            .collect();
        let more = if total > 16 {
            card!(w, MoreInAll, total = total)
        } else {
            String::new()
        };
        Some(card!(
            w,
            BrokerOutputQueue,
            outputs = copies.join(" "),
            more = more
        ))
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.memory.unsynced.is_empty() {
            let ids = ids(self.memory.unsynced.iter().map(|(m, _, _)| *m));
            lines.push(card!(w, BrokerUnsynced, msgs = ids));
        }
        let flying: Vec<String> = self
            .memory
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, a)| **a > 0)
            .map(|(e, a)| {
                let m = self.disk.entries[e].message;
                if *a > 1 {
                    card!(w, BrokerAttempt, msg = format!("m{m}"), attempt = *a)
                } else {
                    format!("m{m}")
                }
            })
            .collect();
        if !flying.is_empty() {
            lines.push(card!(w, BrokerAwaitingAck, msgs = flying.join(" ")));
        }
        if !self.memory.ready.is_empty() {
            let ids = ids(self
                .memory
                .ready
                .iter()
                .take(16)
                .map(|e| self.disk.entries[*e as usize].message));
            lines.push(card!(w, BrokerReady, msgs = ids));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::scenario::Scenario;

    fn scenario(mode: Mode) -> Scenario {
        bench::scenario(mode, 3)
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

    #[test]
    fn a_publish_is_appended_in_memory_and_the_fsync_is_scheduled() {
        let s = scenario(Mode::AtLeastOnce);
        let mut broker = Broker::new(3);
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 3, |ctx| {
            broker.handle(Input::Message(&publish(1)), ctx)
        });
        assert_eq!(bench::timers(&out), vec![Timer::Fsync]);
        assert_eq!(broker.memory.unsynced.len(), 1);
        assert!(
            broker.disk.entries.is_empty(),
            "nothing is durable before the fsync"
        );
    }

    #[test]
    fn the_fsync_stores_confirms_to_the_publisher_and_readies_the_delivery() {
        let s = scenario(Mode::AtLeastOnce);
        let mut broker = Broker::new(3);
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 3, |ctx| {
            broker.handle(Input::Message(&publish(1)), ctx)
        });
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            broker.handle(Input::Timer(Timer::Fsync), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::PRODUCER, MessageKind::Confirm, 1)]
        );
        assert_eq!(
            bench::persisted(&out),
            vec![DiskRecord::Fsync { last: 1, count: 1 }]
        );
        assert_eq!(bench::facts(&out), vec![Fact::Stored(1)]);
        assert_eq!(bench::timers(&out), vec![Timer::Deliver]);
    }

    #[test]
    fn a_crash_before_the_fsync_loses_the_appended_publish() {
        let s = scenario(Mode::AtLeastOnce);
        let mut broker = Broker::new(3);
        bench::run(NodeId::BROKER, &s, &mut Armed::default(), 3, |ctx| {
            broker.handle(Input::Message(&publish(1)), ctx)
        });
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            broker.handle(Input::Crash, ctx)
        });
        assert_eq!(
            bench::facts(&out),
            vec![Fact::MayBeLost {
                message: 1,
                cause: CauseKind::BrokerCrashBeforeFsync
            }]
        );
        assert!(broker.memory.unsynced.is_empty());
    }

    #[test]
    fn the_idempotent_broker_reconfirms_a_stored_duplicate_without_storing_it_again() {
        let s = scenario(Mode::Idempotent);
        let mut broker = Broker::new(3);
        for (tick, input) in [
            (3, Input::Message(&publish(1))),
            (4, Input::Timer(Timer::Fsync)),
        ] {
            bench::run(NodeId::BROKER, &s, &mut Armed::default(), tick, |ctx| {
                broker.handle(input, ctx)
            });
        }
        let (out, notes) = bench::run_noted(NodeId::BROKER, &s, &mut Armed::default(), 9, |ctx| {
            broker.handle(Input::Message(&publish(1)), ctx)
        });
        assert_eq!(notes.detail, Some(Detail::DuplicateReconfirmed));
        assert_eq!(
            out,
            vec![Output::Send(crate::actor::Send {
                to: NodeId::PRODUCER,
                kind: MessageKind::Confirm,
                message: 1,
                tag: 0,
                attempt: 1,
                because: Because::Given(None),
                txn_kind: 0,
                extra: [0; 2],
            })]
        );
        assert_eq!(broker.disk.entries.len(), 1);
    }

    #[test]
    fn recovery_rebuilds_the_ready_queue_from_the_unacked_entries_on_disk() {
        let s = scenario(Mode::AtLeastOnce);
        let mut broker = Broker::new(3);
        for (tick, input) in [
            (3, Input::Message(&publish(1))),
            (4, Input::Timer(Timer::Fsync)),
            (5, Input::Crash),
        ] {
            bench::run(NodeId::BROKER, &s, &mut Armed::default(), tick, |ctx| {
                broker.handle(input, ctx)
            });
        }
        assert!(broker.memory.ready.is_empty());
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 9, |ctx| {
            broker.handle(Input::Recover, ctx)
        });
        assert_eq!(broker.memory.ready, VecDeque::from([0]));
        assert_eq!(bench::timers(&out), vec![Timer::Deliver]);
    }

    fn txn_envelope(from: NodeId, kind: MessageKind, message: u32, txn: u32) -> Envelope {
        bench::envelope(from, NodeId::BROKER, kind, message, txn)
    }

    #[test]
    fn a_publish_inside_a_transaction_is_held_invisible_and_confirmed() {
        let s = bench::scenario(Mode::Transactional, 2);
        let mut broker = Broker::new(2);
        let publish = txn_envelope(NodeId::PRODUCER, MessageKind::Publish, 1, 3);
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 4, |ctx| {
            broker.handle(Input::Message(&publish), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::PRODUCER, MessageKind::Confirm, 1)]
        );
        assert!(
            broker.disk.entries.is_empty(),
            "not in the log before the commit"
        );
        assert!(bench::timers(&out).is_empty(), "no fsync, no delivery");
        assert!(broker.memory.work.complete(3));
        broker.commit_publish(1);
        assert_eq!(broker.disk.entries.len(), 1);
    }

    #[test]
    fn a_consume_transaction_delivers_inside_it_and_the_last_ack_completes_the_work() {
        let s = bench::scenario(Mode::Transactional, 2);
        let mut broker = Broker::new(2);
        broker.commit_publish(1);
        let begin = txn_envelope(NodeId::COORDINATOR, MessageKind::Begin, 1, 4);
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 5, |ctx| {
            broker.handle(Input::Message(&begin), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::CONSUMER, MessageKind::Deliver, 1)]
        );
        let ack = txn_envelope(NodeId::CONSUMER, MessageKind::Ack, 1, 4);
        let out = bench::run(NodeId::BROKER, &s, &mut Armed::default(), 9, |ctx| {
            broker.handle(Input::Message(&ack), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::COORDINATOR, MessageKind::WorkDone, 1)]
        );
        assert!(
            !broker.disk.entries[0].acked,
            "the ack waits for the commit"
        );
        broker.commit_consume(1);
        assert!(broker.disk.entries[0].acked);
    }

    #[test]
    fn a_rejected_delivery_goes_back_to_the_head_until_the_limit_then_to_the_dead_letters() {
        let mut s = bench::scenario(Mode::AtLeastOnce, 2);
        s.queue.delivery_limit = 1;
        s.queue.dead_letter_queue = true;
        let mut broker = Broker::new(2);
        broker.commit_publish(1);
        broker.memory.in_flight[0] = 1;
        broker.memory.unacked = 1;
        let reject = bench::envelope(NodeId::CONSUMER, NodeId::BROKER, MessageKind::Reject, 1, 0);
        let (out, notes) = bench::run_noted(NodeId::BROKER, &s, &mut Armed::default(), 5, |ctx| {
            broker.handle(Input::Message(&reject), ctx)
        });
        assert_eq!(notes.detail, Some(Detail::Requeued));
        assert_eq!(broker.memory.ready.front(), Some(&0));
        assert!(bench::persisted(&out).is_empty());
        // Delivered again, rejected again: one return more than the limit allows.
        broker.memory.ready.clear();
        broker.memory.in_flight[0] = 2;
        broker.memory.unacked = 1;
        let (out, notes) = bench::run_noted(NodeId::BROKER, &s, &mut Armed::default(), 9, |ctx| {
            broker.handle(Input::Message(&reject), ctx)
        });
        assert_eq!(notes.detail, Some(Detail::DeadLettered));
        assert_eq!(bench::persisted(&out), vec![DiskRecord::DeadLettered(1)]);
        assert_eq!(broker.disk.dead_letters, vec![1]);
        assert!(broker.memory.ready.is_empty());
    }
}
