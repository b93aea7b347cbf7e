"""``countyres run``: execute the book's chapters for a province and build a small book.

Each chapter in ``notebooks/`` is converted from MyST markdown to a notebook, executed by
papermill with the requested parameters, and the executed notebooks are built into a
static Jupyter Book in the output folder. A failed chapter stops that run, names the
cell and the error, and makes the command exit with status 1.
"""

from __future__ import annotations

import argparse
import logging
import math
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from countyres_helpers.data.regions import PROVINCES, province_code
from countyres_helpers.data.sources import REPO_ROOT

log = logging.getLogger("countyres")

NOTEBOOKS = REPO_ROOT / "notebooks"
BOOK_FILES = ["book/intro.md", "book/bibliography.md", "book/references.bib"]
BOOK_DIRS = ["book/_ext", "book/_static"]
SHAANXI = "61"
DEFAULT_REGRESSORS = ("online_retail_sales", "express_deliveries")


@dataclass
class ChapterRun:
    """Outcome of one executed chapter."""

    name: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class ProvinceRun:
    """Outcome of one province: its chapters, output folder and built book."""

    province: str
    out: Path
    chapters: list = field(default_factory=list)
    html: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether every chapter ran and the book was built."""
        return all(c.ok for c in self.chapters) and self.html is not None


def chapter_parameters(name: str, province: str, args) -> dict:
    """Return the papermill parameters of one chapter for one province."""
    common = {"seed": args.seed}
    if name.startswith("99_"):
        return {}
    if name.startswith("06_"):
        panel = str(args.panel.resolve()) if args.panel else None
        return {**common, "province": province, "panel_path": panel,
                "permutations": args.permutations, "outcome": args.outcome,
                "regressors": args.regressors}
    if name.startswith("04_"):
        case = "guanzhong" if province == SHAANXI else "province"
        return {**common, "case": case, "province": province, "permutations": args.permutations}
    parameters = {"province": province}
    if name.startswith("03_"):
        parameters.update(common, permutations=args.permutations, alpha=args.alpha)
    if name.startswith("05_"):
        parameters.update(common)
    return parameters


def chapters(selected: list[str] | None) -> list[Path]:
    """Return the chapter sources to run, all of them or those whose names start as given."""
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
    if not selected:
        return sources
    chosen = [s for s in sources if any(s.stem.startswith(p) for p in selected)]
    if not chosen:
        names = ", ".join(s.stem for s in sources)
        raise SystemExit(f"countyres: no chapter matches {selected}; chapters: {names}")
    return chosen


def execute_chapter(source: Path, out: Path, parameters: dict) -> ChapterRun:
    """Convert one chapter to a notebook and execute it with papermill in ``out``."""
    import jupytext
    import papermill

    start = time.perf_counter()
    notebook = out / f"{source.stem}.ipynb"
    jupytext.write(jupytext.read(source), notebook)
    # papermill's ``cwd`` changes the working directory of the whole process, which races
    # when --jobs runs provinces in threads. nbclient's resources path starts only this
    # chapter's kernel in ``out``.
    try:
        papermill.execute_notebook(
            str(notebook), str(notebook), parameters=parameters, kernel_name="python3",
            progress_bar=False, resources={"metadata": {"path": str(out)}},
        )
    except papermill.PapermillExecutionError as error:
        message = f"cell {error.exec_count}: {error.ename}: {error.evalue}"
        return ChapterRun(source.stem, time.perf_counter() - start, False, message)
    return ChapterRun(source.stem, time.perf_counter() - start, True)


def write_book_config(out: Path, names: list[str], province: str) -> None:
    """Write a Jupyter Book configuration that renders the executed notebooks as they are."""
    title = f"countyres: {PROVINCES.get(province, 'all counties')}"
    config = (REPO_ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("execute_notebooks: cache", "execute_notebooks: \"off\"")
    lines = [line for line in config.splitlines() if not line.startswith("title:")]
    (out / "_config.yml").write_text(f'title: "{title}"\n' + "\n".join(lines) + "\n", "utf-8")

    chapters_yaml = "\n".join(f"      - file: notebooks/{name}" for name in names)
    toc = (
        "format: jb-book\nroot: book/intro\nparts:\n  - caption: Chapters\n"
        f"    numbered: true\n    chapters:\n{chapters_yaml}\n"
        "  - caption: Back matter\n    chapters:\n      - file: book/bibliography\n"
    )
    (out / "_toc.yml").write_text(toc, encoding="utf-8")
    for relative in BOOK_FILES:
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, target)
    for relative in BOOK_DIRS:
        shutil.copytree(REPO_ROOT / relative, out / relative, dirs_exist_ok=True)


def build_book(out: Path) -> Path | None:
    """Build the static book in ``out/_build/html`` and return its index page."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(out), "--quiet"], capture_output=True, text=True
    )
    if result.returncode != 0:
        log.error("book build failed in %s:\n%s", out, result.stderr[-2000:])
        return None
    return out / "_build" / "html" / "index.html"


def run_province(province: str, out: Path, sources: list[Path], args, bar) -> ProvinceRun:
    """Execute every chapter for one province, then build its book."""
    run = ProvinceRun(province, out)
    notebooks = out / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    for source in sources:
        bar.set_postfix_str(f"{province} {source.stem}")
        result = execute_chapter(source, notebooks, chapter_parameters(source.stem, province, args))
        run.chapters.append(result)
        bar.update(1)
        if not result.ok:
            log.error("%s failed for province %s at %s", source.stem, province, result.error)
            return run
    write_book_config(out, [s.stem for s in sources], province)
    run.html = build_book(out)
    return run


