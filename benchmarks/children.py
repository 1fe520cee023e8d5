"""The peer tools of jobs E (overlay) and F (assign at scale), each run as a fresh process:

    python benchmarks/children.py TOOL ARGS...

Every tool reads its inputs, does the work, writes its output and prints, as its last line
on stdout, a JSON object with the rows written and the time of each step (measured inside
the process, for the notes; the benchmark times the whole process from outside). Run with
geoplan's .venv (geopandas, shapely) or with the peers' environment (tobler, dask-geopandas,
DuckDB; see extra_peers.py). On failure the last line on stderr is the reason.

Tools:
    overlay-geopandas A B OUT           gpd.overlay(A, B, how="intersection"), area_km2, write OUT
    overlay-shapely A B OUT [--clip]    STRtree pairs, contains shortcuts, vectorised intersection
    overlay-tobler A B OUT [--jobs N]   tobler's area table (sparse A x B matrix of areas)
    sjoin-geopandas P B OUT [--predicate within|intersects]
    sjoin-dask PARTS B OUT --workers N  dask-geopandas sjoin on a distributed LocalCluster
    sjoin-duckdb P B OUT --ext FILE     DuckDB spatial join (ST_Within), COPY to Parquet
    overlay-duckdb A B OUT --ext FILE   DuckDB ST_Intersection over its spatial join (a feature
                                        within the unit is kept whole: ST_Within shortcut)
    duckdb-probe                        how DuckDB's spatial extension can be loaded here
A and B: polygon layers (GeoPackage or GeoParquet); P: points (GeoParquet); PARTS: a folder
of GeoParquet files. B's code column is ``code``; A's and P's id column ``id`` when it has one
(else the row number), so that every output says which feature of A/P went to which unit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# Area of the pieces in tools that measure in a projected CRS: an Albers equal-area projection
# centred on Vietnam (areas on the WGS 84 ellipsoid, as a geodesic measure would give them).
EQUAL_AREA = "+proj=aea +lat_0=16 +lon_0=106 +lat_1=10 +lat_2=22 +datum=WGS84 +units=m +no_defs"

STEPS: dict[str, float] = {}
_T = [time.perf_counter()]


def step(name: str) -> None:
    """Record the time since the previous step under ``name``."""
    now = time.perf_counter()
    STEPS[name] = round(STEPS.get(name, 0.0) + now - _T[0], 3)
    _T[0] = now


def done(rows: int, **extra) -> None:
    print(json.dumps({"rows": int(rows), "steps": STEPS} | extra), flush=True)


def read(path: str, columns: list[str] | None = None):
    """A GeoDataFrame from a GeoPackage or (Geo)Parquet file, with an ``id`` column."""
    import geopandas as gpd

    if path.endswith(".parquet") or os.path.isdir(path):
        gdf = gpd.read_parquet(path, columns=None if columns is None else [*columns, "geometry"])
    else:
        gdf = gpd.read_file(path, columns=columns or [], engine="pyogrio", use_arrow=True)
    if "id" not in gdf.columns:
        gdf.insert(0, "id", range(len(gdf)))
    return gdf


def read_units(path: str):
    """The units (new communes): code + geometry."""
    return read(path, ["code"])[["code", "geometry"]]


def write(gdf, out: str) -> None:
    if out.endswith(".parquet"):
        gdf.to_parquet(out, index=False)
    else:
        gdf.to_file(out, driver="GPKG", layer="pieces", engine="pyogrio")


def ids_of(path: str) -> list[str]:
    """The id column to keep from a layer: ``id`` if present, else none (row numbers)."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        return ["id"] if "id" in pq.read_schema(path).names else []
    return []


# ---------------------------------------------------------------- job E / F.polygons: overlay

def overlay_geopandas(a: str, b: str, out: str) -> None:
    import geopandas as gpd

    left = read(a, ids_of(a))[["id", "geometry"]]
    right = read_units(b)
    step("read")
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    step("overlay")
    pieces["area_km2"] = pieces.geometry.to_crs(EQUAL_AREA).area / 1e6
    step("area")
    write(pieces, out)
    step("write")
    done(len(pieces))


