"""Read and clean the county tables of China's 2010 and 2020 population censuses.

The published tables mix levels (the nation, provinces, prefectures, district subtotals
and county-level units) in one sheet. ``read_census`` maps the Chinese headers to English
names with ``tables/header_map.csv``, converts values to numbers, splits county-level rows
from aggregate rows, and records every row or cell it drops or changes in a data-quality
table, so that nothing is lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from countyres_helpers.data.sources import DataFileError, locate

FILES = {2010: "census_county_2010_v1.xlsx", 2020: "census_county_2020_v1.xlsx"}

# The 20 industry sections of GB/T 4754, in the order of the 2020 table.
INDUSTRIES = [
    "ind_agriculture", "ind_mining", "ind_manufacturing", "ind_utilities",
    "ind_construction", "ind_wholesale_retail", "ind_transport_storage_postal",
    "ind_accommodation_catering", "ind_ict", "ind_finance", "ind_real_estate",
    "ind_leasing_business", "ind_research_technical", "ind_water_environment",
    "ind_resident_services", "ind_education", "ind_health_social", "ind_culture_sport",
    "ind_public_admin", "ind_international",
]
OCCUPATIONS = [
    "occ_heads", "occ_professional", "occ_clerical", "occ_service", "occ_agriculture",
    "occ_production", "occ_other",
]
TEXT_COLUMNS = [
    "code", "name", "province", "prefecture", "province_code", "prefecture_code", "level",
]

# Rows without a code whose name marks a subtotal of the rows below it.
SUBTOTAL_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Province codes and names of the 31 mainland provinces, as the census tables give them.
PROVINCE_NAMES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}

QUALITY_COLUMNS = ["year", "file", "row", "column", "code", "name", "issue", "action"]


@dataclass(frozen=True)
class CensusTable:
    """County-level rows of one census year, the aggregate rows, and the quality log.

    Attributes
    ----------
    year : int
        Census year, 2010 or 2020.
    counties : pandas.DataFrame
        One row per coded county-level unit, indexed by the 6-digit code (str), with the
        English column names of ``header_map.csv`` plus ``province_code``,
        ``prefecture_code`` and ``level``.
    aggregates : pandas.DataFrame
        National, provincial, prefecture and subtotal rows, kept for checks.
    quality : pandas.DataFrame
        Every row dropped or set apart and every cell changed, with the file, the Excel
        row number, the column, the issue and the action taken.
    source : pathlib.Path
        The file that was read.
    """

    year: int
    counties: pd.DataFrame
    aggregates: pd.DataFrame
    quality: pd.DataFrame = field(repr=False)
    source: Path


def header_map(year: int) -> pd.DataFrame:
    """Return the documented header map of one census year (position, header, name, unit)."""
    with resources.files("countyres_helpers.data").joinpath("tables/header_map.csv").open(
        encoding="utf-8"
    ) as handle:
        table = pd.read_csv(handle, dtype={"header": str}, keep_default_na=False)
    table = table[table["year"] == year].reset_index(drop=True)
    table["header"] = table["header"].str.replace("\\n", "\n", regex=False)
    return table


def read_sheet(path: Path, year: int) -> pd.DataFrame:
    """Read the census sheet as text and rename its columns by the header map.

    Raises
    ------
    DataFileError
        If the sheet has a different number of columns, or a header differs from the
        documented one. The message names the file, the column and both headers.
    """
    raw = pd.read_excel(path, dtype=str, header=0)
    mapping = header_map(year)

    if raw.shape[1] != len(mapping):
        raise DataFileError(
            f"{path}: expected {len(mapping)} columns for the {year} census table, found "
            f"{raw.shape[1]}. Check that this is the published file."
        )
    for position, (actual, expected) in enumerate(zip(raw.columns, mapping["header"])):
        if str(actual).strip() != expected.strip():
            raise DataFileError(
                f"{path}: column {position + 1} is headed {actual!r}, expected {expected!r}."
            )

    raw.columns = mapping["name"].tolist()
    raw.insert(0, "row", raw.index + 2)
    return raw


def quality_record(year, path, row, column, code, name, issue, action) -> dict:
    """Return one entry of the data-quality log as a dict."""
    return dict(
        year=year, file=Path(path).name, row=row, column=column, code=code, name=name,
        issue=issue, action=action,
    )


def split_merged_cells(frame, year, path, log) -> pd.DataFrame:
    """Split cells that hold two numbers where the next cell is blank.

    In the 2010 table a few values of a column were pasted into the cell to their left,
    as in ``'5    5'``. The first number stays, the second moves to the blank cell on
    its right, and both cells are logged. The totals checks then confirm the split.
    """
    frame = frame.copy()
    columns = list(frame.columns)
    pattern = r"^\s*(\d+(?:\.\d+)?)\s{2,}(\d+(?:\.\d+)?)\s*$"

    for position, column in enumerate(columns[:-1]):
        right = columns[position + 1]
        if column in TEXT_COLUMNS or right in TEXT_COLUMNS:
            continue
        parts = frame[column].str.extract(pattern)
        merged = parts[0].notna() & frame[right].isna()
        for index in frame.index[merged]:
            first, second = parts.at[index, 0], parts.at[index, 1]
            log.append(quality_record(
                year, path, frame.at[index, "row"], column, frame.at[index, "code"],
                frame.at[index, "name"], f"cell holds two numbers {frame.at[index, column]!r}",
                f"kept {first} here and moved {second} to the blank cell of {right}",
            ))
            frame.at[index, column] = first
            frame.at[index, right] = second
    return frame


def to_numbers(frame: pd.DataFrame, year: int, path: Path, log: list) -> pd.DataFrame:
    """Convert every value column to float, logging each non-numeric cell set to NaN."""
    frame = frame.copy()
    value_columns = [c for c in frame.columns if c not in TEXT_COLUMNS + ["row"]]

    for column in value_columns:
        text = frame[column].str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna() & (text != "")
        for index in frame.index[bad]:
            log.append(quality_record(
                year, path, frame.at[index, "row"], column, frame.at[index, "code"],
                frame.at[index, "name"], f"non-numeric value {text[index]!r}",
                "set to missing",
            ))
        frame[column] = numbers.astype(float)
    return frame


def fill_from_parts(frame, total, parts, year, path, log) -> pd.DataFrame:
    """Fill a missing total from the sum of its parts, logging every cell filled."""
    frame = frame.copy()
    missing = frame[total].isna() & frame[parts].notna().all(axis=1)
    for index in frame.index[missing]:
        value = frame.loc[index, parts].sum()
        frame.at[index, total] = value
        log.append(quality_record(
            year, path, frame.at[index, "row"], total, frame.at[index, "code"],
            frame.at[index, "name"], "total missing", f"filled with the sum of its parts, {value:g}",
        ))
    return frame


def fill_blank_parts(frame, total, parts, year, path, log) -> pd.DataFrame:
    """Read a blank part as 0 where the other parts already add up to the total.

    The published tables leave a cell blank where a county has no one in that group. A
    blank is read as 0 only when the filled parts match the total to half a person, so
    a real gap stays visible. Every cell so filled is logged.
    """
    frame = frame.copy()
    gap = frame[total] - frame[parts].sum(axis=1, min_count=1)
    consistent = gap.abs() <= 0.5

    for part in parts:
        blank = frame[part].isna() & consistent
        for index in frame.index[blank]:
            log.append(quality_record(
                year, path, frame.at[index, "row"], part, frame.at[index, "code"],
                frame.at[index, "name"], "blank cell",
                "read as 0: the other parts add up to the total",
            ))
        frame.loc[blank, part] = 0.0
    return frame


def normalise_names(frame: pd.DataFrame, year: int, path: Path, log: list) -> pd.DataFrame:
    """Strip names and replace the look-alike character 巿 (U+5DFF) by 市, logging each."""
    frame = frame.copy()
    frame["name"] = frame["name"].str.strip()
    lookalike = frame["name"].str.contains("巿", na=False)
    for index in frame.index[lookalike]:
        log.append(quality_record(
            year, path, frame.at[index, "row"], "name", frame.at[index, "code"],
            frame.at[index, "name"], "name spelled with 巿 (U+5DFF) in place of 市",
            "read as 市",
        ))
    frame["name"] = frame["name"].str.replace("巿", "市", regex=False)
    return frame


def add_area_columns(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Add province and prefecture names and codes to every row.

    The 2020 table names them in its own columns. The 2010 table does not, so a row
    takes the province and prefecture of the nearest coded row above it.
    """
    frame = frame.copy()
    code = frame["code"].str.strip()
    frame["code"] = code

    province_code = code.where(code.str[2:] == "0000").ffill()
    frame["province_code"] = code.str[:2].fillna(province_code.str[:2])
    prefecture_code = code.str[:4].where(code.str[2:] != "0000")
    frame["prefecture_code"] = prefecture_code.ffill().where(
        frame["province_code"] == prefecture_code.ffill().str[:2]
    )

    if year == 2020:
        # A few 2020 codes carry a prefix of no province (五台山风景名胜区 is 170971 in
        # Shanxi); the province column of the table gives the province then.
        by_name = {name: code for code, name in PROVINCE_NAMES.items()}
        named = frame["province"].map(by_name)
        unknown = ~frame["province_code"].isin(PROVINCE_NAMES) & named.notna()
        frame.loc[unknown, "province_code"] = named[unknown]
        frame.loc[unknown, "prefecture_code"] = None

    if year == 2010:
        names = frame.dropna(subset=["code"]).set_index("code")["name"]
        frame["province"] = (frame["province_code"] + "0000").map(names)
        prefecture = (frame["prefecture_code"] + "00").map(names)
        frame["prefecture"] = prefecture.fillna(frame["province"])
    return frame


