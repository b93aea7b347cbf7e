"""Min-max scaling of raw indicators to [0, 1] according to their declared direction."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from countyres_helpers.index_checks import (
    _as_frame,
    _constant_columns,
    _parse_directions,
    _require_complete,
)

__all__ = ["ScaledIndicators", "minmax_scale"]


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
