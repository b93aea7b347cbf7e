"""Geographically weighted regression (GWR) and multiscale GWR (MGWR) with mgwr.

The functions wrap mgwr 2.2 (``mgwr.sel_bw.Sel_BW``, ``mgwr.gwr.GWR`` and ``mgwr.gwr.MGWR``)
and return frozen result objects with pandas tables. They add three checks that mgwr leaves
to the caller. The bandwidth search range is valid for small samples (about 55 counties in
one province), the coordinates must be projected, and MGWR variables must be standardised.

References
----------
Fotheringham, A. S., Brunsdon, C. and Charlton, M. (2002). Geographically Weighted
Regression: The Analysis of Spatially Varying Relationships. Wiley.
Fotheringham, A. S., Yang, W. and Kang, W. (2017). Multiscale geographically weighted
regression (MGWR). Annals of the American Association of Geographers 107(6), 1247-1265.
da Silva, A. R. and Fotheringham, A. S. (2016). The multiple testing issue in geographically
weighted regression. Geographical Analysis 48(3), 233-247.
Oshan, T. M., Li, Z., Kang, W., Wolf, L. J. and Fotheringham, A. S. (2019). mgwr: a Python
implementation of multiscale geographically weighted regression. ISPRS International
Journal of Geo-Information 8(6), 269.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from mgwr.diagnostics import get_AIC, get_AICc, get_BIC
from mgwr.gwr import GWR, MGWR
from mgwr.kernels import local_cdist
from mgwr.sel_bw import Sel_BW
from spglm.glm import GLM

__all__ = [
    "GWRFit",
    "MGWRFit",
    "NonstationarityTest",
    "bandwidth_range",
    "fit_gwr",
    "fit_mgwr",
    "monte_carlo_nonstationarity",
    "standardize",
]

KERNELS = ("bisquare", "gaussian", "exponential")
CRITERIA = ("AICc", "AIC", "BIC", "CV")

# Tolerance on the column means and population standard deviations in `fit_mgwr`.
STANDARDISED_ATOL = 1e-4


# ---------------------------------------------------------------------------------------
# Input preparation
# ---------------------------------------------------------------------------------------


def standardize(df: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Convert each column to z-scores with the population standard deviation (ddof=0).

    This is the scaling of the mgwr documentation notebooks, ``(v - v.mean()) / v.std()``
    with numpy's default ``ddof=0``.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        Numeric data without missing values.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Standardised copy of the same type, index and column names.

    Raises
    ------
    TypeError
        If `df` is not a DataFrame or Series, or has a non-numeric column.
    ValueError
        If a column contains missing values or is constant.
    """
    if isinstance(df, pd.Series):
        return standardize(df.to_frame()).iloc[:, 0]
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"standardize expects a pandas DataFrame or Series, got {type(df).__name__}."
        )

    non_numeric = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise TypeError(f"Columns {non_numeric} are not numeric. Drop or encode them first.")

    missing = df.columns[df.isna().any()].tolist()
    if missing:
        raise ValueError(f"Columns {missing} contain missing values. Drop or impute them first.")

    values = df.to_numpy(dtype=float)
    std = values.std(axis=0)
    constant = df.columns[std == 0].tolist()
    if constant:
        raise ValueError(
            f"Columns {constant} are constant and cannot be standardised. Drop them."
        )

    z = (values - values.mean(axis=0)) / std
    return pd.DataFrame(z, index=df.index, columns=df.columns)


def _prepare_design(
    y: Any, X: Any, names: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, list[str], str, pd.Index]:
    """Return y as (n, 1), X as (n, k), the covariate names, the name of y and an index.

    The index labels the locations in the result tables. It is the index of y when y is a
    pandas object, else 0 ... n - 1.
    """
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y must have one column, got {y.shape[1]} columns.")
        y = y.iloc[:, 0]
    y_name = str(y.name) if isinstance(y, pd.Series) and y.name is not None else "y"
    y_arr = np.asarray(y, dtype=float).reshape(-1, 1)
    index = y.index if isinstance(y, pd.Series) else pd.RangeIndex(len(y_arr))

    if isinstance(X, pd.Series):
        X = X.to_frame()
    default_names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    X_arr = np.asarray(X, dtype=float)
    if X_arr.ndim == 1:
        X_arr = X_arr.reshape(-1, 1)
    if X_arr.ndim != 2:
        raise ValueError(f"X must be two-dimensional (n, k), got shape {X_arr.shape}.")

    n, k = X_arr.shape
    if y_arr.shape[0] != n:
        raise ValueError(f"y has {y_arr.shape[0]} rows but X has {n}. They must match.")
    if not (np.isfinite(y_arr).all() and np.isfinite(X_arr).all()):
        raise ValueError("y and X must be finite. Drop or impute missing values first.")

    if names is None:
        names = default_names or [f"x{j + 1}" for j in range(k)]
    names = [str(name) for name in names]
    if len(names) != k:
        raise ValueError(f"names has {len(names)} entries but X has {k} columns.")
    return y_arr, X_arr, names, y_name, index


