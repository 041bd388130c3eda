//! Dominant resource fairness on (cpu, memory) over nodes: progressive filling, each task
//! to the user with the smallest weighted dominant share whose next task fits on a node.
//! DRF counts resources, not cores: a round ends when no waiting user's next task fits.
//!
//! An event costs O(log users + log nodes): the user whose share or next task changed is
//! moved in a tournament tree over the users, the node is found by a descent of a max tree
//! over the nodes' free amounts, and a round on a cluster too full for every waiting
//! user's next task ends at the tree's root without visiting a user.

use std::collections::BTreeSet;

use super::{Launch, ReadyQueue};
use crate::error::CoreResult;
use crate::fair::job::Job;
use crate::fair::vtime::K;

/// A user's first ready stage (the next task it would start) and that task's request.
#[derive(Clone, Copy, Debug, Default)]
struct Head {
    cpu: f64,
    mem: f64,
    seq: u64,
    stage: usize,
    slot: usize,
}

/// DRF over (cpu, memory): per-node capacities, per-user usage and ready stages, users
/// ordered by weighted dominant share.
pub(in crate::fair) struct DrfQueue {
    /// Per node: capacity and free amount of cpu and memory.
    cap: Vec<(f64, f64)>,
    free: Vec<(f64, f64)>,
    /// A max tree over the nodes' free (cpu, memory): slot `leaves + i` is node i, slot k
    /// holds the largest free cpu and the largest free memory below it (padding: -inf), so
    /// first-fit skips every subtree where no node can fit and a placement costs about
    /// O(log nodes) instead of a scan of the nodes.
    tree: Vec<(f64, f64)>,
    leaves: usize,
    total_cpu: f64,
    total_mem: f64,
    user_cpu: Vec<f64>,
    user_mem: Vec<f64>,
    weight: Vec<f64>,
    /// Per user: ready stages in (job seq, stage) order, and the first one (valid while
    /// there is one), so a pick reads a user's next request without a search.
    ready: Vec<BTreeSet<(u64, usize, usize)>>,
    head: Vec<Head>,
    /// Each user's weighted dominant share while it has ready stages.
    key_of: Vec<Option<K>>,
    /// The users with ready stages that have not sat out the current round.
    users: UserTree,
    /// The users that sat out the current round (their next task fit on no node), taken
    /// out of `users` until the round ends.
    sat_out: Vec<usize>,
    /// A user whose share fell (a task of its ended) and whose leaf still holds the larger
    /// key: written when anything else happens first, and not at all when the user's next
    /// pick takes its share back to where it was filed, as on a saturated cluster where
    /// a task's resources go straight back to its user. Every other leaf is current.
    stale: Option<usize>,
}

/// A user's entry in the [`UserTree`]: its key and the request of its next task; in an
/// inner node, the smallest key below it and the smallest cpu and the smallest memory
/// request below it (each on its own, so possibly of two users).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry {
    key: u128,
    cpu: f64,
    mem: f64,
}

/// The key (weighted dominant share, user) as one integer that orders alike: the share's
/// bits mapped so that integer order is `f64::total_cmp`'s (as [`K`] orders), then the
/// user. One comparison per tree level instead of two.
fn user_key(share: K, u: usize) -> u128 {
    let b = share.0.to_bits();
    let ordered = if b >> 63 == 1 { !b } else { b | 1 << 63 };
    (u128::from(ordered) << 64) | u as u128
}

fn user_of(key: u128) -> usize {
    key as u64 as usize
}

/// No user: above every user's key and every request.
const NOBODY: Entry = Entry {
    key: u128::MAX,
    cpu: f64::INFINITY,
    mem: f64::INFINITY,
};

fn join(a: &Entry, b: &Entry) -> Entry {
    // Requests are never NaN, so plain comparisons do (f64::min's NaN handling costs).
    Entry {
        key: a.key.min(b.key),
        cpu: if b.cpu < a.cpu { b.cpu } else { a.cpu },
        mem: if b.mem < a.mem { b.mem } else { a.mem },
    }
}

