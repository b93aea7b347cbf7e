"""Mediation analysis: OLS paths, Sobel test, bootstrap intervals and a spatial Durbin variant.

The mediation model with parallel mediators M1 ... Mq is

    M_j = i_j + a_j X + covariates + e_j          (one OLS per mediator)
    Y   = i_y + c' X + sum_j b_j M_j + covariates + e_y
    Y   = i_c + c X + covariates + e_c            (total effect)

The indirect effect through M_j is a_j * b_j. With the same covariates in every equation,
OLS gives ``c = c' + sum_j a_j b_j`` exactly.

References
----------
Baron, R. M. and Kenny, D. A. (1986). The moderator-mediator variable distinction in social
psychological research. Journal of Personality and Social Psychology 51(6), 1173-1182.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
equation models. Sociological Methodology 13, 290-312.
Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap (bias-corrected
percentile interval). Chapman and Hall.
Preacher, K. J. and Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing
and comparing indirect effects in multiple mediator models. Behavior Research Methods
40(3), 879-891.
LeSage, J. and Pace, R. K. (2009). Introduction to Spatial Econometrics (direct and
indirect effects of the spatial Durbin model). CRC Press.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from countyres_helpers.impacts import effects_from_multipliers, lag_multipliers_dense

__all__ = [
    "MediationResult",
    "MediatorPaths",
    "SpatialMediationResult",
    "mediation",
    "sdm_effects",
    "spatial_mediation",
]


# ---------------------------------------------------------------------------------------
# Input preparation
# ---------------------------------------------------------------------------------------


def _as_name_list(value: str | Sequence[str] | None, label: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    if not all(isinstance(name, str) for name in names):
        raise TypeError(f"{label} must be a column name or a list of column names.")
    return names


def _check_columns(
    data: pd.DataFrame, x: str, mediators: list[str], y: str, covariates: list[str]
) -> pd.DataFrame:
    """Return the used columns as floats after checking names, types and missing values."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if not isinstance(x, str) or not isinstance(y, str):
        raise TypeError("x and y must be column names (str).")
    if not mediators:
        raise ValueError("m must name at least one mediator column.")

    columns = [x, *mediators, y, *covariates]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise ValueError(
            f"Columns {duplicated} appear more than once among x, m, y and covariates. "
            "Each variable can have one role only."
        )
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise ValueError(f"Columns {absent} are not in data.")
    non_numeric = [c for c in columns if not pd.api.types.is_numeric_dtype(data[c])]
    if non_numeric:
        raise TypeError(f"Columns {non_numeric} are not numeric. Encode them first.")
    missing = [c for c in columns if data[c].isna().any()]
    if missing:
        raise ValueError(f"Columns {missing} contain missing values. Drop or impute them first.")

    frame = data[columns].astype(float)
    n_params = 2 + len(mediators) + len(covariates)
    if len(frame) <= n_params + 1:
        raise ValueError(
            f"data has {len(frame)} rows, too few for an outcome equation with {n_params} "
            "coefficients."
        )
    return frame


