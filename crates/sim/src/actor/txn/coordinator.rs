//! The transaction coordinator of Kafka transactions. It keeps the transaction log of
//! the one `transactional.id`: every state change is logged before anything follows from
//! it. InitProducerId bumps the epoch (and aborts the open transaction of an older
//! instance); AddPartitionsToTxn begins a transaction; EndTxn logs PREPARE_COMMIT, is
//! answered, and the markers go to every partition of the transaction; once every
//! partition has written its marker the coordinator logs COMPLETE_COMMIT. A transaction
//! open longer than `transaction.timeout.ms` is aborted with a bumped epoch, which fences
//! the producer that opened it. After a crash the coordinator reloads the log: a logged
//! decision is carried out, an open transaction waits for its timeout.

use crate::fault::CrashPoint;

use super::{Fact, TxnInput, TxnNode, TxnOutput, TxnTimer, Wire};

/// The states of a transactional id, as the transaction log records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
}

impl TxnState {
    pub const fn as_str(self) -> &'static str {
        match self {
            TxnState::Empty => "EMPTY",
            TxnState::Ongoing => "ONGOING",
            TxnState::PrepareCommit => "PREPARE_COMMIT",
            TxnState::PrepareAbort => "PREPARE_ABORT",
            TxnState::CompleteCommit => "COMPLETE_COMMIT",
            TxnState::CompleteAbort => "COMPLETE_ABORT",
        }
    }
}

/// One record of the transaction log: the id's whole state after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub epoch: u16,
    pub state: TxnState,
    /// The transaction (numbered from 1; 0 before the first).
    pub txn: u32,
    /// The partitions in the transaction, in the order they were added.
    pub partitions: Vec<u8>,
    /// The tick the transaction began.
    pub started_tick: u64,
}

/// The coordinator's disk: the transaction log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorDisk {
    pub log: Vec<LogEntry>,
}

/// The coordinator's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Memory {
    /// The partitions whose marker is not confirmed yet.
    markers_pending: Vec<u8>,
    /// The current marker timer's generation.
    markers_generation: u32,
}

/// The transaction coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnCoordinator {
    pub disk: CoordinatorDisk,
    memory: Memory,
    timeout_ticks: u64,
    resend_ticks: u64,
}

impl TxnCoordinator {
    pub fn new(timeout_ticks: u64, resend_ticks: u64) -> TxnCoordinator {
        TxnCoordinator {
            disk: CoordinatorDisk::default(),
            memory: Memory::default(),
            timeout_ticks,
            resend_ticks,
        }
    }

    /// The id's current state, from the last log record.
    pub fn current(&self) -> Option<&LogEntry> {
        self.disk.log.last()
    }

    /// Transactions completed, committed and aborted.
    pub fn completed(&self) -> (u32, u32) {
        let mut committed = 0;
        let mut aborted = 0;
        for entry in &self.disk.log {
            match entry.state {
                TxnState::CompleteCommit => committed += 1,
                TxnState::CompleteAbort => aborted += 1,
                _ => {}
            }
        }
        (committed, aborted)
    }

    pub fn handle(&mut self, input: TxnInput, tick: u64) -> Vec<TxnOutput> {
        let mut out = Vec::new();
        match input {
            TxnInput::Start => self.recover(tick, &mut out),
            TxnInput::Receive { from, wire } => self.receive(from, wire, tick, &mut out),
            TxnInput::Timer(TxnTimer::Timeout { txn }) => self.check_timeout(txn, tick, &mut out),
            TxnInput::Timer(TxnTimer::Markers { generation }) => {
                if generation == self.memory.markers_generation {
                    self.send_markers(&mut out);
                }
            }
            TxnInput::Timer(TxnTimer::Retry { .. }) => {}
        }
        out
    }

    fn log(&mut self, entry: LogEntry) {
        self.disk.log.push(entry);
    }

