"""Figures month by month for the general manager's pack: sales, customers gained and lost, receivables.

Definitions (docs/briefing.md):
- a purchase is a Transactions line with a positive amount; sales are net (returns reduce them);
- a customer is *active* at a month's end when it bought in that month or the ``lost_months`` - 1 months before
  it (twelve calendar months by default); it is *lost* in the month it stops being active (its last purchase was
  ``lost_months`` months before), *new* in the month of its first purchase ever, *reactivated* in a month it buys
  in after having been lost. So active(m) = active(m-1) + new(m) + reactivated(m) - lost(m), always. In the data's
  first month every buyer's purchase is its first in the data, old customer or new: a buyer is new there when its
  首次交易日期 (first_trade_date) falls in that month or later, and the month has no count when a buyer's is blank;
- *recent buyers* bought in the 30 days that end on the month's last day;
- receivables at a month's end replay nothing again: the ledger of the report's month is cut at each earlier month
  end (what was invoiced and paid by then, and what the payments and credit notes had settled by then), which is
  what a ledger built at that day holds, because the replay runs in date order; a month-end before the ledger's
  first invoice or payment has no figure (nothing recorded, not nothing owed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from keyacct_xl.receivables.ageing import available_credit, over_limit
from keyacct_xl.receivables.ledger import Ledger

TREND_COLUMNS = [
    "month",
    "sales",
    "sales_last_year",
    "buyers",
    "recent_buyers",
    "active_customers",
    "new_customers",
    "reactivated",
    "lost",
]
RECEIVABLE_COLUMNS = ["month", "balance", "overdue", "overdue_share", "over_limit"]
LOST_MONTHS = 12  # the default of Settings lost_customer_months
RECENT_DAYS = 30


def month_number(dates: pd.Series) -> np.ndarray:
    """Months since year 0 (2026-10 is 2026 * 12 + 9), so month arithmetic is integer arithmetic."""
    return (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype="int64")


def month_text(number: int) -> str:
    """``2026-10`` for a month number."""
    return f"{number // 12}-{number % 12 + 1:02d}"


def month_end(number: int) -> pd.Timestamp:
    """The last day of a month number."""
    return pd.Period(month_text(number), freq="M").end_time.normalize()


def monthly_trend(
    transactions: pd.DataFrame,
    *,
    last: pd.Period,
    months: int = 24,
    lost_months: int = LOST_MONTHS,
    recent_days: int = RECENT_DAYS,
    first_trades: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per month (TREND_COLUMNS), the ``months`` months up to ``last``, oldest first; ``first_trades``, the
    customers' first_trade_date by id, tells the new customers of the data's first month."""
    dated = transactions[transactions["date"].notna() & (transactions["date"] <= last.end_time)]
    number = month_number(dated["date"])
    last_no = last.year * 12 + last.month - 1
    first_no = last_no - months + 1
    amounts = dated["amount"].to_numpy(dtype="float64")
    span = np.arange(first_no - 12, last_no + 1)
    sales = pd.Series(amounts).groupby(number).sum().reindex(span, fill_value=0.0)
    bought = amounts > 0
    codes, ids = pd.factorize(dated["customer_id"].astype(str).str.strip().to_numpy()[bought])
    bought_month = number[bought]
    # Every customer's first purchase month over all the data; a matrix of the months the report needs.
    first_month = pd.Series(bought_month).groupby(codes).min().to_numpy() if len(codes) else np.zeros(0, "int64")
    low = first_no - lost_months
    inside = bought_month >= low
    grid = np.zeros((len(first_month), last_no - low + 1), dtype=bool)
    grid[codes[inside], bought_month[inside] - low] = True
    running = np.concatenate([np.zeros((len(first_month), 1), dtype="int64"), np.cumsum(grid, axis=1)], axis=1)

    def active(no: int) -> np.ndarray:
        return (running[:, no - low + 1] - running[:, no - lost_months + 1 - low]) > 0

    days = dated["date"].to_numpy(dtype="datetime64[D]")[bought]
    started = first_data_month(transactions)
    traded = _first_trades(first_trades, ids)
    rows = []
    for no in range(first_no, last_no + 1):
        now, before = active(no), active(no - 1)
        in_month = grid[:, no - low]
        end = np.datetime64(month_end(no).date(), "D")
        recent = (days <= end) & (days > end - np.timedelta64(recent_days, "D"))
        rows.append(
            {
                "month": month_text(no),
                "sales": float(sales[no]),
                "sales_last_year": float(sales[no - 12]),
                "buyers": int(in_month.sum()),
                "recent_buyers": int(np.unique(codes[recent]).size),
                "active_customers": int(now.sum()),
                "new_customers": (
                    _new_in_first_month(traded[in_month], no) if no == started else int((first_month == no).sum())
                ),
                "reactivated": int((in_month & ~before & (first_month < no)).sum()),
                "lost": int((before & ~now).sum()),
            }
        )
    trend = pd.DataFrame(rows, columns=TREND_COLUMNS)
    return _blank_before(trend, np.arange(first_no, last_no + 1), started)


def _first_trades(first_trades: pd.Series | None, ids: pd.Index | np.ndarray) -> np.ndarray:
    """Each customer's first_trade_date (``first_trades`` by id) in the order of ``ids``; NaT when blank."""
    if first_trades is None:
        return np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[D]")
    known = pd.to_datetime(first_trades, errors="coerce")
    known.index = known.index.astype(str).str.strip()
    known = known[~known.index.duplicated()]
    return known.reindex(pd.Index(ids)).to_numpy(dtype="datetime64[D]")


