"""Items and custody events of one licence, and what really happened to them.

A shipping licence becomes a block of serialized weapons shipped in one to three
lots to SEDENA (sometimes via a broker), transferred to a state government or a
federal body, and, in states, assigned to police units. The record is imperfect
on purpose, as the real one is: some receipts are never recorded, some states
never record assignments (the 2009 case stopped at a state government), a few
assignments are recorded wrongly and corrected. Diversion happens at chosen
custodians at chosen rates: mostly silently, sometimes as a reported loss or
theft; some diverted weapons are later seized, which is where recoveries of
licensed weapons come from.

Events of one licence are buffered (a few thousand at most), sorted by time and
written; nothing else is kept.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from armstrace.simulate.catalogue import MAKERS
from armstrace.simulate.draws import Weighted
from armstrace.simulate.inventories import InventoryPlan
from armstrace.simulate.licences import LicencePlan
from armstrace.simulate.parties import SEDENA, WAREHOUSE, Cast, StateCast
from armstrace.simulate.recoveries import RecoveryMaker, Seized
from armstrace.simulate.writer import Sinks

P_RECEIPT_RECORDED = 0.97
P_STATE_RECEIPT_RECORDED = 0.93
P_ASSIGNMENT_RECORDED = 0.97
P_KEPT_BY_STATE = 0.15  # weapons a state keeps in its own armoury
P_BROKER_TRANSIT = 0.06  # default when the rates do not name the broker
P_DESTROYED = 0.03
P_CORRECTION = 0.005
P_RECOVERED = 0.75  # share of diverted weapons later seized (if within the world)
P_ARMORY_THEFT = 0.004  # times the holder's rate: chance a whole batch is stolen at once
DIVERSION_PICK = Weighted(("silent", "loss", "theft"), (65, 15, 20))
# Holders whose leaked weapons mostly turn up in their own state.
LOCAL_KINDS = frozenset({"state_government", "state_police", "municipal_police"})

# An event waiting to be sorted: (day, minute or -1 for a date, seq, type, item,
# from, to, region, document, seq of the corrected event or -1).
Pending = tuple[int, int, int, str, str, str, str, str, str, int]


class _Add(Protocol):
    def __call__(self, day: int, minute: int, etype: str, item: str, frm: str, to: str,
                 region: str, doc: str, corrects: int = -1) -> int: ...


@dataclass(slots=True)
class Stats:
    """Counts the manifest reports about custody and diversion."""

    items: int = 0
    diverted: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    destroyed: int = 0
    corrections: int = 0
    recovered: int = 0


class Ledger:
    """Writes items, custody events and item truth, licence by licence."""

    def __init__(self, cast: Cast, sinks: Sinks, rates: dict[str, float],
                 silent_states: frozenset[str], recoveries: RecoveryMaker,
                 world_end: int, inventories: InventoryPlan | None = None) -> None:
        self.cast = cast
        self.inventories = inventories
        self.sinks = sinks
        self.rates = rates
        self.silent_states = silent_states
        self.recoveries = recoveries
        self.world_end = world_end
        self.next_item = 1
        self.next_event = 1
        self.next_doc = 1
        self.stats = Stats()
        self._state_of_gov: dict[str, StateCast] = {s.gov_id: s for s in cast.states}
        self._dates: dict[int, str] = {}

    def _d(self, day: int) -> str:
        s = self._dates.get(day)
        if s is None:
            s = self._dates[day] = date.fromordinal(day).isoformat()
        return s

    def _doc(self, prefix: str, day: int) -> str:
        self.next_doc += 1
        return f"{prefix}/{date.fromordinal(day).year}/{self.next_doc:06d}"

    def emit(self, plan: LicencePlan) -> None:
        """Write the items, events and item truth of one shipping licence."""
        rng = random.Random(plan.seed)
        model = plan.model
        fmt = model.serial
        maker_name = MAKERS[model.maker].name
        span = plan.serial_span
        gaps = set(rng.sample(range(1, span - 1), plan.gaps)) if plan.gaps else set()
        numbers = [plan.serial_start + i for i in range(span) if i not in gaps]
        lots = self._lots(rng, plan, len(numbers))
        state = self._state_of_gov.get(plan.end_user_id)
        eu_region = self.cast.region_of.get(plan.end_user_id, "") or "MX-CMX"
        via_broker = plan.consignee_id != SEDENA
        broker_region = self.cast.region_of.get(plan.consignee_id, "") or "MX-CMX"
        evs: list[Pending] = []
        seq = 0

        def add(day: int, minute: int, etype: str, item: str, frm: str, to: str, region: str,
                doc: str, corrects: int = -1) -> int:
            nonlocal seq
            seq += 1
            evs.append((day, minute, seq, etype, item, frm, to, region, doc, corrects))
            return seq

        pos = 0
        for size, ship_day, receive_day in lots:
            receipt = plan.fixed_lots != () or rng.random() < P_RECEIPT_RECORDED
            ship_min = rng.randint(13 * 60, 23 * 60)
            rec_min = rng.randint(14 * 60, 22 * 60)
            broker_day = ship_day + rng.randint(1, 3)
            if via_broker:  # the broker hands over to SEDENA before SEDENA can receive
                receive_day = max(receive_day, broker_day + 1)
            pedimento = (f"{date.fromordinal(receive_day).year % 100:02d} 24 "
                         f"{rng.randint(1000, 9999)} {rng.randint(0, 9999999):07d}")
            transfer_day = receive_day + rng.randint(15, 150)
            transfer_doc = self._doc("DCAM/OT", transfer_day)
            eu_day = transfer_day + rng.randint(1, 7)
            eu_receipt = rng.random() < P_STATE_RECEIPT_RECORDED
            batch_left = 0
            batch_theft = 0
            unit = ""
            assign_day = 0
            assign_recorded = False
            assign_doc = ""
            for n in numbers[pos : pos + size]:
                item = f"I-{self.next_item:08d}"
                self.next_item += 1
                serial = fmt.render(n)
                year = date.fromordinal(ship_day).year - (1 if rng.random() < 0.3 else 0)
                self.sinks.items.write((
                    item, maker_name, serial, model.name, model.calibre, model.weapon_type,
                    "US", year, f"MEX {date.fromordinal(receive_day).year}", plan.licence_id,
                ))
                self.stats.items += 1
                add(ship_day, ship_min, "ship", item, plan.exporter_id, plan.consignee_id,
                    "US-TX", plan.licence_id)
                if via_broker:
                    if rng.random() < self.rates.get(plan.consignee_id, P_BROKER_TRANSIT):
                        self._fate(rng, plan, item, serial, plan.consignee_id,
                                   plan.consignee_id, broker_region, broker_day, add,
                                   forced=True)
                        continue
                    add(broker_day, -1, "transfer", item, plan.consignee_id, SEDENA, broker_region,
                        self._doc("REM", broker_day))
                if receipt:
                    add(receive_day, rec_min, "receive", item, "", SEDENA, "MX-CMX", pedimento)
                add(transfer_day, -1, "transfer", item, SEDENA, plan.end_user_id, "MX-CMX",
                    transfer_doc)
                if eu_receipt:
                    add(eu_day, -1, "receive", item, "", plan.end_user_id, eu_region,
                        transfer_doc)
                holder, documented, start = plan.end_user_id, plan.end_user_id, eu_day
                theft_day = 0
                if state is not None and rng.random() >= P_KEPT_BY_STATE:
                    if batch_left <= 0:
                        batch_left = rng.randint(10, 60)
                        unit = rng.choice(state.units) if rng.random() < 0.65 else state.police_id
                        assign_day = eu_day + rng.randint(5, 180)
                        assign_recorded = (state.iso not in self.silent_states
                                           and rng.random() < P_ASSIGNMENT_RECORDED)
                        assign_doc = self._doc(f"RESGUARDO/{state.code}", assign_day)
                        batch_theft = 0
                        if rng.random() < self.rates.get(unit, 0.05) * P_ARMORY_THEFT:
                            batch_theft = assign_day + 90 + int(rng.expovariate(1 / 1200))
                    batch_left -= 1
                    holder, start, theft_day = unit, assign_day, batch_theft
                    if assign_recorded:
                        documented = unit
                        start = self._assign(rng, state, item, unit, assign_day, assign_doc, add)
                self._fate(rng, plan, item, serial, holder, documented, eu_region, start, add,
                           theft_day=theft_day)
            pos += size
        self._flush(evs)

    def _assign(self, rng: random.Random, state: StateCast, item: str, unit: str, day: int,
                doc: str, add: _Add) -> int:
        """Record an assignment, now and then wrongly and then corrected."""
        if not (rng.random() < P_CORRECTION or self.stats.corrections == 0):
            add(day, -1, "assign", item, state.gov_id, unit, state.iso, doc)
            return day
        wrong = rng.choice([u for u in state.units if u != unit])
        bad = add(day, -1, "assign", item, state.gov_id, wrong, state.iso, doc)
        fix_day = day + rng.randint(2, 60)
        minute = rng.randint(9 * 60, 20 * 60)
        fix_doc = self._doc(f"OFICIO/{state.code}", fix_day)
        add(fix_day, minute, "correction", item, "", "", state.iso, fix_doc, bad)
        add(fix_day, minute + 1, "assign", item, state.gov_id, unit, state.iso, doc, bad)
        self.stats.corrections += 1
        return fix_day

    def _fate(self, rng: random.Random, plan: LicencePlan, item: str, serial: str,
              holder: str, documented: str, region: str, start: int, add: _Add, *,
              forced: bool = False, theft_day: int = 0) -> None:
        """Decide diversion, destruction and recovery of one item; write its truth.

        ``forced`` is a loss in transit at a broker (silent, at once); ``theft_day``
        is an armoury robbery that takes most of an assignment batch on one day.
        """
        rate = 1.0 if forced else self.rates.get(holder, 0.05)
        holder_region = self.cast.region_of.get(holder) or region
        div_day = 0
        kind = ""
        if theft_day and rng.random() < 0.85:
            div_day, kind = max(theft_day, start + 1), "theft"
        elif rng.random() < rate:
            div_day = start + 1 if forced else start + 10 + int(rng.expovariate(1 / 900))
            kind = "silent" if forced else DIVERSION_PICK.pick(rng)
        if div_day >= self.world_end:
            div_day = 0
        if div_day:
            self.stats.diverted += 1
            self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
            if kind != "silent":
                add(div_day, -1, kind, item, documented, "", holder_region,
                    self._doc(f"DENUNCIA/{holder_region[3:]}", div_day))
            self._count(item, holder, documented, holder_region, start, div_day, add,
                        silent=kind == "silent")
            self.sinks.truth_items.write((item, "yes", holder, self._d(div_day), kind, holder,
                                          plan.licence_id))
            if rng.random() < P_RECOVERED:
                ttc = max(20, int(rng.lognormvariate(math.log(420), 1.0)))
                rec_day = div_day + ttc
                if rec_day <= self.recoveries.last_day:
                    self.stats.recovered += 1
                    seized = Seized(plan.model, serial, plan.model.serial.prefix_len(serial),
                                    item, "diverted", holder, documented)
                    local = self.cast.kind_of.get(holder) in LOCAL_KINDS
                    self.recoveries.licensed(rng, rec_day, holder_region if local else "",
                                             seized)
            return
        final = holder
        kept_until = self.world_end
        if rng.random() < P_DESTROYED:
            day = start + rng.randint(3 * 365, 12 * 365)
            if day + 200 < self.world_end:
                kept_until = day
                add(day, -1, "transfer", item, documented, WAREHOUSE, holder_region,
                    self._doc("DCAM/OT", day))
                destroy_day = day + rng.randint(20, 200)
                add(destroy_day, -1, "destroy", item, WAREHOUSE, "", "MX-CMX",
                    self._doc("ACTA/DESTRUCCION", destroy_day))
                self.stats.destroyed += 1
                final = WAREHOUSE
        self._count(item, holder, documented, holder_region, start, kept_until, add)
        self.sinks.truth_items.write((item, "no", "", "", "", final, plan.licence_id))

    def _count(self, item: str, holder: str, documented: str, region: str, start: int,
               end: int, add: _Add, *, silent: bool = False) -> None:
        """The holder's inventories of the item while it held it (on paper a little longer
        after a silent diversion). Only a holder the record knows counts: a state that
        never records assignments has no unit books to count from."""
        if self.inventories is None or holder != documented:
            return
        for day in self.inventories.counts(holder, start, min(end, self.world_end),
                                           silent_diversion=silent):
            if day < self.world_end:
                year = date.fromordinal(day).year
                add(day, -1, "inventory", item, "", holder, region, f"INVENTARIO/{holder[2:]}/{year}")

    def _lots(self, rng: random.Random, plan: LicencePlan, q: int) -> list[tuple[int, int, int]]:
        """(size, ship day, SEDENA receipt day) per lot."""
        if plan.fixed_lots:
            out = []
            for size, receive in plan.fixed_lots:
                out.append((size, receive - rng.randint(4, 12), receive))
            return out
        n = 1 if q < 40 else rng.choices((1, 2, 3), (55, 33, 12))[0]
        sizes = [q // n] * n
        sizes[-1] += q - sum(sizes)
        day = plan.decided + rng.randint(30, 200)
        out = []
        for size in sizes:
            out.append((size, day, day + rng.randint(2, 14)))
            day += rng.randint(10, 45)
        return out

    def _flush(self, evs: list[Pending]) -> None:
        evs.sort(key=lambda e: (e[0], e[1], e[2]))
        ids: dict[int, str] = {}
        write = self.sinks.events.write
        for day, minute, seq, etype, item, frm, to, region, doc, corrects in evs:
            eid = f"E-{self.next_event:09d}"
            self.next_event += 1
            ids[seq] = eid
            when = self._d(day) if minute < 0 else (
                f"{self._d(day)}T{minute // 60:02d}:{minute % 60:02d}:00Z")
            write((eid, etype, when, item, frm, to, region, doc,
                   ids[corrects] if corrects >= 0 else ""))


