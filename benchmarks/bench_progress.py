#!/usr/bin/env python3
"""Speed of `revhyper progress`: run `.venv/bin/python benchmarks/bench_progress.py [--quick]`.

Prints the machine, then, in process (rule set, profile and block already in memory; median with p95 in brackets):
- progress of a 12-week block with a 4-week log (bench_logs.py's log: 3 sessions a week, 4 sets each, 48 rows),
  from the log's bytes: reading the log, screening the profile again and re-planning the block;
  target < 2 ms (issue 10);
- progress alone (the log already read), and with an empty log;
- each figure as a ratio of screen + generate of the same 12-week block, as the other scripts print.
Nothing here is a test: timings depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import revhyper  # noqa: E402
from bench_logs import PROFILE, as_csv, four_weeks, p95, timed  # noqa: E402
from revhyper.engine.adapt import progress  # noqa: E402
from revhyper.logs.load import parse_log  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    calls, repeat = (20, 15) if args.quick else (100, 40)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"revhyper {revhyper.__version__} on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average {load}")
    rules = revhyper.default_ruleset()
    profile = revhyper.load_profile(PROFILE, rules)
    block = revhyper.generate(profile, rules)
    data = as_csv(four_weeks())
    log = parse_log(data, name="log.csv", ruleset=rules)
    empty = parse_log(b"date,variant,set,reps\n", name="empty.csv", ruleset=rules)
    adapted = progress(profile, block, log, rules)
    assert len(adapted.weeks) == 12 and adapted.progress is not None and adapted.progress.done_weeks == 4

    generate = statistics.median(timed(lambda: revhyper.generate(profile, rules), calls, repeat))
    print(f"\nIn process: a 12-week block, a 4-week log ({len(log)} sets in {len(log.sessions())} sessions), "
          "rule set loaded (median; p95 in brackets)")
    print(f"  {'screen + generate a 12-week block (for the ratios)':<52} {generate * 1e3:8.3f} ms")
    cases = [
        ("progress, from the log's bytes", lambda: progress(profile, block, parse_log(data, name="log.csv", ruleset=rules), rules), True),
        ("progress, the log already read", lambda: progress(profile, block, log, rules), False),
        ("progress, an empty log", lambda: progress(profile, block, empty, rules), False),
    ]
    ok = True
    for label, fn, target in cases:
        samples = timed(fn, calls, repeat)
        median = statistics.median(samples)
        verdict = (" (target < 2 ms) " + ("PASS" if median < 2e-3 else "MISS")) if target else ""
        ok = ok and (median < 2e-3 or not target)
        print(f"  {label:<52} {median * 1e3:8.3f} ms [p95 {p95(samples) * 1e3:.3f}]  {median / generate:4.1f}x generate"
              f"{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
