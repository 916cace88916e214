//! Each node's disk log as it is shown on the page. The durable state itself lives in
//! the nodes' durable fields (what replaying this log would rebuild); this log is the
//! record of writes, kept compact so that recording it costs no allocation per write.

use crate::limits::MAX_LOG_RECORDS;

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
    /// The line shown under the node's "disk".
    pub fn line(self) -> String {
        let kind_text = |kind: u8| if kind == 0 { "publish" } else { "consume" };
        let group = |message: u32, last: u32| {
            if last > message {
                format!("m{message}–m{last}")
            } else {
                format!("m{message}")
            }
        };
        match self {
            DiskRecord::MarkedSent(m) => format!("sent m{m} (never again)"),
            DiskRecord::Confirmed(m) => format!("confirmed m{m}"),
            DiskRecord::Fsync { last, count } => {
                if count == 1 {
                    format!("append m{last} · fsync")
                } else {
                    format!("append {count} · fsync ≤ m{last}")
                }
            }
            DiskRecord::DeliveredForgotten(m) => format!("delivered m{m} (forgotten)"),
            DiskRecord::Acked(m) => format!("acked m{m}"),
            DiskRecord::Applied(m) => format!("applied m{m}"),
            DiskRecord::Processed(m) => format!("processed m{m}"),
            DiskRecord::Begin {
                txn,
                kind,
                message,
                last,
            } => {
                format!(
                    "begin t{txn} ({} {})",
                    kind_text(kind),
                    group(message, last)
                )
            }
            DiskRecord::DecisionCommit(txn) => format!("decision COMMIT t{txn}"),
            DiskRecord::End(txn) => format!("end t{txn}"),
            DiskRecord::PresumedAbort(txn) => format!("abort t{txn} (presumed)"),
            DiskRecord::Prepared {
                txn,
                kind,
                message,
                last,
            } => {
                format!(
                    "prepared t{txn} ({} {})",
                    kind_text(kind),
                    group(message, last)
                )
            }
            DiskRecord::Commit(txn) => format!("commit t{txn}"),
            DiskRecord::OutputAppended { message, last } => {
                if last > message {
                    format!("output queue: append o{message}–o{last}")
                } else {
                    format!("output queue: append o{message}")
                }
            }
            DiskRecord::Abort(txn) => format!("abort t{txn}"),
            DiskRecord::DeadLettered(m) => format!("dead-letter m{m}"),
            DiskRecord::Dropped(m) => format!("drop m{m}"),
            DiskRecord::Replayed(m) => format!("replay m{m} from the dead-letter queue"),
            DiskRecord::OffsetCommitted {
                group,
                partition,
                offset,
            } => format!("group {} commits p{partition} offset {offset}", group + 1),
            DiskRecord::Generation { group, generation } => {
                format!("group {} generation {generation}", group + 1)
            }
            DiskRecord::DeadLetterTopic(m) => format!("m{m} to the dead-letter topic"),
            DiskRecord::Skipped(m) => format!("skipped m{m} (logged)"),
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
