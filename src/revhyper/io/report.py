"""Collect problems while reading a file, each placed at its line and column."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import MAX_PROBLEMS, Omitted, Problem, omitted
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
        self._problems: list[Problem] = []
        self._locations: Locations | None = None
        self._kept = {"error": 0, "warning": 0}
        self._omitted: dict[str, list[int]] = {}  # severity -> [index of its Omitted entry, how many it stands for]

    @property
    def problems(self) -> list[Problem]:
        """Every problem kept, in the order found, and an :class:`Omitted` entry for each severity past the limit
        (brought up to date here, not at each problem omitted). Callers may edit the list."""
        for severity, entry in self._omitted.items():
            at = self._entry(severity)
            if at >= 0 and self._problems[at].count != entry[1]:  # type: ignore[attr-defined]
                self._problems[at] = omitted(self.file, severity, entry[1])
        return self._problems

    @property
    def locations(self) -> Locations:
        if self._locations is None:
            self._locations = Locations(self.text, self.kind)
        return self._locations

    def error(self, path: Path, message: str, suggestion: str | Callable[[], str | None] | None = None, *,
              at: str = "value", position: tuple[int, int] | None = None, severity: str = "error",
              detail: str = "") -> None:
        """Report a problem at ``path``. ``suggestion`` may be a function, called only if the problem is kept."""
        if self.omit(severity):
            return
        if position is None:
            position = self.locations.key(path) if at == "key" else self.locations.value(path)
        line, column = position if position else (None, None)
        if callable(suggestion):
            suggestion = suggestion()
        self._problems.append(Problem(self.file, format_path(path), message, line, column, suggestion, severity,
                                      detail))

    def omit(self, severity: str) -> bool:
        """Whether a new problem of ``severity`` is past the limit; if so it is counted (and not to be kept)."""
        kept = self._kept.get(severity, 0)
        if kept < MAX_PROBLEMS:
            self._kept[severity] = kept + 1
            return False
        if self._entry(severity) >= 0:
            self._omitted[severity][1] += 1
        else:  # the first, or a caller took the list's problems away (with the entry) and more come
            self._omitted[severity] = [len(self._problems), 1]
            self._problems.append(omitted(self.file, severity, 1))
        return True

    def _entry(self, severity: str) -> int:
        """Where the Omitted entry of ``severity`` is in the list (it moves if a caller inserts); -1 if it is gone."""
        entry = self._omitted.get(severity)
        if entry is None:
            return -1
        problems = self._problems

        def at(i: int) -> bool:
            return 0 <= i < len(problems) and isinstance(problems[i], Omitted) and problems[i].severity == severity

        if not at(entry[0]):
            entry[0] = next((i for i in range(len(problems)) if at(i)), -1)
        return entry[0]

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
