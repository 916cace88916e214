//! The producer: publishes its share of m1..mN (all of them when it is the only one;
//! with P producers, mK belongs to producer ((K - 1) mod P) + 1). Its database holds
//! the application events (the outbox) from the start; what it has confirmed (or,
//! at-most-once, handed off) is durable, its window of unconfirmed publishes is memory.
//!
//! In transactional mode the producer publishes only inside a transaction the
//! coordinator opened: it writes the order rows in its database (not yet committed) and
//! publishes the transaction's messages to the broker; once the broker has confirmed
//! them all, it tells the coordinator that its work is done. Its database is a
//! participant of the transaction (see `participant`).

use crate::actor::work::Works;
use crate::actor::{Because, Ctx, Fact, Input, Mark, Timer};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::mode::Mode;
use crate::network::{Envelope, LinkId, MessageKind};
use crate::node::NodeId;
use crate::speech::{card, ids};
use crate::trace::{Detail, EventKind};
use mqlab_text::Words;

/// Durable state per message.
const NEW: u8 = 0;
const HANDED_OFF: u8 = 1;
const CONFIRMED: u8 = 2;

/// What the producer's database holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProducerDisk {
    /// Per message, NEW, HANDED_OFF (at-most-once) or CONFIRMED.
    pub outbox: Vec<u8>,
    /// How many are confirmed.
    pub confirmed: u32,
    /// How many times each message was published (an attempt counter that outlives a
    /// crash, so that every attempt has its own number in the narration).
    pub attempts: Vec<u32>,
}

/// What the producer holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProducerMemory {
    /// Per message: sent in this incarnation and not confirmed.
    pub in_window: Vec<bool>,
    /// How many are in the window.
    pub unconfirmed: u32,
    /// The next message number to consider publishing.
    pub next: u32,
    /// A publish timer is set.
    pub publish_scheduled: bool,
    /// Transactional mode: the transactions whose messages it is publishing.
    pub work: Works,
}

impl ProducerMemory {
    fn new(messages: u32) -> ProducerMemory {
        ProducerMemory {
            in_window: vec![false; messages as usize],
            unconfirmed: 0,
            next: 1,
            publish_scheduled: false,
            work: Works::default(),
        }
    }
}

/// The producer's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Producer {
    pub disk: ProducerDisk,
    pub memory: ProducerMemory,
}

fn index(message: u32) -> usize {
    (message as usize).wrapping_sub(1)
}

impl Producer {
    pub fn new(messages: u32) -> Producer {
        Producer {
            disk: ProducerDisk {
                outbox: vec![NEW; messages as usize],
                confirmed: 0,
                attempts: vec![0; messages as usize],
            },
            memory: ProducerMemory::new(messages),
        }
    }

    fn state(&self, message: u32) -> u8 {
        self.disk
            .outbox
            .get(index(message))
            .copied()
            .unwrap_or(CONFIRMED)
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Start | Input::Recover => self.schedule_next(ctx),
            Input::Timer(Timer::Publish { message }) => self.publish(message, ctx),
            Input::Timer(Timer::Retry { message, attempt }) => self.retry(message, attempt, ctx),
            Input::Message(envelope) if envelope.kind == MessageKind::Begin => {
                self.on_begin(envelope, ctx)
            }
            Input::Message(envelope) if envelope.kind == MessageKind::Confirm => {
                if ctx.mode() == Mode::Transactional {
                    self.on_confirm_in_txn(envelope, ctx)
                } else {
                    self.on_confirm(envelope, ctx)
                }
            }
            Input::Crash => self.crash(ctx),
            Input::Timer(_)
            | Input::Message(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => {}
        }
    }

    /// Sets the publish timer if the window and the outbox allow it.
    fn schedule_next(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.mode() == Mode::Transactional || self.memory.publish_scheduled {
            return;
        }
        let topology = &ctx.scenario.topology;
        let shared = topology.producers > 1;
        while self.memory.next <= ctx.messages()
            && (self.state(self.memory.next) != NEW
                || (shared && topology.producer_of(self.memory.next) != ctx.id))
        {
            self.memory.next += 1;
        }
        if self.memory.next > ctx.messages() {
            return;
        }
        let message = self.memory.next;
        // A batch (transaction size above 1, outside transactional mode) goes out back
        // to back: only its first message waits for the publish interval and for room
        // in the window, so that the window never splits a batch.
        let in_batch = ctx.scenario.grouped() && ctx.scenario.group_of(message).0 != message;
        if ctx.confirms()
            && self.memory.unconfirmed >= ctx.scenario.timing.producer_window
            && !in_batch
        {
            return;
        }
        self.memory.publish_scheduled = true;
        let first_of_mine = message <= u32::from(topology.producers);
        let delay = if (ctx.at_start && first_of_mine) || in_batch {
            0
        } else {
            ctx.scenario.timing.publish_interval_ticks
        };
        ctx.set_timer(delay, Timer::Publish { message });
    }

