"""The master's Adjustments table (调账记录): what finance changed in our books after reconciling with a customer.

One row per decided difference of a reconciliation (``keyacct-xl reconcile apply``): the date of the line it
corrects, the customer, the document it corrects (``ref``), the signed amount in our perspective (positive raises
what the customer owes us), the decision, reason and approver, and where it came from. Its natural key is the
reconciliation (their statement and its period) and the line (our and their rows), so applying the same decisions
again adds nothing. The table is optional: a master without it has no adjustments, and the first apply adds it.
"""

from __future__ import annotations

import pandas as pd

from keyacct_xl.master.schema import CUSTOMER_ID, TableSchema
from keyacct_xl.master.schema import column as _c
from keyacct_xl.parsing import is_blank

ADJUSTMENTS = TableSchema(
    "Adjustments",
    "adjustments",
    "调账记录",  # a master an earlier version made keeps 调帐记录: the table is found by its name, Adjustments
    "Adjustments",
    (
        _c("date", "日期", "Date", "date", "调账日期|调帐日期|Adjustment Date", 11),
        CUSTOMER_ID,
        _c("ref", "单据编号", "Doc No", "text", "单号|调整单据|Ref", 14),
        _c("amount", "调整金额", "Amount", "money", "金额|Adjustment", 14),
        _c("decision", "处理决定", "Decision", "text", "决定|处理", 10),
        _c("reason", "原因", "Reason", "text", "理由|说明", 30),
        _c("approved_by", "审批人", "Approved By", "text", "批准人|Approver", 8),
        _c("reconciliation", "对账来源", "Reconciliation", "text", "对帐来源|对账|对帐|Statement", 34),
        _c("line", "对账行", "Line", "text", "对帐行|差异行", 22),
        _c("source_file", "来源文件", "Source File", "text", "", 28),
        _c("source_row", "来源行", "Source Row", "int", "", 7),
        _c("applied_at", "入账日期", "Applied At", "date", "生效日期", 11),
    ),
    required=False,
)
# What makes two rows the same adjustment: the same line of the same reconciliation of the same customer.
NATURAL_KEY = ("customer_id", "reconciliation", "line")


def natural_keys(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each row's natural key (customer, reconciliation, line) as compared: trimmed text, blank as ''."""
    return [
        tuple("" if is_blank(v) else str(v).strip() for v in row)
        for row in frame[list(NATURAL_KEY)].itertuples(index=False)
    ]
