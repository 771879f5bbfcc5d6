"""A one-line progress indicator on stderr for long runs. It is shown only when stderr is a
terminal (never in CI logs, pipes or files) and can be turned off with --quiet."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`Progress()(message)` replaces the current status line; `done()` clears it."""

    def __init__(self, *, enabled: bool | None = None, stream: TextIO | None = None, delay: float = 0.5) -> None:
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty() if enabled is None else enabled
        self._start = time.monotonic()
        self._delay = delay  # short runs never flash a status line
        self._shown = False

    def __call__(self, message: str) -> None:
        if not self._enabled:
            return
        elapsed = time.monotonic() - self._start
        if elapsed < self._delay:
            return
        self._stream.write(f"\r\x1b[2K npaudit: {message} ({elapsed:.1f}s)")
        self._stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._shown = False