def _prepare_coords(coords: Any, n: int, spherical: bool) -> np.ndarray:
    """Return coords as an (n, 2) float array after checking the coordinate system.

    Unless `spherical` is True, coordinates that all fall inside [-180, 180] x [-90, 90] are
    taken to be longitude and latitude in degrees and are rejected, because mgwr then
    computes Euclidean distances in degrees.
    """
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"coords must have shape (n, 2), got {xy.shape}.")
    if xy.shape[0] != n:
        raise ValueError(f"coords has {xy.shape[0]} rows but y has {n}. They must match.")
    if not np.isfinite(xy).all():
        raise ValueError("coords must be finite. Drop locations without coordinates.")

    looks_like_degrees = bool(
        (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    )
    if spherical and not looks_like_degrees:
        raise ValueError(
            "spherical=True expects (longitude, latitude) in degrees, but some coords fall "
            "outside [-180, 180] x [-90, 90]. Pass projected coords with spherical=False."
        )
    if not spherical and looks_like_degrees:
        raise ValueError(
            "coords look like longitude/latitude in degrees (all |x| <= 180, |y| <= 90). "
            "Project them to metres or km (for example an Albers equal-area CRS), or pass "
            "spherical=True to use great-circle distances in km."
        )
    return xy


def _check_kernel(kernel: str, criterion: str | None = None) -> None:
    """Raise ValueError unless mgwr supports the kernel and the selection criterion."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
    if criterion is not None and criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}.")


def _standardise_arrays(
    y: np.ndarray, X: np.ndarray, y_name: str, names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Apply `standardize` to y and X, so that errors name the offending columns."""
    y_z = standardize(pd.DataFrame(y, columns=[y_name])).to_numpy()
    X_z = standardize(pd.DataFrame(X, columns=names)).to_numpy()
    return y_z, X_z


def _is_standardised(values: np.ndarray) -> np.ndarray:
    """Return, per column, whether the mean is 0 and the population std is 1 within tol."""
    mean_ok = np.abs(values.mean(axis=0)) <= STANDARDISED_ATOL
    std_ok = np.abs(values.std(axis=0) - 1.0) <= STANDARDISED_ATOL
    return mean_ok & std_ok


# ---------------------------------------------------------------------------------------
# Bandwidth search range
# ---------------------------------------------------------------------------------------


def bandwidth_range(
    n: int,
    k: int,
    *,
    kernel: str = "bisquare",
    fixed: bool = False,
    coords: Any = None,
    spherical: bool = False,
) -> tuple[float, float]:
    """Compute a bandwidth search range that is valid for small samples.

    For an adaptive kernel the bandwidth is a number of nearest neighbours (the location
    itself counts as one). The range is ``(k + 2, n)``:

    * Lower bound ``k + 2``. A local fit has ``k + 1`` parameters (k regressors and the
      intercept), so its weighted cross-product matrix is invertible only when at least
      ``k + 1`` locations have a positive weight. mgwr scales the distance to the bw-th
      neighbour by 1.0000001, so that neighbour gets a bisquare weight of about 4e-14,
      which is zero in practice. ``bw = k + 2`` therefore leaves exactly ``k + 1``
      locations with a usable weight. Such a fit interpolates the data (trace(S) near n).
    * Upper bound ``n``, the largest neighbour count that exists. A larger adaptive
      bandwidth makes mgwr's kernel fail.

    mgwr's own default adaptive range is ``(40 + 2 * (k + 1), n)``, copied from GWR4. On
    about 55 counties it leaves almost no room (48 to 55 for k = 3), and for k >= 7 its lower
    bound exceeds n and the search fails.

    For a fixed kernel the bandwidth is a distance in the units of `coords`. The lower bound
    is the largest, over locations, distance to the (k + 2)-th nearest location (counting
    the location itself), by the same count as above. The upper bound is twice the largest
    pairwise distance, mgwr's own default.

    Parameters
    ----------
    n : int
        Number of locations.
    k : int
        Number of regressors, excluding the intercept. Pass 0 for the one-column smoothers
        of MGWR backfitting, which have no intercept.
    kernel : {"bisquare", "gaussian", "exponential"}
        Kernel name as in mgwr.
    fixed : bool
        True for a fixed (distance) bandwidth, False for an adaptive (neighbour count) one.
    coords : array-like of shape (n, 2), optional
        Coordinates; required when `fixed` is True.
    spherical : bool
        True if `coords` are longitude and latitude (great-circle distances in km).

    Returns
    -------
    tuple of float
        ``(bw_min, bw_max)``.

    Raises
    ------
    ValueError
        If `n` is too small for `k` regressors, if the kernel is unknown, or if `coords`
        are missing for a fixed kernel.

    Notes
    -----
    The lower bound guarantees solvable local fits, not a usable AICc. Near the lower bound
    trace(S) approaches n and the Gaussian AICc of mgwr, ``-2 llf + 2n(tr S + 1) /
    (n - tr S - 2)``, changes sign. `fit_gwr` raises if the selected fit has
    ``tr S >= n - 2``.
    """
    _check_kernel(kernel)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}.")

    n_min = k + 2
    if n <= n_min:
        raise ValueError(
            f"n = {n} locations are too few for a local fit with {k} regressors and an "
            f"intercept, because GWR needs n > k + 2 = {n_min}."
        )
    if not fixed:
        return float(n_min), float(n)

    if coords is None:
        raise ValueError("coords are required to compute a fixed (distance) bandwidth range.")
    xy = np.asarray(coords, dtype=float)
    if xy.shape != (n, 2):
        raise ValueError(f"coords must have shape ({n}, 2), got {xy.shape}.")

    distances = np.vstack([local_cdist(xy[i], xy, spherical) for i in range(n)])
    neighbour_distance = np.sort(distances, axis=1)[:, n_min - 1]
    return float(neighbour_distance.max()), float(2.0 * distances.max())


