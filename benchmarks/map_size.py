"""Size and time to first render of the national review map.

Builds the review map of the 3,321 new communes (34 province outlines, the
11,163 old communes as the optional layer) from ../shared/data/vn, then opens
it in headless Chromium from file:// with the network blocked.

    .venv/bin/python benchmarks/map_size.py [--html EXISTING.html] [--runs 3]

``measure_map(html_path)`` is the function the benchmark suite calls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/vn"
OUT = ROOT / "benchmarks" / "out"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def measure_map(html_path, runs: int = 1, chromium: str = CHROMIUM, viewport=(1280, 800)) -> dict:
    """Measure a review map: file size and time to first render in headless Chromium.

    Parameters
    ----------
    html_path : path
        A map written by :func:`geoplan.map_review.write_review_map`.
    runs : int
        Page loads (fresh browser context each); times are medians.

    Returns
    -------
    dict
        ``bytes``, ``mb``, ``first_render_ms`` (``performance.now()`` when the
        map has drawn, from navigation start), ``init_ms`` (time in geoplan's
        init), ``dom_content_loaded_ms``, ``wall_s`` (goto until drawn, seen
        from Python), ``units``, ``provinces``, ``arcs``, ``points``,
        ``js_heap_mb``, ``console_errors``, ``external_requests`` (must be 0),
        ``runs``.

    Examples
    --------
    >>> measure_map("maps/national.html")["first_render_ms"] < 5000  # doctest: +SKIP
    True
    """
    from playwright.sync_api import sync_playwright

    path = Path(html_path).resolve()
    size = path.stat().st_size
    samples: list[dict] = []
    errors: list[str] = []
    external: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})

                def route(r):
                    if r.request.url.startswith(("file:", "data:")):
                        r.continue_()
                    else:
                        external.append(r.request.url)
                        r.abort()

                context.route("**/*", route)
                page = context.new_page()
                page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                page.on("pageerror", lambda e: errors.append(str(e)))
                t0 = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("() => window.geoplanReview && window.geoplanReview.ready", timeout=120_000)  # a function: the CSP forbids eval on later polls
                wall = time.perf_counter() - t0
                info = page.evaluate(
                    """() => { const s = geoplanReview.stats();
                        const nav = performance.getEntriesByType('navigation')[0];
                        return {ready: geoplanReview.readyMs, init: geoplanReview.initMs,
                                dcl: nav ? nav.domContentLoadedEventEnd : null,
                                units: s.units, provinces: s.provinces, arcs: s.arcs, points: s.points,
                                heap: performance.memory ? performance.memory.usedJSHeapSize : null}; }"""
                )
                info["wall"] = wall
                samples.append(info)
                context.close()
        finally:
            browser.close()

    def med(key):
        vals = [s[key] for s in samples if s[key] is not None]
        return round(statistics.median(vals), 1) if vals else None

    return {
        "path": str(path),
        "bytes": size,
        "mb": round(size / 1e6, 2),
        "first_render_ms": med("ready"),
        "init_ms": med("init"),
        "dom_content_loaded_ms": med("dcl"),
        "wall_s": round(statistics.median(s["wall"] for s in samples), 2),
        "js_heap_mb": round(med("heap") / 1e6, 1) if med("heap") else None,
        "units": samples[-1]["units"],
        "provinces": samples[-1]["provinces"],
        "arcs": samples[-1]["arcs"],
        "points": samples[-1]["points"],
        "console_errors": len(errors),
        "external_requests": len(external),
        "runs": runs,
    }


def build_national_map(out_html: Path) -> float:
    """Write the national review map; return the build time in seconds."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from pyproj import Geod

    from geoplan.maps.review import write_review_map

    communes = gpd.read_file(DATA / "new_communes_2025.gpkg")
    provinces = gpd.read_file(DATA / "new_provinces_2025.gpkg", ignore_geometry=True)
    geod = Geod(ellps="WGS84")
    units = gpd.GeoDataFrame(
        {
            "code": communes["code"],
            "name": communes["fullName"],
            "parent": communes["province_code"].map(dict(zip(provinces["code"], provinces["name"]))),
            "parent_code": communes["province_code"],
            "level": "commune",
            "area_km2": [abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in communes.geometry],
            "area_declared_km2": communes["areaKm2"],
            "population": pd.array([None] * len(communes), dtype="Int64"),
        },
        geometry=communes.geometry.values,
        crs=communes.crs,
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    result = out_html.with_suffix(".gpkg")
    result.unlink(missing_ok=True)
    units.to_file(result, layer="units", driver="GPKG")
    about = {"plan": "plan_2025_new_to_old.json", "source": "new_communes_2025.gpkg",
             "geoplan_version": "benchmark", "schematic": "no"}
    pyogrio.write_dataframe(pd.DataFrame({"key": list(about), "value": list(about.values())}), result, layer="about")
    t0 = time.perf_counter()
    write_review_map(result, out_html, old=DATA / "old_communes_c2013.gpkg", color_by="area_diff")
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=Path, help="measure this map instead of building the national one")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    html = args.html
    result = {}
    if html is None:
        if not (DATA / "new_communes_2025.gpkg").exists():
            print(f"real data not found at {DATA}", file=sys.stderr)
            return 2
        html = OUT / "national_review_map.html"
        result["build_s"] = round(build_national_map(html), 2)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium", file=sys.stderr)
        print(json.dumps({"bytes": html.stat().st_size, **result}, indent=2))
        return 2
    result.update(measure_map(html, runs=args.runs))
    print(json.dumps(result, indent=2))
    print(
        f"national review map: {result['mb']} MB, first render {result['first_render_ms']} ms "
        f"(median of {result['runs']}), {result['units']} units, {result['provinces']} provinces",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
