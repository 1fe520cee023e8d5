"""The arrangement's overlay of two polygon layers (geoplan.engine.arrange.overlay) on hand-made
squares: the exact pieces and areas, overlapping polygons in one layer, a piece with a hole, and
agreement with shapely's intersections on random boxes."""

import numpy as np
import pytest
import shapely

from geoplan.engine.arrange import overlay
from geoplan.measure.straight import straight_area_km2


def pieces(frame) -> dict:
    return {(int(a), int(b)): (geom, area) for a, b, geom, area in frame[["a", "b", "geometry", "area"]].itertuples(index=False)}


def test_two_squares_exact_pieces_and_areas():
    a = [shapely.box(0, 0, 2, 2)]
    b = [shapely.box(1, 1, 3, 3)]
    got = pieces(overlay(a, b))
    assert set(got) == {(0, 0), (0, -1), (-1, 0)}
    assert [got[k][1] for k in [(0, 0), (0, -1), (-1, 0)]] == [1.0, 3.0, 3.0]
    assert got[(0, 0)][0].normalize().equals(shapely.MultiPolygon([shapely.box(1, 1, 2, 2)]).normalize())
    assert got[(0, -1)][0].equals(shapely.difference(a[0], b[0]))
    for geom, area in got.values():
        assert shapely.is_valid(geom) and geom.area == area


def test_grid_of_units_cut_a_feature():
    units = [shapely.box(x, 0, x + 1, 1) for x in range(3)]
    feature = [shapely.box(0.5, 0.25, 2.25, 0.75)]
    frame = overlay(feature, units)
    inside = frame[(frame["a"] == 0)]
    assert inside["b"].tolist() == [0, 1, 2]
    assert inside["area"].tolist() == [0.25, 0.5, 0.125]
    assert frame[frame["a"] == -1]["b"].tolist() == [0, 1, 2]  # what of each unit lies outside the feature


def test_overlapping_polygons_each_or_first():
    a = [shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)]  # overlapping on [1, 2]
    b = [shapely.box(0, 0, 3, 1)]
    each = pieces(overlay(a, b))
    assert {k: v[1] for k, v in each.items()} == {(0, 0): 2.0, (1, 0): 2.0}
    first = overlay(a, b, overlap_a="first")
    assert first[["a", "b", "area"]].values.tolist() == [[0, 0, 2.0], [1, 0, 1.0]]
    assert first.attrs["overlap"]["a"] == 1.0 and first.attrs["overlap"]["b"] == 0.0
    for geom in overlay(a, b)["geometry"]:  # pieces traced in separate passes stay valid
        assert shapely.is_valid(geom)
    # several overlapping in both layers, every pair kept
    b2 = [shapely.box(0, 0, 1.5, 1), shapely.box(0.5, 0, 3, 1)]
    got = {k: v[1] for k, v in pieces(overlay(a, b2)).items()}
    expected = {(i, j): shapely.intersection(a[i], b2[j]).area for i in range(2) for j in range(2)}
    assert got == pytest.approx({k: v for k, v in expected.items() if v > 0})


def test_piece_with_a_hole():
    a = [shapely.box(0, 0, 4, 4)]
    b = [shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 3, 3)), shapely.box(1, 1, 3, 3)]
    got = pieces(overlay(a, b))
    ring, area = got[(0, 0)]
    assert area == 12.0 and len(shapely.get_parts(ring)) == 1 and len(shapely.get_parts(ring)[0].interiors) == 1
    assert got[(0, 1)][1] == 4.0 and set(got) == {(0, 0), (0, 1)}


def test_areas_only_and_empty_layers():
    a = [shapely.box(0, 0, 2, 2)]
    b = [shapely.box(1, 1, 3, 3)]
    frame = overlay(a, b, geometry=False)
    assert "geometry" not in frame and frame["area"].tolist() == [3.0, 3.0, 1.0]
    assert overlay(a, np.array([], dtype=object))[["a", "b", "area"]].values.tolist() == [[0, -1, 4.0]]
    assert len(overlay(np.array([], dtype=object), np.array([], dtype=object))) == 0