# ---------------------------------------------------------------------------------------
# Global OLS beside the local models
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GlobalOLS:
    params: pd.Series
    aicc: float
    aic: float
    bic: float
    r2: float
    adj_r2: float
    rss: float


def _fit_global_ols(y: np.ndarray, X: np.ndarray, columns: list[str]) -> _GlobalOLS:
    """Fit the global OLS model with spglm, as mgwr's own summary does.

    X already contains mgwr's intercept column, so spglm must not add another. AIC and BIC
    come from mgwr's ``get_AIC`` and ``get_BIC``, which count the error variance as a
    parameter, as GWR4 and the GWR diagnostics do. mgwr's summary prints spglm's ``aic``
    instead, which does not count it and is 2 lower.
    """
    glm = GLM(y, X, constant=False).fit()
    return _GlobalOLS(
        params=pd.Series(np.ravel(glm.params), index=columns),
        aicc=float(get_AICc(glm)),
        aic=float(get_AIC(glm)),
        bic=float(get_BIC(glm)),
        r2=float(glm.D2),
        adj_r2=float(glm.adj_D2),
        rss=float(glm.deviance),
    )


def _local_frame(values: np.ndarray, columns: list[str], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(values, dtype=float), index=index, columns=columns)


def _describe_params(params: pd.DataFrame, significant: pd.DataFrame) -> list[str]:
    """Format mean, std, min, median, max and the share significant of each surface."""
    width = max(20, max(len(str(name)) for name in params.columns) + 1)
    lines = [
        f"{'Variable':<{width}}{'Mean':>9}{'STD':>9}{'Min':>9}{'Median':>9}{'Max':>9}"
        f"{'Sig.':>7}"
    ]
    for name in params.columns:
        col = params[name]
        share = significant[name].mean()
        lines.append(
            f"{name:<{width}}{col.mean():>9.3f}{col.std(ddof=0):>9.3f}{col.min():>9.3f}"
            f"{col.median():>9.3f}{col.max():>9.3f}{share:>7.0%}"
        )
    return lines


def _shared_fields(
    results: Any,
    selector: Any,
    columns: list[str],
    index: pd.Index,
    critical_t: float | pd.Series,
) -> dict[str, Any]:
    """Return the fields that `GWRFit` and `MGWRFit` take from mgwr's results alike.

    These are the local estimates, the model diagnostics and the global OLS model beside
    it. `critical_t` is one value (GWR) or one per covariate (MGWR).
    """
    tvalues = _local_frame(results.tvalues, columns, index)
    ols = _fit_global_ols(results.model.y, results.model.X, columns)
    fields = {
        "kernel": results.model.kernel,
        "fixed": bool(results.model.fixed),
        "n": int(results.n),
        "k": int(results.k),
        "params": _local_frame(results.params, columns, index),
        "bse": _local_frame(results.bse, columns, index),
        "tvalues": tvalues,
        "critical_t": critical_t,
        "filtered_tvalues": _local_frame(results.filter_tvals(), columns, index),
        "significant": tvalues.abs() >= critical_t,
        "aicc": float(results.aicc),
        "aic": float(results.aic),
        "bic": float(results.bic),
        "r2": float(results.R2),
        "adj_r2": float(results.adj_R2),
        "rss": float(results.resid_ss),
        "results": results,
        "selector": selector,
    }
    for ols_field in dataclasses.fields(ols):
        fields[f"ols_{ols_field.name}"] = getattr(ols, ols_field.name)
    return fields


class _LocalFit:
    """Methods shared by `GWRFit` and `MGWRFit`, which both have the fields used here."""

    @property
    def params_masked(self) -> pd.DataFrame:
        """Local estimates with the non-significant ones (``|t| < critical_t``) set to NaN."""
        return self.params.where(self.significant)

    def _diagnostics_table(self, label: str) -> pd.DataFrame:
        """Return the global OLS diagnostics beside those of the local model ``label``."""
        rows = ["AICc", "AIC", "BIC", "R2", "adj_R2", "RSS", "ENP"]
        ols = [self.ols_aicc, self.ols_aic, self.ols_bic, self.ols_r2, self.ols_adj_r2,
               self.ols_rss, float(self.k)]
        local = [self.aicc, self.aic, self.bic, self.r2, self.adj_r2, self.rss, self.enp]
        return pd.DataFrame({"OLS": ols, label: local}, index=rows)


