"""Write files so that a reader sees the old file or the new one, never half of one.

The new content goes to a temporary file in the target's folder, is synced, and is renamed over the
target. A symbolic link is written through: the file it points to gets the new content, atomically in
*that* file's folder, and the link stays a link. A device, named pipe, socket or folder is refused
before anything is written (replacing ``/dev/null`` with a regular file would break the system).

Temporary names carry the writing process's id and a tag of its machine
(``.NAME.revhyper-PID-HOST-XXXXXXXX.tmp``), so that :func:`remove_stale` can remove what a process
killed outright (SIGKILL, power loss) left behind, and never another live process's file.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


class NotAFileError(OSError):
    """The output path names something other than a regular file (a device, named pipe, socket or folder)."""


def resolve_target(path: str | os.PathLike) -> Path:
    """The regular file a write to ``path`` replaces: ``path`` itself, or the file a symbolic link points to.

    Raises :class:`NotAFileError` when that is a device, named pipe, socket or folder, or an open file of
    a process (``/dev/stdout``, ``/dev/fd/N``, ``/proc/PID/fd/N``), and ``OSError`` when it cannot be looked
    at (a loop of links, no permission). A file that does not exist yet is fine.
    """
    name = os.fspath(path)
    if _names_an_open_file(name):
        raise NotAFileError(errno.EINVAL, "it names a file a process has open (standard output, error or a file "
                                          "descriptor), not a file revhyper may replace; to write to standard "
                                          "output, leave out -o", name)
    real = Path(os.path.realpath(name))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    if stat.S_ISREG(mode):
        return real
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    via = f" (the symbolic link points to {real})" if os.path.islink(name) else ""
    hint = "name a file in it" if stat.S_ISDIR(mode) else "to write to a device or a pipe, use standard output"
    raise NotAFileError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,
                        f"it is {kind}{via}, not a regular file; revhyper only replaces regular files ({hint})", name)


def _names_an_open_file(name: str) -> bool:
    """Whether ``name``, or a link it leads through, is /dev/std*, /dev/fd/N or /proc/PID/fd/N.

    Those are links to whatever a process has open; followed, they would lead revhyper to replace a
    log file or a terminal another process writes to.
    """
    here = os.path.abspath(name)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if here in ("/dev/stdin", "/dev/stdout", "/dev/stderr") or here.startswith(("/dev/fd/", "/proc/")):
            return True
        if not os.path.islink(here):
            return False
        here = os.path.normpath(os.path.join(os.path.dirname(here), os.readlink(here)))
    return False


class AtomicFile:
    """A new version of ``path`` being written: ``file`` is a temporary file in the target's folder.

    ``commit()`` syncs it and renames it over the target (keeping the target's mode, and its owner when
    allowed); ``discard()`` removes it. Until ``commit()`` the target is untouched.
    """

    def __init__(self, path: str | os.PathLike, buffering: int = -1):
        self.target = resolve_target(path)
        self.folder = self.target.parent
        handle, self.temp = tempfile.mkstemp(prefix=f".{self.target.name[:100]}.{temp_tag()}", suffix=".tmp",
                                             dir=self.folder)
        self.file = os.fdopen(handle, "wb", buffering)
        self.finished = False

    def commit(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        try:
            info = os.stat(self.target)
        except FileNotFoundError:
            os.chmod(self.temp, 0o644 & ~_umask())
        else:
            os.chmod(self.temp, info.st_mode & 0o777)
            if (info.st_uid, info.st_gid) != _owner(self.temp):
                try:
                    os.chown(self.temp, info.st_uid, info.st_gid)
                except OSError:  # not allowed (only root may give a file away): it stays ours
                    pass
        os.replace(self.temp, self.target)
        self.finished = True

    def discard(self) -> None:
        if self.finished:
            return
        self.finished = True
        try:
            self.file.close()
        except OSError:
            pass
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` (through a symbolic link to its target) by a temporary file and an atomic rename.

    On any failure the temporary file is removed and an existing file is left untouched; a device,
    named pipe, socket or folder is refused (:class:`NotAFileError`) before anything is written.
    """
    out = AtomicFile(path)
    try:
        out.file.write(data)
        out.commit()
    except BaseException:
        out.discard()
        raise


# -- temporary names, and removing those of processes that died ----------------------------------

_TEMP_NAME = re.compile(r"\.revhyper-(\d+)-([0-9a-f]{8})-[a-z0-9_]+\.tmp\Z")


def temp_tag(pid: int | None = None) -> str:
    """``revhyper-PID-HOST-``: the part of a temporary name that says which process on which machine owns it."""
    return f"revhyper-{os.getpid() if pid is None else pid}-{_host()}-"


def remove_stale(folder: str | os.PathLike) -> list[str]:
    """Remove revhyper's temporary files and folders in ``folder`` whose process is gone; return their paths.

    Only names revhyper makes (see :func:`temp_tag`), owned by this user, made on this machine, by a
    process id that no longer runs. A process that still runs, another user's or another machine's
    file (a shared folder), and anything else are left alone.
    """
    import shutil

    if os.name != "posix":  # whether a process runs is told on POSIX only
        return []
    removed = []
    host = _host()
    try:
        entries = list(os.scandir(os.fspath(folder)))
    except OSError:
        return []
    for entry in entries:
        match = _TEMP_NAME.search(entry.name)
        if match is None or not entry.name.startswith(".") or match.group(2) != host:
            continue
        if process_running(int(match.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid != os.geteuid():
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path)
            elif stat.S_ISREG(info.st_mode):
                os.unlink(entry.path)
            else:
                continue
        except OSError:
            continue
        removed.append(entry.path)
    return removed


def process_running(pid: int) -> bool:
    """Whether process ``pid`` exists; a zombie counts, and so does any process where this cannot be told (not POSIX)."""
    if pid == os.getpid() or os.name != "posix":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours to signal
        return True
    return True


_HOST: list[str] = []


def _host() -> str:
    """Eight hex digits naming this machine (a CRC of its network name): a shared folder's other machines differ."""
    if not _HOST:
        import zlib

        node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
        _HOST.append(format(zlib.crc32(node.encode("utf-8", "replace")), "08x"))
    return _HOST[0]


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
