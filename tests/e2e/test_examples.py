"""The docs' example output is refreshed by running the commands again."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES
from typer.testing import CliRunner

from armstrace.entrypoints.cli.examples import refresh
from armstrace.entrypoints.cli.main import app

DOC = """# Example

```
$ armstrace verify
Ledger intact: 99 custody events, hash chain and 9 checkpoint(s) verified in 0.42 s.
(old output)
```

Prose stays as it was.

```
$ not armstrace
left alone
```
"""


def test_blocks_are_rerun_and_the_rest_is_kept(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = CliRunner().invoke(app, ["import", str(FIXTURES / "michoacan"), "--db", db, "-q",
                                      "--rejects", str(tmp_path / "rejects.csv")])
    assert result.exit_code == 0, result.output
    new = refresh(DOC, db, "sqlite:///demo/armstrace.db")
    assert "(old output)" not in new
    assert "Ledger intact: 14 custody events" in new  # the fixture's count, not the old 99
    assert "Prose stays as it was." in new and "$ not armstrace\nleft alone" in new
    assert str(tmp_path) not in new
