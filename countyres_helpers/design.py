"""The regression design shared by the Guanzhong and regional chapters.

Outcome: the 2020 resilience score. Key regressor: the 2010 e-commerce proxy index.
Controls, all from 2010: years of schooling, the elderly share and log population.
Urbanisation is left out of the controls because it is one of the proxy's indicators.
Every column is standardised (mean 0, population std 1) within the sample, so that
coefficients read as standard deviations of the outcome per standard deviation of X.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyres_helpers.autocorrelation import complete_cases
from countyres_helpers.scores import county_scores

CONTROLS = {
    "schooling_years_2010": "schooling 2010",
    "elderly_share_2010": "elderly share 2010",
    "log_pop_2010": "log population 2010",
}


def regression_frame(counties: pd.DataFrame, *, extra: list[str] = ()) -> tuple:
    """Return the standardised design of the county regressions and the rows left out.

    Parameters
    ----------
    counties : pandas.DataFrame
        Rows of the county table (all China, a region or a case area).
    extra : list of str
        Further columns of ``counties`` to carry along unstandardised (for example
        mediators or region labels).

    Returns
    -------
    frame : pandas.DataFrame
        ``resilience``, ``ecommerce`` and the controls standardised, plus ``extra``, for
        the counties with every value, indexed by code in the order of ``counties``.
    dropped : pandas.DataFrame
        Counties left out, with the missing columns.
    """
    built = county_scores(counties)
    raw = built.scores.join(counties[["name", *extra]])
    raw["schooling_years_2010"] = counties["schooling_years_2010"]
    raw["elderly_share_2010"] = counties["elderly_share_2010"]
    raw["log_pop_2010"] = np.log(counties["pop_2010"])
    raw = raw.reindex(counties.index)

    columns = ["resilience", "ecommerce", *CONTROLS]
    frame, dropped = complete_cases(raw, columns)
    standardised = (frame[columns] - frame[columns].mean()) / frame[columns].std(ddof=0)
    return standardised.join(frame[["name", *extra]]), dropped
