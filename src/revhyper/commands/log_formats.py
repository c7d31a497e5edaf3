"""revhyper log-formats [--format text|json]"""

from __future__ import annotations

import json
import sys

from ..cli import COMMANDS, EXIT_GENERATED
from .formats import _escaped


def register(commands) -> None:
    parser = commands.add_parser("log-formats", help=COMMANDS["log-formats"],
                                 description="List every training-log format revhyper reads: its own CSV and JSON lines, "
                                             "apps' exports, and those of installed plugins.")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..export import exporters as exporters_module
    from ..plugins import all_log_readers, get_plugins

    previous = exporters_module.set_time_limit(exporters_module.time_limit_from_env(), hard_stop=True)
    try:
        table = all_log_readers()
        failures = sorted(get_plugins().failures.values())
    finally:
        exporters_module.set_time_limit(*previous)
    readers = list(table.chosen.values())
    if args.format == "json":
        sys.stdout.write(json.dumps({
            "log_formats": [{"name": r.name, "suffixes": list(r.suffixes), "provider": r.provider,
                             "description": r.description, "sniffs": r.sniff is not None,
                             "exercise_names": dict(sorted(r.exercise_names.items()))} for r in readers],
            "conflicts": list(table.conflicts),
            "failed_plugins": failures,
        }, indent=2, ensure_ascii=True) + "\n")
        return EXIT_GENERATED
    rows = [["log format", "suffixes", "provided by", "description"]]
    rows += [[_escaped(cell) for cell in (r.name, " ".join(r.suffixes) or "-", r.provider, r.description)] for r in readers]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    for title, items in (("conflicts", table.conflicts), ("broken plugins (their log formats are not available)", failures)):
        if items:
            print(f"\n{title}:")
            for item in items:
                print(f"  {_escaped(item)}")
    for failure in failures:
        print(f"warning: {_escaped(failure)}", file=sys.stderr)
    return EXIT_GENERATED
