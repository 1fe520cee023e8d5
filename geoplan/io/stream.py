"""Read and write features in chunks, so that memory stays bounded whatever their number.

Sources: GeoParquet (a file, or a folder of files read in name order), any vector format OGR
reads (GeoPackage, FlatGeobuf, Shapefile, GeoJSON...), CSV with longitude and latitude
columns (EPSG:4326), and tables without geometry (CSV, Excel, Parquet). Every chunk is an
Arrow table: the source's attribute columns as they are, and the geometry as WKB in column
``geometry`` (absent for a table). A layer without CRS is refused; so are coordinates that
are not numbers. Targets (chosen by suffix): GeoParquet, GeoPackage, FlatGeobuf, GeoJSON,
CSV (with a byte-order mark, geometry as WKT) and Excel workbooks, each written atomically.

>>> source = open_source("points.parquet")  # doctest: +SKIP
>>> sum(chunk.num_rows for chunk in chunks(source, 1_000_000))  # doctest: +SKIP
10000000
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import InputError
from ..i18n import Option
from .layers import _ogr_path, list_layers

GEOMETRY = "geometry"
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "kinh_do", "kinhdo", "kinh độ")
LAT_NAMES = ("lat", "latitude", "y", "vi_do", "vido", "vĩ độ")
PARQUET = (".parquet", ".geoparquet")
TABLES = (".csv", ".txt", ".xlsx")
OGR_DRIVERS = {".gpkg": "GPKG", ".fgb": "FlatGeobuf", ".geojson": "GeoJSON", ".json": "GeoJSON"}
EXCEL_ROWS = 1_048_575  # rows of a worksheet, below its header


@dataclass(frozen=True)
class Source:
    """A file of features to read in chunks (see :func:`open_source`)."""

    path: Path
    kind: str  # "parquet", "ogr", "csv" or "xlsx"
    columns: tuple[str, ...]  # attribute columns
    crs: object = None  # the CRS of the geometries; None for a table without geometry
    n_rows: int | None = None
    geometry_type: str = ""  # as the file declares it ("Point", "MultiPolygon", "Unknown")
    files: tuple[Path, ...] = ()  # GeoParquet files
    geometry_column: str | None = None  # where the geometry is in the file
    layer: str | None = None
    lonlat: tuple[str, str] | None = None  # the longitude and latitude columns of a table
    text: tuple[str, str] = ("utf-8", ",")  # a CSV's encoding and separator

    @property
    def has_geometry(self) -> bool:
        return self.crs is not None


def open_source(path, layer: str | None = None, lon: str | None = None, lat: str | None = None) -> Source:
    """What a file of features holds, checked before any chunk is read.

    ``lon``/``lat`` name a table's coordinate columns (default: ``lon``/``lat``,
    ``longitude``/``latitude``, ``x``/``y``... when both are there).

    >>> open_source("no/such.gpkg")  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: no/such.gpkg: file not found
    """
    path = Path(path)
    if not path.exists():
        raise InputError("stream.not_found", path=path)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in PARQUET:
        return _parquet_source(path, lon, lat)
    if suffix in TABLES:
        return _table_source(path, lon, lat)
    return _ogr_source(path, layer)


def _parquet_source(path: Path, lon, lat) -> Source:
    files = tuple(sorted(path.glob("*.parquet"))) if path.is_dir() else (path,)
    if not files:
        raise InputError("stream.no_parquet", path=path)
    try:
        first = pq.ParquetFile(files[0])
        n_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except (OSError, pa.ArrowException) as error:
        raise InputError("stream.unreadable", path=path, reason=str(error).splitlines()[0]) from None
    schema = first.schema_arrow
    geo = json.loads((first.metadata.metadata or {}).get(b"geo", b"null") or "null")
    if not geo:  # a plain table: points by their coordinates, or a table of addresses
        return with_lonlat(Source(path, "parquet", tuple(schema.names), n_rows=n_rows, files=files), lon, lat)
    column = geo.get("primary_column", GEOMETRY)
    meta = geo.get("columns", {}).get(column, {})
    if meta.get("encoding", "WKB").upper() != "WKB":
        raise InputError("stream.encoding", path=path, encoding=meta.get("encoding"))
    crs = meta["crs"] if "crs" in meta else "OGC:CRS84"  # GeoParquet: no crs key means lon/lat
    if crs is None:
        raise InputError("layer.no_crs", path=path)
    kinds = meta.get("geometry_types") or ["Unknown"]
    return Source(path, "parquet", tuple(n for n in schema.names if n != column), _crs(crs), n_rows,
                  kinds[0] if len(kinds) == 1 else "Unknown", files, column)


def _ogr_source(path: Path, layer: str | None) -> Source:
    import pyogrio

    try:
        layers = list_layers(path)
        if layer is None and len(layers) > 1:
            raise InputError("stream.several_layers", path=path, layers=", ".join(sorted(layers)), option=Option("layer"))
        if layer is not None and layer not in layers:
            raise InputError("stream.no_layer", path=path, layer=layer, layers=", ".join(layers))
        info = pyogrio.read_info(_ogr_path(path), layer=layer)
    except InputError:
        raise
    except Exception as error:  # OGR raises many types; its message is what matters
        raise InputError("stream.unreadable", path=path, reason=str(error).splitlines()[0]) from None
    columns = tuple(str(c) for c in info["fields"])
    if info.get("geometry_type") is None:  # an attribute table
        return Source(path, "ogr", columns, n_rows=info["features"], layer=layer)
    if info["crs"] is None:
        raise InputError("layer.no_crs", path=path)
    return Source(path, "ogr", columns, _crs(info["crs"]), info["features"], info["geometry_type"], layer=layer,
                  geometry_column=info.get("geometry_name") or GEOMETRY)


def _table_source(path: Path, lon, lat) -> Source:
    if path.suffix.lower() == ".xlsx":
        import pandas as pd

        head = pd.read_excel(path, dtype=str, nrows=0)
        return with_lonlat(Source(path, "xlsx", tuple(str(c) for c in head.columns)), lon, lat)
    raw = path.read_bytes()[: 1 << 16]
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    text = raw.decode(encoding, errors="ignore").lstrip("\ufeff")
    if encoding == "utf-8":
        try:
            raw[: raw.rfind(b"\n") + 1 or len(raw)].decode("utf-8")
        except UnicodeDecodeError:
            encoding, text = "cp1258", raw.decode("cp1258", errors="replace")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = max((",", ";", "\t"), key=header_line.count)
    header = [name.strip() for name in next(csv.reader([header_line], delimiter=separator), [])]
    if not header or len(set(header)) < len(header):
        raise InputError("stream.bad_header", path=path)
    return with_lonlat(Source(path, "csv", tuple(header), text=(encoding, separator)), lon, lat)


def with_lonlat(source: Source, lon=None, lat=None) -> Source:
    """The source with its coordinate columns (given, else found by their usual names), as
    points in EPSG:4326; a table without them stays a table.

    >>> with_lonlat(Source(Path("p.csv"), "csv", ("ten", "Kinh_do", "vi_do"))).lonlat
    ('Kinh_do', 'vi_do')
    """
    lower = {c.lower(): c for c in source.columns}
    for option, given in (("lon_field", lon), ("lat_field", lat)):
        if given is not None and given not in source.columns:
            raise InputError("stream.no_field", path=source.path, field=given, option=Option(option),
                             fields=", ".join(source.columns))
    lon = lon or next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = lat or next((lower[n] for n in LAT_NAMES if n in lower), None)
    if lon is None or lat is None:
        return source
    return Source(source.path, source.kind, source.columns, _crs("EPSG:4326"), source.n_rows, "Point",
                  source.files, None, None, (lon, lat), source.text)


def _crs(value):
    from pyproj import CRS

    return CRS.from_user_input(value)


def chunks(source: Source, rows: int):
    """The source's rows in chunks of at most ``rows``, in order (Arrow tables, see the module).

    >>> [chunk.num_rows for chunk in chunks(open_source("points.parquet"), 1_000_000)]  # doctest: +SKIP
    [1000000, 1000000, ...]
    """
    if source.kind == "parquet":
        for path in source.files:
            yield from (finish(source, table) for table in _parquet_tables(pq.ParquetFile(path), rows))
    elif source.kind == "ogr":
        yield from _ogr_chunks(source, rows)
    elif source.kind == "xlsx":
        import pandas as pd

        frame = pd.read_excel(source.path, dtype=str).fillna("")
        yield finish(source, pa.Table.from_pandas(frame, preserve_index=False))
    else:
        yield from _csv_chunks(source, rows)


def _parquet_tables(file: pq.ParquetFile, rows: int):
    """A Parquet file's rows in tables of at most ``rows``, read row group by row group (pyarrow's
    ``iter_batches`` keeps what it has read until the end of the file: memory grew with it)."""
    for group in range(file.metadata.num_row_groups):
        if file.metadata.row_group(group).num_rows > 4 * rows:  # a huge row group: in batches
            for batch in file.iter_batches(batch_size=rows, row_groups=[group]):
                yield pa.Table.from_batches([batch])
            continue
        table = file.read_row_group(group)
        for offset in range(0, table.num_rows, rows):
            yield table.slice(offset, rows)


def _ogr_chunks(source: Source, rows: int):
    import pyogrio

    with pyogrio.open_arrow(_ogr_path(source.path), layer=source.layer, batch_size=rows, use_pyarrow=True) as (_, reader):
        for batch in reader:
            yield finish(source, pa.Table.from_batches([batch]))


def _csv_chunks(source: Source, rows: int):
    from pyarrow import csv as pacsv

    encoding, separator = source.text
    reader = pacsv.open_csv(
        source.path, read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=separator),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in source.columns},
                                             strings_can_be_null=False))
    start = 0
    for batch in reader:
        for offset in range(0, batch.num_rows, rows):
            table = pa.Table.from_batches([batch.slice(offset, rows)])
            yield finish(source, table, start)
            start += table.num_rows


def finish(source: Source, table: pa.Table, start: int = 0) -> pa.Table:
    """A chunk as every reader gives it: geometry as WKB in column ``geometry``, last (built from
    a table's coordinate columns; its first row is row ``start`` of the file).

    >>> source = with_lonlat(Source(Path("p.csv"), "csv", ("lon", "lat")))
    >>> finish(source, pa.table({"lon": ["105,5"], "lat": ["10.25"]})).column_names
    ['lon', 'lat', 'geometry']
    """
    if source.lonlat:
        return table.append_column(GEOMETRY, _points_from(source, table, start))
    if source.geometry_column is None:
        return table
    geometry = table.column(source.geometry_column)
    table = table.drop_columns([source.geometry_column])
    return table.append_column(GEOMETRY, geometry.cast(pa.binary()))


def _points_from(source: Source, table: pa.Table, start: int) -> pa.Array:
    """WKB points from a table's longitude and latitude columns (missing where either is empty)."""
    x, y = (_coordinate(source, table, name, start) for name in source.lonlat)
    missing = np.isnan(x) | np.isnan(y)
    return points_wkb(x, y, missing)


def _coordinate(source: Source, table: pa.Table, name: str, start: int) -> np.ndarray:
    column = table.column(name)
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        return column.to_numpy(zero_copy_only=False).astype(float)
    text = pc.replace_substring(pc.utf8_trim_whitespace(column.cast(pa.string())), ",", ".")
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except pa.ArrowInvalid:
        values = text.to_pylist()
        bad = next(i for i, v in enumerate(values) if v is not None and not _is_number(v))
        raise InputError("stream.bad_coordinate", path=source.path, field=name, row=start + bad + 2,
                         value=values[bad]) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def arrow_table(frame) -> pa.Table:
    """A pandas frame as an Arrow table, keeping its number of rows even without columns.

    >>> import pandas as pd
    >>> arrow_table(pd.DataFrame(index=range(3))).num_rows
    3
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if table.num_rows != len(frame):  # no columns: Arrow would count no rows
        table = pa.table({"rows": pa.nulls(len(frame))}).drop_columns(["rows"])
    return table


def points_wkb(x: np.ndarray, y: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Little-endian WKB points from coordinates, built without geometry objects (None where ``missing``).

    >>> import shapely
    >>> shapely.from_wkb(points_wkb(np.array([105.0]), np.array([10.5])).to_numpy(zero_copy_only=False))[0].wkt
    'POINT (105 10.5)'
    """
    record = np.empty(len(x), dtype=np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")]))
    record["order"], record["kind"], record["x"], record["y"] = 1, 1, x, y
    offsets = pa.py_buffer((np.arange(len(x) + 1, dtype=np.int32) * 21).tobytes())
    valid = None if missing is None or not missing.any() else pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(pa.binary(), len(x), [valid, offsets, pa.py_buffer(record.tobytes())])


def point_coordinates(wkb: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The x and y of WKB points read straight from their bytes, when every one is a 2D
    little-endian point (21 bytes); None otherwise (then decode them with shapely).

    >>> point_coordinates(points_wkb(np.array([1.0, 2.0]), np.array([3.0, 4.0])))[1].tolist()
    [3.0, 4.0]
    """
    wkb = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
    if wkb.null_count or not len(wkb) or not pa.types.is_binary(wkb.type):
        return None
    offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32, count=len(wkb) + 1, offset=wkb.offset * 4)
    if not (np.diff(offsets) == 21).all():
        return None
    record = np.frombuffer(wkb.buffers()[2], dtype=np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"),
                                                            ("y", "<f8")]), count=len(wkb), offset=int(offsets[0]))
    if not ((record["order"] == 1) & (record["kind"] == 1)).all():
        return None
    return record["x"].copy(), record["y"].copy()
