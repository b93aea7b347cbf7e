"""Tests of countyres_helpers.regression against published Columbus values and formulas."""

import warnings

import esda
import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg
from libpysal.graph import Graph
from scipy import stats

from countyres_helpers import regression as reg
from reference_weights import (
    columbus_anselin_weights,
    columbus_dbf_path,
    columbus_queen_weights,
)

NAMES = ["INC", "HOVAL"]


@pytest.fixture(scope="module")
def columbus():
    """CRIME, [INC, HOVAL] of libpysal's columbus.dbf."""
    db = libpysal.io.open(columbus_dbf_path())
    y = np.array(db.by_col("CRIME"), dtype=float)
    X = np.column_stack([db.by_col("INC"), db.by_col("HOVAL")]).astype(float)
    db.close()
    return y, X


@pytest.fixture(scope="module")
def w_col():
    return columbus_anselin_weights()


@pytest.fixture(scope="module")
def sar(columbus, w_col):
    y, X = columbus
    return reg.fit_sar(y, X, w_col, names=NAMES, name_y="CRIME")


@pytest.fixture(scope="module")
def sem(columbus, w_col):
    y, X = columbus
    return reg.fit_sem(y, X, w_col, names=NAMES, name_y="CRIME")


@pytest.fixture(scope="module")
def sdm(columbus, w_col):
    y, X = columbus
    return reg.fit_sdm(y, X, w_col, names=NAMES, name_y="CRIME")


@pytest.fixture(scope="module")
def lm(columbus, w_col):
    y, X = columbus
    return reg.lm_diagnostics(y, X, w_col, names=NAMES, name_y="CRIME")


# ---------------------------------------------------------------------------------------
# Reference weights
# ---------------------------------------------------------------------------------------


def test_anselin_weights_links(w_col):
    # Anselin (1988) COL.nb has 232 directed links (R spdep data/oldcol.rda).
    assert sum(len(v) for v in w_col.neighbors.values()) == 232


def test_anselin_weights_symmetric(w_col):
    for i, neighbours in w_col.neighbors.items():
        for j in neighbours:
            assert i in w_col.neighbors[j]


def test_queen_weights_links():
    # libpysal's columbus.gal has 236 directed links.
    w = columbus_queen_weights()
    assert sum(len(v) for v in w.neighbors.values()) == 236


def test_anselin_moran_crime(columbus, w_col):
    # R spdep moran.test reference page: Moran's I of CRIME with COL.nb, style "W",
    # is 0.510951264. It checks the NEIG-to-row mapping of the rebuilt COL.nb.
    y, _ = columbus
    assert esda.Moran(y, w_col, permutations=0).I == pytest.approx(0.510951264, abs=1e-8)


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def test_weights_wrong_n(columbus):
    y, X = columbus
    w = libpysal.weights.lat2W(5, 5)
    with pytest.raises(ValueError, match="25 units but the data have 49"):
        reg.fit_sar(y, X, w)


def test_weights_wrong_type(columbus):
    y, X = columbus
    with pytest.raises(TypeError, match="libpysal.weights.W"):
        reg.fit_sar(y, X, np.eye(49))


def test_weights_graph_accepted(columbus, w_col, sar):
    y, X = columbus
    fit = reg.fit_sar(y, X, Graph.from_W(w_col), names=NAMES)
    assert fit.rho == pytest.approx(sar.rho, abs=1e-10)


def test_design_missing_values(columbus, w_col):
    y, X = columbus
    X = X.copy()
    X[3, 0] = np.nan
    with pytest.raises(ValueError, match="missing or infinite"):
        reg.fit_sar(y, X, w_col)


def test_design_row_mismatch(columbus, w_col):
    y, X = columbus
    with pytest.raises(ValueError, match="one row per observation"):
        reg.fit_ols(y, X[:-1])


def test_design_dataframe_names(columbus):
    y, X = columbus
    fit = reg.fit_ols(pd.Series(y, name="CRIME"), pd.DataFrame(X, columns=NAMES))
    assert fit.names == ("CONSTANT", "INC", "HOVAL")
    assert fit.name_y == "CRIME"


# ---------------------------------------------------------------------------------------
# OLS and LM diagnostics
# ---------------------------------------------------------------------------------------


def test_ols_coefficients(columbus):
    # R spdep lm.RStests reference page and spreg OLS docstring:
    # const 68.61896110, INC -1.59731083, HOVAL -0.27393148.
    y, X = columbus
    fit = reg.fit_ols(y, X, names=NAMES)
    assert fit.betas == pytest.approx([68.61896110, -1.59731083, -0.27393148], abs=1e-7)


