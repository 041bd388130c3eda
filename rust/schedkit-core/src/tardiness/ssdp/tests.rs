//! SSDP against exhaustive answers (Held-Karp over subsets) and against the branch and bound,
//! on OR-Library-style instances with many ties (small p, w), where a wrong elimination or
//! a wrong adjacency rule shows up as a wrong optimum.

use super::stage1::{Adjacency, Stage1};
use super::{applicable, solve_ssdp, Problem};
use crate::budget::Budget;
use crate::tardiness::{exact_bb, Instance};
use crate::util::SplitMix64;
use proptest::prelude::*;

fn held_karp(inst: &Instance) -> f64 {
    let n = inst.len();
    let full = 1usize << n;
    let mut psum = vec![0.0; full];
    let mut v = vec![f64::INFINITY; full];
    v[0] = 0.0;
    for s in 1..full {
        psum[s] = psum[s & (s - 1)] + inst.p()[s.trailing_zeros() as usize];
        for k in 0..n {
            if s >> k & 1 == 1 {
                let c = inst.w()[k] * (psum[s] - inst.d()[k]).max(0.0);
                v[s] = v[s].min(v[s ^ (1 << k)] + c);
            }
        }
    }
    v[full - 1]
}

/// OR-Library procedure: p ~ U[1, hi], w ~ U[0 or 1, wmax], d ~ U[P(1-TF-RDD/2), P(1-TF+RDD/2)].
fn orlib_like(g: &mut SplitMix64, n: usize, hi: i64, wmax: i64, zero_w: bool) -> Instance {
    let p: Vec<f64> = (0..n).map(|_| g.int(1, hi) as f64).collect();
    let total: f64 = p.iter().sum();
    let tf = [0.2, 0.4, 0.6, 0.8, 1.0][g.int(0, 4) as usize];
    let rdd = [0.2, 0.4, 0.6, 0.8, 1.0][g.int(0, 4) as usize];
    let lo = total * (1.0 - tf - rdd / 2.0);
    let d: Vec<f64> = (0..n)
        .map(|_| (lo + g.uniform() * total * rdd).floor().max(0.0))
        .collect();
    let w: Vec<f64> = (0..n)
        .map(|_| g.int(if zero_w { 0 } else { 1 }, wmax) as f64)
        .collect();
    Instance::new(p, d, Some(w)).unwrap()
}

fn check_against_brute_force(inst: &Instance) {
    assert!(applicable(inst));
    let want = held_karp(inst);
    let s = solve_ssdp(inst, None, &Budget::unlimited(), None).unwrap();
    inst.check_permutation(&s.sequence, "sequence").unwrap();
    assert_eq!(s.objective, inst.objective(&s.sequence));
    assert!(s.optimal, "not proven: {inst:?}");
    assert_eq!(s.objective, want, "{inst:?}");
    assert_eq!(s.lower_bound, want);
}

#[test]
fn matches_held_karp_on_tied_instances() {
    let mut g = SplitMix64::new(7);
    for case in 0..300 {
        let n = 2 + case % 10;
        let inst = orlib_like(&mut g, n, 6, 3, case % 7 == 0);
        check_against_brute_force(&inst);
    }
}

#[test]
fn matches_branch_and_bound_at_n_30() {
    let mut g = SplitMix64::new(11);
    for _ in 0..20 {
        let inst = orlib_like(&mut g, 30, 100, 10, false);
        let s = solve_ssdp(&inst, None, &Budget::unlimited(), None).unwrap();
        let b = exact_bb::solve_weighted(&inst, None, &Budget::unlimited()).unwrap();
        assert!(s.optimal && b.optimal);
        assert_eq!(s.objective, b.objective, "{inst:?}");
    }
}

#[test]
fn tiny_memory_hands_over_to_branch_and_bound() {
    let mut g = SplitMix64::new(3);
    let inst = orlib_like(&mut g, 12, 20, 5, false);
    let s = solve_ssdp(&inst, None, &Budget::unlimited(), Some(1)).unwrap();
    assert!(s.optimal);
    assert_eq!(s.objective, held_karp(&inst));
}

