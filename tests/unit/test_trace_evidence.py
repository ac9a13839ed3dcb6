"""The tracer's evidence: registry arrays, serial runs, per-pair features, custody."""

from __future__ import annotations

import numpy as np
import pytest

from armstrace.adapters.db.trace_store import RegistryItem
from armstrace.domain.records import CustodyEvent
from armstrace.domain.scoring import SerialClass, serial_class
from armstrace.domain.serials import normalise_serial
from armstrace.services.trace_evidence import (
    SerialRuns,
    build_registry,
    custody_evidence,
    gather,
)


def registry() -> list[RegistryItem]:
    rows = [RegistryItem(f"I-{n}", "Colt's Manufacturing Company LLC", f"LE{100000 + n:06d}",
                         "M4 Carbine", "5.56x45mm", "L-1") for n in range(20)]
    rows.append(RegistryItem("I-S", "Smith & Wesson Inc.", "LE100005", "M&P9", "9x19mm", "L-2"))
    rows.append(RegistryItem("I-R", "Sturm, Ruger & Co. Inc.", "196-12345", "Mini-14", ".223 Rem", None))
    return rows


def test_registry_is_codes_not_objects() -> None:
    reg = build_registry(registry())
    assert len(reg) == 22 and reg.serials[-1] == "19612345"
    assert reg.maker.dtype == np.int32 and reg.makers.get(int(reg.maker[0])) == "Colt"
    assert reg.calibres.get(int(reg.calibre[-1])) == "5.56x45"
    assert reg.licences.get(int(reg.licence[-1])) is None


def test_runs_know_unlicensed_numbers_among_licensed_ones() -> None:
    runs = SerialRuns(["1E100000", "1E100001", "1E100002", "1E100005"])  # folded LE...
    readings = [normalise_serial(s) for s in ("LE100003", "LE100001", "LE900003", "LE10000?", "XY1")]
    among, near = runs.zones(readings)
    assert among.tolist() == [True, False, False, False, False]
    # LE100003: a gap number itself; LE100001 is licensed; LE900003 is far from every run,
    # one substitution (9 -> 1) from the gap number 100003 only
    assert near[0] > 0 and near[1] > 0 and near[2] == 1
    assert near[3] == 0 and near[4] == 0  # unreadable characters / unknown shape: nothing known


def test_pair_features_match_the_scalar_rules() -> None:
    reg = build_registry(registry())
    texts = ["LE100005", "LE1OOOO5", "LE10000?", "LE100050", "LE10005", "100005", "LE???005"]
    readings = [normalise_serial(t) for t in texts]
    ev = gather(reg, readings, ["COLT"] * len(texts), [".223"] * len(texts), ["AR-15"] * len(texts))
    assert len(ev) == len(texts)
    for k in range(len(texts)):
        a, b = int(ev.offsets[k]), int(ev.offsets[k + 1])
        assert b > a, texts[k]
    batch = reg.index.query_many(readings, max_edits=2)
    for r in range(len(ev.query)):
        k = int(ev.query[r])
        same = len(reg.serials[int(ev.item[r])]) == len(readings[k].canonical)
        expected = serial_class(int(batch.routes[r]), int(batch.distances[r]),
                                readings[k].canonical.count("?"), same)
        assert ev.serial[r] == expected
    first = {texts[int(ev.query[r])]: r for r in reversed(range(len(ev.query)))}
    r = first["LE100005"]
    assert SerialClass(int(ev.serial[r])) is SerialClass.EXACT
    # the S&W item with the same string: maker and calibre disagree
    srow = next(r for r in range(len(ev.query)) if reg.item_ids[int(ev.item[r])] == "I-S")
    assert ev.maker[srow] == -1 and ev.calibre[srow] == -1
    assert ev.maker[r] == 1 and ev.calibre[r] == 1 and ev.model[r] == 0  # AR-15 vs M4: unknown
    assert SerialClass(int(ev.serial[first["LE1OOOO5"]])) is SerialClass.CONFUSABLE
    assert SerialClass(int(ev.serial[first["LE???005"]])) is SerialClass.PATTERN
    assert ev.readable_chars.tolist()[-1] == 5


