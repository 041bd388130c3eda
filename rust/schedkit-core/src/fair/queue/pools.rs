//! Spark FAIR scheduling over pools (FAIR, and UJF as one pool per user): pools ordered
//! by Spark's FairSchedulingAlgorithm (minShare, then running / weight, then name), stages
//! inside a pool FIFO or FAIR. A round's order is fixed when it starts, as Spark sorts
//! once per resource offer.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Unbounded};

use super::{Launch, ReadyQueue};
use crate::error::{CoreError, CoreResult};
use crate::fair::job::Job;

/// A pool's place in Spark's FairSchedulingAlgorithm order: pools below their minShare
/// first (by running / max(minShare, 1)), then the others by running / weight, ties by
/// name, then by index. Kept in a [`PoolOrder`] and moved when a pool's running count or
/// readiness changes, so a dispatch round does not sort every pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PoolKey {
    /// The whole order in one integer: the share in the high half, the pool's name rank
    /// (see [`NameRanks`]), which no other pool has, in the low half. The share is
    /// satisfied (not below minShare) in its top bit and the ratio's bits below it: a
    /// ratio is never negative (running >= 0, weight > 0, minShare >= 0) and never NaN,
    /// and non-negative floats order like their bit patterns. So one integer compare does
    /// what (satisfied, ratio, name, index) would, and a scan for the smallest key has no
    /// branch per field.
    order: u128,
    /// The pool; it never decides a comparison (the ranks differ).
    pool: usize,
}

impl PoolKey {
    fn new(share: u64, rank: u64, pool: usize) -> PoolKey {
        PoolKey {
            order: (u128::from(share) << 64) | u128::from(rank),
            pool,
        }
    }

    /// The share (the high half of `order`).
    #[cfg(test)]
    fn share(&self) -> u64 {
        (self.order >> 64) as u64
    }
}

/// Integer ranks that order like (name, pool index), one per pool, for pools added one at
/// a time: a new pool takes the midpoint between its neighbours' ranks, and all ranks are
/// spread out again in the rare case there is no room left (the caller then re-files its
/// keys). Two pools of one name (made by [`ReadyQueue::add_pool`] twice) rank by index,
/// so no two ranks are equal.
#[derive(Default)]
struct NameRanks {
    ranks: BTreeMap<(String, usize), u64>,
}

impl NameRanks {
    /// The rank of pool `pool` named `name` (added if new) and whether every other rank
    /// changed too.
    fn rank(&mut self, name: &str, pool: usize) -> (u64, bool) {
        let key = (name.to_string(), pool);
        if let Some(&r) = self.ranks.get(&key) {
            return (r, false);
        }
        let below = self
            .ranks
            .range((Unbounded, Excluded(&key)))
            .next_back()
            .map_or(0, |(_, &r)| r);
        let above = self
            .ranks
            .range((Excluded(&key), Unbounded))
            .next()
            .map_or(u64::MAX, |(_, &r)| r);
        if above - below >= 2 {
            let r = below + (above - below) / 2;
            self.ranks.insert(key, r);
            return (r, false);
        }
        self.ranks.insert(key.clone(), 0);
        for (i, r) in self.ranks.values_mut().enumerate() {
            *r = (i as u64 + 1) << 32;
        }
        (self.ranks[&key], true)
    }
}

/// An ordered set for the few ready stages of a pool (and for the pools with ready stages
/// past [`SCAN`]): while there are at most [`FEW`], a sorted vector, where the usual changes
/// are cheap: a new FIFO stage (the latest seq) goes to the end, and a key moved by one
/// task mostly stays between its neighbours, so it is rewritten in place, or passes a few,
/// which shift by one (no node freed and allocated, as an ordered set's remove and insert
/// are).
/// Past [`FEW`], where a shift would cost more, an ordered set; back to the vector below
/// half of it.
enum Sorted<T> {
    Few(Vec<T>),
    Many(BTreeSet<T>),
}

/// The most entries a [`Sorted`] keeps in a vector.
const FEW: usize = 64;

impl<T: Ord + Copy> Sorted<T> {
    fn new() -> Self {
        Sorted::Few(Vec::new())
    }

