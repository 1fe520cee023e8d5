"""Legacy Vietnamese text encodings still found in old Shapefiles: TCVN3 and VNI.

Python knows cp1258 but not these two, which predate Unicode in Vietnam:

- ``tcvn3`` (TCVN 5712:1993, the ".Vn" fonts): one byte per letter, lower
  case letters with their marks at 0xA8-0xFE; upper case has only the bare
  Ă Â Ê Ô Ơ Ư Đ (0xA1-0xA7). Bytes 0x80-0x9F and the other free slots carry
  the upper case letters with marks of the full TCVN 5712 (VN1) table.
- ``vni`` (VNI-Windows fonts): a base letter followed by a mark byte in the
  Windows-1252 range ("aø" is "à", "oä" is "ộ", "ñ" is "đ").

Importing this module registers both with :mod:`codecs`, so
``--encoding tcvn3`` and ``--encoding vni`` work like any other code page.

>>> b"B\\xb6o Th\\xbeng".decode("tcvn3")
'Bảo Thắng'
>>> "Ñoàng Thaùp".encode("cp1252").decode("vni")
'Đồng Tháp'
"""

from __future__ import annotations

import codecs
import unicodedata

# TCVN 5712:1993 (VN1) from 0x80 to 0xFF; VN3 is its subset at 0xA1-0xFE.
_TCVN_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x80-0x9F
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"                # 0xA0-0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0-0xBF
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"                      # 0xC0-0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"                      # 0xD0-0xDF
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"      # 0xE0-0xFF
)
_TCVN_DECODE = "".join(map(chr, range(128))) + _TCVN_HIGH
_TCVN_ENCODE = codecs.charmap_build(_TCVN_DECODE)

# VNI-Windows: marks that follow a base letter, as NFD combining sequences.
_TONES = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_CIRCUMFLEX = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_table() -> dict[str, str]:
    """Every VNI letter (one or two characters after cp1252 decoding) -> its Unicode letter."""
    table = {}
    for case in (str.lower, str.upper):  # the mark's case follows the letter's in VNI fonts
        for mark, combining in _TONES.items():
            for base in "aeouyơư":
                table[case(_vni_base(base)) + case(mark)] = case(base) + combining
        for mark, combining in _CIRCUMFLEX.items():
            for base in "aeo":
                table[case(base) + case(mark)] = case(base) + "\u0302" + combining
        for mark, combining in _BREVE.items():
            table[case("a") + case(mark)] = case("a") + "\u0306" + combining
        for vni, letter in _VNI_SINGLE.items():
            table[case(vni)] = case(letter)
    return {vni: unicodedata.normalize("NFC", letter) for vni, letter in table.items()}


def _vni_base(letter: str) -> str:
    """How VNI writes a base letter that carries a tone: ơ and ư are single bytes."""
    return {"ơ": "ô", "ư": "ö"}.get(letter, letter)


_VNI_DECODE = _vni_table()
_VNI_ENCODE = {letter: vni for vni, letter in sorted(_VNI_DECODE.items(), key=lambda kv: len(kv[0]))}


def decode_vni(data: bytes, errors: str = "strict") -> tuple[str, int]:
    """VNI-Windows bytes to text, longest letter first.

    >>> decode_vni("Xin chaøo caùc baïn".encode("cp1252"))[0]
    'Xin chào các bạn'
    """
    text = bytes(data).decode("cp1252", errors=errors)
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            i += 2
        else:
            out.append(_VNI_DECODE.get(text[i], text[i]))
            i += 1
    return "".join(out), len(data)


def encode_vni(text: str, errors: str = "strict") -> tuple[bytes, int]:
    """Text to VNI-Windows bytes (the inverse of :func:`decode_vni`).

    >>> encode_vni("Hà Nội")[0].decode("cp1252")
    'Haø Noäi'
    """
    vni = "".join(_VNI_ENCODE.get(c, c) for c in unicodedata.normalize("NFC", text))
    return vni.encode("cp1252", errors=errors), len(text)


def _search(name: str):
    name = name.lower().replace("-", "_")
    if name in ("tcvn3", "tcvn", "tcvn5712", "vn3", "abc"):
        return codecs.CodecInfo(
            name="tcvn3",
            encode=lambda text, errors="strict": codecs.charmap_encode(text, errors, _TCVN_ENCODE),
            decode=lambda data, errors="strict": codecs.charmap_decode(data, errors, _TCVN_DECODE),
        )
    if name in ("vni", "vni_windows"):
        return codecs.CodecInfo(name="vni", encode=encode_vni, decode=decode_vni)
    return None


codecs.register(_search)
