"""The map of an atlas page, drawn with matplotlib (no tiles, nothing fetched): the units of the
page coloured by the measure, the units around them in grey, the names that fit (never on top
of each other), the province outline, the old units on demand, a scale bar, a north arrow and
the legend of the colours.

Coordinates are kilometres on a plane tangent at the middle of the page (x east, y north;
a degree of longitude is 111.32 km times the cosine of the latitude there): at the scale of a
province the distortion is below the width of a printed line, and the scale bar is exact at
the centre.

>>> plane = Plane(105.0, 10.0)
>>> plane.xy(np.array([[105.1, 10.0], [105.0, 10.1]])).round(1).ravel().tolist()
[11.0, 0.0, 0.0, 11.1]
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path

from ..i18n import render
from .atlas_fonts import text_width
from .shapes import label_points

KM_PER_DEGREE = (111.32, 110.574)  # of longitude at the equator, of latitude
LABEL_PT = 6.0
HALO = {"boxstyle": "square,pad=0.12", "facecolor": (1, 1, 1, 0.7), "edgecolor": "none"}  # behind names: real text
# stays text in the PDF (a path effect would turn it into outlines that cannot be searched)
OLD_COLOUR = "#7b2d6b"


class Plane:
    """Kilometres from a centre (lon, lat) on a plane tangent there."""

    def __init__(self, lon: float, lat: float):
        self.lon, self.lat = lon, lat
        self.kx, self.ky = KM_PER_DEGREE[0] * math.cos(math.radians(lat)), KM_PER_DEGREE[1]

    def xy(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack([(lonlat[:, 0] - self.lon) * self.kx, (lonlat[:, 1] - self.lat) * self.ky])


def geometry_paths(geoms, plane: Plane) -> list[Path]:
    """A matplotlib path per polygonal geometry, its holes kept (rings closed, nonzero fill: shells
    counter-clockwise, holes clockwise as shapely orients them).

    >>> len(geometry_paths([shapely.box(105, 10, 105.1, 10.1)], Plane(105, 10))[0].vertices)
    5
    """
    geoms = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    xy = plane.xy(coords)
    kinds = np.full(len(xy), Path.LINETO, dtype=np.uint8)
    starts = np.flatnonzero(np.r_[True, coord_ring[1:] != coord_ring[:-1]])
    kinds[starts] = Path.MOVETO
    kinds[np.r_[starts[1:], len(xy)] - 1] = Path.CLOSEPOLY
    geom_of = part_of[ring_part[coord_ring]]
    bounds = np.searchsorted(geom_of, np.arange(len(geoms) + 1))
    return [Path(xy[a:b], kinds[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def nice_length(km: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) of at most ``km``.

    >>> nice_length(37.0), nice_length(0.8)
    (20.0, 0.5)
    """
    power = 10 ** math.floor(math.log10(km))
    return float(max(s * power for s in (1, 2, 5) if s * power <= km))


