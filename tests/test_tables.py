"""CSV tables as planners write them: encodings, separators, decimal marks, rows, bad figures."""

import codecs

import pandas as pd
import pytest

from geoplan.errors import InputError
from geoplan.io.tables import numbers, read_figures, read_table

KINDS = {"area_km2": "area", "population": "count"}


def figures(tmp_path, text: str, encoding: str = "utf-8", name: str = "declared.csv") -> pd.DataFrame:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_figures(path, "declared figures", ("code", "gso_code"), KINDS)


def test_the_decimal_mark_is_decided_per_column_from_all_its_values(tmp_path):
    table = figures(tmp_path, "code;area_km2;population\n1;49.36;1.234\n2;16.465;33.045\n")
    assert table["area_km2"].tolist() == [49.36, 16.465]  # 49.36 tells: decimal point (was 49.36 and 16,465)
    assert table["population"].tolist() == [1234, 33045]  # nothing tells: the semicolon file's decimal comma
    assert figures(tmp_path, "code;area_km2\n1;49,36\n2;1.234,5\n3;16.465\n")["area_km2"].tolist() == [49.36, 1234.5, 16465]
    assert figures(tmp_path, 'code,area_km2\n1,"1,234,567"\n2,"1,234"\n')["area_km2"].tolist() == [1234567, 1234]


@pytest.mark.parametrize("cells, message", [
    (["49,36", "16.46"], r"mixes decimal marks: '49,36' in row 2 has a decimal comma, '16.46' in row 3 a decimal point"),
    (["16.465", "16465"], r"'16.465' in row 2 could be read with a decimal point or a decimal comma.*'16465' in row 3"),
    (["16.465", "1,234"], r"'1,234' in row 3 and '16.465' in row 2 each have one mark"),
])
def test_a_column_that_mixes_or_hides_its_convention_is_an_error_naming_rows(tmp_path, cells, message):
    with pytest.raises(InputError, match=r"declared.csv, column area_km2: " + message):
        figures(tmp_path, "code;area_km2\n1;" + cells[0] + "\n2;" + cells[1] + "\n")


def test_tab_files_have_no_default_decimal_mark():
    with pytest.raises(InputError, match="could be read with a decimal point or a decimal comma"):
        numbers(pd.Series(["16.465"], index=[2]), None, "t.txt, column area_km2")
    assert numbers(pd.Series(["16,4", "3"], index=[2, 3]), None, "t.txt, column area_km2").tolist() == [16.4, 3]


@pytest.mark.parametrize("cell, column, message", [
    ("inf", "area_km2", "'inf' in row 3 is not a number"),
    ("nan", "area_km2", "'nan' in row 3 is not a number"),
    ("-5", "area_km2", "'-5' in row 3: an area must be more than 0"),
    ("0", "area_km2", "'0' in row 3: an area must be more than 0"),
    ("-1", "population", "'-1' in row 3: a count must be a whole number, 0 or more"),
    ("8718000.5", "population", "'8718000.5' in row 3: a count must be a whole number"),
    ("1.2.3", "area_km2", "'1.2.3' in row 3 is not a number"),
])
def test_impossible_figures_are_errors_naming_file_column_and_row(tmp_path, cell, column, message):
    with pytest.raises(InputError, match=f"declared.csv, column {column}: " + message.replace(".", r"\.")):
        figures(tmp_path, f"code,{column}\n1,10\n2,{cell}\n")
    assert figures(tmp_path, "code,population\n1,0\n2,33045.0\n")["population"].tolist() == [0, 33045]


def test_rows_are_named_by_their_line_in_the_file_and_extra_fields_are_errors(tmp_path):
    with pytest.raises(InputError, match="'about 50' in row 5 is not a number"):
        figures(tmp_path, "code,area_km2\n1,10\n\n\n2,about 50\n")
    with pytest.raises(InputError, match="row 3 has 3 fields but the header has 2: a comma inside a value must be quoted"):
        figures(tmp_path, "code,area_km2\n1,10\n2,49,36\n")
    assert figures(tmp_path, "code,area_km2,\n1,10,\n")["area_km2"].tolist() == [10]  # Excel's empty trailing column


def test_headers_are_case_insensitive_and_utf16_excel_text_is_read(tmp_path):
    table = figures(tmp_path, "Code\tArea_KM2\tPopulation\n01\t49,36\t33045\n", encoding="utf-16")
    assert table.loc["01", "area_km2"] == 49.36 and table.loc["01", "population"] == 33045
    path = tmp_path / "no-bom.txt"
    path.write_bytes("code\tarea_km2\n01\t5\n".encode("utf-16-le"))
    with pytest.raises(InputError, match="looks like UTF-16 without a byte-order mark"):
        read_table(path, "declared figures")
    assert (tmp_path / "declared.csv").read_bytes().startswith(codecs.BOM_UTF16_LE)


def test_duplicate_codes_with_different_figures_are_errors_identical_ones_collapse(tmp_path):
    with pytest.raises(InputError, match=r"code 01 is on 2 rows with different figures \(row 2: area_km2 10; row 4: area_km2 12\)"):
        figures(tmp_path, "code,area_km2\n01,10\n04,11\n01,12\n")
    table = figures(tmp_path, "code,area_km2\n01,10\n04,11\n01,10.0\n")
    assert table.index.tolist() == ["01", "04"]
    assert [w.render("en") for w in table.attrs["warnings"]] == ["code 01 is on rows 2, 4 with the same figures: counted once"]


def test_files_with_nothing_to_match_are_errors(tmp_path):
    with pytest.raises(InputError, match="has a header but no rows"):
        figures(tmp_path, "code,area_km2\n")
    with pytest.raises(InputError, match="no row of the declared figures file has a code in column code"):
        figures(tmp_path, "code,area_km2\n,10\n ,11\n")
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path, "declared figures")
