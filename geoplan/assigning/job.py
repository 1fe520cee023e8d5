"""Assign any layer to units: points, lines and polygons (cut at the units' boundaries, or one
unit each), and tables of old addresses (converted through the plan).

The units are a merge result (its new units, with the crosswalk to the old ones), any layer of
polygons, or, for old addresses only, a plan. Features are read and written in chunks, so that
memory stays bounded whatever their number (:mod:`geoplan.io.stream`); with ``engine="dask"`` the
same assignment runs on dask-geopandas over a distributed cluster (:mod:`.cluster`). What each
output row holds: :mod:`.features` (features), :mod:`.addresses` (addresses).

>>> import geoplan
>>> result = geoplan.assign(schools, "communes.gpkg")  # doctest: +SKIP
>>> result.features[["name_school", "code", "name", "parent"]].head()  # doctest: +SKIP
>>> geoplan.assign_file("buildings.parquet", "new_communes_2025.gpkg", "pieces.parquet", summarise=True)  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ..errors import GeoplanError, InputError
from ..i18n import Message, Option
from ..io.atomic import check_target
from ..io.stream import GEOMETRY, Source, arrow_table, chunks, finish, open_source, point_coordinates, with_lonlat
from ..io.stream_write import Layout, check_suffix, write_stream
from ..threads import in_daemon_thread
from .addresses import convert, convert_file, is_address_table
from .features import Job
from .options import AssignOptions
from .report import AssignReport, AssignResult
from .summary import Tally
from .units import Units, load_units

POINT_ROWS, OTHER_ROWS = 1_000_000, 100_000  # features per chunk
DIMENSIONS = {"point": 0, "multipoint": 0, "linestring": 1, "multilinestring": 1, "polygon": 2, "multipolygon": 2}
KIND = {frozenset({0}): "points", frozenset({1}): "lines", frozenset({2}): "polygons"}
WITH_TABLES = (".gpkg", ".xlsx")  # targets that hold the summary and the about table beside the features
ONE_GEOMETRY_TYPE = (".gpkg", ".fgb", ".geojson")  # OGR layers: polygons written as MultiPolygons
SWAPPED = 0.5  # share of features lying in the units' extent once x and y are swapped


def assign(features, units, options: AssignOptions | None = None, *, progress=None, **changes) -> AssignResult:
    """Assign ``features`` (a GeoDataFrame, a DataFrame of old addresses or with lon/lat columns,
    or a file) to ``units`` (a MergeResult, a GeoDataFrame, a file, a Plan or plan name),
    in memory. ``options``: an :class:`~geoplan.assigning.options.AssignOptions`, or its
    fields as keywords.

    >>> import geopandas as gpd
    >>> units = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    >>> points = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[shapely.Point(0.5, 0.5), shapely.Point(5, 5)], crs=4326)
    >>> assign(points, units).features[["id", "code", "placed"]].values.tolist()
    [[1, 'A', 'inside'], [2, nan, 'outside']]
    """
    options = AssignOptions.build(options, **changes)
    source, table = _in_memory(features, options)
    units = load_units(units, options)
    say = _teller(progress)
    if is_address_table(source, units, options):
        return convert(table, source, units, options, say)
    job, report = _prepare(source, units, options, table)
    out = job.assign(table, np.arange(table.num_rows))
    report.tally.add(out, job.summarise_field)
    frame = _frame(out)
    summary = report.tally.summary(units, job.summarise_field) if options.summarise else None
    return AssignResult(frame, summary, report)


def assign_file(source, units, target, options: AssignOptions | None = None, *, progress=None,
                **changes) -> AssignReport:
    """Assign the features of file ``source`` to ``units`` and write them to ``target`` (its
    suffix says the format: .parquet, .gpkg, .fgb, .geojson, .csv, .xlsx), chunk by chunk.

    >>> assign_file("schools.gpkg", "communes.gpkg", "schools-assigned.gpkg").summary()  # doctest: +SKIP
    'Assigned 1,204 points to 3,321 units: 1,204 inside, ...'
    """
    options = AssignOptions.build(options, **changes)
    check_suffix(target)
    if options.engine == "local":  # the dask engine writes a folder, checked there
        check_target(target)
    if Path(target).resolve() == Path(source).resolve():
        raise InputError("assign.target_is_input", path=target)
    say = _teller(progress)
    source = open_source(source, options.layer, options.lon_field, options.lat_field)
    if options.engine == "local" and source.has_geometry and source.lonlat is None:  # features, not addresses
        load = in_daemon_thread(lambda: load_units(units, options))  # beside the reading of the first chunk
        return _run_local(source, load.result, target, options, say)
    units = load_units(units, options)
    if is_address_table(source, units, options):
        return convert_file(source, units, target, options, say)
    if options.engine == "dask":
        from .cluster import run_dask  # dask and distributed load only when asked for

        return run_dask(source, units, target, options, say)
    return _run_local(source, lambda: units, target, options, say)


def _run_local(source: Source, loaded, target, options: AssignOptions, say) -> AssignReport:
    """The local engine: chunks read, assigned and written one after the other; ``loaded()``
    gives the units (once the first chunk is read: they may be loading meanwhile)."""
    rows = options.chunk_rows or (POINT_ROWS if _dimensions(source, None) == {0} else OTHER_ROWS)
    reader = chunks(source, rows)
    try:
        first = next(reader, None)
    except GeoplanError:
        loaded()  # a mistake in the units is said first, as when they were loaded before
        raise
    units = loaded()
    if first is None:
        raise InputError("assign.empty", path=source.path)
    job, report = _prepare(source, units, options, first)
    report.target = str(target)
    job.multi = Path(target).suffix.lower() in ONE_GEOMETRY_TYPE
    say(Message("assign.progress_units", path=units.label, n=len(units.table)))  # once the inputs are checked
    layout = Layout(layer_name(job), geometry_types(job), derived_geometry=source.lonlat is not None)

    def assigned():
        start = 0
        for chunk in itertools.chain([first], reader):
            out = job.assign(chunk, start + np.arange(chunk.num_rows))
            report.tally.add(out, job.summarise_field)
            start += chunk.num_rows
            say(Message("assign.progress_chunk", done=start, n=source.n_rows or start,
                        share=start / (source.n_rows or start)))
            yield out
        if options.summarise or Path(target).suffix.lower() in WITH_TABLES:
            layout.tables["summary"] = report.tally.summary(units, job.summarise_field)
        if Path(target).suffix.lower() in WITH_TABLES:
            layout.tables["about"] = pd.DataFrame(report.about(), columns=["key", "value"])

    write_stream(target, assigned(), layout)
    return report


def _prepare(source: Source, units: Units, options: AssignOptions, first: pa.Table) -> tuple[Job, AssignReport]:
    """The job for this layer and units, once the first chunk's coordinates are checked."""
    if units.geoms is None:
        raise InputError("assign.no_polygons", path=source.path, units=units.label)
    if options.summarise_field is not None and options.summarise_field not in source.columns:
        raise InputError("assign.no_field", path=source.path, field=options.summarise_field,
                         option=Option("summarise_field"), fields=", ".join(source.columns))
    dimensions = frozenset(_dimensions(source, first))
    _check_coordinates(first, source, units)
    threads = 1 if options.engine == "dask" else None
    job = Job(units, options, dimensions, list(source.columns), source.crs, threads)
    if options.rule == "cut" and 1 in dimensions and options.engine == "local":
        units.exclusive_soon()  # beside the reading and measuring of the features (lines are cut pair by pair)
    report = AssignReport(str(source.path), units.label, len(units.table), KIND.get(dimensions, "features"),
                          options.rule, units_repaired=units.repaired, renamed=job.renamed(), engine=options.engine)
    return job, report


