"""Cross-section spatial regression: LM diagnostics, ML and GM fits, impacts and tables.

The estimators are spreg's (``OLS``, ``ML_Lag``, ``ML_Error``, ``GM_Lag``). This module
checks the inputs and wraps each result in one frozen :class:`SpatialFit`. It adds what
spreg 1.9 lacks: simulated standard errors for the LeSage and Pace (2009) impacts and
their direct part for the SDM, likelihood-ratio tests between fits, per-group fits with
restricted weights, tests of coefficient differences between groups, and a
journal-style table.

Weights are a ``libpysal.weights.W`` or a ``libpysal.graph.Graph`` (converted with
``to_W()``), in the row order of ``y``.
"""

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import libpysal
import numpy as np
import pandas as pd
import spreg
from libpysal.graph import Graph
from scipy import sparse, stats

__all__ = [
    "GroupDifferenceTest",
    "GroupFits",
    "Impacts",
    "LMDiagnostics",
    "LMTest",
    "LRTest",
    "SpatialFit",
    "ZTest",
    "effects_by_group",
    "fit_ols",
    "fit_s2sls",
    "fit_sar",
    "fit_sdm",
    "fit_sem",
    "group_difference_test",
    "impacts",
    "lm_diagnostics",
    "lr_test",
    "regression_table",
    "restrict_weights",
    "two_group_z_test",
]

# Largest n for which ML uses the exact eigenvalue log-determinant ("full"). Above it the
# sparse LU log-determinant ("lu") is used, which scales to thousands of units.
FULL_LOGDET_MAX_N = 1000

# Largest n for which impacts invert the dense n x n matrix (I - rho W).
DENSE_IMPACTS_MAX_N = 3000


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def as_weights(w, n=None):
    """Return ``w`` as a ``libpysal.weights.W`` after checking that it has ``n`` units.

    Parameters
    ----------
    w : libpysal.weights.W or libpysal.graph.Graph
        Spatial weights in the row order of the data.
    n : int, optional
        Number of observations (cross-section units) the weights must cover; None
        skips the check.

    Returns
    -------
    libpysal.weights.W

    Raises
    ------
    TypeError
        If ``w`` is neither a W nor a Graph.
    ValueError
        If ``w.n`` differs from ``n``.
    """
    if isinstance(w, Graph):
        w = w.to_W()
    if not isinstance(w, libpysal.weights.W):
        raise TypeError(
            f"w must be a libpysal.weights.W or libpysal.graph.Graph, got {type(w).__name__}."
        )
    if n is not None and w.n != n:
        raise ValueError(
            f"w has {w.n} units but the data have {n} rows; build w for the same units "
            "in the same order as y."
        )
    return w


def as_design(y, X, names=None, name_y=None):
    """Check and convert ``y`` and ``X`` to float arrays of shape (n, 1) and (n, k).

    Parameters
    ----------
    y : array-like or pandas.Series
        Dependent variable, length n.
    X : array-like or pandas.DataFrame
        Regressors without a constant, shape (n, k) or (n,).
    names : sequence of str, optional
        Regressor names; defaults to the DataFrame columns or ``x1..xk``.
    name_y : str, optional
        Name of ``y``; defaults to the Series name or ``"y"``.

    Returns
    -------
    y : numpy.ndarray
        Shape (n, 1).
    X : numpy.ndarray
        Shape (n, k).
    names : list of str
    name_y : str

    Raises
    ------
    ValueError
        If the shapes disagree, the names do not match the columns, or values are
        missing or infinite.
    """
    if names is None and isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
    if name_y is None:
        name_y = str(y.name) if isinstance(y, pd.Series) and y.name is not None else "y"

    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}.")
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X must have one row per observation: y has {y.shape[0]} rows, "
            f"X has shape {X.shape}."
        )

    if names is None:
        names = [f"x{j + 1}" for j in range(X.shape[1])]
    names = [str(v) for v in names]
    if len(names) != X.shape[1]:
        raise ValueError(f"names has {len(names)} entries but X has {X.shape[1]} columns.")

    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(X)):
        raise ValueError("y and X contain missing or infinite values; drop or impute them.")
    return y.reshape(-1, 1), X, names, name_y


def default_logdet_method(n):
    """Return spreg's log-determinant method for n units: ``"full"`` or ``"lu"``."""
    return "full" if n <= FULL_LOGDET_MAX_N else "lu"


