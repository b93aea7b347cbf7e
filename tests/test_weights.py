"""Distance and economic-geographic nested weights, against libpysal and explicit formulas."""

from __future__ import annotations

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from countyres_helpers import weights

SIDE = 10_000.0  # metres: squares of 10 km, like small counties


def squares_frame(corners, codes=None):
    """Return square counties of side 10 km with lower-left corners in km, CRS in metres."""
    codes = codes or [f"{610101 + i}" for i in range(len(corners))]
    geometry = [box(x * 1000, y * 1000, x * 1000 + SIDE, y * 1000 + SIDE) for x, y in corners]
    return gpd.GeoDataFrame(geometry=geometry, crs="EPSG:3857", index=pd.Index(codes))


def dense(w):
    """Return the row-standardised weights as a dense array in the graph's id order."""
    return w.graph.sparse.toarray()


@pytest.fixture(scope="module")
def scattered():
    """Thirty squares at random positions in a 200 km x 200 km area (seeded)."""
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 200, size=(30, 2))
    return squares_frame([tuple(c) for c in corners])


def test_distance_matches_libpysal_band(scattered):
    # Independent implementation: libpysal.weights.DistanceBand on the same centroids,
    # w_ij = d_ij^-1 within the band, then row-standardised.
    centroids = np.column_stack([scattered.centroid.x, scattered.centroid.y])
    threshold_km = 120.0
    reference = libpysal.weights.DistanceBand(
        centroids, threshold=threshold_km * 1000, binary=False, alpha=-1.0, silence_warnings=True
    )
    assert not reference.islands
    reference.transform = "r"

    w = weights.distance_weights(scattered, threshold_km)

    assert w.kind == "distance"
    assert w.islands == []
    np.testing.assert_allclose(dense(w), reference.full()[0], rtol=1e-12, atol=1e-15)


def test_distance_squared_decay(scattered):
    # alpha = -2: each row is proportional to d^-2 of the neighbours within the band.
    w = weights.distance_weights(scattered, 120.0, alpha=-2.0)
    centroids = np.column_stack([scattered.centroid.x, scattered.centroid.y])
    d = np.linalg.norm(centroids[:, None, :] - centroids[None, :, :], axis=2)
    raw = np.where((d > 0) & (d <= 120_000.0), d, np.inf) ** -2.0
    expected = raw / raw.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dense(w), expected, rtol=1e-12, atol=1e-15)


def test_distance_island_linked_by_inverse_distance():
    # a, b, c in a row 10 km apart; d 80 km to the right of c, beyond the 50 km cut-off.
    frame = squares_frame([(0, 0), (10, 0), (20, 0), (100, 0)], codes=["a", "b", "c", "d"])
    w = weights.distance_weights(frame, 50.0)

    assert w.islands == ["d"]
    row_c = w.graph["c"]
    # c links a (20 km), b (10 km) and d (80 km) with weights proportional to 1/d.
    raw = {"a": 1 / 20_000, "b": 1 / 10_000, "d": 1 / 80_000}
    total = sum(raw.values())
    for code, value in raw.items():
        assert row_c[code] == pytest.approx(value / total, rel=1e-12)
    assert dict(w.graph["d"]) == {"c": pytest.approx(1.0)}


def test_distance_rejects_bad_threshold(scattered):
    with pytest.raises(ValueError, match="threshold_km must be positive, got 0"):
        weights.distance_weights(scattered, 0.0)


def test_distance_rejects_unprojected(scattered):
    with pytest.raises(ValueError, match="not a projected CRS"):
        weights.distance_weights(scattered.to_crs("EPSG:4326"), 100.0)


def test_nested_matches_explicit_formula(scattered):
    # Explicit formula: w_ij = d_ij^-1 / (1 + |E_i - E_j| / sd(E)) within the band,
    # row-standardised.
    rng = np.random.default_rng(11)
    economic = pd.Series(rng.lognormal(10, 0.5, len(scattered)), index=scattered.index,
                         name="gdp_per_capita")
    w = weights.nested_weights(scattered, economic, 120.0)

    centroids = np.column_stack([scattered.centroid.x, scattered.centroid.y])
    d = np.linalg.norm(centroids[:, None, :] - centroids[None, :, :], axis=2)
    values = economic.to_numpy()
    similarity = 1.0 / (1.0 + np.abs(values[:, None] - values[None, :]) / values.std(ddof=1))
    raw = np.where((d > 0) & (d <= 120_000.0), similarity / np.where(d > 0, d, 1.0), 0.0)
    expected = raw / raw.sum(axis=1, keepdims=True)

    assert w.kind == "nested"
    np.testing.assert_allclose(dense(w), expected, rtol=1e-12, atol=1e-15)


def test_nested_favours_similar_neighbour():
    # b and c are each 10 km from a. c's economy is like a's and b's is not.
    frame = squares_frame([(0, 0), (10, 0), (-10, 0)], codes=["a", "b", "c"])
    economic = pd.Series([1.0, 5.0, 1.2], index=frame.index, name="e")
    w = weights.nested_weights(frame, economic, 15.0)
    assert w.graph["a"]["c"] > w.graph["a"]["b"]


def test_nested_rejects_missing_values(scattered):
    economic = pd.Series(1.0 + np.arange(len(scattered)), index=scattered.index, name="e")
    economic.iloc[3] = np.nan
    economic.iloc[5] = np.inf
    expected = r"missing or infinite for 2 counties \(610104, 610106\)"
    with pytest.raises(ValueError, match=expected):
        weights.nested_weights(scattered, economic, 120.0)


def test_nested_rejects_misordered_codes(scattered):
    economic = pd.Series(1.0 + np.arange(len(scattered)), index=scattered.index, name="e")
    with pytest.raises(ValueError, match="Row 0 of the data is county '610130'"):
        weights.nested_weights(scattered, economic[::-1], 120.0)


def test_nested_rejects_constant(scattered):
    economic = pd.Series(2.0, index=scattered.index, name="e")
    with pytest.raises(ValueError, match="constant"):
        weights.nested_weights(scattered, economic, 120.0)


def test_nested_rejects_array(scattered):
    with pytest.raises(TypeError, match="economic must be a pandas Series"):
        weights.nested_weights(scattered, np.arange(len(scattered), dtype=float), 120.0)


def test_distance_rejects_positive_alpha(scattered):
    with pytest.raises(ValueError, match="alpha must be negative"):
        weights.distance_weights(scattered, 120.0, alpha=1.0)


def test_builders_reject_one_county(scattered):
    with pytest.raises(ValueError, match="at least 2 counties, got 1"):
        weights.distance_weights(scattered.iloc[:1], 120.0)
    with pytest.raises(ValueError, match="at least 2 counties, got 1"):
        weights.contiguity_weights(scattered.iloc[:1])


def test_builders_reject_repeated_codes(scattered):
    repeated = pd.concat([scattered, scattered.iloc[:2]])
    with pytest.raises(ValueError, match="repeated: 610101, 610102"):
        weights.knn_weights(repeated, k=3)


def test_builders_reject_missing_geometry(scattered):
    holed = scattered.copy()
    holed.loc["610103", "geometry"] = None
    with pytest.raises(ValueError, match=r"1 counties have no geometry \(610103\)"):
        weights.distance_weights(holed, 120.0)
