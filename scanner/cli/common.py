"""Options, output and error handling shared by the commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes (documented in `npaudit --help` and docs/commands.md).
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


def use_color(no_color: bool, output: str | None) -> bool:
    """Colour only for a terminal, never with --no-color, NO_COLOR (any value) or -o FILE."""
    if no_color or "NO_COLOR" in os.environ or output not in (None, "-"):
        return False
    return sys.stdout.isatty()


def write_output(text: str, output: str | None) -> None:
    """Write to stdout or to a file (`-o`); logs never go to the same stream as a report."""
    if output in (None, "-"):
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror}") from exc


def fail_usage(message: str) -> None:
    click.echo(f"npaudit: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def guarded(fn: F) -> F:
    """Turn expected user errors into exit 2 with a message, and an unexpected exception into
    exit 2 with a short bug report line (no traceback unless NPAUDIT_DEBUG is set)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from npaudit.errors import UserError

        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except UserError as exc:
            fail_usage(str(exc))
        except KeyboardInterrupt:
            click.echo("npaudit: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place internal errors are reported
            if os.environ.get("NPAUDIT_DEBUG"):
                raise
            fail_usage(f"internal error: {type(exc).__name__}: {exc} (set NPAUDIT_DEBUG=1 for a traceback; please report it)")
        return None

    return wrapper  # type: ignore[return-value]


def read_stdin_if_needed(paths: tuple[str, ...]) -> str | None:
    if "-" not in paths:
        return None
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.UsageError(f"standard input is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
