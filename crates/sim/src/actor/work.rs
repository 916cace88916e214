//! A transaction's work at a node before the node prepares it: which of the
//! transaction's messages the node has done its part for — published and confirmed,
//! held, delivered and acked, applied. The work is in memory: a crash before the
//! prepare loses it, and the node's participant then votes no. Preparing makes it
//! durable in the participant's log, and the decision ends it.

/// One transaction's work at one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Work {
    pub txn: u32,
    /// The transaction kind: 0 publish, 1 consume.
    pub kind: u8,
    pub first: u32,
    pub last: u32,
    /// One bit per message of the transaction, from `first`: its part is done.
    done: u64,
}

impl Work {
    fn bit(&self, message: u32) -> u64 {
        match message.checked_sub(self.first) {
            Some(offset) if message <= self.last && offset < 64 => 1 << offset,
            _ => 0,
        }
    }

    /// Records that the node did its part for `message`; false if it already had.
    pub fn mark(&mut self, message: u32) -> bool {
        let bit = self.bit(message);
        let new = bit != 0 && self.done & bit == 0;
        self.done |= bit;
        new
    }

    /// The messages whose part is done, in order.
    pub fn done(&self) -> impl Iterator<Item = u32> + '_ {
        (self.first..=self.last).filter(|m| self.bit(*m) & self.done != 0)
    }

    /// True when every message of the transaction is done.
    pub fn complete(&self) -> bool {
        let count = (self.last - self.first + 1).min(64);
        let all = if count == 64 {
            u64::MAX
        } else {
            (1 << count) - 1
        };
        self.done & all == all
    }
}

/// The transactions a node is working on, one entry each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Works(Vec<Work>);

impl Works {
    /// The work of `txn` (of `kind`, 0 publish or 1 consume), begun if it was not.
    pub fn open(&mut self, txn: u32, kind: u8, first: u32, last: u32) -> &mut Work {
        let index = match self.0.iter().position(|w| w.txn == txn) {
            Some(index) => index,
            None => {
                self.0.push(Work {
                    txn,
                    kind,
                    first,
                    last: last.max(first),
                    done: 0,
                });
                self.0.len() - 1
            }
        };
        &mut self.0[index]
    }

    /// The work of `txn`, if the node has it.
    pub fn get_mut(&mut self, txn: u32) -> Option<&mut Work> {
        self.0.iter_mut().find(|w| w.txn == txn)
    }

    /// True when the node has done all of `txn`'s work.
    pub fn complete(&self, txn: u32) -> bool {
        self.0.iter().any(|w| w.txn == txn && w.complete())
    }

    /// True when the node has begun `txn`'s work.
    pub fn has(&self, txn: u32) -> bool {
        self.0.iter().any(|w| w.txn == txn)
    }

    /// The work of `txn` is prepared or decided: the node forgets it.
    pub fn end(&mut self, txn: u32) {
        self.0.retain(|w| w.txn != txn);
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Work> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_is_complete_when_each_of_its_messages_is_done_once() {
        let mut works = Works::default();
        let work = works.open(3, 0, 4, 6);
        assert!(work.mark(4));
        assert!(work.mark(6));
        assert!(!work.mark(6), "done already");
        assert!(!work.mark(9), "not in the transaction");
        assert!(!works.complete(3));
        works.get_mut(3).expect("open").mark(5);
        assert!(works.complete(3));
        works.end(3);
        assert!(works.is_empty());
    }
}
