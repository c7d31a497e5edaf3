"""JSON out, fast and byte-for-byte the standard library's: orjson, with ``json`` where the two would differ.

Every JSON that revhyper writes (blocks, batch lines, the service's responses) is the standard library's
``json.dumps(data, ensure_ascii=False, allow_nan=False)`` with two-space indent or compact separators. orjson
writes the same bytes about 25 times faster (the standard library's indenting encoder is pure Python) except
for three cases, which are detected and handed to ``json``, so the bytes never depend on which encoder ran:

- a float below 1e-4 in size: ``json`` writes ``1e-05``, orjson ``0.00001`` or ``1e-5``; orjson's output then
  holds a digit before ``e-``, or ``0.0000``, which is looked for (text holding them too, "glute-ham" does not,
  only costs the slower encoder);
- an integer beyond 64 bits, and a key that is not text: orjson refuses them;
- anything else orjson refuses (a lone surrogate, a date, a subclass of a built-in type): ``json`` writes it as
  it always has, or raises its own error.

NaN and infinities are refused where numbers are read (docs/safety.md), so no block holds one; orjson would
write ``null`` for them where ``json`` raises.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_EXACT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
"""What ``json`` cannot encode (dates, dataclasses) orjson must not either, and subclasses of str, int, list and
dict go to ``json`` too: both raise TypeError on the first, and write the second as ``json`` does."""
_INDENT = _EXACT | orjson.OPT_INDENT_2
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_INDENTED = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False).encode


def _may_differ(out: bytes) -> bool:
    """Whether orjson's ``out`` may hold a float the json module writes otherwise: ``0.0000`` anywhere, or ``e-``
    after a digit (``1e-5``; not the ``e-`` of "glute-ham"). Found with ``bytes.rfind``, in C, not a pattern: for
    these short needles CPython's search from the end takes about half the time of its search from the start."""
    if out.rfind(b"0.0000") >= 0:
        return True
    at = out.rfind(b"e-")
    while at > 0:
        if 48 <= out[at - 1] <= 57:  # a digit
            return True
        at = out.rfind(b"e-", 0, at)
    return False


def dumps(data: Any) -> bytes:
    """``json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` as UTF-8 bytes."""
    return _exact(data, _EXACT, _COMPACT)


def dumps_indented(data: Any) -> bytes:
    """``json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)`` as UTF-8 bytes."""
    return _exact(data, _INDENT, _INDENTED)


def _exact(data: Any, option: int, standard: Any) -> bytes:
    """orjson's bytes of ``data``, or the json module's (``standard``) where the two could differ."""
    try:
        out = orjson.dumps(data, option=option)
    except (TypeError, orjson.JSONEncodeError):
        return standard(data).encode("utf-8")
    return standard(data).encode("utf-8") if _may_differ(out) else out
