#!/usr/bin/env python3
"""Speed of reading a training log: run `.venv/bin/python benchmarks/bench_logs.py [--quick]`.

Prints the machine, then, in process (rule set already loaded, median with p95 in brackets):
- reading a 4-week log in revhyper's CSV (3 sessions a week, 4 sets each: 48 rows, pain on each session's first
  row), from bytes to a checked TrainingLog; target < 1 ms, half of the 2 ms that issue 10 gives the whole of
  `revhyper progress` (which reads the log, then re-plans the block);
- the same log as JSON lines, and as Hevy's CSV export (with the exercise map lookups);
- the cost per set, and each figure as a ratio of screen + generate of a 12-week block (the work it will sit next to).
Nothing here is a test: timings depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import revhyper  # noqa: E402
from revhyper.logs.load import parse_log  # noqa: E402

PROFILE = ROOT / "examples" / "profiles" / "healthy-strength.toml"
START = dt.date(2026, 12, 7)


def four_weeks() -> list[tuple[dt.date, int, int, float, float, int, int]]:
    """(date, set, reps, load, rpe, pain during, pain next morning) for 4 weeks x 3 sessions x 4 sets."""
    rows = []
    for week in range(4):
        for day in (0, 2, 4):
            date = START + dt.timedelta(days=7 * week + day)
            for number in range(1, 5):
                rows.append((date, number, 12 - (number == 4), 20 + 2.5 * week, 6 + number / 2, 2 + (day == 2), 1))
    return rows


def as_csv(rows) -> bytes:
    lines = ["date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note"]
    for date, number, reps, load, rpe, during, morning in rows:
        first = number == 1
        lines.append(f"{date.isoformat()},machine_reverse_hyper,{number},{reps},{load:g},{rpe:g},"
                     f"{during if first else ''},{morning if first else ''},{'' if number < 4 else 'last set slow'}")
    return ("\n".join(lines) + "\n").encode()


def as_jsonl(rows) -> bytes:
    return "".join(json.dumps({"date": d.isoformat(), "variant": "machine_reverse_hyper", "set": n, "reps": r,
                               "load_kg": load, "rpe": rpe, "pain_during": pd, "pain_next_morning": pm}) + "\n"
                   for d, n, r, load, rpe, pd, pm in rows).encode()


def as_hevy(rows) -> bytes:
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    lines = ['"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes","set_index",'
             '"set_type","weight_kg","reps","distance_km","duration_seconds","rpe"']
    for d, n, r, load, rpe, _, _ in rows:
        when = f"{d.day} {months[d.month - 1]} {d.year}, 07:30"
        lines.append(f'"Back","{when}","{when}","","Reverse Hyperextension",,"",{n - 1},"normal",{load:g},{r},,,{rpe:g}')
        if n == 4:
            lines.append(f'"Back","{when}","{when}","","Plank",,"",0,"normal",,,,60,')
    return ("\n".join(lines) + "\n").encode()


def timed(fn, calls: int, repeat: int) -> list[float]:
    gc.collect()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(int(len(samples) * 0.95) - 1, 0)]


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
    rows = four_weeks()
    files = {"revhyper CSV": (as_csv(rows), "log.csv"), "JSON lines": (as_jsonl(rows), "log.jsonl"),
             "Hevy CSV export": (as_hevy(rows), "hevy.csv")}
    for data, name in files.values():  # each reads to the same 48 sets
        assert len(parse_log(data, name=name, ruleset=rules)) == len(rows)
    generate = statistics.median(timed(lambda: revhyper.generate(profile, rules), calls, repeat))
    print(f"\nIn process: a 4-week log, {len(rows)} sets in 12 sessions, rule set loaded (median; p95 in brackets)")
    print(f"  {'screen + generate a 12-week block (for the ratios)':<52} {generate * 1e3:8.3f} ms")
    ok = True
    for label, (data, name) in files.items():
        samples = timed(lambda: parse_log(data, name=name, ruleset=rules), calls, repeat)
        median = statistics.median(samples)
        target = " (target < 1 ms) " + ("PASS" if median < 1e-3 else "MISS") if label == "revhyper CSV" else ""
        ok = ok and (median < 1e-3 or label != "revhyper CSV")
        print(f"  {'read ' + label:<52} {median * 1e3:8.3f} ms [p95 {p95(samples) * 1e3:.3f}]  "
              f"{median / len(rows) * 1e6:5.1f} us a set  {median / generate:4.1f}x generate{target}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
