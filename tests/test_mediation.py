"""Tests for countyres_helpers.mediation.

Reference data: pingouin's bundled ``mediation`` dataset (n = 100, columns X, M, Y, Mbin,
Ybin, W1, W2), read offline with ``pingouin.read_dataset("mediation")``. Reference values
come from the ``mediation_analysis`` docstring example in pingouin
(raphaelvallat/pingouin, src/pingouin/regression.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from libpysal.weights import lat2W
from scipy import stats

from countyres_helpers.mediation import (
    MediationResult,
    mediation,
    sdm_effects,
    spatial_mediation,
)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pingouin.read_dataset("mediation")


@pytest.fixture(scope="module")
def simple(data) -> MediationResult:
    return mediation(data, "X", "M", "Y")


# ---------------------------------------------------------------------------------------
# Point estimates: pingouin docstring example 1, tolerance 1e-6
# ---------------------------------------------------------------------------------------


def test_mediation_a_path(simple):
    assert simple.a["M"] == pytest.approx(0.561015, abs=1e-6)
    assert simple.a_se["M"] == pytest.approx(0.094480, abs=1e-6)


def test_mediation_total_effect(simple):
    assert simple.c == pytest.approx(0.396126, abs=1e-6)
    assert simple.c_se == pytest.approx(0.111160, abs=1e-6)


def test_mediation_direct_effect(simple):
    assert simple.c_prime == pytest.approx(0.039604, abs=1e-6)
    assert simple.c_prime_se == pytest.approx(0.109648, abs=1e-6)


def test_mediation_b_path(simple):
    # Coefficient of M in Y ~ X + M, re-derived with OLS. pingouin's "Y ~ M" row (0.654173)
    # is the simple regression of Y on M and is not this path.
    assert simple.b["M"] == pytest.approx(0.6354946, abs=1e-6)
    assert simple.b_se["M"] == pytest.approx(0.1005339, abs=1e-6)


def test_mediation_indirect_effect(simple):
    assert simple.indirect["M"] == pytest.approx(0.356522, abs=1e-6)
    # With the same regressors in every equation OLS gives c = c' + a b exactly.
    assert simple.indirect["M"] == pytest.approx(simple.c - simple.c_prime, abs=1e-12)


def test_mediation_sobel(simple):
    # Sobel (1982): se = sqrt(b^2 se_a^2 + a^2 se_b^2), computed from the published a, b and
    # their standard errors. Tolerances 1e-5 on se, 1e-4 on z.
    assert simple.sobel_se["M"] == pytest.approx(0.0823778, abs=1e-5)
    assert simple.sobel_z["M"] == pytest.approx(4.32789, abs=1e-4)
    assert simple.sobel_pvalue["M"] == pytest.approx(1.51e-05, abs=1e-7)


# ---------------------------------------------------------------------------------------
# Bootstrap intervals
# ---------------------------------------------------------------------------------------


def test_mediation_bootstrap_ci_near_pingouin(simple):
    # pingouin docstring example 1: bias-corrected interval [0.219818, 0.537654] from 500
    # resamples with another RNG. With 2000 resamples expect agreement within about 0.04.
    low, high = simple.ci_bc.loc["M"]
    assert low == pytest.approx(0.219818, abs=0.04)
    assert high == pytest.approx(0.537654, abs=0.04)
    p_low, p_high = simple.ci_percentile.loc["M"]
    assert p_low == pytest.approx(0.219818, abs=0.04)
    assert p_high == pytest.approx(0.537654, abs=0.04)


def test_mediation_bootstrap_resampling_scheme(data, simple):
    # The draws follow rng = default_rng(seed); idx = rng.choice(n, size=(n_boot, n)).
    # Recompute draw 0 with statsmodels-free least squares on the same rows.
    rng = np.random.default_rng(0)
    rows = rng.choice(len(data), size=(2000, len(data)))[0]
    sample = data.iloc[rows]
    X_med = np.column_stack([np.ones(len(sample)), sample["X"]])
    X_out = np.column_stack([np.ones(len(sample)), sample["X"], sample["M"]])
    a = np.linalg.lstsq(X_med, sample["M"].to_numpy(), rcond=None)[0][1]
    b = np.linalg.lstsq(X_out, sample["Y"].to_numpy(), rcond=None)[0][2]
    assert simple.boot_indirect[0, 0] == pytest.approx(a * b, abs=1e-12)
    assert simple.boot_indirect.shape == (2000, 1)


def test_mediation_bc_ci_formula(simple):
    # Efron and Tibshirani (1993) BC interval recomputed from the stored draws.
    draws = simple.boot_indirect[:, 0]
    z0 = stats.norm.ppf(np.mean(draws < simple.indirect["M"]))
    q = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.025, 0.975])) * 100
    np.testing.assert_allclose(simple.ci_bc.loc["M"], np.percentile(draws, q), atol=1e-12)


def test_mediation_seed_reproducible(data, simple):
    again = mediation(data, "X", "M", "Y")
    np.testing.assert_array_equal(again.boot_indirect, simple.boot_indirect)
    other = mediation(data, "X", "M", "Y", seed=1, n_boot=200)
    assert other.boot_indirect.shape == (200, 1)
    assert not np.allclose(other.boot_indirect[:200], simple.boot_indirect[:200])


# ---------------------------------------------------------------------------------------
# Independent check: pingouin.mediation_analysis run in the test
# ---------------------------------------------------------------------------------------


def test_mediation_matches_pingouin_run(data, simple):
    table = pingouin.mediation_analysis(data=data, x="X", m="M", y="Y", seed=42, n_boot=500)
    coef = table.set_index("path")["coef"]
    se = table.set_index("path")["se"]
    assert simple.a["M"] == pytest.approx(coef["M ~ X"], abs=1e-10)
    assert simple.a_se["M"] == pytest.approx(se["M ~ X"], abs=1e-10)
    assert simple.c == pytest.approx(coef["Total"], abs=1e-10)
    assert simple.c_prime == pytest.approx(coef["Direct"], abs=1e-10)
    assert simple.c_prime_se == pytest.approx(se["Direct"], abs=1e-10)
    assert simple.indirect["M"] == pytest.approx(coef["Indirect"], abs=1e-10)


# ---------------------------------------------------------------------------------------
# Covariates and parallel mediators
# ---------------------------------------------------------------------------------------


def test_mediation_covariates(data):
    # pingouin docstring example 4, covar=["Mbin", "Ybin"], printed with 3 decimals;
    # tolerance 1e-3.
    result = mediation(data, "X", "M", "Y", covariates=["Mbin", "Ybin"], n_boot=200)
    assert result.a["M"] == pytest.approx(0.559, abs=1e-3)
    assert result.c == pytest.approx(0.420, abs=1e-3)
    assert result.c_prime == pytest.approx(0.064, abs=1e-3)
    assert result.indirect["M"] == pytest.approx(0.356, abs=1e-3)
    assert result.covariates == ("Mbin", "Ybin")


def test_mediation_parallel_mediators(data):
    # pingouin docstring example 5 for m=["M", "Mbin"]: a(M) 0.561, total 0.396, direct
    # 0.040, indirect through M 0.356 (3 decimals). pingouin fits Mbin ~ X by logistic
    # regression, so the a path of Mbin is not compared.
    result = mediation(data, "X", ["M", "Mbin"], "Y", n_boot=200)
    assert result.a["M"] == pytest.approx(0.561, abs=1e-3)
    assert result.c == pytest.approx(0.396, abs=1e-3)
    assert result.c_prime == pytest.approx(0.040, abs=1e-3)
    assert result.indirect["M"] == pytest.approx(0.356, abs=1e-3)
    # OLS decomposition: c = c' + sum_j a_j b_j.
    assert result.c == pytest.approx(result.c_prime + result.indirect.sum(), abs=1e-12)
    assert result.ci_bc.index.tolist() == ["M", "Mbin"]


# ---------------------------------------------------------------------------------------
# Text, tables and input checks
# ---------------------------------------------------------------------------------------


def test_mediation_baron_kenny_full(simple):
    assert "full mediation" in simple.baron_kenny
    assert "excludes 0" in simple.baron_kenny


def test_mediation_baron_kenny_none(data):
    result = mediation(data, "X", "Mbin", "Y", n_boot=200)
    assert "no mediation" in result.baron_kenny


def test_mediation_tables(simple):
    frame = simple.to_frame()
    assert frame["path"].tolist()[:4] == ["M ~ X", "Y ~ M | X", "Total", "Direct"]
    assert len(frame) == 7
    row = frame.set_index("path").loc["Total"]
    assert row["ci_lower"] == pytest.approx(0.175533, abs=1e-6)
    assert row["ci_upper"] == pytest.approx(0.616719, abs=1e-6)
    assert "Baron and Kenny" in simple.summary()


def test_mediation_missing_column_raises(data):
    with pytest.raises(ValueError, match="not in data"):
        mediation(data, "X", "nope", "Y")


def test_mediation_missing_values_raise(data):
    broken = data.copy()
    broken.loc[0, "M"] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        mediation(broken, "X", "M", "Y")


def test_mediation_duplicate_role_raises(data):
    with pytest.raises(ValueError, match="more than once"):
        mediation(data, "X", "M", "Y", covariates=["M"])


def test_mediation_bad_alpha_raises(data):
    with pytest.raises(ValueError, match="alpha"):
        mediation(data, "X", "M", "Y", alpha=1.5)


# ---------------------------------------------------------------------------------------
# Spatial mediation (SDM outcome equation)
# ---------------------------------------------------------------------------------------


def _simulate_sdm(side: int, seed: int):
    """Simulate X -> M -> Y with Y = rho W Y + Z beta + W Z theta + e on a rook lattice."""
    w = lat2W(side, side)
    w.transform = "r"
    W = w.full()[0]
    n = w.n
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    rho, beta, theta = 0.4, np.array([0.3, 0.6]), np.array([0.1, 0.2])
    Z = np.column_stack([x, m])
    y = np.linalg.solve(np.eye(n) - rho * W, Z @ beta + W @ Z @ theta + rng.normal(size=n))
    frame = pd.DataFrame({"x": x, "m": m, "y": y})
    return frame, w, W, rho, beta, theta


def test_sdm_effects_numerical_derivative():
    # Independent check: the average direct effect is the mean of d y_i / d z_i, obtained
    # here by perturbing one location at a time and solving (I - rho W) y = Z beta + W Z theta.
    _, _, W, rho, beta, theta = _simulate_sdm(side=6, seed=0)
    n = W.shape[0]
    effects = sdm_effects(W, rho, beta, theta)
    A = np.eye(n) - rho * W
    own, total = [], []
    for i in range(n):
        dz = np.zeros(n)
        dz[i] = 1.0
        dy = np.linalg.solve(A, beta[1] * dz + theta[1] * (W @ dz))
        own.append(dy[i])
        total.append(dy.sum())
    assert effects.loc[1, "direct"] == pytest.approx(np.mean(own), abs=1e-10)
    assert effects.loc[1, "total"] == pytest.approx(np.mean(total), abs=1e-10)


def test_sdm_effects_total_row_standardised():
    # With a row-standardised W every row of (I - rho W)^-1 sums to 1 / (1 - rho), so the
    # average total effect is (beta + theta) / (1 - rho).
    _, _, W, rho, beta, theta = _simulate_sdm(side=6, seed=0)
    effects = sdm_effects(W, rho, beta, theta)
    np.testing.assert_allclose(effects["total"], (beta + theta) / (1 - rho), atol=1e-10)


def test_spatial_mediation_recovers_simulation():
    # One seeded draw with n = 400. The tolerances are 2 to 3 standard deviations of the
    # estimates over 10 seeded draws of this design.
    frame, w, W, rho, beta, theta = _simulate_sdm(side=20, seed=0)
    result = spatial_mediation(frame, "x", "m", "y", w)
    true_direct_m = sdm_effects(W, rho, beta, theta).loc[1, "direct"]
    assert result.rho == pytest.approx(rho, abs=0.1)
    assert result.a["m"] == pytest.approx(0.5, abs=0.15)
    assert result.effects.loc["m", "direct"] == pytest.approx(true_direct_m, abs=0.1)


def test_spatial_mediation_indirect_uses_direct_effect():
    frame, w, *_ = _simulate_sdm(side=10, seed=3)
    result = spatial_mediation(frame, "x", "m", "y", w)
    expected = result.a["m"] * result.effects.loc["m", "direct"]
    assert result.indirect["m"] == pytest.approx(expected, abs=1e-12)
    # The a path is the same OLS regression as in the non-spatial mediation.
    assert result.a["m"] == pytest.approx(mediation(frame, "x", "m", "y", n_boot=2).a["m"])
    # The spreg coefficients sit in the table in spreg's order: beta, then theta.
    betas = np.ravel(result.model.betas)
    assert result.coefficients.loc["m", "beta"] == pytest.approx(betas[2])
    assert result.coefficients.loc["m", "theta"] == pytest.approx(betas[4])
    assert result.rho == pytest.approx(betas[-1])
    assert "direct effect of m" in result.summary()


def test_spatial_mediation_wrong_w_raises():
    frame, _, *_ = _simulate_sdm(side=10, seed=3)
    w_small = lat2W(5, 5)
    with pytest.raises(ValueError, match="one row per observation"):
        spatial_mediation(frame, "x", "m", "y", w_small)
