//! DRF's nodes: their free (cpu, memory) and first-fit placement, in O(1) per event while
//! the requests come in few distinct sizes and O(log nodes) otherwise.
//!
//! While at most [`CLASSES`] distinct requests have been asked for, each such request (a
//! class) has a hierarchical bitset of the nodes where it fits: the first fit is the lowest
//! set bit (a few trailing-zero counts, whatever the node count) and a node whose free
//! amounts change rewrites one bit per class. A request that is not a class once
//! [`CLASSES`] are taken turns the bitsets into a max tree over the nodes' free amounts
//! (built once from them; it serves every request from then on). Both find the same node:
//! the first one, in index order, where the request fits.

/// The most distinct requests the bitsets serve (each changed node rewrites one bit per
/// class, so a few; more turn the tree on).
pub(super) const CLASSES: usize = 4;

/// Nodes per leaf of the nodes' max tree: 8 nodes' free amounts are two cache lines.
const BLOCK: usize = 8;

/// The nodes' capacities and free amounts, and the structure that finds first fits.
pub(super) struct Nodes {
    cap: Vec<(f64, f64)>,
    /// Per node: free cpu and memory.
    pub(super) free: Vec<(f64, f64)>,
    /// Per node: its [`room`], the free amounts with [`super::fits`]' rounding tolerance
    /// added, so a fit is two comparisons (`room` grows with the free amounts, so the
    /// largest room is the room of the largest free amounts and the max tree can hold
    /// rooms).
    room: Vec<(f64, f64)>,
    /// The requests served by bitsets (while the tree is off).
    classes: Vec<Class>,
    /// The max tree, once a request past [`CLASSES`] turned it on.
    tree: Option<Tree>,
    /// With the bitsets: a node whose room grew (tasks ended there) while the classes'
    /// bits still hold its room before (the second value), as the tree leaves a node
    /// loose: written when anything else changes first, and not at all when the next
    /// placement takes the node back to that room (on a saturated cluster, the task that
    /// ends frees what the next task takes). Every other node's bits are current; a fit
    /// looks at this node besides the bits (its bits admit no more than its room does).
    loose: Option<(usize, (f64, f64))>,
}

/// One distinct request and the nodes where it fits.
struct Class {
    cpu: f64,
    mem: f64,
    fit: Bits,
}

/// The most levels of a [`Bits`]: 64^4 (16.7 million) nodes; the tree serves more.
const LEVELS: usize = 4;

/// A set of node indices with the lowest one found in O(levels): bit i of level 0 is node
/// i, and bit j of level l + 1 is set when word j of level l is not zero; the last level
/// is one word (65,536 nodes are three levels). The levels lie one after the other in
/// `words`, level l from `start[l]`.
pub(super) struct Bits {
    words: Vec<u64>,
    start: [usize; LEVELS],
    depth: usize,
}

impl Bits {
    /// An empty set of indices below `n` (at most 64^[`LEVELS`]).
    pub(super) fn new(n: usize) -> Self {
        let (mut start, mut depth, mut total, mut len) = ([0; LEVELS], 0, 0, n);
        loop {
            let words = len.div_ceil(64).max(1);
            start[depth] = total;
            total += words;
            depth += 1;
            if words == 1 {
                break;
            }
            len = words;
        }
        Bits {
            words: vec![0; total],
            start,
            depth,
        }
    }

    /// Puts `i` in the set (`on`) or takes it out. The levels above change only when its
    /// word turns empty or non-empty, so mostly one word is written, and with at most 64
    /// nodes (one level) always.
    #[inline]
    pub(super) fn assign(&mut self, i: usize, on: bool) {
        let w = &mut self.words[i / 64];
        let was = *w;
        let bit = 1 << (i % 64);
        let now = if on { was | bit } else { was & !bit };
        *w = now;
        if self.depth > 1 && (was == 0) != (now == 0) {
            self.mark(i / 64, now != 0);
        }
    }

    /// Word `i` of level 0 turned non-empty (`on`) or empty: its bit in level 1, and so on
    /// up while words turn.
    #[inline(never)]
    fn mark(&mut self, mut i: usize, mut on: bool) {
        for l in 1..self.depth {
            let w = &mut self.words[self.start[l] + i / 64];
            let was = *w;
            let bit = 1 << (i % 64);
            let now = if on { was | bit } else { was & !bit };
            *w = now;
            if (was == 0) == (now == 0) {
                return;
            }
            (i, on) = (i / 64, now != 0);
        }
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.words[self.words.len() - 1] == 0
    }

