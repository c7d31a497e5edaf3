"""Hypothesis strategies: valid profiles and valid rule sets (the default with its numbers varied)."""

from __future__ import annotations

import copy
import math
import datetime as dt
import tomllib

from hypothesis import strategies as st

import revhyper
from revhyper.profile.profile import EXPERIENCES, GOALS, SEXES, RedFlags
from revhyper.io.report import Reporter
from revhyper.rules.ruleset import CAP_SPECS
from revhyper.rules.ruleset_loader import build_ruleset, default_ruleset_text

import attrs

DEFAULT_DATA = tomllib.loads(default_ruleset_text())
RED_FLAGS = tuple(f.name for f in attrs.fields(RedFlags))


def numbers(low: float, high: float):
    return st.integers(math.ceil(low), math.floor(high)) | st.floats(low, high, allow_nan=False, allow_infinity=False)


def rarely_true():
    return st.sampled_from((False, False, False, False, True))


def _gestation_only_when_pregnant(person: dict) -> dict:
    """Weeks of gestation go with pregnant = true (otherwise the profile is rejected); drawn rarely."""
    person = dict(person)
    if person.get("gestation_weeks") is None:
        person.pop("gestation_weeks", None)
    else:
        person["pregnant"] = True
    return person


def profile_dicts(rules=None):
    rules = rules or revhyper.default_ruleset()
    vocab = rules.vocabulary
    clearable = tuple(r.id for r in rules.rules if r.action == "require_clearance")
    surgery = st.fixed_dictionaries({"procedure": st.sampled_from(vocab["surgeries"]), "weeks_ago": numbers(0, 120)})
    return st.fixed_dictionaries({
        "person": st.fixed_dictionaries(
            {"age": st.integers(16, 110)},
            optional={"id": st.text("abcdefghij-0123456789", min_size=1, max_size=12), "sex": st.sampled_from(SEXES),
                      "pregnant": rarely_true(), "body_mass_kg": numbers(40, 200),
                      "gestation_weeks": st.sampled_from((None, None, None, 8, 20, 36.5))}).map(_gestation_only_when_pregnant),
        "pain": st.fixed_dictionaries(
            {"current": numbers(0, 10), "duration_weeks": numbers(0, 520)},
            optional={"worst_last_week": numbers(0, 10), "radiating_below_knee": rarely_true(),
                      "extension_aggravates": rarely_true()}),
        "red_flags": st.fixed_dictionaries({}, optional={flag: rarely_true() for flag in RED_FLAGS}),
        "history": st.fixed_dictionaries({}, optional={
            "conditions": st.lists(st.sampled_from(vocab["conditions"]), unique=True, max_size=3),
            "surgeries": st.lists(surgery, max_size=2),
            "injections": st.lists(st.fixed_dictionaries({"weeks_ago": numbers(0, 8)}), max_size=1)}),
        "clearance": st.lists(st.fixed_dictionaries(
            {"rules": st.lists(st.sampled_from(clearable), unique=True, max_size=3) if clearable else st.just([]),
             "role": st.sampled_from(vocab["clinician_roles"]),
             "date": st.integers(0, 400)},  # days before the start date: made a date by _dated below
            optional={"by": st.just("A. Clinician"),
                      "restrictions": st.lists(st.sampled_from(tuple(rules.restrictions)), unique=True, max_size=2)}),
            max_size=3),
        "training": st.fixed_dictionaries(
            {"experience": st.sampled_from(EXPERIENCES), "goal": st.sampled_from(GOALS), "days_per_week": st.integers(1, 7)},
            optional={
                "weeks": st.integers(1, 52),
                "start_date": st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat),
                "equipment": st.lists(st.sampled_from(vocab["equipment"]), unique=True, max_size=3),
                "working_load_kg": numbers(0.5, 300),
                "load_increment_kg": st.sampled_from((0.5, 1, 1.25, 2.5, 5)),
            }),
    }).map(_dated)


def _dated(profile: dict) -> dict:
    """Clearance dates drawn as days before the start date (a clearance may not be dated after it); without a
    start date, before a fixed day. About half are recent enough to count."""
    start = dt.date.fromisoformat(profile["training"].get("start_date", "2026-12-07"))
    for clearance in profile["clearance"]:
        clearance["date"] = (start - dt.timedelta(days=clearance["date"])).isoformat()
    return profile


@st.composite
def progressions(draw, low, high, integer):
    value = st.integers(low, high) if integer else numbers(low, high)
    start = draw(value)
    if draw(st.booleans()):
        return start
    limit = draw(value)
    step_size = draw(st.integers(1, 3) if integer else numbers(0.5, 10))
    step = step_size if limit >= start else -step_size
    return {"start": start, "step": step, "limit": limit}


