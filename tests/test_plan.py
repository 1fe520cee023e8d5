import json

import pandas as pd
import pytest

from geoplan.errors import PlanError
from geoplan.plan import Plan, plan_from_field, read_plan


def write(tmp_path, rows, name="plan.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_reads_csv_and_json_with_codes_as_text(tmp_path, toy_plan_frame):
    csv = write(tmp_path, toy_plan_frame)
    as_json = tmp_path / "plan.json"
    as_json.write_text(json.dumps(toy_plan_frame.to_dict("records")), encoding="utf-8")
    for path in (csv, as_json):
        plan = read_plan(path)
        assert plan.n_new == 2 and plan.n_old == 4
        assert plan.links["old_code"].tolist()[0] == "001"


@pytest.mark.parametrize("rows, message", [
    ({"old_code": ["1", "1"], "new_code": ["9", "9"], "new_name": ["A", "A"], "link": ["full", "full"]},
     "duplicate link 1 -> 9 on row(s) 3"),
    ({"old_code": ["1"], "new_code": ["9"], "new_name": ["A"], "link": ["whole"]},
     "unknown link type 'whole' on row(s) 2"),
    ({"old_code": ["1", "1"], "new_code": ["8", "9"], "new_name": ["A", "B"], "link": ["full", "full"]},
     "old unit 1 has two 'full' links (row(s) 2, 3)"),
    ({"old_code": ["1", "2"], "new_code": ["8", "9"], "new_name": ["A", "B"], "link": ["partial", "full"]},
     "old unit 1 has a single 'partial' link (row(s) 2)"),
    ({"old_code": ["1"], "new_code": ["9"], "link": ["full"]}, "missing column(s) new_name"),
])
def test_malformed_plans_name_the_offending_rows(tmp_path, rows, message):
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_plan(write(tmp_path, rows))


def test_divided_unit_goes_whole_to_its_default_and_is_approximate():
    plan = Plan.from_frame(pd.DataFrame({
        "old_code": ["1", "1", "2"], "new_code": ["8", "9", "9"], "new_name": ["A", "B", "B"],
        "link": ["partial", "partial", "full"], "default": ["", "1", ""]}))
    assignment = plan.assignment().set_index("old_code")
    assert assignment.loc["1", "new_code"] == "9" and assignment.loc["1", "approximate"]
    assert not assignment.loc["2", "approximate"]


def test_levels_must_be_chosen_when_several(tmp_path):
    rows = {"old_code": ["1", "01"], "new_code": ["9", "09"], "new_name": ["A", "P"], "link": ["full", "full"],
            "level": ["commune", "province"]}
    with pytest.raises(PlanError, match="choose one with --level"):
        read_plan(write(tmp_path, rows))
    assert read_plan(write(tmp_path, rows), level="province").links["old_code"].tolist() == ["01"]


def test_dissolve_by_field_is_a_plan():
    plan = plan_from_field(pd.Series(["01", "02", "01", None]), "province_code")
    assert plan.n_new == 2 and set(plan.links["new_code"]) == {"01", "02"}
