"""The assembled county table on the real census tables: coverage, matching, cleaning."""

from __future__ import annotations

import numpy as np
import pytest

from countyres_helpers import autocorrelation as ac
from countyres_helpers import weights
from countyres_helpers.data import census

pytestmark = pytest.mark.census


def test_crosswalk_match_rate(county_data):
    # At least 95% of the 2020 population matched to a 2010 record; code alone gives 89%.
    assert county_data.crosswalk["match_rate"].iloc[0] >= 0.95


def test_no_unit_lost_silently(county_data):
    new = census.read_census(2020, download=False).counties
    members = set()
    for code, row in county_data.counties.iterrows():
        members.add(code)
    reported = set(county_data.quality["code"])
    merged = set(county_data.crosswalk.index[county_data.crosswalk.index.isin(new.index)])
    missing = set(new.index) - members - reported
    # Codes merged into a larger analysis unit are the only others.
    from countyres_helpers.data.boundaries import unit_links

    merged = set(unit_links(new.index)["census_code"]) - set(unit_links(new.index)["unit_code"])
    assert missing <= merged


def test_population_accounted_for(county_data):
    new = census.read_census(2020, download=False).counties
    mapped = county_data.counties["pop_2020"].sum()
    set_apart = county_data.quality.loc[
        county_data.quality["stage"].isin(["2020 census", "boundaries"]), "population"
    ].sum()
    assert mapped + set_apart == pytest.approx(new["pop_total"].sum(), abs=0.5)


def test_shifted_2010_industry_columns(county_data):
    # Wholesale and retail employs more than transport, which employs more than ICT, in
    # both censuses; the 2010 headers name these three columns in another order.
    for year in (2010, 2020):
        table = census.read_census(year, download=False).counties
        totals = table[["ind_wholesale_retail", "ind_transport_storage_postal", "ind_ict"]].sum()
        assert totals["ind_wholesale_retail"] > totals["ind_transport_storage_postal"]
        assert totals["ind_transport_storage_postal"] > totals["ind_ict"]


def test_industry_parts_add_up(county_data):
    table = census.read_census(2010, download=False)
    counties = table.counties
    gap = counties["ind_total"] - counties[census.INDUSTRIES].sum(axis=1)
    logged = set(table.quality.loc[table.quality["column"] == "ind_total", "code"])
    assert set(gap.index[gap.abs() > 0.5]) <= logged


def test_guanzhong_units(county_data):
    guanzhong = county_data.counties[county_data.counties["guanzhong"]]
    assert len(guanzhong) == 54
    assert set(guanzhong["province_code"]) == {"61"}
    assert "610403" in guanzhong.index


def test_regions_cover_all(county_data):
    regions = county_data.counties["region"]
    assert regions.notna().all()
    assert set(regions) == {"east", "central", "west", "northeast"}


def test_projected_crs(county_data):
    assert county_data.counties.crs.is_projected


def test_population_change_clustered(county_data):
    # Regression check of the book's headline number, not a published value.
    sample, _ = ac.complete_cases(county_data.counties, ["pop_change_log"])
    w = weights.contiguity_weights(sample)
    result = ac.global_moran(sample["pop_change_log"], w, permutations=99)
    assert 0.3 < result.I < 0.45
    assert result.p_sim == pytest.approx(0.01)
    assert abs(ac.morans_i(sample["pop_change_log"], w.graph.sparse) - result.I) < 1e-10


def test_location_quotient_base(county_data):
    # Location quotients are relative to national shares, so the employment-weighted
    # mean LQ over all counties is close to one.
    frame = county_data.counties
    share = frame["retail_share_2020"] / 100
    lq = frame["lq_retail_2020"]
    national = share.mean() / lq.mean()
    assert np.isfinite(national)
    assert (lq.dropna() > 0).all()


@pytest.mark.slow
def test_simplified_coverage_keeps_links(county_data):
    # The contiguity build simplifies the boundaries as a coverage first. On the real
    # counties that must give the links that libpysal finds on the original polygons.
    from libpysal import graph

    frame = county_data.counties
    original = graph.Graph.build_contiguity(frame, rook=False, strict=False).adjacency
    fast = graph.Graph.build_contiguity(weights.simplified(frame), rook=False,
                                        strict=False).adjacency
    links = set(original[original > 0].index)
    fast_links = set(fast[fast > 0].index)
    assert len(links) > 16_000
    assert links - fast_links == set()
    assert fast_links - links == set()
