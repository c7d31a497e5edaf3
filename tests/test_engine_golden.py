"""The engine's output is byte for byte what it was: a guard for speed work on generate.

tests/data/engine-golden.json holds the sha256 (first 16 hex digits) of ``block_to_json(generate(profile, rules))``
for a few hundred seeded profiles (tests/engine_profiles.py), every example profile, and some of them under the
example clinic's rule set, as the engine wrote them before it was made faster. A change that means to change
blocks rewrites it: ``.venv/bin/python tests/test_engine_golden.py --write`` (and says why in its commit).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import revhyper
from revhyper.errors import ProfileError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_profiles import batch_mix, timed_mix  # noqa: E402
from helpers import EXAMPLES  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "data" / "engine-golden.json"


def cases() -> Iterator[tuple[str, str, str, revhyper.RuleSet]]:
    """(case name, profile text, kind, rule set) for every profile the golden file covers."""
    rules = revhyper.default_ruleset()
    clinic = revhyper.load_ruleset(EXAMPLES / "rulesets" / "clinic-north.toml")
    examples = sorted((EXAMPLES / "profiles").glob("*.*"))
    examples = [p for p in examples if p.suffix in (".toml", ".json")]
    for path in examples:
        yield f"example:{path.name}", path.read_text(encoding="utf-8"), path.suffix[1:], rules
        yield f"clinic:{path.name}", path.read_text(encoding="utf-8"), path.suffix[1:], clinic
    for i, text in enumerate(batch_mix(300)):
        yield f"batch:{i}", text, "json", rules
    for i, text in enumerate(timed_mix(300)):
        yield f"timed:{i}", text, "json", rules
        if i < 100:
            yield f"clinic-timed:{i}", text, "json", clinic


def digests() -> dict[str, str]:
    out = {}
    for name, text, kind, rules in cases():
        try:
            profile = revhyper.parse_profile(text, name=f"{name}.{kind}", ruleset=rules, kind=kind)
        except ProfileError:
            out[name] = "invalid"
            continue
        data = revhyper.block_to_json(revhyper.generate(profile, rules))
        out[name] = hashlib.sha256(data).hexdigest()[:16]
    return out


def test_blocks_are_byte_for_byte_as_before():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = digests()
    assert set(now) == set(golden)
    differ = [name for name in golden if now[name] != golden[name]]
    assert not differ, f"{len(differ)} of {len(golden)} blocks changed, e.g. {differ[:5]}"


def test_the_golden_profiles_cover_every_outcome():
    statuses: dict[str, int] = {}
    changing = 0
    for name, text, kind, rules in cases():
        try:
            profile = revhyper.parse_profile(text, name=f"{name}.{kind}", ruleset=rules, kind=kind)
        except ProfileError:
            continue
        block = revhyper.generate(profile, rules)
        statuses[block.status] = statuses.get(block.status, 0) + 1
        changing += len({w.rules for w in block.weeks}) > 1
    assert all(statuses.get(s, 0) >= 20 for s in ("generated", "needs_clearance", "refused")), statuses
    assert changing >= 20  # blocks whose rules change during the block


def test_a_block_changed_in_place_changes_no_later_block(default_rules):
    """The engine's memos never hand out an object a block holds: a plugin that changes one block in place (which
    the exporters catch for that block) leaves the blocks generated after it as they were."""
    profile = revhyper.parse_profile((EXAMPLES / "profiles" / "post-microdiscectomy-graded.toml").read_text(),
                                     name="p.toml", ruleset=default_rules)
    before = revhyper.block_to_json(revhyper.generate(profile, default_rules))
    block = revhyper.generate(profile, default_rules)
    for week in block.weeks:
        object.__setattr__(week.caps, "max_load_percent", 150)
        for session in week.sessions:
            object.__setattr__(session.exercises[0], "sets", 9)
    for applied in block.screening.caps:
        object.__setattr__(applied, "value", 150)
    object.__setattr__(block.screening.merged_caps, "max_rom_percent", 130)
    assert revhyper.block_to_json(revhyper.generate(profile, default_rules)) == before


@pytest.mark.parametrize("name", ["post-microdiscectomy-graded.toml", "acute-irritable.toml",
                                  "red-flag-cauda-equina.toml"])
def test_a_block_changed_in_place_changes_neither_the_rule_set_nor_a_later_block(default_rules, name):
    """A fired rule's caps and referral and the block's pain rule are the block's own copies, not the rule set's
    objects: changed in place (which the exporters catch for that block), they change no rule and no later block
    (in the service, the next request's)."""
    profile = revhyper.parse_profile((EXAMPLES / "profiles" / name).read_text(), name=name, ruleset=default_rules)
    before = revhyper.block_to_json(revhyper.generate(profile, default_rules))
    block = revhyper.generate(profile, default_rules)
    changed = 0
    for fired in block.screening.fired:
        if fired.caps is not None:
            object.__setattr__(fired.caps, "max_sets", 9)
            object.__setattr__(fired.caps, "bodyweight_only", False)
            changed += 1
        if fired.referral is not None:
            object.__setattr__(fired.referral, "urgency", "routine")
            changed += 1
    if block.referral is not None:
        object.__setattr__(block.referral, "message", "Carry on training.")
    object.__setattr__(block.pain_rule, "during", "Any pain is fine.")
    assert changed
    assert revhyper.block_to_json(revhyper.generate(profile, default_rules)) == before
    assert all(r.caps is None or r.caps.max_sets != 9 for r in default_rules.rules)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_engine_golden.py --write   (rewrites tests/data/engine-golden.json)")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(digests(), indent=0) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
