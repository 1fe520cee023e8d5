"""QGIS styles for the layers of a merge result, stored in the GeoPackage's ``layer_styles`` table
(the table QGIS itself creates and reads), so that the layers open coloured and labelled.

- ``units``: graduated colours on a measure (density when there is a population, else the area;
  quantile classes), labelled with the unit's name from a zoom on;
- ``repairs``: categories by kind and rule (wide gaps in red), ``crosswalk``: by basis
  (approximate pieces in orange), ``features``: by how each old polygon was linked, and an
  ``audit`` layer, when there is one, by its ``contradiction`` (or ``kind``) field;
- every layer, with or without geometry: its fields named in the language in use (aliases).

Legends and field names are written in the language in use when the result is written.

>>> import geopandas as gpd, shapely
>>> units = gpd.GeoDataFrame({"name": ["Xã A", "Xã B"], "area_km2": [1.0, 2.0]}, geometry=[shapely.box(0, 0, 1, 1)] * 2)
>>> table = styles_table({"units": units})
>>> table[["f_table_name", "f_geometry_column", "styleName", "useAsDefault"]].values.tolist()
[['units', 'geom', 'geoplan', True]]
>>> ElementTree.fromstring(table["styleQML"][0]).find("renderer-v2").get("type")
'graduatedSymbol'
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd

from ..i18n import render
from .labels import column_label, value_label

QGIS_VERSION = "3.22.0"  # the oldest QGIS these styles were checked with: 3.22 (Debian 12)
GEOMETRY_COLUMN = "geom"  # the geometry column GDAL writes in a GeoPackage
STYLE_NAME = "geoplan"
RAMP = ("255,255,204", "161,218,180", "65,182,196", "44,127,184", "37,52,148")  # light to dark, 5 classes
CATEGORY_COLOURS = {  # a value's colour wherever it shows; others take PALETTE in turn
    "approximate": "253,141,60", "wide gap": "215,25,28", "gap: wide gap": "215,25,28", "inferred": "253,174,97",
    "none": "150,150,150", "whole": "171,221,164", "code": "43,131,186", "name": "171,221,164",
    "split:reference": "102,194,165", "split:lines": "102,194,165", "split": "253,174,97",
}
PALETTE = ("128,177,211", "190,186,218", "251,128,114", "141,211,199", "255,255,179", "179,222,105", "252,205,229",
           "188,128,189", "204,235,197", "255,237,111")
CATEGORIZED = {  # layer: the field (or expression) its categories come from, and the fields that make it
    "repairs": ("\"kind\" || ': ' || \"rule\"", ("kind", "rule")),
    "crosswalk": ("basis", ("basis",)),
    "features": ("linked_by", ("linked_by",)),
    "audit": (None, ("contradiction", "kind")),
}
LABEL_UP_TO_SCALE = 400000  # unit names are drawn from 1:400,000 on (a province fills the screen)


def styles_table(layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The ``layer_styles`` rows of ``layers`` (name: frame): one default style per layer, with
    the columns QGIS uses (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
    styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time). See the
    module's example."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    rows = []
    for name, frame in layers.items():
        spatial = isinstance(frame, gpd.GeoDataFrame)
        rows.append({"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                     "f_geometry_column": GEOMETRY_COLUMN if spatial else "", "styleName": STYLE_NAME,
                     "styleQML": layer_qml(name, frame), "styleSLD": "", "useAsDefault": True,
                     "description": render("style.description", layer=name), "owner": "", "ui": "",
                     "update_time": now})
    return pd.DataFrame(rows)


def layer_qml(name: str, frame: pd.DataFrame) -> str:
    """The QML style of one layer: its renderer and labels (layers with geometry) and its fields' aliases.

    >>> qml = layer_qml("lineage", pd.DataFrame({"old_code": ["1"]}))
    >>> ElementTree.fromstring(qml).find("aliases/alias").get("name") in ("Old code", "Mã cũ")
    True
    """
    root = ElementTree.Element("qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories", labelsEnabled="0")
    spatial = isinstance(frame, gpd.GeoDataFrame)
    if spatial:
        renderer = _renderer(name, frame)
        if renderer is not None:
            root.append(renderer)
        if name == "units" and "name" in frame:
            root.set("labelsEnabled", "1")
            root.append(_labeling("name"))
    aliases = ElementTree.SubElement(root, "aliases")
    fields = [column for column in frame.columns if not (spatial and column == frame.geometry.name)]
    for index, column in enumerate(fields):
        ElementTree.SubElement(aliases, "alias", field=str(column), index=str(index), name=column_label(column))
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ElementTree.tostring(root, encoding="unicode")


def _renderer(name: str, frame: gpd.GeoDataFrame) -> ElementTree.Element | None:
    """The renderer of a layer: graduated for the units, categorized for the others, None when none applies."""
    if name == "units":
        measure = "density" if "density" in frame else "area_km2"
        return graduated(frame[measure], measure) if measure in frame else None
    if name not in CATEGORIZED:
        return None
    expression, fields = CATEGORIZED[name]
    present = [field for field in fields if field in frame]
    if not present or (expression and len(present) < len(fields)):
        return None
    if expression:  # several fields: "gap: wide gap", counted before they are joined (a layer may have millions of rows)
        combos = frame[list(fields)].fillna("").astype(str).value_counts()
        counts = pd.Series(combos.to_numpy(), index=[": ".join(combo) for combo in combos.index])
        labels = {v: ": ".join(str(value_label(part)) for part in v.split(": ")) for v in counts.index}
        return categorized(expression, counts, labels)
    counts = frame[present[0]].fillna("").astype(str).value_counts()
    return categorized(present[0], counts, {v: str(value_label(v)) if v else render("style.other") for v in counts.index})


def graduated(values: pd.Series, field: str, classes: int = len(RAMP)) -> ElementTree.Element:
    """A graduated renderer on ``field``: quantile classes of ``values`` coloured light to dark.

    >>> r = graduated(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "area_km2")
    >>> [(x.get("lower"), x.get("upper")) for x in r.iter("range")][:2]
    [('1', '2'), ('2', '3')]
    """
    known = pd.to_numeric(values, errors="coerce").dropna()
    digits = 0 if known.abs().median() >= 10 else 2
    breaks = np.unique(np.round(np.quantile(known, np.linspace(0, 1, classes + 1)), digits)) if len(known) else np.array([0.0])
    breaks[0], breaks[-1] = np.floor(breaks[0] * 10**digits) / 10**digits, np.ceil(breaks[-1] * 10**digits) / 10**digits
    renderer = ElementTree.Element("renderer-v2", type="graduatedSymbol", attr=field, graduatedMethod="GraduatedColor",
                                   symbollevels="0", forceraster="0", enableorderby="0")
    ranges, symbols = ElementTree.SubElement(renderer, "ranges"), ElementTree.SubElement(renderer, "symbols")
    pairs = list(zip(breaks[:-1], breaks[1:])) or [(breaks[0], breaks[0])]
    colours = [RAMP[round(i * (len(RAMP) - 1) / max(len(pairs) - 1, 1))] for i in range(len(pairs))]
    for i, ((lower, upper), colour) in enumerate(zip(pairs, colours)):
        label = render("style.range_whole" if digits == 0 else "style.range", lower=lower, upper=upper)
        ElementTree.SubElement(ranges, "range", lower=_number(lower), upper=_number(upper), symbol=str(i), label=label,
                               render="true")
        symbols.append(_fill(str(i), colour))
    source = ElementTree.SubElement(renderer, "source-symbol")
    source.append(_fill("0", RAMP[0]))
    ElementTree.SubElement(renderer, "mode", name="quantile")
    ElementTree.SubElement(renderer, "classificationMethod", id="Quantile")
    return renderer


def categorized(attribute: str, counts: pd.Series, labels: dict[str, str]) -> ElementTree.Element:
    """A categorized renderer on ``attribute`` (a field or an expression): one category per value
    (``counts``: how many features have each, the most frequent first), labelled by ``labels``.

    >>> r = categorized("basis", pd.Series([2, 1], index=["whole", "approximate"]), {"whole": "whole", "approximate": "≈"})
    >>> [(c.get("value"), c.get("label")) for c in r.iter("category")]
    [('whole', 'whole (2)'), ('approximate', '≈ (1)')]
    """
    renderer = ElementTree.Element("renderer-v2", type="categorizedSymbol", attr=attribute, symbollevels="0",
                                   forceraster="0", enableorderby="0")
    categories, symbols = ElementTree.SubElement(renderer, "categories"), ElementTree.SubElement(renderer, "symbols")
    spare = iter(PALETTE * (len(counts) // len(PALETTE) + 1))
    for i, (value, n) in enumerate(counts.items()):
        colour = CATEGORY_COLOURS.get(value) or CATEGORY_COLOURS.get(value.split(": ")[-1]) or next(spare)
        ElementTree.SubElement(categories, "category", value=value, symbol=str(i), render="true",
                               label=render("style.category", label=labels.get(value, value), n=int(n)))
        symbols.append(_fill(str(i), colour))
    source = ElementTree.SubElement(renderer, "source-symbol")
    source.append(_fill("0", PALETTE[0]))
    return renderer


def _fill(name: str, colour: str, outline: str = "80,80,80") -> ElementTree.Element:
    """A simple fill symbol: ``colour`` (r,g,b), a thin grey outline; written the way QGIS 3.22
    writes it (an Option map) and the way older versions read it (prop elements)."""
    symbol = ElementTree.Element("symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ElementTree.SubElement(symbol, "layer", attrib={"class": "SimpleFill", "enabled": "1", "locked": "0",
                                                            "pass": "0"})
    properties = {"color": f"{colour},255", "outline_color": f"{outline},255", "outline_style": "solid",
                  "outline_width": "0.1", "outline_width_unit": "MM", "style": "solid", "joinstyle": "bevel"}
    options = ElementTree.SubElement(layer, "Option", type="Map")
    for key, value in properties.items():
        ElementTree.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in properties.items():
        ElementTree.SubElement(layer, "prop", k=key, v=value)
    return symbol


def _labeling(field: str) -> ElementTree.Element:
    """Simple labels of ``field``, dark text with a white halo, inside the polygon, from a zoom on."""
    labeling = ElementTree.Element("labeling", type="simple")
    settings = ElementTree.SubElement(labeling, "settings", calloutType="simple")
    style = ElementTree.SubElement(settings, "text-style", fieldName=field, isExpression="0", fontSize="9",
                                   fontSizeUnit="Point", textColor="40,40,40,255", textOpacity="1", namedStyle="Regular")
    ElementTree.SubElement(style, "text-buffer", bufferDraw="1", bufferSize="0.5", bufferSizeUnits="MM",
                           bufferColor="255,255,255,255", bufferOpacity="0.8", bufferJoinStyle="128")
    ElementTree.SubElement(settings, "text-format", wrapChar="", autoWrapLength="14", multilineAlign="1")
    ElementTree.SubElement(settings, "placement", placement="0", fitInPolygonOnly="0", centroidInside="1",
                           centroidWhole="0", priority="5")
    ElementTree.SubElement(settings, "rendering", scaleVisibility="1", scaleMin="1", scaleMax=str(LABEL_UP_TO_SCALE),
                           obstacle="1", displayAll="0", upsidedownLabels="0", labelPerPart="0", mergeLines="0",
                           limitNumLabels="0", maxNumLabels="2000", minFeatureSize="0", drawLabels="1")
    return labeling


def _number(value: float) -> str:
    """A class break as QML writes it: a plain number ("12.5", "3").

    >>> _number(3.0), _number(12.5)
    ('3', '12.5')
    """
    return f"{value:.10g}"
