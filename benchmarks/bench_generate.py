#!/usr/bin/env python3
"""Speed figures for revhyper: run `.venv/bin/python benchmarks/bench_generate.py [--quick]`.

Prints the machine, then each figure with its target and PASS/MISS:
- screen + generate a 12-week, 3-sessions-a-week block in process (target < 1 ms median), and screen
  alone and block_to_json alone, each with median and p95
- evaluate one typical condition (target < 2 us)
- load and check the default rule set, and synthetic rule sets of 250-2,000 extra rules (1,000: target
  < 150 ms); the time per extra rule at each size shows whether load time grows linearly
- `import revhyper` in a fresh interpreter (target < 50 ms), measured two ways
- the whole `revhyper generate` process (target < 150 ms), median of fresh processes
Whole-process figures are given with a bytecode cache (as after `pip install`, which compiles every module)
and without one (as in an environment with PYTHONDONTWRITEBYTECODE=1 and no __pycache__); the targets are
judged on the first. Nothing here is a test: timings depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import revhyper  # noqa: E402
from revhyper.rules.ruleset_loader import default_ruleset_text  # noqa: E402
from revhyper.engine.screening import facts_for, screen  # noqa: E402

REHAB = ROOT / "examples" / "profiles" / "chronic-rehab.toml"
FALLBACK_PROFILE = """\
[person]
id = "bench-client"
age = 46
[pain]
current = 3
worst_last_week = 5
duration_weeks = 40
[training]
experience = "novice"
goal = "rehabilitation"
days_per_week = 3
weeks = 12
start_date = 2026-12-07
equipment = ["reverse_hyper_machine"]
working_load_kg = 20
load_increment_kg = 2.5
"""

POST_SURGERY = """\
[person]
age = 44
[pain]
current = 1
duration_weeks = 40
[[history.surgeries]]
procedure = "microdiscectomy"
weeks_ago = 20
[training]
experience = "intermediate"
goal = "general"
days_per_week = 3
weeks = 12
start_date = 2026-12-07
equipment = ["reverse_hyper_machine"]
working_load_kg = 40
load_increment_kg = 2.5
"""
"""A client 20 weeks after a microdiscectomy: the graded return (range to neutral, load at most 60 %) ends in
week 7, 26 weeks after the operation. The time-dependent rules are evaluated for each of the 12 weeks, and the
profile is screened again once, when they change."""


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def load_average() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def timed(fn, repeat: int) -> list[float]:
    gc.collect()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def per_call(fn, calls: int, repeat: int) -> list[float]:
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


def report(label: str, seconds: float, target: float | None, unit: str = "ms", extra: str = "") -> bool:
    scale = {"ms": 1e3, "us": 1e6}[unit]
    verdict = "" if target is None else ("PASS" if seconds < target else "MISS")
    target_text = "" if target is None else f"(target < {target * scale:g} {unit})"
    print(f"  {label:<58} {seconds * scale:9.3f} {unit}  {target_text:<20} {verdict} {extra}".rstrip())
    return target is None or seconds < target


def median_p95(samples: list[float]) -> str:
    return f"[p95 {p95(samples) * 1e3:.3f} ms]"


def synthetic_ruleset(rules: int) -> str:
    """The default rule set plus generated rules of the usual shapes, to measure loading at scale."""
    shapes = [
        'pain.current >= {n} and not person.pregnant',
        '"hernia" in history.conditions and person.age > {n}',
        'weeks_since_surgery("microdiscectomy") < {n} or red_flags.fever',
        'training.goal in ["strength", "general"] and pain.duration_weeks < {n}',
        'person.pregnant and pain.worst_last_week >= {n}',
    ]
    actions = [("modify", "caps = { max_load_percent = 50 }"), ("warn", ""),
               ("require_clearance", "caps = { max_rom_percent = 100 }")]
    parts = [default_ruleset_text()]
    for i in range(rules):
        action, extra = actions[i % len(actions)]
        parts.append(f'\n[rules.generated_{i}]\ntitle = "Generated rule {i}"\nwhen = \'{shapes[i % len(shapes)].format(n=i % 10)}\'\n'
                     f'action = "{action}"\nreason = "Generated to measure loading."\nsource = "clinical-consensus"\n{extra}\n')
    return "".join(parts)


def processes(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, list[float]]:
    """Fresh processes of every command in turn, `runs` rounds, so that a change of load hits them all alike."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (command, env) in commands.items():
            samples[label] += processes(command, 1, env)
    return samples


def importtime(python: str, env: dict[str, str], runs: int) -> float:
    """Median cumulative time of `import revhyper` as `python -X importtime` reports it."""
    samples = []
    for _ in range(runs):
        result = subprocess.run([python, "-X", "importtime", "-c", "import revhyper"], capture_output=True, text=True,
                                env=env, check=False)
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| revhyper$", line)
            if match:
                samples.append(int(match.group(1)) / 1e6)
    return statistics.median(samples) if samples else float("nan")