def _design(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return the regressors with a leading column of ones named ``const``."""
    design = frame[columns].copy()
    design.insert(0, "const", 1.0)
    return design


def _prepare_inputs(
    data: pd.DataFrame,
    x: str,
    m: str | Sequence[str],
    y: str,
    covariates: str | Sequence[str] | None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Return the checked float columns, the mediator names and the covariate names."""
    mediators = _as_name_list(m, "m")
    covariate_names = _as_name_list(covariates, "covariates")
    frame = _check_columns(data, x, mediators, y, covariate_names)
    return frame, mediators, covariate_names


def _fit_mediator_equations(
    frame: pd.DataFrame, x: str, mediators: list[str], covariates: list[str]
) -> tuple[pd.DataFrame, dict[str, Any], pd.Series, pd.Series]:
    """Fit ``M_j ~ X + covariates`` by OLS for each mediator.

    Returns
    -------
    X_med : pandas.DataFrame
        The design ``const, X, covariates`` of the mediator equations.
    fits : dict
        Mediator name to its statsmodels OLS results.
    a, a_se : pandas.Series
        Coefficient of X and its standard error, per mediator.
    """
    X_med = _design(frame, [x, *covariates])
    fits = {name: sm.OLS(frame[name], X_med).fit() for name in mediators}
    a = pd.Series({name: fit.params[x] for name, fit in fits.items()})
    a_se = pd.Series({name: fit.bse[x] for name, fit in fits.items()})
    return X_med, fits, a, a_se


# ---------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------


def _indirect_effects(
    X_med: np.ndarray, X_out: np.ndarray, M: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Return a_j * b_j for each mediator by least squares on one (re)sample.

    Column 1 of `X_med` is X, and columns 2 ... q + 1 of `X_out` are the q mediators.
    """
    a = np.linalg.lstsq(X_med, M, rcond=None)[0][1]
    b = np.linalg.lstsq(X_out, y, rcond=None)[0][2 : 2 + M.shape[1]]
    return a * b


def _bootstrap_indirect(
    X_med: np.ndarray,
    X_out: np.ndarray,
    M: np.ndarray,
    y: np.ndarray,
    n_boot: int,
    seed: int,
) -> np.ndarray:
    """Return an (n_boot, q) array of indirect effects from case resampling."""
    n = len(y)
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, size=(n_boot, n))
    draws = np.empty((n_boot, M.shape[1]))
    for i in range(n_boot):
        rows = idx[i]
        draws[i] = _indirect_effects(X_med[rows], X_out[rows], M[rows], y[rows])
    return draws


def _percentile_ci(draws: np.ndarray, alpha: float) -> tuple[float, float]:
    low, high = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def _bias_corrected_ci(draws: np.ndarray, estimate: float, alpha: float) -> tuple[float, float]:
    """Return the bias-corrected (BC) percentile interval (Efron and Tibshirani 1993).

    z0 = Phi^-1(share of draws below the estimate, ties counted half). The interval takes
    the percentiles Phi(2 z0 + z_{alpha/2}) and Phi(2 z0 + z_{1-alpha/2}). There is no
    acceleration term, so this is BC and not BCa.
    """
    share_below = np.mean(draws < estimate) + 0.5 * np.mean(draws == estimate)
    z0 = stats.norm.ppf(share_below)
    low_q = stats.norm.cdf(2 * z0 + stats.norm.ppf(alpha / 2))
    high_q = stats.norm.cdf(2 * z0 + stats.norm.ppf(1 - alpha / 2))
    low, high = np.percentile(draws, [100 * low_q, 100 * high_q])
    return float(low), float(high)


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediatorPaths:
    """Variables of a mediation model and the OLS paths of its mediator equations.

    :class:`MediationResult` and :class:`SpatialMediationResult` start with these fields.

    Attributes
    ----------
    x, y : str
        Names of the treatment and the outcome.
    mediators, covariates : tuple of str
        Names of the mediators and of the covariates in every equation.
    n : int
        Number of observations.
    a, a_se : pandas.Series
        OLS coefficient of X in ``M_j ~ X + covariates`` and its standard error, per
        mediator.
    """

    x: str
    y: str
    mediators: tuple[str, ...]
    covariates: tuple[str, ...]
    n: int
    a: pd.Series
    a_se: pd.Series


@dataclass(frozen=True)
class MediationResult(MediatorPaths):
    """Paths, indirect effects and their tests for a (parallel) mediation model.

    Attributes
    ----------
    x, y, mediators, covariates, n, a, a_se
        As in :class:`MediatorPaths`.
    a_pvalue : pandas.Series
        p-value of the coefficient a of X in ``M_j ~ X + covariates``, per mediator.
    b, b_se, b_pvalue : pandas.Series
        Coefficient of M_j in ``Y ~ X + M_1 + ... + M_q + covariates``.
    c, c_se, c_pvalue : float
        Total effect: coefficient of X in ``Y ~ X + covariates``.
    c_prime, c_prime_se, c_prime_pvalue : float
        Direct effect: coefficient of X in the outcome equation with the mediators.
    indirect : pandas.Series
        a_j * b_j per mediator.
    sobel_se, sobel_z, sobel_pvalue : pandas.Series
        Sobel (1982) test: se = sqrt(b^2 se_a^2 + a^2 se_b^2), z = ab / se, two-sided p.
    boot_se : pandas.Series
        Standard deviation (ddof=1) of the bootstrap indirect effects.
    ci_percentile, ci_bc : pandas.DataFrame
        Percentile and bias-corrected bootstrap intervals (columns ``lower``, ``upper``).
    paths : pandas.DataFrame
        The regression paths above with ``coef``, ``se``, ``pval`` and t-based
        ``ci_lower`` and ``ci_upper``, indexed by ``path``.
    baron_kenny : str
        Stepwise conclusions of Baron and Kenny (1986), with the bootstrap verdict.
    alpha : float
        Significance level of the tests and intervals.
    n_boot, seed : int
        Bootstrap settings.
    boot_indirect : numpy.ndarray
        Bootstrap draws of the indirect effects, shape (n_boot, q).
    """

    a_pvalue: pd.Series
    b: pd.Series
    b_se: pd.Series
    b_pvalue: pd.Series
    c: float
    c_se: float
    c_pvalue: float
    c_prime: float
    c_prime_se: float
    c_prime_pvalue: float
    indirect: pd.Series
    sobel_se: pd.Series
    sobel_z: pd.Series
    sobel_pvalue: pd.Series
    boot_se: pd.Series
    ci_percentile: pd.DataFrame
    ci_bc: pd.DataFrame
    paths: pd.DataFrame
    baron_kenny: str
    alpha: float
    n_boot: int
    seed: int
    boot_indirect: np.ndarray = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per path and test: coef, se, pval and interval bounds.

        Regression paths have t-based intervals. Each indirect effect has three rows: the
        Sobel test with a normal interval, and the percentile and BC bootstrap intervals
        with the bootstrap standard deviation as se.
        """
        frame = self.paths.reset_index()

        z_crit = stats.norm.ppf(1 - self.alpha / 2)
        extra = []
        for m in self.mediators:
            ab, se = self.indirect[m], self.sobel_se[m]
            extra.append((f"Indirect {m} (Sobel)", ab, se, self.sobel_pvalue[m],
                          ab - z_crit * se, ab + z_crit * se))
            extra.append((f"Indirect {m} (bootstrap percentile)", ab, self.boot_se[m],
                          np.nan, *self.ci_percentile.loc[m]))
            extra.append((f"Indirect {m} (bootstrap BC)", ab, self.boot_se[m], np.nan,
                          *self.ci_bc.loc[m]))
        extra_frame = pd.DataFrame(extra, columns=frame.columns)
        return pd.concat([frame, extra_frame], ignore_index=True)

    def summary(self) -> str:
        """Return the path table and the Baron and Kenny conclusions as text."""
        header = (
            f"Mediation of {self.x} -> {self.y} through {', '.join(self.mediators)} "
            f"(n = {self.n}, {self.n_boot} bootstrap resamples, seed {self.seed})"
        )
        if self.covariates:
            header += f"\nCovariates in every equation: {', '.join(self.covariates)}"
        table = self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4f}")
        return "\n".join([header, "", table, "", self.baron_kenny])


# ---------------------------------------------------------------------------------------
# Mediation
# ---------------------------------------------------------------------------------------


def mediation(
    data: pd.DataFrame,
    x: str,
    m: str | Sequence[str],
    y: str,
    *,
    covariates: str | Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> MediationResult:
    """Estimate a mediation model with one or several parallel mediators by OLS.

    Parameters
    ----------
    data : pandas.DataFrame
        Data with numeric columns and no missing values in the used columns.
    x : str
        Treatment (independent variable) column.
    m : str or sequence of str
        Mediator column(s). Several mediators enter one outcome equation together
        (parallel mediators), each with its own indirect effect.
    y : str
        Outcome column.
    covariates : str or sequence of str, optional
        Control variables included in every equation.
    n_boot : int
        Number of bootstrap resamples for the intervals of the indirect effects.
    seed : int
        Seed of ``numpy.random.default_rng``. The resample rows are
        ``rng.choice(n, size=(n_boot, n))``.
    alpha : float
        Significance level. Intervals have coverage 1 - alpha.

    Returns
    -------
    MediationResult

    Raises
    ------
    TypeError
        If `data` is not a DataFrame or a used column is not numeric.
    ValueError
        If a column is absent, has missing values or appears twice, or if `n_boot`,
        `alpha` or the sample size are invalid.

    Notes
    -----
    Every equation is linear and fitted by OLS (statsmodels), also for a binary mediator.
    pingouin's ``mediation_analysis`` fits a logistic regression for a binary mediator
    instead, so its results differ there.
    """
    frame, mediators, covariate_names = _prepare_inputs(data, x, m, y, covariates)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}.")

    X_med, mediator_fits, a, a_se = _fit_mediator_equations(
        frame, x, mediators, covariate_names
    )
    X_out = _design(frame, [x, *mediators, *covariate_names])
    total = sm.OLS(frame[y], X_med).fit()
    outcome = sm.OLS(frame[y], X_out).fit()

    a_pvalue = pd.Series({name: fit.pvalues[x] for name, fit in mediator_fits.items()})
    b = outcome.params[mediators]
    b_se = outcome.bse[mediators]
    indirect = a * b

    sobel_se = np.sqrt(b**2 * a_se**2 + a**2 * b_se**2)
    sobel_z = indirect / sobel_se
    sobel_pvalue = pd.Series(2 * stats.norm.sf(np.abs(sobel_z)), index=mediators)

    draws = _bootstrap_indirect(
        X_med.to_numpy(), X_out.to_numpy(), frame[mediators].to_numpy(),
        frame[y].to_numpy(), int(n_boot), seed,
    )
    ci_percentile = pd.DataFrame(
        [_percentile_ci(draws[:, j], alpha) for j in range(len(mediators))],
        index=mediators, columns=["lower", "upper"],
    )
    ci_bc = pd.DataFrame(
        [_bias_corrected_ci(draws[:, j], indirect.iloc[j], alpha)
         for j in range(len(mediators))],
        index=mediators, columns=["lower", "upper"],
    )

    result_fields = dict(
        x=x, y=y, mediators=tuple(mediators), covariates=tuple(covariate_names),
        n=len(frame),
        a=a, a_se=a_se, a_pvalue=a_pvalue,
        b=b, b_se=b_se, b_pvalue=outcome.pvalues[mediators],
        c=float(total.params[x]), c_se=float(total.bse[x]),
        c_pvalue=float(total.pvalues[x]),
        c_prime=float(outcome.params[x]), c_prime_se=float(outcome.bse[x]),
        c_prime_pvalue=float(outcome.pvalues[x]),
        indirect=indirect, sobel_se=sobel_se, sobel_z=sobel_z, sobel_pvalue=sobel_pvalue,
        boot_se=pd.Series(draws.std(axis=0, ddof=1), index=mediators),
        ci_percentile=ci_percentile, ci_bc=ci_bc,
        paths=_path_table(x, y, mediators, mediator_fits, outcome, total, alpha),
        alpha=alpha, n_boot=int(n_boot), seed=seed, boot_indirect=draws,
    )
    result_fields["baron_kenny"] = _baron_kenny_text(result_fields)
    return MediationResult(**result_fields)


def _path_table(
    x: str,
    y: str,
    mediators: list[str],
    mediator_fits: dict[str, Any],
    outcome: Any,
    total: Any,
    alpha: float,
) -> pd.DataFrame:
    """Collect coef, se, p-value and t interval of each regression path."""
    entries = []
    for name in mediators:
        entries.append((f"{name} ~ {x}", mediator_fits[name], x))
        entries.append((f"{y} ~ {name} | {x}", outcome, name))
    entries.append(("Total", total, x))
    entries.append(("Direct", outcome, x))

    rows = []
    for label, fit, term in entries:
        low, high = fit.conf_int(alpha=alpha).loc[term]
        rows.append((label, fit.params[term], fit.bse[term], fit.pvalues[term], low, high))
    columns = ["path", "coef", "se", "pval", "ci_lower", "ci_upper"]
    return pd.DataFrame(rows, columns=columns).set_index("path")


def _verdict(pvalue: float, alpha: float) -> str:
    return "significant" if pvalue < alpha else "not significant"


def _baron_kenny_text(r: dict) -> str:
    """Write the Baron and Kenny (1986) steps and the bootstrap verdict for each mediator."""
    alpha = r["alpha"]
    x, y = r["x"], r["y"]
    c_sig = r["c_pvalue"] < alpha
    c_prime_sig = r["c_prime_pvalue"] < alpha
    lines = [
        f"Baron and Kenny steps (alpha = {alpha}):",
        (f"1. Total effect {x} -> {y}: c = {r['c']:.4f}, p = {r['c_pvalue']:.4g}, "
         f"{_verdict(r['c_pvalue'], alpha)}."),
    ]
    for m in r["mediators"]:
        lines.append(
            f"2. Path {x} -> {m}: a = {r['a'][m]:.4f}, p = {r['a_pvalue'][m]:.4g}, "
            f"{_verdict(r['a_pvalue'][m], alpha)}."
        )
        lines.append(
            f"3. Path {m} -> {y} given {x}: b = {r['b'][m]:.4f}, p = {r['b_pvalue'][m]:.4g}, "
            f"{_verdict(r['b_pvalue'][m], alpha)}."
        )
    lines.append(
        f"4. Direct effect {x} -> {y} given the mediators: c' = {r['c_prime']:.4f}, "
        f"p = {r['c_prime_pvalue']:.4g}, {_verdict(r['c_prime_pvalue'], alpha)}."
    )

    for m in r["mediators"]:
        paths_sig = r["a_pvalue"][m] < alpha and r["b_pvalue"][m] < alpha
        if not c_sig:
            steps = "no mediation by the Baron and Kenny criteria, because c is not significant"
        elif not paths_sig:
            steps = "no mediation by the Baron and Kenny criteria, because a or b is not " \
                    "significant"
        elif not c_prime_sig:
            steps = "full mediation by the Baron and Kenny criteria (c' not significant)"
        elif abs(r["c_prime"]) < abs(r["c"]):
            steps = "partial mediation by the Baron and Kenny criteria (|c'| < |c|)"
        else:
            steps = "no mediation by the Baron and Kenny criteria, because |c'| >= |c|"

        low, high = r["ci_bc"].loc[m]
        excludes_zero = low > 0 or high < 0
        boot = "excludes" if excludes_zero else "includes"
        lines.append(
            f"Conclusion for {m}: {steps}. The {100 * (1 - alpha):.0f}% BC bootstrap interval "
            f"of a*b = {r['indirect'][m]:.4f}, [{low:.4f}, {high:.4f}], {boot} 0."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Spatial mediation with a spatial Durbin outcome equation
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpatialMediationResult(MediatorPaths):
    """Mediation with an OLS mediator equation and a spatial Durbin outcome equation.

    Attributes
    ----------
    x, y, mediators, covariates, n, a, a_se
        As in :class:`MediatorPaths`.
    rho : float
        Spatial autoregressive coefficient of the outcome equation.
    coefficients : pandas.DataFrame
        Outcome equation coefficients: ``beta`` and ``theta`` (on the spatial lag WX),
        with standard errors ``beta_se`` and ``theta_se``, one row per regressor.
    effects : pandas.DataFrame
        Average ``direct``, ``indirect`` (spillover) and ``total`` effects of each
        regressor (LeSage and Pace 2009).
    indirect : pandas.Series
        Mediated effect a_j * direct effect of M_j.
    model : spreg.ML_Lag
        The fitted spreg model.
    """

    rho: float
    coefficients: pd.DataFrame
    effects: pd.DataFrame
    indirect: pd.Series
    model: Any = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Return the effects table with the coefficients beside it."""
        return pd.concat([self.coefficients, self.effects], axis=1)

    def summary(self) -> str:
        """Return the a paths, the SDM effects and the mediated effects as text."""
        lines = [
            (f"Spatial mediation of {self.x} -> {self.y} through "
             f"{', '.join(self.mediators)} (n = {self.n}). Outcome equation: ML spatial "
             f"Durbin model, rho = {self.rho:.4f}"),
            "",
            self.to_frame().to_string(float_format=lambda v: f"{v:.4f}"),
            "",
        ]
        for m in self.mediators:
            lines.append(
                f"Indirect effect through {m}: a = {self.a[m]:.4f} (se {self.a_se[m]:.4f}) "
                f"x direct effect of {m} = {self.effects.loc[m, 'direct']:.4f} "
                f"-> {self.indirect[m]:.4f}"
            )
        return "\n".join(lines)


def sdm_effects(
    w_dense: np.ndarray, rho: float, beta: np.ndarray, theta: np.ndarray
) -> pd.DataFrame:
    """Compute average direct, indirect and total effects of a spatial Durbin model.

    For regressor k, ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``. The average direct
    effect is ``tr(S_k) / n``, the average total effect ``1' S_k 1 / n`` and the indirect
    effect their difference (LeSage and Pace 2009).

    Parameters
    ----------
    w_dense : numpy.ndarray of shape (n, n)
        Spatial weights matrix.
    rho : float
        Spatial autoregressive coefficient.
    beta, theta : numpy.ndarray of shape (k,)
        Coefficients on X and on WX.

    Returns
    -------
    pandas.DataFrame
        Columns ``direct``, ``indirect`` and ``total``, one row per regressor, indexed
        like `beta` when it is a Series.

    Notes
    -----
    The effects are computed by the code of :func:`countyres_helpers.impacts.impacts` at
    the point estimates.
    """
    multipliers = np.asarray(lag_multipliers_dense(w_dense, rho))
    effects = effects_from_multipliers(
        np.asarray(beta, dtype=float), np.asarray(theta, dtype=float), multipliers
    )
    index = beta.index if isinstance(beta, pd.Series) else None
    return pd.DataFrame(effects, columns=["direct", "indirect", "total"], index=index)


def spatial_mediation(
    data: pd.DataFrame,
    x: str,
    m: str | Sequence[str],
    y: str,
    w: Any,
    *,
    covariates: str | Sequence[str] | None = None,
    method: str = "full",
) -> SpatialMediationResult:
    """Estimate mediation with a spatial Durbin model (SDM) for the outcome equation.

    The mediator equations ``M_j ~ X + covariates`` are fitted by OLS as in `mediation`.
    The outcome equation is ``Y = rho W Y + Z beta + W Z theta + e`` with
    ``Z = [X, M_1 ... M_q, covariates]``, fitted by maximum likelihood with
    ``spreg.ML_Lag(..., slx_lags=1)``. The mediated effect through M_j is
    ``a_j * direct_j``, where ``direct_j`` is the average direct effect of M_j from the SDM
    effects decomposition, not the raw coefficient ``beta_j``. The direct effect includes
    the feedback that passes through neighbours and returns to the location itself. The
    spillover (indirect) effect of M_j is reported in `effects` but is not mediated.

    Parameters
    ----------
    data : pandas.DataFrame
        Data in the order of the observations in `w`.
    x, m, y, covariates
        As in `mediation`.
    w : libpysal.weights.W
        Spatial weights, usually row-standardised (``w.transform = "r"``).
    method : {"full", "ord", "lu"}
        Log-Jacobian method of spreg.

    Returns
    -------
    SpatialMediationResult

    Raises
    ------
    TypeError, ValueError
        For the input errors listed in `mediation`, or if `w` does not have one row per
        observation.

    Notes
    -----
    spreg 1.9 computes its own SDM impacts by putting every WX effect in the indirect
    part, so this function computes the effects from the dense inverse
    ``(I - rho W)^-1``. That needs O(n^3) time and O(n^2) memory, 0.7 s for n = 2000
    locations on 2 cores of an AMD EPYC (``sdm_effects`` alone, dense random W).

    NOTE: no standard error or interval is computed for ``a_j * direct_j``.
    """
    import spreg

    frame, mediators, covariate_names = _prepare_inputs(data, x, m, y, covariates)
    if getattr(w, "n", None) != len(frame):
        raise ValueError(
            f"w must be a libpysal W with one row per observation ({len(frame)}), "
            f"got {getattr(w, 'n', type(w).__name__)}."
        )

    _, _, a, a_se = _fit_mediator_equations(frame, x, mediators, covariate_names)

    regressors = [x, *mediators, *covariate_names]
    # spreg 1.9.0 prints the class name while it formats its summary, so stdout is muted.
    with contextlib.redirect_stdout(io.StringIO()):
        model = spreg.ML_Lag(
            frame[[y]].to_numpy(), frame[regressors].to_numpy(), w, slx_lags=1,
            method=method, spat_impacts=None, spat_diag=False, name_y=y, name_x=regressors,
        )
    coefficients = _sdm_coefficients(model, regressors)
    w_dense = w.full()[0]
    effects = sdm_effects(w_dense, float(model.rho), coefficients["beta"].to_numpy(),
                          coefficients["theta"].to_numpy())
    effects.index = regressors

    return SpatialMediationResult(
        x=x, y=y, mediators=tuple(mediators), covariates=tuple(covariate_names),
        n=len(frame), a=a, a_se=a_se, rho=float(model.rho),
        coefficients=coefficients, effects=effects,
        indirect=a * effects.loc[mediators, "direct"],
        model=model,
    )


def _sdm_coefficients(model: Any, regressors: list[str]) -> pd.DataFrame:
    """Return beta, theta and their standard errors from a spreg SDM, one row per regressor.

    spreg orders the coefficients as constant, X, WX (names prefixed ``W_``) and rho last.
    """
    k = len(regressors)
    expected = ["CONSTANT", *regressors, *[f"W_{name}" for name in regressors]]
    if list(model.name_x[: 1 + 2 * k]) != expected:
        raise RuntimeError(
            f"Unexpected spreg coefficient order {model.name_x}. Expected {expected} "
            "followed by the spatial lag of y. Check the installed spreg version."
        )
    betas = np.ravel(model.betas)
    std_err = np.ravel(model.std_err)
    return pd.DataFrame(
        {
            "beta": betas[1 : 1 + k],
            "beta_se": std_err[1 : 1 + k],
            "theta": betas[1 + k : 1 + 2 * k],
            "theta_se": std_err[1 + k : 1 + 2 * k],
        },
        index=regressors,
    )
