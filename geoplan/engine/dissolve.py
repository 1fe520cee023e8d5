"""The geometry engine: dissolve a dirty coverage into clean units.

It knows nothing of names, codes or plans: it takes polygons and a group key
per polygon, and returns one polygon per key plus a log of every repair.

Real layers are dirty coverages: neighbours overlap and leave slivers of gap
between them. A *clean* result is a coverage (valid polygons, no overlaps,
shared edges identical vertex for vertex) with no gap inside its outline.

How: the compiled arrangement (``geoplan/engine/_arrange.c``, through :mod:`geoplan.engine.arrange`) nodes every ring of
every polygon at once with snap rounding on a grid of about a micrometre
(every crossing and every vertex becomes a node, and segments passing
through a node are bent through it), builds the faces of the resulting
planar graph and the polygons covering each face. Each face then goes to a
unit by explicit rules:

- ``invalid``: an invalid polygon the arrangement notices (rings crossing
  each other, a hole outside its shell) is repaired with ``make_valid``,
  logged, and the arrangement run again;
- a face covered by polygons of one key goes to that key (overlaps between
  polygons of the same key are simply dissolved);
- ``overlap``: an overlap of polygons of several keys (adjacent faces
  covered by the same keys, taken together) goes whole to a key for which it
  is all the key has (rule ``whole unit``: a unit drawn inside another's
  polygon keeps its area, the other gets a hole), else to the one among them
  with the longest border with it (rule ``longest border``);
- ``gap``: a face inside the outline that no polygon covers goes to the
  neighbouring key with the longest border with it: rule ``enclosed`` when
  only one key borders it (a gap between polygons of the same unit),
  ``longest border`` otherwise, ``wide gap`` when it lies between units
  and is wider than ``gap_width_m`` (filled, but flagged for review).

Enclaves and islands stay as they are. All units come out of one planar
graph, so shared edges match vertex for vertex. The whole national commune
layer (11,163 polygons, 34,618 gap faces) takes a fraction of a second.

>>> import shapely
>>> frame = [shapely.box(-1, -1, 3, 0), shapely.box(-1, 1, 3, 2)]  # closes the gap above and below
>>> out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(1.001, 0, 2, 1), *frame], ["a", "b", "c", "c"], 10)
>>> bool(shapely.coverage_is_valid(out.units.to_numpy())), round(float(out.units.area.sum()), 6)
(True, 10.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..i18n import Message
from ..measure.area import METRES_PER_DEGREE, has_area, in_chunks, metres_along, ragged_area_km2, to_lonlat
from .arrange import arrange, int32, multipolygons, ragged
from .geometry import polygonal_part

RULES = {1: "enclosed", 2: "longest border", 3: "first candidate", 4: "whole unit"}
GAP = 2  # kind of a piece returned by the arrangement (3: an overlap between units)


@dataclass
class Dissolved:
    """Result of :func:`dissolve_clean`: ``units`` (GeoSeries by key, a valid
    coverage), ``repairs`` (GeoDataFrame: ``kind, rule, receiving_code,
    other_codes``, ``area`` and ``width`` in CRS units, the repaired piece),
    ``overlaps`` (DataFrame: how much the polygons overlap, within a unit or
    between units, one row per number of polygons covering, ``n_polygons``,
    and the ``area_km2`` they cover so: what they count more than once), ``stats`` (counts of the arrangement:
    nodes, edges, faces, crossings...) and ``repaired`` (the invalid polygons
    repaired, by position in the input: the geometry used instead)."""

    units: gpd.GeoSeries
    repairs: gpd.GeoDataFrame
    overlaps: pd.DataFrame
    stats: dict = field(default_factory=dict)
    repaired: dict = field(default_factory=dict)


def crs_units(metres: float, crs) -> float:
    """A distance in metres in the units of ``crs`` (degrees along a meridian when geographic).

    >>> crs_units(111_320.0, "EPSG:4326"), crs_units(200.0, "EPSG:3405")
    (1.0, 200.0)
    """
    return metres / METRES_PER_DEGREE if crs is not None and CRS.from_user_input(crs).is_geographic else metres


def gap_widths(pieces: np.ndarray, geographic: bool) -> np.ndarray:
    """Mean width of each piece, twice its area over its perimeter, in CRS units;
    on lon/lat in degrees of latitude, each degree of longitude shrunk by the
    cosine of the latitude, so that a width means the same distance whatever
    the layer's CRS. Measured a few thousand pieces at a time (their boundaries
    are copies).

    >>> gap_widths(np.array([shapely.box(0, 0, 1, 1), shapely.box(0, 60, 1, 61)]), True).round(2).tolist()
    [0.5, 0.33]
    """
    if not geographic:
        return 2 * shapely.area(pieces) / shapely.length(pieces)
    return in_chunks(_geographic_widths, np.asarray(pieces, dtype=object))


def _geographic_widths(pieces: np.ndarray) -> np.ndarray:
    """:func:`gap_widths` of lon/lat pieces."""
    shrink = np.cos(np.radians(shapely.get_y(shapely.centroid(pieces))))
    perimeter = metres_along(shapely.boundary(pieces)) / METRES_PER_DEGREE
    return 2 * shapely.area(pieces) * shrink / perimeter


def _repairs(out: dict, keys: np.ndarray, gap_width: float, geographic: bool) -> gpd.GeoDataFrame:
    """The logged repairs: each gap, each overlap between units."""
    pieces = multipolygons(out, "pieces", single_as_polygon=True)  # (hundreds of thousands on large layers)
    kind, group, rule = int32(out, "piece_kind"), int32(out, "piece_group"), int32(out, "piece_rule")
    bounds, others = int32(out, "piece_other_offsets"), int32(out, "piece_other")
    area = shapely.area(pieces)
    gaps = kind == GAP
    width = np.full(len(pieces), np.nan)
    width[gaps] = gap_widths(pieces[gaps], geographic)
    rules = np.array([RULES[r] for r in range(1, len(RULES) + 1)], dtype=object)[rule - 1]
    rules[gaps & (rule != 1) & (width > gap_width)] = "wide gap"  # between units; a gap inside a unit is its own
    names, others, bounds = [str(k) for k in keys], others.tolist(), bounds.tolist()
    return gpd.GeoDataFrame({
        "kind": np.where(gaps, "gap", "overlap"),
        "rule": rules,
        "receiving_code": keys[group],
        "other_codes": [",".join([names[j] for j in others[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])],
        "area": area,
        "width": width,
    }, geometry=pieces)


def _overlaps(out: dict, crs) -> pd.DataFrame:
    """How much of the layer the polygons cover 2, 3... times (``n_polygons``, ``area_km2``), measured
    on the arrangement's rings without making them into geometries."""
    xy, offsets = ragged(out, "excess")
    return pd.DataFrame({"n_polygons": np.arange(len(offsets[2]) - 1) + 2,
                         "area_km2": ragged_area_km2(xy, offsets, crs)})


