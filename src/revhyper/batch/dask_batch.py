"""``revhyper batch --engine dask``: the batch on a Dask cluster, one output file per input partition.

The input (one JSON lines file, a glob, or fsspec URLs) is cut into partitions: byte ranges of
``partition_size`` of each file. A partition holds the lines that *start* in its range, so a line
is never split. A first pass of small tasks counts the line starts of each range, which gives every
partition the number of its first line in its file. A second pass runs :func:`batch.process_stream`
(the local engine's own per-chunk work, ``jobs=1``) on each partition in a worker and writes its
output atomically to ``part-NNNNN.jsonl`` in the output folder. So the parts of one input file,
concatenated in order, are exactly the bytes ``revhyper batch FILE`` writes.

``_manifest.json`` in the output folder records each part: its input (URL, size, fsspec's key of
the file's version), byte range, first line, line count, counts and output sha256. A rerun skips a
part whose record matches the new plan and whose file still has that size and sha256 (checked in a
worker). A worker that dies mid-partition loses nothing: the scheduler runs the partition again
elsewhere and the half-written temporary file never becomes the part.

This module imports dask only when called; ``import revhyper`` never imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import uuid
from collections.abc import Callable
from typing import Any

import attrs

from .batch import COUNTED, MAX_PROBLEMS_SHOWN, Done, process_stream
from ..errors import InputError, OutputError, Problem

PARTITION_SIZE = 16 << 20
"""Default bytes of input a partition (one task, one output file) holds: about 40,000 profiles, 0.8 GB of output."""

MANIFEST = "_manifest.json"
MANIFEST_FORMAT = "revhyper.batch-manifest/1"
RETRIES = 2
"""Times a partition that raised is run again (a worker that died is rescheduled by the scheduler itself)."""

KILL_HOOK = "REVHYPER_TEST_KILL_WORKER"
"""Tests only: ``LINE:MARKER`` makes the worker SIGKILL itself after writing the chunk holding LINE, once (MARKER)."""


@attrs.frozen
class Partition:
    index: int
    url: str  # as fsspec names it (protocol included)
    name: str  # as the user named the file (for messages)
    size: int  # of the whole file
    key: str  # fsspec's ukey: changes when the file does
    start: int
    end: int
    first_line: int = 0  # filled in after counting
    lines: int = 0

    @property
    def part(self) -> str:
        return f"part-{self.index:05d}.jsonl"

    def identity(self) -> dict[str, Any]:
        return {"input": self.url, "size": self.size, "key": self.key, "start": self.start, "end": self.end,
                "first_line": self.first_line, "lines": self.lines}


# -- planning: which files, which ranges, which line numbers -----------------------------------------

def expand_inputs(patterns: list[str]) -> list[tuple[Any, str, str, dict]]:
    """(filesystem, path, name as given, info) of every input file, in the order given, globs sorted."""
    import fsspec

    found = []
    for pattern in patterns:
        try:
            fs, _, paths = fsspec.get_fs_token_paths(pattern)
            if not paths:
                raise InputError([Problem(pattern, "", "no file matches this name or pattern")])
            for path in sorted(paths) if _has_magic(pattern) else paths:
                info = fs.info(path)
                if info.get("type") != "file":
                    raise InputError([Problem(pattern, "", f"{path} is a {info.get('type', 'not a file')}, "
                                                           "not a JSON lines file")])
                name = pattern if len(paths) == 1 and not _has_magic(pattern) else _unstrip(fs, path)
                found.append((fs, path, name, info))
        except FileNotFoundError:
            raise InputError([Problem(pattern, "", "cannot read the profiles: no such file")]) from None
        except (OSError, ValueError, ImportError) as exc:
            raise InputError([Problem(pattern, "", f"cannot read the profiles: {exc}")]) from None
    return found


def _has_magic(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _unstrip(fs, path: str) -> str:
    return fs.unstrip_protocol(path) if fs.protocol not in ("file", ("file", "local")) else path


def plan(patterns: list[str], partition_size: int) -> list[Partition]:
    """Every partition, in order: each file cut into ranges of ``partition_size`` bytes (a file has at least one)."""
    partitions: list[Partition] = []
    for fs, path, name, info in expand_inputs(patterns):
        size = int(info.get("size") or 0)
        try:
            key = str(fs.ukey(path))
        except (OSError, NotImplementedError, ValueError):
            key = json.dumps({k: str(v) for k, v in sorted(info.items())})
        url = fs.unstrip_protocol(path)
        for start in range(0, max(size, 1), partition_size):
            partitions.append(Partition(len(partitions), url, name, size, key, start, min(start + partition_size, size)))
    return partitions


def count_line_starts(url: str, start: int, end: int, size: int) -> int:
    """How many lines of the file start at a byte in [start, end): line starts are 0 and after each newline."""
    import fsspec

    if start >= size:
        return 0
    stop = min(end, size) - 1  # a newline at the file's last byte starts no line
    with fsspec.open(url, "rb") as f:
        f.seek(max(start - 1, 0))
        data = f.read(max(stop - max(start - 1, 0), 0))
    return (start == 0) + data.count(b"\n")


def number_lines(partitions: list[Partition], counts: list[int]) -> list[Partition]:
    numbered, line, last = [], 1, None
    for p, count in zip(partitions, counts):
        if p.url != last:
            line, last = 1, p.url
        numbered.append(attrs.evolve(p, first_line=line, lines=count))
        line += count
    return numbered


# -- reading a range of lines ---------------------------------------------------------------------

class RangeReader:
    """The lines of a file that start in [start, end), read from any fsspec file, with ``readline(limit)``."""

    def __init__(self, file, start: int, end: int):
        self.file = file
        self.buffer = b""
        self.at = 0  # bytes of ``buffer`` already returned
        self.end = end
        self.pos = start
        self.at_line_start = True
        if start > 0:  # the line running through ``start`` belongs to the partition before
            file.seek(start - 1)
            self.pos = start - 1
            while True:
                piece = self._readline(1 << 20)
                if not piece or piece.endswith(b"\n"):
                    break

    def _readline(self, limit: int) -> bytes:
        """Up to and including the next newline, at most ``limit`` bytes (any number when negative)."""
        while True:
            stop = len(self.buffer) if limit < 0 else min(len(self.buffer), self.at + limit)
            newline = self.buffer.find(b"\n", self.at, stop)
            if newline >= 0 or stop < len(self.buffer) or (limit >= 0 and stop - self.at == limit):
                cut = newline + 1 if newline >= 0 else stop
                break
            more = self.file.read(1 << 20)
            if not more:
                cut = stop
                break
            self.buffer = self.buffer[self.at:] + more  # the bytes not yet returned, and the next piece
            self.at = 0
        line = self.buffer[self.at:cut]
        self.at = cut
        self.pos += len(line)
        return line

    def readline(self, limit: int = -1) -> bytes:
        if self.at_line_start and self.pos >= self.end:
            return b""
        line = self._readline(limit)
        self.at_line_start = line.endswith(b"\n")
        return line


# -- the work of one partition, in a worker --------------------------------------------------------

_RULESETS: dict[str | None, Any] = {}


class WorkerSetupError(Exception):
    """A worker does not have the client's rule set (another file at that path, or another revhyper)."""


