"""Column mappings: how a real export's file names and headers map onto format v1.

The contract format stays fixed; a mapping adapts what agencies actually send
(Spanish headers, other names). The packaged Spanish mapping is always active; a
user's own TOML file, of the same shape, extends and overrides it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from armstrace.domain.contract import SCHEMA_BY_NAME


class MappingError(ValueError):
    """A mapping file that cannot be used, with the reason."""


def header_key(text: str) -> str:
    """How headers are compared: no case, accents, spaces, dots, dashes or underscores."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff").lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s._\-/°º#]+", "", plain)


@dataclass
class ColumnMapping:
    """File-name aliases and header aliases for each contract file."""

    files: dict[str, str] = field(default_factory=dict)  # header_key(file stem) -> contract file
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> key -> column

    def merge(self, data: dict[str, object], source: str) -> None:
        for file_name, section in data.items():
            if file_name not in SCHEMA_BY_NAME:
                raise MappingError(f"{source}: unknown contract file [{file_name}]; "
                                   f"expected one of {', '.join(SCHEMA_BY_NAME)}")
            if not isinstance(section, dict):
                raise MappingError(f"{source}: [{file_name}] must be a table")
            known = SCHEMA_BY_NAME[file_name].column_names
            for alias in section.get("files", []):
                self.files[header_key(str(alias))] = file_name
            columns = section.get("columns", {})
            if not isinstance(columns, dict):
                raise MappingError(f"{source}: [{file_name}.columns] must be a table")
            target = self.headers.setdefault(file_name, {})
            for header, column in columns.items():
                if column not in known:
                    raise MappingError(f"{source}: [{file_name}.columns] maps {header!r} to "
                                       f"unknown column {column!r}")
                target[header_key(header)] = column

    def contract_file(self, stem: str) -> str | None:
        """Which contract file a file stem names, if any."""
        if stem in SCHEMA_BY_NAME:
            return stem
        return self.files.get(header_key(stem))

    def rename(self, file_name: str, headers: Iterable[str]) -> list[str]:
        """Contract column names for a file's headers; unknown headers are kept as they are."""
        known = {header_key(c): c for c in SCHEMA_BY_NAME[file_name].column_names}
        aliases = self.headers.get(file_name, {})
        renamed = []
        for header in headers:
            key = header_key(header)
            renamed.append(known.get(key) or aliases.get(key) or header.strip().lstrip("\ufeff"))
        return renamed


def load_mapping(extra: Path | None = None) -> ColumnMapping:
    mapping = ColumnMapping()
    packaged = resources.files("armstrace.data") / "mappings" / "es.toml"
    mapping.merge(tomllib.loads(packaged.read_text(encoding="utf-8")), "packaged es.toml")
    if extra is not None:
        try:
            data = tomllib.loads(extra.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MappingError(f"mapping file not found: {extra}") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"{extra}: not valid TOML: {exc}") from None
        mapping.merge(data, str(extra))
    return mapping
