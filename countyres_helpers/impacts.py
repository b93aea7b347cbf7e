"""Average direct, indirect and total impacts of spatial lag models (LeSage and Pace 2009).

spreg 1.9 reports the impacts of a spatial Durbin model with every W X effect in the
indirect part, and gives no standard errors. :func:`impacts` computes the closed-form
impacts of a SAR or SDM fit, cross-section or panel, with simulated standard errors and
percentile intervals. :func:`countyres_helpers.mediation.spatial_mediation` uses the same
multipliers for its SDM effects.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from countyres_helpers.design_checks import as_weights

__all__ = ["Impacts", "Spectrum", "impacts", "weights_spectrum"]

# Largest n for which impacts invert the dense n x n matrix (I - rho W).
DENSE_IMPACTS_MAX_N = 3000


@dataclass(frozen=True, eq=False)
class Impacts:
    """Average direct, indirect and total impacts of each regressor in a SAR or SDM fit.

    Attributes
    ----------
    names : tuple of str
        Regressors (no constant).
    direct, indirect, total : numpy.ndarray
        Closed-form impacts at the estimates.
    draws : int
        Number of simulation draws (0 if none were made).
    se, lower, upper : numpy.ndarray or None
        Simulated standard errors and percentile interval, shape (k, 3) with columns
        direct, indirect, total.
    sim_mean : numpy.ndarray or None
        Mean of the simulated impacts, shape (k, 3).
    level : float
        Coverage of the interval.
    rejected : int
        Draws of rho outside the stable interval that were redrawn.
    simulated : numpy.ndarray or None
        All draws, shape (draws, k, 3).
    """

    names: tuple
    direct: np.ndarray
    indirect: np.ndarray
    total: np.ndarray
    draws: int = 0
    se: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    sim_mean: np.ndarray | None = None
    level: float = 0.95
    rejected: int = 0
    simulated: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self):
        """Return one row per regressor and effect with point, se, z, p and interval."""
        rows = []
        effects = {"direct": self.direct, "indirect": self.indirect, "total": self.total}
        for j, name in enumerate(self.names):
            for col, (effect, values) in enumerate(effects.items()):
                row = {"variable": name, "effect": effect, "estimate": values[j]}
                if self.se is not None:
                    se = self.se[j, col]
                    row["std_err"] = se
                    row["z"] = values[j] / se
                    row["p"] = 2.0 * stats.norm.sf(abs(values[j] / se))
                    row["lower"] = self.lower[j, col]
                    row["upper"] = self.upper[j, col]
                rows.append(row)
        return pd.DataFrame(rows).set_index(["variable", "effect"])

    def summary(self):
        """Return the impacts table as text."""
        head = "Impacts (LeSage and Pace 2009), closed form"
        if self.draws:
            head += f"; se and {self.level:.0%} interval from {self.draws} draws"
        return head + "\n" + self.to_frame().to_string(float_format=lambda v: f"{v:.6g}")


def dense_weights(w):
    """Return the weights as a dense float array in ``w.id_order``."""
    return np.asarray(w.full()[0], dtype=float)


def lag_multipliers_dense(W, rho):
    """Compute the four average multipliers of (I - rho W)^-1 by dense inversion.

    Returns
    -------
    tuple of float
        (tr(S)/n, tr(S W)/n, 1'S 1/n, 1'S W 1/n) with S = (I - rho W)^-1, so that for
        S_k = S (beta_k I + theta_k W) the direct impact is beta_k d0 + theta_k d1 and
        the total impact beta_k t0 + theta_k t1.
    """
    n = W.shape[0]
    S = np.linalg.inv(np.eye(n) - rho * W)
    SW = S @ W
    return np.trace(S) / n, np.trace(SW) / n, S.sum() / n, SW.sum() / n


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Eigenvalues of W and the weights that turn them into average total multipliers.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        Shape (n,), real when W is similar to a symmetric matrix, complex otherwise.
    total_weights : numpy.ndarray or None
        c with 1'S 1 = sum(c / (1 - rho lambda)), shape (n,); None when every row of W
        sums to 1, because then S 1 = 1 / (1 - rho) for every rho.
    symmetric : bool
        Whether the eigenvalues came from a symmetric matrix similar to W.
    """

    eigenvalues: np.ndarray
    total_weights: np.ndarray | None
    symmetric: bool


