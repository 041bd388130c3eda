//! The validated inputs: a task graph (CSR both ways, a topological order, levels) and a
//! platform (task x processor costs, links). Every check happens here, once.

use crate::error::{CoreError, CoreResult};

/// A directed acyclic task graph with a data volume on every edge.
#[derive(Debug, Clone)]
pub struct TaskGraph {
    n: usize,
    src: Vec<usize>,
    dst: Vec<usize>,
    data: Vec<f64>,
    succ_ptr: Vec<usize>,
    succ: Vec<usize>,
    succ_data: Vec<f64>,
    pred_ptr: Vec<usize>,
    pred: Vec<usize>,
    pred_data: Vec<f64>,
    topo: Vec<usize>,
    level: Vec<usize>,
}

/// CSR adjacency of `n` nodes from parallel (from, to, value) lists, rows in edge order.
fn csr(n: usize, from: &[usize], to: &[usize], value: &[f64]) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let mut ptr = vec![0usize; n + 1];
    for &u in from {
        ptr[u + 1] += 1;
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    let mut fill = ptr.clone();
    let mut idx = vec![0usize; from.len()];
    let mut val = vec![0.0f64; from.len()];
    for e in 0..from.len() {
        let slot = fill[from[e]];
        idx[slot] = to[e];
        val[slot] = value[e];
        fill[from[e]] += 1;
    }
    (ptr, idx, val)
}

fn to_index(field: &str, values: &[i64], n: usize) -> CoreResult<Vec<usize>> {
    values
        .iter()
        .enumerate()
        .map(|(e, &v)| {
            if v < 0 || v as u64 >= n as u64 {
                Err(CoreError::invalid(
                    field,
                    Some(e),
                    format!("unknown task id {v} (tasks are 0..{n})"),
                ))
            } else {
                Ok(v as usize)
            }
        })
        .collect()
}

