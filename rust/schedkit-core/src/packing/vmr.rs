//! VM rescheduling (VMR2L's problem): up to k migrations that minimise the fragment rate,
//! FR = Σ_p (f_p mod c) / Σ_p f_p with f_p the free cpu of node p and c the probe size
//! (the 16-vCPU VM of the released instances). Greedy baseline of the VMR2L repository.

use super::Cluster;
use crate::error::{CoreError, CoreResult};

/// Fragment rate of an assignment: share of free cpu that cannot host a `probe`-cpu VM.
/// The assignment has a node index per pod, or -1 for a pending pod.
pub fn fragment_rate(c: &Cluster, assignment: &[i64], probe: i64) -> CoreResult<f64> {
    if probe <= 0 {
        return Err(CoreError::invalid(
            "probe_cpu",
            None,
            format!("must be > 0, got {probe}"),
        ));
    }
    if assignment.len() != c.pod_cpu.len() {
        return Err(CoreError::invalid(
            "assignment",
            None,
            format!(
                "length {}, expected {} (one per pod)",
                assignment.len(),
                c.pod_cpu.len()
            ),
        ));
    }
    let n = c.num_nodes() as i64;
    if let Some(i) = assignment.iter().position(|&a| a < -1 || a >= n) {
        return Err(CoreError::invalid(
            "assignment",
            Some(i),
            format!(
                "node {} out of range (-1 for pending, else 0..{n})",
                assignment[i]
            ),
        ));
    }
    let (cpu, _, _) = c.usage(assignment);
    let mut frag = 0i64;
    let mut free = 0i64;
    for (cap, used) in c.node_cpu.iter().zip(&cpu) {
        let f = (cap - used).max(0);
        frag += f % probe;
        free += f;
    }
    Ok(if free == 0 { 0.0 } else { frag as f64 / free as f64 })
}

/// The assignment after rescheduling and the moves (pod, from, to).
pub type Rescheduling = (Vec<i64>, Vec<(usize, usize, usize)>);

/// Greedy: repeatedly move the pod whose move (to the best destination) cuts Σ (f mod c)
/// most, until k moves or no positive gain. Pods with cpu > `probe` are not moved; pods in
/// `frozen` are never moved. Returns the new assignment and the moves (pod, from, to).
pub fn greedy(c: &Cluster, probe: i64, k: usize, frozen: &[bool]) -> CoreResult<Rescheduling> {
    if probe <= 0 {
        return Err(CoreError::invalid("probe_cpu", None, "must be > 0"));
    }
    let n = c.num_nodes();
    let mut a = c.pod_node.clone();
    let (cpu, mem, cnt) = c.usage(&a);
    let mut fc: Vec<i64> = (0..n).map(|j| c.node_cpu[j] - cpu[j]).collect();
    let mut fm: Vec<i64> = (0..n).map(|j| c.node_mem[j] - mem[j]).collect();
    let mut fp: Vec<i64> = (0..n).map(|j| c.node_pods[j] - cnt[j]).collect();
    let mut moves = Vec::new();
    for _ in 0..k {
        // Best (gain, pod, dst) over all movable pods.
        let mut best: Option<(i64, usize, usize)> = None;
        for (i, &src) in a.iter().enumerate() {
            if src < 0 || c.pod_cpu[i] > probe || frozen.get(i).copied().unwrap_or(false) {
                continue;
            }
            let src = src as usize;
            let v = c.pod_cpu[i];
            let gain_src = fc[src] % probe - (fc[src] + v) % probe;
            for j in 0..n {
                if j == src || fc[j] < v || fm[j] < c.pod_mem[i] || fp[j] < 1 {
                    continue;
                }
                let gain = gain_src + fc[j] % probe - (fc[j] - v) % probe;
                if gain > 0 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { break };
        let src = a[i] as usize;
        fc[src] += c.pod_cpu[i];
        fm[src] += c.pod_mem[i];
        fp[src] += 1;
        fc[j] -= c.pod_cpu[i];
        fm[j] -= c.pod_mem[i];
        fp[j] -= 1;
        a[i] = j as i64;
        moves.push((i, src, j));
    }
    Ok((a, moves))
}
