"""The demo company: a Shanghai lubricant distributor's key-account book, three years ending 2026-10-31.

``generate_demo`` is deterministic: everything is drawn from one numpy Generator seeded with ``seed``;
no wall clock, no hash order. Figures it guarantees are listed in docs/demo.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo import activity, grading, market, receipts, sales
from keyacct_xl.demo import customers as accounts
from keyacct_xl.demo.calendar import DAYS, END, day_weights
from keyacct_xl.demo.catalog import COMPANY_NAME
from keyacct_xl.demo.labels import translate_codes
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.schema import DATA_TABLES, TableSchema
from keyacct_xl.master.settings import Settings, settings_from
from keyacct_xl.messages import msg

MIN_CUSTOMERS = 20
MAX_CUSTOMERS = 9_000  # about 100 sales lines each: Transactions stays within Excel's 1,048,576 rows
SALES_MANAGER = "周建国"
SPECIAL_POLICIES = (
    "年度返利2%",
    "季度返利1%（季度销售额满30万元）",
    "账期特批60天",
    "承兑汇票结算",
    "液压油系列九五折专供价",
    "免费送货上门",
    "节日促销支持",
    "免费油品检测",
    "年度协议价锁定",
)
NOTES = (
    "月结客户，每月25日对账",
    "需开增值税专用发票",
    "送货需提前一天预约",
    "仓库在厂区东门",
    "老板常驻外地，找采购经理",
)


def generate_demo(*, seed: int = 2026, customers: int = 600, lang: Lang = "zh") -> Master:
    """A complete demo master: customers, contacts, sales, payments, visits, opportunities, competitors, grades."""
    if seed < 0:
        raise InputError(msg("--seed must be 0 or more, not {seed}", seed=seed))
    if not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise InputError(
            msg(
                "--customers must be between {low} and {high:,}, not {customers}",
                low=MIN_CUSTOMERS,
                high=MAX_CUSTOMERS,
                customers=customers,
            )
        )
    rng = np.random.default_rng(seed)
    reps = accounts.make_reps(rng)
    profiles = accounts.make_profiles(rng, customers, reps)
    transactions, invoices = sales.make_sales(rng, profiles)
    payments = receipts.make_payments(rng, invoices, profiles)
    settings = settings_from({"company_name": COMPANY_NAME})
    table, history = _customer_table(rng, profiles, transactions, settings)
    key = np.isin(table["grade"].to_numpy(), ("VIP", "A"))
    contacts = activity.make_contacts(rng, profiles, key)
    visits = activity.make_visits(rng, profiles, table["grade"].to_numpy(), contacts, day_weights())
    recent = _trailing_sales(transactions, profiles["customer_id"])
    frames = {
        "customers": table,
        "contacts": contacts,
        "transactions": transactions,
        "payments": payments,
        "visits": visits,
        "opportunities": market.make_opportunities(rng, profiles, recent),
        "competitors": market.make_competitor_notes(rng, profiles, reps),
        "grade_history": history,
    }
    master = Master.empty(lang=lang, settings=settings)
    for schema in DATA_TABLES:
        setattr(master, schema.attr, conform(frames[schema.attr], schema))
    if lang == "en":
        translate_codes(master)
    return master


def _trailing_sales(transactions: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Each customer's net sales in the twelve months ending 2026-10-31."""
    recent = transactions[transactions["date"] > END - pd.DateOffset(years=1)]
    return recent.groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0.0).to_numpy()


