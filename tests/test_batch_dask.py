"""`revhyper batch --engine dask`: parts on a Dask cluster, the local engine's bytes, a killed worker, a rerun.

Most runs share one LocalCluster of 2 worker processes (started once for the module, small memory, a
deadline on every run); one test lets the command start its own local cluster, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from revhyper import cli

from test_batch import profile_line, varied, write_lines

distributed = pytest.importorskip("distributed")

KILL_HOOK = "REVHYPER_TEST_KILL_WORKER"
KILL_LINE = 150


def bad_lines() -> list[str]:
    return ["{not json", "", profile_line(training={"goal": "strenght"}), '{"person": {"age": 40}, "a": 1, "a": 2}']


def lines() -> list[str]:
    return varied(140) + bad_lines() + varied(120)


def local_batch(profiles: Path, out: Path, seed: str = "0") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(out), "--jobs", "1"],
                          capture_output=True, timeout=300, env=dict(os.environ, PYTHONHASHSEED=seed))


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.jsonl"))


def manifest(folder: Path) -> dict:
    return json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes; each kills itself at line KILL_LINE once the test removes the marker file."""
    import logging

    marker = tmp_path_factory.mktemp("kill") / "killed-once"
    marker.touch()  # present: the hook is disarmed
    os.environ[KILL_HOOK] = f"{KILL_LINE}:{marker}"  # the workers inherit it when they start
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                      memory_limit="400MiB", silence_logs=logging.ERROR) as local:
            yield local, marker
    finally:
        del os.environ[KILL_HOOK]


def dask_batch(profiles, out, scheduler, capsys, *more) -> tuple[int, str]:
    code = cli.main(["batch", str(profiles), "-o", str(out), "--engine", "dask", "--scheduler", scheduler,
                     "--partition-size", "40000", *more])
    return code, capsys.readouterr().err


def test_a_killed_worker_loses_nothing_and_the_parts_are_the_local_engine_s_bytes(cluster, tmp_path, capsys):
    local, marker = cluster
    profiles = write_lines(tmp_path / "profiles.jsonl", lines())
    expected = tmp_path / "local.jsonl"
    assert local_batch(profiles, expected).returncode == 6
    marker.unlink()  # armed: the worker that writes line KILL_LINE kills itself (SIGKILL) after writing it, once

    code, err = dask_batch(profiles, tmp_path / "out", local.scheduler_address, capsys)

    assert marker.exists(), "the worker was killed mid-partition"
    assert code == 6, err  # some lines were not valid profiles: partial, as the local engine says
    written = parts(tmp_path / "out")
    assert len(written) == 3  # 97,000 bytes in partitions of 40,000
    assert b"".join(p.read_bytes() for p in written) == expected.read_bytes()
    assert "not valid JSON" in err and "4 not valid profiles" in err and "dask, 2 workers" in err
    # the killed worker's half-written part was never renamed into place, and its temporary file is gone
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_manifest.json"] + [p.name for p in written]
    record = manifest(tmp_path / "out")
    assert record["complete"] is True
    assert [e["part"] for e in record["parts"]] == [p.name for p in written]
    assert sum(e["lines"] for e in record["parts"]) == len(lines())
    assert [e["first_line"] for e in record["parts"]][0] == 1
    for entry, path in zip(record["parts"], written):
        assert entry["output_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["output_size"] == path.stat().st_size


def test_a_rerun_skips_complete_parts_and_redoes_a_damaged_one(cluster, tmp_path, capsys):
    local, _ = cluster
    profiles = write_lines(tmp_path / "profiles.jsonl", lines())
    out = tmp_path / "out"
    first, err = dask_batch(profiles, out, local.scheduler_address, capsys)
    assert first == 6, err
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in parts(out)}

    again, err = dask_batch(profiles, out, local.scheduler_address, capsys)
    assert again == 6 and "(3 already complete, skipped)" in err, err
    assert "not valid JSON" in err  # the problems are reported again, from the manifest
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in parts(out)} == before

    damaged = parts(out)[1]
    damaged.write_bytes(before[damaged.name][0][:-10])  # a part cut short (another tool, a full disk...)
    third, err = dask_batch(profiles, out, local.scheduler_address, capsys)
    assert third == 6 and "(2 already complete, skipped)" in err, err
    assert damaged.read_bytes() == before[damaged.name][0]

    write_lines(profiles, varied(100))  # a new input: every part is redone, and the parts it no longer has go
    code, err = dask_batch(profiles, out, local.scheduler_address, capsys)
    assert code == 0 and "already complete" not in err, err
    expected = tmp_path / "local.jsonl"
    assert local_batch(profiles, expected).returncode == 0
    assert b"".join(p.read_bytes() for p in parts(out)) == expected.read_bytes()
    assert len(parts(out)) == len(manifest(out)["parts"]) == 1


