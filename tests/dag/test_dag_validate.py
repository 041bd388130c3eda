"""schedkit.dag's independent validator: broken schedules are rejected, naming the rule."""

from __future__ import annotations

import numpy as np
import pytest
from dag_cases import known

from schedkit import dag
from schedkit.dag._validate import check_schedule
from schedkit.exceptions import ValidationError


def test_validator_rejects_broken_schedules():
    _doc, g, plat = known("topcuoglu2002")
    s = dag.heft(g, plat)

    def broken(**change):
        fields = {"processor": s.processor.copy(), "start": s.start.copy(), "finish": s.finish.copy()}
        for key, fn in change.items():
            fn(fields[key])
        return fields

    cases = {
        "starts at": broken(start=lambda a: a.__setitem__(9, a[9] - 1), finish=lambda a: a.__setitem__(9, a[9] - 1)),
        "duration": broken(finish=lambda a: a.__setitem__(0, a[0] + 1)),
        "overlap": broken(start=lambda a: a.__setitem__(4, 20.0), finish=lambda a: a.__setitem__(4, 30.0)),
        "processor": broken(processor=lambda a: a.__setitem__(0, 7)),
    }
    for expected, f in cases.items():
        with pytest.raises(ValidationError, match=expected):
            check_schedule(
                num_tasks=10,
                src=g.src,
                dst=g.dst,
                data=g.data,
                cost=plat.cost,
                bandwidth=plat.bandwidth,
                latency=plat.latency,
                **f,
            )
    with pytest.raises(ValidationError, match="makespan"):
        dag.Schedule(g, plat, "x", s.processor, s.start, s.finish, s.order, makespan=79.0).validate()
    with pytest.raises(ValidationError, match="release"):
        dag.Schedule(g, plat, "x", s.processor, s.start, s.finish, s.order, 80.0, release=np.full(10, 1.0)).validate()
