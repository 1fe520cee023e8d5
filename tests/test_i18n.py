"""Messages: every one in both languages, with the same values; numbers written each language's way."""

import re
import string

import pytest
from babel.messages.pofile import read_po

from geoplan.errors import InputError
from geoplan.i18n import LANGUAGES, Message, Option, option_names, render, using
from geoplan.i18n.catalogue import catalogue


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_values():
    english, vietnamese = catalogue("en"), catalogue("vi")
    assert len(english) > 50
    assert set(english) == set(vietnamese), sorted(set(english) ^ set(vietnamese))[:10]
    for message_id, text in english.items():
        assert vietnamese[message_id].strip(), message_id
        assert _fields(text) == _fields(vietnamese[message_id]), message_id


def test_catalogues_are_valid_gettext_files_the_same_in_both_languages():
    from geoplan.i18n.catalogue import catalogue_files

    assert [p.name for p in catalogue_files("en")] == [p.name for p in catalogue_files("vi")]
    for lang in LANGUAGES:
        seen = set()
        for path in catalogue_files(lang):
            with open(path, "rb") as po:
                parsed = read_po(po, locale=lang)
            ids = {m.id for m in parsed if m.id}
            assert str(parsed.locale) == lang and ids and not ids & seen, path  # each message in one file
            seen |= ids


def test_numbers_follow_the_language():
    values = {"n_old": 11163, "n_units": 3310, "gaps_left": 0, "gaps_km2": 1273.77, "wide": 8, "overlaps_km2": 676.1,
              "approximate": 467, "inferred": 1235, "unplaced": 0, "missing": 11}
    assert render("merge.summary", "en", **values).startswith("Merged 11,163 old units into 3,310 new units; 0 gaps left; 1,274 km2")
    assert render("merge.summary", "vi", **values).startswith("Đã gộp 11.163 đơn vị cũ thành 3.310 đơn vị mới")
    assert "+0,0000%" in render("merge.area_accounting", "vi", old=1.0, twice=0.0, between=0.0, gaps=0.0, units=1.0,
                                check=0.0, tolerance=1e-4)


def test_errors_render_in_the_language_in_use_and_name_options_as_the_user_knows_them():
    error = InputError("options.gap_width", option=Option("gap_width_m"), value=-1)
    with using("en"):
        assert str(error) == "the gap width (gap_width_m) must be a number of metres, 0 or more, got -1"
        with option_names({"gap_width_m": "--gap-width"}):
            assert "(--gap-width)" in str(error)
    with using("vi"):
        assert str(error).startswith("độ rộng khe hở (gap_width_m)")


def test_long_values_are_cut_in_messages():
    with using("en"):
        text = str(InputError("layer.no_crs", path="x" * 100_000))
    assert len(text) < 400 and "…" in text


def test_the_language_comes_from_the_environment(monkeypatch):
    from geoplan.i18n import language

    monkeypatch.setenv("GEOPLAN_LANG", "vi")
    assert language() == "vi"
    monkeypatch.delenv("GEOPLAN_LANG")
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert language() == "vi"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert language() == "en"


def test_an_unknown_message_is_a_programming_error():
    with pytest.raises(KeyError):
        Message("no.such.message").render("en")


def test_messages_used_in_the_code_exist():
    """Every identifier given to an error or a message in geoplan's code is in the catalogue."""
    import pathlib

    import geoplan

    known = set(catalogue("en"))
    used = set()
    pattern = re.compile(r"""(?:Error|Message|render|Warning)\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")
    for path in pathlib.Path(geoplan.__file__).parent.rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used and not used - known, sorted(used - known)
