"""The stable import path of the block's classes for plugins (docs/plugins.md): ``from revhyper.block import Block``.

The module itself is :mod:`revhyper.engine.block`; this name is that very module, so classes, ``isinstance`` and
monkeypatching are the same whichever path a plugin imports."""

import sys

from .engine import block as _module
from .engine.block import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = _module
