"""The report as data (``services.reporting``) and as files (``adapters.reports.html``)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.integration.analytics_world import build

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.reports.html import BUNDLE_NAME, write_report
from armstrace.services.analytics_data import Dataset, load_dataset
from armstrace.services.reporting import SECTIONS, Figure, ReportContext, Section, build_report

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def ds(store: SqlStore, tmp_path: Path) -> Dataset:
    build(store, tmp_path)
    return load_dataset(store)


def test_every_section_is_built_from_the_data(ds: Dataset, store: SqlStore) -> None:
    report = build_report(ds, store=store, now=NOW)
    assert [s.key for s in report.sections] == [
        "headline", "rates", "time-to-crime", "trends", "map", "flow", "reconciliation",
        "coverage", "annual", "splits", "risk", "letters"]
    sections = {s.key: s for s in report.sections}
    head = {f.label: f for f in sections["headline"].figures}
    assert head["recoveries in the store"].value == "9"
    assert head["traced to a licensed weapon"].value == "6"  # 4 matched + 2 ambiguous
    published = head["published U.S.-sourced share, 2007–2011"]
    assert published.value == "68,161 of 99,691 (68.4%)" and published.grade == "secondary"
    # the map: every one of the 32 states, Michoacán with its 4 recoveries to explain
    (states,) = sections["map"].tables
    assert len(states.rows) == 32
    by_state = {r[0]: r for r in states.rows}
    assert by_state["MX-MIC"][2:4] == (4, 4) and by_state["MX-JAL"][2:4] == (3, 0)
    spec = sections["map"].charts[0].spec
    assert spec["data"]["format"] == {"type": "topojson", "feature": "mex"}
    assert len(spec["transform"][1]["from"]["data"]["values"]) == 32
    # the flow from exporters to recoveries, stage by stage
    (flow,) = sections["flow"].tables
    stages = {}
    for stage, _node, n in flow.rows:
        stages[stage] = stages.get(stage, 0) + n
    assert stages == {"exporters": 8, "SEDENA": 7, "states": 7, "police units": 4, "recovered": 4}
    # the 2009 case: trails stop at a state government
    assert any("Gobierno de Michoacán holds 2 weapons" in n for n in sections["reconciliation"].notes)
    coverage = {t.key: t for t in sections["coverage"].tables}
    total = [r for r in coverage["published-shares"].rows if r[0] == "2007–2011" and r[1] == "ATF"]
    assert total and total[0][2:4] == (68_161, 99_691) and total[0][8] == "secondary"
    (letters,) = sections["letters"].tables
    assert [r[0] for r in letters.rows] == ["MX-MIC"]
    assert letters.rows[0][5] == "letters/carta-MX-MIC-es.pdf"


def test_a_section_is_one_function_added_to_the_list(ds: Dataset) -> None:
    def queue(ctx: ReportContext) -> Section:
        return Section("risk", "Risk queue", figures=[Figure("licences to check", str(len(ctx.ds.licences)))])

    def nothing(_ctx: ReportContext) -> None:
        return None

    report = build_report(ds, sections=[*SECTIONS[:1], queue, nothing], now=NOW)
    assert [s.key for s in report.sections] == ["headline", "risk"]
    assert report.sections[1].figures[0].value == "3"
    with pytest.raises(ValueError, match="unknown language"):
        build_report(ds, lang="fr")


def test_spanish_labels(ds: Dataset) -> None:
    report = build_report(ds, lang="es", now=NOW)
    assert report.title == "Informe de armstrace"
    assert "Tasas de desvío" in [s.title for s in report.sections]


def test_write_report_makes_a_self_contained_folder(ds: Dataset, store: SqlStore,
                                                    tmp_path: Path) -> None:
    report = build_report(ds, store=store, now=NOW)
    written = write_report(report, tmp_path / "r", issued=date(2026, 11, 22))
    html = written.index.read_text(encoding="utf-8")
    assert f'<script src="{BUNDLE_NAME}"></script>' in html
    assert (tmp_path / "r" / BUNDLE_NAME).stat().st_size > 500_000  # vega + vega-lite + embed
    assert 'src="http' not in html and 'href="http' not in html
    assert "68,161 of 99,691 (68.4%)" in html and "Gobierno de Michoacán" in html
    assert html.count('class="sortable"') == len(report.tables)
    specs = html.count('type="application/json"')
    assert specs == sum(len(s.charts) for s in report.sections) >= 8
    assert [p.name for p in written.letters] == ["carta-MX-MIC-es.pdf", "letter-MX-MIC-en.pdf"]
    with open(tmp_path / "r" / "csv" / "rates-custodian.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["custodian"] == "P-MIC-GOV" and rows[0]["recovered (k)"] == "2"
    with open(tmp_path / "r" / "letters" / "accountability-MX-MIC.csv", encoding="utf-8") as f:
        assert len(f.read().strip().splitlines()) == 5  # header + 4 recoveries
    # every chart spec in the page is valid JSON with inline data (no URL to fetch)
    for chunk in html.split('type="application/json"')[1:]:
        spec = json.loads(chunk[chunk.index(">") + 1:chunk.index("</script>")])
        assert "url" not in json.dumps(spec.get("data", {}))


def test_a_store_whose_traces_name_no_licensed_weapon_still_gets_a_report(ds: Dataset,
                                                                          tmp_path: Path) -> None:
    ds.traces = []  # every recovery traced, none to a licensed weapon
    report = build_report(ds, now=NOW)
    keys = [s.key for s in report.sections]
    assert "time-to-crime" not in keys and "map" in keys and report.bundles == []
    sections = {s.key: s for s in report.sections}
    assert all(row[3] == 0 for row in sections["map"].tables[0].rows)
    written = write_report(report, tmp_path / "r")
    assert written.letters == [] and "Headline figures" in written.index.read_text(encoding="utf-8")
