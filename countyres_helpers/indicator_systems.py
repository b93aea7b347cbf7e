"""Indicator systems of the composite indices, declared in YAML files.

An indicator file names each indicator, its dimension, its data column, its declared
direction (positive or negative), its unit and its label. The files shipped with the package
are in ``countyres_helpers/indicators``; :func:`indicator_path` finds them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

__all__ = [
    "DIRECTIONS",
    "INDICATOR_DIR",
    "Indicator",
    "IndicatorSystem",
    "indicator_path",
    "load_indicator_system",
]

INDICATOR_DIR = Path(__file__).parent / "indicators"
DIRECTIONS = ("positive", "negative")
_INDICATOR_KEYS = ("name", "dimension", "column", "direction", "unit", "label")


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
