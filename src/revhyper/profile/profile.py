"""The client profile a coach writes: frozen data, validated on construction.

Field metadata (``kind``, ``vocabulary``, ``choices``) also tells the rule-set condition checker
which names a condition may read and what type each one has, so profile and conditions can
never drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from attrs import field
from attrs import validators as v

from ..io import checks

EXPERIENCES = ("novice", "intermediate", "advanced")
GOALS = ("rehabilitation", "endurance", "strength", "general")
SEXES = ("female", "male", "other")


# Each field carries its reading check in metadata["check"] (used by profile_loader to report every
# problem at once, with positions) and the same limits as an attrs validator (a second net for code
# that builds profiles directly).
#
# Each field has one validator, a function that accepts a plainly good value (exact type, in range) at once and
# otherwise runs attrs' validators, which raise their usual errors: one call per field, not three or four
# (a profile is read in a batch thousands of times a second).

def _default_none(optional: bool) -> dict[str, Any]:
    return {"default": None} if optional else {}


def _slow(validators: list[Any], optional: bool) -> Any:
    return v.optional(validators) if optional else v.and_(*validators)


def _range_validator(low: float, high: float, *, whole: bool, optional: bool) -> Any:
    slow = _slow([v.instance_of(int if whole else (int, float)), v.ge(low), v.le(high)], optional)
    number = (int,) if whole else (int, float)

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if type(value) not in number or not low <= value <= high:
            if value is not None or not optional:
                slow(instance, attribute, value)
    return validate


def _type_validator(kind: type, *, optional: bool) -> Any:
    slow = _slow([v.instance_of(kind)], optional)

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if type(value) is not kind and (value is not None or not optional):
            slow(instance, attribute, value)
    return validate


def _choice_validator(choices: tuple[str, ...], *, optional: bool) -> Any:
    slow, allowed = _slow([v.in_(choices)], optional), frozenset(choices)

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if type(value) is not str or value not in allowed:
            if value is not None or not optional:
                slow(instance, attribute, value)
    return validate


def _number_field(low: float, high: float, *, optional: bool = False, **kw: Any) -> Any:
    return field(
        validator=_range_validator(low, high, whole=False, optional=optional),
        metadata={"kind": "number", "check": checks.number(low, high), "range": (low, high)},
        **_default_none(optional),
        **kw,
    )


def _int_field(low: int, high: int, *, optional: bool = False) -> Any:
    return field(
        validator=_range_validator(low, high, whole=True, optional=optional),
        metadata={"kind": "number", "check": checks.integer(low, high), "range": (low, high)},
        **_default_none(optional),
    )


def _choice_field(choices: tuple[str, ...], *, optional: bool = False) -> Any:
    return field(
        validator=_choice_validator(choices, optional=optional),
        metadata={"kind": "enum", "choices": choices, "check": checks.one_of(choices)},
        **_default_none(optional),
    )


def _text_field():
    return field(default=None, validator=_type_validator(str, optional=True),
                 metadata={"kind": "str", "check": checks.text})


def _date_field():
    return field(default=None, validator=_type_validator(dt.date, optional=True),
                 metadata={"kind": "date", "check": checks.date})


def _as_tuple(items) -> tuple:
    """``tuple`` as a converter; a Python function, because attrs reads a converter's signature and reading a
    built-in's costs the CLI 6 ms of start-up (inspect tokenizes its text signature)."""
    return tuple(items)


_ALL_TEXT = v.deep_iterable(v.instance_of(str))


def _strings(instance: Any, attribute: Any, value: Any) -> None:
    """Every item is text (a tuple: the converter made it one)."""
    for item in value:
        if type(item) is not str:
            _ALL_TEXT(instance, attribute, value)
            return


def _flag_validator(instance: Any, attribute: Any, value: Any) -> None:
    if value is not True and value is not False:
        _BOOLEAN(instance, attribute, value)


_BOOLEAN = v.instance_of(bool)


def _words(vocabulary: str):
    return field(
        factory=tuple,
        converter=_as_tuple,
        validator=_strings,
        metadata={"kind": "list", "vocabulary": vocabulary, "check": checks.list_of(checks.text, unique=True)},
    )


def _flag():
    return field(default=False, validator=_flag_validator,
                 metadata={"kind": "bool", "check": checks.boolean})


MIN_AGE = 16
"""The youngest client: the programmes are for adults (NICE NG59 covers low back pain from 16)."""


def _check_age(rep, value, path):
    if isinstance(value, int) and not isinstance(value, bool) and value < MIN_AGE:
        rep.error(path, f"expected a whole number from {MIN_AGE} to 110, got {value}: revhyper's programmes are for "
                        f"adults ({MIN_AGE} and over); for a younger client, ask their doctor or a paediatric "
                        "physiotherapist for an exercise plan")
        return checks.BAD
    return checks.integer(MIN_AGE, 110)(rep, value, path)


checks.with_quiet(_check_age, checks.quiet_of(checks.integer(MIN_AGE, 110)) or (lambda value: checks.BAD))


@attrs.frozen
class Person:
    age: int = field(validator=_range_validator(MIN_AGE, 110, whole=True, optional=False),
                     metadata={"kind": "number", "check": _check_age, "range": (MIN_AGE, 110)})
    id: str | None = _text_field()
    sex: str | None = _choice_field(SEXES, optional=True)
    body_mass_kg: float | None = _number_field(20, 400, optional=True)
    pregnant: bool = _flag()
    gestation_weeks: float | None = _number_field(0, 45, optional=True)


