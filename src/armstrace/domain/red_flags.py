"""Diversion red flags (the list in docs/domain.md) as small, versioned, explained rules.

Each rule reads ``RiskFacts`` (plain values the risk service gathers from the
store: licences, parties, custody facts, traced recoveries, check outcomes) and
returns ``Evidence``: which subject it fires on, how many records, which records
(licence, party, event or recovery ids) and one line in words. Nothing here reads
a database; nothing here weighs the flags (that is ``domain.risk``).

Each rule carries its own version (``new_party_v1``...): when a rule changes, its
version changes, and a stored queue or check still says which rule fired.
Rules on licences and rules on custodians are listed separately; several flags
exist at both levels (recovered serials count against the licence they left under
and against the custodian the trace names).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from armstrace.domain.records import Licence

__all__ = [
    "BROKER_KINDS",
    "CUSTODIAN",
    "INDICATORS",
    "LICENCE",
    "Evidence",
    "Indicator",
    "LossFact",
    "RecoveryFact",
    "RiskFacts",
    "evaluate",
]

LICENCE = "licence"
CUSTODIAN = "custodian"

# Parameters of the rules (part of their versions: change one, bump the rule).
SHORT_TTC_DAYS = 3 * 365  # time-to-crime under ~3 years is a trafficking indicator
PROPORTION_RATIO = 5.0  # quantity at least this many times the median for end users of its kind
PROPORTION_MIN_PEERS = 3
NEW_PARTY_WARM_UP_DAYS = 365  # the record's first year cannot say who is new
BROKER_KINDS = frozenset({"broker", "customs_broker"})
# Custodians on the lawful path of every licence to Mexico: the only lawful importer,
# and the warehouses that take weapons for destruction.
ON_PATH_KINDS = frozenset({"import_authority", "warehouse"})
# Who is checked as a custodian: recipients, not the exporting side.
NOT_CUSTODIANS = frozenset({"manufacturer", "exporter"})
OBLITERATED = frozenset({"yes", "partial"})
SHOWN = 5  # record ids quoted in the words of a reason


@dataclass(frozen=True, slots=True)
class Evidence:
    """One red flag firing on one subject, with the records behind it."""

    flag: str
    subject_kind: str
    subject_id: str
    count: int
    records: tuple[str, ...]
    detail: str

    @property
    def subject(self) -> tuple[str, str]:
        return (self.subject_kind, self.subject_id)


@dataclass(frozen=True, slots=True)
class Indicator:
    """A red flag: its code and version, what it means, and how it is weighed.

    ``prior`` is the stated weight in log-odds points before any outcome is seen;
    ``graded`` flags score more the more records they hold; ``uses_recoveries``
    flags are read from traced recoveries, so traced recoveries cannot also serve
    as the outcome that estimates their weight (``domain.risk``).
    """

    code: str
    version: str
    levels: tuple[str, ...]
    label: str
    label_es: str
    rule: str
    prior: float
    graded: bool = False
    uses_recoveries: bool = False


@dataclass(frozen=True, slots=True)
class RecoveryFact:
    """A recovery traced to a licensed weapon, as the red flags read it."""

    recovery_id: str
    weapon_key: str  # one key per weapon, so duplicate seizure rows count once
    licence_id: str | None
    custodian_id: str | None  # the custodian the trace counts it against, if any
    time_to_crime_days: int | None
    obliterated: bool
    circumstance: str | None


@dataclass(frozen=True, slots=True)
class LossFact:
    """A loss or theft report from the custody ledger."""

    event_id: str
    event_type: str
    party_id: str | None
    licence_id: str | None
    item_id: str


@dataclass
class RiskFacts:
    """Everything the rules read, gathered once by the risk service."""

    licences: Mapping[str, Licence]
    party_kinds: Mapping[str, str]
    party_parent: Mapping[str, str | None]
    # licence -> party that took custody of one of its items -> the first such event
    custody_parties: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    reconciliation_problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unconfirmed: Mapping[str, int] = field(default_factory=dict)  # party -> items never receipted
    stockpiled: Mapping[str, int] = field(default_factory=dict)  # party -> trails stopping there
    losses: Sequence[LossFact] = ()
    recoveries: Sequence[RecoveryFact] = ()
    split_groups: Mapping[str, str] = field(default_factory=dict)  # licence -> group id
    # subject -> outcomes of its finished checks ("favourable"/"unfavourable"), with check ids
    check_outcomes: Mapping[tuple[str, str], Sequence[tuple[str, str]]] = field(default_factory=dict)


def _quote(ids: Iterable[str]) -> str:
    ids = list(ids)
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def _ev(flag: str, kind: str, subject: str, records: Sequence[str], detail: str) -> Evidence:
    return Evidence(flag, kind, subject, len(records), tuple(records), detail)


# ----------------------------------------------------------------- licence rules


def new_party(f: RiskFacts) -> list[Evidence]:
    """Consignee or end user never on an earlier licence (by application date)."""
    dated = sorted((lic for lic in f.licences.values() if lic.applied_on),
                   key=lambda lic: (lic.applied_on or "", lic.licence_id))
    if not dated:
        return []
    first = dated[0].applied_on or ""
    warm = f"{int(first[:4]) + NEW_PARTY_WARM_UP_DAYS // 365:04d}{first[4:10]}"
    seen: set[str] = set()
    out = []
    for lic in dated:
        parties = [p for p in (lic.consignee_id, lic.end_user_id) if p]
        new = [p for p in parties if p not in seen]
        if new and (lic.applied_on or "") >= warm:
            out.append(_ev("new_party", LICENCE, lic.licence_id, new,
                           f"never before on a licence: {_quote(new)}"))
        seen.update(parties)
    return out


def _organisation(f: RiskFacts, party: str | None) -> set[str]:
    """The party, its ancestors, and every party whose parent chain reaches it."""
    if not party:
        return set()
    family = {party}
    up = f.party_parent.get(party)
    while up and up not in family:
        family.add(up)
        up = f.party_parent.get(up)
    for pid in f.party_parent:
        cur, steps = f.party_parent.get(pid), 0
        while cur and steps < 50:
            if cur == party:
                family.add(pid)
                break
            cur, steps = f.party_parent.get(cur), steps + 1
    return family


def _outsiders(f: RiskFacts) -> dict[str, dict[str, str]]:
    """licence -> custody parties not on it (nor in its end user's organisation: a state
    government's police units are its own; the consignee's subunits are not)."""
    out: dict[str, dict[str, str]] = {}
    orgs: dict[str | None, set[str]] = {}
    for lid, parties in f.custody_parties.items():
        lic = f.licences.get(lid)
        if lic is None:
            continue
        if lic.end_user_id not in orgs:
            orgs[lic.end_user_id] = _organisation(f, lic.end_user_id)
        allowed = {lic.exporter_id, lic.consignee_id or ""} | orgs[lic.end_user_id]
        strange = {p: e for p, e in parties.items()
                   if p not in allowed and f.party_kinds.get(p) not in ON_PATH_KINDS}
        if strange:
            out[lid] = strange
    return out


def party_not_on_licence(f: RiskFacts) -> list[Evidence]:
    """A party took custody of the licence's weapons without being on it."""
    out = []
    for lid, strange in sorted(_outsiders(f).items()):
        records = [f"{p} ({e})" for p, e in sorted(strange.items())]
        out.append(_ev("party_not_on_licence", LICENCE, lid, sorted(strange),
                       f"custody by parties not on the licence: {_quote(records)}"))
    return out


