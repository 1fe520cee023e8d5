"""Where each feature of the old layer went, in the layer's order, from the crosswalk.

>>> features = features_table(pieces, links, detached)  # doctest: +SKIP
>>> features.columns.tolist()  # doctest: +SKIP
['feature', 'old_code', 'new_code', 'linked_by', 'detached']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..link.match import LinkResult
from .table import main_pieces


def features_table(pieces: pd.DataFrame, links: LinkResult, detached: np.ndarray) -> pd.DataFrame:
    """One row per feature: the plan member it linked to (``old_code``, "" if none), the new unit
    it went into (``new_code``: that of its largest piece; "" if unplaced or outside the plan),
    how it was linked (``linked_by``, ``inferred`` for a feature placed by the longest border)
    and whether it lies apart from the rest of its new unit (``detached``)."""
    table = links.table.reset_index(drop=True)
    main = main_pieces(pieces, len(table))
    return pd.DataFrame({
        "feature": np.arange(len(table)),
        "old_code": table["old_code"].fillna("").astype(str).to_numpy(),
        "new_code": main["new_code"].fillna("").astype(str).to_numpy(),
        "linked_by": np.where(main["link"] == "inferred", "inferred", table["linked_by"].to_numpy(dtype=object)),
        "detached": detached,
    })
