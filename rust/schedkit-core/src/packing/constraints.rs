//! What Kubernetes manifests say beyond cpu and memory, in the form the filters and scores use:
//! extra resources (ephemeral-storage, hugepages, extended resources such as `nvidia.com/gpu`),
//! the per-pod-class static filter and scores of NodeUnschedulable, TaintToleration and
//! NodeAffinity (they depend on the pod and the node only, so the Python side evaluates them
//! once per class of identical pod specs), and the topology *terms* of InterPodAffinity and
//! PodTopologySpread, whose outcome depends on where other pods run and is tracked here.
//!
//! A term is one (label selector, namespaces, topology key) rule owned by some pods: `domain[j]`
//! is node j's topology domain (-1 when the node lacks the key) and `targets` the pods the
//! selector matches. The [`Tracker`] counts placed targets and placed owners per domain.

use crate::error::{CoreError, CoreResult};

/// What a term asks of the node an owner goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// requiredDuringScheduling pod affinity: some target in the domain.
    RequiredAffinity,
    /// requiredDuringScheduling pod anti-affinity: no target in the domain (and, symmetrically,
    /// no target may join an owner's domain).
    RequiredAnti,
    /// preferredDuringScheduling pod affinity with `weight`.
    PreferredAffinity,
    /// preferredDuringScheduling pod anti-affinity with `weight`.
    PreferredAnti,
    /// topologySpreadConstraint with whenUnsatisfiable: DoNotSchedule.
    SpreadHard,
    /// topologySpreadConstraint with whenUnsatisfiable: ScheduleAnyway (or a cluster default).
    SpreadSoft,
}

impl TermKind {
    pub fn parse(s: &str) -> CoreResult<Self> {
        Ok(match s {
            "required_affinity" => TermKind::RequiredAffinity,
            "required_anti" => TermKind::RequiredAnti,
            "preferred_affinity" => TermKind::PreferredAffinity,
            "preferred_anti" => TermKind::PreferredAnti,
            "spread_hard" => TermKind::SpreadHard,
            "spread_soft" => TermKind::SpreadSoft,
            _ => {
                return Err(CoreError::invalid(
                    "terms.kind",
                    None,
                    format!("unknown term kind {s:?}"),
                ))
            }
        })
    }
    pub fn is_spread(self) -> bool {
        matches!(self, TermKind::SpreadHard | TermKind::SpreadSoft)
    }
}

#[derive(Debug, Clone)]
pub struct Term {
    pub kind: TermKind,
    /// Preferred terms: the weight (1..100); spread: maxSkew (>= 1).
    pub weight: i64,
    /// SpreadHard: minDomains (>= 1; 1 is the default and changes nothing).
    pub min_domains: i64,
    /// Node -> domain id in 0..num_domains, or -1 when the node lacks the topology key.
    pub domain: Vec<i32>,
    /// Spread terms: nodes whose pods count and whose domains are eligible (nodeAffinityPolicy
    /// Honor, all topology keys present); empty: every node.
    pub eligible: Vec<bool>,
    /// Pods the selector matches (sorted, distinct).
    pub targets: Vec<usize>,
    /// The topology key is `kubernetes.io/hostname` (PodTopologySpread scores it per node).
    pub hostname: bool,
    /// A system default spread constraint (nodes missing its key are still scored).
    pub system_default: bool,
    pub num_domains: usize,
}

impl Term {
    #[inline]
    pub fn counts_on(&self, node: usize) -> bool {
        self.eligible.is_empty() || self.eligible[node]
    }
    pub fn is_target(&self, pod: usize) -> bool {
        self.targets.binary_search(&pod).is_ok()
    }
}

