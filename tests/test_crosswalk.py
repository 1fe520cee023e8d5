"""The crosswalk: the pieces a merge is made of, and everything derived from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoplan
from geoplan.merging.options import MergeOptions
from vn_data import SHARED, needs_shared


def test_whole_units_are_one_piece_each_with_their_area_and_counts(toy_layer, toy_plan_frame):
    result = geoplan.merge(toy_layer, geoplan.Plan.from_frame(toy_plan_frame), MergeOptions(code_field="code", pop_field="pop"))
    pieces = result.crosswalk
    assert pieces[["old_code", "new_code", "link", "basis", "area_share", "pop_share"]].values.tolist() == [
        ["001", "10", "full", "whole", 1.0, 1.0], ["002", "10", "full", "whole", 1.0, 1.0],
        ["003", "20", "full", "whole", 1.0, 1.0], ["004", "20", "full", "whole", 1.0, 1.0]]
    assert pieces.crs == "EPSG:4326" and np.allclose(pieces["area_km2"], geoplan.area_km2(toy_layer.geometry), rtol=1e-5)
    units = result.units.set_index("code")
    assert (pieces.groupby("new_code")["population"].sum() == units["population"]).all()
    assert (pieces.groupby("new_code").size() == units["n_members"]).all()


def test_a_divided_unit_is_one_approximate_piece_going_to_its_default_unit(toy_layer, toy_plan_frame):
    divided = pd.concat([toy_plan_frame.iloc[:3], toy_plan_frame.iloc[[3, 3]].assign(
        new_code=["20", "10"], new_name=["Xã Y", "Phường X"], link="partial", default=["1", ""])], ignore_index=True)
    result = geoplan.merge(toy_layer, geoplan.Plan.from_frame(divided), code_field="code", pop_field="pop")
    piece = result.crosswalk.set_index("old_code").loc["004"]
    assert (piece["new_code"], piece["link"], piece["basis"], piece["area_share"], piece["population"]) == \
        ("20", "partial", "approximate", 1.0, 400)
    lineage = result.lineage[result.lineage["old_code"] == "004"].set_index("new_code")
    assert lineage.loc["20", "assigned"] and not lineage.loc["10", "assigned"]
    assert lineage.loc["10", "area_km2"] == 0 and lineage.loc["20", "population"] == 400
    assert result.units.set_index("code")["approximate"].tolist() == [True, True]


def test_a_member_with_several_features_has_one_piece_per_feature_sharing_its_area(toy_layer, toy_plan_frame):
    layer = toy_layer.assign(code=["001", "001", "003", "004"])  # two polygons of one old unit
    plan = geoplan.Plan.from_frame(toy_plan_frame[toy_plan_frame["old_code"] != "002"])
    pieces = geoplan.merge(layer, plan, code_field="code", pop_field="pop", detect=False).crosswalk
    mine = pieces[pieces["old_code"] == "001"]
    assert len(mine) == 2 and mine["area_share"].sum() == pytest.approx(1.0)
    assert mine["pop_share"].tolist() == pytest.approx([100 / 300, 200 / 300])


def test_an_inferred_feature_is_a_unit_of_its_own_under_its_own_code(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame[toy_plan_frame["old_code"] != "002"])
    pieces = geoplan.merge(toy_layer, plan, code_field="code", detect=False).crosswalk
    inferred = pieces[pieces["link"] == "inferred"]
    assert inferred[["feature", "old_code", "linked_by", "basis", "area_share"]].values.tolist() == [
        [1, "002", "inferred", "whole", 1.0]]
    assert inferred["new_code"].tolist() == [geoplan.merge(toy_layer, plan, code_field="code", detect=False)
                                             .features.loc[1, "new_code"]]


@needs_shared
def test_national_crosswalk_shares_add_up_for_every_old_unit():
    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")
    pieces = result.crosswalk
    key = np.where(pieces["link"] == "inferred", "#" + pieces["feature"].astype(str), pieces["old_code"])
    assert np.allclose(pieces.groupby(key)["area_share"].sum(), 1.0)
    people = pieces.groupby(key)["population"].sum(min_count=1)
    counted = people.index[people > 0]
    assert len(counted) > 10_000
    assert np.allclose(pieces.groupby(key)["pop_share"].sum().loc[counted], 1.0)
    assert pieces.loc[pd.Series(key).isin(people.index[~(people > 0)]).to_numpy(), "pop_share"].isna().all()
    assert pieces["population"].sum() == result.units["population"].sum()
    assert abs(pieces["area_km2"].sum() - result.report.area_old_km2) < 1e-6
    assert set(pieces["basis"]) == {"whole", "approximate"} and (pieces["basis"] == "approximate").sum() == \
        result.report.approximate_links


def test_a_layer_labelled_by_text_keeps_its_labels_and_can_be_written(toy_layer, toy_plan_frame, tmp_path):
    """A frame's own text labels are no FIDs (a GeoPackage's fid is its integer key): they go to
    ``source_id``; whole-number ids stay ``fid``."""
    from geoplan.io.result import write_result

    plan = geoplan.Plan.from_frame(toy_plan_frame)
    labelled = geoplan.merge(toy_layer.set_axis(["a", "b", "c", "d"]), plan, code_field="code")
    assert labelled.features["source_id"].tolist() == ["a", "b", "c", "d"] and "fid" not in labelled.features
    written = geoplan.read_result(write_result(labelled, tmp_path / "labelled.gpkg")).features
    assert written["source_id"].tolist() == ["a", "b", "c", "d"]
    numbered = geoplan.merge(toy_layer.set_axis([5, 6, 7, 8]), plan, code_field="code")
    assert numbered.features["fid"].tolist() == [5, 6, 7, 8] and "source_id" not in numbered.features
