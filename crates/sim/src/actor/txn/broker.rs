//! The broker of Kafka transactions: the leader of the topic's partitions and of the
//! consumer offsets partition. It appends a transaction's records as uncommitted,
//! fences producers by epoch, writes the coordinator's markers, keeps each partition's
//! last stable offset (LSO: the first offset of its open transaction), and answers
//! consumers at their isolation level. Its log is fsynced with every append (the
//! replicated, durable log is not the subject here), and it does not crash in this
//! version.

use crate::txn_protocol::Isolation;

use super::{Fact, RecordState, TxnInput, TxnNode, TxnOutput, Wire, OFFSETS, TOPIC_PARTITIONS};

/// One entry of a partition's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A transactional record (message K) and its state.
    Record {
        message: u32,
        state: RecordState,
        /// The transaction, known once its marker is written.
        txn: Option<u32>,
    },
    /// An offset commit of the loop (how many input records it has consumed).
    Offset { consumed: u32, state: RecordState },
    /// A commit or abort marker.
    Marker { commit: bool, txn: u32 },
}

/// One partition: its log and what it knows of the transactional producer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Partition {
    pub log: Vec<Entry>,
    /// The producer epoch the partition has seen (requests with an older one are fenced).
    pub epoch: u16,
    /// The last sequence number appended in `epoch` (a retry at or below it is a
    /// duplicate).
    pub last_sequence: Option<u32>,
    /// The first offset of the producer's open transaction here.
    pub open_from: Option<u32>,
}

impl Partition {
    /// The offset after the last entry.
    pub fn end(&self) -> u32 {
        self.log.len() as u32
    }

    /// The last stable offset: consumers reading committed data stop here.
    pub fn last_stable_offset(&self) -> u32 {
        self.open_from.unwrap_or_else(|| self.end())
    }
}

/// A consumer's fetch held until there is something to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waiting {
    partition: u8,
    from: u32,
    isolation: Isolation,
}

/// The broker's disk: every partition's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerDisk {
    pub partitions: Vec<Partition>,
}

/// The broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnBroker {
    pub disk: BrokerDisk,
    waiting: Vec<Waiting>,
}

impl TxnBroker {
    pub fn new() -> TxnBroker {
        TxnBroker {
            disk: BrokerDisk {
                partitions: vec![Partition::default(); usize::from(TOPIC_PARTITIONS) + 1],
            },
            waiting: Vec::new(),
        }
    }

    /// A partition by number.
    pub fn partition(&self, partition: u8) -> &Partition {
        &self.disk.partitions[usize::from(partition)]
    }

    /// The loop's committed input offset: the last offset commit whose transaction
    /// committed.
    pub fn committed_consumed(&self) -> u32 {
        self.partition(OFFSETS)
            .log
            .iter()
            .rev()
            .find_map(|entry| match entry {
                Entry::Offset {
                    consumed,
                    state: RecordState::Committed,
                } => Some(*consumed),
                _ => None,
            })
            .unwrap_or(0)
    }

    pub fn handle(&mut self, input: TxnInput) -> Vec<TxnOutput> {
        let mut out = Vec::new();
        match input {
            TxnInput::Start | TxnInput::Timer(_) => self.waiting.clear(),
            TxnInput::Receive { from, wire } => self.receive(from, wire, &mut out),
        }
        out
    }

    /// Refuses a request with an older epoch; moves to a newer one.
    fn admit(
        &mut self,
        partition: u8,
        epoch: u16,
        from: TxnNode,
        out: &mut Vec<TxnOutput>,
    ) -> bool {
        let p = &mut self.disk.partitions[usize::from(partition)];
        if epoch < p.epoch {
            let current = p.epoch;
            out.push(TxnOutput::Fact(Fact::Fenced { epoch, current }));
            out.push(TxnOutput::Send {
                to: from,
                wire: Wire::Fenced { epoch, current },
            });
            return false;
        }
        if epoch > p.epoch {
            p.epoch = epoch;
            p.last_sequence = None;
        }
        true
    }