/// Everything beyond cpu, memory and the pod count; `Constraints::default()` is none of it.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    /// Names of the extra resources (R of them), for messages.
    pub res_names: Vec<String>,
    /// Allocatable per node, N x R row-major.
    pub node_res: Vec<i64>,
    /// Requests per pod, M x R row-major.
    pub pod_res: Vec<i64>,
    /// Requests the Fit score uses: a container without a cpu (memory) request counts 100m
    /// (200 MiB), an explicit 0 stays 0 (NonMissingContainerRequests). Empty: the requests.
    pub pod_cpu_score: Vec<i64>,
    pub pod_mem_score: Vec<i64>,
    /// Static class of each pod (empty: one class with no static rule).
    pub pod_class: Vec<u32>,
    /// K x N: 0 passes, r > 0 fails with `reasons[r - 1]` (UnschedulableAndUnresolvable).
    pub class_filter: Vec<u32>,
    /// Reason texts and the plugin (index into [`PLUGINS`]) that gives each.
    pub reasons: Vec<(String, u8)>,
    /// K x N raw TaintToleration score (intolerable PreferNoSchedule taints).
    pub class_taint: Vec<i64>,
    /// K x N raw NodeAffinity score (sum of matching preferred term weights).
    pub class_affinity: Vec<i64>,
    pub terms: Vec<Term>,
    /// Terms each pod owns.
    pub owned: Vec<Vec<u32>>,
    /// PodDisruptionBudgets: disruptions allowed, and the budgets covering each pod.
    pub pdb_allowed: Vec<i64>,
    pub pod_pdbs: Vec<Vec<u32>>,
    /// Pods whose preemptionPolicy is Never (empty: none).
    pub never_preempt: Vec<bool>,
    /// Start order of the running pods (status.startTime; lower started earlier; empty: pod
    /// order): the order they enter the simulation, which preemption's victim order and
    /// latest-start tie-break read.
    pub start_rank: Vec<u32>,
    /// Derived: terms each pod is a target of.
    pub target_of: Vec<Vec<u32>>,
}

/// Filter plugins in the order the default profile runs them, then the score-only one.
pub const PLUGINS: [&str; 8] = [
    "NodeUnschedulable",
    "TaintToleration",
    "NodeAffinity",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
    "",
];
pub const P_FIT: u8 = 3;
pub const P_SPREAD: u8 = 4;
pub const P_INTERPOD: u8 = 5;

impl Constraints {
    pub fn num_res(&self) -> usize {
        self.res_names.len()
    }
    pub fn num_classes(&self) -> usize {
        if self.pod_class.is_empty() {
            0
        } else {
            self.pod_class.iter().copied().max().unwrap_or(0) as usize + 1
        }
    }
    #[inline]
    pub fn class_of(&self, pod: usize) -> Option<usize> {
        self.pod_class.get(pod).map(|&k| k as usize)
    }
    #[inline]
    pub fn static_reason(&self, pod: usize, node: usize, n: usize) -> u32 {
        match self.class_of(pod) {
            Some(k) if !self.class_filter.is_empty() => self.class_filter[k * n + node],
            _ => 0,
        }
    }
    #[inline]
    pub fn pod_res(&self, pod: usize) -> &[i64] {
        let r = self.num_res();
        &self.pod_res[pod * r..pod * r + r]
    }
    #[inline]
    pub fn node_res(&self, node: usize) -> &[i64] {
        let r = self.num_res();
        &self.node_res[node * r..node * r + r]
    }
    pub fn is_empty(&self) -> bool {
        self.res_names.is_empty() && self.pod_class.is_empty() && self.terms.is_empty()
    }
    /// True when a pod's feasibility may depend on other pods beyond resources.
    pub fn has_terms(&self) -> bool {
        !self.terms.is_empty()
    }