def _customer_table(
    rng: np.random.Generator, profiles: pd.DataFrame, transactions: pd.DataFrame, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Customers table (grades from the year-end gradings) and the GradeHistory table."""
    ids = profiles["customer_id"]
    first_sale = transactions.groupby("customer_id")["date"].min().reindex(ids).to_numpy()
    prospect = (profiles["stage"] == "prospect").to_numpy()
    long_standing = (profiles["first_day"] == 0).to_numpy() & ~prospect
    first_trade = pd.Series(np.where(long_standing, profiles["since"].to_numpy(), first_sale), index=ids.index)
    first_trade = pd.to_datetime(first_trade)
    stop = DAYS[profiles["last_day"].to_numpy()] - pd.Timedelta(days=receipts.DEFAULT_DAYS)
    history, current = grading.grade_years(rng, profiles, transactions, first_trade, stop, settings, SALES_MANAGER)
    payer = profiles["payer"].to_numpy()
    # Defaulters are C whenever they defaulted; prospects have not been assessed yet (blank, no credit line).
    credit = np.select([payer == "bad", prospect], ["C", None], current["credit_grade"]).astype(object)
    recent = _trailing_sales(transactions, ids)
    monthly = np.maximum(recent, grading.yearly_sales(transactions, ids, 2025)) / 12
    terms = profiles["terms"].to_numpy()
    grade = current["grade"]
    policy_odds = np.where(np.isin(grade, ("VIP", "A")), 0.4, 0.05)
    table = pd.DataFrame(
        {
            **{k: profiles[k] for k in ("customer_id", "name", "short_name", "region", "city", "address")},
            "route_seq": accounts.route_sequence(profiles),
            **{k: profiles[k] for k in ("industry", "enterprise_nature", "outlet_type", "location_type")},
            "category": grading.categories(grade, prospect),
            "grade": grade,
            "credit_grade": credit,
            "credit_limit": grading.credit_limits(credit, terms, monthly),
            "payment_terms_days": terms,
            "first_trade_date": first_trade,
            "rep": profiles["rep"],
            "influence": profiles["influence"],
            "special_policy": _choose_where(rng, SPECIAL_POLICIES, rng.random(len(ids)) < policy_odds),
            **{
                k: profiles[k]
                for k in ("phone", "fax", "owner", "legal_rep", "tax_id", "founded", "staff_count", "business_scope")
            },
            "notes": _notes(rng, profiles),
        }
    )
    # The customers with hand-approved terms keep them through grade apply and credit apply (no draw: the demo's
    # random stream stays as it was).
    table["credit_override"] = pd.Series("销售经理特批账期", index=table.index).where(
        table["special_policy"] == "账期特批60天"
    )
    # No plans yet: the first review meeting the demo runs sets them for its A and B customers.
    table["upgrade_plan"] = None
    table["support_plan"] = None
    # The 2024 and 2025 reviews were recorded before limits and terms were: those history cells are blank.
    history = history.assign(limit_before=np.nan, limit_after=np.nan, terms_before=np.nan, terms_after=np.nan)
    return table, history


def _choose_where(rng: np.random.Generator, options: tuple[str, ...], mask: np.ndarray) -> np.ndarray:
    picks = np.array(options, dtype=object)[rng.integers(0, len(options), len(mask))]
    return np.where(mask, picks, None)


def _notes(rng: np.random.Generator, profiles: pd.DataFrame) -> np.ndarray:
    """Free-text notes: what a rep writes about defaulted, lapsed and new customers, and a few others."""
    stage, payer = profiles["stage"].to_numpy(), profiles["payer"].to_numpy()
    general = _choose_where(rng, NOTES, rng.random(len(stage)) < 0.12)
    return np.select(
        [payer == "bad", stage == "lapsed", stage == "new", stage == "prospect"],
        [
            "货款长期逾期，已停止供货，转法务催收",
            "近半年以上未进货，疑转向竞品，需回访",
            "新开发客户，观察期六个月",
            "潜在客户，尚未成交",
        ],
        general,
    ).astype(object)


def conform(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, in order, each in its kind's dtype (blank text as None).

    A schema column the generator did not make is a KeyError, never a silently empty column.
    """
    out = {}
    for column in schema.columns:
        values = frame[column.key].reset_index(drop=True)
        if column.kind == "text":
            values = values.astype(object).where(values.notna(), None)
        else:
            values = values.astype(dtype_for(column.kind))
        out[column.key] = values
    return pd.DataFrame(out)
