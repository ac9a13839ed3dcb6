"""Maker aliases: packaged table, user extensions, tolerant lookup."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from armstrace.domain.agreement import Agreement
from armstrace.domain.makers import (
    MakerAliases,
    canonical_maker,
    default_maker_aliases,
    load_maker_aliases,
    maker_agreement,
    maker_key,
)

REQUIRED = {
    "Colt", "Smith & Wesson", "SIG Sauer", "FN Herstal", "Bushmaster", "Ruger", "Remington",
    "Beretta", "Barrett", "Springfield Armory", "Glock", "Kalashnikov Concern", "Norinco",
    "Taurus", "Century Arms", "ArmaLite", "Heckler & Koch", "DPMS", "Rock Island Armory",
}


def _packaged_rows() -> list[dict[str, str]]:
    text = resources.files("armstrace.data").joinpath("makers.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.mark.parametrize(
    ("raw", "maker"),
    [
        ("S&W", "Smith & Wesson"),
        ("S & W", "Smith & Wesson"),
        ("SMITH AND WESSON", "Smith & Wesson"),
        ("Smith & Wesson Inc.", "Smith & Wesson"),
        ("SMITH Y WESSON", "Smith & Wesson"),
        ("SIG-SAUER", "SIG Sauer"),
        ("SIGARMS", "SIG Sauer"),
        ("Sig Sauer Inc.", "SIG Sauer"),
        ("FN HERSTAL", "FN Herstal"),
        ("FABRIQUE NATIONALE", "FN Herstal"),
        ("F.N.", "FN Herstal"),
        ("FN America LLC", "FN Herstal"),
        ("FABRICA NACIONAL", "FN Herstal"),
        ("COLT'S MFG CO", "Colt"),
        ("Colt’s Manufacturing Company LLC", "Colt"),
        ("COLTS MFG", "Colt"),
        ("Bushmaster Firearms International LLC", "Bushmaster"),
        ("BUSH MASTER", "Bushmaster"),
        ("Sturm, Ruger & Co. Inc.", "Ruger"),
        ("Remington Arms Company LLC", "Remington"),
        ("Beretta U.S.A.", "Beretta"),
        ("Fabbrica d'Armi Pietro Beretta S.p.A.", "Beretta"),
        ("Barrett Firearms Manufacturing Inc.", "Barrett"),
        ("Springfield Armory Inc.", "Springfield Armory"),
        ("Glock Ges.m.b.H.", "Glock"),
        ("IZHMASH", "Kalashnikov Concern"),
        ("Kalashnikov", "Kalashnikov Concern"),
        ("NORINCO", "Norinco"),
        ("Forjas Taurus S.A.", "Taurus"),
        ("CENTURY INTERNATIONAL ARMS", "Century Arms"),
        ("ArmaLite Inc.", "ArmaLite"),
        ("H&K", "Heckler & Koch"),
        ("HECKLER UND KOCH", "Heckler & Koch"),
        ("HECKLER Y KOCH", "Heckler & Koch"),
        ("DPMS Panther Arms", "DPMS"),
        ("ROCK ISLAND ARMORY", "Rock Island Armory"),
        ("Romarm S.A. (Cugir)", "Romarm"),
        ("Zastava Oružje", "Zastava"),
        ("Llama Gabilondo y Cía.", "Llama"),
        ("hi-point firearms", "Hi-Point"),
    ],
)
def test_aliases_resolve(raw: str, maker: str) -> None:
    assert canonical_maker(raw) == maker


@pytest.mark.parametrize("raw", [None, "", "DESCONOCIDO", "N/A", "SIN MARCA", "ACME", "XYZ"])
def test_unknown_is_none(raw: str | None) -> None:
    assert canonical_maker(raw) is None


def test_fuzzy_step_is_reported_and_can_be_disabled() -> None:
    table = default_maker_aliases()
    m = table.match("BUSHMASTRE")
    assert m is not None and m.maker == "Bushmaster" and m.how == "fuzzy"
    assert table.canonical("BUSHMASTRE", fuzzy=False) is None
    assert table.match("REMINGTON").how == "alias"  # type: ignore[union-attr]
    # two makers named: no guess
    assert canonical_maker("COLT BERETTA ADAPTER") is None


def test_packaged_table_covers_required_makers_in_both_languages() -> None:
    table = default_maker_aliases()
    assert table.makers >= REQUIRED
    rows = _packaged_rows()
    spanish = {r["maker"] for r in rows if r["language"] == "es"}
    assert len(spanish) >= 8
    assert {"Smith & Wesson", "FN Herstal", "Heckler & Koch", "Beretta"} <= spanish


def test_packaged_aliases_do_not_contradict_each_other() -> None:
    by_key: dict[str, str] = {}
    for r in _packaged_rows():
        key = maker_key(r["alias"])
        assert by_key.setdefault(key, r["maker"]) == r["maker"], r["alias"]


def test_user_table_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "alias,maker,language,notes\n"
        "ARMERIA DEL NORTE,Armeria del Norte,es,local dealer\n"
        "CENTURY,Romarm,en,our records file Century imports under Romarm\n",
        encoding="utf-8",
    )
    table = load_maker_aliases(extra)
    assert table.canonical("Armería del Norte S.A. de C.V.") == "Armeria del Norte"
    assert table.canonical("CENTURY") == "Romarm"
    assert table.canonical("COLT") == "Colt"
    assert canonical_maker("CENTURY") == "Century Arms"  # default table untouched


def test_user_table_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,maker\nX,Y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="alias"):
        load_maker_aliases(bad)
    half = tmp_path / "half.csv"
    half.write_text("alias,maker\nX,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2"):
        load_maker_aliases(half)


def test_maker_agreement() -> None:
    assert maker_agreement("S&W", "Smith & Wesson Inc.") is Agreement.AGREE
    assert maker_agreement("COLT", "RUGER") is Agreement.DISAGREE
    assert maker_agreement("COLT", None) is Agreement.UNKNOWN
    assert maker_agreement("ACME", "COLT") is Agreement.UNKNOWN


def test_small_table_in_code() -> None:
    table = MakerAliases([("AAA ARMS", "Triple A")])
    assert len(table) >= 1
    assert table.canonical("aaa arms inc") == "Triple A"
    assert table.as_mapping()["AAA"] == "Triple A"
