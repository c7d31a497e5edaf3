"""Every example profile gives the outcome its comment (or examples/profiles/README.md) promises."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import revhyper

from helpers import EXAMPLES

PROFILES = EXAMPLES / "profiles"

EXPECTED = {
    "chronic-rehab.toml": dict(status="generated", fired=[], caps={}, variant="machine_reverse_hyper", days=3, weeks=12),
    "healthy-strength.toml": dict(status="generated", fired=[], caps={}, variant="machine_reverse_hyper", days=4, weeks=12),
    "post-microdiscectomy.toml": dict(
        status="generated", fired=["microdiscectomy_recovery", "microdiscectomy_graded", "disc_herniation"],
        caps={"max_load_percent": 60, "bodyweight_only": True, "max_rom_percent": 100, "max_sessions_per_week": 3,
              "program": "rehabilitation"},
        variant="machine_reverse_hyper", days=3, weeks=12),
    "post-microdiscectomy-not-cleared.toml": dict(
        status="needs_clearance", fired=["microdiscectomy_recovery", "microdiscectomy_graded"],
        caps={"max_load_percent": 60, "bodyweight_only": True, "max_rom_percent": 100, "max_sessions_per_week": 3,
              "program": "rehabilitation"}),
    "post-microdiscectomy-graded.toml": dict(
        status="generated", fired=["microdiscectomy_graded"],
        caps={"max_load_percent": 60, "max_rom_percent": 100, "program": "rehabilitation"},
        variant="machine_reverse_hyper", days=3, weeks=12),
    "spondylolisthesis.toml": dict(
        status="needs_clearance", fired=["extension_sensitive_diagnosis", "extension_aggravates"],
        caps={"max_load_percent": 50, "max_rom_percent": 100}),
    "red-flag-cauda-equina.toml": dict(
        status="refused", fired=["cauda_equina", "older_new_pain", "radiating_pain", "moderate_pain", "acute_episode",
                                 "acute_irritable_pain"],
        caps={"max_load_percent": 50, "bodyweight_only": True, "max_rom_percent": 80, "max_sets": 2,
              "program": "rehabilitation"},
        referral="emergency"),
    "home-no-machine.toml": dict(status="generated", fired=["hypertension"], caps={}, variant="bench_reverse_hyper",
                                 days=2, weeks=8),
    "pregnant-cleared.toml": dict(status="generated", fired=["pregnancy"],
                                  caps={"max_load_percent": 60, "max_rom_percent": 100, "avoid_tags": ["prone"]},
                                  variant="quadruped_hip_extension", days=3, weeks=8),
    "teen-new-pain.toml": dict(
        status="needs_clearance", fired=["young_new_or_extension_pain", "extension_aggravates", "acute_episode"],
        caps={"max_load_percent": 50, "max_rom_percent": 100}),
    "acute-irritable.toml": dict(
        status="generated", fired=["moderate_pain", "acute_episode", "acute_irritable_pain"],
        caps={"max_load_percent": 50, "max_rom_percent": 100, "max_sets": 2, "program": "rehabilitation"},
        variant="machine_reverse_hyper", days=3, weeks=12),
    "heavy-home-ball.toml": dict(status="generated", fired=[], caps={}, variant="prone_hip_extension", days=3, weeks=12),
    "post-fusion-old-clearance.toml": dict(
        status="needs_clearance", fired=["lumbar_fusion_recovery"],
        caps={"max_load_percent": 50, "max_rom_percent": 100, "program": "rehabilitation"}),
    "endurance-runner.json": dict(status="generated", fired=[], caps={}, variant="machine_reverse_hyper", days=3, weeks=10),
}
EXIT = {"generated": 0, "needs_clearance": 3, "refused": 4}


def example_files():
    return sorted(p.name for p in PROFILES.iterdir() if p.suffix in (".toml", ".json"))


def test_every_example_has_an_expected_outcome_and_there_are_enough():
    assert set(example_files()) == set(EXPECTED)
    assert len(EXPECTED) >= 6


def test_every_example_documents_its_outcome():
    readme = (PROFILES / "README.md").read_text()
    for name in example_files():
        assert f"`{name}`" in readme
        if name.endswith(".toml"):
            text = (PROFILES / name).read_text()
            assert text.startswith("# ") and "# Expected: " + EXPECTED[name]["status"] in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_gives_the_promised_outcome(name):
    block = revhyper.generate(revhyper.load_profile(PROFILES / name))
    expected = EXPECTED[name]
    data = revhyper.block_to_dict(block)
    assert data["status"] == expected["status"]
    assert [f["id"] for f in data["screening"]["fired"]] == expected["fired"]
    assert {name: cap["value"] for name, cap in data["caps"].items()} == expected["caps"]
    if expected["status"] == "generated":
        assert data["plan"]["variant"]["id"] == expected["variant"]
        assert data["plan"]["days_per_week"] == expected["days"]
        assert len(data["weeks"]) == expected["weeks"]
        assert all(len(week["sessions"]) == expected["days"] for week in data["weeks"])
    else:
        assert data["weeks"] == [] and data["plan"] is None
    assert (data["referral"] or {}).get("urgency") == expected.get("referral")


def test_rehabilitation_starts_from_bodyweight_and_range_grows_week_to_week():
    block = revhyper.generate(revhyper.load_profile(PROFILES / "chronic-rehab.toml"))
    first_of_week = [w.sessions[0].exercises[0] for w in block.weeks]
    assert all(e.load_kg is None for e in first_of_week[:8])
    training = [e for w, e in zip(block.weeks, first_of_week) if not w.deload]
    assert [e.rom_percent for e in training][:4] == [50, 60, 70, 80]
    assert first_of_week[-2].load_kg is not None and first_of_week[-2].load_kg <= 20 * 0.55


def test_strength_loads_rise_a_few_percent_at_a_time():
    block = revhyper.generate(revhyper.load_profile(PROFILES / "healthy-strength.toml"))
    loads = [w.sessions[0].exercises[0].load_kg for w in block.weeks if not w.deload]
    assert loads[0] == 27.5 and max(loads) <= 45 * 0.9  # 65 % of 45 kg = 29.25 kg, floored to the 2.5 kg step
    assert all(b >= a for a, b in zip(loads, loads[1:]))
    assert all((b - a) / a <= 0.10 + 1e-9 for a, b in zip(loads, loads[1:])), "ACSM: 2-10 % steps"


@pytest.mark.parametrize("name", ["chronic-rehab.toml", "spondylolisthesis.toml", "red-flag-cauda-equina.toml",
                                  "endurance-runner.json"])
def test_the_cli_exit_code_matches_the_outcome(name, tmp_path):
    out = tmp_path / "block.json"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(PROFILES / name), "-o", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT[EXPECTED[name]["status"]], result.stderr
    assert json.loads(out.read_text())["status"] == EXPECTED[name]["status"]


def test_caps_lift_mid_block_after_a_surgery_given_by_date():
    """The graded-return caps hold while the operation is under 26 weeks old, at each week's date, then lift; the
    rehabilitation programme the graded stage asks for at the start is kept for the whole block."""
    block = revhyper.generate(revhyper.load_profile(PROFILES / "post-microdiscectomy-graded.toml"))
    data = revhyper.block_to_dict(block)
    assert [w["rules"] for w in data["weeks"]] == [["microdiscectomy_graded"]] * 3 + [[]] * 9
    assert [w["caps"] for w in data["weeks"]] == [None] * 3 + [{}] * 9  # null: the block's caps; {}: none
    assert data["plan"]["goal"] == "rehabilitation"
    assert ("Programme: Rehabilitation, not Strength, because of microdiscectomy_graded. It is kept for the whole "
            "block, also after the caps lift.") in block.adjustments
    first = [w.sessions[0].exercises[0] for w in block.weeks]
    assert all(e.load_kg is None and e.rom_percent <= 100 for e in first[:3]), "rehabilitation starts from bodyweight"
    neutral = "Stop the lift when the legs are in line with your body; never arch past it."
    assert all(neutral in e.cues for e in first[:3]) and neutral not in first[3].cues, "the range cap lifts in week 4"
    assert "From week 4 (2026-12-28): microdiscectomy_graded no longer applies; caps from then: none." in block.adjustments


def test_caps_lift_when_the_recovery_stage_ends_and_the_graded_stage_goes_on():
    block = revhyper.generate(revhyper.load_profile(PROFILES / "post-microdiscectomy.toml"))
    assert [w.rules for w in block.weeks] == (
        [("microdiscectomy_recovery", "microdiscectomy_graded", "disc_herniation")] * 4
        + [("microdiscectomy_graded", "disc_herniation")] * 8)
    assert all(w.caps.bodyweight_only for w in block.weeks[:4])
    assert not any(w.caps.bodyweight_only for w in block.weeks[4:])
    assert block.weeks[-1].sessions[0].exercises[0].load_kg is not None  # the light-strength phase loads, <= 60 %
    assert all(len(w.sessions) == 3 for w in block.weeks), "sessions a week: the strictest of any week"


def test_the_old_clearance_example_says_why_its_clearance_does_not_count():
    block = revhyper.generate(revhyper.load_profile(PROFILES / "post-fusion-old-clearance.toml"))
    (decision,) = block.screening.clearance_rules
    assert decision.rule == "lumbar_fusion_recovery" and decision.cleared_by is None
    (rejected,) = decision.rejected
    reasons = " | ".join(rejected.reasons)
    assert "a physiotherapist may not clear this rule; it needs a surgeon or a physician" in reasons
    assert "valid for 26 weeks, until 2023-10-30" in reasons
    assert "before the lumbar fusion surgery it would clear (2026-08-31)" in reasons


def test_the_cleared_examples_are_cleared_by_the_role_the_rule_allows():
    block = revhyper.generate(revhyper.load_profile(PROFILES / "post-microdiscectomy.toml"))
    (decision,) = block.screening.clearance_rules
    assert block.screening.clearances[decision.cleared_by].role == "surgeon"
    assert block.screening.restrictions == ("no_hyperextension",)  # from the physio's clearance, which clears no rule
    block = revhyper.generate(revhyper.load_profile(PROFILES / "pregnant-cleared.toml"))
    (decision,) = block.screening.clearance_rules
    assert block.screening.clearances[decision.cleared_by].role == "obstetric_provider"
