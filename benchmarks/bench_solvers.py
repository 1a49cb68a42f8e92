"""The solver comparison of the README: every family at two small sizes, six backends, three tiers (162 records).

    python benchmarks/bench_solvers.py               # runs the benchmark afresh (a few minutes), then the report
    python benchmarks/bench_solvers.py --report-only # the report again from benchmarks/results/solvers.jsonl

The same as `optmarkets bench --families glp_platform:10+25,glp_first_best:10,yang_broker:5+10,hs_mechanism:5+10,
bdhn_revenue:5+10 --solvers HIGHS,HIGHS_IPM,CLARABEL,ECOS,SCS,SCIPY --tiers low,medium,high --out ...` with the
report written as results/solvers.md (and solvers_performance_profile.png): success rates, times, the largest price
difference from HiGHS per family (the README's "Prices differ between solvers by up to ..." reads that table,
tests/test_docs_results.py) and the overhead. The records are kept in results/solvers.jsonl.
"""

from __future__ import annotations

import argparse
import datetime
import re
from pathlib import Path

from optmarkets.app import bench

RESULTS = Path(__file__).resolve().parent / "results"
CONFIG = {
    "families": {"glp_platform": [10, 25], "glp_first_best": [10], "yang_broker": [5, 10], "hs_mechanism": [5, 10],
                 "bdhn_revenue": [5, 10]},
    "solvers": ["HIGHS", "HIGHS_IPM", "CLARABEL", "ECOS", "SCS", "SCIPY"],
    "tiers": dict(bench.TIERS),
    "seeds": [0],
    "time_limit": 60.0,
    "repeat": 1,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report-only", action="store_true", help="only the report, from the records file")
    parser.add_argument("--records", default=str(RESULTS / "solvers.jsonl"))
    parser.add_argument("--out", default=str(RESULTS / "solvers.md"))
    args = parser.parse_args()
    records_path, out = Path(args.records), Path(args.out)
    if not args.report_only:
        records_path.unlink(missing_ok=True)  # a fresh run, not a resumed one
        bench.run(CONFIG, out=records_path, progress=False)
    stamp = f"{datetime.datetime.now(datetime.UTC):%a %b %d %H:%M:%S UTC %Y}"
    if args.report_only:  # the run's date, from the report being rewritten
        earlier = re.search(r"run (.*?);", out.read_text()) if out.is_file() else None
        stamp = earlier.group(1) if earlier else "on an unknown date"
    records = bench.load(records_path)
    env = records["environment"].iloc[0] if "environment" in records else {}
    text = bench.report(records)
    title, rest = text.split("\n", 1)
    figure = out.with_name(out.stem + "_performance_profile.png")
    if not args.report_only or not figure.exists():
        bench.plot_profiles(records, figure)
    versions = ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items() if v)
    header = [title, "", f"`python benchmarks/bench_solvers.py`: run {stamp}; records `{records_path.name}` "
                         f"(`--report-only` rewrites this file from them); {env.get('cpu', '?')}, "
                         f"{env.get('cpu_count', '?')} cores; {versions}."]
    out.write_text("\n".join(header) + "\n" + rest + f"\n\n![profiles]({figure.name})\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