def _ruleset(rules_arg: str | None, sha256: str):
    ruleset = _RULESETS.get(rules_arg)
    if ruleset is None or ruleset.sha256 != sha256:  # not loaded yet, or the file changed since (a long-lived worker)
        from ..cli import load_ruleset_arg

        ruleset = _RULESETS[rules_arg] = load_ruleset_arg(rules_arg)
    if ruleset.sha256 != sha256:
        raise WorkerSetupError(f"the rule set {rules_arg or 'default'} on this worker has sha256 {ruleset.sha256[:12]}, "
                           f"the client's {sha256[:12]}: install the same rule set and revhyper on every worker")
    return ruleset


def run_partition(p: Partition, out_dir: str, rules_arg: str | None, sha256: str, known: dict | None,
                  form: str = "compact") -> dict:
    """Write partition ``p``'s part file (unless ``known``, the manifest's record, still matches it); its record."""
    import fsspec

    target = _join(out_dir, p.part)
    if known is not None and _still_there(target, known):
        return dict(known, skipped=True)
    ruleset = _ruleset(rules_arg, sha256)
    counts = dict.fromkeys(COUNTED, 0)
    shown: list[str] = []
    found = [0, 0]  # problems, bytes read
    sink = _PartSink(target)
    kill = _kill_hook()

    def on_done(done: Done) -> None:
        for key, count in zip(COUNTED, done.counts):
            counts[key] += count
        shown.extend(done.problems[:MAX_PROBLEMS_SHOWN - len(shown)])
        found[0] += done.problem_count
        found[1] += done.size
        if kill and done.first <= kill[0] < done.first + sum(done.counts):
            _kill_once(sink, kill[1])

    try:
        with fsspec.open(p.url, "rb") as file:
            process_stream(RangeReader(file, p.start, p.end), sink, ruleset=ruleset, rules_arg=rules_arg,  # type: ignore[arg-type]
                           name=p.name, jobs=1, on_done=on_done, first_line=p.first_line, form=form)
        sha, size = sink.commit()
    finally:
        sink.discard()
    return dict(p.identity(), part=p.part, ruleset_sha256=sha256, version=_version(), form=form, output_size=size,
                output_sha256=sha, counts=counts, problems=shown, problem_count=found[0], read=found[1], skipped=False)


def _kill_hook() -> tuple[int, str] | None:
    value = os.environ.get(KILL_HOOK)
    if not value:
        return None
    line, marker = value.split(":", 1)
    return int(line), marker


def _kill_once(sink, marker: str) -> None:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    sink.flush()  # the half-written part is on disk, as it would be when the kernel kills a worker
    os.kill(os.getpid(), signal.SIGKILL)


