//! Core tests of the flow-time simulator: hand-computed schedules for every policy, input
//! validation, and properties (SRPT optimal on one machine, work conservation, agreements
//! between policies in their special cases, information hygiene).

use proptest::prelude::*;
use schedkit_core::flowtime::{
    lower_bound, simulate, simulate_callback, Info, Jobs, Options, Params, Policy, ViewBatch, POLICIES,
};
use schedkit_core::util::names;
use schedkit_core::{Budget, CoreError, CoreResult};

fn single(r: &[f64], p: &[f64]) -> Jobs {
    Jobs::single(r.to_vec(), p.to_vec(), None).unwrap()
}

fn lists(r: &[f64], ops: &[&[f64]]) -> Jobs {
    let ops: Vec<Vec<f64>> = ops.iter().map(|o| o.to_vec()).collect();
    Jobs::from_lists(r.to_vec(), &ops, None).unwrap()
}

fn policy(name: &str) -> Policy {
    Policy::parse(name, &Params::default()).unwrap()
}

fn run_m(jobs: &Jobs, p: &Policy, m: usize) -> Vec<f64> {
    let opts = Options {
        machines: m,
        ..Options::default()
    };
    let out = simulate(jobs, p, &opts, &Budget::unlimited()).unwrap();
    assert!(out.finished);
    out.completion
}

fn run(jobs: &Jobs, name: &str) -> Vec<f64> {
    run_m(jobs, &policy(name), 1)
}

fn total(jobs: &Jobs, c: &[f64]) -> f64 {
    c.iter().zip(jobs.release()).map(|(c, r)| c - r).sum()
}

// ---------------------------------------------------------------- hand-computed schedules

/// r = (0, 1, 2), p = (3, 1, 2) on one machine; the comments give each schedule.
#[test]
fn three_jobs_every_policy() {
    let j = single(&[0., 1., 2.], &[3., 1., 2.]);
    // SRPT: J0 0-1, J1 1-2, tie J0/J2 at 2 goes to the earlier release: J0 2-4, J2 4-6.
    assert_eq!(run(&j, "srpt"), vec![4., 2., 6.]);
    assert_eq!(run(&j, "op_srpt"), vec![4., 2., 6.]);
    // Non-preemptive SPT and FCFS: J0 0-3, J1 3-4, J2 4-6.
    assert_eq!(run(&j, "spt"), vec![3., 4., 6.]);
    assert_eq!(run(&j, "fcfs"), vec![3., 4., 6.]);
    // RR: J0 alone to 1; J0, J1 at 1/2 to 2; three at 1/3: J1 done 3.5; two at 1/2: J0 5.5, J2 6.
    assert_eq!(run(&j, "rr"), vec![5.5, 3.5, 6.]);
    // SETF: J0 to level 1; J1 alone 1-2 (done); J2 alone 2-3 reaches level 1; J0 and J2 share:
    // J2 done at 5, J0 at 6.
    assert_eq!(run(&j, "setf"), vec![6., 2., 5.]);
    // LAPS(1/2): the single latest job runs: J1 1-2, J2 2-4, J0 4-6.
    assert_eq!(run(&j, "laps"), vec![6., 2., 4.]);
    // MLF (base 1): J0 0-1 -> queue 1; J1 1-2; J2 2-3 -> queue 1 (after J0); J0 3-5; J2 5-6.
    assert_eq!(run(&j, "mlf"), vec![5., 2., 6.]);
    // HDF (unit weights: 1/p): J0, then J1 (1), then J2 (1/2) before J0 (1/3).
    assert_eq!(run(&j, "hdf"), vec![6., 2., 4.]);
    // chunk (gamma 2, c 2): estimate max(S, 2M) - W: J0 5 at t=1, J1 2; J2 4 < J0 5 at t=2.
    assert_eq!(run(&j, "chunk"), vec![6., 2., 4.]);
    // SPRPT with estimates (1, 2, 2): J0's key 1 - attained keeps it running to 3 (overrun).
    let e = j.with_estimate(vec![1., 2., 2.]).unwrap();
    assert_eq!(run(&e, "sprpt"), vec![3., 4., 6.]);
    for v in ["clamped", "class"] {
        let p = Policy::parse(
            "sprpt",
            &Params {
                variant: Some(v.into()),
                ..Params::default()
            },
        )
        .unwrap();
        assert_eq!(run_m(&e, &p, 1), vec![3., 4., 6.], "{v}");
    }
    assert_eq!(total(&j, &run(&j, "srpt")), 9.0);
    let lb = lower_bound(&j, 1, &Budget::unlimited()).unwrap().unwrap();
    assert_eq!(lb, 9.0);
}

