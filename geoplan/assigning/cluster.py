"""The same assignment past one machine: dask-geopandas on a ``distributed`` cluster.

The features (GeoParquet: a file, or a folder of files) become a dask-geopandas GeoDataFrame,
one partition per group of row groups, each row keeping its position in the input
(``feature``); optionally sorted along a Hilbert curve (dask-geopandas' ``spatial_shuffle``).
The job (the units, their grid, the options) is sent once to every worker; each partition is
assigned there by the very function the local engine runs per chunk, and written by its worker
as one GeoParquet file of the output folder. Dask does the scheduling: a ``LocalCluster`` of
``workers`` processes by default, or the cluster whose scheduler is at ``scheduler`` (its
workers must then see the input and the output folder at the same paths). The counts of the
report and the summary come back from the partitions and are added up as the local engine's.

>>> report = assign_file("points.parquet", "communes.gpkg", "out.parquet", engine="dask", workers=2)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from ..errors import InputError
from ..i18n import Message
from ..io.atomic import atomic_folder, check_target
from ..io.stream import GEOMETRY, Source, arrow_table, finish
from ..io.stream_write import Layout, beside, write_stream
from ..io.spreadsheets import write_csv
from .features import Job
from .options import AssignOptions
from .report import AssignReport
from .units import Units

PART_ROWS = {0: 1_000_000, 1: 100_000, 2: 100_000}  # features per partition, by dimension
FEATURE = "__feature"  # the column carrying each row's position in the input through dask


def run_dask(source: Source, units: Units, target, options: AssignOptions, say) -> AssignReport:
    """Assign ``source`` on a dask cluster and write the output folder ``target`` (see the module).

    >>> run_dask(open_source("pts.parquet"), units, "out.parquet", AssignOptions(engine="dask"), print)  # doctest: +SKIP
    """
    from .job import _prepare, geometry_types, layer_name

    target = Path(target)
    if source.kind != "parquet":
        raise InputError("assign.dask_parquet", path=source.path)
    if target.suffix.lower() != ".parquet":
        raise InputError("assign.dask_target", path=target)
    check_target(target.with_name(f".{target.name}.probe"))  # its folder exists and can be written in
    parts = partitions(source, options)
    if not parts:
        raise InputError("assign.empty", path=source.path)
    first = _read(source, parts[0])
    job, report = _prepare(source, units, options, first)
    report.target, report.engine = str(target), "dask"
    say(Message("assign.progress_units", path=units.label, n=len(units.table)))  # once the inputs are checked
    job.units.grid()  # built once here, sent with the job
    job.multi = False  # GeoParquet: polygons and multipolygons side by side
    layout = Layout(layer_name(job), geometry_types(job))
    with atomic_folder(target) as folder:  # one writer; what killed runs left goes first
        with _client(options) as client:
            say(Message("assign.progress_cluster", workers=len(client.scheduler_info()["workers"]),
                        parts=len(parts), address=client.scheduler.address))
            meta = _as_frame(source, first.slice(0, 0), 0)
            tallies = _compute(client, (source, parts, meta), job, (folder, layout), options, say)
    report.tally = reduce(lambda a, b: a.merge(b), tallies)
    if options.summarise:
        write_csv(report.tally.summary(units, job.summarise_field), beside(target, "summary"))
    return report


def partitions(source: Source, options: AssignOptions) -> list[tuple[str, tuple[int, ...], int]]:
    """Groups of row groups of the GeoParquet files, each (file, row groups, first row).

    >>> partitions(Source(Path("p.parquet"), "parquet", (), files=()), AssignOptions())
    []
    """
    rows = options.chunk_rows or PART_ROWS[min(_declared_dimension(source), 2)]
    parts, start = [], 0
    for path in source.files:
        meta = pq.ParquetFile(path).metadata
        group, size = [], 0
        for k in range(meta.num_row_groups):
            n = meta.row_group(k).num_rows
            if group and size + n > rows:
                parts.append((str(path), tuple(group), start))
                start, group, size = start + size, [], 0
            group.append(k)
            size += n
        if group:
            parts.append((str(path), tuple(group), start))
            start += size
    return parts


def _declared_dimension(source: Source) -> int:
    from .job import DIMENSIONS

    return DIMENSIONS.get(source.geometry_type.lower(), 2)


def _read(source: Source, part) -> pa.Table:
    """A partition's rows as a chunk (attributes and WKB geometry)."""
    path, groups, _ = part
    return finish(source, pq.ParquetFile(path).read_row_groups(list(groups)))


