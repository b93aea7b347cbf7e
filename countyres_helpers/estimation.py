"""Cross-section spatial regression fits: OLS, SAR, SEM and SDM by ML, and S2SLS.

The estimators are spreg's (``OLS``, ``ML_Lag``, ``ML_Error``, ``GM_Lag``). This module
checks the inputs and wraps each result in one frozen :class:`SpatialFit`, which the panel
fits of :mod:`countyres_helpers.spatial_panel` return as well.

Weights are a ``libpysal.weights.W`` or a ``libpysal.graph.Graph`` (converted with
``to_W()``), in the row order of ``y``.
"""

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import spreg
from scipy import sparse, stats

from countyres_helpers.design_checks import (
    as_design,
    as_weights,
    check_weights_order,
    data_ids,
)

__all__ = ["SpatialFit", "fit_ols", "fit_s2sls", "fit_sar", "fit_sdm", "fit_sem"]

# Largest n for which ML uses the exact eigenvalue log-determinant ("full"). Above it the
# sparse LU log-determinant ("lu") is used, which scales to thousands of units.
FULL_LOGDET_MAX_N = 1000


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
# Model fits
# ---------------------------------------------------------------------------------------


def fit_ols(y, X, *, names=None, name_y=None):
    """Fit OLS with spreg, with a constant added.

    Parameters
    ----------
    y, X, names, name_y
        As in :func:`countyres_helpers.specification_tests.lm_diagnostics`.

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
        As in :func:`countyres_helpers.specification_tests.lm_diagnostics`.
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
    ids = data_ids(y, X)
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
    check_weights_order(w, ids)
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
        As in :func:`countyres_helpers.specification_tests.lm_diagnostics`.
    w_lags : int
        Orders of W X used as instruments for W y (Kelejian and Prucha 1998).
    robust : {None, "white"}
        Covariance estimator.

    Returns
    -------
    SpatialFit
        ``logL`` and ``AIC`` are None because the estimator is not likelihood based.
    """
    ids = data_ids(y, X)
    y, X, names, name_y = as_design(y, X, names, name_y)
    w = as_weights(w, y.shape[0])
    check_weights_order(w, ids)
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

