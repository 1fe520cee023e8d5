"""Rules of a merge that a planner relies on, on small hand-made layers: what is
linked, placed, left out, flagged and counted, and that nothing is guessed."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geoplan
from geoplan.maps.data import units_without_polygon


def cell(x0, y0, x1, y1):
    """A box in hundredths of a degree near 105 E, 10 N."""
    return shapely.box(105 + x0 / 100, 10 + y0 / 100, 105 + x1 / 100, 10 + y1 / 100)


def plan_of(rows):
    return geoplan.Plan.from_frame(pd.DataFrame(rows, columns=["old_code", "old_name", "old_parent", "new_code",
                                                               "new_name", "link"]))


def test_a_name_that_fits_two_members_joins_one_of_their_units_never_a_third():
    """The feature named "Xã Trùng" borders N2 most, but N2 is no candidate's unit: it joins N1
    (candidate 201's unit) and links to 201; 202 stays without polygon."""
    layer = gpd.GeoDataFrame({
        "code": ["001", None, "003", "004"],
        "name": ["Xã Một", "Xã Trùng", "Xã Ba", "Xã Bốn"],
        "province": ["Tỉnh P"] * 4,
    }, geometry=[cell(0, 0, 1, 0.5), cell(1, 0, 2, 2), cell(2, 0, 3, 2), cell(5, 0, 6, 1)], crs=4326)
    plan = plan_of([
        ("001", "Xã Một", "Tỉnh P", "N1", "Xã N1", "full"),
        ("201", "Xã Trùng", "Tỉnh P", "N1", "Xã N1", "full"),
        ("003", "Xã Ba", "Tỉnh P", "N2", "Xã N2", "full"),
        ("202", "Xã Trùng", "Tỉnh P", "N3", "Xã N3", "full"),
        ("004", "Xã Bốn", "Tỉnh P", "N3", "Xã N3", "full"),
    ])
    result = geoplan.merge(layer, plan, code_field="code", name_field="name", parent_field="province")
    feature = result.features.iloc[1]
    assert (feature["new_code"], feature["old_code"], feature["linked_by"]) == ("N1", "201", "name+neighbours")
    assert result.links.ambiguous.empty and result.report.inferred_features == 0
    assert result.links.unmatched_members["old_code"].tolist() == ["202"]


def test_a_name_that_fits_two_members_whose_units_it_does_not_border_is_inferred_and_said():
    layer = gpd.GeoDataFrame({"code": ["001", None, "004"], "name": ["Xã Một", "Xã Trùng", "Xã Bốn"],
                              "province": ["Tỉnh P"] * 3},
                             geometry=[cell(0, 0, 1, 1), cell(1, 0, 2, 1), cell(5, 0, 6, 1)], crs=4326)
    plan = plan_of([
        ("001", "Xã Một", "Tỉnh P", "N1", "Xã N1", "full"),
        ("201", "Xã Trùng", "Tỉnh P", "N3", "Xã N3", "full"),
        ("202", "Xã Trùng", "Tỉnh P", "N4", "Xã N4", "full"),
        ("004", "Xã Bốn", "Tỉnh P", "N3", "Xã N3", "full"),
        ("005", "Xã Năm", "Tỉnh P", "N4", "Xã N4", "full"),
    ])
    result = geoplan.merge(layer, plan, code_field="code", name_field="name", parent_field="province")
    assert result.features.iloc[1]["linked_by"] == "inferred" and result.features.iloc[1]["old_code"] == ""
    assert "Xã Trùng (Tỉnh P): 201, 202" in result.link_report()


def test_a_feature_without_geometry_that_matches_nothing_is_unplaced(toy_layer, toy_plan_frame):
    layer = pd.concat([toy_layer, gpd.GeoDataFrame({"code": ["999"], "name": ["Xã Lạ"], "province": ["Tỉnh Thử"],
                                                    "pop": [7]}, geometry=[None], crs=4326)], ignore_index=True)
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", pop_field="pop")
    assert result.report.inferred_features == 0 and result.report.unplaced_features == 1
    assert result.units["population"].sum() == 1000 and result.report.counts["population"].unplaced == 7
    assert "unplaced: Xã Lạ (Tỉnh Thử), feature 4" in result.link_report()


def test_a_member_whose_only_feature_has_no_geometry_counts_as_without_polygon(toy_layer, toy_plan_frame):
    layer = toy_layer.copy()
    layer.loc[2, "geometry"] = None
    units = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code").units.set_index("code")
    assert units.loc["20", "n_members_missing"] == 1 and units.loc["10", "n_members_missing"] == 0


def test_a_member_given_twice_is_reported_with_its_identical_polygons(toy_layer, toy_plan_frame):
    layer = pd.concat([toy_layer, toy_layer.iloc[[2]]], ignore_index=True)
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", pop_field="pop")
    assert result.report.several_features.to_dict("records") == [
        {"old_code": "003", "old_name": "Xã Cát Tiên", "n_features": 2, "linked_by": "code", "identical": True}]
    assert "003 Xã Cát Tiên: 2 features, linked by code (identical polygons: a duplicated row?)" in result.link_report()
    assert "1 plan members have several features: their counts are summed" in result.link_report()


def test_a_plan_for_one_province_leaves_the_rest_of_a_national_layer_out(toy_layer, toy_plan_frame):
    others = gpd.GeoDataFrame({
        "code": [f"9{i:02d}" for i in range(12)], "name": [f"Xã Khác {i}" for i in range(12)],
        "province": ["Tỉnh Khác"] * 12, "pop": [1] * 12,
    }, geometry=[cell(10 + i, 0, 11 + i, 1) for i in range(12)], crs=4326)
    layer = pd.concat([toy_layer, others], ignore_index=True)  # the plan's province is a quarter of the layer
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), pop_field="pop")  # fields detected
    assert sorted(result.units["code"]) == ["10", "20"] and result.units["population"].sum() == 1000
    assert result.report.outside_plan == {"Tỉnh Khác": 12} and result.report.unplaced_features == 0
    assert "12 features lie in provinces the plan does not cover, left out: Tỉnh Khác (12)" in result.link_report()
    assert result.summary().startswith("Merged 4 old units into 2 new units")


