//! Integration tests of the exact solvers: Lawler's DP (unit weights) and the weighted branch
//! and bound, against brute force and against published optima.
//!
//! Long benchmark runs are `#[ignore]`d; run them with
//! `cargo test -p schedkit-core --release --test exact -- --ignored --nocapture`.
//! Environment knobs of the benchmarks: SK_LIMIT (seconds per weighted instance, default 2),
//! SK_N (size of the generated weighted set, default 100), SK_CLASS ("RDD,TF" to run one class).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use schedkit_core::error::CoreError;
use schedkit_core::tardiness::exact_bb::solve_weighted;
use schedkit_core::tardiness::exact_dp::solve_unweighted;
use schedkit_core::tardiness::solve::{solve, Options};
use schedkit_core::tardiness::ssdp::solve_ssdp;
use schedkit_core::tardiness::{Instance, Solution};
use schedkit_core::util::SplitMix64;
use schedkit_core::Budget;

// ---------------------------------------------------------------------------------------------
// Data helpers.

fn data_path(rel: &str) -> String {
    format!("{}/../../tests/data/smtt/{}", env!("CARGO_MANIFEST_DIR"), rel)
}

/// One instance of the SDT / Cetinkaya text format.
struct Case {
    rdd: f64,
    tf: f64,
    opt: f64,
    p: Vec<f64>,
    d: Vec<f64>,
}

/// '#' comment lines, then '<count> <n>', then per instance '<RDD> <TF> <id> <opt>', p line, d line.
fn read_sdt(rel: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(data_path(rel)).expect("data file");
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let nums = |l: &str| -> Vec<f64> {
        l.split_whitespace()
            .map(|x| x.parse::<f64>().expect("number"))
            .collect()
    };
    let head = nums(lines.next().expect("header"));
    let (count, n) = (head[0] as usize, head[1] as usize);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let h = nums(lines.next().expect("instance header"));
        let p = nums(lines.next().expect("p line"));
        let d = nums(lines.next().expect("d line"));
        assert_eq!(p.len(), n);
        assert_eq!(d.len(), n);
        out.push(Case {
            rdd: h[0],
            tf: h[1],
            opt: h[3],
            p,
            d,
        });
    }
    out
}

/// OR-Library wt file: whitespace-separated integers, per instance n p's, n w's, n d's.
fn read_orlib(rel: &str, n: usize) -> Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let text = std::fs::read_to_string(data_path(rel)).expect("data file");
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse::<f64>().expect("number"))
        .collect();
    assert_eq!(v.len() % (3 * n), 0);
    v.chunks(3 * n)
        .map(|c| (c[..n].to_vec(), c[n..2 * n].to_vec(), c[2 * n..].to_vec()))
        .collect()
}

fn read_values(rel: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(data_path(rel)).expect("data file");
    text.split_whitespace()
        .map(|x| x.parse::<f64>().expect("number"))
        .collect()
}

/// The SDT generator of specs §4.2: p ~ U{1..100}, d = max(0, U{⌊P(1−TF−RDD/2)⌋..⌊P(1−TF+RDD/2)⌋}).
fn sdt_instance(g: &mut SplitMix64, n: usize, rdd: f64, tf: f64) -> (Vec<f64>, Vec<f64>) {
    let p: Vec<f64> = (0..n).map(|_| g.int(1, 100) as f64).collect();
    let total: f64 = p.iter().sum();
    let lo = (total * (1.0 - tf - rdd / 2.0)).floor() as i64;
    let hi = (total * (1.0 - tf + rdd / 2.0)).floor() as i64;
    let d: Vec<f64> = (0..n).map(|_| (g.int(lo, hi.max(lo)) as f64).max(0.0)).collect();
    (p, d)
}

