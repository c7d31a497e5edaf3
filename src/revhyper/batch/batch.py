"""Batch mode: profiles as JSON lines in, one compact JSON line per profile out, in order, on every core.

Each input line is one profile (the same JSON a profile file holds). Each output line is either::

    {"line":7,"status":"generated","block":{...}}          the block in compact form (compact.py), or canonical
    {"line":8,"error":[{"path":"training.goal",...}]}      what is wrong with that line; the others go on

The block is in compact form by default (``--format compact``: each cue, exercise and phase stated once and
referred to, some 6 kB for a 12-week block where the canonical form takes 20 kB), or exactly
``block_to_dict(generate(profile))`` with ``--format json``. Both are encoded by json_bytes.py: the bytes of
``json.dumps(record, separators=(",", ":"), ensure_ascii=False)``, whichever encoder ran.

The input is read in chunks of lines. With one job they are processed here; with more, a process pool
whose workers are initialised once with the rule set works through them. When the output is a file being
made (``revhyper batch -o FILE``), each worker appends a chunk's output to it itself, in input order: a
chunk waits for its turn (the first line of the chunk to be written next, in shared memory) in a thread of
the worker while the worker goes on with its next chunk. Otherwise (standard output, the dask engine's
parts) each worker leaves a chunk's output in a file of a temporary folder, which the parent appends to the
output in input order (the kernel copies it) and removes. At most a few chunks are in flight at any time, so
memory stays flat however long the input is.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any, Protocol

import attrs

from ..engine.block import Block
from ..export.canonical import block_to_dict
from ..export.compact import block_to_compact
from ..engine.engine import generate
from ..errors import OutputError, Problem, ProfileError
from ..export.json_bytes import dumps
from ..profile.profile_loader import MAX_BYTES, parse_profile
from ..rules.ruleset import RuleSet

CHUNK_LINES = 512
"""Lines per chunk sent to a worker: large enough to make the hand-over cheap, small enough to keep memory flat.
512, not 64: the parent's work per chunk (handing it over, appending its file) fell from about 20 to 10 us a
line, which the two workers of --jobs 2 on two cores get back (some 3-4 MB of output a chunk)."""

IN_FLIGHT_PER_JOB = 3
"""Chunks queued or running per worker; the reader waits when this many are outstanding."""

MAX_PROBLEMS_SHOWN = 100
"""Problems printed to standard error; every problem is in the output whatever this says."""

COUNTED = ("generated", "needs_clearance", "refused", "error", "internal")
"""What a line can end as: a block of one of the three statuses, an input error, or a bug in revhyper."""

BLOCK_FORMS = ("compact", "json")
"""How a block is written on its line (``--format``): compact (compact.py, the default) or canonical (docs/block.md)."""

TooLong = int
"""In a chunk, an int stands for a line longer than MAX_BYTES that was skipped: its length in bytes."""


# -- one line -------------------------------------------------------------------------------------

def process_line(number: int, raw: bytes | TooLong, ruleset: RuleSet, name: str,
                 form: str = "compact") -> tuple[bytes, str, tuple[Problem, ...]]:
    """(the output line without its newline, what the line ended as, the problems) for input line ``number``."""
    try:
        text, problems = _line_text(number, raw, name)
        if text is not None:
            try:
                profile = parse_profile(text, name=name, ruleset=ruleset, kind="json")
            except ProfileError as exc:
                problems = tuple(_on_line(p, number) for p in exc.problems)
            else:
                block = generate(profile, ruleset)
                return block_record(number, block, form), block.status, ()
        return error_record(number, problems), "error", problems
    except Exception as exc:  # noqa: BLE001 - a bug on one line must not lose the others
        said = str(exc).encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate in it, written out
        problem = Problem(name, "", f"internal error ({type(exc).__name__}: {said}); this is a bug, please report it", number)
        return error_record(number, (problem,)), "internal", (problem,)


def _line_text(number: int, raw: bytes | TooLong, name: str) -> tuple[str | None, tuple[Problem, ...]]:
    """The line as text, or why it cannot be a profile."""
    if isinstance(raw, int):
        return None, (Problem(name, "", f"the line is {raw:,} bytes long; a profile is at most {MAX_BYTES:,} bytes", number),)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (Problem(name, "", f"the line is not UTF-8 text (byte {exc.start + 1} cannot be read)", number,
                              exc.start + 1),)
    if not text.strip():
        return None, (Problem(name, "", "the line is empty; expected one JSON profile on each line", number),)
    return text, ()


def _on_line(problem: Problem, number: int) -> Problem:
    """A problem placed in one line's text, placed in the whole file instead."""
    column = problem.column if problem.line == 1 else None
    return attrs.evolve(problem, line=number, column=column)


