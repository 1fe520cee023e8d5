"""geoplan assign, lines and polygons: cut at the units' boundaries (pieces that add up, the part in
no unit kept), one unit per feature, invalid geometries, summaries by class, chunks and CLI."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geoplan
from geoplan.cli import main
from geoplan.measure.straight import straight_area_km2

A, B = shapely.box(105.0, 10.0, 105.1, 10.1), shapely.box(105.1, 10.0, 105.2, 10.1)


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["01", "02", "03"], "name": ["Xã A", "Xã B", "Xã C"], "parent": ["P"] * 3},
                            geometry=[A, B, shapely.box(105.15, 10.05, 105.25, 10.15)], crs="EPSG:4326")


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    """Land-use zones: inside A; across A, B and C (B and C overlap) and out of every unit; in no unit."""
    return gpd.GeoDataFrame({"landuse": ["rice", "forest", "rice"]}, geometry=[
        shapely.box(105.02, 10.02, 105.04, 10.04), shapely.box(105.05, 10.06, 105.3, 10.08),
        shapely.box(106.0, 11.0, 106.01, 11.01)], crs="EPSG:4326")


def test_polygons_are_cut_into_pieces_that_add_up_to_each_feature(units, zones):
    result = geoplan.assign(zones, units)
    pieces = result.features
    assert pieces["feature"].tolist() == [0, 1, 1, 1, 1, 2]
    assert pieces["code"].fillna("").tolist() == ["01", "01", "02", "03", "", ""]
    assert pieces["placed"].tolist() == ["inside"] * 4 + ["outside"] * 2
    whole = straight_area_km2(zones.geometry.to_numpy())
    sums = pieces.groupby("feature")["area_km2"].sum().to_numpy()
    assert np.allclose(sums, whole, rtol=1e-9, atol=0)
    assert np.allclose(pieces.groupby("feature")["share"].sum(), 1.0, rtol=1e-9)
    overlap = pieces[pieces["code"] == "03"].geometry.iloc[0]  # B took the overlap: C has only its own part
    assert overlap.bounds[0] == pytest.approx(105.2)
    assert set(pieces.geometry.geom_type) == {"MultiPolygon"}
    assert result.report.tally.cut == 1 and result.report.tally.placed["outside"] == 2


def test_lines_are_cut_with_their_lengths_in_metres(units):
    canal = gpd.GeoDataFrame({"name": ["Kênh 1"]}, geometry=[shapely.LineString([(105.05, 10.03), (105.15, 10.03),
                                                                                  (105.15, 9.95)])], crs="EPSG:4326")
    pieces = geoplan.assign(canal, units).features
    assert pieces["code"].fillna("").tolist() == ["01", "02", ""]
    assert pieces["length_m"].round(-1).tolist() == [5480.0, 8820.0, 5570.0]
    assert pieces["share"].sum() == pytest.approx(1.0)
    assert "area_km2" not in pieces


def test_one_unit_per_feature_by_centroid_or_largest_part(units, zones):
    centroid = geoplan.assign(zones, units, rule="centroid").features
    assert centroid["code"].fillna("").tolist() == ["01", "02", ""] and "share" not in centroid  # B before C
    largest = geoplan.assign(zones, units, rule="largest").features
    assert largest["code"].fillna("").tolist() == ["01", "02", ""]
    assert largest["share"].round(2).tolist()[:2] == [1.0, 0.4]
    assert len(largest) == 3 and largest.geometry.iloc[1].equals(shapely.MultiPolygon([zones.geometry.iloc[1]]))


def test_invalid_polygons_are_repaired_and_counted_missing_ones_kept(units):
    bow = shapely.Polygon([(105.01, 10.01), (105.05, 10.05), (105.05, 10.01), (105.01, 10.05)])
    layer = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[bow, None], crs="EPSG:4326")
    result = geoplan.assign(layer, units)
    assert result.features["repaired"].tolist() == [True, False]
    assert result.features["placed"].tolist() == ["inside", "no geometry"]
    assert result.features.geometry.iloc[0].area == pytest.approx(0.0008)  # two triangles, both kept
    assert result.report.tally.repaired == 1


def test_summary_gives_hectares_of_each_class_per_unit(units, zones):
    summary = geoplan.assign(zones, units, summarise_field="landuse").summary
    rows = {(code, use): ha for code, use, ha in summary[["code", "landuse", "area_ha"]].itertuples(index=False)}
    assert set(rows) == {("01", "rice"), ("01", "forest"), ("02", "forest"), ("03", "forest"), ("", "forest"),
                         ("", "rice")}
    assert rows[("01", "rice")] == pytest.approx(straight_area_km2([zones.geometry.iloc[0]])[0] * 100)
    share = summary.set_index(["code", "landuse"]).loc[("01", "rice"), "unit_share"]
    assert share == pytest.approx(0.04, rel=1e-3)  # 0.02 x 0.02 degrees of a 0.1 x 0.1 unit


def test_chunks_give_the_same_pieces_as_one_pass(tmp_path, units, zones):
    zones.to_file(tmp_path / "zones.gpkg")
    units.to_file(tmp_path / "units.gpkg")
    for rows in (1, 100):
        geoplan.assign_file(tmp_path / "zones.gpkg", tmp_path / "units.gpkg", tmp_path / f"p{rows}.parquet",
                            chunk_rows=rows)
    one, many = (gpd.read_parquet(tmp_path / f"p{rows}.parquet") for rows in (100, 1))
    assert one.drop(columns="geometry").equals(many.drop(columns="geometry"))
    assert one.geometry.geom_equals(many.geometry).all()


def test_cli_writes_pieces_summary_and_about_layers(tmp_path, units, zones, capsys):
    zones.to_file(tmp_path / "zones.gpkg")
    units.to_file(tmp_path / "units.gpkg")
    code = main(["assign", str(tmp_path / "zones.gpkg"), str(tmp_path / "units.gpkg"), "-o", str(tmp_path / "o.gpkg"),
                 "--summarise", "landuse", "--quiet", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Cut 3 polygons at the boundaries of 3 units into 6 pieces")
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(tmp_path / "o.gpkg")] == ["pieces", "summary", "about"]


@pytest.mark.parametrize("args, message", [
    (["missing.gpkg", "units.gpkg", "-o", "o.gpkg"], "missing.gpkg: file not found"),
    (["zones.gpkg", "units.gpkg", "-o", "o.txt"], "o.txt: give an output file ending in one of"),
    (["zones.gpkg", "units.gpkg", "-o", "o.gpkg", "--snap", "-1"], "the snapping distance (--snap) must be"),
    (["zones.gpkg", "units.gpkg", "-o", "o.gpkg", "--summarise", "nope"], "no column 'nope' (--summarise)"),
    (["zones.gpkg", "units.gpkg", "-o", "o.gpkg", "--unit-code", "nope"], "no field 'nope' (--unit-code)"),
    (["zones.gpkg", "nocrs.gpkg", "-o", "o.gpkg"], "no CRS"),
    (["zones.gpkg", "vn-2025-commune", "-o", "o.gpkg"], "vn-2025-commune: a plan has no polygons"),
    (["zones.gpkg", "units.gpkg", "-o", "zones.gpkg"], "zones.gpkg: is an input"),
    (["zones.gpkg", "units.gpkg", "-o", "o.gpkg", "--engine", "dask"], "the dask engine reads GeoParquet"),
])
@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_user_mistakes_end_in_one_line(tmp_path, units, zones, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    zones.to_file("zones.gpkg")
    units.to_file("units.gpkg")
    gpd.GeoDataFrame({"code": ["1"]}, geometry=[A]).to_file("nocrs.gpkg")
    assert main(["assign", *args, "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("by_overlay", [True, False])
def test_where_units_overlap_the_first_takes_it_in_the_overlay_and_pair_by_pair(monkeypatch, by_overlay):
    """The overlay gives an overlap to the first unit itself; pairs cut one by one take the units
    without their overlaps, made only then."""
    from geoplan.assigning import cut as cutting

    units = np.array([shapely.box(105.0, 10.0, 105.2, 10.1), shapely.box(105.1, 10.0, 105.3, 10.1)])
    shapely.prepare(units)
    made = []
    exclusive = lambda: made.append(1) or np.array([units[0], shapely.box(105.2, 10.0, 105.3, 10.1)])  # noqa: E731
    monkeypatch.setattr(cutting, "worth_overlay", lambda *args: by_overlay)
    feature = np.array([shapely.box(105.05, 10.0, 105.25, 10.1)])
    pieces = cutting.cut(feature, units, None, 1, exclusive)
    assert pieces.unit.tolist() == [0, 1]
    assert shapely.area(pieces.shapes()) == pytest.approx([0.015, 0.005])
    assert made == ([] if by_overlay else [1])
    assert [w is not None for w in pieces.wkb] == [by_overlay] * 2  # the overlay's pieces come as WKB
    if by_overlay:  # measured on the arrangement's arrays as the geometries would be
        assert pieces.area_km2 == pytest.approx(straight_area_km2(pieces.shapes()), rel=1e-12)
    else:  # measured later, from the geometries
        assert np.isnan(pieces.area_km2).all()


def test_a_feature_inside_an_overlap_of_units_goes_whole_to_the_first(monkeypatch):
    """Whole, with its own geometry, even where the overlay would cut the others."""
    from geoplan.assigning import cut as cutting

    units = np.array([shapely.box(105.0, 10.0, 105.2, 10.1), shapely.box(105.1, 10.0, 105.3, 10.1)])
    shapely.prepare(units)
    monkeypatch.setattr(cutting, "worth_overlay", lambda *args: True)
    feature = np.array([shapely.box(105.12, 10.02, 105.18, 10.08), shapely.box(105.05, 10.0, 105.25, 10.1)])
    pieces = cutting.cut(feature, units, None, 1, lambda: pytest.fail("no pair is cut one by one"))
    assert pieces.feature.tolist() == [0, 1, 1] and pieces.unit.tolist() == [0, 0, 1]
    assert pieces.geoms[0] is feature[0]


@pytest.mark.parametrize("by_overlay", [True, False])
def test_units_whose_boxes_only_meet_a_feature_give_it_no_piece(monkeypatch, by_overlay):
    """The overlay takes the pairs whose boxes meet: a unit that only its box brings gives no
    piece; a feature the overlay leaves in one unit, or in none, keeps its own geometry, whole."""
    from geoplan.assigning import cut as cutting

    ell = shapely.Polygon([(105.0, 10.0), (105.3, 10.0), (105.3, 10.3), (105.2, 10.3), (105.2, 10.1), (105.0, 10.1)])
    units = np.array([ell, shapely.box(105.0, 10.1, 105.1, 10.3)])  # the L's box holds the square
    shapely.prepare(units)
    monkeypatch.setattr(cutting, "worth_overlay", lambda *args: by_overlay)
    feature = np.array([shapely.box(105.02, 10.15, 105.08, 10.25),  # in the square; the L's box only
                        shapely.box(105.12, 10.2, 105.18, 10.28),  # in no unit; the L's box only
                        shapely.box(105.05, 10.05, 105.25, 10.2)])  # across both, and in none
    pieces = cutting.cut(feature, units, None, 1)
    assert pieces.feature.tolist() == [0, 1, 2, 2, 2] and pieces.unit.tolist() == [1, -1, 0, 1, -1]
    assert pieces.geoms[0] is feature[0] and shapely.equals(pieces.geoms[1], feature[1])
    assert (pieces.geoms[1] is feature[1]) == by_overlay  # (pair by pair: what no unit holds, made)
    assert np.isnan(pieces.area_km2[:2]).all()
    assert shapely.area(pieces.shapes()[2:]) == pytest.approx([0.015, 0.005, 0.01])


def test_an_overlay_in_two_threads_gives_the_pieces_of_one():
    """Features split south to north into two overlays, each with the units it meets: the same
    pieces as one overlay of all, to the grid's scale."""
    from geoplan.engine.arrange import overlay
    from geoplan.engine.halves import overlay_halves

    rng = np.random.default_rng(7)
    x, y = rng.uniform(105, 106, 400), rng.uniform(10, 11, 400)
    features = shapely.buffer(shapely.points(x, y), rng.uniform(0.01, 0.05, 400), quad_segs=4)
    units = np.array([shapely.box(105 + i / 8, 10 + j / 8, 105 + (i + 1) / 8, 10 + (j + 1) / 8)
                      for i in range(8) for j in range(8)])
    left, right = shapely.STRtree(units).query(features)
    parts = overlay_halves(features, units, left, right, threads=2, per_thread=50, geometry=False)
    assert len(parts) == 2 and not set(parts[0][0]) & set(parts[1][0])
    halves = {(group[a], used[b]): area for group, used, frame in parts
              for a, b, area in zip(frame["a"], frame["b"], frame["area"]) if a >= 0 and b >= 0}
    whole = overlay(features, units, geometry=False)
    whole = {(a, b): area for a, b, area in zip(whole["a"], whole["b"], whole["area"]) if a >= 0 and b >= 0}
    assert halves.keys() == whole.keys()
    assert max(abs(halves[k] - whole[k]) for k in whole) < 1e-9


