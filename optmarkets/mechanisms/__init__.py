"""Finite mechanism design for many agents: environments, the designer's LP and a brute-force audit.

    env = MechanismEnvironment(agents={"b1": [1, 2], "b2": [1, 2]}, outcomes=["none", "b1", "b2"],
                               prior={"b1": [.5, .5], "b2": [.5, .5]}, values={"b1": V1, "b2": V2})
    m = mechanism_design(env, "revenue", ic="bayesian", ir="interim")
    sol = m.solve(); audit(m, sol).ok; sol.interim("payment")   # per (agent, type)

IC and IR families come from `optmarkets.builders.mechanisms` (vectorised, sparse).
"""

from .audit import MechanismAudit, audit, audit_mechanism
from .design import MechanismModel, mechanism_design, requirement_families
from .environment import MechanismEnvironment
from .interim import interim

__all__ = ["MechanismAudit", "MechanismEnvironment", "MechanismModel", "audit", "audit_mechanism", "interim",
           "mechanism_design", "requirement_families"]