def test_ols_std_err(columbus):
    # Same sources: classical SEs 4.7355, 0.3341, 0.1032 (printed to 4 decimals).
    y, X = columbus
    fit = reg.fit_ols(y, X, names=NAMES)
    assert fit.std_err == pytest.approx([4.7355, 0.3341, 0.1032], abs=5e-5)


def test_ols_r2(lm):
    # R spdep lm.RStests reference page: R-squared 0.552404.
    assert lm.r2 == pytest.approx(0.552404, abs=1e-6)


def test_ols_aic(columbus):
    # R counts sigma2 as a parameter: AIC = -2 (-187.377) + 2 * 4 = 382.75 (R spatialreg
    # ML_models reference page, OLS AIC printed below the lag model).
    y, X = columbus
    fit = reg.fit_ols(y, X, names=NAMES)
    assert fit.AIC == pytest.approx(382.75, abs=0.005)


@pytest.mark.parametrize(
    ("test", "statistic", "p"),
    [
        # R spdep lm.RStests reference page, COL.nb row-standardised.
        ("lm_error", 5.723131, 0.016743),
        ("lm_lag", 9.363684, 0.002213),
        ("rlm_error", 0.079495, 0.777983),
        ("rlm_lag", 3.720048, 0.053763),
        ("sarma", 9.443178, 0.008901),
    ],
)
def test_lm_anselin_weights(lm, test, statistic, p):
    result = getattr(lm, test)
    assert result.statistic == pytest.approx(statistic, abs=1e-5)
    assert result.p == pytest.approx(p, abs=1e-6)


def test_lm_sarma_df(lm):
    assert lm.sarma.df == 2


def test_lm_queen_weights(columbus):
    # Not published: values from the Anselin (1988) LM formulas with libpysal's
    # columbus.gal (queen), row-standardised; spreg agrees. GeoDa prints them to 4 dp.
    y, X = columbus
    lm = reg.lm_diagnostics(y, X, columbus_queen_weights(), names=NAMES)
    assert lm.lm_lag.statistic == pytest.approx(8.8980, abs=1e-3)
    assert lm.lm_error.statistic == pytest.approx(5.2062, abs=1e-3)


def test_lm_moran_matches_esda(columbus, w_col, lm):
    # Independent formula: Moran's I of the OLS residuals computed by esda.
    y, X = columbus
    resid = y - np.column_stack([np.ones(49), X]) @ lm.betas
    assert lm.moran_i == pytest.approx(esda.Moran(resid, w_col, permutations=0).I, abs=1e-10)


def test_lm_to_frame_rows(lm):
    frame = lm.to_frame()
    assert list(frame.index) == [
        "Moran's I (residuals)", "LM-lag", "LM-error", "robust LM-lag",
        "robust LM-error", "SARMA",
    ]


def test_decision_columbus_5pct(lm):
    # Both LM tests reject at 5 %, neither robust test does; robust LM-lag is larger.
    text = lm.decision(alpha=0.05)
    assert "Both LM tests are significant" in text
    assert "Neither robust test is significant" in text
    assert "(SAR)" in text


def test_decision_columbus_10pct(lm):
    # At 10 % only robust LM-lag (p = 0.0538) rejects.
    assert "Only robust LM-lag is significant" in lm.decision(alpha=0.10)


def make_lm(p_lag, p_err, p_rlag=0.5, p_rerr=0.5):
    def test(p, df=1):
        return reg.LMTest(stats.chi2.isf(p, df), df, p)

    return reg.LMDiagnostics(
        names=("CONSTANT", "x"), betas=np.zeros(2), std_err=np.ones(2), r2=0.0, n=10,
        lm_lag=test(p_lag), lm_error=test(p_err), rlm_lag=test(p_rlag),
        rlm_error=test(p_rerr), sarma=test(0.5, 2), moran_i=0.0, moran_z=0.0, moran_p=1.0,
    )


def test_decision_neither():
    assert "keep the OLS model" in make_lm(0.3, 0.4).decision()


def test_decision_only_lag():
    assert "Only LM-lag is significant" in make_lm(0.01, 0.4).decision()


def test_decision_only_error():
    assert "Only LM-error is significant" in make_lm(0.4, 0.01).decision()


def test_decision_robust_error():
    text = make_lm(0.001, 0.001, p_rlag=0.3, p_rerr=0.01).decision()
    assert "Only robust LM-error is significant" in text


def test_decision_both_robust():
    text = make_lm(0.001, 0.001, p_rlag=0.01, p_rerr=0.001).decision()
    assert "Both robust tests are significant" in text
    assert "(SEM)" in text


# ---------------------------------------------------------------------------------------
# ML fits
# ---------------------------------------------------------------------------------------


