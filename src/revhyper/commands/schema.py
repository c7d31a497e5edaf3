"""revhyper schema profile|block|block-compact [-o FILE]"""

from __future__ import annotations

from ..cli import COMMANDS, EXIT_GENERATED, emit

SCHEMAS = {
    "profile": "the client profile a coach writes (TOML or JSON)",
    "block": "the canonical JSON block `revhyper generate` writes",
    "block-compact": "the compact block on each line `revhyper batch` writes",
}


def register(commands) -> None:
    cmd = commands.add_parser("schema", help=COMMANDS["schema"],
                              description="Print a JSON Schema (draft 2020-12) shipped with revhyper: "
                                          + "; ".join(f"{name}: {what}" for name, what in SCHEMAS.items()) + ".")
    cmd.add_argument("name", metavar="NAME", help="which schema: " + ", ".join(SCHEMAS))
    cmd.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
    cmd.set_defaults(run=run)


def schema_bytes(name: str) -> bytes:
    """The schema file ``name`` (a key of SCHEMAS) exactly as shipped in the package."""
    from importlib import resources

    if name not in SCHEMAS:
        raise KeyError(name)
    return resources.files("revhyper").joinpath(f"schemas/{name}.schema.json").read_bytes()


def run(args) -> int:
    if args.name not in SCHEMAS:
        from ..errors import InputError, Problem
        from ..io.suggest import did_you_mean

        raise InputError([Problem("revhyper schema", "", f"unknown schema '{args.name}'; expected {', '.join(SCHEMAS)}",
                                  suggestion=did_you_mean(args.name, SCHEMAS))])
    emit(schema_bytes(args.name), args.output)
    return EXIT_GENERATED
