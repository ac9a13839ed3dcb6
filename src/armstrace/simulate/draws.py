"""Fast random draws for the hot loops, deterministic for a given Random.

``random.choices`` with weights rebuilds cumulative weights on every call and
``randrange`` is a slow general path; at millions of rows that dominates the
run time. These helpers precompute once and use a single ``random()`` per draw.
The tiny bias of scaling a 53-bit float is irrelevant for a simulation.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """Items with weights, drawn by one uniform number and a bisection."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("need as many weights as items, and at least one")
        self._items = tuple(items)
        self._cum = list(accumulate(float(w) for w in weights))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> T:
        i = bisect_right(self._cum, rng.random() * self._total)
        return self._items[min(i, len(self._items) - 1)]


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """Uniform choice from a non-empty sequence with one ``random()`` call."""
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, n: int) -> int:
    """Uniform integer in [0, n) for n >= 1."""
    return int(rng.random() * n)


def between(rng: random.Random, lo: int, hi: int) -> int:
    """Uniform integer in [lo, hi], both ends included."""
    return lo + int(rng.random() * (hi - lo + 1))


@lru_cache(maxsize=65536)
def iso_day(ordinal: int) -> str:
    """ISO 8601 date of a proleptic ordinal (cached: a world spans a few thousand days)."""
    return date.fromordinal(ordinal).isoformat()


@lru_cache(maxsize=65536)
def year_of(ordinal: int) -> int:
    """Calendar year of a proleptic ordinal."""
    return date.fromordinal(ordinal).year
