"""Static spatial panel models with fixed effects: SAR, SEM and SDM by ML.

The estimators are spreg 1.9's ``ML_LagFE`` and ``ML_ErrorFE`` (module ``spreg.panel``),
which replace the deprecated ``Panel_FE_Lag`` and ``Panel_FE_Error``. They sweep out the
unit effects with the within transformation and maximise the concentrated likelihood
of Elhorst (2014, ch. 3). spreg has no time effects, so two-way effects enter as T - 1
time dummies, which is exactly ML with both unit and period effects for any W. The SDM
is ``ML_LagFE`` with ``slx_lags=1``, the dummies excluded from the spatial lags.

Panels are stacked time-major, as in spreg: rows 0..N-1 are period 1 in ``w.id_order``,
rows N..2N-1 period 2, and so on. :func:`panel_arrays` builds that layout from a long
DataFrame.
"""

import dataclasses

import numpy as np
import pandas as pd
import spreg

from countyres_helpers.design_checks import as_design, as_weights
from countyres_helpers.estimation import fit_from_spreg, run_quietly

__all__ = ["fit_panel_sar", "fit_panel_sdm", "fit_panel_sem", "panel_arrays"]

EFFECTS = ("individual", "twoways")


def panel_arrays(frame, *, unit, time, y, x, units):
    """Arrange a long panel DataFrame into spreg's time-major arrays.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit and period.
    unit, time : str
        Columns with the unit id and the period.
    y : str
        Column of the dependent variable.
    x : sequence of str
        Columns of the regressors.
    units : sequence
        Unit ids in the order of the weights (``w.id_order``).

    Returns
    -------
    y : numpy.ndarray
        Shape (N T,).
    X : pandas.DataFrame
        Shape (N T, k), columns ``x``.

    Raises
    ------
    ValueError
        If the panel is unbalanced, has duplicate rows, or a unit in ``units`` is
        missing (or the data have units not in ``units``).
    """
    x = list(x)
    units = list(units)
    data = frame[[unit, time, y, *x]]
    if data.duplicated([unit, time]).any():
        raise ValueError(f"frame has duplicate ({unit}, {time}) rows; aggregate them first.")

    present = set(data[unit])
    missing = [u for u in units if u not in present]
    extra = sorted(present - set(units), key=str)
    if missing or extra:
        raise ValueError(
            f"Units do not match the weights: missing {missing[:5]}, not in w {extra[:5]}."
        )

    periods = np.sort(data[time].unique())
    if len(data) != len(units) * len(periods):
        raise ValueError(
            f"The panel is unbalanced: {len(data)} rows for {len(units)} units and "
            f"{len(periods)} periods; spreg's panel models need a balanced panel."
        )

    position = pd.Series(np.arange(len(units)), index=units)
    order = np.lexsort((position.loc[data[unit]].to_numpy(), data[time].to_numpy()))
    data = data.iloc[order]
    return data[y].to_numpy(dtype=float), data[x].reset_index(drop=True)


def check_panel(y, X, w, names, name_y):
    """Check time-major panel arrays against the weights.

    Returns
    -------
    y : numpy.ndarray
        Shape (N T, 1).
    X : numpy.ndarray
        Shape (N T, k).
    names : list of str
    name_y : str
    t : int
        Number of periods.

    Raises
    ------
    ValueError
        If the row count is not a multiple of ``w.n`` of at least 2 periods, or the
        design fails the checks of ``as_design`` (shapes, names, missing values).
    """
    y, X, names, name_y = as_design(y, X, names, name_y)

    n_units = w.n
    if y.shape[0] % n_units != 0 or y.shape[0] // n_units < 2:
        raise ValueError(
            f"y has {y.shape[0]} rows, not N x T with N = w.n = {n_units} and T >= 2; "
            "stack the panel time-major with panel_arrays."
        )
    return y, X, names, name_y, y.shape[0] // n_units


def time_dummies(n_units, t):
    """Return T - 1 period dummies (periods 2..T) for a time-major panel."""
    periods = np.repeat(np.arange(t), n_units)
    return (periods[:, None] == np.arange(1, t)[None, :]).astype(float)


