"""The geometry engine on small hand-made geometries, and against GEOS on random ones."""

import numpy as np
import pytest
import shapely

from geoplan.engine.arrange import arrange, grid_unit
from geoplan.engine.dissolve import dissolve_clean
from geoplan.errors import InputError
from geoplan.engine.quality import coverage_quality, gaps_left


def quality(units):
    return coverage_quality(units.to_numpy())


def test_gap_between_units_is_filled_and_logged():
    out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(1.01, 0, 2, 1), shapely.box(-1, -1, 3, 0),
                          shapely.box(-1, 1, 3, 2)], ["a", "b", "c", "d"], gap_width_m=0.1)
    q = quality(out.units)
    assert q["gaps"] == 0 and q["overlaps"] == 0 and q["invalid_edges"] == 0
    gaps = out.repairs[out.repairs["kind"] == "gap"]
    assert len(gaps) == 1 and np.isclose(gaps["area"].sum(), 0.01)
    assert gaps["receiving_code"].iloc[0] in ("a", "b")
    assert np.isclose(out.units.area.sum(), 1 + 0.99 + 0.01 + 4 + 4)


def test_overlap_goes_to_one_unit_only():
    out = dissolve_clean([shapely.box(0, 0, 1.1, 1), shapely.box(1, 0, 2, 1)], ["a", "b"], gap_width_m=0.1)
    assert quality(out.units)["overlaps"] == 0
    assert np.isclose(out.units.area.sum(), 2.0)
    overlap = out.repairs[out.repairs["kind"] == "overlap"]
    assert np.isclose(overlap["area"].sum(), 0.1)


def test_gap_inside_a_unit_goes_to_that_unit():
    # two sources of the same unit leave a hole between them and a third unit around
    left = shapely.box(0, 0, 1, 2).difference(shapely.box(0.9, 0.9, 1, 1.1))
    right = shapely.box(1, 0, 2, 2).difference(shapely.box(1, 0.9, 1.1, 1.1))
    out = dissolve_clean([left, right], ["x", "x"], gap_width_m=0.01)
    unit = out.units["x"]
    assert shapely.get_num_interior_rings(unit.geoms[0] if unit.geom_type == "MultiPolygon" else unit) == 0
    enclosed = out.repairs[out.repairs["rule"] == "enclosed"]
    assert len(enclosed) == 1 and enclosed["receiving_code"].iloc[0] == "x"


def test_enclave_and_islands_are_kept():
    outer = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    enclave = shapely.box(1, 1, 2, 2)
    island = shapely.box(5, 5, 6, 6)
    out = dissolve_clean([outer, enclave, island], ["o", "e", "o"], gap_width_m=0.1)
    assert np.isclose(out.units["e"].area, 1.0)
    assert np.isclose(out.units["o"].area, 9.0)  # 8 around the enclave + the island
    assert out.units["o"].geom_type == "MultiPolygon"
    assert len(out.repairs) == 0


def test_wide_gap_is_filled_but_flagged():
    ring = [shapely.box(0, 0, 3, 1), shapely.box(0, 2, 3, 3), shapely.box(0, 1, 1, 2), shapely.box(2, 1, 3, 2)]
    out = dissolve_clean(ring, ["a", "b", "c", "d"], gap_width_m=0.1)
    assert quality(out.units)["gaps"] == 0
    assert list(out.repairs["rule"]) == ["wide gap"]


def test_invalid_source_is_repaired_and_logged():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    out = dissolve_clean([bowtie, shapely.box(1, 0, 2, 1)], ["a", "b"], gap_width_m=0.1)
    assert shapely.is_valid(out.units.to_numpy()).all()
    assert "invalid" in set(out.repairs["kind"])


def test_dissolve_in_a_thread_beside_other_work_gives_the_same_result():
    """The pipeline runs the engine in a thread while it does its bookkeeping: same units."""
    from concurrent.futures import ThreadPoolExecutor

    boxes = [shapely.box(i, j, i + 1.001, j + 1) for i in range(60) for j in range(40)]
    keys = [f"{i // 6}" for i in range(60) for j in range(40)]
    serial = dissolve_clean(boxes, keys, gap_width_m=0.01)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(dissolve_clean, boxes, keys, 0.01)
        busy = sum(shapely.area(shapely.buffer(shapely.points(range(200), range(200)), 1.0)))
        threaded = future.result()
    assert busy > 0
    assert serial.units.index.tolist() == threaded.units.index.tolist()
    assert shapely.equals_exact(serial.units.to_numpy(), threaded.units.to_numpy(), tolerance=0).all()


