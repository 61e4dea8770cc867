//! A 4-ary min-heap keyed by `(time, sequence)`.
//!
//! Why not `std::collections::BinaryHeap`: a 4-ary heap is half as deep, and one `u128`
//! comparison replaces a tuple comparison. In the hold-model benchmark the heap is most of
//! an event's cost, so its layout is chosen for the sift-down loop:
//! - the least of four children is found by two pairs and conditional moves, not a loop
//!   of unpredictable branches;
//! - the key array is padded with [`Key::MAX`] to a length ≡ 1 (mod 4), so every family in
//!   it is whole: no partial last family to scan, and an empty heap's top is `MAX`.
//!
//! Events are `Copy`, so entries move by plain copies into a hole.

#[derive(Clone, Copy)]
pub(super) struct Entry<E> {
    pub key: Key,
    pub event: E,
}

/// `(time, sequence)`, compared as one `u128` but aligned as a `u64`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Key {
    seq: u64,
    time: u64,
}

impl Key {
    /// Greater than every key scheduled (a sequence number never reaches `u64::MAX`).
    pub const MAX: Key = Key {
        seq: u64::MAX,
        time: u64::MAX,
    };

    #[inline(always)]
    fn packed(self) -> u128 {
        ((self.time as u128) << 64) | self.seq as u128
    }
}

impl PartialOrd for Key {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
    #[inline(always)]
    fn lt(&self, other: &Self) -> bool {
        self.packed() < other.packed()
    }
    #[inline(always)]
    fn le(&self, other: &Self) -> bool {
        self.packed() <= other.packed()
    }
    #[inline(always)]
    fn gt(&self, other: &Self) -> bool {
        self.packed() > other.packed()
    }
    #[inline(always)]
    fn ge(&self, other: &Self) -> bool {
        self.packed() >= other.packed()
    }
}

impl Ord for Key {
    #[inline(always)]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.packed().cmp(&other.packed())
    }
}

#[inline]
pub(super) fn pack(time: u64, seq: u64) -> Key {
    Key { seq, time }
}

#[inline]
pub(super) fn time_of(key: Key) -> u64 {
    key.time
}

const ARITY: usize = 4;

pub(super) struct QuadHeap<E> {
    /// The entries in heap order in `..len`, then entries keyed [`Key::MAX`] up to a
    /// length ≡ 1 (mod 4) (or none yet): the children of `h` are `4h + 1 ..= 4h + 4`, all
    /// in the array or none.
    items: Vec<Entry<E>>,
    len: usize,
}

impl<E: Copy> QuadHeap<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        QuadHeap {
            items: Vec::with_capacity(capacity.next_multiple_of(ARITY) + 1),
            len: 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The least key, or [`Key::MAX`] when the heap is empty.
    #[inline]
    pub fn top_key(&self) -> Key {
        self.items.first().map_or(Key::MAX, |e| e.key)
    }

    #[inline(always)]
    pub fn push(&mut self, entry: Entry<E>) {
        let mut hole = self.len;
        if hole + 1 >= self.items.len() {
            // Padding: any event will do, its key says it is none.
            let pad = Entry {
                key: Key::MAX,
                event: entry.event,
            };
            let grow = if self.items.is_empty() { 1 } else { 0 } + ARITY;
            self.items.extend(std::iter::repeat_n(pad, grow));
        }
        self.len += 1;
        let items = &mut self.items[..];
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if items[parent].key <= entry.key {
                break;
            }
            items[hole] = items[parent];
            hole = parent;
        }
        items[hole] = entry;
    }

    // Inlined into the engine's pop, and that into the event loop: as a call, its
    // prologue and the entry returned through memory cost as much as a level of the heap.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Entry<E>> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let items = &mut self.items[..];
        let top = items[0];
        let mut last = items[self.len];
        items[self.len].key = Key::MAX;
        let mut hole = 0;
        if self.len == 0 {
            last.key = Key::MAX;
        }
        // Every family in the array is whole; past the entries its keys are MAX, never
        // less than `last`.
        loop {
            let first = hole * ARITY + 1;
            let Some(kids) = items.get(first..first + ARITY) else {
                break;
            };
            let (a, ka) = least((0, kids[0].key), (1, kids[1].key));
            let (b, kb) = least((2, kids[2].key), (3, kids[3].key));
            let (best, best_key) = least((a, ka), (b, kb));
            if best_key >= last.key {
                break;
            }
            items[hole] = kids[best];
            hole = first + best;
        }
        items[hole] = last;
        Some(top)
    }

    /// Keeps the entries `keep` accepts. O(len log len): for rare removals.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry<E>) -> bool) {
        let kept: Vec<Entry<E>> = self.items[..self.len]
            .iter()
            .copied()
            .filter(|e| keep(e))
            .collect();
        self.len = 0;
        for e in &mut self.items {
            e.key = Key::MAX;
        }
        for e in kept {
            self.push(e);
        }
    }
}

/// The lesser of two (index, key) pairs; the first on a tie (keys are unique anyway).
/// Pairs, not indices: with the keys in registers, conditional moves replace reloads.
#[inline(always)]
fn least(a: (usize, Key), b: (usize, Key)) -> (usize, Key) {
    if b.1 < a.1 { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_sorted_keys_for_any_insertion_order() {
        let mut h = QuadHeap::with_capacity(0);
        let mut x: u64 = 12345;
        let mut keys = Vec::new();
        for seq in 0..2000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = pack((x >> 33) % 500, seq);
            keys.push(k);
            h.push(Entry { key: k, event: seq });
            if seq % 500 == 0 {
                h.retain(|e| e.event % 7 != 0);
                keys.retain(|k| k.seq % 7 != 0);
            }
            if seq % 3 == 0 {
                let popped = h.pop().map(|e| (e.key, e.event));
                let min = keys.iter().copied().min();
                assert_eq!(popped.map(|p| p.0), min);
                assert_eq!(popped.map(|p| p.1), min.map(|k| k.seq));
                keys.retain(|&k| Some(k) != min);
            }
        }
        keys.sort_unstable();
        let rest: Vec<Key> = std::iter::from_fn(|| h.pop().map(|e| e.key)).collect();
        assert_eq!(rest, keys);
        assert_eq!(h.top_key(), Key::MAX);
        assert_eq!(time_of(pack(77, 3)), 77);
    }
}
