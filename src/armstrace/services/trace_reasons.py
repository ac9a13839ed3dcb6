"""The tracer's answers in words: the ``reason`` column of traces.csv.

Short English sentences an investigator can act on, e.g. "serial LE012345 read as
LE0I2345 (read with look-alike characters), maker agrees (Colt), calibre agrees
(5.56x45); last held by Policía Municipal de Apatzingán since 2008-09-10". They
say which fields agreed and which did not; the numbers behind them are in the
``evidence`` JSON stored beside each trace.
"""

from __future__ import annotations

from collections.abc import Callable

from armstrace.domain.scoring import SERIAL_WORDS, Decision, SerialClass, Status
from armstrace.services.trace_evidence import CustodyEvidence, Registry, ScoredBatch

__all__ = ["Wording"]

_END_WORDS = {"theft": "reported stolen", "loss": "reported lost", "destroy": "recorded destroyed"}


class Wording:
    """Reasons for one registry and one table of party names."""

    def __init__(self, registry: Registry, party_name: Callable[[str | None], str]) -> None:
        self.reg = registry
        self.party_name = party_name

    def fields(self, sb: ScoredBatch, k: int, r: int) -> list[str]:
        rec, ev, reg = sb.recoveries[k], sb.ev, self.reg
        item = int(ev.item[r])
        words: list[str] = []
        for name, state, written, registered in (
            ("maker", ev.maker[r], rec.manufacturer, reg.makers.get(int(reg.maker[item]))),
            ("calibre", ev.calibre[r], rec.calibre, reg.calibres.get(int(reg.calibre[item]))),
            ("model", ev.model[r], rec.model, reg.models.get(int(reg.model[item]))),
        ):
            if state > 0:
                words.append(f"{name} agrees ({registered})")
            elif state < 0:
                words.append(f"{name} disagrees (recorded {written}, registered {registered})")
            elif not written and name != "model":
                words.append(f"{name} not recorded")
        return words

    def serial_words(self, sb: ScoredBatch, k: int, r: int) -> str:
        reading = sb.readings[k]
        serial = self.reg.serials[int(sb.ev.item[r])]
        cls = SerialClass(int(sb.ev.serial[r]))
        if cls is SerialClass.EXACT:
            return f"serial {serial} read exactly"
        return f"serial {serial} read as {reading.canonical} ({SERIAL_WORDS[cls]})"

    def custody_words(self, c: CustodyEvidence | None) -> str:
        if c is None or not c.custodian:
            return "no documented lawful custodian before the recovery"
        text = f"last held by {self.party_name(c.custodian)} since {c.since[:10] if c.since else '?'}"
        if not c.confirmed:
            text += " (shipped to it, receipt never recorded)"
        if c.end_type in _END_WORDS and c.ended_at:
            text += f", {_END_WORDS[c.end_type]} {c.ended_at[:10]}"
        return text

    def reason(self, sb: ScoredBatch, k: int, rows: list[int], d: Decision, listed: list[int],
                custody: CustodyEvidence | None, named: bool) -> str:
        reading, rec = sb.readings[k], sb.recoveries[k]
        if d.status == Status.UNTRACEABLE:
            if not reading.readable:
                if reading.reason == "missing":
                    return "serial not recorded; nothing to trace it by"
                return f"serial recorded as {rec.serial!r}: nothing readable to trace it by"
            if d.why.startswith("too many"):
                n = d.why.split(":")[1]
                return (f"only {sb.ev.readable_chars[k]} readable characters ({reading.canonical}); "
                        f"{n} registry serials fit them about equally")
            return f"only {sb.ev.readable_chars[k]} readable character(s) ({reading.canonical})"
        if d.status == Status.MATCHED:
            r = listed[0]
            parts = [self.serial_words(sb, k, r), *self.fields(sb, k, r)]
            c = sb.custody.get(r)
            if c and c.region > 0:
                parts.append("recovered in its last custodian's state")
            if sb.ev.neighbours[r]:
                parts.append(f"{sb.ev.neighbours[r]} other registry serial(s) as close")
            return ", ".join(parts) + "; " + self.custody_words(custody)
        if d.status == Status.AMBIGUOUS:
            best = listed[0]
            items = ", ".join(f"{self.reg.serials[int(sb.ev.item[r])]} ({sb.post[r]:.2f})"
                              for r in listed[:5])
            more = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
            if len(listed) > 1:
                head = f"{len(listed)} licensed items fit serial reading {reading.canonical}"
            else:
                head = (f"one licensed item fits serial reading {reading.canonical}, "
                        "not surely enough to match")
            text = (f"{head}: {items}{more}; best: "
                    + ", ".join([self.serial_words(sb, k, best), *self.fields(sb, k, best)]))
            if custody is not None:
                who = "all" if len(listed) > 1 else "it was"
                if not named:
                    who = ("if it is one of them, all were" if len(listed) > 1
                           else "if it is this one, it was")
                return text + f"; {who} " + self.custody_words(custody)
            return text + "; their last custodians differ"
        # unmatched
        text = f"no licensed item fits serial reading {reading.canonical}"
        if rows:
            r = rows[0]
            against = [w for w in self.fields(sb, k, r) if "disagrees" in w]
            c = sb.custody.get(r)
            if c and c.before_export:
                against.append("recovered before it was shipped")
            text += f"; nearest {self.serial_words(sb, k, r)}"
            if against:
                text += ", but " + ", ".join(against)
            text += f" (posterior {sb.post[r]:.3f})"
        else:
            text += " (no registry serial within two edits)"
        if sb.ev.among[k]:
            text += "; the reading is itself an unlicensed number among licensed runs"
        return text
