"""Old addresses converted to the new units through the plan: each row of a table naming an old
ward, district and province (in any spelling :mod:`geoplan.link.match` accepts: tone-mark
placement, no diacritics, with or without the unit's type) gets the new unit it now lies in.

Columns added to each row: ``old_code``, ``old_name``, ``old_district``, ``old_parent`` (the
plan's old unit), ``linked_by``, ``status``, ``new_code``, ``new_name``, ``new_parent``,
``n_candidates``, ``candidates`` (each new unit with its share of the old unit's area and
population) and, when the table has coordinates, ``point_code`` (the unit the point lies in).

``status``: ``whole`` (the old unit went whole to one new unit); for a divided old unit,
``chosen by point`` (the row's point lies in one of its new units), ``chosen by hint`` (the
hint column names exactly one of them) or ``divided`` (all its new units listed, none chosen:
never a guess); ``ambiguous`` (the name fits several old units: listed); ``not found``.
Shares come from a merge result's crosswalk; with a plan alone they are unknown, and said so.
The ``candidates`` table has one row per (address, new unit) of the divided ones.

>>> from .units import load_units
>>> table = pd.DataFrame({"xa": ["Thị trấn Nhà Bàng"], "huyen": ["Tinh Bien"], "tinh": ["An Giang"]})
>>> out, _ = address_rows(table, load_units("vn-2025-commune", AssignOptions()), AssignOptions(), Addresses())
>>> out[["old_code", "status", "new_code", "new_name"]].values.tolist()
[['30502', 'whole', '30502', 'Phường Thới Sơn']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ..errors import InputError
from ..i18n import Message, Option, render
from ..link.fields import detect_fields
from ..link.match import link_features
from ..link.names import folded_key, place_key, search_key
from ..io.stream import GEOMETRY, Source, chunks
from ..io.stream_write import Layout, write_stream
from ..plan.catalogue import known_renames
from .options import AssignOptions
from .report import AssignReport, AssignResult
from .units import Units

ADDED = ["old_code", "old_name", "old_district", "old_parent", "linked_by", "status", "new_code", "new_name",
         "new_parent", "n_candidates", "candidates"]
ROLES = ("code", "name", "district", "parent")
STATUSES = ("whole", "chosen by point", "chosen by hint", "divided", "ambiguous", "not found")
LIMIT = 10  # addresses listed in the report
ROWS = 200_000  # addresses per chunk


@dataclass
class Addresses:
    """What a conversion found, summed over chunks: rows by status, the first rows not found or
    ambiguous, the address columns, the links found so far (by address) and whether shares are known."""

    status: dict = field(default_factory=dict)
    unfound: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    without_shares: int = 0  # rows of divided old units whose shares are unknown
    crosswalk: bool = False  # whether the units came with a crosswalk
    index: dict = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """The closing line."""
        counts = {s.replace(" ", "_"): self.status.get(s, 0) for s in STATUSES}
        return render("assign.summary_addresses", n=sum(self.status.values()), **counts,
                      divided_all=counts["chosen_by_point"] + counts["chosen_by_hint"] + counts["divided"])

    def details(self) -> list[str]:
        """The address columns used, the first rows not found or ambiguous, whether shares are known."""
        lines = [render("assign.address_fields", fields=", ".join(f"{r}: {f}" for r, f in self.fields.items() if f))]
        lines += [render("assign.address_unfound", row=row, address=text, status=Message(f"assign.status_{kind}"))
                  for row, text, kind in self.unfound[:LIMIT]]
        if self.without_shares:
            lines.append(render("assign.shares_approximate" if self.crosswalk else "assign.shares_unknown",
                                n=self.without_shares))
        return lines


def address_rows(table: pd.DataFrame, units: Units, options: AssignOptions, found: Addresses,
                 point_units: np.ndarray | None = None, first_row: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``table`` with the columns the conversion adds (see the module), and the candidates of its
    divided old units; ``point_units``: the unit each row's point lies in (-1 for none), when
    the table has coordinates; ``first_row``: the table's first row in the whole input.

    >>> address_rows(table, load_units("vn-2025-commune", AssignOptions()), AssignOptions(), Addresses())  # doctest: +SKIP
    """
    if units.plan is None:
        raise InputError("assign.no_plan", units=units.label, option=Option("plan"))
    found.crosswalk = units.shares is not None
    if not found.index:
        found.index = _plan_index(units)
    if not found.fields:
        found.fields = _fields(table, units.plan, options)
    keys = _keys(table, found.fields)
    new = list(dict.fromkeys(k for k in keys if k not in found.links))
    if new:
        found.links.update(_link(new, units.plan, found.fields))
    point = np.full(len(table), -1) if point_units is None else np.asarray(point_units)
    hint = table[options.hint_field].fillna("").astype(str).to_numpy() if options.hint_field else np.full(len(table), "")
    cases = pd.DataFrame({"key": pd.Series(keys, dtype=object), "point": point, "hint": hint})
    distinct = cases.drop_duplicates().reset_index(drop=True)
    codes = units.table["code"].to_numpy()
    chosen = pd.DataFrame([_convert(found.links[k], codes[p] if p >= 0 else None, h, found.index)
                           for k, p, h in zip(distinct["key"], distinct["point"], distinct["hint"])])
    case = cases.merge(distinct.assign(case=range(len(distinct))), on=["key", "point", "hint"], how="left")["case"]
    result = chosen.iloc[case.to_numpy()].reset_index(drop=True)
    out = table.copy()
    for column in ADDED:
        out[_free(out, column)] = result[column].to_numpy()
    if point_units is not None:
        out[_free(out, "point_code")] = np.where(point >= 0, units.table["code"].to_numpy()[np.maximum(point, 0)], "")
    _count(found, result, keys, first_row)
    return out, _candidates(result, first_row)