def test_sar_estimates(sar):
    # R spatialreg ML_models reference page (lagsarlm), = Anselin (1988) Table 12.2.
    assert sar.rho == pytest.approx(0.4310232, abs=1e-4)
    assert sar.coef("CONSTANT") == pytest.approx(45.079251, abs=1e-4)
    assert sar.coef("INC") == pytest.approx(-1.031616, abs=1e-4)
    assert sar.coef("HOVAL") == pytest.approx(-0.265926, abs=1e-4)


def test_sar_loglik(sar):
    # Same page: logL -182.3904, AIC 374.78 (sigma2 counted).
    assert sar.logL == pytest.approx(-182.3904, abs=1e-4)
    assert sar.AIC == pytest.approx(374.78, abs=0.005)


def test_sar_std_err(sar):
    # Same page, asymptotic SEs: 7.177347, 0.305143, 0.088499, rho 0.11768.
    assert sar.std_err[:3] == pytest.approx([7.177347, 0.305143, 0.088499], abs=1e-5)
    assert sar.se("rho") == pytest.approx(0.11768, abs=1e-5)


def test_sar_sigma2(sar):
    # Same page: ML sigma2 95.494.
    assert sar.sigma2 == pytest.approx(95.494, abs=5e-4)


def test_sar_lu_matches_full(columbus, w_col, sar):
    y, X = columbus
    fit = reg.fit_sar(y, X, w_col, names=NAMES, method="lu")
    assert fit.rho == pytest.approx(sar.rho, abs=1e-5)
    assert "lu" in fit.method


def test_sem_estimates(sem):
    # R spatialreg ML_models reference page (errorsarlm), COL.nb row-standardised.
    assert sem.lam == pytest.approx(0.5617902, abs=1e-4)
    assert sem.coef("CONSTANT") == pytest.approx(59.893220, abs=1e-4)
    assert sem.coef("INC") == pytest.approx(-0.941312, abs=1e-4)
    assert sem.coef("HOVAL") == pytest.approx(-0.302250, abs=1e-4)


def test_sem_loglik(sem):
    # Same page: logL -183.3805, AIC 376.76.
    assert sem.logL == pytest.approx(-183.3805, abs=1e-4)
    assert sem.AIC == pytest.approx(376.76, abs=0.005)


def test_sem_std_err(sem):
    # Same page: SEs 5.366162, 0.330569, 0.090476, lambda 0.13387.
    assert sem.std_err[:3] == pytest.approx([5.366162, 0.330569, 0.090476], abs=1e-5)
    assert sem.se("lambda") == pytest.approx(0.13387, abs=1e-5)


def test_sdm_names(sdm):
    assert sdm.names == ("CONSTANT", "INC", "HOVAL", "W_INC", "W_HOVAL", "rho")


def test_sdm_equals_sar_on_lagged_x(columbus, w_col, sdm):
    # Independent construction: the SDM is a SAR with W X added as ordinary regressors.
    y, X = columbus
    WX = libpysal.weights.lag_spatial(w_col, X)
    fit = reg.fit_sar(y, np.hstack([X, WX]), w_col, names=NAMES + ["W_INC", "W_HOVAL"])
    assert sdm.betas == pytest.approx(fit.betas, abs=1e-6)
    assert sdm.logL == pytest.approx(fit.logL, abs=1e-8)


def test_s2sls_spreg_docstring():
    # spreg GM_Lag docstring: HOVAL ~ INC + CRIME, rook weights from columbus.shp,
    # row-standardised, w_lags=2.
    db = libpysal.io.open(columbus_dbf_path())
    y = np.array(db.by_col("HOVAL"))
    X = np.column_stack([db.by_col("INC"), db.by_col("CRIME")])
    db.close()
    w = libpysal.weights.Rook.from_shapefile(libpysal.examples.get_path("columbus.shp"))
    w.transform = "r"

    fit = reg.fit_s2sls(y, X, w, names=["inc", "crime"], w_lags=2)
    assert fit.betas == pytest.approx([45.30170561, 0.62088862, -0.48072345, 0.02836221],
                                      abs=1e-7)
    assert fit.std_err == pytest.approx([17.91278862, 0.52486082, 0.1822815, 0.31740089],
                                        abs=1e-7)
    assert fit.logL is None

    white = reg.fit_s2sls(y, X, w, names=["inc", "crime"], w_lags=2, robust="white")
    assert white.std_err == pytest.approx(
        [20.47077481, 0.50613931, 0.20138425, 0.38028295], abs=1e-7
    )


def test_fit_to_frame(sar):
    frame = sar.to_frame()
    assert list(frame.columns) == ["coef", "std_err", "z", "p"]
    assert frame.loc["rho", "coef"] == pytest.approx(sar.rho)


