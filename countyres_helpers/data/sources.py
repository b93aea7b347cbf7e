"""Locate, verify and, outside this workplace, download the census tables.

Files are looked up in this order: the folder named by the ``COUNTYRES_DATA_DIR``
environment variable, then ``../shared/data`` beside the repository, then a download from
the public source (repository ``leiii/census`` at a fixed commit, MIT licence) into
``data/cache/downloads``. Every file is checked against its SHA-256 before it is read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / "data" / "cache"

SOURCE_COMMIT = "0ba0f1efae092f4aa6569ef38e53b3bb4d2f0087"
SOURCE_URL = f"https://raw.githubusercontent.com/leiii/census/{SOURCE_COMMIT}/data/census/"

SHA256 = {
    "census_county_2010_v1.xlsx": (
        "fccd3f094d1c8b7e404c8453add123826c53bc44cb85c65f6406d8e61f3f5d0b"
    ),
    "census_county_2020_v1.xlsx": (
        "04d37df90d4e358c13aac85a76051caab12afa84eca8a3b4f58cf2227ce69f43"
    ),
    "census_city_2010-2020_v1.csv": (
        "cef8ba063a7cda6f6eed99cd71cfa18aeed2ef09bc517a514810df874e99913a"
    ),
}


class DataFileError(ValueError):
    """A data file is missing, corrupt or not laid out as expected."""


def candidate_dirs() -> list[Path]:
    """Return the folders searched for census files, in order of preference.

    Each configured folder is searched both as given and in its ``census`` subfolder, so
    ``COUNTYRES_DATA_DIR`` may name either the data root or the census folder itself.
    """
    roots = []
    configured = os.environ.get("COUNTYRES_DATA_DIR")
    if configured:
        root = Path(configured).expanduser()
        if not root.is_dir():
            raise DataFileError(
                f"COUNTYRES_DATA_DIR is {configured!r}, which is not a folder. Point it at "
                "the folder holding the census tables, or unset it."
            )
        roots.append(root)
    roots.append(REPO_ROOT.parent / "shared" / "data")

    dirs = []
    for root in roots:
        dirs.extend([root / "census", root])
    return dirs


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, filename: str) -> Path:
    """Raise DataFileError unless ``path`` has the published checksum of ``filename``."""
    expected = SHA256[filename]
    actual = sha256_of(path)
    if actual != expected:
        raise DataFileError(
            f"{path}: SHA-256 is {actual}, expected {expected} for {filename}. "
            "The file is corrupt or a different version; replace it with the published one."
        )
    return path


def locate(filename: str, *, download: bool = True) -> Path:
    """Return the verified path of one census file, downloading it if allowed.

    Parameters
    ----------
    filename : str
        One of the published file names, for example ``"census_county_2020_v1.xlsx"``.
    download : bool
        Whether to fetch the file from the public source when no local copy exists.
        Tests pass ``False`` so that they never touch the network.

    Raises
    ------
    DataFileError
        If the name is unknown, a local copy fails its checksum, or no copy exists and
        ``download`` is false.
    """
    if filename not in SHA256:
        known = ", ".join(sorted(SHA256))
        raise DataFileError(f"Unknown census file {filename!r}; known files: {known}.")

    for folder in candidate_dirs():
        path = folder / filename
        if path.is_file():
            return verify(path, filename)

    if not download:
        searched = ", ".join(str(d) for d in candidate_dirs())
        raise DataFileError(
            f"{filename} not found in {searched}. Set COUNTYRES_DATA_DIR to the folder "
            "holding the census tables, or allow the download."
        )
    return fetch(filename)


def fetch(filename: str) -> Path:
    """Download one census file from the public source into the cache, checked by SHA-256."""
    import pooch

    url = SOURCE_URL + filename
    try:
        path = pooch.retrieve(
            url=url,
            known_hash=f"sha256:{SHA256[filename]}",
            fname=filename,
            path=CACHE_DIR / "downloads",
            progressbar=False,
        )
    except (OSError, ValueError) as error:
        searched = ", ".join(str(d) for d in candidate_dirs())
        raise DataFileError(
            f"{filename} was not found in {searched}, and the download from {url} "
            f"failed: {error}. Set COUNTYRES_DATA_DIR to a folder holding the census "
            "tables, or retry with network access."
        ) from error
    return Path(path)
