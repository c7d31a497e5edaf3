"""A contract test kit for exporter authors: run it against your exporter in your own tests.

    from revhyper.testing import check_exporter
    from my_adapter import MY_EXPORTER

    def test_my_exporter_keeps_the_revhyper_contract():
        check_exporter(MY_EXPORTER)

or, for one pytest test per check::

    import pytest
    from revhyper.testing import CONTRACT, run_check

    @pytest.mark.parametrize("check", CONTRACT)
    def test_contract(check):
        run_check(check, MY_EXPORTER)

For a plugin that adjusts blocks for a platform, ``check_adjuster(my_plugin.revhyper_adjust_block, "myformat")``
checks that it changes nothing but what a platform may map (revhyper.engine.adjustment.MAPPABLE) and writes only
finite numbers, as revhyper checks at export time.

For a log reader (hook ``revhyper_register_log_readers``), ``check_log_reader(reader, sample_bytes, sets=N)``
checks it on a real export of its platform (see the function).

The kit builds its own blocks (generated with and without load and dates, needs clearance, refused) from
profiles it carries, so it needs no files. A check fails with an AssertionError saying what broke.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from .engine.block import Block
from .export.exporters import DEFAULT_TIME_LIMIT, Exporter, TimeLimitExceeded, export_with, set_time_limit, time_limited

PROFILES = {
    "generated": {
        "person": {"id": "contract-loaded", "age": 40},
        "pain": {"current": 2, "duration_weeks": 30},
        "training": {"experience": "intermediate", "goal": "strength", "days_per_week": 3, "start_date": "2026-12-07",
                     "equipment": ["reverse_hyper_machine"], "working_load_kg": 40, "load_increment_kg": 2.5},
    },
    "generated_bodyweight": {
        "person": {"id": "contract-bodyweight", "age": 58},
        "pain": {"current": 3, "duration_weeks": 80, "extension_aggravates": True},
        "training": {"experience": "novice", "goal": "rehabilitation", "days_per_week": 2, "weeks": 6,
                     "start_date": "2027-01-04", "equipment": ["bench"]},
    },
    "generated_undated": {
        "person": {"age": 33},
        "pain": {"current": 1, "duration_weeks": 10},
        "training": {"experience": "advanced", "goal": "endurance", "days_per_week": 3, "weeks": 4,
                     "equipment": ["reverse_hyper_machine"], "working_load_kg": 30},
    },
    "needs_clearance": {
        "person": {"id": "contract-clearance", "age": 45},
        "pain": {"current": 8, "duration_weeks": 3},
        "training": {"experience": "novice", "goal": "rehabilitation", "days_per_week": 3, "start_date": "2026-12-07"},
    },
    "refused": {
        "person": {"id": "contract-refused", "age": 50},
        "pain": {"current": 6, "duration_weeks": 1},
        "red_flags": {"saddle_anesthesia": True},
        "training": {"experience": "novice", "goal": "general", "days_per_week": 3, "start_date": "2026-12-07"},
    },
}


def contract_blocks() -> dict[str, Block]:
    """The kit's blocks, by name: generated, generated_bodyweight, generated_undated, needs_clearance, refused."""
    from .engine.engine import generate
    from .profile.profile_loader import profile_from_data
    from .rules.ruleset_loader import default_ruleset

    rules = default_ruleset()
    return {name: generate(profile_from_data(data, ruleset=rules), rules) for name, data in PROFILES.items()}


def _supported(exporter: Exporter) -> dict[str, Block]:
    return {n: b for n, b in contract_blocks().items() if b.status in exporter.statuses}


def check_describes_itself(exporter: Exporter) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_-]*", exporter.name), f"format name {exporter.name!r}: lower case letters, digits, - or _"
    assert re.fullmatch(r"\.[A-Za-z0-9.]+", exporter.suffix), f"suffix {exporter.suffix!r} must start with '.'"
    assert re.fullmatch(r"[a-z]+/[A-Za-z0-9.+-]+(;.*)?", exporter.media_type), f"media type {exporter.media_type!r}"
    assert exporter.description.strip(), "give the format a one-line description (revhyper formats shows it)"
    assert "generated" in exporter.statuses, "an exporter must at least export generated blocks"


