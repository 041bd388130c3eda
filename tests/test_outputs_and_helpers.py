"""The fifth fuzzing pass: where results are written (reports, Chrome traces, sweep folders),
sweep grids, and the small public helpers. Each case raised a raw Python error, wrote where it
must not, or expanded without bound before."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.exceptions import InvalidInstanceError


def _fair_result():
    t = sk.trace.from_jobs([0, 0], ["a", "a"], [0.0, 0.0], [2.0, 1.0])
    return sk.fair.replay(t, policy="fifo", cores=2, record_tasks=True)


def test_a_report_is_written_only_to_an_html_file(tmp_path, capsys):
    grid = tmp_path / "g.yaml"
    grid.write_text("grids:\n  - area: flowtime\n    policy: srpt\n    jobs: 10\n")
    pytest.importorskip("yaml")
    # the report used to overwrite any file, the grid it had just read included
    assert main(["sweep", str(grid), "--report", str(grid)]) == 2
    assert "a report is an HTML file" in capsys.readouterr().err
    assert grid.read_text().startswith("grids:")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("FOLDER", "is a folder"),
        ("FOLDER/missing/x.json", "is in a folder that does not exist"),
        ("FOLDER/a\x00b.json", "expected a file path"),
        (5, "expected a file path, got 5"),
    ],
)
def test_chrome_traces_name_a_path_they_cannot_write(tmp_path, path, message):
    if isinstance(path, str):
        path = path.replace("FOLDER", str(tmp_path))
    jobs = sk.flowtime.Jobs([0, 1], [[2], [1]])
    for result in (_fair_result(), sk.flowtime.simulate(jobs, policy="srpt", event_log=True)):
        with pytest.raises(InvalidInstanceError, match=message) as err:
            result.to_chrome_trace(path)
        assert err.value.field == "path"


@pytest.mark.parametrize(
    ("out", "message"), [("", "expected a folder path"), ("/proc/schedkit-test", "cannot make folder")]
)
def test_a_sweep_folder_it_cannot_make_is_an_error_naming_out(out, message):
    runs = sk.sweep.grid(area="flowtime", policy="srpt", jobs=10)
    with pytest.raises(InvalidInstanceError, match=message) as err:
        sk.sweep.run(runs, out=out)
    assert err.value.field == "out"


def test_grids_are_checked_before_they_are_built():
    # a 0-d array is one value; ten thousand by ten thousand choices are refused before the
    # hundred million dicts are made
    assert len(sk.sweep.grid(area="dag", algorithm="heft", tasks=np.array(5))) == 1
    with pytest.raises(InvalidInstanceError, match="100,000,000 combinations") as err:
        sk.sweep.grid(area="flowtime", policy="srpt", jobs=list(range(1, 10_001)), seed=list(range(10_000)))
    assert err.value.field == "grid"


@pytest.mark.parametrize(("value", "ok"), [("0", False), ("false", False), ('""', False), ("{}", False), ("", True)])
def test_grids_must_be_a_list_or_nothing(tmp_path, value, ok):
    pytest.importorskip("yaml")
    path = tmp_path / "g.yaml"
    path.write_text(f"grids: {value}\nruns:\n  - area: flowtime\n    policy: srpt\n    jobs: 10\n")
    if ok:
        runs, _ = sk.sweep.read_grid(path)
        assert len(runs) == 1
    else:
        with pytest.raises(InvalidInstanceError, match="grids: expected a list"):
            sk.sweep.read_grid(path)


@pytest.mark.parametrize("xp", ["numpy", None])
def test_sampling_needs_an_array_module(xp):
    with pytest.raises(InvalidInstanceError, match="xp: expected the numpy or cupy module") as err:
        sk.batch.sample_duration_factors(3, 3, xp=xp)
    assert err.value.field == "xp"


def test_a_fair_result_is_unhashable_by_name():
    with pytest.raises(TypeError, match="unhashable type: 'Result'"):
        hash(_fair_result())


def test_the_testing_helpers_load_lazily_in_a_fresh_interpreter():
    pytest.importorskip("hypothesis")
    code = (
        "import schedkit.testing as t; from schedkit.testing import fuzz; print(t.strategies.__name__, fuzz.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["schedkit.testing.strategies", "schedkit.testing.fuzz"]


def test_batch_ids_in_float16_and_masked_arrays():
    inst = sk.tardiness.Instance(p=[2, 3, 1], d=[2, 6, 1])
    for device in ("rust", "numpy"):
        # float16 ids: the clip to 2**53 overflowed float16 and leaked NumPy's warning
        got = sk.batch.evaluate_sequences(inst, np.array([[2, 0, 1], [0, 1, 2]], dtype=np.float16), device=device)
        assert got.tolist() == [1.0, 5.0]  # by hand: T = 0 + 1 + 0, then 0 + 0 + 5
        # a masked array's mask was dropped and its masked entries read as ids
        masked = np.ma.array([[2, 0, 1]], mask=[[0, 1, 0]])
        with pytest.raises(InvalidInstanceError, match="a masked array") as err:
            sk.batch.evaluate_sequences(inst, masked, device=device)
        assert err.value.field == "perms"


@pytest.mark.parametrize("users", ["<img>", -5, 10**30, float("nan"), 0])
def test_the_user_rule_is_checked_even_for_a_trace_with_users(users, capsys):
    # the bundled Google window names its users, so the rule is not applied: its value was
    # then never looked at, and any value passed
    path = sk.data.path("google2011_wta_500s_hetero.csv")
    with pytest.raises(InvalidInstanceError, match="users: must be an integer") as err:
        sk.fair.replay_many(path, [{"policy": "fifo"}], users=users, progress=False)
    assert err.value.field == "users"
    if users == 0:
        assert main(["replay", "--users", "0", "--policy", "fifo"]) == 2
        assert "users: must be an integer in [1," in capsys.readouterr().err
