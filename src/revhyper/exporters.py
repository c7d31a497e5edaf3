"""Output formats: the Exporter type and rendering a block in a named format.

Built-in formats are registered by :mod:`revhyper.builtin_exporters` through the same hook as plugins.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from .block import Block


@attrs.frozen
class Exporter:
    """One output format."""

    name: str
    suffix: str
    media_type: str
    export: Callable[[Block], bytes] = attrs.field(eq=False, repr=False)
    description: str = ""
    provider: str = "revhyper"
    """The distribution that provides the format; filled in by the plugin manager."""


def render(block: Block, format_name: str) -> bytes:
    """The block in format ``format_name`` as bytes; raises InputError for an unknown format, OutputError on failure."""
    from .errors import InputError, OutputError, Problem

    if format_name == "json":  # the fast path: no plugin machinery for the canonical format
        from .canonical import block_to_json

        return block_to_json(block)
    if format_name == "text":
        from .text_view import block_to_text

        return block_to_text(block).encode("utf-8")
    from .suggest import did_you_mean

    names = ("json", "text")
    raise InputError([Problem("--format", "", f"unknown format '{format_name}'; available: {', '.join(names)}",
                              suggestion=did_you_mean(format_name, names))])