def check_name_is_its_own(exporter: Exporter) -> None:
    """A plugin's format may not reuse a built-in's name: the built-in would win, and the plugin's exporter be
    reachable only as DISTRIBUTION:NAME (docs/plugins.md, "Precedence")."""
    assert ":" not in exporter.name, "':' is kept for qualified names (DISTRIBUTION:FORMAT)"
    if not getattr(exporter.export, "__module__", "").startswith("revhyper."):
        from .export.builtin_exporters import revhyper_register_exporters

        builtins: list[Exporter] = []
        revhyper_register_exporters(register=builtins.append)
        assert exporter.name not in {x.name for x in builtins}, \
            f"'{exporter.name}' is a built-in format: revhyper's own would be used; choose another name"


def check_finishes_within_the_time_limit(exporter: Exporter) -> None:
    """Each export finishes within the command line's default limit (REVHYPER_EXPORT_TIMEOUT, 30 s)."""
    previous = set_time_limit(DEFAULT_TIME_LIMIT)
    try:
        for name, block in _supported(exporter).items():
            try:
                with time_limited():
                    exporter.export(block)
            except TimeLimitExceeded:
                raise AssertionError(f"{name}: the export did not finish within {DEFAULT_TIME_LIMIT:g} s") from None
    finally:
        set_time_limit(*previous)


def check_exports_bytes_for_every_status_it_claims(exporter: Exporter) -> None:
    blocks = _supported(exporter)
    for name, block in blocks.items():
        data = export_with(exporter, block)
        assert isinstance(data, bytes) and data, f"{name}: the export is empty"


def check_refuses_unsupported_statuses_clearly(exporter: Exporter) -> None:
    from .errors import OutputError

    for name, block in contract_blocks().items():
        if block.status in exporter.statuses:
            continue
        try:
            export_with(exporter, block)
        except OutputError as exc:
            assert exporter.name in str(exc), f"{name}: the error should name the format"
        else:  # pragma: no cover - export_with always raises here
            raise AssertionError(f"{name}: a {block.status} block was exported though statuses says otherwise")


def check_is_deterministic(exporter: Exporter) -> None:
    for name, block in _supported(exporter).items():
        assert exporter.export(block) == exporter.export(block), f"{name}: two exports of one block differ"
    again = _supported(exporter)
    for name, block in _supported(exporter).items():
        assert exporter.export(block) == exporter.export(again[name]), f"{name}: equal blocks gave different bytes"


def check_different_blocks_give_different_files(exporter: Exporter) -> None:
    blocks = _supported(exporter)
    outputs = {name: exporter.export(block) for name, block in blocks.items() if block.status == "generated"}
    assert len(set(outputs.values())) == len(outputs), "different generated blocks exported to the same bytes"


def check_writes_no_files(exporter: Exporter) -> None:
    before = set(os.listdir("."))
    for block in _supported(exporter).values():
        exporter.export(block)
    assert set(os.listdir(".")) == before, "the exporter wrote files; it must only return bytes"


CONTRACT: tuple[Callable[[Exporter], None], ...] = (
    check_describes_itself,
    check_name_is_its_own,
    check_exports_bytes_for_every_status_it_claims,
    check_refuses_unsupported_statuses_clearly,
    check_is_deterministic,
    check_different_blocks_give_different_files,
    check_writes_no_files,
    check_finishes_within_the_time_limit,
)


def run_check(check: Callable[[Exporter], None], exporter: Exporter) -> None:
    check(exporter)


