"""Files users name (audit of files): a refused file is left byte for byte; a FIFO is refused, not opened; a saved
solution's fields are checked; an LP file's names are ones HiGHS reads back; `--save '~/x.nc'` checks and writes one
path; `bench --suite --tiers` checks each tolerance as a config file's.

References: the byte contents written before each refusal; HiGHS reading the files back; the limits
`bench.config` documents ((0, MAX_TOL]) and `core.exact_values.WIDEN_ULPS`."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
import threading

import highspy
import pytest
import xarray as xr

import optmarkets as om
from optmarkets.app import bench
from optmarkets.app.bench import suite as suite_module
from optmarkets.app.bench import suite_run
from optmarkets.app.cli import main
from optmarkets.builders import family
from optmarkets.core.errors import InputError
from optmarkets.core.exact_values import WIDEN_ULPS
from optmarkets.core.model import Model
from optmarkets.core.solution import Solution

ECON = dict(values=[1, 2], mass=[0.4, 0.6], outside_option=[0.3, 0.3], gamma_u=1.0)
GRID = [dict(q=[a, 0.3]) for a in (0.1, 0.2)]
BENCH = dict(families={"glp_platform": [4]}, solvers=["HIGHS"], tiers={"low": 1e-3}, time_limit=30)


def _problem():
    return om.PersonalDataEconomy(**ECON).platform_problem


def _one_line_error(capsys, needle: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error:") and needle in err, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ 1. refused files stay as they were
FOREIGN = [b"my only line, no newline", b"a,b\n1,2", b'{"a": 1}\n{"b":', b"[" * 100 + b"\n" + b"{"]


@pytest.mark.parametrize("text", FOREIGN)
def test_a_foreign_file_given_as_checkpoint_is_refused_and_left_byte_for_byte(text, tmp_path):
    path = tmp_path / "one.txt"
    path.write_bytes(text)
    with pytest.raises(InputError, match=r"^checkpoint: .*one\.txt' is not a sweep checkpoint"):
        om.sweep(_problem(), GRID, checkpoint=path)
    assert path.read_bytes() == text


def test_the_cli_refuses_someone_elses_file_as_checkpoint_and_leaves_it(tmp_path, monkeypatch, capsys):
    """The audit's case: `printf 'my only line, no newline' > one.txt; optmarkets sweep ... --checkpoint one.txt`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.txt").write_bytes(FOREIGN[0])
    assert main(["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5:1.5:2",
                 "--checkpoint", "one.txt"]) == 2
    _one_line_error(capsys, "is not a sweep checkpoint")
    assert (tmp_path / "one.txt").read_bytes() == FOREIGN[0]


def test_a_checkpoint_of_another_sweep_with_a_row_cut_short_is_refused_and_left(tmp_path):
    ckpt = tmp_path / "ckpt.jsonl"
    om.sweep(_problem(), GRID, prices=["consistency"], checkpoint=ckpt)
    cut = ckpt.read_bytes()[:-20]  # killed while writing its last row
    ckpt.write_bytes(cut)
    with pytest.raises(InputError, match=r"checkpoint: .* other \['prices'\]"):
        om.sweep(_problem(), GRID, prices=True, checkpoint=ckpt)
    assert ckpt.read_bytes() == cut
    resumed = om.sweep(_problem(), GRID, prices=["consistency"], checkpoint=ckpt)  # its own sweep repairs it
    assert len(resumed) == 2 and len(ckpt.read_text().splitlines()) == 3 and ckpt.read_text().endswith("\n")


@pytest.mark.parametrize("text", FOREIGN)
def test_a_foreign_file_given_as_bench_out_is_refused_and_left_byte_for_byte(text, tmp_path):
    path = tmp_path / "one.txt"
    path.write_bytes(text)
    with pytest.raises(InputError, match=r"^out: line \d+ of .*one\.txt"):
        bench.run(BENCH, out=path, progress=False)
    assert path.read_bytes() == text


