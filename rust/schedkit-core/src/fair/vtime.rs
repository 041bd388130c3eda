//! Virtual-time systems of CFQ (stage-level GPS) and UWFQ (two-level GPS: users, then each
//! user's jobs), as reconstructed from the UWFQ paper (Kažemaks et al., arXiv:2510.15485) and its authors'
//! code, with per-user weights.

use std::collections::{BTreeMap, BinaryHeap};

use crate::error::{CoreError, CoreResult};

/// Floats as ordered keys (total order; inputs are validated finite).
pub(crate) use crate::util::OrdF64 as K;

/// The integer that orders like `x` under `f64::total_cmp` (as [`K`] does): its bits, those
/// of a negative number flipped below the sign. A heap of these compares two keys in one
/// integer comparison; [`from_ordered_bits`] gives the float back, bit for bit.
#[inline(always)]
pub(crate) fn ordered_bits(x: f64) -> i64 {
    flip(x.to_bits() as i64)
}

/// The float whose [`ordered_bits`] are `k`.
#[inline(always)]
pub(crate) fn from_ordered_bits(k: i64) -> f64 {
    f64::from_bits(flip(k) as u64)
}

/// `total_cmp`'s order-preserving map between a float's bits and an integer; its own inverse.
#[inline(always)]
fn flip(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// CFQ: virtual time v advances at C / (number of stages in the virtual system); a stage's
/// deadline is v(arrival) + R (estimated core-seconds); it leaves when v reaches it.
pub struct Cfq {
    c: f64,
    v: f64,
    tp: f64,
    heap: BinaryHeap<std::cmp::Reverse<K>>,
}

impl Cfq {
    pub fn new(cores: usize) -> Self {
        Cfq {
            c: cores as f64,
            v: 0.0,
            tp: f64::NEG_INFINITY,
            heap: BinaryHeap::new(),
        }
    }

    fn advance_to(&mut self, t: f64) {
        if self.tp == f64::NEG_INFINITY {
            self.tp = t;
        }
        while let Some(&std::cmp::Reverse(K(d))) = self.heap.peek() {
            let rate = self.c / self.heap.len() as f64;
            if d <= self.v + (t - self.tp) * rate {
                self.tp = (self.tp + (d - self.v) / rate).max(self.tp);
                self.v = self.v.max(d);
                self.heap.pop();
            } else {
                self.v += (t - self.tp) * rate;
                break;
            }
        }
        self.tp = t;
    }

    /// Registers an arrival at time `t` with estimated work `r`; returns its deadline.
    pub fn arrive(&mut self, t: f64, r: f64) -> f64 {
        self.advance_to(t);
        let d = self.v + r;
        self.heap.push(std::cmp::Reverse(K(d)));
        d
    }
}

/// Above this, a sum of whole numbers may round: the weight sum is then kept in the tree.
const EXACT_SUMS: f64 = (1u64 << 53) as f64;

/// A sum of per-user values (the active users' weights: each user's is 0 or its weight).
///
/// While every user's weight is a whole number (the default weight 1 included) and all of
/// them add up to at most 2^53, every sum of some of them is exact, so a running sum is the
/// exact total and a change is O(1). Otherwise the values are summed in a binary tree of
/// partial sums: a change is O(log users), and the total is a function of the current
/// values alone, so it cannot drift as users come and go millions of times (a running sum
/// of fractions would), and it never iterates over every active user as a recomputed sum
/// does. Both give the same total where the running sum is used: the exact sum is what the
/// tree's additions of whole numbers give too.
struct WeightSum {
    values: Vec<f64>,
    /// Running total of `values` while `exact`.
    sum: f64,
    /// Every weight so far a whole number and their sum (`all`) at most 2^53.
    exact: bool,
    all: f64,
    /// Without `exact`: node i has children 2i and 2i + 1; the leaves (users) start at `leaves`.
    tree: Vec<f64>,
    leaves: usize,
}

impl Default for WeightSum {
    fn default() -> Self {
        WeightSum {
            values: Vec::new(),
            sum: 0.0,
            exact: true,
            all: 0.0,
            tree: Vec::new(),
            leaves: 0,
        }
    }
}

impl WeightSum {
    /// A new user whose value may be set to 0 or `w` (> 0, finite); it counts 0 now.
    fn add_user(&mut self, w: f64) {
        self.values.push(0.0);
        self.all += w;
        if self.exact && w.fract() == 0.0 && self.all <= EXACT_SUMS {
            return;
        }
        self.exact = false;
        if self.values.len() > self.leaves {
            self.rebuild();
        }
    }

    /// The tree over `values`, with room for twice as many users (at least 8); a node is the
    /// sum of its children, so it is the tree that setting every value in turn would give.
    fn rebuild(&mut self) {
        let leaves = self.values.len().next_power_of_two().max(8);
        let mut tree = vec![0.0; 2 * leaves];
        tree[leaves..leaves + self.values.len()].copy_from_slice(&self.values);
        for i in (1..leaves).rev() {
            tree[i] = tree[2 * i] + tree[2 * i + 1];
        }
        self.tree = tree;
        self.leaves = leaves;
    }

    #[inline(always)]
    fn set(&mut self, u: usize, w: f64) {
        if self.exact {
            self.sum += w - self.values[u];
            self.values[u] = w;
            return;
        }
        self.values[u] = w;
        let mut i = self.leaves + u;
        self.tree[i] = w;
        while i > 1 {
            i /= 2;
            self.tree[i] = self.tree[2 * i] + self.tree[2 * i + 1];
        }
    }

    #[inline]
    fn total(&self) -> f64 {
        if self.exact {
            return self.sum;
        }
        self.tree.get(1).copied().unwrap_or(0.0)
    }
}

struct UserState {
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
    jobs: InnerJobs,
    /// Bumped whenever its chain end is filed among the active users: one filed before is
    /// stale.
    e_stamp: u64,
}

impl UserState {
    /// Finishes, in the user's inner system, the jobs whose virtual finish comes at global
    /// V <= `v` (the current V): the first job (smallest inner tag d) finishes when the
    /// inner clock, running at w / (jobs) per unit of V from `inner` at `v_ref`, reaches d.
    /// Only the user's own state changes, so this is done when the user is next looked at
    /// (a job of its arrives, or it leaves), not as V passes each finish: the same finishes
    /// are done in the same order with the same numbers, as no other user's steps read them.
    fn finish_inner(&mut self, v: f64) {
        while let Some((&(K(d), _), _)) = self.jobs.first() {
            let at = self.v_ref + (d - self.inner).max(0.0) * self.jobs.len() as f64 / self.w;
            if at > v {
                break;
            }
            let Some((_, vj)) = self.jobs.pop_first() else {
                break;
            };
            // The job finishes in its inner system at V = at: the clock reads d there.
            self.inner = self.inner.max(d);
            self.v_ref = self.v_ref.max(at.min(v));
            self.s += vj.r / self.w;
        }
    }

    /// The user leaves the active users at V = `v`, its chain end `e`: its jobs leave the
    /// inner system, the ones finished by then (see [`Self::finish_inner`]) moving the
    /// inner clock, and S becomes E. The inner clock is all that carries over: `v_ref`
    /// (<= V) is brought to V at the user's next arrival, its jobs being none. A lone
    /// job is finished here with `finish_inner`'s own operations.
    fn leave(&mut self, v: f64, e: f64) {
        if let Some(((K(d), _), _)) = self.jobs.one {
            let at = self.v_ref + (d - self.inner).max(0.0) * 1.0 / self.w;
            if at <= v {
                self.inner = self.inner.max(d);
            }
            self.jobs.one = None;
        } else {
            self.finish_inner(v);
            self.jobs.clear();
        }
        self.active = false;
        self.s = e;
    }

    /// Brings the inner clock to global virtual time `v` (>= `v_ref`).
    fn sync(&mut self, v: f64) {
        if !self.jobs.is_empty() {
            self.inner += (v - self.v_ref).max(0.0) * self.w / self.jobs.len() as f64;
        }
        self.v_ref = self.v_ref.max(v);
    }
}

/// A job while it is in its user's inner virtual system.
struct VJob {
    r: f64,
    /// Current global deadline D.
    dl: f64,
    /// The caller's handle, passed back to the deadline callback.
    slot: usize,
}

/// A job's place in its user's inner system: (inner tag d, job key).
type InnerKey = (K, u64);

/// A user's jobs in its inner virtual system, in [`InnerKey`] order. A user usually has
/// one at a time (its job finishes virtually before its next one arrives): that one is kept
/// inline, and the ordered map, with the node it allocates and frees, is used only while
/// the user has more.
#[derive(Default)]
struct InnerJobs {
    /// The user's job when it has only one (`more` is then empty).
    one: Option<(InnerKey, VJob)>,
    more: BTreeMap<InnerKey, VJob>,
}

impl InnerJobs {
    fn len(&self) -> usize {
        usize::from(self.one.is_some()) + self.more.len()
    }

    fn is_empty(&self) -> bool {
        self.one.is_none() && self.more.is_empty()
    }

    fn first(&self) -> Option<(&InnerKey, &VJob)> {
        match &self.one {
            Some((k, vj)) => Some((k, vj)),
            None => self.more.first_key_value(),
        }
    }

    fn pop_first(&mut self) -> Option<(InnerKey, VJob)> {
        self.one.take().or_else(|| self.more.pop_first())
    }

    fn clear(&mut self) {
        self.one = None;
        if !self.more.is_empty() {
            self.more.clear();
        }
    }

    /// Adds a job (its key is new).
    fn insert(&mut self, key: InnerKey, vj: VJob) {
        if self.is_empty() {
            self.one = Some((key, vj));
            return;
        }
        if let Some((k, v)) = self.one.take() {
            self.more.insert(k, v);
        }
        self.more.insert(key, vj);
    }

    /// The deadline of the last job before `key`, if any.
    fn dl_before(&self, key: &InnerKey) -> Option<f64> {
        match &self.one {
            Some((k, vj)) => (k < key).then_some(vj.dl),
            None => self.more.range(..*key).next_back().map(|(_, vj)| vj.dl),
        }
    }

    /// Calls `f` on the jobs from `key` on, in order.
    fn each_from(&mut self, key: &InnerKey, mut f: impl FnMut(&InnerKey, &mut VJob)) {
        match &mut self.one {
            Some((k, vj)) => {
                if *k >= *key {
                    f(k, vj);
                }
            }
            None => {
                for (k, vj) in self.more.range_mut(*key..) {
                    f(k, vj);
                }
            }
        }
    }
}

/// UWFQ virtual system. Units: V in core-seconds per unit weight; R in core-seconds.
/// Jobs are named by a caller-chosen unique key (a job stays in the virtual system until
/// its *virtual* finish, which may be after its real one, so the key must not be reused).
///
/// V advances at C / (sum of the active users' weights); an active user's inner clock at
/// w / (its jobs) per unit of V, so the global V at which its first job (smallest inner
/// tag) virtually finishes follows from the user's own state: its inner finishes are done
/// when the user is next looked at ([`UserState::finish_inner`]), and a step of V touches
/// no user but those leaving. The active users' chain ends wait in a heap: a user's entry
/// is replaced by filing a new one (the old one, stale by its stamp, is dropped when it
/// comes to the top), which is cheaper than moving it in an ordered set.
pub struct Uwfq {
    c: f64,
    v: f64,
    tp: f64,
    grace: f64,
    /// The active users' weights (inactive ones count 0).
    sum_w: WeightSum,
    /// Active users by (chain end E as [`ordered_bits`], user), with the user's `e_stamp`
    /// when filed.
    active: BinaryHeap<std::cmp::Reverse<(i64, usize, u64)>>,
    users: Vec<UserState>,
}

impl Uwfq {
    pub fn new(cores: usize, weights: &[f64], grace: f64) -> Self {
        let mut q = Uwfq {
            c: cores as f64,
            v: 0.0,
            tp: f64::NEG_INFINITY,
            grace,
            sum_w: WeightSum::default(),
            active: BinaryHeap::new(),
            users: Vec::new(),
        };
        for &w in weights {
            q.add_user(w);
        }
        q
    }

    /// Adds a user of weight `w` (> 0); returns its index.
    pub fn add_user(&mut self, w: f64) -> usize {
        self.sum_w.add_user(w);
        self.users.push(UserState {
            w,
            inner: 0.0,
            v_ref: 0.0,
            s: 0.0,
            e: 0.0,
            seen: false,
            active: false,
            jobs: InnerJobs::default(),
            e_stamp: 0,
        });
        self.users.len() - 1
    }

    pub fn virtual_time(&self) -> f64 {
        self.v
    }

    pub fn chain_end(&self, u: usize) -> f64 {
        self.users[u].e
    }

    /// Advances V from tp to t1 at dV/dt = `rate`.
    fn step(&mut self, t1: f64, rate: f64) {
        let dt = (t1 - self.tp).max(0.0);
        self.v += dt * rate;
        self.tp = t1.max(self.tp);
    }

    /// The active user with the smallest (chain end, index), dropping stale entries on the
    /// way; None when no user is active.
    fn first_active(&mut self) -> Option<(f64, usize)> {
        while let Some(&std::cmp::Reverse((e, u, stamp))) = self.active.peek() {
            let us = &self.users[u];
            if us.active && us.e_stamp == stamp {
                return Some((from_ordered_bits(e), u));
            }
            self.active.pop();
        }
        None
    }

    fn advance_to(&mut self, t: f64) {
        if self.tp == f64::NEG_INFINITY {
            self.tp = t;
        }
        // The rate is recomputed only when the weight sum changes (a user leaves): the
        // same division gives the same bits.
        let Some(mut top) = self.first_active() else {
            self.tp = t;
            return;
        };
        let mut rate = self.c / self.sum_w.total();
        loop {
            let (e, m) = top;
            if e > self.v + (t - self.tp) * rate {
                self.step(t, rate);
                break;
            }
            let tf = (self.tp + (e - self.v) / rate).max(self.tp);
            self.step(tf, rate);
            // `step` files nothing among the active users: (e, m) is still the top.
            self.active.pop();
            let v = self.v;
            self.users[m].leave(v, e);
            self.sum_w.set(m, 0.0);
            match self.first_active() {
                Some(next) => {
                    top = next;
                    rate = self.c / self.sum_w.total();
                }
                None => break,
            }
        }
        self.tp = t;
    }

    /// Registers job `key` (unique, never reused) of user `u` arriving at `t` with estimate
    /// `r` (core-seconds); `slot` is the caller's handle. Returns the job's global deadline
    /// D, and calls `set_deadline(key, slot, D)` for every *other* job of `u` whose D
    /// changed (those behind the new one in the user's inner order).
    pub fn arrive(
        &mut self,
        t: f64,
        u: usize,
        key: u64,
        slot: usize,
        r: f64,
        mut set_deadline: impl FnMut(u64, usize, f64),
    ) -> f64 {
        self.advance_to(t);
        let v = self.v;
        let grace = self.grace;
        let us = &mut self.users[u];
        if !us.jobs.is_empty() {
            us.finish_inner(v);
        }
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
        }
        let d = us.inner + r;
        let at = (K(d), key);
        let w = us.w;
        let dl = if us.jobs.is_empty() {
            // The common case: the user's only job, its chain S + r / w (what the re-chain
            // below gives for it, the same operations in the same order).
            let dl = us.s + r / w;
            us.jobs.insert(at, VJob { r, dl, slot });
            us.e = dl;
            dl
        } else {
            us.jobs.insert(at, VJob { r, dl: 0.0, slot });
            // Re-chain: D over the user's jobs in d order, starting at S. Jobs ahead of the
            // new one keep their D (a virtually finished head moves S by exactly its own
            // share), so only the new job and those behind it are recomputed.
            let mut acc = us.jobs.dl_before(&at).unwrap_or(us.s);
            let mut dl = 0.0;
            us.jobs.each_from(&at, |&(_, k), vj| {
                acc += vj.r / w;
                vj.dl = acc;
                if k == key {
                    dl = acc;
                } else {
                    set_deadline(k, vj.slot, acc);
                }
            });
            us.e = acc;
            dl
        };
        // Files the new chain end; the user's entry filed before, if any, is stale now.
        us.e_stamp += 1;
        self.active
            .push(std::cmp::Reverse((ordered_bits(us.e), u, us.e_stamp)));
        dl
    }
}

