"""The layers of a result GeoPackage a map draws: those :func:`geoplan.io.result.read_result`
reads, and the optional ones only maps use (split pieces of the crosswalk, plan audit,
reference polygons), read when the file has them.

>>> read_map_layers("communes.gpkg").units.shape  # doctest: +SKIP
(3310, 16)
"""

from __future__ import annotations

from pathlib import Path

import pyogrio

from ..io.result import read_result
from .options import MapLayers
from .overlays import SPLIT_PREFIX

OVERLAY_LAYERS = ("crosswalk", "audit", "reference")


def _overlay(path: Path, name: str):
    """One optional layer; the crosswalk only for its pieces split along geometry (a few of
    its rows: the others are not drawn)."""
    where = f"basis LIKE '{SPLIT_PREFIX}%'" if name == "crosswalk" else None
    if where and "basis" not in pyogrio.read_info(path, layer=name)["fields"]:
        return None
    return pyogrio.read_dataframe(path, layer=name, where=where)


def read_map_layers(path: str | Path, repairs: bool = True) -> MapLayers:
    """The layers of a merge result a map draws (one warning names the usual ones it lacks).

    ``repairs=False`` leaves the repairs out (a printed page does not draw them).
    """
    path = Path(path)
    wanted = ("lineage", "repairs", "features", "about") if repairs else ("lineage", "about")
    units, lineage, repair_layer, features, about = read_result(path, warn_missing=wanted, wanted=wanted)
    present = {str(name) for name, _ in pyogrio.list_layers(path)}
    extra = {name: _overlay(path, name) for name in OVERLAY_LAYERS if name in present}
    return MapLayers(units, lineage, repair_layer, features, about=about, **extra)
