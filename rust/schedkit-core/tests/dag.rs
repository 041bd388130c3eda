//! Known answers of the DAG schedulers (Topcuoglu 2002, Arabnejad & Barbosa 2014, an insertion
//! case), validation errors, and proptest invariants checked by an independent checker here.

use proptest::prelude::*;
use schedkit_core::dag::generator::{random_dag, DagParams};
use schedkit_core::dag::online::{self, simulate};
use schedkit_core::dag::ranks::{
    downward_rank, min_cost_critical_path, oct_rank, optimistic_cost_table, order_by_rank, upward_rank,
};
use schedkit_core::dag::{schedule, Options, Platform, Schedule, TaskGraph, ALGORITHMS};
use schedkit_core::util::names;
use schedkit_core::{Budget, CoreError};

/// (W rows, edges as 1-based (from, to, c̄)) of Topcuoglu et al. 2002, Fig. 2.
const TOP_W: [[f64; 3]; 10] = [
    [14., 16., 9.],
    [13., 19., 18.],
    [11., 13., 19.],
    [13., 8., 17.],
    [12., 13., 10.],
    [13., 16., 9.],
    [7., 15., 11.],
    [5., 11., 14.],
    [18., 12., 20.],
    [21., 7., 16.],
];
const TOP_E: [(i64, i64, f64); 15] = [
    (1, 2, 18.),
    (1, 3, 12.),
    (1, 4, 9.),
    (1, 5, 11.),
    (1, 6, 14.),
    (2, 8, 19.),
    (2, 9, 16.),
    (3, 7, 23.),
    (4, 8, 27.),
    (4, 9, 23.),
    (5, 9, 13.),
    (6, 8, 15.),
    (7, 10, 17.),
    (8, 10, 11.),
    (9, 10, 13.),
];
/// Arabnejad & Barbosa 2014, Fig. 1.
const PEFT_W: [[f64; 3]; 10] = [
    [22., 21., 36.],
    [22., 18., 18.],
    [32., 27., 43.],
    [7., 10., 4.],
    [29., 27., 35.],
    [26., 17., 24.],
    [14., 25., 30.],
    [29., 23., 36.],
    [15., 21., 8.],
    [13., 16., 33.],
];
const PEFT_E: [(i64, i64, f64); 15] = [
    (1, 2, 17.),
    (1, 3, 31.),
    (1, 4, 29.),
    (1, 5, 13.),
    (1, 6, 7.),
    (2, 8, 3.),
    (2, 9, 30.),
    (3, 7, 16.),
    (4, 8, 11.),
    (4, 9, 7.),
    (5, 9, 57.),
    (6, 8, 5.),
    (7, 10, 9.),
    (8, 10, 42.),
    (9, 10, 7.),
];

fn build(w: &[[f64; 3]], e: &[(i64, i64, f64)]) -> (TaskGraph, Platform) {
    let src: Vec<i64> = e.iter().map(|x| x.0 - 1).collect();
    let dst: Vec<i64> = e.iter().map(|x| x.1 - 1).collect();
    let data: Vec<f64> = e.iter().map(|x| x.2).collect();
    let g = TaskGraph::new(w.len(), &src, &dst, &data).unwrap();
    let p = Platform::uniform(w.len(), 3, w.iter().flatten().copied().collect(), 1.0, 0.0).unwrap();
    (g, p)
}

fn run(g: &TaskGraph, p: &Platform, name: &str, insertion: bool) -> Schedule {
    let s = schedule(
        g,
        p,
        name,
        &Options {
            insertion,
            seed: 7,
            sweep: true,
        },
        &Budget::unlimited(),
    )
    .unwrap();
    check_schedule(g, p, &s);
    s
}

