//! Pod packing onto nodes: the cluster instance, the default kube-scheduler simulation
//! ([`kube`]), vector bin-packing heuristics ([`heuristics`]) and VM rescheduling against the
//! fragment rate ([`vmr`]). The CP-SAT model lives on the Python side (OR-Tools).
//!
//! Quantities are integers: cpu in millicores, memory in bytes, so the kube-scheduler's
//! integer score arithmetic is reproduced exactly.

pub mod constraints;
pub mod heuristics;
pub mod kube;
pub mod vmr;

use crate::error::{CoreError, CoreResult};
use constraints::{Constraints, Reason, Tracker};

/// Nodes and pods. `pod_node[i]` is the current node of pod i or -1 when pending.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub node_cpu: Vec<i64>,
    pub node_mem: Vec<i64>,
    pub node_pods: Vec<i64>,
    pub pod_cpu: Vec<i64>,
    pub pod_mem: Vec<i64>,
    pub pod_priority: Vec<i64>,
    pub pod_node: Vec<i64>,
    /// Taints, affinities, spread, extra resources, budgets (default: none).
    pub cons: Constraints,
}

impl Cluster {
    /// Validates lengths, signs and current nodes (and that running pods fit where they are).
    pub fn new(
        node_cpu: Vec<i64>,
        node_mem: Vec<i64>,
        node_pods: Vec<i64>,
        pod_cpu: Vec<i64>,
        pod_mem: Vec<i64>,
        pod_priority: Vec<i64>,
        pod_node: Vec<i64>,
    ) -> CoreResult<Self> {
        let n = node_cpu.len();
        let m = pod_cpu.len();
        for (name, len, want) in [
            ("node_mem", node_mem.len(), n),
            ("node_pods", node_pods.len(), n),
            ("pod_mem", pod_mem.len(), m),
            ("pod_priority", pod_priority.len(), m),
            ("pod_node", pod_node.len(), m),
        ] {
            if len != want {
                return Err(CoreError::invalid(
                    name,
                    None,
                    format!("length {len}, expected {want}"),
                ));
            }
        }
        for (name, v) in [
            ("node_cpu", &node_cpu),
            ("node_mem", &node_mem),
            ("node_pods", &node_pods),
            ("pod_cpu", &pod_cpu),
            ("pod_mem", &pod_mem),
        ] {
            if let Some(i) = v.iter().position(|&x| x < 0) {
                return Err(CoreError::invalid(
                    name,
                    Some(i),
                    format!("must be >= 0, got {}", v[i]),
                ));
            }
            // Totals must fit in i64: free capacity, usage and fragment sums add these up.
            let mut total = 0i64;
            for (i, &x) in v.iter().enumerate() {
                total = total.checked_add(x).ok_or_else(|| {
                    CoreError::invalid(name, Some(i), "the total up to here passes 2^63 - 1")
                })?;
            }
        }
        if let Some(i) = pod_node.iter().position(|&x| x < -1 || x >= n as i64) {
            return Err(CoreError::invalid(
                "pod_node",
                Some(i),
                format!("node {} out of range (-1 for pending, else 0..{n})", pod_node[i]),
            ));
        }
        let c = Cluster {
            node_cpu,
            node_mem,
            node_pods,
            pod_cpu,
            pod_mem,
            pod_priority,
            pod_node,
            cons: Constraints::default(),
        };
        let (cpu, mem, cnt) = c.usage(&c.pod_node);
        for j in 0..n {
            if cpu[j] > c.node_cpu[j] || mem[j] > c.node_mem[j] || cnt[j] > c.node_pods[j] {
                return Err(CoreError::invalid(
                    "pod_node",
                    None,
                    format!("the running pods on node {j} exceed its allocatable cpu, memory or pod count"),
                ));
            }
        }
        Ok(c)
    }

