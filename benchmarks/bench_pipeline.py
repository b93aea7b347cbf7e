"""Timing cases for the heavy steps of the book at national scale.

Each ``bench_*`` function times one step of the pipeline on all counties. Where the step
wraps one library call, it also times that call on the same inputs in the same run, and
the ratio helper / direct measures the helper's overhead. Timings repeat at least three
times, alternating helper and direct calls so that a change in machine load hits both.
Each function returns a list of :class:`Row`, one per timed variant.

``python -m benchmarks.run`` calls every case and writes the table. Steps that need a
fresh interpreter (a cold load, the first call of a numba-compiled kernel) run as
probes of this module in a subprocess:

    python -m benchmarks.bench_pipeline --probe load-cold
    python -m benchmarks.bench_pipeline --probe moran-first --cache-dir /tmp/x

A probe prints one JSON object of seconds on its last line of output.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]

# Book parameters that the timed calls copy, so that the benchmark does the book's work.
PERMUTATIONS = 999  # notebooks/03_autocorrelation.md
SEED = 12345
SDM_DRAWS = 500  # notebooks/05_heterogeneity.md
PANEL_DRAWS = 200  # notebooks/06_panel.md
PANEL_MEDIATOR = (0.5, 0.3)
GWR_NAMES = ["ecommerce", "schooling_years_2010"]  # notebooks/04_guanzhong.md


@dataclass(frozen=True)
class Row:
    """One timed variant of a step.

    Attributes
    ----------
    case : str
        Short key of the case (``load``, ``weights``, ...), used to merge partial runs.
    step : str
        The pipeline step.
    variant : str
        What was timed: the helper, the direct library call, cold or cached.
    n : int
        Counties (or county-years for the panel) in the call.
    runs : int
        Number of timed repetitions.
    median_s, min_s : float
        Median and minimum wall time in seconds.
    target : str
        The target, as text (``"60 s"`` or ``"1.10x"``); empty where none applies.
    met : str
        ``"yes"``, ``"no"`` or empty.
    ratio : float or None
        Median of this variant over the median of the direct call it wraps.
    load_start, load_end : float or None
        1-minute load average of the machine before and after the case (set by the run).
    note : str
    """

    case: str
    step: str
    variant: str
    n: int
    runs: int
    median_s: float
    min_s: float
    target: str = ""
    met: str = ""
    ratio: float | None = None
    load_start: float | None = None
    load_end: float | None = None
    note: str = ""

    def to_dict(self) -> dict:
        """Return the row as a dict of plain values, for the CSV writer."""
        return asdict(self)


def time_once(func) -> float:
    """Return the wall time in seconds of one call of ``func()``."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def time_interleaved(funcs: dict, runs: int, *, warmup: bool = False) -> dict:
    """Time each callable ``runs`` times, alternating them and reversing the order each round.

    Parameters
    ----------
    funcs : dict
        Label to a callable without arguments.
    runs : int
        Repetitions of each callable.
    warmup : bool
        Call each callable once, untimed, before the timed rounds, so that one-off costs
        (imports, a joblib worker pool, compiled kernels) fall on none of them.

    Returns
    -------
    dict
        Label to the list of wall times in seconds.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}.")
    labels = list(funcs)
    if warmup:
        for label in labels:
            funcs[label]()

    times = {label: [] for label in labels}
    for round_number in range(runs):
        order = labels if round_number % 2 == 0 else labels[::-1]
        for label in order:
            times[label].append(time_once(funcs[label]))
    return times


def seconds_row(case, step, variant, n, seconds, *, target_s=None, note="", ratio=None):
    """Build a :class:`Row` from a list of wall times, checking a time target if given."""
    median = statistics.median(seconds)
    target, met = "", ""
    if target_s is not None:
        target = f"{target_s:g} s"
        met = "yes" if median < target_s else "no"
    return Row(
        case=case, step=step, variant=variant, n=int(n), runs=len(seconds),
        median_s=median, min_s=min(seconds), target=target, met=met, ratio=ratio, note=note,
    )


def overhead_row(case, step, n, helper, direct, *, limit=1.10, note=""):
    """Build the row of the helper's overhead: median helper time over median direct time.

    The note adds the ratio of the minima, which machine load disturbs less.
    """
    ratio = statistics.median(helper) / statistics.median(direct)
    min_ratio = f"ratio of minima {min(helper) / min(direct):.2f}"
    return Row(
        case=case, step=step, variant="overhead: helper / direct", n=int(n),
        runs=min(len(helper), len(direct)), median_s=statistics.median(helper),
        min_s=min(helper), target=f"{limit:.2f}x", met="yes" if ratio <= limit else "no",
        ratio=ratio, note=f"{note}; {min_ratio}" if note else min_ratio,
    )


def one_blas_thread(func):
    """Return a callable that runs ``func()`` with BLAS limited to one thread."""
    from threadpoolctl import threadpool_limits

    def call():
        with threadpool_limits(limits=1, user_api="blas"):
            return func()

    return call


def quiet(func, *args, **kwargs):
    """Call ``func`` with its output and warnings discarded (spreg prints, mgwr shows tqdm)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Shared inputs
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def use_cache(folder: Path):
    """Point the package caches (county table, weights) at ``folder`` inside the block."""
    from countyres_helpers import weights
    from countyres_helpers.data import counties, sources

    saved = sources.CACHE_DIR, counties.CACHE_DIR, weights.CACHE_DIR
    sources.CACHE_DIR = counties.CACHE_DIR = weights.CACHE_DIR = Path(folder)
    try:
        yield Path(folder)
    finally:
        sources.CACHE_DIR, counties.CACHE_DIR, weights.CACHE_DIR = saved


