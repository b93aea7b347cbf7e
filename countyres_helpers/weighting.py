"""Objective indicator weights and their combination with subjective (AHP) weights.

Entropy weights and PCA weights come from the data. :func:`combine_weights` combines
them with subjective weights such as those of :func:`countyres_helpers.ahp.ahp_weights`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyres_helpers.index_checks import (
    _as_frame,
    _as_weight_series,
    _check_sums_to_one,
    _constant_columns,
    _require_complete,
)

__all__ = [
    "CombinedWeights",
    "EntropyWeights",
    "PCAWeights",
    "combine_weights",
    "entropy_weights",
    "pca_weights",
]


# ---------------------------------------------------------------------------------------
# Entropy weight method
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntropyWeights:
    """Entropy weights with the intermediate quantities.

    Attributes
    ----------
    weights : pandas.Series
        w_j = d_j / sum(d), summing to 1.
    entropy : pandas.Series
        E_j = -(1 / ln m) sum_i p_ij ln p_ij.
    divergence : pandas.Series
        d_j = 1 - E_j.
    shift : float
        Constant added to every cell before the proportions were formed.
    normalise : str
        How proportions p_ij were formed (``"sum"``: x_ij / sum_i x_ij).
    constant_columns : tuple
        Columns with no variation, given weight 0.
    n : int
        Number of counties m.
    """

    weights: pd.Series
    entropy: pd.Series
    divergence: pd.Series
    shift: float
    normalise: str
    constant_columns: tuple
    n: int

    def summary(self) -> str:
        """Return a text table of entropy, divergence and weight per indicator."""
        head = (
            f"Entropy weights (m = {self.n}, shift = {self.shift:g}, "
            f"normalise = {self.normalise!r})"
        )
        return head + "\n" + self.to_frame().round(6).to_string()

    def to_frame(self) -> pd.DataFrame:
        """Return entropy, divergence and weight per indicator."""
        return pd.DataFrame(
            {"entropy": self.entropy, "divergence": self.divergence, "weight": self.weights}
        )


def entropy_weights(X, *, shift: float = 0.0, normalise: str = "sum") -> EntropyWeights:
    """Compute entropy weights of non-negative indicators.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        (m, k) non-negative indicators, usually the output of `minmax_scale`.
    shift : float
        Constant added to every cell before the proportions are formed. Many Chinese
        studies use 0.0001 or 0.01 after min-max scaling. 0 keeps the data as given and
        uses the convention 0 ln 0 = 0.
    normalise : {"sum"}
        p_ij = z_ij / sum_i z_ij with z = X + shift. No other rule is implemented. The
        argument records the choice.

    Returns
    -------
    EntropyWeights
        Weights, entropies, divergences, the shift and the constant columns.

    Raises
    ------
    ValueError
        If values are missing or negative after the shift, if there are fewer than two
        rows, or if every column is constant.

    Notes
    -----
    E_j = -(1 / ln m) sum_i p_ij ln p_ij, d_j = 1 - E_j and w_j = d_j / sum_j d_j.
    A constant column carries no information: it gets E_j = 1 and d_j = 0 exactly, hence
    weight 0, also when it is all zero and p_ij is undefined.

    References
    ----------
    Elsayed, E. A., Dawood, A. S., & Karthikeyan, R. (2017). Evaluating alternatives
    through the application of TOPSIS method with entropy weight. International Journal of
    Engineering Trends and Technology 46(2), 60-66.
    """
    if normalise != "sum":
        raise ValueError(f"Unknown normalise rule {normalise!r}. Only 'sum' is implemented.")

    df = _as_frame(X)
    _require_complete(df)
    m = df.shape[0]
    if m < 2:
        raise ValueError(f"Entropy weights need at least 2 rows, got {m}.")

    Z = df.to_numpy() + shift
    if (Z < 0).any():
        columns = [c for c, neg in zip(df.columns, (Z < 0).any(axis=0), strict=True) if neg]
        raise ValueError(
            f"Columns {columns} have negative values after adding shift = {shift}. "
            "Min-max scale them first or choose a larger shift."
        )

    constant = _constant_columns(df)
    is_constant = np.array([c in constant for c in df.columns])

    column_sum = Z.sum(axis=0)
    safe_sum = np.where(column_sum > 0, column_sum, 1.0)
    p = Z / safe_sum
    p_log_p = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    E = -p_log_p.sum(axis=0) / np.log(m)
    E[is_constant] = 1.0

    d = 1.0 - E
    if d.sum() <= 0:
        raise ValueError("Every column is constant, so the entropy weights are undefined.")
    w = d / d.sum()

    index = df.columns
    return EntropyWeights(
        weights=pd.Series(w, index=index, name="entropy"),
        entropy=pd.Series(E, index=index, name="entropy_E"),
        divergence=pd.Series(d, index=index, name="divergence"),
        shift=float(shift),
        normalise=normalise,
        constant_columns=constant,
        n=m,
    )


# ---------------------------------------------------------------------------------------
# Principal component weights
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PCAWeights:
    """PCA-based weights with the eigen decomposition they come from.

    Attributes
    ----------
    weights : pandas.Series
        Weights summing to 1. Constant columns get 0.
    eigenvalues : pandas.Series
        Eigenvalues of the correlation matrix, largest first (PC1, PC2, ...).
    explained_variance_ratio : pandas.Series
        Eigenvalue shares of the total.
    loadings : pandas.DataFrame
        Unit-norm eigenvectors (indicators by components), as R ``prcomp``'s ``rotation``.
        Each vector's sign is set so that its largest absolute entry is positive.
    n_components : int
        Number of components kept.
    rule : str
        ``"kaiser"`` or ``"cumulative"``.
    threshold : float
        Cumulative share used by the ``"cumulative"`` rule.
    constant_columns : tuple
        Columns left out of the PCA because they have no variance.
    """

    weights: pd.Series
    eigenvalues: pd.Series
    explained_variance_ratio: pd.Series
    loadings: pd.DataFrame
    n_components: int
    rule: str
    threshold: float
    constant_columns: tuple

    def summary(self) -> str:
        """Return a text report of the kept components and the weights."""
        kept = self.explained_variance_ratio.iloc[: self.n_components].sum()
        lines = [
            f"PCA weights: {self.n_components} component(s) kept by the {self.rule} rule, "
            f"explaining {kept:.1%} of the variance",
            "eigenvalues: " + ", ".join(f"{v:.4f}" for v in self.eigenvalues),
            self.to_frame().round(4).to_string(),
        ]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return the kept loadings and the weight per indicator."""
        frame = self.loadings.iloc[:, : self.n_components].reindex(self.weights.index)
        return frame.assign(weight=self.weights)


