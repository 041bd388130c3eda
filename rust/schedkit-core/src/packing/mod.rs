//! Pod packing onto nodes: the cluster instance, the default kube-scheduler simulation
//! ([`kube`]), vector bin-packing heuristics ([`heuristics`]) and VM rescheduling against the
//! fragment rate ([`vmr`]). The CP-SAT model lives on the Python side (OR-Tools).
//!
//! Quantities are integers: cpu in millicores, memory in bytes, so the kube-scheduler's
//! integer score arithmetic is reproduced exactly.

pub mod heuristics;
pub mod kube;
pub mod vmr;

use crate::error::{CoreError, CoreResult};

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
    pub assignment: Vec<i64>,
}

impl State {
    pub fn from_assignment(c: &Cluster, assignment: Vec<i64>) -> Self {
        let (cpu, mem, cnt) = c.usage(&assignment);
        State {
            free_cpu: (0..c.num_nodes()).map(|j| c.node_cpu[j] - cpu[j]).collect(),
            free_mem: (0..c.num_nodes()).map(|j| c.node_mem[j] - mem[j]).collect(),
            free_pods: (0..c.num_nodes()).map(|j| c.node_pods[j] - cnt[j]).collect(),
            assignment,
        }
    }
    /// NodeResourcesFit filter: pod count, then every positive request within the free amount.
    #[inline]
    pub fn fits(&self, c: &Cluster, pod: usize, node: usize) -> bool {
        self.free_pods[node] >= 1
            && (c.pod_cpu[pod] == 0 || c.pod_cpu[pod] <= self.free_cpu[node])
            && (c.pod_mem[pod] == 0 || c.pod_mem[pod] <= self.free_mem[node])
    }
    #[inline]
    pub fn place(&mut self, c: &Cluster, pod: usize, node: usize) {
        self.free_cpu[node] -= c.pod_cpu[pod];
        self.free_mem[node] -= c.pod_mem[pod];
        self.free_pods[node] -= 1;
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
