"""A SimPy model of the Spark FIFO / UJF cluster of ``ref_fair.py``: the way a Python user
would write this simulation with SimPy (https://simpy.readthedocs.io). Needs ``simpy``
(``pip install simpy``), which only this benchmark reference uses, not schedkit.

    simulate(policy, cores, user, submit, offsets, durations) -> list[float]

has exactly the signature and semantics of ``ref_fair.simulate`` (finish time per job; jobs in
(submit, id) order; job j's tasks are ``durations[offsets[j]:offsets[j + 1]]``, run in order),
and returns identical finish times.

The model: an ``Environment``; one *arrival* process that waits until each job's submit time
and reports the arrival; one process per running task (``yield env.timeout(duration)``) that
reports its completion; and one *scheduler* process that owns the cluster state (free cores,
ready jobs, running tasks per job and per user) and, after each reported event, runs one offer
round: it sorts the ready jobs once (FIFO: arrival order; UJF: users by running tasks, ties by
user index, then that user's jobs by running tasks, ties by arrival order) and fills the free
cores greedily, starting one task process per task it launches. Cores are a plain counter, not a
``simpy.Resource``: a Resource serves its queue in request order (PriorityResource by a priority
fixed at request time), while UJF's order changes with every launch and completion.

Same-time events (ties). ``ref_fair`` handles one event per offer round: at equal times all
task completions come before the job arrival, completions in (time, job index) order, arrivals
in job order, and a completion created at time t by a round at t (a zero-length task) still
comes before an arrival at t. SimPy by itself would process simultaneous events in the order
they were scheduled (event id), which is not that order, and would let a task process update
the cluster before another simultaneous completion's round. So the task and arrival processes
do not touch the cluster: they only post (kind, job) into the scheduler's mailbox (a heap:
completions, kind 0, before arrivals, kind 1, each by job index) and wake the scheduler if it
sleeps. The scheduler takes an event from the mailbox only at the end of the instant: while
``env.peek() == env.now`` (something else is due now: another task's timeout, a just-started
task process, the next arrival at the same time) it yields ``env.timeout(0)``, which lets those
run first. It then handles the smallest mailbox entry alone (frees its core, or queues the job),
runs its offer round, and settles again before the next entry, so each completion or arrival
gets its own round, in ref_fair's order, zero-length tasks included. With continuous random
times ties have probability 0 and the settling costs nothing (peek is already in the future);
the tests also check exact agreement on integer times full of ties and with zero durations.

Times are exact, not just close: a task started at t ends at ``env.now + d`` = ``t + d``, the
same float ref_fair computes, and the arrival process's delay is chosen so that
``env.now + delay`` lands exactly on the submit time (``submit - now`` nearly always does; a
one-ulp correction covers the rare rounding case).
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappop, heappush

import simpy

COMPLETION, ARRIVAL = 0, 1


def _delay_to(now: float, t: float) -> float:
    """A delay d >= 0 with ``now + d == t`` in floating point (SimPy schedules at now + delay)."""
    d = t - now
    while now + d < t:
        d = math.nextafter(d, math.inf)
    while d > 0 and now + d > t:
        d = math.nextafter(d, 0.0)
    return d


class Cluster:
    """C identical cores shared by the jobs of several users under FIFO or UJF."""

    def __init__(
        self,
        env: simpy.Environment,
        policy: str,
        cores: int,
        user: list[int],
        submit: list[float],
        offsets: list[int],
        durations: list[float],
    ):
        if policy not in ("fifo", "ujf"):
            raise ValueError(f"policy must be 'fifo' or 'ujf', not {policy!r}")
        self.env = env
        self.policy = policy
        self.user, self.submit, self.offsets, self.durations = user, submit, offsets, durations
        n = len(user)
        self.n = n
        self.free = cores
        self.finish = [0.0] * n
        self.next_task = list(offsets[:n])  # next task to launch, per job
        self.left = [offsets[j + 1] - offsets[j] for j in range(n)]  # tasks not yet finished
        self.running = [0] * n
        self.done = 0
        n_users = max(user) + 1 if user else 0
        self.u_running = [0] * n_users
        self.fifo: deque[int] = deque()  # FIFO: ready jobs in arrival order
        self.u_ready: list[list[int]] = [[] for _ in range(n_users)]  # UJF: per user, arrival order
        self.mailbox: list[tuple[int, int]] = []  # events at env.now not yet handled
        self.wake: simpy.Event | None = None  # set while the scheduler sleeps on an empty mailbox

    # ------------------------------------------------------------------ processes

    def arrivals(self):
        env = self.env
        for j, t in enumerate(self.submit):
            yield env.timeout(_delay_to(env.now, t))
            self.post(ARRIVAL, j)

    def task(self, j: int, duration: float):
        yield self.env.timeout(duration)
        self.post(COMPLETION, j)

    def scheduler(self):
        env = self.env
        mailbox = self.mailbox
        while self.done < self.n:
            if not mailbox:
                self.wake = env.event()
                yield self.wake
                self.wake = None
            # end of the instant: let everything else due now run (and post) first
            while env.peek() <= env.now:
                yield env.timeout(0)
            kind, j = heappop(mailbox)
            if kind == COMPLETION:
                self.free += 1
                self.running[j] -= 1
                self.u_running[self.user[j]] -= 1
                self.left[j] -= 1
                if self.left[j] == 0:
                    self.finish[j] = env.now
                    self.done += 1
            elif self.policy == "fifo":
                self.fifo.append(j)
            else:
                self.u_ready[self.user[j]].append(j)
            if self.free:
                self.offer()

    # ------------------------------------------------------------------ scheduling

    def post(self, kind: int, j: int) -> None:
        heappush(self.mailbox, (kind, j))
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()

    def launch(self, j: int, k: int) -> None:
        env, dur = self.env, self.durations
        t0 = self.next_task[j]
        for i in range(t0, t0 + k):
            env.process(self.task(j, dur[i]))
        self.next_task[j] = t0 + k
        self.running[j] += k
        self.u_running[self.user[j]] += k

    def offer(self) -> None:
        """One offer round: sort the ready jobs once, fill the free cores in that order."""
        offsets, next_task = self.offsets, self.next_task
        if self.policy == "fifo":
            fifo = self.fifo
            while self.free and fifo:
                j = fifo[0]
                k = min(self.free, offsets[j + 1] - next_task[j])
                self.launch(j, k)
                self.free -= k
                if next_task[j] == offsets[j + 1]:
                    fifo.popleft()
            return
        running, u_running, u_ready = self.running, self.u_running, self.u_ready
        users = sorted((u for u in range(len(u_ready)) if u_ready[u]), key=lambda u: (u_running[u], u))
        plan = []  # the order is fixed before anything launches
        free = self.free
        for u in users:
            if not free:
                break
            for j in sorted(u_ready[u], key=lambda j: (running[j], j)):
                if not free:
                    break
                k = min(free, offsets[j + 1] - next_task[j])
                free -= k
                plan.append((u, j, k))
        self.free = free
        for u, j, k in plan:
            self.launch(j, k)
            if next_task[j] == offsets[j + 1]:
                u_ready[u].remove(j)


def simulate(
    policy: str, cores: int, user: list[int], submit: list[float], offsets: list[int], durations: list[float]
) -> list[float]:
    """Finish time of each job; jobs must be given in (submit, id) order."""
    env = simpy.Environment()
    cluster = Cluster(env, policy, cores, list(user), list(submit), list(offsets), list(durations))
    if cluster.n == 0:
        return []
    env.process(cluster.arrivals())
    env.process(cluster.scheduler())
    env.run()
    return cluster.finish
