"""The plugin manager: built-in exporters plus entry points of the group ``revhyper``, loaded lazily.

``exporter("ical")`` loads only the entry points named ``ical`` (the convention in hookspecs.py: an entry point
is named after a format its plugin provides or adjusts), and only if neither they nor the built-ins provide it,
every entry point. A plugin that fails to import, or whose hook raises (even ``SystemExit``), is remembered
and reported by name; the other plugins keep working.

Which exporter a format name means (docs/plugins.md, "Precedence"): a built-in format is always revhyper's;
otherwise, of the plugins claiming it, one whose entry point is named after the format wins over one whose
is not, then the first by distribution name, then by plugin name. Every exporter stays reachable by its
qualified name ``DISTRIBUTION:FORMAT``, and every conflict is reported by ``revhyper formats``.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

from . import hookspecs
from .engine.block import Block
from .errors import InputError, OutputError, Problem
from .export.exporters import PASS_THROUGH, Exporter, TimeLimitExceeded, describe_failure, time_limited
from .io.suggest import did_you_mean

if TYPE_CHECKING:
    from .platforms.push import Pusher

GROUP = "revhyper"
BUILTIN = "revhyper.builtin_exporters"
BUILTIN_PROVIDER = "revhyper"
BUILTIN_LOG_READERS = "revhyper.logs.builtin"
WHY = {0: "built-in formats are always revhyper's", 1: "its entry point is named after the format",
       2: "first by distribution name"}


@attrs.frozen
class Conflict:
    """Several exporters claim one format name: ``chosen`` (a qualified name) is the one the name means."""

    format: str
    chosen: str
    others: tuple[str, ...]
    reason: str

    def __str__(self) -> str:
        return f"format '{self.format}' is claimed by {len(self.others) + 1}: it means {self.chosen} ({self.reason}); " \
               f"the others: {', '.join(self.others)}"


@attrs.frozen(hash=False)
class FormatTable:
    chosen: dict[str, Exporter]  # format name -> the exporter it means
    qualified: dict[str, Exporter]  # DISTRIBUTION:FORMAT -> exporter
    tiers: dict[str, int]  # format name -> 0 built-in, 1 named entry point, 2 other plugin (see WHY)
    conflicts: tuple[Conflict, ...]


@attrs.frozen(hash=False)
class ReaderTable:
    chosen: dict[str, Any]  # log format name -> the LogReader it means (revhyper.logs.rows.LogReader)
    conflicts: tuple[str, ...]


class Plugins:
    """One plugin manager and what is known about the plugins it loaded."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        from .export import builtin_exporters

        self.pm.register(builtin_exporters, name=BUILTIN)
        self.providers: dict[str, str] = {BUILTIN: BUILTIN_PROVIDER}
        self.entry_names: dict[str, set[str]] = {}  # plugin name -> the entry-point names behind it
        self.failures: dict[str, str] = {}
        self.loaded_all = False
        self._table: FormatTable | None = None
        self._seen: set[tuple[str, str]] = set()  # entry points already tried: (name, value)
        self._entry_points: list[importlib.metadata.EntryPoint] | None = None
        self._readers: ReaderTable | None = None

    # -- loading ----------------------------------------------------------------------------
    def entry_points(self) -> list[importlib.metadata.EntryPoint]:
        """The installed entry points of the group, read once (reading them scans every distribution)."""
        if self._entry_points is None:
            self._entry_points = sorted(importlib.metadata.entry_points(group=GROUP), key=lambda ep: ep.name)
        return self._entry_points

    def load(self, entry_point: importlib.metadata.EntryPoint) -> None:
        """Import and register one entry point's module.

        One module may stand behind several entry points (one for each format it provides or adjusts, so that
        any of them loads it alone); it is registered once. Two distributions may use the same entry-point name
        (an adapter and a platform plugin that adjusts that adapter's format): the second is registered as
        ``NAME (DISTRIBUTION)``.
        """
        name = entry_point.name
        if (name, entry_point.value) in self._seen:
            return
        self._seen.add((name, entry_point.value))
        dist = entry_point.dist.name if entry_point.dist else "unknown distribution"
        key = name if name not in self.failures else f"{name} ({dist})"
        try:
            with time_limited():
                module = entry_point.load()
        except TimeLimitExceeded as exc:
            self.failures[key] = f"plugin '{name}' (from {dist}) did not finish loading within {exc.seconds:g} s"
            return
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a broken plugin (even one calling sys.exit) must not break the others
            self.failures[key] = f"plugin '{name}' (from {dist}) failed to load: {describe_failure(exc)}"
            return
        self._table = self._readers = None
        if self.pm.is_registered(module):
            self.entry_names.setdefault(cast(str, self.pm.get_name(module)), set()).add(name)
            return
        if self.pm.has_plugin(name) or name in self.providers:
            name = f"{name} ({dist})"
        self.providers[name] = dist
        self.entry_names.setdefault(name, set()).add(entry_point.name)
        try:
            self.pm.register(module, name=name)
        except PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - pluggy refuses hooks that match no spec
            self.failures[name] = f"plugin '{name}' (from {dist}) failed to load: {describe_failure(exc)}"

    def load_named(self, name: str) -> None:
        for entry_point in self.entry_points():
            if entry_point.name == name:
                self.load(entry_point)

    def load_all(self) -> None:
        if not self.loaded_all:
            for entry_point in self.entry_points():
                self.load(entry_point)
            self.loaded_all = True

    def register(self, plugin: object, name: str, provider: str = "local") -> None:
        """Register a plugin object directly (tests, or an application embedding revhyper); ``name`` plays the
        part of its entry point's name."""
        self.pm.register(plugin, name=name)
        self.providers[name] = provider
        self.entry_names.setdefault(name, set()).add(name)
        self._table = self._readers = None

    def failure_for(self, format_name: str) -> str | None:
        """Why the plugin whose entry point is named ``format_name`` is broken, if it is."""
        for key, message in sorted(self.failures.items()):
            if key == format_name or key.startswith(f"{format_name} (") or format_name in self.entry_names.get(key, ()):
                return message
        return None

    # -- contributions ------------------------------------------------------------------------
    def _call_each(self, hook_name: str, only: Any = None, **kwargs) -> list[tuple[str, Any]]:
        results = []
        for impl in self._ordered(getattr(self.pm.hook, hook_name).get_hookimpls()):
            if only is not None and impl is not only:
                continue
            try:
                with time_limited():
                    results.append((impl.plugin_name, impl.function(**kwargs)))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001
                provider = self.providers.get(impl.plugin_name, "unknown distribution")
                self.failures[impl.plugin_name] = (f"plugin '{impl.plugin_name}' (from {provider}) failed in {hook_name}: "
                                                   f"{_why(exc)}")
        return results

    def _ordered(self, impls: list[Any]) -> list[Any]:
        """Hook implementations in a fixed order, whatever order the plugins loaded in: the built-ins, then by
        distribution name, then by plugin name."""
        return sorted(impls, key=lambda impl: (impl.plugin_name != BUILTIN, self.providers.get(impl.plugin_name, "local"),
                                               impl.plugin_name))

    def formats(self) -> FormatTable:
        """Every exporter, by format name and by qualified name, with the conflicts (computed once per loading)."""
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> FormatTable:
        claims: list[tuple[tuple[int, str, str, int], Exporter]] = []
        for impl in self._ordered(self.pm.hook.revhyper_register_exporters.get_hookimpls()):
            plugin = impl.plugin_name
            provider = self.providers.get(plugin, "local")
            mine: list[Exporter] = []
            try:
                with time_limited():
                    impl.function(register=_collector(mine))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - a plugin that fails to register offers no formats at all
                self.failures[plugin] = f"plugin '{plugin}' (from {provider}) failed to register its exporters: {_why(exc)}"
                continue
            for position, exporter in enumerate(mine):
                tier = 0 if plugin == BUILTIN else 1 if exporter.name in self.entry_names.get(plugin, ()) else 2
                claims.append(((tier, provider, plugin, position), attrs.evolve(exporter, provider=provider)))
        claims.sort(key=lambda claim: claim[0])
        by_name: dict[str, list[tuple[tuple[int, str, str, int], Exporter]]] = {}
        for rank, exporter in claims:
            by_name.setdefault(exporter.name, []).append((rank, exporter))
        chosen: dict[str, Exporter] = {}
        qualified: dict[str, Exporter] = {}
        tiers: dict[str, int] = {}
        conflicts = []
        for name in sorted(by_name):
            group = by_name[name]
            chosen[name], tiers[name] = group[0][1], group[0][0][0]
            others = []
            for rank, exporter in group:
                label = f"{exporter.provider}:{name}"
                if label in qualified:
                    label = f"{label} of plugin '{rank[2]}' (unreachable: its distribution claims the name twice)"
                else:
                    qualified[label] = exporter
                if exporter is not chosen[name]:
                    others.append(label)
            if others:
                conflicts.append(Conflict(name, f"{chosen[name].provider}:{name}", tuple(others), WHY[tiers[name]]))
        return FormatTable(chosen, qualified, tiers, tuple(conflicts))

    def exporters(self) -> dict[str, Exporter]:
        return self.formats().chosen

    def rulesets(self) -> dict[str, str]:
        return {name: text for name, (text, _) in self._shipped_rulesets().items()}

    def ruleset_folders(self) -> dict[str, str | None]:
        """The folder of the plugin that ships each rule set: its relative ``extends`` are resolved there."""
        return {name: folder for name, (_, folder) in self._shipped_rulesets().items()}

    def _shipped_rulesets(self) -> dict[str, tuple[str, str | None]]:
        self.load_all()
        shipped: dict[str, tuple[str, str | None]] = {}
        plugin: list[str | None] = [None]  # the folder of the plugin whose hook is running

        def register(name: str, text: str) -> None:
            shipped[name] = (text, plugin[0])

        for impl in reversed(self.pm.hook.revhyper_register_rulesets.get_hookimpls()):  # registration order
            plugin[0] = _folder_of(impl.plugin)
            self._call_each("revhyper_register_rulesets", register=register, only=impl)
        return shipped

    def log_readers(self) -> ReaderTable:
        """Every log reader (revhyper's own first, then plugins' by distribution and plugin name); a name means the
        first that claims it, the others are listed as conflicts. Computed once per loading."""
        if not self.pm.has_plugin(BUILTIN_LOG_READERS):
            from .logs import builtin

            self.pm.register(builtin, name=BUILTIN_LOG_READERS)
            self.providers[BUILTIN_LOG_READERS] = BUILTIN_PROVIDER
            self._readers = None
        if self._readers is None:
            self._readers = self._build_readers()
        return self._readers

    def _build_readers(self) -> ReaderTable:
        from .logs.rows import LogReader

        chosen: dict[str, LogReader] = {}
        conflicts: list[str] = []
        impls = sorted(self.pm.hook.revhyper_register_log_readers.get_hookimpls(),
                       key=lambda impl: (impl.plugin_name != BUILTIN_LOG_READERS, self.providers.get(impl.plugin_name, "local"),
                                         impl.plugin_name))
        for impl in impls:
            plugin = impl.plugin_name
            provider = self.providers.get(plugin, "local")
            mine: list[LogReader] = []

            def register(reader: LogReader, into: list[LogReader] = mine) -> None:
                if not isinstance(reader, LogReader):
                    raise TypeError(f"register() takes a LogReader, not {type(reader).__name__}")
                if not isinstance(reader.name, str) or not reader.name or ":" in reader.name:
                    raise ValueError(f"log format name {reader.name!r}: give a non-empty name without ':'")
                into.append(reader)

            try:
                with time_limited():
                    impl.function(register=register)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - a plugin that fails to register offers no readers
                self.failures[plugin] = f"plugin '{plugin}' (from {provider}) failed to register its log readers: {_why(exc)}"
                continue
            for reader in mine:
                reader = attrs.evolve(reader, provider=provider)
                if reader.name in chosen:
                    conflicts.append(f"log format '{reader.name}' is claimed by {chosen[reader.name].provider} and "
                                     f"{provider}: it means {chosen[reader.name].provider}'s")
                else:
                    chosen[reader.name] = reader
        return ReaderTable(chosen, tuple(conflicts))

    def adjusters(self) -> list[tuple[str, Callable[..., Block | None]]]:
        """Every adjuster in a fixed order: by distribution name, then plugin name."""
        return [(impl.plugin_name, cast(Callable[..., "Block | None"], impl.function))
                for impl in self._ordered(self.pm.hook.revhyper_adjust_block.get_hookimpls())]


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeLimitExceeded):
        return f"it did not finish within {exc.seconds:g} s"
    return describe_failure(exc)


