"""check, map, find, plans and demo: every user mistake is one line on stderr naming the file,
field or option, exit status 2, never a traceback; nothing is left behind by a failed run."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import geoplan
from geoplan.cli import main
from geoplan.io.atomic import write_layers
from geoplan.io.result import write_result


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(code: int, err: str) -> str:
    """The one line of a user mistake (exit 2), without the command's prefix."""
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0].split(": error: ", 1)[1]


@pytest.fixture
def result(tmp_path, toy_files):
    """A merge result of the toy layer, with every layer geoplan merge writes."""
    layer, plan = toy_files
    merged = geoplan.merge(gpd.read_file(layer), str(plan), code_field="code", name_field="name",
                           parent_field="province", pop_field="pop")
    return write_result(merged, tmp_path / "result.gpkg", source=str(layer))


def layers_of(path) -> dict:
    """Every layer of a GeoPackage, as written."""
    return {name: pyogrio.read_dataframe(path, layer=name) for name, _ in pyogrio.list_layers(path)}


def variant(result, name: str, drop=(), **replace):
    """A copy of ``result`` without the layers ``drop`` and with the layers ``replace``."""
    layers = {k: v for k, v in layers_of(result).items() if k not in drop}
    return write_layers(result.with_name(name), {**layers, **replace})


# --------------------------------------------------------- one reader of results (items 1, 4, 5)
@pytest.mark.parametrize("change, message", [
    (lambda l: {"drop": ["units"]}, "no layer 'units' (layers: about, crosswalk, features, lineage, repairs); is it a GeoPackage written by geoplan merge?"),
    (lambda l: {"units": l["units"].drop(columns=["code"])}, "layer 'units' has no field 'code'; is it"),
    (lambda l: {"units": l["units"].drop(columns=["name", "area_km2"])}, "layer 'units' has no field 'name', 'area_km2'; is it"),
    (lambda l: {"units": l["units"].iloc[:0]}, "layer 'units' is empty"),
    (lambda l: {"about": l["about"].rename(columns={"key": "k"})}, "layer 'about' has no field 'key'; is it"),
    (lambda l: {"about": l["about"].drop(columns=["value"])}, "layer 'about' has no field 'value'; is it"),
])
def test_check_and_map_refuse_a_result_alike_naming_the_file(capsys, tmp_path, result, change, message):
    layers = layers_of(result)
    changes = change(layers)
    bad = variant(result, "bad.gpkg", drop=changes.pop("drop", ()), **changes)
    check = error_line(*run(capsys, "check", bad, "-o", tmp_path / "c.csv")[::2])
    drawn = error_line(*run(capsys, "map", bad, "-o", tmp_path / "m.html")[::2])
    assert check == drawn and check.startswith(f"{bad}: {message}")
    assert not list(tmp_path.glob("c.*")) and not (tmp_path / "m.html").exists()


def test_a_result_without_optional_layers_is_mapped_with_one_warning(capsys, tmp_path, result):
    partial = variant(result, "partial.gpkg", drop=["lineage", "features", "about"])
    code, out, err = run(capsys, "map", partial, "-o", tmp_path / "m.html", "--quiet")
    assert code == 0 and (tmp_path / "m.html").exists()
    assert err == f"geoplan map: warning: {partial}: has no layer lineage, features, about; going on without them\n"
    code, _, err = run(capsys, "map", partial, "-o", tmp_path / "m.html", "--quiet")  # said again on every run
    assert code == 0 and len(err.splitlines()) == 1
    declared = tmp_path / "declared.csv"
    declared.write_text("code,area_km2\n10,2.4\n20,2.4\n", encoding="utf-8")
    code, out, err = run(capsys, "check", partial, "--declared", declared)
    assert code == 0 and err == f"geoplan check: warning: {partial}: has no layer about; going on without it\n"


def test_results_that_are_folders_or_no_geopackage_are_named_so(capsys, tmp_path):
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_text("not a GeoPackage", encoding="utf-8")
    for command in ("map", "check"):
        assert error_line(*run(capsys, command, tmp_path)[::2]) == (
            f"{tmp_path}: is a folder; give the GeoPackage written by geoplan merge")
        assert error_line(*run(capsys, command, garbage)[::2]) == (
            f"{garbage}: not a GeoPackage written by geoplan merge (GDAL cannot read it)")


# --------------------------------------------------------- the old layer of a map (items 2, 3)
def test_map_reads_the_old_layer_like_merge_does(capsys, tmp_path, result, toy_layer):
    code, _, err = run(capsys, "map", result, "--old", result, "-o", tmp_path / "m.html")
    assert error_line(code, err) == (f"{result}: has layers about, crosswalk, features, layer_styles, lineage, repairs, units; "
                                     "choose one with --old-layer")
    assert "UserWarning" not in err and not (tmp_path / "m.html").exists()
    code, _, err = run(capsys, "map", result, "--old", result, "--old-layer", "units", "-o", tmp_path / "m.html", "--quiet")
    assert code == 0 and err == ""
    odd = tmp_path / "odd.gpkg"
    toy_layer.rename(columns={"name": "ten_goi"}).to_file(odd)
    code, _, err = run(capsys, "map", result, "--old", odd, "--old-name", "ten", "-o", tmp_path / "m.html")
    assert error_line(code, err).startswith(f"{odd}: no field 'ten' (--old-name); fields are: code, ten_goi")
    assert run(capsys, "map", result, "--old", odd, "--old-name", "ten_goi", "-o", tmp_path / "m.html", "--quiet")[0] == 0
    assert "Xã An Hòa" in (tmp_path / "m.html").read_text(encoding="utf-8")