def test_a_glob_gives_each_file_its_own_parts_numbered_from_line_1(cluster, tmp_path, capsys):
    local, _ = cluster
    (tmp_path / "in").mkdir()
    a = write_lines(tmp_path / "in" / "a.jsonl", varied(90) + bad_lines())
    b = write_lines(tmp_path / "in" / "b.jsonl", bad_lines()[:1] + varied(30))
    code, err = dask_batch(f"{tmp_path}/in/*.jsonl", tmp_path / "out", local.scheduler_address, capsys)
    assert code == 6, err
    entries = manifest(tmp_path / "out")["parts"]
    for source in (a, b):
        expected = tmp_path / f"{source.stem}.local.jsonl"
        local_batch(source, expected)
        mine = [tmp_path / "out" / e["part"] for e in entries if e["input"].endswith(source.name)]
        assert b"".join(p.read_bytes() for p in mine) == expected.read_bytes()
    assert entries[0]["input"].endswith("a.jsonl") and entries[-1]["input"].endswith("b.jsonl")


def test_awkward_lines_across_partition_cuts_are_the_local_engine_s_too(cluster, tmp_path, capsys):
    """A byte-order mark, CRLF, bytes that are not UTF-8, a line over 1,000,000 bytes that spans many
    partitions, and no final newline: the same lines, numbers and errors as the local engine."""
    from revhyper.profile.profile_loader import MAX_BYTES

    local, _ = cluster
    good = [line.encode() for line in varied(150)]
    huge = b'{"person": "' + b"x" * (MAX_BYTES + 10) + b'"}'
    profiles = tmp_path / "profiles.jsonl"
    profiles.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(good[:100]) + b"\r\n" + b'{"person": "\xff\xfe"}\n' + huge + b"\n"
                         + b"\n".join(good[100:]))
    expected = tmp_path / "local.jsonl"
    assert local_batch(profiles, expected).returncode == 6
    code, err = dask_batch(profiles, tmp_path / "out", local.scheduler_address, capsys, "--partition-size", "100KiB")
    assert code == 6, err
    assert len(parts(tmp_path / "out")) == profiles.stat().st_size // 102400 + 1
    assert b"".join(p.read_bytes() for p in parts(tmp_path / "out")) == expected.read_bytes()


def test_fsspec_urls_read_and_write_through_memory(tmp_path, capsys):
    """memory:// lives in one process: a cluster of threads in this process sees it, as s3:// would be seen."""
    import logging

    import fsspec

    profiles = write_lines(tmp_path / "profiles.jsonl", varied(130) + bad_lines())
    with fsspec.open("memory://revhyper-test/in/profiles.jsonl", "wb") as f:
        f.write(profiles.read_bytes())
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as local:
        code, err = dask_batch("memory://revhyper-test/in/profiles.jsonl", "memory://revhyper-test/out",
                               local.scheduler_address, capsys)
    assert code == 6, err
    fs = fsspec.filesystem("memory")
    names = sorted(fs.ls("/revhyper-test/out", detail=False))
    assert [n.rsplit("/", 1)[1] for n in names] == ["_manifest.json", "part-00000.jsonl", "part-00001.jsonl"]
    expected = tmp_path / "local.jsonl"
    local_batch(profiles, expected)
    assert fs.cat(names[1]) + fs.cat(names[2]) == expected.read_bytes()


@pytest.mark.slow
def test_without_a_scheduler_it_starts_a_local_cluster_with_the_same_bytes_whatever_the_hash_seed(tmp_path):
    profiles = write_lines(tmp_path / "profiles.jsonl", lines())
    expected = tmp_path / "local.jsonl"
    assert local_batch(profiles, expected, seed="1").returncode == 6
    result = subprocess.run([sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(tmp_path / "out"),
                             "--engine", "dask", "--jobs", "2", "--partition-size", "30KiB"],
                            capture_output=True, timeout=300, env=dict(os.environ, PYTHONHASHSEED="2"))
    assert result.returncode == 6, result.stderr.decode()
    assert b"dask, 2 workers" in result.stderr
    assert b"".join(p.read_bytes() for p in parts(tmp_path / "out")) == expected.read_bytes()