impl TaskGraph {
    /// Validates: equal lengths, ids in 0..n, no self-loop, no duplicate edge, data finite and
    /// >= 0, and no cycle (the error names one).
    pub fn new(n: usize, src: &[i64], dst: &[i64], data: &[f64]) -> CoreResult<Self> {
        let m = src.len();
        if dst.len() != m {
            return Err(CoreError::invalid(
                "dst",
                None,
                format!("length {} does not match src's length {m}", dst.len()),
            ));
        }
        if data.len() != m {
            return Err(CoreError::invalid(
                "data",
                None,
                format!("length {} does not match src's length {m}", data.len()),
            ));
        }
        if n > u32::MAX as usize {
            return Err(CoreError::invalid(
                "num_tasks",
                None,
                format!("{n} tasks is too many"),
            ));
        }
        let src = to_index("src", src, n)?;
        let dst = to_index("dst", dst, n)?;
        for e in 0..m {
            if src[e] == dst[e] {
                return Err(CoreError::invalid(
                    "dst",
                    Some(e),
                    format!("self-loop on task {}", src[e]),
                ));
            }
            let v = data[e];
            if !v.is_finite() || v < 0.0 {
                return Err(CoreError::invalid(
                    "data",
                    Some(e),
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
        }
        let data = data.to_vec();
        let (succ_ptr, succ, succ_data) = csr(n, &src, &dst, &data);
        let (pred_ptr, pred, pred_data) = csr(n, &dst, &src, &data);
        // Duplicate edges: sort each successor row (copy) and look for neighbours.
        let mut row: Vec<usize> = Vec::new();
        for u in 0..n {
            row.clear();
            row.extend_from_slice(&succ[succ_ptr[u]..succ_ptr[u + 1]]);
            if row.len() > 1 {
                row.sort_unstable();
                if let Some(w) = row.windows(2).find(|w| w[0] == w[1]) {
                    let e = (0..m).rev().find(|&e| src[e] == u && dst[e] == w[0]).unwrap_or(0);
                    return Err(CoreError::invalid(
                        "dst",
                        Some(e),
                        format!("duplicate edge {u} -> {}", w[0]),
                    ));
                }
            }
        }
        // Kahn's algorithm, FIFO from the entries in id order; level = longest edge count from an entry.
        let mut indeg: Vec<usize> = (0..n).map(|i| pred_ptr[i + 1] - pred_ptr[i]).collect();
        let mut topo: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut level = vec![0usize; n];
        let mut head = 0;
        while head < topo.len() {
            let u = topo[head];
            head += 1;
            for &v in &succ[succ_ptr[u]..succ_ptr[u + 1]] {
                level[v] = level[v].max(level[u] + 1);
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    topo.push(v);
                }
            }
        }
        if topo.len() < n {
            return Err(Self::cycle_error(n, &indeg, &pred_ptr, &pred));
        }
        Ok(TaskGraph {
            n,
            src,
            dst,
            data,
            succ_ptr,
            succ,
            succ_data,
            pred_ptr,
            pred,
            pred_data,
            topo,
            level,
        })
    }

    /// Walks predecessors among the tasks Kahn could not order until one repeats.
    fn cycle_error(n: usize, indeg: &[usize], pred_ptr: &[usize], pred: &[usize]) -> CoreError {
        let Some(mut u) = (0..n).find(|&i| indeg[i] > 0) else {
            return CoreError::invalid("edges", None, "the graph has a cycle");
        };
        let mut seen_at = vec![usize::MAX; n];
        let mut walk = Vec::new();
        while seen_at[u] == usize::MAX {
            seen_at[u] = walk.len();
            walk.push(u);
            // Some predecessor of an unordered task is itself unordered.
            match (pred_ptr[u]..pred_ptr[u + 1])
                .map(|k| pred[k])
                .find(|&p| indeg[p] > 0)
            {
                Some(p) => u = p,
                None => return CoreError::invalid("edges", None, "the graph has a cycle"),
            }
        }
        let mut cycle: Vec<usize> = walk[seen_at[u]..].to_vec();
        cycle.reverse();
        let lowest = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap_or(0);
        cycle.rotate_left(lowest);
        cycle.push(cycle[0]);
        CoreError::Cycle {
            field: "edges".into(),
            tasks: cycle,
        }
    }

    pub fn num_tasks(&self) -> usize {
        self.n
    }
    pub fn num_edges(&self) -> usize {
        self.src.len()
    }
    pub fn src(&self) -> &[usize] {
        &self.src
    }
    pub fn dst(&self) -> &[usize] {
        &self.dst
    }
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// Successors of `i` with the data volume of each edge.
    #[inline]
    pub fn succ(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.succ_ptr[i]..self.succ_ptr[i + 1];
        self.succ[r.clone()]
            .iter()
            .copied()
            .zip(self.succ_data[r].iter().copied())
    }
    /// Predecessors of `i` with the data volume of each edge.
    #[inline]
    pub fn pred(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.pred_ptr[i]..self.pred_ptr[i + 1];
        self.pred[r.clone()]
            .iter()
            .copied()
            .zip(self.pred_data[r].iter().copied())
    }
    pub fn in_degree(&self, i: usize) -> usize {
        self.pred_ptr[i + 1] - self.pred_ptr[i]
    }
    pub fn out_degree(&self, i: usize) -> usize {
        self.succ_ptr[i + 1] - self.succ_ptr[i]
    }
    /// A topological order (Kahn, FIFO, entries in id order).
    pub fn topological_order(&self) -> &[usize] {
        &self.topo
    }
    /// Longest number of edges from an entry task to each task.
    pub fn levels(&self) -> &[usize] {
        &self.level
    }
}

/// Processors with a task x processor cost matrix and communication links.
///
/// Communication of `data` from processor a to b != a takes `latency[a] + data / bandwidth[a, b]`;
/// it is 0 on the same processor. Averages for the ranks: `w̄_i` = mean of row i, and
/// `c̄ = L̄ + data / B̄` with L̄ the mean latency and B̄ the mean off-diagonal bandwidth (0 when q = 1).
#[derive(Debug, Clone)]
pub struct Platform {
    n: usize,
    q: usize,
    cost: Vec<f64>,
    bandwidth: Vec<f64>,
    latency: Vec<f64>,
    inv_bw: Vec<f64>,
    mean_cost: Vec<f64>,
    mean_latency: f64,
    inv_mean_bw: f64,
}

impl Platform {
    /// Validates: shapes, costs finite and >= 0, latency finite and >= 0, off-diagonal bandwidth
    /// positive (0 is a missing link) and not NaN (+inf means instantaneous transfer). The
    /// diagonal of `bandwidth` is ignored.
    pub fn new(
        n: usize,
        q: usize,
        cost: Vec<f64>,
        bandwidth: Vec<f64>,
        latency: Vec<f64>,
    ) -> CoreResult<Self> {
        if q == 0 {
            return Err(CoreError::invalid("cost", None, "needs at least one processor"));
        }
        if n.checked_mul(q) != Some(cost.len()) {
            return Err(CoreError::invalid(
                "cost",
                None,
                format!("has {} entries, expected {n} x {q}", cost.len()),
            ));
        }
        if let Some(k) = cost.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(CoreError::invalid(
                "cost",
                Some(k / q),
                format!(
                    "cost of task {} on processor {} must be finite and >= 0, got {}",
                    k / q,
                    k % q,
                    cost[k]
                ),
            ));
        }
        if q.checked_mul(q) != Some(bandwidth.len()) {
            return Err(CoreError::invalid(
                "bandwidth",
                None,
                format!("has {} entries, expected {q} x {q}", bandwidth.len()),
            ));
        }
        if latency.len() != q {
            return Err(CoreError::invalid(
                "latency",
                None,
                format!("has length {}, expected {q}", latency.len()),
            ));
        }
        if let Some(a) = latency.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(CoreError::invalid(
                "latency",
                Some(a),
                format!("must be finite and >= 0, got {}", latency[a]),
            ));
        }
        let mut inv_bw = vec![0.0; q * q];
        let mut bw_sum = 0.0;
        for a in 0..q {
            for b in 0..q {
                if a == b {
                    continue;
                }
                let v = bandwidth[a * q + b];
                if v.is_nan() || v < 0.0 {
                    return Err(CoreError::invalid(
                        "bandwidth",
                        Some(a),
                        format!("bandwidth[{a}, {b}] must be > 0, got {v}"),
                    ));
                }
                if v == 0.0 {
                    return Err(CoreError::invalid(
                        "bandwidth",
                        Some(a),
                        format!("missing link between processors {a} and {b} (bandwidth 0)"),
                    ));
                }
                inv_bw[a * q + b] = 1.0 / v;
                bw_sum += v;
            }
        }
        let pairs = (q * (q - 1)) as f64;
        let (mean_latency, inv_mean_bw) = if q > 1 {
            (latency.iter().sum::<f64>() / q as f64, pairs / bw_sum)
        } else {
            (0.0, 0.0)
        };
        let mean_cost = (0..n)
            .map(|i| cost[i * q..(i + 1) * q].iter().sum::<f64>() / q as f64)
            .collect();
        Ok(Platform {
            n,
            q,
            cost,
            bandwidth,
            latency,
            inv_bw,
            mean_cost,
            mean_latency,
            inv_mean_bw,
        })
    }