@contextlib.contextmanager
def temporary_cache():
    """Point the package caches at a new temporary folder, removed at the end of the block.

    The county table and the weights write under ``data/cache`` of the repository, which
    the book reuses, so the benchmark writes to folders of its own and leaves that alone.
    """
    folder = Path(tempfile.mkdtemp(prefix="countyres-bench-cache-"))
    try:
        with use_cache(folder):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_all_counties():
    """Return the national county table from the cache the package points at now.

    ``benchmarks.run`` points it at a temporary folder first, so the first call builds
    the table there and later calls read it.
    """
    from countyres_helpers.data.counties import load_counties

    return load_counties().counties


def coordinates_km(frame) -> np.ndarray:
    """Return county centroids in the China Albers projection, in km, as an (n, 2) array."""
    centroids = frame.geometry.centroid
    return np.column_stack([centroids.x / 1000, centroids.y / 1000])


def run_probe(name: str, *, extra_path: str | None = None):
    """Run one probe of this module in a fresh interpreter and return its JSON result.

    The probe uses the cache folder that the package points at in this process.

    Parameters
    ----------
    name : str
        Probe name, a key of ``PROBES``.
    extra_path : str, optional
        Folder put on ``PYTHONPATH`` after the repository (for example one holding numba).

    Raises
    ------
    RuntimeError
        If the probe exits with a non-zero status.
    """
    from countyres_helpers.data import counties

    command = [sys.executable, "-m", "benchmarks.bench_pipeline", "--probe", name,
               "--cache-dir", str(counties.CACHE_DIR)]
    env = dict(os.environ)
    paths = [str(REPO_ROOT)] + ([extra_path] if extra_path else [])
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"Probe {name!r} failed with status {done.returncode}: {done.stderr[-2000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------
# Load, clean and join the census tables
# ---------------------------------------------------------------------------------------


def bench_load(runs: int = 3) -> list[Row]:
    """Time the county table built from the census files and read from its cache.

    The cold build, ``load_counties(cache=False)``, runs in a fresh interpreter each
    time, so it includes reading both workbooks and the polygons but not the imports,
    which are timed apart. The cached read runs in this process from a temporary cache.
    """
    from countyres_helpers.data.counties import load_counties

    cold = [run_probe("load-cold") for _ in range(runs)]
    n = cold[0]["n"]
    rows = [
        seconds_row("load", "load counties", "cold: load_counties(cache=False)", n,
                    [c["build_s"] for c in cold], target_s=60,
                    note="fresh process each run; imports excluded"),
        seconds_row("load", "load counties", "imports of countyres_helpers.data.counties", n,
                    [c["import_s"] for c in cold], note="fresh process each run"),
    ]

    with temporary_cache():
        first = time_once(load_counties)
        cached = time_interleaved({"cached": load_counties}, runs)["cached"]
    rows.append(seconds_row("load", "load counties", "first load_counties() (writes cache)",
                            n, [first]))
    rows.append(seconds_row("load", "load counties", "cached: load_counties()", n, cached,
                            target_s=5, note="GeoParquet read, in process"))
    return rows


