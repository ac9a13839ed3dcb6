"""Who is who in the simulated chain, with stable and readable party ids.

The real chain runs U.S. maker -> the maker's representative in Mexico -> a
customs broker -> SEDENA (DCAM, the only lawful importer) -> a state government
or a federal body -> police units. Ids read like what they are
("P-SEDENA", "P-MX-MIC-GOV", "P-MX-MIC-SSP", "P-MX-MIC-MUN-003") so that a person
reading a trace can follow it without a lookup. Company names of
representatives and brokers are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from armstrace.simulate.catalogue import DISTRIBUTORS, EXPORTING_MAKERS
from armstrace.simulate.places import MUNICIPALITIES, SHORT_NAMES
from armstrace.simulate.reference import states

SEDENA = "P-SEDENA"
WAREHOUSE = "P-MX-SEDENA-ALM"

# (party_id, name, kind, region, parent, first year, last year) of federal bodies.
FEDERAL: tuple[tuple[str, str, str, str, str, int, int], ...] = (
    ("P-MX-PF", "Policía Federal", "federal_police", "MX-CMX", "", 2000, 2019),
    ("P-MX-GN", "Guardia Nacional", "federal_police", "MX-CMX", "", 2019, 2030),
    ("P-MX-PGR", "Procuraduría General de la República (PGR)", "prosecutor", "MX-CMX", "",
     2000, 2018),
    ("P-MX-AFI", "Agencia Federal de Investigación", "federal_police", "MX-CMX", "P-MX-PGR",
     2001, 2009),
    ("P-MX-FGR", "Fiscalía General de la República (FGR)", "prosecutor", "MX-CMX", "",
     2019, 2030),
    ("P-MX-SEMAR", "Secretaría de Marina (SEMAR)", "military_unit", "MX-CMX", "", 2000, 2030),
    ("P-MX-ZM-05", "5/a. Zona Militar (Chihuahua)", "military_unit", "MX-CHH", SEDENA,
     2000, 2030),
    ("P-MX-ZM-09", "9/a. Zona Militar (Culiacán)", "military_unit", "MX-SIN", SEDENA,
     2000, 2030),
    ("P-MX-ZM-35", "35/a. Zona Militar (Chilpancingo)", "military_unit", "MX-GRO", SEDENA,
     2000, 2030),
    ("P-MX-ZM-43", "43/a. Zona Militar (Apatzingán)", "military_unit", "MX-MIC", SEDENA,
     2000, 2030),
)

REPRESENTATIVES: tuple[tuple[str, str], ...] = (
    ("P-MX-REP-01", "Representaciones Industriales del Norte, S.A. de C.V."),
    ("P-MX-REP-02", "Comercializadora Técnica Policial, S.A. de C.V."),
    ("P-MX-REP-03", "Equipos Tácticos de México, S.A. de C.V."),
    ("P-MX-REP-04", "Grupo Distribuidor Seguridad Integral, S.A. de C.V."),
)

CUSTOMS_BROKERS: tuple[tuple[str, str, str], ...] = (
    ("P-MX-AA-01", "Agencia Aduanal Treviño y Asociados, S.C. (Nuevo Laredo)", "MX-TAM"),
    ("P-MX-AA-02", "Despachos Aduanales del Pacífico, S.C. (Manzanillo)", "MX-COL"),
    ("P-MX-AA-03", "Agencia Aduanal del Golfo, S.C. (Veracruz)", "MX-VER"),
    ("P-MX-AA-04", "Agencia Aduanal Aeropuerto Internacional, S.C. (Ciudad de México)",
     "MX-CMX"),
)


@dataclass(frozen=True, slots=True)
class StateCast:
    """The parties of one state: its government, state police and municipal units."""

    iso: str
    code: str
    gov_id: str
    police_id: str
    municipal: tuple[tuple[str, str], ...]  # (party_id, municipality)

    @property
    def units(self) -> tuple[str, ...]:
        return (self.police_id, *(p for p, _ in self.municipal))


@dataclass(slots=True)
class Cast:
    """Every party of the world plus the lookups the generators need."""

    rows: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    states: list[StateCast] = field(default_factory=list)
    representative_of: dict[str, str] = field(default_factory=dict)  # maker key -> rep id
    exporters: dict[str, str] = field(default_factory=dict)  # exporter id -> name
    region_of: dict[str, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)

    def add(self, pid: str, name: str, kind: str, country: str, region: str = "",
            parent: str = "") -> None:
        self.rows.append((pid, name, kind, country, region, parent))
        self.region_of[pid] = region
        self.kind_of[pid] = kind

    def state(self, iso: str) -> StateCast:
        for s in self.states:
            if s.iso == iso:
                return s
        raise KeyError(iso)

    def federal_for(self, year: int) -> list[str]:
        """Federal end users that existed in ``year``."""
        return [f[0] for f in FEDERAL if f[5] <= year <= f[6]]


def _gov_name(iso: str) -> str:
    short = SHORT_NAMES[iso]
    if iso == "MX-CMX":
        return "Gobierno de la Ciudad de México"
    return f"Gobierno del Estado de {short}"


def _police_name(iso: str) -> str:
    if iso == "MX-CMX":
        return "Secretaría de Seguridad Ciudadana de la Ciudad de México"
    return f"Secretaría de Seguridad Pública del Estado de {SHORT_NAMES[iso]}"


def _municipal_name(iso: str, municipality: str) -> str:
    if iso == "MX-CMX":
        return f"Dirección de Seguridad Ciudadana de la Alcaldía {municipality}"
    return f"Dirección de Seguridad Pública Municipal de {municipality}"


def build_cast() -> Cast:
    """The fixed cast of parties (independent of seed and scale, so ids are stable)."""
    cast = Cast()
    for i, maker in enumerate(EXPORTING_MAKERS):
        cast.add(maker.party_id, maker.name, "manufacturer", "US")
        cast.exporters[maker.party_id] = maker.name
        cast.representative_of[maker.key] = REPRESENTATIVES[i % len(REPRESENTATIVES)][0]
    for pid, name in DISTRIBUTORS:
        cast.add(pid, name, "exporter", "US")
        cast.exporters[pid] = name
    for pid, name in REPRESENTATIVES:
        cast.add(pid, name, "broker", "MX", "MX-CMX")
    for pid, name, region in CUSTOMS_BROKERS:
        cast.add(pid, name, "customs_broker", "MX", region)
    cast.add(SEDENA, "Secretaría de la Defensa Nacional (SEDENA) - Dirección de "
             "Comercialización de Armamento y Municiones (DCAM)", "import_authority", "MX",
             "MX-CMX")
    cast.add(WAREHOUSE, "Almacén General de Armamento de la SEDENA, Campo Militar No. 1-A",
             "warehouse", "MX", "MX-CMX", SEDENA)
    for pid, name, kind, region, parent, _y0, _y1 in FEDERAL:
        cast.add(pid, name, kind, "MX", region, parent)
    cast.add("P-MX-PGR-BOD", "Bodega de Indicios de la PGR", "warehouse", "MX", "MX-CMX",
             "P-MX-PGR")
    for st in states():
        gov = f"P-MX-{st.code}-GOV"
        police = f"P-MX-{st.code}-SSP"
        cast.add(gov, _gov_name(st.iso), "state_government", "MX", st.iso)
        cast.add(police, _police_name(st.iso), "state_police", "MX", st.iso, gov)
        munis: list[tuple[str, str]] = []
        for j, m in enumerate(MUNICIPALITIES[st.iso], start=1):
            pid = f"P-MX-{st.code}-MUN-{j:03d}"
            cast.add(pid, _municipal_name(st.iso, m.name), "municipal_police", "MX", st.iso, gov)
            munis.append((pid, m.name))
        cast.states.append(StateCast(st.iso, st.code, gov, police, tuple(munis)))
    return cast
