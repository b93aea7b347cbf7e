"""Time the heavy steps of the book at national scale and write the results table.

Run from the repository root:

    python -m benchmarks.run                      # every case, 3 runs each
    python -m benchmarks.run --only gwr --only moran
    python -m benchmarks.run --skip book --numba-path /tmp/numba-site

It writes ``benchmarks/results/benchmarks.csv`` and ``benchmarks/results/benchmarks.md``
(the machine, the versions and the table). A run of some cases replaces their rows and
keeps the other rows of the existing CSV. Every cache the cases write goes to temporary
folders, never to ``data/cache``. The book case clones the repository into
``--book-dir`` and builds it there twice over.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd

from benchmarks import bench_pipeline as bench

RESULTS = Path(__file__).resolve().parent / "results"
CASES = ["load", "weights", "moran", "sdm", "panel", "gwr", "book"]
PACKAGES = ["numpy", "scipy", "pandas", "geopandas", "shapely", "libpysal", "esda", "spreg",
            "mgwr", "joblib", "numba", "jupyter-book"]
COLUMNS = ["case", "step", "variant", "n", "runs", "median_s", "min_s", "target", "met",
           "ratio", "load_start", "load_end", "note"]


def parse_args(argv=None):
    """Parse the command line: cases, runs, book folder, numba folder, profile output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=CASES, default=None,
                        help="run only this case (repeatable; default: every case)")
    parser.add_argument("--skip", action="append", choices=CASES, default=[],
                        help="leave out this case (repeatable)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed repetitions of each variant (default 3, at least 3)")
    parser.add_argument("--book-dir", type=Path, default=None,
                        help="new folder for the book clone (default: a new temporary one)")
    parser.add_argument("--numba-path", default=None,
                        help="folder holding numba, put on PYTHONPATH for a second Moran "
                             "probe (for example a pip --target folder)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a pyinstrument profile of the panel impacts to this file")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help=f"folder of benchmarks.csv and benchmarks.md (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error(f"--runs must be at least 3, got {args.runs}.")
    if args.profile is not None and importlib.util.find_spec("pyinstrument") is None:
        parser.error("--profile needs pyinstrument; install it with "
                     "`.venv/bin/pip install pyinstrument`.")
    return args


def load_average() -> float:
    """Return the 1-minute load average of the machine."""
    return os.getloadavg()[0]


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's processor name."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    """Return the total memory in GiB from /proc/meminfo (NaN if it cannot be read)."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def package_version(name: str) -> str:
    """Return the installed version of a distribution, or "not installed"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def blas_threads() -> str:
    """Return the BLAS library and its thread count as threadpoolctl reports them."""
    import numpy  # noqa: F401 - loads the BLAS that threadpoolctl inspects
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(f"{p['internal_api']} {p['version']}: {p['num_threads']} threads"
                     for p in pools) or "none found"


def git_commit() -> str:
    """Return the short commit of the working tree, with "+changes" if it is not clean."""
    root = bench.REPO_ROOT
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return f"{head}+changes" if dirty else head


def machine_facts() -> dict:
    """Return the machine, the interpreter and the package versions as text values."""
    facts = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"),
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": cpu_model(),
        "memory": f"{memory_gib():.1f} GiB",
        "python": platform.python_version(),
        "blas": blas_threads(),
        "commit": git_commit(),
    }
    facts.update({name: package_version(name) for name in PACKAGES})
    return facts


def run_case(case: str, counties, args) -> list[bench.Row]:
    """Run one case and return its rows."""
    runs = args.runs
    if case == "load":
        return bench.bench_load(runs)
    if case == "weights":
        return bench.bench_weights(counties, max(runs, 5))
    if case == "moran":
        return bench.bench_moran(counties, max(runs, 5), numba_path=args.numba_path)
    if case == "sdm":
        return bench.bench_sdm(counties, runs)
    if case == "panel":
        rows = bench.bench_panel(counties, runs)
        if args.profile is not None:
            bench.profile_panel_impacts(counties, args.profile)
            print(f"wrote the profile of the panel impacts to {args.profile}")
        return rows
    if case == "gwr":
        return bench.bench_gwr(counties, runs, national_runs=runs)
    if case == "book":
        folder = args.book_dir or Path(tempfile.mkdtemp(prefix="countyres-bench-book-"))
        print(f"book clone in {folder}")
        return bench.bench_book(folder, runs)
    raise ValueError(f"Unknown case {case!r}; the cases are {CASES}.")


def merge(previous: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows of the cases in ``table`` and keep the other rows of ``previous``."""
    if previous is not None:
        kept = previous[~previous["case"].isin(table["case"].unique())]
        table = pd.concat([kept, table], ignore_index=True)
    order = {case: position for position, case in enumerate(CASES)}
    table = table.assign(_order=table["case"].map(order))
    table = table.sort_values("_order", kind="stable").drop(columns="_order")
    return table[COLUMNS].reset_index(drop=True)


