"""Spark FAIR pools as Spark users configure them (fairscheduler.xml, or the same keys in a
mapping), and jobs assigned to pools as Spark assigns them.

The expected schedules are worked out by hand from Spark's FairSchedulingAlgorithm (Spark's
SchedulingAlgorithm.scala): a pool running fewer tasks than its minShare ("needy") comes
before one that is not; two needy pools compare by runningTasks / max(minShare, 1), two
others by runningTasks / weight; ties go to the smaller name. Inside a FIFO pool jobs go in
submission order; inside a FAIR pool the stages (weight 1, minShare 0) by running tasks.
Each completion is one offer round handing out the one freed core.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError


def unit_jobs(spec, pool=None):
    """Jobs at t=0 in the order given: (job id, user, tasks of 1 s each)."""
    rows = [(j, u) for j, u, k in spec for _ in range(k)]
    t = sk.trace.from_jobs([r[0] for r in rows], [r[1] for r in rows], [0.0] * len(rows), [1.0] * len(rows))
    if pool is not None:
        by_job = dict(zip([j for j, _, _ in spec], pool))
        t = t.append_column("pool", pa.array([by_job[r[0]] for r in rows], pa.string()))
    return t


def finishes(r):
    return dict(zip(r.jobs.column("job_id").to_pylist(), r.jobs.column("finish_time").to_pylist()))


def starts_at(r, t):
    tasks = r.tasks.to_pydict()
    return sorted(j for j, s in zip(tasks["job_id"], tasks["start"]) if s == t)


def fair(trace, **kw):
    return sk.fair.replay(trace, policy="fair", record_tasks=True, **kw).validate()


# --------------------------------------------------------------------------- Spark's order


def test_needy_pool_goes_first():
    # 1 core. Job 0 (user d, pool dev, 3 tasks) then job 1 (user p, pool prod, 2 tasks), both
    # at t=0; job 0 takes the core. At t=1 prod runs 0 < minShare 1: needy, so it goes before
    # dev (not needy: 0 < 0 is false): prod's tasks run 1-3, dev's 3-5.
    t = unit_jobs([(0, "d", 3), (1, "p", 2)])
    pools = {"d": "dev", "p": "prod"}
    cfg = {"prod": {"minShare": 1}, "dev": {}}
    assert finishes(fair(t, cores=1, pools=pools, pool_config=cfg)) == {0: 5.0, 1: 3.0}
    # Without the minShare both run 0 tasks: the tie goes to the smaller name, dev.
    assert finishes(fair(t, cores=1, pools=pools, pool_config={"prod": {}, "dev": {}})) == {0: 3.0, 1: 5.0}


def test_two_needy_pools_compare_running_over_min_share():
    # 3 cores, job 0 in pool x (minShare 2) takes all three at t=0, job 1 in pool y
    # (minShare 4) waits. At t=1, one freed core per completion:
    #   1st: x runs 2 (not needy), y 0 (needy) -> y
    #   2nd: x 1/2 = 0.5, y 1/4 = 0.25, both needy -> y
    #   3rd: x 0/2 = 0, y 2/4 = 0.5 -> x
    # so y starts 2 tasks and x 1. Without minShares: y, then x (1 vs 1, tie -> name x), x.
    t = unit_jobs([(0, "ux", 6), (1, "uy", 6)], pool=["x", "y"])
    needy = fair(t, cores=3, pool_config={"x": {"minShare": 2}, "y": {"minShare": 4}})
    assert starts_at(needy, 1.0) == [0, 1, 1]
    plain = fair(t, cores=3, pool_config={"x": {}, "y": {}})
    assert starts_at(plain, 1.0) == [0, 0, 1]


def test_weights_share_the_cores():
    # 3 cores, pools a (weight 2) and b (weight 1), minShare 0. Job 0 (pool a) takes all
    # cores at t=0. At t=1: 1st completion a 2/2 = 1 vs b 0 -> b; 2nd a 1/2 vs b 1/1 -> a;
    # 3rd a 1/2 vs b 1 -> a: a runs 2 tasks, b 1, the 2:1 of the weights.
    t = unit_jobs([(0, "ua", 9), (1, "ub", 9)], pool=["a", "b"])
    r = fair(t, cores=3, pool_config={"a": {"weight": 2, "schedulingMode": "FAIR"}, "b": {"weight": 1}})
    assert starts_at(r, 1.0) == [0, 0, 1]
    # swapped weights: 1st a 2/1 vs b 0 -> b; 2nd a 1/1 vs b 1/2 -> b; 3rd a 0 vs b 2/2 -> a
    r2 = fair(t, cores=3, pool_config={"a": {"weight": 1}, "b": {"weight": 2}})
    assert starts_at(r2, 1.0) == [0, 1, 1]


@pytest.mark.parametrize(("mode", "expected"), [("FIFO", {0: 2.0, 1: 4.0}), ("FAIR", {0: 3.0, 1: 4.0})])
def test_fifo_or_fair_inside_a_pool(mode, expected):
    # 2 cores, one pool p holding job 0 and job 1 (4 tasks each, both at t=0); job 0 takes
    # both cores first. FIFO inside: job 0 keeps priority, ends at 2, job 1 at 4. FAIR
    # inside: at t=1 the 1st freed core goes to job 1 (0 running < 1), the 2nd to job 0
    # (0 < 1); at t=2 the same: job 0's tasks start at 0, 0, 1, 2 (ends 3), job 1's at 1, 2,
    # 3, 3 (ends 4).
    t = unit_jobs([(0, "u", 4), (1, "v", 4)], pool=["p", "p"])
    r = fair(t, cores=2, pool_config={"p": {"schedulingMode": mode.lower()}})
    assert finishes(r) == expected


# --------------------------------------------------------------------------- assignment


def test_pool_column_then_user_then_default():
    # The needy case of test_needy_pool_goes_first, with prod named three ways: the pool
    # column; a null cell falling back to the user's pool; and the configured `default`
    # pool for a job with neither.
    t = unit_jobs([(0, "d", 3), (1, "p", 2)], pool=["dev", "prod"])
    cfg = {"prod": {"minShare": 1}, "dev": {}}
    assert finishes(fair(t, cores=1, pool_config=cfg)) == {0: 5.0, 1: 3.0}
    nulled = unit_jobs([(0, "d", 3), (1, "p", 2)], pool=["dev", None])
    assert finishes(fair(nulled, cores=1, pools={"p": "prod"}, pool_config=cfg)) == {0: 5.0, 1: 3.0}
    # job 1 in `default` (configured with minShare 1), job 0 in dev
    dflt = {"default": {"minShare": 1}, "dev": {}}
    assert finishes(fair(nulled, cores=1, pool_config=dflt)) == {0: 5.0, 1: 3.0}
    # the column wins over the user's pool
    assert finishes(fair(t, cores=1, pools={"p": "dev"}, pool_config=cfg)) == {0: 5.0, 1: 3.0}


def test_unconfigured_pools_take_sparks_defaults():
    # No pool_config: a named pool is made as Spark makes one (weight 1, minShare 0, FIFO),
    # so two such pools tie at 0 running and the smaller name wins.
    t = unit_jobs([(0, "d", 3), (1, "p", 2)], pool=["zeta", "alpha"])
    assert finishes(fair(t, cores=1)) == {0: 5.0, 1: 3.0}


def test_allocation_file_equals_the_mapping(tmp_path):
    xml = tmp_path / "fairscheduler.xml"
    xml.write_text(
        '<?xml version="1.0"?>\n<allocations>\n'
        '  <pool name="x"><schedulingMode>fair</schedulingMode><minShare>2</minShare></pool>\n'
        '  <pool name="y"><weight>1</weight><minShare>4</minShare></pool>\n'
        "</allocations>\n"
    )
    assert sk.fair.read_pool_file(xml) == {
        "x": {"schedulingMode": "FAIR", "weight": 1, "minShare": 2},
        "y": {"schedulingMode": "FIFO", "weight": 1, "minShare": 4},
    }
    t = unit_jobs([(0, "ux", 6), (1, "uy", 6)], pool=["x", "y"])
    from_file = fair(t, cores=3, pool_config=str(xml))
    from_map = fair(t, cores=3, pool_config=sk.fair.read_pool_file(xml))
    assert from_file.jobs.equals(from_map.jobs)
    assert starts_at(from_file, 1.0) == [0, 1, 1]


def test_issue_example_no_longer_fails():
    # issue 13: Spark's own keys in a pool_config mapping failed with KeyError: 0
    t = unit_jobs([(0, "a", 2), (1, "b", 2)])
    r = sk.fair.replay(
        t,
        policy="FAIR",
        cores=2,
        pools={"a": "prod"},
        pool_config={"prod": {"weight": 3, "minShare": 8, "schedulingMode": "FAIR"}},
    )
    assert r.jobs.num_rows == 2


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("cfg", "match"),
    [
        ({"p": {"minshare": 1}}, "unknown property 'minshare' \\(did you mean 'minShare'\\?\\)"),
        ({"p": {"weight": 0}}, "weight must be a number >= 1"),
        ({"p": {"minShare": -1}}, "minShare must be a number >= 0"),
        ({"p": {"minShare": float("nan")}}, "minShare must be a number"),
        ({"p": {"weight": float("inf")}}, "weight must be finite"),
        ({"p": {"schedulingMode": "LIFO"}}, "schedulingMode must be FIFO or FAIR"),
        ({"p": "fast"}, "a pool is"),
        (42, "pool_config must be a fairscheduler.xml path or a mapping"),
    ],
)
def test_bad_pool_config_is_an_error(cfg, match):
    t = unit_jobs([(0, "a", 1)])
    with pytest.raises(InvalidInstanceError, match=match):
        sk.fair.replay(t, policy="fair", pool_config=cfg)


def test_unknown_pools_are_errors_naming_who_named_them():
    cfg = {"prod": {}}
    t = unit_jobs([(0, "a", 1), (1, "b", 1)], pool=["prod", "prdo"])
    with pytest.raises(InvalidInstanceError, match="pool column, value 'prdo': pool \"prdo\" is not configured"):
        sk.fair.replay(t, policy="fair", pool_config=cfg)
    with pytest.raises(InvalidInstanceError, match='user "b": pool "dev" is not configured'):
        sk.fair.replay(unit_jobs([(0, "a", 1), (1, "b", 1)]), policy="fair", pools={"b": "dev"}, pool_config=cfg)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("<allocations><pool name='a'><weight>1.5</weight></pool></allocations>", "weight must be an integer"),
        ("<allocations><pool name='a'><minShare>x</minShare></pool></allocations>", "minShare must be an integer"),
        ("<allocations><pool name='a'><maxShare>1</maxShare></pool></allocations>", "unknown property <maxShare>"),
        ("<allocations><pool><weight>1</weight></pool></allocations>", "without a name"),
        ("<allocations><pool name='a'/><pool name='a'/></allocations>", "listed twice"),
        ("<pools><pool name='a'/></pools>", "root element must be <allocations>"),
        ("<allocations><pool name='a'>\n<weight>1</weight>\n</allocations>", "line 3"),
    ],
)
def test_bad_allocation_file_is_an_error(tmp_path, text, match):
    p = tmp_path / "fairscheduler.xml"
    p.write_text(text)
    with pytest.raises(InvalidInstanceError, match=match):
        sk.fair.read_pool_file(p)
