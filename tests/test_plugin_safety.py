"""Hostile or unlucky plugins (issue 8): adjusters that change more than ids and names, plugins that call
sys.exit, formats claimed twice, exporters that never return."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import subprocess
import sys
import textwrap
import time

import attrs
import pytest

from helpers import HEALTHY, cleared, merge
from revhyper import cli, plugins
from revhyper.engine.adjustment import _NODE, MAPPABLE, _walk, problems
from revhyper.errors import InputError, OutputError
from revhyper.export.exporters import TIME_LIMIT_ENV, Exporter, render, time_limit_from_env
from revhyper.hookspecs import hookimpl
from revhyper.testing import check_adjuster, check_name_is_its_own


@pytest.fixture(autouse=True)
def fresh_plugins():
    plugins.reset()
    yield
    plugins.reset()


def exercises_mapped(block, **changes):
    """The block with every exercise changed by ``changes``: values, or functions of the exercise."""
    def change(e):
        return attrs.evolve(e, **{k: v(e) if callable(v) else v for k, v in changes.items()})

    return attrs.evolve(block, weeks=tuple(attrs.evolve(w, sessions=tuple(
        attrs.evolve(s, exercises=tuple(change(e) for e in s.exercises)) for s in w.sessions)) for w in block.weeks))


class Adjuster:
    """A plugin whose adjuster applies ``how`` (block -> block) for the format ``shout``."""

    def __init__(self, how):
        self.how = how

    @hookimpl
    def revhyper_adjust_block(self, block, format_name):
        return self.how(block) if format_name == "shout" else None


class Shout:
    @hookimpl
    def revhyper_register_exporters(self, register):
        register(Exporter("shout", ".txt", "text/plain", lambda b: b.weeks[0].sessions[0].exercises[0].variant.encode(),
                          "the first exercise's id"))


def render_adjusted(block, how):
    manager = plugins.get_plugins()
    manager.register(Shout(), "shout-adapter", provider="revhyper-shout")
    manager.register(Adjuster(how), "platform", provider="revhyper-platform")
    return render(block, "shout")


@pytest.fixture
def pregnant_block(make_block):
    return make_block(person={"pregnant": True}, clearance=cleared())


# -- 1. adjusters: everything but ids and names is compared ---------------------------------------

def test_an_adjuster_may_not_swap_a_pregnant_clients_quadruped_exercise_for_the_prone_machine(pregnant_block):
    assert pregnant_block.plan.variant == "quadruped_hip_extension"
    with pytest.raises(OutputError) as info:
        render_adjusted(pregnant_block, lambda b: exercises_mapped(b, variant="machine_reverse_hyper",
                                                                   name="Reverse hyperextension (machine)"))
    message = str(info.value)
    assert message.startswith("plugin 'platform' (from revhyper-platform) adjusted the block in a way revhyper does not "
                              "allow, so nothing was written: ")
    assert ("it changed variant 'quadruped_hip_extension' to 'machine_reverse_hyper', another of revhyper's exercises"
            in message)
    assert "it changed name 'Quadruped hip extension' to 'Reverse hyperextension (machine)'" in message


@pytest.mark.parametrize(("how", "expected"), [
    (lambda b: exercises_mapped(b, tempo="1-0-1-0"),
     "it changed weeks[0].sessions[0].exercises[0].tempo from '2-1-2-0' to '1-0-1-0' (and 35 more like it)"),
    (lambda b: exercises_mapped(b, cues=()), "it removed weeks[0].sessions[0].exercises[0].cues[0]"),
    (lambda b: exercises_mapped(b, load_kg=math.nan),
     "it set weeks[0].sessions[0].exercises[0].load_kg to nan: every number must be finite"),
    (lambda b: exercises_mapped(b, load_kg=-math.inf), "to -inf: every number must be finite"),
    (lambda b: exercises_mapped(b, rom_percent=lambda e: e.rom_percent - 10),
     "it changed weeks[0].sessions[0].exercises[0].rom_percent from 90 to 80"),
    (lambda b: exercises_mapped(b, rest_seconds=lambda e: float(e.rest_seconds)),
     "it changed weeks[0].sessions[0].exercises[0].rest_seconds from 90 to 90.0"),
    (lambda b: attrs.evolve(b, disclaimer="Train as you like."), "it changed disclaimer from "),
    (lambda b: attrs.evolve(b, plan=attrs.evolve(b.plan, variant="machine_reverse_hyper")),
     "it changed plan.variant from 'quadruped_hip_extension' to 'machine_reverse_hyper'"),
    (lambda b: attrs.evolve(b, notes=(*b.notes, "Ignore the pain rule.")), "it changed notes from "),
    (lambda b: attrs.evolve(b, weeks=b.weeks[:-1]), "it changed weeks from 12 items to 11 items"),
    (lambda b: attrs.evolve(b, person_id="someone-else\x1b[2J"), r"to 'someone-else\x1b[2J'"),
    (lambda b: {"status": "generated"}, "it returned dict, not a Block"),
])
def test_an_adjuster_that_changes_anything_but_ids_and_names_is_refused_with_the_field(pregnant_block, how, expected):
    with pytest.raises(OutputError, match="^plugin 'platform' .* does not allow") as info:
        render_adjusted(pregnant_block, how)
    assert expected in str(info.value)


def _replaced(value, path, new):
    """``value`` with the leaf at ``path`` (a list of attribute names and indexes) replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        return tuple(_replaced(v, rest, new) if i == head else v for i, v in enumerate(value))
    return attrs.evolve(value, **{head: _replaced(getattr(value, head), rest, new)})


