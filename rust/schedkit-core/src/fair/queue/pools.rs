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
/// [`ScanSet`]: which pools they are, with no key stored; a key is computed from its
/// pool's running count when the smallest is looked for, so the usual change, a running
/// count moved by one task, files nothing (only a pool joining or leaving does). Past
/// [`SCAN`], where a scan would cost more, a [`Sorted`] of the keys, re-filed as they
/// change (see `PoolQueue::refresh`); back to the scan set below half of it.
enum PoolOrder {
    Scan(ScanSet),
    Sorted(Sorted<PoolKey>),
}

/// The most pools a [`PoolOrder`] keeps unsorted.
const SCAN: usize = 16;

/// The pools of a [`PoolOrder`] in its unsorted form, and the one of smallest key while it
/// is known. A pool's key never shrinks as its running count grows (see [`Pool::key`]), so
/// the smallest stays known through most changes (see `PoolQueue::ran_up` and
/// `PoolQueue::ran_down`): it is looked for again by a scan only after it ran more or left.
#[derive(Default)]
struct ScanSet {
    pools: Vec<usize>,
    /// Per pool index: its position in `pools` (valid while it is in).
    at: Vec<usize>,
    /// The pool of the smallest key, when known.
    least: Option<usize>,
}

impl ScanSet {
    /// Adds pool `p`, which is not in.
    fn insert(&mut self, p: usize, pools: &[Pool]) {
        if p >= self.at.len() {
            self.at.resize(p + 1, 0);
        }
        self.at[p] = self.pools.len();
        self.pools.push(p);
        if let Some(l) = self.least {
            if pools[p].order(p) < pools[l].order(l) {
                self.least = Some(p);
            }
        }
    }

    /// Removes pool `p`, which is in: the last pool takes its place.
    fn remove(&mut self, p: usize) {
        let i = self.at[p];
        debug_assert!(self.pools[i] == p);
        self.pools.swap_remove(i);
        if let Some(&q) = self.pools.get(i) {
            self.at[q] = i;
        }
        if self.least == Some(p) {
            self.least = None;
        }
    }

    /// The pool of the smallest key.
    #[inline]
    fn first(&mut self, pools: &[Pool]) -> Option<usize> {
        if self.least.is_none() {
            self.least = Self::scan(&self.pools, pools);
        }
        self.least
    }