class MapPanel:
    """The map of a page: ``rows`` the units it shows coloured (rows of ``book.units``),
    ``outline`` the boundary drawn thick (the province, or the commune); ``context`` names the
    units around them too (in grey), where room is left."""

    def __init__(self, book, rows: list, outline, context: bool = False):
        self.book, self.rows, self.outline, self.context = book, rows, outline, context
        minx, miny, maxx, maxy = shapely.bounds(outline)
        self.plane = Plane((minx + maxx) / 2, (miny + maxy) / 2)

    def _extent(self, ax) -> tuple[float, float, float, float]:
        """The view in km: the outline with a margin, widened to the axes' shape."""
        corners = self.plane.xy(np.array(shapely.bounds(self.outline)).reshape(2, 2))
        (x0, y0), (x1, y1) = corners
        w, h = (x1 - x0) * 1.08 + 0.5, (y1 - y0) * 1.08 + 0.5
        box = ax.get_position()
        fig_w, fig_h = ax.figure.get_size_inches()
        shape = (box.width * fig_w) / (box.height * fig_h)
        w, h = max(w, h * shape), max(h, w / shape)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2

    def draw(self, ax, labels: bool = True) -> None:
        units, book = self.book.units, self.book
        x0, x1, y0, y1 = self._extent(ax)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        lon0, lat0 = self.plane.lon, self.plane.lat
        view = shapely.box(lon0 + x0 / self.plane.kx, lat0 + y0 / self.plane.ky, lon0 + x1 / self.plane.kx, lat0 + y1 / self.plane.ky)
        around = np.setdiff1d(units.sindex.query(view), self.rows)
        if len(around):
            ax.add_collection(PathCollection(geometry_paths(units.geometry.values[around], self.plane),
                                             facecolors="#e6e6e6", edgecolors="#ffffff", linewidths=0.4))
        geoms = units.geometry.values[self.rows]
        ax.add_collection(PathCollection(geometry_paths(geoms, self.plane), facecolors=[book.colours[r] for r in self.rows],
                                         edgecolors="#4d4d4d", linewidths=0.3))
        if book.old is not None:
            self._old(ax, view)
        ax.add_collection(PathCollection(geometry_paths([self.outline], self.plane), facecolors="none",
                                         edgecolors="#111111", linewidths=1.4))
        if labels:
            km_per_pt = (x1 - x0) / (ax.get_position().width * ax.figure.get_size_inches()[0] * 72)
            placed = self._labels(ax, self.rows, km_per_pt, [], "#111111")
            if self.context and len(around):
                self._labels(ax, list(around), km_per_pt, placed, "#666666", view)
        self._scale_bar(ax, x0, x1, y0, y1)
        self._north(ax)

    def _old(self, ax, view) -> None:
        old = self.book.old
        shown = old.sindex.query(view)
        codes = set(self.book.figures["code"][r] for r in self.rows)
        mine = [k for k in shown if old["new"].iat[k] in codes]
        if mine:
            ax.add_collection(PathCollection(geometry_paths(old.geometry.values[mine], self.plane), facecolors="none",
                                             edgecolors=OLD_COLOUR, linewidths=0.6, linestyles=(0, (3, 2))))

    def _labels(self, ax, rows: list, km_per_pt: float, placed: list, colour: str, view=None) -> list:
        """Names of units ``rows`` where they fit inside their unit's box (its part in ``view``),
        largest units first, none touching another (nor those ``placed`` already); returns the boxes taken."""
        figures, geoms = self.book.figures, self.book.units.geometry.values[rows]
        if view is not None:
            geoms = shapely.intersection(geoms, shapely.buffer(view, -0.002))
        points, bounds = label_points(geoms), shapely.bounds(geoms)
        for k in np.argsort(-shapely.area(shapely.envelope(geoms))):
            if points[k] is None:
                continue
            lat, lon = points[k]
            (x, y), = self.plane.xy(np.array([[lon, lat]]))
            box_w = (bounds[k, 2] - bounds[k, 0]) * self.plane.kx / km_per_pt
            name = figures["name"][rows[k]] or ""
            for text in (name, without_type(name)):
                w = text_width(text, LABEL_PT)
                if w <= 0.95 * box_w:
                    half_w, half_h = (w / 2 + 1.5) * km_per_pt, (LABEL_PT * 0.75) * km_per_pt
                    rect = (x - half_w, y - half_h, x + half_w, y + half_h)
                    if not any(rect[0] < o[2] and o[0] < rect[2] and rect[1] < o[3] and o[1] < rect[3] for o in placed):
                        placed.append(rect)
                        ax.text(x, y, text, fontsize=LABEL_PT, ha="center", va="center", color=colour, bbox=HALO,
                                clip_on=True)
                    break
        return placed

    def _scale_bar(self, ax, x0, x1, y0, y1) -> None:
        length = nice_length((x1 - x0) * 0.22)
        bx, by, tall = x1 - (x1 - x0) * 0.04 - length, y0 + (y1 - y0) * 0.04, (y1 - y0) * 0.008
        for k, colour in enumerate(("#111111", "#ffffff")):
            ax.fill([bx + k * length / 2, bx + (k + 1) * length / 2, bx + (k + 1) * length / 2, bx + k * length / 2],
                    [by, by, by + tall, by + tall], facecolor=colour, edgecolor="#111111", linewidth=0.6)
        text = render("atlas.scale", self.book.lang, km=format_number(length, self.book.lang))
        ax.text(bx + length / 2, by + tall * 2.2, text, ha="center", va="bottom", fontsize=7, bbox=HALO)

    def _north(self, ax) -> None:
        ax.annotate("", xy=(0.96, 0.95), xytext=(0.96, 0.88), xycoords="axes fraction",
                    arrowprops={"arrowstyle": "-|>", "color": "#111111", "lw": 1.2})
        ax.text(0.96, 0.955, render("atlas.north", self.book.lang), transform=ax.transAxes, ha="center", va="bottom",
                fontsize=9, fontweight="bold", bbox=HALO)


def draw_legend(ax, measure: dict, flagged: int, lang: str) -> None:
    """The colour classes of the measure (and the units whose declared area check flags, when the
    page has any), in the lower left corner of the map.

    >>> draw_legend(ax, book.measure, 0, "vi")  # doctest: +SKIP
    """
    handles = [Patch(facecolor=c, edgecolor="#4d4d4d", linewidth=0.4, label=text)
               for c, text in zip(measure["colors"], measure["labels"])]
    handles.append(Patch(facecolor=measure["missing"], edgecolor="#4d4d4d", linewidth=0.4,
                         label=render("atlas.no_data", lang)))
    if flagged and measure.get("suspect"):
        handles.append(Patch(facecolor=measure["suspect"]["color"], edgecolor="#4d4d4d", linewidth=0.4,
                             label=measure["suspect"]["label"]))
    legend = ax.legend(handles=handles, title=measure["label"], loc="lower left", fontsize=6.5, title_fontsize=7.5,
                       frameon=True, framealpha=0.92, borderpad=0.6, handlelength=1.6, handleheight=1.0)
    legend.get_frame().set_linewidth(0.4)
    legend._legend_box.align = "left"


def format_number(value: float, lang: str, digits: int | None = 0) -> str:
    """A number the language's way (Babel), ``digits`` decimals (as few as needed when None).

    >>> format_number(3606910, "vi"), format_number(9836.814, "en", 2), format_number(0.5, "vi", None)
    ('3.606.910', '9,836.81', '0,5')
    """
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "") if digits is not None else "#,##0.###"
    return format_decimal(value, pattern, locale=lang)


def without_type(name: str) -> str:
    """A unit's name without its type ("Phường Thới Sơn" -> "Thới Sơn").

    >>> without_type("Phường Thới Sơn"), without_type("Đặc khu Phú Quốc"), without_type("Hà Nội")
    ('Thới Sơn', 'Phú Quốc', 'Hà Nội')
    """
    from ..link.names import UNIT_TYPES

    low = name.lower()
    return next((name[len(t) + 1:] for t in UNIT_TYPES if low.startswith(t + " ")), name)
