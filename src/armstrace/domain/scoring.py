"""Which registry item is a recovered weapon, and how sure are we: ``scoring_v2``.

One recovery, several hypotheses: each candidate item the serial index returned,
and *none of them* -- a weapon that was never licensed (most crime guns), or a
licensed one whose reading strayed too far to be found. Each hypothesis gets a
score, a sum of named parts, each part a weight times one piece of evidence::

    score(item)  = serial + unreadable + short + crowding
                   + maker + calibre + model + custody parts
    score(none)  = never_licensed + reading_among_registry + unlicensed_neighbours
    P(h)         = exp(score(h)) / sum over all hypotheses of exp(score)

This is a conditional logit: a score difference is a log-likelihood ratio, so a
part reads as "this evidence multiplies the odds by exp(w)". The posterior is
what ``confidence`` reports, and what the status rules decide on.

Why density matters, and where it enters
----------------------------------------
Makers number weapons in sequence and licensed lots are runs of that sequence;
the numbers around and between those runs went to retail, which is where crime
guns come from. So a reading one character away from a licensed serial is strong
evidence only where no never-licensed weapon could sit: in a dense block a
never-licensed weapon of the same maker is probably right there. Two numbers,
computed by the service, carry this:

* ``crowding`` (per candidate): how many other registry serials that the maker
  allows sit within the candidate's own distance of the reading. Many equally
  close serials mean the reading falls in a dense run (weight <= 0).
* ``unlicensed_neighbours`` and ``reading_among_registry`` (the *none* side):
  whether the reading itself is a number inside the licensed runs' span that is
  not licensed (then it is most likely that weapon, read correctly), and how many
  unlicensed numbers among the runs are one character from it (weights >= 0).

Every weight that encodes a direction is constrained to it, so more agreement
never lowers a score and a denser neighbourhood never raises confidence
(``tests/unit/test_scoring_properties.py``). How the weights were set is in
``ScoringParameters``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CANDIDATE_FEATURES",
    "NONE_FEATURES",
    "SCORER_VERSION",
    "SIGN_CONSTRAINTS",
    "CandidateEvidence",
    "Decision",
    "NoneEvidence",
    "Part",
    "ScoringParameters",
    "SerialClass",
    "Status",
    "candidate_matrix",
    "candidate_parts",
    "candidate_score",
    "decide",
    "none_matrix",
    "none_parts",
    "none_score",
    "posterior",
    "segment_posteriors",
    "serial_class",
]

# v2 (December 2026): v1 plus ``missed_count``, a part that fires only where custodians
# record inventory counts; on records without counts the two score identically.
SCORER_VERSION = "scoring_v2"

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class SerialClass(IntEnum):
    """How the reading relates to a candidate's serial (from the index's route and distance)."""

    EXACT = 0  # the canonical strings are equal
    CONFUSABLE = 1  # equal once look-alikes are folded (O/0, I/1, S/5, ...)
    WILDCARD = 2  # one or two unreadable characters, the rest equal
    PATTERN = 3  # three or more unreadable characters, the readable ones equal
    WILDCARD_EDIT = 4  # unreadable characters and one more difference
    EDIT1_SAME = 5  # one substitution or swap of neighbours, same length
    EDIT1_LENGTH = 6  # one character inserted or dropped
    EDIT2_SAME = 7  # two edits, same length
    EDIT2_LENGTH = 8  # two edits, lengths differ
    CORE = 9  # a prefix or leading zeros dropped (digit core equal)


SERIAL_WORDS: dict[SerialClass, str] = {
    SerialClass.EXACT: "read exactly",
    SerialClass.CONFUSABLE: "read with look-alike characters",
    SerialClass.WILDCARD: "unreadable characters, the rest equal",
    SerialClass.PATTERN: "mostly unreadable, the readable characters equal",
    SerialClass.WILDCARD_EDIT: "unreadable characters and one difference",
    SerialClass.EDIT1_SAME: "one character wrong or two swapped",
    SerialClass.EDIT1_LENGTH: "one character added or dropped",
    SerialClass.EDIT2_SAME: "two characters wrong",
    SerialClass.EDIT2_LENGTH: "two edits, one adding or dropping a character",
    SerialClass.CORE: "prefix or leading zeros dropped",
}

_SERIAL_FIELD = {c: f"serial_{c.name.lower()}" for c in SerialClass}

# Route codes as ``armstrace.adapters.linkage.candidates.ROUTES`` orders them.
ROUTE_EXACT, ROUTE_CONFUSABLE, ROUTE_WILDCARD, ROUTE_DELETION, ROUTE_CORE = range(5)


def serial_class(route: int, distance: int, wildcards: int, same_length: bool) -> SerialClass:
    """The evidence class of one candidate (route codes as the candidate index numbers them)."""
    if route == ROUTE_CORE:
        return SerialClass.CORE
    if route == ROUTE_EXACT:
        return SerialClass.EXACT
    if route == ROUTE_CONFUSABLE:
        return SerialClass.CONFUSABLE
    if route == ROUTE_WILDCARD or wildcards > 0:
        if distance > 0:
            return SerialClass.WILDCARD_EDIT
        return SerialClass.PATTERN if wildcards >= 3 else SerialClass.WILDCARD
    if distance <= 1:
        return SerialClass.EDIT1_SAME if same_length else SerialClass.EDIT1_LENGTH
    return SerialClass.EDIT2_SAME if same_length else SerialClass.EDIT2_LENGTH


class Status:
    """The four answers of the data contract (traces.csv ``status``)."""

    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    UNTRACEABLE = "untraceable"


@dataclass(frozen=True, slots=True)
class ScoringParameters:
    """Weights (log-odds) and decision thresholds of ``scoring_v2``.

    The defaults are the calibration for poorly kept records (``poor`` in
    ``armstrace.domain.calibrations``, which holds the others and chooses among
    them). How they were set: the weights are the maximum-likelihood fit of the
    conditional logit on ONE simulated world (``python -m bench.fit_scoring
    --seed 1 --scale medium --keep-unlicensed 0.1``: 200,000 licensed weapons,
    1.31M recoveries of which about 13,000 licensed; every candidate the index
    returns labelled by the ground truth), with the sign constraints of
    ``SIGN_CONSTRAINTS`` enforced. The largest world we could afford, so that a
    99.5% precision decision rests on thousands of matches, not a few hundred.
    Refitted in December 2026 when the simulator's serial collisions stopped
    putting a licensed weapon's exact marking on never-licensed twins.
    The thresholds were then swept on that same world: ``match_threshold`` and
    ``match_ratio`` maximise matched recall keeping precision >= 99.6% there
    (0.99: 99.8% precision, 13.8% matched recall; at 0.98 precision falls to
    97.6% for 35% -- the step is licensed weapons read exactly as a lot
    neighbour's serial, and crime guns one slip away read as a licensed one, see
    docs/accuracy.md); ``ambiguous_threshold`` is lowered while each step still
    finds one licensed weapon per 150 never-licensed recoveries it adds to
    review. Accuracy is reported only on other seeds (``docs/accuracy.md``); the
    tuning seed is never scored. Refit when the data change in kind (another
    agency's recording habits, a registry of another shape) -- the values are
    estimates, not constants of nature.

    Custody parts (``before_export``, ``region_*``, ``reported_lost``,
    ``destroyed``, ``held_after``, ``missed_count``) are added only for the few
    best candidates of a recovery, once their custody chains are read.

    ``missed_count`` cannot be fitted on the tuning world as simulated: no
    custodian there counts its weapons. Its value is the fit on the same world
    simulated with inventories (``--variant inventories``; the other weights of
    that fit stayed within 0.15 of these, ``held_after`` and ``before_export``
    aside, which the counts make less needed), and every
    calibration carries it: it is custody evidence, not a property of how serials
    were copied. Measured in docs/accuracy.md.
    """

    # serial evidence: one weight per class
    serial_exact: float = 4.94
    serial_confusable: float = 3.40
    serial_wildcard: float = 1.80
    serial_pattern: float = 0.17
    serial_wildcard_edit: float = -2.24
    serial_edit1_same: float = -1.69
    serial_edit1_length: float = 0.05
    serial_edit2_same: float = -5.70
    serial_edit2_length: float = -2.69
    serial_core: float = -0.90
    per_unreadable: float = -0.55  # each unreadable character
    short_reading: float = 0.00  # each readable character short of six (fit: no effect)
    crowding: float = -0.73  # log(1 + registry serials as close as this one)
    # fields as written
    maker_agree: float = 0.41
    maker_disagree: float = -7.25
    calibre_agree: float = 0.17
    calibre_disagree: float = -5.38
    model_agree: float = 0.25
    model_disagree: float = -2.43
    # custody (best candidates only)
    before_export: float = -2.45  # recovered before the item's first custody event
    region_agree: float = 1.48  # recovered in the state of its last custodian
    region_disagree: float = -1.58
    reported_lost: float = 2.69  # custody ended in a reported loss or theft
    destroyed: float = -2.65  # custody ended in destruction
    held_after: float = -4.76  # the chain shows lawful custody after the recovery date
    missed_count: float = 2.60  # counted by its holder, then left out of a later count
    # the never-licensed hypothesis
    never_licensed: float = 2.85  # prior log-odds of "none" against the candidates
    reading_among_registry: float = 1.12  # the reading is an unlicensed number among the runs
    unlicensed_neighbours: float = 0.06  # log(1 + unlicensed numbers one character away)
    # decisions
    match_threshold: float = 0.99  # posterior of the best candidate to call it matched
    match_ratio: float = 5.0  # ... and this many times the runner-up
    ambiguous_threshold: float = 0.01  # posterior that it is one of the candidates, to review
    list_ratio: float = 0.02  # list candidates at least this fraction of the best
    max_listed: int = 10  # more plausible candidates than this: too little to narrow
    min_readable: int = 3  # fewer readable serial characters: untraceable
    name_custodian: float = 0.5  # ambiguous: name the shared custodian only this sure

    def with_weights(self, names: Sequence[str], values: Sequence[float]) -> ScoringParameters:
        """A copy with the named weights replaced (what a fit produces)."""
        changes: dict[str, Any] = {n: float(v) for n, v in zip(names, values, strict=True)}
        return replace(self, **changes)

    def weights(self, names: Sequence[str]) -> F64:
        return np.array([float(getattr(self, n)) for n in names], dtype=np.float64)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


# Design columns: the candidate score is candidate_matrix(...) @ weights(CANDIDATE_FEATURES).
CANDIDATE_FEATURES: tuple[str, ...] = (
    *(_SERIAL_FIELD[c] for c in SerialClass),
    "per_unreadable", "short_reading", "crowding",
    "maker_agree", "maker_disagree", "calibre_agree", "calibre_disagree",
    "model_agree", "model_disagree",
    "before_export", "region_agree", "region_disagree", "reported_lost", "destroyed",
    "held_after", "missed_count",
)
NONE_FEATURES: tuple[str, ...] = (
    "never_licensed", "reading_among_registry", "unlicensed_neighbours",
)
# +1: the weight may not be negative; -1: may not be positive. The directions the
# evidence must push in, whatever a fit on one world would like.
SIGN_CONSTRAINTS: dict[str, int] = {
    "per_unreadable": -1, "short_reading": -1, "crowding": -1,
    "maker_agree": 1, "maker_disagree": -1, "calibre_agree": 1, "calibre_disagree": -1,
    "model_agree": 1, "model_disagree": -1,
    "before_export": -1, "region_agree": 1, "region_disagree": -1, "reported_lost": 1,
    "held_after": -1, "missed_count": 1,
    "reading_among_registry": 1, "unlicensed_neighbours": 1,
}
FULL_LENGTH = 6  # readable characters below which a reading counts as short


@dataclass(frozen=True, slots=True)
class CandidateEvidence:
    """Everything known about one (recovery, candidate item) pair.

    Agreements are +1 (agree), 0 (unknown) or -1 (disagree). ``neighbours`` is the
    number of other registry serials the maker allows within this candidate's
    distance of the reading. Custody fields stay 0 / False until the chain is read.
    """

    serial: SerialClass
    wildcards: int = 0
    readable: int = FULL_LENGTH
    neighbours: int = 0
    maker: int = 0
    calibre: int = 0
    model: int = 0
    region: int = 0
    before_export: bool = False
    reported_lost: bool = False
    destroyed: bool = False
    held_after: bool = False
    missed_count: bool = False


@dataclass(frozen=True, slots=True)
class NoneEvidence:
    """What speaks for a never-licensed weapon, whatever the candidates."""

    reading_among_registry: bool = False
    unlicensed_neighbours: int = 0


@dataclass(frozen=True, slots=True)
class Part:
    """One named part of a score: ``value`` = weight times the evidence."""

    name: str
    value: float
    text: str


def _agreement_parts(p: ScoringParameters, field: str, state: int) -> list[Part]:
    if state > 0:
        return [Part(f"{field}_agree", getattr(p, f"{field}_agree"), f"{field} agrees")]
    if state < 0:
        return [Part(f"{field}_disagree", getattr(p, f"{field}_disagree"), f"{field} disagrees")]
    return [Part(f"{field}_unknown", 0.0, f"{field} not comparable")]


def candidate_parts(p: ScoringParameters, ev: CandidateEvidence) -> list[Part]:
    """The named parts of one candidate's score (what ``evidence`` stores)."""
    name = _SERIAL_FIELD[ev.serial]
    parts = [Part(name, float(getattr(p, name)), f"serial {SERIAL_WORDS[ev.serial]}")]
    if ev.wildcards:
        parts.append(Part("per_unreadable", p.per_unreadable * ev.wildcards,
                          f"{ev.wildcards} unreadable character(s)"))
    short = max(0, FULL_LENGTH - ev.readable)
    if short:
        parts.append(Part("short_reading", p.short_reading * short,
                          f"only {ev.readable} readable character(s)"))
    if ev.neighbours:
        parts.append(Part("crowding", p.crowding * math.log1p(ev.neighbours),
                          f"{ev.neighbours} other registry serial(s) as close"))
    parts += _agreement_parts(p, "maker", ev.maker)
    parts += _agreement_parts(p, "calibre", ev.calibre)
    parts += _agreement_parts(p, "model", ev.model)
    if ev.before_export:
        parts.append(Part("before_export", p.before_export,
                          "recovered before the item was first shipped"))
    if ev.region > 0:
        parts.append(Part("region_agree", p.region_agree,
                          "recovered in the state of its last custodian"))
    elif ev.region < 0:
        parts.append(Part("region_disagree", p.region_disagree,
                          "recovered outside the state of its last custodian"))
    if ev.reported_lost:
        parts.append(Part("reported_lost", p.reported_lost, "reported lost or stolen"))
    if ev.destroyed:
        parts.append(Part("destroyed", p.destroyed, "recorded as destroyed"))
    if ev.held_after:
        parts.append(Part("held_after", p.held_after,
                          "its chain shows lawful custody after the recovery date"))
    if ev.missed_count:
        parts.append(Part("missed_count", p.missed_count,
                          "its holder counted it, then left it out of a later inventory"))
    return parts


def candidate_score(p: ScoringParameters, ev: CandidateEvidence) -> float:
    return sum(part.value for part in candidate_parts(p, ev))


def none_parts(p: ScoringParameters, ev: NoneEvidence) -> list[Part]:
    parts = [Part("never_licensed", p.never_licensed, "prior: most recovered guns were never licensed")]
    if ev.reading_among_registry:
        parts.append(Part("reading_among_registry", p.reading_among_registry,
                          "the reading is itself an unlicensed number among licensed runs"))
    if ev.unlicensed_neighbours:
        parts.append(Part("unlicensed_neighbours",
                          p.unlicensed_neighbours * math.log1p(ev.unlicensed_neighbours),
                          f"{ev.unlicensed_neighbours} unlicensed number(s) of those runs "
                          "one character away"))
    return parts


def none_score(p: ScoringParameters, ev: NoneEvidence) -> float:
    return sum(part.value for part in none_parts(p, ev))


# --------------------------------------------------------------------------- vectorised


def candidate_matrix(
    serial: npt.NDArray[np.integer], wildcards: npt.NDArray[np.integer],
    readable: npt.NDArray[np.integer], neighbours: npt.NDArray[np.integer],
    maker: npt.NDArray[np.integer], calibre: npt.NDArray[np.integer],
    model: npt.NDArray[np.integer], region: npt.NDArray[np.integer],
    before_export: npt.NDArray[np.bool_], reported_lost: npt.NDArray[np.bool_],
    destroyed: npt.NDArray[np.bool_], held_after: npt.NDArray[np.bool_],
    missed_count: npt.NDArray[np.bool_],
    dtype: type[np.floating[Any]] = np.float64,
) -> npt.NDArray[Any]:
    """Design rows (one per candidate, columns ``CANDIDATE_FEATURES``) for many pairs.

    The same arithmetic as ``candidate_parts``, column by column: the fit and the
    tracer share it, and a test checks the two agree. The tracer asks for float32
    (half the memory; scores need no more precision).
    """
    n = len(serial)
    x = np.zeros((n, len(CANDIDATE_FEATURES)), dtype=dtype)
    x[np.arange(n), np.asarray(serial, dtype=np.int64)] = 1.0
    k = len(SerialClass)
    x[:, k] = wildcards
    x[:, k + 1] = np.maximum(0, FULL_LENGTH - np.asarray(readable, dtype=np.int64))
    x[:, k + 2] = np.log1p(neighbours)
    for j, arr in enumerate((maker, calibre, model)):
        x[:, k + 3 + 2 * j] = arr > 0
        x[:, k + 4 + 2 * j] = arr < 0
    x[:, k + 9] = before_export
    x[:, k + 10] = region > 0
    x[:, k + 11] = region < 0
    x[:, k + 12] = reported_lost
    x[:, k + 13] = destroyed
    x[:, k + 14] = held_after
    x[:, k + 15] = missed_count
    return x


def none_matrix(among: npt.NDArray[np.bool_], neighbours: npt.NDArray[np.integer]) -> F64:
    """Design rows of the never-licensed hypothesis (columns ``NONE_FEATURES``)."""
    z = np.zeros((len(among), len(NONE_FEATURES)), dtype=np.float64)
    z[:, 0] = 1.0
    z[:, 1] = among
    z[:, 2] = np.log1p(neighbours)
    return z


def segment_posteriors(scores: F64, none: F64, offsets: I64) -> tuple[F64, F64]:
    """Posteriors of every candidate and of *none*, recovery by recovery.

    Recovery ``k``'s candidates are ``scores[offsets[k]:offsets[k+1]]``; its
    never-licensed score is ``none[k]``. A numerically stable softmax per segment.
    """
    nq = len(none)
    counts = np.diff(offsets)
    seg = np.repeat(np.arange(nq), counts)
    top = none.copy()
    if len(scores):
        np.maximum.at(top, seg, scores)
    e = np.exp(scores - top[seg])
    e0 = np.exp(none - top)
    total = e0 + np.bincount(seg, weights=e, minlength=nq)
    return e / total[seg], e0 / total


def posterior(scores: Sequence[float], none: float) -> tuple[list[float], float]:
    """Posteriors of one recovery's candidates and of *none* (scalar form)."""
    top = max([none, *scores])
    e = [math.exp(s - top) for s in scores]
    e0 = math.exp(none - top)
    total = e0 + sum(e)
    return [v / total for v in e], e0 / total


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True, slots=True)
class Decision:
    """The status of one recovery and which candidates (by position) it names.

    ``listed`` are positions in the candidate order given to ``decide`` (best
    first); ``confidence`` is the posterior of the matched item, of the listed
    items together (ambiguous), of *none* (unmatched), or 0 (untraceable).
    """

    status: str
    listed: tuple[int, ...]
    confidence: float
    why: str