@st.composite
def caps_tables(draw, tags):
    caps = {}
    for name, spec in CAP_SPECS.items():
        if not draw(st.booleans()):
            continue
        if spec.kind == "int":
            caps[name] = draw(st.integers(int(spec.low), int(spec.high)))
        elif spec.kind == "number":
            caps[name] = draw(numbers(spec.low, spec.high))
        elif spec.kind == "bool":
            caps[name] = draw(st.booleans())
        elif spec.kind == "program":
            caps[name] = draw(st.sampled_from(GOALS))
        else:
            caps[name] = draw(st.lists(st.sampled_from(tags), unique=True, min_size=1, max_size=2))
    return caps or {"max_sets": draw(st.integers(1, 10))}


PAIN_THRESHOLDS = ("high_pain", "moderate_pain", "irritable_worst_pain")
AGES = {"older_age": (16, 109), "fracture_risk_age": (16, 110), "advanced_age": (16, 110), "young_age": (17, 110)}
"""Each age parameter's range that keeps its rule able to fire: age > older_age needs older_age <= 109; age < young_age
needs young_age >= 17 (the youngest client is 16)."""


ADAPTATION_PARAMETERS = {
    "pain_during_limit": st.integers(0, 9),  # log.pain_during_max > it: 10 could never be passed
    "pain_during_clearance": st.integers(0, 10),
    "rising_sessions_clearance": st.integers(1, 20),
    "min_reps_done_ratio": st.sampled_from([0.5, 0.75, 0.8, 0.9, 1, 1.1]),  # a ratio < 0 could never be
    "min_sessions_ratio": st.sampled_from([0.25, 0.5, 0.75, 1]),
    "progress_rpe": st.integers(1, 10),
    "progress_sessions": st.integers(0, 7),
    "restart_gap_weeks": st.integers(1, 20),
}
"""The parameters only the adaptation rules (`revhyper progress`) read, each varied where its rule can still fire."""


@st.composite
def parameters(draw, defaults):
    """The default's parameters varied within what keeps every rule able to fire: a rule that can never fire is a
    load error (a pain threshold of 25 on a 0-10 scale, a clearance window that closes before it opens)."""
    out = {}
    for name, value in defaults.items():
        if name in ADAPTATION_PARAMETERS:
            out[name] = draw(ADAPTATION_PARAMETERS[name])
        elif name in PAIN_THRESHOLDS:
            out[name] = draw(st.integers(0, 10))
        elif name in AGES:
            out[name] = draw(st.integers(*AGES[name]))
        elif name.endswith("_clearance_weeks"):
            continue  # after its no-loading window, below
        else:
            out[name] = draw(st.integers(1, 2 * value + 10))  # weeks: "< 0" could never hold
    for name in defaults:
        if name.endswith("_clearance_weeks"):
            opens = out[name.replace("_clearance_weeks", "_no_loading_weeks")]
            out[name] = draw(st.integers(opens + 1, opens + 60))
    return out


@st.composite
def ruleset_data(draw):
    """The default rule set with its numbers varied: parameters, caps, clearance policies, progressions, experience,
    deloads."""
    data = copy.deepcopy(DEFAULT_DATA)
    data["parameters"] = draw(parameters(data["parameters"]))
    tags = sorted({t for v in data["variants"].values() for t in v.get("tags", [])})
    roles = data["vocabulary"]["clinician_roles"]
    data["clearance"] = {"roles": draw(st.lists(st.sampled_from(roles), unique=True, min_size=1)),
                         "valid_weeks": draw(st.integers(1, 520))}
    for rule in data["rules"].values():
        if "caps" in rule:
            rule["caps"] = draw(caps_tables(tags))
        if rule["action"] == "require_clearance" and draw(st.booleans()):
            rule["clearance"] = draw(st.fixed_dictionaries({}, optional={
                "roles": st.lists(st.sampled_from(roles), unique=True, min_size=1),
                "valid_weeks": st.integers(1, 520)}))
    for level in data["experience"].values():
        low = draw(st.integers(1, 7))
        level["days_per_week"] = {"min": low, "max": draw(st.integers(low, 7))}
        level["max_sets"] = draw(st.integers(1, 10))
        level["max_load_percent"] = draw(numbers(0, 150))
    for program in data["programs"].values():
        program["deload_every"] = draw(st.integers(0, 8))
        program["deload_volume_percent"] = draw(numbers(10, 100))
        for phase in program["phases"]:
            phase["weeks"] = draw(st.integers(1, 6))
            phase["sets"] = draw(progressions(1, 10, True))
            if "reps_range" in phase:  # double progression: the range instead of reps
                low = draw(st.integers(1, 49))
                phase["reps_range"] = [low, draw(st.integers(low + 1, 50))]
            else:
                phase["reps"] = draw(progressions(1, 50, True))
            phase["rom_percent"] = draw(progressions(10, 130, False))
            if phase["load"] == "percent":
                phase["load_percent"] = draw(progressions(0, 150, False))
    return data


def build(data):
    reporter = Reporter("<varied>", "", "toml")
    ruleset = build_ruleset(data, reporter)
    assert ruleset is not None and not reporter.errors, [str(p) for p in reporter.errors]
    return ruleset
