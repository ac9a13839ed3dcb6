"""Vega-Lite chart specifications for the report, as data filled from the analytics results.

Specs are plain dicts (JSON), so they are testable without a browser and render
offline with the bundled Vega libraries (``adapters.reports.html``). Every chart
carries its data inline: the report must open from a folder with no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from armstrace.services.analytics import DiversionTable, TimeToCrimeRow, TrendRow, YearCoverage
from armstrace.services.coverage import CoverageFigure, PublishedShare

__all__ = ["coverage_chart", "flow_chart", "map_chart", "published_chart", "ranking_chart",
           "status_chart", "trends_chart", "ttc_chart"]

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched; the
# bundle written beside the report is Vega-Lite 6 (``adapters.reports.html``).
WIDTH = 640


def _base(title: str, **extra: Any) -> Spec:
    return {"$schema": SCHEMA, "title": title, "width": WIDTH, **extra}


def ranking_chart(t: DiversionTable, top: int = 15, title: str = "") -> Spec:
    """Worst ``top`` rows: the estimate as a point, the 95 % Wilson interval as a rule."""
    rows = [{"name": f"{r.rank}. {r.label}"[:60], "rank": r.rank, "rate": r.rate.estimate or 0.0,
             "low": r.rate.wilson.low, "high": r.rate.wilson.high, "k": r.recovered,
             "n": r.exposed} for r in t.rows[:top]]
    overall = t.overall.estimate or 0.0
    y = {"field": "name", "type": "nominal", "sort": {"field": "rank"}, "title": None,
         "axis": {"labelLimit": 320}}
    return _base(title or f"Diversion rate by {t.group} (95% interval), worst first",
                 data={"values": rows}, height={"step": 20}, layer=[
                     {"mark": {"type": "rule", "strokeWidth": 2, "color": "#8aa"},
                      "encoding": {"y": y, "x": {"field": "low", "type": "quantitative",
                                                 "title": "recovered / exposed"},
                                   "x2": {"field": "high"}}},
                     {"mark": {"type": "point", "filled": True, "size": 60, "color": "#b22"},
                      "encoding": {"y": y, "x": {"field": "rate", "type": "quantitative"},
                                   "tooltip": [{"field": "name"}, {"field": "k", "title": "k"},
                                               {"field": "n", "title": "n"},
                                               {"field": "rate", "format": ".3f"},
                                               {"field": "low", "format": ".3f"},
                                               {"field": "high", "format": ".3f"}]}},
                     {"data": {"values": [{"overall": overall}]},
                      "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#555"},
                      "encoding": {"x": {"field": "overall", "type": "quantitative"}}},
                 ])


def ttc_chart(rows: Sequence[TimeToCrimeRow], title: str = "") -> Spec:
    """Histogram of time-to-crime bins for all traced weapons (the first row)."""
    data = [{"bin": label, "order": i, "weapons": n,
             "indicator": "under 3 years" if i < 3 else "3 years or more"}
            for i, (label, n) in enumerate(rows[0].bins)] if rows else []
    return _base(title or "Time to crime: days from last lawful custody to recovery",
                 data={"values": data}, height=220, mark={"type": "bar"}, encoding={
                     "x": {"field": "bin", "type": "ordinal", "sort": {"field": "order"},
                           "title": None, "axis": {"labelAngle": 0}},
                     "y": {"field": "weapons", "type": "quantitative", "title": "weapons"},
                     "color": {"field": "indicator", "type": "nominal",
                               "scale": {"range": ["#c0392b", "#7f8c8d"]}, "title": None},
                     "tooltip": [{"field": "bin"}, {"field": "weapons"}]})


def status_chart(rows: Sequence[YearCoverage], title: str = "") -> Spec:
    """Recoveries per year, stacked by trace status."""
    data = []
    for r in rows:
        for status, n in (("matched", r.matched), ("ambiguous", r.ambiguous),
                          ("unmatched", r.unmatched), ("untraceable", r.untraceable),
                          ("not traced", r.not_traced)):
            if n:
                data.append({"year": str(r.year), "status": status, "recoveries": n})
    return _base(title or "Recoveries by year and trace status", data={"values": data},
                 height=220, mark="bar", encoding={
                     "x": {"field": "year", "type": "ordinal", "title": None},
                     "y": {"field": "recoveries", "type": "quantitative", "stack": True},
                     "color": {"field": "status", "type": "nominal",
                               "sort": ["matched", "ambiguous", "unmatched", "untraceable",
                                        "not traced"]},
                     "tooltip": [{"field": "year"}, {"field": "status"}, {"field": "recoveries"}]})


def trends_chart(rows: Sequence[TrendRow], title: str = "") -> Spec:
    """Recovered weapons naming a custodian per year, one line per kind of last custodian."""
    data = [{"year": str(r.year), "group": r.label, "recovered": r.recovered} for r in rows]
    return _base(title or "Recovered weapons by year and kind of last custodian",
                 data={"values": data}, height=220, mark={"type": "line", "point": True},
                 encoding={"x": {"field": "year", "type": "ordinal", "title": None},
                           "y": {"field": "recovered", "type": "quantitative", "title": "weapons"},
                           "color": {"field": "group", "type": "nominal", "title": None},
                           "tooltip": [{"field": "year"}, {"field": "group"},
                                       {"field": "recovered"}]})


def map_chart(topology: dict[str, Any], feature: str, states: Sequence[dict[str, Any]],
              value: str, title: str = "") -> Spec:
    """Choropleth of the 32 states: every state drawn; filled by ``value`` (0 where none).

    ``states`` rows carry ``hasc`` (the topology's feature id), ``name``, ``iso`` and
    the values; the lookup keeps a state with no row drawn (its value defaults to 0).
    """
    fields = sorted({k for row in states for k in row} - {"hasc"})
    return _base(title or f"{value} by state", height=420, projection={"type": "mercator"},
                 data={"values": topology, "format": {"type": "topojson", "feature": feature}},
                 transform=[
                     {"filter": "datum.id && datum.id != '-99'"},
                     {"lookup": "id", "from": {"data": {"values": list(states)}, "key": "hasc",
                                               "fields": fields}},
                     {"calculate": f"datum['{value}'] || 0", "as": "fill_value"}],
                 mark={"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.6},
                 encoding={"color": {"field": "fill_value", "type": "quantitative",
                                     "title": value, "scale": {"scheme": "orangered",
                                                               "domainMin": 0},
                                     "legend": {"format": ",d", "tickMinStep": 1}},
                           "tooltip": [{"field": "name", "title": "state"},
                                       *({"field": f} for f in fields if f not in ("name",))]})


def flow_chart(stages: Sequence[tuple[str, Sequence[tuple[str, int]]]], title: str = "") -> Spec:
    """Stage by stage (exporters, SEDENA, states, units, recovered): stacked weapons per node.

    ``stages`` is [(stage label, [(node label, weapons), ...]), ...] in the order weapons
    travel. Each bar is one stage; its segments are the nodes, largest first, so the
    narrowing from exported to recovered is seen at a glance. Log-free on purpose: the
    drop to the recovered is the point.
    """
    data: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    biggest = 0
    for order, (stage, nodes) in enumerate(stages):
        total = sum(n for _node, n in nodes)
        biggest = max(biggest, total)
        totals.append({"stage": stage, "order": order, "total": total})
        base = 0
        for rank, (node, n) in enumerate(sorted(nodes, key=lambda x: -x[1])):
            data.append({"stage": stage, "order": order, "node": node, "weapons": n, "rank": rank,
                         "y0": base, "y1": base + n, "mid": base + n / 2, "label": node[:28]})
            base += n
    # Name a segment on the bar only when it is tall enough to hold the words.
    tall = 0.06 * biggest
    x = {"field": "stage", "type": "ordinal", "sort": [stage for stage, _nodes in stages],
         "title": None, "axis": {"labelAngle": 0, "labelFontSize": 12}}
    return _base(title or "Flow of licensed weapons: exporters → SEDENA → states → units → recovered",
                 height=360, layer=[
                     {"data": {"values": data}, "mark": {"type": "bar", "stroke": "#fff",
                                                         "strokeWidth": 0.5},
                      "encoding": {"x": x, "y": {"field": "y0", "type": "quantitative",
                                                 "title": "weapons"},
                                   "y2": {"field": "y1"},
                                   "color": {"field": "node", "type": "nominal", "legend": None,
                                             "scale": {"scheme": "tableau20"}},
                                   "tooltip": [{"field": "stage"}, {"field": "node"},
                                               {"field": "weapons", "format": ","}]}},
                     {"data": {"values": [d for d in data if d["weapons"] >= tall]},
                      "mark": {"type": "text", "fontSize": 9, "color": "#1d2a36"},
                      "encoding": {"x": x, "y": {"field": "mid", "type": "quantitative"},
                                   "text": {"field": "label"}}},
                     {"data": {"values": totals}, "mark": {"type": "text", "dy": -8,
                                                           "fontWeight": "bold"},
                      "encoding": {"x": x, "y": {"field": "total", "type": "quantitative"},
                                   "text": {"field": "total", "format": ","}}},
                 ])


def published_chart(shares: Sequence[PublishedShare], title: str = "") -> Spec:
    """U.S.-sourced share of traced firearms per published period, with the Wilson interval."""
    data = [{"period": f"{s.period} ({s.agency})", "share": s.share, "low": s.interval.low,
             "high": s.interval.high, "k": s.positive, "n": s.traced, "grade": s.provenance.grade}
            for s in shares]
    y = {"field": "period", "type": "nominal", "sort": None, "title": None}
    return _base(title or "U.S.-sourced share of traced firearms, as published",
                 data={"values": data}, height={"step": 18}, layer=[
                     {"mark": {"type": "rule", "color": "#8aa", "strokeWidth": 2},
                      "encoding": {"y": y, "x": {"field": "low", "type": "quantitative",
                                                 "scale": {"domain": [0, 1]}, "title": "share"},
                                   "x2": {"field": "high"}}},
                     {"mark": {"type": "point", "filled": True, "color": "#1f5f8b"},
                      "encoding": {"y": y, "x": {"field": "share", "type": "quantitative"},
                                   "tooltip": [{"field": "period"}, {"field": "k", "format": ","},
                                               {"field": "n", "format": ","},
                                               {"field": "share", "format": ".1%"},
                                               {"field": "grade"}]}}])


def coverage_chart(figures: Sequence[CoverageFigure], title: str = "") -> Spec:
    """Worst-case bounds (bar) and the two assumption-based estimates (points) per figure."""
    data, points = [], []
    for f in figures:
        label = f"{f.period}: {f.label}"[:70]
        data.append({"figure": label, "low": f.bounds.low, "high": f.bounds.high,
                     "grade": f.provenance.grade, "k": f.positive, "n": f.examined, "N": f.total})
        points.append({"figure": label, "estimate": f.missing_at_random.estimate,
                       "assumption": "missing at random"})
        points.append({"figure": label, "estimate": f.alternative.estimate,
                       "assumption": "unexamined half as likely"})
    y = {"field": "figure", "type": "nominal", "sort": None, "title": None,
         "axis": {"labelLimit": 360}}
    return _base(title or "Share of all recovered weapons: bounds and estimates",
                 height={"step": 22}, layer=[
                     {"data": {"values": data}, "mark": {"type": "bar", "color": "#d5dde8",
                                                         "height": 12},
                      "encoding": {"y": y, "x": {"field": "low", "type": "quantitative",
                                                 "scale": {"domain": [0, 1]}, "title": "share"},
                                   "x2": {"field": "high"},
                                   "tooltip": [{"field": "figure"}, {"field": "low", "format": ".1%"},
                                               {"field": "high", "format": ".1%"},
                                               {"field": "k", "format": ","},
                                               {"field": "n", "format": ","},
                                               {"field": "N", "format": ","}, {"field": "grade"}]}},
                     {"data": {"values": points}, "mark": {"type": "point", "filled": True},
                      "encoding": {"y": y, "x": {"field": "estimate", "type": "quantitative"},
                                   "shape": {"field": "assumption", "type": "nominal"},
                                   "color": {"field": "assumption", "type": "nominal"}}}])
