"""revhyper log LOG [--rules FILE] [--log-format NAME] [--exercise-map FILE] [--format csv|text] [-o FILE]"""

from __future__ import annotations

import sys

from ..cli import COMMANDS, EXIT_GENERATED, emit, load_ruleset_arg


def register(commands) -> None:
    parser = commands.add_parser("log", help=COMMANDS["log"],
                                 description="Read a training log, check every row (every problem at once, exit 2), and "
                                             "write it as revhyper's CSV (one row per set) or as a summary per session.")
    parser.add_argument("log", metavar="LOG", help="the log: revhyper's CSV or JSON lines, or an app's export")
    parser.add_argument("--rules", metavar="FILE", help="rule set whose variants the log names (default: the embedded default)")
    parser.add_argument("--log-format", metavar="NAME",
                        help="the log's format (default: told from the file); `revhyper log-formats` lists them")
    parser.add_argument("--exercise-map", metavar="FILE",
                        help="TOML (or JSON) file mapping the app's exercise names to variants (docs/logs.md)")
    parser.add_argument("--format", "-f", choices=("csv", "text"), default="csv",
                        help="csv (revhyper's log, the default) or text (one line per session)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..export import exporters
    from ..logs.load import load_log

    previous = exporters.set_time_limit(exporters.time_limit_from_env(), hard_stop=True)
    try:
        ruleset = load_ruleset_arg(args.rules)
        log = load_log(args.log, ruleset, format=args.log_format, exercise_map=args.exercise_map)
    finally:
        exporters.set_time_limit(*previous)
    for message in log.skipped:
        print(f"revhyper: note: {log.file}: {message}", file=sys.stderr)
    if args.format == "csv":
        from ..logs.write import log_to_csv

        data = log_to_csv(log)
    else:
        data = summary(log).encode("utf-8")
    emit(data, args.output)
    return EXIT_GENERATED


def summary(log) -> str:
    from ..logs.rows import shown

    lines = [f"{shown(log.file)[1:-1]}: {_count(len(log.sessions()), 'session')}, {_count(len(log), 'set')} (read as {log.reader})"]
    for session in log.sessions():
        pain = "/".join("-" if p is None else str(p) for p in (session.pain_during, session.pain_next_morning))
        load = "bodyweight" if session.load_max_kg is None else f"up to {session.load_max_kg:g} kg"
        rpe = "" if session.rpe_max is None else f", RPE up to {session.rpe_max:g}"
        lines.append(f"  {session.date.isoformat()}  {', '.join(session.variants)}: {session.sets} sets, "
                     f"{session.reps_done} reps, {load}{rpe}; pain during/next morning {pain}")
    return "\n".join(lines) + "\n"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'s' * (number != 1)}"
