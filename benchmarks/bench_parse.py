#!/usr/bin/env python3
"""Reading one profile line of `revhyper batch`: run `.venv/bin/python benchmarks/bench_parse.py [--count N] [--rounds N]`.

Times ``revhyper.parse_profile(line, name=..., ruleset=rules, kind="json")`` (decode, check, build the Profile) over
COUNT lines of the batch benchmark's mix (bench_batch.profiles) and prints microseconds per profile, the median of
ROUNDS rounds, for this tree and for ``--baseline GITREF`` (default 478216c, before the reader was made faster),
exported with `git archive` to a temporary folder. Each round runs both in fresh processes, one after the other
(the order alternating), so load on the machine falls on both alike; the ratio is baseline / this tree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def worker(lines_path: str, inner: int) -> None:
    """Runs in a subprocess whose PYTHONPATH picks the code: prints the best of ``inner`` passes, us per profile."""
    import revhyper
    from revhyper.errors import ProfileError
    from revhyper.rules.ruleset_loader import default_ruleset

    rules = default_ruleset()
    lines = Path(lines_path).read_text(encoding="utf-8").splitlines()
    parse = revhyper.parse_profile

    def one_pass() -> float:
        start = time.perf_counter()
        for number, line in enumerate(lines, 1):
            try:
                parse(line, name=f"<line {number}>", ruleset=rules, kind="json")
            except ProfileError:
                pass
        return time.perf_counter() - start

    one_pass()  # warm-up: caches, the rule set's vocabulary
    best = min(one_pass() for _ in range(inner))
    print(json.dumps({"us": best / len(lines) * 1e6, "file": revhyper.__file__}))


def timed(src: Path, lines_path: Path, inner: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run([sys.executable, __file__, "--worker", str(lines_path), "--inner", str(inner)], env=env,
                         check=True, capture_output=True, text=True).stdout
    got = json.loads(out)
    assert Path(got["file"]).resolve().is_relative_to(src.resolve()), (got["file"], src)
    return got["us"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="profiles per pass (default 5000)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of (this tree, baseline) processes (default 7)")
    parser.add_argument("--inner", type=int, default=3, help="passes per process, the best kept (default 3)")
    parser.add_argument("--baseline", default="478216c", help="git ref to compare with (default 478216c)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.inner)
        return

    sys.path.insert(0, str(HERE))
    from bench_batch import profiles
    from bench_generate import load_average, machine

    print(machine())
    print(load_average())
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "src"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        lines_path = Path(tmp) / "profiles.jsonl"
        lines_path.write_text("\n".join(profiles(args.count)) + "\n", encoding="utf-8")
        new, old = [], []
        for round_ in range(args.rounds):
            order = [(new, ROOT / "src"), (old, base / "src")]
            for into, src in order if round_ % 2 == 0 else reversed(order):
                into.append(timed(src, lines_path, args.inner))
        ratios = [o / n for o, n in zip(old, new)]
        print(f"parse_profile over {args.count} lines of the batch mix, best of {args.inner} passes per process, "
              f"median of {args.rounds} rounds:")
        print(f"  baseline {args.baseline}: {statistics.median(old):7.1f} us per profile  "
              f"(rounds: {', '.join(f'{x:.1f}' for x in old)})")
        print(f"  this tree:        {statistics.median(new):7.1f} us per profile  "
              f"(rounds: {', '.join(f'{x:.1f}' for x in new)})")
        print(f"  speed-up: {statistics.median(ratios):.2f}x (median of per-round ratios; "
              f"range {min(ratios):.2f}-{max(ratios):.2f})")
        print(load_average())


if __name__ == "__main__":
    main()
