//! The transactional producer of Kafka transactions (one instance of the application
//! that owns the `transactional.id`).
//!
//! `initTransactions()` sends InitProducerId and gets the epoch. Then, transaction after
//! transaction: AddPartitionsToTxn for the partitions its records go to, the records to
//! the partition leader (each with its sequence number, retried until acknowledged),
//! and EndTxn to commit. The plain producer writes m1..mN and saves how far it has come
//! once a commit is acknowledged. The consume-transform-produce loop reads m1..mN from an
//! input partition (written and committed before the run; its reads are not
//! simulated), writes oK for each mK, calls the external system if there is one, and
//! puts its input offset in the transaction (`sendOffsetsToTransaction`); it starts
//! from the committed offset (OffsetFetch), so an aborted transaction's input is read
//! again. A PRODUCER_FENCED answer is fatal: the instance closes.

use crate::fault::CrashPoint;

use super::{partition_of, Fact, TxnInput, TxnNode, TxnOutput, TxnTimer, Wire, OFFSETS};

/// What the instance is waiting for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// InitProducerId.
    Init,
    /// The committed input offset (the loop).
    FetchOffset,
    /// AddPartitionsToTxn.
    Adding,
    /// The records' acknowledgements.
    Sending,
    /// The offset commit's acknowledgement (the loop).
    Offsets,
    /// EndTxn.
    Ending,
    /// Everything is committed.
    Done,
    /// Fenced: closed for good.
    Closed,
}

/// The instance's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    pub messages: u32,
    pub size: u32,
    pub transform: bool,
    pub external: bool,
    pub retry_ticks: u64,
}

/// The transactional producer instance. Its durable progress (the plain producer's next
/// message) lives in the application's store, which the world hands it at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnClient {
    pub me: TxnNode,
    config: ClientConfig,
    phase: Phase,
    epoch: u16,
    /// The first message of the current transaction.
    first: u32,
    /// The last message of the current transaction.
    last: u32,
    /// Sequence numbers per topic partition, for this epoch.
    next_sequence: [u32; 2],
    /// The records sent and not acknowledged: (message, partition, sequence).
    unacked: Vec<(u32, u8, u32)>,
    generation: u32,
}

impl TxnClient {
    pub fn new(me: TxnNode, config: ClientConfig) -> TxnClient {
        TxnClient {
            me,
            config,
            phase: Phase::Init,
            epoch: 0,
            first: 1,
            last: 0,
            next_sequence: [0; 2],
            unacked: Vec::new(),
            generation: 0,
        }
    }

    /// The producer epoch the instance uses (0 before InitProducerId has answered).
    pub fn epoch(&self) -> u16 {
        self.epoch
    }

    /// Handles an input; `progress` is the plain producer's saved next message.
    pub fn handle(&mut self, input: TxnInput, progress: u32) -> Vec<TxnOutput> {
        let mut out = Vec::new();
        match input {
            TxnInput::Start => {
                let me = self.me;
                let config = self.config.clone();
                *self = TxnClient::new(me, config);
                self.request(&mut out);
            }
            TxnInput::Timer(TxnTimer::Retry { generation }) => {
                if generation == self.generation
                    && !matches!(self.phase, Phase::Done | Phase::Closed)
                {
                    self.request(&mut out);
                }
            }
            TxnInput::Timer(_) => {}
            TxnInput::Receive { wire, .. } => self.receive(wire, progress, &mut out),
        }
        out
    }

    fn arm(&mut self, out: &mut Vec<TxnOutput>) {
        self.generation += 1;
        out.push(TxnOutput::Timer {
            after_ticks: self.config.retry_ticks,
            timer: TxnTimer::Retry {
                generation: self.generation,
            },
        });
    }

    /// The messages of the current transaction.
    fn batch(&self) -> Vec<u32> {
        (self.first..=self.last).collect()
    }

    /// Sends (again) what the phase waits for, and arms the retry timer.
    fn request(&mut self, out: &mut Vec<TxnOutput>) {
        let epoch = self.epoch;
        let send = |wire: Wire, to: TxnNode, out: &mut Vec<TxnOutput>| {
            out.push(TxnOutput::Send { to, wire });
        };
        match self.phase {
            Phase::Init => send(Wire::InitPid, TxnNode::Coordinator, out),
            Phase::FetchOffset => send(Wire::FetchOffset, TxnNode::Broker, out),
            Phase::Adding => send(
                Wire::AddPartitions {
                    epoch,
                    partitions: self.partitions(),
                },
                TxnNode::Coordinator,
                out,
            ),
            Phase::Sending => {
                for (message, partition, sequence) in self.unacked.clone() {
                    send(
                        Wire::Produce {
                            epoch,
                            partition,
                            sequence,
                            message,
                        },
                        TxnNode::Broker,
                        out,
                    );
                }
            }
            Phase::Offsets => send(
                Wire::CommitOffset {
                    epoch,
                    consumed: self.last,
                },
                TxnNode::Broker,
                out,
            ),
            Phase::Ending => send(Wire::EndTxn { epoch }, TxnNode::Coordinator, out),
            Phase::Done | Phase::Closed => return,
        }
        self.arm(out);
    }

