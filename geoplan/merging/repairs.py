"""The repairs of a merge as a planner reads them: in lon/lat, areas in km2, widths in metres,
a point inside each; and what the old polygons count twice where they overlap.

>>> counted_twice_km2(pd.DataFrame({"n_polygons": [2, 3], "area_km2": [10.0, 1.5]}))
13.0
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from ..measure.area import METRES_PER_DEGREE, fast_area_km2, to_lonlat


def repairs_table(repairs: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """The engine's repairs (areas and widths in the layer's units) in lon/lat with
    ``area_km2``, ``width_m``, ``lon`` and ``lat`` (see docs/CONTRACTS.md, layer ``repairs``).

    >>> repairs_table(gpd.GeoDataFrame({"kind": ["gap"], "rule": ["enclosed"], "receiving_code": ["1"],
    ...     "other_codes": [""], "area": [1.0], "width": [0.001]}, geometry=[shapely.box(0, 0, 1, 1)]),
    ...     "EPSG:4326")["width_m"].round(1).tolist()
    [111.3]
    """
    lonlat = to_lonlat(repairs.geometry.to_numpy(), crs)
    scale = METRES_PER_DEGREE if CRS.from_user_input(crs).is_geographic else 1.0
    out = gpd.GeoDataFrame(repairs.drop(columns=["geometry", "area", "width"]).assign(
        area_km2=fast_area_km2(lonlat), width_m=repairs["width"].to_numpy() * scale), geometry=list(lonlat), crs="EPSG:4326")
    where = shapely.point_on_surface(out.geometry.to_numpy())
    out["lon"], out["lat"] = shapely.get_x(where), shapely.get_y(where)
    out["receiving_code"] = out["receiving_code"].astype(str)
    out["other_codes"] = out["other_codes"].astype(str)
    return out


def counted_twice_km2(overlaps: pd.DataFrame) -> float:
    """What the old polygons count more than once where they overlap (the engine's ``overlaps``):
    a piece covered by n polygons, n - 1 times its area."""
    return float(((overlaps["n_polygons"].to_numpy() - 1) * overlaps["area_km2"].to_numpy()).sum())