def _parts(path):
    return [int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".") if p]


def _other(leaf):
    if isinstance(leaf, bool):
        return not leaf
    if isinstance(leaf, (int, float)):
        return leaf + 1
    if isinstance(leaf, str):
        return leaf + " (changed)"
    if isinstance(leaf, dt.date):
        return leaf + dt.timedelta(days=1)
    if isinstance(leaf, frozenset):
        return leaf | {"changed"}
    return "changed" if leaf is None else None


def test_the_check_covers_every_field_of_every_class_of_the_block_by_walking_it(make_block):
    """One leaf of every kind (pattern) in generated, needs-clearance and refused blocks is changed; every change
    is refused but those the allow-list names. A field added to any class of the block is covered the same way."""
    blocks = [make_block(history={"conditions": ["osteoporosis"]}), make_block(pain={"current": 8}),
              make_block(red_flags={"fever": True})]
    tried = set()
    for block in blocks:
        for path, pattern, leaf in _walk(block, "", ""):
            if pattern in tried or (isinstance(leaf, tuple) and leaf and leaf[0] is _NODE):
                continue
            tried.add(pattern)
            changed = _replaced(block, _parts(path), _other(leaf))
            found = problems(block, changed)
            if pattern in MAPPABLE:
                assert found == [], (path, found)
            else:
                assert found and path in found[0], (path, found)
    assert len(tried) > 60 and set(MAPPABLE) <= tried


def test_a_consistent_mapping_of_ids_and_names_is_allowed_and_reaches_the_exporter(pregnant_block):
    mapped = render_adjusted(pregnant_block, lambda b: exercises_mapped(b, variant="acme:QHE-1", name="Hüftstreckung im Vierfüßlerstand"))
    assert mapped == b"acme:QHE-1"
    assert b"acme:" not in render(pregnant_block, "json"), "the canonical output is never adjusted"


@pytest.mark.parametrize(("how", "expected"), [
    (lambda b: exercises_mapped(b, variant=lambda e: f"acme:{e.rest_seconds}:{id(e)}"), "elsewhere"),
    (lambda b: exercises_mapped(b, name="Hip extension\n"), "a mapped value must be printable text"),
    (lambda b: exercises_mapped(b, variant=""), "a mapped value must be printable text"),
])
def test_an_inconsistent_or_unprintable_mapping_is_refused(pregnant_block, how, expected):
    with pytest.raises(OutputError, match="does not allow") as info:
        render_adjusted(pregnant_block, how)
    assert expected in str(info.value)


