"""A clinician's edit, made, checked, diffed and explained from the command line alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import revhyper
from revhyper.errors import RulesetError

from helpers import EXAMPLES, HEALTHY, merge, cleared

CLINIC = EXAMPLES / "rulesets" / "clinic-north.toml"
PROFILES = EXAMPLES / "profiles"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "revhyper", *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


CHILD_HEAD = 'extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n'


# -- extends -------------------------------------------------------------------------------------

def test_a_child_overrides_parameters_and_rule_fields_and_keeps_the_rest(tmp_path, default_rules):
    path = write(tmp_path, "c.toml", CHILD_HEAD + '[parameters]\nhigh_pain = 6\n[rules.hernia]\ncaps = { max_load_percent = 30 }\n')
    rules = revhyper.load_ruleset(path)
    assert rules.id == "clinic" and rules.extends == ("<default>",)
    assert rules.parameters["high_pain"] == 6 and rules.rule("hernia").caps.max_load_percent == 30
    assert rules.rule("hernia").reason == default_rules.rule("hernia").reason
    assert len(rules.rules) == len(default_rules.rules)
    assert rules.sha256 != default_rules.sha256


def test_the_same_effective_rules_give_the_same_hash(tmp_path, default_rules):
    path = write(tmp_path, "c.toml", 'extends = "default"\nid = "revhyper-default"\nversion = "2.0.0"\n'
                                     'title = "revhyper default rule set"\n')
    assert revhyper.load_ruleset(path).sha256 == default_rules.sha256


def test_a_chain_of_files_resolves_relative_paths(tmp_path):
    (tmp_path / "base").mkdir()
    write(tmp_path / "base", "group.toml", 'extends = "default"\nid = "group"\nversion = "1"\ntitle = "Group"\n'
                                          '[parameters]\nhigh_pain = 6\n')
    path = write(tmp_path, "site.toml", 'extends = "base/group.toml"\nid = "site"\nversion = "1"\ntitle = "Site"\n'
                                        '[parameters]\nmoderate_pain = 4\n')
    rules = revhyper.load_ruleset(path)
    assert rules.extends == ("<default>", str(tmp_path / "base" / "group.toml"))
    assert (rules.parameters["high_pain"], rules.parameters["moderate_pain"]) == (6, 4)


def test_a_cycle_is_an_error_naming_the_chain(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\nid = "a"\nversion = "1"\ntitle = "A"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\nid = "b"\nversion = "1"\ntitle = "B"\n')
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(tmp_path / "a.toml")
    message = str(info.value)
    assert "extend each other in a cycle" in message and f"{tmp_path}/a.toml -> {tmp_path}/b.toml -> {tmp_path}/a.toml" in message


def test_merge_errors_are_all_reported_in_the_child_with_suggestions(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [rules.hig_pain]
        action = "refuse"

        [rules.new_rule]
        title = "x"
        when = "pain.curent > 3"
        action = "warn"
        reason = "r"
        source = "nice-ng59"

        [disable.older_new_pian]
        reason = "typo"

        [disable.hernia]

        [[programs.strength.phases]]
        id = "bulid"
        sets = 3
        '''))
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    found = [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]
    assert found == [
        "c.toml:5:1: error: rules.hig_pain: new rule 'hig_pain' is incomplete: missing title, when, reason, source "
        "(to change a rule of the base, use its exact id) (did you mean 'high_pain'?)",
        "c.toml:10:9: error: rules.new_rule.when: unknown field 'pain.curent' (did you mean 'pain.current'?)",
        "c.toml:15:1: error: disable.older_new_pian: cannot disable 'older_new_pian': no such rule or adaptation in the base rule set "
        "(did you mean 'older_new_pain'?)",
        "c.toml:18:1: error: disable.hernia: missing required key 'reason'",
        "c.toml:21:6: error: programs.strength.phases[0].id: phase 'bulid' is not in the base program (base, build, "
        "strength); to replace a phase use its id, to give the program new phases set replace_phases = true "
        "(did you mean 'build'?)",
    ]


def test_a_child_needs_its_own_id_version_and_title(tmp_path):
    path = write(tmp_path, "c.toml", 'extends = "default"\nid = "c"\n')
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    assert {p.message for p in info.value.problems} == {
        "a rule set that extends another needs its own 'version' (it is a new rule set)",
        "a rule set that extends another needs its own 'title' (it is a new rule set)"}
    assert {(p.line, p.column) for p in info.value.problems} == {(1, 1)}, "pointed at the extends line"


def test_a_warning_about_an_overridden_phase_names_the_phase_and_field_as_each_file_writes_them(tmp_path):
    """The strength program's phases are base, build, strength: a file that overrides only 'strength' writes it
    as its first [[programs.strength.phases]], and a field it leaves alone is still the base file's."""
    write(tmp_path, "region.toml", 'extends = "default"\nid = "region"\nversion = "1"\ntitle = "Region"\n'
          + textwrap.dedent('''\
        [[programs.strength.phases]]
        id = "strength"
        sets = { start = 3, step = 1, limit = 9 }
        '''))
    clinic = write(tmp_path, "clinic.toml", 'extends = "region.toml"\nid = "c"\nversion = "1"\ntitle = "C"\n'
                   + textwrap.dedent('''\
        [[programs.strength.phases]]
        id = "base"
        reps = { start = 10 }
        rest_seconds = 20
        '''))
    result = cli("check", clinic)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"{clinic}:8:16: warning: programs.strength.phases[0].rest_seconds: 20 s rest between sets is under the 30 s "
        'ACSM 2009 (acsm-2009) gives for endurance work; add deliberate = "why" to the phase if meant',
        f"{tmp_path / 'region.toml'}:7:8: warning: programs.strength.phases[0].sets: 9 sets a session is more than "
        'the 1-6 sets of ACSM 2009 (acsm-2009); add deliberate = "why" to the phase if meant']


