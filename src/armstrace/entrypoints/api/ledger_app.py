"""A proof server on its own: the ledger routes over one store, with no organisations.

For a single agency that publishes its ledger's proofs (and for tests that need a
real server): ``create_ledger_app(store, signer)``, or under uvicorn
``uvicorn --factory armstrace.entrypoints.api.ledger_app:ledger_app_from_env``
with the store from ``ARMSTRACE_DB`` and the key from ``ARMSTRACE_SIGNING_KEY``.
If ``token`` (``ARMSTRACE_LEDGER_TOKEN``) is set, every call must carry it as a
bearer token. The full server (``armstrace serve``) mounts the same router behind
its roles and audit log.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request

from armstrace import __version__
from armstrace.adapters.db.store import SqlStore
from armstrace.adapters.signing import load_or_create_signer
from armstrace.bootstrap import open_store
from armstrace.entrypoints.api.ledger_routes import LedgerContext, router
from armstrace.services.proofs import Signer, ensure_cache


def create_ledger_app(store: SqlStore, signer: Signer, token: str | None = None) -> FastAPI:
    def require_token(request: Request) -> None:
        if token is None:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise HTTPException(401, "a valid API token is required (Authorization: Bearer <token>)",
                                headers={"WWW-Authenticate": "Bearer"})

    @asynccontextmanager
    async def warm_cache(_app: FastAPI) -> AsyncIterator[None]:
        # Extend the Merkle node cache in the background at start, so the first request
        # after a large import does not wait for it (a failure here only means a cold cache).
        threading.Thread(target=_warm, args=(store,), name="merkle-cache", daemon=True).start()
        yield

    app = FastAPI(title="armstrace ledger proofs", version=__version__, lifespan=warm_cache,
                  description="Signed tree heads, inclusion and consistency proofs of the custody ledger "
                  "(RFC 9162 Merkle tree, Ed25519 signatures). See docs/proofs.md.",
                  dependencies=[Depends(require_token)])
    app.state.ledger = LedgerContext(store, signer)
    app.include_router(router)
    return app


def _warm(store: SqlStore) -> None:
    with contextlib.suppress(Exception):
        ensure_cache(store)


def ledger_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: ``ARMSTRACE_DB``, ``ARMSTRACE_SIGNING_KEY``,
    ``ARMSTRACE_LEDGER_TOKEN``."""
    return create_ledger_app(open_store(None), load_or_create_signer(),
                             os.environ.get("ARMSTRACE_LEDGER_TOKEN") or None)
