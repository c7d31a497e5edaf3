"""When an export was made, for the formats that must say so (iCalendar DTSTAMP, LAST-MODIFIED and SEQUENCE, FIT
``time_created``), without reading the clock: same inputs, same bytes.

The caller gives the time as ``SOURCE_DATE_EPOCH`` (whole seconds since 1970-01-01 UTC, the reproducible-builds
convention: ``SOURCE_DATE_EPOCH=$(date +%s) revhyper generate ...``). Without it the time is :data:`UNDATED`, one
fixed instant before any revhyper block: it claims no date the block does not hold, and any export the caller
does date is later, so calendars take that one as the newer version.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

ENV = "SOURCE_DATE_EPOCH"
UNDATED = dt.datetime(1998, 7, 3, 21, 24, 16, tzinfo=dt.timezone.utc)
"""The time of an export the caller gives no time for: the FIT epoch (1989-12-31) plus 0x10000000 seconds, the
first instant FIT reads as a calendar date rather than as seconds since a device was switched on."""
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def caller_time(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC datetime, or None when it is not set. A malformed value is a ValueError
    naming the variable (the exporter fails and writes nothing)."""
    text = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_EPOCH:
        raise ValueError(f"{ENV} must be whole seconds since 1970-01-01 UTC (0 to {MAX_EPOCH}), like $(date +%s); "
                         f"got {text[:40]!r}")
    return dt.datetime.fromtimestamp(int(text), dt.timezone.utc)


def generation_time(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """When the export was made: the caller's ``SOURCE_DATE_EPOCH``, else :data:`UNDATED`."""
    return caller_time(environ) or UNDATED


def revision(environ: Mapping[str, str] | None = None) -> int:
    """A revision number that grows with the generation time: whole minutes since :data:`UNDATED` (0 without a
    caller time, never negative). iCalendar's SEQUENCE: a block regenerated later supersedes the earlier one."""
    return max(0, int((generation_time(environ) - UNDATED).total_seconds()) // 60)
