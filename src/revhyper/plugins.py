"""The plugin manager: built-in exporters plus entry points of the group ``revhyper``, loaded lazily.

``exporter("ical")`` loads only the entry points named ``ical`` (the convention in hookspecs.py: an entry point
is named after a format its plugin provides or adjusts), and only if neither they nor the built-ins provide it,
every entry point. A plugin that fails to import, or
whose hook raises, is remembered and reported by name; the other plugins keep working.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from typing import Any, cast

import attrs
import pluggy

from . import hookspecs
from .block import Block
from .errors import InputError, OutputError, Problem
from .exporters import Exporter
from .suggest import did_you_mean

GROUP = "revhyper"
BUILTIN = "revhyper.builtin_exporters"


class Plugins:
    """One plugin manager and what is known about the plugins it loaded."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        from . import builtin_exporters

        self.pm.register(builtin_exporters, name=BUILTIN)
        self.providers: dict[str, str] = {BUILTIN: "revhyper"}
        self.failures: dict[str, str] = {}
        self.loaded_all = False
        self._exporters: dict[str, Exporter] | None = None
        self._seen: set[tuple[str, str]] = set()  # entry points already tried: (name, value)
        self._entry_points: list[importlib.metadata.EntryPoint] | None = None

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
        try:
            module = entry_point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
            key = name if name not in self.failures else f"{name} ({dist})"
            self.failures[key] = f"plugin '{name}' (from {dist}) failed to load: {type(exc).__name__}: {exc}"
            return
        if self.pm.is_registered(module):
            return
        if self.pm.has_plugin(name) or name in self.providers:
            name = f"{name} ({dist})"
        self.providers[name] = dist
        try:
            self.pm.register(module, name=name)
        except Exception as exc:  # noqa: BLE001 - pluggy refuses hooks that match no spec
            self.failures[name] = f"plugin '{name}' (from {dist}) failed to load: {type(exc).__name__}: {exc}"
        self._exporters = None

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
        """Register a plugin object directly (tests, or an application embedding revhyper)."""
        self.pm.register(plugin, name=name)
        self.providers[name] = provider
        self._exporters = None

    # -- contributions ------------------------------------------------------------------------
    def _call_each(self, hook_name: str, only: Any = None, **kwargs) -> list[tuple[str, Any]]:
        results = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):  # registration order
            if only is not None and impl is not only:
                continue
            try:
                results.append((impl.plugin_name, impl.function(**kwargs)))
            except Exception as exc:  # noqa: BLE001
                provider = self.providers.get(impl.plugin_name, "unknown distribution")
                self.failures[impl.plugin_name] = (f"plugin '{impl.plugin_name}' (from {provider}) failed in {hook_name}: "
                                                   f"{type(exc).__name__}: {exc}")
        return results

    def exporters(self) -> dict[str, Exporter]:
        if self._exporters is None:
            found: dict[str, Exporter] = {}
            for impl in reversed(self.pm.hook.revhyper_register_exporters.get_hookimpls()):
                provider = self.providers.get(impl.plugin_name, "local")

                def register(exporter: Exporter, _plugin=impl.plugin_name, _provider=provider) -> None:
                    if not isinstance(exporter, Exporter):
                        raise TypeError(f"register() takes an Exporter, not {type(exporter).__name__}")
                    if exporter.name in found:
                        raise ValueError(f"format '{exporter.name}' is already provided by {found[exporter.name].provider}")
                    found[exporter.name] = attrs.evolve(exporter, provider=_provider)

                try:
                    impl.function(register=register)
                except Exception as exc:  # noqa: BLE001
                    self.failures[impl.plugin_name] = (f"plugin '{impl.plugin_name}' (from {provider}) failed to register "
                                                       f"its exporters: {type(exc).__name__}: {exc}")
            self._exporters = found
        return self._exporters

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

    def adjusters(self) -> list[tuple[str, Callable[..., Block | None]]]:
        out: list[tuple[str, Callable[..., Block | None]]] = []
        for impl in reversed(self.pm.hook.revhyper_adjust_block.get_hookimpls()):
            out.append((impl.plugin_name, cast(Callable[..., "Block | None"], impl.function)))
        return out


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
    plugins = get_plugins()
    plugins.load_all()
    return dict(sorted(plugins.exporters().items()))


def exporter(name: str) -> Exporter:
    """The exporter of format ``name``, loading as few plugins as possible."""
    plugins = get_plugins()
    plugins.load_named(name)  # the adapter of that name, and any plugin that adjusts blocks for the format
    found = plugins.exporters()
    if name not in found:
        plugins.load_all()
        found = plugins.exporters()
    if name in found:
        return found[name]
    if name in plugins.failures:
        raise OutputError(plugins.failures[name])
    message = f"unknown format '{name}'; installed: {', '.join(sorted(found))}"
    if plugins.failures:
        message += "; plugins that failed: " + "; ".join(plugins.failures.values())
    raise InputError([Problem("--format", "", message, suggestion=did_you_mean(name, found))])


def adjust(block: Block, format_name: str) -> Block:
    """Run every plugin's adjust hook in order; refuse an adjustment that loosens the prescription."""
    for plugin, function in get_plugins().adjusters():
        try:
            result = function(block=block, format_name=format_name)
        except Exception as exc:  # noqa: BLE001
            raise OutputError(f"plugin '{plugin}' failed to adjust the block: {type(exc).__name__}: {exc}") from exc
        if result is None:
            continue
        problem = _loosened(block, result)
        if problem:
            raise OutputError(f"plugin '{plugin}' adjusted the block in a way revhyper does not allow: {problem}")
        block = result
    return block


def _loosened(before: Block, after: Any) -> str | None:
    if not isinstance(after, Block):
        return f"it returned {type(after).__name__}, not a Block"
    if after.status != before.status or after.screening != before.screening or after.ruleset != before.ruleset:
        return "it changed the status, the screening or the rule set"
    if len(after.weeks) != len(before.weeks):
        return "it changed the number of weeks"
    for week_a, week_b in zip(before.weeks, after.weeks):
        if len(week_b.sessions) > len(week_a.sessions):
            return f"it added sessions to week {week_a.number}"
        for s_a, s_b in zip(week_a.sessions, week_b.sessions):
            if len(s_b.exercises) != len(s_a.exercises):
                return f"it changed the exercises of week {week_a.number}, session {s_a.number}"
            for e_a, e_b in zip(s_a.exercises, s_b.exercises):
                for field in ("sets", "reps", "rom_percent"):
                    if getattr(e_b, field) > getattr(e_a, field):
                        return f"it raised {field} in week {week_a.number}, session {s_a.number}"
                if (e_b.load_kg or 0) > (e_a.load_kg or 0) or (e_b.load_percent or 0) > (e_a.load_percent or 0):
                    return f"it raised the load in week {week_a.number}, session {s_a.number}"
                if e_b.rest_seconds < e_a.rest_seconds:
                    return f"it shortened the rest in week {week_a.number}, session {s_a.number}"
    return None
