"""Atomic writes: a reader sees the old file or the new one, never a half-written one."""

from __future__ import annotations

import os

import pytest

from revhyper.io.atomic import write_atomic


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
        from revhyper.io import atomic
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


# -- symbolic links and special files ----------------------------------------------------------------

def test_a_symlink_is_written_through_its_target_gets_the_content_and_the_link_stays(tmp_path):
    """`-o link.json` used to replace the link with a file and leave the file it pointed to as it was."""
    (tmp_path / "store").mkdir()
    (tmp_path / "out").mkdir()
    real = tmp_path / "store" / "block.json"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "out" / "block.json"
    link.symlink_to(os.path.join("..", "store", "block.json"))  # relative, as `ln -s` makes them
    write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "store", "block.json")
    assert real.read_bytes() == b"new" and link.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path / "store") == ["block.json"] and os.listdir(tmp_path / "out") == ["block.json"]


def test_a_chain_of_links_and_a_dangling_link_are_written_through(tmp_path):
    real = tmp_path / "real.json"
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("real.json")
    write_atomic(tmp_path / "a.json", b"made")  # the file a dangling link names is created, as `>` does
    assert real.read_bytes() == b"made" and (tmp_path / "a.json").is_symlink() and (tmp_path / "b.json").is_symlink()
    write_atomic(tmp_path / "a.json", b"again")
    assert real.read_bytes() == b"again"


def test_a_loop_of_links_is_an_error_and_nothing_is_written(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "a", b"x")
    assert sorted(os.listdir(tmp_path)) == ["a", "b"] and (tmp_path / "a").is_symlink()


def _char_device(path):
    """A character device node like /dev/null (major 1, minor 3), made in tmp_path: root only."""
    import stat

    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    return path


def test_a_fifo_is_refused_before_anything_is_written(tmp_path):
    import stat

    from revhyper.io.atomic import NotAFileError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotAFileError, match=r"it is a named pipe \(FIFO\), not a regular file") as caught:
        write_atomic(fifo, b"data")
    assert caught.value.filename == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_a_device_and_a_link_to_one_are_refused_and_stay_devices(tmp_path):
    """As root `-o /dev/null` replaced the system's /dev/null with a regular file; a device node in tmp_path stands for it."""
    import stat

    from revhyper.io.atomic import NotAFileError

    device = _char_device(tmp_path / "null")
    link = tmp_path / "link"
    link.symlink_to(device)
    for path in (device, link):
        with pytest.raises(NotAFileError, match="it is a character device"):
            write_atomic(path, b"data")
    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == os.makedev(1, 3)
    assert link.is_symlink() and sorted(os.listdir(tmp_path)) == ["link", "null"]


def test_a_folder_is_refused(tmp_path):
    from revhyper.io.atomic import NotAFileError

    (tmp_path / "blocks").mkdir()
    with pytest.raises(NotAFileError, match="it is a folder, not a regular file"):
        write_atomic(tmp_path / "blocks", b"data")
    assert os.listdir(tmp_path) == ["blocks"] and os.listdir(tmp_path / "blocks") == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_root_keeps_the_owner_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    os.chown(target, 65534, 65534)
    write_atomic(target, b"new")
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534) and target.read_bytes() == b"new"


# -- temporary files of processes that died ----------------------------------------------------------

def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporary_names_carry_the_process_and_only_a_dead_process_s_are_removed(tmp_path):
    import subprocess
    import sys

    from revhyper.io.atomic import AtomicFile, remove_stale, temp_tag

    out = AtomicFile(tmp_path / "blocks.jsonl")
    mine = os.path.basename(out.temp)
    assert mine.startswith(f".blocks.jsonl.revhyper-{os.getpid()}-") and mine.endswith(".tmp")
    dead = _dead_pid()
    other_host = next(tag for tag in ("00000000", "11111111") if f"-{tag}-" not in temp_tag(1))  # a shared folder's other machine
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {
            "dead": f".blocks.jsonl.{temp_tag(dead)}abcd1234.tmp",
            "dead_folder": f".batch.{temp_tag(dead)}abcd1234.tmp",
            "alive": f".blocks.jsonl.{temp_tag(alive.pid)}abcd1234.tmp",
            "other_host": f".blocks.jsonl.revhyper-{dead}-{other_host}-abcd1234.tmp",
            "not_ours": f"notes.revhyper-{dead}-x.tmp",
            "user_file": "blocks.jsonl.tmp",
        }
        for key, name in names.items():
            (tmp_path / name).mkdir() if key == "dead_folder" else (tmp_path / name).write_bytes(b"x")
        (tmp_path / names["dead_folder"] / "1.jsonl").write_bytes(b"chunk")
        removed = remove_stale(tmp_path)
    finally:
        alive.kill()
        alive.wait()
    assert sorted(removed) == sorted(str(tmp_path / names[key]) for key in ("dead", "dead_folder"))
    left = set(os.listdir(tmp_path))
    assert left == {mine} | {names[key] for key in ("alive", "other_host", "not_ours", "user_file")}
    out.discard()
    assert mine not in os.listdir(tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="another user's file needs root to make")
def test_another_user_s_stale_temporary_file_is_left_alone(tmp_path):
    from revhyper.io.atomic import remove_stale, temp_tag

    theirs = tmp_path / f".blocks.jsonl.{temp_tag(_dead_pid())}abcd1234.tmp"
    theirs.write_bytes(b"x")
    os.chown(theirs, 65534, 65534)
    assert remove_stale(tmp_path) == [] and theirs.exists()
