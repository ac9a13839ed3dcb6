"""The ledger's proofs over HTTP, in the manner of Certificate Transparency (RFC 9162 §5).

Thin routes over ``services.proofs``: a signed tree head, inclusion and consistency
proofs, and pages of leaf inputs. Hashes are hex, the signature and public key
base64. The router is importable on its own: the server's ``create_app`` mounts
it (its app-wide dependency decides who may call what), and ``ledger_app``
serves it alone for a single-store proof server and for tests.

The store and signer are found on the application: ``app.state.ledger`` if the app
set one (``LedgerContext``), else the server context's store with the signing key
from ``ARMSTRACE_SIGNING_KEY`` or the default key file (``adapters.signing``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.signing import load_or_create_signer
from armstrace.services import proofs

router = APIRouter(prefix="/v1/ledger", tags=["ledger proofs"])

HEX_HASH = "hex SHA-256 digest (64 characters)"


@dataclass(frozen=True)
class LedgerContext:
    store: SqlStore
    signer: proofs.Signer


_lock = threading.Lock()


def ledger_context(request: Request) -> LedgerContext:
    """The store and signer this app serves proofs for (see the module docstring)."""
    state = request.app.state
    found: LedgerContext | None = getattr(state, "ledger", None)
    if found is not None:
        return found
    with _lock:
        found = getattr(state, "ledger", None)
        if found is None:
            found = LedgerContext(state.ctx.store, load_or_create_signer())
            state.ledger = found
    return found


class TreeHeadOut(BaseModel):
    tree_size: int = Field(description="number of custody events the tree covers (events seq 1..tree_size)")
    timestamp: int = Field(description="when the head was signed, milliseconds since the Unix epoch (UTC)")
    root_hash: str = Field(description=f"Merkle tree hash (RFC 9162) of the events: {HEX_HASH}")
    signature: str = Field(description="base64 Ed25519 signature over 'armstrace-sth-v1' || tree_size "
                           "(8 bytes) || timestamp (8 bytes) || root_hash (32 bytes), big-endian")
    key_id: str = Field(description="hex SHA-256 of the raw Ed25519 public key")
    public_key: str = Field(description="base64 raw 32-byte Ed25519 public key (pin it; never trust it "
                            "from the server alone)")


class InclusionOut(BaseModel):
    event_id: str
    leaf_index: int = Field(description="0-based position of the event in the tree (its seq - 1)")
    tree_size: int
    leaf_input: str = Field(description="hex of the event's canonical JSON encoding; the leaf hash is "
                            "SHA-256(0x00 || leaf_input)")
    audit_path: list[str] = Field(description=f"RFC 9162 inclusion path, leaf end first: {HEX_HASH} each")


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str] = Field(description=f"RFC 9162 consistency path: {HEX_HASH} each")


class EntryOut(BaseModel):
    leaf_index: int
    event_id: str
    leaf_input: str = Field(description="hex of the event's canonical JSON encoding")


class EntriesOut(BaseModel):
    start: int
    end: int = Field(description="index of the last entry returned (may be before the end asked for)")
    entries: list[EntryOut]


ERRORS: dict[int | str, dict[str, Any]] = {400: {"description": "sizes or indices no proof exists for"},
          404: {"description": "no such event"},
          409: {"description": "the ledger is missing events, so it is not a tree"}}


def _answer_errors(exc: Exception) -> HTTPException:
    if isinstance(exc, proofs.UnknownEvent):
        return HTTPException(404, str(exc.args[0]))
    if isinstance(exc, proofs.BadTreeSize):
        return HTTPException(400, str(exc))
    return HTTPException(409, str(exc))


_FAILURES = (proofs.UnknownEvent, proofs.BadTreeSize, proofs.LedgerNotContiguous)


@router.get("/tree-head", response_model=TreeHeadOut, responses={409: ERRORS[409]})
def get_tree_head(request: Request) -> TreeHeadOut:
    """The signed head of the ledger as it is now. Save it: later proofs are checked against it."""
    ctx = ledger_context(request)
    try:
        head = proofs.tree_head(ctx.store, ctx.signer)
    except _FAILURES as exc:
        raise _answer_errors(exc) from exc
    data = head.to_json()
    return TreeHeadOut(**data)


@router.get("/proofs/inclusion", response_model=InclusionOut, responses=ERRORS)
def get_inclusion(request: Request,
                  event_id: Annotated[str, Query(min_length=1, max_length=200)],
                  tree_size: Annotated[int | None, Query(description="default: the whole ledger now")] = None,
                  ) -> InclusionOut:
    """Proof that an event is in the tree of ``tree_size`` events, with the event's leaf input."""
    ctx = ledger_context(request)
    try:
        answer = proofs.inclusion_proof(ctx.store, event_id, tree_size)
    except _FAILURES as exc:
        raise _answer_errors(exc) from exc
    return InclusionOut(event_id=answer.event_id, leaf_index=answer.leaf_index, tree_size=answer.tree_size,
                        leaf_input=answer.leaf_input.hex(), audit_path=[h.hex() for h in answer.audit_path])


@router.get("/proofs/consistency", response_model=ConsistencyOut, responses={400: ERRORS[400],
                                                                              409: ERRORS[409]})
def get_consistency(request: Request, first: int, second: int) -> ConsistencyOut:
    """Proof that the tree of ``second`` events extends the tree of ``first`` events unchanged."""
    ctx = ledger_context(request)
    try:
        answer = proofs.consistency_proof(ctx.store, first, second)
    except _FAILURES as exc:
        raise _answer_errors(exc) from exc
    return ConsistencyOut(first=answer.first, second=answer.second, proof=[h.hex() for h in answer.proof])


@router.get("/entries", response_model=EntriesOut, responses={400: ERRORS[400], 409: ERRORS[409]})
def get_entries(request: Request, start: int,
                end: Annotated[int | None, Query(description="last index wanted, inclusive")] = None,
                ) -> EntriesOut:
    """Leaf inputs ``start..end`` (0-based, inclusive), at most 1,000 a page: ask again from where
    it stopped."""
    ctx = ledger_context(request)
    last = start + proofs.MAX_ENTRIES - 1 if end is None else end
    try:
        page = proofs.entries(ctx.store, start, last)
    except _FAILURES as exc:
        raise _answer_errors(exc) from exc
    return EntriesOut(start=start, end=page[-1].leaf_index if page else start - 1,
                      entries=[EntryOut(leaf_index=e.leaf_index, event_id=e.event_id,
                                        leaf_input=e.leaf_input.hex()) for e in page])
