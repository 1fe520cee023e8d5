"""What a merge produces: the new units, the crosswalk of pieces they are made of, the lineage,
the repairs, where each feature went, and the report.

>>> result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")  # doctest: +SKIP
>>> result.crosswalk.groupby("old_code")["area_share"].sum().eq(1).all()  # doctest: +SKIP
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from ..link.match import LinkResult
from . import text
from .report import MergeReport


@dataclass
class MergeResult:
    """The result of :func:`geoplan.merge`.

    - ``units``: GeoDataFrame, one row per new unit (docs/CONTRACTS.md, layer ``units``);
    - ``crosswalk``: GeoDataFrame, one row per piece of an old unit going to a new unit, with its
      area, share, counts and basis (:mod:`geoplan.crosswalk.table`); units, lineage and totals
      are derived from it;
    - ``lineage``: one row per link of the plan and per inferred feature;
    - ``repairs``: GeoDataFrame of every gap and overlap repaired;
    - ``report``: a :class:`geoplan.merging.report.MergeReport`;
    - ``links``: how each feature was linked; ``features``: where each feature went;
    - ``audit``: with a reference layer, the plan's links the geometry contradicts
      (:mod:`geoplan.merging.audit`), else None.
    """

    units: gpd.GeoDataFrame
    crosswalk: gpd.GeoDataFrame
    lineage: pd.DataFrame
    repairs: gpd.GeoDataFrame
    report: MergeReport
    links: LinkResult = field(repr=False)
    features: pd.DataFrame = field(default=None, repr=False)
    audit: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def summary(self) -> str:
        """The closing line a planner reads.

        >>> result.summary()  # doctest: +SKIP
        'Merged 11,163 old units into 3,310 new units; 0 gaps left; ...'
        """
        return text.summary(self.report)

    def conservation(self) -> str:
        """Area and count totals before and after, as checked."""
        return text.conservation(self.report)

    def link_report(self, limit: int = text.LIMIT) -> str:
        """How features were linked, what is unmatched or ambiguous, what to review."""
        return text.link_report(self.report, self.lineage, self.links, limit, self.audit)
