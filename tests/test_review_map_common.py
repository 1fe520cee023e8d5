"""Shared by the review-map tests: small hand-made results (with the layers a merge writes,
names that try to break out of the page, Thới Sơn's copied declared figures), a result at
national scale, the real national units, and a page in headless Chromium.

Browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright from file://,
with every non-file request aborted; they skip when Chromium is absent.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import box

from geoplan.maps.options import MapOptions
from geoplan.maps.review import write_review_map
from geoplan.measure.area import fast_area_km2
from vn_data import SHARED

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DATA = SHARED
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

EN = MapOptions(lang="en")  # the tests read the English texts

# the hand-made results lack some layers of a merge result on purpose: the map says so, and goes on
NO_LAYER = pytest.mark.filterwarnings("ignore:.*has no layer:UserWarning")

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
    df["approximate"] = df["n_approximate"] > 0
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
    html = write_review_map(result, d / "maps" / "small.html", old=old, options=EN)
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
        "html": write_review_map(result, d / "placed.html", old=old_path, options=EN),
        "by_code": write_review_map(result, d / "by_code.html", old=longer, options=EN),
        "older": write_review_map(older, d / "older.html", old=old_path, options=EN),
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
    units["approximate"] = units["n_approximate"] > 0
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
    return {"html": write_review_map(result, d / "scale.html", options=EN), "units": units, "repairs": repairs}


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
        self.until("window.geoplanReview && window.geoplanReview.ready", timeout=60_000)
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

    def until(self, condition: str, timeout: float = 30_000):
        """Wait until the JavaScript `condition` holds, e.g. `p.until("geoplanReview.ready")`.

        Playwright evaluates a bare expression again with `eval` on every poll after the first,
        which the map's Content-Security-Policy forbids (no 'unsafe-eval'): a page that is not
        ready at the first poll then fails. A function is evaluated once and called after.
        """
        self.page.wait_for_function(f"() => ({condition})", timeout=timeout)

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

    def hover_at(self, latlng) -> str:
        """The tooltip shown with the mouse on a point of the map."""
        pt = self.js("""ll => { const m = geoplanReview.map, c = m.latLngToContainerPoint(ll),
            r = m.getContainer().getBoundingClientRect(); return { x: c.x + r.left, y: c.y + r.top }; }""", latlng)
        return self._hover(pt)

    def hover_unit(self, kind: str, code: str) -> str:
        pt = self.js("([k, c]) => geoplanReview.pointOf(k, c)", [kind, code])
        assert pt is not None
        return self._hover(pt)

    def _hover(self, pt: dict) -> str:
        self.page.mouse.move(pt["x"] + 8, pt["y"] + 8)
        self.page.wait_for_timeout(50)
        self.page.mouse.move(pt["x"], pt["y"], steps=2)
        tip = self.page.locator(".leaflet-tooltip-pane .gp-tooltip").last
        tip.wait_for(state="visible", timeout=10_000)
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


def national_result(tmp_path_factory) -> Path:
    """The national commune merge (old communes c.2013, built-in plan, 2019 census), made once
    per test session: the review map and the atlas tests read the same GeoPackage."""
    if not (DATA / "old_communes_c2013.gpkg").exists():
        pytest.skip(f"real Vietnam data not found at {DATA} (see ../shared/data/vn/README.md)")
    path = tmp_path_factory.getbasetemp() / "national-communes.gpkg"
    if not path.exists():
        from geoplan.cli import main

        code = main(["merge", str(DATA / "old_communes_c2013.gpkg"), "vn-2025-commune", "-o", str(path),
                     "--pop-field", "pop2019_vn_demographic", "--quiet"])
        assert code == 0
    return path


def _crosswalk() -> gpd.GeoDataFrame:
    """Pieces of a merge with a reference: Bình Thạnh (30127), divided, split along the reference
    between Mỹ Hiệp (30112) and Thới Sơn of Đồng Tháp (28270); the other pieces whole."""
    rows = [
        (6, "30127", "Xã Bình Thạnh", "30112", "split:reference", 15.0, 0.6, 7688, box(105.1, 10.05, 105.16, 10.1)),
        (6, "30127", "Xã Bình Thạnh", "28270", "split:reference", 9.0, 0.4, 5125, box(105.16, 10.05, 105.2, 10.1)),
        (0, "30502", "Thị trấn Nhà Bàng", "30502", "whole", 12.1, 1.0, 9000, box(105.0, 10.0, 105.051, 10.1)),
    ]
    cols = ["feature", "old_code", "old_name", "new_code", "basis", "area_km2", "area_share", "population", "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=4326)


def _audit() -> gpd.GeoDataFrame:
    """The plan audit of that merge: Mỹ Long (30115), linked whole to Mỹ Hiệp, lies mostly in Thới Sơn."""
    return gpd.GeoDataFrame({
        "feature": [5], "old_code": ["30115"], "old_name": ["Xã Mỹ Long"], "link": ["full"], "new_code": ["30112"],
        "new_name": ["Xã Mỹ Hiệp"], "found_code": ["28270"], "found_name": ["Phường Thới Sơn"], "held_share": [0.2],
        "found_share": [0.8], "area_km2": [25.0], "at_stake_km2": [20.0], "kind": ["full link elsewhere"],
        "verdict": ["plan"], "checked_by": ["<b>audit</b>"],
    }, geometry=[box(105.15, 10.0, 105.2, 10.05)], crs=4326)


@pytest.fixture(scope="module")
def overlays(tmp_path_factory) -> dict:
    """A result made with a reference: split pieces, a plan audit, and population estimates and bounds."""
    d = tmp_path_factory.mktemp("overlays")
    result = d / "result.gpkg"
    units = _units()
    units["population_estimate"] = [33000, 1300, 54000, None, 6500]
    units["population_lower"] = [24705, 1000, 35000, None, 5000]
    units["population_upper"] = [24705, 1000, 47000, None, 5000]
    units["population_estimate"] = units["population_estimate"].astype("Int64")
    units.to_file(result, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_lineage(), result, layer="lineage")
    _crosswalk().to_file(result, layer="crosswalk", driver="GPKG")
    _audit().to_file(result, layer="audit", driver="GPKG")
    pyogrio.write_dataframe(_about(), result, layer="about")
    return {"result": result, "html": write_review_map(result, d / "overlays.html", options=EN),
            "vi": write_review_map(result, d / "overlays-vi.html", options=MapOptions(lang="vi"))}
