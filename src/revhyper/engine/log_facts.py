"""The ``log.*`` facts an adaptation rule reads: one week of a block, as the training log says it went.

Every fact is worked out here, once, from the week's prescription and the log's sessions (adapt.py walks the
weeks; explain prints the same values). A fact the log cannot give (no RPE written, no pain recorded) is missing,
and a comparison with a missing fact is false, as for a profile's optional fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

LOG_FIELDS: dict[str, dict[str, Any]] = {
    "log.sessions_planned": {"kind": "number", "range": (1, 7), "optional": False,
                             "meaning": "sessions the week prescribed"},
    "log.sessions_logged": {"kind": "number", "range": (0, 7), "optional": False,
                            "meaning": "sessions of the week with at least one set of the block's exercise logged"},
    "log.sessions_missed": {"kind": "number", "range": (0, 7), "optional": False,
                            "meaning": "sessions prescribed but not logged (planned minus logged, at least 0)"},
    "log.sessions_ratio": {"kind": "number", "range": (0, 7), "optional": False,
                           "meaning": "sessions logged / sessions planned (0.5: half of them)"},
    "log.reps_done_ratio": {"kind": "number", "range": (0, 1000), "optional": True,
                            "meaning": "repetitions done / repetitions prescribed, over the sessions logged (1: all of them); "
                                       "missing when no session was logged"},
    "log.rpe_max": {"kind": "number", "range": (1, 10), "optional": True,
                    "meaning": "the highest RPE of any set of the week; missing when none was written"},
    "log.target_rpe": {"kind": "number", "range": (1, 10), "optional": True,
                       "meaning": "the week's target effort as RPE (the phase's target_rpe, or 10 - target_rir); "
                                  "missing when the phase sets none"},
    "log.pain_during_max": {"kind": "number", "range": (0, 10), "optional": True,
                            "meaning": "the highest pain during of the week's sessions"},
    "log.pain_next_morning": {"kind": "number", "range": (0, 10), "optional": True,
                              "meaning": "the highest next-morning pain of the week's sessions"},
    "log.pain_next_morning_rise": {"kind": "number", "range": (-10, 10), "optional": True,
                                   "meaning": "the most a session's next-morning pain rose above the client's usual "
                                              "level: the previous session's next-morning pain, or the profile's "
                                              "pain.current for the first session recorded"},
    "log.pain_rising_sessions": {"kind": "number", "range": (0, 10_000), "optional": False,
                                 "meaning": "the most sessions in a row, ending in this week, whose next-morning pain "
                                            "rose above the usual level (the run may start in an earlier week)"},
    "log.weeks_since_last_session": {"kind": "number", "range": (0, 10_000), "optional": True,
                                     "meaning": "whole weeks (days / 7, rounded down) from the session before this "
                                                "week's first to that first session; missing for the log's first"},
}
"""Every fact an adaptation's condition may read, with its kind and range (the never-fire proof uses the range)."""


def log_condition_fields() -> dict[str, dict[str, Any]]:
    """What an adaptation's condition may read: the log facts and every profile field a rule may read."""
    from ..profile.profile import condition_fields

    return {**condition_fields(), **{name: {k: v for k, v in info.items() if k != "meaning"}
                                     for name, info in LOG_FIELDS.items()}}


def rises(sessions: Sequence[Any], usual_start: float | None) -> list[float | None]:
    """For each session (in date order), how far its next-morning pain rose above the usual level before it: the
    last recorded next-morning pain, or ``usual_start`` (the profile's pain.current) before any was recorded."""
    usual = usual_start
    out: list[float | None] = []
    for session in sessions:
        pain = session.pain_next_morning
        if pain is None:
            out.append(None)
            continue
        out.append(None if usual is None else pain - usual)
        usual = pain
    return out


def week_facts(*, planned_sessions: int, prescribed_reps: int, target_rpe: float | None, sessions: Sequence[Any],
               rise: Sequence[float | None], rising_run: int, previous_date: dt.date | None) -> dict[str, Any]:
    """The ``log.*`` facts of one week: ``sessions`` are its logged sessions (logs.model.SessionLog), ``rise`` the
    next-morning rise of each, ``rising_run`` the sessions in a row rising up to its last, ``previous_date`` the
    date of the last session before the week (None: none)."""
    logged = len(sessions)
    done = sum(s.reps_done for s in sessions)
    rpes = [s.rpe_max for s in sessions if s.rpe_max is not None]
    during = [s.pain_during for s in sessions if s.pain_during is not None]
    morning = [s.pain_next_morning for s in sessions if s.pain_next_morning is not None]
    rose = [r for r in rise if r is not None]
    gap = None
    if sessions and previous_date is not None:
        gap = (sessions[0].date - previous_date).days // 7
    return {
        "log.sessions_planned": planned_sessions,
        "log.sessions_logged": logged,
        "log.sessions_missed": max(planned_sessions - logged, 0),
        "log.sessions_ratio": round(logged / planned_sessions, 4) if planned_sessions else 0,
        "log.reps_done_ratio": round(done / (prescribed_reps * logged), 4) if logged and prescribed_reps else None,
        "log.rpe_max": max(rpes) if rpes else None,
        "log.target_rpe": target_rpe,
        "log.pain_during_max": max(during) if during else None,
        "log.pain_next_morning": max(morning) if morning else None,
        "log.pain_next_morning_rise": max(rose) if rose else None,
        "log.pain_rising_sessions": rising_run,
        "log.weeks_since_last_session": gap,
    }
