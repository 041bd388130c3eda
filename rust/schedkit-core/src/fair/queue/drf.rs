//! Dominant resource fairness on (cpu, memory) over nodes: progressive filling, each task
//! to the user with the smallest weighted dominant share whose next task fits on a node.
//! DRF counts resources, not cores: a round ends when no waiting user's next task fits.
//!
//! An event costs O(log users + log nodes): the user whose share or next task changed is
//! re-filed in a list while few users wait (the next user found by a scan of it) and in a
//! tournament tree over the users past that, the node is found by a descent of a max tree
//! over the nodes' free amounts, and a round on a cluster too full for every waiting
//! user's next task ends at the top (the least requests waiting) without visiting a user.

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
    /// Per node: its [`room`], the free amounts with [`fits`]' rounding tolerance added,
    /// so a fit is two comparisons (`room` grows with the free amounts, so the largest
    /// room is the room of the largest free amounts and the max tree can hold rooms).
    room: Vec<(f64, f64)>,
    /// A max tree over blocks of [`BLOCK`] consecutive nodes: slot `leaves + b` holds the
    /// largest room for cpu and the largest room for memory in block b, slot k the largest
    /// below it (padding: -inf), so first-fit skips every subtree where no node can fit
    /// and a placement costs about O(log nodes) instead of a scan of the nodes. A block is
    /// scanned: the tree is a few times smaller and stays in the CPU's cache.
    tree: Vec<(f64, f64)>,
    leaves: usize,
    /// A node whose room grew (a task ended there) while the tree still holds its room
    /// before (the second value): written to the tree when anything else changes first,
    /// and not at all when the next placement takes the node back to that room, as on a
    /// saturated cluster where the task that ends frees the core the next task takes.
    /// The tree holds every other node's room; a fit looks at this node besides the tree.
    loose: Option<(usize, (f64, f64))>,
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
    users: UserSet,
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

/// The smaller cpu and the smaller memory request (requests are never NaN, so plain
/// comparisons do; f64::min's NaN handling costs).
fn least(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (
        if b.0 < a.0 { b.0 } else { a.0 },
        if b.1 < a.1 { b.1 } else { a.1 },
    )
}

/// A tournament tree over the users (leaf `leaves + u` is user u, [`NOBODY`] when it
/// waits for nothing): the root holds the next user in DRF order, and the least requests
/// waiting. Changing one user costs O(log users) whatever the other users' shares are (a
/// sorted list would move the user past every user of an equal share, and progressive
/// filling makes the waiting users' shares about equal). Keys and requests are two trees
/// of one shape: a share changes on every task, a request only with a user's next stage.
struct UserTree {
    leaves: usize,
    key: Vec<u128>,
    req: Vec<(f64, f64)>,
}

impl UserTree {
    fn new() -> Self {
        UserTree {
            leaves: 1,
            key: vec![NOBODY.key; 2],
            req: vec![(NOBODY.cpu, NOBODY.mem); 2],
        }
    }

    fn entry(&self, k: usize) -> Entry {
        let (cpu, mem) = self.req[k];
        Entry {
            key: self.key[k],
            cpu,
            mem,
        }
    }

    fn top(&self) -> Entry {
        self.entry(1)
    }

    /// Room for user `u` (the tree doubles, so adding users costs O(1) each on average).
    fn reserve(&mut self, u: usize) {
        if u < self.leaves {
            return;
        }
        let (old, leaves) = (self.leaves, (u + 1).next_power_of_two());
        let mut key = vec![NOBODY.key; 2 * leaves];
        let mut req = vec![(NOBODY.cpu, NOBODY.mem); 2 * leaves];
        key[leaves..leaves + old].copy_from_slice(&self.key[old..]);
        req[leaves..leaves + old].copy_from_slice(&self.req[old..]);
        for k in (1..leaves).rev() {
            key[k] = key[2 * k].min(key[2 * k + 1]);
            req[k] = least(req[2 * k], req[2 * k + 1]);
        }
        (self.leaves, self.key, self.req) = (leaves, key, req);
    }