def overlay_shapely(a: str, b: str, out: str, clip: bool) -> None:
    """A careful pure-shapely overlay: candidate pairs from an STRtree (predicate intersects),
    a pair whose one polygon contains the other is that polygon (no overlay), the other pairs
    are intersected in one vectorised call (each unit first clipped to the other polygon's
    bounding box with --clip), non-polygonal bits dropped, areas in an equal-area projection."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from pyproj import Transformer

    left = read(a, ids_of(a))
    right = read_units(b)
    old, new = left.geometry.to_numpy(), right.geometry.to_numpy()
    step("read")
    i, j = shapely.STRtree(new).query(old, predicate="intersects")
    step("pairs")
    shapely.prepare(old)
    shapely.prepare(new)
    whole_old = shapely.contains(new[j], old[i])
    whole_new = ~whole_old & shapely.contains(old[i], new[j])
    step("contains")
    rest = ~(whole_old | whole_new)
    pieces = np.empty(len(i), dtype=object)
    pieces[whole_old] = old[i[whole_old]]
    pieces[whole_new] = new[j[whole_new]]
    ri, rj = i[rest], j[rest]
    other = new[rj]
    if clip:
        bounds = shapely.bounds(old[ri])
        other = np.array([shapely.clip_by_rect(g, *bb) for g, bb in zip(other, bounds)], dtype=object)
        step("clip")
    pieces[rest] = shapely.intersection(old[ri], other)
    step("intersection")
    # keep the polygonal part of each piece (a pair that only touches gives a line or a point)
    kind = shapely.get_type_id(pieces)
    odd = np.flatnonzero(~np.isin(kind, (3, 6)))
    if len(odd):
        parts, owner = shapely.get_parts(pieces[odd], return_index=True)
        poly = shapely.get_type_id(parts) == 3
        fixed = np.full(len(odd), None, dtype=object)
        if poly.any():
            merged = shapely.multipolygons(parts[poly], indices=owner[poly])
            fixed[np.unique(owner[poly])] = merged
        pieces[odd] = fixed
    keep = ~(shapely.is_missing(pieces) | shapely.is_empty(pieces))
    step("polygonal")
    result = gpd.GeoDataFrame({"id": left["id"].to_numpy()[i[keep]], "code": right["code"].to_numpy()[j[keep]]},
                              geometry=pieces[keep], crs=left.crs)
    to_ea = Transformer.from_crs(left.crs, EQUAL_AREA, always_xy=True)
    result["area_km2"] = shapely.area(shapely.transform(pieces[keep], lambda xy: np.column_stack(
        to_ea.transform(xy[:, 0], xy[:, 1])))) / 1e6
    step("area")
    write(result, out)
    step("write")
    done(len(result), pairs=int(len(i)), whole=int(whole_old.sum() + whole_new.sum()))


def overlay_tobler(a: str, b: str, out: str, jobs: int) -> None:
    """tobler's area table: the sparse (A x B) matrix of intersection areas that
    ``tobler.area_weighted.area_interpolate`` builds first (``_area_tables_binning``, or
    ``_area_tables_binning_parallel`` with --jobs > 1), in an equal-area projection (tobler
    measures areas in the layers' CRS). Written as (row of A, row of B, area_km2) triples."""
    import numpy as np
    import pandas as pd
    import importlib

    ai = importlib.import_module("tobler.area_weighted.area_interpolate")  # the module, not the function

    left = read(a, ids_of(a))[["id", "geometry"]].to_crs(EQUAL_AREA)
    right = read_units(b).to_crs(EQUAL_AREA)
    step("read")
    if jobs > 1:
        table = ai._area_tables_binning_parallel(left, right, n_jobs=jobs)
    else:
        table = ai._area_tables_binning(left, right, "auto")
    step("area table")
    coo = table.tocoo()
    pd.DataFrame({"id": left["id"].to_numpy()[coo.row], "code": right["code"].to_numpy()[coo.col],
                  "area_km2": coo.data.astype(np.float64) / 1e6}).to_parquet(out, index=False)
    step("write")
    done(coo.nnz, dtype=str(table.dtype))


# ---------------------------------------------------------------- job F: points in units

def sjoin_geopandas(points: str, units: str, out: str, predicate: str) -> None:
    import geopandas as gpd

    pts = read(points)
    step("read points")
    polys = read_units(units)
    step("read units")
    joined = gpd.sjoin(pts, polys, how="inner", predicate=predicate).drop(columns="index_right")
    step("sjoin")
    joined.to_parquet(out, index=False)
    step("write")
    done(len(joined))


def sjoin_dask(parts: str, units: str, out: str, workers: int) -> None:
    """dask-geopandas' own sjoin (points partitioned, the units one partition) on a
    distributed LocalCluster of N worker processes with one thread each; output written by
    the workers as a folder of Parquet files."""
    import dask_geopandas
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster):
        step("cluster")
        pts = dask_geopandas.read_parquet(parts)
        polys = dask_geopandas.from_geopandas(read_units(units), npartitions=1)
        joined = dask_geopandas.sjoin(pts, polys, how="inner", predicate="within")
        joined = joined.drop(columns="index_right")
        joined.to_parquet(out, write_index=False)
        step("sjoin + write (lazy graph run)")
        n = pts.npartitions
    done(-1, partitions=n)


# ---------------------------------------------------------------- DuckDB