def probe_load_cold(cache_dir: Path) -> dict:
    """Time the imports and one ``load_counties(cache=False)`` in this fresh process.

    ``cache_dir`` is not used, because ``cache=False`` neither reads nor writes a cache.
    """
    start = time.perf_counter()
    from countyres_helpers.data.counties import load_counties

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    data = load_counties(cache=False)
    return {"import_s": import_s, "build_s": time.perf_counter() - start,
            "n": len(data.counties)}


# ---------------------------------------------------------------------------------------
# Queen weights
# ---------------------------------------------------------------------------------------


def bench_weights(counties, runs: int = 5) -> list[Row]:
    """Time queen weights of all counties: the helper cold and cached, and libpysal direct.

    The helper's cold call builds the contiguity with ``Graph.build_contiguity``, writes
    it to the weights cache, links the islands, reorders and row-standardises. The
    direct calls are ``Graph.build_contiguity(...).transform("r")`` and
    ``libpysal.weights.Queen.from_dataframe`` with ``transform = "r"``.
    """
    from libpysal import graph
    from libpysal import weights as lps_weights

    from countyres_helpers import weights

    def helper_cold():
        with temporary_cache():
            weights.contiguity_weights(counties)

    def graph_direct():
        graph.Graph.build_contiguity(counties, rook=False, strict=False).transform("r")

    def queen_direct():
        w = quiet(lps_weights.Queen.from_dataframe, counties, use_index=True)
        w.transform = "r"

    n = len(counties)
    with temporary_cache():
        weights.contiguity_weights(counties)
        times = time_interleaved({
            "helper cold": helper_cold,
            "helper cached": lambda: weights.contiguity_weights(counties),
            "graph": graph_direct,
            "queen": queen_direct,
        }, runs, warmup=True)
        built = weights.contiguity_weights(counties)
        to_w = time_interleaved({
            "w": lambda: weights.Weights(built.graph, built.kind, built.islands).w,
        }, runs)["w"]

    step = "queen weights"
    return [
        seconds_row("weights", step, "helper cold: contiguity_weights (empty cache)", n,
                    times["helper cold"], target_s=10),
        seconds_row("weights", step, "helper cached: contiguity_weights", n,
                    times["helper cached"], target_s=10),
        seconds_row("weights", step, "direct: Graph.build_contiguity + transform('r')", n,
                    times["graph"]),
        seconds_row("weights", step, "direct: weights.Queen.from_dataframe", n,
                    times["queen"]),
        seconds_row("weights", step, "Weights.w, first access (Graph.to_W)", n, to_w,
                    note="later accesses on the same object reuse the W"),
        overhead_row("weights", step, n, times["helper cold"], times["graph"],
                     note="helper cold over Graph.build_contiguity + transform"),
    ]


# ---------------------------------------------------------------------------------------
# Global Moran's I and LISA
# ---------------------------------------------------------------------------------------


def moran_inputs(counties):
    """Return population change of the counties with 2010 data and their queen weights."""
    from countyres_helpers import autocorrelation as ac
    from countyres_helpers import weights

    sample, _ = ac.complete_cases(counties, ["pop_change_log"])
    w = weights.contiguity_weights(sample)
    return sample["pop_change_log"], w


def bench_moran(counties, runs: int = 5, numba_path: str | None = None) -> list[Row]:
    """Time global Moran's I and LISA with 999 permutations, helper and esda direct.

    The warm timings run in this process (without numba unless this interpreter has it).
    The first-call and warm costs in a fresh interpreter come from the ``moran-first``
    probe, once as installed and once with ``numba_path`` first on ``PYTHONPATH``.
    """
    import esda

    from countyres_helpers import autocorrelation as ac

    values, w = moran_inputs(counties)
    W = w.w
    y = values.to_numpy(dtype=float)
    n = len(values)

    def moran_direct():
        np.random.seed(SEED)
        esda.Moran(y, W, permutations=PERMUTATIONS, two_tailed=True)

    def lisa_direct():
        quiet(esda.Moran_Local, y, W, transformation="r", permutations=PERMUTATIONS,
              seed=SEED)

    times = time_interleaved({
        "moran helper": lambda: ac.global_moran(values, w, permutations=PERMUTATIONS,
                                                seed=SEED),
        "moran direct": moran_direct,
        "lisa helper": lambda: ac.local_moran(values, w, permutations=PERMUTATIONS,
                                              seed=SEED),
        "lisa direct": lisa_direct,
    }, runs, warmup=True)
    both = [m + s for m, s in zip(times["moran helper"], times["lisa helper"])]

    step = "Moran's I + LISA, 999 permutations"
    rows = [
        seconds_row("moran", step, "warm: global_moran + local_moran", n, both, target_s=5,
                    note=numba_note()),
        seconds_row("moran", step, "helper: global_moran", n, times["moran helper"]),
        seconds_row("moran", step, "direct: esda.Moran", n, times["moran direct"]),
        seconds_row("moran", step, "helper: local_moran", n, times["lisa helper"]),
        seconds_row("moran", step, "direct: esda.Moran_Local", n, times["lisa direct"]),
        overhead_row("moran", "global Moran's I", n, times["moran helper"],
                     times["moran direct"]),
        overhead_row("moran", "LISA", n, times["lisa helper"], times["lisa direct"]),
    ]
    rows.extend(moran_probe_rows(runs, None, n))
    if numba_path:
        rows.extend(moran_probe_rows(runs, numba_path, n))
    return rows


