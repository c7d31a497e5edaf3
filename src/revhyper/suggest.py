"""Did-you-mean suggestions for near-miss names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``word``, or ``None`` when nothing is close enough.

    Case and the choice of ``-``/``_``/space are forgiven first, so ``Red-Flags`` finds ``red_flags``.
    """
    pool = sorted(set(candidates))
    if not pool:
        return None
    folded = {_fold(c): c for c in pool}
    if _fold(word) in folded:
        return folded[_fold(word)]
    # a name written without its section: "current" for "pain.current"
    tails = [c for c in pool if c.rsplit(".", 1)[-1] == word]
    if len(tails) == 1:
        return tails[0]
    # an abbreviation: "rehab" for "rehabilitation", "stenosis" for "spinal_stenosis" (before spelling, which would
    # offer "osteoporosis" for "stenosis"); one that fits several names ("spondyl") is not guessed at
    if len(word) >= 4:
        short = _fold(word)
        fits = [c for c in pool if _fold(c).startswith(short) or short in _fold(c).split("_")]
        if len(fits) == 1:
            return fits[0]
        if len(fits) > 1:
            return None
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return match[0] if match else None


def _fold(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")
