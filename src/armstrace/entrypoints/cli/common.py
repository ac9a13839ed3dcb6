"""What every command shares: the consoles, the store and quiet options, and how
user mistakes end (one clear line, exit status 2, never a traceback)."""

from __future__ import annotations

from types import TracebackType
from typing import Annotated, Literal, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError

from armstrace.adapters.db.engine import StoreUrlError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[str | None, typer.Option(
    "--db", help="Store URL (sqlite:///file.db or postgresql://...). Default: $ARMSTRACE_DB, "
    "else armstrace.db in the working directory.", show_default=False)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


class user_errors:
    """Turn the errors a user can cause into one clear line and exit status 2.

    ``expected`` adds exception types a command knows to be user mistakes (a
    bad mapping file, an empty folder); their message is the line shown.
    """

    def __init__(self, *expected: type[Exception]) -> None:
        self.expected: tuple[type[Exception], ...] = (StoreUrlError, *expected)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 _tb: TracebackType | None) -> Literal[False]:
        if exc is None:
            return False
        if isinstance(exc, self.expected):
            fail(str(exc))
        if isinstance(exc, OperationalError):
            fail(f"cannot use the store: {str(exc.orig).strip().splitlines()[0]}")
        if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError):
            fail(f"{exc.filename}: {exc.strerror}")
        return False
