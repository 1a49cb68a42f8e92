"""Yang's LPs are sized before they are built (`papers.yang.sizes`): DB-C grows as K^2 N^3 and DB-P's payoff table
with C(N + K, K) profiles, while instance files were sized as n^3, so a 1 KB file of 50 values and 50 costs passed
(1.25e5) and then took 5 GB, and 10 x 10's DB-P asked for a 1.4 GiB table (an audit). The estimates are upper
bounds, checked against the LPs actually built."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.cli import main
from optmarkets.papers.yang.sizes import mechanism_size, profile_size
from optmarkets.solvers.ranging import model_form


def _broker(N: int, K: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    values, costs = np.sort(rng.uniform(0.1, 1, N)), np.sort(rng.uniform(0, 0.9, K))
    return om.DataBroker(values, np.full(N, 1 / N), costs, np.full(K, 1 / K)), values, costs


@pytest.mark.parametrize("N,K", [(5, 5), (6, 4), (4, 7), (10, 10), (15, 6)])
def test_the_mechanism_estimate_bounds_the_lp_built(N, K):
    broker, values, costs = _broker(N, K)
    est = mechanism_size(values, costs)
    for reduced in (True, False):
        lp = model_form(broker.mechanism_problem(reduced=reduced)).lp
        assert lp.A.shape[1] == est.variables
        assert lp.A.nnz <= est.nonzeros <= 5 * lp.A.nnz and lp.A.shape[0] <= est.rows


@pytest.mark.parametrize("N,K", [(5, 5), (6, 4), (4, 7)])
def test_the_profile_estimate_bounds_the_lp_and_its_payoff_table(N, K):
    broker, values, costs = _broker(N, K)
    est = profile_size(values, costs)
    profiles = len(broker.profiles())
    lp = model_form(broker.profile_problem()).lp
    assert lp.A.shape[1] <= est.variables and lp.A.nnz <= est.nonzeros
    assert (N + 1) * profiles * K * K * N <= est.entries  # the dense payoff table the model holds


def test_a_large_broker_is_refused_before_anything_is_allocated():
    broker, *_ = _broker(50, 50)
    tracemalloc.start()
    with pytest.raises(om.InputError, match=r"DataBroker.mechanism_problem: size: .* nonzeros"):
        broker.mechanism_problem()
    small, *_ = _broker(10, 10)
    with pytest.raises(om.InputError, match=r"DataBroker.profile_problem: size: "):
        small.profile_problem()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6  # the 50 x 50 LP would take gigabytes; the 10 x 10 table 1.4 GiB


def test_an_instance_file_is_sized_by_the_engines_estimate(tmp_path, capsys):
    n = 50
    numbers = lambda xs: "[" + ", ".join(f"{x:g}" for x in xs) + "]"
    path = tmp_path / "broker.toml"
    path.write_text(f'model = "DataBroker"\n[data]\nvalues = {numbers(range(1, n + 1))}\n'
                    f"value_probs = {numbers([1 / n] * n)}\ncosts = {numbers(np.arange(n) / n)}\n"
                    f'cost_probs = {numbers([1 / n] * n)}\n[solve.broker]\nmethod = "mechanism_problem"\n')
    assert main(["solve", str(path)]) == 2
    line, = capsys.readouterr().err.strip().splitlines()
    assert "size: the model is estimated at 1.72e+08 nonzeros (DataBroker.mechanism_problem" in line
