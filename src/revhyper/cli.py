"""The ``revhyper`` command line. Parsing and I/O live here; the work is done by pure functions.

Exit codes (docs/cli.md):
  0  generated: a block with sessions was written
  1  internal error: a bug in revhyper (please report it)
  2  bad input: a profile, rule set or argument is invalid or unreadable; nothing was written
  3  needs clearance: the block (no sessions) says which rules need a clinician's clearance
  4  refused: the block (no sessions) says why and where to refer
  5  output failed: the output could not be produced or written; no partial file was left
  6  partial: `revhyper batch` finished, but some input lines were not valid profiles (each is reported)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_GENERATED = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_CLEARANCE = 3
EXIT_REFUSED = 4
EXIT_OUTPUT_FAILED = 5
EXIT_PARTIAL = 6

STATUS_EXIT = {"generated": EXIT_GENERATED, "needs_clearance": EXIT_NEEDS_CLEARANCE, "refused": EXIT_REFUSED}

COMMANDS = ("generate", "batch", "formats", "check", "explain", "diff", "new-ruleset", "schema", "serve")
"""Each name is a module in revhyper.commands with ``register(subparsers)``; imported only to build the parser,
and each command imports what it needs only when it runs."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors are bad input: exit 2 with the usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from ._version import __version__

    parser = _Parser(prog="revhyper", description="Periodized reverse hyperextension blocks for people with low back pain.",
                     epilog="Exit codes: 0 generated, 1 internal error, 2 bad input, 3 needs clearance, 4 refused, 5 output failed, "
                            "6 partial (batch: some lines were bad input).")
    parser.add_argument("--version", action="version", version=f"revhyper {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for name in COMMANDS:
        importlib.import_module(f".commands.{name.replace('-', '_')}", __package__).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .errors import InputError, OutputError

    try:
        return args.run(args)
    except InputError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        print(f"revhyper: error: {exc}", file=sys.stderr)
        return EXIT_OUTPUT_FAILED
    except KeyboardInterrupt:
        print("revhyper: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        print(f"revhyper: internal error ({type(exc).__name__}: {exc}); this is a bug, please report it", file=sys.stderr)
        return EXIT_INTERNAL


def load_ruleset_arg(path: str | None):
    """The rule set named by --rules (a file, "default" or "plugin:NAME"), or the embedded default."""
    from .ruleset_loader import default_ruleset, load_ruleset_named

    return load_ruleset_named(path) if path else default_ruleset()


def load_profile_arg(path: str, ruleset):
    """The profile named on the command line: a file, or ``-`` for standard input (TOML or JSON, sniffed)."""
    from .profile_loader import MAX_BYTES, load_profile, parse_profile

    if path != "-":
        return load_profile(path, ruleset)
    return parse_profile(sys.stdin.buffer.read(MAX_BYTES + 1), name="<stdin>", ruleset=ruleset)


def emit(data: bytes, output: str | None) -> None:
    """Write ``data`` to standard output, or atomically to ``output``."""
    from .errors import OutputError

    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .atomic import write_atomic

    try:
        write_atomic(output, data)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}; nothing was written") from exc


if __name__ == "__main__":
    sys.exit(main())
