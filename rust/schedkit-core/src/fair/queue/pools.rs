//! Spark FAIR scheduling over pools (FAIR, and UJF as one pool per user): pools ordered
//! by Spark's FairSchedulingAlgorithm (minShare, then running / weight, then name), stages
//! inside a pool FIFO or FAIR. A round's order is fixed when it starts, as Spark sorts
//! once per resource offer.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Unbounded};

use super::{Launch, ReadyQueue};
use crate::error::{CoreError, CoreResult};
use crate::fair::job::Job;
use crate::fair::vtime::K;

/// A pool's place in Spark's FairSchedulingAlgorithm order: pools below their minShare
/// first (by running / max(minShare, 1)), then the others by running / weight, ties by
/// name (as a rank, see [`NameRanks`]), then by index. Kept in a [`PoolOrder`] and moved
/// when a pool's running count or readiness changes, so a dispatch round does not sort
/// every pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PoolKey {
    satisfied: bool,
    ratio: K,
    name_rank: u64,
    pool: usize,
}

/// Integer ranks that order like the names, for names added one at a time: a new name
/// takes the midpoint between its neighbours' ranks, and all ranks are spread out again in
/// the rare case there is no room left (the caller then re-files its keys).
#[derive(Default)]
struct NameRanks {
    ranks: BTreeMap<String, u64>,
}

impl NameRanks {
    /// The rank of `name` (added if new) and whether every other rank changed too.
    fn rank(&mut self, name: &str) -> (u64, bool) {
        if let Some(&r) = self.ranks.get(name) {
            return (r, false);
        }
        let below = self
            .ranks
            .range::<str, _>((Unbounded, Excluded(name)))
            .next_back()
            .map_or(0, |(_, &r)| r);
        let above = self
            .ranks
            .range::<str, _>((Excluded(name), Unbounded))
            .next()
            .map_or(u64::MAX, |(_, &r)| r);
        if above - below >= 2 {
            let r = below + (above - below) / 2;
            self.ranks.insert(name.to_string(), r);
            return (r, false);
        }
        self.ranks.insert(name.to_string(), 0);
        for (i, r) in self.ranks.values_mut().enumerate() {
            *r = (i as u64 + 1) << 32;
        }
        (self.ranks[name], true)
    }
}

/// Pools with ready stages in [`PoolKey`] order. While there are few, a sorted vector: a
/// task start or end moves its pool's key by one task, which mostly leaves it in place or
/// passes a few neighbours, so the key is rewritten where it stands and swapped along (no
/// node freed and allocated, as an ordered set's remove and insert are). Past [`FEW`]
/// pools, where a shift or a long walk past pools of equal share would cost more, an
/// ordered set; back to the vector below half of it.
enum PoolOrder {
    Few(Vec<PoolKey>),
    Many(BTreeSet<PoolKey>),
}

/// The most pools [`PoolOrder`] keeps in a vector.
const FEW: usize = 128;

