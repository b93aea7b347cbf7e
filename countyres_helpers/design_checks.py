"""Input checks of the regression helpers: the design (y, X and their names) and the weights.

The cross-section fits in :mod:`countyres_helpers.estimation` and the panel fits in
:mod:`countyres_helpers.spatial_panel` check their inputs with these functions, so that both
reject the same bad input with the same message.
"""

import libpysal
import numpy as np
import pandas as pd
from libpysal.graph import Graph

__all__ = ["as_design", "as_weights", "check_weights_order", "data_ids"]


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


def data_ids(y, X):
    """Return the row labels of ``y`` or ``X`` if either is a pandas object, else None.

    A default ``RangeIndex`` carries no county codes and gives None.
    """
    for data in (y, X):
        if isinstance(data, (pd.Series, pd.DataFrame)):
            if isinstance(data.index, pd.RangeIndex):
                return None
            return data.index
    return None


def check_weights_order(w, ids) -> None:
    """Raise ValueError unless the ids of ``w`` are ``ids`` in the same order.

    Parameters
    ----------
    w : libpysal.weights.W
        Weights whose ``id_order`` names the units.
    ids : pandas.Index or None
        Row labels of the data (county codes); None skips the check, as for arrays.
    """
    from countyres_helpers.weights import check_codes

    if ids is not None:
        check_codes(pd.Index(ids), pd.Index(w.id_order))