/// An independent feasibility check: durations, precedence with communication, no overlap.
fn check_schedule(g: &TaskGraph, p: &Platform, s: &Schedule) {
    let n = g.num_tasks();
    let tol = 1e-9 * s.makespan.max(1.0);
    for i in 0..n {
        assert!(s.proc[i] < p.num_processors());
        assert!(s.start[i] >= -tol);
        assert!(
            (s.finish[i] - s.start[i] - p.w(i, s.proc[i])).abs() <= tol,
            "duration of {i}"
        );
    }
    for e in 0..g.num_edges() {
        let (u, v, d) = (g.src()[e], g.dst()[e], g.data()[e]);
        let c = p.comm(d, s.proc[u], s.proc[v]);
        assert!(
            s.start[v] + tol >= s.finish[u] + c,
            "edge {u}->{v}: {} < {} + {c}",
            s.start[v],
            s.finish[u]
        );
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| {
        (s.proc[a], s.start[a], s.finish[a])
            .partial_cmp(&(s.proc[b], s.start[b], s.finish[b]))
            .unwrap()
    });
    for w in idx.windows(2) {
        if s.proc[w[0]] == s.proc[w[1]] {
            assert!(s.start[w[1]] + tol >= s.finish[w[0]], "overlap {} {}", w[0], w[1]);
        }
    }
    let mk = s.finish.iter().copied().fold(0.0, f64::max);
    assert!((mk - s.makespan).abs() <= tol);
}

fn expect(s: &Schedule, rows: &[(usize, usize, f64, f64)]) {
    for &(task, proc, start, finish) in rows {
        let i = task - 1;
        assert_eq!(
            (s.proc[i] + 1, s.start[i], s.finish[i]),
            (proc, start, finish),
            "task n{task}"
        );
    }
}

#[test]
fn topcuoglu_heft_and_cpop() {
    let (g, p) = build(&TOP_W, &TOP_E);
    let ru = upward_rank(&g, &p);
    let expected = [
        108.0, 77.0, 80.0, 80.0, 69.0, 63.333, 42.667, 35.667, 44.333, 14.667,
    ];
    for (a, b) in ru.iter().zip(expected) {
        assert!((a - b).abs() < 1e-3);
    }
    let rd = downward_rank(&g, &p);
    assert!((rd[9] - 93.333).abs() < 1e-3 && (rd[7] - 66.667).abs() < 1e-3);
    let order: Vec<usize> = order_by_rank(&ru, g.levels()).iter().map(|i| i + 1).collect();
    assert_eq!(order, vec![1, 3, 4, 2, 5, 6, 9, 7, 8, 10]);

    let h = run(&g, &p, "heft", true);
    assert_eq!(h.makespan, 80.0);
    expect(
        &h,
        &[
            (1, 3, 0., 9.),
            (2, 1, 27., 40.),
            (3, 3, 9., 28.),
            (4, 2, 18., 26.),
            (5, 3, 28., 38.),
            (6, 2, 26., 42.),
            (7, 3, 38., 49.),
            (8, 1, 57., 62.),
            (9, 2, 56., 68.),
            (10, 2, 73., 80.),
        ],
    );
    assert_eq!(run(&g, &p, "heft", false).makespan, 80.0);

    let c = run(&g, &p, "cpop", true);
    assert_eq!(c.makespan, 86.0);
    expect(
        &c,
        &[
            (1, 2, 0., 16.),
            (2, 2, 16., 35.),
            (3, 1, 28., 39.),
            (4, 3, 25., 42.),
            (5, 2, 35., 48.),
            (6, 3, 42., 51.),
            (7, 1, 39., 46.),
            (8, 3, 54., 68.),
            (9, 2, 65., 77.),
            (10, 2, 79., 86.),
        ],
    );
    let order: Vec<usize> = c.order.iter().map(|i| i + 1).collect();
    assert_eq!(order, vec![1, 2, 3, 7, 4, 5, 9, 6, 8, 10]);

    assert_eq!(run(&g, &p, "peft", true).makespan, 85.0);
    let (lb, path) = min_cost_critical_path(&g, &p);
    assert_eq!(lb, 41.0);
    assert_eq!(path, vec![0, 1, 8, 9]);
}

