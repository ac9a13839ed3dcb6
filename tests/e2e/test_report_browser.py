"""The report as a person sees it: `armstrace demo` writes it, headless Chromium opens it from disk.

Checks what a reader would: the map has all 32 states filled, every chart is
drawn with marks, tables sort when a header is clicked, the console has no
errors, and nothing is fetched from the network (any http(s) request is blocked
and counted). Screenshots of the whole page and of the map are kept in
``test-artifacts/``. The browser is Debian's Chromium (``make browser`` installs
it); under CI (``CI`` or ``ARMSTRACE_REQUIRE_PG`` set) a missing browser fails the
test rather than skipping it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
MARKS = ("path, line, rect, circle, text")


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)"
    if os.environ.get("CI") or os.environ.get("ARMSTRACE_REQUIRE_PG"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the demo on a tiny world, as a new user would, and return the report it names."""
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k != "ARMSTRACE_DB"} | {"COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "armstrace", "demo", "--scale", "tiny",
                             "--seed", "5", "--dir", str(folder), "-q"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6. Report" in result.stdout
    found = re.search(r"open (\S+index\.html) in a browser", result.stdout)
    assert found, result.stdout
    index = Path(found.group(1))
    assert index == (folder / "report" / "index.html").resolve() and index.exists()
    return index


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.errors = []  # type: ignore[attr-defined]
        pg.network = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.on("request", lambda r: None if r.url.startswith("file:") else pg.network.append(r.url))
        context.route(re.compile(r"^(https?|wss?)://"),
                      lambda route: (pg.network.append(route.request.url), route.abort()))
        pg.goto(report.as_uri())
        pg.wait_for_function("window.armstraceCharts && window.armstraceCharts.total > 0 && "
                             "window.armstraceCharts.drawn + window.armstraceCharts.failed "
                             "=== window.armstraceCharts.total", timeout=60_000)
        yield pg
        browser.close()


def test_every_chart_is_drawn_with_marks(page: Any) -> None:
    charts = page.evaluate("window.armstraceCharts")
    assert charts["failed"] == 0 and charts["drawn"] == charts["total"] >= 8
    for holder in page.query_selector_all("[data-spec]"):
        name = holder.get_attribute("id")
        marks = holder.eval_on_selector_all(
            "g.role-mark", f"gs => gs.reduce((n, g) => n + g.querySelectorAll('{MARKS}').length, 0)")
        assert marks > 0, f"{name} has no marks"


def test_the_map_fills_all_32_states(page: Any) -> None:
    fills = page.eval_on_selector_all("#chart-map g.mark-shape path",
                                      "ps => ps.map(p => p.getAttribute('fill'))")
    assert len(fills) == 32
    assert all(f and f not in ("none", "transparent") for f in fills), fills
    assert len(set(fills)) >= 2  # states with recoveries to explain stand out from those without
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#chart-map").screenshot(path=str(ARTIFACTS / "report-map.png"))


def test_tables_sort_when_a_header_is_clicked(page: Any) -> None:
    table = page.locator('table[data-table="rates-custodian"]')
    header = table.locator("th", has_text=re.compile(r"^exposed \(n\)$"))
    column = page.evaluate("""() => Array.from(document.querySelectorAll(
        'table[data-table="rates-custodian"] th')).findIndex(th => th.textContent === 'exposed (n)')""")

    def values() -> list[float]:
        cells = table.locator(f"tbody tr td:nth-child({column + 1})").evaluate_all(
            "tds => tds.map(td => td.getAttribute('data-v'))")
        return [float(v) for v in cells]

    before = values()
    assert len(before) > 3 and before != sorted(before)  # ranked by rate, not by exposure
    header.click()
    assert values() == sorted(before)
    header.click()
    assert values() == sorted(before, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"


def test_what_the_reader_sees(page: Any) -> None:
    text = page.inner_text("body")
    for words in ("Headline figures", "68,161 of 99,691 (68.4%)", "secondary", "Diversion rates",
                  "Time to crime", "Coverage-aware statistics", "Accountability letters",
                  "Where custody trails stop", "Section 655"):
        assert words in text, words
    links = page.eval_on_selector_all('a[href$=".pdf"]', "as => as.map(a => a.getAttribute('href'))")
    assert links and all(h.startswith("letters/") for h in links)
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "report-top.png"))


def test_no_console_errors_and_no_network(page: Any) -> None:
    assert page.errors == []
    assert page.network == []
