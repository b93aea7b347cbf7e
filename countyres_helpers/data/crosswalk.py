"""Match 2020 county-level units to their 2010 census records.

Between the two censuses many counties became districts, merged or were renumbered. Each
2020 unit is matched in four steps, and the first that succeeds wins:

1. ``table``: the documented list of known changes, ``tables/known_changes_2010_2020.csv``
   (renames and mergers, where one 2020 unit takes the sum of several 2010 units);
2. ``code``: the same 6-digit code in both years;
3. ``name_prefecture``: the same name stem (the name without 县, 市, 区, 旗 or 自治县) in
   the same prefecture;
4. ``name_province``: the same name stem in the same province, when exactly one 2010
   record has it.

A 2010 record claimed by two 2020 units is kept for the first and reported for the second,
so that no population is counted twice. Development zones of 2020 (codes whose 5th digit
is 7) were carved out of older counties and have no 2010 record; they stay unmatched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import pandas as pd

STEM_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|市|区|旗)$")

# Factor between a unit's 2020 and 2010 populations beyond which its boundary is taken to
# have changed, in a prefecture where units were redrawn (see flag_ratios).
RATIO_LIMIT_REDRAWN = 1.5
# The same factor elsewhere. It is wider so that genuine fast growth (Weiyang in Xi'an
# grew 2.3-fold) is kept, while a swap of two counties' figures is still caught.
RATIO_LIMIT = 3.0


@dataclass(frozen=True)
class Crosswalk:
    """Links from 2020 units to 2010 records, with the match report.

    Attributes
    ----------
    links : pandas.DataFrame
        One row per (``code_2020``, ``code_2010``) link, with the ``method`` that made it.
    units : pandas.DataFrame
        One row per 2020 unit: ``name``, ``method`` (or ``unmatched``), ``codes_2010``,
        ``pop_2020``, ``pop_2010``, ``redrawn`` (the prefecture had units redrawn) and
        ``ratio_flag`` (True where the populations differ by more than
        ``RATIO_LIMIT_REDRAWN`` in a redrawn prefecture, or ``RATIO_LIMIT`` elsewhere).
    unmatched_2010 : pandas.DataFrame
        2010 records that no 2020 unit took, with their population.
    """

    links: pd.DataFrame
    units: pd.DataFrame
    unmatched_2010: pd.DataFrame

    def match_rate(self) -> float:
        """Return the share of 2020 population in units matched to a 2010 record."""
        matched = self.units["method"] != "unmatched"
        return float(self.units.loc[matched, "pop_2020"].sum() / self.units["pop_2020"].sum())

    def summary(self) -> pd.DataFrame:
        """Return units and 2020 population by match method."""
        table = self.units.groupby("method").agg(
            units=("name", "size"), pop_2020=("pop_2020", "sum")
        )
        table["pop_share"] = 100 * table["pop_2020"] / table["pop_2020"].sum()
        return table.sort_values("pop_2020", ascending=False)


def name_stem(name: str) -> str:
    """Return a county name without its administrative suffix (县, 市, 区, 旗 ...)."""
    return STEM_SUFFIX.sub("", name)


def known_changes() -> pd.DataFrame:
    """Return the documented table of 2010 to 2020 changes, one row per 2020 unit."""
    path = resources.files("countyres_helpers.data").joinpath(
        "tables/known_changes_2010_2020.csv"
    )
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str)


def match_by_table(units: pd.DataFrame, old: pd.DataFrame) -> list[tuple]:
    """Return links from the table of known changes whose codes exist in both years."""
    links = []
    for row in known_changes().itertuples():
        codes = row.codes_2010.split(";")
        if row.code_2020 in units.index and all(c in old.index for c in codes):
            links.extend((row.code_2020, code, "table") for code in codes)
    return links


def match_by_name(units, old, taken, key) -> list[tuple]:
    """Return links between unmatched units and free 2010 records with one shared stem.

    ``key`` is the column that must also agree: ``prefecture_code`` or ``province_code``.
    """
    method = "name_prefecture" if key == "prefecture_code" else "name_province"
    free = old[~old.index.isin(taken)].assign(stem=lambda d: d["name"].map(name_stem))
    candidates = free.reset_index().groupby([key, "stem"])["code"].agg(list)

    links = []
    for code, unit in units.iterrows():
        found = candidates.get((unit[key], name_stem(unit["name"])), [])
        if len(found) == 1 and found[0] not in taken:
            links.append((code, found[0], method))
            taken.add(found[0])
    return links


def build_crosswalk(new: pd.DataFrame, old: pd.DataFrame) -> Crosswalk:
    """Match the county rows of the 2020 census to those of the 2010 census.

    Parameters
    ----------
    new, old : pandas.DataFrame
        ``CensusTable.counties`` of 2020 and 2010, indexed by code.

    Returns
    -------
    Crosswalk
    """
    units = new[~new["is_development_zone"]]
    links = match_by_table(units, old)
    taken = {code_2010 for _, code_2010, _ in links}
    matched = {code_2020 for code_2020, _, _ in links}

    for code in units.index.difference(matched):
        if code in old.index and code not in taken:
            links.append((code, code, "code"))
            taken.add(code)
    matched = {code_2020 for code_2020, _, _ in links}

    for key in ["prefecture_code", "province_code"]:
        rest = units.loc[units.index.difference(matched)]
        links.extend(match_by_name(rest, old, taken, key))
        matched = {code_2020 for code_2020, _, _ in links}

    links = pd.DataFrame(links, columns=["code_2020", "code_2010", "method"])
    unmatched = unmatched_report(old, links)
    units = flag_ratios(unit_report(new, old, links), unmatched)
    return Crosswalk(links, units, unmatched)


def unit_report(new: pd.DataFrame, old: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Return one row per 2020 unit with its match method and both populations."""
    grouped = links.groupby("code_2020").agg(
        method=("method", "first"), codes_2010=("code_2010", ";".join)
    )
    pop_2010 = links.assign(pop=links["code_2010"].map(old["pop_total"]))
    pop_2010 = pop_2010.groupby("code_2020")["pop"].sum()

    units = new[["name", "province_code", "prefecture_code", "is_development_zone"]].copy()
    units = units.join(grouped)
    units["method"] = units["method"].fillna("unmatched")
    units["pop_2020"] = new["pop_total"]
    units["pop_2010"] = pop_2010.reindex(units.index)

    return units


def flag_ratios(units: pd.DataFrame, unmatched_2010: pd.DataFrame) -> pd.DataFrame:
    """Flag matched units whose two populations differ more than growth can explain.

    A prefecture counts as redrawn when it contains a 2010 record that no 2020 unit took,
    or a 2020 unit (other than a development zone) with no 2010 record. Its units may
    have gained or lost area, so the tighter limit applies there.
    """
    units = units.copy()
    new_without_match = units["method"].eq("unmatched") & ~units["is_development_zone"]
    redrawn = set(unmatched_2010["prefecture_code"]) | set(
        units.loc[new_without_match, "prefecture_code"]
    )
    units["redrawn"] = units["prefecture_code"].isin(redrawn)

    ratio = units["pop_2020"] / units["pop_2010"]
    limit = units["redrawn"].map({True: RATIO_LIMIT_REDRAWN, False: RATIO_LIMIT})
    units["ratio_flag"] = (ratio > limit) | (ratio < 1 / limit)
    return units


def unmatched_report(old: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Return the 2010 records that no 2020 unit took."""
    rest = old.loc[old.index.difference(links["code_2010"])]
    return rest[["name", "province_code", "prefecture_code", "pop_total"]]
