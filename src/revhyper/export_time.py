"""When an export was made, for the formats that must say so (iCalendar DTSTAMP and LAST-MODIFIED, FIT
``time_created``), without reading the clock: same inputs, same bytes.

The caller gives the time as ``SOURCE_DATE_EPOCH`` (whole seconds since 1970-01-01 UTC, the reproducible-builds
convention: ``SOURCE_DATE_EPOCH=$(date +%s) revhyper generate ...``). Without it, the time is midnight UTC on the
block's start date, and for a block without dates :data:`UNDATED`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from .block import Block

ENV = "SOURCE_DATE_EPOCH"
UNDATED = dt.datetime(1998, 7, 3, 21, 24, 16, tzinfo=dt.timezone.utc)
"""The time given to a block without dates when the caller gives none: the FIT epoch (1989-12-31) plus 0x10000000
seconds, the first instant FIT reads as a calendar date rather than seconds since a device was switched on."""
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def generation_time(block: Block, environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The export's creation time (UTC, whole seconds): ``SOURCE_DATE_EPOCH`` when set, else the block's start
    date at midnight UTC, else :data:`UNDATED`. A malformed ``SOURCE_DATE_EPOCH`` is an error (ValueError)."""
    text = (os.environ if environ is None else environ).get(ENV, "").strip()
    if text:
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_EPOCH:
            raise ValueError(f"{ENV} must be whole seconds since 1970-01-01 UTC (0 to {MAX_EPOCH}), "
                             f"like $(date +%s); got {text[:40]!r}")
        return dt.datetime.fromtimestamp(int(text), dt.timezone.utc)
    start = block.plan.start_date if block.plan else None
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc) if start else UNDATED
