"""The customer fact sheet (一户一档): everything the master knows about one customer, on one printable sheet.

The archive fields and contacts (DOMAIN.md, "Customer archive"), three years of sales by month and product category,
the customer's share of its customer category over the last twelve months, the grade and credit history
(GradeHistory), open quotations and opportunities, the last visits, open complaints (the complaint register), the
ageing of its receivables (the ledger of its own lines) and the open actions of its account plan. A customer without
a sale gets every section, empty where it has nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from keyacct_xl.forms.catalog import at_closing_stage
from keyacct_xl.receivables.ageing import age_ledger, ageing_columns
from keyacct_xl.receivables.ledger import build_ledger

# The archive fields shown, in the order of the card; personal data (phones) is left to the contacts' own forms.
ARCHIVE_FIELDS = (
    "customer_id",
    "name",
    "short_name",
    "region",
    "city",
    "address",
    "industry",
    "enterprise_nature",
    "outlet_type",
    "category",
    "grade",
    "credit_grade",
    "credit_limit",
    "payment_terms_days",
    "first_trade_date",
    "rep",
    "owner",
    "legal_rep",
    "staff_count",
    "business_scope",
    "special_policy",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "decision_role", "relationship_level", "active", "left_date")
GRADE_FIELDS = ("year", "grade_before", "grade_after", "credit_before", "credit_after", "limit_after", "reason")
OPPORTUNITY_FIELDS = ("opportunity_id", "product", "stage", "expected_amount", "probability", "expected_close")
QUOTE_FIELDS = ("quote_no", "quote_date", "valid_until", "payment_terms", "quoted_by")
VISIT_FIELDS = ("date", "rep", "method", "purpose", "result", "next_step")
COMPLAINT_FIELDS = ("complaint_no", "received_date", "severity", "age_days", "containment", "closure")
ACTION_FIELDS = ("action", "owner", "due_date", "status")
SHARE_COLUMNS = ["category", "sales", "category_sales", "category_share", "category_rank", "category_customers"]
DONE_WORDS = frozenset(
    {"完成", "已完成", "结束", "已结束", "关闭", "已关闭", "done", "closed", "complete", "completed"}
)
VISITS_SHOWN = 10
MONTHS = 36
# The monthly table and its chart show this many product categories by name, the rest summed under "other": month,
# four categories, other and total are seven columns, as wide as the other sections, so the sheet prints one A4 wide.
TOP_CATEGORIES = 4
OTHER = "other"
OTHER_WORDS = frozenset({"other", "others", "其他", "其它"})  # a category so named is summed with the rest


@dataclass(frozen=True)
class FactSheet:
    """One customer's sheet at ``as_of``, its sales and ageing at ``through``: each section a frame with stable keys
    (empty where there is nothing)."""

    customer_id: str
    name: str
    as_of: pd.Timestamp
    through: pd.Timestamp  # as_of, or the data's last day when earlier (the sales, share and ageing are taken there)
    archive: pd.DataFrame
    contacts: pd.DataFrame
    monthly: pd.DataFrame
    category_share: pd.DataFrame
    grades: pd.DataFrame
    quotes: pd.DataFrame
    opportunities: pd.DataFrame
    visits: pd.DataFrame
    complaints: pd.DataFrame
    ageing: pd.DataFrame
    actions: pd.DataFrame

    @property
    def sales_12_months(self) -> float:
        """Net sales of the twelve months up to ``through``'s month."""
        return float(self.monthly["total"].iloc[-12:].sum())


def _ids(frame: pd.DataFrame) -> pd.Series:
    return frame["customer_id"].astype(str).str.strip()


def archive(customer: pd.Series) -> pd.DataFrame:
    """The archive's fields as two columns, field key and value, in the card's order (blank fields too)."""
    return pd.DataFrame(
        {"field": list(ARCHIVE_FIELDS), "value": [customer.get(k) for k in ARCHIVE_FIELDS]}, dtype=object
    )