    /// The lowest index in the set.
    #[inline]
    pub(super) fn first(&self) -> Option<usize> {
        let top = self.words[self.words.len() - 1];
        if top == 0 {
            return None;
        }
        if self.depth == 1 {
            return Some(top.trailing_zeros() as usize);
        }
        let mut i = 0;
        for l in (0..self.depth).rev() {
            i = i * 64 + self.words[self.start[l] + i].trailing_zeros() as usize;
        }
        Some(i)
    }
}

/// A max tree over blocks of [`BLOCK`] consecutive nodes: slot `leaves + b` holds the
/// largest room for cpu and the largest room for memory in block b, slot k the largest
/// below it (padding: -inf), so first-fit skips every subtree where no node can fit and a
/// placement costs about O(log nodes) instead of a scan of the nodes. A block is scanned:
/// the tree is a few times smaller and stays in the CPU's cache.
struct Tree {
    max: Vec<(f64, f64)>,
    leaves: usize,
    /// A node whose room grew (a task ended there) while the tree still holds its room
    /// before (the second value): written to the tree when anything else changes first,
    /// and not at all when the next placement takes the node back to that room, as on a
    /// saturated cluster where the task that ends frees the core the next task takes.
    /// The tree holds every other node's room; a fit looks at this node besides the tree.
    loose: Option<(usize, (f64, f64))>,
}

impl Tree {
    fn new(room: &[(f64, f64)]) -> Self {
        let leaves = room.len().div_ceil(BLOCK).next_power_of_two();
        let mut max = vec![(f64::NEG_INFINITY, f64::NEG_INFINITY); 2 * leaves];
        for (b, block) in room.chunks(BLOCK).enumerate() {
            max[leaves + b] = block_max(block);
        }
        for k in (1..leaves).rev() {
            max[k] = max2(max[2 * k], max[2 * k + 1]);
        }
        Tree {
            max,
            leaves,
            loose: None,
        }
    }

    /// First node (in index order) where a (cpu, mem) task fits: the first fit the tree
    /// finds, or the loose node when it fits and comes first (the tree holds a smaller
    /// room for it, so the tree alone may skip it; every other node it holds as it is).
    fn fit(&self, room: &[(f64, f64)], cpu: f64, mem: f64) -> Option<usize> {
        let found = self.descend(room, cpu, mem);
        match self.loose {
            Some((n, _)) if found.is_none_or(|f| n < f) && admits(room[n], cpu, mem) => Some(n),
            _ => found,
        }
    }

    /// The tree's first fit: a descent, left subtree first, into subtrees whose largest
    /// rooms admit the task, back up to the next right subtree when a block holds no fit.
    /// (A fit grows with both rooms, so a subtree whose maxima do not admit the task holds
    /// no node that does; the maxima may be two nodes' (cpu of one, memory of another),
    /// so one that does admit it may still hold none.)
    fn descend(&self, room: &[(f64, f64)], cpu: f64, mem: f64) -> Option<usize> {
        let ok = |k: usize| admits(self.max[k], cpu, mem);
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
                let block = &room[lo..(lo + BLOCK).min(room.len())];
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

    /// Node `n`'s room was lowered or set (now `room[n]`): the tree (the loose node's
    /// first, unless `n` is it, back at the room the tree holds).
    fn update(&mut self, room: &[(f64, f64)], n: usize) {
        if let Some((m, held)) = self.loose.take() {
            if m != n {
                self.raise(room, m);
            } else if room[n] == held {
                return;
            }
        }
        self.update_path(room, n);
    }

    /// A task ended on node `n`, whose room is still `before` in `room`: the node is left
    /// loose, the one loose before written to the tree. Called before `room[n]` changes.
    fn grow(&mut self, room: &[(f64, f64)], n: usize) {
        match self.loose {
            Some((m, _)) if m == n => {}
            Some((m, _)) => {
                // Before n's room changes: n may be in m's block.
                self.raise(room, m);
                self.loose = Some((n, room[n]));
            }
            None => self.loose = Some((n, room[n])),
        }
    }

    /// Writes the loose node `n`'s room, which only grew since the tree took it (tasks
    /// ended there): each node above it becomes the larger of itself and that room, up to
    /// the first that already holds as much (no block scanned, no sibling read).
    fn raise(&mut self, room: &[(f64, f64)], n: usize) {
        let r = room[n];
        let mut k = self.leaves + n / BLOCK;
        loop {
            let t = self.max[k];
            if admits(t, r.0, r.1) {
                return;
            }
            self.max[k] = max2(t, r);
            if k == 1 {
                return;
            }
            k /= 2;
        }
    }

    /// The largest rooms for cpu and for memory over the nodes.
    fn largest(&self, room: &[(f64, f64)]) -> (f64, f64) {
        match self.loose {
            Some((n, _)) => max2(self.max[1], room[n]),
            None => self.max[1],
        }
    }

    /// Node `n`'s room changed: refresh its block's path in the max tree, up to the first
    /// node that stays as it was (its ancestors then do too; with many nodes of equal free
    /// amounts that is mostly the first one).
    fn update_path(&mut self, room: &[(f64, f64)], n: usize) {
        let lo = n / BLOCK * BLOCK;
        let m = block_max(&room[lo..(lo + BLOCK).min(room.len())]);
        let mut k = self.leaves + n / BLOCK;
        if self.max[k] == m {
            return;
        }
        self.max[k] = m;
        while k > 1 {
            k /= 2;
            let m = max2(self.max[2 * k], self.max[2 * k + 1]);
            if self.max[k] == m {
                return;
            }
            self.max[k] = m;
        }
    }
}

impl Nodes {
    /// Nodes of the given (cpu, memory) capacities, all free.
    pub fn new(cap: Vec<(f64, f64)>) -> Self {
        let room: Vec<(f64, f64)> = cap.iter().map(|&f| room(f)).collect();
        // Past the bitsets' reach (never, through the engine's 16-bit node numbers), the tree.
        let tree = (room.len() > 1 << (6 * LEVELS)).then(|| Tree::new(&room));
        Nodes {
            room,
            free: cap.clone(),
            cap,
            classes: Vec::new(),
            tree,
            loose: None,
        }
    }

