"""Every user mistake gets one clear line on stderr and exit status 2, never a traceback."""

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import shapely

from geoplan.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_missing_file(capsys, tmp_path, toy_files):
    _, plan = toy_files
    code, err = run(capsys, "merge", str(tmp_path / "nope.gpkg"), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and one_line_error(err) == f"geoplan merge: error: {tmp_path / 'nope.gpkg'}: file not found"


def test_layer_without_crs(capsys, tmp_path, toy_layer, toy_files):
    _, plan = toy_files
    path = tmp_path / "nocrs.shp"
    toy_layer.to_file(path)
    path.with_suffix(".prj").unlink()
    code, err = run(capsys, "merge", str(path), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and "has no CRS" in one_line_error(err) and str(path) in err


def test_unknown_field(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg"), "--pop-field", "people", "--quiet")
    assert code == 2
    assert "no field 'people' (--pop-field); fields are: code, name, province, pop" in one_line_error(err)


def test_plan_and_layer_that_do_not_match(capsys, tmp_path, toy_layer, toy_plan_frame):
    layer = tmp_path / "old.gpkg"
    toy_layer.to_file(layer)
    plan = tmp_path / "plan.csv"
    toy_plan_frame.assign(old_code=["901", "902", "903", "904"], old_name=["A", "B", "C", "D"]).to_csv(plan, index=False)
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg"),
                    "--old-code", "code", "--old-name", "name", "--quiet")
    assert code == 2 and "do not match: 0 of 4 features linked by code or name" in one_line_error(err)


def test_non_polygon_geometry(capsys, tmp_path, toy_files):
    _, plan = toy_files
    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"code": ["001"]}, geometry=[shapely.Point(105, 10)], crs=4326).to_file(path)
    code, err = run(capsys, "merge", str(path), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and "geometries must be polygons, found Point" in one_line_error(err)


def test_empty_layer(capsys, tmp_path, toy_layer, toy_files):
    _, plan = toy_files
    path = tmp_path / "empty.gpkg"
    toy_layer.iloc[:0].to_file(path)
    code, err = run(capsys, "merge", str(path), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and one_line_error(err).endswith(f"{path}: the layer is empty")


def test_malformed_plan(capsys, tmp_path, toy_files):
    layer, _ = toy_files
    plan = tmp_path / "bad.csv"
    plan.write_text("old_code,new_code,new_name,link\n001,10,X,full\n001,10,X,full\n", encoding="utf-8")
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and one_line_error(err) == f"geoplan merge: error: {plan}: duplicate link 001 -> 10 on row(s) 3"


def test_missing_output_folder(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    out = tmp_path / "no" / "such" / "o.gpkg"
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(out), "--quiet")
    assert code == 2 and "output folder" in one_line_error(err)


def test_real_process_exits_non_zero_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "geoplan.cli", "merge", str(tmp_path / "x.shp"), "vn-2025-province",
                           "-o", str(tmp_path / "o.gpkg"), "--quiet"], capture_output=True, text=True)
    assert done.returncode == 2
    assert one_line_error(done.stderr).endswith("x.shp: file not found")


def test_unknown_plan_name_lists_the_built_in_plans(capsys, tmp_path, toy_files):
    layer, _ = toy_files
    code, err = run(capsys, "merge", str(layer), "vn-2052-commune", "-o", str(tmp_path / "o.gpkg"), "--quiet")
    line = one_line_error(err)
    assert code == 2 and line.startswith("geoplan merge: error: vn-2052-commune: no such plan file, and not a built-in plan")
    assert "vn-2025-commune" in line


def test_outputs_must_have_their_format_extension(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(tmp_path / "o.shp"), "--quiet")
    assert code == 2 and "ending in .gpkg" in one_line_error(err)
    assert not list(tmp_path.glob("*o.shp*"))
    code, err = run(capsys, "map", str(layer), "-o", str(tmp_path / "map.png"))
    assert code == 2 and "ending in .html" in one_line_error(err)


