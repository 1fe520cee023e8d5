"""The catalogue of bad (and a few good) inputs, as data: one row per case.

A case is a command line (``{d}`` the folder of generated inputs, made on demand from the
names after it; ``{o}`` the case's own output folder; ``{result}`` a merge result of the grid;
``{long}`` a name of 100,000 characters), the exit status it must end with, and the fragment
its one line on stderr must hold (naming the file, field, row or option at fault). A case
that must succeed names the check of its outputs instead (``ok``): read back valid, in
EPSG:4326, totals conserved. ``env`` names a condition the test sets up around the run
(a full disk, a read-only folder, the output locked by another process, leftovers of a
killed run).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue_inputs import TOTAL_POP

LONG = "n" * 100_000  # a name of 100,000 characters, as the issue has it


@dataclass(frozen=True)
class Case:
    id: str
    argv: str
    code: int
    expect: str | None = None  # fragment of the one error line (formatted like argv)
    ok: str | None = None  # check of the outputs of a successful run: merge, check, map, stdout
    total: float | None = None  # population the units must hold in all (merge ok)
    env: str | None = None  # full_disk, read_only, locked, leftovers


GRID = "{d}/grid.gpkg {d}/plan.csv --old-code code"
M = "merge {old} {d}/plan.csv --old-code code -o {o}/out.gpkg --quiet"  # a merge of the grid's plan with OLD varied
P = "merge {d}/grid.gpkg {plan} --old-code code -o {o}/out.gpkg --quiet"  # ... with the PLAN varied


def merge_old(old: str, extra: str = "") -> str:
    return M.format(old=old, d="{d}", o="{o}") + (" " + extra if extra else "")


def merge_plan(plan: str, extra: str = "") -> str:
    return P.format(plan=plan, d="{d}", o="{o}") + (" " + extra if extra else "")


FILES = [
    Case("file/missing", merge_old("{d}/nope.gpkg"), 2, "{d}/nope.gpkg: file not found"),
    Case("file/folder", merge_old("{d}/folder"), 2, "{d}/folder: cannot read"),
    Case("file/empty", merge_old("{d}/empty.gpkg"), 2, "{d}/empty.gpkg: cannot read"),
    Case("file/text-as-gpkg", merge_old("{d}/text.gpkg"), 2, "{d}/text.gpkg: cannot read"),
    Case("file/truncated-gpkg", merge_old("{d}/truncated.gpkg"), 2, "{d}/truncated.gpkg: cannot read"),
    Case("file/random-shp", merge_old("{d}/random.shp"), 2, "{d}/random.shp: the Shapefile random.shp has no random.dbf"),
    Case("file/shp-without-dbf", merge_old("{d}/nodbf.shp"), 2, "{d}/nodbf.shp: the Shapefile nodbf.shp has no nodbf.dbf"),
    Case("file/shp-without-shx", merge_old("{d}/noshx.shp"), 2, "{d}/noshx.shp: the Shapefile noshx.shp has no noshx.shx"),
    Case("file/shp-without-prj", merge_old("{d}/noprj.shp"), 2, "{d}/noprj.shp: the layer has no CRS"),
    Case("file/shapefile", merge_old("{d}/grid.shp", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("file/geojson", merge_old("{d}/grid.geojson", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("file/geojson-broken", merge_old("{d}/broken.geojson"), 2, "{d}/broken.geojson: cannot read"),
    Case("file/flatgeobuf", merge_old("{d}/grid.fgb", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("file/geoparquet", merge_old("{d}/grid.parquet", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("file/geoparquet-layer", merge_old("{d}/grid.parquet", "--layer x"), 2, "{d}/grid.parquet: a GeoParquet file holds one layer; leave out --layer"),
    Case("file/parquet-without-geometry", merge_old("{d}/plain.parquet"), 2, "{d}/plain.parquet: cannot read"),
    Case("file/csv-as-old", merge_old("{d}/table.csv"), 2, "{d}/table.csv: a table without geometry"),
    Case("file/gpkg-without-geometry", merge_old("{d}/attributes.gpkg"), 2, "{d}/attributes.gpkg: a table without geometry"),
    Case("file/two-layers", merge_old("{d}/two_layers.gpkg"), 2, "{d}/two_layers.gpkg: has layers communes, copy; choose one with --layer"),
    Case("file/two-layers-chosen", merge_old("{d}/two_layers.gpkg", "--layer copy --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("file/unknown-layer", merge_old("{d}/grid.gpkg", "--layer zzz"), 2, "{d}/grid.gpkg: no layer 'zzz' (layers: grid)"),
    Case("file/empty-layer", merge_old("{d}/empty_layer.gpkg"), 2, "{d}/empty_layer.gpkg: the layer is empty"),
    Case("file/symlink-loop", merge_old("{d}/loop.gpkg"), 2, "{d}/loop.gpkg: too many symbolic links"),
    Case("file/name-too-long", merge_old("{d}/{long}.gpkg"), 2, "the file name is too long"),
    Case("file/old-is-output", "merge {d}/grid.gpkg {d}/plan.csv --old-code code -o {d}/grid.gpkg --quiet", 2, "{d}/grid.gpkg: is an input"),
    Case("file/plan-is-output", "merge {d}/grid.gpkg {d}/plan.csv --old-code code -o {d}/plan.csv --quiet", 2, "{d}/plan.csv: a merge result is a GeoPackage; give a file name ending in .gpkg"),
]

ZIPS = [
    Case("zip/not-a-zip", merge_old("{d}/notzip.zip"), 2, "{d}/notzip.zip: not a readable zip file"),
    Case("zip/no-layer", merge_old("{d}/nothing.zip"), 2, "{d}/nothing.zip: the zip file holds no vector layer (1 files"),
    Case("zip/shapefile-without-dbf", merge_old("{d}/zip_nodbf.zip"), 2, "{d}/zip_nodbf.zip: the Shapefile grid.shp has no grid.dbf"),
    Case("zip/shapefile", merge_old("{d}/shp.zip", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("zip/shapefile-in-folder", merge_old("{d}/folder_shp.zip", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("zip/geopackage", merge_old("{d}/gpkg.zip", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
]

CRS = [
    Case("crs/none", merge_old("{d}/nocrs.gpkg"), 2, "{d}/nocrs.gpkg: the layer has no CRS"),
    Case("crs/lat-lon-swapped", merge_old("{d}/swapped.gpkg"), 2, "{d}/swapped.gpkg: feature 1 has coordinates (10.00, 105.00) that are not longitudes and latitudes"),
    Case("crs/metres-said-4326", merge_old("{d}/metres_as_4326.gpkg"), 2, "{d}/metres_as_4326.gpkg: feature 1 has coordinates"),
    Case("crs/huge-3857", merge_old("{d}/huge_3857.gpkg"), 2, "{d}/huge_3857.gpkg: feature 1 has coordinates"),
    Case("crs/utm-far", merge_old("{d}/utm_far.gpkg"), 2, "{d}/utm_far.gpkg: feature 1 has coordinates"),
    Case("crs/lon-200", merge_old("{d}/lon200.gpkg"), 2, "{d}/lon200.gpkg: feature 1 has coordinates (200.00, 10.00) that are not longitudes"),
    Case("crs/outside-area-of-use", merge_old("{d}/europe_vn2000.gpkg"), 2, "{d}/europe_vn2000.gpkg: feature 1 has coordinates"),
    Case("crs/nan", merge_old("{d}/nan.gpkg"), 2, "{d}/nan.gpkg: feature 4 has coordinates that are not numbers (NaN) or are infinite"),
    Case("crs/inf", merge_old("{d}/inf.gpkg"), 2, "{d}/inf.gpkg: feature 4 has coordinates that are not numbers (NaN) or are infinite"),
    Case("crs/engineering", merge_old("{d}/engineering.gpkg"), 2, "{d}/engineering.gpkg: its CRS site grid cannot be converted"),
    Case("crs/web-mercator", merge_old("{d}/grid_3857.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("crs/utm-48n", merge_old("{d}/grid_32648.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("crs/vn2000-lonlat", merge_old("{d}/grid_4756.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
]

GEOMETRY = [
    Case("geometry/points", merge_old("{d}/points.gpkg"), 2, "{d}/points.gpkg: geometries must be polygons, found Point (feature 1"),
    Case("geometry/lines", merge_old("{d}/lines.gpkg"), 2, "{d}/lines.gpkg: geometries must be polygons, found LineString (feature 1"),
    Case("geometry/one-point", merge_old("{d}/mixed.gpkg"), 2, "{d}/mixed.gpkg: geometries must be polygons, found Point (feature 16"),
    Case("geometry/collection", merge_old("{d}/collection.gpkg"), 2, "{d}/collection.gpkg: geometries must be polygons, found GeometryCollection"),
    Case("geometry/all-empty", merge_old("{d}/all_empty.gpkg", "--pop-field pop"), 2, "{d}/all_empty.gpkg: none of the 16 features has a geometry"),
    Case("geometry/all-null", merge_old("{d}/all_null.gpkg", "--pop-field pop"), 2, "{d}/all_null.gpkg: none of the 16 features has a geometry"),
    Case("geometry/one-empty", merge_old("{d}/some_empty.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("geometry/bowtie", merge_old("{d}/bowtie.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("geometry/with-z", merge_old("{d}/with_z.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("geometry/duplicated-features", merge_old("{d}/duplicated.gpkg", "--pop-field pop"), 0, ok="merge",
         total=TOTAL_POP + 300),
]

ATTRIBUTES = [
    Case("field/pop-missing", merge_old("{d}/grid.gpkg", "--pop-field people"), 2, "{d}/grid.gpkg: no field 'people' (--pop-field)"),
    Case("field/count-missing", merge_old("{d}/grid.gpkg", "--count-field households"), 2, "{d}/grid.gpkg: no field 'households' (--count-field)"),
    Case("field/code-missing", "merge {d}/grid.gpkg {d}/plan.csv --old-code gso -o {o}/out.gpkg --quiet", 2, "{d}/grid.gpkg: no field 'gso' (--old-code)"),
    Case("field/name-missing", merge_old("{d}/grid.gpkg", "--old-name ten"), 2, "{d}/grid.gpkg: no field 'ten' (--old-name)"),
    Case("field/parent-missing", merge_old("{d}/grid.gpkg", "--old-parent tinh"), 2, "{d}/grid.gpkg: no field 'tinh' (--old-parent)"),
    Case("field/district-missing", merge_old("{d}/grid.gpkg", "--old-district huyen"), 2, "{d}/grid.gpkg: no field 'huyen' (--old-district)"),
    Case("field/name-too-long", merge_old("{d}/grid.gpkg", "--pop-field {long}"), 2, "{d}/grid.gpkg: no field 'nnnn"),
    Case("count/text-thousands", merge_old("{d}/pop_text_thousands.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("count/text-12.345", merge_old("{d}/pop_text_12345.gpkg", "--pop-field pop"), 0, ok="merge", total=16 * 12345),
    Case("count/text-spaces", merge_old("{d}/pop_text_spaces.gpkg", "--pop-field pop"), 0, ok="merge",
         total=TOTAL_POP + 1100),
    Case("count/text-decimal-comma", merge_old("{d}/pop_text_comma_dec.gpkg", "--pop-field pop"), 2,
         "{d}/pop_text_comma_dec.gpkg: field 'pop' (--pop-field) must hold counts: '12,5' in feature 1: a count must be a whole number"),
    Case("count/text-word", merge_old("{d}/pop_text_word.gpkg", "--pop-field pop"), 2,
         "{d}/pop_text_word.gpkg: field 'pop' (--pop-field) must hold counts: 'many' in feature 1 is not a number"),
    Case("count/text-negative", merge_old("{d}/pop_text_negative.gpkg", "--pop-field pop"), 2,
         "'-5' in feature 1: a count must be a whole number, 0 or more"),
    Case("count/text-1e400", merge_old("{d}/pop_text_huge.gpkg", "--pop-field pop"), 2, "'1e400' in feature 1 is not a number"),
    Case("count/text-both-marks", merge_old("{d}/pop_text_both_marks.gpkg", "--pop-field pop"), 2,
         "'12,345' in feature 2 and '12.345' in feature 1 each have one mark"),
    Case("count/text-mixed-marks", merge_old("{d}/pop_text_mixed_marks.gpkg", "--pop-field pop"), 2,
         "'1,5' in feature 1: a count must be a whole number"),
    Case("count/negative", merge_old("{d}/pop_negative.gpkg", "--pop-field pop"), 2,
         "{d}/pop_negative.gpkg: field 'pop' (--pop-field) must hold counts; 1 values are not (feature 1: -1)"),
    Case("count/2-to-the-62", merge_old("{d}/pop_2p62.gpkg", "--pop-field pop"), 2,
         "{d}/pop_2p62.gpkg: field 'pop' (--pop-field) holds counts too large to add up exactly"),
    Case("count/1e300", merge_old("{d}/pop_1e300.gpkg", "--pop-field pop"), 2,
         "{d}/pop_1e300.gpkg: field 'pop' (--pop-field) holds counts too large to add up exactly"),
    Case("count/infinite", merge_old("{d}/pop_inf.gpkg", "--pop-field pop"), 2, "{d}/pop_inf.gpkg: field 'pop' (--pop-field) must hold counts"),
    Case("count/boolean", merge_old("{d}/pop_bool.gpkg", "--pop-field pop"), 2, "{d}/pop_bool.gpkg: field 'pop' (--pop-field) must hold counts"),
    Case("count/names", merge_old("{d}/grid.gpkg", "--pop-field name"), 2, "{d}/grid.gpkg: field 'name' (--pop-field) must hold counts: 'Xã An Hòa' in feature 1 is not a number"),
    Case("count/one-missing", merge_old("{d}/pop_missing.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP - 100),
    Case("count/fractions", merge_old("{d}/pop_fractions.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP + 4),
    Case("count/second-count", merge_old("{d}/grid.gpkg", "--pop-field pop --count-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("code/lost-zeros", merge_old("{d}/codes_lost_zeros.gpkg", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("name/100000-characters", merge_old("{d}/long_name.gpkg", "--pop-field pop --old-name name"), 0, ok="merge", total=TOTAL_POP),
]

ENCODINGS = [
    Case("encoding/undeclared-cp1258", merge_old("{d}/legacy_cp1258.shp"), 2, "{d}/legacy_cp1258.shp: field 'name' is not UTF-8 text"),
    Case("encoding/unknown", merge_old("{d}/legacy_cp1258.shp", "--encoding klingon"), 2, "{d}/legacy_cp1258.shp: unknown encoding 'klingon' (--encoding"),
    Case("encoding/cp1258", merge_old("{d}/legacy_cp1258.shp", "--encoding cp1258 --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("encoding/tcvn3", merge_old("{d}/legacy_tcvn3.shp", "--encoding tcvn3 --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("encoding/vni", merge_old("{d}/legacy_vni.shp", "--encoding vni --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
]

PLANS = [
    Case("plan/ok", merge_plan("{d}/plan.csv", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/missing", merge_plan("{d}/noplan.csv"), 2, "{d}/noplan.csv: no such plan file, and not a built-in plan"),
    Case("plan/folder", merge_plan("{d}/folder"), 2, "{d}/folder: is a folder; the plan must be a CSV file"),
    Case("plan/empty", merge_plan("{d}/plan_empty.csv"), 2, "{d}/plan_empty.csv: the plan file is empty"),
    Case("plan/header-only", merge_plan("{d}/plan_header_only.csv"), 2, "{d}/plan_header_only.csv: the plan has no links"),
    Case("plan/no-link-column", merge_plan("{d}/plan_no_link.csv"), 2, "{d}/plan_no_link.csv: missing column(s) link"),
    Case("plan/unknown-link", merge_plan("{d}/plan_bad_link.csv"), 2, "{d}/plan_bad_link.csv: unknown link type 'whole' on row(s) 2"),
    Case("plan/duplicate-link", merge_plan("{d}/plan_duplicate.csv"), 2, "{d}/plan_duplicate.csv: duplicate link 01 -> 10 on row(s) 18"),
    Case("plan/two-full", merge_plan("{d}/plan_two_full.csv"), 2, "{d}/plan_two_full.csv: old unit 01 has two 'full' links (row(s) 2, 18)"),
    Case("plan/full-and-partial", merge_plan("{d}/plan_full_and_partial.csv"), 2, "{d}/plan_full_and_partial.csv: old unit 01 has a 'full' link and other links"),
    Case("plan/single-partial", merge_plan("{d}/plan_single_partial.csv"), 2, "{d}/plan_single_partial.csv: old unit 01 has a single 'partial' link (row(s) 2)"),
    Case("plan/names-differ", merge_plan("{d}/plan_names_differ.csv"), 2, "{d}/plan_names_differ.csv: new unit 10 has different names: Xã Khác, Xã Mới A"),
    Case("plan/two-defaults", merge_plan("{d}/plan_two_defaults.csv"), 2, "{d}/plan_two_defaults.csv: old unit 01 has"),
    Case("plan/bad-default", merge_plan("{d}/plan_bad_default.csv"), 2, "{d}/plan_bad_default.csv: default must be 1/0 (or true/false, yes/no, x), got 'maybe' on row(s) 2"),
    Case("plan/empty-code", merge_plan("{d}/plan_empty_code.csv"), 2, "{d}/plan_empty_code.csv: empty old_code or new_code on row(s) 2"),
    Case("plan/levels", merge_plan("{d}/plan_levels.csv"), 2, "{d}/plan_levels.csv: has levels commune, province; choose one with --level"),
    Case("plan/unknown-level", merge_plan("{d}/plan_levels.csv", "--level district"), 2, "{d}/plan_levels.csv: no level 'district' (levels: commune, province)"),
    Case("plan/level-chosen", merge_plan("{d}/plan_levels.csv", "--level commune --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/excel-workbook", merge_plan("{d}/plan.xlsx"), 2, "{d}/plan.xlsx: is an Excel workbook or a zip, not a CSV"),
    Case("plan/utf16-without-bom", merge_plan("{d}/plan_utf16_nobom.csv"), 2, "{d}/plan_utf16_nobom.csv: the plan file looks like UTF-16 without a byte-order mark"),
    Case("plan/binary", merge_plan("{d}/plan_binary.csv"), 2, "{d}/plan_binary.csv: the plan file is not text"),
    Case("plan/utf16-tabs", merge_plan("{d}/plan_utf16.txt", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/cp1258", merge_plan("{d}/plan_cp1258.csv", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/utf8-bom", merge_plan("{d}/plan_bom.csv", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/semicolons", merge_plan("{d}/plan_semicolon.csv", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/unquoted-separator", merge_plan("{d}/plan_unquoted.csv"), 2, "{d}/plan_unquoted.csv: row 18 has 8 fields but the header has 6: a comma inside a value must be quoted"),
    Case("plan/bad-quote", merge_plan("{d}/plan_bad_quote.csv"), 2, "{d}/plan_bad_quote.csv: not a readable plan CSV: row 2"),
    Case("plan/column-twice", merge_plan("{d}/plan_column_twice.csv"), 2, "{d}/plan_column_twice.csv: column 'link' appears twice in the header of the plan file"),
    Case("plan/long-cell", merge_plan("{d}/plan_long_cell.csv"), 2, "{d}/plan_long_cell.csv: unknown link type 'ffff"),
    Case("plan/does-not-match", merge_plan("{d}/plan_nomatch.csv"), 2, "{d}/grid.gpkg and plan {d}/plan_nomatch.csv do not match"),
    Case("plan/json", merge_plan("{d}/plan.json", "--pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/json-deep", merge_plan("{d}/plan_deep.json"), 2, "{d}/plan_deep.json: the JSON file is nested too deep to be a plan"),
    Case("plan/json-invalid", merge_plan("{d}/plan_invalid.json"), 2, "{d}/plan_invalid.json: not a readable JSON plan"),
    Case("plan/json-empty", merge_plan("{d}/plan_empty.json"), 2, "{d}/plan_empty.json: not a readable JSON plan"),
    Case("plan/json-shape", merge_plan("{d}/plan_shape.json"), 2, "{d}/plan_shape.json: a JSON plan is a list of link objects"),
    Case("plan/json-nested-value", merge_plan("{d}/plan_nested.json"), 2, "{d}/plan_nested.json: link 1 has a list or an object in 'old_code'"),
    Case("plan/json-not-utf8", merge_plan("{d}/plan_latin1.json"), 2, "{d}/plan_latin1.json: not a readable JSON plan"),
    Case("plan/dvhcvn", merge_plan("{d}/dvhcvn_new_to_old.json", "--level commune --pop-field pop"), 0, ok="merge", total=TOTAL_POP),
    Case("plan/dvhcvn-no-level", merge_plan("{d}/dvhcvn_new_to_old.json"), 2, "{d}/dvhcvn_new_to_old.json: a dvhcvn plan holds levels province and commune; choose one with --level"),
    Case("plan/dvhcvn-malformed", merge_plan("{d}/dvhcvn_bad_new_to_old.json", "--level commune"), 2, "{d}/dvhcvn_bad_new_to_old.json: not a dvhcvn plan as published: an entry lacks 'old_id'"),
    Case("plan/builtin-unknown", merge_plan("vn-2030-commune"), 2, "vn-2030-commune: no such plan file, and not a built-in plan"),
    Case("plan/and-by", "merge {d}/grid.gpkg {d}/plan.csv --by grp -o {o}/out.gpkg --quiet", 2, "give either a PLAN or --by FIELD"),
    Case("plan/neither", "merge {d}/grid.gpkg -o {o}/out.gpkg --quiet", 2, "give either a PLAN or --by FIELD"),
    Case("plan/by-missing-field", "merge {d}/grid.gpkg --by zzz -o {o}/out.gpkg --quiet", 2, "{d}/grid.gpkg: no field 'zzz' (--by)"),
    Case("plan/by", "merge {d}/grid.gpkg --by grp --pop-field pop -o {o}/out.gpkg --quiet", 0, ok="merge", total=TOTAL_POP),
]

TABLES = [
    Case("declared/ok", merge_plan("{d}/plan.csv", "--pop-field pop --declared {d}/declared.csv"), 0, ok="merge", total=TOTAL_POP),
    Case("declared/missing", merge_plan("{d}/plan.csv", "--declared {d}/nodeclared.csv"), 2, "{d}/nodeclared.csv: declared figures file not found"),
    Case("declared/no-code-column", merge_plan("{d}/plan.csv", "--declared {d}/declared_nocode.csv"), 2, "{d}/declared_nocode.csv: declared figures need a code column"),
    Case("declared/mixed-marks", merge_plan("{d}/plan.csv", "--declared {d}/declared_mixed.csv"), 2, "{d}/declared_mixed.csv, column area_km2: mixes decimal marks: '4,8' in row 2"),
    Case("declared/not-a-number", merge_plan("{d}/plan.csv", "--declared {d}/declared_word.csv"), 2, "{d}/declared_word.csv, column area_km2: 'n/a' in row 2 is not a number"),
    Case("declared/zero-area", merge_plan("{d}/plan.csv", "--declared {d}/declared_zero.csv"), 2, "{d}/declared_zero.csv, column area_km2: '0' in row 2: an area must be more than 0"),
    Case("declared/fractional-population", merge_plan("{d}/plan.csv", "--declared {d}/declared_fraction.csv"), 2, "{d}/declared_fraction.csv, column population: '12.5' in row 2: a count must be a whole number"),
    Case("declared/duplicate-code", merge_plan("{d}/plan.csv", "--declared {d}/declared_dup.csv"), 2, "{d}/declared_dup.csv: code 10 is on 2 rows with different figures"),
    Case("declared/header-only", merge_plan("{d}/plan.csv", "--declared {d}/declared_header.csv"), 2, "{d}/declared_header.csv: the declared figures file has a header but no rows"),
    Case("declared/no-codes", merge_plan("{d}/plan.csv", "--declared {d}/declared_nocodes.csv"), 2, "{d}/declared_nocodes.csv: no row of the declared figures file has a code in column code"),
    Case("declared/huge-population", merge_plan("{d}/plan.csv", "--declared {d}/declared_huge_pop.csv"), 2, "{d}/declared_huge_pop.csv, column population: '100000000000000000000' in row 2: a count must be below"),
    Case("declared/1e400", merge_plan("{d}/plan.csv", "--declared {d}/declared_inf.csv"), 2, "{d}/declared_inf.csv, column area_km2: '1e400' in row 2 is not a number"),
    Case("declared/ambiguous-tab", merge_plan("{d}/plan.csv", "--declared {d}/declared_ambiguous.csv"), 2, "{d}/declared_ambiguous.csv, column area_km2: '16.465' in row 2 could be read with a decimal point or a decimal comma"),
    Case("aliases/missing", merge_plan("{d}/plan.csv", "--aliases {d}/noaliases.csv"), 2, "{d}/noaliases.csv: aliases file not found"),
    Case("aliases/no-columns", merge_plan("{d}/plan.csv", "--aliases {d}/aliases_bad.csv"), 2, "{d}/aliases_bad.csv: an alias file needs columns from,to"),
]

OUTPUTS = [
    Case("output/folder", "merge " + GRID + " -o {o} --quiet", 2, "{o}: is a folder; give a file name"),
    Case("output/no-folder", "merge " + GRID + " -o {o}/no/such/out.gpkg --quiet", 2, "{o}/no/such/out.gpkg: output folder {o}/no/such does not exist"),
    Case("output/folder-is-a-file", "merge " + GRID + " -o {d}/plan.csv/out.gpkg --quiet", 2, "{d}/plan.csv/out.gpkg: output folder {d}/plan.csv is a file"),
    Case("output/suffix", "merge " + GRID + " -o {o}/out.shp --quiet", 2, "{o}/out.shp: a merge result is a GeoPackage; give a file name ending in .gpkg"),
    Case("output/name-too-long", "merge " + GRID + " -o {o}/{long}.gpkg --quiet", 2, "{o}/nnnn"),
    Case("output/read-only", "merge " + GRID + " -o {ro}/out.gpkg --quiet", 2, "{ro}/out.gpkg: cannot write in {ro}", env="read_only"),
    Case("output/disk-full", "merge " + GRID + " -o {full}/out.gpkg --quiet", 2, "{full}/out.gpkg: cannot write: the", env="full_disk"),
    Case("output/locked", "merge " + GRID + " -o {o}/out.gpkg --quiet", 2, "{o}/out.gpkg: another geoplan process (pid", env="locked"),
    Case("output/leftovers-removed", "merge " + GRID + " --pop-field pop -o {o}/out.gpkg --quiet", 0, ok="merge",
         total=TOTAL_POP, env="leftovers"),
    Case("output/overwritten", "merge " + GRID + " --pop-field pop -o {d}/result.gpkg --quiet".replace("{d}/result", "{o}/again"), 0,
         ok="merge", total=TOTAL_POP, env="existing"),
]

CHECK = [
    Case("check/ok", "check {result} --declared {d}/declared.csv -o {o}/c.csv", 0, ok="check"),
    Case("check/no-declared-figures", "check {result} -o {o}/c.csv", 2, "{result}: no declared figures known for plan"),
    Case("check/missing", "check {d}/noresult.gpkg -o {o}/c.csv", 2, "{d}/noresult.gpkg"),
    Case("check/text-file", "check {d}/text.gpkg -o {o}/c.csv", 2, "{d}/text.gpkg"),
    Case("check/not-a-result", "check {d}/grid.gpkg -o {o}/c.csv", 2, "{d}/grid.gpkg: no layer 'units'"),
    Case("check/old-layer-zip", "check {d}/gpkg.zip -o {o}/c.csv", 2, "{d}/gpkg.zip"),
    Case("check/output-folder", "check {result} -o {o}", 2, "{o}: is a folder"),
    Case("check/output-suffix", "check {result} -o {o}/c.txt", 2, "{o}/c.txt: -o names the CSV report"),
    Case("check/output-no-folder", "check {result} -o {o}/no/c.csv", 2, "{o}/no/c.csv: output folder {o}/no does not exist"),
    Case("check/output-is-result", "check {result} -o {result}", 2, "{result}"),
    Case("check/tolerance-negative", "check {result} --tolerance -1 -o {o}/c.csv", 2, "tolerance"),
    Case("check/tolerance-word", "check {result} --tolerance some -o {o}/c.csv", 2, "argument --tolerance: invalid float value: 'some'"),
    Case("check/declared-missing", "check {result} --declared {d}/nodeclared.csv -o {o}/c.csv", 2, "{d}/nodeclared.csv: declared figures file not found"),
    Case("check/declared-mixed", "check {result} --declared {d}/declared_mixed.csv -o {o}/c.csv", 2, "{d}/declared_mixed.csv, column area_km2: mixes decimal marks"),
    Case("check/declared-zero", "check {result} --declared {d}/declared_zero.csv -o {o}/c.csv", 2, "{d}/declared_zero.csv, column area_km2: '0' in row 2: an area must be more than 0"),
    Case("check/declared-dup", "check {result} --declared {d}/declared_dup.csv -o {o}/c.csv", 2, "{d}/declared_dup.csv: code 10 is on 2 rows"),
    Case("check/declared-workbook", "check {result} --declared {d}/plan.xlsx -o {o}/c.csv", 2, "{d}/plan.xlsx: is an Excel workbook"),
    Case("check/disk-full", "check {result} --declared {d}/declared.csv -o {full}/c.csv", 2, "{full}/c.csv: cannot write: the", env="full_disk"),
    Case("check/read-only", "check {result} --declared {d}/declared.csv -o {ro}/c.csv", 2, "{ro}/c.csv: cannot write in {ro}", env="read_only"),
    Case("check/locked", "check {result} --declared {d}/declared.csv -o {o}/c.csv", 2, "{o}/c.csv: another geoplan process (pid", env="locked"),
]

MAP = [
    Case("map/ok", "map {result} --old {d}/grid.gpkg -o {o}/m.html --quiet", 0, ok="map"),
    Case("map/missing", "map {d}/noresult.gpkg -o {o}/m.html --quiet", 2, "{d}/noresult.gpkg"),
    Case("map/not-a-result", "map {d}/grid.gpkg -o {o}/m.html --quiet", 2, "{d}/grid.gpkg: no layer 'units'"),
    Case("map/output-suffix", "map {result} -o {o}/m.htm --quiet", 2, "{o}/m.htm: the review map is one HTML file"),
    Case("map/output-no-folder", "map {result} -o {o}/no/m.html --quiet", 2, "{o}/no/m.html: output folder {o}/no does not exist"),
    Case("map/output-folder", "map {result} -o {o} --quiet", 2, "{o}: is a folder"),
    Case("map/basemap", "map {result} --basemap google -o {o}/m.html --quiet", 2, "--basemap: unknown value 'google'"),
    Case("map/color-by", "map {result} --color-by gdp -o {o}/m.html --quiet", 2, "unknown value 'gdp'"),
    Case("map/old-missing", "map {result} --old {d}/noold.gpkg -o {o}/m.html --quiet", 2, "{d}/noold.gpkg: file not found"),
    Case("map/old-points", "map {result} --old {d}/points.gpkg -o {o}/m.html --quiet", 2, "{d}/points.gpkg: geometries must be polygons"),
    Case("map/old-no-crs", "map {result} --old {d}/nocrs.gpkg -o {o}/m.html --quiet", 2, "{d}/nocrs.gpkg: the layer has no CRS"),
    Case("map/old-huge", "map {result} --old {d}/huge_3857.gpkg -o {o}/m.html --quiet", 2, "{d}/huge_3857.gpkg: feature 1 has coordinates"),
    Case("map/old-two-layers", "map {result} --old {d}/two_layers.gpkg -o {o}/m.html --quiet", 2, "{d}/two_layers.gpkg: has layers communes, copy; choose one with --old-layer"),
    Case("map/old-layer-unknown", "map {result} --old {d}/grid.gpkg --old-layer zzz -o {o}/m.html --quiet", 2, "{d}/grid.gpkg: no layer 'zzz'"),
    Case("map/old-encoding", "map {result} --old {d}/legacy_cp1258.shp -o {o}/m.html --quiet", 2, "{d}/legacy_cp1258.shp: field 'name' is not UTF-8 text"),
    Case("map/disk-full", "map {result} -o {full}/m.html --quiet", 2, "{full}/m.html: cannot write: the", env="full_disk"),
    Case("map/read-only", "map {result} -o {ro}/m.html --quiet", 2, "{ro}/m.html: cannot write in {ro}", env="read_only"),
    Case("map/locked", "map {result} -o {o}/m.html --quiet", 2, "{o}/m.html: another geoplan process (pid", env="locked"),
    Case("map/leftovers-removed", "map {result} -o {o}/m.html --quiet", 0, ok="map", env="leftovers"),
]

OTHER_COMMANDS = [
    Case("find/ok", "find 'thoi son' --province 'An Giang'", 0, ok="stdout"),
    Case("find/empty-name", "find ''", 2, "give a name to look for"),
    Case("find/no-match", "find xyzzy", 2, "xyzzy"),
    Case("find/unknown-plan", "find 'thoi son' --plan {d}/noplan.csv", 2, "{d}/noplan.csv: no such plan file"),
    Case("find/plan-levels", "find 'an hoa' --plan {d}/plan_levels.csv", 2, "{d}/plan_levels.csv: has levels commune, province; choose one with --level"),
    Case("find/unknown-province", "find 'thoi son' --province Atlantis", 2, "Atlantis"),
    Case("find/long-name", "find {long}", 2, "nnnn"),
    Case("plans/ok", "plans", 0, ok="stdout"),
    Case("plans/stray-argument", "plans extra", 2, "unrecognized arguments: extra"),
    Case("demo/data-missing", "demo --data {d}/nodata -o {o}/demo --quiet", 2, "{d}/nodata"),
    Case("demo/data-without-layers", "demo --data {d}/folder -o {o}/demo --quiet", 2, "{d}/folder"),
    Case("demo/output-is-a-file", "demo --data {d}/folder -o {d}/plan.csv --quiet", 2, "{d}/plan.csv"),
]

TRANSFER = [
    Case("transfer/ok", "transfer {result} {d}/values.csv -o {o}/t.csv --sum households --quiet", 0, ok="transfer"),
    Case("transfer/missing-result", "transfer {d}/noresult.gpkg {d}/values.csv -o {o}/t.csv --sum households", 2, "{d}/noresult.gpkg: file not found"),
    Case("transfer/missing-table", "transfer {result} {d}/novalues.csv -o {o}/t.csv --sum households", 2, "{d}/novalues.csv"),
    Case("transfer/output-suffix", "transfer {result} {d}/values.csv -o {o}/t.txt --sum households", 2, "{o}/t.txt"),
    Case("transfer/output-no-folder", "transfer {result} {d}/values.csv -o {o}/no/t.csv --sum households", 2, "{o}/no/t.csv: output folder {o}/no does not exist"),
    Case("transfer/disk-full", "transfer {result} {d}/values.csv -o {full}/t.csv --sum households", 2, "{full}/t.csv: cannot write: the", env="full_disk"),
    Case("transfer/locked", "transfer {result} {d}/values.csv -o {o}/t.csv --sum households", 2, "{o}/t.csv: another geoplan process (pid", env="locked"),
    Case("transfer/not-numbers", "transfer {result} {d}/values_text.csv -o {o}/t.csv --sum households", 2, "{d}/values_text.csv"),
]

OPTIONS = [
    Case("option/unknown-command", "dissolve x", 2, "invalid choice: 'dissolve'"),
    Case("option/unknown-flag", "merge " + GRID + " -o {o}/out.gpkg --fast", 2, "unrecognized arguments: --fast"),
    Case("option/no-output", "merge " + GRID, 2, "the following arguments are required: -o/--output"),
    Case("option/gap-width-negative", "merge " + GRID + " -o {o}/out.gpkg --gap-width -5 --quiet", 2, "the gap width (--gap-width) must be a number of metres, 0 or more, got -5"),
    Case("option/gap-width-nan", "merge " + GRID + " -o {o}/out.gpkg --gap-width nan --quiet", 2, "the gap width (--gap-width) must be a number of metres, 0 or more, got nan"),
    Case("option/gap-width-inf", "merge " + GRID + " -o {o}/out.gpkg --gap-width inf --quiet", 2, "the gap width (--gap-width) must be a number of metres, 0 or more, got inf"),
    Case("option/gap-width-word", "merge " + GRID + " -o {o}/out.gpkg --gap-width wide --quiet", 2, "argument --gap-width: invalid float value: 'wide'"),
    Case("option/gap-width-zero", "merge " + GRID + " --pop-field pop -o {o}/out.gpkg --gap-width 0 --quiet", 0, ok="merge", total=TOTAL_POP),
    Case("option/lang", "--lang xx plans", 2, "argument --lang: invalid choice: 'xx'"),
    Case("option/long-argument", "merge " + GRID + " -o {o}/out.gpkg --{long}", 2, "unrecognized arguments: --nnnn"),
    Case("option/vietnamese", "--lang vi merge {d}/nope.gpkg {d}/plan.csv -o {o}/out.gpkg", 2, "lỗi: {d}/nope.gpkg: không tìm thấy tệp"),
]

CASES = (FILES + ZIPS + CRS + GEOMETRY + ATTRIBUTES + ENCODINGS + PLANS + TABLES + OUTPUTS + CHECK + MAP + TRANSFER
         + OTHER_COMMANDS + OPTIONS)
assert len({case.id for case in CASES}) == len(CASES), "case ids are unique"
