"""Deterministic synthetic inputs for job F (assign at scale), made once and cached.

Points and small building-like rectangles placed inside the real new communes
(``new_communes_2025.gpkg``), more where more people live: each commune is weighted
by its population in ``official_communes_2025.csv`` (column ``population``); a commune
without one by its area times the median density of the others. Within a commune,
each polygon part gets its share of the commune's features by area, and features are
drawn uniformly inside the part (rejection sampling in its bounding box).

Everything is made in chunks of ``CHUNK`` features, each chunk a full weighted sample
of the whole country drawn with its own seed (``SEED`` + chunk number) and shuffled,
so that the file is in random spatial order and its first N rows are the N-feature
file: the 10-million-point file is the first two chunks of the 50-million one. The
WKB of points and rectangles is written directly from coordinate arrays (no shapely
objects), so that making 50 million points needs about as much memory as 5 million.

Files (in ``benchmarks/out/tmp``, git-ignored), GeoParquet 1.1, WKB, EPSG:4326, row
groups of ``ROW_GROUP`` rows, columns ``id`` (int64, 0..N-1 = row number) and ``geometry``:

- ``f_points_10M.parquet``, ``f_points_50M.parquet`` (the latter only when asked for);
- ``f_buildings_1M.parquet``: rectangles of 5-30 m by 5-30 m, random orientation;
- ``f_points_10M_parts/part.NN.parquet``: the same points, one file per row group (dask);
- ``*_truth.parquet``: column ``code`` (the commune each feature was drawn in, by row).

    .venv/bin/python benchmarks/synth.py [--points 10000000] [--buildings 1000000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TMP = HERE / "out" / "tmp"
SEED = 20250701
CHUNK = 5_000_000
ROW_GROUP = 1_000_000
BUILDING_SIDES_M = (5.0, 30.0)
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def label(n: int) -> str:
    """10_000_000 -> '10M', 1_000_000 -> '1M', 2_500 -> '2500'."""
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else str(n)


def points_path(n: int) -> Path:
    return TMP / f"f_points_{label(n)}.parquet"


def buildings_path(n: int) -> Path:
    return TMP / f"f_buildings_{label(n)}.parquet"


def truth_path(path: Path) -> Path:
    return path.with_name(path.stem + "_truth.parquet")


def parts_dir(path: Path) -> Path:
    return path.with_name(path.stem + "_parts")


# ---------------------------------------------------------------- weights

def commune_parts(data: Path):
    """Polygon parts of the new communes with their sampling weights.

    Returns (codes of the communes, parts as shapely polygons, commune index of each part,
    weight of each part summing to 1, a dict describing the weighting)."""
    import pandas as pd
    import pyogrio
    import shapely

    from geoplan import area_km2

    gdf = pyogrio.read_dataframe(data / "new_communes_2025.gpkg", columns=["code"])
    codes = gdf["code"].astype(str).to_numpy()
    geoms = gdf.geometry.to_numpy()
    km2 = area_km2(geoms)
    official = pd.read_csv(data / "official_communes_2025.csv", dtype={"new_code": str},
                           usecols=["new_code", "population"])
    pop = pd.Series(codes).map(official.set_index("new_code")["population"]).to_numpy(dtype=float)
    known = np.isfinite(pop) & (pop > 0) & (km2 > 0)
    density = float(np.median(pop[known] / km2[known]))
    weight = np.where(known, pop, km2 * density)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    part_area = shapely.area(parts)  # planar, in degrees: only shares within one commune matter
    commune_area = np.bincount(owner, weights=part_area, minlength=len(geoms))
    part_weight = weight[owner] * part_area / np.where(commune_area > 0, commune_area, 1)[owner]
    info = {"communes": len(geoms), "with_population": int(known.sum()),
            "median_density_per_km2": round(density, 1), "population_total": float(pop[known].sum()),
            "parts": len(parts)}
    return codes, parts, owner, part_weight / part_weight.sum(), info


def sample_in_parts(parts, counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``counts[k]`` uniform points inside each part ``k``: (x, y, part index)."""
    import shapely

    total = int(counts.sum())
    x, y, which = np.empty(total), np.empty(total), np.empty(total, dtype=np.int32)
    bounds = shapely.bounds(parts)
    at = 0
    for k in np.flatnonzero(counts):
        need = int(counts[k])
        xmin, ymin, xmax, ymax = bounds[k]
        part = parts[k]
        shapely.prepare(part)
        fill = shapely.area(part) / max((xmax - xmin) * (ymax - ymin), 1e-300)
        while need:
            m = int(need / max(fill, 1e-4) * 1.2) + 16
            px = rng.uniform(xmin, xmax, m)
            py = rng.uniform(ymin, ymax, m)
            inside = shapely.contains_xy(part, px, py)
            px, py = px[inside][:need], py[inside][:need]
            n = len(px)
            x[at:at + n], y[at:at + n], which[at:at + n] = px, py, k
            at += n
            need -= n
    return x, y, which


