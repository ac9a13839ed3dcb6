"""The server's Ed25519 signing key: where it lives, how it is created, who may read it.

The key file is found by, in order: an explicit path, ``$ARMSTRACE_SIGNING_KEY``,
else ``$XDG_CONFIG_HOME/armstrace/signing-key.pem`` (``~/.config/armstrace/``).
It is deliberately not kept beside the database: whoever can rewrite the ledger
should not also hold the key that vouches for it, and a copied database file must
not carry its signing key along.

On first use the key is created as unencrypted PKCS#8 PEM with mode 0600 in a
folder of mode 0700, written whole and then linked into place, so two processes
starting at once end up with one key. A key file that group or others can read is refused, as ssh does.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from armstrace.domain.tree_heads import key_id, public_key_pem

ENV_SIGNING_KEY = "ARMSTRACE_SIGNING_KEY"
KEY_FILE_NAME = "signing-key.pem"


class KeyFileError(Exception):
    """A key file that cannot be used; the message says why and what to do."""


def default_key_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_SIGNING_KEY)
    if env:
        return Path(env).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "armstrace" / KEY_FILE_NAME


@dataclass(frozen=True)
class Ed25519Signer:
    """Signs tree heads. ``public_key`` is the raw 32-byte key; ``key_id`` its SHA-256 in hex."""

    private_key: Ed25519PrivateKey
    path: Path | None = None
    created: bool = False

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def public_pem(self) -> str:
        return public_key_pem(self.public_key)


def load_or_create_signer(path: str | os.PathLike[str] | None = None) -> Ed25519Signer:
    """The signer whose key is at ``path`` (see the module docstring), created if absent."""
    key_path = default_key_path(path)
    created = False
    if not key_path.exists():
        _create(key_path)
        created = True
    mode = stat.S_IMODE(key_path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"{key_path}: signing key is readable by others (mode {mode:o}); "
                           f"run: chmod 600 {key_path}")
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{key_path}: not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{key_path}: the private key is not an Ed25519 key")
    return Ed25519Signer(key, key_path, created)


def _create(key_path: Path) -> None:
    folder = key_path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Written whole to a private temporary file, then linked into place: the link
    # fails if the key exists, so a second process never sees half a key.
    temporary = folder / f".{key_path.name}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(temporary, key_path)
    finally:
        temporary.unlink(missing_ok=True)
