"""revhyper generate PROFILE [--rules FILE] [--format NAME] [-o FILE]"""

from __future__ import annotations

from ..cli import COMMANDS, STATUS_EXIT, emit, load_profile_arg, load_ruleset_arg


def register(commands) -> None:
    gen = commands.add_parser("generate", help=COMMANDS["generate"],
                              description="Screen a client profile with a rule set and write the periodized block.")
    gen.add_argument("profile", metavar="PROFILE", help="the client's profile file (.toml or .json), or - for standard input")
    gen.add_argument("--rules", metavar="FILE", help="rule set to use (default: the embedded default rule set)")
    gen.add_argument("--format", "-f", default="json", metavar="NAME",
                     help="output format (default json; DISTRIBUTION:NAME for one plugin's); `revhyper formats` lists them")
    gen.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    gen.set_defaults(run=run)


def run(args) -> int:
    from ..export import exporters
    from ..engine.engine import generate

    # plugin code (loading, rule sets, adjusters, the exporter) runs under REVHYPER_EXPORT_TIMEOUT
    previous = exporters.set_time_limit(exporters.time_limit_from_env(), hard_stop=True)
    try:
        exporters.check_format(args.format)
        ruleset = load_ruleset_arg(args.rules)
        profile = load_profile_arg(args.profile, ruleset)
        block = generate(profile, ruleset)
        data = exporters.render(block, args.format)
    finally:
        exporters.set_time_limit(*previous)
    emit(data, args.output)
    return STATUS_EXIT[block.status]
