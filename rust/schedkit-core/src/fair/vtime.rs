//! Virtual-time systems of CFQ (stage-level GPS) and UWFQ (two-level GPS: users, then each
//! user's jobs), as reconstructed from the UWFQ paper (Kažemaks et al., arXiv:2510.15485) and its authors'
//! code, with per-user weights.

use std::collections::{BTreeSet, BinaryHeap};

use crate::error::{CoreError, CoreResult};
use crate::util::FastMap;

/// Floats as ordered keys (total order; inputs are validated finite).
pub(crate) use crate::util::OrdF64 as K;

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

struct UserState {
    w: f64,
    inner: f64,
    s: f64,
    e: f64,
    seen: bool,
    active: bool,
    /// Jobs in the user's inner virtual system, ordered by inner tag d (job keys).
    jobs: BTreeSet<(K, u64)>,
}

/// A job while it is in its user's inner virtual system.
struct VJob {
    r: f64,
    /// Current global deadline D.
    dl: f64,
    /// The caller's handle, passed back to the deadline callback.
    slot: usize,
}

type VJobs = FastMap<u64, VJob>;

/// UWFQ virtual system. Units: V in core-seconds per unit weight; R in core-seconds.
/// Jobs are named by a caller-chosen unique key (a job stays in the virtual system until
/// its *virtual* finish, which may be after its real one, so the key must not be reused).
pub struct Uwfq {
    c: f64,
    v: f64,
    tp: f64,
    grace: f64,
    sum_w: f64,
    /// Active users ordered by chain end E.
    active: BTreeSet<(K, usize)>,
    users: Vec<UserState>,
    jobs: VJobs,
}

impl Uwfq {
    pub fn new(cores: usize, weights: &[f64], grace: f64) -> Self {
        let mut q = Uwfq {
            c: cores as f64,
            v: 0.0,
            tp: f64::NEG_INFINITY,
            grace,
            sum_w: 0.0,
            active: BTreeSet::new(),
            users: Vec::new(),
            jobs: VJobs::default(),
        };
        for &w in weights {
            q.add_user(w);
        }
        q
    }

    /// Adds a user of weight `w` (> 0); returns its index.
    pub fn add_user(&mut self, w: f64) -> usize {
        self.users.push(UserState {
            w,
            inner: 0.0,
            s: 0.0,
            e: 0.0,
            seen: false,
            active: false,
            jobs: BTreeSet::new(),
        });
        self.users.len() - 1
    }

    pub fn virtual_time(&self) -> f64 {
        self.v
    }

    pub fn chain_end(&self, u: usize) -> f64 {
        self.users[u].e
    }

    /// Advances V and every active user's inner clock from tp to t1 at dV/dt = `rate`.
    fn step(&mut self, t1: f64, rate: f64) {
        let dt = (t1 - self.tp).max(0.0);
        self.v += dt * rate;
        for &(_, u) in self.active.iter() {
            let us = &mut self.users[u];
            let user_rate = rate * us.w; // real cores given to this user
            let mut t0 = self.tp;
            while let Some(&(K(d), j)) = us.jobs.iter().next() {
                let share = user_rate / us.jobs.len() as f64;
                if d <= us.inner + (t1 - t0) * share {
                    t0 = (t0 + (d - us.inner) / share).max(t0);
                    us.inner = us.inner.max(d);
                    let r = self.jobs.remove(&j).map_or(0.0, |vj| vj.r);
                    us.s += r / us.w;
                    us.jobs.remove(&(K(d), j));
                } else {
                    break;
                }
            }
            if !us.jobs.is_empty() {
                us.inner += (t1 - t0).max(0.0) * user_rate / us.jobs.len() as f64;
            }
        }
        self.tp = t1.max(self.tp);
    }

    fn advance_to(&mut self, t: f64) {
        if self.tp == f64::NEG_INFINITY {
            self.tp = t;
        }
        while let Some(&(K(e), m)) = self.active.iter().next() {
            let rate = self.c / self.sum_w;
            if e <= self.v + (t - self.tp) * rate {
                let tf = (self.tp + (e - self.v) / rate).max(self.tp);
                self.step(tf, rate);
                self.active.remove(&(K(e), m));
                let us = &mut self.users[m];
                us.active = false;
                for (_, j) in std::mem::take(&mut us.jobs) {
                    self.jobs.remove(&j);
                }
                us.s = e;
                // Recomputed rather than decremented, so rounding never leaves a stale sum.
                self.sum_w = self.active.iter().map(|&(_, v)| self.users[v].w).sum();
            } else {
                break;
            }
        }
        if !self.active.is_empty() {
            let rate = self.c / self.sum_w;
            self.step(t, rate);
        }
        self.tp = t;
    }

    /// Registers job `key` (unique, never reused) of user `u` arriving at `t` with estimate
    /// `r` (core-seconds); `slot` is the caller's handle. Calls `set_deadline(key, slot, D)`
    /// for every job of `u` whose global deadline changed, the new job included.
    pub fn arrive(
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
        if !us.active {
            if !us.seen {
                us.seen = true;
                us.inner = 0.0;
                us.s = v;
            } else if v - us.e > grace {
                us.s = v;
            }
            us.active = true;
            self.sum_w += us.w;
        } else {
            self.active.remove(&(K(us.e), u));
        }
        let d = us.inner + r;
        us.jobs.insert((K(d), key));
        self.jobs.insert(key, VJob { r, dl: 0.0, slot });
        // Re-chain: D over the user's jobs in d order, starting at S. Jobs ahead of the new
        // one keep their D (a virtually finished head moves S by exactly its own share), so
        // only the new job and those behind it are recomputed.
        let mut acc = match us.jobs.range(..(K(d), key)).next_back() {
            Some(&(_, k)) => self.jobs.get(&k).map_or(us.s, |vj| vj.dl),
            None => us.s,
        };
        for &(_, k) in us.jobs.range((K(d), key)..) {
            // Every job of an inner system is in the map (both are updated together).
            if let Some(vj) = self.jobs.get_mut(&k) {
                acc += vj.r / us.w;
                vj.dl = acc;
                set_deadline(k, vj.slot, acc);
            }
        }
        us.e = acc;
        self.active.insert((K(acc), u));
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
        q.arrive(times[j], users[j], j as u64, j, work[j], |_, k, dl| {
            out.deadline[k] = dl
        });
        out.v.push(q.virtual_time());
        out.e.push(q.chain_end(users[j]));
    }
    Ok(out)
}
