"""The order-time credit check (赊销审批): may this customer buy this amount on credit now?

The sales manager enforces the terms of each credit grade in daily order approval (DOMAIN.md, "Credit"). Per
customer: the open balance from the receivables ledger (invoiced − paid − credit notes ± adjustments, the
master's Adjustments replayed by ``receivables.master_lines.ledger_transactions``), the available credit (limit −
balance, ``receivables.ageing.available_credit``), what is left after the order, and the overdue amount and days.
The credit grade's handling rule decides, in this order:

- over the limit after the order (by one cent or more): **refuse**, whatever the grade;
- ``prepay`` (C): cash or prepayment only: allowed only when the customer's credit (prepayment, unused credit
  notes) covers the whole order, else **refuse**;
- ``approval_when_overdue`` (B): **needs approval** while anything is overdue more than the policy's
  ``approval_overdue_days`` (30: 30 days overdue is still allowed, 31 needs approval);
- ``allow`` (A): **allow** within the limit.
A customer without a credit grade under the policy, or of a grade giving credit (A, B) without a recorded limit,
**needs approval**; a grade-C customer without a limit is decided by the prepayment rule, as C gives no credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from keyacct_xl.analytics.credit_terms import Terms
from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import tr
from keyacct_xl.receivables.ageing import available_credit
from keyacct_xl.receivables.ledger import Ledger

DECISIONS = ("allow", "approval", "refuse")
POSITION_COLUMNS = [
    "customer_id",
    "name",
    "credit_grade",
    "handling",
    "credit_limit",
    "balance",
    "available_credit",
    "overdue_amount",
    "max_days_overdue",
]


def credit_positions(customers: pd.DataFrame, ledger: Ledger, terms: dict[str, Terms]) -> pd.DataFrame:
    """One row per customer of ``customers``: its grade's handling rule, limit, open balance, available credit and
    what is overdue (open invoices past their due date at the ledger's as_of)."""
    ids = customers["customer_id"].astype(str).str.strip()
    balance = ledger.balance().reindex(ids, fill_value=0.0).to_numpy(dtype="float64")
    inv = ledger.invoices
    late = inv[(inv["open_amount"] > 0.005) & (inv["due_date"] < ledger.as_of)]
    overdue = late.groupby("customer_id").agg(amount=("open_amount", "sum"), days=("days_late", "max"))
    limit = pd.to_numeric(customers["credit_limit"], errors="coerce").to_numpy(dtype="float64")
    grade = customers["credit_grade"].astype(object).map(lambda g: g.strip().upper() if isinstance(g, str) else g)
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "name": customers["name"].astype(object).to_numpy(),
            "credit_grade": grade.to_numpy(),
            "handling": grade.map({g: t.handling for g, t in terms.items()}).astype(object).to_numpy(),
            "credit_limit": limit,
            "balance": np.round(balance, 2),
            "available_credit": available_credit(limit, balance),
            "overdue_amount": overdue["amount"].reindex(ids, fill_value=0.0).round(2).to_numpy(dtype="float64"),
            "max_days_overdue": overdue["days"].reindex(ids, fill_value=0).to_numpy(dtype="int64"),
        }
    )[POSITION_COLUMNS]


def _cents(values: np.ndarray) -> np.ndarray:
    return np.round(np.nan_to_num(values, nan=0.0) * 100).astype("int64")


def decide(
    positions: pd.DataFrame, amounts: np.ndarray, *, approval_days: int, lang: Lang, currency: Currency = CNY
) -> pd.DataFrame:
    """Each position row against the order amount beside it: available after the order, the decision (allow /
    approval / refuse) and its reason in ``lang``, amounts shown in ``currency`` (the master's book currency);
    amounts are compared in whole cents."""
    amounts = np.asarray(amounts, dtype="float64")
    after = np.round(positions["available_credit"].to_numpy(dtype="float64") - amounts, 2)
    after_cents = _cents(after)
    credit_cents = -_cents(positions["balance"].to_numpy(dtype="float64"))  # prepayment and credit held
    handling = positions["handling"].to_numpy(dtype=object)
    no_limit = positions["credit_limit"].isna().to_numpy()
    days = positions["max_days_overdue"].to_numpy(dtype="int64")
    decisions, reasons = [], []
    for i, row in enumerate(
        positions[["credit_grade", "credit_limit", "balance", "overdue_amount"]].to_dict("records")
    ):
        decision, reason = _decide_one(
            row,
            float(amounts[i]),
            float(after[i]),
            int(after_cents[i]),
            int(credit_cents[i]),
            handling[i],
            bool(no_limit[i]),
            int(days[i]),
            approval_days,
            lang,
            currency,
        )
        decisions.append(decision)
        reasons.append(reason)
    return pd.DataFrame(
        {"amount": amounts, "available_after": after, "decision": decisions, "reason": reasons}, index=positions.index
    )


