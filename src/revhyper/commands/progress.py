"""revhyper progress PROFILE BLOCK LOG [--rules FILE] [--format NAME] [-o FILE] [--log-format NAME] [--exercise-map FILE]"""

from __future__ import annotations

import sys

from ..cli import COMMANDS, STATUS_EXIT, emit, load_profile_arg, load_ruleset_arg


def register(commands) -> None:
    parser = commands.add_parser(
        "progress", help=COMMANDS["progress"],
        description="Read a block revhyper wrote, the client's profile (screened again) and the training log, and write "
                    "the block adapted to the log: the weeks done keep what was logged, the rest is planned again by the "
                    "rule set's adaptation rules, and `adaptations` lists each change with its log entries and rule.")
    parser.add_argument("profile", metavar="PROFILE", help="the client's profile (.toml or .json; it may have been "
                                                           "updated since the block), or - for standard input")
    parser.add_argument("block", metavar="BLOCK", help="the block revhyper wrote (its canonical JSON)")
    parser.add_argument("log", metavar="LOG", help="the training log: revhyper's CSV or JSON lines, or an app's export")
    parser.add_argument("--rules", metavar="FILE", help="rule set to use (default: the embedded default rule set); "
                                                       "the one the block was written with")
    parser.add_argument("--format", "-f", default="json", metavar="NAME",
                        help="output format (default json; DISTRIBUTION:NAME for one plugin's); `revhyper formats` lists them")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    parser.add_argument("--log-format", metavar="NAME",
                        help="the log's format (default: told from the file); `revhyper log-formats` lists them")
    parser.add_argument("--exercise-map", metavar="FILE",
                        help="TOML (or JSON) file mapping the app's exercise names to variants (docs/logs.md)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..export import block_loader, exporters
    from ..errors import BlockError
    from ..logs.load import load_log
    from ..engine.adapt import progress

    previous = exporters.set_time_limit(exporters.time_limit_from_env(), hard_stop=True)
    try:
        exporters.check_format(args.format)
        ruleset = load_ruleset_arg(args.rules)
        profile = load_profile_arg(args.profile, ruleset)
        block = block_loader.load_block(args.block)
        log = load_log(args.log, ruleset, format=args.log_format, exercise_map=args.exercise_map)
        for message in log.skipped:
            print(f"revhyper: note: {log.file}: {message}", file=sys.stderr)
        try:
            adapted = progress(profile, block, log, ruleset)
        except BlockError as exc:  # the block does not go with this profile or rule set: name its file
            import attrs

            raise BlockError([attrs.evolve(p, file=args.block) if p.file == "<block>" else p
                              for p in exc.problems]) from None
        data = exporters.render(adapted, args.format)
    finally:
        exporters.set_time_limit(*previous)
    emit(data, args.output)
    return STATUS_EXIT[adapted.status]
