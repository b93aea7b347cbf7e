"""Regional heterogeneity of the spatial regressions: per-group fits and slope comparisons.

:func:`effects_by_group` fits one model per group (for example east, central, west and
northeast) with the weights restricted to the group. :func:`group_difference_test` tests
equal slopes across groups in one pooled interacted model, and :func:`two_group_z_test`
compares one coefficient between two independent fits.
"""

import warnings
from dataclasses import dataclass

import libpysal
import numpy as np
import pandas as pd
from scipy import stats

from countyres_helpers.design_checks import as_design, as_weights
from countyres_helpers.estimation import SpatialFit, fit_ols, fit_sar, fit_sdm, fit_sem
from countyres_helpers.impacts import impacts

__all__ = [
    "GroupDifferenceTest",
    "GroupFits",
    "ZTest",
    "effects_by_group",
    "group_difference_test",
    "restrict_weights",
    "two_group_z_test",
]


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
# Per-group fits with restricted weights
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
        As in :func:`countyres_helpers.specification_tests.lm_diagnostics`.
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


# ---------------------------------------------------------------------------------------
# Tests of coefficient differences between groups
# ---------------------------------------------------------------------------------------


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
        As in :func:`countyres_helpers.specification_tests.lm_diagnostics`.
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
