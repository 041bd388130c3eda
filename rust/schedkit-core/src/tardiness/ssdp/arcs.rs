//! Stage 2 of SSDP: the relaxation with memory of the last two jobs.
//!
//! A state is an arc "i then j, j completing at t" (i = NONE: j is first). A path may not
//! hold a job twice within three positions, and arcs that break the adjacent-interchange rule
//! are absent. The value of arc (i → j, t) takes the best arc into (t − p_j, i) whose first
//! job is not j; as with stage 1, the best two per node suffice, so one evaluation costs one
//! pass over the arcs. Backward values are computed the same way from the horizon, and an arc
//! whose forward + backward bound cannot beat the incumbent is removed.

use super::stage1::{Adjacency, Relaxation};
use super::{is_sequence, Bounds, Problem, INF, NONE};
use crate::budget::Budget;
use crate::tardiness::pair_bound::offer2;

/// Bytes per arc across the arrays below (pred, pnode, node, f, g, and the out-list of
/// stage 3).
pub(super) const ARC_BYTES: usize = 4 + 4 + 4 + 8 + 8 + 4;

/// The best two forward values over a node's arcs and the predecessor job of the best one,
/// together so that an arc reads its predecessor node's in one cache line.
#[derive(Clone, Copy)]
struct Best2 {
    b1: f64,
    b2: f64,
    k1: u32,
}

impl Best2 {
    const EMPTY: Best2 = Best2 {
        b1: INF,
        b2: INF,
        k1: NONE,
    };
    /// The best value over arcs whose predecessor job is not j.
    #[inline(always)]
    fn excl(&self, j: u32) -> f64 {
        if self.k1 != j {
            self.b1
        } else {
            self.b2
        }
    }
}

#[derive(Clone)]
pub(super) struct Arcs {
    m: usize,
    h: usize,
    /// Node id at t·m + j, or NONE.
    node_of: Vec<u32>,
    pub(super) node_t: Vec<u32>,
    pub(super) node_j: Vec<u32>,
    /// Arcs of node n are start[n]..start[n + 1]; nodes are in increasing t.
    start: Vec<u32>,
    pub(super) pred: Vec<u32>,
    /// The node the predecessor completes at (NONE for a first job), stored rather than
    /// looked up in `node_of`, which the per-round passes cannot afford.
    pnode: Vec<u32>,
    pub(super) arc_node: Vec<u32>,
    f: Vec<f64>,
    pub(super) g: Vec<f64>,
    // forward best two per node (values and the best one's predecessor job, then the arc
    // ids for reading the path back), backward best two (labels: successor job)
    fwd: Vec<Best2>,
    fa1: Vec<u32>,
    fa2: Vec<u32>,
    bb1: Vec<f64>,
    bk1: Vec<u32>,
    bb2: Vec<f64>,
}

