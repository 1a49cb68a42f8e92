"""Yang (2020), "Selling Consumer Data for Profit".

* `economy.py`: `DataBroker` (the data, demand, uniform pricing, virtual costs and every closed form,
  the regimes table) and the departures from the paper;
* `programs.py`: the exact mechanism LP DB-C (`mechanism_problem`, `optimal_face`), the profile LP,
  the price-controlling broker and the exclusive retailer, and the reading of a DB-C solution;
* `audit.py`: the brute-force evaluation of a mechanism (`MechanismAudit`);
* `examples.py`: the code-defined reproduce examples (`EXAMPLES`);
* `claims.py` (+ `claims_quasi_perfect.py`, `claims_reference.py`, `claims_partitional.py`,
  `claims_targeting.py`): issue 27's reproduce rows and checkers of the paper's claims;
* `partitional.py`: `PartitionalBroker` (Sec. 6.2, Theorems 8-9); `targeting.py`: `TargetingBroker`
  (Sec. 6.3, Theorems 10-11).
"""

from .audit import MechanismAudit
from .economy import NO_SALE, DataBroker
from .examples import EXAMPLES
from .partitional import PartitionalBroker
from .targeting import TargetingBroker

__all__ = ["EXAMPLES", "NO_SALE", "DataBroker", "MechanismAudit", "PartitionalBroker", "TargetingBroker"]
