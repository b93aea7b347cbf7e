"""Map legends: class bounds printed with enough decimals to differ."""

from __future__ import annotations

import numpy as np

from countyres_helpers.plots import interval_format


def test_wide_classes_two_decimals():
    values = np.linspace(0.0, 10.0, 101)
    assert interval_format(values, 5) == "{:.2f}"


def test_narrow_classes_more_decimals():
    # Quintile bounds 0.2804, 0.2808, ... differ by 0.0004, so four decimals tell them apart.
    values = 0.28 + np.linspace(0.0, 0.002, 101)
    fmt = interval_format(values, 5)
    assert fmt == "{:.4f}"
    assert fmt.format(0.2804) != fmt.format(0.2808)


def test_constant_values_two_decimals():
    assert interval_format(np.full(10, 3.0), 1) == "{:.2f}"
