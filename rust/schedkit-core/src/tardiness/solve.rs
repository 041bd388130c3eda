//! One entry point over every method, so the bindings and the CLI share one dispatch.

use super::local_search::{self, Neighbourhood};
use super::{exact_bb, exact_bm, exact_dp, rules, ssdp, Instance, Solution};
use crate::budget::Budget;
use crate::error::{CoreError, CoreResult};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Every method `solve` knows, by the name the Python API and CLI use.
pub const METHODS: [&str; 17] = [
    "edd", "spt", "wspt", "mdd", "atc", "wi", "psk", "eddc", "mddc", "aug_mdd", "aug_mddc", "ils", "exact",
    "ssdp", "bb", "lawler", "bm",
];

/// The exact methods among [`METHODS`]: their results carry a proof or a proven bound.
pub const EXACT_METHODS: [&str; 5] = ["exact", "ssdp", "bb", "lawler", "bm"];

/// Options of [`solve`]; `Default` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// Local search applied after a constructive rule (ignored by `ils` and `exact`).
    pub improve: Option<Neighbourhood>,
    /// ATC look-ahead k; `None` chooses it per instance ([`rules::atc_auto`]).
    pub atc_k: Option<f64>,
    /// Seed of `ils`.
    pub seed: u64,
    /// Maximum rounds of `ils`.
    pub iterations: usize,
    /// Perturbation moves per `ils` round.
    pub strength: usize,
    /// Bytes the SSDP tables may take before `ssdp` hands over to the branch and bound
    /// (`None`: [`ssdp::DEFAULT_MEMORY`]); for `bm`, the bytes of its memo, which drops
    /// the entries it has not used lately when full (`None`: [`exact_bm::DEFAULT_MEMORY`]). (`lawler` has a fixed
    /// cap of about 67 million states, past which it stops with the heuristic answer.)
    pub memory_limit: Option<usize>,
    /// Threads `exact` may use on weighted integral data: with 2 or more it runs `ssdp` on a
    /// second thread beside the branch and bound ([`race`]). Other methods ignore it.
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            improve: None,
            atc_k: None,
            seed: 0,
            iterations: 1000,
            strength: 2,
            memory_limit: None,
            workers: 1,
        }
    }
}

/// What `solve` returns beyond the solution: the ATC look-ahead actually used, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub solution: Solution,
    pub atc_k: Option<f64>,
}

/// Every local search `improve` accepts, by name.
pub const NEIGHBOURHOODS: [&str; 3] = ["api", "insertion", "both"];

pub fn parse_neighbourhood(name: &str) -> CoreResult<Neighbourhood> {
    match name {
        "api" => Ok(Neighbourhood::Api),
        "insertion" => Ok(Neighbourhood::Insertion),
        "both" => Ok(Neighbourhood::Both),
        other => Err(CoreError::invalid(
            "improve",
            None,
            format!("unknown local search {other:?}; expected one of {NEIGHBOURHOODS:?}"),
        )),
    }
}

/// Runs `method` on `inst`. Heuristics report `lower_bound = 0` (the binding reports no bound)
/// and `optimal = false`, except that a zero objective is optimal. The exact methods: `ssdp`
/// (successive sublimation DP; integral data), `bb` (branch and bound), `lawler` (Lawler's
/// DP; unit weights only), `bm` (decomposition branching with memorisation; unit weights
/// only) and `exact`, which picks one per instance (see [`pick_exact`]); all start from MDD
/// (+ MDDC for unit weights, ATC otherwise) improved by local search.
pub fn solve(inst: &Instance, method: &str, opts: &Options, budget: &Budget) -> CoreResult<Outcome> {
    if let Some(k) = opts.atc_k {
        if !(k.is_finite() && k > 0.0) {
            return Err(CoreError::invalid(
                "atc_k",
                None,
                format!("must be finite and > 0, got {k}"),
            ));
        }
    }
    let mut atc_used = None;
    let seq = match method {
        "edd" => rules::edd(inst),
        "spt" => rules::spt(inst),
        "wspt" => rules::wspt(inst),
        "mdd" => rules::mdd(inst),
        "atc" => match opts.atc_k {
            Some(k) => {
                atc_used = Some(k);
                rules::atc(inst, k)
            }
            None => {
                let (s, k) = rules::atc_auto(inst);
                atc_used = Some(k);
                s
            }
        },
        "wi" => rules::wilkerson_irwin(inst),
        "psk" => rules::psk(inst),
        "eddc" => rules::eddc(inst),
        "mddc" => rules::mddc(inst),
        "aug_mdd" => rules::augmented(inst, rules::AugBase::Mdd),
        "aug_mddc" => rules::augmented(inst, rules::AugBase::Mddc),
        "ils" => {
            let solution = local_search::ils(inst, opts.seed, opts.iterations, opts.strength, budget)?;
            return Ok(Outcome {
                solution: mark_zero_optimal(solution),
                atc_k: None,
            });
        }
        "exact" | "ssdp" | "bb" | "lawler" | "bm" => {
            return Ok(Outcome {
                solution: exact(inst, method, opts, budget)?,
                atc_k: None,
            })
        }
        other => {
            return Err(CoreError::invalid(
                "method",
                None,
                format!("unknown method {other:?}; expected one of {}", METHODS.join(", ")),
            ))
        }
    };
    let mut seq = seq;
    if let Some(how) = opts.improve {
        local_search::improve(inst, &mut seq, how, budget)?;
    }
    Ok(Outcome {
        solution: mark_zero_optimal(Solution::heuristic(inst, seq)),
        atc_k: atc_used,
    })
}

