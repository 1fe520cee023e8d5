"""Review maps: offline single HTML, content, escaping, size; checked in real Chromium.

Browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright from
file:// with every non-file request aborted; they skip when Chromium is absent.
The national test reads ../shared/data/vn and skips when it is absent.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import box

from geoplan.errors import InputError
from geoplan.maps.topology import decode_topology, encode_topology
from geoplan.measure.area import fast_area_km2
from geoplan.maps.page import render_html
from geoplan.maps.repairs import repairs_to_review
from geoplan.maps.review import review_map, title_and_footer, write_review_map

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DATA = Path(__file__).resolve().parents[1].parent / "shared/data/vn"
sys.path.insert(0, str(ROOT / "benchmarks"))
from map_size import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 (the browser the benchmark measures with)

# the hand-made results below lack some layers of a merge result on purpose: the map says so, and goes on
pytestmark = pytest.mark.filterwarnings("ignore:.*has no layer:UserWarning")

XSS_UNIT = "<img src=x onerror=alert(1)>"
XSS_OLD = "<script>alert(2)</script>"
XSS_PLAN = "<img src=z onerror=alert(4)>plan.json"
SSTI = "{{ 7*7 }} Xã Hoà Bình"


# ------------------------------------------------------------------ fixtures
def _units() -> gpd.GeoDataFrame:
    rows = [
        # code, name, parent, parent_code, geometry, area, declared, pop, pop_decl, n_members, n_approx, n_inferred
        ("30502", "Phường Thới Sơn", "An Giang", "91", box(105.0, 10.0, 105.1, 10.1), 48.88, 49.36, 24705, 33045, 3, 0, 0),
        ("99001", XSS_UNIT, "An Giang", "91", box(105.0, 10.1, 105.1, 10.2), 120.5, None, 1000, None, 1, 1, 0),
        ("30112", "Xã Mỹ Hiệp", "Đồng Tháp", "82", box(105.1, 10.0, 105.2, 10.1), 79.68, 79.40, 41813, 54577, 3, 1, 0),
        ("28270", "Phường Thới Sơn", "Đồng Tháp", "82", box(105.1, 10.1, 105.2, 10.2), 121.0, 49.36, None, 33045, 1, 0, 0),
        ("99002", SSTI, "Đồng Tháp", "82", box(105.2, 10.0, 105.3, 10.1), 119.9, 120.0, 5000, None, 1, 0, 1),
    ]
    cols = ["code", "name", "parent", "parent_code", "geometry", "area_km2", "area_declared_km2",
            "population", "population_declared", "n_members", "n_approximate", "n_inferred"]
    df = pd.DataFrame(rows, columns=cols)
    df["level"] = "commune"
    df["population"] = df["population"].astype("Int64")
    df["population_declared"] = df["population_declared"].astype("Int64")
    df["density"] = df["population"] / df["area_km2"]
    df["approximate"] = (df["n_approximate"] > 0) | (df["n_inferred"] > 0)
    gdf = gpd.GeoDataFrame(df, geometry="geometry", crs=4326)
    gdf["geometry"] = gdf.geometry.apply(lambda g: shapely.MultiPolygon([g]))
    return gdf


def _lineage() -> pd.DataFrame:
    rows = [
        ("30502", "Thị trấn Nhà Bàng", "An Giang", "30502", "Phường Thới Sơn", "full", True, False, "name+district", 12.1, 9000),
        ("30511", "Xã Nhơn Hưng", "An Giang", "30502", "Phường Thới Sơn", "full", True, False, "name+district", 18.0, 7000),
        ("30517", "Xã Thới Sơn", "An Giang", "30502", "Phường Thới Sơn", "full", True, False, "code", 20.1, 8705),
        ("99991", XSS_OLD, "An Giang", "99001", XSS_UNIT, "partial", True, True, "name", 120.5, 1000),
        ("30112", "Xã Mỹ Hiệp", "Đồng Tháp", "30112", "Xã Mỹ Hiệp", "full", True, False, "code", 30.0, 15000),
        ("30115", "Xã Mỹ Long", "Đồng Tháp", "30112", "Xã Mỹ Hiệp", "full", True, False, "code", 25.0, 14000),
        ("30127", "Xã Bình Thạnh", "Đồng Tháp", "30112", "Xã Mỹ Hiệp", "partial", False, True, "alias", 24.0, 12813),
        ("28270", "Xã Thới Sơn", "Tiền Giang", "28270", "Phường Thới Sơn", "full", True, False, "code", 121.0, None),
        ("99992", "Xã Hòa Bình", "Đồng Tháp", "99002", SSTI, "inferred", True, False, "inferred", 119.9, 5000),
    ]
    cols = ["old_code", "old_name", "old_parent", "new_code", "new_name", "link", "assigned",
            "approximate", "linked_by", "area_km2", "population"]
    df = pd.DataFrame(rows, columns=cols)
    df["population"] = df["population"].astype("Int64")
    return df


def _repairs() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "kind": ["gap", "overlap"],
            "area_km2": [0.006, 0.002],
            "width_m": [50.0, 12.5],
            "receiving_code": ["30502", "30112"],
            "other_codes": ["30112", "28270"],
            "rule": ["longest border", "<b>bold rule</b>"],
        },
        geometry=[box(105.095, 10.05, 105.1, 10.051), box(105.15, 10.099, 105.16, 10.1)],
        crs=4326,
    )


def _about(**over) -> pd.DataFrame:
    about = {
        "plan": XSS_PLAN,
        "source": "old_test.gpkg",
        "geoplan_version": "0.1.0",
        "schematic": "no",
        "created": "2025-07-01T00:00:00",
        "pop_field": "pop2019",
    }
    about.update(over)
    return pd.DataFrame({"key": list(about), "value": list(about.values())})


def _old() -> gpd.GeoDataFrame:
    """Old communes, slightly dirty (edges do not match the new ones)."""
    rows = [
        ("30502", "Thị trấn Nhà Bàng", "Huyện Tịnh Biên", "An Giang", box(105.0, 10.0, 105.051, 10.1)),
        ("30511", "Xã Nhơn Hưng", "Huyện Tịnh Biên", "An Giang", box(105.05, 10.0, 105.1, 10.05)),
        ("30517", "Xã Thới Sơn", "Huyện Tịnh Biên", "An Giang", box(105.05, 10.049, 105.1, 10.1)),
        ("99991", "<img src=y onerror=alert(3)>", "Huyện X", "An Giang", box(105.0, 10.1, 105.1, 10.2)),
        ("30112", "Xã Mỹ Hiệp", "Huyện Cao Lãnh", "Đồng Tháp", box(105.1, 10.0, 105.15, 10.05)),
        ("30115", "Xã Mỹ Long", "Huyện Cao Lãnh", "Đồng Tháp", box(105.15, 10.0, 105.2, 10.05)),
        ("30127", "Xã Bình Thạnh", "Huyện Cao Lãnh", "Đồng Tháp", box(105.1, 10.05, 105.2, 10.1)),
        ("28270", "Xã Thới Sơn", "Thành phố Mỹ Tho", "Tiền Giang", box(105.1, 10.1, 105.2, 10.2)),
        (None, "Xã Không Mã", "Huyện Y", "Đồng Tháp", box(105.2, 10.0, 105.3, 10.1)),
    ]
    df = pd.DataFrame(rows, columns=["old_code", "old_name", "district_vn", "province_vn", "geometry"])
    return gpd.GeoDataFrame(df, geometry="geometry", crs=4326)


def _embedded(html: Path) -> dict:
    """The data embedded in a review map."""
    import json

    text = html.read_text("utf-8")
    return json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', text, re.S).group(1))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("small")
    result = d / "result.gpkg"
    _units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_lineage(), result, layer="lineage")
    _repairs().to_file(result, layer="repairs", driver="GPKG")
    pyogrio.write_dataframe(_about(), result, layer="about")
    old = d / "old.gpkg"
    _old().to_file(old, layer="old", driver="GPKG")
    (d / "maps").mkdir()
    html = write_review_map(result, d / "maps" / "small.html", old=old, color_by="population")
    return {"dir": d, "result": result, "old": old, "html": html}


def _features(old: gpd.GeoDataFrame) -> pd.DataFrame:
    """The ``features`` layer of a merge of ``_old()``: where each old polygon went. Bình Thạnh,
    linked by an alias, lies apart from the rest of its new unit (``detached``)."""
    rows = [  # old_code (plan member), new_code, linked_by; in the old layer's order
        ("30502", "30502", "name+district"), ("30511", "30502", "name+district"), ("30517", "30502", "code"),
        ("99991", "99001", "name"), ("30112", "30112", "code"), ("30115", "30112", "code"),
        ("30127", "30112", "alias"), ("28270", "28270", "code"), ("", "99002", "inferred"),
    ]
    assert len(rows) == len(old)
    return pd.DataFrame(rows, columns=["old_code", "new_code", "linked_by"]).assign(
        feature=range(len(rows)), detached=np.arange(len(rows)) == 6)[
        ["feature", "old_code", "new_code", "linked_by", "detached"]]


def _placed_lineage() -> pd.DataFrame:
    """``_lineage()`` as a merge of ``_features()`` writes it: with the inferred row of the polygon
    that matched no plan member, an island district without polygon (its new unit has none) and a
    commune of a province the layer does not cover (an extract: its new unit is not missing)."""
    rows = pd.DataFrame([
        ("", "Xã Không Mã", "Đồng Tháp", "99002", SSTI, "inferred", True, False, "inferred", 10.0, 100),
        ("498", "Huyện Hoàng Sa", "Đồng Tháp", "20333", "Đặc khu Hoàng Sa", "full", False, False, "none", None, None),
        ("00001", "Phường Phúc Xá", "Hà Nội", "00004", "Phường Ba Đình", "full", False, False, "none", None, None),
    ], columns=_lineage().columns)
    out = pd.concat([_lineage(), rows], ignore_index=True)
    out["population"] = out["population"].astype("Int64")
    return out


@pytest.fixture(scope="module")
def placed(tmp_path_factory) -> dict:
    """Like the national data: Nhà Bàng has no code in the old layer, the merge linked it by name."""
    d = tmp_path_factory.mktemp("placed")
    old = _old()
    old.loc[0, "old_code"] = None
    result = d / "result.gpkg"
    _units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_placed_lineage(), result, layer="lineage")
    pyogrio.write_dataframe(_features(old), result, layer="features")
    pyogrio.write_dataframe(_about(), result, layer="about")
    # the result of an older version: its features layer has no column detached
    older = d / "older.gpkg"
    _units().to_file(older, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_features(old).drop(columns="detached"), older, layer="features")
    old_path = d / "old.gpkg"
    old.to_file(old_path, layer="old", driver="GPKG")
    # the same old layer with one feature more: the features table does not fit it
    longer = d / "longer.gpkg"
    pd.concat([old, old.iloc[[1]]]).to_file(longer, layer="old", driver="GPKG")
    return {
        "html": write_review_map(result, d / "placed.html", old=old_path),
        "by_code": write_review_map(result, d / "by_code.html", old=longer),
        "older": write_review_map(older, d / "older.html", old=old_path),
    }


GRID = 50  # units per side, 0.05 degrees each: at the initial zoom a unit is a few pixels


@pytest.fixture(scope="module")
def national_scale(tmp_path_factory) -> dict:
    """2,500 small units, 553 of them with approximate or inferred links, and 1,500
    repairs of which 11 to review; the footer is as long as the national one."""
    rng = np.random.default_rng(3)
    d = tmp_path_factory.mktemp("scale")
    k = np.arange(GRID * GRID)
    x0, y0 = 104 + (k % GRID) * 0.05, 10 + (k // GRID) * 0.05
    cells = shapely.box(x0, y0, x0 + 0.05, y0 + 0.05)
    pop = rng.integers(2_000, 60_000, len(k))
    units = gpd.GeoDataFrame({
        "code": [f"{i:05d}" for i in k], "name": [f"Xã Ô {i}" for i in k],
        "parent_code": [f"{(i // GRID) // 10 * 5 + (i % GRID) // 10:02d}" for i in k],
        "area_km2": 30.0, "area_declared_km2": 30.3, "population": pop, "density": pop / 30.0,
        "n_members": 2, "n_approximate": (k % 7 == 0).astype(int), "n_inferred": (k % 11 == 0).astype(int),
    }, geometry=list(cells), crs=4326)
    units["parent"] = "Tỉnh " + units["parent_code"]
    units.loc[1, "name"] = "Phường Đồng Xoài"
    units["approximate"] = (units["n_approximate"] + units["n_inferred"]) > 0
    cx, cy = 104 + rng.random(1500) * 2.5, 10 + rng.random(1500) * 2.5
    size = np.where(np.arange(1500) < 10, 0.006, 0.0004)  # 10 pieces of 0.44 km2, the rest 0.002 km2
    repairs = gpd.GeoDataFrame({
        "kind": "gap", "rule": ["longest border"] * 10 + ["wide gap"] + ["longest border"] * 1489,
        "receiving_code": [f"{int((y - 10) / 0.05) * GRID + int((x - 104) / 0.05):05d}" for x, y in zip(cx, cy)],
        "other_codes": "", "width_m": 20.0,
    }, geometry=list(shapely.box(cx, cy, cx + size, cy + size)), crs=4326)
    repairs["area_km2"] = fast_area_km2(repairs.geometry)
    result = d / "scale.gpkg"
    units.to_file(result, layer="units", driver="GPKG")
    repairs.to_file(result, layer="repairs", driver="GPKG")
    about = _about(plan="vn-2025-commune", source="/work/shared/data/vn/old_communes_c2013.gpkg",
                   pop_field="pop2019_vn_demographic", created="2026-11-25T04:29:33+00:00")
    pyogrio.write_dataframe(about, result, layer="about")
    return {"html": write_review_map(result, d / "scale.html"), "units": units, "repairs": repairs}


# ------------------------------------------------------------- no browser
def test_writes_one_offline_html(small):
    html = small["html"]
    assert html.exists() and html.suffix == ".html"
    text = html.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing linked: no script/link/img src pointing anywhere
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", text, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", text, re.I)
    assert "cdn." not in text and "bootstrap" not in text.lower() and "jquery" not in text.lower()
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "Leaflet 1.9.4" in text  # inlined, from the vendored npm dist
    assert "tile.openstreetmap.org" not in text
    # no temporary file left next to it
    assert [p.name for p in html.parent.iterdir()] == ["small.html"]


def test_data_text_is_escaped_in_html(small):
    text = small["html"].read_text("utf-8")
    for raw in (XSS_UNIT, XSS_OLD, "<img src=y onerror=alert(3)>", "<b>bold rule</b>", XSS_PLAN):
        assert raw not in text
    assert "&lt;img src=z onerror=alert(4)&gt;plan.json" in text  # <title>
    # template syntax in data is not evaluated by Jinja
    assert "{{ 7*7 }} Xã Hoà Bình" in text
    assert "49 Xã Hoà Bình" not in text


def test_basemap_osm_only_adds_tile_url(small, tmp_path):
    out = write_review_map(small["result"], tmp_path / "osm.html", basemap="osm")
    text = out.read_text("utf-8")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in text
    assert "img-src data: https://tile.openstreetmap.org" in text
    def urls(t):
        return set(re.findall(r"https?://[^\s\"'<>);\\]+", t))

    # the only URLs added by the basemap are the tile template and its attribution link
    added = urls(text) - urls(small["html"].read_text("utf-8"))
    assert added == {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
        "https://tile.openstreetmap.org",
    }


def test_write_is_atomic(small, tmp_path, monkeypatch):
    out = tmp_path / "map.html"
    out.write_text("previous map")

    def disk_full(self, text, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as half:
            half.write(text[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(InputError, match="cannot write"):
        write_review_map(small["result"], out)
    assert out.read_text() == "previous map"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_user_mistakes_raise_input_error(small, tmp_path):
    def one_line(exc):
        assert "\n" not in str(exc.value)

    with pytest.raises(InputError, match="not found") as e:
        write_review_map(tmp_path / "missing.gpkg", tmp_path / "x.html")
    one_line(e)
    no_units = tmp_path / "no_units.gpkg"
    pyogrio.write_dataframe(_about(), no_units, layer="about")
    with pytest.raises(InputError, match="no layer 'units'") as e:
        write_review_map(no_units, tmp_path / "x.html")
    one_line(e)
    no_name = tmp_path / "no_name.gpkg"
    _units().drop(columns=["name"]).to_file(no_name, layer="units", driver="GPKG")
    with pytest.raises(InputError, match="no field 'name'"):
        write_review_map(no_name, tmp_path / "x.html")
    with pytest.raises(InputError, match="nope.gpkg: file not found"):
        write_review_map(small["result"], tmp_path / "x.html", old=tmp_path / "nope.gpkg")
    with pytest.raises(InputError, match="no field 'ma_xa'"):
        write_review_map(small["result"], tmp_path / "x.html", old=small["old"], old_code_field="ma_xa")
    with pytest.raises(InputError, match="--basemap: unknown value 'google'"):
        write_review_map(small["result"], tmp_path / "x.html", basemap="google")
    with pytest.raises(InputError, match=r"--color-by \(color_by\): unknown value 'gdp'"):
        write_review_map(small["result"], tmp_path / "x.html", color_by="gdp")
    assert not (tmp_path / "x.html").exists()


def test_options_are_checked_once_and_before_any_reading(small, tmp_path, monkeypatch):
    import geoplan.maps.review as map_review

    calls = []
    checked = map_review._check_options
    monkeypatch.setattr(map_review, "_check_options", lambda *args: calls.append(args) or checked(*args))
    write_review_map(small["result"], tmp_path / "once.html", color_by="density")
    assert calls == [("none", "density")]
    with pytest.raises(InputError, match="--color-by"):  # not "file not found": nothing is read first
        write_review_map(tmp_path / "missing.gpkg", tmp_path / "x.html", color_by="gdp")


def test_layers_without_crs_are_refused_not_taken_for_degrees():
    units = _units().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="units: the layer has no CRS"):
        review_map(units)
    with pytest.raises(InputError, match="old: the layer has no CRS"):
        review_map(_units(), old=_old().set_crs(None, allow_override=True))


def test_map_functions_say_what_they_do_with_an_example():
    import geoplan.link.fields as fields
    import geoplan.maps.data as map_data
    import geoplan.maps.old_layer as old_layer
    from geoplan.maps.measures import MEASURES

    documented = [map_data.build_map_data, old_layer.read_old_layer, fields.guess_field]
    assert all(">>>" in (function.__doc__ or "") for function in documented)
    colours = re.search(r"color_by : \{(.*?)\}", review_map.__doc__).group(1)
    assert colours == ", ".join(f'"{measure}"' for measure in MEASURES)


def test_old_fields_can_be_given(small, tmp_path):
    odd = _old().rename(columns={"old_code": "ma_so", "old_name": "ten_goi", "province_vn": "tinh_cu"})
    path = tmp_path / "odd.gpkg"
    odd.to_file(path, driver="GPKG")
    with pytest.raises(InputError, match="name field"):
        write_review_map(small["result"], tmp_path / "a.html", old=path)
    out = write_review_map(
        small["result"], tmp_path / "a.html", old=path,
        old_code_field="ma_so", old_name_field="ten_goi", old_parent_field="tinh_cu",
    )
    assert "Xã Không Mã" in out.read_text("utf-8")
    out = write_review_map(small["result"], tmp_path / "b.html", old=_old())  # a GeoDataFrame works too
    assert "Huyện Tịnh Biên" in out.read_text("utf-8")


def test_schematic_result_says_so(tmp_path):
    result = tmp_path / "schematic.gpkg"
    _units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_about(plan="plan.json", schematic="yes"), result, layer="about")
    text = write_review_map(result, tmp_path / "s.html").read_text("utf-8")
    assert "<title>Review map: plan.json (schematic)</title>" in text
    assert '"schematic":true' in text and "SCHEMATIC: boundaries are indicative" in text
    # schematic areas are not measurements: never coloured by their difference to the declared ones
    text = write_review_map(result, tmp_path / "d.html", color_by="area_diff").read_text("utf-8")
    assert '"area_diff"' not in text and '"colorBy":"population"' in text.replace(" ", "")


def test_title_and_footer_from_about():
    about = {"plan": "plans/plan_2025.json", "source": "old_communes_c2013.gpkg",
             "geoplan_version": "0.1.0", "schematic": "yes"}
    title, footer, schematic = title_and_footer(about, None, "result.gpkg")
    assert schematic and title == "Review map: plan_2025.json (schematic)"
    assert "Data: old_communes_c2013.gpkg" in footer and "Plan: plan_2025.json" in footer
    assert "geoplan 0.1.0" in footer and "SCHEMATIC" in footer
    title, footer, schematic = title_and_footer({**about, "schematic": "no"}, "My map", "r.gpkg")
    assert (title, schematic) == ("My map", False) and "schematic" not in footer.lower()
    assert title_and_footer(about, "My map", "r")[0] == "My map (schematic)"


def test_footer_names_files_not_local_folders():
    about = {"plan": "/home/planner/plans/plan_2025.json", "source": "/work/shared/data/vn/old_communes_c2013.gpkg",
             "geoplan_version": "0.1.0", "pop_field": "pop2019_vn_demographic"}
    _, footer, _ = title_and_footer(about, None, "result.gpkg")
    assert "Data: old_communes_c2013.gpkg \u00b7 Plan: plan_2025.json" in footer
    assert "/work" not in footer and "/home" not in footer
    about["source"] = r"C:\Users\planner\old.shp"
    assert "Data: old.shp \u00b7" in title_and_footer(about, None, "r.gpkg")[1]


def test_invalid_polygons_are_repaired_not_a_crash(tmp_path):
    bow_tie = shapely.Polygon([(105.1, 10.0), (105.2, 10.1), (105.2, 10.0), (105.1, 10.1)])
    units = _units()
    units.loc[2, "geometry"] = shapely.MultiPolygon([bow_tie])
    assert not units.geometry.is_valid.all()
    result = tmp_path / "bow.gpkg"
    units.to_file(result, layer="units", driver="GPKG")
    old = _old()
    old.loc[4, "geometry"] = bow_tie
    out = write_review_map(result, tmp_path / "bow.html", old=old)
    data = _embedded(out)
    assert len(data["units"]["code"]) == 5 and len(data["provinces"]["geom"]) == 2
    assert data["units"]["geom"][2] and data["old"]["geom"][4]  # both triangles drawn
    assert data["old"]["area"][4] > 0


def test_old_layer_of_points_is_one_clear_error(small, tmp_path, capsys):
    from geoplan.cli import main

    points = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[shapely.Point(105, 10), shapely.Point(105.1, 10)],
                     crs=4326).to_file(points)
    with pytest.raises(InputError, match="points.gpkg: geometries must be polygons, found Point"):
        write_review_map(small["result"], tmp_path / "p.html", old=points)
    code = main(["map", str(small["result"]), "--old", str(points), "-o", str(tmp_path / "p.html")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(points) in err and not (tmp_path / "p.html").exists()


def test_repairs_to_review_at_national_scale():
    n = 5000
    kind, rule = ["gap"] * n, ["longest border"] * n
    area, unit_area = np.full(n, 0.01), np.full(n, 50.0)
    rule[0] = "wide gap"
    kind[1] = "invalid"
    area[2] = 0.25  # >= 0.2 km2
    area[3], unit_area[3] = 0.05, 2.0  # 2.5 % of its unit
    review = repairs_to_review(kind, rule, area, unit_area)
    assert np.flatnonzero(review).tolist() == [0, 1, 2, 3]
    assert repairs_to_review(kind[:1000], rule[:1000], area[:1000], unit_area[:1000]).all()  # few: all of them


def test_units_without_polygon_are_the_plan_units_expected_in_the_layer():
    from geoplan.maps.data import units_without_polygon

    # Đặc khu Hoàng Sa: its old unit lies in a province the layer covers; Phường Ba Đình: outside it
    assert units_without_polygon(_placed_lineage(), _units()["code"]) == ["20333"]
    assert units_without_polygon(_lineage(), _units()["code"]) == []
    assert units_without_polygon(None, []) == []


def test_review_map_returns_folium_map_without_cdn():
    import folium

    m = review_map(_units(), lineage=_lineage(), repairs=_repairs(), title="t", footer="f")
    assert isinstance(m, folium.Map)
    text = m.get_root().render()
    assert "cdn.jsdelivr.net" not in text and "code.jquery.com" not in text


def test_topology_shares_boundaries_and_round_trips():
    # a clean coverage with long shared boundaries: blocks of a 40 x 40 grid
    # (steps of 1/32 degree are exact in binary, so neighbours share vertices)
    rng = np.random.default_rng(7)
    xs, ys = np.meshgrid(np.arange(40) / 32, np.arange(40) / 32)
    squares = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1 / 32, ys.ravel() + 1 / 32)
    seeds = rng.random((60, 2)) * 40 / 32
    centres = np.c_[xs.ravel(), ys.ravel()] + 1 / 64
    block = np.argmin(((centres[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    grid = block.reshape(40, 40)
    inner = next(
        (r, c) for r in range(1, 39) for c in range(1, 39)
        if len({grid[r, c], grid[r - 1, c], grid[r + 1, c], grid[r, c - 1], grid[r, c + 1],
                grid[r - 1, c - 1], grid[r + 1, c + 1], grid[r - 1, c + 1], grid[r + 1, c - 1]}) == 1
    )
    block[inner[0] * 40 + inner[1]] = block.max() + 1  # an enclave: a hole in its block
    cells = np.array([shapely.coverage_union_all(squares[block == k]) for k in np.unique(block)])
    assert sum(len(p.interiors) for p in shapely.get_parts(cells)) == 1  # the hole
    provinces = [shapely.coverage_union_all(cells[:30]), shapely.coverage_union_all(cells[30:])]
    alone = encode_topology([cells], precision=5)
    both = encode_topology([cells, provinces], precision=5)
    # outlines of a dissolve reuse the arcs of their units: no extra points
    assert both["n_points"] == alone["n_points"]
    # interior boundaries are stored once
    assert alone["n_points"] < 0.65 * shapely.get_num_coordinates(cells).sum()
    decoded = decode_topology(both)
    for group, src in zip(decoded, [cells, provinces]):
        rebuilt = [shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in g]) for g in group]
        expected = shapely.set_precision(np.asarray(src, dtype=object), 1e-5)
        diff = shapely.area(shapely.symmetric_difference(np.asarray(rebuilt), expected))
        assert diff.max() < 1e-12


# ---------------------------------------------------------------- browser
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)",
)


class Page:
    """A page loaded from file:// with the network blocked and everything recorded."""

    def __init__(self, browser, path: Path, viewport=(1280, 800)):
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.context.route("**/*", self._route)
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))
        self.page = page
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.geoplanReview && window.geoplanReview.ready", timeout=60_000)
        self.wall_s = time.perf_counter() - t0

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expr, arg=None):
        return self.page.evaluate(expr, arg)

    def assert_clean(self):
        assert self.console_errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert all(u.startswith(("file:", "data:")) for u in self.requests), self.requests

    def search(self, text: str) -> list[dict]:
        self.page.locator(".gp-search-input").fill(text)
        self.page.wait_for_function(
            "q => document.querySelector('.gp-results').getAttribute('data-query') === q", arg=text
        )
        return self.js(
            """() => Array.from(document.querySelectorAll('.gp-result')).map(b => ({
                name: b.querySelector('.gp-r-name').textContent,
                sub: b.querySelector('.gp-r-sub').textContent,
                kind: b.querySelector('.gp-r-kind').textContent,
                imgs: b.querySelectorAll('img').length}))"""
        )

    def hover_unit(self, kind: str, code: str) -> str:
        pt = self.js("([k, c]) => geoplanReview.pointOf(k, c)", [kind, code])
        assert pt is not None
        self.page.mouse.move(pt["x"] + 3, pt["y"] + 3)
        self.page.mouse.move(pt["x"], pt["y"])
        tip = self.page.locator(".leaflet-tooltip-pane .gp-tooltip").last
        tip.wait_for(state="visible", timeout=5000)
        return tip.inner_text()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def small_page(browser, small):
    p = Page(browser, small["html"])
    yield p
    p.close()


