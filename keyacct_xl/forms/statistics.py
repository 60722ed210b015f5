"""The pre-filled statistics forms: key-account sales, SKU listings, the regional SKU matrix, risky customers, the
funnel, the grade table and the credit evaluation, each computed from the master for a month or a week (and rep,
city, customer).

``statistics_rows`` gives a form's header values and table rows; ``keyacct_xl.forms.prefill.prefill`` calls it for
the forms in ``STATISTICS_FORMS``. The catalogue, the listings, the monthly plans' customer lines and the complaints
are tables a master may lack (``statistics_tables`` reads them, empty when absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from keyacct_xl.analytics.composition import complaint_months, risky_customers
from keyacct_xl.analytics.metrics import annual_sales
from keyacct_xl.analytics.products import city_sku_matrix, ka_sales_stats, key_customers, sku_listing_stats
from keyacct_xl.followup.policy import master_policy
from keyacct_xl.forms.catalog import at_closing_stage
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.master.followthrough import COMPLAINTS
from keyacct_xl.master.model import Master, empty_frame
from keyacct_xl.master.products import listings_with_sales, load_optional_tables
from keyacct_xl.master.schema import LISTINGS, PRODUCTS
from keyacct_xl.master.submissions import OWN_TABLES
from keyacct_xl.messages import msg
from keyacct_xl.receivables.ledger import Ledger
from keyacct_xl.receivables.master_lines import master_ledger

PLAN_ACCOUNTS = OWN_TABLES["MonthlyPlanAccounts"]
STATISTICS_TABLES = (PRODUCTS, LISTINGS, PLAN_ACCOUNTS, COMPLAINTS)
STATISTICS_FORMS = frozenset(
    {
        "ka_sales_stats",
        "sku_listing",
        "region_sku_listing",
        "risky_customers",
        "sales_funnel",
        "grade_table",
        "credit_evaluation",
    }
)
NO_TARGET = msg("no monthly target")
RISK_FLAGS = ("sales_drop", "overdue", "silent", "complaints")  # two or more make a customer's risk high
TRAILING_YEAR = pd.DateOffset(years=1)


@dataclass(frozen=True)
class Scope:
    """What a statistics form covers: the period's first and last day, whether it is a month (targets are
    monthly), and optionally a rep, city and customer."""

    first: pd.Timestamp
    last: pd.Timestamp
    month: bool
    rep: str | None = None
    city: str | None = None
    customer: str | None = None


def statistics_tables(master: Master) -> dict[str, pd.DataFrame]:
    """Products, Listings, MonthlyPlanAccounts and Complaints of ``master``'s file by table name; empty without a
    file."""
    if master.path is None or not master.path.exists():
        return {s.name: empty_frame(s) for s in STATISTICS_TABLES}
    return load_optional_tables(master.path, STATISTICS_TABLES)


def _cell(value: Any) -> object:
    """A frame's cell as the generator writes it: blanks as None, timestamps as datetimes."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The frame's rows as dicts of cells."""
    return [{str(k): _cell(v) for k, v in row.items()} for row in frame.to_dict("records")]


def statistics_rows(
    spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope
) -> tuple[dict[str, object], dict[str, list[dict[str, object]]]]:
    """The header values and table rows of the statistics form ``spec`` for ``scope``."""
    fill = _FILLERS[spec.id]
    return fill(spec, master, tables, scope)


def _key_grades(master: Master) -> tuple[str, ...]:
    return master_policy(master.settings).quarterly_face_to_face


def _listings(master: Master, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The listings held plus those the sales imply."""
    return listings_with_sales(master.transactions, tables[PRODUCTS.name], tables[LISTINGS.name], lang=master.lang)


