"""Quality of the outputs of jobs E (overlay pieces) and F (features assigned to units),
measured from each tool's output file in the same way for every tool."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SLIVER_KM2 = 1e-4  # 100 m2
EQUAL_AREA = "+proj=aea +lat_0=16 +lon_0=106 +lat_1=10 +lat_2=22 +datum=WGS84 +units=m +no_defs"


def read_pieces(path: Path):
    """A tool's pieces: GeoPackage (layer ``pieces``, else the first), GeoParquet, a folder of
    GeoParquet files, CSV of hex WKB (PostGIS), or a table without geometry (tobler).
    Returns a pandas DataFrame with a ``geometry`` column of shapely objects or None."""
    import pandas as pd
    import pyogrio
    import shapely

    path = Path(path)
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype={"code": str})
        df["geometry"] = shapely.from_wkb(df.pop("wkb"))
        return df
    if path.suffix == ".parquet" or path.is_dir():
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if "geometry" in table.column_names:
            geo = table.column("geometry")
            df = table.drop(["geometry"]).to_pandas()
            df["geometry"] = shapely.from_wkb(np.asarray(geo.to_numpy(zero_copy_only=False), dtype=object))
            return df
        return table.to_pandas()
    layers = [name for name, _ in pyogrio.list_layers(path)]
    return pyogrio.read_dataframe(path, layer="pieces" if "pieces" in layers else layers[0])


def layer_area_km2(src: Path, cache: Path) -> float:
    """Summed geodesic area of a layer's polygons (geoplan.area_km2), cached by name, size, mtime."""
    import pyogrio

    from geoplan import area_km2

    data = json.loads(cache.read_text()) if cache.exists() else {}
    st = src.stat()
    key = f"area_km2:{src.name}:{st.st_size}:{int(st.st_mtime)}"
    if key not in data:
        data[key] = float(area_km2(pyogrio.read_dataframe(src, columns=[]).geometry.to_numpy()).sum())
        cache.write_text(json.dumps(data, indent=1))
    return data[key]


def pieces_quality(path: Path, old_km2: float, new_km2: float) -> dict:
    """Job E: pieces (rows with a non-empty geometry, or with area > 0 when the tool gives no
    geometry), distinct (id, code) pairs when both columns are there, share of valid pieces, their
    summed geodesic area against the old and the new layer's, slivers (pieces under 100 m2), and
    the tool's own ``area_km2`` column against the geodesic measure."""
    import shapely

    from geoplan import area_km2

    df = read_pieces(path)
    q: dict = {}
    if "geometry" in df.columns:
        geoms = df["geometry"].to_numpy()
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        df, geoms = df[keep], geoms[keep]
        km2 = area_km2(geoms)
        q["valid_share"] = float(shapely.is_valid(geoms).mean()) if len(geoms) else None
        kinds = shapely.get_type_id(geoms)
        q["non_polygonal"] = int((~np.isin(kinds, (3, 6))).sum())
        if "area_km2" in df.columns:
            own = df["area_km2"].to_numpy(dtype=float)
            q["own_area_diff_pct"] = 100 * (own.sum() - km2.sum()) / km2.sum()
    elif "area_km2" in df.columns:
        km2 = df["area_km2"].to_numpy(dtype=float)
        keep = km2 > 0
        df, km2 = df[keep], km2[keep]
        q["valid_share"] = None
    else:
        raise ValueError("output has neither a geometry nor an area_km2 column")
    q["pieces"] = int(len(df))
    if {"id", "code"} <= set(df.columns):
        q["pairs"] = int(len(df[["id", "code"]].drop_duplicates()))
    total = float(km2.sum())
    q["area_km2"] = total
    q["area_vs_old_pct"] = 100 * (total - old_km2) / old_km2
    q["area_vs_new_pct"] = 100 * (total - new_km2) / new_km2
    q["slivers"] = int((km2 < SLIVER_KM2).sum())
    return q


def _read_ids_codes(path: Path):
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["id", "code"]).to_pandas()


def _truth(path: Path) -> np.ndarray:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["code"]).column("code").to_numpy(zero_copy_only=False)


def assign_quality(path: Path, truth_path: Path, n: int) -> dict:
    """Job F, points: output rows, features assigned (distinct ids with a code), features left
    unassigned, extra rows (a feature given to several units: overlapping units or borders), and
    agreement: share of the features whose unit (one of them) is the commune they were drawn in."""
    df = _read_ids_codes(path)
    ids = df["id"].to_numpy()
    coded = df["code"].notna().to_numpy()
    truth = _truth(truth_path)
    ok = np.zeros(n, dtype=bool)
    good = coded & (df["code"].to_numpy(dtype=object) == truth[ids])
    ok[ids[good]] = True
    assigned = np.zeros(n, dtype=bool)
    assigned[ids[coded]] = True
    return {"rows": int(len(df)), "assigned": int(assigned.sum()), "unassigned": int(n - assigned.sum()),
            "extra_rows": int(coded.sum() - assigned.sum()), "agree_pct": 100 * ok.mean()}


def buildings_area_km2(path: Path) -> float:
    """Summed area of the input buildings (equal-area projection), cached beside the file."""
    cache = path.with_suffix(".area.json")
    st = path.stat()
    key = f"{st.st_size}:{int(st.st_mtime)}"
    if cache.exists() and json.loads(cache.read_text()).get("key") == key:
        return json.loads(cache.read_text())["km2"]
    km2 = float(_equal_area_km2(read_pieces(path)["geometry"].to_numpy()).sum())
    cache.write_text(json.dumps({"key": key, "km2": km2}))
    return km2


def _equal_area_km2(geoms) -> np.ndarray:
    import shapely
    from pyproj import Transformer

    to_ea = Transformer.from_crs(4326, EQUAL_AREA, always_xy=True)
    return shapely.area(shapely.transform(geoms, lambda xy: np.column_stack(to_ea.transform(xy[:, 0], xy[:, 1])))) / 1e6


def overlay_assign_quality(path: Path, truth_path: Path, n: int, input_km2: float) -> dict:
    """Job F, polygons: pieces, buildings covered (distinct ids), buildings cut in several pieces,
    valid share, summed area of the pieces (equal-area projection) against the buildings', and
    agreement: share of buildings with a piece in the commune their centre was drawn in."""
    import shapely

    df = read_pieces(path)
    geoms = df["geometry"].to_numpy()
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    df, geoms = df[keep], geoms[keep]
    ids = df["id"].to_numpy()
    truth = _truth(truth_path)
    ok = np.zeros(n, dtype=bool)
    ok[ids[df["code"].to_numpy(dtype=object) == truth[ids]]] = True
    counts = np.bincount(ids, minlength=n)
    km2 = float(_equal_area_km2(geoms).sum())
    return {"rows": int(len(df)), "assigned": int((counts > 0).sum()), "unassigned": int((counts == 0).sum()),
            "extra_rows": int((counts > 1).sum()), "agree_pct": 100 * ok.mean(),
            "valid_share": float(shapely.is_valid(geoms).mean()) if len(geoms) else None,
            "area_diff_pct": 100 * (km2 - input_km2) / input_km2}
