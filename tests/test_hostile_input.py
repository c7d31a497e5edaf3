"""Hostile and unlucky input (issue 8): repeated JSON keys, lone surrogates, terminal escapes, and inputs with
thousands of mistakes. Each is a clear bad-input error or escaped text, never a silent loss, a crash or minutes."""

from __future__ import annotations

import gc
import json
import time

import pytest

import revhyper
from revhyper import cli
from revhyper.errors import MAX_PROBLEMS, Omitted, ProfileError, RulesetError, printable

from helpers import HEALTHY, merge

CLINIC_HEAD = 'extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n'


def problems_of(text, name="client.json", kind="json", **kw):
    with pytest.raises(ProfileError) as info:
        revhyper.parse_profile(text, name=name, kind=kind, **kw)
    return info.value.problems


def healthy_json(**changes) -> str:
    return json.dumps(merge(HEALTHY, changes), indent=1)


# -- a key written twice -------------------------------------------------------------------------------

def test_a_section_written_twice_in_json_is_an_error_at_the_repeat_not_a_dropped_red_flag():
    text = healthy_json()[:-2] + ',\n "red_flags": {"fever": true},\n "red_flags": {}\n}'
    [problem] = problems_of(text)
    lines = text.splitlines()
    assert (problem.line, problem.path) == (len(lines) - 1, "red_flags")
    assert lines[problem.line - 1][problem.column - 1:].startswith('"red_flags": {}')
    assert str(problem).startswith(f"client.json:{problem.line}:2: error: red_flags: the key 'red_flags' is written "
                                   f"twice in one table (first at line {problem.line - 1}, column 2)")
    assert "silently drop the first" in problem.message


def test_a_field_written_twice_deep_inside_names_its_key_path_and_both_places():
    text = '{"person": {"age": 40}, "pain": {"current": 8, "duration_weeks": 20, "current": 1},\n' \
           ' "training": {"experience": "novice", "goal": "general", "days_per_week": 3}}'
    [problem] = problems_of(text)
    assert (problem.path, problem.line, problem.column) == ("pain.current", 1, text.rindex('"current"') + 1)
    first = text.index('"current"') + 1
    assert f"(first at column {first})" in problem.message  # on the same line: no line number to repeat


def test_every_repeated_key_is_listed_and_a_repeated_name_in_different_tables_is_fine():
    surgery = {"procedure": "microdiscectomy", "weeks_ago": 30}
    ok = healthy_json(history={"surgeries": [surgery, surgery]})
    assert revhyper.parse_profile(ok, kind="json").history.surgeries[1].weeks_ago == 30
    text = '{"person": {"age": 40, "age": 41}, "pain": {"current": 1, "current": 1}}'
    assert [p.path for p in problems_of(text)] == ["person.age", "pain.current"]


def test_generate_with_a_repeated_key_exits_2_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "client.json"
    path.write_text(healthy_json()[:-2] + ', "red_flags": {"fever": true}, "red_flags": {}}')
    assert cli.main(["generate", str(path)]) == cli.EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert "red_flags: the key 'red_flags' is written twice" in err


# -- lone surrogates -----------------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_json_string_is_bad_input_naming_its_key_path():
    text = healthy_json(person={"id": "ana\\ud800"}).replace("\\\\ud800", "\\ud800")
    [problem] = problems_of(text)
    assert problem.path == "person.id"
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith('"ana\\ud800"')
    assert "'ana\\ud800' is not valid Unicode text" in problem.message  # written as an escape: encodable
    problem.message.encode("utf-8")


def test_a_lone_surrogate_in_a_key_or_deep_in_a_list_is_found_too():
    text = '{"person": {"age": 40, "n\\uDC00te": 1}, "history": {"conditions": ["ok", "\\udfff"]}}'
    assert [p.path for p in problems_of(text)] == ["person.n\\udc00te", "history.conditions[1]"]


def test_a_surrogate_pair_is_one_character_and_is_fine():
    text = healthy_json(person={"id": "ana \\ud83d\\ude00"}).replace("\\\\u", "\\u")
    assert revhyper.parse_profile(text, kind="json").person.id == "ana \N{GRINNING FACE}"


