"""Read a training log file with the right reader: named, or sniffed from its first bytes and suffix."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import TYPE_CHECKING

from ..errors import LogError, Problem
from .model import TrainingLog
from .names import ExerciseMap, load_exercise_map, resolve
from .rows import MAX_BYTES, LogReader, ReadOptions, build_log

if TYPE_CHECKING:
    from ..rules.ruleset import RuleSet

HEAD = 4096


def load_log(path: str | FilePath, ruleset: RuleSet | None = None, format: str | None = None,
             exercise_map: ExerciseMap | str | FilePath | None = None) -> TrainingLog:
    """Read a training log: revhyper's CSV or JSON lines, an app's export, or a plugin's format.

    ``format`` names the reader (``revhyper``, ``revhyper-jsonl``, ``strong``, ``hevy``, ``fit``...; ``revhyper
    log-formats`` lists them); without it the format is told from the file's first bytes, then its suffix.
    ``exercise_map`` (a file, or an :class:`ExerciseMap`) adds exercise names. Raises :class:`LogError` with
    every problem at once.
    """
    from ..io.reading import read_file_bytes

    name = str(path)
    data = read_file_bytes(path, MAX_BYTES, "the log", LogError)
    return parse_log(data, name=name, ruleset=ruleset, format=format, exercise_map=exercise_map)


def parse_log(data: bytes, *, name: str = "<log>", ruleset: RuleSet | None = None, format: str | None = None,
              exercise_map: ExerciseMap | str | FilePath | None = None) -> TrainingLog:
    """Read a training log given as bytes (see :func:`load_log`)."""
    from ..rules.ruleset_loader import default_ruleset

    if len(data) > MAX_BYTES:
        raise LogError([Problem(name, "", f"the log is larger than {MAX_BYTES:,} bytes; split it (a year of training "
                                          "is well under a megabyte)")])
    ruleset = ruleset or default_ruleset()
    if exercise_map is not None and not isinstance(exercise_map, ExerciseMap):
        exercise_map = load_exercise_map(exercise_map, ruleset.variants)
    reader = find_reader(data, name, format)
    options = ReadOptions(weight_unit=exercise_map.weight_unit if exercise_map else "kg")
    result = _read(reader, data, name, options)
    log = build_log(result, variants=ruleset.variants, names=resolve(ruleset.variants, reader.exercise_names, exercise_map),
                    file=name, reader=reader.name)
    if result.weight_unit_assumed:
        import attrs

        note = (f"the export does not say kg or lb: weights were read as {options.weight_unit} "
                f"(set weight_unit in the exercise map if that is wrong)")
        log = attrs.evolve(log, skipped=(*log.skipped, note))
    return log


def _read(reader: LogReader, data: bytes, name: str, options: ReadOptions):
    """Run the reader; a plugin's runs under the time limit (REVHYPER_EXPORT_TIMEOUT when the command line set one),
    and anything it raises but a LogError is reported as its failure, by name (exit 5)."""
    from ..errors import InputError, OutputError
    from ..export.exporters import PASS_THROUGH, TIME_LIMIT_ENV, TimeLimitExceeded, describe_failure, time_limited

    if reader.provider == "revhyper":
        return reader.read(data, name, options)
    who = f"the {reader.name} log reader (from {reader.provider})"
    try:
        with time_limited():
            result = reader.read(data, name, options)
    except InputError:
        raise
    except TimeLimitExceeded as exc:
        raise OutputError(f"{who} did not finish within {exc.seconds:g} s (the time limit, set by {TIME_LIMIT_ENV}); "
                          "it was stopped") from None
    except PASS_THROUGH:
        raise
    except BaseException as exc:  # noqa: BLE001 - a plugin's reader failing (even by sys.exit) is the plugin's failure
        raise OutputError(f"{who} failed: {describe_failure(exc)}") from exc
    from .rows import ReadResult

    if not isinstance(result, ReadResult):
        raise OutputError(f"{who} returned {type(result).__name__}, not a ReadResult")
    return result


def find_reader(data: bytes, name: str, format: str | None) -> LogReader:
    """The reader named ``format``; else the first whose ``sniff`` recognises the file (revhyper's own first,
    then plugins'); else the only one that reads the file's suffix."""
    from .builtin import READERS

    if format:
        from ..plugins import log_reader

        return log_reader(format)
    head = data[:HEAD]
    for reader in READERS:
        if reader.sniff is not None and reader.sniff(head):
            return reader
    from ..plugins import all_log_readers

    readers = list(all_log_readers().chosen.values())
    for reader in readers:
        if reader.provider != "revhyper" and reader.sniff is not None and _sniffs(reader, head):
            return reader
    by_suffix = [r for r in readers if any(name.lower().endswith(s) for s in r.suffixes)]
    if len(by_suffix) == 1:
        return by_suffix[0]
    raise LogError([Problem(name, "", "cannot tell which app wrote this log; name its format with --log-format "
                                      f"({', '.join(sorted(r.name for r in readers))}; see revhyper log-formats)", 1, 1)])


def _sniffs(reader: LogReader, head: bytes) -> bool:
    try:
        return bool(reader.sniff(head)) if reader.sniff else False
    except Exception:  # noqa: BLE001 - a plugin's sniff that fails does not recognise the file
        return False