def _count_components(eigenvalues: np.ndarray, rule: str, threshold: float) -> int:
    """Return how many leading components the rule keeps."""
    if rule == "kaiser":
        q = int(np.sum(eigenvalues > 1.0))
        if q == 0:
            raise ValueError(
                "No component has an eigenvalue above 1, so the Kaiser rule keeps none. "
                "Use rule='cumulative'."
            )
        return q

    if rule == "cumulative":
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}.")
        share = np.cumsum(eigenvalues) / eigenvalues.sum()
        return int(np.searchsorted(share, threshold - 1e-12) + 1)

    raise ValueError(f"Unknown rule {rule!r}. Use 'kaiser' or 'cumulative'.")


def pca_weights(X, *, rule: str = "kaiser", threshold: float = 0.85) -> PCAWeights:
    """Derive indicator weights from a principal component analysis.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        (n, k) indicators. They are standardised to z-scores (ddof = 1) here.
    rule : {"kaiser", "cumulative"}
        Kaiser keeps components with eigenvalue > 1. Cumulative keeps the fewest leading
        components whose explained share reaches `threshold`.
    threshold : float
        Share for the cumulative rule.

    Returns
    -------
    PCAWeights
        Weights, eigenvalues, explained shares, loadings and the number kept.

    Raises
    ------
    ValueError
        If values are missing, there are fewer than 3 rows, fewer than one non-constant
        column, the rule is unknown, or the Kaiser rule keeps no component.

    Notes
    -----
    The eigen decomposition of the correlation matrix uses `numpy.linalg.eigh`. The
    weight of indicator j is sum over kept components k of |v_jk| * share_k, then
    normalised to sum 1. Here v are the unit-norm eigenvectors, not the SPSS-style component
    matrix v * sqrt(lambda). Constant columns are left out and get weight 0.
    """
    df = _as_frame(X)
    _require_complete(df)
    if df.shape[0] < 3:
        raise ValueError(f"PCA weights need at least 3 rows, got {df.shape[0]}.")

    constant = _constant_columns(df)
    varying = [c for c in df.columns if c not in constant]
    if not varying:
        raise ValueError("Every column is constant, so PCA weights are undefined.")

    Z = df[varying].to_numpy()
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0, ddof=1)
    R = Z.T @ Z / (Z.shape[0] - 1)

    eigenvalues, eigenvectors = np.linalg.eigh(R)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    eigenvectors = eigenvectors[:, order]
    largest = np.argmax(np.abs(eigenvectors), axis=0)
    signs = np.sign(eigenvectors[largest, np.arange(eigenvectors.shape[1])])
    eigenvectors = eigenvectors * signs

    share = eigenvalues / eigenvalues.sum()
    q = _count_components(eigenvalues, rule, threshold)
    raw = np.abs(eigenvectors[:, :q]) @ share[:q]

    weights = pd.Series(0.0, index=df.columns, name="pca")
    weights[varying] = raw / raw.sum()
    pcs = [f"PC{i + 1}" for i in range(len(eigenvalues))]

    return PCAWeights(
        weights=weights,
        eigenvalues=pd.Series(eigenvalues, index=pcs, name="eigenvalue"),
        explained_variance_ratio=pd.Series(share, index=pcs, name="explained_variance_ratio"),
        loadings=pd.DataFrame(eigenvectors, index=varying, columns=pcs),
        n_components=q,
        rule=rule,
        threshold=float(threshold),
        constant_columns=constant,
    )


