"""The colourings of a map: classes, palettes and legend labels of each measure, in a language.

The review map and the printed atlas colour units the same way: quantile
classes of population, density and old units merged (rounded to two
significant digits), fixed classes of the computed-vs-declared area
difference; units whose declared area a check flags (a suspected copy,
hectares) get a class of their own in that colouring, since their
difference says nothing.

>>> m = measures({"pop": [100, 200], "density": [1.0, 2.0], "areaDiff": [0.5, None], "nMembers": [1, 2]}, "vi")
>>> m["area_diff"]["nMissing"], m["area_diff"]["labels"][1]
(1, '-5 % đến -2 %')
"""

from __future__ import annotations

import numpy as np
from babel.numbers import format_decimal

from ..i18n import render
from .options import MEASURES

_SEQ_POP = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
_SEQ_MEMBERS = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"]
_SEQ_DENS = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
_DIV = ["#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
        "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"]  # fmt: skip
_AREA_BREAKS = [-5.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 5.0]
MISSING = "#bdbdbd"
SUSPECT = "#ffd92f"  # declared area flagged by check: a yellow no palette uses
SUSPECT_FLAGS = ("copy", "shared", "hectares")  # declared figures a check calls suspect (geoplan.maps.declared)
_SEQUENTIAL = {  # measure: (units column, palette)
    "population": ("pop", _SEQ_POP),
    "density": ("density", _SEQ_DENS),
    "members": ("nMembers", _SEQ_MEMBERS),
}
__all__ = ["MEASURES", "measures", "value_class"]


def _number(value: float, lang: str, pct: bool = False) -> str:
    """A class bound as the legend writes it: two significant digits, grouped; percentages signed.

    >>> _number(15000, "vi"), _number(-0.5, "en", pct=True), _number(0.25, "en")
    ('15.000', '-0.5 %', '0.25')
    """
    if pct:
        return (format_decimal(value, "+#,##0.##;-#,##0.##", locale=lang) if value else "0") + " %"
    return format_decimal(value, "#,##0" if abs(value) >= 10 else "#,##0.##", locale=lang)


def _class_labels(breaks: list, lang: str, pct: bool = False) -> list[str]:
    if not breaks:
        return []
    text = [_number(b, lang, pct) for b in breaks]
    return ([render("maps.class_below", lang, value=text[0])]
            + [render("maps.class_between", lang, low=lo, high=hi) for lo, hi in zip(text, text[1:])]
            + [render("maps.class_above", lang, value=text[-1])])


def _quantile_breaks(values: list, k: int) -> list:
    arr = np.array([v for v in values if v is not None], dtype=float)
    if len(arr) == 0:
        return []
    qs = np.quantile(arr, np.arange(1, k) / k)
    return sorted({float(f"{q:.2g}") for q in qs if q > 0})


def _spread(palette: list, n: int) -> list:
    if n <= 1:
        return [palette[len(palette) // 2]]
    idx = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return [palette[i] for i in idx]


def value_class(value, breaks: list) -> int:
    """The class of a value: the number of breaks it reaches (the page's ``colorFor`` does the same).

    >>> value_class(3, [1, 2, 5]), value_class(0, [1, 2, 5])
    (2, 0)
    """
    return int(np.searchsorted(breaks, value, side="right"))


def measures(units: dict, lang: str) -> dict:
    """Each measure of the units (columns of the map's units section): its label, column,
    class breaks, colours, legend labels in ``lang``, missing colour and count, and note.

    >>> measures({"pop": [None], "density": [None], "areaDiff": [None], "nMembers": [3]}, "en")["members"]["label"]
    'Old units merged'
    """
    out = {}
    for key, (field, palette) in _SEQUENTIAL.items():
        values = units[field]
        breaks = _quantile_breaks(values, len(palette))
        colors = palette if len(breaks) == len(palette) - 1 else _spread(palette, len(breaks) + 1)
        out[key] = {
            "label": render(f"maps.measure_{key}", lang), "field": field, "breaks": breaks, "colors": colors,
            "labels": _class_labels(breaks, lang), "missing": MISSING, "nMissing": sum(v is None for v in values),
            "note": render("maps.measure_note_quantiles", lang),
        }
    flagged = [f in SUSPECT_FLAGS for f in units.get("declFlag") or [None] * len(units["areaDiff"])]
    out["area_diff"] = {
        "label": render("maps.measure_area_diff", lang), "field": "areaDiff",
        "breaks": _AREA_BREAKS, "colors": _DIV, "labels": _class_labels(_AREA_BREAKS, lang, pct=True),
        "missing": MISSING, "nMissing": sum(v is None and not f for v, f in zip(units["areaDiff"], flagged)),
        "note": render("maps.measure_note_area_diff", lang),
        "suspect": {"color": SUSPECT, "flags": list(SUSPECT_FLAGS), "n": sum(flagged),
                    "label": render("maps.measure_suspect", lang)},
    }
    return {key: out[key] for key in MEASURES}