def test_names_written_without_diacritics_link_with_types_and_renamed_parents(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame.assign(old_parent="Tỉnh Thử Mới"))
    ascii_layer = toy_layer.drop(columns="code").assign(
        name=["Xa An Hoa", "Thi tran Binh Minh", "Xa Cat Tien", "Xa Dong Hoa"], province="Tinh Thu")
    result = geoplan.merge(ascii_layer, plan, name_field="name", parent_field="province",
                           aliases={"Tỉnh Thử": "Tỉnh Thử Mới"})
    assert result.features["old_code"].tolist() == ["001", "002", "003", "004"]


def test_a_unit_that_lacks_its_part_of_a_divided_unit_is_approximate_too(toy_layer, toy_plan_frame):
    rows = toy_plan_frame.assign(link=["full", "full", "partial", "full"])
    extra = rows.iloc[[2]].assign(new_code="30", new_name="Xã Z")
    fifth = rows.iloc[[3]].assign(old_code="005", old_name="Xã Năm", new_code="30", new_name="Xã Z")
    layer = pd.concat([toy_layer, toy_layer.iloc[[3]].assign(code="005", name="Xã Năm", geometry=[cell(5, 0, 6, 1)])],
                      ignore_index=True)
    result = geoplan.merge(layer, geoplan.Plan.from_frame(pd.concat([rows, extra, fifth], ignore_index=True)),
                           code_field="code")
    units = result.units.set_index("code")
    assert units.loc["20", "approximate"] and units.loc["30", "approximate"] and not units.loc["10", "approximate"]
    assert units["n_approximate"].tolist() == [0, 1, 1]


def test_fractional_counts_are_summed_as_they_are(toy_layer, toy_plan_frame):
    layer = toy_layer.assign(pop=[100.25, 200.5, 300.0, 400.0])
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", pop_field="pop")
    assert result.units["population"].tolist() == [300.75, 700.0] and result.report.counts["population"].total == 1000.75


def test_gap_widths_mean_the_same_metres_whatever_the_crs():
    """A gap 0.001 deg of longitude wide (about 110 m at 10 N) between four units; the units
    above and below carry the gap's corners, so that no sliver appears once projected."""
    def band(y0, y1):
        return shapely.segmentize(cell(0, y0, 2, y1), 0.0005)  # a vertex every 0.05 hundredths: 1 and 1.1 too
    layer = gpd.GeoDataFrame({"code": ["1", "2", "3", "4"]}, crs=4326, geometry=[
        cell(0, 0, 1, 2), cell(1.1, 0, 2, 2), band(2, 3), band(-1, 0)])
    plan = geoplan.plan_from_field(layer["code"], "code")
    widths = []
    for projected in (layer, layer.to_crs(32648)):
        repairs = geoplan.merge(projected, plan, code_field="code").repairs
        widths.append(repairs.loc[repairs["kind"] == "gap", "width_m"].max())
    assert widths[0] == pytest.approx(widths[1], rel=2e-3) and 100 < widths[0] < 111, widths