def _collector(into: list[Exporter]) -> Callable[[Exporter], None]:
    def register(exporter: Exporter) -> None:
        if not isinstance(exporter, Exporter):
            raise TypeError(f"register() takes an Exporter, not {type(exporter).__name__}")
        if not isinstance(exporter.name, str) or not exporter.name or ":" in exporter.name:
            raise ValueError(f"format name {exporter.name!r}: give a non-empty name without ':' (revhyper uses "
                             f"DISTRIBUTION:FORMAT for qualified names)")
        into.append(exporter)

    return register


def _folder_of(plugin: object) -> str | None:
    """The folder of a plugin's module (a package's own folder); None when it has no file."""
    import sys
    import types
    from pathlib import Path

    module = plugin if isinstance(plugin, types.ModuleType) else sys.modules.get(type(plugin).__module__)
    file = getattr(module, "__file__", None)
    return str(Path(file).resolve().parent) if file else None


_PLUGINS: Plugins | None = None


def get_plugins() -> Plugins:
    global _PLUGINS
    if _PLUGINS is None:
        _PLUGINS = Plugins()
    return _PLUGINS


def get_plugin_manager() -> pluggy.PluginManager:
    return get_plugins().pm


def reset() -> None:
    """Forget every loaded plugin (for tests)."""
    global _PLUGINS
    _PLUGINS = None


