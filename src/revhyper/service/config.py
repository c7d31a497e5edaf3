"""What a server may use, fixed at start-up: its rule sets, its API keys and its limits.

Rule sets come only from here (``--rules`` files, the embedded default, installed plugins); a request picks one
by id among them, never by a path. Nothing in this module imports Starlette.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import attrs

from ..errors import InputError, Problem
from ..rules.ruleset import RuleSet

MAX_BODY_BYTES = 1_000_000
"""The largest request body read (413 past it): the profile loader's own limit."""
MAX_PROGRESS_BODY_BYTES = 4_000_000
"""The largest ``POST /v1/progress`` body: a profile, a block and a training log (a 52-week block with a year logged,
and the log, come to about 0.5 MB)."""
DEFAULT_TIME_LIMIT = 10.0
"""Seconds a request may take, from its first byte read to its answer (504 past it)."""
MAX_TIME_LIMIT = 3600.0


@attrs.frozen
class ServiceConfig:
    rulesets: Mapping[str, RuleSet]
    """id -> rule set; every rule set a request may pick with ``?ruleset=ID``."""
    default: str
    """The id used when a request names none."""
    api_keys: tuple[bytes, ...] = ()
    """When not empty, every request but ``/healthz`` must carry one of these keys."""
    time_limit: float = DEFAULT_TIME_LIMIT
    max_body: int = MAX_BODY_BYTES
    max_progress_body: int = MAX_PROGRESS_BODY_BYTES
    skipped: tuple[str, ...] = ()
    """Installed plugins' rule sets that failed to load (logged at start-up, not served)."""

    def __attrs_post_init__(self) -> None:
        if self.default not in self.rulesets:
            raise ValueError(f"default rule set {self.default!r} is not among {sorted(self.rulesets)}")


def build_config(rules: Sequence[str] = (), *, api_keys_env: str | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """The configuration of ``revhyper serve``: raises InputError (exit 2) for a bad rule set, a repeated rule-set
    id, a bad time limit or an API-key variable that is unset or empty.

    ``rules`` are the ``--rules`` values (files, ``default`` or ``plugin:NAME``), the first being the default;
    with none, the embedded default rule set is. Every rule set that an installed plugin ships is offered too."""
    from ..rules.ruleset_files import load_ruleset_named, plugin_rulesets
    from ..rules.ruleset_loader import default_ruleset

    environ = os.environ if environ is None else environ
    problems: list[Problem] = []
    if not (0 < time_limit <= MAX_TIME_LIMIT):
        problems.append(Problem("--time-limit", "", f"expected seconds above 0 and at most {MAX_TIME_LIMIT:g}, got {time_limit:g}"))
    keys = _api_keys(api_keys_env, environ, problems)
    loaded: list[tuple[str, RuleSet]] = []
    for name in rules:
        try:
            loaded.append((name, load_ruleset_named(name)))
        except InputError as exc:
            problems.extend(exc.problems)
    if not rules:
        loaded.append(("default", default_ruleset()))
    chosen = {name for name, _ in loaded}
    skipped: list[str] = []
    for key in sorted(plugin_rulesets()):
        name = f"plugin:{key}"
        if name in chosen:
            continue
        try:
            loaded.append((name, load_ruleset_named(name)))
        except InputError as exc:
            skipped.append(f"{name}: {exc.problems[0] if exc.problems else 'invalid'}")
    by_id: dict[str, RuleSet] = {}
    where: dict[str, str] = {}
    for name, ruleset in loaded:
        if ruleset.id in by_id:
            if by_id[ruleset.id].sha256 != ruleset.sha256:
                problems.append(Problem(name, "id", f"rule set id '{ruleset.id}' is also the id of {where[ruleset.id]}; "
                                                    "a request picks a rule set by id, so each must be unique"))
            continue
        by_id[ruleset.id], where[ruleset.id] = ruleset, name
    if problems:
        raise InputError(problems)
    return ServiceConfig(rulesets=by_id, default=loaded[0][1].id, api_keys=keys, time_limit=time_limit,
                         skipped=tuple(skipped))


def _api_keys(variable: str | None, environ: Mapping[str, str], problems: list[Problem]) -> tuple[bytes, ...]:
    if variable is None:
        return ()
    keys = tuple(k.strip().encode("utf-8") for k in environ.get(variable, "").split(",") if k.strip())
    if not keys:
        problems.append(Problem("--api-keys-env", "", f"the environment variable {variable} is unset or holds no key; "
                                                      "set it to one or more keys separated by commas"))
    return keys


