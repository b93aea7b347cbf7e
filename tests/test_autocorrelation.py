"""Moran's I against published values on libpysal's columbus example.

Reference values: R spdep, ``moran.test`` reference page (docs/reference/moran.test.md in
r-spatial/spdep), which reproduces Anselin (1988) on the Columbus crime data with
Anselin's neighbour list COL.nb. The queen value on libpysal's own polygons (0.500189)
has no published source; it is checked against the direct formula and, in GeoDa's
documentation, the same data give I = 0.500 with queen contiguity.
"""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal import examples, graph
from shapely.geometry import box

from countyres_helpers import autocorrelation as ac
from countyres_helpers import weights
from reference_weights import columbus_anselin_weights


@pytest.fixture(scope="module")
def columbus():
    """Columbus neighbourhoods with a placeholder projected CRS (coordinates are planar)."""
    frame = gpd.read_file(examples.get_path("columbus.shp"))
    frame = frame.set_crs("EPSG:3857", allow_override=True)
    frame.index = frame["POLYID"].astype(str)
    return frame


def wrap(w_like, ids, kind="given"):
    """Return a Weights object from a libpysal W whose ids are dbf row positions."""
    g = graph.Graph.from_W(w_like)
    adjacency = g.adjacency.reset_index()
    adjacency["focal"] = adjacency["focal"].map(dict(enumerate(ids)))
    adjacency["neighbor"] = adjacency["neighbor"].map(dict(enumerate(ids)))
    rebuilt = graph.Graph.from_adjacency(adjacency, "focal", "neighbor", "weight")
    return weights.Weights(weights.reorder(rebuilt, pd.Index(ids)).transform("r"), kind, [])


def test_moran_anselin_statistic(columbus):
    # spdep moran.test, COL.nb, style "W": I 0.510951264, E[I] -0.020833333.
    w = wrap(columbus_anselin_weights(), list(columbus.index))
    result = ac.global_moran(columbus["CRIME"], w, permutations=99)
    assert result.I == pytest.approx(0.510951264, abs=1e-6)
    assert result.EI == pytest.approx(-0.020833333, abs=1e-9)


def test_moran_anselin_variances(columbus):
    # spdep moran.test: variance 0.008908762 under randomisation, 0.008779831 under
    # normality; standard deviates 5.6341 and 5.6754.
    w = wrap(columbus_anselin_weights(), list(columbus.index))
    result = ac.global_moran(columbus["CRIME"], w, permutations=99)
    assert result.VI_rand == pytest.approx(0.008908762, abs=1e-9)
    assert result.VI_norm == pytest.approx(0.008779831, abs=1e-9)
    assert result.z_rand == pytest.approx(5.6341, abs=1e-4)
    assert result.z_norm == pytest.approx(5.6754, abs=1e-4)


def test_moran_queen_polygons(columbus):
    # Queen contiguity built from libpysal's columbus polygons: 236 directed links and
    # I = 0.5001886 (computed with numpy; GeoDa's documentation reports 0.500).
    w = weights.contiguity_weights(columbus)
    result = ac.global_moran(columbus["CRIME"], w, permutations=99)
    assert w.graph.n_edges == 236
    assert w.islands == []
    assert result.I == pytest.approx(0.500189, abs=1e-6)


def test_moran_knn_centroids(columbus):
    # spdep moran.test, k = 4 nearest neighbours on the X, Y centroid columns,
    # row-standardised: I 0.624933667, variance 0.008003503.
    points = gpd.GeoDataFrame(
        columbus[["CRIME"]], geometry=gpd.points_from_xy(columbus["X"], columbus["Y"]),
        crs="EPSG:3857",
    )
    w = weights.knn_weights(points, k=4)
    result = ac.global_moran(points["CRIME"], w, permutations=99)
    assert result.I == pytest.approx(0.624933667, abs=1e-6)
    assert result.VI_rand == pytest.approx(0.008003503, abs=1e-8)


def test_direct_formula_matches_esda(columbus):
    # The written-out statistic agrees with esda to 1e-10.
    w = weights.contiguity_weights(columbus)
    y = columbus["CRIME"].to_numpy()
    direct = ac.morans_i(y, w.graph.sparse)
    assert abs(direct - esda.Moran(y, w.w, permutations=0).I) < 1e-10


def test_direct_formula_binary_weights(columbus):
    # spdep moran.test with style "B" (binary COL.nb): I = 0.52063815.
    w = columbus_anselin_weights()
    w.transform = "b"
    dense, _ = w.full()
    assert ac.morans_i(columbus["CRIME"], dense) == pytest.approx(0.52063815, abs=1e-7)


def test_direct_formula_rejects_shape():
    with pytest.raises(ValueError, match=r"w has shape \(2, 2\), expected \(3, 3\)"):
        ac.morans_i([1.0, 2.0, 3.0], np.eye(2))


def test_permutation_seed_reproducible(columbus):
    w = weights.contiguity_weights(columbus)
    first = ac.global_moran(columbus["CRIME"], w, permutations=199, seed=7)
    second = ac.global_moran(columbus["CRIME"], w, permutations=199, seed=7)
    assert first.p_sim == second.p_sim
    assert first.z_sim == second.z_sim


