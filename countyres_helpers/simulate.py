"""Simulated county panels with known parameters, for checking the estimators.

Every frame that this module returns is SIMULATED. It has a column ``simulated`` that
is True in every row, and ``frame.attrs["simulated"]`` is True, so that a chapter can
label it.

:func:`simulate_panel` draws an annual spatial Durbin panel with county and year fixed
effects,

    y_t = rho W y_t + X_t beta + W X_t theta + b M_t + alpha + tau_t + e_t,

and solves it year by year as y_t = (I - rho W)^-1 (...) with one sparse LU
factorisation of I - rho W. Optional parts are region-specific slopes of the
e-commerce regressor and a mediator M_t = a x_t + u_t. :func:`simulate_gwr_surface`
draws a cross-section whose coefficients are smooth surfaces of the coordinates, and
:func:`recovery_study` fits the two-way fixed-effects SDM to many simulated panels and
reports bias, RMSE and interval coverage.

References
----------
LeSage, J. and Pace, R. K. (2009). Introduction to Spatial Econometrics. CRC Press,
sections 2.7 and 4.2 (average direct, indirect and total impacts).
Elhorst, J. P. (2014). Spatial Econometrics: From Cross-Sectional Data to Spatial
Panels. Springer, ch. 3 (fixed-effects spatial panels).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import libpysal
import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.linalg import splu

from countyres_helpers.regression import as_weights, impacts
from countyres_helpers.spatial_panel import fit_panel_sdm, panel_arrays
from countyres_helpers.weights import Weights

__all__ = [
    "DEFAULT_REGION_EFFECTS",
    "ECOMMERCE",
    "INDICATORS",
    "PER_CAPITA",
    "RecoveryStudy",
    "SimulatedPanel",
    "SimulatedSurface",
    "lattice_weights",
    "recovery_study",
    "simulate_gwr_surface",
    "simulate_panel",
    "true_impacts",
]

# Name of the first regressor, whose slope can differ by region and which drives the
# mediator. The other regressors are named control1, control2, ...
ECOMMERCE = "ecommerce"

# Slope of the e-commerce regressor by region, ordered as the study claims
# (east > central > west), with the northeast between central and west.
DEFAULT_REGION_EFFECTS = {"east": 0.6, "central": 0.4, "west": 0.2, "northeast": 0.3}

# Data-generating constants. Each regressor is x_itk = X_COUNTY_LOADING g_ik +
# X_TREND (t - t0) + v_itk with v_itk ~ N(0, 1). The county component g_k is spatially
# smoothed, g_k = (I - X_SPATIAL_RHO W)^-1 z_k standardised, so e-commerce clusters in
# space. The county effect alpha_i = ALPHA_LOADING g_i1 + N(0, ALPHA_SD^2) is
# correlated with e-commerce, which is why pooled OLS is biased and fixed effects are
# needed. Year effects are tau_t ~ N(0, TAU_SD^2).
X_COUNTY_LOADING = 0.8
X_TREND = 0.15
X_SPATIAL_RHO = 0.5
ALPHA_LOADING = 0.5
ALPHA_SD = 0.5
TAU_SD = 0.5
MEDIATOR_SD = 1.0

# Indicator columns of the user template (countyres_helpers/data/tables/panel_columns.csv)
# in its units: (column, source, intercept, slope, unit, is_count). Each is
# exp(intercept + slope * source), a strictly increasing transform of one simulated
# column, rounded to whole numbers for counts (so non-decreasing there). The source
# "control" is the last regressor, or the e-commerce regressor when there is no control.
# The intercepts put a county with source 0 near typical county magnitudes, for example
# online retail sales of about 50,000 (10k yuan) and 40 (10k persons) residents.
INDICATORS = (
    ("online_retail_sales", ECOMMERCE, 10.8, 0.8, "10k yuan", False),
    ("ecommerce_firms", ECOMMERCE, 5.3, 0.7, "enterprises", True),
    ("express_deliveries", ECOMMERCE, 6.9, 0.9, "10k pieces", False),
    ("broadband_users", ECOMMERCE, 2.3, 0.4, "10k households", False),
    ("internet_users", ECOMMERCE, 3.2, 0.35, "10k persons", False),
    ("gdp", "y", 14.5, 0.3, "10k yuan", False),
    ("fiscal_revenue", "y", 11.5, 0.35, "10k yuan", False),
    ("retail_sales", "y", 13.6, 0.3, "10k yuan", False),
    ("employment", "control", 12.2, 0.3, "persons", False),
    ("population", "control", 3.7, 0.2, "10k persons", False),
    ("rd_expenditure", "control", 9.9, 0.5, "10k yuan", False),
    ("patents", "control", 5.7, 0.5, "pieces", True),
)

# gdp_per_capita (yuan) is gdp / population, because 10k yuan per 10k persons is yuan
# per person, so the three columns stay consistent.
PER_CAPITA = ("gdp_per_capita", "gdp", "population", "yuan")

# Largest number of units for which the true impacts invert the dense n x n matrix
# I - rho W. That took 1 to 3 s for 2,800 units on a shared 2-core machine, and the
# memory grows as 8 n^2 bytes.
TRUE_IMPACTS_MAX_N = 6000

# Row sums of a row-standardised W must be 1 (or 0 for an island) within this tolerance.
ROW_SUM_ATOL = 1e-8


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def as_row_standardised(w):
    """Return ``w`` as a row-standardised ``libpysal.weights.W``.

    Parameters
    ----------
    w : libpysal.weights.W, libpysal.graph.Graph or countyres_helpers.weights.Weights

    Returns
    -------
    libpysal.weights.W

    Raises
    ------
    TypeError
        If ``w`` is not one of the accepted types.
    ValueError
        If a row of W sums to neither 1 nor 0. Row-standardisation keeps the
        spectral radius at most 1, so any |rho| < 1 gives an invertible I - rho W.
    """
    if isinstance(w, Weights):
        w = w.w
    w = as_weights(w)
    row_sums = np.asarray(w.sparse.sum(axis=1)).ravel()
    valid = np.isclose(row_sums, 1.0, atol=ROW_SUM_ATOL) | np.isclose(
        row_sums, 0.0, atol=ROW_SUM_ATOL
    )
    if not valid.all():
        first = int(np.flatnonzero(~valid)[0])
        raise ValueError(
            f"w must be row-standardised, but row {first} ({w.id_order[first]!r}) sums "
            f"to {row_sums[first]:.6g}. Set w.transform = 'r' first."
        )
    return w


def check_rho(rho):
    """Return ``rho`` as a float after checking that it lies in (-1, 1)."""
    rho = float(rho)
    if not -1.0 < rho < 1.0:
        raise ValueError(
            f"rho must lie in (-1, 1) for a row-standardised W, got {rho}, because "
            "with |rho| >= 1 the matrix I - rho W can be singular."
        )
    return rho


def check_coefficients(beta, theta):
    """Return beta and theta as float arrays of the same length k >= 1."""
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if beta.ndim != 1 or beta.size == 0:
        raise ValueError(f"beta must be a non-empty sequence of numbers, got {beta!r}.")
    if theta.shape != beta.shape:
        raise ValueError(
            f"theta has {theta.size} entries but beta has {beta.size}. Give one W X "
            "coefficient per regressor (0.0 for none)."
        )
    if not (np.isfinite(beta).all() and np.isfinite(theta).all()):
        raise ValueError("beta and theta must be finite numbers.")
    return beta, theta


def check_years(years):
    """Return the years as a sorted integer array of at least 2 distinct values."""
    years = np.asarray(list(years))
    if years.size < 2 or np.unique(years).size != years.size:
        raise ValueError(
            f"years must contain at least 2 distinct years, got {years.tolist()}."
        )
    if not np.issubdtype(years.dtype, np.integer):
        raise TypeError(f"years must be integers, got dtype {years.dtype}.")
    return np.sort(years)


def check_codes(codes, w):
    """Return the county codes in ``w.id_order``: ``codes`` if given, else the W ids."""
    if codes is None:
        return list(w.id_order)
    codes = list(codes)
    if len(codes) != w.n:
        raise ValueError(f"codes has {len(codes)} entries but w has {w.n} units.")
    if len(set(codes)) != len(codes):
        raise ValueError("codes contains duplicates. Give one code per unit of w.")
    return codes


def check_mediator(mediator):
    """Return the mediator paths (a, b) as floats, or None."""
    if mediator is None:
        return None
    values = tuple(float(v) for v in mediator)
    if len(values) != 2 or not np.isfinite(values).all():
        raise ValueError(
            f"mediator must be a pair (a, b) of finite numbers, got {mediator!r}."
        )
    return values


def region_slopes(region, region_effects, codes, base):
    """Return the region label and the e-commerce slope of each unit.

    Parameters
    ----------
    region : pandas.Series or None
        Region label by county code.
    region_effects : dict or None
        Slope by region label. Defaults to :data:`DEFAULT_REGION_EFFECTS`.
    codes : list
        Codes in the order of the units.
    base : float
        The common slope, used when ``region`` is None.

    Returns
    -------
    labels : numpy.ndarray or None
    slopes : numpy.ndarray
        Shape (n,).

    Raises
    ------
    ValueError
        If ``region_effects`` is given without ``region``, a code has no region, or a
        region has no slope.
    """
    if region is None:
        if region_effects is not None:
            raise ValueError("region_effects needs region, the region label of each code.")
        return None, np.full(len(codes), base)
    if not isinstance(region, pd.Series):
        raise TypeError(f"region must be a pandas Series indexed by code, got {type(region)}.")
    effects = DEFAULT_REGION_EFFECTS if region_effects is None else dict(region_effects)

    labels = region.reindex(codes)
    missing = [c for c, v in zip(codes, labels) if pd.isna(v)]
    if missing:
        raise ValueError(
            f"region has no label for {len(missing)} codes (first {missing[:5]}). "
            "Give a region for every unit of w."
        )
    unknown = sorted(set(labels) - set(effects), key=str)
    if unknown:
        raise ValueError(
            f"region_effects has no slope for regions {unknown}, only for {sorted(effects)}."
        )
    labels = labels.to_numpy()
    return labels, np.array([float(effects[v]) for v in labels])


# ---------------------------------------------------------------------------------------
# True impacts
# ---------------------------------------------------------------------------------------


def true_impacts(w, rho, beta, theta, *, names=None):
    """Compute the average direct, indirect and total impacts of an SDM at known values.

    For regressor k, S_k = (I - rho W)^-1 (diag(beta_k) + theta_k W). The average
    direct impact is tr(S_k) / n, the total impact 1' S_k 1 / n and the indirect impact
    their difference (LeSage and Pace 2009). A slope that differs across units (for
    example by region) enters as the diagonal matrix diag(beta_k). With a common slope
    this is the usual beta_k tr(S)/n + theta_k tr(S W)/n.

    Parameters
    ----------
    w : libpysal.weights.W, libpysal.graph.Graph or Weights
        Row-standardised weights.
    rho : float
        Spatial lag parameter, |rho| < 1.
    beta : sequence
        Slope of each regressor: a number, or an array with one slope per unit in
        ``w.id_order``.
    theta : sequence of float
        Coefficient of each W x.
    names : sequence of str, optional
        Regressor names. Defaults to ``x1 ... xk``.

    Returns
    -------
    pandas.DataFrame
        Index ``variable``, columns ``direct``, ``indirect`` and ``total``.

    Raises
    ------
    ValueError
        If W has more than :data:`TRUE_IMPACTS_MAX_N` units, rho is outside (-1, 1),
        or the lengths do not match.

    Notes
    -----
    The diagonal of (I - rho W)^-1 needs the dense inverse, which took 1 to 3 s for
    2,800 units on a shared 2-core machine.
    """
    w = as_row_standardised(w)
    rho = check_rho(rho)
    if w.n > TRUE_IMPACTS_MAX_N:
        raise ValueError(
            f"w has {w.n} units, but the true impacts invert a dense matrix and are "
            f"limited to {TRUE_IMPACTS_MAX_N} units."
        )
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if len(beta) != theta.size:
        raise ValueError(f"beta has {len(beta)} entries but theta has {theta.size}.")
    names = [f"x{j + 1}" for j in range(theta.size)] if names is None else list(names)
    if len(names) != theta.size:
        raise ValueError(f"names has {len(names)} entries for {theta.size} regressors.")

    W = w.sparse.tocsr()
    n = w.n
    S = np.linalg.inv(np.eye(n) - rho * W.toarray())
    diag_s = np.diag(S)
    diag_sw = np.asarray(W.T.multiply(S).sum(axis=1)).ravel()
    col_s = S.sum(axis=0)
    total_sw = col_s @ np.asarray(W.sum(axis=1)).ravel()

    rows = []
    for slope, lag in zip(beta, theta):
        slope = np.broadcast_to(np.asarray(slope, dtype=float), (n,))
        direct = (diag_s @ slope + lag * diag_sw.sum()) / n
        total = (col_s @ slope + lag * total_sw) / n
        rows.append((direct, total - direct, total))
    return pd.DataFrame(
        rows, index=pd.Index(names, name="variable"), columns=["direct", "indirect", "total"]
    )


# ---------------------------------------------------------------------------------------
# Simulated panel
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """A SIMULATED county panel and the parameters that generated it.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per county and year: ``code``, ``name``, ``year``, ``region`` (if
        regions were given), ``y``, the regressors, ``mediator`` (if a mediator was
        given), the indicator columns of :data:`INDICATORS` and :data:`PER_CAPITA`, and
        ``simulated`` (True).
        ``frame.attrs["simulated"]`` is True.
    truth : dict
        True values by name. Coefficient names match :class:`SpatialFit` names:
        ``rho``, each regressor, ``W_<regressor>`` and ``mediator``. Impacts are
        ``direct_<x>``, ``indirect_<x>`` and ``total_<x>``. With regions,
        ``slope_<region>`` contains each region's slope. With a mediator, ``a``, ``b``,
        ``ab``, ``c_prime`` and ``c`` hold the non-spatial mediation paths.
    attrs : dict
        ``simulated`` (True), ``seed``, ``n_units``, ``years`` and ``sigma``.
    x_names : tuple of str
        Regressors, the e-commerce regressor first.
    units : tuple
        County codes in the order of the weights, for :func:`panel_arrays`.
    descriptions : dict
        One sentence per entry of ``truth``.
    """

    frame: pd.DataFrame
    truth: dict
    attrs: dict
    x_names: tuple
    units: tuple
    descriptions: dict = field(default_factory=dict, repr=False)

    def panel_arrays(self, x=None):
        """Return y and X stacked time-major for the fixed-effects panel fits.

        Parameters
        ----------
        x : sequence of str, optional
            Regressor columns. Defaults to :attr:`x_names`.

        Returns
        -------
        y : numpy.ndarray
        X : pandas.DataFrame
        """
        x = list(self.x_names) if x is None else list(x)
        return panel_arrays(
            self.frame, unit="code", time="year", y="y", x=x, units=self.units
        )

    def to_frame(self):
        """Return the true parameters with a column ``value`` and a ``description``."""
        return pd.DataFrame(
            {
                "value": list(self.truth.values()),
                "description": [self.descriptions.get(k, "") for k in self.truth],
            },
            index=pd.Index(list(self.truth), name="parameter"),
        )

    def summary(self):
        """Return a text report: the panel size and the true parameters."""
        years = self.attrs["years"]
        head = (
            f"SIMULATED panel (seed {self.attrs['seed']}): {self.attrs['n_units']} units "
            f"x {len(years)} years ({years[0]}-{years[-1]}), sigma = {self.attrs['sigma']}"
        )
        table = self.to_frame()["value"].to_string(float_format=lambda v: f"{v:.6g}")
        return head + "\n" + table


def regressor_names(k):
    """Return the regressor names: ``ecommerce`` then ``control1 ... control{k-1}``."""
    return (ECOMMERCE, *(f"control{j}" for j in range(1, k)))


def smooth_county_component(rng, W, k):
    """Draw k spatially smoothed county components, each standardised to mean 0, sd 1."""
    n = W.shape[0]
    z = rng.standard_normal((n, k))
    lu = splu(sparse.identity(n, format="csc") - X_SPATIAL_RHO * W.tocsc())
    g = lu.solve(z)
    return (g - g.mean(axis=0)) / g.std(axis=0)


def draw_regressors(rng, g, t):
    """Draw X with shape (t, n, k) from the county components g of shape (n, k)."""
    trend = X_TREND * np.arange(t)[:, None, None]
    return X_COUNTY_LOADING * g[None, :, :] + trend + rng.standard_normal((t, *g.shape))


def indicator_columns(values):
    """Compute the indicator columns of :data:`INDICATORS` from the simulated columns.

    Parameters
    ----------
    values : dict
        Arrays by source name: ``ecommerce``, ``control`` and ``y``.

    Returns
    -------
    dict
        Column name to array in the order of the user template, each an increasing
        transform of its source, plus ``gdp_per_capita`` = gdp / population.
    """
    columns = {}
    for column, source, intercept, slope, _, is_count in INDICATORS:
        level = np.exp(intercept + slope * values[source])
        columns[column] = np.round(level) if is_count else level
    per_capita, numerator, denominator, _ = PER_CAPITA
    columns[per_capita] = columns[numerator] / columns[denominator]

    order = [row[0] for row in INDICATORS]
    order.insert(order.index(numerator) + 1, per_capita)
    return {name: columns[name] for name in order}


def simulate_panel(
    w,
    *,
    years=range(2010, 2021),
    rho=0.3,
    beta=(0.5, -0.2),
    theta=(0.2, 0.0),
    region=None,
    region_effects=None,
    mediator=None,
    sigma=1.0,
    seed=0,
    codes=None,
):
    """Draw a SIMULATED annual county panel from a two-way fixed-effects SDM.

    The outcome is y_t = rho W y_t + X_t beta + W X_t theta + b M_t + alpha + tau_t +
    e_t with e_t ~ N(0, sigma^2 I), solved as y_t = (I - rho W)^-1 (...) with one
    sparse LU factorisation reused for all years.

    Parameters
    ----------
    w : libpysal.weights.W, libpysal.graph.Graph or countyres_helpers.weights.Weights
        Row-standardised weights whose ids are the county codes, for example
        ``contiguity_weights(counties).w``.
    years : iterable of int
        Years of the panel, at least 2.
    rho : float
        Spatial lag parameter, |rho| < 1.
    beta, theta : sequence of float
        Coefficients of X and W X. The first regressor is ``ecommerce``, the others
        ``control1``, ``control2`` and so on.
    region : pandas.Series, optional
        Region label by county code. With it, the slope of ``ecommerce`` is
        ``region_effects[region]`` in place of ``beta[0]``.
    region_effects : dict, optional
        Slope by region. Defaults to :data:`DEFAULT_REGION_EFFECTS`.
    mediator : tuple of float, optional
        Paths (a, b): M_t = a x_t + u_t with u_t ~ N(0, 1) and x_t the e-commerce
        regressor, and y gets b M_t, so that c' is the e-commerce slope.
    sigma : float
        Standard deviation of e.
    seed : int
        Seed of the random draws. Separate streams drive X, e and the mediator, so a
        mediator does not change X or e for the same seed.
    codes : sequence, optional
        County codes in ``w.id_order``. Defaults to the ids of ``w``.

    Returns
    -------
    SimulatedPanel

    Raises
    ------
    ValueError
        If W is not row-standardised, rho is outside (-1, 1), sigma is not positive,
        or the coefficients, years, codes, regions or mediator are invalid.

    Notes
    -----
    The ``truth`` impacts refer to the outcome equation as written, with M among the
    regressors. An SDM fitted on X without M estimates beta_1 + a b as the slope of
    ``ecommerce``. With regions, ``truth["ecommerce"]`` is the mean slope over units.
    NOTE: a pooled fit with one slope targets that mean only approximately.
    """
    w = as_row_standardised(w)
    rho = check_rho(rho)
    beta, theta = check_coefficients(beta, theta)
    years = check_years(years)
    codes = check_codes(codes, w)
    paths = check_mediator(mediator)
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    labels, slopes = region_slopes(region, region_effects, codes, beta[0])

    n, t, k = w.n, years.size, beta.size
    W = w.sparse.tocsr()
    rng_county, rng_x, rng_e, rng_m = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    g = smooth_county_component(rng_county, W, k)
    alpha = ALPHA_LOADING * g[:, 0] + rng_county.normal(0.0, ALPHA_SD, n)
    tau = rng_county.normal(0.0, TAU_SD, t)
    X = draw_regressors(rng_x, g, t)
    e = rng_e.normal(0.0, sigma, (t, n))

    WX = np.stack([W @ X[s] for s in range(t)])
    rhs = X[:, :, 0] * slopes + X[:, :, 1:] @ beta[1:] + WX @ theta
    rhs = rhs + alpha[None, :] + tau[:, None] + e
    m = None
    if paths is not None:
        m = paths[0] * X[:, :, 0] + rng_m.normal(0.0, MEDIATOR_SD, (t, n))
        rhs = rhs + paths[1] * m

    lu = splu(sparse.identity(n, format="csc") - rho * W.tocsc())
    y = lu.solve(rhs.T).T

    x_names = regressor_names(k)
    frame = panel_frame(codes, years, labels, y, X, x_names, m)
    truth, descriptions = panel_truth(w, rho, beta, theta, slopes, labels, paths, sigma)
    attrs = {
        "simulated": True,
        "seed": seed,
        "n_units": n,
        "years": years.tolist(),
        "sigma": float(sigma),
    }
    frame.attrs.update(attrs)
    return SimulatedPanel(
        frame=frame,
        truth=truth,
        attrs=attrs,
        x_names=x_names,
        units=tuple(codes),
        descriptions=descriptions,
    )


def panel_frame(codes, years, labels, y, X, x_names, m):
    """Assemble the long panel frame, county-major, from arrays of shape (t, n)."""
    t, n = y.shape
    frame = pd.DataFrame(
        {
            "code": np.tile(np.asarray(codes, dtype=object), t),
            "name": np.tile([f"Simulated county {c}" for c in codes], t),
            "year": np.repeat(years, n),
        }
    )
    if labels is not None:
        frame["region"] = np.tile(labels, t)
    frame["y"] = y.ravel()
    for j, name in enumerate(x_names):
        frame[name] = X[:, :, j].ravel()
    if m is not None:
        frame["mediator"] = m.ravel()

    sources = {ECOMMERCE: X[:, :, 0], "control": X[:, :, -1], "y": y}
    for column, values in indicator_columns(sources).items():
        frame[column] = values.ravel()
    frame["simulated"] = True

    position = np.tile(np.arange(n), t)
    order = np.lexsort((frame["year"].to_numpy(), position))
    return frame.iloc[order].reset_index(drop=True)


def panel_truth(w, rho, beta, theta, slopes, labels, paths, sigma):
    """Collect the true parameters and impacts of a simulated panel.

    Returns
    -------
    truth : dict
        Parameter name to value.
    descriptions : dict
        Parameter name to a one-sentence description.
    """
    x_names = list(regressor_names(beta.size))
    truth = {"rho": rho}
    text = {"rho": "Spatial lag parameter."}
    truth[ECOMMERCE] = float(slopes.mean())
    text[ECOMMERCE] = "Slope of ecommerce (mean over units if it differs by region)."
    for name, value in zip(x_names[1:], beta[1:]):
        truth[name] = float(value)
        text[name] = f"Slope of {name}."
    for name, value in zip(x_names, theta):
        truth[f"W_{name}"] = float(value)
        text[f"W_{name}"] = f"Coefficient of the spatial lag of {name}."

    unit_betas = [slopes, *beta[1:]]
    lags = list(theta)
    names = list(x_names)
    if paths is not None:
        a, b = paths
        truth["mediator"], truth["W_mediator"] = b, 0.0
        text["mediator"] = "Slope of the mediator in the outcome equation (b)."
        text["W_mediator"] = "Coefficient of the spatial lag of the mediator (none)."
        unit_betas.append(b)
        lags.append(0.0)
        names.append("mediator")
    truth["sigma2"] = float(sigma) ** 2
    text["sigma2"] = "Variance of the error e."

    effects = true_impacts(w, rho, unit_betas, lags, names=names)
    for name in names:
        for effect in ("direct", "indirect", "total"):
            truth[f"{effect}_{name}"] = float(effects.loc[name, effect])
            text[f"{effect}_{name}"] = f"Average {effect} impact of {name} (LeSage-Pace)."

    if labels is not None:
        for label in pd.unique(labels):
            truth[f"slope_{label}"] = float(slopes[labels == label][0])
            text[f"slope_{label}"] = f"Slope of ecommerce in region {label}."
    if paths is not None:
        a, b = paths
        mediation_truth = {
            "a": (a, "Path a: slope of ecommerce in the mediator equation."),
            "b": (b, "Path b: slope of the mediator in the outcome equation."),
            "ab": (a * b, "Indirect effect a b through the mediator (non-spatial)."),
            "c_prime": (truth[ECOMMERCE], "Direct effect c' of ecommerce (non-spatial)."),
            "c": (truth[ECOMMERCE] + a * b, "Total effect c = c' + a b (non-spatial)."),
        }
        for name, (value, description) in mediation_truth.items():
            truth[name], text[name] = float(value), description
    return truth, text


def lattice_weights(side):
    """Return row-standardised rook weights on a side x side lattice (libpysal lat2W)."""
    if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 2:
        raise ValueError(f"side must be an integer >= 2, got {side!r}.")
    w = libpysal.weights.lat2W(int(side), int(side), rook=True)
    w.transform = "r"
    return w


# ---------------------------------------------------------------------------------------
# Spatially varying coefficients for GWR
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SimulatedSurface:
    """A SIMULATED cross-section with coefficients that vary smoothly over space.

    Attributes
    ----------
    coords : numpy.ndarray
        Coordinates, shape (n, 2), as given.
    y : pandas.Series
        Outcome ``y = b0 + b1 x1 + b2 x2 + e`` with e ~ N(0, sigma^2).
    X : pandas.DataFrame
        Regressors ``x1`` and ``x2``, independent N(0, 1).
    betas : pandas.DataFrame
        True local coefficients, columns ``Intercept``, ``x1`` and ``x2`` as in
        :attr:`countyres_helpers.gwr.GWRFit.params`.
    sigma : float
    attrs : dict
        ``simulated`` (True) and ``seed``.
    """

    coords: np.ndarray
    y: pd.Series
    X: pd.DataFrame
    betas: pd.DataFrame
    sigma: float
    attrs: dict

    def to_frame(self):
        """Return coordinates, y, X and the true coefficients (``beta_<name>``)."""
        frame = pd.DataFrame(self.coords, columns=["x_coord", "y_coord"])
        frame["y"] = self.y.to_numpy()
        frame = frame.join(self.X.reset_index(drop=True))
        frame = frame.join(self.betas.add_prefix("beta_").reset_index(drop=True))
        frame["simulated"] = True
        frame.attrs.update(self.attrs)
        return frame

    def summary(self):
        """Return the range of each true coefficient surface as text."""
        lines = [f"SIMULATED GWR surface (seed {self.attrs['seed']}), n = {len(self.y)}"]
        for name in self.betas.columns:
            col = self.betas[name]
            lines.append(f"{name}: min {col.min():.3f}, max {col.max():.3f}")
        return "\n".join(lines)


def surface_grid(coords):
    """Rescale each coordinate axis linearly to [0, 24] and return (u, v)."""
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 3:
        raise ValueError(f"coords must have shape (n, 2) with n >= 3, got {xy.shape}.")
    if not np.isfinite(xy).all():
        raise ValueError("coords must be finite. Drop locations without coordinates.")
    span = xy.max(axis=0) - xy.min(axis=0)
    if (span <= 0).any():
        raise ValueError("coords are constant along one axis, but a surface needs 2-D spread.")
    uv = 24.0 * (xy - xy.min(axis=0)) / span
    return uv[:, 0], uv[:, 1]


def simulate_gwr_surface(coords, *, seed=0, sigma=0.5):
    """Draw a SIMULATED cross-section whose coefficients are smooth surfaces.

    Each axis of ``coords`` is rescaled to u, v in [0, 24]. The surfaces are a
    constant intercept b0 = 3, a linear trend b1 = 1 + (u + v) / 12 (from 1 to 5) and
    a central peak b2 = 1 + (36 - (6 - u/2)^2)(36 - (6 - v/2)^2) / 324 (1 at the edges,
    5 at the centre). The outcome is y = b0 + b1 x1 + b2 x2 + e with x1, x2 ~ N(0, 1)
    and e ~ N(0, sigma^2).

    Parameters
    ----------
    coords : array-like of shape (n, 2)
        Locations, for example projected centroids or a grid.
    seed : int
        Seed of ``numpy.random.default_rng``.
    sigma : float
        Standard deviation of e.

    Returns
    -------
    SimulatedSurface

    Raises
    ------
    ValueError
        If ``coords`` is not (n, 2) with n >= 3, is not finite, is constant along one
        axis, or sigma is not positive.
    """
    u, v = surface_grid(coords)
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}.")
    n = u.size
    rng = np.random.default_rng(seed)

    betas = pd.DataFrame(
        {
            "Intercept": np.full(n, 3.0),
            "x1": 1.0 + (u + v) / 12.0,
            "x2": 1.0 + (36.0 - (6.0 - u / 2.0) ** 2) * (36.0 - (6.0 - v / 2.0) ** 2) / 324.0,
        }
    )
    X = pd.DataFrame(rng.standard_normal((n, 2)), columns=["x1", "x2"])
    e = rng.normal(0.0, sigma, n)
    y = betas["Intercept"] + betas["x1"] * X["x1"] + betas["x2"] * X["x2"] + e
    return SimulatedSurface(
        coords=np.asarray(coords, dtype=float),
        y=y.rename("y"),
        X=X,
        betas=betas,
        sigma=float(sigma),
        attrs={"simulated": True, "seed": seed},
    )


# ---------------------------------------------------------------------------------------
# Monte Carlo recovery of the two-way fixed-effects SDM
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RecoveryStudy:
    """Monte Carlo recovery of the two-way fixed-effects SDM on SIMULATED panels.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per parameter: ``true``, ``mean_estimate``, ``bias``, ``mean_se``,
        ``sd_estimate``, ``bias_over_se`` (bias / mean_se), ``rmse`` and
        ``coverage`` of the nominal ``level`` interval.
    estimates : pandas.DataFrame
        One row per replication and parameter: estimate, std_err, lower and upper.
    replications, n_units, t, draws : int
    level : float
    seconds : float
        Wall time of the study.
    """

    table: pd.DataFrame
    estimates: pd.DataFrame
    replications: int
    n_units: int
    t: int
    draws: int
    level: float
    seconds: float

    def to_frame(self):
        """Return the summary table."""
        return self.table

    def summary(self):
        """Return the settings and the summary table as text."""
        head = (
            f"SIMULATED recovery study: {self.replications} replications, N = "
            f"{self.n_units}, T = {self.t}, two-way FE SDM (spreg ML_LagFE), impacts "
            f"from {self.draws} draws, {self.level:.0%} intervals, {self.seconds:.1f} s"
        )
        return head + "\n" + self.table.to_string(float_format=lambda v: f"{v:.4f}")


def replication_estimates(sim, w, *, draws, level, seed):
    """Fit one simulated panel and return the estimates of the recovery parameters.

    Coefficients get the Wald interval estimate +- z se. The impacts of
    ``ecommerce`` get the percentile interval of :func:`regression.impacts`.

    Returns
    -------
    list of dict
        Keys parameter, estimate, std_err, lower and upper.
    """
    y, X = sim.panel_arrays()
    fit = fit_panel_sdm(y, X, w, effects="twoways", name_y="y")
    z = stats.norm.ppf(0.5 + level / 2.0)

    rows = []
    coefficients = ["rho", *sim.x_names, *(f"W_{v}" for v in sim.x_names)]
    for name in coefficients:
        estimate, se = fit.coef(name), fit.se(name)
        rows.append({
            "parameter": name,
            "estimate": estimate,
            "std_err": se,
            "lower": estimate - z * se,
            "upper": estimate + z * se,
        })

    effects = impacts(fit, w, draws=draws, seed=seed, level=level)
    j = effects.names.index(ECOMMERCE)
    for col, effect in enumerate(("direct", "indirect", "total")):
        rows.append({
            "parameter": f"{effect}_{ECOMMERCE}",
            "estimate": float(getattr(effects, effect)[j]),
            "std_err": float(effects.se[j, col]),
            "lower": float(effects.lower[j, col]),
            "upper": float(effects.upper[j, col]),
        })
    return rows


def recovery_table(estimates, truth):
    """Summarise replications into bias, RMSE and coverage per parameter."""
    rows = {}
    for name, group in estimates.groupby("parameter", sort=False):
        true = truth[name]
        error = group["estimate"] - true
        mean_se = group["std_err"].mean()
        covered = (group["lower"] <= true) & (true <= group["upper"])
        rows[name] = {
            "true": true,
            "mean_estimate": group["estimate"].mean(),
            "bias": error.mean(),
            "mean_se": mean_se,
            "sd_estimate": group["estimate"].std(ddof=1),
            "bias_over_se": error.mean() / mean_se,
            "rmse": float(np.sqrt((error**2).mean())),
            "coverage": covered.mean(),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "parameter"
    return table


def recovery_study(
    w,
    *,
    replications=200,
    years=range(2011, 2021),
    rho=0.3,
    beta=(0.5, -0.2),
    theta=(0.2, 0.0),
    sigma=1.0,
    draws=500,
    level=0.95,
    seed=0,
):
    """Fit the two-way fixed-effects SDM to many simulated panels and check recovery.

    Replication r draws a panel with :func:`simulate_panel` (seed ``seed + r``), fits
    it with :func:`spatial_panel.fit_panel_sdm` (``effects="twoways"``) and computes
    the impacts with :func:`regression.impacts`.

    Parameters
    ----------
    w : libpysal.weights.W, libpysal.graph.Graph or Weights
        Row-standardised weights, for example :func:`lattice_weights`.
    replications : int
        Number of simulated panels, at least 2.
    years, rho, beta, theta, sigma
        As in :func:`simulate_panel`.
    draws : int
        Draws of :func:`regression.impacts` for the impact standard errors, at
        least 2.
    level : float
        Nominal coverage of the intervals.
    seed : int
        Seed of the first replication.

    Returns
    -------
    RecoveryStudy

    Raises
    ------
    ValueError
        If ``replications``, ``draws`` or ``level`` are invalid.

    Notes
    -----
    spreg's ML_LagFE estimates sigma2 as e'e / (N T), which Lee and Yu (2010) show is
    biased down by about (T - 1) / T under unit effects. The standard errors are
    therefore about sqrt((T - 1) / T) too small, so coverage slightly below the
    nominal level is expected for short panels.
    """
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)):
        raise TypeError(f"replications must be an integer, got {replications!r}.")
    if replications < 2 or draws < 2:
        raise ValueError(
            f"replications and draws must be at least 2, got {replications} and {draws}."
        )
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}.")
    w = as_row_standardised(w)

    start = time.perf_counter()
    rows, truth, t = [], None, None
    for r in range(replications):
        sim = simulate_panel(
            w, years=years, rho=rho, beta=beta, theta=theta, sigma=sigma, seed=seed + r
        )
        truth = sim.truth if truth is None else truth
        t = len(sim.attrs["years"])
        for row in replication_estimates(sim, w, draws=draws, level=level, seed=seed + r):
            rows.append({"replication": r, **row})
    seconds = time.perf_counter() - start

    estimates = pd.DataFrame(rows)
    return RecoveryStudy(
        table=recovery_table(estimates, truth),
        estimates=estimates,
        replications=replications,
        n_units=w.n,
        t=t,
        draws=draws,
        level=level,
        seconds=seconds,
    )