    fn publish(&mut self, message: u32, ctx: &mut Ctx<'_>) {
        self.memory.publish_scheduled = false;
        if self.state(message) != NEW {
            self.schedule_next(ctx);
            return;
        }
        ctx.step(EventKind::Publish);
        ctx.mark(Mark::Message(message));
        ctx.mark(Mark::Peer(NodeId::BROKER));
        self.memory.next = message + 1;
        if ctx.mode() == Mode::AtMostOnce {
            // At-most-once marks the message as sent before sending, so that it is never
            // sent twice, even after a crash.
            self.disk.outbox[index(message)] = HANDED_OFF;
            ctx.persist(DiskRecord::MarkedSent(message));
        }
        if ctx.crash_point(CrashPoint::ProducerBeforeSend, message) {
            ctx.fact(Fact::MayBeLost {
                message,
                cause: CauseKind::ProducerCrashBeforeSend,
            });
            return;
        }
        self.send(message, Because::Given(None), ctx);
        if ctx.crash_point(CrashPoint::ProducerAfterSend, message) {
            ctx.fact(Fact::WillResend {
                message,
                cause: CauseKind::ProducerCrashAfterSend,
            });
            return;
        }
        self.schedule_next(ctx);
    }

    /// Transactional mode: the coordinator opened publish transaction `txn`. The
    /// producer writes the order rows in its database, not yet committed, and
    /// publishes each of the transaction's messages to the broker inside it.
    fn on_begin(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let first = envelope.message;
        let last = ctx.group_last(first);
        ctx.mark(Mark::Peer(NodeId::BROKER));
        self.memory.work.open(txn, envelope.txn_kind, first, last);
        for message in first..=last {
            if ctx.crash_point(CrashPoint::ProducerBeforeSend, message) {
                return;
            }
            self.send_tagged(message, txn, Because::Given(None), ctx);
            if ctx.crash_point(CrashPoint::ProducerAfterSend, message) {
                return;
            }
        }
    }

    /// Transactional mode: the broker holds `message` in its transaction. When it holds
    /// them all, the producer's work is done and the coordinator may prepare.
    fn on_confirm_in_txn(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let txn = envelope.tag;
        let message = envelope.message;
        let Some(work) = self.memory.work.get_mut(txn) else {
            ctx.detail(Detail::NotInTxn);
            return;
        };
        if !work.mark(message) {
            ctx.detail(Detail::AlreadyConfirmed);
            return;
        }
        let (complete, first) = (work.complete(), work.first);
        if ctx.crash_point(CrashPoint::ProducerAfterConfirm, message) {
            return;
        }
        if !complete {
            ctx.detail(Detail::Confirmed);
            return;
        }
        ctx.work_done(txn, first, envelope.txn_kind);
    }

    /// Transactional mode: the publish transaction committed; the order row is
    /// committed with it.
    pub fn commit_published(&mut self, message: u32) {
        if let Some(state) = self.disk.outbox.get_mut(index(message)) {
            if *state != CONFIRMED {
                *state = CONFIRMED;
                self.disk.confirmed += 1;
            }
        }
    }

    fn send(&mut self, message: u32, because: Because, ctx: &mut Ctx<'_>) {
        self.send_tagged(message, 0, because, ctx);
    }

    /// Sends a publish; `txn` is its transaction (0 outside transactional mode).
    fn send_tagged(&mut self, message: u32, txn: u32, because: Because, ctx: &mut Ctx<'_>) {
        let i = index(message);
        self.disk.attempts[i] += 1;
        let attempt = self.disk.attempts[i];
        ctx.mark(Mark::Attempt(attempt));
        ctx.mark(Mark::Link(LinkId::new(ctx.id, NodeId::BROKER)));
        ctx.mark(Mark::Kind(MessageKind::Publish));
        ctx.fact(Fact::PublishSent(message));
        ctx.send(
            NodeId::BROKER,
            MessageKind::Publish,
            message,
            txn,
            attempt,
            because,
            0,
        );
        if ctx.confirms() {
            if !self.memory.in_window[i] {
                self.memory.in_window[i] = true;
                self.memory.unconfirmed += 1;
            }
            ctx.set_timer(ctx.retry_timeout_ticks(), Timer::Retry { message, attempt });
        }
    }

