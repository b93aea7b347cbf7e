"""Helpers for the countyres book: data layer, weights, indices and spatial statistics."""

import os
import warnings

__version__ = "0.1.0"

# mgwr draws tqdm progress bars during MGWR backfitting and its Monte Carlo test, with no
# option to turn them off, and they fill notebook outputs. tqdm reads TQDM_DISABLE once,
# when it is first imported; set TQDM_DISABLE=0 before importing this package to keep them.
os.environ.setdefault("TQDM_DISABLE", "1")

# esda imports tqdm.auto at import time, which warns "IProgress not found" in a Jupyter
# kernel without ipywidgets. Importing it here under a filter keeps that warning, which
# says nothing about the results, out of every chapter.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="IProgress not found")
    import tqdm.auto  # noqa: F401
