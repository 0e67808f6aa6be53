"""Runs the benchmarks: `python -m bench.run_all [--smoke] [--only NAME ...] [--keep]`.

Full sizes by default (several minutes: seeding 10,000 couples and 100,000 responses, then each
measurement), and bench/RESULTS.md is updated. `--smoke` runs every part at tiny sizes in its
own database, well under a minute, and writes no results: CI runs it so the scripts keep
working. They report; they never fail on a goal.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench import common

PARTS = common.ORDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no results written")
    parser.add_argument("--only", action="append", choices=PARTS, metavar="NAME",
                        help=f"run only this part (repeatable): {', '.join(PARTS)}")  # fmt: skip
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the bench database and its seeded practices instead of starting afresh",
    )
    args = parser.parse_args(argv)
    selected = [name for name in PARTS if not args.only or name in args.only]
    bench = common.make_bench(args.smoke)
    started = time.perf_counter()
    # A fresh database whenever seeding is measured (and always for the smoke run, so it
    # never depends on what an earlier run left).
    fresh = args.smoke or ("seed" in selected and not args.keep)
    bench.log(f"bench database {bench.db_name}, {'fresh' if fresh else 'kept'}; parts: {selected}")
    common.prepare_database(bench, recreate=fresh)
    parts = []
    for name in selected:
        bench.log(f"=== {name}")
        module = importlib.import_module(f"bench.{name}")
        part = module.run(bench)
        parts.append(part)
        for row in part.headline:
            bench.log(f"    {row[0]}: {row[2]} [goal {row[1]}: {row[3]}]")
    command = "python -m bench.run_all" + " ".join(
        ["", *(["--smoke"] if args.smoke else []), *(f"--only {n}" for n in args.only or [])]
    )
    common.write_results(bench, parts, command.strip())
    print("\nSummary (measured side by side in this run; goals are reported, never enforced)")
    for part in parts:
        for measure, goal, measured, verdict in part.headline:
            print(f"  [{part.name}] {measure}: {measured}  (goal {goal}: {verdict})")
    where = "" if bench.smoke else f"; results in {common.RESULTS_MD.relative_to(common.ROOT)}"
    print(f"\nDone in {time.perf_counter() - started:.0f} s{where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
