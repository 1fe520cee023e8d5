"""Column headers and coded values as people read them in documents (Markdown, XLSX, printed
tables, QGIS): each column's label in the language in use, with its unit, from the message
catalogue (``column.<name>``; a column without one keeps its name); coded values (verdicts,
link kinds, repair rules) stay stable codes in CSV files and GeoPackage fields and are shown
translated (``value.<code>``).

>>> from geoplan.i18n import using
>>> with using("vi"):
...     column_label("area_km2"), value_label("suspect declared")
('Diện tích tính toán (km²)', 'nghi số liệu công bố sai')
>>> column_label("no_such_column")
'no_such_column'
"""

from __future__ import annotations

import re

import pandas as pd

from ..i18n import render
from ..i18n.catalogue import catalogue, language

_NOT_IN_ID = re.compile(r"[^a-z0-9]+")


def _known(message_id: str, lang: str | None) -> bool:
    return message_id in catalogue(lang or language())


def column_label(column: str, lang: str | None = None) -> str:
    """The header of ``column`` in ``lang`` (default: the language in use), with its unit.

    >>> column_label("population_declared", "en")
    'Population declared'
    """
    message_id = f"column.{column}"
    return render(message_id, lang) if _known(message_id, lang) else str(column)


def value_label(value, lang: str | None = None):
    """A coded value (``ok``, ``suspect declared``, ``wide gap``, ``name+district``...) in
    ``lang``; any other value as it is.

    >>> value_label("wide gap", "vi"), value_label(12.5, "vi")
    ('khe hở rộng', 12.5)
    """
    if not isinstance(value, str) or not value:
        return value
    message_id = "value." + _NOT_IN_ID.sub("_", value.lower()).strip("_")
    return render(message_id, lang) if _known(message_id, lang) else value


def labelled(frame: pd.DataFrame, coded=(), lang: str | None = None) -> pd.DataFrame:
    """``frame`` for people: the values of the ``coded`` columns translated, headers labelled.

    >>> labelled(pd.DataFrame({"verdict": ["ok"], "area_km2": [1.5]}), coded=["verdict"], lang="vi").columns.tolist()
    ['Kết luận', 'Diện tích tính toán (km²)']
    """
    frame = frame.copy()
    for column in coded:
        if column in frame:
            frame[column] = frame[column].map(lambda value: value_label(value, lang))
    return frame.rename(columns={column: column_label(column, lang) for column in frame.columns})