@needs_chromium
def test_browser_renders_offline_without_errors(small_page):
    p = small_page
    stats = p.js("geoplanReview.stats()")
    assert stats["units"] == 5
    assert stats["provinces"] == 2
    assert stats["flags"] == 3  # 99001 approximate, 30112 approximate, 99002 inferred
    assert stats["repairs"] == 2
    assert stats["old"] == 0  # old layer off by default
    painted = p.js(
        """() => { const c = document.querySelector('.leaflet-gp-units-pane canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return n / (c.width * c.height); }"""
    )
    assert painted > 0.05
    title = p.page.locator(".gp-title-text").inner_text()
    assert title == f"Review map: {XSS_PLAN}"
    assert "old_test.gpkg" in p.page.locator(".gp-footer").inner_text()
    assert p.js("document.title") == f"Review map: {XSS_PLAN}"
    assert p.page.locator(".leaflet-control-scale").count() == 1
    p.page.locator(".gp-fullscreen").click()
    p.page.wait_for_function("document.fullscreenElement !== null")
    p.page.locator(".gp-fullscreen").click()
    p.page.wait_for_function("document.fullscreenElement === null")
    assert p.page.locator(".leaflet-control-layers-overlays label").count() == 5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "review_map_small.png"))
    p.assert_clean()