def test_one_sided_pseudo_p(columbus):
    # With I far in the upper tail, no permutation beats it: p = 1 / (199 + 1).
    w = weights.contiguity_weights(columbus)
    result = ac.global_moran(columbus["CRIME"], w, permutations=199, alternative="greater")
    assert result.p_sim == pytest.approx(1 / 200)


def test_unknown_alternative_rejected(columbus):
    w = weights.contiguity_weights(columbus)
    with pytest.raises(ValueError, match="alternative must be"):
        ac.global_moran(columbus["CRIME"], w, permutations=9, alternative="bigger")


def test_missing_values_rejected(columbus):
    w = weights.contiguity_weights(columbus)
    values = columbus["CRIME"].copy()
    values.iloc[3] = np.nan
    with pytest.raises(ValueError, match="1 missing values"):
        ac.global_moran(values, w, permutations=9)


def test_misaligned_rows_rejected(columbus):
    w = weights.contiguity_weights(columbus)
    shuffled = columbus["CRIME"].iloc[::-1]
    with pytest.raises(ValueError, match="Row 0 of the data is county '49'"):
        ac.global_moran(shuffled, w, permutations=9)


def test_wrong_length_rejected(columbus):
    w = weights.contiguity_weights(columbus)
    with pytest.raises(ValueError, match="Data have 48 rows but the weights have 49"):
        ac.global_moran(columbus["CRIME"].iloc[:48], w, permutations=9)


def test_unprojected_frame_rejected(columbus):
    with pytest.raises(ValueError, match="not a projected CRS"):
        weights.contiguity_weights(columbus.set_crs("EPSG:4326", allow_override=True))


def test_lisa_labels_follow_quadrants(columbus):
    w = weights.contiguity_weights(columbus)
    lisa = ac.local_moran(columbus["CRIME"], w, permutations=499, seed=1, alpha=0.05)
    frame = lisa.frame
    significant = frame["p_sim"] < 0.05
    assert (frame.loc[~significant, "cluster"] == "Not significant").all()
    expected = frame.loc[significant, "q"].map(ac.QUADRANT_LABELS)
    assert (frame.loc[significant, "cluster"] == expected).all()
    assert int(lisa.counts()["counties"].sum()) == 49


def test_lisa_matches_esda_statistic(columbus):
    w = weights.contiguity_weights(columbus)
    lisa = ac.local_moran(columbus["CRIME"], w, permutations=99, seed=1)
    reference = esda.Moran_Local(columbus["CRIME"].to_numpy(), w.w, permutations=0)
    np.testing.assert_allclose(lisa.frame["Is"], reference.Is, atol=1e-12)


def test_island_linked_to_nearest():
    # Three touching squares and one square far to the right of the third.
    squares = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(10, 0, 11, 1)]
    frame = gpd.GeoDataFrame(
        {"value": [1.0, 2.0, 3.0, 4.0]}, geometry=squares, crs="EPSG:3857",
        index=pd.Index(["a", "b", "c", "d"]),
    )
    w = weights.contiguity_weights(frame)
    assert w.islands == ["d"]
    assert set(w.graph["d"].index) == {"c"}
    assert "d" in set(w.graph["c"].index)
    np.testing.assert_allclose(w.graph.sparse.sum(axis=1), 1.0)


def test_complete_cases_lists_dropped():
    frame = pd.DataFrame(
        {"name": ["a", "b", "c"], "x": [1.0, np.nan, 3.0], "y": [1.0, 2.0, np.nan]},
        index=["1", "2", "3"],
    )
    kept, dropped = ac.complete_cases(frame, ["x", "y"])
    assert list(kept.index) == ["1"]
    assert dropped.loc["2", "missing"] == "x"
    assert dropped.loc["3", "missing"] == "y"


def test_complete_cases_without_missing():
    frame = pd.DataFrame({"name": ["a", "b"], "x": [1.0, 2.0]}, index=["1", "2"])
    kept, dropped = ac.complete_cases(frame, ["x"])
    assert list(kept.index) == ["1", "2"]
    assert dropped.empty
    assert list(dropped.columns) == ["name", "missing"]


@pytest.mark.parametrize("permutations", [0, -5, 9.5])
def test_bad_permutations_rejected(columbus, permutations):
    w = weights.contiguity_weights(columbus)
    with pytest.raises(ValueError, match="permutations must be a whole number of at least 1"):
        ac.global_moran(columbus["CRIME"], w, permutations=permutations)
    with pytest.raises(ValueError, match="permutations must be a whole number of at least 1"):
        ac.local_moran(columbus["CRIME"], w, permutations=permutations)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0])
def test_bad_alpha_rejected(columbus, alpha):
    w = weights.contiguity_weights(columbus)
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        ac.local_moran(columbus["CRIME"], w, permutations=99, alpha=alpha)


def test_too_few_permutations_warn(columbus):
    # With 19 permutations the smallest pseudo p-value is 1/20 = 0.05, not below 0.05.
    w = weights.contiguity_weights(columbus)
    with pytest.warns(UserWarning, match="smallest pseudo p-value is 0.05"):
        lisa = ac.local_moran(columbus["CRIME"], w, permutations=19, alpha=0.05)
    assert (lisa.frame["cluster"] == "Not significant").all()
