"""The regional accountability bundle as a PDF letter, in Spanish or English (fpdf2).

One letter per state and language: the covering text (``letter_text``) and an
annex table of serial, licence, transfer date, recovery date and last
custodian. The font is the DejaVu Sans subset shipped in ``armstrace/data/fonts``
(licence beside it) so accents render the same on any machine: the PDF core
fonts are Latin-1 only and a system font may not be there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from fpdf import FPDF

from armstrace.adapters.reports.letter_text import LetterText, letter_date, letter_text
from armstrace.services.accountability import AccountabilityBundle, letter_filename

__all__ = ["FONT_FAMILY", "letter_filename", "write_letter", "write_letters"]

FONT_FAMILY = "DejaVuSans"
_FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


@contextmanager
def _font_files() -> Iterator[dict[str, Path]]:
    base = resources.files("armstrace.data").joinpath("fonts")
    with ExitStack() as stack:
        yield {style: stack.enter_context(resources.as_file(base.joinpath(name)))
               for style, name in _FONTS.items()}


class _Letter(FPDF):
    """A4 letter with a page footer ("Página 2 de 3")."""

    page_word = "Page"

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 8, f"{self.page_word} {self.page_no()} / {{nb}}", align="C")


def _text(b: AccountabilityBundle, lang: str, issued: date) -> LetterText:
    return letter_text(lang, state_name=b.state_name, state=b.state, rows=len(b.rows),
                       start=b.period_start, end=b.period_end, transferred=b.transferred_total,
                       licences=len(b.licences), issued=issued)


def write_letter(bundle: AccountabilityBundle, lang: str, path: Path, *,
                 issued: date | None = None) -> Path:
    """Draw the letter for ``bundle`` in ``lang`` into ``path``; returns ``path``."""
    issued = issued or date.today()
    t = _text(bundle, lang, issued)
    pdf = _Letter(format="A4")
    pdf.page_word = t.page
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    with _font_files() as fonts:
        for style, file in fonts.items():
            pdf.add_font(FONT_FAMILY, style, file)
        pdf.set_title(t.title)
        pdf.set_author("armstrace")
        pdf.set_lang(lang)
        # Dated the day of the letter, not the second it was drawn: the same inputs give the same bytes.
        pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
        pdf.add_page()
        _body(pdf, bundle, t, lang)
        pdf.output(str(path))
    return path


def _para(pdf: FPDF, text: str, size: float = 10, style: str = "", gap: float = 2.5) -> None:
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.multi_cell(0, 5.2, text, align="J" if not style else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _body(pdf: FPDF, b: AccountabilityBundle, t: LetterText, lang: str) -> None:
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.cell(0, 5, t.signature, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _para(pdf, t.addressee, 10, "B", 3)
    _para(pdf, t.subject, 10, "B", 3)
    _para(pdf, t.salutation)
    _para(pdf, t.opening)
    _para(pdf, t.intake)
    _para(pdf, t.request)
    if b.by_last_custodian:
        _para(pdf, t.by_custodian, gap=1)
        pdf.set_font(FONT_FAMILY, "", 10)
        for _pid, name, n in b.by_last_custodian:
            pdf.multi_cell(0, 5.2, f"  •  {name}: {n:,}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    _para(pdf, t.annex)
    runs = next((s for s in b.provenance.sources if s.startswith("trace runs: ")), "")
    _para(pdf, f"{t.provenance} {runs.removeprefix('trace runs: ') or '—'}).", 8.5)
    _para(pdf, t.closing)
    pdf.ln(10)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.cell(0, 5, "_" * 34, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    _para(pdf, f"{'Anexo' if lang == 'es' else 'Annex'}: {t.title}", 11, "B", 3)
    if not b.rows:
        _para(pdf, t.none)
        return
    _annex(pdf, b, t, lang)


# Annex column widths (mm, summing to the 170 mm between the margins) and row height.
_WIDTHS = (27.0, 18.0, 37.0, 37.0, 51.0)
_ROW = 5.0


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (a custodian's full name can be long)."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "…") > width - 2:
        text = text[:-1]
    return text + "…"


def _annex_heading(pdf: FPDF, t: LetterText) -> None:
    pdf.set_font(FONT_FAMILY, "B", 7.5)
    pdf.set_fill_color(225, 230, 238)
    for width, name in zip(_WIDTHS, t.columns, strict=True):
        pdf.cell(width, _ROW + 1, _fit(pdf, name, width), border=1, fill=True)
    pdf.ln(_ROW + 1)
    pdf.set_font(FONT_FAMILY, "", 7.5)


def _annex(pdf: FPDF, b: AccountabilityBundle, t: LetterText, lang: str) -> None:
    """One line per weapon, drawn cell by cell (fpdf2's table re-flows every cell, which is
    slow for a state with thousands of rows); the heading repeats on every page."""
    _annex_heading(pdf, t)
    for r in b.rows:
        if pdf.will_page_break(_ROW):
            pdf.add_page()
            _annex_heading(pdf, t)
        values = (r.serial_as_registered or r.serial_as_recorded, r.licence_id or "—",
                  letter_date(r.transferred_on, lang), letter_date(r.recovered_on, lang),
                  r.last_custodian_name or "—")
        for width, value in zip(_WIDTHS, values, strict=True):
            pdf.cell(width, _ROW, _fit(pdf, value, width), border=1)
        pdf.ln(_ROW)


def write_letters(bundle: AccountabilityBundle, folder: Path, langs: tuple[str, ...] = ("es", "en"),
                  *, issued: date | None = None) -> list[Path]:
    """One letter per language into ``folder`` (named by ``letter_filename``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write_letter(bundle, lang, folder / letter_filename(bundle.state, lang), issued=issued)
            for lang in langs]
