"""Coupling: gravity-based economic coupling between counties, and coupling coordination."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist, squareform

from countyres_helpers.index_checks import (
    _MAX_LISTED,
    _as_frame,
    _as_weight_series,
    _check_sums_to_one,
    _require_complete,
)

__all__ = ["CouplingCoordination", "coupling_coordination", "pairwise_coupling"]


def pairwise_coupling(mass, coords_km, *, beta: float = 2.0) -> pd.DataFrame:
    """Compute the study's economic coupling degree C = P / T x 100% between county pairs.

    Parameters
    ----------
    mass : pandas.Series or array_like
        (n,) non-negative mass of each county, e.g. population or a composite index. A
        Series supplies the county codes.
    coords_km : pandas.DataFrame or array_like
        (n, 2) projected coordinates in kilometres (e.g. an Albers equal-area CRS). A
        DataFrame indexed by county code is aligned to a `mass` Series, and anything else
        must be in the order of `mass`.
    beta : float
        Distance-decay exponent of the gravity model, > 0.

    Returns
    -------
    pandas.DataFrame
        (n, n) coupling degree in percent, index and columns = county codes, zero diagonal.

    Raises
    ------
    ValueError
        If lengths differ, masses are negative or missing, coordinates are not (n, 2),
        two counties share a location, or every pair has zero strength.

    Notes
    -----
    The study defines P as the actual strength of economic ties and T as the maximum
    possible strength without formulas. Here P_ij = m_i m_j / d_ij^beta (gravity model)
    and T = max over all pairs i != j of P_ij, so the strongest pair gets 100%. This is
    one reading of the loose definition. Another could use a theoretical maximum.
    """
    codes = list(mass.index) if isinstance(mass, pd.Series) else None
    if codes is not None and isinstance(coords_km, pd.DataFrame):
        no_coords = [c for c in codes if c not in set(coords_km.index)]
        no_mass = [c for c in coords_km.index if c not in set(codes)]
        if no_coords or no_mass:
            raise ValueError(
                "coords_km and mass must be indexed by the same county codes. Codes without "
                f"coordinates: {no_coords[:_MAX_LISTED]}. Codes without mass: "
                f"{no_mass[:_MAX_LISTED]}."
            )
        coords_km = coords_km.loc[codes]

    m = np.asarray(mass, dtype=float)
    xy = np.asarray(coords_km, dtype=float)

    if m.ndim != 1 or m.size < 2:
        raise ValueError(f"mass must be 1-D with at least 2 counties, got shape {m.shape}.")
    if xy.shape != (m.size, 2):
        raise ValueError(f"coords_km must have shape ({m.size}, 2) to match mass, got {xy.shape}.")
    if not np.all(np.isfinite(m)) or not np.all(np.isfinite(xy)):
        raise ValueError("mass and coords_km must not contain missing or infinite values.")
    if (m < 0).any():
        raise ValueError(f"mass must be non-negative, but the minimum is {m.min()}.")
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}.")

    codes = codes if codes is not None else list(range(m.size))
    d = squareform(pdist(xy))
    off_diagonal = ~np.eye(m.size, dtype=bool)
    if (d[off_diagonal] == 0).any():
        i, j = np.argwhere((d == 0) & off_diagonal)[0]
        raise ValueError(
            f"Counties {codes[i]} and {codes[j]} have the same coordinates, so their "
            "gravity strength is infinite. Check the centroids."
        )

    P = np.zeros_like(d)
    P[off_diagonal] = np.outer(m, m)[off_diagonal] / d[off_diagonal] ** beta
    T = P.max()
    if T <= 0:
        raise ValueError("Every pair has zero gravity strength. Check the masses.")

    return pd.DataFrame(100.0 * P / T, index=codes, columns=codes)


@dataclass(frozen=True)
class CouplingCoordination:
    """Coupling degree C, development index T and coupling coordination degree D.

    Attributes
    ----------
    C, T, D : pandas.Series
        One value per unit, D = sqrt(C T).
    variant : str
        ``"standard"``, ``"wang"`` or ``"fan"``.
    weights : pandas.Series
        Subsystem weights used for T.
    zero_units : tuple
        Units whose scores are all zero. C is undefined there (0/0), so it is set to 0.
    """

    C: pd.Series
    T: pd.Series
    D: pd.Series
    variant: str
    weights: pd.Series
    zero_units: tuple

    def summary(self) -> str:
        """Return a text report with the variant and the mean of C, T and D."""
        lines = [
            f"Coupling coordination ({self.variant}), {len(self.D)} units, "
            f"{len(self.weights)} subsystems",
            f"mean C = {self.C.mean():.4f}, mean T = {self.T.mean():.4f}, "
            f"mean D = {self.D.mean():.4f}",
        ]
        if self.zero_units:
            lines.append(f"units with all-zero scores (C set to 0): {list(self.zero_units)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return C, T and D per unit."""
        return pd.DataFrame({"C": self.C, "T": self.T, "D": self.D})


