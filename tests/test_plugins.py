"""The plugin system: hooks, lazy loading, failures reported by name, adjusters kept within the caps."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import attrs
import pytest

from revhyper import plugins
from revhyper.errors import InputError, OutputError
from revhyper.export.exporters import Exporter, render
from revhyper.hookspecs import hookimpl


@pytest.fixture(autouse=True)
def fresh_plugins():
    plugins.reset()
    yield
    plugins.reset()


class Shout:
    @hookimpl
    def revhyper_register_exporters(self, register):
        register(Exporter("shout", ".txt", "text/plain", lambda b: b.status.upper().encode(), "the status, loudly"))


class Broken:
    @hookimpl
    def revhyper_register_exporters(self, register):
        raise RuntimeError("cannot find my templates")


class BadBytes:
    @hookimpl
    def revhyper_register_exporters(self, register):
        register(Exporter("nothing", ".bin", "application/octet-stream", lambda b: b"", "returns nothing"))
        register(Exporter("text-not-bytes", ".txt", "text/plain", lambda b: "a str", "returns text"))
        register(Exporter("explodes", ".txt", "text/plain", lambda b: 1 / 0, "raises"))


class ShipsRules:
    @hookimpl
    def revhyper_register_rulesets(self, register):
        register("strict", 'extends = "default"\nid = "strict"\nversion = "1"\ntitle = "Strict"\n[parameters]\nhigh_pain = 5\n')


def test_a_plugin_registered_on_the_manager_contributes_a_format(make_block):
    plugins.get_plugins().register(Shout(), "shout-plugin", provider="revhyper-shout")
    assert render(make_block(), "shout") == b"GENERATED"
    assert plugins.all_exporters()["shout"].provider == "revhyper-shout"


def test_a_failing_plugin_is_reported_by_name_and_the_others_keep_working(make_block):
    manager = plugins.get_plugins()
    manager.register(Broken(), "broken-plugin", provider="revhyper-broken")
    manager.register(Shout(), "shout-plugin")
    assert render(make_block(), "shout") == b"GENERATED"
    with pytest.raises(InputError) as info:
        render(make_block(), "broken")
    assert "plugin 'broken-plugin' (from revhyper-broken) failed to register its exporters: RuntimeError: cannot find " \
           "my templates" in str(info.value)


@pytest.mark.parametrize(("name", "message"), [
    ("nothing", "the nothing exporter (from local) returned no bytes; nothing was written"),
    ("text-not-bytes", "the text-not-bytes exporter (from local) returned str, not bytes"),
    ("explodes", "the explodes exporter (from local) failed: ZeroDivisionError: division by zero"),
])
def test_a_misbehaving_exporter_is_reported_by_name(make_block, name, message):
    plugins.get_plugins().register(BadBytes(), "bad-plugin")
    with pytest.raises(OutputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        render(make_block(), name)


def test_a_failing_export_leaves_no_file_and_exits_5(tmp_path, make_block):
    out = tmp_path / "block.fit"
    out.write_bytes(b"previous")
    code = subprocess.run([sys.executable, "-c", f"""
import sys
from revhyper import plugins, cli
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl
class P:
    @hookimpl
    def revhyper_register_exporters(self, register):
        register(Exporter("boom", ".x", "text/plain", lambda b: 1/0, "fails"))