def _fields(table: pd.DataFrame, plan, options: AssignOptions) -> dict:
    """The address columns: those given, the others detected by content (as a merge does)."""
    given = options.address_fields
    named = {**{f"{role}_field": column for role, column in given.items()}, "hint_field": options.hint_field}
    for option, column in named.items():
        if column is not None and column not in table:
            raise InputError("assign.no_field", path=options.label, field=column, option=Option(option),
                             fields=", ".join(map(str, table.columns)))
    detected = detect_fields(table.astype(str), plan)
    fields = {role: given[role] for role in ROLES}
    for role in ROLES:  # one column, one role (a name column is no district column)
        if fields[role] is None and detected.get(role) not in fields.values():
            fields[role] = detected.get(role)
    if fields["name"] is None and fields["code"] is None:
        raise InputError("assign.no_address_field", path=options.label, name=Option("name_field"),
                         district=Option("district_field"), parent=Option("parent_field"),
                         fields=", ".join(map(str, table.columns)))
    return fields


def _keys(table: pd.DataFrame, fields: dict) -> list[tuple]:
    """Each row's address as a tuple of text (code, name, district, parent; "" where absent)."""
    columns = [table[fields[r]].fillna("").astype(str).str.strip().to_numpy() if fields[r] else [""] * len(table)
               for r in ROLES]
    return list(zip(*columns))