def _coupling_degree(U: np.ndarray, variant: str) -> np.ndarray:
    """Return the coupling degree C of each row of U (units by subsystems)."""
    n = U.shape[1]
    arithmetic = U.mean(axis=1)
    positive_mean = arithmetic > 0

    if variant == "standard":
        geometric = np.prod(U, axis=1) ** (1.0 / n)
        return np.where(positive_mean, geometric / np.where(positive_mean, arithmetic, 1), 0.0)

    if variant == "wang":
        i, j = np.triu_indices(n, k=1)
        dispersion = np.abs(U[:, i] - U[:, j]).sum(axis=1) / (n * (n - 1) / 2)
        first = np.clip(1.0 - dispersion, 0.0, None)
        top = U.max(axis=1, keepdims=True)
        ratio = U / np.where(top > 0, top, 1.0)
        second = np.prod(ratio, axis=1) ** (1.0 / (n - 1))
        return np.where(positive_mean, np.sqrt(first * second), 0.0)

    if variant == "fan":
        total = U.sum(axis=1)
        spread = (n * (U**2).sum(axis=1) - total**2) / n**2
        return 1.0 - 2.0 * np.sqrt(np.clip(spread, 0.0, None))

    raise ValueError(f"Unknown variant {variant!r}. Use 'standard', 'wang' or 'fan'.")


def coupling_coordination(U, *, weights=None, variant: str = "standard") -> CouplingCoordination:
    """Compute the coupling coordination degree of two or more subsystem scores.

    Parameters
    ----------
    U : pandas.DataFrame or array_like
        (units, n) subsystem scores in [0, 1], one column per subsystem, n >= 2. A 1-D
        array is one unit.
    weights : pandas.Series or array_like, optional
        (n,) subsystem weights summing to 1 for T. Equal weights by default.
    variant : {"standard", "wang", "fan"}
        Formula for C (see Notes).

    Returns
    -------
    CouplingCoordination
        C, T and D per unit.

    Raises
    ------
    ValueError
        If U has fewer than two subsystems, missing values or values outside [0, 1], or
        the weights are invalid.

    Notes
    -----
    Standard: C = [prod_i U_i / (mean U)^n]^(1/n), the geometric over the arithmetic mean.
    For n = 2 it is 2 sqrt(U1 U2) / (U1 + U2).
    Wang et al. (2021): C = sqrt([1 - sum_{i<j} |U_i - U_j| / sum_{m=1}^{n-1} m]
    x [prod_i (U_i / max U)]^(1/(n-1))). Each U_i is divided by the maximum before the
    product, as in the R package ``coupling`` (``ccd.hpp``).
    Fan, Ke & Cao (2024): C = 1 - 2 sqrt((n sum U_i^2 - (sum U_i)^2) / n^2).
    T = sum_i w_i U_i and D = sqrt(C T). A unit whose scores are all zero has C = 0/0 under
    the standard and Wang formulas, so C is set to 0 there and the unit is listed in
    ``zero_units``.

    References
    ----------
    Wang, S., Kong, W., Ren, L., & Zhi, D. (2021). Research on misuses and modification of
    coupling coordination degree model in China. Journal of Natural Resources 36(3),
    793-810.
    Fan, D., Ke, H., & Cao, R. (2024). Statistics and Decision 40(22), 41-46.
    """
    if isinstance(U, pd.DataFrame):
        frame = _as_frame(U, name="U")
    else:
        values = np.asarray(U, dtype=float)
        frame = _as_frame(values.reshape(1, -1) if values.ndim == 1 else values, name="U")
    _require_complete(frame, name="U")

    n = frame.shape[1]
    if n < 2:
        raise ValueError(f"Coupling needs at least 2 subsystems, got {n}.")
    values = frame.to_numpy()
    if (values < 0).any() or (values > 1).any():
        raise ValueError(
            f"Subsystem scores must lie in [0, 1], got min {values.min():.4g} and max "
            f"{values.max():.4g}. Min-max scale the scores first."
        )

    if weights is None:
        w = pd.Series(1.0 / n, index=frame.columns)
    else:
        w = _as_weight_series(weights, frame.columns)
        _check_sums_to_one(w, "weights")

    C = _coupling_degree(values, variant)
    T = values @ w.to_numpy()
    D = np.sqrt(np.clip(C, 0.0, None) * T)
    zero = values.sum(axis=1) == 0
    zero_units = tuple(frame.index[zero]) if variant in ("standard", "wang") else ()

    index = frame.index
    return CouplingCoordination(
        C=pd.Series(C, index=index, name="C"),
        T=pd.Series(T, index=index, name="T"),
        D=pd.Series(D, index=index, name="D"),
        variant=variant,
        weights=w,
        zero_units=zero_units,
    )