/// A tournament tree over the users (leaf `leaves + u` is user u, [`NOBODY`] when it
/// waits for nothing): the root holds the next user in DRF order, and the least requests
/// waiting. Changing one user costs O(log users) whatever the other users' shares are (a
/// sorted list would move the user past every user of an equal share, and progressive
/// filling makes the waiting users' shares about equal).
struct UserTree {
    leaves: usize,
    node: Vec<Entry>,
}

impl UserTree {
    fn new() -> Self {
        UserTree {
            leaves: 1,
            node: vec![NOBODY; 2],
        }
    }

    fn top(&self) -> &Entry {
        &self.node[1]
    }

    fn leaf(&self, u: usize) -> &Entry {
        &self.node[self.leaves + u]
    }

    /// Room for user `u` (the tree doubles, so adding users costs O(1) each on average).
    fn reserve(&mut self, u: usize) {
        if u < self.leaves {
            return;
        }
        let leaves = (u + 1).next_power_of_two();
        let mut node = vec![NOBODY; 2 * leaves];
        node[leaves..leaves + self.leaves].copy_from_slice(&self.node[self.leaves..]);
        for k in (1..leaves).rev() {
            node[k] = join(&node[2 * k], &node[2 * k + 1]);
        }
        (self.leaves, self.node) = (leaves, node);
    }

    /// Sets user `u`'s leaf; the path above it is joined again up to the first node that
    /// stays as it was (its ancestors then do too).
    fn set(&mut self, u: usize, e: Entry) {
        let mut k = self.leaves + u;
        self.node[k] = e;
        while k > 1 {
            k /= 2;
            let j = join(&self.node[2 * k], &self.node[2 * k + 1]);
            if self.node[k] == j {
                return;
            }
            self.node[k] = j;
        }
    }
}

impl DrfQueue {
    /// A queue over nodes of the given (cpu, memory) capacities.
    pub fn new(cap: Vec<(f64, f64)>) -> Self {
        let leaves = cap.len().next_power_of_two();
        let mut tree = vec![(f64::NEG_INFINITY, f64::NEG_INFINITY); 2 * leaves];
        tree[leaves..leaves + cap.len()].copy_from_slice(&cap);
        for k in (1..leaves).rev() {
            tree[k] = max2(tree[2 * k], tree[2 * k + 1]);
        }
        DrfQueue {
            total_cpu: cap.iter().map(|n| n.0).sum(),
            total_mem: cap.iter().map(|n| n.1).sum(),
            free: cap.clone(),
            tree,
            leaves,
            cap,
            user_cpu: Vec::new(),
            user_mem: Vec::new(),
            weight: Vec::new(),
            ready: Vec::new(),
            head: Vec::new(),
            key_of: Vec::new(),
            users: UserTree::new(),
            sat_out: Vec::new(),
            stale: None,
        }
    }

    fn share(&self, u: usize) -> f64 {
        let m = if self.total_mem.is_finite() {
            self.user_mem[u] / self.total_mem
        } else {
            0.0
        };
        (self.user_cpu[u] / self.total_cpu).max(m) / self.weight[u]
    }

    /// User `u`'s entry as it stands: its key and next request, or [`NOBODY`].
    fn entry(&self, u: usize) -> Entry {
        match self.key_of[u] {
            Some(k) => Entry {
                key: user_key(k, u),
                cpu: self.head[u].cpu,
                mem: self.head[u].mem,
            },
            None => NOBODY,
        }
    }

    /// Re-files user `u` after its share or its ready stages changed; its leaf is left
    /// alone when its entry is unchanged. Its new entry is returned.
    fn refresh(&mut self, u: usize) -> Entry {
        self.key_of[u] = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        let e = self.entry(u);
        if *self.users.leaf(u) != e {
            self.users.set(u, e);
        }
        e
    }

    /// Writes the stale user's leaf, if any.
    fn settle(&mut self) {
        if let Some(v) = self.stale.take() {
            self.users.set(v, self.entry(v));
        }
    }