    /// Sets user `u`'s leaf; each tree's path above it is joined again up to the first
    /// node that stays as it was (its ancestors then do too).
    fn set(&mut self, u: usize, e: Entry) {
        let leaf = self.leaves + u;
        let mut k = leaf;
        self.key[k] = e.key;
        while k > 1 {
            k /= 2;
            let j = self.key[2 * k].min(self.key[2 * k + 1]);
            if self.key[k] == j {
                break;
            }
            self.key[k] = j;
        }
        if self.req[leaf] == (e.cpu, e.mem) {
            return;
        }
        k = leaf;
        self.req[k] = (e.cpu, e.mem);
        while k > 1 {
            k /= 2;
            let j = least(self.req[2 * k], self.req[2 * k + 1]);
            if self.req[k] == j {
                break;
            }
            self.req[k] = j;
        }
    }
}

/// The most filed users a [`UserSet`] finds its top by a scan.
const SCAN: usize = 16;

/// The users filed for the next pick, each with its [`Entry`], and the top (the smallest
/// key, and the least requests) over them. While at most [`SCAN`] are filed, a list: a
/// user's entry is written in place, and the top is kept while a change cannot have moved
/// it, else found again by a scan of the list (progressive filling keeps a few users
/// waiting; their shares are about equal, so in the [`UserTree`] the pick's raised key
/// climbs to the root each time). Past [`SCAN`], the [`UserTree`] too (all [`NOBODY`]
/// otherwise), back to the list alone below half of it.
struct UserSet {
    /// The filed users' entries, unsorted, and per user its position there (or `NONE`).
    filed: Vec<Entry>,
    at: Vec<usize>,
    /// The top over `filed` while known (the list alone).
    top: Option<Entry>,
    tree: UserTree,
    tree_on: bool,
}

/// Not filed, in [`UserSet::at`].
const NONE: usize = usize::MAX;

impl UserSet {
    fn new() -> Self {
        UserSet {
            filed: Vec::new(),
            at: Vec::new(),
            top: None,
            tree: UserTree::new(),
            tree_on: false,
        }
    }

    /// Room for user `u`.
    fn reserve(&mut self, u: usize) {
        if u >= self.at.len() {
            self.at.resize(u + 1, NONE);
        }
        self.tree.reserve(u);
    }

    fn leaf(&self, u: usize) -> Entry {
        match self.at[u] {
            NONE => NOBODY,
            i => self.filed[i],
        }
    }

    /// The smallest key and the least cpu and memory requests filed ([`NOBODY`]'s when
    /// none is), as the [`UserTree`]'s root holds them.
    fn top(&mut self) -> Entry {
        if self.tree_on {
            return self.tree.top();
        }
        if let Some(t) = self.top {
            return t;
        }
        let mut t = NOBODY;
        for e in &self.filed {
            t.key = t.key.min(e.key);
            (t.cpu, t.mem) = least((t.cpu, t.mem), (e.cpu, e.mem));
        }
        self.top = Some(t);
        t
    }

    /// Files user `u` with entry `e` ([`NOBODY`]: takes it out).
    fn set(&mut self, u: usize, e: Entry) {
        let old = self.leaf(u);
        match (self.at[u], e.key == NOBODY.key) {
            (NONE, true) => return,
            (NONE, false) => {
                self.at[u] = self.filed.len();
                self.filed.push(e);
            }
            (i, false) => self.filed[i] = e,
            (i, true) => {
                self.filed.swap_remove(i);
                self.at[u] = NONE;
                if let Some(moved) = self.filed.get(i) {
                    self.at[user_of(moved.key)] = i;
                }
            }
        }
        if self.tree_on {
            self.tree.set(u, e);
        } else if let Some(t) = self.top {
            // Each part of the top stands unless `u` held it and its own part grew.
            let part = |t: f64, old: f64, new: f64| {
                if new <= t {
                    Some(new)
                } else if old == t {
                    None
                } else {
                    Some(t)
                }
            };
            let key = if e.key <= t.key {
                Some(e.key)
            } else if old.key == t.key {
                None
            } else {
                Some(t.key)
            };
            let top = match (key, part(t.cpu, old.cpu, e.cpu), part(t.mem, old.mem, e.mem)) {
                (Some(key), Some(cpu), Some(mem)) => Some(Entry { key, cpu, mem }),
                _ => None,
            };
            self.top = top;
        }
        self.switch_form();
    }

