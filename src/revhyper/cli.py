"""The ``revhyper`` command line. Parsing and I/O live here; the work is done by pure functions.

Exit codes (docs/cli.md):
  0  generated: a block with sessions was written
  1  internal error: a bug in revhyper (please report it)
  2  bad input: a profile, rule set or argument is invalid or unreadable; nothing was written
  3  needs clearance: the block (no sessions) says which rules need a clinician's clearance
  4  refused: the block (no sessions) says why and where to refer
  5  output failed: the output could not be produced or written; no partial file was left
  6  partial: `revhyper batch` finished, but some input lines were not valid profiles (each is reported)
  129, 130, 143  stopped by SIGHUP, Ctrl-C (SIGINT) or SIGTERM (128 + the signal): workers stopped, no partial file
  141  broken pipe: the reader of standard output went away (`| head`); quietly, as other tools (128 + SIGPIPE)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence

EXIT_GENERATED = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_CLEARANCE = 3
EXIT_REFUSED = 4
EXIT_OUTPUT_FAILED = 5
EXIT_PARTIAL = 6
EXIT_HANGUP = 129
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143

STATUS_EXIT = {"generated": EXIT_GENERATED, "needs_clearance": EXIT_NEEDS_CLEARANCE, "refused": EXIT_REFUSED}

COMMANDS = {
    "generate": "screen a profile and write its block",
    "batch": "screen and generate many profiles (JSON lines) on every core",
    "formats": "list every installed output format and who provides it",
    "check": "validate a rule set and warn about rules that can never matter",
    "explain": "show why a profile gets its block: every rule, cap and number",
    "diff": "what rule set B changes against rule set A, rule by rule",
    "new-ruleset": "write a commented starting file for a clinic's rule set",
    "schema": "print the JSON Schema of the profile or the block",
    "log": "read a training log (revhyper's CSV or an app's export) and check it",
    "log-formats": "list every installed training-log reader",
    "push": "put a block into a platform over its API (wger, Hevy, ...)",
    "serve": "serve the library over HTTP (needs the serve extra)",
    "progress": "adapt a block to the training log: weeks done keep what was logged, the rest is planned again",
}
"""Each command, in the order `revhyper --help` lists them, with the line it shows. Each name is a module in
revhyper.commands with ``register(subparsers)``, which adds the command with this help. A run imports only the
module of the command it runs; each command imports what it needs only when it runs."""


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, worked out the same way without importing shutil, which argparse
    imports for it (and shutil bz2, lzma and zlib: about 3 ms of every start)."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ is not None else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # usage errors are bad input: exit 2 with the usage line
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")

    def _print_message(self, message: str, file=None) -> None:
        """argparse's own ignores a failed write; for standard output (--help, --version) main reports it."""
        if not message:
            return
        if file is sys.stdout:
            file.write(message)
        else:
            _say(message, end="")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of the command line: every command with its options, or, given ``command``, that one only.

    For a run, :func:`main` passes the command it is about to run: the others are added by name and help line
    alone, so that `revhyper --help` and a misspelt command read the same, without importing their modules.
    """
    import importlib

    from ._version import __version__

    parser = _Parser(prog="revhyper", description="Periodized reverse hyperextension blocks for people with low back pain.",
                     epilog="Exit codes: 0 generated, 1 internal error, 2 bad input, 3 needs clearance, 4 refused, 5 output failed, "
                            "6 partial (batch: some lines were bad input), 129/130/143 stopped by SIGHUP/Ctrl-C/SIGTERM, "
                            "141 the reader of standard output went away.")
    parser.add_argument("--version", action="version", version=f"revhyper {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for name, summary in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(f".commands.{name.replace('-', '_')}", __package__).register(commands)
        else:
            commands.add_parser(name, help=summary)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command a command line runs: its first word that is not an option (revhyper's own options take no value)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
    except OSError as exc:  # a broken pipe from a command, or argparse printing --help or --version (stderr is never
        return _stdout_failed(exc)  # the cause: what goes there is written by _say, which lets nothing through)
    except SystemExit:  # --help, --version or a usage error, printed by argparse
        failed = _flush_stdout()
        if failed is None:
            raise
        return failed
    failed = _flush_stdout()
    return code if failed is None else failed


def _flush_stdout() -> int | None:
    """Flush what print() wrote, so that a full disk or a closed pipe shows here, not as a warning at exit.

    None when it went well, else the exit code.
    """
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        return None
    except OSError as exc:
        return _stdout_failed(exc)


def _stdout_failed(exc: OSError) -> int:
    """Standard output cannot be written. A broken pipe (`revhyper ... | head`: the reader has what it wants)
    exits 141 and says nothing, as other command-line tools do; anything else (a full disk) is exit 5."""
    discard_stdout()
    if isinstance(exc, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    _say(f"revhyper: error: cannot write standard output: {exc.strerror or exc}")
    return EXIT_OUTPUT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    command = _command_in(argv)
    parser = build_parser(command if command in COMMANDS else None)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # as parse_args would, but `push` never echoes a value: it may be a token typed by mistake
        shown = [word.split("=", 1)[0] for word in unknown if word.startswith("-")] if args.command == "push" else unknown
        parser.error(f"unrecognized arguments: {' '.join(shown) or '(values not shown)'}")
    from .errors import InputError, OutputError

    try:
        return args.run(args)
    except BrokenPipeError:
        raise
    except InputError as exc:
        for problem in exc.problems:
            _say(str(problem))
        return EXIT_BAD_INPUT
    except OutputError as exc:
        _say(f"revhyper: error: {exc}")
        return EXIT_OUTPUT_FAILED
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else 2
        _say(f"revhyper: {'interrupted' if signum == 2 else f'stopped by {exc}'}; nothing was written")
        return 128 + signum
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        _say(f"revhyper: internal error ({type(exc).__name__}: {exc}); this is a bug, please report it")
        return EXIT_INTERNAL


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread by :func:`stop_on_signals` so that the run cleans up as for Ctrl-C."""

    def __init__(self, signum: int, name: str):
        super().__init__(name)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped`, so a long run cleans up as for Ctrl-C.

    Once: a second signal during the clean-up is ignored (see also :func:`raise_if_stopped`). Outside
    the main thread nothing changes. Short commands leave the signals alone: killed, they exit 143 or
    129 all the same, and an -o file is either whole or untouched.
    """
    import signal

    def stop(signum, frame):
        if not _STOPPING:
            _STOPPING.append(signum)
            raise Stopped(signum, signal.Signals(signum).name)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            previous[number] = signal.signal(number, stop)
        except ValueError:  # not the main thread
            break
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _STOPPING.clear()


_STOPPING: list[int] = []
"""The signal that is stopping the run, once one has arrived."""


def raise_if_stopped() -> None:
    """Raise :class:`Stopped` again if a signal arrived but its exception was lost.

    Python prints and drops an exception raised where it cannot propagate (a ``__del__``, a callback
    of the standard library); a long run calls this between steps so that it still stops.
    """
    if _STOPPING:
        import signal

        raise Stopped(_STOPPING[0], signal.Signals(_STOPPING[0]).name)


def _say(text: str, end: str = "\n") -> None:
    """A message on standard error, which may itself be gone (a closed terminal)."""
    try:
        print(text, file=sys.stderr, end=end)
    except (OSError, ValueError):
        pass


def discard_stdout() -> None:
    """Point standard output at the null device, so that Python's flush at exit has nowhere to fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def load_ruleset_arg(path: str | None):
    """The rule set named by --rules (a file, "default" or "plugin:NAME"), or the embedded default."""
    if path:
        from .rules.ruleset_files import load_ruleset_named

        return load_ruleset_named(path)
    from .rules.ruleset_loader import default_ruleset

    return default_ruleset()


def load_profile_arg(path: str, ruleset):
    """The profile named on the command line: a file, or ``-`` for standard input (TOML or JSON, sniffed)."""
    from .profile.profile_loader import MAX_BYTES, load_profile, parse_profile

    if path != "-":
        return load_profile(path, ruleset)
    return parse_profile(sys.stdin.buffer.read(MAX_BYTES + 1), name="<stdin>", ruleset=ruleset)


def emit(data: bytes, output: str | None) -> None:
    """Write ``data`` to standard output, or atomically to ``output`` (through a symbolic link; never a device).

    Every command writes its standard output through here: a full disk is an OutputError (exit 5); a
    broken pipe passes as BrokenPipeError, for :func:`main` to exit quietly.
    """
    from .errors import OutputError

    if output in (None, "-"):
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            discard_stdout()  # what the failed write left buffered must not fail a second time at exit
            raise OutputError(f"cannot write standard output: {exc.strerror or exc}") from exc
        return
    from .io.atomic import write_atomic

    try:
        write_atomic(output, data)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}; nothing was written") from exc


if __name__ == "__main__":
    sys.exit(main())