def get_rulesets() -> dict[str, str]:
    """Rule sets shipped by installed plugins: name -> TOML text."""
    return get_plugins().rulesets()


def all_exporters() -> dict[str, Exporter]:
    """Every format name and the exporter it means (qualified names and conflicts: ``get_plugins().formats()``)."""
    plugins = get_plugins()
    plugins.load_all()
    return dict(sorted(plugins.exporters().items()))


def exporter(name: str) -> Exporter:
    """The exporter of format ``name`` (or of a qualified ``DISTRIBUTION:FORMAT``), loading as few plugins as possible."""
    plugins = get_plugins()
    bare = name.split(":", 1)[1] if ":" in name else name
    plugins.load_named(bare)  # the adapter of that name, and any plugin that adjusts blocks for the format
    found = _lookup(plugins, name)
    if found is None or (":" not in name and plugins.formats().tiers[name] == 2 and not plugins.loaded_all):
        plugins.load_all()  # a format offered by no plugin named after it: which one it means needs them all
        found = _lookup(plugins, name)
    if found is not None:
        return found
    failure = plugins.failure_for(bare)
    if failure:
        raise OutputError(failure)
    names = plugins.formats().qualified if ":" in name else plugins.exporters()
    message = f"unknown format '{name}'; installed: {', '.join(sorted(names))}"
    if plugins.failures:
        message += "; plugins that failed: " + "; ".join(plugins.failures.values())
    raise InputError([Problem("--format", "", message, suggestion=did_you_mean(name, names))])


