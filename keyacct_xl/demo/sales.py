"""Demo sales: invoices (XS…) of 1-6 lines and a few credit notes (TH…), fully vectorized.

Revenue per customer follows the customer's size (lognormal, so a fifth of the customers hold about three
quarters of it), spread over its buying window with the calendar's seasonality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo.calendar import DAYS, day_weights, sample_days
from keyacct_xl.demo.catalog import CATEGORIES, PRODUCTS, catalogue, category_mix, line_skus, products_by_category

REVENUE_PER_CUSTOMER = 560_000.0  # three years; 600 customers make about 110 M CNY a year
LINES_PER_CUSTOMER = 105
PRICE_LEVEL = {2023: 0.97, 2024: 1.00, 2025: 1.03, 2026: 1.05}  # list prices rise each January
RETURN_RATE = 0.006
SKUS = catalogue(PRICE_LEVEL[2026])  # the catalogue at this year's prices


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Index of the first cumulative probability above a uniform draw, row by row."""
    return _pick_with_draws(rng, cumulative)[0]


def _pick_with_draws(rng: np.random.Generator, cumulative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_pick``'s indices and where each draw fell within its pick's slice (0 to 1)."""
    draws = rng.random(len(cumulative))[:, None]
    index = np.minimum((cumulative < draws).sum(axis=1), cumulative.shape[1] - 1)
    rows = np.arange(len(cumulative))
    low = np.where(index > 0, cumulative[rows, np.maximum(index - 1, 0)], 0.0)
    high = cumulative[rows, index]
    within = np.clip((draws[:, 0] - low) / np.where(high > low, high - low, 1.0), 0.0, np.nextafter(1.0, 0.0))
    return index, within


def _sku_of(line: np.ndarray, within: np.ndarray) -> np.ndarray:
    """The SKU of each line's price line: the same draw that chose the line, placed among its grades' shares (no
    further draw, so the sales stay as they were before the catalogue had grades)."""
    members, cumulative = line_skus(SKUS)
    slot = np.minimum((cumulative[line] <= within[:, None]).sum(axis=1), cumulative.shape[1] - 1)
    return members[line, slot]


def _invoice_counts(
    rng: np.random.Generator, profiles: pd.DataFrame, activity: np.ndarray, lines_each: np.ndarray, total_lines: int
) -> np.ndarray:
    """Invoices per customer: frequency grows with the square root of size, scaled to the line target."""
    months = (profiles["last_day"] - profiles["first_day"] + 1).to_numpy() / 30.4
    base = np.sqrt(profiles["size"].to_numpy()) * months * (activity > 0)
    scale = total_lines / float((base * lines_each).sum())
    expected = np.minimum(base * scale, months * 25)
    return np.where(activity > 0, np.maximum(rng.poisson(expected), 1), 0)


def make_sales(rng: np.random.Generator, profiles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sales lines (the Transactions table) and the invoice headers payments are drawn against."""
    weights = day_weights()
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    first, last = profiles["first_day"].to_numpy(), profiles["last_day"].to_numpy()
    buying = (profiles["stage"] != "prospect").to_numpy()
    activity = np.where(buying, cumulative[last + 1] - cumulative[first], 0.0)
    size = profiles["size"].to_numpy()
    revenue = size * activity
    revenue *= REVENUE_PER_CUSTOMER * len(profiles) / revenue.sum()
    p_line = np.clip(0.15 + 0.08 * np.log(size), 0.08, 0.6)
    lines_each = 1 + 5 * p_line
    counts = _invoice_counts(rng, profiles, activity, lines_each, LINES_PER_CUSTOMER * len(profiles))

    cust = np.repeat(np.arange(len(profiles)), counts)
    day = sample_days(rng, weights, first[cust], last[cust])
    target = revenue[cust] / counts[cust] * rng.lognormal(-0.125, 0.5, len(cust))
    n_lines = 1 + rng.binomial(5, p_line[cust])
    invoices = pd.DataFrame({"cust": cust, "day": day, "target": target, "n_lines": n_lines})
    invoices = invoices.sort_values(["day", "cust"], kind="stable").reset_index(drop=True)
    invoices["date"] = DAYS[invoices["day"].to_numpy()]
    invoices["doc_no"] = _doc_numbers("XS", invoices["date"])
    lines = _lines(rng, invoices, profiles)
    returns = _returns(rng, lines)
    table = pd.concat([lines, returns], ignore_index=True).sort_values(["date", "doc_no"], kind="stable")
    net = table.groupby("origin", sort=False)["amount"].sum()
    invoices["amount"] = invoices["doc_no"].map(net).round(2)
    columns = [
        "doc_no",
        "date",
        "customer_id",
        "product",
        "category",
        "qty",
        "unit_price",
        "amount",
        "cost",
        "rep",
        "product_code",
    ]
    return table[columns].reset_index(drop=True), invoices[["doc_no", "cust", "date", "amount"]]


def _lines(rng: np.random.Generator, invoices: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """Split every invoice into its lines: products from the customer's category mix, priced for the customer."""
    inv = np.repeat(np.arange(len(invoices)), invoices["n_lines"].to_numpy())
    cust = invoices["cust"].to_numpy()[inv]
    share = rng.exponential(1.0, len(inv))
    share /= np.bincount(inv, weights=share)[inv]
    mix = np.cumsum(category_mix(profiles["industry"].tolist()), axis=1)
    category = _pick(rng, mix[cust])
    members, member_cum = products_by_category()
    slot, within = _pick_with_draws(rng, member_cum[category])
    product = members[category, slot]
    sku = _sku_of(product, within)
    dates = invoices["date"].to_numpy()[inv]
    level = pd.Series(pd.DatetimeIndex(dates).year).map(PRICE_LEVEL).to_numpy()
    discount = profiles["discount"].to_numpy()[cust]
    list_price = np.array([p.price for p in PRODUCTS])[product]
    unit_price = np.round(list_price * level * (1 - discount), 2)
    qty = np.maximum(1, np.round(invoices["target"].to_numpy()[inv] * share / unit_price))
    amount = np.round(qty * unit_price, 2)
    base_margin = np.array([c.margin for c in CATEGORIES])[category]
    margin = np.clip(base_margin - 0.8 * discount + rng.normal(0, 0.015, len(inv)), 0.10, 0.35)
    frame = pd.DataFrame(
        {
            "doc_no": invoices["doc_no"].to_numpy()[inv],
            "date": dates,
            "customer_id": profiles["customer_id"].to_numpy()[cust],
            "product_code": np.array([k.code for k in SKUS], dtype=object)[sku],
            "product": np.array([k.name for k in SKUS], dtype=object)[sku],
            "line": product,
            "category": np.array([c.name for c in CATEGORIES], dtype=object)[category],
            "qty": qty,
            "unit_price": unit_price,
            "amount": amount,
            "cost": np.round(amount * (1 - margin), 2),
            "rep": profiles["rep"].to_numpy()[cust],
            "margin": margin,
        }
    )
    # An invoice lists each price line once: a repeated draw is dropped, never merged into another line.
    frame = frame.drop_duplicates(["doc_no", "line"], keep="first").reset_index(drop=True)
    frame["origin"] = frame["doc_no"]
    return frame


def _returns(rng: np.random.Generator, lines: pd.DataFrame) -> pd.DataFrame:
    """Credit notes: part of a delivered line comes back 3-30 days later as a negative TH document."""
    last = DAYS[-1]
    chosen = lines[(rng.random(len(lines)) < RETURN_RATE) & (lines["date"] < last - pd.Timedelta(days=30))].copy()
    chosen["date"] = chosen["date"] + pd.to_timedelta(rng.integers(3, 31, len(chosen)), unit="D")
    back = -np.maximum(1, np.floor(chosen["qty"].to_numpy() * rng.uniform(0.2, 1.0, len(chosen))))
    chosen["qty"] = back
    chosen["amount"] = np.round(back * chosen["unit_price"].to_numpy(), 2)
    # The returned goods carry the line's own margin; cost is rounded once, like the line's.
    chosen["cost"] = np.round(chosen["amount"].to_numpy() * (1 - chosen["margin"].to_numpy()), 2)
    chosen = chosen.sort_values(["date", "doc_no"], kind="stable")
    chosen["doc_no"] = _doc_numbers("TH", chosen["date"])
    return chosen


def _doc_numbers(prefix: str, dates: pd.Series) -> np.ndarray:
    """Document numbers like XS2026100123: prefix, year and month, then a sequence within the month."""
    month = pd.DatetimeIndex(dates).strftime("%Y%m")
    seq = pd.Series(month).groupby(month).cumcount().to_numpy() + 1
    return np.array([f"{prefix}{m}{s:04d}" for m, s in zip(month, seq)], dtype=object)
