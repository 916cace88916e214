//! The broker: the queue. It appends publishes to its log in memory, makes them durable
//! with an fsync, confirms them, delivers them within a window and redelivers what is
//! not acked after a timeout.

use std::collections::VecDeque;

use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::{Cause, CauseKind};
use crate::limits::MAX_BROKER_ENTRIES_PER_MESSAGE;
use crate::mode::Mode;
use crate::network::{Envelope, LinkId, MessageKind};
use crate::node::NodeId;
use crate::sim::{Sim, What};
use crate::trace::{Detail, EventKind};

/// One durable log entry: a stored copy of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub message: u32,
    /// Durable: the consumer's ack was recorded.
    pub acked: bool,
    /// Durable (at-most-once): handed to the network and forgotten.
    pub forgotten: bool,
    /// How many times this entry was delivered (for narration).
    pub deliveries: u32,
    /// Why this copy exists if it is an extra one.
    pub cause: Option<Cause>,
}

/// Dedup index values (idempotent mode).
const UNSEEN: u8 = 0;
const APPENDED: u8 = 1;
const STORED: u8 = 2;

/// The broker's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Broker {
    /// Durable: the fsynced log.
    pub entries: Vec<Entry>,
    /// Volatile: appended, waiting for the fsync.
    pub unsynced: Vec<(u32, Option<Cause>)>,
    pub fsync_scheduled: bool,
    pub deliver_scheduled: bool,
    /// Volatile: entries waiting to be delivered, in log order.
    pub ready: VecDeque<u32>,
    /// Volatile: per entry, the attempt in flight (0 = none).
    pub in_flight: Vec<u32>,
    /// Volatile: deliveries awaiting an ack.
    pub unacked: u32,
    /// Volatile (rebuilt from the log): per message, UNSEEN, APPENDED or STORED.
    pub seen: Vec<u8>,
    /// The most entries the log may hold.
    pub capacity: u32,
    /// Durable (consume-transform-produce): per input message mK, how many copies of
    /// its output oK the output queue holds. Appended only by a committed consume
    /// transaction, so at most one each; bounded by the number of messages.
    pub outputs: Vec<u32>,
}

impl Broker {
    pub fn new(messages: u32) -> Broker {
        Broker {
            entries: Vec::new(),
            unsynced: Vec::new(),
            fsync_scheduled: false,
            deliver_scheduled: false,
            ready: VecDeque::new(),
            in_flight: Vec::new(),
            unacked: 0,
            seen: vec![UNSEEN; messages as usize],
            capacity: messages.saturating_mul(MAX_BROKER_ENTRIES_PER_MESSAGE),
            outputs: vec![0; messages as usize],
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

    /// The output queue's contents as one line ("output queue: o1 o2 …"), the first 16
    /// copies in message order; `None` when it is empty.
    pub fn output_queue_line(&self) -> Option<String> {
        let total: u64 = self.outputs.iter().map(|c| u64::from(*c)).sum();
        if total == 0 {
            return None;
        }
        let copies: Vec<String> = self
            .outputs
            .iter()
            .enumerate()
            .flat_map(|(index, count)| std::iter::repeat_n(index as u64 + 1, *count as usize))
            .take(16)
            .map(|m| format!("o{m}"))
            .collect();
        let more = if total > 16 {
            format!(" … ({total} in all)")
        } else {
            String::new()
        };
        Some(format!("output queue: {}{more}", copies.join(" ")))
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.unsynced.is_empty() {
            let ids: Vec<String> = self.unsynced.iter().map(|(m, _)| format!("m{m}")).collect();
            lines.push(format!("appended, not fsynced: {}", ids.join(" ")));
        }
        let flying: Vec<String> = self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, a)| **a > 0)
            .map(|(e, a)| {
                let m = self.entries[e].message;
                if *a > 1 {
                    format!("m{m} (attempt {a})")
                } else {
                    format!("m{m}")
                }
            })
            .collect();
        if !flying.is_empty() {
            lines.push(format!("awaiting ack: {}", flying.join(" ")));
        }
        if !self.ready.is_empty() {
            let ids: Vec<String> = self
                .ready
                .iter()
                .take(16)
                .map(|e| format!("m{}", self.entries[*e as usize].message))
                .collect();
            lines.push(format!("ready to deliver: {}", ids.join(" ")));
        }
        lines
    }
}

