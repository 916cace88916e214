//! The relay: it polls the service's outbox table for rows not marked sent, publishes
//! them to the broker and marks them sent (a write to the service's database).
//!
//! - Marking after the confirm (the default): publish every unsent row, wait for the
//!   broker's confirms (publishing again what is not confirmed in time), and mark each
//!   row once its confirm is in. A crash between the publish and the mark leaves the row
//!   unsent, so the relay publishes it again after restarting: the broker gets a second
//!   copy. Never a loss.
//! - Marking before the confirm: hand each row to the client's send buffer (memory), mark
//!   it sent, and let the client send it, never waiting for a confirm. A crash between
//!   the mark and the send loses the buffered event, and no poll will find the row again.
//!
//! The relay keeps nothing on disk of its own: its progress is the outbox table.

use std::collections::BTreeMap;

use crate::fault::CrashPoint;

use super::{Fact, OutboxInput, OutboxNode, OutboxOutput, OutboxTimer, RelayMarks, Wire};

/// What the relay is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the poll's answer.
    Polling,
    /// Waiting for the next poll.
    Idle,
    /// Waiting for the confirms of the events published: event → attempt.
    Publishing(BTreeMap<u32, u32>),
}

/// The relay (its memory only; a crash replaces it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relay {
    marks: RelayMarks,
    retry_ticks: u64,
    poll_ticks: u64,
    phase: Phase,
    generation: u32,
}

impl Relay {
    pub fn new(marks: RelayMarks, retry_ticks: u64, poll_ticks: u64) -> Relay {
        Relay {
            marks,
            retry_ticks,
            poll_ticks,
            phase: Phase::Idle,
            generation: 0,
        }
    }

    /// The events published and not confirmed yet (marking after the confirm).
    pub fn in_flight(&self) -> Vec<u32> {
        match &self.phase {
            Phase::Publishing(waiting) => waiting.keys().copied().collect(),
            _ => Vec::new(),
        }
    }

    pub fn handle(&mut self, input: OutboxInput) -> Vec<OutboxOutput> {
        let mut out = Vec::new();
        match input {
            OutboxInput::Start => {
                self.generation += 1;
                self.poll(&mut out);
            }
            OutboxInput::Timer(OutboxTimer::Poll { generation })
                if generation == self.generation && self.phase == Phase::Idle =>
            {
                self.poll(&mut out);
            }
            OutboxInput::Polled { rows } if self.phase == Phase::Polling => {
                out.push(OutboxOutput::Fact(Fact::Polled {
                    count: u32::try_from(rows.len()).unwrap_or(u32::MAX),
                }));
                if rows.is_empty() {
                    self.wait_for_poll(&mut out);
                } else if self.marks == RelayMarks::BeforeConfirm {
                    self.publish_marking_first(&rows, &mut out);
                } else {
                    self.publish_then_wait(&rows, &mut out);
                }
            }
            OutboxInput::Timer(OutboxTimer::Retry { generation })
                if generation == self.generation =>
            {
                if let Phase::Publishing(waiting) = &mut self.phase {
                    let again: Vec<(u32, u32)> = waiting
                        .iter_mut()
                        .map(|(m, attempt)| {
                            *attempt += 1;
                            (*m, *attempt)
                        })
                        .collect();
                    self.generation += 1;
                    out.push(OutboxOutput::Timer {
                        after_ticks: self.retry_ticks,
                        timer: OutboxTimer::Retry {
                            generation: self.generation,
                        },
                    });
                    for (message, attempt) in again {
                        send(message, attempt, &mut out);
                    }
                }
            }
            OutboxInput::Receive {
                wire: Wire::Confirm { message },
                ..
            } => {
                if let Phase::Publishing(waiting) = &mut self.phase {
                    if waiting.remove(&message).is_some() {
                        let done = waiting.is_empty();
                        out.push(OutboxOutput::Fact(Fact::Confirmed { message }));
                        out.push(OutboxOutput::MarkSent { message });
                        out.push(OutboxOutput::Fact(Fact::Marked { message }));
                        if done {
                            // Drain the table: poll again at once.
                            self.poll(&mut out);
                        }
                        out.push(OutboxOutput::Reached {
                            point: CrashPoint::RelayAfterMark,
                            message,
                        });
                    }
                }
            }
            _ => {}
        }
        out
    }

    fn poll(&mut self, out: &mut Vec<OutboxOutput>) {
        self.phase = Phase::Polling;
        self.generation += 1;
        out.push(OutboxOutput::PollOutbox);
    }

    fn wait_for_poll(&mut self, out: &mut Vec<OutboxOutput>) {
        self.phase = Phase::Idle;
        self.generation += 1;
        out.push(OutboxOutput::Timer {
            after_ticks: self.poll_ticks,
            timer: OutboxTimer::Poll {
                generation: self.generation,
            },
        });
    }

    fn publish_then_wait(&mut self, rows: &[u32], out: &mut Vec<OutboxOutput>) {
        self.phase = Phase::Publishing(rows.iter().map(|m| (*m, 1)).collect());
        self.generation += 1;
        out.push(OutboxOutput::Timer {
            after_ticks: self.retry_ticks,
            timer: OutboxTimer::Retry {
                generation: self.generation,
            },
        });
        for &message in rows {
            send(message, 1, out);
        }
    }

    fn publish_marking_first(&mut self, rows: &[u32], out: &mut Vec<OutboxOutput>) {
        self.wait_for_poll(out);
        for &message in rows {
            out.push(OutboxOutput::Fact(Fact::Buffered { message }));
            out.push(OutboxOutput::MarkSent { message });
            out.push(OutboxOutput::Fact(Fact::Marked { message }));
            out.push(OutboxOutput::Reached {
                point: CrashPoint::RelayAfterMark,
                message,
            });
            send(message, 1, out);
        }
    }
}

/// Publishes event K, then reaches the point after the publish.
fn send(message: u32, attempt: u32, out: &mut Vec<OutboxOutput>) {
    out.push(OutboxOutput::Fact(Fact::Published { message, attempt }));
    out.push(OutboxOutput::Send {
        to: OutboxNode::Broker,
        wire: Wire::Publish { message },
    });
    out.push(OutboxOutput::Reached {
        point: CrashPoint::RelayAfterPublish,
        message,
    });
}