def test_crowding_counts_other_serials_the_maker_allows() -> None:
    reg = build_registry(registry())
    ev = gather(reg, [normalise_serial("LE100003")], ["COLT"], [None], [None])
    rows = range(len(ev.query))
    exact = next(r for r in rows if ev.distance[r] == 0)
    assert ev.neighbours[exact] == 0  # I-S also reads LE100003? no: only the exact Colt item
    ones = [r for r in rows if ev.distance[r] == 1]
    colt_ones = [r for r in ones if ev.maker[r] >= 0]
    assert all(ev.neighbours[r] == len(colt_ones) for r in colt_ones)


def ev(eid: str, kind: str, at: str, to: str | None = None, frm: str | None = None,
       corrects: str | None = None) -> CustodyEvent:
    return CustodyEvent(eid, kind, at, "I-1", frm, to, corrects_event_id=corrects)


REGIONS = {"P-GOV": "MX-MIC", "P-UNIT": "MX-MIC", "P-SEDENA": "MX-CMX"}


@pytest.mark.parametrize(("recovered", "region", "expect"), [
    ("2005-01-01", "MX-MIC", dict(before_export=True, custodian=None)),
    ("2007-01-01", "MX-MIC", dict(before_export=False, custodian="P-UNIT", region=1,
                                 reported_lost=False, held_after=True)),
    ("2009-01-01", "MX-JAL", dict(custodian="P-UNIT", region=-1, reported_lost=True,
                                 held_after=False)),
    ("2009-01-01", None, dict(region=0)),
])
def test_custody_evidence(recovered: str, region: str | None, expect: dict[str, object]) -> None:
    events = [ev("E1", "ship", "2006-01-10", "P-SEDENA"), ev("E2", "receive", "2006-01-20", "P-SEDENA"),
              ev("E3", "transfer", "2006-03-01", "P-GOV", "P-SEDENA"),
              ev("E4", "assign", "2006-06-01", "P-UNIT", "P-GOV"),
              ev("E5", "assign", "2008-01-01", "P-UNIT", "P-GOV"),
              ev("E6", "theft", "2008-06-01", None, "P-UNIT")]
    c = custody_evidence(events, recovered, region, REGIONS.get)
    for key, value in expect.items():
        assert getattr(c, key) == value, key


COUNTS = {"P-UNIT": ["2007-12-01", "2009-12-01", "2011-12-01"]}
ASSIGNED = [ev("E1", "ship", "2006-01-10", "P-SEDENA"),
            ev("E3", "transfer", "2006-03-01", "P-GOV", "P-SEDENA"),
            ev("E4", "assign", "2006-06-01", "P-UNIT", "P-GOV")]


@pytest.mark.parametrize(("chain", "recovered", "missed", "held"), [
    # counted in 2007, absent from the unit's 2009 and 2011 counts: it went missing
    ([ev("C1", "inventory", "2007-12-01", "P-UNIT")], "2010-05-01", True, False),
    # counted in every count the unit made: on the shelf after the recovery
    ([ev("C1", "inventory", "2007-12-01", "P-UNIT"), ev("C2", "inventory", "2009-12-01", "P-UNIT"),
      ev("C3", "inventory", "2011-12-01", "P-UNIT")], "2010-05-01", False, True),
    # counted in the unit's last count, recovered after it: nothing says it went missing
    ([ev("C3", "inventory", "2011-12-01", "P-UNIT")], "2012-05-01", False, False),
    # never counted at all (the unit may not have had it yet): no evidence either way
    ([], "2010-05-01", False, False),
    # reported stolen: the theft speaks, not the counts
    ([ev("C1", "inventory", "2007-12-01", "P-UNIT"), ev("T", "theft", "2008-06-01", None, "P-UNIT")],
     "2010-05-01", False, False),
])
def test_missing_from_a_later_count(chain: list[CustodyEvent], recovered: str, missed: bool,
                                    held: bool) -> None:
    c = custody_evidence([*ASSIGNED, *chain], recovered, "MX-MIC", REGIONS.get,
                         lambda party: COUNTS.get(party, []))
    assert (c.custodian, c.missed_count, c.held_after) == ("P-UNIT", missed, held)
    assert not custody_evidence([*ASSIGNED, *chain], recovered, "MX-MIC", REGIONS.get).missed_count
