//! The index rules run by [`super::index::run`]. Each reads only the [`Known`] view its
//! information class allows (a hidden field is `None`, never a number).

use super::index::IndexRule;
use super::info::{Info, Known};
use super::policy::SprptVariant;

const INF: f64 = f64::INFINITY;

/// An f64 as a u64 with the same order as `f64::total_cmp`, so heap comparisons are integer
/// comparisons.
#[inline(always)]
pub(crate) fn fkey(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// SRPT: least total remaining size (clairvoyant).
#[derive(Clone)]
pub(crate) struct Srpt;

impl IndexRule for Srpt {
    type Key = u64;
    const INFO: Info = Info::Clairvoyant;
    fn key(&self, _j: usize, k: &Known<'_>) -> u64 {
        fkey(k.remaining().unwrap_or(INF))
    }
}

/// SPT, non-preemptive: least total size among the waiting jobs when a machine frees up.
#[derive(Clone)]
pub(crate) struct Spt;

impl IndexRule for Spt {
    type Key = u64;
    const INFO: Info = Info::Clairvoyant;
    const PREEMPTIVE: bool = false;
    fn key(&self, _j: usize, k: &Known<'_>) -> u64 {
        fkey(k.size().unwrap_or(INF))
    }
}

/// HDF: largest density w_j / p_j; with `remaining`, w_j / (remaining size) (weighted SRPT).
#[derive(Clone)]
pub(crate) struct Hdf {
    pub remaining: bool,
}

impl IndexRule for Hdf {
    type Key = u64;
    const INFO: Info = Info::Clairvoyant;
    fn key(&self, _j: usize, k: &Known<'_>) -> u64 {
        let rem = k.remaining().unwrap_or(INF);
        let size = if self.remaining {
            rem
        } else {
            k.size().unwrap_or(INF)
        };
        fkey(-(k.weight() / size))
    }
}

/// FCFS: release order (the engine's tie-break is the whole rule).
#[derive(Clone)]
pub(crate) struct Fcfs;

impl IndexRule for Fcfs {
    type Key = ();
    const INFO: Info = Info::NonClairvoyant;
    fn key(&self, _j: usize, _k: &Known<'_>) {}
}

/// Operation-level SRPT: least remaining time of the current, revealed operation.
#[derive(Clone)]
pub(crate) struct OpSrpt;

impl IndexRule for OpSrpt {
    type Key = u64;
    const INFO: Info = Info::Revealed;
    fn key(&self, _j: usize, k: &Known<'_>) -> u64 {
        fkey(k.op_remaining().unwrap_or(INF))
    }
}

/// Virtual chunks: **our own rule**, following the published idea of Lindermayr, Schäfer,
/// Schlöter and Stougie (arXiv 2602.12716: group revealed operations into chunks whose size
/// can be estimated), whose exact rule is not public. Not the paper's algorithm.
///
/// Per job: the current chunk's revealed total S, its largest operation M, and the service
/// received since the chunk began W. A newly revealed operation of size x joins the chunk if
/// x <= gamma * S, else it starts a new chunk (S = M = x, W = 0). The chunk's size is
/// estimated as max(S, c M); the priority is
/// `max(max(S, c M) - W, remaining of the current operation)`, smallest first. With
/// `known_count` the estimate is also capped by `op remaining + (operations left) * M`, so
/// the last operation is prioritised by its exact remaining. Priorities never increase while
/// a job runs, so the rule is an index policy with events at releases and reveals.
#[derive(Clone)]
pub(crate) struct Chunk {
    pub gamma: f64,
    pub c: f64,
    s: Vec<f64>,
    mx: Vec<f64>,
    w0: Vec<f64>,
}

impl Chunk {
    pub fn new(n: usize, gamma: f64, c: f64) -> Self {
        Chunk {
            gamma,
            c,
            s: vec![0.0; n],
            mx: vec![0.0; n],
            w0: vec![0.0; n],
        }
    }
}

impl IndexRule for Chunk {
    type Key = u64;
    const INFO: Info = Info::Revealed;
    const STATELESS: bool = false;
    fn key(&self, j: usize, k: &Known<'_>) -> u64 {
        let Some(op_rem) = k.op_remaining() else {
            return fkey(INF);
        };
        let worked = k.attained() - self.w0[j];
        let mut est = self.s[j].max(self.c * self.mx[j]) - worked;
        if let Some(total) = k.ops_total() {
            let left = total.saturating_sub(k.op_index() + 1) as f64;
            est = est.min(op_rem + left * self.mx[j]);
        }
        fkey(est.max(op_rem))
    }
    fn on_release(&mut self, j: usize, k: &Known<'_>, _t: f64) {
        let x = k.op_size().unwrap_or(0.0);
        self.s[j] = x;
        self.mx[j] = x;
        self.w0[j] = 0.0;
    }
    fn on_reveal(&mut self, j: usize, k: &Known<'_>, _t: f64) {
        let x = k.op_size().unwrap_or(0.0);
        if x <= self.gamma * self.s[j] {
            self.s[j] += x;
            self.mx[j] = self.mx[j].max(x);
        } else {
            self.s[j] = x;
            self.mx[j] = x;
            self.w0[j] = k.attained();
        }
    }
}

/// SPRPT on estimates p̂_j (robust setting), in the variants of [`SprptVariant`].
#[derive(Clone)]
pub(crate) struct Sprpt {
    pub variant: SprptVariant,
}

impl IndexRule for Sprpt {
    type Key = u64;
    const INFO: Info = Info::Estimated;
    fn key(&self, _j: usize, k: &Known<'_>) -> u64 {
        let Some(e) = k.estimate() else { return fkey(INF) };
        fkey(match self.variant {
            SprptVariant::Plain => e - k.attained(),
            SprptVariant::Clamped => (e - k.attained()).max(0.0),
            SprptVariant::Class => e.log2().floor(),
        })
    }
}

/// MLF: queue i holds jobs with attained service in [base (2^i - 1), base (2^{i+1} - 1)),
/// i.e. a quantum of base 2^i in queue i; the lowest non-empty queue runs, FIFO by the time a
/// job entered its queue (release for queue 0), then release order.
#[derive(Clone)]
pub(crate) struct Mlf {
    pub base: f64,
    level: Vec<u32>,
    entry: Vec<f64>,
}

impl Mlf {
    pub fn new(n: usize, base: f64) -> Self {
        Mlf {
            base,
            level: vec![0; n],
            entry: vec![0.0; n],
        }
    }
    /// Cumulative service at which a job leaves queue `i`.
    fn threshold(&self, i: u32) -> f64 {
        self.base * ((i as f64 + 1.0).exp2() - 1.0)
    }
}

impl IndexRule for Mlf {
    type Key = (u32, u64);
    const INFO: Info = Info::NonClairvoyant;
    const HAS_HORIZON: bool = true;
    const STATELESS: bool = false;
    fn key(&self, j: usize, _k: &Known<'_>) -> (u32, u64) {
        (self.level[j], fkey(self.entry[j]))
    }
    fn on_release(&mut self, j: usize, _k: &Known<'_>, t: f64) {
        self.level[j] = 0;
        self.entry[j] = t;
    }
    fn horizon(&self, j: usize, k: &Known<'_>) -> f64 {
        self.threshold(self.level[j]) - k.attained()
    }
    fn on_horizon(&mut self, j: usize, _k: &Known<'_>, t: f64) {
        self.level[j] = self.level[j].saturating_add(1);
        self.entry[j] = t;
    }
}