def numba_note(extra_path: str | None = None) -> str:
    """Return "numba X.Y" or "no numba" for this interpreter (or one with ``extra_path``)."""
    if extra_path is None:
        try:
            import numba
        except ImportError:
            return "no numba"
        return f"numba {numba.__version__}"
    code = "import numba; print(numba.__version__)"
    env = dict(os.environ, PYTHONPATH=extra_path)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=False)
    return f"numba {done.stdout.strip()}" if done.returncode == 0 else "numba failed to import"


def moran_probe_rows(runs: int, extra_path: str | None, n: int) -> list[Row]:
    """Run the ``moran-first`` probe ``runs`` times and return first-call and warm rows."""
    results = [run_probe("moran-first", extra_path=extra_path) for _ in range(runs)]
    label = numba_note(extra_path)
    step = "Moran's I + LISA, 999 permutations"
    rows = []
    for key, text in [("moran_first_s", "global_moran"), ("lisa_first_s", "local_moran")]:
        rows.append(seconds_row("moran", step, f"fresh process, first {text} ({label})", n,
                                [r[key] for r in results]))
    rows.append(seconds_row(
        "moran", step, f"fresh process, warm global_moran + local_moran ({label})", n,
        [r["warm_s"] for r in results], target_s=5,
        note="median of 3 warm calls in each process"))
    return rows


def probe_moran_first(cache_dir: Path) -> dict:
    """Time the first and later Moran's I and LISA calls in this fresh process.

    The county table and the weights are read from ``cache_dir`` before the timing.
    """
    from countyres_helpers import autocorrelation as ac

    with use_cache(cache_dir):
        values, w = moran_inputs(load_all_counties())
    moran_first = time_once(
        lambda: ac.global_moran(values, w, permutations=PERMUTATIONS, seed=SEED))
    lisa_first = time_once(
        lambda: ac.local_moran(values, w, permutations=PERMUTATIONS, seed=SEED))

    def both():
        ac.global_moran(values, w, permutations=PERMUTATIONS, seed=SEED)
        ac.local_moran(values, w, permutations=PERMUTATIONS, seed=SEED)

    warm = statistics.median(time_once(both) for _ in range(3))
    return {"moran_first_s": moran_first, "lisa_first_s": lisa_first, "warm_s": warm}


# ---------------------------------------------------------------------------------------
# Cross-section SDM
# ---------------------------------------------------------------------------------------


def sdm_inputs(counties):
    """Return y, X, the names and the queen weights of the national SDM of chapter 5."""
    from countyres_helpers import weights
    from countyres_helpers.design import CONTROLS, regression_frame

    frame, _ = regression_frame(counties)
    w = weights.contiguity_weights(counties.loc[frame.index])
    names = ["ecommerce", *CONTROLS]
    return frame["resilience"].to_numpy(), frame[names].to_numpy(), names, w


