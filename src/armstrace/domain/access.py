"""Who may see and do what: the roles of the agencies that share the record.

Pure declarations and rules, no I/O. The server's policy table (which role may
call which endpoint) lives with the routes; what a role is, which parties an
organisation may act for, and how small counts are suppressed live here, so the
CLI, the API and the docs agree.

Suppression: analysts and the public see aggregates only, and a count below
``SUPPRESS_BELOW`` (5) is shown as ``"<5"``. Five is the threshold statistical
offices commonly use for small cells: with fewer, a count in a table of a
state's police units can point at one unit's one weapon or one case. A rate
whose numerator or denominator is suppressed is withheld too, since the rate
and the other count would give the suppressed one back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Role(StrEnum):
    EXPORTING_AUTHORITY = "exporting_authority"
    IMPORTING_AUTHORITY = "importing_authority"
    STATE_AUTHORITY = "state_authority"
    LAW_ENFORCEMENT = "law_enforcement"
    ANALYST = "analyst"
    PUBLIC = "public"


ROLE_WORDS: Final[dict[Role, str]] = {
    Role.EXPORTING_AUTHORITY: "licensing and compliance (e.g. DDTC, BIS): the licence registry, "
    "imports, custody of the parties it acts for, traces, full reports",
    Role.IMPORTING_AUTHORITY: "the importer of record (e.g. SEDENA/DCAM): imports, custody of the "
    "parties it acts for, traces, full reports",
    Role.STATE_AUTHORITY: "a state government (scoped to its state): records custody for its own "
    "authorities, sees its own holdings and the recoveries traced to them",
    Role.LAW_ENFORCEMENT: "investigators (ATF/ICE attachés, prosecutors, police): trace recovered "
    "weapons, read custody chains, record custody of the parties they act for",
    Role.ANALYST: "researchers and journalists: aggregate reports only, small counts suppressed",
    Role.PUBLIC: "anyone: the published aggregates only, small counts suppressed",
}

# Roles whose aggregate figures are shown with small counts suppressed.
SUPPRESSED_ROLES: Final = frozenset({Role.ANALYST, Role.PUBLIC})
SUPPRESS_BELOW: Final = 5
SUPPRESSED: Final = f"<{SUPPRESS_BELOW}"

# Kinds of party that are a state's own authorities (mirrors the analytics'
# STATE_AUTHORITY_KINDS: federal bodies stationed in a state are not the state's).
STATE_OWN_KINDS: Final = frozenset({"state_government", "state_police", "municipal_police",
                                    "prosecutor", "court"})


@dataclass(frozen=True, slots=True)
class Organisation:
    """An agency holding API tokens. ``parties``: registry parties it may act for."""

    org_id: str
    name: str
    role: Role
    state: str | None = None
    parties: tuple[str, ...] = ()


def suppress(count: int, role: Role) -> int | str:
    """A count as the role may see it: exact, or ``"<5"`` when small and the role is suppressed."""
    if role in SUPPRESSED_ROLES and 0 < count < SUPPRESS_BELOW:
        return SUPPRESSED
    return count


def suppress_rate(rate: float | None, k: int, n: int, role: Role) -> float | None:
    """A rate as the role may see it: withheld when either count behind it is suppressed."""
    if role in SUPPRESSED_ROLES and (0 < k < SUPPRESS_BELOW or 0 < n < SUPPRESS_BELOW):
        return None
    return rate


def party_state(party_id: str, parties: Mapping[str, tuple[str, str, str | None, str | None]]) -> str | None:
    """The state a party answers to: its own region, else its nearest parent's."""
    seen: set[str] = set()
    current: str | None = party_id
    while current and current not in seen and current in parties:
        seen.add(current)
        _name, _kind, region, parent = parties[current]
        if region:
            return region
        current = parent
    return None


def state_parties(state: str, parties: Mapping[str, tuple[str, str, str | None, str | None]]) -> set[str]:
    """The state's own authorities: parties of a state kind that answer to ``state``."""
    return {pid for pid, (_n, kind, _r, _p) in parties.items()
            if kind in STATE_OWN_KINDS and party_state(pid, parties) == state}


def acting_parties(org: Organisation,
                   parties: Mapping[str, tuple[str, str, str | None, str | None]]) -> set[str]:
    """Parties the organisation may record custody for.

    Its declared parties; for a state authority also every one of its state's own
    authorities (state government, state and municipal police, prosecutors, courts).
    Analysts and the public act for nobody.
    """
    if org.role in SUPPRESSED_ROLES:
        return set()
    own = set(org.parties)
    if org.role is Role.STATE_AUTHORITY and org.state:
        own |= state_parties(org.state, parties)
    return own


def visible_parties(org: Organisation,
                    parties: Mapping[str, tuple[str, str, str | None, str | None]]) -> set[str] | None:
    """Whose holdings and custody chains the organisation may read; None means everyone's."""
    if org.role is Role.STATE_AUTHORITY:
        return acting_parties(org, parties)
    if org.role in SUPPRESSED_ROLES:
        return set()
    return None


def parse_parties(text: str | None) -> tuple[str, ...]:
    """Stored ``;``-separated party ids back into a tuple."""
    return tuple(p for p in (text or "").split(";") if p)


def join_parties(parties: Iterable[str]) -> str:
    return ";".join(sorted(set(parties)))