def error_record(number: int, problems: tuple[Problem, ...]) -> bytes:
    return dumps({"line": number, "error": [
        {"path": p.path, "message": p.message, "column": p.column, "suggestion": p.suggestion} for p in problems]})


def block_record(number: int, block: Block, form: str = "compact") -> bytes:
    """``{"line":N,"status":S,"block":B}`` as compact JSON; B is ``block_to_compact(block)`` or, for the form
    ``json``, exactly ``block_to_dict(block)``."""
    data = block_to_compact(block) if form == "compact" else block_to_dict(block)
    return dumps({"line": number, "status": block.status, "block": data})


# -- chunks of lines ------------------------------------------------------------------------------

@attrs.frozen
class Chunk:
    first: int  # number of its first line, from 1
    lines: tuple[bytes | TooLong, ...]
    size: int  # bytes read from the input


@attrs.frozen
class Done:
    """A processed chunk: its output bytes, how many lines ended each way, the problems to show."""

    first: int
    output: bytes
    counts: tuple[int, ...]  # in the order of COUNTED
    problems: tuple[str, ...]  # the first MAX_PROBLEMS_SHOWN, as FILE:LINE:COLUMN: error: ... lines
    problem_count: int  # all of them
    size: int
    spill: str | None = None  # from a worker: the file holding the output (then ``output`` is empty)


def read_chunks(stream: IO[bytes], name: str, chunk_lines: int = CHUNK_LINES, first_line: int = 1) -> Iterator[Chunk]:
    """Chunks of the input's lines; a line over MAX_BYTES is skipped (never held) and stands as its length.

    ``first_line`` is the number of the stream's first line in its file (a part of a file, for the dask engine).
    """
    def readline(limit: int) -> bytes:
        try:
            return stream.readline(limit)
        except OSError as exc:
            raise ProfileError([Problem(name, "", f"cannot read the profiles: {exc.strerror or exc}", number)]) from None

    first, size = first_line, 0
    lines: list[bytes | TooLong] = []
    number = first_line - 1
    while True:
        raw = readline(MAX_BYTES + 1)
        if not raw:
            break
        number += 1
        size += len(raw)
        if not raw.endswith(b"\n") and len(raw) > MAX_BYTES:
            length = len(raw)
            while not raw.endswith(b"\n"):
                raw = readline(1 << 20)
                if not raw:
                    break
                length += len(raw)
                size += len(raw)
            lines.append(length - raw.endswith(b"\n"))
        else:
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            lines.append(raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw)
        if len(lines) == chunk_lines:
            yield Chunk(first, tuple(lines), size)
            first, lines, size = number + 1, [], 0
    if lines:
        yield Chunk(first, tuple(lines), size)


def process_chunk(chunk: Chunk, ruleset: RuleSet, name: str, form: str = "compact") -> Done:
    out: list[bytes] = []
    counts = dict.fromkeys(COUNTED, 0)
    shown: list[str] = []
    problem_count = 0
    for offset, raw in enumerate(chunk.lines):
        text, outcome, problems = process_line(chunk.first + offset, raw, ruleset, name, form)
        out.append(text)
        counts[outcome] += 1
        if problems:
            problem_count += len(problems)
            if len(shown) < MAX_PROBLEMS_SHOWN:
                shown.extend(str(p) for p in problems)
    out.append(b"")  # each line ends with a newline
    output = b"\n".join(out)
    return Done(chunk.first, output, tuple(counts.values()), tuple(shown[:MAX_PROBLEMS_SHOWN]), problem_count, chunk.size)


