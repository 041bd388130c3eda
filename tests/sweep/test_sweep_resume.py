"""Output folders: one Parquet part per finished run, keyed by the run; a rerun computes only the
missing (and failed) runs and returns the same table as a fresh sweep; ``load`` reads the
folder back; progress reports reach the caller."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import schedkit as sk
from schedkit.exceptions import InvalidInstanceError

TRACE = "google2011_wta_500s_hetero.csv"


def _runs():
    return sk.sweep.grid(
        area="fair", trace=TRACE, policy=["fifo", "ujf", "uwfq"], partition=[False, True]
    ) + sk.sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=40, seed=[0, 1])


def _meta(t, key):
    return int(t.schema.metadata[f"schedkit.sweep.{key}".encode()])


def _same(a, b):
    return a.drop_columns(["wall_time_s"]).equals(b.drop_columns(["wall_time_s"]))


def test_rerun_computes_only_missing_runs(tmp_path, monkeypatch):
    runs = _runs()
    fresh = sk.sweep.run(runs, progress=False)
    out = tmp_path / "results"
    first = sk.sweep.run(runs[::2], out=out, progress=False)
    assert (_meta(first, "computed"), _meta(first, "reused")) == (5, 0)
    parts = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    assert sorted(parts) == sorted(f"{k}.parquet" for k in first.column("run").to_pylist())
    second = sk.sweep.run(runs, out=out, progress=False)
    assert (_meta(second, "computed"), _meta(second, "reused")) == (5, 5)
    assert _same(second, fresh)
    # the parts of the first sweep were read, not rewritten
    assert all(out.joinpath(name).stat().st_mtime_ns == ns for name, ns in parts.items())
    third = sk.sweep.run(runs, out=out, progress=False)
    assert (_meta(third, "computed"), _meta(third, "reused")) == (0, 10)
    assert _same(third, fresh)
    # wall times of reused runs are the recorded ones
    assert third.column("wall_time_s").equals(second.column("wall_time_s"))
    loaded = sk.sweep.load(out)
    assert _same(loaded, fresh)
    # a finished sweep starts no engine
    import schedkit.sweep._run as sweep_run

    def no_engine(*a, **k):
        raise AssertionError("an engine was started for a finished sweep")

    monkeypatch.setattr(sweep_run, "open_engine", no_engine)
    fourth = sk.sweep.run(runs, out=out, backend="Ray", progress=False)
    assert _meta(fourth, "computed") == 0 and fourth.schema.metadata[b"schedkit.sweep.backend"] == b'"ray"'
    assert _same(fourth, fresh)
    # each part is itself a readable one-row table in the sweep's layout
    one = pq.read_table(out / f"{fresh.column('run')[0].as_py()}.parquet")
    assert one.num_rows == 1 and one.column("policy").to_pylist() == ["fifo"]


def test_a_different_sweep_seed_is_a_different_run(tmp_path):
    runs = sk.sweep.grid(area="dag", algorithm="random", tasks=30)
    a = sk.sweep.run(runs, out=tmp_path, seed=0, progress=False)
    b = sk.sweep.run(runs, out=tmp_path, seed=1, progress=False)
    assert _meta(b, "computed") == 1 and a.column("run_seed") != b.column("run_seed")
    assert len(list(tmp_path.glob("*.parquet"))) == 2


def test_failed_runs_are_recorded_and_retried(tmp_path, monkeypatch):
    runs = sk.sweep.grid(area="dag", algorithm=["heft", "cpop"], tasks=30)
    real = sk.dag.schedule

    def flaky(g, plat, *, algorithm, **kw):
        if algorithm == "cpop":
            raise RuntimeError("worker lost")
        return real(g, plat, algorithm=algorithm, **kw)

    monkeypatch.setattr(sk.dag, "schedule", flaky)
    t = sk.sweep.run(runs, out=tmp_path, progress=False)
    assert t.column("error").to_pylist() == [None, "RuntimeError: worker lost"]
    assert sk.sweep.load(tmp_path).column("error").to_pylist() == [None, "RuntimeError: worker lost"]
    monkeypatch.setattr(sk.dag, "schedule", real)
    again = sk.sweep.run(runs, out=tmp_path, progress=False)
    assert (_meta(again, "computed"), _meta(again, "reused")) == (1, 1)
    assert again.column("error").null_count == 2
    assert _same(again, sk.sweep.run(runs, progress=False))


def test_bad_output_folders_are_named(tmp_path):
    runs = sk.sweep.grid(area="dag", algorithm="heft", tasks=10)
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    with pytest.raises(InvalidInstanceError, match="is a file, not a folder"):
        sk.sweep.run(runs, out=afile, progress=False)
    with pytest.raises(InvalidInstanceError, match="no such folder"):
        sk.sweep.load(tmp_path / "nope")
    with pytest.raises(InvalidInstanceError, match="holds no sweep parts"):
        sk.sweep.load(tmp_path)
    t = sk.sweep.run(runs, out=tmp_path, progress=False)
    (tmp_path / f"{t.column('run')[0].as_py()}.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInstanceError, match="is not a sweep part"):
        sk.sweep.run(runs, out=tmp_path, progress=False)


def test_progress_reaches_a_callable_and_the_line_goes_to_stderr(capsys):
    runs = sk.sweep.grid(area="dag", algorithm=["heft", "cpop", "peft"], tasks=20, ccr=[0.1, 1.0])
    seen = []
    sk.sweep.run(runs, workers=2, progress=lambda done, total, failed, s: seen.append((done, total, failed)))
    assert seen[0] == (0, 6, 0) and seen[-1] == (6, 6, 0)
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    sk.sweep.run(runs, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "sweep (local): 6/6 runs, 0 failed" in captured.err
    sk.sweep.run(runs, progress=None)  # default: only on a terminal (pytest captures stderr)
    assert capsys.readouterr().err == ""