def bench_sdm(counties, runs: int = 3) -> list[Row]:
    """Time the national cross-section SDM by ML and its impacts with simulated inference.

    The helper is ``regression.fit_sdm`` (sparse LU log-determinant for n > 1000) and
    ``regression.impacts(draws=500)``. The direct call is ``spreg.ML_Lag`` with
    ``slx_lags=1, method="LU"`` and no spreg impacts, as the helper calls it. The
    impacts are timed again with BLAS limited to one thread.
    """
    import spreg

    from countyres_helpers import regression as rg

    y, X, names, w = sdm_inputs(counties)
    W = w.w
    n = len(y)
    fits = {}

    def helper_fit():
        fits["sdm"] = rg.fit_sdm(y, X, W, names=names, name_y="resilience")

    def direct_fit():
        quiet(spreg.ML_Lag, y.reshape(-1, 1), X, w=W, slx_lags=1, method="LU",
              spat_impacts=None, name_x=names, name_y="resilience")

    times = time_interleaved({"helper": helper_fit, "direct": direct_fit}, runs, warmup=True)
    impacts = time_interleaved({
        "default": lambda: rg.impacts(fits["sdm"], W, draws=SDM_DRAWS, seed=SEED),
        "1 thread": one_blas_thread(
            lambda: rg.impacts(fits["sdm"], W, draws=SDM_DRAWS, seed=SEED)),
    }, runs)
    total = [f + i for f, i in zip(times["helper"], impacts["default"])]

    step = "cross-section SDM (ML)"
    method = fits["sdm"].method
    return [
        seconds_row("sdm", step, "helper: fit_sdm + impacts(draws=500)", n, total,
                    target_s=15, note=method),
        seconds_row("sdm", step, "helper: fit_sdm", n, times["helper"], note=method),
        seconds_row("sdm", step, "direct: spreg.ML_Lag(slx_lags=1, method='LU')", n,
                    times["direct"]),
        seconds_row("sdm", step, "helper: impacts(draws=500)", n, impacts["default"],
                    note="one eigvalsh: W is similar to a symmetric matrix"),
        seconds_row("sdm", step, "helper: impacts(draws=500), 1 BLAS thread", n,
                    impacts["1 thread"], note="threadpoolctl limit around the call"),
        overhead_row("sdm", "SDM fit", n, times["helper"], times["direct"]),
    ]


# ---------------------------------------------------------------------------------------
# Two-way fixed-effects SDM panel
# ---------------------------------------------------------------------------------------


def panel_inputs(counties):
    """Return the SIMULATED national panel of chapter 6, its arrays and its weights."""
    from countyres_helpers import simulate, weights

    w = weights.contiguity_weights(counties)
    panel = simulate.simulate_panel(w, region=counties["region"], mediator=PANEL_MEDIATOR,
                                    seed=SEED, codes=counties.index)
    x_names = ["ecommerce", "control1", "mediator"]
    y, X = panel.panel_arrays(x_names)
    return panel, y, X, x_names, w


def bench_panel(counties, runs: int = 3) -> list[Row]:
    """Time the simulated two-way fixed-effects SDM panel of all counties, 11 years.

    Times ``simulate.simulate_panel``, ``spatial_panel.fit_panel_sdm`` against
    ``spreg.ML_LagFE`` on the same design (T - 1 year dummies, not lagged), and
    ``regression.impacts(draws=200)`` apart (also with one BLAS thread), then the
    eigenvalue routines behind the impacts (see :func:`eigen_rows`).
    """
    import spreg

    from countyres_helpers import regression as rg
    from countyres_helpers import simulate
    from countyres_helpers import spatial_panel as sp

    _, y, X, x_names, w = panel_inputs(counties)
    W = w.w
    n_units = W.n
    t = len(y) // n_units
    design = np.hstack([X.to_numpy(), sp.time_dummies(n_units, t)])
    design_names = x_names + [f"T_{period + 1}" for period in range(1, t)]
    slx_vars = [True] * len(x_names) + [False] * (t - 1)
    fits = {}

    def helper_fit():
        fits["sdm"] = sp.fit_panel_sdm(y, X, W, effects="twoways", names=x_names,
                                       name_y="y")

    def direct_fit():
        quiet(spreg.ML_LagFE, y.reshape(-1, 1), design, W, slx_lags=1, slx_vars=slx_vars,
              spat_impacts=None, name_x=design_names, name_y="y")

    def simulate_call():
        simulate.simulate_panel(w, region=counties["region"], mediator=PANEL_MEDIATOR,
                                seed=SEED, codes=counties.index)

    times = time_interleaved({"helper": helper_fit, "direct": direct_fit}, runs)
    impacts = time_interleaved({
        "default": lambda: rg.impacts(fits["sdm"], W, draws=PANEL_DRAWS, seed=SEED),
        "1 thread": one_blas_thread(
            lambda: rg.impacts(fits["sdm"], W, draws=PANEL_DRAWS, seed=SEED)),
    }, runs)
    simulated = time_interleaved({"simulate": simulate_call}, runs)["simulate"]

    step = f"panel FE-SDM, two-way, T = {t}"
    n = len(y)
    note = f"{n_units} counties x {t} years"
    return [
        seconds_row("panel", step, "simulate_panel", n, simulated, note=note),
        seconds_row("panel", step, "helper: fit_panel_sdm(effects='twoways')", n,
                    times["helper"], target_s=60, note=note),
        seconds_row("panel", step, "direct: spreg.ML_LagFE(slx_lags=1) + year dummies", n,
                    times["direct"], note=note),
        seconds_row("panel", step, "helper: impacts(draws=200)", n, impacts["default"],
                    target_s=60, note=f"{n_units} units; see the profile"),
        seconds_row("panel", step, "helper: impacts(draws=200), 1 BLAS thread", n,
                    impacts["1 thread"], target_s=60,
                    note="threadpoolctl limit around the call"),
        overhead_row("panel", "panel SDM fit", n, times["helper"], times["direct"]),
        *eigen_rows(W, fits["sdm"].rho, runs),
    ]


