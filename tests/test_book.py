"""The built book: every chapter page exists, shows its results and has no error output.

These tests read ``_build/html``, which ``make test`` builds before running pytest.
"""

from __future__ import annotations

import os
import re

import pytest

from countyres_helpers.data.sources import REPO_ROOT

HTML = REPO_ROOT / "_build" / "html"
CHAPTERS = ["01_data", "02_indices", "03_autocorrelation", "04_guanzhong", "05_heterogeneity"]


@pytest.fixture(scope="module")
def pages():
    """Return the HTML text of each chapter page, skipping locally if the book is not built."""
    if not (HTML / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail("_build/html is missing on CI; `make test` builds the book first.")
        pytest.skip("book not built; run `make book`")
    return {name: (HTML / "notebooks" / f"{name}.html").read_text("utf-8") for name in CHAPTERS}


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_no_error_output(pages, name):
    html = pages[name]
    assert "Traceback (most recent call last)" not in html
    assert 'class="output traceback' not in html
    assert "Error" not in re.findall(r'<span class="ansi-red-fg">(\w*Error)', html)


def test_moran_result_shown(pages):
    html = pages["03_autocorrelation"]
    match = re.search(r"Moran(?:'|&#39;)s I of pop_change_log: (0\.\d{4}).*?pseudo p = (0\.\d{4})", html)
    assert match is not None
    assert float(match.group(1)) > 0.3
    assert float(match.group(2)) == pytest.approx(0.001)


def test_lisa_map_embedded(pages):
    html = pages["03_autocorrelation"]
    assert 'id="fig-lisa-china"' in html
    assert re.search(r'<img alt="[^"]*" src="\.\./_images/[0-9a-f]+\.png"', html)


def test_crosswalk_rate_shown(pages):
    match = re.search(r"matched to a 2010 record: (\d+\.\d)%", pages["01_data"])
    assert match is not None
    assert float(match.group(1)) >= 95.0


def test_cjk_font_served():
    if not (HTML / "index.html").is_file():
        pytest.skip("book not built")
    assert (HTML / "_static" / "fonts" / "NotoSansCJKsc-Regular.otf").stat().st_size > 1_000_000
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_claims_page_filled():
    # Every row of the claims page pastes a verdict from its chapter.
    if not (HTML / "index.html").is_file():
        pytest.skip("book not built")
    html = (HTML / "book" / "claims.html").read_text("utf-8")
    verdicts = re.findall(r'<span class="pasted-text">(yes|no|not tested here)</span>', html)
    assert len(verdicts) == 8
    assert "mean R:" in html
    assert "SDM direct impact" in html


def test_benchmarks_page_has_table():
    # The appendix shows benchmarks/results/benchmarks.csv as a table, not as code.
    if not (HTML / "index.html").is_file():
        pytest.skip("book not built")
    html = (HTML / "book" / "appendix_benchmarks.html").read_text("utf-8")
    assert "<table" in html
    assert "{csv-table}" not in html
    assert "helper cold: contiguity_weights" in html
