"""Yang (2020), "Selling Consumer Data for Profit".

* `economy.py`: `DataBroker` (the data, demand, uniform pricing, virtual costs and every closed form,
  the regimes table) and the departures from the paper;
* `programs.py`: the exact mechanism LP DB-C (`mechanism_problem`, `optimal_face`), the profile LP,
  the price-controlling broker and the exclusive retailer, and the reading of a DB-C solution;
* `audit.py`: the brute-force evaluation of a mechanism (`MechanismAudit`);
* `examples.py`: the code-defined reproduce examples (`EXAMPLES`).
"""

from .audit import MechanismAudit
from .economy import NO_SALE, DataBroker
from .examples import EXAMPLES

__all__ = ["EXAMPLES", "NO_SALE", "DataBroker", "MechanismAudit"]