    /// The pick when the stale user is the next one in DRF order and its next task fits
    /// (its true key is below the root's, or the root is its own old key): the user and
    /// the node, without writing its leaf. None otherwise.
    fn stale_pick(&self) -> Option<(usize, usize)> {
        let v = self.stale?;
        let top = self.users.top();
        let e = self.entry(v);
        if e.key >= top.key && user_of(top.key) != v {
            return None;
        }
        Some((v, self.fit(e.cpu, e.mem)?))
    }

    /// User `u`'s first ready stage, read again after its first one was taken out.
    fn set_head(&mut self, jobs: &[Job], u: usize) {
        let Some(&(seq, stage, slot)) = self.ready[u].first() else {
            return;
        };
        let st = &jobs[slot].stages[stage];
        self.head[u] = Head {
            cpu: st.cpu,
            mem: st.mem,
            seq,
            stage,
            slot,
        };
    }

    /// First node (in index order) where a (cpu, mem) task fits: a descent of the max
    /// tree, left subtree first, into subtrees whose largest free amounts admit the task.
    /// (`fits` grows with both free amounts, so a subtree whose maxima do not admit the
    /// task holds no node that does.)
    fn fit(&self, cpu: f64, mem: f64) -> Option<usize> {
        self.descend(1, cpu, mem)
    }

    fn descend(&self, k: usize, cpu: f64, mem: f64) -> Option<usize> {
        let (fc, fm) = self.tree[k];
        if !fits(cpu, mem, fc, fm) {
            return None;
        }
        if k >= self.leaves {
            return Some(k - self.leaves);
        }
        self.descend(2 * k, cpu, mem)
            .or_else(|| self.descend(2 * k + 1, cpu, mem))
    }

    /// Node `n`'s free amounts changed: refresh its path in the max tree.
    fn update(&mut self, n: usize) {
        let mut k = self.leaves + n;
        self.tree[k] = self.free[n];
        while k > 1 {
            k /= 2;
            self.tree[k] = max2(self.tree[2 * k], self.tree[2 * k + 1]);
        }
    }

    /// The round is over: the users that sat out it wait again.
    fn end_round(&mut self) {
        while let Some(u) = self.sat_out.pop() {
            self.users.set(u, self.entry(u));
        }
    }
}

/// Whether a (cpu, mem) request fits in (fc, fm) free, with a relative tolerance for the
/// rounding of repeated subtractions. It grows with each free amount and shrinks with each
/// request on its own, which both trees rely on.
fn fits(cpu: f64, mem: f64, fc: f64, fm: f64) -> bool {
    cpu <= fc + 1e-9 * fc.max(1.0) && mem <= fm + 1e-9 * fm.abs().clamp(1.0, 1e12)
}

fn max2(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0.max(b.0), a.1.max(b.1))
}

impl ReadyQueue for DrfQueue {
    fn add_user(&mut self, u: usize, weight: f64, _pool: usize) -> CoreResult<()> {
        self.user_cpu.push(0.0);
        self.user_mem.push(0.0);
        self.weight.push(weight);
        self.ready.push(BTreeSet::new());
        self.head.push(Head::default());
        self.key_of.push(None);
        self.users.reserve(u);
        Ok(())
    }

    fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
        self.settle();
        let u = job.user;
        let entry = (job.seq, s, slot);
        self.ready[u].insert(entry);
        let first = self.ready[u].first() == Some(&entry);
        if first {
            let st = &job.stages[s];
            self.head[u] = Head {
                cpu: st.cpu,
                mem: st.mem,
                seq: job.seq,
                stage: s,
                slot,
            };
        }
        self.refresh(u);
    }

    /// Progressive filling: the user with the smallest weighted dominant share gets the
    /// next task of its first ready stage on the first node where it fits; a user whose
    /// next task fits nowhere sits out the round. A placement only raises the user's share
    /// and only takes resources, so a user that sat out would not fit later in the round.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        let (fc, fm) = self.tree[1];
        let stale = self.stale_pick();
        if stale.is_none() {
            self.settle();
        }
        let (u, node) = stale.unwrap_or_else(|| loop {
            let top = *self.users.top();
            // Nobody waits, or no waiting request fits the largest free amounts.
            if top.key == u128::MAX || !fits(top.cpu, top.mem, fc, fm) {
                break (usize::MAX, 0);
            }
            let u = user_of(top.key);
            match self.fit(self.head[u].cpu, self.head[u].mem) {
                Some(node) => break (u, node),
                None => {
                    self.users.set(u, NOBODY);
                    self.sat_out.push(u);
                }
            }
        });
        if u == usize::MAX {
            self.end_round();
            return None;
        }
        let h = self.head[u];
        let f = &mut self.free[node];
        f.0 = (f.0 - h.cpu).max(0.0);
        f.1 = (f.1 - h.mem).max(0.0);
        self.update(node);
        self.user_cpu[u] += h.cpu;
        self.user_mem[u] += h.mem;
        let st = &jobs[h.slot].stages[h.stage];
        if st.next + 1 == st.n {
            self.ready[u].remove(&(h.seq, h.stage, h.slot));
            self.set_head(jobs, u);
        }
        // The stale user's leaf holds the key it had before its task ended: when this
        // pick brings it back, nothing is written.
        self.stale = None;
        self.refresh(u);
        Some(Launch {
            slot: h.slot,
            stage: h.stage,
            k: 1,
            node,
        })
    }

    fn on_task_finish(&mut self, job: &Job, _slot: usize, s: usize, node: usize) {
        let (u, st) = (job.user, &job.stages[s]);
        let (cap_c, cap_m) = self.cap[node];
        let f = &mut self.free[node];
        f.0 = (f.0 + st.cpu).min(cap_c);
        f.1 = (f.1 + st.mem).min(cap_m);
        self.update(node);
        self.user_cpu[u] = (self.user_cpu[u] - st.cpu).max(0.0);
        self.user_mem[u] = (self.user_mem[u] - st.mem).max(0.0);
        if self.stale != Some(u) {
            self.settle();
        }
        self.key_of[u] = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        let (e, leaf) = (self.entry(u), *self.users.leaf(u));
        if e.key < leaf.key {
            self.stale = Some(u); // a share that fell (the request is the same)
        } else if e != leaf {
            self.users.set(u, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fits, user_key, user_of, DrfQueue, Launch, ReadyQueue};
    use crate::fair::job::Job;
    use crate::fair::vtime::K;
    use crate::fair::Workload;
    use crate::util::SplitMix64;

    /// The max-tree descent finds the same first node as a scan, for random free amounts
    /// and requests, also after updates, on node counts that are not powers of two.
    #[test]
    fn tree_fit_is_first_fit() {
        let mut rng = SplitMix64::new(7);
        for n in [1usize, 2, 3, 7, 10, 33] {
            let cap = vec![(4.0, 8.0); n];
            let mut q = DrfQueue::new(cap);
            for _ in 0..500 {
                let i = rng.below(n);
                q.free[i] = (rng.below(5) as f64, rng.below(9) as f64);
                q.update(i);
                let (c, m) = (rng.below(5) as f64 * 0.9, rng.below(9) as f64 * 0.9);
                let scan = q.free.iter().position(|&(fc, fm)| fits(c, m, fc, fm));
                assert_eq!(q.fit(c, m), scan, "n={n} request ({c}, {m}) free {:?}", q.free);
            }
        }
    }

    /// The packed user key orders as (K, user) does, also for -0, infinities and ties.
    #[test]
    fn user_key_orders_like_share_then_user() {
        let mut rng = SplitMix64::new(3);
        let shares = [0.0, -0.0, 1e-300, 0.25, 0.5, 1.0, 7.5e3, f64::INFINITY, -1.0];
        let keys: Vec<(K, usize)> = (0..400)
            .map(|_| (K(shares[rng.below(shares.len())]), rng.below(5)))
            .collect();
        for a in &keys {
            for b in &keys {
                let packed = user_key(a.0, a.1).cmp(&user_key(b.0, b.1));
                assert_eq!(packed, a.cmp(b), "{a:?} {b:?}");
            }
            assert_eq!(user_of(user_key(a.0, a.1)), a.1);
            assert!(user_key(a.0, a.1) < super::NOBODY.key);
        }
    }

    /// Progressive filling written plainly: every pick sorts the waiting users that have
    /// not sat out the round by (weighted dominant share, user) and scans the nodes in
    /// order for the first user's next task; a user whose task fits nowhere sits out until
    /// the round ends. Same arithmetic as the queue, no trees, no kept order.
    struct PlainDrf {
        cap: Vec<(f64, f64)>,
        free: Vec<(f64, f64)>,
        used: Vec<(f64, f64)>,
        weight: Vec<f64>,
        ready: Vec<Vec<(u64, usize, usize)>>,
        sat_out: Vec<bool>,
    }

    impl PlainDrf {
        fn share(&self, u: usize) -> f64 {
            let total = self.cap.iter().fold((0.0, 0.0), |a, n| (a.0 + n.0, a.1 + n.1));
            let m = if total.1.is_finite() {
                self.used[u].1 / total.1
            } else {
                0.0
            };
            (self.used[u].0 / total.0).max(m) / self.weight[u]
        }
    }

    impl ReadyQueue for PlainDrf {
        fn add_user(&mut self, _u: usize, weight: f64, _pool: usize) -> crate::error::CoreResult<()> {
            self.used.push((0.0, 0.0));
            self.weight.push(weight);
            self.ready.push(Vec::new());
            self.sat_out.push(false);
            Ok(())
        }

        fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
            let r = &mut self.ready[job.user];
            r.push((job.seq, s, slot));
            r.sort_unstable();
        }

        fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
            let mut waiting: Vec<(K, usize)> = (0..self.ready.len())
                .filter(|&u| !self.ready[u].is_empty() && !self.sat_out[u])
                .map(|u| (K(self.share(u)), u))
                .collect();
            waiting.sort_unstable();
            for (_, u) in waiting {
                let (_, s, slot) = self.ready[u][0];
                let st = &jobs[slot].stages[s];
                let Some(node) = self.free.iter().position(|f| fits(st.cpu, st.mem, f.0, f.1)) else {
                    self.sat_out[u] = true;
                    continue;
                };
                let f = &mut self.free[node];
                f.0 = (f.0 - st.cpu).max(0.0);
                f.1 = (f.1 - st.mem).max(0.0);
                self.used[u].0 += st.cpu;
                self.used[u].1 += st.mem;
                if st.next + 1 == st.n {
                    self.ready[u].remove(0);
                }
                return Some(Launch {
                    slot,
                    stage: s,
                    k: 1,
                    node,
                });
            }
            self.sat_out.fill(false);
            None
        }

        fn on_task_finish(&mut self, job: &Job, _slot: usize, s: usize, node: usize) {
            let (u, st) = (job.user, &job.stages[s]);
            let f = &mut self.free[node];
            f.0 = (f.0 + st.cpu).min(self.cap[node].0);
            f.1 = (f.1 + st.mem).min(self.cap[node].1);
            self.used[u].0 = (self.used[u].0 - st.cpu).max(0.0);
            self.used[u].1 = (self.used[u].1 - st.mem).max(0.0);
        }
    }

    /// One random case: nodes, users (added as their first job arrives, so the user tree
    /// grows), jobs of 1-3 stages of 1-4 tasks whose requests fit on some node (zero
    /// requests and ties of shares included); arrivals and task ends in random order, a
    /// dispatch round after each. Returns the tasks launched.
    fn differential_case(rng: &mut SplitMix64) -> usize {
        let pick = |rng: &mut SplitMix64, v: &[f64]| v[rng.below(v.len())];
        let n_nodes = 1 + rng.below(6);
        let unbounded = rng.below(4) == 0;
        let cap: Vec<(f64, f64)> = (0..n_nodes)
            .map(|_| {
                let mem = if unbounded {
                    f64::INFINITY
                } else {
                    pick(rng, &[2.0, 4.0, 6.5, 16.0])
                };
                (pick(rng, &[1.0, 2.0, 3.5, 4.0, 8.0]), mem)
            })
            .collect();
        let n_users = [1, 3, 12, 40, 300][rng.below(5)];
        let weights = [1.0, 1.0, 2.0, 0.5, 3.0];
        let n_jobs = 1 + rng.below(80);
        let mut w = Workload {
            job_stages: vec![0],
            task_offsets: vec![0],
            ..Default::default()
        };
        for j in 0..n_jobs {
            w.job_user.push(rng.below(n_users));
            w.job_submit.push(j as f64);
            w.job_after.push(-1);
            w.job_think.push(0.0);
            w.job_class.push(0);
            for _ in 0..1 + rng.below(3) {
                let (nc, nm) = cap[rng.below(n_nodes)];
                let cpu = pick(rng, &[0.0, 0.25, 0.5, 1.0, 1.0, 1.5, 2.0, 3.5]).min(nc);
                let mem = if unbounded {
                    pick(rng, &[0.0, 1.0])
                } else {
                    pick(rng, &[0.0, 0.5, 1.0, 2.0, 6.5]).min(nm)
                };
                w.stage_cpu.push(cpu);
                w.stage_mem.push(mem);
                let tasks = 1 + rng.below(4);
                w.task_duration.extend(std::iter::repeat_n(1.0, tasks));
                w.task_offsets.push(w.task_duration.len());
            }
            w.job_stages.push(w.stage_cpu.len());
        }
        let mut fast = DrfQueue::new(cap.clone());
        let mut plain = PlainDrf {
            free: cap.clone(),
            cap,
            used: Vec::new(),
            weight: Vec::new(),
            ready: Vec::new(),
            sat_out: Vec::new(),
        };
        let (mut jobs, mut running, mut users, mut launched) = (Vec::new(), Vec::new(), 0, 0);
        let mut next_job = 0;
        while next_job < n_jobs || !running.is_empty() {
            if next_job < n_jobs && (running.is_empty() || rng.below(3) == 0) {
                let j = next_job;
                next_job += 1;
                while users <= w.job_user[j] {
                    let wt = weights[users % weights.len()];
                    fast.add_user(users, wt, 0).unwrap();
                    plain.add_user(users, wt, 0).unwrap();
                    users += 1;
                }
                let mut job = Job::new(&w, &[], j, j as u64, 1.0);
                job.seq = j as u64;
                jobs.push(job);
                // Every stage ready at once (the queue does not read the DAG), stages
                // joining a user's list out of order.
                let mut order: Vec<usize> = (0..jobs[j].stages.len()).collect();
                if rng.below(2) == 0 {
                    order.reverse();
                }
                for s in order {
                    fast.on_ready(0.0, &mut jobs[j], j, s);
                    plain.on_ready(0.0, &mut jobs[j], j, s);
                }
            } else {
                let (slot, s, node): (usize, usize, usize) = running.swap_remove(rng.below(running.len()));
                let st = &mut jobs[slot].stages[s];
                st.running -= 1;
                st.unfinished -= 1;
                fast.on_task_finish(&jobs[slot], slot, s, node);
                plain.on_task_finish(&jobs[slot], slot, s, node);
            }
            // The engine has no round when no task waits; an event without a round
            // here also lets task ends follow each other.
            if rng.below(4) == 0 && !running.is_empty() {
                continue;
            }
            loop {
                let a = fast.pick(&jobs).map(|l| (l.slot, l.stage, l.node));
                let b = plain.pick(&jobs).map(|l| (l.slot, l.stage, l.node));
                assert_eq!(a, b, "launch {launched}");
                let Some((slot, s, node)) = a else { break };
                let st = &mut jobs[slot].stages[s];
                st.next += 1;
                st.running += 1;
                running.push((slot, s, node));
                launched += 1;
            }
        }
        assert_eq!(launched, w.task_duration.len(), "every task ran");
        launched
    }

    /// The queue's trees launch exactly what plain progressive filling launches, task by
    /// task and node by node, on random cases.
    #[test]
    fn trees_launch_as_plain_progressive_filling() {
        let mut rng = SplitMix64::new(13);
        let launched: usize = (0..400).map(|_| differential_case(&mut rng)).sum();
        assert!(launched > 10_000, "{launched}");
    }
}
