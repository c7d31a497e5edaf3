"""Output formats: the Exporter type, and rendering a block in a named format.

Built-in formats are registered by :mod:`revhyper.export.builtin_exporters` through the same hook as plugins; the
canonical ``json`` and the ``text`` view skip the plugin machinery (and the adjust hook: they always show
the block exactly as revhyper generated it).

Plugin code (importing a plugin, its adjusters, its exporter) may run under a time limit: the command line
sets one (``REVHYPER_EXPORT_TIMEOUT`` seconds, default 30) with :func:`set_time_limit`; a library caller
may too. It works through ``SIGALRM``, so only in the main thread of a Unix process; elsewhere there is none.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import attrs

from ..engine.block import STATUSES, Block

FAST = ("json", "text")
TIME_LIMIT_ENV = "REVHYPER_EXPORT_TIMEOUT"
DEFAULT_TIME_LIMIT = 30.0
MAX_TIME_LIMIT = 86400.0
GRACE_SECONDS = 2.0
"""After the limit, plugin code that swallows the stop (``except BaseException``) gets this long before the
process ends with exit 5 (only under the command line's limit)."""


@attrs.frozen
class Exporter:
    """One output format.

    ``statuses`` are the block statuses the format can express; for others, rendering fails with a clear
    message (e.g. a watch workout has nothing to guide for a refused block).
    """

    name: str
    suffix: str
    media_type: str
    export: Callable[[Block], bytes] = attrs.field(eq=False, repr=False)
    description: str = ""
    provider: str = "revhyper"
    """The distribution that provides the format; filled in by the plugin manager."""
    statuses: tuple[str, ...] = STATUSES


class TimeLimitExceeded(BaseException):
    """Raised in plugin code when it runs past the time limit. A BaseException, so that a plugin's
    ``except Exception`` does not swallow it; ``who`` is filled in on the way out."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds = seconds
        self.who = "the export"


PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt, TimeLimitExceeded)
"""What a guard around plugin code lets through; everything else (SystemExit included) is the plugin's failure."""


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


_time_limit: float | None = None
_hard_stop = False
_running = False  # a limit is armed: an inner guard leaves it alone


def set_time_limit(seconds: float | None, hard_stop: bool = False) -> tuple[float | None, bool]:
    """Limit every later run of plugin code to ``seconds`` (None: no limit); returns the previous setting. With
    ``hard_stop`` (the command line), plugin code that swallows the stop ends the process with exit 5
    ``GRACE_SECONDS`` later."""
    global _time_limit, _hard_stop
    previous = _time_limit, _hard_stop
    _time_limit, _hard_stop = seconds, hard_stop
    return previous


def time_limit_from_env(environ: dict[str, str] | None = None) -> float:
    """The limit set by ``REVHYPER_EXPORT_TIMEOUT`` (seconds), or the default; InputError for a bad value."""
    from ..errors import InputError, Problem

    text = (os.environ if environ is None else environ).get(TIME_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_TIME_LIMIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds <= MAX_TIME_LIMIT):
        raise InputError([Problem(TIME_LIMIT_ENV, "", f"expected a number of seconds above 0 and at most "
                                                      f"{MAX_TIME_LIMIT:g}, got {text!r}")])
    return seconds


@contextmanager
def time_limited() -> Iterator[None]:
    """Run the body under the time limit set by :func:`set_time_limit`, if any and if signals allow."""
    global _running
    seconds = _time_limit
    if seconds is None or _running:
        yield
        return
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[bool] = []

    def on_alarm(signum, frame):
        if fired and _hard_stop:
            os.write(2, f"revhyper: error: plugin code ignored its time limit of {seconds:g} s "
                        f"({TIME_LIMIT_ENV}); stopped; nothing was written\n".encode())
            os._exit(5)
        fired.append(True)
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, GRACE_SECONDS)
    _running = True
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _running = False


def _fast(format_name: str) -> str:
    """``revhyper:json`` is ``json`` (and so never adjusted)."""
    bare = format_name.removeprefix("revhyper:")
    return bare if bare in FAST else format_name


def render(block: Block, format_name: str) -> bytes:
    """The block in format ``format_name``; InputError for an unknown format, OutputError when the exporter fails."""
    format_name = _fast(format_name)
    if format_name == "json":
        from .canonical import block_to_json

        return block_to_json(block)
    if format_name == "text":
        from .text_view import block_to_text

        return block_to_text(block).encode("utf-8")
    from ..errors import OutputError
    from ..plugins import adjust, exporter

    chosen = exporter(format_name)
    try:
        with time_limited():
            return export_with(chosen, adjust(block, format_name))
    except TimeLimitExceeded as exc:
        raise OutputError(f"{exc.who} did not finish within {exc.seconds:g} s (the time limit, set by "
                          f"{TIME_LIMIT_ENV}); it was stopped and nothing was written") from None


def check_format(format_name: str) -> None:
    """Raise InputError now for an unknown format (before any work is done)."""
    if _fast(format_name) not in FAST:
        from ..plugins import exporter

        exporter(format_name)


def export_with(chosen: Exporter, block: Block) -> bytes:
    from ..errors import OutputError

    who = f"the {chosen.name} exporter (from {chosen.provider})"
    if block.status not in chosen.statuses:
        raise OutputError(f"{who} has nothing to write for a {block.status.replace('_', ' ')} block; "
                          f"use --format json or text to see the screening result")
    try:
        data = chosen.export(block)
    except TimeLimitExceeded as exc:
        exc.who = who
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a misbehaving exporter (even one calling sys.exit) is reported by name
        raise OutputError(f"{who} failed: {describe_failure(exc)}; nothing was written") from exc
    if not isinstance(data, (bytes, bytearray)):
        raise OutputError(f"{who} returned {type(data).__name__}, not bytes; nothing was written")
    if not data:
        raise OutputError(f"{who} returned no bytes; nothing was written")
    return bytes(data)
