"""Yang (2020): reproduce rows for the paper's lemmas, theorems and figures that issue 27 asks to be checked
(registered into `examples.EXAMPLES`; `optmarkets reproduce --only yang-claim`).

- yang-claim-theorem-1-cutoff: on Example 1's grids the broker's optimum serves 1 - phibar(c_k) at every cost
  (within one grid step 1/n, so the error falls to 0) and leaves consumers no surplus;
- yang-claim-prop-2-cutoff: the same for the price-controlling broker on finer grids;
- yang-claim-example-1-direct-acquisition: DA(t) <= 0 for every offer t >= 0 (closed form by hand);
- yang-claim-lemma-1-envelope: Lemma 1's envelope identity and integral monotonicity on LP optima;
- yang-claim-lemma-2-condition-8: condition (8) (grid form) on the Section 2 menu and its transfers 7/12, 1/3;
- yang-claim-lemma-3-every-psi: every cutoff function psi in [c, p0] (all of them: on a finite market psi acts
  through the values it passes) gives a psi-quasi-perfect scheme with IC transfers, audited by brute force;
- yang-claim-figure-4-partition: the price-recommendation partition C_p built from an auxiliary u ~ U[0, 1];
- yang-claim-lemma-4-allocations: price control and exclusive retail have the same optimal face (quantities and
  producer profits), by independent scipy LPs;
- yang-claim-lemma-15: R_bar(q) = int_0^q D0^{-1} against the LP of program (26);
- yang-claim-theorem-8, yang-claim-theorem-9: Sec. 6.2 (`claims_partitional`);
- yang-claim-theorems-10-11: Sec. 6.3 (`claims_targeting`).
"""

from __future__ import annotations

import itertools

import numpy as np

from ...core.reference import Check
from ...core.tolerances import ECON_TOL, REPRODUCE_TOL
from . import (
    claims_partitional,  # noqa: F401  (registers the Theorem 8-9 rows)
    claims_targeting,  # noqa: F401  (registers the Theorem 10-11 rows)
)
from . import claims_quasi_perfect as qp
from . import claims_reference as ref
from .continuum import direct_acquisition, direct_acquisition_optimum
from .economy import DataBroker
from .examples import EXAMPLES

#: Example 1 grids of the DB-C rows (lazy rows: 0.1-0.4 s each) and of the price-controlling rows
CUTOFF_GRIDS = (5, 10, 15)
PC_GRIDS = (20, 40)
#: offers t of the direct-acquisition row (the paper: DA(t) <= 0 for every t >= 0)
OFFERS = (0.0, 0.01, 0.1, 0.25, 0.5, 1.0)
#: quantities q of the Lemma 15 row (q = 7/12 is the fractional cutoff of spec Y-B4)
QUANTITIES = (0.0, 1 / 6, 1 / 3, 0.5, 7 / 12, 2 / 3, 5 / 6, 1.0)
#: a market whose demand is not regular (c = 0 earns 1, 0.8, 1.2 at the prices 1, 2, 4), for Lemma 3's LP audit;
#: and a cutoff function in [c, p0] = [(0, 0.5, 1.5), (4, 4, 4)]
NOT_REGULAR_PSI = (1.0, 2.0, 4.0)
NOT_REGULAR = ((1.0, 2.0, 4.0), (0.6, 0.1, 0.3), (0.0, 0.5, 1.5), (0.3, 0.4, 0.3))


def textbook() -> DataBroker:
    """[Y] Section 2's market: values {1, 2, 3} (1/3 each), costs {1/4, 3/4} (1/2 each)."""
    return DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 0.75], [0.5, 0.5])


def example1_cutoff(c: np.ndarray) -> np.ndarray:
    """[Y] Example 1: phibar(c) = 2c on [0, 1/3], (1 + c)/2 above."""
    return np.where(c <= 1 / 3, 2 * c, (1 + c) / 2)


def _cutoff_error(broker: DataBroker, quantity: np.ndarray) -> float:
    return float(np.abs(quantity - (1 - example1_cutoff(broker.costs))).max())


