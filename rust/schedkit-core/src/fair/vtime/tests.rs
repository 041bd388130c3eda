//! The virtual time against the plain implementation it replaced (ordered sets of the
//! active users and of each user's jobs, and a tree for every weight sum), kept here as
//! the reference: the same arrivals give the same deadlines, virtual times and chain ends,
//! bit for bit.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use super::{InnerJobs, InnerKey, Uwfq, VJob, WeightSum, K};
use crate::util::SplitMix64;

/// The weight sum as it was: a binary tree of partial sums for every weight.
#[derive(Default)]
pub(super) struct PlainWeightSum {
    tree: Vec<f64>,
    leaves: usize,
}

impl PlainWeightSum {
    pub(super) fn grow_to(&mut self, n: usize) {
        if n <= self.leaves {
            return;
        }
        let leaves = n.next_power_of_two().max(8);
        let mut tree = vec![0.0; 2 * leaves];
        if self.leaves > 0 {
            tree[leaves..leaves + self.leaves].copy_from_slice(&self.tree[self.leaves..]);
        }
        for i in (1..leaves).rev() {
            tree[i] = tree[2 * i] + tree[2 * i + 1];
        }
        *self = PlainWeightSum { tree, leaves };
    }

    pub(super) fn set(&mut self, u: usize, w: f64) {
        let mut i = self.leaves + u;
        self.tree[i] = w;
        while i > 1 {
            i /= 2;
            self.tree[i] = self.tree[2 * i] + self.tree[2 * i + 1];
        }
    }

    pub(super) fn total(&self) -> f64 {
        self.tree.get(1).copied().unwrap_or(0.0)
    }
}

struct PlainUserState {
    w: f64,
    /// The user's inner virtual clock when the global one was `v_ref`. It runs at
    /// w / (jobs in the inner system) per unit of V, so it is brought up to date only when
    /// the user's jobs change, not at every step of V.
    inner: f64,
    v_ref: f64,
    s: f64,
    e: f64,
    seen: bool,
    active: bool,
    /// Jobs in the user's inner virtual system, ordered by (inner tag d, job key).
    jobs: BTreeMap<(K, u64), PlainVJob>,
    /// Bumped whenever the user's jobs change: an inner finish filed before is stale.
    stamp: u64,
}

impl PlainUserState {
    /// Brings the inner clock to global virtual time `v` (>= `v_ref`).
    fn sync(&mut self, v: f64) {
        if !self.jobs.is_empty() {
            self.inner += (v - self.v_ref).max(0.0) * self.w / self.jobs.len() as f64;
        }
        self.v_ref = self.v_ref.max(v);
    }
}

/// A job while it is in its user's inner virtual system.
struct PlainVJob {
    r: f64,
    /// Current global deadline D.
    dl: f64,
    /// The caller's handle, passed back to the deadline callback.
    slot: usize,
}

/// UWFQ virtual system. Units: V in core-seconds per unit weight; R in core-seconds.
/// Jobs are named by a caller-chosen unique key (a job stays in the virtual system until
/// its *virtual* finish, which may be after its real one, so the key must not be reused).
///
/// V advances at C / (sum of the active users' weights); an active user's inner clock at
/// w / (its jobs) per unit of V, so the global V at which its first job (smallest inner
/// tag) virtually finishes is known in advance. Those finishes wait in one heap ordered by
/// V, and a step of V handles only the users whose first job finishes in it, instead of
/// every active user.
pub(super) struct PlainUwfq {
    c: f64,
    v: f64,
    tp: f64,
    grace: f64,
    /// The active users' weights (inactive ones count 0), summed in a tree.
    sum_w: PlainWeightSum,
    /// Active users ordered by chain end E.
    active: BTreeSet<(K, usize)>,
    users: Vec<PlainUserState>,
    /// (V at which the user's first inner job finishes, user, the user's stamp then).
    inner_finishes: BinaryHeap<std::cmp::Reverse<(K, usize, u64)>>,
}

