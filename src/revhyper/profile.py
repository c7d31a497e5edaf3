"""The client profile a coach writes: frozen data, validated on construction.

Field metadata (``kind``, ``vocabulary``, ``choices``) also tells the rule-set condition checker
which names a condition may read and what type each one has, so profile and conditions can
never drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
from attrs import field
from attrs import validators as v

from . import checks

EXPERIENCES = ("novice", "intermediate", "advanced")
GOALS = ("rehabilitation", "endurance", "strength", "general")
SEXES = ("female", "male", "other")


# Each field carries its reading check in metadata["check"] (used by profile_loader to report every
# problem at once, with positions) and the same limits as an attrs validator (a second net for code
# that builds profiles directly).
#
# Each field has one validator, a function that accepts a plainly good value (exact type, in range) at once and
# otherwise runs attrs' validators, which raise their usual errors: one call per field, not three or four.

def _default_none(optional: bool) -> dict[str, Any]:
    return {"default": None} if optional else {}


def _net(good: Callable[[Any], bool], validators: list[Any], optional: bool) -> Any:
    """One validator: ``good(value)`` passes, anything else goes through ``validators`` (made optional if so)."""
    slow = v.optional(validators) if optional else v.and_(*validators)

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if not good(value) and not (optional and value is None):
            slow(instance, attribute, value)
    return validate


def _is_text(value: Any) -> bool:
    return type(value) is str


def _is_date(value: Any) -> bool:
    return type(value) is dt.date


def _number_field(low: float, high: float, *, optional: bool = False, **kw: Any) -> Any:
    return field(
        validator=_net(lambda x: (type(x) is int or type(x) is float) and low <= x <= high,
                       [v.instance_of((int, float)), v.ge(low), v.le(high)], optional),
        metadata={"kind": "number", "check": checks.number(low, high), "range": (low, high)},
        **_default_none(optional),
        **kw,
    )


def _int_field(low: int, high: int, *, optional: bool = False) -> Any:
    return field(
        validator=_net(lambda x: type(x) is int and low <= x <= high, [v.instance_of(int), v.ge(low), v.le(high)],
                       optional),
        metadata={"kind": "number", "check": checks.integer(low, high), "range": (low, high)},
        **_default_none(optional),
    )


def _choice_field(choices: tuple[str, ...], *, optional: bool = False) -> Any:
    allowed = frozenset(choices)
    return field(
        validator=_net(lambda x: type(x) is str and x in allowed, [v.in_(choices)], optional),
        metadata={"kind": "enum", "choices": choices, "check": checks.one_of(choices)},
        **_default_none(optional),
    )


def _text_field():
    return field(default=None, validator=_net(_is_text, [v.instance_of(str)], True),
                 metadata={"kind": "str", "check": checks.text})


def _date_field():
    return field(default=None, validator=_net(_is_date, [v.instance_of(dt.date)], True),
                 metadata={"kind": "date", "check": checks.date})


def _as_tuple(items) -> tuple:
    """``tuple`` as a converter; a Python function, because attrs reads a converter's signature and reading a
    built-in's costs the CLI 6 ms of start-up (inspect tokenizes its text signature)."""
    return tuple(items)


def _all_text(items: Any) -> bool:
    if type(items) is not tuple:
        return False
    for item in items:
        if type(item) is not str:
            return False
    return True


_STRINGS = _net(_all_text, [v.deep_iterable(v.instance_of(str))], False)


def _words(vocabulary: str):
    return field(
        factory=tuple,
        converter=_as_tuple,
        validator=_STRINGS,
        metadata={"kind": "list", "vocabulary": vocabulary, "check": checks.list_of(checks.text, unique=True)},
    )


def _flag():
    return field(default=False, validator=_net(lambda x: x is True or x is False, [v.instance_of(bool)], False),
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


checks.with_quiet(_check_age, checks.quiet_of(checks.integer(MIN_AGE, 110)))  # under 16 is refused, and told why


@attrs.frozen
class Person:
    age: int = field(validator=_net(lambda x: type(x) is int and MIN_AGE <= x <= 110,
                                    [v.instance_of(int), v.ge(MIN_AGE), v.le(110)], False),
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
    procedure: str = field(validator=_net(_is_text, [v.instance_of(str)], False),
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

    rules: tuple[str, ...] = field(converter=_as_tuple, validator=_STRINGS,
                                   metadata={"kind": "list", "vocabulary": "rules",
                                             "check": checks.list_of(checks.text, unique=True)})
    role: str = field(validator=_net(_is_text, [v.instance_of(str)], False),
                      metadata={"kind": "str", "vocabulary": "clinician_roles", "check": checks.text})
    date: dt.date = field(validator=_net(_is_date, [v.instance_of(dt.date)], False),
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
    red_flags: RedFlags = field(factory=RedFlags)
    history: History = field(factory=History)
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
