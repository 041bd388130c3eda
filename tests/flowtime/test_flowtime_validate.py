"""schedkit.flowtime: the independent schedule checker catches broken schedules, through
Result.validate() and called directly on plain arrays."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from schedkit.exceptions import ValidationError
from schedkit.flowtime import Jobs, simulate


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
