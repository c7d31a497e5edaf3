"""revhyper push PLATFORM BLOCK [--url URL] --token-env VAR [--dry-run] | revhyper push --list"""

from __future__ import annotations

import argparse
import os
import sys

from ..cli import COMMANDS, EXIT_BAD_INPUT, EXIT_GENERATED, STATUS_EXIT


class _RefuseToken(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        parser.exit(EXIT_BAD_INPUT, "revhyper push: error: --token is refused: a token on the command line is seen by "
                                    "other users (ps) and kept in shell history; put it in an environment variable and "
                                    "name that with --token-env VAR\n")


class _Escaping:
    """Standard output with every character that is not printable (but newlines) escaped: names in the
    requests come from rule sets and the platform's replies (cli.md: text outputs escape what is not ours)."""

    def write(self, text: str) -> None:
        sys.stdout.write("\n".join(_escaped(line) for line in text.split("\n")))


def _escaped(text: str) -> str:
    from .formats import _escaped as escaped

    return escaped(text)


def register(commands) -> None:
    cmd = commands.add_parser(
        "push", help=COMMANDS["push"], allow_abbrev=False,
        description="Create a block's routine in a training platform through its API. The token is read from the "
                    "environment variable named by --token-env, never from an argument. Pushing the same block to "
                    "the same server again creates nothing new. Exit codes: 0 pushed (or already there), 2 bad "
                    "input, 3/4 the block needs clearance or is refused (nothing to push), 5 the push failed.")
    cmd.add_argument("platform", nargs="?", metavar="PLATFORM", help="the platform (see --list)")
    cmd.add_argument("block", nargs="?", metavar="BLOCK", help="a block JSON written by `revhyper generate --format json`")
    cmd.add_argument("--list", action="store_true", help="list the platforms installed plugins can push to")
    cmd.add_argument("--url", metavar="URL", help="the platform's base URL (default: the platform's public server)")
    cmd.add_argument("--token-env", metavar="VAR", help="the environment variable holding the API token or key")
    cmd.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    cmd.add_argument("--dry-run", action="store_true", help="print the requests (token shown as ***); send nothing")
    cmd.add_argument("--allow-http", action="store_true", help="allow plain http to a host other than this machine")
    cmd.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    cmd.set_defaults(run=run)


def run(args) -> int:
    from ..errors import InputError, Problem
    from ..plugins import all_pushers, pusher

    if args.list:
        pushers = all_pushers()
        for name, found in pushers.items():
            print(_escaped(f"{name}  {found.provider}  {found.description}"
                           + (f"  (default URL {found.default_url})" if found.default_url else "")))
        if not pushers:
            print("no platforms: install an adapter such as revhyper-wger or revhyper-hevy")
        return EXIT_GENERATED
    missing = [what for what, value in (("PLATFORM", args.platform), ("BLOCK", args.block)) if not value]
    if missing:
        raise InputError([Problem("revhyper push", "", f"give {' and '.join(missing)} (or --list)")])
    if not args.token_env and not args.dry_run:
        raise InputError([Problem("revhyper push", "--token-env", "name the environment variable that holds the token: "
                                                                  "--token-env VAR")])
    if not 0 < args.timeout <= 600:
        raise InputError([Problem("--timeout", "", f"{args.timeout:g} s: give more than 0 and at most 600")])
    return push_block(pusher(args.platform), args.block, url=args.url, token_env=args.token_env,
                      dry_run=args.dry_run, allow_http=args.allow_http, timeout=args.timeout)


def push_block(found, block_path: str, *, url: str | None, token_env: str | None, dry_run: bool, allow_http: bool,
               timeout: float, environ=None, **client_options) -> int:
    """Read the block, check the arguments, push (or show) it; print what was done. Returns the exit code."""
    from ..errors import InputError, Problem
    from ..platforms.push import Client, PushError, check_url, idempotency_key, read_block, token_from_env

    block = read_block(block_path)
    status = block.get("status")
    if status != "generated":
        print(f"revhyper push: the block is {status}: it has no sessions to push ({block_path})", file=sys.stderr)
        return STATUS_EXIT.get(str(status), EXIT_BAD_INPUT)
    base = url or found.default_url
    if not base:
        raise InputError([Problem("revhyper push", "--url", f"{found.name} has no public server: give --url")])
    base = check_url(base, allow_http)
    environ = os.environ if environ is None else environ
    if dry_run:  # a dry run sends nothing: it needs no token, but redacts one that is set
        token = (environ.get(token_env, "").strip() if token_env else "") or "dry-run"
    else:
        token = token_from_env(token_env or "", environ)
    key = idempotency_key(block, found.name, base)
    client = Client(found.name, base, token, found.auth_header, key, dry_run=dry_run, out=_Escaping(),
                    timeout=timeout, **client_options)
    try:
        result = found.push(block, client)
    except PushError:
        raise
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a pusher's own bug: named, redacted, exit 5
        raise PushError(client.redact(f"the {found.name} pusher (from {found.provider}) failed: "
                                      f"{type(exc).__name__}: {exc}")) from None
    for note in result.notes:
        print(_escaped(client.redact(f"note: {note}")), file=sys.stderr)
    if dry_run:
        print(f"dry run: {len(client.sent)} requests shown, none sent (idempotency key {key})", file=sys.stderr)
    elif result.existing:
        print(_escaped(client.redact(f"already pushed: {result.existing} (idempotency key {key}); nothing created")))
    else:
        print(_escaped(client.redact(f"pushed to {found.name} at {base}: " + ", ".join(result.created))))
    return EXIT_GENERATED