def eigen_rows(W, rho: float, runs: int) -> list[Row]:
    """Time the eigen routines behind ``impacts`` against the general ones they replace.

    Before, ``impacts`` called ``numpy.linalg.eigvals(W)`` (stable rho interval) and
    ``numpy.linalg.eig(W)`` (multipliers of the draws) on the dense n x n W. Now
    ``weights_spectrum`` calls ``numpy.linalg.eigvalsh`` once on the symmetric matrix
    similar to a row-standardised contiguity W. The last row checks its multipliers
    against the dense inverse at the fitted rho.
    """
    from threadpoolctl import threadpool_limits

    from countyres_helpers.impacts import (
        dense_weights,
        lag_multipliers_dense,
        multipliers_from_spectrum,
        weights_spectrum,
    )

    dense = dense_weights(W)
    n = dense.shape[0]

    times = time_interleaved({
        "eig": lambda: np.linalg.eig(dense),
        "eigvals": lambda: np.linalg.eigvals(dense),
        "spectrum": lambda: weights_spectrum(dense),
    }, runs)
    with threadpool_limits(limits=1, user_api="blas"):
        single = time_interleaved({"eig": lambda: np.linalg.eig(dense)}, runs)["eig"]

    spectrum = weights_spectrum(dense)
    current = multipliers_from_spectrum(spectrum, [rho])[0]
    difference = float(np.max(np.abs(current - np.asarray(lag_multipliers_dense(dense, rho)))))

    step = "impacts: eigen routines on dense W"
    return [
        seconds_row("panel", step, "numpy.linalg.eig(W), used before", n, times["eig"]),
        seconds_row("panel", step, "numpy.linalg.eig(W), 1 BLAS thread", n, single),
        seconds_row("panel", step, "numpy.linalg.eigvals(W), used before", n,
                    times["eigvals"]),
        seconds_row("panel", step, "helper: weights_spectrum(W)", n, times["spectrum"],
                    note=f"symmetric branch: {spectrum.symmetric}; multipliers differ by "
                         f"{difference:.1e} from the dense inverse"),
    ]


def profile_panel_impacts(counties, out: Path) -> str:
    """Profile one ``impacts(draws=200)`` of the panel SDM with pyinstrument.

    Writes the text report to ``out`` and returns it. Needs pyinstrument.
    """
    from pyinstrument import Profiler

    from countyres_helpers import regression as rg
    from countyres_helpers import spatial_panel as sp

    _, y, X, x_names, w = panel_inputs(counties)
    W = w.w
    fit = sp.fit_panel_sdm(y, X, W, effects="twoways", names=x_names, name_y="y")
    profiler = Profiler(interval=0.01)
    profiler.start()
    rg.impacts(fit, W, draws=PANEL_DRAWS, seed=SEED)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------------------------------
# GWR and MGWR
# ---------------------------------------------------------------------------------------


def gwr_inputs(area):
    """Return y, X and the km coordinates of the GWR design of chapter 4 for ``area``."""
    from countyres_helpers.design import regression_frame

    frame, _ = regression_frame(area)
    coords = coordinates_km(area.loc[frame.index])
    return frame[["resilience"]], frame[GWR_NAMES], coords


