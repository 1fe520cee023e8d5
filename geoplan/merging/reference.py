"""The reference layer of a merge: polygons of the NEW units (an official map, possibly dirty)
along which divided old units are split, and against which the plan is audited.

The layer is read like any other (CRS required), its new-unit codes found in the
field named, or else in the field whose values hold the most of the plan's new
codes; invalid polygons are made valid (and counted); several polygons of one
code form one multipolygon; polygons of codes the plan does not know are left
out (and counted). Shapes are kept in the old layer's CRS.

>>> import shapely
>>> frame = gpd.GeoDataFrame({"ma": ["10", "99"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
>>> plan = Plan.from_frame(pd.DataFrame({"old_code": ["1"], "new_code": ["10"], "new_name": ["A"], "link": ["full"]}))
>>> reference = Reference.read(frame, plan, "EPSG:4326")
>>> reference.field, sorted(reference.shapes.index), reference.unknown
('ma', ['10'], 1)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..engine.geometry import is_polygonal, valid_polygons
from ..errors import InputError
from ..i18n import Option
from ..io.layers import layer_of, require_fields
from ..link.names import folded_key
from ..plan.model import Plan
from ..values import as_code, lost_zeros, zero_free

MIN_CODES = 0.3  # of the layer's values that must be the plan's new codes for a field to hold them
NAME_SAMPLE = 300  # values of a field looked at before all of them, when looking for the names


@dataclass(frozen=True)
class Reference:
    """Polygons of the new units by code (``shapes``, in the old layer's CRS), the code
    ``field`` they came from, the codes whose polygons were invalid and were repaired,
    how many polygons carry a code the plan does not know (``unknown``), the plan's new
    units the layer has no polygon for (``absent``) and the codes taken for the plan's by
    their unit's name (``renamed``: {reference code: plan code}, for a unit whose code
    differs between the plan and the reference)."""

    shapes: pd.Series
    field: str
    label: str
    repaired: list = field(default_factory=list)
    unknown: int = 0
    absent: list = field(default_factory=list)
    renamed: dict = field(default_factory=dict)

    @cached_property
    def codes(self) -> np.ndarray:
        """The codes of the shapes, in their order (an array: quick to index, where a pandas
        Index of Arrow strings takes a fifth of a millisecond per look-up)."""
        return self.shapes.index.to_numpy(dtype=object)

    @cached_property
    def polygons(self) -> np.ndarray:
        """The shapes as an array, in their order, never prepared: the split reads them from two
        threads at once, and GEOS builds a prepared polygon's indexes on first use, unguarded
        (libgeos/geos#825); unprepared, a point-in-polygon test costs about the same here."""
        return self.shapes.to_numpy()

    @cached_property
    def tree(self) -> shapely.STRtree:
        """A spatial index of the shapes, in their order."""
        return shapely.STRtree(self.shapes.to_numpy())

    @staticmethod
    def layer(source) -> gpd.GeoDataFrame:
        """The reference's layer, read from a file or checked as a GeoDataFrame (it needs no plan:
        a merge reads it while the plan is read)."""
        return layer_of(source, _label(source), "--reference-")

    @classmethod
    def read(cls, source, plan: Plan, crs, code_field: str | None = None, frame=None) -> Reference:
        """The reference from a file or a GeoDataFrame (see the module's description); ``frame``:
        its :meth:`layer` when read already."""
        label = _label(source)
        frame = cls.layer(source) if frame is None else frame
        name = code_field or _code_field(frame, plan, label)
        require_fields(frame, {Option("reference_code"): name}, label)
        codes = _plan_codes(as_code(frame[name]), set(plan.links["new_code"]))
        codes, renamed = _by_name(frame, codes, plan)
        geoms = frame.to_crs(crs).geometry.to_numpy() if crs is not None else frame.geometry.to_numpy()
        fixed = valid_polygons(geoms)
        repaired = sorted({str(c) for c, before, after in zip(codes, geoms, fixed) if before is not after})
        known = set(plan.links["new_code"])
        keep = np.array([c in known for c in codes]) & is_polygonal(fixed)
        shapes = pd.Series(fixed[keep], index=codes[keep])
        several = shapes.index.duplicated(keep=False)
        if several.any():  # several polygons of one code: one multipolygon
            joined = shapes[several].groupby(level=0).agg(lambda parts: shapely.union_all(parts.to_numpy()))
            shapes = pd.concat([shapes[~several], joined])
        shapes = shapes.sort_index()
        absent = sorted(known - set(shapes.index))
        return cls(shapes, name, label, repaired, int((~np.array([c in known for c in codes])).sum()), absent, renamed)


def _label(source) -> str:
    """The reference named in messages: its file, else "reference"."""
    return str(source) if isinstance(source, (str, os.PathLike)) else "reference"


def _plan_codes(values: pd.Series, known: set) -> np.ndarray:
    """Codes as the plan writes them: a code that lost its leading zeros ("4") is the plan's
    code of that value ("00004") when only one plan code has it.

    >>> _plan_codes(pd.Series(["4", "00008", None]), {"00004", "00008"}).tolist()
    ['00004', '00008', None]
    """
    by_value: dict[str, list] = {}
    for code in known:
        by_value.setdefault(zero_free(code), []).append(code)
    def plan_code(code):
        if not isinstance(code, str) or code in known or not lost_zeros(code):
            return code
        found = by_value.get(code, [])
        return found[0] if len(found) == 1 else code
    return np.array([plan_code(c) if isinstance(c, str) else None for c in values.tolist()], dtype=object)


def _by_name(frame: gpd.GeoDataFrame, codes: np.ndarray, plan: Plan) -> tuple[np.ndarray, dict]:
    """Codes the plan does not know, taken for the plan's unit of the same name when exactly one
    unit of the plan lacking a polygon has that name (names compared without type and diacritics,
    in the layer's field that holds the most of the plan's new names)."""
    units = plan.new_units()
    known = set(units["new_code"])
    unknown = np.array([c not in known for c in codes])
    if not unknown.any():
        return codes, {}
    names = units.set_index("new_code")["new_name"].map(folded_key)
    lacking = names[names.index.difference(pd.Index([c for c in codes if c in known]))]
    field_name = _name_field(frame, set(names))
    if field_name is None:
        return codes, {}
    by_name = lacking.groupby(lacking).groups
    renamed = {}
    for i in np.flatnonzero(unknown):
        found = by_name.get(folded_key(str(frame[field_name].iloc[i])), [])
        if len(found) == 1 and codes[i] is not None:
            renamed[codes[i]] = found[0]
    codes = np.array([renamed.get(c, c) if u else c for c, u in zip(codes, unknown)], dtype=object)
    return codes, renamed


def _name_field(frame: gpd.GeoDataFrame, names: set) -> str | None:
    """The text field holding the most of ``names`` (folded keys), None when none holds a third.
    A field whose evenly spaced sample of a few hundred values holds less than half that share
    is passed over without folding all its values (folding names is the slow part)."""
    best, best_share = None, MIN_CODES
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype.kind in "iufb":
            continue
        values = frame[column]
        step = len(values) // NAME_SAMPLE
        if step > 1 and _name_share(values.iloc[::step], names) < MIN_CODES / 2:
            continue
        share = _name_share(values, names)
        if share > best_share:
            best, best_share = column, share
    return best


def _name_share(values: pd.Series, names: set) -> float:
    """The share of ``values`` whose folded key is one of ``names``."""
    return float(np.mean([folded_key(v) in names for v in values.fillna("").astype(str).tolist()])) if len(values) else 0.0


def _code_field(frame: gpd.GeoDataFrame, plan: Plan, label: str) -> str:
    """The field holding the most of the plan's new codes (codes that lost their leading zeros count too)."""
    wanted = set(plan.links["new_code"])
    best, best_share = None, MIN_CODES
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        codes = as_code(frame[column]).dropna()
        if codes.empty:
            continue
        share = np.mean([code in wanted for code in _plan_codes(codes, wanted)])
        if share > best_share:
            best, best_share = column, share
    if best is None:
        raise InputError("reference.no_code_field", path=label, option=Option("reference_code"),
                         fields=", ".join(str(c) for c in frame.columns if c != frame.geometry.name))
    return best
