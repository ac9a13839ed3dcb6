"""Schemathesis against the OpenAPI document: generated requests never get a server error.

Every operation in /openapi.json is driven with requests generated from its own
schema (valid and boundary values), authenticated as the exporting authority,
the role that may call every endpoint, on both backends. Any 5xx fails. Example
counts are kept small so the suite stays within its time budget; the operations
that rewrite the store (trace runs, imports) get fewer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.integration.api_world import build

from armstrace.domain.access import Role

EXAMPLES = 25
HEAVY = {"POST /v1/traces/runs": 3, "POST /v1/imports": 10}


def test_no_server_errors_on_generated_requests(store_url: str, tmp_path: Path) -> None:
    world = build(store_url, tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    headers = world.headers(Role.EXPORTING_AUTHORITY)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        _exercise(operation, f"{operation.method.upper()} {operation.path}", headers, failures)
    assert operations >= 12
    assert not failures, "\n".join(failures[:20])


def _exercise(operation: Any, label: str, headers: dict[str, str], failures: list[str]) -> None:
    @settings(max_examples=HEAVY.get(label, EXAMPLES), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} for {case.path_parameters} "
                            f"{case.query} {str(case.body)[:200]}: {response.text[:300]}")

    run()
