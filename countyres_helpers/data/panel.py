"""Read and check a researcher's own annual county panel of yearbook indicators.

A panel has one row per county and year: the 6-digit division code, the year, and any of
the indicators documented in ``tables/panel_columns.csv`` (online retail sales, express
deliveries, broadband users, GDP, employment ...). Headers may be English or Chinese.
``read_panel`` finds the header row, maps the headers to English names, and checks codes,
years and values. It either returns the tidy panel with a quality log, or raises one
error that lists every problem with its file, row and column. ``match_to_counties`` then
matches the codes to the analysis units of ``load_counties``.

Row numbers are those the user sees: the Excel row number, or the line number of a CSV
file (a quoted cell that spans lines counts from its first line).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from countyres_helpers.data import boundaries, crosswalk
from countyres_helpers.data.sources import DataFileError

QUALITY_COLUMNS = ["file", "row", "column", "code", "issue", "action"]

# The header row is looked for in this many rows at the top of the sheet.
HEADER_SCAN_ROWS = 10

# Each kind of problem lists at most this many items in the error message.
LISTED_ITEMS = 10

# First two digits of the province-level divisions of GB/T 2260.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

# Cell texts that yearbooks print for a missing value. They are compared in lower case.
MISSING_MARKERS = frozenset(
    ["-", "--", "—", "——", "–", "…", "……", "...", "..", "na", "n/a", "n.a.", "nan", "null"]
)

# Units that no documented column uses but that a yearbook header may carry. A header in
# one of these, or in another column's unit, is rejected, because its values would be
# misread by a power of ten.
OTHER_UNITS = [
    "亿元", "千元", "百万元", "100m yuan", "million yuan", "thousand yuan", "亿件", "千件",
    "件数", "户", "千户", "households", "千人", "人次", "万人次", "亿人", "10k pieces",
]

YEAR_MIN = 1949
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
UNIT_SUFFIX = re.compile(r"(.+?)[(\[]([^()\[\]]+)[)\]]")

PROBLEM_TEXT = {
    "unit": (
        "{n} column(s) are in a unit other than the documented one. Convert the values to "
        "the documented unit and change the header"
    ),
    "code": (
        "{n} row(s) have an invalid county code. Write each code as its 6-digit division "
        "code, for example 610102, and delete total rows of provinces or prefectures"
    ),
    "year": "{n} row(s) have an invalid year. Write each year as 4 digits, for example 2019",
    "number": (
        "{n} cell(s) are not numbers. Write plain numbers without units or notes and leave "
        "missing values blank (in Python, read_panel(..., coerce=True) reads these cells "
        "as missing)"
    ),
    "negative": (
        "{n} cell(s) are negative in columns that cannot be negative. Check the sign, the "
        "column and the unit of each"
    ),
    "duplicate": (
        "{n} county-year(s) appear in more than one row. Keep one row per county and year"
    ),
}


class PanelFileError(DataFileError):
    """A panel file has invalid cells; ``issues`` lists every one of them.

    Attributes
    ----------
    issues : pandas.DataFrame
        One row per problem, with ``kind`` and the columns of the quality log.
    """

    def __init__(self, message: str, issues: pd.DataFrame):
        super().__init__(message)
        self.issues = issues


@dataclass(frozen=True)
class PanelData:
    """A checked county panel, its quality log and its balance.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per county and year, sorted by ``code`` and ``year``. The columns are
        ``code`` (6-digit str), ``name`` (if the file has it), ``year`` (int), the
        documented indicator columns found in the file (float) and unknown columns as
        read. The last column, ``row``, is the row of the file each record came from.
    quality : pandas.DataFrame
        Every row skipped and every cell changed or noted, with ``file``, ``row``,
        ``column``, ``code``, ``issue`` and ``action``.
    years : tuple of int
        Years present in the panel, sorted.
    balanced : bool
        Whether every county has a row for every year in ``years``.
    missing_years : pandas.DataFrame
        One row per missing county-year, with ``code``, ``name`` and ``year``.
    headers : pandas.DataFrame
        One row per column of the file: its position label, the header text (and the
        second header row, if any), the English ``name`` and the unit read from the header.
    source : pathlib.Path
        The file that was read.
    sheet : str or None
        The worksheet that was read, None for a CSV file.
    encoding : str or None
        The text encoding of a CSV file, None for an Excel file.
    """

    frame: pd.DataFrame
    quality: pd.DataFrame = field(repr=False)
    years: tuple[int, ...]
    balanced: bool
    missing_years: pd.DataFrame = field(repr=False)
    headers: pd.DataFrame = field(repr=False)
    source: Path
    sheet: str | None = None
    encoding: str | None = None

    @property
    def indicators(self) -> list[str]:
        """Documented indicator columns present in the panel, in the documented order."""
        numeric = read_column_table().query("kind == 'number'").index
        return [name for name in numeric if name in self.frame.columns]

    def summary(self) -> str:
        """Return a few lines on size, years, indicators, balance and the quality log."""
        where = self.source.name + (f", sheet {self.sheet!r}" if self.sheet else "")
        span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
        counties = self.frame["code"].nunique()
        lines = [
            f"{where}: {len(self.frame)} rows, {counties} counties, years {span}",
            f"indicators: {', '.join(self.indicators) or 'none'}",
        ]
        if self.balanced:
            lines.append("balanced panel")
        else:
            short = self.missing_years["code"].nunique()
            lines.append(
                f"unbalanced panel: {short} counties miss {len(self.missing_years)} "
                "county-years (see missing_years)"
            )
        lines.append(f"quality log: {len(self.quality)} entries")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of the tidy panel."""
        return self.frame.copy()