def decide(
    p: ScoringParameters, post: Sequence[float], none: float, *, readable: bool,
    readable_chars: int,
) -> Decision:
    """Apply the status rules to one recovery's posteriors.

    ``post`` must be sorted best first. Rules, in order:

    * untraceable: no readable serial, or fewer than ``min_readable`` readable
      characters -- nothing to try;
    * matched: the best candidate has posterior >= ``match_threshold`` and at
      least ``match_ratio`` times the runner-up's;
    * unmatched: the candidates together hold less than ``ambiguous_threshold``
      (nothing licensed fits well enough to be worth a reviewer's time);
    * untraceable: more than ``max_listed`` candidates are plausible and the
      listed ones hold under half of the candidates' mass -- too little was read
      to narrow it down;
    * ambiguous otherwise, listing the candidates within ``list_ratio`` of the best.
    """
    if not readable or readable_chars < p.min_readable:
        return Decision(Status.UNTRACEABLE, (), 0.0, "unreadable")
    if not post:
        return Decision(Status.UNMATCHED, (), none, "no candidate")
    top = post[0]
    second = post[1] if len(post) > 1 else 0.0
    if top >= p.match_threshold and top >= p.match_ratio * second:
        return Decision(Status.MATCHED, (0,), top, "clear")
    mass = float(sum(post))
    if mass < p.ambiguous_threshold:
        return Decision(Status.UNMATCHED, (), none, "implausible")
    plausible = [i for i, v in enumerate(post) if v >= p.list_ratio * top]
    listed = plausible[: p.max_listed]
    held = sum(post[i] for i in listed)
    if len(plausible) > p.max_listed and held < 0.5 * mass:
        return Decision(Status.UNTRACEABLE, (), 0.0, f"too many:{len(plausible)}")
    return Decision(Status.AMBIGUOUS, tuple(listed), held, "several")