def broker_consignee(f: RiskFacts) -> list[Evidence]:
    """A broker or customs broker is the consignee (weapons pass through a middleman)."""
    out = []
    for lid, lic in sorted(f.licences.items()):
        kind = f.party_kinds.get(lic.consignee_id or "")
        if kind in BROKER_KINDS and lic.consignee_id:
            out.append(_ev("broker_consignee", LICENCE, lid, [lic.consignee_id],
                           f"consignee {lic.consignee_id} is a {kind.replace('_', ' ')}"))
    return out


def quantity_out_of_proportion(f: RiskFacts) -> list[Evidence]:
    """Quantity at least PROPORTION_RATIO times the median for end users of the same kind."""
    by_kind: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for lid, lic in f.licences.items():
        kind = f.party_kinds.get(lic.end_user_id or "")
        if kind and lic.quantity:
            by_kind[kind].append((lid, lic.quantity))
    out = []
    for kind, rows in by_kind.items():
        ordered = sorted(q for _lid, q in rows)
        for lid, q in rows:
            if len(ordered) - 1 < PROPORTION_MIN_PEERS:
                continue
            median = _median_without(ordered, bisect_left(ordered, q))
            if median > 0 and q >= PROPORTION_RATIO * median:
                out.append(_ev("quantity_out_of_proportion", LICENCE, lid, [lid],
                               f"{q:,} weapons, {q / median:.1f}x the median {median:,.0f} of "
                               f"{len(ordered) - 1} licences to a {kind.replace('_', ' ')}"))
    out.sort(key=lambda e: e.subject_id)
    return out


