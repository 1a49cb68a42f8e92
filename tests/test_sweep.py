"""om.sweep: results equal one-by-one solves, executors agree, failures are recorded."""

import io
import pickle
import re

import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.app.checkpoint import point_key
from optmarkets.app.sweep import Progress, _cloudpickle, flatten, grid


@pytest.fixture(scope="module")
def econ():
    return om.PersonalDataEconomy([1.0, 2.0, 4.0], [0.3, 0.3, 0.4], [0.0, 0.1, 0.2], gamma_u=1.0, gamma_pi=0.25)


def markets(econ, k, seed=3):
    rng = np.random.default_rng(seed)
    return [dict(q=econ.mass * rng.uniform(0.05, 1.0, 3)) for _ in range(k)]


def test_grid_is_the_cartesian_product_in_order():
    g = grid(a=[1, 2], b=[10, 20, 30])
    assert len(g) == 6
    assert g[0] == {"a": 1, "b": 10} and g[1] == {"a": 1, "b": 20} and g[-1] == {"a": 2, "b": 30}


def test_sweep_equals_one_by_one_solves(econ):
    points = markets(econ, 6)
    df = om.sweep(econ.platform_problem, points, primal=["x"], prices=["consistency"], warm_start=False)
    assert list(df.index) == list(range(6)) and (df["status"] == "optimal").all()
    for i, point in enumerate(points):
        sol = econ.platform_problem(**point).solve()
        assert df.loc[i, "value"] == pytest.approx(sol.value, abs=1e-12)
        # the paper's closed form (BBM), independent of the LP
        assert df.loc[i, "value"] == pytest.approx(econ.bbm_value(point["q"]), abs=1e-9)
        psi = sol.prices["consistency"]
        for w, p in psi.items():
            assert df.loc[i, f"price:consistency[w={w:g}]"] == pytest.approx(p, abs=1e-12)
        x = sol["x"]
        assert df.loc[i, "x[a=2,w=4]"] == pytest.approx(x.loc[2.0, 4.0], abs=1e-12)
        assert tuple(df.loc[i, "q"]) == pytest.approx(tuple(point["q"]))


def test_model_input_rebinds_its_parameters(econ):
    points = markets(econ, 4)
    model = econ.platform_problem(points[0]["q"])
    a = om.sweep(model, points)
    b = om.sweep(econ.platform_problem, points)
    np.testing.assert_allclose(a["value"], b["value"], atol=1e-12)
    assert model.value_of("q") == pytest.approx(points[0]["q"])  # the input model keeps its data


def test_outputs_and_certificate_columns(econ):
    df = om.sweep(econ.platform_problem, markets(econ, 3), certify=True,
                  outputs={"psi_top": lambda s: s.prices["consistency"].iloc[-1]})
    assert (df["max_violation"] <= 1e-9).all() and (df["duality_gap"] <= 1e-9).all()
    assert {"q", "status", "value", "solver", "error", "time", "psi_top"} <= set(df.columns)
    assert (df["solver"] == "HIGHS").all()


def test_failing_point_is_recorded_not_dropped(econ):
    points = markets(econ, 3)
    points.insert(1, dict(q=[0.5, 0.1, 0.1]))  # more than the mass of type 1
    with pytest.warns(RuntimeWarning, match="1 of 4 points failed"):
        df = om.sweep(econ.platform_problem, points)
    assert len(df) == 4 and df.attrs["failed"] == 1
    assert df.loc[1, "status"] == "failed" and np.isnan(df.loc[1, "value"])
    assert df.loc[1, "error"].startswith("InputError: q:")
    assert (df.drop(index=1)["status"] == "optimal").all()


