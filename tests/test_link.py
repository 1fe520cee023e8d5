import pandas as pd

from geoplan.link.fields import detect_fields
from geoplan.link.match import link_features
from geoplan.link.names import exact_key
from geoplan.plan.model import Plan


def plan_of(rows):
    frame = pd.DataFrame(rows)
    frame["link"] = "full"
    frame["new_name"] = "N"
    return Plan.from_frame(frame)


def test_code_first_then_name_within_parent_across_type_and_tone(toy_layer, toy_plan_frame):
    layer = toy_layer.assign(code=[None, None, "003", None])
    result = link_features(layer, Plan.from_frame(toy_plan_frame), "code", "name", "province")
    assert result.table["old_code"].tolist() == ["001", "002", "003", "004"]
    assert result.table["linked_by"].tolist() == ["name", "name", "code", "name"]
    assert result.unmatched_members.empty


def test_homonyms_in_one_parent_are_not_guessed():
    plan = plan_of({"old_code": ["1", "2"], "old_name": ["Xã Tân Lập", "Xã Tân Lập"], "old_parent": ["P", "P"],
                    "new_code": ["9", "9"]})
    layer = pd.DataFrame({"name": ["Xã Tân Lập"], "province": ["P"]})
    result = link_features(layer, plan, None, "name", "province")
    assert result.table["old_code"].isna().all()
    assert result.ambiguous["candidates"].tolist() == ["1, 2"]


def test_district_tells_homonyms_apart():
    plan = plan_of({"old_code": ["1", "2"], "old_name": ["Xã Tân Lập", "Xã Tân Lập"], "old_parent": ["P", "P"],
                    "old_district": ["Huyện A", "Huyện B"], "new_code": ["8", "9"]})
    layer = pd.DataFrame({"name": ["Xã Tân Lập", "Xã Tân Lập"], "province": ["P", "P"],
                          "district": ["Thị xã B", "Huyện A"]})
    result = link_features(layer, plan, None, "name", "province", "district")
    assert result.table["old_code"].tolist() == ["2", "1"]
    assert result.table["linked_by"].iloc[0] == "name+district"


def test_district_code_range_tells_homonyms_apart():
    plan = plan_of({"old_code": ["00100", "00200", "00097", "00103"],
                    "old_name": ["Xã Tân Lập", "Xã Tân Lập", "Xã Khác", "Xã Kia"],
                    "old_parent": ["P"] * 4, "new_code": ["8", "9", "8", "8"]})
    layer = pd.DataFrame({"code": [None, "00097", "00103"], "name": ["Xã Tân Lập", "Xã Khác", "Xã Kia"],
                          "province": ["P"] * 3, "district": ["Huyện A"] * 3})
    result = link_features(layer, plan, "code", "name", "province", "district")
    assert result.table["old_code"].tolist() == ["00100", "00097", "00103"]
    assert result.table["linked_by"].iloc[0] == "name+district"


def test_alias_renames_a_parent_and_is_reported():
    plan = plan_of({"old_code": ["46"], "old_name": ["Thành phố Huế"], "old_parent": [""], "new_code": ["46"]})
    layer = pd.DataFrame({"name": ["Thừa Thiên Huế"]})
    assert link_features(layer, plan, None, "name").table["old_code"].isna().all()
    result = link_features(layer, plan, None, "name", aliases={exact_key("Thừa Thiên Huế"): "Thành phố Huế"})
    assert result.table["linked_by"].tolist() == ["alias"]


def test_unmatched_members_get_suggestions():
    plan = plan_of({"old_code": ["1"], "old_name": ["Xã Phương Canh"], "old_parent": ["P"], "new_code": ["9"]})
    layer = pd.DataFrame({"name": ["Xã Phương Cảnh Mới"], "province": ["P"]})
    result = link_features(layer, plan, None, "name", "province")
    assert result.unmatched_members["suggestions"].tolist() == ["Xã Phương Cảnh Mới (P)"]


def test_fields_are_detected_by_content(toy_layer, toy_plan_frame):
    found = detect_fields(toy_layer, Plan.from_frame(toy_plan_frame))
    assert found == {"code": "code", "name": "name", "parent": "province", "district": None}


def test_codes_that_lost_their_leading_zeros_are_linked_and_said_so(toy_layer, toy_plan_frame):
    """Numeric Shapefile fields and Excel turn "001" into 1: linked by value, never between two."""
    plan = Plan.from_frame(toy_plan_frame)
    layer = toy_layer.assign(code=[1, 2, 3, 4.0]).drop(columns="name")
    assert detect_fields(layer, plan)["code"] == "code"
    result = link_features(layer, plan, "code")
    assert result.table["old_code"].tolist() == ["001", "002", "003", "004"]
    assert set(result.table["linked_by"]) == {"code without leading zeros"}
    twins = plan_of({"old_code": ["01", "001"], "old_name": ["A", "B"], "old_parent": ["P", "P"], "new_code": ["9", "9"]})
    assert link_features(pd.DataFrame({"code": [1]}), twins, "code").table["old_code"].isna().all()
    provinces = plan_of({"old_code": ["01"], "old_name": ["A"], "old_parent": [""], "new_code": ["9"]})
    assert link_features(pd.DataFrame({"code": ["001"]}), provinces, "code").table["old_code"].isna().all()
    excel_plan = Plan.from_frame(toy_plan_frame.assign(old_code=["1", "2", "3", "4"]))  # the plan lost them
    result = link_features(toy_layer, excel_plan, "code")
    assert result.table["old_code"].tolist() == ["1", "2", "3", "4"]
    assert set(result.table["linked_by"]) == {"code without leading zeros"}


def test_a_province_code_repeated_on_every_commune_is_not_taken_for_a_commune_code(toy_layer, toy_plan_frame):
    """In a one-province extract the province code (here 4, which a commune code "004"
    also reads as) repeats on every feature: it identifies no commune, so it is not
    chosen as the code field, and the communes are linked by name."""
    layer = toy_layer.assign(province_id=4).drop(columns="code")
    plan = Plan.from_frame(toy_plan_frame)
    found = detect_fields(layer, plan)
    assert found["code"] is None and found["name"] == "name"
    assert link_features(layer, plan, found["code"], found["name"], found["parent"]).table["old_code"].tolist() == \
        ["001", "002", "003", "004"]


def test_i_and_y_spellings_of_one_syllable_link():
    """Vỹ and Vĩ, Lý and Lí are the same syllable spelt two ways; Tây and Yên stay as they are."""
    plan = plan_of({"old_code": ["1", "2"], "old_name": ["Xã Ô Long Vĩ", "Xã Tây Yên"], "old_parent": ["P", "P"],
                    "new_code": ["9", "9"]})
    layer = pd.DataFrame({"name": ["Xã Ô Long Vỹ", "Xã Tay Yen"], "province": ["P", "P"]})
    result = link_features(layer, plan, None, "name", "province")
    assert result.table["old_code"].tolist() == ["1", "2"]
