"""The ``countyres`` command line and the chapters' papermill parameters."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import jupytext
import pytest

from countyres_helpers import cli
from countyres_helpers.data.sources import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))


def run_cli(*arguments):
    """Run ``countyres`` with the arguments in a new process and return the result."""
    return subprocess.run(
        [sys.executable, "-m", "countyres_helpers.cli", *arguments],
        capture_output=True, text=True,
    )


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_parameters_tag_survives_jupytext(source):
    notebook = jupytext.read(source)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert tagged[0].cell_type == "code"


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_cli_parameters_exist_in_chapter(source):
    notebook = jupytext.read(source)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    args = cli.parse_args(["run", "--province", "51"])
    for name in cli.chapter_parameters(source.stem, "51", args):
        assert f"{name} = " in cell.source


def test_province_by_name_and_code():
    assert cli.normalise_province("四川省") == "51"
    assert cli.normalise_province("四川") == "51"
    assert cli.normalise_province("51") == "51"
    assert cli.normalise_province("all") == "all"


def test_unknown_province_lists_valid_names():
    with pytest.raises(SystemExit, match="Unknown province 'Atlantis'.*51 四川省"):
        cli.normalise_province("Atlantis")


def test_unknown_chapter_rejected():
    with pytest.raises(SystemExit, match="no chapter matches \\[.98.\\]"):
        cli.chapters(["98"])


def test_guanzhong_chapter_case_by_province():
    args = cli.parse_args(["run", "--province", "61"])
    assert cli.chapter_parameters("04_guanzhong", "61", args)["case"] == "guanzhong"
    assert cli.chapter_parameters("04_guanzhong", "46", args)["case"] == "province"


def test_help_documents_options():
    result = subprocess.run(
        [sys.executable, "-m", "countyres_helpers.cli", "run", "--help"],
        capture_output=True, text=True, check=True,
    )
    for option in ["--province", "--out", "--jobs", "--chapters", "--permutations", "--seed"]:
        assert option in result.stdout


def test_bad_province_exits_nonzero(tmp_path):
    result = run_cli("run", "--province", "Atlantis", "--out", str(tmp_path))
    assert result.returncode != 0
    assert "Unknown province 'Atlantis'" in result.stderr


@pytest.mark.slow
@pytest.mark.census
def test_runs_three_provinces(county_data, tmp_path):
    # A large province (Sichuan), a small one (Ningxia) and Hainan with its islands, with
    # few permutations, two at a time.
    command = [
        sys.executable, "-m", "countyres_helpers.cli", "run", "--province", "51",
        "--province", "64", "--province", "46", "--chapters", "01", "03",
        "--permutations", "99", "--jobs", "2", "--out", str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    for code in ["51", "64", "46"]:
        assert (tmp_path / code / "_build" / "html" / "index.html").is_file()
        page = tmp_path / code / "_build" / "html" / "notebooks" / "03_autocorrelation.html"
        assert "Moran" in page.read_text("utf-8")
    assert "province 46 (海南省): ok" in result.stdout


@pytest.mark.slow
@pytest.mark.census
def test_runs_user_panel(county_data, tmp_path):
    # A panel in the template layout, simulated on Shaanxi's counties, goes through the
    # loader and the panel chapter as a user's file would.
    from countyres_helpers import simulate, weights

    shaanxi = county_data.select("61")
    panel = simulate.simulate_panel(weights.contiguity_weights(shaanxi), seed=3,
                                    codes=shaanxi.index)
    columns = ["code", "name", "year", "online_retail_sales", "express_deliveries", "gdp"]
    path = tmp_path / "panel.csv"
    panel.frame[columns].to_csv(path, index=False)
    command = [sys.executable, "-m", "countyres_helpers.cli", "run", "--province", "61",
               "--panel", str(path), "--permutations", "19", "--out", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "06_panel" in result.stdout
    page = tmp_path / "out" / "_build" / "html" / "notebooks" / "06_panel.html"
    assert "user panel: 107 counties x 11 years" in page.read_text("utf-8")


def test_invalid_panel_exits_with_message(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name,year,gdp\n6101,西安,2010,1\n", encoding="utf-8")
    result = run_cli("run", "--province", "61", "--panel", str(path),
                     "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "bad.csv" in result.stderr


WRITE_CWD_CHAPTER = """
```{code-cell} ipython3
:tags: [parameters]
province = "none"
```

```{code-cell} ipython3
import os
with open(f"cwd_{province}.txt", "w", encoding="utf-8") as handle:
    handle.write(os.getcwd())
```
"""


def test_chapters_in_threads_keep_cwd(tmp_path):
    # Two chapters run at once, as --jobs 2 runs them. Each kernel must start in its own
    # output folder, and the process working directory must not move.
    header = (NOTEBOOKS / "03_autocorrelation.md").read_text("utf-8").split("\n---\n")[0]
    source = tmp_path / "write_cwd.md"
    source.write_text(header + "\n---\n" + WRITE_CWD_CHAPTER, encoding="utf-8")
    outs = {code: tmp_path / code for code in ["51", "64"]}
    for out in outs.values():
        out.mkdir()
    before = os.getcwd()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(cli.execute_chapter, source, out, {"province": code})
                   for code, out in outs.items()]
        runs = [future.result() for future in futures]

    assert [run.ok for run in runs] == [True, True], [run.error for run in runs]
    assert os.getcwd() == before
    for code, out in outs.items():
        assert (out / f"cwd_{code}.txt").read_text("utf-8") == str(out)


@pytest.mark.census
def test_panel_without_outcome_exits(county_data, tmp_path):
    # The file reads cleanly, but the panel models need a gdp column: the run stops before
    # any chapter with the file and the missing column named.
    path = tmp_path / "no_gdp.csv"
    path.write_text("code,name,year,online_retail_sales\n610102,新城区,2019,1\n"
                    "610102,新城区,2020,2\n", encoding="utf-8")
    result = run_cli("run", "--province", "61", "--panel", str(path),
                     "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "no_gdp.csv: the panel has no column 'gdp'" in result.stderr
    assert not (tmp_path / "out" / "notebooks").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--permutations", "0"], "--permutations must be at least 1, got 0"),
        (["--alpha", "2"], "--alpha must be between 0 and 1, got 2.0"),
        (["--jobs", "0"], "--jobs must be at least 1, got 0"),
    ],
)
def test_out_of_range_option_exits(tmp_path, options, message):
    result = run_cli("run", "--province", "64", "--out", str(tmp_path), *options)
    assert result.returncode != 0
    assert message in result.stderr


def test_out_file_rejected(tmp_path):
    target = tmp_path / "a_file"
    target.write_text("", encoding="utf-8")
    result = run_cli("run", "--province", "64", "--out", str(target))
    assert result.returncode != 0
    assert "is a file; give a folder" in result.stderr


def test_duplicate_provinces_run_once():
    assert cli.unique_provinces(["64", "宁夏回族自治区", "51", "64"]) == ["64", "51"]
