//! One processor's reservations as its idle gaps, for the insertion policy.
//!
//! A processor is busy on a set of disjoint intervals. We keep the complement: the finite idle
//! gaps `[a, b)` before the last reservation, in a `BTreeMap` keyed by `a`, plus `tail`, the
//! time from which the processor is free for good. The earliest start of a task that is ready
//! at `r` and lasts `d` is `r` when `r >= tail` (O(1), the common case in rank order), else a
//! walk from the gap holding `r` forward to the first gap that fits, else `tail`. Gaps shorter
//! than the shortest task that could still come (`min_len`) are never stored, and
//! `max_gap` (an upper bound on the longest stored gap) sends a task that fits in no gap
//! straight to `tail`, and gaps that end before every start still possible are dropped
//! ([`Timeline::forget_before`]). Nothing rescans the processor's whole history.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

use crate::util::OrdF64;

#[derive(Debug, Clone)]
pub struct Timeline {
    gaps: BTreeMap<OrdF64, f64>,
    tail: f64,
    min_len: f64,
    max_gap: f64,
    insertion: bool,
}

impl Timeline {
    /// An idle processor. `insertion = false` gives the append-only policy (start >= tail).
    /// `min_len`: gaps shorter than this are dropped (pass the least cost any later task can
    /// have on this processor, or 0).
    pub fn new(insertion: bool, min_len: f64) -> Self {
        Timeline {
            gaps: BTreeMap::new(),
            tail: 0.0,
            min_len: min_len.max(0.0),
            max_gap: 0.0,
            insertion,
        }
    }

    /// The time from which the processor is idle for good.
    pub fn tail(&self) -> f64 {
        self.tail
    }

    /// Number of stored idle gaps.
    pub fn num_gaps(&self) -> usize {
        self.gaps.len()
    }

    /// Earliest start >= `ready` of an idle interval of length `dur`.
    #[inline]
    pub fn earliest_start(&self, ready: f64, dur: f64) -> f64 {
        if ready >= self.tail {
            return ready;
        }
        if !self.insertion || dur > self.max_gap || self.gaps.is_empty() {
            return self.tail;
        }
        if let Some((_, &b)) = self.gaps.range(..=OrdF64(ready)).next_back() {
            if ready + dur <= b {
                return ready;
            }
        }
        for (&OrdF64(a), &b) in self.gaps.range((Excluded(OrdF64(ready)), Unbounded)) {
            if a + dur <= b {
                return a;
            }
        }
        self.tail
    }

    /// Drops the gaps that end before `horizon`, when no task will ever start before it.
    /// (Gaps are disjoint and sorted by start, so their ends are sorted too.)
    pub fn forget_before(&mut self, horizon: f64) {
        let first_kept = match self.gaps.range(..=OrdF64(horizon)).next_back() {
            Some((&a, &b)) if b >= horizon => Some(a),
            _ => self
                .gaps
                .range((Excluded(OrdF64(horizon)), Unbounded))
                .next()
                .map(|(&a, _)| a),
        };
        match first_kept {
            Some(a) => self.gaps = self.gaps.split_off(&a),
            None => self.gaps.clear(),
        }
    }

    fn add_gap(&mut self, a: f64, b: f64) {
        let len = b - a;
        if self.insertion && len > 0.0 && len >= self.min_len {
            self.gaps.insert(OrdF64(a), b);
            self.max_gap = self.max_gap.max(len);
        }
    }

    /// Marks `[start, start + dur)` busy. `start` must come from [`Timeline::earliest_start`]
    /// (or be >= tail); returns false when that interval is not idle.
    pub fn reserve(&mut self, start: f64, dur: f64) -> bool {
        // A zero-length task still occupies its instant: later tasks may not straddle it.
        let end = start + dur;
        if start >= self.tail {
            self.add_gap(self.tail, start);
            self.tail = end;
            return true;
        }
        let found = self
            .gaps
            .range(..=OrdF64(start))
            .next_back()
            .map(|(k, &b)| (k.0, b));
        match found {
            Some((a, b)) if end <= b => {
                self.gaps.remove(&OrdF64(a));
                self.add_gap(a, start);
                self.add_gap(end, b);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_found_and_split() {
        let mut t = Timeline::new(true, 0.0);
        assert!(t.reserve(0.0, 2.0));
        assert!(t.reserve(10.0, 2.0)); // gap [2, 10)
        assert_eq!(t.earliest_start(0.0, 3.0), 2.0);
        assert_eq!(t.earliest_start(5.0, 3.0), 5.0);
        assert_eq!(t.earliest_start(8.0, 3.0), 12.0);
        assert_eq!(t.earliest_start(0.0, 9.0), 12.0);
        assert!(t.reserve(4.0, 3.0)); // gaps [2, 4) and [7, 10)
        assert_eq!(t.earliest_start(0.0, 3.0), 7.0);
        assert_eq!(t.earliest_start(0.0, 2.0), 2.0);
        assert_eq!(t.num_gaps(), 2);
        assert!(!t.reserve(3.0, 3.0));
    }

    #[test]
    fn old_gaps_are_forgotten() {
        let mut t = Timeline::new(true, 0.0);
        for k in 0..5 {
            assert!(t.reserve(10.0 * k as f64 + 5.0, 5.0)); // gaps [10k, 10k + 5)
        }
        assert_eq!(t.num_gaps(), 5);
        t.forget_before(12.0); // [10, 15) still holds 12
        assert_eq!(t.num_gaps(), 4);
        t.forget_before(15.0);
        assert_eq!(t.num_gaps(), 4);
        t.forget_before(16.0);
        assert_eq!(t.num_gaps(), 3);
        assert_eq!(t.earliest_start(0.0, 5.0), 20.0);
        t.forget_before(100.0);
        assert_eq!(t.num_gaps(), 0);
    }

    #[test]
    fn append_only_ignores_gaps() {
        let mut t = Timeline::new(false, 0.0);
        assert!(t.reserve(0.0, 2.0));
        assert!(t.reserve(10.0, 2.0));
        assert_eq!(t.earliest_start(0.0, 1.0), 12.0);
        assert_eq!(t.num_gaps(), 0);
    }
}