def monthly_by_category(
    lines: pd.DataFrame, *, last: pd.Period, months: int = MONTHS, top: int = TOP_CATEGORIES
) -> pd.DataFrame:
    """Net sales per month (``months`` up to ``last``, oldest first) with one column per product category and the
    total; a line without a category is under "—". Past ``top`` + 1 categories, the ``top`` largest over the span
    keep their column and the rest are summed under ``OTHER``."""
    span = pd.period_range(last - months + 1, last, freq="M")
    dated = lines[(lines["date"] >= span[0].start_time) & (lines["date"] <= last.end_time)]
    month = dated["date"].dt.to_period("M").astype(str)
    category = dated["category"].astype(object).where(dated["category"].notna(), "—")
    table = (
        pd.DataFrame({"month": month, "category": category, "amount": dated["amount"].to_numpy(dtype="float64")})
        .pivot_table(index="month", columns="category", values="amount", aggfunc="sum", fill_value=0.0)
        .reindex([str(p) for p in span], fill_value=0.0)
    )
    table.columns = [str(c) for c in table.columns]
    table = largest_categories(table, top=top)
    table["total"] = table.sum(axis=1) if len(table.columns) else 0.0
    return table.rename_axis("month").reset_index().astype({"total": "float64"})


def largest_categories(table: pd.DataFrame, *, top: int) -> pd.DataFrame:
    """``table``'s ``top`` columns of the largest sum, in their order, and the other columns' sum as ``OTHER``; as
    it is when one column more than ``top`` or fewer (a column "other" of one category would only hide its name)."""
    if len(table.columns) <= top + 1:
        return table
    ranked = table[[c for c in table.columns if c.strip().lower() not in OTHER_WORDS]].sum()
    kept = set(ranked.sort_values(ascending=False, kind="stable").index[:top])
    named = [c for c in table.columns if c in kept]
    rest = [c for c in table.columns if c not in kept]
    return table[named].assign(**{OTHER: table[rest].sum(axis=1)})