impl PlainUwfq {
    pub(super) fn new(cores: usize, weights: &[f64], grace: f64) -> Self {
        let mut q = PlainUwfq {
            c: cores as f64,
            v: 0.0,
            tp: f64::NEG_INFINITY,
            grace,
            sum_w: PlainWeightSum::default(),
            active: BTreeSet::new(),
            users: Vec::new(),
            inner_finishes: BinaryHeap::new(),
        };
        for &w in weights {
            q.add_user(w);
        }
        q
    }

    /// Adds a user of weight `w` (> 0); returns its index.
    pub(super) fn add_user(&mut self, w: f64) -> usize {
        self.sum_w.grow_to(self.users.len() + 1);
        self.users.push(PlainUserState {
            w,
            inner: 0.0,
            v_ref: 0.0,
            s: 0.0,
            e: 0.0,
            seen: false,
            active: false,
            jobs: BTreeMap::new(),
            stamp: 0,
        });
        self.users.len() - 1
    }

    pub(super) fn virtual_time(&self) -> f64 {
        self.v
    }

    pub(super) fn chain_end(&self, u: usize) -> f64 {
        self.users[u].e
    }

    /// User `u`'s jobs changed (its inner clock is synced): files when its first job
    /// finishes now, making the one filed before stale.
    fn file_inner_finish(&mut self, u: usize) {
        let us = &mut self.users[u];
        us.stamp += 1;
        if let Some((&(K(d), _), _)) = us.jobs.first_key_value() {
            let at = us.v_ref + (d - us.inner).max(0.0) * us.jobs.len() as f64 / us.w;
            self.inner_finishes.push(std::cmp::Reverse((K(at), u, us.stamp)));
        }
    }

    /// Advances V from tp to t1 at dV/dt = `rate`, finishing the inner jobs whose turn
    /// comes on the way.
    fn step(&mut self, t1: f64, rate: f64) {
        let dt = (t1 - self.tp).max(0.0);
        let v1 = self.v + dt * rate;
        while let Some(&std::cmp::Reverse((K(at), u, stamp))) = self.inner_finishes.peek() {
            if at > v1 {
                break;
            }
            self.inner_finishes.pop();
            let us = &mut self.users[u];
            if stamp != us.stamp {
                continue;
            }
            let Some(((K(d), _), vj)) = us.jobs.pop_first() else {
                continue;
            };
            // The job finishes in its inner system at V = at: the clock reads d there.
            us.inner = us.inner.max(d);
            us.v_ref = us.v_ref.max(at.min(v1));
            us.s += vj.r / us.w;
            self.file_inner_finish(u);
        }
        self.v = v1;
        self.tp = t1.max(self.tp);
    }

    fn advance_to(&mut self, t: f64) {
        if self.tp == f64::NEG_INFINITY {
            self.tp = t;
        }
        while let Some(&(K(e), m)) = self.active.first() {
            let rate = self.c / self.sum_w.total();
            if e <= self.v + (t - self.tp) * rate {
                let tf = (self.tp + (e - self.v) / rate).max(self.tp);
                self.step(tf, rate);
                self.active.remove(&(K(e), m));
                let us = &mut self.users[m];
                us.active = false;
                us.stamp += 1;
                us.jobs.clear();
                us.s = e;
                self.sum_w.set(m, 0.0);
            } else {
                break;
            }
        }
        if !self.active.is_empty() {
            let rate = self.c / self.sum_w.total();
            self.step(t, rate);
        }
        self.tp = t;
    }

