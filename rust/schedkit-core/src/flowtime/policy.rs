//! The built-in policies by name, with their parameters and information class.

use super::info::Info;
use crate::error::{CoreError, CoreResult};

/// Every built-in policy name, as `simulate` and the CLI accept it.
pub const POLICIES: [&str; 11] = [
    "srpt", "spt", "hdf", "fcfs", "rr", "setf", "laps", "mlf", "op_srpt", "chunk", "sprpt",
];

/// Variants of SPRPT (shortest predicted remaining processing time) on estimates p̂_j.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SprptVariant {
    /// Priority p̂_j - attained (may become negative once a job overruns its estimate).
    Plain,
    /// Priority max(p̂_j - attained, 0): overrunning jobs tie at 0 and go FIFO.
    Clamped,
    /// Size classes ⌊log2 p̂_j⌋, smallest class first, FIFO inside a class.
    Class,
}

/// A built-in policy with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Policy {
    /// Shortest remaining (total) processing time, preemptive.
    Srpt,
    /// Shortest (total) processing time first, non-preemptive.
    Spt,
    /// Highest density w_j / p_j first, preemptive; with `remaining`, w_j / remaining_j
    /// (weighted SRPT).
    Hdf { remaining: bool },
    /// First come first served (release order).
    Fcfs,
    /// Round robin / processor sharing: every alive job at rate min(1, m / n_alive).
    Rr,
    /// Shortest elapsed time first: least attained service first, ties share.
    Setf,
    /// Latest arrival processor sharing: the ⌈β n⌉ latest-released alive jobs share.
    Laps { beta: f64 },
    /// Multi-level feedback: queue i until base (2^{i+1} - 1) attained service.
    Mlf { base: f64 },
    /// Operation-level SRPT: least remaining on the current, revealed operation.
    OpSrpt,
    /// Virtual chunks (ours): see [`super::rules::Chunk`].
    Chunk { gamma: f64, c: f64, known_count: bool },
    /// SPRPT on estimates, in one of three variants.
    Sprpt { variant: SprptVariant },
}

/// Optional parameters by name; each applies to some policies only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub beta: Option<f64>,
    pub base: Option<f64>,
    pub gamma: Option<f64>,
    pub c: Option<f64>,
    pub known_count: Option<bool>,
    pub remaining: Option<bool>,
    pub variant: Option<String>,
}

fn positive(name: &str, v: f64) -> CoreResult<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(CoreError::invalid(
            name,
            None,
            format!("must be finite and > 0, got {v}"),
        ))
    }
}

impl Policy {
    /// The policy `name` with `params`; a parameter the policy does not take is an error.
    pub fn parse(name: &str, params: &Params) -> CoreResult<Policy> {
        let allowed: &[&str] = match name {
            "laps" => &["beta"],
            "mlf" => &["base"],
            "chunk" => &["gamma", "c", "known_count"],
            "hdf" => &["remaining"],
            "sprpt" => &["variant"],
            _ => &[],
        };
        let given = [
            ("beta", params.beta.is_some()),
            ("base", params.base.is_some()),
            ("gamma", params.gamma.is_some()),
            ("c", params.c.is_some()),
            ("known_count", params.known_count.is_some()),
            ("remaining", params.remaining.is_some()),
            ("variant", params.variant.is_some()),
        ];
        if POLICIES.contains(&name) {
            if let Some((p, _)) = given.iter().find(|(p, set)| *set && !allowed.contains(p)) {
                return Err(CoreError::invalid(
                    p,
                    None,
                    format!("not a parameter of policy {name:?}"),
                ));
            }
        }
        Ok(match name {
            "srpt" => Policy::Srpt,
            "spt" => Policy::Spt,
            "hdf" => Policy::Hdf {
                remaining: params.remaining.unwrap_or(false),
            },
            "fcfs" => Policy::Fcfs,
            "rr" => Policy::Rr,
            "setf" => Policy::Setf,
            "laps" => {
                let beta = params.beta.unwrap_or(0.5);
                if !(beta.is_finite() && beta > 0.0 && beta <= 1.0) {
                    return Err(CoreError::invalid(
                        "beta",
                        None,
                        format!("must be in (0, 1], got {beta}"),
                    ));
                }
                Policy::Laps { beta }
            }
            "mlf" => Policy::Mlf {
                base: positive("base", params.base.unwrap_or(1.0))?,
            },
            "op_srpt" => Policy::OpSrpt,
            "chunk" => {
                let gamma = params.gamma.unwrap_or(2.0);
                if !(gamma.is_finite() && gamma >= 1.0) {
                    return Err(CoreError::invalid(
                        "gamma",
                        None,
                        format!("must be finite and >= 1, got {gamma}"),
                    ));
                }
                let c = params.c.unwrap_or(2.0);
                if !(c.is_finite() && c >= 1.0) {
                    return Err(CoreError::invalid(
                        "c",
                        None,
                        format!("must be finite and >= 1, got {c}"),
                    ));
                }
                Policy::Chunk {
                    gamma,
                    c,
                    known_count: params.known_count.unwrap_or(false),
                }
            }
            "sprpt" => {
                let variant = match params.variant.as_deref().unwrap_or("plain") {
                    "plain" => SprptVariant::Plain,
                    "clamped" => SprptVariant::Clamped,
                    "class" => SprptVariant::Class,
                    other => {
                        return Err(CoreError::invalid(
                            "variant",
                            None,
                            format!(
                            "unknown SPRPT variant {other:?}; expected \"plain\", \"clamped\" or \"class\""
                        ),
                        ))
                    }
                };
                Policy::Sprpt { variant }
            }
            other => {
                return Err(CoreError::invalid(
                    "policy",
                    None,
                    format!(
                        "unknown policy {other:?}; expected one of {}",
                        POLICIES.join(", ")
                    ),
                ))
            }
        })
    }

    /// The name `parse` accepts.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Srpt => "srpt",
            Policy::Spt => "spt",
            Policy::Hdf { .. } => "hdf",
            Policy::Fcfs => "fcfs",
            Policy::Rr => "rr",
            Policy::Setf => "setf",
            Policy::Laps { .. } => "laps",
            Policy::Mlf { .. } => "mlf",
            Policy::OpSrpt => "op_srpt",
            Policy::Chunk { .. } => "chunk",
            Policy::Sprpt { .. } => "sprpt",
        }
    }

    /// What the policy may see of a job.
    pub fn info(&self) -> Info {
        match self {
            Policy::Srpt | Policy::Spt | Policy::Hdf { .. } => Info::Clairvoyant,
            Policy::Fcfs | Policy::Rr | Policy::Setf | Policy::Laps { .. } | Policy::Mlf { .. } => {
                Info::NonClairvoyant
            }
            Policy::OpSrpt | Policy::Chunk { .. } => Info::Revealed,
            Policy::Sprpt { .. } => Info::Estimated,
        }
    }
}
