"""Collect problems while reading a file, each placed at its line and column."""

from __future__ import annotations

from collections.abc import Callable

from .errors import MAX_PROBLEMS, Omitted, Problem, omitted
from .locate import Locations, Path, format_path


class Reporter:
    """Gathers every problem in one file; positions are looked up only when there are problems.

    Past :data:`~revhyper.errors.MAX_PROBLEMS` problems of a severity, further ones are counted, not placed:
    one :class:`~revhyper.errors.Omitted` entry at the end of ``problems`` says how many more there were.
    """

    def __init__(self, file: str, text: str, kind: str):
        self.file = file
        self.text = text
        self.kind = kind
        self.problems: list[Problem] = []
        self._locations: Locations | None = None
        self._kept = {"error": 0, "warning": 0}
        self._omitted: dict[str, int] = {}  # severity -> index of its Omitted entry in problems

    @property
    def locations(self) -> Locations:
        if self._locations is None:
            self._locations = Locations(self.text, self.kind)
        return self._locations

    def error(self, path: Path, message: str, suggestion: str | Callable[[], str | None] | None = None, *,
              at: str = "value", position: tuple[int, int] | None = None, severity: str = "error") -> None:
        """Report a problem at ``path``. ``suggestion`` may be a function, called only if the problem is kept."""
        if self.omit(severity):
            return
        if position is None:
            position = self.locations.key(path) if at == "key" else self.locations.value(path)
        line, column = position if position else (None, None)
        if callable(suggestion):
            suggestion = suggestion()
        self.problems.append(Problem(self.file, format_path(path), message, line, column, suggestion, severity))

    def omit(self, severity: str) -> bool:
        """Whether a new problem of ``severity`` is past the limit; if so it is counted (and not to be kept)."""
        kept = self._kept.get(severity, 0)
        if kept < MAX_PROBLEMS:
            self._kept[severity] = kept + 1
            return False
        at = self._omitted.get(severity, -1)
        if not (0 <= at < len(self.problems) and isinstance(self.problems[at], Omitted)
                and self.problems[at].severity == severity):  # moved (the list was edited), or the first
            at = next((i for i, p in enumerate(self.problems) if isinstance(p, Omitted) and p.severity == severity), -1)
        if at < 0:
            self._omitted[severity] = len(self.problems)
            self.problems.append(omitted(self.file, severity, 1))
        else:
            self._omitted[severity] = at
            count = self.problems[at].count  # type: ignore[attr-defined]
            self.problems[at] = omitted(self.file, severity, count + 1)
        return True

    @property
    def full(self) -> bool:
        """Whether further errors are only counted (a caller may skip working out their details)."""
        return self._kept.get("error", 0) >= MAX_PROBLEMS

    def written_here(self, path: Path) -> bool:
        """Whether the file being read wrote ``path`` (not a rule set it extends)."""
        return True

    def warn(self, path: Path, message: str, suggestion: str | Callable[[], str | None] | None = None, **kw) -> None:
        self.error(path, message, suggestion, severity="warning", **kw)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def describe(value: object) -> str:
    """How a value reads in an error message: its kind and, when short, itself."""
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a table"}
    for kind, word in kinds.items():
        if type(value) is kind:
            shown = repr(value)
            return f"{word} {shown}" if len(shown) <= 40 and kind not in (list, dict) else word
    return type(value).__name__
