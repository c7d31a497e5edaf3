"""Every rule-set error a clinician can make, with the exact file:line:column reported."""

from __future__ import annotations

import textwrap

import pytest

import revhyper
from revhyper.errors import RulesetError

from helpers import ROOT

DEFAULT = (ROOT / "rulesets" / "default.toml").read_text()


def errors(tmp_path, text, name="clinic.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def replaced(old, new):
    assert old in DEFAULT
    return DEFAULT.replace(old, new, 1)


def line_of(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('default_weeks = 12', 'default_weeks = 12\ndefault_wekes = 8',
         "clinic.toml:{line}:1: error: default_wekes: unknown key 'default_wekes' in the top level; expected one of "),
        ('when = "pain.current >= params.high_pain"', 'when = "pain.curent >= params.high_pain"',
         "clinic.toml:{line}:9: error: rules.high_pain.when: unknown field 'pain.curent' (did you mean 'pain.current'?)"),
        ('when = "pain.current >= params.high_pain"', 'when = "pain.current >= params.hgh_pain"',
         "clinic.toml:{line}:25: error: rules.high_pain.when: unknown parameter 'hgh_pain' (did you mean 'high_pain'?)"),
        ('when = "\\"hernia\\" in history.conditions"', 'when = "\\"hernai\\" in history.conditions"',
         "clinic.toml:{line}:9: error: rules.hernia.when: 'hernai' is not in the rule set's conditions vocabulary (did you mean 'hernia'?)"),
        ('when = "pain.radiating_below_knee"', 'when = "pain.radiating_below_knee >= 7"',
         "clinic.toml:{line}:9: error: rules.radiating_pain.when: '>=' compares numbers, but pain.radiating_below_knee is a yes/no value"),
        ('action = "modify"\nreason = "Heavy loads', 'action = "modfy"\nreason = "Heavy loads',
         "clinic.toml:{line}:10: error: rules.hernia.action: 'modfy' is not one of refuse, require_clearance, modify, warn (did you mean 'modify'?)"),
        ('    "ball_reverse_hyper",\n    "prone', '    "ball_reverse_hyperr",\n    "prone',
         "clinic.toml:{line}:5: error: variant_preference[3]: 'ball_reverse_hyperr' is not a variant: "),
        ('source = "silbernagel-2007"\ncaps', 'source = "silbernagle-2007"\ncaps',
         "clinic.toml:{line}:10: error: rules.moderate_pain.source: 'silbernagle-2007' is not a reference key: "),
        ('moderate_pain = 5', 'moderate_pain = 5\nmoderate_pian = 4',
         "clinic.toml:{line}:1: error: parameters.moderate_pian: no rule reads the parameter 'moderate_pian': a misspelt "
         "name leaves the parameter it meant unchanged (did you mean 'moderate_pain'?)"),
        ('format = 1', 'format = 2',
         "clinic.toml:{line}:10: error: format: this rule set is format 2, but this revhyper reads format 1 at most; upgrade revhyper to use it"),
    ],
)
def test_each_mistake_is_reported_at_its_place(tmp_path, old, new, expected):
    text = replaced(old, new)
    found = errors(tmp_path, text)
    marker = next(part for part in new.split("\n") if part not in old.split("\n"))  # the line the mistake is on
    line = line_of(text, marker)
    assert any(f.startswith(expected.format(line=line)) for f in found), found


def test_a_missing_source_is_an_error(tmp_path):
    text = replaced('reason = "With a disc herniation, leg symptoms that spread further down during the exercise are a '
                    'sign to stop and seek advice."\nsource = "clinical-consensus"\n',
                    'reason = "With a disc herniation, leg symptoms that spread further down during the exercise are a '
                    'sign to stop and seek advice."\n')
    found = errors(tmp_path, text)
    assert f"clinic.toml:{line_of(text, '[rules.disc_herniation]')}:1: error: rules.disc_herniation: missing required key 'source'" in found


def test_several_mistakes_in_different_sections_are_all_reported(tmp_path):
    text = replaced("default_weeks = 12", "default_weeks = 99")
    text = text.replace('when = "pain.current >= params.high_pain"', 'when = "pain.curent >= params.high_pain"')
    text = text.replace('[variants.bench_reverse_hyper]\nname', '[variants.bench_reverse_hyper]\nnmae = "x"\nname')
    text = text.replace('deload_every = 4\ndeload_volume_percent = 50\n\n[[programs.endurance.phases]]',
                        'deload_every = -1\ndeload_volume_percent = 50\n\n[[programs.endurance.phases]]')
    found = errors(tmp_path, text)
    assert len(found) == 4, found
    assert [f.split(": error: ")[1].split(":")[0] for f in found] == [
        "default_weeks", "variants.bench_reverse_hyper.nmae", "programs.endurance.deload_every", "rules.high_pain.when"]


def test_bad_toml_syntax_names_line_and_column(tmp_path):
    found = errors(tmp_path, 'format = 1\nid = "x"\n[rules.a\nwhen = 1\n')
    assert found == ["clinic.toml:3:9: error: not valid TOML: Expected ']' at the end of a table declaration"]


def test_duplicate_rule_ids_are_a_toml_error(tmp_path):
    text = DEFAULT + '\n[rules.hernia]\ntitle = "again"\n'
    found = errors(tmp_path, text)
    assert found == [f"clinic.toml:{len(text.splitlines()) - 1}:14: error: not valid TOML: Cannot declare ('rules', 'hernia') twice"]
