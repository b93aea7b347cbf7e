"""Build the Jupyter Book and fail on any notebook error: ``python -m countyres_helpers.build_book``.

Jupyter Book 1.x can exit with status 0 after a notebook failed to execute, so this
script also fails when the build wrote an execution report under ``_build/html/reports``.
It first locates (or downloads) the census tables, so that a missing file stops the
build with a clear message before any notebook runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from countyres_helpers.data.sources import REPO_ROOT, DataFileError, locate

BUILD_DIR = REPO_ROOT / "_build"


def locate_data() -> None:
    """Print where each census table was found, downloading it if needed."""
    for name in ["census_county_2010_v1.xlsx", "census_county_2020_v1.xlsx"]:
        print(f"census table: {locate(name)}", flush=True)


def failed_reports() -> list[Path]:
    """Return the execution reports that the build wrote for failed notebooks."""
    reports = BUILD_DIR / "html" / "reports"
    return sorted(reports.rglob("*.log")) if reports.is_dir() else []


def main() -> int:
    """Build the book into ``_build/html`` and return the exit status."""
    try:
        locate_data()
    except DataFileError as error:
        print(f"build_book: {error}", file=sys.stderr)
        return 1
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("MPLBACKEND", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO_ROOT),
        "--warningiserror", "--keep-going",
    ]

    start = time.perf_counter()
    status = subprocess.run(command, env=env, check=False).returncode
    seconds = time.perf_counter() - start

    reports = failed_reports()
    for report in reports:
        print(f"notebook failed to execute, see {report}", file=sys.stderr)
    if status == 0 and reports:
        status = 1
    print(f"book build finished in {seconds:.0f} s with status {status}: "
          f"{BUILD_DIR / 'html' / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
