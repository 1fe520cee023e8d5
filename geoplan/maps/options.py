"""What a review map is made of and how it is drawn: the layers (:class:`MapLayers`), the
drawing options (:class:`MapOptions`) and where the old layer's fields are (:class:`OldFields`).

>>> MapOptions(color_by="density").color_by
'density'
>>> MapOptions(color_by="gdp")
Traceback (most recent call last):
geoplan.errors.InputError: color_by: unknown value 'gdp'; use one of population, density, area_diff, members
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from ..i18n import LANGUAGES, Option
from ..measure.area import METRES_PER_DEGREE

MEASURES = ("population", "density", "area_diff", "members")
BASEMAPS = ("none", "osm")
DEFAULT_TOLERANCE_M = 0.0003 * METRES_PER_DEGREE  # about 33 m: display simplification (0.0003 degrees)
DEFAULT_PRECISION = 5  # decimals kept (~1 m)


@dataclass(frozen=True)
class MapOptions:
    """How a review map is drawn; every field has a default.

    ``basemap`` ``"none"`` (offline) or ``"osm"``; ``color_by`` one of
    :data:`MEASURES`; ``title`` and ``footer`` plain text (None: what produced
    the result); ``lang`` the language of every text of the page (None: the
    language in use, :func:`geoplan.i18n.language`); ``tolerance_m`` the display
    simplification in metres; ``precision`` the decimals of coordinates kept;
    ``schematic`` marks every area as not measured.

    >>> MapOptions(lang="vi", basemap="osm").basemap
    'osm'
    """

    basemap: str = "none"
    color_by: str = "population"
    title: str | None = None
    footer: str | None = None
    lang: str | None = None
    tolerance_m: float = DEFAULT_TOLERANCE_M
    precision: int = DEFAULT_PRECISION
    schematic: bool = False

    def __post_init__(self):
        for option, value, choices in (("basemap", self.basemap, BASEMAPS), ("color_by", self.color_by, MEASURES),
                                       ("lang", self.lang, (None, *LANGUAGES))):
            if value not in choices:
                raise InputError("maps.unknown_value", option=Option(option), value=value,
                                 choices=", ".join(c for c in choices if c))

    @classmethod
    def split(cls, given: dict) -> tuple[dict, dict]:
        """The keywords that are options (fields of this class), and those left over.

        >>> MapOptions.split({"title": "T", "lineage": None})
        ({'title': 'T'}, {'lineage': None})
        """
        names = {f.name for f in fields(cls)}
        return {k: v for k, v in given.items() if k in names}, {k: v for k, v in given.items() if k not in names}


@dataclass(frozen=True)
class OldFields:
    """Where the old layer's fields are, as the user named them (None: those the merge linked
    by, else detected), and which layer and encoding of its file to read.

    >>> OldFields(name="ten_xa").given()
    {'name': 'ten_xa'}
    """

    layer: str | None = None
    encoding: str | None = None
    code: str | None = None
    name: str | None = None
    parent: str | None = None

    def given(self) -> dict:
        return {role: value for role, value in (("code", self.code), ("name", self.name), ("parent", self.parent))
                if value}


@dataclass
class MapLayers:
    """The layers of a merge result a review map draws; only ``units`` is required.

    ``lineage``, ``repairs``, ``features`` and ``about`` as ``geoplan merge``
    writes them (docs/CONTRACTS.md); ``crosswalk`` the pieces (those split
    along geometry, basis ``split:...``, are drawn); ``audit`` the plan audit
    (links the geometry contradicts); ``reference`` reference polygons the
    result was split by; ``provinces`` outlines drawn instead of dissolving
    the units by ``parent_code``.

    >>> MapLayers(units=None).about
    {}
    """

    units: gpd.GeoDataFrame
    lineage: pd.DataFrame | None = None
    repairs: gpd.GeoDataFrame | None = None
    features: pd.DataFrame | None = None
    crosswalk: pd.DataFrame | None = None
    audit: pd.DataFrame | None = None
    reference: gpd.GeoDataFrame | None = None
    provinces: gpd.GeoDataFrame | None = None
    about: dict = field(default_factory=dict)