/// Tardiness is never negative, so a zero objective is a proven optimum.
fn mark_zero_optimal(mut s: Solution) -> Solution {
    if s.objective == 0.0 {
        s.optimal = true;
        s.lower_bound = 0.0;
    }
    s
}

/// The exact method `exact` runs: `bm` for unit weights (measured side by side with Lawler's
/// DP on the hardest n = 500 class in bench/bench_tardiness.py `--unweighted`), the branch
/// and bound otherwise. The branch and bound's node bounds come from SSDP's adjacency relaxation
/// (tuned by SSDP's subgradient when a first search does not finish), and measured on
/// OR-Library-class n = 100 and n = 200 sets (bench/bench_tardiness.py, README) it proves
/// them much faster than the full SSDP, whose stage 3 closes the last gap slowly; SSDP stays
/// callable as `ssdp`. Above 150 jobs `ssdp` alone is the weaker method: it proves some of
/// the n = 200 instances `bb` leaves open (n200_tf0.8_rdd0.6_2 in 14 s, n200_tf1_rdd1_1 in
/// 44 s, n200_tf0.8_rdd0.6_3 in 55 s, stage harness, 60 s each, under load) but leaves open
/// instances `bb` proves in 3-22 s (n200_tf0.8_rdd0.2_0 to _3: `ssdp` leaves all four
/// unproven at 60 s, gaps up to 0.024 %), so neither a pick by tardiness factor nor a
/// hand-over after `bb`'s root (some 20-25 s in, where `ssdp` would start its stages 1-2
/// again) fits one 60 s budget on one thread. With two threads (`workers` >= 2), `exact`
/// runs both ([`race`]).
pub fn pick_exact(inst: &Instance) -> &'static str {
    if inst.has_unit_weights() {
        "bm"
    } else {
        "bb"
    }
}

fn exact(inst: &Instance, method: &str, opts: &Options, budget: &Budget) -> CoreResult<Solution> {
    let memory_limit = opts.memory_limit;
    let racing = method == "exact" && opts.workers >= 2;
    let method = if method == "exact" {
        pick_exact(inst)
    } else {
        method
    };
    if (method == "lawler" || method == "bm") && !inst.has_unit_weights() {
        return Err(CoreError::invalid(
            "method",
            None,
            format!("'{method}' solves unit weights only; use 'ssdp', 'bb' or 'exact'"),
        ));
    }
    if method == "ssdp" && !ssdp::applicable(inst) {
        return Err(CoreError::invalid(
            "method",
            None,
            "'ssdp' needs integral p, w and d with Σp·n <= 4e8; use 'bb' or 'exact'".to_string(),
        ));
    }
    let incumbent = exact_incumbent(inst, budget)?;
    if racing && method == "bb" && ssdp::applicable(inst) {
        return race(inst, incumbent, memory_limit, budget, SSDP_JOINS_AFTER);
    }
    match method {
        "ssdp" => ssdp::solve_ssdp(inst, incumbent, budget, memory_limit),
        "lawler" => exact_dp::solve_unweighted(inst, incumbent, budget),
        "bm" => exact_bm::solve_unweighted_bm(inst, incumbent, budget, memory_limit),
        _ => exact_bb::solve_weighted(inst, incumbent, budget),
    }
}

/// How long `ssdp` waits before it joins the race: the instances `bb` proves sooner (most
/// of an n = 100 set) then never run a second thread, which cost them about 0.1 s each when
/// both started at once (n = 100 set: 27.2 s against 24.4 s for `bb` alone, same window),
/// while the instances `ssdp` wins take it 14-55 s at n = 200.
const SSDP_JOINS_AFTER: Duration = Duration::from_secs(1);

