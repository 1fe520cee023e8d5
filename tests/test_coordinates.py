"""Coordinates a layer's CRS can stand for (geoplan.io.coordinates): refused in one line naming the
feature, accepted where the CRS measures them correctly (a national layer of Vietnam in UTM 48N)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geoplan.errors import InputError
from geoplan.io.coordinates import check_coordinates


def projected(crs, *lonlat_boxes):
    """Boxes given in lon/lat, drawn in ``crs``."""
    to = Transformer.from_crs(4326, crs, always_xy=True)
    return [shapely.transform(shapely.box(*box), lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
            for box in lonlat_boxes]


def refused(geoms, crs, features=None) -> tuple[str, object]:
    with pytest.raises(InputError) as caught:
        check_coordinates(geoms, crs, "old.gpkg", features)
    return caught.value.message.id, caught.value.message.values["feature"]


@pytest.mark.parametrize("crs, boxes", [
    (32648, [(102.1, 8.5, 102.2, 8.6), (117.8, 10.0, 117.9, 10.1)]),  # Vietnam in UTM 48N, Spratly Islands included
    (3405, [(109.4, 12.0, 109.5, 12.1)]),  # VN-2000 / UTM 48N beyond its area of use (west of 108 E), still Vietnam
    (3832, [(179.5, -17.0, 179.9, -16.8), (-179.9, -16.9, -179.5, -16.7)]),  # an area of use across the antimeridian
    (3857, [(105, 10, 106, 11), (-75, 80, -74, 84)]),
])
def test_layers_their_crs_measures_correctly_pass(crs, boxes):
    check_coordinates(projected(crs, *boxes), crs, "old.gpkg")


def test_every_kind_of_non_finite_coordinate_is_found_and_its_feature_named():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broken = [shapely.Polygon([(105, 10), (105.1, 10), (np.nan, 10.1), (105, 10.1)]),
                  shapely.Polygon([(105, 10), (np.inf, 10), (105.1, 10.1), (105, 10.1)]),
                  shapely.Polygon([(105, 10), (106, 10), (106, 11), (105, 11)],
                                  holes=[[(105.2, 10.2), (105.3, 10.2), (np.nan, 10.3), (105.2, 10.2)]]),
                  shapely.LineString([(105, 10), (np.nan, 10.1), (105.2, 10.2)]),
                  shapely.MultiPoint([(105, 10), (np.nan, 10)])]
    for geometry in broken:
        layer = [shapely.box(105, 10, 106, 11), shapely.Polygon(), None, geometry]
        assert refused(layer, 4326, features=[11, 12, 13, 14]) == ("layer.coords_not_finite", 14)


@pytest.mark.parametrize("geoms, crs, message", [
    ([shapely.box(10, 105, 11, 106)], 4326, "layer.coords_not_lonlat"),  # latitude and longitude swapped
    ([shapely.box(-181, 10, -179, 11)], 4326, "layer.coords_not_lonlat"),
    ([shapely.box(5e5, 1e8, 5.1e5, 1.01e8)], 32648, "layer.coords_off_earth"),  # northings of 1e8 m
    ([shapely.box(1e15, 1e15, 1.01e15, 1.01e15)], 3857, "layer.coords_off_earth"),
    (projected(3405, (2.3, 48.8, 2.4, 48.9)), 3405, "layer.coords_outside_crs"),  # Paris in VN-2000 / UTM 48N
])
def test_coordinates_the_crs_cannot_stand_for_are_refused(geoms, crs, message):
    assert refused(geoms, crs) == (message, 0)