    fn retry(&mut self, message: u32, attempt: u32, ctx: &mut Ctx<'_>) {
        if self.state(message) == CONFIRMED
            || self.disk.attempts.get(index(message)) != Some(&attempt)
        {
            return;
        }
        ctx.step(EventKind::Publish);
        ctx.mark(Mark::Message(message));
        ctx.mark(Mark::Peer(NodeId::BROKER));
        if ctx.crash_point(CrashPoint::ProducerBeforeSend, message) {
            return;
        }
        self.send(message, Because::Resend(CauseKind::RetryTimeout), ctx);
        if ctx.crash_point(CrashPoint::ProducerAfterSend, message) {
            ctx.fact(Fact::WillResend {
                message,
                cause: CauseKind::ProducerCrashAfterSend,
            });
        }
    }

    fn on_confirm(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        let i = index(message);
        if self.state(message) == CONFIRMED {
            ctx.detail(Detail::AlreadyConfirmed);
            return;
        }
        ctx.detail(Detail::Confirmed);
        if let Some(state) = self.disk.outbox.get_mut(i) {
            *state = CONFIRMED;
            self.disk.confirmed += 1;
        }
        ctx.persist(DiskRecord::Confirmed(message));
        if self.memory.in_window.get(i) == Some(&true) {
            self.memory.in_window[i] = false;
            self.memory.unconfirmed -= 1;
        }
        if ctx.crash_point(CrashPoint::ProducerAfterConfirm, message) {
            return;
        }
        self.schedule_next(ctx);
    }