def test_any_exception_of_a_factory_is_recorded():
    def factory(k):
        if k == 2:
            raise ZeroDivisionError("k = 2 is bad")
        return om.PersonalDataEconomy([1.0, 2.0], [0.5, 0.5], [0, 0]).platform_problem([0.1 * k, 0.1])

    with pytest.warns(RuntimeWarning):
        df = om.sweep(factory, grid(k=[1, 2, 3]))
    assert df["status"].tolist() == ["optimal", "failed", "optimal"]
    assert df.loc[1, "error"] == "ZeroDivisionError: k = 2 is bad"


def test_processes_executor_equals_serial(econ):
    points = markets(econ, 12)
    serial = om.sweep(econ.platform_problem, points, prices=True)
    procs = om.sweep(econ.platform_problem, points, prices=True, n_jobs=2)  # joblib by default
    pd.testing.assert_frame_equal(serial.drop(columns="time"), procs.drop(columns="time"), atol=1e-10)


def test_processes_executor_reports_a_failing_point(econ):
    points = [*markets(econ, 4), dict(q=[0.5, 0.1, 0.1])]
    with pytest.warns(RuntimeWarning, match="1 of 5"):
        df = om.sweep(econ.platform_problem, points, executor="processes", n_jobs=2, chunksize=2)
    assert df.loc[4, "status"] == "failed" and "InputError" in df.loc[4, "error"]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        yield cluster


def test_dask_local_cluster_equals_serial(econ, cluster):
    from distributed import Client

    points = [*markets(econ, 10), dict(q=[0.5, 0.1, 0.1])]
    kwargs = dict(prices=["consistency"], primal=["x"])
    with pytest.warns(RuntimeWarning):
        serial = om.sweep(econ.platform_problem, points, **kwargs)
    assert serial.loc[10, "status"] == "failed"
    with Client(cluster) as client:
        # twice on one client: the second sweep must not lose the first one's scattered data
        for _ in range(2):
            with pytest.warns(RuntimeWarning, match="1 of 11"):
                dask = om.sweep(econ.platform_problem, points, client=client, **kwargs)
            pd.testing.assert_frame_equal(serial.drop(columns="time"), dask.drop(columns="time"), atol=1e-10)
    with pytest.warns(RuntimeWarning):
        by_address = om.sweep(econ.platform_problem, points, address=cluster.scheduler_address, **kwargs)
    pd.testing.assert_frame_equal(serial.drop(columns="time"), by_address.drop(columns="time"), atol=1e-10)


def test_dask_executor_starts_its_own_local_cluster(econ):
    # the default dask path: no client or address, so the sweep starts (and stops) a LocalCluster
    pytest.importorskip("distributed")
    points = markets(econ, 6)
    serial = om.sweep(econ.platform_problem, points)
    dask = om.sweep(econ.platform_problem, points, executor="dask", n_jobs=2)
    pd.testing.assert_frame_equal(serial.drop(columns="time"), dask.drop(columns="time"), atol=1e-10)


def test_a_solved_model_pickles_without_its_compiled_problem(econ):
    model = econ.platform_problem([0.2, 0.2, 0.2])
    value = model.solve().value  # a solved cvxpy problem holds unpicklable solver handles
    clone = pickle.loads(_cloudpickle().dumps(model))
    assert clone.compilations == 0
    assert clone.solve().value == pytest.approx(value, abs=1e-12)
    assert clone.bind(q=[0.1, 0.2, 0.3]).solve().value == pytest.approx(econ.bbm_value([0.1, 0.2, 0.3]))


def test_flatten_names_columns_by_labels():
    s = pd.Series([1.0, 2.0], index=pd.Index([0.5, 1.0], name="w"))
    assert flatten("psi", s) == {"psi[w=0.5]": 1.0, "psi[w=1]": 2.0}
    df = pd.DataFrame([[1.0, 2.0]], index=pd.Index(["a1"], name="a"), columns=pd.Index([1, 2], name="w"))
    assert flatten("x", df) == {"x[a=a1,w=1]": 1.0, "x[a=a1,w=2]": 2.0}
    assert flatten("v", 3.0) == {"v": 3.0}


