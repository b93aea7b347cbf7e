"""Regions of China and the case areas of the book, as sets of codes.

The four regions follow the grouping of the National Bureau of Statistics of China
(east, central, west, northeast; in use since 2011). Guanzhong is the case area of the
study: the prefectures of Xi'an, Tongchuan, Baoji, Xianyang and Weinan in Shaanxi, which
also contain the Yangling demonstration zone (Yangling district, 610403).
"""

from __future__ import annotations

import pandas as pd

from countyres_helpers.data.census import PROVINCE_NAMES

REGIONS = {
    "east": ["11", "12", "13", "31", "32", "33", "35", "37", "44", "46"],
    "central": ["14", "34", "36", "41", "42", "43"],
    "west": ["15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"],
    "northeast": ["21", "22", "23"],
}
REGION_ORDER = ["east", "central", "west", "northeast"]

PROVINCES = PROVINCE_NAMES

GUANZHONG_PREFECTURES = {
    "6101": "西安市", "6102": "铜川市", "6103": "宝鸡市", "6104": "咸阳市", "6105": "渭南市",
}
YANGLING = "610403"

# The Guanzhong Plain urban agglomeration of the national plan of 2018 (NDRC and MOHURD,
# Fagai Guihua [2018] 220): prefecture code -> county names, where None means the whole
# prefecture and a leading "-" marks the counties left out.
GUANZHONG_PLAIN = {
    "6101": None, "6102": None, "6103": None, "6104": None, "6105": None,
    "6110": ["商州区", "洛南县", "丹凤县", "柞水县"],
    "1408": ["-平陆县", "-垣曲县"],
    "1410": ["尧都区", "侯马市", "襄汾县", "霍州市", "曲沃县", "翼城县", "洪洞县", "浮山县"],
    "6205": None,
    "6208": ["崆峒区", "华亭县", "泾川县", "崇信县", "灵台县"],
    "6210": ["西峰区"],
}


def region_of(province_code: pd.Series) -> pd.Series:
    """Return the region name of each 2-digit province code (NaN for unknown codes)."""
    lookup = {code: region for region, codes in REGIONS.items() for code in codes}
    return province_code.map(lookup)


def province_code(province: str | int) -> str:
    """Return the 2-digit code of a province given by code, Chinese name or short name.

    Raises
    ------
    ValueError
        If the province is unknown; the message lists the valid names.
    """
    text = str(province).strip()
    if text in PROVINCES:
        return text
    for code, name in PROVINCES.items():
        if text in (name, name.rstrip("省市"), name[:2]):
            return code
    valid = ", ".join(f"{code} {name}" for code, name in PROVINCES.items())
    raise ValueError(f"Unknown province {province!r}. Valid provinces: {valid}.")


def guanzhong_codes(codes: pd.Index) -> pd.Index:
    """Return the county codes of the Guanzhong case area among ``codes``."""
    codes = pd.Index(codes)
    return codes[codes.str[:4].isin(GUANZHONG_PREFECTURES)]


def guanzhong_plain_codes(counties: pd.DataFrame) -> pd.Index:
    """Return the codes of the Guanzhong Plain urban agglomeration among ``counties``.

    Names are compared without their suffix (县, 市, 区), so Huating county of the plan
    matches Huating city, as it became in 2018.
    """
    from countyres_helpers.data.crosswalk import name_stem

    prefecture = counties["prefecture_code"]
    stems = counties["name"].map(name_stem)
    keep = pd.Series(False, index=counties.index)
    for code, names in GUANZHONG_PLAIN.items():
        in_prefecture = prefecture == code
        if names is None:
            keep |= in_prefecture
            continue
        left_out = {name_stem(n[1:]) for n in names if n.startswith("-")}
        listed = {name_stem(n) for n in names if not n.startswith("-")}
        chosen = ~stems.isin(left_out) if left_out else stems.isin(listed)
        keep |= in_prefecture & chosen
    return counties.index[keep]
