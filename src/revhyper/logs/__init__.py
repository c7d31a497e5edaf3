"""Training logs: what the client did, set by set, and how the back felt.

- ``model``: the frozen :class:`LogEntry` (one set) and :class:`TrainingLog` (sorted entries, sessions, pain);
- ``rows``: what a log reader hands over (:class:`LogRow`, :class:`ReadResult`, :class:`LogReader`) and the one
  check that turns rows into entries (every problem at once, with file:line:column and did-you-mean);
- ``names``: the exercise map (an app's exercise names -> the rule set's variants), extendable by the user;
- ``reader_csv``, ``reader_apps``: revhyper's CSV / JSON lines, Strong's and Hevy's CSV exports;
- ``load``: :func:`load_log` (sniffs the format), the readers of installed plugins included.

Nothing here is imported by ``import revhyper``: ``revhyper.load_log`` imports it on first use.
"""
