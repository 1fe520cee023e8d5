"""The geometry engine on small hand-made geometries."""

import numpy as np
import shapely

from geoplan.dissolve import clean_coverage, dissolve_clean, union_group
from geoplan.quality import coverage_quality


def quality(units):
    return coverage_quality(units.to_numpy())


def test_gap_between_units_is_filled_and_logged():
    out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(1.01, 0, 2, 1), shapely.box(-1, -1, 3, 0),
                          shapely.box(-1, 1, 3, 2)], ["a", "b", "c", "d"], gap_width=0.1)
    q = quality(out.units)
    assert q["gaps"] == 0 and q["overlaps"] == 0 and q["invalid_edges"] == 0
    gaps = out.repairs[out.repairs["kind"] == "gap"]
    assert len(gaps) == 1 and np.isclose(gaps["area"].sum(), 0.01)
    assert gaps["receiving_code"].iloc[0] in ("a", "b")
    assert np.isclose(out.units.area.sum(), 1 + 0.99 + 0.01 + 4 + 4)


def test_overlap_goes_to_one_unit_only():
    out = dissolve_clean([shapely.box(0, 0, 1.1, 1), shapely.box(1, 0, 2, 1)], ["a", "b"], gap_width=0.1)
    assert quality(out.units)["overlaps"] == 0
    assert np.isclose(out.units.area.sum(), 2.0)
    overlap = out.repairs[out.repairs["kind"] == "overlap"]
    assert np.isclose(overlap["area"].sum(), 0.1)


def test_gap_inside_a_unit_goes_to_that_unit():
    # two sources of the same unit leave a hole between them and a third unit around
    left = shapely.box(0, 0, 1, 2).difference(shapely.box(0.9, 0.9, 1, 1.1))
    right = shapely.box(1, 0, 2, 2).difference(shapely.box(1, 0.9, 1.1, 1.1))
    out = dissolve_clean([left, right], ["x", "x"], gap_width=0.01)
    unit = out.units["x"]
    assert shapely.get_num_interior_rings(unit.geoms[0] if unit.geom_type == "MultiPolygon" else unit) == 0
    enclosed = out.repairs[out.repairs["rule"] == "enclosed"]
    assert len(enclosed) == 1 and enclosed["receiving_code"].iloc[0] == "x"


def test_enclave_and_islands_are_kept():
    outer = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    enclave = shapely.box(1, 1, 2, 2)
    island = shapely.box(5, 5, 6, 6)
    out = dissolve_clean([outer, enclave, island], ["o", "e", "o"], gap_width=0.1)
    assert np.isclose(out.units["e"].area, 1.0)
    assert np.isclose(out.units["o"].area, 9.0)  # 8 around the enclave + the island
    assert out.units["o"].geom_type == "MultiPolygon"
    assert len(out.repairs) == 0


def test_wide_gap_is_filled_but_flagged():
    ring = [shapely.box(0, 0, 3, 1), shapely.box(0, 2, 3, 3), shapely.box(0, 1, 1, 2), shapely.box(2, 1, 3, 2)]
    out = dissolve_clean(ring, ["a", "b", "c", "d"], gap_width=0.1)
    assert quality(out.units)["gaps"] == 0
    assert list(out.repairs["rule"]) == ["wide gap"]


def test_invalid_source_is_repaired_and_logged():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    out = dissolve_clean([bowtie, shapely.box(1, 0, 2, 1)], ["a", "b"], gap_width=0.1)
    assert shapely.is_valid(out.units.to_numpy()).all()
    assert "invalid" in set(out.repairs["kind"])


def test_group_unions_in_worker_processes_match_serial():
    boxes = [shapely.box(i, j, i + 1.001, j + 1) for i in range(60) for j in range(40)]
    keys = [f"{i // 6}" for i in range(60) for j in range(40)]
    serial = dissolve_clean(boxes, keys, gap_width=0.01, workers=1).units
    parallel = dissolve_clean(boxes, keys, gap_width=0.01, workers=2).units
    assert serial.index.tolist() == parallel.index.tolist()
    assert np.allclose(serial.area.to_numpy(), parallel.area.to_numpy())


def test_group_with_a_few_crossing_sources_overlays_only_those(monkeypatch):
    """A 20 x 20 grid of which two cells overlap: edge cancellation fails on the
    group, only the two mismatched cells go through the overlay union, and the
    result is the plain union of all cells."""
    cells = [shapely.box(i, j, i + 1, j + 1) for i in range(20) for j in range(20)]
    cells[41] = shapely.Polygon([(2, 1), (3, 1), (3.2, 1.5), (3, 2), (2, 2)])  # a bulge into its right-hand neighbour
    cells = np.array(cells, dtype=object)
    overlaid = []
    union_all = shapely.union_all
    monkeypatch.setattr(shapely, "union_all", lambda geoms, **kw: overlaid.append(len(geoms)) or union_all(geoms, **kw))
    merged = union_group(cells)
    assert merged.is_valid and merged.equals(union_all(cells))
    assert overlaid == [2]


def test_many_units_are_cleaned_in_halves_like_all_at_once():
    """1,200 overlapping boxes: cleaning north and south apart, then along the cut,
    gives a valid coverage, the same on one or two workers and as a single cleaning."""
    rng = np.random.default_rng(7)
    boxes = np.array([shapely.box(i, j, i + 1 + rng.uniform(0, 0.02), j + 1 + rng.uniform(0, 0.02))
                      for i in range(30) for j in range(40)], dtype=object)
    one, two = clean_coverage(boxes, workers=1), clean_coverage(boxes, workers=2)
    assert shapely.coverage_is_valid(two) and shapely.equals(one, two).all()
    whole = shapely.coverage_clean(boxes, gap_width=0.0)
    assert abs(shapely.area(two).sum() - shapely.area(whole).sum()) < 1e-9
    assert abs(shapely.area(two).sum() - shapely.area(shapely.union_all(boxes))) < 1e-9


def test_cleaning_in_halves_falls_back_to_one_cleaning_when_the_cut_does_not_check(monkeypatch):
    boxes = np.array([shapely.box(i, j, i + 1.01, j + 1.01) for i in range(30) for j in range(40)], dtype=object)
    calls = []
    clean = shapely.coverage_clean
    monkeypatch.setattr(shapely, "coverage_clean", lambda units, **kw: calls.append(len(units)) or clean(units, **kw))
    monkeypatch.setattr(shapely, "coverage_is_valid", lambda units: False)
    out = clean_coverage(boxes, workers=2)
    assert calls[-1] == len(boxes) and sorted(calls[:2]) == [600, 600]
    assert abs(shapely.area(out).sum() - shapely.area(shapely.union_all(boxes))) < 1e-9
