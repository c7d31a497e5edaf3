"""Small value checkers for reading data files: each reports through a Reporter and returns BAD on failure.

Most checks also have a quiet twin, :func:`quiet_of`: the same value for a good value, and BAD, reporting
nothing, for anything it is not sure of (it may refuse more than the check, never less). Readers use it to
take a valid file quickly, and run the reporting checks only when the quiet ones refuse something.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from .locate import Path, format_path
from .report import Reporter, describe
from .suggest import did_you_mean

BAD: Any = object()
Check = Callable[[Reporter, Any, Path], Any]
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def shown(value: float) -> str:
    """A number as an error message shows it: short, and safe for integers too large for a float or a string."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a {'negative ' if value < 0 else ''}number with {len(str(abs(value))) if abs(value) < 10**4000 else 'thousands of'} digits"
    return f"{value:g}"


Quiet = Callable[[Any], Any]


def quiet_of(check: Check) -> Quiet | None:
    """The quiet twin of ``check`` (value or BAD, no report), or None when it has none."""
    return getattr(check, "quiet", None)


def with_quiet(check: Check, quiet: Quiet) -> Check:
    """``check`` with ``quiet`` as its quiet twin."""
    check.quiet = quiet  # type: ignore[attr-defined]
    return check


def text(rep: Reporter, value: Any, path: Path) -> Any:
    if not isinstance(value, str) or not value.strip():
        rep.error(path, f"expected non-empty text, got {describe(value)}")
        return BAD
    return value


with_quiet(text, lambda value: value if type(value) is str and value.strip() else BAD)


def boolean(rep: Reporter, value: Any, path: Path) -> Any:
    if not isinstance(value, bool):
        rep.error(path, f"expected true or false, got {describe(value)}")
        return BAD
    return value


with_quiet(boolean, lambda value: value if type(value) is bool else BAD)


NOT_FINITE = "NaN and infinities are not numbers revhyper accepts; write a finite number"


def not_finite(value: Any) -> bool:
    """True for NaN, inf and -inf (TOML writes them ``nan``, ``inf``, ``-inf``; JSON's 1e999 reads as inf)."""
    return isinstance(value, float) and not math.isfinite(value)


def finite(rep: Reporter, value: Any, path: Path) -> bool:
    """Report a non-finite number at ``path``; every number check goes through here, so no reader can forget."""
    if not_finite(value):
        rep.error(path, f"{value!r} is not allowed here: {NOT_FINITE}")
        return False
    return True


def integer(low: int, high: int) -> Check:
    def check(rep: Reporter, value: Any, path: Path) -> Any:
        if not finite(rep, value, path):
            return BAD
        if isinstance(value, bool) or not isinstance(value, int):
            rep.error(path, f"expected a whole number from {low} to {high}, got {describe(value)}")
            return BAD
        if not low <= value <= high:
            rep.error(path, f"expected a whole number from {low} to {high}, got {shown(value)}")
            return BAD
        return value

    def quiet(value: Any) -> Any:
        return value if type(value) is int and low <= value <= high else BAD
    return with_quiet(check, quiet)


def number(low: float, high: float) -> Check:
    def check(rep: Reporter, value: Any, path: Path) -> Any:
        if not finite(rep, value, path):
            return BAD
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            rep.error(path, f"expected a number from {low:g} to {high:g}, got {describe(value)}")
            return BAD
        if not low <= value <= high:
            rep.error(path, f"expected a number from {low:g} to {high:g}, got {shown(value)}")
            return BAD
        return value

    def quiet(value: Any) -> Any:  # NaN fails every comparison, and infinities the finite limits
        return value if (type(value) is int or type(value) is float) and low <= value <= high else BAD
    return with_quiet(check, quiet) if math.isfinite(low) and math.isfinite(high) else check


def one_of(choices: tuple[str, ...] | Callable[[], tuple[str, ...]], what: str = "one of") -> Check:
    def check(rep: Reporter, value: Any, path: Path) -> Any:
        options = choices() if callable(choices) else choices
        if not isinstance(value, str):
            rep.error(path, f"expected {what} {', '.join(options)}, got {describe(value)}")
            return BAD
        if value not in options:
            rep.error(path, f"'{value}' is not {what} {', '.join(options) or '(none defined)'}", did_you_mean(value, options))
            return BAD
        return value

    if callable(choices):
        return check
    allowed = frozenset(choices)

    def quiet(value: Any) -> Any:
        return value if type(value) is str and value in allowed else BAD
    return with_quiet(check, quiet)


