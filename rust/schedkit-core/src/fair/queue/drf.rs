//! Dominant resource fairness on (cpu, memory) over nodes: progressive filling, each task
//! to the user with the smallest weighted dominant share whose next task fits on a node.
//! DRF counts resources, not cores: a round ends when no waiting user's next task fits.
//!
//! An event costs O(log users + log nodes): the user whose share or next task changed is
//! re-filed in a list while few users wait (the next user found by a scan of it) and in a
//! tournament tree over the users past that, the node is found by [`Nodes`] (a bitset per
//! distinct request while there are few, else a max tree over the nodes' free amounts),
//! and a round on a cluster too full for every waiting user's next task ends at the top
//! (the least requests waiting) without visiting a user.

use std::collections::BTreeSet;

mod nodes;

use super::{Launch, ReadyQueue};
use crate::error::CoreResult;
use crate::fair::job::Job;
use crate::fair::vtime::K;
use nodes::Nodes;

/// A user's first ready stage (the next task it would start) and that task's request.
#[derive(Clone, Copy, Debug, Default)]
struct Head {
    cpu: f64,
    mem: f64,
    seq: u64,
    stage: usize,
    slot: usize,
}

/// A user's usage, weight, weighted dominant share while it has ready stages, and first
/// ready stage (valid while there is one), so a pick reads its next request without a
/// search.
#[derive(Clone, Copy, Debug)]
struct User {
    cpu: f64,
    mem: f64,
    weight: f64,
    key: Option<K>,
    head: Head,
}

/// DRF over (cpu, memory): per-node capacities, per-user usage and ready stages, users
/// ordered by weighted dominant share.
pub(in crate::fair) struct DrfQueue {
    /// The nodes' free amounts and first-fit placement.
    nodes: Nodes,
    total_cpu: f64,
    total_mem: f64,
    /// Whether memory counts in the shares (a bounded total).
    mem_counts: bool,
    /// Per user: what a pick reads of it, together (one bounds check, one cache line).
    user: Vec<User>,
    /// Per user: ready stages in (job seq, stage) order.
    ready: Vec<BTreeSet<(u64, usize, usize)>>,
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

    /// Sets user `u`'s key, its request left as it is.
    fn set_key(&mut self, u: usize, key: u128) {
        let mut k = self.leaves + u;
        self.key[k] = key;
        while k > 1 {
            k /= 2;
            let j = self.key[2 * k].min(self.key[2 * k + 1]);
            if self.key[k] == j {
                break;
            }
            self.key[k] = j;
        }
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
        self.set_key(u, e.key);
        let leaf = self.leaves + u;
        if self.req[leaf] == (e.cpu, e.mem) {
            return;
        }
        let mut k = leaf;
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
    /// The smallest key and the least requests over `filed`, each while known (the list
    /// alone): a user's share changes on every task, its request only with its next stage,
    /// so a scan after a pick reads the keys alone.
    top_key: Option<u128>,
    /// The second smallest key filed (`NOBODY`'s when one user is), while known with the
    /// top's: the picked user is most often the top, and stays it while its raised key
    /// is below this one, so a pick then needs no scan.
    second: Option<u128>,
    least: Option<(f64, f64)>,
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
            top_key: None,
            second: None,
            least: None,
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
        let key = match self.top_key {
            Some(k) => k,
            None => {
                // The two smallest keys (users' keys differ: each holds its user).
                let (mut a, mut b) = (NOBODY.key, NOBODY.key);
                for e in &self.filed {
                    if e.key < a {
                        (a, b) = (e.key, a);
                    } else if e.key < b {
                        b = e.key;
                    }
                }
                (self.top_key, self.second) = (Some(a), Some(b));
                a
            }
        };
        let (cpu, mem) = self.least();
        Entry { key, cpu, mem }
    }

