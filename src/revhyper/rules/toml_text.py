"""TOML source text before and after parsing: limits that keep the parser bounded, and places inside strings.

``tomllib`` is quadratic in the parts of a dotted key (a 41 kB profile holding one 20,000-part key took 50 s and
2.4 GB) and a deep key makes the code that reads its result recurse past Python's limit. ``limit_problem`` finds
such input before it is parsed, in time linear in the text, and says where it is. Nesting of arrays and inline
tables needs no limit of its own: the parser stops at its recursion limit, which the readers report as an input
error.

``string_places`` maps each character of a parsed string value back to its line and column in the file, through
escapes and multi-line strings, so an error inside a rule's condition points at the character itself.
"""

from __future__ import annotations

import bisect
import functools
import re

MAX_LINE_CHARS = 10_000
"""The longest line a TOML profile or rule set may have (a condition is at most 2,000 characters)."""
MAX_KEY_PARTS = 10
"""The most parts a dotted key or table name may have (``rules.high_pain.caps.max_sets`` has 4). The parser's work
for a key grows with the square of its parts, so this also bounds a file full of long keys."""

_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_RUN = re.compile(rf"(?<![A-Za-z0-9_-]){_PART}(?:[ \t]*+\.[ \t]*+{_PART}){{{MAX_KEY_PARTS},}}")
_STRING_OR_COMMENT = re.compile(r'''"""(?:[^\\]|\\.)*?"{3,5}|\'\'\'[\s\S]*?'{3,5}|"(?:[^"\\\n]|\\.)*+"?|'[^'\n]*+'?|#[^\n]*+''')


def limit_problem(text: str) -> tuple[str, int, int] | None:
    """(message, line, column) of the first thing in ``text`` past the limits, or None; lines and columns 1-based."""
    lines = text.split("\n")
    if max(map(len, lines)) > MAX_LINE_CHARS:
        number, line = next((n, x) for n, x in enumerate(lines, 1) if len(x) > MAX_LINE_CHARS)
        return (f"this line has {len(line):,} characters; a line may have at most {MAX_LINE_CHARS:,}", number,
                MAX_LINE_CHARS + 1)
    if all(line.count(".") < MAX_KEY_PARTS or not _RUN.search(line) for line in lines):
        return None  # the usual case: no line has the dots for a long key (sentences have dots, but not joined so)
    run = _run_outside_strings(text)
    if run is None:
        return None
    parts = len(re.findall(_PART, run.group()))
    return (f"a dotted key with {parts:,} parts; a key or table name may have at most {MAX_KEY_PARTS}",
            text.count("\n", 0, run.start()) + 1, run.start() - (text.rfind("\n", 0, run.start()) + 1) + 1)


def _run_outside_strings(text: str) -> re.Match[str] | None:
    """The first over-long dotted run that is not inside a string or a comment (a long dotted word in a quoted
    note is fine); linear: strings, comments and runs are each searched for once, left to right."""
    position = 0
    run = _RUN.search(text)
    while run is not None:
        skip = _STRING_OR_COMMENT.search(text, position)
        if skip is None or skip.start() > run.start():
            return run
        quoted_first_part = skip.start() == run.start() and not skip.group().startswith(("#", '"""', "'''"))
        if quoted_first_part and run.end() > skip.end():
            return run  # a dotted key whose first part is quoted
        position = skip.end()
        if position > run.start():
            run = _RUN.search(text, position)
    return None


_ESCAPES = {"b": 2, "t": 2, "n": 2, "f": 2, "r": 2, '"': 2, "\\": 2, "e": 2, "u": 6, "U": 10}


def string_places(text: str, line: int, column: int, value: str) -> list[tuple[int, int]] | None:
    """The (line, column) in ``text`` of each character of the string ``value`` whose opening quote is at ``line``,
    ``column`` (1-based), plus one place past its end; None when the source does not spell ``value`` as expected."""
    starts = _line_starts(text)
    if not 1 <= line <= len(starts):
        return None
    offset = starts[line - 1] + column - 1
    quote = next((q for q in ('"""', "'''", '"', "'") if text.startswith(q, offset)), None)
    if quote is None:
        return None
    i = offset + len(quote)
    if len(quote) == 3:  # a newline right after the opening quotes is not part of the string
        if text.startswith("\r\n", i):
            i += 2
        elif text.startswith("\n", i):
            i += 1
    places: list[int] = []
    while len(places) < len(value) and i < len(text):
        ch = text[i]
        if quote[0] == '"' and ch == "\\":
            follower = text[i + 1 : i + 2]
            if follower in _ESCAPES:
                places.append(i)
                i += _ESCAPES[follower]
                continue
            if len(quote) == 3:  # a line-ending backslash: the whitespace and newlines after it are dropped
                j = i + 1
                while j < len(text) and text[j] in " \t\r\n":
                    j += 1
                i = j
                continue
            return None
        if ch == "\r" and text.startswith("\r\n", i):  # a CRLF in a multi-line string reads as one newline
            places.append(i)
            i += 2
            continue
        places.append(i)
        i += 1
    if len(places) != len(value):
        return None
    places.append(i)
    out = []
    for place in places:
        row = bisect.bisect_right(starts, place) - 1
        out.append((row + 1, place - starts[row] + 1))
    return out


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts; worked out once per file however many errors it has."""
    return [0, *(match.end() for match in re.finditer("\n", text))]