def symmetrising_scale(W, rtol=1e-10):
    """Return d with diag(d) W symmetric, or None if neither candidate d works.

    A row-standardised W built from a symmetric binary matrix C (contiguity, k-nearest
    neighbours made symmetric) is W = D^-1 C with D the row sums of C. Each row of W
    then contains equal non-zero values 1 / d_i, so d_i = 1 / max_j W_ij. A W that is
    itself symmetric takes d = 1.

    Parameters
    ----------
    W : numpy.ndarray
        Dense n x n weights.
    rtol : float
        Largest asymmetry of diag(d) W accepted, relative to its largest entry.

    Returns
    -------
    numpy.ndarray or None
    """
    row_max = W.max(axis=1)
    if np.any(row_max <= 0.0) or np.any(W < 0.0):
        return None
    for d in (np.ones(W.shape[0]), 1.0 / row_max):
        A = d[:, None] * W
        if np.abs(A - A.T).max() <= rtol * np.abs(A).max():
            return d
    return None


def weights_spectrum(W):
    """Compute the eigenvalues of W and the weights of the average total multipliers.

    When diag(d) W is symmetric (see :func:`symmetrising_scale`), W is similar to the
    symmetric B = D^1/2 W D^-1/2, so its eigenvalues are real and
    ``numpy.linalg.eigvalsh`` finds them about ten times faster than ``eig``. A
    row-stochastic W needs no eigenvectors, because 1'S 1 / n = 1 / (1 - rho). Otherwise
    B = Q diag(lambda) Q' gives c = (Q' D^-1/2 1) * (Q' D^1/2 1). Any other W falls
    back to the general eigendecomposition W = V diag(lambda) V^-1 with
    c = (1'V) * (V^-1 1).

    NOTE: for a defective (non-diagonalisable) W the general branch has ill-conditioned
    eigenvectors V and loses accuracy; the tests cover contiguity W only.

    Parameters
    ----------
    W : numpy.ndarray
        Dense n x n weights.

    Returns
    -------
    Spectrum
    """
    n = W.shape[0]
    ones = np.ones(n)
    d = symmetrising_scale(W)
    row_stochastic = np.allclose(W.sum(axis=1), 1.0, rtol=0.0, atol=1e-12)
    if d is not None:
        root = np.sqrt(d)
        B = root[:, None] * W / root[None, :]
        B = (B + B.T) / 2.0
        if row_stochastic:
            return Spectrum(np.linalg.eigvalsh(B), None, True)
        lam, Q = np.linalg.eigh(B)
        c = (Q.T @ (ones / root)) * (Q.T @ root)
        return Spectrum(lam, c, True)
    lam, V = np.linalg.eig(W)
    c = (ones @ V) * np.linalg.solve(V, ones)
    return Spectrum(lam, None if row_stochastic else c, False)


def multipliers_from_spectrum(spectrum, rhos):
    """Compute the four average multipliers for each rho from the spectrum of W.

    With eigenvalues lambda, tr(S)/n = mean(1 / (1 - rho lambda)) and
    tr(S W)/n = mean(lambda / (1 - rho lambda)). The totals are
    sum(c / (1 - rho lambda)) / n and sum(c lambda / (1 - rho lambda)) / n, or both
    1 / (1 - rho) for a row-stochastic W.

    Parameters
    ----------
    spectrum : Spectrum
        From :func:`weights_spectrum`.
    rhos : numpy.ndarray
        Shape (m,).

    Returns
    -------
    numpy.ndarray
        Shape (m, 4): the columns of :func:`lag_multipliers_dense` for each rho.
    """
    rhos = np.asarray(rhos, dtype=float)
    lam = spectrum.eigenvalues
    n = lam.shape[0]
    inv = 1.0 / (1.0 - np.outer(rhos, lam))
    d0 = inv.mean(axis=1)
    d1 = (inv * lam).mean(axis=1)
    if spectrum.total_weights is None:
        t0 = t1 = 1.0 / (1.0 - rhos)
    else:
        c = spectrum.total_weights
        t0 = inv @ c / n
        t1 = (inv * lam) @ c / n
    return np.real(np.column_stack([d0, d1, t0, t1]))