@dataclass(frozen=True)
class RawSheet:
    """Cells of one sheet or CSV file as text, with the row number of each row."""

    rows: list[list[str | None]]
    numbers: list[int]
    excel: bool
    sheet: str | None = None
    encoding: str | None = None

    def label(self, position: int) -> str:
        """Return the column label the user sees: a letter in Excel, a number in CSV."""
        return get_column_letter(position + 1) if self.excel else str(position + 1)


# --- documented columns and header matching ------------------------------------------


def read_column_table() -> pd.DataFrame:
    """Return the documented panel columns of ``tables/panel_columns.csv``, indexed by name."""
    path = resources.files("countyres_helpers.data").joinpath("tables/panel_columns.csv")
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return table.set_index("name", drop=False)


def normalise_header(text: str) -> str:
    """Return a header in the form used for matching: NFKC, lower case, no spaces or _ -."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s_\-]+", "", text)


def split_list(text: str) -> list[str]:
    """Return the items of a semicolon-separated cell of the column table."""
    return [item for item in text.split(";") if item]


def header_aliases(table: pd.DataFrame) -> dict[str, str]:
    """Return every accepted header, normalised, mapped to its English column name."""
    aliases = {}
    for row in table.itertuples():
        for header in [row.name, *split_list(row.headers_zh), *split_list(row.headers_en)]:
            aliases[normalise_header(header)] = row.name
    return aliases


def accepted_units(row) -> set[str]:
    """Return the normalised spellings of the documented unit of one column."""
    return {normalise_header(unit) for unit in split_list(row.unit) + split_list(row.unit_zh)}


def known_units(table: pd.DataFrame) -> set[str]:
    """Return every unit spelling that a header is checked against, normalised."""
    units = {normalise_header(unit) for unit in OTHER_UNITS}
    for row in table.itertuples():
        units |= accepted_units(row)
    return units


def match_header(text: str | None, aliases: dict[str, str]) -> tuple[str | None, str | None]:
    """Return the column name of a header and the unit written in brackets after it.

    ``'网络零售额（万元）'`` gives ``('online_retail_sales', '万元')``. A header that no
    alias matches, with or without its bracketed suffix, gives ``(None, None)``.
    """
    if text is None:
        return None, None
    key = normalise_header(text)
    if key in aliases:
        return aliases[key], None

    suffix = UNIT_SUFFIX.fullmatch(key)
    if suffix and suffix[1] in aliases:
        return aliases[suffix[1]], suffix[2]
    return None, None


# --- reading cells -------------------------------------------------------------------


def cell_text(value) -> str | None:
    """Return a cell value as stripped text, or None for an empty cell.

    Floats keep their decimal point (``610102.0``), so a code stored as a float is seen
    and logged as one.
    """
    if value is None:
        return None
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def read_excel_cells(path: Path, sheet: str | int | None) -> RawSheet:
    """Read every cell of one worksheet as text, with cached formula results.

    Notes
    -----
    NOTE: a formula cell of a workbook that no spreadsheet program has saved has no
    cached result and is read as blank.
    """
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise DataFileError(
            f"{path}: the file could not be read as an Excel workbook ({error}). Save it "
            "as .xlsx or as CSV and read it again."
        ) from error

    worksheet = pick_sheet(workbook, sheet, path)
    rows = [
        [cell_text(value) for value in row]
        for row in worksheet.iter_rows(min_row=1, values_only=True)
    ]
    title = worksheet.title
    workbook.close()
    return RawSheet(rows, list(range(1, len(rows) + 1)), excel=True, sheet=title)


def pick_sheet(workbook, sheet: str | int | None, path: Path):
    """Return the requested worksheet: the first for None, else by name or position."""
    names = workbook.sheetnames
    if sheet is None:
        return workbook.worksheets[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return workbook.worksheets[sheet]
        raise DataFileError(
            f"{path}: there is no sheet at position {sheet}; the workbook has "
            f"{len(names)} sheet(s): {names}. Pass a position from 0 or a sheet name."
        )
    if sheet in names:
        return workbook[sheet]
    raise DataFileError(f"{path}: sheet {sheet!r} not found; the workbook has {names}.")


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a text file as UTF-16 (with a BOM), UTF-8 (BOM optional) or GB18030.

    GB18030 is a superset of GBK and GB2312, the encodings in which Excel on Chinese
    Windows saves CSV files.
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"

    for encoding in ["utf-8-sig", "gb18030"]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        return text, encoding
    raise DataFileError(
        f"{path}: the file could not be decoded as UTF-8 or GB18030 (GBK). Save it as "
        "'CSV UTF-8' and read it again."
    )


def sniff_delimiter(text: str) -> str:
    """Return the delimiter among comma, tab and semicolon seen most often on one line."""
    lines = text.splitlines()[:20] or [""]
    counts = {sep: max(line.count(sep) for line in lines) for sep in [",", "\t", ";"]}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def read_csv_cells(path: Path) -> RawSheet:
    """Read every cell of a CSV file as text, with the line number of each record."""
    text, encoding = decode_bytes(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))

    rows, numbers, line = [], [], 1
    try:
        for record in reader:
            rows.append([cell_text(value) for value in record])
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as error:
        raise DataFileError(
            f"{path}: line {reader.line_num} could not be parsed as CSV ({error}). Check "
            "its quotes, or save the file again from a spreadsheet program."
        ) from error

    width = max((len(row) for row in rows), default=0)
    rows = [row + [None] * (width - len(row)) for row in rows]
    return RawSheet(rows, numbers, excel=False, encoding=encoding)


def read_cells(path: Path, sheet: str | int | None) -> RawSheet:
    """Read a panel file by its suffix: .xlsx and .xlsm as Excel, .csv .tsv .txt as CSV."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_excel_cells(path, sheet)
    if suffix in {".csv", ".tsv", ".txt"}:
        if sheet is not None:
            raise ValueError(f"sheet={sheet!r} applies only to Excel files, not to {path}.")
        return read_csv_cells(path)
    if suffix == ".xls":
        raise DataFileError(
            f"{path}: the old .xls format is not read. Save the workbook as .xlsx and read "
            "that file."
        )
    raise DataFileError(
        f"{path}: unknown file type {suffix!r}. Use an .xlsx workbook or a .csv file."
    )


