"""Tests for countyres_helpers.gwr against the mgwr notebooks, mgwr's tests and GWR4 output.

Data: libpysal's bundled Georgia example, GData_utm.csv (159 counties, UTM coordinates in
metres), read offline with ``libpysal.examples.get_path``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.examples import get_path
from mgwr.sel_bw import Sel_BW

from countyres_helpers.gwr import (
    GWRFit,
    bandwidth_range,
    fit_gwr,
    fit_mgwr,
    monte_carlo_nonstationarity,
    standardize,
)

NOTEBOOK_X = ["PctFB", "PctBlack", "PctRural"]
GWR4_X = ["PctRural", "PctPov", "PctBlack"]


@pytest.fixture(scope="module")
def georgia() -> pd.DataFrame:
    return pd.read_csv(get_path("GData_utm.csv"))


@pytest.fixture(scope="module")
def coords(georgia) -> pd.DataFrame:
    return georgia[["X", "Y"]]


@pytest.fixture(scope="module")
def notebook_data(georgia):
    """y = PctBach and X = [PctFB, PctBlack, PctRural], z-scores with ddof=0."""
    return standardize(georgia["PctBach"]), standardize(georgia[NOTEBOOK_X])


@pytest.fixture(scope="module")
def notebook_gwr(notebook_data, coords) -> GWRFit:
    # Search settings of the notebook: Sel_BW(coords, y, X).search(bw_min=2), adaptive
    # bisquare, AICc, golden section; bw_max = n = 159 is mgwr's default upper bound.
    y, X = notebook_data
    return fit_gwr(y, X, coords, bw_min=2)


# ---------------------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------------------


def test_standardize_population_std(georgia):
    z = standardize(georgia[NOTEBOOK_X])
    raw = georgia[NOTEBOOK_X].to_numpy()
    expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    np.testing.assert_allclose(z.to_numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(z.to_numpy().std(axis=0), 1.0, atol=1e-12)
    assert list(z.columns) == NOTEBOOK_X


def test_standardize_series_keeps_type(georgia):
    z = standardize(georgia["PctBach"])
    assert isinstance(z, pd.Series)
    assert z.name == "PctBach"


def test_standardize_constant_column_raises(georgia):
    df = georgia[NOTEBOOK_X].assign(flat=1.0)
    with pytest.raises(ValueError, match="flat"):
        standardize(df)


def test_standardize_missing_raises(georgia):
    df = georgia[NOTEBOOK_X].copy()
    df.loc[3, "PctFB"] = np.nan
    with pytest.raises(ValueError, match="PctFB"):
        standardize(df)


def test_standardize_text_column_raises():
    with pytest.raises(TypeError, match="name"):
        standardize(pd.DataFrame({"name": ["a", "b"], "v": [1.0, 2.0]}))


# ---------------------------------------------------------------------------------------
# bandwidth_range
# ---------------------------------------------------------------------------------------


def test_bandwidth_range_adaptive_georgia():
    assert bandwidth_range(159, 3) == (5.0, 159.0)


def test_bandwidth_range_never_exceeds_n():
    for n in (8, 20, 40, 55, 100, 159, 2000):
        for k in range(9):
            if n <= k + 2:
                continue
            low, high = bandwidth_range(n, k)
            assert high <= n, (n, k)
            assert low >= k + 2, (n, k)
            assert low < high, (n, k)


def test_mgwr_default_range_exceeds_n():
    # mgwr 2.2 Sel_BW._init_section (adaptive): lower bound 40 + 2 * (k + 1), upper n.
    # On 55 counties with 8 regressors the default lower bound 58 exceeds n.
    rng = np.random.default_rng(0)
    n, k = 55, 8
    xy = rng.uniform(0, 1e5, size=(n, 2))
    X = rng.normal(size=(n, k))
    selector = Sel_BW(xy, rng.normal(size=(n, 1)), X)
    selector.bw_min = selector.bw_max = None
    selector.int_score = True
    default_low, default_high = selector._init_section([], X, xy, True)
    assert default_low == 58
    assert default_high == n
    assert default_low > n
    assert bandwidth_range(n, k)[1] <= n


def test_bandwidth_range_too_few_raises():
    with pytest.raises(ValueError, match="too few"):
        bandwidth_range(5, 3)


def test_bandwidth_range_fixed_covers_k_plus_one(coords):
    xy = coords.to_numpy()
    low, high = bandwidth_range(len(xy), 3, fixed=True, coords=xy)
    distances = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    # The bisquare kernel gives weight only to distances below the bandwidth.
    inside = (distances < low).sum(axis=1)
    assert inside.min() == 3 + 1
    assert high == pytest.approx(2 * distances.max(), rel=1e-12)


def test_bandwidth_range_fixed_needs_coords():
    with pytest.raises(ValueError, match="coords"):
        bandwidth_range(100, 3, fixed=True)


# ---------------------------------------------------------------------------------------
# GWR: mgwr notebook GWR_Georgia_example.ipynb (Oshan et al. 2019, IJGI 8(6):269)
# Tolerance 1e-3 on the values printed with 3 decimals, 1e-6 on the 8-decimal ones.
# ---------------------------------------------------------------------------------------


def test_gwr_notebook_bandwidth(notebook_gwr):
    assert notebook_gwr.bw == 117
    assert notebook_gwr.bw_range == (2.0, 159.0)


def test_gwr_notebook_diagnostics(notebook_gwr):
    assert notebook_gwr.aicc == pytest.approx(299.051, abs=1e-3)
    assert notebook_gwr.aic == pytest.approx(296.616, abs=1e-3)
    assert notebook_gwr.r2 == pytest.approx(0.678, abs=1e-3)
    assert notebook_gwr.adj_r2 == pytest.approx(0.652, abs=1e-3)
    assert notebook_gwr.rss == pytest.approx(51.186, abs=1e-3)
    assert notebook_gwr.enp == pytest.approx(11.805, abs=1e-3)


def test_gwr_notebook_first_county(notebook_gwr):
    expected = [-0.23204579, 0.22820815, 0.05697445, -0.42649461]
    np.testing.assert_allclose(notebook_gwr.params.iloc[0], expected, atol=1e-6)
    assert notebook_gwr.local_r2.iloc[0] == pytest.approx(0.55932878, abs=1e-6)


def test_gwr_notebook_multiple_testing(notebook_gwr):
    # da Silva and Fotheringham (2016) correction as printed by the notebook.
    assert notebook_gwr.adj_alpha == pytest.approx(0.017, abs=1e-3)
    assert notebook_gwr.critical_t == pytest.approx(2.414, abs=1e-3)


def test_gwr_notebook_global_ols(notebook_gwr):
    # "Global Regression Results" block of the same notebook.
    assert notebook_gwr.ols_aicc == pytest.approx(335.191, abs=1e-3)
    # The notebook prints spglm's AIC, which does not count the error variance. The helper
    # counts it (mgwr get_AIC, as GWR4 does), so its value is 2 higher.
    assert notebook_gwr.ols_aic == pytest.approx(332.798 + 2, abs=1e-3)
    assert notebook_gwr.ols_r2 == pytest.approx(0.548, abs=1e-3)
    assert notebook_gwr.ols_adj_r2 == pytest.approx(0.540, abs=1e-3)
    assert notebook_gwr.ols_rss == pytest.approx(71.793, abs=1e-3)
    np.testing.assert_allclose(notebook_gwr.ols_params, [0.000, 0.458, -0.084, -0.374],
                               atol=1e-3)


def test_gwr_notebook_coefficient_means(notebook_gwr):
    # "Summary Statistics For GWR Parameter Estimates", column Mean, of the notebook.
    np.testing.assert_allclose(notebook_gwr.params.mean(), [-0.004, 0.477, -0.043, -0.328],
                               atol=1e-3)


def test_gwr_masks_match_critical_t(notebook_gwr):
    significant = notebook_gwr.tvalues.abs() >= notebook_gwr.critical_t
    assert significant.equals(notebook_gwr.significant)
    filtered = notebook_gwr.filtered_tvalues.to_numpy()
    assert (filtered[~significant.to_numpy()] == 0).all()
    assert notebook_gwr.params_masked.isna().equals(~significant)


def test_gwr_tables(notebook_gwr):
    frame = notebook_gwr.to_frame()
    assert frame.shape == (159, 13)
    assert "se_PctFB" in frame.columns
    assert list(notebook_gwr.diagnostics().columns) == ["OLS", "GWR"]
    text = notebook_gwr.summary()
    assert "bandwidth 117" in text
    assert "2.414" in text


def test_gwr_helper_range_georgia(notebook_data, coords):
    # With the helper's default range [k + 2, n] = [5, 159] the golden section takes another
    # path and returns 116, whose AICc is no worse than the notebook's 117 (299.051).
    y, X = notebook_data
    fit = fit_gwr(y, X, coords)
    assert fit.bw_range == (5.0, 159.0)
    assert 5 <= fit.bw <= 159
    assert fit.aicc <= 299.051 + 1e-3


def test_gwr_tables_keep_index(georgia, coords):
    y = georgia.set_index("AreaKey")["PctBach"]
    fit = fit_gwr(y, georgia[GWR4_X].to_numpy(), coords.to_numpy(), bw=90, names=GWR4_X)
    assert fit.params.index.equals(y.index)
    assert fit.to_frame().index.equals(y.index)
    assert fit.params.columns.tolist() == ["Intercept", *GWR4_X]


def test_gwr_standardise_option(georgia, notebook_data, coords):
    y, X = notebook_data
    pre = fit_gwr(y, X, coords, bw=117)
    inside = fit_gwr(georgia["PctBach"], georgia[NOTEBOOK_X], coords, bw=117, standardise=True)
    np.testing.assert_allclose(inside.params.to_numpy(), pre.params.to_numpy(), atol=1e-10)
    assert inside.bw_range is None
    assert inside.selector is None


# ---------------------------------------------------------------------------------------
# GWR4 peer output: libpysal georgia_BS_NN_summary.txt and georgia_BS_NN_listwise.csv
# (GWR 4.0.90), unstandardised PctBach ~ PctRural + PctPov + PctBlack, adaptive bisquare.
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gwr4_fit(georgia, coords) -> GWRFit:
    # Bandwidth fixed at GWR4's 90 neighbours, as in mgwr tests/test_gwr.py::test_BS_NN.
    return fit_gwr(georgia["PctBach"], georgia[GWR4_X], coords, bw=90)


def test_gwr4_fixed_bandwidth(gwr4_fit):
    # mgwr test_gwr.py::test_BS_NN: round(R2, 4) == 0.5924 and floor(AICc) == 896.
    assert gwr4_fit.r2 == pytest.approx(0.5924, abs=1e-4)
    assert np.floor(gwr4_fit.aicc) == 896


def test_gwr4_first_county(gwr4_fit):
    # georgia_BS_NN_listwise.csv, row 0 (AreaKey 13001); rtol 1e-4 as in mgwr's test.
    expected = [18.375924, -0.087919, -0.218522, 0.069101]
    np.testing.assert_allclose(gwr4_fit.params.iloc[0], expected, rtol=1e-4)
    assert gwr4_fit.local_r2.iloc[0] == pytest.approx(0.551117, rel=1e-4)


def test_gwr4_global_ols(gwr4_fit):
    # georgia_BS_NN_summary.txt, "Global regression result"; tolerance 1e-6.
    assert gwr4_fit.ols_aicc == pytest.approx(908.319245, abs=1e-6)
    assert gwr4_fit.ols_aic == pytest.approx(907.927089, abs=1e-6)
    assert gwr4_fit.ols_bic == pytest.approx(923.271610, abs=1e-6)
    assert gwr4_fit.ols_r2 == pytest.approx(0.485273, abs=1e-6)
    assert gwr4_fit.ols_rss == pytest.approx(2639.559476, abs=1e-6)
    np.testing.assert_allclose(gwr4_fit.ols_params,
                               [23.854615, -0.111395, -0.345778, 0.058331], atol=1e-6)


# ---------------------------------------------------------------------------------------
# Small samples: 55 of the 159 Georgia counties
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subset55(georgia) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(len(georgia), size=55, replace=False))
    return georgia.iloc[rows].reset_index(drop=True)


def test_gwr_small_sample_helper_range(subset55):
    y = standardize(subset55["PctBach"])
    X = standardize(subset55[NOTEBOOK_X])
    fit = fit_gwr(y, X, subset55[["X", "Y"]])
    low, high = fit.bw_range
    assert (low, high) == (5.0, 55.0)
    assert low <= fit.bw <= 55
    assert fit.enp < 55 - 2
    assert fit.params.shape == (55, 4)
    assert np.isfinite(fit.params.to_numpy()).all()


def test_gwr_adaptive_bw_above_n_raises(subset55):
    with pytest.raises(ValueError, match="cannot exceed n = 55"):
        fit_gwr(subset55["PctBach"], subset55[NOTEBOOK_X], subset55[["X", "Y"]], bw_max=60)


# ---------------------------------------------------------------------------------------
# Coordinates
# ---------------------------------------------------------------------------------------


def test_gwr_degrees_raise(georgia):
    lonlat = georgia[["Longitud", "Latitude"]]
    with pytest.raises(ValueError, match="degrees"):
        fit_gwr(georgia["PctBach"], georgia[GWR4_X], lonlat, bw=90)


def test_gwr_spherical_needs_degrees(georgia, coords):
    with pytest.raises(ValueError, match="spherical=True"):
        fit_gwr(georgia["PctBach"], georgia[GWR4_X], coords, bw=90, spherical=True)


def test_gwr_spherical_accepts_degrees(georgia):
    lonlat = georgia[["Longitud", "Latitude"]]
    fit = fit_gwr(georgia["PctBach"], georgia[GWR4_X], lonlat, bw=90, spherical=True)
    assert fit.params.shape == (159, 4)


def test_mgwr_degrees_raise(georgia):
    lonlat = georgia[["Longitud", "Latitude"]]
    with pytest.raises(ValueError, match="degrees"):
        fit_mgwr(georgia["PctBach"], georgia[NOTEBOOK_X], lonlat, standardise=True)


# ---------------------------------------------------------------------------------------
# MGWR: mgwr notebook MGWR_Georgia_example.ipynb and mgwr test_sel_bw.py
# ---------------------------------------------------------------------------------------


def test_mgwr_unstandardised_raises(georgia, coords):
    with pytest.raises(ValueError, match="standardised"):
        fit_mgwr(georgia["PctBach"], georgia[NOTEBOOK_X], coords)


def test_mgwr_sample_std_raises(georgia, coords):
    # ddof=1 z-scores have population std sqrt(158/159) = 0.99685, outside the tolerance.
    X = georgia[NOTEBOOK_X]
    X_sample = (X - X.mean()) / X.std(ddof=1)
    y = standardize(georgia["PctBach"])
    with pytest.raises(ValueError, match="PctFB"):
        fit_mgwr(y, X_sample, coords)


@pytest.mark.slow
def test_mgwr_notebook(notebook_data, coords):
    # Notebook settings: Sel_BW(coords, y, X, multi=True).search(multi_bw_min=[2]), adaptive
    # bisquare, AICc, golden section, upper bounds n = 159. The helper's per-covariate
    # default range is [2, 159], the same. Backfitting starts at the helper's GWR
    # bandwidth 116 here (mgwr starts at 117); both converge to the notebook bandwidths.
    y, X = notebook_data
    fit = fit_mgwr(y, X, coords)
    assert (fit.bw_range["bw_min"] == 2).all()
    np.testing.assert_array_equal(fit.bws, [92, 101, 136, 158])
    assert fit.aicc == pytest.approx(297.120, abs=1e-3)
    assert fit.rss == pytest.approx(50.899, abs=1e-3)
    assert fit.enp == pytest.approx(11.368, abs=1e-3)
    np.testing.assert_allclose(fit.enp_j, [3.845, 3.514, 2.258, 1.752], atol=1e-3)
    np.testing.assert_allclose(fit.critical_t, [2.512, 2.479, 2.311, 2.210], atol=1e-3)
    np.testing.assert_allclose(fit.params.mean(), [0.017, 0.479, -0.069, -0.304], atol=1e-3)
    assert fit.r2 == pytest.approx(0.680, abs=1e-3)
    assert fit.adj_r2 == pytest.approx(0.655, abs=1e-3)

    assert (fit.bw_intervals["lower"] <= fit.bws).all()
    assert (fit.bw_intervals["upper"] >= fit.bws).all()
    significant = fit.tvalues.abs() >= fit.critical_t
    assert fit.params_masked.isna().equals(~significant)
    assert "MGWR" in fit.summary()


@pytest.mark.slow
def test_mgwr_default_bounds(notebook_data, coords):
    # mgwr test_sel_bw.py::test_MGWR_AICc runs selector.search() with default bounds and
    # expects [101, 101, 117, 157]. mgwr's defaults are reproduced explicitly: per-covariate
    # lower bound 40 + 2 * 1 = 42 (one column, no intercept), upper bound n = 159, and a
    # start at 117, the GWR bandwidth over mgwr's default range [48, 159].
    y, X = notebook_data
    fit = fit_mgwr(y, X, coords, bw_min=42, bw_max=159, init_bw=117)
    np.testing.assert_array_equal(fit.bws, [101, 101, 117, 157])
    assert fit.init_bw == 117


# ---------------------------------------------------------------------------------------
# Monte Carlo test of spatial variability
# ---------------------------------------------------------------------------------------


def test_monte_carlo_mgwr_test_values(georgia, coords):
    # mgwr test_gwr.py::test_BS_NN: GWR4 specification, search with mgwr's default range
    # [48, 159] (bandwidth 93), spatial_variability(sel, 10) with mgwr's default seed 5536
    # gives [0, 0, 0.5, 0.2]; rtol 1e-4 as in that test.
    fit = fit_gwr(georgia["PctBach"], georgia[GWR4_X], coords, bw_min=48, bw_max=159)
    assert fit.bw == 93
    test = monte_carlo_nonstationarity(fit, n_iters=10, seed=5536)
    np.testing.assert_allclose(test.p_values, [0.0, 0.0, 0.5, 0.2], rtol=1e-4)
    assert list(test.to_frame().columns) == ["std", "p_value"]


def test_monte_carlo_needs_search(gwr4_fit):
    with pytest.raises(ValueError, match="given bw"):
        monte_carlo_nonstationarity(gwr4_fit, n_iters=2)


@pytest.mark.slow
def test_monte_carlo_mgwr_runs(subset55):
    # Exercises the MGWR path on 55 counties with 2 permutations; no published value.
    y = standardize(subset55["PctBach"])
    X = standardize(subset55[NOTEBOOK_X])
    fit = fit_mgwr(y, X, subset55[["X", "Y"]])
    test = monte_carlo_nonstationarity(fit, n_iters=2, seed=1)
    assert test.p_values.index.tolist() == ["Intercept", *NOTEBOOK_X]
    assert test.p_values.between(0, 1).all()