    /// The least cpu and memory requests filed (infinite when none is).
    fn least(&mut self) -> (f64, f64) {
        if self.tree_on {
            let t = self.tree.top();
            return (t.cpu, t.mem);
        }
        match self.least {
            Some(l) => l,
            None => {
                let l = self
                    .filed
                    .iter()
                    .fold((NOBODY.cpu, NOBODY.mem), |l, e| least(l, (e.cpu, e.mem)));
                self.least = Some(l);
                l
            }
        }
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
        } else {
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
            self.new_key(old.key, e.key);
            if let Some((c, m)) = self.least {
                self.least = match (part(c, old.cpu, e.cpu), part(m, old.mem, e.mem)) {
                    (Some(c), Some(m)) => Some((c, m)),
                    _ => None,
                };
            }
        }
        self.switch_form();
    }

    /// Re-files user `u`, filed, with key `key` and its request as it was (a share that
    /// changed): the top's request part stands.
    fn set_key(&mut self, u: usize, key: u128) {
        let i = self.at[u];
        let old = self.filed[i].key;
        self.filed[i].key = key;
        if self.tree_on {
            self.tree.set_key(u, key);
        } else {
            self.new_key(old, key);
        }
    }

    /// The list's top and second key after a user's key went from `old` to `key` (either
    /// [`NOBODY`]'s when the user is filed or taken out).
    fn new_key(&mut self, old: u128, key: u128) {
        if let Some(t) = self.top_key {
            // (Keys differ, so `old == t` says `u` held the top, `old == s` the second.)
            if key <= t {
                // `u` is the top; the one before is second unless it was `u`.
                if old != t {
                    self.second = Some(t);
                }
                self.top_key = Some(key);
            } else if old == t {
                // `u` held the top and its key grew: it stays top below the second, else
                // the second is the top and the next second unknown.
                (self.top_key, self.second) = match self.second {
                    Some(s) if key < s => (Some(key), Some(s)),
                    s => (s, None),
                };
            } else if let Some(s) = self.second {
                self.second = if key <= s {
                    Some(key)
                } else if old == s {
                    None
                } else {
                    Some(s)
                };
            }
        }
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
            (self.top_key, self.second, self.least) = (None, None, None);
        }
    }
}

impl DrfQueue {
    /// A queue over nodes of the given (cpu, memory) capacities.
    pub fn new(cap: Vec<(f64, f64)>) -> Self {
        DrfQueue {
            total_cpu: cap.iter().map(|n| n.0).sum(),
            total_mem: cap.iter().map(|n| n.1).sum(),
            mem_counts: cap.iter().map(|n| n.1).sum::<f64>().is_finite(),
            nodes: Nodes::new(cap),
            user: Vec::new(),
            ready: Vec::new(),
            users: UserSet::new(),
            sat_out: Vec::new(),
            stale: None,
        }
    }

    fn share(&self, u: usize) -> f64 {
        let us = &self.user[u];
        let m = if self.mem_counts {
            us.mem / self.total_mem
        } else {
            0.0
        };
        (us.cpu / self.total_cpu).max(m) / us.weight
    }

    /// User `u`'s entry as it stands: its key and next request, or [`NOBODY`].
    fn entry(&self, u: usize) -> Entry {
        let us = &self.user[u];
        match us.key {
            Some(k) => Entry {
                key: user_key(k, u),
                cpu: us.head.cpu,
                mem: us.head.mem,
            },
            None => NOBODY,
        }
    }

    /// Re-files user `u` after its share or its ready stages changed; its leaf is left
    /// alone when its entry is unchanged.
    fn refresh(&mut self, u: usize) {
        self.user[u].key = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
        let e = self.entry(u);
        if self.users.leaf(u) != e {
            self.users.set(u, e);
        }
    }

