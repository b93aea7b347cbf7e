"""The built book in a real browser: headless Chromium loads pages, figures and the CJK font.

The pages are served from ``_build/html`` by a local HTTP server on 127.0.0.1, so the
browser fetches images, stylesheets and fonts as a reader's browser would. Screenshots go
to ``_build/screenshots`` for a person to look at. Chromium comes from Debian's package,
which ``make`` installs; playwright only drives it and downloads no browser of its own.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest

from countyres_helpers.data.sources import REPO_ROOT

HTML = REPO_ROOT / "_build" / "html"
SHOTS = REPO_ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Flags for a root user on a machine with no network: no sandbox, no GPU, and no
# background connections that would only fail.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PAGES = {
    "landing": "book/intro.html",
    "autocorrelation": "notebooks/03_autocorrelation.html",
    "guanzhong": "notebooks/04_guanzhong.html",
}

# Counts images that did not load: not complete, or decoded with zero width.
BROKEN_IMAGES_JS = """
() => Array.from(document.images)
    .filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => img.getAttribute('src'))
"""

ERROR_CELLS_JS = """
() => document.querySelectorAll('.output.traceback, .output.error, .cell_output .ansi-red-fg')
    .length
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that keeps the request log out of the test output."""

    def log_message(self, format, *args):  # noqa: A002 - the name the base class uses
        pass


def skip_or_fail(reason: str) -> None:
    """Fail on CI, where ``make test`` provides the book and Chromium, and skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def base_url():
    """Serve ``_build/html`` on an ephemeral port of 127.0.0.1 and return its URL."""
    if not (HTML / "index.html").is_file():
        skip_or_fail("_build/html is missing; `make test` builds the book first.")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Start Debian's Chromium headless through playwright."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM}; `make setup` installs it.")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def loaded(browser, base_url):
    """Open each page, wait for its images and fonts, and take a full-page screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    results = {}
    for name, path in PAGES.items():
        page = context.new_page()
        response = page.goto(f"{base_url}/{path}", wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        shot = SHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        results[name] = {
            "status": response.status,
            "images": page.evaluate("document.images.length"),
            "broken": page.evaluate(BROKEN_IMAGES_JS),
            "error_cells": page.evaluate(ERROR_CELLS_JS),
            "cjk_font": page.evaluate(
                "document.fonts.check('16px \"Noto Sans CJK SC Book\"', '关中')"
            ),
            "cjk_loaded": page.evaluate(
                "Array.from(document.fonts).some(f => f.family.includes('Noto Sans CJK')"
                " && f.status === 'loaded')"
            ),
            "title": page.title(),
            "shot": shot,
        }
        page.close()
    context.close()
    return results


def test_index_redirects_to_landing(browser, base_url):
    # Jupyter Book writes index.html as a redirect to the root page of the table of contents.
    page = browser.new_page()
    page.goto(f"{base_url}/index.html")
    page.wait_for_url("**/book/intro.html", timeout=10_000)
    page.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_served(loaded, name):
    assert loaded[name]["status"] == 200


@pytest.mark.parametrize("name", list(PAGES))
def test_page_images_loaded(loaded, name):
    assert loaded[name]["broken"] == []


@pytest.mark.parametrize(("name", "minimum"), [("autocorrelation", 3), ("guanzhong", 3)])
def test_chapter_has_figures(loaded, name, minimum):
    # The Moran chapter draws a scatter plot and LISA maps; the case chapter draws an
    # index map and the GWR and MGWR coefficient maps.
    assert loaded[name]["images"] >= minimum


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_error_cell(loaded, name):
    assert loaded[name]["error_cells"] == 0


@pytest.mark.parametrize("name", ["autocorrelation", "guanzhong"])
def test_chapter_loads_cjk_font(loaded, name):
    # Chapters print Chinese place names in tables, so the page loads the served font.
    assert loaded[name]["cjk_font"]
    assert loaded[name]["cjk_loaded"]


@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot_written(loaded, name):
    # A blank page compresses to a few kilobytes; a page with text and figures is larger.
    assert loaded[name]["shot"].stat().st_size > 50_000
