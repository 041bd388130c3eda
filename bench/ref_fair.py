"""A straightforward pure-Python (heapq) cluster simulator of Spark FIFO and UJF, the reference
bench_fair.py times schedkit.fair against and checks it agrees with.

Same model as schedkit.fair: C identical cores, jobs of non-preemptive tasks run in order,
one event per offer round (a task completion, completions first at equal times, else one job
arrival), then the schedulable jobs are sorted once and free cores filled in that order.
FIFO: arrival order. UJF: users by running tasks (ties: user index), then the user's jobs by
running tasks (ties: arrival order).
"""

from __future__ import annotations

import heapq
from collections import deque


def simulate(
    policy: str, cores: int, user: list[int], submit: list[float], offsets: list[int], durations: list[float]
) -> list[float]:
    """Finish time of each job; jobs must be given in (submit, id) order."""
    n = len(user)
    finish = [0.0] * n
    nxt = [offsets[j] for j in range(n)]
    running = [0] * n
    left = [offsets[j + 1] - offsets[j] for j in range(n)]
    comp: list[tuple[float, int]] = []
    free = cores
    i = 0
    done = 0
    fifo: deque[int] = deque()
    n_users = max(user) + 1 if user else 0
    u_running = [0] * n_users
    u_ready: list[list[int]] = [[] for _ in range(n_users)]  # ready jobs per user (arrival order)
    while done < n:
        ta = submit[i] if i < n else float("inf")
        tc = comp[0][0] if comp else float("inf")
        if tc <= ta:
            t, j = heapq.heappop(comp)
            free += 1
            running[j] -= 1
            left[j] -= 1
            u_running[user[j]] -= 1
            if left[j] == 0:
                finish[j] = t
                done += 1
        else:
            t = ta
            j = i
            i += 1
            if policy == "fifo":
                fifo.append(j)
            else:
                u_ready[user[j]].append(j)
        if free == 0:
            continue
        if policy == "fifo":
            while free and fifo:
                j = fifo[0]
                k = min(free, offsets[j + 1] - nxt[j])
                for _ in range(k):
                    heapq.heappush(comp, (t + durations[nxt[j]], j))
                    nxt[j] += 1
                free -= k
                if nxt[j] == offsets[j + 1]:
                    fifo.popleft()
        else:
            users = sorted((u for u in range(n_users) if u_ready[u]), key=lambda u: (u_running[u], u))
            plan = []
            for u in users:
                if not free:
                    break
                for j in sorted(u_ready[u], key=lambda j: (running[j], j)):
                    if not free:
                        break
                    k = min(free, offsets[j + 1] - nxt[j])
                    free -= k
                    plan.append((u, j, k))
            for u, j, k in plan:
                for _ in range(k):
                    heapq.heappush(comp, (t + durations[nxt[j]], j))
                    nxt[j] += 1
                running[j] += k
                u_running[u] += k
                if nxt[j] == offsets[j + 1]:
                    u_ready[u].remove(j)
    return finish
