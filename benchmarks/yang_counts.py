"""The counts docs/yang.md prints over random markets (Lemma 3, Theorems 8, 9, 10-11 on finite grids), recomputed
with the generators and seeds of tests/papers/test_yang_claims.py (`optmarkets.papers.yang.random_markets`).

    python benchmarks/yang_counts.py [--out benchmarks/results/yang_counts.md] [--scale 1.0]

Writes a Markdown table (claim, count, of, what): `count` of the `of` markets (or mechanisms) do `what`.
tests/test_docs_results.py reads the numbers of docs/yang.md against it. `--scale` multiplies every number of
markets (a quick look; the doc's numbers are those of scale 1).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown

from optmarkets.papers.yang import random_markets as rm

COMMAND = "python benchmarks/yang_counts.py"


def rows(scale: float = 1.0) -> list[rm.Row]:
    out: list[rm.Row] = []
    for count, n in ((rm.lemma3_rows, rm.LEMMA3_MARKETS), (rm.theorem8_rows, rm.THEOREM8_MARKETS),
                     (rm.theorem9_rows, rm.THEOREM9_MARKETS), (rm.targeting_rows, rm.TARGETING_MARKETS)):
        start = time.perf_counter()
        out += count(max(1, round(n * scale)))
        print(f"{count.__name__}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "yang_counts.md"))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every number of markets")
    args = parser.parse_args()
    start = time.perf_counter()
    table = pd.DataFrame(rows(args.scale), columns=["claim", "count", "of", "what"])
    stamp = datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    scale = "" if args.scale == 1.0 else f" --scale {args.scale:g}"
    text = [f"# Yang: counts over random markets (`{COMMAND}{scale}`)", "",
            f"Run {stamp} ({time.perf_counter() - start:.0f} s). Generators and seeds: "
            "`optmarkets.papers.yang.random_markets` (shared with tests/papers/test_yang_claims.py). "
            "`count` of the `of` markets (or mechanisms) do `what`; docs/yang.md prints these numbers "
            "(tests/test_docs_results.py).", "", markdown(table)]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