#[test]
fn arabnejad_peft_and_heft() {
    let (g, p) = build(&PEFT_W, &PEFT_E);
    let oct = optimistic_cost_table(&g, &p, &schedkit_core::budget::Budget::unlimited()).unwrap();
    assert_eq!(&oct[0..3], &[64.0, 68.0, 86.0]);
    assert_eq!(&oct[9..12], &[42.0, 39.0, 50.0]);
    let rank = oct_rank(&oct, 3);
    assert!((rank[0] - 72.667).abs() < 1e-3);

    let s = run(&g, &p, "peft", true);
    assert_eq!(s.makespan, 122.0);
    let order: Vec<usize> = s.order.iter().map(|i| i + 1).collect();
    assert_eq!(order, vec![1, 4, 6, 2, 3, 5, 8, 7, 9, 10]);
    expect(
        &s,
        &[
            (1, 1, 0., 22.),
            (2, 1, 29., 51.),
            (3, 1, 51., 83.),
            (4, 1, 22., 29.),
            (5, 3, 35., 70.),
            (6, 2, 29., 46.),
            (7, 1, 83., 97.),
            (8, 2, 54., 77.),
            (9, 3, 81., 89.),
            (10, 2, 106., 122.),
        ],
    );

    let h = run(&g, &p, "heft", true);
    assert_eq!(h.makespan, 133.0);
    expect(
        &h,
        &[
            (1, 2, 0., 21.),
            (2, 1, 38., 60.),
            (3, 2, 48., 75.),
            (4, 3, 52., 56.),
            (5, 2, 21., 48.),
            (6, 3, 28., 52.),
            (7, 2, 75., 100.),
            (8, 1, 67., 96.),
            (9, 3, 105., 113.),
            (10, 1, 120., 133.),
        ],
    );
    assert_eq!(run(&g, &p, "heft", false).makespan, 133.0);
    assert_eq!(run(&g, &p, "cpop", true).makespan, 167.0);
}

#[test]
fn insertion_beats_append_only() {
    let g = TaskGraph::new(4, &[0, 0, 1, 2], &[1, 2, 3, 3], &[10.0, 1.0, 1.0, 1.0]).unwrap();
    let cost = vec![2.0, 100.0, 100.0, 3.0, 100.0, 2.0, 1.0, 1.0];
    let p = Platform::uniform(4, 2, cost, 1.0, 0.0).unwrap();
    let s = run(&g, &p, "heft", true);
    assert_eq!(s.makespan, 16.0);
    assert_eq!((s.proc[2], s.start[2], s.finish[2]), (1, 3.0, 5.0));
    assert_eq!((s.proc[1], s.start[1]), (1, 12.0));
    assert_eq!(run(&g, &p, "heft", false).makespan, 18.0);
}

