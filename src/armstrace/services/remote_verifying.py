"""Verify another server's ledger from outside: its signature, its history, its events.

What an agency that does not trust the server runs (``armstrace verify --remote``):

1. fetch the signed tree head; check its Ed25519 signature against the pinned key
   (``--public-key``, else the key saved with a trusted head); with neither, the
   server's own key is used and the report says so: trust on first use;
2. with a saved head, check that the new tree extends it (consistency proof): a
   server that rewrote any event before the saved size cannot produce one;
3. check that events are in the tree: those named, else a random sample, each
   from its leaf input hashed here and its audit path to the signed root;
4. optionally download every leaf input and recompute the root (``--full``).

Every check is recorded with its outcome in words; nothing the server sends is
believed until a check here has recomputed it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from armstrace.adapters.http.ledger_client import RemoteRefused, UnknownRemoteEvent
from armstrace.domain.merkle import ProofError, TreeBuilder, leaf_hash, verify_consistency, verify_inclusion
from armstrace.domain.tree_heads import InclusionProof, SignedTreeHead, decode_leaf, verify_tree_head

DEFAULT_SAMPLE = 8
FULL_PAGE = 1_000


class LedgerSource(Protocol):
    """What the checks need from a server (``adapters.http.ledger_client.LedgerClient``)."""

    def tree_head(self) -> SignedTreeHead: ...

    def inclusion(self, event_id: str, tree_size: int) -> tuple[InclusionProof, bytes]: ...

    def consistency(self, first: int, second: int) -> list[bytes]: ...

    def entries(self, start: int, end: int) -> list[tuple[int, str, bytes]]: ...


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: not run (and why is in ``detail``)
    detail: str


@dataclass
class RemoteReport:
    head: SignedTreeHead | None = None
    checks: list[Check] = field(default_factory=list)
    trust_on_first_use: bool = False

    @property
    def ok(self) -> bool:
        return self.head is not None and all(c.ok is not False for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def failed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))


@dataclass(frozen=True)
class RemoteOptions:
    public_key: bytes | None = None  # raw Ed25519 key pinned by the user
    trusted_head: SignedTreeHead | None = None
    events: Sequence[str] = ()
    sample: int = DEFAULT_SAMPLE
    full: bool = False
    seed: int | None = None


def verify_remote(source: LedgerSource, options: RemoteOptions) -> RemoteReport:
    """Run the checks in order; stop early only when the head itself cannot be trusted."""
    report = RemoteReport()
    head = source.tree_head()
    report.head = head
    if not _check_signature(report, head, options):
        return report
    if options.trusted_head is not None:
        _check_consistency(report, source, options.trusted_head, head)
    _check_inclusions(report, source, head, options)
    if options.full:
        _check_full(report, source, head)
    return report


def _check_signature(report: RemoteReport, head: SignedTreeHead, options: RemoteOptions) -> bool:
    key = options.public_key
    source_of_key = "the pinned public key"
    if key is None and options.trusted_head is not None and options.trusted_head.public_key is not None:
        key, source_of_key = options.trusted_head.public_key, "the key saved with the trusted head"
    if key is None:
        if head.public_key is None:
            report.failed("signature", "the server sent no public key and none is pinned: nothing to "
                          "check the signature with")
            return False
        key, source_of_key = head.public_key, "the server's own key (trust on first use: NOT pinned)"
        report.trust_on_first_use = True
    try:
        if options.trusted_head is not None:
            verify_tree_head(options.trusted_head, key)
        verify_tree_head(head, key)
    except ProofError as exc:
        report.failed("signature", f"{exc} (checked with {source_of_key})")
        return False
    report.passed("signature", f"tree head of {head.tree_size:,} events signed by key {head.key_id[:16]}… "
                  f"({source_of_key})")
    return True


def _check_consistency(report: RemoteReport, source: LedgerSource, saved: SignedTreeHead,
                       head: SignedTreeHead) -> None:
    name = f"consistency {saved.tree_size:,} -> {head.tree_size:,}"
    if head.tree_size < saved.tree_size:
        report.failed(name, f"the server's tree has {head.tree_size:,} events, fewer than the "
                      f"{saved.tree_size:,} of the trusted head: history was cut")
        return
    try:
        proof = ([] if head.tree_size == saved.tree_size or saved.tree_size == 0
                 else source.consistency(saved.tree_size, head.tree_size))
        verify_consistency(saved.tree_size, head.tree_size, saved.root_hash, head.root_hash, proof)
    except ProofError as exc:
        report.failed(name, f"{exc}. The ledger the trusted head signed was changed, not only "
                      "appended to")
        return
    if head.tree_size == saved.tree_size:
        report.passed(name, "same size and the same root as the trusted head")
    else:
        report.passed(name, f"the tree extends the trusted head's {saved.tree_size:,} events unchanged "
                      f"({len(proof)}-hash proof)")


def _check_inclusions(report: RemoteReport, source: LedgerSource, head: SignedTreeHead,
                      options: RemoteOptions) -> None:
    size = head.tree_size
    for event_id in options.events:
        _check_one(report, source, head, event_id, None, None)
    if options.events or options.sample <= 0 or size == 0:
        return
    rng = random.Random(options.seed)
    indices = sorted({0, size - 1, *rng.sample(range(size), min(size, options.sample))})
    for index in indices:
        try:
            page = source.entries(index, index)
        except RemoteRefused as exc:  # a role that may not read entries
            report.checks.append(Check("inclusion sample", None, f"not run: {exc}; name events with "
                                       "--event to check them"))
            return
        if not page or page[0][0] != index:
            report.failed(f"inclusion of leaf {index:,}", "the server did not return that entry")
            continue
        _check_one(report, source, head, page[0][1], index, page[0][2])


def _check_one(report: RemoteReport, source: LedgerSource, head: SignedTreeHead, event_id: str,
               index: int | None, listed: bytes | None) -> None:
    name = f"inclusion of {event_id}"
    try:
        proof, leaf_input = source.inclusion(event_id, head.tree_size)
    except UnknownRemoteEvent as exc:
        report.failed(name, f"the server says it is not on its ledger ({exc})")
        return
    try:
        event = decode_leaf(leaf_input)
        if event["event_id"] != event_id:
            raise ProofError(f"the leaf input is event {event['event_id']}, not {event_id}")
        if event["seq"] != proof.leaf_index + 1:
            raise ProofError(f"the leaf input is event #{event['seq']}, the proof puts it at leaf "
                             f"{proof.leaf_index:,}")
        if index is not None and proof.leaf_index != index:
            raise ProofError(f"listed at leaf {index:,}, proved at leaf {proof.leaf_index:,}")
        if listed is not None and listed != leaf_input:
            raise ProofError("the entry listed and the leaf proved differ")
        if proof.tree_size != head.tree_size:
            raise ProofError(f"the proof is for size {proof.tree_size:,}, the head for {head.tree_size:,}")
        verify_inclusion(proof.leaf_index, head.tree_size, leaf_hash(leaf_input), proof.audit_path,
                         head.root_hash)
    except ProofError as exc:
        report.failed(name, str(exc))
        return
    report.passed(name, f"event #{event['seq']:,} ({event['event_type']} of {event['item_id']} on "
                  f"{event['occurred_at']}) is leaf {proof.leaf_index:,} of the signed tree")


def _check_full(report: RemoteReport, source: LedgerSource, head: SignedTreeHead) -> None:
    name = "full download"
    builder = TreeBuilder()
    index = 0
    try:
        while index < head.tree_size:
            page = source.entries(index, min(head.tree_size, index + FULL_PAGE) - 1)
            if not page:
                raise ProofError(f"the server returned no entries from leaf {index:,}")
            for leaf_index, event_id, leaf_input in page:
                if leaf_index != index:
                    raise ProofError(f"expected leaf {index:,}, got {leaf_index:,}")
                event = decode_leaf(leaf_input)
                if event["seq"] != index + 1 or event["event_id"] != event_id:
                    raise ProofError(f"leaf {index:,} does not encode event #{index + 1:,} ({event_id})")
                builder.append(leaf_hash(leaf_input))
                index += 1
                if index == head.tree_size:
                    break
    except RemoteRefused as exc:
        report.checks.append(Check(name, None, f"not run: {exc}"))
        return
    except ProofError as exc:
        report.failed(name, str(exc))
        return
    if builder.root() != head.root_hash:
        report.failed(name, f"the {index:,} leaf inputs downloaded do not hash to the signed root")
        return
    report.passed(name, f"all {index:,} leaf inputs downloaded and hashed to the signed root")