def test_fit_summary_text(sar):
    text = sar.summary()
    assert "SAR" in text
    assert "logL = -182.3904" in text


def test_fit_coef_unknown(sar):
    with pytest.raises(KeyError, match="not a coefficient"):
        sar.coef("lambda")


# ---------------------------------------------------------------------------------------
# LR tests
# ---------------------------------------------------------------------------------------


def test_lr_sdm_vs_sar(sar, sdm):
    result = reg.lr_test(sar, sdm)
    assert result.df == 2
    assert result.statistic == pytest.approx(2 * (sdm.logL - sar.logL), abs=1e-12)
    assert result.p == pytest.approx(stats.chi2.sf(result.statistic, 2), abs=1e-12)


def test_lr_sdm_vs_sem(sem, sdm):
    # Common factor theta = -rho beta: 2 restrictions (one per regressor).
    result = reg.lr_test(sem, sdm)
    assert result.df == 2
    assert result.statistic == pytest.approx(2 * (sdm.logL - sem.logL), abs=1e-12)


def test_lr_sar_vs_ols(columbus, sar):
    # R spatialreg ML_models reference page: LR test value 9.9736 for rho = 0.
    y, X = columbus
    result = reg.lr_test(reg.fit_ols(y, X, names=NAMES), sar)
    assert result.statistic == pytest.approx(9.9736, abs=1e-4)
    assert result.p == pytest.approx(0.001588, abs=1e-6)


def test_lr_swapped(sar, sdm):
    with pytest.raises(ValueError, match="df must be positive"):
        reg.lr_test(sdm, sar)


def test_lr_lower_unrestricted(sar, sdm):
    with pytest.raises(ValueError, match="check the order"):
        reg.lr_test(sdm, sar, df=1)


def test_lr_needs_likelihood(columbus, w_col, sar):
    y, X = columbus
    s2sls = reg.fit_s2sls(y, X, w_col, names=NAMES)
    with pytest.raises(ValueError, match="no log-likelihood"):
        reg.lr_test(s2sls, sar, df=1)


# ---------------------------------------------------------------------------------------
# Impacts
# ---------------------------------------------------------------------------------------


def test_multipliers_eigen_matches_dense(w_col):
    W = reg.dense_weights(w_col)
    rhos = np.array([-0.5, 0.0, 0.3, 0.8])
    eigen = reg.lag_multipliers_eigen(W, rhos)
    for row, rho in zip(eigen, rhos):
        assert row == pytest.approx(reg.lag_multipliers_dense(W, rho), abs=1e-10)


def columbus_knn_weights(transform):
    """k = 4 nearest neighbours of the Columbus centroids (X, Y): an asymmetric graph."""
    db = libpysal.io.open(columbus_dbf_path())
    coords = np.column_stack([db.by_col("X"), db.by_col("Y")]).astype(float)
    db.close()
    w = libpysal.weights.KNN(coords, k=4)
    w.transform = transform
    return w


def columbus_queen_binary():
    w = columbus_queen_weights()
    w.transform = "b"
    return w


@pytest.mark.parametrize(
    ("build", "symmetric", "row_stochastic"),
    [
        (columbus_anselin_weights, True, True),
        (columbus_queen_binary, True, False),
        (lambda: columbus_knn_weights("r"), False, True),
        (lambda: columbus_knn_weights("b"), False, False),
    ],
    ids=["anselin-r", "queen-binary", "knn-r", "knn-binary"],
)
def test_spectrum_branches_match_dense(build, symmetric, row_stochastic):
    # Independent formula: the multipliers from the dense inverse of I - rho W. Each case
    # takes one branch of weights_spectrum; rho stays inside the stable interval.
    W = reg.dense_weights(build())
    spectrum = reg.weights_spectrum(W)
    assert spectrum.symmetric is symmetric
    assert (spectrum.total_weights is None) is row_stochastic

    low, high = reg.stable_rho_interval(W)
    rhos = np.array([0.9 * low, 0.0, 0.5 * high, 0.9 * high])
    multipliers = reg.multipliers_from_spectrum(spectrum, rhos)
    for row, rho in zip(multipliers, rhos):
        assert row == pytest.approx(reg.lag_multipliers_dense(W, rho), rel=1e-9, abs=1e-12)


def test_stable_interval_symmetric_matches_eigvals():
    # The symmetric branch (eigvalsh of D^1/2 W D^-1/2) gives the interval that the
    # general eigenvalues of W give.
    W = reg.dense_weights(columbus_queen_weights())
    lam = np.linalg.eigvals(W).real
    low, high = reg.stable_rho_interval(W)
    assert low == pytest.approx(1.0 / lam.min(), rel=1e-10)
    assert high == pytest.approx(1.0 / lam.max(), rel=1e-10)


