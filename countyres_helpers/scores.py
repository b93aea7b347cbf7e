"""The book's two composite measures of the census counties, built one way for every chapter.

Resilience uses the 2020 levels of the indicators in ``resilience_census.yaml`` and the
2010-2020 change in log population, weighted by entropy and scored with the logistic
formula R = 1 / (1 + exp(-sum_i w_i X_i)). The e-commerce proxy uses the 2010 levels of
``ecommerce_census.yaml``, weighted by AHP and PCA combined by the game-theory rule, as
the study weighs its e-commerce indicators.
Measuring the proxy in 2010 and the outcome in 2020 keeps the regressor before the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from countyres_helpers import indices
from countyres_helpers.autocorrelation import complete_cases


@dataclass(frozen=True)
class CountyScores:
    """Resilience and e-commerce scores with the index results behind them.

    Attributes
    ----------
    scores : pandas.DataFrame
        ``resilience`` and ``ecommerce`` per county code, for counties with every indicator.
    resilience, ecommerce : indices.IndexResult
    dropped : pandas.DataFrame
        Counties left out for missing indicators, with the missing columns.
    """

    scores: pd.DataFrame
    resilience: indices.IndexResult
    ecommerce: indices.IndexResult
    dropped: pd.DataFrame


def year_table(counties: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the variables of one census year without their ``_YYYY`` suffix."""
    suffix = f"_{year}"
    columns = [c for c in counties.columns if c.endswith(suffix)]
    return counties[columns].rename(columns=lambda c: c.removesuffix(suffix))


def county_scores(
    counties: pd.DataFrame, *, resilience_year: int = 2020, ecommerce_year: int = 2010
) -> CountyScores:
    """Build the resilience score and the e-commerce proxy index of the census counties.

    Parameters
    ----------
    counties : pandas.DataFrame
        The county table of ``load_counties``, or a subset of its rows.
    resilience_year, ecommerce_year : int
        Census years of the level indicators of each measure.
    """
    resilience_system = indices.load_indicator_system(
        indices.indicator_path("resilience_census.yaml")
    )
    ecommerce_system = indices.load_indicator_system(
        indices.indicator_path("ecommerce_census.yaml")
    )

    resilience_table = year_table(counties, resilience_year)
    resilience_table["pop_change_log"] = counties["pop_change_log"]
    ecommerce_table = year_table(counties, ecommerce_year)
    table = resilience_table[list(resilience_system.columns)].join(
        ecommerce_table[list(ecommerce_system.columns)], rsuffix="_ecommerce"
    )
    table = table.join(counties[["name"]])

    columns = list(resilience_system.columns) + [
        c if c not in resilience_system.columns else f"{c}_ecommerce"
        for c in ecommerce_system.columns
    ]
    sample, dropped = complete_cases(table, columns)

    resilience = indices.build_index(
        sample, resilience_system, weighting="entropy", score="logistic"
    )
    ahp_matrix = indices.read_pairwise_matrix(indices.indicator_path("ahp_ecommerce.csv"))
    ecommerce = indices.build_index(
        ecommerce_table.loc[sample.index], ecommerce_system, weighting="combined",
        ahp=ahp_matrix, score="weighted_sum", objective="pca",
    )
    scores = pd.DataFrame({"resilience": resilience.score, "ecommerce": ecommerce.score})
    return CountyScores(scores, resilience, ecommerce, dropped)
