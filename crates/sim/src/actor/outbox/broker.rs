//! The broker: one durable queue. It appends every publish to its log (fsynced before
//! the confirm) and confirms it to the publisher; it never deduplicates, so an event
//! published twice is held twice.
//!
//! With acks (every pattern but offsets stored with the output) it delivers the log's
//! entries in order to the subscribed consumer, one unacked delivery at a time
//! (`basic.qos` prefetch 1), records each ack durably, and puts an unacked delivery back
//! in the queue when the consumer's connection breaks or it subscribes anew (marked
//! redelivered). With offsets stored with the output it answers fetches from an offset
//! (a long poll: a fetch with nothing to return waits for the next append) and keeps no
//! consumer position at all.

use std::collections::BTreeSet;

use super::{Fact, OutboxInput, OutboxNode, OutboxOutput, Wire};

/// The most entries one fetch returns.
const FETCH_MAX_RECORDS: usize = 16;

/// The broker's disk: the log and which entries are acked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerDisk {
    /// The events, by offset.
    pub log: Vec<u32>,
    /// Per offset, whether the consumer has acked it.
    pub acked: Vec<bool>,
}

/// The broker's memory, lost on a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct BrokerMemory {
    subscribed: bool,
    /// The delivery not acked yet.
    unacked: Option<u32>,
    /// Offsets put back in the queue after a delivery (they are redelivered).
    requeued: BTreeSet<u32>,
    /// A fetch waiting for an append: its offset.
    parked_fetch: Option<u32>,
}

/// The broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxBroker {
    acks: bool,
    pub disk: BrokerDisk,
    memory: BrokerMemory,
}

impl OutboxBroker {
    pub fn new(acks: bool) -> OutboxBroker {
        OutboxBroker {
            acks,
            disk: BrokerDisk::default(),
            memory: BrokerMemory::default(),
        }
    }

    /// Entries not acked yet (with acks).
    pub fn unacked_entries(&self) -> usize {
        self.disk.acked.iter().filter(|a| !**a).count()
    }

    pub fn handle(&mut self, input: OutboxInput) -> Vec<OutboxOutput> {
        let mut out = Vec::new();
        match input {
            OutboxInput::Start => self.memory = BrokerMemory::default(),
            OutboxInput::Receive { from, wire } => match wire {
                Wire::Publish { message } => {
                    let offset = u32::try_from(self.disk.log.len()).unwrap_or(u32::MAX);
                    self.disk.log.push(message);
                    self.disk.acked.push(false);
                    out.push(OutboxOutput::Fact(Fact::Appended { message, offset }));
                    out.push(OutboxOutput::Send {
                        to: from,
                        wire: Wire::Confirm { message },
                    });
                    if let Some(from) = self.memory.parked_fetch.take() {
                        self.answer_fetch(from, &mut out);
                    }
                    self.deliver(&mut out);
                }
                Wire::Subscribe if self.acks => {
                    self.requeue(&mut out);
                    self.memory.subscribed = true;
                    out.push(OutboxOutput::Send {
                        to: OutboxNode::Consumer,
                        wire: Wire::Subscribed,
                    });
                    self.deliver(&mut out);
                }
                Wire::Ack { offset } => {
                    if let Some(acked) = self.disk.acked.get_mut(offset as usize) {
                        *acked = true;
                        out.push(OutboxOutput::Fact(Fact::AckReceived { offset }));
                    }
                    if self.memory.unacked == Some(offset) {
                        self.memory.unacked = None;
                    }
                    self.deliver(&mut out);
                }
                Wire::Fetch { from } if !self.acks => self.answer_fetch(from, &mut out),
                _ => {}
            },
            OutboxInput::PeerLost {
                peer: OutboxNode::Consumer,
            } => {
                self.requeue(&mut out);
                self.memory.subscribed = false;
                self.memory.parked_fetch = None;
            }
            _ => {}
        }
        out
    }

    /// Puts the unacked delivery back in the queue.
    fn requeue(&mut self, out: &mut Vec<OutboxOutput>) {
        if let Some(offset) = self.memory.unacked.take() {
            self.memory.requeued.insert(offset);
            out.push(OutboxOutput::Fact(Fact::Requeued { count: 1 }));
        }
    }

    /// Delivers the first entry not acked, if the consumer has room for it.
    fn deliver(&mut self, out: &mut Vec<OutboxOutput>) {
        if !self.acks || !self.memory.subscribed || self.memory.unacked.is_some() {
            return;
        }
        let Some(index) = self.disk.acked.iter().position(|acked| !acked) else {
            return;
        };
        let offset = u32::try_from(index).unwrap_or(u32::MAX);
        let message = self.disk.log[index];
        // Only a requeue the broker remembers is marked redelivered: after its own crash
        // it delivers an entry again without knowing it had.
        let redelivered = self.memory.requeued.remove(&offset);
        self.memory.unacked = Some(offset);
        out.push(OutboxOutput::Fact(Fact::Delivered {
            message,
            offset,
            redelivered,
        }));
        out.push(OutboxOutput::Send {
            to: OutboxNode::Consumer,
            wire: Wire::Deliver {
                offset,
                message,
                redelivered,
            },
        });
    }

    fn answer_fetch(&mut self, from: u32, out: &mut Vec<OutboxOutput>) {
        let start = from as usize;
        if start >= self.disk.log.len() {
            self.memory.parked_fetch = Some(from);
            return;
        }
        let end = (start + FETCH_MAX_RECORDS).min(self.disk.log.len());
        let records = (start..end)
            .map(|i| (u32::try_from(i).unwrap_or(u32::MAX), self.disk.log[i]))
            .collect();
        out.push(OutboxOutput::Send {
            to: OutboxNode::Consumer,
            wire: Wire::Records { from, records },
        });
    }
}
