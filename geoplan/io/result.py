"""The GeoPackage of a merge result: written atomically by ``geoplan merge``, read back
by ``geoplan check``, ``geoplan map`` and the other commands (one reader for all).

>>> write_result(result, "communes.gpkg", source="old.gpkg")  # doctest: +SKIP
>>> read_result("communes.gpkg").about["plan"]  # doctest: +SKIP
'vn-2025-commune'
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd
import pyogrio

from .. import __version__
from ..errors import GeoplanWarning, InputError
from ..i18n import Message
from ..measure.estimate import ABOUT as ESTIMATE_ABOUT
from .atomic import check_target, write_layers
from .styles import styles_table

OPTIONAL_LAYERS = ("lineage", "repairs", "features", "about")  # crosswalk: read by the commands that need it  # of a merge result, besides units
STYLES_TABLE = "layer_styles"  # the table QGIS reads a layer's default style from
UNIT_FIELDS = ("code", "name", "area_km2")  # the fields of its units every reader needs


class MergeLayers(NamedTuple):
    """The layers of a merge result read back: None for an optional layer it lacks, ``about`` as a dict.

    >>> MergeLayers(pd.DataFrame({"code": ["10"]}), None, None, None, {"plan": "plan.csv"}).about["plan"]
    'plan.csv'
    """

    units: pd.DataFrame
    lineage: pd.DataFrame | None
    repairs: pd.DataFrame | None
    features: pd.DataFrame | None
    about: dict[str, str]


def read_result(path: str | Path, geometry: bool = True, warn_missing=OPTIONAL_LAYERS,
                wanted=OPTIONAL_LAYERS, shapes=("repairs",)) -> MergeLayers:
    """Read a GeoPackage written by ``geoplan merge``: its ``units`` and the optional layers it has.

    ``geometry=False`` reads tables only (enough for a check); of the optional
    layers, those in ``shapes`` are read with their geometry (the repairs for
    a map, the features' old polygons for a printed page); only the
    optional layers in ``wanted`` are read (the others come back None). An
    optional layer in ``warn_missing`` that the file lacks gives one warning naming it.
    Raises InputError naming the file for a missing file, a folder, a file
    that is not a GeoPackage, no ``units`` layer or an empty one, units
    without code, name or area_km2 (or, with ``geometry``, without geometry
    or CRS), and an ``about`` layer without key and value fields.

    >>> read_result("communes.gpkg", geometry=False).about["plan"]  # doctest: +SKIP
    'vn-2025-commune'
    """
    path = Path(path)
    layers = _result_layers(path)
    units = _result_units(path, geometry)
    frames = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=geometry and name in shapes,
                                           use_arrow=True)  # through Arrow: two to seven times faster
              for name in wanted if name in layers}
    missing = [name for name in warn_missing if name not in layers]
    if missing:
        warnings.warn(GeoplanWarning(Message("result.missing_layer" if len(missing) == 1 else "result.missing_layers",
                                             path=path, layers=", ".join(missing))), stacklevel=2)
    if geometry and "repairs" in shapes and "repairs" in frames and not isinstance(frames["repairs"], gpd.GeoDataFrame):
        raise InputError("result.no_geometry", path=path, layer="repairs")
    return MergeLayers(units, frames.get("lineage"), frames.get("repairs"), frames.get("features"),
                       _about(path, frames.get("about")))


def read_crosswalk(path: str | Path) -> pd.DataFrame:
    """The ``crosswalk`` layer of a merge result (one row per piece), without geometry; InputError
    naming the file when it is no result or has none (written by a geoplan older than the crosswalk).

    >>> read_crosswalk("communes.gpkg")[["old_code", "new_code", "area_share"]].head(1)  # doctest: +SKIP
    """
    path = Path(path)
    if "crosswalk" not in _result_layers(path):
        raise InputError("transfer.no_crosswalk", path=path)
    return pyogrio.read_dataframe(path, layer="crosswalk", read_geometry=False)


def _result_layers(path: Path) -> set[str]:
    """The layer names of a merge result; InputError when the file is none."""
    if not path.exists():
        raise InputError("result.not_found", path=path)
    if path.is_dir():
        raise InputError("result.is_folder", path=path)
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)} - {STYLES_TABLE}  # styles are no data layer
    except pyogrio.errors.DataSourceError:
        raise InputError("result.not_readable", path=path) from None
    if "units" not in layers:
        raise InputError("result.no_units", path=path, layers=", ".join(sorted(layers)) or Message("result.none"))
    return layers


def _result_units(path: Path, geometry: bool) -> pd.DataFrame:
    """The ``units`` layer of a merge result, refused without the fields every reader needs."""
    units = pyogrio.read_dataframe(path, layer="units", read_geometry=geometry, use_arrow=True)
    lacking = [repr(field) for field in UNIT_FIELDS if field not in units]
    if lacking:
        raise InputError("result.no_field", path=path, layer="units", fields=", ".join(lacking))
    if units.empty:
        raise InputError("result.empty", path=path)
    if geometry and not isinstance(units, gpd.GeoDataFrame):
        raise InputError("result.no_geometry", path=path, layer="units")
    if geometry and units.crs is None:
        raise InputError("result.no_crs", path=path)
    return units


def _about(path: Path, frame: pd.DataFrame | None) -> dict[str, str]:
    """The ``about`` layer as a dict, {} without one.

    >>> _about(Path("r.gpkg"), pd.DataFrame({"key": ["plan", "pop_field"], "value": ["p.csv", None]}))
    {'plan': 'p.csv', 'pop_field': ''}
    """
    if frame is None:
        return {}
    lacking = [repr(field) for field in ("key", "value") if field not in frame]
    if lacking:
        raise InputError("result.no_field", path=path, layer="about", fields=", ".join(lacking))
    return {str(key): "" if pd.isna(value) else str(value) for key, value in zip(frame["key"], frame["value"])}


def about_table(result, source: str, schematic: bool = False) -> pd.DataFrame:
    """The ``about`` layer: where a result came from.

    >>> about_table(result, "old.gpkg").set_index("key").loc["schematic", "value"]  # doctest: +SKIP
    'no'
    """
    rows = {
        "plan": result.report.plan,
        "source": source,
        "geoplan_version": __version__,
        "schematic": "yes" if schematic else "no",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "pop_field": str(result.report.pop_field or ""),
        **{f"old_{role}_field": str(field or "") for role, field in result.report.link_fields.items()},
        "summary": result.summary(),
        **result.units.attrs.get(ESTIMATE_ABOUT, {}),  # the population estimate: method, control totals, year
    }
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())})


def write_result(result, target: str | Path, source: str = "", schematic: bool = False) -> Path:
    """Write a MergeResult as a GeoPackage with layers units, crosswalk, lineage, repairs, features, about,
    and their QGIS styles in the table ``layer_styles`` (:mod:`geoplan.io.styles`).

    >>> write_result(geoplan.merge(old, plan), "merged.gpkg", source="old.gpkg")  # doctest: +SKIP
    """
    check_target(target, ".gpkg", Message("result.what_gpkg"))
    layers = {
        "units": result.units,
        "crosswalk": result.crosswalk,
        "lineage": result.lineage,
        "repairs": result.repairs,
        **({"features": result.features} if result.features is not None else {}),
        **({"audit": result.audit} if result.audit is not None else {}),
        "about": about_table(result, source, schematic),
    }
    return write_layers(target, {**layers, STYLES_TABLE: styles_table(layers)})