def summary(runs: list[ProvinceRun]) -> str:
    """Return the end-of-run report: chapters, times, failures and where the books are."""
    lines = []
    for run in runs:
        status = "ok" if run.ok else "FAILED"
        lines.append(f"province {run.province} ({PROVINCES.get(run.province, 'all')}): {status}")
        for chapter in run.chapters:
            mark = "ok" if chapter.ok else f"failed: {chapter.error}"
            lines.append(f"  {chapter.name:<22} {chapter.seconds:6.1f} s  {mark}")
        if run.html is not None:
            lines.append(f"  book: {run.html}")
        elif all(c.ok for c in run.chapters):
            lines.append("  book: build failed (see the log above)")
    return "\n".join(lines)


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="countyres",
        description="Run the countyres book for a province of China and build it as HTML.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="execute the chapters and build a static book",
        description="Execute the book's chapters with papermill for one or more provinces "
        "and build each as a static Jupyter Book in its own folder.",
    )
    run.add_argument(
        "--province", action="append", required=True,
        help="province as a 2-digit code (51), a Chinese name (四川省) or 'all'; repeat "
        "the option to run several provinces",
    )
    run.add_argument("--out", type=Path, default=Path("runs"),
                     help="output folder; with several provinces, one subfolder each "
                     "(default: runs)")
    run.add_argument("--jobs", type=int, default=1,
                     help="number of provinces run at the same time (default: 1)")
    run.add_argument("--chapters", nargs="*",
                     help="chapter name prefixes to run, for example 01 03 (default: all)")
    run.add_argument("--permutations", type=int, default=999,
                     help="permutations of the Moran and LISA tests (default: 999)")
    run.add_argument("--alpha", type=float, default=0.05,
                     help="significance level of the LISA clusters (default: 0.05)")
    run.add_argument("--seed", type=int, default=12345, help="random seed (default: 12345)")
    run.add_argument("--panel", type=Path,
                     help="the user's annual county panel (CSV or Excel, layout of "
                     "data/templates); runs the panel chapter on it unless --chapters "
                     "names others")
    run.add_argument("--outcome", default="gdp",
                     help="column of the panel modelled as its logarithm (default: gdp)")
    run.add_argument("--regressor", action="append", dest="regressors",
                     help="column of the panel entered as log(1 + x); repeat the option "
                     "for several (default: online_retail_sales and express_deliveries)")
    args = parser.parse_args(argv)
    if args.regressors is None:
        args.regressors = list(DEFAULT_REGRESSORS)
    return args


def check_panel(args, provinces: list[str]) -> None:
    """Check the user's panel for each province before any chapter runs; exit if invalid.

    The panel chapter runs the same checks, so a file that passes here runs there.
    """
    from countyres_helpers.data.counties import load_counties
    from countyres_helpers.data.panel import read_panel
    from countyres_helpers.data.panel_model import model_panel
    from countyres_helpers.data.sources import DataFileError

    if not args.panel.is_file():
        kind = "a folder, not a file" if args.panel.is_dir() else "not found"
        raise SystemExit(f"countyres: --panel {args.panel} is {kind}; give a CSV or Excel "
                         "file in the layout of data/templates.")
    try:
        panel = read_panel(args.panel)
        print(panel.summary())
        counties = load_counties()
        for province in provinces:
            prepared = model_panel(panel, counties.select(province), args.outcome,
                                   args.regressors)
            print(f"province {province}: {prepared.summary()}")
    except DataFileError as error:
        raise SystemExit(f"countyres: {error}") from error


def check_options(args) -> None:
    """Exit with a message if an option is out of range; warn where it defeats a test."""
    if args.jobs < 1:
        raise SystemExit(f"countyres: --jobs must be at least 1, got {args.jobs}")
    if args.permutations < 1:
        raise SystemExit(
            f"countyres: --permutations must be at least 1, got {args.permutations}"
        )
    if not 0 < args.alpha < 1:
        raise SystemExit(f"countyres: --alpha must be between 0 and 1, got {args.alpha}")
    if args.out.exists() and not args.out.is_dir():
        raise SystemExit(f"countyres: --out {args.out} is a file; give a folder.")

    smallest_p = 1 / (args.permutations + 1)
    if smallest_p >= args.alpha:
        log.warning(
            "with %d permutations the smallest pseudo p-value is %.3g, not below "
            "--alpha %g, so no LISA cluster can be significant; use at least %d "
            "permutations", args.permutations, smallest_p, args.alpha,
            math.floor(1 / args.alpha),
        )


def unique_provinces(values: list[str]) -> list[str]:
    """Return the 2-digit codes of the province arguments, each once, in order given."""
    return list(dict.fromkeys(normalise_province(value) for value in values))


def normalise_province(value: str) -> str:
    """Return the 2-digit code for a province argument, or "all"; exit on an unknown one."""
    if value.strip().lower() in {"all", "全国"}:
        return "all"
    try:
        return province_code(value)
    except ValueError as error:
        raise SystemExit(f"countyres: {error}") from error


def main(argv=None) -> int:
    """Run the command line and return the exit status."""
    from tqdm import tqdm

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("papermill").setLevel(logging.WARNING)
    args = parse_args(argv)
    provinces = unique_provinces(args.province)
    check_options(args)
    if args.panel is not None:
        check_panel(args, provinces)
    sources = chapters(args.chapters or (["06"] if args.panel is not None else None))

    outs = {p: args.out if len(provinces) == 1 else args.out / p for p in provinces}
    start = time.perf_counter()
    with tqdm(total=len(sources) * len(provinces), unit="chapter", disable=False) as bar:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [
                pool.submit(run_province, p, outs[p].resolve(), sources, args, bar)
                for p in provinces
            ]
            runs = [future.result() for future in futures]

    print(summary(runs))
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
