"""Preparing a user's panel for the panel models: columns, codes, logs, balance, size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countyres_helpers.data.panel import PanelFileError, read_panel
from countyres_helpers.data.panel_model import model_panel

XIAN = ["610102", "610103", "610104", "610111", "610112", "610113", "610114", "610115",
        "610116", "610117", "610118", "610122"]
YEARS = [2018, 2019, 2020]
HEADER = "code,name,year,gdp,online_retail_sales,express_deliveries"
REGRESSORS = ["online_retail_sales", "express_deliveries"]


@pytest.fixture
def counties():
    """A stand-in for the county table of Xi'an: twelve units indexed by code."""
    names = [f"县{i}" for i in range(len(XIAN))]
    return pd.DataFrame({"name": names}, index=pd.Index(XIAN, name="code"))


def panel_rows(codes=XIAN, years=YEARS):
    """Return CSV rows of a balanced panel with positive values."""
    rows = []
    for i, code in enumerate(codes):
        for j, year in enumerate(years):
            rows.append(f"{code},县{i},{year},{100 + 10 * i + j},{5 + i},{2 + j}")
    return rows


def write_panel(tmp_path, rows, header=HEADER):
    """Write the rows under ``header`` to panel.csv and return the checked panel."""
    path = Path(tmp_path) / "panel.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return read_panel(path)


def model_error(panel, counties, outcome="gdp"):
    """Return the PanelFileError that model_panel raises."""
    with pytest.raises(PanelFileError) as caught:
        model_panel(panel, counties, outcome, REGRESSORS)
    return caught.value


def test_balanced_panel_kept(tmp_path, counties):
    prepared = model_panel(write_panel(tmp_path, panel_rows()), counties, "gdp", REGRESSORS)
    assert len(prepared.frame) == len(XIAN) * len(YEARS)
    assert prepared.dropped.empty
    assert prepared.unmatched.empty


def test_logs_of_outcome_and_regressors(tmp_path, counties):
    prepared = model_panel(write_panel(tmp_path, panel_rows()), counties, "gdp", REGRESSORS)
    first = prepared.frame.iloc[0]
    assert first["code"] == "610102"
    assert first["year"] == 2018
    assert first["y"] == pytest.approx(np.log(100))
    assert first["online_retail_sales"] == pytest.approx(np.log1p(5))
    assert first["express_deliveries"] == pytest.approx(np.log1p(2))


def test_missing_column_named(tmp_path, counties):
    panel = write_panel(tmp_path, [r.rsplit(",", 3)[0] + ",1,1" for r in panel_rows()],
                        header="code,name,year,online_retail_sales,express_deliveries")
    error = model_error(panel, counties)
    assert "panel.csv" in str(error)
    assert "no column 'gdp'" in str(error)
    assert "--outcome" in str(error)


def test_blank_cell_drops_county(tmp_path, counties):
    rows = panel_rows()
    rows[4] = "610103,县1,2019,,6,3"
    prepared = model_panel(write_panel(tmp_path, rows), counties, "gdp", REGRESSORS)
    assert "610103" not in set(prepared.frame["code"])
    assert prepared.frame["code"].nunique() == len(XIAN) - 1
    dropped = prepared.dropped.set_index("code")
    assert dropped.loc["610103", "reason"] == "missing gdp in 2019"
    assert dropped.loc["610103", "rows"] == "5, 6, 7"


def test_missing_year_drops_county(tmp_path, counties):
    rows = [r for r in panel_rows() if not r.startswith("610104,县2,2020")]
    prepared = model_panel(write_panel(tmp_path, rows), counties, "gdp", REGRESSORS)
    dropped = prepared.dropped.set_index("code")
    assert dropped.loc["610104", "reason"] == "no row for 2020"
    assert "610104" not in set(prepared.frame["code"])


def test_zero_outcome_named(tmp_path, counties):
    rows = panel_rows()
    rows[0] = "610102,县0,2018,0,5,2"
    error = model_error(write_panel(tmp_path, rows), counties)
    assert "1 value(s) of gdp are zero or negative" in str(error)
    assert "row 2, column gdp: gdp is 0" in str(error)
    assert error.issues.loc[0, "row"] == 2


def test_codes_of_other_area_rejected(tmp_path, counties):
    rows = panel_rows(codes=["510104", "510105"])
    error = model_error(write_panel(tmp_path, rows), counties)
    assert "none of the 2 county codes of the panel match" in str(error)
    assert "--province" in str(error)


def test_too_few_counties_rejected(tmp_path, counties):
    error = model_error(write_panel(tmp_path, panel_rows(codes=XIAN[:3])), counties)
    assert "3 counties and 3 years remain" in str(error)
    assert "at least 10 counties" in str(error)


def test_one_year_rejected(tmp_path, counties):
    error = model_error(write_panel(tmp_path, panel_rows(years=[2020])), counties)
    assert "12 counties and 1 years remain" in str(error)


def test_merged_codes_rejected(tmp_path):
    # 110103 (Chongwen) merged into 110101 (Dongcheng) in 2010, so both rows of 2019
    # fall in one county.
    counties = pd.DataFrame({"name": ["东城区"]}, index=pd.Index(["110101"], name="code"))
    rows = ["110101,东城区,2019,10,1,1", "110103,崇文区,2019,5,1,1"]
    error = model_error(write_panel(tmp_path, rows), counties)
    assert "2 row(s) share a county and year" in str(error)
    assert "row 3, column code" in str(error)


def test_summary_counts(tmp_path, counties):
    rows = [r for r in panel_rows() if not r.startswith("610104,县2,2020")]
    prepared = model_panel(write_panel(tmp_path, rows), counties, "gdp", REGRESSORS)
    assert prepared.summary().startswith("model panel: 11 counties x 3 years of log gdp")
    assert "1 counties left out to balance the panel" in prepared.summary()
