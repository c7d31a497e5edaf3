"""``revhyper batch PROFILES --engine dask -o FOLDER [--scheduler ADDRESS] [--partition-size BYTES]``.

The command side of :mod:`revhyper.batch.dask_batch`: arguments, progress, problems and the summary, as the
local engine shows them (see commands/batch.py).
"""

from __future__ import annotations

import sys
import time

from .batch import _Progress, summary


def run_dask(args) -> int:
    from ..batch.batch import COUNTED, MAX_PROBLEMS_SHOWN, available_cores
    from ..cli import load_ruleset_arg, raise_if_stopped, stop_on_signals
    from ..errors import InputError, OutputError, Problem

    if args.profiles == "-":
        args.batch_parser.error("--engine dask reads files (a path, a glob or URLs), not standard input")
    if args.output in (None, "-"):
        args.batch_parser.error("--engine dask writes one file per partition: name a folder with -o")
    try:
        from ..batch import dask_batch
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError([Problem("--engine dask", "", f"Dask is not installed ({exc.name} is missing): "
                                                       "pip install 'revhyper[dask]'")]) from None

    ruleset = load_ruleset_arg(args.rules)  # a bad rule set: exit 2 before anything starts
    partitions = dask_batch.plan([args.profiles], args.partition_size or dask_batch.PARTITION_SIZE)
    out_dir = args.output
    _prepare(out_dir)
    counts = dict.fromkeys(COUNTED, 0)
    shown = [0, 0]
    reused = [0]
    progress = _Progress(None, total=sum(p.end - p.start for p in partitions)) if sys.stderr.isatty() else None

    def on_part(record: dict) -> None:
        raise_if_stopped()
        for key in COUNTED:
            counts[key] += record["counts"][key]
        reused[0] += record.get("skipped", False)
        room = MAX_PROBLEMS_SHOWN - shown[0]
        problems = record["problems"]  # a skipped part's, from the manifest: a rerun reports what the run did
        if problems and room > 0:
            if progress:
                progress.clear()
            for text in problems[:room]:
                print(text, file=sys.stderr)
            shown[0] += min(len(problems), room)
        shown[1] += record["problem_count"]
        if progress:
            progress.update(sum(counts.values()), record["end"] - record["start"])

    start = time.perf_counter()
    client = cluster = None
    try:
        with stop_on_signals():
            client, cluster = dask_batch.start_client(args.scheduler, args.jobs or available_cores())
            workers = len(client.scheduler_info().get("workers", {}))
            dask_batch.run_batch(client, partitions, out_dir, args.rules, ruleset.sha256, on_part, args.format)
    except dask_batch.WorkerSetupError as exc:
        raise InputError([Problem(args.rules or "default", "", str(exc))]) from None
    except OSError as exc:
        raise OutputError(f"cannot write {out_dir}: {exc.strerror or exc}; complete parts are kept "
                          "and a rerun skips them") from None
    except KeyboardInterrupt:
        print(f"revhyper batch: stopped; the parts written so far are complete and listed in "
              f"{out_dir}/{dask_batch.MANIFEST}, and a rerun skips them", file=sys.stderr)
        raise
    except Exception as exc:
        if type(exc).__name__ == "KilledWorker":
            raise OutputError(f"worker processes kept dying running the same part ({exc}); out of memory? "
                              "complete parts are kept and a rerun skips them") from None
        raise
    finally:
        if progress:
            progress.clear()
        _close(client, cluster)
        _remove_stale(out_dir)
    how = f"dask, {workers} worker{'s' if workers != 1 else ''}"
    parts = len(partitions)
    wrote = (f"wrote {parts:,} part{'s' if parts != 1 else ''} in {out_dir}"
             + (f" ({reused[0]:,} already complete, skipped)" if reused[0] else ""))
    return summary(counts, shown, time.perf_counter() - start, how, wrote)


def _prepare(out_dir: str) -> None:
    """Make the output folder, and remove what a killed earlier run left in it (local folders)."""
    import fsspec

    from ..errors import OutputError

    try:
        fs, path = fsspec.core.url_to_fs(out_dir)
        if fs.exists(path) and not fs.isdir(path):
            raise OutputError(f"cannot write {out_dir}: it is a file; --engine dask writes a folder of parts")
        fs.makedirs(path, exist_ok=True)
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot write {out_dir}: {getattr(exc, 'strerror', None) or exc}") from None
    _remove_stale(out_dir)


def _remove_stale(out_dir: str) -> None:
    from ..io.atomic import remove_stale
    from ..batch.dask_batch import _is_local, _local

    if not _is_local(out_dir):
        return
    try:
        for path in remove_stale(_local(out_dir)):
            print(f"revhyper batch: removed {path}, left by an earlier run or a worker that was stopped",
                  file=sys.stderr)
    except OSError:
        pass


def _close(client, cluster) -> None:
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing after a failure must not hide it
                pass
