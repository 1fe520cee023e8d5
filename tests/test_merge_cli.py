"""The merge command end to end on the toy layer: outputs, atomicity, inputs untouched."""

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import geoplan
from geoplan.cli import main
from geoplan.errors import InputError


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_merge_writes_all_layers_and_leaves_input_alone(tmp_path, toy_files, capsys):
    layer, plan = toy_files
    before = digest(layer)
    out = tmp_path / "merged.gpkg"
    assert main(["merge", str(layer), str(plan), "-o", str(out), "--pop-field", "pop", "--quiet"]) == 0
    assert digest(layer) == before
    assert {name for name, _ in pyogrio.list_layers(out)} == {"units", "crosswalk", "lineage", "repairs", "features", "about",
                                                              "layer_styles"}  # QGIS styles
    crosswalk = gpd.read_file(out, layer="crosswalk")
    assert crosswalk[["old_code", "new_code", "basis", "area_share", "population"]].values.tolist() == [
        ["001", "10", "whole", 1.0, 100], ["002", "10", "whole", 1.0, 200], ["003", "20", "whole", 1.0, 300],
        ["004", "20", "whole", 1.0, 400]]
    assert pyogrio.read_info(out, layer="units")["geometry_type"] == "MultiPolygon"  # as the contract says
    features = pyogrio.read_dataframe(out, layer="features")
    assert features["new_code"].tolist() == ["10", "10", "20", "20"] and features["feature"].tolist() == [0, 1, 2, 3]
    assert not list(tmp_path.glob(".merged.gpkg*"))  # no temporary file left behind
    units = gpd.read_file(out, layer="units").set_index("code")
    assert units.loc["10", "population"] == 300 and units.loc["20", "population"] == 700
    assert np.isclose(units.loc["10", "density"], 300 / units.loc["10", "area_km2"])
    assert units["n_members"].tolist() == [2, 2]
    assert "Merged 4 old units into 2 new units; 0 gaps left" in capsys.readouterr().out
    lineage = gpd.read_file(out, layer="lineage")
    assert set(lineage["linked_by"]) == {"code"} and lineage["assigned"].all()


def test_python_api_matches_and_conserves(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame)
    result = geoplan.merge(toy_layer, plan, code_field="code", pop_field="pop")
    assert result.units["population"].sum() == toy_layer["pop"].sum()
    quality = geoplan.coverage_quality(result.units.geometry.to_numpy())
    assert quality["gaps"] == 0 and quality["overlaps"] == 0 and quality["invalid_edges"] == 0
    union = shapely.union_all(toy_layer.geometry.to_numpy())
    filled = shapely.Polygon(union.exterior)
    low, high = geoplan.area_km2([union, filled])
    assert low * (1 - 1e-9) <= result.units["area_km2"].sum() <= high * (1 + 1e-9)
    repeated = pd.concat([toy_layer.iloc[:2], toy_layer.iloc[2:].reset_index(drop=True)])  # index 0, 1, 0, 1
    again = geoplan.merge(repeated, plan, code_field="code", pop_field="pop")
    assert again.units["population"].tolist() == result.units["population"].tolist()


def test_dissolve_by_field(tmp_path, toy_layer):
    layer = tmp_path / "old.gpkg"
    toy_layer.assign(group=["a", "a", "b", "b"]).to_file(layer)
    out = tmp_path / "by.gpkg"
    assert main(["merge", str(layer), "--by", "group", "-o", str(out), "--quiet"]) == 0
    assert sorted(gpd.read_file(out, layer="units")["code"]) == ["a", "b"]


@pytest.mark.parametrize("suffix, driver", [(".geojson", "GeoJSON"), (".fgb", "FlatGeobuf"), (".shp", "ESRI Shapefile")])
def test_reads_common_formats(tmp_path, toy_layer, suffix, driver):
    path = tmp_path / f"old{suffix}"
    toy_layer.to_file(path, driver=driver)
    layer = geoplan.read_layer(path)
    assert len(layer) == 4 and layer.crs.to_epsg() == 4326


