"""Build the Jupyter Book and fail on any notebook error: ``python -m countyres_helpers.build_book``.

Jupyter Book 1.x can exit with status 0 after a notebook failed to execute, so this
script also fails when the build wrote an execution report under ``_build/html/reports``.
It clears the execution cache when the package's code changed since the last build.
It first locates (or downloads) the census tables, so that a missing file stops the
build with a clear message before any notebook runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from countyres_helpers.data.sources import REPO_ROOT, DataFileError, locate

BUILD_DIR = REPO_ROOT / "_build"
CACHE_DIR = BUILD_DIR / ".jupyter_cache"
PACKAGE_STAMP = BUILD_DIR / "package.sha256"
PACKAGE_DIR = Path(__file__).resolve().parent
# Sphinx extensions and static files of the book: a change rebuilds every page.
THEME_STAMP = BUILD_DIR / "theme.sha256"
THEME_DIRS = [REPO_ROOT / "book" / "_ext", REPO_ROOT / "book" / "_static"]


def locate_data() -> None:
    """Print where each census table was found, downloading it if needed."""
    for name in ["census_county_2010_v1.xlsx", "census_county_2020_v1.xlsx"]:
        print(f"census table: {locate(name)}", flush=True)


def files_digest(folders: list[Path], suffixes: set[str]) -> str:
    """Return a SHA-256 of the files with these suffixes below the folders, in path order."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                digest.update(str(path.relative_to(REPO_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def package_digest() -> str:
    """Return a SHA-256 of the package's source and data files."""
    return files_digest([PACKAGE_DIR], {".py", ".csv", ".yaml"})


def theme_digest() -> str:
    """Return a SHA-256 of the book's Sphinx extensions and static files."""
    return files_digest(THEME_DIRS, {".py", ".css", ".js"})


def stamp_differs(stamp: Path, digest: str) -> bool:
    """Return whether ``stamp`` is missing or records another digest."""
    return not stamp.is_file() or stamp.read_text().strip() != digest


def reset_stale_cache(digests: dict[Path, str]) -> bool:
    """Clear the execution cache when the package changed since the last build.

    Jupyter Book's cache is keyed on each notebook's code cells, so a change in the
    package alone would leave the old outputs of every unchanged chapter on the pages.
    Returns whether every page must be rebuilt: the package, the book's extensions or
    its static files changed.
    """
    stale = stamp_differs(PACKAGE_STAMP, digests[PACKAGE_STAMP])
    if stale and CACHE_DIR.exists():
        print("the package changed since the last build: every chapter runs again")
        shutil.rmtree(CACHE_DIR)
    return stale or stamp_differs(THEME_STAMP, digests[THEME_STAMP])


def write_stamps(digests: dict[Path, str]) -> None:
    """Record the digests that the cached outputs and the pages were built with."""
    BUILD_DIR.mkdir(exist_ok=True)
    for stamp, digest in digests.items():
        stamp.write_text(digest + "\n")


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
    digests = {PACKAGE_STAMP: package_digest(), THEME_STAMP: theme_digest()}
    stale = reset_stale_cache(digests)
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("MPLBACKEND", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    command = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO_ROOT),
        "--warningiserror", "--keep-going",
    ]
    if stale:
        command.append("--all")

    start = time.perf_counter()
    status = subprocess.run(command, env=env, check=False).returncode
    seconds = time.perf_counter() - start

    reports = failed_reports()
    for report in reports:
        print(f"notebook failed to execute, see {report}", file=sys.stderr)
    if status == 0 and reports:
        status = 1
    if status == 0:
        write_stamps(digests)
    print(f"book build finished in {seconds:.0f} s with status {status}: "
          f"{BUILD_DIR / 'html' / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