# --- header --------------------------------------------------------------------------


def quality_record(path: Path, row, column, code, issue: str, action: str) -> dict:
    """Return one entry of the quality log as a dict."""
    return dict(
        file=Path(path).name, row=row, column=column, code=code, issue=issue, action=action
    )


def header_score(row: list[str | None], aliases: dict[str, str]) -> int:
    """Return the number of documented columns that the cells of a row name."""
    return len({match_header(cell, aliases)[0] for cell in row} - {None})


def find_header(rows: list[list[str | None]], aliases: dict[str, str]) -> int | None:
    """Return the index of the row, among the first few, naming the most known columns.

    If the row above it names at least two known columns and contains no numbers, that row
    is returned, so that Chinese headers above a fuller row of English names are the header.
    """
    best, best_score = None, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = header_score(row, aliases)
        if score > best_score:
            best, best_score = index, score

    if best:
        above = [cell for cell in rows[best - 1] if cell is not None]
        numbers = any(is_number_text(cell) for cell in above)
        if header_score(above, aliases) >= 2 and not numbers:
            best -= 1
    return best


def is_number_text(text: str) -> bool:
    """Return whether a cell reads as a number, with or without thousands separators."""
    clean = unicodedata.normalize("NFKC", text).strip()
    return bool(NUMBER.fullmatch(clean) or THOUSANDS.fullmatch(clean))


def is_second_header(row, aliases: dict[str, str], units: set[str]) -> bool:
    """Return whether the row below the header is a second header row.

    It is one when no cell is a number and at least one cell is a known column name or
    a known unit, as in a row of English names or of units under Chinese headers.
    """
    cells = [cell for cell in row if cell is not None]
    if not cells or any(is_number_text(cell) for cell in cells):
        return False
    return any(
        match_header(cell, aliases)[0] is not None or normalise_header(cell) in units
        for cell in cells
    )


def describe_column(top, sub, aliases: dict[str, str], units: set[str]) -> tuple:
    """Return the name and unit of one column from its header cell and second header cell."""
    name, unit = match_header(top, aliases)
    sub_name, sub_unit = match_header(sub, aliases)
    if name is None:
        return sub_name, sub_unit
    if unit is None and sub is not None:
        if normalise_header(sub) in units:
            unit = normalise_header(sub)
        elif sub_name == name:
            unit = sub_unit
    return name, unit


def map_headers(raw: RawSheet, header_index: int, second: bool, table) -> pd.DataFrame:
    """Return one row per column with its label, header text, English name and unit."""
    aliases, units = header_aliases(table), known_units(table)
    top_row = raw.rows[header_index]
    sub_row = raw.rows[header_index + 1] if second else [None] * len(top_row)

    records = []
    for position, (top, sub) in enumerate(zip(top_row, sub_row)):
        name, unit = describe_column(top, sub, aliases, units)
        records.append(dict(
            position=position, column=raw.label(position), header=top, subheader=sub,
            title=top if top is not None else sub, name=name, unit=unit,
        ))
    # Object dtype keeps None in blank cells: pandas 3 would turn it into NaN in a str column.
    columns = ["position", "column", "header", "subheader", "title", "name", "unit"]
    return pd.DataFrame(records, columns=columns, dtype=object).astype({"position": int})


def check_header_names(headers: pd.DataFrame, table, path: Path, header_row: int) -> None:
    """Raise DataFileError for a name given by two columns, or a required column missing."""
    known = headers.dropna(subset=["name"])
    repeated = known[known["name"].duplicated(keep=False)]
    if len(repeated):
        pairs = "; ".join(
            f"{name}: " + ", ".join(f"column {r.column} ({r.title!r})" for r in group.itertuples())
            for name, group in repeated.groupby("name", sort=False)
        )
        raise DataFileError(
            f"{path}: several columns give the same variable ({pairs}). Keep one column "
            "per variable, or rename the others to headers that are not in panel_columns.csv."
        )

    required = table.index[table["required"] == "yes"]
    missing = [name for name in required if name not in set(known["name"])]
    if not missing:
        return
    accepted = "; ".join(
        f"{name} (headed {', '.join([name, *split_list(table.at[name, 'headers_zh'])])})"
        for name in missing
    )
    found = [text for text in headers["header"] if text is not None]
    message = (
        f"{path}: required column(s) missing: {accepted}. The header row read is row "
        f"{header_row}, with headers {found}. Add the column(s), or rename a header to one "
        "of these."
    )
    year_like = [text for text in found if re.fullmatch(r"\d{4}(\.0)?年?", text)]
    if len(year_like) >= 2:
        message += (
            f" The headers {year_like} look like years, so the file seems to be in wide "
            "layout: reshape it to one row per county and year."
        )
    raise DataFileError(message)


