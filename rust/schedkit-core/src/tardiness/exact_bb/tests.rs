//! The search without heuristic help, against exhaustive answers: with a poor starting
//! sequence every wrong prune or bound shows up as a wrong optimum.

use super::{branch_and_bound, INF};
use crate::budget::Budget;
use crate::tardiness::solve::exact_incumbent;
use crate::tardiness::{sorted_by, Jobs};
use crate::util::SplitMix64;

pub(super) fn held_karp(jobs: Jobs) -> f64 {
    let n = jobs.p.len();
    let full = 1usize << n;
    let mut psum = vec![0.0; full];
    let mut v = vec![INF; full];
    v[0] = 0.0;
    for s in 1..full {
        psum[s] = psum[s & (s - 1)] + jobs.p[s.trailing_zeros() as usize];
        for k in 0..n {
            if s >> k & 1 == 1 {
                v[s] = v[s].min(v[s ^ (1 << k)] + jobs.cost(k, psum[s]));
            }
        }
    }
    v[full - 1]
}

fn check(g: &mut SplitMix64, n: usize, real: bool, ties: bool, node_limits: Option<u64>) {
    let hi = if ties { 5 } else { 100 };
    let mut p: Vec<f64> = (0..n).map(|_| g.int(1, hi) as f64).collect();
    let total: f64 = p.iter().sum();
    let tf = [0.2, 0.4, 0.6, 0.8, 1.0][g.int(0, 4) as usize];
    let rdd = [0.2, 0.6, 1.0][g.int(0, 2) as usize];
    let lo = total * (1.0 - tf - rdd / 2.0);
    let mut d: Vec<f64> = (0..n).map(|_| (lo + g.uniform() * total * rdd).floor()).collect();
    let mut w: Vec<f64> = (0..n)
        .map(|_| g.int(1, if ties { 3 } else { 10 }) as f64)
        .collect();
    if real {
        for j in 0..n {
            p[j] += g.uniform();
            d[j] += g.uniform();
            w[j] *= 0.5 + g.uniform();
        }
    }
    let jobs = Jobs { p: &p, w: &w, d: &d };
    let opt = held_karp(jobs);
    // Start from the reverse of EDD: usually far from optimal.
    let mut start = sorted_by(n, |j| (d[j], p[j]));
    start.reverse();
    let out = branch_and_bound(jobs, Some(start), &Budget::unlimited(), false, node_limits).expect("search");
    let got = jobs.total(&out.seq);
    assert!(out.optimal, "not proven: p={p:?} w={w:?} d={d:?}");
    assert!(
        (got - opt).abs() <= 1e-9 * opt.max(1.0),
        "search {got} vs held-karp {opt}: p={p:?} w={w:?} d={d:?}"
    );
}

#[test]
fn search_alone_matches_held_karp() {
    let mut g = SplitMix64::from_state(11);
    for case in 0..600 {
        let n = 2 + case % 11; // 2..12
        check(&mut g, n, case % 4 == 3, case % 5 == 0, None);
    }
}

/// The same after the second root phase (multipliers tuned on the adjacency relaxation with
/// ties broken by index, node bounds from its tables, nodes removed against the incumbent
/// after each run): limited searches of one node force every run on every integral
/// instance, so a bound above the optimum anywhere shows up here.
#[test]
fn search_after_adjacency_tuning_matches_held_karp() {
    let mut g = SplitMix64::from_state(23);
    for case in 0..600 {
        let n = 2 + case % 11; // 2..12
        check(&mut g, n, false, case % 3 == 0, Some(1));
    }
}

/// The harnesses' instances: the file named by `SSDP_COUNT` (none when unset), lines
/// "name p.. | w.. | d..", only the names listed in `SSDP_ONLY` (comma-separated) if set.
type HarnessInstance = (String, Vec<f64>, Vec<f64>, Vec<f64>);
fn harness_instances() -> Vec<HarnessInstance> {
    let Ok(path) = std::env::var("SSDP_COUNT") else {
        return Vec::new();
    };
    let only = std::env::var("SSDP_ONLY").unwrap_or_default();
    let parse = |t: &str| -> Vec<f64> { t.split_whitespace().map(|x| x.parse().unwrap()).collect() };
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.split(" | ");
        let (name, p) = parts.next().unwrap().split_once(char::is_whitespace).unwrap();
        if only.is_empty() || only.split(',').any(|x| x == name) {
            let (w, d) = (parse(parts.next().unwrap()), parse(parts.next().unwrap()));
            out.push((name.to_string(), parse(p), w, d));
        }
    }
    out
}

