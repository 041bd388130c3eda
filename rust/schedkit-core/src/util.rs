//! Small shared helpers: the crate's limit on times, the entry of a name registry, a
//! total-order float key, a seeded PRNG and a fast hash map for integer keys (no extra crates).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{CoreError, CoreResult};

/// The bound every area keeps its times, ranks and totals below (checked where an instance
/// or a batch of jobs comes in), so no result overflows to `inf` (f64 reaches 1.8e308) and a
/// sum or mean of many of them stays finite too.
pub const HORIZON_LIMIT: f64 = 1e300;

/// One name of a registry (the algorithms, policies, methods or objectives an entry point
/// accepts by name): the name, one line on what it means, and what it stands for (`item`).
///
/// A registry is one `[Entry<T>; N]` table: parsing a name looks it up with [`lookup`], the
/// bindings export the table, and nothing else lists the names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<T> {
    pub name: &'static str,
    pub summary: &'static str,
    pub item: T,
}

/// The entry named `name` of `table`; otherwise an invalid `field` error that lists the names
/// (`what` names the kind of thing, e.g. "algorithm").
pub fn lookup<'a, T>(table: &'a [Entry<T>], name: &str, field: &str, what: &str) -> CoreResult<&'a Entry<T>> {
    table.iter().find(|e| e.name == name).ok_or_else(|| {
        CoreError::invalid(
            field,
            None,
            format!(
                "unknown {what} {name:?}; expected one of {}",
                names(table).join(", ")
            ),
        )
    })
}

/// The names of `table`, in its order.
pub fn names<T>(table: &[Entry<T>]) -> Vec<&'static str> {
    table.iter().map(|e| e.name).collect()
}

/// An f64 ordered by `total_cmp`, so it can key a `BinaryHeap` or a sort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrdF64(pub f64);

impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// SplitMix64: tiny, seedable, good enough for perturbations and random restarts.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// The generator whose internal state is `state` ([`SplitMix64::new`] mixes its seed).
    pub fn from_state(state: u64) -> Self {
        SplitMix64(state)
    }
    /// Uniform integer in 0..n; the tiny modulo bias is irrelevant here. `n = 0` gives 0 (and
    /// still consumes a draw) rather than a division by zero: this is reachable from user
    /// parameters (a generator's width), and a panic must never be.
    pub fn below(&mut self, n: usize) -> usize {
        let x = self.next_u64();
        x.checked_rem(n as u64).unwrap_or(0) as usize
    }
    /// Uniform integer in lo..=hi (lo <= hi; swapped bounds are read as hi..=lo). The span is
    /// computed in wrapping u64 arithmetic, so the full i64 range works (`hi - lo + 1` would
    /// overflow); for every other range the draw is `lo + next % (hi - lo + 1)`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let span = (hi.wrapping_sub(lo) as u64).wrapping_add(1);
        let x = self.next_u64();
        if span == 0 {
            return x as i64; // lo..=hi is all of i64
        }
        lo.wrapping_add((x % span) as i64)
    }
    /// Uniform float in [0, 1) from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal draw by Box-Muller from two uniforms (the second variate is dropped,
    /// so every draw consumes exactly two outputs and a stream never depends on parity).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // in (0, 1]: ln stays finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Indices given as signed integers (as NumPy and Python hold them) as `usize`; a negative
/// one is an invalid `field` error at its position. Bindings convert index arrays with it, so
/// the range check is the core's.
pub fn indices(field: &str, v: &[i64]) -> CoreResult<Vec<usize>> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            usize::try_from(x)
                .map_err(|_| CoreError::invalid(field, Some(i), format!("must be >= 0, got {x}")))
        })
        .collect()
}

/// A fast hasher for integer memo keys. std's SipHash is a large share of a memo's time and
/// the keys are not attacker-controlled. The finaliser is splitmix64's, because hashbrown
/// takes bucket bits from the low end and tag bits from the high end of the hash.
#[derive(Default, Clone, Copy)]
pub struct MixHasher(u64);

impl Hasher for MixHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(b));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    #[inline]
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// A `HashMap` with [`MixHasher`] (integer keys, not attacker-controlled).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_covers_its_range_and_never_overflows() {
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            let v = r.int(-3, 4);
            assert!((-3..=4).contains(&v));
        }
        let mut a = SplitMix64::new(1);
        let mut b = SplitMix64::new(1);
        // the plain formula for an ordinary range: seeded streams do not change
        for _ in 0..100 {
            let want = 10 + (b.next_u64() % 91) as i64;
            assert_eq!(a.int(10, 100), want);
        }
        for (lo, hi) in [
            (i64::MIN, i64::MAX),
            (i64::MIN, 0),
            (0, i64::MAX),
            (i64::MAX, i64::MAX),
            (5, -5),
        ] {
            let v = r.int(lo, hi);
            assert!(lo.min(hi) <= v && v <= lo.max(hi), "{v} outside {lo}..={hi}");
        }
    }

    #[test]
    fn below_zero_is_zero_not_a_panic() {
        let mut r = SplitMix64::new(3);
        assert_eq!(r.below(0), 0);
        assert!((0..1000).all(|_| r.below(7) < 7));
    }
}
