"""revhyper formats [--format text|json]"""

from __future__ import annotations

import json
import sys

from ..cli import COMMANDS, EXIT_GENERATED, emit


def register(commands) -> None:
    formats = commands.add_parser("formats", help=COMMANDS["formats"],
                                  description="List every output format: built-in and from installed adapter plugins, "
                                              "with conflicts between plugins, plugins that failed to load, and the "
                                              "platforms `revhyper push` can put a block into.")
    formats.add_argument("--format", "-f", choices=("text", "json"), default="text")
    formats.set_defaults(run=run)


def listing() -> dict:
    """Every format, the conflicts between plugins, the plugins that failed and the push platforms, as
    `formats --format json` prints them (also served by ``GET /v1/formats``). Plugin code runs under
    REVHYPER_EXPORT_TIMEOUT where signals allow."""
    from ..export import exporters as exporters_module
    from ..plugins import all_exporters, all_pushers, get_plugins

    previous = exporters_module.set_time_limit(exporters_module.time_limit_from_env(), hard_stop=True)
    try:
        chosen = all_exporters()
        plugins = get_plugins()
        table = plugins.formats()
        pushers = all_pushers()  # the platforms `revhyper push` can put a block into (docs/plugins.md, Push)
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
        "push_platforms": [{"name": name, "provider": p.provider, "description": p.description,
                            "default_url": p.default_url} for name, p in pushers.items()],
    }


def run(args) -> int:
    """Exit 0 even when a plugin is broken: the listing names it and why (docs/plugins.md)."""
    found = listing()
    if args.format == "json":
        emit((json.dumps(found, indent=2, ensure_ascii=True) + "\n").encode("utf-8"), None)
        return EXIT_GENERATED
    failures = found["failed_plugins"]
    rows = [["format", "suffix", "media type", "provided by", "description"]]
    rows += [[_escaped(x[key]) for key in ("name", "suffix", "media_type", "provider", "description")]
             for x in found["formats"]]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
    if found["push_platforms"]:
        out.append("\npush platforms (revhyper push PLATFORM BLOCK):")
        push_rows = [[_escaped(p[key]) for key in ("name", "provider", "description")] for p in found["push_platforms"]]
        out.extend("  " + "  ".join(cell.ljust(max(len(r[i]) for r in push_rows)) for i, cell in enumerate(row[:2]))
                   + "  " + row[2] for row in push_rows)
    if found["conflicts"]:
        from ..plugins import Conflict

        out.append("\nconflicts (each format name means one exporter; the others by DISTRIBUTION:FORMAT):")
        out.extend(f"  {_escaped(str(Conflict(**{**conflict, 'others': tuple(conflict['others'])})))}"
                   for conflict in found["conflicts"])
    if failures:
        out.append("\nbroken plugins (their formats are not available):")
        out.extend(f"  {_escaped(failure)}" for failure in failures)
    emit("".join(line + "\n" for line in out).encode("utf-8"), None)
    for failure in failures:
        print(f"warning: {_escaped(failure)}", file=sys.stderr)
    return EXIT_GENERATED


def _escaped(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
