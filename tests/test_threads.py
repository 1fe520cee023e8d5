"""Work split over threads (geoplan.threads)."""

from __future__ import annotations

import numpy as np
import shapely

from geoplan.threads import in_threads


def test_rows_with_one_key_go_to_one_slice():
    key = np.repeat(np.arange(7), [30, 1, 45, 2, 60, 1, 11])
    slices: list[set] = []

    def note(k):
        slices.append(set(np.unique(k).tolist()))
        return k * 2

    out = in_threads(note, key, threads=3, together=key)
    assert out.tolist() == (key * 2).tolist()
    assert sum(len(s) for s in slices) == len(set().union(*slices)) == 7  # no key in two slices
    assert sum(1 for s in slices if s) > 1  # and the work was still split


def test_prepared_units_tested_in_threads_give_the_same_pairs():
    rng = np.random.default_rng(3)
    units = np.array([shapely.box(x, y, x + 1, y + 1) for x in range(6) for y in range(6)])
    shapely.prepare(units)
    x, y = rng.uniform(0, 6, (2, 500))
    features = shapely.buffer(shapely.points(x, y), 0.3)
    unit = np.repeat(np.arange(len(units)), len(features))
    feature = np.tile(np.arange(len(features)), len(units))
    alone = shapely.intersects(units[unit], features[feature])
    assert (in_threads(shapely.intersects, units[unit], features[feature], threads=2, together=unit) == alone).all()
