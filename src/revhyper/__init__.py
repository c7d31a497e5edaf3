"""revhyper: periodized reverse hyperextension blocks for people with low back pain.

The Python API, all typed and free of side effects but for reading the files you name::

    import revhyper

    rules = revhyper.default_ruleset()             # or revhyper.load_ruleset("clinic.toml")
    profile = revhyper.load_profile("client.toml", rules)
    block = revhyper.generate(profile, rules)
    block.status                                   # "generated" | "needs_clearance" | "refused"
    revhyper.block_to_json(block)                  # canonical JSON bytes

Names are imported lazily so that ``import revhyper`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__

_EXPORTS = {
    "Block": "engine.block",
    "Profile": "profile.profile",
    "RuleSet": "rules.ruleset",
    "Problem": "errors",
    "RevhyperError": "errors",
    "InputError": "errors",
    "ProfileError": "errors",
    "RulesetError": "errors",
    "OutputError": "errors",
    "load_profile": "profile.profile_loader",
    "parse_profile": "profile.profile_loader",
    "profile_from_data": "profile.profile_loader",
    "load_ruleset": "rules.ruleset_files",
    "parse_ruleset": "rules.ruleset_loader",
    "default_ruleset": "rules.ruleset_loader",
    "generate": "engine.engine",
    "screen": "engine.screening",
    "block_to_dict": "export.canonical",
    "block_to_json": "export.canonical",
    "block_to_compact": "export.compact",
    "expand_compact": "export.compact",
    "block_to_text": "export.text_view",
    "LogError": "errors",
    "BlockError": "errors",
    "load_log": "logs.load",
    "parse_log": "logs.load",
    "TrainingLog": "logs.model",
    "LogEntry": "logs.model",
    "load_block": "export.block_loader",
    "block_from_dict": "export.block_loader",
    "progress": "engine.adapt",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # "X as X": explicit re-exports, for strict type checkers
    from .engine.block import Block as Block
    from .export.canonical import block_to_dict as block_to_dict, block_to_json as block_to_json
    from .export.compact import block_to_compact as block_to_compact, expand_compact as expand_compact
    from .export.block_loader import block_from_dict as block_from_dict, load_block as load_block
    from .errors import (
        BlockError as BlockError,
        InputError as InputError,
        LogError as LogError,
        OutputError as OutputError,
        Problem as Problem,
        ProfileError as ProfileError,
        RevhyperError as RevhyperError,
        RulesetError as RulesetError,
    )
    from .engine.engine import generate as generate
    from .engine.adapt import progress as progress
    from .logs.load import load_log as load_log, parse_log as parse_log
    from .logs.model import LogEntry as LogEntry, TrainingLog as TrainingLog
    from .profile.profile import Profile as Profile
    from .profile.profile_loader import (
        load_profile as load_profile,
        parse_profile as parse_profile,
        profile_from_data as profile_from_data,
    )
    from .rules.ruleset import RuleSet as RuleSet
    from .rules.ruleset_files import load_ruleset as load_ruleset
    from .rules.ruleset_loader import default_ruleset as default_ruleset, parse_ruleset as parse_ruleset
    from .engine.screening import screen as screen
    from .export.text_view import block_to_text as block_to_text


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'revhyper' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