    /// Every publish awaiting its confirm will be sent again after the restart.
    fn crash(&mut self, ctx: &mut Ctx<'_>) {
        for (i, waiting) in self.memory.in_window.iter().enumerate() {
            if *waiting {
                ctx.fact(Fact::WillResend {
                    message: i as u32 + 1,
                    cause: CauseKind::ProducerCrash,
                });
            }
        }
        self.memory = ProducerMemory::new(self.disk.outbox.len() as u32);
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, mode: Mode, w: &Words) -> Vec<String> {
        let mut lines = Vec::new();
        if mode.confirms() {
            let waiting = ids(self
                .memory
                .in_window
                .iter()
                .enumerate()
                .filter(|(_, waiting)| **waiting)
                .map(|(i, _)| i as u32 + 1));
            if !waiting.is_empty() {
                lines.push(card!(w, ProducerAwaitingConfirm, msgs = waiting));
            }
        }
        if (self.memory.next as usize) <= self.disk.outbox.len() {
            lines.push(card!(
                w,
                ProducerNext,
                msg = format!("m{}", self.memory.next)
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::node::RoleKind;
    use crate::scenario::Scenario;

    fn scenario(mode: Mode) -> Scenario {
        bench::scenario(mode, 3)
    }

    #[test]
    fn at_start_it_sets_the_publish_timer_for_m1_at_once() {
        let s = scenario(Mode::AtLeastOnce);
        let mut producer = Producer::new(3);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 0, |ctx| {
            producer.handle(Input::Start, ctx)
        });
        assert_eq!(
            out,
            vec![Output::SetTimer {
                delay_ticks: 0,
                timer: Timer::Publish { message: 1 }
            }]
        );
    }

    #[test]
    fn publishing_sends_to_the_broker_and_sets_a_retry_timer_with_confirms() {
        let s = scenario(Mode::AtLeastOnce);
        let mut producer = Producer::new(3);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 5, |ctx| {
            producer.handle(Input::Timer(Timer::Publish { message: 1 }), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Publish, 1)]
        );
        assert!(bench::timers(&out).contains(&Timer::Retry {
            message: 1,
            attempt: 1
        }));
        assert_eq!(producer.memory.unconfirmed, 1);
        assert!(bench::facts(&out).contains(&Fact::PublishSent(1)));
    }

    #[test]
    fn at_most_once_marks_the_message_sent_on_disk_before_sending_and_sets_no_retry() {
        let s = scenario(Mode::AtMostOnce);
        let mut producer = Producer::new(3);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 5, |ctx| {
            producer.handle(Input::Timer(Timer::Publish { message: 1 }), ctx)
        });
        let persist = out
            .iter()
            .position(|o| matches!(o, Output::Persist(DiskRecord::MarkedSent(1))));
        let send = out.iter().position(|o| matches!(o, Output::Send(_)));
        assert!(persist < send, "{out:?}");
        assert!(!bench::timers(&out)
            .iter()
            .any(|t| matches!(t, Timer::Retry { .. })));
    }

    #[test]
    fn a_crash_before_send_sends_nothing_and_reports_the_possible_loss() {
        let s = scenario(Mode::AtLeastOnce);
        let mut producer = Producer::new(3);
        let mut armed = Armed(vec![(
            CrashPoint::ProducerBeforeSend,
            NodeId::PRODUCER,
            Some(1),
        )]);
        let out = bench::run(NodeId::PRODUCER, &s, &mut armed, 5, |ctx| {
            producer.handle(Input::Timer(Timer::Publish { message: 1 }), ctx)
        });
        assert!(bench::sends(&out).is_empty());
        assert!(out.contains(&Output::Crash(CrashPoint::ProducerBeforeSend)));
        assert_eq!(
            bench::facts(&out),
            vec![Fact::MayBeLost {
                message: 1,
                cause: CauseKind::ProducerCrashBeforeSend
            }]
        );
    }

    #[test]
    fn a_crash_forgets_the_window_and_every_unconfirmed_publish_will_be_sent_again() {
        let s = scenario(Mode::AtLeastOnce);
        let mut producer = Producer::new(3);
        bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 5, |ctx| {
            producer.handle(Input::Timer(Timer::Publish { message: 1 }), ctx)
        });
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 6, |ctx| {
            producer.handle(Input::Crash, ctx)
        });
        assert_eq!(
            bench::facts(&out),
            vec![Fact::WillResend {
                message: 1,
                cause: CauseKind::ProducerCrash
            }]
        );
        assert_eq!(producer.memory, ProducerMemory::new(3));
        assert_eq!(producer.disk.attempts, vec![1, 0, 0], "the disk is kept");
    }

    #[test]
    fn a_confirm_is_made_durable_and_a_second_one_is_recognised() {
        let s = scenario(Mode::AtLeastOnce);
        let mut producer = Producer::new(3);
        let confirm = bench::envelope(NodeId::BROKER, NodeId::PRODUCER, MessageKind::Confirm, 2, 0);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 9, |ctx| {
            producer.handle(Input::Message(&confirm), ctx)
        });
        assert_eq!(bench::persisted(&out), vec![DiskRecord::Confirmed(2)]);
        let (again, notes) =
            bench::run_noted(NodeId::PRODUCER, &s, &mut Armed::default(), 10, |ctx| {
                producer.handle(Input::Message(&confirm), ctx)
            });
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(notes.detail, Some(Detail::AlreadyConfirmed));
    }

    #[test]
    fn a_second_producer_publishes_only_its_own_messages() {
        let mut s = scenario(Mode::AtLeastOnce);
        s.messages = 6;
        s.topology.producers = 2;
        let second = NodeId::new(RoleKind::Producer, 1);
        let mut producer = Producer::new(6);
        let out = bench::run(second, &s, &mut Armed::default(), 0, |ctx| {
            producer.handle(Input::Start, ctx)
        });
        assert_eq!(bench::timers(&out), vec![Timer::Publish { message: 2 }]);
        let out = bench::run(second, &s, &mut Armed::default(), 1, |ctx| {
            producer.handle(Input::Timer(Timer::Publish { message: 2 }), ctx)
        });
        assert!(bench::timers(&out).contains(&Timer::Publish { message: 4 }));
    }

    /// An envelope about transaction `txn`, of transaction kind publish.
    fn in_txn(from: NodeId, kind: MessageKind, message: u32, txn: u32) -> Envelope {
        bench::envelope(from, NodeId::PRODUCER, kind, message, txn)
    }

    #[test]
    fn in_a_transaction_the_producer_publishes_when_the_coordinator_begins_it() {
        let s = scenario(Mode::Transactional);
        let mut producer = Producer::new(3);
        let start = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 0, |ctx| {
            producer.handle(Input::Start, ctx)
        });
        assert!(start.is_empty(), "nothing moves outside a transaction");
        let begin = in_txn(NodeId::COORDINATOR, MessageKind::Begin, 1, 7);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 3, |ctx| {
            producer.handle(Input::Message(&begin), ctx)
        });
        let sent: Vec<(NodeId, MessageKind, u32, u32)> = out
            .iter()
            .filter_map(|o| match o {
                Output::Send(s) => Some((s.to, s.kind, s.message, s.tag)),
                _ => None,
            })
            .collect();
        assert_eq!(sent, vec![(NodeId::BROKER, MessageKind::Publish, 1, 7)]);
        assert!(
            bench::persisted(&out).is_empty(),
            "the order row is not committed"
        );
    }

    #[test]
    fn the_broker_s_confirm_completes_the_work_and_the_producer_says_so() {
        let s = scenario(Mode::Transactional);
        let mut producer = Producer::new(3);
        let begin = in_txn(NodeId::COORDINATOR, MessageKind::Begin, 1, 7);
        bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 3, |ctx| {
            producer.handle(Input::Message(&begin), ctx)
        });
        let confirm = in_txn(NodeId::BROKER, MessageKind::Confirm, 1, 7);
        let out = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 8, |ctx| {
            producer.handle(Input::Message(&confirm), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::COORDINATOR, MessageKind::WorkDone, 1)]
        );
        assert!(producer.memory.work.complete(7));
        let crash = bench::run(NodeId::PRODUCER, &s, &mut Armed::default(), 9, |ctx| {
            producer.handle(Input::Crash, ctx)
        });
        assert!(crash.is_empty());
        assert!(!producer.memory.work.has(7), "a crash loses the work");
    }
}
