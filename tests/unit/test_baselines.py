"""The benchmark baselines (bench/baselines.py) find every pair within 2 OSA edits.

Checked against an exact all-pairs computation on a few hundred serials chosen
to sit close together (sequential numbers, look-alikes, transpositions, inserted
and dropped characters), so both baselines have many true pairs to find. The
Splink test needs the ``bench`` extra (splink, duckdb).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from rapidfuzz.distance import OSA, DamerauLevenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.baselines import (
    PairSet,
    bruteforce_candidates,
    deletion_keys_sql,
    normalise,
    splink_candidates,
)

MAX_EDITS = 2


def _data(seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    registry: list[str] = []
    for prefix, digits, start in (("LE", 6, 123400), ("BFI", 6, 4500), ("SV", 5, 990), ("", 6, 120)):
        registry += [f"{prefix}{n:0{digits}d}" for n in range(start, start + 60)]
    registry += ["196-12345", "AB", "A", "0", "S0123", "LEO12345", "le 123 456"]
    readings: list[str] = ["", "LE123456", "CA", "ABC", "1", "5O123"]
    for _ in range(250):
        chars = list(rng.choice(registry))
        for _ in range(rng.choice((0, 1, 2, 3))):
            op, j = rng.choice(("sub", "swap", "ins", "del", "look")), rng.randrange(len(chars))
            if op == "sub":
                chars[j] = rng.choice("0123456789ABCLEFISV")
            elif op == "swap" and j + 1 < len(chars):
                chars[j], chars[j + 1] = chars[j + 1], chars[j]
            elif op == "ins":
                chars.insert(j, rng.choice("0123456789"))
            elif op == "del" and len(chars) > 1:
                del chars[j]
            elif op == "look":
                chars[j] = {"0": "O", "1": "I", "5": "S", "8": "B"}.get(chars[j], chars[j])
        readings.append("".join(chars))
    return registry, readings


def _exact_pairs(registry: list[str], readings: list[str], k: int = MAX_EDITS) -> set[tuple[int, int]]:
    reg = [normalise(s) for s in registry]
    return {
        (q, i)
        for q, r in enumerate(readings)
        if (rn := normalise(r))
        for i, s in enumerate(reg)
        if OSA.distance(rn, s) <= k
    }


def test_normalise_folds_and_strips() -> None:
    assert normalise("le-12 3456") == "1E123456"
    assert normalise("bfi O0S") == "8F1005"
    assert normalise("Sv-OO1") == "5V001"


def test_pairset_behaves_as_a_set_of_pairs() -> None:
    ps = PairSet([3, 0, 3, 3], [7, 2, 7, 1])
    assert len(ps) == 3 and ps == {(0, 2), (3, 1), (3, 7)}
    assert (3, 7) in ps and (3, 2) not in ps and "x" not in ps and (-1, 2) not in ps
    assert {(0, 2)} <= ps and ps - {(0, 2)} == {(3, 1), (3, 7)}
    assert list(ps.readings) == [0, 3, 3] and list(ps.items) == [2, 1, 7]
    assert PairSet() == set()


@pytest.mark.parametrize("k", [1, 2])
def test_bruteforce_finds_exactly_the_osa_pairs(k: int) -> None:
    registry, readings = _data()
    truth = _exact_pairs(registry, readings, k)
    res = bruteforce_candidates(registry, readings, k, chunk_cells=5_000, timeout_s=60)
    assert len(truth) > 500
    assert res.pairs == truth
    assert res.peak_mb > 0 and res.seconds > 0
    assert res.extrapolated_seconds is not None


@pytest.mark.parametrize("k", [1, 2])
def test_splink_finds_every_osa_pair_and_only_dl_pairs(k: int) -> None:
    pytest.importorskip("splink", reason="needs the bench extra: pip install -e '.[bench]'")
    registry, readings = _data()
    truth = _exact_pairs(registry, readings, k)
    res = splink_candidates(registry, readings, k, timeout_s=120)
    assert truth <= res.pairs, f"missing: {sorted(truth - res.pairs)[:10]}"
    # the rest are pairs DuckDB's (unrestricted) Damerau-Levenshtein puts within k
    for q, i in res.pairs - truth:
        assert DamerauLevenshtein.distance(normalise(readings[q]), normalise(registry[i])) <= k
    assert all(readings[q] for q, _ in res.pairs)  # unreadable readings have no candidates
    assert "blocked pairs" in res.notes


def test_deletion_keys_sql_rejects_large_budgets() -> None:
    with pytest.raises(ValueError):
        deletion_keys_sql("serial", 3)