def test_symmetrising_scale_rejects_asymmetric():
    W = reg.dense_weights(columbus_knn_weights("r"))
    assert reg.symmetrising_scale(W) is None


def test_sar_total_closed_form(sar, w_col):
    # For row-standardised W, (I - rho W)^-1 1 = 1 / (1 - rho), so total = beta / (1 - rho).
    result = reg.impacts(sar, w_col, draws=0)
    beta = np.array([sar.coef("INC"), sar.coef("HOVAL")])
    assert result.total == pytest.approx(beta / (1 - sar.rho), rel=1e-10)


def test_sar_direct_plus_indirect(sar, w_col):
    result = reg.impacts(sar, w_col, draws=0)
    assert result.direct + result.indirect == pytest.approx(result.total, rel=1e-12)


def test_sar_direct_matches_spreg(columbus, w_col, sar):
    # spreg's own 'full' impacts (sputils.spmultiplier) for the same fit.
    y, X = columbus
    fit = reg.run_quietly(spreg.ML_Lag, y.reshape(-1, 1), X, w=w_col, spat_impacts="full")
    adi = fit.sp_multipliers["full"][0]
    result = reg.impacts(sar, w_col, draws=0)
    assert result.direct == pytest.approx(adi * sar.betas[1:3], rel=1e-6)


def test_sdm_direct_explicit_matrix(sdm, w_col):
    # Independent formula: mean diagonal and mean row sum of
    # S_k = (I - rho W)^-1 (beta_k I + theta_k W) built explicitly.
    W = reg.dense_weights(w_col)
    S = np.linalg.inv(np.eye(49) - sdm.rho * W)
    result = reg.impacts(sdm, w_col, draws=0)
    for j, name in enumerate(NAMES):
        S_k = S @ (sdm.coef(name) * np.eye(49) + sdm.coef(f"W_{name}") * W)
        assert result.direct[j] == pytest.approx(np.trace(S_k) / 49, rel=1e-10)
        assert result.total[j] == pytest.approx(S_k.sum() / 49, rel=1e-10)


def test_sdm_total_closed_form(sdm, w_col):
    result = reg.impacts(sdm, w_col, draws=0)
    for j, name in enumerate(NAMES):
        expected = (sdm.coef(name) + sdm.coef(f"W_{name}")) / (1 - sdm.rho)
        assert result.total[j] == pytest.approx(expected, rel=1e-10)


def test_sdm_direct_differs_from_spreg(columbus, w_col, sdm):
    # spreg 1.9 counts all of theta as indirect ("Assumes all SLX effects are indirect
    # effects", sputils._sp_effects), so its direct impact is beta_k tr(S)/n and misses
    # theta_k tr(S W)/n, the feedback that LeSage and Pace (2009, eq. 2.46) include.
    y, X = columbus
    fit = reg.run_quietly(
        spreg.ML_Lag, y.reshape(-1, 1), X, w=w_col, slx_lags=1, spat_impacts="full"
    )
    adi = fit.sp_multipliers["full"][0]
    W = reg.dense_weights(w_col)
    d1 = reg.lag_multipliers_dense(W, sdm.rho)[1]
    result = reg.impacts(sdm, w_col, draws=0)
    spreg_direct = adi * sdm.betas[1:3]
    assert result.direct - spreg_direct == pytest.approx(sdm.betas[3:5] * d1, rel=1e-6)


def second_order_bias(fit, w, j, effect, step=1e-4):
    """Second-order Taylor bias 0.5 tr(H V) of one impact under N(estimate, vm) draws."""
    W = reg.dense_weights(w)
    beta_idx, theta_idx, rho_idx = reg.impact_columns(fit)
    idx = [beta_idx[j], rho_idx] + ([theta_idx[j]] if theta_idx[j] is not None else [])

    def value(params):
        beta, rho = params[0], params[1]
        theta = params[2] if len(params) > 2 else 0.0
        d0, d1, t0, t1 = reg.lag_multipliers_dense(W, rho)
        direct, total = beta * d0 + theta * d1, beta * t0 + theta * t1
        return {"direct": direct, "indirect": total - direct, "total": total}[effect]

    center = fit.betas[idx]
    m = len(idx)
    H = np.zeros((m, m))
    for a in range(m):
        for b in range(m):
            ea, eb = np.eye(m)[a] * step, np.eye(m)[b] * step
            H[a, b] = (
                value(center + ea + eb) - value(center + ea - eb)
                - value(center - ea + eb) + value(center - ea - eb)
            ) / (4 * step**2)
    return 0.5 * np.trace(H @ fit.vm[np.ix_(idx, idx)])


