"""Sphinx extension: serve Noto Sans CJK SC with the book, so Chinese text never shows boxes.

The font comes from the mplfonts package, which the set-up installs for the figures. It
is copied into ``_static/fonts`` and declared by ``_static/cjk.css`` as a fallback after
the theme's fonts, so a reader's browser needs no CJK font of its own.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

FONT = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """Return the path of Noto Sans CJK SC inside the installed mplfonts package."""
    spec = find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("mplfonts is not installed; run `make book` to set it up.")
    return Path(spec.submodule_search_locations[0]) / "fonts" / FONT


def copy_font(app, exception) -> None:
    """Copy the font into the built site's ``_static/fonts`` after a successful build."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(font_path(), target / FONT)


def setup(app):
    """Register the stylesheet, the re-layout script and the copy step."""
    app.add_css_file("cjk.css")
    app.add_js_file("cjk.js")
    app.connect("build-finished", copy_font)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
