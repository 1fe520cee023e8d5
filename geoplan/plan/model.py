"""Merge plans: which old unit goes to which new unit.

A plan is a table with one row per link (see docs/CONTRACTS.md)::

    old_code,new_code,new_name,link[,level,old_name,old_parent,old_district,new_parent,new_parent_code,default]

``link`` is ``full`` (the whole old unit goes to the new unit) or
``partial`` (a part of it does: the old unit was divided and has one
``partial`` row per receiving new unit, ``default=1`` on the one that gets
it whole when no split geometry exists).

>>> plan = Plan.from_frame(pd.DataFrame({"old_code": ["1", "2"], "new_code": ["9", "9"],
...                                      "new_name": ["A", "A"], "link": ["full", "full"]}))
>>> plan.new_units()["new_code"].tolist()
['9']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import PlanError
from ..i18n import Message, Option
from ..values import FALSE_WORDS, TRUE_WORDS, as_code

REQUIRED = ("old_code", "new_code", "new_name", "link")
OPTIONAL = ("level", "old_name", "old_parent", "old_district", "new_parent", "new_parent_code", "default")
LINKS = ("full", "partial")


@dataclass(frozen=True)
class Plan:
    """A validated merge plan: ``links`` holds one row per old -> new link.

    >>> Plan.from_frame(pd.DataFrame({"old_code": ["1", "2"], "new_code": ["9", "9"],
    ...                               "new_name": ["A", "A"], "link": ["full", "full"]})).n_new
    1
    """

    links: pd.DataFrame
    name: str = "plan"
    by_field: bool = False  # a dissolve by a field: each "old unit" is a value many features share

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str = "plan") -> Plan:
        """Validate a table of links and return a Plan (raises PlanError)."""
        return cls(_validate(frame, name), name)

    @property
    def n_new(self) -> int:
        """The number of new units."""
        return self.links["new_code"].nunique()

    @property
    def n_old(self) -> int:
        """The number of old units."""
        return self.links["old_code"].nunique()

    def members(self) -> pd.DataFrame:
        """One row per old unit: code, name, parent, district, number of links.

        >>> Plan.from_frame(pd.DataFrame({"old_code": ["1"], "new_code": ["9"], "new_name": ["A"], "link": ["full"]})).members().columns.tolist()
        ['old_code', 'old_name', 'old_parent', 'old_district', 'n_links']
        """
        first = self.links.drop_duplicates("old_code")
        counts = self.links.groupby("old_code").size()
        return first[["old_code", "old_name", "old_parent", "old_district"]].assign(
            n_links=first["old_code"].map(counts).to_numpy()
        ).reset_index(drop=True)

    def targets(self) -> dict[str, list[str]]:
        """The new units of each old unit, in the plan's order.

        >>> Plan.from_frame(pd.DataFrame({"old_code": ["1", "1"], "new_code": ["8", "9"], "new_name": ["A", "B"],
        ...                               "link": ["partial", "partial"]})).targets()
        {'1': ['8', '9']}
        """
        targets: dict[str, list[str]] = {}
        for old, new in zip(self.links["old_code"].to_numpy(), self.links["new_code"].to_numpy()):
            targets.setdefault(old, []).append(new)
        return targets

    def new_units(self) -> pd.DataFrame:
        """One row per new unit: code, name, parent and parent code."""
        return (
            self.links.drop_duplicates("new_code")[["new_code", "new_name", "new_parent", "new_parent_code"]]
            .reset_index(drop=True)
        )

    def assignment(self) -> pd.DataFrame:
        """Where each old unit goes when taken whole: ``old_code, new_code, approximate``.

        A divided old unit goes whole to its default new unit (or its first
        listed one) and is flagged ``approximate``.

        >>> Plan.from_frame(pd.DataFrame({"old_code": ["1", "1"], "new_code": ["8", "9"], "new_name": ["A", "B"],
        ...     "link": ["partial", "partial"], "default": ["", "1"]})).assignment().values.tolist()
        [['1', '9', True]]
        """
        links = self.links.assign(_order=range(len(self.links)))
        links = links.sort_values(["old_code", "default", "_order"], ascending=[True, False, True])
        chosen = links.drop_duplicates("old_code")
        n_links = links.groupby("old_code").size()
        return pd.DataFrame({
            "old_code": chosen["old_code"].to_numpy(),
            "new_code": chosen["new_code"].to_numpy(),
            "approximate": (chosen["old_code"].map(n_links) > 1).to_numpy(),
        })

    def at_level(self, level: str | None) -> Plan:
        """The plan restricted to one level; ``None`` is fine when the plan has one level.

        >>> Plan.from_frame(pd.DataFrame({"old_code": ["1", "1"], "new_code": ["9", "8"], "new_name": ["A", "B"], "link": ["full"] * 2,
        ...                               "level": ["province", "commune"]})).at_level("province").n_new
        1
        """
        levels = sorted(set(self.links["level"].dropna().unique().tolist()) - {""})
        if level is None:
            if len(levels) > 1:
                raise PlanError("plan.choose_level", name=self.name, levels=", ".join(levels), option=Option("level"))
            return self
        if level not in levels:
            raise PlanError("plan.no_level", name=self.name, level=level,
                            levels=", ".join(levels) or Message("plan.no_levels"))
        return Plan.from_frame(self.links[self.links["level"] == level], self.name)


def _rows(lines, limit: int = 5) -> str:
    """Row numbers for people: the lines of the file (or, for a table built in
    Python, the lines a CSV of it would have: header 1, first link 2)."""
    numbers = [str(line) for line in list(lines)[:limit]]
    more = len(lines) - limit
    return ", ".join(numbers) + (str(Message("plan.and_more", n=more)) if more > 0 else "")


def _validate(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise PlanError("plan.missing_columns", name=name, missing=", ".join(missing), required=", ".join(REQUIRED))
    if frame.empty:
        raise PlanError("plan.no_links", name=name)
    line = frame.index.to_numpy() if frame.attrs.get("index_is_line") else np.arange(len(frame)) + 2
    links = frame.reset_index(drop=True).copy()
    for column in OPTIONAL:
        if column not in links.columns:
            links[column] = ""
    links = links[list(REQUIRED + OPTIONAL)].fillna("").astype(str).apply(lambda col: col.str.strip())
    links["link"] = links["link"].str.lower()
    flag = links["default"].str.lower()
    bad = links.index[~flag.isin(TRUE_WORDS | FALSE_WORDS)]
    if len(bad):
        raise PlanError("plan.bad_default", name=name, value=links.loc[bad[0], "default"], rows=_rows(line[bad]))
    links["default"] = flag.isin(TRUE_WORDS)

    empty = links.index[(links["old_code"] == "") | (links["new_code"] == "")]
    if len(empty):
        raise PlanError("plan.empty_code", name=name, rows=_rows(line[empty]))
    bad = links.index[~links["link"].isin(LINKS)]
    if len(bad):
        raise PlanError("plan.unknown_link", name=name, value=links.loc[bad[0], "link"], rows=_rows(line[bad]))
    dup = links.index[links.duplicated(["level", "old_code", "new_code"], keep="first")]
    if len(dup):
        raise PlanError("plan.duplicate_link", name=name, old=links.loc[dup[0], "old_code"],
                        new=links.loc[dup[0], "new_code"], rows=_rows(line[dup]))
    for level, group in links.groupby("level"):
        _validate_level(group, name, line)
    return links


def _validate_level(links: pd.DataFrame, name: str, line: np.ndarray) -> None:
    full = links[links["link"] == "full"]
    n_links = links.groupby("old_code").size()
    twice_full = full[full["old_code"].map(full.groupby("old_code").size()) > 1]
    if len(twice_full):
        code = twice_full["old_code"].iloc[0]
        raise PlanError("plan.two_full", name=name, code=code, rows=_rows(line[twice_full.index]))
    mixed = links[(links["link"] == "full") & (links["old_code"].map(n_links) > 1)]
    if len(mixed):
        code = mixed["old_code"].iloc[0]
        raise PlanError("plan.full_and_other", name=name, code=code, rows=_rows(line[mixed.index]))
    lone = links[(links["link"] == "partial") & (links["old_code"].map(n_links) == 1)]
    if len(lone):
        code = lone["old_code"].iloc[0]
        raise PlanError("plan.single_partial", name=name, code=code, rows=_rows(line[lone.index]))
    names = links.groupby("new_code")["new_name"].nunique()
    if (names > 1).any():
        code = names[names > 1].index[0]
        raise PlanError("plan.names_differ", name=name, code=code,
                        names=", ".join(sorted(set(links.loc[links["new_code"] == code, "new_name"]))))
    defaults = links[links["default"]].groupby("old_code").size()
    if (defaults > 1).any():
        raise PlanError("plan.two_defaults", name=name, code=defaults[defaults > 1].index[0])


def plan_from_field(values: pd.Series, field: str) -> Plan:
    """Dissolving by a field is a plan too: each distinct value is one new unit.

    >>> plan_from_field(pd.Series(["01", "01", "02"]), "province_code").n_new
    2
    """
    codes = sorted(set(as_code(pd.Series(values)).dropna()))  # 805.0 read from a Shapefile is code "805"
    frame = pd.DataFrame({"old_code": codes, "new_code": codes, "new_name": codes, "link": "full"})
    return replace(Plan.from_frame(frame, f"--by {field}"), by_field=True)