#[test]
fn time_limit_returns_a_sequence_and_a_bound_below_it() {
    let mut g = SplitMix64::new(5);
    let inst = orlib_like(&mut g, 60, 100, 10, false);
    let s = solve_ssdp(&inst, None, &Budget::new(Some(0.0), None), None).unwrap();
    inst.check_permutation(&s.sequence, "sequence").unwrap();
    assert!(s.lower_bound <= s.objective);
    assert_eq!(s.objective, inst.objective(&s.sequence));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn optimum_and_bound_match_brute_force(
        jobs in proptest::collection::vec((1u32..=12, 0u32..=5, 0u32..=60), 1..=9),
    ) {
        let p: Vec<f64> = jobs.iter().map(|j| j.0 as f64).collect();
        let w: Vec<f64> = jobs.iter().map(|j| j.1 as f64).collect();
        let d: Vec<f64> = jobs.iter().map(|j| j.2 as f64).collect();
        let inst = Instance::new(p, d, Some(w)).unwrap();
        let want = held_karp(&inst);
        let s = solve_ssdp(&inst, None, &Budget::unlimited(), None).unwrap();
        prop_assert!(s.optimal);
        prop_assert_eq!(s.objective, want);
        prop_assert_eq!(inst.objective(&s.sequence), want);
    }
}

/// The relaxations' optima under any multipliers: no-repeat ≤ adjacency ≤ the true optimum
/// (every sequence obeying the interchange rule is an adjacency path, and some optimal one
/// does), so both are valid bounds and the adjacency one is never the weaker.
#[test]
fn adjacency_relaxation_sits_between_no_repeat_and_optimum() {
    let mut g = SplitMix64::new(19);
    for case in 0..200 {
        let n = 2 + case % 9;
        let inst = orlib_like(&mut g, n, 8, 4, false);
        let pb = Problem {
            m: n,
            p: inst.p().iter().map(|&x| x as usize).collect(),
            w: inst.w().to_vec(),
            d: inst.d().to_vec(),
            horizon: inst.p().iter().sum::<f64>() as usize,
        };
        let opt = held_karp(&inst);
        let mu: Vec<f64> = (0..n).map(|_| g.uniform() * 40.0 - 5.0).collect();
        let musum: f64 = mu.iter().sum();
        let plain = Stage1::new(&pb).forward(&pb, &mu, None) + musum;
        let adj = Adjacency::new(&pb).forward(&pb, &mu) + musum;
        assert!(plain <= adj + 1e-9, "{plain} > {adj}: {inst:?}");
        assert!(adj <= opt + 1e-9, "{adj} > optimum {opt}: {inst:?}");
    }
}

/// The interchange test's shortcuts agree with the plain cost comparison.
#[test]
fn pair_rule_shortcuts_match_the_cost_comparison() {
    let mut g = SplitMix64::new(23);
    for _ in 0..300 {
        let inst = orlib_like(&mut g, 6, 10, 5, false);
        let pb = Problem {
            m: 6,
            p: inst.p().iter().map(|&x| x as usize).collect(),
            w: inst.w().to_vec(),
            d: inst.d().to_vec(),
            horizon: inst.p().iter().sum::<f64>() as usize,
        };
        for i in 0..6 {
            for j in 0..6 {
                if i == j {
                    continue;
                }
                for t in pb.p[i].max(pb.p[j]) + pb.p[i].min(pb.p[j])..=pb.horizon {
                    if t < pb.p[i] + pb.p[j] {
                        continue;
                    }
                    let here = pb.cost(i, t - pb.p[j]) + pb.cost(j, t);
                    let swapped = pb.cost(j, t - pb.p[i]) + pb.cost(i, t);
                    let want = here < swapped || (here == swapped && i < j);
                    assert_eq!(pb.pair_ok(i, j, t), want, "i {i} j {j} t {t} {inst:?}");
                }
            }
        }
    }
}
