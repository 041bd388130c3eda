//! The two-job node tables against enumeration: every head they bound is enumerated on small
//! instances, so a table entry above a head it must bound shows up as a failure.

use super::super::relaxation::{initial_prices, strict_ok, tie_ok, Relax};
use super::super::tests::held_karp;
use super::super::{
    branch_and_bound, TwoRun, INF, TWO_ADOPTED, TWO_GAIN, TWO_MIN_LAMBDA, TWO_RUNS, TWO_RUN_LOG,
};
use super::TwoJob;
use crate::budget::Budget;
use crate::tardiness::Jobs;
use crate::util::SplitMix64;

/// A random OR-Library-like integral instance of n jobs (`ties`: tiny ranges, many equal
/// costs, so the tie rules matter).
fn instance(g: &mut SplitMix64, n: usize, ties: bool) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let hi = if ties { 4 } else { 30 };
    let p: Vec<f64> = (0..n).map(|_| g.int(1, hi) as f64).collect();
    let total: f64 = p.iter().sum();
    let tf = [0.2, 0.6, 1.0][g.int(0, 2) as usize];
    let rdd = [0.2, 0.6, 1.0][g.int(0, 2) as usize];
    let lo = total * (1.0 - tf - rdd / 2.0);
    let d: Vec<f64> = (0..n).map(|_| (lo + g.uniform() * total * rdd).floor()).collect();
    let w: Vec<f64> = (0..n)
        .map(|_| g.int(1, if ties { 2 } else { 10 }) as f64)
        .collect();
    (p, w, d)
}

/// Multipliers: the prices of a random sequence, jittered (any μ gives valid bounds).
fn multipliers(g: &mut SplitMix64, jobs: Jobs) -> Vec<f64> {
    let n = jobs.p.len();
    let mut s: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        s.swap(i, g.below(i + 1));
    }
    initial_prices(jobs, &s)
        .into_iter()
        .map(|x| (x * (0.5 + g.uniform())).round())
        .collect()
}

/// Calls `visit(order, value)` for every order of the jobs in `set` whose adjacent pairs keep
/// the tie rule (started at 0), `value` being Σ (f_j − μ_j) over it.
fn tie_orders(jobs: Jobs, mu: &[f64], set: u32, visit: &mut impl FnMut(&[usize], f64)) {
    tie_orders_from(jobs, mu, set, 0.0, &mut Vec::new(), visit);
}

/// As [`tie_orders`], the orders of `set` after `order` (ending at `t`).
fn tie_orders_from(
    jobs: Jobs,
    mu: &[f64],
    set: u32,
    t: f64,
    order: &mut Vec<usize>,
    visit: &mut impl FnMut(&[usize], f64),
) {
    fn go(
        jobs: Jobs,
        mu: &[f64],
        left: u32,
        t: f64,
        order: &mut Vec<usize>,
        value: f64,
        visit: &mut impl FnMut(&[usize], f64),
    ) {
        if left == 0 {
            visit(order, value);
            return;
        }
        for j in 0..jobs.p.len() {
            if left >> j & 1 == 0 {
                continue;
            }
            if let Some(&i) = order.last() {
                if !tie_ok(jobs, i, j, t) {
                    continue;
                }
            }
            let c = t + jobs.p[j];
            order.push(j);
            go(
                jobs,
                mu,
                left & !(1 << j),
                c,
                order,
                value + jobs.cost(j, c) - mu[j],
                visit,
            );
            order.pop();
        }
    }
    go(jobs, mu, set, t, order, 0.0, visit);
}

/// The head bound the search reads for a head U (length `tu`) followed by k, without Σ_U μ.
fn head_bound(edge: &[f64], jobs: Jobs, mu: &[f64], tu: f64, k: usize) -> f64 {
    let m = jobs.p.len();
    if tu == 0.0 {
        return 0.0;
    }
    let t = tu + jobs.p[k];
    let v = edge[t as usize * m + k];
    if v == INF {
        INF
    } else {
        v - jobs.cost(k, t) + mu[k]
    }
}

/// Some order of the jobs outside `set` starting with k at `tu` keeps the tie rule.
fn tie_completion(jobs: Jobs, set: u32, k: usize, tu: f64) -> bool {
    let n = jobs.p.len();
    let rest = ((1u32 << n) - 1) & !set & !(1 << k);
    let mut found = false;
    tie_orders_from(
        jobs,
        &vec![0.0; n],
        rest,
        tu + jobs.p[k],
        &mut vec![k],
        &mut |_, _| found = true,
    );
    found
}

