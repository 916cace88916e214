//! The consumer: it applies each event to its own database (a business update, such as
//! crediting an account) and calls an external system for it (an email, a payment API),
//! which no database transaction covers.
//!
//! Each event is one local transaction: it begins (and the consumer calls the external
//! system), does its work, and commits. How the consumer keeps track of what it has
//! done depends on the pattern:
//!
//! - Plain (commit first, publish first, outbox): commit, then ack. A crash between the
//!   two redelivers the event, and a second copy at the broker is applied again.
//! - Inbox (outbox-inbox): the transaction inserts the event's id into the inbox table
//!   (its primary key) with the business update; a delivery whose id is already there
//!   is skipped (the insert fails and the transaction rolls back) and acked. The ack
//!   comes after the commit, or before it with `--inbox-ack before-commit`, which loses
//!   the event if the consumer crashes in between.
//! - Offsets stored with the output: no acks. The consumer fetches the log from the
//!   offset it keeps in its database and stores the next offset in the transaction of
//!   each event; after a crash it reads on from there. The offset is per log entry, so a
//!   second copy of an event (another offset) is applied again.

use std::collections::BTreeSet;

use crate::fault::CrashPoint;

use super::{Fact, InboxAck, OutboxInput, OutboxNode, OutboxOutput, OutboxTimer, Pattern, Wire};

/// How the consumer keeps track of what it has done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerStyle {
    /// Apply, then ack.
    Plain,
    /// An inbox table, acking before or after the commit.
    Inbox(InboxAck),
    /// The next offset stored with the output; no acks.
    Offsets,
}

impl ConsumerStyle {
    /// The consumer of a pattern.
    pub fn of(pattern: Pattern, inbox_ack: InboxAck) -> ConsumerStyle {
        match pattern {
            Pattern::OutboxInbox => ConsumerStyle::Inbox(inbox_ack),
            Pattern::OffsetsWithOutput => ConsumerStyle::Offsets,
            _ => ConsumerStyle::Plain,
        }
    }
}

/// The consumer's database: durable, kept across crashes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerDisk {
    /// The business updates, one per application, in order.
    pub applied: Vec<u32>,
    /// The inbox table: the ids of the events processed (its primary key).
    pub inbox: BTreeSet<u32>,
    /// The next offset of the log to read (offsets stored with the output).
    pub position: u32,
}

/// One delivery or log entry to handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    offset: u32,
    message: u32,
}

/// The consumer's memory, lost on a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ConsumerMemory {
    /// Subscribed (acks) or fetching (offsets).
    connected: bool,
    /// What waits to be handled, in order.
    waiting: Vec<Item>,
    /// The transaction in progress.
    current: Option<Item>,
    /// The next log offset asked for or buffered (offsets).
    next_offset: u32,
    /// The generation of the transaction's commit timer.
    generation: u32,
    /// The generation of the reconnect timer (apart, so that a reconnection never
    /// stops a transaction in progress from committing).
    reconnect_generation: u32,
}

/// The consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxConsumer {
    style: ConsumerStyle,
    retry_ticks: u64,
    db_ticks: u64,
    pub disk: ConsumerDisk,
    memory: ConsumerMemory,
}

impl OutboxConsumer {
    pub fn new(style: ConsumerStyle, retry_ticks: u64, db_ticks: u64) -> OutboxConsumer {
        OutboxConsumer {
            style,
            retry_ticks,
            db_ticks,
            disk: ConsumerDisk::default(),
            memory: ConsumerMemory::default(),
        }
    }

    /// The event whose transaction is in progress, if any.
    pub fn in_transaction(&self) -> Option<u32> {
        self.memory.current.map(|item| item.message)
    }

    /// True when the consumer is subscribed or fetching.
    pub fn is_connected(&self) -> bool {
        self.memory.connected
    }

    pub fn handle(&mut self, input: OutboxInput) -> Vec<OutboxOutput> {
        let mut out = Vec::new();
        match input {
            OutboxInput::Start => {
                self.memory = ConsumerMemory {
                    generation: self.memory.generation + 1,
                    reconnect_generation: self.memory.reconnect_generation + 1,
                    next_offset: self.disk.position,
                    ..ConsumerMemory::default()
                };
                self.connect(&mut out);
            }
            OutboxInput::Timer(OutboxTimer::Reconnect { generation })
                if generation == self.memory.reconnect_generation =>
            {
                if self.style == ConsumerStyle::Offsets {
                    // A fetch may have been lost with a crashed broker: ask again from
                    // the first entry not buffered (a long poll just waits again).
                    if self.memory.current.is_none() && self.memory.waiting.is_empty() {
                        self.connect(&mut out);
                    }
                } else if !self.memory.connected {
                    self.connect(&mut out);
                }
            }
            OutboxInput::Timer(OutboxTimer::ConsumerCommit { generation })
                if generation == self.memory.generation =>
            {
                self.commit(&mut out);
            }
            OutboxInput::PeerLost {
                peer: OutboxNode::Broker,
            } => {
                // The connection is gone, and with it every delivery not yet begun; the
                // transaction in progress is the database's and still commits.
                self.memory.connected = false;
                self.memory.waiting.clear();
                self.memory.next_offset = self.disk.position.max(
                    self.memory
                        .current
                        .map_or(0, |item| item.offset.saturating_add(1)),
                );
                self.memory.reconnect_generation += 1;
                out.push(OutboxOutput::Timer {
                    after_ticks: self.retry_ticks,
                    timer: OutboxTimer::Reconnect {
                        generation: self.memory.reconnect_generation,
                    },
                });
            }
            OutboxInput::Receive { wire, .. } => self.receive(wire, &mut out),
            _ => {}
        }
        out
    }

