"""CandidateIndex: routes, distances, persistence and batch behaviour by example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from armstrace.adapters.linkage.candidates import Candidate, CandidateIndex
from armstrace.domain.serials import normalise_serial

REGISTRY = [
    "LE123456",  # 0  Colt
    "LE123457",  # 1
    "LE103456",  # 2
    "BFI004512",  # 3  Bushmaster: prefix often dropped
    "196-12345",  # 4  Ruger block style
    "004512",  # 5  pure digits, another maker
    "LE123456",  # 6  same string, another maker
    "SV01234",  # 7
    "",  # 8  unreadable in the registry: never matches
    "A1",  # 9  very short
    "X" * 40,  # 10 absurdly long
    "63A034554",  # 11 SIG-style mixed prefix
]


@pytest.fixture(scope="module")
def index() -> CandidateIndex:
    return CandidateIndex.build(REGISTRY)


def found(index: CandidateIndex, raw: str, max_edits: int = 2) -> dict[int, Candidate]:
    return {c.item: c for c in index.query(normalise_serial(raw), max_edits=max_edits)}


def test_exact_reading_finds_every_item_with_that_string(index: CandidateIndex) -> None:
    got = found(index, "No. le-123456")
    assert got[0] == Candidate(0, 0, "exact")
    assert got[6] == Candidate(6, 0, "exact")
    assert got[1].distance == 1 and got[1].route == "deletion"
    assert got[2].distance == 1
    assert 8 not in got


def test_lookalikes_cost_nothing(index: CandidateIndex) -> None:
    got = found(index, "LE1O3456")  # O for 0
    assert got[2] == Candidate(2, 0, "confusable")
    got = found(index, "1E123456")  # 1 for L
    assert got[0] == Candidate(0, 0, "confusable")


def test_edits_and_transpositions(index: CandidateIndex) -> None:
    assert found(index, "LE124356")[0].distance == 1  # swapped neighbours
    assert found(index, "LE12456")[0].distance == 1  # deletion
    assert found(index, "LE1234566")[0].distance == 1  # insertion
    assert found(index, "LE124357")[0].distance == 2  # transposition + substitution
    assert 0 not in found(index, "LE124357", max_edits=1)
    assert 0 not in found(index, "LE654321")


def test_dropped_prefix_and_zeros_use_the_digit_core(index: CandidateIndex) -> None:
    got = found(index, "4512")
    assert got[3].route == "digit_core" and got[3].distance > 2
    assert got[5] == Candidate(5, 2, "deletion")  # two lost zeros: inside the edit budget
    got = found(index, "12345")  # Ruger's block "196-" dropped
    assert got[4].route == "digit_core"
    assert found(index, "I234")[7].route == "digit_core"  # SV0 dropped, 1 read as I
    assert found(index, "034554")[11].route == "digit_core"  # mixed prefix "63A" dropped
    assert found(index, "63A34554")[11].distance == 1  # a lost zero: plain edit


def test_wildcards(index: CandidateIndex) -> None:
    got = found(index, "LE12?456")
    assert got[0] == Candidate(0, 0, "wildcard")
    assert got[6].route == "wildcard"
    assert got[1].distance == 1  # one substitution left in the budget
    got = found(index, "LE1??4?6")  # three unreadable: the pattern only
    assert set(got) == {0, 2, 6}
    assert all(c.distance == 0 and c.route == "wildcard" for c in got.values())
    assert found(index, "LE12?45") == {}  # a wildcard stands for exactly one character


def test_nothing_readable_gives_nothing(index: CandidateIndex) -> None:
    for raw in ("ILEGIBLE", "", "???", None):
        assert index.query(normalise_serial(raw)) == []


def test_short_and_long_serials(index: CandidateIndex) -> None:
    assert found(index, "A1")[9] == Candidate(9, 0, "exact")
    assert found(index, "AI")[9].route == "confusable"
    assert 9 in found(index, "B")
    assert found(index, "x" * 40)[10] == Candidate(10, 0, "exact")
    assert 10 not in found(index, "X" * 39)  # beyond MAX_LEN: exact only


def test_batch_equals_single_queries_and_is_ordered(index: CandidateIndex) -> None:
    raws = ["LE123456", "4512", "LE12?456", "ILEGIBLE", "A1", "LE124357", "BFI0045I2"]
    readings = [normalise_serial(r) for r in raws]
    batch = index.query_many(readings)
    assert len(batch) == len(raws)
    assert batch.counts().tolist() == [len(index.query(r)) for r in readings]
    for k, r in enumerate(readings):
        rows = batch.for_query(k)
        assert sorted(rows, key=lambda c: c.item) == sorted(index.query(r), key=lambda c: c.item)
        keys = [(c.distance, ["exact", "confusable", "wildcard", "deletion", "digit_core"]
                 .index(c.route)) for c in rows]
        assert keys == sorted(keys)
    assert index.query_many(readings, workers=2).items.tolist() == batch.items.tolist()


def test_max_edits_is_checked(index: CandidateIndex) -> None:
    with pytest.raises(ValueError):
        index.query(normalise_serial("LE1"), max_edits=3)
    assert set(found(index, "LE123456", max_edits=0)) == {0, 6}


def test_save_and_load_give_the_same_answers(index: CandidateIndex, tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = CandidateIndex.load(path)
    readings = [normalise_serial(r) for r in ("LE123456", "4512", "LE1??4?6", "X" * 40)]
    a, b = index.query_many(readings), loaded.query_many(readings)
    assert np.array_equal(a.offsets, b.offsets)
    assert np.array_equal(a.items, b.items)
    assert np.array_equal(a.distances, b.distances)
    assert loaded.n_items == index.n_items


def test_load_refuses_another_format(index: CandidateIndex, tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    index.save(path)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["meta"] = arrays["meta"].copy()
    arrays["meta"][0] = 999
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="format"):
        CandidateIndex.load(path)


def test_empty_registry() -> None:
    empty = CandidateIndex.build([])
    assert empty.query(normalise_serial("LE123456")) == []