def classify_levels(frame: pd.DataFrame) -> pd.Series:
    """Return the level of each row: nation, province, prefecture, subtotal or county.

    A prefecture row with no county rows below it (Dongguan, Zhongshan, Jiayuguan and a
    few more) is itself a county-level unit and is classed ``county``. A row whose name
    or code marks a development zone (5th digit 7) is classed ``county`` and flagged by
    ``is_development_zone`` elsewhere.
    """
    code = frame["code"]
    level = pd.Series("county", index=frame.index, dtype=object)
    coded = code.notna()

    level[coded & (code.str[2:] == "0000")] = "province"
    prefecture = coded & (code.str[4:] == "00") & (code.str[2:] != "0000")
    county_prefixes = set(code[coded & (code.str[4:] != "00")].str[:4])
    has_counties = code.str[:4].isin(county_prefixes)
    level[prefecture & has_counties] = "prefecture"

    level[~coded & frame["name"].isin(SUBTOTAL_NAMES)] = "subtotal"
    level[~coded & frame["name"].isin({"全国"})] = "nation"
    return level


def split_rows(frame: pd.DataFrame, year: int, path: Path, log: list):
    """Split county-level rows from aggregates, logging rows that are set apart.

    Returns
    -------
    counties, aggregates : pandas.DataFrame
    """
    value_columns = [c for c in frame.columns if c not in TEXT_COLUMNS + ["row"]]
    blank = frame["code"].isna() & frame[value_columns].isna().all(axis=1)
    blank_named = blank & frame["name"].notna()
    for index in frame.index[blank_named]:
        log.append(quality_record(
            year, path, frame.at[index, "row"], "", None, frame.at[index, "name"],
            "row has a name but no code and no values", "dropped",
        ))
    frame = frame[~blank]

    level = classify_levels(frame)
    frame = frame.assign(level=level)
    uncoded = (level == "county") & frame["code"].isna()
    for index in frame.index[uncoded]:
        population = frame.at[index, "pop_total"]
        log.append(quality_record(
            year, path, frame.at[index, "row"], "code", None, frame.at[index, "name"],
            f"county-level unit without a code (population {population:,.0f})",
            "set apart: cannot be joined to boundaries or to the other census",
        ))

    counties = frame[(level == "county") & frame["code"].notna()].set_index("code")
    aggregates = frame[level != "county"]
    if counties.index.duplicated().any():
        dup = counties.index[counties.index.duplicated()].unique().tolist()
        raise DataFileError(f"{path}: duplicate county codes {dup}.")
    return counties, aggregates