@needs_chromium
def test_browser_search_ignores_diacritics_and_shows_province(small_page):
    p = small_page
    for query in ("thoi son", "THỚI SƠN", "Thoi Son"):
        hits = p.search(query)
        new = [(h["name"], h["sub"]) for h in hits if h["kind"].startswith("new")]
        assert new == [("Phường Thới Sơn", "An Giang"), ("Phường Thới Sơn", "Đồng Tháp")]
        old = [(h["name"], h["sub"]) for h in hits if h["kind"].startswith("old")]
        assert ("Xã Thới Sơn", "Huyện Tịnh Biên, An Giang") in old
        assert ("Xã Thới Sơn", "Thành phố Mỹ Tho, Tiền Giang") in old
    # old names, tone mark placement (Hoà / Hòa), đ
    names = {h["name"] for h in p.search("hoa binh")}
    assert {"Xã Hòa Bình", SSTI} <= names
    assert {h["name"] for h in p.search("nha bang")} == {"Thị trấn Nhà Bàng"}
    assert p.js("geoplanReview.fold('Đồng Tháp Hoà Hòa')") == "dong thap hoa hoa"
    # clicking a result zooms to it
    zoom0 = p.js("geoplanReview.stats().zoom")
    p.search("thoi son")
    p.page.locator(".gp-result", has_text="Đồng Tháp").first.click()
    p.page.wait_for_function("geoplanReview.selected && geoplanReview.selected.code === '28270'")
    p.page.wait_for_timeout(400)
    assert p.js("geoplanReview.stats().zoom") >= zoom0
    centre = p.js("(() => { const c = geoplanReview.map.getCenter(); return [c.lng, c.lat]; })()")
    assert 105.1 < centre[0] < 105.2 and 10.1 < centre[1] < 10.2  # on Thới Sơn, Đồng Tháp
    popup = p.page.locator(".leaflet-popup-content").inner_text()
    assert "Phường Thới Sơn" in popup and "Tiền Giang" in popup
    # an old unit without a polygon of its own is found through the lineage
    p.search("nhon hung")
    p.page.locator(".gp-result").first.click()
    p.page.wait_for_function("geoplanReview.selected && geoplanReview.selected.code === '30511'")
    p.assert_clean()


