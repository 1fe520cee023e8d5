"""Checks on the built-in Vietnam 2025 plans in boundaries/.

(a) structure of the shipped CSVs; (b) agreement with the official merge plan in
../shared/data/vn (skipped when that folder is absent); (c) the build script
reproduces the shipped files when the registry packages are installed.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOUNDARIES = ROOT / "boundaries"
SHARED = Path(__file__).resolve().parents[1].parent / "shared/data/vn"
PLAN_COLUMNS = ["level", "old_code", "old_name", "old_parent", "old_district", "new_code",
                "new_name", "new_parent", "new_parent_code", "link", "default"]
OUTPUTS = ["vn-2025-commune.csv", "vn-2025-province.csv", "vn-2025-declared-communes.csv",
           "vn-2025-declared-provinces.csv", "vn-old-units.csv"]
MIN_AGREEMENT = 0.99


def read(name: str) -> list[dict]:
    """Rows of a shipped CSV, every value a string."""
    with open(BOUNDARIES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(name: str) -> list[str]:
    """Column names of a shipped CSV."""
    with open(BOUNDARIES / name, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


# ---------------------------------------------------------------- (a) structure

def test_province_plan_structure():
    rows = read("vn-2025-province.csv")
    assert header("vn-2025-province.csv") == PLAN_COLUMNS
    assert len(rows) == 63
    assert len({r["old_code"] for r in rows}) == 63
    assert len({r["new_code"] for r in rows}) == 34
    assert {r["level"] for r in rows} == {"province"}
    assert {r["link"] for r in rows} == {"full"}
    assert all(re.fullmatch(r"\d{2}", r["old_code"]) for r in rows)
    assert all(re.fullmatch(r"\d{2}", r["new_code"]) for r in rows)
    assert "01" in {r["old_code"] for r in rows}  # leading zero kept
    assert all(r["old_district"] == "" for r in rows)


def test_commune_plan_structure():
    rows = read("vn-2025-commune.csv")
    assert header("vn-2025-commune.csv") == PLAN_COLUMNS
    assert {r["level"] for r in rows} == {"commune"}
    assert len({r["new_code"] for r in rows}) == 3321
    assert 10_000 <= len({r["old_code"] for r in rows}) <= 10_060
    assert len({(r["old_code"], r["new_code"]) for r in rows}) == len(rows)
    # old wards have 5-digit codes; the five island districts without wards use
    # their 3-digit district code
    assert all(re.fullmatch(r"\d{5}|\d{3}", r["old_code"]) for r in rows)
    assert sum(len(r["old_code"]) == 3 for r in rows) == 5
    assert all(re.fullmatch(r"\d{5}", r["new_code"]) for r in rows)
    assert all(re.fullmatch(r"\d{2}", r["new_parent_code"]) for r in rows)
    assert "00001" in {r["old_code"] for r in rows}
    assert all(r["old_name"] and r["new_name"] and r["old_parent"] and r["new_parent"]
               for r in rows)


def test_every_divided_old_ward_has_exactly_one_default():
    rows = read("vn-2025-commune.csv")
    by_old = defaultdict(list)
    for r in rows:
        by_old[r["old_code"]].append(r)
    divided = {code: links for code, links in by_old.items() if len(links) > 1}
    assert 400 <= len(divided) <= 550
    for code, links in by_old.items():
        kinds = {r["link"] for r in links}
        defaults = sum(r["default"] == "1" for r in links)
        if code in divided:
            assert kinds == {"partial"} and defaults == 1, code
        else:
            assert kinds == {"full"} and defaults == 0, code


def test_commune_plan_matches_province_plan():
    """Every commune link goes to a new province its old province merges into."""
    provinces = {r["old_code"]: r["new_code"] for r in read("vn-2025-province.csv")}
    old_units = {r["old_code"]: r["old_province_code"] for r in read("vn-old-units.csv")}
    crossing = [r for r in read("vn-2025-commune.csv")
                if provinces[old_units[r["old_code"]]] != r["new_parent_code"]]
    assert crossing == []


def test_reference_case_thoi_son():
    rows = [r for r in read("vn-2025-commune.csv") if r["new_code"] == "30502"]
    assert {r["old_code"] for r in rows} == {"30502", "30511", "30517"}
    assert {r["new_name"] for r in rows} == {"Phường Thới Sơn"}
    assert {r["old_district"] for r in rows} == {"Thị xã Tịnh Biên"}
    assert {r["old_parent"] for r in rows} == {"Tỉnh An Giang"}
    assert {(r["new_parent"], r["new_parent_code"]) for r in rows} == {("Tỉnh An Giang", "91")}


def test_declared_communes():
    rows = read("vn-2025-declared-communes.csv")
    assert header("vn-2025-declared-communes.csv") == [
        "code", "name", "province_code", "province", "area_km2", "population", "source"]
    assert len(rows) == 3321 and len({r["code"] for r in rows}) == 3321
    assert all(re.fullmatch(r"\d{5}", r["code"]) for r in rows)
    plan_codes = {r["new_code"] for r in read("vn-2025-commune.csv")}
    assert {r["code"] for r in rows} == plan_codes
    areas = [float(r["area_km2"]) for r in rows if r["area_km2"]]
    assert len(areas) >= 3300 and all(a > 0 for a in areas)
    assert all(r["source"] for r in rows)


def test_declared_provinces():
    rows = read("vn-2025-declared-provinces.csv")
    assert header("vn-2025-declared-provinces.csv") == [
        "code", "name", "area_km2", "population", "source"]
    assert len(rows) == 34
    assert {r["code"] for r in rows} == {r["new_code"] for r in read("vn-2025-province.csv")}
    assert sum(r["source"].startswith("Resolution 202/2025/QH15") for r in rows) == 23
    total_area = sum(float(r["area_km2"]) for r in rows)
    total_pop = sum(int(r["population"]) for r in rows)
    assert 320_000 < total_area < 340_000  # Viet Nam is ~331,000 km2
    assert 95_000_000 < total_pop < 115_000_000


def test_old_units():
    rows = read("vn-old-units.csv")
    assert header("vn-old-units.csv") == ["old_code", "old_name", "old_district", "old_province",
                                          "old_province_code", "lat", "lon"]
    assert 10_000 <= len(rows) <= 10_060
    assert len({r["old_code"] for r in rows}) == len(rows)
    assert len({r["old_province_code"] for r in rows}) == 63
    assert all(re.fullmatch(r"\d{2}", r["old_province_code"]) for r in rows)
    assert all(8 < float(r["lat"]) < 24 and 102 < float(r["lon"]) < 118 for r in rows)
    plan_old = {r["old_code"] for r in read("vn-2025-commune.csv")}
    assert {r["old_code"] for r in rows} == plan_old


# ---------------------------------------------------------------- (b) cross-check

def official_plan() -> dict:
    """The official new -> old plan in ../shared, or skip when it is absent."""
    path = SHARED / "plan_2025_new_to_old.json"
    if not path.exists():
        pytest.skip(f"official plan not found at {path} (shared data is absent on this machine)")
    return json.loads(path.read_text(encoding="utf-8"))


def compare(name: str, ours: dict, theirs: dict, names: dict) -> float:
    """Print the links found on one side only; return |both| / |either|."""
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    both = len(set(ours) & set(theirs))
    agreement = both / len(set(ours) | set(theirs))
    type_diff = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
    print(f"\n{name}: {both} links agree, {len(only_ours)} only in ours, "
          f"{len(only_theirs)} only in the official plan, agreement {agreement:.4%}; "
          f"{len(type_diff)} common links differ in full/partial")
    for label, links in (("only ours", only_ours), ("only official", only_theirs)):
        for old, new in links:
            print(f"  {label}: {old} {names.get(old, '?')} -> {new} {names.get(new, '?')}")
    return agreement


def our_links(file: str) -> tuple[dict, dict]:
    """Links of a shipped plan as {(old_code, new_code): link}, and the name of every code."""
    ours, names = {}, {}
    for r in read(file):
        ours[(r["old_code"], r["new_code"])] = r["link"]
        names[r["old_code"]], names[r["new_code"]] = r["old_name"], r["new_name"]
    return ours, names


def assert_agree(level: str, ours: dict, theirs: dict, names: dict) -> None:
    agreement = compare(f"{level} level", ours, theirs, names)
    differing = len(set(ours) ^ set(theirs))
    assert agreement > MIN_AGREEMENT, f"{level} links agree {agreement:.4%} ({differing} links differ)"


def test_commune_links_agree_with_official_plan():
    data = official_plan()["data"]
    ours, names = our_links("vn-2025-commune.csv")
    theirs = {}
    for province in data:
        for unit in province["level2s"]:
            names.setdefault(unit["level2_id"], unit["name"])
            for m in unit["merges"]:
                theirs[(m["old_id"], unit["level2_id"])] = m["type"]
                names.setdefault(m["old_id"], m["name"])
    assert_agree("commune", ours, theirs, names)


def test_province_links_agree_with_official_plan():
    data = official_plan()["data"]
    ours, names = our_links("vn-2025-province.csv")
    theirs = {(m["old_id"], p["level1_id"]): m["type"] for p in data for m in p["merges"]}
    assert_agree("province", ours, theirs, names)


def test_divided_count_close_to_official():
    data = official_plan()["data"]
    targets = Counter(m["old_id"] for p in data for u in p["level2s"] for m in u["merges"])
    official = sum(n > 1 for n in targets.values())
    ours = Counter(r["old_code"] for r in read("vn-2025-commune.csv"))
    divided = sum(n > 1 for n in ours.values())
    print(f"\ndivided old wards: {divided} here, {official} in the official plan")
    assert abs(divided - official) <= 0.05 * official


# ---------------------------------------------------------------- (c) reproducible

def test_build_script_reproduces_shipped_files(tmp_path):
    for package in ("vietnamadminunits", "vietnam_provinces"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"registry package {package} is not installed (pip install .[registry])")
    from importlib.metadata import version
    if version("vietnamadminunits") != "1.0.4":
        pytest.skip(f"built from vietnamadminunits 1.0.4, found {version('vietnamadminunits')}")
    subprocess.run([sys.executable, str(BOUNDARIES / "build_vn_2025.py"), str(tmp_path)],
                   check=True, capture_output=True)
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (BOUNDARIES / name).read_bytes(), name


def test_the_wheel_carries_every_shipped_file():
    """A normal (non-editable) install gets boundaries/ as package data under
    geoplan/boundaries: every file the built-ins read must match its patterns."""
    import fnmatch
    import tomllib

    from geoplan.plan.catalogue import BUILTIN
    from geoplan.vn.builtin import BOUNDARIES

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["geoplan.boundaries"] == "boundaries" and "geoplan.boundaries" in config["packages"]
    patterns = config["package-data"]["geoplan.boundaries"]
    read = {name for plan in BUILTIN.values() for name in (plan.plan_file, plan.declared_file, plan.aliases_file)}
    read |= {"vn-2025-known-differences.csv", "README.md"}
    for name in sorted(read):
        assert (BOUNDARIES / name).exists(), name
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), f"{name} would be left out of the wheel"
