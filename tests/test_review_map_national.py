"""The national review map, on the real data (../shared/data/vn): the national commune merge
(old communes c.2013, the built-in plan, the 2019 census) mapped once in English and once in
Vietnamese, with the old communes; size, names, grouped marks, the search for a province,
Thới Sơn's copied declared figures, the phone view and the print view, in headless Chromium.
Screenshots go to tests/artifacts/ (look at them: review_map_national_*.png).

Time to first render and build time are measured by the benchmarks (job D), not asserted here.
"""

from __future__ import annotations

import re
import time
import pytest

from geoplan.maps.options import MapOptions
from geoplan.maps.review import write_review_map
from test_review_map_common import (ARTIFACTS, DATA, Page, _embedded, browser, national_result,  # noqa: F401
                                    needs_chromium)
from vn_data import needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> dict:
    result = national_result(tmp_path_factory)
    d = tmp_path_factory.mktemp("national-map")
    maps = {}
    for lang in ("en", "vi"):
        t0 = time.perf_counter()
        maps[lang] = write_review_map(result, d / f"national-{lang}.html", old=DATA / "old_communes_c2013.gpkg",
                                      options=MapOptions(lang=lang))
        print(f"\nnational review map ({lang}) built in {time.perf_counter() - t0:.1f} s")
    return maps


def _shot(p, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    p.page.wait_for_timeout(300)
    p.page.screenshot(path=str(ARTIFACTS / f"review_map_national_{name}.png"))


def _overlaps(p) -> int:
    return p.js("""(() => { const b = Array.from(document.querySelectorAll('.gp-label, .gp-cluster'))
        .filter(e => e.style.display !== 'none').map(e => e.getBoundingClientRect()); let n = 0;
        for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++)
          if (b[i].left < b[j].right - 0.5 && b[j].left < b[i].right - 0.5 && b[i].top < b[j].bottom - 0.5 &&
              b[j].top < b[i].bottom - 0.5) n++; return n; })()""")


def test_national_map_size(national):
    for html in national.values():
        size = html.stat().st_size
        print(f"\n{html.name}: {size / 1e6:.2f} MB")
        assert size < 15_000_000


@needs_chromium
def test_national_map_in_english(browser, national):
    p = Page(browser, national["en"])
    try:
        print(f"\nnational review map: first render {p.js('geoplanReview.readyMs'):.0f} ms after navigation")
        stats = p.js("geoplanReview.stats()")
        assert stats["units"] == 3310 and stats["provinces"] == 34
        # the nation: province names, no mark on the colours (the legend counts them)
        assert stats["marks"] == stats["groups"] == 0 and stats["labels"] >= 15 and _overlaps(p) == 0
        assert "Hà Nội" in p.js("geoplanReview.labels()") or "Hà Nội" in p.search("ha noi")[0]["name"]
        legend = p.page.locator(".gp-legend-items").inner_text()
        assert re.search(r"approximate units \(\d+\): a divided old unit went whole", legend)
        assert "suspected copies" in legend
        _shot(p, "nation_en")
        # a province, whatever the spelling
        hits = p.search("tinh an giang")
        assert (hits[0]["name"], hits[0]["kind"]) == ("Tỉnh An Giang", "province 91")
        assert p.search("An Giang")[0] == hits[0] and p.search("tỉnh An Giang")[0] == hits[0]
        _shot(p, "search_en")
        p.page.locator(".gp-result").first.click()
        p.until("geoplanReview.selected && geoplanReview.selected.kind === 'province'")
        p.page.wait_for_timeout(600)
        assert _overlaps(p) == 0
        _shot(p, "an_giang_en")
        # Thới Sơn of Đồng Tháp: a copy of An Giang's declared figures, marked with the reason
        p.js("() => { geoplanReview.map.closePopup(); }")
        hits = p.search("thới sơn")
        new = sorted((h["sub"], h["kind"]) for h in hits if h["kind"].startswith("new") and h["name"] == "Phường Thới Sơn")
        assert new == [("Tỉnh An Giang", "new 30502"), ("Tỉnh Đồng Tháp", "new 28270")]
        p.page.locator(".gp-result", has_text="Đồng Tháp").first.click()
        p.until("geoplanReview.selected && geoplanReview.selected.code === '28270'")
        p.page.wait_for_timeout(600)
        p.js("() => { geoplanReview.map.closePopup(); }")
        tip = p.hover_unit("new", "28270")
        assert "\u26a0 suspected copy: declared figures identical to 30502 Phường Thới Sơn (Tỉnh An Giang)" in tip
        assert "Area declared\t49.36 km²" in tip
        assert any("Thới Sơn" in name for name in p.js("geoplanReview.labels()"))
        _shot(p, "thoi_son_en")
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_national_map_in_vietnamese(browser, national):
    p = Page(browser, national["vi"])
    try:
        assert p.js("document.documentElement.lang") == "vi"
        _shot(p, "nation_vi")
        hits = p.search("tinh an giang")
        assert (hits[0]["name"], hits[0]["kind"]) == ("Tỉnh An Giang", "tỉnh 91")
        p.page.locator(".gp-result").first.click()
        p.until("geoplanReview.selected && geoplanReview.selected.kind === 'province'")
        p.page.wait_for_timeout(600)
        _shot(p, "an_giang_vi")
        p.js("() => { geoplanReview.map.closePopup(); }")
        hits = p.search("thoi son dong thap")  # a name and its province
        assert [(h["name"], h["sub"]) for h in hits[:1]] == [("Phường Thới Sơn", "Tỉnh Đồng Tháp")]
        assert all("Đồng Tháp" in h["sub"] for h in hits)
        p.js("""() => { const u = geoplanReview.data.units, i = u.code.indexOf('28270');
            geoplanReview.map.setView(u.pt[i], 12, { animate: false }); }""")
        tip = p.hover_unit("new", "28270")
        assert "\u26a0 nghi sao chép nhầm" in tip and "Diện tích công bố\t49,36 km²" in tip
        _shot(p, "thoi_son_vi")
        p.assert_clean()
    finally:
        p.close()


@needs_chromium
def test_national_map_on_a_phone_and_printed(browser, national, tmp_path):
    p = Page(browser, national["en"], viewport=(390, 844))
    try:
        assert "gp-folded" in p.page.locator(".gp-legend").get_attribute("class")
        _shot(p, "390")
        p.page.locator(".gp-legend-toggle").click()
        _shot(p, "390_legend")
        p.assert_clean()
    finally:
        p.close()
    p = Page(browser, national["en"])
    try:
        p.js("geoplanReview.setPrintView(true)")
        p.page.wait_for_timeout(500)
        _shot(p, "print_view")
        p.page.emulate_media(media="print")
        pdf = p.page.pdf(landscape=True, format="A4", print_background=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        (ARTIFACTS / "review_map_national_print.pdf").write_bytes(pdf)
        p.assert_clean()
    finally:
        p.close()