    /// Checks every length, range and index against `n` nodes and `m` pods, and derives
    /// `target_of`.
    pub fn validate(&mut self, n: usize, m: usize) -> CoreResult<()> {
        let r = self.res_names.len();
        let want = |name: &str, len: usize, expect: usize| -> CoreResult<()> {
            if len != expect {
                return Err(CoreError::invalid(
                    name,
                    None,
                    format!("length {len}, expected {expect}"),
                ));
            }
            Ok(())
        };
        want("node_res", self.node_res.len(), n * r)?;
        want("pod_res", self.pod_res.len(), m * r)?;
        for (name, v) in [("node_res", &self.node_res), ("pod_res", &self.pod_res)] {
            if let Some(i) = v.iter().position(|&x| x < 0) {
                return Err(CoreError::invalid(
                    name,
                    Some(i),
                    format!("must be >= 0, got {}", v[i]),
                ));
            }
        }
        for (name, v) in [
            ("pod_cpu_score", &self.pod_cpu_score),
            ("pod_mem_score", &self.pod_mem_score),
        ] {
            if !v.is_empty() {
                want(name, v.len(), m)?;
                if let Some(i) = v.iter().position(|&x| x < 0) {
                    return Err(CoreError::invalid(name, Some(i), "must be >= 0"));
                }
            }
        }
        if !self.pod_class.is_empty() {
            want("pod_class", self.pod_class.len(), m)?;
            let k = self.num_classes();
            for (name, len) in [
                ("class_filter", self.class_filter.len()),
                ("class_taint", self.class_taint.len()),
                ("class_affinity", self.class_affinity.len()),
            ] {
                want(name, len, k * n)?;
            }
            if let Some(i) = self
                .class_filter
                .iter()
                .position(|&x| x as usize > self.reasons.len())
            {
                return Err(CoreError::invalid(
                    "class_filter",
                    Some(i),
                    "reason index out of range",
                ));
            }
            for (name, v) in [
                ("class_taint", &self.class_taint),
                ("class_affinity", &self.class_affinity),
            ] {
                if let Some(i) = v.iter().position(|&x| !(0..=1 << 40).contains(&x)) {
                    return Err(CoreError::invalid(name, Some(i), "raw score out of range"));
                }
            }
        }
        if let Some(i) = self
            .reasons
            .iter()
            .position(|(_, p)| *p as usize >= PLUGINS.len())
        {
            return Err(CoreError::invalid("reasons", Some(i), "unknown plugin"));
        }
        for (t, term) in self.terms.iter_mut().enumerate() {
            want("terms.domain", term.domain.len(), n)?;
            if !term.eligible.is_empty() {
                want("terms.eligible", term.eligible.len(), n)?;
            }
            let bad_weight = match term.kind {
                TermKind::PreferredAffinity | TermKind::PreferredAnti => !(1..=100).contains(&term.weight),
                TermKind::SpreadHard | TermKind::SpreadSoft => !(1..=i32::MAX as i64).contains(&term.weight),
                _ => term.weight != 0,
            };
            if bad_weight {
                return Err(CoreError::invalid(
                    "terms.weight",
                    Some(t),
                    format!("{} out of range", term.weight),
                ));
            }
            if !(1..=i32::MAX as i64).contains(&term.min_domains) {
                return Err(CoreError::invalid("terms.min_domains", Some(t), "must be >= 1"));
            }
            if term.domain.iter().any(|&d| d < -1) {
                return Err(CoreError::invalid(
                    "terms.domain",
                    Some(t),
                    "domain ids are >= -1",
                ));
            }
            term.num_domains = term.domain.iter().map(|&d| d + 1).max().unwrap_or(0) as usize;
            term.targets.sort_unstable();
            term.targets.dedup();
            if term.targets.last().is_some_and(|&p| p >= m) {
                return Err(CoreError::invalid(
                    "terms.targets",
                    Some(t),
                    "pod index out of range",
                ));
            }
        }
        if !self.owned.is_empty() {
            want("owned", self.owned.len(), m)?;
        }
        for (i, ts) in self.owned.iter().enumerate() {
            if ts.iter().any(|&t| t as usize >= self.terms.len()) {
                return Err(CoreError::invalid("owned", Some(i), "term index out of range"));
            }
        }
        if !self.pod_pdbs.is_empty() {
            want("pod_pdbs", self.pod_pdbs.len(), m)?;
        }
        for (i, ps) in self.pod_pdbs.iter().enumerate() {
            if ps.iter().any(|&p| p as usize >= self.pdb_allowed.len()) {
                return Err(CoreError::invalid(
                    "pod_pdbs",
                    Some(i),
                    "budget index out of range",
                ));
            }
        }
        if !self.never_preempt.is_empty() {
            want("never_preempt", self.never_preempt.len(), m)?;
        }
        if !self.start_rank.is_empty() {
            want("start_rank", self.start_rank.len(), m)?;
        }
        let mut target_of = vec![Vec::new(); if self.terms.is_empty() { 0 } else { m }];
        for (t, term) in self.terms.iter().enumerate() {
            for &p in &term.targets {
                target_of[p].push(t as u32);
            }
        }
        self.target_of = target_of;
        Ok(())
    }

