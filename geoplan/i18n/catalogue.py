"""The message catalogues (gettext ``.po`` files, one per language) and the language in use.

Each part of geoplan has its catalogue file (``core.po``, ``merge.po``...), in
English and in Vietnamese. The language is, in order: the one set by :func:`set_language` / :func:`using` (the CLI's
``--lang``), else ``GEOPLAN_LANG``, else Vietnamese when the locale is Vietnamese
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``), else English.

>>> with using("vi"):
...     language()
'vi'
>>> template("demo.example", "en")
'Area {area:,.2f} km²'
"""

from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "vi")
LOCALES = Path(__file__).resolve().parent / "locales"
_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("geoplan_language", default=None)


def _from_environment() -> str:
    """The language the environment asks for: ``GEOPLAN_LANG``, else the locale's."""
    asked = os.environ.get("GEOPLAN_LANG", "").strip().lower()[:2]
    if asked in LANGUAGES:
        return asked
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def language() -> str:
    """The language messages are rendered in now: ``"en"`` or ``"vi"``.

    >>> language() in LANGUAGES
    True
    """
    return _chosen.get() or _from_environment()


def set_language(lang: str | None) -> None:
    """Render every following message in ``lang`` (None: back to the environment's choice).

    >>> set_language("en"); language()
    'en'
    >>> set_language(None)
    """
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _chosen.set(lang)


@contextmanager
def using(lang: str | None):
    """Render messages in ``lang`` inside a ``with`` block.

    >>> with using("en"):
    ...     language()
    'en'
    """
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    token = _chosen.set(lang or _chosen.get())
    try:
        yield
    finally:
        _chosen.reset(token)


def catalogue_files(lang: str) -> list[Path]:
    """The catalogue files of a language: one per part of geoplan (``core.po``, ``merge.po``...).

    >>> names = [path.name for path in catalogue_files("en")]
    >>> names[0], "merge.po" in names
    ('core.po', True)
    """
    return sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po"), key=lambda path: (path.name != "core.po", path.name))


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """Every message of a language: {identifier: template}, from all its catalogue files.

    >>> "demo.example" in catalogue("vi")
    True
    """
    messages = {}
    for path in catalogue_files(lang):
        with open(path, "rb") as po:
            messages.update({str(m.id): str(m.string) for m in read_po(po, locale=lang) if m.id and m.string})
    return messages


def template(message_id: str, lang: str | None = None) -> str:
    """The template of a message in ``lang`` (default: the language in use), falling back to
    English; raises KeyError for an identifier no catalogue has.

    >>> template("demo.example", "vi")
    'Diện tích {area:,.2f} km²'
    """
    lang = lang or language()
    found = catalogue(lang).get(message_id) or catalogue("en").get(message_id)
    if found is None:
        raise KeyError(f"no message {message_id!r} in geoplan's catalogue")
    return found
