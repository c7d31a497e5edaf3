#!/usr/bin/env python3
"""Platform-scale figures for `revhyper batch`: run `.venv/bin/python benchmarks/bench_batch.py [--count N]`.

Writes COUNT varied, realistic profiles as JSON lines (seeded: the same file every run) and runs, each as a
separate process on the same input, interleaved over ROUNDS rounds (the best round counts: the host's load
changes by the minute):
- `revhyper batch PROFILES -o BLOCKS --jobs 1` and `--jobs 2` (the compact blocks, the default);
- `--jobs 2 --format json` (a canonical block on each line, as before the compact form);
- the floor: a Python process with no revhyper that reads the same input line by line, decodes each line with
  the standard json module and writes, with it, an output of the same size as revhyper's (--jobs 1);
- with --baseline GITREF (default: the commit before issue 13's single-machine work), the same `--jobs 1` and
  `--jobs 2` runs of that commit's code (exported with `git archive`, run with PYTHONPATH on its src/).
Hosts differ about 3x in absolute speed, so it prints the ratios measured in this run beside the absolute
figures: against the floor, --jobs 2 against --jobs 1, and against the baseline. Also:
- peak memory of the process tree (the batch process and its workers), sampled from /proc every 20 ms in a
  run of `--jobs 2` of its own, after the timed ones (sampling takes CPU the timed runs would miss):
  the sum of RSS (counts pages the forked workers share once per process: the strict figure, judged
  against the target < 200 MB), the sum of PSS, and the largest single process;
- the size of an output line: on average, and for the 12-week, 3-sessions-a-week blocks (target < 6 kB);
- a check of the output: one line per input line, in order, and a sample of lines whose block, expanded from
  the compact form, equals the single `generate` of the same profile.
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
                expected = revhyper.block_to_dict(revhyper.generate(profile, rules))
                assert revhyper.expand_compact(record["block"]) == expected, f"line {number} differs"
                checked += 1
    assert sum(statuses.values()) == count
    shares = ", ".join(f"{n:,} {s}" for s, n in sorted(statuses.items(), key=lambda kv: -kv[1]))
    return f"{count:,} lines in order ({shares}); {checked} sampled blocks, expanded, equal single `generate`"


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
    parser = argparse.ArgumentParser(description="revhyper batch throughput and memory, with ratios measured in the same run")
    parser.add_argument("--count", type=int, default=100_000, help="profiles to generate (default 100,000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every run, interleaved; the best counts (default 2)")
    parser.add_argument("--baseline", default="478216c", metavar="GITREF",
                        help="also time this commit's code (default 478216c, before the compact form and the faster "
                             "engine); 'none' to skip")
    parser.add_argument("--keep", metavar="DIR", help="write PROFILES.jsonl and the outputs here and keep them")
    return parser.parse_args()


FLOOR = r"""
import json, sys
size = int(sys.argv[3])
with open(sys.argv[1], encoding="utf-8") as ins, open(sys.argv[2], "w", encoding="utf-8") as out:
    for number, line in enumerate(ins, start=1):
        profile = json.loads(line)
        head = json.dumps({"line": number, "status": "generated", "block": profile}, separators=(",", ":"))
        out.write(head[:-1] + ',"pad":"' + "x" * max(size - len(head) - 10, 0) + '"}\n')
"""
"""The floor: the same input read and decoded, an output of the same size encoded and written, with the json module."""


def measure(command: list[str], env: dict[str, str] | None = None, sample: bool = False) -> dict:
    """Run ``command`` once; its seconds, standard error and, with ``sample``, the peak memory of its process tree.
    Timed runs are not sampled: reading /proc every 20 ms takes CPU from a run that uses every core (--jobs 2)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    sampler = Sampler([process.pid])
    if sample:
        sampler.start()
    stderr = process.communicate()[1].decode()
    seconds = time.perf_counter() - start
    if sample:
        sampler.stopped.set()
        sampler.join()
    if process.returncode not in (0, 6):  # 6: done, and some lines were not valid profiles (about 1 in 1,000 here)
        print(stderr[-3000:])
        sys.exit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return {"seconds": seconds, "rss": sampler.peak_rss / 1024, "pss": sampler.peak_pss / 1024,
            "single": sampler.peak_single / 1024, "processes": sampler.processes, "stderr": stderr}


SPIN = "import time\nstart = time.process_time()\nx = 0\nfor i in range(6_000_000):\n    x += i * i\n"
"""Pure interpreter work, no I/O: the host's own ceiling for two processes against one."""