def _invalid_repaired(geoms: np.ndarray, flagged: np.ndarray) -> list[int]:
    """Step ``invalid``: the invalid ones among flagged polygons made valid, in place; their positions."""
    repaired = [i for i in flagged if not shapely.is_valid(geoms[i])]
    for i in repaired:
        geoms[i] = polygonal_part(shapely.make_valid(geoms[i]))
    return repaired


def dissolve_clean(geoms, keys, gap_width_m: float = 200.0, crs=None, progress=None) -> Dissolved:
    """Dissolve polygons by key into a clean coverage, logging every repair.

    Parameters
    ----------
    geoms : array or GeoSeries of Polygon/MultiPolygon, in any CRS.
    keys : array of group keys, one per geometry (None drops the geometry).
    gap_width_m : gaps narrower than this many metres are routine repairs;
        wider gaps inside the outline are filled too, flagged ``wide gap``.
    crs : the CRS of ``geoms`` (default: a GeoSeries' own; none: planar
        coordinates in metres). On lon/lat, border lengths (the rules'
        longest border) are measured with east-west distances shrunk by the
        cosine of the latitude, and the gap width is converted to degrees.
    progress : optional callable(message) called as each step starts, with a
        :class:`geoplan.i18n.Message` (``str()`` renders it in the language in use).

    Returns
    -------
    Dissolved with ``units`` (GeoSeries indexed by key), ``repairs``,
    ``overlaps``, ``stats`` and ``repaired``.

    Examples
    --------
    >>> import shapely
    >>> out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(0.99, 0, 2, 1)], [1, 2], gap_width_m=0.1)
    >>> list(out.repairs["kind"]), list(out.repairs["rule"])
    (['overlap'], ['longest border'])
    """
    step = progress or (lambda message: None)
    crs = crs if crs is not None else getattr(geoms, "crs", None)
    geographic = crs is not None and CRS.from_user_input(crs).is_geographic
    geoms = np.asarray(geoms, dtype=object)
    keys = np.asarray(keys, dtype=object)
    keep = (keys != None) & has_area(geoms)  # noqa: E711 (element-wise)
    geoms, keys = geoms[keep].copy(), keys[keep]
    group_keys, groups = np.unique(keys.astype(str), return_inverse=True)
    group_keys = keys[np.unique(groups, return_index=True)[1]]  # the keys as given, in sorted order

    step(Message("dissolve.progress", n=len(geoms), units=len(group_keys)))
    out = arrange(geoms, groups, len(group_keys), geographic)
    # suspects: polygons whose rings cross, and those of a group that winds negatively somewhere
    suspect = np.frombuffer(out["source_flag"], dtype=np.uint8).astype(bool)
    suspect |= np.frombuffer(out["group_flag"], dtype=np.uint8).astype(bool)[groups]
    repaired = _invalid_repaired(geoms, np.flatnonzero(suspect))
    if repaired:
        step(Message("dissolve.progress_again", n=len(repaired)))
        out = arrange(geoms, groups, len(group_keys), geographic)
    units = multipolygons(out, "units", single_as_polygon=True)
    repairs = _repairs(out, group_keys, crs_units(gap_width_m, crs), geographic)
    if repaired:
        invalid = gpd.GeoDataFrame({"kind": "invalid", "rule": "make_valid", "receiving_code": keys[repaired],
                                    "other_codes": "", "area": shapely.area(geoms[repaired]), "width": np.nan},
                                   geometry=geoms[repaired])
        repairs = pd.concat([invalid, repairs], ignore_index=True)
    position = np.flatnonzero(keep)
    return Dissolved(gpd.GeoSeries(units, index=pd.Index(group_keys, name="key"), crs=crs), repairs,
                     _overlaps(out, crs), out["stats"], {int(position[i]): geoms[i] for i in repaired})


