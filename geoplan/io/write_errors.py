"""Why a write failed, said in one line naming the file: disk full, quota, read-only, too large.

The writers (OGR through pyogrio, pandas, openpyxl, plain Python) fail in
their own words (``DataLayerError: sqlite3_exec(COMMIT) failed: database or
disk is full``); the user needs the file and the reason.

>>> import errno
>>> from geoplan.i18n import using
>>> with using("en"):
...     str(write_error(OSError(errno.ENOSPC, "No space left on device"), "out.gpkg"))
'out.gpkg: cannot write: the disk is full (the file was not written; an older file of that name is unchanged)'
>>> write_error(ValueError("a bug"), "out.gpkg") is None
True
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..errors import InputError
from ..i18n import Message

REASONS = {  # errno -> message identifier of the reason (the command line's failures use them too)
    errno.ENOSPC: "env.disk_full", errno.EDQUOT: "env.quota", errno.EROFS: "env.read_only", errno.EACCES: "env.denied",
    errno.EPERM: "env.denied", errno.ENAMETOOLONG: "env.name_too_long", errno.ENOENT: "env.not_found",
    errno.EISDIR: "env.is_folder", errno.ENOTDIR: "env.not_folder", errno.EMFILE: "env.too_many_files",
    errno.ENFILE: "env.too_many_files", errno.ENOMEM: "env.out_of_memory", errno.EIO: "env.io_error",
    errno.ELOOP: "env.link_loop", errno.EFBIG: "env.too_large",
}
FULL_WORDS = ("disk is full", "no space left", "disk full")  # what SQLite and GDAL say of a full disk


def write_error(error: BaseException, target: str | Path) -> InputError | None:
    """The InputError to raise for ``error`` met while writing ``target``; None when it is
    not a failure to write (a programming error stays what it is).

    >>> write_error(OSError(30, "Read-only file system"), "out.csv").message.values["reason"].id
    'env.read_only'
    """
    import pyogrio.errors

    target = Path(target)
    if isinstance(error, OSError) and error.errno in REASONS:
        return _cannot_write(target, Message(REASONS[error.errno]))
    if isinstance(error, (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                          pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.FeatureError)):
        text = " ".join(str(error).split())
        if any(words in text.lower() for words in FULL_WORDS) or _full(target.parent):
            return _cannot_write(target, Message("env.disk_full"))
        return _cannot_write(target, getattr(error, "strerror", None) or text or type(error).__name__)
    return None


def _cannot_write(target: Path, reason) -> InputError:
    return InputError("output.cannot_write", path=str(target), reason=reason)


def _full(folder: Path) -> bool:
    """Whether the file system of ``folder`` has no room left for a user."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024
