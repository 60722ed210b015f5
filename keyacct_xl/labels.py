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
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.schema import ALL_TABLES
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Message, msg

Pair = tuple[str, str]

# Report columns that are no master column (or mean something else in a report than in the master).
HEADERS: dict[str, Pair] = {
    # RFM
    "last_purchase": ("最近购买日期", "Last Purchase"), "recency_days": ("距今天数", "Recency (days)"),
    "frequency": ("购买次数", "Frequency"), "monetary": ("消费金额", "Monetary"),
    "avg_order_value": ("平均单额", "Average Order Value"), "r_score": ("R 得分", "R Score"),
    "f_score": ("F 得分", "F Score"), "m_score": ("M 得分", "M Score"), "rfm_code": ("RFM 代码", "RFM Code"),
    "rfm_class": ("RFM 分类", "RFM Class"), "rfm_class_label": ("RFM 分类", "RFM Class"),
    "action": ("建议措施", "Suggested Action"),
    # counts and shares
    "customers": ("客户数", "Customers"), "customer_share": ("客户占比", "Customer Share"),
    "revenue": ("销售额", "Revenue"), "revenue_share": ("销售额占比", "Revenue Share"),
    "sales": ("销售额", "Sales"), "sales_share": ("销售额占比", "Sales Share"),
    # ABC and Pareto
    "rank": ("排名", "Rank"), "share": ("占比", "Share"), "cumulative_share": ("累计占比", "Cumulative Share"),
    "abc_class": ("ABC 类别", "ABC Class"),
    # composition, margins, risk
    "category": ("产品类别", "Product Category"), "cost": ("成本", "Cost"), "gross_profit": ("毛利", "Gross Profit"),
    "gross_margin": ("毛利率", "Gross Margin"), "sales_prior": ("上年销售额", "Prior-Year Sales"),
    "sales_change": ("销售额变化", "Sales Change"), "days_since_purchase": ("未购天数", "Days Since Purchase"),
    "max_days_overdue": ("最长逾期天数", "Max Days Overdue"), "sales_drop": ("销售下滑", "Sales Drop"),
    "overdue": ("严重逾期", "Overdue"), "silent": ("长期未购", "Silent"), "risks": ("风险说明", "Risks"),
    # attribute codes
    "prefix": ("编码首位", "Prefix"), "total_spend": ("累计消费", "Total Spend"),
    "total_class": ("累计消费级别", "Total Spend Class"), "avg_yearly_spend": ("年均消费", "Average Yearly Spend"),
    "yearly_class": ("年均消费级别", "Yearly Spend Class"), "years_as_customer": ("合作年数", "Years as Customer"),
    "attribute_code": ("属性编码", "Attribute Code"),
    # grading review and credit
    "year": ("评级年度", "Year"), "policy": ("评级政策", "Policy"), "annual_sales": ("年度销售额", "Annual Sales"),
    "prior_year_sales": ("上年销售额", "Prior-Year Sales"), "growth": ("增长率", "Growth"),
    "on_time_rate": ("按时付款率", "On-Time Rate"), "collection_rate": ("货款回收率", "Collection Rate"),
    "price_index": ("价格指数", "Price Index"), "visit_rating": ("回访评价", "Visit Rating"),
    "months_as_customer": ("合作月数", "Months as Customer"), "composite_score": ("综合得分", "Composite Score"),
    "current_credit_grade": ("原信用等级", "Current Credit Grade"),
    "current_grade": ("原等级", "Current Grade"), "proposed_grade": ("建议等级", "Proposed Grade"),
    "change": ("变动", "Change"), "upgrade_candidate": ("升级候选", "Upgrade Candidate"),
    "new_customer": ("新客户", "New Customer"), "reasons": ("评级依据", "Reasons"),
    "credit_reason": ("信用依据", "Credit Reason"), "review_due": ("复评日期", "Review Due"),
    "final_grade": ("最终等级", "Final Grade"), "final_credit_grade": ("最终信用等级", "Final Credit Grade"),
    "comment": ("会议意见", "Comment"), "invoices": ("发票数", "Invoices"),
    "avg_days_late": ("平均逾期天数", "Average Days Late"), "overdue_amount": ("逾期金额", "Overdue Amount"),
    "bad_debt_amount": ("坏账风险金额", "Bad-Debt Amount"), "credit_change": ("信用等级变动", "Credit Change"),
    # ageing
    "not_due": ("未到期", "Not Due"), "unapplied_credit": ("未核销贷项", "Unapplied Credit"),
    "balance": ("余额", "Balance"), "over_limit": ("超额度", "Over Limit"),
    # reconciliation
    "status": ("核对结果", "Status"), "ours_ref": ("我方单号", "Our Ref"), "theirs_ref": ("对方单号", "Their Ref"),
    "ours_date": ("我方日期", "Our Date"), "theirs_date": ("对方日期", "Their Date"),
    "ours_amount": ("我方金额", "Our Amount"), "theirs_amount": ("对方金额", "Their Amount"),
    "difference": ("差额", "Difference"), "ours_row": ("我方行号", "Our Rows"),
    "theirs_row": ("对方行号", "Their Rows"),
    "hint": ("提示", "Hint"), "item": ("项目", "Item"), "rows": ("行号", "Rows"), "amount": ("金额", "Amount"),
    "file": ("文件", "File"), "sheet": ("工作表", "Sheet"), "row": ("行", "Row"), "column": ("列", "Column"),
    "value": ("值", "Value"), "reason": ("原因", "Reason"),
}

RECONCILE_STATUS: dict[str, Message] = {"matched": msg("matched"), "amount_mismatch": msg("amount mismatch"),
                                        "only_ours": msg("only ours"), "only_theirs": msg("only theirs")}
# Columns holding a code: the label shown for each code.
VALUES: dict[str, Mapping[str, Message]] = {"status": RECONCILE_STATUS, "change": CHANGE_LABELS,
                                            "credit_change": CHANGE_LABELS, "rfm_class": CLASS_LABELS}
# A code column whose label column stands beside it: the document shows the label only (one column, one header).
LABELLED_BY: dict[str, str] = {"rfm_class": "rfm_class_label"}
BOOLEAN: dict[bool, Message] = {True: msg("Yes"), False: msg("No")}


def _schema_headers() -> dict[str, Pair]:
    """Master columns by key; the first table naming a key wins (Customers before Contacts: name is 客户名称)."""
    found: dict[str, Pair] = {}
    for table in (*ALL_TABLES, *ALL_CONSOLIDATION_TABLES.values()):
        for column in table.columns:
            found.setdefault(column.key, (column.zh, column.en))
    return found


_SCHEMA_HEADERS = _schema_headers()


def header(key: object, lang: Lang) -> str:
    """The column header for ``key`` in ``lang``; a column the user added keeps its own header."""
    pair = HEADERS.get(str(key)) or _SCHEMA_HEADERS.get(str(key))
    return pick(lang, *pair) if pair else str(key)


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
            out[column] = series.map(lambda v, labels=labels: labels[v].render(lang) if v in labels else v,
                                     na_action="ignore").astype(object)
    return out


def document_frame(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` as a person reads it: values through the label maps, headers in ``lang``."""
    return document_values(frame, lang).rename(columns=lambda key: header(key, lang))
