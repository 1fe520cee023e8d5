import json
import unicodedata

import pandas as pd
import pytest

from geoplan.errors import PlanError
from geoplan.plan.catalogue import read_plan
from geoplan.plan.model import Plan, plan_from_field


def write(tmp_path, rows, name="plan.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_reads_csv_and_json_with_codes_as_text(tmp_path, toy_plan_frame):
    csv = write(tmp_path, toy_plan_frame)
    as_json = tmp_path / "plan.json"
    as_json.write_text(json.dumps(toy_plan_frame.to_dict("records")), encoding="utf-8-sig")  # with a BOM
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
    ({"old_code": ["1", "1"], "new_code": ["8", "9"], "new_name": ["A", "B"], "link": ["partial", "partial"],
      "default": ["", "maybe"]}, "default must be 1/0 (or true/false, yes/no, x), got 'maybe' on row(s) 3"),
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


def test_excel_true_marks_the_default():
    """Excel writes booleans as TRUE/FALSE: TRUE is the default, as 1 is."""
    plan = Plan.from_frame(pd.DataFrame({
        "old_code": ["1", "1"], "new_code": ["8", "9"], "new_name": ["A", "B"],
        "link": ["partial", "partial"], "default": ["FALSE", "TRUE"]}))
    assert plan.assignment().set_index("old_code").loc["1", "new_code"] == "9"


def test_levels_must_be_chosen_when_several(tmp_path):
    rows = {"old_code": ["1", "01"], "new_code": ["9", "09"], "new_name": ["A", "P"], "link": ["full", "full"],
            "level": ["commune", "province"]}
    with pytest.raises(PlanError, match="choose one with level"):
        read_plan(write(tmp_path, rows))
    assert read_plan(write(tmp_path, rows), level="province").links["old_code"].tolist() == ["01"]


def test_dissolve_by_field_is_a_plan():
    plan = plan_from_field(pd.Series(["01", "02", "01", None]), "province_code")
    assert plan.n_new == 2 and set(plan.links["new_code"]) == {"01", "02"}


def _as_windows_1258(ch: str) -> str:
    """A character as Windows-1258 writes it: base letter (with its hat, horn or breve) + combining tone mark."""
    try:
        ch.encode("cp1258")
        return ch
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFD", ch)
        return unicodedata.normalize("NFC", decomposed[:-1]) + decomposed[-1]


def test_excel_csv_in_vietnamese_windows_encoding_with_semicolons(tmp_path, toy_plan_frame):
    """Excel's plain CSV on a Vietnamese Windows: Windows-1258, decomposed tone marks, semicolons."""
    path = tmp_path / "plan_excel.csv"
    text = toy_plan_frame.to_csv(index=False, sep=";")
    path.write_bytes("".join(_as_windows_1258(ch) for ch in text).encode("cp1258"))
    plan = read_plan(path)
    expected = read_plan(write(tmp_path, toy_plan_frame))
    assert plan.links[["old_code", "new_code", "new_name", "link"]].equals(expected.links[["old_code", "new_code", "new_name", "link"]])
    assert plan.links["new_name"].str.contains("ờ|ư|ă|ơ|ạ|ã", regex=True).any()


def test_declared_figures_with_decimal_commas_and_unreadable_numbers(tmp_path):
    from geoplan.check.declared import read_declared
    from geoplan.errors import InputError

    path = tmp_path / "declared.csv"
    path.write_text("new_code;area_km2;population\n30502;49,36;33.045\n28270;1.234,5;\n", encoding="utf-8-sig")
    declared = read_declared(path)
    assert declared.loc["30502", "area_declared_km2"] == 49.36 and declared.loc["30502", "population_declared"] == 33045
    assert declared.loc["28270", "area_declared_km2"] == 1234.5 and pd.isna(declared.loc["28270", "population_declared"])
    path.write_text("gso_code,name,area_km2\n91,Tỉnh An Giang,\"9,888.91\"\n", encoding="utf-8")
    assert read_declared(path).loc["91", "area_declared_km2"] == 9888.91  # the official tables' code column
    path.write_text("code,area_km2\n30502,49.36\n28270,about 50\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column area_km2: 'about 50' in row 3 is not a number"):
        read_declared(path)


def test_errors_name_the_line_of_the_file(tmp_path):
    """A blank line in the CSV does not shift the row named in an error."""
    path = tmp_path / "plan.csv"
    path.write_text("old_code,new_code,new_name,link\n1,9,A,full\n\n2,9,A,whole\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"unknown link type 'whole' on row\(s\) 4;"):
        read_plan(path)
