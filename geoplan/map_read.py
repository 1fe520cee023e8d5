"""Reading what a review map draws: a merge result GeoPackage and an old layer.

The result's layers (``units``, and when present ``lineage``, ``repairs``,
``features``, ``about``; see docs/CONTRACTS.md) are read as they are; the old
layer's fields are guessed from common names unless given, and renamed to
``code``, ``name``, ``parent``, ``district``, ``population``.

Examples
--------
>>> units, lineage, repairs, features, about = read_result(Path("result.gpkg"))  # doctest: +SKIP
>>> old = read_old_layer("old_communes.gpkg", None, None, None, None)  # doctest: +SKIP
>>> list(old.columns)  # doctest: +SKIP
['code', 'name', 'parent', 'district', 'population', 'geometry']
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from geoplan.errors import InputError
from geoplan.map_data import _polygonal


_OLD_FIELDS = {
    "code": ("code", "old_code", "gso_code", "gso_code_c2016", "ma", "ma_xa", "commune_code"),
    "name": ("name", "old_name", "fullname", "full_name", "commune_vn", "ten", "ten_xa", "commune", "name_3"),
    "parent": ("parent", "old_parent", "province_vn", "province", "province_name", "tinh", "name_1"),
    "district": ("district_vn", "district", "old_district", "huyen", "name_2"),
    "population": ("population", "pop", "pop2019_vn_demographic", "pop2019", "dan_so"),
}


def _pick(columns, given: str | None, role: str, source: str) -> str | None:
    if given is not None:
        if given not in columns:
            raise InputError(f"{source}: no field {given!r} for the old {role} (fields: {', '.join(columns)})")
        return given
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in _OLD_FIELDS[role] if c in lower), None)


def read_old_layer(
    path, layer, code_field, name_field, parent_field
) -> gpd.GeoDataFrame:
    if isinstance(path, gpd.GeoDataFrame):
        gdf, path = path, Path("old")
    else:
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: old layer file not found")
        try:
            gdf = pyogrio.read_dataframe(path, layer=layer)
        except Exception as exc:  # noqa: BLE001 - any OGR failure is a user input problem
            raise InputError(f"{path}: cannot read old layer: {str(exc).splitlines()[0]}") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all():
        raise InputError(f"{path}: old layer has no geometry")
    if not _polygonal(np.asarray(gdf.geometry.values, dtype=object)).any():
        kinds = ", ".join(sorted(set(gdf.geometry.dropna().geom_type)))
        raise InputError(f"{path}: the old layer must hold polygons, it holds {kinds}")
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    fields = {
        "code": _pick(cols, code_field, "code", str(path)),
        "name": _pick(cols, name_field, "name", str(path)),
        "parent": _pick(cols, parent_field, "parent", str(path)),
        "district": _pick(cols, None, "district", str(path)),
        "population": _pick(cols, None, "population", str(path)),
    }
    if fields["name"] is None:
        raise InputError(f"{path}: cannot find the old units' name field; give it (fields: {', '.join(cols)})")
    out = gpd.GeoDataFrame(
        {role: gdf[col] for role, col in fields.items() if col is not None},
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    return out


def read_result(path: Path) -> tuple:
    if not path.exists():
        raise InputError(f"{path}: result GeoPackage not found")
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    if "units" not in layers:
        raise InputError(f"{path}: no layer 'units' (layers: {', '.join(sorted(layers)) or 'none'})")
    units = pyogrio.read_dataframe(path, layer="units")
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(f"{path}: layer 'units' has no geometry")
    for col in ("code", "name"):
        if col not in units.columns:
            raise InputError(f"{path}: layer 'units' has no field {col!r}")
    lineage = pyogrio.read_dataframe(path, layer="lineage", read_geometry=False) if "lineage" in layers else None
    repairs = pyogrio.read_dataframe(path, layer="repairs") if "repairs" in layers else None
    if repairs is not None and not isinstance(repairs, gpd.GeoDataFrame):
        repairs = None
    features = pyogrio.read_dataframe(path, layer="features", read_geometry=False) if "features" in layers else None
    about = {}
    if "about" in layers:
        df = pyogrio.read_dataframe(path, layer="about", read_geometry=False)
        if {"key", "value"} <= set(df.columns):
            about = {str(k): ("" if v is None else str(v)) for k, v in zip(df["key"], df["value"])}
    return units, lineage, repairs, features, about