impl PoolOrder {
    fn first(&self) -> Option<&PoolKey> {
        match self {
            PoolOrder::Few(v) => v.first(),
            PoolOrder::Many(s) => s.first(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &PoolKey> + '_ {
        let (few, many) = match self {
            PoolOrder::Few(v) => (Some(v.iter()), None),
            PoolOrder::Many(s) => (None, Some(s.iter())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// Replaces a pool's key `old` (None: not filed) by `new` (None: drop it).
    fn refile(&mut self, old: Option<PoolKey>, new: Option<PoolKey>) {
        match self {
            PoolOrder::Few(v) => {
                let at = |v: &[PoolKey], k: &PoolKey| v.binary_search(k).unwrap_or_else(|i| i);
                match (old, new) {
                    (Some(o), Some(n)) => {
                        let mut i = at(v, &o);
                        v[i] = n;
                        while i > 0 && v[i - 1] > n {
                            v.swap(i - 1, i);
                            i -= 1;
                        }
                        while i + 1 < v.len() && v[i + 1] < n {
                            v.swap(i, i + 1);
                            i += 1;
                        }
                    }
                    (Some(o), None) => {
                        v.remove(at(v, &o));
                    }
                    (None, Some(n)) => {
                        v.insert(at(v, &n), n);
                        if v.len() > FEW {
                            *self = PoolOrder::Many(v.drain(..).collect());
                        }
                    }
                    (None, None) => {}
                }
            }
            PoolOrder::Many(s) => {
                if let Some(o) = old {
                    s.remove(&o);
                }
                if let Some(n) = new {
                    s.insert(n);
                }
                if s.len() < FEW / 2 {
                    *self = PoolOrder::Few(std::mem::take(s).into_iter().collect());
                }
            }
        }
    }
}

/// Spark FAIR: pools in [`PoolKey`] order, and inside a pool its ready stages by (running
/// tasks if FAIR inside, else 0; job seq; stage).
pub(in crate::fair) struct PoolQueue {
    /// Free cores.
    free: usize,
    /// Pool of each user.
    user_pool: Vec<usize>,
    pool_running: Vec<usize>,
    /// Per pool: ready stages ordered by (running tasks if FAIR inside else 0, job seq,
    /// stage, slot).
    ready: Vec<BTreeSet<(usize, u64, usize, usize)>>,
    weight: Vec<f64>,
    min_share: Vec<f64>,
    fair_inside: Vec<bool>,
    /// Pool names (Spark breaks comparator ties by name) and their ranks.
    names: Vec<String>,
    name_rank: Vec<u64>,
    ranks: NameRanks,
    /// Pools with ready stages, in comparator order, and each one's current key.
    order: PoolOrder,
    key_of: Vec<Option<PoolKey>>,
    /// The current dispatch round, fixed when it starts (as Spark sorts once per offer
    /// round): (pool, slot, stage, tasks), and how many of them were handed out.
    plan: Vec<(usize, usize, usize, usize)>,
    at: usize,
    /// A finished task whose core goes straight back to its own stage: its pool and the
    /// stage's key as filed. Set when a task ends on a full cluster and its stage, with one
    /// task fewer running, would be the next pick anyway: the re-filing of the finish and
    /// that of the pick cancel out, so neither is made (four ordered-set updates each, most
    /// of a saturated FAIR/UJF run's time). Any other call settles it first.
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
            pool_running: Vec::new(),
            ready: Vec::new(),
            weight: Vec::new(),
            min_share: Vec::new(),
            fair_inside: Vec::new(),
            names: Vec::new(),
            name_rank: Vec::new(),
            ranks: NameRanks::default(),
            order: PoolOrder::Few(Vec::new()),
            key_of: Vec::new(),
            plan: Vec::new(),
            at: 0,
            deferred: None,
        }
    }

    /// Applies a deferred task finish (see `deferred`): the pool runs one task fewer and
    /// the stage is re-filed by its running count.
    fn settle(&mut self) {
        let Some((pool, key)) = self.deferred.take() else {
            return;
        };
        self.pool_running[pool] -= 1;
        if self.fair_inside[pool] {
            self.ready[pool].remove(&key);
            self.ready[pool].insert((key.0 - 1, key.1, key.2, key.3));
        }
        self.refresh(pool);
    }

    fn key(
        &self,
        pool: usize,
        running: usize,
        seq: u64,
        s: usize,
        slot: usize,
    ) -> (usize, u64, usize, usize) {
        (if self.fair_inside[pool] { running } else { 0 }, seq, s, slot)
    }

    /// The job's pool: its own (a trace's `pool` column), else its user's.
    fn pool_of(&self, job: &Job) -> usize {
        job.pool.unwrap_or(self.user_pool[job.user])
    }

    fn pool_key(&self, p: usize) -> PoolKey {
        self.pool_key_running(p, self.pool_running[p])
    }

    /// Pool `p`'s key were it running `running` tasks.
    fn pool_key_running(&self, p: usize, running: usize) -> PoolKey {
        let (r, m) = (running as f64, self.min_share[p]);
        let needy = r < m;
        PoolKey {
            satisfied: !needy,
            ratio: K(if needy { r / m.max(1.0) } else { r / self.weight[p] }),
            name_rank: self.name_rank[p],
            pool: p,
        }
    }

    /// Re-files pool `p` after its running count or its ready stages changed; it stays put
    /// when its key compares equal (a stage joins a pool that has ready ones already).
    fn refresh(&mut self, p: usize) {
        let key = (!self.ready[p].is_empty()).then(|| self.pool_key(p));
        if key.cmp(&self.key_of[p]).is_eq() {
            return;
        }
        self.order.refile(self.key_of[p], key);
        self.key_of[p] = key;
    }

    /// Starts `k` tasks of stage `s` of the job in `slot`, in pool `p`: they run from now,
    /// so the stage is re-filed by its new running count (or dropped when it has no task
    /// left), then its pool.
    fn hand_out(&mut self, jobs: &[Job], p: usize, slot: usize, s: usize, k: usize) -> Launch {
        let (seq, st) = (jobs[slot].seq, &jobs[slot].stages[s]);
        let left = st.next + k < st.n;
        if self.fair_inside[p] || !left {
            let old = self.key(p, st.running, seq, s, slot);
            self.ready[p].remove(&old);
            if left {
                let new = self.key(p, st.running + k, seq, s, slot);
                self.ready[p].insert(new);
            }
        }
        self.pool_running[p] += k;
        self.refresh(p);
        Launch {
            slot,
            stage: s,
            k,
            node: 0,
        }
    }

    /// Whether the stage filed as `filed` in `pool` is the one-free-core pick (see `pick`)
    /// once one of its tasks has ended: first in its pool with one task fewer running, and
    /// its pool first with one task fewer running (a key that only gets smaller).
    fn picked_next(&self, pool: usize, filed: StageKey) -> bool {
        let new = (
            if self.fair_inside[pool] { filed.0 - 1 } else { 0 },
            filed.1,
            filed.2,
            filed.3,
        );
        let first_in_pool = self.ready[pool].first().is_some_and(|&k| k == filed || new < k);
        let new_pool = self.pool_key_running(pool, self.pool_running[pool] - 1);
        first_in_pool
            && self
                .order
                .first()
                .is_some_and(|k| k.pool == pool || new_pool < *k)
    }

    /// Hands out the free cores for one round: pools in their order at the start of the
    /// round, inside a pool its stages in order, each stage up to its pending tasks.
    fn plan_round(&mut self, jobs: &[Job]) {
        'pools: for pk in self.order.iter() {
            for &(_, _, s, slot) in self.ready[pk.pool].iter() {
                if self.free == 0 {
                    break 'pools;
                }
                let st = &jobs[slot].stages[s];
                let k = (st.n - st.next).min(self.free);
                self.free -= k;
                self.plan.push((pk.pool, slot, s, k));
            }
        }
    }
}

impl ReadyQueue for PoolQueue {
    fn add_user(&mut self, u: usize, _weight: f64, pool: usize) -> CoreResult<()> {
        self.settle();
        if pool >= self.weight.len() {
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
        let (rank, all_changed) = self.ranks.rank(name);
        self.pool_running.push(0);
        self.ready.push(BTreeSet::new());
        self.weight.push(weight);
        self.min_share.push(min_share);
        self.fair_inside.push(fair_inside);
        self.names.push(name.to_string());
        self.name_rank.push(rank);
        self.key_of.push(None);
        if all_changed {
            for p in 0..self.names.len() {
                self.name_rank[p] = self.ranks.ranks[&self.names[p]];
                self.refresh(p);
            }
        }
        self.names.len() - 1
    }

    fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
        self.settle();
        let pool = self.pool_of(job);
        let key = self.key(pool, job.stages[s].running, job.seq, s, slot);
        self.ready[pool].insert(key);
        self.refresh(pool);
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
                    let p = self.order.first()?.pool;
                    let &(_, _, s, slot) = self.ready[p].first()?;
                    self.free = 0;
                    return Some(self.hand_out(jobs, p, slot, s, 1));
                }
                _ => {}
            }
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
        let pool = self.pool_of(job);
        let st = &job.stages[s];
        // Two tasks or more left: the pick that takes this core leaves the stage ready, so
        // its keys end where they are filed now.
        let filed = self.key(pool, st.running + 1, job.seq, s, slot);
        if self.free == 1 && st.n - st.next >= 2 && self.picked_next(pool, filed) {
            self.deferred = Some((pool, filed));
            return;
        }
        self.pool_running[pool] -= 1;
        if st.next < st.n && self.fair_inside[pool] {
            self.ready[pool].remove(&(st.running + 1, job.seq, s, slot));
            self.ready[pool].insert((st.running, job.seq, s, slot));
        }
        self.refresh(pool);
    }
}

#[cfg(test)]
mod tests {
    use super::NameRanks;

    /// Ranks order like the names whatever the insertion order, also after the
    /// renumbering that appending 100 names in sorted order forces.
    #[test]
    fn name_ranks_order_like_names() {
        let mut nr = NameRanks::default();
        let mut renumbered = false;
        let mut names: Vec<String> = (0..100).map(|i| format!("user_{i:03}")).collect();
        names.extend(["a", "zz", "user_050x", "m"].map(String::from));
        for n in &names {
            renumbered |= nr.rank(n).1;
        }
        assert!(renumbered);
        assert_eq!(nr.rank("m"), (nr.ranks["m"], false));
        let mut by_rank: Vec<(&String, &u64)> = nr.ranks.iter().collect();
        by_rank.sort_by_key(|&(_, r)| *r);
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(
            by_rank.iter().map(|(n, _)| (*n).clone()).collect::<Vec<_>>(),
            sorted
        );
    }
}