fn brute_force(inst: &Instance) -> f64 {
    // Heap's algorithm over all permutations.
    let n = inst.len();
    let mut a: Vec<usize> = (0..n).collect();
    let mut best = inst.objective(&a);
    let mut c = vec![0usize; n];
    let mut i = 0;
    while i < n {
        if c[i] < i {
            if i % 2 == 0 {
                a.swap(0, i);
            } else {
                a.swap(c[i], i);
            }
            best = best.min(inst.objective(&a));
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    best
}

fn is_permutation(seq: &[usize], n: usize) -> bool {
    let mut seen = vec![false; n];
    seq.len() == n
        && seq
            .iter()
            .all(|&j| j < n && !std::mem::replace(&mut seen[j], true))
}

/// Checks the contract of every returned solution.
fn check_contract(inst: &Instance, s: &Solution) {
    assert!(
        is_permutation(&s.sequence, inst.len()),
        "not a permutation: {:?}",
        s.sequence
    );
    assert_eq!(
        s.objective,
        inst.objective(&s.sequence),
        "objective not recomputed exactly"
    );
    assert!(
        s.lower_bound <= s.objective,
        "lower bound {} above objective {}",
        s.lower_bound,
        s.objective
    );
    if s.optimal {
        assert_eq!(s.lower_bound, s.objective);
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

// ---------------------------------------------------------------------------------------------
// Brute force on small random instances.

fn random_instance(g: &mut SplitMix64, n: usize, real: bool, weighted: bool) -> Instance {
    let mut p = Vec::new();
    let mut d = Vec::new();
    let mut w = Vec::new();
    let scale = g.int(2, 30) as f64;
    for _ in 0..n {
        if real {
            p.push(0.5 + g.uniform() * scale);
            d.push((g.uniform() * 1.2 - 0.2) * scale * n as f64 * 0.6);
            w.push(g.uniform() * 5.0);
        } else {
            p.push(g.int(1, scale as i64) as f64);
            d.push(g.int(-3, (scale * n as f64 * 0.6) as i64) as f64);
            w.push(g.int(0, 6) as f64);
        }
    }
    Instance::new(p, d, if weighted { Some(w) } else { None }).expect("valid instance")
}

#[test]
fn brute_force_unweighted_small() {
    let mut g = SplitMix64::from_state(1);
    for case in 0..400 {
        let n = 1 + case % 7;
        let real = case % 2 == 1;
        let inst = random_instance(&mut g, n, real, false);
        let opt = brute_force(&inst);
        let dp = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        check_contract(&inst, &dp);
        assert!(dp.optimal);
        assert!(
            close(dp.objective, opt),
            "case {case}: dp {} brute {opt}",
            dp.objective
        );
        let bb = solve_weighted(&inst, None, &Budget::unlimited()).expect("bb");
        check_contract(&inst, &bb);
        assert!(bb.optimal);
        assert!(
            close(bb.objective, opt),
            "case {case}: bb {} brute {opt}",
            bb.objective
        );
    }
}

#[test]
fn brute_force_weighted_small() {
    let mut g = SplitMix64::from_state(2);
    for case in 0..600 {
        let n = 1 + case % 7;
        let real = case % 3 == 2;
        let inst = random_instance(&mut g, n, real, true);
        let opt = brute_force(&inst);
        let bb = solve_weighted(&inst, None, &Budget::unlimited()).expect("bb");
        check_contract(&inst, &bb);
        assert!(bb.optimal, "case {case} not proven");
        assert!(
            close(bb.objective, opt),
            "case {case}: bb {} brute {opt} ({inst:?})",
            bb.objective
        );
    }
}

#[test]
fn brute_force_weighted_with_ties_and_incumbent() {
    // Many equal p / w / d values exercise the tie-breaks of the precedence rules.
    let mut g = SplitMix64::from_state(3);
    for case in 0..300 {
        let n = 2 + case % 6;
        let p: Vec<f64> = (0..n).map(|_| g.int(1, 4) as f64).collect();
        let d: Vec<f64> = (0..n).map(|_| g.int(0, 8) as f64).collect();
        let w: Vec<f64> = (0..n).map(|_| g.int(1, 3) as f64).collect();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let opt = brute_force(&inst);
        let inc: Vec<usize> = (0..n).rev().collect();
        let bb = solve_weighted(&inst, Some(inc), &Budget::unlimited()).expect("bb");
        check_contract(&inst, &bb);
        assert!(
            bb.optimal && close(bb.objective, opt),
            "case {case}: {} vs {opt} ({inst:?})",
            bb.objective
        );
    }
}

/// Held–Karp subset DP: V(S) = min_{k∈S} V(S∖k) + w_k·max(0, P(S) − d_k). O(n·2ⁿ).
fn held_karp(inst: &Instance) -> f64 {
    let n = inst.len();
    let full = 1usize << n;
    let mut psum = vec![0.0; full];
    let mut v = vec![f64::INFINITY; full];
    v[0] = 0.0;
    for s in 1..full {
        let low = s.trailing_zeros() as usize;
        psum[s] = psum[s & (s - 1)] + inst.p()[low];
        for k in 0..n {
            if s >> k & 1 == 1 {
                let c = v[s ^ (1 << k)] + inst.w()[k] * (psum[s] - inst.d()[k]).max(0.0);
                if c < v[s] {
                    v[s] = c;
                }
            }
        }
    }
    v[full - 1]
}

#[test]
fn weighted_mid_size_matches_held_karp() {
    // n = 10..14 weighted instances (integer and real-valued, several due-date classes)
    // against an independent subset DP.
    let mut g = SplitMix64::from_state(4);
    for case in 0..60 {
        let n = 10 + case % 5;
        let (rdd, tf) = [(0.2, 0.6), (0.4, 0.8), (0.6, 0.4), (1.0, 0.6), (0.2, 1.0)][case % 5];
        let (mut p, mut d) = sdt_instance(&mut g, n, rdd, tf);
        let mut w: Vec<f64> = (0..n).map(|_| g.int(1, 10) as f64).collect();
        if case % 3 == 0 {
            for j in 0..n {
                p[j] += g.uniform();
                d[j] += g.uniform() * 10.0;
                w[j] *= 0.5 + g.uniform();
            }
        }
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let opt = held_karp(&inst);
        let s = solve_weighted(&inst, None, &Budget::unlimited()).expect("bb");
        check_contract(&inst, &s);
        assert!(s.optimal, "case {case} not proven");
        assert!(
            close(s.objective, opt),
            "case {case}: bb {} held-karp {opt}",
            s.objective
        );
    }
}

#[test]
fn unweighted_mid_size_matches_held_karp() {
    let mut g = SplitMix64::from_state(5);
    for case in 0..40 {
        let n = 10 + case % 5;
        let (rdd, tf) = [(0.2, 0.6), (0.4, 0.8), (0.6, 0.4), (1.0, 0.6)][case % 4];
        let (mut p, mut d) = sdt_instance(&mut g, n, rdd, tf);
        if case % 2 == 1 {
            for j in 0..n {
                p[j] += g.uniform();
                d[j] -= g.uniform() * 10.0;
            }
        }
        let inst = Instance::new(p, d, None).expect("valid");
        let opt = held_karp(&inst);
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        check_contract(&inst, &s);
        assert!(s.optimal);
        assert!(
            close(s.objective, opt),
            "case {case}: dp {} held-karp {opt}",
            s.objective
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Published optima.

#[test]
fn sdt_n100_first_40_match_optima() {
    let cases = read_sdt("sdt/sdt_n100.txt");
    assert_eq!(cases.len(), 200);
    // The first 40 are classes (0.2, 0.2..0.8): they include the hardest class (0.2, 0.6).
    for (i, c) in cases.iter().take(40).enumerate() {
        let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        check_contract(&inst, &s);
        assert!(s.optimal, "instance {i} not proven");
        assert_eq!(s.objective, c.opt, "instance {i} (RDD {}, TF {})", c.rdd, c.tf);
    }
}

#[test]
fn n20_uniform_subset_matches_optima() {
    let cases = read_sdt("cetinkaya2025/n20_uniform_table2.txt");
    assert_eq!(cases.len(), 800);
    // Every 4th instance: 200 instances across all 20 classes; n20 due dates may be negative.
    for (i, c) in cases.iter().enumerate().step_by(4) {
        let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        check_contract(&inst, &s);
        assert!(s.optimal);
        assert_eq!(s.objective, c.opt, "n20 instance {i}");
    }
}

#[test]
fn orlib_unweighted_optima_match() {
    // wt40 / wt50 with the weights dropped against uwtopt40/50 (every 5th instance).
    for (file, opt_file, n) in [
        ("orlib_wt/wt40.txt", "orlib_wt/uwtopt40.txt", 40),
        ("orlib_wt/wt50.txt", "orlib_wt/uwtopt50.txt", 50),
    ] {
        let inst_data = read_orlib(file, n);
        let opts = read_values(opt_file);
        assert_eq!(inst_data.len(), opts.len());
        for (i, (p, _w, d)) in inst_data.iter().enumerate().step_by(5) {
            let inst = Instance::new(p.clone(), d.clone(), None).expect("valid");
            let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
            assert!(s.optimal);
            assert_eq!(s.objective, opts[i], "{file} instance {}", i + 1);
        }
    }
}

#[test]
fn wt40_easy_subset_weighted() {
    // A few wt40 instances with a modest limit: proven values equal wtopt40; unproven ones
    // never go below it and carry a valid lower bound.
    let data = read_orlib("orlib_wt/wt40.txt", 40);
    let opts = read_values("orlib_wt/wtopt40.txt");
    let mut proven = 0;
    for i in [0usize, 1, 5, 12, 26, 50, 76, 100, 101, 124] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let s = solve_weighted(&inst, None, &Budget::new(Some(1.0), None)).expect("bb");
        check_contract(&inst, &s);
        assert!(s.objective >= opts[i], "instance {} below the optimum", i + 1);
        assert!(
            s.lower_bound <= opts[i],
            "instance {}: bound {} above the optimum {}",
            i + 1,
            s.lower_bound,
            opts[i]
        );
        if s.optimal {
            proven += 1;
            assert_eq!(s.objective, opts[i], "instance {}", i + 1);
        }
    }
    assert!(proven >= 5, "only {proven} of 10 proven");
}

#[test]
fn exact_racing_ssdp_beside_bb_proves_wt40_and_bounds_wt50() {
    // `exact` with two workers (`ssdp` joins after 1 s, so on these mostly `bb` alone; the
    // unit tests of `solve.rs` race both from the start): every proof equals wtopt40 (all
    // proven within 5 s); on hard wt50 instances stopped at once or at 50 ms the answer keeps
    // the contract and its bound stays below the optimum.
    let opts = Options {
        workers: 2,
        ..Options::default()
    };
    let data = read_orlib("orlib_wt/wt40.txt", 40);
    let known = read_values("orlib_wt/wtopt40.txt");
    for i in [0usize, 5, 26, 50, 76, 101, 124] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let s = solve(&inst, "exact", &opts, &Budget::new(Some(5.0), None))
            .expect("race")
            .solution;
        check_contract(&inst, &s);
        assert!(s.optimal, "wt40 instance {} not proven", i + 1);
        assert_eq!(s.objective, known[i], "wt40 instance {}", i + 1);
    }
    let data = read_orlib("orlib_wt/wt50.txt", 50);
    let known = read_values("orlib_wt/wtopt50.txt");
    for i in [18usize, 43, 68] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        for limit in [0.0, 0.05] {
            let s = solve(&inst, "exact", &opts, &Budget::new(Some(limit), None))
                .expect("race")
                .solution;
            check_contract(&inst, &s);
            assert!(s.lower_bound <= known[i] && s.objective >= known[i]);
            assert!(!s.optimal || s.objective == known[i]);
        }
    }
}

#[test]
fn a_finished_rival_ends_each_racer_like_a_time_out() {
    // The flag the race raises must end `bb` and `ssdp` with an answer and a valid bound,
    // not with the interruption error Ctrl-C gives.
    let data = read_orlib("orlib_wt/wt50.txt", 50);
    let known = read_values("orlib_wt/wtopt50.txt");
    let raised = AtomicBool::new(true);
    let budget = Budget::new(None, None);
    let beside = budget.beside(&raised);
    for i in [18usize, 43] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        for s in [
            solve_weighted(&inst, None, &beside).expect("bb"),
            solve_ssdp(&inst, None, &beside, None).expect("ssdp"),
        ] {
            check_contract(&inst, &s);
            assert!(s.lower_bound <= known[i] && s.objective >= known[i]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Contract: time limits, stop flag, n = 0, invalid input.

#[test]
fn zero_time_limit_gives_valid_bounds() {
    let cases = read_sdt("sdt/sdt_n100.txt");
    for c in cases.iter().skip(20).take(5) {
        let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
        let s = solve_unweighted(&inst, None, &Budget::new(Some(0.0), None)).expect("dp");
        check_contract(&inst, &s);
        if c.opt > 0.0 {
            assert!(!s.optimal);
        }
        assert!(s.lower_bound <= c.opt);
        assert!(s.objective >= c.opt);
    }
    let data = read_orlib("orlib_wt/wt40.txt", 40);
    let opts = read_values("orlib_wt/wtopt40.txt");
    for i in [10usize, 60, 110] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let s = solve_weighted(&inst, None, &Budget::new(Some(0.0), None)).expect("bb");
        check_contract(&inst, &s);
        assert!(!s.optimal || s.objective == opts[i]);
        assert!(s.lower_bound <= opts[i]);
        assert!(s.objective >= opts[i]);
    }
}

#[test]
fn short_time_limit_weighted_valid_bound() {
    // A hard wt50 instance with a 50 ms limit: whatever comes back must be consistent.
    let data = read_orlib("orlib_wt/wt50.txt", 50);
    let opts = read_values("orlib_wt/wtopt50.txt");
    for i in [18usize, 43, 68] {
        let (p, w, d) = data[i].clone();
        let inst = Instance::new(p, d, Some(w)).expect("valid");
        let s = solve_weighted(&inst, None, &Budget::new(Some(0.05), None)).expect("bb");
        check_contract(&inst, &s);
        assert!(
            s.lower_bound <= opts[i],
            "bound {} above optimum {}",
            s.lower_bound,
            opts[i]
        );
        assert!(s.objective >= opts[i]);
        if s.optimal {
            assert_eq!(s.objective, opts[i]);
        }
    }
}

#[test]
fn stop_flag_interrupts() {
    let flag = AtomicBool::new(true);
    let budget = Budget::new(None, Some(&flag));
    let cases = read_sdt("sdt/sdt_n100.txt");
    let c = &cases[25];
    let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
    assert_eq!(
        solve_unweighted(&inst, None, &budget),
        Err(CoreError::Interrupted)
    );
    let w: Vec<f64> = (0..inst.len()).map(|j| (1 + j % 5) as f64).collect();
    let winst = Instance::new(c.p.clone(), c.d.clone(), Some(w)).expect("valid");
    assert_eq!(solve_weighted(&winst, None, &budget), Err(CoreError::Interrupted));
}

#[test]
fn empty_instance() {
    let inst = Instance::new(vec![], vec![], None).expect("valid");
    for s in [
        solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp"),
        solve_weighted(&inst, None, &Budget::unlimited()).expect("bb"),
    ] {
        assert!(s.sequence.is_empty());
        assert_eq!(s.objective, 0.0);
        assert!(s.optimal);
        assert_eq!(s.lower_bound, 0.0);
    }
}

#[test]
fn unweighted_rejects_weights_and_bad_incumbent() {
    let inst = Instance::new(vec![1.0, 2.0], vec![1.0, 1.0], Some(vec![1.0, 2.0])).expect("valid");
    match solve_unweighted(&inst, None, &Budget::unlimited()) {
        Err(CoreError::InvalidInstance { field, .. }) => assert_eq!(field, "w"),
        other => panic!("expected an error, got {other:?}"),
    }
    // Unit weights given explicitly are fine.
    let unit = Instance::new(vec![1.0, 2.0], vec![1.0, 1.0], Some(vec![1.0, 1.0])).expect("valid");
    assert!(
        solve_unweighted(&unit, None, &Budget::unlimited())
            .expect("dp")
            .optimal
    );
    assert!(solve_unweighted(&unit, Some(vec![0, 0]), &Budget::unlimited()).is_err());
    assert!(solve_weighted(&inst, Some(vec![1]), &Budget::unlimited()).is_err());
}

#[test]
fn zero_weights_and_all_zero() {
    let inst = Instance::new(
        vec![3.0, 1.0, 2.0],
        vec![0.0, 0.0, 0.0],
        Some(vec![0.0, 0.0, 0.0]),
    )
    .expect("valid");
    let s = solve_weighted(&inst, None, &Budget::unlimited()).expect("bb");
    assert!(s.optimal && s.objective == 0.0);
    check_contract(&inst, &s);
}

#[test]
fn larger_unweighted_generated_n200() {
    // Two n = 200 instances of the hard class: the DP must prove them (seconds at most).
    let mut g = SplitMix64::from_state(200);
    for _ in 0..2 {
        let (p, d) = sdt_instance(&mut g, 200, 0.2, 0.6);
        let inst = Instance::new(p, d, None).expect("valid");
        let t = Instant::now();
        let s = solve_unweighted(&inst, None, &Budget::new(Some(60.0), None)).expect("dp");
        check_contract(&inst, &s);
        assert!(s.optimal, "n=200 not proven in {:?}", t.elapsed());
    }
}

#[test]
fn deep_recursion_does_not_overflow() {
    // Two early tardy jobs and then jobs that are each on time when last: every DP level
    // peels one job, so the recursion is about n deep. n = 1000 runs inline on the test
    // thread's 2 MB stack; n = 4000 goes to the DP's own thread.
    for n in [1000usize, 4000] {
        let p = vec![1.0; n];
        let d: Vec<f64> = (0..n).map(|j| if j < 2 { 0.0 } else { (j + 2) as f64 }).collect();
        let inst = Instance::new(p, d, None).expect("valid");
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        check_contract(&inst, &s);
        assert!(s.optimal);
        assert_eq!(s.objective, 3.0); // jobs 0 and 1 first: tardiness 1 + 2
    }
}

#[test]
fn large_instances_respect_the_time_limit() {
    // Sizes that use the wider set types (n = 300) and no search at all (n = 1100), and a
    // large unweighted one: each must come back soon after the limit with a valid answer.
    let mut g = SplitMix64::from_state(9);
    for &n in &[300usize, 1100] {
        let inst = orlib_instance(&mut g, n, 0.2, 0.6);
        let t = Instant::now();
        let s = solve_weighted(&inst, None, &Budget::new(Some(0.3), None)).expect("bb");
        check_contract(&inst, &s);
        assert!(t.elapsed().as_secs_f64() < 3.0, "n={n} took {:?}", t.elapsed());
    }
    let (p, d) = sdt_instance(&mut g, 3000, 0.2, 0.6);
    let inst = Instance::new(p, d, None).expect("valid");
    let t = Instant::now();
    let s = solve_unweighted(&inst, None, &Budget::new(Some(0.3), None)).expect("dp");
    check_contract(&inst, &s);
    assert!(t.elapsed().as_secs_f64() < 3.0, "n=3000 took {:?}", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Benchmarks (ignored by default).

#[test]
#[ignore]
fn bench_sdt_n100_all() {
    let cases = read_sdt("sdt/sdt_n100.txt");
    let start = Instant::now();
    let mut max = 0.0f64;
    let mut worst = 0;
    for (i, c) in cases.iter().enumerate() {
        let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
        let t = Instant::now();
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        let e = t.elapsed().as_secs_f64();
        if e > max {
            max = e;
            worst = i;
        }
        assert!(s.optimal);
        assert_eq!(s.objective, c.opt, "instance {i}");
    }
    println!(
        "sdt_n100: 200/200 proven, total {:.3} s, max {:.3} s (instance {worst})",
        start.elapsed().as_secs_f64(),
        max
    );
}

#[test]
#[ignore]
fn bench_n20_all() {
    let cases = read_sdt("cetinkaya2025/n20_uniform_table2.txt");
    let start = Instant::now();
    for (i, c) in cases.iter().enumerate() {
        let inst = Instance::new(c.p.clone(), c.d.clone(), None).expect("valid");
        let s = solve_unweighted(&inst, None, &Budget::unlimited()).expect("dp");
        assert_eq!(s.objective, c.opt, "instance {i}");
    }
    println!("n20: 800/800 in {:.3} s", start.elapsed().as_secs_f64());
}

fn bench_orlib(file: &str, opt_file: &str, n: usize, limit: f64) {
    let data = read_orlib(file, n);
    let opts = read_values(opt_file);
    let start = Instant::now();
    let mut proven = 0;
    let mut ub_hits = 0;
    let mut unproven = Vec::new();
    let mut max_proven = 0.0f64;
    for (i, (p, w, d)) in data.iter().enumerate() {
        let inst = Instance::new(p.clone(), d.clone(), Some(w.clone())).expect("valid");
        let t = Instant::now();
        let s = solve_weighted(&inst, None, &Budget::new(Some(limit), None)).expect("bb");
        let e = t.elapsed().as_secs_f64();
        check_contract(&inst, &s);
        assert!(
            s.objective >= opts[i],
            "{file} #{}: {} below listed {}",
            i + 1,
            s.objective,
            opts[i]
        );
        assert!(
            s.lower_bound <= opts[i],
            "{file} #{}: bound {} above listed {}",
            i + 1,
            s.lower_bound,
            opts[i]
        );
        if s.objective == opts[i] {
            ub_hits += 1;
        }
        if s.optimal {
            proven += 1;
            max_proven = max_proven.max(e);
            assert_eq!(s.objective, opts[i], "{file} #{}", i + 1);
        } else {
            unproven.push((i + 1, s.objective, s.lower_bound, opts[i]));
        }
    }
    println!(
        "{file}: proven {proven}/{} with {limit} s limit, listed value reached {ub_hits}, total {:.2} s, max proven {:.3} s",
        data.len(),
        start.elapsed().as_secs_f64(),
        max_proven
    );
    for u in unproven {
        println!("  unproven #{}: ub {} lb {} listed {}", u.0, u.1, u.2, u.3);
    }
}

fn env_limit() -> f64 {
    std::env::var("SK_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

#[test]
#[ignore]
fn bench_wt40() {
    bench_orlib("orlib_wt/wt40.txt", "orlib_wt/wtopt40.txt", 40, env_limit());
}

#[test]
#[ignore]
fn bench_wt50() {
    bench_orlib("orlib_wt/wt50.txt", "orlib_wt/wtopt50.txt", 50, env_limit());
}

#[test]
#[ignore]
fn bench_unweighted_large() {
    let mut g = SplitMix64::from_state(77);
    for &n in &[200usize, 300, 500] {
        for &(rdd, tf) in &[(0.2, 0.6), (0.2, 0.8), (0.6, 0.4), (1.0, 0.2)] {
            let (p, d) = sdt_instance(&mut g, n, rdd, tf);
            let inst = Instance::new(p, d, None).expect("valid");
            let t = Instant::now();
            let s = solve_unweighted(&inst, None, &Budget::new(Some(120.0), None)).expect("dp");
            check_contract(&inst, &s);
            println!(
                "n={n} RDD={rdd} TF={tf}: optimal={} obj={} in {:.3} s",
                s.optimal,
                s.objective,
                t.elapsed().as_secs_f64()
            );
        }
    }
}

/// OR-Library style weighted instance (specs §4.1 generator).
fn orlib_instance(g: &mut SplitMix64, n: usize, rdd: f64, tf: f64) -> Instance {
    let p: Vec<f64> = (0..n).map(|_| g.int(1, 100) as f64).collect();
    let w: Vec<f64> = (0..n).map(|_| g.int(1, 10) as f64).collect();
    let total: f64 = p.iter().sum();
    let lo = total * (1.0 - tf - rdd / 2.0);
    let hi = total * (1.0 - tf + rdd / 2.0);
    let d: Vec<f64> = (0..n).map(|_| (lo + g.uniform() * (hi - lo)).floor()).collect();
    Instance::new(p, d, Some(w)).expect("valid")
}

#[test]
#[ignore]
fn bench_weighted_generated() {
    let n: usize = std::env::var("SK_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let limit = env_limit();
    let mut g = SplitMix64::from_state(1000 + n as u64);
    let mut proven = 0;
    let mut total = 0;
    let start = Instant::now();
    for rdd in [0.2, 0.4, 0.6, 0.8, 1.0] {
        for tf in [0.2, 0.4, 0.6, 0.8, 1.0] {
            let inst = orlib_instance(&mut g, n, rdd, tf);
            if let Ok(only) = std::env::var("SK_CLASS") {
                if only != format!("{rdd},{tf}") {
                    continue;
                }
            }
            let t = Instant::now();
            let s = solve_weighted(&inst, None, &Budget::new(Some(limit), None)).expect("bb");
            check_contract(&inst, &s);
            total += 1;
            if s.optimal {
                proven += 1;
            }
            println!(
                "n={n} RDD={rdd} TF={tf}: optimal={} obj={} lb={} {:.3} s",
                s.optimal,
                s.objective,
                s.lower_bound,
                t.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "generated n={n}: proven {proven}/{total} with {limit} s limit, total {:.2} s",
        start.elapsed().as_secs_f64()
    );
}