def check_exporter(exporter: Exporter) -> None:
    """Run every contract check; the first failure raises AssertionError naming the check."""
    for check in CONTRACT:
        try:
            check(exporter)
        except AssertionError as exc:
            raise AssertionError(f"{exporter.name}: {check.__name__}: {exc}") from None


def check_adjuster(adjust: Callable[..., Block | None], format_name: str) -> None:
    """Run a plugin's ``revhyper_adjust_block`` on every contract block for ``format_name``; AssertionError if it
    changes anything but the fields a platform may map, or writes a number that is not finite."""
    from .engine.adjustment import problems

    for name, block in contract_blocks().items():
        result = adjust(block=block, format_name=format_name)
        if result is None:
            continue
        found = problems(block, result)
        assert not found, f"{name}: the adjuster changed what revhyper does not allow: " + "; ".join(found)


# -- log readers (revhyper_register_log_readers) -------------------------------------------------------------

LOG_SAMPLE = (b"date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note\n"
              b"2026-12-07,machine_reverse_hyper,1,12,20,6,2,1,\n")
"""A file in revhyper's own log format: a plugin's reader must not claim it (its sniff says no)."""


def check_log_reader(reader, sample: bytes, *, sets: int | None = None) -> None:
    """Check a third-party log reader against revhyper's contract with ``sample``, a real export of its platform.

    The reader describes itself, does not take a built-in reader's name, reads ``sample`` into rows revhyper
    accepts (``sets`` of them, when given, mapped to the default rule set's variants by the reader's own names),
    does so deterministically and without writing files, recognises ``sample`` by its first bytes (when it
    sniffs) but not revhyper's own CSV, and answers bytes that are not its format with a LogError (an InputError),
    never another exception. AssertionError says what broke.
    """
    from .errors import InputError
    from .logs.builtin import READERS
    from .logs.rows import LogReader, ReadOptions, ReadResult

    assert isinstance(reader, LogReader), "register a revhyper.logs.rows.LogReader"
    assert re.fullmatch(r"[a-z][a-z0-9_-]*", reader.name), f"log format name {reader.name!r}: lower case letters, digits, - or _"
    assert reader.name not in {r.name for r in READERS}, f"'{reader.name}' is a built-in log format: choose another name"
    assert reader.description.strip(), "give the log format a one-line description (revhyper log-formats shows it)"
    assert all(re.fullmatch(r"\.[A-Za-z0-9.]+", s) for s in reader.suffixes), f"suffixes {reader.suffixes!r} start with '.'"
    before = set(os.listdir("."))
    first = reader.read(sample, "sample", ReadOptions())
    assert isinstance(first, ReadResult), f"read() returned {type(first).__name__}, not a ReadResult"
    assert first == reader.read(sample, "sample", ReadOptions()), "two reads of the same file differ"
    if reader.sniff is not None:
        assert reader.sniff(sample[:4096]), "sniff() does not recognise the sample's first bytes"
        assert not reader.sniff(LOG_SAMPLE), "sniff() claims revhyper's own CSV log"
    from .logs.names import resolve
    from .logs.rows import build_log
    from .rules.ruleset_loader import default_ruleset

    variants = default_ruleset().variants
    log = build_log(first, variants=variants, names=resolve(variants, reader.exercise_names, None), file="sample",
                    reader=reader.name)
    if sets is not None:
        assert len(log) == sets, f"the sample gave {len(log)} sets, expected {sets} (are its exercise names mapped?)"
    for garbage in (b"", b"\x00\x01\x02 not a log", "caf\u00e9,\u2028\n".encode(), b"\xff\xfe\xfa"):
        try:
            reader.read(garbage, "garbage", ReadOptions())
        except InputError:
            pass
        except Exception as exc:  # noqa: BLE001 - this is what the check is for
            raise AssertionError(f"reading {garbage[:20]!r} raised {type(exc).__name__}: {exc}; raise revhyper.LogError "
                                 "with a Problem naming the file instead") from None
    assert set(os.listdir(".")) == before, "the reader wrote files; it must only return rows"