def test_map_refuses_an_old_layer_without_crs(capsys, tmp_path, result, toy_layer):
    no_crs = tmp_path / "no_crs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        toy_layer.set_crs(None, allow_override=True).to_file(no_crs)
    code, _, err = run(capsys, "map", result, "--old", no_crs, "-o", tmp_path / "m.html")
    assert error_line(code, err).startswith(f"{no_crs}: the layer has no CRS")
    assert not (tmp_path / "m.html").exists()


# --------------------------------------------------------- outputs (items 6, 7)
def test_map_output_folder_must_exist_and_only_maps_is_made(capsys, tmp_path, result, monkeypatch):
    deep = tmp_path / "no" / "such" / "m.html"
    assert error_line(*run(capsys, "map", result, "-o", deep)[::2]) == f"{deep}: output folder {deep.parent} does not exist"
    assert not (tmp_path / "no").exists()
    under = result / "m.html"
    assert error_line(*run(capsys, "map", result, "-o", under)[::2]) == f"{under}: output folder {result} is a file"
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "map", result, "--quiet")
    assert code == 0 and (tmp_path / "maps" / "result.html").exists() and "Wrote maps/result.html" in out


def test_demo_checks_its_data_and_output_before_making_a_folder(capsys, tmp_path, result, toy_layer):
    out = tmp_path / "out"
    code, _, err = run(capsys, "demo", "--data", tmp_path / "nodata", "-o", out, "--quiet")
    assert error_line(code, err).startswith(f"{tmp_path / 'nodata' / 'old_communes_c2013.gpkg'}: not found; --data needs")
    assert not out.exists()
    swapped = tmp_path / "swapped"
    swapped.mkdir()
    for name in ("old_communes_c2013.gpkg", "old_provinces_c2013.gpkg"):  # layers of the wrong kind
        toy_layer.to_file(swapped / name)
    code, _, err = run(capsys, "demo", "--data", swapped, "-o", out, "--quiet")
    line = error_line(code, err)
    assert line.startswith(f"{swapped / 'old_communes_c2013.gpkg'}: no field 'gso_code_c2016', 'commune_vn'")
    assert "--data needs the old communes of Vietnam in this file, with fields gso_code_c2016, commune_vn" in line
    assert "--old-code" not in line and not out.exists()
    assert error_line(*run(capsys, "demo", "-o", result, "--quiet")[::2]) == (
        f"{result}: is a file; -o names a folder for the demo's outputs")
    assert error_line(*run(capsys, "demo", "-o", result / "sub", "--quiet")[::2]).startswith(f"{result}: is a file")


def test_map_options_are_named_by_their_flag(capsys, tmp_path, result):
    code, _, err = run(capsys, "map", result, "--color-by", "foo", "-o", tmp_path / "m.html")
    assert error_line(code, err) == ("--color-by (color_by): unknown value 'foo'; "
                                     "use one of population, density, area_diff, members")
    code, _, err = run(capsys, "map", result, "--basemap", "google", "-o", tmp_path / "m.html")
    assert error_line(code, err) == "--basemap: unknown value 'google'; use one of none, osm"


# --------------------------------------------------------- find and plans (item 8)
@pytest.mark.parametrize("argv, message", [
    (["find", ""], 'give a name to look for, e.g. "thoi son"'),
    (["find", "   "], 'give a name to look for, e.g. "thoi son"'),
    (["find", "thoi son", "--province", ""], "--province is empty: give a province name or code, or leave --province out"),
    (["find", "thoi son", "--province", "  "], "--province is empty: give a province name or code, or leave --province out"),
])
def test_find_asks_for_what_is_empty(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert error_line(code, err) == message and err.startswith("geoplan find: error:")


def test_arguments_a_command_does_not_take_are_its_own_usage_mistake(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["plans", "foo"])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and err == "geoplan plans: error: unrecognized arguments: foo (see geoplan plans --help)\n"


# --------------------------------------------------------- progress (item 9)
def test_map_shows_progress_unless_quiet(capsys, tmp_path, result, toy_files):
    code, _, err = run(capsys, "map", result, "--old", toy_files[0], "-o", tmp_path / "m.html")
    steps = [line.split("] ", 1)[1] for line in err.splitlines()]
    assert code == 0 and steps == [f"read {result}: 2 units; {toy_files[0]}: 4 old units", "building the map data",
                                   f"writing {tmp_path / 'm.html'}"]
    code, _, err = run(capsys, "map", result, "--old", toy_files[0], "-o", tmp_path / "m.html", "--quiet")
    assert code == 0 and err == ""


def test_a_complete_result_checks_and_maps_without_a_warning(capsys, tmp_path, result):
    declared = tmp_path / "declared.csv"
    declared.write_text("code,area_km2\n10,2.4\n20,2.4\n", encoding="utf-8")
    code, _, err = run(capsys, "check", result, "--declared", declared)
    assert code == 0 and err == ""
    assert pd.read_csv(tmp_path / "result-check.csv", dtype={"code": str})["code"].tolist() == ["10", "20"]
    assert run(capsys, "map", result, "-o", tmp_path / "m.html", "--quiet")[::2] == (0, "")