    /// The pods placed in `assignment` (node >= 0), earliest started first.
    pub fn start_order(&self, assignment: &[i64]) -> Vec<usize> {
        let mut running: Vec<usize> = (0..assignment.len()).filter(|&i| assignment[i] >= 0).collect();
        if !self.start_rank.is_empty() {
            running.sort_by_key(|&i| (self.start_rank[i], i));
        }
        running
    }

    pub fn owned_by(&self, pod: usize) -> &[u32] {
        self.owned.get(pod).map(|v| v.as_slice()).unwrap_or(&[])
    }
    pub fn targeted_by(&self, pod: usize) -> &[u32] {
        self.target_of.get(pod).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

/// Why a node fails a pod. Static reasons come from the Python side; the rest are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Static(u32),
    /// NodeResourcesFit: too many pods, and the insufficient resources (0 cpu, 1 memory,
    /// 2.. the extra resources).
    Fit {
        pods: bool,
        resources: Vec<usize>,
    },
    SpreadMissingLabel,
    SpreadSkew,
    AffinityRules,
    AntiAffinityRules,
    ExistingAnti,
}

impl Reason {
    /// The plugin that reports it (index into [`PLUGINS`]).
    pub fn plugin(&self, c: &Constraints) -> u8 {
        match self {
            Reason::Static(r) => c.reasons[*r as usize - 1].1,
            Reason::Fit { .. } => P_FIT,
            Reason::SpreadMissingLabel | Reason::SpreadSkew => P_SPREAD,
            _ => P_INTERPOD,
        }
    }
    /// UnschedulableAndUnresolvable: preemption cannot help on this node.
    pub fn unresolvable(&self) -> bool {
        matches!(
            self,
            Reason::Static(_) | Reason::SpreadMissingLabel | Reason::AffinityRules
        )
    }
    /// Kubernetes' reason strings (Fit may give several).
    pub fn texts(&self, c: &Constraints) -> Vec<String> {
        match self {
            Reason::Static(r) => vec![c.reasons[*r as usize - 1].0.clone()],
            Reason::Fit { pods, resources } => {
                let mut v = Vec::new();
                if *pods {
                    v.push("Too many pods".to_string());
                }
                for &r in resources {
                    let name = match r {
                        0 => "cpu",
                        1 => "memory",
                        k => c.res_names[k - 2].as_str(),
                    };
                    v.push(format!("Insufficient {name}"));
                }
                v
            }
            Reason::SpreadMissingLabel => {
                vec!["node(s) didn't match pod topology spread constraints (missing required label)".into()]
            }
            Reason::SpreadSkew => vec!["node(s) didn't match pod topology spread constraints".into()],
            Reason::AffinityRules => vec!["node(s) didn't match pod affinity rules".into()],
            Reason::AntiAffinityRules => vec!["node(s) didn't match pod anti-affinity rules".into()],
            Reason::ExistingAnti => vec!["node(s) didn't satisfy existing pods anti-affinity rules".into()],
        }
    }
}

/// Placed targets and owners per term and domain, with the minimum count over eligible
/// domains of every DoNotSchedule spread term kept in O(1) per change (a histogram of counts).
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    pub tcount: Vec<Vec<i64>>,
    pub ocount: Vec<Vec<i64>>,
    pub ttotal: Vec<i64>,
    /// Spread terms: whether each domain holds an eligible node, and how many do.
    dom_eligible: Vec<Vec<bool>>,
    pub eligible_domains: Vec<i64>,
    hist: Vec<Vec<i64>>,
    pub min_count: Vec<i64>,
}