def _ka_sales(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    chosen = key_customers(master.customers, _key_grades(master), city=scope.city, rep=scope.rep)
    stats = ka_sales_stats(
        chosen,
        master.transactions,
        tables[PRODUCTS.name],
        tables[PLAN_ACCOUNTS.name],
        first=scope.first,
        last=scope.last,
    )
    rows = _records(stats)
    for row in rows:
        if not scope.month:  # the plans give a month's target: a week's figures stand without one
            row["target"] = row["achievement"] = None
        elif row["achievement"] is None:
            row["achievement"] = NO_TARGET.render(master.lang)
    header = {"city": scope.city} if scope.city else {}
    return header, {"customers": rows}


def _scope_ids(master: Master, scope: Scope) -> list[str]:
    """The customers a SKU statistic counts: the rep's (or everyone's), of the city when one is given."""
    customers = master.customers
    for column, value in (("rep", scope.rep), ("city", scope.city)):
        if value:
            customers = customers[(customers[column].astype("string").str.strip() == value).fillna(False)]
    return customers["customer_id"].astype(str).str.strip().tolist()


def _sku_listing(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    stats = sku_listing_stats(
        _scope_ids(master, scope),
        master.transactions,
        tables[PRODUCTS.name],
        _listings(master, tables),
        first=scope.first,
        last=scope.last,
    )
    header = {"month_sales": round(float(stats["sales"].sum()), 2), **_one_region(_own(master, scope))}
    return header, {"skus": _records(stats)}


def _region_matrix(
    spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope
) -> tuple[dict, dict]:
    chosen = key_customers(master.customers, _key_grades(master), city=scope.city, rep=scope.rep)
    products, listings = tables[PRODUCTS.name], _listings(master, tables)
    matrix = city_sku_matrix(chosen, master.transactions, products, listings, first=scope.first, last=scope.last)
    header = {"month_sales": round(float(matrix["sales"].sum()), 2), **_one_region(chosen)}
    return header, {"matrix": _records(matrix)}


def _one_region(customers: pd.DataFrame) -> dict[str, object]:
    """The scope's region when its customers are all in one."""
    regions = customers["region"].dropna().unique()
    return {"region": str(regions[0])} if len(regions) == 1 else {}


def _own(master: Master, scope: Scope) -> pd.DataFrame:
    customers = master.customers
    if scope.rep:
        customers = customers[(customers["rep"].astype("string").str.strip() == scope.rep).fillna(False)]
    if scope.city:
        customers = customers[(customers["city"].astype("string").str.strip() == scope.city).fillna(False)]
    return customers


def _overdue(ledger: Ledger) -> pd.DataFrame:
    """Per customer at the ledger's date: receivable balance, the open amount past its due date and the longest
    days late of an invoice still open."""
    inv = ledger.invoices
    past_due = inv[(inv["open_amount"] > 0.005) & (inv["due_date"] < ledger.as_of)]
    return pd.DataFrame(
        {
            "receivable": ledger.balance(),
            "overdue": past_due.groupby("customer_id")["open_amount"].sum().round(2),
            "max_days_overdue": past_due.groupby("customer_id")["days_late"].max(),
        }
    )


def _risky(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    own = _own(master, scope)
    ledger = master_ledger(master, as_of=scope.last)
    risky = risky_customers(
        master.transactions,
        own,
        ledger,
        year=scope.last.year,
        complaints=tables[COMPLAINTS.name],
        complaint_months=complaint_months(master.settings),
        lang=master.lang,
        as_of=scope.last,
    )
    money = _overdue(ledger)
    info = master.customers.set_index(master.customers["customer_id"].astype(str))
    rows = []
    for r in risky.to_dict("records"):
        cid = str(r["customer_id"])
        rows.append(
            {
                "customer_id": cid,
                "customer_name": r["name"],
                "grade": _blank(info.at[cid, "grade"]),
                "credit_grade": _blank(info.at[cid, "credit_grade"]),
                "risk_type": "Arrears" if r["overdue"] else "Churn",
                "receivable": _number(money["receivable"].get(cid)),
                "overdue": _number(money["overdue"].get(cid)),
                "days_since_order": None if pd.isna(r["days_since_purchase"]) else int(r["days_since_purchase"]),
                "risk_level": "High" if sum(bool(r[k]) for k in RISK_FLAGS) > 1 else "Medium",
                "signs": r["risks"],
                "owner": _blank(r["rep"]),
            }
        )
    return {}, {"customers": rows}


def _blank(value: Any) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def _funnel(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    opps = master.opportunities
    if scope.rep:
        opps = opps[(opps["rep"].astype("string").str.strip() == scope.rep).fillna(False)]
    opps = opps[~at_closing_stage(opps["stage"]).to_numpy()]
    opps = opps.sort_values(["expected_close", "opportunity_id"], na_position="last", kind="stable")
    names = dict(zip(master.customers["customer_id"].astype(str), master.customers["name"]))
    rows = []
    for r in _records(opps):
        rows.append(
            {
                "opportunity_id": r["opportunity_id"],
                "customer_id": r["customer_id"],
                "customer_name": names.get(str(r["customer_id"])),
                "product": r["product"],
                "stage": r["stage"],
                "expected_amount": r["expected_amount"],
                "probability": r["probability"],
                "expected_close": r["expected_close"],
                "next_action": r["next_action"],
                "notes": r["notes"],
            }
        )
    return {}, {"opportunities": rows}


def _grades(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    years = master.grade_history["year"].dropna()
    years = years[years <= scope.last.year]
    if years.empty:
        return {}, {}
    year = int(years.max())  # the latest grading: the year-end review of the period's year or the one before
    history = master.grade_history[master.grade_history["year"] == year]
    own = set(_own(master, scope)["customer_id"].astype(str))
    history = history[history["customer_id"].astype(str).isin(own)]
    tx = master.transactions
    sales = annual_sales(tx, year=year)  # the review's figure
    sales = sales.groupby(sales.index.astype(str)).sum()
    names = dict(zip(master.customers["customer_id"].astype(str), master.customers["name"]))
    rows = []
    for r in _records(history.sort_values("customer_id", kind="stable")):
        cid = str(r["customer_id"])
        rows.append(
            {
                "customer_id": cid,
                "customer_name": names.get(cid),
                "annual_sales": round(float(sales.get(cid, 0.0)), 2),
                **{k: r[k] for k in ("grade_before", "grade_after", "credit_before", "credit_after", "reason")},
            }
        )
    return {"year": year}, {"grades": rows}


def _credit(spec: FormSpec, master: Master, tables: Mapping[str, pd.DataFrame], scope: Scope) -> tuple[dict, dict]:
    if not scope.customer:
        return {}, {}  # one customer's form: without one there is nothing to evaluate
    tx = master.transactions
    mine = tx[tx["customer_id"].astype(str) == scope.customer]
    window = (mine["date"] > scope.last - TRAILING_YEAR) & (mine["date"] < scope.last + pd.Timedelta(days=1))
    money = _overdue(master_ledger(master, as_of=scope.last))
    return (
        {
            "annual_sales": round(float(mine.loc[window, "amount"].sum()), 2),
            "overdue_amount": _number(money["overdue"].get(scope.customer)) or 0.0,
            "max_overdue_days": int(_number(money["max_days_overdue"].get(scope.customer)) or 0),
        },
        {},
    )


_FILLERS = {
    "ka_sales_stats": _ka_sales,
    "sku_listing": _sku_listing,
    "region_sku_listing": _region_matrix,
    "risky_customers": _risky,
    "sales_funnel": _funnel,
    "grade_table": _grades,
    "credit_evaluation": _credit,
}