def check_industry_totals(counties: pd.DataFrame, year: int, path: Path, log: list) -> None:
    """Log county rows whose industry counts do not add up to the industry total."""
    gap = counties["ind_total"] - counties[INDUSTRIES].sum(axis=1, min_count=1)
    for code in gap.index[gap.abs() > 0.5]:
        log.append(quality_record(
            year, path, counties.at[code, "row"], "ind_total", code, counties.at[code, "name"],
            f"industry counts differ from the total by {-gap[code]:+.3f}",
            "kept as published; shares use the total",
        ))


def read_census(year: int, *, path: str | Path | None = None, download: bool = True) -> CensusTable:
    """Read, check and clean the county table of one census.

    Parameters
    ----------
    year : {2010, 2020}
        Census year.
    path : str or Path, optional
        A file to read in place of the located published table. It is not checked
        against the published checksum, so tests can pass small files of their own.
    download : bool
        Whether a missing published table may be downloaded.

    Returns
    -------
    CensusTable

    Raises
    ------
    DataFileError
        For a missing or corrupt file, unexpected headers, or duplicate codes.
    """
    if year not in FILES:
        raise ValueError(f"No census table for year {year}; choose one of {sorted(FILES)}.")
    path = Path(path) if path is not None else locate(FILES[year], download=download)
    if not path.is_file():
        raise DataFileError(f"{path}: file not found.")

    log: list[dict] = []
    frame = read_sheet(path, year)
    frame = normalise_names(frame, year, path, log)
    frame = add_area_columns(frame, year)
    frame = split_merged_cells(frame, year, path, log)
    frame = to_numbers(frame, year, path, log)
    frame = fill_from_parts(frame, "occ_total", OCCUPATIONS, year, path, log)
    frame = fill_blank_parts(frame, "ind_total", INDUSTRIES, year, path, log)
    frame = fill_blank_parts(frame, "occ_total", OCCUPATIONS, year, path, log)

    counties, aggregates = split_rows(frame, year, path, log)
    check_industry_totals(counties, year, path, log)
    counties = counties.assign(
        is_development_zone=counties.index.str[4] == "7",
        year=year,
    )
    quality = pd.DataFrame(log, columns=QUALITY_COLUMNS)
    return CensusTable(year, counties, aggregates, quality, path)


def province_gaps(table: CensusTable) -> pd.DataFrame:
    """Compare each province's row with the sum of its county-level rows.

    Returns
    -------
    pandas.DataFrame
        One row per province: ``province_code``, ``province``, the published
        ``province_pop``, ``county_sum``, ``gap`` (province minus counties) and
        ``gap_share`` in percent.
    """
    aggregates = table.aggregates
    provinces = aggregates[aggregates["level"] == "province"]
    county_sum = table.counties.groupby("province_code")["pop_total"].sum()

    out = pd.DataFrame({
        "province_code": provinces["province_code"].to_numpy(),
        "province": provinces["name"].to_numpy(),
        "province_pop": provinces["pop_total"].to_numpy(),
    })
    out["county_sum"] = out["province_code"].map(county_sum).fillna(0.0)
    out["gap"] = out["province_pop"] - out["county_sum"]
    out["gap_share"] = np.round(100 * out["gap"] / out["province_pop"], 3)
    return out
