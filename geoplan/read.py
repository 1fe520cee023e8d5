"""Read a vector layer a planner has, refusing what cannot be measured, and read back a merge result.

Any OGR format works (GeoPackage, Shapefile, zipped Shapefile, GeoJSON,
FlatGeobuf); GeoParquet is read with pyarrow. The layer must have a CRS and
polygon geometries. Code fields are read as text so leading zeros survive.
:func:`read_result` reads the GeoPackage ``geoplan merge`` writes, for
``geoplan check`` and ``geoplan map``.

>>> units = read_layer("old_communes.gpkg", layer="communes")  # doctest: +SKIP
>>> read_result("communes.gpkg").about["plan"]  # doctest: +SKIP
'vn-2025-commune'
"""

from __future__ import annotations

import unicodedata
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from .errors import InputError

POLYGONAL = {"Polygon", "MultiPolygon"}


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a file.

    >>> list_layers("old.gpkg")  # doctest: +SKIP
    ['communes', 'provinces']
    """
    return [str(name) for name, _ in pyogrio.list_layers(_ogr_path(Path(path)))]


VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".tab", ".mif"}


def _ogr_path(path: Path) -> str:
    """The path OGR opens: inside a .zip, the one vector file it holds or the
    folder holding its vector files (zips made by "compress folder" keep it).

    >>> _ogr_path(Path("old.gpkg"))
    'old.gpkg'
    """
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a readable zip file") from None
    vector = [n for n in names if PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES]
    folders = {str(PurePosixPath(n).parent) for n in vector}
    if len(vector) == 1:
        return f"/vsizip/{path}/{vector[0]}"
    if len(folders) == 1 and folders != {"."}:
        return f"/vsizip/{path}/{folders.pop()}"
    return f"/vsizip/{path}"


def read_layer(path: str | Path, layer: str | None = None, encoding: str | None = None, *,
               option_prefix: str = "--") -> gpd.GeoDataFrame:
    """Read one polygon layer with its CRS.

    ``encoding`` overrides the attribute encoding OGR would assume, for
    Shapefiles without a .cpg written in a legacy code page (``cp1258``,
    ``tcvn3``, ``vni``: see :mod:`geoplan.legacy_text`): the bytes are read
    as they are and decoded by Python, then put in NFC.

    Raises InputError naming the file for a missing file, a file OGR cannot
    open, an ambiguous or unknown layer, a layer without CRS, an empty
    layer, or geometries that are not polygons. The messages name the
    options ``--layer`` and ``--encoding``, with ``option_prefix`` in place
    of ``--`` (``"--old-"``: ``--old-layer``, as ``geoplan map`` calls them).

    >>> read_layer("old.gpkg").crs  # doctest: +SKIP
    <Geographic 2D CRS: EPSG:4326>
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            if layer is not None:
                raise InputError(f"{path}: a GeoParquet file holds one layer; leave out {option_prefix}layer")
            frame = gpd.read_parquet(path)
        else:
            frame = _read_ogr(path, layer, encoding, option_prefix)
    except InputError:
        raise
    except Exception as exc:  # OGR and pyarrow raise many types; the message is what matters
        raise InputError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    _require_utf8(check_layer(frame, str(path)), path, option_prefix)
    return frame


def _read_ogr(path: Path, layer: str | None, encoding: str | None, option_prefix: str) -> gpd.GeoDataFrame:
    ogr_path = _ogr_path(path)
    layers = list_layers(path)
    if layer is None and len(layers) > 1:
        raise InputError(f"{path}: has layers {', '.join(sorted(layers))}; choose one with {option_prefix}layer")
    if layer is not None and layer not in layers:
        raise InputError(f"{path}: no layer {layer!r} (layers: {', '.join(layers)})")
    if encoding is None:
        try:  # through Arrow: the same frame, read two to three times faster
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio", use_arrow=True)
        except Exception:  # a driver or field type the Arrow path cannot take: the plain reader says why
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio")
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError(f"{path}: unknown encoding {encoding!r} ({option_prefix}encoding; Vietnamese ones: utf-8, cp1258, tcvn3, vni)") from None
    # GDAL's iconv mangles some code pages (cp1258 composes marks statefully): take bytes, decode here
    raw = gpd.read_file(ogr_path, layer=layer, engine="pyogrio", encoding="latin1")
    return _redecode(raw, encoding)


def _require_utf8(frame: gpd.GeoDataFrame, path: Path, option_prefix: str) -> None:
    """Refuse text that is not UTF-8 in a file that does not say its encoding
    (a Shapefile without .cpg written in cp1258, TCVN3 or VNI): OGR hands the
    bytes over as they are, and guessing would garble every name."""
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype.kind not in "OSUT" and str(frame[column].dtype) != "str":
            continue
        try:
            frame[column].to_numpy()
        except Exception:  # pyarrow's error for invalid UTF-8 has no specific type
            raise InputError(f"{path}: field {column!r} is not UTF-8 text and the file does not say its encoding; "
                             f"give it with {option_prefix}encoding (Vietnamese: cp1258, tcvn3, vni; or latin1)") from None


def _redecode(frame: gpd.GeoDataFrame, encoding: str) -> gpd.GeoDataFrame:
    """Text read as latin-1 bytes, decoded with ``encoding`` and normalised to NFC."""
    def text(value):
        if not isinstance(value, str):
            return value
        return unicodedata.normalize("NFC", value.encode("latin1").decode(encoding, errors="replace"))

    geometry = frame.geometry.name
    out = frame.rename(columns={c: text(c) for c in frame.columns if c != geometry})
    for column in out.columns:
        if column != geometry and (out[column].dtype.kind in "OSU" or str(out[column].dtype) == "str"):
            out[column] = out[column].map(text)
    return out


