"""Global and local Moran's I for county values, on top of esda.

``morans_i`` writes out the statistic directly, as a check on esda:

    I = n / S0 * sum_ij w_ij (x_i - xbar)(x_j - xbar) / sum_i (x_i - xbar)^2,

where S0 is the sum of all weights. ``global_moran`` and ``local_moran`` call esda and
return small result objects with esda's names (``I``, ``p_sim``, ``Is``, ``q``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import esda
import numpy as np
import pandas as pd

from countyres_helpers.weights import Weights, check_alignment

# esda numbers the Moran scatter-plot quadrants 1 HH, 2 LH, 3 LL, 4 HL.
QUADRANT_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
CLUSTER_ORDER = ["High-High", "Low-Low", "Low-High", "High-Low", "Not significant"]


def morans_i(y, w) -> float:
    """Return Moran's I of ``y`` under the weights matrix ``w``, written out directly.

    Parameters
    ----------
    y : array_like, shape (n,)
        Values of the n counties.
    w : array_like or scipy.sparse matrix, shape (n, n)
        Spatial weights, w[i, j] the weight of county j for county i.
    """
    y = np.asarray(y, dtype=float)
    z = y - y.mean()
    w = w.toarray() if hasattr(w, "toarray") else np.asarray(w, dtype=float)
    if w.shape != (y.size, y.size):
        raise ValueError(f"w has shape {w.shape}, expected ({y.size}, {y.size}).")
    s0 = w.sum()
    return float(y.size / s0 * (z @ w @ z) / (z @ z))


def complete_cases(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the rows with every column present, and a table of the rows left out.

    The table has the code, the name (where the frame has one) and the missing columns,
    so that a page can show which counties a statistic leaves out and why.
    """
    missing = frame[columns].isna()
    keep = ~missing.any(axis=1)
    labels = [", ".join(missing.columns[row]) for row in missing[~keep].to_numpy()]
    dropped = pd.DataFrame(
        {
            "name": frame.loc[~keep, "name"] if "name" in frame else pd.NA,
            "missing": pd.Series(labels, index=frame.index[~keep], dtype=object),
        },
        index=frame.index[~keep],
    )
    return frame[keep], dropped


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with analytical and permutation inference.

    Attributes follow esda: ``I``, ``EI``, ``z_norm``, ``p_norm``, ``VI_rand``,
    ``z_rand``, ``p_rand``, ``p_sim``, ``z_sim``, plus ``variable``, ``n``,
    ``permutations``, ``seed`` and ``alternative``.
    """

    variable: str
    n: int
    I: float  # noqa: E741 - esda's name for the statistic
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    z_sim: float
    permutations: int
    seed: int
    alternative: str

    def to_frame(self) -> pd.DataFrame:
        """Return the result as a one-row DataFrame indexed by the variable name."""
        row = {
            "n": self.n, "I": self.I, "E[I]": self.EI, "z (normal)": self.z_norm,
            "p (normal)": self.p_norm, "z (permutation)": self.z_sim,
            "pseudo p": self.p_sim, "permutations": self.permutations,
        }
        return pd.DataFrame(row, index=[self.variable])

    def summary(self) -> str:
        """Return a one-line report of I and its pseudo p-value."""
        return (
            f"Moran's I of {self.variable}: {self.I:.4f} (E[I] = {self.EI:.4f}), "
            f"pseudo p = {self.p_sim:.4f} from {self.permutations} permutations "
            f"({self.alternative}), n = {self.n}"
        )


def global_moran(
    values: pd.Series,
    weights: Weights,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alternative: str = "two-sided",
) -> MoranResult:
    """Compute global Moran's I of county values with permutation inference.

    Parameters
    ----------
    values : pandas.Series
        Values indexed by county code, in the order of the weights.
    weights : Weights
        Row-standardised weights built from the same rows.
    permutations : int
        Number of random permutations for the pseudo p-value.
    seed : int
        Seed of the permutations.
    alternative : {"two-sided", "greater", "less"}
        Alternative hypothesis of the permutation test.

    Notes
    -----
    esda's ``Moran`` has no seed argument and draws from numpy's global generator, so
    this function seeds that generator immediately before the call.
    """
    check_alignment(values, weights)
    check_permutations(permutations)
    if values.isna().any():
        raise ValueError(
            f"{values.name}: {int(values.isna().sum())} missing values; drop them with "
            "complete_cases and rebuild the weights on the remaining counties."
        )
    np.random.seed(seed)
    result = esda.Moran(
        values.to_numpy(dtype=float), weights.w, permutations=permutations, two_tailed=True
    )
    p_sim = result.p_sim if alternative == "two-sided" else one_sided_p(result, alternative)
    return MoranResult(
        variable=str(values.name), n=int(result.n), I=float(result.I), EI=float(result.EI),
        VI_norm=float(result.VI_norm), z_norm=float(result.z_norm),
        p_norm=float(result.p_norm), VI_rand=float(result.VI_rand),
        z_rand=float(result.z_rand), p_rand=float(result.p_rand), p_sim=float(p_sim),
        z_sim=float(result.z_sim), permutations=permutations, seed=seed,
        alternative=alternative,
    )


def one_sided_p(result, alternative: str) -> float:
    """Return the one-sided pseudo p-value of an esda Moran result."""
    if alternative == "greater":
        larger = (result.sim >= result.I).sum()
    elif alternative == "less":
        larger = (result.sim <= result.I).sum()
    else:
        raise ValueError(
            f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}."
        )
    return (larger + 1.0) / (result.permutations + 1.0)


@dataclass(frozen=True)
class LisaResult:
    """Local Moran's I of each county with its cluster label.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed by county code: ``Is``, ``q`` (esda quadrant), ``p_sim`` and ``cluster``
        (High-High, Low-Low, Low-High, High-Low or Not significant).
    alpha : float
        Significance level of the cluster labels.
    permutations, seed : int
    """

    variable: str
    frame: pd.DataFrame = field(repr=False)
    alpha: float
    permutations: int
    seed: int

    def counts(self, groups: pd.Series | None = None) -> pd.DataFrame:
        """Return the number of counties of each cluster type, by group if given."""
        clusters = pd.Categorical(self.frame["cluster"], CLUSTER_ORDER)
        if groups is None:
            return pd.Series(clusters).value_counts().reindex(CLUSTER_ORDER).to_frame("counties")
        table = pd.crosstab(groups.reindex(self.frame.index).to_numpy(), clusters, dropna=False)
        table.index.name = groups.name
        table.loc["all"] = table.sum()
        return table


def check_permutations(permutations: int) -> None:
    """Raise ValueError unless ``permutations`` is a whole number of at least 1."""
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 1:
        raise ValueError(f"permutations must be a whole number of at least 1, "
                         f"got {permutations!r}.")


def local_moran(
    values: pd.Series,
    weights: Weights,
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
) -> LisaResult:
    """Compute local Moran's I (LISA) with conditional permutation inference.

    A county gets a cluster label when its folded pseudo p-value (the share of
    conditional permutations at least as extreme in the direction of the observed value)
    is below ``alpha``. The p-values are not adjusted for multiple comparisons.

    Raises
    ------
    ValueError
        If the rows do not match the weights, ``permutations`` is below 1 or ``alpha``
        is not between 0 and 1.

    Warns
    -----
    UserWarning
        If the smallest attainable pseudo p-value, 1 / (permutations + 1), is not below
        ``alpha``, so that no county can be labelled a cluster.
    """
    check_alignment(values, weights)
    check_permutations(permutations)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}.")
    if 1 / (permutations + 1) >= alpha:
        warnings.warn(
            f"With {permutations} permutations the smallest pseudo p-value is "
            f"{1 / (permutations + 1):.3g}, not below alpha = {alpha}, so no county can be "
            "significant; use more permutations.",
            UserWarning, stacklevel=2,
        )
    # esda 2.9 takes no `alternative` here and warns that its default, the folded
    # ("directed") pseudo p-value used below, will change in its next major release.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The alternative hypothesis", DeprecationWarning)
        result = esda.Moran_Local(
            values.to_numpy(dtype=float), weights.w, transformation="r",
            permutations=permutations, seed=seed,
        )
    frame = pd.DataFrame(
        {"Is": result.Is, "q": result.q, "p_sim": result.p_sim}, index=values.index
    )
    labels = frame["q"].map(QUADRANT_LABELS)
    frame["cluster"] = labels.where(frame["p_sim"] < alpha, "Not significant")
    return LisaResult(str(values.name), frame, alpha, permutations, seed)