def host_ceiling() -> float:
    """How much faster two CPU-bound Python processes run at once than one after the other, here, now: 2.0 on two
    free cores; less where the cores are shared (hyperthreads, other work). --jobs 2 / --jobs 1 cannot beat it."""
    def wall(n: int) -> float:
        start = time.perf_counter()
        for process in [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(n)]:
            process.wait()
        return time.perf_counter() - start
    return max(2 * wall(1) / wall(2) for _ in range(3))


def baseline_tree(ref: str, folder: Path) -> Path | None:
    """The src/ folder of commit ``ref``, exported into ``folder``; None when git cannot give it."""
    target = folder / f"baseline-{ref}"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True)
    if archive.returncode != 0:
        print(f"  (no baseline: git archive {ref} failed: {archive.stderr.decode().strip()[:200]})")
        return None
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def line_sizes(blocks_path: Path) -> tuple[float, float, int]:
    """Average bytes a line; average bytes a line of 12-week, 3-sessions-a-week blocks, and how many there were."""
    total = lines = big_total = big = 0
    with open(blocks_path, "rb") as ins:
        for text in ins:
            total += len(text)
            lines += 1
            if b'"status":"generated"' in text:
                plan = json.loads(text)["block"]["plan"]
                if plan["weeks"] == 12 and plan["days_per_week"] == 3:
                    big_total += len(text)
                    big += 1
    return total / max(lines, 1), big_total / max(big, 1), big


def reference_line() -> int:
    """Bytes of the batch line of examples/profiles/chronic-rehab.toml: 12 weeks of 3 sessions, as batch writes it."""
    import revhyper
    from revhyper.batch.batch import block_record

    block = revhyper.generate(revhyper.load_profile(ROOT / "examples" / "profiles" / "chronic-rehab.toml"))
    assert block.plan is not None and (block.plan.weeks, block.plan.days_per_week) == (12, 3)
    return len(block_record(1, block)) + 1


