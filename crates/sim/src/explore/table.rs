//! An open-addressing hash map from packed states to their ids.
//!
//! The standard `HashMap` would do, but the explorer's inner loop is one probe per
//! successor, and a flat table of `u64` keys with linear probing keeps that probe to one
//! or two cache lines. The table is only ever asked "is this state known, and what is its
//! id": nothing iterates over it, so its layout never influences the exploration order.

use super::packed::NO_STATE;

/// Grow when the table is half full, keeping probe sequences short.
const LOAD_NUMERATOR: usize = 1;
const LOAD_DENOMINATOR: usize = 2;
const INITIAL_SLOTS_LOG2: u32 = 10;

pub(crate) struct StateTable {
    keys: Vec<u64>,
    ids: Vec<u32>,
    slots_log2: u32,
    len: usize,
}

#[inline]
fn slot_of(key: u64, slots_log2: u32) -> usize {
    // A multiply-xorshift mix: neighbouring states (one bit apart) land far apart.
    let mixed = (key ^ (key >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> (64 - slots_log2)) as usize
}

impl StateTable {
    pub(crate) fn new() -> Self {
        Self {
            keys: vec![NO_STATE; 1 << INITIAL_SLOTS_LOG2],
            ids: vec![0; 1 << INITIAL_SLOTS_LOG2],
            slots_log2: INITIAL_SLOTS_LOG2,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Inserts `key` with `id` unless it is present; returns whether it was new.
    #[inline]
    pub(crate) fn insert(&mut self, key: u64, id: u32) -> bool {
        debug_assert_ne!(key, NO_STATE);
        if (self.len + 1) * LOAD_DENOMINATOR > self.keys.len() * LOAD_NUMERATOR {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut slot = slot_of(key, self.slots_log2);
        loop {
            let found = self.keys[slot];
            if found == key {
                return false;
            }
            if found == NO_STATE {
                self.keys[slot] = key;
                self.ids[slot] = id;
                self.len += 1;
                return true;
            }
            slot = (slot + 1) & mask;
        }
    }

    pub(crate) fn get(&self, key: u64) -> Option<u32> {
        if key == NO_STATE {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut slot = slot_of(key, self.slots_log2);
        loop {
            let found = self.keys[slot];
            if found == key {
                return Some(self.ids[slot]);
            }
            if found == NO_STATE {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let slots_log2 = self.slots_log2 + 1;
        let mut keys = vec![NO_STATE; 1 << slots_log2];
        let mut ids = vec![0; 1 << slots_log2];
        let mask = keys.len() - 1;
        for (&key, &id) in self.keys.iter().zip(&self.ids) {
            if key == NO_STATE {
                continue;
            }
            let mut slot = slot_of(key, slots_log2);
            while keys[slot] != NO_STATE {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            ids[slot] = id;
        }
        self.keys = keys;
        self.ids = ids;
        self.slots_log2 = slots_log2;
    }
}