    /// Re-files user `u`, filed and with the same next task, after its share changed.
    fn refresh_share(&mut self, u: usize) {
        let share = K(self.share(u));
        self.user[u].key = Some(share);
        let key = user_key(share, u);
        match self.users.at[u] {
            NONE => self.users.set(u, self.entry(u)),
            i if self.users.filed[i].key != key => self.users.set_key(u, key),
            _ => {}
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
        Some((v, self.nodes.fit(e.cpu, e.mem)?))
    }

    /// User `u`'s first ready stage, read again after its first one was taken out.
    fn set_head(&mut self, jobs: &[Job], u: usize) {
        let Some(&(seq, stage, slot)) = self.ready[u].first() else {
            return;
        };
        let st = &jobs[slot].stages[stage];
        self.nodes.note(st.cpu, st.mem);
        self.user[u].head = Head {
            cpu: st.cpu,
            mem: st.mem,
            seq,
            stage,
            slot,
        };
    }

    /// [`ReadyQueue::pick`] past a full cluster: the next user in DRF order whose next
    /// task fits, and its node.
    #[inline(never)]
    fn pick_user(&mut self, jobs: &[Job]) -> Option<Launch> {
        let stale = self.stale_pick();
        if stale.is_none() {
            self.settle();
        }
        let (u, node) = stale.unwrap_or_else(|| loop {
            let top = self.users.top();
            // Nobody waits, or no waiting request fits on any node.
            if top.key == u128::MAX || self.nodes.none_fits(top.cpu, top.mem) {
                break (usize::MAX, 0);
            }
            let u = user_of(top.key);
            let h = &self.user[u].head;
            match self.nodes.fit(h.cpu, h.mem) {
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
        let us = &mut self.user[u];
        let h = us.head;
        us.cpu += h.cpu;
        us.mem += h.mem;
        self.nodes.take(node, h.cpu, h.mem);
        let st = &jobs[h.slot].stages[h.stage];
        // The stale user's leaf holds the key it had before its task ended: when this
        // pick brings it back, nothing is written.
        self.stale = None;
        if st.next + 1 == st.n {
            self.ready[u].remove(&(h.seq, h.stage, h.slot));
            self.set_head(jobs, u);
            self.refresh(u);
        } else {
            self.refresh_share(u);
        }
        Some(Launch {
            slot: h.slot,
            stage: h.stage,
            k: 1,
            node,
        })
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
/// request on its own, which the placement relies on. (The queue compares rooms; this is
/// the definition the tests check it against.)
#[cfg(test)]
fn fits(cpu: f64, mem: f64, fc: f64, fm: f64) -> bool {
    nodes::admits(nodes::room((fc, fm)), cpu, mem)
}

impl ReadyQueue for DrfQueue {
    fn add_user(&mut self, u: usize, weight: f64, _pool: usize) -> CoreResult<()> {
        self.user.push(User {
            cpu: 0.0,
            mem: 0.0,
            weight,
            key: None,
            head: Head::default(),
        });
        self.ready.push(BTreeSet::new());
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
            self.nodes.note(st.cpu, st.mem);
            self.user[u].head = Head {
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
    #[inline]
    fn pick(&mut self, jobs: &[Job]) -> Option<Launch> {
        // A full cluster (every task of a saturated one ends with this call) ends the round
        // without a look at the users (the stale user's leaf, if any, is written later),
        // inline in the engine's round.
        if self.nodes.full() {
            if !self.sat_out.is_empty() {
                self.end_round();
            }
            return None;
        }
        self.pick_user(jobs)
    }

    fn on_task_finish(&mut self, job: &Job, _slot: usize, s: usize, node: usize) {
        let (u, st) = (job.user, &job.stages[s]);
        self.nodes.give(node, st.cpu, st.mem);
        let us = &mut self.user[u];
        us.cpu = (us.cpu - st.cpu).max(0.0);
        us.mem = (us.mem - st.mem).max(0.0);
        if self.stale != Some(u) {
            self.settle();
        }
        self.user[u].key = (!self.ready[u].is_empty()).then(|| K(self.share(u)));
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
