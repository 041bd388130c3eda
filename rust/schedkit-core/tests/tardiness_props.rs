//! Property tests of every tardiness entry point reachable from the bindings: `Instance::new`
//! and `solve::solve` with every method, on random data including extreme values and any time
//! limit. The contract: an error, or a permutation with a finite objective and a bound below it.

use proptest::prelude::*;
use schedkit_core::tardiness::solve::{solve, Options, EXACT_METHODS, METHODS};
use schedkit_core::tardiness::Instance;
use schedkit_core::Budget;

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (0u32..60).prop_map(f64::from),
        1 => (-50i32..50).prop_map(f64::from),
        1 => prop::sample::select(vec![
            0.0, -0.0, 1e-300, 1e308, -1e308, f64::MAX, f64::MIN_POSITIVE, 2.5, f64::NAN, f64::INFINITY,
        ]),
    ]
}

fn jobs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Option<Vec<f64>>)> {
    (0usize..7).prop_flat_map(|n| {
        (
            prop::collection::vec(value(), n),
            prop::collection::vec(value(), n),
            prop::option::of(prop::collection::vec(value(), n)),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_method_keeps_the_contract(
        (p, d, w) in jobs(),
        limit in prop::sample::select(vec![None, Some(0.0), Some(1e308), Some(f64::INFINITY), Some(5.0)]),
        memory in prop::option::of(0usize..100_000),
    ) {
        let Ok(inst) = Instance::new(p, d, w) else { return Ok(()) };
        let opts = Options { iterations: 20, memory_limit: memory, ..Options::default() };
        let racing = Options { workers: 2, ..opts.clone() };
        let runs = METHODS.iter().map(|m| (*m, &opts)).chain([("exact", &racing)]);
        for (method, opts) in runs {
            let Ok(out) = solve(&inst, method, opts, &Budget::new(limit, None)) else {
                // only the documented refusals: Lawler and BM on weights, SSDP on non-integral data
                prop_assert!(method == "lawler" || method == "bm" || method == "ssdp");
                continue;
            };
            let s = out.solution;
            inst.check_permutation(&s.sequence, "sequence").unwrap();
            prop_assert!(s.objective.is_finite());
            prop_assert_eq!(s.objective, inst.objective(&s.sequence));
            prop_assert!(s.lower_bound >= 0.0 && s.lower_bound <= s.objective);
            if s.optimal {
                prop_assert_eq!(s.lower_bound, s.objective);
            }
            if EXACT_METHODS.contains(&method) && limit != Some(0.0) {
                prop_assert!(s.optimal, "{} not proven", method);
            }
        }
    }
}