# -- workers ------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(rules_arg: str | None, sha256: str, name: str, spill: str, parent: int, form: str = "compact",
                 direct: tuple[str, Any] | None = None) -> None:
    """Run once in each worker: tie its life to the parent's, then load the rule set (inherited when forked)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and a hang-up are the parent's to handle: it stops the pool
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # how the parent stops a worker
    if hasattr(signal, "pthread_sigmask"):  # held while the parent forked us (see _signals_held): a pending one acts now
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    die_with_parent(parent)
    ruleset = _WORKER.get("ruleset") if _WORKER.get("rules_arg", ...) == rules_arg else None
    if ruleset is None:
        from ..cli import load_ruleset_arg

        ruleset = load_ruleset_arg(rules_arg)
    _WORKER.update(ruleset=ruleset, rules_arg=rules_arg, sha256=sha256, name=name, spill=spill, form=form,
                   writer=None if direct is None else _Writer(*direct))


_HELD = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while the pool forks its workers; they act once released.

    The exception a signal handler raises (KeyboardInterrupt, cli.Stopped) would otherwise fire inside
    the standard library's at-fork hooks, which print and drop it: the run would go on, and a worker
    would start with the parent's handlers.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when the thread that created it ends."""


def die_with_parent(parent: int) -> None:
    """Make this process end when process ``parent`` (the batch) ends, however it ends (SIGKILL included).

    When the batch is this process's own parent (the pool forks or spawns its workers), Linux's kernel
    sends SIGKILL when it ends (prctl PR_SET_PDEATHSIG); elsewhere a thread checks twice a second that
    the parent is still the same. When a start-up server stands between them (multiprocessing's
    "forkserver", Python 3.14's default on Linux), the server outlives the batch while workers run, so a
    thread watches the batch itself: a pidfd on Linux, whether its process id still runs elsewhere.
    """
    if os.getppid() != parent:
        _watch_process(parent)
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:  # it ended before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):  # no prctl here: fall back to watching
            pass
    import threading

    threading.Thread(target=_watch_parent, args=(parent,), name="revhyper-watch-parent", daemon=True).start()


def _watch_parent(parent: int, interval: float = 0.5) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _watch_process(pid: int) -> None:
    """End this process when process ``pid``, not its parent, ends (or at once, if it has)."""
    import threading

    from ..io.atomic import process_running

    try:
        handle: int | None = os.pidfd_open(pid)  # readable once the process has ended, even before it is reaped
    except (AttributeError, OSError):
        handle = None
    if handle is None and not process_running(pid):
        os._exit(1)

    def watch() -> None:
        import select
        import time

        if handle is not None:
            select.select([handle], [], [])
        else:
            while process_running(pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="revhyper-watch-batch", daemon=True).start()


class WorkerLost(Exception):
    """A worker process ended in the middle of the batch: killed by a signal (often for lack of memory)."""


def _lost(workers: list) -> WorkerLost:
    """What ended the pool: the worker that was killed (not one we stopped afterwards with SIGTERM)."""
    codes = [p.exitcode for p in workers if p.exitcode not in (None, 0)]
    code = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
    if code is None:
        return WorkerLost("a worker process ended unexpectedly")
    if code > 0:
        return WorkerLost(f"a worker process exited with code {code}")
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "unknown signal"
    hint = "; out of memory?" if -code == getattr(signal, "SIGKILL", 9) else ""
    return WorkerLost(f"a worker process was killed by signal {-code} ({name}{hint})")


def _work(chunk: Chunk) -> Done:
    """Process a chunk in a worker and leave its output in a file of the spill folder, for the parent to append.

    Handing the output over through a file, not the pool's pipe, saves copying it four times and the
    two processes waiting on each other (the output is some 20 kB a line).
    """
    ruleset = _WORKER["ruleset"]
    if ruleset.sha256 != _WORKER["sha256"]:
        raise RuntimeError(f"the rule set changed while the batch ran (sha256 {ruleset.sha256[:12]}, "
                           f"expected {_WORKER['sha256'][:12]})")
    done = process_chunk(chunk, ruleset, _WORKER["name"], _WORKER["form"])
    writer = _WORKER.get("writer")
    if writer is not None:  # the output is a file: this worker appends the chunk itself, in its turn
        writer.put(chunk.first, chunk.first + len(chunk.lines), done.output)
        return attrs.evolve(done, output=b"")
    path = os.path.join(_WORKER["spill"], f"{chunk.first}.jsonl")
    try:
        with open(path, "wb") as out:
            out.write(done.output)
    except OSError as exc:
        raise OutputError(f"cannot write the working file {path}: {exc.strerror or exc}; nothing was written") from None
    return attrs.evolve(done, output=b"", spill=path)