def test_crossing_borders_are_noded_and_overlaps_counted():
    """Two squares whose shared border is digitised twice, crossing in the middle:
    one overlap and one gap face, each logged, the areas adding up."""
    a = shapely.Polygon([(0, 0), (1.1, 0), (0.9, 1), (0, 1)])
    b = shapely.Polygon([(0.9, 0), (2, 0), (2, 1), (1.1, 1)])
    out = dissolve_clean([a, b], ["a", "b"], gap_width_m=1.0)
    assert sorted(out.repairs["kind"]) == ["overlap"] and out.stats["crossings"] == 1
    assert out.overlaps["n_polygons"].tolist() == [2]
    assert abs(out.overlaps["area_km2"].iloc[0] - a.intersection(b).area / 1e6) < 1e-15  # planar metres
    assert abs(out.units.area.sum() - shapely.union_all([a, b]).area) < 1e-12
    assert quality(out.units)["overlaps"] == 0 and gaps_left(out.units) == 0


def test_vertex_on_a_neighbours_edge_is_noded():
    """A T-junction (a vertex of one polygon inside an edge of another) and a
    collinear partial overlap: both become shared nodes, the coverage is valid."""
    big = shapely.box(0, 0, 2, 1)
    top = [shapely.box(0, 1, 0.5, 2), shapely.Polygon([(0.5, 1), (1.5, 1), (1.5, 2), (0.5, 2)]), shapely.box(1.5, 1, 2.5, 2)]
    out = dissolve_clean([big, *top], ["a", "b", "c", "d"], gap_width_m=0.1)
    assert bool(shapely.coverage_is_valid(out.units.to_numpy()))
    assert len(out.repairs) == 0 and abs(out.units.area.sum() - 2 - 2.5) < 1e-12


def test_gap_between_parts_touching_at_points_is_filled():
    """Four squares touching corner to corner enclose a square that no polygon
    covers: GEOS's union leaves it outside four separate parts, but it is a
    bounded face, hence a gap, given to one of them."""
    squares = [shapely.box(x - 0.5, y - 0.5, x + 0.5, y + 0.5) for x, y in [(1, 0), (2, 1), (1, 2), (0, 1)]]
    assert shapely.get_num_interior_rings(shapely.get_parts(shapely.union_all(squares))).sum() == 0
    out = dissolve_clean(squares, list("abcd"), gap_width_m=10)
    gaps = out.repairs[out.repairs["kind"] == "gap"]
    assert len(gaps) == 1 and abs(gaps["area"].iloc[0] - 1) < 1e-12 and gaps["rule"].iloc[0] == "longest border"
    assert abs(out.units.area.sum() - 5) < 1e-12 and gaps_left(out.units) == 0


def test_polygon_touching_itself_comes_out_valid():
    """A unit whose parts enclose a pocket touching at one vertex: the ring is
    split there into a shell and a hole (valid), not one self-touching ring."""
    c = shapely.Polygon([(0, 0), (3, 0), (3, 3), (1, 3), (2, 2), (2, 1), (1, 1), (1, 2), (2, 2), (1, 3), (0, 3)])
    c = shapely.make_valid(c)
    parts = [p for p in shapely.get_parts(c) if p.geom_type == "Polygon"]
    pocket = shapely.Polygon([(1, 1), (2, 1), (2, 2), (1, 2)])
    out = dissolve_clean(parts + [pocket], ["a"] * len(parts) + ["b"], gap_width_m=0.1)
    assert shapely.is_valid(out.units.to_numpy()).all() and bool(shapely.coverage_is_valid(out.units.to_numpy()))
    assert abs(out.units["a"].area - 8) < 1e-12 and abs(out.units["b"].area - 1) < 1e-12


def test_grid_unit_is_a_power_of_two_about_a_micrometre_on_a_national_layer():
    unit = grid_unit(np.array([shapely.box(102, 8, 117, 23.5)]))
    assert unit == 2.0**-36 and unit * 111_320 < 2e-6  # metres per grid step


