"""Write results atomically: a temporary file next to the target, then rename.

>>> with atomic_path("report.csv") as tmp:  # doctest: +SKIP
...     frame.to_csv(tmp)
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import InputError


def check_target(target: str | Path, suffix: str | None = None, what: str = "") -> Path:
    """Refuse an output path that is a folder, or (with ``suffix``) that does not
    end in it, or whose folder is missing, a file, or cannot be written in,
    before any work is done; ``what`` says what the file is.

    >>> check_target("/no/such/folder/out.gpkg")  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: /no/such/folder/out.gpkg: output folder /no/such/folder does not exist
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give -o a file name")
    if suffix and target.suffix.lower() != suffix:
        raise InputError(f"{target}: {what}; give a file name ending in {suffix}")
    if not target.parent.is_dir():
        state = "is a file" if target.parent.exists() else "does not exist"
        raise InputError(f"{target}: output folder {target.parent} {state}")
    try:  # a read-only or forbidden folder is found now, not after the work
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise InputError(f"{target}: cannot write in {target.parent} ({error.strerror or error})") from None
    return target


@contextmanager
def atomic_path(target: str | Path, suffix: str | None = None):
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    >>> with atomic_path("report.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    target = check_target(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # OGR drivers want to create the file themselves
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_layers(target: str | Path, layers: dict[str, pd.DataFrame]) -> Path:
    """Write several layers (GeoDataFrames or plain tables) into one GeoPackage, atomically.

    >>> write_layers("out.gpkg", {"units": units, "about": about})  # doctest: +SKIP
    """
    with atomic_path(target) as tmp:
        for name, frame in layers.items():
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True, promote_to_multi=True)
            else:
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", use_arrow=True)
    return Path(target)
