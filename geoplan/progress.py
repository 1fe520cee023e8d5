"""Progress lines on stderr for long work; silent when quiet.

>>> with Progress(quiet=True) as say:
...     say("reading")
"""

from __future__ import annotations

import sys
import time


class Progress:
    """Callable that prints ``[  1.2s] step`` lines to stderr."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f}s] {message}", file=self.stream, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