def twelve_month_sales(transactions: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.Series:
    """Net sales per customer id over the twelve months up to ``as_of`` (its month and the eleven before)."""
    first = (as_of.to_period("M") - 11).start_time
    recent = transactions[(transactions["date"] >= first) & (transactions["date"] <= as_of)]
    return recent["amount"].groupby(_ids(recent)).sum()


def category_share(recent_sales: pd.Series, customers: pd.DataFrame, customer: pd.Series) -> pd.DataFrame:
    """The customer's net sales of the twelve months (``twelve_month_sales``) against its customer category's
    (客户类别): the share, its rank in the category (1 = largest) and how many customers the category has."""
    category = customer.get("category")
    peers = customers[customers["category"] == category] if pd.notna(category) else customers.iloc[0:0]
    peer_ids = pd.Index(_ids(peers).unique())
    cid = str(customer["customer_id"]).strip()
    sales = recent_sales.reindex(peer_ids.union([cid]), fill_value=0.0)
    mine, total = float(sales.get(cid, 0.0)), float(sales.reindex(peer_ids).sum())
    ranks = sales.reindex(peer_ids).rank(ascending=False, method="min")
    row = {
        "category": category if pd.notna(category) else None,
        "sales": mine,
        "category_sales": total,
        "category_share": mine / total if total > 0 else np.nan,
        "category_rank": int(ranks.get(cid)) if cid in ranks.index and pd.notna(category) else None,
        "category_customers": len(peer_ids),
    }
    return pd.DataFrame([row], columns=SHARE_COLUMNS)


class Records:
    """The rows of several tables by customer id, grouped once: a rep's fifty sheets cost one pass over the lines."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self._frames = dict(frames)
        self._rows = {name: _ids(frame).groupby(_ids(frame), sort=False).indices for name, frame in frames.items()}

    def of(self, name: str, cid: str, fields: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of table ``name`` naming customer ``cid`` (in the table's order), ``fields`` only when given."""
        frame = self._frames[name]
        rows = frame.iloc[self._rows[name].get(cid, [])]
        return (rows if fields is None else rows[list(fields)]).reset_index(drop=True)


def ageing_of(
    transactions: pd.DataFrame,
    payments: pd.DataFrame,
    customers: pd.DataFrame,
    ids: Sequence[str],
    *,
    as_of: pd.Timestamp,
    buckets: Sequence[int],
    terms_history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ageing report's rows of the customers ``ids``, from one ledger of their own lines (a customer's items
    are replayed on their own, so its row is the one the whole ledger gives); empty when none has an item.
    ``terms_history``: the master's GradeHistory, dating each invoice's terms as the ageing report does."""
    chosen = set(ids)
    lines = transactions[_ids(transactions).isin(chosen).to_numpy() & (transactions["date"] <= as_of).to_numpy()]
    paid = payments[_ids(payments).isin(chosen).to_numpy()]
    if lines.empty and paid.empty:
        return pd.DataFrame(columns=ageing_columns(buckets))
    ledger = build_ledger(lines, paid, customers, as_of=as_of, terms_history=terms_history)
    return age_ledger(ledger, customers, buckets=buckets)


def open_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Account-plan actions whose status is not done (完成, 已关闭, done ...), earliest due first."""
    status = actions["status"].astype(str).str.strip().str.lower()
    still = actions[~status.isin(DONE_WORDS).to_numpy()]
    return still.sort_values("due_date", kind="stable", na_position="last").reset_index(drop=True)


def open_quotes(quotes: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Quotations issued by ``as_of`` and still valid then (no end date: still valid)."""
    issued = quotes["quote_date"].isna() | (quotes["quote_date"] <= as_of)
    valid = quotes["valid_until"].isna() | (quotes["valid_until"] >= as_of.normalize())
    return quotes[(issued & valid).to_numpy()].reset_index(drop=True)


def open_opportunities(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Opportunities neither won nor lost: not at a closing stage (赢单, 输单), and a probability strictly between 0
    and 1 or none recorded."""
    chance = pd.to_numeric(opportunities["probability"], errors="coerce")
    closed = at_closing_stage(opportunities["stage"])
    return opportunities[((chance.isna() | ((chance > 0) & (chance < 1))) & ~closed).to_numpy()].reset_index(drop=True)


def fact_sheet(
    cid: str,
    *,
    records: Records,
    customers: pd.DataFrame,
    recent_sales: pd.Series,
    aged: pd.DataFrame,
    as_of: pd.Timestamp,
    through: pd.Timestamp | None = None,
) -> FactSheet:
    """One customer's sheet from ``records`` (Customers, Contacts, Transactions, Visits, Opportunities,
    GradeHistory, Quotations, AccountPlanActions, and Complaints as the complaint register at ``as_of``), every
    customer's ``twelve_month_sales`` and the ageing rows (``ageing_of``) of the customers written, both taken at
    ``through`` (default: ``as_of``), whose month the monthly sales end in."""
    through = as_of if through is None else through
    customer = records.of("Customers", cid).iloc[0]
    lines = records.of("Transactions", cid)
    lines = lines[lines["date"] <= through]
    seen = records.of("Visits", cid)
    seen = seen[seen["date"] <= as_of]
    register = records.of("Complaints", cid)
    still_open = register["received_date"].le(as_of) & (
        register["closed_date"].isna() | register["closed_date"].gt(as_of)
    )
    return FactSheet(
        customer_id=cid,
        name=str(customer["name"]),
        as_of=as_of,
        through=through,
        archive=archive(customer),
        contacts=records.of("Contacts", cid, CONTACT_FIELDS),
        # months past the data are left out: a month of no line read as one without a purchase
        monthly=monthly_by_category(lines, last=through.to_period("M")),
        category_share=category_share(recent_sales, customers, customer),
        grades=records.of("GradeHistory", cid, GRADE_FIELDS).sort_values("year", kind="stable").reset_index(drop=True),
        quotes=open_quotes(records.of("Quotations", cid, QUOTE_FIELDS), as_of=as_of),
        opportunities=open_opportunities(records.of("Opportunities", cid, OPPORTUNITY_FIELDS)),
        visits=seen.sort_values("date", ascending=False, kind="stable")
        .head(VISITS_SHOWN)
        .reset_index(drop=True)[list(VISIT_FIELDS)],
        complaints=register.loc[still_open.to_numpy(), list(COMPLAINT_FIELDS)].reset_index(drop=True),
        ageing=aged[(aged["customer_id"] == cid).to_numpy()].reset_index(drop=True),
        actions=open_actions(records.of("AccountPlanActions", cid, ACTION_FIELDS)),
    )
