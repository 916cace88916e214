//! The event queue: events ordered by (tick, seq), the earliest tick first and, among
//! equal ticks, the one scheduled first.
//!
//! This is the hot path of the simulation (every step pops one event and usually pushes
//! one or two), so it is a bucket queue rather than a binary heap of whole events:
//! almost every event is due within a few dozen ticks (link latencies, fsync, retry and
//! redelivery timeouts), so the near future is a ring of `NEAR_TICKS` buckets, one per
//! tick, each a first-in-first-out list, with a bit mask of the buckets that hold
//! events. Events further away wait in a binary heap. The order is exactly the order of
//! a single heap on (tick, seq), because:
//! - `seq` grows with every push, so appending to a bucket keeps it sorted by `seq`;
//! - a pop takes the smaller of the first event of the earliest non-empty bucket and
//!   the top of the far heap, compared on (tick, seq), so a far event whose tick has
//!   come into the window is still taken in its place;
//! - nothing is ever scheduled before the tick of the last pop (`base`), so a bucket
//!   only ever holds events of one tick.
//!
//! The queue is bounded by the simulation's own limits (`MAX_IN_FLIGHT` envelopes plus
//! a fixed number of timers per node and message), not here; those limits keep every
//! count below `u32::MAX`.

use std::collections::BinaryHeap;

use std::cmp::Ordering;

use crate::actor::Timer;
use crate::network::Envelope;
use crate::node::NodeId;

/// What a scheduled event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// A timer a node's role set.
    Timer {
        node: NodeId,
        timer: Timer,
    },
    Arrive(Envelope),
    Restart {
        node: NodeId,
    },
    RandomCrash {
        node: NodeId,
    },
    /// A fault of the scenario timed by the tick (`heal`: a partition's end).
    Timed {
        index: u32,
        heal: bool,
    },
}

impl What {
    /// The node whose memory armed this event: if that node crashed since, the event is
    /// stale and never happens.
    pub(crate) fn owner(&self) -> Option<NodeId> {
        match self {
            What::Timer { node, .. } | What::Restart { node } => Some(*node),
            What::Arrive(_) | What::RandomCrash { .. } | What::Timed { .. } => None,
        }
    }
}

/// An entry of the event queue, ordered by (tick, seq): the earliest tick first, and
/// among equal ticks the one scheduled first. `Ord` is that order reversed, for the
/// queue's far-future binary heap (see `event_queue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub tick: u64,
    pub seq: u64,
    pub epoch: u32,
    pub what: What,
}

