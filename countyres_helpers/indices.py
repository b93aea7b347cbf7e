"""Composite indices: indicator systems, scaling, weights, scores and coupling degrees.

Inputs are pandas DataFrames with county codes as the index and indicators as columns, or
2-D arrays. Outputs keep that index. Every direction (positive or negative) is declared by
the caller or by an indicator file, never guessed from the data. The AHP functions live in
`countyres_helpers.ahp` and are re-exported here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.spatial.distance import pdist, squareform
from scipy.special import expit

from countyres_helpers.ahp import RI_TABLES, AHPResult, ahp_weights, read_pairwise_matrix

__all__ = [
    "INDICATOR_DIR",
    "Indicator",
    "IndicatorSystem",
    "load_indicator_system",
    "indicator_path",
    "ScaledIndicators",
    "minmax_scale",
    "EntropyWeights",
    "entropy_weights",
    "PCAWeights",
    "pca_weights",
    "CombinedWeights",
    "combine_weights",
    "TOPSISResult",
    "topsis",
    "logistic_score",
    "pairwise_coupling",
    "CouplingCoordination",
    "coupling_coordination",
    "IndexResult",
    "build_index",
    "RI_TABLES",
    "AHPResult",
    "ahp_weights",
    "read_pairwise_matrix",
]

INDICATOR_DIR = Path(__file__).parent / "indicators"
DIRECTIONS = ("positive", "negative")
_INDICATOR_KEYS = ("name", "dimension", "column", "direction", "unit", "label")
_MAX_LISTED = 10


# ---------------------------------------------------------------------------------------
# Indicator systems
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator of a composite index, as declared in an indicator file."""

    name: str
    dimension: str
    column: str
    direction: str
    unit: str
    label: str


@dataclass(frozen=True)
class IndicatorSystem:
    """A named, ordered set of indicators loaded from a YAML file.

    Attributes
    ----------
    name : str
        Name of the system, e.g. ``"resilience_census"``.
    description : str
        What the system measures.
    source : str
        Where the input data come from.
    indicators : tuple of Indicator
        Indicators in file order.
    path : str
        File the system was read from.
    """

    name: str
    description: str
    source: str
    indicators: tuple[Indicator, ...]
    path: str

    @property
    def names(self) -> list[str]:
        """Indicator names in file order."""
        return [ind.name for ind in self.indicators]

    @property
    def columns(self) -> list[str]:
        """Data columns in file order."""
        return [ind.column for ind in self.indicators]

    @property
    def directions(self) -> list[str]:
        """Declared directions in file order."""
        return [ind.direction for ind in self.indicators]

    @property
    def dimensions(self) -> list[str]:
        """Dimension of each indicator in file order."""
        return [ind.dimension for ind in self.indicators]

    def summary(self) -> str:
        """Return a text table of the indicators."""
        header = f"Indicator system {self.name!r} ({len(self.indicators)} indicators)"
        return header + "\n" + self.to_frame().to_string()

    def to_frame(self) -> pd.DataFrame:
        """Return one row per indicator, indexed by name."""
        rows = [dataclasses.asdict(ind) for ind in self.indicators]
        return pd.DataFrame(rows).set_index("name")


def indicator_path(filename: str) -> Path:
    """Return the path of an indicator or AHP file shipped in ``countyres_helpers/indicators``.

    Parameters
    ----------
    filename : str
        File name such as ``"resilience_census.yaml"`` or ``"ahp_ecommerce.csv"``.

    Returns
    -------
    pathlib.Path
        Absolute path of the shipped file.

    Raises
    ------
    FileNotFoundError
        If no such file ships with the package. The message lists the shipped files.
    """
    path = INDICATOR_DIR / filename
    if not path.is_file():
        shipped = sorted(p.name for p in INDICATOR_DIR.iterdir() if p.is_file())
        raise FileNotFoundError(
            f"No shipped indicator file named {filename!r}. Shipped files are {shipped}."
        )
    return path


