"""The papers' value functions as reproduce rows (issue 24 item 4): GLP's V(q) kink at q1 = q2, HS Fig. 1's revenue
kinks at q = 1/4, 3/4 and the high type's surplus per interval, Yang's revenue as the cost prior moves (kink at
s = 2/3), Kamenica-Gentzkow's concavification (kink at 1/2) and BBM's surplus triangle: every row compared with a
closed form outside the code under test, every row matching, the exact kinks equal to the closed forms as Fractions."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from optmarkets.app import reproduce

#: example -> (number of rows, {quantity prefix: the exact Fraction its `exact` column must hold})
ROWS = {
    "glp-value-function-q": (11, {"kink t* = 1/2": Fraction(1, 2), "V(t*)": Fraction(1, 4),
                                  "slope dV/dt of piece 1": Fraction(3, 10),
                                  "slope dV/dt of piece 2": Fraction(-3, 10)}),
    "hs-figure-1-value-function": (12, {"kink at q = 1/4": Fraction(1, 6), "kink at q = 3/4": Fraction(5, 6),
                                        "Rev(q = 1/4)": Fraction(1), "Rev(q = 3/4)": Fraction(3, 2)}),
    "yang-value-function-cost-prior": (12, {"kink s* = 2/3": Fraction(2, 3), "R(s*)": Fraction(5, 12),
                                            "slope dR/ds of piece 1": Fraction(-1, 4)}),
    "kg-value-function-prior": (10, {"kink t* = 1/2": Fraction(1, 2), "V(t*)": Fraction(1)}),
    "bbm-surplus-frontier": (6, {}),
}


@pytest.fixture(scope="module")
def table():
    parts = [reproduce.reproduce(match=m) for m in ("value-function", "bbm-surplus-frontier")]
    return pd.concat(parts, ignore_index=True)


def test_every_row_matches_and_is_sourced(table):
    assert set(table["example"]) == set(ROWS)
    bad = table[~table["match"].astype(bool)]
    assert bad.empty, bad[["example", "quantity", "expected", "computed", "note"]].to_string()
    assert set(table["source"]) <= {"paper", "paper-formula", "derived"}
    assert table["where"].map(lambda w: bool(w.strip())).all()
    for name, (count, _) in ROWS.items():
        assert (table["example"] == name).sum() == count, name


def test_exact_kinks_equal_the_closed_forms_as_fractions(table):
    for name, (_, exact) in ROWS.items():
        rows = table[table["example"] == name]
        for prefix, value in exact.items():
            hit = rows[rows["quantity"].str.startswith(prefix)]
            assert len(hit) == 1, (name, prefix)
            assert Fraction(hit["exact"].iloc[0]) == value, (name, prefix, hit["exact"].iloc[0])