def test_reads_zipped_shapefile_geoparquet_and_picks_layers(tmp_path, toy_layer):
    import zipfile

    shp = tmp_path / "old.shp"
    toy_layer.to_file(shp)
    archive = tmp_path / "old.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("old.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    assert len(geoplan.read_layer(archive)) == 4
    parquet = tmp_path / "old.parquet"
    toy_layer.to_parquet(parquet)
    assert geoplan.read_layer(parquet)["code"].tolist() == ["001", "002", "003", "004"]
    multi = tmp_path / "multi.gpkg"
    toy_layer.to_file(multi, layer="a")
    toy_layer.iloc[:2].to_file(multi, layer="b")
    with pytest.raises(geoplan.GeoplanError, match="has layers a, b; choose one with --layer"):
        geoplan.read_layer(multi)
    assert len(geoplan.read_layer(multi, layer="b")) == 2


def test_area_is_geodesic_whatever_the_crs(toy_layer):
    lonlat = geoplan.area_km2(toy_layer.geometry.to_numpy())
    utm = toy_layer.to_crs(32648)
    projected = geoplan.area_km2(utm.geometry.to_numpy(), utm.crs)
    assert np.allclose(lonlat, projected, rtol=1e-6)
    assert np.allclose(geoplan.area_km2(utm.geometry), lonlat, rtol=1e-6)  # a GeoSeries brings its own CRS
    # 0.01 x 0.01 degree at 10.015 N: 1.1058 km along the meridian x 1.0963 km along the parallel
    assert np.isclose(lonlat[0], 1.1058 * 1.0963, rtol=1e-3)


def test_fast_bookkeeping_area_agrees_with_pyproj_geod(toy_layer):
    from geoplan.measure.area import fast_area_km2

    shapes = list(toy_layer.geometry) + [shapely.box(100, 5, 110, 25), shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))]
    exact = geoplan.area_km2(shapes)
    assert np.allclose(fast_area_km2(shapes), exact, rtol=2e-5)
    assert np.allclose(fast_area_km2(shapes[:4]), exact[:4], rtol=2e-6)


def test_projected_input_gives_the_same_units(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame)
    lonlat = geoplan.merge(toy_layer, plan, code_field="code", pop_field="pop")
    utm = geoplan.merge(toy_layer.to_crs(32648), plan, code_field="code", pop_field="pop")
    assert utm.units.crs.to_epsg() == 4326
    assert np.allclose(utm.units["area_km2"], lonlat.units["area_km2"], rtol=1e-4)
    assert utm.units["population"].tolist() == lonlat.units["population"].tolist()


def test_vn2000_lon_lat_is_shifted_to_wgs84(toy_layer, toy_plan_frame):
    """VN-2000 lon/lat (EPSG:4756) shares WGS 84's ellipsoid but not its datum:
    the units must land where the same data in EPSG:4326 lands, not ~200 m off."""
    plan = geoplan.Plan.from_frame(toy_plan_frame)
    wgs84 = geoplan.merge(toy_layer, plan, code_field="code")
    vn2000 = geoplan.merge(toy_layer.to_crs(4756), plan, code_field="code")
    shift = shapely.distance(shapely.centroid(wgs84.units.geometry.to_numpy()), shapely.centroid(vn2000.units.geometry.to_numpy()))
    assert (shift * 111_000 < 1).all()
    assert np.allclose(vn2000.units["area_km2"], wgs84.units["area_km2"], rtol=1e-6)


def test_legacy_code_page_shapefile(tmp_path, toy_layer):
    path = tmp_path / "old.shp"
    toy_layer.to_file(path, encoding="cp1258")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    layer = geoplan.read_layer(path, encoding="cp1258")
    assert layer["name"].tolist()[0] == "Xã An Hòa"
    with pytest.raises(InputError, match="'name' is not UTF-8 text.*--encoding"):
        geoplan.read_layer(path)  # without the encoding: refused, never garbled


