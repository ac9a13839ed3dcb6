"""The domain vocabulary, declared once with English and Spanish labels.

The CLI, the API, the reports and the importer all read these tables so that a
party kind or an event type means the same thing everywhere, in both languages
that the users of the record read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """One code of a closed vocabulary, with the labels people read."""

    code: str
    en: str
    es: str

    def label(self, lang: str = "en") -> str:
        return self.es if lang == "es" else self.en


def _index(terms: tuple[Term, ...]) -> dict[str, Term]:
    return {t.code: t for t in terms}


PARTY_KINDS: dict[str, Term] = _index(
    (
        Term("manufacturer", "manufacturer", "fabricante"),
        Term("exporter", "exporter", "exportador"),
        Term("broker", "broker", "intermediario"),
        Term("customs_broker", "customs broker", "agente aduanal"),
        Term("import_authority", "import authority", "autoridad importadora"),
        Term("state_government", "state government", "gobierno estatal"),
        Term("federal_police", "federal police", "policía federal"),
        Term("state_police", "state police", "policía estatal"),
        Term("municipal_police", "municipal police", "policía municipal"),
        Term("military_unit", "military unit", "unidad militar"),
        Term("prosecutor", "prosecutor", "fiscalía"),
        Term("court", "court", "juzgado"),
        Term("warehouse", "warehouse", "almacén"),
        Term("dealer", "dealer", "comerciante"),
        Term("private_holder", "private holder", "particular"),
        Term("other", "other", "otro"),
    )
)

EVENT_TYPES: dict[str, Term] = _index(
    (
        Term("ship", "ship", "envío"),
        Term("receive", "receive", "recepción"),
        Term("transfer", "transfer", "transferencia"),
        Term("assign", "assign", "asignación"),
        Term("loss", "loss", "extravío"),
        Term("theft", "theft", "robo"),
        Term("recover", "recover", "recuperación"),
        Term("destroy", "destroy", "destrucción"),
        Term("inventory", "inventory", "inventario"),
        Term("correction", "correction", "corrección"),
    )
)

LICENCE_STATUSES: dict[str, Term] = _index(
    (
        Term("approved", "approved", "aprobada"),
        Term("denied", "denied", "denegada"),
        Term("returned_without_action", "returned without action", "devuelta sin acción"),
        Term("pending", "pending", "pendiente"),
    )
)

REGIMES: dict[str, Term] = _index(
    (
        Term("DDTC", "State Department (USML, ITAR)", "Departamento de Estado (USML, ITAR)"),
        Term("BIS", "Commerce Department (EAR)", "Departamento de Comercio (EAR)"),
    )
)

CIRCUMSTANCES: dict[str, Term] = _index(
    (
        Term("crime_scene", "crime scene", "escena del crimen"),
        Term("checkpoint", "checkpoint", "punto de revisión"),
        Term("raid", "raid", "cateo"),
        Term("cache", "cache", "arsenal oculto"),
        Term("surrender", "surrender", "entrega voluntaria"),
        Term("other", "other", "otro"),
    )
)

OBLITERATION: dict[str, Term] = _index(
    (
        Term("yes", "obliterated", "limado"),
        Term("no", "legible", "legible"),
        Term("partial", "partly legible", "parcialmente legible"),
    )
)

# Event types that hand the item to ``to_party_id`` (who takes custody).
CUSTODY_TAKING = frozenset({"ship", "receive", "transfer", "assign"})
# Event types after which nobody lawfully holds the item.
CUSTODY_ENDING = frozenset({"loss", "theft", "destroy"})

# Which party columns each event type needs: (from_party_id, to_party_id).
EVENT_PARTIES: dict[str, tuple[bool, bool]] = {
    "ship": (True, True),
    "receive": (False, True),
    "transfer": (True, True),
    "assign": (True, True),
    "loss": (True, False),
    "theft": (True, False),
    "recover": (False, False),
    "destroy": (False, False),
    "inventory": (False, True),
    "correction": (False, False),
}

# End-use checks (Blue Lantern): when in the life of a licence a check is made, what it
# found, and the causes of an unfavourable finding as the annual reports name them.
CHECK_TYPES: dict[str, Term] = _index(
    (
        Term("pre_licence", "pre-licence", "previa a la licencia"),
        Term("pre_shipment", "pre-shipment", "previa al envío"),
        Term("post_shipment", "post-shipment", "posterior al envío"),
    )
)

CHECK_FINDINGS: dict[str, Term] = _index(
    (
        Term("favourable", "favourable", "favorable"),
        Term("unfavourable", "unfavourable", "desfavorable"),
        Term("pending", "pending", "pendiente"),
    )
)

UNFAVOURABLE_CAUSES: dict[str, Term] = _index(
    (
        Term("receipt_not_confirmed", "receipt not confirmed", "recepción no confirmada"),
        Term("party_not_on_licence", "party not on licence", "parte ajena a la licencia"),
        Term("retransfer", "unauthorised retransfer", "retransferencia no autorizada"),
        Term("unauthorised_stockpiling", "unauthorised stockpiling", "acopio no autorizado"),
        Term("insecure_storage", "insecure storage", "almacenamiento inseguro"),
        Term("derogatory_information", "derogatory information", "información desfavorable"),
        Term("non_cooperation", "non-cooperation", "falta de cooperación"),
        Term("inconsistent_information", "inconsistent information", "información inconsistente"),
    )
)