def test_unknown_executor_and_unknown_price_name(econ):
    with pytest.raises(ValueError, match="executor"):
        om.sweep(econ.platform_problem, markets(econ, 1), executor="threads")
    with pytest.raises(ValueError, match="executor"):
        om.sweep(econ.platform_problem, markets(econ, 1), executor="processes", address="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="n_jobs"):
        om.sweep(econ.platform_problem, markets(econ, 1), n_jobs=0)
    with pytest.warns(RuntimeWarning):
        df = om.sweep(econ.platform_problem, markets(econ, 1), prices=["nope"])
    assert "KeyError" in df.loc[0, "error"] and "nope" in df.loc[0, "error"]


def test_progress_bar_counts_to_the_total():
    stream = io.StringIO()
    bar = Progress(3, "sweep", enabled=True, stream=stream)
    for _ in range(3):
        bar.update()
    bar.close()
    assert "3/3" in stream.getvalue() and stream.getvalue().endswith("\n")
    assert not Progress(100, stream=io.StringIO()).enabled  # not a terminal: silent by default


def test_warm_sweep_equals_cold_sweep_and_is_certified():
    # n = 12 types: P_q is degenerate enough that a warm start takes a different path than a cold one
    rng = np.random.default_rng(7)
    econ = om.PersonalDataEconomy(np.arange(1.0, 13.0), rng.dirichlet(np.ones(12)), np.zeros(12), gamma_pi=0.3)
    points = [dict(q=econ.mass * rng.uniform(0.05, 1.0, 12)) for _ in range(25)]
    cold = om.sweep(econ.platform_problem, points, prices=["consistency"], warm_start=False)
    warm = om.sweep(econ.platform_problem, points, prices=["consistency"], certify=True)
    np.testing.assert_allclose(warm["value"], cold["value"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(warm["value"], [econ.bbm_value(p["q"]) for p in points], rtol=0, atol=1e-9)
    psi = [c for c in cold.columns if c.startswith("price:")]
    np.testing.assert_allclose(warm[psi], cold[psi], rtol=0, atol=1e-7)  # psi is unique at a generic q
    assert (warm["max_violation"] <= 1e-9).all() and (warm["duality_gap"] <= 1e-8).all()


def test_warm_sweep_does_not_depend_on_the_executor_or_the_order(econ):
    points = markets(econ, 12, seed=11)
    kwargs = dict(primal=True, prices=True)
    serial = om.sweep(econ.platform_problem, points, **kwargs).drop(columns="time")
    procs = om.sweep(econ.platform_problem, points, n_jobs=2, chunksize=3, **kwargs).drop(columns="time")
    pd.testing.assert_frame_equal(serial, procs, atol=0, rtol=0)  # the same anchor basis everywhere
    other = econ.platform_problem(points[5]["q"])  # history must not matter: anchor another point
    other.reset_warm_start()
    other.solve(warm_start=True)
    again = om.sweep(econ.platform_problem, points, **kwargs).drop(columns="time")
    pd.testing.assert_frame_equal(serial, again, atol=0, rtol=0)


class Counting:
    """A factory that counts its calls and raises KeyboardInterrupt (Ctrl-C) at call number `stop`. A sweep with a
    checkpoint calls it once more than the points it solves: the checkpoint's header fingerprints the first point's
    model (`checkpoint.fingerprint`), after the header's other fields have been checked."""

    def __init__(self, econ, stop=None):
        self.econ, self.stop, self.calls = econ, stop, 0

    def __call__(self, **point):
        self.calls += 1
        if self.calls == self.stop:
            raise KeyboardInterrupt
        return self.econ.platform_problem(**point)


def test_an_interrupted_sweep_keeps_its_points_and_resumes(econ, tmp_path):
    points, k = markets(econ, 7), 3
    ckpt = tmp_path / "ckpt.jsonl"
    with pytest.raises(KeyboardInterrupt):
        om.sweep(Counting(econ, stop=k + 2), points, prices=["consistency"], warm_start=False, checkpoint=ckpt)
    assert len(ckpt.read_text().splitlines()) == 1 + k  # the header and the k finished points
    rest = Counting(econ)
    resumed = om.sweep(rest, points, prices=["consistency"], warm_start=False, checkpoint=ckpt)
    assert rest.calls == 1 + len(points) - k  # the fingerprint, then only the missing points
    whole = om.sweep(econ.platform_problem, points, prices=["consistency"], warm_start=False)
    pd.testing.assert_frame_equal(resumed.drop(columns="time"), whole.drop(columns="time"), atol=0, rtol=0)
    again = Counting(econ)
    pd.testing.assert_frame_equal(om.sweep(again, points, prices=["consistency"], warm_start=False,
                                           checkpoint=ckpt), resumed, atol=0, rtol=0)
    assert again.calls == 1 and len(ckpt.read_text().splitlines()) == 1 + len(points)  # the fingerprint only


def test_a_checkpoint_keeps_failed_points_and_a_row_cut_short_is_solved_again(econ, tmp_path):
    points = [*markets(econ, 3), dict(q=[-1.0, 0.1, 0.1])]  # the last point fails (a negative database)
    ckpt = tmp_path / "ckpt.jsonl"
    with pytest.warns(RuntimeWarning, match="1 of 4 points failed"):
        first = om.sweep(econ.platform_problem, points, warm_start=False, checkpoint=ckpt)
    lines = ckpt.read_text().splitlines()
    ckpt.write_text("\n".join(lines[:-2]) + "\n" + lines[-2][:25])  # killed while writing row 3
    rest = Counting(econ)
    with pytest.warns(RuntimeWarning, match="1 of 4 points failed"):
        again = om.sweep(rest, points, warm_start=False, checkpoint=ckpt)
    assert rest.calls == 1 + 2  # the fingerprint, rows 3 (cut short) and 4 (lost with it); rows 1-2 were kept
    pd.testing.assert_frame_equal(again.drop(columns="time"), first.drop(columns="time"))
    assert again.loc[3, "status"] == "failed" and again.loc[3, "error"] == first.loc[3, "error"]


def test_a_checkpoint_of_another_sweep_or_folder_is_refused_before_work(econ, tmp_path):
    ckpt = tmp_path / "ckpt.jsonl"
    om.sweep(econ.platform_problem, markets(econ, 2), prices=["consistency"], checkpoint=ckpt)
    never = Counting(econ, stop=1)
    with pytest.raises(om.InputError, match=r"checkpoint: .* other \['prices'\]"):
        om.sweep(never, markets(econ, 2), prices=True, checkpoint=ckpt)
    (tmp_path / "other.txt").write_text("a,b\n1,2\n")
    with pytest.raises(om.InputError, match="is not a sweep checkpoint"):
        om.sweep(never, markets(econ, 2), checkpoint=tmp_path / "other.txt")
    with pytest.raises(om.InputError, match="checkpoint: no folder"):
        om.sweep(never, markets(econ, 2), checkpoint=tmp_path / "missing" / "c.jsonl")
    assert never.calls == 0


def test_a_checkpoint_of_another_model_is_refused(econ, tmp_path):
    """Same grid and columns, other data built into the model (gamma_u 1 -> 5): the second sweep refuses the first's
    checkpoint instead of returning its rows (the audit's case: 0.1, 0.2, 0.3 where gamma_u * min(q1, q2) gives
    0.5, 1.0, 1.5); a sweep of the same model resumes from it."""

    def problem(gamma):
        economy = om.PersonalDataEconomy(values=[1, 2], mass=[0.4, 0.6], outside_option=[0.3, 0.3], gamma_u=gamma)
        return economy.platform_problem(q=[0.4, 0.3])

    grid = [dict(q=[a, 0.3]) for a in (0.1, 0.2, 0.3)]
    ckpt = tmp_path / "ckpt.jsonl"
    assert list(om.sweep(problem(1.0), grid, checkpoint=ckpt)["value"]) == pytest.approx([0.1, 0.2, 0.3])
    with pytest.raises(om.InputError, match=r"checkpoint: .* other \['model'\]"):
        om.sweep(problem(5.0), grid, checkpoint=ckpt)
    assert list(om.sweep(problem(5.0), grid)["value"]) == pytest.approx([0.5, 1.0, 1.5])
    assert list(om.sweep(problem(1.0), grid, checkpoint=ckpt)["value"]) == pytest.approx([0.1, 0.2, 0.3])
    old = ckpt.read_text().replace("sweep-checkpoint/2", "sweep-checkpoint/1")
    (tmp_path / "old.jsonl").write_text(old)
    with pytest.raises(om.InputError, match="written by an older optmarkets"):
        om.sweep(problem(1.0), grid, checkpoint=tmp_path / "old.jsonl")


def test_a_parallel_sweep_writes_its_checkpoint(econ, tmp_path):
    points = markets(econ, 6)
    ckpt = tmp_path / "ckpt.jsonl"
    table = om.sweep(econ.platform_problem, points, n_jobs=2, chunksize=2, checkpoint=ckpt)
    assert len(ckpt.read_text().splitlines()) == 1 + 6
    rest = Counting(econ)
    pd.testing.assert_frame_equal(om.sweep(rest, points, checkpoint=ckpt), table)
    assert rest.calls == 1  # the fingerprint only


# ------------------------------------------------------------------ input errors (issue 23 item 11)
@pytest.mark.parametrize("bad, message", [
    (dict(q=[0.1, 0.2, 0.3]), r"grid: expected a list of points \(dicts of keyword data\), got a dict with keys "
                              r"\['q'\]; for axes of values use om.grid\(\*\*axes\), for one point \[point\]"),
    (3, r"grid: expected a list of points \(dicts of keyword data\) or a DataFrame, got int"),
    ("q", r"grid: expected a list of points \(dicts of keyword data\) or a DataFrame, got str"),
    ([[0.1, 0.2, 0.3]], r"grid: point 0 is a list \(\[0.1, 0.2, 0.3\]\), not a dict of keyword data"),
    ([dict(q=[0.1, 0.2, 0.3]), 7], r"grid: point 1 is a int \(7\), not a dict of keyword data"),
    ([{1: 0.5}], r"grid: point 0 has non-string keys \[1\]"),
], ids=["axes", "int", "str", "list-point", "int-point", "int-key"])
def test_a_grid_that_is_not_a_list_of_points_is_an_input_error(econ, bad, message):
    with pytest.raises(om.InputError, match=message):
        om.sweep(econ.platform_problem, bad)


@pytest.mark.parametrize("chunksize", [-1, 0, 2.5, "4", True])
def test_a_chunksize_that_is_not_a_positive_whole_number_is_an_input_error(econ, chunksize):
    with pytest.raises(om.InputError, match=r"chunksize: must be a positive whole number of points per task "
                                            rf"\(or None\), got {re.escape(repr(chunksize))}"):
        om.sweep(econ.platform_problem, markets(econ, 2), n_jobs=2, chunksize=chunksize)


def test_other_bad_arguments_are_input_errors(econ):
    with pytest.raises(om.InputError, match=r"factory: expected a callable returning a Model, or a Model; got int"):
        om.sweep(3, markets(econ, 1))
    with pytest.raises(om.InputError, match=r"n_jobs: must be a positive number of workers or -1 \(every core\), "
                                            r"got -2"):
        om.sweep(econ.platform_problem, markets(econ, 1), n_jobs=-2)
    with pytest.raises(om.InputError, match=r"executor: must be one of \('serial', 'processes', 'dask'\), "
                                            r"got 'threads'"):
        om.sweep(econ.platform_problem, markets(econ, 1), executor="threads")


@pytest.mark.parametrize("axis, shown", [(3, "3 (int)"), ("abc", "'abc' (str)"), (np.array(2.0), "array(2.) (ndarray)"),
                                         ({"x": 1}, "{'x': 1} (dict)"), (None, "None (NoneType)")])
def test_grid_axis_that_is_a_scalar_is_an_input_error(axis, shown):
    message = f"grid: axis 'a' must be a list of values, got {shown}; write a=[{axis!r}] for one value"
    with pytest.raises(om.InputError, match=f"^{re.escape(message)}$"):
        om.grid(a=axis, b=[1, 2])
    assert om.grid(a=np.array([1.0, 2.0]), b=range(2)) == [{"a": 1.0, "b": 0}, {"a": 1.0, "b": 1},
                                                             {"a": 2.0, "b": 0}, {"a": 2.0, "b": 1}]
    assert om.grid(q=[[0.1, 0.2], [0.3]]) == [{"q": [0.1, 0.2]}, {"q": [0.3]}]  # ragged vectors are fine


# ------------------------------------------------------------------ interrupts (issue 23 item 13)
INTERRUPTED_SWEEP = """
import signal, sys, time
# a child inherits its parent's signal disposition and mask: a parent that ignores SIGINT (a background job of
# a shell without job control) or blocks it (another test's thread, say) would let the sweep run to its end
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
import numpy as np
import optmarkets as om

class Slow:  # 70 ms a point: the old chunks, a quarter of the grid, took 10 s each
    def __init__(self, econ):
        self.econ = econ

    def __call__(self, **point):
        time.sleep(0.07)
        return self.econ.platform_problem(**point)

econ = om.PersonalDataEconomy([1.0, 2.0, 4.0], [0.3, 0.3, 0.4], [0.0, 0.1, 0.2], gamma_u=1.0, gamma_pi=0.25)
rng = np.random.default_rng(5)
points = [dict(q=econ.mass * rng.uniform(0.05, 1.0, 3)) for _ in range(int(sys.argv[2]))]
om.sweep(Slow(econ), points, n_jobs=2, prices=["consistency"], checkpoint=sys.argv[1])
"""


def _rows_in(path) -> int:
    if not path.exists():
        return 0
    lines = path.read_bytes().split(b"\n")
    return max(0, len([line for line in lines[:-1] if line.strip()]) - 1)  # complete lines, less the header


def test_an_interrupted_parallel_sweep_keeps_its_rows_and_stops_its_workers(econ, tmp_path):
    import json
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    n, ckpt = 600, tmp_path / "ckpt.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED_SWEEP, str(ckpt), str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _rows_in(ckpt) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        first = _rows_in(ckpt)
        # rows come back a chunk of about CHUNK_SECONDS at a time, not a quarter of the grid (150 points)
        assert 0 < first <= 2 * 12, first
        time.sleep(1.5)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert sum("LokyProcess" in " ".join(p.cmdline()) for p in workers) == 2
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and b"KeyboardInterrupt" in err, (proc.returncode, err[-2000:])
    _, alive = psutil.wait_procs(workers, timeout=10)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], [p.cmdline() for p in alive]  # no worker (or helper) of the run survives it
    kept = [json.loads(line) for line in ckpt.read_text().splitlines()[1:] if line.endswith("}")]
    assert first <= len(kept) < n

    rng = np.random.default_rng(5)
    points = [dict(q=econ.mass * rng.uniform(0.05, 1.0, 3)) for _ in range(n)]
    rest = Counting(econ)
    resumed = om.sweep(rest, points, prices=["consistency"], checkpoint=ckpt)
    assert rest.calls == 2 + n - len(kept)  # the fingerprint, the anchor (grid point 0) and the missing points
    assert (resumed["status"] == "optimal").all() and len(resumed) == n
    # the kept rows equal a serial re-solve from the same anchor (grid point 0), bit for bit
    index = sorted(i for i, p in enumerate(points) if point_key(p) in {row["key"] for row in kept})
    again = om.sweep(econ.platform_problem, [points[0]] + [points[i] for i in index], prices=["consistency"])
    pd.testing.assert_frame_equal(resumed.loc[index].drop(columns="time").reset_index(drop=True),
                                  again.iloc[1:].drop(columns="time").reset_index(drop=True), atol=0, rtol=0)


# ------------------------------------------------------------------ badly scaled data (issue 30 item 1)
def scaled_broker(s):
    """Yang's textbook broker with values and costs times s: the optimal revenue is 11/24 s."""
    return om.DataBroker(values=[s, 2 * s, 3 * s], value_probs=[1 / 3] * 3, costs=[s / 4, 3 * s / 4],
                         cost_probs=[1 / 2, 1 / 2])


@pytest.mark.parametrize("certify", [False, True])
@pytest.mark.parametrize("scale", [2.0**-30, 2.0**30])
def test_a_sweep_of_badly_scaled_data_gives_the_exact_revenue(scale, certify):
    # a new model a point: the data times 1, 2, 4 (powers of two: the same LP, exactly rescaled)
    table = om.sweep(lambda m: scaled_broker(m * scale).mechanism_problem(), om.grid(m=[1, 2, 4]), certify=certify)
    assert (table["status"] == "optimal").all()
    np.testing.assert_allclose(table["value"], [11 / 24 * scale * m for m in (1, 2, 4)], rtol=1e-9, atol=0)
    # one compiled problem re-solved: the anchor (cold), then warm re-solves of its Parameter
    broker = scaled_broker(scale)
    outside = broker.outside_option.to_numpy()
    table = om.sweep(broker.mechanism_problem(), [dict(outside=outside)] * 3, certify=certify)
    np.testing.assert_allclose(table["value"], [11 / 24 * scale] * 3, rtol=1e-9, atol=0)
    assert ("max_violation" in table) == certify
    if certify:
        assert (table["max_violation"] <= 1e-7).all() and (table["duality_gap"] <= 1e-7).all()


@pytest.mark.parametrize("flag", ["--certify", "--no-certify"])
def test_the_sweep_command_certifies_on_request_at_any_scale(tmp_path, capsys, flag):
    from optmarkets.app.cli import main

    s = 2.0**-30
    out = tmp_path / "t.csv"
    rc = main(["sweep", "yang-textbook", "--problem", "broker", "--vary", f"values=[[{s!r},{2 * s!r},{3 * s!r}]]",
               "--vary", f"costs=[[{s / 4!r},{3 * s / 4!r}]]", flag, "--out", str(out), "--no-progress"])
    assert rc == 0 and "1 points written" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert table["value"].tolist() == pytest.approx([11 / 24 * s], rel=1e-9, abs=0)
    assert ("max_violation" in table) == (flag == "--certify")
    if flag == "--certify":
        assert table["max_violation"].tolist()[0] <= 1e-7 and table["duality_gap"].tolist()[0] <= 1e-7


def test_parallel_chunks_are_sized_to_last_about_chunk_seconds():
    from optmarkets.app.sweep import CHUNK_SECONDS, _Chunks

    assert CHUNK_SECONDS == 0.5
    chunks = _Chunks([(i, {"k": i}) for i in range(100)], workers=2, chunksize=None)
    feed = iter(chunks)
    assert [len(next(feed)) for _ in range(2)] == [1, 1]  # nothing timed yet: single points
    chunks.record([{"time": 0.05}, {"time": 0.05}, {"time": np.nan}])  # a lost point has no time
    assert [i for i, _ in next(feed)] == list(range(2, 12))  # 0.5 s / 0.05 s = 10 points
    chunks.record([{"time": 0.001}] * 98)
    assert len(next(feed)) == 25  # at most two chunks a worker: ceil(100 / 4)
    fixed = _Chunks([(i, {}) for i in range(7)], workers=2, chunksize=3)
    assert [len(c) for c in fixed] == [3, 3, 1]
