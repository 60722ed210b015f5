"""What a person reads in our reports: column keys and code values shown as labels in zh or en.

The frames of analytics and receivables keep stable English keys (``customer_share``, ``only_ours``, ``True``);
every report writer turns them into a document at the last step, here, so a zh user never meets a key and the
computations never meet a label. Headers come from this map first, then from the master's schema (the same
label a column has in the master); code values go through one label map per column; booleans read 是/否 or Yes/No.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from keyacct_xl.analytics.grading import CHANGE_LABELS
from keyacct_xl.analytics.rfm import CLASS_LABELS
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import ALL_TABLES
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, Pair, cmsg, msg

# Report columns that are no master column (or mean something else in a report than in the master).
HEADERS: dict[str, Message] = {
    # RFM
    "last_purchase": msg("Last Purchase"),
    "recency_days": msg("Recency (days)"),
    "frequency": msg("Frequency"),
    "monetary": msg("Monetary"),
    "avg_order_value": msg("Average Order Value"),
    "r_score": msg("R Score"),
    "f_score": msg("F Score"),
    "m_score": msg("M Score"),
    "rfm_code": msg("RFM Code"),
    "rfm_class": msg("RFM Class"),
    "rfm_class_label": msg("RFM Class"),
    "action": msg("Suggested Action"),
    # counts and shares
    "customers": msg("Customers"),
    "customer_share": msg("Customer Share"),
    "revenue": msg("Revenue"),
    "revenue_share": msg("Revenue Share"),
    "sales": msg("Sales"),
    "sales_share": msg("Sales Share"),
    # ABC and Pareto
    "rank": msg("Rank"),
    "share": msg("Share"),
    "cumulative_share": msg("Cumulative Share"),
    "abc_class": msg("ABC Class"),
    # composition, margins, risk
    "category": msg("Product Category"),
    "cost": msg("Cost"),
    "gross_profit": msg("Gross Profit"),
    "gross_margin": msg("Gross Margin"),
    "sales_prior": msg("Prior-Year Sales"),
    "sales_12m": msg("Sales, last 12 months"),
    "sales_prior_12m": msg("Sales, 12 months before"),
    "sales_change": msg("Sales Change"),
    "days_since_purchase": msg("Days Since Purchase"),
    # of the invoices still unpaid past their due date only: beside the average of every invoice due, it says so
    "max_days_overdue": msg("Max Days Overdue (Unpaid Invoices)"),
    "sales_drop": msg("Sales Drop"),
    "overdue": msg("Overdue"),
    "silent": msg("Silent"),
    "open_complaints": msg("Open Complaints"),
    "recent_complaints": msg("Recent Complaints"),
    "complaints": cmsg("risk flag", "Complaints"),
    "risks": msg("Risks"),
    # attribute codes
    "prefix": msg("Prefix"),
    "total_spend": msg("Total Spend"),
    "total_class": msg("Total Spend Class"),
    "years_with_data": msg("Years with Sales Data"),
    "avg_yearly_spend": msg("Average Yearly Spend"),
    "yearly_class": msg("Yearly Spend Class"),
    "years_as_customer": msg("Years as Customer"),
    "attribute_code": msg("Attribute Code"),
    # grading review and credit
    "year": msg("Year"),
    "policy": msg("Policy"),
    "annual_sales": msg("Annual Sales"),
    "prior_year_sales": msg("Prior-Year Sales"),
    "growth": msg("Growth"),
    "on_time_rate": msg("On-Time Rate"),
    "collection_rate": msg("Collection Rate"),
    "price_index": msg("Price Index"),
    "visit_rating": msg("Visit Rating"),
    "months_as_customer": msg("Months as Customer"),
    "composite_score": msg("Composite Score"),
    "current_credit_grade": msg("Current Credit Grade"),
    "current_grade": msg("Current Grade"),
    "proposed_grade": msg("Proposed Grade"),
    "change": msg("Change"),
    "upgrade_candidate": msg("Upgrade Candidate"),
    "new_customer": msg("New Customer"),
    "reasons": msg("Reasons"),
    "credit_reason": msg("Credit Reason"),
    "review_due": msg("Review Due"),
    "final_grade": msg("Final Grade"),
    "final_credit_grade": msg("Final Credit Grade"),
    "comment": msg("Comment"),
    "supervisor": msg("Regional Supervisor"),
    "supervisor_grade": msg("Supervisor's Grade"),
    "supervisor_credit_grade": msg("Supervisor's Credit Grade"),
    "supervisor_limit": msg("Supervisor's Credit Limit"),
    "vip_decision": msg("VIP Proposal"),
    "policy_proposal": msg("Proposal"),
    "proposal_reason": msg("Proposal Basis"),
    "standard_terms_days": msg("Standard Terms (days)"),
    "special_settlement": msg("Special Settlement"),
    "check_result": msg("Check Result"),
    "customers_before": msg("Customers (current grade)"),
    "customers_after": msg("Customers (proposed grade)"),
    "invoices": msg("Invoices"),
    # of the invoices due in the policy's window, paid or not: beside the open invoices' Max Days Overdue, a bare
    # "Average Days Late" read as the average of those (7.95 beside a maximum of 0), and "(Invoices Due)" did too
    "avg_days_late": msg("Average Days Late (Invoices Due in the Window, Paid or Not)"),
    "overdue_amount": msg("Overdue Amount"),
    "bad_debt_amount": msg("Bad-Debt Amount"),
    "credit_change": msg("Credit Change"),
    # a credit grade's limit, as credit proposes it: Customers' own credit_limit is the limit granted
    "suggested_credit_limit": msg("Suggested Credit Limit"),
    # ageing
    "not_due": msg("Not Due"),
    "unapplied_credit": msg("Unapplied Credit"),
    "balance": msg("Balance"),
    "over_limit": msg("Over Limit"),
    "available_credit": msg("Available Credit"),
    # reconciliation
    "status": msg("Status"),
    "ours_ref": msg("Our Ref"),
    "theirs_ref": msg("Their Ref"),
    "ours_date": msg("Our Date"),
    "theirs_date": msg("Their Date"),
    "ours_amount": msg("Our Amount"),
    "theirs_amount": msg("Their Amount"),
    "difference": msg("Difference"),
    "ours_row": msg("Our Rows"),
    "theirs_row": msg("Their Rows"),
    "hint": msg("Hint"),
    "item": msg("Item"),
    "documents": msg("Documents"),
    "rows": msg("Rows"),
    "amount": msg("Amount"),
    "file": msg("File"),
    "sheet": msg("Sheet"),
    "row": msg("Row"),
    "column": msg("Column"),
    "value": msg("Value"),
    "reason": msg("Reason"),
}

# In the Title Case of the headers above them (headers.title_case), as a decision's label is: an English results
# sheet read "amount mismatch" under "Status". A workbook saved with the earlier lower-case labels still reads back:
# labels are compared case-folded.
RECONCILE_STATUS: dict[str, Message] = {
    "matched": msg("Matched"),
    "amount_mismatch": msg("Amount Mismatch"),
    "only_ours": msg("Only Ours"),
    "only_theirs": msg("Only Theirs"),
}
# The review meeting's proposals: (A) for a VIP, (C) for a special policy.
VIP_DECISIONS: dict[str, Message] = {
    "continue": msg("VIP continue"),
    "new": msg("VIP new"),
    "revoke": msg("VIP revoke"),
}
POLICY_PROPOSALS: dict[str, Message] = {
    "keep": msg("keep the policy"),
    "adjust": msg("adjust the policy"),
    "revoke": msg("revoke the policy"),
}
# Columns holding a code: the label shown for each code.
VALUES: dict[str, Mapping[str, Message]] = {
    "vip_decision": VIP_DECISIONS,
    "policy_proposal": POLICY_PROPOSALS,
    "status": RECONCILE_STATUS,
    "change": CHANGE_LABELS,
    "credit_change": CHANGE_LABELS,
    "rfm_class": CLASS_LABELS,
}
# A code column whose label column stands beside it: the document shows the label only (one column, one header).
LABELLED_BY: dict[str, str] = {"rfm_class": "rfm_class_label"}
BOOLEAN: dict[bool, Message] = {True: msg("Yes"), False: msg("No")}


def _schema_headers() -> dict[str, Pair]:
    """Master columns by key; the first table naming a key wins (Customers before Contacts: name is 客户名称)."""
    found: dict[str, Pair] = {}
    for table in (*ALL_TABLES, *ALL_CONSOLIDATION_TABLES.values()):
        for column in table.columns:
            found.setdefault(column.key, Pair(column.en, column.zh))
    return found


_SCHEMA_HEADERS = _schema_headers()


def header(key: object, lang: Lang) -> str:
    """The column header for ``key`` in ``lang``; a column the user added keeps its own header."""
    if str(key) in HEADERS:
        return HEADERS[str(key)].render(lang)
    pair = _SCHEMA_HEADERS.get(str(key))
    return pair.render(lang) if pair else str(key)


def yes_no(value: object, lang: Lang) -> str | None:
    """是/否 (Yes/No) for a boolean; blank for a missing one."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return BOOLEAN[bool(value)].render(lang)


def document_values(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` with booleans as 是/否 and coded columns as their labels; keys and other values are kept."""
    out = frame.drop(columns=[c for c, label in LABELLED_BY.items() if c in frame.columns and label in frame.columns])
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series.dtype):
            out[column] = series.map(lambda v: yes_no(v, lang)).astype(object)
        elif str(column) in VALUES:
            labels = VALUES[str(column)]
            out[column] = series.map(
                lambda v, labels=labels: labels[v].render(lang) if v in labels else v, na_action="ignore"
            ).astype(object)
    return out


def document_frame(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` as a person reads it: values through the label maps, headers in ``lang``."""
    return document_values(frame, lang).rename(columns=lambda key: header(key, lang))
