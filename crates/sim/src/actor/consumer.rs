//! The consumer: receives deliveries, applies each message's side effect to its own
//! database (crediting an account, say) and acks — before or after applying, by mode.
//!
//! In transactional mode a delivery comes inside a consume transaction: the consumer
//! applies it in its database without committing and acks it inside the transaction
//! (the broker, holding every ack, tells the coordinator the work is done). Its database is a participant (see `participant`): the side
//! effect becomes real only at the commit.

use std::collections::VecDeque;

use mqlab_text::Words;

use crate::actor::work::Works;
use crate::actor::{Because, Ctx, Fact, Input, Mark};
use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::scenario::PoisonFails;
use crate::speech::{card, ids};
use crate::trace::Detail;

/// How many recently received ids the consumer's memory shows.
const RECENT: usize = 8;

/// What the consumer's database holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConsumerDisk {
    /// How many times each message's side effect was applied.
    pub applied: Vec<u32>,
    /// Idempotent: the processed-ids table, written in the same database transaction
    /// as the side effect.
    pub processed: Vec<bool>,
}

/// What the consumer holds in memory, lost in a crash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct ConsumerMemory {
    /// The last ids received.
    pub recent: VecDeque<u32>,
    /// Transactional mode: per transaction, the deliveries applied (uncommitted) and
    /// acked inside it.
    pub work: Works,
}

/// The consumer's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Consumer {
    pub disk: ConsumerDisk,
    pub memory: ConsumerMemory,
}

impl Consumer {
    pub fn new(messages: u32) -> Consumer {
        Consumer {
            disk: ConsumerDisk {
                applied: vec![0; messages as usize],
                processed: vec![false; messages as usize],
            },
            memory: ConsumerMemory::default(),
        }
    }

    pub fn handle(&mut self, input: Input<'_>, ctx: &mut Ctx<'_>) {
        match input {
            Input::Message(envelope) if envelope.kind == MessageKind::Deliver => {
                if ctx.mode() == Mode::Transactional {
                    self.on_deliver_in_txn(envelope, ctx)
                } else {
                    self.on_deliver(envelope, ctx)
                }
            }
            Input::Crash => self.memory = ConsumerMemory::default(),
            Input::Start
            | Input::Recover
            | Input::Timer(_)
            | Input::Message(_)
            | Input::ConnectionClosed(_)
            | Input::ConnectionOpened(_)
            | Input::ReplayDeadLetters => {}
        }
    }

    fn received(&mut self, message: u32, ctx: &mut Ctx<'_>) {
        ctx.fact(Fact::Delivered(message));
        if self.memory.recent.len() == RECENT {
            self.memory.recent.pop_front();
        }
        self.memory.recent.push_back(message);
    }

    /// Transactional mode: a delivery inside consume transaction `txn`. The consumer
    /// applies it without committing and acks it inside the transaction.
    fn on_deliver_in_txn(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        let txn = envelope.tag;
        self.received(message, ctx);
        if ctx.crash_point(CrashPoint::ConsumerAfterReceive, message) {
            return;
        }
        let (first, last) = ctx.scenario.group_of(message);
        let new = self
            .memory
            .work
            .open(txn, envelope.txn_kind, first, last)
            .mark(message);
        ctx.detail(Detail::AppliedInTxn);
        if new && ctx.crash_point(CrashPoint::ConsumerAfterApply, message) {
            return;
        }
        self.ack(envelope, ctx);
        ctx.crash_point(CrashPoint::ConsumerAfterAck, message);
    }

