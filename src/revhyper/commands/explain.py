"""revhyper explain PROFILE [--rules FILE] [--format text|json] [-o FILE] [--block BLOCK --log LOG]"""

from __future__ import annotations

from ..cli import COMMANDS, STATUS_EXIT, emit, load_profile_arg, load_ruleset_arg


def register(commands) -> None:
    explain = commands.add_parser(
        "explain", help=COMMANDS["explain"],
        description="The trace of a generation in plain language: each rule with its condition, the profile values it "
                    "read, whether it fired and its source; which cap won; and how each week's numbers were derived.")
    explain.add_argument("profile", metavar="PROFILE", help="the client's profile file (.toml or .json), or - for standard input")
    explain.add_argument("--rules", metavar="FILE", help='rule set (a file, "default" or "plugin:NAME"; default: embedded)')
    explain.add_argument("--format", "-f", choices=("text", "json"), default="text")
    explain.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    explain.add_argument("--block", metavar="BLOCK", help="with --log: also trace `revhyper progress` of this block")
    explain.add_argument("--log", metavar="LOG", help="with --block: the training log whose weeks the trace reads")
    explain.add_argument("--log-format", metavar="NAME", help="the log's format (default: told from the file)")
    explain.add_argument("--exercise-map", metavar="FILE", help="the app's exercise names -> variants (docs/logs.md)")
    explain.set_defaults(run=run)


def run(args) -> int:
    from ..export.canonical import dump_json
    from ..engine.explain import explain, explain_to_text

    ruleset = load_ruleset_arg(args.rules)
    profile = load_profile_arg(args.profile, ruleset)
    if (args.block is None) != (args.log is None):
        from ..errors import InputError, Problem

        raise InputError([Problem("<arguments>", "", "--block and --log go together: the block progressed and its log")])
    block = log = None
    if args.block is not None:
        from ..export import block_loader
        from ..logs.load import load_log

        block = block_loader.load_block(args.block)
        log = load_log(args.log, ruleset, format=args.log_format, exercise_map=args.exercise_map)
    trace = explain(profile, ruleset, block=block, log=log)
    data = dump_json(trace) if args.format == "json" else explain_to_text(trace).encode("utf-8")
    emit(data, args.output)
    return STATUS_EXIT[trace["status"]]
