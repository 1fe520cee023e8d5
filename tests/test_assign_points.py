"""geoplan assign, points: the grid against an exact test, the border and overlap rule, snapping,
points in no unit, CRS rules, formats and chunks (hand-made geometries)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

import geoplan
from geoplan.assigning.grid import PointGrid
from geoplan.errors import InputError

A, B = shapely.box(105.0, 10.0, 105.1, 10.1), shapely.box(105.1, 10.0, 105.2, 10.1)


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    """Two neighbours, and a third drawn over part of the second (an overlap)."""
    return gpd.GeoDataFrame({"code": ["01", "02", "03"], "name": ["Xã A", "Xã B", "Xã C"],
                             "province_code": ["91", "91", "91"]},
                            geometry=[A, B, shapely.box(105.15, 10.05, 105.25, 10.15)], crs="EPSG:4326")


def _first_covering(geoms, x, y):
    """The exact rule, the slow way: the first polygon covering each point (-1 for none)."""
    covers = np.array([shapely.intersects_xy(g, x, y) for g in geoms])
    return np.where(covers.any(axis=0), covers.argmax(axis=0), -1)


def test_grid_agrees_with_an_exact_test_on_holes_islands_overlaps_and_borders():
    rng = np.random.default_rng(7)
    ring = shapely.Point(0, 0).buffer(10, quad_segs=32)
    geoms = np.array([
        ring.difference(shapely.Point(1, 1).buffer(3)),  # a hole...
        shapely.Point(1, 1).buffer(3),  # ...filled by another unit
        shapely.MultiPolygon([shapely.box(12, 0, 14, 2), shapely.box(15, 0, 16, 9)]),  # islands
        shapely.box(8, -2, 13, 1),  # overlapping two others
        shapely.Polygon([(20, 0), (30, 0), (20, 10)]),
    ], dtype=object)
    x, y = rng.uniform(-12, 32, 20000), rng.uniform(-12, 12, 20000)
    vertices = shapely.get_coordinates(geoms)  # points exactly on the borders
    x, y = np.r_[x, vertices[:, 0]], np.r_[y, vertices[:, 1]]
    for cell in (None, 0.37, 3.0):
        grid = PointGrid.build(geoms, cell)
        assert (grid.locate(x, y) == _first_covering(geoms, x, y)).all(), cell


def test_points_get_their_unit_the_first_on_a_border_or_an_overlap(units):
    points = gpd.GeoDataFrame({"school": ["in A", "on A|B", "in B and C", "in C", "far"]}, geometry=[
        shapely.Point(105.05, 10.05), shapely.Point(105.1, 10.05), shapely.Point(105.17, 10.07),
        shapely.Point(105.22, 10.12), shapely.Point(106.0, 11.0)], crs="EPSG:4326")
    out = geoplan.assign(points, units).features
    assert out["code"].fillna("").tolist() == ["01", "01", "02", "03", ""]
    assert out["placed"].tolist() == ["inside"] * 4 + ["outside"]
    assert out["parent_code"].fillna("").tolist() == ["91"] * 4 + [""]
    assert out["feature"].tolist() == [0, 1, 2, 3, 4] and out["school"].tolist() == points["school"].tolist()
    assert out.crs.to_epsg() == 4326


def test_points_in_no_unit_are_kept_listed_or_snapped_within_metres(units):
    near, far = shapely.Point(105.0, 9.9995), shapely.Point(104.9, 10.05)  # about 55 m and 11 km away
    points = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[near, far, None], crs="EPSG:4326")
    kept = geoplan.assign(points, units)
    assert kept.features["placed"].tolist() == ["outside", "outside", "no geometry"]
    assert [f for f, _, _ in kept.report.tally.examples] == [0, 1]
    snapped = geoplan.assign(points, units, snap_m=100).features
    assert snapped["placed"].tolist() == ["snapped", "outside", "no geometry"]
    assert snapped["code"].iloc[0] == "01" and 50 < snapped["snap_m"].iloc[0] < 60
    assert snapped["snap_m"].isna().tolist() == [False, True, True]


def test_points_in_another_crs_come_out_in_lonlat(units):
    points = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(105.05, 10.05)], crs="EPSG:4326").to_crs(3857)
    out = geoplan.assign(points, units.to_crs(32648)).features
    assert out["code"].tolist() == ["01"] and out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].distance(shapely.Point(105.05, 10.05)) < 1e-9


def test_swapped_coordinates_and_missing_crs_are_refused(units):
    swapped = gpd.GeoDataFrame({"id": range(5)}, geometry=[shapely.Point(10.05, 105.05)] * 5, crs="EPSG:4326")
    with pytest.raises(InputError, match="swapped"):
        geoplan.assign(swapped, units)
    with pytest.raises(InputError, match="no CRS"):
        geoplan.assign(gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(105.05, 10.05)]), units)


def test_a_csv_with_lon_lat_is_read_in_chunks_and_written_in_any_format(tmp_path, units):
    csv = tmp_path / "schools.csv"
    csv.write_text("ten;kinh_do;vi_do\nTrường A;105,05;10,05\nTrường B;105,17;10,07\nTrường C;;\n", encoding="utf-8-sig")
    units.to_file(tmp_path / "units.gpkg")
    before = csv.read_bytes()
    for suffix in (".csv", ".parquet", ".gpkg", ".fgb", ".xlsx"):
        target = tmp_path / f"out{suffix}"
        report = geoplan.assign_file(csv, tmp_path / "units.gpkg", target, chunk_rows=2)
        assert report.tally.placed == {"inside": 2, "no geometry": 1}, suffix
    assert csv.read_bytes() == before  # inputs never modified
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig", dtype=str)
    assert table["code"].fillna("").tolist() == ["01", "02", ""] and "geometry" not in table
    assert pq.read_table(tmp_path / "out.parquet").column("code").to_pylist() == ["01", "02", None]
    assert gpd.read_file(tmp_path / "out.gpkg", layer="points")["ten"].tolist() == ["Trường A", "Trường B", "Trường C"]
    assert gpd.read_file(tmp_path / "out.gpkg", layer="summary")["n_features"].tolist() == [1, 1, 0, 1]


def test_a_bad_coordinate_names_its_file_column_and_line(tmp_path, units):
    csv = tmp_path / "p.csv"
    csv.write_text("lon,lat\n105.05,10.05\n105.1,ten\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"p.csv: column 'lat', line 3: 'ten' is not a number"):
        geoplan.assign(csv, units)


def test_summary_per_unit_counts_points_by_class(units):
    points = gpd.GeoDataFrame({"kind": ["school", "clinic", "school", "school"]}, geometry=[
        shapely.Point(105.05, 10.05), shapely.Point(105.06, 10.05), shapely.Point(105.12, 10.02),
        shapely.Point(107, 12)], crs="EPSG:4326")
    summary = geoplan.assign(points, units, summarise_field="kind").summary
    rows = summary[["code", "kind", "n_features"]].values.tolist()
    assert rows == [["01", "clinic", 1], ["01", "school", 1], ["02", "school", 1], ["", "school", 1]]
