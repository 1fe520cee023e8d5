"""The arrangement on the reproducers of issue 18 (../shared/data/repro), checked against GEOS,
and on the configurations behind them, made by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fuzz.oracle import check_dissolve
from geoplan.engine import arrange as A
from geoplan.engine.dissolve import dissolve_clean
from geoplan.engine.quality import holes
from geoplan.errors import GeoplanError
from repro_data import REPRO, needs_repro


def read_wkt(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A reproducer's ``KEY<TAB>WKT`` lines: polygons and their keys."""
    keys, geoms = [], []
    for line in (REPRO / name).read_text().splitlines():
        key, wkt = line.split("\t")
        keys.append(key)
        geoms.append(shapely.from_wkt(wkt))
    return np.array(geoms, dtype=object), np.array(keys, dtype=object)


def dissolve_and_check(geoms, keys, crs=None):
    out = dissolve_clean(geoms, keys, 200.0, crs=crs)
    units = out.units.to_numpy()
    assert shapely.is_valid(units).all()
    assert bool(shapely.coverage_is_valid(units))
    assert check_dissolve(geoms, keys, out, crs is not None) == []
    return out


@needs_repro
@pytest.mark.parametrize("name, crs", [("min_geographic_1001990.wkt", "EPSG:4326"), ("engine_overflow.gpkg", None)])
def test_staircase_of_collinear_vertices_snaps_in_one_pass(name, crs):
    """A zero-area polygon of 65 collinear vertices beside a thin triangle near lon 179.9: iterated snap
    rounding needed a round per vertex and hit its limit (OverflowError); one pass is planar."""
    if name.endswith(".gpkg"):
        layer = gpd.read_file(REPRO / name)
        geoms, keys, crs = layer.geometry.to_numpy(), layer["key"].to_numpy(dtype=object), layer.crs
    else:
        geoms, keys = read_wkt(name)
    out = dissolve_and_check(geoms, keys, crs)
    assert out.stats["rounds"] == 1 and out.stats["winding_mismatches"] == 0


@needs_repro
@pytest.mark.parametrize("name", ["min_mixed_2655.wkt", "engine_inconsistent.gpkg"])
def test_tiny_features_at_huge_coordinates_are_consistent(name):
    """Features 1e-6 wide at 1e7 (a grid of few units across the layer): a steep segment passed
    through a hot pixel in the next grid column, which was not searched; the graph was not planar
    (6 winding mismatches). Every column within the margin is searched now."""
    if name.endswith(".gpkg"):
        layer = gpd.read_file(REPRO / name)
        geoms, keys = layer.geometry.to_numpy(), layer["key"].to_numpy(dtype=object)
    else:
        geoms, keys = read_wkt(name)
    out = dissolve_and_check(geoms, keys)
    assert out.stats["winding_mismatches"] == 0 and out.stats["bad_components"] == 0


@needs_repro
def test_region_open_through_a_subgrid_channel_is_not_filled():
    """A 2.8 unit^2 region reaches the outside through a channel 0.27 grid units wide, which snap
    rounding closes at one node: it stays outside (no gap piece lies outside GEOS's holes)."""
    geoms, keys = read_wkt("subgrid_channel_fill.wkt")
    out = dissolve_and_check(geoms, keys)
    union = shapely.union_all(geoms)
    geos_holes = shapely.union_all(holes([union]))
    gaps = out.repairs[out.repairs["kind"] == "gap"].geometry.to_numpy()
    outside = shapely.area(shapely.difference(gaps, geos_holes)).sum()
    assert outside < 1e-6, f"{outside} unit^2 of filled gaps lie outside GEOS's holes of the union"
    assert "wide gap" not in set(out.repairs["rule"]) and out.stats["open_gaps"] >= 1
    assert abs(out.units.area.sum() - union.area - shapely.area(gaps).sum()) < 1e-6


@needs_repro
def test_copies_shifted_by_1e_12_give_a_coverage_geos_accepts():
    """Copies shifted far below the grid make needles one grid unit wide; one of them touched, from
    outside, a node where another unit's hole touches its shell, which GEOS's validator misreads.
    The needle goes to that unit, and GEOS finds the coverage valid."""
    geoms, keys = read_wkt("coverage_invalid_dup_3533.wkt")
    out = dissolve_and_check(geoms, keys)
    assert out.stats["pinch_faces"] >= 1