def _parse_indicator(entry, position: int, path: Path) -> Indicator:
    """Validate one YAML entry and return it as an Indicator."""
    where = f"{path}: indicator entry {position}"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be a mapping of keys to values, got {entry!r}.")

    if "name" in entry:
        where += f" ({entry['name']!r})"

    missing = [key for key in _INDICATOR_KEYS if key not in entry]
    if missing:
        raise ValueError(f"{where} is missing the keys {missing}.")

    unknown = sorted(set(entry) - set(_INDICATOR_KEYS))
    if unknown:
        raise ValueError(
            f"{where} has unknown keys {unknown}. Allowed keys are {list(_INDICATOR_KEYS)}."
        )

    empty = [key for key in _INDICATOR_KEYS if not str(entry[key]).strip()]
    if empty:
        raise ValueError(f"{where} has empty values for {empty}.")

    if entry["direction"] not in DIRECTIONS:
        raise ValueError(
            f"{where} has unknown direction {entry['direction']!r}. Use 'positive' "
            "(larger is better) or 'negative' (larger is worse)."
        )

    return Indicator(**{key: str(entry[key]) for key in _INDICATOR_KEYS})


def load_indicator_system(path) -> IndicatorSystem:
    """Read and validate an indicator system from a YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        YAML file with the keys ``name``, ``indicators`` and optionally ``description`` and
        ``source``. Each indicator entry has exactly the keys name, dimension, column,
        direction (``positive`` or ``negative``), unit and label. Use `indicator_path` for
        the files shipped with the package.

    Returns
    -------
    IndicatorSystem
        Frozen description of the indicators in file order.

    Raises
    ------
    ValueError
        If the file is not a mapping, has no indicators, or an entry has missing, unknown
        or empty keys, an unknown direction, or a duplicate name or column. The message
        names the file and the entry.
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)

    if not isinstance(document, Mapping):
        raise ValueError(f"{path}: the file must contain a mapping with an 'indicators' list.")
    if "name" not in document:
        raise ValueError(f"{path}: the top-level key 'name' is missing.")

    entries = document.get("indicators")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: 'indicators' must be a non-empty list of entries.")

    indicators = tuple(_parse_indicator(e, i, path) for i, e in enumerate(entries))

    for field in ("name", "column"):
        seen: dict[str, int] = {}
        for position, ind in enumerate(indicators):
            value = getattr(ind, field)
            if value in seen:
                raise ValueError(
                    f"{path}: indicator entry {position} repeats the {field} {value!r} "
                    f"of entry {seen[value]}, but each {field} must be unique."
                )
            seen[value] = position

    return IndicatorSystem(
        name=str(document["name"]),
        description=str(document.get("description", "")),
        source=str(document.get("source", "")),
        indicators=indicators,
        path=str(path),
    )


# ---------------------------------------------------------------------------------------
# Input checks shared by the methods
# ---------------------------------------------------------------------------------------


def _as_frame(X, codes=None, *, name: str = "X") -> pd.DataFrame:
    """Return X as a float DataFrame, raising TypeError for non-numeric columns.

    An ndarray gets columns ``x0, x1, ...``. `codes`, if given, replaces the index.
    Missing values are kept, but infinite values raise ValueError.
    """
    if isinstance(X, pd.DataFrame):
        df = X.copy()
    else:
        values = np.asarray(X)
        if values.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (counties in rows, indicators in columns), got "
                f"{values.ndim} dimension(s) with shape {values.shape}."
            )
        df = pd.DataFrame(values, columns=[f"x{j}" for j in range(values.shape[1])])

    if codes is not None:
        codes = list(codes)
        if len(codes) != len(df):
            raise ValueError(f"codes has {len(codes)} entries but {name} has {len(df)} rows.")
        df.index = pd.Index(codes)

    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {df.shape}).")

    for column in df.columns:
        series = df[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            raise TypeError(
                f"Column {column!r} of {name} has dtype {series.dtype}, not a number. "
                "Convert it with pandas.to_numeric or drop it from the indicator list."
            )

    df = df.astype(float)
    if np.isinf(df.to_numpy()).any():
        columns = [c for c in df.columns if np.isinf(df[c]).any()]
        raise ValueError(f"{name} has infinite values in columns {columns}.")

    return df


def _list_cells(mask: pd.DataFrame) -> str:
    """Return 'code: column' pairs for the True cells of mask, shortened after ten."""
    cells = mask.stack()
    cells = cells[cells]
    pairs = [f"{code}: {column}" for code, column in cells.index]
    text = ", ".join(pairs[:_MAX_LISTED])
    if len(pairs) > _MAX_LISTED:
        text += f" and {len(pairs) - _MAX_LISTED} more"
    return text


def _require_complete(df: pd.DataFrame, name: str = "X") -> None:
    """Raise ValueError naming the county codes and columns of any missing value."""
    mask = df.isna()
    if mask.to_numpy().any():
        raise ValueError(
            f"{name} has {int(mask.to_numpy().sum())} missing values (county code: column): "
            f"{_list_cells(mask)}. Fill them, or pass impute='median' or 'mean' to "
            "minmax_scale."
        )


def _parse_directions(directions, columns) -> tuple[str, ...]:
    """Return one declared direction per column, checking length and words."""
    columns = list(columns)
    if isinstance(directions, IndicatorSystem):
        directions = directions.directions

    if isinstance(directions, str):
        raise TypeError(
            f"directions must list one word per column, not the single string "
            f"{directions!r}. Use e.g. ['positive'] * {len(columns)}."
        )

    if isinstance(directions, Mapping):
        missing = [c for c in columns if c not in directions]
        if missing:
            raise ValueError(f"directions has no entry for the columns {missing}.")
        directions = [directions[c] for c in columns]

    directions = list(directions)
    if len(directions) != len(columns):
        raise ValueError(
            f"directions has {len(directions)} entries but there are {len(columns)} "
            f"columns {columns}. Give one direction per column."
        )

    for column, direction in zip(columns, directions, strict=True):
        if direction not in DIRECTIONS:
            raise ValueError(
                f"Unknown direction {direction!r} for column {column!r}. Use 'positive' "
                "(larger is better) or 'negative' (larger is worse)."
            )

    return tuple(directions)


def _constant_columns(df: pd.DataFrame) -> tuple:
    """Return the columns whose values are equal up to rounding error.

    A spread below 1e-12 times the column's largest absolute value counts as none, so
    float noise such as 0.1 + 0.2 versus 0.3 is not stretched to the full [0, 1] range.
    """
    values = df.to_numpy()
    top = np.nanmax(values, axis=0)
    bottom = np.nanmin(values, axis=0)
    spread = top - bottom
    scale = np.maximum(np.abs(top), np.abs(bottom))
    return tuple(c for c, s, z in zip(df.columns, spread, scale, strict=True) if s <= 1e-12 * z)


def _as_weight_series(
    weights, columns, name: str = "weights", *, allow_negative: bool = False
) -> pd.Series:
    """Return weights as a float Series indexed by columns, checking length and labels."""
    columns = list(columns)
    if isinstance(weights, pd.Series):
        if set(weights.index) != set(columns):
            raise ValueError(
                f"{name} is indexed by {list(weights.index)} but the columns are {columns}."
            )
        w = weights.reindex(columns).astype(float)
    else:
        values = np.asarray(weights, dtype=float)
        if values.ndim != 1 or values.size != len(columns):
            raise ValueError(
                f"{name} has shape {values.shape} but there are {len(columns)} columns. "
                "Give one weight per column."
            )
        w = pd.Series(values, index=columns)

    if not np.all(np.isfinite(w.to_numpy())):
        raise ValueError(f"{name} contains missing or infinite values: {w.to_dict()}.")
    if not allow_negative and (w < 0).any():
        raise ValueError(f"{name} must be non-negative, got {w.to_dict()}.")

    return w


# ---------------------------------------------------------------------------------------
# Min-max scaling with declared direction
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaledIndicators:
    """Min-max scaled indicators and the data-quality facts found while scaling.

    Attributes
    ----------
    X : pandas.DataFrame
        Scaled values in [0, 1], larger is better for every column.
    directions : tuple of str
        Declared direction of each column.
    constant_columns : tuple
        Columns with no variation. They are scaled to 0 and must get weight 0.
    imputed : pandas.DataFrame
        One row per imputed cell with columns ``code``, ``column`` and ``value`` (the
        raw value filled in). Empty when nothing was imputed.
    minimum, maximum : pandas.Series
        Raw column minimum and maximum used for scaling.
    impute : str or None
        Imputation rule used.
    """

    X: pd.DataFrame
    directions: tuple[str, ...]
    constant_columns: tuple
    imputed: pd.DataFrame
    minimum: pd.Series
    maximum: pd.Series
    impute: str | None

    def summary(self) -> str:
        """Return a text report of the scaling and of the data-quality facts."""
        lines = [
            f"Min-max scaling of {self.X.shape[1]} indicators for {self.X.shape[0]} counties",
            f"constant columns (scaled to 0, weight 0): {list(self.constant_columns) or 'none'}",
            f"imputed cells ({self.impute}): {len(self.imputed)}",
            self.to_frame().to_string(),
        ]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per indicator: direction, raw min and max, constant, imputed."""
        counts = self.imputed["column"].value_counts() if len(self.imputed) else {}
        columns = list(self.X.columns)
        return pd.DataFrame(
            {
                "direction": list(self.directions),
                "minimum": self.minimum.to_numpy(),
                "maximum": self.maximum.to_numpy(),
                "constant": [c in self.constant_columns for c in columns],
                "n_imputed": [int(counts.get(c, 0)) for c in columns],
            },
            index=pd.Index(columns, name="indicator"),
        )