#[test]
fn non_preemptive_spt_compares_simultaneous_releases() {
    // Jobs released together compete even though the machine was idle when the first came.
    let j = single(&[0., 0.], &[2., 1.]);
    assert_eq!(run(&j, "spt"), vec![3., 1.]);
    let j = single(&[0., 0., 0.], &[3., 2., 1.]);
    assert_eq!(run_m(&j, &policy("spt"), 2), vec![4., 2., 1.]);
    // A job that has started keeps the machine: J0 (10) starts at 0, J1 (1) waits.
    let j = single(&[0., 0.5], &[10., 1.]);
    assert_eq!(run(&j, "spt"), vec![10., 11.]);
}

#[test]
fn sprpt_variants_differ_when_estimates_mislead() {
    // r = 0, 0, 1; p = 4, 1, 1; estimates 1, 3, 2.
    let j = single(&[0., 0., 1.], &[4., 1., 1.])
        .with_estimate(vec![1., 3., 2.])
        .unwrap();
    // plain: J0 (key 1 - attained, negative after 1) runs 0-4; J2 (2) 4-5; J1 (3) 5-6.
    assert_eq!(run(&j, "sprpt"), vec![4., 6., 5.]);
    // clamped: J0's key hits 0 at t = 1 and stays there (FIFO among overruns): same order.
    let p = Policy::parse(
        "sprpt",
        &Params {
            variant: Some("clamped".into()),
            ..Params::default()
        },
    )
    .unwrap();
    assert_eq!(run_m(&j, &p, 1), vec![4., 6., 5.]);
    // class: classes floor(log2 e) = 0, 1, 1: J0 0-4, then J1 (earlier release) 4-5, J2 5-6.
    let p = Policy::parse(
        "sprpt",
        &Params {
            variant: Some("class".into()),
            ..Params::default()
        },
    )
    .unwrap();
    assert_eq!(run_m(&j, &p, 1), vec![4., 5., 6.]);
}

#[test]
fn two_machines() {
    let j = single(&[0., 0., 0.], &[1., 2., 3.]);
    assert_eq!(run_m(&j, &policy("srpt"), 2), vec![1., 2., 4.]);
    // Three jobs at rate 2/3: J0 done at 1.5; then two at rate 1.
    assert_eq!(run_m(&j, &policy("rr"), 2), vec![1.5, 2.5, 3.5]);
    assert_eq!(run_m(&j, &policy("setf"), 2), vec![1.5, 2.5, 3.5]);
    // LAPS(1/2): the ceil(1.5) = 2 latest jobs run at rate 1, J1 done at 2; then the set keeps
    // min(m, n) = 2 jobs, so J0 and J2 run together to 3.
    assert_eq!(run_m(&j, &policy("laps"), 2), vec![3., 2., 3.]);
    assert_eq!(run_m(&j, &policy("fcfs"), 2), vec![1., 2., 4.]);
    // Bound: max(SRPT at speed 2 = 0.5 + 1.5 + 3 = 5, sum p = 6).
    assert_eq!(lower_bound(&j, 2, &Budget::unlimited()).unwrap(), Some(6.0));
}

#[test]
fn setf_water_filling_on_two_machines() {
    // J0 r=0 p=4; J1, J2 at r=1 with p=1 and p=4. m=2.
    // 0-1: J0 alone (rate 1, level 1). At 1: J1, J2 at level 0 share... two machines, group of 2
    // at level 0 gets rate 1 each (cap 2), J0 gets nothing until they reach level 1 at t=2.
    // At 2: J1 done (size 1); J0 and J2 at level 1, rate 1 each: J2 done at 5, J0 at 5.
    let j = single(&[0., 1., 1.], &[4., 1., 4.]);
    assert_eq!(run_m(&j, &policy("setf"), 2), vec![5., 2., 5.]);
}

