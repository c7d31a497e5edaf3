"""Dates in a block's life: when a surgery or injection happened, and how long ago it was at a given week.

A surgery or an injection gives either a ``date`` or ``weeks_ago`` (counted back from ``training.start_date``).
Week ``w`` of a block starts ``7 * (w - 1)`` days after the start date, so an event ``weeks_ago`` weeks before
the start is ``weeks_ago + w - 1`` weeks old in week ``w``. Without a start date, ``weeks_ago`` still counts
from week 1 (a dated event then needs a start date: the profile loader says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Dated(Protocol):
    """A surgery or an injection: exactly one of ``date`` and ``weeks_ago`` is given."""

    @property
    def date(self) -> dt.date | None: ...

    @property
    def weeks_ago(self) -> float | None: ...


def week_date(start: dt.date | None, week: int) -> dt.date | None:
    """The first day of block week ``week`` (1-based); None without a start date."""
    if start is None or week == 1:
        return start
    return start + dt.timedelta(days=7 * (week - 1))


def event_date(event: Dated, start: dt.date | None) -> dt.date | None:
    """The event's date: as given, or ``weeks_ago`` weeks before ``start`` (None when neither can be known)."""
    if event.date is not None:
        return event.date
    if start is None or event.weeks_ago is None:
        return None
    return start - dt.timedelta(days=round(event.weeks_ago * 7))


def weeks_since(event: Dated, start: dt.date | None, week: int = 1) -> float:
    """Weeks from the event to the first day of block week ``week`` (week 1 = the start date).

    ``weeks_ago`` counts back from the start date; a ``date`` needs ``start`` (the loader guarantees it). Dated
    events give whole days / 7, rounded to 2 decimals (never across a whole week: k/7 is never within 0.005 of
    a whole number unless it is one).
    """
    if event.weeks_ago is not None:
        return event.weeks_ago + (week - 1)
    if event.date is None or start is None:
        raise ValueError("a dated event needs the block's start date")
    days = (start - event.date).days + 7 * (week - 1)
    return round(days / 7, 2)
