"""Vietnamese place names turned into comparison keys.

Two keys per name, both lower-case and free of type prefixes:

- ``exact_key`` keeps the diacritics but puts tone marks in one canonical
  place, so "Hoà" and "Hòa" compare equal while "Hòa" and "Hóa" do not;
- ``folded_key`` drops every diacritic ("Hòa", "Hóa" and "Hoa" all compare
  equal): use it only when the exact key finds nothing, and never pick
  silently between two candidates it returns.

>>> exact_key("Thị trấn Nhà Bàng") == exact_key("Phường Nhà Bàng")
True
>>> folded_key("Tỉnh Bà Rịa - Vũng Tàu")
'ba ria-vung tau'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Type prefixes of Vietnamese units, longest first so "Thành phố" wins over "Thành".
UNIT_TYPES = (
    "thành phố trực thuộc trung ương",
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
    "tp.",
    "tp",
)

# Old-style ("hoà") and new-style ("hòa") tone placement: map both to old style.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
_TONE_MOVE = re.compile(r"([ou])([" + _TONES + r"])([aey])")
_HYPHEN = re.compile(r"\s*-\s*")
_SPACES = re.compile(r"\s+")
_LEADING_ZEROS = re.compile(r"\b0+(\d)")


@lru_cache(maxsize=1 << 16)  # both keys and the unit type start from it
def _canonical(text: str) -> str:
    """NFC, lower case, single spaces, no spaces around hyphens, tone on the last vowel."""
    text = unicodedata.normalize("NFD", str(text).strip().lower())
    text = _TONE_MOVE.sub(r"\1\3\2", text)  # "o" + tone + "a" -> "o" + "a" + tone
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _HYPHEN.sub("-", text))


def strip_type(name: str) -> str:
    """Drop a leading unit type ("Xã", "Phường", "Tỉnh", ...) from a canonical name.

    >>> strip_type("thị trấn nhà bàng")
    'nhà bàng'
    """
    for prefix in UNIT_TYPES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


@lru_cache(maxsize=1 << 16)
def unit_type(name: str) -> str:
    """The leading unit type of a name, or "" when it has none.

    >>> unit_type("Thị trấn Nhà Bàng")
    'thị trấn'
    """
    canonical = _canonical(name)
    return canonical[: len(canonical) - len(strip_type(canonical))].strip()


def _drop_leading_zeros(name: str) -> str:
    """"phường 01" and "phường 1" are the same ward."""
    return _LEADING_ZEROS.sub(r"\1", name)


@lru_cache(maxsize=1 << 16)  # the same names come back for every layer and plan row
def exact_key(name: str) -> str:
    """Key with diacritics, canonical tone placement, no type prefix.

    >>> exact_key("Xã Hoà Bình") == exact_key("xã  Hòa Bình")
    True
    """
    return _drop_leading_zeros(strip_type(_canonical(name)))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Remove every diacritic, including đ -> d; lower case.

    >>> fold("Đồng Tháp")
    'dong thap'
    """
    text = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def folded_key(name: str) -> str:
    """Diacritic-free key without type prefix: "Thới Sơn" and "Thoi Son" match.

    >>> folded_key("Phường Thới Sơn")
    'thoi son'
    """
    return fold(exact_key(name))
