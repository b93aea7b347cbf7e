"""Panel reader: small CSV and Excel files written by the tests, the templates, matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from countyres_helpers.data import boundaries, crosswalk, panel
from countyres_helpers.data.panel import (
    DataFileError,
    PanelFileError,
    match_to_counties,
    read_panel,
    write_template,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"

HEADER_ZH = "区划代码,县名,年份,网络零售额,快递业务量"
ROWS = [
    "610102,新城区,2019,1200.5,30",
    "610102,新城区,2020,1500,35",
    "610103,碑林区,2019,800,20",
    "610103,碑林区,2020,950,22",
]


def write_csv(path, lines, encoding="utf-8"):
    """Write CSV lines to ``path`` in ``encoding`` and return the path."""
    Path(path).write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return Path(path)


def write_xlsx(path, rows):
    """Write rows of cell values (None for a blank cell) to one sheet and return the path."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return Path(path)


def good_csv(tmp_path, name="panel.csv", rows=ROWS, header=HEADER_ZH):
    """Write a well-formed two-county, two-year panel with Chinese headers."""
    return write_csv(tmp_path / name, [header, *rows])


def issues_of(path, **options):
    """Return the PanelFileError raised by reading ``path``."""
    with pytest.raises(PanelFileError) as caught:
        read_panel(path, **options)
    return caught.value


# --- encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, detected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")],
)
def test_csv_encoding_read(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "panel.csv", [HEADER_ZH, *ROWS], encoding)
    data = read_panel(path)
    assert data.encoding == detected
    assert data.frame["name"].tolist() == ["新城区", "新城区", "碑林区", "碑林区"]
    assert data.frame["code"].tolist() == ["610102", "610102", "610103", "610103"]
    assert data.frame["online_retail_sales"].tolist() == [1200.5, 1500.0, 800.0, 950.0]
    assert data.quality.empty


def test_gbk_header_mapped(tmp_path):
    path = write_csv(tmp_path / "panel.csv", [HEADER_ZH, *ROWS], "gbk")
    names = read_panel(path).headers["name"].tolist()
    assert names == ["code", "name", "year", "online_retail_sales", "express_deliveries"]


def test_utf16_tab_separated_read(tmp_path):
    # Excel's "Unicode text" export: UTF-16 with a BOM, tab separated.
    lines = [line.replace(",", "\t") for line in [HEADER_ZH, *ROWS]]
    path = tmp_path / "panel.txt"
    path.write_bytes("\n".join(lines).encode("utf-16"))
    data = read_panel(path)
    assert data.encoding == "utf-16"
    assert data.frame["express_deliveries"].tolist() == [30.0, 35.0, 20.0, 22.0]


