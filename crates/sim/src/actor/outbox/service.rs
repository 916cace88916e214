//! The service: it handles one request at a time ("order K paid"), with a database that
//! holds its business rows and its outbox table.
//!
//! - Commit first: the row commits, then the service publishes the event and waits for
//!   the broker's confirm (publishing again while it waits). A crash between the commit
//!   and the publish leaves the row without its event.
//! - Publish first: the service publishes, waits for the confirm, then commits the row.
//!   A crash before the commit leaves an event for a change that never happened.
//! - Outbox (every outbox pattern): the row and an outbox row commit in one local
//!   transaction and the request is done; the relay publishes the outbox row.
//!
//! A request in progress when the service crashes fails (its caller sees an error and
//! does not retry it); the callers' next request comes once the service runs again.

use crate::fault::CrashPoint;

use super::{Fact, OutboxInput, OutboxNode, OutboxOutput, OutboxTimer, Pattern, Wire};

/// The service's database: durable, kept across crashes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceDisk {
    /// The business rows, one per event whose change committed.
    pub rows: Vec<u32>,
    /// The outbox table: (event, sent).
    pub outbox: Vec<(u32, bool)>,
}

impl ServiceDisk {
    /// The outbox rows not marked sent, in table order.
    pub fn unsent(&self) -> Vec<u32> {
        self.outbox
            .iter()
            .filter(|(_, sent)| !sent)
            .map(|(m, _)| *m)
            .collect()
    }

    /// Marks event K's outbox row sent.
    pub fn mark_sent(&mut self, message: u32) {
        for row in self.outbox.iter_mut().filter(|(m, _)| *m == message) {
            row.1 = true;
        }
    }
}

/// Where the request in progress is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No request.
    Idle,
    /// The database transaction is doing its work; it commits when the step timer fires.
    DbWork { message: u32 },
    /// Waiting for the broker's confirm of the event.
    AwaitConfirm { message: u32, attempt: u32 },
}

/// The service's memory, lost on a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ServiceMemory {
    phase: Phase,
    generation: u32,
}

/// The service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pattern: Pattern,
    retry_ticks: u64,
    db_ticks: u64,
    pub disk: ServiceDisk,
    memory: ServiceMemory,
}

impl Service {
    pub fn new(pattern: Pattern, retry_ticks: u64, db_ticks: u64) -> Service {
        Service {
            pattern,
            retry_ticks,
            db_ticks,
            disk: ServiceDisk::default(),
            memory: ServiceMemory {
                phase: Phase::Idle,
                generation: 0,
            },
        }
    }

    /// The event of the request in progress, if any.
    pub fn request(&self) -> Option<u32> {
        match self.memory.phase {
            Phase::Idle => None,
            Phase::DbWork { message } | Phase::AwaitConfirm { message, .. } => Some(message),
        }
    }

    /// True while the service waits for the broker with its caller's request open.
    pub fn waits_for_broker(&self) -> bool {
        matches!(self.memory.phase, Phase::AwaitConfirm { .. })
    }

    pub fn handle(&mut self, input: OutboxInput) -> Vec<OutboxOutput> {
        let mut out = Vec::new();
        match input {
            OutboxInput::Start => {
                self.memory = ServiceMemory {
                    phase: Phase::Idle,
                    generation: self.memory.generation + 1,
                };
            }
            OutboxInput::Request { message } => {
                if self.memory.phase != Phase::Idle {
                    return out;
                }
                out.push(OutboxOutput::Fact(Fact::RequestBegun { message }));
                if self.pattern == Pattern::PublishFirst {
                    self.publish(message, 1, &mut out);
                } else {
                    self.begin_db_work(message, &mut out);
                }
            }
            OutboxInput::Timer(OutboxTimer::ServiceStep { generation })
                if generation == self.memory.generation =>
            {
                if let Phase::DbWork { message } = self.memory.phase {
                    self.commit(message, &mut out);
                }
            }
            OutboxInput::Timer(OutboxTimer::Retry { generation })
                if generation == self.memory.generation =>
            {
                if let Phase::AwaitConfirm { message, attempt } = self.memory.phase {
                    self.publish(message, attempt + 1, &mut out);
                }
            }
            OutboxInput::Receive {
                wire: Wire::Confirm { message },
                ..
            } => {
                if let Phase::AwaitConfirm { message: m, .. } = self.memory.phase {
                    if m == message {
                        out.push(OutboxOutput::Fact(Fact::Confirmed { message }));
                        if self.pattern == Pattern::PublishFirst {
                            self.begin_db_work(message, &mut out);
                        } else {
                            self.finish(&mut out);
                        }
                    }
                }
            }
            _ => {}
        }
        out
    }

    fn next_generation(&mut self) -> u32 {
        self.memory.generation += 1;
        self.memory.generation
    }

    fn begin_db_work(&mut self, message: u32, out: &mut Vec<OutboxOutput>) {
        self.memory.phase = Phase::DbWork { message };
        let generation = self.next_generation();
        out.push(OutboxOutput::Timer {
            after_ticks: self.db_ticks,
            timer: OutboxTimer::ServiceStep { generation },
        });
    }

    /// Commits the local transaction: the row, and with an outbox its outbox row.
    fn commit(&mut self, message: u32, out: &mut Vec<OutboxOutput>) {
        let outbox = self.pattern.has_outbox();
        self.disk.rows.push(message);
        if outbox {
            self.disk.outbox.push((message, false));
        }
        out.push(OutboxOutput::Fact(Fact::RowCommitted { message, outbox }));
        out.push(OutboxOutput::Reached {
            point: CrashPoint::ServiceAfterDbCommit,
            message,
        });
        if self.pattern == Pattern::CommitFirst {
            self.publish(message, 1, out);
        } else {
            self.finish(out);
        }
    }

    fn publish(&mut self, message: u32, attempt: u32, out: &mut Vec<OutboxOutput>) {
        self.memory.phase = Phase::AwaitConfirm { message, attempt };
        let generation = self.next_generation();
        out.push(OutboxOutput::Fact(Fact::Published { message, attempt }));
        out.push(OutboxOutput::Send {
            to: OutboxNode::Broker,
            wire: Wire::Publish { message },
        });
        out.push(OutboxOutput::Timer {
            after_ticks: self.retry_ticks,
            timer: OutboxTimer::Retry { generation },
        });
        out.push(OutboxOutput::Reached {
            point: CrashPoint::ServiceAfterPublish,
            message,
        });
    }

    fn finish(&mut self, out: &mut Vec<OutboxOutput>) {
        self.memory.phase = Phase::Idle;
        self.next_generation();
        out.push(OutboxOutput::RequestDone);
    }
}