/// Counting harness (ignored): `SSDP_COUNT=/tmp/file` with lines "name p.. | w.. | d..";
/// prints per instance the seconds, search nodes, adjacency rounds and cells left.
#[test]
#[ignore]
fn count_instances() {
    let (mut tn, mut tr, mut tt, mut tdp) = (0u64, 0u64, 0.0, 0u64);
    for (name, p, w, d) in harness_instances() {
        let jobs = Jobs { p: &p, w: &w, d: &d };
        super::COUNTS.with(|c| c.set((0, 0, 0)));
        super::DP_CELLS.with(|c| c.set(0));
        let t0 = std::time::Instant::now();
        let limit: f64 = std::env::var("SSDP_LIMIT")
            .ok()
            .and_then(|x| x.parse().ok())
            .unwrap_or(60.0);
        let budget = Budget::new(Some(limit), None);
        // SSDP_START=caller: start from the incumbent `solve`'s "exact" hands over, as the
        // bench runs it.
        let start = (std::env::var("SSDP_START").as_deref() == Ok("caller")).then(|| {
            exact_incumbent(&jobs.instance().unwrap(), &budget)
                .unwrap()
                .unwrap()
        });
        let out = branch_and_bound(jobs, start, &budget, true, None).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let (nodes, rounds, cells) = super::COUNTS.with(|c| c.get());
        let dp = super::DP_CELLS.with(|c| c.get());
        println!(
            "{name:28} {secs:7.3} {} nodes {nodes:>10} rounds {rounds:>4} cells {cells:>8} dp {dp:>11} obj {} lb {}",
            out.optimal,
            jobs.total(&out.seq),
            out.lb
        );
        tdp += dp;
        tn += nodes;
        tr += rounds;
        tt += secs;
    }
    println!("TOTAL {tt:.3} s nodes {tn} rounds {tr} dp {tdp}");
}

/// ILS harness (ignored): `SSDP_COUNT=/tmp/file ILS_ROUNDS=r` prints per instance the
/// objective after r rounds of the exact solvers' ILS with short nudges and with block moves,
/// both from the incumbent `solve`'s "exact" hands over ([`exact_incumbent`]).
#[test]
#[ignore]
fn ils_instances() {
    use crate::tardiness::local_search::iterated_descent_with;
    let rounds: usize = std::env::var("ILS_ROUNDS")
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(1000);
    for (name, p, w, d) in harness_instances() {
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let budget = Budget::unlimited();
        let start = exact_incumbent(&jobs.instance().unwrap(), &budget)
            .unwrap()
            .unwrap();
        let o0 = jobs.total(&start);
        let mut out = format!("{name:28} start {o0}");
        for blocks in [false, true] {
            for seed in [1u64, 2] {
                let t0 = std::time::Instant::now();
                let mut s = start.clone();
                iterated_descent_with(jobs, &mut s, &budget, rounds, seed, blocks);
                out += &format!(
                    " | {} {} {:.2}s",
                    if blocks { "blk" } else { "ndg" },
                    jobs.total(&s),
                    t0.elapsed().as_secs_f64()
                );
            }
        }
        println!("{out}");
    }
}

/// OR-Library-style data (p ~ U{1..100} with some unit jobs, w ~ U{1..10}, TF 0.2, RDD 0.2):
/// most of the horizon is free of cost. On such data the seeded start of the root rounds can
/// be a point no subgradient step leaves (the relaxed path collapses onto the unit jobs);
/// `root_rounds` then restarts from the incumbent's prices and must end with a bound at
/// least the seeded one and at most the optimum's upper bound, and on some of these instances
/// strictly above the seeded start (the restart is not vacuous).
#[test]
fn root_rounds_leave_a_stuck_seeded_start() {
    use super::relaxation::Relax;
    use super::{root_rounds, Cut, RESTARTS};
    let mut g = SplitMix64::new(2026);
    let (mut restarted, mut gained) = (0, 0);
    for _ in 0..40 {
        let n = 40;
        let p: Vec<f64> = (0..n)
            .map(|j| if j < 2 { 1.0 } else { g.int(1, 100) as f64 })
            .collect();
        let total: f64 = p.iter().sum();
        let d: Vec<f64> = (0..n)
            .map(|_| (total * 0.7 + g.uniform() * total * 0.2).floor())
            .collect();
        let w: Vec<f64> = (0..n).map(|_| g.int(1, 10) as f64).collect();
        let jobs = Jobs { p: &p, w: &w, d: &d };
        let budget = Budget::unlimited();
        let inc = exact_incumbent(&jobs.instance().unwrap(), &budget)
            .unwrap()
            .unwrap();
        let ub = jobs.total(&inc);
        let edd = sorted_by(n, |j| (d[j], p[j]));
        let wspt = sorted_by(n, |j| (p[j] / w[j], d[j]));
        let tried = vec![edd, wspt, inc.clone()];
        let cut = Cut { integral: true };
        let seeded = {
            let mut r = Relax::new(jobs).unwrap();
            root_rounds(jobs, &mut r, (&tried, &inc, ub), cut, &budget, true, usize::MAX).0
        };
        let before = RESTARTS.with(|c| c.get());
        let mut r = Relax::new(jobs).unwrap();
        let (lb, _) = root_rounds(jobs, &mut r, (&tried, &inc, ub), cut, &budget, true, 0);
        if RESTARTS.with(|c| c.get()) > before {
            restarted += 1;
        }
        assert!(
            lb >= seeded - 1e-9 && lb <= ub + 1e-9,
            "lb {lb} seeded {seeded} ub {ub}"
        );
        if lb > seeded + 1e-6 {
            gained += 1;
        }
    }
    assert!(
        gained > 0 && restarted >= gained,
        "restarted {restarted} gained {gained}"
    );
}
