#!/usr/bin/env python3
"""Speed figures for revhyper: run `.venv/bin/python benchmarks/bench_generate.py [--quick]`.

Prints the machine, then each figure with its target and PASS/MISS:
- screen + generate a 12-week, 3-sessions-a-week block in process (target < 1 ms median)
- evaluate one typical condition (target < 2 us)
- load and check the default rule set, and synthetic rule sets of 250-2,000 rules (1,000: target < 150 ms;
  time per rule shows whether load time grows linearly)
- `import revhyper` in a fresh interpreter (target < 50 ms)
- the whole `revhyper generate` process (target < 150 ms)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import revhyper  # noqa: E402
from revhyper.ruleset_loader import default_ruleset_text  # noqa: E402
from revhyper.screening import facts_for, screen  # noqa: E402

PROFILE = ROOT / "examples" / "profiles" / "healthy-strength.toml"
REHAB = ROOT / "examples" / "profiles" / "chronic-rehab.toml"


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


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def per_call(fn, calls: int, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


def report(label: str, seconds: float, target: float | None, unit: str = "ms", extra: str = "") -> bool:
    scale = {"ms": 1e3, "us": 1e6}[unit]
    verdict = "" if target is None else ("PASS" if seconds < target else "MISS")
    target_text = "" if target is None else f"(target < {target * scale:g} {unit})"
    print(f"  {label:<58} {seconds * scale:9.3f} {unit}  {target_text:<20} {verdict} {extra}".rstrip())
    return target is None or seconds < target


def synthetic_ruleset(rules: int) -> str:
    """The default rule set plus generated rules of the usual shapes, to measure loading at scale."""
    shapes = [
        'pain.current >= {n} and not clearance.cleared',
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


def subprocess_median(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description="revhyper speed figures")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for a smoke run)")
    args = parser.parse_args()
    repeat = 50 if args.quick else 400
    runs = 5 if args.quick else 21
    print(f"revhyper {revhyper.__version__} on {machine()}")
    ok = True

    rules = revhyper.default_ruleset()
    profile = revhyper.load_profile(PROFILE, rules)
    block = revhyper.generate(profile, rules)
    assert block.status == "generated" and len(block.weeks) == 12
    three_a_week = revhyper.load_profile(REHAB, rules)
    assert len(revhyper.generate(three_a_week, rules).sessions()) == 36

    print("\nIn process (median over repetitions; p95 in brackets)")
    samples = timed(lambda: revhyper.generate(three_a_week, rules), repeat)
    ok &= report("screen + generate, 12 weeks x 3 sessions", statistics.median(samples), 1e-3,
                 extra=f"[p95 {p95(samples) * 1e3:.3f} ms]")
    samples = timed(lambda: screen(three_a_week, rules), repeat)
    report("screen only (26 rules)", statistics.median(samples), None, extra=f"[p95 {p95(samples) * 1e3:.3f} ms]")
    generated = revhyper.generate(three_a_week, rules)
    samples = timed(lambda: revhyper.block_to_json(generated), repeat)
    report("block_to_json (canonical JSON bytes)", statistics.median(samples), None)
    samples = timed(lambda: revhyper.load_profile(REHAB, rules), repeat)
    report("load and check a profile file", statistics.median(samples), None)

    facts = facts_for(three_a_week)
    condition = rules.rule("extension_sensitive_diagnosis").when
    samples = per_call(lambda: condition(facts), 10_000, 21)
    ok &= report(f"one condition: {condition.text[:40]}...", statistics.median(samples), 2e-6, unit="us")
    condition = rules.rule("high_pain").when
    samples = per_call(lambda: condition(facts), 10_000, 21)
    ok &= report(f"one condition: {condition.text}", statistics.median(samples), 2e-6, unit="us")

    print("\nRule-set loading (parse, check, compile every condition)")
    text = default_ruleset_text()
    samples = timed(lambda: revhyper.parse_ruleset(text, name="default"), max(10, repeat // 10))
    report(f"default rule set ({len(rules.rules)} rules)", statistics.median(samples), None)
    per_rule = []
    for count in (250, 500, 1000, 2000):
        synthetic = synthetic_ruleset(count)
        loaded = revhyper.parse_ruleset(synthetic, name="synthetic")
        assert len(loaded.rules) == count + len(rules.rules)
        samples = timed(lambda: revhyper.parse_ruleset(synthetic, name="synthetic"), 5 if args.quick else 9)
        median = statistics.median(samples)
        per_rule.append(median / count)
        ok &= report(f"{count:,} extra rules", median, 0.150 if count == 1000 else None,
                     extra=f"[{median / count * 1e6:.1f} us a rule]")
    spread = max(per_rule) / min(per_rule)
    print(f"  time per rule varies by a factor of {spread:.2f} from 250 to 2,000 rules "
          f"({'linear' if spread < 1.5 else 'NOT linear'})")

    print("\nWhole processes (median of fresh interpreters)")
    python = sys.executable
    bare = subprocess_median([python, "-c", "pass"], runs)
    report("python -c pass (interpreter start, for reference)", bare, None)
    imported = subprocess_median([python, "-c", "import revhyper"], runs)
    ok &= report("import revhyper (minus interpreter start)", imported - bare, 0.050)
    entry = Path(python).with_name("revhyper")
    command = [str(entry)] if entry.exists() else [python, "-m", "revhyper"]
    whole = subprocess_median([*command, "generate", str(REHAB)], runs)
    ok &= report("revhyper generate chronic-rehab.toml (whole process)", whole, 0.150)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