@needs_chromium
def test_browser_tooltip_shows_computed_and_declared_area(small_page):
    p = small_page
    text = p.hover_unit("new", "30502")
    assert "Phường Thới Sơn" in text and "An Giang" in text
    assert "48.88 km²" in text and "49.36 km²" in text  # computed, declared
    assert "-0.97 %" in text
    assert "24,705" in text and "33,045" in text
    p.page.mouse.click(*p.js("Object.values(geoplanReview.pointOf('new', '30502'))"))
    popup = p.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    lineage = popup.inner_text()
    assert "Thị trấn Nhà Bàng" in lineage and "Xã Nhơn Hưng" in lineage and "full" in lineage
    p.assert_clean()


@needs_chromium
def test_browser_xss_named_unit_shows_as_text(small_page):
    p = small_page
    text = p.hover_unit("new", "99001")
    assert XSS_UNIT in text
    hits = p.search("onerror")
    assert XSS_UNIT in [h["name"] for h in hits]
    assert all(h["imgs"] == 0 for h in hits)
    p.page.locator(".gp-result", has_text=XSS_UNIT).first.click()
    p.page.locator(".leaflet-popup-content").wait_for(state="visible")
    assert XSS_OLD in p.page.locator(".leaflet-popup-content").inner_text()
    # the SSTI-looking name is shown verbatim
    assert SSTI in [h["name"] for h in p.search("7*7")]
    p.page.wait_for_timeout(300)
    assert p.js("document.querySelectorAll('img').length") == 0
    assert p.js("document.querySelectorAll('script[src]').length") == 0
    assert p.dialogs == []
    p.assert_clean()


