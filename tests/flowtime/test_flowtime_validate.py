"""schedkit.flowtime: the independent schedule checker catches broken schedules, through
Result.validate() and called directly on plain arrays."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from schedkit.exceptions import ValidationError
from schedkit.flowtime import Jobs, simulate
from schedkit.flowtime._validate import check_schedule


def test_validator_catches_broken_schedules():
    jobs = Jobs([0, 0], [[1, 2], [3]])
    r = simulate(jobs, policy="op_srpt", event_log=True).validate()
    with pytest.raises(ValidationError, match="before release"):
        replace(r, completion=np.array([0.5, 6.0])).validate()
    log = r.event_log.to_pydict()
    # Reveal operation 1 of job 0 before operation 0 completed: an information leak.
    i = [k for k in range(len(log["kind"])) if log["kind"][k] == "reveal" and log["op"][k] == 1][0]
    leaked = dict(log)
    leaked["time"] = list(log["time"])
    leaked["end"] = list(log["end"])
    leaked["time"][i] = leaked["end"][i] = 0.5
    kinds = pa.array(leaked.pop("kind")).dictionary_encode()
    table = pa.table(
        {**{k: leaked[k] for k in ("time", "end")}, "kind": kinds, **{k: leaked[k] for k in ("job", "op", "value")}}
    )
    with pytest.raises(ValidationError, match="information"):
        replace(r, event_log=table).validate()
    # An idle gap: shift job 1's run later.
    idle = Jobs([0], [1])
    r1 = simulate(idle, policy="srpt", event_log=True)
    t = r1.event_log.to_pydict()
    t["time"] = [x + 0.5 if k == "run" else x for x, k in zip(t["time"], t["kind"], strict=True)]
    t["end"] = [x + 0.5 if k == "run" else x for x, k in zip(t["end"], t["kind"], strict=True)]
    t["kind"] = pa.array(t["kind"]).dictionary_encode()
    with pytest.raises(ValidationError):
        replace(r1, event_log=pa.table(t)).validate()


def test_validator_takes_plain_arrays():
    # release, offsets, values, completion: job 0 = [1, 2] at 0, job 1 = [3] at 0, on one machine.
    release, offsets, values = np.array([0.0, 0.0]), np.array([0, 2, 3]), np.array([1.0, 2.0, 3.0])
    check_schedule(release, offsets, values, np.array([3.0, 6.0]), machines=1, finished=True)
    check_schedule(release, offsets, values, np.array([3.0, 3.0]), machines=2, finished=True)
    check_schedule(release, offsets, values, np.array([3.0, np.nan]), machines=1, finished=False)
    with pytest.raises(ValidationError, match=r"flowtime mine: job 1 completes at 2\.0 before release"):
        check_schedule(release, offsets, values, np.array([3.0, 2.0]), machines=1, finished=True, label="mine")
    with pytest.raises(ValidationError, match="busy-period end"):
        check_schedule(release, offsets, values, np.array([3.0, 7.0]), machines=1, finished=True)
    with pytest.raises(ValidationError, match="no completion"):
        check_schedule(release, offsets, values, np.array([3.0, np.nan]), machines=1, finished=True)
    with pytest.raises(ValidationError, match="offsets"):
        check_schedule(release, np.array([0, 2]), values, np.array([3.0, 6.0]), machines=1, finished=True)
    with pytest.raises(ValidationError, match="shape"):
        check_schedule(release, offsets, values, np.array([3.0]), machines=1, finished=True)
    # The event log as plain columns, kind as names: what Result.validate() passes.
    r = simulate(Jobs(release, (offsets, values)), policy="op_srpt", event_log=True)
    log = {k: np.asarray(v, dtype=object if k == "kind" else None) for k, v in r.event_log.to_pydict().items()}
    check_schedule(release, offsets, values, r.completion, machines=1, finished=True, log=log)
    with pytest.raises(ValidationError, match="lacks the columns"):
        check_schedule(release, offsets, values, r.completion, machines=1, finished=True, log={"time": log["time"]})
    early = dict(log, time=np.where(log["kind"] == "complete", log["time"] - 0.5, log["time"]))
    with pytest.raises(ValidationError, match="complete rows"):
        check_schedule(release, offsets, values, r.completion, machines=1, finished=True, log=early)


def test_validate_reads_a_log_without_dictionary_encoding():
    r = simulate(Jobs([0, 0], [[1, 2], [3]]), policy="rr", event_log=True)
    plain = r.event_log.set_column(2, "kind", r.event_log.column("kind").cast(pa.string()))
    assert replace(r, event_log=plain).validate() is not None
