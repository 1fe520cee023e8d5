"""One exception family for every user-facing problem, and the warnings beside it.

An error carries a message identifier and its values (file, field, row,
unit); its text is rendered in the user's language when it is shown (the
CLI prints it on one line and exits non-zero).

>>> error = InputError("layer.no_crs", path="old.gpkg")
>>> error.message.id, error.message.values["path"]
('layer.no_crs', 'old.gpkg')
>>> from geoplan.i18n import using
>>> with using("en"):
...     str(error)
'old.gpkg: the layer has no CRS (coordinate reference system); set one, e.g. with ogr2ogr -a_srs EPSG:4326'
"""

from __future__ import annotations

import re

from .i18n import Message

_IDENTIFIER = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")


class GeoplanError(Exception):
    """Base class: a problem the user can fix. ``message`` is a :class:`geoplan.i18n.Message`
    (give its identifier and values, or a Message); ``str(error)`` is its one-line text."""

    def __init__(self, message, **values):
        if isinstance(message, Message):
            self.message = message
        elif _IDENTIFIER.fullmatch(str(message)):
            self.message = Message(str(message), **values)
        else:  # a text written out (kept for code that has not moved to identifiers yet)
            self.message = Message("text", text=str(message))
        super().__init__(self.message.id)

    def __str__(self) -> str:
        return self.message.render()

    def __reduce__(self):  # picklable with its values (errors cross processes on a dask cluster)
        return type(self), (self.message,)


class InputError(GeoplanError):
    """A file, layer or field given by the user cannot be used."""


class PlanError(GeoplanError):
    """A merge plan is malformed or inconsistent."""


class LinkError(GeoplanError):
    """The layer and the plan do not match."""


class ConservationError(GeoplanError):
    """Totals of area or population were not conserved by a merge."""


class GeoplanWarning(UserWarning):
    """Suspicious but usable data: a warning carrying a :class:`geoplan.i18n.Message`.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn(GeoplanWarning(Message("demo.example", area=1.0)))
    >>> caught[0].message.message.id
    'demo.example'
    """

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.id)

    def __str__(self) -> str:
        return self.message.render()