def chunk_sample(parts, owner, weights, n: int, seed: int):
    """One chunk: ``n`` points drawn by weight, shuffled: (x, y, commune index)."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, weights)
    x, y, part = sample_in_parts(parts, counts, rng)
    order = rng.permutation(n)
    return x[order], y[order], owner[part[order]], rng


# ---------------------------------------------------------------- WKB and GeoParquet

def points_wkb(x: np.ndarray, y: np.ndarray):
    """A pyarrow BinaryArray of little-endian WKB points, built from the coordinates."""
    import pyarrow as pa

    rec = np.empty(len(x), dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")]))
    rec["order"], rec["type"], rec["x"], rec["y"] = 1, 1, x, y
    offsets = np.arange(len(x) + 1, dtype=np.int32) * 21
    return pa.Array.from_buffers(pa.binary(), len(x), [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())])


def rectangles(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Closed rings (n, 5, 2) in lon/lat: rectangles of 5-30 m sides centred on (x, y), any orientation."""
    n = len(x)
    w = rng.uniform(*BUILDING_SIDES_M, n) / 2
    h = rng.uniform(*BUILDING_SIDES_M, n) / 2
    theta = rng.uniform(0, np.pi, n)
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], dtype=float)
    dx = corners[None, :, 0] * w[:, None]
    dy = corners[None, :, 1] * h[:, None]
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]
    east, north = dx * c - dy * s, dx * s + dy * c
    ring = np.empty((n, 5, 2))
    ring[:, :, 0] = x[:, None] + east / (M_PER_DEG_LON_EQUATOR * np.cos(np.radians(y))[:, None])
    ring[:, :, 1] = y[:, None] + north / M_PER_DEG_LAT
    return ring


def polygons_wkb(rings: np.ndarray):
    """A pyarrow BinaryArray of little-endian WKB polygons of one 5-point ring each."""
    import pyarrow as pa

    n = len(rings)
    rec = np.empty(n, dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"),
                                      ("xy", "<f8", (10,))]))
    rec["order"], rec["type"], rec["rings"], rec["points"] = 1, 3, 1, 5
    rec["xy"] = rings.reshape(n, 10)
    offsets = np.arange(n + 1, dtype=np.int32) * rec.dtype.itemsize
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())])


def geo_metadata(kind: str, bbox: list[float]) -> bytes:
    """GeoParquet 1.1 file metadata for a WKB column ``geometry`` in EPSG:4326."""
    from pyproj import CRS

    return json.dumps({
        "version": "1.1.0", "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": [kind], "bbox": bbox,
                                 "crs": CRS.from_epsg(4326).to_json_dict()}},
    }).encode()


