"""Properties of `revhyper progress` (hypothesis; the `ci`/`dev` profiles run 60 examples each).

- worse pain never yields more load, sets or range: "worse" is the same log with every session's pain during and
  next-morning pain raised by the same amount from one date on (the pain model reads rises against the previous
  session, so raising one session alone lowers the next one's rise: that log is not simply worse);
- progress never passes a cap of the week, nor the experience level's limits;
- an empty log changes nothing: every week is the block's, exercise for exercise (the dates too), and no adaptation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

import revhyper
from revhyper.engine.periodization import SESSION_DAYS

HEADER = "date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note\n"
RULES = revhyper.default_ruleset()
PROFILES = {
    name: revhyper.load_profile(f"examples/profiles/{name}.toml", RULES)
    for name in ("healthy-strength", "chronic-rehab", "spondylolisthesis", "home-no-machine")
}
BLOCKS = {name: revhyper.generate(p, RULES) for name, p in PROFILES.items()}
GENERATED = [n for n, b in BLOCKS.items() if b.status == "generated" and b.plan.start_date]


@st.composite
def sessions(draw, name):
    """(date, sets, reps, rpe, pain during, next-morning pain) for sessions over the block's first 5 weeks."""
    block = BLOCKS[name]
    start = block.plan.start_date
    days = SESSION_DAYS[block.plan.days_per_week]
    out = []
    for week in range(draw(st.integers(1, 5))):
        for offset in days:
            if draw(st.booleans()) or draw(st.booleans()):
                ex = block.weeks[week].sessions[0].exercises[0]
                out.append((start + dt.timedelta(days=7 * week + offset), draw(st.integers(1, ex.sets + 1)),
                            draw(st.integers(max(ex.reps - 4, 0), ex.reps + 2)), draw(st.sampled_from([6, 7, 8, 9, None])),
                            draw(st.integers(0, 5)), draw(st.one_of(st.none(), st.integers(0, 5)))))
    return out


def log_text(rows, variant, raise_from=None, delta=0):
    lines = []
    for day, sets, reps, rpe, during, morning in rows:
        up = delta if raise_from is not None and day >= raise_from else 0
        for n in range(1, sets + 1):
            first = n == 1
            lines.append(f"{day.isoformat()},{variant},{n},{reps},,{'' if rpe is None else rpe},"
                         f"{during + up if first else ''},{'' if morning is None or not first else morning + up},")
    return (HEADER + "".join(line + "\n" for line in lines)).encode()


def progressed(name, data):
    block = BLOCKS[name]
    log = revhyper.parse_log(data, name="p.csv", ruleset=RULES)
    return revhyper.progress(PROFILES[name], block, log, RULES)


@pytest.mark.parametrize("name", GENERATED)
@settings(deadline=None)  # a shared 2-core host: one example may take 250 ms while others take 3
@given(data=st.data())
def test_worse_pain_never_yields_more_load_sets_or_range(name, data):
    rows = data.draw(sessions(name))
    if not rows:
        return
    raise_from = data.draw(st.sampled_from([r[0] for r in rows]))
    delta = data.draw(st.integers(1, 5))
    variant = BLOCKS[name].plan.variant
    better = progressed(name, log_text(rows, variant))
    worse = progressed(name, log_text(rows, variant, raise_from, delta))
    assert len(worse.weeks) <= len(better.weeks)
    for w, b in zip(worse.weeks, better.weeks):
        we, be = w.sessions[0].exercises[0], b.sessions[0].exercises[0]
        assert (we.load_kg or 0) <= (be.load_kg or 0) and we.sets <= be.sets and we.rom_percent <= be.rom_percent, w.number


@pytest.mark.parametrize("name", GENERATED)
@settings(deadline=None)
@given(data=st.data())
def test_progress_never_passes_a_cap(name, data):
    block = progressed(name, log_text(data.draw(sessions(name)), BLOCKS[name].plan.variant))
    level = RULES.experience[block.plan.experience]
    for week in block.weeks:
        caps = week.caps
        for session in week.sessions:
            for e in session.exercises:
                assert e.sets <= min(level.max_sets, caps.max_sets or 10)
                assert e.load_percent is None or e.load_percent <= min(level.max_load_percent,
                                                                        caps.max_load_percent or 150)
                assert caps.max_rom_percent is None or e.rom_percent <= caps.max_rom_percent
                assert caps.max_reps is None or e.reps <= caps.max_reps
                assert not caps.bodyweight_only or e.load_kg is None


@pytest.mark.parametrize("name", GENERATED)
def test_an_empty_log_changes_nothing(name):
    block = progressed(name, HEADER.encode())
    assert block.weeks == BLOCKS[name].weeks and block.adaptations == ()
    assert [s.date for s in block.sessions()] == [s.date for s in BLOCKS[name].sessions()]