def test_channel_closed_by_snapping_keeps_the_region_outside():
    """Two walls 0.27 grid units apart at a vertex of one of them (the subgrid reproducer, by hand):
    the pocket behind the channel is no gap; a pocket closed exactly at a point is one."""
    u = 2.0**-30  # the grid unit of this layer (extent 1000)
    walls = [shapely.Polygon([(0, 0), (400, 300), (1000, 0)]),  # below the channel
             shapely.Polygon([(0, 0.27 * u), (400, 300 + 0.27 * u), (400, 600), (0, 600)]),  # above it, ends by the first
             shapely.Polygon([(400, 300), (1000, 0), (1000, 1000), (400, 1000), (400, 600)])]  # closes the pocket's far side
    out = dissolve_clean(walls, ["a", "b", "c"], 1.0)
    assert check_dissolve(np.array(walls, dtype=object), np.array(["a", "b", "c"], dtype=object), out, False) == []
    squares = [shapely.box(x - 0.5, y - 0.5, x + 0.5, y + 0.5) for x, y in [(1, 0), (2, 1), (1, 2), (0, 1)]]
    assert dissolve_clean(squares, list("abcd"), 10).repairs["kind"].tolist() == ["gap"]


def test_channel_past_collinear_sides_keeps_the_region_outside():
    """A channel narrower than a grid step, shut by snapping at a node where two sides leave the
    same way (collinear, of unequal length: seed 94555 of the fuzzer): the pocket behind it is no gap."""
    u = 2.0**-36  # the grid unit of this layer (extent 12)
    walls = [shapely.Polygon([(0, 0), (6, 0), (6, 4), (0, 4)]),
             shapely.Polygon([(6, 1), (12, 0), (12, 4 - u), (6, 4)]),  # down from (6, 4) along the first's side
             shapely.Polygon([(0, 4 + 2 * u), (6 + u, 4), (6 + u, 8), (0, 8)]),  # the channel's roof, bent through (6, 4)
             shapely.box(0, 8, 12, 10), shapely.box(10, 3, 12, 8)]  # the pocket's far sides
    keys = np.array(list("abcde"), dtype=object)
    out = dissolve_clean(walls, keys, 1.0)
    assert check_dissolve(np.array(walls, dtype=object), keys, out, False) == []
    assert out.stats["open_gaps"] == 1 and "gap" not in out.repairs["kind"].tolist()


def test_a_valid_coverage_geos_misreads_is_kept():
    """GEOS's validator reads a unit's hole touching its shell on the outline, with another unit
    touching the same point from outside, as an invalid edge, on a valid coverage; faces wider than
    a grid step are the input's and stay as they are (only slivers of snap rounding move)."""
    x = shapely.Polygon([(0, 0), (4, 0), (4, 4), (2, 4), (0, 4)], [[(2, 4), (1, 2), (3, 2)]])
    z = shapely.Polygon([(2, 4), (1, 2), (3, 2)])
    y = shapely.Polygon([(2, 4), (3, 6), (1, 6)])
    assert not shapely.coverage_is_valid([x, z, y])  # GEOS, on the input
    out = dissolve_clean([x, z, y], ["x", "z", "y"], 1.0)
    assert out.stats["pinch_faces"] == 0 and len(out.repairs) == 0
    assert all(out.units[k].equals(g) for k, g in zip("xzy", [x, z, y]))


def test_limit_errors_are_their_own_class():
    assert issubclass(A.CapacityError, A.ArrangementError) and issubclass(A.ArrangementError, GeoplanError)
    assert not issubclass(A.ArrangementError, OverflowError)


def test_docstring_examples_of_the_engine_and_the_fuzzer():
    """The examples in the docstrings of the arrangement's Python face and of the fuzzer run."""
    import doctest

    import fuzz.cases
    import fuzz.exact
    import fuzz.oracle

    for module in (A, fuzz.cases, fuzz.exact, fuzz.oracle):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, module.__name__
