"""Manufacturers as written, mapped to one canonical maker.

A registry says "Colt's Manufacturing Company LLC"; a seizure list says "COLT",
"COLTS MFG" or "FABRICA COLT". The alias table that joins them is data, not
code (``armstrace/data/makers.csv``: alias, maker, language, notes), so an agency
can extend it with its own spellings (``load_maker_aliases(extra_path)``) without
a release.

Matching compares *keys*: upper case, accents and punctuation gone, "&" and the
Spanish/German "Y"/"UND" read as "AND", a possessive "'S" dropped, and trailing
company words ("MFG CO", "INC", "FIREARMS", "S.A. DE C.V.", ...) removed, spaces
squeezed out. The alias side goes through the same function, so "BUSH MASTER",
"Bushmaster Firearms International LLC" and "BUSHMASTER" meet. When the whole
key is unknown, a known alias standing as whole words inside the text decides
("Fabbrica d'Armi Pietro Beretta S.p.A." -> Beretta) if it points at one maker
only; failing that, an optional fuzzy step accepts one close spelling
("BUSHMASTRE"), and says it did (``MakerMatch.how``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from armstrace.domain.agreement import Agreement

__all__ = [
    "MakerAliases",
    "MakerMatch",
    "canonical_maker",
    "default_maker_aliases",
    "load_maker_aliases",
    "maker_agreement",
    "maker_key",
]

_COLUMNS = ("alias", "maker")
# Company-form and generic words dropped from the *end* of a name, repeatedly.
# Only trailing ones: "FABRICA DE ARMAS" keeps its "DE", "S.A. DE C.V." loses it.
_TRAILING_NOISE = frozenset(
    {
        "INC", "INCORPORATED", "LLC", "LTD", "LIMITED", "CO", "CORP", "CORPORATION",
        "COMPANY", "CIA", "MFG", "MFR", "MANUFACTURING", "MANUFACTURER", "GMBH",
        "GESMBH", "SA", "SPA", "SRL", "AG", "KG", "NV", "BV", "PLC", "SAS", "CV",
        "DE", "AND", "FIREARMS", "ARMS", "ARMAS", "ARMORY", "ARMOURY", "INDUSTRIES",
        "INDUSTRY", "INTERNATIONAL", "INTL", "USA", "US", "AMERICA", "GROUP",
        "HOLDINGS", "DEFENSE", "DEFENCE", "WORKS", "THE",
    }
)
_NOT_A_MAKER = frozenset(
    {
        "", "UNKNOWN", "DESCONOCIDO", "DESCONOCIDA", "SINMARCA", "NA", "ND", "NONE",
        "GENERICO", "GENERIC", "HECHIZA", "HECHIZO", "ARTESANAL", "ILEGIBLE",
    }
)
_MIN_CONTAINED = 4  # shortest alias key trusted when found inside a longer name
_MIN_FUZZY = 5  # shortest key given a fuzzy chance
_FUZZY_CUTOFF = 85.0  # rapidfuzz ratio: about one error in seven characters


def _words(raw: str) -> list[str]:
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = re.sub(r"[’`´]", "'", text)
    text = re.sub(r"'S\b", "", text)  # COLT'S -> COLT
    text = re.sub(r"(?<=[A-Z])\.(?=[A-Z])", "", text)  # U.S.A. -> USA., F.N. -> FN.
    text = text.replace("&", " AND ").replace("+", " AND ")
    text = re.sub(r"\([^)]*\)", " ", text)
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    words = ["AND" if w in ("Y", "UND", "ET", "E") else w for w in words]
    while words and words[-1] in _TRAILING_NOISE:
        words.pop()
    while words and words[0] == "THE":
        words.pop(0)
    return words


def maker_key(raw: str) -> str:
    """The comparison key of a maker name (see the module docstring)."""
    return "".join(_words(raw))


@dataclass(frozen=True, slots=True)
class MakerMatch:
    """How a name was resolved: ``how`` is "alias", "contained" or "fuzzy"."""

    maker: str
    how: str
    alias_key: str
    score: float = 100.0


class MakerAliases:
    """An alias table: key -> canonical maker, plus the rules that look it up."""

    __slots__ = ("_by_key", "_phrases")

    def __init__(self, rows: Iterable[tuple[str, str]] = ()) -> None:
        self._by_key: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        for alias, maker in rows:
            self.add(alias, maker)

    def add(self, alias: str, maker: str) -> None:
        """Map ``alias`` (and the maker's own name) to ``maker``; later rows win."""
        for name in (alias, maker):
            words = _words(name)
            if words:
                self._by_key["".join(words)] = maker
                self._phrases[tuple(words)] = maker

    @property
    def makers(self) -> frozenset[str]:
        return frozenset(self._by_key.values())

    def as_mapping(self) -> Mapping[str, str]:
        return dict(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def match(self, raw: str | None, *, fuzzy: bool = True) -> MakerMatch | None:
        """Resolve ``raw`` to a maker with the reason, or None when unknown."""
        if raw is None:
            return None
        words = _words(raw)
        key = "".join(words)
        if key in _NOT_A_MAKER:
            return None
        maker = self._by_key.get(key)
        if maker is not None:
            return MakerMatch(maker, "alias", key)
        found = self._contained(words)
        if found is not None:
            return found
        if fuzzy and len(key) >= _MIN_FUZZY:
            return self._fuzzy(key)
        return None

    def canonical(self, raw: str | None, *, fuzzy: bool = True) -> str | None:
        m = self.match(raw, fuzzy=fuzzy)
        return None if m is None else m.maker

    def _contained(self, words: list[str]) -> MakerMatch | None:
        hits: dict[str, tuple[str, ...]] = {}
        n = len(words)
        for phrase, maker in self._phrases.items():
            k = len(phrase)
            if k > n or len("".join(phrase)) < _MIN_CONTAINED:
                continue
            if any(tuple(words[i : i + k]) == phrase for i in range(n - k + 1)):
                best = hits.get(maker)
                if best is None or len(phrase) > len(best):
                    hits[maker] = phrase
        if len(hits) != 1:
            return None  # nothing, or two makers named: do not guess
        (maker, phrase), = hits.items()
        return MakerMatch(maker, "contained", "".join(phrase))

    def _fuzzy(self, key: str) -> MakerMatch | None:
        keys = [k for k in self._by_key if len(k) >= _MIN_FUZZY]
        found = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=5)
        if not found:
            return None
        best_score = found[0][1]
        makers = {self._by_key[k] for k, score, _ in found if score == best_score}
        if len(makers) != 1:
            return None
        alias_key = found[0][0]
        return MakerMatch(self._by_key[alias_key], "fuzzy", alias_key, float(best_score))


def _read_rows(text: str, source: str) -> list[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{source}: maker alias table lacks column(s) {', '.join(missing)}")
    rows: list[tuple[str, str]] = []
    for n, row in enumerate(reader, start=2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        alias, maker = clean.get("alias", ""), clean.get("maker", "")
        if not alias and not maker:
            continue
        if not alias or not maker:
            raise ValueError(f"{source}: row {n} needs both alias and maker")
        rows.append((alias, maker))
    return rows


def load_maker_aliases(extra_path: Path | None = None) -> MakerAliases:
    """The packaged alias table, extended (and overridden) by ``extra_path`` if given.

    The extra file has the same columns (alias, maker; language and notes are
    optional). Its rows are applied after the packaged ones, so a user can also
    re-point an alias to another maker.
    """
    packaged = resources.files("armstrace.data").joinpath("makers.csv").read_text("utf-8")
    rows = _read_rows(packaged, "makers.csv")
    if extra_path is not None:
        rows += _read_rows(Path(extra_path).read_text("utf-8"), str(extra_path))
    return MakerAliases(rows)


@cache
def default_maker_aliases() -> MakerAliases:
    """The packaged table, read once on first use (never at import time)."""
    return load_maker_aliases()


def canonical_maker(
    raw: str | None, aliases: MakerAliases | None = None, *, fuzzy: bool = True
) -> str | None:
    """The canonical maker for ``raw``, or None when it names no known maker."""
    return (aliases or default_maker_aliases()).canonical(raw, fuzzy=fuzzy)


def maker_agreement(
    a: str | None, b: str | None, aliases: MakerAliases | None = None
) -> Agreement:
    """Do two maker texts name the same maker? Unknown when either is unresolved."""
    table = aliases or default_maker_aliases()
    ma, mb = table.canonical(a), table.canonical(b)
    if ma is None or mb is None:
        return Agreement.UNKNOWN
    return Agreement.AGREE if ma == mb else Agreement.DISAGREE