# ---------------------------------------------------------------------------------------
# GWR
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GWRFit(_LocalFit):
    """Results of one GWR fit, with the global OLS model beside it.

    Attributes
    ----------
    bw : float
        Bandwidth: neighbour count (adaptive) or distance (fixed).
    kernel : str
        Kernel name.
    fixed : bool
        True for a fixed (distance) bandwidth.
    criterion : str or None
        Bandwidth selection criterion, None if the bandwidth was given.
    bw_range : tuple of float or None
        ``(bw_min, bw_max)`` passed to the golden-section search, None if `bw` was given.
    n, k : int
        Number of locations and of covariates including the intercept.
    params, bse, tvalues : pandas.DataFrame
        Local estimates, standard errors and t-values (n rows indexed like y, one column
        per covariate).
    aicc, aic, bic, r2, adj_r2, rss, enp : float
        Model diagnostics; `enp` is trace(S).
    adj_alpha : float
        Corrected 5 % significance level ``0.05 * k / enp`` (da Silva and Fotheringham
        2016), mgwr's ``adj_alpha[1]``.
    critical_t : float
        Two-sided critical t for `adj_alpha` with n - 1 degrees of freedom, mgwr's
        ``critical_tval()``.
    filtered_tvalues : pandas.DataFrame
        t-values with ``|t| < critical_t`` set to 0, mgwr's ``filter_tvals()``.
    significant : pandas.DataFrame
        Boolean mask ``|t| >= critical_t``.
    ols_params : pandas.Series
        Global OLS coefficients.
    ols_aicc, ols_aic, ols_bic, ols_r2, ols_adj_r2, ols_rss : float
        Global OLS diagnostics (spglm ``GLM`` with mgwr's ``get_AICc``, ``get_AIC`` and
        ``get_BIC``).
    results : mgwr.gwr.GWRResults
        The mgwr results object.
    selector : mgwr.sel_bw.Sel_BW or None
        The bandwidth selector, needed by `monte_carlo_nonstationarity`.
    """

    bw: float
    kernel: str
    fixed: bool
    criterion: str | None
    bw_range: tuple[float, float] | None
    n: int
    k: int
    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    aicc: float
    aic: float
    bic: float
    r2: float
    adj_r2: float
    rss: float
    enp: float
    adj_alpha: float
    critical_t: float
    filtered_tvalues: pd.DataFrame
    significant: pd.DataFrame
    ols_params: pd.Series
    ols_aicc: float
    ols_aic: float
    ols_bic: float
    ols_r2: float
    ols_adj_r2: float
    ols_rss: float
    results: Any = field(repr=False, compare=False)
    selector: Any = field(default=None, repr=False, compare=False)

    @property
    def local_r2(self) -> pd.Series:
        """Local R2 of each location.

        mgwr computes it on first access by rebuilding every kernel, which costs about
        twice the fit on all counties, so the fit does not compute it in advance.
        """
        return pd.Series(np.ravel(self.results.localR2), index=self.params.index,
                         name="local_R2")

    def diagnostics(self) -> pd.DataFrame:
        """Return AICc, AIC, BIC, R2, adjusted R2, RSS and ENP of the global OLS and GWR."""
        return self._diagnostics_table("GWR")

    def to_frame(self) -> pd.DataFrame:
        """Return one row per location: estimates, standard errors, t-values and local R2."""
        parts = [
            self.params,
            self.bse.add_prefix("se_"),
            self.tvalues.add_prefix("t_"),
            self.local_r2.rename("local_R2"),
        ]
        return pd.concat(parts, axis=1)

    def summary(self) -> str:
        """Return a text report: bandwidth, diagnostics beside OLS and the local estimates."""
        kind = "Fixed" if self.fixed else "Adaptive"
        if self.bw_range is None:
            search = "bandwidth given, no search"
        else:
            search = (f"golden section on {self.criterion}, "
                      f"range [{self.bw_range[0]:.6g}, {self.bw_range[1]:.6g}]")
        lines = [
            f"GWR (n = {self.n}, covariates = {self.k} with intercept)",
            f"Kernel: {kind} {self.kernel}, bandwidth {self.bw:.6g} ({search})",
            "",
            self.diagnostics().to_string(float_format=lambda v: f"{v:.3f}"),
            "",
            (f"Adj. alpha (95%): {self.adj_alpha:.3f}, "
             f"adj. critical t (95%): {self.critical_t:.3f}"),
            "",
        ]
        lines += _describe_params(self.params, self.significant)
        return "\n".join(lines)


