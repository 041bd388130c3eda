"""What users bring in files and on the command line, where a reader used to pick one of two
values, drop a field or parameter, or fail with a traceback: each is now an error naming the
file and field (or, for a setting a run does not read, a one-line warning)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import schedkit as sk
from schedkit.cli import _warning_line, main
from schedkit.exceptions import InvalidInstanceError
from schedkit.fair._pools import read_pool_file


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_a_column_named_twice_is_refused_by_every_reader(tmp_path):
    jobs = _write(tmp_path, "jobs.csv", "job_id,release,size,job_id\n1,0,5,2\n")
    with pytest.raises(InvalidInstanceError, match="column 'job_id' appears twice"):
        sk.flowtime.read_jobs(jobs)
    trace = _write(tmp_path, "t.csv", "job_id,user,submit_time,task_id,duration,job_id\n1,u,0,0,10,2\n")
    with pytest.raises(InvalidInstanceError, match=r"t\.csv: column 'job_id' appears twice \(columns 1 and 6\)"):
        sk.fair.replay(trace, policy="fifo")


def test_a_trace_with_old_mac_line_endings_is_read_row_by_row(tmp_path):
    # Arrow's CSV reader ends a row at a lone \r; the header must be cut there too.
    trace = _write(tmp_path, "t.csv", "job_id,user,submit_time,task_id,duration\r1,u,0,0,10\r2,v,1,0,5\r")
    t = sk.trace.read(trace)
    assert t.column("user").to_pylist() == ["u", "v"]
    assert t.column("duration").to_pylist() == [10.0, 5.0]


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("\n\u0080", 1),  # a blank first line: found by the trace fuzz test
        ("job_id,user,submit_time,task_id,duration,\n1,u,0,0,10,\n", 6),  # a trailing comma
    ],
)
def test_a_column_without_a_name_is_refused(tmp_path, text, column):
    trace = _write(tmp_path, "t.csv", text)
    with pytest.raises(InvalidInstanceError, match=rf"t\.csv: column {column} has no name") as err:
        sk.trace.read(trace, format="csv")
    assert (err.value.field, err.value.index) == ("columns", column - 1)
    jobs = _write(tmp_path, "jobs.csv", "job_id,release,,size\n1,0,3,5\n")
    with pytest.raises(InvalidInstanceError, match="column 3 has no name"):
        sk.flowtime.read_jobs(jobs)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<weight>1</weight><weight>50</weight>", "<weight> is given twice"),
        ("<weight>2<extra>3</extra></weight>", "<weight> holds elements"),
        ("<weight>99999999999999999999</weight>", "must fit a 32-bit integer"),
        ("<weight>1_0</weight>", "must be an integer"),
        ("<minShare>2147483648</minShare>", "must fit a 32-bit integer"),
    ],
)
def test_spark_pool_files_are_read_as_spark_reads_them_or_refused(tmp_path, body, message):
    path = _write(tmp_path, "fairscheduler.xml", f'<allocations><pool name="p">{body}</pool></allocations>')
    with pytest.raises(InvalidInstanceError, match=message):
        read_pool_file(path)


def test_spark_pool_attributes_other_than_name_are_refused(tmp_path):
    path = _write(tmp_path, "fairscheduler.xml", '<allocations><pool name="default" minShare="5"/></allocations>')
    with pytest.raises(InvalidInstanceError, match="attribute 'minShare' is not read by Spark"):
        read_pool_file(path)
    ok = _write(tmp_path, "ok.xml", '<allocations><pool name="p"><weight> +7 </weight></pool></allocations>')
    assert read_pool_file(ok) == {"p": {"schedulingMode": "FIFO", "weight": 7, "minShare": 0}}


def test_wfcommons_ids_listed_twice_are_refused(tmp_path):
    wf = {
        "workflow": {
            "specification": {"tasks": [{"id": "a"}, {"id": "b", "parents": ["a"]}], "files": []},
            "execution": {"tasks": [{"id": "a", "runtimeInSeconds": 1}, {"id": "a", "runtimeInSeconds": 100}]},
        }
    }
    path = _write(tmp_path, "wf.json", json.dumps(wf))
    with pytest.raises(InvalidInstanceError, match=r"task id in execution\.tasks 'a' appears twice"):
        sk.dag.from_wfcommons(path)


POD = {"kind": "Pod", "metadata": {"name": "p1"}, "spec": {"containers": [{"name": "c"}]}}
NODE = {"kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "4", "memory": "4Gi"}}}


def test_a_pod_listed_twice_is_refused_as_the_api_server_does():
    with pytest.raises(InvalidInstanceError, match="Pod default/p1 is listed twice"):
        sk.packing.Cluster.from_manifests([NODE, POD, POD])
    other = {**POD, "metadata": {"name": "p1", "namespace": "team"}}
    assert sk.packing.Cluster.from_manifests([NODE, POD, other]).num_pods == 2


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"containers": [{"name": "c"}], "nodeSelecter": {"a": "b"}}, "Pod/p1.spec.nodeSelecter"),
        ({"containers": [{"name": "c", "resource": {}}]}, "Pod/p1.spec.containers[0].resource"),
    ],
)
def test_unknown_pod_fields_are_errors_or_named_warnings(spec, field):
    pod = {**POD, "spec": spec}
    with pytest.raises(InvalidInstanceError, match="the API server rejects unknown fields") as exc:
        sk.packing.Cluster.from_manifests([NODE, pod])
    assert exc.value.field == field
    with pytest.warns(UserWarning, match=field.replace("[", r"\[").replace("]", r"\]")):
        sk.packing.Cluster.from_manifests([NODE, pod], strict=False)


def test_a_yaml_key_given_twice_is_refused(tmp_path):
    pytest.importorskip("yaml")
    text = (
        "kind: Node\nmetadata: {name: n}\nstatus: {allocatable: {cpu: 4, memory: 4Gi}}\n---\n"
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
        "    resources: {requests: {cpu: 1, cpu: 3}}\n"
    )
    with pytest.raises(InvalidInstanceError, match="key 'cpu' is given twice"):
        sk.packing.Cluster.from_manifests(_write(tmp_path, "m.yaml", text))


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deeply_nested_grid_files_are_an_error_not_a_crash(tmp_path, suffix, capsys):
    if suffix == ".yaml":
        pytest.importorskip("yaml")
        text = "runs: " + "[" * 1000 + "]" * 1000
    else:
        text = '{"runs": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert main(["sweep", _write(tmp_path, "grid" + suffix, text)]) == 2
    assert "nested too deeply to be a grid file" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["exponential:3", "constant:5", "lognormal:1:5"])
def test_distribution_parameters_are_never_dropped(spec):
    with pytest.raises(InvalidInstanceError, match="takes at most"):
        sk.flowtime.generate(10, sizes=spec)
    with pytest.raises(InvalidInstanceError, match="'single' takes at most 0"):
        sk.flowtime.generate(10, ops="single:5")


@pytest.mark.parametrize("argv", [["flowtime", "--jobs", "20", "--policies", ","], ["replay", "--policy", " , "]])
def test_an_empty_policy_list_is_an_error_not_the_default_list(argv, capsys):
    assert main(argv) == 2
    assert "names nothing" in capsys.readouterr().err


def test_cli_warnings_are_one_line(tmp_path):
    xml = _write(tmp_path, "fs.xml", '<allocations><pool name="default"/></allocations>')
    with pytest.warns(UserWarning, match="^pool_config: policy 'fifo' does not use it") as record:
        assert main(["replay", "--policy", "fair,fifo", "--no-partition", "--pools", xml, "--json"]) == 0
    assert _warning_line(record[0].message, UserWarning, "f.py", 1) == (
        "schedkit: warning: pool_config: policy 'fifo' does not use it (only fair); it is ignored\n"
    )


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path):
    bom = "\ufeff"
    trace = _write(tmp_path, "t.csv", bom + "job_id,user,submit_time,task_id,duration\n1,u,0,0,10\n")
    assert sk.fair.replay(trace, policy="fifo", cores=1).jobs.num_rows == 1
    sdt = _write(tmp_path, "s.txt", bom + "1 1\n0.2 0.2 1 2\n3\n1\n")
    instances, optima = sk.tardiness.read_sdt(sdt)
    assert len(instances) == 1 and optima.tolist() == [2.0]


def test_a_trace_column_in_another_unit_is_refused_and_unread_columns_are_named(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    good = sk.trace.from_jobs([1, 2], ["a", "b"], [0.0, 1.0], [2.0, 3.0])
    hours = good.schema.set(4, good.schema.field("duration").with_metadata({"unit": "hours"}))
    pq.write_table(good.cast(hours), tmp_path / "hours.parquet")
    with pytest.raises(InvalidInstanceError, match="column 'duration' is in 'hours'") as exc:
        sk.fair.replay(str(tmp_path / "hours.parquet"), policy="fifo")
    assert exc.value.field == "duration"
    extra = _write(tmp_path, "x.csv", "job_id,user,submit_time,task_id,duration,cpus\n1,u,0,0,10,4\n")
    with pytest.warns(UserWarning, match="column\\(s\\) 'cpus' are not read by a replay"):
        sk.fair.replay(extra, policy="fifo", cores=1)
    flags = good.set_column(4, "duration", pa.array([True, False]))
    pq.write_table(flags, tmp_path / "flags.parquet")
    with pytest.raises(InvalidInstanceError, match="column 'duration' holds booleans"):
        sk.fair.replay(str(tmp_path / "flags.parquet"), policy="fifo")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("grid.json", '{"runs": [{"area": "dag", "algorithm": "heft", "tasks": 10, "tasks": 20}]}'),
        ("grid.yaml", "runs:\n  - area: dag\n    algorithm: heft\n    tasks: 10\n    tasks: 20\n"),
    ],
)
def test_a_grid_key_given_twice_is_refused(tmp_path, name, text):
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    with pytest.raises(InvalidInstanceError, match="'tasks' is given twice"):
        sk.sweep.read_grid(_write(tmp_path, name, text))


def test_a_workflow_key_given_twice_is_refused(tmp_path):
    text = '{"workflow": {"tasks": [{"name": "a", "runtime": 1, "runtime": 100}]}, "name": "w"}'
    with pytest.raises(InvalidInstanceError, match="key 'runtime' is given twice"):
        sk.dag.from_wfcommons(_write(tmp_path, "w.json", text))


def test_replay_takes_a_trace_or_a_scenario_not_both(capsys):
    assert main(["replay", "trace.csv", "--scenario", "google_homo"]) == 2
    assert "not both" in capsys.readouterr().err


def test_quantities_take_ascii_digits_only_as_kubernetes_does():
    with pytest.raises(InvalidInstanceError, match="is not a Kubernetes quantity"):
        sk.packing.cpu_millis("\uff11")  # a full-width 1
    assert sk.packing.cpu_millis("1") == 1000


def test_n_reads_a_file_as_or_library_even_when_its_first_line_holds_two_numbers(tmp_path, capsys):
    path = _write(tmp_path, "o.txt", "3 4\n1 1\n2 9\n")  # one instance of two jobs: p 3 4, w 1 1, d 2 9
    assert main(["tardiness", path, "--n", "2", "--method", "edd", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["objective"] == 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["flowtime", "--jobs", "0"], "--jobs: at least 1"), (["dag", "STG"], "task count 0 is out of range")],
)
def test_no_jobs_or_tasks_is_an_error_not_made_up_means(tmp_path, capsys, argv, message):
    argv = [_write(tmp_path, "z.stg", "0\n0 0 0\n1 0 1 0\n") if a == "STG" else a for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_sweep_whose_every_run_failed_exits_as_bad_input(tmp_path, capsys):
    pytest.importorskip("yaml")
    grid = _write(tmp_path, "g.yaml", "runs:\n  - {area: flowtime, policy: srpt, jobs: 10, load: .inf}\n")
    assert main(["sweep", grid]) == 2
    assert "every run failed (InvalidInstanceError: load:" in capsys.readouterr().err
    mixed = _write(
        tmp_path,
        "m.yaml",
        "runs:\n  - {area: flowtime, policy: srpt, jobs: 10, load: .inf}\n"
        "  - {area: flowtime, policy: srpt, jobs: 10, load: 0.5}\n",
    )
    assert main(["sweep", mixed]) == 0  # a failed run among computed ones is a result


def test_a_google_request_that_overflows_as_cores_is_a_bad_row(tmp_path):
    header = "workflow_id,ts_submit,task_id,runtime,resource_amount_requested,user_id\n"
    path = _write(tmp_path, "wta.csv", header + "1,0,0,1000,1e308,u\n1,0,1,1000,0.5,u\n")
    with pytest.raises(InvalidInstanceError, match="row 1: resource_amount_requested: overflows as cores") as exc:
        sk.fair.replay(path, policy="drf", format="google_wta")
    assert exc.value.index == 1


def test_a_job_file_names_unread_columns_and_refuses_ids_that_are_not_integers(tmp_path):
    typo = _write(tmp_path, "typo.csv", "job_id,release,size,wieght\n1,0,5,3\n")
    with pytest.warns(UserWarning, match="column\\(s\\) 'wieght' are not read"):
        jobs = sk.flowtime.read_jobs(typo)
    assert jobs.weight.tolist() == [1.0]  # the default, as the misspelt column is not read
    with pytest.raises(InvalidInstanceError, match=r"job_id\[1\]: 1.5 is not an integer"):
        sk.flowtime.read_jobs(_write(tmp_path, "frac.csv", "job_id,release,size\n1,0,5\n1.5,0,2\n"))
    trace = sk.trace.from_jobs([0, 0], ["a", "a"], [0.0, 0.0], [1.0, 2.0])
    assert sk.flowtime.Jobs.from_arrow(trace).n == 1  # a canonical trace's columns are read as one


def test_lengths_a_float64_cannot_hold_at_their_time_are_refused(tmp_path):
    with pytest.raises(InvalidInstanceError, match=r"duration\[0\]: 10 is below what a float64 holds at submit_time"):
        sk.trace.from_jobs([1], ["u"], [1e20], [10.0])
    csv = _write(tmp_path, "t.csv", "job_id,user,submit_time,task_id,duration\n1,u,1e20,0,10\n")
    with pytest.raises(InvalidInstanceError, match="row 1: duration: below what a float64 holds"):
        sk.fair.replay(csv, policy="fifo")
    with pytest.raises(InvalidInstanceError, match=r"operations\[0\]: 5 is below what a float64 holds at release"):
        sk.flowtime.Jobs([1e20], [5.0])
    # Unix timestamps in seconds keep microsecond tasks (the spacing there is 2.4e-7)
    assert sk.fair.replay(sk.trace.from_jobs([1], ["u"], [1.7e9], [1e-6]), policy="fifo", cores=1).jobs.num_rows == 1
    with pytest.raises(InvalidInstanceError, match="sizes: 'lognormal:8' draws sizes too small to simulate"):
        sk.flowtime.generate(1000, sizes="lognormal:8", seed=1)


def test_settings_for_users_the_trace_never_had_are_named():
    t = sk.trace.from_jobs([0, 1], ["a", "b"], [0.0, 0.0], [2.0, 1.0])
    with pytest.warns(UserWarning, match=r"runs\[0\]\.weights: user\(s\) 'zzz' are not in the trace"):
        sk.fair.replay(t, policy="uwfq", cores=2, weights={"zzz": 5.0, "a": 2.0})


@pytest.mark.parametrize("text", ["", "null\n", "[]\n", "   \n"])
def test_manifests_with_no_objects_are_an_error(tmp_path, text):
    with pytest.raises(InvalidInstanceError, match="no Kubernetes objects"):
        sk.packing.Cluster.from_manifests(_write(tmp_path, "m.yaml", text))


def test_core_counts_the_model_leaves_out_are_named(tmp_path):
    wf = {
        "workflow": {
            "specification": {"tasks": [{"id": "a"}], "files": []},
            "execution": {"tasks": [{"id": "a", "runtimeInSeconds": 8, "coreCount": 4}]},
        }
    }
    with pytest.warns(UserWarning, match="1 task\\(s\\) ran on more than one core \\(up to 4\\)"):
        _, platform = sk.dag.from_wfcommons(_write(tmp_path, "wf.json", json.dumps(wf)))
    assert platform.cost.tolist() == [[8.0] * 4]  # the runtime as one processor's work


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-partition", "--tau", "7"], "^--tau: no run partitions"),
        (["--no-partition", "--noise", "0.3"], "^--noise: applies to --estimate noisy only"),
    ],
)
def test_replay_options_no_run_reads_are_named(argv, message):
    with pytest.warns(UserWarning, match=message):
        assert main(["replay", "--policy", "fifo", "--json", *argv]) == 0


# --- the third fuzzing pass (files and values no reader should build into something else) ---

WF15 = {
    "workflow": {
        "specification": {"tasks": [{"id": "a"}, {"id": "b", "parents": ["a"]}], "files": []},
        "execution": {"tasks": [{"id": "a", "runtimeInSeconds": 1}, {"id": "b", "runtimeInSeconds": 2}]},
    }
}


def test_an_integer_too_long_to_convert_is_an_error_naming_the_file(tmp_path, capsys):
    # Python refuses int() of more than 4,300 digits: a ValueError from json.loads before
    digits = "9" * 5000
    wf = json.dumps(WF15).replace('"runtimeInSeconds": 1', f'"runtimeInSeconds": {digits}')
    with pytest.raises(InvalidInstanceError, match=r"wf\.json: an integer of 5,000 digits"):
        sk.dag.from_wfcommons(_write(tmp_path, "wf.json", wf))
    assert main(["sweep", _write(tmp_path, "grid.json", '{"seed": ' + digits + "}")]) == 2
    assert "an integer of 5,000 digits" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 2024-13-45\n", r"line 1: '2024-13-45': month must be in 1\.\.12"),  # PyYAML builds a date
        ("seed: " + "9" * 5000 + "\n", "line 1: an integer of 5,000 digits"),
        ("seed: 0\ngrids:\n  - policy: &p [srpt, *p]\n", "line 3: an alias refers to a node that contains it"),
    ],
)
def test_yaml_scalars_and_aliases_no_reader_can_use_are_errors(tmp_path, capsys, text, message):
    pytest.importorskip("yaml")
    with pytest.raises(InvalidInstanceError, match=message):
        sk.sweep.read_grid(_write(tmp_path, "grid.yaml", text))
    assert main(["sweep", _write(tmp_path, "grid.yaml", text)]) == 2
    assert "not valid YAML" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["runtimeInSeconds", "coreCount"])
def test_a_workflow_number_past_float_range_is_an_error_or_named_once(tmp_path, field):
    wf = json.loads(json.dumps(WF15))
    wf["workflow"]["execution"]["tasks"][0][field] = 10**400
    path = _write(tmp_path, "wf.json", json.dumps(wf))
    if field == "runtimeInSeconds":
        with pytest.raises(
            InvalidInstanceError, match=r"task 'a': runtimeInSeconds must be finite.*\(401 characters\)"
        ):
            sk.dag.from_wfcommons(path)
    else:  # a core count is only named (the model leaves it out), however large
        with pytest.warns(UserWarning, match=r"more than one core \(up to 1000000000.*\(401 characters\)\)"):
            sk.dag.from_wfcommons(path)


def test_workflow_fields_a_reader_would_drop_are_errors(tmp_path):
    def wf14(link):
        files = [{"name": "f", "size": 5e8, "link": link}]
        tasks = [{"name": "a", "runtime": 1, "files": files}, {"name": "b", "runtime": 1, "parents": ["a"]}]
        return {"workflow": {"tasks": tasks}}

    g, _ = sk.dag.from_wfcommons(_write(tmp_path, "ok.json", json.dumps(wf14("output"))))
    assert g.num_edges == 1
    with pytest.raises(InvalidInstanceError, match="file 'f' has link 'outptu': 'input' or 'output'") as err:
        sk.dag.from_wfcommons(_write(tmp_path, "typo.json", json.dumps(wf14("outptu"))))
    assert err.value.field == "link"
    both = json.loads(json.dumps(WF15))
    both["workflow"]["tasks"] = wf14("output")["workflow"]["tasks"]
    with pytest.raises(
        InvalidInstanceError, match=r"both workflow\.specification \(1\.5\) and workflow\.tasks \(1\.4\)"
    ):
        sk.dag.from_wfcommons(_write(tmp_path, "both.json", json.dumps(both)))
    ghost = json.loads(json.dumps(WF15))
    ghost["workflow"]["execution"]["tasks"].append({"id": "ghost", "runtimeInSeconds": 99})
    with pytest.raises(InvalidInstanceError, match="a record for 'ghost', which is not a task"):
        sk.dag.from_wfcommons(_write(tmp_path, "ghost.json", json.dumps(ghost)))


@pytest.mark.parametrize("column", ["user", "job_class", "pool"])
def test_a_trace_column_of_lists_where_names_go_is_refused(tmp_path, column):
    pq = pytest.importorskip("pyarrow.parquet")
    cols = {"job_id": [1, 2], "user": ["a", "b"], "submit_time": [0.0, 1.0], "task_id": [0, 0], "duration": [1.0, 2.0]}
    cols[column] = [[1], [2]]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(cols), path)
    with pytest.raises(
        InvalidInstanceError, match=rf"t\.parquet: column '{column}': expected strings, got list"
    ) as err:
        sk.trace.read(path)
    assert err.value.field == column


def test_durations_whose_sum_a_float64_cannot_hold_are_refused_before_they_reach_a_mean(tmp_path):
    # four tasks of 1e308 s each: every mean response time was inf (and --json printed Infinity)
    path = _write(
        tmp_path,
        "t.csv",
        "job_id,user,submit_time,task_id,duration\n" + "".join(f"{j},u,0,0,1e308\n" for j in range(4)),
    )
    with pytest.raises(InvalidInstanceError, match="over the 1e300 limit that keeps every time finite") as err:
        sk.fair.replay(path, policy="uwfq", cores=4)
    assert err.value.field == "duration"


def test_spark_pool_values_are_trimmed_as_java_trims_them(tmp_path):
    # Java's String.trim cuts characters up to U+0020 only: Spark reads "\u2003FAIR" as an
    # unknown mode (and falls back to FIFO); we refuse it rather than read FAIR
    body = "<schedulingMode>\u2003FAIR</schedulingMode>"
    path = _write(tmp_path, "fairscheduler.xml", f'<allocations><pool name="p">{body}</pool></allocations>')
    with pytest.raises(InvalidInstanceError, match="schedulingMode must be FIFO or FAIR, got '\\\\u2003FAIR'"):
        read_pool_file(path)
    ok = _write(tmp_path, "ok.xml", '<allocations><pool name="p"><weight>\t 3\n</weight></pool></allocations>')
    assert read_pool_file(ok)["p"]["weight"] == 3


def test_generator_options_given_with_a_jobs_file_are_named(tmp_path):
    jobs = _write(tmp_path, "jobs.csv", "job_id,release,size\n0,0,1\n1,0.5,2\n")
    with pytest.warns(UserWarning, match="^--jobs, --load: apply to a generated workload only; ignored with --trace"):
        assert (
            main(["flowtime", "--trace", jobs, "--jobs", "500", "--load", "0.3", "--policies", "srpt", "--json"]) == 0
        )


def test_a_misspelt_column_of_a_job_table_is_named_in_either_form(tmp_path):
    listed = pa.table({"release": [0.0, 1.0], "operations": pa.array([[1.0], [2.0, 3.0]]), "wieght": [5.0, 1.0]})
    rows = pa.table({"job_id": [0, 1], "release": [0.0, 1.0], "size": [1.0, 2.0], "wieght": [5.0, 1.0]})
    for table in (listed, rows):
        with pytest.warns(UserWarning, match="column\\(s\\) 'wieght' are not read"):
            jobs = sk.flowtime.Jobs.from_arrow(table)
        assert jobs.weight.tolist() == [1.0, 1.0]
