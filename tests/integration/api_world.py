"""A server on the Michoacán fixture with one organisation (and token) per role.

State of the fixture's four rifles after import: I-1 held by the State Government
of Michoacán (received); I-2 stolen from the state police; I-3 transferred to the
state government (not yet assigned); I-4 shipped to SEDENA, receipt not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from armstrace.adapters.db.server_store import ServerStore
from armstrace.adapters.io.mappings import load_mapping
from armstrace.domain.access import Role
from armstrace.entrypoints.api.app import create_app
from armstrace.entrypoints.api.context import ServerSettings
from armstrace.services.access import add_org, create_token
from armstrace.services.importing import Importer
from armstrace.services.ports import SystemClock

FIXTURE = Path(__file__).parents[1] / "fixtures" / "michoacan"

# Who each role's organisation is in the world: (name, state, parties it acts for).
ORGS: dict[Role, tuple[str, str | None, tuple[str, ...]]] = {
    Role.EXPORTING_AUTHORITY: ("DDTC", None, ("P-BUSH",)),
    Role.IMPORTING_AUTHORITY: ("SEDENA", None, ("P-SEDENA",)),
    Role.STATE_AUTHORITY: ("Michoacan", "MX-MIC", ()),
    Role.LAW_ENFORCEMENT: ("PGR", None, ()),
    Role.ANALYST: ("University", None, ()),
    Role.PUBLIC: ("Public", None, ()),
}


@dataclass
class ApiWorld:
    client: TestClient
    tokens: dict[Role | str, str]
    server: ServerStore

    def headers(self, who: Role | str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build(store_url: str, tmp_path: Path, *, extra_orgs: bool = True) -> ApiWorld:
    """Import the fixture, register the organisations, return a client and their tokens."""
    app = create_app(ServerSettings(db=store_url, upload_dir=tmp_path, signing_key=tmp_path / "key.pem"))
    ctx = app.state.ctx
    clock = SystemClock()
    Importer(ctx.store, clock, load_mapping()).run(FIXTURE, tmp_path / "rejects.csv")
    tokens: dict[Role | str, str] = {}
    for role, (name, state, parties) in ORGS.items():
        add_org(ctx.server, ctx.store, clock, name, role.value, state, parties)
        tokens[role] = create_token(ctx.server, clock, name)[1]
    if extra_orgs:
        add_org(ctx.server, ctx.store, clock, "Jalisco", "state_authority", "MX-JAL")
        tokens["jalisco"] = create_token(ctx.server, clock, "Jalisco")[1]
    return ApiWorld(TestClient(app), tokens, ctx.server)