def test_extending_an_unknown_plugin_or_a_missing_file_is_a_clear_error(tmp_path):
    for target, message in (("plugin:nope", "no installed plugin ships a rule set named 'nope'"),
                            ("missing.toml", "cannot read the rule set it extends")):
        path = write(tmp_path, "c.toml", f'extends = "{target}"\nid = "c"\nversion = "1"\ntitle = "C"\n')
        with pytest.raises(RulesetError, match=message) as info:
            revhyper.load_ruleset(path)
        assert info.value.problems[0].line == 1


def test_replace_phases_gives_a_program_a_new_list(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [programs.general]
        replace_phases = true

        [[programs.general.phases]]
        id = "only"
        name = "Only phase"
        weeks = 1
        sets = 2
        reps = 12
        load = "bodyweight"
        rom_percent = 80
        tempo = "2-1-2-0"
        rest_seconds = 60
        '''))
    rules = revhyper.load_ruleset(path)
    assert [p.id for p in rules.programs["general"].phases] == ["only"]
    assert [p.id for p in rules.programs["strength"].phases] == ["base", "build", "strength"]


def test_disabling_a_rule_changes_the_outcome_and_is_recorded(tmp_path, make_profile):
    path = write(tmp_path, "c.toml", CHILD_HEAD + '[disable.older_new_pain]\nreason = "Assessed in person."\n')
    rules = revhyper.load_ruleset(path)
    assert rules.disabled == (("older_new_pain", "Assessed in person.", str(path)),)
    profile = make_profile(rules=rules, person={"age": 60}, pain={"duration_weeks": 2})
    assert revhyper.generate(profile, rules).status == "generated"
    assert revhyper.generate(profile).status == "needs_clearance"


# -- check ---------------------------------------------------------------------------------------

def test_check_accepts_the_default_and_the_clinic_rule_set():
    for target in ("default", CLINIC, EXAMPLES.parent / "rulesets" / "default.toml"):
        result = cli("check", target)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("ok: ") and "warning" not in result.stdout


def test_a_rule_that_can_never_fire_is_a_load_error_unless_deliberate(tmp_path):
    """A typo like pain.current >= 70 must not load as a safety rule that silently never fires."""
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [rules.never]
        title = "Never"
        when = "pain.current > 8 and pain.current < 3"
        action = "warn"
        reason = "r"
        source = "nice-ng59"

        [rules.impossible]
        title = "Impossible"
        when = "pain.current > 10 or (person.pregnant and not person.pregnant)"
        action = "warn"
        reason = "r"
        source = "nice-ng59"

        [rules.meant]
        title = "Kept on purpose"
        when = "pain.current > 8 and pain.current < 3"
        action = "warn"
        reason = "r"
        source = "nice-ng59"
        deliberate = "Switched off until the new protocol starts."

        [rules.high_pain]
        when = "pain.current >= 70"
        '''))
    result = cli("check", path)
    assert result.returncode == 2
    never = ("this rule can never fire: its condition contradicts itself or asks for values a profile cannot have "
             "(check the numbers and names); add deliberate = \"why\" to keep it")
    assert [line.replace(str(tmp_path) + "/", "") for line in result.stdout.splitlines()] == [
        f"c.toml:7:8: error: rules.never.when: {never}",
        f"c.toml:14:8: error: rules.impossible.when: {never}",
        f"c.toml:28:8: error: rules.high_pain.when: {never}",
        "3 errors, 0 warnings"]