@pytest.mark.parametrize("model", ["sar", "sdm"])
def test_simulation_mean_matches_closed_form(request, w_col, model):
    # The mean of g(draws) is g(estimate) plus the second-order bias 0.5 tr(H V) (the
    # draws are normal, so there is no third-order term), plus Monte Carlo error with
    # standard deviation se / sqrt(draws). Fourth-order terms are about
    # 3 var(rho)^2 / (1 - rho)^4, under 0.6 % here, so the tolerance is 4 Monte Carlo
    # standard errors plus 1 % of the effect.
    fit = request.getfixturevalue(model)
    draws = 2000
    result = reg.impacts(fit, w_col, draws=draws, seed=1)
    for j in range(2):
        for col, effect in enumerate(("direct", "indirect", "total")):
            closed = getattr(result, effect)[j]
            expected = closed + second_order_bias(fit, w_col, j, effect)
            tolerance = 4 * result.se[j, col] / np.sqrt(draws) + 0.01 * abs(closed)
            assert abs(result.sim_mean[j, col] - expected) < tolerance, (effect, j)


def test_simulation_se_matches_delta_method(sar, w_col):
    # Direct impact beta tr(S)/n is nearly linear in (beta, rho), so the delta method
    # is accurate. With 2000 draws the simulated SD has about 1.6 % sampling error,
    # so 6 % is the tolerance. (The total beta / (1 - rho) has a heavy right tail and
    # its simulated SD exceeds the delta method by about 10 %, so it is not used here.)
    W = reg.dense_weights(w_col)
    result = reg.impacts(sar, w_col, draws=2000, seed=2)
    step = 1e-6
    d0 = reg.lag_multipliers_dense(W, sar.rho)[0]
    d0_up = reg.lag_multipliers_dense(W, sar.rho + step)[0]
    d0_down = reg.lag_multipliers_dense(W, sar.rho - step)[0]
    for j, name in enumerate(NAMES):
        i, r = sar.names.index(name), sar.names.index("rho")
        grad = np.array([d0, sar.betas[i] * (d0_up - d0_down) / (2 * step)])
        V = sar.vm[np.ix_([i, r], [i, r])]
        assert result.se[j, 0] == pytest.approx(np.sqrt(grad @ V @ grad), rel=0.06)


def test_simulation_total_draws(sar, w_col):
    # Each simulated SAR total equals beta_d / (1 - rho_d) for the same parameter draw.
    result = reg.impacts(sar, w_col, draws=300, seed=4)
    params, _ = reg.simulate_coefficients(sar, reg.dense_weights(w_col), 300, 4)
    rho = params[:, sar.names.index("rho")]
    for j, name in enumerate(NAMES):
        expected = params[:, sar.names.index(name)] / (1 - rho)
        assert result.simulated[:, j, 2] == pytest.approx(expected, rel=1e-8)


def test_simulation_reproducible(sar, w_col):
    first = reg.impacts(sar, w_col, draws=200, seed=5)
    second = reg.impacts(sar, w_col, draws=200, seed=5)
    assert np.array_equal(first.simulated, second.simulated)


def test_simulation_interval_covers_point(sar, w_col):
    result = reg.impacts(sar, w_col, draws=500, seed=3)
    points = np.column_stack([result.direct, result.indirect, result.total])
    assert np.all(result.lower < points)
    assert np.all(points < result.upper)


def test_impacts_to_frame(sar, w_col):
    frame = reg.impacts(sar, w_col, draws=100).to_frame()
    assert frame.shape == (6, 6)
    assert frame.loc[("INC", "total"), "estimate"] == pytest.approx(
        sar.coef("INC") / (1 - sar.rho)
    )


def test_impacts_reject_sem(sem, w_col):
    with pytest.raises(ValueError, match="spatial lag"):
        reg.impacts(sem, w_col)


def test_stable_interval_row_standardised(w_col):
    low, high = reg.stable_rho_interval(reg.dense_weights(w_col))
    assert high == pytest.approx(1.0, abs=1e-10)
    assert low < -1.0


# ---------------------------------------------------------------------------------------
# Regression table
# ---------------------------------------------------------------------------------------


def test_table_cells(sar, sem):
    table = reg.regression_table([sar, sem])
    assert table.loc[("INC", "coef"), "(1) SAR"] == "-1.032***"
    assert table.loc[("INC", "se"), "(1) SAR"] == "(0.305)"
    assert table.loc[("lambda", "coef"), "(1) SAR"] == ""


def test_table_footer(sar, sem):
    table = reg.regression_table([sar, sem])
    assert table.loc[("N", ""), "(2) SEM"] == "49"
    assert table.loc[("logL", ""), "(2) SEM"] == "-183.380"
    assert table.loc[("AIC", ""), "(1) SAR"] == "374.781"