def test_unreadable_declared_figure(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    declared = tmp_path / "declared.csv"
    declared.write_text("code;area_km2\n10;12,5\n20;n/a km2\n", encoding="utf-8")
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg"), "--declared", str(declared), "--quiet")
    assert code == 2 and one_line_error(err) == (
        f"geoplan merge: error: {declared}, column area_km2: 'n/a km2' in row 3 is not a number")
    assert not (tmp_path / "o.gpkg").exists()


def test_mistakes_caught_before_any_work(capsys, tmp_path, toy_files):
    """Arguments in the wrong order, a folder for a file, a text field as population,
    a gap width that is not a number: each one line, exit 2."""
    layer, plan = toy_files
    out = str(tmp_path / "o.gpkg")
    folder = tmp_path / "folder.gpkg"
    folder.mkdir()
    cases = [
        (("merge", str(plan), str(layer), "-o", out), "a table without geometry"),  # PLAN and OLD swapped
        (("merge", str(layer), str(plan), "-o", str(folder)), "is a folder"),
        (("merge", str(layer), str(tmp_path), "-o", out), "is a folder"),
        (("merge", str(layer), str(plan), "-o", out, "--aliases", str(tmp_path)), "is a folder"),
        (("merge", str(layer), str(plan), "-o", out, "--pop-field", "name"), "'name' (--pop-field) must hold counts"),
        (("merge", str(layer), str(plan), "-o", out, "--gap-width", "nan"), "(--gap-width) must be a number"),
        (("merge", str(layer), str(plan), "-o", out, "--gap-width", "inf"), "(--gap-width) must be a number"),
        (("merge", str(layer), str(plan), "-o", str(plan.with_suffix(".gpkg"))), None),  # fine: a new file beside
    ]
    for argv, message in cases:
        code, err = run(capsys, *argv, "--quiet")
        if message is None:
            assert code == 0, err
            continue
        assert code == 2 and message in one_line_error(err), (argv, err)
    assert not (tmp_path / "o.gpkg").exists()


def test_zip_of_a_folder_and_zip_of_two_layers(capsys, tmp_path, toy_layer, toy_files):
    """"Compress folder" keeps the folder inside the zip; two Shapefiles in one zip need --layer."""
    import zipfile

    _, plan = toy_files
    folder = tmp_path / "communes"
    folder.mkdir()
    toy_layer.to_file(folder / "a.shp")
    toy_layer.to_file(folder / "b.shp")
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    with zipfile.ZipFile(one, "w") as z1, zipfile.ZipFile(two, "w") as z2:
        for part in folder.iterdir():
            z2.write(part, f"communes/{part.name}")
            if part.stem == "a":
                z1.write(part, f"communes/{part.name}")
    assert run(capsys, "merge", str(one), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")[0] == 0
    code, err = run(capsys, "merge", str(two), str(plan), "-o", str(tmp_path / "o.gpkg"), "--quiet")
    assert code == 2 and "has layers a, b; choose one with --layer" in one_line_error(err)
    assert run(capsys, "merge", str(two), str(plan), "--layer", "b", "-o", str(tmp_path / "o.gpkg"), "--quiet")[0] == 0


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(capsys, toy_files):
    layer, plan = toy_files
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", "/proc/out.gpkg", "--quiet")
    assert code == 2 and one_line_error(err).startswith("geoplan merge: error: /proc/out.gpkg: cannot write in /proc")


def test_usage_mistakes_are_one_line_too(capsys, tmp_path, toy_files):
    layer, plan = toy_files
    for argv, message in [
        (["merge", str(layer), str(plan), "-o", str(tmp_path / "o.gpkg"), "--gap-width", "abc"], "invalid float value: 'abc'"),
        (["merge", str(layer), str(plan)], "the following arguments are required: -o/--output"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ]:
        try:
            main(argv)
        except SystemExit as exit:
            code = exit.code
        line = one_line_error(capsys.readouterr().err)
        assert code == 2 and message in line and line.endswith("--help)"), line


def test_mistakes_are_one_line_without_quiet_too(capsys, tmp_path, toy_layer, toy_files):
    """Progress lines are said once a step has succeeded, so no progress line comes before a mistake's."""
    layer, plan = toy_files
    nocrs = tmp_path / "nocrs.shp"
    toy_layer.to_file(nocrs)
    nocrs.with_suffix(".prj").unlink()
    other = tmp_path / "other.csv"
    pd.read_csv(plan, dtype=str).assign(old_code=["901", "902", "903", "904"], old_name=["A", "B", "C", "D"]).to_csv(
        other, index=False)
    out = str(tmp_path / "o.gpkg")
    for argv in [
        ["merge", str(tmp_path / "nope.gpkg"), str(plan), "-o", out],
        ["merge", str(nocrs), str(plan), "-o", out],
        ["merge", str(layer), str(plan), "-o", out, "--pop-field", "people"],
        ["merge", str(layer), str(other), "-o", out, "--old-code", "code", "--old-name", "name"],
    ]:
        code, err = run(capsys, *argv)
        assert code == 2 and one_line_error(err).startswith("geoplan merge: error: "), argv


def test_a_reference_that_cannot_be_used_is_one_line(capsys, tmp_path, toy_files, toy_layer):
    """The reference is read while the plan is read and made beside the old layer's preparation:
    its mistakes still come out as one line naming it, after the old layer's own."""
    layer, plan = toy_files
    out = str(tmp_path / "o.gpkg")
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", out, "--reference", str(tmp_path / "none.gpkg"),
                    "--quiet")
    assert code == 2 and one_line_error(err).endswith(f"{tmp_path / 'none.gpkg'}: file not found")
    codeless = tmp_path / "codeless.gpkg"
    gpd.GeoDataFrame({"note": ["x"] * len(toy_layer)}, geometry=toy_layer.geometry.values, crs=toy_layer.crs).to_file(codeless)
    code, err = run(capsys, "merge", str(layer), str(plan), "-o", out, "--reference", str(codeless), "--quiet")
    assert code == 2 and str(codeless) in one_line_error(err) and "--reference-code" in err
    code, err = run(capsys, "merge", str(tmp_path / "nope.gpkg"), str(plan), "-o", out, "--reference", str(codeless),
                    "--quiet")  # the old layer's mistake first
    assert code == 2 and one_line_error(err).endswith(f"{tmp_path / 'nope.gpkg'}: file not found")