def test_an_island_district_of_another_province_is_not_missing_from_an_extract(toy_layer, toy_plan_frame):
    islands = pd.DataFrame({"old_code": ["318", "319"], "old_name": ["Huyện Đảo Xa", "Huyện Đảo Gần"], "old_parent": "",
                            "new_code": ["70", "71"], "new_name": ["Đặc khu Xa", "Đặc khu Gần"],
                            "new_parent": ["Tỉnh Khác", "Tỉnh Mới"], "link": "full"})
    plan = geoplan.Plan.from_frame(pd.concat([toy_plan_frame, islands], ignore_index=True))
    result = geoplan.merge(toy_layer, plan, code_field="code", name_field="name", parent_field="province")
    assert result.report.missing_units == ["71"]  # its province is the layer's; 70's is not
    assert units_without_polygon(result.lineage, set(result.units["code"])) == ["71"]  # the map says the same


def test_a_dissolve_by_field_does_not_report_its_groups_as_members_given_twice(toy_layer):
    layer = toy_layer.assign(group=["a", "a", "b", "b"])
    result = geoplan.merge(layer, geoplan.plan_from_field(layer["group"], "group"), code_field="group")
    assert result.report.several_features.empty and "several features" not in result.link_report()


def test_the_python_api_checks_against_declared_figures_and_finds_names(toy_layer, toy_plan_frame):
    units = geoplan.merge(toy_layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code").units
    declared = pd.DataFrame({"area_declared_km2": [2.3, 99.0]}, index=["10", "20"])
    table = geoplan.compare(units, declared).set_index("code")
    assert table.loc["10", "verdict"] == "ok" and table.loc["20", "verdict"] == "differs"
    hits = geoplan.find_units("thoi son")
    assert sorted(zip(hits["code"], hits["parent"])) == [("28270", "Tỉnh Đồng Tháp"), ("30502", "Tỉnh An Giang")]


def test_a_feature_apart_from_the_rest_of_its_new_unit_is_reported(toy_layer, toy_plan_frame):
    """Xã Lạc (a homonym of another district, say) is linked to unit 10 but lies far from 001 and 002."""
    far = toy_layer.iloc[[0]].assign(code="005", name="Xã Lạc", geometry=[cell(30, 0, 31, 1)])
    plan = toy_plan_frame.iloc[[0]].assign(old_code="005", old_name="Xã Lạc")
    result = geoplan.merge(pd.concat([toy_layer, far], ignore_index=True),
                           geoplan.Plan.from_frame(pd.concat([toy_plan_frame, plan], ignore_index=True)), code_field="code")
    assert result.features["detached"].tolist() == [False, False, False, False, True]
    assert result.report.detached[["feature", "name", "new_code", "linked_by"]].values.tolist() == [[4, "Xã Lạc", "10", "code"]]
    assert "Xã Lạc (Tỉnh Thử), feature 4 -> 10 (linked by code)" in result.link_report()
    assert "1 features lie apart from the rest of their new unit" in result.link_report()


def test_codes_are_trusted_when_the_province_is_written_without_diacritics(toy_layer, toy_plan_frame):
    layer = toy_layer.assign(province="Tinh Thu")
    layer.loc[3, "name"] = "Xã Đông Hoà Mới"  # renamed since the plan: only its code links it
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", name_field="name",
                           parent_field="province")
    assert result.features["linked_by"].tolist() == ["code"] * 4 and result.features["new_code"].iloc[3] == "20"
    assert result.report.codes_not_trusted == 0


def test_a_layer_whose_provinces_are_none_of_the_plans_is_refused_in_those_words(toy_layer, toy_plan_frame):
    layer = toy_layer.assign(province="Tỉnh Khác", code=["901", "902", "903", "904"])
    with pytest.raises(geoplan.LinkError, match="the provinces of field province \\(Tỉnh Khác...\\) are none of the plan's"):
        geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", name_field="name",
                      parent_field="province")