def self_times(command: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median self time of each module that `command` imports, from `python -X importtime` (seconds).

    Modules imported with importlib.import_module are not reported by -X importtime: their time shows as
    their importer's own.
    """
    seen: dict[str, list[float]] = {}
    for _ in range(runs):
        result = subprocess.run(command, capture_output=True, text=True, env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
                                check=False)
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| ( *)(\S+)$", line)
            if match:
                seen.setdefault(match.group(3), []).append(int(match.group(1)) / 1e6)
    return {name: statistics.median(times + [0.0] * (runs - len(times))) for name, times in seen.items()}


def source_copy(work: Path) -> Path:
    """A copy of revhyper's source without any __pycache__, as an editable install with no bytecode cache has it."""
    import shutil

    target = work / "uncached" / "src"
    shutil.copytree(ROOT / "src" / "revhyper", target / "revhyper", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def no_bytecode_left(src: Path) -> None:
    left = [str(p) for p in src.rglob("__pycache__")]
    assert not left, f"a bytecode cache appeared in the uncached copy: {left[:3]}"


def whole_processes(work: Path, profile_path: Path, runs: int) -> bool:
    """Fresh interpreters, with and without a bytecode cache, interleaved; True when the judged targets are met."""
    print(f"\nWhole processes: median of {runs} fresh interpreters, each kind in turn (interleaved)")
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    cached_env = dict(base_env, PYTHONPYCACHEPREFIX=str(work / "pycache"))  # a bytecode cache outside the source tree
    # Without one: a copy of the source with no __pycache__, first on the path, and nothing written. The standard
    # library and site-packages keep their own .pyc files, as they do in such an environment.
    uncached_src = source_copy(work)
    uncached_env = dict(base_env, PYTHONDONTWRITEBYTECODE="1",
                        PYTHONPATH=os.pathsep.join(filter(None, [str(uncached_src), base_env.get("PYTHONPATH")])))
    entry = Path(python).with_name("revhyper")
    command = [str(entry)] if entry.exists() else [python, "-m", "revhyper"]
    command += ["generate", str(profile_path)]
    check = subprocess.run(command, capture_output=True, env=uncached_env, check=False)
    assert check.returncode == 0 and check.stdout, f"generate failed: {check.stderr.decode(errors='replace')[-400:]}"
    where = subprocess.run([python, "-c", "import revhyper.cli; print(revhyper.cli.__file__)"], capture_output=True,
                           text=True, env=uncached_env, check=True).stdout.strip()
    assert where.startswith(str(uncached_src)), f"the uncached run imports {where}, not the copy"
    modes = {"with a bytecode cache, as installed": cached_env,
             "without one (PYTHONDONTWRITEBYTECODE=1, no __pycache__ for revhyper)": uncached_env}
    for env in modes.values():  # warm the caches (and the disk) once
        processes([python, "-c", "import revhyper"], 2, env)
        processes(command, 2, env)
    jobs = {}
    for label, env in modes.items():
        jobs[(label, "pass")] = ([python, "-c", "pass"], env)
        jobs[(label, "import")] = ([python, "-c", "import revhyper"], env)
        jobs[(label, "generate")] = (command, env)
    samples = interleaved(jobs, runs)
    no_bytecode_left(uncached_src)
    ok = True
    for label, env in modes.items():
        judged = env is cached_env
        print(f"  {label}:")
        bare = statistics.median(samples[(label, "pass")])
        report("  python -c pass (interpreter start, for reference)", bare, None,
               extra=f"[p95 {p95(samples[(label, 'pass')]) * 1e3:.1f} ms]")
        imported = statistics.median(samples[(label, "import")])
        good = report("  import revhyper (process time minus interpreter start)", imported - bare, 0.050)
        good &= report("  import revhyper (python -X importtime, cumulative)", importtime(python, env, max(3, runs // 4)),
                       0.050)
        generated = samples[(label, "generate")]
        good &= report(f"  revhyper generate {profile_path.name}", statistics.median(generated), 0.150,
                       extra=f"[p95 {p95(generated) * 1e3:.1f} ms] [{statistics.median(generated) / bare:.1f} x python -c pass]")
        if judged:
            ok &= good
    top = 15
    times = self_times(command, uncached_env, max(3, runs // 4))
    total = sum(times.values())
    print(f"  where an uncached `revhyper generate` start-up goes: -X importtime, self time of the {top} slowest modules "
          f"(median; {len(times)} modules, {total * 1e3:.1f} ms in all)")
    for name, seconds in sorted(times.items(), key=lambda item: -item[1])[:top]:
        print(f"    {seconds * 1e3:7.2f} ms  {name}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description="revhyper speed figures")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    parser.add_argument("--startup", action="store_true", help="only the whole-process figures")
    args = parser.parse_args()
    repeat = 50 if args.quick else 400
    runs = 5 if args.quick else 21
    print(f"revhyper {revhyper.__version__} on {machine()}; {load_average()}")
    ok = True

    work = Path(tempfile.mkdtemp(prefix="revhyper-bench-"))
    profile_path = REHAB
    if not profile_path.exists():
        profile_path = work / "client.toml"
        profile_path.write_text(FALLBACK_PROFILE)
    rules = revhyper.default_ruleset()
    profile = revhyper.load_profile(profile_path, rules)
    block = revhyper.generate(profile, rules)
    assert block.status == "generated" and len(block.weeks) == 12 and len(block.sessions()) == 36, "not a 12 x 3 block"
    if args.startup:
        ok &= whole_processes(work, profile_path, runs)
        shutil.rmtree(work, ignore_errors=True)
        print(f"\n{load_average()}")
        print("all targets met" if ok else "some targets MISSED")
        return 0

    print(f"\nIn process: {profile_path.name}, 12 weeks x 3 sessions, rule set already loaded (median; p95 in brackets)")
    samples = timed(lambda: revhyper.generate(profile, rules), repeat)
    ok &= report("screen + generate", statistics.median(samples), 1e-3, extra=median_p95(samples))
    plain = statistics.median(samples)
    surgery = revhyper.parse_profile(POST_SURGERY, name="post-surgery.toml", ruleset=rules)
    graded = revhyper.generate(surgery, rules)
    changes = sum(1 for a, b in zip(graded.weeks, graded.weeks[1:]) if a.rules != b.rules)
    assert len(graded.weeks) == 12 and changes == 1, "not a 12-week block whose caps lift once"
    samples = timed(lambda: revhyper.generate(surgery, rules), repeat)
    ok &= report("screen + generate, post-surgery: caps lift in week 7", statistics.median(samples), 1e-3,
                 extra=f"{median_p95(samples)} [{statistics.median(samples) / plain:.2f} x the block above]")
    samples = timed(lambda: screen(profile, rules), repeat)
    report(f"screen only ({len(rules.rules)} rules)", statistics.median(samples), None, extra=median_p95(samples))
    cleared_path = ROOT / "examples" / "profiles" / "post-microdiscectomy.toml"
    if cleared_path.exists():  # two [[clearance]] tables: the clearance decision runs for one rule
        cleared = revhyper.load_profile(cleared_path, rules)
        samples = timed(lambda: revhyper.generate(cleared, rules), repeat)
        ok &= report("screen + generate, a profile with 2 clearances", statistics.median(samples), 1e-3,
                     extra=median_p95(samples))
    samples = timed(lambda: revhyper.block_to_json(block), repeat)
    report("block_to_json (canonical JSON bytes, indented)", statistics.median(samples), None, extra=median_p95(samples))
    from revhyper.batch.batch import block_record

    samples = timed(lambda: block_record(1, block), repeat)
    report("batch line: the compact block, as batch writes it", statistics.median(samples), None,
           extra=median_p95(samples))
    samples = timed(lambda: block_record(1, block, "json"), repeat)
    report("batch line, --format json (the canonical block)", statistics.median(samples), None,
           extra=median_p95(samples))
    samples = timed(lambda: revhyper.load_profile(profile_path, rules), repeat)
    report("load and check the profile file", statistics.median(samples), None, extra=median_p95(samples))

    facts = facts_for(profile)
    for rule_id in ("high_pain", "extension_sensitive_diagnosis", "microdiscectomy_recovery"):
        condition = rules.rule(rule_id).when
        samples = per_call(lambda: condition(facts), 10_000, 21)
        text = condition.text if len(condition.text) <= 42 else condition.text[:39] + "..."
        ok &= report(f"one condition: {text}", statistics.median(samples), 2e-6, unit="us")

    print("\nRule-set loading: parse the TOML, check every part, compile and type-check every condition (median)")
    text = default_ruleset_text()
    samples = timed(lambda: revhyper.parse_ruleset(text, name="default"), max(10, repeat // 10))
    base = statistics.median(samples)
    report(f"default rule set ({len(rules.rules)} rules)", base, None)
    per_rule = []
    for count in (250, 500, 1000, 2000):
        synthetic = synthetic_ruleset(count)
        loaded = revhyper.parse_ruleset(synthetic, name="synthetic")
        assert len(loaded.rules) == count + len(rules.rules)
        del loaded
        samples = timed(lambda: revhyper.parse_ruleset(synthetic, name="synthetic"), 5 if args.quick else 11)
        median = statistics.median(samples)
        per_rule.append((median - base) / count)
        ok &= report(f"default + {count:,} rules", median, 0.150 if count == 1000 else None,
                     extra=f"[{(median - base) / count * 1e6:.1f} us an extra rule]")
    spread = max(per_rule) / min(per_rule)
    print(f"  time per extra rule varies by a factor of {spread:.2f} from 250 to 2,000 rules "
          f"({'linear' if spread < 1.3 else 'NOT linear'}: a quadratic cost would grow it 8-fold)")

    ok &= whole_processes(work, profile_path, runs)

    shutil.rmtree(work, ignore_errors=True)
    print(f"\n{load_average()}")
    print("all targets met" if ok else "some targets MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
