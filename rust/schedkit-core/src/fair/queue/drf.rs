//! Dominant resource fairness on (cpu, memory) over nodes: progressive filling, each task
//! to the user with the smallest weighted dominant share whose next task fits on a node.
//! DRF counts resources, not cores: a round ends when no waiting user's next task fits.

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Unbounded};

use super::{Launch, ReadyQueue};
use crate::error::CoreResult;
use crate::fair::job::Job;
use crate::fair::vtime::K;

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
    /// Per user: ready stages in (job seq, stage) order.
    ready: Vec<BTreeSet<(u64, usize, usize)>>,
    /// Users with ready stages by (weighted dominant share, user), and each one's key:
    /// updated when a share or a ready set changes, not rebuilt every round.
    order: BTreeSet<(K, usize)>,
    key_of: Vec<Option<K>>,
    /// The last user served in the current round (None between rounds).
    cursor: Option<(K, usize)>,
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
            order: BTreeSet::new(),
            key_of: Vec::new(),
            cursor: None,
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

    /// Re-files user `u` after its share or its ready stages changed; it stays put when its
    /// key compares equal (a stage joins a user that has ready ones already).
    fn refresh(&mut self, u: usize) {
        let key = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        if key.cmp(&self.key_of[u]).is_eq() {
            return;
        }
        if let Some(k) = self.key_of[u] {
            self.order.remove(&(k, u));
        }
        if let Some(k) = key {
            self.order.insert((k, u));
        }
        self.key_of[u] = key;
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
}

/// Whether a (cpu, mem) request fits in (fc, fm) free, with a relative tolerance for the
/// rounding of repeated subtractions.
fn fits(cpu: f64, mem: f64, fc: f64, fm: f64) -> bool {
    cpu <= fc + 1e-9 * fc.max(1.0) && mem <= fm + 1e-9 * fm.abs().clamp(1.0, 1e12)
}

fn max2(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0.max(b.0), a.1.max(b.1))
}

impl ReadyQueue for DrfQueue {
    fn add_user(&mut self, _u: usize, weight: f64, _pool: usize) -> CoreResult<()> {
        self.user_cpu.push(0.0);
        self.user_mem.push(0.0);
        self.weight.push(weight);
        self.ready.push(BTreeSet::new());
        self.key_of.push(None);
        Ok(())
    }

    fn on_ready(&mut self, _t: f64, job: &mut Job, slot: usize, s: usize) {
        self.ready[job.user].insert((job.seq, s, slot));
        self.refresh(job.user);
    }

    /// Progressive filling: the user with the smallest weighted dominant share gets the
    /// next task of its first ready stage on the first node where it fits; a user whose
    /// next task fits nowhere sits out the round. A placement only raises the user's share,
    /// so the users before the cursor have all sat out and the scan never goes back.
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        // Nothing changes while users sit out, so one iterator walks them (no search per
        // user). `prev` is the cursor as it stands when the scan reaches a user.
        let from = self.cursor.map_or(Unbounded, Excluded);
        let mut prev = self.cursor;
        let mut found = None;
        for &(key, u) in self.order.range((from, Unbounded)) {
            if let Some(&(seq, s, slot)) = self.ready[u].first() {
                let st = &jobs[slot].stages[s];
                if let Some(node) = self.fit(st.cpu, st.mem) {
                    found = Some((key, u, (seq, s, slot), node));
                    break;
                }
            }
            prev = Some((key, u));
        }
        let Some((key, u, (seq, s, slot), node)) = found else {
            self.cursor = None; // the round is over
            return None;
        };
        let st = &jobs[slot].stages[s];
        let (cpu, mem) = (st.cpu, st.mem);
        let f = &mut self.free[node];
        f.0 = (f.0 - cpu).max(0.0);
        f.1 = (f.1 - mem).max(0.0);
        self.update(node);
        self.user_cpu[u] += cpu;
        self.user_mem[u] += mem;
        if st.next + 1 == st.n {
            self.ready[u].remove(&(seq, s, slot));
        }
        self.refresh(u);
        // A request of nothing leaves the share as it was: u stays next.
        self.cursor = if self.key_of[u] == Some(key) {
            prev
        } else {
            Some((key, u))
        };
        Some(Launch {
            slot,
            stage: s,
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
        self.refresh(u);
    }
}

#[cfg(test)]
mod tests {
    use super::{fits, DrfQueue};
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
}
