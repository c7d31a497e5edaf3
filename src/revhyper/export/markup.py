"""Escaping for the markdown formats (``markdown``, ``clearance-request``): one function for every field.

Everything in a markdown output that comes from a profile, a rule set or a log goes through :func:`md_escape`, so
it renders as the text it is, never as markup: no tag, link, image, emphasis, table cell break or list.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]{}#|!~])")
"""Markdown punctuation that can start markup anywhere in a line: backslash-escaped (CommonMark 2.4)."""
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LINE_START = re.compile(r"^ ?(?:[-+](?=\s|$)|-(?=-)|\d{1,9}(?=[.)](?:\s|$)))")
"""What opens a block at the start of a line (a bullet ``- ``/``+ ``, a thematic break ``---``, an ordered list
``1. ``/``1) ``): escaped too, because a field may open a line (a list item's text, a quotation). ``1.0.0`` or
``-2`` open nothing and stay as they are."""


def md_escape(text: str) -> str:
    """Markdown-safe text: whitespace runs (line breaks too) as one space, markdown punctuation
    backslash-escaped, ``<``, ``>`` and ``&`` as HTML character references (which every markdown renderer
    reads as text, where some older ones ignore a backslash before ``<``)."""
    text = re.sub(r"\s+", " ", text)
    text = _INLINE.sub(r"\\\1", text)
    text = re.sub(r"[&<>]", lambda m: _HTML[m.group()], text)
    match = _LINE_START.match(text)
    if match is None:
        return text
    end = match.end()
    if match.group()[-1].isdigit():  # "1." / "1)": escape the delimiter
        return text[:end] + "\\" + text[end:]
    return text[:end - 1] + "\\" + text[end - 1:]
