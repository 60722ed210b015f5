"""Demo customers: archive fields plus the hidden traits (size, life cycle, paying habit) that drive the data."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from keyacct_xl.demo import geo, names
from keyacct_xl.demo.calendar import DAYS, END, START

NATURES = ("私营企业", "国有企业", "合资企业", "外资企业", "其他")
NATURE_P = (0.72, 0.10, 0.07, 0.06, 0.05)
OUTLETS = ("批发店", "零售商", "代理店", "特约店", "连锁店", "专营店")
OUTLET_P = (0.30, 0.25, 0.15, 0.12, 0.08, 0.10)
LOCATIONS = ("商业中心店", "交通枢纽店", "居民区店", "其他")
LOCATION_P = (0.25, 0.30, 0.20, 0.25)
TERMS = (0, 30, 45, 60, 90)
# Payment terms by size tercile: small customers mostly pay cash or monthly, big ones get longer terms.
TERMS_P = ((0.35, 0.40, 0.10, 0.10, 0.05), (0.10, 0.40, 0.20, 0.20, 0.10), (0.02, 0.25, 0.25, 0.30, 0.18))
# Reps per region: East China is the home market.
REPS_PER_REGION = {"华东": 3, "华南": 2, "华北": 1, "华中": 1, "西南": 1, "西北": 1, "东北": 1}
SIZE_SIGMA = 1.5
NEW_MONTHS = 6


def _sizes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Customer sizes, lognormal drawn by strata (one quantile slice each) so the Pareto shape holds for any seed."""
    quantiles = (rng.permutation(count) + rng.random(count)) / count
    normal = NormalDist()
    return np.exp(SIZE_SIGMA * np.array([normal.inv_cdf(q) for q in quantiles]))


def make_reps(rng: np.random.Generator) -> pd.DataFrame:
    """The sales reps (Chinese names, unique) and the region each covers."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for region, count in REPS_PER_REGION.items():
        while count:
            name = names.person_names(rng, 1)[0][0]
            if len(name) == 3 and name not in seen:  # three-character names read as full names on forms
                seen.add(name)
                rows.append((name, region))
                count -= 1
    return pd.DataFrame(rows, columns=["rep", "region"])


def _lifecycle(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer: life-cycle label, first and last day index of buying within the window."""
    stage = rng.choice(np.array(["existing", "joined", "new", "prospect"]), count, p=(0.77, 0.14, 0.06, 0.03))
    last_day = len(DAYS) - 1
    new_from = int((END - pd.DateOffset(months=NEW_MONTHS) - START).days) + 1
    first = np.where(stage == "joined", rng.integers(30, new_from - 60, count), 0)
    first = np.where(stage == "new", rng.integers(new_from, last_day - 14, count), first)
    last = np.full(count, last_day)
    # Lapsed: stopped buying 6-18 months before the end of the window.
    lapsed = (stage == "existing") & (rng.random(count) < 0.10)
    lapsed |= (stage == "joined") & (rng.random(count) < 0.08)
    gap = rng.integers(190, 540, count)
    lapsed &= last_day - gap >= first + 60  # at least two months of trade before they stopped
    last = np.where(lapsed, last_day - gap, last)
    return np.where(lapsed, "lapsed", stage), first, last


def _payers(rng: np.random.Generator, stage: np.ndarray) -> np.ndarray:
    """Paying habit: most pay around terms, some chronically late, a few lapsed ones default."""
    habit = np.where(rng.random(len(stage)) < 0.05, "late", "normal")
    bad = (stage == "lapsed") & (rng.random(len(stage)) < 0.20)
    return np.where(bad, "bad", habit)


