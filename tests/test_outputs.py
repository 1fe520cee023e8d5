"""Issue 19 (items 1, 4, 5, 6): outputs for planners: Vietnamese and English, Excel workbooks, CSV for
Excel, a QGIS-ready GeoPackage, one notion of "approximate", declared figures of another level refused."""

from __future__ import annotations

import sqlite3
from xml.etree import ElementTree

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from vn_data import SHARED, needs_shared

from geoplan.cli import main
from geoplan.i18n import using
from geoplan.io.styles import layer_qml, styles_table

VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(arg) for arg in argv])
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def styles_of(path) -> pd.DataFrame:
    with sqlite3.connect(path) as db:
        return pd.read_sql("SELECT * FROM layer_styles", db)


# ------------------------------------------------------------------ on hand-made data (fast)
def test_vietnamese_texts_are_nfc_and_every_level_and_verdict_has_a_label():
    import unicodedata

    from geoplan.check.compare import ISSUES, VERDICTS
    from geoplan.i18n.catalogue import catalogue
    from geoplan.io.labels import value_label

    vietnamese = catalogue("vi")
    assert all(unicodedata.is_normalized("NFC", text) for text in vietnamese.values())
    assert {"level.province", "level.commune"} <= set(vietnamese)
    for code in VERDICTS + ISSUES:
        assert value_label(code, "vi") != code and value_label(code, "en"), code


def test_help_and_usage_mistakes_speak_vietnamese(capsys):
    code, out, _ = run(capsys, "--lang", "vi", "merge", "--help")
    assert code == 0 and out.startswith("cách dùng: geoplan merge") and "tùy chọn:" in out and "--report XLSX" in out
    code, _, err = run(capsys, "merge", "old.gpkg", "--lang", "vi")
    assert code == 2 and err == ("geoplan merge: lỗi: thiếu các tham số bắt buộc: -o/--output "
                                 "(xem geoplan merge --help)\n")
    code, out, _ = run(capsys, "plans", "--lang", "vi")
    assert code == 0 and "10.040 cũ -> 3.321 mới, cấp xã; 471 đơn vị cũ bị chia" in out


