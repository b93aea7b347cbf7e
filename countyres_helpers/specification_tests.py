"""Specification tests of the spatial regressions: LM diagnostics of OLS and LR tests.

The Lagrange multiplier tests and Moran's I of the OLS residuals come from spreg's ``OLS``
with ``spat_diag=True``. :class:`LMDiagnostics` applies Anselin's decision rule between OLS,
SAR and SEM. :func:`lr_test` compares nested ML fits, such as SDM against SAR or SEM.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import spreg
from scipy import stats

from countyres_helpers.design_checks import (
    as_design,
    as_weights,
    check_weights_order,
    data_ids,
)
from countyres_helpers.estimation import run_quietly

__all__ = ["LMDiagnostics", "LMTest", "LRTest", "lm_diagnostics", "lr_test"]


# ---------------------------------------------------------------------------------------
# OLS and Lagrange multiplier diagnostics
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LMTest:
    """One Lagrange multiplier test: statistic, degrees of freedom and p-value."""

    statistic: float
    df: int
    p: float


@dataclass(frozen=True, eq=False)
class LMDiagnostics:
    """OLS estimates with the spatial LM tests and Moran's I of the residuals.

    Attributes
    ----------
    names : tuple of str
    betas, std_err : numpy.ndarray
        OLS coefficients and classical standard errors.
    r2 : float
    n : int
    lm_lag, lm_error, rlm_lag, rlm_error, sarma : LMTest
        Anselin (1988) LM-lag and LM-error, their robust forms (Anselin, Bera, Florax
        and Yoon 1996) and the joint SARMA test.
    moran_i, moran_z, moran_p : float
        Moran's I of the OLS residuals with its normal-approximation z and p.
    """

    names: tuple
    betas: np.ndarray
    std_err: np.ndarray
    r2: float
    n: int
    lm_lag: LMTest
    lm_error: LMTest
    rlm_lag: LMTest
    rlm_error: LMTest
    sarma: LMTest
    moran_i: float
    moran_z: float
    moran_p: float

    def to_frame(self):
        """Return the tests as a DataFrame with columns statistic, df and p."""
        tests = {
            "Moran's I (residuals)": LMTest(self.moran_i, 0, self.moran_p),
            "LM-lag": self.lm_lag,
            "LM-error": self.lm_error,
            "robust LM-lag": self.rlm_lag,
            "robust LM-error": self.rlm_error,
            "SARMA": self.sarma,
        }
        return pd.DataFrame(
            {
                "statistic": [t.statistic for t in tests.values()],
                "df": [t.df for t in tests.values()],
                "p": [t.p for t in tests.values()],
            },
            index=pd.Index(list(tests), name="test"),
        )

    def decision(self, alpha=0.05):
        """Apply Anselin's decision rule for choosing between OLS, SAR and SEM.

        Parameters
        ----------
        alpha : float
            Significance level.

        Returns
        -------
        str
            The rule's steps and the chosen model as text.

        References
        ----------
        Anselin, L. (2005). Exploring Spatial Data with GeoDa: A Workbook, section 23.6
        (diagnostics for spatial autocorrelation and the specification search).
        """
        lag = self.lm_lag.p < alpha
        err = self.lm_error.p < alpha
        lines = [
            f"LM-lag = {self.lm_lag.statistic:.4f} (p = {self.lm_lag.p:.4g}), "
            f"LM-error = {self.lm_error.statistic:.4f} (p = {self.lm_error.p:.4g}), "
            f"alpha = {alpha}."
        ]
        if not lag and not err:
            lines.append("Neither LM test is significant: keep the OLS model.")
            return "\n".join(lines)
        if lag and not err:
            lines.append("Only LM-lag is significant: estimate the spatial lag model (SAR).")
            return "\n".join(lines)
        if err and not lag:
            lines.append(
                "Only LM-error is significant: estimate the spatial error model (SEM)."
            )
            return "\n".join(lines)

        lines.append(
            "Both LM tests are significant, so compare the robust forms: "
            f"robust LM-lag = {self.rlm_lag.statistic:.4f} (p = {self.rlm_lag.p:.4g}), "
            f"robust LM-error = {self.rlm_error.statistic:.4f} (p = {self.rlm_error.p:.4g})."
        )
        rlag = self.rlm_lag.p < alpha
        rerr = self.rlm_error.p < alpha
        if rlag and not rerr:
            lines.append("Only robust LM-lag is significant: estimate the SAR model.")
        elif rerr and not rlag:
            lines.append("Only robust LM-error is significant: estimate the SEM model.")
        else:
            larger = "SAR" if self.rlm_lag.statistic >= self.rlm_error.statistic else "SEM"
            state = "Both robust tests are" if rlag else "Neither robust test is"
            lines.append(
                f"{state} significant: take the model with the larger "
                f"robust statistic ({larger}), and consider the SDM or SARMA "
                f"(SARMA = {self.sarma.statistic:.4f}, p = {self.sarma.p:.4g})."
            )
        return "\n".join(lines)

    def summary(self):
        """Return the test table and the decision as text."""
        return "\n".join([self.to_frame().to_string(), "", self.decision()])


def lm_diagnostics(y, X, w, *, names=None, name_y=None):
    """Fit OLS and run the spatial LM tests with spreg.

    Parameters
    ----------
    y : array-like
        Dependent variable, length n.
    X : array-like or pandas.DataFrame
        Regressors without a constant; spreg adds it.
    w : libpysal.weights.W or libpysal.graph.Graph
        Weights in the row order of ``y``; row-standardise them first for the usual
        textbook values.
    names : sequence of str, optional
    name_y : str, optional

    Returns
    -------
    LMDiagnostics

    Raises
    ------
    ValueError
        If ``w`` does not have one unit per row of ``y``.

    References
    ----------
    Anselin, L., Bera, A. K., Florax, R. and Yoon, M. J. (1996). Simple diagnostic tests
    for spatial dependence. Regional Science and Urban Economics 26, 77-104.
    """
    ids = data_ids(y, X)
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
    check_weights_order(w, ids)
    reg = run_quietly(
        spreg.OLS, y, X, w=w, spat_diag=True, moran=True, name_x=names, name_y=name_y
    )

    def test(pair, df):
        return LMTest(float(pair[0]), df, float(pair[1]))

    return LMDiagnostics(
        names=tuple(reg.name_x),
        betas=np.asarray(reg.betas).ravel(),
        std_err=np.asarray(reg.std_err).ravel(),
        r2=float(reg.r2),
        n=int(reg.n),
        lm_lag=test(reg.lm_lag, 1),
        lm_error=test(reg.lm_error, 1),
        rlm_lag=test(reg.rlm_lag, 1),
        rlm_error=test(reg.rlm_error, 1),
        sarma=test(reg.lm_sarma, 2),
        moran_i=float(reg.moran_res[0]),
        moran_z=float(reg.moran_res[1]),
        moran_p=float(reg.moran_res[2]),
    )



# ---------------------------------------------------------------------------------------
# Likelihood-ratio tests
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LRTest:
    """Likelihood-ratio test of a restricted fit against an unrestricted one."""

    statistic: float
    df: int
    p: float
    restricted: str
    unrestricted: str

    def summary(self):
        """Return the test as one line of text."""
        return (
            f"LR {self.restricted} vs {self.unrestricted}: {self.statistic:.4f} "
            f"(df = {self.df}, p = {self.p:.4g})"
        )


def lr_test(restricted, unrestricted, *, df=None):
    """Compare two nested ML fits with the likelihood-ratio statistic 2 (logL_u - logL_r).

    Parameters
    ----------
    restricted, unrestricted : SpatialFit
        ML fits of the same data. SDM vs SAR tests theta = 0. SDM vs SEM tests the
        common-factor restriction theta = -rho beta, which is nonlinear, but the LR
        statistic only needs the SEM log-likelihood.
    df : int, optional
        Number of restrictions; defaults to the difference in the number of
        coefficients (k regressors for both SDM vs SAR and SDM vs SEM).

    Returns
    -------
    LRTest

    Raises
    ------
    ValueError
        If a fit has no log-likelihood, the fits use different n, df is not positive,
        or the unrestricted log-likelihood is the lower one (arguments swapped or
        models not nested).

    References
    ----------
    Elhorst, J. P. (2014). Spatial Econometrics: From Cross-Sectional Data to Spatial
    Panels. Springer, section 2.9.
    """
    for fit in (restricted, unrestricted):
        if fit.logL is None:
            raise ValueError(f"The {fit.model} fit has no log-likelihood; use ML fits.")
    if restricted.n != unrestricted.n:
        raise ValueError(
            f"The fits use different data: n = {restricted.n} and n = {unrestricted.n}."
        )
    if df is None:
        df = unrestricted.k - restricted.k
    if df <= 0:
        raise ValueError(
            f"df must be positive, got {df}; pass the restricted fit first "
            "or give df explicitly."
        )

    statistic = 2.0 * (unrestricted.logL - restricted.logL)
    if statistic < -1e-6:
        raise ValueError(
            f"The unrestricted {unrestricted.model} logL ({unrestricted.logL:.4f}) is "
            f"below the restricted {restricted.model} logL ({restricted.logL:.4f}); "
            "check the order of the arguments."
        )
    statistic = max(statistic, 0.0)
    return LRTest(
        statistic=statistic,
        df=int(df),
        p=float(stats.chi2.sf(statistic, df)),
        restricted=restricted.model,
        unrestricted=unrestricted.model,
    )