@attrs.frozen
class Pain:
    current: float = _number_field(0, 10)
    duration_weeks: float = _number_field(0, 5200)
    worst_last_week: float | None = _number_field(0, 10, optional=True)
    radiating_below_knee: bool = _flag()
    extension_aggravates: bool = _flag()


@attrs.frozen
class RedFlags:
    saddle_anesthesia: bool = _flag()
    bladder_or_bowel_dysfunction: bool = _flag()
    progressive_leg_weakness: bool = _flag()
    unexplained_weight_loss: bool = _flag()
    fever: bool = _flag()
    history_of_cancer: bool = _flag()
    recent_significant_trauma: bool = _flag()
    recent_minor_trauma: bool = _flag()
    night_pain_unrelieved_by_rest: bool = _flag()
    bilateral_leg_symptoms: bool = _flag()
    sexual_dysfunction: bool = _flag()
    gait_disturbance: bool = _flag()
    recent_bacterial_infection: bool = _flag()
    penetrating_wound: bool = _flag()
    not_improving_after_4_weeks_of_care: bool = _flag()


# A surgery or an injection gives exactly one of ``date`` and ``weeks_ago`` (counted back from
# training.start_date); the loader checks that, and timeline.py turns either into weeks at any week of the block.

@attrs.frozen
class Surgery:
    procedure: str = field(validator=_type_validator(str, optional=False),
                           metadata={"vocabulary": "surgeries", "check": checks.text})
    date: dt.date | None = _date_field()
    weeks_ago: float | None = _number_field(0, 5200, optional=True)


@attrs.frozen
class Injection:
    """A spinal injection (epidural, facet or nerve-root): read by rules through ``weeks_since_injection()``."""

    date: dt.date | None = _date_field()
    weeks_ago: float | None = _number_field(0, 5200, optional=True)


@attrs.frozen
class History:
    conditions: tuple[str, ...] = _words("conditions")
    surgeries: tuple[Surgery, ...] = field(factory=tuple, converter=_as_tuple, metadata={"kind": "events", "items": Surgery})
    injections: tuple[Injection, ...] = field(factory=tuple, converter=_as_tuple,
                                              metadata={"kind": "events", "items": Injection})


@attrs.frozen
class Clearance:
    """One clinician's clearance: the rules it clears, who gave it (role, name) and when; restrictions they set."""

    rules: tuple[str, ...] = field(converter=_as_tuple, validator=_strings,
                                   metadata={"kind": "list", "vocabulary": "rules",
                                             "check": checks.list_of(checks.text, unique=True)})
    role: str = field(validator=_type_validator(str, optional=False),
                      metadata={"kind": "str", "vocabulary": "clinician_roles", "check": checks.text})
    date: dt.date = field(validator=_type_validator(dt.date, optional=False),
                          metadata={"kind": "date", "check": checks.date})
    by: str | None = _text_field()
    restrictions: tuple[str, ...] = _words("restrictions")


@attrs.frozen
class Training:
    experience: str = _choice_field(EXPERIENCES)
    goal: str = _choice_field(GOALS)
    days_per_week: int = _int_field(1, 7)
    weeks: int | None = _int_field(1, 52, optional=True)
    start_date: dt.date | None = _date_field()
    equipment: tuple[str, ...] = _words("equipment")
    working_load_kg: float | None = _number_field(0.5, 500, optional=True)
    load_increment_kg: float | None = _number_field(0.1, 25, optional=True)


@attrs.frozen
class Profile:
    person: Person
    pain: Pain
    training: Training
    red_flags: RedFlags = field(default=RedFlags())  # frozen: one "none" and one empty history serve every profile
    history: History = field(default=History())
    clearance: tuple[Clearance, ...] = field(factory=tuple, converter=_as_tuple,
                                             metadata={"kind": "clearances", "items": Clearance})

    @property
    def restrictions(self) -> tuple[str, ...]:
        """Every clearance's restrictions, in order, each once."""
        return tuple(dict.fromkeys(r for c in self.clearance for r in c.restrictions))


LIST_SECTIONS = ("clearance",)
"""Sections written as a list of tables (``[[clearance]]``); the class in SECTIONS is one entry's."""

SECTIONS: dict[str, type] = {
    "person": Person,
    "pain": Pain,
    "red_flags": RedFlags,
    "history": History,
    "clearance": Clearance,
    "training": Training,
}


def condition_fields() -> dict[str, dict]:
    """Every profile value a rule condition may read: ``"pain.current" -> {"kind": "number", ...}``.

    A field is optional (may be missing, so comparisons with it are false) when it has a ``None`` default.
    """
    catalog: dict[str, dict] = {}
    for section, cls in SECTIONS.items():
        if section in LIST_SECTIONS:
            continue  # read by screening (the clearance decision), not by conditions
        for f in attrs.fields(cls):
            kind = f.metadata.get("kind")
            if kind in (None, "events", "str", "date"):
                continue  # free text, dates, surgeries and injections are read through functions, not compared
            info = dict(f.metadata)
            info["optional"] = f.default is None
            catalog[f"{section}.{f.name}"] = info
    return catalog
