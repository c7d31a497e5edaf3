"""revhyper formats [--format text|json]"""

from __future__ import annotations

import json
import sys

from ..cli import EXIT_GENERATED


def register(commands) -> None:
    formats = commands.add_parser("formats", help="list every installed output format and who provides it",
                                  description="List every output format: built-in and from installed adapter plugins, "
                                              "with conflicts between plugins and plugins that failed to load.")
    formats.add_argument("--format", "-f", choices=("text", "json"), default="text")
    formats.set_defaults(run=run)


def listing() -> dict:
    """Every format, the conflicts between plugins and the plugins that failed, as `formats --format json` prints
    them (also served by ``GET /v1/formats``). Plugin code runs under REVHYPER_EXPORT_TIMEOUT where signals allow."""
    from .. import exporters as exporters_module
    from ..plugins import all_exporters, get_plugins

    previous = exporters_module.set_time_limit(exporters_module.time_limit_from_env(), hard_stop=True)
    try:
        chosen = all_exporters()
        plugins = get_plugins()
        table = plugins.formats()
    finally:
        exporters_module.set_time_limit(*previous)
    # an exporter that a format name does not mean (a built-in's name, or a conflict's loser): by qualified name
    shadowed = {name: x for name, x in table.qualified.items() if chosen.get(x.name) is not x}
    listed = [(name, x) for name, x in chosen.items()] + sorted(shadowed.items())
    return {
        "formats": [{"name": name, "format": x.name, "suffix": x.suffix, "media_type": x.media_type,
                     "provider": x.provider, "description": x.description, "statuses": list(x.statuses)}
                    for name, x in listed],
        "conflicts": [{"format": c.format, "chosen": c.chosen, "others": list(c.others), "reason": c.reason}
                      for c in table.conflicts],
        "failed_plugins": sorted(plugins.failures.values()),
    }


def run(args) -> int:
    """Exit 0 even when a plugin is broken: the listing names it and why (docs/plugins.md)."""
    found = listing()
    if args.format == "json":
        sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=True) + "\n")
        return EXIT_GENERATED
    failures = found["failed_plugins"]
    rows = [["format", "suffix", "media type", "provided by", "description"]]
    rows += [[_escaped(x[key]) for key in ("name", "suffix", "media_type", "provider", "description")]
             for x in found["formats"]]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    if found["conflicts"]:
        print("\nconflicts (each format name means one exporter; the others by DISTRIBUTION:FORMAT):")
        from ..plugins import Conflict

        for conflict in found["conflicts"]:
            print(f"  {_escaped(str(Conflict(**{**conflict, 'others': tuple(conflict['others'])})))}")
    if failures:
        print("\nbroken plugins (their formats are not available):")
        for failure in failures:
            print(f"  {_escaped(failure)}")
    for failure in failures:
        print(f"warning: {_escaped(failure)}", file=sys.stderr)
    return EXIT_GENERATED


def _escaped(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
