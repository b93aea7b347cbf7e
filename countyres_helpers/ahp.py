"""Analytic hierarchy process (AHP): pairwise matrices, eigenvector weights, consistency.

The weights are the principal right eigenvector of a positive reciprocal pairwise matrix,
normalised to sum 1 (Saaty 1980). Consistency is checked with CI = (lambda_max - n) / (n - 1)
and CR = CI / RI, where the random index RI comes from one of the published tables below.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RI_TABLES", "AHPResult", "ahp_weights", "read_pairwise_matrix"]

# Random consistency index RI(n) for n = 1..10.
# - "saaty1980": the classic table of Saaty (1980), used by most Chinese regional studies.
# - "saaty2005": Saaty (2005), Theory and Applications of the Analytic Network Process,
#   p. 31, as coded in AHPy (`_compute_consistency_ratio`, option "saaty").
# - "donegan_dodd": Donegan & Dodd (1991), "A note on Saaty's random indexes",
#   Mathematical and Computer Modelling 15(10), 135-137, as coded in AHPy (option "dd").
# The later tables give no value for n <= 2. A reciprocal matrix of order 1 or 2 is always
# consistent (CI = 0), so RI = 0 is stored there and CR is reported as 0.
RI_TABLES: dict[str, dict[int, float]] = {
    "saaty1980": dict(enumerate([0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49], 1)),
    "saaty2005": dict(enumerate([0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49], 1)),
    "donegan_dodd": dict(
        enumerate([0.0, 0.0, 0.4914, 0.8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055], 1)
    ),
}


@dataclass(frozen=True)
class AHPResult:
    """Eigenvector weights and consistency statistics of one pairwise matrix.

    Attributes
    ----------
    weights : pandas.Series
        Priority weights, summing to 1, indexed by the matrix labels.
    lambda_max : float
        Principal eigenvalue of the pairwise matrix.
    ci : float
        Consistency index (lambda_max - n) / (n - 1).
    cr : float
        Consistency ratio CI / RI (0 for n <= 2).
    ri : float
        Random index used for CR.
    n : int
        Order of the matrix.
    ri_table : str
        Name of the RI table in `RI_TABLES`.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    ri_table: str

    def summary(self) -> str:
        """Return a short text report of the weights and the consistency check."""
        lines = [
            f"AHP eigenvector weights (n = {self.n})",
            f"lambda_max = {self.lambda_max:.4f}, CI = {self.ci:.4f}, "
            f"RI = {self.ri:.4f} ({self.ri_table}), CR = {self.cr:.4f}",
            self.weights.round(4).to_string(),
        ]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return the weights as a one-column DataFrame named ``ahp``."""
        return self.weights.rename("ahp").to_frame()


def _as_labelled_matrix(matrix) -> tuple[np.ndarray, list]:
    """Return the matrix as a float array and its labels, checking shape and labels."""
    if isinstance(matrix, pd.DataFrame):
        if list(matrix.index) != list(matrix.columns):
            raise ValueError(
                "The pairwise matrix must have the same labels, in the same order, on rows "
                f"and columns, got rows {list(matrix.index)} and columns "
                f"{list(matrix.columns)}."
            )
        labels = list(matrix.columns)
        values = matrix.to_numpy()
    else:
        values = np.asarray(matrix)
        labels = list(range(values.shape[0])) if values.ndim == 2 else []

    try:
        A = values.astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"The pairwise matrix must be numeric, but converting it to float failed: {exc}."
        ) from exc

    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"The pairwise matrix must be square and non-empty, got shape {A.shape}.")

    return A, labels


def _check_pairwise(A: np.ndarray, labels: list, tol: float) -> None:
    """Raise ValueError unless A is finite, positive, has a unit diagonal and is reciprocal."""
    if not np.all(np.isfinite(A)):
        raise ValueError("The pairwise matrix contains missing or infinite values.")

    rows, cols = np.nonzero(A <= 0)
    if rows.size:
        i, j = rows[0], cols[0]
        raise ValueError(
            f"Pairwise judgements must be positive, but cell ({labels[i]}, {labels[j]}) "
            f"is {A[i, j]}."
        )

    n = A.shape[0]
    for i in range(n):
        if abs(A[i, i] - 1.0) > tol:
            raise ValueError(
                f"The diagonal of a pairwise matrix must be 1, but cell "
                f"({labels[i]}, {labels[i]}) is {A[i, i]}."
            )

    for i in range(n):
        for j in range(i + 1, n):
            if abs(A[i, j] * A[j, i] - 1.0) > tol:
                raise ValueError(
                    f"The pairwise matrix is not reciprocal: cell ({labels[i]}, "
                    f"{labels[j]}) is {A[i, j]:g} but cell ({labels[j]}, {labels[i]}) is "
                    f"{A[j, i]:g}, expected 1/{A[i, j]:g} = {1.0 / A[i, j]:.4g}. Write "
                    "exact fractions such as 1/3, or fix the judgement."
                )


def _lookup_ri(n: int, ri_table: str) -> float:
    """Return RI(n) from the named table, raising ValueError for unknown tables or n."""
    if ri_table not in RI_TABLES:
        raise ValueError(f"Unknown ri_table {ri_table!r}. Use one of {sorted(RI_TABLES)}.")

    table = RI_TABLES[ri_table]
    if n not in table:
        raise ValueError(
            f"The RI table {ri_table!r} covers matrices of order 1 to {max(table)}, "
            f"got order {n}. Split the criteria into a hierarchy of smaller matrices."
        )

    return table[n]


def ahp_weights(
    matrix,
    *,
    ri_table: str = "saaty1980",
    max_cr: float = 0.1,
    check: bool = True,
    tol: float = 1e-3,
) -> AHPResult:
    """Compute AHP priority weights and the consistency ratio of a pairwise matrix.

    Parameters
    ----------
    matrix : pandas.DataFrame or array_like
        (n, n) positive reciprocal matrix. Cell (i, j) is the importance of criterion i
        over criterion j on Saaty's 1-9 scale. A DataFrame must carry the same labels on
        rows and columns, and the weights are indexed by them.
    ri_table : {"saaty1980", "saaty2005", "donegan_dodd"}
        Random-index table used for CR.
    max_cr : float
        Judgements with CR >= max_cr are rejected when `check` is true.
    check : bool
        If false, return the result even when CR >= max_cr.
    tol : float
        Tolerance for the unit diagonal and for reciprocity, |a_ij * a_ji - 1| <= tol.
        The default accepts four-digit decimals such as 0.3333 for 1/3.

    Returns
    -------
    AHPResult
        Weights, lambda_max, CI, CR, RI and n.

    Raises
    ------
    ValueError
        If the matrix is not square, not positive, has a diagonal other than 1, is not
        reciprocal (the message names the cell), is larger than the RI table, or if
        CR >= max_cr while `check` is true (the message gives the CR value).
    TypeError
        If the matrix is not numeric.

    Notes
    -----
    The principal eigenpair comes from `numpy.linalg.eig`. By the Perron-Frobenius theorem
    it is real and its eigenvector has entries of one sign, so the vector is divided by its
    sum. For n <= 2 a reciprocal matrix is consistent and CR is reported as 0.

    References
    ----------
    Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill.
    Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
    International Journal of Services Sciences 1(1), 83-98.
    """
    A, labels = _as_labelled_matrix(matrix)
    _check_pairwise(A, labels, tol)
    n = A.shape[0]
    ri = _lookup_ri(n, ri_table)

    eigenvalues, eigenvectors = np.linalg.eig(A)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    v = eigenvectors[:, k].real
    w = v / v.sum()

    if n <= 2:
        ci, cr = 0.0, 0.0
    else:
        ci = (lambda_max - n) / (n - 1)
        cr = ci / ri

    if check and cr >= max_cr:
        raise ValueError(
            f"The pairwise matrix is not consistent enough: CR = {cr:.4f} >= max_cr = "
            f"{max_cr} (lambda_max = {lambda_max:.4f}, RI = {ri} from {ri_table!r}). "
            "Revise the judgements, or pass check=False to get the weights anyway."
        )

    weights = pd.Series(w, index=labels, name="ahp")
    return AHPResult(
        weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, ri=ri, n=n, ri_table=ri_table
    )


def _parse_judgement(text: str, path: Path, row: str, column: str) -> float:
    """Parse one cell such as "3", "0.5" or "1/3" into a float."""
    try:
        return float(Fraction(str(text).strip()))
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(
            f"{path}: cell ({row}, {column}) is {text!r}, which is not a number or a "
            "fraction such as 1/3."
        ) from exc


def read_pairwise_matrix(path) -> pd.DataFrame:
    """Read a labelled pairwise matrix from a CSV file.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file whose first column and header row carry the same labels. Lines starting
        with ``#`` are comments. Cells may be decimals or fractions such as ``1/3``.

    Returns
    -------
    pandas.DataFrame
        (n, n) float matrix with the labels on index and columns. It is not checked for
        reciprocity here, because `ahp_weights` does that.

    Raises
    ------
    ValueError
        If a cell is not a number or a fraction, or the row and column labels differ.
    """
    path = Path(path)
    raw = pd.read_csv(path, comment="#", index_col=0, dtype=str, skipinitialspace=True)
    raw.index = raw.index.astype(str).str.strip()
    raw.columns = raw.columns.astype(str).str.strip()

    if list(raw.index) != list(raw.columns):
        raise ValueError(
            f"{path}: row labels {list(raw.index)} differ from column labels "
            f"{list(raw.columns)}. Both must list the same criteria in the same order."
        )

    values = [
        [
            _parse_judgement(raw.iat[i, j], path, row, column)
            for j, column in enumerate(raw.columns)
        ]
        for i, row in enumerate(raw.index)
    ]
    return pd.DataFrame(values, index=raw.index, columns=raw.columns)
