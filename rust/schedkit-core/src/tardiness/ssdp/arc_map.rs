//! The table stage 3's DPs keep their states in: (arc, S) → a value.
//!
//! An arc fixes its completion time, and on most instances most arcs carry one set S in a
//! round (TF 0.6 at n = 200: 1.7-1.9 M states on 1.96 M arcs), so the first S an arc gets
//! sits in a slot of its own, which a lookup reads with one load, and only the others go to
//! a hash map per completion time. A DP looks up the states of arcs completing a little
//! later than the state it expands (arcs are numbered in completion time), so the slots it
//! reads lie close together.

use crate::util::FastMap;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

/// A state's key in the per-time maps: its arc and its mask. The mask is kept as two u64
/// (a u128 would align the key to 16, padding the map's slots).
#[derive(Clone, Copy)]
pub(super) struct Key {
    lo: u64,
    hi: u64,
    pub(super) arc: u32,
}

impl Key {
    #[inline(always)]
    pub(super) fn new(arc: u32, mask: u128) -> Key {
        Key {
            lo: mask as u64,
            hi: (mask >> 64) as u64,
            arc,
        }
    }

    #[cfg(test)]
    pub(super) fn mask(&self) -> u128 {
        u128::from(self.lo) | (u128::from(self.hi) << 64)
    }
}

impl PartialEq for Key {
    #[inline(always)]
    fn eq(&self, other: &Key) -> bool {
        self.lo == other.lo && self.hi == other.hi && self.arc == other.arc
    }
}

impl Eq for Key {}

impl Hash for Key {
    /// One word for the hasher where the derived hash fed it six (the u32 arc went in byte
    /// by byte): the arc's low 24 bits go to the top of the word, above masks of up to 40
    /// members, so below that (and 2^24 arcs) distinct keys give distinct words; beyond it
    /// keys may collide, which costs a probe, never a wrong answer.
    #[inline(always)]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.lo ^ u64::from(self.arc).rotate_right(24));
        if self.hi != 0 {
            state.write_u64(self.hi);
        }
    }
}

/// An arc's first state: its mask, its value, and whether the arc has more states (in the
/// map of its completion time).
#[derive(Clone, Copy)]
struct Slot<V> {
    lo: u64,
    hi: u64,
    val: V,
    used: bool,
    more: bool,
}

/// (arc, S) → V over arcs 0..arcs with completion times 0..=h.
pub(super) struct ArcMap<V: Copy> {
    first: Vec<Slot<V>>,
    more: Vec<FastMap<Key, V>>,
    len: usize,
}

impl<V: Copy + Default> ArcMap<V> {
    /// An empty map; the map of time t starts with room for `room(t)` keys (successive rounds
    /// put similar counts there, and growing a map rehashes it).
    pub(super) fn new(arcs: usize, h: usize, room: impl Fn(usize) -> usize) -> ArcMap<V> {
        let empty = Slot {
            lo: 0,
            hi: 0,
            val: V::default(),
            used: false,
            more: false,
        };
        ArcMap {
            first: vec![empty; arcs],
            more: (0..=h)
                .map(|t| FastMap::with_capacity_and_hasher(room(t), Default::default()))
                .collect(),
            len: 0,
        }
    }

    /// Bytes the map holds per arc whatever its states (the slots).
    pub(super) fn slot_bytes() -> usize {
        std::mem::size_of::<Slot<V>>()
    }

    /// The value of (arc, mask), the arc completing at t.
    #[inline(always)]
    pub(super) fn get(&self, t: usize, arc: u32, mask: u128) -> Option<&V> {
        let s = &self.first[arc as usize];
        if !s.used {
            None
        } else if s.lo == mask as u64 && s.hi == (mask >> 64) as u64 {
            Some(&s.val)
        } else if s.more {
            self.more[t].get(&Key::new(arc, mask))
        } else {
            None
        }
    }

    /// The value of (arc, mask) to update, or `None` after adding the key with `val`.
    #[inline(always)]
    pub(super) fn get_or_add(&mut self, t: usize, arc: u32, mask: u128, val: V) -> Option<&mut V> {
        let s = &mut self.first[arc as usize];
        if !s.used {
            *s = Slot {
                lo: mask as u64,
                hi: (mask >> 64) as u64,
                val,
                used: true,
                more: false,
            };
            self.len += 1;
            return None;
        }
        if s.lo == mask as u64 && s.hi == (mask >> 64) as u64 {
            return Some(&mut s.val);
        }
        s.more = true;
        match self.more[t].entry(Key::new(arc, mask)) {
            Entry::Occupied(e) => Some(e.into_mut()),
            Entry::Vacant(e) => {
                e.insert(val);
                self.len += 1;
                None
            }
        }
    }

    /// Keys held.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Keys held in the map of time t beside the slots (the room the next round's map there
    /// starts with).
    pub(super) fn extra_at(&self, t: usize) -> usize {
        self.more[t].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::SplitMix64;
    use std::collections::HashMap;

    /// Random keys added and updated as the forward DP does, against a plain map: every
    /// lookup agrees, the count is the number of distinct keys, and the keys kept beside the
    /// slots are those of arcs met with a second mask. Few arcs and masks, so most keys
    /// repeat and most arcs get several masks, high bits included.
    #[test]
    fn agrees_with_a_hash_map() {
        let mut g = SplitMix64::new(11);
        for case in 0..50 {
            let arcs = 1 + case % 20;
            let h = 6;
            // arc a completes at a % (h + 1), as an arc fixes its completion time
            let time = |a: usize| a % (h + 1);
            let masks: Vec<u128> = (0..1 + case % 5)
                .map(|_| u128::from(g.next_u64()) << (g.below(2) * 64))
                .collect();
            let mut map: ArcMap<(f64, u32)> = ArcMap::new(arcs, h, |_| 0);
            let mut want: HashMap<(usize, u128), (f64, u32)> = HashMap::new();
            for step in 0..300 {
                let (a, mask) = (g.below(arcs), masks[g.below(masks.len())]);
                let val = g.uniform();
                match map.get_or_add(time(a), a as u32, mask, (val, step)) {
                    Some(e) => {
                        let w = want.get_mut(&(a, mask)).expect("an added key");
                        assert_eq!((e.0, e.1), *w);
                        if val < e.0 {
                            e.0 = val;
                            w.0 = val;
                        }
                    }
                    None => assert!(want.insert((a, mask), (val, step)).is_none()),
                }
                let (b, other) = (g.below(arcs), masks[g.below(masks.len())]);
                assert_eq!(
                    map.get(time(b), b as u32, other).copied(),
                    want.get(&(b, other)).copied()
                );
            }
            assert_eq!(map.len(), want.len());
            let extra: usize = (0..=h).map(|t| map.extra_at(t)).sum();
            let arcs_used = want
                .keys()
                .map(|k| k.0)
                .collect::<std::collections::HashSet<_>>()
                .len();
            assert_eq!(extra, want.len() - arcs_used);
        }
    }
}