def _random_layer(rng, kind):
    if kind == "boxes":  # integer corners: shared, collinear and touching edges everywhere
        return [shapely.box(*xy, *(xy + rng.integers(1, 5, 2))) for xy in rng.integers(0, 10, (rng.integers(2, 12), 2))]
    if kind == "convex":  # crossings in general position
        return [shapely.convex_hull(shapely.multipoints(c + r * rng.normal(size=(8, 2))))
                for c, r in zip(rng.uniform(0, 10, (rng.integers(2, 10), 2)), rng.uniform(0.5, 3, 10))]
    # a grid of cells digitised independently: every shared edge jittered
    k, jitter = rng.integers(2, 6), rng.choice([0.05, 1e-9])
    cells = []
    for i in range(k):
        for j in range(k):
            pts = [(i + a + rng.normal() * jitter, j + b + rng.normal() * jitter)
                   for a, b in [(0, 0), (0.5, 0), (1, 0), (1, 0.5), (1, 1), (0.5, 1), (0, 1), (0, 0.5)]]
            cells.append(shapely.make_valid(shapely.Polygon(pts)))
    return cells


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["boxes", "convex", "jittered grid"])
def test_random_layers_against_geos(seed, kind):
    """On random dirty layers: valid units forming a valid coverage; their union
    is the polygons' union with every enclosed gap filled (computed by GEOS); each
    unit holds all of its polygons' area that no other unit's polygons cover."""
    rng = np.random.default_rng(seed)
    geoms = np.array([g for g in _random_layer(rng, kind) if not g.is_empty], dtype=object)
    geoms = np.array([shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]) for g in geoms])
    keys = rng.integers(0, max(1, len(geoms) // 2), len(geoms))
    out = dissolve_clean(geoms, keys, gap_width_m=1.0)
    units = out.units.to_numpy()
    assert shapely.is_valid(units).all() and bool(shapely.coverage_is_valid(units))
    union = shapely.union_all(geoms)
    lines = shapely.get_parts(shapely.union_all(shapely.boundary(geoms)))  # noded
    enclosed = [f for f in shapely.get_parts(shapely.polygonize(lines)) if not union.contains(f.point_on_surface())]
    filled = shapely.union_all([union, *enclosed])
    assert shapely.symmetric_difference(shapely.union_all(units), filled).area < 1e-9 * filled.area
    for key, unit in out.units.items():
        mine, others = geoms[keys == key], geoms[keys != key]
        own = shapely.difference(shapely.union_all(mine), shapely.union_all(others)) if len(others) else shapely.union_all(mine)
        assert shapely.difference(own, unit).area < 1e-9 * max(own.area, 1)
    assert gaps_left(out.units) == 0


def test_arrangement_stats_report_its_work():
    out = arrange(np.array([shapely.box(0, 0, 1, 1), shapely.Polygon([(0.5, -0.5), (1.5, 0.5), (0.5, 1.5)])]), np.array([0, 1]), 2)
    assert out["stats"]["crossings"] == 2 and out["stats"]["winding_mismatches"] == 0


def test_dense_grid_cells_against_geos():
    """Thousands of vertices in a few grid cells (a detailed patch inside a wide
    extent, the case of city wards in a national layer): the cells are sorted in
    buckets, the result still checks against GEOS."""
    rng = np.random.default_rng(3)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 3000))
    star = shapely.Polygon(np.column_stack([np.cos(angles), np.sin(angles)]) * rng.uniform(0.5, 1, (3000, 1)))
    halves = [star.intersection(shapely.box(-2, -2, 0.001, 2)), star.intersection(shapely.box(0, -2, 2, 2))]
    far = shapely.box(500, 500, 501, 501)  # makes the grid coarse: the star falls in a few cells
    out = dissolve_clean(halves + [far], ["w", "e", "far"], gap_width_m=0.1)
    units = out.units.to_numpy()
    assert shapely.is_valid(units).all() and bool(shapely.coverage_is_valid(units))
    assert abs(shapely.area(units).sum() - star.area - 1) < 1e-8 * star.area  # vertices moved by at most a grid step (5e-10)
    assert out.repairs["kind"].tolist() == ["overlap"] and gaps_left(out.units) == 0


def test_coordinates_that_are_not_numbers_are_refused():
    with np.errstate(invalid="ignore"):  # shapely itself warns while making it
        bad = shapely.Polygon([(0, 0), (1, 0), (float("nan"), 1)])
    with pytest.raises(InputError, match="not finite"):
        dissolve_clean([bad, shapely.box(1, 0, 2, 1)], ["a", "b"], gap_width_m=0.1)


def test_a_tiny_layer_far_from_the_origin_keeps_its_coordinates():
    """A few centimetres of UTM coordinates: the grid is no finer than a double
    can tell apart there, and the polygons come out where they were."""
    boxes = [shapely.box(500_000.00, 1_000_000.00, 500_000.01, 1_000_000.01),
             shapely.box(500_000.01, 1_000_000.00, 500_000.02, 1_000_000.01)]
    out = dissolve_clean(boxes, ["a", "a"], gap_width_m=0.001)
    assert abs(out.units["a"].area - 2e-4) < 1e-10  # a double there is 1e-10 m apart from the next
    assert np.allclose(shapely.bounds(out.units["a"]), (500_000.0, 1_000_000.0, 500_000.02, 1_000_000.01), atol=1e-6)


def test_a_unit_drawn_inside_another_keeps_its_area():
    """A polygon lying inside another unit's polygon (an enclave the other's
    digitiser did not cut out): the overlap is all its unit has, so it goes
    to that unit, and the other gets a hole; nothing vanishes."""
    inner, outer = shapely.box(2, 2, 3, 3), shapely.box(0, 0, 5, 5)
    out = dissolve_clean([inner, outer], ["enclave", "around"], gap_width_m=0.1)
    assert out.units["enclave"].equals(inner) and abs(out.units["around"].area - 24) < 1e-12
    assert out.repairs[["kind", "rule", "receiving_code", "other_codes"]].values.tolist() == [["overlap", "whole unit", "enclave", "around"]]