def run(args: argparse.Namespace, folder: Path) -> int:
    print(f"revhyper batch on {machine()}; {load_average()}")
    folder.mkdir(parents=True, exist_ok=True)
    profiles_path = folder / "PROFILES.jsonl"
    with open(profiles_path, "w", encoding="utf-8") as out:
        for line in profiles(args.count):
            out.write(line + "\n")
    print(f"  input: {args.count:,} profiles, {profiles_path.stat().st_size / 1e6:.1f} MB ({profiles_path})")

    python = sys.executable
    revhyper = [python, "-m", "revhyper", "batch", str(profiles_path)]
    runs: dict[str, tuple[list[str], dict | None]] = {
        "jobs1": (revhyper + ["-o", str(folder / "BLOCKS-1.jsonl"), "--jobs", "1"], None),
        "jobs2": (revhyper + ["-o", str(folder / "BLOCKS.jsonl"), "--jobs", "2"], None),
        "json2": (revhyper + ["-o", str(folder / "BLOCKS-canonical.jsonl"), "--jobs", "2", "--format", "json"], None),
    }
    old = None if args.baseline == "none" else baseline_tree(args.baseline, folder)
    if old is not None:
        env = {**os.environ, "PYTHONPATH": str(old)}
        for jobs in (1, 2):
            runs[f"old{jobs}"] = ([python, "-m", "revhyper", "batch", str(profiles_path), "-o",
                                   str(folder / f"OLD-{jobs}.jsonl"), "--jobs", str(jobs)], env)
    best: dict[str, dict] = {}
    ceilings = []
    floor_size = 0
    order = ["jobs1", "floor", "jobs2", "json2", "old1", "old2"]
    for round_ in range(args.rounds):
        for key in order:
            if key == "floor" and not floor_size:  # an output of the size revhyper's --jobs 1 wrote
                floor_size = (folder / "BLOCKS-1.jsonl").stat().st_size // args.count
                runs["floor"] = ([python, "-c", FLOOR, str(profiles_path), str(folder / "FLOOR.jsonl"), str(floor_size)], None)
            if key not in runs:
                continue
            command, env = runs[key]
            got = measure(command, env)
            if key not in best or got["seconds"] < best[key]["seconds"]:
                best[key] = got
        ceilings.append(host_ceiling())
        print(f"  round {round_ + 1} of {args.rounds} done; {load_average()}", flush=True)

    rate = {key: args.count / r["seconds"] for key, r in best.items()}
    blocks = folder / "BLOCKS.jsonl"
    average, average_12x3, count_12x3 = line_sizes(blocks)
    canonical = (folder / "BLOCKS-canonical.jsonl").stat().st_size / args.count
    floor_bytes = (folder / "FLOOR.jsonl").stat().st_size / args.count

    print(f"\n  revhyper says: {best['jobs2']['stderr'].strip().splitlines()[-1]}")
    print(f"\n  {'blocks a second, whole process (best of ' + str(args.rounds) + ')':<52} {'blocks/s':>10}  {'seconds':>8}")
    names = {"floor": "floor: read + json.loads, write same size (1 process)",
             "jobs1": "revhyper batch --jobs 1", "jobs2": "revhyper batch --jobs 2",
             "json2": "revhyper batch --jobs 2 --format json",
             "old1": f"baseline {args.baseline} --jobs 1", "old2": f"baseline {args.baseline} --jobs 2"}
    for key in ("floor", "jobs1", "jobs2", "json2", "old1", "old2"):
        if key in rate:
            print(f"  {names[key]:<52} {rate[key]:10,.0f}  {best[key]['seconds']:8.2f}")
    print("\n  ratios measured in this run (these travel between hosts; absolute speed does not):")

    def ratio(label: str, value: float, target: float | None = None) -> None:
        verdict = "" if target is None else f"(target >= {target:g})  {'PASS' if value >= target else 'MISS'}"
        print(f"  {label:<52} {value:10.2f}x  {verdict}")

    ratio("--jobs 2 / floor (1 process)", rate["jobs2"] / rate["floor"])
    ratio("--jobs 1 / floor (1 process)", rate["jobs1"] / rate["floor"])
    ratio("--jobs 2 / --jobs 1", rate["jobs2"] / rate["jobs1"], 1.8)
    ratio("  the host's ceiling: 2 busy Python processes / 1", max(ceilings))
    ratio("  --jobs 2 / --jobs 1, as a share of that ceiling", rate["jobs2"] / rate["jobs1"] / max(ceilings))
    if "old2" in rate:
        ratio(f"--jobs 2 / baseline {args.baseline} --jobs 2", rate["jobs2"] / rate["old2"], 2.0)
        ratio(f"--jobs 1 / baseline {args.baseline} --jobs 1", rate["jobs1"] / rate["old1"])
    ratio("--jobs 2 --format json / baseline --jobs 2" if "old2" in rate else "--format json / compact, --jobs 2",
          rate["json2"] / rate["old2"] if "old2" in rate else rate["json2"] / rate["jobs2"])
    print(f"\n  {'absolute, --jobs 2':<52} {rate['jobs2']:10,.0f} blocks/s  (target > 10,000 on the host of the "
          "last figures)")
    mem = measure(*runs["jobs2"], sample=True)  # a run of its own: sampling slows what it samples
    print(f"  {'peak memory, --jobs 2, process tree, sum of RSS':<52} {mem['rss']:10.1f} MB  (target < 200 MB)  "
          f"{'PASS' if mem['rss'] < 200 else 'MISS'}   [{mem['processes']} processes]")
    print(f"  {'peak memory, --jobs 2, process tree, sum of PSS':<52} {mem['pss']:10.1f} MB")
    print(f"  {'largest single process, RSS (sampled)':<52} {mem['single']:10.1f} MB")
    print(f"  {'--jobs 2 while sampled (its own run)':<52} {mem['seconds']:10.2f} s   (timed, best: "
          f"{best['jobs2']['seconds']:.2f} s)")
    print(f"  {'output line, compact, average':<52} {average / 1e3:10.2f} kB  (canonical {canonical / 1e3:.2f} kB: "
          f"{canonical / average:.1f}x larger; floor wrote {floor_bytes / 1e3:.2f} kB)")
    reference = reference_line()
    print(f"  {'output line, compact, chronic-rehab.toml (12 x 3)':<52} {reference / 1e3:10.2f} kB  (target < 6 kB)  "
          f"{'PASS' if reference < 6000 else 'MISS'}   [12 weeks, 3 sessions a week, no rule fired]")
    print(f"  {'output line, compact, 12 x 3 blocks of the mix':<52} {average_12x3 / 1e3:10.2f} kB  [{count_12x3:,} such "
          "blocks; fired rules' reasons and citations add the rest]")
    same = (folder / "BLOCKS-1.jsonl").read_bytes() == blocks.read_bytes()
    print(f"  {'--jobs 1 and --jobs 2 wrote the same bytes':<52} {'yes' if same else 'NO'}")
    print(f"  {load_average()} (other work on the machine lowers the rates)")
    print(f"\n  output check: {check_output(profiles_path, blocks, args.count, 200)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