    /// Reloads the log: carries out a logged decision, and arms the timeout of an open
    /// transaction.
    fn recover(&mut self, tick: u64, out: &mut Vec<TxnOutput>) {
        self.memory = Memory::default();
        let Some(entry) = self.current().cloned() else {
            return;
        };
        out.push(TxnOutput::Fact(Fact::Recovered {
            txn: entry.txn,
            state: entry.state.as_str(),
        }));
        match entry.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => {
                self.memory.markers_pending = entry.partitions.clone();
                self.send_markers(out);
            }
            TxnState::Ongoing => out.push(TxnOutput::Timer {
                after_ticks: (entry.started_tick + self.timeout_ticks).saturating_sub(tick),
                timer: TxnTimer::Timeout { txn: entry.txn },
            }),
            _ => {}
        }
    }

    fn fence(from: TxnNode, epoch: u16, current: u16, out: &mut Vec<TxnOutput>) {
        out.push(TxnOutput::Fact(Fact::Fenced { epoch, current }));
        out.push(TxnOutput::Send {
            to: from,
            wire: Wire::Fenced { epoch, current },
        });
    }

    fn receive(&mut self, from: TxnNode, wire: Wire, tick: u64, out: &mut Vec<TxnOutput>) {
        let current = self.current().cloned();
        match wire {
            Wire::InitPid => match current {
                None => {
                    self.log(LogEntry {
                        epoch: 0,
                        state: TxnState::Empty,
                        txn: 0,
                        partitions: Vec::new(),
                        started_tick: tick,
                    });
                    out.push(TxnOutput::Fact(Fact::EpochGiven { epoch: 0 }));
                    out.push(TxnOutput::Send {
                        to: from,
                        wire: Wire::InitPidOk { epoch: 0 },
                    });
                }
                Some(entry) => match entry.state {
                    TxnState::Ongoing => {
                        // A new instance: fence the old one and abort what it left open;
                        // the new one retries until the abort is complete.
                        self.abort(entry, false, out);
                        out.push(TxnOutput::Send {
                            to: from,
                            wire: Wire::Retry,
                        });
                    }
                    TxnState::PrepareCommit | TxnState::PrepareAbort => out.push(TxnOutput::Send {
                        to: from,
                        wire: Wire::Retry,
                    }),
                    _ => {
                        let epoch = entry.epoch + 1;
                        self.log(LogEntry {
                            epoch,
                            state: TxnState::Empty,
                            partitions: Vec::new(),
                            started_tick: tick,
                            ..entry
                        });
                        out.push(TxnOutput::Fact(Fact::EpochGiven { epoch }));
                        out.push(TxnOutput::Send {
                            to: from,
                            wire: Wire::InitPidOk { epoch },
                        });
                    }
                },
            },
            Wire::AddPartitions { epoch, partitions } => {
                let Some(entry) = current else {
                    return Self::fence(from, epoch, 0, out);
                };
                if epoch != entry.epoch {
                    return Self::fence(from, epoch, entry.epoch, out);
                }
                match entry.state {
                    TxnState::PrepareCommit | TxnState::PrepareAbort => {
                        out.push(TxnOutput::Send {
                            to: from,
                            wire: Wire::Retry,
                        });
                        return;
                    }
                    TxnState::Ongoing => {
                        let mut all = entry.partitions.clone();
                        for p in partitions {
                            if !all.contains(&p) {
                                all.push(p);
                            }
                        }
                        if all != entry.partitions {
                            self.log(LogEntry {
                                partitions: all,
                                ..entry
                            });
                        }
                    }
                    _ => {
                        let txn = entry.txn + 1;
                        self.log(LogEntry {
                            epoch,
                            state: TxnState::Ongoing,
                            txn,
                            partitions,
                            started_tick: tick,
                        });
                        out.push(TxnOutput::Fact(Fact::TxnBegun { txn }));
                        out.push(TxnOutput::Timer {
                            after_ticks: self.timeout_ticks,
                            timer: TxnTimer::Timeout { txn },
                        });
                    }
                }
                out.push(TxnOutput::Send {
                    to: from,
                    wire: Wire::AddPartitionsOk { epoch },
                });
            }
            Wire::EndTxn { epoch } => {
                let Some(entry) = current else {
                    return Self::fence(from, epoch, 0, out);
                };
                if epoch != entry.epoch {
                    return Self::fence(from, epoch, entry.epoch, out);
                }
                match entry.state {
                    TxnState::Ongoing => {
                        let txn = entry.txn;
                        let partitions = entry.partitions.clone();
                        self.log(LogEntry {
                            state: TxnState::PrepareCommit,
                            ..entry
                        });
                        out.push(TxnOutput::Fact(Fact::Prepared { txn, commit: true }));
                        out.push(TxnOutput::Reached {
                            point: CrashPoint::CoordinatorAfterPrepareCommitLogged,
                            messages: Vec::new(),
                        });
                        out.push(TxnOutput::Send {
                            to: from,
                            wire: Wire::EndTxnOk { epoch },
                        });
                        self.memory.markers_pending = partitions;
                        self.send_markers(out);
                    }
                    TxnState::PrepareCommit => out.push(TxnOutput::Send {
                        to: from,
                        wire: Wire::Retry,
                    }),
                    TxnState::CompleteCommit => out.push(TxnOutput::Send {
                        to: from,
                        wire: Wire::EndTxnOk { epoch },
                    }),
                    // Nothing open to commit in this epoch (INVALID_TXN_STATE): the
                    // instance cannot go on.
                    _ => Self::fence(from, epoch, entry.epoch, out),
                }
            }
            Wire::MarkerOk { partition, txn } => {
                let Some(entry) = current else { return };
                let commit = match entry.state {
                    TxnState::PrepareCommit => true,
                    TxnState::PrepareAbort => false,
                    _ => return,
                };
                if entry.txn != txn {
                    return;
                }
                self.memory.markers_pending.retain(|p| *p != partition);
                if self.memory.markers_pending.is_empty() {
                    self.memory.markers_generation += 1;
                    self.log(LogEntry {
                        state: if commit {
                            TxnState::CompleteCommit
                        } else {
                            TxnState::CompleteAbort
                        },
                        ..entry
                    });
                    out.push(TxnOutput::Fact(Fact::Completed { txn, commit }));
                }
            }
            _ => {}
        }
    }

    /// Bumps the epoch, logs PREPARE_ABORT and writes the abort markers.
    fn abort(&mut self, entry: LogEntry, timeout: bool, out: &mut Vec<TxnOutput>) {
        let epoch = entry.epoch + 1;
        let txn = entry.txn;
        let partitions = entry.partitions.clone();
        self.log(LogEntry {
            epoch,
            state: TxnState::PrepareAbort,
            ..entry
        });
        out.push(TxnOutput::Fact(Fact::EpochBumped {
            epoch,
            txn,
            timeout,
        }));
        out.push(TxnOutput::Fact(Fact::Prepared { txn, commit: false }));
        self.memory.markers_pending = partitions;
        self.send_markers(out);
    }

    fn check_timeout(&mut self, txn: u32, tick: u64, out: &mut Vec<TxnOutput>) {
        let Some(entry) = self.current().cloned() else {
            return;
        };
        if entry.state == TxnState::Ongoing
            && entry.txn == txn
            && tick >= entry.started_tick + self.timeout_ticks
        {
            self.abort(entry, true, out);
        }
    }

    /// Writes the markers of the logged decision to the partitions still without one,
    /// and arms the timer that writes them again.
    fn send_markers(&mut self, out: &mut Vec<TxnOutput>) {
        let Some(entry) = self.current().cloned() else {
            return;
        };
        let commit = match entry.state {
            TxnState::PrepareCommit => true,
            TxnState::PrepareAbort => false,
            _ => return,
        };
        self.memory.markers_generation += 1;
        for (index, partition) in self.memory.markers_pending.iter().enumerate() {
            out.push(TxnOutput::Send {
                to: TxnNode::Broker,
                wire: Wire::WriteMarker {
                    epoch: entry.epoch,
                    partition: *partition,
                    commit,
                    txn: entry.txn,
                },
            });
            if index == 0 && self.memory.markers_pending.len() > 1 {
                out.push(TxnOutput::Reached {
                    point: CrashPoint::CoordinatorMidMarkers,
                    messages: Vec::new(),
                });
            }
        }
        if self.memory.markers_pending.is_empty() {
            // A transaction without partitions completes at once.
            self.log(LogEntry {
                state: if commit {
                    TxnState::CompleteCommit
                } else {
                    TxnState::CompleteAbort
                },
                ..entry.clone()
            });
            out.push(TxnOutput::Fact(Fact::Completed {
                txn: entry.txn,
                commit,
            }));
            return;
        }
        out.push(TxnOutput::Timer {
            after_ticks: self.resend_ticks,
            timer: TxnTimer::Markers {
                generation: self.memory.markers_generation,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(c: &mut TxnCoordinator, wire: Wire, tick: u64) -> Vec<TxnOutput> {
        c.handle(
            TxnInput::Receive {
                from: TxnNode::Producer(0),
                wire,
            },
            tick,
        )
    }

    fn markers(outputs: &[TxnOutput]) -> Vec<u8> {
        outputs
            .iter()
            .filter_map(|o| match o {
                TxnOutput::Send {
                    wire: Wire::WriteMarker { partition, .. },
                    ..
                } => Some(*partition),
                _ => None,
            })
            .collect()
    }

    fn begun(c: &mut TxnCoordinator) {
        ask(c, Wire::InitPid, 0);
        ask(
            c,
            Wire::AddPartitions {
                epoch: 0,
                partitions: vec![0, 1],
            },
            1,
        );
    }

    #[test]
    fn a_logged_commit_is_carried_out_after_a_crash() {
        let mut c = TxnCoordinator::new(60, 20);
        begun(&mut c);
        ask(&mut c, Wire::EndTxn { epoch: 0 }, 2);
        assert_eq!(c.current().map(|e| e.state), Some(TxnState::PrepareCommit));
        let recovered = c.handle(TxnInput::Start, 30);
        assert_eq!(markers(&recovered), vec![0, 1]);
        for partition in [0, 1] {
            ask(&mut c, Wire::MarkerOk { partition, txn: 1 }, 31);
        }
        assert_eq!(c.completed(), (1, 0));
    }

    #[test]
    fn an_open_transaction_aborts_at_its_timeout_with_a_new_epoch() {
        let mut c = TxnCoordinator::new(60, 20);
        begun(&mut c);
        c.handle(TxnInput::Timer(TxnTimer::Timeout { txn: 1 }), 30);
        assert_eq!(c.current().map(|e| e.state), Some(TxnState::Ongoing));
        let aborted = c.handle(TxnInput::Timer(TxnTimer::Timeout { txn: 1 }), 61);
        assert_eq!(markers(&aborted), vec![0, 1]);
        assert_eq!(
            c.current().map(|e| (e.state, e.epoch)),
            Some((TxnState::PrepareAbort, 1))
        );
        let late = ask(&mut c, Wire::EndTxn { epoch: 0 }, 70);
        assert!(late.contains(&TxnOutput::Fact(Fact::Fenced {
            epoch: 0,
            current: 1
        })));
    }

    #[test]
    fn a_new_instance_aborts_the_open_transaction_and_waits_for_the_abort() {
        let mut c = TxnCoordinator::new(60, 20);
        begun(&mut c);
        let init = ask(&mut c, Wire::InitPid, 5);
        assert!(init.contains(&TxnOutput::Send {
            to: TxnNode::Producer(0),
            wire: Wire::Retry
        }));
        assert_eq!(markers(&init), vec![0, 1]);
    }
}