    /// The tree joins past [`SCAN`] filed users and leaves below half of it.
    fn switch_form(&mut self) {
        let n = self.filed.len();
        if !self.tree_on && n > SCAN {
            for &e in &self.filed {
                self.tree.set(user_of(e.key), e);
            }
            self.tree_on = true;
        } else if self.tree_on && n < SCAN / 2 {
            for &e in &self.filed {
                self.tree.set(user_of(e.key), NOBODY);
            }
            self.tree_on = false;
            self.top = None;
        }
    }
}

impl DrfQueue {
    /// A queue over nodes of the given (cpu, memory) capacities.
    pub fn new(cap: Vec<(f64, f64)>) -> Self {
        let leaves = cap.len().div_ceil(BLOCK).next_power_of_two();
        let room_all: Vec<(f64, f64)> = cap.iter().map(|&f| room(f)).collect();
        let mut tree = vec![(f64::NEG_INFINITY, f64::NEG_INFINITY); 2 * leaves];
        for (b, block) in room_all.chunks(BLOCK).enumerate() {
            tree[leaves + b] = block_max(block);
        }
        for k in (1..leaves).rev() {
            tree[k] = max2(tree[2 * k], tree[2 * k + 1]);
        }
        DrfQueue {
            total_cpu: cap.iter().map(|n| n.0).sum(),
            total_mem: cap.iter().map(|n| n.1).sum(),
            free: cap.clone(),
            room: room_all,
            tree,
            leaves,
            loose: None,
            cap,
            user_cpu: Vec::new(),
            user_mem: Vec::new(),
            weight: Vec::new(),
            ready: Vec::new(),
            head: Vec::new(),
            key_of: Vec::new(),
            users: UserSet::new(),
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
    /// alone when its entry is unchanged.
    fn refresh(&mut self, u: usize) {
        self.key_of[u] = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        let e = self.entry(u);
        if self.users.leaf(u) != e {
            self.users.set(u, e);
        }
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
    fn stale_pick(&mut self) -> Option<(usize, usize)> {
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

    /// First node (in index order) where a (cpu, mem) task fits: the first fit the tree
    /// finds, or the loose node when it fits and comes first (the tree holds a smaller
    /// room for it, so the tree alone may skip it; every other node it holds as it is).
    fn fit(&self, cpu: f64, mem: f64) -> Option<usize> {
        let found = self.descend(cpu, mem);
        match self.loose {
            Some((n, _)) if found.is_none_or(|f| n < f) && admits(self.room[n], cpu, mem) => Some(n),
            _ => found,
        }
    }

    /// The tree's first fit: a descent, left subtree first, into subtrees whose largest
    /// rooms admit the task, back up to the next right subtree when a block holds no fit.
    /// (A fit grows with both rooms, so a subtree whose maxima do not admit the task holds
    /// no node that does; the maxima may be two nodes' (cpu of one, memory of another),
    /// so one that does admit it may still hold none.)
    fn descend(&self, cpu: f64, mem: f64) -> Option<usize> {
        let ok = |k: usize| admits(self.tree[k], cpu, mem);
        if !ok(1) {
            return None;
        }
        let mut k = 1;
        loop {
            // Down: the left child when it admits the task, else the right one.
            let mut down = true;
            while down && k < self.leaves {
                k *= 2;
                if !ok(k) {
                    k += 1;
                    down = ok(k);
                }
            }
            if down {
                let lo = (k - self.leaves) * BLOCK;
                let block = &self.room[lo..(lo + BLOCK).min(self.room.len())];
                if let Some(i) = block.iter().position(|&r| admits(r, cpu, mem)) {
                    return Some(lo + i);
                }
            }
            // Up: to the nearest left child whose right sibling admits the task.
            loop {
                if k == 1 {
                    return None;
                }
                if k % 2 == 0 && ok(k + 1) {
                    k += 1;
                    break;
                }
                k /= 2;
            }
        }
    }

    /// Node `n`'s free amounts changed: its room, and the tree (the loose node's first,
    /// unless `n` is it, back at the room the tree holds).
    fn update(&mut self, n: usize) {
        self.room[n] = room(self.free[n]);
        if let Some((m, held)) = self.loose.take() {
            if m != n {
                self.raise_tree(m);
            } else if self.room[n] == held {
                return;
            }
        }
        self.update_tree(n);
    }

    /// A task ended on node `n` (its free amounts grew): the node is left loose, the one
    /// loose before written to the tree.
    fn grow(&mut self, n: usize) {
        match self.loose {
            Some((m, _)) if m == n => {}
            Some((m, _)) => {
                // Before n's room changes: n may be in m's block.
                self.raise_tree(m);
                self.loose = Some((n, self.room[n]));
            }
            None => self.loose = Some((n, self.room[n])),
        }
        self.room[n] = room(self.free[n]);
    }

    /// Writes the loose node `n`'s room, which only grew since the tree took it (tasks
    /// ended there): each node above it becomes the larger of itself and that room, up to
    /// the first that already holds as much (no block scanned, no sibling read).
    fn raise_tree(&mut self, n: usize) {
        let r = self.room[n];
        let mut k = self.leaves + n / BLOCK;
        loop {
            let t = self.tree[k];
            if admits(t, r.0, r.1) {
                return;
            }
            self.tree[k] = max2(t, r);
            if k == 1 {
                return;
            }
            k /= 2;
        }
    }

    /// The largest rooms for cpu and for memory over the nodes.
    fn largest(&self) -> (f64, f64) {
        match self.loose {
            Some((n, _)) => max2(self.tree[1], self.room[n]),
            None => self.tree[1],
        }
    }

    /// Node `n`'s room changed: refresh its block's path in the max tree, up to the first
    /// node that stays as it was (its ancestors then do too; with many nodes of equal free
    /// amounts that is mostly the first one).
    fn update_tree(&mut self, n: usize) {
        let lo = n / BLOCK * BLOCK;
        let m = block_max(&self.room[lo..(lo + BLOCK).min(self.room.len())]);
        let mut k = self.leaves + n / BLOCK;
        if self.tree[k] == m {
            return;
        }
        self.tree[k] = m;
        while k > 1 {
            k /= 2;
            let m = max2(self.tree[2 * k], self.tree[2 * k + 1]);
            if self.tree[k] == m {
                return;
            }
            self.tree[k] = m;
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
/// request on its own, which both trees rely on. (The queue compares rooms; this is the
/// definition the tests check it against.)
#[cfg(test)]
fn fits(cpu: f64, mem: f64, fc: f64, fm: f64) -> bool {
    admits(room((fc, fm)), cpu, mem)
}

/// The largest (cpu, memory) request that [`fits`] in free amounts `f`: each amount plus
/// the tolerance. It grows with each amount (in floating point too: each step rounds
/// monotonically), so the max trees may hold rooms, and -inf stays -inf.
fn room(f: (f64, f64)) -> (f64, f64) {
    (f.0 + 1e-9 * f.0.max(1.0), f.1 + 1e-9 * f.1.abs().clamp(1.0, 1e12))
}

/// Whether a (cpu, mem) request fits in room `r` (from [`room`]).
#[inline]
fn admits(r: (f64, f64), cpu: f64, mem: f64) -> bool {
    cpu <= r.0 && mem <= r.1
}

/// The larger free cpu and the larger free memory (free amounts are never NaN, so plain
/// comparisons do; f64::max's NaN handling costs).
fn max2(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (
        if b.0 > a.0 { b.0 } else { a.0 },
        if b.1 > a.1 { b.1 } else { a.1 },
    )
}

/// Nodes per leaf of the nodes' max tree: 8 nodes' free amounts are two cache lines.
const BLOCK: usize = 8;

fn block_max(block: &[(f64, f64)]) -> (f64, f64) {
    block
        .iter()
        .fold((f64::NEG_INFINITY, f64::NEG_INFINITY), |a, &f| max2(a, f))
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
        let largest = self.largest();
        let stale = self.stale_pick();
        if stale.is_none() {
            self.settle();
        }
        let (u, node) = stale.unwrap_or_else(|| loop {
            let top = self.users.top();
            // Nobody waits, or no waiting request fits the largest free amounts.
            if top.key == u128::MAX || !admits(largest, top.cpu, top.mem) {
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
        self.grow(node);
        self.user_cpu[u] = (self.user_cpu[u] - st.cpu).max(0.0);
        self.user_mem[u] = (self.user_mem[u] - st.mem).max(0.0);
        if self.stale != Some(u) {
            self.settle();
        }
        self.key_of[u] = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        let (e, leaf) = (self.entry(u), self.users.leaf(u));
        if e.key < leaf.key {
            self.stale = Some(u); // a share that fell (the request is the same)
        } else if e != leaf {
            self.users.set(u, e);
        }
    }
}

#[cfg(test)]
mod tests;
