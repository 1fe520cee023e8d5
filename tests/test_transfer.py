"""geoplan transfer on hand-made merges: the formulas, coverage, bounds, linking and refusals."""

from __future__ import annotations

import unicodedata

import geopandas
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

import geoplan
from geoplan.cli import main
from geoplan.errors import InputError
from geoplan.i18n import using
from geoplan.measure.estimate import control_totals, controlled

TONES = "\u0300\u0301\u0303\u0309\u0323"  # the five tone marks, written apart from their letter in Windows-1258


def cp1258(text: str) -> bytes:
    """``text`` as Excel's plain CSV writes it on a Vietnamese Windows: Windows-1258, each letter with
    its hat, horn or breve, then its tone mark ("ộ" is "ô" + dot below).

    >>> cp1258("Tộ")
    b'T\\xf4\\xf2'
    """
    def letter(ch: str) -> str:
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in parts if c in TONES)
        return unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)) + tone
    return "".join(letter(ch) for ch in text).encode("cp1258")


@pytest.fixture
def merged(toy_layer, toy_plan_frame):
    """The toy merge: 001, 002 -> 10; 003, 004 -> 20 (populations 100, 200, 300, 400)."""
    return geoplan.merge(toy_layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", pop_field="pop")


@pytest.fixture
def divided(toy_layer, toy_plan_frame):
    """004 divided between 20 (its default, where it went whole) and 10."""
    plan = pd.concat([toy_plan_frame.iloc[:3], toy_plan_frame.iloc[[3, 3]].assign(
        new_code=["20", "10"], new_name=["Xã Y", "Phường X"], link="partial", default=["1", ""])], ignore_index=True)
    return geoplan.merge(toy_layer, geoplan.Plan.from_frame(plan), code_field="code", pop_field="pop")


def _table(**columns):
    return pd.DataFrame({"code": ["001", "002", "003", "004"], **columns})


def test_sums_are_weighted_sums_and_means_are_weighted_means(merged):
    areas = merged.crosswalk.set_index("old_code")["area_km2"]
    table = _table(households=[10, 20, 30, 40], rate=[0.1, 0.2, 0.3, 0.4], labour=[1, 3, 1, 1])
    out = geoplan.transfer(merged, table, sums=["households"], means=["rate", "rate:labour"][:1]).table.set_index("code")
    assert out["households"].tolist() == [30, 70] and out["households_coverage"].tolist() == [1.0, 1.0]
    expected = (0.1 * areas["001"] + 0.2 * areas["002"]) / (areas["001"] + areas["002"])
    assert out.loc["10", "rate"] == pytest.approx(expected)  # area weights, not the plain mean 0.15
    by_labour = geoplan.transfer(merged, table, means=["rate:labour"]).table.set_index("code")
    assert by_labour.loc["10", "rate"] == pytest.approx((0.1 * 1 + 0.2 * 3) / 4)
    by_census = geoplan.transfer(merged, table, means=["rate:population"]).table.set_index("code")
    assert by_census.loc["20", "rate"] == pytest.approx((0.3 * 300 + 0.4 * 400) / 700)


def test_class_shares_weighted_by_area(merged):
    areas = merged.crosswalk.set_index("old_code")["area_km2"]
    out = geoplan.transfer(merged, _table(kind=["urban", "rural", "rural", "rural"]), shares=["kind"]).table
    unit = out.set_index("code").loc["10"]
    assert unit["kind=urban"] == pytest.approx(areas["001"] / (areas["001"] + areas["002"]))
    assert unit["kind=urban"] + unit["kind=rural"] == pytest.approx(1.0)


def test_missing_is_never_zero(merged):
    table = _table(households=["10", "", "30", "40"])
    result = geoplan.transfer(merged, table, sums=["households"])
    out = result.table.set_index("code")
    assert pd.isna(out.loc["10", "households"]) and out.loc["20", "households"] == 70
    assert 0 < out.loc["10", "households_coverage"] < 1
    with using("en"):
        summary = result.summary()
    assert "1 with coverage below 100% have no value" in summary and "002 Phường Bình Minh" in summary
    zero = geoplan.transfer(merged, table, sums=["households"], missing="zero").table.set_index("code")
    assert zero.loc["10", "households"] == 10 and zero.loc["10", "households_coverage"] < 1


def test_rows_and_units_that_do_not_match_are_listed(merged):
    table = pd.DataFrame({"code": ["001", "002", "003", "999"], "households": [1, 2, 3, 4]})
    with using("en"):
        report = geoplan.transfer(merged, table, sums=["households"]).link_report()
    assert "1 rows match no old unit of the result" in report and "row 5 999" in report
    assert "1 old units of the result have no row in the table" in report and "004 Xã Đông Hòa" in report


def test_a_table_by_names_links_as_the_merge_does(merged):
    table = pd.DataFrame({"ten": ["Xa An Hoa", "Phường Bình Minh", "Xã Cát Tiên", "Xã Đông Hoà"],
                          "tinh": ["Tỉnh Thử"] * 4, "households": [1, 2, 3, 4]})
    out = geoplan.transfer(merged, table, sums=["households"])
    assert out.table["households"].tolist() == [3, 7]
    assert set(out.links.table["linked_by"]) <= {"name", "folded"}


def test_bounds_where_a_divided_unit_contributes(divided):
    out = geoplan.transfer(divided, _table(households=[10, 20, 30, 40]), sums=["households"]).table.set_index("code")
    assert out["households"].tolist() == [30, 70]  # 004 went whole to its default unit 20
    assert out["households_lower"].tolist() == [30, 30] and out["households_upper"].tolist() == [70, 70]


def test_rows_given_twice_with_different_values_are_refused(merged):
    table = pd.DataFrame({"code": ["001", "001", "002"], "households": [1, 2, 3]})
    with using("en"), pytest.raises(InputError, match="rows 2, 3 are all linked to old unit 001"):
        geoplan.transfer(merged, table, sums=["households"])
    same = pd.DataFrame({"code": ["001", "001", "002", "003", "004"], "households": [1, 1, 3, 4, 5]})
    assert geoplan.transfer(merged, same, sums=["households"]).table["households"].tolist() == [4, 9]


def test_columns_are_guessed_and_said(merged):
    table = _table(households=["1", "2", "3", "4"], poverty_rate=["0,1", "0,2", "0,1", "0,3"], kind=["a", "b", "a", "a"],
                   ma_tinh=["01", "01", "02", "02"])
    result = geoplan.transfer(merged, table)
    assert [(c.name, c.kind, c.guessed) for c in result.columns] == [
        ("households", "sum", True), ("poverty_rate", "mean", True), ("kind", "share", True)]
    with using("vi"):
        summary = result.summary()
    assert "households: tổng (đoán từ giá trị)" in summary and "ma_tinh (mã)" in summary


@pytest.mark.parametrize("changes, message", [
    ({"sums": ["nope"]}, "no column 'nope' (sums)"),
    ({"means": ["rate:nope"]}, "the weight 'nope' of column 'rate'"),
    ({"sums": ["rate"], "means": ["rate"]}, "column 'rate' is declared twice"),
    ({"missing": "skip"}, "missing must be one of empty, zero"),
    ({"share_by": "people"}, "share_by must be one of population, area"),
])
def test_option_mistakes_are_one_line(merged, changes, message):
    with using("en"), pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        geoplan.transfer(merged, _table(rate=[1, 2, 3, 4]), **changes)


def test_cli_writes_csv_with_bom_xlsx_and_gpkg(tmp_path, merged, capsys):
    result = tmp_path / "r.gpkg"
    geoplan.write_result(merged, result)
    table = tmp_path / "stats.csv"
    text = "ma;ten;so_ho;ty_le\n001;Xã An Hòa;10;0,5\n002;Phường Bình Minh;20;0,25\n003;;30;\n004;;40;0,1\n"
    table.write_bytes(cp1258(text))
    for suffix in ("csv", "xlsx", "gpkg"):
        out = tmp_path / f"out.{suffix}"
        assert main(["transfer", str(result), str(table), "-o", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "so_ho: sum (guessed from its values)" in printed and "ty_le: mean weighted by area" in printed
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(tmp_path / "out.csv", dtype={"code": str}).set_index("code")
    assert frame.loc["10", "so_ho"] == 30 and pd.isna(frame.loc["20", "ty_le"])
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["transfer"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    layer = pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="units")
    assert layer.geometry.notna().all() and layer["so_ho"].tolist() == [30, 70]


def test_cli_mistakes_end_in_one_line(tmp_path, merged, capsys):
    result = tmp_path / "r.gpkg"
    geoplan.write_result(merged, result)
    table = tmp_path / "t.csv"
    _table(households=[1, 2, 3, "n/a"]).to_csv(table, index=False)
    cases = [
        (["-o", str(tmp_path / "o.txt")], "the output is a table"),
        (["-o", str(table)], "is an input"),
        (["-o", str(tmp_path / "o.csv"), "--sum", "households"], "'n/a' in row 5 is not a number"),
        (["-o", str(tmp_path / "o.csv"), "--missing", "skip"], "--missing must be one of empty, zero"),
    ]
    for extra, message in cases:
        assert main(["transfer", str(result), str(table), *extra, "--lang", "en"]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    assert main(["transfer", str(tmp_path / "none.gpkg"), str(table), "-o", str(tmp_path / "o.csv")]) == 2


def test_controlled_allocation_adds_up_exactly():
    census = np.array([24705, 1, 0, 999, 12345])
    for total in (0, 1, 33045, 10**8):
        assert controlled(census, total).sum() == total
    assert controlled(np.array([1, 1]), 3).tolist() == [2, 1]


def test_population_estimate_controls_each_parent_to_its_declared_total(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame.assign(new_parent_code="P1"))
    declared = pd.DataFrame({"population_declared": [2000.0]}, index=["P1"])
    units = geoplan.merge(toy_layer, plan, code_field="code", pop_field="pop", declared=declared).units
    assert units["population_estimate"].tolist() == [600, 1400]
    assert units.attrs["population_estimate"]["population_estimate_controls"] == "P1 2000"
    assert control_totals(None, [""]) is None


def test_split_pieces_carry_their_shares(toy_layer, toy_plan_frame):
    """004 divided between 20 and 10 and split along a reference of the new units: half each."""
    plan = pd.concat([toy_plan_frame.iloc[:3], toy_plan_frame.iloc[[3, 3]].assign(
        new_code=["20", "10"], new_name=["Xã Y", "Phường X"], link="partial", default=["1", ""])], ignore_index=True)
    reference = geopandas.GeoDataFrame({"code": ["10", "20"]}, geometry=[
        shapely.box(105.0, 10.01, 105.02, 10.02).union(shapely.box(105.015, 10.0, 105.02, 10.01)),
        shapely.box(105.0, 10.0, 105.015, 10.01)], crs="EPSG:4326")
    result = geoplan.merge(toy_layer, geoplan.Plan.from_frame(plan), code_field="code", pop_field="pop",
                           reference=reference, reference_code="code")
    parts = result.crosswalk[result.crosswalk["old_code"] == "004"]
    assert set(parts["basis"]) == {"split:reference"} and parts["area_share"].sum() == pytest.approx(1.0)
    share = parts.set_index("new_code")["pop_share"]
    out = geoplan.transfer(result, _table(households=[10, 20, 30, 40]), sums=["households"]).table.set_index("code")
    assert out.loc["10", "households"] == pytest.approx(30 + 40 * share["10"])
    assert out.loc["20", "households"] == pytest.approx(30 + 40 * share["20"])
    assert out["households_lower"].tolist() == pytest.approx(out["households"].tolist())  # parts with geometry
    assert out["households_upper"].tolist() == [70, 70]


def test_tables_from_a_workbook_sheet_and_from_a_layer(tmp_path, merged):
    table = _table(households=[10, 20, 30, 40])
    book = tmp_path / "stats.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["x"]}).to_excel(writer, sheet_name="readme", index=False)
        table.to_excel(writer, sheet_name="2023", index=False)
    with using("en"), pytest.raises(InputError, match="has sheets readme, 2023; choose one with layer"):
        geoplan.transfer(merged, book, sums=["households"])
    out = geoplan.transfer(merged, book, sums=["households"], layer="2023").table
    assert out["households"].tolist() == [30, 70]  # codes "001" kept as text by the sheet
    layer = tmp_path / "stats.gpkg"
    pyogrio.write_dataframe(table, layer, layer="stats")
    assert geoplan.transfer(merged, layer, sums=["households"]).table["households"].tolist() == [30, 70]
