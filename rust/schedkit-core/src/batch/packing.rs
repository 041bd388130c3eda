//! Pods placed and fragment rate of B candidate pod-to-node assignments.

use rayon::prelude::*;

use crate::error::{CoreError, CoreResult};
use crate::packing::Cluster;

/// For each row of `assignments` (B x M, row-major; node per pod or -1 pending): the number of
/// placed pods and the fragment rate (F - c Σ_p extra_p) / F, where F is the total free cpu,
/// c = `probe_cpu` and extra_p how many probes (`probe_cpu`, `probe_mem`; memory ignored when
/// `probe_mem` is 0) still fit on node p (rate 0 when F = 0). Only the cluster's capacities and
/// requests count (not its current placement, priorities or pod limits), as float64.
/// A row with a node id outside -1..N or an over-full node gives (-1, NaN).
pub fn evaluate(
    cluster: &Cluster,
    probe_cpu: f64,
    probe_mem: f64,
    assignments: &[i64],
    placed: &mut [i64],
    frag: &mut [f64],
) -> CoreResult<()> {
    if !(probe_cpu > 0.0 && probe_cpu.is_finite()) {
        return Err(CoreError::invalid(
            "probe_cpu",
            None,
            format!("must be finite and > 0, got {probe_cpu}"),
        ));
    }
    if !(probe_mem >= 0.0 && probe_mem.is_finite()) {
        return Err(CoreError::invalid(
            "probe_mem",
            None,
            format!("must be finite and >= 0, got {probe_mem}"),
        ));
    }
    let m = cluster.num_pods();
    if assignments.len() != placed.len() * m || frag.len() != placed.len() {
        return Err(CoreError::invalid(
            "assignments",
            None,
            format!(
                "has {} entries, expected B x M = {} x {m}",
                assignments.len(),
                placed.len()
            ),
        ));
    }
    // The cluster holds integer quantities (millicores, bytes); the rate is defined on their
    // float64 values (exact below 2**53), converted once per batch.
    let float = |v: &[i64]| -> Vec<f64> { v.iter().map(|&x| x as f64).collect() };
    let (node_cpu, node_mem) = (float(&cluster.node_cpu), float(&cluster.node_mem));
    let (pod_cpu, pod_mem) = (float(&cluster.pod_cpu), float(&cluster.pod_mem));
    let nn = node_cpu.len();
    let eval = |row: &[i64], cpu: &mut Vec<f64>, mem: &mut Vec<f64>| -> (i64, f64) {
        // Requests are summed per node first, then subtracted once, so the float result is
        // the same as the array backends' scatter-add.
        cpu.clear();
        cpu.resize(nn, 0.0);
        mem.clear();
        mem.resize(nn, 0.0);
        let mut count = 0i64;
        for (pod, &node) in row.iter().enumerate() {
            if node == -1 {
                continue;
            }
            if node < -1 || node as usize >= nn {
                return (-1, f64::NAN);
            }
            cpu[node as usize] += pod_cpu[pod];
            mem[node as usize] += pod_mem[pod];
            count += 1;
        }
        for p in 0..nn {
            if cpu[p] > node_cpu[p] || mem[p] > node_mem[p] {
                return (-1, f64::NAN);
            }
            cpu[p] = node_cpu[p] - cpu[p];
            mem[p] = node_mem[p] - mem[p];
        }
        let total_free: f64 = cpu.iter().sum();
        if total_free == 0.0 {
            return (count, 0.0);
        }
        let mut fits = 0.0;
        for (c, mm) in cpu.iter().zip(mem.iter()) {
            let mut k = (c / probe_cpu).floor();
            if probe_mem > 0.0 {
                k = k.min((mm / probe_mem).floor());
            }
            fits += k;
        }
        (count, (total_free - probe_cpu * fits) / total_free)
    };
    if m == 0 {
        let (c, f) = eval(&[], &mut Vec::new(), &mut Vec::new());
        placed.iter_mut().for_each(|p| *p = c);
        frag.iter_mut().for_each(|x| *x = f);
        return Ok(());
    }
    let chunk = (8192 / m).max(1);
    placed
        .par_chunks_mut(chunk)
        .zip(frag.par_chunks_mut(chunk))
        .zip(assignments.par_chunks(chunk * m))
        .for_each(|((pl, fr), rows)| {
            let (mut cpu, mut mem) = (Vec::with_capacity(nn), Vec::with_capacity(nn));
            for ((p, f), row) in pl.iter_mut().zip(fr.iter_mut()).zip(rows.chunks_exact(m)) {
                (*p, *f) = eval(row, &mut cpu, &mut mem);
            }
        });
    Ok(())
}