impl Arcs {
    /// The arcs between nodes alive after stage 1 that obey the adjacency rule and through
    /// which some relaxed path may beat the incumbent. `None` when they would need more than
    /// `memory`; stops early (with a partial set the caller must not use) once `budget` is
    /// exhausted.
    ///
    /// The arcs are built in increasing t together with their stage-2 forward values, so an
    /// arc is kept only when its stage-2 value (the best kept arc into its predecessor node
    /// whose own predecessor is not j) plus the stage-1 backward bound of its node may beat
    /// the incumbent: far tighter than the stage-1 value at both ends, at no extra pass.
    /// Safe: along a path cheaper than the incumbent every arc's prefix runs over arcs kept
    /// before it (by induction on t), so its computed value is at most the path's prefix,
    /// the stage-1 bound at most its suffix (stage-2 paths are stage-1 paths), and it stays.
    pub(super) fn build(
        pb: &Problem,
        st1: &Adjacency,
        alive: &[bool],
        mu: &[f64],
        bounds: &Bounds,
        memory: usize,
        budget: &Budget,
    ) -> Option<Arcs> {
        let (m, h) = (pb.m, pb.horizon);
        let musum: f64 = mu.iter().sum();
        let mut node_of = vec![NONE; (h + 1) * m];
        let mut a = Arcs {
            m,
            h,
            node_of: Vec::new(),
            node_t: Vec::new(),
            node_j: Vec::new(),
            start: vec![0],
            pred: Vec::new(),
            pnode: Vec::new(),
            arc_node: Vec::new(),
            f: Vec::new(),
            g: Vec::new(),
            fwd: Vec::new(),
            fa1: Vec::new(),
            fa2: Vec::new(),
            bb1: Vec::new(),
            bk1: Vec::new(),
            bb2: Vec::new(),
        };
        // per node, the best two forward values of its kept arcs and the best one's
        // predecessor job (labels are unique: one arc per predecessor)
        let (mut nb1, mut nk1, mut nb2) = (Vec::new(), Vec::new(), Vec::new());
        // nodes of row t are row_start[t]..row_start[t + 1] (ids grow with t)
        let mut row_start = vec![0u32; h + 2];
        let node_bytes = 8 * 6 + 20;
        for t in 1..=h {
            row_start[t] = a.node_t.len() as u32;
            if t % 64 == 0 && budget.exhausted() {
                break;
            }
            for j in 0..m {
                if !alive[t * m + j] {
                    continue;
                }
                let pj = pb.p[j];
                let here = pb.cost(j, t) - mu[j];
                let tail = here + st1.b[t * m + j] + musum;
                let before = a.pred.len();
                let (mut b1, mut k1, mut b2, mut k2) = (INF, NONE, INF, NONE);
                if t == pj && bounds.keeps(tail) {
                    a.pred.push(NONE);
                    a.pnode.push(NONE);
                    offer2(here, NONE, &mut b1, &mut k1, &mut b2, &mut k2);
                }
                let s = t - pj;
                if s > 0 {
                    for id in row_start[s] as usize..row_start[s + 1] as usize {
                        let i = a.node_j[id];
                        if i == j as u32 {
                            continue;
                        }
                        let base = if nk1[id] != j as u32 { nb1[id] } else { nb2[id] };
                        if !bounds.keeps(base + tail) || !pb.pair_ok(i as usize, j, t) {
                            continue;
                        }
                        a.pred.push(i);
                        a.pnode.push(id as u32);
                        offer2(base + here, i, &mut b1, &mut k1, &mut b2, &mut k2);
                    }
                }
                if a.pred.len() > before {
                    let id = a.node_t.len() as u32;
                    node_of[t * m + j] = id;
                    a.node_t.push(t as u32);
                    a.node_j.push(j as u32);
                    a.start.push(a.pred.len() as u32);
                    a.arc_node.resize(a.pred.len(), id);
                    nb1.push(b1);
                    nk1.push(k1);
                    nb2.push(b2);
                }
                let used = a.pred.len() * ARC_BYTES + a.node_t.len() * node_bytes + node_of.len() * 4;
                if used > memory || a.pred.len() >= u32::MAX as usize / 2 {
                    return None;
                }
            }
            row_start[t + 1] = a.node_t.len() as u32;
        }
        a.node_of = node_of;
        a.size_tables();
        Some(a)
    }

    fn size_tables(&mut self) {
        let (na, nn) = (self.pred.len(), self.node_t.len());
        self.f = vec![INF; na];
        self.g = vec![INF; na];
        self.fwd = vec![Best2::EMPTY; nn];
        self.fa1 = vec![NONE; nn];
        self.fa2 = vec![NONE; nn];
        self.bb1 = vec![INF; nn];
        self.bk1 = vec![NONE; nn];
        self.bb2 = vec![INF; nn];
    }

    pub(super) fn len(&self) -> usize {
        self.pred.len()
    }
    pub(super) fn is_empty(&self) -> bool {
        self.pred.is_empty()
    }
    pub(super) fn nodes(&self) -> usize {
        self.node_t.len()
    }
    pub(super) fn arcs_of(&self, n: usize) -> std::ops::Range<usize> {
        self.start[n] as usize..self.start[n + 1] as usize
    }

