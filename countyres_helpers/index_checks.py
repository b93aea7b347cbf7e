"""Input checks shared by the index methods: indicator tables, directions and weights.

The functions raise ValueError or TypeError with the county codes, columns or values at
fault, so that every method of :mod:`countyres_helpers.indices` reports bad input alike.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from countyres_helpers.indicator_systems import DIRECTIONS, IndicatorSystem

_MAX_LISTED = 10


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


def _check_sums_to_one(w: pd.Series, name: str) -> None:
    """Raise ValueError unless w sums to 1 within 1e-6."""
    total = float(w.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"{name} sums to {total:.6g}, not 1. Normalise it with w / w.sum() first."
        )