#[test]
fn operations_reveal_gradually() {
    // J0: ops (1, 10); J1: op (2); both at 0.
    let j = lists(&[0., 0.], &[&[1., 10.], &[2.]]);
    // SRPT knows totals 11 vs 2.
    assert_eq!(run(&j, "srpt"), vec![13., 2.]);
    // op_srpt: J0's first op (1) goes first; then 10 is revealed and J1 (2) runs.
    assert_eq!(run(&j, "op_srpt"), vec![13., 3.]);
    assert_eq!(run(&j, "chunk"), vec![13., 3.]);
    // Non-clairvoyant policies ignore sizes: RR shares, J1 done at 4, J0 at 13.
    assert_eq!(run(&j, "rr"), vec![13., 4.]);
    assert_eq!(run(&j, "fcfs"), vec![11., 13.]);
}

#[test]
fn uniform_obligatory_tests() {
    // Every job: a test of length 1, then a revealed part.
    let j = lists(&[0., 0.], &[&[1., 5.], &[1., 1.]]);
    // op_srpt: tie on the tests goes to J0; 5 revealed; J1's test, then its 1; J0's 5.
    assert_eq!(run(&j, "op_srpt"), vec![8., 3.]);
    assert_eq!(run(&j, "srpt"), vec![8., 2.]);
    // chunk with the count known: the last operation is prioritised by its exact remaining.
    let p = Policy::parse(
        "chunk",
        &Params {
            known_count: Some(true),
            ..Params::default()
        },
    )
    .unwrap();
    assert_eq!(run_m(&j, &p, 1), vec![8., 3.]);
}

#[test]
fn weighted_hdf() {
    let j = Jobs::single(vec![0., 0.], vec![2., 1.], Some(vec![3., 1.])).unwrap();
    assert_eq!(run(&j, "hdf"), vec![2., 3.]);
    assert_eq!(run(&j, "srpt"), vec![3., 1.]);
    // Weighted SRPT (remaining) when J1 (w 5, p 1) arrives at 1 and J0 (w 3) has 1 left.
    let j = Jobs::single(vec![0., 1.], vec![2., 1.], Some(vec![3., 5.])).unwrap();
    let p = Policy::parse(
        "hdf",
        &Params {
            remaining: Some(true),
            ..Params::default()
        },
    )
    .unwrap();
    // At 1: J0 density 3/1 = 3, J1 5/1 = 5: J1 1-2, J0 2-3.
    assert_eq!(run_m(&j, &p, 1), vec![3., 2.]);
    // Static HDF: 3/2 = 1.5 vs 5: the same order here.
    assert_eq!(run(&j, "hdf"), vec![3., 2.]);
}

#[test]
fn mlf_demotes_at_doubling_thresholds() {
    // One job of size 10 alone passes thresholds 1, 3, 7 without effect: C = 10.
    let j = single(&[0.], &[10.]);
    assert_eq!(run(&j, "mlf"), vec![10.]);
    // J0 p=10 at 0, J1 p=2 at 2 (J0 in queue 1 since t=1, reaches queue 2 at 3).
    // J1 (queue 0) 2-3, demoted to queue 1 (entry 3); J0 is in queue 1 (entry 1) with
    // attained 2 < 3: J0 3-4 reaches 3 -> queue 2; J1 4-5 done; J0 5-12.
    let j = single(&[0., 2.], &[10., 2.]);
    assert_eq!(run(&j, "mlf"), vec![12., 5.]);
}