def _lookup(plugins: Plugins, name: str) -> Exporter | None:
    table = plugins.formats()
    return (table.qualified if ":" in name else table.chosen).get(name)


def adjust(block: Block, format_name: str) -> Block:
    """Run every plugin's adjust hook in order; refuse an adjustment that changes more than a platform may map
    (revhyper.engine.adjustment.MAPPABLE) or writes a number that is not finite."""
    from .engine.adjustment import problems_since, snapshot

    plugins = get_plugins()
    adjusters = plugins.adjusters()
    before = snapshot(block) if adjusters else {}  # taken before any plugin code runs: a plugin may mutate in place
    for plugin, function in adjusters:
        who = f"plugin '{plugin}' (from {plugins.providers.get(plugin, 'local')})"
        try:
            result = function(block=block, format_name=format_name)
        except TimeLimitExceeded as exc:
            exc.who = f"{who}, adjusting the block,"
            raise
        except PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - even sys.exit in an adjuster is the plugin's failure
            raise OutputError(f"{who} failed to adjust the block: {describe_failure(exc)}; nothing was written") from exc
        found = problems_since(before, block if result is None else result)
        if found:
            raise OutputError(f"{who} adjusted the block in a way revhyper does not allow, so nothing was written: "
                              + "; ".join(found))
        if result is not None:
            block, before = result, snapshot(result)
    return block


