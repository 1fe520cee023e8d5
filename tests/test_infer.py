import numpy as np
import shapely

from geoplan.link.infer import infer_units, shared_border


def test_unmatched_polygon_joins_longest_border_neighbour_in_same_parent():
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 0.2), shapely.box(1, 0.2, 2, 1),
                      shapely.box(2.0005, 0, 3, 1)], dtype=object)
    codes = np.array(["A", "B", None, None], dtype=object)
    parents = np.array(["P", "P", "P", "P"])
    placed = infer_units(geoms, codes, parents, tolerance=0.001)
    # polygon 2 touches A along 0.8 and B along 1.0: B wins; polygon 3 (0.0005 away) then follows polygon 2
    assert placed.tolist() == ["A", "B", "B", "B"]


def test_other_parents_are_not_used_and_islands_join_the_nearest():
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)], dtype=object)
    placed = infer_units(geoms, np.array(["A", None, None], dtype=object), np.array(["P", "Q", "P"]), 0.001)
    assert placed.tolist() == ["A", None, "A"]


def test_shared_border_tolerates_small_gaps():
    # the right edge from y=0.5 to 1, plus the 0.0005 of the top edge that lies within the tolerance, in metres
    border = shared_border([shapely.box(0, 0, 1, 1)], [shapely.box(1.0005, 0.5, 2, 1)], 0.001)[0]
    assert abs(border - 0.5005 * 111_320) < 112


def test_border_is_summed_per_new_unit_and_measured_in_metres():
    """At 60 N a degree of longitude is half a degree of latitude: the borders
    compare in metres, and a unit's polygons add up."""
    middle = shapely.box(0, 60, 1, 60.7)
    west = shapely.box(-1, 60.1, 0, 60.7)  # unit A: a 0.6 deg north-south border, 66.8 km
    north = shapely.box(0, 60.7, 1, 61)  # unit B: a 1 deg east-west border, 54.4 km (in degrees it would win)
    east_low, east_high = shapely.box(1, 60, 2, 60.4), shapely.box(1, 60.4, 2, 60.7)  # 44.5 km + 33.4 km
    geoms = np.array([middle, west, north, east_low, east_high], dtype=object)
    parents = np.array(["P"] * 5)
    assert infer_units(geoms, np.array([None, "A", "B", "C", "D"], dtype=object), parents, 1e-6)[0] == "A"
    assert infer_units(geoms, np.array([None, "A", "B", "C", "C"], dtype=object), parents, 1e-6)[0] == "C"
