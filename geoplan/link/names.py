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

A look-up typed by a person (``geoplan find``) compares ``search_key`` pairs
instead: hyphens count as spaces and the type may be written without
diacritics or abbreviated ("phuong thoi son", "P. Thới Sơn").
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

# Abbreviated types as people type them: one letter needs its dot ("P. Thới Sơn"), two don't ("TP Huế").
ABBREVIATIONS = {"p": "phường", "x": "xã", "q": "quận", "h": "huyện", "t": "tỉnh",
                 "tt": "thị trấn", "tx": "thị xã", "tp": "thành phố", "đk": "đặc khu"}
_ABBREVIATED = re.compile(r"(p|x|q|h|t|tt|tx|tp|đk)\.\s*|(tt|tx|tp)\s+")

# Old-style ("hoà") and new-style ("hòa") tone placement: map both to old style.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
_TONE_MOVE = re.compile(r"([ou])([" + _TONES + r"])([aey])")
_HYPHEN = re.compile(r"\s*-\s*")
_LEADING_ZEROS = re.compile(r"\b0+(\d)")
_TYPE = re.compile("(?:" + "|".join(re.escape(t) for t in UNIT_TYPES) + ") ")  # longest first, as listed


@lru_cache(maxsize=1 << 16)  # both keys and the unit type start from it
def _canonical(text: str) -> str:
    """NFC, lower case, single spaces, no spaces around hyphens, tone on the last vowel."""
    text = str(text).strip().lower().replace("ð", "đ")  # U+00F0 eth, a look-alike of đ in typed names
    text = text.replace("\\", "")  # an escaped apostrophe left in a layer: "Đắk R\\'Măng"
    if not text.isascii():  # (an ASCII text has no tone to move)
        text = unicodedata.normalize("NFD", text)
        text = _TONE_MOVE.sub(r"\1\3\2", text)  # "o" + tone + "a" -> "o" + "a" + tone
        text = unicodedata.normalize("NFC", text)
    if "-" in text:
        text = _HYPHEN.sub("-", text)
    return " ".join(text.split())  # single spaces (the text is stripped)


def strip_type(name: str) -> str:
    """Drop a leading unit type ("Xã", "Phường", "Tỉnh", ...) from a canonical name.

    >>> strip_type("thị trấn nhà bàng")
    'nhà bàng'
    """
    found = _TYPE.match(name)
    return name[found.end():] if found else name


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
    return _LEADING_ZEROS.sub(r"\1", name) if "0" in name else name


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

    >>> fold("Đồng Tháp"), fold("Ðồng Tháp")  # the second starts with U+00D0 (eth), a look-alike
    ('dong thap', 'dong thap')
    """
    text = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d").replace("ð", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


# A syllable of consonants + "y" is spelt with "i" as well (Vỹ / Vĩ, Lý / Lí, Kỳ / Kì, Quy / Qui).
_FINAL_Y = re.compile(r"\b([bcdghklmnpqrstvx]+)y\b")


@lru_cache(maxsize=1 << 16)
def folded_key(name: str) -> str:
    """Diacritic-free key without type prefix, "i" for the "y" of a consonant + y
    syllable: "Thới Sơn" and "Thoi Son" match, "Ô Long Vỹ" and "Ô Long Vĩ" too.

    >>> folded_key("Phường Thới Sơn"), folded_key("Xã Ô Long Vỹ"), folded_key("Xã Tây Yên")
    ('thoi son', 'o long vi', 'tay yen')
    """
    return _FINAL_Y.sub(r"\1i", fold(exact_key(name)))


# The full types as typed without diacritics ("phuong", "thi tran"), longest first; "tp" is an abbreviation.
_FOLDED_TYPES = sorted({fold(t): t for t in UNIT_TYPES if not t.startswith("tp")}.items(), key=lambda kv: -len(kv[0]))


def place_key(name: str) -> str:
    """The key parents (provinces, districts) are compared by: the folded key,
    without the type even when written without diacritics ("Tinh An Giang").

    >>> place_key("Tinh An Giang") == place_key("Tỉnh An Giang") == "an giang"
    True
    """
    return plain_keys(name)[0]


@lru_cache(maxsize=1 << 16)
def plain_keys(name: str) -> tuple[str, ...]:
    """Folded keys to look a name up by: for a name written without any
    diacritic, first without its type ("Xa Duong" is "Xã Dương"), then as
    it is (it may be "Xá Lương" written plain); otherwise its folded key.

    >>> plain_keys("Xa Duong"), plain_keys("Xã Dương"), plain_keys("Tinh An Giang")
    (('duong', 'xa duong'), ('duong',), ('an giang', 'tinh an giang'))
    """
    key, canonical = folded_key(name), _canonical(name)
    if fold(canonical) != canonical:
        return (key,)
    bare = next((key[len(t) + 1:] for t, _ in _FOLDED_TYPES if key.startswith(t + " ")), None)
    return (bare, key) if bare else (key,)


@lru_cache(maxsize=1 << 16)
def search_key(name: str) -> tuple[str, str]:
    """(unit type, rest of the name), both diacritic-free, hyphens as spaces.

    The type is spelled out however it was written: with diacritics, without
    them when the whole name has none ("phuong thoi son"), or abbreviated
    ("P.", "X.", "TT", "TP", "Q."); "" when the name has no type.

    >>> search_key("P. Thới Sơn"), search_key("phuong thoi-son"), search_key("Thới - Sơn")
    (('phuong', 'thoi son'), ('phuong', 'thoi son'), ('', 'thoi son'))
    >>> search_key("Tịnh Biên")  # a name, not "Tỉnh Biên"
    ('', 'tinh bien')
    """
    canonical = _canonical(name)
    kind, rest = unit_type(name), strip_type(canonical)
    abbreviated = _ABBREVIATED.match(canonical)
    if not kind and abbreviated:
        kind, rest = ABBREVIATIONS[abbreviated.group(1) or abbreviated.group(2)], canonical[abbreviated.end():]
    kind = ABBREVIATIONS.get(kind.rstrip("."), kind)
    if not kind and fold(canonical) == canonical:  # typed without diacritics: "phuong thoi son"
        kind, rest = next(((full, canonical[len(bare) + 1:]) for bare, full in _FOLDED_TYPES
                           if canonical.startswith(bare + " ")), ("", canonical))
    words = " ".join(_drop_leading_zeros(fold(rest)).replace("-", " ").split())
    return fold(kind), words
