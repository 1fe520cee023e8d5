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
import pandas as pd
import pyogrio

from ..errors import InputError

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
LINEAR = frozenset({"LineString", "MultiLineString"})
PUNCTUAL = frozenset({"Point", "MultiPoint"})


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
               option_prefix: str = "--", kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
    """Read one polygon layer with its CRS, indexed by the file's own feature ids (FID).

    ``encoding`` overrides the attribute encoding OGR would assume, for
    Shapefiles without a .cpg written in a legacy code page (``cp1258``,
    ``tcvn3``, ``vni``: see :mod:`geoplan.vn.encodings`): the bytes are read
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
    _require_utf8(check_layer(frame, str(path), kinds), path, option_prefix)
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
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio", use_arrow=True, fid_as_index=True)
        except Exception:  # a driver or field type the Arrow path cannot take: the plain reader says why
            return gpd.read_file(ogr_path, layer=layer, engine="pyogrio", fid_as_index=True)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError(f"{path}: unknown encoding {encoding!r} ({option_prefix}encoding; Vietnamese ones: utf-8, cp1258, tcvn3, vni)") from None
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


def layer_of(source, label: str, option_prefix: str = "--", kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
    """A layer given as a file (read by :func:`read_layer`) or as a GeoDataFrame (checked the same
    way), holding geometries of ``kinds``; ``label`` names a GeoDataFrame in messages.

    >>> import shapely
    >>> layer_of(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326), "weights", kinds=PUNCTUAL).crs.to_epsg()
    4326
    """
    if isinstance(source, gpd.GeoDataFrame):
        return check_layer(source, label, kinds)
    return read_layer(source, option_prefix=option_prefix, kinds=kinds)


def check_layer(frame: gpd.GeoDataFrame, label: str, kinds: frozenset = POLYGONAL) -> gpd.GeoDataFrame:
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
    found = set(geoms.dropna().geom_type.unique())
    if not found <= kinds:
        wanted = "polygons" if kinds == POLYGONAL else "lines" if kinds == LINEAR else ", ".join(sorted(kinds))
        raise InputError(f"{label}: geometries must be {wanted}, found {', '.join(sorted(found - kinds))}")
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
