//! Pods placed and fragment rate of B candidate pod-to-node assignments.

use rayon::prelude::*;

use crate::error::{CoreError, CoreResult};

/// Capacities, requests and the probe request the fragment rate is measured against.
pub struct PackingInstance<'a> {
    pub node_cpu: &'a [f64],
    pub node_mem: &'a [f64],
    pub pod_cpu: &'a [f64],
    pub pod_mem: &'a [f64],
    /// CPU of the probe request; must be > 0.
    pub probe_cpu: f64,
    /// Memory of the probe request; 0 ignores memory.
    pub probe_mem: f64,
}

/// For each row of `assignments` (B x M, node per pod or -1 pending): the number of placed
/// pods and the fragment rate (F - c Σ_p extra_p) / F, where F is the total free cpu,
/// c the probe cpu and extra_p how many probes still fit on node p (0 when F = 0).
/// A row with a node id outside -1..N or an over-full node gives (-1, NaN).
pub fn evaluate(
    inst: &PackingInstance,
    assignments: &[i64],
    placed: &mut [i64],
    frag: &mut [f64],
) -> CoreResult<()> {
    let nn = inst.node_cpu.len();
    let m = inst.pod_cpu.len();
    if inst.node_mem.len() != nn || inst.pod_mem.len() != m {
        return Err(CoreError::invalid(
            "node_mem",
            None,
            "cpu and memory arrays must have equal lengths",
        ));
    }
    // Written as "not valid" so that NaN, which fails every comparison, is rejected too.
    if !(inst.probe_cpu > 0.0 && inst.probe_cpu.is_finite() && inst.probe_mem >= 0.0) {
        return Err(CoreError::invalid(
            "probe_cpu",
            None,
            "probe cpu must be > 0 and probe memory >= 0",
        ));
    }
    if assignments.len() != placed.len() * m || frag.len() != placed.len() {
        return Err(CoreError::invalid(
            "assignments",
            None,
            format!("expected shape (B, {m})"),
        ));
    }
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
            cpu[node as usize] += inst.pod_cpu[pod];
            mem[node as usize] += inst.pod_mem[pod];
            count += 1;
        }
        for p in 0..nn {
            if cpu[p] > inst.node_cpu[p] || mem[p] > inst.node_mem[p] {
                return (-1, f64::NAN);
            }
            cpu[p] = inst.node_cpu[p] - cpu[p];
            mem[p] = inst.node_mem[p] - mem[p];
        }
        let total_free: f64 = cpu.iter().sum();
        if total_free == 0.0 {
            return (count, 0.0);
        }
        let mut fits = 0.0;
        for (c, mm) in cpu.iter().zip(mem.iter()) {
            let mut k = (c / inst.probe_cpu).floor();
            if inst.probe_mem > 0.0 {
                k = k.min((mm / inst.probe_mem).floor());
            }
            fits += k;
        }
        (count, (total_free - inst.probe_cpu * fits) / total_free)
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
