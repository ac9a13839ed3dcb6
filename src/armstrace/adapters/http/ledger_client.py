"""A client of a server's ledger proofs (``/v1/ledger``), over httpx.

It parses what the server says into domain values and checks nothing: checking
is ``services.remote_verifying`` and ``domain``'s job, so that a server can never
vouch for itself. Failures come back as three kinds a caller can tell apart: the
server could not be reached, it refused the token, or it answered with an error.

``verify_offline`` (from ``domain.tree_heads``) checks a saved head, an inclusion
proof and a leaf input with no server at all; it is re-exported here for clients.
"""

from __future__ import annotations

from typing import Any

import httpx

from armstrace.domain.tree_heads import InclusionProof, SignedTreeHead, verify_offline

__all__ = ["LedgerClient", "RemoteError", "RemoteRefused", "RemoteUnavailable", "UnknownRemoteEvent",
           "verify_offline"]


class RemoteUnavailable(Exception):
    """The server could not be reached (bad URL, refused connection, timeout)."""


class RemoteRefused(Exception):
    """The server refused the request's credentials (401 or 403)."""


class RemoteError(Exception):
    """The server answered with an error or with something that is not a valid answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnknownRemoteEvent(RemoteError):
    """The server says no such event is on its ledger (404)."""


def _hashes(values: Any, name: str) -> list[bytes]:
    if not isinstance(values, list):
        raise RemoteError(f"{name} is not a list")
    try:
        return [bytes.fromhex(str(v)) for v in values]
    except ValueError as exc:
        raise RemoteError(f"{name} holds a value that is not hex") from exc


class LedgerClient:
    # Generous: the first tree head after a large import extends the server's node cache
    # (seconds per million events new to it) before it answers.
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise RemoteUnavailable(f"{base_url}: not an http:// or https:// URL")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                  transport=transport)

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._http.get(f"/v1/ledger/{path}", params=params)
        except httpx.InvalidURL as exc:
            raise RemoteUnavailable(f"{self.base_url}: not a usable URL ({exc})") from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise RemoteUnavailable(f"cannot reach {self.base_url}: {reason}") from exc
        detail = _detail(response)
        if response.status_code in (401, 403):
            raise RemoteRefused(f"{self.base_url} refused the request ({response.status_code}): {detail}")
        if response.status_code == 404 and path == "proofs/inclusion":
            raise UnknownRemoteEvent(detail, 404)
        if response.status_code != 200:
            raise RemoteError(f"GET /v1/ledger/{path} answered {response.status_code}: {detail}",
                              response.status_code)
        try:
            body = response.json()
        except ValueError as exc:
            raise RemoteError(f"GET /v1/ledger/{path} did not answer JSON") from exc
        if not isinstance(body, dict):
            raise RemoteError(f"GET /v1/ledger/{path} did not answer a JSON object")
        return body

    def tree_head(self) -> SignedTreeHead:
        body = self._get("tree-head")
        try:
            return SignedTreeHead.from_json(body)
        except ValueError as exc:
            raise RemoteError(f"the server's tree head is malformed: {exc}") from exc

    def inclusion(self, event_id: str, tree_size: int) -> tuple[InclusionProof, bytes]:
        """The proof and the leaf input the server gives for ``event_id`` in the tree of ``tree_size``."""
        body = self._get("proofs/inclusion", {"event_id": event_id, "tree_size": tree_size})
        try:
            proof = InclusionProof(int(body["leaf_index"]), int(body["tree_size"]),
                                   tuple(_hashes(body["audit_path"], "audit_path")), str(body["event_id"]))
            leaf_input = bytes.fromhex(str(body["leaf_input"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteError(f"the inclusion proof for {event_id} is malformed: {exc}") from exc
        return proof, leaf_input

    def consistency(self, first: int, second: int) -> list[bytes]:
        body = self._get("proofs/consistency", {"first": first, "second": second})
        if body.get("first") != first or body.get("second") != second:
            raise RemoteError(f"asked for the consistency proof {first} -> {second}, got "
                              f"{body.get('first')} -> {body.get('second')}")
        return _hashes(body.get("proof"), "proof")

    def entries(self, start: int, end: int) -> list[tuple[int, str, bytes]]:
        """(leaf index, event id, leaf input) for ``start..end`` inclusive; may stop early."""
        body = self._get("entries", {"start": start, "end": end})
        try:
            return [(int(e["leaf_index"]), str(e["event_id"]), bytes.fromhex(str(e["leaf_input"])))
                    for e in body["entries"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteError(f"the entries from {start} are malformed: {exc}") from exc


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:200]