def _validate_given_bw(bw: float, n: int, fixed: bool) -> float:
    if not np.isfinite(bw) or bw <= 0:
        raise ValueError(f"bw must be a positive finite number, got {bw!r}.")
    if not fixed and bw > n:
        raise ValueError(
            f"An adaptive bandwidth counts neighbours and cannot exceed n = {n}, got {bw}."
        )
    return float(bw)


def _check_enp(enp: float, n: int, searched: bool) -> None:
    """Raise (searched bandwidth) or warn (given bandwidth) when AICc is undefined."""
    if enp < n - 2:
        return
    message = (
        f"The fit has trace(S) = {enp:.2f} >= n - 2 = {n - 2}, so it interpolates the data "
        "and its AICc is undefined."
    )
    if searched:
        raise ValueError(message + " Raise bw_min and search again.")
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def fit_gwr(
    y: Any,
    X: Any,
    coords: Any,
    *,
    bw: float | None = None,
    kernel: str = "bisquare",
    fixed: bool = False,
    criterion: str = "AICc",
    bw_min: float | None = None,
    bw_max: float | None = None,
    standardise: bool = False,
    names: Sequence[str] | None = None,
    spherical: bool = False,
) -> GWRFit:
    """Select a GWR bandwidth by golden-section search and fit the model with mgwr.

    Parameters
    ----------
    y : array-like of shape (n,) or (n, 1)
        Dependent variable.
    X : array-like of shape (n, k)
        Regressors without the intercept; mgwr adds it.
    coords : array-like of shape (n, 2)
        Projected coordinates (metres or km), or longitude/latitude with `spherical`.
    bw : float, optional
        Bandwidth to use without a search (for example a published one).
    kernel : {"bisquare", "gaussian", "exponential"}
        Kernel name.
    fixed : bool
        True for a fixed (distance) bandwidth, False for an adaptive one.
    criterion : {"AICc", "AIC", "BIC", "CV"}
        Bandwidth selection criterion.
    bw_min, bw_max : float, optional
        Search range. Each missing bound comes from `bandwidth_range`. A given bw_min
        below k + 2 is passed on unchanged (the mgwr Georgia notebook uses 2).
    standardise : bool
        If True, standardise y and X with `standardize` before fitting.
    names : sequence of str, optional
        Covariate names; default the columns of X, else ``x1 ... xk``.
    spherical : bool
        True if `coords` are longitude and latitude in degrees.

    Returns
    -------
    GWRFit

    Raises
    ------
    ValueError
        If inputs are invalid, coords look like degrees without `spherical`, the search
        range is empty, or the selected fit interpolates the data (trace(S) >= n - 2).

    Notes
    -----
    The golden-section result depends on the start of the range. On the Georgia example of
    the mgwr notebooks, the search over ``[2, 159]`` returns 117 and the search over this
    helper's default ``[5, 159]`` returns 116. The AICc curve is flat there, and 116 has
    the slightly lower AICc (298.986 against 299.051).
    """
    _check_kernel(kernel, criterion)
    y_arr, X_arr, names, y_name, index = _prepare_design(y, X, names)
    n, k = X_arr.shape
    xy = _prepare_coords(coords, n, spherical)
    if standardise:
        y_arr, X_arr = _standardise_arrays(y_arr, X_arr, y_name, names)

    selector = None
    bw_range = None
    if bw is None:
        bw_range = _resolve_range(bw_min, bw_max, n, k, kernel, fixed, xy, spherical)
        selector = Sel_BW(xy, y_arr, X_arr, kernel=kernel, fixed=fixed, spherical=spherical)
        bw = float(selector.search(criterion=criterion, bw_min=bw_range[0],
                                   bw_max=bw_range[1]))
    else:
        bw = _validate_given_bw(bw, n, fixed)

    model = GWR(xy, y_arr, X_arr, bw, kernel=kernel, fixed=fixed, spherical=spherical,
                name_x=names)
    results = model.fit()
    _check_enp(float(results.ENP), n, searched=selector is not None)
    return _gwr_fit_from_results(results, selector, criterion, bw_range, names, index)


def _resolve_range(
    bw_min: float | None,
    bw_max: float | None,
    n: int,
    k: int,
    kernel: str,
    fixed: bool,
    xy: np.ndarray,
    spherical: bool,
) -> tuple[float, float]:
    """Fill missing search bounds from `bandwidth_range` and check the range."""
    default_min, default_max = bandwidth_range(n, k, kernel=kernel, fixed=fixed, coords=xy,
                                               spherical=spherical)
    low = default_min if bw_min is None else float(bw_min)
    high = default_max if bw_max is None else float(bw_max)
    if not low < high:
        raise ValueError(f"The search range needs bw_min < bw_max, got [{low}, {high}].")
    if not fixed and high > n:
        raise ValueError(
            f"An adaptive bw_max counts neighbours and cannot exceed n = {n}, got {high}."
        )
    return low, high