def test_a_parameter_that_stops_a_base_rule_from_ever_firing_is_an_error_at_the_parameter(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + "\n[parameters]\nhigh_pain = 70\nmicrodiscectomy_clearance_weeks = 4\n")
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    assert [(p.file, p.line, p.path, p.message) for p in info.value.problems] == [
        (str(path), 7, "parameters.high_pain", "with high_pain = 70, the rule 'high_pain' (pain.current >= "
         "params.high_pain) can never fire: no profile can have the values it asks for"),
        (str(path), 8, "parameters.microdiscectomy_clearance_weeks", "with microdiscectomy_clearance_weeks = 4, the "
         "rule 'microdiscectomy_recovery' (weeks_since_surgery(\"microdiscectomy\") >= "
         "params.microdiscectomy_no_loading_weeks and weeks_since_surgery(\"microdiscectomy\") < "
         "params.microdiscectomy_clearance_weeks) can never fire: no profile can have the values it asks for"),
    ]


def test_check_warns_about_rules_that_are_shadowed_loosen_caps_or_step_too_fast(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [rules.under_refusal]
        title = "Under a refusal"
        when = "red_flags.fever and pain.current >= 3"
        action = "modify"
        reason = "r"
        source = "nice-ng59"
        caps = { max_sets = 2 }

        [rules.weaker]
        title = "Weaker than high_pain"
        when = "pain.current >= 8"
        action = "modify"
        reason = "r"
        source = "nice-ng59"
        caps = { max_sets = 3 }

        [rules.high_pain]
        caps = { bodyweight_only = true, max_sets = 3 }

        [[programs.strength.phases]]
        id = "build"
        load_percent = { start = 70, step = 10, limit = 90 }
        '''))
    result = cli("check", path)
    assert result.returncode == 0
    lines = [line.replace(str(tmp_path) + "/", "") for line in result.stdout.splitlines()]
    assert lines[:-1] == [
        "c.toml:22:8: warning: rules.high_pain.caps: this override drops the base's cap max_rom_percent = 80 "
        "(caps replace the whole table: repeat the caps you keep)",
        "c.toml:22:8: warning: rules.high_pain.caps: this override loosens the base's cap max_sets from 2 to 3",
        "c.toml:5:1: warning: rules.under_refusal: shadowed by 'suspected_infection': whenever this rule fires, "
        "'suspected_infection' refuses too, so this rule never changes a block; add deliberate = \"why\" if that is meant",
        "c.toml:13:1: warning: rules.weaker: shadowed by 'high_pain': it always fires with this rule and its caps are as "
        "strict or stricter, so this rule never changes a block; add deliberate = \"why\" if that is meant",
        "c.toml:26:16: warning: programs.strength.phases[0].load_percent: the load rises up to 14.3 % in a week; "
        "ACSM 2009 (acsm-2009) gives steps of 2-10 %; add deliberate = \"why\" to the phase if meant",
    ]
    assert lines[-1].startswith(f"ok: clinic 1, {len(revhyper.default_ruleset().rules) + 2} rules") and lines[-1].endswith("(5 warnings)")
    assert cli("check", path, "--strict").returncode == 2


def test_check_does_not_warn_about_what_it_cannot_prove(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [rules.possible]
        title = "Possible"
        when = "pain.current > 3 and pain.current < 8 or weeks_since_surgery(\\"laminectomy\\") < 2"
        action = "modify"
        reason = "r"
        source = "nice-ng59"
        caps = { max_sets = 1 }
        '''))
    result = cli("check", path)
    assert result.returncode == 0 and "warning" not in result.stdout


