"""revhyper diff A B [--format text|json]"""

from __future__ import annotations

from ..cli import COMMANDS, EXIT_GENERATED, emit


def register(commands) -> None:
    diff = commands.add_parser("diff", help=COMMANDS["diff"],
                               description='Compare two rule sets (files, "default" or "plugin:NAME"), after resolving '
                                           "extends: rules added, disabled, removed or changed field by field, "
                                           "parameters, vocabulary, variants, programs and phases.")
    diff.add_argument("a", metavar="A", help="the base, e.g. default")
    diff.add_argument("b", metavar="B", help="the customised rule set")
    diff.add_argument("--format", "-f", choices=("text", "json"), default="text")
    diff.set_defaults(run=run)


def run(args) -> int:
    from ..export.canonical import dump_json
    from ..rules.ruleset_diff import diff_rulesets, diff_to_text
    from ..rules.ruleset_files import load_ruleset_named

    result = diff_rulesets(load_ruleset_named(args.a), load_ruleset_named(args.b))
    emit(dump_json(result) if args.format == "json" else diff_to_text(result).encode("utf-8"), None)
    return EXIT_GENERATED