def _still_there(target: str, known: dict) -> bool:
    """Whether the part file still has the size and sha256 the manifest recorded."""
    import fsspec

    try:
        with fsspec.open(target, "rb") as f:
            digest = hashlib.sha256()
            size = 0
            while piece := f.read(1 << 20):
                digest.update(piece)
                size += len(piece)
    except (OSError, ValueError):
        return False
    return size == known.get("output_size") and digest.hexdigest() == known.get("output_sha256")


def _join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


def _is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def _local(url: str) -> str:
    return url[len("file://"):] if url.startswith("file://") else url


class _PartSink:
    """A part file being written: atomically (temporary file, renamed) on a local or shared file system;
    on an object store (s3://, gs://...) through fsspec, whose object appears whole when the upload is closed."""

    def __init__(self, target: str):
        self.digest = hashlib.sha256()
        self.size = 0
        if _is_local(target):
            from .batch import AtomicOutput

            self.atomic: Any = AtomicOutput(_local(target))
            self.file = self.atomic.file
        else:
            import fsspec

            self.atomic = None
            self.file = fsspec.open(target, "wb").open()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.file.write(data)

    def append_file(self, path: str) -> None:  # only process_stream's pool appends files; jobs=1 never does
        raise AssertionError("a partition is processed in one process")

    def flush(self) -> None:
        self.file.flush()

    def commit(self) -> tuple[str, int]:
        if self.atomic is not None:
            self.atomic.commit()
        else:
            self.file.close()
        return self.digest.hexdigest(), self.size

    def discard(self) -> None:
        if self.atomic is not None:
            self.atomic.discard()
        elif not self.file.closed:
            self.file.close()


def _version() -> str:
    from .._version import __version__

    return __version__


# -- the manifest ---------------------------------------------------------------------------------

def read_manifest(out_dir: str) -> dict[str, dict]:
    """The parts the last run recorded, by part name; nothing when there is no readable manifest."""
    import fsspec

    try:
        with fsspec.open(_join(out_dir, MANIFEST), "rb") as f:
            data = json.loads(f.read())
        if data.get("format") != MANIFEST_FORMAT:
            return {}
        return {entry["part"]: entry for entry in data["parts"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_manifest(out_dir: str, parts: list[dict], complete: bool) -> None:
    entries = [{k: v for k, v in part.items() if k != "skipped"} for part in parts]
    data = json.dumps({"format": MANIFEST_FORMAT, "complete": complete, "parts": entries}, indent=1,
                      ensure_ascii=False).encode("utf-8") + b"\n"
    target = _join(out_dir, MANIFEST)
    if _is_local(target):
        from ..io.atomic import write_atomic

        write_atomic(_local(target), data)
    else:
        import fsspec

        with fsspec.open(target, "wb") as f:
            f.write(data)


def reusable(p: Partition, entry: dict | None, sha256: str, form: str = "compact") -> dict | None:
    """The manifest's record of the same partition (same input version, range, lines, rule set, revhyper and
    --format)."""
    if (entry is None or entry.get("ruleset_sha256") != sha256 or entry.get("version") != _version()
            or entry.get("form", "json") != form):  # a manifest from before --format compact holds canonical blocks
        return None
    identity = p.identity()
    return entry if all(entry.get(k) == v for k, v in identity.items()) else None


# -- running it -----------------------------------------------------------------------------------

def start_client(scheduler: str | None, workers: int):
    """A client of the scheduler at ``scheduler``, or of a new local cluster of ``workers`` processes."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="30s"), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR, death_timeout=30)
    return Client(cluster), cluster


def run_batch(client, partitions: list[Partition], out_dir: str, rules_arg: str | None, sha256: str,
              on_part: Callable[[dict], None], form: str = "compact") -> list[dict]:
    """Count lines, then run every partition on the cluster; ``on_part`` sees each part's record in input order."""
    counts = client.gather(client.map(count_line_starts, [p.url for p in partitions], [p.start for p in partitions],
                                       [p.end for p in partitions], [p.size for p in partitions],
                                       pure=False, retries=RETRIES))
    partitions = number_lines(partitions, counts)
    previous = read_manifest(out_dir)
    run = uuid.uuid4().hex  # task keys of this run, apart from another's on a shared scheduler
    futures = [client.submit(run_partition, p, out_dir, rules_arg, sha256,
                             reusable(p, previous.get(p.part), sha256, form), form,
                             pure=False, retries=RETRIES, key=f"revhyper-{p.part}-{run}")
               for p in partitions]
    done: list[dict] = []
    try:
        for future in futures:
            record = future.result()
            done.append(record)
            write_manifest(out_dir, done, complete=False)
            on_part(record)
    except BaseException:
        client.cancel(futures)
        raise
    write_manifest(out_dir, done, complete=True)
    _remove_dropped(out_dir, previous, {p.part for p in partitions})
    return done


def _remove_dropped(out_dir: str, previous: dict[str, dict], current: set[str]) -> None:
    """Remove the parts an earlier run recorded that this run's plan no longer has (the input got shorter)."""
    import fsspec

    for part in sorted(set(previous) - current):
        try:
            fs, path = fsspec.core.url_to_fs(_join(out_dir, part))
            fs.rm(path)
        except (OSError, ValueError):
            pass

