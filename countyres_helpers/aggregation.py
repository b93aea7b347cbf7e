"""Scores that aggregate weighted indicators: TOPSIS and the logistic resilience formula."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from countyres_helpers.index_checks import (
    _as_frame,
    _as_weight_series,
    _parse_directions,
    _require_complete,
)
from countyres_helpers.scaling import minmax_scale

__all__ = ["TOPSISResult", "logistic_score", "topsis"]


@dataclass(frozen=True)
class TOPSISResult:
    """TOPSIS closeness coefficients and distances.

    Attributes
    ----------
    closeness : pandas.Series
        C_i = D-_i / (D+_i + D-_i), in [0, 1]. Larger is better.
    d_plus, d_minus : pandas.Series
        Euclidean distances to the positive and the negative ideal solution.
    ideal, anti_ideal : pandas.Series
        Positive and negative ideal solutions in the weighted normalised space.
    normalisation : str
        ``"minmax"`` or ``"vector"``.
    """

    closeness: pd.Series
    d_plus: pd.Series
    d_minus: pd.Series
    ideal: pd.Series
    anti_ideal: pd.Series
    normalisation: str

    def rank(self) -> pd.Series:
        """Return the rank of each alternative, 1 for the largest closeness."""
        return self.closeness.rank(ascending=False, method="min").astype(int)

    def summary(self) -> str:
        """Return a text table of distances, closeness and rank."""
        head = f"TOPSIS ({self.normalisation} normalisation)"
        return head + "\n" + self.to_frame().round(4).to_string()

    def to_frame(self) -> pd.DataFrame:
        """Return D+, D-, closeness and rank per alternative."""
        return pd.DataFrame(
            {
                "d_plus": self.d_plus,
                "d_minus": self.d_minus,
                "closeness": self.closeness,
                "rank": self.rank(),
            }
        )


def topsis(X, weights, directions, *, normalisation: str = "minmax") -> TOPSISResult:
    """Rank alternatives by their relative closeness to the ideal solution (TOPSIS).

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        (n, k) raw decision matrix, alternatives (counties) in rows.
    weights : pandas.Series or array_like
        (k,) non-negative criterion weights.
    directions : sequence of str or mapping
        ``"positive"`` (benefit) or ``"negative"`` (cost) per column.
    normalisation : {"minmax", "vector"}
        Minmax: `minmax_scale` with directions, ideal = column max and anti-ideal = column
        min of the weighted matrix (pymcdm's default). Vector: x_ij / sqrt(sum_i x_ij^2)
        (Hwang & Yoon), ideal = max for benefit and min for cost columns.

    Returns
    -------
    TOPSISResult
        Closeness coefficients, distances and ideal solutions.

    Raises
    ------
    ValueError
        If values are missing, shapes disagree, a direction is unknown, or the
        normalisation is unknown.

    Notes
    -----
    The two normalisations can rank alternatives differently, so the chapter must state
    which one it uses. An alternative equal to both ideals (every column constant) has
    closeness 0.5 by convention. Under vector normalisation an all-zero column is left
    at 0.

    References
    ----------
    Hwang, C.-L., & Yoon, K. (1981). Multiple Attribute Decision Making. Springer.
    Opricovic, S., & Tzeng, G.-H. (2004). Compromise solution by MCDM methods.
    European Journal of Operational Research 156(2), 445-455.
    """
    df = _as_frame(X)
    _require_complete(df)
    dirs = _parse_directions(directions, df.columns)
    w = _as_weight_series(weights, df.columns)

    if normalisation == "minmax":
        N = minmax_scale(df, dirs).X
        V = N * w
        ideal = V.max()
        anti_ideal = V.min()
    elif normalisation == "vector":
        norm = np.sqrt((df**2).sum())
        N = df / norm.where(norm > 0, 1.0)
        V = N * w
        benefit = pd.Series([d == "positive" for d in dirs], index=df.columns)
        ideal = V.max().where(benefit, V.min())
        anti_ideal = V.min().where(benefit, V.max())
    else:
        raise ValueError(f"Unknown normalisation {normalisation!r}. Use 'minmax' or 'vector'.")

    d_plus = np.sqrt(((V - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((V - anti_ideal) ** 2).sum(axis=1))
    total = d_plus + d_minus
    closeness = (d_minus / total.where(total > 0, 1.0)).where(total > 0, 0.5)

    return TOPSISResult(
        closeness=closeness.rename("closeness"),
        d_plus=d_plus.rename("d_plus"),
        d_minus=d_minus.rename("d_minus"),
        ideal=ideal.rename("ideal"),
        anti_ideal=anti_ideal.rename("anti_ideal"),
        normalisation=normalisation,
    )


def logistic_score(X, weights) -> pd.Series:
    """Compute the study's resilience score R = 1 / (1 + exp(-sum_i w_i X_i)).

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        (n, k) indicators, usually min-max scaled.
    weights : pandas.Series or array_like
        (k,) weights. A Series is aligned to the columns of X by label. Negative values
        are accepted, e.g. coefficients of a fitted logistic regression.

    Returns
    -------
    pandas.Series
        R in (0, 1) for each row, named ``"R"``, with the index of X.

    Raises
    ------
    ValueError
        If values are missing, the number of weights differs from the number of columns,
        or a Series of weights has other labels than the columns.

    Notes
    -----
    R is a strictly increasing function of the weighted sum, so it ranks counties exactly
    as the weighted sum does. With indicators in [0, 1] and weights summing to 1 the sum
    lies in [0, 1] and R in [0.5, 0.731]. The formula is equation (1) of the reproduced
    study, and `scipy.special.expit` evaluates it without overflow.
    """
    df = _as_frame(X)
    _require_complete(df)
    w = _as_weight_series(weights, df.columns, allow_negative=True)
    return pd.Series(expit(df.to_numpy() @ w.to_numpy()), index=df.index, name="R")