def test_geographic_adds_areas_that_add_up():
    a, b = shapely.box(105, 10, 105.2, 10.2), shapely.box(105.1, 10.05, 105.3, 10.25)
    frame = overlay([a], [b], geographic=True)
    assert frame["area_km2"].sum() == pytest.approx(0.065 * 12309 * 0.985, rel=0.02)  # the union, in square degrees
    whole = straight_area_km2([a, b])
    assert frame.loc[frame["a"] == 0, "area_km2"].sum() == pytest.approx(whole[0], rel=1e-9)  # as snapped
    assert frame.loc[frame["b"] == 0, "area_km2"].sum() == pytest.approx(whole[1], rel=1e-9)
    assert frame["area_km2"].to_numpy() == pytest.approx(straight_area_km2(frame["geometry"].to_numpy()), rel=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_random_boxes_against_shapely(seed):
    rng = np.random.default_rng(seed)

    def boxes(n):
        x, y = rng.uniform(0, 10, (2, n))
        w, h = rng.uniform(0.5, 4, (2, n))
        return shapely.box(x, y, x + w, y + h)

    a, b = boxes(6), boxes(5)
    frame = overlay(a, b)
    assert shapely.is_valid(frame["geometry"].to_numpy()).all()
    got = {(r.a, r.b): r.area for r in frame.itertuples() if r.a >= 0 and r.b >= 0}
    expected = {(i, j): shapely.intersection(a[i], b[j]).area for i in range(6) for j in range(5)}
    assert got == pytest.approx({k: v for k, v in expected.items() if v > 1e-12}, rel=1e-9, abs=1e-9)
    for r in frame[(frame["a"] >= 0) & (frame["b"] >= 0)].itertuples():
        assert shapely.symmetric_difference(r.geometry, shapely.intersection(a[r.a], b[r.b])).area < 1e-9
    first = overlay(a, b, overlap_b="first")  # with B's overlaps to the first, each A polygon's pieces add up to it
    own = first[first["a"] >= 0].groupby("a")["area"].sum()
    assert own.to_numpy() == pytest.approx(shapely.area(a), rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_assign_cut_by_overlay_equals_intersections(seed, monkeypatch):
    """geoplan.assigning.cut: the same pieces per (feature, unit) by the overlay as by GEOS."""
    from geoplan.assigning import cut as cutting

    rng = np.random.default_rng(seed)
    units = np.array([shapely.box(x, y, x + 1, y + 1) for x in range(4) for y in range(3)], dtype=object)
    x, y = rng.uniform(-0.5, 4, (2, 15))
    w, h = rng.uniform(0.2, 2, (2, 15))
    geoms = shapely.box(x, y, x + w, y + h)
    geoms[3] = shapely.difference(geoms[3], shapely.buffer(shapely.centroid(geoms[3]), 0.05))  # a hole
    result = {}
    for cost in (0.0, np.inf):
        monkeypatch.setattr(cutting, "OVERLAY_COST", cost)
        p = cutting.cut(geoms, units, None, threads=1)
        assert shapely.is_valid(p.shapes()).all()
        result[cost] = {(int(f), int(u)): a for f, u, a in zip(p.feature, p.unit, shapely.area(p.shapes()))}
    by_overlay, by_geos = result[0.0], result[np.inf]
    assert set(by_overlay) == set(by_geos)
    assert by_overlay == pytest.approx(by_geos, rel=1e-9, abs=1e-10)  # snapped to a grid of 2^-49


@pytest.mark.parametrize("batch", [2**30, 300, 1])
def test_pieces_as_wkb_are_shapelys_wkb_in_batches_of_any_size(monkeypatch, batch):
    """The pieces written to WKB from the arrangement's arrays (``geometry="wkb"``), in batches
    that each fit Arrow's binary arrays (here made small): byte for byte shapely's WKB of them,
    holes and parts of several polygons included."""
    from geoplan.engine import arrange

    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 10, (2, 30))
    a = shapely.buffer(shapely.points(x, y), rng.uniform(0.3, 1.5, 30), quad_segs=3)
    a[0] = shapely.difference(shapely.box(0, 0, 10, 10), shapely.box(4.5, 4.5, 5.5, 5.5))  # a hole
    a[1] = shapely.difference(shapely.box(0.5, 1.0, 1.9, 3.0), shapely.box(0.9, 1.6, 1.5, 3.0))  # a U: two parts in a box
    b = np.array([shapely.box(i, j, i + 2.5, j + 2.5) for i in range(0, 10, 2) for j in range(0, 10, 2)])
    monkeypatch.setattr(arrange, "WKB_BATCH", batch)
    made = overlay(a, b, geometry="wkb")
    shapes = overlay(a, b)
    assert made[["a", "b"]].equals(shapes[["a", "b"]])
    assert made["geometry"].tolist() == shapely.to_wkb(shapes["geometry"].to_numpy()).tolist()
    assert (shapely.get_num_interior_rings(shapely.get_geometry(shapes["geometry"].to_numpy(), 0)) > 0).any()
    assert (shapely.get_num_geometries(shapes["geometry"].to_numpy()) > 1).any()