def _gwr_fit_from_results(
    results: Any,
    selector: Any,
    criterion: str,
    bw_range: tuple[float, float] | None,
    names: list[str],
    index: pd.Index,
) -> GWRFit:
    columns = ["Intercept", *names]
    critical_t = float(results.critical_tval())
    fields = _shared_fields(results, selector, columns, index, critical_t)
    return GWRFit(
        bw=float(results.model.bw),
        criterion=criterion if selector is not None else None,
        bw_range=bw_range,
        enp=float(results.ENP),
        adj_alpha=float(results.adj_alpha[1]),
        **fields,
    )


# ---------------------------------------------------------------------------------------
# MGWR
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MGWRFit(_LocalFit):
    """Results of one MGWR fit, with the global OLS model beside it.

    Attributes
    ----------
    bws : pandas.Series
        Bandwidth of each covariate, intercept first.
    bw_intervals : pandas.DataFrame
        95 % bandwidth intervals (columns ``lower``, ``upper``) from Akaike weights of the
        last backfitting search (Li et al. 2020), mgwr's ``get_bws_intervals``.
    bw_range : pandas.DataFrame
        Search range of each covariate (columns ``bw_min``, ``bw_max``).
    init_bw : float
        GWR bandwidth that started the backfitting.
    kernel, fixed, criterion, n, k
        As in `GWRFit`.
    params, bse, tvalues : pandas.DataFrame
        Local estimates, standard errors and t-values.
    enp_j : pandas.Series
        Effective number of parameters of each covariate surface.
    adj_alpha_j : pandas.Series
        Corrected 5 % level ``0.05 / enp_j`` per covariate.
    critical_t : pandas.Series
        Two-sided critical t per covariate for `adj_alpha_j`, mgwr's ``critical_tval()``.
    filtered_tvalues, significant : pandas.DataFrame
        As in `GWRFit`, with the critical t of each covariate.
    aicc, aic, bic, r2, adj_r2, rss, enp : float
        Model diagnostics; `enp` is the sum of `enp_j`.
    ols_params, ols_aicc, ols_aic, ols_bic, ols_r2, ols_adj_r2, ols_rss
        Global OLS model, as in `GWRFit`.
    results : mgwr.gwr.MGWRResults
        The mgwr results object.
    selector : mgwr.sel_bw.Sel_BW
        The multi-bandwidth selector.
    """

    bws: pd.Series
    bw_intervals: pd.DataFrame
    bw_range: pd.DataFrame
    init_bw: float
    kernel: str
    fixed: bool
    criterion: str
    n: int
    k: int
    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    enp_j: pd.Series
    adj_alpha_j: pd.Series
    critical_t: pd.Series
    filtered_tvalues: pd.DataFrame
    significant: pd.DataFrame
    aicc: float
    aic: float
    bic: float
    r2: float
    adj_r2: float
    rss: float
    enp: float
    ols_params: pd.Series
    ols_aicc: float
    ols_aic: float
    ols_bic: float
    ols_r2: float
    ols_adj_r2: float
    ols_rss: float
    results: Any = field(repr=False, compare=False)
    selector: Any = field(repr=False, compare=False)

    def bandwidths(self) -> pd.DataFrame:
        """Return per covariate: bandwidth, interval, ENP_j, adjusted alpha and critical t."""
        return pd.concat(
            [
                self.bws.rename("bw"),
                self.bw_intervals,
                self.enp_j.rename("ENP_j"),
                self.adj_alpha_j.rename("adj_alpha"),
                self.critical_t.rename("critical_t"),
            ],
            axis=1,
        )

    def diagnostics(self) -> pd.DataFrame:
        """Return AICc, AIC, BIC, R2, adjusted R2, RSS and ENP of the global OLS and MGWR."""
        return self._diagnostics_table("MGWR")

    def to_frame(self) -> pd.DataFrame:
        """Return one row per location: estimates, standard errors and t-values."""
        parts = [self.params, self.bse.add_prefix("se_"), self.tvalues.add_prefix("t_")]
        return pd.concat(parts, axis=1)

    def summary(self) -> str:
        """Return a text report: bandwidths, diagnostics beside OLS and local estimates."""
        kind = "Fixed" if self.fixed else "Adaptive"
        lines = [
            f"MGWR (n = {self.n}, covariates = {self.k} with intercept)",
            (f"Kernel: {kind} {self.kernel}, criterion {self.criterion}, "
             f"backfitting started at GWR bandwidth {self.init_bw:.6g}"),
            "",
            self.bandwidths().to_string(float_format=lambda v: f"{v:.3f}"),
            "",
            self.diagnostics().to_string(float_format=lambda v: f"{v:.3f}"),
            "",
        ]
        lines += _describe_params(self.params, self.significant)
        return "\n".join(lines)


def _per_covariate(value: float | Sequence[float] | None, k: int, label: str) -> list:
    """Expand a scalar or a length-k sequence into a list of k values."""
    if value is None or np.isscalar(value):
        return [value] * k
    values = list(value)
    if len(values) == 1:
        return values * k
    if len(values) != k:
        raise ValueError(
            f"{label} needs one value or one per covariate including the intercept ({k}), "
            f"got {len(values)}."
        )
    return values


