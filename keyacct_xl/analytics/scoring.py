"""Quintile scores 1–5 with breakpoints, the rule behind RFM scores (and the RFM_BREAKS / RFM_SCORE UDFs).

The rule (docs/analytics.md, "Scores"): the four breakpoints are the 20th, 40th, 60th and 80th percentiles of
the population's values, interpolated linearly between order statistics (Excel's PERCENTILE.INC, numpy's
default). A value's score is 1 plus the number of breakpoints it is strictly better than: strictly above when
higher is better (frequency, money), strictly below when lower is better (recency in days). So the score is a
function of the value alone (equal values, equal scores), never decreases as the value improves, and is defined
for any population size from one customer up; with heavy ties several breakpoints coincide and scores skip.
The Excel-bridge wraps ``rfm_breaks`` and ``score`` as worksheet functions; keep their signatures stable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg

QUANTILES = (0.2, 0.4, 0.6, 0.8)


def _finite(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(values, dtype="float64")
    if array.size == 0:
        raise InputError(msg("{what}: no values to score", what=what))
    if not np.isfinite(array).all():
        raise InputError(msg("{what}: values must be numbers (blank or non-finite found)", what=what))
    return array


def rfm_breaks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The four quintile breakpoints (PERCENTILE.INC at 20/40/60/80 %) of a population's values."""
    return np.quantile(_finite(values, "rfm_breaks"), QUANTILES)


def score(
    values: Sequence[float] | np.ndarray, breaks: Sequence[float] | np.ndarray, *, higher_is_better: bool = True
) -> np.ndarray:
    """Scores 1–5: 1 + the number of breakpoints each value is strictly better than."""
    array = _finite(values, "score")
    edges = np.sort(_finite(breaks, "score breaks"))
    if higher_is_better:
        better_than = np.searchsorted(edges, array, side="left")  # breakpoints strictly below the value
    else:
        better_than = edges.size - np.searchsorted(edges, array, side="right")  # strictly above
    return (better_than + 1).astype("int64")


def quintile_scores(values: Sequence[float] | np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores of a whole population against its own breakpoints."""
    return score(values, rfm_breaks(values), higher_is_better=higher_is_better)
