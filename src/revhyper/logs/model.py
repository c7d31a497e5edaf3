"""The training log as frozen data: one :class:`LogEntry` per set, grouped into sessions by date.

A session is one calendar day of training. Pain is recorded per session (``pain_during``,
``pain_next_morning``); every entry of a session carries the session's values once the log is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs

FIELDS = ("date", "variant", "set", "reps", "load_kg", "rpe", "pain_during", "pain_next_morning", "note")
"""The columns of revhyper's own log, in order (docs/logs.md)."""
REQUIRED = ("date", "variant", "set", "reps")
SESSION_FIELDS = ("pain_during", "pain_next_morning")
"""Fields that belong to a session, not to one set: the same on each of the session's rows, or on its first only."""


@attrs.frozen
class LogEntry:
    """One set the client did."""

    date: dt.date
    variant: str  # a variant id of the rule set
    set: int  # 1-based within the session, per variant
    reps: int
    load_kg: float | None = None  # None: bodyweight
    rpe: float | None = None  # 1-10
    pain_during: int | None = None  # 0-10, the session's
    pain_next_morning: int | None = None  # 0-10, the session's
    note: str = ""
    where: str = attrs.field(default="", eq=False)  # "FILE:LINE" it was read from (messages, traces); not compared

    @property
    def key(self) -> tuple[dt.date, str, int]:
        return (self.date, self.variant, self.set)


@attrs.frozen
class SessionLog:
    """Every set logged on one day, with the session's pain."""

    date: dt.date
    entries: tuple[LogEntry, ...]
    pain_during: int | None
    pain_next_morning: int | None

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(sorted({e.variant for e in self.entries}))

    @property
    def sets(self) -> int:
        return len(self.entries)

    @property
    def reps_done(self) -> int:
        return sum(e.reps for e in self.entries)

    @property
    def rpe_max(self) -> float | None:
        values = [e.rpe for e in self.entries if e.rpe is not None]
        return max(values) if values else None

    @property
    def load_max_kg(self) -> float | None:
        values = [e.load_kg for e in self.entries if e.load_kg is not None]
        return max(values) if values else None


def _sorted_entries(entries) -> tuple[LogEntry, ...]:
    return tuple(sorted(entries, key=lambda e: e.key))


@attrs.frozen
class TrainingLog:
    """A client's log: entries sorted by date, variant and set (the same order whatever the file's order).

    ``skipped`` says, in words, what the reader left out (other exercises, warm-up sets) and how many;
    ``reader`` names the reader that read it (``revhyper``, ``strong``, ``hevy``, ``fit``...).
    """

    entries: tuple[LogEntry, ...] = attrs.field(converter=_sorted_entries)
    file: str = ""
    reader: str = "revhyper"
    skipped: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def dates(self) -> tuple[dt.date, ...]:
        """The days with at least one logged set, in order."""
        return tuple(sorted({e.date for e in self.entries}))

    def sessions(self) -> tuple[SessionLog, ...]:
        """One :class:`SessionLog` per day, in date order."""
        out: list[SessionLog] = []
        start = 0
        for index in range(1, len(self.entries) + 1):
            if index == len(self.entries) or self.entries[index].date != self.entries[start].date:
                group = self.entries[start:index]
                out.append(SessionLog(group[0].date, group, group[0].pain_during, group[0].pain_next_morning))
                start = index
        return tuple(out)

    def sessions_by_date(self) -> dict[dt.date, SessionLog]:
        return {session.date: session for session in self.sessions()}

    def pain_by_session(self) -> tuple[tuple[dt.date, int | None, int | None], ...]:
        """(date, pain during, pain next morning) for every session, in date order; None where not recorded."""
        return tuple((s.date, s.pain_during, s.pain_next_morning) for s in self.sessions())

    def between(self, first: dt.date, last: dt.date) -> TrainingLog:
        """The entries from ``first`` to ``last``, both included (a week of a block, say)."""
        return attrs.evolve(self, entries=tuple(e for e in self.entries if first <= e.date <= last))