class GeoParquetWriter:
    """Writes (id, geometry WKB) tables chunk by chunk; the bbox in the metadata covers all chunks,
    so the file is written once the bbox is known: chunks go to a temporary file first (pyarrow
    writes the schema metadata in the footer, so the final bbox can still be set at close)."""

    def __init__(self, path: Path, kind: str, parts: Path | None = None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.kind, self.parts = path, kind, parts
        self.tmp = path.with_suffix(".partial")
        self.schema = pa.schema([("id", pa.int64()), ("geometry", pa.binary())])
        self.bbox = [np.inf, np.inf, -np.inf, -np.inf]
        self.written = 0
        self.part_files: list[Path] = []
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="snappy")
        if parts is not None:
            import shutil

            shutil.rmtree(parts, ignore_errors=True)
            parts.mkdir(parents=True)

    def write(self, wkb, xs: np.ndarray, ys: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = len(wkb)
        ids = pa.array(np.arange(self.written, self.written + n, dtype=np.int64))
        table = pa.Table.from_arrays([ids, wkb], schema=self.schema)
        self.writer.write_table(table, row_group_size=ROW_GROUP)
        self.bbox = [min(self.bbox[0], float(xs.min())), min(self.bbox[1], float(ys.min())),
                     max(self.bbox[2], float(xs.max())), max(self.bbox[3], float(ys.max()))]
        if self.parts is not None:  # one file per row group, each a GeoParquet file with its own bbox
            for a in range(0, n, ROW_GROUP):
                b = min(a + ROW_GROUP, n)
                sub = table.slice(a, b - a)
                sx, sy = xs[a:b], ys[a:b]
                meta = geo_metadata(self.kind, [float(sx.min()), float(sy.min()), float(sx.max()), float(sy.max())])
                f = self.parts / f"part.{len(self.part_files):02d}.parquet"
                pq.write_table(sub.replace_schema_metadata({"geo": meta}), f, compression="snappy")
                self.part_files.append(f)
        self.written += n

    def close(self) -> None:
        import pyarrow.parquet as pq

        self.writer.add_key_value_metadata({"geo": geo_metadata(self.kind, self.bbox)})
        self.writer.close()
        pq.read_metadata(self.tmp)  # readable
        self.tmp.replace(self.path)


# ---------------------------------------------------------------- files

def make(data: Path, n: int, kind: str = "points", with_parts: bool = False, log=print) -> Path:
    """The file of ``n`` points or buildings (made once; cached). Returns its path."""
    path = points_path(n) if kind == "points" else buildings_path(n)
    truth = truth_path(path)
    if path.exists() and truth.exists() and (not with_parts or parts_dir(path).is_dir()):
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    TMP.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    codes, parts, owner, weights, info = commune_parts(data)
    writer = GeoParquetWriter(path, "Point" if kind == "points" else "Polygon",
                              parts_dir(path) if with_parts else None)
    truth_writer = pq.ParquetWriter(truth, pa.schema([("code", pa.string())]))
    base = SEED if kind == "points" else SEED + 10_000
    for c, a in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - a)
        x, y, commune, rng = chunk_sample(parts, owner, weights, m, base + c)
        if kind == "points":
            writer.write(points_wkb(x, y), x, y)
        else:
            rings = rectangles(x, y, rng)
            writer.write(polygons_wkb(rings), rings[:, :, 0].ravel(), rings[:, :, 1].ravel())
        truth_writer.write_table(pa.table({"code": pa.array(codes[commune])}), row_group_size=ROW_GROUP)
        del x, y, commune
    truth_writer.close()
    writer.close()
    (path.with_suffix(".json")).write_text(json.dumps(info | {"features": n, "kind": kind, "seed": base,
                                                              "chunk": CHUNK}, indent=1))
    log(f"made {path.name}: {n:,} {kind} in {time.perf_counter() - t0:.0f} s "
        f"({info['with_population']:,} of {info['communes']:,} communes weighted by population, "
        f"the rest by area x median density {info['median_density_per_km2']:,.0f}/km2)")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data" / "vn")
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--buildings", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    make(args.data, args.points, "points", with_parts=True)
    make(args.data, args.buildings, "buildings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
