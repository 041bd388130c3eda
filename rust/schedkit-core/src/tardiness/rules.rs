//! Constructive rules for 1||ΣT_j and 1||Σw_jT_j.
//!
//! Every rule returns a permutation of 0..n and breaks ties deterministically; the tie-break
//! of each rule is stated on it. EDDC, MDDC and their augmented forms follow the published
//! code of Çetinkaya et al. (arXiv:2510.24013), not the pseudo-code printed in the paper.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Instance;
use crate::util::OrdF64;

/// Job ids sorted by a key, ties by id (a stable sort of 0..n).
fn sorted_by<K: PartialOrd>(n: usize, key: impl Fn(usize) -> K) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal));
    order
}

/// Earliest due date: by (d, id).
pub fn edd(inst: &Instance) -> Vec<usize> {
    let d = inst.d();
    sorted_by(inst.len(), |j| (d[j], j))
}

/// Shortest processing time: by (p, d, id).
pub fn spt(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    sorted_by(inst.len(), |j| (p[j], d[j], j))
}

/// Weighted shortest processing time (Smith's rule): by p/w ascending, ties by (d, id);
/// zero-weight jobs go last (ratio +inf).
pub fn wspt(inst: &Instance) -> Vec<usize> {
    let (p, d, w) = (inst.p(), inst.d(), inst.w());
    let ratio = |j: usize| if w[j] > 0.0 { p[j] / w[j] } else { f64::INFINITY };
    sorted_by(inst.len(), |j| (ratio(j), d[j], j))
}

/// Modified due date (Baker & Bertrand 1982): at time t dispatch argmin max(d_j, t + p_j),
/// ties to the lowest id (as `np.argmin` over ids in order).
///
/// With non-unit weights this is the weighted form of Kanet & Li (2004),
/// argmin max(p_j, d_j - t) / w_j (zero-weight jobs last), which reduces to MDD when w = 1.
pub fn mdd(inst: &Instance) -> Vec<usize> {
    if inst.has_unit_weights() {
        mdd_heaps(inst)
    } else {
        weighted_mdd(inst)
    }
}

/// MDD in O(n log n) (specs §2): jobs whose slack d - p is <= t score t + p (heap A keyed by
/// (p, id)); the others score d (heap B keyed by (d, id), lazily cleaned). Comparing
/// (score, id) pairs reproduces "first id among the minima".
fn mdd_heaps(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    let n = inst.len();
    let by_slack = sorted_by(n, |j| (d[j] - p[j], j));
    let mut heap_a: BinaryHeap<Reverse<(OrdF64, usize)>> = BinaryHeap::new();
    let mut heap_b: BinaryHeap<Reverse<(OrdF64, usize)>> =
        (0..n).map(|j| Reverse((OrdF64(d[j]), j))).collect();
    let mut in_a = vec![false; n];
    let mut next = 0;
    let mut t = 0.0;
    let mut seq = Vec::with_capacity(n);
    while seq.len() < n {
        while next < n && d[by_slack[next]] - p[by_slack[next]] <= t {
            let j = by_slack[next];
            next += 1;
            if in_a[j] {
                continue; // already dispatched from heap B
            }
            in_a[j] = true;
            heap_a.push(Reverse((OrdF64(p[j]), j)));
        }
        while let Some(&Reverse((_, j))) = heap_b.peek() {
            if in_a[j] {
                heap_b.pop();
            } else {
                break;
            }
        }
        let cand_a = heap_a.peek().map(|&Reverse((_, j))| (t + p[j], j));
        let cand_b = heap_b.peek().map(|&Reverse((_, j))| (d[j], j));
        let take_a = match (cand_a, cand_b) {
            (Some(a), Some(b)) => (OrdF64(a.0), a.1) <= (OrdF64(b.0), b.1),
            (Some(_), None) => true,
            _ => false,
        };
        let j = if take_a {
            heap_a.pop().map(|Reverse((_, j))| j)
        } else {
            heap_b.pop().map(|Reverse((_, j))| j)
        };
        // Both heaps empty cannot happen while jobs remain; stop rather than loop.
        let Some(j) = j else { break };
        // A job dispatched from B is marked so it is never moved to A later.
        in_a[j] = true;
        seq.push(j);
        t += p[j];
    }
    seq
}