def test_generate_with_a_lone_surrogate_exits_2_not_an_internal_error(tmp_path, capsys):
    path = tmp_path / "client.json"
    path.write_text(healthy_json(person={"id": "x"}).replace('"x"', '"\\ud800"'))
    assert cli.main(["generate", str(path), "--format", "text"]) == cli.EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert "person.id: '\\ud800' is not valid Unicode text" in err and "internal" not in err


def test_a_lone_surrogate_in_text_or_data_from_python_is_bad_input_too():
    [problem] = problems_of('[person]\nid = "ana\ud800"\nage = 40\n', name="p.toml", kind="toml")
    assert (problem.path, problem.line, problem.column) == ("person.id", 2, 10)
    with pytest.raises(ProfileError) as info:
        revhyper.profile_from_data(merge(HEALTHY, {"person": {"id": "ana\udc80"}}))
    assert [p.path for p in info.value.problems] == ["person.id"]
    with pytest.raises(RulesetError) as info:  # a plugin's rule set arrives as text
        revhyper.parse_ruleset(CLINIC_HEAD.replace('"Clinic"', '"Cl\ud800inic"'), name="plugin:x")
    assert (info.value.problems[0].path, info.value.problems[0].line) == ("title", 4)


# -- control characters ----------------------------------------------------------------------------------

