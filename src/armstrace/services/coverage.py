"""Coverage-aware shares: what the traced sample says about all recovered weapons, and no more.

Claims like "90 % of crime guns come from the U.S." are shares of the weapons
that were traced, and only about one in four seized weapons was. Each figure
here is given three ways:

- the published share among the traced (k of n) with its Wilson interval, which
  covers sampling error only;
- worst-case (Manski) bounds for the share among all N, which hold whatever the
  unexamined were;
- estimates under stated assumptions: missing at random (the unexamined are
  like the examined), and ``ALTERNATIVE_RATIO`` (the unexamined are half as
  likely to be positive: weapons are often submitted for tracing *because* they
  look U.S.-made).

Every figure keeps the source URLs and the weakest confidence grade of the
published rows it was computed from, and a caveat when the pairing of counts
is the analyst's, not the publisher's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from armstrace.domain.provenance import Provenance, combine
from armstrace.domain.statistics import (
    Bounds,
    Interval,
    ShareEstimate,
    manski_bounds,
    missing_at_random,
    ratio_assumption,
    wilson_interval,
)
from armstrace.services.analytics_data import NO_TRACE, Dataset
from armstrace.services.reference_figures import TraceFigure, trace_figures

__all__ = [
    "ALTERNATIVE_RATIO",
    "CoverageFigure",
    "PublishedShare",
    "coverage_figure",
    "published_shares",
    "reference_coverage",
    "store_coverage",
]

ALTERNATIVE_RATIO = 0.5
SUBMITTED = "firearms_recovered_submitted_for_trace"
US = "us_sourced"


@dataclass(frozen=True, slots=True)
class PublishedShare:
    """A published k of n (U.S.-sourced of traced), recomputed, with its provenance.

    ``published_pct`` is the percentage the source itself printed for the same
    period, when the table holds one (e.g. 71.3 for 2011), to check against.
    """

    period: str
    year_start: int
    year_end: int
    agency: str
    positive: int
    traced: int
    share: float
    interval: Interval
    published_pct: float | None
    provenance: Provenance

    @property
    def share_text(self) -> str:
        """As headlines print it: "68,161 of 99,691 (68.4%)"."""
        return f"{self.positive:,} of {self.traced:,} ({100 * self.share:.1f}%)"


@dataclass(frozen=True, slots=True)
class CoverageFigure:
    """The positive share of all N recovered weapons when n were examined, k positive."""

    label: str
    period: str
    positive: int
    examined: int
    total: int
    bounds: Bounds
    missing_at_random: ShareEstimate
    alternative: ShareEstimate
    provenance: Provenance
    caveat: str


def coverage_figure(label: str, period: str, k: int, n: int, total: int,
                    provenance: Provenance, caveat: str = "",
                    ratio: float = ALTERNATIVE_RATIO) -> CoverageFigure:
    """Bounds and both estimates for k positive of n examined out of ``total``."""
    return CoverageFigure(label, period, k, n, total, manski_bounds(k, n, total),
                          missing_at_random(k, n, total), ratio_assumption(k, n, total, ratio),
                          provenance, caveat)


def _by_period(figs: tuple[TraceFigure, ...]) -> dict[tuple[int, int, str], dict[str, TraceFigure]]:
    out: dict[tuple[int, int, str], dict[str, TraceFigure]] = defaultdict(dict)
    for f in figs:
        if f.year_start is not None and f.year_end is not None:
            out[(f.year_start, f.year_end, f.agency)].setdefault(f.metric, f)
    return out


def published_shares() -> list[PublishedShare]:
    """Every period with both a traced count and a U.S.-sourced count, oldest first.

    Single years first within a start year; the 2007-2011 total reproduces ATF's
    68,161 of 99,691 (68.4 %).
    """
    out = []
    for (start, end, agency), m in _by_period(trace_figures()).items():
        if SUBMITTED not in m or US not in m:
            continue
        n, k = int(m[SUBMITTED].value), int(m[US].value)
        pct = m.get("us_sourced_pct")
        prov = combine((m[SUBMITTED].provenance, m[US].provenance),
                       note=f"{m[US].note} {m[SUBMITTED].note}".strip())
        out.append(PublishedShare(f"{start}" if start == end else f"{start}–{end}", start, end,
                                  agency, k, n, k / n, wilson_interval(k, n),
                                  pct.value if pct is not None else None, prov))
    out.sort(key=lambda s: (s.year_end - s.year_start, s.year_start, s.agency))
    return out


def _fig(metric: str, start: int, end: int, agency_prefix: str) -> TraceFigure:
    for f in trace_figures():
        if (f.metric == metric and f.year_start == start and f.year_end == end
                and f.agency.startswith(agency_prefix)):
            return f
    raise LookupError(f"reference table has no {metric} for {start}-{end} ({agency_prefix})")


def reference_coverage() -> list[CoverageFigure]:
    """Bounds from the published tables where the counts needed are there.

    Two kinds of pairing:
    - *undetermined traces*: among weapons ATF traced, those whose source could
      not be determined are the unexamined part (same publication, same period);
    - *seized vs traced*: a seizure count N beside the traced count n. These pair
      different agencies' counts (ATF counts submissions from any Mexican agency
      by year of recovery; SEDENA or PGR count their own seizures), so the
      caveat says the bounds are illustrative. Years where the seizure count is
      below the traced count cannot be paired and are left out.
    """
    out: list[CoverageFigure] = []
    for start, end, agency, non_us in ((2009, 2014, "ATF via GAO-16-223", "non_us_sourced"),
                                       (2018, 2023, "ATF", "non_us_manufacturer")):
        total, us, other = (_fig(SUBMITTED, start, end, agency), _fig(US, start, end, agency),
                            _fig(non_us, start, end, agency))
        k, n = int(us.value), int(us.value + other.value)
        out.append(coverage_figure(
            "U.S.-sourced share of traced firearms, undetermined traces unexamined",
            f"{start}–{end}", k, n, int(total.value),
            combine((total.provenance, us.provenance, other.provenance)),
            f"{int(total.value) - n:,} traces with undetermined source"))
    # GAO-09-709: PGR said ~30,000 seized in 2008, ~7,200 submitted; 87 % of traced U.S.-origin.
    seized = _fig("firearms_seized_pgr_reported", 2008, 2008, "PGR")
    submitted = _fig("firearms_submitted_for_trace", 2008, 2008, "ATF via GAO")
    origin = _fig("us_origin_pct_of_traced", 2004, 2008, "ATF via GAO")
    n = int(submitted.value)
    k = round(n * origin.value / 100)
    out.append(coverage_figure(
        "U.S.-origin share of firearms seized (PGR count)", "2008", k, n, int(seized.value),
        combine((seized.provenance, submitted.provenance, origin.provenance)),
        f"k = {origin.value:g}% (GAO, traced FY2004–2008) of the {n:,} submitted: "
        "a rate from a wider period applied to 2008"))
    sedena = {f.year_start: f for f in trace_figures()
              if f.metric == "firearms_seized" and f.agency == "SEDENA"
              and f.year_start is not None and f.year_start == f.year_end}
    shares = {s.year_start: s for s in published_shares()
              if s.year_start == s.year_end and s.agency == "ATF"}
    paired = [y for y in sorted(set(sedena) & set(shares)) if sedena[y].value >= shares[y].traced]
    caveat = ("SEDENA counts its own seizures; ATF counts traces of weapons recovered by any "
              "agency: the pairing is illustrative")
    for year in paired:
        s, seized_fig = shares[year], sedena[year]
        out.append(coverage_figure(
            "U.S.-sourced share of firearms seized (SEDENA count)", str(year), s.positive,
            s.traced, int(seized_fig.value), combine((s.provenance, seized_fig.provenance)),
            caveat))
    return out


def store_coverage(ds: Dataset, ratio: float = ALTERNATIVE_RATIO) -> list[CoverageFigure]:
    """The share of the store's recoveries that are licensed weapons, per year and overall.

    N = recovery rows; examined n = rows traced to a conclusion (matched,
    ambiguous or unmatched); k = matched + ambiguous (a licensed weapon, even if
    which one is unsure). Untraceable and not-yet-traced rows are the unexamined
    part. Duplicate seizure rows count as rows here, as in published seizure counts.
    """
    out = []
    years = sorted(ds.recoveries_by_year)
    cells = [(str(y), [y]) for y in years]
    if years:
        cells.append((f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]), years))
    for period, ys in cells:
        def count(status: str, ys: list[int] = ys) -> int:
            return sum(ds.status_by_year.get((y, status), 0) for y in ys)

        total = sum(ds.recoveries_by_year[y] for y in ys)
        k = count("matched") + count("ambiguous")
        n = k + count("unmatched")
        unexamined = count("untraceable") + count(NO_TRACE)
        if n == 0:
            continue
        out.append(coverage_figure(
            "share of recovered weapons traced to licensed weapons", period, k, n, total,
            ds.provenance,
            f"{count('matched'):,} matched, {count('ambiguous'):,} ambiguous; {unexamined:,} "
            "untraceable or not traced", ratio))
    return out
