"""Issue 4: built-in plans, declared figures, check, find, and the national demo."""

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from geoplan.check import compare, suspect_copies
from geoplan.cli import main
from geoplan.find import find_units
from vn_data import SHARED, needs_shared


def test_plans_lists_both_with_counts(capsys):
    assert main(["plans"]) == 0
    out = capsys.readouterr().out
    assert "vn-2025-province" in out and "63 old ->    34 new" in out
    assert "vn-2025-commune" in out and "10,040 old -> 3,321 new" in out and "471 divided" in out


def test_find_lists_homonyms_with_their_province_and_narrows(capsys):
    hits = find_units("thoi son")
    assert hits[["code", "parent"]].values.tolist() == [["28270", "Tỉnh Đồng Tháp"], ["30502", "Tỉnh An Giang"]]
    assert find_units("THỚI SƠN", province="an giang")["code"].tolist() == ["30502"]
    assert main(["find", "Thoi Son"]) == 0
    out = capsys.readouterr().out
    assert "Tỉnh Đồng Tháp" in out and "Tỉnh An Giang" in out and "add --province" in out
    assert main(["find", "no such place"]) == 2


def test_compare_flags_copies_hectares_and_gives_verdicts():
    units = pd.DataFrame({"code": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"], "parent": "P",
                          "area_km2": [50.2, 16.5, 1.0, 10.0], "population": [24705, 27502, 10, 100]})
    declared = pd.DataFrame({"area_declared_km2": [49.36, 49.36, 100.0, 10.1],
                             "population_declared": [33045, 33045, 50, 120]}, index=["a", "b", "c", "d"])
    assert suspect_copies(declared).to_dict() == {"a": "b", "b": "a"}
    table = compare(units, declared, tolerance_pct=2.0).set_index("code")
    assert table.loc["a", "verdict"] == "ok" and "suspected copy" in table.loc["a", "note"]
    assert table.loc["b", "verdict"] == "suspect declared"
    assert table.loc["c", "verdict"] == "suspect declared" and "hectares" in table.loc["c", "note"]
    assert table.loc["d", "verdict"] == "ok" and table.loc["d", "area_diff_pct"] == pytest.approx(-0.99, abs=0.01)


def test_schematic_demo_runs_without_shared_data(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "geoplan.cli", "demo", "-o", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "SCHEMATIC" in done.stdout and str(out / "schematic-communes.gpkg") in done.stdout
    units = gpd.read_file(out / "schematic-communes.gpkg", layer="units")
    about = gpd.read_file(out / "schematic-communes.gpkg", layer="about").set_index("key")["value"]
    assert about["schematic"] == "yes"
    assert len(units) > 3200
    assert len(gpd.read_file(out / "schematic-provinces.gpkg", layer="units")) == 34
    assert (out / "schematic-communes-check.md").read_text(encoding="utf-8").count("SCHEMATIC") >= 1
    assert gpd.list_layers(out / "schematic-old-communes.gpkg")["name"].tolist() == ["schematic_old_communes"]


def merged(tmp_path, capsys, layer: str, plan: str, pop_field: str):
    """Merge a real layer with a built-in plan into ``tmp_path/<level>s.gpkg``."""
    out = tmp_path / f"{plan.rsplit('-', 1)[1]}s.gpkg"
    assert main(["merge", str(SHARED / layer), plan, "-o", str(out), "--pop-field", pop_field, "--quiet"]) == 0
    capsys.readouterr()
    return out


def checked(capsys, result, *options) -> tuple[str, pd.DataFrame]:
    """``geoplan check`` on a result: what it printed and the table it wrote beside it."""
    assert main(["check", str(result), *options]) == 0
    return capsys.readouterr().out, pd.read_csv(result.with_name(f"{result.stem}-check.csv"), dtype={"code": str})


@needs_shared
def test_province_check_on_real_data(tmp_path, capsys):
    out = merged(tmp_path, capsys, "old_provinces_c2013.gpkg", "vn-2025-province", "population")
    text, table = checked(capsys, out)
    assert len(table) == 34 and table["area_declared_km2"].notna().all()
    assert table["area_diff_pct"].abs().median() < 2.0
    assert "Tỉnh Khánh Hòa" in text and "Trường Sa archipelago is not in that layer" in text
    outliers = table[table["verdict"] == "differs"]
    assert outliers["note"].notna().sum() >= len(outliers) - 1  # every outlier but one has a known reason


@needs_shared
def test_commune_check_flags_the_thoi_son_copy(tmp_path, capsys):
    out = merged(tmp_path, capsys, "old_communes_c2013.gpkg", "vn-2025-commune", "pop2019_vn_demographic")
    text, table = checked(capsys, out, "--declared", str(SHARED / "official_communes_2025.csv"))
    table = table.set_index("code")
    assert table.loc["30502", "area_km2"] == pytest.approx(50.2, abs=0.3)
    assert table.loc["30502", "area_declared_km2"] == 49.36
    assert table.loc["28270", "verdict"] == "suspect declared"
    assert "suspected copy" in table.loc["28270", "note"] and "30502" in table.loc["28270", "note"]
    copy_line = next(line for line in text.splitlines() if line.startswith("  49.36 km2 / 33,045:"))
    assert "30502 Phường Thới Sơn (Tỉnh An Giang) [computed 50.24 km2, ok]" in copy_line
    assert "28270 Phường Thới Sơn (Tỉnh Đồng Tháp) [computed" in copy_line and "suspect declared]" in copy_line
    assert 280 <= table["note"].fillna("").str.contains("suspected copy").sum() <= 330

    # The built-in declared figures (registry areas, no population) carry the same copy: same area, same name.
    text, table = checked(capsys, out)
    table = table.set_index("code")
    assert table.loc["28270", "verdict"] == "suspect declared" and table.loc["30502", "verdict"] == "ok"
    assert "declared area and name identical to 30502" in table.loc["28270", "note"]
    copy_line = next(line for line in text.splitlines() if line.startswith("  49.36 km2 / no population declared:"))
    assert "30502 Phường Thới Sơn (Tỉnh An Giang)" in copy_line and "28270 Phường Thới Sơn (Tỉnh Đồng Tháp)" in copy_line


@needs_shared
def test_demo_on_real_data(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "geoplan.cli", "demo", "--data", str(SHARED), "-o", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "SCHEMATIC" not in done.stdout
    communes = gpd.read_file(out / "communes.gpkg", layer="units")
    provinces = gpd.read_file(out / "provinces.gpkg", layer="units")
    assert len(provinces) == 34 and len(communes) > 3290
    assert communes.set_index("code").loc["30502", "population"] == 24_705
    html = (out / "review-map.html").read_text(encoding="utf-8")
    assert "schematic" not in html.lower().split("<script")[0]
    assert (out / "review-map.html").stat().st_size < 15_000_000