    /// Attaches the constraints after checking them (running pods must fit the extra
    /// resources too; their other rules are not re-checked, as Kubernetes does not).
    pub fn with_constraints(mut self, mut cons: Constraints) -> CoreResult<Self> {
        cons.validate(self.num_nodes(), self.num_pods())?;
        let r = cons.num_res();
        if r > 0 {
            let mut used = vec![0i64; self.num_nodes() * r];
            for (i, &a) in self.pod_node.iter().enumerate() {
                if a >= 0 {
                    for k in 0..r {
                        let u = &mut used[a as usize * r + k];
                        *u = u
                            .checked_add(cons.pod_res[i * r + k])
                            .ok_or_else(|| CoreError::invalid("pod_res", Some(i), "requests overflow"))?;
                    }
                }
            }
            if let Some(x) = (0..used.len()).find(|&x| used[x] > cons.node_res[x]) {
                return Err(CoreError::invalid(
                    "pod_node",
                    None,
                    format!(
                        "the running pods on node {} exceed its allocatable {}",
                        x / r,
                        cons.res_names[x % r]
                    ),
                ));
            }
        }
        self.cons = cons;
        Ok(self)
    }

    pub fn num_nodes(&self) -> usize {
        self.node_cpu.len()
    }
    pub fn num_pods(&self) -> usize {
        self.pod_cpu.len()
    }

    /// Requested cpu, memory and pod count per node under `assignment`.
    pub fn usage(&self, assignment: &[i64]) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let n = self.num_nodes();
        let (mut cpu, mut mem, mut cnt) = (vec![0i64; n], vec![0i64; n], vec![0i64; n]);
        for (i, &a) in assignment.iter().enumerate() {
            if a >= 0 {
                let a = a as usize;
                cpu[a] += self.pod_cpu[i];
                mem[a] += self.pod_mem[i];
                cnt[a] += 1;
            }
        }
        (cpu, mem, cnt)
    }

    /// Pods in PrioritySort order: higher priority first, then by index (queue timestamp).
    pub fn priority_order(&self, pods: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut v: Vec<usize> = pods.collect();
        v.sort_by_key(|&i| (std::cmp::Reverse(self.pod_priority[i]), i));
        v
    }
}

/// Mutable free capacity per node, shared by the heuristics and the simulation.
#[derive(Debug, Clone)]
pub struct State {
    pub free_cpu: Vec<i64>,
    pub free_mem: Vec<i64>,
    pub free_pods: Vec<i64>,
    /// Free extra resources, N x R row-major.
    pub free_res: Vec<i64>,
    pub tracker: Tracker,
    pub assignment: Vec<i64>,
    /// With `record` set, every placement (pod, node) and eviction (pod, -1) in order: the
    /// sequence the independent validator replays.
    pub record: bool,
    pub events: Vec<(usize, i64)>,
}