def test_check_reports_every_error_and_exits_2_with_json_for_machines(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + '[rules.hernia]\naction = "modfy"\nwhen = "pain.curent > 3"\n')
    result = cli("check", path, "--format", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [(p["line"], p["path"], p["suggestion"]) for p in report["problems"]] == [
        (6, "rules.hernia.action", "modify"), (7, "rules.hernia.when", "pain.current")]


# -- explain ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["healthy-strength.toml", "chronic-rehab.toml", "post-microdiscectomy.toml",
                                  "pregnant-cleared.toml", "endurance-runner.json", "home-no-machine.toml"])
def test_explain_derives_exactly_the_numbers_of_the_block(name):
    profile = revhyper.load_profile(PROFILES / name)
    block = revhyper.generate(profile)
    result = cli("explain", PROFILES / name, "--format", "json")
    assert result.returncode == 0
    trace = json.loads(result.stdout)
    assert len(trace["week_by_week"]) == len(block.weeks)
    for week, derived in zip(block.weeks, trace["week_by_week"]):
        e = week.sessions[0].exercises[0]
        assert (derived["sets"], derived["reps"], derived["rom_percent"], derived["rest_seconds"], derived["load_kg"],
                derived["load_percent"], derived["deload"]) == (e.sets, e.reps, e.rom_percent, e.rest_seconds, e.load_kg,
                                                                 e.load_percent, week.deload)
    assert trace["variant"]["chosen"] == block.plan.variant
    assert trace["days_per_week"]["value"] == block.plan.days_per_week


def test_explain_shows_every_rule_with_the_values_it_read_and_which_cap_won(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(merge(HEALTHY, {"pain": {"current": 7, "extension_aggravates": True},
                                                  "clearance": cleared("high_pain", by="Dr. A")})))
    result = cli("explain", profile)
    assert result.returncode == 0
    text = result.stdout
    assert "FIRED high_pain [require_clearance]: pain.current >= params.high_pain" in text
    assert "read: pain.current = 7, params.high_pain = 7" in text
    assert "no    hernia [modify]" in text
    assert "max_rom_percent = 80 from high_pain; weaker: moderate_pain 100, extension_aggravates 100" in text
    assert "load: bodyweight: cap bodyweight_only" in text
    assert len([line for line in text.splitlines() if line.startswith(("  FIRED", "  no "))]) == len(revhyper.default_ruleset().rules)


def test_explain_names_disabled_rules_and_exits_like_generate(tmp_path):
    result = cli("explain", PROFILES / "spondylolisthesis.toml", "--rules", CLINIC)
    assert result.returncode == 3
    assert "disabled: older_new_pain (Every Clinic North client is assessed in person" in result.stdout
    assert "needs clearance because extension_sensitive_diagnosis requires clearance" in result.stdout


# -- diff and new-ruleset ------------------------------------------------------------------------------

