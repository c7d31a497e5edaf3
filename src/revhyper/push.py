"""The stable import path of :mod:`revhyper.platforms.push` for plugins (docs/plugins.md).

This name is that very module, so its names, ``isinstance`` and monkeypatching are the same whichever path a
plugin imports."""

import sys

from .platforms import push as _module
from .platforms.push import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
