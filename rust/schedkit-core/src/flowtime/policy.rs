//! The built-in policies by name: the registry [`POLICIES`] (information class, parameters
//! with their defaults, one line each), and [`Policy::parse`], which takes its defaults from it.

use super::info::Info;
use crate::error::{CoreError, CoreResult};
use crate::util::{lookup, Entry};

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

impl Params {
    /// Which parameters are given, by name.
    fn given(&self) -> [(&'static str, bool); 7] {
        [
            ("beta", self.beta.is_some()),
            ("base", self.base.is_some()),
            ("gamma", self.gamma.is_some()),
            ("c", self.c.is_some()),
            ("known_count", self.known_count.is_some()),
            ("remaining", self.remaining.is_some()),
            ("variant", self.variant.is_some()),
        ]
    }

    /// Sets parameter `key` to `value`; an unknown key or a value of the wrong type is an error.
    pub fn set(&mut self, key: &str, value: Value) -> CoreResult<()> {
        match (key, value) {
            ("beta", Value::Float(x)) => self.beta = Some(x),
            ("base", Value::Float(x)) => self.base = Some(x),
            ("gamma", Value::Float(x)) => self.gamma = Some(x),
            ("c", Value::Float(x)) => self.c = Some(x),
            ("known_count", Value::Bool(x)) => self.known_count = Some(x),
            ("remaining", Value::Bool(x)) => self.remaining = Some(x),
            ("variant", Value::Str(x)) => self.variant = Some(x.to_string()),
            _ if self.given().iter().any(|(k, _)| *k == key) => {
                return Err(CoreError::invalid(key, None, format!("wrong type: {value:?}")))
            }
            _ => return Err(CoreError::invalid(key, None, "not a policy parameter")),
        }
        Ok(())
    }
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

fn at_least_one(name: &str, v: f64) -> CoreResult<f64> {
    if v.is_finite() && v >= 1.0 {
        Ok(v)
    } else {
        Err(CoreError::invalid(
            name,
            None,
            format!("must be finite and >= 1, got {v}"),
        ))
    }
}

/// A parameter value: a default in [`POLICIES`], or one given to [`Params::set`]. The type
/// of a parameter is the type of its default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Float(f64),
    Bool(bool),
    Str(&'static str),
}

/// What a name of [`POLICIES`] stands for.
#[derive(Debug, Clone, Copy)]
pub struct PolicySpec {
    /// What the policy may see of a job.
    pub info: Info,
    /// The parameters the policy takes, each with its default.
    pub params: &'static [(&'static str, Value)],
    /// Builds the policy from the given parameters, the others at their defaults in `params`.
    build: fn(&Params, &PolicySpec) -> CoreResult<Policy>,
}

impl PolicySpec {
    /// The default of parameter `key`, if the policy takes it.
    pub fn default(&self, key: &str) -> Option<Value> {
        self.params.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }
}

/// A type of parameter, read from a [`Value`].
trait FromValue<'a>: Sized {
    fn from_value(v: Value) -> Option<Self>;
}
impl FromValue<'_> for f64 {
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Float(x) => Some(x),
            _ => None,
        }
    }
}
impl FromValue<'_> for bool {
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Bool(x) => Some(x),
            _ => None,
        }
    }
}
impl<'a> FromValue<'a> for &'a str {
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Str(x) => Some(x),
            _ => None,
        }
    }
}

/// Parameter `key`: `given`, or else its default in `spec`.
fn arg<'a, T: FromValue<'a>>(given: Option<T>, spec: &PolicySpec, key: &str) -> CoreResult<T> {
    match given {
        Some(v) => Ok(v),
        // Only a registry entry that lacks the default (or has one of another type) gets here;
        // the registry test parses every policy at its defaults.
        None => spec
            .default(key)
            .and_then(T::from_value)
            .ok_or_else(|| CoreError::invalid(key, None, "no default of this type in the policy registry")),
    }
}

const fn policy(
    name: &'static str,
    info: Info,
    params: &'static [(&'static str, Value)],
    summary: &'static str,
    build: fn(&Params, &PolicySpec) -> CoreResult<Policy>,
) -> Entry<PolicySpec> {
    Entry {
        name,
        summary,
        item: PolicySpec { info, params, build },
    }
}

