"""Cross-section spatial regression: LM diagnostics, ML and GM fits, impacts and tables.

The estimators are spreg's (``OLS``, ``ML_Lag``, ``ML_Error``, ``GM_Lag``). The helpers
check the inputs and wrap each result in one frozen :class:`SpatialFit`. They add what
spreg 1.9 lacks: simulated standard errors for the LeSage and Pace (2009) impacts, their
direct part for the SDM, and likelihood-ratio tests between fits. They also fit each
group with restricted weights, test coefficient differences between groups and lay out
a journal-style table.

This module gathers them under one name. The code is split by concept:

- :mod:`countyres_helpers.design_checks`: checks of y, X, the names and the weights.
- :mod:`countyres_helpers.estimation`: :class:`SpatialFit` and the OLS, SAR, SEM, SDM
  and S2SLS fits.
- :mod:`countyres_helpers.specification_tests`: LM diagnostics of OLS and LR tests.
- :mod:`countyres_helpers.impacts`: direct, indirect and total impacts.
- :mod:`countyres_helpers.heterogeneity`: per-group fits and group comparisons.
- :mod:`countyres_helpers.tables`: the journal-style table.

Weights are a ``libpysal.weights.W`` or a ``libpysal.graph.Graph`` (converted with
``to_W()``), in the row order of ``y``.
"""

# Besides the names in __all__, these imports keep the helpers that were defined here
# before the split importable from this module (the tests import several of them).
from countyres_helpers.design_checks import as_design, as_weights  # noqa: F401
from countyres_helpers.estimation import (  # noqa: F401
    FULL_LOGDET_MAX_N,
    SpatialFit,
    default_logdet_method,
    fit_from_spreg,
    fit_ml,
    fit_ols,
    fit_s2sls,
    fit_sar,
    fit_sdm,
    fit_sem,
    run_quietly,
    scalar,
    spreg_warnings,
)
from countyres_helpers.heterogeneity import (  # noqa: F401
    GroupDifferenceTest,
    GroupFits,
    ZTest,
    effects_by_group,
    group_difference_test,
    group_labels,
    interacted_design,
    restrict_weights,
    two_group_z_test,
    wald_test,
    warn_islands,
)
from countyres_helpers.impacts import (  # noqa: F401
    DENSE_IMPACTS_MAX_N,
    Impacts,
    dense_weights,
    effects_from_multipliers,
    impact_columns,
    impacts,
    lag_multipliers_dense,
    lag_multipliers_eigen,
    multipliers_from_spectrum,
    rho_interval,
    simulate_coefficients,
    stable_rho_interval,
    symmetrising_scale,
    weights_spectrum,
)
from countyres_helpers.specification_tests import (
    LMDiagnostics,
    LMTest,
    LRTest,
    lm_diagnostics,
    lr_test,
)
from countyres_helpers.tables import (  # noqa: F401
    regression_table,
    significance_stars,
    table_row_order,
)

__all__ = [
    "GroupDifferenceTest",
    "GroupFits",
    "Impacts",
    "LMDiagnostics",
    "LMTest",
    "LRTest",
    "SpatialFit",
    "ZTest",
    "effects_by_group",
    "fit_ols",
    "fit_s2sls",
    "fit_sar",
    "fit_sdm",
    "fit_sem",
    "group_difference_test",
    "impacts",
    "lm_diagnostics",
    "lr_test",
    "regression_table",
    "restrict_weights",
    "two_group_z_test",
]
