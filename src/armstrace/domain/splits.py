"""Licence splitting: one order cut into several licences to stay under a threshold.

Congress must be notified of a licence at or above a value that depends on the
regime and category ($1M for USML Category I firearms under DDTC; $4M for ECCN
0A501.a under BIS). An exporter can stay under it by filing several licences for
one order. Two rules find candidate groups:

* ``same_purchase_order``: licences that share a purchase order and are linked by
  a party (same exporter, or same consignee, or same end user);
* ``time_window``: licences without a shared order but with the same exporter,
  consignee, end user and category, applied for within ``window_days`` of the
  previous one (single linkage in time, so a chain can be longer than the window).
  Licences that already share an order with a linked licence are left to the first
  rule (a shared order under the threshold stays innocent), and a licence at or over
  the threshold never joins a chain (it was notified).

A candidate is a suspected split only if it has two or more members, every member
with a known value is under the threshold, and the known values together reach it.
A shared order whose total stays under the threshold is not a split, nor is one
licence over it. Denied licences count (an attempt to structure) and say so;
licences without a value are kept as members but left out of the total, and say so.

Pure: no I/O. Thresholds arrive as :class:`Threshold` rows (``parse_thresholds``
reads the CSV text; the service loads the packaged file).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from armstrace.domain.records import Licence

__all__ = [
    "DETECTOR_VERSION",
    "RULE_PURCHASE_ORDER",
    "RULE_TIME_WINDOW",
    "SplitGroup",
    "SplitMember",
    "Threshold",
    "ThresholdTable",
    "detect_splits",
    "format_usd",
    "group_id_for",
    "parse_thresholds",
]

DETECTOR_VERSION = "splits_v1"
RULE_PURCHASE_ORDER = "same_purchase_order"
RULE_TIME_WINDOW = "time_window"
DEFAULT_WINDOW_DAYS = 30
REFUSED = frozenset({"denied", "returned_without_action"})


@dataclass(frozen=True, slots=True)
class Threshold:
    regime: str
    category: str
    threshold_usd: Decimal
    basis: str


class ThresholdTable:
    """Thresholds by (regime, category); a licence without a regime matches on category."""

    def __init__(self, rows: Iterable[Threshold]) -> None:
        self._by_key: dict[tuple[str, str], Threshold] = {}
        for row in rows:
            self._by_key[(_norm(row.regime), _norm(row.category))] = row
        by_cat: dict[str, list[Threshold]] = defaultdict(list)
        for row in self._by_key.values():
            by_cat[_norm(row.category)].append(row)
        self._by_category = {c: rs[0] for c, rs in by_cat.items() if len(rs) == 1}

    @property
    def rows(self) -> tuple[Threshold, ...]:
        return tuple(sorted(self._by_key.values(), key=lambda r: (r.regime, r.category)))

    def for_licence(self, licence: Licence) -> Threshold | None:
        category = _norm(licence.category)
        if not category:
            return None
        if licence.regime:
            found = self._by_key.get((_norm(licence.regime), category))
            if found is not None:
                return found
        return self._by_category.get(category)


def parse_thresholds(text: str) -> list[Threshold]:
    """Rows of a thresholds CSV (regime, category, threshold_usd, basis)."""
    rows = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"regime", "category", "threshold_usd"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"thresholds CSV lacks column(s) {', '.join(sorted(missing))}")
    for n, row in enumerate(reader, start=2):
        try:
            value = Decimal((row["threshold_usd"] or "").replace(",", "").strip())
        except InvalidOperation:
            raise ValueError(f"thresholds CSV line {n}: threshold_usd "
                             f"{row['threshold_usd']!r} is not a number") from None
        if not value.is_finite() or value <= 0:
            raise ValueError(f"thresholds CSV line {n}: threshold_usd must be positive")
        rows.append(Threshold((row["regime"] or "").strip(), (row["category"] or "").strip(),
                              value, (row.get("basis") or "").strip()))
    return rows


@dataclass(frozen=True, slots=True)
class SplitMember:
    licence_id: str
    exporter_id: str
    consignee_id: str | None
    end_user_id: str | None
    purchase_order: str | None
    value_usd: Decimal | None
    applied_on: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class SplitGroup:
    """A suspected split: its members, total, threshold, the rule that fired and why."""

    group_id: str
    rule: str
    members: tuple[SplitMember, ...]
    exporter_id: str | None  # when every member shares it
    purchase_order: str | None  # when every member shares it
    total_usd: Decimal
    threshold_usd: Decimal
    regime: str
    category: str
    evidence: tuple[str, ...]
    detector_version: str = DETECTOR_VERSION

    @property
    def licence_ids(self) -> tuple[str, ...]:
        return tuple(m.licence_id for m in self.members)

    def explain(self) -> str:
        return "; ".join(self.evidence)


def group_id_for(licence_ids: Iterable[str]) -> str:
    """Stable id from the sorted member ids (same members, same id, any order)."""
    digest = hashlib.sha256("\n".join(sorted(set(licence_ids))).encode("utf-8")).hexdigest()
    return f"SPL-{digest[:10]}"


def format_usd(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"${value:,.0f}"
    return f"${value:,.2f}"


def detect_splits(licences: Iterable[Licence] | Mapping[str, Licence],
                  thresholds: ThresholdTable | Iterable[Threshold], *,
                  window_days: int = DEFAULT_WINDOW_DAYS) -> list[SplitGroup]:
    """Suspected split groups, ordered by (regime, category, first application, id)."""
    if window_days < 0:
        raise ValueError("window_days must be zero or more")
    table = thresholds if isinstance(thresholds, ThresholdTable) else ThresholdTable(thresholds)
    items = list(licences.values()) if isinstance(licences, Mapping) else list(licences)
    applicable = [(lic, th) for lic in sorted(items, key=lambda x: x.licence_id)
                  if (th := table.for_licence(lic)) is not None]

    groups: list[SplitGroup] = []
    on_shared_order: set[str] = set()
    by_order: dict[tuple[str, str, str], list[Licence]] = defaultdict(list)
    thresholds_by_key: dict[tuple[str, str], Threshold] = {}
    for lic, th in applicable:
        po = _norm_po(lic.purchase_order)
        if po:
            by_order[(po, th.regime, th.category)].append(lic)
            thresholds_by_key[(th.regime, th.category)] = th
    for (_, regime, category), bucket in sorted(by_order.items()):
        th = thresholds_by_key[(regime, category)]
        for component in _party_components(bucket):
            if len(component) < 2:
                continue
            on_shared_order.update(x.licence_id for x in component)
            group = _judge(component, th, RULE_PURCHASE_ORDER, window_days)
            if group is not None:
                groups.append(group)

    by_parties: dict[tuple[str, str, str, str, str], list[Licence]] = defaultdict(list)
    for lic, th in applicable:
        if (lic.licence_id in on_shared_order or not lic.consignee_id or not lic.end_user_id
                or _day(lic.applied_on) is None
                or (lic.value_usd is not None and lic.value_usd >= th.threshold_usd)):
            continue
        key = (th.regime, th.category, lic.exporter_id, lic.consignee_id, lic.end_user_id)
        by_parties[key].append(lic)
        thresholds_by_key[(th.regime, th.category)] = th
    for key, bucket in sorted(by_parties.items()):
        th = thresholds_by_key[(key[0], key[1])]
        for chain in _time_chains(bucket, window_days):
            if len(chain) >= 2:
                group = _judge(chain, th, RULE_TIME_WINDOW, window_days)
                if group is not None:
                    groups.append(group)

    groups.sort(key=lambda g: (g.regime, g.category, min(m.applied_on or "9999"
                                                          for m in g.members), g.group_id))
    return groups


# -- grouping -----------------------------------------------------------------

def _party_components(bucket: Sequence[Licence]) -> list[list[Licence]]:
    """Licences on one order linked by a shared exporter, consignee or end user."""
    parent = list(range(len(bucket)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, str], int] = {}
    for i, lic in enumerate(bucket):
        for role, party in (("e", lic.exporter_id), ("c", lic.consignee_id),
                            ("u", lic.end_user_id)):
            if not party:
                continue
            j = seen.setdefault((role, party), i)
            parent[find(i)] = find(j)
    comps: dict[int, list[Licence]] = defaultdict(list)
    for i, lic in enumerate(bucket):
        comps[find(i)].append(lic)
    return sorted(comps.values(), key=lambda c: c[0].licence_id)


def _time_chains(bucket: Sequence[Licence], window_days: int) -> list[list[Licence]]:
    ordered = sorted(bucket, key=lambda x: (_day(x.applied_on) or 0, x.licence_id))
    chains: list[list[Licence]] = []
    last = None
    for lic in ordered:
        day = _day(lic.applied_on) or 0
        if chains and last is not None and day - last <= window_days:
            chains[-1].append(lic)
        else:
            chains.append([lic])
        last = day
    return chains


# -- judging and explaining ---------------------------------------------------

def _judge(members: Sequence[Licence], th: Threshold, rule: str,
           window_days: int) -> SplitGroup | None:
    valued = [m.value_usd for m in members if m.value_usd is not None]
    if len(members) < 2 or not valued:
        return None
    if any(v >= th.threshold_usd for v in valued):
        return None
    total = sum(valued, Decimal(0))
    if total < th.threshold_usd:
        return None
    ordered = sorted(members, key=lambda x: (x.applied_on or "9999", x.licence_id))
    exporters = {m.exporter_id for m in members}
    orders = {_norm_po(m.purchase_order) for m in members}
    po = next(iter(orders)) if len(orders) == 1 and "" not in orders else None
    return SplitGroup(
        group_id=group_id_for(m.licence_id for m in members),
        rule=rule,
        members=tuple(_member(m) for m in ordered),
        exporter_id=next(iter(exporters)) if len(exporters) == 1 else None,
        purchase_order=po,
        total_usd=total,
        threshold_usd=th.threshold_usd,
        regime=th.regime,
        category=th.category,
        evidence=tuple(_evidence(ordered, th, rule, window_days, total, po)),
    )


def _member(lic: Licence) -> SplitMember:
    return SplitMember(lic.licence_id, lic.exporter_id, lic.consignee_id, lic.end_user_id,
                       lic.purchase_order, lic.value_usd, lic.applied_on, lic.status)


def _evidence(members: Sequence[Licence], th: Threshold, rule: str, window_days: int,
              total: Decimal, po: str | None) -> list[str]:
    n = len(members)
    out = []
    if rule == RULE_PURCHASE_ORDER:
        shared = [word for word, attr in (("exporter", "exporter_id"),
                                          ("consignee", "consignee_id"),
                                          ("end user", "end_user_id"))
                  if len({getattr(m, attr) for m in members}) == 1
                  and getattr(members[0], attr)]
        out.append(f"{n} licences share purchase order {po or members[0].purchase_order}")
        if shared:
            parts = ", ".join(f"{w} {getattr(members[0], a)}" for w, a in
                              (("exporter", "exporter_id"), ("consignee", "consignee_id"),
                               ("end user", "end_user_id")) if w in shared)
            out.append(f"same {parts}")
        else:
            out.append("linked through shared parties (no one party common to all)")
    else:
        m0 = members[0]
        out.append(f"{n} licences applied within {window_days} days of each other "
                   f"(chained), same exporter {m0.exporter_id}, consignee {m0.consignee_id} "
                   f"and end user {m0.end_user_id}, same category {th.category}")
    days = [d for m in members if (d := _day(m.applied_on)) is not None]
    if days:
        first, last = date.fromordinal(min(days)), date.fromordinal(max(days))
        out.append(f"applied between {first.isoformat()} and {last.isoformat()} "
                   f"({max(days) - min(days)} days)")
    out.append(f"each under {format_usd(th.threshold_usd)} ({th.regime} {th.category}); "
               f"together {format_usd(total)}")
    refused = [m for m in members if (m.status or "").lower() in REFUSED]
    if refused:
        listed = ", ".join(sorted(f"{m.licence_id} {m.status}" for m in refused))
        out.append(f"{len(refused)} of them refused ({listed}): "
                   "an attempt to structure still counts")
    missing = sorted(m.licence_id for m in members if m.value_usd is None)
    if missing:
        out.append(f"{len(missing)} with no recorded value, left out of the total: "
                   f"{', '.join(missing)}")
    if th.basis:
        out.append(f"threshold: {th.basis}")
    return out


def _norm(text: str | None) -> str:
    return (text or "").strip().upper()


def _norm_po(text: str | None) -> str:
    return " ".join((text or "").split()).upper()


def _day(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10]).toordinal()
    except ValueError:
        return None
