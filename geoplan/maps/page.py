"""The page of a review map: one HTML document whose parts are elements rendering templates (the
way folium builds a map, without its CDN links or its import time): the skeleton, the inlined
Leaflet and geoplan scripts and styles, the embedded data and the call that starts the map,
under a Content-Security-Policy that forbids any request (except, with ``basemap="osm"``,
OpenStreetMap tiles).

Values are put into templates by :class:`string.Template`, which never reads them as templates
(a unit named ``{{ x }}`` or ``$x`` stays as it is); texts are escaped for where they go.

>>> "osm" in BASEMAPS
True
>>> Element("<p>$text</p>", text="a $b").render()
'<p>a $b</p>'
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from dataclasses import replace
from pathlib import Path
from string import Template

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
MAP_ID = "geoplan-map"


class Element:
    """A part of the page: a template, its values, and child elements rendered in order into
    ``$children``."""

    def __init__(self, template: str = "$children", **values):
        self.template, self.values, self.children = Template(template), values, []

    def add(self, child: Element) -> Element:
        self.children.append(child)
        return child

    def render(self) -> str:
        return self.template.substitute(self.values, children="\n".join(c.render() for c in self.children))


@functools.lru_cache(maxsize=1)
def _assets() -> str:
    """Inline <style>/<script> blocks for Leaflet and the review code (the vendored Leaflet's
    ``url(images/...)`` rewritten to data: URIs)."""

    def image_uri(match: re.Match) -> str:
        data = (ASSETS / "leaflet" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    leaflet_css = re.sub(r"url\((images/[\w.-]+\.png)\)", image_uri, (ASSETS / "leaflet/leaflet.css").read_text("utf-8"))
    parts = [("style", leaflet_css), ("style", (ASSETS / "review.css").read_text("utf-8")),
             ("script", (ASSETS / "leaflet/leaflet.js").read_text("utf-8")),
             *(("script", (ASSETS / name).read_text("utf-8")) for name in SCRIPTS)]
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


DOCUMENT = """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta http-equiv="Content-Security-Policy" content="$csp" />
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />
<title>$title</title>
<link rel="icon" href="data:," />
<style>html, body { width: 100%; height: 100%; margin: 0; padding: 0; } #$map { position: absolute; inset: 0; }</style>
$children
</head>
<body>
<div id="$map"></div>
<script type="application/json" id="geoplan-data">$data</script>
<script>GeoplanReview.init(L.map("$map", { preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5 }),
  JSON.parse(document.getElementById("geoplan-data").textContent));</script>
</body>
</html>
"""


class ReviewMap(Element):
    """A review map: :meth:`render` gives its HTML, :meth:`save` writes it; in a notebook it shows
    itself (``_repr_html_``)."""

    def __init__(self, data: dict, title: str, lang: str, csp: str):
        super().__init__(DOCUMENT, lang=lang, csp=html.escape(csp, quote=False), title=html.escape(title),
                         map=MAP_ID, data=_json_for_html(data))
        self.data, self.lang = data, lang
        self.add(Element("$assets", assets=_assets()))

    def save(self, path) -> None:
        Path(path).write_text(render_html(self), encoding="utf-8", newline="\n")

    def get_root(self) -> ReviewMap:  # as a folium map answers
        return self

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(render_html(self), quote=True)}" '
                'style="width: 100%; height: 600px; border: none"></iframe>')


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


def build_page(layers: MapLayers, old, options: MapOptions) -> ReviewMap:
    """The review map of :func:`geoplan.maps.review.review_map`: ``options`` checked, with a title
    (None: "geoplan review map" in the map's language) and a language."""
    lang = options.lang or language()
    options = replace(options, lang=lang, title=render("maps.default_title", lang) if options.title is None else options.title)
    host = BASEMAPS[options.basemap] and BASEMAPS[options.basemap]["host"]
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           f"img-src data:{' ' + host if host else ''}; base-uri 'none'; form-action 'none'")
    return ReviewMap(_page_data(layers, old, options), options.title, lang, csp)


_SRC_RE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


def render_html(m: ReviewMap) -> str:
    """Render a review map to HTML and check it links nothing from the network.

    Examples
    --------
    >>> render_html(m).startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
    """
    text = m.render()
    bad = _SRC_RE.search(text)
    if bad:
        raise RuntimeError(f"review map would load from the network: {bad.group(0)[:80]}")
    return text
