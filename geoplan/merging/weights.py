"""Apportion the counts of a divided old unit to its parts: by area, or by a weight layer.

The dasymetric method NHGIS and the US Census relationship files use: a part
gets the old unit's count times its share of the weight - points (address
points, building centroids: 1 each, or the value of a weight field) or polygons
(building footprints: their area, or their weight, placed at a point inside
each). A polygon whose parts hold no weight is apportioned by area, and says so.
Whole counts stay whole: the parts get whole numbers that add up to the old
value exactly (largest remainders).

>>> apportion(10, np.array([0.55, 0.45]), whole=True).tolist()
[6, 4]
>>> apportion(7.5, np.array([0.5, 0.5]), whole=False).tolist()
[3.75, 3.75]
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..i18n import Option
from ..io.layers import POLYGONAL, PUNCTUAL, layer_of
from ..measure.area import fast_area_km2


@dataclass(frozen=True)
class Weights:
    """Weight points in the old layer's CRS and the weight of each."""

    points: np.ndarray
    values: np.ndarray
    label: str

    @classmethod
    def read(cls, source, crs, field: str | None = None) -> Weights:
        """Points or polygons from a file or a GeoDataFrame; polygons weigh their area (km2) unless
        ``field`` is given; a missing or negative weight is an error naming the feature."""
        label = str(source) if isinstance(source, (str, os.PathLike)) else "weights"
        frame = layer_of(source, label, "--weights-", PUNCTUAL | POLYGONAL)
        frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].to_crs(crs)
        geoms = frame.geometry.to_numpy()
        polygons = np.isin(shapely.get_type_id(geoms), (3, 6))
        if field is not None:
            if field not in frame.columns:
                raise InputError("weights.no_field", path=label, field=field, option=Option("weight_field"))
            values = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=float)
            bad = ~(values >= 0)
            if bad.any():
                raise InputError("weights.bad_value", path=label, field=field, row=int(np.flatnonzero(bad)[0]),
                                 value=frame[field].iloc[int(np.flatnonzero(bad)[0])])
        else:
            values = np.where(polygons, fast_area_km2(geoms, crs), 1.0)
        points = np.where(polygons, shapely.point_on_surface(geoms), shapely.centroid(geoms))
        return cls(points, values, label)

    def within(self, parts: np.ndarray) -> np.ndarray:
        """The weight inside each part (a point on a shared border counts once, in the first part)."""
        out = np.zeros(len(parts))
        if not len(parts) or not len(self.points):
            return out
        part, point = shapely.STRtree(self.points).query(parts, predicate="intersects")
        first = ~pd.Series(point).duplicated().to_numpy()
        np.add.at(out, part[first], self.values[point[first]])
        return out


def apportion(value: float, shares: np.ndarray, whole: bool) -> np.ndarray:
    """``value`` split by ``shares`` (adding up to 1): whole numbers by largest remainders when
    ``whole``, else fractions whose sum is ``value``; missing stays missing."""
    if pd.isna(value):
        return np.full(len(shares), np.nan)
    if not whole:
        out = value * shares
        out[-1] = value - out[:-1].sum()
        return out
    exact = int(round(value)) * shares
    out = np.floor(exact).astype(np.int64)
    left = int(round(value)) - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:left]] += 1
    return out


def shares_of(parts: np.ndarray, source: np.ndarray, weights: Weights | None, crs) -> tuple[np.ndarray, np.ndarray]:
    """Each part's share of the polygon it came from (``source``), and the basis of that share
    (``weights`` or ``area``, area where the polygon's parts hold no weight)."""
    area = fast_area_km2(parts, crs)
    weight = weights.within(parts) if weights is not None else np.zeros(len(parts))
    total_weight = pd.Series(weight).groupby(source).transform("sum").to_numpy()
    total_area = pd.Series(area).groupby(source).transform("sum").to_numpy()
    by_weight = total_weight > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(by_weight, weight / total_weight, np.where(total_area > 0, area / total_area, 1.0))
    return share, np.where(by_weight, "weights", "area")
