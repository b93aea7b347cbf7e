"""Sphinx extension: rebuild the claims page on every build.

The claims page pastes values from the chapters with myst-nb's glue. Sphinx does not
record that dependency, so an incremental build that re-executes a chapter would leave
the claims page with the chapter's old values. Marking the page outdated every time
costs well under a second.
"""

from __future__ import annotations

CLAIMS_DOC = "book/claims"


def always_outdated(app, env, added, changed, removed):
    """Return the claims page as outdated whenever it exists."""
    return [CLAIMS_DOC] if CLAIMS_DOC in env.found_docs else []


def setup(app):
    """Register the outdated-documents hook."""
    app.connect("env-get-outdated", always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
