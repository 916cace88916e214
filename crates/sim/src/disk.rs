//! Each node's disk log as it is shown on the page. The durable state itself lives in
//! the nodes' durable fields (what replaying this log would rebuild); this log is the
//! record of writes, kept compact so that recording it costs no allocation per write.

use mqlab_text::cards::Key;
use mqlab_text::Words;

use crate::limits::MAX_LOG_RECORDS;
use crate::speech::card;

/// One durable write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DiskRecord {
    /// Producer (at-most-once): the message is marked as handed to the network.
    MarkedSent(u32),
    /// Producer: the broker confirmed the message.
    Confirmed(u32),
    /// Broker: entry appended and made durable by an fsync (message, batch size).
    Fsync { last: u32, count: u32 },
    /// Broker (at-most-once): the delivery was handed off and forgotten.
    DeliveredForgotten(u32),
    /// Broker: ack recorded.
    Acked(u32),
    /// Consumer: side effect applied.
    Applied(u32),
    /// Consumer (idempotent): side effect applied and id recorded atomically.
    Processed(u32),
    /// Coordinator: transaction begun.
    Begin {
        txn: u32,
        kind: u8,
        message: u32,
        last: u32,
    },
    /// Coordinator: decision logged (only COMMIT is logged; abort is presumed).
    DecisionCommit(u32),
    /// Coordinator: every participant committed; the transaction is forgotten.
    End(u32),
    /// Coordinator: after a restart, an undecided transaction aborted by presumption.
    PresumedAbort(u32),
    /// Participant: prepared (its work and locks are durable) and voted yes.
    Prepared {
        txn: u32,
        kind: u8,
        message: u32,
        last: u32,
    },
    /// Participant: committed.
    Commit(u32),
    /// Broker (consume-transform-produce): the committed consume transaction appended
    /// the outputs of its messages to the output queue (first and last input message).
    OutputAppended { message: u32, last: u32 },
    /// Participant: aborted.
    Abort(u32),
    /// Broker: the message went to the dead-letter queue (delivery limit reached, or
    /// rejected without requeue).
    DeadLettered(u32),
    /// Broker: the message was dropped (delivery limit reached, or rejected without
    /// requeue, and no dead-letter queue).
    Dropped(u32),
    /// Broker: the message went from the dead-letter queue back to the queue.
    Replayed(u32),
    /// Broker (Kafka style): a group's committed offset of a partition (the
    /// `__consumer_offsets` topic).
    OffsetCommitted {
        group: u16,
        partition: u16,
        offset: u32,
    },
    /// Broker (Kafka style): a group's rebalance completed with this generation.
    Generation { group: u16, generation: u32 },
    /// Consumer (Kafka style): the error handler published the record to the
    /// dead-letter topic.
    DeadLetterTopic(u32),
    /// Consumer (Kafka style): the error handler logged the record and skipped it.
    Skipped(u32),
}

impl DiskRecord {
    /// The line shown under the node's "disk", in `w`.
    pub fn line(self, w: &Words) -> String {
        let kind_text = |kind: u8| {
            w.get(if kind == 0 {
                Key::Publish
            } else {
                Key::Consume
            })
        };
        let run = |prefix: char, first: u32, last: u32| {
            if last > first {
                format!("{prefix}{first}–{prefix}{last}")
            } else {
                format!("{prefix}{first}")
            }
        };
        let m = |m: u32| format!("m{m}");
        let t = |t: u32| format!("t{t}");
        // A transaction's record: which one, of what kind, over which messages.
        let txn_line = |key: Key, txn: u32, kind: u8, message: u32, last: u32| {
            w.fill(
                key,
                &[
                    ("txn", t(txn).into()),
                    ("kind", kind_text(kind).into()),
                    ("msgs", run('m', message, last).into()),
                ],
            )
        };
        match self {
            DiskRecord::MarkedSent(id) => card!(w, DiskSent, msg = m(id)),
            DiskRecord::Confirmed(id) => card!(w, DiskConfirmed, msg = m(id)),
            DiskRecord::Fsync { last, count } => {
                if count == 1 {
                    card!(w, DiskFsyncOne, msg = m(last))
                } else {
                    card!(w, DiskFsyncMany, count = count, msg = m(last))
                }
            }
            DiskRecord::DeliveredForgotten(id) => card!(w, DiskDeliveredForgotten, msg = m(id)),
            DiskRecord::Acked(id) => card!(w, DiskAcked, msg = m(id)),
            DiskRecord::Applied(id) => card!(w, DiskApplied, msg = m(id)),
            DiskRecord::Processed(id) => card!(w, DiskProcessed, msg = m(id)),
            DiskRecord::Begin {
                txn,
                kind,
                message,
                last,
            } => txn_line(Key::DiskBegin, txn, kind, message, last),
            DiskRecord::DecisionCommit(txn) => card!(w, DiskDecisionCommit, txn = t(txn)),
            DiskRecord::End(txn) => card!(w, DiskEnd, txn = t(txn)),
            DiskRecord::PresumedAbort(txn) => card!(w, DiskPresumedAbort, txn = t(txn)),
            DiskRecord::Prepared {
                txn,
                kind,
                message,
                last,
            } => txn_line(Key::DiskPrepared, txn, kind, message, last),
            DiskRecord::Commit(txn) => card!(w, DiskCommit, txn = t(txn)),
            DiskRecord::OutputAppended { message, last } => {
                card!(w, DiskOutputAppended, outputs = run('o', message, last))
            }
            DiskRecord::Abort(txn) => card!(w, DiskAbort, txn = t(txn)),
            DiskRecord::DeadLettered(id) => card!(w, DiskDeadLettered, msg = m(id)),
            DiskRecord::Dropped(id) => card!(w, DiskDropped, msg = m(id)),
            DiskRecord::Replayed(id) => card!(w, DiskReplayed, msg = m(id)),
            DiskRecord::OffsetCommitted {
                group,
                partition,
                offset,
            } => card!(
                w,
                DiskOffsetCommitted,
                group = group + 1,
                partition = format!("p{partition}"),
                offset = offset
            ),
            DiskRecord::Generation { group, generation } => {
                card!(
                    w,
                    DiskGeneration,
                    group = group + 1,
                    generation = generation
                )
            }
            DiskRecord::DeadLetterTopic(id) => card!(w, DiskDeadLetterTopic, msg = m(id)),
            DiskRecord::Skipped(id) => card!(w, DiskSkipped, msg = m(id)),
        }
    }
}

/// A bounded list of durable writes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct DiskLog {
    pub records: Vec<DiskRecord>,
    /// Older writes dropped to keep the list within `MAX_LOG_RECORDS`.
    pub omitted: u64,
}

impl DiskLog {
    /// Records a write. A full list drops its older half at once, so keeping the latest
    /// writes costs no more than a push on average.
    pub fn push(&mut self, record: DiskRecord) {
        if self.records.len() >= MAX_LOG_RECORDS as usize {
            let dropped = self.records.len() / 2;
            self.records.drain(..dropped);
            self.omitted += dropped as u64;
        }
        self.records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_keeps_the_latest_writes_and_counts_the_rest() {
        let mut log = DiskLog::default();
        let writes = 3 * MAX_LOG_RECORDS + 5;
        for m in 1..=writes {
            log.push(DiskRecord::Applied(m));
        }
        assert!(log.records.len() <= MAX_LOG_RECORDS as usize);
        assert_eq!(log.records.last(), Some(&DiskRecord::Applied(writes)));
        assert_eq!(log.omitted + log.records.len() as u64, u64::from(writes));
    }
}
