"""geoplan transfer and the population estimate on the real data (../shared/data/vn): the issue's acceptance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoplan
from geoplan.check.declared import read_declared
from geoplan.cli import main
from geoplan.i18n import using
from test_transfer import cp1258
from vn_data import SHARED, needs_shared

pytestmark = needs_shared
OLD_PROVINCES = SHARED / "official_provinces_old.csv"


@pytest.fixture(scope="module")
def provinces():
    return geoplan.merge(geoplan.read_layer(SHARED / "old_provinces_c2013.gpkg"), "vn-2025-province")


@pytest.fixture(scope="module")
def communes(tmp_path_factory):
    """The national commune merge with the 2019 census, and the same written to a GeoPackage."""
    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")
    path = tmp_path_factory.mktemp("transfer") / "communes.gpkg"
    geoplan.write_result(result, path)
    return result, old, path


def test_2023_statistics_of_old_provinces_onto_the_new_ones(provinces):
    stats = pd.read_csv(OLD_PROVINCES, dtype={"old_gso_code": str, "new_province_code": str})
    out = geoplan.transfer(provinces, OLD_PROVINCES, sums=["gso2023_area_km2", "gso2023_avg_population_thousand"])
    table = out.table.set_index("code")
    complete = stats.groupby("new_province_code")["gso2023_area_km2"].agg(lambda v: v.notna().all())
    sums = stats.groupby("new_province_code")["gso2023_area_km2"].sum()
    assert complete.sum() == 25
    for code, whole in complete.items():
        if whole:
            assert table.loc[code, "gso2023_area_km2"] == pytest.approx(sums[code])
            assert table.loc[code, "gso2023_area_km2_coverage"] == 1
        else:
            assert pd.isna(table.loc[code, "gso2023_area_km2"]) and table.loc[code, "gso2023_area_km2_coverage"] < 1
    assert table.loc["79", "gso2023_area_km2_coverage"] == 0  # Thành phố Hồ Chí Minh: none of its three
    assert 0 < table.loc["68", "gso2023_area_km2_coverage"] < 1  # Lâm Đồng: Bình Thuận and Đắk Nông only
    with using("en"):
        summary = out.summary()
    assert "20 old units have no value" in summary and "74 Tỉnh Bình Dương" in summary
    assert "Thành phố Hồ Chí Minh (0.0%)" in summary and "Tỉnh Lâm Đồng (59.7%)" in summary


def test_a_table_by_names_in_cp1258_with_decimal_commas_links_as_the_codes_do(tmp_path, provinces):
    stats = pd.read_csv(OLD_PROVINCES, dtype=str)
    by_name = stats[["old_name", "gso2023_area_km2", "gso2023_avg_population_thousand"]].copy()
    by_name["old_name"] = by_name["old_name"].replace({"Thành phố Huế": "Thừa Thiên Huế", "Tỉnh Hòa Bình": "Tỉnh Hoà Bình",
                                                       "Tỉnh Khánh Hòa": "Khanh Hoa"})
    for column in ("gso2023_area_km2", "gso2023_avg_population_thousand"):
        by_name[column] = by_name[column].str.replace(".", ",", regex=False)
    path = tmp_path / "tinh.csv"
    path.write_bytes(cp1258(by_name.fillna("").to_csv(index=False, sep=";")))
    names = geoplan.transfer(provinces, path, sums=["gso2023_area_km2", "gso2023_avg_population_thousand"])
    codes = geoplan.transfer(provinces, OLD_PROVINCES, sums=["gso2023_area_km2", "gso2023_avg_population_thousand"])
    assert (names.links.table["old_code"].notna()).all()
    pd.testing.assert_frame_equal(names.table, codes.table)


def _census_per_old_unit(result, old) -> pd.DataFrame:
    """The 2019 census per old unit of the merge, as a planner's table: one row per plan member
    (its features' census summed) and per old polygon no member names, with code, name, district
    and province as the old layer writes them."""
    layer = old[["gso_code_c2016", "commune_vn", "district_vn", "province_vn", "pop2019_vn_demographic"]]
    features = pd.concat([layer.reset_index(drop=True), result.features[["old_code", "new_code"]]], axis=1)
    features = features[features["new_code"] != ""]
    members = features[features["old_code"] != ""].groupby("old_code").agg(
        name=("commune_vn", "first"), district=("district_vn", "first"), province=("province_vn", "first"),
        pop=("pop2019_vn_demographic", lambda v: v.sum(min_count=1))).reset_index().rename(columns={"old_code": "code"})
    inferred = features[features["old_code"] == ""]
    others = pd.DataFrame({"code": inferred["gso_code_c2016"].fillna(""), "name": inferred["commune_vn"],
                           "district": inferred["district_vn"], "province": inferred["province_vn"],
                           "pop": inferred["pop2019_vn_demographic"]})
    return pd.concat([members, others], ignore_index=True)


def test_the_census_per_old_commune_carried_is_the_merge_population(communes):
    result, old, path = communes
    table = _census_per_old_unit(result, old)
    carried = geoplan.transfer(path, table, sums=["pop"]).table.set_index("code")
    units = result.units.set_index("code")
    complete = carried.index[carried["pop_coverage"] == 1].intersection(units.index)
    assert len(complete) > 3000
    assert (carried.loc[complete, "pop"] == units.loc[complete, "population"]).all()
    # the units left empty are those with an old unit without a census figure or without a row (listed)
    empty = carried.index[carried["pop_coverage"] < 1].intersection(units.index)
    assert len(empty) == len(units) - len(complete)


def test_density_carried_with_area_weights_and_a_rate_weighted_by_population(communes):
    result, _, path = communes
    pieces = result.crosswalk[result.crosswalk["link"] != "inferred"]
    per_unit = pieces.groupby("old_code").agg(pop=("population", lambda v: v.sum(min_count=1)), area=("area_km2", "sum"))
    per_unit = per_unit[(per_unit["area"] > 0) & per_unit["pop"].notna()]
    rng = np.random.default_rng(2025)
    table = pd.DataFrame({"code": per_unit.index, "pop": per_unit["pop"].to_numpy(),
                          "density": (per_unit["pop"] / per_unit["area"]).to_numpy(),
                          "poverty_rate": np.round(rng.random(len(per_unit)) * 0.2, 4)})
    carried = geoplan.transfer(path, table, sums=["pop"], means=["density", "poverty_rate:pop"]).table.set_index("code")
    complete = carried[carried["density_coverage"] == 1]
    assert len(complete) > 2500
    area = pieces[pieces["old_code"].isin(per_unit.index)].groupby("new_code")["area_km2"].sum()
    assert np.allclose(complete["density"], complete["pop"] / area.loc[complete.index], rtol=1e-9)
    thoi_son = ["30502", "30511", "30517"]  # Nhà Bàng, Nhơn Hưng, Thới Sơn
    rows = table.set_index("code").loc[thoi_son]
    by_hand = (rows["poverty_rate"] * rows["pop"]).sum() / rows["pop"].sum()
    assert carried.loc["30502", "poverty_rate"] == pytest.approx(by_hand, rel=1e-12)
    assert carried.loc["30502", "pop"] == 24705


def test_thoi_son_population_estimate_and_exact_province_totals(communes):
    result, _, path = communes
    units = result.units.set_index("code")
    assert units.loc["30502", "population"] == 24705
    assert abs(units.loc["30502", "population_estimate"] - 33045) / 33045 < 0.05
    declared = read_declared("vn-2025-province")["population_declared"]
    totals = units.groupby("parent_code")["population_estimate"].sum()
    assert (totals == declared.loc[totals.index]).all() and len(totals) == 34
    about = geoplan.read_result(path, geometry=False).about
    assert about["population_estimate_count_year"] == "2019"
    assert about["population_estimate_controls"].startswith("01 8718000; 04 555809")
    assert "00340" in about["population_estimate_unplaced_units"]


def test_cli_on_the_real_result(tmp_path, provinces, capsys):
    path = tmp_path / "provinces.gpkg"
    geoplan.write_result(provinces, path)
    out = tmp_path / "tinh.xlsx"
    assert main(["transfer", str(path), str(OLD_PROVINCES), "-o", str(out), "--lang", "vi", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "Thành phố Hồ Chí Minh (0,0%)" in printed and "gso2023_area_km2: tổng (đoán từ giá trị)" in printed
    sheet = pd.read_excel(out, sheet_name="transfer", dtype={"code": str}).set_index("code")
    assert sheet.loc["01", "gso2023_area_km2 (km²)"] == pytest.approx(3359.8)
