"""The armstrace server: ``create_app(settings)`` builds one FastAPI application.

One bootstrap (``ServerContext``: the store, the server store, the caches), the
app-wide authorisation dependency, the audit middleware, and the routers. The
ledger's proof routes live in ``ledger_routes`` and are mounted here when that
module is present. ``app_from_env`` is the factory ``uvicorn --factory`` calls in
each worker process (``armstrace serve --workers N``): settings come from the
environment there, since a worker cannot be handed Python objects.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from armstrace import __version__
from armstrace.adapters.signing import load_or_create_signer
from armstrace.entrypoints.api import (
    custody_routes,
    import_routes,
    report_routes,
    risk_routes,
    trace_routes,
)
from armstrace.entrypoints.api.context import ServerContext, ServerSettings
from armstrace.entrypoints.api.security import AuditMiddleware, authorise

DESCRIPTION = """A shared, tamper-evident custody record for licensed firearms, joined to recovered
weapons. Every call but `/v1/health` needs an API token (`Authorization: Bearer <token>`), scoped to
an organisation whose role decides what it may call and see (docs/server.md has the role matrix).
Every call is recorded in a hash-chained audit log."""


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    app = FastAPI(title="armstrace", version=__version__, description=DESCRIPTION,
                  dependencies=[Depends(authorise)])
    app.state.ctx = ServerContext(settings)
    for module in (report_routes, custody_routes, trace_routes, import_routes, risk_routes):
        app.include_router(module.router)
    ledger = _mount_optional(app, "armstrace.entrypoints.api.ledger_routes")
    if ledger is not None and settings.signing_key is not None:
        signer = load_or_create_signer(settings.signing_key)
        app.state.ledger = ledger.LedgerContext(app.state.ctx.store, signer)
    app.add_middleware(AuditMiddleware)

    @app.exception_handler(OperationalError)
    def _store_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        # A locked or unreachable store is a temporary condition, not a bug: say so.
        return JSONResponse({"detail": f"store unavailable: {str(exc.orig).splitlines()[0]}"},
                            status_code=503, headers={"Retry-After": "1"})

    return app


def _mount_optional(app: FastAPI, module_name: str) -> Any:
    """Include ``module.router`` if the module exists (routers built in parallel with this one);
    the module, or None."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    app.include_router(module.router)
    return module


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: the store from ``ARMSTRACE_DB``."""
    return create_app(ServerSettings(db=os.environ.get("ARMSTRACE_DB"),
                                     max_upload_mb=int(os.environ.get("ARMSTRACE_MAX_UPLOAD_MB", "512"))))