    /// Registers job `key` (unique, never reused) of user `u` arriving at `t` with estimate
    /// `r` (core-seconds); `slot` is the caller's handle. Calls `set_deadline(key, slot, D)`
    /// for every job of `u` whose global deadline changed, the new job included.
    pub(super) fn arrive(
        &mut self,
        t: f64,
        u: usize,
        key: u64,
        slot: usize,
        r: f64,
        mut set_deadline: impl FnMut(u64, usize, f64),
    ) {
        self.advance_to(t);
        let v = self.v;
        let grace = self.grace;
        let us = &mut self.users[u];
        us.sync(v);
        if !us.active {
            if !us.seen {
                us.seen = true;
                us.inner = 0.0;
                us.s = v;
            } else if v - us.e > grace {
                us.s = v;
            }
            us.active = true;
            self.sum_w.set(u, us.w);
        } else {
            self.active.remove(&(K(us.e), u));
        }
        let d = us.inner + r;
        us.jobs.insert((K(d), key), PlainVJob { r, dl: 0.0, slot });
        // Re-chain: D over the user's jobs in d order, starting at S. Jobs ahead of the new
        // one keep their D (a virtually finished head moves S by exactly its own share), so
        // only the new job and those behind it are recomputed.
        let mut acc = us
            .jobs
            .range(..(K(d), key))
            .next_back()
            .map_or(us.s, |(_, vj)| vj.dl);
        let w = us.w;
        for (&(_, k), vj) in us.jobs.range_mut((K(d), key)..) {
            acc += vj.r / w;
            vj.dl = acc;
            set_deadline(k, vj.slot, acc);
        }
        us.e = acc;
        self.active.insert((K(acc), u));
        self.file_inner_finish(u);
    }
}

/// A weight drawn from whole numbers (the exact running sum) or from fractions that do
/// not add up exactly (the tree), as `kind` says: 0 whole, 1 fractions, 2 either.
fn weight(rng: &mut SplitMix64, kind: u64) -> f64 {
    let whole = match kind {
        0 => true,
        1 => false,
        _ => rng.next_u64() % 8 != 0,
    };
    if whole {
        (1 + rng.next_u64() % 4) as f64
    } else {
        [0.1, 0.3, 2.7, 1.0 / 3.0][rng.below(4)]
    }
}

/// The weight sum's total is the old tree's, bit for bit, as users are added and their
/// values set to their weight or 0 in any order: whole weights (the running sum), fractions
/// (the tree), and whole weights until a fraction comes (the running sum handing over).
#[test]
fn weight_sum_totals_are_the_trees() {
    for kind in 0..3 {
        let mut rng = SplitMix64::new(3 + kind);
        let (mut ws, mut plain) = (WeightSum::default(), PlainWeightSum::default());
        let mut weights: Vec<f64> = Vec::new();
        for step in 0..5000 {
            if weights.len() < 300 && rng.next_u64() % 4 == 0 {
                let w = weight(&mut rng, if kind == 2 && weights.len() < 150 { 0 } else { kind });
                weights.push(w);
                ws.add_user(w);
                plain.grow_to(weights.len());
            } else if !weights.is_empty() {
                let u = rng.below(weights.len());
                let w = if rng.next_u64() % 2 == 0 { 0.0 } else { weights[u] };
                ws.set(u, w);
                plain.set(u, w);
            }
            assert_eq!(
                ws.total().to_bits(),
                plain.total().to_bits(),
                "kind {kind}, step {step}"
            );
        }
        assert_eq!(ws.exact, kind == 0, "kind {kind}");
    }
}

/// A user's inner jobs (one inline, more in the map) against an ordered map: the same
/// first job, length, deadline before a key and jobs from a key, under random inserts,
/// pops and clears.
#[test]
fn inner_jobs_are_an_ordered_map() {
    let mut rng = SplitMix64::new(11);
    let mut jobs = InnerJobs::default();
    let mut map: BTreeMap<InnerKey, (f64, usize)> = BTreeMap::new();
    let mut next_key = 0u64;
    for step in 0..20_000 {
        match rng.next_u64() % 10 {
            0..=4 => {
                let key = (K((rng.next_u64() % 16) as f64 / 4.0), next_key);
                next_key += 1;
                let (r, slot) = (rng.uniform(), rng.below(100));
                jobs.insert(key, VJob { r, dl: r * 2.0, slot });
                map.insert(key, (r * 2.0, slot));
            }
            5..=7 => {
                let got = jobs.pop_first().map(|(k, vj)| (k, vj.dl, vj.slot));
                assert_eq!(
                    got,
                    map.pop_first().map(|(k, (dl, slot))| (k, dl, slot)),
                    "step {step}"
                );
            }
            8 => {
                if rng.next_u64() % 8 == 0 {
                    jobs.clear();
                    map.clear();
                }
            }
            _ => {
                let key = (
                    K((rng.next_u64() % 16) as f64 / 4.0),
                    rng.next_u64() % (next_key + 1),
                );
                assert_eq!(
                    jobs.dl_before(&key),
                    map.range(..key).next_back().map(|(_, v)| v.0),
                    "step {step}"
                );
                let mut got = Vec::new();
                jobs.each_from(&key, |k, vj| {
                    vj.dl += 1.0;
                    got.push((*k, vj.dl, vj.slot));
                });
                let mut want = Vec::new();
                for (k, v) in map.range_mut(key..) {
                    v.0 += 1.0;
                    want.push((*k, v.0, v.1));
                }
                assert_eq!(got, want, "step {step}");
            }
        }
        assert_eq!(jobs.len(), map.len());
        assert_eq!(jobs.is_empty(), map.is_empty());
        let first = jobs.first().map(|(k, vj)| (*k, vj.dl, vj.slot));
        assert_eq!(
            first,
            map.first_key_value().map(|(k, v)| (*k, v.0, v.1)),
            "step {step}"
        );
    }
}

