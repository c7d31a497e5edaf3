"""Scoped clearances: a clearance names rules, comes from a clinician role, on a date; the rule set says who may clear
a rule and for how long; the block says why each clearance counted or not; the clearance request."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import tomli_w

import revhyper
from revhyper.cli import main

from helpers import EXAMPLES, HEALTHY, cleared, merge

SPONDY = {"history": {"conditions": ["spondylolisthesis"]}}
FUSION_14 = {"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 14}]}}


def block(rules=None, **changes):
    rules = rules or revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(merge(HEALTHY, changes), ruleset=rules), rules)


def decision(b, rule_id):
    return next(d for d in b.screening.clearance_rules if d.rule == rule_id)


def reasons(b, rule_id, index=0):
    return next(r.reasons for r in decision(b, rule_id).rejected if r.clearance == index)


# -- the decision ------------------------------------------------------------------------------------

def test_a_clearance_counts_for_the_rule_it_names_from_a_role_that_may_clear_it():
    b = block(**SPONDY, clearance=cleared("extension_sensitive_diagnosis", role="physiotherapist", date="2026-11-20"))
    assert b.status == "generated" and b.screening.clearance_given
    d = decision(b, "extension_sensitive_diagnosis")
    assert d.cleared_by == 0 and d.roles == ("physician", "physiotherapist") and d.valid_weeks == 26
    assert d.valid_until.isoformat() == "2027-05-20"  # 26 weeks from 2026-11-20, less a day


def test_a_midwifes_clearance_for_pregnancy_does_not_clear_spondylolisthesis():
    b = block(person={"pregnant": True, "sex": "female"}, **SPONDY,
              clearance=cleared("pregnancy", role="obstetric_provider", by="R. Silva, midwife"))
    assert b.status == "needs_clearance"
    assert decision(b, "pregnancy").cleared_by == 0
    assert decision(b, "extension_sensitive_diagnosis").cleared_by is None
    assert reasons(b, "extension_sensitive_diagnosis") == (
        "it does not name extension_sensitive_diagnosis (it clears pregnancy)",)


def test_an_obstetric_provider_may_not_clear_spondylolisthesis_even_when_naming_it():
    b = block(**SPONDY, clearance=cleared("extension_sensitive_diagnosis", role="obstetric_provider"))
    assert b.status == "needs_clearance"
    assert reasons(b, "extension_sensitive_diagnosis") == (
        "an obstetric provider may not clear this rule; it needs a physician or a physiotherapist",)


def test_a_clearance_from_2023_does_not_clear_a_fusion_done_14_weeks_ago():
    b = block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="surgeon", date="2023-05-02"))
    assert b.status == "needs_clearance"
    assert reasons(b, "lumbar_fusion_recovery") == (
        "it was valid for 26 weeks, until 2023-10-30; the block starts on 2026-12-07",
        "it is dated 2023-05-02, before the lumbar fusion surgery it would clear (2026-08-31)")
    assert decision(b, "lumbar_fusion_recovery").since[0] == "lumbar fusion surgery"


def test_a_surgeons_recent_clearance_clears_the_fusion_and_a_physios_does_not():
    assert block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="surgeon")).status == "generated"
    physio = block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="physiotherapist"))
    assert physio.status == "needs_clearance"
    assert reasons(physio, "lumbar_fusion_recovery") == (
        "a physiotherapist may not clear this rule; it needs a surgeon or a physician",)


def test_a_clearance_dated_before_the_surgery_it_clears_does_not_count_but_one_on_the_day_does():
    before = block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="surgeon", date="2026-08-30"))
    assert reasons(before, "lumbar_fusion_recovery") == (
        "it is dated 2026-08-30, before the lumbar fusion surgery it would clear (2026-08-31)",)
    assert block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="surgeon",
                                                 date="2026-08-31")).status == "generated"


def spine_review() -> revhyper.RuleSet:
    """A clinic rule reading two operations (the default rule set gives each operation its own rules)."""
    return revhyper.parse_ruleset('''extends = "default"
id = "clinic"
version = "1"
title = "Clinic"

[rules.spine_surgery_review]
title = "Laminectomy or disc replacement in the last year"
when = "weeks_since_surgery(\\"laminectomy\\") < 52 or weeks_since_surgery(\\"lumbar_disc_replacement\\") < 52"
action = "require_clearance"
reason = "Reviewed by the surgical team in the first year."
source = "clinical-consensus"
clearance = { roles = ["surgeon"] }
''', name="clinic.toml")


def test_the_latest_of_the_surgeries_a_rule_reads_is_the_one_a_clearance_must_follow():
    rules = spine_review()
    two = {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 40},
                                     {"procedure": "lumbar_disc_replacement", "weeks_ago": 20}]}}
    b = block(rules, **two, clearance=cleared("spine_surgery_review", role="surgeon", date="2026-07-01"))
    assert b.status == "needs_clearance"
    assert decision(b, "spine_surgery_review").since[1].isoformat() == "2026-07-20"  # 20 weeks before 2026-12-07
    assert reasons(b, "spine_surgery_review") == (  # after the laminectomy, but not after the later operation
        "it is dated 2026-07-01, before the lumbar disc replacement surgery it would clear (2026-07-20)",)
    after = block(rules, **two, clearance=cleared("spine_surgery_review", role="surgeon", date="2026-07-20"))
    assert after.status == "generated" and decision(after, "spine_surgery_review").cleared_by == 0


def test_a_clearance_from_before_this_episode_of_pain_does_not_count():
    b = block(pain={"current": 8, "duration_weeks": 4}, clearance=cleared("high_pain", date="2026-10-01"))
    assert reasons(b, "high_pain") == (
        "it is dated 2026-10-01, before the pain episode it would clear (2026-11-09)",)


def test_validity_ends_after_the_rules_valid_weeks():
    long = {**SPONDY, "pain": {"duration_weeks": 60}}
    on_last_day = block(**long, clearance=cleared("extension_sensitive_diagnosis", date="2026-06-09"))
    assert on_last_day.status == "generated"  # 2026-06-09 + 26 weeks = 2026-12-08: still valid on the 7th
    assert len(on_last_day.weeks) == 1, "but not in week 2: the block ends where the clearance lapses"
    a_day_late = block(**long, clearance=cleared("extension_sensitive_diagnosis", date="2026-06-08"))
    assert a_day_late.status == "needs_clearance"
    assert reasons(a_day_late, "extension_sensitive_diagnosis")[0].startswith(
        "it was valid for 26 weeks, until 2026-12-06")


def test_without_a_start_date_no_clearance_counts_and_the_block_says_why():
    data = merge(HEALTHY, {**SPONDY, "clearance": cleared("extension_sensitive_diagnosis")})
    del data["training"]["start_date"]
    b = revhyper.generate(revhyper.profile_from_data(data))
    assert b.status == "needs_clearance"
    (reason,) = reasons(b, "extension_sensitive_diagnosis")
    assert reason.startswith("training.start_date is not given") and reason.endswith("add training.start_date")
    assert decision(b, "extension_sensitive_diagnosis").since is None


def test_every_rule_needs_its_own_counting_clearance_and_several_clinicians_may_share_them():
    changes = dict(person={"pregnant": True, "sex": "female"}, **SPONDY)
    both = cleared("pregnancy", role="obstetric_provider") + cleared("extension_sensitive_diagnosis",
                                                                    role="physiotherapist")
    b = block(**changes, clearance=both)
    assert b.status == "generated"
    assert [decision(b, r).cleared_by for r in ("extension_sensitive_diagnosis", "pregnancy")] == [1, 0]


def test_restrictions_of_every_clearance_apply_even_one_that_does_not_count():
    b = block(**SPONDY, clearance=cleared("extension_sensitive_diagnosis", role="surgeon",
                                          restrictions=["two_sessions_a_week"])
              + cleared(role="physiotherapist", restrictions=["no_prone", "two_sessions_a_week"]))
    assert b.screening.restrictions == ("two_sessions_a_week", "no_prone")
    assert {cap.name for cap in b.screening.caps} >= {"max_sessions_per_week", "avoid_tags"}


def test_clearing_a_rule_that_does_not_fire_is_a_warning_not_an_error():
    b = block(clearance=cleared("pregnancy", role="obstetric_provider", by="R. Silva"))
    assert b.status == "generated"
    assert b.warnings == ("Clearance 1 (obstetric provider R. Silva, 2026-11-30) names pregnancy, which does not "
                          "apply to this client: it clears nothing there. Check that the clearance belongs to this client.",)


def test_a_clearance_that_only_sets_restrictions_clears_nothing():
    b = block(**SPONDY, clearance=[{"rules": [], "role": "physiotherapist", "date": "2026-11-30",
                                    "restrictions": ["no_prone"]}])
    assert b.status == "needs_clearance" and b.screening.restrictions == ("no_prone",)
    assert b.warnings == ()


# -- profile errors ----------------------------------------------------------------------------------

def problems(data, rules=None):
    with pytest.raises(revhyper.ProfileError) as caught:
        revhyper.profile_from_data(merge(HEALTHY, data), ruleset=rules)
    return [(p.path, p.message + ("\n" + p.detail if p.detail else ""), p.suggestion) for p in caught.value.problems]


def test_unknown_rule_ids_and_roles_are_errors_with_did_you_mean_all_at_once():
    found = problems({"clearance": [{"rules": ["extension_sensitiv_diagnosis", "spondylolisthesis"], "role": "physio",
                                     "date": "2026-12-20"}]})
    assert [(path, suggestion) for path, _, suggestion in found] == [
        ("clearance[0].rules[0]", "extension_sensitive_diagnosis"),
        ("clearance[0].rules[1]", "extension_sensitive_diagnosis"),
        ("clearance[0].role", "physiotherapist"),
        ("clearance[0].date", None)]
    assert "the rule that reads 'spondylolisthesis' is extension_sensitive_diagnosis" in found[1][1]
    assert "'physio' is not in the rule set's clinician_roles vocabulary" in found[2][1]
    assert "after training.start_date 2026-12-07" in found[3][1]


def test_a_refusing_rule_cannot_be_cleared():
    ((path, message, _),) = problems({"clearance": cleared("cauda_equina")})
    assert path == "clearance[0].rules[0]"
    assert "'cauda_equina' cannot be cleared: it refuses and refers, and no clearance overrides that" in message


def test_rules_role_and_date_are_required():
    found = problems({"clearance": [{"by": "Dr A"}]})
    assert sorted(m for _, m, _ in found) == sorted(f"missing required key '{k}'" for k in ("rules", "role", "date"))


def test_the_old_clearance_table_is_an_error_showing_the_new_form_ready_to_paste(tmp_path):
    old = merge(HEALTHY, {**SPONDY, "clearance": {"cleared": True, "by": "J. Okafor, physiotherapist",
                                                  "date": "2026-11-20", "restrictions": ["no_prone"]}})
    text = tomli_w.dumps(old)
    with pytest.raises(revhyper.ProfileError) as caught:
        revhyper.parse_profile(text, name="old.toml", kind="toml")
    ((problem),) = caught.value.problems
    assert problem.path == "clearance" and "old form" in problem.message
    assert problem.message.endswith("Write instead:")
    new_form = problem.detail
    fixed = {k: v for k, v in tomllib.loads(text).items() if k != "clearance"}
    fixed.update(tomllib.loads(new_form))
    profile = revhyper.profile_from_data(fixed)
    (c,) = profile.clearance
    assert (c.rules, c.role, c.by, c.date.isoformat(), c.restrictions) == (
        ("extension_sensitive_diagnosis",), "physiotherapist", "J. Okafor, physiotherapist", "2026-11-20", ("no_prone",))
    assert revhyper.generate(profile).status == "generated"


def test_the_old_form_in_json_shows_json_and_a_role_placeholder_when_by_names_none():
    ((path, message, _),) = problems({"pain": {"current": 8}, "clearance": {"cleared": True, "by": "Dr A"}})
    assert path == "clearance"
    shown = json.loads(message.split("):\n", 1)[1])
    assert shown == {"clearance": [{"rules": ["high_pain"], "role": "ROLE", "by": "Dr A", "date": "YYYY-MM-DD"}]}


def test_the_old_form_with_nothing_cleared_says_to_remove_it():
    ((_, message, _),) = problems({"clearance": {"cleared": False}})
    assert message.endswith("This one records no clearance: remove it.")


# -- rule sets ---------------------------------------------------------------------------------------

def ruleset_problems(text, tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(text)
    with pytest.raises(revhyper.RulesetError) as caught:
        revhyper.load_ruleset(path)
    return [(p.path, p.message, p.suggestion, p.line) for p in caught.value.problems]


HEAD = 'extends = "default"\nid = "c"\nversion = "1"\ntitle = "C"\n'


def test_a_rules_clearance_roles_must_be_clinician_roles_with_did_you_mean(tmp_path):
    found = ruleset_problems(HEAD + '[rules.pregnancy]\nclearance = { roles = ["midwif"], valid_weeks = 600 }\n'
                                    '[clearance]\nvalid_wekes = 4\n', tmp_path)
    assert ("rules.pregnancy.clearance.roles[0]", "obstetric_provider") not in [(p, s) for p, _, s, _ in found]
    by_path = {p: (m, s, line) for p, m, s, line in found}
    assert by_path["clearance.valid_wekes"][1] == "valid_weeks" and by_path["clearance.valid_wekes"][2] == 8
    assert "'midwif' is not a clinician role" in by_path["rules.pregnancy.clearance.roles[0]"][0]
    assert "expected a whole number from 1 to 520, got 600" in by_path["rules.pregnancy.clearance.valid_weeks"][0]


def test_clearance_goes_only_with_require_clearance_rules(tmp_path):
    found = ruleset_problems(HEAD + '[rules.hernia]\nclearance = { roles = ["physician"] }\n', tmp_path)
    assert [(p, m) for p, m, _, _ in found] == [
        ("rules.hernia.clearance", "a 'modify' rule is not cleared by a clinician; clearance goes with require_clearance")]


def test_a_rule_set_without_a_clearance_policy_for_a_rule_is_an_error():
    data = tomllib.loads(revhyper.rules.ruleset_loader.default_ruleset_text())
    del data["clearance"]
    with pytest.raises(revhyper.RulesetError) as caught:
        revhyper.parse_ruleset(tomli_w.dumps(data), name="bare.toml")
    paths = {p.path for p in caught.value.problems}
    assert "rules.high_pain" in paths and "rules.pregnancy" not in paths  # pregnancy names its roles, not valid_weeks
    assert any("needs to say who may clear it" in p.message for p in caught.value.problems)


def test_a_child_changes_who_may_clear_and_for_how_long(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(HEAD + '[vocabulary]\nclinician_roles = ["chiropractor"]\n[clearance]\nvalid_weeks = 4\n'
                           '[rules.high_pain]\nclearance = { roles = ["chiropractor"] }\n')
    rules = revhyper.load_ruleset(path)
    assert rules.rule("high_pain").clearance.roles == ("chiropractor",)
    assert rules.rule("high_pain").clearance.valid_weeks == 4
    assert rules.rule("pregnancy").clearance.valid_weeks == 4
    old = block(rules, pain={"current": 8}, clearance=cleared("high_pain", role="chiropractor", date="2026-11-01"))
    assert old.status == "needs_clearance"
    assert reasons(old, "high_pain") == ("it was valid for 4 weeks, until 2026-11-28; the block starts on 2026-12-07",)
    assert block(rules, pain={"current": 8},
                 clearance=cleared("high_pain", role="chiropractor", date="2026-11-20")).status == "generated"


def test_check_and_the_default_give_every_require_clearance_rule_a_policy():
    for rule in revhyper.default_ruleset().rules:
        assert (rule.clearance is not None) == (rule.action == "require_clearance"), rule.id
    assert main(["check", "default"]) == 0


# -- explain and the clearance request ----------------------------------------------------------------

def test_explain_shows_why_each_clearance_counted_or_not(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(merge(HEALTHY, {"person": {"pregnant": True, "sex": "female"}, **SPONDY,
                                               "clearance": cleared("pregnancy", role="obstetric_provider",
                                                                    by="R. Silva")})))
    assert main(["explain", str(path)]) == 3
    out = capsys.readouterr().out
    assert "  given: clearance 1 (obstetric provider R. Silva, 2026-11-30): clears pregnancy" in out
    assert ("  pregnancy (may clear: obstetric_provider, physician; valid 26 weeks): counted: clearance 1 "
            "(obstetric provider R. Silva, 2026-11-30), valid until 2027-05-30") in out
    assert "  extension_sensitive_diagnosis (may clear: physician, physiotherapist; valid 26 weeks): NOT cleared" in out
    assert ("        clearance 1 (obstetric provider R. Silva, 2026-11-30) did not count: it does not name "
            "extension_sensitive_diagnosis (it clears pregnancy)") in out


def request(b, name="clearance-request"):
    from revhyper.export import exporters

    return exporters.render(b, name).decode("utf-8")


def test_the_clearance_request_lists_what_the_clinician_needs_and_the_table_to_fill_in():
    b = block(**FUSION_14, **{"person": {"id": "lee-57", "age": 57}},
              clearance=cleared("lumbar_fusion_recovery", role="physiotherapist", date="2026-09-10"))
    text = request(b)
    assert "Client: lee-57" in text
    assert "## Lumbar fusion in the last year (`lumbar_fusion_recovery`)" in text
    assert "- Why: After a fusion, loaded spinal exercise needs the surgeon's clearance" in text
    assert "- What the profile says: weeks\\_since\\_surgery(\"lumbar\\_fusion\") = 14" in text
    assert "- May clear it: surgeon or physician. A clearance counts for 26 weeks from its date and must not be dated " \
           "before the lumbar fusion surgery (2026-08-31)." in text
    assert ("- Clearance 1 (physiotherapist, 2026-09-10) did not count: a physiotherapist may not clear this rule; it "
            "needs a surgeon or a physician") in text
    assert "- `no_prone`: No exercise lying face down." in text
    table = text.split("```toml\n", 1)[1].split("```", 1)[0]
    assert tomllib.loads(table)["clearance"] == [{"rules": ["lumbar_fusion_recovery"], "role": "ROLE", "by": "",
                                                  "date": "YYYY-MM-DD", "restrictions": []}]
    assert '# one of: surgeon | physician' in table


def test_filling_in_the_requested_table_clears_the_block():
    both = {"history": {**FUSION_14["history"], **SPONDY["history"]}}
    b = block(**both)
    table = request(b).split("```toml\n", 1)[1].split("```", 1)[0]
    filled = tomllib.loads(table)["clearance"]
    assert [t["rules"] for t in filled] == [["lumbar_fusion_recovery"], ["extension_sensitive_diagnosis"]]
    for entry, role in zip(filled, ("surgeon", "physiotherapist")):
        entry.update(role=role, by="Dr X", date="2026-12-01")
    assert block(**both, clearance=filled).status == "generated"


def test_the_request_escapes_what_the_profile_and_rule_set_hold(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_text(HEAD + '[rules.high_pain]\nreason = "Pain <script>alert(1)</script> *high* [x](javascript:y) `z`"\n'
                           '[restrictions.no_prone]\ndescription = "<b>no</b> | prone & **bold**"\n'
                           'caps = { avoid_tags = ["prone"] }\n')
    rules = revhyper.load_ruleset(path)
    b = block(rules, person={"id": "<img src=x onerror=1>"}, pain={"current": 8})
    md = request(b)
    assert not re.search(r"(?<!\\)[<`*\[]", md.split("```toml")[0].replace("`high_pain`", "").replace("`no_prone`", "")
                         .replace("`no_hyperextension`", "").replace("`bodyweight_only`", "").replace("`light_load`", "")
                         .replace("`two_sessions_a_week`", "")), "only escaped markup outside code spans"
    assert "Pain &lt;script&gt;alert(1)&lt;/script&gt; \\*high\\* \\[x\\](javascript:y) \\`z\\`" in md
    assert "&lt;b&gt;no&lt;/b&gt; \\| prone &amp; \\*\\*bold\\*\\*" in md
    page = request(b, "clearance-request-html")
    assert "<script>" not in page and "<img" not in page and "<b>no" not in page
    assert "Pain &lt;script&gt;alert(1)&lt;/script&gt;" in page and "Client: &lt;img src=x onerror=1&gt;" in page


def test_the_request_for_a_generated_or_refused_block_says_so_plainly():
    assert "No clearance is needed: no rule that requires clearance applies to this client." in request(block())
    done = block(**SPONDY, clearance=cleared("extension_sensitive_diagnosis"))
    assert ("No clearance is needed: every rule that requires clearance (`extension_sensitive_diagnosis`) is cleared "
            "by a clearance in the profile.") in request(done)
    refused = request(block(red_flags={"fever": True}), "clearance-request-html")
    assert "No clearance is asked for: the screening refers the client." in refused
    assert "A clearance cannot override a refusal." in refused and "<pre>" not in refused


def test_generate_writes_the_request_with_the_blocks_exit_code(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(merge(HEALTHY, SPONDY)))
    out = tmp_path / "request.md"
    assert main(["generate", str(path), "--format", "clearance-request", "-o", str(out)]) == 3
    assert out.read_text().startswith("# Request for clearance: reverse hyperextension exercise\n")


def test_check_warns_when_an_override_loosens_who_may_clear_or_for_how_long(tmp_path, capsys):
    path = tmp_path / "loose.toml"
    path.write_text(HEAD + '[clearance]\nvalid_weeks = 52\n'
                           '[rules.pregnancy]\nclearance = { roles = ["obstetric_provider", "physiotherapist"] }\n')
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "clearance.valid_weeks: this override lets a clearance count for 52 weeks, longer than the base's 26" in text
    assert ("rules.pregnancy.clearance.roles: this override lets physiotherapist clear what the base let only "
            "obstetric_provider, physician clear") in text


def test_new_ruleset_offers_the_clearance_policy_to_change(tmp_path):
    out = tmp_path / "clinic.toml"
    assert main(["new-ruleset", "--extends", "default", "-o", str(out)]) == 0
    text = out.read_text()
    assert '# [clearance]' in text and '# roles = ["physician", "physiotherapist"]' in text and "# valid_weeks = 26" in text
    uncommented = text.replace("# [clearance]", "[clearance]").replace('# roles = ["physician", "physiotherapist"]',
                                                                       'roles = ["physician"]')
    out.write_text(uncommented)
    assert revhyper.load_ruleset(out).rule("high_pain").clearance.roles == ("physician",)


def test_malformed_clearances_are_reported_each_at_its_place():
    assert problems({"clearance": ["x"]}) == [("clearance[0]", "expected a [[clearance]] table, got text 'x'", None)]
    found = problems({"clearance": [{"rules": "high_pain", "role": 3, "date": "2026-13-01", "bogus": 1}]})
    assert [p for p, _, _ in found] == ["clearance[0].rules", "clearance[0].role", "clearance[0].date",
                                        "clearance[0].bogus"]
    assert found[0][1] == "expected a list, got text 'high_pain'"  # not one error per letter
    ((path, message, _),) = problems({"clearance": None})
    assert path == "clearance" and message.startswith("expected a list of clearances")


def test_the_text_view_names_who_may_clear_and_why_a_clearance_did_not_count():
    from revhyper.export.text_view import block_to_text

    text = block_to_text(block(**FUSION_14, clearance=cleared("lumbar_fusion_recovery", role="physiotherapist",
                                                              by="J. Okafor", date="2026-09-10")))
    assert "because of: lumbar_fusion_recovery (surgeon or physician)." in text
    assert ("  lumbar_fusion_recovery: clearance 1 (physiotherapist J. Okafor, 2026-09-10) did not count: a "
            "physiotherapist may not clear this rule; it needs a surgeon or a physician\n") in text


def test_a_clearance_naming_a_rule_the_clinic_switched_off_loads_with_a_warning():
    clinic = revhyper.load_ruleset(EXAMPLES / "rulesets" / "clinic-north.toml")
    b = block(clinic, person={"age": 62}, pain={"duration_weeks": 3}, clearance=cleared("older_new_pain"))
    assert b.status == "generated"
    assert b.warnings == ("Clearance 1 (physician, 2026-11-30) names older_new_pain, which does not apply to this "
                          "client: it clears nothing there. Check that the clearance belongs to this client.",)


def test_a_clearance_that_lapses_during_the_block_ends_the_block_the_week_before_and_says_why():
    long = {**SPONDY, "pain": {"duration_weeks": 60}}
    b = block(**long, clearance=cleared("extension_sensitive_diagnosis", date="2026-06-30"))  # valid to 2026-12-28
    assert b.status == "generated" and len(b.weeks) == 4 and b.plan.weeks == 4
    assert ("The block ends after week 4: from week 5 (2027-01-04), extension_sensitive_diagnosis needs a clinician's "
            "clearance the profile does not give (clearance 1 (physician, 2026-06-30): it was valid for 26 weeks, "
            "until 2026-12-28; week 5 starts on 2027-01-04). Screen the client again before planning on."
            ) in b.adjustments
    assert len(block(**long, clearance=cleared("extension_sensitive_diagnosis", date="2026-09-01")).weeks) == 12


def clinic_valid_weeks(weeks: int) -> revhyper.RuleSet:
    return revhyper.parse_ruleset(f'''extends = "default"
id = "clinic"
version = "1"
title = "Clinic"

[rules.microdiscectomy_recovery]
clearance = {{ roles = ["surgeon", "physician"], valid_weeks = {weeks} }}
''', name="clinic.toml")


def test_a_clearance_must_last_while_its_rule_applies_and_may_lapse_after():
    # microdiscectomy 8 weeks before 2026-12-07: the recovery stage (clearance) holds in weeks 1-4
    surgery = {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 8}]}}
    given = cleared("microdiscectomy_recovery", role="surgeon", date="2026-11-20")
    four = block(clinic_valid_weeks(4), **surgery, clearance=given)  # counts to 2026-12-17: lapses in week 3
    assert four.status == "generated" and len(four.weeks) == 2
    six = block(clinic_valid_weeks(6), **surgery, clearance=given)  # to 2026-12-31: lapses in week 5, stage over
    assert six.status == "generated" and len(six.weeks) == 12
    assert not any("The block ends" in a for a in six.adjustments)