fn weighted_mdd(inst: &Instance) -> Vec<usize> {
    let (p, d, w) = (inst.p(), inst.d(), inst.w());
    let mut unscheduled: Vec<usize> = (0..inst.len()).collect();
    let mut seq = Vec::with_capacity(inst.len());
    let mut t = 0.0;
    while !unscheduled.is_empty() {
        let best = argmin_first(unscheduled.iter().map(|&j| {
            if w[j] > 0.0 {
                p[j].max(d[j] - t) / w[j]
            } else {
                f64::INFINITY
            }
        }));
        let j = unscheduled.remove(best);
        seq.push(j);
        t += p[j];
    }
    seq
}

/// Apparent tardiness cost (Vepsalainen & Morton 1987): at t dispatch
/// argmax (w_j/p_j)·exp(-max(0, d_j - p_j - t)/(k·p̄)), p̄ the mean processing time of all
/// jobs; ties to the lowest id.
///
/// O(n log n): a job whose slack s_j = d_j - p_j is <= t has priority w_j/p_j; a job with
/// s_j > t has log-priority ln(w_j/p_j) - s_j/(k p̄) + t/(k p̄), whose order among such jobs
/// does not depend on t. So two heaps suffice, as for MDD.
pub fn atc(inst: &Instance, k: f64) -> Vec<usize> {
    let (p, d, w) = (inst.p(), inst.d(), inst.w());
    let n = inst.len();
    if n == 0 {
        return Vec::new();
    }
    let pbar = p.iter().sum::<f64>() / n as f64;
    let scale = k * pbar;
    let log_ratio = |j: usize| (w[j] / p[j]).ln(); // -inf for zero weight: dispatched last
    let slack = |j: usize| d[j] - p[j];
    let by_slack = sorted_by(n, |j| (slack(j), j));
    // Max-heaps on priority with ties to the lowest id: key (priority, Reverse(id)).
    let mut heap_a: BinaryHeap<(OrdF64, Reverse<usize>)> = BinaryHeap::new();
    let mut heap_b: BinaryHeap<(OrdF64, Reverse<usize>)> = (0..n)
        .map(|j| (OrdF64(log_ratio(j) - slack(j) / scale), Reverse(j)))
        .collect();
    let mut in_a = vec![false; n];
    let mut next = 0;
    let mut t = 0.0;
    let mut seq = Vec::with_capacity(n);
    while seq.len() < n {
        while next < n && slack(by_slack[next]) <= t {
            let j = by_slack[next];
            next += 1;
            if in_a[j] {
                continue; // already dispatched from heap B
            }
            in_a[j] = true;
            heap_a.push((OrdF64(log_ratio(j)), Reverse(j)));
        }
        while let Some(&(_, Reverse(j))) = heap_b.peek() {
            if in_a[j] {
                heap_b.pop();
            } else {
                break;
            }
        }
        let cand_a = heap_a.peek().map(|&(v, Reverse(j))| (v.0, j));
        let cand_b = heap_b.peek().map(|&(v, Reverse(j))| (v.0 + t / scale, j));
        let take_a = match (cand_a, cand_b) {
            (Some(a), Some(b)) => (OrdF64(a.0), Reverse(a.1)) >= (OrdF64(b.0), Reverse(b.1)),
            (Some(_), None) => true,
            _ => false,
        };
        let j = if take_a {
            heap_a.pop().map(|(_, Reverse(j))| j)
        } else {
            heap_b.pop().map(|(_, Reverse(j))| j)
        };
        let Some(j) = j else { break };
        in_a[j] = true;
        seq.push(j);
        t += p[j];
    }
    seq
}