@needs_chromium
def test_browser_old_layer_and_before_after_swipe(small_page):
    p = small_page
    p.page.locator(".leaflet-control-layers-overlays label", has_text="Old units").locator("input").check()
    p.page.wait_for_function("geoplanReview.stats().old === 9")
    p.page.locator(".gp-compare").click()
    stats = p.js("geoplanReview.stats()")
    assert stats["compare"] and stats["old"] == 9 and stats["units"] == 5
    clips = p.js("['gp-old', 'gp-units'].map(n => geoplanReview.map.getPane(n).style.clip)")
    assert all(c.startswith("rect(") for c in clips)
    # left of the divider the old units answer, right of it the new ones
    p.js("geoplanReview.setSwipe(0.9)")
    assert "Thị trấn Nhà Bàng" in p.hover_unit("old", "30502")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "review_map_small_swipe.png"))
    p.js("geoplanReview.setSwipe(0.05)")
    assert "Phường Thới Sơn" in p.hover_unit("new", "30502")
    p.page.locator(".gp-compare").click()
    assert p.js("geoplanReview.stats().compare") is False
    assert p.js("geoplanReview.map.getPane('gp-old').style.clip") == ""
    # the legend switches the measure
    p.page.select_option(".gp-measure", "area_diff")
    assert "%" in p.page.locator(".gp-legend-items").inner_text()
    p.assert_clean()