def test_a_feature_thinner_than_the_overlay_grid_is_placed_pair_by_pair(monkeypatch):
    """Snapped to the arrangement's grid, a sliver has no piece: it goes to its unit whole, as
    the pairs cut one by one place it (a thin feature in a unit is not in no unit)."""
    from geoplan.assigning import cut as cutting

    units = np.array([shapely.box(105, 10, 106, 11), shapely.box(106, 10, 107, 11)])
    shapely.prepare(units)
    monkeypatch.setattr(cutting, "worth_overlay", lambda *args: True)
    feature = np.array([shapely.box(105.5, 10.5, 105.5 + 1e-13, 10.6), shapely.box(105.9, 10.2, 106.1, 10.3)])
    pieces = cutting.cut(feature, units, None, 1)
    assert pieces.feature.tolist() == [0, 1, 1] and pieces.unit.tolist() == [0, 0, 1]
    assert pieces.geoms[0] is feature[0]


@pytest.mark.parametrize("suffix, single", [(".gpkg", "MultiPolygon"), (".parquet", "Polygon")])
def test_the_overlays_pieces_are_written_as_the_format_takes_them(tmp_path, units, zones, monkeypatch, suffix, single):
    """The overlay's pieces go out as WKB made from its arrays: MultiPolygons in a GeoPackage,
    Polygons where they have one part in GeoParquet (as the pieces cut pair by pair); the same
    shapes as those."""
    from geoplan.assigning import cut as cutting

    zones.to_file(tmp_path / "zones.gpkg")
    units.to_file(tmp_path / "units.gpkg")
    written = {}
    for by_overlay in (True, False):
        monkeypatch.setattr(cutting, "worth_overlay", lambda *args, b=by_overlay: b)
        target = tmp_path / f"pieces-{by_overlay}{suffix}"
        geoplan.assign_file(tmp_path / "zones.gpkg", tmp_path / "units.gpkg", target)
        written[by_overlay] = gpd.read_parquet(target) if suffix == ".parquet" else gpd.read_file(target, layer="pieces")
    made, paired = written[True], written[False]
    assert made[["feature", "code"]].equals(paired[["feature", "code"]])
    assert made.geom_type.tolist() == paired.geom_type.tolist() == [single] * len(made)
    assert shapely.area(shapely.symmetric_difference(made.geometry.values, paired.geometry.values)).max() < 1e-12  # (the grid)
