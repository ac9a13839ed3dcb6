"""Licence planning: how many licences, for what, to whom, and when.

All licences are planned up front (memory is O(licences), which is small beside
the weapons) so serial ranges can be allocated in issue order and so recoveries
of never-licensed weapons can be placed near licensed ranges. Volume per fiscal
year follows the calibration; some licences are refused or pending and ship
nothing; a few have a broker as consignee (a red flag); and order splitting is
planted on purpose, with decoys that look similar but are innocent, so that a
splitting detector can be scored both ways.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from armstrace.simulate.calibration import Calibration, apportion
from armstrace.simulate.catalogue import LICENSABLE, MAKERS, Model, models_for_year
from armstrace.simulate.parties import CUSTOMS_BROKERS, SEDENA, Cast
from armstrace.simulate.places import POPULATION
from armstrace.simulate.serials import SerialFormat

THRESHOLDS = {"USML-I": 1_000_000, "ECCN-0A501": 4_000_000}
BIS_START = date(2020, 3, 9).toordinal()  # firearms moved from the USML to the CCL
CASE_2009_ID = "050016624"  # the licence of the 2009 Michoacán case (see domain.md)
CASE_2009_MIN_WEAPONS = 20_000


@dataclass(slots=True)
class LicencePlan:
    """One licence as planned; dates are proleptic ordinals, money in cents."""

    seq: int
    fy: int
    model: Model
    exporter_id: str
    consignee_id: str
    end_user_id: str
    quantity: int
    value_cents: int
    applied: int
    decided: int
    status: str
    purchase_order: str = ""
    licence_id: str = ""
    regime: str = ""
    category: str = ""
    serial_start: int = 0
    serial_span: int = 0
    gaps: int = 0
    seed: int = 0
    group: str = ""
    group_kind: str = ""
    fixed_lots: tuple[tuple[int, int], ...] = ()  # (size, SEDENA receipt ordinal)

    @property
    def ships(self) -> bool:
        return self.status == "approved" and self.quantity > 0

    @property
    def value_usd(self) -> float:
        return self.value_cents / 100

    def description(self) -> str:
        m = self.model
        kind = "rifles" if m.weapon_type == "carbine" else f"{m.weapon_type}s"
        calibre = "" if m.calibre in m.name else f" {m.calibre}"
        text = f"{self.quantity} {m.name}{calibre} {kind}"
        unit_hi = m.price[1] * 100 * self.quantity
        if self.value_cents > unit_hi * 1.3:
            text += ", spare parts, optics and accessories"
        return text

    def row(self) -> list[str]:
        return [
            self.licence_id, self.regime, self.exporter_id, self.consignee_id, self.end_user_id,
            "MX", self.category, self.description(), str(self.quantity),
            f"{self.value_cents // 100}.{self.value_cents % 100:02d}", self.purchase_order,
            date.fromordinal(self.applied).isoformat(),
            date.fromordinal(self.decided).isoformat() if self.decided else "", self.status,
        ]


@dataclass(frozen=True, slots=True)
class SeriesIndex:
    """Licensed serial ranges per (maker, serial series), in allocation order."""

    ranges: dict[tuple[str, str], list[tuple[int, int]]]
    counters: dict[tuple[str, str], int]
    bases: dict[str, int]


def regime_for(model: Model, applied: int) -> tuple[str, str]:
    """DDTC/USML-I before March 2020 and for select-fire after; BIS/0A501 otherwise."""
    if applied >= BIS_START and not model.automatic:
        return "BIS", "ECCN-0A501"
    return "DDTC", "USML-I"


def _fy_window(fy: int) -> tuple[int, int]:
    return date(fy - 1, 10, 1).toordinal(), date(fy, 9, 30).toordinal()


class Planner:
    """Plans every licence of a world from a seed, a size and the calibration."""

    def __init__(self, rng: random.Random, cast: Cast, weapons: int, cal: Calibration) -> None:
        self.rng = rng
        self.cast = cast
        self.weapons = weapons
        self.cal = cal
        self.plans: list[LicencePlan] = []
        self._po_counter: dict[int, int] = {}
        self._group_counter = 0
        self.median_size = min(250.0, max(4.0, weapons / 150))
        self._distributors = sorted(p for p in cast.exporters if cast.kind_of[p] == "exporter")
        self._states = [s.gov_id for s in cast.states]
        self._state_w = [POPULATION[s.iso] for s in cast.states]

    # -- small draws -------------------------------------------------------
    def _po(self, year: int) -> str:
        n = self._po_counter.get(year, 0) + 1 + self.rng.randrange(3)
        self._po_counter[year] = n
        return f"DCAM-{year}-{n:05d}"

    def _model(self, year: int, bis: bool = False) -> Model:
        pool = models_for_year(year)
        if bis:
            pool = [m for m in pool if not m.automatic]
        return self.rng.choices(pool, [m.licence_weight for m in pool])[0]

    def _exporter(self, model: Model) -> str:
        if self.rng.random() < 0.15:
            return self.rng.choice(self._distributors)
        return MAKERS[model.maker].party_id

    def _end_user(self, year: int) -> str:
        if self.rng.random() < 0.78:
            return self.rng.choices(self._states, self._state_w)[0]
        return self.rng.choice(self.cast.federal_for(year))

    def _broker(self, model: Model) -> str:
        if self.rng.random() < 0.6:
            return self.cast.representative_of[model.maker]
        return self.rng.choice(CUSTOMS_BROKERS)[0]

    def _unit_cents(self, model: Model) -> int:
        return self.rng.randint(model.price[0] * 100, model.price[1] * 100)

    def _size(self) -> int:
        q = self.rng.lognormvariate(math.log(self.median_size), 0.9)
        return max(1, min(3000, round(q)))

    def _new(self, fy: int, model: Model, applied: int, quantity: int, value: int,
             status: str = "approved", **kw: object) -> LicencePlan:
        decided = applied + self.rng.randint(15, 120) if status != "pending" else 0
        plan = LicencePlan(
            seq=len(self.plans), fy=fy, model=model,
            exporter_id=str(kw.get("exporter") or self._exporter(model)),
            consignee_id=str(kw.get("consignee") or SEDENA),
            end_user_id=str(kw.get("end_user") or self._end_user(date.fromordinal(applied).year)),
            quantity=quantity, value_cents=value, applied=applied, decided=decided,
            status=status, purchase_order=str(kw.get("po") or self._po(
                date.fromordinal(applied).year)),
        )
        plan.regime, plan.category = regime_for(model, applied)
        self.plans.append(plan)
        return plan

    # -- planted cases -----------------------------------------------------
    def _plant_group(self, kind: str, bis: bool, budget: int) -> int:
        """Plant one split (or a decoy) and return the weapons it used."""
        rng = self.rng
        fy = rng.choice((2021, 2022)) if bis else rng.randint(2007, 2019)
        lo, hi = _fy_window(fy)
        start = rng.randint(max(lo, BIS_START) if bis else lo, hi - 60)
        model = self._model(date.fromordinal(start).year, bis=bis)
        threshold = THRESHOLDS["ECCN-0A501" if bis else "USML-I"] * 100
        exporter = MAKERS[model.maker].party_id
        end_user = self._end_user(date.fromordinal(start).year)
        po = self._po(date.fromordinal(start).year)
        self._group_counter += 1
        gid = f"G-{self._group_counter:03d}"
        if kind == "split":
            values = [round(threshold * rng.uniform(0.6, 0.97)) for _ in range(rng.randint(3, 8))]
        elif kind == "shared_po":
            n = rng.randint(2, 3)
            values = [round(threshold * rng.uniform(0.4, 0.9) / n) for _ in range(n)]
        else:
            values = [round(threshold * rng.uniform(1.2, 3.0))]
        cap = max(1, budget // (3 * len(values)))
        used = 0
        for v in values:
            unit = self._unit_cents(model)
            q = max(1, min(cap, v // unit))
            if kind == "shared_po":
                v = max(q * unit, min(v, q * unit * 2))
            p = self._new(fy, model, min(start + rng.randint(0, 45), hi), q, v,
                          exporter=exporter, end_user=end_user, po=po)
            p.group, p.group_kind = gid, ("split" if kind == "split" else "decoy")
            used += q
        return used

    def _plant_case_2009(self) -> int:
        """The Bushmaster batch of 1,030 rifles that ended at Michoacán's government."""
        model = next(m for m in LICENSABLE if m.name == "XM15-E2S")
        applied = date(2006, 3, 14).toordinal()
        p = self._new(2006, model, applied, 1030, 1030 * 95000,
                      exporter=MAKERS["BUSH"].party_id, end_user="P-MX-MIC-GOV",
                      po="DCAM-2006-00077")
        p.decided = date(2006, 5, 2).toordinal()
        p.licence_id = CASE_2009_ID
        p.fixed_lots = ((507, date(2006, 12, 21).toordinal()),
                        (523, date(2007, 1, 5).toordinal()))
        return 1030

    # -- the whole plan ----------------------------------------------------
    def plan(self) -> list[LicencePlan]:
        """Planted cases first, then ordinary licences to fill each fiscal year."""
        rng = self.rng
        planted = 0
        if self.weapons >= CASE_2009_MIN_WEAPONS:
            planted += self._plant_case_2009()
        n_groups = 1 + self.weapons // 100_000
        share = max(3, self.weapons // 8)  # planted cases never crowd out the rest
        for g in range(n_groups):
            bis = g % 2 == 1 and self.weapons >= 2_000
            for kind in ("split", "shared_po", "big_single"):
                planted += self._plant_group(kind, bis, max(1, share // n_groups))
        budgets = apportion(max(0, self.weapons - planted), self.cal.fy_weights)
        for fy, budget in sorted(budgets.items()):
            lo, hi = _fy_window(fy)
            while budget > 0:
                q = min(self._size(), budget)
                budget -= q
                applied = rng.randint(lo, hi)
                model = self._model(date.fromordinal(applied).year)
                consignee = SEDENA if rng.random() < 0.965 else self._broker(model)
                unit = self._unit_cents(model)
                extra = 0.0 if rng.random() < 0.7 else rng.uniform(0.0, 0.25)
                self._new(fy, model, applied, q, round(q * unit * (1 + extra)),
                          consignee=consignee)
                if rng.random() < 0.08:
                    self._refused(fy, lo, hi)
        self._ensure_red_flags()
        self.plans.sort(key=lambda p: (p.applied, p.seq))
        self._assign_ids()
        return self.plans

    def _refused(self, fy: int, lo: int, hi: int) -> None:
        rng = self.rng
        status = rng.choices(("denied", "returned_without_action", "pending"), (45, 45, 10))[0]
        if status == "pending" and fy < 2022:
            status = "denied"
        applied = rng.randint(max(lo, hi - 120), hi) if status == "pending" else rng.randint(lo, hi)
        model = self._model(date.fromordinal(applied).year)
        q = self._size()
        self._new(fy, model, applied, q, q * self._unit_cents(model), status=status)

    def _ensure_red_flags(self) -> None:
        """Small worlds still get one refused licence and one broker consignee."""
        if not any(p.status != "approved" for p in self.plans):
            lo, hi = _fy_window(2012)
            self._refused(2012, lo, hi)
        ordinary = [p for p in self.plans if p.ships and not p.group and not p.fixed_lots]
        if ordinary and not any(p.consignee_id != SEDENA for p in ordinary):
            pick = ordinary[len(ordinary) // 2]
            pick.consignee_id = self._broker(pick.model)

    def _assign_ids(self) -> None:
        rng = self.rng
        ddtc, bis = 10_000 + rng.randrange(500), 1_100_000 + rng.randrange(5_000)
        for p in self.plans:
            p.seed = rng.getrandbits(63)
            if p.licence_id:
                continue
            if p.regime == "BIS":
                bis += rng.randint(1, 40)
                p.licence_id = f"D{bis:07d}"
            else:
                ddtc += rng.randint(1, 40)
                if f"05{ddtc:07d}" == CASE_2009_ID:
                    ddtc += 1
                p.licence_id = f"05{ddtc:07d}"


def _base(rng: random.Random, f: SerialFormat) -> int:
    cap = f.capacity
    if f.style == "prefix":
        return rng.randint(cap // 100, cap // 5)
    if f.style == "rollover":
        return rng.randint(cap // 50, cap * 2)
    return rng.randint(0, cap * 3)


# Retail production per series, serials per day, for formats that roll over to
# new letters or blocks: from a small specialist line (about 10,000 a year) to a
# best-selling model (about 300,000 a year). Mexico's licensed imports are a few
# thousand weapons a year, so most of a series goes to other buyers.
RATE_RANGE = (30.0, 800.0)


def _production_rate(rng: random.Random, f: SerialFormat, base: int, span_days: int) -> float:
    """Serials a factory stamps per day on one series.

    A fixed-width marking cannot grow, so its line must fit the world's years
    in the numbers left (those series stay dense: licensed lots sit close
    together, with never-licensed weapons between them); the others are drawn
    log-uniformly from ``RATE_RANGE``.
    """
    if f.style == "prefix":
        room = max(int(f.capacity * 0.7) - base, f.capacity // 10)
        return room / max(span_days, 1) * rng.uniform(0.2, 0.8)
    lo, hi = RATE_RANGE
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def allocate_serials(rng: random.Random, plans: list[LicencePlan]) -> SeriesIndex:
    """Give every shipping licence a consecutive serial block, in decision order.

    Between two licences of one maker the factory kept making weapons of the
    series for other buyers: the gap is its production in the days between the
    two decisions (``_production_rate``), plus a few numbers; licences decided
    the same week therefore sit almost side by side, and fixed-width series
    are dense throughout. Inside a block a few numbers are skipped (rejects,
    samples). Makers whose formats share a series key start from the same
    base, so the same marking exists under two makers.
    """
    bases: dict[str, int] = {}
    counters: dict[tuple[str, str], int] = {}
    last_day: dict[tuple[str, str], int] = {}
    rates: dict[tuple[str, str], float] = {}
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in sorted({m.serial.key: m.serial for m in LICENSABLE}.values(), key=lambda f: f.key):
        bases[m.key] = _base(rng, m)
    shipping = sorted((p for p in plans if p.ships), key=lambda p: (p.decided, p.seq))
    if not shipping:
        return SeriesIndex(ranges, counters, bases)
    span_days = shipping[-1].decided - shipping[0].decided + 365
    for p in shipping:
        f = p.model.serial
        key = (p.model.maker, f.key)
        if key not in rates:
            rates[key] = _production_rate(rng, f, bases[f.key], span_days)
        days = p.decided - last_day.get(key, p.decided)
        gap = 1 + int(rng.expovariate(1 / 25)) + int(rates[key] * days * rng.uniform(0.5, 1.5))
        if rng.random() < 0.08:
            gap += rng.randint(200, 3000)
        start = counters.get(key, bases[f.key]) + gap
        p.gaps = int(p.quantity * 0.004 + rng.random() * 0.6) if p.quantity > 2 else 0
        p.serial_start, p.serial_span = start, p.quantity + p.gaps
        counters[key] = start + p.serial_span
        last_day[key] = p.decided
        ranges.setdefault(key, []).append((start, start + p.serial_span - 1))
    return SeriesIndex(ranges, counters, bases)


def split_rows(plans: list[LicencePlan]) -> list[list[str]]:
    """truth_splits.csv rows: planted groups only (natural big licences are not listed)."""
    rows = []
    for p in sorted((p for p in plans if p.group), key=lambda p: (p.group, p.licence_id)):
        threshold = THRESHOLDS[p.category]
        rows.append([p.group, p.licence_id, p.group_kind, p.purchase_order, str(threshold)])
    return rows
