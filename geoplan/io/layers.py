"""Read a vector layer a planner has, refusing what cannot be measured.

Any OGR format works (GeoPackage, Shapefile, zipped Shapefile, GeoJSON,
FlatGeobuf); GeoParquet is read with pyarrow. The layer must have a CRS and
polygon geometries. Code fields are read as text so leading zeros survive.

>>> units = read_layer("old_communes.gpkg", layer="communes")  # doctest: +SKIP
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError
from ..i18n import Message
from ..measure.area import has_area
from .coordinates import check_coordinates

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
LINEAR = frozenset({"LineString", "MultiLineString"})
PUNCTUAL = frozenset({"Point", "MultiPoint"})
TYPE_IDS = {"Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5,
            "MultiPolygon": 6, "GeometryCollection": 7}  # shapely's type ids


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
    except (zipfile.BadZipFile, OSError):
        raise InputError("layer.bad_zip", path=str(path)) from None
    vector = [n for n in names if PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES]
    if not vector:
        raise InputError("layer.zip_no_vector", path=str(path), n=len(names))
    _check_shapefile_parts(path, [n for n in names if not n.endswith("/")], vector)
    folders = {str(PurePosixPath(n).parent) for n in vector}
    if len(vector) == 1:
        return f"/vsizip/{path}/{vector[0]}"
    if len(folders) == 1 and folders != {"."}:
        return f"/vsizip/{path}/{folders.pop()}"
    return f"/vsizip/{path}"


def read_layer(path: str | Path, layer: str | None = None, encoding: str | None = None, *,
               option_prefix: str = "--", kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
    """Read one polygon layer with its CRS, indexed by the file's own feature ids (FID).

    ``encoding`` overrides the attribute encoding OGR would assume, for
    Shapefiles without a .cpg written in a legacy code page (``cp1258``,
    ``tcvn3``, ``vni``: see :mod:`geoplan.vn.encodings`): the bytes are read
    as they are and decoded by Python, then put in NFC.

    Raises InputError naming the file for a missing file, a Shapefile without
    its .dbf or .shx, a file OGR cannot open, an ambiguous or unknown layer, a
    layer without CRS, an empty layer, geometries of other ``kinds`` than
    polygons, or coordinates its CRS cannot stand for (naming the feature by
    its FID, see :func:`check_layer`). The messages name the
    options ``--layer`` and ``--encoding``, with ``option_prefix`` in place
    of ``--`` (``"--old-"``: ``--old-layer``, as ``geoplan map`` calls them).

    >>> read_layer("old.gpkg").crs  # doctest: +SKIP
    <Geographic 2D CRS: EPSG:4326>
    """
    path = Path(path)
    if not path.exists():
        raise InputError("layer.not_found", path=str(path))
    if path.suffix.lower() == ".shp":
        _check_shapefile_parts(path, [p.name for p in path.parent.iterdir()], [path.name])
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            if layer is not None:
                raise InputError("layer.parquet_one_layer", path=str(path), option=f"{option_prefix}layer")
            frame = gpd.read_parquet(path)
        else:
            frame = _read_ogr(path, layer, encoding, option_prefix)
    except (InputError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # OGR and pyarrow raise many types; the message is what matters
        raise InputError("layer.unreadable", path=str(path), reason=_first_line(exc)) from None
    _require_utf8(check_layer(frame, str(path), kinds), path, option_prefix)
    return frame


def _first_line(error: BaseException) -> str:
    """The first line of an error's text, or its type when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_shapefile_parts(where: Path, names: list[str], shapefiles: list[str]) -> None:
    """Refuse a Shapefile whose .dbf (its attributes) or .shx (its index) is missing: OGR would
    read it without fields, or not at all, and the error would blame something else."""
    present = {name.lower() for name in names}
    for shp in shapefiles:
        if not shp.lower().endswith(".shp"):
            continue
        for part in (".dbf", ".shx"):
            if shp[:-4].lower() + part not in present:
                raise InputError("layer.shapefile_part", path=str(where), part=PurePosixPath(shp[:-4]).name + part,
                                 shapefile=PurePosixPath(shp).name)


