"""The words of the accountability letter, in Spanish and English, and how each writes a date.

Kept apart from the PDF drawing so a translator can read and correct the text in
one place. The Spanish is the formal register of Mexican official correspondence
(usted; "Presente"; dates as "22 de noviembre de 2026"); the English says the
same, not a word-for-word copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["LANGS", "LetterText", "format_count", "letter_date", "letter_text"]

LANGS = ("es", "en")

_MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def letter_date(d: date | str, lang: str) -> str:
    """"22 de noviembre de 2026" in Spanish, "22 November 2026" in English."""
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    if lang == "es":
        return f"{d.day} de {_MONTHS_ES[d.month - 1]} de {d.year}"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def format_count(n: int, lang: str) -> str:
    """Thousands separated as each language's official prose does (both use a comma in Mexico)."""
    return f"{n:,}"


@dataclass(frozen=True, slots=True)
class LetterText:
    title: str
    subject: str
    addressee: str
    salutation: str
    opening: str
    intake: str
    request: str
    by_custodian: str
    annex: str
    provenance: str
    closing: str
    signature: str
    columns: tuple[str, str, str, str, str]
    none: str
    page: str


def letter_text(lang: str, *, state_name: str, state: str, rows: int, start: str, end: str,
                transferred: int, licences: int, issued: date) -> LetterText:
    """Every sentence of the letter for one state, filled in, in ``lang`` ("es" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    n = format_count(rows, lang)
    if lang == "es":
        armas = "arma de fuego recuperada" if rows == 1 else "armas de fuego recuperadas"
        return LetterText(
            title=f"Solicitud de rendición de cuentas — {state_name}",
            subject=(f"Asunto: solicitud de información sobre {n} {armas} cuyo último "
                     "resguardo documentado corresponde a autoridades del estado."),
            addressee=f"C. Titular del Poder Ejecutivo del Estado de {state_name} ({state})\nPresente",
            salutation="Estimado(a) titular:",
            opening=(f"Por medio de la presente, me permito solicitar su valiosa colaboración para "
                     f"esclarecer el destino de {n} {armas} entre el {letter_date(start, 'es')} y "
                     f"el {letter_date(end, 'es')}. Conforme al registro de custodia, cada una fue "
                     "exportada legalmente al amparo de una licencia, importada por la Secretaría "
                     "de la Defensa Nacional (SEDENA) y transferida después a autoridades de su "
                     "estado, que son las últimas con custodia legal documentada."),
            intake=(f"Según el mismo registro, las autoridades del estado recibieron en total "
                    f"{format_count(transferred, 'es')} armas registradas; las {n} de la relación "
                    f"anexa salieron al amparo de {licences} "
                    f"{'licencia' if licences == 1 else 'licencias'} de exportación."),
            request=("Le solicito atentamente que, para cada arma de la relación anexa, nos informe "
                     "quién la tenía bajo su resguardo en la fecha de su recuperación y si existe "
                     "denuncia de extravío o robo, acta de baja, resguardo individual o cualquier "
                     "otro documento que explique cómo salió de la custodia oficial."),
            by_custodian="Las armas se agrupan por último custodio documentado de la siguiente manera:",
            annex=("La relación anexa indica, para cada arma, el número de serie, la licencia de "
                   "exportación, la fecha de transferencia al estado, la fecha de recuperación y el "
                   "último custodio."),
            provenance=("Los datos provienen del registro de custodia de armstrace y de los "
                        "rastreos vigentes (corridas de rastreo:"),
            closing=("Agradezco de antemano la atención que se sirva brindar a la presente y quedo a "
                     "sus órdenes para cualquier aclaración.\n\nAtentamente,"),
            signature=f"Ciudad de México, a {letter_date(issued, 'es')}",
            columns=("Número de serie", "Licencia", "Fecha de transferencia",
                     "Fecha de recuperación", "Último custodio"),
            none="Ninguna arma recuperada en el periodo.",
            page="Página",
        )
    weapons = "recovered firearm" if rows == 1 else "recovered firearms"
    return LetterText(
        title=f"Accountability request — {state_name}",
        subject=(f"Subject: request for information on {n} {weapons} whose last documented "
                 "lawful custody lies with the state's authorities."),
        addressee=f"To the Governor of the State of {state_name} ({state})",
        salutation="Dear Governor,",
        opening=(f"I am writing to ask for your assistance in establishing what became of {n} "
                 f"{weapons} between {letter_date(start, 'en')} and {letter_date(end, 'en')}. "
                 "According to the custody record, each was lawfully exported under a licence, "
                 "imported by the Ministry of National Defence (SEDENA) and then transferred to "
                 "your state's authorities, who are the last documented lawful custodians."),
        intake=(f"According to the same record, the state's authorities received "
                f"{format_count(transferred, 'en')} registered weapons in all; the {n} listed in the "
                f"annex were exported under {licences} {'licence' if licences == 1 else 'licences'}."),
        request=("I would be grateful if, for each weapon in the annex, you could tell us who held "
                 "it on the date it was recovered, and whether there is a report of loss or theft, "
                 "a record of disposal, an individual custody receipt or any other document that "
                 "explains how it left official custody."),
        by_custodian="By last documented custodian, the weapons are:",
        annex=("The annex lists, for each weapon, the serial number, the export licence, the date "
               "of transfer to the state, the date of recovery and the last custodian."),
        provenance="The data come from the armstrace custody record and its current traces (trace runs:",
        closing=("Thank you in advance for your attention to this request. I remain at your "
                 "disposal for any clarification.\n\nYours sincerely,"),
        signature=f"Mexico City, {letter_date(issued, 'en')}",
        columns=("Serial number", "Licence", "Transfer date", "Recovery date", "Last custodian"),
        none="No recovered weapons in the period.",
        page="Page",
    )
