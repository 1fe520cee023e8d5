"""geoplan assign, tables of old addresses: every old ward of the built-in plan found in any spelling,
divided wards with all their candidates and the crosswalk's shares, chosen by a point or a hint,
never a silent guess."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geoplan
from geoplan.cli import main
from geoplan.link.names import fold, folded_key, place_key, plain_keys, search_key
from geoplan.plan.catalogue import read_plan

X0, Y0 = 105.0, 10.0


def _moved_tones(text: str) -> str:
    """The other placement of tone marks: "Hòa" -> "Hoà"."""
    moved = re.sub(r"([oOuU])([\u0300\u0301\u0303\u0309\u0323])([aAeEyY])", r"\1\3\2", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", moved)


def test_every_old_ward_of_the_built_in_plan_is_found_in_any_spelling():
    members = read_plan("vn-2025-commune").members()
    spelling = np.arange(len(members)) % 3  # as written, tone marks moved, no diacritics at all
    write = [lambda s: s, _moved_tones, lambda s: fold(s).title()]
    table = pd.DataFrame({column: [write[k](v) for k, v in zip(spelling, members[source])] for column, source in
                          (("Phường/Xã", "old_name"), ("Quận/Huyện", "old_district"), ("Tỉnh/TP", "old_parent"))})
    result = geoplan.assign(table, "vn-2025-commune")
    out = result.features
    found = out["old_code"].to_numpy() == members["old_code"].to_numpy()
    assert (found | (out["status"] == "ambiguous")).all() and not (out["old_code"].ne("") & ~found).any()
    ambiguous = out[out["status"] == "ambiguous"]  # only names that the plan itself cannot tell apart without diacritics
    assert len(ambiguous) <= 10 and (spelling[ambiguous.index] == 2).all()
    for row in ambiguous.itertuples():
        assert members["old_code"].iloc[row.Index] in row.candidates
        same = members[(members["old_name"].map(folded_key) == plain_keys(row._1)[0])
                       & (members["old_district"].map(place_key) == place_key(row._2))]
        assert len(same) > 1 and same["old_name"].map(lambda n: search_key(n)[0]).nunique() < len(same)
    divided = out[(out["n_candidates"] > 1) & out["old_code"].ne("")]
    assert len(divided) == 471 and (divided["status"] == "divided").all() and divided["new_code"].eq("").all()
    assert result.candidates.groupby("row").size().gt(1).all() and result.candidates["area_share"].isna().all()
    whole = out[out["status"] == "whole"]
    plan = read_plan("vn-2025-commune").links.set_index("old_code")
    assert (whole["new_code"].to_numpy() == plan.loc[whole["old_code"], "new_code"].to_numpy()).all()
    assert "without shares" in result.report.text()


@pytest.fixture
def divided():
    """Old wards A, B, C in a row; B is divided between new wards X (with A) and Y (with C)."""
    box = lambda x0, x1: shapely.box(X0 + x0 / 100, Y0, X0 + x1 / 100, Y0 + 0.01)  # noqa: E731
    old = gpd.GeoDataFrame({"code": ["A", "B", "C"], "name": ["Xã An", "Phường Bình", "Xã Cát"],
                            "province": ["Tỉnh Thử"] * 3, "pop": [10, 100, 30]},
                           geometry=[box(0, 1), box(1, 2), box(2, 3)], crs=4326)
    plan = geoplan.Plan.from_frame(pd.DataFrame({
        "old_code": ["A", "B", "B", "C"], "old_name": ["Xã An", "Phường Bình", "Phường Bình", "Xã Cát"],
        "old_parent": ["Tỉnh Thử"] * 4, "new_code": ["X", "X", "Y", "Y"], "new_name": ["Phường Xuân", "Phường Xuân",
                                                                                        "Xã Yên Hòa", "Xã Yên Hòa"],
        "link": ["full", "partial", "partial", "full"], "default": ["", "1", "", ""]}))
    reference = gpd.GeoDataFrame({"ma": ["X", "Y"]}, geometry=[box(0, 1.4), box(1.4, 3)], crs=4326)
    return geoplan.merge(old, plan, code_field="code", name_field="name", parent_field="province", pop_field="pop",
                         detect=False, reference=reference)


def test_a_divided_ward_lists_its_candidates_with_shares_and_a_point_or_hint_picks_one(divided):
    table = pd.DataFrame({"xa": ["Xa An", "Binh", "Phuong Binh", "phường bình", "Phường Bình", "Xã Không Có"],
                          "tinh": ["Thu"] * 6,
                          "ghi_chu": ["", "", "thôn 3, xã Yên Hoà", "", "Xuân hoặc Yên Hòa", ""],
                          "lon": ["", "", "", str(X0 + 0.013), str(X0 + 0.5), ""],
                          "lat": ["", "", "", str(Y0 + 0.005), str(Y0 + 0.005), ""]})
    result = geoplan.assign(table, divided, name_field="xa", parent_field="tinh", hint_field="ghi_chu")
    out = result.features
    assert out["status"].tolist() == ["whole", "divided", "chosen by hint", "chosen by point", "divided", "not found"]
    assert out["new_code"].tolist() == ["X", "", "Y", "X", "", ""]
    assert out["point_code"].tolist() == ["", "", "", "X", "", ""]
    assert "X Phường Xuân (area 40.0%, population 40.0%)" in out["candidates"].iloc[1]
    candidates = result.candidates[result.candidates["row"] == 3]
    assert candidates[["new_code", "chosen"]].values.tolist() == [["X", True], ["Y", False]]
    assert candidates["area_share"].round(3).tolist() == [0.4, 0.6]
    assert "Line 7: Xã Không Có, Thu: not found" in result.report.text()


def test_the_cli_converts_a_csv_of_old_addresses(tmp_path, divided, capsys):
    geoplan.write_result(divided, tmp_path / "result.gpkg")
    csv = tmp_path / "addresses.csv"
    csv.write_text("ho_ten;phuong_xa;tinh\nNguyễn Văn A;Phường Bình;Tỉnh Thử\nTrần Thị B;Xã Cát;Thử\n",
                   encoding="utf-8")
    assert main(["assign", str(csv), str(tmp_path / "result.gpkg"), "-o", str(tmp_path / "new.xlsx"), "--quiet",
                 "--lang", "vi"]) == 0
    assert capsys.readouterr().out.startswith("Đã chuyển đổi 2 địa chỉ cũ: 1 sang một đơn vị mới, 1 thuộc đơn vị cũ bị chia")
    sheets = pd.read_excel(tmp_path / "new.xlsx", sheet_name=None, dtype=str)
    assert list(sheets) == ["addresses", "candidates", "about"]
    assert sheets["addresses"]["new_code"].fillna("").tolist() == ["", "Y"]
    assert sheets["candidates"]["new_code"].tolist() == ["X", "Y"]
