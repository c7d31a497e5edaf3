"""The stable import path of :mod:`revhyper.export.export_time` for plugins (docs/plugins.md).

This name is that very module, so its names, ``isinstance`` and monkeypatching are the same whichever path a
plugin imports."""

import sys

from .export import export_time as _module
from .export.export_time import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
