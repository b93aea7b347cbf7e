"""Tests of countyres_helpers.simulate: the SIMULATED panel and recovery of its truth."""

import time

import libpysal
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from threadpoolctl import threadpool_limits

from countyres_helpers import gwr, mediation, regression, spatial_panel
from countyres_helpers import simulate as sim_mod
from countyres_helpers.data.panel import read_column_table, read_panel
from countyres_helpers.weights import Weights

YEARS = range(2011, 2021)


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Run the module with one BLAS thread.

    On a 2-core machine shared with other processes, multithreaded OpenBLAS made
    numpy.linalg.eig on a 400 x 400 W about 20 times slower (OpenBLAS 0.3.31).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def w20():
    return sim_mod.lattice_weights(20)


@pytest.fixture(scope="module")
def w40():
    return sim_mod.lattice_weights(40)


@pytest.fixture(scope="module")
def panel40(w40):
    return sim_mod.simulate_panel(w40, years=YEARS, seed=1)


@pytest.fixture(scope="module")
def fit40(panel40, w40):
    y, X = panel40.panel_arrays()
    return spatial_panel.fit_panel_sdm(y, X, w40, effects="twoways", name_y="y")


def quadrant_regions(side):
    """Label the four quadrants of a side x side lattice (lat2W ids are row-major)."""
    ids = np.arange(side * side)
    row, col = ids // side, ids % side
    north, west = row < side // 2, col < side // 2
    labels = np.where(
        north & ~west, "east", np.where(north, "northeast", np.where(west, "west", "central"))
    )
    return pd.Series(labels, index=ids)


def two_way_demean(frame, columns):
    """Subtract county and year means (balanced panel) from ``columns``."""
    out = frame.copy()
    for column in columns:
        values = out[column]
        county = values.groupby(out["code"]).transform("mean")
        year = values.groupby(out["year"]).transform("mean")
        out[column] = values - county - year + values.mean()
    return out


# ---------------------------------------------------------------------------------------
# True impacts
# ---------------------------------------------------------------------------------------


def test_true_impacts_match_regression(w20):
    # Independent implementation: regression.lag_multipliers_dense, the point impacts
    # of regression.impacts (direct = beta d0 + theta d1, total = beta t0 + theta t1).
    table = sim_mod.true_impacts(w20, 0.3, [0.5, -0.2], [0.2, 0.1])
    d0, d1, t0, t1 = regression.lag_multipliers_dense(regression.dense_weights(w20), 0.3)
    np.testing.assert_allclose(table["direct"], [0.5 * d0 + 0.2 * d1, -0.2 * d0 + 0.1 * d1],
                               rtol=1e-12)
    np.testing.assert_allclose(table["total"], [0.5 * t0 + 0.2 * t1, -0.2 * t0 + 0.1 * t1],
                               rtol=1e-12)


def test_true_impacts_match_mediation(w20):
    # Second independent implementation: mediation.sdm_effects.
    table = sim_mod.true_impacts(w20, -0.4, [1.0, 0.3], [-0.5, 0.2])
    expected = mediation.sdm_effects(
        regression.dense_weights(w20), -0.4, np.array([1.0, 0.3]), np.array([-0.5, 0.2])
    )
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_true_impacts_total_closed_form(w20):
    # For a row-stochastic W the rows of (I - rho W)^-1 sum to 1 / (1 - rho), so the
    # total impact is (beta + theta) / (1 - rho) (LeSage and Pace 2009, section 2.7).
    table = sim_mod.true_impacts(w20, 0.3, [0.5], [0.2])
    assert table.loc["x1", "total"] == pytest.approx(0.7 / 0.7, rel=1e-12)


def test_true_impacts_unit_slopes(w20):
    # Per-unit slopes: direct = tr(S_k) / n and total = 1'S_k 1 / n with
    # S_k = (I - rho W)^-1 (diag(b) + theta W), from the dense product.
    rng = np.random.default_rng(3)
    b = rng.uniform(0.2, 0.6, w20.n)
    W = regression.dense_weights(w20)
    S_k = np.linalg.inv(np.eye(w20.n) - 0.3 * W) @ (np.diag(b) + 0.2 * W)
    table = sim_mod.true_impacts(w20, 0.3, [b], [0.2])
    assert table.loc["x1", "direct"] == pytest.approx(np.trace(S_k) / w20.n, rel=1e-12)
    assert table.loc["x1", "total"] == pytest.approx(S_k.sum() / w20.n, rel=1e-12)


