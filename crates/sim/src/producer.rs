//! The producer: publishes m1..mN. Its database holds the application events (the
//! outbox) from the start; what it has confirmed (or, at-most-once, handed off) is
//! durable, its window of unconfirmed publishes is memory.

use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::NodeId;
use crate::sim::{Sim, What};
use crate::trace::{Detail, EventKind};

/// Durable state per message.
const NEW: u8 = 0;
const HANDED_OFF: u8 = 1;
const CONFIRMED: u8 = 2;

/// The producer's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Producer {
    /// Durable: per message, NEW, HANDED_OFF (at-most-once) or CONFIRMED.
    pub outbox: Vec<u8>,
    /// Durable: how many are confirmed.
    pub confirmed: u32,
    /// How many times each message was published (kept for narration and the ledger).
    pub attempts: Vec<u32>,
    /// Volatile: sent in this incarnation and not confirmed.
    pub in_window: Vec<bool>,
    /// Volatile: how many are in the window.
    pub unconfirmed: u32,
    /// Volatile: the next message number to consider publishing.
    pub next: u32,
    /// Volatile: a publish event is scheduled.
    pub publish_scheduled: bool,
}

impl Producer {
    pub fn new(messages: u32) -> Producer {
        Producer {
            outbox: vec![NEW; messages as usize],
            confirmed: 0,
            attempts: vec![0; messages as usize],
            in_window: vec![false; messages as usize],
            unconfirmed: 0,
            next: 1,
            publish_scheduled: false,
        }
    }

