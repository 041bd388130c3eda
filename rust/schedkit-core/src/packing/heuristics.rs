//! Vector bin-packing heuristics (Panigrahy et al. 2011; Tetris), priority-aware: pods are
//! placed tier by tier from the highest priority down. Requests are normalised by the largest
//! node capacity per resource. Running pods stay where they are unless `repack` is set, in
//! which case every pod is placed from scratch (which may move or evict running pods).

use super::{Cluster, State};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use crate::util::{lookup, Entry};

/// A bin-packing heuristic of the [`METHODS`] registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heuristic {
    Ffd,
    Bfd,
    FirstFit,
    BestFit,
    WorstFit,
    Dot,
    L2,
    Tetris,
}

const fn method(name: &'static str, summary: &'static str, item: Heuristic) -> Entry<Heuristic> {
    Entry { name, summary, item }
}

/// The heuristics [`place`] accepts, by name.
pub const METHODS: [Entry<Heuristic>; 8] = [
    method(
        "ffd",
        "first fit decreasing: pods by decreasing size, each on the first node it fits",
        Heuristic::Ffd,
    ),
    method(
        "bfd",
        "best fit decreasing: pods by decreasing size, each on the node it leaves least room on",
        Heuristic::Bfd,
    ),
    method(
        "first-fit",
        "pods in order, each on the first node it fits",
        Heuristic::FirstFit,
    ),
    method(
        "best-fit",
        "pods in order, each on the node it leaves least weighted room on",
        Heuristic::BestFit,
    ),
    method(
        "worst-fit",
        "pods in order, each on the node it leaves most weighted room on",
        Heuristic::WorstFit,
    ),
    method(
        "dot",
        "node by node, the fitting pod of largest dot product with the free capacity",
        Heuristic::Dot,
    ),
    method(
        "l2",
        "node by node, the fitting pod of least L2 distance to the free capacity",
        Heuristic::L2,
    ),
    method(
        "tetris",
        "pods in order, each on the node of largest dot product (Tetris alignment)",
        Heuristic::Tetris,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    Sum,
    Product,
    L2,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weights {
    Unit,
    Average,
    Exponential,
}

#[derive(Debug, Clone)]
pub struct HeuristicOptions {
    pub size: Size,
    pub weights: Weights,
    pub repack: bool,
    /// With `repack`, these running pods stay where they are (empty: none).
    pub protected: Vec<bool>,
}

impl Default for HeuristicOptions {
    fn default() -> Self {
        HeuristicOptions {
            size: Size::Sum,
            weights: Weights::Average,
            repack: false,
            protected: Vec::new(),
        }
    }
}

pub fn parse_size(s: &str) -> CoreResult<Size> {
    Ok(match s {
        "sum" => Size::Sum,
        "product" | "prod" => Size::Product,
        "l2" => Size::L2,
        "max" => Size::Max,
        _ => {
            return Err(CoreError::invalid(
                "size",
                None,
                format!("unknown size {s:?}: sum, product, l2, max"),
            ))
        }
    })
}

pub fn parse_weights(s: &str) -> CoreResult<Weights> {
    Ok(match s {
        "unit" => Weights::Unit,
        "average" | "avg" => Weights::Average,
        "exponential" | "exp" => Weights::Exponential,
        _ => {
            return Err(CoreError::invalid(
                "weights",
                None,
                format!("unknown weights {s:?}: unit, average, exponential"),
            ))
        }
    })
}

struct Ctx<'a> {
    c: &'a Cluster,
    scale: [f64; 2],
    w: [f64; 2],
}

impl Ctx<'_> {
    fn item(&self, i: usize) -> [f64; 2] {
        [
            self.c.pod_cpu[i] as f64 * self.scale[0],
            self.c.pod_mem[i] as f64 * self.scale[1],
        ]
    }
    fn residual(&self, st: &State, j: usize) -> [f64; 2] {
        [
            st.free_cpu[j] as f64 * self.scale[0],
            st.free_mem[j] as f64 * self.scale[1],
        ]
    }
    fn size(&self, kind: Size, i: usize) -> f64 {
        let v = self.item(i);
        match kind {
            Size::Sum => self.w[0] * v[0] + self.w[1] * v[1],
            Size::Product => v[0] * v[1],
            Size::L2 => (self.w[0] * v[0] * v[0] + self.w[1] * v[1] * v[1]).sqrt(),
            Size::Max => (self.w[0] * v[0]).max(self.w[1] * v[1]),
        }
    }
    /// Weighted residual left on node j after placing pod i.
    fn left(&self, st: &State, i: usize, j: usize) -> f64 {
        let (v, r) = (self.item(i), self.residual(st, j));
        self.w[0] * (r[0] - v[0]) + self.w[1] * (r[1] - v[1])
    }
    fn dot(&self, st: &State, i: usize, j: usize) -> f64 {
        let (v, r) = (self.item(i), self.residual(st, j));
        self.w[0] * v[0] * r[0] + self.w[1] * v[1] * r[1]
    }
    fn l2(&self, st: &State, i: usize, j: usize) -> f64 {
        let (v, r) = (self.item(i), self.residual(st, j));
        self.w[0] * (r[0] - v[0]).powi(2) + self.w[1] * (r[1] - v[1]).powi(2)
    }
}

/// Places pods with `method`; returns the assignment (node per pod, -1 pending).
pub fn place(c: &Cluster, method: &str, o: &HeuristicOptions, budget: &Budget) -> CoreResult<Vec<i64>> {
    place_logged(c, method, o, budget).map(|(a, _)| a)
}

/// Placements (pod, node) and evictions (pod, -1) in the order a method made them.
pub type Events = Vec<(usize, i64)>;

