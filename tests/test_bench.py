"""The benchmark harness: record schema, a two-solver smoke run, the report's statistics, failures."""

import json
import math
import re
import time
from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.app import bench
from optmarkets.app.cli import main
from optmarkets.builders import consistency, family
from optmarkets.builders.obedience import obedience_matrix

SMOKE = Path(__file__).resolve().parents[1] / "benchmarks" / "smoke.toml"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "run.jsonl"
    cfg = bench.BenchConfig(families={"glp_platform": [4, 6]}, solvers=["HIGHS", "CLARABEL"],
                            tiers={"low": 1e-3, "medium": 1e-6}, time_limit=30)
    recs = bench.run(cfg, out=out, progress=False)
    return recs, out


def test_jsonl_schema(records):
    recs, out = records
    lines = out.read_text().splitlines()
    assert len(lines) == len(recs) == 2 * 2 * 2  # instances x solvers x tiers
    for line, rec in zip(lines, recs):
        parsed = json.loads(line)  # strict JSON: no NaN / Infinity
        assert tuple(parsed) == bench.RECORD_KEYS and parsed == rec
        assert parsed["schema"] == bench.SCHEMA
        for key in ("time_build", "time_compile", "time_solve", "time_total", "time_certify", "time_raw_highs"):
            assert isinstance(parsed[key], float) and parsed[key] >= 0, key
        assert parsed["time_total"] >= parsed["time_solve"]
        assert isinstance(parsed["iterations"], int) and parsed["iterations"] > 0
        n = parsed["size"]
        assert parsed["n_variables"] == n * n and parsed["n_constraints"] == n + n * (n - 1)
        assert set(parsed["economic_residuals"]) == {"obedience", "bayes_plausibility", "nonnegativity"}
        assert set(parsed["price_diff"]) == {"consistency", "obedience"}
        env = parsed["environment"]
        assert env["cpu_count"] >= 1 and env["versions"]["cvxpy"] == cp.__version__
    tiers = {(r["solver"], r["tier"]): r["options"] for r in recs}
    assert tiers[("HIGHS", "low")]["primal_feasibility_tolerance"] == 1e-3
    assert tiers[("CLARABEL", "medium")]["tol_feas"] == 1e-6


def test_smoke_run_over_two_solvers_is_correct(records):
    recs, _ = records
    assert all(r["success"] for r in recs), [(r["instance"], r["solver"], r["tier"]) for r in recs if not r["success"]]
    for rec in recs:
        inst = bench.family("glp_platform").instance(rec["size"], rec["seed"])
        econ = inst.economic.args[0]  # the generator's economy: compare to the BBM closed form
        tol = 1e-9 if rec["solver"] == "HIGHS" else 20 * rec["tol"]
        assert rec["objective"] == pytest.approx(econ.bbm_value(inst.model.value_of("q")), abs=tol)
        assert rec["primal_residual"] <= 10 * rec["tol"] and rec["relative_gap"] <= 10 * rec["tol"]
        assert rec["max_economic_residual"] <= 10 * rec["tol"]
    highs = [r for r in recs if r["solver"] == "HIGHS"]
    assert all(r["max_price_diff"] <= 1e-9 and r["objective_error"] <= 1e-12 for r in highs)


def test_raw_highs_solves_the_same_lp():
    inst = bench.family("glp_platform").instance(5, 1)
    seconds, nnz = bench.raw_highs(inst.model)
    econ = inst.economic.args[0]
    D, _ = obedience_matrix(econ.merchant_profit)
    assert seconds > 0 and nnz == D.nnz + 5 * 5  # obedience rows plus consistency rows


def test_instances_are_deterministic_in_the_seed():
    fam = bench.family("glp_platform")
    a, b, c = fam.instance(6, 0), fam.instance(6, 0), fam.instance(6, 1)
    np.testing.assert_array_equal(a.model.value_of("q"), b.model.value_of("q"))
    assert not np.allclose(a.model.value_of("q"), c.model.value_of("q"))


