#!/usr/bin/env python3
"""Platform-scale figures for `revhyper batch`: run `.venv/bin/python benchmarks/bench_batch.py [--count N] [--jobs N]`.

Writes COUNT varied, realistic profiles as JSON lines (seeded: the same file every run), runs
`revhyper batch PROFILES -o BLOCKS --jobs N` as a separate process (or, with --shards N, N processes
`--jobs 1` on N parts of the input at once) and prints, with the machine:
- blocks a second, over the whole process (start-up included) - target > 5,000 on 2 cores;
- peak memory of the process tree (the batch process and its workers), sampled from /proc every 20 ms:
  the sum of RSS (counts pages the forked workers share once per process: the strict figure, judged
  against the target < 200 MB), the sum of PSS (shared pages split between processes: what the tree
  really holds), and the largest single process (sampled, and getrusage(RUSAGE_CHILDREN).ru_maxrss);
- a check of the output: one line per input line, in order, and a sample of lines equal to the single
  `generate` of the same profile.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import load_average, machine  # noqa: E402

CONDITIONS = ["nonspecific_low_back_pain", "disc_herniation", "osteopenia", "hypertension", "hernia", "osteoporosis",
              "spondylolisthesis", "spinal_stenosis", "long_term_steroids"]
EQUIPMENT = [["reverse_hyper_machine"], ["reverse_hyper_machine", "mat"], ["reverse_hyper_machine", "bench"],
             ["bench", "mat"], ["stability_ball"], ["glute_ham_developer"], ["mat"]]


def profiles(count: int, seed: int = 2026):
    """Profiles in a platform's proportions: about 8 in 10 generate, most of the rest need clearance,
    a few are refused (red flags, very recent surgery), and about 1 in 1,000 is not a valid profile."""
    rng = random.Random(seed)
    for i in range(count):
        if rng.random() < 0.001:
            yield '{"person": {"age": 40}, "pain": {"current": 2, "duration_weeks": 3}, "training": {"goal": "strenght"}}'
            continue
        goal = rng.choice(["rehabilitation", "rehabilitation", "general", "endurance", "strength", "strength"])
        current = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8])
        profile = {
            "person": {"id": f"client-{i:07d}", "age": rng.randint(18, 75), "sex": rng.choice(["female", "male"]),
                       "body_mass_kg": rng.randint(50, 110)},
            "pain": {"current": current, "worst_last_week": min(10, current + rng.randint(0, 2)),
                     "duration_weeks": rng.choice([8, 12, 20, 40, 52, 150]),
                     "extension_aggravates": rng.random() < 0.15},
            "history": {"conditions": sorted(rng.sample(CONDITIONS, rng.choice([0, 0, 0, 1, 1, 2])))},
            "training": {"experience": rng.choice(["novice", "novice", "intermediate", "advanced"]), "goal": goal,
                         "days_per_week": rng.choice([2, 3, 3, 3, 4]), "weeks": rng.choice([8, 10, 12, 12, 12, 16]),
                         "start_date": f"2027-01-{rng.randint(1, 28):02d}", "equipment": rng.choice(EQUIPMENT)},
        }
        if rng.random() < 0.7:
            profile["training"]["working_load_kg"] = rng.choice([10, 15, 20, 25, 30, 40, 50, 60])
            profile["training"]["load_increment_kg"] = rng.choice([1, 2.5, 5])
        if rng.random() < 0.1:
            profile["clearance"] = [{"rules": ["high_pain", "extension_sensitive_diagnosis"], "role": "physiotherapist",
                                     "by": "A. Physio", "date": "2026-12-01"}]
        if rng.random() < 0.02:
            profile["red_flags"] = {rng.choice(["fever", "unexplained_weight_loss", "saddle_anesthesia"]): True}
        if rng.random() < 0.02:
            profile["history"]["surgeries"] = [{"procedure": "microdiscectomy", "weeks_ago": rng.choice([4, 8, 30])}]
        yield json.dumps(profile, separators=(",", ":"))


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros once it has gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


class Sampler(threading.Thread):
    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.roots = pids
        self.peak_rss = self.peak_pss = self.processes = self.peak_single = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            pids = [p for root in self.roots for p in tree(root)]
            sizes = [memory_kb(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))
            self.peak_single = max([self.peak_single, *(r for r, _ in sizes)])
            self.processes = max(self.processes, len(pids))


def check_output(profiles_path: Path, blocks_path: Path, count: int, samples: int) -> str:
    import revhyper

    rules = revhyper.default_ruleset()
    statuses: dict[str, int] = {}
    wanted = set(random.Random(7).sample(range(1, count + 1), min(samples, count)))
    checked = 0
    with open(profiles_path, encoding="utf-8") as ins, open(blocks_path, encoding="utf-8") as outs:
        for number, (profile_line, block_line) in enumerate(zip(ins, outs, strict=True), start=1):
            record = json.loads(block_line)
            assert record["line"] == number, f"line {number} holds the output of line {record['line']}"
            key = record.get("status", "error")
            statuses[key] = statuses.get(key, 0) + 1
            if number in wanted and "block" in record:
                profile = revhyper.parse_profile(profile_line.strip(), name="x.json", ruleset=rules, kind="json")
                assert record["block"] == revhyper.block_to_dict(revhyper.generate(profile, rules)), f"line {number} differs"
                checked += 1
    assert sum(statuses.values()) == count
    shares = ", ".join(f"{n:,} {s}" for s, n in sorted(statuses.items(), key=lambda kv: -kv[1]))
    return f"{count:,} lines in order ({shares}); {checked} sampled blocks equal single `generate`"


def main() -> int:
    args = arguments()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="revhyper-bench-"))
    try:
        return run(args, folder)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="revhyper batch throughput and memory")
    parser.add_argument("--count", type=int, default=100_000, help="profiles to generate (default 100,000)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs for revhyper batch (default 2)")
    parser.add_argument("--shards", type=int, default=0, metavar="N",
                        help="instead: split the input in N parts and run N `--jobs 1` processes at once")
    parser.add_argument("--keep", metavar="DIR", help="write PROFILES.jsonl and BLOCKS.jsonl here and keep them")
    return parser.parse_args()


def run(args: argparse.Namespace, folder: Path) -> int:
    print(f"revhyper batch on {machine()}; {load_average()}")
    folder.mkdir(parents=True, exist_ok=True)
    profiles_path, blocks_path = folder / "PROFILES.jsonl", folder / "BLOCKS.jsonl"
    with open(profiles_path, "w", encoding="utf-8") as out:
        for line in profiles(args.count):
            out.write(line + "\n")
    print(f"  input: {args.count:,} profiles, {profiles_path.stat().st_size / 1e6:.1f} MB ({profiles_path})")

    entry = Path(sys.executable).with_name("revhyper")
    command = [str(entry)] if entry.exists() else [sys.executable, "-m", "revhyper"]
    if args.shards:  # the input split by lines; one `--jobs 1` process for each part, all at once
        parts = [folder / f"PART-{k}.jsonl" for k in range(args.shards)]
        size = -(-args.count // args.shards)
        with open(profiles_path, encoding="utf-8") as ins:
            for k, part in enumerate(parts):
                with open(part, "w", encoding="utf-8") as out:
                    for _, line in zip(range(size), ins):
                        out.write(line)
        commands = [command + ["batch", str(part), "-o", str(part.with_suffix(".out")), "--jobs", "1"] for part in parts]
        how = f"{args.shards} shards x --jobs 1"
    else:
        commands = [command + ["batch", str(profiles_path), "-o", str(blocks_path), "--jobs", str(args.jobs)]]
        how = f"--jobs {args.jobs}"
    start = time.perf_counter()
    running = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands]
    sampler = Sampler([process.pid for process in running])
    sampler.start()
    results = [(process, process.communicate()[1]) for process in running]
    seconds = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
    for process, stderr in results:
        summary = stderr.decode().strip().splitlines()
        if process.returncode not in (0, 6):  # 6: done, and some lines were not valid profiles (about 1 in 1,000 here)
            print("\n".join(summary[-20:]))
            print(f"revhyper batch failed with exit code {process.returncode}")
            return 1
    if args.shards:
        with open(blocks_path, "wb") as out:  # renumber the parts' lines as one file, to check them below
            offset = 0
            for part in parts:
                count = 0
                with open(part.with_suffix(".out"), encoding="utf-8") as ins:
                    for count, text in enumerate(ins, start=1):
                        record = json.loads(text)
                        record["line"] += offset
                        out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
                offset += count
                part.unlink()
                part.with_suffix(".out").unlink()

    rate = args.count / seconds
    size = blocks_path.stat().st_size
    print(f"  output: {size / 1e9:.2f} GB, {size / args.count / 1e3:.1f} kB a line on average")
    for _, stderr in results:
        print(f"  revhyper says: {stderr.decode().strip().splitlines()[-1]}")
    print(f"\n  {'blocks a second, whole run, ' + how:<52} {rate:10,.0f}    (target > 5,000)  "
          f"{'PASS' if rate > 5000 else 'MISS'}   [{seconds:.1f} s for {args.count:,}]")
    print(f"  {'peak memory, process tree, sum of RSS':<52} {sampler.peak_rss / 1024:10.1f} MB (target < 200 MB) "
          f"{'PASS' if sampler.peak_rss / 1024 < 200 else 'MISS'}   [{sampler.processes} processes]")
    print(f"  {'peak memory, process tree, sum of PSS':<52} {sampler.peak_pss / 1024:10.1f} MB")
    print(f"  {'largest single process, RSS (sampled; getrusage)':<52} {sampler.peak_single / 1024:10.1f} MB "
          f"({largest / 1024:.1f} MB: ru_maxrss also counts this script's pages a child sees before exec)")
    if args.shards:
        print("  (the shards' output is renumbered into one file only for the check below; that is not timed)")
    print(f"  {load_average()} (other work on the machine lowers the rate)")
    print(f"\n  output check: {check_output(profiles_path, blocks_path, args.count, 200)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
