"""Pure-Python SRPT simulators on one machine (heapq), the references bench_flowtime.py times
schedkit against and checks it agrees with.

- :func:`srpt`: the straightforward one. Every alive job, the running one included, sits in
  a heap keyed by (remaining size, release rank); the top runs; at a release the top's
  remaining size is updated (``heapreplace``) and the new job pushed; at a completion the
  top is popped.
- :func:`srpt_lean`: an optimised variant for context: the running job is kept out of the
  heap, which is touched only when a job waits or is preempted.

Ties go to the earlier release, then the lower id, as schedkit breaks them.
"""

from __future__ import annotations

import heapq
import math


def srpt(release: list[float], size: list[float]) -> tuple[list[float], int]:
    """Completion time of each job under preemptive SRPT on one machine, and the number of
    events (loop iterations: idle jumps, releases, completions)."""
    n = len(release)
    order = sorted(range(n), key=lambda j: (release[j], j))
    completion = [math.nan] * n
    queue: list[tuple[float, int, int]] = []  # (remaining, release rank, job)
    t = 0.0
    i = 0
    events = 0
    while i < n or queue:
        events += 1
        if not queue:  # idle: jump to the next release
            t = max(t, release[order[i]])
        while i < n and release[order[i]] <= t:  # admit the releases due now
            j = order[i]
            heapq.heappush(queue, (size[j], i, j))
            i += 1
        remaining, rank, j = queue[0]  # SRPT runs the top
        next_release = release[order[i]] if i < n else math.inf
        if t + remaining <= next_release:  # it completes before the next release
            heapq.heappop(queue)
            t += remaining
            completion[j] = t
        else:  # it runs until the next release
            heapq.heapreplace(queue, (remaining - (next_release - t), rank, j))
            t = next_release
    return completion, events


def srpt_lean(release: list[float], size: list[float]) -> tuple[list[float], int]:
    """As :func:`srpt`, with the running job kept outside the heap."""
    n = len(release)
    order = sorted(range(n), key=lambda j: (release[j], j))
    completion = [math.nan] * n
    heap: list[tuple[float, int, int]] = []
    t = 0.0
    i = 0
    events = 0
    current: tuple[float, int, int] | None = None
    while i < n or heap or current is not None:
        if current is None:
            if heap:
                current = heapq.heappop(heap)
                continue
            t = max(t, release[order[i]])
            events += 1
            while i < n and release[order[i]] <= t:
                j = order[i]
                heapq.heappush(heap, (size[j], i, j))
                i += 1
            continue
        remaining, rank, j = current
        next_release = release[order[i]] if i < n else math.inf
        if remaining <= next_release - t:
            t += remaining
            completion[j] = t
            current = None
            events += 1
            if t == next_release:
                while i < n and release[order[i]] <= t:
                    k = order[i]
                    heapq.heappush(heap, (size[k], i, k))
                    i += 1
            continue
        remaining -= next_release - t
        t = next_release
        events += 1
        while i < n and release[order[i]] <= t:
            k = order[i]
            heapq.heappush(heap, (size[k], i, k))
            i += 1
        current = (remaining, rank, j)
        if heap and heap[0] < current:
            current = heapq.heapreplace(heap, current)
    return completion, events


def total_flow_time(release: list[float], completion: list[float]) -> float:
    return math.fsum(c - r for c, r in zip(completion, release, strict=True))