def run_quietly(estimator, *args, **kwargs):
    """Call a spreg estimator with its standard output captured.

    spreg 1.9.0 prints the class name of every non-OLS model from
    ``output.py`` (a left-over debug print), which would litter notebooks. Its ML
    estimators also pass ``xtol`` to scipy's bounded scalar minimiser, which then warns
    that it uses an absolute tolerance, and it calls pandas methods with the deprecated
    ``inplace=True``, and its sparse log-determinant ("lu") hands scipy CSR matrices, so
    scipy warns that it converts them to CSC. Those warnings are silenced as well.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=sparse.SparseEfficiencyWarning)
        warnings.filterwarnings(
            "ignore", message="Method 'bounded' does not support relative tolerance"
        )
        # spreg 1.9.0 still calls pandas methods with inplace=True (deprecated in 3.1).
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="spreg")
        warnings.filterwarnings("ignore", category=FutureWarning, module="spreg")
        with contextlib.redirect_stdout(io.StringIO()):
            return estimator(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Fit results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SpatialFit:
    """Estimates of one regression: OLS, SAR, SEM, SDM, S2SLS or a fixed-effects panel.

    Attributes
    ----------
    model : str
        ``"OLS"``, ``"SAR"``, ``"SEM"``, ``"SDM"``, ``"S2SLS"`` or ``"FE-SAR"``,
        ``"FE-SEM"``, ``"FE-SDM"`` for panels.
    method : str
        Estimator and, for ML, the log-determinant method.
    names : tuple of str
        Coefficient names; the spatial parameter is last and named ``rho`` or ``lambda``.
    betas, std_err, z, p : numpy.ndarray
        Coefficients, standard errors, z statistics (t for OLS) and two-sided p-values.
    vm : numpy.ndarray
        Covariance matrix of ``betas``.
    rho, lam : float or None
        Spatial lag and spatial error parameters.
    logL : float or None
        Maximised log-likelihood (None for S2SLS).
    AIC : float or None
        ``-2 logL + 2 (k + 1)``, counting sigma2 as R's spatialreg does. Panel fits
        do not count the fixed effects.
    sigma2 : float
        Residual variance: ``e'e / n`` for ML and S2SLS fits, ``e'e / (n - k)`` for OLS.
    n : int
        Observations (n x T for panels).
    k : int
        Number of entries in ``betas``.
    name_y : str
    x_names, wx_names : tuple of str
        Regressors (no constant) and their spatial lags ``W_<name>`` in ``names``.
    n_units : int
        Cross-section units (n for a cross-section, N for a panel).
    t : int
        Time periods (1 for a cross-section).
    effects : str or None
        Panel fixed effects: ``"individual"`` or ``"twoways"``.
    warnings : tuple of str
        Warnings that spreg attached to the result.
    """

    model: str
    method: str
    names: tuple
    betas: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    p: np.ndarray
    vm: np.ndarray
    rho: float | None
    lam: float | None
    logL: float | None
    AIC: float | None
    sigma2: float
    n: int
    k: int
    name_y: str
    x_names: tuple
    wx_names: tuple = ()
    n_units: int = 0
    t: int = 1
    effects: str | None = None
    warnings: tuple = field(default=(), repr=False)

    def coef(self, name):
        """Return the coefficient called ``name``."""
        return float(self.betas[self._index(name)])

    def se(self, name):
        """Return the standard error of the coefficient called ``name``."""
        return float(self.std_err[self._index(name)])

    def _index(self, name):
        if name not in self.names:
            raise KeyError(f"{name!r} is not a coefficient; the fit has {list(self.names)}.")
        return self.names.index(name)

    def to_frame(self):
        """Return the coefficient table with columns coef, std_err, z and p."""
        return pd.DataFrame(
            {"coef": self.betas, "std_err": self.std_err, "z": self.z, "p": self.p},
            index=pd.Index(self.names, name="variable"),
        )

    def summary(self):
        """Return a text report of the fit."""
        lines = [f"{self.model} ({self.method}), y = {self.name_y}, n = {self.n}"]
        if self.effects:
            lines[0] += f", N = {self.n_units}, T = {self.t}, effects = {self.effects}"
        lines.append(self.to_frame().to_string(float_format=lambda v: f"{v:.6g}"))
        if self.logL is not None:
            lines.append(f"logL = {self.logL:.4f}, AIC = {self.AIC:.4f}")
        lines.append(f"sigma2 = {self.sigma2:.6g}")
        lines.extend(f"warning: {text}" for text in self.warnings)
        return "\n".join(lines)


def scalar(value):
    """Return a spreg scalar, stored as a float or a 1 x 1 array, as a float."""
    return float(np.asarray(value, dtype=float).ravel()[0])


def spreg_warnings(reg):
    """Return the warnings attached to a spreg result as a tuple of strings."""
    text = getattr(reg, "warning", "") or ""
    return tuple(line.strip() for line in str(text).split("\n") if line.strip())


def fit_from_spreg(reg, *, model, method, names, name_y, x_names, wx_names=(), **extra):
    """Build a :class:`SpatialFit` from a fitted spreg model.

    Parameters
    ----------
    reg : spreg model
        A fitted OLS, ML_Lag, ML_Error, GM_Lag, ML_LagFE or ML_ErrorFE.
    model, method : str
        Labels stored in the fit.
    names : sequence of str
        Names of ``reg.betas`` in order.
    name_y : str
    x_names, wx_names : sequence of str
    **extra
        Further :class:`SpatialFit` fields (n_units, t, effects, keep).

    Returns
    -------
    SpatialFit
    """
    keep = extra.pop("keep", None)
    betas = np.asarray(reg.betas, dtype=float).ravel()
    vm = np.asarray(reg.vm, dtype=float)
    if keep is None:
        keep = np.arange(betas.size)
    betas = betas[keep]
    vm = vm[np.ix_(keep, keep)]
    std_err = np.sqrt(np.diag(vm))
    z = betas / std_err
    p = 2.0 * stats.norm.sf(np.abs(z))
    if model == "OLS":
        p = 2.0 * stats.t.sf(np.abs(z), reg.n - reg.k)

    rho = scalar(reg.rho) if hasattr(reg, "rho") else None
    lam = scalar(reg.lam) if hasattr(reg, "lam") else None
    logL = scalar(reg.logll) if hasattr(reg, "logll") else None
    k = betas.size
    aic = None if logL is None else -2.0 * logL + 2.0 * (k + 1)

    return SpatialFit(
        model=model,
        method=method,
        names=tuple(names),
        betas=betas,
        std_err=std_err,
        z=z,
        p=p,
        vm=vm,
        rho=rho,
        lam=lam,
        logL=logL,
        AIC=aic,
        sigma2=scalar(reg.sig2),
        n=int(reg.n),
        k=k,
        name_y=name_y,
        x_names=tuple(x_names),
        wx_names=tuple(wx_names),
        n_units=extra.pop("n_units", int(reg.n)),
        warnings=spreg_warnings(reg),
        **extra,
    )


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
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
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
# Model fits
# ---------------------------------------------------------------------------------------


def fit_ols(y, X, *, names=None, name_y=None):
    """Fit OLS with spreg, with a constant added.

    Parameters
    ----------
    y, X, names, name_y
        As in :func:`lm_diagnostics`.

    Returns
    -------
    SpatialFit
        ``z`` contains t statistics, and ``p`` uses the t distribution with n - k df.
    """
    y, X, names, name_y = as_design(y, X, names, name_y)
    reg = run_quietly(spreg.OLS, y, X, name_x=names, name_y=name_y)
    return fit_from_spreg(
        reg, model="OLS", method="OLS", names=reg.name_x, name_y=name_y, x_names=names
    )


def fit_sar(y, X, w, *, names=None, name_y=None, method=None):
    """Fit the spatial lag model y = rho W y + X beta + e by ML (spreg ``ML_Lag``).

    Parameters
    ----------
    y, X, w, names, name_y
        As in :func:`lm_diagnostics`.
    method : {"full", "lu", "ord"}, optional
        Log-determinant method: ``"full"`` uses all eigenvalues (exact, for small n),
        ``"lu"`` a sparse LU factorisation at each step. Defaults to ``"full"`` for
        n <= 1000 and ``"lu"`` above.

    Returns
    -------
    SpatialFit

    References
    ----------
    Anselin, L. (1988). Spatial Econometrics: Methods and Models. Kluwer, ch. 6.
    """
    return fit_ml(y, X, w, model="SAR", names=names, name_y=name_y, method=method)


def fit_sem(y, X, w, *, names=None, name_y=None, method=None):
    """Fit the spatial error model y = X beta + u, u = lambda W u + e by ML.

    Uses spreg ``ML_Error``; parameters as in :func:`fit_sar`.

    Returns
    -------
    SpatialFit
    """
    return fit_ml(y, X, w, model="SEM", names=names, name_y=name_y, method=method)


def fit_sdm(y, X, w, *, names=None, name_y=None, method=None):
    """Fit the spatial Durbin model y = rho W y + X beta + W X theta + e by ML.

    Uses spreg ``ML_Lag`` with ``slx_lags=1``; parameters as in :func:`fit_sar`. The
    lagged regressors are named ``W_<name>``.

    Returns
    -------
    SpatialFit
    """
    return fit_ml(y, X, w, model="SDM", names=names, name_y=name_y, method=method)


def fit_ml(y, X, w, *, model, names, name_y, method):
    """Fit a SAR, SEM or SDM model by ML with spreg; see :func:`fit_sar`."""
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
    if method is None:
        method = default_logdet_method(w.n)
    kwargs = dict(w=w, method=method, name_x=names, name_y=name_y)

    if model == "SEM":
        reg = run_quietly(spreg.ML_Error, y, X, **kwargs)
        coef_names = list(reg.name_x[:-1]) + ["lambda"]
    else:
        slx_lags = 1 if model == "SDM" else 0
        reg = run_quietly(
            spreg.ML_Lag, y, X, slx_lags=slx_lags, spat_impacts=None, **kwargs
        )
        coef_names = list(reg.name_x[:-1]) + ["rho"]

    wx_names = [f"W_{v}" for v in names] if model == "SDM" else []
    return fit_from_spreg(
        reg,
        model=model,
        method=f"ML (log-determinant: {method})",
        names=coef_names,
        name_y=name_y,
        x_names=names,
        wx_names=wx_names,
    )


def fit_s2sls(y, X, w, *, names=None, name_y=None, w_lags=1, robust=None):
    """Fit the spatial lag model by spatial two-stage least squares (spreg ``GM_Lag``).

    Parameters
    ----------
    y, X, w, names, name_y
        As in :func:`lm_diagnostics`.
    w_lags : int
        Orders of W X used as instruments for W y (Kelejian and Prucha 1998).
    robust : {None, "white"}
        Covariance estimator.

    Returns
    -------
    SpatialFit
        ``logL`` and ``AIC`` are None because the estimator is not likelihood based.
    """
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
    reg = run_quietly(
        spreg.GM_Lag,
        y,
        X,
        w=w,
        w_lags=w_lags,
        robust=robust,
        spat_impacts=None,
        name_x=names,
        name_y=name_y,
    )
    coef_names = list(reg.name_z[:-1]) + ["rho"]
    label = f"S2SLS (w_lags={w_lags}, robust={robust})"
    return fit_from_spreg(
        reg, model="S2SLS", method=label, names=coef_names, name_y=name_y, x_names=names
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


# ---------------------------------------------------------------------------------------
# Impacts (LeSage and Pace 2009)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Impacts:
    """Average direct, indirect and total impacts of each regressor in a SAR or SDM fit.

    Attributes
    ----------
    names : tuple of str
        Regressors (no constant).
    direct, indirect, total : numpy.ndarray
        Closed-form impacts at the estimates.
    draws : int
        Number of simulation draws (0 if none were made).
    se, lower, upper : numpy.ndarray or None
        Simulated standard errors and percentile interval, shape (k, 3) with columns
        direct, indirect, total.
    sim_mean : numpy.ndarray or None
        Mean of the simulated impacts, shape (k, 3).
    level : float
        Coverage of the interval.
    rejected : int
        Draws of rho outside the stable interval that were redrawn.
    simulated : numpy.ndarray or None
        All draws, shape (draws, k, 3).
    """

    names: tuple
    direct: np.ndarray
    indirect: np.ndarray
    total: np.ndarray
    draws: int = 0
    se: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    sim_mean: np.ndarray | None = None
    level: float = 0.95
    rejected: int = 0
    simulated: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self):
        """Return one row per regressor and effect with point, se, z, p and interval."""
        rows = []
        effects = {"direct": self.direct, "indirect": self.indirect, "total": self.total}
        for j, name in enumerate(self.names):
            for col, (effect, values) in enumerate(effects.items()):
                row = {"variable": name, "effect": effect, "estimate": values[j]}
                if self.se is not None:
                    se = self.se[j, col]
                    row["std_err"] = se
                    row["z"] = values[j] / se
                    row["p"] = 2.0 * stats.norm.sf(abs(values[j] / se))
                    row["lower"] = self.lower[j, col]
                    row["upper"] = self.upper[j, col]
                rows.append(row)
        return pd.DataFrame(rows).set_index(["variable", "effect"])

    def summary(self):
        """Return the impacts table as text."""
        head = "Impacts (LeSage and Pace 2009), closed form"
        if self.draws:
            head += f"; se and {self.level:.0%} interval from {self.draws} draws"
        return head + "\n" + self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")


def dense_weights(w):
    """Return the weights as a dense float array in ``w.id_order``."""
    return np.asarray(w.full()[0], dtype=float)


def lag_multipliers_dense(W, rho):
    """Compute the four average multipliers of (I - rho W)^-1 by dense inversion.

    Returns
    -------
    tuple of float
        (tr(S)/n, tr(S W)/n, 1'S 1/n, 1'S W 1/n) with S = (I - rho W)^-1, so that for
        S_k = S (beta_k I + theta_k W) the direct impact is beta_k d0 + theta_k d1 and
        the total impact beta_k t0 + theta_k t1.
    """
    n = W.shape[0]
    S = np.linalg.inv(np.eye(n) - rho * W)
    SW = S @ W
    return np.trace(S) / n, np.trace(SW) / n, S.sum() / n, SW.sum() / n


def lag_multipliers_eigen(W, rhos):
    """Compute the average multipliers for many rho values from one eigendecomposition.

    With W = V diag(lambda) V^-1, tr(S)/n = mean(1 / (1 - rho lambda)) and
    1'S 1 = sum(c / (1 - rho lambda)) with c = (1'V) * (V^-1 1), and likewise with an
    extra factor lambda for S W. This is exact for diagonalisable W.

    NOTE: for a defective (non-diagonalisable) W the eigenvectors V are ill-conditioned
    and these multipliers lose accuracy; the tests cover contiguity W only.

    Parameters
    ----------
    W : numpy.ndarray
        Dense n x n weights.
    rhos : numpy.ndarray
        Shape (m,).

    Returns
    -------
    numpy.ndarray
        Shape (m, 4): the columns of :func:`lag_multipliers_dense` for each rho.
    """
    n = W.shape[0]
    lam, V = np.linalg.eig(W)
    ones = np.ones(n)
    c = (ones @ V) * np.linalg.solve(V, ones)
    inv = 1.0 / (1.0 - np.outer(rhos, lam))
    d0 = inv.mean(axis=1)
    d1 = (inv * lam).mean(axis=1)
    t0 = inv @ c / n
    t1 = (inv * lam) @ c / n
    return np.real(np.column_stack([d0, d1, t0, t1]))


def stable_rho_interval(W):
    """Return the open interval of rho for which I - rho W is invertible near 0."""
    lam = np.linalg.eigvals(W)
    if np.max(np.abs(lam.imag)) < 1e-8:
        return 1.0 / lam.real.min(), 1.0 / lam.real.max()
    radius = np.max(np.abs(lam))
    return -1.0 / radius, 1.0 / radius


def impact_columns(fit):
    """Return the positions of beta, theta (or None) and rho in ``fit.betas``."""
    beta_idx = [fit.names.index(v) for v in fit.x_names]
    theta_idx = [
        fit.names.index(f"W_{v}") if f"W_{v}" in fit.names else None for v in fit.x_names
    ]
    return beta_idx, theta_idx, fit.names.index("rho")


def impacts(fit, w, *, draws=1000, seed=0, level=0.95):
    """Compute LeSage and Pace (2009) average impacts of a SAR or SDM fit.

    For regressor k, S_k = (I - rho W)^-1 (beta_k I + theta_k W), with theta_k = 0 in
    the SAR model. The average direct impact is tr(S_k)/n, the total impact the mean
    row sum of S_k, and the indirect impact their difference.

    Parameters
    ----------
    fit : SpatialFit
        A SAR, SDM, FE-SAR or FE-SDM fit.
    w : libpysal.weights.W or libpysal.graph.Graph
        The weights used in the fit (N units for a panel).
    draws : int
        Number of draws of (beta, theta, rho) from the normal approximation
        N(estimate, vm) of the ML estimator; 0 skips the simulation. Draws with rho
        outside the stable interval (1/lambda_min, 1/lambda_max) are redrawn.
    seed : int
        Seed of ``numpy.random.default_rng``.
    level : float
        Coverage of the percentile interval.

    Returns
    -------
    Impacts

    Raises
    ------
    ValueError
        If the fit has no spatial lag parameter or n exceeds 3000 units.

    Notes
    -----
    The point values use the dense inverse of I - rho W. The draws use one
    eigendecomposition of W, so 1000 draws cost little more than one inversion.

    References
    ----------
    LeSage, J. and Pace, R. K. (2009). Introduction to Spatial Econometrics. CRC Press,
    sections 2.7 and 4.2 (impacts) and 5.6.2 (simulated inference).
    """
    if fit.rho is None or "rho" not in fit.names:
        raise ValueError(
            f"Impacts need a spatial lag (SAR or SDM) fit; got {fit.model}. In a SEM the "
            "direct impacts equal the coefficients and the indirect impacts are zero."
        )
    w = as_weights(w, fit.n_units)
    if w.n > DENSE_IMPACTS_MAX_N:
        raise ValueError(
            f"w has {w.n} units; dense impacts are limited to {DENSE_IMPACTS_MAX_N}. "
            "Use spreg's spmultiplier(method='power') for larger n."
        )
    W = dense_weights(w)
    beta_idx, theta_idx, rho_idx = impact_columns(fit)

    def effects_at(betas, multipliers):
        beta = betas[..., beta_idx]
        theta = np.zeros_like(beta)
        for j, idx in enumerate(theta_idx):
            if idx is not None:
                theta[..., j] = betas[..., idx]
        d0, d1, t0, t1 = (multipliers[..., i, None] for i in range(4))
        direct = beta * d0 + theta * d1
        total = beta * t0 + theta * t1
        return np.stack([direct, total - direct, total], axis=-1)

    point = effects_at(fit.betas, np.asarray(lag_multipliers_dense(W, fit.rho)))
    result = dict(names=fit.x_names, direct=point[:, 0], indirect=point[:, 1])
    result["total"] = point[:, 2]
    if draws <= 0:
        return Impacts(**result)

    simulated, rejected = simulate_coefficients(fit, W, draws, seed)
    sims = effects_at(simulated, lag_multipliers_eigen(W, simulated[:, rho_idx]))
    tail = (1.0 - level) / 2.0
    return Impacts(
        **result,
        draws=draws,
        se=sims.std(axis=0, ddof=1),
        lower=np.quantile(sims, tail, axis=0),
        upper=np.quantile(sims, 1.0 - tail, axis=0),
        sim_mean=sims.mean(axis=0),
        level=level,
        rejected=rejected,
        simulated=sims,
    )


def simulate_coefficients(fit, W, draws, seed):
    """Draw coefficient vectors from N(fit.betas, fit.vm) with rho in the stable interval.

    Returns
    -------
    draws_array : numpy.ndarray
        Shape (draws, k).
    rejected : int
        Number of draws replaced because rho left the stable interval.
    """
    rng = np.random.default_rng(seed)
    low, high = stable_rho_interval(W)
    rho_idx = fit.names.index("rho")
    kept = []
    rejected = 0
    while sum(len(block) for block in kept) < draws:
        block = rng.multivariate_normal(fit.betas, fit.vm, size=draws)
        inside = (block[:, rho_idx] > low) & (block[:, rho_idx] < high)
        rejected += int((~inside).sum())
        kept.append(block[inside])
    return np.vstack(kept)[:draws], rejected


# ---------------------------------------------------------------------------------------
# Journal-style table
# ---------------------------------------------------------------------------------------


def significance_stars(p, stars=(0.1, 0.05, 0.01)):
    """Return ``"*"`` repeated once for each threshold in ``stars`` that p is below."""
    return "*" * sum(p < level for level in stars)


def table_row_order(fits):
    """Order coefficient names: regressors by first appearance, then W_x, rho, lambda."""
    names = []
    for fit in fits:
        names.extend(v for v in fit.names if v not in names)
    spatial = [v for v in ("rho", "lambda") if v in names]
    lagged = [v for v in names if v.startswith("W_") and v not in spatial]
    plain = [v for v in names if v not in spatial and v not in lagged]
    return plain + lagged + spatial


def regression_table(fits, *, stars=(0.1, 0.05, 0.01), digits=3, column_names=None):
    """Lay out several fits side by side as a journal-style table.

    Parameters
    ----------
    fits : sequence of SpatialFit
    stars : tuple of float
        p-value thresholds; a coefficient gets one star per threshold it is below,
        so the default gives * p < 0.1, ** p < 0.05, *** p < 0.01.
    digits : int
        Decimals of coefficients and standard errors.
    column_names : sequence of str, optional
        Column headers; defaults to ``"(1) SAR"``, ``"(2) SEM"`` and so on.

    Returns
    -------
    pandas.DataFrame
        Index (variable, statistic) with statistic ``"coef"`` or ``"se"``, then the rows
        N, logL and AIC. Cells are strings such as ``"-1.032***"`` and ``"(0.305)"``;
        export with ``DataFrame.to_latex`` or ``DataFrame.to_csv``.

    Raises
    ------
    ValueError
        If ``fits`` is empty or ``column_names`` has the wrong length.
    """
    fits = list(fits)
    if not fits:
        raise ValueError("fits is empty; pass at least one SpatialFit.")
    if column_names is None:
        column_names = [f"({i + 1}) {fit.model}" for i, fit in enumerate(fits)]
    if len(column_names) != len(fits):
        raise ValueError(
            f"column_names has {len(column_names)} entries for {len(fits)} fits."
        )

    variables = table_row_order(fits)

    index = [(v, stat) for v in variables for stat in ("coef", "se")]
    index += [("N", ""), ("logL", ""), ("AIC", "")]
    table = pd.DataFrame(
        "", index=pd.MultiIndex.from_tuples(index, names=["variable", "statistic"]),
        columns=column_names,
    )
    for column, fit in zip(column_names, fits):
        for j, name in enumerate(fit.names):
            coef = f"{fit.betas[j]:.{digits}f}" + significance_stars(fit.p[j], stars)
            table.loc[(name, "coef"), column] = coef
            table.loc[(name, "se"), column] = f"({fit.std_err[j]:.{digits}f})"
        table.loc[("N", ""), column] = str(fit.n)
        if fit.logL is not None:
            table.loc[("logL", ""), column] = f"{fit.logL:.{digits}f}"
            table.loc[("AIC", ""), column] = f"{fit.AIC:.{digits}f}"
    return table


def group_labels(groups, n):
    """Check a group label per observation and return them as an array.

    Raises
    ------
    ValueError
        If ``groups`` does not have n entries or has fewer than two distinct labels.
    """
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must have one label per observation ({n}), got {groups.shape}.")
    if np.unique(groups).size < 2:
        raise ValueError("groups has a single label; a group comparison needs at least two.")
    return groups


def warn_islands(group, islands):
    """Warn that a group's restricted weights contain units without neighbours."""
    warnings.warn(
        f"Group {group!r}: {len(islands)} unit(s) have no neighbour inside the group "
        f"({list(islands)}); they stay in the fit with a zero row in W.",
        stacklevel=3,
    )