def test_printable_escapes_what_a_terminal_acts_on_and_keeps_every_script():
    assert printable("plain text, 3/10") == "plain text, 3/10"
    assert printable("Zoë 李 \N{GRINNING FACE} ñ") == "Zoë 李 \N{GRINNING FACE} ñ"
    assert printable("\x1b[2J\x1b]0;pwned\x07") == "\\x1b[2J\\x1b]0;pwned\\x07"
    assert printable("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert printable("\x9b31m \x7f") == "\\x9b31m \\x7f"  # C1 CSI and DEL
    assert printable("abc\u202edcba \u2028 \u2066") == "abc\\u202edcba \\u2028 \\u2066"  # bidi override, separators
    assert printable("\ud800") == "\\ud800"


def test_a_misspelt_key_with_an_escape_sequence_is_shown_escaped_in_the_error(tmp_path, capsys):
    path = tmp_path / "client.json"
    path.write_text(healthy_json(red_flags={"fever\x1b[m": True}))
    assert cli.main(["generate", str(path)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "red_flags.fever\\x1b[m: unknown key 'fever\\x1b[m' in red_flags" in err
    assert "(did you mean 'fever'?)" in err
    [line] = [x for x in err.splitlines() if "fever" in x]
    assert line.startswith(f"{path}:")


def test_the_text_view_escapes_the_client_id_and_a_newline_cannot_forge_a_line(tmp_path, capsys):
    path = tmp_path / "client.json"
    path.write_text(healthy_json(person={"id": "x\x1b[2J\nStatus: REFUSED\u202e"}))
    assert cli.main(["generate", str(path), "--format", "text"]) == cli.EXIT_GENERATED
    out = capsys.readouterr().out
    assert "Client: x\\x1b[2J\\nStatus: REFUSED\\u202e\n" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert [line for line in out.splitlines() if line.startswith("Status:")] == ["Status: GENERATED"]


def test_rule_set_text_is_escaped_in_the_text_view_explain_check_and_diff(tmp_path, capsys):
    rules = tmp_path / "clinic.toml"
    rules.write_text(CLINIC_HEAD + '\n[rules.suspected_infection]\nreason = "Fever\\u001b[31m means a doctor first."\n'
                     'titel = "x\\u001b]0;t\\u0007"\n')
    assert cli.main(["check", str(rules)]) == cli.EXIT_BAD_INPUT  # the misspelt "titel" is echoed
    out = capsys.readouterr().out
    assert "titel" in out and "\x1b" not in out and "\x07" not in out
    rules.write_text(CLINIC_HEAD + '\n[rules.suspected_infection]\nreason = "Fever\\u001b[31m means a doctor first."\n')
    profile = tmp_path / "client.json"
    profile.write_text(healthy_json(red_flags={"fever": True}))
    for command in (["generate", "--format", "text"], ["explain"]):
        assert cli.main([command[0], str(profile), "--rules", str(rules), *command[1:]]) == cli.EXIT_REFUSED
        out = capsys.readouterr().out
        assert "Fever\\x1b[31m means a doctor first." in out and "\x1b" not in out
    assert cli.main(["diff", "default", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "Fever\\x1b[31m means a doctor first." in out and "\x1b" not in out


def test_a_multi_line_disclaimer_keeps_its_lines_in_the_text_view(tmp_path, capsys):
    rules = tmp_path / "clinic.toml"
    rules.write_text(CLINIC_HEAD + 'disclaimer = """Guidance only.\nSee your physiotherapist."""\n')
    profile = tmp_path / "client.json"
    profile.write_text(healthy_json())
    assert cli.main(["generate", str(profile), "--rules", str(rules), "--format", "text"]) == cli.EXIT_GENERATED
    assert capsys.readouterr().out.endswith("\nGuidance only.\nSee your physiotherapist.\n")


# -- thousands of mistakes: a cap on what is listed, and time that grows linearly -------------------------

def bad_words_profile(count: int) -> str:
    return healthy_json(history={"conditions": [f"w{i}" for i in range(count)]})


def test_past_100_problems_the_rest_are_counted_and_said_last(tmp_path, capsys):
    problems = problems_of(bad_words_profile(5_000))
    assert len(problems) == MAX_PROBLEMS + 1
    assert [p.path for p in problems[:2]] == ["history.conditions[0]", "history.conditions[1]"]
    assert all(p.line is not None and p.suggestion is None or "'w" in p.message for p in problems[:-1])
    last = problems[-1]
    assert isinstance(last, Omitted) and last.count == 4_900
    assert str(last) == ("client.json: error: ... and 4,900 more problems (only the first 100 are listed; fix these "
                         "and run again)")
    path = tmp_path / "client.json"
    path.write_text(bad_words_profile(5_000))
    assert cli.main(["generate", str(path)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 101 and err[-1].endswith("... and 4,900 more problems (only the first 100 are listed; fix these "
                                                "and run again)")


def typo_rules(count: int) -> str:
    return CLINIC_HEAD + "".join(
        f'\n[rules.r{i}]\ntitle = "t"\naction = "require_clearance"\nwhen = "pain.curent >= {i % 10}"\n'
        f'reason = "r"\nsource = "nice-ng59"\n' for i in range(count))


def test_check_counts_every_error_past_the_cap(tmp_path, capsys):
    path = tmp_path / "typos.toml"
    path.write_text(typo_rules(150))
    assert cli.main(["check", str(path)]) == cli.EXIT_BAD_INPUT
    out = capsys.readouterr().out.splitlines()
    assert out[-2].endswith("... and 50 more problems (only the first 100 are listed; fix these and run again)")
    assert out[-1] == "150 errors, 0 warnings"
    assert out[0] == f"{path}:9:9: error: rules.r0.when: unknown field 'pain.curent' (did you mean 'pain.current'?)"


def test_placing_any_number_of_problems_scans_the_file_once(monkeypatch):
    """The count that made locating quadratic: the text was split once more for every problem placed (1,000 /
    2,000 / 4,000 condition typos took 8.5 / 22 / 58 s). Counted, not timed: a count does not depend on the
    machine's load."""
    from revhyper.io import locate

    scans, indexes = [], []
    scan, finditer = locate._TomlScanner.scan, locate.re.finditer
    monkeypatch.setattr(locate._TomlScanner, "scan", lambda self: (scans.append(1), scan(self))[1])
    monkeypatch.setattr(locate.re, "finditer", lambda *a: (indexes.append(1), finditer(*a))[1])
    seen = []
    for count in (20, 300):
        scans.clear()
        indexes.clear()
        with pytest.raises(RulesetError) as info:
            revhyper.parse_ruleset(typo_rules(count), name="typos.toml")
        assert sum(getattr(p, "count", 1) for p in info.value.problems) == count
        seen.append((len(scans), len(indexes)))
    # one scan of the file, and the same few line indexes (re.finditer is patched process-wide: the TOML line
    # checks index the text too), however many problems there are
    assert seen[0] == seen[1] and seen[0][0] == 1 and seen[0][1] <= 2, seen


def grows_linearly(work, small: int, factor: int = 4, runs: int = 5) -> tuple[float, float]:
    """The least times of ``work(small)`` and ``work(small * factor)``, run in turns so that both see the same
    moments of a shared machine (and with the garbage collector off, as it runs at moments of its own). Linear
    is about ``factor`` times, quadratic ``factor ** 2``: the slack (2x) absorbs noise, not a quadratic."""
    work(small)  # warm up: imports, the default rule set
    one = many = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            for size in (small, small * factor):
                start = time.perf_counter()
                work(size)
                took = time.perf_counter() - start
                one, many = (min(one, took), many) if size == small else (one, min(many, took))
    finally:
        gc.enable()
    assert many < 2 * factor * one, f"{small}: {one:.3f} s, {small * factor}: {many:.3f} s"
    return one, many


def test_a_profile_with_thousands_of_bad_words_takes_linear_time():
    def work(count):
        text = bad_words_profile(count)
        with pytest.raises(ProfileError):
            revhyper.parse_profile(text, kind="json")

    grows_linearly(work, 4_000)


def test_merging_a_large_child_vocabulary_takes_linear_time():
    def work(count):
        words = ",\n".join(f'"w{i}"' for i in range(count))  # a word a line: a line may have 10,000 characters
        rules = revhyper.parse_ruleset(CLINIC_HEAD + f"[vocabulary]\nconditions = [{words}]\n", name="big.toml")
        assert len(rules.vocabulary["conditions"]) > count

    grows_linearly(work, 2_500)


def test_the_count_of_omitted_problems_survives_callers_editing_the_list():
    from revhyper.io.report import Reporter

    rep = Reporter("f.toml", "", "toml")
    for i in range(150):
        rep.error(("a", i), "bad")
    for i in range(120):
        rep.warn(("b", i), "odd")
    assert [(p.severity, p.count) for p in rep.problems if isinstance(p, Omitted)] == [("error", 50), ("warning", 20)]
    rep.problems[:0] = [rep.problems[0]]  # a caller puts problems in front: the entries move
    rep.error(("a", 150), "bad")
    assert [p.count for p in rep.errors if isinstance(p, Omitted)] == [51]
    taken = list(rep.problems)
    rep.problems.clear()  # a caller takes the problems (with the entries) elsewhere; later ones are counted anew
    rep.error(("a", 151), "bad")
    assert sum(isinstance(p, Omitted) for p in taken) == 2
    assert [(type(p), p.count) for p in rep.problems] == [(Omitted, 1)]


def test_more_than_100_mistakes_in_an_extending_file_are_counted_too():
    text = CLINIC_HEAD + "".join(f'[disable.no_such_rule_{i}]\nreason = "x"\n' for i in range(130))
    with pytest.raises(RulesetError) as info:
        revhyper.parse_ruleset(text, name="clinic.toml")
    problems = info.value.problems
    assert len(problems) == 101 and problems[0].line == 5
    assert isinstance(problems[-1], Omitted) and problems[-1].count == 30


def test_did_you_mean_remembers_small_sets_of_names_and_still_answers_for_large_ones():
    from revhyper.io.suggest import _remembered, did_you_mean

    _remembered.cache_clear()
    for _ in range(1_000):  # the same typo in 1,000 copied rules is worked out once
        assert did_you_mean("pain.curent", {"pain.current": 1, "pain.duration_weeks": 2}) == "pain.current"
    assert _remembered.cache_info().misses == 1
    many = [f"word_{i}" for i in range(2_000)] + ["spondylolisthesis"]
    assert did_you_mean("spondylolistesis", many) == "spondylolisthesis"
    assert _remembered.cache_info().currsize == 1  # a large set is not kept
    assert did_you_mean("x", [["not", "a", "name"]]) is None

def test_a_lone_surrogate_deep_in_nested_json_is_an_input_error_in_bounded_memory():
    """Placing the key path of a bad character walked every level of a 60,000-deep nesting, copying each path:
    quadratic memory (the fuzz run hit a MemoryError). The scanner stops placing keys past MAX_JSON_DEPTH."""
    import resource

    text = '{"person": ' + "[" * 60_000 + '"\ud800"' + "]" * 60_000 + "}"
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, hard))
    try:
        with pytest.raises(revhyper.ProfileError) as info:
            revhyper.parse_profile(text, name="deep.json")
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert "half of a surrogate pair" in info.value.problems[0].message