/// The look-ahead values tried by [`atc_auto`].
pub const ATC_K_GRID: [f64; 9] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5];

/// ATC with the look-ahead chosen per instance: every k of [`ATC_K_GRID`] (the range
/// 0.5-4.5 usual in the literature) is tried and the best sequence kept, ties to the
/// smaller k. Returns the sequence and the k used.
pub fn atc_auto(inst: &Instance) -> (Vec<usize>, f64) {
    let mut best: Option<(f64, Vec<usize>, f64)> = None;
    for &k in ATC_K_GRID.iter() {
        let seq = atc(inst, k);
        let obj = inst.objective(&seq);
        if best.as_ref().is_none_or(|b| obj < b.0) {
            best = Some((obj, seq, k));
        }
    }
    best.map(|(_, s, k)| (s, k)).unwrap_or((Vec::new(), 1.0))
}

/// Wilkerson & Irwin (1971), with the pairwise test written in its MDD form: at time F,
/// job x goes before job y when (max(d_x, F + p_x), EDD rank of x) <= the same for y.
///
/// Jobs are taken in EDD order (ties by p, then id). A pivot β is compared with the next
/// list job γ; if β may go first it is fixed and γ becomes the pivot. Otherwise γ is compared
/// backwards with the fixed jobs, which return to the list (in EDD order) until the test
/// lets the last fixed job stay before γ; then γ becomes the pivot and β goes back to the list.
///
/// Each backtrack can return O(n) fixed jobs to the list, so the step count grows like n³ on
/// instances where most jobs are tardy (1.5·10^6 steps on the hardest SDT n = 100 instance).
/// After [`wi_step_cap`] steps the jobs not yet fixed are dispatched by MDD from the current
/// time, so a call stays bounded (a few seconds at worst); the cap is ours, not part of the
/// 1971 algorithm, and no SDT n = 100 instance reaches it.
pub fn wilkerson_irwin(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    let n = inst.len();
    let order = sorted_by(n, |j| (d[j], p[j], j));
    let mut rank = vec![0usize; n];
    for (r, &j) in order.iter().enumerate() {
        rank[j] = r;
    }
    let first = |x: usize, y: usize, f: f64| {
        (OrdF64(d[x].max(f + p[x])), rank[x]) <= (OrdF64(d[y].max(f + p[y])), rank[y])
    };
    // The unscheduled list, kept sorted by EDD rank; a min-heap on rank does that.
    let mut list: BinaryHeap<Reverse<usize>> = order.iter().map(|&j| Reverse(rank[j])).collect();
    let mut fixed: Vec<usize> = Vec::with_capacity(n);
    let mut f = 0.0; // completion time of the fixed jobs
    let Some(Reverse(r0)) = list.pop() else {
        return fixed;
    };
    let mut pivot = order[r0];
    let cap = wi_step_cap(n);
    let mut steps = 0usize;
    while let Some(&Reverse(rg)) = list.peek() {
        steps += 1;
        if steps > cap {
            let mut rest: Vec<usize> = std::iter::once(pivot)
                .chain(list.into_iter().map(|Reverse(r)| order[r]))
                .collect();
            rest.sort_unstable();
            let mut t = f;
            while !rest.is_empty() {
                let k = argmin_first(rest.iter().map(|&j| d[j].max(t + p[j])));
                let j = rest.remove(k);
                t += p[j];
                fixed.push(j);
            }
            return fixed;
        }
        let g = order[rg];
        if first(pivot, g, f) {
            fixed.push(pivot);
            f += p[pivot];
            list.pop();
            pivot = g;
            continue;
        }
        list.pop();
        list.push(Reverse(rank[pivot]));
        while let Some(&a) = fixed.last() {
            if first(a, g, f - p[a]) {
                break;
            }
            fixed.pop();
            f -= p[a];
            list.push(Reverse(rank[a]));
        }
        pivot = g;
    }
    fixed.push(pivot);
    fixed
}