@needs_chromium
def test_browser_old_units_linked_by_name_show_where_they_went(browser, placed):
    p = Page(browser, placed["html"])
    try:
        # one hit: the polygon, not also a lineage row "no polygon for this old unit"
        assert p.search("nha bang") == [
            {"name": "Thị trấn Nhà Bàng", "sub": "Huyện Tịnh Biên, An Giang", "kind": "old 30502", "imgs": 0}]
        p.page.locator(".gp-result").first.click()
        p.page.wait_for_function("geoplanReview.selected && geoplanReview.selected.code === '30502'")
        popup = p.page.locator(".leaflet-popup-content").inner_text()
        assert "Went to: Phường Thới Sơn (30502, full)" in popup and "No lineage row" not in popup
        assert "linked by name+district" in popup and "No polygon" not in popup
        p.page.wait_for_timeout(500)  # zoom animation
        p.js("geoplanReview.map.closePopup()")
        p.js("geoplanReview.setCompare(true)")
        p.js("geoplanReview.setSwipe(0.95)")
        tip = p.hover_unit("old", "30502")
        assert "Went to\tPhường Thới Sơn (30502, full)" in tip
        assert "Linked by\tname+district (plan code 30502)" in tip and "not linked" not in tip
        # a polygon that matched no plan member went where the longest border took it; its
        # inferred lineage row is not a second entry saying "No polygon for this old unit"
        assert [(h["name"], h["kind"]) for h in p.search("khong ma")] == [("Xã Không Mã", "old")]
        p.page.locator(".gp-result").first.click()
        p.page.locator(".leaflet-popup-content").wait_for(state="visible")
        popup = p.page.locator(".leaflet-popup-content").inner_text()
        assert f"Went to: {SSTI} (99002, inferred)" in popup and "longest shared border" in popup
        p.assert_clean()
    finally:
        p.close()
    # a features table that does not fit the old layer is not used: join by code, as before
    p = Page(browser, placed["by_code"])
    try:
        assert sorted(h["kind"] for h in p.search("nha bang")) == ["old", "old 30502"]
        p.js("geoplanReview.setCompare(true)")
        p.js("geoplanReview.setSwipe(0.95)")
        assert "Went to\tPhường Thới Sơn (30502, full)" in p.hover_unit("old", "30511")
        p.assert_clean()
    finally:
        p.close()


def _popup_after_click(p, k: int) -> str:
    p.page.locator(".gp-result").nth(k).click()
    popup = p.page.locator(".leaflet-popup-content").last  # the one before may still be fading out
    popup.wait_for(state="visible", timeout=5000)
    return popup.inner_text()


@needs_chromium
def test_browser_units_without_polygon_are_found_and_counted(browser, placed):
    p = Page(browser, placed["html"])
    try:
        # the plan's unit left without polygon is counted; the one of a province outside the layer is not
        assert "1 new unit of the plan has no polygon in this result" in _legend(p)
        assert "New units (5; 1 without polygon)" in p.page.locator(".leaflet-control-layers-overlays").inner_text()
        hits = p.search("hoang sa")
        assert [(h["name"], h["sub"], h["kind"]) for h in hits] == [
            ("Đặc khu Hoàng Sa", "no polygon in this result", "new 20333"),
            ("Huyện Hoàng Sa", "Đồng Tháp", "old 498")]
        # the old unit says where it went, though there is nothing to zoom to
        popup = _popup_after_click(p, 1)
        assert "went to Đặc khu Hoàng Sa (20333), which has no polygon in this result" in popup
        assert p.js("geoplanReview.selected.code") == "498"
        popup = _popup_after_click(p, 0)
        assert "This new unit of the plan has no polygon in this result" in popup
        assert "Huyện Hoàng Sa (498)" in popup and "no polygon in the old layer" in popup
        assert p.search("ba dinh") == []
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_old_polygons_apart_from_their_new_unit_are_marked(browser, placed):
    apart = "lies apart from the rest of its new unit"
    assert _embedded(placed["html"])["old"]["detached"] == [6]  # row numbers, not a column of flags
    p = Page(browser, placed["html"])
    try:
        assert "1 old polygon lies apart from the rest of its new unit" in _legend(p)
        p.js("geoplanReview.setCompare(true)")
        p.js("geoplanReview.setSwipe(0.95)")
        assert apart not in p.hover_unit("old", "30115")
        p.page.locator(".gp-title").hover()  # its tooltip goes before the next one shows
        p.page.wait_for_function("() => !document.querySelector('.leaflet-tooltip-pane .gp-tooltip')")
        assert f"{apart}: check its link" in p.hover_unit("old", "30127")
        p.js("geoplanReview.setCompare(false)")
        assert [(h["sub"], h["kind"]) for h in p.search("binh thanh")] == [
            (f"Huyện Cao Lãnh, Đồng Tháp \u00b7 {apart}", "old 30127")]
        assert f"{apart}: check its link." in _popup_after_click(p, 0)
        # the lineage of its new unit says which old unit it is
        assert [h["kind"] for h in p.search("my hiep")][0] == "new 30112"
        _popup_after_click(p, 0)
        notes = dict(p.js("""Array.from(document.querySelectorAll('.leaflet-popup-content .gp-lin tbody tr'))
            .map(tr => [tr.cells[0].textContent, tr.cells[3].textContent])"""))
        assert notes["Xã Bình Thạnh (30127)"].startswith("apart, ")
        assert "apart" not in notes["Xã Mỹ Long (30115)"] + notes["Xã Mỹ Hiệp (30112)"]
        p.assert_clean()
    finally:
        p.close()
    # a result written before the column: no note, and the map works as before
    p = Page(browser, placed["older"])
    try:
        assert "apart" not in _legend(p)
        assert [h["sub"] for h in p.search("binh thanh")] == ["Huyện Cao Lãnh, Đồng Tháp"]
        assert "Went to" in _popup_after_click(p, 0) and apart not in p.page.locator(".leaflet-popup-content").last.inner_text()
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_popup_pans_clear_of_title_bar(small_page):
    p = small_page
    # Thới Sơn (10.0 to 10.1 N) reaches the top edge of the map, under the centred title bar
    p.js("geoplanReview.map.setView([9.95, 105.05], 12, { animate: false })")
    title = p.js("document.querySelector('.gp-title').getBoundingClientRect().bottom")
    x, y = p.js("""(() => { const m = geoplanReview.map, c = m.latLngToContainerPoint([10.065, 105.05]);
        const r = m.getContainer().getBoundingClientRect(); return [c.x + r.left, c.y + r.top]; })()""")
    assert title < y < title + 60
    p.page.mouse.click(x, y)
    p.page.locator(".leaflet-popup-content").wait_for(state="visible")
    p.page.wait_for_timeout(500)  # the autopan animation
    assert "Thị trấn Nhà Bàng" in p.page.locator(".leaflet-popup-content").inner_text()
    top = p.js("document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect().top")
    assert top >= title
    p.assert_clean()


