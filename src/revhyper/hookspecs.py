"""Every hook a revhyper plugin can implement. docs/plugins.md documents each with an example.

A plugin is a module (usually in its own distribution) with functions marked ``@hookimpl`` and
named like the specs below, found through the entry-point group ``revhyper``::

    [project.entry-points.revhyper]
    ical = "revhyper_ical"

Name the entry point after a format the plugin provides (one entry point per format, all naming the same
module) or adjusts: ``revhyper generate --format ical`` then loads only the plugins of that name, so start-up
stays fast however many adapters are installed.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("revhyper")
hookimpl = pluggy.HookimplMarker("revhyper")


@hookspec
def revhyper_register_exporters(register):
    """Contribute output formats.

    Call ``register(Exporter(name=..., suffix=..., media_type=..., export=..., description=...))`` once per
    format; ``export`` takes a :class:`revhyper.block.Block` and returns the file's bytes. It must be
    deterministic (same block, same bytes), must not write files itself, and must finish within the time
    limit (``REVHYPER_EXPORT_TIMEOUT``, 30 s by default). A built-in format's name stays revhyper's; when
    plugins claim one name, docs/plugins.md ("Precedence") says which exporter it means; each is reachable
    as ``DISTRIBUTION:NAME``.
    """


@hookspec
def revhyper_register_rulesets(register):
    """Ship rule sets.

    Call ``register(name, text)`` with a short name (``"clinic-north"``) and the rule set's TOML text.
    A rule set may then be used as ``--rules plugin:NAME`` and extended with ``extends = "plugin:NAME"``.
    """


@hookspec
def revhyper_adjust_block(block, format_name):
    """Adjust a generated block for a platform before it is exported.

    Return a new :class:`~revhyper.block.Block` (e.g. with exercise ids mapped to the platform's own, with
    ``attrs.evolve``) or ``None`` to leave it alone. Adjusters run in a fixed order (by distribution name,
    then plugin name), each on the previous one's result. An adjuster may change only the fields in
    :data:`revhyper.engine.adjustment.MAPPABLE` (an exercise's id and display name, mapped consistently), and every
    number must stay finite: revhyper compares every other field and otherwise refuses the export (exit 5),
    naming the plugin and the field.
    """


@hookspec
def revhyper_register_log_readers(register):
    """Contribute training-log formats: read a platform's export into log rows.

    Call ``register(LogReader(name=..., description=..., read=..., suffixes=..., sniff=..., exercise_names=...))``
    (:class:`revhyper.logs.rows.LogReader`) once per format. ``read(data, file_name, options)`` takes the file's
    bytes and returns a :class:`~revhyper.logs.rows.ReadResult` of raw rows with their line and column;
    revhyper maps exercise names to variants (``exercise_names``, extended by the user's exercise map), checks
    every value and reports every problem at once. ``sniff(head)`` says whether the file's first bytes look like
    the format. Reading must be pure (no files written, no network) and deterministic. A built-in reader's name
    stays revhyper's; docs/plugins.md documents the hook.
    """


@hookspec
def revhyper_register_pushers(register):
    """Contribute platforms that ``revhyper push PLATFORM BLOCK`` puts a block into over their API.

    Call ``register(Pusher(name=..., description=..., push=..., auth_header=..., default_url=...))`` once per
    platform (:class:`revhyper.push.Pusher`). ``push(block, client)`` takes the block's canonical JSON dict and
    a :class:`revhyper.push.Client`, through which it makes every request (timeouts, retries, the token, the
    idempotency key and dry runs are the client's); it returns a :class:`revhyper.push.PushResult`. Name the
    entry point after the platform so that ``revhyper push NAME`` loads only that plugin.
    """
