"""`optmarkets reproduce`: every row compared and sourced, --json, --exact, the table's width, progress,
and a deleted constraint family seen as a mismatch."""

from __future__ import annotations

import json
import math

import pytest

from optmarkets.app import instances, reproduce
from optmarkets.app.cli import main, reproduce_table
from optmarkets.core.errors import InputError
from optmarkets.core.reference import ACCURACY_TOL, SOURCES, Check
from optmarkets.papers.yang import DataBroker

KEYS = {"example", "quantity", "expected", "computed", "source", "where", "match"}


def test_match_is_always_a_comparison():
    row = Check("e", "q", 1.0, 1.0 + 2e-6, "paper", "Sec. 1")
    assert not row.match and row.with_accuracy("first-order").match
    assert Check("e", "q", 1000.0, 1000.0005, "paper", "Sec. 1").match  # relative above 1
    assert not Check("e", "q", 0.0, math.nan, "paper", "Sec. 1").match
    assert ACCURACY_TOL["vertex"] == ACCURACY_TOL["interior"] == 1e-6 and ACCURACY_TOL["first-order"] == 1e-4


@pytest.mark.parametrize("kwargs, field", [
    (dict(expected=None), "expected"), (dict(source="book"), "source"), (dict(where=""), "where"),
    (dict(source="derived", note=""), "derived"), (dict(source="corrected", note=""), "corrected"),
])
def test_a_check_without_expected_source_or_where_is_refused(kwargs, field):
    args = dict(example="e", quantity="q", expected=1.0, computed=1.0, source="paper", where="Sec. 1") | kwargs
    with pytest.raises(InputError, match=field):
        Check(**args)


def _file(tmp_path, check: str):
    path = tmp_path / "x.toml"
    path.write_text('model = "PersonalDataEconomy"\n[data]\nvalues = [1, 2]\nmass = [0.4, 0.6]\n'
                    'outside_option = [0.3, 0.3]\ngamma_u = 1.0\ngamma_pi = 0.0\n'
                    '[solve.P]\nmethod = "platform_problem"\nargs = { q = [0.4, 0.3] }\n'
                    f'[[check]]\nsolve = "P"\nquantity = "V"\n{check}')
    return path


@pytest.mark.parametrize("check, field", [
    ('source = "paper"\nwhere = "p. 1"\n', "expected"),
    ('expected = 0.3\nwhere = "p. 1"\n', "source"),
    ('expected = 0.3\nsource = "paper"\n', "where"),
    ('expected = 0.3\nsource = "book"\nwhere = "p. 1"\n', "source"),
    ('expected = "0.3"\nsource = "paper"\nwhere = "p. 1"\n', "expected"),
    ('paper = 0.3\nexpected = 0.3\nsource = "paper"\nwhere = "p. 1"\n', "paper"),
    ('expected = 0.3\nsource = "derived"\nwhere = "p. 1"\n', "note"),
])
def test_instance_checks_need_expected_source_and_where(tmp_path, check, field):
    with pytest.raises(InputError, match=field):
        instances.load(_file(tmp_path, check))


def test_instance_check_compares_and_gives_the_exact_optimum(tmp_path):
    inst = instances.load(_file(tmp_path, 'expected = 0.3\nsource = "paper-formula"\nwhere = "Sec. 4.1"\n'))
    (row,) = inst.reproduce(exact=True)
    assert row.match and row.exact == "3/10"
    bad = instances.load(_file(tmp_path, 'expected = 0.31\nsource = "paper-formula"\nwhere = "Sec. 4.1"\n'))
    assert not bad.reproduce()[0].match


def test_json_rows_are_sourced_numbers(capsys):
    assert main(["reproduce", "--only", "yang-textbook", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 16
    for row in rows:
        assert KEYS <= set(row) and row["source"] in SOURCES and row["where"]
        assert isinstance(row["expected"], float) and isinstance(row["computed"], float) and row["match"] is True


def test_table_fits_120_columns_with_sources_exact_and_no_negative_zero(capsys):
    assert main(["reproduce", "--only", "yang-discrete-cutoff", "--exact", "--progress"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert max(map(len, lines)) <= 120
    assert "derived" in captured.out and "paper-formula" in captured.out and "37/96" in captured.out
    assert not any(" -0 " in f" {line} " for line in lines)
    assert "reproduce [" in captured.err  # the progress counter


def test_table_rounds_for_display():
    table = reproduce.reproduce(match="glp-section-4-1-e6")
    text = reproduce_table(table)
    assert "-0 " not in text and "e-1" not in text and max(map(len, text.splitlines())) <= 120


def test_no_match_is_one_line_and_exit_2(capsys):
    assert main(["reproduce", "--only", "no-such-example"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error: reproduce:")


def test_deleting_the_deviation_family_is_a_mismatch(monkeypatch, capsys):
    """Yang's DB-C without its deviation (IC) family: R_DB = 5/12 instead of 37/96, and reproduce says so."""
    original = DataBroker.mechanism_problem

    def without_deviation(self, *args, **kwargs):
        model = original(self, *args, **kwargs)
        assert "deviation" in model.families
        del model.families["deviation"]
        return model

    monkeypatch.setattr(DataBroker, "mechanism_problem", without_deviation)
    assert main(["reproduce", "--only", "yang-discrete-cutoff", "--json"]) == 1
    rows = {r["quantity"]: r for r in json.loads(capsys.readouterr().out)}
    row = rows["broker revenue R_DB (exact LP)"]
    assert not row["match"] and row["expected"] == pytest.approx(37 / 96)
    assert row["computed"] == pytest.approx(5 / 12, abs=1e-9)


def test_deleting_the_mechanism_IC_family_is_a_mismatch(monkeypatch, capsys):
    from optmarkets.papers.hs import MultiProductSeller

    original = MultiProductSeller.mechanism_problem

    def without_ic(self, *args, **kwargs):
        model = original(self, *args, **kwargs)
        for name in [n for n in model.families if "IC" in n and "IR" not in n]:
            del model.families[name]
        return model

    monkeypatch.setattr(MultiProductSeller, "mechanism_problem", without_ic)
    assert main(["reproduce", "--only", "hs-section-3-two"]) == 1
    table = reproduce.reproduce(match="hs-section-3-two")
    assert not table["match"].all() and table["match"].any()
