"""Census reader: small files written by the tests, then the real tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countyres_helpers.data import census, sources
from countyres_helpers.data.census import DataFileError, header_map, read_census


def write_table(path, year, rows, *, drop_column=None, rename=None):
    """Write an Excel file with the published headers of ``year`` and the given rows.

    ``rows`` are dicts keyed by English column name; missing cells are blank.
    """
    mapping = header_map(year)
    headers = list(mapping["header"])
    names = list(mapping["name"])
    frame = pd.DataFrame([[row.get(name) for name in names] for row in rows], columns=headers)
    if drop_column is not None:
        frame = frame.drop(columns=headers[names.index(drop_column)])
    if rename is not None:
        old, new = rename
        frame = frame.rename(columns={headers[names.index(old)]: new})
    frame.to_excel(path, index=False)
    return path


def industry_row(total, **counts):
    """Return industry cells that add up to ``total``, agriculture taking the rest."""
    cells = {name: 0 for name in census.INDUSTRIES}
    cells.update(counts)
    cells["ind_agriculture"] = total - sum(v for k, v in counts.items())
    cells["ind_total"] = total
    return cells


def county_2020(code, name, pop, **extra):
    """Return one 2020 row for a county in Shaanxi."""
    row = {"code": code, "province": "陕西省", "prefecture": "西安市", "name": name,
           "pop_total": pop, "pop_urban": pop // 2, "schooling_years": 9.5}
    row.update(industry_row(100, ind_wholesale_retail=10, ind_ict=2))
    row.update(extra)
    return row


@pytest.fixture
def good_2020(tmp_path):
    """A small, well-formed 2020 table: province, prefecture, three counties, two zones."""
    rows = [
        {"code": None, "province": "全国", "prefecture": "全国", "name": "全国", "pop_total": 3300},
        {"code": "610000", "province": "陕西省", "prefecture": "陕西省", "name": "陕西省",
         "pop_total": 3300},
        {"code": "610100", "province": "陕西省", "prefecture": "西安市", "name": "西安市",
         "pop_total": 3300},
        county_2020("610102", "新城区", 1000),
        county_2020("610103", "碑林区", 1000),
        county_2020("610104", "莲湖区", 1000, ind_ict=None, ind_total=100),
        county_2020("610171", "西安经济开发区", 200),
        county_2020(None, "西安某新区", 100),
    ]
    return write_table(tmp_path / "good_2020.xlsx", 2020, rows)


def test_read_splits_levels(good_2020):
    table = read_census(2020, path=good_2020)
    assert list(table.counties.index) == ["610102", "610103", "610104", "610171"]
    assert set(table.aggregates["level"]) == {"nation", "province", "prefecture"}


def test_read_keeps_codes_as_text(good_2020):
    table = read_census(2020, path=good_2020)
    assert table.counties.index.dtype.kind in "OU" or str(table.counties.index.dtype) == "str"
    assert table.counties.index[0] == "610102"


def test_development_zone_flagged(good_2020):
    table = read_census(2020, path=good_2020)
    assert table.counties.at["610171", "is_development_zone"]
    assert not table.counties.at["610102", "is_development_zone"]


def test_uncoded_unit_logged(good_2020):
    table = read_census(2020, path=good_2020)
    logged = table.quality[table.quality["name"] == "西安某新区"]
    assert len(logged) == 1
    assert "without a code" in logged["issue"].iloc[0]
    assert "西安某新区" not in set(table.counties["name"])


def test_blank_cell_not_zeroed_when_totals_disagree(good_2020):
    table = read_census(2020, path=good_2020)
    # 莲湖区: the ICT cell is blank and the other cells fall 2 short of the total.
    assert np.isnan(table.counties.at["610104", "ind_ict"])
    issues = table.quality.loc[table.quality["code"] == "610104", "issue"]
    assert issues.str.contains("differ from the total by -2").any()


def test_blank_cell_zeroed_when_totals_agree(good_2020):
    table = read_census(2020, path=good_2020)
    # 新城区: the international-organisations cell is blank and the rest add up.
    assert table.counties.at["610102", "ind_international"] == 0.0


def test_province_gap_lists_uncoded_population(good_2020):
    gaps = census.province_gaps(read_census(2020, path=good_2020))
    assert gaps["gap"].tolist() == [3300 - 3200]


def test_missing_column_rejected(tmp_path):
    path = write_table(tmp_path / "short.xlsx", 2020, [county_2020("610102", "新城区", 1)],
                       drop_column="pop_urban")
    with pytest.raises(DataFileError, match="short.xlsx: expected 153 columns"):
        read_census(2020, path=path)


def test_wrong_header_rejected(tmp_path):
    path = write_table(tmp_path / "renamed.xlsx", 2020, [county_2020("610102", "新城区", 1)],
                       rename=("pop_urban", "城市人口"))
    with pytest.raises(DataFileError, match=r"renamed.xlsx: column 10 is headed '城市人口'"):
        read_census(2020, path=path)


def test_duplicate_codes_rejected(tmp_path):
    rows = [county_2020("610102", "新城区", 1), county_2020("610102", "新城区", 2)]
    path = write_table(tmp_path / "dup.xlsx", 2020, rows)
    with pytest.raises(DataFileError, match=r"dup.xlsx: duplicate county codes \['610102'\]"):
        read_census(2020, path=path)


def test_missing_file_rejected(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        read_census(2020, path=tmp_path / "absent.xlsx")


def test_unknown_year_rejected():
    with pytest.raises(ValueError, match="No census table for year 2015"):
        read_census(2015, download=False)


def test_non_numeric_cell_logged(tmp_path):
    rows = [county_2020("610102", "新城区", 1000, pop_urban="about 500")]
    path = write_table(tmp_path / "text.xlsx", 2020, rows)
    table = read_census(2020, path=path)
    entry = table.quality[table.quality["column"] == "pop_urban"].iloc[0]
    assert np.isnan(table.counties.at["610102", "pop_urban"])
    assert entry["row"] == 2
    assert "non-numeric value 'about 500'" in entry["issue"]


def test_merged_cell_split(tmp_path):
    row = county_2020("610102", "新城区", 1000)
    row.update(ind_mining="5      7", ind_manufacturing=None)
    row["ind_agriculture"] -= 12
    path = write_table(tmp_path / "merged.xlsx", 2020, [row])
    table = read_census(2020, path=path)
    assert table.counties.at["610102", "ind_mining"] == 5
    assert table.counties.at["610102", "ind_manufacturing"] == 7
    assert table.quality["issue"].str.contains("two numbers").any()


def test_wrong_checksum_rejected(tmp_path, monkeypatch):
    (tmp_path / "census_county_2020_v1.xlsx").write_bytes(b"not the census")
    monkeypatch.setenv("COUNTYRES_DATA_DIR", str(tmp_path))
    with pytest.raises(DataFileError, match="SHA-256 is .* expected 04d37df9"):
        sources.locate("census_county_2020_v1.xlsx", download=False)


def test_missing_data_dir_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNTYRES_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sources, "REPO_ROOT", tmp_path / "repo")
    with pytest.raises(DataFileError, match="not found in .*Set COUNTYRES_DATA_DIR"):
        sources.locate("census_county_2020_v1.xlsx", download=False)


def test_unknown_file_rejected():
    with pytest.raises(DataFileError, match="Unknown census file 'x.xlsx'"):
        sources.locate("x.xlsx", download=False)
