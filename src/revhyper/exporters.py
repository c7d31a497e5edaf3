"""Output formats: the Exporter type, and rendering a block in a named format.

Built-in formats are registered by :mod:`revhyper.builtin_exporters` through the same hook as plugins; the
canonical ``json`` and the ``text`` view skip the plugin machinery (and the adjust hook: they always show
the block exactly as revhyper generated it).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from .block import STATUSES, Block

FAST = ("json", "text")


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


def render(block: Block, format_name: str) -> bytes:
    """The block in format ``format_name``; InputError for an unknown format, OutputError when the exporter fails."""
    if format_name == "json":
        from .canonical import block_to_json

        return block_to_json(block)
    if format_name == "text":
        from .text_view import block_to_text

        return block_to_text(block).encode("utf-8")
    from .plugins import adjust, exporter

    chosen = exporter(format_name)
    return export_with(chosen, adjust(block, format_name))


def check_format(format_name: str) -> None:
    """Raise InputError now for an unknown format (before any work is done)."""
    if format_name not in FAST:
        from .plugins import exporter

        exporter(format_name)


def export_with(chosen: Exporter, block: Block) -> bytes:
    from .errors import OutputError

    who = f"the {chosen.name} exporter (from {chosen.provider})"
    if block.status not in chosen.statuses:
        raise OutputError(f"{who} has nothing to write for a {block.status.replace('_', ' ')} block; "
                          f"use --format json or text to see the screening result")
    try:
        data = chosen.export(block)
    except Exception as exc:  # noqa: BLE001 - a misbehaving exporter is reported by name
        raise OutputError(f"{who} failed: {type(exc).__name__}: {exc}; nothing was written") from exc
    if not isinstance(data, (bytes, bytearray)):
        raise OutputError(f"{who} returned {type(data).__name__}, not bytes; nothing was written")
    if not data:
        raise OutputError(f"{who} returned no bytes; nothing was written")
    return bytes(data)
