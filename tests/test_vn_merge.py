"""Acceptance on the real Vietnam data (../shared/data/vn): province and commune level."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geoplan
from geoplan.cli import main
from geoplan.link.names import exact_key
from geoplan.plan.model import plan_from_field
from geoplan.engine.quality import holes
from vn_data import SHARED, SHARED_PLAN, needs_shared, shared_plan

pytestmark = needs_shared


def union_bounds(old: gpd.GeoDataFrame) -> tuple[float, float]:
    """Area of the union of the old units (overlaps once) and of that union with its interior gaps filled."""
    union = shapely.union_all(old.geometry.to_numpy())
    filled = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(union)])
    low, high = geoplan.area_km2([union, filled])
    return float(low), float(high)


def assert_clean_coverage(units: gpd.GeoDataFrame):
    geoms = units.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    assert len(holes([union])) == 0, "the union of the new units has interior holes (gaps)"
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    assert (overlap < 1e-10).all(), f"{int((overlap >= 1e-10).sum() // 2)} pairs of new units overlap"
    assert shapely.is_empty(shapely.coverage_invalid_edges(geoms)).all()


@pytest.fixture(scope="module")
def province_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("prov") / "provinces.gpkg"
    aliases = out.parent / "aliases.csv"
    aliases.write_text("from,to\nThừa Thiên Huế,Thành phố Huế\n", encoding="utf-8")
    code = main(["merge", str(SHARED / "old_provinces_c2013.gpkg"), str(SHARED_PLAN), "--level", "province", "-o", str(out),
                 "--old-name", "province_vn", "--pop-field", "population", "--aliases", str(aliases), "--quiet"])
    assert code == 0
    return out


def test_province_level_all_linked_clean_and_conserved(province_run):
    units = gpd.read_file(province_run, layer="units")
    lineage = gpd.read_file(province_run, layer="lineage")
    assert len(units) == 34
    assert (lineage["linked_by"] != "none").sum() == 63
    assert lineage.set_index("old_name").loc["Thành phố Huế", "linked_by"] == "alias"
    assert_clean_coverage(units)
    old = gpd.read_file(SHARED / "old_provinces_c2013.gpkg")
    low, high = union_bounds(old)
    total = units["area_km2"].sum()
    assert low * (1 - 1e-4) <= total <= high * (1 + 1e-4), (low, total, high)
    an_giang = units.set_index("code").loc["91", "area_km2"]
    assert abs(an_giang / 9888.91 - 1) < 0.02
    # the layer's populations have fractions (0.745 in one province): kept, not rounded away
    assert units["population"].sum() == pytest.approx(old["population"].sum(), rel=1e-12)


def test_check_of_a_result_of_the_official_plan_file_uses_the_built_in_figures(tmp_path, capsys):
    out = tmp_path / "provinces.gpkg"
    assert main(["merge", str(SHARED / "old_provinces_c2013.gpkg"), str(SHARED_PLAN), "--level", "province",
                 "-o", str(out), "--quiet"]) == 0
    units = gpd.read_file(out, layer="units").set_index("code")
    assert units.loc["91", "area_declared_km2"] == 9888.91  # the built-in figures of the same reform, in the result
    assert main(["check", str(out)]) == 0
    assert "Checked 34 units against declared figures (34 with a declared area)" in capsys.readouterr().out


def test_a_layer_of_another_level_than_the_plan_is_refused(tmp_path, capsys):
    """The 63 old provinces against the commune plan: a handful of names meet by chance, not a merge."""
    code = main(["merge", str(SHARED / "old_provinces_c2013.gpkg"), "vn-2025-commune", "-o", str(tmp_path / "x.gpkg"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "do not match" in err and "of 63 features linked" in err and "another level" in err
    assert not (tmp_path / "x.gpkg").exists()


def test_known_renames_apply_to_the_official_plan_file_too():
    """The dvhcvn plan calls Huế by its 2025 name: without any alias file the
    c.2013 "Thừa Thiên Huế" is linked by the shipped rename, not inferred into a neighbour."""
    old = geoplan.read_layer(SHARED / "old_provinces_c2013.gpkg")
    result = geoplan.merge(old, geoplan.read_plan(SHARED_PLAN, level="province"), name_field="province_vn")
    assert result.report.inferred_features == 0 and len(result.units) == 34
    hue = result.features[old["province_vn"].eq("Thừa Thiên Huế").to_numpy()]
    assert hue["linked_by"].tolist() == ["alias"]


@pytest.fixture(scope="module")
def commune_result():
    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    result = geoplan.merge(old, shared_plan("commune"), code_field="gso_code_c2016", name_field="commune_vn",
                           parent_field="province_vn", district_field="district_vn",
                           pop_field="pop2019_vn_demographic",
                           aliases={exact_key("Thừa Thiên Huế"): "Thành phố Huế"})
    return old, result


def test_commune_level_whole_country_is_clean_and_conserved(commune_result):
    old, result = commune_result
    assert_clean_coverage(result.units)
    low, high = union_bounds(old)
    assert abs(low - 328_380) < 5 and abs(high - 329_658) < 5  # the figures the issue quotes
    total = result.units["area_km2"].sum()
    assert low * (1 - 1e-4) <= total <= high * (1 + 1e-4), (low, total, high)
    assert result.report.unplaced_features == 0
    population = int(old["pop2019_vn_demographic"].fillna(0).round().sum())
    assert result.units["population"].sum() == population
    report = result.link_report()
    print(report)
    assert "features linked by code" in report and "features linked by name" in report
    assert len(result.units) + len(result.report.missing_units) == 3321


def test_reference_cases(commune_result):
    _, result = commune_result
    units = result.units.set_index("code")
    lineage = result.lineage[result.lineage["assigned"]]
    thoi_son = lineage[lineage["new_code"] == "30502"]
    assert sorted(thoi_son["old_name"]) == ["Phường Nhà Bàng", "Phường Nhơn Hưng", "Phường Thới Sơn"]
    assert units.loc["30502", "area_km2"] == pytest.approx(50.2, abs=0.3)
    assert units.loc["30502", "population"] == 24_705
    assert units.loc["30112", "area_km2"] == pytest.approx(79.1, abs=0.4)
    assert units.loc["30112", "population"] == 41_813


def test_every_old_feature_says_where_it_went(commune_result):
    """The features table follows the old layer row by row, codeless polygons included."""
    old, result = commune_result
    features = result.features
    assert len(features) == len(old) and features["feature"].tolist() == list(range(len(old)))
    nha_bang = np.flatnonzero((old["commune_vn"] == "Thị trấn Nhà Bàng").to_numpy())
    assert len(nha_bang) == 1 and pd.isna(old["gso_code_c2016"].iloc[nha_bang[0]])
    row = features.iloc[nha_bang[0]]
    assert (row["old_code"], row["new_code"], row["linked_by"]) == ("30502", "30502", "name")
    assert (features["new_code"] != "").sum() == len(old) - result.report.unplaced_features
    assert (features["linked_by"] == "inferred").sum() == result.report.inferred_features


def test_codes_contradicted_by_name_and_place_are_not_trusted(commune_result):
    """The c.2016 codes of the old layer are sometimes another commune's in 2025:
    the polygon of Xã Hội An carries 30655, the plan's code of Xã Mỹ An, whose own
    polygon is in the layer too; each is linked by its name instead."""
    old, result = commune_result
    features = result.features.assign(name=old["commune_vn"].to_numpy(), district=old["district_vn"].to_numpy())
    cho_moi = features[features["district"] == "Huyện Chợ Mới"].set_index("name")
    assert cho_moi.loc["Xã Mỹ An", "old_code"] == "30655" and cho_moi.loc["Xã Hội An", "old_code"] != "30655"
    refused = result.links.refused_codes
    assert "Xã Hội An" in set(refused["feature_name"]) and "codes not trusted" in result.link_report()
    units = result.units.set_index("code")  # Phường Hà Giang 1: its old wards no longer taken by a neighbour's code
    assert abs(units.loc["00694", "area_km2"] / 82.69 - 1) < 0.05


def test_lineage_adds_up_to_the_units(commune_result):
    """Each old polygon's population and area appear once in the lineage: on the
    row of the unit it went to (the other parts of a divided unit show 0)."""
    _, result = commune_result
    lineage = result.lineage
    assert str(lineage["population"].dtype) == "Int64"
    assert lineage["population"].sum() == result.units["population"].sum()
    assert abs(lineage["area_km2"].sum() - result.report.area_old_km2) / result.report.area_old_km2 < 0.002


def test_divided_units_are_flagged_approximate(commune_result):
    _, result = commune_result
    lineage = result.lineage
    divided = lineage[lineage["link"] == "partial"]
    assert divided["approximate"].all()
    assert result.report.approximate_links == divided.loc[divided["linked_by"] != "none", "old_code"].nunique() > 400
    assert (divided.groupby("old_code")["assigned"].sum() <= 1).all()


def test_national_dissolve_is_deterministic_and_clean():
    """The engine gives the same polygons and the same log on every run (a gap width in metres
    means the same on lon/lat as anywhere), and leaves no gap."""
    from geoplan.engine.quality import gaps_left

    old = geoplan.read_layer(SHARED / "old_communes_c2013.gpkg")
    keys = old["province_id"].astype(int).astype(str).to_numpy()
    first = geoplan.dissolve_clean(old.geometry, keys, gap_width_m=200)
    again = geoplan.dissolve_clean(old.geometry.to_numpy(), keys, gap_width_m=200, crs=old.crs)
    assert first.units.index.equals(again.units.index) and len(first.units) == 63
    assert shapely.equals_exact(first.units.to_numpy(), again.units.to_numpy(), tolerance=0).all()
    assert len(first.repairs) == len(again.repairs) > 30_000
    assert gaps_left(first.units) == 0


def test_near_coverage_dissolves_clean():
    """Job A: the 2025 communes (a coverage but for some unmatched edges) dissolved
    by province: the 34 provinces form a clean coverage with the area of the
    communes' union (gaps filled), nothing lost."""
    new = geoplan.read_layer(SHARED / "new_communes_2025.gpkg")
    result = geoplan.merge(new, plan_from_field(new["province_code"].astype(str), "province_code"),
                           code_field="province_code", detect=False)
    assert len(result.units) == 34 and result.report.gaps_left == 0
    assert_clean_coverage(result.units)
    low, high = union_bounds(new)
    assert low * (1 - 1e-4) <= result.units["area_km2"].sum() <= high * (1 + 1e-4)