def _link(addresses: list[tuple], plan, fields: dict) -> dict:
    """{address: {old_code, linked_by, ambiguous}} for distinct addresses.

    ``link_features`` links each plan member to at most one feature (a layer has one polygon per
    unit); addresses name the same unit many ways, so they are linked in rounds: spellings of the
    same address in separate rounds, and what a round left unlinked tried again on its own.
    """
    frame = pd.DataFrame(addresses, columns=list(ROLES))
    options = {f"{role}_field": role if fields[role] else None for role in ROLES}
    group = frame["name"].map(folded_key) + "|" + frame["district"].map(place_key) + "|" + frame["parent"].map(place_key)
    rounds = group.groupby(group).cumcount().to_numpy()
    batches = [np.flatnonzero(rounds == r) for r in range(rounds.max(initial=-1) + 1)]
    aliases, members = known_renames(plan), plan.members().set_index("old_code")
    result = {}
    while batches:
        todo = batches.pop(0)
        links = link_features(frame.iloc[todo].reset_index(drop=True), plan, **options, aliases=aliases)
        ambiguous = dict(zip(links.ambiguous["feature"], links.ambiguous["codes"])) if len(links.ambiguous) else {}
        for i, (row, code, how) in enumerate(zip(todo, links.table["old_code"], links.table["linked_by"])):
            result[addresses[row]] = _settled(addresses[row], code or "", how, ambiguous.get(i, []), members)
        failed = np.array([row for row in todo if not result[addresses[row]]["old_code"]
                           and not result[addresses[row]]["ambiguous"]], dtype=int)
        if 0 < len(failed) < len(todo):
            batches.append(failed)
    return result


def _plan_index(units: Units) -> dict:
    """Look-ups by old code: its new units (code, name, parent), its names (name, district,
    parent), and the shares of each (old, new) pair known from a crosswalk."""
    links = units.plan.links
    new_units, members = {}, {}
    for old, new, name, parent, old_name, district, old_parent in zip(
            links["old_code"], links["new_code"], links["new_name"], links["new_parent"], links["old_name"],
            links["old_district"], links["old_parent"]):
        new_units.setdefault(old, []).append((new, name, parent))
        members.setdefault(old, (old_name, district, old_parent))
    shares = {} if units.shares is None else {
        (o, n): (a, p) for o, n, a, p in zip(units.shares["old_code"], units.shares["new_code"],
                                             units.shares["area_share"], units.shares["pop_share"]) if pd.notna(a)}
    return {"new": new_units, "member": members, "shares": shares}


def _settled(address: tuple, code: str, how: str, candidates: list, members: pd.DataFrame) -> dict:
    """A link, with a name that fits several old units settled when the address's district, or
    the unit type written in its name, fits exactly one of them, however written (without
    diacritics too: "Phuong Dong Xuan, Quan Hoan Kiem"); never a guess between several.

    >>> from ..plan.catalogue import read_plan
    >>> _settled(("", "Xa Dong Xuan", "Huyen Soc Son", "Ha Noi"), "", "none", ["00040", "00436"],
    ...          read_plan("vn-2025-commune").members().set_index("old_code"))["old_code"]
    '00436'
    """
    if code or len(candidates) < 2:
        return {"old_code": code, "linked_by": how, "ambiguous": candidates}
    members = members.loc[candidates]
    _, name, district, _ = address
    for how, fits in (("name+district", lambda m: bool(district) and place_key(m.old_district) == place_key(district)),
                      ("name+type", lambda m: search_key(m.old_name)[0] == search_key(name)[0] != "")):
        found = [code for code, m in zip(candidates, members.itertuples()) if fits(m)]
        if len(found) == 1:
            return {"old_code": found[0], "linked_by": how, "ambiguous": []}
    return {"old_code": "", "linked_by": how, "ambiguous": candidates}


def _convert(link: dict, point: str | None, hint: str, index: dict) -> dict:
    """One address's columns (see the module), from its link to the plan."""
    code = link["old_code"]
    if not code:
        names = [_old_label(c, index["member"][c]) for c in link["ambiguous"]]
        return {**{c: "" for c in ADDED}, "linked_by": link["linked_by"], "n_candidates": len(names),
                "status": "ambiguous" if names else "not found", "candidates": "; ".join(names), "shares": []}
    name, district, parent = index["member"][code]
    return {"old_code": code, "old_name": name, "old_district": district, "old_parent": parent,
            "linked_by": link["linked_by"], **_choose(code, index, point, hint)}