def duckdb_connect(ext: str, threads: int | None = None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'" if ext.endswith(".duckdb_extension") else f"LOAD {ext}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def units_table(con, units: str) -> None:
    """The units into a DuckDB table (code, geom): ST_Read of the GeoPackage (GDAL in the extension)."""
    if units.endswith(".parquet"):
        con.execute(f"CREATE TABLE units AS SELECT code, geometry AS geom FROM read_parquet('{units}')")
    else:
        con.execute(f"CREATE TABLE units AS SELECT code, geom FROM ST_Read('{units}')")


def sjoin_duckdb(points: str, units: str, out: str, ext: str, threads: int | None) -> None:
    con = duckdb_connect(ext, threads)
    step("load extension")
    units_table(con, units)
    step("read units")
    con.execute(f"""COPY (SELECT p.id, u.code, p.geometry FROM read_parquet('{points}') p
                         JOIN units u ON ST_Within(p.geometry, u.geom))
                    TO '{out}' (FORMAT parquet)""")
    step("join + write")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    plan = con.execute(f"EXPLAIN SELECT p.id, u.code FROM read_parquet('{points}') p "
                       "JOIN units u ON ST_Within(p.geometry, u.geom)").fetchall()
    text = " ".join(str(r[-1]) for r in plan)
    done(n, join="SPATIAL_JOIN" if "SPATIAL_JOIN" in text else "other (no SPATIAL_JOIN in plan)",
         threads=con.execute("SELECT current_setting('threads')").fetchone()[0])


def overlay_duckdb(a: str, units: str, out: str, ext: str, threads: int | None) -> None:
    con = duckdb_connect(ext, threads)
    step("load extension")
    units_table(con, units)
    src = f"read_parquet('{a}')" if a.endswith(".parquet") else f"ST_Read('{a}')"
    geom = "geometry" if a.endswith(".parquet") else "geom"
    step("read units")
    con.execute(f"""COPY (SELECT id, code, geometry, ST_Area_Spheroid(ST_FlipCoordinates(geometry)) / 1e6 AS area_km2
                          FROM (SELECT a.id, u.code,
                                       CASE WHEN ST_Within(a.{geom}, u.geom) THEN a.{geom}
                                            ELSE ST_CollectionExtract(ST_Intersection(a.{geom}, u.geom), 3) END AS geometry
                                FROM {src} a JOIN units u ON ST_Intersects(a.{geom}, u.geom))
                          WHERE NOT ST_IsEmpty(geometry))
                    TO '{out}' (FORMAT parquet)""")
    step("overlay + write")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    done(n, threads=con.execute("SELECT current_setting('threads')").fetchone()[0])


def duckdb_probe() -> None:
    """Which spatial extension DuckDB can load here: one already installed, ``INSTALL spatial``
    from DuckDB's extension repository, or the file shipped by the PyPI package
    ``duckdb-extension-spatial`` (for the running DuckDB version). Prints JSON."""
    import duckdb

    info = {"duckdb": duckdb.__version__, "errors": []}
    con = duckdb.connect()
    version = con.execute("PRAGMA version").fetchone()[0]
    for how, sql in (("LOAD spatial (already installed)", "LOAD spatial"),
                     ("INSTALL spatial", "INSTALL spatial; LOAD spatial")):
        try:
            con.execute(sql)
            info |= {"how": how, "ext": "spatial"}
            break
        except Exception as exc:  # noqa: BLE001 - the reason is the result
            info["errors"].append(f"{sql}: {str(exc).splitlines()[0]}")
    else:
        try:
            import duckdb_extension_spatial  # PyPI: duckdb-extension-spatial (+ duckdb-extensions)

            path = Path(duckdb_extension_spatial.__file__).parent / "extensions" / version / "spatial.duckdb_extension"
            if not path.exists():
                raise FileNotFoundError(f"duckdb-extension-spatial has no build for DuckDB {version}")
            duckdb.connect().execute(f"LOAD '{path}'")
            info |= {"how": "PyPI duckdb-extension-spatial", "ext": str(path)}
        except Exception as exc:  # noqa: BLE001
            info["errors"].append(f"PyPI duckdb-extension-spatial: {exc}")
    print(json.dumps(info))


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--clip", action="store_true")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--predicate", default="within")
    ap.add_argument("--ext", default="spatial")
    ap.add_argument("--threads", type=int, default=None)
    o = ap.parse_args(argv)
    t = o.tool
    if t == "overlay-geopandas":
        overlay_geopandas(*o.args)
    elif t == "overlay-shapely":
        overlay_shapely(*o.args, clip=o.clip)
    elif t == "overlay-tobler":
        overlay_tobler(*o.args, jobs=o.jobs)
    elif t == "sjoin-geopandas":
        sjoin_geopandas(*o.args, predicate=o.predicate)
    elif t == "sjoin-dask":
        sjoin_dask(*o.args, workers=o.workers)
    elif t == "sjoin-duckdb":
        sjoin_duckdb(*o.args, ext=o.ext, threads=o.threads)
    elif t == "overlay-duckdb":
        overlay_duckdb(*o.args, ext=o.ext, threads=o.threads)
    elif t == "duckdb-probe":
        duckdb_probe()
    else:
        sys.exit(f"unknown tool {t}")


if __name__ == "__main__":
    main(sys.argv[1:])