def fit_panel(y, X, w, *, model, effects, names, name_y):
    """Fit a fixed-effects panel SAR, SEM or SDM with spreg; see :func:`fit_panel_sar`."""
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {EFFECTS}, got {effects!r}.")
    w = as_weights(w)
    y, X, names, name_y, t = check_panel(y, X, w, names, name_y)
    k = X.shape[1]

    design, design_names = X, list(names)
    if effects == "twoways":
        design = np.hstack([X, time_dummies(w.n, t)])
        design_names += [f"T_{period + 1}" for period in range(1, t)]
    slx_vars = [True] * k + [False] * (design.shape[1] - k)

    kwargs = dict(name_x=design_names, name_y=name_y)
    if model == "SEM":
        reg = run_quietly(spreg.ML_ErrorFE, y, design, w, **kwargs)
    else:
        slx_lags = 1 if model == "SDM" else 0
        kwargs["slx_vars"] = slx_vars if slx_lags else "all"
        reg = run_quietly(
            spreg.ML_LagFE, y, design, w, slx_lags=slx_lags, spat_impacts=None, **kwargs
        )

    wx_names = [f"W_{v}" for v in names] if model == "SDM" else []
    kept = list(names) + wx_names
    keep = [reg.name_x.index(v) for v in kept] + [len(reg.name_x) - 1]
    spatial = "lambda" if model == "SEM" else "rho"
    fit = fit_from_spreg(
        reg,
        model=f"FE-{model}",
        method="ML, within transformation (spreg ML_LagFE/ML_ErrorFE)",
        names=kept + [spatial],
        name_y=name_y,
        x_names=names,
        wx_names=wx_names,
        keep=keep,
        n_units=w.n,
        t=t,
        effects=effects,
    )
    return dataclasses.replace(fit, warnings=without_layout_notes(fit.warnings))


def without_layout_notes(messages):
    """Drop spreg's note on the long panel layout, which panel_arrays already fixes."""
    notes = ("Assuming panel is in long format", "refers to T0")
    return tuple(m for m in messages if not any(note in m for note in notes))


def fit_panel_sar(y, X, w, *, effects="individual", names=None, name_y=None):
    """Fit the fixed-effects spatial lag panel y_t = rho W y_t + X_t beta + mu + e_t.

    Parameters
    ----------
    y : array-like
        Dependent variable, N T values stacked time-major (see :func:`panel_arrays`).
    X : array-like or pandas.DataFrame
        Regressors, shape (N T, k), no constant (the fixed effects absorb it).
    w : libpysal.weights.W or libpysal.graph.Graph
        N x N weights in the unit order of each period block.
    effects : {"individual", "twoways"}
        Unit effects, or unit and period effects (T - 1 time dummies).
    names : sequence of str, optional
    name_y : str, optional

    Returns
    -------
    SpatialFit
        ``n`` is N T, ``n_units`` N and ``t`` T. The time-dummy coefficients are not
        kept. ``sigma2`` is e'e / (N T), the ML estimate, which Lee and Yu (2010) show
        is biased by the factor (T - 1) / T under unit effects.

    Raises
    ------
    ValueError
        If ``effects`` is unknown or the arrays do not form an N x T panel.

    References
    ----------
    Elhorst, J. P. (2014). Spatial Econometrics: From Cross-Sectional Data to Spatial
    Panels. Springer, ch. 3.
    Lee, L. F. and Yu, J. (2010). Estimation of spatial autoregressive panel data models
    with fixed effects. Journal of Econometrics 154(2), 165-185.
    """
    return fit_panel(y, X, w, model="SAR", effects=effects, names=names, name_y=name_y)


def fit_panel_sem(y, X, w, *, effects="individual", names=None, name_y=None):
    """Fit the fixed-effects spatial error panel by ML.

    The model is y_t = X_t beta + mu + u_t with u_t = lambda W u_t + e_t. Parameters and
    return value as in :func:`fit_panel_sar`.
    """
    return fit_panel(y, X, w, model="SEM", effects=effects, names=names, name_y=name_y)


def fit_panel_sdm(y, X, w, *, effects="individual", names=None, name_y=None):
    """Fit the fixed-effects spatial Durbin panel by ML.

    The model is y_t = rho W y_t + X_t beta + W X_t theta + mu + e_t. Parameters and
    return value as in :func:`fit_panel_sar`. The lagged regressors are named
    ``W_<name>``, and :func:`countyres_helpers.regression.impacts` accepts the fit.
    """
    return fit_panel(y, X, w, model="SDM", effects=effects, names=names, name_y=name_y)
