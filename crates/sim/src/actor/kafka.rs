//! What Kafka's clients and brokers compute alike, as pure functions: the default
//! partitioner's choice of partition for a key, and the range assignor's share of the
//! partitions for each member of a group. Also the database that the members of one
//! group share.

/// Apache Kafka's `Utils.murmur2` (the 32-bit MurmurHash2 with Kafka's seed), as the
/// default partitioner applies it to a record's key bytes.
pub(crate) fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    let mut h: u32 = SEED ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition (from 0) of the records with key k`key` ("k1", "k2", ...): the
/// default partitioner's `toPositive(murmur2(keyBytes)) % numPartitions` (the
/// `BuiltInPartitioner` of Kafka 3.3 and later, as `DefaultPartitioner` before it).
pub(crate) fn partition_for_key(key: u32, partitions: u16) -> u16 {
    let mut bytes = [0u8; 11];
    bytes[0] = b'k';
    let digits = key.to_string();
    let len = 1 + digits.len().min(10);
    bytes[1..len].copy_from_slice(&digits.as_bytes()[..len - 1]);
    let positive = (murmur2(&bytes[..len]) & 0x7fff_ffff) as u32;
    (positive % u32::from(partitions.max(1))) as u16
}

/// The partitions (first, count) that the range assignor gives the member at `index`
/// (from 0) of `members`, the members sorted: `RangeAssignor` gives each member
/// partitions / members consecutive partitions, and the first partitions % members
/// members one more. A member past the partitions gets none and sits idle.
pub(crate) fn range_assignment(partitions: u16, members: u16, index: u16) -> (u16, u16) {
    let members = members.max(1);
    let per_member = partitions / members;
    let with_extra = partitions % members;
    let first = per_member * index + index.min(with_extra);
    let count = per_member + u16::from(index < with_extra);
    (first.min(partitions), count)
}

/// The database the members of one group share: the instances of one service write
/// their side effects there, so that an idempotent consumer's processed-ids table
/// catches a record that another member already processed. It is durable and, in this
/// model, never down; the world lends it to a member while the member handles an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupStore {
    /// How many times each message's side effect was applied.
    pub applied: Vec<u32>,
    /// Idempotent mode: the processed-ids table, written in the same database
    /// transaction as the side effect.
    pub processed: Vec<bool>,
}

impl GroupStore {
    pub fn new(messages: u32) -> GroupStore {
        GroupStore {
            applied: vec![0; messages as usize],
            processed: vec![false; messages as usize],
        }
    }

    /// True when the message's id is in the processed-ids table.
    pub fn is_processed(&self, message: u32) -> bool {
        self.processed
            .get((message as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(false)
    }

    /// Applies the side effect, and with `record_id` records the id with it.
    pub fn apply(&mut self, message: u32, record_id: bool) {
        let index = (message as usize).wrapping_sub(1);
        if let Some(count) = self.applied.get_mut(index) {
            *count += 1;
        }
        if record_id {
            if let Some(done) = self.processed.get_mut(index) {
                *done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafkas_own_test_values() {
        // Apache Kafka's UtilsTest.testMurmur2.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (data, expected) in cases {
            assert_eq!(murmur2(data), expected, "{:?}", std::str::from_utf8(data));
        }
    }

    #[test]
    fn a_key_always_lands_in_the_same_partition_within_range() {
        for partitions in 1..=8 {
            for key in 1..=64 {
                let p = partition_for_key(key, partitions);
                assert!(p < partitions);
                assert_eq!(p, partition_for_key(key, partitions));
            }
        }
        assert_eq!(partition_for_key(7, 1), 0);
    }

    #[test]
    fn range_assignment_covers_every_partition_once_and_leaves_extra_members_idle() {
        for partitions in 1..=8u16 {
            for members in 1..=6u16 {
                let mut owner = vec![0u16; partitions as usize];
                for index in 0..members {
                    let (first, count) = range_assignment(partitions, members, index);
                    for p in first..first + count {
                        owner[p as usize] += 1;
                    }
                    if index >= partitions {
                        assert_eq!(count, 0, "member {index} of {members} sits idle");
                    }
                }
                assert!(owner.iter().all(|o| *o == 1), "{partitions} {members}");
            }
        }
        // Kafka's example: 3 partitions, 2 members: p0 p1 to the first, p2 to the second.
        assert_eq!(range_assignment(3, 2, 0), (0, 2));
        assert_eq!(range_assignment(3, 2, 1), (2, 1));
    }
}