impl State {
    pub fn from_assignment(c: &Cluster, assignment: Vec<i64>) -> Self {
        let (cpu, mem, cnt) = c.usage(&assignment);
        let mut st = State {
            free_cpu: (0..c.num_nodes()).map(|j| c.node_cpu[j] - cpu[j]).collect(),
            free_mem: (0..c.num_nodes()).map(|j| c.node_mem[j] - mem[j]).collect(),
            free_pods: (0..c.num_nodes()).map(|j| c.node_pods[j] - cnt[j]).collect(),
            free_res: c.cons.node_res.clone(),
            tracker: Tracker::new(&c.cons, c.num_nodes()),
            assignment: vec![-1; assignment.len()],
            record: false,
            events: Vec::new(),
        };
        let r = c.cons.num_res();
        for (i, &a) in assignment.iter().enumerate() {
            if a >= 0 {
                for k in 0..r {
                    st.free_res[a as usize * r + k] -= c.cons.pod_res[i * r + k];
                }
                st.tracker.add(&c.cons, i, a as usize);
            }
        }
        st.assignment = assignment;
        st
    }
    /// NodeResourcesFit filter: pod count, then every positive request within the free amount
    /// (every insufficient resource is reported, as Kubernetes does).
    pub fn fit_reason(&self, c: &Cluster, pod: usize, node: usize) -> Option<Reason> {
        let pods = self.free_pods[node] < 1;
        let mut resources = Vec::new();
        if c.pod_cpu[pod] > 0 && c.pod_cpu[pod] > self.free_cpu[node] {
            resources.push(0);
        }
        if c.pod_mem[pod] > 0 && c.pod_mem[pod] > self.free_mem[node] {
            resources.push(1);
        }
        let r = c.cons.num_res();
        for k in 0..r {
            let q = c.cons.pod_res[pod * r + k];
            if q > 0 && q > self.free_res[node * r + k] {
                resources.push(2 + k);
            }
        }
        if pods || !resources.is_empty() {
            Some(Reason::Fit { pods, resources })
        } else {
            None
        }
    }
    /// Every filter of the default profile, in its order; None when the node passes.
    pub fn filter(&self, c: &Cluster, pod: usize, node: usize) -> Option<Reason> {
        let s = c.cons.static_reason(pod, node, c.num_nodes());
        if s > 0 {
            return Some(Reason::Static(s));
        }
        if let Some(r) = self.fit_reason(c, pod, node) {
            return Some(r);
        }
        if c.cons.has_terms() {
            return self.tracker.filter(&c.cons, pod, node);
        }
        None
    }
    /// Whether every filter passes; the same answer as `filter(..).is_none()` without
    /// building a reason (the hot path of every method).
    #[inline]
    pub fn fits(&self, c: &Cluster, pod: usize, node: usize) -> bool {
        let fit = self.free_pods[node] >= 1
            && (c.pod_cpu[pod] == 0 || c.pod_cpu[pod] <= self.free_cpu[node])
            && (c.pod_mem[pod] == 0 || c.pod_mem[pod] <= self.free_mem[node]);
        if c.cons.is_empty() || !fit {
            return fit;
        }
        if c.cons.static_reason(pod, node, c.num_nodes()) > 0 {
            return false;
        }
        let r = c.cons.num_res();
        for k in 0..r {
            let q = c.cons.pod_res[pod * r + k];
            if q > 0 && q > self.free_res[node * r + k] {
                return false;
            }
        }
        !c.cons.has_terms() || self.tracker.filter(&c.cons, pod, node).is_none()
    }
    #[inline]
    pub fn place(&mut self, c: &Cluster, pod: usize, node: usize) {
        self.free_cpu[node] -= c.pod_cpu[pod];
        self.free_mem[node] -= c.pod_mem[pod];
        self.free_pods[node] -= 1;
        let r = c.cons.num_res();
        for k in 0..r {
            self.free_res[node * r + k] -= c.cons.pod_res[pod * r + k];
        }
        if c.cons.has_terms() {
            self.tracker.add(&c.cons, pod, node);
        }
        if self.record {
            self.events.push((pod, node as i64));
        }
        self.assignment[pod] = node as i64;
    }
    #[inline]
    pub fn remove(&mut self, c: &Cluster, pod: usize) {
        let node = self.assignment[pod];
        if node >= 0 {
            let node = node as usize;
            self.free_cpu[node] += c.pod_cpu[pod];
            self.free_mem[node] += c.pod_mem[pod];
            self.free_pods[node] += 1;
            let r = c.cons.num_res();
            for k in 0..r {
                self.free_res[node * r + k] += c.cons.pod_res[pod * r + k];
            }
            if c.cons.has_terms() {
                self.tracker.remove(&c.cons, pod, node);
            }
            if self.record {
                self.events.push((pod, -1));
            }
            self.assignment[pod] = -1;
        }
    }
}

/// Placed pods per distinct priority, highest priority first, with the priorities.
pub fn placed_by_priority(c: &Cluster, assignment: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let mut prios: Vec<i64> = c.pod_priority.clone();
    prios.sort_unstable_by(|a, b| b.cmp(a));
    prios.dedup();
    let mut counts = vec![0i64; prios.len()];
    for (i, &a) in assignment.iter().enumerate() {
        if a >= 0 {
            let k = prios.binary_search_by(|p| c.pod_priority[i].cmp(p)).unwrap_or(0);
            counts[k] += 1;
        }
    }
    (prios, counts)
}