def locate_header(raw: RawSheet, table, path: Path, log: list) -> tuple[pd.DataFrame, int]:
    """Find and map the header and log the rows above it.

    Returns
    -------
    headers : pandas.DataFrame
        As made by ``map_headers``, with the header ``row`` number of the file.
    start : int
        Index in ``raw.rows`` of the first row below the header rows.
    """
    aliases = header_aliases(table)
    index = find_header(raw.rows, aliases)
    if index is None:
        raise DataFileError(
            f"{path}: no header row found in the first {HEADER_SCAN_ROWS} rows. The header "
            "must name at least the county code (区划代码 or code) and the year (年份 or "
            "year); see data/templates/county_panel_template.csv."
        )

    for above in range(index):
        cells = [cell for cell in raw.rows[above] if cell is not None]
        if cells:
            log.append(quality_record(
                path, raw.numbers[above], None, None, f"row above the header: {' | '.join(cells)}",
                "skipped as a title or note row",
            ))

    units = known_units(table)
    second = index + 1 < len(raw.rows) and is_second_header(raw.rows[index + 1], aliases, units)
    if second:
        cells = [cell for cell in raw.rows[index + 1] if cell is not None]
        log.append(quality_record(
            path, raw.numbers[index + 1], None, None,
            f"second header row: {' | '.join(cells)}",
            "used for column names and units, not read as data",
        ))

    headers = map_headers(raw, index, second, table).assign(row=raw.numbers[index])
    check_header_names(headers, table, path, raw.numbers[index])
    return headers, index + 1 + int(second)


def unit_problems(headers: pd.DataFrame, table, path: Path) -> list[dict]:
    """Return a problem for each column whose header names a unit other than the documented.

    A bracketed note that is not a known unit, such as ``(6位)``, is ignored.
    """
    units = known_units(table)
    problems = []
    for row in headers.dropna(subset=["name", "unit"]).itertuples():
        spec = table.loc[row.name]
        if row.unit not in units or row.unit in accepted_units(spec):
            continue
        documented = f"{split_list(spec.unit_zh)[0]} ({split_list(spec.unit)[0]})"
        problems.append(problem(
            "unit", path, row.row, row.title, None,
            f"the header is in {row.unit}, but {row.name} is read in {documented}",
            f"convert the values to {documented}", where=f"column {row.column} ({row.title!r})",
        ))
    return problems


# --- rows and cells ------------------------------------------------------------------


def problem(kind, path, row, column, code, issue: str, action: str, where: str = "") -> dict:
    """Return one problem: a quality entry with its ``kind`` and its message ``item``.

    ``where`` (row and column label) starts the message item, as in
    ``row 5, column A (区划代码): '6101' has 4 digits ...``.
    """
    entry = quality_record(path, row, column, code, issue, action)
    return dict(entry, kind=kind, item=f"{where}: {issue}" if where else issue)


def select_data_rows(raw: RawSheet, start: int, positions: dict, path: Path, log: list):
    """Return (row number, cells) of the data rows, logging blank and note rows skipped.

    A note row has a single non-blank cell, no year and nothing that reads as a code, as
    in a footnote ``注：...`` under the table. Blank rows after the last data row are
    dropped without a log entry.
    """
    body = list(zip(raw.numbers[start:], raw.rows[start:]))
    filled = [i for i, (_, cells) in enumerate(body) if any(c is not None for c in cells)]
    last = filled[-1] if filled else -1

    kept = []
    for number, cells in body[: last + 1]:
        values = [cell for cell in cells if cell is not None]
        code, year = cells[positions["code"]], cells[positions["year"]]
        if not values:
            log.append(quality_record(path, number, None, None, "blank row", "skipped"))
        elif len(values) == 1 and year is None and not (code and re.fullmatch(r"[\d.]+", code)):
            log.append(quality_record(
                path, number, None, None, f"note row: {values[0]}", "skipped",
            ))
        else:
            kept.append((number, cells))
    return kept