class DirectWriteError(OSError):
    """A worker could not append its chunk to the output file (the errno of its write)."""


TURN_POLL_SECONDS = 0.002
"""How often a chunk waiting for its turn to be written looks again (a chunk takes some 50 ms to make)."""


class _Writer:
    """A worker's appender: a thread that writes each chunk's output to the output file once every earlier chunk is
    written, so the worker goes on with its next chunk meanwhile. ``turn`` is shared memory of two integers: the
    first line of the chunk to be written next (only the chunk whose turn it is changes it, so no lock is held
    that a killed worker could leave taken) and the errno of the first write that failed (0: none)."""

    def __init__(self, path: str, turn: Any):
        import queue
        import threading

        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        self.turn = turn
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="revhyper-batch-writer", daemon=True).start()

    def put(self, first: int, after: int, data: bytes) -> None:
        self.queue.put((first, after, data))

    def _run(self) -> None:
        import time

        turn = self.turn
        while True:
            first, after, data = self.queue.get()
            while turn[0] != first and not turn[1]:  # an earlier chunk is not written yet
                time.sleep(TURN_POLL_SECONDS)
            if turn[1]:  # a write failed: the run is over, and its output discarded
                continue
            try:
                write_all(self.fd, data)
            except OSError as exc:
                turn[1] = exc.errno or errno.EIO
                continue
            turn[0] = after


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte of ``data`` is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _wait_for_writes(turn: Any, end: int, workers: dict[int, Any]) -> None:
    """Return once every chunk up to line ``end`` is in the output file; raise DirectWriteError if a write failed,
    and WorkerLost if a worker ended before writing what it made."""
    import time

    while turn[0] != end:
        if turn[1]:
            raise DirectWriteError(turn[1], os.strerror(turn[1]))
        if any(process.exitcode is not None for process in workers.values()):
            if turn[0] == end:
                break
            raise _lost(list(workers.values()))
        time.sleep(TURN_POLL_SECONDS)
    if turn[1]:
        raise DirectWriteError(turn[1], os.strerror(turn[1]))


