"""Annual tables in the style of the Section 655 report, from the stored licences and ledger.

Method (shown under the table by the report):

- **Fiscal year**: the U.S. federal year, 1 October to 30 September, named by
  the year it ends (``analytics_data.fiscal_year``): a licence decided on
  2008-10-02 is FY2009.
- **Authorised**: the sum of ``value_usd`` of *approved* licences, by
  destination country, fiscal year of ``decided_on`` and category. Licences
  with no decision date or no value are counted in ``undated_licences`` /
  ``unvalued_licences`` rather than guessed.
- **Shipped**: each item's first live ship event (corrections applied) puts the
  item in that fiscal year; its value is the licence's unit value,
  ``value_usd / quantity`` (the licensed quantity, or the registered items when
  no quantity is recorded). Section 655 reports exporters' declared shipments;
  this is what the custody ledger shows shipped, valued pro rata.

Beside them, ``reference_comparison`` sets every row of the packaged
``dcs_by_country_fy.csv`` (published figures, with their grade and source)
next to the stored figure for the same country, fiscal year and measure, where
there is one. Stored values are for the store's licences only: in a simulated
world they are calibrated shares, not the real totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from armstrace.domain.provenance import Provenance
from armstrace.services.analytics_data import Dataset, fiscal_year
from armstrace.services.reference_figures import dcs_figures

__all__ = ["AnnualRow", "AnnualTable", "ReferenceComparison", "annual_table",
           "reference_comparison"]

CENT = Decimal("0.01")
# Country names used by the reference table -> ISO 3166-1 alpha-2 (stored licences use codes).
COUNTRY_CODES = {"Mexico": "MX", "Afghanistan": "AF", "Iraq": "IQ", "Israel": "IL",
                 "Colombia": "CO"}
MEASURES = {"dcs_shipped_value": "shipped", "dcs_authorized_value": "authorised"}


@dataclass(frozen=True, slots=True)
class AnnualRow:
    """One (destination country, fiscal year, category) cell; category None = all categories."""

    country: str
    fiscal_year: int
    category: str | None
    authorised_usd: Decimal
    authorised_licences: int
    authorised_quantity: int
    shipped_usd: Decimal
    shipped_items: int


@dataclass(frozen=True, slots=True)
class AnnualTable:
    rows: tuple[AnnualRow, ...]
    by_category: bool
    undated_licences: int
    unvalued_licences: int
    method: str
    provenance: Provenance


_METHOD = ("authorised = value of approved licences by fiscal year of decision; shipped = items "
           "by fiscal year of first ship event x licence unit value (value / quantity); "
           "FY = Oct 1 - Sep 30, named by the year it ends")


def annual_table(ds: Dataset, *, by_category: bool = True) -> AnnualTable:
    """Authorised and shipped value per country, fiscal year (and category), sorted."""
    auth: dict[tuple[str, int, str | None], list[Decimal]] = defaultdict(list)
    auth_qty: Counter[tuple[str, int, str | None]] = Counter()
    shipped_usd: dict[tuple[str, int, str | None], Decimal] = defaultdict(Decimal)
    shipped_n: Counter[tuple[str, int, str | None]] = Counter()
    undated = unvalued = 0
    for lic in ds.licences.values():
        cat = lic.category if by_category else None
        if lic.status == "approved":
            if lic.value_usd is None:
                unvalued += 1
            elif not lic.decided_on:
                undated += 1
            else:
                key = (lic.destination_country, fiscal_year(lic.decided_on), cat)
                auth[key].append(Decimal(lic.value_usd))
                auth_qty[key] += lic.quantity or 0
    for (lic_id, fy), items in ds.ledger.shipped.items():
        shipped_under = ds.licences.get(lic_id)
        if shipped_under is None:
            continue
        key = (shipped_under.destination_country, fy,
               shipped_under.category if by_category else None)
        shipped_n[key] += items
        units = shipped_under.quantity or ds.ledger.registered.get(lic_id, 0)
        if shipped_under.value_usd is not None and units:
            shipped_usd[key] += Decimal(shipped_under.value_usd) * items / units
    keys = sorted(set(auth) | set(shipped_n), key=lambda k: (k[0], k[1], k[2] or ""))
    rows = tuple(AnnualRow(c, fy, cat, sum(auth.get((c, fy, cat), []), Decimal(0)).quantize(CENT),
                           len(auth.get((c, fy, cat), [])), auth_qty[(c, fy, cat)],
                           shipped_usd.get((c, fy, cat), Decimal(0)).quantize(CENT),
                           shipped_n[(c, fy, cat)])
                 for c, fy, cat in keys)
    return AnnualTable(rows, by_category, undated, unvalued, _METHOD, ds.provenance)


@dataclass(frozen=True, slots=True)
class ReferenceComparison:
    """A published DCS figure beside the stored figure for the same cell, if comparable.

    ``stored_usd`` is None when the measure has no stored counterpart (regional
    totals, quantities, partial years) or the store has no licences there.
    """

    country: str
    country_code: str | None
    fiscal_year: int | None
    period: str
    measure: str
    unit: str
    published: float
    stored_usd: Decimal | None
    provenance: Provenance


def reference_comparison(ds: Dataset) -> list[ReferenceComparison]:
    """Every row of ``dcs_by_country_fy.csv``, in its order, with the stored figure beside it."""
    totals = {(r.country, r.fiscal_year): r for r in annual_table(ds, by_category=False).rows}
    out = []
    for f in dcs_figures():
        code = COUNTRY_CODES.get(f.country)
        stored: Decimal | None = None
        side = MEASURES.get(f.measure)
        if code is not None and f.fiscal_year is not None and side is not None:
            row = totals.get((code, f.fiscal_year))
            if row is not None:
                stored = row.shipped_usd if side == "shipped" else row.authorised_usd
        out.append(ReferenceComparison(f.country, code, f.fiscal_year, f.period, f.measure,
                                       f.unit, f.value, stored, f.provenance))
    return out
