"""Where each feature of the old layer went, in the layer's order, from the crosswalk.

>>> features = features_table(pieces, links, detached, layer.fids, layer.lonlat)  # doctest: +SKIP
>>> features.columns.tolist()  # doctest: +SKIP
['feature', 'fid', 'old_code', 'new_code', 'linked_by', 'detached', 'geometry']
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..link.match import LinkResult
from .table import main_pieces


def features_table(pieces: pd.DataFrame, links: LinkResult, detached: np.ndarray, fids, geoms) -> gpd.GeoDataFrame:
    """One row per feature of the old layer, with its polygon (lon/lat ``geoms``) and its own
    feature id (``fid``: the FID of the file it was read from): the plan member it linked to
    (``old_code``, "" if none), the new unit it went into (``new_code``: that of its largest
    piece; "" if unplaced or outside the plan), how it was linked (``linked_by``, ``inferred``
    for a feature placed by the longest border) and whether it lies apart from the rest of its
    new unit (``detached``)."""
    table = links.table.reset_index(drop=True)
    main = main_pieces(pieces, len(table))
    return gpd.GeoDataFrame({
        "feature": np.arange(len(table)),
        **_ids(fids),
        "old_code": table["old_code"].fillna("").astype(str).to_numpy(),
        "new_code": main["new_code"].fillna("").astype(str).to_numpy(),
        "linked_by": np.where(main["link"] == "inferred", "inferred", table["linked_by"].to_numpy(dtype=object)),
        "detached": detached,
    }, geometry=list(geoms), crs="EPSG:4326")


def _ids(fids) -> dict:
    """The features' own ids as a column: ``fid`` when they are whole numbers (a file's FIDs, a
    frame's default index), else ``source_id`` (a frame's own labels, as text: a GeoPackage's
    ``fid`` is its integer key, and the file numbers its rows itself).

    >>> _ids(np.array([3, 7])), _ids(np.array(["a", "b"], dtype=object))
    ({'fid': array([3, 7])}, {'source_id': array(['a', 'b'], dtype=object)})
    """
    fids = np.asarray(fids)
    return {"fid": fids} if fids.dtype.kind in "iu" else {"source_id": fids.astype(str).astype(object)}
