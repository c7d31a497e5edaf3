"""revhyper formats [--format text|json]"""

from __future__ import annotations

import json
import sys

from ..cli import EXIT_GENERATED, emit


def register(commands) -> None:
    formats = commands.add_parser("formats", help="list every installed output format and who provides it",
                                  description="List every output format: built-in and from installed adapter plugins.")
    formats.add_argument("--format", "-f", choices=("text", "json"), default="text")
    formats.set_defaults(run=run)


def run(args) -> int:
    from ..plugins import all_exporters, get_plugins

    exporters = all_exporters()
    failures = get_plugins().failures
    if args.format == "json":
        emit((json.dumps({
            "formats": [{"name": x.name, "suffix": x.suffix, "media_type": x.media_type, "provider": x.provider,
                         "description": x.description, "statuses": list(x.statuses)} for x in exporters.values()],
            "failed_plugins": sorted(failures.values()),
        }, indent=2) + "\n").encode("utf-8"), None)
    else:
        rows = [("format", "suffix", "media type", "provided by", "description")]
        rows += [(x.name, x.suffix, x.media_type, x.provider, x.description) for x in exporters.values()]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        emit("".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] + "\n"
                     for row in rows).encode("utf-8"), None)
        for failure in sorted(failures.values()):
            print(f"warning: {failure}", file=sys.stderr)
    return EXIT_GENERATED
