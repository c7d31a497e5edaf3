"""The rule set as frozen data: vocabulary, variants, programs, phases, caps and rules."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .conditions import Condition

FORMAT = 1
"""The newest rule-set format this program reads."""

ACTIONS = ("refuse", "require_clearance", "modify", "warn")
"""From strictest to mildest."""

URGENCIES = ("emergency", "urgent", "routine")
"""From most to least urgent."""

LOAD_KINDS = ("bodyweight", "percent")

ADAPTATION_ACTIONS = ("require_clearance", "restart", "step_back", "repeat_week", "progress", "progress_further")
"""What an adaptation rule does to the rest of a block, from strictest to mildest: when several fire for a week
of the log, the strictest wins (docs/rulesets.md, Adaptations)."""

PROGRAM_ORDER = ("rehabilitation", "endurance", "general", "strength")
"""The programmes (one per goal) from most to least conservative (by their highest load): when several rules
force a programme with the ``program`` cap, the first of these wins."""


@attrs.frozen
class CapSpec:
    name: str
    kind: str  # int | number | bool | tags | program
    low: float = 0
    high: float = 0
    wins: str = "min"  # min | max | any | union | first: how the strictest of several is chosen
    # (first: the earliest in PROGRAM_ORDER, the most conservative programme)
    meaning: str = ""


CAP_SPECS: dict[str, CapSpec] = {
    spec.name: spec
    for spec in (
        CapSpec("max_load_percent", "number", 0, 150, "min", "load at most this % of the working load"),
        CapSpec("max_load_kg", "number", 0, 500, "min", "load at most this many kg"),
        CapSpec("bodyweight_only", "bool", wins="any", meaning="no added load"),
        CapSpec("max_rom_percent", "number", 10, 130, "min",
                "range of motion at most this % of the swing to neutral (100 = legs in line with the trunk, no hyperextension)"),
        CapSpec("max_sets", "int", 1, 10, "min", "at most this many sets"),
        CapSpec("max_reps", "int", 1, 50, "min", "at most this many repetitions a set"),
        CapSpec("max_sessions_per_week", "int", 1, 7, "min", "at most this many sessions a week"),
        CapSpec("min_rest_seconds", "int", 0, 600, "max", "rest at least this long between sets"),
        CapSpec("avoid_tags", "tags", wins="union", meaning="never use an exercise variant with these tags"),
        CapSpec("program", "program", wins="first",
                meaning="use this programme (a goal's program) when it is more conservative than the client's goal"),
    )
}


def own_copy(value: Any) -> Any:
    """A frozen attrs object of the rule set (a rule's Caps or Referral, the PainMonitoring) copied for a block to
    hold, or None: a plugin that changes a block in place (``object.__setattr__``; the exporters catch it for that
    block) must not change the rule set, and with it every later block of the process."""
    if value is None:
        return None
    cls = type(value)
    read = _FIELD_READERS.get(cls)
    if read is None:
        getter = operator.attrgetter(*[f.name for f in attrs.fields(cls)])
        if len(attrs.fields(cls)) > 1:
            read = getter  # gives the tuple of the fields' values
        else:
            def read(one: Any) -> tuple[Any, ...]:
                return (getter(one),)
        _FIELD_READERS[cls] = read
    return cls(*read(value))


_FIELD_READERS: dict[type, Callable[[Any], Any]] = {}
"""Each class's fields, read in order by one call (the few classes own_copy is given)."""


MEMO_LIMIT = 4096
"""The most entries a programme's or a rule set's ``memo`` holds; it is emptied when full."""


def memoized(memo: dict[Any, Any], key: Any, derive: Callable[..., Any], *args: Any) -> Any:
    """``memo[key]``, set to ``derive(*args)`` first when absent. ``derive`` must be pure, so what the memo holds (or
    forgot when it was emptied) never changes a result, only how soon it comes."""
    value = memo.get(key)
    if value is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        value = memo[key] = derive(*args)
    return value


@attrs.frozen
class Caps:
    """Limits on the prescription. ``None`` (or empty) means no limit of that kind."""

    max_load_percent: float | None = None
    max_load_kg: float | None = None
    bodyweight_only: bool | None = None
    max_rom_percent: float | None = None
    max_sets: int | None = None
    max_reps: int | None = None
    max_sessions_per_week: int | None = None
    min_rest_seconds: int | None = None
    avoid_tags: frozenset[str] = frozenset()
    program: str | None = None

    def items(self) -> list[tuple[str, Any]]:
        """The caps that are set, in a fixed order."""
        out = []
        for name in CAP_SPECS:
            value = getattr(self, name)
            if value is not None and value != frozenset() and value is not False:
                out.append((name, value))
        return out


@attrs.frozen
class Reference:
    key: str
    citation: str
    url: str | None = None


@attrs.frozen
class Referral:
    urgency: str
    to: str
    message: str


@attrs.frozen
class ClearancePolicy:
    """Who may clear a ``require_clearance`` rule, and for how long a clearance counts."""

    roles: tuple[str, ...]
    """The clinician roles (the vocabulary's clinician_roles) whose clearance counts for the rule."""
    valid_weeks: int
    """A clearance counts until this many weeks after its date."""


@attrs.frozen
class Rule:
    id: str
    title: str
    when: Condition
    action: str
    reason: str
    source: str
    caps: Caps | None = None
    referral: Referral | None = None
    cues: tuple[str, ...] = ()
    deliberate: str = ""
    clearance: ClearancePolicy | None = None
    """Set on every ``require_clearance`` rule: its own ``clearance`` table over the rule set's ``[clearance]``."""


@attrs.frozen
class Adaptation:
    """A rule over a week of the training log (``log.*`` facts) that changes the rest of the block."""

    id: str
    title: str
    when: Condition
    action: str  # one of ADAPTATION_ACTIONS
    reason: str
    source: str
    deliberate: str = ""


@attrs.frozen
class Restriction:
    """A restriction a clinician can write in a profile's clearance, and the caps it means."""

    id: str
    description: str
    caps: Caps


@attrs.frozen(cache_hash=True)  # a key of the memos (see RuleSet.memo): hashed once
class Variant:
    id: str
    name: str
    description: str
    equipment_any: tuple[str, ...]  # empty: needs no equipment
    loadable: bool
    tags: frozenset[str]
    cues: tuple[str, ...]
    max_user_mass_kg: float | None = None
    """The heaviest client the set-up is rated for (a ball, a bench); heavier clients get the next variant."""


@attrs.frozen
class Progression:
    """A number that starts at ``start`` and moves by ``step`` each training week, never past ``limit``."""

    start: float
    step: float = 0
    limit: float | None = None

    def at(self, week_index: int) -> float:
        value = self.start + self.step * week_index
        if self.limit is not None:
            value = min(value, self.limit) if self.step >= 0 else max(value, self.limit)
        return value


@attrs.frozen(cache_hash=True)  # a key of the memos (see RuleSet.memo): hashed once
class Phase:
    id: str
    name: str
    purpose: str
    weeks: int
    sets: Progression
    reps: Progression
    load: str
    load_percent: Progression | None
    rom_percent: Progression
    tempo: str
    rest_seconds: int
    cues: tuple[str, ...] = ()
    deliberate: str = ""
    """Why numbers outside the sources' ranges are meant (silences `revhyper check` warnings)."""
    reps_range: tuple[int, int] | None = None
    """Double progression: repetitions from low to high (``reps`` is then the range's low end), in steps of
    ``reps_step``; at the top, the load rises one step of ``load_percent`` and the repetitions start again."""
    reps_step: int = 1
    target_rpe: float | None = None
    """The effort each set is done at (rate of perceived exertion, 1-10); or ``target_rir``, repetitions in reserve."""
    target_rir: float | None = None

    @property
    def target_effort_rpe(self) -> float | None:
        """The target effort as RPE (RIR 2 is RPE 8), or None when the phase sets none."""
        if self.target_rpe is not None:
            return self.target_rpe
        return None if self.target_rir is None else 10 - self.target_rir


@attrs.frozen
class Program:
    goal: str
    name: str
    summary: str
    deload_every: int  # 0: never
    deload_volume_percent: float
    phases: tuple[Phase, ...]
    deliberate: str = ""

    @functools.cached_property
    def memo(self) -> dict[Any, Any]:
        """What periodization.py derives from this programme (its schedules, its phases' training weeks), memoized
        with the programme so that an entry never serves an equal-looking programme of another rule set. Pure
        derivations only, and never an object a block holds: a plugin may change a block in place, and that must
        not reach another block."""
        return {}


@attrs.frozen
class ExperienceLevel:
    name: str
    min_days: int
    max_days: int
    max_sets: int
    max_load_percent: float


@attrs.frozen
class PainMonitoring:
    during: str
    after: str
    week_to_week: str
    if_exceeded: str
    source: str


@attrs.frozen
class RuleSet:
    format: int
    id: str
    version: str
    title: str
    summary: str
    disclaimer: str
    notes: tuple[str, ...]
    default_weeks: int
    load_increment_kg: float
    references: Mapping[str, Reference]
    vocabulary: Mapping[str, tuple[str, ...]]
    parameters: Mapping[str, Any]
    restrictions: Mapping[str, Restriction]
    variants: Mapping[str, Variant]
    variant_preference: tuple[str, ...]
    experience: Mapping[str, ExperienceLevel]
    programs: Mapping[str, Program]
    pain_monitoring: PainMonitoring
    rules: tuple[Rule, ...]
    sha256: str
    source: str = "<memory>"
    extends: tuple[str, ...] = ()
    """The rule sets this one extends, base first."""
    disabled: tuple[tuple[str, str, str], ...] = ()
    """Rules switched off by an extending file: (rule id, reason, file)."""
    clearance: ClearancePolicy | None = None
    """The rule set's ``[clearance]`` defaults for rules that require clearance (None when it has none)."""
    adaptations: tuple[Adaptation, ...] = ()
    """The ``[adaptations.ID]`` rules over the training log that ``revhyper progress`` applies, in file order."""

    @functools.cached_property
    def memo(self) -> dict[Any, Any]:
        """What screening.py, engine.py and profile_loader.py derive from this rule set (screen's plan, the merged caps of
        each combination of rules and restrictions, cues), memoized with the rule set so that an entry never serves
        another one. Pure derivations only, and never an object a block holds (see Program.memo)."""
        return {}

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