    /// The pool of the smallest key among `members`: one key computed and one integer
    /// compare per pool (the orders are distinct, see `PoolKey`).
    #[inline(never)]
    fn scan(members: &[usize], pools: &[Pool]) -> Option<usize> {
        let (&p0, rest) = members.split_first()?;
        let (mut l, mut least) = (p0, pools[p0].order(p0));
        for &p in rest {
            let o = pools[p].order(p);
            if o < least {
                (l, least) = (p, o);
            }
        }
        Some(l)
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
    fn first(&mut self, pools: &[Pool]) -> Option<usize> {
        match self {
            PoolOrder::Scan(s) => s.first(pools),
            PoolOrder::Sorted(s) => s.first().map(|k| k.pool),
        }
    }

    /// The first `most` keys in order, into `out` (cleared first).
    fn first_into(&self, most: usize, out: &mut Vec<PoolKey>, pools: &[Pool]) {
        out.clear();
        match self {
            PoolOrder::Scan(s) => {
                out.extend(s.pools.iter().map(|&p| pools[p].key(p, pools[p].running)));
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
    /// Ready stages ordered by (running tasks if FAIR inside else 0, job seq, stage,
    /// slot).
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

    /// A stage's key in this pool with `running` tasks running.
    #[inline]
    fn stage_key(&self, running: usize, seq: u64, s: usize, slot: usize) -> StageKey {
        (if self.fair_inside { running } else { 0 }, seq, s, slot)
    }
}

/// Spark FAIR: pools in [`PoolKey`] order, and inside a pool its ready stages by (running
/// tasks if FAIR inside, else 0; job seq; stage).
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
    /// A finished task whose core goes straight back to its own stage: its pool and the
    /// stage's key as filed. Set when a task ends on a full cluster and its stage, with one
    /// task fewer running, would be the next pick anyway: the re-filing of the finish and
    /// that of the pick cancel out, so neither is made (a stage and a pool re-filed each).
    /// Any other call settles it first.
    deferred: Option<(usize, StageKey)>,
}

/// A ready stage's place in its pool: (running tasks if FAIR inside else 0, job seq, stage,
/// slot).
type StageKey = (usize, u64, usize, usize);

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

    /// Applies the deferred task finish: the pool runs one task fewer and the stage is
    /// re-filed by its running count.
    #[inline(never)]
    fn settle_deferred(&mut self) {
        let Some((p, key)) = self.deferred.take() else {
            return;
        };
        let pool = &mut self.pools[p];
        if pool.fair_inside {
            pool.ready.replace(&key, (key.0 - 1, key.1, key.2, key.3));
        }
        self.ran_down(p);
    }

    /// The job's pool: its own (a trace's `pool` column), else its user's.
    #[inline]
    fn pool_of(&self, job: &Job) -> usize {
        job.pool.unwrap_or(self.user_pool[job.user])
    }

    /// Pool `p` runs `k` tasks more. Its key grows: in the scan set, only the smallest
    /// one's doing so can change which is smallest; in the sorted form it is re-filed at
    /// the next `flush`.
    #[inline(always)]
    fn ran_up(&mut self, p: usize, k: usize) {
        self.pools[p].running += k;
        match &mut self.order {
            PoolOrder::Scan(s) => {
                if s.least == Some(p) {
                    s.least = None;
                }
            }
            PoolOrder::Sorted(_) => self.touch(p),
        }
    }

    /// Pool `p` runs one task fewer. Its key shrinks: in the scan set it becomes the
    /// smallest if it is now below the smallest (which stays the smallest if it is `p`); in
    /// the sorted form it is re-filed at the next `flush`.
    #[inline(always)]
    fn ran_down(&mut self, p: usize) {
        let pools = &mut self.pools;
        pools[p].running -= 1;
        match &mut self.order {
            PoolOrder::Scan(s) => {
                if let Some(l) = s.least {
                    if l != p && pools[p].member && pools[p].order(p) < pools[l].order(l) {
                        s.least = Some(p);
                    }
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
                    s.insert(p, pools);
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
                    scan.insert(k.pool, pools);
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
        let (seq, st) = (jobs[slot].seq, &jobs[slot].stages[s]);
        let left = st.next + k < st.n;
        let pool = &mut self.pools[p];
        if pool.fair_inside || !left {
            let old = pool.stage_key(st.running, seq, s, slot);
            if left {
                let new = pool.stage_key(st.running + k, seq, s, slot);
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

    /// Whether the stage filed as `filed` in pool `p` is the one-free-core pick (see
    /// `pick`) once one of its tasks has ended: first in its pool with one task fewer
    /// running, and its pool first with one task fewer running (a key that only gets
    /// smaller).
    fn picked_next(&mut self, p: usize, filed: StageKey) -> bool {
        let pool = &self.pools[p];
        let running = if pool.fair_inside { filed.0 - 1 } else { 0 };
        let new = (running, filed.1, filed.2, filed.3);
        let first_in_pool = pool.ready.first().is_some_and(|&k| k == filed || new < k);
        if !first_in_pool {
            return false;
        }
        self.flush();
        let pool = &self.pools[p];
        let new_pool = pool.key(p, pool.running - 1);
        self.order
            .first(&self.pools)
            .is_some_and(|l| l == p || new_pool.order < self.pools[l].order(l))
    }

    /// Hands out the free cores for one round: pools in their order at the start of the
    /// round, inside a pool its stages in order, each stage up to its pending tasks.
    fn plan_round(&mut self, jobs: &[Job]) {
        // Each pool in the round gets a core at least (its ready stages have tasks left).
        let mut pools = std::mem::take(&mut self.round_pools);
        self.order.first_into(self.free, &mut pools, &self.pools);
        'pools: for pk in &pools {
            for &(_, _, s, slot) in self.pools[pk.pool].ready.iter() {
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
            // Every key changed but the ranks keep their order, so the scan set's smallest
            // stands; the sorted form's filed keys are re-filed.
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
        let key = pool.stage_key(job.stages[s].running, job.seq, s, slot);
        pool.ready.insert(key);
        self.ready_changed(p);
    }

    /// The round is planned at its first call, so the re-filing of each pick does not
    /// reorder the rest of the round.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        if let Some((_, key)) = self.deferred {
            if self.free == 1 && self.plan.is_empty() {
                // The freed core goes back to the stage whose task ended; every key stands.
                self.deferred = None;
                self.free = 0;
                return Some(Launch {
                    slot: key.3,
                    stage: key.2,
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
                    let p = self.order.first(&self.pools)?;
                    let &(_, _, s, slot) = self.pools[p].ready.first()?;
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

    fn on_task_finish(&mut self, job: &Job, slot: usize, s: usize, _node: usize) {
        self.settle();
        self.free += 1;
        let p = self.pool_of(job);
        let st = &job.stages[s];
        // Two tasks or more left: the pick that takes this core leaves the stage ready, so
        // its keys end where they are filed now.
        let filed = self.pools[p].stage_key(st.running + 1, job.seq, s, slot);
        if self.free == 1 && st.n - st.next >= 2 && self.picked_next(p, filed) {
            self.deferred = Some((p, filed));
            return;
        }
        let pool = &mut self.pools[p];
        if st.next < st.n && pool.fair_inside {
            pool.ready.replace(&filed, (st.running, job.seq, s, slot));
        }
        self.ran_down(p);
    }
}

#[cfg(test)]
mod tests {
    use super::{NameRanks, PoolKey, PoolOrder, PoolQueue, ReadyQueue, Sorted, FEW};
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
                        q.pools[p].ready.insert((0, seq, 0, 0));
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
                assert_eq!(q.order.first(&q.pools), want.first().map(|k| k.pool));
                assert_eq!(q.order.len(), want.len());
                let most = rng.next_u64() as usize % (want.len() + 2);
                let mut got = Vec::new();
                q.order.first_into(most, &mut got, &q.pools);
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
