"""The page of a review map: a folium map whose one element inlines Leaflet, geoplan's
JavaScript and CSS and the embedded data, under a Content-Security-Policy that
forbids any request (except, with ``basemap="osm"``, OpenStreetMap tiles).

>>> "osm" in BASEMAPS
True
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from dataclasses import replace
from pathlib import Path

import folium
from branca.element import Element, MacroElement

from ..i18n import language, render
from ..link.names import ABBREVIATIONS, UNIT_TYPES
from .data import build_map_data, compact_map_data
from .options import MEASURES, MapLayers, MapOptions
from .wording import page_texts

ASSETS = Path(__file__).with_name("assets")
SCRIPTS = ("review-core.js", "review-content.js", "review-marks.js", "review-labels.js", "review-search.js",
           "review-legend.js", "review-tools.js", "review.js")  # geoplan's scripts, in the order they load
BASEMAPS = {
    "none": None,
    "osm": {
        "host": "https://tile.openstreetmap.org",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    },
}


# --------------------------------------------------------------------- assets
@functools.lru_cache(maxsize=1)
def _assets_head() -> str:
    """Inline <style>/<script> blocks for Leaflet and the review code."""

    def image_uri(match: re.Match) -> str:
        data = (ASSETS / "leaflet" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    leaflet_css = re.sub(
        r"url\((images/[\w.-]+\.png)\)", image_uri, (ASSETS / "leaflet/leaflet.css").read_text("utf-8")
    )
    parts = [
        ("style", leaflet_css),
        ("style", (ASSETS / "review.css").read_text("utf-8")),
        ("script", (ASSETS / "leaflet/leaflet.js").read_text("utf-8")),
        *(("script", (ASSETS / name).read_text("utf-8")) for name in SCRIPTS),
    ]
    out = []
    for tag, text in parts:
        low = text.lower()
        if f"</{tag}" in low or "<!--" in low or "<script" in low:
            raise RuntimeError(f"map asset cannot be inlined safely in <{tag}>")
        out.append(f"<{tag}>\n{text}\n</{tag}>")
    return "\n".join(out)


def _json_for_html(obj) -> str:
    """JSON safe inside <script type="application/json"> (no '<', '>' or '&')."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _OfflineMap(folium.Map):
    """A folium.Map that links nothing from a CDN: the review element inlines Leaflet.

    Adding folium plugins to it brings their CDN links back, and the map's
    Content-Security-Policy will block them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_js = []
        self.default_css = []


class _Raw(Element):
    """Text rendered verbatim.

    branca turns the output of a MacroElement's macros into new Jinja
    templates; data must never go through that (a unit named ``{{ x }}``
    would be evaluated), so it is added as raw text.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _ReviewElement(MacroElement):
    """Inlined assets, the embedded data and the call that builds the map.

    Rendered after its parent map, so the init call follows ``L.map(...)``.
    """

    def __init__(self, data: dict):
        super().__init__()
        self._name = "GeoplanReview"
        self.data_json = _json_for_html(data)

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        name, map_name = self.get_name(), self._parent.get_name()
        figure.header.add_child(_Raw(_assets_head()), name=name + "_assets")
        figure.html.add_child(
            _Raw(f'<script type="application/json" id="{name}_data">{self.data_json}</script>'),
            name=name + "_data",
        )
        figure.script.add_child(
            _Raw(
                f"GeoplanReview.init({map_name}, JSON.parse("
                f'document.getElementById("{name}_data").textContent));'
            ),
            name=name + "_init",
        )

# -------------------------------------------------------------------- page
def _page_data(layers: MapLayers, old, options: MapOptions) -> dict:
    """The embedded data: the map's layers, and what the page says and how (language, texts,
    unit types for the search and the labels, the colouring shown first)."""
    data = compact_map_data(build_map_data(layers, old, options))
    measures, n_units = data["measures"], len(data["units"]["code"])
    if options.schematic:  # schematic areas are not measurements: no colouring by their difference to the declared ones
        measures.pop("area_diff")
    color_by = options.color_by
    if color_by not in measures or measures[color_by]["nMissing"] == n_units:
        color_by = next((k for k in MEASURES if k in measures and measures[k]["nMissing"] < n_units), "members")
    data.update(
        title=str(options.title), footer=str(options.footer or ""), schematic=bool(options.schematic),
        basemap=options.basemap, colorBy=color_by, lang=options.lang, texts=page_texts(options.lang),
        tiles=BASEMAPS[options.basemap] and {k: BASEMAPS[options.basemap][k] for k in ("url", "attribution")},
        unitTypes=list(UNIT_TYPES), abbreviations=ABBREVIATIONS,
    )
    return data


def build_page(layers: MapLayers, old, options: MapOptions) -> folium.Map:
    """The review map of :func:`geoplan.maps.review.review_map`: ``options`` checked, with a title
    (None: "geoplan review map" in the map's language) and a language."""
    lang = options.lang or language()
    options = replace(options, lang=lang, title=render("maps.default_title", lang) if options.title is None else options.title)
    data = _page_data(layers, old, options)
    (s, w), (n, e) = data["bounds"]
    m = _OfflineMap(location=[(s + n) / 2, (w + e) / 2], zoom_start=6, tiles=None, prefer_canvas=True,
                    control_scale=False, zoom_snap=0.25, zoom_delta=0.5)
    m.geoplan_lang = lang
    root = m.get_root()
    root.title = html.escape(options.title)
    host = BASEMAPS[options.basemap] and BASEMAPS[options.basemap]["host"]
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           f"img-src data:{' ' + host if host else ''}; base-uri 'none'; form-action 'none'")
    root.header.add_child(
        Element(f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}" />'),
        name="geoplan_csp", index=0)
    root.header.add_child(Element('<link rel="icon" href="data:," />'), name="geoplan_icon")
    m.add_child(_ReviewElement(data))
    return m


_SRC_RE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


def render_html(m: folium.Map) -> str:
    """Render a review map to HTML and check it links nothing from the network.

    Examples
    --------
    >>> render_html(m).startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
    """
    text = m.get_root().render()
    text = text.replace("<html>", f'<html lang="{getattr(m, "geoplan_lang", "en")}">', 1)
    bad = _SRC_RE.search(text)
    if bad:
        raise RuntimeError(f"review map would load from the network: {bad.group(0)[:80]}")
    return text

