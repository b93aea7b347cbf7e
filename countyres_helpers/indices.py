"""Composite indices: indicator systems, scaling, weights, scores and coupling degrees.

Inputs are pandas DataFrames with county codes as the index and indicators as columns, or
2-D arrays. Outputs keep that index. Every direction (positive or negative) is declared by
the caller or by an indicator file, never guessed from the data.

:func:`build_index` goes from a county table to an index in one call. The methods live in
modules of their own and are re-exported here:

- :mod:`countyres_helpers.indicator_systems`: indicator files and systems.
- :mod:`countyres_helpers.scaling`: min-max scaling with declared directions.
- :mod:`countyres_helpers.weighting`: entropy, PCA and combined weights.
- :mod:`countyres_helpers.ahp`: AHP weights and consistency.
- :mod:`countyres_helpers.aggregation`: TOPSIS and the logistic score.
- :mod:`countyres_helpers.coupling`: economic coupling and coupling coordination.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from countyres_helpers.aggregation import TOPSISResult, logistic_score, topsis
from countyres_helpers.ahp import RI_TABLES, AHPResult, ahp_weights, read_pairwise_matrix
from countyres_helpers.coupling import (
    CouplingCoordination,
    coupling_coordination,
    pairwise_coupling,
)
from countyres_helpers.indicator_systems import (
    DIRECTIONS,  # noqa: F401 (defined here before the split, so still importable from here)
    INDICATOR_DIR,
    Indicator,
    IndicatorSystem,
    indicator_path,
    load_indicator_system,
)
from countyres_helpers.scaling import ScaledIndicators, minmax_scale
from countyres_helpers.weighting import (
    CombinedWeights,
    EntropyWeights,
    PCAWeights,
    combine_weights,
    entropy_weights,
    pca_weights,
)

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
    objective: str = "entropy",
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
        Rule for combining the AHP (subjective) weights with the objective ones.
    objective : {"entropy", "pca"}
        Objective weights combined with AHP for ``weighting="combined"``: entropy, or
        principal components as in the study's AHP + PCA e-commerce index.

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
    if objective not in ("entropy", "pca"):
        raise ValueError(f"Unknown objective {objective!r}. Use 'entropy' or 'pca'.")

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
        objective_weights = entropy.weights if objective == "entropy" else pca.weights
        combined = combine_weights(ahp_result.weights, objective_weights, rule=combine_rule)
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