def test_a_mapping_may_not_merge_two_exercises_into_one(make_block):
    block = make_block()
    two = attrs.evolve(block, weeks=(attrs.evolve(block.weeks[0], sessions=(attrs.evolve(
        block.weeks[0].sessions[0], exercises=(block.weeks[0].sessions[0].exercises[0],
                                               attrs.evolve(block.weeks[0].sessions[0].exercises[0], variant="other"))),)),))
    found = problems(two, exercises_mapped(two, variant="acme:one"))
    assert found == ["it mapped both 'machine_reverse_hyper' and 'other' to 'acme:one' in "
                     "weeks[].sessions[].exercises[].variant: a mapping must keep different exercises apart"]


def test_the_contract_kit_checks_an_adjuster_against_the_same_rules():
    check_adjuster(Adjuster(lambda b: exercises_mapped(b, variant="acme:X")).revhyper_adjust_block, "shout")
    with pytest.raises(AssertionError, match="generated: the adjuster changed what revhyper does not allow: it changed "
                                             r"weeks\[0\].sessions\[0\].exercises\[0\].tempo"):
        check_adjuster(Adjuster(lambda b: exercises_mapped(b, tempo="fast")).revhyper_adjust_block, "shout")


# -- 2. sys.exit (or any BaseException but Ctrl-C) in plugin code ------------------------------------

def run_cli(tmp_path, plugin_source, argv, env=None, timeout=60):
    """``revhyper ARGV`` in a fresh interpreter with the plugin class ``P`` (from ``plugin_source``) registered."""
    (tmp_path / "p.json").write_text(json.dumps(HEALTHY))
    script = ("import sys, time\nfrom revhyper import plugins, cli\nfrom revhyper.exporters import Exporter\n"
              "from revhyper.hookspecs import hookimpl\n" + textwrap.dedent(plugin_source)
              + "\nplugins.get_plugins().register(P(), 'p-plugin', provider='revhyper-p')\n"
              + f"sys.exit(cli.main({argv!r}))\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=timeout,
                            env={**os.environ, **(env or {})})
    return result, time.monotonic() - started


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Stand-in entry points: ``installed({"boom": SOURCE, ...})`` installs one module per entry-point name."""
    import importlib.metadata

    def install(modules):
        eps = []
        for name, source in modules.items():
            module = f"revhyper_safety_plugin_{next(_MODULE_NUMBERS)}"  # a new module each time: none is cached
            (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
            eps.append(importlib.metadata.EntryPoint(name, module, "revhyper"))
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(plugins.Plugins, "entry_points", lambda self: sorted(eps, key=lambda ep: ep.name))

    return install


_MODULE_NUMBERS = itertools.count()
EXITS_AT_IMPORT = "import sys\nsys.exit(0)\n"
WORKS = """
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

@hookimpl
def revhyper_register_exporters(register):
    register(Exporter("fine", ".txt", "text/plain", lambda b: b"fine", "works"))
