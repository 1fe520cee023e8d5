"""Write features chunk by chunk (see :mod:`geoplan.io.stream`), atomically, in the format the
target's suffix names, with the small tables that go with them (a summary, what was done).

GeoParquet (``.parquet``), GeoPackage (``.gpkg``), FlatGeobuf (``.fgb``) and GeoJSON
(``.geojson``) are written as the chunks come; CSV (``.csv``) too, with a byte-order mark (Excel
reads Vietnamese right) and the geometry as WKT; an Excel workbook (``.xlsx``) holds at most
1,048,575 rows. The small tables become layers of a GeoPackage, sheets of a workbook, or CSV files
beside any other target (``OUT-summary.csv``).

>>> import tempfile, os
>>> target = os.path.join(tempfile.mkdtemp(), "out.parquet")
>>> write_stream(target, iter([pa.table({"code": ["10"], "geometry": points_wkb(np.array([1.0]), np.array([2.0]))})]),
...              Layout("points", ["Point"]))
1
>>> pq.read_schema(target).names
['code', 'geometry']
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from .arrow_stream import streamed
from .atomic import atomic_path
from .spreadsheets import write_csv, write_xlsx
from .stream import EXCEL_ROWS, GEOMETRY, OGR_DRIVERS, PARQUET, points_wkb  # noqa: F401 (points_wkb: doctest)

SUFFIXES = (*PARQUET, *OGR_DRIVERS, ".csv", ".xlsx")


@dataclass(frozen=True)
class Layout:
    """How to write: the main layer's name, its geometry types (empty: a table without geometry),
    whether a geometry made from a table's own coordinates is left out of a CSV, and the small
    tables that go with it ({name: DataFrame}, filled in while the chunks are written)."""

    layer: str
    geometry_types: list[str] = field(default_factory=list)
    derived_geometry: bool = False
    tables: dict = field(default_factory=dict)


def check_suffix(target) -> str:
    """The kind of file a target is, from its suffix; an unknown suffix is an InputError.

    >>> check_suffix("out.gpkg"), check_suffix("OUT.Parquet")
    ('.gpkg', '.parquet')
    """
    suffix = Path(target).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError("stream.target_suffix", path=target, suffixes=", ".join(SUFFIXES))
    return suffix


def write_stream(target, batches, layout: Layout) -> int:
    """Write the Arrow tables ``batches`` (the same columns each) to ``target``, then the
    layout's small tables; returns the number of rows written.

    The small tables are read once every batch is written, so a caller may fill them meanwhile
    (see the module for an example).
    """
    suffix = check_suffix(target)
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        raise InputError("stream.nothing", path=target)
    batches = itertools.chain([first], batches)
    if suffix in PARQUET:
        n = _parquet(target, first.schema, batches, layout)
    elif suffix == ".xlsx":
        n = _xlsx(target, batches, layout)
    elif suffix == ".csv":
        n = _csv(target, first.schema, batches, layout)
    else:
        n = _ogr(target, first.schema, batches, layout, OGR_DRIVERS[suffix])
    if suffix not in (".gpkg", ".xlsx"):
        for name, frame in layout.tables.items():
            write_csv(frame, beside(target, name))
    return n


def beside(target, name: str) -> Path:
    """Where a small table goes beside a target that cannot hold it: ``OUT-name.csv``.

    >>> beside("out/points.parquet", "summary").as_posix()
    'out/points-summary.csv'
    """
    target = Path(target)
    return target.with_name(f"{target.stem}-{name}.csv")


def geo_metadata(geometry_types: list[str]) -> bytes:
    """GeoParquet 1.1 metadata of column ``geometry`` (WKB, EPSG:4326).

    >>> json.loads(geo_metadata(["Point"]))["columns"]["geometry"]["geometry_types"]
    ['Point']
    """
    from pyproj import CRS

    return json.dumps({"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: {
        "encoding": "WKB", "geometry_types": geometry_types, "crs": CRS.from_epsg(4326).to_json_dict()}}}).encode()


def _parquet(target, schema: pa.Schema, batches, layout: Layout) -> int:
    n = 0
    with atomic_path(target) as tmp:
        coded = [f.name for f in schema if pa.types.is_dictionary(f.type)]  # units: written as their index
        encoding = {"feature": "DELTA_BINARY_PACKED"} if "feature" in schema.names else None  # 0, 1, 2...: no bytes
        writer = pq.ParquetWriter(tmp, schema, compression="snappy", store_schema=False,  # plain text when read back
                                  column_encoding=encoding,
                                  use_dictionary=coded,  # statistics of geometries and coded text cost more than
                                  write_statistics=[n for n in schema.names if n not in coded and n != GEOMETRY])  # all else
        try:
            for batch in batches:
                writer.write_table(batch.cast(schema))
                n += batch.num_rows
            if GEOMETRY in schema.names:
                writer.add_key_value_metadata({"geo": geo_metadata(layout.geometry_types)})
        finally:
            writer.close()
    return n


def _ogr(target, schema: pa.Schema, batches, layout: Layout, driver: str) -> int:
    import pyogrio

    plain = _plain(schema)
    count = [0]

    def counted():
        for batch in batches:
            count[0] += batch.num_rows
            yield from batch.cast(plain).to_batches()

    geometry = GEOMETRY in schema.names
    kind = layout.geometry_types[0] if len(layout.geometry_types) == 1 else "Unknown"
    # FlatGeobuf without its spatial index: GDAL would hold every feature's extent until the end
    # (memory growing with the number of features), and the index refuses features without geometry
    options = {"SPATIAL_INDEX": "NO"} if driver == "FlatGeobuf" else {}
    with atomic_path(target) as tmp, streamed(plain, counted()) as reader:
        pyogrio.write_arrow(reader, tmp, layer=layout.layer, driver=driver, layer_options=options,
                            **({"geometry_name": GEOMETRY, "geometry_type": kind, "crs": "EPSG:4326"} if geometry else {}))
        if driver == "GPKG":
            for name, frame in layout.tables.items():
                pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=name, driver="GPKG")
    return count[0]


def _csv(target, schema: pa.Schema, batches, layout: Layout) -> int:
    from pyarrow import csv as pacsv

    n = 0
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            out.write("\ufeff".encode())  # Excel reads the file as UTF-8
            writer = None
            for batch in batches:
                table = _text_geometry(batch.cast(schema), layout)
                if writer is None:
                    writer = pacsv.CSVWriter(out, _plain(table.schema))
                writer.write_table(table.cast(_plain(table.schema)))
                n += batch.num_rows
            writer.close()
    return n


def _xlsx(target, batches, layout: Layout) -> int:
    frames, n = [], 0
    for batch in batches:
        n += batch.num_rows
        if n > EXCEL_ROWS:
            raise InputError("stream.too_many_rows", path=target, limit=EXCEL_ROWS)
        table = _text_geometry(batch, layout)
        frames.append(table.cast(_plain(table.schema)).to_pandas())
    write_xlsx({layout.layer: pd.concat(frames, ignore_index=True), **layout.tables}, target)
    return n


def _text_geometry(table: pa.Table, layout: Layout) -> pa.Table:
    """A table for CSV and Excel: the geometry as WKT, or left out when it was made from the
    table's own coordinate columns."""
    if GEOMETRY not in table.column_names:
        return table
    index = table.column_names.index(GEOMETRY)
    if layout.derived_geometry:
        return table.remove_column(index)
    import shapely

    wkb = table.column(GEOMETRY).to_numpy(zero_copy_only=False)
    wkt = shapely.to_wkt(shapely.from_wkb(np.asarray(wkb, dtype=object)), rounding_precision=-1)
    return table.set_column(index, GEOMETRY, pa.array(wkt, type=pa.string(), from_pandas=True))


def _plain(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary columns as their values (OGR and CSV take plain columns).

    >>> _plain(pa.schema([("code", pa.dictionary(pa.int32(), pa.string()))])).types
    [DataType(string)]
    """
    return pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])