impl Tracker {
    pub fn new(c: &Constraints, n: usize) -> Self {
        let mut tr = Tracker::default();
        for term in &c.terms {
            let nd = term.num_domains;
            let mut de = vec![false; nd];
            for j in 0..n {
                let d = term.domain[j];
                if d >= 0 && term.counts_on(j) {
                    de[d as usize] = true;
                }
            }
            let ne = de.iter().filter(|&&b| b).count() as i64;
            tr.tcount.push(vec![0; nd]);
            tr.ocount.push(vec![0; nd]);
            tr.ttotal.push(0);
            tr.hist.push(vec![ne]);
            tr.min_count.push(0);
            tr.eligible_domains.push(ne);
            tr.dom_eligible.push(de);
        }
        tr
    }

    fn bump(&mut self, t: usize, d: usize, up: bool) {
        let old = self.tcount[t][d];
        let new = if up { old + 1 } else { old - 1 };
        self.tcount[t][d] = new;
        self.ttotal[t] += if up { 1 } else { -1 };
        if !self.dom_eligible[t][d] {
            return;
        }
        let h = &mut self.hist[t];
        if h.len() <= new as usize {
            h.resize(new as usize + 1, 0);
        }
        h[old as usize] -= 1;
        h[new as usize] += 1;
        if up {
            if old == self.min_count[t] && h[old as usize] == 0 {
                self.min_count[t] = new;
            }
        } else if new < self.min_count[t] {
            self.min_count[t] = new;
        }
    }

    pub fn add(&mut self, c: &Constraints, pod: usize, node: usize) {
        self.change(c, pod, node, true)
    }
    pub fn remove(&mut self, c: &Constraints, pod: usize, node: usize) {
        self.change(c, pod, node, false)
    }
    fn change(&mut self, c: &Constraints, pod: usize, node: usize, up: bool) {
        for &t in c.targeted_by(pod) {
            let term = &c.terms[t as usize];
            let d = term.domain[node];
            if d >= 0 && (!term.kind.is_spread() || term.counts_on(node)) {
                self.bump(t as usize, d as usize, up);
            }
        }
        for &t in c.owned_by(pod) {
            let d = c.terms[t as usize].domain[node];
            if d >= 0 {
                self.ocount[t as usize][d as usize] += if up { 1 } else { -1 };
            }
        }
    }

    /// PodTopologySpread (DoNotSchedule) then InterPodAffinity filters for `pod` on `node`.
    pub fn filter(&self, c: &Constraints, pod: usize, node: usize) -> Option<Reason> {
        let owned = c.owned_by(pod);
        for &t in owned {
            let term = &c.terms[t as usize];
            if term.kind != TermKind::SpreadHard {
                continue;
            }
            let d = term.domain[node];
            if d < 0 {
                return Some(Reason::SpreadMissingLabel);
            }
            let t = t as usize;
            let min = if self.eligible_domains[t] < term.min_domains {
                0
            } else {
                self.min_count[t]
            };
            let self_match = term.is_target(pod) as i64;
            if self.tcount[t][d as usize] + self_match - min > term.weight {
                return Some(Reason::SpreadSkew);
            }
        }
        // Required affinity: the node has every term's topology key, and every term has a
        // target (a pod matching all the terms) in the node's domain, unless no target runs
        // anywhere and the pod matches all its own terms (the first pod of a group).
        let mut any_affinity = false;
        let mut all_ok = true;
        let mut none_anywhere = true;
        let mut self_all = true;
        for &t in owned {
            let term = &c.terms[t as usize];
            if term.kind != TermKind::RequiredAffinity {
                continue;
            }
            any_affinity = true;
            let d = term.domain[node];
            if d < 0 {
                return Some(Reason::AffinityRules);
            }
            if self.tcount[t as usize][d as usize] == 0 {
                all_ok = false;
            }
            if self.ttotal[t as usize] > 0 {
                none_anywhere = false;
            }
            if !term.is_target(pod) {
                self_all = false;
            }
        }
        if any_affinity && !all_ok && !(none_anywhere && self_all) {
            return Some(Reason::AffinityRules);
        }
        for &t in owned {
            let term = &c.terms[t as usize];
            if term.kind == TermKind::RequiredAnti {
                let d = term.domain[node];
                if d >= 0 && self.tcount[t as usize][d as usize] > 0 {
                    return Some(Reason::AntiAffinityRules);
                }
            }
        }
        for &t in c.targeted_by(pod) {
            let term = &c.terms[t as usize];
            if term.kind == TermKind::RequiredAnti {
                let d = term.domain[node];
                if d >= 0 && self.ocount[t as usize][d as usize] > 0 {
                    return Some(Reason::ExistingAnti);
                }
            }
        }
        None
    }