/// Without removal against an incumbent, E2(p(U) + p_k, k) bounds every tie-rule order of U
/// whose last job may precede k under the strict rule and whose rest can follow k under the
/// tie rule (every head the search may keep, module notes), and is at least stage 1's E at
/// the same multipliers; the root value bounds the optimum.
#[test]
fn two_job_tables_bound_every_head_and_beat_stage_one() {
    let mut g = SplitMix64::from_state(5);
    let mut above = 0;
    for case in 0..300 {
        let n = 2 + case % 6; // 2..7
        let (p, w, d) = instance(&mut g, n, case % 3 == 0);
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let mu = multipliers(&mut g, jobs);
        let mut relax = Relax::new(jobs).expect("small integral horizon");
        let l1 = relax.adjacency_tables(jobs, &mu);
        let mut net = TwoJob::build(jobs, &relax, INF, &Budget::unlimited()).expect("small network");
        let l2 = net.forward(jobs, &mu) + mu.iter().sum::<f64>();
        let (_, edge) = net.tables(jobs, &mu);
        let opt = held_karp(jobs);
        assert!(l2 <= opt + 1e-6, "case {case}: root {l2} above the optimum {opt}");
        assert!(l2 >= l1 - 1e-6, "case {case}: root {l2} below stage 1's {l1}");
        for (c, (&e2, &e1)) in edge.iter().zip(relax.edge_table()).enumerate() {
            assert!(e2 >= e1 - 1e-6, "case {case}: E2 {e2} below E {e1} at cell {c}");
            if e2 > e1 + 1e-6 {
                above += 1;
            }
        }
        for set in 1u32..(1 << n) - 1 {
            let tu: f64 = (0..n).filter(|&j| set >> j & 1 == 1).map(|j| p[j]).sum();
            for k in (0..n).filter(|&k| set >> k & 1 == 0 && tie_completion(jobs, set, k, tu)) {
                let b = head_bound(&edge, jobs, &mu, tu, k);
                tie_orders(jobs, &mu, set, &mut |order, value| {
                    let last = *order.last().unwrap();
                    if strict_ok(jobs, last, k, tu) {
                        assert!(
                            b <= value + 1e-6,
                            "case {case}: head {order:?} then {k} costs {value}, bound {b}; p={p:?} w={w:?} d={d:?} mu={mu:?}"
                        );
                    }
                });
            }
        }
    }
    assert!(above > 1000, "E2 should often be above E ({above} cells)");
}

/// After tuning and removal against an incumbent one above the optimum, every node on the
/// path of every optimal sequence still gets a bound at most the optimum (tail cost plus
/// head bound plus Σ_U μ).
#[test]
fn two_job_tables_after_removal_keep_optimal_paths() {
    let mut g = SplitMix64::from_state(9);
    let mut removed = 0;
    for case in 0..200 {
        let n = 3 + case % 5; // 3..7
        let (p, w, d) = instance(&mut g, n, case % 3 == 0);
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let opt = held_karp(jobs);
        let ub = opt + 1.0 + (case % 2) as f64 * 5.0;
        let mut mu = multipliers(&mut g, jobs);
        let mut relax = Relax::new(jobs).expect("small integral horizon");
        relax.adjacency_tables(jobs, &mu);
        let budget = Budget::unlimited();
        let mut net = TwoJob::build(jobs, &relax, ub, &budget).expect("small network");
        let built = net.len();
        net.eliminate(jobs, &mu, ub);
        let mut lambda = 0.5;
        let (lb, _) = net.tune(jobs, &mut mu, ub, 8, 3, &mut lambda, &budget);
        assert!(
            lb <= opt + 1e-6,
            "case {case}: tuned bound {lb} above the optimum {opt}"
        );
        net.eliminate(jobs, &mu, ub);
        removed += built - net.len();
        let root = net.forward(jobs, &mu) + mu.iter().sum::<f64>();
        assert!(
            root <= opt + 1e-6,
            "case {case}: root {root} above the optimum {opt}"
        );
        let (_, edge) = net.tables(jobs, &mu);
        // every optimal sequence, and each of its splits into head and tail
        let all = (1u32 << n) - 1;
        let mut seqs = Vec::new();
        permutations(n, &mut Vec::new(), &mut seqs);
        for s in seqs.iter().filter(|s| (jobs.total(s) - opt).abs() < 1e-9) {
            let mut set = all;
            let mut tail = 0.0;
            let mut t: f64 = p.iter().sum();
            for r in (1..n).rev() {
                let k = s[r];
                tail += jobs.cost(k, t);
                t -= p[k];
                set &= !(1 << k);
                let mu_u: f64 = (0..n).filter(|&j| set >> j & 1 == 1).map(|j| mu[j]).sum();
                let b = tail + head_bound(&edge, jobs, &mu, t, k) + mu_u;
                assert!(
                    b <= opt + 1e-6,
                    "case {case}: node {:?} | {:?} bound {b} above the optimum {opt}; p={p:?} w={w:?} d={d:?}",
                    &s[..r],
                    &s[r..]
                );
            }
        }
    }
    assert!(removed > 100, "removal should bite ({removed} arcs)");
}