def test_table_row_order(sar, sem, sdm):
    table = reg.regression_table([sar, sem, sdm])
    variables = list(dict.fromkeys(table.index.get_level_values("variable")))
    assert variables == [
        "CONSTANT", "INC", "HOVAL", "W_INC", "W_HOVAL", "rho", "lambda", "N", "logL", "AIC"
    ]


def test_table_stars():
    assert reg.significance_stars(0.2) == ""
    assert reg.significance_stars(0.07) == "*"
    assert reg.significance_stars(0.03) == "**"
    assert reg.significance_stars(0.001) == "***"


def test_table_exports(tmp_path, sar, sem):
    table = reg.regression_table([sar, sem], column_names=["SAR", "SEM"])
    latex = table.to_latex()
    assert "-1.032***" in latex
    path = tmp_path / "table.csv"
    table.to_csv(path)
    assert "(0.305)" in path.read_text()


def test_table_bad_names(sar):
    with pytest.raises(ValueError, match="column_names has 2 entries"):
        reg.regression_table([sar], column_names=["a", "b"])


# ---------------------------------------------------------------------------------------
# Regional heterogeneity
# ---------------------------------------------------------------------------------------


def simulate_groups(seed, slope_gap, rho=0.0, side=20):
    """Simulate y = rho W y + 1 + b_g x + e on a side x side rook lattice, two halves."""
    rng = np.random.default_rng(seed)
    w = libpysal.weights.lat2W(side, side)
    w.transform = "r"
    n = side * side
    groups = np.where(np.arange(n) % side < side // 2, "west", "east")
    x = rng.normal(size=n)
    slope = np.where(groups == "east", 1.0 + slope_gap, 1.0)
    signal = 1.0 + slope * x + rng.normal(scale=1.0, size=n)
    y = np.linalg.solve(np.eye(n) - rho * reg.dense_weights(w), signal)
    return y, x.reshape(-1, 1), groups, w


def test_restrict_weights_row_sums():
    w = libpysal.weights.lat2W(4, 4)
    w.transform = "r"
    sub, islands = reg.restrict_weights(w, [0, 1, 4, 5])
    assert islands == ()
    for i in sub.id_order:
        assert sum(sub.weights[i]) == pytest.approx(1.0)


def test_restrict_weights_keeps_inside_links():
    w = libpysal.weights.lat2W(4, 4)
    sub, _ = reg.restrict_weights(w, [0, 1, 4, 5])
    assert sorted(sub.neighbors[0]) == [1, 4]


def test_restrict_weights_reports_islands():
    w = libpysal.weights.lat2W(4, 4)
    sub, islands = reg.restrict_weights(w, [0, 1, 10])
    assert islands == (10,)
    assert sub.n == 3


def test_effects_by_group_warns_islands():
    # Unit 45 (row 2, column 5) of the west half becomes an island of the west group
    # once its four rook neighbours 25, 44, 46 and 65 are moved to the east group.
    y, X, groups, w = simulate_groups(0, 0.0)
    groups = groups.copy()
    groups[[25, 44, 46, 65]] = "east"
    with pytest.warns(UserWarning, match="no neighbour inside the group"):
        result = reg.effects_by_group(y, X, w, groups, model="sar", names=["x"])
    assert result.islands["west"] == (45,)
    assert result.fits["west"].n == int((groups == "west").sum())


def test_effects_by_group_impacts():
    y, X, groups, w = simulate_groups(1, 1.0, rho=0.3)
    result = reg.effects_by_group(y, X, w, groups, model="sar", names=["x"])
    assert set(result.impacts) == {"east", "west"}
    east = result.fits["east"]
    assert result.impacts["east"].total[0] == pytest.approx(
        east.coef("x") / (1 - east.rho), rel=1e-10
    )
    assert result.to_frame().shape[0] == 6


def test_effects_by_group_callable_weights():
    y, X, groups, w = simulate_groups(2, 0.0)

    def build(positions):
        sub, _ = reg.restrict_weights(w, positions)
        return sub

    result = reg.effects_by_group(y, X, build, groups, model="sem", names=["x"])
    assert result.fits["east"].model == "SEM"


def test_effects_by_group_small_group():
    y, X, groups, w = simulate_groups(3, 0.0)
    groups = groups.copy()
    groups[:3] = "tiny"
    with pytest.raises(ValueError, match="too few"):
        reg.effects_by_group(y, X, w, groups, model="ols")


def test_group_difference_rejects():
    y, X, groups, w = simulate_groups(4, 1.0)
    result = reg.group_difference_test(y, X, groups, names=["x"])
    assert result.tests.loc["x", "p"] < 1e-6
    assert result.coefficients.loc["x", "east"] - result.coefficients.loc["x", "west"] == (
        pytest.approx(1.0, abs=0.3)
    )


def test_group_difference_size():
    # Under H0 the 5 % test rejects with probability 0.05; in 20 seeded samples four or
    # more rejections have probability 0.016, so at most three are allowed.
    rejections = 0
    for seed in range(20):
        y, X, groups, _ = simulate_groups(100 + seed, 0.0)
        result = reg.group_difference_test(y, X, groups, names=["x"])
        rejections += result.tests.loc["x", "p"] < 0.05
    assert rejections <= 3


def test_group_difference_matches_spreg_chow():
    # spreg OLS_Regimes with a common error variance fits the same pooled model and
    # reports the Chow-Wald test of equal slopes per variable.
    y, X, groups, _ = simulate_groups(5, 0.5)
    result = reg.group_difference_test(y, X, groups, names=["x"])
    regimes = reg.run_quietly(
        spreg.OLS_Regimes, y.reshape(-1, 1), X, list(groups), regime_err_sep=False,
        name_x=["x"],
    )
    assert result.tests.loc["x", "statistic"] == pytest.approx(regimes.chow.regi[1, 0],
                                                               rel=1e-8)


def test_group_difference_sar_rejects():
    y, X, groups, w = simulate_groups(6, 1.0, rho=0.4)
    result = reg.group_difference_test(y, X, groups, w=w, model="sar", names=["x"])
    assert result.fit.model == "SAR"
    assert result.tests.loc["x", "p"] < 1e-6


def test_group_difference_sar_needs_w():
    y, X, groups, _ = simulate_groups(7, 0.0)
    with pytest.raises(ValueError, match="needs the weights"):
        reg.group_difference_test(y, X, groups, model="sar")


def test_group_difference_joint_row():
    rng = np.random.default_rng(800)
    y, X, groups, _ = simulate_groups(8, 0.0)
    X = np.hstack([X, rng.normal(size=(400, 1))])
    result = reg.group_difference_test(y, X, groups, names=["x", "z"])
    assert list(result.tests.index) == ["x", "z", "joint"]
    assert result.tests.loc["joint", "df"] == 2


def test_two_group_z_formula():
    y, X, groups, _ = simulate_groups(9, 1.0)
    east = reg.fit_ols(y[groups == "east"], X[groups == "east"], names=["x"])
    west = reg.fit_ols(y[groups == "west"], X[groups == "west"], names=["x"])
    result = reg.two_group_z_test(east, west, "x")
    se = np.sqrt(east.se("x") ** 2 + west.se("x") ** 2)
    assert result.z == pytest.approx((east.coef("x") - west.coef("x")) / se, rel=1e-12)
    assert result.p < 1e-6


def test_group_labels_single():
    y, X, _, _ = simulate_groups(10, 0.0)
    with pytest.raises(ValueError, match="single label"):
        reg.group_difference_test(y, X, np.repeat("all", 400))


def test_quiet_spreg_prints_nothing(capsys, columbus, w_col):
    y, X = columbus
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit_sem(y, X, w_col)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("draws", [-1, 1, 2.5])
def test_impacts_reject_bad_draws(sar, w_col, draws):
    with pytest.raises(ValueError, match="draws must be 0"):
        reg.impacts(sar, w_col, draws=draws)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_impacts_reject_bad_level(sar, w_col, level):
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        reg.impacts(sar, w_col, draws=10, level=level)


def labelled_columbus(columbus):
    """CRIME and [INC, HOVAL] as pandas objects labelled by the dbf row position."""
    y, X = columbus
    index = pd.Index(range(49), dtype=int).astype(str)
    return pd.Series(y, index=index, name="CRIME"), pd.DataFrame(X, index=index,
                                                                 columns=NAMES)


def test_fit_accepts_matching_labels(columbus, w_col):
    # w_col's ids are the dbf row positions 0..48, the labels of the frames here.
    y, X = labelled_columbus(columbus)
    fit = reg.fit_sar(y, X, w_col)
    assert fit.rho == pytest.approx(0.4310232, abs=1e-4)


@pytest.mark.parametrize("fit", [reg.fit_sar, reg.fit_sdm, reg.fit_s2sls, reg.lm_diagnostics])
def test_fit_rejects_reordered_rows(columbus, w_col, fit):
    y, X = labelled_columbus(columbus)
    with pytest.raises(ValueError, match="Row 0 of the data is county '48' but the weights "
                                         "expect '0'"):
        fit(y[::-1], X[::-1], w_col)