#[test]
fn laps_beta_one_is_rr() {
    let j = single(&[0., 0.5, 0.7, 3.], &[2., 1., 3., 0.5]);
    let p = Policy::parse(
        "laps",
        &Params {
            beta: Some(1.0),
            ..Params::default()
        },
    )
    .unwrap();
    let a = run_m(&j, &p, 1);
    let b = run(&j, "rr");
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn idle_gaps_and_empty_instances() {
    let j = single(&[5., 20.], &[1., 2.]);
    for name in names(&POLICIES) {
        if name == "sprpt" {
            continue;
        }
        assert_eq!(run(&j, name), vec![6., 22.], "{name}");
    }
    let e = Jobs::single(vec![], vec![], None).unwrap();
    assert_eq!(run(&e, "srpt"), Vec::<f64>::new());
    assert_eq!(run(&e, "setf"), Vec::<f64>::new());
    assert_eq!(lower_bound(&e, 3, &Budget::unlimited()).unwrap(), Some(0.0));
}

// ---------------------------------------------------------------- validation

fn invalid_index(e: CoreError) -> (String, Option<usize>) {
    match e {
        CoreError::InvalidInstance { field, index, .. } => (field, index),
        other => panic!("expected InvalidInstance, got {other:?}"),
    }
}

#[test]
fn bad_inputs_name_field_and_job() {
    let e = Jobs::from_lists(vec![0., 0.], &[vec![1.], vec![1., f64::NAN]], None).unwrap_err();
    assert_eq!(invalid_index(e), ("operations".into(), Some(1)));
    let e = Jobs::from_lists(vec![0., 0.], &[vec![-1.], vec![1.]], None).unwrap_err();
    assert_eq!(invalid_index(e), ("operations".into(), Some(0)));
    let e = Jobs::from_lists(vec![0., 0.], &[vec![1.], vec![]], None).unwrap_err();
    assert_eq!(invalid_index(e), ("operations".into(), Some(1)));
    let e = Jobs::single(vec![0., -1.], vec![1., 1.], None).unwrap_err();
    assert_eq!(invalid_index(e), ("release".into(), Some(1)));
    let e = Jobs::single(vec![0., 1.], vec![1., 1.], Some(vec![1., 0.])).unwrap_err();
    assert_eq!(invalid_index(e), ("weight".into(), Some(1)));
    let e = Jobs::new(vec![0.], &[0, 2], vec![1.], None, None).unwrap_err();
    assert_eq!(invalid_index(e).0, "offsets");
    let e = Jobs::new(vec![0., 0.], &[0, 2, 1], vec![1., 1.], None, None).unwrap_err();
    assert_eq!(invalid_index(e).0, "offsets");
    let j = single(&[0.], &[1.]);
    assert!(j.with_estimate(vec![f64::INFINITY]).is_err());
    let e = simulate(
        &j,
        &Policy::Srpt,
        &Options {
            machines: 0,
            ..Options::default()
        },
        &Budget::unlimited(),
    );
    assert_eq!(invalid_index(e.unwrap_err()).0, "machines");
    let e = simulate(&j, &policy("sprpt"), &Options::default(), &Budget::unlimited());
    assert_eq!(invalid_index(e.unwrap_err()).0, "estimate");
    let e = Policy::parse(
        "srpt",
        &Params {
            beta: Some(0.5),
            ..Params::default()
        },
    )
    .unwrap_err();
    assert_eq!(invalid_index(e).0, "beta");
    assert!(Policy::parse(
        "laps",
        &Params {
            beta: Some(1.5),
            ..Params::default()
        }
    )
    .is_err());
    assert!(Policy::parse("nope", &Params::default()).is_err());
}

#[test]
fn time_limit_returns_partial_outcome() {
    let n = 200_000;
    let r: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
    let j = Jobs::single(r, vec![1.0; n], None).unwrap();
    let out = simulate(
        &j,
        &Policy::Rr,
        &Options::default(),
        &Budget::new(Some(0.0), None),
    )
    .unwrap();
    assert!(!out.finished);
    assert!(out.completion.iter().any(|c| c.is_nan()));
}

#[test]
fn event_log_rows_and_limit() {
    let j = lists(&[0., 1.], &[&[1., 2.], &[1.]]);
    let opts = Options {
        event_log: true,
        ..Options::default()
    };
    let out = simulate(&j, &Policy::OpSrpt, &opts, &Budget::unlimited()).unwrap();
    let log = out.log.unwrap();
    // 2 releases, 3 reveals, 3 op completions, 2 completions, and runs.
    let count = |k: u8| log.kind.iter().filter(|&&x| x == k).count();
    assert_eq!((count(0), count(1), count(3), count(4)), (2, 3, 3, 2));
    let work: f64 = (0..log.len())
        .filter(|&i| log.kind[i] == 2)
        .map(|i| (log.end[i] - log.time[i]) * log.value[i])
        .sum();
    assert_eq!(work, 4.0);
    let opts = Options {
        event_log: true,
        max_log_rows: 3,
        ..Options::default()
    };
    assert!(simulate(&j, &Policy::OpSrpt, &opts, &Budget::unlimited()).is_err());
}

// ---------------------------------------------------------------- callback policies

#[test]
fn callback_sees_only_revealed_information() {
    let j = lists(&[0., 0.], &[&[1., 10.], &[2.]]);
    let mut seen: Vec<ViewBatch> = Vec::new();
    let mut f = |v: &ViewBatch| -> CoreResult<Vec<f64>> {
        seen.push(v.clone());
        let s = v.op_size.as_ref().unwrap();
        Ok(s.iter().zip(&v.op_attained).map(|(s, a)| s - a).collect())
    };
    let out = simulate_callback(
        &j,
        &mut f,
        Info::Revealed,
        false,
        None,
        &Options::default(),
        &Budget::unlimited(),
    )
    .unwrap();
    // op_srpt written as a callback gives op_srpt's schedule.
    assert_eq!(out.completion, vec![13., 3.]);
    assert!(seen
        .iter()
        .all(|v| v.remaining.is_none() && v.ops_total.is_none()));
    // Before J0's first operation completes (t < 1) the view shows only its size 1.
    assert_eq!(seen[0].op_size.as_deref(), Some(&[1., 2.][..]));
    let mut g = |v: &ViewBatch| -> CoreResult<Vec<f64>> {
        assert!(v.op_size.is_none() && v.remaining.is_none() && v.estimate.is_none());
        Ok(v.attained.clone())
    };
    simulate_callback(
        &j,
        &mut g,
        Info::NonClairvoyant,
        false,
        None,
        &Options::default(),
        &Budget::unlimited(),
    )
    .unwrap();
    let mut bad = |v: &ViewBatch| -> CoreResult<Vec<f64>> { Ok(vec![f64::NAN; v.job.len()]) };
    let e = simulate_callback(
        &j,
        &mut bad,
        Info::Revealed,
        false,
        None,
        &Options::default(),
        &Budget::unlimited(),
    );
    assert_eq!(invalid_index(e.unwrap_err()).0, "priorities");
}

#[test]
fn callback_with_quantum_approximates_rr() {
    // Priorities = attained service with a small quantum: round robin in slices.
    let j = single(&[0., 0.], &[1., 1.]);
    let mut f = |v: &ViewBatch| -> CoreResult<Vec<f64>> { Ok(v.attained.clone()) };
    let out = simulate_callback(
        &j,
        &mut f,
        Info::NonClairvoyant,
        false,
        Some(0.25),
        &Options::default(),
        &Budget::unlimited(),
    )
    .unwrap();
    assert_eq!(out.completion, vec![1.75, 2.0]);
}

// ---------------------------------------------------------------- properties

fn instances(max_ops: usize) -> impl Strategy<Value = Jobs> {
    (0usize..9).prop_flat_map(move |n| {
        (
            proptest::collection::vec(0u32..20, n),
            proptest::collection::vec(proptest::collection::vec(1u32..12, 1..=max_ops), n),
            proptest::collection::vec(1u32..5, n),
        )
            .prop_map(|(r, ops, w)| {
                let r = r.into_iter().map(|x| f64::from(x) / 2.0).collect();
                let ops: Vec<Vec<f64>> = ops
                    .into_iter()
                    .map(|o| o.into_iter().map(f64::from).collect())
                    .collect();
                let w = w.into_iter().map(f64::from).collect();
                Jobs::from_lists(r, &ops, Some(w)).unwrap()
            })
    })
}

fn all_policies(jobs: &Jobs) -> Vec<(String, Policy, Jobs)> {
    let est: Vec<f64> = jobs
        .total()
        .iter()
        .enumerate()
        .map(|(i, p)| p * [0.5, 1.0, 2.0][i % 3])
        .collect();
    let with_est = jobs.with_estimate(est).unwrap();
    let mut out = Vec::new();
    for name in names(&POLICIES) {
        let j = if name == "sprpt" {
            with_est.clone()
        } else {
            jobs.clone()
        };
        out.push((name.to_string(), policy(name), j));
    }
    let p = Params {
        known_count: Some(true),
        ..Params::default()
    };
    out.push((
        "chunk+count".into(),
        Policy::parse("chunk", &p).unwrap(),
        jobs.clone(),
    ));
    let p = Params {
        remaining: Some(true),
        ..Params::default()
    };
    out.push((
        "hdf+remaining".into(),
        Policy::parse("hdf", &p).unwrap(),
        jobs.clone(),
    ));
    out
}

/// Makespan of any work-conserving single-machine schedule.
fn busy_makespan(jobs: &Jobs) -> f64 {
    let mut t = 0.0f64;
    for &j in jobs.order() {
        let j = j as usize;
        t = t.max(jobs.release()[j]) + jobs.total()[j];
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn srpt_is_optimal_on_one_machine(jobs in instances(3)) {
        let best = total(&jobs, &run(&jobs, "srpt"));
        let lb = lower_bound(&jobs, 1, &Budget::unlimited()).unwrap().unwrap();
        prop_assert!((best - lb).abs() <= 1e-9 * best.max(1.0));
        for (name, p, j) in all_policies(&jobs) {
            let c = run_m(&j, &p, 1);
            let f = total(&j, &c);
            prop_assert!(best <= f + 1e-9 * f.max(1.0), "{name}: {f} < srpt {best}");
        }
    }

    #[test]
    fn every_job_completes_and_machines_never_idle(jobs in instances(3), m in 1usize..4) {
        let lb = lower_bound(&jobs, m, &Budget::unlimited()).unwrap().unwrap();
        for (name, p, j) in all_policies(&jobs) {
            let c = run_m(&j, &p, m);
            for (k, &ck) in c.iter().enumerate() {
                let floor = j.release()[k] + j.total()[k];
                prop_assert!(ck.is_finite() && ck >= floor - 1e-9 * floor.max(1.0), "{name}: job {k}");
            }
            let f = total(&j, &c);
            prop_assert!(f >= lb - 1e-9 * lb.max(1.0), "{name}: {f} below the bound {lb}");
            if m == 1 && !j.is_empty() {
                let mk = c.iter().cloned().fold(0.0, f64::max);
                let want = busy_makespan(&j);
                prop_assert!((mk - want).abs() <= 1e-9 * want.max(1.0), "{name}: makespan {mk} != {want}");
            }
        }
    }

    #[test]
    fn single_operation_special_cases(jobs in instances(1), m in 1usize..4) {
        // op_srpt == srpt and chunk == ... when every job has one operation; laps(1) == rr.
        let a = run_m(&jobs, &policy("srpt"), m);
        let b = run_m(&jobs, &policy("op_srpt"), m);
        prop_assert_eq!(a, b);
        let laps1 = Policy::parse("laps", &Params { beta: Some(1.0), ..Params::default() }).unwrap();
        let x = run_m(&jobs, &laps1, m);
        let y = run_m(&jobs, &policy("rr"), m);
        for (u, v) in x.iter().zip(&y) {
            prop_assert!((u - v).abs() <= 1e-9 * v.abs().max(1.0));
        }
        // Clairvoyant known-count chunk on single operations is op_srpt too (estimate capped
        // by the exact remaining of the last operation).
        let p = Policy::parse("chunk", &Params { known_count: Some(true), ..Params::default() }).unwrap();
        prop_assert_eq!(run_m(&jobs, &p, m), run_m(&jobs, &policy("srpt"), m));
    }

    #[test]
    fn non_clairvoyant_policies_ignore_hidden_sizes(jobs in instances(3), extra in 1u32..20) {
        // Lengthen the last operation of the last-released job k. A non-clairvoyant policy sees
        // the same views in both runs until k completes in the shorter one, so every other job
        // that completes before then completes at the same time in both runs.
        prop_assume!(!jobs.is_empty());
        let k = *jobs.order().last().unwrap() as usize;
        let offs = jobs.offsets();
        let mut sizes = jobs.sizes().to_vec();
        sizes[offs[k + 1] - 1] += f64::from(extra);
        let off: Vec<i64> = offs.iter().map(|&x| x as i64).collect();
        let other = Jobs::new(jobs.release().to_vec(), &off, sizes, Some(jobs.weight().to_vec()), None).unwrap();
        for name in ["fcfs", "rr", "setf", "laps", "mlf"] {
            let a = run(&jobs, name);
            let b = run(&other, name);
            let cut = a[k].min(b[k]);
            for i in 0..jobs.len() {
                if i != k && (a[i] < cut || b[i] < cut) {
                    prop_assert!((a[i] - b[i]).abs() <= 1e-9 * a[i].max(1.0), "{name}: job {i} {} vs {}", a[i], b[i]);
                }
            }
        }
    }
}

/// Timing smoke test (not a benchmark; run with `--ignored --nocapture` in release).
#[test]
#[ignore]
fn perf_smoke() {
    let n = 1_000_000;
    let mut rng = schedkit_core::util::SplitMix64::new(7);
    let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut t = 0.0;
    let mut r = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    for _ in 0..n {
        t += -(1.0 - u()).ln() / 0.9;
        r.push(t);
        p.push((-(1.0 - u()).ln()).max(1e-300));
    }
    let j = Jobs::single(r, p, None).unwrap();
    let names = std::env::var("FT_POLICIES").unwrap_or_else(|_| "srpt,rr,op_srpt,fcfs".into());
    for name in names.split(',') {
        let t0 = std::time::Instant::now();
        let opts = Options {
            threads: Some(1),
            ..Options::default()
        };
        let out = simulate(&j, &policy(name), &opts, &Budget::unlimited()).unwrap();
        println!("{name}: {:?} events {}", t0.elapsed(), out.events);
    }
}

/// The floor: a minimal single-operation SRPT loop (timing reference for perf_smoke only).
fn minimal_srpt(r: &[f64], p: &[f64]) -> Vec<f64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let key = |x: f64| x.to_bits();
    let n = r.len();
    let mut c = vec![f64::NAN; n];
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    let (mut t, mut i) = (0.0f64, 0usize);
    let mut cur: Option<(f64, u32)> = None;
    loop {
        let nr = if i < n { r[i] } else { f64::INFINITY };
        match cur {
            None => {
                if i >= n {
                    break;
                }
                t = t.max(nr);
                cur = Some((p[i], i as u32));
                i += 1;
            }
            Some((rem, j)) => {
                if nr - t < rem {
                    let rem = rem - (nr - t);
                    t = nr;
                    if p[i] < rem {
                        heap.push(Reverse((key(rem), j)));
                        cur = Some((p[i], i as u32));
                    } else {
                        heap.push(Reverse((key(p[i]), i as u32)));
                        cur = Some((rem, j));
                    }
                    i += 1;
                } else {
                    t += rem;
                    c[j as usize] = t;
                    cur = heap.pop().map(|Reverse((k, j))| (f64::from_bits(k), j));
                }
            }
        }
    }
    c
}

#[test]
#[ignore]
fn perf_floor() {
    let n: usize = std::env::var("FT_N").map_or(1_000_000, |v| v.parse().unwrap());
    let mut rng = schedkit_core::util::SplitMix64::new(7);
    let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut t = 0.0;
    let (mut r, mut p) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        t += -(1.0 - u()).ln() / 0.9;
        r.push(t);
        p.push((-(1.0 - u()).ln()).max(1e-300));
    }
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let c = minimal_srpt(&r, &p);
        println!("minimal srpt: {:?} {}", t0.elapsed(), c[n - 1]);
    }
    let j = Jobs::single(r, p, None).unwrap();
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let opts = Options {
            threads: Some(1),
            ..Options::default()
        };
        let out = simulate(&j, &policy("srpt"), &opts, &Budget::unlimited()).unwrap();
        println!("schedkit srpt: {:?} {}", t0.elapsed(), out.completion[n - 1]);
    }
}
