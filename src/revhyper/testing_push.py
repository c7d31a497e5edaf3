"""The stable import path of :mod:`revhyper.platforms.testing_push` for plugins (docs/plugins.md).

This name is that very module, so its names, ``isinstance`` and monkeypatching are the same whichever path a
plugin imports."""

import sys

from .platforms import testing_push as _module
from .platforms.testing_push import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
