"""revhyper serve [--host 127.0.0.1] [--port 8000] [--rules FILE] [--workers N] [--api-keys-env VAR] [--time-limit S]"""

from __future__ import annotations

import sys

from ..cli import COMMANDS, EXIT_GENERATED


def register(commands) -> None:
    serve = commands.add_parser(
        "serve", help=COMMANDS["serve"],
        description="Run the HTTP service (docs/service.md): POST /v1/blocks, POST /v1/explain, GET /v1/formats, "
                    "GET /v1/rulesets, GET /healthz, GET /openapi.json. Needs `pip install 'revhyper[serve]'`.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--rules", metavar="FILE", action="append", default=[],
                       help='a rule set the server offers (a file, "default" or "plugin:NAME"); repeat for several, '
                            "the first is the default; without it, the embedded default rule set")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    serve.add_argument("--api-keys-env", metavar="VAR",
                       help="require an API key: VAR is an environment variable holding the keys, separated by commas")
    serve.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                       help="each request's time limit; 504 past it (default 10)")
    serve.set_defaults(run=run)


def run(args) -> int:
    from ..errors import InputError, Problem

    problems = []
    if not 0 < args.port < 65536:
        problems.append(Problem("--port", "", f"expected a port from 1 to 65535, got {args.port}"))
    if not 1 <= args.workers <= 64:
        problems.append(Problem("--workers", "", f"expected 1 to 64 worker processes, got {args.workers}"))
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as exc:
        problems.append(Problem("revhyper serve", "", f"the serve extra is not installed ({exc.name} is missing): "
                                                      "pip install 'revhyper[serve]'"))
    if problems:
        raise InputError(problems)
    import json
    import os

    from ..service.app import OPTIONS_ENV, create_app
    from ..service.config import build_config

    config = build_config(args.rules, api_keys_env=args.api_keys_env, time_limit=args.time_limit)  # exit 2 if bad
    _check_can_listen(args.host, args.port)
    print(f"revhyper serve: http://{args.host}:{args.port} rule sets {', '.join(sorted(config.rulesets))} "
          f"(default {config.default}); API keys {'required' if config.api_keys else 'not required'}; "
          f"{args.workers} worker(s)", file=sys.stderr, flush=True)
    if args.workers == 1:
        uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    else:  # each worker process builds the same app from these options (the keys stay in their own variable)
        os.environ[OPTIONS_ENV] = json.dumps({"rules": args.rules, "api_keys_env": args.api_keys_env,
                                              "time_limit": args.time_limit})
        uvicorn.run("revhyper.service.app:app_from_environment", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="info")
    return EXIT_GENERATED


def _check_can_listen(host: str, port: int) -> None:
    """Bad input (exit 2) when the address cannot be listened on, before the server starts."""
    import socket

    from ..errors import InputError, Problem

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise InputError([Problem("--host/--port", "", f"cannot listen on {host}:{port}: {exc.strerror or exc}")]) from None