def in_lonlat(units: gpd.GeoSeries, crs, gap_width_m: float = 0.0) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """The units of :func:`dissolve_clean` (in ``crs``) in lon/lat (EPSG:4326), still a clean
    coverage, and the repairs that took (in lon/lat; none, mostly).

    Moved to lon/lat, vertices a grid step apart (micrometres, on a projected layer) may cross
    and leave a unit invalid (the ``subgrid_channel_fill`` reproducer, EPSG:32648); the moved
    units are then dissolved once more, in lon/lat. That pass moves edges by a grid step at
    most, but a gap left open through a channel narrower than a step of the first grid, which
    lon/lat doubles cannot hold apart, is closed by the second and filled (2.7 m2 on that
    reproducer): logged as the second pass's repairs (gaps wider than ``gap_width_m`` flagged).

    >>> units = gpd.GeoSeries([shapely.box(500000, 1e6, 501000, 1001000)], index=["a"], crs="EPSG:32648")
    >>> geoms, repairs = in_lonlat(units, units.crs)
    >>> shapely.is_valid(geoms).tolist(), len(repairs)
    ([True], 0)
    """
    geoms = units.to_numpy()
    lonlat = to_lonlat(geoms, crs)
    if lonlat is geoms or (shapely.is_valid(lonlat) | shapely.is_missing(lonlat)).all():
        return lonlat, _repairs_none()  # not moved (lon/lat already: the engine's output as it is), or still valid
    again = dissolve_clean(lonlat, units.index.to_numpy(), gap_width_m, crs="EPSG:4326")
    return again.units.reindex(units.index).to_numpy(), again.repairs


def _repairs_none() -> gpd.GeoDataFrame:
    """An empty table of repairs (the columns of :func:`dissolve_clean`'s), in lon/lat."""
    return gpd.GeoDataFrame({"kind": [], "rule": [], "receiving_code": [], "other_codes": [], "area": [], "width": []},
                            geometry=[], crs="EPSG:4326")