/// Steps [`wilkerson_irwin`] takes before finishing by MDD: min(2·n³, 10^8) + 1024.
pub fn wi_step_cap(n: usize) -> usize {
    2usize
        .saturating_mul(n)
        .saturating_mul(n)
        .saturating_mul(n)
        .min(100_000_000)
        + 1024
}

/// PSK (Panwalkar, Smith & Koulamas 1993) exactly as the EDDC/MDDC paper's code runs it
/// (specs §2): jobs in SPT order (ties by d, id); the first unscheduled job is active and is
/// replaced by a later job with a smaller due date until a job j with d_active <= t + p_j.
pub fn psk(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    let mut list = spt(inst);
    let mut seq = Vec::with_capacity(list.len());
    let mut t = 0.0;
    while !list.is_empty() {
        let mut active = 0;
        let i0 = list[0];
        if list.len() > 1 && t + p[i0] < d[i0] {
            for pos in 1..list.len() {
                let j = list[pos];
                let i = list[active];
                if d[i] <= t + p[j] {
                    break;
                }
                if d[i] <= d[j] {
                    continue;
                }
                active = pos;
            }
        }
        let i = list.remove(active);
        seq.push(i);
        t += p[i];
    }
    seq
}

/// EDDC as the paper's code runs it (specs §1.3): start from SPT (ties by d, id), then one
/// insertion-sort pass towards EDD in which a job may pass a predecessor with a later due
/// date only while that predecessor is strictly early. The scan moves left even when no
/// swap happens (the published quirk, kept to reproduce the published numbers).
pub fn eddc(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    let mut s = spt(inst);
    let n = s.len();
    // prefix[k] = completion time of the job at position k-1 = Σ p over positions < k.
    let mut prefix = vec![0.0; n + 1];
    for k in 0..n {
        prefix[k + 1] = prefix[k] + p[s[k]];
    }
    for i in 1..n {
        let mut j = i;
        while j > 0 && d[s[j]] < d[s[j - 1]] {
            let c = prefix[j];
            if d[s[j - 1]] > c {
                // Swapping positions j-1 and j changes only the prefix between them.
                prefix[j] = prefix[j - 1] + p[s[j]];
                s.swap(j, j - 1);
            }
            j -= 1;
        }
    }
    s
}

/// MDDC (specs §1.4): at t, with U the unscheduled jobs, p_max and p̄ their max and mean,
/// score μ_j = max(1.1 p_j + t, d_j)(1 + θ_j) + p_j/(t + p̄), θ_j = ρ²/(1+ρ²),
/// ρ = min(p_j/(t + p_max), 1); dispatch argmin μ. U starts in EDD order (ties by p, id) and
/// keeps that order as jobs leave; the first minimum in U wins.
pub fn mddc(inst: &Instance) -> Vec<usize> {
    let (p, d) = (inst.p(), inst.d());
    let n = inst.len();
    // Structure of arrays in U order; jobs leave by `remove` to keep the tie order.
    let mut ids = sorted_by(n, |j| (d[j], p[j], j));
    let mut up: Vec<f64> = ids.iter().map(|&j| p[j]).collect();
    let mut ud: Vec<f64> = ids.iter().map(|&j| d[j]).collect();
    let mut seq = Vec::with_capacity(n);
    let mut t = 0.0;
    let mut psum: f64 = up.iter().sum();
    let mut mu: Vec<f64> = Vec::with_capacity(n);
    while !ids.is_empty() {
        let m = ids.len();
        let pmax = up.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let pbar = psum / m as f64;
        let inv_max = 1.0 / (t + pmax);
        let inv_bar = 1.0 / (t + pbar);
        // Scores first (a branch-free loop the compiler vectorises), then the first minimum.
        mu.clear();
        mu.extend(up.iter().zip(&ud).map(|(&pk, &dk)| {
            let rho = (pk * inv_max).min(1.0);
            let r2 = rho * rho;
            (1.1 * pk + t).max(dk) * (1.0 + r2 / (1.0 + r2)) + pk * inv_bar
        }));
        let best = argmin_first(mu.iter().copied());
        let j = ids.remove(best);
        up.remove(best);
        ud.remove(best);
        psum -= p[j];
        seq.push(j);
        t += p[j];
    }
    seq
}