def _read_ogr(path: Path, layer: str | None, encoding: str | None, option_prefix: str) -> gpd.GeoDataFrame:
    ogr_path = _ogr_path(path)
    layers = list_layers(path)
    if not layers:
        raise InputError("layer.no_layers", path=str(path))
    if layer is None and len(layers) > 1:
        raise InputError("layer.choose_layer", path=str(path), layers=", ".join(sorted(layers)),
                         option=f"{option_prefix}layer")
    if layer is not None and layer not in layers:
        raise InputError("layer.no_such_layer", path=str(path), layer=layer, layers=", ".join(layers))
    if encoding is None:
        try:  # through Arrow: the same frame, read two to three times faster
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio", use_arrow=True, fid_as_index=True)
        except Exception:  # a driver or field type the Arrow path cannot take: the plain reader says why
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio", fid_as_index=True)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError("layer.unknown_encoding", path=str(path), encoding=encoding,
                         option=f"{option_prefix}encoding") from None
    # GDAL's iconv mangles some code pages (cp1258 composes marks statefully): take bytes, decode here
    raw = gpd.read_file(ogr_path, layer=layer, engine="pyogrio", encoding="latin1", fid_as_index=True)
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
            raise InputError("layer.not_utf8", path=str(path), field=str(column),
                             option=f"{option_prefix}encoding") from None


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


def layer_of(source, label: str, option_prefix: str = "--", kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
    """A layer given as a file (read by :func:`read_layer`) or as a GeoDataFrame (checked the same
    way), holding geometries of ``kinds``; ``label`` names a GeoDataFrame in messages.

    >>> import shapely
    >>> layer_of(gpd.GeoDataFrame(geometry=[shapely.Point(105, 10)], crs=4326), "weights", kinds=PUNCTUAL).crs.to_epsg()
    4326
    """
    if isinstance(source, gpd.GeoDataFrame):
        return check_layer(source, label, kinds)
    return read_layer(source, option_prefix=option_prefix, kinds=kinds)


def check_layer(frame: gpd.GeoDataFrame, label: str, kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
    """Refuse a layer that has no CRS, no rows, no geometry (missing or empty), geometries of
    other ``kinds`` (polygons by default), or coordinates its CRS cannot stand for (see
    :mod:`geoplan.io.coordinates`). Features are named by their label in the frame's index:
    the FID of a file read by :func:`read_layer`.

    >>> check_layer(gpd.GeoDataFrame(geometry=[], crs=4326), "empty.gpkg")
    Traceback (most recent call last):
    geoplan.errors.InputError: empty.gpkg: the layer is empty
    """
    try:
        geometry = frame.geometry.name
    except AttributeError:  # a plain table, or a GeoDataFrame without an active geometry column
        geometry = None
    if not isinstance(frame, gpd.GeoDataFrame) or geometry not in frame.columns:
        raise InputError("layer.no_geometry_column", path=label)
    if len(frame) == 0:
        raise InputError("layer.empty", path=label)
    if frame.crs is None:
        raise InputError("layer.no_crs", path=label)
    geoms = frame.geometry.to_numpy()
    present = has_area(geoms)
    if not present.any():
        raise InputError("layer.no_geometries", path=label, n=len(frame))
    types = shapely.get_type_id(geoms[present])
    wrong = np.flatnonzero(~np.isin(types, [TYPE_IDS[kind] for kind in kinds]))
    if len(wrong):
        position = int(np.flatnonzero(present)[wrong[0]])
        raise InputError("layer.wrong_kind", path=label, feature=frame.index[position],
                         kind=geoms[position].geom_type, n=len(wrong), wanted=_wanted(kinds))
    check_coordinates(geoms, frame.crs, label, frame.index)
    return frame


def _wanted(kinds: frozenset):
    """The geometries a layer must hold, named for a message."""
    named = {POLYGONAL: "layer.kinds_polygons", LINEAR: "layer.kinds_lines", PUNCTUAL: "layer.kinds_points"}
    return Message(named[kinds]) if kinds in named else ", ".join(sorted(kinds))


def require_fields(frame: pd.DataFrame, fields: dict, label: str) -> None:
    """Raise InputError naming the first option whose field is not in the layer.

    ``fields`` maps an option (``Option("pop_field")``, or its flag as text) to the field it names.

    >>> require_fields(pd.DataFrame({"a": [1]}), {"--pop-field": "pop"}, "old.gpkg")
    Traceback (most recent call last):
    geoplan.errors.InputError: old.gpkg: no field 'pop' (--pop-field); fields are: a
    """
    columns = [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else list(frame.columns)
    for option, field in fields.items():
        if field is not None and field not in frame.columns:
            raise InputError("layer.no_field", path=label, field=field, option=option,
                             fields=", ".join(map(str, columns)))