def identifier(rep: Reporter, value: Any, path: Path) -> Any:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        rep.error(path, f"expected a lower-case name of letters, digits and '_' (like spinal_stenosis), got {describe(value)}")
        return BAD
    return value


def list_of(item: Check, *, unique: bool = False) -> Check:
    def check(rep: Reporter, value: Any, path: Path) -> Any:
        if not isinstance(value, list):
            rep.error(path, f"expected a list, got {describe(value)}")
            return BAD
        out, ok, seen = [], True, set()
        for index, element in enumerate(value):
            if not finite(rep, element, path + (index,)):
                ok = False
                continue
            got = item(rep, element, path + (index,))
            if got is BAD:
                ok = False
                continue
            if unique and got in seen:
                rep.error(path + (index,), f"'{got}' is listed twice")
                ok = False
            seen.add(got)
            out.append(got)
        return tuple(out) if ok else BAD

    quiet_item = quiet_of(item)
    if quiet_item is None:
        return check

    def quiet(value: Any) -> Any:
        if type(value) is not list:
            return BAD
        out = tuple(map(quiet_item, value))
        for got in out:
            if got is BAD:
                return BAD
        if unique:
            try:
                if len(set(out)) != len(out):
                    return BAD
            except TypeError:
                return BAD
        return out
    return with_quiet(check, quiet)


def table(rep: Reporter, value: Any, path: Path, required: Mapping[str, Check],
          optional: Mapping[str, Check] = {}, *, what: str = "table") -> dict[str, Any] | None:
    """Check a table's keys and values; every problem is reported, the good values are returned.

    Returns ``None`` when ``value`` is not a table at all. Missing and bad keys are left out of the result,
    so callers check ``rep.errors`` (or the presence of keys) before building objects.
    """
    if not isinstance(value, dict):
        rep.error(path, f"expected a {what}, got {describe(value)}")
        return None
    known = {**required, **optional}
    out: dict[str, Any] = {}
    for key, element in value.items():
        if key not in known:
            where = format_path(path) or "the top level"
            rep.error(path + (key,), f"unknown key '{key}' in {where}; expected one of {', '.join(known)}",
                      did_you_mean(key, known), at="key")
            continue
        if not finite(rep, element, path + (key,)):
            continue
        got = known[key](rep, element, path + (key,))
        if got is not BAD:
            out[key] = got
    for key in required:
        if key not in value:
            rep.error(path, f"missing required key '{key}'", at="key")
    return out


def named_tables(rep: Reporter, value: Any, path: Path, build: Callable[[str, Any, Path], Any]) -> dict[str, Any]:
    """A table of named entries (``[rules.<id>]``): checks each name and builds each entry."""
    if not isinstance(value, dict):
        rep.error(path, f"expected a table of named entries, got {describe(value)}")
        return {}
    out = {}
    for name, element in value.items():
        if identifier(rep, name, path + (name,)) is BAD:
            continue
        built = build(name, element, path + (name,))
        if built is not BAD and built is not None:
            out[name] = built
    return out


def date(rep: Reporter, value: Any, path: Path) -> Any:
    """A calendar date: a TOML date, or text like 2026-12-01 (JSON)."""
    if isinstance(value, dt.datetime):
        rep.error(path, f"expected a date like 2026-12-01, got a date and time {value.isoformat()}")
        return BAD
    parsed = value if isinstance(value, dt.date) else None
    if isinstance(value, str):
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if parsed is not None:
        if not 1900 <= parsed.year <= 2200:  # a block runs up to a year past its start: keep date arithmetic safe
            rep.error(path, f"expected a date between 1900 and 2200, got {parsed.isoformat()}")
            return BAD
        return parsed
    rep.error(path, f"expected a date like 2026-12-01, got {describe(value)}")
    return BAD


def _quiet_date(value: Any) -> Any:
    if type(value) is str:
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            return BAD
    elif type(value) is dt.date:
        parsed = value
    else:
        return BAD
    return parsed if 1900 <= parsed.year <= 2200 else BAD


with_quiet(date, _quiet_date)
