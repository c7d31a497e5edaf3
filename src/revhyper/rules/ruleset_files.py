"""Rule sets named on the command line or in ``extends``: a file (read within a size limit), ``default`` or
``plugin:NAME``, and a rule set that extends others. Checking and building is ruleset_loader's."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path as FilePath
from typing import Any

from ..errors import Problem, RulesetError
from ..io.report import Reporter
from .ruleset import RuleSet
from .ruleset_loader import (
    DEFAULT_NAME, MAX_BYTES, build_ruleset, decode, default_ruleset, default_ruleset_text, parse_ruleset, parse_toml,
)
from ..io.suggest import did_you_mean


def load_ruleset(path: str | FilePath) -> RuleSet:
    """Read and check a rule-set file; raises :class:`RulesetError` with every problem found."""
    return parse_ruleset(_read_ruleset_file(str(path)), name=str(path))


def _read_ruleset_file(name: str) -> bytes:
    try:
        return read_file(name, MAX_BYTES, "a rule set")
    except OSError as exc:
        raise RulesetError([Problem(name, "", f"cannot read the rule set: {exc.strerror or exc}")]) from None


def _read_base(path: str) -> bytes:
    return read_file(path, MAX_BYTES, "a rule set")


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def read_file(path: str | FilePath, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else raises OSError with a reason a person
    reads. Never blocks and never reads more than ``limit`` + 1 bytes: a URL, a folder, a FIFO or a device
    (``/dev/zero``) is refused before it is read (the type is checked before opening and again on what was opened)."""
    text = str(path)
    if _URL.match(text):
        raise OSError(errno.EINVAL, f"{what} is read from a file; a URL is not fetched (download it and name the file)")
    kind = _kind(os.stat(text).st_mode)
    if kind:
        raise OSError(errno.EINVAL, f"this is {kind}, not a file")
    descriptor = os.open(text, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as handle:
        kind = _kind(os.fstat(descriptor).st_mode)  # it may have been swapped for a FIFO since
        if kind:
            raise OSError(errno.EINVAL, f"this is {kind}, not a file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"the file is larger than {limit:,} bytes, the most {what} may have")
    return data


def _kind(mode: int) -> str | None:
    return None if stat.S_ISREG(mode) else next((word for test, word in _KINDS if test(mode)), "not a regular file")


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def load_ruleset_named(name: str) -> RuleSet:
    """``default``, ``plugin:NAME`` (a rule set a plugin ships) or a file path."""
    if name == "default":
        return default_ruleset()
    if name.startswith("plugin:"):
        shipped = plugin_rulesets()
        key = name[len("plugin:"):]
        if key not in shipped:
            raise RulesetError([Problem(name, "", "no installed plugin ships a rule set of that name"
                                        + (f"; installed: {', '.join(sorted(shipped))}" if shipped else ""),
                                        suggestion=did_you_mean(key, shipped))])
        return parse_ruleset(shipped[key], name=name)
    return load_ruleset(name)


def read_ruleset_source(name: str) -> tuple[str, str]:
    """(display name, text) of ``default``, ``plugin:NAME`` or a file; for commands that read rule sets as text."""
    if name == "default":
        return DEFAULT_NAME, default_ruleset_text()
    if name.startswith("plugin:"):
        shipped = plugin_rulesets()
        if name[len("plugin:"):] in shipped:
            return name, shipped[name[len("plugin:"):]]
        load_ruleset_named(name)  # raises the error that names the installed ones
    return name, decode(_read_ruleset_file(name), name, RulesetError)


def plugin_rulesets() -> dict[str, str]:
    """Rule sets shipped by installed plugins (name -> TOML text); empty when no plugin system is available."""
    try:
        from ..plugins import get_rulesets
    except ImportError:
        return {}
    return dict(get_rulesets())


def ruleset_folder(name: str) -> FilePath:
    """Where a rule set's relative ``extends`` is resolved: a file's own folder, the folder of the plugin that ships
    ``plugin:NAME`` (never the current folder, which changes with wherever the command runs), or else the current
    folder (a rule set given as a string)."""
    if name.startswith("plugin:"):
        from ..plugins import get_plugins

        folder = get_plugins().ruleset_folders().get(name[len("plugin:"):])
        return FilePath(folder) if folder else FilePath(".")
    return FilePath(".") if name.startswith("<") else FilePath(name).parent


def parse_extending(data: dict[str, Any], text: str, name: str) -> tuple[RuleSet, Reporter]:
    import attrs

    from .ruleset_extends import _CHAIN, ChainReporter, Source, base_loader, resolve

    child = Source(name, text, ruleset_folder(name))
    token = _CHAIN.set((name if name.startswith(("<", "plugin:")) else str(FilePath(name).resolve()),))
    try:
        merged, sources, origin, disabled = resolve(data, child, base_loader(default_ruleset_text, plugin_rulesets,
                                                                               parse_toml, decode, _read_base,
                                                                               ruleset_folder))
    finally:
        _CHAIN.reset(token)
    merge_problems = [p for s in sources for p in s.reporter.problems]
    for s in sources:
        s.reporter.problems.clear()
    rep = ChainReporter(sources, origin)
    ruleset = build_ruleset(merged, rep)
    problems = merge_problems + rep.errors
    if any(p.severity == "error" for p in problems) or ruleset is None:
        raise RulesetError([p for p in problems if p.severity == "error"])
    rep.problems[:0] = [p for p in problems if p.severity == "warning"]  # for `revhyper check`
    return attrs.evolve(ruleset, extends=tuple(s.name for s in sources[:-1]), disabled=tuple(disabled)), rep
