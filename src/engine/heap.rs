//! A 4-ary min-heap keyed by a packed `(time, sequence)` `u128`.
//!
//! Why not `std::collections::BinaryHeap`: a 4-ary heap is half as deep, its four children
//! share a cache line or two, and one `u128` comparison replaces a tuple comparison. In
//! the hold-model benchmark this is the difference that matters (the heap is most of an
//! event's cost). Events are `Copy`, so entries move by plain copies into a hole.

#[derive(Clone, Copy)]
pub(super) struct Entry<E> {
    pub key: Key,
    pub event: E,
}

/// `(time, sequence)`, compared as one `u128` but aligned as a `u64`, so an entry with a
/// small event takes 24 bytes, not 32.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Key {
    seq: u64,
    time: u64,
}

impl Key {
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
    items: Vec<Entry<E>>,
}

impl<E: Copy> QuadHeap<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        QuadHeap {
            items: Vec::with_capacity(capacity),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    #[inline]
    pub fn peek_key(&self) -> Option<Key> {
        self.items.first().map(|e| e.key)
    }

    #[inline]
    pub fn push(&mut self, entry: Entry<E>) {
        self.items.push(entry);
        let items = &mut self.items[..];
        let mut hole = items.len() - 1;
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

    #[inline]
    pub fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.items.pop()?;
        let items = &mut self.items[..];
        let Some(&top) = items.first() else {
            return Some(last);
        };
        let len = items.len();
        let mut hole = 0;
        // While all four children exist: the least of them by two pairs, one bounds check.
        loop {
            let first = hole * ARITY + 1;
            let Some(kids) = items.get(first..first + ARITY) else {
                break;
            };
            let (a, ka) = least((0, kids[0].key), (1, kids[1].key));
            let (b, kb) = least((2, kids[2].key), (3, kids[3].key));
            let (best, best_key) = least((a, ka), (b, kb));
            if best_key >= last.key {
                items[hole] = last;
                return Some(top);
            }
            items[hole] = kids[best];
            hole = first + best;
        }
        // The last, partial family (fewer than four children), if any.
        let first = hole * ARITY + 1;
        if first < len {
            let mut best = first;
            for c in first + 1..len {
                if items[c].key < items[best].key {
                    best = c;
                }
            }
            if items[best].key < last.key {
                items[hole] = items[best];
                hole = best;
            }
        }
        items[hole] = last;
        Some(top)
    }

    /// Keeps the entries `keep` accepts, then restores the heap order. O(len).
    pub fn retain(&mut self, keep: impl FnMut(&Entry<E>) -> bool) {
        self.items.retain(keep);
        let len = self.items.len();
        for start in (0..len / ARITY + 1).rev() {
            self.sift_down(start);
        }
    }

    /// Moves the entry at `hole` down to its place (below it, a heap).
    fn sift_down(&mut self, mut hole: usize) {
        let items = &mut self.items[..];
        let Some(&moving) = items.get(hole) else {
            return;
        };
        loop {
            let first = hole * ARITY + 1;
            let end = (first + ARITY).min(items.len());
            let Some(best) = (first..end).min_by_key(|&c| items[c].key) else {
                break;
            };
            if items[best].key >= moving.key {
                break;
            }
            items[hole] = items[best];
            hole = best;
        }
        items[hole] = moving;
    }
}

/// The lesser of two (index, key) pairs; the first on a tie (keys are unique anyway).
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
            h.push(Entry { key: k, event: () });
            if seq % 3 == 0 {
                let popped = h.pop().map(|e| e.key);
                let min = keys.iter().copied().min();
                assert_eq!(popped, min);
                keys.retain(|&k| Some(k) != popped);
            }
        }
        keys.sort_unstable();
        let rest: Vec<Key> = std::iter::from_fn(|| h.pop().map(|e| e.key)).collect();
        assert_eq!(rest, keys);
        assert_eq!(time_of(pack(77, 3)), 77);
    }
}
