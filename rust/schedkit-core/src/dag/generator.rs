//! Random layered DAGs with the parameters of the HEFT paper (Topcuoglu et al. 2002, §5.1):
//! number of tasks v, shape α, out-degree, CCR and heterogeneity β.

use crate::error::{CoreError, CoreResult};
use crate::util::SplitMix64;

/// Parameters of [`random_dag`].
#[derive(Debug, Clone, Copy)]
pub struct DagParams {
    /// v, the number of tasks.
    pub num_tasks: usize,
    /// q, the number of processors of the cost matrix.
    pub num_processors: usize,
    /// α: levels have α·√v tasks on average, so the height averages √v/α.
    pub alpha: f64,
    /// Mean out-degree: each task draws 1..=2·out_degree-1 children in the next level.
    pub out_degree: usize,
    /// Communication-to-computation ratio: mean edge data / mean cost (bandwidth 1).
    pub ccr: f64,
    /// β in [0, 2]: w(i, j) ~ U[w̄_i (1 - β/2), w̄_i (1 + β/2)].
    pub beta: f64,
    /// w̄_DAG: the mean task cost; w̄_i ~ U[0, 2 w̄_DAG].
    pub mean_cost: f64,
}

/// A generated instance: edges (ids are level by level, so topologically sorted) and an
/// n x q row-major cost matrix.
#[derive(Debug, Clone)]
pub struct RandomDag {
    pub src: Vec<i64>,
    pub dst: Vec<i64>,
    pub data: Vec<f64>,
    pub cost: Vec<f64>,
}

fn uniform(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn check(name: &str, ok: bool, value: f64, rule: &str) -> CoreResult<()> {
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            name,
            None,
            format!("must be {rule}, got {value}"),
        ))
    }
}

/// Generates a layered DAG.
///
/// Level widths are drawn uniformly from 1..=round(2α√v - 1) (mean α√v) until v tasks are
/// placed. Each task of a level gets U{1..=2·out_degree-1} distinct children in the next level
/// (capped by its width), and every task of a later level without a parent gets one, drawn from
/// the level above: entries are exactly the first level, and there is no isolated task.
/// Costs follow β as in the paper. Edge data are U[0, 1) then scaled so that mean data equals
/// CCR × mean cost exactly (with bandwidth 1 and latency 0, data is communication time).
pub fn random_dag(params: &DagParams, seed: u64) -> CoreResult<RandomDag> {
    let DagParams {
        num_tasks: v,
        num_processors: q,
        alpha,
        out_degree,
        ccr,
        beta,
        mean_cost,
    } = *params;
    check("num_processors", q >= 1, q as f64, ">= 1")?;
    check("alpha", alpha.is_finite() && alpha > 0.0, alpha, "finite and > 0")?;
    check("out_degree", out_degree >= 1, out_degree as f64, ">= 1")?;
    check("ccr", ccr.is_finite() && ccr >= 0.0, ccr, "finite and >= 0")?;
    check("beta", (0.0..=2.0).contains(&beta), beta, "in [0, 2]")?;
    check(
        "mean_cost",
        mean_cost.is_finite() && mean_cost > 0.0,
        mean_cost,
        "finite and > 0",
    )?;
    if v > u32::MAX as usize {
        return Err(CoreError::invalid(
            "num_tasks",
            None,
            format!("{v} tasks is too many"),
        ));
    }
    let mut rng = SplitMix64::new(seed);
    // Levels.
    // A level never holds more than v tasks, so the width is capped there (a huge alpha would
    // otherwise make `last + 1 + below(max_width)` overflow).
    let max_width = ((2.0 * alpha * (v as f64).sqrt() - 1.0).round() as usize).clamp(1, v.max(1));
    // Children per task are capped by the next level's width anyway.
    let max_children = out_degree.saturating_mul(2) - 1;
    let mut bounds = vec![0usize];
    while *bounds.last().unwrap_or(&0) < v {
        let last = bounds[bounds.len() - 1];
        bounds.push((last + 1 + rng.below(max_width)).min(v));
    }
    // Edges between consecutive levels.
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    let mut has_parent = vec![false; v];
    let mut pool: Vec<usize> = Vec::new();
    for l in 0..bounds.len().saturating_sub(2) {
        let (lo, hi, next_hi) = (bounds[l], bounds[l + 1], bounds[l + 2]);
        for u in lo..hi {
            pool.clear();
            pool.extend(hi..next_hi);
            let k = (1 + rng.below(max_children)).min(pool.len());
            for t in 0..k {
                let pick = t + rng.below(pool.len() - t);
                pool.swap(t, pick);
            }
            let mut children = pool[..k].to_vec();
            children.sort_unstable();
            for c in children {
                src.push(u as i64);
                dst.push(c as i64);
                has_parent[c] = true;
            }
        }
        for (c, parent) in has_parent.iter_mut().enumerate().take(next_hi).skip(hi) {
            if !*parent {
                src.push((lo + rng.below(hi - lo)) as i64);
                dst.push(c as i64);
                *parent = true;
            }
        }
    }
    // Costs.
    let mut cost = Vec::with_capacity(v * q);
    for _ in 0..v {
        let mean_i = 2.0 * mean_cost * uniform(&mut rng);
        for _ in 0..q {
            cost.push(mean_i * (1.0 - beta / 2.0 + beta * uniform(&mut rng)));
        }
    }
    // Data, scaled to the CCR.
    let mut data: Vec<f64> = (0..src.len()).map(|_| uniform(&mut rng)).collect();
    let mean_data = if data.is_empty() {
        0.0
    } else {
        data.iter().sum::<f64>() / data.len() as f64
    };
    let mean_w = if cost.is_empty() {
        0.0
    } else {
        cost.iter().sum::<f64>() / cost.len() as f64
    };
    let scale = if mean_data > 0.0 {
        ccr * mean_w / mean_data
    } else {
        0.0
    };
    data.iter_mut().for_each(|d| *d *= scale);
    // mean_cost near f64::MAX, or a huge ccr, overflow the draws: refuse rather than return
    // infinite costs or data.
    if !cost.iter().all(|c| c.is_finite()) {
        return Err(CoreError::invalid(
            "mean_cost",
            None,
            format!("{mean_cost} makes task costs overflow"),
        ));
    }
    if !data.iter().all(|d| d.is_finite()) {
        return Err(CoreError::invalid(
            "ccr",
            None,
            format!("{ccr} x mean cost makes edge data overflow"),
        ));
    }
    Ok(RandomDag { src, dst, data, cost })
}