def check_layer(frame: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Refuse a layer that has no CRS, no rows, or non-polygon geometries.

    >>> check_layer(gpd.GeoDataFrame(geometry=[]), "empty.gpkg")  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: empty.gpkg: the layer is empty
    """
    try:
        geometry = frame.geometry.name
    except AttributeError:  # a plain table, or a GeoDataFrame without an active geometry column
        geometry = None
    if not isinstance(frame, gpd.GeoDataFrame) or geometry not in frame.columns:
        raise InputError(f"{label}: a table without geometry, not a layer of polygons (a plan or CSV given as OLD?)")
    if len(frame) == 0:
        raise InputError(f"{label}: the layer is empty")
    if frame.crs is None:
        raise InputError(f"{label}: the layer has no CRS (coordinate reference system); set one, e.g. with ogr2ogr -a_srs EPSG:4326")
    geoms = frame.geometry
    if geoms.isna().all():
        raise InputError(f"{label}: the layer has no geometries")
    kinds = set(geoms.dropna().geom_type.unique())
    if not kinds <= POLYGONAL:
        raise InputError(f"{label}: geometries must be polygons, found {', '.join(sorted(kinds - POLYGONAL))}")
    return frame


def require_fields(frame: pd.DataFrame, fields: dict[str, str | None], label: str) -> None:
    """Raise InputError naming the first option whose field is not in the layer.

    ``fields`` maps an option name (``--pop-field``) to the field it names.

    >>> require_fields(pd.DataFrame({"a": [1]}), {"--pop-field": "pop"}, "old.gpkg")  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: old.gpkg: no field 'pop' (--pop-field); fields are: a
    """
    columns = [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else list(frame.columns)
    for option, field in fields.items():
        if field is not None and field not in frame.columns:
            raise InputError(f"{label}: no field {field!r} ({option}); fields are: {', '.join(map(str, columns))}")


def as_code(values: pd.Series) -> pd.Series:
    """Codes as text: floats like 805.0 become "805", missing stays missing.

    >>> as_code(pd.Series([805.0, None, "00001"])).tolist()
    ['805', None, '00001']
    >>> as_code(pd.Series([805.0, float("nan"), 1.5])).tolist()
    ['805', None, '1.5']
    """
    if values.dtype.kind == "f":  # float columns (codes read from Shapefiles): whole numbers without ".0"
        numbers = values.to_numpy()
        out = np.full(len(numbers), None, dtype=object)
        finite = np.isfinite(numbers)
        whole = finite & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
        out[whole] = numbers[whole].astype(np.int64).astype(str)
        out[finite & ~whole] = [str(v) for v in numbers[finite & ~whole]]
        return pd.Series(out, index=values.index, dtype=object)

    def one(value):
        if value is None or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    return pd.Series([one(v) for v in values.to_numpy(dtype=object, na_value=None)], index=values.index, dtype=object)


OPTIONAL_LAYERS = ("lineage", "repairs", "features", "about")  # of a merge result, besides units
UNIT_FIELDS = ("code", "name", "area_km2")  # the fields of its units every reader needs
NOT_A_RESULT = "is it a GeoPackage written by geoplan merge?"


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
                wanted=OPTIONAL_LAYERS) -> MergeLayers:
    """Read a GeoPackage written by ``geoplan merge``: its ``units`` and the optional layers it has.

    ``geometry=False`` reads tables only (enough for a check); only the
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
    frames = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=geometry and name == "repairs")
              for name in wanted if name in layers}
    missing = [name for name in warn_missing if name not in layers]
    if missing:
        warnings.warn(f"{path}: has no layer {', '.join(missing)}; going on without {'it' if len(missing) == 1 else 'them'}",
                      stacklevel=2)
    if geometry and "repairs" in frames and not isinstance(frames["repairs"], gpd.GeoDataFrame):
        raise InputError(f"{path}: layer 'repairs' has no geometry; {NOT_A_RESULT}")
    return MergeLayers(units, frames.get("lineage"), frames.get("repairs"), frames.get("features"),
                       _about(path, frames.get("about")))


def _result_layers(path: Path) -> set[str]:
    """The layer names of a merge result; InputError when the file is none."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the GeoPackage written by geoplan merge")
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError:
        raise InputError(f"{path}: not a GeoPackage written by geoplan merge (GDAL cannot read it)") from None
    if "units" not in layers:
        raise InputError(f"{path}: no layer 'units' (layers: {', '.join(sorted(layers)) or 'none'}); {NOT_A_RESULT}")
    return layers


def _result_units(path: Path, geometry: bool) -> pd.DataFrame:
    """The ``units`` layer of a merge result, refused without the fields every reader needs."""
    units = pyogrio.read_dataframe(path, layer="units", read_geometry=geometry)
    lacking = [repr(field) for field in UNIT_FIELDS if field not in units]
    if lacking:
        raise InputError(f"{path}: layer 'units' has no field {', '.join(lacking)}; {NOT_A_RESULT}")
    if units.empty:
        raise InputError(f"{path}: layer 'units' is empty: no unit to check or map")
    if geometry and not isinstance(units, gpd.GeoDataFrame):
        raise InputError(f"{path}: layer 'units' has no geometry; {NOT_A_RESULT}")
    if geometry and units.crs is None:
        raise InputError(f"{path}: layer 'units' has no CRS (coordinate reference system); {NOT_A_RESULT}")
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
        raise InputError(f"{path}: layer 'about' has no field {', '.join(lacking)}; {NOT_A_RESULT}")
    return {str(key): "" if pd.isna(value) else str(value) for key, value in zip(frame["key"], frame["value"])}
