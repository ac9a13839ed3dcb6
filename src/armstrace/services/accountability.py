"""The regional accountability bundle: the embassy's 2009 proposal, as data.

For a Mexican state (ISO 3166-2) and a period of recovery dates, every
recovered weapon whose current trace leads to a weapon that was transferred to
that state's own authorities (``STATE_AUTHORITY_KINDS``: state government, state
and municipal police, state prosecutor and courts; federal bodies stationed in
the state are not the state's), with the serial as recorded and as registered,
the licence and exporter, when the state took custody, the last custodian and
the time to crime. The state is asked to account for each; the letter that goes
with it (rendered elsewhere) reads ``AccountabilityBundle``'s summary fields.

A matched trace names one item. An ambiguous trace is included when every
candidate shares the last custodian (which the trace names) and every candidate
went to the state; its row lists the candidates and their registered serials,
and leaves ``item_id`` empty. Weapons recovered anywhere count, not only in the state: a rifle handed
to Michoacán and found in Jalisco is Michoacán's to explain.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import astuple, dataclass, fields
from typing import TextIO

from armstrace.domain.provenance import Provenance
from armstrace.services.analytics_data import STATE_AUTHORITY_KINDS, Dataset, TracedRecovery
from armstrace.services.reference_figures import state_names

__all__ = ["AccountabilityBundle", "AccountabilityRow", "accountability_bundle", "letter_filename",
           "state_bundles", "write_csv"]


@dataclass(frozen=True, slots=True)
class AccountabilityRow:
    """One line of the request. Field order is the CSV column order."""

    recovery_id: str
    recovered_on: str
    recovery_region: str
    municipality: str
    serial_as_recorded: str
    item_id: str
    candidates: str
    serial_as_registered: str
    licence_id: str
    exporter_id: str
    exporter_name: str
    transferred_on: str
    transferred_to_id: str
    transferred_to_name: str
    last_custodian_id: str
    last_custodian_name: str
    time_to_crime_days: int | None
    trace_status: str
    trace_confidence: float


@dataclass(frozen=True, slots=True)
class AccountabilityBundle:
    """Rows plus what a covering letter states.

    ``transferred_total``: weapons the state's authorities ever took custody of
    (all time, from the ledger); ``by_last_custodian``: (party id, name, rows),
    most rows first; ``licences``: licence ids in the rows.
    """

    state: str
    state_name: str
    period_start: str
    period_end: str
    authorities: tuple[tuple[str, str, str], ...]  # (party id, name, kind)
    transferred_total: int
    rows: tuple[AccountabilityRow, ...]
    by_last_custodian: tuple[tuple[str, str, int], ...]
    licences: tuple[str, ...]
    provenance: Provenance


def _eligible(tr: TracedRecovery) -> bool:
    # A trace that names no last custodian (an ambiguous one below even odds, say) is too
    # weak to put before a governor: the letter asks who held *this* weapon.
    return tr.names_custodian is not None


def accountability_bundle(ds: Dataset, state: str, start: str, end: str) -> AccountabilityBundle:
    """Recoveries dated ``start`` to ``end`` (ISO dates, inclusive) traced to ``state``'s weapons."""
    if start > end:
        raise ValueError(f"period starts after it ends: {start} > {end}")
    authorities = tuple(sorted(
        (p.party_id, p.name, p.kind) for p in ds.parties.values()
        if p.region == state and p.kind in STATE_AUTHORITY_KINDS))
    ids = {a[0] for a in authorities}
    rows: list[AccountabilityRow] = []
    led = ds.ledger
    for tr in ds.traces:
        if not (_eligible(tr) and start <= tr.recovered_on[:10] <= end):
            continue
        exposures = [led.exposures.get(i) for i in tr.items]
        arrivals = [e.arrival(ids) if e is not None else None for e in exposures]
        if not arrivals or any(a is None for a in arrivals):
            continue
        first = min((a for a in arrivals if a is not None), key=lambda a: a.since)
        licences = {led.item_licence.get(i) for i in tr.items}
        licence_id = tr.licence_id or (next(iter(licences)) if len(licences) == 1 else None)
        licence = ds.licences.get(licence_id) if licence_id else None
        exporter = licence.exporter_id if licence is not None else ""
        rows.append(AccountabilityRow(
            tr.recovery_id, tr.recovered_on, tr.region or "", tr.municipality or "",
            tr.serial or "", tr.item_id or "",
            ";".join(tr.candidates) if tr.status == "ambiguous" else "",
            ";".join(led.registered_serial.get(i, "") for i in tr.items),
            licence_id or "", exporter, ds.party_name(exporter), first.since[:10],
            first.party_id, ds.party_name(first.party_id), tr.last_custodian_id or "",
            ds.party_name(tr.last_custodian_id), tr.time_to_crime_days, tr.status,
            tr.confidence))
    rows.sort(key=lambda r: (r.recovered_on, r.recovery_id))
    by_custodian = Counter(r.last_custodian_id for r in rows)
    return AccountabilityBundle(
        state, state_names().get(state, state), start, end, authorities,
        led.state_intake.get(state, 0), tuple(rows),
        tuple((pid, ds.party_name(pid), n) for pid, n in
              sorted(by_custodian.items(), key=lambda kv: (-kv[1], kv[0]))),
        tuple(sorted({r.licence_id for r in rows if r.licence_id})), ds.provenance)


def write_csv(bundle: AccountabilityBundle, stream: TextIO) -> int:
    """Write the bundle's rows as CSV (header = ``AccountabilityRow`` fields); returns rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([f.name for f in fields(AccountabilityRow)])
    for row in bundle.rows:
        writer.writerow(["" if v is None else v for v in astuple(row)])
    return len(bundle.rows)


def letter_filename(state: str, lang: str) -> str:
    """``carta-MX-MIC-es.pdf`` / ``letter-MX-MIC-en.pdf``: the name says the state and language.

    Defined here, beside the bundle, so the letters' writer and the report that
    links to them agree on the name.
    """
    return f"{'carta' if lang == 'es' else 'letter'}-{state}-{lang}.pdf"


def state_bundles(ds: Dataset, start: str, end: str) -> list[AccountabilityBundle]:
    """A bundle for every state with at least one recovery to explain in the period, by state code.

    Why: the embassy's proposal was one request per state; a state with nothing to
    explain gets no letter.
    """
    states = sorted({p.region for p in ds.parties.values()
                     if p.region and p.kind in STATE_AUTHORITY_KINDS})
    bundles = (accountability_bundle(ds, s, start, end) for s in states)
    return [b for b in bundles if b.rows]