def parse_code(text: str | None) -> tuple[str | None, str | None, str | None]:
    """Return ``(code, note, error)`` for one code cell.

    A code stored as a float (``610102.0``, ``6.10102E+05``), a code with full-width
    digits or surrounding spaces, and a 12-digit statistical division code ending in six
    zeros are read as the 6-digit code, with a ``note``.
    Anything else that is not 6 digits gives an ``error``.
    """
    if text is None:
        return None, None, "the county code is missing"
    clean = unicodedata.normalize("NFKC", text).strip()

    code, note = None, None
    as_float = re.fullmatch(r"([0-9]{6})\.0*", clean)
    if re.fullmatch(r"[0-9]{6}", clean):
        code = clean
        if clean != text:
            note = f"code {text!r} had full-width digits or surrounding spaces"
    elif as_float:
        code, note = as_float[1], f"code {text!r} was stored as a number"
    elif re.fullmatch(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+", clean):
        value = float(clean)
        if not (value.is_integer() and 100000 <= value < 1000000):
            return None, None, f"{text!r} is not a 6-digit code"
        code, note = str(int(value)), f"code {text!r} was stored as a number"
    elif re.fullmatch(r"[0-9]{6}0{6}", clean):
        code, note = clean[:6], f"12-digit statistical division code {text!r}"
    elif re.fullmatch(r"[0-9]{12}", clean):
        return None, None, f"{text!r} is a 12-digit code below county level"
    elif re.fullmatch(r"[0-9]+", clean):
        return None, None, f"{text!r} has {len(clean)} digits, but a county code has 6"
    else:
        return None, None, f"{text!r} contains characters other than digits"

    if code[:2] not in PROVINCE_PREFIXES:
        return None, None, f"{text!r} starts with {code[:2]}, which is not a province code"
    if code[2:] == "0000":
        return None, None, f"{text!r} is a province-level code, not a county-level code"
    return code, note, None


def parse_year(text: str | None) -> tuple[int | None, str | None, str | None]:
    """Return ``(year, note, error)`` for one year cell; ``2019.0`` and ``2019年`` are read."""
    if text is None:
        return None, None, "the year is missing"
    clean = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"([0-9]{4})(\.0*)?(年)?", clean)
    if not match:
        return None, None, f"{text!r} is not a 4-digit year"

    year = int(match[1])
    last = date.today().year
    if not YEAR_MIN <= year <= last:
        return None, None, f"{text!r} is outside the years {YEAR_MIN} to {last}"
    note = f"year {text!r} read as {year}" if clean != match[1] else None
    return year, note, None


def parse_number(text: str | None) -> tuple[float, str | None]:
    """Return ``(value, status)`` for one value cell.

    ``status`` is None for a plain number or a blank, ``'thousands'`` for a number with
    thousands separators, ``'marker'`` for a missing-value marker such as ``-`` or ``…``,
    and ``'invalid'`` for anything else (the value is then NaN).
    """
    if text is None:
        return np.nan, None
    clean = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    if NUMBER.fullmatch(clean):
        return float(clean), None
    if THOUSANDS.fullmatch(clean):
        return float(clean.replace(",", "")), "thousands"
    if clean.lower() in MISSING_MARKERS:
        return np.nan, "marker"
    return np.nan, "invalid"


def read_keys(rows, positions, headers, path, log) -> tuple[list, list, list[dict]]:
    """Return the code and year of every data row, logging fixes and collecting errors."""
    header_of = headers.set_index("name")["title"]
    label_of = headers.set_index("name")["column"]
    codes, years, problems = [], [], []

    for number, cells in rows:
        text = cells[positions["code"]]
        code, note, error = parse_code(text)
        where = f"row {number}, column {label_of['code']} ({header_of['code']})"
        if note:
            log.append(quality_record(
                path, number, header_of["code"], code, note, f"read as {code}",
            ))
        if error:
            problems.append(problem(
                "code", path, number, header_of["code"], text, error,
                "write the 6-digit county code", where,
            ))
        elif code[4:] == "00":
            log.append(quality_record(
                path, number, header_of["code"], code, f"prefecture-level code {code}",
                "kept: only prefecture-level cities without counties, such as 441900 "
                "(Dongguan), are county-level units; delete prefecture total rows",
            ))
        codes.append(code)

        year, note, error = parse_year(cells[positions["year"]])
        where = f"row {number}, column {label_of['year']} ({header_of['year']})"
        if note:
            log.append(quality_record(path, number, header_of["year"], code, note, "read"))
        if error:
            problems.append(problem(
                "year", path, number, header_of["year"], code or text, error,
                "write the year as 4 digits", where,
            ))
        years.append(year)
    return codes, years, problems


def read_indicator(rows, column, codes, path, coerce, log):
    """Return the values of one documented indicator column, and its problems."""
    header, label, name = column.title, column.column, column.name
    values, problems = [], []
    for (number, cells), code in zip(rows, codes):
        text = cells[column.position]
        value, status = parse_number(text)
        where = f"row {number}, column {label} ({header})"
        if status == "thousands":
            log.append(quality_record(
                path, number, header, code, f"number {text!r} has thousands separators",
                f"read as {value:g}",
            ))
        elif status == "marker":
            log.append(quality_record(
                path, number, header, code, f"missing-value marker {text!r}", "read as missing",
            ))
        elif status == "invalid" and coerce:
            log.append(quality_record(
                path, number, header, code, f"non-numeric value {text!r}",
                "set to missing (coerce=True)",
            ))
        elif status == "invalid":
            problems.append(problem(
                "number", path, number, header, code, f"{text!r} in {name} is not a number",
                "write a plain number, or leave the cell blank", where,
            ))
        values.append(value)
    return values, problems


def read_unknown(rows, column, path, log) -> tuple[str, pd.Series | None]:
    """Return the frame name and values of a column not in panel_columns.csv.

    The column is kept, as numbers when every filled cell is a number and as text
    otherwise. A column with neither a header nor any value is dropped. Both are logged.
    """
    header = column.title
    texts = [cells[column.position] for _, cells in rows]
    if header is None and all(text is None for text in texts):
        log.append(quality_record(
            path, None, f"column {column.column}", None, "empty column without a header",
            "dropped",
        ))
        return "", None

    name = header if header is not None else f"column_{column.column}"
    filled = [text for text in texts if text is not None]
    if filled and all(is_number_text(text) for text in filled):
        values = pd.Series([parse_number(text)[0] for text in texts], dtype=float)
        kind = "numbers"
    else:
        values = pd.Series(texts, dtype=object)
        kind = "text"
    log.append(quality_record(
        path, column.row, name, None, f"unknown column {name!r} (column {column.column})",
        f"kept as {kind}, unchecked; rename the header to a name of panel_columns.csv to "
        "check it",
    ))
    return name, values


