"""What every command shares: warnings shown on one line.

>>> with warnings_on_one_line("map"):
...     pass
"""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager


@contextmanager
def warnings_on_one_line(command: str):
    """Show each warning as one line on stderr, ``geoplan map: warning: ...``, not Python's two.

    >>> with warnings_on_one_line("map"):
    ...     warnings.warn("r.gpkg: has no layer about; going on without it")  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_: print(f"geoplan {command}: warning: {message}", file=sys.stderr)
        yield
