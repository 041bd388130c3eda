"""Spark's FAIR tie by task-set name (:class:`SparkOverheads` ``fair_name_ties``), for a
prepared workload run as Spark jobs under ``policy="fair"`` with the ``default`` pool FAIR
inside (``fair_default_pool``), or under ``policy="ujf"``.

Spark's ``FairSchedulingAlgorithm`` orders the task sets of a FAIR pool by running tasks and,
when those are equal, by name: ``"TaskSet_<stage id>.<attempt>"`` compared as a string, so
stage 100 sorts before stage 32 and stage 320 after it. The engine breaks the same ties in
submission order unless each job carries a tie rank (the engine's ``job_tie``, compared before
submission order between the stages of a pool FAIR inside), so each Spark job carries its
name's rank in string order (:func:`name_ranks`) and stays in its pool: the ``default`` pool,
FAIR inside, under ``fair``; under ``ujf`` (the authors' ``UserFairScheduler``: a FAIR pool
per user under Spark's FAIR root, ``Pool(user, FAIR, 0, 1)``) its user's.

A stage's id is taken when its Spark job is submitted, which the run itself decides: the run
is repeated with the names the previous run's submission order gives, until the names repeat
(then the last run's names are its own stage ids). The ids count every Spark stage a Loop
query has (the listing, the schema inference, the scan's map stage and adaptive execution's
result stage) whether or not the model runs it as a job of its own, from
:data:`WARMUP_STAGES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from schedkit.exceptions import InternalError

#: The Spark stages of one Loop query, in the order their ids are taken.
LISTING, SCHEMA, MAP, RESULT = range(4)

#: Stage ids used before the measured jobs: the authors' warm-up runs each of the four Loop
#: classes twice, one query after the other (``configs/base_DAS5_config.json``), and a Loop
#: query has four stages (listing, schema, map, result): 8 x 4.
WARMUP_STAGES = 32

#: Runs after which a run whose names have not repeated is an error.
MAX_ROUNDS = 50


def stage_ids(pattern: Sequence[int], submit: np.ndarray, finish: np.ndarray, first: int = WARMUP_STAGES) -> np.ndarray:
    """The stage id naming each engine row of a run: Spark's stage ids in the order the stages
    are submitted, from ``first``.

    Parameters
    ----------
    pattern
        The kinds (:data:`LISTING`, :data:`SCHEMA`, :data:`MAP`, :data:`RESULT`, in that
        order, :data:`MAP` always) of one Spark job's engine rows; the rows repeat it.
    submit, finish
        Each row's submission and end.
    first
        The first id.

    A row takes the id of the stage it runs, when it is submitted. A stage the model does not
    run as a row of its own still takes an id: the listing and the schema when the map row is
    submitted (just before it), the result when the map row ends. Equal times go by row,
    then by stage kind.

    Examples
    --------
    >>> import numpy as np
    >>> from schedkit.fair._name_ties import LISTING, MAP, stage_ids
    >>> # two Spark jobs, each a listing row then a map row; job 1's listing ends before job 0's
    >>> stage_ids([LISTING, MAP], np.array([0.0, 2.0, 0.0, 1.0]), np.array([2.0, 5.0, 1.0, 3.0]))
    array([32, 37, 33, 35])
    """
    per = len(pattern)
    if per == 0 or len(submit) % per or MAP not in pattern:
        raise InternalError(f"stage_ids: a pattern with the map stage that tiles the rows, got {list(pattern)}")
    events: list[tuple[float, int, int, bool]] = []  # (time, row, kind, names the row)
    for i in range(len(submit)):
        kind = pattern[i % per]
        if kind != MAP:
            events.append((float(submit[i]), i, kind, True))
            continue
        for k in (LISTING, SCHEMA):
            if k not in pattern:
                events.append((float(submit[i]), i, k, False))
        events.append((float(submit[i]), i, MAP, True))
        if RESULT not in pattern:
            events.append((float(finish[i]), i, RESULT, False))
    events.sort()
    ids = np.empty(len(submit), dtype=np.int64)
    for n, (_, i, _, names) in enumerate(events):
        if names:
            ids[i] = first + n
    return ids


def pool_names(ids: np.ndarray) -> list[str]:
    """Spark's task-set names of stages ``ids`` (first attempts).

    Examples
    --------
    >>> import numpy as np
    >>> sorted(pool_names(np.array([32, 100, 9])))
    ['TaskSet_100.0', 'TaskSet_32.0', 'TaskSet_9.0']
    """
    return [f"TaskSet_{int(i)}.0" for i in ids]


def name_ranks(names: Sequence[str]) -> np.ndarray:
    """Each name's place in string order (0 first; equal names share a place): the engine's
    ``job_tie``, which compares integers where Spark compares the task sets' names.

    Examples
    --------
    >>> name_ranks(["TaskSet_32.0", "TaskSet_100.0", "TaskSet_33.0", "TaskSet_100.0"])
    array([1, 0, 2, 0])
    """
    order = sorted(set(names))
    place = {name: i for i, name in enumerate(order)}
    return np.fromiter((place[x] for x in names), dtype=np.int64, count=len(names))


def run_to_fixed_point(
    run: Callable[[list[str]], Any],
    times: Callable[[Any], tuple[np.ndarray, np.ndarray]],
    pattern: Sequence[int],
    n: int,
    first: int = WARMUP_STAGES,
) -> Any:
    """Runs ``run(names)`` (each engine row in the pool ``names[row]``) until the stage ids
    that the run's own ``times(result)`` (submit, finish per row) give are the ones it ran
    with, and returns that run's result. The first run takes the rows' order.

    Raises
    ------
    InternalError
        The names did not repeat within :data:`MAX_ROUNDS` runs.
    """
    t = np.arange(n, dtype=np.float64)  # the first run: rows submitted in order
    ids = stage_ids(pattern, t, t + 0.5, first)
    for _ in range(MAX_ROUNDS):
        result = run(pool_names(ids))
        submit, finish = times(result)
        new = stage_ids(pattern, submit, finish, first)
        if np.array_equal(new, ids):
            return result
        ids = new
    raise InternalError(f"overheads.fair_name_ties: the stages' submission order did not settle in {MAX_ROUNDS} runs")