    fn state(&self, message: u32) -> u8 {
        self.outbox
            .get((message as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(CONFIRMED)
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self, mode: Mode) -> Vec<String> {
        let mut lines = Vec::new();
        if mode.confirms() {
            let waiting: Vec<String> = self
                .in_window
                .iter()
                .enumerate()
                .filter(|(_, w)| **w)
                .map(|(i, _)| format!("m{}", i + 1))
                .collect();
            if !waiting.is_empty() {
                lines.push(format!("awaiting confirm: {}", waiting.join(" ")));
            }
        }
        if (self.next as usize) <= self.outbox.len() {
            lines.push(format!("next to publish: m{}", self.next));
        }
        lines
    }
}

impl Sim {
    fn producer_index(message: u32) -> usize {
        (message as usize).wrapping_sub(1)
    }

    /// Schedules the next publish if the window and the outbox allow it.
    pub(crate) fn producer_schedule_next(&mut self) {
        if self.mode == Mode::Transactional
            || self.producer.publish_scheduled
            || !self.nodes[NodeId::Producer.index()].up
        {
            return;
        }
        let skip = |state: u8| state != NEW;
        while self.producer.next <= self.messages && skip(self.producer.state(self.producer.next)) {
            self.producer.next += 1;
        }
        if self.producer.next > self.messages {
            return;
        }
        let message = self.producer.next;
        // A batch (transaction size above 1, outside transactional mode) goes out back
        // to back: only its first message waits for the publish interval and for room
        // in the window, so that the window never splits a batch.
        let in_batch = self.scenario.grouped() && self.scenario.group_of(message).0 != message;
        if self.mode.confirms()
            && self.producer.unconfirmed >= self.scenario.timing.producer_window
            && !in_batch
        {
            return;
        }
        self.producer.publish_scheduled = true;
        let delay = if (self.step_index == 0 && self.tick == 0 && message == 1) || in_batch {
            0
        } else {
            self.scenario.timing.publish_interval_ticks
        };
        self.schedule(delay, What::ProducerPublish { message });
    }

    pub(crate) fn producer_publish(&mut self, message: u32) {
        self.producer.publish_scheduled = false;
        if self.producer.state(message) != NEW {
            self.producer_schedule_next();
            return;
        }
        self.begin(EventKind::Publish, NodeId::Producer);
        self.cur.message = message;
        self.cur.peer = Some(NodeId::Broker);
        self.producer.next = message + 1;
        if self.mode == Mode::AtMostOnce {
            // At-most-once marks the message as sent before sending, so that it is never
            // sent twice, even after a crash.
            self.producer.outbox[Sim::producer_index(message)] = HANDED_OFF;
            self.log(NodeId::Producer, DiskRecord::MarkedSent(message));
        }
        if self.crash_point(CrashPoint::ProducerBeforeSend, message) {
            let cause = self.cause(CauseKind::ProducerCrashBeforeSend);
            self.ledger.note_loss(message, cause);
            return;
        }
        self.producer_send(message, None);
        if self.crash_point(CrashPoint::ProducerAfterSend, message) {
            let cause = self.cause(CauseKind::ProducerCrashAfterSend);
            self.ledger.note_resend(message, cause);
            return;
        }
        self.producer_schedule_next();
    }

    fn producer_send(&mut self, message: u32, cause: Option<crate::ledger::Cause>) {
        let index = Sim::producer_index(message);
        self.producer.attempts[index] += 1;
        let attempt = self.producer.attempts[index];
        self.cur.attempt = attempt;
        self.cur.link = Some(crate::network::LinkId::new(
            NodeId::Producer,
            NodeId::Broker,
        ));
        self.cur.message_kind = Some(MessageKind::Publish);
        self.ledger.on_publish_sent(message);
        self.send(
            NodeId::Producer,
            NodeId::Broker,
            MessageKind::Publish,
            message,
            0,
            attempt,
            cause,
            0,
        );
        if self.mode.confirms() {
            if !self.producer.in_window[index] {
                self.producer.in_window[index] = true;
                self.producer.unconfirmed += 1;
            }
            self.schedule(
                self.scenario.timing.retry_timeout_ticks,
                What::ProducerRetry { message, attempt },
            );
        }
    }

    pub(crate) fn producer_retry(&mut self, message: u32, attempt: u32) {
        let index = Sim::producer_index(message);
        if self.producer.state(message) == CONFIRMED
            || self.producer.attempts.get(index) != Some(&attempt)
        {
            return;
        }
        self.begin(EventKind::Publish, NodeId::Producer);
        self.cur.message = message;
        self.cur.peer = Some(NodeId::Broker);
        if self.crash_point(CrashPoint::ProducerBeforeSend, message) {
            return;
        }
        let cause = self
            .ledger
            .take_resend(message)
            .unwrap_or_else(|| self.cause(CauseKind::RetryTimeout));
        self.producer_send(message, Some(cause));
        if self.crash_point(CrashPoint::ProducerAfterSend, message) {
            let cause = self.cause(CauseKind::ProducerCrashAfterSend);
            self.ledger.note_resend(message, cause);
        }
    }

    pub(crate) fn producer_on_confirm(&mut self, envelope: Envelope) {
        let message = envelope.message;
        self.begin(EventKind::Confirm, NodeId::Producer);
        self.describe_envelope(&envelope);
        let index = Sim::producer_index(message);
        if self.producer.state(message) == CONFIRMED {
            self.cur.detail = Detail::AlreadyConfirmed;
            return;
        }
        self.cur.detail = Detail::Confirmed;
        if let Some(state) = self.producer.outbox.get_mut(index) {
            *state = CONFIRMED;
            self.producer.confirmed += 1;
        }
        self.log(NodeId::Producer, DiskRecord::Confirmed(message));
        if self.producer.in_window.get(index) == Some(&true) {
            self.producer.in_window[index] = false;
            self.producer.unconfirmed -= 1;
        }
        if self.crash_point(CrashPoint::ProducerAfterConfirm, message) {
            return;
        }
        self.producer_schedule_next();
    }

    pub(crate) fn producer_crash(&mut self) {
        for index in 0..self.producer.in_window.len() {
            if self.producer.in_window[index] {
                self.producer.in_window[index] = false;
                let cause = self.cause(CauseKind::ProducerCrash);
                self.ledger.note_resend(index as u32 + 1, cause);
            }
        }
        self.producer.unconfirmed = 0;
        self.producer.next = 1;
        self.producer.publish_scheduled = false;
    }

    pub(crate) fn producer_restart(&mut self) {
        self.producer.next = 1;
        self.producer_schedule_next();
    }
}