def fit_mgwr(
    y: Any,
    X: Any,
    coords: Any,
    *,
    kernel: str = "bisquare",
    fixed: bool = False,
    criterion: str = "AICc",
    bw_min: float | Sequence[float] | None = None,
    bw_max: float | Sequence[float] | None = None,
    init_bw: float | None = None,
    standardise: bool = False,
    names: Sequence[str] | None = None,
    spherical: bool = False,
    tol_multi: float = 1.0e-5,
    max_iter_multi: int = 200,
) -> MGWRFit:
    """Select one bandwidth per covariate by backfitting and fit MGWR with mgwr.

    MGWR bandwidths are comparable across covariates only on standardised variables, so
    y and every column of X must have mean 0 and population std 1 (within 1e-4), unless
    `standardise` is True.

    Parameters
    ----------
    y, X, coords, kernel, fixed, criterion, names, spherical
        As in `fit_gwr`.
    bw_min, bw_max : float or sequence of float, optional
        Search range of each covariate's bandwidth, intercept first: one value for all or
        one per covariate. Missing bounds come from ``bandwidth_range(n, 0)`` because each
        backfitting step fits a one-column GWR without intercept. For an adaptive kernel
        the default range is therefore ``[2, n]``, the ``multi_bw_min=[2]`` of the mgwr
        Georgia notebook.
    init_bw : float, optional
        GWR bandwidth that starts the backfitting. By default a GWR search over
        ``bandwidth_range(n, k)`` (as in `fit_gwr`) provides it, because mgwr's own start
        searches its default range, which fails when ``40 + 2 (k + 1) > n``.
    standardise : bool
        If True, standardise y and X with `standardize` first.
    tol_multi : float
        Convergence tolerance of the backfitting (mgwr's ``tol_multi``).
    max_iter_multi : int
        Maximum number of backfitting iterations.

    Returns
    -------
    MGWRFit

    Raises
    ------
    ValueError
        If the variables are not standardised and `standardise` is False, or for the
        errors listed in `fit_gwr`.

    Notes
    -----
    mgwr prints tqdm progress bars during backfitting and inference.
    """
    _check_kernel(kernel, criterion)
    y_arr, X_arr, names, y_name, index = _prepare_design(y, X, names)
    n, k = X_arr.shape
    xy = _prepare_coords(coords, n, spherical)
    if standardise:
        y_arr, X_arr = _standardise_arrays(y_arr, X_arr, y_name, names)
    _require_standardised(y_arr, X_arr, y_name, names)

    columns = ["Intercept", *names]
    ranges = _resolve_multi_ranges(bw_min, bw_max, n, len(columns), kernel, fixed, xy,
                                   spherical)
    if init_bw is None:
        init_range = _resolve_range(None, None, n, k, kernel, fixed, xy, spherical)
        init_selector = Sel_BW(xy, y_arr, X_arr, kernel=kernel, fixed=fixed,
                               spherical=spherical)
        init_bw = float(init_selector.search(criterion=criterion, bw_min=init_range[0],
                                             bw_max=init_range[1]))

    selector = Sel_BW(xy, y_arr, X_arr, kernel=kernel, fixed=fixed, multi=True,
                      spherical=spherical)
    selector.search(
        criterion=criterion,
        multi_bw_min=[low for low, _ in ranges],
        multi_bw_max=[high for _, high in ranges],
        init_multi=float(init_bw),
        tol_multi=tol_multi,
        max_iter_multi=max_iter_multi,
    )
    model = MGWR(xy, y_arr, X_arr, selector, kernel=kernel, fixed=fixed, spherical=spherical,
                 name_x=names)
    results = model.fit()
    return _mgwr_fit_from_results(results, selector, criterion, ranges, float(init_bw),
                                  columns, index)


def _require_standardised(y: np.ndarray, X: np.ndarray, y_name: str, names: list[str]) -> None:
    ok = _is_standardised(np.hstack([y, X]))
    bad = [name for name, good in zip([y_name, *names], ok) if not good]
    if bad:
        raise ValueError(
            f"MGWR needs standardised variables, but {bad} do not have mean 0 and population "
            f"std 1 (tolerance {STANDARDISED_ATOL}). Pass standardise=True or apply "
            "standardize() (ddof=0) to y and X."
        )


def _resolve_multi_ranges(
    bw_min: float | Sequence[float] | None,
    bw_max: float | Sequence[float] | None,
    n: int,
    n_columns: int,
    kernel: str,
    fixed: bool,
    xy: np.ndarray,
    spherical: bool,
) -> list[tuple[float, float]]:
    """Return one checked (bw_min, bw_max) per covariate, intercept first."""
    lows = _per_covariate(bw_min, n_columns, "bw_min")
    highs = _per_covariate(bw_max, n_columns, "bw_max")
    return [
        _resolve_range(low, high, n, 0, kernel, fixed, xy, spherical)
        for low, high in zip(lows, highs)
    ]