def negative_problems(frame: pd.DataFrame, headers, table, path) -> list[dict]:
    """Return a problem for each negative value in a column that cannot be negative."""
    columns = headers.dropna(subset=["name"]).set_index("name")
    problems = []
    for name in table.index[table["may_be_negative"] == "no"]:
        if name not in frame.columns or name == "year":
            continue
        header, label = columns.at[name, "title"], columns.at[name, "column"]
        for index in frame.index[frame[name] < 0]:
            number = frame.at[index, "row"]
            problems.append(problem(
                "negative", path, number, header, frame.at[index, "code"],
                f"{frame.at[index, name]:g} in {name} is negative", "check the sign and the unit",
                f"row {number}, column {label} ({header})",
            ))
    return problems


def duplicate_problems(frame: pd.DataFrame, path: Path) -> list[dict]:
    """Return a problem for each county-year that appears in more than one row."""
    keyed = frame.dropna(subset=["code", "year"])
    repeated = keyed[keyed.duplicated(["code", "year"], keep=False)]
    problems = []
    for (code, year), group in repeated.groupby(["code", "year"], sort=True):
        rows = ", ".join(str(number) for number in group["row"])
        problems.append(problem(
            "duplicate", path, int(group["row"].iloc[0]), None, code,
            f"code {code}, year {int(year)}: rows {rows}",
            "keep one row per county and year",
        ))
    return problems


def raise_problems(problems: list[dict], path: Path) -> None:
    """Raise one PanelFileError listing every problem by kind, if there are any."""
    if not problems:
        return
    issues = pd.DataFrame(problems)
    sections = []
    for kind, text in PROBLEM_TEXT.items():
        items = issues.loc[issues["kind"] == kind, "item"].tolist()
        if not items:
            continue
        lines = [f"  - {item}" for item in items[:LISTED_ITEMS]]
        if len(items) > LISTED_ITEMS:
            lines.append(
                f"  - ... and {len(items) - LISTED_ITEMS} more, listed in the error's "
                "issues table"
            )
        sections.append(text.format(n=len(items)) + ":\n" + "\n".join(lines))

    message = f"{path}: the panel has {len(issues)} problem(s); fix them and read it again.\n"
    issues = issues[["kind", *QUALITY_COLUMNS]].astype({"row": "Int64"})
    raise PanelFileError(message + "\n".join(sections), issues)


# --- assembly ------------------------------------------------------------------------


def build_frame(rows, headers, table, path, coerce, log) -> tuple[pd.DataFrame, list[dict]]:
    """Return the panel frame of the data rows and the problems found in its cells."""
    positions = headers.dropna(subset=["name"]).set_index("name")["position"].to_dict()
    codes, years, problems = read_keys(rows, positions, headers, path, log)

    frame = pd.DataFrame({"code": pd.Series(codes, dtype=object)})
    if "name" in positions:
        frame["name"] = pd.Series([cells[positions["name"]] for _, cells in rows], dtype=object)
    frame["year"] = pd.Series(years, dtype=object)

    columns = {row.name: row for row in headers.dropna(subset=["name"]).itertuples()}
    for name in table.index[table["kind"] == "number"]:
        if name not in columns:
            continue
        values, found = read_indicator(rows, columns[name], codes, path, coerce, log)
        frame[name] = pd.Series(values, dtype=float)
        problems.extend(found)

    for column in headers[headers["name"].isna()].itertuples():
        label, values = read_unknown(rows, column, path, log)
        if values is not None:
            taken = label in frame.columns or label == "row"
            frame[f"{label}_{column.column}" if taken else label] = values

    frame["row"] = pd.Series([number for number, _ in rows], dtype="int64")
    return frame, problems


def log_name_changes(frame: pd.DataFrame, path: Path, log: list) -> None:
    """Log every code written with more than one name across its rows."""
    if "name" not in frame.columns:
        return
    names = frame.dropna(subset=["name"]).groupby("code")["name"].unique()
    for code, spelled in names.items():
        if len(spelled) > 1:
            log.append(quality_record(
                path, None, "name", code, f"code {code} has several names: {list(spelled)}",
                "kept as written; names are not used for matching",
            ))


