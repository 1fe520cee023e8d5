"""The options of a merge, in one object a Python user can build, inspect and pass in.

The CLI builds it from its flags; :func:`geoplan.merge` takes it, or its fields
as keywords.

>>> options = MergeOptions(pop_field="pop2019", count_fields=("households",))
>>> options.counts, options.column("pop2019"), options.gap_width_m
(['pop2019', 'households'], 'population', 200.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from ..i18n import Option

DEFAULT_GAP_WIDTH_M = 200.0


@dataclass(frozen=True)
class MergeOptions:
    """How a merge links, repairs and measures.

    Attributes
    ----------
    code_field, name_field, parent_field, district_field : fields of the old
        layer to link by; those not given are detected by content unless
        ``detect`` is False.
    pop_field, count_fields : counts summed into the new units (population is
        reported as ``population``).
    aliases : {name as the layer writes it: name the plan uses}; the shipped
        renames (Thừa Thiên Huế -> Thành phố Huế) are added.
    gap_width_m : gaps wider than this (metres) are filled but flagged
        ``wide gap``; also how far apart polygons may lie and still count as
        neighbours when unmatched polygons are placed by the longest border.
    declared : declared figures to set beside the computed ones: a CSV path,
        a built-in plan name or a table indexed by new code (default: the
        built-in plan's own figures).
    level : the level of a plan file that holds several.
    label : how the old layer is named in messages (its file name).
    reference : a polygon layer of the NEW units (a path or a GeoDataFrame, any CRS)
        along which divided old units are split; ``reference_code`` its field of
        new codes (default: detected).
    split_lines : a line layer (path or GeoDataFrame) cutting divided old units
        where there is no reference.
    weights : a layer (path or GeoDataFrame) of points (addresses, building
        centroids) or polygons (building footprints) apportioning the counts of
        divided old units to their parts, each weighing ``weight_field`` (default: 1
        per point, the area of a polygon); without it, counts go by area.

    >>> MergeOptions(gap_width_m=-1)
    Traceback (most recent call last):
    geoplan.errors.InputError: the gap width (gap_width_m) must be a number of metres, 0 or more, got -1
    """

    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None
    district_field: str | None = None
    detect: bool = True
    pop_field: str | None = None
    count_fields: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = field(default=None, compare=False)
    gap_width_m: float = DEFAULT_GAP_WIDTH_M
    declared: object = field(default=None, compare=False)
    level: str | None = None
    label: str = "old layer"
    reference: object = field(default=None, compare=False)
    reference_code: str | None = None
    split_lines: object = field(default=None, compare=False)
    weights: object = field(default=None, compare=False)
    weight_field: str | None = None

    def __post_init__(self):
        for name in ("code_field", "name_field", "parent_field", "district_field", "pop_field", "level",
                     "reference_code", "weight_field"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InputError("options.not_text", option=Option(name), value=value)
        count_fields = self.count_fields
        if isinstance(count_fields, str) or not all(isinstance(f, str) for f in count_fields):
            raise InputError("options.count_fields", value=count_fields)
        object.__setattr__(self, "count_fields", tuple(count_fields))
        if self.aliases is not None and not isinstance(self.aliases, Mapping):
            raise InputError("options.aliases")
        metres = self.gap_width_m
        if isinstance(metres, bool) or not isinstance(metres, (int, float)) or not math.isfinite(metres) or metres < 0:
            raise InputError("options.gap_width", option=Option("gap_width_m"), value=metres)
        declared = self.declared
        if declared is not None and not isinstance(declared, (str, os.PathLike, pd.DataFrame)):
            raise InputError("options.declared")
        for name in ("reference", "split_lines", "weights"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (str, os.PathLike, gpd.GeoDataFrame)):
                raise InputError("options.layer_kind", option=Option(name), kind=type(value).__name__)
        if self.reference is not None and self.split_lines is not None:
            raise InputError("options.reference_and_lines", reference=Option("reference"), lines=Option("split_lines"))

    @classmethod
    def build(cls, options: MergeOptions | None = None, **changes) -> MergeOptions:
        """``options`` (or the defaults) with ``changes``; an unknown option is an InputError.

        >>> MergeOptions.build(None, pop_field="pop").pop_field
        'pop'
        >>> MergeOptions.build(None, pop="pop")
        Traceback (most recent call last):
        geoplan.errors.InputError: unknown merge option 'pop'; the options are: code_field, name_field, parent_field, district_field, detect, pop_field, count_fields, aliases, gap_width_m, declared, level, label, reference, reference_code, split_lines, weights, weight_field
        """
        if options is not None and not isinstance(options, MergeOptions):
            raise InputError("options.kind", kind=type(options).__name__)
        known = [f.name for f in fields(cls)]
        unknown = [name for name in changes if name not in known]
        if unknown:
            raise InputError("options.unknown", name=unknown[0], known=", ".join(known))
        values = {f.name: getattr(options, f.name) for f in fields(cls)} if options else {}
        return cls(**{**values, **changes})

    @property
    def counts(self) -> list[str]:
        """The count fields to sum, population first, each once."""
        return list(dict.fromkeys(((self.pop_field,) if self.pop_field else ()) + self.count_fields))

    def column(self, field_name: str) -> str:
        """The result column of a count field: the population field is ``population``."""
        return "population" if field_name == self.pop_field else field_name

    @property
    def splits(self) -> bool:
        """Whether divided old units are split (along a reference layer or drawn lines)."""
        return self.reference is not None or self.split_lines is not None

    @property
    def fields(self) -> dict[str, str | None]:
        """The link fields by role, as given (None where to be detected)."""
        return {"code": self.code_field, "name": self.name_field, "parent": self.parent_field,
                "district": self.district_field}
