"""Write results atomically: a temporary file beside the target, then one rename.

Crash safety, in four rules:

1. Nothing half-written ever takes the output's name: the writer fills
   ``.OUT.partial<suffix>`` in the target's folder, the file is flushed to
   disk, and only then renamed over ``OUT`` (``os.replace``, atomic on one
   file system). Until then an existing ``OUT`` is untouched.
2. One writer per output: the write holds the lock of ``OUT``
   (:mod:`geoplan.io.lock`); a second process is refused with one line.
3. Leftovers cannot pile up: the temporary name is fixed per target, and
   under the lock the next run writing to the same place removes what a
   killed run left (``.OUT.partial*`` with SQLite's ``-journal``, ``-wal``,
   ``-shm``, and the random names older versions used; the folders of
   :func:`atomic_folder`) as soon as it holds the lock: the command line at
   its start, :func:`atomic_path` and :func:`atomic_folder` before they write. The lock file itself is removed by whoever releases it last.
4. A failure to write (disk full, quota, read-only folder) is an
   InputError naming the file; the temporary file is removed and the old
   ``OUT`` kept. Interrupts are held back during the rename itself, so a run
   knows for sure whether its output was written (:func:`committed`).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "report.csv"
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("code\\n1\\n")
>>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
('code\\n1\\n', ['report.csv'])
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.geometry import as_multi
from ..errors import GeoplanError, InputError
from ..i18n import Message
from ..i18n.catalogue import catalogue
from .arrow_stream import streamed
from .lock import claimed, lock_path
from .signals import held_back
from .write_errors import write_error

PARTIAL = ".partial"  # .OUT.partial<suffix>: the one temporary name of OUT
SQLITE_SIDECARS = ("-journal", "-wal", "-shm")
_committed: list[Path] = []


def check_target(target: str | Path, suffix: str | None = None, what=None) -> Path:
    """Refuse an output path that is a folder, or (with ``suffix``) that does not
    end in it, or whose folder is missing, a file, or cannot be written in,
    before any work is done; ``what`` (a Message, or its identifier) says what the file is.

    >>> check_target("/no/such/folder/out.gpkg")
    Traceback (most recent call last):
    geoplan.errors.InputError: /no/such/folder/out.gpkg: output folder /no/such/folder does not exist
    """
    target = Path(target)
    if target.is_dir():
        raise InputError("output.is_folder", path=str(target))
    if suffix and target.suffix.lower() != suffix:
        raise InputError("output.suffix", path=str(target), suffix=suffix, what=_what(what))
    parent = target.parent
    if not parent.is_dir():
        raise InputError("output.folder_is_file" if parent.exists() else "output.no_folder", path=str(target),
                         folder=str(parent))
    reason = _cannot_write(target)
    if reason is not None:
        raise InputError("output.not_writable", path=str(target), folder=str(parent), reason=reason)
    return target


def _what(what):
    """What the file is, as a message: a Message, an identifier (``result.what_gpkg``), or a text written out."""
    if not what or isinstance(what, Message):
        return what or ""
    return Message(what) if what in catalogue("en") else Message("text", text=what)


def _cannot_write(target: Path):
    """Why no file can be made beside ``target`` (None when one can): a file is made and removed,
    the only test that holds on every file system (read-only mounts, /proc, root's rights)."""
    probe = partial_path(target, ".probe")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another run probes the same place right now: it could make it
        return None
    except OSError as error:
        return Message("output.read_only_reason") if error.errno == errno.EROFS else (error.strerror or str(error))
    _remove(probe)
    return None


def partial_path(target: str | Path, suffix: str | None = None) -> Path:
    """The temporary file a write of ``target`` fills before the rename.

    >>> partial_path("maps/out.html").as_posix()
    'maps/.out.html.partial.html'
    """
    target = Path(target)
    return target.with_name(f".{target.name}{PARTIAL}{suffix or target.suffix}")


def leftovers(target: str | Path) -> list[Path]:
    """Files a killed write of ``target`` may have left beside it: its temporary file and
    SQLite's companions, and the random names of earlier versions (``.OUT.<8 characters><suffix>``).
    The lock file is not listed: it is removed by its holder.

    >>> leftovers("/no/such/folder/out.gpkg")
    []
    """
    target = Path(target)
    if not target.parent.is_dir():
        return []
    stem = re.escape(f".{target.name}")
    pattern = re.compile(stem + r"(" + re.escape(PARTIAL) + r".*|\.[a-z0-9_]{8}" + re.escape(target.suffix)
                         + r"(-journal|-wal|-shm)?)")
    return sorted(p for p in target.parent.iterdir() if pattern.fullmatch(p.name) and not p.is_dir())


def remove_leftovers(target: str | Path) -> None:
    """Remove what killed writes of ``target`` left beside it: the files of :func:`leftovers`, and
    the folders of :func:`atomic_folder` (``.OUT.<8 characters>`` being written, and
    ``.OUT.old.<8 characters>/OUT``, the previous output moved aside, put back first when a run
    was killed between moving it and renaming the new one). Call it holding the lock of
    ``target`` (:func:`geoplan.io.lock.claim`), so that no live write loses its file.

    >>> remove_leftovers("/no/such/folder/out.gpkg")
    """
    for path in leftovers(target):
        _remove(path)
    target = Path(target)
    if not target.parent.is_dir():
        return
    written = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}")
    aside = re.compile(re.escape(f".{target.name}.old.") + r"[a-z0-9_]{8}")
    for folder in sorted(p for p in target.parent.iterdir() if p.is_dir()):
        previous = folder / target.name
        if aside.fullmatch(folder.name) and previous.exists():
            if not target.exists():
                os.replace(previous, target)
            shutil.rmtree(folder, ignore_errors=True)
        elif written.fullmatch(folder.name):
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def atomic_folder(target: str | Path):
    """Yield a new folder beside ``target`` (``.OUT.<8 characters>``); put it in place of
    ``target`` on success (a file or folder there goes: a folder is moved aside first, into
    ``.OUT.old.<8 characters>``); the folder never stays. The write holds the lock of ``target``
    and first removes what killed writes left (:func:`remove_leftovers`).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "parts.parquet"
    >>> with atomic_folder(target) as folder:
    ...     _ = (folder / "part.0.parquet").write_bytes(b"")
    >>> sorted(p.name for p in target.iterdir()), sorted(p.name for p in target.parent.iterdir())
    (['part.0.parquet'], ['parts.parquet'])
    """
    target = Path(target)
    with claimed(target):
        remove_leftovers(target)
        folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            yield folder
            if target.is_dir():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
                os.replace(target, old / target.name)
                os.replace(folder, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(folder, target)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def atomic_path(target: str | Path, suffix: str | None = None):
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The write holds the lock of ``target`` and first removes what a killed
    write left (see the module's rules). OSError and the write errors of
    OGR become InputError naming ``target``; the temporary file never stays.

    >>> with atomic_path("report.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    target = check_target(target)
    with claimed(target):
        remove_leftovers(target)
        tmp = partial_path(target, suffix)
        try:
            yield tmp
            _commit(tmp, target)
        except (GeoplanError, KeyboardInterrupt):
            raise
        except Exception as error:
            failure = write_error(error, target)
            if failure is None:
                raise
            raise failure from None
        finally:
            for path in (tmp, *(Path(f"{tmp}{end}") for end in SQLITE_SIDECARS)):
                _remove(path)


def _commit(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk and rename it over ``target``, interrupts held back meanwhile."""
    if not tmp.exists():  # the writer wrote nothing: nothing to rename
        raise InputError("output.nothing_written", path=str(target))
    with open(tmp, "rb") as written:
        os.fsync(written.fileno())
    with held_back():  # an interrupt now comes after the record, which then says the output is written
        os.replace(tmp, target)
        _committed.append(target)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def committed() -> list[Path]:
    """The outputs renamed into place by this process, in order (see :func:`forget_committed`).

    >>> isinstance(committed(), list)
    True
    """
    return list(_committed)


def forget_committed() -> None:
    """Start a new list of committed outputs (the command line does for each run).

    >>> forget_committed(); committed()
    []
    """
    _committed.clear()


WRITE_CHUNK = 16_384  # rows per write of a polygon layer: its multi-part copies and WKB stay small


def write_layers(target: str | Path, layers: dict) -> Path:
    """Write several layers (GeoDataFrames or plain tables) into one GeoPackage, atomically.

    >>> write_layers("out.gpkg", {"units": units, "about": about})  # doctest: +SKIP
    """
    import geopandas as gpd
    import pyogrio

    with atomic_path(target) as tmp:
        for name, frame in layers.items():
            if isinstance(frame, gpd.GeoDataFrame):
                _write_geodataframe(frame, tmp, name)
            else:
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", use_arrow=True)
    return Path(target)


def _write_geodataframe(frame, tmp: Path, name: str) -> None:
    """One layer of a GeoPackage, every polygon a MultiPolygon (one geometry type per layer, as
    the format wants), as geopandas writes it (``to_file``, ``promote_to_multi``). A layer of
    2D polygons with plain columns is streamed to GDAL a chunk of rows at a time, so that the
    MultiPolygon copies and the WKB of a layer of millions of vertices are never all in memory
    at once; any other goes through geopandas."""
    import pyarrow as pa
    import pyogrio
    import shapely

    if list(frame.index.names) != [None] or not pd.api.types.is_integer_dtype(frame.index.dtype):
        frame = frame.reset_index(drop=False)  # a named or non-integer index is a column, as geopandas writes it
    attributes = _plain_attributes(frame)
    if attributes is None:
        frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True, promote_to_multi=True)
        return
    geometry = pa.field(frame.geometry.name, pa.binary())
    schema = attributes.schema.append(geometry)
    geoms = frame.geometry.to_numpy()

    def batches():
        for start in range(0, len(frame), WRITE_CHUNK):
            wkb = pa.array(shapely.to_wkb(as_multi(geoms[start:start + WRITE_CHUNK])), pa.binary())
            yield from attributes.slice(start, len(wkb)).append_column(geometry, wkb).to_batches()

    crs = frame.crs.to_epsg() if frame.crs is not None else None
    with streamed(schema, batches()) as reader:
        pyogrio.write_arrow(reader, tmp, layer=name, driver="GPKG", geometry_name=frame.geometry.name,
                            geometry_type="MultiPolygon",
                            crs=f"EPSG:{crs}" if crs else (frame.crs.to_wkt() if frame.crs is not None else None))


def _plain_attributes(frame):
    """The columns of ``frame`` but its geometry as an Arrow table, when the frame can be streamed
    as it is (2D polygons, some of them present; numbers, text, flags and categories that Arrow
    takes as they are; no dates); else None."""
    import pyarrow as pa
    import shapely

    geoms = frame.geometry.to_numpy()
    present = ~shapely.is_missing(geoms)
    if not present.any() or not np.isin(shapely.get_type_id(geoms[present]), (3, 6)).all() \
            or shapely.has_z(geoms[present]).any():
        return None
    columns = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if any(dtype.kind in "mM" or isinstance(dtype, pd.DatetimeTZDtype) for dtype in columns.dtypes):
        return None
    try:
        table = pa.Table.from_pandas(columns, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values: geopandas makes them text
        return None
    return table.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f
                                 for f in table.schema]))  # GDAL has no null type


__all__ = ["atomic_folder", "atomic_path", "check_target", "committed", "forget_committed", "leftovers", "lock_path", "partial_path",
           "remove_leftovers", "write_layers"]