    /// The node where arc a's predecessor completes, or NONE for a first job.
    #[inline]
    pub(super) fn pred_node(&self, a: usize) -> u32 {
        self.pnode[a]
    }

    /// Forward values for `mu` (kept per arc for [`Arcs::eliminate`]); returns the relaxed
    /// optimum without Σμ.
    pub(super) fn forward(&mut self, pb: &Problem, mu: &[f64]) -> f64 {
        self.forward_with(pb, mu, true)
    }

    /// As [`Arcs::forward`]; `store`: also write each arc's value (the subgradient rounds
    /// need only the nodes', and skipping 8 bytes an arc is a good part of a round).
    fn forward_with(&mut self, pb: &Problem, mu: &[f64], store: bool) -> f64 {
        let mut best = INF;
        for n in 0..self.nodes() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n]);
            let here = pb.cost(j as usize, t) - mu[j as usize];
            let (mut b1, mut a1, mut b2, mut a2) = (INF, NONE, INF, NONE);
            for a in self.arcs_of(n) {
                let pn = self.pnode[a];
                let base = if pn == NONE {
                    0.0
                } else {
                    self.fwd[pn as usize].excl(j)
                };
                let v = base + here;
                if store {
                    self.f[a] = v;
                }
                offer2(v, a as u32, &mut b1, &mut a1, &mut b2, &mut a2);
            }
            let k1 = if a1 == NONE { NONE } else { self.pred[a1 as usize] };
            self.fwd[n] = Best2 { b1, b2, k1 };
            self.fa1[n] = a1;
            self.fa2[n] = a2;
            if t == self.h {
                best = best.min(b1);
            }
        }
        best
    }

    /// The relaxed optimum of the last `forward`, jobs in order.
    pub(super) fn path(&self) -> Vec<usize> {
        let mut a = NONE;
        let mut best = INF;
        for n in (0..self.nodes()).rev() {
            if (self.node_t[n] as usize) < self.h {
                break;
            }
            if self.fwd[n].b1 < best {
                best = self.fwd[n].b1;
                a = self.fa1[n];
            }
        }
        let mut out = Vec::new();
        while a != NONE {
            let j = self.node_j[self.arc_node[a as usize] as usize];
            out.push(j as usize);
            let pn = self.pnode[a as usize];
            if pn == NONE {
                break;
            }
            let pn = pn as usize;
            a = if self.fwd[pn].k1 != j {
                self.fa1[pn]
            } else {
                self.fa2[pn]
            };
        }
        out.reverse();
        out
    }

    /// Backward values g for `mu` (cheapest relaxed completion after each arc).
    pub(super) fn backward(&mut self, pb: &Problem, mu: &[f64]) {
        self.bb1.iter_mut().for_each(|x| *x = INF);
        self.bb2.iter_mut().for_each(|x| *x = INF);
        self.bk1.iter_mut().for_each(|x| *x = NONE);
        for n in (0..self.nodes()).rev() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n] as usize);
            let here = pb.cost(j, t) - mu[j];
            for a in self.arcs_of(n) {
                let i = self.pred[a];
                let g = if t == self.h {
                    0.0
                } else if self.bk1[n] != i {
                    self.bb1[n]
                } else {
                    self.bb2[n]
                };
                self.g[a] = g;
                if g == INF {
                    continue;
                }
                let pn = self.pnode[a];
                if pn != NONE {
                    let pn = pn as usize;
                    let (mut b1, mut k1, mut b2, mut k2) = (self.bb1[pn], self.bk1[pn], self.bb2[pn], NONE);
                    offer2(here + g, j as u32, &mut b1, &mut k1, &mut b2, &mut k2);
                    self.bb1[pn] = b1;
                    self.bk1[pn] = k1;
                    self.bb2[pn] = b2;
                }
            }
        }
    }

    /// Removes every arc whose best relaxed path (forward + backward under `mu`) cannot beat
    /// the incumbent, and every arc whose predecessor node has gone. Raises the lower bound
    /// by the relaxed optimum on the way. Returns the relaxed optimum's path.
    pub(super) fn eliminate(
        &mut self,
        pb: &Problem,
        mu: &[f64],
        bounds: &mut Bounds,
        budget: &Budget,
    ) -> Vec<usize> {
        let musum: f64 = mu.iter().sum();
        let v = self.forward(pb, mu);
        let path = self.path();
        if v < INF {
            bounds.raise_lb(v + musum);
        }
        if is_sequence(pb.m, &path) {
            bounds.offer(pb, path.clone());
        }
        if budget.exhausted() {
            return path;
        }
        self.backward(pb, mu);
        let mut new_of = vec![NONE; self.node_of.len()];
        // old node id -> new one (NONE: removed); predecessors come first (smaller t)
        let mut renum = vec![NONE; self.nodes()];
        let (mut nt, mut nj, mut start) = (Vec::new(), Vec::new(), vec![0u32]);
        let (mut pred, mut pnode, mut arc_node) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..self.nodes() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n] as usize);
            let before = pred.len();
            for a in self.arcs_of(n) {
                if !bounds.keeps(self.f[a] + self.g[a] + musum) {
                    continue;
                }
                let pn = self.pnode[a];
                let to = if pn == NONE { NONE } else { renum[pn as usize] };
                if pn != NONE && to == NONE {
                    continue;
                }
                pred.push(self.pred[a]);
                pnode.push(to);
            }
            if pred.len() > before {
                let id = nt.len() as u32;
                renum[n] = id;
                new_of[t * self.m + j] = id;
                nt.push(t as u32);
                nj.push(j as u32);
                start.push(pred.len() as u32);
                arc_node.resize(pred.len(), id);
            }
        }
        self.node_of = new_of;
        self.node_t = nt;
        self.node_j = nj;
        self.start = start;
        self.pred = pred;
        self.pnode = pnode;
        self.arc_node = arc_node;
        self.size_tables();
        path
    }

    /// For stage 3: the arcs leaving each node (arcs whose predecessor completes there), as
    /// CSR offsets and arc ids.
    pub(super) fn out_arcs(&self) -> (Vec<u32>, Vec<u32>) {
        let nn = self.nodes();
        let mut cnt = vec![0u32; nn + 1];
        let mut src = vec![NONE; self.len()];
        for n in 0..nn {
            for a in self.arcs_of(n) {
                let pn = self.pnode[a];
                if pn != NONE {
                    src[a] = pn;
                    cnt[pn as usize + 1] += 1;
                }
            }
        }
        for n in 0..nn {
            cnt[n + 1] += cnt[n];
        }
        let mut fill = cnt.clone();
        let mut list = vec![0u32; cnt[nn] as usize];
        for (a, &s) in src.iter().enumerate() {
            if s != NONE {
                list[fill[s as usize] as usize] = a as u32;
                fill[s as usize] += 1;
            }
        }
        (cnt, list)
    }

    /// True when the arc "i then j, j completing at t" is in the network (i = None: j first).
    #[cfg(test)]
    pub(super) fn has_arc(&self, i: Option<usize>, j: usize, t: usize) -> bool {
        let n = self.node_of[t * self.m + j];
        let i = i.map_or(NONE, |i| i as u32);
        n != NONE && self.arcs_of(n as usize).any(|a| self.pred[a] == i)
    }

    /// The start arcs (no predecessor), for stage 3.
    pub(super) fn start_arcs(&self) -> Vec<usize> {
        (0..self.len()).filter(|&a| self.pred[a] == NONE).collect()
    }
}

impl Relaxation for Arcs {
    fn evaluate(&mut self, pb: &Problem, mu: &[f64]) -> (f64, Vec<usize>) {
        let v = self.forward_with(pb, mu, false);
        (v, self.path())
    }
}