/// What [`uwfq_trace`] returns, one entry per arrival: V just after it, the arriving user's
/// chain end E, and the job's last global deadline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UwfqTrace {
    pub v: Vec<f64>,
    pub e: Vec<f64>,
    pub deadline: Vec<f64>,
}

/// The UWFQ virtual system fed the arrivals in the given order (job `j` of user `users[j]`
/// at `times[j]` with estimate `work[j]`), for testing against a GPS reference. `grace` is
/// in virtual units (core-seconds per unit weight). Checks its input like the engine does
/// (cores, user indices into `weights`, weights > 0), naming the field and index.
pub fn uwfq_trace(
    cores: i64,
    times: &[f64],
    users: &[i64],
    work: &[f64],
    weights: &[f64],
    grace: f64,
) -> CoreResult<UwfqTrace> {
    let c = super::check_cores(cores)?;
    let n = times.len();
    for (field, len) in [("users", users.len()), ("work", work.len())] {
        if len != n {
            return Err(CoreError::invalid(
                field,
                None,
                format!("length {len} != number of arrivals {n}"),
            ));
        }
    }
    for (i, &w) in weights.iter().enumerate() {
        super::check_weight(w, Some(i), &i.to_string())?;
    }
    let users = users
        .iter()
        .enumerate()
        .map(|(j, &u)| {
            usize::try_from(u)
                .ok()
                .filter(|&u| u < weights.len())
                .ok_or_else(|| {
                    CoreError::invalid(
                        "users",
                        Some(j),
                        format!("user index {u} not in 0..{}", weights.len()),
                    )
                })
        })
        .collect::<CoreResult<Vec<usize>>>()?;
    let mut q = Uwfq::new(c, weights, grace);
    let mut out = UwfqTrace {
        deadline: vec![0.0; n],
        ..UwfqTrace::default()
    };
    for j in 0..n {
        let dl = q.arrive(times[j], users[j], j as u64, j, work[j], |_, k, dl| {
            out.deadline[k] = dl
        });
        out.deadline[j] = dl;
        out.v.push(q.virtual_time());
        out.e.push(q.chain_end(users[j]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