def _dimensions(source: Source, first: pa.Table | None) -> set[int]:
    """The geometry dimensions of a layer: from its declared type, else from its first chunk
    (all three when it mixes them or does not say)."""
    declared = source.geometry_type.lower().replace(" z", "").replace(" m", "").replace("3d ", "")
    if declared in DIMENSIONS:
        return {DIMENSIONS[declared]}
    if first is None:
        return {0, 1, 2}
    geoms = shapely.from_wkb(np.asarray(first.column(GEOMETRY).to_numpy(zero_copy_only=False), dtype=object))
    found = set(np.unique(shapely.get_dimensions(geoms[~shapely.is_missing(geoms)])).tolist()) - {-1}
    return found if len(found) == 1 else {0, 1, 2}


def layer_name(job: Job) -> str:
    """The output layer's name: ``points``, ``pieces`` (cut at boundaries) or ``features`` (one unit each).

    >>> layer_name(Job(None, AssignOptions(rule="largest"), frozenset({2}), [], "EPSG:4326"))
    'features'
    """
    return "points" if job.dimensions == {0} else "pieces" if job.options.rule == "cut" else "features"


def geometry_types(job: Job) -> list[str]:
    """The geometry types of the output (GeoParquet's metadata, OGR's layer type).

    >>> geometry_types(Job(None, AssignOptions(), frozenset({2}), [], "EPSG:4326", multi=False))
    ['Polygon', 'MultiPolygon']
    """
    kinds = {0: ["Point"], 1: ["LineString", "MultiLineString"], 2: ["Polygon", "MultiPolygon"]}
    if len(job.dimensions) != 1:
        return []
    found = kinds[next(iter(job.dimensions))]
    return found[-1:] if job.multi and job.dimensions != {0} else found