def find_missing_years(frame: pd.DataFrame, path: Path, log: list):
    """Return the years, whether the panel is balanced, and the missing county-years.

    Missing county-years are listed and logged, never added as rows. A year between the
    first and the last that no county has is logged too.
    """
    years = tuple(int(year) for year in sorted(frame["year"].unique()))
    codes = sorted(frame["code"].unique())
    full = pd.MultiIndex.from_product([codes, years], names=["code", "year"])
    present = pd.MultiIndex.from_frame(frame[["code", "year"]])
    missing = full.difference(present).to_frame(index=False)

    names = frame.groupby("code")["name"].first() if "name" in frame.columns else None
    missing.insert(1, "name", missing["code"].map(names) if names is not None else None)
    for code, group in missing.groupby("code"):
        listed = ", ".join(str(year) for year in group["year"])
        log.append(quality_record(
            path, None, "year", code, f"no row for {len(group)} of {len(years)} years: {listed}",
            "left missing: the panel is unbalanced and no rows were added",
        ))

    if years:
        absent = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if absent:
            log.append(quality_record(
                path, None, "year", None, f"no county has a row for {absent}",
                "no rows added; check that the file contains every year",
            ))
    return years, missing.empty, missing.astype({"code": "str", "year": "int64"})


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the checked frame sorted by code and year, with its final dtypes."""
    frame = frame.astype({"code": "str", "year": "int64"})
    if "name" in frame.columns:
        frame["name"] = frame["name"].astype("str").where(frame["name"].notna())
    return frame.sort_values(["code", "year"], kind="stable").reset_index(drop=True)


def read_panel(
    path: str | Path, *, sheet: str | int | None = None, coerce: bool = False
) -> PanelData:
    """Read, check and tidy an annual county panel from an Excel or CSV file.

    Parameters
    ----------
    path : str or Path
        An .xlsx workbook or a CSV file (UTF-8 with or without BOM, GBK/GB18030 or
        UTF-16; comma, tab or semicolon separated) with one row per county and year.
    sheet : str or int, optional
        Worksheet name or 0-based position; the first sheet by default.
    coerce : bool
        If True, a non-numeric value cell is set to missing and logged. If False, it is
        an error.

    Returns
    -------
    PanelData

    Raises
    ------
    DataFileError
        For a missing or unreadable file, a file without a header row, a required column
        missing, or two columns that give the same variable.
    PanelFileError
        A DataFileError listing every invalid code or year, non-numeric or negative
        value, duplicated county-year and wrong unit, with file, row and column.

    Notes
    -----
    The header row is the row among the first ten that names the most documented
    columns (``tables/panel_columns.csv``). Rows above it are skipped and logged. A row
    right below it with no numbers and a known name or unit, such as English names or
    units under Chinese headers, is read as a second header row. Unknown columns are
    kept and logged. A 6-digit code is not checked against a list of counties here, so
    ``match_to_counties`` reports codes that match no analysis unit.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: file not found.")

    table = read_column_table()
    log: list[dict] = []
    raw = read_cells(path, sheet)
    headers, start = locate_header(raw, table, path, log)
    problems = unit_problems(headers, table, path)

    positions = headers.dropna(subset=["name"]).set_index("name")["position"].to_dict()
    rows = select_data_rows(raw, start, positions, path, log)
    frame, found = build_frame(rows, headers, table, path, coerce, log)
    problems.extend(found)
    problems.extend(negative_problems(frame, headers, table, path))
    problems.extend(duplicate_problems(frame, path))
    raise_problems(problems, path)

    frame = tidy(frame)
    log_name_changes(frame, path, log)
    years, balanced, missing = find_missing_years(frame, path, log)
    return PanelData(
        frame=frame,
        quality=pd.DataFrame(log, columns=QUALITY_COLUMNS).astype({"row": "Int64"}),
        years=years,
        balanced=balanced,
        missing_years=missing,
        headers=headers.drop(columns=["position", "title"]),
        source=path,
        sheet=raw.sheet,
        encoding=raw.encoding,
    )


# --- matching to analysis units ------------------------------------------------------


def boundary_lookup() -> dict[str, str]:
    """Return the analysis unit of every census and boundary code in boundary_units.csv."""
    lookup = {}
    for row in boundaries.boundary_units().itertuples():
        for code in split_list(row.census_codes_2020) + split_list(row.boundary_codes):
            lookup[code] = row.unit_code
    return lookup


def crosswalk_lookup() -> dict[str, str]:
    """Return the 2020 code of every 2010 code in known_changes_2010_2020.csv."""
    lookup = {}
    for row in crosswalk.known_changes().itertuples():
        for code in split_list(row.codes_2010):
            lookup[code] = row.code_2020
    return lookup


def resolve_code(code: str, units: set[str], by_boundary: dict, by_crosswalk: dict):
    """Return ``(unit_code, method, reason)`` for one user code.

    The first of these steps that succeeds gives the ``method``:

    1. ``code``: the code itself is an analysis unit.
    2. ``boundary_units``: boundary_units.csv merges the code into a unit.
    3. ``crosswalk_2010``: known_changes_2010_2020.csv maps the code, as a 2010 code, to a
       2020 code that is a unit, directly or through boundary_units.csv.

    ``reason`` explains why a code matched none of them, and is None for a match.
    """
    if code in units:
        return code, "code", None
    if code in by_boundary:
        unit = by_boundary[code]
        if unit in units:
            return unit, "boundary_units", None
        return None, None, (
            f"boundary_units.csv merges it into unit {unit}, which is not among the "
            "analysis units"
        )
    if code in by_crosswalk:
        new = by_crosswalk[code]
        unit = new if new in units else by_boundary.get(new)
        if unit in units:
            return unit, "crosswalk_2010", None
        return None, None, (
            f"known_changes_2010_2020.csv maps this 2010 code to {new}, which is not among "
            "the analysis units"
        )
    if code[4] == "7":
        return None, None, "development zone (5th digit 7): zones are not analysis units"
    if code[4:] == "00":
        return None, None, "prefecture-level code that is not an analysis unit"
    return None, None, (
        "not an analysis unit, and in neither known_changes_2010_2020.csv nor "
        "boundary_units.csv"
    )