    fn receive(&mut self, from: TxnNode, wire: Wire, out: &mut Vec<TxnOutput>) {
        match wire {
            Wire::Produce {
                epoch,
                partition,
                sequence,
                message,
            } => {
                if partition >= TOPIC_PARTITIONS || !self.admit(partition, epoch, from, out) {
                    return;
                }
                let p = &mut self.disk.partitions[usize::from(partition)];
                if p.last_sequence.is_none_or(|last| sequence > last) {
                    let offset = p.end();
                    p.log.push(Entry::Record {
                        message,
                        state: RecordState::Open,
                        txn: None,
                    });
                    p.open_from.get_or_insert(offset);
                    p.last_sequence = Some(sequence);
                    out.push(TxnOutput::Fact(Fact::Appended {
                        message,
                        partition,
                        offset,
                    }));
                    self.answer_waiting(partition, out);
                }
                out.push(TxnOutput::Send {
                    to: from,
                    wire: Wire::ProduceOk {
                        epoch,
                        partition,
                        sequence,
                    },
                });
            }
            Wire::CommitOffset { epoch, consumed } => {
                if !self.admit(OFFSETS, epoch, from, out) {
                    return;
                }
                let p = &mut self.disk.partitions[usize::from(OFFSETS)];
                let offset = p.end();
                p.log.push(Entry::Offset {
                    consumed,
                    state: RecordState::Open,
                });
                p.open_from.get_or_insert(offset);
                out.push(TxnOutput::Send {
                    to: from,
                    wire: Wire::CommitOffsetOk { epoch },
                });
            }
            Wire::FetchOffset => {
                let wire = if self.partition(OFFSETS).open_from.is_some() {
                    Wire::FetchOffsetPending
                } else {
                    Wire::FetchOffsetOk {
                        consumed: self.committed_consumed(),
                    }
                };
                out.push(TxnOutput::Send { to: from, wire });
            }
            Wire::WriteMarker {
                epoch,
                partition,
                commit,
                txn,
            } => {
                let p = &mut self.disk.partitions[usize::from(partition)];
                // A marker carries the coordinator's epoch, never older than the
                // partition's; one from before a newer transaction is a resend of a marker
                // already written, answered without writing it again.
                if epoch >= p.epoch {
                    p.epoch = p.epoch.max(epoch);
                    if let Some(first) = p.open_from.take() {
                        let state = if commit {
                            RecordState::Committed
                        } else {
                            RecordState::Aborted
                        };
                        for entry in &mut p.log[first as usize..] {
                            match entry {
                                Entry::Record {
                                    state: s, txn: t, ..
                                } if *s == RecordState::Open => {
                                    *s = state;
                                    *t = Some(txn);
                                }
                                Entry::Offset { state: s, .. } if *s == RecordState::Open => {
                                    *s = state;
                                }
                                _ => {}
                            }
                        }
                        p.log.push(Entry::Marker { commit, txn });
                        out.push(TxnOutput::Fact(Fact::MarkerWritten {
                            txn,
                            partition,
                            commit,
                        }));
                        if partition < TOPIC_PARTITIONS {
                            self.answer_waiting(partition, out);
                        }
                    }
                }
                out.push(TxnOutput::Send {
                    to: from,
                    wire: Wire::MarkerOk { partition, txn },
                });
            }
            Wire::Fetch {
                partition,
                from: offset,
                isolation,
            } => {
                if partition >= TOPIC_PARTITIONS {
                    return;
                }
                self.waiting.push(Waiting {
                    partition,
                    from: offset,
                    isolation,
                });
                self.answer_waiting(partition, out);
            }
            _ => {}
        }
    }

