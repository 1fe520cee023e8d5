"""Shared fixtures: small hand-made layers and plans written to tmp_path."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely


@pytest.fixture
def toy_layer() -> gpd.GeoDataFrame:
    """Four old communes of one province, with a sliver gap and an overlap between them.

    A | B      A and B leave a 0.001 deg gap; C overlaps D by 0.001 deg.
    --+--      A and B go to new unit X, C and D to new unit Y.
    C | D
    """
    return gpd.GeoDataFrame({
        "code": ["001", "002", "003", "004"],
        "name": ["Xã An Hòa", "Thị trấn Bình Minh", "Xã Cát Tiên", "Xã Đông Hoà"],
        "province": ["Tỉnh Thử", "Tỉnh Thử", "Tỉnh Thử", "Tỉnh Thử"],
        "pop": [100, 200, 300, 400],
    }, geometry=[
        shapely.box(105.000, 10.01, 105.010, 10.02),
        shapely.box(105.011, 10.01, 105.020, 10.02),
        shapely.box(105.000, 10.00, 105.011, 10.01),
        shapely.box(105.010, 10.00, 105.020, 10.01),
    ], crs="EPSG:4326")


@pytest.fixture
def toy_plan_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "old_code": ["001", "002", "003", "004"],
        "old_name": ["Xã An Hoà", "Phường Bình Minh", "Xã Cát Tiên", "Xã Đông Hòa"],
        "old_parent": ["Tỉnh Thử"] * 4,
        "new_code": ["10", "10", "20", "20"],
        "new_name": ["Phường X", "Phường X", "Xã Y", "Xã Y"],
        "new_parent": ["Tỉnh Mới"] * 4,
        "link": ["full"] * 4,
    })


@pytest.fixture
def toy_files(tmp_path, toy_layer, toy_plan_frame):
    """The toy layer as a GeoPackage and the toy plan as CSV."""
    layer_path = tmp_path / "old.gpkg"
    toy_layer.to_file(layer_path, layer="communes")
    plan_path = tmp_path / "plan.csv"
    toy_plan_frame.to_csv(plan_path, index=False)
    return layer_path, plan_path