def check_units_index(counties) -> set[str]:
    """Return the unit codes of ``counties``, raising unless they are 6-digit text codes."""
    if not isinstance(counties, pd.DataFrame):
        raise TypeError(
            f"counties must be a DataFrame indexed by unit code, got {type(counties).__name__}; "
            "pass load_counties().counties."
        )
    codes = pd.Index(counties.index)
    bad = [code for code in codes if not (isinstance(code, str) and re.fullmatch(r"\d{6}", code))]
    if bad:
        raise ValueError(
            f"counties must be indexed by 6-digit codes as text, like "
            f"load_counties().counties; found {bad[:3]!r}. Set the index to the code column "
            "as str."
        )
    return set(codes)


def match_to_counties(panel, counties) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match the codes of a panel to the analysis units of the county table.

    Parameters
    ----------
    panel : PanelData or pandas.DataFrame
        A panel from ``read_panel``, or its frame (a ``code`` column of 6-digit text).
    counties : pandas.DataFrame or geopandas.GeoDataFrame
        ``load_counties().counties``, indexed by the 6-digit unit code.

    Returns
    -------
    matched : pandas.DataFrame
        The panel rows that matched, with ``unit_code`` after ``code``, ``match_method``
        (``code``, ``boundary_units`` or ``crosswalk_2010``) and ``merged``, True where
        several user codes fall in one unit in the same year.
    unmatched : pandas.DataFrame
        One row per user code that matched no unit, with ``code``, ``name``, ``years``,
        ``rows`` (of the file) and the ``reason``.

    Raises
    ------
    TypeError, ValueError
        If ``counties`` is not a frame indexed by 6-digit text codes, or ``panel`` has
        no ``code`` column.

    Notes
    -----
    Rows are never summed here. Where ``merged`` is True, add counts and totals and
    recompute ratios such as ``gdp_per_capita`` before joining to the unit.
    NOTE: a code reused for a different area over time is matched by the code alone.
    """
    frame = panel.frame if isinstance(panel, PanelData) else panel
    if not isinstance(frame, pd.DataFrame) or "code" not in frame.columns:
        raise ValueError("panel must be a PanelData, or a DataFrame with a 'code' column.")
    units = check_units_index(counties)
    by_boundary, by_crosswalk = boundary_lookup(), crosswalk_lookup()

    resolved = {
        code: resolve_code(code, units, by_boundary, by_crosswalk)
        for code in frame["code"].dropna().unique()
    }
    unit_code = frame["code"].map({code: found[0] for code, found in resolved.items()})
    method = frame["code"].map({code: found[1] for code, found in resolved.items()})

    matched = frame.assign(match_method=method)
    matched.insert(frame.columns.get_loc("code") + 1, "unit_code", unit_code)
    matched = matched[matched["unit_code"].notna()].copy()
    if "year" in matched.columns:
        shared = matched.groupby(["unit_code", "year"])["code"].transform("nunique")
    else:
        shared = matched.groupby("unit_code")["code"].transform("nunique")
    matched["merged"] = shared > 1
    return matched.reset_index(drop=True), unmatched_table(frame, resolved)


def joined(values) -> str:
    """Return values as one comma-separated string."""
    return ", ".join(str(value) for value in values)


def unmatched_table(frame: pd.DataFrame, resolved: dict) -> pd.DataFrame:
    """Return one row per user code that matched no analysis unit, with the reason."""
    records = []
    for code, (unit, _, reason) in resolved.items():
        if unit is not None:
            continue
        rows = frame[frame["code"] == code]
        names = rows["name"].dropna() if "name" in rows.columns else pd.Series(dtype=object)
        records.append(dict(
            code=code,
            name=names.iloc[0] if len(names) else None,
            years=joined(sorted(rows["year"])) if "year" in rows.columns else "",
            rows=joined(rows["row"]) if "row" in rows.columns else "",
            reason=reason,
        ))
    return pd.DataFrame(records, columns=["code", "name", "years", "rows", "reason"])


# --- template ------------------------------------------------------------------------


def template_headers(table: pd.DataFrame) -> list[tuple[str, str]]:
    """Return (Chinese header with unit, English name) for every documented column."""
    headers = []
    for row in table.itertuples():
        chinese = split_list(row.headers_zh)[0]
        if row.unit_zh:
            chinese += f"（{split_list(row.unit_zh)[0]}）"
        headers.append((chinese, row.name))
    return headers


def write_template(path: str | Path) -> Path:
    """Write an empty panel template: .csv with English headers, .xlsx with two header rows.

    The workbook has Chinese headers with units in row 1, English names in row 2, the
    code column formatted as text, and a second sheet ``columns`` describing each column.
    """
    path = Path(path)
    table = read_column_table()
    headers = template_headers(table)

    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerow([name for _, name in headers])
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"write_template writes .csv or .xlsx files, not {path.name!r}.")

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "panel"
    sheet.append([chinese for chinese, _ in headers])
    sheet.append([name for _, name in headers])
    for cell in sheet[1] + sheet[2]:
        cell.font = Font(bold=True)
    for position, (chinese, name) in enumerate(headers, start=1):
        width = max(len(name), 2 * len(chinese)) + 2
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.column_dimensions["A"].number_format = "@"
    sheet.freeze_panes = "A3"

    notes = workbook.create_sheet("columns")
    fields = ["name", "headers_zh", "headers_en", "unit", "unit_zh", "required",
              "may_be_negative", "description"]
    notes.append(fields)
    for row in table[fields].itertuples(index=False):
        notes.append(list(row))
    workbook.save(path)
    return path
