"""Why a write failed, said in one line naming the file: disk full, quota, read-only, too large.

The writers (OGR through pyogrio, pandas, openpyxl, plain Python) fail in
their own words (``DataLayerError: sqlite3_exec(COMMIT) failed: database or
disk is full``); the user needs the file and the reason.

>>> import errno
>>> write_error(OSError(errno.ENOSPC, "No space left on device"), "out.gpkg").message.id
'output.disk_full'
>>> write_error(ValueError("a bug"), "out.gpkg") is None
True
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..errors import InputError

REASONS = {  # errno -> message identifier
    errno.ENOSPC: "output.disk_full", errno.EDQUOT: "output.quota", errno.EROFS: "output.read_only",
    errno.EACCES: "output.denied", errno.EPERM: "output.denied", errno.EFBIG: "output.too_large",
}
FULL_WORDS = ("disk is full", "no space left", "disk full")  # what SQLite and GDAL say of a full disk


def write_error(error: BaseException, target: str | Path) -> InputError | None:
    """The InputError to raise for ``error`` met while writing ``target``; None when it is
    not a failure to write (a programming error stays what it is).

    >>> write_error(OSError(30, "Read-only file system"), "out.csv").message.id
    'output.read_only'
    """
    import pyogrio.errors

    target = Path(target)
    if isinstance(error, OSError) and error.errno in REASONS:
        return InputError(REASONS[error.errno], path=str(target))
    if isinstance(error, (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                          pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.FeatureError)):
        text = " ".join(str(error).split())
        if any(words in text.lower() for words in FULL_WORDS) or _full(target.parent):
            return InputError("output.disk_full", path=str(target))
        reason = getattr(error, "strerror", None) or text or type(error).__name__
        return InputError("output.cannot_write", path=str(target), reason=reason)
    return None


def _full(folder: Path) -> bool:
    """Whether the file system of ``folder`` has no room left for a user."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024