def available_cores() -> int:
    """The CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


JOBS_PER_CORE = 4
"""``--jobs`` is at most this many worker processes per available CPU: more only adds memory and switching."""


class Sink(Protocol):
    """Where process_stream writes: an :class:`Output`, or anything that writes and appends files like one. A sink
    that also has ``direct_path()``, giving the path of the file it writes (with nothing left buffered) or None,
    lets the workers append their chunks to that file themselves (:class:`AtomicOutput` does)."""

    def write(self, data: bytes) -> None: ...

    def append_file(self, path: str) -> None: ...


def process_stream(
    stream: IO[bytes],
    output: Sink,
    *,
    ruleset: RuleSet,
    rules_arg: str | None,
    name: str,
    jobs: int,
    chunk_lines: int = CHUNK_LINES,
    spill_dir: str | None = None,
    on_done: Callable[[Done], None] = lambda done: None,
    first_line: int = 1,
    form: str = "compact",
) -> None:
    """Process every line of ``stream`` and write the output to ``output`` in input order; ``on_done`` sees each chunk.
    ``form`` is how each block is written (one of :data:`BLOCK_FORMS`).

    ``rules_arg`` is how the rule set was named (a path, "default", "plugin:NAME" or None) so that
    workers that were not forked can load the same rule set; its sha256 is checked in every worker.
    Workers leave their output in a temporary folder inside ``spill_dir`` (the system's if None),
    removed at the end whatever happens. ``first_line`` numbers the stream's first line (see read_chunks).
    """
    chunks = read_chunks(stream, name, chunk_lines, first_line)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if jobs <= 1 or second is None:  # one job, or too little work to be worth starting processes
        for chunk in itertools.chain((first,), (second,) if second else (), chunks):  # lazily: memory stays flat
            done = process_chunk(chunk, ruleset, name, form)
            output.write(done.output)
            on_done(done)
        return

    import shutil
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    from ..io.atomic import temp_tag

    try:
        spill = tempfile.mkdtemp(prefix=f".batch.{temp_tag()}", suffix=".tmp", dir=spill_dir)
    except OSError as exc:
        raise OutputError(f"cannot make a working folder in {spill_dir or tempfile.gettempdir()}: "
                          f"{exc.strerror or exc}; nothing was written") from None

    def finish(done: Done) -> None:
        if done.spill is not None:  # else its worker wrote it to the output itself
            output.append_file(done.spill)
            os.unlink(done.spill)
        on_done(done)

    direct_path = getattr(output, "direct_path", lambda: None)()
    direct = None
    if direct_path is not None:  # the workers append to the output file themselves, in turn (see _Writer)
        import multiprocessing

        direct = (direct_path, multiprocessing.RawArray("q", [first.first, 0]))

    _WORKER.update(ruleset=ruleset, rules_arg=rules_arg)  # a forked worker inherits it as loaded
    pool = ProcessPoolExecutor(jobs, initializer=_init_worker,
                               initargs=(rules_arg, ruleset.sha256, name, spill, os.getpid(), form, direct))
    workers: dict[int, Any] = {}  # every worker process started, kept to tell why the pool broke
    try:
        pending: deque = deque()
        end = first.first
        for chunk in itertools.chain((first, second), chunks):
            with contextlib.nullcontext() if workers else _signals_held():  # the first submit forks the workers
                pending.append(pool.submit(_work, chunk))
            end = chunk.first + len(chunk.lines)
            workers.update(getattr(pool, "_processes", None) or {})
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                finish(pending.popleft().result())
        while pending:
            finish(pending.popleft().result())
        if direct is not None:
            _wait_for_writes(direct[1], end, workers)
    except BaseException as exc:
        from concurrent.futures.process import BrokenProcessPool

        workers.update(getattr(pool, "_processes", None) or {})
        for process in workers.values():  # stop now, not after queued chunks
            if process.exitcode is None:
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):
            raise _lost(list(workers.values())) from None
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _WORKER.clear()
        shutil.rmtree(spill, ignore_errors=True)


# -- the output file ------------------------------------------------------------------------------

class Output:
    """Where the output lines go: a binary file, written to and appended to from files."""

    def __init__(self, file: IO[bytes], name: str):
        self.file = file
        self.name = name

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def append_file(self, path: str) -> None:
        """Append the bytes of the file ``path``; the kernel copies them when it can (sendfile)."""
        import shutil

        self.file.flush()
        with open(path, "rb") as source:
            size = os.fstat(source.fileno()).st_size
            sent = 0
            try:
                while sent < size:
                    count = os.sendfile(self.file.fileno(), source.fileno(), sent, size - sent)
                    if count == 0:
                        break
                    sent += count
            except (AttributeError, ValueError, OSError) as exc:  # no sendfile here, or not for these files
                if sent or (isinstance(exc, OSError) and exc.errno is not None and exc.errno not in _NO_SENDFILE):
                    raise
            if sent < size:
                source.seek(sent)
                shutil.copyfileobj(source, self.file, 1 << 20)

    def flush(self) -> None:
        self.file.flush()


_NO_SENDFILE = {getattr(errno, name) for name in ("EINVAL", "ENOSYS", "EOPNOTSUPP", "ENOTSUP", "EBADF", "ESPIPE")
                if hasattr(errno, name)}


class AtomicOutput(Output):
    """A file written through a temporary file in the target's folder and renamed into place by ``commit()``.

    Until then the target is untouched; ``discard()`` (also on leaving a ``with`` block by an exception)
    removes the temporary file, so a failure or Ctrl-C leaves no partial output. A symbolic link is
    written through to its target; a device, named pipe, socket or folder is refused (see atomic.py).
    """

    def __init__(self, path: str | os.PathLike):
        from ..io.atomic import AtomicFile

        self.atomic = AtomicFile(path, buffering=1 << 20)
        self.target = self.atomic.target
        self.folder = self.atomic.folder
        super().__init__(self.atomic.file, str(path))

    def commit(self) -> None:
        self.atomic.commit()

    def direct_path(self) -> str:
        """The temporary file being written, for workers to append to (flushed first: the parent has written all
        it holds)."""
        self.file.flush()
        return self.atomic.temp

    def discard(self) -> None:
        self.atomic.discard()

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()