def test_diff_shows_the_clinics_changes_rule_by_rule():
    result = cli("diff", "default", CLINIC, "--format", "json")
    assert result.returncode == 0
    diff = json.loads(result.stdout)
    assert [r["rule"] for r in diff["rules"]["added"]] == ["axial_spondyloarthritis"]
    assert diff["rules"]["disabled"][0]["rule"] == "older_new_pain"
    changed = {c["rule"]: {f["field"]: f for f in c["changes"]} for c in diff["rules"]["changed"]}
    assert changed["high_pain"]["caps"]["to"]["max_sets"] == 1 and changed["high_pain"]["caps"]["from"]["max_sets"] == 2
    assert diff["parameters"]["changed"]["microdiscectomy_no_loading_weeks"] == {"from": 6, "to": 8}
    assert diff["vocabulary"] == {"conditions": {"added": ["axial_spondyloarthritis"], "removed": []},
                                  "clinician_roles": {"added": ["rheumatologist"], "removed": []}}
    assert diff["settings"]["changed"]["clearance"]["to"] == {"roles": ["physician", "physiotherapist"], "valid_weeks": 12}
    assert changed["pregnancy"]["clearance"] == {"field": "clearance",
                                                 "from": {"roles": ["obstetric_provider", "physician"], "valid_weeks": 26},
                                                 "to": {"roles": ["obstetric_provider", "physician"], "valid_weeks": 12}}
    assert diff["programs"]["rehabilitation"]["phases_changed"]["activation"]["rom_percent"]["to"]["start"] == 40
    text = cli("diff", "default", CLINIC).stdout
    assert "  - older_new_pain disabled: Every Clinic North client" in text
    assert ("      caps: { bodyweight_only = true, max_rom_percent = 80, max_sets = 2 } -> "
            "{ bodyweight_only = true, max_rom_percent = 80, max_sets = 1 }") in text.splitlines(), "values as TOML"
    assert "  ~ phase activation rom_percent: { start = 50, step = 10, limit = 80 } -> { start = 40, step = 10, limit = 80 }" in text
    assert cli("diff", "default", "default").stdout.endswith("No differences.\n")


def test_new_ruleset_writes_a_commented_file_that_loads_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "clinic.toml"
    result = cli("new-ruleset", "--extends", "default", "-o", out, "--id", "clinic-east")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# A clinic's rule set") and 'extends = "default"' in text and "# [disable." in text
    assert "#   high_pain" in text and "# high_pain = 7" in text
    rules = revhyper.load_ruleset(out)
    assert rules.id == "clinic-east" and len(rules.rules) == len(revhyper.default_ruleset().rules)
    again = cli("new-ruleset", "-o", out)
    assert again.returncode == 2 and "add --force" in again.stderr
    assert cli("new-ruleset", "-o", out, "--force", "--extends", CLINIC).returncode == 0
    assert 'extends = "' in out.read_text() and revhyper.load_ruleset(out).extends[-1] == str(CLINIC)


# -- the clinic's rule set against the default, on the same profiles -------------------------------------

def outcome(rules, **changes):
    data = merge(HEALTHY, changes)
    block = revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)
    return block


@pytest.fixture(scope="module")
def clinic():
    return revhyper.load_ruleset(CLINIC)