def _frame(source: Source, part):
    """A partition as a GeoDataFrame."""
    return _as_frame(source, _read(source, part), part[2])


def _as_frame(source: Source, table: pa.Table, start: int):
    """A chunk as a GeoDataFrame, with the ``feature`` number of each row (its position in the input)."""
    import geopandas as gpd

    wkb = np.asarray(table.column(GEOMETRY).to_numpy(zero_copy_only=False), dtype=object)
    frame = table.drop_columns([GEOMETRY]).to_pandas()
    frame.insert(0, FEATURE, np.arange(start, start + table.num_rows))
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=source.crs)


def _assign_part(frame, job: Job, path: str, layout: Layout):
    """Assign one partition and write it; its tally goes back to the client."""
    from .summary import Tally

    feature = frame[FEATURE].to_numpy()
    attributes = arrow_table(pd.DataFrame(frame.drop(columns=[FEATURE, frame.geometry.name])))
    table = attributes.append_column(GEOMETRY, pa.array(shapely.to_wkb(frame.geometry.to_numpy()), pa.binary()))
    out = job.assign(table, feature)
    tally = Tally()
    tally.add(out, job.summarise_field)
    if out.num_rows:
        write_stream(path, iter([out]), layout)
    return tally


def _compute(client, data, job, output, options: AssignOptions, say) -> list:
    """Run the partitions on the cluster (a dask-geopandas collection, a task per partition);
    ``data``: the source, its partitions and an empty frame of their columns; ``output``: the
    folder the workers write in and the layout. Returns the partitions' tallies."""
    import dask
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401 (makes from_map build a dask-geopandas GeoDataFrame)
    from distributed import as_completed

    source, parts, meta = data
    folder, layout = output
    frames = dd.from_map(_frame, [source] * len(parts), parts, meta=meta, enforce_metadata=False)
    if options.spatial_shuffle:
        frames = frames.spatial_shuffle()
    shared = client.scatter(job, broadcast=True)
    tasks = [dask.delayed(_assign_part)(part, shared, str(folder / f"part.{k:05d}.parquet"), layout)
             for k, part in enumerate(frames.to_delayed())]
    futures = client.compute(tasks)
    order = {future.key: k for k, future in enumerate(futures)}
    tallies, done = {}, 0
    for future in as_completed(futures):
        tally = tallies[order[future.key]] = future.result()
        done += tally.features
        say(Message("assign.progress_chunk", done=done, n=source.n_rows or done, share=done / (source.n_rows or done)))
    return [tallies[k] for k in range(len(futures))]


def _client(options: AssignOptions):
    """A client of the cluster at ``scheduler``, else of a new LocalCluster (closed with the client)."""
    from distributed import Client, LocalCluster

    if options.scheduler:
        try:
            return Client(options.scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise InputError("assign.no_scheduler", address=options.scheduler, reason=str(error)) from None
    cluster = LocalCluster(n_workers=options.workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return _Closing(Client(cluster), cluster)


class _Closing:
    """A client used in a ``with`` block that closes its local cluster too."""

    def __init__(self, client, cluster):
        self.client, self.cluster = client, cluster

    def __enter__(self):
        return self.client

    def __exit__(self, *exc):
        self.client.close()
        self.cluster.close()
