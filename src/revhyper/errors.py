"""Errors that revhyper reports to people: every problem names its file and place.

A :class:`Problem` is one thing wrong with one input; an :class:`InputError` carries
every problem found in a file at once, so a clinician fixes a rule set in one pass.
"""

from __future__ import annotations

import attrs

MAX_PROBLEMS = 100
"""Problems of each severity kept for one file; past it they are only counted (see :class:`Omitted`)."""


def printable(text: str) -> str:
    """``text`` safe to show on a terminal on one line: what could move the cursor, clear the screen, start a
    new line, reorder the text or not encode as UTF-8 is written as an escape; any script or emoji is kept.

    Escaped: control characters (C0 such as ESC, tab, newline and carriage return; DEL; C1), the Unicode
    line and paragraph separators, bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
    U+2066-U+2069) and lone surrogates, as ``\\n``, ``\\t``, ``\\r``, ``\\x1b`` or ``\\u202e``.
    Every text output and every error message goes through this one function.
    """
    if text.isascii() and text.isprintable():
        return text
    return _unprintable().sub(_escape, text)


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_PATTERN: list = []


def _unprintable():
    if not _PATTERN:  # compiled on first use: nothing at start-up
        import re

        _PATTERN.append(re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"))
    return _PATTERN[0]


def _escape(match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def _encodable(text: str) -> str:
    """Lone surrogates written as escapes, so that every problem can be written out as UTF-8 (and as JSON)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _unprintable().sub(lambda m: _escape(m) if "\ud800" <= m.group() <= "\udfff" else m.group(), text)
    return text


def _encodable_or_none(text: str | None) -> str | None:
    return None if text is None else _encodable(text)


@attrs.frozen
class Problem:
    """One thing wrong with an input file.

    ``path`` is the key path inside the file (``pain.current``, ``rules.high_pain.when``);
    ``line`` and ``column`` are 1-based and ``None`` when the place cannot be pinned down.
    """

    file: str
    path: str = attrs.field(converter=_encodable)
    message: str = attrs.field(converter=_encodable)
    line: int | None = None
    column: int | None = None
    suggestion: str | None = attrs.field(default=None, converter=_encodable_or_none)
    severity: str = "error"
    detail: str = ""
    """Lines revhyper adds after the message (a form to paste): written by revhyper, with every value from the
    input already escaped, so its own line breaks are kept; each line is still made printable."""

    def __str__(self) -> str:
        """One line, ``FILE:LINE:COLUMN: error: PATH: MESSAGE (did you mean 'X'?)``, with anything from the input
        that a terminal would act on escaped (see :func:`printable`)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        if not self.detail:
            return printable(text)
        return "\n".join([printable(text)] + [printable(line) for line in self.detail.split("\n")])


@attrs.frozen
class Omitted(Problem):
    """Stands for the problems of one severity past the first :data:`MAX_PROBLEMS` in a file: only their number is
    kept (working out the place and the did-you-mean of 90,000 misspelt words would take longer than fixing them)."""

    count: int = 0


def omitted(file: str, severity: str, count: int) -> Omitted:
    noun = "warning" if severity == "warning" else "problem"
    return Omitted(file, "", f"... and {count:,} more {noun}{'s' if count != 1 else ''} (only the first "
                             f"{MAX_PROBLEMS} are listed; fix these and run again)", severity=severity, count=count)


def _position(problem: Problem) -> tuple:
    if isinstance(problem, Omitted):  # after the problems it stands behind
        return (problem.file, float("inf"), 0)
    return (problem.file, problem.line if problem.line is not None else 0, problem.column or 0)


class RevhyperError(Exception):
    """Base class of every error revhyper raises on purpose."""


class InputError(RevhyperError):
    """An input file (profile, rule set) is unreadable or invalid; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems, key=_position))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file if self.problems else ""


class ProfileError(InputError):
    """A client profile is invalid."""


class RulesetError(InputError):
    """A rule set is invalid."""


class OutputError(RevhyperError):
    """An output could not be produced or written (an exporter failed, the disk refused)."""


class LogError(InputError):
    """A training log (revhyper's CSV or JSON lines, or an app's export) is invalid."""


class BlockError(InputError):
    """A block file read back (``revhyper.load_block``) is not a block revhyper wrote."""
