"""Atomic writes: a reader sees the old file or the new one, never a half-written one."""

from __future__ import annotations

import os

import pytest

from revhyper.atomic import write_atomic


def test_writes_new_and_replaces_existing(tmp_path):
    target = tmp_path / "out.json"
    write_atomic(target, b"one")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["out.json"]


def test_keeps_the_existing_file_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_failure_mid_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_process_killed_mid_write_leaves_the_old_file(tmp_path):
    """SIGKILL while the new bytes are being written: the target still holds the previous content."""
    import signal
    import subprocess
    import sys
    import textwrap

    target = tmp_path / "block.json"
    target.write_bytes(b"previous block\n")
    child = textwrap.dedent(f"""
        import os, sys, time
        from revhyper import atomic
        def slow_fsync(fd):
            print("writing", flush=True)
            time.sleep(60)
        atomic.os.fsync = slow_fsync
        atomic.write_atomic({str(target)!r}, b"new block" * 100000)
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert target.read_bytes() == b"previous block\n"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "block.json"]
    assert all(name.startswith(".block.json.") and name.endswith(".tmp") for name in leftovers)