def _decide_one(
    row: dict,
    amount: float,
    after: float,
    after_cents: int,
    credit_cents: int,
    handling: object,
    no_limit: bool,
    days: int,
    approval_days: int,
    lang: Lang,
    currency: Currency,
) -> tuple[str, str]:
    # Over the limit comes first, whatever the grade (none included): a grade-C customer owing more than its limit
    # is told that, not that its credit of ¥0.00 does not cover the order.
    if not no_limit and after_cents < 0:
        return "refuse", tr(
            lang,
            "over the credit limit by ¥{over:,.2f} (limit ¥{limit:,.2f}, open balance "
            "¥{balance:,.2f}, order ¥{amount:,.2f})",
            over=Money(-after, currency),
            limit=Money(row["credit_limit"], currency),
            balance=Money(row["balance"], currency),
            amount=Money(amount, currency),
        )
    if not isinstance(handling, str):
        return "approval", tr(
            lang,
            "no credit grade under the credit policy ({grade}): the sales manager decides",
            grade=row["credit_grade"] if isinstance(row["credit_grade"], str) else "—",
        )
    if no_limit and handling != "prepay":
        return "approval", tr(lang, "no credit limit recorded in Customers: the sales manager decides")
    if handling == "prepay":
        return _prepay(row, amount, credit_cents, lang, currency)
    if handling == "approval_when_overdue" and days > approval_days:
        return "approval", tr(
            lang,
            "¥{overdue:,.2f} overdue up to {days} days (more than {limit} days): needs the sales manager's approval",
            overdue=Money(row["overdue_amount"], currency),
            days=days,
            limit=approval_days,
        )
    return "allow", tr(
        lang, "within the credit limit: ¥{after:,.2f} available after this order", after=Money(after, currency)
    )


def _prepay(row: dict, amount: float, credit_cents: int, lang: Lang, currency: Currency) -> tuple[str, str]:
    """Cash or prepayment only (C): allowed when the customer's credit covers the whole order; a customer who owes
    is told what it owes, not that a credit of ¥0.00 does not cover the order."""
    if credit_cents >= round(amount * 100):
        return "allow", tr(
            lang,
            "cash or prepayment only: the customer's credit ¥{credit:,.2f} covers the order",
            credit=Money(credit_cents / 100, currency),
        )
    if credit_cents < 0:
        return "refuse", tr(
            lang,
            "cash or prepayment only (credit grade {grade}): the customer owes ¥{owed:,.2f} and holds no prepayment "
            "or credit to cover ¥{amount:,.2f}",
            grade=row["credit_grade"],
            owed=Money(-credit_cents / 100, currency),
            amount=Money(amount, currency),
        )
    return "refuse", tr(
        lang,
        "cash or prepayment only (credit grade {grade}): the customer's credit "
        "¥{credit:,.2f} does not cover ¥{amount:,.2f}",
        grade=row["credit_grade"],
        credit=Money(credit_cents / 100, currency),
        amount=Money(amount, currency),
    )


def decision_label(decision: str, lang: Lang) -> str:
    """The decision as a person reads it: 允许 / 需审批 / 拒绝."""
    labels = {"allow": tr(lang, "allow"), "approval": tr(lang, "needs approval"), "refuse": tr(lang, "refuse")}
    return labels[decision]


@dataclass(frozen=True)
class CreditCheck:
    """One order checked: the customer's position, the order, the decision and its reason."""

    position: dict[str, Any]
    as_of: pd.Timestamp
    amount: float
    available_after: float
    decision: str
    reason: str
    currency: Currency = CNY  # the master's book currency: the amounts' symbol

    def summary(self, lang: Lang) -> str:
        """The decision, the reason, then the figures it rests on, as ``credit check`` prints them."""
        p = self.position
        limit = p["credit_limit"]
        shown = "—" if pd.isna(limit) else self.currency.shown(limit)
        return "\n".join(
            [
                tr(
                    lang,
                    "{customer} {name}, credit grade {grade}, as of {as_of:%Y-%m-%d}: {decision}",
                    customer=p["customer_id"],
                    name=p["name"] or "",
                    grade=p["credit_grade"] or "—",
                    as_of=self.as_of,
                    decision=decision_label(self.decision, lang),
                ),
                "  " + self.reason,
                "  "
                + tr(
                    lang,
                    "limit {limit}, open balance ¥{balance:,.2f}, available ¥{available:,.2f}, order "
                    "¥{amount:,.2f}, available after ¥{after:,.2f}",
                    limit=shown,
                    balance=Money(p["balance"], self.currency),
                    available=Money(0.0 if pd.isna(p["available_credit"]) else p["available_credit"], self.currency),
                    amount=Money(self.amount, self.currency),
                    after=Money(0.0 if pd.isna(self.available_after) else self.available_after, self.currency),
                ),
                "  "
                + tr(
                    lang,
                    "overdue ¥{overdue:,.2f}, most days overdue {days}",
                    overdue=Money(p["overdue_amount"], self.currency),
                    days=p["max_days_overdue"],
                ),
            ]
        )
