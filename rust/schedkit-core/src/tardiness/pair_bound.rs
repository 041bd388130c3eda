//! Pieces the two stage-2 relaxations with memory of recent jobs share: SSDP's own
//! (`ssdp/stage1.rs` node removal, `ssdp/arcs.rs`) and the branch and bound's two-job node
//! tables (`exact_bb/two_job.rs`). Each solver keeps its own job data and pair tests (SSDP's
//! integral `Problem`, the branch and bound's `Jobs`); [`PairRules`] is what this code reads
//! of them.

use crate::tardiness::Jobs;

const INF: f64 = f64::INFINITY;

/// Best-two bookkeeping: offers value `v` with label `k` (labels are distinct per call site)
/// to a list b1 ≤ b2 labelled k1, k2.
#[inline]
pub(in crate::tardiness) fn offer2(v: f64, k: u32, b1: &mut f64, k1: &mut u32, b2: &mut f64, k2: &mut u32) {
    if v < *b1 {
        *b2 = *b1;
        *k2 = *k1;
        *b1 = v;
        *k1 = k;
    } else if v < *b2 {
        *b2 = v;
        *k2 = k;
    }
}

/// Job costs and the adjacent-interchange rules, as the backward bound reads them.
pub(in crate::tardiness) trait PairRules {
    /// f_k(t): the cost of job k completing at t.
    fn cost(&self, k: usize, t: usize) -> f64;
    /// j completing at t, then k (k ≠ j), keeps the interchange rule with ties broken by
    /// index: swapping them is dearer, or as dear and j < k.
    fn tie(&self, j: usize, k: usize, t: usize) -> bool;
    /// j completing at t, then k (k ≠ j), is not strictly dearer than k then j.
    fn strict(&self, j: usize, k: usize, t: usize) -> bool;
}

impl PairRules for Jobs<'_> {
    #[inline(always)]
    fn cost(&self, k: usize, t: usize) -> f64 {
        Jobs::cost(self, k, t as f64)
    }
    #[inline(always)]
    fn tie(&self, j: usize, k: usize, t: usize) -> bool {
        crate::tardiness::exact_bb::relaxation::tie_ok(*self, j, k, t as f64)
    }
    #[inline(always)]
    fn strict(&self, j: usize, k: usize, t: usize) -> bool {
        crate::tardiness::exact_bb::relaxation::strict_ok(*self, j, k, t as f64)
    }
}

/// B(t, j), at t·m + j: a lower bound on the cheapest relaxed completion after j completes
/// at t (0 at the horizon `h`), over every node (a node some removal dropped is one no good
/// path reaches under the tie rule, but a completion may still pass it), whose pairs (the
/// one from j included) keep the tie rule except at most one that keeps the strict rule.
/// Costs are f_k − μ_k; `p` holds the integral processing times.
///
/// Two layers: B0 (tie rule throughout) and B1 (one strict pair allowed) = min(B1 after a
/// tie pair, B0 after a strict pair), the one returned. Row t of V(t, k) = f_k(t + p_k) −
/// μ_k + B(t + p_k, k) does not depend on j, so each layer's row is sorted once and B(t, j)
/// reads its first entry that may follow j; a scan that passes `scan` entries stops at the
/// value there, a lower bound on every entry after it (an early j may be followed by few
/// jobs, and a full scan per cell costs more than the removal saves on easy instances).
pub(in crate::tardiness) fn backward_one_strict<R: PairRules>(
    rules: &R,
    p: &[usize],
    h: usize,
    mu: &[f64],
    scan: usize,
) -> Vec<f64> {
    let m = p.len();
    let mut b0 = vec![INF; (h + 1) * m];
    let mut b1 = vec![INF; (h + 1) * m];
    b0[h * m..].iter_mut().for_each(|x| *x = 0.0);
    b1[h * m..].iter_mut().for_each(|x| *x = 0.0);
    let (mut v0, mut v1) = (vec![INF; m], vec![INF; m]);
    let (mut o0, mut o1): (Vec<usize>, Vec<usize>) = (Vec::with_capacity(m), Vec::with_capacity(m));
    for t in (1..h).rev() {
        for k in 0..m {
            let tk = t + p[k];
            let (x0, x1) = if tk <= h {
                let here = rules.cost(k, tk) - mu[k];
                (here + b0[tk * m + k], here + b1[tk * m + k])
            } else {
                (INF, INF)
            };
            v0[k] = x0;
            v1[k] = x1;
        }
        o0.clear();
        o0.extend((0..m).filter(|&k| v0[k] < INF));
        o0.sort_unstable_by(|&a, &b| v0[a].total_cmp(&v0[b]));
        o1.clear();
        o1.extend((0..m).filter(|&k| v1[k] < INF));
        o1.sort_unstable_by(|&a, &b| v1[a].total_cmp(&v1[b]));
        for j in 0..m {
            if p[j] > t {
                continue;
            }
            // one pass over layer 0: the first strict successor comes no later than the
            // first tie one (the tie rule admits fewer pairs)
            let (mut zero, mut other) = (INF, INF);
            for (pos, &k) in o0.iter().enumerate() {
                if pos == scan {
                    zero = zero.min(v0[k]);
                    other = other.min(v0[k]);
                    break;
                }
                if k == j {
                    continue;
                }
                if other == INF && rules.strict(j, k, t) {
                    other = v0[k];
                }
                if other < INF && rules.tie(j, k, t) {
                    zero = v0[k];
                    break;
                }
            }
            let mut one = INF;
            for (pos, &k) in o1.iter().enumerate() {
                if pos == scan || (k != j && rules.tie(j, k, t)) {
                    one = v1[k];
                    break;
                }
            }
            b0[t * m + j] = zero;
            b1[t * m + j] = one.min(other);
        }
    }
    b1
}