# ---------------------------------------------------------------------------------------
# Combination of subjective and objective weights
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CombinedWeights:
    """Combined weights and the coefficients of the combination.

    Attributes
    ----------
    weights : pandas.Series
        Combined weights summing to 1.
    rule : str
        ``"multiplicative"``, ``"game_theory"`` or ``"linear"``.
    coefficients : tuple of float or None
        (subjective, objective) coefficients for the linear and game-theory rules, or
        None for the multiplicative rule.
    """

    weights: pd.Series
    rule: str
    coefficients: tuple[float, float] | None

    def summary(self) -> str:
        """Return a text report of the rule, its coefficients and the weights."""
        head = f"Combined weights ({self.rule})"
        if self.coefficients is not None:
            head += (
                f", coefficients subjective = {self.coefficients[0]:.4f}, "
                f"objective = {self.coefficients[1]:.4f}"
            )
        return head + "\n" + self.weights.round(6).to_string()

    def to_frame(self) -> pd.DataFrame:
        """Return the weights as a one-column DataFrame named ``combined``."""
        return self.weights.rename("combined").to_frame()


def _game_theory_coefficients(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Solve the first-order conditions of the game-theory combination for (a, b)."""
    W = np.column_stack([a, b])
    G = W.T @ W
    if np.allclose(a, b, rtol=0, atol=1e-12):
        return 0.5, 0.5

    alpha = np.linalg.solve(G, np.diag(G))
    alpha = np.abs(alpha) / np.abs(alpha).sum()
    return float(alpha[0]), float(alpha[1])


def combine_weights(
    w_subjective, w_objective, *, rule: str = "multiplicative", alpha: float = 0.5
) -> CombinedWeights:
    """Combine a subjective weight vector (e.g. AHP) with an objective one (e.g. entropy).

    Parameters
    ----------
    w_subjective, w_objective : pandas.Series or array_like
        Non-negative weights summing to 1. Two Series must share their labels, and they
        are aligned by label.
    rule : {"multiplicative", "game_theory", "linear"}
        Multiplicative: w_i = a_i b_i / sum_j a_j b_j. Linear: w = alpha a + (1 - alpha) b.
        Game theory: see Notes.
    alpha : float
        Share of the subjective weights for the linear rule, in [0, 1].

    Returns
    -------
    CombinedWeights
        Combined weights and the coefficients.

    Raises
    ------
    ValueError
        If the vectors differ in length or labels, are negative, do not sum to 1, the rule
        is unknown, alpha is outside [0, 1], or the multiplicative product is all zero.

    Notes
    -----
    The game-theory rule looks for w = alpha_1 a + alpha_2 b that minimises
    ||w - a|| and ||w - b|| together. The first-order conditions give the linear system
    sum_k alpha_k (w_i . w_k) = w_i . w_i for i = 1, 2. Its solution is replaced by
    |alpha| / sum |alpha|, as in most Chinese applications. Equal inputs give (0.5, 0.5).
    """
    if isinstance(w_subjective, pd.Series):
        labels = list(w_subjective.index)
    elif isinstance(w_objective, pd.Series):
        labels = list(w_objective.index)
    else:
        labels = list(range(len(np.asarray(w_subjective))))

    a = _as_weight_series(w_subjective, labels, name="w_subjective")
    b = _as_weight_series(w_objective, labels, name="w_objective")
    _check_sums_to_one(a, "w_subjective")
    _check_sums_to_one(b, "w_objective")

    if rule == "multiplicative":
        product = a * b
        if product.sum() <= 0:
            raise ValueError(
                "The multiplicative rule is undefined: a_i * b_i is 0 for every indicator."
            )
        w = product / product.sum()
        coefficients = None
    elif rule == "linear":
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}.")
        w = alpha * a + (1 - alpha) * b
        coefficients = (float(alpha), float(1 - alpha))
    elif rule == "game_theory":
        coefficients = _game_theory_coefficients(a.to_numpy(), b.to_numpy())
        w = coefficients[0] * a + coefficients[1] * b
        w = w / w.sum()
    else:
        raise ValueError(
            f"Unknown rule {rule!r}. Use 'multiplicative', 'game_theory' or 'linear'."
        )

    return CombinedWeights(weights=w.rename("combined"), rule=rule, coefficients=coefficients)