/// Every built-in policy by name, as `simulate` and the CLI accept it: its information class,
/// its parameters with their defaults, and one line on what it does.
pub const POLICIES: [Entry<PolicySpec>; 11] = [
    policy(
        "srpt",
        Info::Clairvoyant,
        &[],
        "shortest remaining (total) processing time; optimal on one machine",
        |_, _| Ok(Policy::Srpt),
    ),
    policy(
        "spt",
        Info::Clairvoyant,
        &[],
        "shortest processing time first, non-preemptive",
        |_, _| Ok(Policy::Spt),
    ),
    policy(
        "hdf",
        Info::Clairvoyant,
        &[("remaining", Value::Bool(false))],
        "highest density w/p first; remaining=True: w/remaining (weighted SRPT)",
        |p, s| {
            Ok(Policy::Hdf {
                remaining: arg(p.remaining, s, "remaining")?,
            })
        },
    ),
    policy(
        "fcfs",
        Info::NonClairvoyant,
        &[],
        "first come first served",
        |_, _| Ok(Policy::Fcfs),
    ),
    policy(
        "rr",
        Info::NonClairvoyant,
        &[],
        "round robin / processor sharing: rate min(1, m/n) each",
        |_, _| Ok(Policy::Rr),
    ),
    policy(
        "setf",
        Info::NonClairvoyant,
        &[],
        "shortest elapsed time first (least attained service, ties share)",
        |_, _| Ok(Policy::Setf),
    ),
    policy(
        "laps",
        Info::NonClairvoyant,
        &[("beta", Value::Float(0.5))],
        "latest arrival processor sharing: the ceil(beta n) latest jobs share (at least min(m, n))",
        |p, s| {
            let beta = arg(p.beta, s, "beta")?;
            if !(beta.is_finite() && beta > 0.0 && beta <= 1.0) {
                return Err(CoreError::invalid(
                    "beta",
                    None,
                    format!("must be in (0, 1], got {beta}"),
                ));
            }
            Ok(Policy::Laps { beta })
        },
    ),
    policy(
        "mlf",
        Info::NonClairvoyant,
        &[("base", Value::Float(1.0))],
        "multi-level feedback: queue i until base (2^(i+1) - 1) service, FIFO inside",
        |p, s| {
            Ok(Policy::Mlf {
                base: positive("base", arg(p.base, s, "base")?)?,
            })
        },
    ),
    policy(
        "op_srpt",
        Info::Revealed,
        &[],
        "operation-level SRPT: least remaining on the current revealed operation",
        |_, _| Ok(Policy::OpSrpt),
    ),
    policy(
        "chunk",
        Info::Revealed,
        &[
            ("gamma", Value::Float(2.0)),
            ("c", Value::Float(2.0)),
            ("known_count", Value::Bool(false)),
        ],
        "virtual chunks (ours): estimated remaining of the current chunk of revealed operations",
        |p, s| {
            Ok(Policy::Chunk {
                gamma: at_least_one("gamma", arg(p.gamma, s, "gamma")?)?,
                c: at_least_one("c", arg(p.c, s, "c")?)?,
                known_count: arg(p.known_count, s, "known_count")?,
            })
        },
    ),
    policy(
        "sprpt",
        Info::Estimated,
        &[("variant", Value::Str("plain"))],
        "SPRPT on estimates; variant 'clamped' (FIFO once overrun) or 'class' (log2 size classes)",
        |p, s| {
            let variant = match arg(p.variant.as_deref(), s, "variant")? {
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
            Ok(Policy::Sprpt { variant })
        },
    ),
];

impl Policy {
    /// The policy `name` of [`POLICIES`] with `params`, the parameters not given at their
    /// defaults there; a parameter the policy does not take is an error.
    pub fn parse(name: &str, params: &Params) -> CoreResult<Policy> {
        let spec = &lookup(&POLICIES, name, "policy", "policy")?.item;
        if let Some((p, _)) = params
            .given()
            .into_iter()
            .find(|(p, set)| *set && spec.default(p).is_none())
        {
            return Err(CoreError::invalid(
                p,
                None,
                format!("not a parameter of policy {name:?}"),
            ));
        }
        (spec.build)(params, spec)
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

    /// What the policy may see of a job (its class in [`POLICIES`]).
    pub fn info(&self) -> Info {
        let name = self.name();
        POLICIES
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.item.info)
            .expect("every policy's name is in POLICIES (the registry test parses each)")
    }
}