def lag_multipliers_eigen(W, rhos):
    """Compute the average multipliers for many rho values from one eigendecomposition.

    Parameters
    ----------
    W : numpy.ndarray
        Dense n x n weights.
    rhos : numpy.ndarray
        Shape (m,).

    Returns
    -------
    numpy.ndarray
        Shape (m, 4): the columns of :func:`lag_multipliers_dense` for each rho.
    """
    return multipliers_from_spectrum(weights_spectrum(W), rhos)


def effects_from_multipliers(beta, theta, multipliers):
    """Combine coefficients with the average multipliers into direct, indirect and total.

    Parameters
    ----------
    beta, theta : numpy.ndarray
        Coefficients of X and of W X, shape (..., k); theta is 0 in a SAR model.
    multipliers : numpy.ndarray
        Shape (..., 4): the values of :func:`lag_multipliers_dense` (shape (4,)) or the
        rows of :func:`lag_multipliers_eigen` (shape (m, 4)).

    Returns
    -------
    numpy.ndarray
        Shape (..., k, 3) with the direct, indirect and total impact of each regressor.
    """
    d0, d1, t0, t1 = (multipliers[..., i, None] for i in range(4))
    direct = beta * d0 + theta * d1
    total = beta * t0 + theta * t1
    return np.stack([direct, total - direct, total], axis=-1)


def stable_rho_interval(W):
    """Return the open interval of rho for which I - rho W is invertible near 0."""
    return rho_interval(weights_spectrum(W).eigenvalues)


def rho_interval(eigenvalues):
    """Return (1 / lambda_min, 1 / lambda_max) for real eigenvalues, else +-1 / radius."""
    lam = np.asarray(eigenvalues)
    if np.max(np.abs(np.imag(lam))) < 1e-8:
        lam = np.real(lam)
        return 1.0 / lam.min(), 1.0 / lam.max()
    radius = np.max(np.abs(lam))
    return -1.0 / radius, 1.0 / radius


def impact_columns(fit):
    """Return the positions of beta, theta (or None) and rho in ``fit.betas``."""
    beta_idx = [fit.names.index(v) for v in fit.x_names]
    theta_idx = [
        fit.names.index(f"W_{v}") if f"W_{v}" in fit.names else None for v in fit.x_names
    ]
    return beta_idx, theta_idx, fit.names.index("rho")


