"""exact() on models built from random float data (issue 32): how many of N random instances verify.

    python benchmarks/exact_random.py [--n 200] [--out benchmarks/results/exact_random.md]

Families: a single-item auction (3 bidders x 5 values, independent Dirichlet priors; the issue's), a 2 x 3
auction with a random joint prior (revenue or welfare, interim or ex-ante IR), GLP's P_q (n = 5, random
values, masses and costs) and a BCE of a random 2-player, 2-state game with private signals (random
likelihoods). Each instance is solved (HiGHS, certified), then `Solution.exact()`; the reasons of those
that do not verify are counted.
"""

from __future__ import annotations

import argparse
import collections
import time
import warnings
from pathlib import Path

import numpy as np

import optmarkets as om


def auction(seed: int) -> om.Model:
    rng = np.random.default_rng(seed)
    agents = {f"b{i}": [1, 2, 3, 4, 5] for i in range(1, 4)}
    env = om.MechanismEnvironment.single_item(agents, prior={a: rng.dirichlet(np.ones(5)) for a in agents})
    return om.mechanism_design(env, "revenue")


def joint_auction(seed: int) -> om.Model:
    rng = np.random.default_rng(seed)
    env = om.MechanismEnvironment.single_item([[1, 2, 3], [1, 2, 4]], prior=rng.dirichlet(np.ones(9)).reshape(3, 3))
    return om.mechanism_design(env, "welfare" if seed % 2 else "revenue", ir="ex_ante" if seed % 3 == 0 else "interim")


def platform(seed: int) -> om.Model:
    rng = np.random.default_rng(seed)
    values, mass, cost = np.sort(rng.uniform(1, 3, 5)), rng.dirichlet(np.ones(5)), rng.uniform(0.1, 0.5, 5)
    return om.PersonalDataEconomy(values, mass, cost).platform_problem(mass * rng.uniform(0, 1, 5))


def bce(seed: int) -> om.Model:
    rng = np.random.default_rng(seed)
    game = om.FiniteGame(["p1", "p2"], {"p1": ["a", "b"], "p2": ["a", "b"]},
                         {p: rng.uniform(0, 1, (2, 2, 2)) for p in ["p1", "p2"]}, states=["L", "H"],
                         prior=rng.dirichlet(np.ones(2)))
    info = om.InformationStructure(game, {"p1": rng.dirichlet(np.ones(2), size=2),
                                          "p2": rng.dirichlet(np.ones(3), size=2)})
    return om.bayes_correlated_equilibrium(game, info)


FAMILIES = {"auction, 3 bidders x 5 values, random independent priors": auction,
            "auction, 2 x 3 values, random joint prior": joint_auction,
            "P_q (GLP), n = 5, random": platform,
            "BCE, 2 players x 2 states, random private signals": bce}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--out", default="benchmarks/results/exact_random.md")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    lines = ["# exact() on random float data (`python benchmarks/exact_random.py`)", "",
             f"{args.n} random instances per family (seeds 0..{args.n - 1}).", "",
             "| family | verified | not verified (reasons) | seconds |", "|---|---:|---|---:|"]
    for name, build in FAMILIES.items():
        start, verified, reasons = time.perf_counter(), 0, collections.Counter()
        for seed in range(args.n):
            exact = build(seed).solve().exact()
            verified += bool(exact.verified)
            if not exact.verified:
                reasons[exact.reason[:60]] += 1
        lines.append(f"| {name} | {verified}/{args.n} | {dict(reasons) or ''} | {time.perf_counter() - start:.1f} |")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
