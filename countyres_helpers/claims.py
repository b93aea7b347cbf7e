"""Record each of the study's claims where a chapter tests it, for the claims page.

A chapter calls ``record_claim`` with what it found; the claims page pastes the two glued
values (``<key>_evidence`` and ``<key>_agrees``) with myst-nb's glue roles, so the page
always shows the numbers of the last build.
"""

from __future__ import annotations


def verdict(agrees: bool | None) -> str:
    """Return the claims-page word for a test result: yes, no, or not tested."""
    if agrees is None:
        return "not tested here"
    return "yes" if agrees else "no"


def record_claim(key: str, evidence: str, agrees: bool | None) -> None:
    """Glue a claim's evidence text and verdict into the running notebook, without display.

    Parameters
    ----------
    key : str
        Short name of the claim, for example ``"spillover"``.
    evidence : str
        What the data here show, with the numbers.
    agrees : bool or None
        Whether the data agree with the study; None where the test does not apply.
    """
    from myst_nb import glue

    glue(f"{key}_evidence", evidence, display=False)
    glue(f"{key}_agrees", verdict(agrees), display=False)