def bench_gwr_area(label: str, area, runs: int, *, target_s: float, mgwr: bool) -> list[Row]:
    """Time the GWR bandwidth search and fit on one area, helper against mgwr direct.

    The helper is ``gwr.fit_gwr`` over ``bandwidth_range(n, k)``. The direct calls are
    ``Sel_BW(...).search`` over the same range and ``GWR(...).fit()``, both with mgwr's
    default ``n_jobs=-1`` (one joblib process per core), and the same two calls with
    ``n_jobs=1``. The first helper call is timed apart, because it may start the joblib
    worker pool, and every variant is called once untimed before the timed rounds. With
    ``mgwr`` it also times ``gwr.fit_mgwr`` against ``Sel_BW(multi=True)`` and
    ``MGWR(...).fit()``.
    """
    from mgwr.gwr import GWR
    from mgwr.sel_bw import Sel_BW

    from countyres_helpers import gwr

    y, X, coords = gwr_inputs(area)
    y_arr, X_arr = y.to_numpy(), X.to_numpy()
    n = len(y_arr)
    low, high = gwr.bandwidth_range(n, X_arr.shape[1])
    fits = {}

    def helper():
        fits["gwr"] = quiet(gwr.fit_gwr, y, X, coords, bw_min=low, bw_max=high,
                            names=GWR_NAMES)

    def direct(n_jobs):
        def call():
            selector = Sel_BW(coords, y_arr, X_arr, n_jobs=n_jobs)
            bw = selector.search(bw_min=low, bw_max=high)
            GWR(coords, y_arr, X_arr, bw, n_jobs=n_jobs).fit()
        return lambda: quiet(call)

    first = time_once(helper)
    times = time_interleaved({"helper": helper, "direct": direct(-1),
                              "direct 1": direct(1)}, runs, warmup=True)
    bw = fits["gwr"].bw
    fit_times = time_interleaved({
        "helper": lambda: quiet(gwr.fit_gwr, y, X, coords, bw=bw, names=GWR_NAMES),
        "direct": lambda: quiet(GWR(coords, y_arr, X_arr, bw).fit),
    }, runs, warmup=True)

    step = f"GWR {label}"
    processes = f"n_jobs=-1: {os.cpu_count()} processes"
    rows = [
        seconds_row("gwr", step, "helper: fit_gwr (search + fit)", n, times["helper"],
                    target_s=target_s, note=f"bw = {bw:g}; {processes}"),
        seconds_row("gwr", step, "helper: first fit_gwr in the process", n, [first],
                    note="includes starting the joblib worker pool when none is running"),
        seconds_row("gwr", step, "direct: Sel_BW.search + GWR.fit, n_jobs=-1", n,
                    times["direct"], note=processes),
        seconds_row("gwr", step, "direct: Sel_BW.search + GWR.fit, n_jobs=1", n,
                    times["direct 1"], note="1 process"),
        seconds_row("gwr", step, "helper: fit_gwr(bw=...) (fit only)", n,
                    fit_times["helper"]),
        seconds_row("gwr", step, "direct: GWR(bw).fit()", n, fit_times["direct"]),
        overhead_row("gwr", f"GWR {label} search + fit", n, times["helper"],
                     times["direct"]),
        overhead_row("gwr", f"GWR {label} fit", n, fit_times["helper"], fit_times["direct"]),
    ]
    if mgwr:
        rows.extend(bench_mgwr(label, y, X, coords, runs))
    return rows


def bench_mgwr(label, y, X, coords, runs: int) -> list[Row]:
    """Time ``gwr.fit_mgwr`` against mgwr's ``Sel_BW(multi=True)`` and ``MGWR`` direct.

    The direct call starts the backfitting from the same GWR bandwidth and searches each
    covariate's bandwidth over the helper's range ``[2, n]``.
    """
    from mgwr.gwr import MGWR
    from mgwr.sel_bw import Sel_BW

    from countyres_helpers import gwr

    y_arr, X_arr = y.to_numpy(), X.to_numpy()
    n, k = X_arr.shape
    low, high = gwr.bandwidth_range(n, k)

    def direct():
        init = Sel_BW(coords, y_arr, X_arr).search(bw_min=low, bw_max=high)
        selector = Sel_BW(coords, y_arr, X_arr, multi=True)
        selector.search(multi_bw_min=[2.0] * (k + 1), multi_bw_max=[float(n)] * (k + 1),
                        init_multi=float(init))
        MGWR(coords, y_arr, X_arr, selector).fit()

    times = time_interleaved({
        "helper": lambda: quiet(gwr.fit_mgwr, y, X, coords, names=GWR_NAMES),
        "direct": lambda: quiet(direct),
    }, runs, warmup=True)
    step = f"MGWR {label}"
    return [
        seconds_row("gwr", step, "helper: fit_mgwr (search + fit)", n, times["helper"],
                    target_s=15),
        seconds_row("gwr", step, "direct: Sel_BW(multi=True).search + MGWR.fit", n,
                    times["direct"]),
        overhead_row("gwr", step, n, times["helper"], times["direct"]),
    ]


