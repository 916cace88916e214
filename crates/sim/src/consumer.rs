//! The consumer: receives deliveries, applies each message's side effect to its own
//! database (crediting an account, say) and acks — before or after applying, by mode.

use std::collections::VecDeque;

use crate::disk::DiskRecord;
use crate::fault::CrashPoint;
use crate::ledger::CauseKind;
use crate::mode::Mode;
use crate::network::{Envelope, MessageKind};
use crate::node::NodeId;
use crate::sim::Sim;
use crate::trace::{Detail, EventKind};

/// How many recently received ids the consumer's memory shows.
const RECENT: usize = 8;

/// The consumer's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Consumer {
    /// Durable: how many times each message's side effect was applied.
    pub applied: Vec<u32>,
    /// Durable (idempotent): the processed-ids table, written in the same database
    /// transaction as the side effect.
    pub processed: Vec<bool>,
    /// Volatile: the last ids received.
    pub recent: VecDeque<u32>,
}

impl Consumer {
    pub fn new(messages: u32) -> Consumer {
        Consumer {
            applied: vec![0; messages as usize],
            processed: vec![false; messages as usize],
            recent: VecDeque::new(),
        }
    }

    /// Volatile lines for the snapshot.
    pub fn memory_lines(&self) -> Vec<String> {
        if self.recent.is_empty() {
            return Vec::new();
        }
        let ids: Vec<String> = self.recent.iter().map(|m| format!("m{m}")).collect();
        vec![format!("recently received: {}", ids.join(" "))]
    }
}

impl Sim {
    pub(crate) fn consumer_on_deliver(&mut self, envelope: Envelope) {
        let message = envelope.message;
        let index = (message as usize).wrapping_sub(1);
        self.begin(EventKind::Receive, NodeId::Consumer);
        self.describe_envelope(&envelope);
        self.ledger.on_delivered(message);
        if self.consumer.recent.len() == RECENT {
            self.consumer.recent.pop_front();
        }
        self.consumer.recent.push_back(message);
        if self.crash_point(CrashPoint::ConsumerAfterReceive, message) {
            let cause = self.cause(CauseKind::ConsumerCrashAfterReceive);
            self.ledger.note_loss(message, cause);
            self.ledger.note_redeliver(message, cause);
            return;
        }
        match self.mode {
            Mode::AtMostOnce => {
                self.cur.detail = Detail::AckedThenApplied;
                self.consumer_ack(&envelope);
                if self.crash_point(CrashPoint::ConsumerAfterAck, message) {
                    let cause = self.cause(CauseKind::ConsumerCrashAfterAck);
                    self.ledger.note_loss(message, cause);
                    return;
                }
                self.consumer_apply(message, &envelope, false);
                self.crash_point(CrashPoint::ConsumerAfterApply, message);
            }
            Mode::AtLeastOnce | Mode::Idempotent | Mode::Transactional => {
                let skip = self.mode == Mode::Idempotent
                    && self.consumer.processed.get(index) == Some(&true);
                if skip {
                    self.cur.detail = Detail::DuplicateSkipped;
                } else {
                    self.cur.detail = Detail::AppliedThenAcked;
                    self.consumer_apply(message, &envelope, self.mode == Mode::Idempotent);
                    if self.crash_point(CrashPoint::ConsumerAfterApply, message) {
                        let cause = self.cause(CauseKind::ConsumerCrashAfterApply);
                        self.ledger.note_redeliver(message, cause);
                        return;
                    }
                }
                self.consumer_ack(&envelope);
                self.crash_point(CrashPoint::ConsumerAfterAck, message);
            }
        }
    }

    fn consumer_apply(&mut self, message: u32, envelope: &Envelope, record_id: bool) {
        let index = (message as usize).wrapping_sub(1);
        if let Some(count) = self.consumer.applied.get_mut(index) {
            *count += 1;
        }
        if record_id {
            if let Some(done) = self.consumer.processed.get_mut(index) {
                *done = true;
            }
            self.log(NodeId::Consumer, DiskRecord::Processed(message));
        } else {
            self.log(NodeId::Consumer, DiskRecord::Applied(message));
        }
        self.ledger.on_applied(
            message,
            self.step_index,
            envelope.cause,
            envelope.attempt > 1,
        );
    }

    fn consumer_ack(&mut self, envelope: &Envelope) {
        self.send(
            NodeId::Consumer,
            NodeId::Broker,
            MessageKind::Ack,
            envelope.message,
            envelope.tag,
            envelope.attempt,
            None,
            0,
        );
    }

    pub(crate) fn consumer_crash(&mut self) {
        self.consumer.recent.clear();
    }

    pub(crate) fn consumer_restart(&mut self) {}
}
