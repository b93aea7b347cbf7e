"""Shared fixtures: the real census tables (read without download) and small files."""

from __future__ import annotations

import os

import pytest

from countyres_helpers.data.sources import DataFileError, locate


def census_available() -> bool:
    """Return whether both census tables can be found locally."""
    try:
        locate("census_county_2010_v1.xlsx", download=False)
        locate("census_county_2020_v1.xlsx", download=False)
    except DataFileError:
        return False
    return True


@pytest.fixture(scope="session")
def county_data():
    """The assembled county table of the book, built from the local census tables.

    Skips where the tables are missing, except on CI (``CI`` set), where it fails.
    """
    if not census_available():
        if os.environ.get("CI"):
            pytest.fail("The census tables are missing on CI; ../shared/data/census is expected.")
        pytest.skip("census tables not found locally; set COUNTYRES_DATA_DIR")
    from countyres_helpers.data.counties import load_counties

    return load_counties(download=False)