    /// The partitions of the current transaction, in the order records go to them, and
    /// the offsets partition for the loop.
    fn partitions(&self) -> Vec<u8> {
        let mut partitions = Vec::new();
        for message in self.first..=self.last {
            let p = partition_of(message);
            if !partitions.contains(&p) {
                partitions.push(p);
            }
        }
        if self.config.transform {
            partitions.push(OFFSETS);
        }
        partitions
    }

    /// Begins the transaction of the messages from `next`, or is done.
    fn begin(&mut self, next: u32, out: &mut Vec<TxnOutput>) {
        if next > self.config.messages {
            self.phase = Phase::Done;
            self.generation += 1;
            return;
        }
        self.first = next;
        self.last = next
            .saturating_add(self.config.size.max(1) - 1)
            .min(self.config.messages);
        self.phase = Phase::Adding;
        self.request(out);
    }

    fn receive(&mut self, wire: Wire, progress: u32, out: &mut Vec<TxnOutput>) {
        match (&self.phase, wire) {
            (Phase::Init, Wire::InitPidOk { epoch }) => {
                self.epoch = epoch;
                self.next_sequence = [0; 2];
                if self.config.transform {
                    self.phase = Phase::FetchOffset;
                    self.request(out);
                } else {
                    self.begin(progress.max(1), out);
                }
            }
            (Phase::FetchOffset, Wire::FetchOffsetOk { consumed }) => self.begin(consumed + 1, out),
            (Phase::Adding, Wire::AddPartitionsOk { epoch }) if epoch == self.epoch => {
                self.phase = Phase::Sending;
                self.unacked.clear();
                for message in self.batch() {
                    let partition = partition_of(message);
                    let sequence = self.next_sequence[usize::from(partition)];
                    self.next_sequence[usize::from(partition)] += 1;
                    self.unacked.push((message, partition, sequence));
                    if self.config.external {
                        out.push(TxnOutput::Send {
                            to: TxnNode::External,
                            wire: Wire::Call { message },
                        });
                    }
                    out.push(TxnOutput::Send {
                        to: TxnNode::Broker,
                        wire: Wire::Produce {
                            epoch: self.epoch,
                            partition,
                            sequence,
                            message,
                        },
                    });
                    out.push(TxnOutput::Fact(Fact::Sent { message, partition }));
                    out.push(TxnOutput::Reached {
                        point: CrashPoint::ProducerAfterSend,
                        messages: vec![message],
                    });
                }
                self.arm(out);
            }
            (
                Phase::Sending,
                Wire::ProduceOk {
                    epoch,
                    partition,
                    sequence,
                },
            ) if epoch == self.epoch => {
                self.unacked
                    .retain(|(_, p, s)| !(*p == partition && *s == sequence));
                if self.unacked.is_empty() {
                    if self.config.transform {
                        self.phase = Phase::Offsets;
                        out.push(TxnOutput::Fact(Fact::OffsetsSent {
                            consumed: self.last,
                        }));
                        self.request(out);
                    } else {
                        self.end(out);
                    }
                }
            }
            (Phase::Offsets, Wire::CommitOffsetOk { epoch }) if epoch == self.epoch => {
                self.end(out)
            }
            (Phase::Ending, Wire::EndTxnOk { epoch }) if epoch == self.epoch => {
                let next = self.last + 1;
                if !self.config.transform {
                    out.push(TxnOutput::SaveProgress { next });
                }
                self.begin(next, out);
            }
            (Phase::Init | Phase::FetchOffset | Phase::Adding | Phase::Ending, Wire::Retry)
            | (Phase::FetchOffset, Wire::FetchOffsetPending) => {
                // Asked again when the retry timer fires.
            }
            (Phase::Done | Phase::Closed, _) => {}
            (_, Wire::Fenced { epoch, .. }) if epoch == self.epoch => {
                self.phase = Phase::Closed;
                self.generation += 1;
                out.push(TxnOutput::Close);
            }
            _ => {}
        }
    }

    /// Every record is acknowledged: the last moment before EndTxn, then EndTxn.
    fn end(&mut self, out: &mut Vec<TxnOutput>) {
        out.push(TxnOutput::Reached {
            point: CrashPoint::ProducerBeforeEndTxn,
            messages: self.batch(),
        });
        self.phase = Phase::Ending;
        out.push(TxnOutput::Fact(Fact::EndTxnSent));
        self.request(out);
    }
}
