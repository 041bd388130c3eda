//! Property tests of the fair engine's entry points (`Engine::new`, `add_user`, `pool`,
//! `push`, `advance`, `finish`): any settings and any workload, corrupted or not, give an
//! error or a run in which every job finishes once, no earlier than it could alone.

use proptest::prelude::*;
use schedkit_core::fair::{Config, Engine, Estimate, Nodes, Policy, Workload};
use schedkit_core::util::SplitMix64;
use schedkit_core::Budget;

const POLICIES: [Policy; 7] = [
    Policy::Fifo,
    Policy::Fair,
    Policy::Ujf,
    Policy::Cfq,
    Policy::Uwfq,
    Policy::Sjf,
    Policy::Drf,
];

const EXTREME: [f64; 8] = [0.0, -1.0, 1e-300, 1e300, f64::INFINITY, f64::NAN, 0.5, 3.0];

/// Random multi-stage jobs in submit order, with one cpu request per stage.
fn workload(seed: u64, n: usize, users: usize, pools: usize) -> Workload {
    let mut rng = SplitMix64::new(seed);
    let mut w = Workload {
        job_stages: vec![0],
        task_offsets: vec![0],
        ..Default::default()
    };
    let mut t = 0.0;
    for j in 0..n {
        t += (rng.below(100) as f64) / 50.0;
        w.job_user.push(rng.below(users));
        w.job_submit.push(t);
        w.job_after.push(-1);
        w.job_think.push(0.0);
        w.job_class.push(j % 3);
        w.job_tag.push(j as i64);
        w.job_pool.push(rng.below(pools + 1) as i64 - 1);
        for _ in 0..1 + rng.below(3) {
            for _ in 0..1 + rng.below(4) {
                w.task_duration.push(0.25 * rng.below(12) as f64);
            }
            w.task_offsets.push(w.task_duration.len());
            w.stage_cpu.push(0.25 * (1 + rng.below(4)) as f64);
        }
        w.job_stages.push(w.task_offsets.len() - 1);
    }
    w
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_input_is_an_error_or_a_complete_run(
        seed in any::<u64>(),
        n in 1usize..12,
        policy in 0usize..7,
        cores in -1i64..5,
        partition in any::<bool>(),
        tau in 0usize..8,
        grace in 0usize..8,
        noisy in any::<bool>(),
        corrupt in proptest::option::of((0usize..4, 0usize..1000, 0usize..8)),
        chunk in 1usize..5,
    ) {
        let mut cfg = Config::new(cores, POLICIES[policy]);
        cfg.partition = partition.then_some(EXTREME[tau]);
        cfg.grace = EXTREME[grace];
        cfg.estimate = if noisy { Estimate::Noisy } else { Estimate::Oracle };
        cfg.nodes = Nodes::Equal(2);
        let mut w = workload(seed, n, 3, 2);
        if let Some((field, at, v)) = corrupt {
            let x = EXTREME[v];
            match field {
                0 => { let k = at % w.task_duration.len(); w.task_duration[k] = x; }
                1 => { let k = at % w.job_submit.len(); w.job_submit[k] = x; }
                2 => { let k = at % w.stage_cpu.len(); w.stage_cpu[k] = x; }
                _ => { let k = at % w.job_pool.len(); w.job_pool[k] = (x * 3.0) as i64; }
            }
        }
        let Ok(mut eng) = Engine::new(cfg) else { return Ok(()); };
        for u in 0..3 {
            prop_assert_eq!(eng.add_user(&format!("u{u}")).unwrap(), u);
        }
        for p in ["a", "b"] {
            eng.pool(p, "pool", "test").unwrap();
        }
        // push in `chunk` pieces, advancing to each piece's first submit time
        let per = n.div_ceil(chunk);
        let mut pushed = 0;
        let mut lo = 0;
        while lo < n {
            let hi = (lo + per).min(n);
            let piece = slice(&w, lo, hi);
            if eng.push(&piece).is_err() { return Ok(()); }
            pushed += hi - lo;
            if eng.advance(piece.job_submit[0], &Budget::unlimited()).is_err() { return Ok(()); }
            lo = hi;
        }
        if eng.finish(&Budget::unlimited()).is_err() { return Ok(()); }
        let f = eng.take_finished();
        prop_assert_eq!(f.gid.len(), pushed);
        let mut gids = f.gid.clone();
        gids.sort_unstable();
        gids.dedup();
        prop_assert_eq!(gids.len(), pushed);
        for i in 0..f.gid.len() {
            let rt = f.finish[i] - f.submit[i];
            prop_assert!(rt.is_finite() && rt >= 0.0);
            // the slowdown's denominator is a lower bound: never above the response time
            prop_assert!(f.alone[i] <= rt * (1.0 + 1e-9) + 1e-9, "alone {} > response {}", f.alone[i], rt);
        }
    }
}

/// The jobs `lo..hi` of `w` as a workload of their own.
fn slice(w: &Workload, lo: usize, hi: usize) -> Workload {
    let (s0, s1) = (w.job_stages[lo], w.job_stages[hi]);
    let (t0, t1) = (w.task_offsets[s0], w.task_offsets[s1]);
    Workload {
        job_tag: w.job_tag[lo..hi].to_vec(),
        job_user: w.job_user[lo..hi].to_vec(),
        job_submit: w.job_submit[lo..hi].to_vec(),
        job_after: w.job_after[lo..hi].to_vec(),
        job_think: w.job_think[lo..hi].to_vec(),
        job_class: w.job_class[lo..hi].to_vec(),
        job_pool: w.job_pool[lo..hi].to_vec(),
        job_stages: w.job_stages[lo..=hi].iter().map(|s| s - s0).collect(),
        task_offsets: w.task_offsets[s0..=s1].iter().map(|t| t - t0).collect(),
        task_duration: w.task_duration[t0..t1].to_vec(),
        stage_cpu: w.stage_cpu[s0..s1].to_vec(),
        ..Default::default()
    }
}
