#!/usr/bin/env python3
"""The engine alone, against an older version in the same run: `.venv/bin/python benchmarks/bench_engine.py`.

Takes bench_batch.py's profile mix (``--count`` profiles; the invalid ones are skipped), parses each once, and times
``revhyper.generate(profile, rules)`` over all of them, and ``screen(profile, rules)`` alone: microseconds a block
(parsing and encoding are not counted). The same is timed for the code at ``--baseline`` (default: the merge-base
with main), exported with ``git archive`` to a temporary folder. One process of each version parses the profiles
and warms up once; then the two take turns, pass by pass (the machine is shared: taking turns spreads its noise
over both), and each pass is timed in CPU time (time.process_time: a pass waiting for the CPU does not count).
Prints the median (and fastest) of the passes, the ratio, and checks that both versions wrote the same
bytes (sha256 over every block's canonical JSON).
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


def worker(profiles_path: str) -> None:
    """In a process whose PYTHONPATH puts the version to time first: parse the profiles, say how many and what the
    blocks hash to, then time one pass over them for each command read ("generate" or "screen"), in us a block."""
    import gc

    import revhyper
    from revhyper.engine.screening import screen

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
    print(json.dumps({"blocks": len(profiles), "digest": digest.hexdigest(), "module": revhyper.__file__}), flush=True)
    functions = {"generate": revhyper.generate, "screen": screen}
    for command in sys.stdin:
        fn = functions[command.strip()]
        gc.collect()
        start = time.process_time()
        for profile in profiles:
            fn(profile, rules)
        print((time.process_time() - start) / len(profiles) * 1e6, flush=True)


class Worker:
    """A worker process for one version of the code."""

    def __init__(self, src: Path, profiles_path: Path):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(src)
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", str(profiles_path)], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            sys.exit(f"the worker for {src} failed")
        self.about = json.loads(line)
        assert Path(self.about["module"]).resolve().is_relative_to(src.resolve()), f"{self.about['module']} is not from {src}"

    def time(self, command: str) -> float:
        self.process.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return float(self.process.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait()


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
    parser.add_argument("--passes", type=int, default=15, help="timed passes of each version, alternating (default 15)")
    parser.add_argument("--baseline", metavar="GITREF", help="the version to compare with (default: merge-base with main)")
    parser.add_argument("--worker", metavar="PROFILES", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
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
        workers = {f"baseline {label}": Worker(export(ref, folder), profiles_path),
                   "current": Worker(ROOT / "src", profiles_path)}
        times: dict[str, dict[str, list[float]]] = {name: {"generate": [], "screen": []} for name in workers}
        for n in range(args.passes):
            for command in ("generate", "screen"):
                for name in (list(workers) if n % 2 == 0 else list(reversed(workers))):
                    times[name][command].append(workers[name].time(command))
        for w in workers.values():
            w.close()
    blocks = {w.about["blocks"] for w in workers.values()}
    print(f"  {args.count:,} profiles of bench_batch's mix, {', '.join(map(str, blocks))} valid; {args.passes} passes over "
          "them of each version, alternating; us a block, median (fastest)")
    figures = {}
    for name, by in times.items():
        g, s = statistics.median(by["generate"]), statistics.median(by["screen"])
        figures[name] = g, s, min(by["generate"]), min(by["screen"])
        print(f"  {name:<18} generate {g:7.1f} ({min(by['generate']):6.1f})   screen {s:6.1f} ({min(by['screen']):6.1f})"
              f"   the rest {g - s:6.1f} ({min(by['generate']) - min(by['screen']):6.1f})")
    (og, os_, ogm, osm), (ng, ns, ngm, nsm) = figures.values()
    pair = [a / b for a, b in zip(*(by["generate"] for by in times.values()))]
    print(f"  ratio baseline / current, medians (fastest): generate {og / ng:.2f}x ({ogm / ngm:.2f}x)   "
          f"screen {os_ / ns:.2f}x ({osm / nsm:.2f}x)   the rest {(og - os_) / (ng - ns):.2f}x "
          f"({(ogm - osm) / (ngm - nsm):.2f}x)")
    print(f"  generate ratio of each pair of passes: median {statistics.median(pair):.2f}x, "
          f"range {min(pair):.2f}-{max(pair):.2f}")
    same = len({w.about["digest"] for w in workers.values()}) == 1
    print(f"  output: {'the same bytes from both versions' if same else 'DIFFERENT bytes from the two versions'}")
    print(f"  {load_average()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
