"""Prepare a checked user panel for the fixed-effects spatial panel models.

``read_panel`` checks the cells of a file. The panel chapter needs more. The outcome
and regressor columns must exist, the codes must match counties of the chosen area, and
the outcome must be positive because it is logged. The two-way fixed-effects estimators
take one row per county and year, so the panel must be balanced and complete.
:func:`model_panel` checks all of that before any model runs. Problems that only the
user can fix raise a ``PanelFileError`` naming the file, rows and columns. Counties left
out to balance the panel are listed in ``ModelPanel.dropped``, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from countyres_helpers.data.panel import (
    QUALITY_COLUMNS,
    PanelData,
    PanelFileError,
    match_to_counties,
)

# Minimum counties and years left after balancing for the panel models to run.
MIN_COUNTIES = 10
MIN_YEARS = 2

# Rows listed in an error message before "and N more".
LISTED_ROWS = 10

DROPPED_COLUMNS = ["code", "name", "reason", "rows"]


@dataclass(frozen=True)
class ModelPanel:
    """A balanced county panel ready for the spatial panel models.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per county and year, with ``code`` (the county unit code), ``year``,
        ``y`` (log outcome) and each regressor as log(1 + x), sorted by code and year.
    dropped : pandas.DataFrame
        Counties left out, with ``code``, ``name``, ``reason`` and all their ``rows`` of
        the file.
    unmatched : pandas.DataFrame
        Codes of the file that match no county of the area (see ``match_to_counties``).
    outcome : str
    regressors : list of str
    """

    frame: pd.DataFrame
    dropped: pd.DataFrame = field(repr=False)
    unmatched: pd.DataFrame = field(repr=False)
    outcome: str
    regressors: list

    def summary(self) -> str:
        """Return one line on the size of the model panel and what was left out."""
        counties = self.frame["code"].nunique()
        years = self.frame["year"].nunique()
        return (
            f"model panel: {counties} counties x {years} years of log {self.outcome} on "
            f"{', '.join(self.regressors)}; {len(self.dropped)} counties left out to balance "
            f"the panel; {len(self.unmatched)} codes match no county of the area"
        )


def model_panel(panel: PanelData, counties, outcome: str, regressors: list) -> ModelPanel:
    """Check a user panel against the panel models and return it balanced.

    Parameters
    ----------
    panel : PanelData
        From ``read_panel``.
    counties : pandas.DataFrame
        County table of the area, indexed by unit code (``load_counties().select(...)``).
    outcome : str
        Column modelled as log(outcome); every value must be positive.
    regressors : list of str
        Columns entered as log(1 + x).

    Returns
    -------
    ModelPanel

    Raises
    ------
    PanelFileError
        If a column is missing, no code matches a county of the area, several codes
        fall in one county in the same year, the outcome is zero or negative, or too few
        counties or years are left after balancing.
    """
    path = panel.source
    require_columns(panel, [outcome, *regressors])
    matched, unmatched = match_to_counties(panel, counties)
    if matched.empty:
        raise_model_problem(
            path,
            f"none of the {panel.frame['code'].nunique()} county codes of the panel match "
            f"a county of the chosen area ({len(counties)} counties, codes "
            f"{counties.index[0]} to {counties.index[-1]}). Choose the province of the "
            "panel with --province, or check the codes",
            empty_issues(path, "no code matches the area"),
        )
    check_merged(matched, path)
    check_positive(matched, outcome, path)

    columns = [outcome, *regressors]
    incomplete = incomplete_counties(matched, columns)
    complete = matched[~matched["unit_code"].isin(incomplete["code"])]
    unbalanced = unbalanced_counties(complete, panel.years)
    balanced = complete[~complete["unit_code"].isin(unbalanced["code"])]
    dropped = pd.concat([incomplete, unbalanced], ignore_index=True)
    check_size(balanced, path, dropped)

    frame = pd.DataFrame({
        "code": balanced["unit_code"].to_numpy(),
        "year": balanced["year"].to_numpy(),
        "y": np.log(balanced[outcome].to_numpy(dtype=float)),
    })
    for column in regressors:
        frame[column] = np.log1p(balanced[column].to_numpy(dtype=float))
    frame = frame.sort_values(["code", "year"]).reset_index(drop=True)
    return ModelPanel(frame, dropped, unmatched, outcome, list(regressors))


def require_columns(panel: PanelData, columns: list) -> None:
    """Raise PanelFileError if a model column is not in the panel."""
    missing = [column for column in columns if column not in panel.frame.columns]
    if not missing:
        return
    present = ", ".join(panel.indicators) or "none"
    raise_model_problem(
        panel.source,
        f"the panel has no column {', '.join(repr(c) for c in missing)}, which the panel "
        f"models need. Its indicator columns are: {present}. Add the columns (headers as "
        "in data/templates), or choose others with --outcome and --regressor",
        empty_issues(panel.source, f"missing column(s): {', '.join(missing)}"),
    )


def check_merged(matched: pd.DataFrame, path) -> None:
    """Raise PanelFileError where several codes of the file fall in one county-year."""
    merged = matched[matched["merged"]]
    if merged.empty:
        return
    issues = rows_to_issues(
        merged, path, "code",
        lambda row: f"code {row['code']} falls in county {row['unit_code']} together with "
                    "another code of the same year",
        "sum the rows of one county and year before running the models",
    )
    raise_model_problem(
        path,
        f"{len(merged)} row(s) share a county and year with another code (an older code "
        "of a merged county, for example). Add their counts into one row per county and "
        "year",
        issues,
    )


def check_positive(matched: pd.DataFrame, outcome: str, path) -> None:
    """Raise PanelFileError where the outcome is zero or negative (it is logged)."""
    values = matched[outcome]
    bad = matched[values.notna() & (values <= 0)]
    if bad.empty:
        return
    issues = rows_to_issues(
        bad, path, outcome,
        lambda row: f"{outcome} is {row[outcome]:g}, but the model takes its logarithm",
        "enter a positive value or leave the cell blank",
    )
    raise_model_problem(
        path, f"{len(bad)} value(s) of {outcome} are zero or negative", issues
    )


def incomplete_counties(matched: pd.DataFrame, columns: list) -> pd.DataFrame:
    """Return the counties with a missing value in a model column, with the reason."""
    gaps = matched[matched[columns].isna().any(axis=1)]
    records = []
    for code, rows in gaps.groupby("unit_code", sort=True):
        empty = [c for c in columns if rows[c].isna().any()]
        years = ", ".join(str(y) for y in sorted(rows["year"].unique()))
        county = matched[matched["unit_code"] == code]
        records.append(dropped_record(code, county, f"missing {', '.join(empty)} in {years}"))
    return pd.DataFrame(records, columns=DROPPED_COLUMNS)


def unbalanced_counties(matched: pd.DataFrame, years) -> pd.DataFrame:
    """Return the counties without a row for every year of the panel, with the reason."""
    all_years = set(years)
    records = []
    for code, rows in matched.groupby("unit_code", sort=True):
        absent = sorted(all_years - set(rows["year"]))
        if absent:
            reason = f"no row for {', '.join(str(y) for y in absent)}"
            records.append(dropped_record(code, rows, reason))
    return pd.DataFrame(records, columns=DROPPED_COLUMNS)


def dropped_record(code: str, rows: pd.DataFrame, reason: str) -> dict:
    """Return one row of ``ModelPanel.dropped`` for a county and all its rows of the file."""
    return {
        "code": code,
        "name": first_name(rows),
        "reason": reason,
        "rows": ", ".join(str(row) for row in rows["row"]),
    }


def check_size(balanced: pd.DataFrame, path, dropped: pd.DataFrame) -> None:
    """Raise PanelFileError if too few counties or years are left for the models."""
    counties = balanced["unit_code"].nunique()
    years = balanced["year"].nunique()
    if counties >= MIN_COUNTIES and years >= MIN_YEARS:
        return
    listed = "; ".join(f"{r.code} ({r.reason})" for r in dropped.head(LISTED_ROWS).itertuples())
    raise_model_problem(
        path,
        f"after leaving out counties with missing values or years, {counties} counties and "
        f"{years} years remain; the panel models need at least {MIN_COUNTIES} counties and "
        f"{MIN_YEARS} years" + (f". Left out: {listed}" if listed else ""),
        empty_issues(path, "too few counties or years for the panel models"),
    )


def first_name(rows: pd.DataFrame) -> str:
    """Return the first county name of the rows, or an empty string."""
    if "name" not in rows.columns:
        return ""
    names = rows["name"].dropna()
    return str(names.iloc[0]) if len(names) else ""


def rows_to_issues(rows: pd.DataFrame, path, column: str, issue, action: str) -> pd.DataFrame:
    """Return one issue per row of the file, in the columns of the quality log."""
    records = [
        {"kind": "model", "file": path.name, "row": row["row"], "column": column,
         "code": row["code"], "issue": issue(row), "action": action}
        for _, row in rows.iterrows()
    ]
    return pd.DataFrame(records, columns=["kind", *QUALITY_COLUMNS])


def empty_issues(path, issue: str) -> pd.DataFrame:
    """Return a one-row issue table for a problem of the whole file."""
    record = {"kind": "model", "file": path.name, "row": pd.NA, "column": None,
              "code": None, "issue": issue, "action": "stopped"}
    return pd.DataFrame([record], columns=["kind", *QUALITY_COLUMNS])


def raise_model_problem(path, message: str, issues: pd.DataFrame) -> None:
    """Raise a PanelFileError that names the file and lists the first rows of ``issues``."""
    lines = [f"{path}: {message}."]
    listed = issues.dropna(subset=["row"]).head(LISTED_ROWS)
    for issue in listed.itertuples():
        lines.append(f"  - row {issue.row}, column {issue.column}: {issue.issue}")
    extra = issues["row"].notna().sum() - len(listed)
    if extra > 0:
        lines.append(f"  - ... and {extra} more, listed in the error's issues table")
    raise PanelFileError("\n".join(lines), issues)