/// `bb`, and `ssdp` from `ssdp_after` on, on two threads from the same incumbent; the first
/// to prove the optimum stops the other (through [`Budget::beside`], like a time-out), else
/// both run to the time limit. Measured on the OR-Library-class n = 200 set
/// (bench/bench_tardiness.py, README), each proves instances the other leaves open at 60 s:
/// `ssdp`'s stage 3 closes some TF 0.8-1 gaps `bb`'s search cannot, `bb` the narrow-range
/// ones `ssdp` cannot. The answer is
/// the proven one, else the better sequence with the larger of the two bounds (each is a
/// valid lower bound on the same optimum), optimal when they meet. A racer that panics counts
/// as absent, as in the DPs' stack threads; an error from either (an interruption) is the
/// answer.
fn race(
    inst: &Instance,
    incumbent: Option<Vec<usize>>,
    memory_limit: Option<usize>,
    budget: &Budget,
    ssdp_after: Duration,
) -> CoreResult<Solution> {
    let done = AtomicBool::new(false);
    let beside = budget.beside(&done);
    let finish = |s: CoreResult<Solution>| {
        if s.as_ref().is_ok_and(|s| s.optimal) {
            done.store(true, Ordering::Relaxed);
        }
        s
    };
    let ssdp_start = incumbent.clone();
    let (bb, ssdp) = std::thread::scope(|scope| {
        let ssdp = std::thread::Builder::new()
            .name("schedkit-ssdp".into())
            .spawn_scoped(scope, || {
                let start = Instant::now();
                while start.elapsed() < ssdp_after {
                    if beside.exhausted() {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Some(finish(ssdp::solve_ssdp(inst, ssdp_start, &beside, memory_limit)))
            });
        let bb = finish(exact_bb::solve_weighted(inst, incumbent, &beside));
        (bb, ssdp.ok().and_then(|h| h.join().ok()).flatten())
    });
    Ok(match (bb?, ssdp.transpose()?) {
        (a, None) => a,
        (a, Some(b)) => merge(a, b),
    })
}

/// Two exact methods' answers to the same instance as one: a proof if either has one, else
/// the better sequence (the first on a tie) with the larger bound, optimal where they meet.
fn merge(a: Solution, b: Solution) -> Solution {
    if a.optimal || b.optimal {
        return if a.optimal { a } else { b };
    }
    let lower_bound = a.lower_bound.max(b.lower_bound);
    let mut best = if b.objective < a.objective { b } else { a };
    best.optimal = lower_bound >= best.objective;
    best.lower_bound = if best.optimal { best.objective } else { lower_bound };
    best
}

/// The incumbent the exact methods start from: MDD and, for unit weights, MDDC, else ATC
/// with its look-ahead chosen per instance, each improved by local search; the best.
pub(crate) fn exact_incumbent(inst: &Instance, budget: &Budget) -> CoreResult<Option<Vec<usize>>> {
    let second = if inst.has_unit_weights() {
        rules::mddc(inst)
    } else {
        rules::atc_auto(inst).0
    };
    let best = local_search::best_improved(inst, vec![rules::mdd(inst), second], budget)?;
    Ok(best.map(|b| b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(objective: f64, lower_bound: f64, optimal: bool, first: usize) -> Solution {
        Solution {
            sequence: vec![first, 1 - first],
            objective,
            optimal,
            lower_bound,
        }
    }

    fn random_instance(g: &mut crate::util::SplitMix64, n: usize) -> Instance {
        let p: Vec<f64> = (0..n).map(|_| 1.0 + g.below(30) as f64).collect();
        let total: f64 = p.iter().sum();
        let d = (0..n).map(|_| g.below(total as usize) as f64).collect();
        let w = (0..n).map(|_| 1.0 + g.below(10) as f64).collect();
        Instance::new(p, d, Some(w)).unwrap()
    }

    #[test]
    fn race_with_both_racers_from_the_start_keeps_the_contract() {
        // `ssdp` joins at once, so both threads run: the proof equals the branch and bound's
        // alone; under a 20 ms limit on larger instances the merged bound stays below it.
        let mut g = crate::util::SplitMix64::new(15);
        for k in 0..60 {
            let inst = random_instance(&mut g, if k < 40 { 4 + k % 20 } else { 60 });
            let alone = exact_bb::solve_weighted(&inst, None, &Budget::unlimited()).unwrap();
            let limit = if k < 40 { None } else { Some(0.02) };
            let s = race(&inst, None, None, &Budget::new(limit, None), Duration::ZERO).unwrap();
            inst.check_permutation(&s.sequence, "sequence").unwrap();
            assert_eq!(s.objective, inst.objective(&s.sequence));
            assert!(
                s.lower_bound <= alone.objective && alone.objective <= s.objective,
                "instance {k}"
            );
            assert!(
                limit.is_some() || (s.optimal && s.objective == alone.objective),
                "instance {k}"
            );
        }
    }

    #[test]
    fn merge_keeps_a_proof_else_the_better_sequence_and_the_larger_bound() {
        // (objective, bound, optimal, first job) of a, of b, of the merge
        let cases = [
            // a proof wins whichever side it is on
            ((9.0, 7.0, false, 0), (8.0, 8.0, true, 1), (8.0, 8.0, true, 1)),
            ((8.0, 8.0, true, 0), (8.0, 7.0, false, 1), (8.0, 8.0, true, 0)),
            // neither proven: b's sequence, a's bound
            ((9.0, 6.0, false, 0), (8.0, 5.0, false, 1), (8.0, 6.0, false, 1)),
            // a tie keeps the first sequence; the bounds still combine
            ((9.0, 5.0, false, 0), (9.0, 6.0, false, 1), (9.0, 6.0, false, 0)),
            // one's bound meets the other's objective: a proof neither had alone
            ((9.0, 8.0, false, 0), (8.0, 7.0, false, 1), (8.0, 8.0, true, 1)),
        ];
        let of = |(o, lb, opt, first)| answer(o, lb, opt, first);
        for (a, b, want) in cases {
            assert_eq!(merge(of(a), of(b)), of(want), "{a:?} + {b:?}");
        }
    }
}
