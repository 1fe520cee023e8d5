"""The old units a review map draws, read like any layer and with their fields named by role.

The layer is read by :func:`geoplan.io.layers.read_layer` (CRS required, a layer
asked for when the file has several, zips and legacy encodings); its fields
are those given, else those the merge recorded, else guessed from common
names, and renamed to ``code``, ``name``, ``parent``, ``district``,
``population``.

Examples
--------
>>> old = read_old_layer("old_communes.gpkg")  # doctest: +SKIP
>>> list(old.columns)  # doctest: +SKIP
['code', 'name', 'parent', 'district', 'population', 'geometry']
"""

from __future__ import annotations

import geopandas as gpd

from ..errors import InputError
from ..io.layers import check_layer, read_layer, require_fields
from ..link.fields import guess_fields


def read_old_layer(old, layer: str | None = None, encoding: str | None = None, *,
                   given: dict | None = None, recorded: dict | None = None) -> gpd.GeoDataFrame:
    """Old units (a file or a GeoDataFrame) with their fields renamed by role.

    ``given`` maps roles (``code``, ``name``, ``parent``) to the fields the
    user named, which must exist (``--old-code``...); ``recorded`` to those
    the merge linked by, used when the layer has them; the other roles are
    guessed from :data:`geoplan.link.fields.ROLES`. A name field is required.

    >>> from shapely import box
    >>> old = gpd.GeoDataFrame({"ten_xa": ["Xã A"]}, geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> list(read_old_layer(old).columns)
    ['name', 'geometry']
    """
    if isinstance(old, gpd.GeoDataFrame):
        label, gdf = "old layer", check_layer(old, "old layer")
    else:
        label, gdf = str(old), read_layer(old, layer, encoding, option_prefix="--old-")
    given = {role: field for role, field in (given or {}).items() if field}
    require_fields(gdf, {f"--old-{role}": field for role, field in given.items()}, label)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    fields = {role: given.get(role) or guessed for role, guessed in guess_fields(columns, recorded).items()}
    if fields["name"] is None:
        raise InputError("maps.old_name_field", label=label, fields=", ".join(map(str, columns)))
    return gpd.GeoDataFrame({role: gdf[field] for role, field in fields.items() if field},
                            geometry=gdf.geometry.values, crs=gdf.crs)