fn invalid_field(r: Result<impl std::fmt::Debug, CoreError>) -> String {
    match r {
        Err(CoreError::InvalidInstance { field, .. } | CoreError::Cycle { field, .. }) => field,
        other => panic!("expected InvalidInstance or Cycle, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_named() {
    assert_eq!(
        invalid_field(TaskGraph::new(3, &[0, 1, 2], &[1, 2, 0], &[0.0; 3])),
        "edges"
    );
    let err = TaskGraph::new(3, &[0, 1, 2], &[1, 2, 1], &[0.0; 3])
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 -> 2 -> 1"), "{err}");
    assert_eq!(invalid_field(TaskGraph::new(2, &[0], &[0], &[0.0])), "dst");
    assert_eq!(invalid_field(TaskGraph::new(2, &[0], &[5], &[0.0])), "dst");
    assert_eq!(invalid_field(TaskGraph::new(2, &[-1], &[1], &[0.0])), "src");
    assert_eq!(invalid_field(TaskGraph::new(2, &[0], &[1], &[-1.0])), "data");
    assert_eq!(
        invalid_field(TaskGraph::new(2, &[0, 0], &[1, 1], &[1.0, 1.0])),
        "dst"
    );
    assert_eq!(
        invalid_field(Platform::uniform(1, 2, vec![1.0, f64::NAN], 1.0, 0.0)),
        "cost"
    );
    assert_eq!(
        invalid_field(Platform::uniform(1, 2, vec![1.0, -1.0], 1.0, 0.0)),
        "cost"
    );
    let e = Platform::new(1, 2, vec![1.0, 1.0], vec![0.0, 1.0, 0.0, 0.0], vec![0.0; 2]).unwrap_err();
    assert!(e.to_string().contains("missing link"), "{e}");
    assert_eq!(
        invalid_field(Platform::uniform(1, 2, vec![1.0, 1.0], 1.0, -1.0)),
        "latency"
    );
    let g = TaskGraph::new(2, &[0], &[1], &[1.0]).unwrap();
    let p = Platform::uniform(3, 1, vec![1.0; 3], 1.0, 0.0).unwrap();
    assert_eq!(
        invalid_field(schedule(
            &g,
            &p,
            "heft",
            &Options::default(),
            &Budget::unlimited()
        )),
        "platform"
    );
    let p = Platform::uniform(2, 1, vec![1.0; 2], 1.0, 0.0).unwrap();
    assert_eq!(
        invalid_field(schedule(
            &g,
            &p,
            "nope",
            &Options::default(),
            &Budget::unlimited()
        )),
        "algorithm"
    );
}

#[test]
fn online_policies_respect_arrivals() {
    // Three copies of the Topcuoglu graph arriving at 0, 10, 20.
    let (g1, _) = build(&TOP_W, &TOP_E);
    let (mut src, mut dst, mut data, mut cost) = (vec![], vec![], vec![], vec![]);
    for k in 0..3i64 {
        for e in 0..g1.num_edges() {
            src.push(g1.src()[e] as i64 + 10 * k);
            dst.push(g1.dst()[e] as i64 + 10 * k);
            data.push(g1.data()[e]);
        }
        cost.extend(TOP_W.iter().flatten());
    }
    let g = TaskGraph::new(30, &src, &dst, &data).unwrap();
    let p = Platform::uniform(30, 3, cost, 1.0, 0.0).unwrap();
    for policy in names(&online::POLICIES) {
        let out = simulate(
            &g,
            &p,
            &[0, 10, 20, 30],
            &[0.0, 10.0, 20.0],
            policy,
            None,
            true,
            &Budget::unlimited(),
        )
        .unwrap();
        check_schedule(&g, &p, &out.planned);
        for i in 0..30 {
            assert!(out.planned.start[i] >= out.release[i]);
            assert!(
                (out.actual_start[i] - out.planned.start[i]).abs() < 1e-9,
                "{policy}: replay differs"
            );
        }
        if policy == "heft" {
            // The first job sees an empty platform: exactly static HEFT.
            assert_eq!(out.planned.finish[..10].iter().copied().fold(0.0, f64::max), 80.0);
        }
        let f = vec![1.5; 30];
        let noisy = simulate(
            &g,
            &p,
            &[0, 10, 20, 30],
            &[0.0, 10.0, 20.0],
            policy,
            Some(&f),
            true,
            &Budget::unlimited(),
        )
        .unwrap();
        assert!(noisy.actual_finish.iter().copied().fold(0.0, f64::max) > out.planned.makespan);
    }
    let bad = simulate(
        &g,
        &p,
        &[0, 5, 30],
        &[0.0, 10.0],
        "heft",
        None,
        true,
        &Budget::unlimited(),
    );
    assert_eq!(invalid_field(bad), "edges");
}

#[test]
fn single_processor_makespan_is_total_cost() {
    let params = DagParams {
        num_tasks: 200,
        num_processors: 1,
        alpha: 1.0,
        out_degree: 3,
        ccr: 2.0,
        beta: 0.5,
        mean_cost: 10.0,
    };
    let r = random_dag(&params, 3).unwrap();
    let g = TaskGraph::new(200, &r.src, &r.dst, &r.data).unwrap();
    let p = Platform::uniform(200, 1, r.cost.clone(), 1.0, 0.0).unwrap();
    let total: f64 = r.cost.iter().sum();
    for name in names(&ALGORITHMS) {
        let s = run(&g, &p, name, true);
        assert!((s.makespan - total).abs() <= 1e-9 * total, "{name}");
    }
}

#[test]
fn generator_is_seeded_and_layered() {
    let params = DagParams {
        num_tasks: 500,
        num_processors: 4,
        alpha: 1.0,
        out_degree: 3,
        ccr: 1.0,
        beta: 0.5,
        mean_cost: 20.0,
    };
    let a = random_dag(&params, 1).unwrap();
    let b = random_dag(&params, 1).unwrap();
    assert_eq!((a.src.clone(), a.data.clone()), (b.src.clone(), b.data.clone()));
    assert!(a.src.iter().zip(&a.dst).all(|(s, d)| s < d));
    let mean_w = a.cost.iter().sum::<f64>() / a.cost.len() as f64;
    let mean_d = a.data.iter().sum::<f64>() / a.data.len() as f64;
    assert!((mean_d / mean_w - 1.0).abs() < 1e-9);
    let g = TaskGraph::new(500, &a.src, &a.dst, &a.data).unwrap();
    let entries = (0..500).filter(|&i| g.in_degree(i) == 0).count();
    assert!((1..60).contains(&entries));
}

#[test]
fn sweeping_dead_gaps_changes_nothing() {
    for (k, &(n, q, alpha, ccr)) in [
        (3000, 8, 1.0, 1.0),
        (4000, 64, 1.0, 0.5),
        (3000, 16, 4.0, 5.0),
        (2500, 4, 0.3, 0.1),
    ]
    .iter()
    .enumerate()
    {
        let params = DagParams {
            num_tasks: n,
            num_processors: q,
            alpha,
            out_degree: 3,
            ccr,
            beta: 1.0,
            mean_cost: 20.0,
        };
        let r = random_dag(&params, k as u64).unwrap();
        let g = TaskGraph::new(n, &r.src, &r.dst, &r.data).unwrap();
        let p = Platform::uniform(n, q, r.cost.clone(), 1.0, 0.0).unwrap();
        for name in names(&ALGORITHMS) {
            let on = Options {
                insertion: true,
                seed: 3,
                sweep: true,
            };
            let a = schedule(&g, &p, name, &on, &Budget::unlimited()).unwrap();
            let b = schedule(
                &g,
                &p,
                name,
                &Options { sweep: false, ..on },
                &Budget::unlimited(),
            )
            .unwrap();
            assert_eq!(a, b, "{name} n={n} q={q}");
            check_schedule(&g, &p, &a);
        }
    }
}

fn arb_instance() -> impl Strategy<Value = (TaskGraph, Platform)> {
    (1usize..14, 1usize..4).prop_flat_map(|(n, q)| {
        let pairs: Vec<(usize, usize)> = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect();
        let m = pairs.len();
        (
            proptest::collection::vec(any::<bool>(), m),
            proptest::collection::vec(0u32..20, m),
            proptest::collection::vec(0u32..15, n * q),
            proptest::collection::vec(1u32..4, q * q),
            proptest::collection::vec(0u32..3, q),
        )
            .prop_map(move |(keep, data, cost, bw, lat)| {
                let (mut s, mut d, mut v) = (vec![], vec![], vec![]);
                for (k, &(a, b)) in pairs.iter().enumerate() {
                    if keep[k] {
                        s.push(a as i64);
                        d.push(b as i64);
                        v.push(data[k] as f64);
                    }
                }
                let g = TaskGraph::new(n, &s, &d, &v).unwrap();
                let p = Platform::new(
                    n,
                    q,
                    cost.iter().map(|&c| c as f64).collect(),
                    bw.iter().map(|&b| b as f64).collect(),
                    lat.iter().map(|&l| l as f64).collect(),
                )
                .unwrap();
                (g, p)
            })
    })
}

proptest! {
    #[test]
    fn every_algorithm_is_feasible((g, p) in arb_instance(), insertion in any::<bool>()) {
        let (lb, _) = min_cost_critical_path(&g, &p);
        for name in names(&ALGORITHMS) {
            let s = run(&g, &p, name, insertion);
            prop_assert!(s.makespan + 1e-9 >= lb, "{} below the critical-path bound", name);
        }
    }
}

#[test]
fn a_cycle_is_reported_as_data() {
    // 0 -> 1 -> 2 -> 0 plus a tail 3 -> 0: the error lists the cycle from its lowest task.
    let err = TaskGraph::new(4, &[0, 1, 2, 3], &[1, 2, 0, 0], &[0.0; 4]).unwrap_err();
    match err {
        CoreError::Cycle { ref field, ref tasks } => {
            assert_eq!(field, "edges");
            assert_eq!(tasks, &vec![0, 1, 2, 0]);
        }
        other => panic!("expected a cycle error, got {other:?}"),
    }
    assert_eq!(err.to_string(), "edges: the graph has a cycle: 0 -> 1 -> 2 -> 0");
}
