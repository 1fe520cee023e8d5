r"""The formulas of a transfer: values kept per old unit carried onto the new units through the
pieces of a merge (:class:`geoplan.crosswalk.transfer_basis.Basis`), with their coverage and bounds.

For a piece of old unit ``i`` in new unit ``j``, ``s_ij`` is the share of ``i``
that went to ``j``: its ``pop_share`` (the share of ``i``'s census) where the merge
summed a population and ``i`` has one, else its ``area_share`` (``share_by="area"``:
always the area share). For whole units ``s_ij`` is 1.

- **extensive** (``sum``): :math:`v_j = \sum_i s_{ij} v_i`
- **intensive** (``mean``): :math:`v_j = \sum_i w_{ij} v_i / \sum_i w_{ij}`, with
  :math:`w_{ij} = a_{ij}` (the piece's area) for area weights, :math:`w_{ij} = p_{ij}`
  (the piece's census) for ``population``, :math:`w_{ij} = s_{ij} W_i` for a weight
  column ``W`` of the table: never an average of averages;
- **categorical** (``share``): the intensive formula on the indicator of each class:
  :math:`v_{jc} = \sum_i w_{ij} [c_i = c] / \sum_i w_{ij}`.

**Coverage** of a carried column in ``j``: :math:`\sum_i m_{ij} [v_i \text{ known}] / \sum_i m_{ij}`,
the share of ``j``'s weight whose old units have a value (and a weight). The mass
``m`` is the column's own weight (the pieces' census for sums shared by population,
their area for sums shared by area); where some piece of ``j`` has none (no census, no
polygon), the pieces' areas; where some has no area either, each old unit counts once. So
coverage is 1 exactly when every old unit of ``j`` has a value, and a value is shown
only then (``missing="zero"``: missing values count as 0, and coverage still says how much
was known).

**Bounds** of sums (as NHGIS publishes them): lower, only the exact pieces (whole
units and parts with geometry: no divided unit that went whole to its default unit
for lack of geometry); upper, every old unit linked to or received by ``j`` counted
whole. They hold for values of 0 or more.

>>> groups = Groups(np.array([0, 0, 1]), 3)
>>> groups.sum(np.array([[1.0], [2.0], [5.0]])).ravel().tolist()
[3.0, 5.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .transfer_basis import Basis

SHARE_BY = ("population", "area")
MISSING = ("empty", "zero")


class Groups:
    """Sums and minima of per-piece rows by new unit (``n`` new units; those without a piece get 0).

    >>> Groups(np.array([1, 1]), 2).minimum(np.array([3.0, 2.0])).tolist()
    [nan, 2.0]
    """

    def __init__(self, new: np.ndarray, n: int):
        self.order = np.argsort(new, kind="stable")
        sorted_new = new[self.order]
        self.starts = np.flatnonzero(np.r_[True, sorted_new[1:] != sorted_new[:-1]]) if len(new) else np.array([], int)
        self.present = sorted_new[self.starts]
        self.new, self.n = new, n

    def sum(self, rows: np.ndarray) -> np.ndarray:
        """Per new unit, the sum of ``rows`` (pieces x k, or pieces).

        >>> Groups(np.array([1, 1]), 2).sum(np.array([3.0, 2.0])).tolist()
        [0.0, 5.0]
        """
        out = np.zeros((self.n,) + rows.shape[1:])
        if len(self.starts):
            out[self.present] = np.add.reduceat(rows[self.order], self.starts, axis=0)
        return out

    def minimum(self, rows: np.ndarray) -> np.ndarray:
        """Per new unit, the minimum of ``rows`` (NaN where it has no piece).

        >>> Groups(np.array([0]), 1).minimum(np.array([4.0])).tolist()
        [4.0]
        """
        out = np.full((self.n,) + rows.shape[1:], np.nan)
        if len(self.starts):
            out[self.present] = np.minimum.reduceat(rows[self.order], self.starts, axis=0)
        return out


@dataclass(frozen=True)
class Carried:
    """Carried values and their coverage, one row per new unit and one column per value.

    >>> Carried(np.array([[1.0]]), np.array([[1.0]])).values.shape
    (1, 1)
    """

    values: np.ndarray
    coverage: np.ndarray


class Carrier:
    """The pieces of a basis ready for the formulas above (see the module's description).

    >>> carrier = Carrier(basis, "population", "empty")  # doctest: +SKIP
    >>> carrier.sums(values).values  # doctest: +SKIP
    """

    def __init__(self, basis: Basis, share_by: str, missing: str):
        pieces = basis.pieces
        self.basis, self.missing = basis, missing
        self.unit = pieces["unit"].to_numpy()
        self.groups = Groups(pieces["new"].to_numpy(), len(basis.new))
        self.area = pieces["area_km2"].to_numpy(dtype=float)
        self.census = pieces["population"].to_numpy(dtype=float)
        area_share = pieces["area_share"].to_numpy(dtype=float)
        pop_share = pieces["pop_share"].to_numpy(dtype=float)
        self.share = np.where(np.isnan(pop_share), area_share, pop_share) if share_by == "population" else area_share
        self.exact = pieces["exact"].to_numpy(dtype=bool)
        self.own_mass = self.census if share_by == "population" else self.area

    def mass(self, weight: np.ndarray) -> np.ndarray:
        """The mass coverage is measured by (pieces x k): ``weight`` where every piece of the new
        unit has a positive one, else the area where every piece has one, else 1 per piece.

        >>> carrier.mass(np.array([[np.nan], [2.0]]))  # doctest: +SKIP
        """
        positive = self.groups.minimum(np.where(np.isnan(weight), 0.0, weight)) > 0
        by_area = self.groups.minimum(self.area) > 0
        each = positive[self.groups.new]
        area = np.broadcast_to(by_area[self.groups.new][:, None], weight.shape)
        return np.where(each, weight, np.where(area, self.area[:, None], 1.0))

    def _coverage(self, mass: np.ndarray, known: np.ndarray) -> np.ndarray:
        total = self.groups.sum(mass)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, self.groups.sum(mass * known) / total, np.nan)

    def sums(self, values: np.ndarray) -> Carried:
        """Extensive columns (old units x k) carried: weighted sums and coverage.

        >>> carrier.sums(np.array([[10.0], [20.0]])).values  # doctest: +SKIP
        """
        piece_values = values[self.unit]
        known = ~np.isnan(piece_values)
        totals = self.groups.sum(self.share[:, None] * np.where(known, piece_values, 0.0))
        mass = self.mass(np.broadcast_to(self.own_mass[:, None], piece_values.shape))
        coverage = self._coverage(mass, known)
        return Carried(self._shown(totals, coverage), coverage)

    def piece_weights(self, weight: str, column: np.ndarray | None) -> np.ndarray:
        """The weight ``w_ij`` of each piece for a mean or share: its area, its census, or its share of
        the old unit's value of a weight column (``column``, per old unit).

        >>> carrier.piece_weights("area", None)  # doctest: +SKIP
        """
        if column is not None:
            return self.share * column[self.unit]
        return self.census if weight == "population" else self.area

    def means(self, values: np.ndarray, weights: np.ndarray) -> Carried:
        """Intensive columns (old units x k) carried as means weighted by ``weights`` (pieces x k).

        >>> carrier.means(np.array([[0.1], [0.3]]), np.array([[1.0], [3.0]])).values  # doctest: +SKIP
        """
        piece_values = values[self.unit]
        weighed = ~np.isnan(weights)
        known = ~np.isnan(piece_values) & weighed
        if self.missing == "zero":
            piece_values, used = np.where(np.isnan(piece_values), 0.0, piece_values), weighed
        else:
            used = known
        w = np.where(used, weights, 0.0)
        total = self.groups.sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(total > 0, self.groups.sum(w * np.where(used, piece_values, 0.0)) / total, np.nan)
        coverage = self._coverage(self.mass(weights), known)
        return Carried(self._shown(means, coverage), coverage)

    def _shown(self, values: np.ndarray, coverage: np.ndarray) -> np.ndarray:
        """Values where coverage is complete (or everywhere a new unit has pieces, missing counted as 0)."""
        shown = ~np.isnan(coverage) if self.missing == "zero" else coverage == 1
        return np.where(shown, values, np.nan)

    def bounds(self, values: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of extensive columns (old units x k), empty where ``shown`` is NaN
        or an old unit counted in the upper bound lacks its value (unless missing counts as 0).

        >>> lower, upper = carrier.bounds(values, carrier.sums(values).values)  # doctest: +SKIP
        """
        piece_values = np.nan_to_num(values[self.unit])
        lower = self.groups.sum(np.where(self.exact[:, None], self.share[:, None] * piece_values, 0.0))
        touching = self.basis.touching
        touching_groups = Groups(touching["new"].to_numpy(), len(self.basis.new))
        touched = values[touching["unit"].to_numpy()]
        upper = touching_groups.sum(np.nan_to_num(touched))
        lacking = touching_groups.sum(np.isnan(touched).astype(float)) > 0
        empty = np.isnan(shown) | (lacking if self.missing != "zero" else False)
        return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)