fn permutations(n: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if cur.len() == n {
        out.push(cur.clone());
        return;
    }
    for j in 0..n {
        if !cur.contains(&j) {
            cur.push(j);
            permutations(n, cur, out);
            cur.pop();
        }
    }
}

/// The whole solver with the two-job stage forced (a one-node limit on every limited search
/// runs every stage-1 run, then stage 2) against Held-Karp on random n ≤ 12.
#[test]
fn search_with_two_job_tables_matches_held_karp() {
    let mut g = SplitMix64::from_state(31);
    TWO_ADOPTED.with(|c| c.set(0));
    for case in 0..300 {
        let n = 4 + case % 9; // 4..12
        let (p, w, d) = instance(&mut g, n, case % 4 == 0);
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let opt = held_karp(jobs);
        let mut start: Vec<usize> = (0..n).collect();
        start.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
        let out = branch_and_bound(jobs, Some(start), &Budget::unlimited(), false, Some(1)).expect("search");
        assert!(out.optimal, "case {case}: not proven");
        let got = jobs.total(&out.seq);
        assert_eq!(
            got, opt,
            "case {case}: {got} vs held-karp {opt}: p={p:?} w={w:?} d={d:?}"
        );
    }
    let used = TWO_ADOPTED.with(|c| c.get());
    assert!(used > 5, "the two-job stage should run on many cases ({used})");
}

/// The same on the OR-Library wt40 instances (every 5th), against the published optima,
/// from EDD/WSPT without heuristics, so the search itself must reach the optimum.
#[test]
fn search_with_two_job_tables_matches_wt40_optima() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/smtt/orlib_wt/");
    let nums: Vec<f64> = std::fs::read_to_string(format!("{dir}wt40.txt"))
        .expect("wt40.txt")
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let opts: Vec<f64> = std::fs::read_to_string(format!("{dir}wtopt40.txt"))
        .expect("wtopt40.txt")
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    TWO_ADOPTED.with(|c| c.set(0));
    for k in (0..125).step_by(5) {
        let x = &nums[k * 120..k * 120 + 120];
        let (p, w, d) = (&x[..40], &x[40..80], &x[80..]);
        let jobs = Jobs { p, w, d };
        let out = branch_and_bound(jobs, None, &Budget::unlimited(), false, Some(1)).expect("search");
        assert!(out.optimal, "wt40 #{}: not proven", k + 1);
        assert_eq!(jobs.total(&out.seq), opts[k], "wt40 #{}", k + 1);
    }
    let used = TWO_ADOPTED.with(|c| c.get());
    assert!(
        used > 5,
        "the two-job stage should run on several instances ({used})"
    );
}

/// The two-job runs go on while each raises the bound by at least `TWO_GAIN` of the gap left
/// and stop at the first that does not (or once the gap is closed, the step factor has run
/// out or `TWO_RUNS` ran), on random n ≤ 14 with the stage forced.
#[test]
fn two_job_runs_stop_at_the_first_run_that_gains_too_little() {
    let mut g = SplitMix64::from_state(77);
    TWO_RUN_LOG.with(|l| l.borrow_mut().clear());
    for case in 0..200 {
        let n = 8 + case % 7; // 8..14
        let (p, w, d) = instance(&mut g, n, case % 3 == 0);
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let mut start: Vec<usize> = (0..n).collect();
        start.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
        branch_and_bound(jobs, Some(start), &Budget::unlimited(), false, Some(1)).expect("search");
    }
    let stages = TWO_RUN_LOG.with(|l| l.take());
    let gains = |&(before, after, ub, _): &TwoRun| after - before >= TWO_GAIN * (ub - before);
    let (mut long, mut by_gain) = (0, 0);
    for runs in stages.iter().filter(|r| !r.is_empty()) {
        let (last, rest) = runs.split_last().unwrap();
        assert!(
            rest.iter().all(gains),
            "a run gaining too little did not stop: {runs:?}"
        );
        let (_, after, ub, lambda) = *last;
        let closed = after > ub - 1.0 + 1e-6;
        let stopped = !gains(last) || closed || lambda < TWO_MIN_LAMBDA || runs.len() == TWO_RUNS;
        assert!(stopped, "the runs stopped while gaining: {runs:?}");
        long += usize::from(runs.len() > 1);
        by_gain += usize::from(!gains(last) && !closed);
    }
    assert!(
        long > 5 && by_gain > 5,
        "stages with several runs {long}, ended by the gain rule {by_gain}"
    );
}