    fn first(&self) -> Option<&T> {
        match self {
            Sorted::Few(v) => v.first(),
            Sorted::Many(s) => s.first(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Sorted::Few(v) => v.is_empty(),
            Sorted::Many(s) => s.is_empty(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Sorted::Few(v) => v.len(),
            Sorted::Many(s) => s.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        let (few, many) = match self {
            Sorted::Few(v) => (Some(v.iter()), None),
            Sorted::Many(s) => (None, Some(s.iter())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// Where `x`, which is in the vector, is: mostly first (the stage or pool just handed
    /// a core).
    #[inline(always)]
    fn find(v: &[T], x: &T) -> usize {
        if v.first() == Some(x) {
            return 0;
        }
        let i = v.binary_search(x).unwrap_or_else(|i| i);
        debug_assert!(v[i] == *x);
        i
    }

    /// Where `x` would go in the vector: mostly at the end (a new FIFO stage).
    fn place(v: &[T], x: &T) -> usize {
        match v.last() {
            Some(b) if b < x => v.len(),
            _ => v.binary_search(x).unwrap_or_else(|i| i),
        }
    }

    fn insert(&mut self, x: T) {
        match self {
            Sorted::Few(v) => {
                let i = Self::place(v, &x);
                v.insert(i, x);
                if v.len() > FEW {
                    *self = Sorted::Many(v.drain(..).collect());
                }
            }
            Sorted::Many(s) => {
                s.insert(x);
            }
        }
    }

    /// Removes `x`, which is in the set.
    fn remove(&mut self, x: &T) {
        match self {
            Sorted::Few(v) => {
                v.remove(Self::find(v, x));
            }
            Sorted::Many(s) => {
                s.remove(x);
                if s.len() < FEW / 2 {
                    *self = Sorted::Few(std::mem::take(s).into_iter().collect());
                }
            }
        }
    }

    /// Replaces `old`, which is in the set, by `new`: in place when `new` still sorts
    /// between the neighbours (a key moved by one task mostly does), else the entries it
    /// passes shift by one.
    #[inline(always)]
    fn replace(&mut self, old: &T, new: T) {
        if let Sorted::Few(v) = self {
            let i = Self::find(v, old);
            let above_ok = i + 1 >= v.len() || v[i + 1] >= new;
            if (i == 0 || new >= v[i - 1]) && above_ok {
                v[i] = new;
                return;
            }
        }
        self.move_key(old, new);
    }

    /// [`Sorted::replace`] where `new` leaves its place.
    #[inline(never)]
    fn move_key(&mut self, old: &T, new: T) {
        match self {
            Sorted::Few(v) => {
                let i = Self::find(v, old);
                if i > 0 && new < v[i - 1] {
                    // Moves down to j: v[j..i] shift up by one.
                    let j = v[..i].partition_point(|x| *x < new);
                    v.copy_within(j..i, j + 1);
                    v[j] = new;
                } else if i + 1 < v.len() && v[i + 1] < new {
                    // Moves up to j: v[i+1..=j] shift down by one.
                    let j = i + v[i + 1..].partition_point(|x| *x < new);
                    v.copy_within(i + 1..=j, i);
                    v[j] = new;
                } else {
                    v[i] = new;
                }
            }
            Sorted::Many(s) => {
                s.remove(old);
                s.insert(new);
            }
        }
    }

    /// Replaces a key `old` (None: not filed) by `new` (None: drop it).
    fn refile(&mut self, old: Option<T>, new: Option<T>) {
        match (old, new) {
            (Some(o), Some(n)) => self.replace(&o, n),
            (Some(o), None) => self.remove(&o),
            (None, Some(n)) => self.insert(n),
            (None, None) => {}
        }
    }
}

/// The pools with ready stages in [`PoolKey`] order. While there are at most [`SCAN`], a
/// [`ScanSet`]: which pools they are and their keys, unsorted, each key rewritten where it
/// stands when its pool's running count moves, so the usual change, a count moved by one
/// task, files nothing (only a pool joining or leaving does). Past [`SCAN`], where a scan
/// would cost more, a [`Sorted`] of the keys, re-filed as they change (see
/// `PoolQueue::refresh`); back to the scan set below half of it.
enum PoolOrder {
    Scan(ScanSet),
    Sorted(Sorted<PoolKey>),
}

/// The most pools a [`PoolOrder`] keeps unsorted.
const SCAN: usize = 16;

/// The pools of a [`PoolOrder`] in its unsorted form with their keys' orders (side by side,
/// so a scan reads one short array), and the one of smallest key while it is known, with a
/// bound below every other key. The smallest stays known through most changes: a key that
/// shrinks is compared with it, and the smallest one growing stays the smallest while it is
/// below the bound (the share of the pool that runs a task grows, and it keeps the next
/// core while it is still the least served). It is looked for again by a scan only when it
/// grew past the bound or left.
#[derive(Default)]
struct ScanSet {
    pools: Vec<usize>,
    /// `keys[i]`: the order of pool `pools[i]` at its running count.
    keys: Vec<u128>,
    /// Per pool index: its position in `pools` (valid while it is in).
    at: Vec<usize>,
    /// The pool of the smallest key, when known, and its key.
    least: Option<usize>,
    least_key: u128,
    /// While `least` is known: at most every other pool's key (u128::MAX: none known).
    bound: u128,
}

impl ScanSet {
    /// Adds pool `p`, which is not in, with its key's order.
    fn insert(&mut self, p: usize, key: u128) {
        if p >= self.at.len() {
            self.at.resize(p + 1, 0);
        }
        self.at[p] = self.pools.len();
        self.pools.push(p);
        self.keys.push(key);
        self.shrunk(p, key);
    }

    /// Removes pool `p`, which is in: the last pool takes its place. The bound stays one:
    /// the other keys are a subset of those it was below.
    fn remove(&mut self, p: usize) {
        let i = self.at[p];
        debug_assert!(self.pools[i] == p);
        self.pools.swap_remove(i);
        self.keys.swap_remove(i);
        if let Some(&q) = self.pools.get(i) {
            self.at[q] = i;
        }
        if self.least == Some(p) {
            self.least = None;
        }
    }

    /// Pool `p`, which is in, has the key `key` now, not larger than before (or it is new).
    #[inline(always)]
    fn shrunk(&mut self, p: usize, key: u128) {
        self.keys[self.at[p]] = key;
        if let Some(l) = self.least {
            if l == p {
                self.least_key = key;
            } else if key < self.least_key {
                (self.least, self.bound, self.least_key) = (Some(p), self.least_key, key);
            } else if key < self.bound {
                self.bound = key;
            }
        }
    }

    /// Pool `p`, which is in, has the key `key` now, not smaller than before: the smallest
    /// stays known if it is another pool, or `p` still below the bound.
    #[inline(always)]
    fn grew(&mut self, p: usize, key: u128) {
        self.keys[self.at[p]] = key;
        if self.least == Some(p) {
            if key < self.bound {
                self.least_key = key;
            } else {
                self.least = None;
            }
        }
    }

    /// Every key was renumbered (see [`NameRanks`]): they are read again.
    fn rekey(&mut self, pools: &[Pool]) {
        for (k, &p) in self.keys.iter_mut().zip(&self.pools) {
            *k = pools[p].order(p);
        }
        self.least = None;
    }

    /// The pool of the smallest key.
    #[inline]
    fn first(&mut self) -> Option<usize> {
        if self.least.is_none() {
            self.scan();
        }
        self.least
    }

    /// Finds the smallest key and the next one (the bound): the orders are distinct (see
    /// `PoolKey`), so one compare per pool decides.
    #[inline(never)]
    fn scan(&mut self) {
        let (mut at, mut least, mut next) = (0, u128::MAX, u128::MAX);
        for (i, &k) in self.keys.iter().enumerate() {
            if k < least {
                (at, next, least) = (i, least, k);
            } else if k < next {
                next = k;
            }
        }
        self.least = self.pools.get(at).copied();
        (self.least_key, self.bound) = (least, next);
    }
}

impl PoolOrder {
    fn new() -> Self {
        PoolOrder::Scan(ScanSet::default())
    }

    fn len(&self) -> usize {
        match self {
            PoolOrder::Scan(s) => s.pools.len(),
            PoolOrder::Sorted(s) => s.len(),
        }
    }

    /// The pool of the smallest key (after a `flush`, the filed keys of the sorted form
    /// are those of the running counts).
    #[inline]
    fn first(&mut self) -> Option<usize> {
        match self {
            PoolOrder::Scan(s) => s.first(),
            PoolOrder::Sorted(s) => s.first().map(|k| k.pool),
        }
    }

    /// The first `most` keys in order, into `out` (cleared first).
    fn first_into(&self, most: usize, out: &mut Vec<PoolKey>) {
        out.clear();
        match self {
            PoolOrder::Scan(s) => {
                let keys = s.keys.iter().zip(&s.pools);
                out.extend(keys.map(|(&order, &pool)| PoolKey { order, pool }));
                out.sort_unstable();
                out.truncate(most);
            }
            PoolOrder::Sorted(s) => out.extend(s.iter().take(most).copied()),
        }
    }
}

/// One FAIR pool: its settings, its running tasks and its ready stages.
struct Pool {
    running: usize,
    weight: f64,
    min_share: f64,
    fair_inside: bool,
    /// Its place among the pools of equal share (see [`NameRanks`]).
    rank: u64,
    /// In the order (it has ready stages, as of its last `refresh`).
    member: bool,
    /// Its key as filed in the order's sorted form (see [`PoolOrder`]); stale in the
    /// scan set, which computes keys when it reads them.
    filed: PoolKey,
    /// Listed in the queue's `stale`.
    stale: bool,
    /// Ready stages in [`StageKey`] order.
    ready: Sorted<StageKey>,
}

impl Pool {
    /// Its key were it running `running` tasks (it is pool `p`). It never shrinks as
    /// `running` grows: the pool leaves minShare (top bit set) once, and each ratio is a
    /// count divided by a positive constant, which rounding keeps monotone.
    #[inline]
    fn key(&self, p: usize, running: usize) -> PoolKey {
        // As i64 (one instruction; exact like the unsigned conversion below 2^63, which a
        // count of tasks is).
        let (r, m) = (running as i64 as f64, self.min_share);
        let needy = r < m;
        // r / 1.0 is r exactly: Spark's default weight (and every UJF pool's) needs no
        // division.
        let ratio = if needy {
            r / m.max(1.0)
        } else if self.weight == 1.0 {
            r
        } else {
            r / self.weight
        };
        debug_assert!(ratio >= 0.0);
        PoolKey::new((u64::from(!needy) << 63) | ratio.to_bits(), self.rank, p)
    }

    /// Its key's `order` at its running count (it is pool `p`).
    #[inline]
    fn order(&self, p: usize) -> u128 {
        self.key(p, self.running).order
    }

    /// The key of stage `s` of `job` (in `slot`) in this pool with `running` tasks running.
    #[inline]
    fn stage_key(&self, running: usize, job: &Job, s: usize, slot: usize) -> StageKey {
        if self.fair_inside {
            (running, job.tie, job.seq, s, slot)
        } else {
            (0, 0, job.seq, s, slot)
        }
    }
}

/// Spark FAIR: pools in [`PoolKey`] order, and inside a pool its ready stages in
/// [`StageKey`] order.
pub(in crate::fair) struct PoolQueue {
    /// Free cores.
    free: usize,
    /// Pool of each user.
    user_pool: Vec<usize>,
    pools: Vec<Pool>,
    /// Pool names (Spark breaks comparator ties by name), for their ranks.
    ranks: NameRanks,
    /// Pools with ready stages, in comparator order.
    order: PoolOrder,
    /// The pools of the round being planned, in order (kept for its room).
    round_pools: Vec<PoolKey>,
    /// Pools that may have gained their first ready stage or lost their last one, and in
    /// the order's sorted form those whose running count changed, since they were filed
    /// (each flagged `stale`). They are re-filed only when the order is next read (see
    /// `flush`): a task's end and the next start in the same pool then cancel out, and the
    /// pool is not moved twice.
    stale: Vec<usize>,
    /// The current dispatch round, fixed when it starts (as Spark sorts once per offer
    /// round): (pool, slot, stage, tasks), and how many of them were handed out.
    plan: Vec<(usize, usize, usize, usize)>,
    at: usize,
    /// A finished task whose core goes straight back to its own stage: (its pool, the
    /// stage's key as filed). A task ended on a full cluster, its pool, with one task fewer
    /// running, is the least served and its stage the first there: the next pick (one free
    /// core) is that stage, whose pool's running count and stage's key go down and up again,
    /// so neither is moved (nor a key compared or filed). Any call but the pick it foresaw
    /// settles it first.
    deferred: Option<(usize, StageKey)>,
}

/// A ready stage's place in its pool: (running tasks, job tie rank, job seq, stage, slot) if
/// the pool is FAIR inside, else (0, 0, job seq, stage, slot). The tie rank stands for
/// Spark's tie by task-set name between stages with as many tasks running (the workload's
/// `job_tie`; all 0 without one, which leaves submission order).
type StageKey = (usize, u64, u64, usize, usize);

impl PoolQueue {
    pub fn new(cores: usize) -> Self {
        PoolQueue {
            free: cores,
            user_pool: Vec::new(),
            pools: Vec::new(),
            ranks: NameRanks::default(),
            order: PoolOrder::new(),
            round_pools: Vec::new(),
            stale: Vec::new(),
            plan: Vec::new(),
            at: 0,
            deferred: None,
        }
    }

    /// Applies a deferred task finish (see `deferred`), if any.
    #[inline]
    fn settle(&mut self) {
        if self.deferred.is_some() {
            self.settle_deferred();
        }
    }

    /// Applies the deferred task finish: the pool runs one task fewer (and the stage is
    /// re-filed by its running count, if not yet).
    #[inline(never)]
    fn settle_deferred(&mut self) {
        let Some((p, key)) = self.deferred.take() else {
            return;
        };
        let pool = &mut self.pools[p];
        if pool.fair_inside {
            pool.ready.replace(&key, (key.0 - 1, key.1, key.2, key.3, key.4));
        }
        self.ran_down(p);
    }

    /// The job's pool: its own (a trace's `pool` column), else its user's.
    #[inline]
    fn pool_of(&self, job: &Job) -> usize {
        job.pool.unwrap_or(self.user_pool[job.user])
    }

    /// Pool `p` runs `k` tasks more. Its key grows: rewritten in the scan set (if it is
    /// in), re-filed at the next `flush` in the sorted form.
    #[inline(always)]
    fn ran_up(&mut self, p: usize, k: usize) {
        let pool = &mut self.pools[p];
        pool.running += k;
        match &mut self.order {
            PoolOrder::Scan(s) => {
                if pool.member {
                    s.grew(p, pool.order(p));
                }
            }
            PoolOrder::Sorted(_) => self.touch(p),
        }
    }

    /// Pool `p` runs one task fewer. Its key shrinks: rewritten in the scan set (if it is
    /// in), re-filed at the next `flush` in the sorted form.
    #[inline(always)]
    fn ran_down(&mut self, p: usize) {
        let pool = &mut self.pools[p];
        pool.running -= 1;
        match &mut self.order {
            PoolOrder::Scan(s) => {
                if pool.member {
                    s.shrunk(p, pool.order(p));
                }
            }
            PoolOrder::Sorted(_) => self.touch(p),
        }
    }

    /// Notes that pool `p` may have gained its first ready stage or lost its last one;
    /// filed or dropped at the next `flush`.
    #[inline(always)]
    fn ready_changed(&mut self, p: usize) {
        let pool = &self.pools[p];
        if pool.member == pool.ready.is_empty() {
            self.touch(p);
        }
    }

    /// Files or drops pool `p` as it has ready stages or not; in the sorted form also
    /// re-files its key by its running count (it stays put when its key compares equal).
    #[inline(always)]
    fn refresh(&mut self, p: usize) {
        let pools = &mut self.pools;
        let pool = &mut pools[p];
        let ready = !pool.ready.is_empty();
        match &mut self.order {
            PoolOrder::Scan(s) => {
                if ready == pool.member {
                    return;
                }
                pool.member = ready;
                if ready {
                    s.insert(p, pool.order(p));
                } else {
                    s.remove(p);
                }
            }
            PoolOrder::Sorted(s) => {
                let key = ready.then(|| pool.key(p, pool.running));
                let old = pool.member.then_some(pool.filed);
                if key == old {
                    return;
                }
                pool.member = ready;
                if let Some(k) = key {
                    pool.filed = k;
                }
                s.refile(old, key);
            }
        }
        self.reform();
    }

    /// Changes the order's form when its size passed [`SCAN`] (up) or half of it (down).
    #[inline(never)]
    fn reform(&mut self) {
        let (order, pools) = (&mut self.order, &mut self.pools);
        let n = order.len();
        *order = match order {
            PoolOrder::Scan(s) if n > SCAN => {
                let mut sorted = Sorted::new();
                for &p in &s.pools {
                    let pool = &mut pools[p];
                    pool.filed = pool.key(p, pool.running);
                    sorted.insert(pool.filed);
                }
                PoolOrder::Sorted(sorted)
            }
            PoolOrder::Sorted(s) if n < SCAN / 2 => {
                let mut scan = ScanSet::default();
                for k in s.iter() {
                    scan.insert(k.pool, pools[k.pool].order(k.pool));
                }
                PoolOrder::Scan(scan)
            }
            _ => return,
        };
    }

    /// Notes that pool `p`'s key or membership may have changed; re-filed at the next
    /// `flush`.
    #[inline]
    fn touch(&mut self, p: usize) {
        let pool = &mut self.pools[p];
        if !pool.stale {
            pool.stale = true;
            self.stale.push(p);
        }
    }

    /// Re-files the pools touched since the order was last read; called before each read.
    /// Mostly there are none (in the scan set, only a pool gaining its first ready stage
    /// or losing its last one is touched).
    #[inline(always)]
    fn flush(&mut self) {
        if !self.stale.is_empty() {
            self.flush_stale();
        }
    }

    /// [`PoolQueue::flush`] of touched pools.
    #[inline(never)]
    fn flush_stale(&mut self) {
        while let Some(p) = self.stale.pop() {
            self.pools[p].stale = false;
            self.refresh(p);
        }
    }

    /// Starts `k` tasks of stage `s` of the job in `slot`, in pool `p`: they run from now,
    /// so the stage is re-filed by its new running count (or dropped when it has no task
    /// left), then its pool.
    #[inline]
    fn hand_out(&mut self, jobs: &[Job], p: usize, slot: usize, s: usize, k: usize) -> Launch {
        let (job, st) = (&jobs[slot], &jobs[slot].stages[s]);
        let left = st.next + k < st.n;
        let pool = &mut self.pools[p];
        if pool.fair_inside || !left {
            let old = pool.stage_key(st.running, job, s, slot);
            if left {
                let new = pool.stage_key(st.running + k, job, s, slot);
                pool.ready.replace(&old, new);
            } else {
                pool.ready.remove(&old);
            }
        }
        self.ran_up(p, k);
        if !left {
            self.ready_changed(p);
        }
        Launch {
            slot,
            stage: s,
            k,
            node: 0,
        }
    }

    /// Whether pool `p`, which has ready stages, is the one-free-core pick's (see `pick`)
    /// once one of its tasks has ended: first with one task fewer running (a key that only
    /// gets smaller).
    fn picked_next(&mut self, p: usize) -> bool {
        self.flush();
        let pool = &self.pools[p];
        let new_pool = pool.key(p, pool.running - 1).order;
        match &mut self.order {
            PoolOrder::Scan(s) => s.first().is_some_and(|l| l == p || new_pool < s.least_key),
            PoolOrder::Sorted(s) => s.first().is_some_and(|k| k.pool == p || new_pool < k.order),
        }
    }

    /// Hands out the free cores for one round: pools in their order at the start of the
    /// round, inside a pool its stages in order, each stage up to its pending tasks.
    fn plan_round(&mut self, jobs: &[Job]) {
        // Each pool in the round gets a core at least (its ready stages have tasks left).
        let mut pools = std::mem::take(&mut self.round_pools);
        self.order.first_into(self.free, &mut pools);
        'pools: for pk in &pools {
            for &(_, _, _, s, slot) in self.pools[pk.pool].ready.iter() {
                if self.free == 0 {
                    break 'pools;
                }
                let st = &jobs[slot].stages[s];
                let k = (st.n - st.next).min(self.free);
                self.free -= k;
                self.plan.push((pk.pool, slot, s, k));
            }
        }
        self.round_pools = pools;
    }
    /// [`ReadyQueue::pick`] past its usual answer: a deferred finish, a one-task round, a
    /// round to plan or to go on with.
    #[inline(never)]
    fn pick_more(&mut self, jobs: &[Job]) -> Option<Launch> {
        if let Some((_, key)) = self.deferred {
            if self.free == 1 && self.plan.is_empty() {
                // The freed core goes back to the stage whose task ended; every key stands.
                self.deferred = None;
                self.free = 0;
                return Some(Launch {
                    slot: key.4,
                    stage: key.3,
                    k: 1,
                    node: 0,
                });
            }
            self.settle();
        }
        if self.at == self.plan.len() {
            if self.at > 0 {
                self.plan.clear();
                self.at = 0;
                return None;
            }
            match self.free {
                0 => return None,
                // One free core (a task just finished): the round is one task of the first
                // stage of the first pool, with no plan to keep. free becomes 0, which ends it.
                1 => {
                    self.flush();
                    let p = self.order.first()?;
                    let &(_, _, _, s, slot) = self.pools[p].ready.first()?;
                    self.free = 0;
                    return Some(self.hand_out(jobs, p, slot, s, 1));
                }
                _ => {}
            }
            self.flush();
            self.plan_round(jobs);
            if self.plan.is_empty() {
                return None;
            }
        }
        let (p, slot, s, k) = self.plan[self.at];
        self.at += 1;
        Some(self.hand_out(jobs, p, slot, s, k))
    }
}

impl ReadyQueue for PoolQueue {
    fn add_user(&mut self, u: usize, _weight: f64, pool: usize) -> CoreResult<()> {
        self.settle();
        if pool >= self.pools.len() {
            return Err(CoreError::invalid(
                "pools",
                Some(u),
                format!("pool index {pool} out of range"),
            ));
        }
        self.user_pool.push(pool);
        Ok(())
    }

    fn add_pool(&mut self, name: &str, weight: f64, min_share: f64, fair_inside: bool) -> usize {
        self.settle();
        let p = self.pools.len();
        let (rank, all_changed) = self.ranks.rank(name, p);
        self.pools.push(Pool {
            running: 0,
            weight,
            min_share,
            fair_inside,
            rank,
            member: false,
            filed: PoolKey::new(0, rank, p),
            stale: false,
            ready: Sorted::new(),
        });
        if all_changed {
            for (&(_, q), &r) in &self.ranks.ranks {
                self.pools[q].rank = r;
            }
            // Every key changed (the ranks keep their order): the scan set's keys are read
            // again, the sorted form's filed keys are re-filed.
            if let PoolOrder::Scan(s) = &mut self.order {
                s.rekey(&self.pools);
            }
            for q in 0..self.pools.len() {
                self.refresh(q);
            }
        }
        p
    }

    fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
        self.settle();
        let p = self.pool_of(job);
        let pool = &mut self.pools[p];
        let key = pool.stage_key(job.stages[s].running, job, s, slot);
        pool.ready.insert(key);
        self.ready_changed(p);
    }

    /// The round is planned at its first call, so the re-filing of each pick does not
    /// reorder the rest of the round. The call that ends a one-task round (no core left,
    /// nothing planned, nothing deferred) is the usual one, answered here; the others are
    /// [`PoolQueue::pick_more`]'s.
    #[inline]
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        if self.free == 0 && self.plan.is_empty() && self.deferred.is_none() {
            return None;
        }
        self.pick_more(jobs)
    }

    fn on_task_finish(&mut self, job: &Job, slot: usize, s: usize, _node: usize) {
        self.settle();
        self.free += 1;
        let p = self.pool_of(job);
        let st = &job.stages[s];
        let filed = self.pools[p].stage_key(st.running + 1, job, s, slot);
        let now = self.pools[p].stage_key(st.running, job, s, slot);
        let rekey = st.next < st.n && self.pools[p].fair_inside;
        // One core free, two tasks or more left and the stage first in its pool with one
        // task fewer running: the pick that takes the core leaves the stage ready, so its
        // keys end where they are filed now, if its pool is the least served.
        if self.free == 1 && st.n - st.next >= 2 {
            let new = if rekey { now } else { filed };
            let first = self.pools[p].ready.first();
            if first.is_some_and(|&k| k == filed || new < k) && self.picked_next(p) {
                self.deferred = Some((p, filed));
                return;
            }
        }
        if rekey {
            self.pools[p].ready.replace(&filed, now);
        }
        self.ran_down(p);
    }
}

#[cfg(test)]
mod tests {
    use super::{NameRanks, PoolKey, PoolOrder, PoolQueue, ReadyQueue, ScanSet, Sorted, StageKey, FEW};
    use crate::fair::job::{Job, StageRt, Stages};
    use crate::util::SplitMix64;
    use std::collections::BTreeSet;

    /// A [`Sorted`] iterates like an ordered set under random inserts, removes and
    /// replaces, through both of its forms: sizes swing from empty to 3 x FEW and back,
    /// and keys move by one (as a running count does) or anywhere.
    #[test]
    fn sorted_matches_ordered_set() {
        let mut rng = SplitMix64::new(7);
        let mut s: Sorted<(u64, u64)> = Sorted::new();
        let mut want = BTreeSet::new();
        let mut seq = 0;
        for round in 0..40 {
            let grow = round % 2 == 0;
            for _ in 0..400 {
                let pick = |rng: &mut SplitMix64, set: &BTreeSet<(u64, u64)>| {
                    let i = rng.next_u64() as usize % set.len();
                    *set.iter().nth(i).unwrap()
                };
                match rng.next_u64() % 4 {
                    0 | 1 if grow || want.is_empty() => {
                        seq += 1;
                        // Mostly the latest seq (a new FIFO stage), sometimes an old one.
                        let x = (rng.next_u64() % 4, if seq % 5 == 0 { seq / 2 } else { seq });
                        if want.insert(x) {
                            s.insert(x);
                        }
                    }
                    0 | 1 => {
                        let x = pick(&mut rng, &want);
                        want.remove(&x);
                        s.remove(&x);
                    }
                    _ if !want.is_empty() => {
                        let x = pick(&mut rng, &want);
                        let y = match rng.next_u64() % 3 {
                            0 => (x.0 + 1, x.1),
                            1 => (x.0.saturating_sub(1), x.1),
                            _ => (rng.next_u64() % 6, x.1),
                        };
                        if y == x || !want.contains(&y) {
                            want.remove(&x);
                            want.insert(y);
                            s.replace(&x, y);
                        }
                    }
                    _ => {}
                }
                assert_eq!(
                    s.iter().copied().collect::<Vec<_>>(),
                    want.iter().copied().collect::<Vec<_>>()
                );
                assert_eq!(s.first(), want.first());
                assert_eq!(s.is_empty(), want.is_empty());
                if want.len() >= 3 * FEW {
                    break;
                }
            }
        }
    }

    /// The scan set's smallest key, while known, is the smallest of its keys, and its bound
    /// is at most every other key, under random joins, leaves and keys moved up or down by
    /// one step or many (many equal steps, as pools of one share level run tasks in turn);
    /// `first` then names the pool of the smallest key. A smallest that grows is kept only
    /// while it is below the bound: kept past it, the next read names the wrong pool.
    #[test]
    fn scan_set_least_stays_below_the_bound() {
        let mut rng = SplitMix64::new(5);
        let mut s = ScanSet::default();
        // Per pool: its key (None: not in). A key's low bits name the pool, as ranks do.
        let mut keys: Vec<Option<u128>> = vec![None; 24];
        let (mut kept, mut checks) = (0, 0);
        for _ in 0..20_000 {
            let p = rng.next_u64() as usize % keys.len();
            let step = if rng.next_u64() % 4 == 0 {
                rng.next_u64() % 5
            } else {
                1
            };
            match keys[p] {
                None if s.pools.len() < 16 => {
                    let k = (u128::from(rng.next_u64() % 64) << 64) | p as u128;
                    keys[p] = Some(k);
                    s.insert(p, k);
                }
                None => {}
                Some(_) if rng.next_u64() % 8 == 0 => {
                    keys[p] = None;
                    s.remove(p);
                }
                Some(k) if rng.next_u64() % 2 == 0 => {
                    let new = k + (u128::from(step) << 64);
                    keys[p] = Some(new);
                    let was = s.least;
                    s.grew(p, new);
                    kept += usize::from(was == Some(p) && s.least == Some(p));
                }
                Some(k) => {
                    let new = k - (u128::from(step.min((k >> 64) as u64)) << 64);
                    keys[p] = Some(new);
                    s.shrunk(p, new);
                }
            }
            let live: Vec<(u128, usize)> = (0..keys.len()).filter_map(|q| keys[q].map(|k| (k, q))).collect();
            if let Some(l) = s.least {
                let &(least, lp) = live.iter().min().unwrap();
                assert_eq!((l, s.least_key), (lp, least));
                assert!(live.iter().all(|&(k, q)| q == l || s.bound <= k));
            }
            if rng.next_u64() % 3 == 0 {
                assert_eq!(s.first(), live.iter().min().map(|&(_, q)| q));
                checks += 1;
            }
        }
        assert!(kept > 100 && checks > 5000, "{kept} {checks}");
    }

    /// A stage of `n` tasks waiting for `waiting` parents (its child, if any, is stage 1).
    fn stage(n: usize, waiting: usize) -> StageRt {
        StageRt {
            lo: 0,
            hi: 0,
            work: 0.0,
            n,
            next: 0,
            running: 0,
            unfinished: n,
            waiting,
            split: None,
            cpu: 1.0,
            mem: 0.0,
            key: 0.0,
            queued: false,
            child_lo: 0,
            child_hi: 0,
        }
    }

    /// Tie ranks, by hand: one pool, three single-task jobs (seq 0, 1, 2) ranked 2, 0, 1 and
    /// one core at a time. FAIR inside, the stages tie on running tasks (0) and go by rank:
    /// jobs 1, 2, 0; FIFO inside, the ranks are ignored: 0, 1, 2. Equal ranks leave seq.
    #[test]
    fn tie_ranks_order_a_fair_pool_only() {
        for (fair_inside, ties, want) in [
            (true, [2, 0, 1], [1, 2, 0]),
            (false, [2, 0, 1], [0, 1, 2]),
            (true, [3, 3, 3], [0, 1, 2]),
        ] {
            let mut q = PoolQueue::new(1);
            q.add_pool("p", 1.0, 0.0, fair_inside);
            q.add_user(0, 1.0, 0).unwrap();
            let mut jobs: Vec<Job> = Vec::new();
            for (slot, tie) in ties.into_iter().enumerate() {
                jobs.push(Job {
                    seq: slot as u64,
                    tie,
                    stages: Stages::Many(vec![stage(1, 0)]),
                    live: true,
                    ..Job::default()
                });
                q.on_arrive(0.0, &mut jobs, slot);
                q.on_ready(0.0, &mut jobs[slot], slot, 0);
            }
            let mut got = Vec::new();
            while let Some(l) = q.pick(&jobs) {
                got.push(l.slot);
                let task = |job: &mut Job, start: bool| {
                    let Stages::Many(st) = &mut job.stages else {
                        unreachable!()
                    };
                    if start {
                        (st[0].next, st[0].running) = (st[0].next + 1, st[0].running + 1);
                    } else {
                        (st[0].running, st[0].unfinished) = (st[0].running - 1, st[0].unfinished - 1);
                    }
                };
                task(&mut jobs[l.slot], true);
                assert!(q.pick(&jobs).is_none(), "one core");
                task(&mut jobs[l.slot], false);
                q.on_task_finish(&jobs[l.slot], l.slot, 0, 0);
            }
            assert_eq!(got, want, "fair inside {fair_inside}, ranks {ties:?}");
        }
    }

    /// Every dispatch round hands out what Spark's order computed from scratch gives: the
    /// pools with ready stages sorted by their keys at the round's start (from the running
    /// counts summed over their jobs), inside each its stages by (running tasks and tie rank
    /// if FAIR inside, seq, stage), each stage up to its pending tasks until the cores run out;
    /// under random arrivals and task ends on a mostly full cluster (so most ends defer the
    /// freed core to their own stage), two-stage jobs whose second stage becomes
    /// ready between a task's end and the round, arrivals there too (which settle the
    /// deferral), pools of
    /// every setting FAIR or FIFO inside, few (the scan set) and many (the sorted form).
    #[test]
    fn rounds_hand_out_the_plain_order() {
        for (n_pools, cores, seed) in [(5, 4, 1), (6, 9, 2), (30, 48, 3), (5, 4, 4), (30, 48, 6)] {
            let mut rng = SplitMix64::new(seed);
            let mut q = PoolQueue::new(cores);
            for p in 0..n_pools {
                let (w, m) = SETTINGS[p % SETTINGS.len()];
                q.add_pool(&format!("p{:02}", (p * 7) % n_pools), w, m, p % 3 != 1);
                q.add_user(p, 1.0, p).unwrap();
            }
            let mut jobs: Vec<Job> = Vec::new();
            let mut running: Vec<(usize, usize)> = Vec::new();
            let (mut stage_defers, mut rounds) = (0, 0);
            for _ in 0..6000 {
                // An end, an arrival, or (not the engine's way, but any call settles a
                // deferral) an end and an arrival before one round.
                let roll = rng.next_u64() % 20;
                let end = !running.is_empty() && roll >= 3;
                if end {
                    let (slot, s) = running.swap_remove(rng.next_u64() as usize % running.len());
                    let Stages::Many(st) = &mut jobs[slot].stages else {
                        unreachable!()
                    };
                    st[s].running -= 1;
                    st[s].unfinished -= 1;
                    let child = st[s].unfinished == 0 && st[s].child_hi > 0;
                    q.on_task_finish(&jobs[slot], slot, s, 0);
                    stage_defers += usize::from(q.deferred.is_some());
                    if child {
                        let Stages::Many(st) = &mut jobs[slot].stages else {
                            unreachable!()
                        };
                        st[1].waiting = 0;
                        q.on_ready(0.0, &mut jobs[slot], slot, 1);
                    }
                }
                if !end || roll == 19 {
                    let slot = jobs.len();
                    let user = (rng.next_u64() % n_pools as u64) as usize;
                    let mut stages = vec![stage(1 + rng.next_u64() as usize % 6, 0)];
                    if rng.next_u64() % 3 == 0 {
                        stages.push(stage(1 + rng.next_u64() as usize % 4, 1));
                        stages[0].child_hi = 1;
                    }
                    jobs.push(Job {
                        seq: slot as u64,
                        // tie ranks against submission order, some equal (half the runs
                        // without, as a workload without `job_tie`)
                        tie: if seed % 2 == 0 { rng.next_u64() % 5 } else { 0 },
                        user,
                        stages: Stages::Many(stages),
                        children: vec![1],
                        live: true,
                        ..Job::default()
                    });
                    q.on_arrive(0.0, &mut jobs, slot);
                    q.on_ready(0.0, &mut jobs[slot], slot, 0);
                }
                // The plain order, from the jobs alone.
                let mut free = cores - running.len();
                let mut load = vec![0; n_pools];
                let mut ready: Vec<Vec<StageKey>> = vec![Vec::new(); n_pools];
                for (slot, job) in jobs.iter().enumerate() {
                    for (s, st) in job.stages.iter().enumerate() {
                        load[job.user] += st.running;
                        if st.waiting == 0 && st.next < st.n {
                            let (r, tie) = if q.pools[job.user].fair_inside {
                                (st.running, job.tie)
                            } else {
                                (0, 0)
                            };
                            ready[job.user].push((r, tie, job.seq, s, slot));
                        }
                    }
                }
                let mut order: Vec<PoolKey> = (0..n_pools)
                    .filter(|&p| !ready[p].is_empty())
                    .map(|p| q.pools[p].key(p, load[p]))
                    .collect();
                order.sort();
                let mut want = Vec::new();
                for pk in &order {
                    ready[pk.pool].sort();
                    for &(_, _, _, s, slot) in &ready[pk.pool] {
                        let st = &jobs[slot].stages[s];
                        let k = (st.n - st.next).min(free);
                        if k > 0 {
                            want.push((slot, s, k));
                            free -= k;
                        }
                    }
                }
                let mut got = Vec::new();
                while let Some(l) = q.pick(&jobs) {
                    got.push((l.slot, l.stage, l.k));
                    let Stages::Many(st) = &mut jobs[l.slot].stages else {
                        unreachable!()
                    };
                    st[l.stage].next += l.k;
                    st[l.stage].running += l.k;
                    running.extend(std::iter::repeat_n((l.slot, l.stage), l.k));
                }
                assert_eq!(got, want, "round {rounds}");
                rounds += 1;
            }
            assert!(stage_defers > 100, "{stage_defers}");
        }
    }

    /// The weights and minShares of the pools in the tests: Spark's defaults (1, 0), and
    /// pools below their minShare, with weights that need a division.
    const SETTINGS: [(f64, f64); 6] = [
        (1.0, 0.0),
        (1.0, 2.0),
        (0.5, 0.0),
        (3.0, 5.0),
        (1e-3, 1.0),
        (7.3, 8.5),
    ];

    /// A pool's key never shrinks as its running count grows, which the scan set's
    /// smallest key relies on (see `ScanSet`): across minShare and for each weight.
    #[test]
    fn pool_key_grows_with_running() {
        let mut q = PoolQueue::new(1);
        for (i, &(w, m)) in SETTINGS.iter().enumerate() {
            q.add_pool(&format!("p{i}"), w, m, false);
            let pool = &q.pools[i];
            for r in 0..300 {
                assert!(pool.key(i, r) < pool.key(i, r + 1), "{w} {m} {r}");
            }
            // Below minShare first: the top bit is clear exactly while running < minShare.
            assert_eq!(pool.key(i, 0).share() >> 63, u64::from(m <= 0.0));
        }
    }

    /// The pool order gives the smallest key and the first keys in order like an ordered
    /// set of the keys computed from every pool's running count now, through both of its
    /// forms: pools gain and lose ready stages and run tasks more or fewer, several
    /// changes between two reads, their number swinging from none to past 3 x SCAN and
    /// back; pools of equal share (and two of one name) fall to the name ranks, and pools
    /// added later, named in order, make the ranks be renumbered while pools are filed.
    #[test]
    fn pool_order_matches_eager_keys() {
        let mut rng = SplitMix64::new(11);
        let mut q = PoolQueue::new(1);
        let add = |q: &mut PoolQueue, rng: &mut SplitMix64| {
            let p = q.pools.len();
            let (w, m) = SETTINGS[rng.next_u64() as usize % SETTINGS.len()];
            let name = if p % 9 == 4 {
                "m".to_string()
            } else {
                format!("p{p:03}")
            };
            q.add_pool(&name, w, m, false);
        };
        for _ in 0..8 {
            add(&mut q, &mut rng);
        }
        let first_rank = q.pools[0].rank;
        let mut seq = 0;
        let (mut sorted_seen, mut scan_again, mut checks) = (false, false, 0);
        for round in 0..40 {
            let grow = round % 2 == 0;
            if round < 30 {
                for _ in 0..3 {
                    add(&mut q, &mut rng);
                }
            }
            for _ in 0..400 {
                let p = rng.next_u64() as usize % q.pools.len();
                let has = !q.pools[p].ready.is_empty();
                match rng.next_u64() % 8 {
                    // Growing: pools gain stages; shrinking: most lose them.
                    0 | 1 if grow || !has => {
                        seq += 1;
                        q.pools[p].ready.insert((0, 0, seq, 0, 0));
                        q.ready_changed(p);
                    }
                    0..=3 if has && (!grow || rng.next_u64() % 3 == 0) => {
                        let &k = q.pools[p].ready.first().unwrap();
                        q.pools[p].ready.remove(&k);
                        q.ready_changed(p);
                    }
                    4 | 5 if q.pools[p].running > 0 => q.ran_down(p),
                    _ => q.ran_up(p, 1 + rng.next_u64() as usize % 2),
                }
                if rng.next_u64() % 3 != 0 {
                    continue;
                }
                q.flush();
                let want: BTreeSet<PoolKey> = (0..q.pools.len())
                    .filter(|&p| !q.pools[p].ready.is_empty())
                    .map(|p| q.pools[p].key(p, q.pools[p].running))
                    .collect();
                let is_sorted = matches!(q.order, PoolOrder::Sorted(_));
                scan_again |= sorted_seen && !is_sorted;
                sorted_seen |= is_sorted;
                assert_eq!(q.order.first(), want.first().map(|k| k.pool));
                assert_eq!(q.order.len(), want.len());
                let most = rng.next_u64() as usize % (want.len() + 2);
                let mut got = Vec::new();
                q.order.first_into(most, &mut got);
                assert_eq!(got, want.iter().take(most).copied().collect::<Vec<_>>());
                checks += 1;
            }
        }
        assert!(sorted_seen && scan_again && checks > 1000);
        assert_ne!(q.pools[0].rank, first_rank, "the ranks were never renumbered");
    }

    /// Ranks order like (name, pool index) whatever the insertion order, also after the
    /// renumbering that appending 100 names in sorted order forces, and no two are equal
    /// (two pools named "m": the earlier one first).
    #[test]
    fn name_ranks_order_like_names() {
        let mut nr = NameRanks::default();
        let mut renumbered = false;
        let mut names: Vec<String> = (0..100).map(|i| format!("user_{i:03}")).collect();
        names.extend(["m", "a", "zz", "user_050x", "m"].map(String::from));
        for (p, n) in names.iter().enumerate() {
            renumbered |= nr.rank(n, p).1;
        }
        assert!(renumbered);
        let m = ("m".to_string(), 100);
        assert_eq!(nr.rank("m", 100), (nr.ranks[&m], false));
        let mut by_rank: Vec<(&(String, usize), &u64)> = nr.ranks.iter().collect();
        by_rank.sort_by_key(|&(_, r)| *r);
        let mut sorted: Vec<(String, usize)> = names.iter().cloned().zip(0..).collect();
        sorted.sort();
        assert_eq!(
            by_rank.iter().map(|(n, _)| (*n).clone()).collect::<Vec<_>>(),
            sorted
        );
        let ranks: BTreeSet<u64> = nr.ranks.values().copied().collect();
        assert_eq!(ranks.len(), names.len());
    }
}