def log_reader(name: str):
    """The log reader of format ``name``: revhyper's own, or a plugin's, loading as few plugins as possible."""
    plugins = get_plugins()
    found = plugins.log_readers().chosen.get(name)
    if found is None:
        plugins.load_named(name)
        found = plugins.log_readers().chosen.get(name)
    if found is None:
        plugins.load_all()
        found = plugins.log_readers().chosen.get(name)
    if found is not None:
        return found
    names = plugins.log_readers().chosen
    message = f"unknown log format '{name}'; installed: {', '.join(sorted(names))}"
    failure = plugins.failure_for(name)
    if failure:
        message += f"; {failure}"
    raise InputError([Problem("--log-format", "", message, suggestion=did_you_mean(name, names))])


def all_log_readers() -> ReaderTable:
    plugins = get_plugins()
    plugins.load_all()
    return plugins.log_readers()


# -- pushers (revhyper push; docs/plugins.md "Push") ----------------------------------------------------------
def _pushers(plugins: Plugins) -> dict[str, Pusher]:
    """Every registered pusher by platform name (the first by distribution, then plugin name, wins a name)."""
    from .platforms.push import Pusher

    found: dict[str, Pusher] = {}
    for impl in plugins._ordered(plugins.pm.hook.revhyper_register_pushers.get_hookimpls()):
        provider = plugins.providers.get(impl.plugin_name, "local")
        mine: list[Pusher] = []

        def register(pusher: Pusher, into: list[Pusher] = mine) -> None:
            if not isinstance(pusher, Pusher):
                raise TypeError(f"register() takes a Pusher, not {type(pusher).__name__}")
            into.append(pusher)

        try:
            with time_limited():
                impl.function(register=register)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a plugin that fails to register offers no platforms
            plugins.failures[impl.plugin_name] = (f"plugin '{impl.plugin_name}' (from {provider}) failed to register its "
                                                  f"pushers: {_why(exc)}")
            continue
        for pusher in mine:
            found.setdefault(pusher.name, attrs.evolve(pusher, provider=provider))
    return dict(sorted(found.items()))


def all_pushers() -> dict[str, Pusher]:
    """Every platform ``revhyper push`` knows: name -> :class:`revhyper.push.Pusher` (loads every plugin)."""
    plugins = get_plugins()
    plugins.load_all()
    return _pushers(plugins)


def pusher(name: str) -> Pusher:
    """The pusher of platform ``name``, loading the plugins whose entry point is named ``name`` first."""
    plugins = get_plugins()
    plugins.load_named(name)
    found = _pushers(plugins).get(name)
    if found is None:
        plugins.load_all()
        known = _pushers(plugins)
        found = known.get(name)
        if found is None:
            failure = plugins.failure_for(name)
            if failure:
                raise OutputError(failure)
            message = f"unknown platform '{name}'; installed: {', '.join(known) or 'none'}"
            raise InputError([Problem("revhyper push", "", message, suggestion=did_you_mean(name, known))])
    return found