def test_economic_check_finds_a_disobeyed_recommendation():
    econ = om.PersonalDataEconomy([1.0, 2.0], [0.5, 0.5], [0, 0])

    class Fake(dict):
        pass

    # recommend fee 2 to everyone: profit 2*0.5 = 1 if obeyed, but fee 1 sells to all: 1*1.0... equal;
    # put more mass on w=1 so the merchant prefers fee 1: gain(2 -> 1) = 2*0.2 - (1*0.6 + 1*0.2) = -0.4
    chi = pd.DataFrame([[0.0, 0.0], [0.6, 0.2]], index=econ.fee_index, columns=econ.type_index)
    res = bench.problems._glp_economics(econ, Fake(chi=chi, q=pd.Series([0.6, 0.2], index=econ.type_index)))
    assert res["obedience"] == pytest.approx(0.4)
    assert res["bayes_plausibility"] == 0.0 and res["nonnegativity"] == 0.0


def test_shifted_geometric_mean_and_failures_charged_the_limit():
    assert bench.shifted_geometric_mean([0.0, 10.0]) == pytest.approx(math.sqrt(200) - 10)
    assert bench.shifted_geometric_mean([2.0, 2.0], shift=1) == pytest.approx(2.0)
    recs = pd.DataFrame({
        "instance": ["p1", "p2", "p1", "p2"], "tier": "t", "solver": ["A", "A", "B", "B"],
        "time_total": [1.0, 2.0, 2.0, 1.0], "success": [True, True, True, False], "time_limit": 100.0,
        "max_price_diff": np.nan, "max_economic_residual": np.nan})
    summ = bench.summary(recs).set_index("solver")
    assert summ.loc["A", "success_rate"] == 1.0 and summ.loc["B", "success_rate"] == 0.5
    assert summ.loc["B", "sgm_time"] == pytest.approx(math.sqrt(12 * 110) - 10)  # failure charged 100 s
    assert summ.loc["A", "sgm_ratio"] == 1.0
    prof = bench.performance_profile(recs, taus=[1.0, 2.0, 4.0])
    # p1: A 1 s, B 2 s; p2: A 2 s, B failed, so A is the best on both, B is 2x on p1 and fails p2
    assert prof["A"].tolist() == [1.0, 1.0, 1.0] and prof["B"].tolist() == [0.0, 0.5, 0.5]


def test_price_differences_by_family_by_hand():
    """The largest over every record (a failed one too, as in `summary`), where it is, and over the accepted only."""
    recs = pd.DataFrame({
        "instance": ["glp_platform/n=4/seed=0", "glp_platform/n=8/seed=0", "glp_platform/n=8/seed=0",
                     "yang_broker/n=3/seed=0"],
        "solver": ["HIGHS", "CLARABEL", "SCS", "SCS"], "tier": ["low", "low", "high", "high"],
        "success": [True, False, True, True], "max_price_diff": [0.5, 2.0, 0.25, np.nan]})
    out = bench.price_differences(recs).set_index("family")
    assert list(out.index) == ["glp_platform", "yang_broker"] and out.at["glp_platform", "model"] == "GLP P_q"
    assert out.at["glp_platform", "max_price_diff"] == 2.0 and out.at["glp_platform", "max_price_diff_accepted"] == 0.5
    assert out.loc["glp_platform", ["instance", "solver", "tier"]].tolist() == ["glp_platform/n=8/seed=0",
                                                                               "CLARABEL", "low"]
    assert not out.at["glp_platform", "success"]
    assert np.isnan(out.at["yang_broker", "max_price_diff"]) and pd.isna(out.at["yang_broker", "solver"])
    full = recs.assign(time_total=1.0, time_limit=10.0, max_economic_residual=np.nan, time_raw_highs=np.nan,
                       status="optimal", error=None, primal_residual=np.nan, dual_residual=np.nan, relative_gap=np.nan)
    assert "Largest price difference from HIGHS" in bench.report(full)