def _median_without(ordered: Sequence[int], i: int) -> float:
    """Median of a sorted sequence without its element ``i``, in O(1) (peers of one licence)."""
    m = len(ordered) - 1

    def at(k: int) -> int:
        return ordered[k] if k < i else ordered[k + 1]

    return float(at(m // 2)) if m % 2 else (at(m // 2 - 1) + at(m // 2)) / 2


def reconciliation_failure(f: RiskFacts) -> list[Evidence]:
    """Licence: quantities that do not reconcile. Custodian: receipts never confirmed, or
    weapons whose trail stops with a party that should pass them on."""
    out = [_ev("reconciliation_failure", LICENCE, lid, list(problems), "; ".join(problems))
           for lid, problems in sorted(f.reconciliation_problems.items()) if problems]
    for pid in sorted(set(f.unconfirmed) | set(f.stockpiled)):
        u, s = f.unconfirmed.get(pid, 0), f.stockpiled.get(pid, 0)
        if u + s == 0 or f.party_kinds.get(pid) in NOT_CUSTODIANS:
            continue
        parts = [f"{u:,} weapons sent with no receipt" if u else "",
                 f"{s:,} weapons whose trail stops here" if s else ""]
        out.append(Evidence("reconciliation_failure", CUSTODIAN, pid, u + s, (pid,),
                            "; ".join(p for p in parts if p)))
    return out


def losses_thefts(f: RiskFacts) -> list[Evidence]:
    """Loss or theft reports: against the licence of the weapon, and the custodian reporting."""
    by: dict[tuple[str, str], list[LossFact]] = defaultdict(list)
    for loss in f.losses:
        if loss.licence_id:
            by[(LICENCE, loss.licence_id)].append(loss)
        if loss.party_id:
            by[(CUSTODIAN, loss.party_id)].append(loss)
    out = []
    for (kind, sid), rows in sorted(by.items()):
        n_theft = sum(1 for r in rows if r.event_type == "theft")
        out.append(_ev("losses_thefts", kind, sid, [r.event_id for r in rows],
                       f"{len(rows) - n_theft} lost and {n_theft} stolen: "
                       f"{_quote(r.event_id for r in rows)}"))
    return out


def _weapons(rows: Iterable[RecoveryFact]) -> dict[str, RecoveryFact]:
    """One recovery per weapon (the first row), so duplicate seizure rows count once."""
    out: dict[str, RecoveryFact] = {}
    for r in rows:
        out.setdefault(r.weapon_key, r)
    return out


def _recoveries_by(f: RiskFacts) -> dict[tuple[str, str], dict[str, RecoveryFact]]:
    by: dict[tuple[str, str], list[RecoveryFact]] = defaultdict(list)
    for r in f.recoveries:
        if r.licence_id:
            by[(LICENCE, r.licence_id)].append(r)
        if r.custodian_id:
            by[(CUSTODIAN, r.custodian_id)].append(r)
    return {k: _weapons(v) for k, v in by.items()}


def recovered_serials(f: RiskFacts) -> list[Evidence]:
    """Licensed weapons recovered (each one should open a post-shipment check)."""
    out = []
    for (kind, sid), weapons in sorted(_recoveries_by(f).items()):
        rows = sorted(r.recovery_id for r in weapons.values())
        scene = sum(1 for r in weapons.values() if r.circumstance == "crime_scene")
        out.append(_ev("recovered_serials", kind, sid, rows,
                       f"{len(rows):,} weapons recovered ({scene:,} at crime scenes): {_quote(rows)}"))
    return out


def short_time_to_crime(f: RiskFacts) -> list[Evidence]:
    """Recovered within SHORT_TTC_DAYS of the last lawful custody."""
    out = []
    for (kind, sid), weapons in sorted(_recoveries_by(f).items()):
        quick = sorted((r for r in weapons.values() if r.time_to_crime_days is not None
                        and r.time_to_crime_days < SHORT_TTC_DAYS), key=lambda r: r.recovery_id)
        if quick:
            fastest = min(r.time_to_crime_days or 0 for r in quick)
            out.append(_ev("short_time_to_crime", kind, sid, [r.recovery_id for r in quick],
                           f"{len(quick):,} recovered within 3 years of lawful custody "
                           f"(fastest {fastest} days): {_quote(r.recovery_id for r in quick)}"))
    return out


def obliterated_serials(f: RiskFacts) -> list[Evidence]:
    """Recovered with the serial ground off or damaged, yet traced here."""
    out = []
    for (kind, sid), weapons in sorted(_recoveries_by(f).items()):
        rows = sorted(r.recovery_id for r in weapons.values() if r.obliterated)
        if rows:
            out.append(_ev("obliterated_serials", kind, sid, rows,
                           f"{len(rows):,} recovered with obliterated serials: {_quote(rows)}"))
    return out


def recipient_record(f: RiskFacts) -> list[Evidence]:
    """The licence's end user or consignee has recoveries, losses or thefts of other licences'
    weapons (the custodian's record, carried to the licences that send it more)."""
    record: dict[str, list[tuple[str, str]]] = defaultdict(list)  # party -> (record, licence)
    for r in _weapons(f.recoveries).values():
        if r.custodian_id:
            record[r.custodian_id].append((r.recovery_id, r.licence_id or ""))
    for loss in f.losses:
        if loss.party_id:
            record[loss.party_id].append((loss.event_id, loss.licence_id or ""))
    out = []
    for lid, lic in sorted(f.licences.items()):
        rows: list[str] = []
        who = []
        for p in dict.fromkeys(x for x in (lic.end_user_id, lic.consignee_id) if x):
            theirs = [rec for rec, other in record.get(p, ()) if other != lid]
            if theirs:
                rows += theirs
                who.append(f"{p} ({len(theirs):,})")
        if rows:
            out.append(_ev("recipient_record", LICENCE, lid, rows,
                           f"recipients with recoveries, losses or thefts of other licences' "
                           f"weapons: {', '.join(who)}"))
    return out


def split_order(f: RiskFacts) -> list[Evidence]:
    """In a suspected split group (``splits_v1``): one order under several licences."""
    return [_ev("split_order", LICENCE, lid, [gid], f"in suspected split group {gid}")
            for lid, gid in sorted(f.split_groups.items())]


def _findings(f: RiskFacts, wanted: str) -> list[Evidence]:
    out = []
    for (kind, sid), results in sorted(f.check_outcomes.items()):
        hits = [cid for cid, finding in results if finding == wanted]
        if not hits or (wanted == "favourable" and any(x == "unfavourable" for _, x in results)):
            continue
        out.append(_ev(f"{wanted}_finding", kind, sid, hits, f"{wanted} check: {_quote(hits)}"))
    if wanted == "unfavourable":  # a licence inherits its recipients' unfavourable findings
        for lid, lic in sorted(f.licences.items()):
            hits = [cid for p in dict.fromkeys(x for x in (lic.end_user_id, lic.consignee_id) if x)
                    for cid, finding in f.check_outcomes.get((CUSTODIAN, p), ())
                    if finding == "unfavourable"]
            if hits and (LICENCE, lid) not in f.check_outcomes:
                out.append(_ev("unfavourable_finding", LICENCE, lid, hits,
                               f"unfavourable check of its end user or consignee: {_quote(hits)}"))
    return out


def unfavourable_finding(f: RiskFacts) -> list[Evidence]:
    """An end-use check on the subject (or on a licence's recipient) found against it."""
    return _findings(f, "unfavourable")


def favourable_finding(f: RiskFacts) -> list[Evidence]:
    """Checked and found in order (and never unfavourable): lowers the priority."""
    return _findings(f, "favourable")


Rule = Callable[[RiskFacts], list[Evidence]]

# The red flags, in the order reasons are printed. Priors are log-odds points (see
# docs/risk.md): strong where the flag is direct evidence of diversion, weak where
# it is only unusual.
INDICATORS: tuple[tuple[Indicator, Rule], ...] = (
    (Indicator("recovered_serials", "recovered_serials_v1", (LICENCE, CUSTODIAN),
               "licensed serials recovered", "series con licencia recuperadas",
               "weapons of this licence / last held by this custodian traced from recoveries",
               1.5, graded=True, uses_recoveries=True), recovered_serials),
    (Indicator("short_time_to_crime", "short_time_to_crime_v1", (LICENCE, CUSTODIAN),
               "short time-to-crime", "tiempo corto hasta el delito",
               f"recovered under {SHORT_TTC_DAYS} days after the last lawful custody",
               0.7, graded=True, uses_recoveries=True), short_time_to_crime),
    (Indicator("obliterated_serials", "obliterated_serials_v1", (LICENCE, CUSTODIAN),
               "obliterated serials among its recoveries", "series limadas entre sus recuperaciones",
               "recovered weapons whose serial was obliterated or partly legible",
               0.7, graded=True, uses_recoveries=True), obliterated_serials),
    (Indicator("losses_thefts", "losses_thefts_v1", (LICENCE, CUSTODIAN),
               "losses or thefts", "extravíos o robos",
               "loss and theft reports in the custody ledger", 0.7, graded=True), losses_thefts),
    (Indicator("recipient_record", "recipient_record_v1", (LICENCE,),
               "recipient with recoveries, losses or thefts", "destinatario con antecedentes",
               "end user or consignee with recoveries, losses or thefts of other licences' weapons",
               0.5, graded=True, uses_recoveries=True), recipient_record),
    (Indicator("party_not_on_licence", "party_not_on_licence_v1", (LICENCE,),
               "party not on the licence in custody", "parte ajena a la licencia en la custodia",
               "custody by a party outside the licence's parties and its end user's organisation "
               "(the import authority and destruction warehouses are on every path)",
               1.0), party_not_on_licence),
    (Indicator("broker_consignee", "broker_consignee_v1", (LICENCE,),
               "broker or forwarder as consignee", "intermediario como consignatario",
               "consignee is a broker or customs broker", 1.0), broker_consignee),
    (Indicator("new_party", "new_party_v1", (LICENCE,),
               "party never before on a licence", "parte nunca antes en una licencia",
               f"consignee or end user on no earlier licence (not judged in the record's first "
               f"{NEW_PARTY_WARM_UP_DAYS} days)", 0.5), new_party),
    (Indicator("quantity_out_of_proportion", "quantity_out_of_proportion_v1", (LICENCE,),
               "quantity out of proportion to the end user", "cantidad desproporcionada",
               f"quantity at least {PROPORTION_RATIO:g}x the median of licences to end users of "
               f"the same kind", 0.5), quantity_out_of_proportion),
    (Indicator("reconciliation_failure", "reconciliation_failure_v1", (LICENCE, CUSTODIAN),
               "quantities that do not reconcile", "cantidades que no cuadran",
               "licence: licensed / shipped / received / assigned disagree; custodian: receipts "
               "never confirmed, or trails stopping where weapons should be passed on",
               0.3), reconciliation_failure),
    (Indicator("split_order", "split_order_v1", (LICENCE,),
               "order split under the notification threshold", "pedido fraccionado",
               "member of a suspected split group (splits_v1)", 0.7), split_order),
    (Indicator("unfavourable_finding", "unfavourable_finding_v1", (LICENCE, CUSTODIAN),
               "unfavourable end-use check", "verificación desfavorable",
               "an earlier check on it (or on a licence's recipient) was unfavourable",
               2.0), unfavourable_finding),
    (Indicator("favourable_finding", "favourable_finding_v1", (LICENCE, CUSTODIAN),
               "favourable end-use check", "verificación favorable",
               "checked and found in order, never unfavourable", -1.0), favourable_finding),
)

BY_CODE: dict[str, Indicator] = {ind.code: ind for ind, _ in INDICATORS}


def evaluate(facts: RiskFacts) -> dict[tuple[str, str], list[Evidence]]:
    """Every flag that fires, grouped by subject (kind, id), in the order of INDICATORS."""
    out: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for ind, rule in INDICATORS:
        for ev in rule(facts):
            if ev.subject_kind in ind.levels:
                out[ev.subject].append(ev)
    return dict(out)
