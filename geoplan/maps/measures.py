"""The colourings of a review map: classes, palettes and legend labels of each measure.

>>> measures([100, 200], [1.0, 2.0], [0.5, None], [1, 2])["area_diff"]["nMissing"]
1
"""

from __future__ import annotations

import numpy as np

MEASURES = ("population", "density", "area_diff", "members")
_SEQ_POP = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
_SEQ_MEMBERS = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"]
_SEQ_DENS = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
_DIV = ["#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
        "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"]  # fmt: skip
_AREA_BREAKS = [-5.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 5.0]
_MISSING = "#bdbdbd"


def _fmt_num(v: float, pct: bool = False) -> str:
    if pct:
        return f"{v:+g} %" if v else "0 %"
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2g}"


def _class_labels(breaks: list, pct: bool = False) -> list[str]:
    if not breaks:
        return []
    labels = [f"< {_fmt_num(breaks[0], pct)}"]
    for lo, hi in zip(breaks, breaks[1:]):
        labels.append(f"{_fmt_num(lo, pct)} to {_fmt_num(hi, pct)}")
    labels.append(f"\u2265 {_fmt_num(breaks[-1], pct)}")
    return labels


def _quantile_breaks(values: list, k: int) -> list:
    arr = np.array([v for v in values if v is not None], dtype=float)
    if len(arr) == 0:
        return []
    qs = np.quantile(arr, np.arange(1, k) / k)
    nice = sorted({float(f"{q:.2g}") for q in qs if q > 0})
    return nice


def measures(pop: list, density: list, area_diff: list, members: list) -> dict:
    out = {}
    for key, label, field, values, palette in (
        ("population", "Population", "pop", pop, _SEQ_POP),
        ("density", "Density (per km\u00b2)", "density", density, _SEQ_DENS),
        ("members", "Old units merged", "nMembers", members, _SEQ_MEMBERS),
    ):
        breaks = _quantile_breaks(values, len(palette))
        colors = palette if len(breaks) == len(palette) - 1 else _spread(palette, len(breaks) + 1)
        out[key] = {
            "label": label, "field": field, "breaks": breaks, "colors": colors,
            "labels": _class_labels(breaks), "missing": _MISSING,
            "nMissing": sum(v is None for v in values),
            "note": "classes: quantiles of the units",
        }
    out["area_diff"] = {
        "label": "Area difference (%)", "field": "areaDiff",
        "breaks": _AREA_BREAKS, "colors": _DIV, "labels": _class_labels(_AREA_BREAKS, pct=True),
        "missing": _MISSING, "nMissing": sum(v is None for v in area_diff),
        "note": "computed vs declared area: (computed \u2212 declared) / declared",
    }
    return out


def _spread(palette: list, n: int) -> list:
    if n <= 1:
        return [palette[len(palette) // 2]]
    idx = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return [palette[i] for i in idx]