    /// InterPodAffinity raw score: the pod's preferred terms over placed targets, plus the
    /// placed owners' preferred terms (and required affinity, hardPodAffinityWeight) that
    /// match the pod.
    pub fn interpod_raw(&self, c: &Constraints, pod: usize, node: usize, hard_weight: i64) -> i64 {
        let mut s = 0i64;
        for &t in c.owned_by(pod) {
            let term = &c.terms[t as usize];
            let sign = match term.kind {
                TermKind::PreferredAffinity => 1,
                TermKind::PreferredAnti => -1,
                _ => continue,
            };
            let d = term.domain[node];
            if d >= 0 {
                s += sign * term.weight * self.tcount[t as usize][d as usize];
            }
        }
        for &t in c.targeted_by(pod) {
            let term = &c.terms[t as usize];
            let w = match term.kind {
                TermKind::PreferredAffinity => term.weight,
                TermKind::PreferredAnti => -term.weight,
                TermKind::RequiredAffinity => hard_weight,
                _ => continue,
            };
            let d = term.domain[node];
            if d >= 0 && w != 0 {
                s += w * self.ocount[t as usize][d as usize];
            }
        }
        s
    }

    /// Whether the pod has anything InterPodAffinity scores (its own preferred terms, or
    /// owners' terms that target it).
    pub fn has_interpod_score(&self, c: &Constraints, pod: usize) -> bool {
        c.owned_by(pod).iter().any(|&t| {
            matches!(
                c.terms[t as usize].kind,
                TermKind::PreferredAffinity | TermKind::PreferredAnti
            )
        }) || c.targeted_by(pod).iter().any(|&t| {
            matches!(
                c.terms[t as usize].kind,
                TermKind::PreferredAffinity | TermKind::PreferredAnti | TermKind::RequiredAffinity
            )
        })
    }
}

/// PodTopologySpread scores of `pod` over the feasible `nodes` (normalised 0..100), with the
/// raw values; all zero raw and 0 normalised when the pod has no soft constraint.
pub fn spread_scores(c: &Constraints, tr: &Tracker, pod: usize, nodes: &[usize]) -> (Vec<i64>, Vec<i64>) {
    let soft: Vec<usize> = c
        .owned_by(pod)
        .iter()
        .map(|&t| t as usize)
        .filter(|&t| c.terms[t].kind == TermKind::SpreadSoft)
        .collect();
    if soft.is_empty() || nodes.is_empty() {
        return (vec![0; nodes.len()], vec![0; nodes.len()]);
    }
    let require_all = soft.iter().any(|&t| !c.terms[t].system_default);
    let ignored = |j: usize| require_all && soft.iter().any(|&t| c.terms[t].domain[j] < 0);
    let kept = nodes.iter().filter(|&&j| !ignored(j)).count();
    let mut weights = Vec::with_capacity(soft.len());
    for &t in &soft {
        let term = &c.terms[t];
        let size = if term.hostname {
            kept
        } else {
            let mut seen = vec![false; term.num_domains];
            let mut k = 0usize;
            for &j in nodes {
                let d = term.domain[j];
                if !ignored(j) && d >= 0 && !seen[d as usize] {
                    seen[d as usize] = true;
                    k += 1;
                }
            }
            k
        };
        weights.push(((size + 2) as f64).ln());
    }
    let mut raw = vec![-1i64; nodes.len()];
    for (k, &j) in nodes.iter().enumerate() {
        if ignored(j) {
            continue;
        }
        let mut s = 0.0f64;
        for (q, &t) in soft.iter().enumerate() {
            let term = &c.terms[t];
            let d = term.domain[j];
            if d < 0 {
                continue;
            }
            let cnt = tr.tcount[t][d as usize];
            s += cnt as f64 * weights[q] + (term.weight - 1) as f64;
        }
        raw[k] = s.round() as i64;
    }
    let (mut lo, mut hi) = (i64::MAX, 0i64);
    for &s in raw.iter().filter(|&&s| s >= 0) {
        lo = lo.min(s);
        hi = hi.max(s);
    }
    let norm = raw
        .iter()
        .map(|&s| {
            if s < 0 {
                0
            } else if hi == 0 {
                100
            } else {
                100 * (hi + lo - s) / hi
            }
        })
        .collect();
    (raw.into_iter().map(|s| s.max(0)).collect(), norm)
}

