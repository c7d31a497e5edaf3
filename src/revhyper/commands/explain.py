"""revhyper explain PROFILE [--rules FILE] [--format text|json] [-o FILE]"""

from __future__ import annotations

from ..cli import STATUS_EXIT, emit, load_profile_arg, load_ruleset_arg


def register(commands) -> None:
    explain = commands.add_parser(
        "explain", help="show why a profile gets its block: every rule, cap and number",
        description="The trace of a generation in plain language: each rule with its condition, the profile values it "
                    "read, whether it fired and its source; which cap won; and how each week's numbers were derived.")
    explain.add_argument("profile", metavar="PROFILE", help="the client's profile file (.toml or .json), or - for standard input")
    explain.add_argument("--rules", metavar="FILE", help='rule set (a file, "default" or "plugin:NAME"; default: embedded)')
    explain.add_argument("--format", "-f", choices=("text", "json"), default="text")
    explain.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    explain.set_defaults(run=run)


def run(args) -> int:
    from ..canonical import dump_json
    from ..explain import explain, explain_to_text

    ruleset = load_ruleset_arg(args.rules)
    profile = load_profile_arg(args.profile, ruleset)
    trace = explain(profile, ruleset)
    data = dump_json(trace) if args.format == "json" else explain_to_text(trace).encode("utf-8")
    emit(data, args.output)
    return STATUS_EXIT[trace["status"]]
