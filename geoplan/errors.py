"""One exception family for every user-facing problem.

The CLI prints ``str(error)`` on one line and exits non-zero.

>>> raise InputError("old.gpkg: layer has no CRS")
Traceback (most recent call last):
geoplan.errors.InputError: old.gpkg: layer has no CRS
"""


class GeoplanError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""


class InputError(GeoplanError):
    """A file, layer or field given by the user cannot be used."""


class PlanError(GeoplanError):
    """A merge plan is malformed or inconsistent."""


class LinkError(GeoplanError):
    """The layer and the plan do not match."""


class ConservationError(GeoplanError):
    """Totals of area or population were not conserved by a merge."""
