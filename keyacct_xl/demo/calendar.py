"""The demo's three business years and how busy each day is (seasonality, holidays, weekends)."""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2023-11-01")
END = pd.Timestamp("2026-10-31")
DAYS = pd.date_range(START, END, freq="D")

# First day of the Spring Festival: trade stops for about two weeks around it.
SPRING_FESTIVAL = (pd.Timestamp("2024-02-10"), pd.Timestamp("2025-01-29"), pd.Timestamp("2026-02-17"))
# Month factors: a slow January/February (the festival) and the year-end push in Q4 (October also has Golden Week).
MONTH_FACTOR = np.array([0.80, 0.85, 1.00, 1.00, 1.00, 1.05, 0.95, 0.95, 1.05, 1.12, 1.25, 1.35])
ANNUAL_GROWTH = 1.08


def day_weights() -> np.ndarray:
    """Relative sales weight of every day in DAYS."""
    month = MONTH_FACTOR[DAYS.month.to_numpy() - 1]
    weekday = np.select([DAYS.day_of_week == 6, DAYS.day_of_week == 5], [0.15, 0.55], 1.0)
    holiday = np.ones(len(DAYS))
    for festival in SPRING_FESTIVAL:
        offset = (DAYS - festival).days.to_numpy()
        holiday[(offset >= -6) & (offset <= 8)] = 0.05
        holiday[(offset >= -20) & (offset < -6)] = 1.3  # stocking up before the holiday
    national_day = (DAYS.month == 10) & (DAYS.day <= 7)
    labour_day = (DAYS.month == 5) & (DAYS.day <= 5)
    holiday[national_day] = 0.1
    holiday[labour_day] = 0.3
    years = (DAYS - START).days.to_numpy() / 365.25
    return month * weekday * holiday * ANNUAL_GROWTH**years


def sample_days(rng: np.random.Generator, weights: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """One day index per row, drawn with ``weights`` between ``first`` and ``last`` (inclusive)."""
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    low, high = cumulative[first], cumulative[last + 1]
    return np.searchsorted(cumulative, rng.uniform(low, high), side="right") - 1