def _lab(rgb) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour given as 0-255 values."""
    c = np.asarray(rgb, dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    t = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@needs_chromium
def test_browser_repair_marks_differ_from_every_class_colour(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        classes = p.js("Object.values(geoplanReview.data.measures).flatMap(m => m.colors.concat([m.missing]))")
        assert len(classes) > 25  # population, density and area difference (members: one class)
        marks = p.js("""Array.from(document.querySelectorAll('.gp-legend-row'))
            .filter(r => r.querySelector('.gp-dot') && /repair/.test(r.textContent))
            .map(r => [r.textContent, getComputedStyle(r.querySelector('.gp-dot')).backgroundColor])""")
        assert [m[0].split(":")[0] for m in marks] == ["repair to review", "smaller repair"]
        for text, css in marks:
            mark = _lab([int(v) for v in re.findall(r"\d+", css)[:3]])
            nearest = min(np.linalg.norm(mark - _lab([int(c[k:k + 2], 16) for k in (1, 3, 5)])) for c in classes)
            assert nearest > 20, (text, css, nearest)  # CIE76 difference: clearly another colour
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_schematic_map_labels_every_area_and_layer(browser, tmp_path):
    result = tmp_path / "schematic.gpkg"
    _units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_lineage(), result, layer="lineage")
    pyogrio.write_dataframe(_about(schematic="yes"), result, layer="about")
    p = Page(browser, write_review_map(result, tmp_path / "s.html", old=_old()))
    try:
        layers = p.page.locator(".leaflet-control-layers-overlays").inner_text()
        assert "New units, schematic (5)" in layers and "Old units, schematic (9)" in layers
        assert "Province outlines, schematic (2)" in layers
        p.js("geoplanReview.setCompare(true)")
        p.js("geoplanReview.setSwipe(0.95)")
        assert "Area (schematic, not measured)\t" in p.hover_unit("old", "30517")
        p.js("geoplanReview.setSwipe(0.05)")
        assert "Area (schematic, not measured)\t" in p.hover_unit("new", "30502")
        p.page.mouse.click(*p.js("Object.values(geoplanReview.pointOf('new', '30502'))"))
        popup = p.page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert "Area km² (schematic, not measured)" in popup.inner_text()
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_search_folds_eth_like_d_with_stroke(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        assert p.js("geoplanReview.fold('\u00d0\u1ed3ng Th\u00e1p \u00f0')") == "dong thap d"  # Ð (U+00D0), ð
        hits = p.search("\u00d0\u1ed3ng Xo\u00e0i")  # typed with Ð, the look-alike of Đ
        assert [h["name"] for h in hits] == ["Phường Đồng Xoài"] and hits == p.search("dong xoai")
        p.assert_clean()
    finally:
        p.close()


def _legend(p) -> str:
    return p.page.locator(".gp-legend-items").inner_text()


def _layer_box(p, label: str):
    return p.page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input")


@needs_chromium
def test_browser_repairs_at_national_scale(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        stats = p.js("geoplanReview.stats()")
        assert stats["zoom"] <= 9 and stats["repairs"] == 11 and stats["smallRepairs"] == 0
        labels = p.page.locator(".leaflet-control-layers-overlays").inner_text()
        assert "Repairs to review (11 of 1,500)" in labels and "Smaller repairs (1,489; from zoom 11)" in labels
        legend = _legend(p)
        assert "repair to review: wide gaps, invalid rings, pieces \u2265 0.2 km\u00b2 or \u2265 1 % of their unit" in legend
        assert "smaller repair: zoom in to see (from zoom 11)" in legend
        # zoomed in, the small repairs in view are drawn, quickly
        x, y = national_scale["repairs"].geometry.iloc[100].centroid.coords[0]
        ms = p.js(
            """async ([lat, lng]) => { const t0 = performance.now();
                geoplanReview.map.setView([lat, lng], 12, { animate: false });
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                return performance.now() - t0; }""",
            [y, x],
        )
        assert ms < 1000
        stats = p.js("geoplanReview.stats()")
        assert 1 <= stats["smallRepairs"] < 200 and stats["repairs"] == 11
        assert "zoom in" not in _legend(p)
        p.page.locator(".gp-legend").wait_for(state="visible")
        # a layer switched off leaves the legend
        _layer_box(p, "Repairs to review").uncheck()
        assert "repair to review" not in _legend(p) and p.js("geoplanReview.stats().repairs") == 0
        _layer_box(p, "Smaller repairs").uncheck()
        assert "smaller repair" not in _legend(p) and p.js("geoplanReview.stats().smallRepairs") == 0
        _layer_box(p, "Approximate").uncheck()
        assert "approximate link" not in _legend(p)
        _layer_box(p, "Smaller repairs").check()
        assert p.js("geoplanReview.stats().smallRepairs") == stats["smallRepairs"]
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_flags_leave_the_colours_visible(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        assert p.js("geoplanReview.stats().flags") == 0  # units of a few pixels: no marker on them
        assert "553 flagged units too small to mark at this zoom: zoom in" in _legend(p)
        unit = national_scale["units"].set_index("code").loc["01274"]  # 1 approximate link
        x, y = unit.geometry.centroid.coords[0]
        p.js("([lat, lng]) => { geoplanReview.map.setView([lat, lng], 10, { animate: false }); }", [y, x])
        p.page.wait_for_timeout(200)
        assert p.js("geoplanReview.stats().flags") > 0
        # the marker sits on the unit's point; hovering it shows the unit's tooltip
        tip = p.hover_unit("new", "01274")
        assert "Xã Ô 1274" in tip and "Area computed" in tip and "Population" in tip
        assert "1 approximate" in tip
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
@pytest.mark.parametrize("viewport", [(1280, 800), (860, 640), (420, 800)])
def test_browser_text_does_not_overlap(browser, national_scale, viewport):
    p = Page(browser, national_scale["html"], viewport=viewport)
    try:
        boxes = p.js(
            """sels => sels.map(s => { const e = document.querySelector(s); if (!e) return null;
                const r = e.getBoundingClientRect();
                return r.width && r.height ? [s, r.left, r.top, r.right, r.bottom] : null; }).filter(Boolean)""",
            [".gp-title", ".gp-footer", ".gp-legend", ".leaflet-control-layers", ".gp-search",
             ".leaflet-control-zoom", ".gp-toolbar", ".leaflet-control-scale", ".leaflet-control-attribution"],
        )
        assert {".gp-title", ".gp-footer", ".gp-legend"} <= {b[0] for b in boxes}
        w, h = viewport
        for name, left, top, right, bottom in boxes:
            assert left >= 0 and top >= 0 and right <= w and bottom <= h, (name, left, top, right, bottom)
        for k, a in enumerate(boxes):
            for b in boxes[k + 1:]:
                apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
                assert apart, f"{a[0]} overlaps {b[0]} at {w}x{h}: {a[1:]} {b[1:]}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / f"review_map_layout_{w}x{h}.png"))
        p.assert_clean()
    finally:
        p.close()


# --------------------------------------------------------------- national
def national_units() -> gpd.GeoDataFrame:
    """The 3,321 new communes as a ``units`` layer per docs/CONTRACTS.md."""
    from pyproj import Geod

    communes = gpd.read_file(DATA / "new_communes_2025.gpkg")
    provinces = gpd.read_file(DATA / "new_provinces_2025.gpkg", ignore_geometry=True)
    names = dict(zip(provinces["code"], provinces["name"]))
    geod = Geod(ellps="WGS84")
    area = [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in communes.geometry]
    return gpd.GeoDataFrame(
        {
            "code": communes["code"],
            "name": communes["fullName"],
            "parent": communes["province_code"].map(names),
            "parent_code": communes["province_code"],
            "level": "commune",
            "area_km2": area,
            "area_declared_km2": communes["areaKm2"],
            "population": pd.array([None] * len(communes), dtype="Int64"),
        },
        geometry=communes.geometry.values,
        crs=communes.crs,
    )


@pytest.fixture(scope="module")
def national_html(tmp_path_factory) -> Path:
    if not (DATA / "new_communes_2025.gpkg").exists():
        pytest.skip(f"real Vietnam data not found at {DATA} (see ../shared/data/vn/README.md)")
    d = tmp_path_factory.mktemp("national")
    result = d / "national.gpkg"
    national_units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(
        _about(plan="plan_2025_new_to_old.json", source="new_communes_2025.gpkg"), result, layer="about"
    )
    t0 = time.perf_counter()
    html = write_review_map(result, d / "national.html", old=DATA / "old_communes_c2013.gpkg")
    print(f"\nnational review map built in {time.perf_counter() - t0:.1f} s")
    return html


def test_national_map_size(national_html):
    size = national_html.stat().st_size
    print(f"\nnational review map: {size / 1e6:.2f} MB (3,321 new communes, 34 provinces, 11,163 old communes)")
    assert size < 15_000_000


@needs_chromium
def test_national_map_renders_and_searches(browser, national_html):
    # Time to first render is measured by benchmarks/map_size.py, not asserted here.
    p = Page(browser, national_html)
    try:
        print(f"\nnational review map: first render {p.js('geoplanReview.readyMs'):.0f} ms after navigation")
        stats = p.js("geoplanReview.stats()")
        assert stats["units"] == 3321 and stats["provinces"] == 34
        hits = p.search("thới sơn")
        new = sorted((h["sub"], h["kind"]) for h in hits if h["kind"].startswith("new") and h["name"] == "Phường Thới Sơn")
        assert new == [("An Giang", "new 30502"), ("Đồng Tháp", "new 28270")]
        p.page.locator(".gp-result", has_text="An Giang").first.click()
        p.page.wait_for_function("geoplanReview.selected && geoplanReview.selected.code === '30502'")
        p.page.wait_for_timeout(500)  # zoom animation
        assert p.js("geoplanReview.stats().zoom") >= stats["zoom"] + 4
        p.js("() => { geoplanReview.map.closePopup(); }")
        text = p.hover_unit("new", "30502")
        assert "Phường Thới Sơn" in text and "Area computed" in text and "49.36 km²" in text
        p.page.wait_for_timeout(300)  # popup fade-out
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / "review_map_national.png"))
        p.page.locator(".leaflet-control-layers-overlays label", has_text="Old units").locator("input").check()
        p.page.wait_for_function("geoplanReview.stats().old > 11000", timeout=20_000)
        p.page.wait_for_timeout(300)
        p.page.screenshot(path=str(ARTIFACTS / "review_map_national_old_overlay.png"))
        p.page.locator(".gp-compare").click()
        p.page.wait_for_timeout(300)
        p.page.screenshot(path=str(ARTIFACTS / "review_map_national_swipe.png"))
        p.assert_clean()
    finally:
        p.close()


def test_review_map_from_a_merge_result(toy_layer, toy_plan_frame):
    import geoplan

    result = geoplan.merge(toy_layer, geoplan.Plan.from_frame(toy_plan_frame), code_field="code",
                           name_field="name", parent_field="province", pop_field="pop")
    m = geoplan.review_map(result, old=toy_layer)
    html = render_html(m)
    assert "Phường X" in html and "Xã An Hòa" in html  # a new unit and an old one
    # it says what produced it, like the map of the CLI
    assert "<title>Review map: plan</title>" in html
    footer = re.search(r'"footer":"([^"]*)"', html).group(1)
    assert footer.startswith("Data: old layer of 4 features \u00b7 Plan: plan \u00b7 ")
    assert f"geoplan {geoplan.__version__}" in footer and "population field pop" in footer
    html = render_html(geoplan.review_map(result, old=toy_layer, source="/data/old.gpkg", schematic=True))
    assert "<title>Review map: plan (schematic)</title>" in html
    assert "Data: old.gpkg" in html and "SCHEMATIC: boundaries are indicative" in html
    # each old polygon knows the new unit it went into (MergeResult.features)
    assert '"member":[null,null,null,null]' in html and '"unit":[0,0,1,1]' in html
