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

/// Bytes per arc across the arrays below (pred, node, f, g, and the out-list of stage 3).
pub(super) const ARC_BYTES: usize = 4 + 4 + 8 + 8 + 4;

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
    pub(super) arc_node: Vec<u32>,
    f: Vec<f64>,
    pub(super) g: Vec<f64>,
    // forward best two per node (arc ids), backward best two (labels: successor job)
    fb1: Vec<f64>,
    fa1: Vec<u32>,
    fb2: Vec<f64>,
    fa2: Vec<u32>,
    bb1: Vec<f64>,
    bk1: Vec<u32>,
    bb2: Vec<f64>,
}

impl Arcs {
    /// The arcs between nodes alive after stage 1 that obey the adjacency rule and whose
    /// stage-1 bound may beat the incumbent. `None` when they would need more than `memory`;
    /// stops early (with a partial set the caller must not use) once `budget` is exhausted.
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
            arc_node: Vec::new(),
            f: Vec::new(),
            g: Vec::new(),
            fb1: Vec::new(),
            fa1: Vec::new(),
            fb2: Vec::new(),
            fa2: Vec::new(),
            bb1: Vec::new(),
            bk1: Vec::new(),
            bb2: Vec::new(),
        };
        let node_bytes = 8 * 6;
        for t in 1..=h {
            if t % 64 == 0 && budget.exhausted() {
                break;
            }
            for j in 0..m {
                if !alive[t * m + j] {
                    continue;
                }
                let pj = pb.p[j];
                let tail = pb.cost(j, t) - mu[j] + st1.b[t * m + j] + musum;
                let before = a.pred.len();
                if t == pj && bounds.keeps(tail) {
                    a.pred.push(NONE);
                }
                let s = t - pj;
                if s > 0 {
                    for i in 0..m {
                        if i == j || !alive[s * m + i] || !pb.pair_ok(i, j, t) {
                            continue;
                        }
                        if bounds.keeps(st1.f[s * m + i] + tail) {
                            a.pred.push(i as u32);
                        }
                    }
                }
                if a.pred.len() > before {
                    let id = a.node_t.len() as u32;
                    node_of[t * m + j] = id;
                    a.node_t.push(t as u32);
                    a.node_j.push(j as u32);
                    a.start.push(a.pred.len() as u32);
                    a.arc_node.resize(a.pred.len(), id);
                }
                let used = a.pred.len() * ARC_BYTES + a.node_t.len() * node_bytes + node_of.len() * 4;
                if used > memory || a.pred.len() >= u32::MAX as usize / 2 {
                    return None;
                }
            }
        }
        a.node_of = node_of;
        a.size_tables();
        Some(a)
    }

    fn size_tables(&mut self) {
        let (na, nn) = (self.pred.len(), self.node_t.len());
        self.f = vec![INF; na];
        self.g = vec![INF; na];
        self.fb1 = vec![INF; nn];
        self.fa1 = vec![NONE; nn];
        self.fb2 = vec![INF; nn];
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

    /// The node where the predecessor i of an arc into (t, j) completes, or NONE.
    #[inline]
    pub(super) fn pred_node(&self, pb: &Problem, t: usize, j: usize, i: u32) -> u32 {
        if i == NONE {
            return NONE;
        }
        self.node_of[(t - pb.p[j]) * self.m + i as usize]
    }

    /// Forward values for `mu`; returns the relaxed optimum without Σμ.
    pub(super) fn forward(&mut self, pb: &Problem, mu: &[f64]) -> f64 {
        let mut best = INF;
        for n in 0..self.nodes() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n] as usize);
            let here = pb.cost(j, t) - mu[j];
            let (mut b1, mut a1, mut b2, mut a2) = (INF, NONE, INF, NONE);
            for a in self.arcs_of(n) {
                let i = self.pred[a];
                let base = if i == NONE {
                    0.0
                } else {
                    let pn = self.pred_node(pb, t, j, i);
                    if pn == NONE {
                        INF
                    } else {
                        let pn = pn as usize;
                        let a1p = self.fa1[pn];
                        if a1p != NONE && self.pred[a1p as usize] != j as u32 {
                            self.fb1[pn]
                        } else {
                            self.fb2[pn]
                        }
                    }
                };
                let v = base + here;
                self.f[a] = v;
                offer2(v, a as u32, &mut b1, &mut a1, &mut b2, &mut a2);
            }
            self.fb1[n] = b1;
            self.fa1[n] = a1;
            self.fb2[n] = b2;
            self.fa2[n] = a2;
            if t == self.h {
                best = best.min(b1);
            }
        }
        best
    }

    /// The relaxed optimum of the last `forward`, jobs in order.
    pub(super) fn path(&self, pb: &Problem) -> Vec<usize> {
        let mut a = NONE;
        let mut best = INF;
        for n in (0..self.nodes()).rev() {
            if (self.node_t[n] as usize) < self.h {
                break;
            }
            if self.fb1[n] < best {
                best = self.fb1[n];
                a = self.fa1[n];
            }
        }
        let mut out = Vec::new();
        while a != NONE {
            let n = self.arc_node[a as usize] as usize;
            let (t, j) = (self.node_t[n] as usize, self.node_j[n]);
            out.push(j as usize);
            let i = self.pred[a as usize];
            let pn = self.pred_node(pb, t, j as usize, i);
            if pn == NONE {
                break;
            }
            let pn = pn as usize;
            a = if self.fa1[pn] != NONE && self.pred[self.fa1[pn] as usize] != j {
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
                let pn = self.pred_node(pb, t, j, i);
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
        let path = self.path(pb);
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
        let (mut nt, mut nj, mut start) = (Vec::new(), Vec::new(), vec![0u32]);
        let (mut pred, mut arc_node) = (Vec::new(), Vec::new());
        for n in 0..self.nodes() {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n] as usize);
            let before = pred.len();
            for a in self.arcs_of(n) {
                let i = self.pred[a];
                if !bounds.keeps(self.f[a] + self.g[a] + musum) {
                    continue;
                }
                if i != NONE && new_of[(t - pb.p[j]) * self.m + i as usize] == NONE {
                    continue;
                }
                pred.push(i);
            }
            if pred.len() > before {
                let id = nt.len() as u32;
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
        self.arc_node = arc_node;
        self.size_tables();
        path
    }

    /// For stage 3: the arcs leaving each node (arcs whose predecessor completes there), as
    /// CSR offsets and arc ids.
    pub(super) fn out_arcs(&self, pb: &Problem) -> (Vec<u32>, Vec<u32>) {
        let nn = self.nodes();
        let mut cnt = vec![0u32; nn + 1];
        let mut src = vec![NONE; self.len()];
        for n in 0..nn {
            let (t, j) = (self.node_t[n] as usize, self.node_j[n] as usize);
            for a in self.arcs_of(n) {
                let pn = self.pred_node(pb, t, j, self.pred[a]);
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

    /// The start arcs (no predecessor), for stage 3.
    pub(super) fn start_arcs(&self) -> Vec<usize> {
        (0..self.len()).filter(|&a| self.pred[a] == NONE).collect()
    }
}

impl Relaxation for Arcs {
    fn evaluate(&mut self, pb: &Problem, mu: &[f64]) -> (f64, Vec<usize>) {
        let v = self.forward(pb, mu);
        (v, self.path(pb))
    }
}
