"""Recoveries: weapons seized in Mexico, as recorded, with their truth.

Most crime guns were never licensed for export: U.S. retail sales of the very
same makers (same serial series; some numbered just between or beside the
licensed batches),
imported AK-pattern rifles, foreign pistols. A few are licensed weapons that
left lawful custody. Some never-licensed weapons carry exactly the string of a
licensed serial under another maker or calibre. Seizure lists also repeat the
same weapon under two record numbers, sometimes read differently. All of that is
generated here, with every row's truth written beside it.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from armstrace.domain.makers import canonical_maker
from armstrace.simulate.catalogue import MAKERS, MODELS, RETAIL, Model
from armstrace.simulate.damage import POOR, Reading, RecordingProfile, read_weapon
from armstrace.simulate.draws import Weighted, below, between, iso_day, pick, year_of
from armstrace.simulate.geography import Spot
from armstrace.simulate.licences import LicencePlan, SeriesIndex
from armstrace.simulate.notations import NOTES, OBLITERATION_NOTES
from armstrace.simulate.places import CASE_ABBREVIATIONS, SEIZURE_WEIGHT, SHORT_NAMES
from armstrace.simulate.writer import Sinks

P_DUPLICATE = 0.035
P_SECOND_DUPLICATE = 0.2
P_COLLISION = 0.03
P_SEVERAL = 0.35  # raids and caches that yield more than one weapon
# Crime guns of a licensed series made in the same production run as a licensed
# block (weapons sold in the same months travel the same trafficking routes), on top
# of those that fall near one by chance in a dense series.
P_NEAR = 0.08
NEAR_RUN = 2000  # numbers either side of a licensed block counted as the same run
RELEASE_SPREAD = 200  # larger spreads held-back rows further through the file
CIRCUMSTANCES = ("crime_scene", "checkpoint", "raid", "cache", "surrender", "other")
CIRCUMSTANCE_W = (45, 15, 20, 12, 5, 3)
NSJP_START = date(2016, 6, 18).toordinal()  # accusatory system: carpetas replace APs
# Makers whose non-U.S.-made weapons still count as U.S.-sourced (imported into the U.S.).
US_IMPORTED = frozenset({"ROMARM", "GLOCK", "TAURUS", "BER_IT"})


# Makers that seizure lists cannot tell apart (one canonical name for both).
_FAMILY: dict[str, str] = {k: canonical_maker(m.name) or k for k, m in MAKERS.items()}


@dataclass(slots=True)
class _Row:
    """A recovery row before it gets its record number."""

    day: int
    spot: Spot
    agency: str
    case: str
    circ: str
    reading: Reading
    seized: Seized
    duplicate_of: str


@dataclass(slots=True)
class Seized:
    """The true weapon behind one recovery row."""

    model: Model
    serial: str
    prefix_len: int
    item_id: str = ""
    origin: str = ""
    true_custodian: str = ""
    documented_custodian: str = ""


def _ascii_upper(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


class RecoveryMaker:
    """Writes recovery rows and their truth, for licensed and never-licensed weapons."""

    def __init__(self, rng: random.Random, sinks: Sinks, spots: dict[str, list[Spot]],
                 series: SeriesIndex, plans: list[LicencePlan], years: dict[int, int],
                 last_day: int, recording: RecordingProfile = POOR) -> None:
        self.rng = rng
        self.recording = recording
        self.sinks = sinks
        self.spots = spots
        self.series = series
        self.shipping = [p for p in plans if p.ships]
        self.last_day = last_day
        self.next_id = 1
        self.never_licensed_written = 0
        self.licensed_written = 0
        regions = sorted(spots)
        self._region_pick = Weighted(regions, [SEIZURE_WEIGHT[r] for r in regions])
        self._retail = Weighted(RETAIL, [m.retail_weight for m in RETAIL])
        self._circ = Weighted(CIRCUMSTANCES, CIRCUMSTANCE_W)
        self._year_list = sorted(years)
        self._year_start = {y: date(y, 1, 1).toordinal() for y in self._year_list}
        self._year_pick = Weighted(self._year_list, [1] * len(self._year_list))
        self._year_draws = 0
        self._starts = {k: [r[0] for r in v] for k, v in series.ranges.items()}
        # running total of licensed serials per shipping plan: a collision picks a serial,
        # not a plan, so small licences are not over-drawn
        self._spans = list(itertools.accumulate(p.serial_span for p in self.shipping))
        self._pending: list[_Row] = []
        self._years = dict(years)  # never-licensed rows still to place, per year
        self._abbr = {iso: CASE_ABBREVIATIONS[iso] for iso in spots}
        self._state_agency = {iso: f"SSP {_ascii_upper(SHORT_NAMES[iso])}" for iso in spots}
        self._city = {s.municipality: _ascii_upper(s.municipality)[:3] for v in spots.values()
                      for s in v}

    # -- public ------------------------------------------------------------
    def licensed(self, rng: random.Random, day: int, home: str, seized: Seized) -> None:
        """A diverted licensed weapon seized on ``day``, most often near its last holder."""
        region = home if home in self.spots and rng.random() < 0.7 else self._region(rng)
        self._emit(rng, day, region, seized, licensed=True)

    def never_licensed(self, n: int) -> None:
        """Write ``n`` recoveries of weapons that never had an export licence.

        Raids and caches often yield several weapons under one case: those extra
        weapons share the date, place, agency and case number of the first.
        """
        rng = self.rng
        left = n
        while left > 0:
            day = self._day(rng)
            row = self._emit(rng, day, self._region(rng), self._crime_gun(rng), licensed=False)
            left -= 1
            if row.circ in ("cache", "raid") and rng.random() < P_SEVERAL:
                year = year_of(day)
                for _ in range(min(left, 1 + below(rng, 6))):
                    if self._years.get(year, 0) > 0:
                        self._years[year] -= 1
                    seized = self._crime_gun(rng)
                    reading = self._read(rng, seized)
                    self._write(rng, _Row(day, row.spot, row.agency, row.case, row.circ,
                                          reading, seized, ""))
                    left -= 1
            self._release(rng)
        self.never_licensed_written += n

    # -- never-licensed weapons ---------------------------------------------
    def _day(self, rng: random.Random) -> int:
        """Draw a year without replacement so yearly totals match the calibration.

        The weights are refreshed every few hundred draws (cheap); a year whose
        quota ran out in between is never drawn, so the totals stay exact.
        """
        if self._year_draws <= 0:
            live = [y for y in self._year_list if self._years[y] > 0]
            self._year_pick = Weighted(live or self._year_list,
                                       [self._years[y] for y in live] or [1] * len(
                                           self._year_list))
            self._year_draws = 256
        self._year_draws -= 1
        year = self._year_pick.pick(rng)
        if self._years[year] <= 0:
            open_years = [y for y in self._year_list if self._years[y] > 0]
            if open_years:
                year = open_years[below(rng, len(open_years))]
        if self._years[year] > 0:
            self._years[year] -= 1
        first = self._year_start[year]
        return min(self.last_day, first + below(rng, 365))

    def _crime_gun(self, rng: random.Random) -> Seized:
        if self.shipping and rng.random() < P_COLLISION:
            return self._collision(rng)
        model = self._retail.pick(rng)
        f = model.serial
        key = (model.maker, f.key)
        ranges = self.series.ranges.get(key)
        if ranges and rng.random() < P_NEAR:
            n = self._near(rng, ranges, self.series.counters[key])
            origin = "retail_near_licensed"
        elif ranges:
            n = self._far(rng, key, ranges)
            origin = "us_retail"
        else:
            cap = f.capacity * (20 if f.style != "prefix" else 1)
            n = between(rng, cap // 50, cap - 1)
            maker = MAKERS[model.maker]
            us = maker.country == "US" or model.maker in US_IMPORTED
            origin = "us_retail" if us else "foreign"
        serial = f.render(n)
        return Seized(model, serial, f.prefix_len(serial), origin=origin)

    @staticmethod
    def _near(rng: random.Random, ranges: list[tuple[int, int]], counter: int) -> int:
        """A number outside every licensed block of the series, made in the same run as one.

        Within ``NEAR_RUN`` numbers before or after a licensed block: weapons made
        the same weeks for other buyers. Where blocks sit side by side (a dense
        series) the number falls between them.
        """
        i = below(rng, len(ranges))
        lo, hi = ranges[i]
        if rng.random() < 0.6:  # after the block, up to the next one
            nxt = ranges[i + 1][0] if i + 1 < len(ranges) else max(counter, hi + 1) + NEAR_RUN
            if nxt - hi > 1:
                return between(rng, hi + 1, min(hi + NEAR_RUN, nxt - 1))
        prev = ranges[i - 1][1] if i > 0 else max(0, lo - NEAR_RUN - 1)
        if lo - prev > 1:
            return between(rng, max(prev + 1, lo - NEAR_RUN), lo - 1)
        return between(rng, counter, counter + NEAR_RUN)

    def _far(self, rng: random.Random, key: tuple[str, str],
             ranges: list[tuple[int, int]]) -> int:
        """A number of the same series anywhere in the maker's production, not licensed."""
        starts = self._starts[key]
        lo = self.series.bases[key[1]] // 2
        hi = self.series.counters[key] + 50_000
        n = hi
        for _ in range(4):
            n = between(rng, lo, hi)
            i = bisect_right(starts, n) - 1
            if i < 0 or n > ranges[i][1]:
                return n
        return hi + below(rng, 1000)  # beyond the last licensed block

    def _collision(self, rng: random.Random) -> Seized:
        """Another maker's weapon bearing a licensed serial string.

        The string is any licensed serial (drawn weapon by weapon, so a handful
        of crime guns, not dozens, share one string), carried by a model of
        another maker, preferably one whose marking has the same shape; never by
        a maker that issued that very marking itself under a licence, nor by one
        that goes by the same name (Beretta USA and Pietro Beretta are both
        "Beretta" on a seizure list): that weapon would be the licensed one.
        """
        k = bisect_right(self._spans, below(rng, self._spans[-1]))
        plan = self.shipping[k]
        serial = plan.model.serial.render(plan.serial_start + below(rng, plan.serial_span))
        family = _FAMILY[plan.model.maker]
        others = [m for m in MODELS if _FAMILY[m.maker] != family and not self._issued(m, serial)]
        same_key = [m for m in others if m.serial.key == plan.model.serial.key]
        model = rng.choice(same_key or others)
        return Seized(model, serial, plan.model.serial.prefix_len(serial),
                      origin="serial_collision")

    def _issued(self, model: Model, serial: str) -> bool:
        """Is ``serial`` inside one of the licensed blocks of ``model``'s maker and series?"""
        key = (model.maker, model.serial.key)
        n = model.serial.number(serial)
        if n is None or key not in self.series.ranges:
            return False
        i = bisect_right(self._starts[key], n) - 1
        return i >= 0 and n <= self.series.ranges[key][i][1]

    # -- the row -------------------------------------------------------------
    def _read(self, rng: random.Random, seized: Seized) -> Reading:
        return read_weapon(rng, seized.model, seized.serial, seized.prefix_len,
                           MAKERS[seized.model.maker].name, self.recording)

    def _region(self, rng: random.Random) -> str:
        return self._region_pick.pick(rng)

    def _emit(self, rng: random.Random, day: int, region: str, seized: Seized,
              *, licensed: bool) -> _Row:
        spot = pick(rng, self.spots[region])
        circ = self._circ.pick(rng)
        agency = self._agency(rng, day, spot)
        case = self._case_ref(rng, day, agency, spot)
        reading = self._read(rng, seized)
        row = _Row(day, spot, agency, case, circ, reading, seized, "")
        if licensed:
            # Held back and released among later rows, so a licensed seizure does not
            # sit next to the licence that produced it.
            self._pending.append(row)
        else:
            self._write(rng, row)
        return row

    def _release(self, rng: random.Random) -> None:
        """Now and then write one held-back row (licensed seizure or duplicate)."""
        n = len(self._pending)
        if n and rng.random() < n / (n + RELEASE_SPREAD):
            self._write(rng, self._pending.pop(rng.randrange(n)))

    def flush(self) -> None:
        """Write every held-back row (end of the world)."""
        rng = self.rng
        while self._pending:
            self._write(rng, self._pending.pop(rng.randrange(len(self._pending))))

    def _duplicates(self, rng: random.Random, row: _Row, rid: str) -> None:
        """The same seizure listed again under another record number."""
        if rng.random() >= P_DUPLICATE:
            return
        for _ in range(2 if rng.random() < P_SECOND_DUPLICATE else 1):
            day = row.day if rng.random() < 0.7 else min(self.last_day,
                                                         row.day + rng.randint(1, 10))
            agency = row.agency if rng.random() < 0.6 else self._agency(rng, day, row.spot)
            case = row.case if rng.random() < 0.5 else self._case_ref(rng, day, agency, row.spot)
            s = row.seized
            reading = row.reading if rng.random() < 0.5 else self._read(rng, s)
            self._pending.append(_Row(day, row.spot, agency, case, row.circ, reading, s, rid))

    def _write(self, rng: random.Random, row: _Row) -> str:
        rid = f"R-{self.next_id:08d}"
        self.next_id += 1
        r, seized, spot = row.reading, row.seized, row.spot
        if r.obliterated in ("yes", "partial") and rng.random() < 0.6:
            notes = pick(rng, OBLITERATION_NOTES)
        else:
            notes = pick(rng, NOTES[row.circ]) if rng.random() < 0.5 else ""
        located = rng.random() < 0.96
        self.sinks.recoveries.write((
            rid, iso_day(row.day), "MX", spot.region,
            spot.municipality if located else "", spot.lat if located else "",
            spot.lon if located else "", row.agency, row.case, row.circ, r.manufacturer,
            r.model, r.calibre, r.weapon_type, r.serial, r.obliterated, notes,
        ))
        self.sinks.truth_recoveries.write((
            rid, seized.item_id, "yes" if seized.item_id else "no", ";".join(r.kinds),
            seized.true_custodian, row.duplicate_of, seized.documented_custodian,
            seized.origin, MAKERS[seized.model.maker].name, seized.model.name, seized.serial,
        ))
        if seized.item_id:
            self.licensed_written += 1
        self._duplicates(rng, row, row.duplicate_of or rid)
        return rid

    def _agency(self, rng: random.Random, day: int, spot: Spot) -> str:
        r = rng.random()
        year = year_of(day)
        if r < 0.35:
            return "SEDENA"
        if r < 0.55:
            return "PGR" if year < 2019 else "FGR"
        if r < 0.67:
            return "POLICIA FEDERAL" if year < 2019 else "GUARDIA NACIONAL"
        if r < 0.72:
            return "SEMAR"
        if r < 0.92:
            return self._state_agency[spot.region]
        return f"POLICIA MUNICIPAL DE {_ascii_upper(spot.municipality)}"

    def _case_ref(self, rng: random.Random, day: int, agency: str, spot: Spot) -> str:
        year = year_of(day)
        abbr = self._abbr[spot.region]
        if agency in ("PGR", "FGR"):
            city = self._city[spot.municipality]
            if day < NSJP_START:
                return f"AP/PGR/{abbr}/{city}/{between(rng, 1, 999):03d}/{year}"
            return f"FED/{abbr}/{city}/{between(rng, 1, 9999999):07d}/{year}"
        if agency == "SEDENA":
            return f"SEDENA/ZM{between(rng, 1, 46):02d}/{between(rng, 1, 9999):04d}/{year}"
        if day >= NSJP_START:
            return f"IPH-{abbr}-{year}-{between(rng, 1, 999999):06d}"
        return f"{abbr}/{between(rng, 1, 99999):05d}/{year}"
