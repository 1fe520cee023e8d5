"""Review maps in headless Chromium (from file://, the network blocked): rendering, search,
tooltips, popups, the before/after swipe, repairs and flags grouped at low zoom, labels,
the legend folding away, the print view. Hand-made results (test_review_map_common.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyogrio
import pytest

from geoplan.maps.review import write_review_map
from test_review_map_common import (ARTIFACTS, EN, NO_LAYER, SSTI, XSS_OLD, XSS_PLAN, XSS_UNIT, Page, _about,  # noqa: F401
                                    _embedded, _lineage, _old, _units, browser, national_scale, needs_chromium,
                                    overlays, placed, small, small_page)

pytestmark = NO_LAYER


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
    p.until("document.fullscreenElement !== null")
    p.page.locator(".gp-fullscreen").click()
    p.until("document.fullscreenElement === null")
    layers = p.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in layers] == ["New units (5)", "Province outlines (2)", "Names", "Old units (9)",
                                           "Approximate units (2)", "Units with inferred links (1)", "Repairs (2)"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(ARTIFACTS / "review_map_small.png"))
    p.assert_clean()


@needs_chromium
def test_browser_waits_past_the_first_poll_under_the_maps_policy(small_page):
    """The map forbids eval (its CSP): a wait that is not over at its first poll still ends."""
    p = small_page
    p.js("() => { window.lateFlag = false; setTimeout(() => { window.lateFlag = true; }, 300); }")
    p.until("window.lateFlag === true", timeout=10_000)
    assert p.js("window.lateFlag") is True
    assert p.console_errors == []


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
    p.until("geoplanReview.selected && geoplanReview.selected.code === '28270'")
    p.page.wait_for_timeout(400)
    assert p.js("geoplanReview.stats().zoom") >= zoom0
    centre = p.js("(() => { const c = geoplanReview.map.getCenter(); return [c.lng, c.lat]; })()")
    assert 105.1 < centre[0] < 105.2 and 10.1 < centre[1] < 10.2  # on Thới Sơn, Đồng Tháp
    popup = p.page.locator(".leaflet-popup-content").inner_text()
    assert "Phường Thới Sơn" in popup and "Tiền Giang" in popup
    # an old unit without a polygon of its own is found through the lineage
    p.search("nhon hung")
    p.page.locator(".gp-result").first.click()
    p.until("geoplanReview.selected && geoplanReview.selected.code === '30511'")
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
    p.until("geoplanReview.stats().old === 9")
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
        p.until("geoplanReview.selected && geoplanReview.selected.code === '30502'")
        popup = p.page.locator(".leaflet-popup-content").inner_text()
        assert "Went to: Phường Thới Sơn (30502, full)" in popup and "No lineage row" not in popup
        assert "linked by name+district" in popup and "No polygon" not in popup
        p.page.wait_for_timeout(500)  # zoom animation
        p.js("() => { geoplanReview.map.closePopup(); }")
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
    """The popup a search result opens (once the map has zoomed to it), not the one before."""
    p.js("() => document.querySelectorAll('.leaflet-popup-content').forEach(e => e.setAttribute('data-seen', '1'))")
    p.page.locator(".gp-result").nth(k).click()
    popup = p.page.locator(".leaflet-popup-content:not([data-seen])").last
    popup.wait_for(state="visible", timeout=5000)
    p.js("() => document.querySelectorAll('.leaflet-popup-content[data-seen]').forEach(e => e.remove())")
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
        p.until("!document.querySelector('.leaflet-tooltip-pane .gp-tooltip')")
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
        assert [m[0].split(":")[0] for m in marks] == ["repairs to review (11)", "smaller repairs (1,489)"]
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
    p = Page(browser, write_review_map(result, tmp_path / "s.html", old=_old(), options=EN))
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
        assert ("repairs to review (11): wide gaps, invalid rings, pieces \u2265 0.2 km\u00b2 or \u2265 1 % of their "
                "unit") in legend
        assert "smaller repairs (1,489): zoom in to see (from zoom 11)" in legend
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
        assert "repairs to review" not in _legend(p) and p.js("geoplanReview.stats().repairs") == 0
        _layer_box(p, "Smaller repairs").uncheck()
        assert "smaller repair" not in _legend(p) and p.js("geoplanReview.stats().smallRepairs") == 0
        _layer_box(p, "Approximate").uncheck()
        assert "approximate unit" not in _legend(p)
        _layer_box(p, "Smaller repairs").check()
        assert p.js("geoplanReview.stats().smallRepairs") == stats["smallRepairs"]
        p.assert_clean()
    finally:
        p.close()


def _badges(p) -> list[list[int]]:
    """The counts per kind (approximate, inferred, repair, audit) of each grouped mark drawn."""
    return p.js("""Array.from(document.querySelectorAll('.gp-cluster'))
        .map(b => b.getAttribute('data-counts').split(',').map(Number))""")


@needs_chromium
def test_browser_flags_and_repairs_are_grouped_then_drawn_where_legible(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        # a national view (zoom < 8): no mark on the colours; the legend counts them and says where they show
        p.js("() => { geoplanReview.map.setZoom(7, { animate: false }); }")
        stats = p.js("geoplanReview.stats()")
        assert stats["zoom"] < 8 and stats["marks"] == 0 and stats["groups"] == 0 and stats["flags"] == 358 + 228
        legend = _legend(p)
        assert "approximate units (358): a divided old unit went whole" in legend
        assert "units with inferred links (228)" in legend
        assert "zoom in to see them (grouped into counts from zoom 8, one by one from zoom 11)" in legend
        # zoom 9: grouped into counts, every mark in view counted once
        p.js("() => { geoplanReview.map.setView([11.25, 105.25], 9, { animate: false }); }")
        p.until("geoplanReview.stats().zoom === 9 && geoplanReview.stats().groups > 0")
        stats, badges = p.js("geoplanReview.stats()"), _badges(p)
        assert stats["groups"] == len(badges) > 0 and all(sum(b) > 1 for b in badges)
        in_view = p.js("""(() => { const m = geoplanReview.map, b = m.getBounds().pad(0.2), U = geoplanReview.data.units;
            const n = [0, 0]; U.pt.forEach((pt, i) => { if (pt && b.contains(pt)) { n[0] += U.approx[i] ? 1 : 0;
            n[1] += U.nInferred[i] > 0 ? 1 : 0; } }); return n; })()""")
        for k, kind in enumerate(("approx", "inferred")):  # every mark in view counted once, grouped or alone
            assert sum(b[k] for b in badges) + stats["alone"].get(kind, 0) == stats["seen"][kind] == in_view[k]
        assert "grouped into counts below zoom 11" in _legend(p)
        # a count zooms in when clicked (the counts are drawn again after each move: a click may land
        # while the one it aimed at is replaced, so it is tried again, at most three times)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(3):
            p.page.locator(".gp-cluster").first.click()
            try:
                p.until("geoplanReview.stats().zoom > 9", timeout=10_000)
                break
            except PlaywrightTimeout:
                assert attempt < 2, "clicking a count never zoomed in"
        p.page.wait_for_timeout(500)  # the zoom animation
        # from zoom 11 one by one, each just above its unit's name; hovering it shows the unit's tooltip
        unit = national_scale["units"].set_index("code").loc["01274"]  # 1 approximate link
        x, y = unit.geometry.centroid.coords[0]
        p.js("([lat, lng]) => { geoplanReview.map.setView([lat, lng], 11, { animate: false }); }", [y, x])
        p.until("geoplanReview.stats().zoom === 11 && geoplanReview.stats().marks > 0")
        assert p.js("geoplanReview.stats().groups") == 0
        tip = p.hover_unit("new", "01274")
        assert "Xã Ô 1274" in tip and "Area computed" in tip and "Population" in tip and "1 approximate" in tip
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
@pytest.mark.parametrize("viewport", [(1280, 800), (860, 640), (420, 800), (390, 844)])
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



@needs_chromium
def test_browser_province_found_by_any_spelling(small_page):
    p = small_page
    for query in ("an giang", "An Giang", "tinh an giang", "Tỉnh An Giang", "TINH AN GIANG", "angiang", "T. An Giang"):
        first = p.search(query)[0]
        assert (first["name"], first["kind"]) == ("An Giang", "province 91"), query
    assert p.search("dong thap")[0]["kind"] == "province 82"
    p.search("tinh an giang")
    p.page.locator(".gp-result").first.click()
    p.until("geoplanReview.selected && geoplanReview.selected.kind === 'province'")
    popup = p.page.locator(".leaflet-popup-content").last
    popup.wait_for(state="visible")
    assert "An Giang" in popup.inner_text() and "New units\t2" in popup.inner_text()
    p.assert_clean()


@needs_chromium
def test_browser_search_keys_are_python_s(small_page):
    """The page's search key is geoplan.link.names.search_key (with folded_key's y -> i)."""
    from geoplan.link.names import _FINAL_Y, search_key

    names = ["Phường Thới Sơn", "P. Thới Sơn", "phuong thoi-son", "Tịnh Biên", "tinh bien", "TP Huế", "TP. Hồ Chí Minh",
             "Xã Ô Long Vỹ", "Thị trấn Nhà Bàng", "Xã Hoà Bình", "Đặc khu Phú Quốc", "Phường 01", "Xã Đắk R\\'Măng",
             "Tỉnh Bà Rịa - Vũng Tàu", "thanh pho ho chi minh", "Ðồng Tháp"]
    page = p = small_page
    for name in names:
        kind, words = search_key(name)
        assert page.js("n => geoplanReview.searchKey(n)", name) == [kind, _FINAL_Y.sub(r"\1i", words)], name
    p.assert_clean()


def _boxes(p, selector: str) -> list[list[float]]:
    return p.js("""s => Array.from(document.querySelectorAll(s)).filter(e => e.offsetParent !== null && e.style.display !== 'none')
        .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""", selector)


def _overlapping(boxes: list) -> list:
    return [(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:]
            if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5]


@needs_chromium
def test_browser_names_never_overlap(browser, national_scale):
    p = Page(browser, national_scale["html"])
    try:
        p.js("() => { geoplanReview.map.setZoom(7.5, { animate: false }); }")
        provinces = p.js("geoplanReview.labels()")
        assert len(provinces) >= 10 and all(name.startswith("Tỉnh") is False for name in provinces)  # "Tỉnh 12" -> "12"
        assert not _overlapping(_boxes(p, ".gp-label"))
        p.js("() => { geoplanReview.map.setView([11.25, 105.25], 10.5, { animate: false }); }")
        p.page.wait_for_timeout(200)
        units = p.js("geoplanReview.labels()")
        assert len(units) >= 10 and any(name.startswith("Ô ") or name.startswith("Xã Ô ") for name in units)
        labels, badges = _boxes(p, ".gp-label"), _boxes(p, ".gp-cluster")
        assert badges and not _overlapping(labels) and not _overlapping(labels + badges)
        _layer_box(p, "Names").uncheck()
        assert p.js("geoplanReview.stats().labels") == 0 and not _boxes(p, ".gp-label")
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_declared_copy_is_marked_with_its_reason(small_page):
    p = small_page
    tip = p.hover_unit("new", "28270")
    assert "\u26a0 suspected copy: declared figures identical to 30502 Phường Thới Sơn (An Giang)" in tip
    p.page.locator(".gp-title").hover()
    p.until("!document.querySelector('.leaflet-tooltip-pane .gp-tooltip')")
    tip = p.hover_unit("new", "30502")
    assert "\u26a0" not in tip and "the copies are probably there" in tip
    assert "1 unit whose declared figures check flags (1 suspected copy): \u26a0 in its tooltip" in _legend(p)
    p.page.select_option(".gp-measure", "area_diff")
    assert "declared area flagged by check (1)" in _legend(p)
    p.page.select_option(".gp-measure", "population")
    p.assert_clean()


@needs_chromium
def test_browser_split_parts_and_plan_audit_are_layers(browser, overlays):
    p = Page(browser, overlays["html"])
    try:
        layers = p.page.locator(".leaflet-control-layers-overlays").inner_text()
        assert "Plan audit (1)" in layers and "Split parts (2)" in layers and "Plan audit areas (1)" in layers
        assert "audited link (1)" in _legend(p)
        p.js("() => { geoplanReview.map.setView([10.03, 105.17], 12, { animate: false }); }")
        p.page.wait_for_timeout(200)
        p.page.mouse.click(*p.js("""(() => { const m = geoplanReview.map, a = geoplanReview.data.audit.pt[0];
            const c = m.latLngToContainerPoint(a), r = m.getContainer().getBoundingClientRect(); return [c.x + r.left, c.y + r.top]; })()"""))
        popup = p.page.locator(".leaflet-popup-content").last
        popup.wait_for(state="visible")
        p.page.wait_for_timeout(500)  # the autopan animation
        text = popup.inner_text()
        assert "Plan audit: a link the geometry contradicts" in text and "Xã Mỹ Long (30115)" in text
        assert "Xã Mỹ Hiệp (30112), full: holds 20.0 % of it" in text and "Phường Thới Sơn (28270): 80.0 % of it" in text
        assert "the plan: check the resolution's table" in text and "<b>audit</b>" in text
        p.js("() => { geoplanReview.map.closePopup(); }")
        p.until("!document.querySelector('.leaflet-popup')")  # faded out: it no longer catches the mouse
        _layer_box(p, "Split parts").check()
        assert "split parts (2)" in _legend(p)
        tip = p.hover_at([10.075, 105.13])  # in the piece of Bình Thạnh that went to Mỹ Hiệp
        assert "Xã Bình Thạnh \u2192 Xã Mỹ Hiệp" in tip and "60.0 %" in tip and "split along the reference polygons" in tip
        _layer_box(p, "Split parts").uncheck()
        p.page.locator(".gp-title").hover()
        tip = p.hover_at([10.02, 105.13])
        assert "Population estimate\t54,000" in tip and "Population bounds\t35,000 to 47,000" in tip
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_a_map_in_vietnamese(browser, overlays):
    p = Page(browser, overlays["vi"])
    try:
        tip = p.hover_unit("new", "30502")
        assert "Diện tích tính toán\t48,88 km²" in tip and "Dân số\t24.705" in tip and "-0,97 %" in tip
        assert p.page.locator(".gp-legend-toggle").inner_text().startswith("Chú giải")
        assert p.page.locator(".gp-search-input").get_attribute("placeholder") == "Tìm tỉnh, tên đơn vị cũ hoặc mới…"
        assert p.search("tinh an giang")[0]["kind"] == "tỉnh 91"
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_legend_folds_away_on_a_phone(browser, national_scale):
    p = Page(browser, national_scale["html"], viewport=(390, 844))
    try:
        legend = p.page.locator(".gp-legend")
        assert "gp-folded" in legend.get_attribute("class") and legend.bounding_box()["height"] < 50
        p.page.locator(".gp-legend-toggle").click()
        assert "gp-folded" not in legend.get_attribute("class") and legend.bounding_box()["height"] > 200
        p.page.locator(".gp-legend-toggle").click()
        assert legend.bounding_box()["height"] < 50
        p.page.screenshot(path=str(ARTIFACTS / "review_map_390.png"))
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_browser_print_view_is_a_clean_a4_page(browser, small, tmp_path):
    p = Page(browser, small["html"])
    try:
        p.page.locator(".gp-print-view").click()
        assert p.js("document.documentElement.classList.contains('gp-print')")
        size = p.js("(() => { const r = geoplanReview.map.getContainer().getBoundingClientRect(); return [r.width, r.height]; })()")
        assert abs(size[0] / size[1] - 277 / 190) < 0.01  # A4 landscape less 10 mm margins
        for hidden in (".gp-search", ".leaflet-control-zoom", ".gp-toolbar", ".leaflet-control-layers"):
            assert not p.page.locator(hidden).is_visible(), hidden
        for shown in (".gp-title", ".gp-legend-items", ".gp-footer", ".leaflet-control-scale"):
            assert p.page.locator(shown).is_visible(), shown
        assert p.js("geoplanReview.stats().units") == 5
        p.page.screenshot(path=str(ARTIFACTS / "review_map_print_view.png"))
        p.page.emulate_media(media="print")
        pdf = p.page.pdf(landscape=True, format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one sheet
        (tmp_path / "print.pdf").write_bytes(pdf)
        p.page.emulate_media(media="screen")
        p.page.locator(".gp-print-close").click()
        assert not p.js("document.documentElement.classList.contains('gp-print')")
        p.assert_clean()
    finally:
        p.close()