impl Sim {
    pub(crate) fn broker_on_publish(&mut self, envelope: Envelope) {
        let message = envelope.message;
        self.begin(EventKind::Append, NodeId::Broker);
        self.describe_envelope(&envelope);
        if self.mode == Mode::Idempotent {
            // The producer id is fixed and the sequence number is the message number, so
            // the dedup key is the message number.
            match self.broker.seen(message) {
                STORED => {
                    self.cur.detail = Detail::DuplicateReconfirmed;
                    self.send(
                        NodeId::Broker,
                        NodeId::Producer,
                        MessageKind::Confirm,
                        message,
                        0,
                        1,
                        None,
                        0,
                    );
                    return;
                }
                APPENDED => {
                    self.cur.detail = Detail::DuplicateIgnored;
                    return;
                }
                _ => {}
            }
            // The sequence number is the message number: a publish whose predecessor
            // has not been appended skips one, and is refused without a confirm.
            if self.scenario.timing.sequence_check
                && message > 1
                && self.broker.seen(message - 1) == UNSEEN
            {
                self.cur.detail = Detail::OutOfSequence;
                return;
            }
        }
        if (self.broker.entries.len() + self.broker.unsynced.len()) as u64
            >= u64::from(self.broker.capacity)
        {
            self.cur.detail = Detail::LogFull;
            let cause = self.cause(CauseKind::BrokerLogFull);
            self.ledger.note_resend(message, cause);
            return;
        }
        self.cur.detail = Detail::Appended;
        self.broker.unsynced.push((message, envelope.cause));
        self.broker.set_seen(message, APPENDED);
        if self.crash_point(CrashPoint::BrokerAfterAppend, message) {
            return;
        }
        if !self.broker.fsync_scheduled {
            self.broker.fsync_scheduled = true;
            self.schedule(self.scenario.timing.fsync_delay_ticks, What::BrokerFsync);
        }
    }

    pub(crate) fn broker_fsync(&mut self) {
        self.broker.fsync_scheduled = false;
        if self.broker.unsynced.is_empty() {
            return;
        }
        self.begin(EventKind::Fsync, NodeId::Broker);
        let mut batch = std::mem::take(&mut self.broker.unsynced);
        let first_entry = self.broker.entries.len() as u32;
        for &(message, cause) in &batch {
            self.broker.entries.push(Entry {
                message,
                acked: false,
                forgotten: false,
                deliveries: 0,
                cause,
            });
            self.broker.in_flight.push(0);
            self.broker.set_seen(message, STORED);
            self.ledger.on_stored(message);
        }
        let count = batch.len() as u32;
        let last = batch.last().map_or(0, |(m, _)| *m);
        self.cur.message = last;
        self.cur.detail = Detail::Fsynced { count };
        self.log(NodeId::Broker, DiskRecord::Fsync { last, count });
        let crashed = batch
            .iter()
            .any(|&(message, _)| self.crash_point(CrashPoint::BrokerAfterFsync, message));
        if crashed {
            for &(message, _) in &batch {
                let cause = self.cause(CauseKind::BrokerCrashAfterFsync);
                self.ledger.note_resend(message, cause);
            }
        } else {
            for (offset, &(message, _)) in batch.iter().enumerate() {
                if self.mode.confirms() {
                    self.send(
                        NodeId::Broker,
                        NodeId::Producer,
                        MessageKind::Confirm,
                        message,
                        0,
                        1,
                        None,
                        0,
                    );
                }
                self.broker.ready.push_back(first_entry + offset as u32);
            }
            self.broker_schedule_deliver();
        }
        batch.clear();
        if self.broker.unsynced.is_empty() {
            // Give the buffer back so that the next batch does not allocate.
            self.broker.unsynced = batch;
        }
    }

    fn broker_schedule_deliver(&mut self) {
        if self.broker.deliver_scheduled
            || self.broker.ready.is_empty()
            || !self.nodes[NodeId::Broker.index()].up
        {
            return;
        }
        if self.mode.redelivers() && self.broker.unacked >= self.scenario.timing.delivery_window {
            return;
        }
        self.broker.deliver_scheduled = true;
        self.schedule(0, What::BrokerDeliver);
    }

    pub(crate) fn broker_deliver(&mut self) {
        self.broker.deliver_scheduled = false;
        if self.mode.redelivers() && self.broker.unacked >= self.scenario.timing.delivery_window {
            return;
        }
        let entry = loop {
            let Some(entry) = self.broker.ready.pop_front() else {
                return;
            };
            let e = &self.broker.entries[entry as usize];
            if !e.acked && !e.forgotten && self.broker.in_flight[entry as usize] == 0 {
                break entry;
            }
        };
        self.begin(EventKind::Deliver, NodeId::Broker);
        let message = self.broker.entries[entry as usize].message;
        let first_cause = self.broker.entries[entry as usize].cause;
        let cause = if self.broker.entries[entry as usize].deliveries > 0 {
            Some(
                self.ledger
                    .take_redeliver(message)
                    .unwrap_or_else(|| self.cause(CauseKind::BrokerCrash)),
            )
        } else {
            first_cause
        };
        self.broker_send_delivery(entry, cause);
        if self.crash_point(CrashPoint::BrokerAfterDeliver, message) {
            return;
        }
        self.broker_schedule_deliver();
    }