/// Which base rule an augmented construction dispatches with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AugBase {
    Mdd,
    Mddc,
}

/// Augmented MDD / MDDC (Bean & Hall 1985; the paper's Algorithm 3): build with the base
/// rule's choice at each step; after each append try moving every `S[i]`, i < |S|-1, to the end
/// of the partial sequence S, and apply the first move of least partial objective if it is
/// strictly better than S. At most one move per step.
///
/// The base rule is re-evaluated on the remaining jobs at the current time t at each step,
/// exactly as running it with the partial sequence fixed. Cost O(n³) overall.
///
/// Both bases use their unweighted scores, as the paper defines them; on a weighted instance
/// only the move-to-end step sees the weights (it compares Σ w_j T_j).
pub fn augmented(inst: &Instance, base: AugBase) -> Vec<usize> {
    let (p, d, w) = (inst.p(), inst.d(), inst.w());
    let n = inst.len();
    let ids_edd = sorted_by(n, |j| (d[j], p[j], j));
    let mut u: Vec<usize> = match base {
        AugBase::Mdd => (0..n).collect(),
        AugBase::Mddc => ids_edd,
    };
    let mut s: Vec<usize> = Vec::with_capacity(n);
    let mut c: Vec<f64> = Vec::with_capacity(n); // completion time per position of s
    let mut t = 0.0;
    while !u.is_empty() {
        let pick = match base {
            AugBase::Mdd => argmin_first(u.iter().map(|&j| d[j].max(t + p[j]))),
            AugBase::Mddc => {
                let m = u.len() as f64;
                let pmax = u.iter().map(|&j| p[j]).fold(f64::NEG_INFINITY, f64::max);
                let pbar = u.iter().map(|&j| p[j]).sum::<f64>() / m;
                argmin_first(u.iter().map(|&j| {
                    let rho = (p[j] / (t + pmax)).min(1.0);
                    let r2 = rho * rho;
                    (1.1 * p[j] + t).max(d[j]) * (1.0 + r2 / (1.0 + r2)) + p[j] / (t + pbar)
                }))
            }
        };
        let j = u.remove(pick);
        t += p[j];
        s.push(j);
        c.push(t);
        move_one_to_end(&mut s, &mut c, p, d, w);
    }
    s
}

fn argmin_first(values: impl Iterator<Item = f64>) -> usize {
    let mut best = 0;
    let mut best_v = f64::INFINITY;
    for (k, v) in values.enumerate() {
        if v < best_v {
            best_v = v;
            best = k;
        }
    }
    best
}

/// The Bean-Hall step: the change of Σ w T when `S[i]` moves to the end is
/// w_i (T_i(C_end) - T_i(C_i)) + Σ_{k>i} w_k (T_k(C_k - p_i) - T_k(C_k)).
fn move_one_to_end(s: &mut Vec<usize>, c: &mut [f64], p: &[f64], d: &[f64], w: &[f64]) {
    let m = s.len();
    if m < 2 {
        return;
    }
    let c_end = c[m - 1];
    let tard = |j: usize, at: f64| w[j] * (at - d[j]).max(0.0);
    let mut best_delta = 0.0;
    let mut best_i = None;
    for i in 0..m - 1 {
        let x = s[i];
        let mut delta = tard(x, c_end) - tard(x, c[i]);
        for k in i + 1..m {
            let y = s[k];
            delta += tard(y, c[k] - p[x]) - tard(y, c[k]);
        }
        if delta < best_delta {
            best_delta = delta;
            best_i = Some(i);
        }
    }
    if let Some(i) = best_i {
        let x = s.remove(i);
        s.push(x);
        let mut t = if i == 0 { 0.0 } else { c[i - 1] };
        for k in i..m {
            t += p[s[k]];
            c[k] = t;
        }
    }
}
