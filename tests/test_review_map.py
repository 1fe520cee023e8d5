"""Review maps without a browser: one offline HTML file, escaping, atomic writes, user mistakes,
options, the data embedded (declared figures flagged by check, split pieces, plan audit,
reference), the page's texts in both languages, the topology.

Browser tests: test_review_map_browser.py; the national map: test_review_map_national.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import box

from geoplan.errors import InputError
from geoplan.maps.options import MapOptions, OldFields
from geoplan.maps.page import render_html
from geoplan.maps.repairs import repairs_to_review
from geoplan.maps.review import review_map, write_review_map
from geoplan.maps.topology import decode_topology, encode_topology
from geoplan.maps.wording import title_and_footer
from test_review_map_common import (EN, NO_LAYER, SSTI, XSS_OLD, XSS_PLAN, XSS_UNIT, _about, _embedded, _lineage, _old,
                                    _placed_lineage, _repairs, _units, overlays, small)  # noqa: F401 (fixtures)

pytestmark = NO_LAYER


def _drawn(section: dict) -> list[bool]:
    """Whether each geometry of an embedded section has arcs (see compact_map_data)."""
    geoms = section["geom"]
    if isinstance(geoms, dict):
        return [True] * geoms["seq"]
    return [isinstance(g, int) or bool(g) for g in geoms]


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
    out = write_review_map(small["result"], tmp_path / "osm.html", options=MapOptions(basemap="osm", lang="en"))
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
        write_review_map(small["result"], tmp_path / "x.html", old=small["old"], old_fields=OldFields(code="ma_xa"))
    with pytest.raises(InputError, match="basemap: unknown value 'google'"):
        MapOptions(basemap="google")
    with pytest.raises(InputError, match="color_by: unknown value 'gdp'; use one of population, density"):
        review_map(_units(), color_by="gdp")
    assert not (tmp_path / "x.html").exists()


def test_options_are_checked_before_any_reading_and_named_as_given(tmp_path, capsys):
    from geoplan.cli import main

    code = main(["map", str(tmp_path / "missing.gpkg"), "--color-by", "gdp", "-o", str(tmp_path / "x.html")])
    err = capsys.readouterr().err.strip()  # not "file not found": nothing is read first
    assert code == 2 and err == ("geoplan map: error: --color-by (color_by): unknown value 'gdp'; use one of population, "
                                 "density, area_diff, members")
    assert main(["--lang", "vi", "map", str(tmp_path / "missing.gpkg"), "--basemap", "google"]) == 2
    assert "--basemap: giá trị không hợp lệ 'google'" in capsys.readouterr().err


def test_layers_without_crs_are_refused_not_taken_for_degrees():
    units = _units().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="units: the layer has no CRS"):
        review_map(units)
    with pytest.raises(InputError, match="old layer: the layer has no CRS"):
        review_map(_units(), old=_old().set_crs(None, allow_override=True))


def test_map_functions_say_what_they_do_with_an_example():
    import geoplan.link.fields as fields
    import geoplan.maps.data as map_data
    import geoplan.maps.old_layer as old_layer
    from geoplan.maps.options import MEASURES

    documented = [map_data.build_map_data, old_layer.read_old_layer, fields.guess_field]
    assert all(">>>" in (function.__doc__ or "") for function in documented)
    colours = re.search(r"``color_by`` one of \{(.*?)\}", review_map.__doc__).group(1)
    assert colours == ", ".join(f'"{measure}"' for measure in MEASURES)


def test_old_fields_can_be_given(small, tmp_path):
    odd = _old().rename(columns={"old_code": "ma_so", "old_name": "ten_goi", "province_vn": "tinh_cu"})
    path = tmp_path / "odd.gpkg"
    odd.to_file(path, driver="GPKG")
    with pytest.raises(InputError, match="name field"):
        write_review_map(small["result"], tmp_path / "a.html", old=path)
    out = write_review_map(small["result"], tmp_path / "a.html", old=path,
                           old_fields=OldFields(code="ma_so", name="ten_goi", parent="tinh_cu"))
    assert "Xã Không Mã" in out.read_text("utf-8")
    out = write_review_map(small["result"], tmp_path / "b.html", old=_old())  # a GeoDataFrame works too
    assert "Huyện Tịnh Biên" in out.read_text("utf-8")


def test_schematic_result_says_so(tmp_path):
    result = tmp_path / "schematic.gpkg"
    _units().to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_about(plan="plan.json", schematic="yes"), result, layer="about")
    text = write_review_map(result, tmp_path / "s.html", options=EN).read_text("utf-8")
    assert "<title>Review map: plan.json (schematic)</title>" in text
    assert '"schematic":true' in text and "SCHEMATIC: boundaries are indicative" in text
    # schematic areas are not measurements: never coloured by their difference to the declared ones
    text = write_review_map(result, tmp_path / "d.html", options=MapOptions(color_by="area_diff", lang="en")).read_text("utf-8")
    assert '"area_diff"' not in text and '"colorBy":"population"' in text.replace(" ", "")


def test_title_and_footer_from_about():
    about = {"plan": "plans/plan_2025.json", "source": "old_communes_c2013.gpkg",
             "geoplan_version": "0.1.0", "schematic": "yes"}
    title, footer, schematic = title_and_footer(about, None, "result.gpkg", "en")
    assert schematic and title == "Review map: plan_2025.json (schematic)"
    assert "Data: old_communes_c2013.gpkg" in footer and "Plan: plan_2025.json" in footer
    assert "geoplan 0.1.0" in footer and "SCHEMATIC" in footer
    title, footer, schematic = title_and_footer({**about, "schematic": "no"}, "My map", "r.gpkg", "en")
    assert (title, schematic) == ("My map", False) and "schematic" not in footer.lower()
    assert title_and_footer(about, "My map", "r", "en")[0] == "My map (schematic)"
    title, footer, _ = title_and_footer({**about, "created": "2026-11-25T04:29:33+00:00"}, None, "r.gpkg", "vi")
    assert title == "Bản đồ rà soát: plan_2025.json (sơ đồ)" and "lập ngày 25 tháng 11, 2026" in footer
    assert footer.startswith("Dữ liệu: old_communes_c2013.gpkg · Phương án: plan_2025.json") and "SƠ ĐỒ" in footer


def test_footer_names_files_not_local_folders():
    about = {"plan": "/home/planner/plans/plan_2025.json", "source": "/work/shared/data/vn/old_communes_c2013.gpkg",
             "geoplan_version": "0.1.0", "pop_field": "pop2019_vn_demographic"}
    _, footer, _ = title_and_footer(about, None, "result.gpkg", "en")
    assert "Data: old_communes_c2013.gpkg \u00b7 Plan: plan_2025.json" in footer
    assert "/work" not in footer and "/home" not in footer
    about["source"] = r"C:\Users\planner\old.shp"
    assert "Data: old.shp \u00b7" in title_and_footer(about, None, "r.gpkg", "en")[1]


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
    assert _drawn(data["units"])[2] and _drawn(data["old"])[4]  # both triangles drawn
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
    from geoplan.maps.placement import units_without_polygon

    # Đặc khu Hoàng Sa: its old unit lies in a province the layer covers; Phường Ba Đình: outside it
    assert units_without_polygon(_placed_lineage(), _units()["code"]) == ["20333"]
    assert units_without_polygon(_lineage(), _units()["code"]) == []
    assert units_without_polygon(None, []) == []


def test_review_map_returns_a_page_that_saves_and_shows_itself(tmp_path):
    from geoplan.maps.page import ReviewMap

    m = review_map(_units(), lineage=_lineage(), repairs=_repairs(), title="t", footer="f", lang="en")
    assert isinstance(m, ReviewMap)
    m.save(tmp_path / "m.html")
    assert (tmp_path / "m.html").read_text("utf-8") == m.render() == render_html(m)
    assert m._repr_html_().startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
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



# ------------------------------------------------------------- what the map knows
def test_declared_figures_flagged_by_check_are_embedded(small):
    from geoplan.maps.declared import declared_flags

    units = _embedded(small["html"])["units"]
    # Thới Sơn of Đồng Tháp got An Giang's 49.36 km2 / 33,045: check calls it a suspected copy, An Giang's the source
    assert units["declFlag"] == ["source", None, None, "copy", None]
    assert units["declWith"][3] == [0] and units["declWith"][0] == [3]
    hectares = pd.DataFrame({"code": ["1", "2"], "name": ["Xã A", "Xã B"], "area_km2": [1.2, 50.0],
                             "area_declared_km2": [120.0, 200.0]})
    assert declared_flags(hectares)["flag"] == ["hectares", "far"]
    measures = _embedded(small["html"])["measures"]["area_diff"]
    assert measures["suspect"]["n"] == 1 and measures["suspect"]["flags"] == ["copy", "shared", "hectares"]


def test_overlays_of_a_result_made_with_a_reference_are_embedded(overlays):
    text = overlays["html"].read_text("utf-8")
    data = _embedded(overlays["html"])
    pieces, audit, units = data["pieces"], data["audit"], data["units"]
    assert pieces["oldCode"] == ["30127", "30127"] and pieces["share"] == [60.0, 40.0]  # only the split ones
    assert pieces["unit"] == [2, 3] and pieces["basis"] == ["split:reference"] * 2
    assert audit["unit"] == [2] and audit["foundCode"] == ["28270"] and audit["held"] == [20.0]
    assert audit["more"] == [[["checked_by", "<b>audit</b>"]]] and "<b>audit</b>" not in text
    assert units["popEstimate"][:3] == [33000, 1300, 54000] and units["popUpper"][2] == 47000


def _js_strings(text: str) -> list[str]:
    """The string literals of a script, its comments left out."""
    out, k, n = [], 0, len(text)
    while k < n:
        c = text[k]
        if text.startswith("//", k) and (k == 0 or text[k - 1] in " \t\n;"):
            k = text.find("\n", k) % (n + 1)
        elif text.startswith("/*", k):
            k = text.find("*/", k) + 2
        elif c in "'\"":
            end = k + 1
            while text[end] != c:
                end += 2 if text[end] == "\\" else 1
            out.append(text[k + 1:end])
            k = end + 1
        else:
            k += 1
    return out


def test_every_text_of_the_page_is_in_both_languages():
    """The scripts show catalogue texts only: every key they use exists in English and Vietnamese,
    and no English sentence is left in them."""
    from geoplan.maps.page import ASSETS, SCRIPTS
    from geoplan.maps.wording import page_texts

    english, vietnamese = page_texts("en"), page_texts("vi")
    assert set(english) == set(vietnamese) and len(english) > 150
    scripts = {name: (ASSETS / name).read_text("utf-8") for name in SCRIPTS}
    used, prefixes = set(), set()
    for text in scripts.values():
        used |= set(re.findall(r"\b(?:t|T\.t)\('([a-z_0-9]+)'[,)]", text))
        used |= {k + suffix for k in re.findall(r"\bT\.n\('([a-z_0-9]+)'[,)]", text) for suffix in ("_one", "_other")}
        prefixes |= set(re.findall(r"\b(?:t|T\.t|T\.n)\('([a-z_0-9]+_)' \+", text))
    assert used and not used - set(english), sorted(used - set(english))
    assert all(any(key.startswith(p) for key in english) for p in prefixes), prefixes
    events = r"^((move|zoom|viewreset|resize|add|remove|overlayadd|overlayremove|moveend|zoomend|zoomstart) ?)+$"
    for name, text in scripts.items():
        for literal in [x for x in _js_strings(text) if re.search(r"[a-z] [a-z]", x)]:
            css = all(word.startswith(("gp-", "leaflet-", ".gp-", ".leaflet-")) for word in literal.split())
            assert re.match(events, literal) or css or "px" in literal or literal == "use strict", (name, literal)


def test_a_map_in_vietnamese(overlays, tmp_path, capsys):
    from geoplan.cli import main

    text = overlays["vi"].read_text("utf-8")
    data = _embedded(overlays["vi"])
    assert '<html lang="vi">' in text and data["lang"] == "vi" and data["texts"]["legend"] == "Chú giải"
    assert data["title"] == f"Bản đồ rà soát: {XSS_PLAN}" and data["footer"].startswith("Dữ liệu: old_test.gpkg")
    assert "lập ngày 1 tháng 7, 2025" in data["footer"]
    population = data["measures"]["population"]
    assert population["label"] == "Dân số" and " đến " in population["labels"][1]
    assert data["measures"]["area_diff"]["labels"][0] == "< -5 %"
    out = tmp_path / "vi.html"
    assert main(["--lang", "vi", "map", str(overlays["result"]), "-o", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out.startswith(f"Đã ghi {out} (")
    assert '<html lang="vi">' in out.read_text("utf-8")