    /// Subscribes (acks) or fetches from the next offset (offsets), and waits for an
    /// answer for a while.
    fn connect(&mut self, out: &mut Vec<OutboxOutput>) {
        let wire = match self.style {
            ConsumerStyle::Offsets => {
                self.memory.connected = true;
                Wire::Fetch {
                    from: self.memory.next_offset,
                }
            }
            _ => Wire::Subscribe,
        };
        out.push(OutboxOutput::Send {
            to: OutboxNode::Broker,
            wire,
        });
        self.memory.reconnect_generation += 1;
        out.push(OutboxOutput::Timer {
            after_ticks: self.retry_ticks,
            timer: OutboxTimer::Reconnect {
                generation: self.memory.reconnect_generation,
            },
        });
    }

    fn receive(&mut self, wire: Wire, out: &mut Vec<OutboxOutput>) {
        match wire {
            Wire::Subscribed => {
                self.memory.connected = true;
                out.push(OutboxOutput::Fact(Fact::Subscribed));
            }
            Wire::Deliver {
                offset, message, ..
            } if self.memory.connected => {
                self.memory.waiting.push(Item { offset, message });
                self.next(out);
            }
            Wire::Records { records, .. } if self.style == ConsumerStyle::Offsets => {
                for (offset, message) in records {
                    // Entries before the next one asked for came with an earlier answer.
                    if offset == self.memory.next_offset {
                        self.memory.waiting.push(Item { offset, message });
                        self.memory.next_offset += 1;
                    }
                }
                self.next(out);
            }
            _ => {}
        }
    }

    /// Begins the next transaction if none is in progress.
    fn next(&mut self, out: &mut Vec<OutboxOutput>) {
        while self.memory.current.is_none() && !self.memory.waiting.is_empty() {
            let item = self.memory.waiting.remove(0);
            out.push(OutboxOutput::Fact(Fact::Received {
                message: item.message,
                offset: item.offset,
            }));
            if self.style == ConsumerStyle::Inbox(InboxAck::BeforeCommit) {
                self.ack(item, out);
            }
            if let ConsumerStyle::Inbox(ack) = self.style {
                if self.disk.inbox.contains(&item.message) {
                    // The insert hits the primary key: roll back, apply nothing.
                    out.push(OutboxOutput::Fact(Fact::Skipped {
                        message: item.message,
                    }));
                    if ack == InboxAck::AfterCommit {
                        self.ack(item, out);
                    }
                    continue;
                }
            }
            self.memory.current = Some(item);
            out.push(OutboxOutput::Fact(Fact::TxnBegun {
                message: item.message,
            }));
            out.push(OutboxOutput::Send {
                to: OutboxNode::External,
                wire: Wire::Call {
                    message: item.message,
                },
            });
            self.memory.generation += 1;
            out.push(OutboxOutput::Timer {
                after_ticks: self.db_ticks,
                timer: OutboxTimer::ConsumerCommit {
                    generation: self.memory.generation,
                },
            });
        }
        if self.style == ConsumerStyle::Offsets
            && self.memory.current.is_none()
            && self.memory.waiting.is_empty()
        {
            self.connect(out);
        }
    }

    /// Commits the transaction in progress, acks after it when the style says so, and
    /// goes on with the next.
    fn commit(&mut self, out: &mut Vec<OutboxOutput>) {
        let Some(item) = self.memory.current.take() else {
            return;
        };
        self.disk.applied.push(item.message);
        match self.style {
            ConsumerStyle::Inbox(_) => {
                self.disk.inbox.insert(item.message);
            }
            ConsumerStyle::Offsets => self.disk.position = item.offset + 1,
            ConsumerStyle::Plain => {}
        }
        out.push(OutboxOutput::Fact(Fact::Applied {
            message: item.message,
            offset: item.offset,
        }));
        if matches!(self.style, ConsumerStyle::Inbox(_)) {
            out.push(OutboxOutput::Reached {
                point: CrashPoint::ConsumerAfterInboxCommit,
                message: item.message,
            });
        }
        if matches!(
            self.style,
            ConsumerStyle::Plain | ConsumerStyle::Inbox(InboxAck::AfterCommit)
        ) {
            self.ack(item, out);
        }
        self.next(out);
    }

    fn ack(&mut self, item: Item, out: &mut Vec<OutboxOutput>) {
        out.push(OutboxOutput::Send {
            to: OutboxNode::Broker,
            wire: Wire::Ack {
                offset: item.offset,
            },
        });
        out.push(OutboxOutput::Fact(Fact::Acked {
            message: item.message,
        }));
        out.push(OutboxOutput::Reached {
            point: CrashPoint::ConsumerAfterAck,
            message: item.message,
        });
    }
}