    /// Prepares for (cpu, mem) requests: a class of its own while there is room for one,
    /// else the tree. A request must be noted before [`Nodes::fit`] and
    /// [`Nodes::none_fits`] are asked about it or about a least request below it.
    pub fn note(&mut self, cpu: f64, mem: f64) {
        if self.tree.is_some() || self.classes.iter().any(|c| c.cpu == cpu && c.mem == mem) {
            return;
        }
        if self.classes.len() == CLASSES {
            // The tree is built from the rooms, which are current.
            (self.classes, self.loose) = (Vec::new(), None);
            self.tree = Some(Tree::new(&self.room));
            return;
        }
        // The new class's bits are made from the rooms, so the loose node is written first.
        if let Some((m, _)) = self.loose.take() {
            self.refile(m);
        }
        let mut fit = Bits::new(self.room.len());
        for (n, &r) in self.room.iter().enumerate() {
            fit.assign(n, admits(r, cpu, mem));
        }
        self.classes.push(Class { cpu, mem, fit });
    }

    /// First node (in index order) where a (cpu, mem) task fits (a noted request).
    #[inline(always)]
    pub fn fit(&self, cpu: f64, mem: f64) -> Option<usize> {
        if let Some(t) = &self.tree {
            return t.fit(&self.room, cpu, mem);
        }
        let first = match self.classes.iter().find(|c| c.cpu == cpu && c.mem == mem) {
            Some(c) => c.fit.first(),
            // Not noted: a scan (the queue notes every request it asks about).
            None => self.room.iter().position(|&r| admits(r, cpu, mem)),
        };
        match self.loose {
            Some((n, _)) if first.is_none_or(|f| n < f) && admits(self.room[n], cpu, mem) => Some(n),
            _ => first,
        }
    }

    /// Whether a (cpu, mem) task fits on the loose node (with the bitsets), whose bits may
    /// say it does not.
    #[inline(always)]
    fn loose_admits(&self, cpu: f64, mem: f64) -> bool {
        self.loose.is_some_and(|(n, _)| admits(self.room[n], cpu, mem))
    }

    /// Whether no noted request at or above (cpu, mem) in both amounts fits on any node
    /// (so no waiting task fits when (cpu, mem) are the least requests waiting): with the
    /// tree, (cpu, mem) fits nowhere; with classes, no class at or above it fits anywhere
    /// (a class that fits somewhere puts (cpu, mem) there too, so this is no weaker).
    #[inline(always)]
    pub fn none_fits(&self, cpu: f64, mem: f64) -> bool {
        match &self.tree {
            Some(t) => !admits(t.largest(&self.room), cpu, mem),
            None => self.classes.iter().all(|c| {
                c.cpu < cpu || c.mem < mem || (c.fit.is_empty() && !self.loose_admits(c.cpu, c.mem))
            }),
        }
    }

