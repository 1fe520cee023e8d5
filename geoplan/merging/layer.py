"""The old layer of a merge, prepared once: its rows by position, its CRS, the fields it is
linked by, its geometries in lon/lat, their areas and its counts as numbers.

Every later step reads what it needs from this object instead of looking the
fields up again in the frame.

>>> import shapely
>>> frame = gpd.GeoDataFrame({"code": ["1"], "pop": [10]}, geometry=[shapely.box(105, 10, 105.1, 10.1)], crs=4326)
>>> layer = OldLayer.prepare(frame, None, MergeOptions(code_field="code", pop_field="pop", detect=False))
>>> layer.fields["code"], layer.counts["pop"].tolist(), round(float(layer.areas_km2[0]), 1)
('code', [10], 121.3)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import InputError
from ..i18n import Message, Option
from ..io.layers import check_layer, require_fields
from ..io.decimals import numbers
from ..link.fields import detect_fields
from ..measure.area import fast_area_km2, has_area, to_lonlat
from ..plan.model import Plan
from .options import MergeOptions

EXACT_SUM = 2.0**53  # totals of counts beyond this cannot be added up exactly


@dataclass(eq=False)
class OldLayer:
    """An old layer ready to merge: ``frame`` (rows by position), ``label`` (its name in
    messages), ``fields`` (the field of each role: code, name, parent, district; None when
    the layer has none), ``crs``, the count fields to sum and ``fids`` (the layer's own
    feature ids: its index as given, the FID of a file read by :func:`geoplan.read_layer`)."""

    frame: gpd.GeoDataFrame
    label: str
    fields: dict[str, str | None]
    crs: CRS
    count_fields: tuple[str, ...] = ()
    pop_field: str | None = None
    fids: np.ndarray | None = None

    @classmethod
    def prepare(cls, old, plan: Plan | None, options: MergeOptions) -> OldLayer:
        """Check the layer, find its fields (named in ``options``, else detected by content
        against ``plan``) and its counts; raises InputError naming what cannot be used."""
        if not isinstance(old, gpd.GeoDataFrame):
            raise InputError("merge.old_kind", kind=type(old).__name__)
        frame = check_layer(old, options.label).reset_index(drop=True)  # rows by position; messages by FID
        fields = options.fields
        if options.detect and plan is not None and None in fields.values():
            found = detect_fields(frame, plan)
            fields = {role: given or found[role] for role, given in fields.items()}
        require_fields(frame, {Option(f"{role}_field"): name for role, name in fields.items()}, options.label)
        for name in options.counts:
            require_fields(frame, {Option("pop_field" if name == options.pop_field else "count_fields"): name},
                           options.label)
        if fields["code"] is None and fields["name"] is None:
            raise InputError("merge.no_link_field", path=options.label, code=Option("code_field"),
                             name=Option("name_field"))
        layer = cls(frame, options.label, fields, CRS.from_user_input(frame.crs), tuple(options.counts),
                    options.pop_field, old.index.to_numpy())
        layer.counts  # a field that holds no counts is refused now, before any work
        return layer

    @cached_property
    def geoms(self) -> np.ndarray:
        """The polygons in the layer's own CRS."""
        return self.frame.geometry.to_numpy()

    @cached_property
    def lonlat(self) -> np.ndarray:
        """The polygons in lon/lat (EPSG:4326)."""
        return to_lonlat(self.geoms, self.crs)

    @cached_property
    def areas_km2(self) -> np.ndarray:
        """The area of each polygon in km2 (0 without geometry)."""
        return fast_area_km2(self.geoms, self.crs)

    @cached_property
    def measurable(self) -> np.ndarray:
        """Which features have a geometry with area (see :func:`geoplan.measure.area.has_area`)."""
        return has_area(self.geoms)

    def text(self, role: str) -> np.ndarray:
        """The values of a role's field as text ("" where missing, or where the layer has no such field)."""
        name = self.fields.get(role)
        if name is None:
            return np.full(len(self.frame), "", dtype=object)
        return self.frame[name].fillna("").astype(str).to_numpy(dtype=object)

    @cached_property
    def counts(self) -> pd.DataFrame:
        """The count fields as numbers, missing values NaN; whole counts as int64.

        Text is read by the rules of the tables (:func:`geoplan.io.decimals.numbers`): "12.345"
        is twelve thousand three hundred and forty-five, never 12.345 people; "12,5" is refused. Negative,
        infinite or non-numeric values, and totals too large to add up exactly, are refused.
        """
        fids = self.fids if self.fids is not None else self.frame.index.to_numpy()
        return pd.DataFrame({name: _counts(self.frame[name], name, self.label, "pop_field" if name == self.pop_field
                                           else "count_fields", fids) for name in self.count_fields},
                            index=self.frame.index)


def _counts(values: pd.Series, name: str, label: str, option: str, fids: np.ndarray) -> pd.Series:
    """One count field as numbers (see :attr:`OldLayer.counts`); ``option`` names it in messages, ``fids``
    its features."""
    if values.dtype.kind in "iuf":
        parsed = values.astype(float)
    elif values.dtype.kind == "b":
        raise InputError("merge.counts_not_numbers", path=label, field=name, option=Option(option), n=len(values),
                         row=_item(fids[0]), value=values.iloc[0])
    else:  # text: the tables' rules ("12.345" people are 12,345; "12,5" is no count)
        text = values.astype(object).where(values.notna(), "").astype(str)
        where = Message("layer.count_label", path=label, field=name, option=Option(option))
        parsed = numbers(text.set_axis(fids), None, where, "count", row="layer.feature_row").set_axis(values.index)
    bad = (parsed < 0) | np.isinf(parsed)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("merge.counts_not_numbers", path=label, field=name, option=Option(option), n=int(bad.sum()),
                         row=_item(fids[row]), value=_item(values.iloc[row]))
    if float(parsed.abs().sum()) >= EXACT_SUM:
        raise InputError("merge.counts_too_large", path=label, field=name, option=Option(option), limit=int(EXACT_SUM))
    known = parsed.dropna()
    if (known == np.floor(known)).all() and parsed.notna().all():
        return parsed.astype("int64")  # exact: the total is below 2**53
    return parsed


def _item(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if hasattr(value, "item") else value
