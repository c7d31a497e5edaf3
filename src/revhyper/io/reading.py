"""Reading text that people wrote: one JSON reader, and the check that text is text.

Every JSON input (a profile file, a profile on standard input, each line of ``revhyper batch``) goes
through :func:`read_json`; every string that may come from a person or a plugin rather than from bytes
decoded as UTF-8 goes through :func:`check_text` or :func:`check_strings`. What they refuse:

- a key written twice in one JSON object (``{"red_flags": {"fever": true}, "red_flags": {}}``): the
  standard reader keeps the last and the first silently vanishes; here it is an error at the repeat;
- ``NaN``, ``Infinity`` and ``-Infinity``, which JSON does not allow;
- a lone surrogate (``"\\ud800"``, half of a pair of escapes): it is not a character, cannot be written as
  UTF-8, and would otherwise end the run when the block or the error is written out.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError, Problem, printable
from .locate import Locations, Path, format_path


def read_file_bytes(path: Any, limit: int, what: str, error: type[InputError]) -> bytes:
    """At most ``limit`` + 1 bytes of the file at ``path`` (a pipe such as ``<(...)`` too), so the caller can say in
    its own words that a file is too large; a file that cannot be read is ``error`` naming it and saying why."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise error([Problem(name, "", f"cannot read {what}: {exc.strerror or exc}")]) from None


class _Repeated(ValueError):
    """A JSON object holds a key twice; raised from inside the decoder, placed afterwards."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # as cheap as a hook can be: one dict and one comparison; the places are found only when it fails
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Repeated
    return obj


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constant)


def read_json(text: str, name: str, error: type[InputError]) -> Any:
    """The value of the JSON document ``text``, or ``error`` naming ``name`` and the place of each problem."""
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise error([Problem(name, "", f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except _Repeated:
        raise error(_repeated_keys(text, name)) from None
    except (ValueError, RecursionError) as exc:
        raise error([Problem(name, "", f"not valid JSON: {exc}")]) from None
    if "\\" in text and ("\\ud" in text or "\\uD" in text):  # only an escape can put a lone surrogate in a string read
        # from UTF-8 (one character is found at once; the escapes only where there is a backslash)
        problems = check_strings(data, name, Locations(text, "json"))
        if problems:
            raise error(problems)
    return data


def _repeated_keys(text: str, name: str) -> list[Problem]:
    where = Locations(text, "json")
    problems = []
    for path, offset, first in where.duplicates:
        line, column = where.position(offset) or (None, None)
        first_line, first_column = where.position(first) or (0, 0)
        at = f"column {first_column}" if first_line == line else f"line {first_line}, column {first_column}"
        problems.append(Problem(
            name, format_path(path), f"the key '{path[-1]}' is written twice in one table (first at {at}); JSON would "
            "keep only this one and silently drop the first: write it once", line, column))
    return problems or [Problem(name, "", "a key is written twice in one table; write each key once")]


def check_strings(data: Any, name: str, where: Locations | None = None) -> list[Problem]:
    """A problem for every key or string in ``data`` that is not valid Unicode text (holds a lone surrogate)."""
    problems: list[Problem] = []

    def bad(text: str) -> bool:
        if text.isascii():
            return False
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, str):
            if bad(value):
                problems.append(_not_text(name, path, value, where.value(path) if where else None))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and bad(key):
                    problems.append(_not_text(name, path + (key,), key, where.key(path + (key,)) if where else None))
                walk(item, path + (key,))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, path + (index,))

    try:
        walk(data, ())
    except RecursionError:
        problems.append(Problem(name, "", "nested too deeply"))
    return problems


def _not_text(name: str, path: Path, text: str, position: tuple[int, int] | None) -> Problem:
    line, column = position or (None, None)
    return Problem(name, format_path(path), f"'{printable(text[:60])}' is not valid Unicode text: it holds half of a "
                   "surrogate pair (\\ud800-\\udfff) on its own; write the character itself, or both halves of its "
                   "pair of escapes", line, column)


def check_text(text: str, name: str, error: type[InputError]) -> None:
    """Raise ``error`` if ``text`` (given as a string, not read as UTF-8 bytes) holds a lone surrogate."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        raise error([Problem(name, format_path(_path_at(text, exc.start)), f"the text holds {printable(text[exc.start])}, "
                             "half of a surrogate pair on its own: it is not a character and cannot be written as UTF-8",
                             line, column)]) from None


def _path_at(text: str, offset: int) -> Path:
    """The key path written last before ``offset`` (the key or value the character is in), best effort."""
    where = Locations(text, "json" if text.lstrip().startswith("{") else "toml")
    before = [(at, path) for table in (where.keys, where.values) for path, at in table.items() if at <= offset]
    return max(before, key=lambda item: (item[0], len(item[1])))[1] if before else ()