def _new_in_first_month(first_trades: np.ndarray, no: int) -> float:
    """The new customers among the buyers of the data's first month (month number ``no``) by their first trade dates:
    none is known when one of them is blank."""
    if np.isnat(first_trades).any():
        return np.nan
    start = np.datetime64(pd.Period(month_text(no), freq="M").start_time.date(), "D")
    return float((first_trades >= start).sum())


def first_data_month(transactions: pd.DataFrame) -> int | None:
    """The month number of the first dated sale: the data begin there (None without a dated sale)."""
    dates = transactions["date"].dropna()
    return int(month_number(dates).min()) if len(dates) else None


def _blank_before(trend: pd.DataFrame, numbers: np.ndarray, first: int | None) -> pd.DataFrame:
    """``trend`` (its months numbered ``numbers``) with no figure for a month before the data begin (``first``), nor
    a year-earlier one: a chart draws no point there, and a reader does not take 0 for no sales."""
    figures = [c for c in TREND_COLUMNS if c != "month"]
    trend = trend.astype(dict.fromkeys(figures, "float64"))
    if first is not None:
        trend.loc[numbers < first, figures] = np.nan
        trend.loc[numbers - 12 < first, "sales_last_year"] = np.nan
    return trend


def _positions(invoices: pd.DataFrame, applications: pd.DataFrame) -> np.ndarray:
    """The row of ``invoices`` each application settles, by (customer_id, doc_no): both parts coded without sorting
    and joined into one integer, so a million lines need no index of text pairs."""
    n = len(invoices)
    customer = pd.factorize(np.concatenate([invoices["customer_id"], applications["customer_id"]]))[0]
    doc, docs = pd.factorize(np.concatenate([invoices["doc_no"], applications["doc_no"]]))
    pair = customer.astype("int64") * (len(docs) + 1) + doc
    return pd.Index(pair[:n]).get_indexer(pd.Index(pair[n:]))


def receivables_at(
    ledger: Ledger, payments: pd.DataFrame, customers: pd.DataFrame, month_ends: Sequence[pd.Timestamp]
) -> pd.DataFrame:
    """Balance, overdue money and customers over their limit at each day of ``month_ends`` (RECEIVABLE_COLUMNS),
    read off ``ledger``, which must be built at the latest of them or later; none at a day before the ledger's first
    invoice or payment (``ledger_begins``)."""
    inv, apps = ledger.invoices, ledger.applications
    paid_by = payments["customer_id"].astype(str).str.strip().to_numpy(dtype=object)
    codes, ids = pd.factorize(np.concatenate([inv["customer_id"].to_numpy(dtype=object), paid_by]))
    invoice_of, payer_of = codes[: len(inv)], codes[len(inv) :]
    limits = customers.assign(_id=customers["customer_id"].astype(str).str.strip()).drop_duplicates("_id")
    limit = pd.to_numeric(limits.set_index("_id")["credit_limit"], errors="coerce").reindex(ids).to_numpy()
    # Each application's invoice, found once; it takes effect when both its source and the invoice exist (credit
    # held earlier settles an invoice on the invoice's own date).
    slot = _positions(inv, apps)
    issued, due = inv["date"].to_numpy(), inv["due_date"].to_numpy()
    effective = np.maximum(apps["payment_date"].to_numpy(), issued[slot])
    applied = apps["applied_amount"].to_numpy(dtype="float64")
    amount = inv["amount"].to_numpy(dtype="float64")
    received, received_on = payments["amount"].to_numpy(dtype="float64"), payments["date"].to_numpy()
    begins = ledger_begins(ledger, payments)
    rows: list[dict[str, object]] = []
    for end in month_ends:
        day = end.to_datetime64()
        if begins is None or end < begins:
            rows.append({"month": end.strftime("%Y-%m")})
            continue
        invoiced = np.bincount(invoice_of, weights=np.where(issued <= day, amount, 0.0), minlength=len(ids))
        paid = np.bincount(payer_of, weights=np.where(received_on <= day, received, 0.0), minlength=len(ids))
        balance = np.round(invoiced - paid, 2)
        settled = np.bincount(slot, weights=np.where(effective <= day, applied, 0.0), minlength=len(inv))
        past_due = (amount > 0) & (issued <= day) & (due < day)
        overdue = round(float((amount - settled)[past_due].sum()), 2) or 0.0
        total = round(float(balance.sum()), 2) or 0.0
        rows.append(
            {
                "month": end.strftime("%Y-%m"),
                "balance": total,
                "overdue": overdue,
                "overdue_share": overdue / total if total > 0 else np.nan,
                "over_limit": int(over_limit(available_credit(limit, balance)).sum()),
            }
        )
    return pd.DataFrame(rows, columns=RECEIVABLE_COLUMNS)


def ledger_begins(ledger: Ledger, payments: pd.DataFrame) -> pd.Timestamp | None:
    """The day of the ledger's first invoice, credit note or payment; None when it has none."""
    dates = pd.concat([ledger.invoices["date"], payments["date"]]).dropna()
    return pd.Timestamp(dates.min()).normalize() if len(dates) else None