    /// Whether the bitsets serve the fits and no noted request fits on any node (so no
    /// waiting task fits: each waiting request is noted). False with the tree.
    #[inline(always)]
    pub fn full(&self) -> bool {
        self.tree.is_none()
            && self
                .classes
                .iter()
                .all(|c| c.fit.is_empty() && !self.loose_admits(c.cpu, c.mem))
    }

    /// A (cpu, mem) task starts on node `n`.
    #[inline]
    pub fn take(&mut self, n: usize, cpu: f64, mem: f64) {
        let f = &mut self.free[n];
        f.0 = (f.0 - cpu).max(0.0);
        f.1 = (f.1 - mem).max(0.0);
        // The loose node back at the room its bits hold: nothing to write (inline, as on
        // a saturated cluster nearly every placement is this one).
        if let Some((m, held)) = self.loose {
            let r = room(*f);
            if m == n && r == held {
                self.room[n] = r;
                self.loose = None;
                return;
            }
        }
        self.update(n);
    }

    /// A (cpu, mem) task ended on node `n`.
    #[inline]
    pub fn give(&mut self, n: usize, cpu: f64, mem: f64) {
        let (cap_c, cap_m) = self.cap[n];
        let f = &mut self.free[n];
        f.0 = (f.0 + cpu).min(cap_c);
        f.1 = (f.1 + mem).min(cap_m);
        self.grow(n);
    }

    /// Node `n`'s free amounts were set (any change): its room and the structure (the
    /// loose node's bits first, unless `n` is it, back at the room its bits hold).
    #[inline(never)]
    pub(super) fn update(&mut self, n: usize) {
        self.room[n] = room(self.free[n]);
        match &mut self.tree {
            Some(t) => t.update(&self.room, n),
            None => {
                if let Some((m, held)) = self.loose.take() {
                    if m != n {
                        self.refile(m);
                    } else if self.room[n] == held {
                        return;
                    }
                }
                self.refile(n);
            }
        }
    }

    /// Node `n`'s free amounts grew: its room; the node is left loose (the one loose
    /// before written).
    #[inline]
    pub(super) fn grow(&mut self, n: usize) {
        if let Some(t) = &mut self.tree {
            t.grow(&self.room, n);
        } else {
            match self.loose {
                Some((m, _)) if m == n => {}
                Some((m, _)) => {
                    self.refile(m);
                    self.loose = Some((n, self.room[n]));
                }
                None => self.loose = Some((n, self.room[n])),
            }
        }
        self.room[n] = room(self.free[n]);
    }

    /// Node `n`'s bit in each class, from its room (out of line: the usual give and take
    /// write no bits, and stay small without it).
    #[inline(never)]
    fn refile(&mut self, n: usize) {
        let r = self.room[n];
        for c in &mut self.classes {
            c.fit.assign(n, admits(r, c.cpu, c.mem));
        }
    }

    /// The tree's largest rooms for cpu and for memory over the nodes (tests).
    #[cfg(test)]
    pub(super) fn largest(&self) -> (f64, f64) {
        self.tree
            .as_ref()
            .map_or((f64::NAN, f64::NAN), |t| t.largest(&self.room))
    }

    /// Whether the tree serves the fits (tests).
    #[cfg(test)]
    pub(super) fn tree_on(&self) -> bool {
        self.tree.is_some()
    }
}

/// The largest (cpu, memory) request that fits in free amounts `f`: each amount plus the
/// tolerance for the rounding of repeated subtractions. It grows with each amount (in
/// floating point too: each step rounds monotonically), so the max tree may hold rooms,
/// and -inf stays -inf.
pub(super) fn room(f: (f64, f64)) -> (f64, f64) {
    (f.0 + 1e-9 * f.0.max(1.0), f.1 + 1e-9 * f.1.abs().clamp(1.0, 1e12))
}

/// Whether a (cpu, mem) request fits in room `r` (from [`room`]).
#[inline]
pub(super) fn admits(r: (f64, f64), cpu: f64, mem: f64) -> bool {
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

fn block_max(block: &[(f64, f64)]) -> (f64, f64) {
    block
        .iter()
        .fold((f64::NEG_INFINITY, f64::NEG_INFINITY), |a, &f| max2(a, f))
}