"""


def test_a_plugin_calling_sys_exit_at_import_is_listed_as_broken_by_formats(installed, capsys):
    installed({"boom": EXITS_AT_IMPORT, "fine": WORKS})
    assert cli.main(["formats"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("format ") and any(line.startswith("fine ") for line in out.splitlines())
    assert "broken plugins (their formats are not available):\n  plugin 'boom' (from unknown distribution) failed to " \
           "load: it called sys.exit(0)\n" in out
    assert "warning: plugin 'boom' (from unknown distribution) failed to load: it called sys.exit(0)" in err
    assert cli.main(["formats", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["failed_plugins"] == ["plugin 'boom' (from unknown distribution) failed to load: it called sys.exit(0)"]


def test_generate_with_a_format_whose_plugin_calls_sys_exit_at_import_exits_5(installed, tmp_path, capsys):
    installed({"boom": EXITS_AT_IMPORT})
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(HEALTHY))
    assert cli.main(["generate", str(profile), "--format", "boom", "-o", str(tmp_path / "out.x")]) == 5
    assert capsys.readouterr().err == ("revhyper: error: plugin 'boom' (from unknown distribution) failed to load: "
                                       "it called sys.exit(0)\n")
    assert not (tmp_path / "out.x").exists()


def test_an_exporter_calling_sys_exit_exits_5_with_its_name_and_writes_nothing(tmp_path):
    (tmp_path / "out.x").write_bytes(b"previous")
    result, _ = run_cli(tmp_path, """
        class P:
            @hookimpl
            def revhyper_register_exporters(self, register):
                register(Exporter("quits", ".x", "text/plain", lambda b: sys.exit(0), "exits"))
        """, ["generate", "p.json", "--format", "quits", "-o", "out.x"])
    assert result.returncode == 5, result.stderr
    assert result.stderr == ("revhyper: error: the quits exporter (from revhyper-p) failed: it called sys.exit(0); "
                             "nothing was written\n")
    assert (tmp_path / "out.x").read_bytes() == b"previous"


def test_sys_exit_in_an_adjuster_or_a_register_hook_is_the_plugins_failure(make_block):
    class Quits:
        @hookimpl
        def revhyper_register_exporters(self, register):
            raise SystemExit(3)

    manager = plugins.get_plugins()
    manager.register(Quits(), "quits", provider="revhyper-quits")
    assert "csv" in plugins.all_exporters()
    assert manager.failures["quits"] == ("plugin 'quits' (from revhyper-quits) failed to register its exporters: "
                                         "it called sys.exit(3)")
    with pytest.raises(OutputError, match=r"^plugin 'platform' \(from revhyper-platform\) failed to adjust the block: "
                                          r"it called sys.exit\('bye'\); nothing was written$"):
        render_adjusted(make_block(), lambda b: sys.exit("bye"))


def test_ctrl_c_in_an_exporter_still_interrupts(make_block):
    def interrupted(block):
        raise KeyboardInterrupt

    class P:
        @hookimpl
        def revhyper_register_exporters(self, register):
            register(Exporter("slow", ".x", "text/plain", interrupted, "interrupted"))

    plugins.get_plugins().register(P(), "p")
    with pytest.raises(KeyboardInterrupt):
        render(make_block(), "slow")


# -- 3. precedence: built-ins first, then deterministic, everything reachable and reported ---------------

def exporting(*names, tag):
    class P:
        @hookimpl
        def revhyper_register_exporters(self, register):
            for name in names:
                register(Exporter(name, ".txt", "text/plain", lambda b, _n=name: f"{tag}:{_n}".encode(), f"{tag}'s {name}"))

    return P()


def test_a_plugin_cannot_take_over_a_builtin_format_but_stays_reachable_by_qualified_name(make_block):
    plugins.get_plugins().register(exporting("csv", "json", "evil-extra", tag="evil"), "evil", provider="revhyper-evil")
    block = make_block()
    assert render(block, "csv").startswith(b"status,week,")
    assert render(block, "revhyper-evil:csv") == b"evil:csv"
    assert render(block, "revhyper:csv") == render(block, "csv")
    assert render(block, "evil-extra") == b"evil:evil-extra", "the plugin's other formats stay"
    table = plugins.get_plugins().formats()
    assert table.chosen["csv"].provider == "revhyper" and table.chosen["json"].provider == "revhyper"
    assert [str(c) for c in table.conflicts] == [
        "format 'csv' is claimed by 2: it means revhyper:csv (built-in formats are always revhyper's); the others: "
        "revhyper-evil:csv",
        "format 'json' is claimed by 2: it means revhyper:json (built-in formats are always revhyper's); the others: "
        "revhyper-evil:json"]


@pytest.mark.parametrize("order", [("b", "a"), ("a", "b")])
def test_two_plugins_claiming_one_format_resolve_by_distribution_name_whatever_the_load_order(make_block, order):
    manager = plugins.get_plugins()
    for tag in order:
        manager.register(exporting("shout", f"{tag}-only", tag=tag), f"plugin-{tag}", provider=f"revhyper-{tag}")
    block = make_block()
    assert render(block, "shout") == b"a:shout"
    assert render(block, "revhyper-b:shout") == b"b:shout" and render(block, "revhyper-a:shout") == b"a:shout"
    assert render(block, "a-only") == b"a:a-only" and render(block, "b-only") == b"b:b-only", "no format vanishes"
    assert [str(c) for c in manager.formats().conflicts] == [
        "format 'shout' is claimed by 2: it means revhyper-a:shout (first by distribution name); the others: "
        "revhyper-b:shout"]
    assert manager.failures == {}


def test_a_plugin_named_after_the_format_wins_over_one_that_is_not_even_when_loaded_lazily(installed, make_block):
    installed({"shout": WORKS.replace('b"fine"', 'b"named"').replace('"fine"', '"shout"'),
               "aaa": WORKS.replace('b"fine"', 'b"other"').replace('"fine"', '"shout"')})
    block = make_block()
    assert render(block, "shout") == b"named" and not plugins.get_plugins().loaded_all
    plugins.reset()
    plugins.get_plugins().load_all()
    assert render(block, "shout") == b"named"
    conflict, = plugins.get_plugins().formats().conflicts
    assert conflict.reason == "its entry point is named after the format"


def test_formats_shows_the_true_provider_every_exporter_and_the_conflicts(capsys):
    manager = plugins.get_plugins()
    manager.register(exporting("csv", "shout", tag="evil"), "evil", provider="revhyper-evil")
    manager.register(exporting("shout", tag="good"), "good", provider="revhyper-good")
    assert cli.main(["formats"]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[0]
    assert [line.split()[:4] for line in table.splitlines() if line.startswith("csv ")] == [
        ["csv", ".csv", "text/csv;", "charset=utf-8"]]
    assert " revhyper " in next(line for line in table.splitlines() if line.startswith("csv "))
    assert [line.split()[0] for line in table.splitlines()[1:] if "revhyper-evil" in line or "revhyper-good" in line] == [
        "shout", "revhyper-evil:csv", "revhyper-good:shout"]
    assert ("conflicts (each format name means one exporter; the others by DISTRIBUTION:FORMAT):\n"
            "  format 'csv' is claimed by 2: it means revhyper:csv (built-in formats are always revhyper's); the others: "
            "revhyper-evil:csv\n"
            "  format 'shout' is claimed by 2: it means revhyper-evil:shout (first by distribution name); the others: "
            "revhyper-good:shout\n") in out
    assert cli.main(["formats", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    providers = {f["name"]: f["provider"] for f in listing["formats"]}
    assert providers["csv"] == "revhyper" and providers["revhyper-evil:csv"] == "revhyper-evil"
    assert listing["conflicts"][0] == {"format": "csv", "chosen": "revhyper:csv", "others": ["revhyper-evil:csv"],
                                       "reason": "built-in formats are always revhyper's"}


def test_a_format_name_with_a_colon_is_refused_and_the_kit_says_a_builtin_name_is_taken():
    plugins.get_plugins().register(exporting("a:b", tag="x"), "colon", provider="revhyper-colon")
    plugins.all_exporters()
    assert "give a non-empty name without ':'" in plugins.get_plugins().failures["colon"]
    with pytest.raises(AssertionError, match="'csv' is a built-in format"):
        check_name_is_its_own(Exporter("csv", ".csv", "text/csv", lambda b: b"x", "mine"))


# -- 4. a time limit for plugin code ------------------------------------------------------------------

HANGS = {
    "sleeps": "lambda b: time.sleep(10**6)",
    "loops": "lambda b: next(x for x in iter(int, 1) if x)",  # 0, 0, 0, ... forever, in bytecode, no memory
}


@pytest.mark.parametrize("kind", sorted(HANGS))
def test_an_exporter_that_hangs_is_stopped_at_the_time_limit_with_exit_5_and_no_file(tmp_path, kind):
    (tmp_path / "out.x").write_bytes(b"previous")
    result, took = run_cli(tmp_path, f"""
        class P:
            @hookimpl
            def revhyper_register_exporters(self, register):
                register(Exporter("hangs", ".x", "text/plain", {HANGS[kind]}, "never returns"))
        """, ["generate", "p.json", "--format", "hangs", "-o", "out.x"], env={TIME_LIMIT_ENV: "1"})
    assert result.returncode == 5, result.stderr
    assert result.stderr == ("revhyper: error: the hangs exporter (from revhyper-p) did not finish within 1 s (the time "
                             f"limit, set by {TIME_LIMIT_ENV}); it was stopped and nothing was written\n")
    assert took < 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.x", "p.json"]
    assert (tmp_path / "out.x").read_bytes() == b"previous"


def test_plugin_code_that_swallows_the_stop_ends_the_process_after_a_grace_period(tmp_path):
    result, took = run_cli(tmp_path, """
        def stubborn(block):
            while True:
                try:
                    time.sleep(10**6)
                except BaseException:
                    pass
        class P:
            @hookimpl
            def revhyper_register_exporters(self, register):
                register(Exporter("stubborn", ".x", "text/plain", stubborn, "ignores the stop"))
        """, ["generate", "p.json", "--format", "stubborn", "-o", "out.x"], env={TIME_LIMIT_ENV: "0.5"})
    assert result.returncode == 5
    assert "plugin code ignored its time limit of 0.5 s (REVHYPER_EXPORT_TIMEOUT); stopped; nothing was written" in result.stderr
    assert took < 10 and not (tmp_path / "out.x").exists() and result.stdout == ""


def test_an_adjuster_that_hangs_is_named(tmp_path):
    result, _ = run_cli(tmp_path, """
        class P:
            @hookimpl
            def revhyper_adjust_block(self, block, format_name):
                time.sleep(10**6)
        """, ["generate", "p.json", "--format", "csv"], env={TIME_LIMIT_ENV: "0.5"})
    assert result.returncode == 5 and result.stdout == ""
    assert result.stderr.startswith("revhyper: error: plugin 'p-plugin' (from revhyper-p), adjusting the block, did not "
                                    "finish within 0.5 s")


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e9"])
def test_a_bad_time_limit_is_bad_input(value):
    with pytest.raises(InputError, match=f"{TIME_LIMIT_ENV}: error: expected a number of seconds above 0 and at most 86400"):
        time_limit_from_env({TIME_LIMIT_ENV: value})
    assert time_limit_from_env({}) == 30 and time_limit_from_env({TIME_LIMIT_ENV: " 2.5 "}) == 2.5


def test_a_library_caller_gets_no_time_limit_unless_it_asks(make_block):
    class Slowish:
        @hookimpl
        def revhyper_register_exporters(self, register):
            register(Exporter("slowish", ".x", "text/plain", lambda b: time.sleep(0.2) or b"done", "slow"))

    plugins.get_plugins().register(Slowish(), "slowish")
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert render(make_block(), "slowish") == b"done"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_command_line_leaves_no_time_limit_behind(tmp_path, capsys):
    from revhyper.export import exporters

    (tmp_path / "p.json").write_text(json.dumps(HEALTHY))
    assert cli.main(["generate", str(tmp_path / "p.json"), "--format", "csv"]) == 0
    assert cli.main(["formats"]) == 0
    assert exporters.set_time_limit(None) == (None, False)


def test_the_qualified_name_of_canonical_json_is_never_adjusted_either(make_block):
    block = make_block()
    assert render_adjusted(block, lambda b: exercises_mapped(b, variant="acme:X")) == b"acme:X"
    assert render(block, "revhyper:json") == render(block, "json") and b"acme:" not in render(block, "revhyper:json")


def test_an_adjuster_that_mutates_the_frozen_block_in_place_and_returns_none_is_caught(make_block):
    def sneaky(block):
        object.__setattr__(block.weeks[0].sessions[0].exercises[0], "sets", 9)
        return None

    with pytest.raises(OutputError, match=r"it changed weeks\[0\]\.sessions\[0\]\.exercises\[0\]\.sets from 3 to 9"):
        render_adjusted(make_block(), sneaky)


def test_a_plugin_that_hangs_while_loading_is_reported_as_broken_and_the_others_load(installed):
    from revhyper.export import exporters

    installed({"hangs": "import time\ntime.sleep(10**6)\n", "fine": WORKS})
    previous = exporters.set_time_limit(0.3)
    try:
        found = plugins.all_exporters()
    finally:
        exporters.set_time_limit(*previous)
    assert "fine" in found
    assert plugins.get_plugins().failures == {
        "hangs": "plugin 'hangs' (from unknown distribution) did not finish loading within 0.3 s"}
    with pytest.raises(OutputError, match="plugin 'hangs' .* did not finish loading"):
        plugins.exporter("hangs")