def test_merge_writes_a_workbook_and_styles_for_every_layer(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    out, report = tmp_path / "out.gpkg", tmp_path / "out.xlsx"
    code, printed, _ = run(capsys, "merge", layer, plan, "-o", out, "--pop-field", "pop", "--report", report, "--quiet")
    assert code == 0 and f"Wrote {report} (sheets summary" in printed
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["summary", "units", "lineage", "link report", "conservation"]
    units = book["units"]
    headers = [cell.value for cell in units[1]]
    assert "Area computed (km²)" in headers and units.freeze_panes == "A2"
    area = units.cell(row=2, column=headers.index("Area computed (km²)") + 1)
    assert isinstance(area.value, float) and area.number_format == "#,##0.00"
    assert [c.value for c in book["lineage"][2]].count("full") == 1  # coded values shown as words
    styles = styles_of(out)
    assert set(styles["f_table_name"]) == {"units", "crosswalk", "lineage", "repairs", "features", "about"}
    assert styles["useAsDefault"].eq(1).all() and (styles["styleName"] == "geoplan").all()
    spatial = styles.set_index("f_table_name")["f_geometry_column"]
    assert spatial["units"] == "geom" and spatial["lineage"] == ""
    for qml in styles["styleQML"]:
        ElementTree.fromstring(qml)  # well-formed
    assert run(capsys, "merge", layer, plan, "-o", out, "--report", out)[0] == 2  # never the same file twice
    assert run(capsys, "merge", layer, plan, "-o", tmp_path / "o2.gpkg", "--report", tmp_path / "r.csv")[0] == 2


def test_styles_colour_each_layer_by_its_own_notion_and_name_fields_in_the_language():
    repairs = gpd.GeoDataFrame({"kind": ["gap", "gap", "overlap"], "rule": ["wide gap", "enclosed", "whole unit"]},
                               geometry=[shapely.box(0, 0, 1, 1)] * 3)
    with using("vi"):
        root = ElementTree.fromstring(layer_qml("repairs", repairs))
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and "kind" in renderer.get("attr")
    labels = {c.get("value"): c.get("label") for c in renderer.iter("category")}
    assert labels["gap: wide gap"] == "khe hở: khe hở rộng (1)"
    assert {a.get("field"): a.get("name") for a in root.iter("alias")}["rule"] == "Quy tắc"
    audit = gpd.GeoDataFrame({"contradiction": ["area", "name"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2)
    assert styles_table({"audit": audit})["styleQML"].str.contains('attr="contradiction"').all()
    units = gpd.GeoDataFrame({"name": ["Xã A", "Xã B"], "density": [10.0, 1000.0]}, geometry=[shapely.box(0, 0, 1, 1)] * 2)
    root = ElementTree.fromstring(layer_qml("units", units))
    assert root.get("labelsEnabled") == "1" and root.find("labeling/settings/text-style").get("fieldName") == "name"
    assert root.find("renderer-v2").get("attr") == "density"


def test_check_workbook_and_csv_for_excel(capsys, tmp_path):
    frame = gpd.GeoDataFrame({"code": ["01", "04"], "name": ["Thành phố Hà Nội", "Tỉnh Cao Bằng"],
                              "area_km2": [3359.8, 9000.0], "level": "province"},
                             geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="EPSG:4326")
    result = tmp_path / "r.gpkg"
    frame.to_file(result, layer="units")
    declared = tmp_path / "d.csv"
    declared.write_text("code,area_km2\n01,3359.8\n04,6700.4\n", encoding="utf-8")
    code, out, _ = run(capsys, "--lang", "vi", "check", result, "--declared", declared)
    assert code == 0 and "Kết luận: đạt 1, chênh lệch 1" in out
    csv = (tmp_path / "r-check.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbfcode,") and b",differs," in csv  # codes stay English in the CSV
    book = openpyxl.load_workbook(tmp_path / "r-check.xlsx")
    assert book.sheetnames == ["kiểm tra", "tóm tắt"]
    sheet = book["kiểm tra"]
    headers = [cell.value for cell in sheet[1]]
    verdicts = [row[headers.index("Kết luận")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert verdicts == ["đạt", "chênh lệch"] and sheet.freeze_panes == "A2"
    diff = sheet.cell(row=3, column=headers.index("Chênh lệch diện tích (%)") + 1)
    assert diff.value == pytest.approx(34.32, abs=0.01) and diff.number_format == "#,##0.00"
    markdown = (tmp_path / "r-check.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Kiểm tra r.gpkg") and "| chênh lệch |" in markdown.replace("  ", "")


# ------------------------------------------------------------------ the national commune merge, in Vietnamese
@pytest.fixture(scope="module")
def national(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    out, report = folder / "communes.gpkg", folder / "communes.xlsx"
    code = main(["--lang", "vi", "merge", str(SHARED / "old_communes_c2013.gpkg"), "vn-2025-commune", "-o", str(out),
                 "--pop-field", "pop2019_vn_demographic", "--report", str(report), "--quiet"])
    assert code == 0
    return out, report


@needs_shared
def test_national_merge_in_vietnamese_is_styled_and_has_its_workbook(national, capsys):
    out, report = national
    styles = styles_of(out).set_index("f_table_name")
    units = ElementTree.fromstring(styles.loc["units", "styleQML"])
    assert units.find("renderer-v2").get("attr") == "density" and units.get("labelsEnabled") == "1"
    crosswalk = {c.get("value"): c.get("label") for c in ElementTree.fromstring(styles.loc["crosswalk", "styleQML"])
                 .iter("category")}
    units_layer = gpd.read_file(out, layer="units")
    approximate = int(units_layer["approximate"].sum())
    assert crosswalk["approximate"].startswith("gần đúng (") and 400 < approximate < 470
    book = openpyxl.load_workbook(report, read_only=True)
    assert book.sheetnames == ["tóm tắt", "đơn vị mới", "nguồn gốc", "báo cáo liên kết", "bảo toàn tổng số"]
    summary = {row[0]: row[1] for row in book["tóm tắt"].iter_rows(min_row=2, values_only=True)}
    assert int(summary[next(key for key in summary if key.startswith("Số đơn vị mới gần đúng"))]) == approximate
    features = gpd.read_file(out, layer="features")
    assert features.geometry.notna().all() and len(features) == 11163


@needs_shared
def test_national_check_in_vietnamese_marks_the_copy_and_refuses_the_wrong_level(national, capsys):
    out, _ = national
    code, _, err = run(capsys, "check", out, "--declared", SHARED / "official_provinces_2025.csv")
    assert code == 2 and len(err.splitlines()) == 1 and "declared figures of provinces" in err and "are communes" in err
    code, printed, _ = run(capsys, "--lang", "vi", "check", out, "--declared", SHARED / "official_communes_2025.csv")
    assert code == 0 and "Kết luận: đạt 1.6" in printed and "nghi số liệu công bố sai" in printed
    assert "49,36 km2 / 33.045: 28270 Phường Thới Sơn (Tỉnh Đồng Tháp) [tính toán 16,47 km2, nghi số liệu công bố sai]" \
        in printed
    assert set(printed) & VIETNAMESE_LETTERS
    table = pd.read_csv(out.with_name("communes-check.csv"), dtype={"code": str}, encoding="utf-8-sig").set_index("code")
    assert table.loc["28270", ["verdict", "declared_issue"]].tolist() == ["suspect declared", "suspected copy"]
    assert "nghi bị sao chép" in table.loc["28270", "note"]
    book = openpyxl.load_workbook(out.with_name("communes-check.xlsx"), read_only=True)
    assert book.sheetnames == ["kiểm tra", "tóm tắt"]


def test_a_polygon_layer_is_written_by_chunks_whole_and_as_multipolygons(tmp_path, monkeypatch):
    """The GeoPackage writer streams polygon layers a chunk of rows at a time: every row, every
    attribute (a column of nothing but missing values too), missing geometries and the CRS come
    back, every polygon as a MultiPolygon."""
    from geoplan.io import atomic

    monkeypatch.setattr(atomic, "WRITE_CHUNK", 3)
    boxes = [shapely.box(i, 0, i + 1, 1) for i in range(9)]
    geoms = [*boxes[:4], shapely.MultiPolygon(boxes[4:6]), None, *boxes[6:]]
    frame = gpd.GeoDataFrame({"code": [f"{i:02d}" for i in range(9)], "area": range(9), "note": [None] * 9},
                             geometry=geoms, crs="EPSG:3405")
    out = atomic.write_layers(tmp_path / "out.gpkg", {"units": frame, "about": pd.DataFrame({"key": ["a"]})})
    back = gpd.read_file(out, layer="units")
    assert back["code"].tolist() == frame["code"].tolist() and back["area"].tolist() == list(range(9))
    assert back["note"].isna().all() and back.crs.to_epsg() == 3405
    assert back.geometry.isna().tolist() == [i == 5 for i in range(9)]
    assert set(back.geometry.dropna().geom_type) == {"MultiPolygon"}
    assert shapely.equals(back.geometry.dropna().to_numpy(), frame.geometry.dropna().to_numpy()).all()


def test_layers_the_stream_does_not_take_are_written_as_geopandas_writes_them(tmp_path):
    """A named index, dates with a time zone, values of mixed kinds, and a layer without any
    geometry come back as geopandas' own to_file writes them."""
    from geoplan.io import atomic

    boxes = [shapely.box(i, 0, i + 1, 1) for i in range(3)]
    frames = {
        "named_index": gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=boxes, crs=4326,
                                        index=pd.Index(["x", "y", "z"], name="key")),
        "dates": gpd.GeoDataFrame({"when": pd.to_datetime(["2025-07-01"] * 3).tz_localize("Asia/Ho_Chi_Minh")},
                                  geometry=boxes, crs=4326),
        "mixed": gpd.GeoDataFrame({"v": [1, "a", 2.5]}, geometry=boxes, crs=4326),
        "no_geometry": gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=[None] * 3, crs=4326),
    }
    for name, frame in frames.items():
        atomic.write_layers(tmp_path / f"ours_{name}.gpkg", {name: frame})
        frame.to_file(tmp_path / f"theirs_{name}.gpkg", layer=name, driver="GPKG", engine="pyogrio", use_arrow=True,
                      promote_to_multi=True)
        ours, theirs = (gpd.read_file(tmp_path / f"{who}_{name}.gpkg", layer=name) for who in ("ours", "theirs"))
        pd.testing.assert_frame_equal(pd.DataFrame(ours.drop(columns="geometry")),
                                      pd.DataFrame(theirs.drop(columns="geometry")))
        assert ours.geometry.to_wkb().tolist() == theirs.geometry.to_wkb().tolist()
