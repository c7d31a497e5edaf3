"""A generated block's weeks make their sessions when first read (engine/block.py, Week.planned): such a week is,
to everyone who reads it, the week with its sessions given (equal, same hash, same repr, pickled alike)."""

from __future__ import annotations

import datetime as dt
import pickle

import attrs

import revhyper
from revhyper.engine.block import Exercise, Session, SessionPlan, Week
from revhyper.export.block_loader import parse_block
from revhyper.rules.ruleset import Caps

from helpers import EXAMPLES

EXERCISE = Exercise("machine_reverse_hyper", "Reverse hyperextension (machine)", 3, 12, 20, 50, "2-1-2-0", 90, 90,
                    ("Brace.",))


def planned(start: dt.date | None = dt.date(2027, 1, 4)) -> Week:
    return Week.planned(2, "base", "Base", False, SessionPlan(3, start, (0, 2, 4), (EXERCISE,)), ("rule",),
                        Caps(max_sets=3))


def test_a_planned_week_equals_the_week_with_its_sessions_given():
    given = Week(2, "base", "Base", False, (
        Session(1, 4, dt.date(2027, 1, 4), (EXERCISE,)),
        Session(2, 5, dt.date(2027, 1, 6), (EXERCISE,)),
        Session(3, 6, dt.date(2027, 1, 8), (EXERCISE,)),
    ), ("rule",), Caps(max_sets=3))
    week = planned()
    assert week == given and given == week and hash(week) == hash(given) and repr(week) == repr(given)
    assert week.sessions == given.sessions and week.sessions is week.sessions  # made once
    assert week.session_plan is not None and given.session_plan is None


def test_without_a_start_date_the_sessions_have_no_date():
    assert [(s.number, s.index, s.date) for s in planned(None).sessions] == [(1, 4, None), (2, 5, None), (3, 6, None)]


def test_a_changed_week_is_a_plain_week_and_a_missing_attribute_is_still_missing():
    week = attrs.evolve(planned(), deload=True)
    assert week.session_plan is None and week.deload and len(week.sessions) == 3
    try:
        planned().no_such_field  # noqa: B018
    except AttributeError as exc:
        assert "no_such_field" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_a_generated_block_pickles_and_compares_like_one_read_back():
    profile = revhyper.load_profile(EXAMPLES / "profiles" / "chronic-rehab.toml")
    block = revhyper.generate(profile)
    assert all(week.session_plan is not None for week in block.weeks)
    assert pickle.loads(pickle.dumps(block)) == block
    again = parse_block(revhyper.block_to_json(block))
    assert again.weeks == block.weeks and again.weeks[0].session_plan is None
    assert [s.index for s in block.sessions()] == list(range(1, len(block.sessions()) + 1))


def test_the_canonical_form_reads_the_plan_and_the_sessions_alike():
    for path in sorted((EXAMPLES / "profiles").glob("*.toml")):
        block = revhyper.generate(revhyper.load_profile(path))
        remade = attrs.evolve(block, weeks=tuple(attrs.evolve(week) for week in block.weeks))
        assert revhyper.block_to_json(remade) == revhyper.block_to_json(block), path.name