def test_undecodable_csv_rejected(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_bytes(b"code,year\n\xff\xff\xff,2019\n")
    with pytest.raises(DataFileError, match="could not be decoded as UTF-8 or GB18030"):
        read_panel(path)


# --- result types --------------------------------------------------------------------


def test_frame_dtypes(tmp_path):
    frame = read_panel(good_csv(tmp_path)).frame
    assert str(frame["code"].dtype) in {"str", "string", "object"}
    assert all(isinstance(code, str) for code in frame["code"])
    assert frame["year"].dtype == np.int64
    assert frame["online_retail_sales"].dtype == np.float64


def test_frame_keeps_file_rows(tmp_path):
    frame = read_panel(good_csv(tmp_path)).frame
    assert frame["row"].tolist() == [2, 3, 4, 5]


def test_summary_text(tmp_path):
    text = read_panel(good_csv(tmp_path)).summary()
    assert "4 rows, 2 counties, years 2019-2020" in text
    assert "indicators: online_retail_sales, express_deliveries" in text
    assert "balanced panel" in text


def test_to_frame_is_copy(tmp_path):
    data = read_panel(good_csv(tmp_path))
    copy = data.to_frame()
    copy.loc[0, "gdp"] = 1.0
    assert "gdp" not in data.frame.columns


def test_english_headers_read(tmp_path):
    header = "code,name,year,online_retail_sales,GDP,Broadband Users"
    rows = ["610102,Xincheng,2019,1,2,3"]
    data = read_panel(good_csv(tmp_path, header=header, rows=rows))
    assert data.frame.loc[0, "gdp"] == 2.0
    assert data.frame.loc[0, "broadband_users"] == 3.0


# --- header detection ----------------------------------------------------------------


def xlsx_rows_with_title():
    """Rows of a sheet with a title row and a blank row above the header."""
    return [
        ["2019-2020年西安市各区县主要经济指标"],
        [None],
        ["区划代码", "县名", "年份", "网络零售额（万元）", "地区生产总值（万元）"],
        ["610102", "新城区", 2019, 1200.5, 9000],
        ["610102", "新城区", 2020, 1500, 9500],
    ]


def test_xlsx_title_row_skipped(tmp_path):
    data = read_panel(write_xlsx(tmp_path / "title.xlsx", xlsx_rows_with_title()))
    entry = data.quality.iloc[0]
    assert len(data.frame) == 2
    assert entry["row"] == 1
    assert "row above the header: 2019-2020年西安市各区县主要经济指标" in entry["issue"]
    assert entry["action"] == "skipped as a title or note row"


def test_xlsx_title_row_numbers(tmp_path):
    rows = xlsx_rows_with_title()
    rows[4][3] = "约1500"
    error = issues_of(write_xlsx(tmp_path / "title.xlsx", rows))
    assert "title.xlsx" in str(error)
    assert "row 5, column D (网络零售额（万元）): '约1500' in online_retail_sales" in str(error)


def test_xlsx_two_row_header_units(tmp_path):
    rows = [
        ["区划代码", "县名", "年份", "网络零售额", "快递业务量"],
        [None, None, None, "万元", "万件"],
        ["610102", "新城区", 2019, 1200.5, 30],
    ]
    data = read_panel(write_xlsx(tmp_path / "two.xlsx", rows))
    entry = data.quality.iloc[0]
    assert data.frame.loc[0, "express_deliveries"] == 30.0
    assert data.frame["row"].tolist() == [3]
    assert entry["row"] == 2
    assert entry["issue"] == "second header row: 万元 | 万件"
    assert data.headers["unit"].tolist()[3:] == ["万元", "万件"]


def test_xlsx_two_row_header_english(tmp_path):
    # The Chinese header of column D is not documented; the English name below it is.
    rows = [
        ["区划代码", "县名", "年份", "电商网络零售规模", "宽带用户数（万户）"],
        ["code", "name", "year", "online_retail_sales", "broadband_users"],
        [610102, "新城区", 2019, 1200.5, 12],
    ]
    data = read_panel(write_xlsx(tmp_path / "two.xlsx", rows))
    assert data.frame.loc[0, "online_retail_sales"] == 1200.5
    assert data.frame.loc[0, "code"] == "610102"
    assert data.quality["issue"].str.startswith("second header row").sum() == 1


def test_header_unit_mismatch_rejected(tmp_path):
    header = "区划代码,年份,地区生产总值(亿元)"
    error = issues_of(good_csv(tmp_path, header=header, rows=["610102,2019,1.2"]))
    expected = "column 3 ('地区生产总值(亿元)'): the header is in 亿元, but gdp is read in 万元"
    assert expected in str(error)


def test_header_unit_in_second_row_checked(tmp_path):
    rows = [["区划代码", "年份", "从业人员"], [None, None, "万人"], ["610102", 2019, 1.5]]
    error = issues_of(write_xlsx(tmp_path / "units.xlsx", rows))
    assert "the header is in 万人, but employment is read in 人 (persons)" in str(error)


def test_header_note_ignored(tmp_path):
    header = "区划代码(6位),年份,网络零售额"
    data = read_panel(good_csv(tmp_path, header=header, rows=["610102,2019,5"]))
    assert data.frame.loc[0, "code"] == "610102"


def test_no_header_rejected(tmp_path):
    path = write_csv(tmp_path / "panel.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(DataFileError, match="no header row found in the first 10 rows"):
        read_panel(path)


def test_missing_required_column(tmp_path):
    path = good_csv(tmp_path, header="区划代码,县名,网络零售额", rows=["610102,新城区,5"])
    expected = r"required column\(s\) missing: year \(headed year, 年份"
    with pytest.raises(DataFileError, match=expected):
        read_panel(path)


def test_wide_layout_hint(tmp_path):
    path = good_csv(tmp_path, header="区划代码,县名,2019,2020", rows=["610102,新城区,5,6"])
    with pytest.raises(DataFileError, match="seems to be in wide layout"):
        read_panel(path)


def test_repeated_variable_rejected(tmp_path):
    path = good_csv(tmp_path, header="code,year,地区生产总值,GDP", rows=["610102,2019,1,1"])
    with pytest.raises(DataFileError, match="several columns give the same variable"):
        read_panel(path)


def test_unknown_column_kept(tmp_path):
    header = "区划代码,年份,电子商务交易额,备注"
    rows = ["610102,2019,12.5,估计值", "610103,2019,13,"]
    data = read_panel(good_csv(tmp_path, header=header, rows=rows))
    entries = data.quality[data.quality["issue"].str.startswith("unknown column")]
    assert data.frame["电子商务交易额"].tolist() == [12.5, 13.0]
    assert data.frame.loc[0, "备注"] == "估计值"
    assert entries["column"].tolist() == ["电子商务交易额", "备注"]
    assert entries["row"].tolist() == [1, 1]
    assert entries["action"].iloc[0].startswith("kept as numbers")
    assert entries["action"].iloc[1].startswith("kept as text")


def test_empty_unnamed_column_dropped(tmp_path):
    data = read_panel(good_csv(tmp_path, header="code,year,gdp,", rows=["610102,2019,1,"]))
    assert list(data.frame.columns) == ["code", "year", "gdp", "row"]
    assert data.quality["issue"].tolist() == ["empty column without a header"]


# --- codes ---------------------------------------------------------------------------


def test_float_code_fixed_csv(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102.0,新城区,2019,1,2"]))
    entry = data.quality.iloc[0]
    assert data.frame.loc[0, "code"] == "610102"
    assert entry["row"] == 2
    assert entry["column"] == "区划代码"
    assert entry["issue"] == "code '610102.0' was stored as a number"
    assert entry["action"] == "read as 610102"


def test_float_code_fixed_xlsx(tmp_path):
    # A text cell "610102.0", as pasted from a program that read the codes as floats.
    rows = [["区划代码", "年份", "网络零售额"], ["610102.0", 2019, 1.0]]
    data = read_panel(write_xlsx(tmp_path / "float.xlsx", rows))
    assert data.frame.loc[0, "code"] == "610102"
    assert data.quality["issue"].tolist() == ["code '610102.0' was stored as a number"]


def test_numeric_code_cell_read(tmp_path):
    # xlsx stores the number 610102.0 as 610102, so a numeric code cell needs no fix.
    rows = [["区划代码", "年份", "网络零售额"], [610102.0, 2019, 1.0]]
    data = read_panel(write_xlsx(tmp_path / "number.xlsx", rows))
    assert data.frame.loc[0, "code"] == "610102"
    assert data.quality.empty


def test_scientific_code_fixed(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["6.10102E+05,新城区,2019,1,2"]))
    assert data.frame.loc[0, "code"] == "610102"


def test_twelve_digit_code_read(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102000000,新城区,2019,1,2"]))
    assert data.frame.loc[0, "code"] == "610102"
    assert "12-digit statistical division code" in data.quality["issue"].iloc[0]


@pytest.mark.parametrize(
    "code, message",
    [
        ("61010", r"row 2, column 1 \(区划代码\): '61010' has 5 digits, but a county code has 6"),
        ("61010X", r"row 2, column 1 \(区划代码\): '61010X' contains characters other than"),
        ("991001", "'991001' starts with 99, which is not a province code"),
        ("610000", "'610000' is a province-level code, not a county-level code"),
        ("610102001000", "'610102001000' is a 12-digit code below county level"),
    ],
)
def test_invalid_code_rejected(tmp_path, code, message):
    path = good_csv(tmp_path, rows=[f"{code},新城区,2019,1,2"])
    with pytest.raises(PanelFileError, match=message):
        read_panel(path)


def test_invalid_codes_listed_by_row(tmp_path):
    rows = ["6101,甲,2019,1,2", "610102,新城区,2019,1,2", "61010Y,乙,2019,1,2"]
    error = issues_of(good_csv(tmp_path, rows=rows))
    assert "2 row(s) have an invalid county code" in str(error)
    assert error.issues["row"].tolist() == [2, 4]
    assert error.issues["code"].tolist() == ["6101", "61010Y"]


def test_total_row_without_code_rejected(tmp_path):
    rows = [*ROWS, ",合计,2019,2000.5,50"]
    error = issues_of(good_csv(tmp_path, rows=rows))
    assert "row 6, column 1 (区划代码): the county code is missing" in str(error)


def test_prefecture_code_logged(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["441900,东莞市,2019,1,2"]))
    assert data.quality["issue"].tolist() == ["prefecture-level code 441900"]


# --- years ---------------------------------------------------------------------------


def test_year_suffix_read(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102,新城区,2019年,1,2"]))
    assert data.frame.loc[0, "year"] == 2019
    assert data.quality["issue"].tolist() == ["year '2019年' read as 2019"]


def test_invalid_year_rejected(tmp_path):
    path = good_csv(tmp_path, rows=["610102,新城区,19,1,2"])
    with pytest.raises(PanelFileError, match=r"row 2, column 3 \(年份\): '19' is not a 4-digit"):
        read_panel(path)


def test_future_year_rejected(tmp_path):
    path = good_csv(tmp_path, rows=["610102,新城区,2999,1,2"])
    with pytest.raises(PanelFileError, match="'2999' is outside the years 1949 to"):
        read_panel(path)


# --- values --------------------------------------------------------------------------


def test_non_numeric_rejected(tmp_path):
    rows = ["610102,新城区,2019,约1200,30"]
    path = good_csv(tmp_path, name="values.csv", rows=rows)
    error = issues_of(path)
    assert str(error).startswith(f"{path}: the panel has 1 problem(s)")
    assert "row 2, column 4 (网络零售额): '约1200' in online_retail_sales" in str(error)
    assert "read_panel(..., coerce=True)" in str(error)
    assert error.issues.loc[0, "file"] == "values.csv"
    assert error.issues.loc[0, "column"] == "网络零售额"


def test_non_numeric_coerced(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102,新城区,2019,约1200,30"]), coerce=True)
    entry = data.quality.iloc[0]
    assert np.isnan(data.frame.loc[0, "online_retail_sales"])
    assert entry["row"] == 2
    assert entry["column"] == "网络零售额"
    assert entry["issue"] == "non-numeric value '约1200'"
    assert entry["action"] == "set to missing (coerce=True)"


def test_missing_marker_read(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102,新城区,2019,—,30"]))
    assert np.isnan(data.frame.loc[0, "online_retail_sales"])
    assert data.quality["issue"].tolist() == ["missing-value marker '—'"]


def test_blank_cell_is_missing(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["610102,新城区,2019,,30"]))
    assert np.isnan(data.frame.loc[0, "online_retail_sales"])
    assert data.quality.empty


def test_thousands_separator_read(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=['610102,新城区,2019,"1,234.5",30']))
    assert data.frame.loc[0, "online_retail_sales"] == 1234.5
    assert "thousands separators" in data.quality["issue"].iloc[0]


def test_negative_rejected(tmp_path):
    path = good_csv(tmp_path, rows=["610102,新城区,2019,1200,-30"])
    error = issues_of(path)
    assert "cannot be negative" in str(error)
    assert "row 2, column 5 (快递业务量): -30 in express_deliveries is negative" in str(error)


def test_negative_rejected_with_coerce(tmp_path):
    path = good_csv(tmp_path, rows=["610102,新城区,2019,1200,-30"])
    with pytest.raises(PanelFileError, match="-30 in express_deliveries is negative"):
        read_panel(path, coerce=True)


def test_problems_gathered(tmp_path):
    rows = ["6101,新城区,2019,x,-1", "610103,碑林区,19,1,1"]
    error = issues_of(good_csv(tmp_path, rows=rows))
    assert error.issues["kind"].tolist() == ["code", "year", "number", "negative"]


def test_long_list_cut(tmp_path):
    rows = [f"6101{i:02d},县,2019,x,1" for i in range(2, 17)]
    error = issues_of(good_csv(tmp_path, rows=rows))
    assert "15 cell(s) are not numbers" in str(error)
    assert "... and 5 more, listed in the error's issues table" in str(error)
    assert len(error.issues) == 15


# --- rows: duplicates, balance, skipped rows -----------------------------------------


def test_duplicates_rejected(tmp_path):
    rows = [ROWS[0], ROWS[1], ROWS[0].replace("1200.5", "1300")]
    path = good_csv(tmp_path, rows=rows)
    with pytest.raises(PanelFileError, match="code 610102, year 2019: rows 2, 4"):
        read_panel(path)


def test_duplicate_after_code_fix_rejected(tmp_path):
    rows = [ROWS[0], ROWS[0].replace("610102", "610102.0")]
    error = issues_of(good_csv(tmp_path, rows=rows))
    assert "1 county-year(s) appear in more than one row" in str(error)


def test_missing_years_reported(tmp_path):
    rows = [*ROWS, "610104,莲湖区,2020,10,1"]
    data = read_panel(good_csv(tmp_path, rows=rows))
    entry = data.quality.iloc[0]
    assert not data.balanced
    assert data.years == (2019, 2020)
    assert data.missing_years.to_dict("records") == [
        {"code": "610104", "name": "莲湖区", "year": 2019}
    ]
    assert entry["code"] == "610104"
    assert entry["issue"] == "no row for 1 of 2 years: 2019"
    assert len(data.frame) == 5


def test_balanced_panel(tmp_path):
    data = read_panel(good_csv(tmp_path))
    assert data.balanced
    assert data.missing_years.empty


def test_year_gap_logged(tmp_path):
    rows = ["610102,新城区,2017,1,1", "610102,新城区,2019,1,1"]
    data = read_panel(good_csv(tmp_path, rows=rows))
    assert data.balanced
    assert data.quality["issue"].tolist() == ["no county has a row for [2018]"]


def test_note_row_skipped(tmp_path):
    rows = [*ROWS, "注：数据来源于各区统计年鉴"]
    data = read_panel(good_csv(tmp_path, rows=rows))
    assert len(data.frame) == 4
    assert data.quality["row"].tolist() == [6]
    assert data.quality["issue"].tolist() == ["note row: 注：数据来源于各区统计年鉴"]


def test_blank_row_logged(tmp_path):
    rows = [ROWS[0], "", ROWS[1]]
    data = read_panel(good_csv(tmp_path, rows=rows))
    assert data.frame["row"].tolist() == [2, 4]
    assert data.quality["row"].tolist() == [3]
    assert data.quality["issue"].tolist() == ["blank row"]


def test_row_numbers_after_multiline_cell(tmp_path):
    # A quoted cell spanning two lines: the next record starts on line 4 of the file.
    header = "区划代码,县名,年份,网络零售额"
    rows = ['610102,"新城区\n(含原某区)",2019,1', "610103,碑林区,2019,x"]
    error = issues_of(good_csv(tmp_path, header=header, rows=rows))
    assert error.issues["row"].tolist() == [4]


def test_unknown_column_named_row_kept(tmp_path):
    header = "区划代码,年份,row"
    data = read_panel(good_csv(tmp_path, header=header, rows=["610102,2019,7"]))
    assert data.frame.loc[0, "row_3"] == 7.0
    assert data.frame.loc[0, "row"] == 2


def test_quality_rows_are_integers(tmp_path):
    rows = [*ROWS, "注：数据来源于各区统计年鉴", "610104,莲湖区,2020,10,1"]
    quality = read_panel(good_csv(tmp_path, rows=rows)).quality
    assert str(quality["row"].dtype) == "Int64"
    assert quality["row"].tolist()[0] == 6


def test_name_change_logged(tmp_path):
    rows = ["610102,新城区,2019,1,1", "610102,新城,2020,1,1"]
    data = read_panel(good_csv(tmp_path, rows=rows))
    assert "code 610102 has several names" in data.quality["issue"].iloc[0]


# --- files and sheets ----------------------------------------------------------------


def test_missing_file_rejected(tmp_path):
    with pytest.raises(DataFileError, match="absent.csv: file not found"):
        read_panel(tmp_path / "absent.csv")


def test_xls_rejected(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataFileError, match="Save the workbook as .xlsx"):
        read_panel(path)


def test_corrupt_xlsx_rejected(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(DataFileError, match="could not be read as an Excel workbook"):
        read_panel(path)


def test_sheet_by_name(tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", [["说明"]])
    workbook = openpyxl.load_workbook(path)
    data_sheet = workbook.create_sheet("数据")
    for row in [["代码", "年份", "GDP"], ["610102", 2019, 5]]:
        data_sheet.append(row)
    workbook.save(path)
    data = read_panel(path, sheet="数据")
    assert data.sheet == "数据"
    assert data.frame.loc[0, "gdp"] == 5.0


def test_unknown_sheet_rejected(tmp_path):
    path = write_xlsx(tmp_path / "one.xlsx", [["代码", "年份"]])
    with pytest.raises(DataFileError, match="sheet 'data' not found; the workbook has"):
        read_panel(path, sheet="data")


def test_sheet_with_csv_rejected(tmp_path):
    with pytest.raises(ValueError, match="applies only to Excel files"):
        read_panel(good_csv(tmp_path), sheet=0)


# --- templates and the column table --------------------------------------------------


def test_column_table_aliases_unique():
    table = panel.read_column_table()
    seen = {}
    for row in table.itertuples():
        headers = [row.name, *panel.split_list(row.headers_zh), *panel.split_list(row.headers_en)]
        for header in headers:
            key = panel.normalise_header(header)
            assert seen.setdefault(key, row.name) == row.name, f"{header!r} maps to two columns"


def test_column_table_units_documented():
    table = panel.read_column_table()
    numeric = table[table["kind"] == "number"]
    assert (numeric["unit"] != "").all()
    assert (numeric["unit_zh"] != "").all()
    assert set(numeric["may_be_negative"]) <= {"yes", "no"}


def test_template_csv_reads():
    data = read_panel(TEMPLATES / "county_panel_template.csv")
    table = panel.read_column_table()
    assert data.frame.empty
    assert data.quality.empty
    assert data.headers["name"].tolist() == table.index.tolist()


def test_template_xlsx_reads():
    data = read_panel(TEMPLATES / "county_panel_template.xlsx")
    table = panel.read_column_table()
    assert data.frame.empty
    assert data.headers["name"].tolist() == table.index.tolist()
    assert data.quality["issue"].str.startswith("second header row").tolist() == [True]


@pytest.mark.parametrize("name", ["county_panel_template.csv", "county_panel_template.xlsx"])
def test_template_current(tmp_path, name):
    # The shipped templates must match what write_template makes from panel_columns.csv.
    shipped = read_panel(TEMPLATES / name).headers
    fresh = read_panel(write_template(tmp_path / name)).headers
    pd.testing.assert_frame_equal(shipped, fresh)


def test_template_filled_reads(tmp_path):
    path = write_template(tmp_path / "filled.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["panel"].append(["610102", "新城区", 2019, 1200.5])
    workbook.save(path)
    data = read_panel(path)
    assert data.frame.loc[0, "online_retail_sales"] == 1200.5
    assert data.frame.loc[0, "row"] == 3


def test_write_template_rejects_suffix(tmp_path):
    with pytest.raises(ValueError, match="writes .csv or .xlsx files"):
        write_template(tmp_path / "template.ods")


# --- matching to analysis units ------------------------------------------------------


@pytest.fixture
def fake_counties():
    """A stand-in for load_counties().counties: five analysis units indexed by code."""
    codes = ["610102", "110101", "330102", "350405", "232761"]
    return pd.DataFrame({"name": ["新城区", "东城区", "上城区", "沙县区", "加格达奇区"]},
                        index=pd.Index(codes, name="code"))


@pytest.fixture
def user_panel(tmp_path):
    """A panel with codes matched by code, by the crosswalk, by boundary units, and not."""
    rows = [
        "610102,新城区,2019,1,1",      # analysis unit
        "110101,东城区,2019,1,1",      # analysis unit
        "110103,崇文区,2019,1,1",      # 2010 code merged into 110101
        "330103,下城区,2019,1,1",      # 2020 census code merged into unit 330102
        "350427,沙县,2019,1,1",        # county that became district 350405
        "232718,加格达奇区,2019,1,1",   # boundary code of unit 232761
        "120225,蓟县,2019,1,1",        # 2010 code of 120119, not among the fake units
        "610171,西安经开区,2019,1,1",   # development zone
        "610199,某县,2019,1,1",        # unknown code
    ]
    return read_panel(good_csv(tmp_path, rows=rows))


def test_match_methods(user_panel, fake_counties):
    matched, _ = match_to_counties(user_panel, fake_counties)
    methods = matched.set_index("code")["match_method"].to_dict()
    assert methods == {
        "610102": "code", "110101": "code", "110103": "crosswalk_2010",
        "330103": "boundary_units", "350427": "boundary_units", "232718": "boundary_units",
    }


def test_match_unit_codes(user_panel, fake_counties):
    matched, _ = match_to_counties(user_panel, fake_counties)
    units = matched.set_index("code")["unit_code"].to_dict()
    assert units["110103"] == "110101"
    assert units["330103"] == "330102"
    assert units["350427"] == "350405"
    assert units["232718"] == "232761"
    assert list(matched.columns[:2]) == ["code", "unit_code"]


def test_match_unmatched_listed(user_panel, fake_counties):
    _, unmatched = match_to_counties(user_panel, fake_counties)
    reasons = unmatched.set_index("code")["reason"]
    assert unmatched["code"].tolist() == ["120225", "610171", "610199"]
    assert "maps this 2010 code to 120119" in reasons["120225"]
    assert reasons["610171"].startswith("development zone")
    assert reasons["610199"].startswith("not an analysis unit")
    assert unmatched.set_index("code").at["610199", "rows"] == "10"
    assert unmatched.set_index("code").at["610199", "years"] == "2019"


def test_match_drops_no_rows(user_panel, fake_counties):
    matched, unmatched = match_to_counties(user_panel, fake_counties)
    assert len(matched) + len(unmatched) == len(user_panel.frame)


def test_match_merged_flag(user_panel, fake_counties):
    matched, _ = match_to_counties(user_panel, fake_counties)
    merged = matched.set_index("code")["merged"]
    assert merged["110101"]
    assert merged["110103"]
    assert not merged["610102"]


def test_match_accepts_frame(user_panel, fake_counties):
    matched, _ = match_to_counties(user_panel.frame, fake_counties)
    assert len(matched) == 6


def test_match_rejects_numeric_index(user_panel):
    counties = pd.DataFrame({"name": ["新城区"]}, index=[610102])
    with pytest.raises(ValueError, match="indexed by 6-digit codes as text"):
        match_to_counties(user_panel, counties)


def test_match_rejects_non_frame(user_panel):
    with pytest.raises(TypeError, match="pass load_counties\\(\\).counties"):
        match_to_counties(user_panel, ["610102"])


def test_lookup_tables_consistent():
    # A code must not lead to two different units through boundary_units.csv.
    units_of = {}
    for row in boundaries.boundary_units().itertuples():
        for code in panel.split_list(row.census_codes_2020) + panel.split_list(row.boundary_codes):
            units_of.setdefault(code, set()).add(row.unit_code)
    assert {code: units for code, units in units_of.items() if len(units) > 1} == {}


def test_crosswalk_codes_unique():
    # A 2010 code must not be claimed by two 2020 units in known_changes_2010_2020.csv.
    codes = crosswalk.known_changes()["codes_2010"].str.split(";").explode()
    assert not codes.duplicated().any()


def test_full_width_code_logged(tmp_path):
    data = read_panel(good_csv(tmp_path, rows=["６１０１０２,新城区,2019,1,2"]))
    entry = data.quality.iloc[0]
    assert data.frame.loc[0, "code"] == "610102"
    assert entry["row"] == 2
    assert entry["issue"] == "code '６１０１０２' had full-width digits or surrounding spaces"
    assert entry["action"] == "read as 610102"
