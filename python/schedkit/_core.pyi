"""Type stubs of the compiled ``schedkit._core`` module (kept in step with rust/schedkit-py)."""

from typing import Any, Self, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BATCH_OBJECTIVES",
    "DAG_ALGORITHMS",
    "DAG_ONLINE_POLICIES",
    "DagPlatform",
    "DagTaskGraph",
    "FAIR_ESTIMATES",
    "FAIR_POLICIES",
    "FLOWTIME_LOG_KINDS",
    "FLOWTIME_POLICIES",
    "FairEngine",
    "FlowtimeJobs",
    "PACKING_FILTER_PLUGINS",
    "PACKING_HEURISTICS",
    "PACKING_KUBE_METHODS",
    "PACKING_SCORE_PLUGINS",
    "PackingCluster",
    "TARDINESS_EXACT_METHODS",
    "TARDINESS_IMPROVEMENTS",
    "TARDINESS_METHODS",
    "TardinessInstance",
    "__version__",
    "_panic_in_helper",
    "batch_dag_orders",
    "batch_dag_perturbed",
    "batch_evaluate_sequences",
    "batch_flowtime_orders",
    "batch_packing",
    "build_profile",
    "dag_cpop_path",
    "dag_lower_bound",
    "dag_online",
    "dag_random",
    "dag_ranks",
    "dag_schedule",
    "fair_uwfq_virtual",
    "flowtime_lower_bound",
    "flowtime_simulate",
    "flowtime_simulate_callback",
    "packing_explain",
    "packing_fragment_rate",
    "packing_heuristic",
    "packing_kube",
    "packing_kube_scores",
    "packing_pending_messages",
    "packing_vmr_greedy",
    "tardiness_exact_stats",
    "tardiness_solve",
]

__version__: str
build_profile: str

def _panic_in_helper(how: str) -> None: ...

TARDINESS_METHODS: list[str]
TARDINESS_IMPROVEMENTS: list[str]
TARDINESS_EXACT_METHODS: list[str]

@final
class TardinessInstance:
    def __new__(
        cls,
        p: npt.NDArray[np.float64],
        d: npt.NDArray[np.float64],
        w: npt.NDArray[np.float64] | None = None,
    ) -> Self: ...
    @property
    def n(self) -> int: ...
    @property
    def weighted(self) -> bool: ...
    @property
    def p(self) -> npt.NDArray[np.float64]: ...
    @property
    def d(self) -> npt.NDArray[np.float64]: ...
    @property
    def w(self) -> npt.NDArray[np.float64]: ...

def tardiness_exact_stats(
    instance: TardinessInstance, method: str, *, time_limit: float | None = None
) -> tuple[float, bool, int, int]: ...
def tardiness_solve(
    instance: TardinessInstance,
    method: str,
    *,
    improve: str | None = None,
    atc_k: float | None = None,
    seed: int = 0,
    iterations: int = 1000,
    strength: int = 2,
    time_limit: float | None = None,
    memory_limit: int | None = None,
    workers: int = 1,
) -> tuple[npt.NDArray[np.int64], float, bool, float, float | None]: ...

#: (name, summary) of every single-machine objective of ``batch_evaluate_sequences``.
BATCH_OBJECTIVES: list[tuple[str, str]]

def batch_evaluate_sequences(
    instance: TardinessInstance, perms: npt.NDArray[np.int64], objective: str
) -> npt.NDArray[np.float64]: ...
def batch_dag_orders(
    graph: DagTaskGraph, platform: DagPlatform, orders: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]: ...
def batch_dag_perturbed(
    graph: DagTaskGraph,
    platform: DagPlatform,
    assignment: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    factors: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]: ...