# ---------------------------------------------------------------------------------------
# Regional heterogeneity
# ---------------------------------------------------------------------------------------


def restrict_weights(w, positions):
    """Restrict ``w`` to the units at ``positions`` and row-standardise again.

    The original (untransformed) weights of the kept links are used, so a
    row-standardised W is re-standardised over the neighbours inside the subset.

    Parameters
    ----------
    w : libpysal.weights.W
    positions : sequence of int
        Row positions in ``w.id_order``.

    Returns
    -------
    w_sub : libpysal.weights.W
        Row-standardised weights over the subset, ids in the order of ``positions``.
    islands : tuple
        Ids with no neighbour inside the subset; they keep a zero row.
    """
    ids = [w.id_order[i] for i in positions]
    keep = set(ids)
    original = w.transformations.get("O", w.weights)
    neighbours, weights = {}, {}
    for i in ids:
        pairs = [(j, v) for j, v in zip(w.neighbors[i], original[i]) if j in keep]
        neighbours[i] = [j for j, _ in pairs]
        weights[i] = [v for _, v in pairs]
    islands = tuple(i for i in ids if not neighbours[i])
    w_sub = libpysal.weights.W(neighbours, weights, id_order=ids, silence_warnings=True)
    w_sub.transform = "r"
    return w_sub, islands


