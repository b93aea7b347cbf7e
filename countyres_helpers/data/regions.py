"""Regions of China and the case areas of the book, as sets of codes.

The four regions follow the grouping of the National Bureau of Statistics of China
(east, central, west, northeast; in use since 2011). Guanzhong is the case area of the
study: the prefectures of Xi'an, Tongchuan, Baoji, Xianyang and Weinan in Shaanxi, which
also contain the Yangling demonstration zone (Yangling district, 610403).
"""

from __future__ import annotations

import pandas as pd

REGIONS = {
    "east": ["11", "12", "13", "31", "32", "33", "35", "37", "44", "46"],
    "central": ["14", "34", "36", "41", "42", "43"],
    "west": ["15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"],
    "northeast": ["21", "22", "23"],
}
REGION_ORDER = ["east", "central", "west", "northeast"]

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}

GUANZHONG_PREFECTURES = {
    "6101": "西安市", "6102": "铜川市", "6103": "宝鸡市", "6104": "咸阳市", "6105": "渭南市",
}
YANGLING = "610403"


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