    fn on_deliver(&mut self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        self.received(message, ctx);
        if ctx.crash_point(CrashPoint::ConsumerAfterReceive, message) {
            let cause = CauseKind::ConsumerCrashAfterReceive;
            ctx.fact(Fact::MayBeLost { message, cause });
            ctx.fact(Fact::WillRedeliver { message, cause });
            return;
        }
        let poison = ctx.scenario.queue.is_poison(message);
        match ctx.mode() {
            // Automatic acks (at-most-once, or a queue set to them): the broker let the
            // message go as it delivered it.
            _ if !ctx.manual_acks() => {
                ctx.detail(Detail::AckedThenApplied);
                self.ack(envelope, ctx);
                if ctx.crash_point(CrashPoint::ConsumerAfterAck, message) {
                    ctx.fact(Fact::MayBeLost {
                        message,
                        cause: CauseKind::ConsumerCrashAfterAck,
                    });
                    return;
                }
                if poison {
                    self.fail(envelope, false, ctx);
                    return;
                }
                self.apply(envelope, false, ctx);
                ctx.crash_point(CrashPoint::ConsumerAfterApply, message);
            }
            _ if poison => self.fail(envelope, true, ctx),
            Mode::AtMostOnce | Mode::AtLeastOnce | Mode::Idempotent | Mode::Transactional => {
                let idempotent = ctx.mode() == Mode::Idempotent;
                let seen = self.disk.processed.get((message as usize).wrapping_sub(1));
                if idempotent && seen == Some(&true) {
                    ctx.detail(Detail::DuplicateSkipped);
                } else {
                    ctx.detail(Detail::AppliedThenAcked);
                    self.apply(envelope, idempotent, ctx);
                    if ctx.crash_point(CrashPoint::ConsumerAfterApply, message) {
                        ctx.fact(Fact::WillRedeliver {
                            message,
                            cause: CauseKind::ConsumerCrashAfterApply,
                        });
                        return;
                    }
                }
                self.ack(envelope, ctx);
                ctx.crash_point(CrashPoint::ConsumerAfterAck, message);
            }
        }
    }

    /// A poison message: processing it fails, on this consumer as on every other. It
    /// crashes the consumer, or the consumer rejects it — with requeue (back to the
    /// queue) or without (to the dead-letter queue). With automatic acks the broker has
    /// already let it go, so a failure loses it.
    fn fail(&mut self, envelope: &Envelope, manual_ack: bool, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        ctx.detail(Detail::Poison);
        let cause = CauseKind::PoisonMessage;
        match (ctx.scenario.queue.poison_fails, manual_ack) {
            (PoisonFails::Crash, true) => {
                ctx.fact(Fact::WillRedeliver { message, cause });
                ctx.crash_now(CrashPoint::ConsumerAfterReceive);
            }
            (PoisonFails::Crash, false) => {
                ctx.fact(Fact::MayBeLost { message, cause });
                ctx.crash_now(CrashPoint::ConsumerAfterReceive);
            }
            (_, false) => {
                ctx.mark(Mark::Kind(MessageKind::Ack));
                ctx.fact(Fact::MayBeLost { message, cause });
            }
            (fails, true) => {
                let kind = if fails == PoisonFails::Reject {
                    ctx.fact(Fact::WillRedeliver { message, cause });
                    MessageKind::Reject
                } else {
                    MessageKind::Nack
                };
                ctx.mark(Mark::Kind(kind));
                ctx.send(
                    envelope.link.from,
                    kind,
                    message,
                    envelope.tag,
                    envelope.attempt,
                    Because::Given(None),
                    0,
                );
            }
        }
    }

    /// Applies the side effect; in idempotent mode the message id is recorded in the
    /// same database transaction.
    fn apply(&mut self, envelope: &Envelope, record_id: bool, ctx: &mut Ctx<'_>) {
        let message = envelope.message;
        self.apply_side_effect(message);
        if record_id {
            if let Some(done) = self
                .disk
                .processed
                .get_mut((message as usize).wrapping_sub(1))
            {
                *done = true;
            }
            ctx.persist(DiskRecord::Processed(message));
        } else {
            ctx.persist(DiskRecord::Applied(message));
        }
        ctx.fact(Fact::Applied {
            message,
            cause: envelope.cause,
            redelivered: envelope.attempt > 1,
        });
    }

    /// The side effect itself: the account is credited once more.
    pub fn apply_side_effect(&mut self, message: u32) {
        if let Some(count) = self
            .disk
            .applied
            .get_mut((message as usize).wrapping_sub(1))
        {
            *count += 1;
        }
    }

