"""Collect problems while reading a file, each placed at its line and column."""

from __future__ import annotations

from .errors import Problem
from .locate import Locations, Path, format_path


class Reporter:
    """Gathers every problem in one file; positions are looked up only when there are problems."""

    def __init__(self, file: str, text: str, kind: str):
        self.file = file
        self.text = text
        self.kind = kind
        self.problems: list[Problem] = []
        self._locations: Locations | None = None

    @property
    def locations(self) -> Locations:
        if self._locations is None:
            self._locations = Locations(self.text, self.kind)
        return self._locations

    def error(self, path: Path, message: str, suggestion: str | None = None, *, at: str = "value",
              position: tuple[int, int] | None = None, severity: str = "error") -> None:
        if position is None:
            position = self.locations.key(path) if at == "key" else self.locations.value(path)
        line, column = position if position else (None, None)
        self.problems.append(Problem(self.file, format_path(path), message, line, column, suggestion, severity))

    def written_here(self, path: Path) -> bool:
        """Whether the file being read wrote ``path`` (not a rule set it extends)."""
        return True

    def warn(self, path: Path, message: str, suggestion: str | None = None, **kw) -> None:
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
