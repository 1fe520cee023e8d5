import numpy as np
import shapely

from geoplan.infer import infer_units, shared_border


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
    # the right edge from y=0.5 to 1, plus the 0.0005 of the top edge that lies within the tolerance
    assert abs(shared_border([shapely.box(0, 0, 1, 1)], [shapely.box(1.0005, 0.5, 2, 1)], 0.001)[0] - 0.5005) < 1e-3
