#!/usr/bin/env python3
"""The engine alone, against an older version in the same run: `.venv/bin/python benchmarks/bench_engine.py`.

Takes bench_batch.py's profile mix (``--count`` profiles; the invalid ones are skipped), parses each once, and times
``revhyper.generate(profile, rules)`` over all of them, and ``screen(profile, rules)`` alone: microseconds a block
(parsing and encoding are not counted). The same is timed for the code at ``--baseline`` (default: the merge-base
with main), exported with ``git archive`` to a temporary folder. Each round runs one fresh process of each version,
alternating which goes first (the machine is shared: interleaving spreads its noise over both); each process warms
up once, then times ``--passes`` passes and keeps the fastest. Prints the median of the rounds and the ratio, and
checks that both versions wrote the same bytes (sha256 over every block's canonical JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def worker(profiles_path: str, passes: int) -> None:
    """In a process whose PYTHONPATH puts the version to time first: print its figures as one JSON line."""
    import gc

    import revhyper
    from revhyper.screening import screen

    rules = revhyper.default_ruleset()
    profiles = []
    for i, text in enumerate(Path(profiles_path).read_text(encoding="utf-8").splitlines()):
        try:
            profiles.append(revhyper.parse_profile(text, name=f"line-{i + 1}.json", ruleset=rules, kind="json"))
        except revhyper.ProfileError:
            pass
    digest = hashlib.sha256()
    for profile in profiles:  # the warm-up pass, and the check that both versions write the same blocks
        digest.update(revhyper.block_to_json(revhyper.generate(profile, rules)))

    def best(fn) -> float:
        samples = []
        for _ in range(passes):
            gc.collect()
            start = time.perf_counter()
            for profile in profiles:
                fn(profile, rules)
            samples.append(time.perf_counter() - start)
        return min(samples) / len(profiles) * 1e6

    print(json.dumps({"generate_us": best(revhyper.generate), "screen_us": best(screen), "blocks": len(profiles),
                      "digest": digest.hexdigest(), "module": revhyper.__file__}))


def run_worker(src: Path, profiles_path: Path, passes: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, __file__, "--worker", str(profiles_path), "--passes", str(passes)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"the worker for {src} failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(figures["module"]).resolve().is_relative_to(src.resolve()), f"{figures['module']} is not from {src}"
    return figures


def export(ref: str, folder: Path) -> Path:
    """``ref``'s src/ folder, written under ``folder`` with git archive."""
    archive = folder / "baseline.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "baseline", filter="data")
    return folder / "baseline" / "src"


def main() -> int:
    parser = argparse.ArgumentParser(description="generate's time a block, against an older version")
    parser.add_argument("--count", type=int, default=3000, help="profiles from bench_batch's mix (default 3,000)")
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes of each version (default 5)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes in each process; the fastest counts")
    parser.add_argument("--baseline", metavar="GITREF", help="the version to compare with (default: merge-base with main)")
    parser.add_argument("--worker", metavar="PROFILES", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.passes)
        return 0

    sys.path.insert(0, str(HERE))
    from bench_batch import profiles
    from bench_generate import load_average, machine

    ref = args.baseline or subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], capture_output=True,
                                          text=True, check=True).stdout.strip()
    label = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True,
                           check=True).stdout.strip()
    print(f"revhyper engine on {machine()}; {load_average()}")
    with tempfile.TemporaryDirectory(prefix="revhyper-bench-engine-") as tmp:
        folder = Path(tmp)
        profiles_path = folder / "profiles.jsonl"
        profiles_path.write_text("".join(line + "\n" for line in profiles(args.count)), encoding="utf-8")
        versions = {f"baseline {label}": export(ref, folder), "current": ROOT / "src"}
        results: dict[str, list[dict]] = {name: [] for name in versions}
        for r in range(args.rounds):
            order = list(versions) if r % 2 == 0 else list(reversed(versions))
            for name in order:
                results[name].append(run_worker(versions[name], profiles_path, args.passes))
    print(f"  {args.count:,} profiles of bench_batch's mix, {results['current'][0]['blocks']:,} valid; "
          f"median of {args.rounds} rounds (a fresh process each, fastest of {args.passes} passes)")
    medians = {}
    for name, runs in results.items():
        generate = statistics.median(x["generate_us"] for x in runs)
        screening = statistics.median(x["screen_us"] for x in runs)
        medians[name] = generate, screening
        each = ", ".join(f"{x['generate_us']:.0f}" for x in runs)
        print(f"  {name:<20} generate {generate:8.1f} us/block   screen {screening:7.1f}   the rest {generate - screening:7.1f}"
              f"   [generate, each round: {each}]")
    (old_g, old_s), (new_g, new_s) = medians.values()
    print(f"  ratio (baseline / current): generate {old_g / new_g:.2f}x   screen {old_s / new_s:.2f}x   "
          f"the rest {(old_g - old_s) / (new_g - new_s):.2f}x")
    ratios = [a["generate_us"] / b["generate_us"] for a, b in zip(*results.values())]
    print(f"  generate ratio in each round: {', '.join(f'{x:.2f}' for x in ratios)}")
    same = len({x["digest"] for runs in results.values() for x in runs}) == 1
    print(f"  output: {'the same bytes from both versions' if same else 'DIFFERENT bytes from the two versions'}")
    print(f"  {load_average()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