def test_output_over_the_input_is_refused(tmp_path, toy_files, capsys):
    layer, plan = toy_files
    assert main(["merge", str(layer), str(plan), "-o", str(layer), "--quiet"]) == 2
    assert "inputs are never overwritten" in capsys.readouterr().err


def test_api_detects_fields_and_takes_builtin_plan_names(toy_layer, toy_plan_frame):
    result = geoplan.merge(toy_layer, geoplan.Plan.from_frame(toy_plan_frame), pop_field="pop")
    assert result.links.fields == {"code": "code", "name": "name", "parent": "province", "district": None}
    with pytest.raises(geoplan.GeoplanError, match="no field with the plan.s old codes or names found"):
        geoplan.merge(toy_layer, "vn-2025-province")  # a built-in plan by name; the toy names are not provinces


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_tcvn3_and_vni_shapefiles_are_decoded_and_linked_by_name(tmp_path, toy_layer, toy_files, encoding):
    _, plan = toy_files
    legacy = toy_layer.drop(columns="code")
    for column in ("name", "province"):  # the bytes a .Vn or VNI font wrote, stored as they are
        legacy[column] = [text.encode(encoding).decode("latin1") for text in legacy[column]]
    path = tmp_path / "old.shp"
    legacy.to_file(path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert geoplan.read_layer(path, encoding=encoding)["name"].tolist() == toy_layer["name"].tolist()
    out = tmp_path / "new.gpkg"
    assert main(["merge", str(path), str(plan), "-o", str(out), "--encoding", encoding, "--quiet"]) == 0
    lineage = pyogrio.read_dataframe(out, layer="lineage")
    assert len(lineage) == 4 and lineage["linked_by"].str.contains("name").all()
    assert sorted(gpd.read_file(out, layer="units")["code"]) == ["10", "20"]


def test_features_without_geometry_are_counted_and_said(toy_layer, toy_plan_frame):
    layer = toy_layer.copy()
    layer.loc[1, "geometry"] = None
    result = geoplan.merge(layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code", pop_field="pop")
    assert result.report.features_without_geometry == 1
    assert "1 features have no geometry" in result.link_report()
    assert result.units["population"].sum() == layer["pop"].sum()


def test_python_arguments_of_the_wrong_kind_get_clear_errors(toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame)
    for kwargs, message in [
        ({"plan": None}, "plan must be a Plan"),
        ({"old": "old.gpkg"}, "old must be a GeoDataFrame"),
        ({"gap_width_m": "200"}, "gap_width_m\\) must be a number"),
        ({"workers": 0}, "unknown merge option .workers."),
        ({"aliases": ["a"]}, "aliases must be a dict"),
        ({"count_fields": "pop"}, "count_fields must be a list"),
        ({"count_fields": ("nope", "pop")}, "no field 'nope'"),
        ({"declared": pd.DataFrame({"area_km2": [1.0]})}, "declared must be"),
    ]:
        with pytest.raises(geoplan.InputError, match=message):
            geoplan.merge(**{"old": toy_layer, "plan": plan, "code_field": "code", **kwargs})


def test_api_takes_declared_figures_and_alias_names_as_written(tmp_path, toy_layer, toy_plan_frame):
    plan = geoplan.Plan.from_frame(toy_plan_frame)
    declared = tmp_path / "declared.csv"
    declared.write_text("code,area_km2,population\n10,2.5,301\n", encoding="utf-8")
    units = geoplan.merge(toy_layer, plan, code_field="code", declared=str(declared)).units.set_index("code")
    assert units.loc["10", "area_declared_km2"] == 2.5 and pd.isna(units.loc["20", "area_declared_km2"])
    renamed = toy_layer.drop(columns="code").assign(name=["Xã An Hòa Cũ", *toy_layer["name"][1:]])
    result = geoplan.merge(renamed, plan, name_field="name", aliases={"Xã An Hòa Cũ": "Xã An Hoà"})
    assert result.features["linked_by"].tolist()[0] == "alias"


def test_dissolving_by_a_numeric_field_links_whole_number_codes(toy_layer):
    layer = toy_layer.assign(district=[805.0, 805.0, 806.0, 806.0])
    result = geoplan.merge(layer, geoplan.plan_from_field(layer["district"], "district"), code_field="district")
    assert result.units["code"].tolist() == ["805", "806"]


def test_a_layer_of_one_province_expects_only_that_province(toy_layer, toy_plan_frame):
    """Units of provinces the layer does not cover are counted apart, not listed as missing."""
    other = toy_plan_frame.assign(old_code=["101", "102", "103", "104"], old_parent="Tỉnh Khác",
                                  new_code=["30", "30", "40", "40"], new_name=["Xã Z", "Xã Z", "Xã W", "Xã W"])
    missing_here = toy_plan_frame.iloc[:1].assign(old_code="005", old_name="Xã Mất", new_code="50", new_name="Xã V")
    plan = geoplan.Plan.from_frame(pd.concat([toy_plan_frame, other, missing_here], ignore_index=True))
    result = geoplan.merge(toy_layer, plan, code_field="code", name_field="name", parent_field="province")
    assert result.report.missing_units == ["50"] and result.report.units_outside_layer == 2
    report = result.link_report()
    assert "1 plan members have no polygon (and 4 in provinces the layer does not cover)" in report
    assert "2 new units lie in provinces the layer does not cover" in report


def test_a_population_field_left_out_is_pointed_at(tmp_path, toy_files, capsys):
    layer, plan = toy_files
    assert main(["merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg")]) == 0
    assert "No population summed: give --pop-field (fields that look like one: pop)" in capsys.readouterr().out


def test_check_carries_the_declared_tables_own_flags(tmp_path, toy_files, capsys):
    layer, plan = toy_files
    out = tmp_path / "o.gpkg"
    assert main(["merge", str(layer), str(plan), "-o", str(out), "--quiet"]) == 0
    declared = tmp_path / "declared.csv"
    declared.write_text("code,area_km2,flags\n10,2.4,suspect_name_collision_duplicate\n20,2.4,\n", encoding="utf-8")
    assert main(["check", str(out), "--declared", str(declared), "-o", str(tmp_path / "c.csv")]) == 0
    notes = pd.read_csv(tmp_path / "c.csv", dtype=str).set_index("code")["note"].fillna("")
    assert "flagged in the declared table: suspect_name_collision_duplicate" in notes["10"] and "flagged" not in notes["20"]


def test_an_invalid_polygon_is_repaired_and_its_area_accounted(toy_layer):
    """A bow tie among the old polygons: repaired with make_valid, logged, and
    counted with its repaired area in the lineage and the area check (its
    rings' signed areas cancel out: counted as they are, the area check fails)."""
    old = toy_layer.copy()
    x0, y0, x1, y1 = old.geometry.iloc[0].bounds
    old.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    result = geoplan.merge(old, geoplan.plan_from_field(old["code"], "code"), code_field="code", detect=False)
    invalid = result.repairs[result.repairs["kind"] == "invalid"]
    assert invalid["rule"].tolist() == ["make_valid"] and invalid["receiving_code"].tolist() == ["001"]
    bowtie_km2 = geoplan.area_km2([shapely.make_valid(old.geometry.iloc[0])])[0]
    assert bowtie_km2 > 0 and result.lineage.set_index("old_code").loc["001", "area_km2"] == pytest.approx(bowtie_km2, rel=1e-4)
    assert abs(result.report.area_check) < 1e-4 and result.report.gaps_left == 0


def test_a_unit_left_with_no_area_is_reported(toy_layer):
    """A new unit whose only old polygon has no area: it is in the units layer
    with area 0, and the summary and the link report say so."""
    old = toy_layer.copy()
    x0, y0, _, _ = old.geometry.iloc[0].bounds
    old.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x0 + 0.01, y0), (x0 + 0.02, y0)])  # a flat ring
    result = geoplan.merge(old, geoplan.plan_from_field(old["code"], "code"), code_field="code", detect=False)
    assert result.report.units_without_area == ["001"]
    assert "1 with no area" in result.summary() and "no area left" in result.link_report()
