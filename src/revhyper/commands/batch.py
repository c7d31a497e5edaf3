"""revhyper batch PROFILES.jsonl [-o BLOCKS.jsonl] [--jobs N] [--format compact|json] [--rules FILE]"""

from __future__ import annotations

import argparse
import sys
import time

from ..cli import COMMANDS, EXIT_GENERATED, EXIT_INTERNAL, EXIT_PARTIAL


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 process, got {value}")
    from ..batch.batch import JOBS_PER_CORE, available_cores

    cores = available_cores()
    if value > JOBS_PER_CORE * cores:
        raise argparse.ArgumentTypeError(
            f"at most {JOBS_PER_CORE * cores} processes here ({JOBS_PER_CORE} for each of the {cores} "
            f"CPU{'s' if cores != 1 else ''} revhyper may use), got {value:,}")
    return value


def register(commands) -> None:
    batch = commands.add_parser(
        "batch", help=COMMANDS["batch"],
        description="Read one JSON profile per line; write one compact JSON line per input line, in the same order: "
                    '{"line": N, "status": ..., "block": {...}} or, for a line that is not a valid profile, '
                    '{"line": N, "error": [...]}. Bad lines are reported (also on standard error as FILE:LINE:COLUMN) '
                    "and the others still generate. Exit code 0 when every line gave a block, 6 when some lines were "
                    "not valid profiles. See docs/performance.md.")
    batch.add_argument("profiles", metavar="PROFILES", help="JSON lines file, one profile a line (- for standard input)")
    batch.add_argument("-o", "--output", metavar="FILE",
                       help="write here, atomically when every line is done (default: standard output)")
    batch.add_argument("--jobs", "-j", type=_jobs, metavar="N",
                       help="worker processes (default: one per core; at most 4 per core)")
    batch.add_argument("--format", "-f", choices=("compact", "json"), default="compact",  # batch.BLOCK_FORMS
                       help="compact (default): each block in compact form, its cues, exercises and phases stated once "
                            "(docs/block.md#the-compact-form); json: the canonical block on each line")
    batch.add_argument("--rules", metavar="FILE", help='rule set (a file, "default" or "plugin:NAME"; default: embedded)')
    batch.add_argument("--engine", choices=("local", "dask"), default="local",
                       help="local: worker processes on this machine; dask: a Dask cluster (pip install "
                            "'revhyper[dask]'), PROFILES may be a glob or fsspec URLs and -o a folder of parts")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --engine dask: the scheduler to use (tcp://HOST:8786); default: a local cluster "
                            "of --jobs worker processes")
    batch.add_argument("--partition-size", type=_size, metavar="BYTES",
                       help="with --engine dask: input bytes in each partition, one task and one output part "
                            "(default 16MiB; suffixes KiB, MiB, GiB)")
    batch.set_defaults(run=run, batch_parser=batch)


_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 1000 ** 2, "mib": 1 << 20,
          "g": 1 << 30, "gb": 1000 ** 3, "gib": 1 << 30}


def _size(text: str) -> int:
    import re

    match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text)
    unit = match and _UNITS.get(match.group(2).lower())
    if not match or not unit:
        raise argparse.ArgumentTypeError(f"expected a number of bytes such as 16MiB, got {text!r}")
    value = int(match.group(1)) * unit
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 byte, got {text!r}")
    return value