    /// Homogeneous links: every off-diagonal bandwidth `bw`, every latency `lat`.
    pub fn uniform(n: usize, q: usize, cost: Vec<f64>, bw: f64, lat: f64) -> CoreResult<Self> {
        Platform::new(n, q, cost, vec![bw; q * q], vec![lat; q])
    }

    pub fn num_tasks(&self) -> usize {
        self.n
    }
    pub fn num_processors(&self) -> usize {
        self.q
    }
    pub fn cost(&self) -> &[f64] {
        &self.cost
    }
    pub fn bandwidth(&self) -> &[f64] {
        &self.bandwidth
    }
    pub fn latency(&self) -> &[f64] {
        &self.latency
    }
    /// Time of task i on processor p.
    #[inline]
    pub fn w(&self, i: usize, p: usize) -> f64 {
        self.cost[i * self.q + p]
    }
    /// Row i of the cost matrix.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.cost[i * self.q..(i + 1) * self.q]
    }
    /// w̄_i, the mean cost of task i over the processors.
    #[inline]
    pub fn mean_cost(&self, i: usize) -> f64 {
        self.mean_cost[i]
    }
    /// c̄ of an edge with this data volume: L̄ + data / B̄ (0 on a single processor).
    #[inline]
    pub fn mean_comm(&self, data: f64) -> f64 {
        if self.q > 1 {
            self.mean_latency + data * self.inv_mean_bw
        } else {
            0.0
        }
    }
    /// Communication time of `data` from processor a to processor b.
    #[inline]
    pub fn comm(&self, data: f64, a: usize, b: usize) -> f64 {
        if a == b {
            0.0
        } else {
            self.latency[a] + data * self.inv_bw[a * self.q + b]
        }
    }
    /// 1 / bandwidth[a, b] (0 on the diagonal and for infinite links).
    #[inline]
    pub(crate) fn inv_bw_row(&self, a: usize) -> &[f64] {
        &self.inv_bw[a * self.q..(a + 1) * self.q]
    }
}

/// The bound on [`horizon_bound`] (the crate's one limit on times).
pub use crate::util::HORIZON_LIMIT;

/// Sum over tasks of the largest cost plus sum over edges of the slowest transfer (largest
/// latency + data / smallest bandwidth): no list schedule, rank or bound exceeds it.
pub fn horizon_bound(g: &TaskGraph, p: &Platform) -> f64 {
    let q = p.num_processors();
    let work: f64 = (0..p.num_tasks())
        .map(|i| p.row(i).iter().copied().fold(0.0, f64::max))
        .sum();
    if q < 2 {
        return work;
    }
    let lat = p.latency().iter().copied().fold(0.0, f64::max);
    let inv_bw = p.inv_bw.iter().copied().fold(0.0, f64::max);
    let comm: f64 = g.data().iter().map(|&d| lat + d * inv_bw).sum();
    work + comm
}

/// Checks that a graph and a platform describe the same tasks, and that no time computed on
/// them can overflow (see [`HORIZON_LIMIT`]).
pub fn check_pair(g: &TaskGraph, p: &Platform) -> CoreResult<()> {
    if g.num_tasks() != p.num_tasks() {
        return Err(CoreError::invalid(
            "platform",
            None,
            format!(
                "has costs for {} tasks but the graph has {}",
                p.num_tasks(),
                g.num_tasks()
            ),
        ));
    }
    let bound = horizon_bound(g, p);
    if !bound.is_finite() || bound > HORIZON_LIMIT {
        return Err(CoreError::invalid(
            "platform",
            None,
            format!(
                "total cost plus total transfer time is {bound:e}, over the {HORIZON_LIMIT:e} \
                 limit that keeps every start, finish and makespan finite"
            ),
        ));
    }
    Ok(())
}