def _check_coordinates(first: pa.Table, source: Source, units: Units) -> None:
    """Refuse longitudes and latitudes given the wrong way round (most features fall in the
    units' extent once swapped, hardly any as given), and lon/lat out of range."""
    if not source.crs.is_geographic:
        return
    wkb = first.column(GEOMETRY)
    xy = point_coordinates(wkb)
    if xy is None:
        bounds = shapely.bounds(shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object)))
        xy = ((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    x, y = xy
    known = ~(np.isnan(x) | np.isnan(y))
    if not known.any():
        return
    x, y = x[known], y[known]
    fields = "/".join(source.lonlat) if source.lonlat else "x/y"
    x0, y0, x1, y1 = shapely.total_bounds(units.geoms)
    within = ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).mean()
    swapped = ((y >= x0) & (y <= x1) & (x >= y0) & (x <= y1)).mean()
    if swapped >= SWAPPED and within < swapped / 10:
        raise InputError("assign.swapped", path=source.path, fields=fields, share=float(swapped))
    if (np.abs(y) > 90).any() or (np.abs(x) > 360).any():
        raise InputError("assign.not_lonlat", path=source.path, fields=fields, x=float(x[np.argmax(np.abs(x))]),
                         y=float(y[np.argmax(np.abs(y))]))


def _in_memory(features, options: AssignOptions) -> tuple[Source, pa.Table]:
    """A frame (or a file, read whole) as a source and one Arrow chunk."""
    if isinstance(features, (str, os.PathLike)):
        source = open_source(features, options.layer, options.lon_field, options.lat_field)
        return source, pa.concat_tables(list(chunks(source, OTHER_ROWS)))
    if not isinstance(features, pd.DataFrame):
        raise InputError("assign.features_kind", kind=type(features).__name__)
    label = Path(options.label)
    geometry = getattr(features, "_geometry_column_name", None)
    if geometry is None or geometry not in features:
        table = arrow_table(pd.DataFrame(features))
        source = with_lonlat(Source(label, "frame", tuple(map(str, features.columns))), options.lon_field,
                             options.lat_field)
        return source, finish(source, table)
    if features.crs is None:
        raise InputError("layer.no_crs", path=label)
    attributes = arrow_table(pd.DataFrame(features.drop(columns=geometry)))
    wkb = pa.array(shapely.to_wkb(features.geometry.to_numpy()), pa.binary())
    kinds = sorted(set(features.geometry.dropna().geom_type))
    return (Source(label, "frame", tuple(attributes.column_names), features.crs, len(features),
                   kinds[0] if len(kinds) == 1 else "Unknown"), attributes.append_column(GEOMETRY, wkb))


def _frame(out: pa.Table):
    """An output table as a GeoDataFrame (plain text columns, geometry in lon/lat)."""
    import geopandas as gpd

    from ..io.stream_write import _plain

    out = out.cast(_plain(out.schema))
    wkb = np.asarray(out.column(GEOMETRY).to_numpy(zero_copy_only=False), dtype=object)
    frame = out.drop_columns([GEOMETRY]).to_pandas()
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs="EPSG:4326")


def _teller(progress):
    """A function that passes each progress message to ``progress`` as text (or does nothing)."""
    if progress is None:
        return lambda message: None
    if not callable(progress):
        raise InputError("assign.progress_kind")
    return lambda message: progress(str(message))


__all__ = ["assign", "assign_file", "AssignOptions", "AssignResult", "AssignReport", "Tally"]
