"""Write a ``Report`` as a self-contained offline folder: index.html, the Vega bundle, CSVs, PDFs.

The page loads nothing from the network: the Vega, Vega-Lite and Vega-Embed
libraries come from ``vl_convert.javascript_bundle()`` (the PyPI package
vl-convert-python carries them) and are written beside ``index.html`` as
``vega-bundle.js``; every chart's data is inline in its spec. Tables are
sortable with a few lines of vanilla JavaScript. Every table is also written as
CSV (full precision; the page shows at most ``MAX_ROWS`` rows of each) and every
state's accountability bundle as CSV and PDF letters, so the folder can be
zipped and handed on as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from armstrace.adapters.reports.pdf_letters import write_letters
from armstrace.services.accountability import write_csv
from armstrace.services.report_tables import Cell, write_table_csv
from armstrace.services.reporting import LETTERS_DIR, Report

__all__ = ["MAX_ROWS", "WrittenReport", "vega_bundle", "write_report"]

MAX_ROWS = 500
BUNDLE_NAME = "vega-bundle.js"
# The specs say Vega-Lite 6 (``services.report_charts.SCHEMA``); bundle the same major version.
VEGA_LITE_VERSION = "6.4"
_TEMPLATES = "armstrace.adapters.reports"
# The bundle's own entry code: put the three libraries where report.js finds them.
_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
_PLAIN = {"rank", "year", "fiscal year"}
_WORDS = {
    "en": {"generated": "Generated", "grade": "confidence grade", "rows": "rows", "first": "first",
           "source": "source",
           "footer": "armstrace: offline report. Charts drawn with Vega-Lite from data inline in this "
                     "page; tables sort when a column header is clicked; every table is in the CSV "
                     "named above it."},
    "es": {"generated": "Generado", "grade": "grado de confianza", "rows": "filas",
           "first": "primeras", "source": "fuente",
           "footer": "armstrace: informe sin conexión. Gráficas dibujadas con Vega-Lite a partir de "
                     "datos incluidos en esta página; las tablas se ordenan al pulsar el encabezado "
                     "de una columna; cada tabla está en el CSV indicado sobre ella."},
}


@dataclass(frozen=True)
class WrittenReport:
    index: Path
    csvs: list[Path]
    letters: list[Path]


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (a few seconds to build; once per process)."""
    import vl_convert

    return vl_convert.javascript_bundle(_GLOBALS, vl_version=VEGA_LITE_VERSION)


def _show(column: str, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return str(value) if column in _PLAIN else f"{value:,}"
    if isinstance(value, float):
        if column.endswith("USD") or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"
    return value


def _template_text(name: str) -> str:
    return resources.files(_TEMPLATES).joinpath("templates", name).read_text(encoding="utf-8")


def write_report(report: Report, folder: Path, *, issued: date | None = None) -> WrittenReport:
    """Write the report into ``folder`` (created if missing); returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_dir = folder / "csv"
    csv_dir.mkdir(exist_ok=True)
    letters_dir = folder / LETTERS_DIR
    csvs: dict[str, str] = {}
    written: list[Path] = []
    for table in report.tables:
        path = csv_dir / f"{table.key}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            write_table_csv(table, f)
        csvs[table.key] = f"csv/{path.name}"
        written.append(path)
    letters: list[Path] = []
    for bundle in report.bundles:
        letters_dir.mkdir(exist_ok=True)
        path = letters_dir / f"accountability-{bundle.state}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            write_csv(bundle, f)
        written.append(path)
        letters += write_letters(bundle, letters_dir, ("es", "en"), issued=issued)
    (folder / BUNDLE_NAME).write_text(vega_bundle(), encoding="utf-8")
    env = Environment(loader=PackageLoader(_TEMPLATES, "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    numeric = {t.key: [t.numeric(i) for i in range(len(t.columns))] for t in report.tables}
    html = env.get_template("report.html.j2").render(
        report=report, css=_template_text("report.css"), js=_template_text("report.js"),
        words=_WORDS.get(report.lang, _WORDS["en"]), csv=csvs, numeric=numeric, show=_show,
        max_rows=MAX_ROWS)
    index = folder / "index.html"
    index.write_text(html, encoding="utf-8")
    return WrittenReport(index, written, letters)