def _impute(df: pd.DataFrame, impute: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing cells with the column median or mean and list the filled cells."""
    if impute not in ("median", "mean"):
        raise ValueError(f"Unknown impute rule {impute!r}. Use None, 'median' or 'mean'.")

    empty = [c for c in df.columns if df[c].isna().all()]
    if empty:
        raise ValueError(f"Columns {empty} have no observed values and cannot be imputed.")

    fill = df.median() if impute == "median" else df.mean()
    records = []
    for column in df.columns:
        for code in df.index[df[column].isna()]:
            records.append({"code": code, "column": column, "value": float(fill[column])})

    imputed = pd.DataFrame(records, columns=["code", "column", "value"])
    return df.fillna(fill), imputed


def minmax_scale(X, directions, *, codes=None, impute: str | None = None) -> ScaledIndicators:
    """Min-max scale each indicator to [0, 1] according to its declared direction.

    Parameters
    ----------
    X : pandas.DataFrame or numpy.ndarray
        (n, k) raw indicators. The DataFrame index contains the county codes.
    directions : sequence of str, mapping or IndicatorSystem
        ``"positive"`` (larger is better) or ``"negative"`` (larger is worse) for each
        column, in column order or keyed by column.
    codes : sequence, optional
        County codes for the rows. They replace the DataFrame index.
    impute : {None, "median", "mean"}
        None raises on missing values. Otherwise each missing cell gets the column median
        or mean of the observed values, and the cell is listed in the result.

    Returns
    -------
    ScaledIndicators
        Scaled values plus the constant columns and the imputed cells.

    Raises
    ------
    ValueError
        If values are missing and `impute` is None (the message names the county codes and
        columns), if `directions` has the wrong length or an unknown word, or if values are
        infinite.
    TypeError
        If a column is not numeric.

    Notes
    -----
    Positive: (x - min) / (max - min). Negative: (max - x) / (max - min). A constant column
    has max = min, so it is set to 0 and reported in ``constant_columns``. The weighting
    functions give such columns weight 0.
    """
    df = _as_frame(X, codes)
    dirs = _parse_directions(directions, df.columns)

    if impute is None:
        _require_complete(df)
        imputed = pd.DataFrame(columns=["code", "column", "value"])
    else:
        df, imputed = _impute(df, impute)

    minimum = df.min()
    maximum = df.max()
    spread = maximum - minimum
    constant = _constant_columns(df)

    scaled = pd.DataFrame(index=df.index)
    for column, direction in zip(df.columns, dirs, strict=True):
        if column in constant:
            scaled[column] = 0.0
        elif direction == "positive":
            scaled[column] = (df[column] - minimum[column]) / spread[column]
        else:
            scaled[column] = (maximum[column] - df[column]) / spread[column]

    return ScaledIndicators(
        X=scaled,
        directions=dirs,
        constant_columns=constant,
        imputed=imputed,
        minimum=minimum,
        maximum=maximum,
        impute=impute,
    )


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


def _check_sums_to_one(w: pd.Series, name: str) -> None:
    """Raise ValueError unless w sums to 1 within 1e-6."""
    total = float(w.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"{name} sums to {total:.6g}, not 1. Normalise it with w / w.sum() first."
        )


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


# ---------------------------------------------------------------------------------------
# Scores: TOPSIS and the logistic resilience formula
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Coupling: gravity-based economic coupling between counties, and coupling coordination
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# One call from a county table to an index
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexResult:
    """A composite index with the weights of each method side by side.

    Attributes
    ----------
    score : pandas.Series
        Index value per county code.
    weights : pandas.DataFrame
        One row per indicator: dimension, direction, the weights of each method and the
        ``used`` weights behind `score`.
    scaled : ScaledIndicators
        Scaled indicators with constant columns and imputed cells.
    weighting : str
        Method whose weights were used.
    score_method : str
        ``"weighted_sum"``, ``"logistic"`` or ``"topsis"``.
    entropy : EntropyWeights
    pca : PCAWeights
    ahp : AHPResult or None
    combined : CombinedWeights or None
    """

    score: pd.Series
    weights: pd.DataFrame
    scaled: ScaledIndicators
    weighting: str
    score_method: str
    entropy: EntropyWeights
    pca: PCAWeights
    ahp: AHPResult | None
    combined: CombinedWeights | None

    def summary(self) -> str:
        """Return a text report: method, score range and the weights table."""
        lines = [
            f"Composite index: {self.weighting} weights, {self.score_method} score, "
            f"{len(self.score)} counties",
            f"score min {self.score.min():.4f}, mean {self.score.mean():.4f}, "
            f"max {self.score.max():.4f}",
            self.weights.round(4).to_string(),
        ]
        if self.scaled.constant_columns:
            lines.append(f"constant indicators (weight 0): {list(self.scaled.constant_columns)}")
        if len(self.scaled.imputed):
            lines.append(f"imputed cells: {len(self.scaled.imputed)}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return the score and its rank (1 = highest) per county."""
        rank = self.score.rank(ascending=False, method="min").astype(int)
        return pd.DataFrame({"score": self.score, "rank": rank})


def _ahp_for_system(ahp, names: list[str]) -> AHPResult:
    """Return AHP weights aligned to the indicator names."""
    result = ahp if isinstance(ahp, AHPResult) else ahp_weights(ahp)
    if set(result.weights.index) != set(names):
        raise ValueError(
            f"The AHP matrix covers {list(result.weights.index)} but the indicator system "
            f"has {names}. Label the matrix with the indicator names."
        )
    return result


def build_index(
    df: pd.DataFrame,
    system: IndicatorSystem,
    *,
    weighting: str = "entropy",
    ahp=None,
    score: str = "weighted_sum",
    impute: str | None = None,
    shift: float = 0.0,
    pca_rule: str = "kaiser",
    combine_rule: str = "game_theory",
) -> IndexResult:
    """Build a composite index from a county table and an indicator system.

    Parameters
    ----------
    df : pandas.DataFrame
        County table indexed by county code with the columns named in `system`.
    system : IndicatorSystem
        Indicators, their columns and declared directions.
    weighting : {"entropy", "pca", "ahp", "combined"}
        Weights used for the score. "ahp" and "combined" need `ahp`.
    ahp : AHPResult or pandas.DataFrame, optional
        AHP result or pairwise matrix labelled with the indicator names.
    score : {"weighted_sum", "logistic", "topsis"}
        Weighted sum of scaled indicators, the study's logistic formula, or TOPSIS
        closeness with min-max normalisation.
    impute : {None, "median", "mean"}
        Passed to `minmax_scale`.
    shift : float
        Passed to `entropy_weights`.
    pca_rule : {"kaiser", "cumulative"}
        Passed to `pca_weights`.
    combine_rule : {"game_theory", "multiplicative", "linear"}
        Rule for combining AHP (subjective) with entropy (objective) weights.

    Returns
    -------
    IndexResult
        Scores, the weights table and the scaling report.

    Raises
    ------
    ValueError
        If columns are missing from `df`, the weighting or score is unknown, or `ahp` is
        needed but not given. Errors of the underlying functions pass through.

    Notes
    -----
    Constant indicators get weight 0 in the ``used`` column even when the AHP matrix gives
    them weight. The other used weights are renormalised to sum 1.
    """
    missing = [c for c in system.columns if c not in df.columns]
    if missing:
        raise ValueError(f"df has no columns {missing} required by {system.name!r}.")
    if weighting not in ("entropy", "pca", "ahp", "combined"):
        raise ValueError(
            f"Unknown weighting {weighting!r}. Use 'entropy', 'pca', 'ahp' or 'combined'."
        )
    if weighting in ("ahp", "combined") and ahp is None:
        raise ValueError(f"weighting={weighting!r} needs an AHP matrix or result in ahp=.")
    if score not in ("weighted_sum", "logistic", "topsis"):
        raise ValueError(f"Unknown score {score!r}. Use 'weighted_sum', 'logistic' or 'topsis'.")

    names = system.names
    X = df[system.columns].set_axis(names, axis=1)
    scaled = minmax_scale(X, system.directions, impute=impute)

    entropy = entropy_weights(scaled.X, shift=shift)
    pca = pca_weights(scaled.X, rule=pca_rule)
    table = pd.DataFrame(
        {"dimension": system.dimensions, "direction": system.directions}, index=names
    )
    table["entropy"] = entropy.weights
    table["pca"] = pca.weights

    ahp_result, combined = None, None
    if ahp is not None:
        ahp_result = _ahp_for_system(ahp, names)
        combined = combine_weights(ahp_result.weights, entropy.weights, rule=combine_rule)
        table["ahp"] = ahp_result.weights
        table["combined"] = combined.weights

    used = table[weighting].copy()
    used[list(scaled.constant_columns)] = 0.0
    if used.sum() <= 0:
        raise ValueError(f"The {weighting} weights are zero for every non-constant indicator.")
    table["used"] = used / used.sum()

    w = table["used"]
    if score == "weighted_sum":
        values = (scaled.X @ w).rename("score")
    elif score == "logistic":
        values = logistic_score(scaled.X, w).rename("score")
    else:
        values = topsis(scaled.X, w, ["positive"] * len(names)).closeness.rename("score")

    return IndexResult(
        score=values,
        weights=table.rename_axis("indicator").reset_index(),
        scaled=scaled,
        weighting=weighting,
        score_method=score,
        entropy=entropy,
        pca=pca,
        ahp=ahp_result,
        combined=combined,
    )
