"""Errors that revhyper reports to people: every problem names its file and place.

A :class:`Problem` is one thing wrong with one input; an :class:`InputError` carries
every problem found in a file at once, so a clinician fixes a rule set in one pass.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Problem:
    """One thing wrong with an input file.

    ``path`` is the key path inside the file (``pain.current``, ``rules.high_pain.when``);
    ``line`` and ``column`` are 1-based and ``None`` when the place cannot be pinned down.
    """

    file: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    suggestion: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
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
        return text


def _position(problem: Problem) -> tuple:
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
