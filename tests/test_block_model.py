"""A generated block keeps its weeks as the engine derived them (block.WeekPlan) and makes its Week objects when
they are first read (Block.planned): such a block is, to everyone who reads it, the block with its weeks given
(equal, same hash, same repr, pickled alike), and both JSON forms write the same bytes from either."""

from __future__ import annotations

import datetime as dt
import pickle

import attrs

import revhyper
from revhyper.engine.block import Exercise, Session, WeekPlan
from revhyper.export.block_loader import parse_block
from revhyper.rules.ruleset import Caps

from helpers import EXAMPLES

VALUES = ("machine_reverse_hyper", "Reverse hyperextension (machine)", 3, 12, 20, 50, "2-1-2-0", 90, 90, ("Brace.",),
          None, None, None)


def plan(start: dt.date | None = dt.date(2027, 1, 4)) -> WeekPlan:
    return WeekPlan(2, "base", "Base", False, ("rule",), Caps(max_sets=3), 3, start, (0, 2, 4), (VALUES,))


def test_a_week_plan_makes_its_week_with_the_sessions_sharing_one_exercise():
    week = plan().week()
    exercise = Exercise(*VALUES)
    assert week.sessions == (Session(1, 4, dt.date(2027, 1, 4), (exercise,)), Session(2, 5, dt.date(2027, 1, 6), (exercise,)),
                             Session(3, 6, dt.date(2027, 1, 8), (exercise,)))
    assert week.sessions[0].exercises is week.sessions[2].exercises
    assert (week.number, week.phase, week.phase_name, week.deload, week.rules, week.caps) == \
        (2, "base", "Base", False, ("rule",), Caps(max_sets=3))
    assert [s.date for s in plan(None).week().sessions] == [None, None, None]


def generated(name: str = "chronic-rehab.toml"):
    return revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / name))


def test_a_planned_block_equals_the_block_with_its_weeks_given():
    block = generated()
    assert block.week_plans is not None
    given = attrs.evolve(block, weeks=tuple(plan.week() for plan in block.week_plans))
    assert given.week_plans is None
    assert block == given and given == block and hash(block) == hash(given) and repr(block) == repr(given)
    assert block.weeks is block.weeks  # made once
    assert [s.index for s in block.sessions()] == list(range(1, len(block.sessions()) + 1))


def test_a_missing_attribute_is_still_missing():
    try:
        generated().no_such_field  # noqa: B018
    except AttributeError as exc:
        assert "no_such_field" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_a_generated_block_pickles_and_reads_back_like_one_with_its_weeks_given():
    block = generated()
    assert pickle.loads(pickle.dumps(block)) == block
    again = parse_block(revhyper.block_to_json(block))
    assert again.weeks == block.weeks and again.week_plans is None


def test_both_forms_read_the_plans_and_the_weeks_alike():
    for path in sorted((EXAMPLES / "profiles").glob("*.toml")):
        block = revhyper.generate(revhyper.load_profile(path))
        remade = attrs.evolve(block)
        assert remade.week_plans is None
        assert revhyper.block_to_json(remade) == revhyper.block_to_json(block), path.name
        assert revhyper.block_to_compact(remade) == revhyper.block_to_compact(block), path.name
