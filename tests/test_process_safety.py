"""`revhyper batch` under signals: no worker outlives its parent, no temporary file outlives a run for long,
and a killed worker is reported as killed, not as a bug."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_batch import varied, write_lines

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads processes from /proc (Linux)")

forked = pytest.mark.skipif(multiprocessing.get_all_start_methods()[0] != "fork",
                            reason="finds the workers as the batch's children, which they are when the pool forks them")


def children(pid: int) -> set[int]:
    """The child processes of ``pid``, from /proc/PID/task/*/children."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (a dead process its parent has not reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.02)


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".revhyper-" in p.name)


def start_batch(tmp_path: Path, out: Path, jobs: int = 2) -> tuple[subprocess.Popen, set[int]]:
    """A batch of 30,000 lines (many seconds of work), once it is writing and its workers run."""
    profiles = tmp_path / "profiles.jsonl"
    if not profiles.exists():
        write_lines(profiles, varied(200) * 150)
    process = subprocess.Popen([sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(out),
                                "--jobs", str(jobs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "TMPDIR": str(tmp_path)})
    workers: set[int] = set()

    def started() -> bool:
        assert process.poll() is None, process.communicate()
        workers.update(children(process.pid))
        return len(workers) >= jobs and len(temporaries(out.parent)) == 2  # the output's temporary file, the work folder
    wait_until(started, 15, "the batch to start its workers")
    return process, workers


@forked
def test_workers_exit_when_the_parent_is_killed_and_the_next_run_removes_its_temporary_files(tmp_path):
    """SIGKILL of the parent used to leave its workers running for ever, and a large temporary file."""
    out = tmp_path / "blocks.jsonl"
    out.write_text("yesterday's blocks\n")
    process, workers = start_batch(tmp_path, out)
    left = temporaries(tmp_path)
    process.kill()
    process.communicate(timeout=10)
    wait_until(lambda: not any(running(pid) for pid in workers), 5, f"workers {sorted(workers)} to exit")
    assert out.read_text() == "yesterday's blocks\n"
    assert temporaries(tmp_path) == left  # nobody could remove them: the next run does

    again = subprocess.run([sys.executable, "-m", "revhyper", "batch", str(write_lines(tmp_path / "few.jsonl", varied(3))),
                            "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    for name in left:
        assert f"revhyper batch: removed {tmp_path / name}, left by an earlier run that was stopped" in again.stderr
    assert temporaries(tmp_path) == []
    assert len(out.read_text().splitlines()) == 3


@forked
def test_a_killed_worker_is_reported_as_killed_exit_5_and_nothing_is_written(tmp_path):
    """A worker killed by the kernel for lack of memory used to be reported as "a bug" (exit 1)."""
    out = tmp_path / "blocks.jsonl"
    out.write_text("yesterday's blocks\n")
    process, workers = start_batch(tmp_path, out)
    os.kill(min(workers), signal.SIGKILL)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 5, stderr
    assert stderr.decode().splitlines()[-1] == ("revhyper: error: a worker process was killed by signal 9 (SIGKILL; out of "
                                                "memory?); nothing was written")
    assert b"bug" not in stderr and b"Traceback" not in stderr
    assert not any(running(pid) for pid in workers)
    assert out.read_text() == "yesterday's blocks\n" and temporaries(tmp_path) == []


@forked
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_the_workers_and_leave_no_file(tmp_path, signum, code):
    """SIGHUP (a closed terminal) used to kill the parent outright, leaving its temporary file and workers."""
    out = tmp_path / "blocks.jsonl"
    process, workers = start_batch(tmp_path, out)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == code, stderr
    assert stderr.decode().splitlines()[-1] == f"revhyper: stopped by {signal.Signals(signum).name}; nothing was written"
    wait_until(lambda: not any(running(pid) for pid in workers), 5, "workers to exit")
    assert not out.exists() and temporaries(tmp_path) == []


WATCHED = """
import os, sys, time
from revhyper.batch import batch
mode = sys.argv[1]
ready, told = os.pipe()
if mode == "server":  # this process is the batch; a start-up server (forkserver) between it and the worker outlives it
    batch_pid = os.getpid()
    server = os.fork()
    if server == 0:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1), os.dup2(quiet, 2)  # so that the test's pipe closes when the batch ends
        worker = os.fork()
        if worker == 0:
            batch.die_with_parent(batch_pid)
            os.write(told, str(os.getpid()).encode())
            time.sleep(30)
            os._exit(0)
        time.sleep(30)
        os._exit(0)
    os.close(told)
    print(os.read(ready, 20).decode(), server, flush=True)
    os._exit(0)  # the batch ends; the server is still there
middle = os.fork()
if middle == 0:  # the batch, the worker's own parent
    parent = os.getpid()
    worker = os.fork()
    if worker == 0:
        if mode == "fallback":
            sys.platform = "fallback"  # as on a system without prctl
        batch.die_with_parent(parent)
        os.write(told, str(os.getpid()).encode())
        time.sleep(30)
        os._exit(0)
    os.close(told)
    print(os.read(ready, 20).decode(), flush=True)  # once the worker is watching
    os._exit(0)  # the worker's parent ends
os.close(told)
os.waitpid(middle, 0)
"""


@pytest.mark.parametrize("mode", ["prctl", "fallback", "server"])
def test_a_worker_ends_when_its_batch_ends(mode):
    """prctl on Linux; a watcher thread elsewhere; and, with a start-up server (forkserver) between the batch and
    the worker that outlives the batch, a watch on the batch itself."""
    result = subprocess.run([sys.executable, "-c", WATCHED, mode], capture_output=True, text=True, timeout=30)
    pids = [int(pid) for pid in result.stdout.split()]
    assert pids, result.stderr
    try:
        wait_until(lambda: not running(pids[0]), 5, "the orphaned worker to exit")
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_worker_whose_batch_has_already_ended_ends_at_once():
    script = """
import os, subprocess, sys
from revhyper.batch import batch
gone = subprocess.Popen([sys.executable, "-c", "pass"]); gone.wait()
batch.die_with_parent(gone.pid)
print("still here")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (1, "")


@forked
def test_a_reader_that_stops_early_ends_batch_quietly_with_141(tmp_path):
    """`revhyper batch profiles.jsonl | head`: no traceback, no message, workers and working files gone."""
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(200) * 20)
    process = subprocess.Popen([sys.executable, "-m", "revhyper", "batch", str(profiles), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert len(process.stdout.read(1000)) == 1000
    workers = children(process.pid)
    process.stdout.close()
    stderr = process.stderr.read()
    assert (process.wait(timeout=30), stderr) == (141, b"")
    assert not any(running(pid) for pid in workers) and temporaries(tmp_path) == []
