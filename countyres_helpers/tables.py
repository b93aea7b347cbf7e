"""Journal-style regression tables: several fits side by side, with significance stars."""

import pandas as pd

__all__ = ["regression_table"]


def significance_stars(p, stars=(0.1, 0.05, 0.01)):
    """Return ``"*"`` repeated once for each threshold in ``stars`` that p is below."""
    return "*" * sum(p < level for level in stars)


def table_row_order(fits):
    """Order coefficient names: regressors by first appearance, then W_x, rho, lambda."""
    names = []
    for fit in fits:
        names.extend(v for v in fit.names if v not in names)
    spatial = [v for v in ("rho", "lambda") if v in names]
    lagged = [v for v in names if v.startswith("W_") and v not in spatial]
    plain = [v for v in names if v not in spatial and v not in lagged]
    return plain + lagged + spatial


def regression_table(fits, *, stars=(0.1, 0.05, 0.01), digits=3, column_names=None):
    """Lay out several fits side by side as a journal-style table.

    Parameters
    ----------
    fits : sequence of SpatialFit
    stars : tuple of float
        p-value thresholds; a coefficient gets one star per threshold it is below,
        so the default gives * p < 0.1, ** p < 0.05, *** p < 0.01.
    digits : int
        Decimals of coefficients and standard errors.
    column_names : sequence of str, optional
        Column headers; defaults to ``"(1) SAR"``, ``"(2) SEM"`` and so on.

    Returns
    -------
    pandas.DataFrame
        Index (variable, statistic) with statistic ``"coef"`` or ``"se"``, then the rows
        N, logL and AIC. Cells are strings such as ``"-1.032***"`` and ``"(0.305)"``;
        export with ``DataFrame.to_latex`` or ``DataFrame.to_csv``.

    Raises
    ------
    ValueError
        If ``fits`` is empty or ``column_names`` has the wrong length.
    """
    fits = list(fits)
    if not fits:
        raise ValueError("fits is empty; pass at least one SpatialFit.")
    if column_names is None:
        column_names = [f"({i + 1}) {fit.model}" for i, fit in enumerate(fits)]
    if len(column_names) != len(fits):
        raise ValueError(
            f"column_names has {len(column_names)} entries for {len(fits)} fits."
        )

    variables = table_row_order(fits)

    index = [(v, stat) for v in variables for stat in ("coef", "se")]
    index += [("N", ""), ("logL", ""), ("AIC", "")]
    table = pd.DataFrame(
        "", index=pd.MultiIndex.from_tuples(index, names=["variable", "statistic"]),
        columns=column_names,
    )
    for column, fit in zip(column_names, fits):
        for j, name in enumerate(fit.names):
            coef = f"{fit.betas[j]:.{digits}f}" + significance_stars(fit.p[j], stars)
            table.loc[(name, "coef"), column] = coef
            table.loc[(name, "se"), column] = f"({fit.std_err[j]:.{digits}f})"
        table.loc[("N", ""), column] = str(fit.n)
        if fit.logL is not None:
            table.loc[("logL", ""), column] = f"{fit.logL:.{digits}f}"
            table.loc[("AIC", ""), column] = f"{fit.AIC:.{digits}f}"
    return table