def bench_gwr(counties, runs: int = 3, national_runs: int = 3) -> list[Row]:
    """Time GWR on Guanzhong and Shaanxi (with MGWR on Guanzhong) and on all counties.

    The two provincial cases take under a second a call, so they repeat at least five
    times.
    """
    guanzhong = counties[counties["guanzhong"]]
    shaanxi = counties[counties["province_code"] == "61"]
    rows = bench_gwr_area("Guanzhong", guanzhong, max(runs, 5), target_s=5, mgwr=True)
    rows += bench_gwr_area("Shaanxi", shaanxi, max(runs, 5), target_s=5, mgwr=False)
    rows += bench_gwr_area("national", counties, national_runs, target_s=60, mgwr=False)
    return rows


# ---------------------------------------------------------------------------------------
# Whole book
# ---------------------------------------------------------------------------------------


def clone_for_book(folder: Path) -> Path:
    """Clone the repository and copy ``shared`` beside it, as a fresh checkout has them.

    Returns the clone, which contains the committed HEAD without uncommitted changes.

    Raises
    ------
    FileExistsError
        If ``folder`` already contains a clone (pass a new folder).
    """
    main = folder / "main"
    if main.exists():
        raise FileExistsError(f"{main} exists; pass a new --book-dir for a clean build.")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(main)], check=True)
    shared = REPO_ROOT.parent / "shared"
    if shared.is_dir():
        shutil.copytree(shared, folder / "shared")
    return main


def build_book(main: Path, log: Path) -> float:
    """Run ``python -m countyres_helpers.build_book`` in ``main`` and return its wall time.

    ``PYTHONPATH`` puts the clone first, so that the notebook kernels import the clone's
    package and write its cache, not the editable install's.

    Raises
    ------
    RuntimeError
        If the build exits with a non-zero status; the message names the log.
    """
    env = dict(os.environ, PYTHONPATH=str(main))
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        status = subprocess.run([sys.executable, "-m", "countyres_helpers.build_book"],
                                cwd=main, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, check=False).returncode
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"The book build in {main} exited with status {status}; see {log}.")
    return seconds


def bench_book(folder: Path, runs: int = 3) -> list[Row]:
    """Time one book build from a clean clone, then ``runs`` rebuilds with no change.

    NOTE: the clean build runs once, not three times, because each takes minutes.
    """
    main = clone_for_book(folder)
    commit = subprocess.run(["git", "-C", str(main), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    cold = build_book(main, folder / "build-clean.log")
    caches = sorted(p.name for p in (main / "data" / "cache").glob("counties-*"))
    rebuilds = [build_book(main, folder / f"build-rebuild-{i}.log") for i in range(runs)]
    chapters = len(list((main / "notebooks").glob("*.md")))
    note = (f"n = notebooks; commit {commit}; county cache written in the clone: "
            f"{bool(caches)}")
    return [
        seconds_row("book", "whole book", "clean clone, empty caches", chapters, [cold],
                    target_s=15 * 60, note=note),
        seconds_row("book", "whole book", "rebuild with no change", chapters, rebuilds,
                    target_s=60, note=f"n = notebooks; commit {commit}"),
    ]


# ---------------------------------------------------------------------------------------
# Probes in a fresh interpreter
# ---------------------------------------------------------------------------------------

PROBES = {"load-cold": probe_load_cold, "moran-first": probe_moran_first}


def main(argv=None) -> int:
    """Run one probe and print its JSON result on the last line."""
    parser = argparse.ArgumentParser(description="Run one timing probe in this process.")
    parser.add_argument("--probe", required=True, choices=sorted(PROBES),
                        help="probe to run")
    parser.add_argument("--cache-dir", type=Path, required=True,
                        help="cache folder holding the county table and the weights")
    args = parser.parse_args(argv)
    result = PROBES[args.probe](args.cache_dir)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