@EXAMPLES.register("yang-claim-theorem-1-cutoff")
def _theorem1(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-theorem-1-cutoff", "Theorem 1, Sec. 4.3 and Example 1 (phibar(c) = min(2c, (1 + c)/2))"
    rows = []
    for n in CUTOFF_GRIDS:
        broker = DataBroker.discretized_example1(n)
        sol = broker.solve(solver, rows="lazy")
        err = _cutoff_error(broker, sol["outcome"]["quantity"].to_numpy())
        rows.append(Check(name, f"max_k |q_k - (1 - phibar(c_k))|, DB-C on the n={n} grid (<= one step 1/n)", 0.0,
                          err, "paper-formula", where, 1 / n + ECON_TOL,
                          note=f"measured {err:.4g} = {err * n:.3f}/n: a discrete cutoff is off by at most one grid "
                               "step (spec §A.6), so the served quantity converges to 1 - phibar(c); tolerance 1/n"))
        rows.append(Check(name, f"expected consumer surplus, DB-C on the n={n} grid", 0.0,
                          float(sol["welfare"]["consumer_surplus"]), "paper", "Theorem 3 (on Example 1's grid)",
                          note="every buyer pays its value"))
    return rows


@EXAMPLES.register("yang-claim-prop-2-cutoff")
def _prop2(solver: str | None = None) -> list[Check]:
    name, rows = "yang-claim-prop-2-cutoff", []
    for n in PC_GRIDS:
        broker = DataBroker.discretized_example1(n)
        err = _cutoff_error(broker, broker.price_controlling_problem().solve(solver)["quantity"].to_numpy())
        rows.append(Check(name, f"max_k |q_k - (1 - phibar(c_k))|, price-controlling LP, n={n} (<= 1/n)", 0.0, err,
                          "paper-formula", "Prop. 2 (Example 1's grid)", 1 / n + ECON_TOL,
                          note=f"measured {err:.4g} = {err * n:.3f}/n; tolerance one grid step 1/n"))
    return rows


@EXAMPLES.register("yang-claim-example-1-direct-acquisition")
def _example1_direct_acquisition(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-example-1-direct-acquisition", "Sec. 5.3, Example 1 (direct acquisition <= 0)"
    how = ("by hand: producers with (1 - c)^2/4 <= t sell, u = 1 - c in [0, min(1, 2 sqrt t)]: "
           "DA(t) = int (u^2/2 - t) du = -(2/3) t^(3/2) for t <= 1/4 and 1/6 - t above")
    rows = []
    for t in OFFERS:
        closed = -(2 / 3) * t ** 1.5 if t <= 0.25 else 1 / 6 - t
        rows.append(Check(name, f"DA(t = {t:g}) by quadrature", closed, direct_acquisition(1, t), "derived", where,
                          note=how))
    best, offer = direct_acquisition_optimum(1)
    rows.append(Check(name, "max_t DA(t) (the paper: <= 0, attained by offering nothing)", 0.0, best, "paper", where,
                      note=f"at t = {offer:.3g}; DA(t) = -(2/3) t^(3/2) < 0 for every t > 0"))
    return rows


@EXAMPLES.register("yang-claim-lemma-1-envelope")
def _lemma1(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-lemma-1-envelope", "Lemma 1 (assertions 1-2) and eq. (5)"
    note = ("the LP's segments re-priced by every cost z in [c_1, c_K] (not only the grid): U(z) = max_k u_k(z), "
            "Q*(z) its quantity, integrated exactly between the breakpoints")
    rows = []
    for label, broker in (("Sec. 2 market", textbook()), ("Example 1, n = 10", DataBroker.discretized_example1(10))):
        sol = broker.solve(solver, rows="lazy")
        res = qp.envelope_residual(broker, broker.segments(sol), sol["transfer"].to_numpy())
        rows.append(Check(name, f"{label}: max_k |U(c_k) - U(c_K) - int_(c_k)^(c_K) Q*(z) dz|", 0.0,
                          res["assertion 1"], "paper-formula", where, ECON_TOL, note=note))
        rows.append(Check(name, f"{label}: min over j, k of int_(c_j)^(c_k) (Q*(z) - Q_k(z)) dz (>= 0)", 0.0,
                          min(0.0, res["assertion 2"]), "paper-formula", where, ECON_TOL,
                          note=note + f"; measured {res['assertion 2']:.3g}"))
    return rows


@EXAMPLES.register("yang-claim-lemma-2-condition-8")
def _lemma2(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-lemma-2-condition-8", "Lemma 2, condition (8); Sec. 2 and Sec. 4.3"
    broker, third = textbook(), 1 / 3
    menu = [np.diag([third] * 3), np.array([[1 / 6, third, 0.0], [1 / 6, 0.0, third]])]  # value-revealing, residential
    psi = [1.0, 2.0]  # value-revealing data is 1-quasi-perfect, residential data 2-quasi-perfect (Sec. 4.1)
    tau = qp.envelope_transfers(broker, menu)
    audit = broker.evaluate(menu, tau)
    return [
        Check(name, "the Sec. 2 menu is psi-quasi-perfect, psi = (1, 2) (largest failure)", 0.0,
              qp.quasi_perfect_violation(broker, menu, psi), "paper", "Sec. 4.1 (Definition 1)"),
        Check(name, "condition (8), grid form, on the Sec. 2 menu (largest psi_i - p_D(z_i))", 0.0,
              qp.condition_8_violation(broker, menu, psi), "paper", where,
              note="grid form: p_D(c_(i-1)) >= psi_i (docs/yang.md, coverage)"),
        Check(name, "Lemma 1-2 transfer of value-revealing data (local downward IC binding)", 7 / 12,
              float(tau.iloc[0]), "paper", "Sec. 2, menu M*"),
        Check(name, "Lemma 1-2 transfer of residential data", 1 / 3, float(tau.iloc[1]), "paper", "Sec. 2, menu M*"),
        Check(name, "IC of the menu at those transfers, by brute force (largest violation)", 0.0, audit.ic_violation,
              "paper", where),
    ]


def _every_psi(broker: DataBroker, shifted: bool) -> list[np.ndarray]:
    """Every nondecreasing cutoff function psi with c_k <= psi_k <= the bound of `psi_range`, up to what a finite
    market can tell apart (psi_k acts only through the values v >= psi_k): psi_k in {c_k} u the values in range."""
    lo, hi = qp.psi_range(broker, shifted)
    options = [sorted({float(lo[k])} | {float(v) for v in broker.values if lo[k] <= v <= hi[k]})
               if lo[k] <= hi[k] else [] for k in range(broker.n_costs)]  # the shifted range can be empty
    return [np.array(p) for p in itertools.product(*options) if all(np.diff(p) >= 0)]


def lemma3_audit(broker: DataBroker, shifted: bool, psis: list[np.ndarray] | None = None) -> dict[str, float]:
    """[Y]'s construction for every psi of `_every_psi` (or of `psis`): the largest quasi-perfect failure, the
    largest grid-(8) failure, the largest positive misreport cycle (> 0: no IC transfer exists) and the largest IC
    violation of the envelope transfers (brute force), and how many psi were audited."""
    out = {"count": 0.0, "quasi-perfect": 0.0, "condition 8": 0.0, "cycle": -np.inf, "envelope IC": 0.0}
    for psi in _every_psi(broker, shifted) if psis is None else psis:
        scheme = qp.quasi_perfect_scheme(broker, psi)
        out["count"] += 1
        out["quasi-perfect"] = max(out["quasi-perfect"], qp.quasi_perfect_violation(broker, scheme, psi))
        out["condition 8"] = max(out["condition 8"], qp.condition_8_violation(broker, scheme, psi))
        out["cycle"] = max(out["cycle"], qp.positive_cycle(broker, scheme))
        ic = broker.evaluate(scheme, qp.envelope_transfers(broker, scheme)).ic_violation
        out["envelope IC"] = max(out["envelope IC"], ic)
    return out


@EXAMPLES.register("yang-claim-lemma-3-every-psi")
def _lemma3(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-lemma-3-every-psi", "Lemma 3 (and Lemma 2), construction (2)-(3) with psi"
    rows = []
    markets = (("Sec. 2 market", textbook()),
               ("values 1..5, costs {0.5, 1.5, 2.5}", DataBroker([1, 2, 3, 4, 5], [0.2] * 5, [0.5, 1.5, 2.5],
                                                                 [0.3, 0.3, 0.4])))
    for label, broker in markets:
        paper, grid = lemma3_audit(broker, shifted=False), lemma3_audit(broker, shifted=True)
        n = int(paper["count"])
        rows += [
            Check(name, f"{label}: every psi in [c, p0] ({n} of them): largest quasi-perfect failure", 0.0,
                  paper["quasi-perfect"], "paper", where),
            Check(name, f"{label}: every psi in [c, p0]: largest misreport cycle gain (<= 0: IC transfers exist)",
                  0.0, max(0.0, paper["cycle"]), "paper", where,
                  note=f"Floyd-Warshall on Pi_(k|j) - Pi_(j|j); measured {paper['cycle']:.3g}"),
            Check(name, f"{label}: psi_k <= p0(c_(k-1)) ({int(grid['count'])} psi): largest grid-(8) failure", 0.0,
                  grid["condition 8"], "corrected", where,
                  note="the grid form of (8) holds under the index shift of (A1d'), not for every psi <= p0(c_k)"),
            Check(name, f"{label}: psi_k <= p0(c_(k-1)): IC of the envelope transfers, by brute force", 0.0,
                  grid["envelope IC"], "corrected", "Lemma 1 (assertion 1) and Lemma 2",
                  note="discrete Lemma 2: under the grid (8), binding local downward IC is IC"),
        ]
    broker, psi = DataBroker(*NOT_REGULAR), np.array(NOT_REGULAR_PSI)
    sol = qp.quasi_perfect_problem(broker, psi).solve(solver)
    audit = broker.audit(sol)
    rows += [
        Check(name, "demand not regular: an IC psi-quasi-perfect mechanism exists (LP feasible) and is IC by brute "
                    "force (largest violation)", 0.0, audit.ic_violation + audit.ir_violation, "paper", where,
              note="DB-C restricted to psi-quasi-perfect segments, psi = (1, 2, 4) <= p0 = (4, 4, 4)"),
        Check(name, "demand not regular: the LP's segments are psi-quasi-perfect (largest failure)", 0.0,
              qp.quasi_perfect_violation(broker, broker.segments(sol), psi), "paper", "Definition 1"),
    ]
    return rows


@EXAMPLES.register("yang-claim-figure-4-partition")
def _figure4(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-figure-4-partition", "Sec. 4.3, Figure 4 (price-recommendation data C_p)"
    broker = textbook()
    cutoff = float(min(broker.ironed_virtual_costs().iloc[1], broker.uniform_pricing()["price"].iloc[1]))  # 5/4
    part = qp.recommendation_partition(broker, cutoff)
    masses = part.drop(columns=["lo", "hi"]).to_numpy()
    canonical = broker.canonical_mechanism()[0][1]
    rows = [
        Check(name, "C_2's u-interval [0, 1/2): its upper end", 0.5, float(part.loc[2.0, "hi"]), "paper", where,
              note="u = (D0(phibar) - D0(p))/D0(phibar); D0(5/4) = 2/3, D0(2) - D0(3) = 1/3"),
        Check(name, "the u-intervals partition [0, 1] (total length)", 1.0, float((part["hi"] - part["lo"]).sum()),
              "paper", where),
        Check(name, "C_2 = residential segment D_A: mass of v = 1 consumers", 1 / 6, float(masses[0, 0]), "paper",
              "Sec. 2, Figure 2 (D_A = {2: 1/3, 1: 1/6})"),
        Check(name, "C_3 = residential segment D_H: mass of v = 1 consumers", 1 / 6, float(masses[1, 0]), "paper",
              "Sec. 2, Figure 2 (D_H = {3: 1/3, 1: 1/6})"),
        Check(name, "C_p against the canonical segments of eq. (2)-(3) (largest difference)", 0.0,
              float(np.abs(masses - canonical).max()), "derived", where,
              note="eq. (2)-(3) built from shares m(v)/D0(phibar) by `canonical_mechanism`"),
        Check(name, "each C_p is obeyed by c = 3/4 (recommended p is its largest optimal price): largest failure",
              0.0, qp.quasi_perfect_violation(broker, [np.diag(broker.value_probs), masses], [0.25, cutoff]),
              "paper", where),
    ]
    return rows


def lemma4_instances() -> list[tuple[str, DataBroker]]:
    """Sec. 2, the counter-example of spec Y-B4 and two seeded random markets."""
    out = [("Sec. 2 market", textbook()),
           ("spec Y-B4 market", DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 1.25], [0.5, 0.5]))]
    rng = np.random.default_rng(27)
    for seed in range(2):
        values = np.sort(rng.choice(np.arange(1, 10), 4, replace=False)).astype(float)
        costs = np.sort(rng.choice(np.arange(0, 12), 3, replace=False)) / 2
        out.append((f"random market {seed}", DataBroker(values, rng.dirichlet(np.ones(4)), costs,
                                                        rng.dirichlet(np.ones(3)))))
    return out


@EXAMPLES.register("yang-claim-lemma-4-allocations")
def _lemma4(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-lemma-4-allocations", "Lemma 4 (ER and PC outcome-equivalent)"
    rows = []
    for label, broker in lemma4_instances():
        pc, er = ref.pc_er_face(broker, "PC"), ref.pc_er_face(broker, "ER")
        rows.append(Check(name, f"{label}: optimal quantity ranges, PC vs ER (largest difference)", 0.0,
                          float(np.abs(pc.quantity - er.quantity).max()), "derived", where, ECON_TOL,
                          note="min and max of every q_k over each optimal face, two scipy LPs"))
        rows.append(Check(name, f"{label}: optimal producer-profit ranges, PC vs ER (largest difference)", 0.0,
                          float(np.abs(pc.profit - er.profit).max()), "derived", where, ECON_TOL,
                          note="min and max of every U_k over each optimal face, two scipy LPs"))
        sol = broker.exclusive_retail_problem().solve(solver)
        x = sol["x"].to_numpy()
        tau = x @ (broker.value_probs * broker.values) - sol["t"].to_numpy()  # tau = revenue - t
        mapped = ref.pc_apply(broker, x, tau)
        rows.append(Check(name, f"{label}: the ER optimum as a PC mechanism: revenue = the PC optimum", pc.value,
                          mapped["revenue"], "derived", where,
                          note=f"IC violation {mapped['IC']:.2g}, IR violation {mapped['IR']:.2g} (by hand)"))
    return rows


@EXAMPLES.register("yang-claim-lemma-15")
def _lemma15(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-lemma-15", "Lemma 15 (program (26)): R_bar(q) = int_0^q D0^-1"
    broker = textbook()

    def by_hand(q: float) -> float:  # D0^-1 = 3 on [0, 1/3], 2 on (1/3, 2/3], 1 above
        return 3 * min(q, 1 / 3) + 2 * min(max(q - 1 / 3, 0), 1 / 3) + max(q - 2 / 3, 0)

    rows = []
    for q in QUANTITIES:
        rows.append(Check(name, f"Sec. 2 market: R_bar(q = {q:.4g}) = top_revenue", by_hand(q),
                          float(broker.top_revenue(q)[0]), "paper-formula", where))
        rows.append(Check(name, f"Sec. 2 market: LP (26) at q = {q:.4g}", by_hand(q),
                          ref.segmentation_revenue_lp(broker, q), "derived", where, REPRODUCE_TOL,
                          note="scipy LP over segments labelled by their price (randomised prices split segments)"))
    return rows