# ------------------------------------------------------------------ 5. FIFOs are refused, not opened
def _refused_without_blocking(fifo, call) -> Exception:
    errors: list[Exception] = []

    def target():
        try:
            call()
        except Exception as exc:
            errors.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked in open(): release it with a writer and a reader that leave at once
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail(f"{fifo} was opened and blocked")
    assert len(errors) == 1 and isinstance(errors[0], InputError), errors
    return errors[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_given_to_summarize_checkpoint_or_out_is_refused_without_being_opened(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    error = _refused_without_blocking(fifo, lambda: bench.load(fifo))
    assert str(error).startswith("summarize: ") and "is not a regular file" in str(error)
    error = _refused_without_blocking(fifo, lambda: om.sweep(_problem(), GRID, checkpoint=fifo))
    assert str(error).startswith("checkpoint: ") and "is not a regular file" in str(error)
    error = _refused_without_blocking(fifo, lambda: bench.run(BENCH, out=fifo, progress=False))
    assert str(error).startswith("out: ") and "is not a regular file" in str(error)
    assert main(["bench", "--summarize", str(fifo)]) == 2
    _one_line_error(capsys, "is not a regular file")


# ------------------------------------------------------------------ 2. saved solutions: version and fields
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    sol = om.PersonalDataEconomy(**ECON).platform_problem([0.3, 0.3]).solve()
    path = tmp_path_factory.mktemp("nc") / "pq.nc"
    sol.to_netcdf(path)
    return sol, path


def _signed(dataset, edit) -> bytes:
    """`dataset` with its schema changed by `edit`, signed again as `write_solution` signs (a checksum is no proof
    against whoever edits the file: the fields are checked as well)."""
    dataset = dataset.copy()
    schema = json.loads(dataset.attrs["optmarkets_schema"])
    edit(schema)
    dataset.attrs = {**dataset.attrs, "optmarkets_schema": json.dumps(schema), "optmarkets_sha256": "0" * 64}
    raw = bytes(dataset.to_netcdf(engine="scipy"))
    at = raw.find(b"0" * 64)
    return raw[:at] + hashlib.sha256(raw).hexdigest().encode() + raw[at + 64:]


def test_a_signed_file_patched_to_version_1_is_refused(saved, tmp_path):
    """The audit's edit: the version attribute 2 -> 1 (the checksum is then not checked) and the value 0.3 -> 0.9."""
    sol, path = saved
    raw = path.read_bytes()
    key = b"optmarkets_format_version"
    at = raw.find(key) + (len(key) + 3) // 4 * 4  # netCDF attribute: padded name, type, count, value
    assert struct.unpack(">iii", raw[at:at + 12]) == (4, 1, 2)
    patched = raw[:at + 8] + struct.pack(">i", 1) + raw[at + 12:]
    value = json.dumps(sol.value).encode()
    assert patched.count(b'"value": ' + value) == 1
    for name, data in {"v1": patched, "v1-value": patched.replace(b'"value": ' + value, b'"value": 0.9')}.items():
        (tmp_path / f"{name}.nc").write_bytes(data)
        with pytest.raises(InputError, match=rf"^path: '.*{name}\.nc' claims format version 1 but carries an "
                                             "optmarkets_sha256"):
            Solution.load(tmp_path / f"{name}.nc")


@pytest.mark.parametrize(("edit", "field"), [
    (lambda s: s.update(value="abc"), "value: must be a finite number or NaN, got 'abc'"),
    (lambda s: s.update(value=math.inf), "value: must be a finite number or NaN, got inf"),
    (lambda s: s.update(value=True), "value: must be a finite number or NaN, got True"),
    (lambda s: s.update(status=["x"]), "status: must be one of optimal, "),
    (lambda s: s.update(status="proven by me"), "status: must be one of optimal, "),
    (lambda s: s.update(sense="sideways"), "sense: must be 'max' or 'min'"),
    (lambda s: s.update(model=5), "model: must be text"),
    (lambda s: s.update(timings={"solve": "fast"}), "timings: must map names to seconds"),
    (lambda s: s["certificate"].update(duality_gap="0"), "certificate.duality_gap: must be a number or null"),
    (lambda s: s["certificate"].update(notes=[3]), "certificate.notes: must be a list of text"),
    (lambda s: s["certificate"].update(computed="yes"), "certificate.computed: must be true or false"),
    (lambda s: s["certificate"].update(violations={"kind": "json", "value": {"x": "abc"}}),
     "certificate.violations: must be a Series of numbers"),
    (lambda s: s["sections"]["outputs"].update(v={"kind": "numpy_scalar", "dtype": "V2000000000", "value": 0}),
     "a numpy scalar of dtype 'V2000000000'"),
])
def test_a_resigned_file_with_a_field_of_the_wrong_type_is_refused_naming_it(saved, edit, field, tmp_path):
    _, path = saved
    with xr.open_dataset(io.BytesIO(path.read_bytes()), engine="scipy", decode_times=False) as opened:
        dataset = opened.load()
    forged = tmp_path / "forged.nc"
    forged.write_bytes(_signed(dataset, edit))
    with pytest.raises(InputError) as info:
        Solution.load(forged)
    assert str(info.value).startswith(f"path: '{forged}' is a damaged optmarkets solution file ({field}")
    assert "\n" not in str(info.value)


def test_a_nan_value_and_the_written_file_itself_still_load(saved, tmp_path):
    sol, path = saved
    assert Solution.load(path).value == sol.value
    with xr.open_dataset(io.BytesIO(path.read_bytes()), engine="scipy", decode_times=False) as opened:
        dataset = opened.load()
    (tmp_path / "nan.nc").write_bytes(_signed(dataset, lambda s: s.update(value=math.nan)))
    assert math.isnan(Solution.load(tmp_path / "nan.nc").value)


def test_a_solution_load_would_refuse_is_not_written(saved, tmp_path):
    sol, _ = saved
    target = tmp_path / "kept.nc"
    target.write_bytes(b"someone's file")
    for field, value in (("value", math.inf), ("status", "mine"), ("sense", "up")):
        bad = Solution(**{**{k: getattr(sol, k) for k in ("model", "status", "value", "solver", "primal", "duals",
                                                        "prices", "certificate", "sense", "units")}, field: value})
        with pytest.raises(InputError, match=rf"^solution: cannot be saved: {field}: "):
            bad.to_netcdf(target)
    assert target.read_bytes() == b"someone's file"


# ------------------------------------------------------------------ 6. '~' is a folder name, as check_out reads it
def test_a_quoted_tilde_names_a_folder_for_the_check_and_the_write(saved, tmp_path, monkeypatch, capsys):
    sol, _ = saved
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"^path: cannot write '~/x\.nc'"):  # no folder './~'
        sol.to_netcdf("~/x.nc")
    (tmp_path / "~").mkdir()
    assert str(sol.to_netcdf("~/x.nc")) == "~/x.nc" and (tmp_path / "~" / "x.nc").is_file()
    assert Solution.load("~/x.nc").value == sol.value
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_sb", "--save", "~/cli.nc"]) == 0
    assert "saved to ~/cli.nc" in capsys.readouterr().out
    assert (tmp_path / "~" / "cli.nc").is_file()
    assert list(home.iterdir()) == []  # the check was on ./~, and so was the write


# ------------------------------------------------------------------ 3. bench --suite --tiers: (0, MAX_TOL]
@pytest.mark.parametrize("tiers", ["inf", "nan", "0", "-1", "1e300", "low,1e300", "0.5", "-inf"])
def test_suite_tiers_out_of_range_are_one_line_before_anything_runs(tiers, tmp_path, monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("run_suite was called")

    monkeypatch.setattr(suite_module, "load_manifest", lambda folder: {"suite": "small", "instances": []})
    monkeypatch.setattr(suite_run, "run_suite", never)
    assert main(["bench", "--suite", str(tmp_path), f"--tiers={tiers}", "--out", str(tmp_path / "r.jsonl")]) == 2
    _one_line_error(capsys, "tiers: tolerance of ")


def test_suite_tiers_in_range_reach_the_run(tmp_path, monkeypatch, capsys):
    seen = []

    def stop(folder, solvers, *, tiers, **kwargs):
        seen.append(tiers)
        raise InputError("stopped here")

    monkeypatch.setattr(suite_module, "load_manifest", lambda folder: {"suite": "small", "instances": []})
    monkeypatch.setattr(suite_run, "run_suite", stop)
    out = str(tmp_path / "r.jsonl")
    assert main(["bench", "--suite", str(tmp_path), "--tiers", "low,1e-2,1e-4", "--out", out]) == 2
    assert seen == [{"low": 1e-3, "1e-2": 1e-2, "1e-4": 1e-4}]


# ------------------------------------------------------------------ 4. LP names HiGHS reads back
def _model(family_name: str = "cap", variable: str = "x") -> Model:
    m = Model("names", sense="max")
    x = m.variable(variable, 2, nonneg=True)
    m.constrain(family_name, family(x, "<=", [1.0, 2.0]))
    m.maximize(3 * x[0] + x[1])
    return m


def _reads_back(path) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    return h.getInfo().objective_function_value


@pytest.mark.parametrize(("fam", "var"), [("1st", "x"), ("cap", "2x"), (".cap", "x"), ("cap", ".x"), ("0", "x")])
def test_an_lp_name_with_a_digit_or_period_first_is_refused_mps_is_written(fam, var, tmp_path):
    model = _model(fam, var)
    with pytest.raises(InputError, match=r"^(family|variable) '.*': the LP format cannot carry this name"):
        model.to_lp(tmp_path / "m.lp")
    assert not (tmp_path / "m.lp").exists()
    assert _reads_back(model.to_mps(tmp_path / "m.mps")) == pytest.approx(5.0)


@pytest.mark.parametrize("name", ["a.b", "e1", "cap!", "s_t", "x{1}", "a(b)"])
def test_lp_names_the_format_allows_are_written_and_read_back(name, tmp_path):
    assert _reads_back(_model(name, name + "v").to_lp(tmp_path / "m.lp")) == pytest.approx(5.0)


@pytest.mark.parametrize("name", ["1st", "x:1", "a+b", "é"])
def test_a_refused_export_leaves_an_existing_file_as_it_was(name, tmp_path):
    target = tmp_path / "kept.lp"
    target.write_bytes(b"someone's LP")
    with pytest.raises(InputError, match="cannot carry"):
        _model(name).to_lp(target)
    assert target.read_bytes() == b"someone's LP" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.lp"]


def test_export_replaces_an_existing_file_once_written(tmp_path):
    target = tmp_path / "m.lp"
    target.write_bytes(b"old")
    assert _model().to_lp(target) == target and _reads_back(target) == pytest.approx(5.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.lp"]


# ------------------------------------------------------------------ 7. the suite's exact values, as computed
def test_the_suite_docstring_says_how_exact_reads_the_coefficients():
    doc = " ".join(suite_module.__doc__.split())
    assert "half an ulp of the file's" not in doc
    assert f"{max(WIDEN_ULPS):g} ulps" in doc and "read_rational" in doc
