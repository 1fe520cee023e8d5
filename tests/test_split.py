"""Divided old units split along a reference layer or drawn lines, their counts apportioned, bounds beside."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import geoplan
from geoplan.engine.quality import coverage_quality
from vn_data import SHARED, needs_shared

X0, Y0 = 105.0, 10.0


def box(x0, x1, y0=0.0, y1=1.0):
    return shapely.box(X0 + x0 / 100, Y0 + y0 / 100, X0 + x1 / 100, Y0 + y1 / 100)


@pytest.fixture
def divided():
    """Old units A | B | C in a row; B is divided between new units X (with A) and Y (with C)."""
    old = gpd.GeoDataFrame({"code": ["A", "B", "C"], "pop": [10, 100, 30]},
                           geometry=[box(0, 1), box(1, 2), box(2, 3)], crs=4326)
    plan = geoplan.Plan.from_frame(pd.DataFrame({
        "old_code": ["A", "B", "B", "C"], "new_code": ["X", "X", "Y", "Y"], "new_name": ["Xa", "Xa", "Ya", "Ya"],
        "link": ["full", "partial", "partial", "full"], "default": ["", "1", "", ""]}))
    reference = gpd.GeoDataFrame({"ma": ["X", "Y"]}, geometry=[box(0, 1.4), box(1.4, 3)], crs=4326)
    return old, plan, reference


def test_without_geometry_a_divided_unit_goes_whole_and_is_approximate(divided):
    old, plan, _ = divided
    result = geoplan.merge(old, plan, code_field="code", pop_field="pop", detect=False)
    assert result.units.set_index("code")["population"].to_dict() == {"X": 110, "Y": 30}
    assert result.units["approximate"].all() and "population_lower" not in result.units


def test_a_reference_splits_the_divided_unit_and_its_counts_by_area(divided):
    old, plan, reference = divided
    result = geoplan.merge(old, plan, code_field="code", pop_field="pop", detect=False, reference=reference)
    pieces = result.crosswalk[result.crosswalk["old_code"] == "B"].set_index("new_code")
    assert pieces["basis"].tolist() == ["split:reference"] * 2
    assert pieces["area_share"].to_dict() == pytest.approx({"X": 0.4, "Y": 0.6}, abs=1e-3)
    assert pieces["population"].to_dict() == {"X": 40, "Y": 60} and pieces["population"].sum() == 100
    units = result.units.set_index("code")
    assert units["population"].to_dict() == {"X": 50, "Y": 90} and not units["approximate"].any()
    assert units.loc["X", "area_km2"] == pytest.approx(geoplan.area_km2(box(0, 1.4))[0], rel=1e-6)
    assert units[["population_lower", "population_upper"]].to_dict("index") == {
        "X": {"population_lower": 10, "population_upper": 110}, "Y": {"population_lower": 30, "population_upper": 130}}
    quality = coverage_quality(result.units)
    assert quality["gaps"] == quality["overlaps"] == quality["invalid_edges"] == 0 and quality["valid_share"] == 1


def test_a_dirty_reference_is_decided_by_explicit_logged_rules(divided):
    old, plan, _ = divided
    # X and Y overlap inside B (1.3 to 1.5), a third unit Z claims the top of B, Y is repaired (a bow tie)
    bow_tie = shapely.Polygon([(X0 + 0.013, Y0), (X0 + 0.03, Y0 + 0.01), (X0 + 0.03, Y0), (X0 + 0.013, Y0 + 0.01)])
    reference = gpd.GeoDataFrame({"code": ["X", "Y", "Y", "Z"]}, geometry=[
        box(0, 1.5, 0, 0.8), shapely.union(box(1.3, 3, 0, 0.8), box(2, 3, 0, 1)), bow_tie, box(1, 2, 0.8, 1)], crs=4326)
    plan = geoplan.Plan.from_frame(pd.concat([plan.links, pd.DataFrame(
        {"old_code": ["Q"], "new_code": ["Z"], "new_name": ["Za"], "link": ["full"]})], ignore_index=True))
    result = geoplan.merge(old, plan, code_field="code", pop_field="pop", detect=False, reference=reference)
    split = result.repairs[result.repairs["kind"] == "split"]
    assert {"reference overlap", "not linked"} <= set(split["rule"])
    assert split.loc[split["rule"] == "not linked", "other_codes"].str.startswith("Z").all()
    pieces = result.crosswalk[result.crosswalk["old_code"] == "B"]
    assert set(pieces["new_code"]) == {"X", "Y"} and pieces["area_share"].sum() == pytest.approx(1)
    assert pieces["population"].sum() == 100
    assert coverage_quality(result.units)["overlaps"] == 0


def test_weights_apportion_the_counts_and_parts_add_up_exactly(divided):
    old, plan, reference = divided
    points = gpd.GeoDataFrame({"w": [1, 1, 1, 1]}, geometry=shapely.points(
        [X0 + 0.011, X0 + 0.012, X0 + 0.013, X0 + 0.018], [Y0 + 0.005] * 4), crs=4326)
    result = geoplan.merge(old.assign(pop=[10, 101, 30]), plan, code_field="code", pop_field="pop", detect=False,
                           reference=reference, weights=points, weight_field="w")
    pieces = result.crosswalk[result.crosswalk["old_code"] == "B"].set_index("new_code")
    assert pieces["population"].to_dict() == {"X": 76, "Y": 25}  # 3 of 4 points west of the split, 101 kept whole
    cut = result.crosswalk.set_index(["old_code", "new_code"])
    assert cut.loc[("B", "X"), "pop_share"] == pytest.approx(76 / 101)


def test_drawn_lines_split_where_there_is_no_reference(divided):
    old, plan, _ = divided
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 + 0.014, Y0 - 0.01), (X0 + 0.014, Y0 + 0.02)])], crs=4326)
    result = geoplan.merge(old, plan, code_field="code", pop_field="pop", detect=False, split_lines=line)
    pieces = result.crosswalk[result.crosswalk["old_code"] == "B"].set_index("new_code")
    assert pieces["basis"].tolist() == ["split:lines"] * 2
    assert pieces["area_share"].to_dict() == pytest.approx({"X": 0.4, "Y": 0.6}, abs=1e-3)
    assert set(result.repairs.loc[result.repairs["kind"] == "split", "rule"]) == {"longest border"}


def test_a_reference_and_lines_together_are_refused(divided):
    old, plan, reference = divided
    with pytest.raises(geoplan.InputError, match="not both"):
        geoplan.merge(old, plan, code_field="code", reference=reference, split_lines=reference)


@needs_shared
def test_a_line_drawn_along_the_official_split_of_a_real_commune():
    """Xã Phong Phú (Bình Thuận, 22978) was divided between Phan Rí Cửa (22972) and Tuy Phong (22978): a
    line drawn along the official border between them splits it about as the official map does."""
    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    old = old[old["province_vn"] == "Bình Thuận"]
    official = gpd.read_file(SHARED / "new_communes_2025.gpkg").set_index("code").geometry
    border = shapely.intersection(shapely.boundary(official["22972"]), shapely.buffer(official["22978"], 1e-6))
    line = gpd.GeoDataFrame(geometry=[border], crs=4326)
    result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic", split_lines=line)
    pieces = result.crosswalk[result.crosswalk["old_code"] == "22978"].set_index("new_code")
    phong_phu = old[old["gso_code_c2016"] == "22978"].geometry.iloc[0]
    expected = geoplan.area_km2(shapely.intersection(phong_phu, official["22972"]))[0]
    assert set(pieces.index) == {"22972", "22978"}
    assert pieces.loc["22972", "area_km2"] == pytest.approx(expected, rel=0.25)
    assert pieces["population"].sum() == old.loc[old["gso_code_c2016"] == "22978", "pop2019_vn_demographic"].sum()


def test_the_plan_is_audited_against_the_reference(divided):
    """A full link whose polygon lies in another unit, a partial link whose unit holds none of the
    polygon, two polygons swapped: each is listed with its kind, verdict and the area at stake."""
    old, _, _ = divided
    old = pd.concat([old, gpd.GeoDataFrame({"code": ["D", "E"], "pop": [1, 1]},
                                           geometry=[box(3, 4), box(4, 5)], crs=4326)], ignore_index=True)
    plan = geoplan.Plan.from_frame(pd.DataFrame({
        "old_code": ["A", "B", "B", "B", "C", "D", "E"], "new_code": ["X", "X", "Y", "W", "Y", "V", "U"],
        "new_name": ["Xa", "Xa", "Ya", "Wa", "Ya", "Va", "Ua"],
        "link": ["full", "partial", "partial", "partial", "full", "full", "full"], "default": ["", "1", "", "", "", "", ""]}))
    reference = gpd.GeoDataFrame({"code": ["X", "Y", "W", "U", "V"]}, geometry=[
        box(0, 1.4), box(1.4, 3.002), box(0, 3, 5, 6), box(3, 4), box(4, 5)], crs=4326)
    audit = geoplan.merge(old, plan, code_field="code", detect=False, reference=reference).audit
    rows = audit.set_index(["old_code", "new_code"])
    assert rows.loc[("B", "W"), "kind"] == "partial link empty"
    assert rows.loc[("D", "V"), "kind"] == "full link elsewhere" and rows.loc[("D", "V"), "found_code"] == "U"
    assert rows.loc[("D", "V"), "verdict"] == rows.loc[("E", "U"), "verdict"] == "linking"  # swapped
    assert rows.loc[("D", "V"), "at_stake_km2"] == pytest.approx(geoplan.area_km2(box(3, 4))[0], rel=1e-3)
    assert ("C", "Y") not in rows.index  # 0.002 of C outside Y's reference polygon is no contradiction
    assert audit["at_stake_km2"].is_monotonic_decreasing


@needs_shared
def test_national_merge_with_the_official_map_as_reference(tmp_path):
    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    plain = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")
    result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic",
                           reference=SHARED / "new_communes_2025.gpkg", reference_code="code")
    was = set(plain.units.loc[plain.units["approximate"], "code"])
    still = set(result.units.loc[result.units["approximate"], "code"]) & was
    assert len(was) > 400 and len(still) <= 0.05 * len(was)
    quality = coverage_quality(result.units)
    assert quality["valid_share"] == 1 and quality["gaps"] == quality["overlaps"] == quality["invalid_edges"] == 0
    assert result.report.gaps_left == 0 and abs(result.report.area_check) < 1e-4
    assert result.units["population"].sum() == plain.units["population"].sum()
    pieces = result.crosswalk
    assert pieces.groupby("old_code")["population"].sum().equals(plain.crosswalk.groupby("old_code")["population"].sum())
    units = result.units.set_index("code")
    assert (units["population_lower"] <= units["population"]).all() and (units["population"] <= units["population_upper"]).all()
    official = gpd.read_file(SHARED / "new_communes_2025.gpkg").set_index("code")
    for code in ("22972", "09661"):  # Xã Phan Rí Cửa, Xã Minh Châu (Hà Nội)
        assert units.loc[code, "area_km2"] == pytest.approx(geoplan.area_km2(official.geometry[code])[0], rel=0.10)
    assert len(result.audit) > 50 and set(result.audit["verdict"]) == {"plan", "linking", "resolution"}
    geoplan.write_result(result, tmp_path / "r.gpkg")
    assert {"audit", "crosswalk"} <= {name for name, _ in pyogrio.list_layers(tmp_path / "r.gpkg")}


@pytest.mark.parametrize("edge, expected", [(1.2, "Y"), (1.8, "X")])
def test_a_feature_matching_no_member_goes_where_the_reference_holds_most_of_it(edge, expected):
    """Q matches no member and borders only X's old units; the reference moves it to Y when Y's
    polygon holds more than half of it (the same province), else it stays with its border's X."""
    old = gpd.GeoDataFrame({"code": ["A", "Q", "B", "C"]},
                           geometry=[box(0, 1), box(1, 2), box(2, 3), box(3, 4)], crs=4326)
    plan = geoplan.Plan.from_frame(pd.DataFrame({
        "old_code": ["A", "B", "C"], "new_code": ["X", "X", "Y"], "new_name": ["Xa", "Xa", "Ya"],
        "link": ["full"] * 3}))
    reference = gpd.GeoDataFrame({"code": ["X", "Y"]}, geometry=[box(0, edge), box(edge, 4)], crs=4326)
    without = geoplan.merge(old, plan, code_field="code", detect=False)
    assert without.features.set_index("feature").loc[1, "new_code"] == "X"
    result = geoplan.merge(old, plan, code_field="code", detect=False, reference=reference)
    row = result.features.set_index("feature").loc[1]
    assert (row["new_code"], row["linked_by"]) == (expected, "inferred")
    moved = int(expected == "Y")  # the summary says how many inferred features the reference moved
    assert result.report.inferred_by_reference == moved
    assert ("inferred features moved to where the reference places them: 1" in result.summary()) == bool(moved)


def test_the_summary_of_a_split_merge_does_not_ask_for_a_reference(divided):
    """Split along the reference, with one unit still approximate (its divided old unit F has no
    reference polygon among its targets) and no inferred feature moved: the summary says what was
    split, and does not suggest --reference."""
    old, _, reference = divided
    old = pd.concat([old, gpd.GeoDataFrame({"code": ["E", "F"], "pop": [5, 5]}, geometry=[box(3, 4), box(4, 5)],
                                           crs=4326)], ignore_index=True)
    plan = geoplan.Plan.from_frame(pd.DataFrame({
        "old_code": ["A", "B", "B", "C", "E", "F", "F"], "new_code": ["X", "X", "Y", "Y", "Z", "Z", "W"],
        "new_name": ["Xa", "Xa", "Ya", "Ya", "Za", "Za", "Wa"],
        "link": ["full", "partial", "partial", "full", "full", "partial", "partial"],
        "default": ["", "1", "", "", "", "1", ""]}))
    result = geoplan.merge(old, plan, code_field="code", pop_field="pop", detect=False, reference=reference)
    assert (result.report.split_parts, result.report.approximate_units, result.report.inferred_by_reference) == (2, 1, 0)
    assert "split along the reference" in result.summary() and "would split" not in result.summary()