/// What one virtual system reports along a run: every deadline call (job key, slot, D),
/// then V and the arriving user's chain end, after each arrival.
type Calls = Vec<(u64, usize, u64)>;

/// Arrivals of `n` jobs of `users` users on `cores` cores: times with ties (`gap` apart on
/// average, whole multiples of a quarter), work of zero to `max_r` in eighths or drawn
/// freely, and weights of `kind` (see [`weight`]).
fn run_both(seed: u64, n: usize, users: usize, cores: usize, gap: f64, kind: u64, grace: f64) {
    let mut rng = SplitMix64::new(seed);
    let weights: Vec<f64> = (0..users).map(|_| weight(&mut rng, kind)).collect();
    let mut new = Uwfq::new(cores, &weights, grace);
    let mut plain = PlainUwfq::new(cores, &weights, grace);
    let mut t = 0.0f64;
    for j in 0..n {
        if rng.next_u64() % 3 != 0 {
            t += (rng.uniform() * 2.0 * gap * 4.0).floor() / 4.0;
        }
        let u = if rng.next_u64() % 4 == 0 {
            0
        } else {
            rng.below(users)
        };
        let r = match rng.next_u64() % 6 {
            0 => 0.0,
            1..=2 => (rng.next_u64() % 40) as f64 / 8.0,
            _ => rng.uniform() * 5.0,
        };
        let slot = rng.below(1000);
        let (mut a, mut b): (Calls, Calls) = (Vec::new(), Vec::new());
        let mut behind: Calls = Vec::new();
        let dl = new.arrive(t, u, j as u64, slot, r, |k, s, dl| {
            behind.push((k, s, dl.to_bits()))
        });
        a.push((j as u64, slot, dl.to_bits()));
        a.extend(behind);
        plain.arrive(t, u, j as u64, slot, r, |k, s, dl| b.push((k, s, dl.to_bits())));
        let ctx = format!("seed {seed}, arrival {j}");
        assert_eq!(a, b, "{ctx}");
        assert_eq!(
            new.virtual_time().to_bits(),
            plain.virtual_time().to_bits(),
            "{ctx}"
        );
        assert_eq!(new.chain_end(u).to_bits(), plain.chain_end(u).to_bits(), "{ctx}");
    }
}

/// The virtual system equals the plain one: users mostly with one job at a time (the
/// inline job, the common case), users with many (the map, re-chained behind a new job),
/// ties, zero work, weights whole (running sum) and fractional (tree), with and without
/// grace.
#[test]
fn uwfq_equals_the_plain_virtual_system() {
    let mut seed = 0;
    for (users, cores, gap) in [
        (50, 64, 1.0),
        (200, 64, 0.05),
        (3, 2, 0.5),
        (1, 1, 0.25),
        (8, 4, 0.0),
    ] {
        for kind in 0..3 {
            for grace in [0.0, 3.0, f64::INFINITY] {
                seed += 1;
                run_both(seed, 3000, users, cores, gap, kind, grace);
            }
        }
    }
}