def _old_label(code: str, member: tuple) -> str:
    """An old unit as people tell it apart: code, name (district, province)."""
    name, district, parent = member
    return f"{code} {name} ({', '.join(p for p in (district, parent) if p)})"


def _choose(code: str, index: dict, point: str | None, hint: str) -> dict:
    """The new unit of an old one: its only one, else the one the point or the hint picks."""
    options = index["new"][code]
    shares = {new: index["shares"][(code, new)] for new, _, _ in options if (code, new) in index["shares"]}
    if shares:  # the crosswalk split this old unit: a new unit it gave nothing to has a share of 0
        nothing = (0.0, 0.0 if any(pd.notna(people) for _, people in shares.values()) else np.nan)
        shares = {new: shares.get(new, nothing) for new, _, _ in options}
    row = {"n_candidates": len(options), "candidates": "; ".join(_candidate(o, shares) for o in options),
           "new_code": "", "new_name": "", "new_parent": "", "status": "divided",
           "shares": [(new, name, parent, *shares.get(new, (np.nan, np.nan))) for new, name, parent in options]}
    named = [o for o in options if hint and _names(hint, o[1])]
    if len(options) == 1:
        chosen, row["status"] = options[0], "whole"
    elif point is not None and point in {o[0] for o in options}:
        chosen, row["status"] = next(o for o in options if o[0] == point), "chosen by point"
    elif len(named) == 1:
        chosen, row["status"] = named[0], "chosen by hint"
    else:
        return row
    return {**row, "new_code": chosen[0], "new_name": chosen[1], "new_parent": chosen[2]}


def _candidate(option: tuple, shares: dict) -> str:
    """A candidate new unit as text, with its shares of the old unit when known."""
    code, name, _ = option
    if code not in shares:
        return render("assign.candidate", code=code, name=name)
    area, people = shares[code]
    return render("assign.candidate_shares", code=code, name=name, area=float(area),
                  pop=Message("assign.share", share=float(people)) if pd.notna(people) else Message("assign.unknown"))


def _names(hint: str, name: str) -> bool:
    """Whether a hint (a street, a hamlet, a new ward) names the unit ``name``, in any spelling.

    >>> _names("Thon 3, phuong Thoi Son", "Phường Thới Sơn"), _names("Son Tay", "Phường Thới Sơn")
    (True, False)
    """
    words = f" {folded_key(str(hint)).replace('-', ' ').replace(',', ' ')} "
    return f" {folded_key(name).replace('-', ' ')} " in words


def _free(frame: pd.DataFrame, column: str) -> str:
    """``column``, or ``new_<column>`` when the table has one of that name already."""
    return column if column not in frame else f"new_{column}"


def _count(found: Addresses, result: pd.DataFrame, keys: list, first_row: int) -> None:
    """Add a chunk's statuses and its first rows not found or ambiguous (by line: header is 1)."""
    for status, n in result["status"].value_counts().items():
        found.status[status] = found.status.get(status, 0) + int(n)
    divided = result["n_candidates"].gt(1) & result["old_code"].ne("")
    unknown = result["shares"].map(lambda shares: any(pd.isna(share[3]) for share in shares))
    found.without_shares += int((divided & unknown).sum())
    bad = np.flatnonzero(result["status"].isin(["not found", "ambiguous"]).to_numpy())[:max(LIMIT - len(found.unfound), 0)]
    found.unfound += [(first_row + i + 2, ", ".join(p for p in keys[i] if p), result["status"].iloc[i].replace(" ", "_"))
                      for i in bad]


