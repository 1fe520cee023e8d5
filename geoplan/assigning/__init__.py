"""Features and old addresses put into new units: points placed, lines and polygons cut at the
units' boundaries, summaries per unit, in chunks or on a dask cluster.

>>> from geoplan.assigning import AssignOptions
>>> AssignOptions().rule
'cut'
"""

from .job import assign, assign_file
from .options import AssignOptions

__all__ = ["AssignOptions", "assign", "assign_file"]
