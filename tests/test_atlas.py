"""The printed atlas: pages, tables, languages, fonts, user mistakes, and An Giang on the real data.

The text of the PDFs is read back with pdftotext (poppler-utils) when it is installed: names
must come out with their diacritics, as typed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest

from geoplan.errors import InputError
from geoplan.maps.atlas import AtlasOptions, write_atlas
from geoplan.maps.options import MapOptions
from test_review_map_common import (NO_LAYER, _about, _audit, _crosswalk, _lineage, _units,  # noqa: F401
                                    national_result)
from vn_data import needs_shared

pytestmark = NO_LAYER
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed (apt-get install -y poppler-utils)")


def _text(pdf: Path, page: int | None = None) -> str:
    """The text of a PDF (or of one page) as pdftotext lays it out, spaces and line ends as one space."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def _pages(pdf: Path) -> int:
    return len(__import__("re").findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("atlas") / "result.gpkg"
    units = _units()
    units["parent"] = units["parent"].map({"An Giang": "Tỉnh An Giang", "Đồng Tháp": "Tỉnh Đồng Tháp"})
    units["population_estimate"] = [33000, 1300, 54000, None, 6500]
    units.to_file(path, layer="units", driver="GPKG")
    pyogrio.write_dataframe(_lineage(), path, layer="lineage")
    features = _crosswalk().assign(new_code=["30112", "28270", "30502"])[["feature", "old_code", "new_code", "geometry"]]
    features.to_file(path, layer="features", driver="GPKG")
    pyogrio.write_dataframe(_about(plan="vn-2025-commune", source="old.gpkg"), path, layer="about")
    return path


@needs_pdftotext
def test_a_page_per_province_with_its_table(result, tmp_path):
    out, pages = write_atlas(result, tmp_path / "book.pdf", AtlasOptions(map=MapOptions(lang="en")))
    assert out.exists() and pages == _pages(out) == 2  # by code: Đồng Tháp (82), An Giang (91)
    text = _text(out)
    assert "Tỉnh An Giang" in text and "Tỉnh Đồng Tháp" in text and "Phường Thới Sơn" in text
    assert "Code" in text and "Declared" in text and "Old units merged" in text and "Estimate" in text
    assert "Nhà Bàng, Nhơn Hưng, Thới Sơn" in text  # old units merged, without their type
    assert "Bình Thạnh (part)" in text  # a divided old unit
    assert "48.88" in text and "49.36" in text and "24,705" in text and "33,000" in text
    assert "\u26a0 declared figures a check flags: suspected copy of another unit's" in _text(out, 1)  # Thới Sơn, Đồng Tháp
    assert "28270 Phường Thới Sơn 121.00 49.36 \u26a0" in _text(out, 1)
    assert "page 1 of 2" in text and "geoplan" in text and "plan: vn-2025-commune" in text
    assert [p.name for p in tmp_path.iterdir()] == ["book.pdf"]  # written atomically, nothing left beside it


@needs_pdftotext
def test_in_vietnamese_with_communes_old_units_and_pngs(result, tmp_path):
    png = tmp_path / "png"
    png.mkdir()
    options = AtlasOptions(province="tinh dong thap", communes=True, old=True, png=png, map=MapOptions(lang="vi"))
    out, pages = write_atlas(result, tmp_path / "dong-thap.pdf", options)
    assert pages == 4  # the province and its three communes
    text = _text(out)
    assert "Tỉnh Đồng Tháp" in text and "Diện tích" in text and "Dân số" in text and "trang 1/4" in text
    assert "in ngày" in text and "Các đơn vị cũ sáp nhập vào" in text and "một phần" in text
    assert "79,68" in text and "41.813" in text  # numbers the Vietnamese way
    assert "nghi sao chép nhầm" in text  # Thới Sơn's copied declared figures, with the reason
    assert sorted(p.name for p in png.iterdir())[0] == "0001-tỉnh-đồng-tháp.png"
    assert len(list(png.iterdir())) == 4


def test_user_mistakes_are_one_line(result, tmp_path, capsys):
    from geoplan.cli import main

    cases = [
        (["--province", "Hà Nội"], "no province 'Hà Nội' in this result; its provinces: Tỉnh Đồng Tháp, Tỉnh An Giang"),
        (["--png", str(tmp_path / "nope")], "--png: " + str(tmp_path / "nope") + " is not a folder that exists"),
        (["--color-by", "gdp"], "--color-by (color_by): unknown value 'gdp'"),
    ]
    for extra, message in cases:
        code = main(["atlas", str(result), "-o", str(tmp_path / "x.pdf"), *extra])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert main(["atlas", str(result), "-o", str(tmp_path / "x.txt")]) == 2
    assert "the atlas is one PDF file" in capsys.readouterr().err
    assert main(["atlas", str(tmp_path / "missing.gpkg"), "-o", str(tmp_path / "x.pdf")]) == 2
    assert not list(tmp_path.iterdir())


def test_a_font_without_vietnamese_letters_is_refused(monkeypatch):
    import geoplan.maps.atlas_fonts as fonts

    monkeypatch.setattr(fonts, "FAMILIES", ("cmr10",))  # Computer Modern, shipped by matplotlib: no "ờ"
    fonts._font.cache_clear()
    try:
        with pytest.raises(InputError, match="no font with every Vietnamese letter was found"):
            fonts.vietnamese_font()
    finally:
        monkeypatch.undo()
        fonts._font.cache_clear()
    assert fonts.vietnamese_font().name == "DejaVuSans.ttf"


@needs_shared
@needs_pdftotext
def test_an_giang_on_the_real_data(tmp_path_factory, capsys):
    from geoplan.cli import main

    out = tmp_path_factory.mktemp("atlas-national") / "an-giang.pdf"
    result = national_result(tmp_path_factory)
    capsys.readouterr()  # the merge's lines, when this test made it
    code = main(["--lang", "vi", "atlas", str(result), "-o", str(out), "--province", "An Giang", "--old"])
    assert code == 0 and capsys.readouterr().out.startswith(f"Đã ghi {out} (3 trang")
    text = _text(out)
    assert "Tỉnh An Giang" in text and "Phường Thới Sơn" in text and "Đặc khu Phú Quốc" in text
    assert "102 đơn vị hành chính mới" in text
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "80", "-png", str(out), str(artifacts / "atlas_an_giang")],
                       check=True)