    /// Answers the held fetches of `partition` that now have something to return: up to
    /// the LSO for read_committed (aborted records left out), up to the end for
    /// read_uncommitted.
    fn answer_waiting(&mut self, partition: u8, out: &mut Vec<TxnOutput>) {
        let p = &self.disk.partitions[usize::from(partition)];
        let mut kept = Vec::new();
        for waiting in std::mem::take(&mut self.waiting) {
            if waiting.partition != partition {
                kept.push(waiting);
                continue;
            }
            let limit = match waiting.isolation {
                Isolation::ReadCommitted => p.last_stable_offset(),
                Isolation::ReadUncommitted => p.end(),
            };
            if limit <= waiting.from {
                kept.push(waiting);
                continue;
            }
            let mut records = Vec::new();
            for offset in waiting.from..limit {
                if let Entry::Record { message, state, .. } = p.log[offset as usize] {
                    if waiting.isolation == Isolation::ReadCommitted
                        && state == RecordState::Aborted
                    {
                        continue;
                    }
                    records.push((offset, message, state));
                }
            }
            out.push(TxnOutput::Send {
                to: TxnNode::Consumer,
                wire: Wire::Records {
                    partition,
                    from: waiting.from,
                    next: limit,
                    records,
                },
            });
        }
        self.waiting = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn produce(broker: &mut TxnBroker, epoch: u16, sequence: u32, message: u32) -> Vec<TxnOutput> {
        broker.handle(TxnInput::Receive {
            from: TxnNode::Producer(0),
            wire: Wire::Produce {
                epoch,
                partition: 0,
                sequence,
                message,
            },
        })
    }

    fn marker(broker: &mut TxnBroker, epoch: u16, commit: bool) {
        broker.handle(TxnInput::Receive {
            from: TxnNode::Coordinator,
            wire: Wire::WriteMarker {
                epoch,
                partition: 0,
                commit,
                txn: 1,
            },
        });
    }

    fn fetched(broker: &mut TxnBroker, isolation: Isolation) -> Option<Vec<u32>> {
        broker
            .handle(TxnInput::Receive {
                from: TxnNode::Consumer,
                wire: Wire::Fetch {
                    partition: 0,
                    from: 0,
                    isolation,
                },
            })
            .into_iter()
            .find_map(|o| match o {
                TxnOutput::Send {
                    wire: Wire::Records { records, .. },
                    ..
                } => Some(records.into_iter().map(|r| r.1).collect()),
                _ => None,
            })
    }

    #[test]
    fn an_open_transaction_holds_read_committed_at_the_last_stable_offset() {
        let mut broker = TxnBroker::new();
        produce(&mut broker, 0, 0, 1);
        assert_eq!(broker.partition(0).last_stable_offset(), 0);
        assert_eq!(fetched(&mut broker, Isolation::ReadCommitted), None);
        assert_eq!(
            fetched(&mut broker, Isolation::ReadUncommitted),
            Some(vec![1])
        );
        marker(&mut broker, 0, true);
        assert_eq!(broker.partition(0).last_stable_offset(), 2);
    }

    #[test]
    fn an_abort_marker_hides_the_records_from_read_committed_and_fences_the_old_epoch() {
        let mut broker = TxnBroker::new();
        produce(&mut broker, 0, 0, 1);
        marker(&mut broker, 1, false);
        assert_eq!(fetched(&mut broker, Isolation::ReadCommitted), Some(vec![]));
        let refused = produce(&mut broker, 0, 1, 2);
        assert!(refused.contains(&TxnOutput::Fact(Fact::Fenced {
            epoch: 0,
            current: 1
        })));
        assert_eq!(broker.partition(0).end(), 2, "nothing appended");
    }

    #[test]
    fn a_retried_record_is_appended_once() {
        let mut broker = TxnBroker::new();
        produce(&mut broker, 0, 0, 1);
        let again = produce(&mut broker, 0, 0, 1);
        assert!(matches!(
            again[..],
            [TxnOutput::Send {
                wire: Wire::ProduceOk { .. },
                ..
            }]
        ));
        assert_eq!(broker.partition(0).end(), 1);
    }
}