def _candidates(result: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """One row per (address, new unit) of the divided old units: shares and whether chosen."""
    divided = result[result["n_candidates"].gt(1) & result["old_code"].ne("")]
    rows = [(first_row + i, r.old_code, code, name, parent, area, people, code == r.new_code)
            for i, r in zip(divided.index, divided.itertuples()) for code, name, parent, area, people in r.shares]
    return pd.DataFrame(rows, columns=["row", "old_code", "new_code", "new_name", "new_parent", "area_share",
                                       "pop_share", "chosen"])


def is_address_table(source: Source, units: Units, options: AssignOptions) -> bool:
    """Whether a table is one of old addresses: it has no geometry, or it has coordinates and
    its columns name the plan's old units (given, or detected by content).

    >>> from .units import load_units
    >>> from ..io.stream import Source
    >>> is_address_table(Source("t.csv", "csv", ("xa",)), load_units("vn-2025-commune", AssignOptions()), AssignOptions())
    True
    """
    if not source.has_geometry:
        return True
    if source.lonlat is None or units.plan is None:
        return False
    if any(options.address_fields.values()):
        return True
    first = next(chunks(source, 5000), None)
    detected = detect_fields(first.drop_columns([GEOMETRY]).to_pandas().astype(str), units.plan) if first else {}
    return detected.get("name") is not None


def convert_chunk(chunk: pa.Table, units: Units, options: AssignOptions, found: Addresses,
                  start: int) -> tuple[pa.Table, pd.DataFrame]:
    """A chunk of a table of old addresses converted (its points, if any, placed in the units).

    >>> table, candidates = convert_chunk(chunk, units, AssignOptions(), Addresses(), 0)  # doctest: +SKIP
    """
    frame = chunk.drop_columns([c for c in (GEOMETRY,) if c in chunk.column_names]).to_pandas()
    point_units = None
    if GEOMETRY in chunk.column_names and units.geoms is not None:
        wkb = np.asarray(chunk.column(GEOMETRY).to_numpy(zero_copy_only=False), dtype=object)
        points = shapely.from_wkb(wkb)
        point_units = units.grid().locate(shapely.get_x(points), shapely.get_y(points))
    out, candidates = address_rows(frame, units, options, found, point_units, start)
    table = pa.Table.from_pandas(out, preserve_index=False)
    if GEOMETRY in chunk.column_names:
        table = table.append_column(GEOMETRY, chunk.column(GEOMETRY))
    return table, candidates


def convert_file(source: Source, units: Units, target, options: AssignOptions, say) -> AssignReport:
    """Convert a file of old addresses chunk by chunk and write it to ``target``, with the
    table of candidates of divided old units beside it.

    >>> convert_file(open_source("old.csv"), load_units("vn-2025-commune", AssignOptions()), "new.xlsx",
    ...              AssignOptions(), print).summary()  # doctest: +SKIP
    """
    found = Addresses()
    report = AssignReport(str(source.path), units.label, len(units.table), "addresses", "plan", str(target),
                          addresses=found, engine=options.engine)
    layout = Layout("addresses", ["Point"] if source.lonlat else [], derived_geometry=True)

    def converted():
        start, candidates = 0, []
        for chunk in chunks(source, options.chunk_rows or ROWS):
            out, more = convert_chunk(chunk, units, options, found, start)
            candidates.append(more)
            start += chunk.num_rows
            say(Message("assign.progress_addresses", done=start))
            yield out
        layout.tables["candidates"] = pd.concat(candidates, ignore_index=True)
        if Path(target).suffix.lower() in (".gpkg", ".xlsx"):
            layout.tables["about"] = pd.DataFrame(report.about(), columns=["key", "value"])

    write_stream(target, converted(), layout)
    return report


def convert(table: pa.Table, source: Source, units: Units, options: AssignOptions, say) -> AssignResult:
    """Convert a table of old addresses in memory (see :func:`geoplan.assign`).

    >>> convert(table, source, units, AssignOptions(), print).features  # doctest: +SKIP
    """
    found = Addresses()
    out, candidates = convert_chunk(table, units, options, found, 0)
    say(Message("assign.progress_addresses", done=table.num_rows))
    report = AssignReport(str(source.path), units.label, len(units.table), "addresses", "plan", addresses=found)
    return AssignResult(out.drop_columns([c for c in (GEOMETRY,) if c in out.column_names]).to_pandas(), None,
                        report, candidates)