def batch_flowtime_orders(jobs: FlowtimeJobs, orders: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]: ...
def batch_packing(
    cluster: PackingCluster, assignments: npt.NDArray[np.int64], probe_cpu: float, probe_mem: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...

# --------------------------------------------------------------------------- dag

#: (name, summary, insertion by default) of every list scheduler.
DAG_ALGORITHMS: list[tuple[str, str, bool]]
#: (name, summary) of every online policy.
DAG_ONLINE_POLICIES: list[tuple[str, str]]

@final
class DagTaskGraph:
    def __new__(
        cls,
        num_tasks: int,
        src: npt.NDArray[np.int64],
        dst: npt.NDArray[np.int64],
        data: npt.NDArray[np.float64],
    ) -> Self: ...
    @property
    def num_tasks(self) -> int: ...
    @property
    def num_edges(self) -> int: ...
    def topological_order(self) -> npt.NDArray[np.int64]: ...
    def levels(self) -> npt.NDArray[np.int64]: ...

@final
class DagPlatform:
    def __new__(
        cls,
        cost: npt.NDArray[np.float64],
        bandwidth: npt.NDArray[np.float64],
        latency: npt.NDArray[np.float64],
    ) -> Self: ...
    @property
    def num_tasks(self) -> int: ...
    @property
    def num_processors(self) -> int: ...

def dag_schedule(
    graph: DagTaskGraph, platform: DagPlatform, algorithm: str, *, insertion: bool = True, seed: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]: ...
def dag_ranks(graph: DagTaskGraph, platform: DagPlatform, kind: str) -> npt.NDArray[np.float64]: ...
def dag_lower_bound(graph: DagTaskGraph, platform: DagPlatform) -> tuple[float, npt.NDArray[np.int64]]: ...
def dag_cpop_path(graph: DagTaskGraph, platform: DagPlatform) -> tuple[npt.NDArray[np.int64], int]: ...
def dag_random(
    num_tasks: int,
    num_processors: int,
    alpha: float,
    out_degree: int,
    ccr: float,
    beta: float,
    mean_cost: float,
    seed: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def dag_online(
    graph: DagTaskGraph,
    platform: DagPlatform,
    job_ptr: npt.NDArray[np.int64],
    arrival: npt.NDArray[np.float64],
    policy: str,
    *,
    factors: npt.NDArray[np.float64] | None = None,
    insertion: bool = True,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]: ...

# --- fair (schedkit.fair): multi-user cluster simulator ---------------------------------
#: (name, summary) of every policy and estimate mode (schedkit_core::fair's registries).
FAIR_POLICIES: list[tuple[str, str]]
FAIR_ESTIMATES: list[tuple[str, str]]

@final
class FairEngine:
    """The incremental cluster simulator (see schedkit.fair._engine); the core checks the settings."""

    def __new__(
        cls,
        cores: int,
        policy: str,
        *,
        partition: bool = False,
        tau: float = 0.5,
        max_partition_tasks: int = 100_000_000,
        estimate: str = "oracle",
        noise: float = 0.5,
        seed: int = 0,
        grace: float = 3.0,
        record_tasks: bool = False,
        finished_in_push_order: bool = False,
        memory: float | None = None,
        nodes: int | list[tuple[float, float]] | None = None,
        weights: list[tuple[str, float]] = ...,
        pools: list[tuple[str, str | tuple[float, float, bool | None]]] = ...,
        pool_config: list[tuple[str, tuple[float, float, bool | None]]] = ...,
        overheads: tuple[float, float, float, float, int, int, bool, float, float] | None = None,
    ) -> Self: ...
    def pool(self, name: str, what: str) -> int: ...
    def add_users(self, names: list[str]) -> int: ...
    def push(
        self,
        job_tag: npt.NDArray[np.int64],
        job_user: npt.NDArray[np.int64],
        job_submit: npt.NDArray[np.float64],
        job_after: npt.NDArray[np.int64],
        job_think: npt.NDArray[np.float64],
        job_class: npt.NDArray[np.int64],
        task_offsets: npt.NDArray[np.int64],
        task_duration: npt.NDArray[np.float64],
        *,
        job_stages: npt.NDArray[np.int64] | None = None,
        stage_id: npt.NDArray[np.int64] | None = None,
        stage_parents: npt.NDArray[np.int64] | None = None,
        parents: npt.NDArray[np.int64] | None = None,
        stage_cpu: npt.NDArray[np.float64] | None = None,
        stage_mem: npt.NDArray[np.float64] | None = None,
        job_pool: npt.NDArray[np.int64] | None = None,
        job_estimate: npt.NDArray[np.float64] | None = None,
        job_tie: npt.NDArray[np.int64] | None = None,
        advance_to: float | None = None,
    ) -> None: ...
    def advance(self, until: float) -> None: ...
    def start_advance(self, until: float) -> None: ...
    def finish(self) -> None: ...
    def take_finished(self) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]: ...
    def take_records(self) -> list[dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]]: ...
    def take_tasks(self) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]: ...
    @property
    def live_jobs(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def pushed(self) -> int: ...
    @property
    def horizon(self) -> float: ...
    @property
    def n_users(self) -> int: ...
    @property
    def uses_requests(self) -> bool: ...
    @property
    def nodes(self) -> tuple[list[float], list[float]] | None: ...

def fair_uwfq_virtual(
    cores: int,
    times: list[float],
    users: list[int],
    work: list[float],
    weights: list[float],
    grace: float = ...,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

# --- flowtime -------------------------------------------------------------------------------

#: (name, information class, {parameter: default}, summary) of every built-in policy.
FLOWTIME_POLICIES: list[tuple[str, str, dict[str, float | bool | str], str]]
FLOWTIME_LOG_KINDS: list[str]

@final
class FlowtimeJobs:
    def __new__(
        cls,
        release: npt.NDArray[np.float64],
        offsets: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
        weight: npt.NDArray[np.float64] | None = None,
        estimate: npt.NDArray[np.float64] | None = None,
    ) -> Self: ...
    def with_estimate(self, estimate: npt.NDArray[np.float64]) -> FlowtimeJobs: ...
    @property
    def n(self) -> int: ...
    @property
    def weighted(self) -> bool: ...
    @property
    def release(self) -> npt.NDArray[np.float64]: ...
    @property
    def weight(self) -> npt.NDArray[np.float64]: ...
    @property
    def estimate(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def offsets(self) -> npt.NDArray[np.int64]: ...
    @property
    def values(self) -> npt.NDArray[np.float64]: ...
    @property
    def size(self) -> npt.NDArray[np.float64]: ...

_FlowtimeLog = tuple[
    npt.NDArray[np.uint8],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
]

def flowtime_simulate(
    jobs: FlowtimeJobs,
    policy: str,
    machines: int = 1,
    *,
    beta: float | None = None,
    base: float | None = None,
    gamma: float | None = None,
    c: float | None = None,
    known_count: bool | None = None,
    remaining: bool | None = None,
    variant: str | None = None,
    event_log: bool = False,
    max_log_rows: int = 20_000_000,
    time_limit: float | None = None,
    threads: int | None = None,
) -> tuple[npt.NDArray[np.float64], int, bool, _FlowtimeLog | None]: ...
def flowtime_simulate_callback(
    jobs: FlowtimeJobs,
    callback: object,
    machines: int = 1,
    *,
    information: str = "revealed",
    known_count: bool = False,
    quantum: float | None = None,
    event_log: bool = False,
    max_log_rows: int = 20_000_000,
    time_limit: float | None = None,
) -> tuple[npt.NDArray[np.float64], int, bool, _FlowtimeLog | None]: ...
def flowtime_lower_bound(jobs: FlowtimeJobs, machines: int = 1, time_limit: float | None = None) -> float | None: ...

# --------------------------------------------------------------------------- packing

#: (name, summary, preemption) of the kube-scheduler methods.
PACKING_KUBE_METHODS: list[tuple[str, str, bool]]
#: (name, summary) of every bin-packing heuristic.
PACKING_HEURISTICS: list[tuple[str, str]]
#: Score plugins of the default profile, in the order of the weights.
PACKING_SCORE_PLUGINS: list[str]
#: Filter plugins in the order they run.
PACKING_FILTER_PLUGINS: list[str]

@final
class PackingCluster:
    def __new__(
        cls,
        node_cpu: npt.NDArray[np.int64],
        node_mem: npt.NDArray[np.int64],
        node_pods: npt.NDArray[np.int64],
        pod_cpu: npt.NDArray[np.int64],
        pod_mem: npt.NDArray[np.int64],
        pod_priority: npt.NDArray[np.int64],
        pod_node: npt.NDArray[np.int64],
        cons: dict[str, Any] | None = None,
    ) -> Self: ...

def packing_kube(
    cluster: PackingCluster, options: dict[str, Any]
) -> tuple[npt.NDArray[np.int64], list[tuple[int, int, list[int]]], list[tuple[int, int]]]: ...
def packing_explain(
    cluster: PackingCluster,
    assignment: npt.NDArray[np.int64],
    pod: int,
    options: dict[str, Any],
    score_all: bool = False,
) -> tuple[list[int], list[str], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def packing_pending_messages(
    cluster: PackingCluster, assignment: npt.NDArray[np.int64], options: dict[str, Any]
) -> list[str]: ...
def packing_heuristic(
    cluster: PackingCluster,
    method: str,
    *,
    size: str = "sum",
    weights: str = "average",
    repack: bool = False,
    protected: list[bool] | None = None,
) -> tuple[npt.NDArray[np.int64], list[tuple[int, int]]]: ...
def packing_vmr_greedy(
    cluster: PackingCluster, probe_cpu: int, k: int, frozen: list[bool] | None = None
) -> tuple[npt.NDArray[np.int64], list[tuple[int, int, int]]]: ...
def packing_fragment_rate(cluster: PackingCluster, assignment: npt.NDArray[np.int64], probe_cpu: int) -> float: ...
def packing_kube_scores(
    strategy: str, shape: list[tuple[int, int]] | None, req: tuple[int, int], alloc: tuple[int, int]
) -> tuple[int, int]: ...