def run(args) -> int:
    if args.engine == "dask":
        from .batch_dask import run_dask

        return run_dask(args)
    for option, value in (("--scheduler", args.scheduler), ("--partition-size", args.partition_size)):
        if value is not None:
            args.batch_parser.error(f"{option} needs --engine dask")
    import tempfile

    from ..io.atomic import remove_stale, resolve_target
    from ..batch.batch import (
        COUNTED, MAX_PROBLEMS_SHOWN, AtomicOutput, DirectWriteError, Output, WorkerLost, available_cores, process_stream,
    )
    from ..cli import discard_stdout, load_ruleset_arg, raise_if_stopped, stop_on_signals
    from ..errors import InputError, OutputError, Problem

    ruleset = load_ruleset_arg(args.rules)  # a bad rule set: exit 2 before anything starts
    name = "<stdin>" if args.profiles == "-" else args.profiles
    try:
        source = sys.stdin.buffer if args.profiles == "-" else open(args.profiles, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError([Problem(name, "", f"cannot read the profiles: {exc.strerror or exc}")]) from None
    jobs = args.jobs or available_cores()
    to_stdout = args.output in (None, "-")
    where = "standard output" if to_stdout else args.output
    incomplete = "; the output on standard output is incomplete" if to_stdout else "; nothing was written"

    def failed(exc: OSError) -> OutputError:
        if to_stdout:
            discard_stdout()  # what the failed write left buffered must not fail a second time at exit
        return OutputError(f"cannot write {where}: {exc.strerror or exc}" + ("" if to_stdout else "; nothing was written"))

    try:
        working = None if to_stdout else str(resolve_target(args.output).parent)  # also where the output is made
        for path in remove_stale(working or tempfile.gettempdir()):  # left by a run killed outright (SIGKILL)
            print(f"revhyper batch: removed {path}, left by an earlier run that was stopped", file=sys.stderr)
        atomic = None if to_stdout else AtomicOutput(args.output)
        output = Output(sys.stdout.buffer, where) if atomic is None else atomic
    except OSError as exc:
        source.close()
        raise failed(exc) from exc
    sink = _Guarded(output, failed)

    counts = dict.fromkeys(COUNTED, 0)
    shown = [0, 0]  # problems printed, problems found
    progress = _Progress(source) if sys.stderr.isatty() else None

    def on_done(done) -> None:
        raise_if_stopped()
        for key, count in zip(COUNTED, done.counts):
            counts[key] += count
        room = MAX_PROBLEMS_SHOWN - shown[0]
        if done.problems and room > 0:
            if progress:
                progress.clear()
            for text in done.problems[:room]:
                print(text, file=sys.stderr)
            shown[0] += min(len(done.problems), room)
        shown[1] += done.problem_count
        if progress:
            progress.update(sum(counts.values()), done.size)

    start = time.perf_counter()
    try:
        with source, stop_on_signals():  # SIGTERM and SIGHUP stop the run as Ctrl-C does: workers stopped, no file left
            process_stream(source, sink, ruleset=ruleset, rules_arg=args.rules, name=name, jobs=jobs, on_done=on_done,
                           spill_dir=working, form=args.format)
        sink.finish()
    except WorkerLost as exc:
        raise OutputError(f"{exc}{incomplete}") from None
    except DirectWriteError as exc:  # a worker's append to the output file failed
        raise failed(exc) from None
    finally:
        if atomic is not None:
            atomic.discard()  # no-op after a commit
        if progress:
            progress.clear()
    return summary(counts, shown, time.perf_counter() - start, f"{jobs} {'job' if jobs == 1 else 'jobs'}",
                   f"wrote {where}")


def summary(counts: dict[str, int], shown: list[int], seconds: float, how: str, wrote: str) -> int:
    """Print the closing lines of a batch on standard error; its exit code."""
    lines = sum(counts.values())
    if shown[1] > shown[0]:
        print(f"... {shown[1] - shown[0]:,} more problems not shown; every bad line has an error entry in the output",
              file=sys.stderr)
    print(f"revhyper batch: {lines:,} lines in {seconds:.1f} s ({lines / max(seconds, 1e-9):,.0f} a second, {how}): "
          f"{counts['generated']:,} generated, {counts['needs_clearance']:,} need "
          f"clearance, {counts['refused']:,} refused, {counts['error']:,} not valid profiles"
          + (f", {counts['internal']:,} internal errors (a bug: please report it)" if counts["internal"] else "")
          + f"; {wrote}", file=sys.stderr)
    if counts["internal"]:
        return EXIT_INTERNAL
    return EXIT_PARTIAL if counts["error"] else EXIT_GENERATED


class _Guarded:
    """The output, with a failure to write it reported as an output failure (exit 5); a broken pipe passes."""

    def __init__(self, output, failed):
        self.output = output
        self.failed = failed

    def write(self, data: bytes) -> None:
        try:
            self.output.write(data)
        except BrokenPipeError:  # the reader of standard output left: cli.main exits quietly
            raise
        except OSError as exc:
            raise self.failed(exc) from exc

    def append_file(self, path: str) -> None:
        try:
            self.output.append_file(path)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self.failed(exc) from exc

    def direct_path(self) -> str | None:
        """The output file the workers may append to themselves (batch.AtomicOutput), or None."""
        try:
            return self.output.direct_path() if hasattr(self.output, "direct_path") else None
        except OSError as exc:
            raise self.failed(exc) from exc

    def finish(self) -> None:
        try:
            self.output.commit() if hasattr(self.output, "commit") else self.output.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self.failed(exc) from exc


class _Progress:
    """One line on a terminal's standard error: share of the input done, lines, rate. Redrawn 10 times a second."""

    def __init__(self, source, total: int = 0):
        import os
        import stat

        self.total = total
        try:
            info = os.fstat(source.fileno())
            self.total = info.st_size if stat.S_ISREG(info.st_mode) else 0
        except (OSError, ValueError, AttributeError):
            pass
        self.done = 0
        self.start = self.last = time.perf_counter()

    def update(self, lines: int, size: int) -> None:
        self.done += size
        now = time.perf_counter()
        if now - self.last < 0.1:
            return
        self.last = now
        rate = lines / max(now - self.start, 1e-9)
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(30 * share) + "-" * (30 - int(30 * share))
            sys.stderr.write(f"\r[{bar}] {share:4.0%}  {lines:,} lines  {rate:,.0f}/s ")
        else:
            sys.stderr.write(f"\r{lines:,} lines  {rate:,.0f}/s ")
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