    fn broker_send_delivery(&mut self, entry: u32, cause: Option<Cause>) {
        let e = &mut self.broker.entries[entry as usize];
        e.deliveries += 1;
        let attempt = e.deliveries;
        let message = e.message;
        self.cur.message = message;
        self.cur.attempt = attempt;
        self.cur.peer = Some(NodeId::Consumer);
        self.cur.link = Some(LinkId::new(NodeId::Broker, NodeId::Consumer));
        self.cur.message_kind = Some(MessageKind::Deliver);
        if self.mode.redelivers() {
            self.broker.in_flight[entry as usize] = attempt;
            self.broker.unacked += 1;
            self.schedule(
                self.scenario.timing.redelivery_timeout_ticks,
                What::BrokerRedeliver { entry, attempt },
            );
        } else {
            // At-most-once: the broker forgets the message as it hands it off (auto-ack),
            // so nothing can ever bring it back.
            e.forgotten = true;
            self.log(NodeId::Broker, DiskRecord::DeliveredForgotten(message));
        }
        self.send(
            NodeId::Broker,
            NodeId::Consumer,
            MessageKind::Deliver,
            message,
            entry,
            attempt,
            cause,
            0,
        );
    }

    pub(crate) fn broker_redeliver(&mut self, entry: u32, attempt: u32) {
        let index = entry as usize;
        if index >= self.broker.entries.len()
            || self.broker.entries[index].acked
            || self.broker.in_flight[index] != attempt
        {
            return;
        }
        self.begin(EventKind::Deliver, NodeId::Broker);
        let message = self.broker.entries[index].message;
        self.broker.in_flight[index] = 0;
        self.broker.unacked -= 1;
        let cause = self
            .ledger
            .take_redeliver(message)
            .unwrap_or_else(|| self.cause(CauseKind::RedeliveryTimeout));
        self.broker_send_delivery(entry, Some(cause));
        self.crash_point(CrashPoint::BrokerAfterDeliver, message);
    }

    pub(crate) fn broker_on_ack(&mut self, envelope: Envelope) {
        self.begin(EventKind::Ack, NodeId::Broker);
        self.describe_envelope(&envelope);
        let index = envelope.tag as usize;
        let Some(entry) = self.broker.entries.get_mut(index) else {
            self.cur.detail = Detail::AckIgnored;
            return;
        };
        if entry.acked {
            self.cur.detail = Detail::AckIgnored;
            return;
        }
        entry.acked = true;
        let message = entry.message;
        self.cur.detail = Detail::AckRecorded;
        self.ledger.on_acked(message);
        if self.mode.redelivers() {
            self.log(NodeId::Broker, DiskRecord::Acked(message));
        }
        if self.broker.in_flight[index] > 0 {
            self.broker.in_flight[index] = 0;
            self.broker.unacked -= 1;
        }
        self.broker_schedule_deliver();
    }

    pub(crate) fn broker_crash(&mut self) {
        for (index, attempt) in self.broker.in_flight.iter_mut().enumerate() {
            if *attempt > 0 {
                *attempt = 0;
                let message = self.broker.entries[index].message;
                let cause = crate::ledger::Cause::new(self.step_index, CauseKind::BrokerCrash);
                self.ledger.note_redeliver(message, cause);
            }
        }
        let unsynced = std::mem::take(&mut self.broker.unsynced);
        for (message, _) in unsynced {
            let cause = self.cause(CauseKind::BrokerCrashBeforeFsync);
            self.ledger.note_loss(message, cause);
            self.broker.set_seen(message, UNSEEN);
        }
        self.broker.unacked = 0;
        self.broker.ready.clear();
        self.broker.fsync_scheduled = false;
        self.broker.deliver_scheduled = false;
    }

    pub(crate) fn broker_restart(&mut self) {
        // Replaying the durable log: the dedup index and the ready queue are rebuilt
        // from the stored entries.
        for slot in &mut self.broker.seen {
            *slot = UNSEEN;
        }
        for index in 0..self.broker.entries.len() {
            let entry = self.broker.entries[index];
            self.broker.set_seen(entry.message, STORED);
            if !entry.acked && !entry.forgotten {
                self.broker.ready.push_back(index as u32);
            }
        }
        self.broker_schedule_deliver();
    }
}
