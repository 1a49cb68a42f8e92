"""Galperti, Liu & Perego's code-defined reproduce examples.

None yet: the paper's numbers are reproduced from the instance files `models/glp-section-4-1*.toml`
(and the Section 4.1 / App. B.2 equilibria by the application's reproduce command).
"""

from __future__ import annotations

from ...core.reference import Examples

EXAMPLES = Examples()  # this paper's code-defined reproduce examples