plugins.get_plugins().register(P(), "boom-plugin")
sys.exit(cli.main(["generate", {str(tmp_path / 'p.json')!r}, "--format", "boom", "-o", {str(out)!r}]))
"""], capture_output=True, text=True, cwd=tmp_path, input=None,
        env=None) if (tmp_path / "p.json").write_text(json.dumps(_healthy())) else None
    assert code.returncode == 5, code.stderr
    assert "the boom exporter (from local) failed" in code.stderr
    assert out.read_bytes() == b"previous" and sorted(p.name for p in tmp_path.iterdir()) == ["block.fit", "p.json"]


def _healthy():
    from helpers import HEALTHY

    return HEALTHY


def test_unknown_format_lists_what_is_installed_with_a_suggestion(make_block):
    with pytest.raises(InputError) as info:
        render(make_block(), "markdwon")
    problem = info.value.problems[0]
    assert problem.suggestion == "markdown"
    installed = problem.message.split("installed: ")[1].split(", ")
    assert {"csv", "html", "json", "markdown", "text", "toml"} <= set(installed) and installed == sorted(installed)


def test_rule_sets_shipped_by_plugins_can_be_used_and_extended(tmp_path, make_profile):
    plugins.get_plugins().register(ShipsRules(), "rules-plugin")
    from revhyper.rules.ruleset_loader import load_ruleset_named
    import revhyper

    strict = load_ruleset_named("plugin:strict")
    assert strict.id == "strict" and strict.parameters["high_pain"] == 5
    child = tmp_path / "c.toml"
    child.write_text('extends = "plugin:strict"\nid = "c"\nversion = "1"\ntitle = "C"\n')
    assert revhyper.load_ruleset(child).extends == ("<default>", "plugin:strict")
    with pytest.raises(revhyper.RulesetError, match="no installed plugin ships a rule set of that name; installed: strict"):
        load_ruleset_named("plugin:strickt")


class MapIds:
    @hookimpl
    def revhyper_adjust_block(self, block, format_name):
        if format_name != "shout":
            return None
        weeks = tuple(attrs.evolve(w, sessions=tuple(attrs.evolve(s, exercises=tuple(
            attrs.evolve(e, variant="platform:RH-01") for e in s.exercises)) for s in w.sessions)) for w in block.weeks)
        return attrs.evolve(block, weeks=weeks)


class Cheat:
    @hookimpl
    def revhyper_adjust_block(self, block, format_name):
        weeks = tuple(attrs.evolve(w, sessions=tuple(attrs.evolve(s, exercises=tuple(
            attrs.evolve(e, sets=e.sets + 1) for e in s.exercises)) for s in w.sessions)) for w in block.weeks)
        return attrs.evolve(block, weeks=weeks)


class ByVariant:
    @hookimpl
    def revhyper_register_exporters(self, register):
        register(Exporter("shout", ".txt", "text/plain", lambda b: b.weeks[0].sessions[0].exercises[0].variant.encode(), "v"))


def test_an_adjuster_can_map_ids_for_its_platform(make_block):
    manager = plugins.get_plugins()
    manager.register(ByVariant(), "variant-exporter")
    manager.register(MapIds(), "id-mapper")
    assert render(make_block(), "shout") == b"platform:RH-01"
    assert json.loads(render(make_block(), "json"))["weeks"][0]["sessions"][0]["exercises"][0]["variant"] == "machine_reverse_hyper"


def test_an_adjuster_that_raises_the_prescription_is_refused_by_name(make_block):
    manager = plugins.get_plugins()
    manager.register(ByVariant(), "variant-exporter")
    manager.register(Cheat(), "cheat-plugin")
    with pytest.raises(OutputError) as info:
        render(make_block(), "shout")
    assert str(info.value) == ("plugin 'cheat-plugin' (from local) adjusted the block in a way revhyper does not allow, "
                               "so nothing was written: it changed weeks[0].sessions[0].exercises[0].sets from 3 to 4 "
                               "(and 35 more like it)")


def generate_in_a_new_process(tmp_path, format_name, then):
    """Run ``revhyper generate -f FORMAT`` in a fresh interpreter, then print ``then`` (a Python expression over
    ``modules``, the modules imported by then, and ``plugins``); returns what it printed and the output file."""
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(_healthy()))
    out = tmp_path / f"out.{format_name}"
    code = (f"import sys; from revhyper import cli; cli.main(['generate', {str(profile)!r}, '-f', {format_name!r}, "
            f"'-o', {str(out)!r}]); modules = set(sys.modules); from revhyper import plugins; print({then})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.strip(), out


def test_json_and_text_never_load_the_plugin_machinery(tmp_path):
    for format_name in ("json", "text"):
        printed, _ = generate_in_a_new_process(tmp_path, format_name, "sorted(m for m in modules if m.startswith("
                                               "('pluggy', 'importlib.metadata', 'revhyper.plugins')))")
        assert printed == "[]"


def test_naming_a_plugin_format_loads_only_that_plugin(tmp_path):
    printed, out = generate_in_a_new_process(tmp_path, "workout-log", "sorted(plugins.get_plugins().providers.values()),"
                                                                      " plugins.get_plugins().loaded_all")
    assert printed == "['revhyper', 'revhyper-workout-log'] False"
    assert out.read_text().count("\n") > 0


def test_formats_lists_builtins_and_installed_adapters_with_their_distribution():
    result = subprocess.run([sys.executable, "-m", "revhyper", "formats", "--format", "json"], capture_output=True,
                            text=True, check=True)
    listed = {f["name"]: f["provider"] for f in json.loads(result.stdout)["formats"]}
    assert {"json", "text", "toml", "csv", "markdown", "html"} <= set(listed)
    assert listed["json"] == "revhyper" and listed["workout-log"] == "revhyper-workout-log"
    text = subprocess.run([sys.executable, "-m", "revhyper", "formats"], capture_output=True, text=True, check=True).stdout
    assert text.splitlines()[0].split() == ["format", "suffix", "media", "type", "provided", "by", "description"]


def test_an_adapter_with_several_formats_is_loaded_alone_by_any_of_them(tmp_path):
    printed, out = generate_in_a_new_process(tmp_path, "fit-zip", "sorted(plugins.get_plugins().providers.values()),"
                                                                  " plugins.get_plugins().loaded_all")
    assert printed == "['revhyper', 'revhyper-fit'] False"
    assert out.read_bytes()[:2] == b"PK"


PLATFORM_MODULE = '''
import attrs
from revhyper.hookspecs import hookimpl

@hookimpl
def revhyper_adjust_block(block, format_name):
    if format_name not in ("csv", "shout"):
        return None
    return attrs.evolve(block, weeks=tuple(attrs.evolve(w, sessions=tuple(attrs.evolve(s, exercises=tuple(
        attrs.evolve(e, variant="platform:" + e.variant) for e in s.exercises)) for s in w.sessions)) for w in block.weeks))
'''


@pytest.fixture
def entry_points(tmp_path, monkeypatch):
    """Stand-in entry points of the group ``revhyper``: ``install(modules={key: source}, points=[(name, key)])``."""
    import importlib.metadata

    def install(modules, points):
        names = {}
        for key, source in modules.items():
            names[key] = f"revhyper_test_plugin_{next(_MODULE_NUMBERS)}"  # a new module each time: none is cached
            (tmp_path / f"{names[key]}.py").write_text(source)
        eps = [importlib.metadata.EntryPoint(name, names[key], "revhyper") for name, key in points]
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(plugins.Plugins, "entry_points", lambda self: eps)

    return install


_MODULE_NUMBERS = itertools.count()


def test_a_platform_plugin_named_after_a_builtin_format_adjusts_it(entry_points, make_block):
    entry_points({"platform": PLATFORM_MODULE}, [("csv", "platform")])
    rows = render(make_block(), "csv").decode().splitlines()
    assert rows[1].count("platform:machine_reverse_hyper") == 1
    assert b"platform:" not in render(make_block(), "json"), "the canonical output is never adjusted"


def test_an_adapter_and_a_platform_plugin_may_share_an_entry_point_name(entry_points, make_block):
    shout = ("from revhyper.hookspecs import hookimpl\nfrom revhyper.exporters import Exporter\n"
             "@hookimpl\ndef revhyper_register_exporters(register):\n"
             "    register(Exporter('shout', '.txt', 'text/plain', lambda b: b.weeks[0].sessions[0].exercises[0]"
             ".variant.encode(), 'v'))\n")
    entry_points({"adapter": shout, "platform": PLATFORM_MODULE},
                 [("shout", "adapter"), ("shout", "platform"), ("shout-again", "adapter")])
    assert render(make_block(), "shout") == b"platform:machine_reverse_hyper"
    manager = plugins.get_plugins()
    assert sorted(manager.providers) == ["revhyper.builtin_exporters", "shout", "shout (unknown distribution)"]
    plugins.all_exporters()  # the third entry point is the first's module again: registered once, no clash
    assert manager.failures == {}