/// [`place`], with the placements (and, with `repack`, the initial evictions) in order.
pub fn place_logged(
    c: &Cluster,
    method: &str,
    o: &HeuristicOptions,
    budget: &Budget,
) -> CoreResult<(Vec<i64>, Events)> {
    let h = lookup(&METHODS, method, "method", "heuristic")?.item;
    let n = c.num_nodes();
    let m = c.num_pods();
    let start: Vec<i64> = if o.repack {
        (0..m)
            .map(|i| {
                if o.protected.get(i).copied().unwrap_or(false) {
                    c.pod_node[i]
                } else {
                    -1
                }
            })
            .collect()
    } else {
        c.pod_node.clone()
    };
    let mut st = State::from_assignment(c, start);
    st.events = (0..m)
        .filter(|&i| c.pod_node[i] >= 0 && st.assignment[i] < 0)
        .map(|i| (i, -1))
        .collect();
    st.record = true;
    let todo: Vec<usize> = (0..m).filter(|&i| st.assignment[i] < 0).collect();
    let maxc = c.node_cpu.iter().copied().max().unwrap_or(1).max(1) as f64;
    let maxm = c.node_mem.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut ctx = Ctx {
        c,
        scale: [1.0 / maxc, 1.0 / maxm],
        w: [1.0, 1.0],
    };
    if o.weights != Weights::Unit && !todo.is_empty() {
        let mut avg = [0.0; 2];
        for &i in &todo {
            let v = ctx.item(i);
            avg[0] += v[0];
            avg[1] += v[1];
        }
        avg = [avg[0] / todo.len() as f64, avg[1] / todo.len() as f64];
        ctx.w = match o.weights {
            Weights::Average => avg,
            _ => [avg[0].exp(), avg[1].exp()],
        };
        if ctx.w[0] + ctx.w[1] <= 0.0 {
            ctx.w = [1.0, 1.0];
        }
    }
    // Tiers, highest priority first.
    let mut tiers: Vec<i64> = todo.iter().map(|&i| c.pod_priority[i]).collect();
    tiers.sort_unstable_by(|a, b| b.cmp(a));
    tiers.dedup();
    let mut steps = 0usize;
    // Requests that fitted nowhere: free capacity only shrinks, so any request at least as
    // large in both resources fails too and needs no search.
    let mut failed: Vec<(i64, i64)> = Vec::new();
    let known_to_fail = |failed: &Vec<(i64, i64)>, i: usize| {
        failed
            .iter()
            .any(|&(fc, fm)| fc <= c.pod_cpu[i] && fm <= c.pod_mem[i])
    };
    let add_failure = |failed: &mut Vec<(i64, i64)>, i: usize| {
        let (pc, pm) = (c.pod_cpu[i], c.pod_mem[i]);
        failed.retain(|&(fc, fm)| !(pc <= fc && pm <= fm));
        failed.push((pc, pm));
    };
    for p in tiers {
        let mut pods: Vec<usize> = todo.iter().copied().filter(|&i| c.pod_priority[i] == p).collect();
        if matches!(h, Heuristic::Ffd | Heuristic::Bfd) {
            let keys: Vec<f64> = pods.iter().map(|&i| ctx.size(o.size, i)).collect();
            let mut idx: Vec<usize> = (0..pods.len()).collect();
            idx.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]).then(pods[a].cmp(&pods[b])));
            pods = idx.into_iter().map(|k| pods[k]).collect();
        }
        if matches!(h, Heuristic::Dot | Heuristic::L2) {
            // Bin-centric: fill node after node with the best-scoring feasible pod.
            let mut left = pods;
            for j in 0..n {
                loop {
                    steps += left.len() + 1;
                    if steps > 1 << 22 {
                        steps = 0;
                        if budget.interrupted() {
                            return Err(CoreError::Interrupted);
                        }
                    }
                    let mut best: Option<(f64, usize)> = None;
                    for (k, &i) in left.iter().enumerate() {
                        if !st.fits(c, i, j) {
                            continue;
                        }
                        let s = if h == Heuristic::Dot {
                            ctx.dot(&st, i, j)
                        } else {
                            -ctx.l2(&st, i, j)
                        };
                        if best.is_none_or(|(bs, _)| s > bs) {
                            best = Some((s, k));
                        }
                    }
                    match best {
                        Some((_, k)) => {
                            let i = left.remove(k);
                            st.place(c, i, j);
                        }
                        None => break,
                    }
                }
                if left.is_empty() {
                    break;
                }
            }
            continue;
        }
        for i in pods {
            // With taints, affinities or extra resources a smaller pod is no longer sure to fit
            // where a larger one did not, so the shortcut is for plain clusters only.
            if c.cons.is_empty() && known_to_fail(&failed, i) {
                continue;
            }
            steps += n;
            if steps > 1 << 24 {
                steps = 0;
                if budget.interrupted() {
                    return Err(CoreError::Interrupted);
                }
            }
            let mut best: Option<(f64, usize)> = None;
            for j in 0..n {
                if !st.fits(c, i, j) {
                    continue;
                }
                if matches!(h, Heuristic::Ffd | Heuristic::FirstFit) {
                    best = Some((0.0, j));
                    break;
                }
                let s = match h {
                    Heuristic::Bfd | Heuristic::BestFit => -ctx.left(&st, i, j),
                    Heuristic::WorstFit => ctx.left(&st, i, j),
                    _ => ctx.dot(&st, i, j), // tetris alignment
                };
                if best.is_none_or(|(bs, _)| s > bs) {
                    best = Some((s, j));
                }
            }
            if let Some((_, j)) = best {
                st.place(c, i, j);
            } else {
                add_failure(&mut failed, i);
            }
        }
    }
    Ok((st.assignment, st.events))
}