def test_cli_smoke_config_writes_records_and_report(tmp_path, capsys):
    # the report draws the performance profile: without matplotlib this is skipped, not failed
    pytest.importorskip("matplotlib", reason='bench --report needs matplotlib, which is not installed: '
                                             'pip install "optmarkets[bench]"')
    out, folder = tmp_path / "smoke.jsonl", tmp_path / "report"
    assert main(["bench", str(SMOKE), "--out", str(out), "--report", str(folder), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "shifted geometric mean" in text and "Modeling overhead" in text
    df = bench.load(out)
    assert set(df["solver"]) == {"HIGHS", "CLARABEL"} and df["success"].all()
    for name in ("report.md", "summary.csv", "overhead.csv", "performance_profile.png"):
        assert (folder / name).stat().st_size > 0, name
    assert main(["bench", "--summarize", str(out)]) == 0
    assert main(["bench", "--list"]) == 0
    assert "glp_platform" in capsys.readouterr().out


@pytest.fixture
def infeasible_family():
    @bench.problem_family("test_infeasible", sizes=(2,), needs="Model")
    def build(n, rng):
        model = om.Model("infeasible", sense="max")
        x = model.variable("x", (n, n), nonneg=True)
        model.constrain("consistency", consistency(x, np.ones(n)))  # columns of x >= 0 sum to 1 ...
        model.constrain("cap", family(cp.sum(x), "<=", 1.0))  # ... but all of x sums to at most 1 < n
        model.maximize(cp.sum(x))
        return model

    yield "test_infeasible"
    bench.problems._FAMILIES.pop("test_infeasible")


def test_a_failing_solve_is_a_record(infeasible_family):
    recs = bench.run(dict(families={infeasible_family: [2]}, solvers=["HIGHS"], time_limit=5), progress=False)
    (rec,) = recs
    assert rec["status"] == "infeasible" and rec["success"] is False
    assert rec["error"].startswith("InfeasibleError") and rec["objective"] is None
    summ = bench.summary(recs)
    assert summ.loc[0, "success_rate"] == 0.0 and summ.loc[0, "sgm_time"] == pytest.approx(5.0)


def test_family_of_an_absent_model_is_skipped():
    bench.problem_family("test_absent", sizes=(3,), needs="NoSuchModel")(lambda n, rng: None)
    try:
        assert "test_absent" not in bench.families()
        cfg = bench.BenchConfig.load(dict(families={"test_absent": [3], "glp_platform": [3]}))
        assert [(f.name, n) for f, n, _ in cfg.plan()] == [("glp_platform", 3)]
        with pytest.raises(om.InputError, match="family"):
            bench.family("test_absent")
    finally:
        bench.problems._FAMILIES.pop("test_absent")


def test_time_limit_goes_into_each_solvers_options():
    assert bench.solver_options("HIGHS", 1e-9, 7)["time_limit"] == 7.0
    assert bench.solver_options("SCS", 1e-3, 7) == {"max_iters": 200_000, "eps_abs": 1e-3, "eps_rel": 1e-3,
                                                    "time_limit_secs": 7.0}
    scipy = bench.solver_options("SCIPY", 1e-6, 7)["scipy_options"]
    assert scipy == {"primal_feasibility_tolerance": 1e-6, "dual_feasibility_tolerance": 1e-6, "time_limit": 7.0}
    assert "time_limit" not in bench.solver_options("ECOS", 1e-6, 7)


def test_bad_configs_name_their_field(tmp_path):
    with pytest.raises(om.InputError, match="config"):
        bench.BenchConfig.load(dict(solverz=["HIGHS"]))
    with pytest.raises(om.InputError, match="tiers"):
        bench.BenchConfig.load(dict(tiers={"low": 0}))
    with pytest.raises(om.InputError, match="time_limit"):
        bench.BenchConfig.load(dict(time_limit=-1))
    with pytest.raises(om.InputError, match="config"):
        bench.BenchConfig.load(tmp_path / "missing.toml")
    with pytest.raises(om.InputError, match="families"):
        bench.BenchConfig.load(dict(families={"nope": [3]})).plan()
    with pytest.raises(om.UnknownSolverError, match="solver"):
        bench.BenchConfig.load(dict(solvers=["NOPE"])).solver_names()


def test_all_solvers_means_every_installed_backend_reference_first():
    names = bench.BenchConfig.load(dict(solvers="all")).solver_names()
    assert names[0] == "HIGHS" and set(names) == set(om.solvers.available())


@pytest.mark.parametrize("name", sorted(bench.families()))
def test_every_available_family_solves_with_economic_residuals(name):
    fam = bench.family(name)
    (rec,) = bench.run(dict(families={name: list(fam.smoke_sizes[:1])}, solvers=["HIGHS"]), progress=False)
    assert rec["success"], rec["error"]
    assert rec["objective_error"] <= 1e-9 and rec["max_price_diff"] <= 1e-7  # HiGHS agrees with itself
    assert rec["time_raw_highs"] > 0 and rec["nnz"] > 0  # every family so far is an LP HiGHS takes raw
    # each paper model has obedience or IC/IR rows; the economic check reports and passes them
    assert rec["economic_residuals"] and rec["max_economic_residual"] <= 1e-7


def test_economic_residuals_from_certificate_family_names():
    viol = pd.Series({"IC": 1e-3, "IR": 0.0, "obedience_2": 2e-3, "truthful_1": 5e-3, "supply": 9.0})
    assert bench.runner._economic_from_certificate(viol) == {"IC": 5e-3, "IR": 0.0, "obedience": 2e-3}


def test_a_rerun_with_the_same_out_resumes_instead_of_truncating(tmp_path, monkeypatch):
    out = tmp_path / "run.jsonl"
    cfg = dict(families={"glp_platform": [4]}, solvers=["HIGHS"], tiers={"low": 1e-3}, time_limit=30)
    first = bench.run(cfg, out=out, progress=False)
    assert len(first) == 1 and first.resumed == 0

    def no_solve(*args, **kwargs):
        raise AssertionError("a record already in the file was run again")

    with monkeypatch.context() as m:
        m.setattr(bench.runner, "_record", no_solve)
        m.setattr(bench.runner, "_reference", no_solve)
        again = bench.run(cfg, out=out, progress=False)
    assert again == first and again.resumed == 1 and len(out.read_text().splitlines()) == 1
    more = bench.run({**cfg, "tiers": {"low": 1e-3, "medium": 1e-6}, "seeds": [0, 1]}, out=out, progress=False)
    assert more.resumed == 1 and len(more) == 4  # 2 seeds x 2 tiers: only the 3 new records were run
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0] == first[0] and len(lines) == 4
    assert {(r["instance"], r["tier"]) for r in lines} == {(f"glp_platform/n=4/seed={s}", t)
                                                          for s in (0, 1) for t in ("low", "medium")}


def test_a_record_cut_short_is_dropped_and_run_again(tmp_path):
    out = tmp_path / "run.jsonl"
    cfg = dict(families={"glp_platform": [4]}, solvers=["HIGHS"], tiers={"low": 1e-3}, seeds=[0, 1], time_limit=30)
    full = bench.run(cfg, out=out, progress=False)
    text = out.read_text()
    out.write_text(text[: len(text) - 40])  # killed while writing the second record
    again = bench.run(cfg, out=out, progress=False)
    assert again.resumed == 1 and len(out.read_text().splitlines()) == 2
    assert [r["instance"] for r in again] == [r["instance"] for r in full]
    assert bench.load(out)["objective"].tolist() == pytest.approx([r["objective"] for r in full])


def test_an_out_file_that_is_not_a_benchmark_is_refused(tmp_path):
    (tmp_path / "notes.jsonl").write_text('{"a": 1}\n')
    cfg = dict(families={"glp_platform": [4]}, solvers=["HIGHS"], time_limit=30)
    with pytest.raises(om.InputError, match=r"out: line 1 .* is not a optmarkets.bench/1 record"):
        bench.run(cfg, out=tmp_path / "notes.jsonl", progress=False)
    assert (tmp_path / "notes.jsonl").read_text() == '{"a": 1}\n'


def test_cli_bench_rerun_resumes(tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    argv = ["bench", "--families", "glp_platform:4", "--solvers", "HIGHS", "--tiers", "low", "--out", str(out),
            "--no-progress"]
    assert main(argv) == 0
    assert "1 records in" in capsys.readouterr().out
    assert main(argv) == 0
    assert "(1 kept from an earlier run)" in capsys.readouterr().out and len(out.read_text().splitlines()) == 1


@pytest.mark.parametrize(("config", "field"), [
    (dict(families=3), "families"), (dict(families={"glp_platform": [0]}), "families.glp_platform"),
    (dict(tiers=[1e-3]), "tiers"), (dict(tiers={"low": "x"}), "tiers"), (dict(seeds="a"), "seeds"),
    (dict(seeds=[-1]), "seeds"), (dict(time_limit="x"), "time_limit"), (dict(repeat=0), "repeat"),
    (dict(repeat=101), "repeat"), (dict(repeat=1.5), "repeat"),
    (dict(solvers=5), "solvers"), (dict(raw_highs="yes"), "raw_highs"),
])
def test_every_config_value_is_checked(config, field):
    with pytest.raises(om.InputError, match=field):
        bench.BenchConfig.load(config)


def test_summarize_errors_name_the_file(tmp_path):
    with pytest.raises(om.InputError, match="summarize: no file"):
        bench.load(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(om.InputError, match="has no benchmark records"):
        bench.load(tmp_path / "empty.jsonl")


# ------------------------------------------------------------------ limits checked when the config is read
@pytest.mark.parametrize(("name", "size"), [("glp_platform", 100_000), ("glp_first_best", 1_000_000),
                                            ("yang_broker", 200), ("hs_mechanism", 10_000), ("bdhn_revenue", 10**6)])
def test_a_family_size_above_the_limit_is_refused_before_anything_is_built(name, size, monkeypatch):
    def build(*args, **kwargs):
        raise AssertionError("an instance was built")

    monkeypatch.setattr(bench.ProblemFamily, "instance", build)
    start = time.perf_counter()
    with pytest.raises(om.InputError, match=rf"^families\.{name}: size: .* nonzeros .* above the limit 50,000,000"):
        bench.BenchConfig.load(dict(families={name: [4, size]}))
    assert time.perf_counter() - start < 1.0


def test_the_size_limit_from_a_file_the_command_line_and_python(tmp_path, monkeypatch, capsys):
    def run(*args, **kwargs):
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(bench.runner, "run", run)
    config = tmp_path / "big.toml"
    config.write_text('families = { glp_platform = [1000000] }\nsolvers = ["HIGHS"]\n')
    out = tmp_path / "x.jsonl"
    for argv in (["bench", str(config)], ["bench", "--families", "glp_platform:100000", "--solvers", "HIGHS"]):
        start = time.perf_counter()
        assert main([*argv, "--out", str(out), "--no-progress"]) == 2
        assert time.perf_counter() - start < 5.0
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "families.glp_platform: size:" in err and "limit 50,000,000" in err
    assert not out.exists()
    with om.limits(max_nonzeros=10**16, max_entries=10**11):  # the engines' limits, raised for a block
        cfg = bench.BenchConfig.load(dict(families={"glp_platform": [100_000]}))
    assert cfg.families == {"glp_platform": [100_000]}


def test_size_estimates_bound_the_families_lps():
    from optmarkets.solvers.export import standard_form

    for name, fam in bench.families().items():
        for size in (*fam.smoke_sizes, fam.sizes[0]):
            A = standard_form(fam.instance(size, 0).model).lp.A
            est = fam.size_estimate(size)
            assert A.nnz <= est.nonzeros and A.shape[0] <= est.rows and A.shape[1] <= est.variables, (name, size)
    for fam in bench.families().values():  # every size of the presets is within the limit
        for size in fam.sizes:
            fam.check_size(size)


def test_a_family_without_an_estimate_counts_n_cubed(infeasible_family):
    est = bench.family(infeasible_family).size_estimate(1000)
    assert est.nonzeros == 10**9 and est.engine == f"families.{infeasible_family}"
    with pytest.raises(om.InputError, match=rf"families\.{infeasible_family}: size: .*~n\^3"):
        bench.BenchConfig.load(dict(families={infeasible_family: [1000]}))


def test_repeat_is_at_most_max_repeat(tmp_path, monkeypatch, capsys):
    assert bench.config.MAX_REPEAT == 100 and bench.BenchConfig.load(dict(repeat=100)).repeat == 100
    with pytest.raises(om.InputError, match=r"^repeat: must be a whole number from 1 to 100, got 1000000000$"):
        bench.BenchConfig.load(dict(repeat=10**9))
    config = tmp_path / "repeat.toml"
    config.write_text('families = { glp_platform = [5] }\nsolvers = ["HIGHS"]\nrepeat = 1000000000\n')

    def run(*args, **kwargs):
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(bench.runner, "run", run)
    for argv in (["bench", str(config)], ["bench", "--families", "glp_platform:4", "--repeat", "101"]):
        assert main([*argv, "--out", str(tmp_path / "x.jsonl"), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "repeat: must be a whole number from 1 to 100" in err


# ------------------------------------------------------------------ --summarize reads records, field by field
@pytest.mark.parametrize(("change", "match"), [
    (lambda r: r.pop("time_total"), r"lacks the field 'time_total', which the report reads"),
    (lambda r: [r.pop(k) for k in ("time_limit", "status", "error", "nnz")],
     r"lacks the fields 'time_limit', 'status', 'error' and 1 more"),
    (lambda r: r.update(time_total="abc"), r"field 'time_total' must be a finite number, got \"abc\""),
    (lambda r: r.update(time_total=float("nan")), r"field 'time_total' must be a finite number, got nan"),
    (lambda r: r.update(success="yes"), r"field 'success' must be true or false"),
    (lambda r: r.update(instance=[1]), r"field 'instance' must be text, got a list"),
    (lambda r: r.update(tier=None), r"field 'tier' must be text, got None"),
    (lambda r: r.update(max_price_diff={"x": 1}), r"field 'max_price_diff' must be a finite number or null"),
    (lambda r: r.update(error=3), r"field 'error' must be text or null"),
])
def test_summarize_names_the_file_the_line_and_the_field(change, match, records, tmp_path, capsys):
    _, out = records
    lines = out.read_text().splitlines()
    bad = json.loads(lines[1])
    change(bad)
    path = tmp_path / "damaged.jsonl"
    path.write_text("\n".join([lines[0], json.dumps(bad), *lines[2:]]) + "\n")
    with pytest.raises(om.InputError, match=rf"^summarize: line 2 of '{re.escape(str(path))}':? {match}"):
        bench.load(path)
    assert main(["bench", "--summarize", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2 of" in err and "Error" not in err


def test_summarize_a_line_nested_too_deeply(records, tmp_path):
    _, out = records
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n" + out.read_text())
    with pytest.raises(om.InputError, match=r"summarize: line 1 of .* is nested too deeply"):
        bench.load(path)
    assert len(bench.load(out)) == len(out.read_text().splitlines())  # the run's own records still load


@pytest.mark.parametrize("end", ["\n", ""])
def test_an_out_file_nested_too_deeply_is_refused_and_left_alone(end, tmp_path):
    out = tmp_path / "deep.jsonl"
    text = "[" * 100_000 + "]" * 100_000 + end
    out.write_text(text)
    with pytest.raises(om.InputError, match=r"^out: .*deep\.jsonl"):
        bench.run(dict(families={"glp_platform": [4]}, solvers=["HIGHS"]), out=out, progress=False)
    assert out.read_text() == text


def test_a_loose_tier_is_the_solves_tol_too_so_its_accuracy_check_accepts_that_order():
    """HiGHS at tier 1e-3 on Yang n = 10 leaves a deviation row 8.6e-4 off: within 10 x the tier, a success; with
    the tier passed as options only, the solve's own check held it to 1e-7 and the record failed."""
    cfg = bench.BenchConfig(families={"yang_broker": [10]}, solvers=["HIGHS"], tiers={"low": 1e-3}, time_limit=30,
                            raw_highs=False)
    [rec] = bench.run(cfg, progress=False)
    assert rec["success"] and rec["error"] is None, rec["error"]
    assert 1e-7 < rec["primal_residual"] <= 10 * rec["tol"]
    assert rec["objective_error"] <= 10 * rec["tol"]


@pytest.mark.parametrize("tier", [0.05, 0.5])
def test_a_tier_looser_than_a_solve_takes_is_refused_when_the_config_is_read(tier, tmp_path, capsys):
    """A tier is the solve's tol too, which takes (0, 1e-2]: a looser one failed every record with an InputError
    after the run began (audit); now the config is refused, naming the field, before anything runs."""
    with pytest.raises(om.InputError, match=r"tiers: tolerance of 'loose' must be a number in \(0, 0.01\]"):
        bench.BenchConfig.load({"families": {"yang_broker": [3]}, "tiers": {"loose": tier}})
    code = main(["bench", "--families", "yang_broker:3", "--solvers", "HIGHS", "--tiers", str(tier),
                 "--out", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "tiers" in err and not (tmp_path / "r.jsonl").exists()


def test_a_familys_own_solve_options_may_name_tol_the_tier_wins():
    """A family whose solve options name `tol` (a TypeError, the keyword given twice, after the tier became the
    solve's tol): the tier's tol is the one the record runs at."""

    @bench.problem_family("test_own_tol", sizes=(2,), needs="Model")
    def build(n, rng):
        model = om.Model("own_tol", sense="max")
        x = model.variable("x", n, nonneg=True)
        model.constrain("cap", family(cp.sum(x), "<=", 1.0))
        model.maximize(cp.sum(x))
        return model, None, {"tol": 1e-9}

    try:
        [rec] = bench.run(bench.BenchConfig(families={"test_own_tol": [2]}, solvers=["HIGHS"], tiers={"low": 1e-3},
                                            raw_highs=False), progress=False)
    finally:
        bench.problems._FAMILIES.pop("test_own_tol")
    assert rec["success"] and rec["error"] is None and rec["objective"] == pytest.approx(1.0), rec["error"]
