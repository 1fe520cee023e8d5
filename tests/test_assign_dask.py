"""geoplan assign --engine dask: the same results as the local engine, on a distributed LocalCluster
over small data (points and polygons, in partitioned GeoParquet)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

import geoplan

pytest.importorskip("dask_geopandas")
pytest.importorskip("distributed")


@pytest.fixture
def files(tmp_path):
    """Units (a 4 x 4 grid of squares, one missing), 3,000 points and 300 small polygons written in
    row groups of 500 and 50 (several partitions)."""
    units = gpd.GeoDataFrame({"code": [f"{i:02d}" for i in range(15)]},
                             geometry=[shapely.box(105 + i % 4 * 0.1, 10 + i // 4 * 0.1, 105.1 + i % 4 * 0.1,
                                                   10.1 + i // 4 * 0.1) for i in range(15)], crs=4326)
    units.to_file(tmp_path / "units.gpkg")
    rng = np.random.default_rng(3)
    x, y = rng.uniform(104.95, 105.45, 3000), rng.uniform(9.95, 10.45, 3000)
    points = gpd.GeoDataFrame({"id": np.arange(3000), "kind": rng.choice(["a", "b"], 3000)},
                              geometry=shapely.points(x, y), crs=4326)
    points.to_parquet(tmp_path / "points.parquet", row_group_size=500)
    boxes = gpd.GeoDataFrame({"id": np.arange(300)}, geometry=shapely.box(x[:300], y[:300], x[:300] + 0.02,
                                                                           y[:300] + 0.01), crs=4326)
    boxes.to_parquet(tmp_path / "boxes.parquet", row_group_size=50)
    return tmp_path


def test_dask_gives_the_same_points_and_pieces_as_the_local_engine(files):
    units = files / "units.gpkg"
    for name, rows in (("points", 1000), ("boxes", 100)):
        local = geoplan.assign_file(files / f"{name}.parquet", units, files / f"{name}-local.parquet", summarise=True)
        dask = geoplan.assign_file(files / f"{name}.parquet", units, files / f"{name}-dask.parquet", engine="dask",
                                   workers=2, chunk_rows=rows, summarise=True)
        assert (files / f"{name}-dask.parquet").is_dir() and len(list((files / f"{name}-dask.parquet").iterdir())) > 1
        one = gpd.read_parquet(files / f"{name}-local.parquet")
        many = gpd.read_parquet(files / f"{name}-dask.parquet").sort_values(["feature", "code"], na_position="last")
        many = many.reset_index(drop=True)
        # polygons cut by the overlay are snapped to the grid of their chunk's arrangement: the same
        # pieces, to a few grid units (micrometres), whatever the partitions
        floats = one.select_dtypes("floating").columns
        assert one.drop(columns=["geometry", *floats]).equals(many.drop(columns=["geometry", *floats])), name
        assert np.allclose(one[floats], many[floats], rtol=1e-9, atol=1e-9, equal_nan=True), name  # (km2: a mm2)
        assert (shapely.hausdorff_distance(one.geometry.values, many.geometry.values) < 1e-9).all()
        assert many.crs.to_epsg() == 4326
        assert dask.summary() == local.summary() and dask.engine == "dask"
        summaries = [pd.read_csv(files / f"{name}-{engine}-summary.csv", dtype={"code": str}) for engine in ("local", "dask")]
        assert summaries[0]["code"].equals(summaries[1]["code"])  # sums of partitions: the same to rounding
        assert np.allclose(summaries[0].select_dtypes("number"), summaries[1].select_dtypes("number"), rtol=1e-9,
                           equal_nan=True)
    assert pq.read_metadata(next((files / "points-dask.parquet").iterdir())).metadata[b"geo"]


def test_what_a_killed_dask_run_left_is_removed_by_the_next(files):
    """A SIGKILL leaves the folder being written (``.OUT.<8>``) and the previous output moved aside
    (``.OUT.old.<8>/OUT``); the next run writing OUT removes them, and nothing else."""
    target = files / "boxes-dask.parquet"
    left = [files / ".boxes-dask.parquet.k3x_9q2a", files / ".boxes-dask.parquet.old.a1b2c3d4"]
    kept = [files / ".boxes-dask.parquet.notmine", files / ".other.parquet.k3x_9q2a"]
    for folder in left + kept:
        folder.mkdir()
        (folder / "part.parquet").write_bytes(b"x")
    (left[1] / "boxes-dask.parquet").mkdir()
    geoplan.assign_file(files / "boxes.parquet", files / "units.gpkg", target, engine="dask", workers=1)
    assert target.is_dir() and not any(folder.exists() for folder in left)
    assert all(folder.exists() for folder in kept)
    assert not (files / ".boxes-dask.parquet.lock").exists()


def test_a_previous_output_moved_aside_by_a_killed_run_is_put_back(files):
    """Killed between moving the previous output aside and renaming the new one: OUT is missing and
    its only copy is in ``.OUT.old.<8>``. It is put back before anything else; a run that then
    fails leaves it in place."""
    from geoplan.io.atomic import remove_leftovers

    target = files / "out.parquet"
    aside = files / ".out.parquet.old.zz99yy88"
    (aside / "out.parquet").mkdir(parents=True)
    (aside / "out.parquet" / "part.0.parquet").write_bytes(b"previous")
    (files / ".out.old.parquet.ab12cd34").mkdir()  # another target's folder: not this one's
    remove_leftovers(target)
    assert (target / "part.0.parquet").read_bytes() == b"previous"
    assert not aside.exists() and (files / ".out.old.parquet.ab12cd34").exists()