    fn ack(&self, envelope: &Envelope, ctx: &mut Ctx<'_>) {
        ctx.send(
            envelope.link.from,
            MessageKind::Ack,
            envelope.message,
            envelope.tag,
            envelope.attempt,
            Because::Given(None),
            envelope.txn_kind,
        );
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, w: &Words) -> Vec<String> {
        if self.memory.recent.is_empty() {
            return Vec::new();
        }
        vec![card!(
            w,
            ConsumerRecent,
            msgs = ids(self.memory.recent.iter().copied())
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::bench::{self, Armed};
    use crate::actor::Output;
    use crate::node::NodeId;
    use crate::scenario::Scenario;

    fn scenario(mode: Mode) -> Scenario {
        bench::scenario(mode, 3)
    }

    fn deliver(message: u32) -> Envelope {
        bench::envelope(
            NodeId::BROKER,
            NodeId::CONSUMER,
            MessageKind::Deliver,
            message,
            0,
        )
    }

    fn position(out: &[Output], wanted: impl Fn(&Output) -> bool) -> usize {
        out.iter().position(wanted).expect("present")
    }

    #[test]
    fn at_least_once_applies_then_acks_to_the_broker_that_delivered() {
        let s = scenario(Mode::AtLeastOnce);
        let mut consumer = Consumer::new(3);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 4, |ctx| {
            consumer.handle(Input::Message(&deliver(2)), ctx)
        });
        let applied = position(&out, |o| {
            matches!(o, Output::Persist(DiskRecord::Applied(2)))
        });
        let acked = position(&out, |o| matches!(o, Output::Send(_)));
        assert!(applied < acked);
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Ack, 2)]
        );
        assert_eq!(consumer.disk.applied, vec![0, 1, 0]);
    }

    #[test]
    fn at_most_once_acks_before_applying() {
        let s = scenario(Mode::AtMostOnce);
        let mut consumer = Consumer::new(3);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 4, |ctx| {
            consumer.handle(Input::Message(&deliver(2)), ctx)
        });
        let acked = position(&out, |o| matches!(o, Output::Send(_)));
        let applied = position(&out, |o| {
            matches!(o, Output::Persist(DiskRecord::Applied(2)))
        });
        assert!(acked < applied);
    }

    #[test]
    fn a_crash_after_apply_sends_no_ack_and_the_message_will_be_redelivered() {
        let s = scenario(Mode::AtLeastOnce);
        let mut consumer = Consumer::new(3);
        let mut armed = Armed(vec![(
            CrashPoint::ConsumerAfterApply,
            NodeId::CONSUMER,
            None,
        )]);
        let out = bench::run(NodeId::CONSUMER, &s, &mut armed, 4, |ctx| {
            consumer.handle(Input::Message(&deliver(1)), ctx)
        });
        assert!(bench::sends(&out).is_empty());
        assert!(bench::facts(&out).contains(&Fact::WillRedeliver {
            message: 1,
            cause: CauseKind::ConsumerCrashAfterApply
        }));
        assert_eq!(
            consumer.disk.applied,
            vec![1, 0, 0],
            "the side effect is durable"
        );
    }

    #[test]
    fn the_idempotent_consumer_skips_a_processed_id_and_still_acks() {
        let s = scenario(Mode::Idempotent);
        let mut consumer = Consumer::new(3);
        for _ in 0..2 {
            bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 4, |ctx| {
                consumer.handle(Input::Message(&deliver(1)), ctx)
            });
        }
        assert_eq!(consumer.disk.applied, vec![1, 0, 0]);
        let (out, notes) =
            bench::run_noted(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
                consumer.handle(Input::Message(&deliver(1)), ctx)
            });
        assert_eq!(notes.detail, Some(Detail::DuplicateSkipped));
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Ack, 1)]
        );
    }

    #[test]
    fn inside_a_transaction_the_consumer_applies_without_committing_and_acks() {
        let s = scenario(Mode::Transactional);
        let mut consumer = Consumer::new(3);
        let mut delivery = deliver(2);
        delivery.tag = 6;
        delivery.txn_kind = 1;
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
            consumer.handle(Input::Message(&delivery), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Ack, 2)]
        );
        assert_eq!(
            consumer.disk.applied,
            vec![0, 0, 0],
            "nothing committed yet"
        );
        assert!(bench::persisted(&out).is_empty());
        assert!(consumer.memory.work.complete(6));
    }

    #[test]
    fn a_poison_message_is_rejected_without_being_applied() {
        let mut s = scenario(Mode::AtLeastOnce);
        s.queue.poison = vec![2];
        s.queue.poison_fails = PoisonFails::Nack;
        let mut consumer = Consumer::new(3);
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 5, |ctx| {
            consumer.handle(Input::Message(&deliver(2)), ctx)
        });
        assert_eq!(
            bench::sends(&out),
            vec![(NodeId::BROKER, MessageKind::Nack, 2)]
        );
        assert_eq!(consumer.disk.applied, vec![0, 0, 0]);
        s.queue.poison_fails = PoisonFails::Crash;
        let out = bench::run(NodeId::CONSUMER, &s, &mut Armed::default(), 6, |ctx| {
            consumer.handle(Input::Message(&deliver(2)), ctx)
        });
        assert!(out.contains(&Output::Crash(CrashPoint::ConsumerAfterReceive)));
        assert!(bench::sends(&out).is_empty());
    }
}