def test_true_impacts_constant_slopes(w20):
    scalar = sim_mod.true_impacts(w20, 0.3, [0.5], [0.2])
    vector = sim_mod.true_impacts(w20, 0.3, [np.full(w20.n, 0.5)], [0.2])
    np.testing.assert_allclose(vector.to_numpy(), scalar.to_numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Simulated panel: layout, flag, determinism
# ---------------------------------------------------------------------------------------


def test_panel_layout(w20):
    sim = sim_mod.simulate_panel(w20, years=YEARS, seed=0)
    frame = sim.frame
    assert frame.shape[0] == w20.n * len(YEARS)
    assert list(frame.columns[:4]) == ["code", "name", "year", "y"]
    assert set(sim.x_names) <= set(frame.columns)
    assert {name for name, *_ in sim_mod.INDICATORS} <= set(frame.columns)
    assert sim_mod.PER_CAPITA[0] in frame.columns
    assert not frame.duplicated(["code", "year"]).any()


def test_panel_simulated_flag(w20):
    sim = sim_mod.simulate_panel(w20, years=YEARS, seed=0)
    assert sim.frame["simulated"].all()
    assert sim.frame.attrs["simulated"] is True
    assert sim.attrs["simulated"] is True
    assert sim.attrs["seed"] == 0
    assert "SIMULATED" in sim.summary()


def test_panel_deterministic(w20):
    first = sim_mod.simulate_panel(w20, years=YEARS, seed=5)
    second = sim_mod.simulate_panel(w20, years=YEARS, seed=5)
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert first.truth == second.truth


def test_panel_seed_changes_draws(w20):
    first = sim_mod.simulate_panel(w20, years=YEARS, seed=5)
    other = sim_mod.simulate_panel(w20, years=YEARS, seed=6)
    assert not np.allclose(first.frame["y"], other.frame["y"])


def test_panel_mediator_keeps_x(w20):
    plain = sim_mod.simulate_panel(w20, years=YEARS, seed=2)
    with_m = sim_mod.simulate_panel(w20, years=YEARS, seed=2, mediator=(0.5, 0.4))
    np.testing.assert_array_equal(plain.frame["ecommerce"], with_m.frame["ecommerce"])
    assert "mediator" in with_m.frame.columns
    assert "mediator" not in plain.frame.columns


def test_panel_truth_impacts(w20):
    sim = sim_mod.simulate_panel(w20, years=YEARS, rho=0.4, beta=(0.5,), theta=(0.1,))
    table = sim_mod.true_impacts(w20, 0.4, [0.5], [0.1])
    assert sim.truth["direct_ecommerce"] == pytest.approx(table.loc["x1", "direct"])
    assert sim.truth["indirect_ecommerce"] == pytest.approx(table.loc["x1", "indirect"])
    assert sim.truth["rho"] == 0.4


def test_panel_solves_sdm(w20):
    # (I - rho W) y_t - X_t beta - W X_t theta = alpha + tau_t + e_t, so its two-way
    # demeaned form is e demeaned: variance sigma^2 (1 - 1/T)(1 - 1/N), and
    # uncorrelated with X.
    sigma = 1.5
    sim = sim_mod.simulate_panel(w20, years=YEARS, sigma=sigma, seed=4)
    y, X = sim.panel_arrays()
    W = w20.sparse
    t, n = len(YEARS), w20.n
    cube_y = y.reshape(t, n)
    cube_x = X.to_numpy().reshape(t, n, 2)
    resid = np.stack([
        cube_y[s] - 0.3 * (W @ cube_y[s]) - cube_x[s] @ [0.5, -0.2] - (W @ cube_x[s]) @ [0.2, 0]
        for s in range(t)
    ])
    resid = resid - resid.mean(axis=0) - resid.mean(axis=1, keepdims=True) + resid.mean()
    expected = sigma**2 * (1 - 1 / t) * (1 - 1 / n)
    assert resid.var() == pytest.approx(expected, rel=0.06)
    assert abs(np.corrcoef(resid.ravel(), cube_x[:, :, 0].ravel())[0, 1]) < 0.05


def test_panel_indicators_monotone(w20):
    frame = sim_mod.simulate_panel(w20, years=YEARS, seed=0).frame
    for column, source, _, _, _, is_count in sim_mod.INDICATORS:
        source = {"control": "control1"}.get(source, source)
        ordered = frame.sort_values(source)[column].to_numpy()
        steps = np.diff(ordered)
        assert (ordered > 0).all(), column
        if is_count:
            assert (steps >= 0).all(), column
        else:
            assert (steps > 0).all(), column


def test_panel_gdp_per_capita(w20):
    frame = sim_mod.simulate_panel(w20, years=YEARS, seed=0).frame
    expected = frame["gdp"] / frame["population"]
    np.testing.assert_allclose(frame["gdp_per_capita"], expected, rtol=1e-12)


def test_indicators_match_template():
    table = read_column_table()
    numbers = table[table["kind"] == "number"]
    simulated = {row[0]: row[4] for row in sim_mod.INDICATORS}
    simulated[sim_mod.PER_CAPITA[0]] = sim_mod.PER_CAPITA[3]
    assert sorted(simulated) == sorted(numbers.index)
    for name, unit in simulated.items():
        assert unit in numbers.loc[name, "unit"].split(";"), name


def test_panel_reads_as_template(tmp_path):
    # The frame written as CSV passes the loader of user panels unchanged, when the
    # codes are 6-digit county codes.
    w = sim_mod.lattice_weights(6)
    codes = [f"61{i + 1:04d}" for i in range(w.n)]
    sim = sim_mod.simulate_panel(w, years=YEARS, codes=codes, seed=0)
    path = tmp_path / "simulated_panel.csv"
    sim.frame.to_csv(path, index=False)
    panel = read_panel(path)
    assert panel.balanced
    assert panel.frame.shape[0] == sim.frame.shape[0]
    table = read_column_table()
    assert panel.indicators == list(table.index[table["kind"] == "number"])
    np.testing.assert_allclose(panel.frame["gdp"], sim.frame["gdp"], rtol=1e-12)


def test_panel_accepts_weights_object(w20):
    weights = Weights(graph=Graph.from_W(w20), kind="rook", islands=[])
    from_object = sim_mod.simulate_panel(weights, years=YEARS, seed=3)
    from_w = sim_mod.simulate_panel(w20, years=YEARS, seed=3)
    np.testing.assert_allclose(from_object.frame["y"], from_w.frame["y"], rtol=1e-12)


def test_panel_codes_label_units(w20):
    codes = [f"61{i:04d}" for i in range(w20.n)]
    sim = sim_mod.simulate_panel(w20, years=YEARS, codes=codes)
    assert sim.frame["code"].iloc[0] == "610000"
    assert sim.units == tuple(codes)


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def test_panel_rejects_binary_w():
    binary = libpysal.weights.lat2W(5, 5)
    with pytest.raises(ValueError, match="row-standardised"):
        sim_mod.simulate_panel(binary)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rho": 1.0}, "rho must lie"),
        ({"theta": (0.2,)}, "theta has 1 entries"),
        ({"years": [2020]}, "at least 2 distinct"),
        ({"sigma": 0.0}, "sigma must be positive"),
        ({"mediator": (0.5,)}, "mediator must be a pair"),
        ({"region_effects": {"east": 0.6}}, "needs region"),
        ({"codes": ["a", "b"]}, "codes has 2 entries"),
    ],
)
def test_panel_invalid_inputs(w20, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sim_mod.simulate_panel(w20, **kwargs)


def test_panel_region_missing_code(w20):
    region = quadrant_regions(20).iloc[:-1]
    with pytest.raises(ValueError, match="no label for 1 codes"):
        sim_mod.simulate_panel(w20, region=region)


def test_panel_region_unknown_label(w20):
    region = quadrant_regions(20).replace("east", "coast")
    with pytest.raises(ValueError, match="no slope for regions"):
        sim_mod.simulate_panel(w20, region=region)


# ---------------------------------------------------------------------------------------
# Recovery: two-way fixed-effects SDM on a 40 x 40 lattice, N = 1600, T = 10
# ---------------------------------------------------------------------------------------

# Tolerances are about 4 standard errors of this design (se: rho 0.010, beta 0.008,
# theta 0.016, direct 0.008, indirect 0.022), so a correct estimator fails rarely and a
# sign or scale error in the simulator fails always.


def test_recovery_rho(fit40, panel40):
    assert fit40.rho == pytest.approx(panel40.truth["rho"], abs=0.04)


@pytest.mark.parametrize("name", ["ecommerce", "control1"])
def test_recovery_beta(fit40, panel40, name):
    assert fit40.coef(name) == pytest.approx(panel40.truth[name], abs=0.035)


@pytest.mark.parametrize("name", ["W_ecommerce", "W_control1"])
def test_recovery_theta(fit40, panel40, name):
    assert fit40.coef(name) == pytest.approx(panel40.truth[name], abs=0.065)


def test_recovery_impacts(fit40, panel40, w40):
    effects = regression.impacts(fit40, w40, draws=0)
    j = effects.names.index("ecommerce")
    assert effects.direct[j] == pytest.approx(panel40.truth["direct_ecommerce"], abs=0.035)
    assert effects.indirect[j] == pytest.approx(panel40.truth["indirect_ecommerce"], abs=0.09)


# ---------------------------------------------------------------------------------------
# Recovery: GWR surface, mediation, regional slopes
# ---------------------------------------------------------------------------------------


def test_gwr_recovers_surface():
    # 20 x 20 grid with 1 km spacing (projected metres), adaptive bisquare, AICc.
    grid = np.array([(i, j) for i in range(20) for j in range(20)], dtype=float) * 1000.0
    surface = sim_mod.simulate_gwr_surface(grid, seed=0)
    fit = gwr.fit_gwr(surface.y, surface.X, grid)
    for name in ("x1", "x2"):
        r = np.corrcoef(fit.params[name], surface.betas[name])[0, 1]
        assert r > 0.8, name


def test_gwr_surface_ranges():
    grid = np.array([(i, j) for i in range(25) for j in range(25)], dtype=float)
    betas = sim_mod.simulate_gwr_surface(grid).betas
    assert betas["x1"].min() == pytest.approx(1.0)
    assert betas["x1"].max() == pytest.approx(5.0)
    assert betas["x2"].max() == pytest.approx(5.0)
    assert betas["x2"].min() == pytest.approx(1.0)


def test_gwr_surface_deterministic():
    grid = np.array([(i, j) for i in range(5) for j in range(5)], dtype=float)
    first = sim_mod.simulate_gwr_surface(grid, seed=4)
    second = sim_mod.simulate_gwr_surface(grid, seed=4)
    pd.testing.assert_series_equal(first.y, second.y)
    assert first.to_frame()["simulated"].all()
    assert first.attrs["simulated"] is True


def test_gwr_surface_rejects_line():
    with pytest.raises(ValueError, match="constant along one axis"):
        sim_mod.simulate_gwr_surface(np.column_stack([np.arange(5.0), np.zeros(5)]))


def test_mediation_recovers_ab(w20):
    # No spatial lag (rho = theta = 0), so OLS mediation on the two-way demeaned panel is
    # consistent. The se of a b is about 0.011 for N T = 4000, and the tolerance 0.04.
    sim = sim_mod.simulate_panel(
        w20, years=YEARS, rho=0.0, theta=(0.0, 0.0), mediator=(0.5, 0.4), seed=7
    )
    data = two_way_demean(sim.frame, ["y", "ecommerce", "control1", "mediator"])
    result = mediation.mediation(
        data, x="ecommerce", m="mediator", y="y", covariates="control1", n_boot=200
    )
    assert result.indirect["mediator"] == pytest.approx(sim.truth["ab"], abs=0.04)
    assert result.a["mediator"] == pytest.approx(sim.truth["a"], abs=0.06)
    assert result.b["mediator"] == pytest.approx(sim.truth["b"], abs=0.06)
    assert result.c_prime == pytest.approx(sim.truth["c_prime"], abs=0.06)


@pytest.fixture(scope="module")
def regional(w40):
    """One year of a regional panel, unit-demeaned, and its group difference test.

    Unit demeaning commutes with W, so one year of the demeaned panel is a
    cross-section SAR with a common intercept, fitted exactly by the pooled SAR of
    group_difference_test with the full W.
    """
    region = quadrant_regions(40)
    sim = sim_mod.simulate_panel(w40, years=YEARS, theta=(0.0, 0.0), region=region, seed=8)
    frame = sim.frame.copy()
    for column in ("y", "ecommerce", "control1"):
        frame[column] -= frame.groupby("code")[column].transform("mean")
    year = frame[frame["year"] == 2015].set_index("code").loc[list(sim.units)]
    test = regression.group_difference_test(
        year["y"], year[["ecommerce", "control1"]], year["region"].to_numpy(),
        w=w40, model="sar", variables=["ecommerce"],
    )
    return sim, test


def test_region_slopes_differ(regional):
    _, test = regional
    assert test.tests.loc["ecommerce", "p"] < 1e-6


@pytest.mark.parametrize("label", ["east", "central", "west", "northeast"])
def test_region_slope_recovered(regional, label):
    # 400 units per region give a slope se of about 0.05, and the tolerance is 0.15.
    sim, test = regional
    estimate = test.coefficients.loc["ecommerce", label]
    assert estimate == pytest.approx(sim.truth[f"slope_{label}"], abs=0.15)


def test_region_truth_defaults(regional):
    sim, _ = regional
    assert sim.truth["slope_east"] == 0.6
    assert sim.truth["slope_west"] == 0.2


# ---------------------------------------------------------------------------------------
# Slow: all-China size and the Monte Carlo coverage
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_panel_china_size_fast():
    # 53 x 53 = 2,809 units, about the number of Chinese counties, x 11 years. It took
    # 1 to 3 s on a shared 2-core machine, and the bound leaves room for heavier load.
    w = sim_mod.lattice_weights(53)
    start = time.perf_counter()
    sim = sim_mod.simulate_panel(w)
    assert time.perf_counter() - start < 30.0
    assert sim.frame.shape[0] == 2809 * 11


@pytest.mark.slow
def test_recovery_study_coverage(w20):
    study = sim_mod.recovery_study(w20, replications=30, draws=200)
    table = study.table
    for name, row in table.iterrows():
        assert row["coverage"] >= 0.8, name
        assert abs(row["bias_over_se"]) < 1.0, name