impl Ord for Event {
    fn cmp(&self, other: &Event) -> Ordering {
        // Reversed, because BinaryHeap pops the greatest.
        (other.tick, other.seq).cmp(&(self.tick, self.seq))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Event) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The number of ticks the ring covers. A power of two, and at most 64 so that one
/// `u64` holds the occupancy mask.
const NEAR_TICKS: u64 = 64;

#[derive(Clone, Debug, Default)]
struct Bucket {
    events: Vec<Event>,
    /// The index of the first event not yet popped.
    head: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct EventQueue {
    /// The tick of the last pop; no event is ever scheduled before it.
    base: u64,
    /// `near[tick % NEAR_TICKS]` holds the events of `tick`, for ticks in
    /// `base..base + NEAR_TICKS` that were in that window when pushed.
    near: Vec<Bucket>,
    /// Bit `i` is set when `near[i]` holds events.
    occupied: u64,
    near_len: u32,
    /// Events that were beyond the window when pushed.
    far: BinaryHeap<Event>,
}

impl Default for EventQueue {
    fn default() -> EventQueue {
        EventQueue::new()
    }
}

impl EventQueue {
    pub(crate) fn new() -> EventQueue {
        EventQueue {
            base: 0,
            near: vec![Bucket::default(); NEAR_TICKS as usize],
            occupied: 0,
            near_len: 0,
            far: BinaryHeap::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.near_len as usize + self.far.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an event. Its `seq` must be larger than that of every event pushed before.
    #[inline]
    pub(crate) fn push(&mut self, event: Event) {
        debug_assert!(event.tick >= self.base, "an event scheduled in the past");
        if event.tick >= self.base && event.tick - self.base < NEAR_TICKS {
            let index = (event.tick % NEAR_TICKS) as usize;
            self.near[index].events.push(event);
            self.occupied |= 1 << index;
            self.near_len += 1;
        } else {
            self.far.push(event);
        }
    }

    /// The index of the earliest non-empty bucket, if any.
    #[inline]
    fn first_near(&self) -> Option<usize> {
        if self.occupied == 0 {
            return None;
        }
        // Rotate so that the bucket of `base` is bit 0: the lowest set bit is then the
        // earliest tick.
        let start = (self.base % NEAR_TICKS) as u32;
        let offset = self.occupied.rotate_right(start).trailing_zeros();
        Some(((start + offset) as u64 % NEAR_TICKS) as usize)
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Event> {
        let near = self.first_near();
        let take_far = match (near, self.far.peek()) {
            (None, None) => return None,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(index), Some(far)) => {
                let bucket = &self.near[index];
                let first = &bucket.events[bucket.head as usize];
                (far.tick, far.seq) < (first.tick, first.seq)
            }
        };
        let event = if take_far {
            self.far.pop()?
        } else {
            let index = near?;
            let bucket = &mut self.near[index];
            let event = bucket.events[bucket.head as usize];
            bucket.head += 1;
            if bucket.head as usize == bucket.events.len() {
                bucket.events.clear();
                bucket.head = 0;
                self.occupied &= !(1 << index);
            }
            self.near_len -= 1;
            event
        };
        self.base = event.tick;
        Some(event)
    }

    /// Every waiting event, in no particular order (callers sort what they show).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Event> {
        self.near
            .iter()
            .flat_map(|bucket| bucket.events[bucket.head as usize..].iter())
            .chain(self.far.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::Prng;

    fn event(tick: u64, seq: u64) -> Event {
        Event {
            tick,
            seq,
            epoch: 0,
            what: What::Restart {
                node: NodeId::BROKER,
            },
        }
    }

    #[test]
    fn pops_in_the_same_order_as_a_binary_heap_on_tick_then_seq() {
        // Random pushes at the current tick, in the near window and far beyond it,
        // interleaved with pops, against a plain binary heap as the reference.
        for seed in 0..200 {
            let mut prng = Prng::new(seed);
            let mut queue = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut now = 0;
            let mut seq = 0;
            for _ in 0..2_000 {
                if prng.below(3) < 2 {
                    let delay = match prng.below(4) {
                        0 => 0,
                        1 => prng.below(8),
                        2 => prng.below(NEAR_TICKS + 8),
                        _ => prng.below(1_000),
                    };
                    seq += 1;
                    queue.push(event(now + delay, seq));
                    reference.push(event(now + delay, seq));
                } else {
                    let expected = reference.pop();
                    let got = queue.pop();
                    assert_eq!(got, expected, "seed {seed}");
                    if let Some(e) = got {
                        now = e.tick;
                    }
                }
                assert_eq!(queue.len(), reference.len(), "seed {seed}");
            }
            while let Some(expected) = reference.pop() {
                assert_eq!(queue.pop(), Some(expected), "seed {seed}");
            }
            assert!(queue.is_empty());
            assert_eq!(queue.pop(), None);
        }
    }

    #[test]
    fn iter_lists_every_waiting_event_once() {
        let mut queue = EventQueue::new();
        for seq in 1..=100 {
            queue.push(event(seq * 3, seq));
        }
        queue.pop();
        let mut seqs: Vec<u64> = queue.iter().map(|e| e.seq).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (2..=100).collect::<Vec<_>>());
    }
}
