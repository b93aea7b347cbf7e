"""Monte Carlo recovery study of the two-way fixed-effects SDM on SIMULATED panels.

Each replication draws a panel with ``countyres_helpers.simulate.simulate_panel`` on a
row-standardised rook lattice, fits it with ``spatial_panel.fit_panel_sdm`` (unit and
year effects) and computes the impacts with ``regression.impacts``. The table reports,
for rho, each beta, each theta and the impacts of ``ecommerce``: the true value, the
mean estimate, the bias, bias / mean SE, the RMSE and the coverage of the 95 %
intervals. Run it from the repository root:

    python -m benchmarks.recovery
    python benchmarks/recovery.py --replications 200 --side 20

It writes ``benchmarks/results/recovery.csv`` and prints the table and the wall time.
"""

import argparse
import pathlib

from threadpoolctl import threadpool_limits

from countyres_helpers.simulate import lattice_weights, recovery_study

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "recovery.csv"


def parse_args(argv=None):
    """Parse the command line: replications, lattice side, years, draws, seed, output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000,
                        help="number of simulated panels (default 1000)")
    parser.add_argument("--side", type=int, default=20,
                        help="lattice side, so N = side^2 units (default 20)")
    parser.add_argument("--years", type=int, default=10,
                        help="number of years T, starting in 2011 (default 10)")
    parser.add_argument("--draws", type=int, default=500,
                        help="draws for the impact standard errors (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of replication 0")
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS,
                        help=f"output CSV (default {RESULTS})")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the study, write the CSV and print the table."""
    args = parse_args(argv)
    w = lattice_weights(args.side)

    # One BLAS thread: each fit needs the eigenvalues of a small W, and on a 2-core
    # machine with other work, multithreaded OpenBLAS made numpy.linalg.eig on 400 x
    # 400 about 20 times slower (3.0 s against 0.16 s, measured with OpenBLAS 0.3.31).
    with threadpool_limits(limits=1, user_api="blas"):
        study = recovery_study(
            w,
            replications=args.replications,
            years=range(2011, 2011 + args.years),
            draws=args.draws,
            seed=args.seed,
        )

    table = study.table.copy()
    table["replications"] = study.replications
    table["n_units"] = study.n_units
    table["t"] = study.t
    table["draws"] = study.draws
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, float_format="%.6g")
    print(study.summary())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
