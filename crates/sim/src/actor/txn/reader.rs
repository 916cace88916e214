//! The consumer that reads the topic of Kafka transactions at its isolation level. It
//! fetches each partition from its position (the broker holds the fetch until there is
//! something to return), applies the records it gets, and moves its position past them.
//! It stores its positions in its own database together with what it applied (one
//! local transaction), so its crashes neither lose nor repeat anything: whatever it
//! applies twice, it was given twice.

use crate::txn_protocol::Isolation;

use super::{Fact, TxnInput, TxnNode, TxnOutput, Wire, TOPIC_PARTITIONS};

/// The consumer's database: its positions, saved with its applications.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReaderDisk {
    pub positions: [u32; TOPIC_PARTITIONS as usize],
}

/// The consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnReader {
    pub disk: ReaderDisk,
    isolation: Isolation,
}

impl TxnReader {
    pub fn new(isolation: Isolation) -> TxnReader {
        TxnReader {
            disk: ReaderDisk::default(),
            isolation,
        }
    }

    pub fn handle(&mut self, input: TxnInput) -> Vec<TxnOutput> {
        let mut out = Vec::new();
        match input {
            TxnInput::Start => {
                for partition in 0..TOPIC_PARTITIONS {
                    self.fetch(partition, &mut out);
                }
            }
            TxnInput::Receive {
                wire:
                    Wire::Records {
                        partition,
                        from,
                        next,
                        records,
                    },
                ..
            } => {
                let index = usize::from(partition);
                // An answer to a fetch from before a restart, already read: ignored.
                if from != self.disk.positions[index] {
                    return out;
                }
                for (offset, message, _) in records {
                    out.push(TxnOutput::Fact(Fact::Applied {
                        message,
                        partition,
                        offset,
                    }));
                }
                self.disk.positions[index] = next;
                self.fetch(partition, &mut out);
            }
            TxnInput::Receive { .. } | TxnInput::Timer(_) => {}
        }
        out
    }

    fn fetch(&self, partition: u8, out: &mut Vec<TxnOutput>) {
        out.push(TxnOutput::Send {
            to: TxnNode::Broker,
            wire: Wire::Fetch {
                partition,
                from: self.disk.positions[usize::from(partition)],
                isolation: self.isolation,
            },
        });
    }
}
