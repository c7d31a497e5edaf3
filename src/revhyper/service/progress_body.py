"""The body of ``POST /v1/progress``: one JSON object holding what ``revhyper progress`` reads from three files.

    {"profile": {...}, "block": {...},
     "log": {"format": "strong", "name": "export.csv", "text": "Date,Workout Name,..."},
     "exercise_map": {"exercise_names": {"Reverse Hyper (Rogue)": "machine_reverse_hyper"}}}

The profile, the block and the exercise map are each cut out of the body as the JSON text written there and read by
the loader the command line uses for the file, so the checks and the messages are the same; their problems are
then placed in the body: the part's key goes in front of the key path (``profile.pain.current``) and line and
column are the body's. The log's ``text`` (or ``base64``, for a binary FIT file) is read as the command line
reads the log file; its ``name`` stands for the file's name (in problems and in the block's ``progress.log``),
and is never opened. Nothing in this module imports Starlette.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable
from typing import Any

import attrs

from ..errors import InputError, Problem
from ..io.locate import Locations, format_path
from ..io.suggest import did_you_mean

BODY_NAME = "<body>"
DEFAULT_LOG_NAME = "<log>"
PARTS = ("profile", "block", "log", "exercise_map")
REQUIRED = ("profile", "block", "log")
LOG_KEYS = ("format", "name", "text", "base64")
MAX_NAME = 200


@attrs.frozen
class Part:
    """One of the body's values: its JSON text as written, and where that text starts in the body."""

    key: str
    text: str
    line: int
    column: int

    def place(self, problem: Problem) -> Problem:
        """A problem the part's loader found in the part's text, placed in the body."""
        path = self.key + (("." if not problem.path.startswith("[") else "") + problem.path if problem.path else "")
        if problem.line is None:
            return attrs.evolve(problem, file=BODY_NAME, path=path)
        column = problem.column
        if problem.line == 1 and column is not None:
            column += self.column - 1
        return attrs.evolve(problem, file=BODY_NAME, path=path, line=problem.line + self.line - 1, column=column)


@attrs.frozen
class ProgressBody:
    profile: Part
    block: Part
    log_data: bytes
    log_name: str
    log_format: str | None
    exercise_map: Part | None
    text: str
    """The whole body, to place problems found later (a block of another rule set) at their key."""

    def at(self, path: tuple[str | int, ...], message: str, suggestion: str | None = None) -> Problem:
        """A problem at ``path`` in the body, with the line and column of its value."""
        line, column = Locations(self.text, "json").value(path) or (None, None)
        return Problem(BODY_NAME, format_path(path), message, line, column, suggestion=suggestion)


def read_request(body: bytes) -> ProgressBody:
    """The parts of a progress request; InputError with every problem of its shape at once (a part's own content is
    checked later, by its loader)."""
    from ..io.reading import read_json
    from ..rules.ruleset_loader import decode

    text = decode(body, BODY_NAME, InputError)
    data = read_json(text, BODY_NAME, InputError)
    @functools.cache
    def places() -> Locations:  # the body is scanned only when there is a problem to place
        return Locations(text, "json")

    def problem(path: tuple[str, ...], message: str, suggestion: str | None = None, key: bool = False) -> Problem:
        line, column = (places().key(path) if key else places().value(path)) or (None, None)
        return Problem(BODY_NAME, format_path(path), message, line, column, suggestion=suggestion)

    if not isinstance(data, dict):
        raise InputError([problem((), "a progress request is a JSON object: profile, block, log (and exercise_map)")])
    problems = [problem((key,), f"unknown key '{key}'; expected one of {', '.join(PARTS)}", did_you_mean(key, PARTS),
                        key=True) for key in data if key not in PARTS]
    problems += [attrs.evolve(problem((), f"'{key}' is missing: {_WHAT[key]}"), path=key)
                 for key in REQUIRED if key not in data]
    for key in ("profile", "block", "exercise_map"):
        if key in data and not isinstance(data[key], dict):
            problems.append(problem((key,), f"expected a JSON object: {_WHAT[key]}, not {_kind(data[key])}"))
    log = data.get("log")
    log_data, log_name, log_format = b"", DEFAULT_LOG_NAME, None
    if "log" in data and not isinstance(log, dict):
        problems.append(problem(("log",), f"expected a JSON object: {_WHAT['log']}, not {_kind(log)}"))
    elif isinstance(log, dict):
        problems += [problem(("log", key), f"unknown key '{key}' in log; expected one of {', '.join(LOG_KEYS)}",
                             did_you_mean(key, LOG_KEYS), key=True) for key in log if key not in LOG_KEYS]
        for key in ("format", "name", "text", "base64"):
            if key in log and not isinstance(log[key], str):
                problems.append(problem(("log", key), f"expected a string, not {_kind(log[key])}"))
        if ("text" in log) == ("base64" in log):
            problems.append(problem(("log",), "give the log's content as 'text' (a CSV or JSON lines export) or "
                                              "'base64' (a binary file such as Garmin's FIT), one of the two"))
        name = log.get("name", DEFAULT_LOG_NAME)
        if isinstance(name, str):
            from ..logs.rows import unsafe_character

            bad = unsafe_character(name)
            if bad or not name.strip() or len(name) > MAX_NAME:
                why = bad or ("empty" if not name.strip() else f"{len(name)} characters")
                problems.append(problem(("log", "name"), f"the log's name stands for its file name: at most {MAX_NAME} "
                                                         f"printable characters ({why})"))
            else:
                log_name = name
        if isinstance(log.get("format"), str):
            log_format = log["format"]
        if isinstance(log.get("text"), str) and "base64" not in log:
            log_data = log["text"].encode("utf-8")  # read_json refused lone surrogates
        elif isinstance(log.get("base64"), str) and "text" not in log:
            try:
                log_data = base64.b64decode(log["base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                problems.append(problem(("log", "base64"), f"not valid base64: {exc}"))
    if problems:
        raise InputError(problems)
    spans = _spans(text)
    parts = {key: _part(text, key, *spans[key]) for key in ("profile", "block", "exercise_map") if key in spans}
    return ProgressBody(parts["profile"], parts["block"], log_data, log_name, log_format, parts.get("exercise_map"),
                        text)


def placed(parse: Callable[[], Any], part: Part) -> Any:
    """``parse()``, its InputError's problems placed in the body."""
    try:
        return parse()
    except InputError as exc:
        raise type(exc)([part.place(p) for p in exc.problems]) from None


_WHAT = {"profile": "the client's profile, as JSON (docs/profile.md)",
         "block": "the block revhyper wrote, its canonical JSON (docs/block.md)",
         "log": 'the training log: {"format": ..., "name": ..., "text": ...}',
         "exercise_map": "the app's exercise names -> variants (docs/logs.md)"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "an array", dict: "an object"}.get(type(value), "a number")


def _spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each top-level value's text starts and ends (the body is a valid JSON object without repeated keys)."""
    decoder = json.JSONDecoder()
    spans: dict[str, tuple[int, int]] = {}
    index = _skip(text, 0) + 1  # past "{"
    while True:
        index = _skip(text, index)
        if text[index] == "}":
            return spans
        key, index = decoder.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past ":"
        _, end = decoder.raw_decode(text, index)
        spans[key] = (index, end)
        index = _skip(text, end)
        if text[index] == ",":
            index += 1


def _skip(text: str, index: int) -> int:
    while text[index] in " \t\r\n":
        index += 1
    return index


def _part(text: str, key: str, start: int, end: int) -> Part:
    line = text.count("\n", 0, start) + 1
    return Part(key, text[start:end], line, start - text.rfind("\n", 0, start))
