"""Report on benchmark records: success rates, shifted geometric means, performance profiles, overhead.

    python benchmarks/report.py results.jsonl [--out report-folder]

Same as `optmarkets bench --summarize results.jsonl --report report-folder`.
"""

import argparse

from optmarkets.app import bench

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", help="JSONL file written by `optmarkets bench`")
    parser.add_argument("--out", default=None, help="folder for report.md, CSVs and performance_profile.png")
    parser.add_argument("--shift", type=float, default=bench.SHIFT, help="shift of the geometric mean (s)")
    args = parser.parse_args()
    print(bench.report(bench.load(args.records), args.out, shift=args.shift))