def make_profiles(rng: np.random.Generator, count: int, reps: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: archive fields that do not depend on sales, and the hidden traits."""
    city_idx = rng.choice(len(geo.CITIES), count, p=geo.city_weights())
    industry_idx = rng.choice(len(names.INDUSTRIES), count, p=names.industry_weights())
    full, short, scope = names.company_names(rng, city_idx, industry_idx)
    address, district = geo.addresses(rng, city_idx)
    stage, first, last = _lifecycle(rng, count)
    size = _sizes(rng, count)
    rank = pd.Series(size).rank(pct=True).to_numpy()
    tercile = np.searchsorted(np.quantile(size, [1 / 3, 2 / 3]), size)
    cumulative = np.cumsum(np.array(TERMS_P)[tercile], axis=1)
    terms = np.array(TERMS)[np.minimum((cumulative < rng.random(count)[:, None]).sum(axis=1), len(TERMS) - 1)]
    region = np.array([geo.CITIES[i].region for i in city_idx])
    industries = [names.INDUSTRIES[i] for i in industry_idx]
    trade = np.array([i.trade_customer for i in industries])
    owners, owner_pinyin = names.person_names(rng, count)
    founded = pd.Timestamp("1992-01-01") + pd.to_timedelta(rng.integers(0, 365 * 30, count), unit="D")
    since = pd.Timestamp("2008-01-01") + pd.to_timedelta(
        rng.integers(0, (START - pd.Timestamp("2008-01-01")).days, count), unit="D"
    )
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i + 1:04d}" for i in range(count)],
            "name": full,
            "short_name": short,
            "region": region,
            "city": [geo.CITIES[i].name for i in city_idx],
            "city_idx": city_idx,
            "district": district,
            "address": address,
            "industry": [i.name for i in industries],
            "business_scope": scope,
            "enterprise_nature": rng.choice(NATURES, count, p=NATURE_P),
            "outlet_type": np.where(trade, rng.choice(OUTLETS, count, p=OUTLET_P), None),
            "location_type": np.where(trade, rng.choice(LOCATIONS, count, p=LOCATION_P), "其他"),
            "rep": _assign_reps(rng, region, reps),
            "phone": geo.landlines(rng, city_idx),
            "fax": np.where(rng.random(count) < 0.35, geo.landlines(rng, city_idx), None),
            "owner": owners,
            "owner_pinyin": owner_pinyin,
            "legal_rep": np.where(rng.random(count) < 0.8, owners, names.person_names(rng, count)[0]),
            "tax_id": geo.tax_ids(rng, city_idx),
            "staff_count": np.round(np.clip(rng.lognormal(3.3, 1.0, count) * np.sqrt(size), 3, 5000)).astype(int),
            # 当地影响力 1-5, a manual judgement that mostly follows size.
            "influence": np.clip(np.round(1 + 4 * rank + rng.normal(0, 0.7, count)), 1, 5).astype(int),
            "stage": stage,
            "first_day": first,
            "last_day": last,
            "size": size,
            "terms": terms,
            "payer": _payers(rng, stage),
            "discount": np.clip(0.02 * np.log1p(size) + rng.normal(0, 0.01, count), 0, 0.06),
            # Share of receipts that do not quote the invoice: a fifth of customers seldom do, the rest now and then.
            "blank_ref": np.where(rng.random(count) < 0.2, 0.75, 0.19),
            "since": since,
        }
    )
    # Founded before the first trade; the company existed before it bought from us.
    frame["founded"] = pd.Series(founded).where(pd.Series(founded) < since, since - pd.Timedelta(days=400))
    return frame


def _assign_reps(rng: np.random.Generator, region: np.ndarray, reps: pd.DataFrame) -> np.ndarray:
    """Mostly a rep of the customer's own region; about one account in twelve is looked after from elsewhere."""
    everyone = reps["rep"].to_numpy(dtype=object)
    draw = rng.random(len(region))
    out = everyone[(draw * len(everyone)).astype(int)]
    home = rng.random(len(region)) >= 0.08
    for reg, pool in reps.groupby("region", sort=False)["rep"]:
        mine = home & (region == reg)
        out[mine] = pool.to_numpy(dtype=object)[(draw[mine] * len(pool)).astype(int)]
    return out


def route_sequence(profiles: pd.DataFrame) -> np.ndarray:
    """客户路序: numbered within each city, district by district, so a round trip visits neighbours in turn."""
    order = profiles.sort_values(["city", "district", "address"], kind="stable")
    seq = order.groupby("city", sort=False).cumcount() + 1
    return seq.reindex(profiles.index).to_numpy()