@pytest.mark.parametrize("args, message", [
    (["-", "-o", "out"], "not standard input"),
    (["p.jsonl"], "name a folder with -o"),
    (["p.jsonl", "-o", "x", "--engine", "local", "--scheduler", "tcp://h:8786"], "--scheduler needs --engine dask"),
    (["p.jsonl", "-o", "x", "--partition-size", "10MiB"], "--partition-size needs --engine dask"),
    (["p.jsonl", "-o", "x", "--engine", "dask", "--partition-size", "ten"], "expected a number of bytes"),
])
def test_bad_arguments_exit_2(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "p.jsonl", varied(1))
    if args[0] == "-" or "-o" not in args:
        args = [*args, "--engine", "dask"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["batch", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_no_input_file_exits_2_naming_it(tmp_path, capsys):
    code = cli.main(["batch", str(tmp_path / "missing-*.jsonl"), "-o", str(tmp_path / "out"), "--engine", "dask"])
    assert code == 2
    assert "missing-*.jsonl: error: no file matches this name or pattern" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_import_revhyper_and_generate_never_import_dask():
    code = ("import sys, revhyper, revhyper.cli, revhyper.commands.batch; "
            "revhyper.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'fsspec')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("seed", range(3))
def test_partitions_hold_every_line_once_whatever_the_cut_and_the_reads(seed):
    """Ranges cut anywhere (inside a line, at a newline, past the end), read in pieces of any size."""
    import io
    import random

    import fsspec

    from revhyper.batch.dask_batch import RangeReader, count_line_starts

    class Trickle(io.BytesIO):  # a file system that returns a few bytes a read
        def read(self, size=-1):
            return super().read(3)

    rng = random.Random(seed)
    memory = f"memory://revhyper-test/cut-{seed}"
    for _ in range(100):
        data = bytes(rng.choice(b"ab\n") for _ in range(rng.randint(0, 40)))
        with fsspec.open(memory, "wb") as f:
            f.write(data)
        for size in (1, 2, 5, 7, 64):
            got, counted = [], 0
            for start in range(0, max(len(data), 1), size):
                reader = RangeReader(Trickle(data), start, min(start + size, len(data)))
                while line := reader.readline(rng.choice([-1, 1, 2, 100])):
                    got.append(line)
                counted += count_line_starts(memory, start, min(start + size, len(data)), len(data))
            assert b"".join(got) == data
            assert counted == len(data.splitlines())


def test_a_worker_with_another_rule_set_is_told_so(tmp_path):
    from revhyper.batch.dask_batch import WorkerSetupError, _ruleset

    with pytest.raises(WorkerSetupError, match="install the same rule set and revhyper on every worker"):
        _ruleset("default", "0" * 64)


@pytest.mark.slow
def test_a_run_killed_outright_leaves_no_worker_and_its_rerun_finishes_the_job(tmp_path):
    import signal
    import time

    import psutil

    profiles = write_lines(tmp_path / "profiles.jsonl", varied(1500) * 6)  # enough parts to kill it midway
    out = tmp_path / "out"
    command = [sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(out), "--engine", "dask",
               "--jobs", "2", "--partition-size", "20KiB"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (out / "_manifest.json").exists() and time.monotonic() < deadline:  # a part or more is done
        time.sleep(0.02)
    workers = psutil.Process(run.pid).children(recursive=True)
    assert workers
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    gone, alive = psutil.wait_procs(workers, timeout=60)
    assert alive == [], "worker processes outlived the run"
    done = len(manifest(out)["parts"])
    assert done > 0

    rerun = subprocess.run(command, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert f"({done:,} already complete, skipped)".encode() in rerun.stderr, rerun.stderr.decode()
    assert done < len(parts(out))
    expected = tmp_path / "local.jsonl"
    assert local_batch(profiles, expected).returncode == 0
    assert b"".join(p.read_bytes() for p in parts(out)) == expected.read_bytes()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