def test_clinic_north_is_stricter_after_surgery(clinic, default_rules):
    seven_weeks = {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 7}]},
                   "clearance": cleared("microdiscectomy_recovery", role="surgeon", by="Dr. S")}
    assert outcome(default_rules, **seven_weeks).status == "generated"
    assert outcome(clinic, **seven_weeks).status == "refused"
    fourteen = {"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 14}]}}
    assert outcome(default_rules, **fourteen).status == "needs_clearance"
    assert outcome(clinic, **fourteen).status == "refused"


def test_clinic_north_does_not_ask_older_clients_with_new_pain_for_clearance(clinic, default_rules):
    changes = {"person": {"age": 62}, "pain": {"duration_weeks": 3}}
    assert outcome(default_rules, **changes).status == "needs_clearance"
    assert outcome(clinic, **changes).status == "generated"


def test_clinic_north_knows_axial_spondyloarthritis(clinic, default_rules):
    changes = {"history": {"conditions": ["axial_spondyloarthritis"]}}
    with pytest.raises(revhyper.ProfileError, match="not in the rule set's conditions vocabulary"):
        outcome(default_rules, **changes)
    assert outcome(clinic, **changes).status == "needs_clearance"
    done = outcome(clinic, clearance=cleared("axial_spondyloarthritis", role="rheumatologist", by="Dr. R"), **changes)
    assert done.status == "generated" and max(s.exercises[0].rom_percent for s in done.sessions()) == 100
    physio = outcome(clinic, clearance=cleared("axial_spondyloarthritis", role="physiotherapist"), **changes)
    assert physio.status == "needs_clearance"  # the clinic's rule: the rheumatology team (or a physician) clears it
    assert "a physiotherapist may not clear this rule; it needs a rheumatologist or a physician" in \
        physio.screening.clearance_rules[0].rejected[0].reasons


def test_clinic_north_allows_one_set_in_high_pain_and_grows_rehab_range_slower(clinic, default_rules):
    high = {"pain": {"current": 8}, "clearance": cleared("high_pain", by="Dr. A")}
    assert max(s.exercises[0].sets for s in outcome(clinic, **high).sessions()) == 1
    assert max(s.exercises[0].sets for s in outcome(default_rules, **high).sessions()) == 2
    rehab = {"training": {"goal": "rehabilitation"}}
    assert outcome(clinic, **rehab).weeks[0].sessions[0].exercises[0].rom_percent == 40
    assert outcome(default_rules, **rehab).weeks[0].sessions[0].exercises[0].rom_percent == 50


def test_generate_uses_a_custom_rule_set_and_records_it(tmp_path):
    result = cli("generate", PROFILES / "chronic-rehab.toml", "--rules", CLINIC)
    block = json.loads(result.stdout)
    assert block["ruleset"]["id"] == "clinic-north" and block["ruleset"]["version"] == "2026.1"
    assert block["ruleset"]["sha256"] == revhyper.load_ruleset(CLINIC).sha256


def test_a_misspelt_parameter_override_is_an_error_not_a_threshold_that_never_applies(tmp_path):
    """high_pian = 6 would add a parameter no rule reads and leave high_pain at 7: the stricter threshold the
    clinician wrote would silently never apply."""
    path = write(tmp_path, "c.toml", CHILD_HEAD + "\n[parameters]\nhigh_pian = 6\n")
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.path) == (str(path), 7, 1, "parameters.high_pian")
    assert problem.suggestion == "high_pain"
    result = cli("check", path)
    assert result.returncode == 2 and "did you mean 'high_pain'?" in result.stdout


def test_disabling_the_only_rule_that_reads_a_base_parameter_is_fine_but_overriding_that_parameter_is_not(tmp_path):
    disable = '\n[disable.older_new_pain]\nreason = "Every client is assessed in person first."\n'
    rules = revhyper.load_ruleset(write(tmp_path, "a.toml", CHILD_HEAD + disable))
    assert "older_new_pain" not in {r.id for r in rules.rules} and rules.parameters["older_age"] == 50
    path = write(tmp_path, "b.toml", CHILD_HEAD + disable + "\n[parameters]\nolder_age = 55\n")
    with pytest.raises(RulesetError, match="no rule reads the parameter 'older_age': remove it, or check that the "
                                           "rule meant to read it is not disabled or misspelt"):
        revhyper.load_ruleset(path)


WHOLE = " (this [variants.machine_reverse_hyper] replaces the base's whole, not key by key: repeat the keys you keep)"


def test_errors_in_an_overridden_phase_or_variant_name_the_file_s_own_paths_and_nothing_else(tmp_path):
    path = write(tmp_path, "c.toml", CHILD_HEAD + textwrap.dedent('''\
        [[programs.strength.phases]]
        id = "build"
        sets = { strat = 3 }

        [variants.machine_reverse_hyper]
        tagz = ["x"]
        '''))
    with pytest.raises(RulesetError) as info:
        revhyper.load_ruleset(path)
    assert [(p.line, p.path, p.message) for p in info.value.problems] == [
        (7, "programs.strength.phases[0].sets", "missing required key 'start'"),
        (7, "programs.strength.phases[0].sets.strat", "unknown key 'strat' in programs.strength.phases[0].sets; "
                                                      "expected one of start, step, limit"),
        (9, "variants.machine_reverse_hyper", f"missing required key 'name'{WHOLE}"),
        (9, "variants.machine_reverse_hyper", f"missing required key 'equipment_any'{WHOLE}"),
        (10, "variants.machine_reverse_hyper.tagz", "unknown key 'tagz' in variants.machine_reverse_hyper; expected one "
                                                    "of name, equipment_any, description, loadable, tags, cues, max_user_mass_kg"),
    ], "no second error in the default's variant_preference for a variant that has errors of its own"
    assert all(p.file == str(path) for p in info.value.problems)
