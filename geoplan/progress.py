"""Progress lines on stderr for long work; silent when quiet.

>>> say = Progress(quiet=True)
>>> say("reading old.gpkg")
"""

from __future__ import annotations

import sys
import time


class Progress:
    """Callable that prints ``[  1.2s] step`` lines to stderr (or ``stream``), nothing when ``quiet``.

    >>> import io
    >>> stream = io.StringIO()
    >>> Progress(stream=stream)("writing maps/result.html")
    >>> stream.getvalue().split("] ")[1]
    'writing maps/result.html\\n'
    """

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f}s] {message}", file=self.stream, flush=True)