def markdown_table(table: pd.DataFrame) -> str:
    """Return the results as a markdown table, times with three significant digits."""
    shown = table.drop(columns=["case"]).copy()
    for column in ["median_s", "min_s", "ratio", "load_start", "load_end"]:
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3g}")
    shown = shown.fillna("")
    lines = ["| " + " | ".join(shown.columns) + " |",
             "|" + "|".join(" --- " for _ in shown.columns) + "|"]
    for row in shown.itertuples(index=False):
        cells = [str(value).replace("|", "/") for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_markdown(path: Path, facts: dict, loads: tuple, table: pd.DataFrame) -> None:
    """Write the machine facts, the load averages and the table to ``path``."""
    lines = ["# Benchmarks", "", "Written by `python -m benchmarks.run`.", "",
             "| machine | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in facts.items()]
    lines += [
        f"| load average (1 min) at start, end | {loads[0]:.2f}, {loads[1]:.2f} |", "",
        ("Times are wall-clock seconds: the median and the minimum over `runs`. "
         "`ratio` is the helper's median over the direct call's median in the same run. "
         "`load_start` and `load_end` are the 1-minute load averages around each case. "
         "Rows of cases left out of the last run keep their earlier values."), "",
        markdown_table(table), "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_results(out: Path, facts: dict, loads: tuple, rows: list) -> Path:
    """Merge ``rows`` into ``out/benchmarks.csv`` and rewrite ``out/benchmarks.md``."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "benchmarks.csv"
    previous = pd.read_csv(csv_path, dtype={"met": str}) if csv_path.is_file() else None
    table = merge(previous, pd.DataFrame([r.to_dict() for r in rows], columns=COLUMNS))
    table.to_csv(csv_path, index=False, float_format="%.4g")
    write_markdown(out / "benchmarks.md", facts, loads, table)
    return csv_path


def main(argv=None) -> int:
    """Run the chosen cases and write the tables after each case.

    Writing after each case keeps the finished cases when a later one fails.
    """
    args = parse_args(argv)
    cases = [c for c in (args.only or CASES) if c not in args.skip]
    facts = machine_facts()
    start_load = load_average()
    print(f"load average at start: {start_load:.2f}; cases: {', '.join(cases)}", flush=True)

    rows = []
    needs_counties = any(c not in ("load", "book") for c in cases)
    with bench.temporary_cache():
        counties = bench.load_all_counties() if needs_counties else None
        for case in cases:
            before = load_average()
            print(f"case {case} ...", flush=True)
            timed = run_case(case, counties, args)
            after = load_average()
            rows += [dataclasses.replace(r, load_start=before, load_end=after) for r in timed]
            for row in timed:
                print(f"  {row.step} | {row.variant}: median {row.median_s:.3g} s, "
                      f"min {row.min_s:.3g} s {row.met}", flush=True)
            csv_path = write_results(args.out, facts, (start_load, load_average()), rows)

    print(f"load average at end: {load_average():.2f}; wrote {csv_path} and benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
