"""The stable import path of :mod:`revhyper.export.exporters` for plugins (docs/plugins.md).

This name is that very module, so its names, ``isinstance`` and monkeypatching are the same whichever path a
plugin imports."""

import sys

from .export import exporters as _module
from .export.exporters import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