@dataclass(frozen=True, eq=False)
class GroupFits:
    """Separate fits for each group, with impacts and the islands of each group's W.

    Attributes
    ----------
    groups : tuple
        Group labels in sorted order.
    fits : dict
        Group label to :class:`SpatialFit`.
    impacts : dict
        Group label to :class:`Impacts` (empty for OLS and SEM).
    islands : dict
        Group label to the ids without a neighbour inside the group.
    """

    groups: tuple
    fits: dict
    impacts: dict
    islands: dict

    def to_frame(self):
        """Return one row per group and coefficient, with impacts where they exist."""
        frames = []
        for group in self.groups:
            frame = self.fits[group].to_frame()
            if group in self.impacts:
                imp = self.impacts[group]
                for effect in ("direct", "indirect", "total"):
                    values = dict(zip(imp.names, getattr(imp, effect)))
                    frame[effect] = [values.get(v, np.nan) for v in frame.index]
            frame.insert(0, "group", group)
            frames.append(frame.reset_index())
        return pd.concat(frames, ignore_index=True).set_index(["group", "variable"])

    def summary(self):
        """Return the per-group table and the islands as text."""
        lines = [self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")]
        for group in self.groups:
            if self.islands[group]:
                lines.append(f"group {group!r} islands: {list(self.islands[group])}")
        return "\n".join(lines)


def effects_by_group(
    y, X, w, groups, *, model="sar", names=None, name_y=None, method=None, draws=0, seed=0
):
    """Fit one model per group with weights restricted to that group.

    Parameters
    ----------
    y, X, names, name_y
        As in :func:`lm_diagnostics`.
    w : libpysal.weights.W, libpysal.graph.Graph or callable
        Weights for all n units, restricted to each group by :func:`restrict_weights`,
        or a function that takes the row positions of a group and returns its W.
    groups : array-like
        A group label per observation (for example east, central, west, northeast).
    model : {"ols", "sar", "sem", "sdm"}
    method : str, optional
        Log-determinant method, as in :func:`fit_sar`.
    draws, seed
        Simulation settings of :func:`impacts`; ``draws=0`` gives point impacts only.

    Returns
    -------
    GroupFits

    Raises
    ------
    ValueError
        If the model is unknown or a group is too small to fit.

    Warns
    -----
    UserWarning
        For each group whose restricted W has islands. The islands stay in the fit
        with a zero row in W (their spatial lag is 0), so the caller can decide
        whether to drop them or to use another weights definition.
    """
    fitters = {"ols": None, "sar": fit_sar, "sem": fit_sem, "sdm": fit_sdm}
    if model not in fitters:
        raise ValueError(f"model must be one of {sorted(fitters)}, got {model!r}.")
    y, X, names, name_y = as_design(y, X, names, name_y)
    labels = group_labels(groups, y.shape[0])
    if not callable(w):
        w = as_weights(w, y.shape[0])

    fits, effects, islands = {}, {}, {}
    for group in np.unique(labels):
        positions = np.flatnonzero(labels == group)
        if positions.size <= X.shape[1] + 3:
            raise ValueError(
                f"Group {group!r} has {positions.size} observations, too few for "
                f"{X.shape[1]} regressors; merge it with another group."
            )
        if callable(w):
            w_group = as_weights(w(positions), positions.size)
            islands[group] = tuple(w_group.islands)
        else:
            w_group, islands[group] = restrict_weights(w, positions)
        if islands[group]:
            warn_islands(group, islands[group])

        y_g, X_g = y[positions], X[positions]
        if model == "ols":
            fits[group] = fit_ols(y_g, X_g, names=names, name_y=name_y)
            continue
        fits[group] = fitters[model](
            y_g, X_g, w_group, names=names, name_y=name_y, method=method
        )
        if model in ("sar", "sdm"):
            effects[group] = impacts(fits[group], w_group, draws=draws, seed=seed)

    return GroupFits(
        groups=tuple(np.unique(labels)), fits=fits, impacts=effects, islands=islands
    )


@dataclass(frozen=True, eq=False)
class GroupDifferenceTest:
    """Wald tests that slopes are equal across groups in a pooled interacted model.

    Attributes
    ----------
    tests : pandas.DataFrame
        Index variable (plus ``"joint"``), columns statistic, df and p.
    coefficients : pandas.DataFrame
        Slope of each variable (rows) in each group (columns).
    fit : SpatialFit
        The pooled fit with group intercepts and group-interacted slopes.
    """

    tests: pd.DataFrame
    coefficients: pd.DataFrame
    fit: SpatialFit

    def to_frame(self):
        """Return the test table."""
        return self.tests

    def summary(self):
        """Return the group slopes and the tests as text."""
        return "\n".join(
            [
                f"Pooled {self.fit.model} with group-interacted slopes, n = {self.fit.n}",
                self.coefficients.to_string(float_format=lambda v: f"{v:.6g}"),
                "",
                "Wald tests of equal slopes across groups (chi-squared):",
                self.tests.to_string(float_format=lambda v: f"{v:.6g}"),
            ]
        )


def interacted_design(X, names, labels):
    """Build group intercept dummies and group-interacted slopes.

    Returns
    -------
    Z : numpy.ndarray
        Columns ``D_<g>`` for every group but the first, then ``<x>_<g>`` for every
        variable and group.
    z_names : list of str
    levels : numpy.ndarray
        The sorted group labels.
    """
    levels = np.unique(labels)
    columns, z_names = [], []
    for group in levels[1:]:
        columns.append((labels == group).astype(float))
        z_names.append(f"D_{group}")
    for j, name in enumerate(names):
        for group in levels:
            columns.append(X[:, j] * (labels == group))
            z_names.append(f"{name}_{group}")
    return np.column_stack(columns), z_names, levels


def wald_test(betas, vm, R):
    """Return the Wald statistic (R b)' (R V R')^-1 (R b), its df and chi-squared p."""
    diff = R @ betas
    statistic = float(diff @ np.linalg.solve(R @ vm @ R.T, diff))
    df = R.shape[0]
    return statistic, df, float(stats.chi2.sf(statistic, df))


def group_difference_test(
    y, X, groups, *, w=None, model="ols", variables=None, names=None, name_y=None,
    method=None,
):
    """Test whether slopes differ between groups with a pooled interacted model.

    The pooled model has one intercept per group and one slope per variable and group
    (slope dummies). For each variable the Wald statistic tests that its slopes are
    equal in all groups (df = groups - 1); a joint test covers all listed variables.

    Parameters
    ----------
    y, X, names, name_y
        As in :func:`lm_diagnostics`.
    groups : array-like
        A group label per observation.
    w : libpysal.weights.W or libpysal.graph.Graph, optional
        Weights over all n units; required for ``model="sar"``.
    model : {"ols", "sar"}
        Pooled OLS (spreg ``OLS``) or pooled spatial lag (spreg ``ML_Lag``) with a
        common rho.
    variables : sequence of str, optional
        Variables to test; defaults to all.
    method : str, optional
        Log-determinant method for ``model="sar"``.

    Returns
    -------
    GroupDifferenceTest

    Raises
    ------
    ValueError
        If the model is unknown, ``w`` is missing for SAR, or a variable is unknown.

    Notes
    -----
    For OLS the statistic equals spreg's Chow test in ``OLS_Regimes`` with
    ``regime_err_sep=False`` (the tests check this).
    """
    if model not in ("ols", "sar"):
        raise ValueError(f"model must be 'ols' or 'sar', got {model!r}.")
    y, X, names, name_y = as_design(y, X, names, name_y)
    labels = group_labels(groups, y.shape[0])
    variables = list(names) if variables is None else list(variables)
    unknown = [v for v in variables if v not in names]
    if unknown:
        raise ValueError(f"Unknown variables {unknown}; X has {names}.")

    Z, z_names, levels = interacted_design(X, names, labels)
    if model == "ols":
        fit = fit_ols(y, Z, names=z_names, name_y=name_y)
    else:
        if w is None:
            raise ValueError("model='sar' needs the weights w over all observations.")
        fit = fit_sar(y, Z, w, names=z_names, name_y=name_y, method=method)

    coefficients = pd.DataFrame(
        [[fit.coef(f"{v}_{g}") for g in levels] for v in names],
        index=pd.Index(names, name="variable"),
        columns=[str(g) for g in levels],
    )

    rows, joint = {}, []
    for v in variables:
        R = np.zeros((len(levels) - 1, fit.k))
        base = fit.names.index(f"{v}_{levels[0]}")
        for r, group in enumerate(levels[1:]):
            R[r, fit.names.index(f"{v}_{group}")] = 1.0
            R[r, base] = -1.0
        rows[v] = wald_test(fit.betas, fit.vm, R)
        joint.append(R)
    if len(variables) > 1:
        rows["joint"] = wald_test(fit.betas, fit.vm, np.vstack(joint))

    tests = pd.DataFrame(rows, index=["statistic", "df", "p"]).T
    tests["df"] = tests["df"].astype(int)
    tests.index.name = "variable"
    return GroupDifferenceTest(tests=tests, coefficients=coefficients, fit=fit)


@dataclass(frozen=True)
class ZTest:
    """z test of the difference of one coefficient between two independent fits."""

    difference: float
    std_err: float
    z: float
    p: float


def two_group_z_test(fit_a, fit_b, name):
    """Test b_a = b_b with z = (b_a - b_b) / sqrt(se_a^2 + se_b^2).

    Parameters
    ----------
    fit_a, fit_b : SpatialFit
        Fits on disjoint samples (for example two regions), so their estimates are
        independent.
    name : str
        Coefficient to compare.

    Returns
    -------
    ZTest

    References
    ----------
    Clogg, C. C., Petkova, E. and Haritou, A. (1995). Statistical methods for comparing
    regression coefficients between models. American Journal of Sociology 100(5),
    1261-1293.
    """
    difference = fit_a.coef(name) - fit_b.coef(name)
    std_err = float(np.hypot(fit_a.se(name), fit_b.se(name)))
    z = difference / std_err
    return ZTest(difference, std_err, z, float(2.0 * stats.norm.sf(abs(z))))
