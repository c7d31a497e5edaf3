"""Did-you-mean suggestions for near-miss names."""

from __future__ import annotations

import functools
from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``word``, or ``None`` when nothing is close enough.

    Case and the choice of ``-``/``_``/space are forgiven first, so ``Red-Flags`` finds ``red_flags``.
    The answer for a word and a set of names is remembered: a file with the same typo 4,000 times (copied
    rules) works it out once.
    """
    try:
        names = frozenset(candidates)
        return (_remembered if len(names) <= _REMEMBERED_NAMES else _closest)(word, names)
    except TypeError:  # something unhashable where a name was expected: no suggestion
        return None


_REMEMBERED_NAMES = 500
"""Answers are remembered for sets of names up to this size (the cache holds at most 256 of them: memory stays small)."""


def _closest(word: str, candidates: frozenset[str]) -> str | None:
    pool = sorted(candidates)
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
    import difflib  # only when a name is misspelt: not at every start

    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return match[0] if match else None


_remembered = functools.lru_cache(maxsize=256)(_closest)


def _fold(name: str) -> str:
    return name.lower().replace("-", "_").replace(" ", "_")
