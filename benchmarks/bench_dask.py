#!/usr/bin/env python3
"""Scaling of `revhyper batch --engine dask` from 1 to 2 local workers, against the local engine, in one run.

Run `.venv/bin/python benchmarks/bench_dask.py [--count N] [--partition-size BYTES]` (needs `revhyper[dask]`).

Writes COUNT varied profiles (bench_batch's, seeded) and times, each as a separate `revhyper batch` process:
- the local engine, `--jobs 1` and `--jobs 2`;
- the dask engine on a LocalCluster of 1 worker process, then of 2, each started beforehand and warmed up
  (`--scheduler` its address), so that the figure is the batch's, not the cluster's start;
- the dask engine with no `--scheduler` (`--jobs 2`: it starts its own cluster), start-up included.
Each is run ROUNDS times, interleaved, and the best run counts (the host's load changes by the minute).
Prints blocks a second for each and the ratios measured in this run (hosts differ about 3x in absolute
speed, so only the ratios travel), and checks that every dask output is the local engine's bytes.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import profiles  # noqa: E402
from bench_generate import load_average, machine  # noqa: E402


def batch(*args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "revhyper", "batch", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 6):
        sys.exit(f"revhyper batch {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return seconds


def joined(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*.jsonl")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--partition-size", default="1MiB")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, interleaved; the best counts")
    options = parser.parse_args()
    from distributed import Client, LocalCluster

    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp, \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=logging.ERROR) as one, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=logging.ERROR) as two:
        folder = Path(tmp)
        source = folder / "profiles.jsonl"
        source.write_text("".join(line + "\n" for line in profiles(options.count)), encoding="utf-8")
        warm = folder / "warm.jsonl"
        warm.write_text("".join(line + "\n" for line in profiles(50)), encoding="utf-8")
        n = options.count
        clusters = {1: one, 2: two}
        for workers, cluster in clusters.items():
            with Client(cluster) as client:
                client.wait_for_workers(workers)
            for i in range(workers):  # every worker imports revhyper and loads the rule set before the clock
                batch(str(warm), "-o", str(folder / f"warm{workers}-{i}"), "--engine", "dask", "--scheduler",
                      cluster.scheduler_address, "--partition-size", "4KiB")
        runs: dict[str, list[str]] = {f"local --jobs {jobs}": [str(source), "-o", str(folder / f"local{jobs}.jsonl"),
                                                               "--jobs", str(jobs)] for jobs in (1, 2)}
        for workers, cluster in clusters.items():
            runs[f"dask, {workers} worker{'s' if workers > 1 else ''}"] = [
                str(source), "-o", str(folder / f"dask{workers}"), "--engine", "dask", "--scheduler",
                cluster.scheduler_address, "--partition-size", options.partition_size]
        runs["dask --jobs 2, own cluster (start-up included)"] = [
            str(source), "-o", str(folder / "dask-own"), "--engine", "dask", "--jobs", "2",
            "--partition-size", options.partition_size]
        rates: dict[str, float] = {}
        for _ in range(options.rounds):  # interleaved, best of each: the host's load changes from minute to minute
            for name, args in runs.items():
                if "dask" in name:
                    shutil.rmtree(args[2], ignore_errors=True)  # no part to skip
                rates[name] = max(rates.get(name, 0.0), n / batch(*args))
        expected = (folder / "local1.jsonl").read_bytes()
        for name in ("dask1", "dask2", "dask-own"):
            assert joined(folder / name) == expected, f"{name} wrote other bytes than the local engine"
    print(f"{n:,} profiles, partitions of {options.partition_size}; {load_average()}")
    for name, rate in rates.items():
        print(f"  {name:<48} {rate:8,.0f} blocks/s")
    print(f"dask 2 workers / 1 worker: {rates['dask, 2 workers'] / rates['dask, 1 worker']:.2f}x")
    print(f"dask 1 worker / local --jobs 1: {rates['dask, 1 worker'] / rates['local --jobs 1']:.2f}x")
    print(f"dask 2 workers / local --jobs 2: {rates['dask, 2 workers'] / rates['local --jobs 2']:.2f}x")
    print("every dask output: the local engine's bytes")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
