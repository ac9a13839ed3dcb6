"""The accountability letters as a reader gets them: PDF text in Spanish and English, read back with pypdf."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.integration.analytics_world import build

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.reports.letter_text import letter_date, letter_text
from armstrace.adapters.reports.pdf_letters import FONT_FAMILY, write_letters
from armstrace.services.accountability import accountability_bundle, letter_filename
from armstrace.services.analytics_data import load_dataset

ISSUED = date(2026, 11, 22)


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_letter_dates_are_written_as_each_language_writes_them() -> None:
    assert letter_date("2026-11-22", "es") == "22 de noviembre de 2026"
    assert letter_date(date(2009, 1, 1), "es") == "1 de enero de 2009"
    assert letter_date("2011-06-01T10:00:00Z", "en") == "1 June 2011"
    with pytest.raises(ValueError, match="unknown language"):
        letter_text("fr", state_name="x", state="MX-X", rows=1, start="2009-01-01",
                    end="2009-12-31", transferred=1, licences=1, issued=ISSUED)


def test_one_rifle_is_singular_in_both_languages() -> None:
    es = letter_text("es", state_name="Jalisco", state="MX-JAL", rows=1, start="2009-01-01",
                     end="2009-12-31", transferred=3, licences=1, issued=ISSUED)
    en = letter_text("en", state_name="Jalisco", state="MX-JAL", rows=1, start="2009-01-01",
                     end="2009-12-31", transferred=3, licences=1, issued=ISSUED)
    assert "1 arma de fuego recuperada " in es.subject and "1 licencia de" in es.intake
    assert "1 recovered firearm " in en.subject and "1 licence." in en.intake


def test_letters_for_michoacan_in_spanish_and_english(store: SqlStore, tmp_path: Path) -> None:
    build(store, tmp_path)
    bundle = accountability_bundle(load_dataset(store), "MX-MIC", "2009-01-01", "2013-12-31")
    es_path, en_path = write_letters(bundle, tmp_path / "out", issued=ISSUED)
    assert (es_path.name, en_path.name) == (letter_filename("MX-MIC", "es"), "letter-MX-MIC-en.pdf")

    es = _text(es_path)
    for words in ("Ciudad de México, a 22 de noviembre de 2026", "Michoacán de Ocampo (MX-MIC)",
                  "4 armas de fuego recuperadas", "entre el 1 de enero de 2009 y el 31 de diciembre",
                  "Secretaría de la Defensa Nacional", "Gobierno de Michoacán: 3",
                  "Policía Municipal de Morelia: 1", "Número de serie", "Fecha de transferencia",
                  "Último custodio", "10 de enero de 2009", "1 de junio de 2011", "SN0004",
                  "Atentamente", "Página 1 / 2", "T-NOW (scoring_v1)"):
        assert words in es, words
    assert es.count("SN0001") == 3  # R1, R2 (one weapon, two seizure rows) and R4's candidates

    en = _text(en_path)
    for words in ("Mexico City, 22 November 2026", "4 recovered firearms", "Ministry of National "
                  "Defence (SEDENA)", "Gobierno de Michoacán: 3", "Serial number", "Transfer date",
                  "Recovery date", "Last custodian", "1 June 2011", "Yours sincerely", "Page 2 / 2"):
        assert words in en, words

    reader = PdfReader(es_path)
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert any(FONT_FAMILY in f for f in fonts), fonts  # the shipped TTF, embedded
    assert reader.metadata is not None and "Michoacán" in str(reader.metadata.title)
    # the same inputs give the same bytes
    again = write_letters(bundle, tmp_path / "again", ("es",), issued=ISSUED)[0]
    assert again.read_bytes() == es_path.read_bytes()


def test_a_state_with_nothing_to_explain_gets_an_annex_that_says_so(store: SqlStore,
                                                                  tmp_path: Path) -> None:
    build(store, tmp_path)
    bundle = accountability_bundle(load_dataset(store), "MX-JAL", "2009-01-01", "2013-12-31")
    assert bundle.rows == ()
    (en,) = write_letters(bundle, tmp_path, ("en",), issued=ISSUED)
    assert "No recovered weapons in the period." in _text(en)