/// DefaultNormalizeScore: `100 * s / max`, reversed for TaintToleration; all 100 (reversed)
/// or all 0 when the maximum is 0.
pub fn default_normalize(raw: &[i64], reverse: bool) -> Vec<i64> {
    let max = raw.iter().copied().max().unwrap_or(0);
    raw.iter()
        .map(|&s| {
            if max == 0 {
                if reverse {
                    100
                } else {
                    s
                }
            } else {
                let v = 100 * s / max;
                if reverse {
                    100 - v
                } else {
                    v
                }
            }
        })
        .collect()
}

/// InterPodAffinity NormalizeScore: `⌊100 (s − min) / (max − min)⌋` in float64, 0 when flat.
pub fn interpod_normalize(raw: &[i64]) -> Vec<i64> {
    let lo = raw.iter().copied().min().unwrap_or(0);
    let hi = raw.iter().copied().max().unwrap_or(0);
    let diff = hi - lo;
    raw.iter()
        .map(|&s| {
            if diff > 0 {
                (100.0 * ((s - lo) as f64 / diff as f64)) as i64
            } else {
                0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(kind: TermKind, weight: i64, domain: Vec<i32>, targets: Vec<usize>) -> Term {
        Term {
            kind,
            weight,
            min_domains: 1,
            domain,
            eligible: Vec::new(),
            targets,
            hostname: false,
            system_default: false,
            num_domains: 0,
        }
    }

    #[test]
    fn spread_min_tracks_adds_and_removes() {
        // Three nodes in zones 0, 0, 1; pods 0..3 all targets; pod 3 owns the constraint.
        let mut c = Constraints {
            terms: vec![term(TermKind::SpreadHard, 1, vec![0, 0, 1], vec![0, 1, 2, 3])],
            owned: vec![vec![], vec![], vec![], vec![0]],
            ..Default::default()
        };
        c.validate(3, 4).unwrap();
        let mut tr = Tracker::new(&c, 3);
        tr.add(&c, 0, 0);
        assert_eq!(tr.min_count[0], 0);
        // zone0 = 1, zone1 = 0: pod 3 on zone 0 gives skew 2 > 1.
        assert_eq!(tr.filter(&c, 3, 0), Some(Reason::SpreadSkew));
        assert_eq!(tr.filter(&c, 3, 2), None);
        tr.add(&c, 1, 2);
        assert_eq!(tr.min_count[0], 1);
        tr.remove(&c, 1, 2);
        assert_eq!(tr.min_count[0], 0);
    }

    #[test]
    fn normalisers_match_kubernetes_helpers() {
        assert_eq!(default_normalize(&[0, 1, 2], true), vec![100, 50, 0]);
        assert_eq!(default_normalize(&[0, 0], true), vec![100, 100]);
        assert_eq!(default_normalize(&[0, 0], false), vec![0, 0]);
        assert_eq!(interpod_normalize(&[-2, 0, 1]), vec![0, 66, 100]);
    }
}
