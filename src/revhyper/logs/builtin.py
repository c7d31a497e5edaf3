"""revhyper's own log readers, registered on the plugin manager like any plugin's."""

from __future__ import annotations

from ..hookspecs import hookimpl
from .reader_apps import HEVY, STRONG
from .reader_csv import REVHYPER_CSV, REVHYPER_JSONL

READERS = (REVHYPER_CSV, REVHYPER_JSONL, STRONG, HEVY)
"""In the order they are asked whether a file is theirs."""


@hookimpl
def revhyper_register_log_readers(register):
    for reader in READERS:
        register(reader)
