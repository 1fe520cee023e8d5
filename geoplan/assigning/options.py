"""The options of an assignment, in one object a Python user can build, inspect and pass in.

The CLI builds it from its flags; :func:`geoplan.assign` takes it, or its fields as keywords.

>>> options = AssignOptions(rule="largest", snap_m=50)
>>> options.rule, options.snap_m, options.engine
('largest', 50.0, 'local')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import InputError
from ..i18n import Option

RULES = ("cut", "centroid", "largest")
ENGINES = ("local", "dask")


@dataclass(frozen=True)
class AssignOptions:
    """What an assignment does and how it runs.

    Attributes
    ----------
    rule : lines and polygons: ``cut`` at the units' boundaries (one row per piece, with its
        length or area and its share of the feature), or one unit per feature: the unit of its
        ``centroid``, or the unit holding its ``largest`` part.
    snap_m : points in no unit go to the nearest unit within this many metres (flagged
        ``snapped``); None: they stay outside, listed.
    summarise : write a summary per unit (counts, lengths, areas), by class of
        ``summarise_field`` when given.
    unit_code, unit_name, unit_parent : fields of a layer of units (default: detected by name).
    units_layer : the layer of the units' file to read when it has several.
    plan : the plan that converts old addresses when the units are a plain layer
        (a built-in plan name or a plan file).
    code_field, name_field, district_field, parent_field : the columns of a table of old
        addresses naming the old unit (default: detected by content).
    hint_field : a column of text (street, hamlet, new ward) that picks one new unit of a divided
        old unit when it names exactly one of them.
    layer, lon_field, lat_field : the layer of the features' file; a table's coordinate columns.
    engine, workers, scheduler : ``local`` (one process, in chunks) or ``dask`` (dask-geopandas
        on a distributed cluster: a LocalCluster of ``workers`` processes, or the one at ``scheduler``).
    spatial_shuffle : with dask, sort the features along a Hilbert curve first (compact partitions).
    chunk_rows : features per chunk (default: 1,000,000 points, 100,000 other features).
    label : how the features' file is named in messages.

    >>> AssignOptions(rule="nearest")
    Traceback (most recent call last):
    geoplan.errors.InputError: rule must be one of cut, centroid, largest, got 'nearest'
    """

    rule: str = "cut"
    snap_m: float | None = None
    summarise: bool = False
    summarise_field: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    unit_parent: str | None = None
    units_layer: str | None = None
    plan: object = None
    code_field: str | None = None
    name_field: str | None = None
    district_field: str | None = None
    parent_field: str | None = None
    hint_field: str | None = None
    layer: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None
    engine: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    spatial_shuffle: bool = False
    chunk_rows: int | None = None
    label: str = "features"

    def __post_init__(self):
        for name, allowed in (("rule", RULES), ("engine", ENGINES)):
            if getattr(self, name) not in allowed:
                raise InputError("assign.choice", option=Option(name), allowed=", ".join(allowed),
                                 value=getattr(self, name))
        if self.snap_m is not None:
            metres = self.snap_m
            if isinstance(metres, bool) or not isinstance(metres, (int, float)) or not math.isfinite(metres) or metres < 0:
                raise InputError("assign.snap", option=Option("snap_m"), value=metres)
            object.__setattr__(self, "snap_m", float(metres))
        for name in ("workers", "chunk_rows"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise InputError("assign.positive", option=Option(name), value=value)
        if self.summarise_field is not None:
            object.__setattr__(self, "summarise", True)

    @classmethod
    def build(cls, options: AssignOptions | None = None, **changes) -> AssignOptions:
        """``options`` (or the defaults) with ``changes``; an unknown option is an InputError.

        >>> AssignOptions.build(None, snap_m=10).snap_m
        10.0
        """
        if options is not None and not isinstance(options, AssignOptions):
            raise InputError("assign.options_kind", kind=type(options).__name__)
        known = [f.name for f in fields(cls)]
        unknown = [name for name in changes if name not in known]
        if unknown:
            raise InputError("assign.unknown_option", name=unknown[0], known=", ".join(known))
        values = {f.name: getattr(options, f.name) for f in fields(cls)} if options else {}
        return cls(**{**values, **changes})

    @property
    def address_fields(self) -> dict[str, str | None]:
        """The address columns by role, as given (None where to be detected)."""
        return {"code": self.code_field, "name": self.name_field, "parent": self.parent_field,
                "district": self.district_field}
