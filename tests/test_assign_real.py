"""geoplan assign on the real layers: the 11,163 old communes cut at the boundaries of the 3,321
official new communes (pieces adding up to every old polygon), and points placed as an exact
test places them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import geoplan
from geoplan.measure.straight import straight_area_km2
from geoplan.engine.geometry import valid_polygons
from vn_data import SHARED, needs_shared


@needs_shared
def test_old_communes_cut_by_the_new_ones_add_up_and_are_summarised(tmp_path):
    old, new = SHARED / "old_communes_c2013.gpkg", SHARED / "new_communes_2025.gpkg"
    report = geoplan.assign_file(old, new, tmp_path / "pieces.gpkg", summarise=True)
    pieces = pyogrio.read_dataframe(tmp_path / "pieces.gpkg", layer="pieces")
    polygons = valid_polygons(pyogrio.read_dataframe(old, columns=[]).geometry.to_numpy())
    assert pieces["feature"].nunique() == len(polygons) == 11163
    whole = straight_area_km2(polygons)
    sums = pieces.groupby("feature")["area_km2"].sum().reindex(range(len(polygons))).to_numpy()
    assert np.abs(sums - whole).max() <= 1e-6 * whole.max() and (np.abs(sums - whole) <= 1e-6 * whole).all()
    assert np.allclose(pieces.groupby("feature")["share"].sum(), 1, rtol=1e-6)
    outside = pieces[pieces["placed"] == "outside"]
    share = outside["area_km2"].sum() / whole.sum()
    assert 0.001 < share < 0.01  # coastline and border differences: about 0.4% of the old area
    assert report.tally.measure["outside"] / sum(report.tally.measure.values()) == pytest.approx(share)
    assert pieces["code"].dropna().nunique() > 3300 and shapely.is_valid(pieces.geometry.to_numpy()).all()
    summary = pyogrio.read_dataframe(tmp_path / "pieces.gpkg", layer="summary")
    assert len(summary) == 3321 + 1 and summary["area_km2"].sum() == pytest.approx(whole.sum(), rel=1e-9)


@needs_shared
def test_points_on_the_real_communes_agree_with_an_exact_test():
    new = gpd.read_file(SHARED / "new_communes_2025.gpkg", columns=["code", "name"])
    rng = np.random.default_rng(2025)
    x, y = rng.uniform(102.1, 109.5, 60000), rng.uniform(8.4, 23.4, 60000)
    vertices = shapely.get_coordinates(new.geometry.iloc[:40].to_numpy())
    points = gpd.GeoDataFrame(geometry=shapely.points(np.r_[x, vertices[:, 0]], np.r_[y, vertices[:, 1]]), crs=4326)
    out = geoplan.assign(points, new).features
    query, unit = shapely.STRtree(new.geometry.to_numpy()).query(points.geometry.to_numpy(), predicate="intersects")
    best = np.full(len(points), np.iinfo(np.int64).max)
    np.minimum.at(best, query, unit)
    expected = np.where(best == np.iinfo(np.int64).max, "", new["code"].to_numpy()[np.minimum(best, len(new) - 1)])
    assert (out["code"].fillna("").to_numpy(dtype=object) == expected).all()  # the first covering unit, borders too