def _mgwr_fit_from_results(
    results: Any,
    selector: Any,
    criterion: str,
    ranges: list[tuple[float, float]],
    init_bw: float,
    columns: list[str],
    index: pd.Index,
) -> MGWRFit:
    critical_t = pd.Series(np.asarray(results.critical_tval(), dtype=float), index=columns)
    intervals = pd.DataFrame(
        [(float(low), float(high)) for low, high in results.get_bws_intervals(selector)],
        index=columns,
        columns=["lower", "upper"],
    )
    fields = _shared_fields(results, selector, columns, index, critical_t)
    return MGWRFit(
        bws=pd.Series(np.asarray(results.model.bws, dtype=float), index=columns),
        bw_intervals=intervals,
        bw_range=pd.DataFrame(ranges, index=columns, columns=["bw_min", "bw_max"]),
        init_bw=init_bw,
        criterion=criterion,
        enp_j=pd.Series(np.asarray(results.ENP_j, dtype=float), index=columns),
        adj_alpha_j=pd.Series(np.asarray(results.adj_alpha_j)[:, 1], index=columns),
        enp=float(results.tr_S),
        **fields,
    )


# ---------------------------------------------------------------------------------------
# Monte Carlo test of spatial variability
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NonstationarityTest:
    """Monte Carlo test of spatial variability of each coefficient surface.

    Attributes
    ----------
    p_values : pandas.Series
        Share of coordinate permutations whose surface has a larger standard deviation
        than the observed one, per covariate.
    observed_std : pandas.Series
        Standard deviation (ddof=0) of each observed surface.
    n_iters : int
        Number of permutations.
    seed : int
        Seed passed to mgwr.
    """

    p_values: pd.Series
    observed_std: pd.Series
    n_iters: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """Return the observed standard deviation and the p-value of each covariate."""
        return pd.concat(
            [self.observed_std.rename("std"), self.p_values.rename("p_value")], axis=1
        )

    def summary(self) -> str:
        """Return the p-values as text with the number of permutations."""
        header = f"Monte Carlo test of spatial variability ({self.n_iters} permutations)"
        return header + "\n" + self.to_frame().to_string(float_format=lambda v: f"{v:.4f}")


def monte_carlo_nonstationarity(
    fit: GWRFit | MGWRFit, *, n_iters: int = 1000, seed: int = 0
) -> NonstationarityTest:
    """Test whether each coefficient surface varies more than under random locations.

    mgwr's ``spatial_variability`` permutes the coordinates `n_iters` times, repeats the
    bandwidth search and the fit with the stored search settings, and compares the standard
    deviation of each permuted surface with the observed one.

    Parameters
    ----------
    fit : GWRFit or MGWRFit
        A fit whose bandwidth was searched, so that it contains a selector.
    n_iters : int
        Number of permutations. Each one repeats the full bandwidth search.
    seed : int
        Seed for the permutations.

    Returns
    -------
    NonstationarityTest

    Raises
    ------
    TypeError
        If `fit` is not a `GWRFit` or `MGWRFit`.
    ValueError
        If the fit used a given bandwidth (no selector) or `n_iters` < 1.

    Notes
    -----
    The p-value is ``count(sd_perm > sd_obs) / n_iters`` as in mgwr 2.2, without the usual
    ``+1`` in numerator and denominator, so it can be 0.
    """
    if not isinstance(fit, (GWRFit, MGWRFit)):
        raise TypeError(f"fit must be a GWRFit or MGWRFit, got {type(fit).__name__}.")
    if fit.selector is None:
        raise ValueError(
            "The test repeats the bandwidth search, but this fit used a given bw. "
            "Refit with bw=None."
        )
    if isinstance(n_iters, bool) or not isinstance(n_iters, (int, np.integer)) or n_iters < 1:
        raise ValueError(f"n_iters must be a positive integer, got {n_iters!r}.")

    selector = copy.deepcopy(fit.selector)
    if isinstance(fit, MGWRFit):
        # mgwr stores only the single-bandwidth settings in search_params, so the permuted
        # MGWR searches would fall back to mgwr's default ranges without these entries.
        # NOTE: the permuted fits start backfitting from the observed init_bw instead of
        # searching a GWR bandwidth of their own.
        selector.search_params.update(
            multi_bw_min=list(fit.bw_range["bw_min"]),
            multi_bw_max=list(fit.bw_range["bw_max"]),
            init_multi=fit.init_bw,
            tol_multi=selector.tol_multi,
            max_iter_multi=selector.max_iter_multi,
        )

    # NOTE: mgwr seeds numpy's global RNG (np.random.seed), so this call resets it.
    p_values = fit.results.spatial_variability(selector, n_iters=int(n_iters), seed=int(seed))
    columns = list(fit.params.columns)
    return NonstationarityTest(
        p_values=pd.Series(np.asarray(p_values, dtype=float), index=columns),
        observed_std=fit.params.std(ddof=0),
        n_iters=int(n_iters),
        seed=int(seed),
    )
