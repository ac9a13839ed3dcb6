"""One rule for the shared docs/accuracy.md: each benchmark owns one section.

A section runs from its heading to its end mark; a benchmark replaces its own section
(or appends it when absent) and leaves everything other benchmarks wrote as it was.
"""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, text: str, heading: str, end_mark: str) -> None:
    """Write ``text`` (starting with ``heading``) as the section ending at ``end_mark``."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Accuracy\n"
    block = text.rstrip("\n") + "\n\n" + end_mark + "\n"
    start, end = old.find(heading), old.find(end_mark)
    if start >= 0 and end > start:
        rest = old[end + len(end_mark):].lstrip("\n")
        new = old[:start] + block + ("\n" + rest if rest else "")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")