def impacts(fit, w, *, draws=1000, seed=0, level=0.95):
    """Compute LeSage and Pace (2009) average impacts of a SAR or SDM fit.

    For regressor k, S_k = (I - rho W)^-1 (beta_k I + theta_k W), with theta_k = 0 in
    the SAR model. The average direct impact is tr(S_k)/n, the total impact the mean
    row sum of S_k, and the indirect impact their difference.

    Parameters
    ----------
    fit : SpatialFit
        A SAR, SDM, FE-SAR or FE-SDM fit.
    w : libpysal.weights.W or libpysal.graph.Graph
        The weights used in the fit (N units for a panel).
    draws : int
        Number of draws of (beta, theta, rho) from the normal approximation
        N(estimate, vm) of the ML estimator; 0 skips the simulation. Draws with rho
        outside the stable interval (1/lambda_min, 1/lambda_max) are redrawn.
    seed : int
        Seed of ``numpy.random.default_rng``.
    level : float
        Coverage of the percentile interval.

    Returns
    -------
    Impacts

    Raises
    ------
    ValueError
        If the fit has no spatial lag parameter, n exceeds 3000 units, ``draws`` is
        negative or 1, or ``level`` is not between 0 and 1.

    Notes
    -----
    One eigendecomposition of W (:func:`weights_spectrum`) gives the stable interval
    of rho and the multipliers of every draw. A row-standardised contiguity W is
    similar to a symmetric matrix, so the point values come from the same real
    eigenvalues. Any other W uses the dense inverse of I - rho W for the point values.

    References
    ----------
    LeSage, J. and Pace, R. K. (2009). Introduction to Spatial Econometrics. CRC Press,
    sections 2.7 and 4.2 (impacts) and 5.6.2 (simulated inference).
    """
    if fit.rho is None or "rho" not in fit.names:
        raise ValueError(
            f"Impacts need a spatial lag (SAR or SDM) fit; got {fit.model}. Without a "
            "spatial lag of y the direct impacts equal the coefficients and the indirect "
            "impacts are zero."
        )
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 0 \
            or draws == 1:
        raise ValueError(f"draws must be 0 (no simulation) or a whole number of at least 2, "
                         f"got {draws!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}.")
    w = as_weights(w, fit.n_units)
    if w.n > DENSE_IMPACTS_MAX_N:
        raise ValueError(
            f"w has {w.n} units; dense impacts are limited to {DENSE_IMPACTS_MAX_N}. "
            "Use spreg's spmultiplier(method='power') for larger n."
        )
    W = dense_weights(w)
    beta_idx, theta_idx, rho_idx = impact_columns(fit)

    def effects_at(betas, multipliers):
        beta = betas[..., beta_idx]
        theta = np.zeros_like(beta)
        for j, idx in enumerate(theta_idx):
            if idx is not None:
                theta[..., j] = betas[..., idx]
        return effects_from_multipliers(beta, theta, multipliers)

    spectrum = weights_spectrum(W)
    if spectrum.symmetric:
        point_multipliers = multipliers_from_spectrum(spectrum, [fit.rho])[0]
    else:
        point_multipliers = np.asarray(lag_multipliers_dense(W, fit.rho))
    point = effects_at(fit.betas, point_multipliers)
    result = dict(names=fit.x_names, direct=point[:, 0], indirect=point[:, 1])
    result["total"] = point[:, 2]
    if draws <= 0:
        return Impacts(**result)

    interval = rho_interval(spectrum.eigenvalues)
    simulated, rejected = simulate_coefficients(fit, W, draws, seed, interval=interval)
    sims = effects_at(simulated, multipliers_from_spectrum(spectrum, simulated[:, rho_idx]))
    tail = (1.0 - level) / 2.0
    return Impacts(
        **result,
        draws=draws,
        se=sims.std(axis=0, ddof=1),
        lower=np.quantile(sims, tail, axis=0),
        upper=np.quantile(sims, 1.0 - tail, axis=0),
        sim_mean=sims.mean(axis=0),
        level=level,
        rejected=rejected,
        simulated=sims,
    )


def simulate_coefficients(fit, W, draws, seed, *, interval=None):
    """Draw coefficient vectors from N(fit.betas, fit.vm) with rho in the stable interval.

    ``interval`` is the stable interval of rho, computed from W when it is None.

    Returns
    -------
    draws_array : numpy.ndarray
        Shape (draws, k).
    rejected : int
        Number of draws replaced because rho left the stable interval.
    """
    rng = np.random.default_rng(seed)
    low, high = stable_rho_interval(W) if interval is None else interval
    rho_idx = fit.names.index("rho")
    kept = []
    rejected = 0
    while sum(len(block) for block in kept) < draws:
        block = rng.multivariate_normal(fit.betas, fit.vm, size=draws)
        inside = (block[:, rho_idx] > low) & (block[:, rho_idx] < high)
        rejected += int((~inside).sum())
        kept.append(block[inside])
    return np.vstack(kept)[:draws], rejected
