"""One writer per output file: a lock file beside the target, held with ``flock``.

Before writing ``OUT``, a process takes an exclusive, non-blocking
``fcntl.flock`` on ``.OUT.lock`` in the same folder. A second process that
wants to write the same ``OUT`` meanwhile is refused at once with a line
naming the file and the process holding it: two runs never race to rename
their results over each other. The kernel drops the lock when the process
ends, however it ends (even by SIGKILL), so a lock is never stale: the next
run takes it, and the lock file itself is removed by whoever releases it.

Inside one process a claim is re-entrant: the command line claims ``-o``
before the work (so a second run is refused before it spends minutes), and
the atomic write claims it again (see :mod:`geoplan.io.atomic`).

A file system without ``flock`` (some network mounts), or a system without it, writes without a lock.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.gpkg"
>>> with claimed(target):
...     lock_path(target).exists()
True
>>> lock_path(target).exists()
False
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

try:
    import fcntl
except ImportError:  # not a POSIX system: outputs are written without a lock
    fcntl = None

_held: dict[Path, list] = {}  # resolved target -> [file descriptor, number of claims]
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


def lock_path(target: str | Path) -> Path:
    """The lock file of ``target``: hidden, beside it.

    >>> lock_path("maps/out.html").as_posix()
    'maps/.out.html.lock'
    """
    target = Path(target)
    return target.with_name(f".{target.name}.lock")


def _key(target: str | Path) -> Path:
    target = Path(target)
    return target.parent.resolve() / target.name


def claim(target: str | Path) -> None:
    """Take the lock of ``target`` (again, when this process holds it already).

    Raises InputError ``output.busy`` naming the file and the other process.

    >>> claim("out.gpkg"); release("out.gpkg")  # doctest: +SKIP
    """
    key = _key(target)
    if key in _held:
        _held[key][1] += 1
        return
    _held[key] = [_lock(key), 1]


def release(target: str | Path) -> None:
    """Give one claim back; the last one removes the lock file and drops the lock.

    >>> release("never-claimed.gpkg")  # nothing to give back
    """
    key = _key(target)
    held = _held.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] > 0:
        return
    del _held[key]
    if held[0] is None:
        return
    try:  # removed while still held: whoever opened it meanwhile sees it gone and makes a new one
        os.unlink(lock_path(key))
    except OSError:
        pass
    os.close(held[0])


def release_all() -> None:
    """Give back every claim of this process (the command line does at its end).

    >>> release_all()
    """
    for key in list(_held):
        _held[key][1] = 1
        release(key)


@contextmanager
def claimed(target: str | Path):
    """Hold the lock of ``target`` inside a ``with`` block (see :func:`claim`).

    >>> with claimed("out.gpkg"):  # doctest: +SKIP
    ...     pass
    """
    claim(target)
    try:
        yield
    finally:
        release(target)


def _lock(key: Path) -> int | None:
    """A descriptor of the locked lock file of ``key``; None where the file system has no locks."""
    if fcntl is None:
        return None
    path = lock_path(key)
    for _ in range(100):  # the file may be removed by its last holder between open and flock
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise InputError("output.busy", path=str(key), pid=holder) from None
        except OSError as error:
            os.close(fd)
            if error.errno in _NO_LOCKS:
                return None
            raise
        if _same_file(fd, path):
            _say_holder(fd)
            return fd
        os.close(fd)
    raise InputError("output.busy", path=str(key), pid="?")


def _say_holder(fd: int) -> None:
    """Write this process's id in the lock file, for the line of a refused run (a full disk
    leaves it empty: the lock holds all the same)."""
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
    except OSError:
        pass


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path`` (not one its holder removed meanwhile)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False
