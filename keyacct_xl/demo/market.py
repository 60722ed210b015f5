"""Demo opportunities across the sales funnel and the reps' monthly competitor notes (DOMAIN.md forms 14, 22)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo.calendar import DAYS, END
from keyacct_xl.demo.catalog import COMPETITOR_BRANDS, PRODUCTS, PROMOTIONS, RESPONSES
from keyacct_xl.demo.sales import PRICE_LEVEL

STAGES = ("线索", "初步接触", "需求确认", "方案报价", "商务谈判", "赢单", "输单")
STAGE_P = (0.15, 0.15, 0.13, 0.13, 0.10, 0.20, 0.14)
STAGE_PROBABILITY = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 0.0)
OPPORTUNITY_NOTES = (
    "客户新增设备，需配套油品",
    "竞品{competitor}报价低约5%",
    "需提供油品检测报告",
    "客户要求先试用",
    "年度招标项目",
    "老板亲自决策",
    "等待客户预算审批",
    "",
    "",
    "",
)
OPPORTUNITIES_PER_CUSTOMER = 0.7


def make_opportunities(rng: np.random.Generator, profiles: pd.DataFrame, annual_sales: np.ndarray) -> pd.DataFrame:
    """Open and closed opportunities: bigger customers have more; every prospect has one."""
    prospect = (profiles["stage"] == "prospect").to_numpy()
    weight = np.sqrt(profiles["size"].to_numpy())
    count = rng.poisson(OPPORTUNITIES_PER_CUSTOMER * weight / weight.mean())
    count = np.where(prospect, np.maximum(count, 1), count)
    cust = np.repeat(np.arange(len(profiles)), count)
    total = len(cust)
    stage = rng.choice(len(STAGES), total, p=STAGE_P)
    created = DAYS[-1] - pd.to_timedelta(rng.integers(20, 560, total), unit="D")
    closed = stage >= 5
    span = np.where(closed, rng.integers(20, 150, total), rng.integers(30, 200, total))
    close = created + pd.to_timedelta(span, unit="D")
    close = pd.DatetimeIndex(np.where(closed & (close > END), END, close))
    basis = np.where(prospect[cust], 60_000.0, annual_sales[cust])
    amount = np.maximum(5_000, np.round(basis * rng.uniform(0.05, 0.4, total), -3))
    product = rng.integers(0, len(PRODUCTS), total)
    label = np.where(
        rng.random(total) < 0.5,
        [f"{PRODUCTS[i].name}" for i in product],
        [f"{PRODUCTS[i].category}年度供货" for i in product],
    )
    notes = [
        OPPORTUNITY_NOTES[n].format(competitor=COMPETITOR_BRANDS[c]) or None
        for n, c in zip(rng.integers(0, len(OPPORTUNITY_NOTES), total), rng.integers(0, len(COMPETITOR_BRANDS), total))
    ]
    frame = pd.DataFrame(
        {
            "opportunity_id": None,
            "customer_id": profiles["customer_id"].to_numpy()[cust],
            "product": label.astype(object),
            "stage": np.array(STAGES, dtype=object)[stage],
            "expected_amount": amount,
            "probability": np.array(STAGE_PROBABILITY)[stage],
            "expected_close": close,
            "rep": profiles["rep"].to_numpy()[cust],
            "created": created,
            "notes": notes,
            "next_action": None,
        }
    )
    frame["weighted_amount"] = (frame["expected_amount"] * frame["probability"]).round(2)
    frame = frame.sort_values(["created", "customer_id"], kind="stable").reset_index(drop=True)
    frame["opportunity_id"] = [f"JH{i + 1:05d}" for i in range(len(frame))]
    return frame


def make_competitor_notes(rng: np.random.Generator, profiles: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Each rep's monthly report: one to three competitor sightings in the cities the rep covers."""
    month_ends = pd.date_range(DAYS[0], DAYS[-1], freq="ME")
    rows = []
    for rep in reps["rep"]:
        cities = profiles.loc[profiles["rep"] == rep, "city"].drop_duplicates().to_numpy()
        if len(cities) == 0:
            continue
        per_month = 1 + rng.binomial(2, 0.35, len(month_ends))
        months = np.repeat(month_ends, per_month)
        rows.append(
            pd.DataFrame({"date": months, "city": cities[rng.integers(0, len(cities), len(months))], "rep": rep})
        )
    frame = pd.concat(rows, ignore_index=True)
    total = len(frame)
    product = rng.integers(0, len(PRODUCTS), total)
    level = pd.Series(frame["date"].dt.year).map(PRICE_LEVEL).to_numpy()
    ours = np.array([PRODUCTS[i].price for i in product]) * level
    price = np.round(ours * rng.uniform(0.85, 1.18, total) / 5) * 5
    gap = (price / ours - 1) * 100
    brands = np.array(COMPETITOR_BRANDS, dtype=object)[rng.integers(0, len(COMPETITOR_BRANDS), total)]
    promotion = np.array(PROMOTIONS, dtype=object)[rng.integers(0, len(PROMOTIONS), total)]
    frame["competitor"] = brands
    frame["category"] = [PRODUCTS[i].category for i in product]
    frame["product"] = [f"{b} {PRODUCTS[i].name}" for b, i in zip(brands, product)]
    frame["price"] = price
    frame["promotion"] = pd.Series(promotion).replace("", None)
    frame["our_response"] = np.array(RESPONSES, dtype=object)[rng.integers(0, len(RESPONSES), total)]
    frame["notes"] = [f"比我方价格{'低' if g < 0 else '高'}{abs(g):.0f}%" for g in gap]
    columns = [
        "date",
        "city",
        "competitor",
        "category",
        "product",
        "price",
        "promotion",
        "our_response",
        "notes",
        "rep",
    ]
    return frame.sort_values(["date", "city", "rep"], kind="stable")[columns].reset_index(drop=True)
