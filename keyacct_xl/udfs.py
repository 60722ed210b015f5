"""Worksheet functions for Excel through xlwings (what users put in UDF_MODULES: ``keyacct_xl.udfs``).

Each function is a thin wrapper over the analytics or receivables core, named as users type it, in category "KeyAcct".
Excel semantics (keyacct_xl.bridge.cells): blanks give blanks, error values and bad arguments give text that
starts with the Excel error code ("#VALUE! frequency: ..."), never a traceback; a column in gives a column out,
computed in one vectorized call. Table functions spill a dynamic array with a header and are cached on a hash
of their input. Parameters carry no type hints on purpose: xlwings reads hints as converters.

Fast path (docs/excel.md): one call on whole columns, e.g. ``=RFM_SCORE(C2:C5000, D2:D5000, E2:E5000,
Settings!B20:E22)``, not 5,000 single-cell calls: each call crosses from Excel to Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import xlwings as xw

from keyacct_xl.analytics.abc import DEFAULT_THRESHOLDS, abc_classes, revenue_by_customer
from keyacct_xl.analytics.attribute_code import attribute_codes
from keyacct_xl.analytics.credit import credit_grades, no_payments_recorded
from keyacct_xl.analytics.credit_check import credit_positions, decide, decision_label
from keyacct_xl.analytics.credit_terms import approval_overdue_days, grade_terms
from keyacct_xl.analytics.grading import grade_customers
from keyacct_xl.analytics.policy import load_credit_policy, load_grading_policy
from keyacct_xl.analytics.rfm import CLASS_BY_SIGNS, class_label
from keyacct_xl.analytics.scoring import rfm_breaks, score
from keyacct_xl.analytics.usecase import RfmRun, rfm_options, run_rfm
from keyacct_xl.bridge import cells
from keyacct_xl.bridge.cells import CellError, TableCache
from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.followup.policy import master_policy
from keyacct_xl.followup.status import STATUS_LABELS, customer_status
from keyacct_xl.headers import resolve_headers
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_values
from keyacct_xl.master.adjustments import ADJUSTMENTS
from keyacct_xl.master.model import empty_frame
from keyacct_xl.master.schema import CUSTOMERS, GRADE_HISTORY, PAYMENTS, SETTINGS, TRANSACTIONS, VISITS
from keyacct_xl.master.settings import DEFAULTS, SettingCell, Settings, parse_settings
from keyacct_xl.master.shipped import shipped_code, shipped_policies
from keyacct_xl.parsing import is_blank
from keyacct_xl.receivables.ageing import DEFAULT_BUCKETS, bucket_columns, bucket_slots, parse_buckets
from keyacct_xl.receivables.ageing_report import caption
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.master_lines import ledger_transactions
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import read_statement

CATEGORY = "KeyAcct"
cache = TableCache()
_VEC = {"ndim": 2, "err_to_str": True}  # every cell argument: rows of values, error cells as their text


def _breaks_matrix(value: object) -> np.ndarray:
    rows = cells.grid(value)
    if rows and len(rows[0]) == 5:
        rows = [r[1:] for r in rows]  # a label column (R, F, M) beside the breakpoints
    numbers = [[cells.number(v, "breaks") for v in row] for row in rows]
    matrix = np.array([[np.nan if v is None else v for v in row] for row in numbers], dtype="float64")
    if matrix.shape != (3, 4) or np.isnan(matrix).any():
        raise CellError("#VALUE!", "breaks: give the 3 x 4 block RFM_BREAKS returns (rows R, F, M)")
    return matrix


@xw.func(category=CATEGORY)
@xw.arg("recency_days", doc="距最近一次购买的天数 / days since the last purchase", **_VEC)
@xw.arg("frequency", doc="购买次数 / number of purchases", **_VEC)
@xw.arg("monetary", doc="购买金额 / money spent", **_VEC)
@xw.arg("breaks", doc="可选：RFM_BREAKS 的 3x4 分段点；省略时按所给列计算 / optional breakpoints", **_VEC)
@cells.excel_safe
def RFM_SCORE(recency_days, frequency, monetary, breaks=None):
    """RFM 评分（如 545）。RFM score 1-5 per dimension, e.g. "545" (R 5 = most recent)."""
    columns, shape = cells.vectors(recency_days=recency_days, frequency=frequency, monetary=monetary)

    def parse(row: dict[str, object], _: int) -> tuple[float, float, float] | None:
        values = _rfm_values(row)
        return None if all(v is None for v in values) else _complete(values)

    good, bad = cells.per_row(columns, parse)
    n = max(len(v) for v in columns.values())
    scored = [(i, v) for i, v in good if v is not None]
    if not scored:
        return shape.rebuild(cells.assemble(n, [], [], bad)) if shape.rows else None
    data = np.array([v for _, v in scored], dtype="float64")
    matrix = _breaks_matrix(breaks) if breaks is not None else np.vstack([rfm_breaks(data[:, k]) for k in range(3)])
    r = score(data[:, 0], matrix[0], higher_is_better=False)
    f = score(data[:, 1], matrix[1])
    m = score(data[:, 2], matrix[2])
    codes = [f"{a}{b}{c}" for a, b, c in zip(r, f, m)]
    return shape.rebuild(cells.assemble(n, [i for i, _ in scored], codes, bad))


def _rfm_values(row: dict[str, object]) -> tuple[float | None, float | None, float | None]:
    return (
        cells.number(row["recency_days"], "recency_days"),
        cells.number(row["frequency"], "frequency"),
        cells.number(row["monetary"], "monetary"),
    )


def _complete(values: tuple[float | None, float | None, float | None]) -> tuple[float, float, float]:
    recency, frequency, monetary = values
    if recency is None or frequency is None or monetary is None:
        raise CellError("#VALUE!", "recency_days, frequency and monetary must all be given")
    return recency, frequency, monetary


@xw.func(category=CATEGORY)
@xw.arg("recency_days", doc="距最近一次购买的天数 / days since the last purchase", **_VEC)
@xw.arg("frequency", doc="购买次数 / number of purchases", **_VEC)
@xw.arg("monetary", doc="购买金额 / money spent", **_VEC)
@xw.arg("mean_r", doc="R 的平均值 / mean recency_days", **_VEC)
@xw.arg("mean_f", doc="F 的平均值 / mean frequency", **_VEC)
@xw.arg("mean_m", doc="M 的平均值 / mean monetary", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ label language", **_VEC)
@cells.excel_safe
def RFM_CLASS(recency_days, frequency, monetary, mean_r, mean_f, mean_m, lang="zh"):
    """RFM 八类客户（如 重要价值客户）。RFM class: each of R, F, M against its mean (R up = more recent)."""
    language = _lang(lang)
    means = [
        cells.number(cells.single(v, k), k) for k, v in (("mean_r", mean_r), ("mean_f", mean_f), ("mean_m", mean_m))
    ]
    if any(v is None for v in means):
        raise CellError("#VALUE!", "mean_r, mean_f and mean_m must be numbers")
    columns, shape = cells.vectors(recency_days=recency_days, frequency=frequency, monetary=monetary)

    def parse(row: dict[str, object], _: int) -> str | None:
        values = _rfm_values(row)
        if all(v is None for v in values):
            return None
        r, f, m = _complete(values)
        return class_label(CLASS_BY_SIGNS[(r < means[0], f > means[1], m > means[2])], language)

    good, bad = cells.per_row(columns, parse)
    n = max(len(v) for v in columns.values())
    return shape.rebuild(cells.assemble(n, [i for i, _ in good], [v for _, v in good], bad))


def _transactions(table: object) -> pd.DataFrame:
    return cells.table(table, TRANSACTIONS, required=("date", "customer_id", "amount"), what="Transactions")


_RFM_TABLE_ARGS = (
    ("table", "销售明细表（含表头），如 Transactions[#All] / transactions with header"),
    ("as_of", "可选：统计截止日 / optional as-of date"),
    ("monetary", "可选：total 合计 或 average 单均 / total or average"),
    ("period_months", "可选：只算最近 N 个月（如 参数设置 的 rfm_period_months）/ optional: last N months only"),
)


def _rfm_table_args(func):
    """The arguments RFM_BREAKS and RFM_TABLE share, with their function-wizard help."""
    for name, doc in _RFM_TABLE_ARGS:
        func = xw.arg(name, doc=doc, **_VEC)(func)
    return func


def _rfm_run(table: object, as_of: object, monetary: object, period_months: object, lang: Lang = "zh") -> RfmRun:
    """The RFM run on a table from cells; pass Settings' rfm_period_months to match the ribbon's RFM refresh."""
    period = cells.integer(cells.single(period_months, "period_months"), "period_months", minimum=0)
    chosen = cells.text(cells.single(monetary, "monetary"), "monetary") or None
    options = rfm_options(as_of=_optional_date(as_of, "as_of"), period_months=period, monetary=chosen)
    return run_rfm(_transactions(table), options, lang=lang)


@xw.func(category=CATEGORY)
@_rfm_table_args
@cells.excel_safe
def RFM_BREAKS(table, as_of=None, monetary=None, period_months=None):
    """RFM 五分位分段点（3 行 R/F/M × 4 列）。Quintile breakpoints for RFM_SCORE: rows R, F, M."""

    def compute() -> list[list[float]]:
        result = _rfm_run(table, as_of, monetary, period_months).table
        return [
            rfm_breaks(result[c].to_numpy(dtype="float64")).tolist() for c in ("recency_days", "frequency", "monetary")
        ]

    return cache.get_or_compute("RFM_BREAKS", (table, as_of, monetary, period_months), compute)


@xw.func(category=CATEGORY)
@_rfm_table_args
@xw.arg("lang", doc="zh 或 en（默认 zh）/ class language", **_VEC)
@cells.excel_safe
def RFM_TABLE(table, as_of=None, monetary=None, period_months=None, lang=None):
    """每个客户的 RFM 值、评分与分类（动态数组）。Per customer RFM values, scores and class (spills)."""

    def compute() -> list[list[object]]:
        language = _lang(lang)
        return _shown(_rfm_run(table, as_of, monetary, period_months, language).table, language)

    return cache.get_or_compute("RFM_TABLE", (table, as_of, monetary, period_months, lang), compute)


def _shown(frame: pd.DataFrame, lang: Lang) -> list[list[object]]:
    """A table function's spill with its code values as its report shows them (金额不符, 升级, 重要价值客户 in zh),
    never a snake_case code beside text in the user's language; the headers stay keys, for formulas to find."""
    return cells.frame_grid(document_values(frame, lang))


def _thresholds(value: object) -> tuple[float, float]:
    if value is None:
        return DEFAULT_THRESHOLDS
    numbers = [cells.number(v, "thresholds") for v in cells.vector(value, "thresholds")[0]]
    if len(numbers) != 2 or None in numbers:
        raise CellError("#VALUE!", "thresholds: give two amounts, A minimum then B minimum")
    return numbers[0], numbers[1]  # type: ignore[return-value]


@xw.func(category=CATEGORY)
@xw.arg("amount", doc="年度销售额 / annual revenue", **_VEC)
@xw.arg("thresholds", doc="可选：A、B 类下限（默认 1000000, 100000）/ A and B minimums", **_VEC)
@cells.excel_safe
def ABC_CLASS(amount, thresholds=None):
    """按金额阈值分 A/B/C 类。ABC class by revenue thresholds (default A >= 1,000,000, B >= 100,000)."""
    values, shape = cells.vector(amount, "amount")
    limits = _thresholds(thresholds)
    good, bad = cells.per_row({"amount": values}, lambda row, _: cells.number(row["amount"], "amount"))
    present = [(i, v) for i, v in good if v is not None]
    classes: list[object] = []
    if present:
        revenue = pd.Series([v for _, v in present], index=[i for i, _ in present], dtype="float64")
        table = abc_classes(revenue, thresholds=limits)
        classes = table.set_index("customer_id")["abc_class"].reindex(revenue.index).tolist()
    return shape.rebuild(cells.assemble(len(values), [i for i, _ in present], classes, bad))


@xw.func(category=CATEGORY)
@xw.arg("table", doc="销售明细表（含表头）/ transactions with header", **_VEC)
@xw.arg(
    "shares",
    doc="可选：A、B 类累计占比，如 80,15 或 80%,15%；省略时按金额阈值 / optional A,B shares: 80,15 or 80%,15%",
    **_VEC,
)
@xw.arg("year", doc="可选：年份 / optional calendar year", **_VEC)
@cells.excel_safe
def PARETO_TABLE(table, shares=None, year=None):
    """帕累托 / ABC 客户表（动态数组）。Pareto table: rank, revenue, share, cumulative share, ABC class (spills)."""

    def compute() -> list[list[object]]:
        cut = None
        if shares is not None:
            given = [cells.number(v, "shares") for v in cells.vector(shares, "shares")[0]]
            cut = [v for v in given if v is not None]
            if len(given) != 2 or len(cut) != 2:
                raise CellError("#VALUE!", "shares: give two percentages, e.g. 80 and 15, or 80% and 15%")
        revenue = revenue_by_customer(_transactions(table), year=cells.integer(cells.single(year, "year"), "year"))
        return cells.frame_grid(abc_classes(revenue, shares=cut))

    return cache.get_or_compute("PARETO_TABLE", (table, shares, year), compute)


def _lang(value: object) -> Lang:
    language = cells.text(cells.single(value, "lang"), "lang")
    if not language or language == "zh":
        return "zh"
    if language == "en":
        return "en"
    raise CellError("#VALUE!", f"lang must be zh or en, not {language}")


def _ids(value: object) -> tuple[list[object], cells.Shape]:
    return cells.vector(value, "customer_id")


def _lookup(
    ids: list[object], shape: cells.Shape, by_id: dict[str, object], what: str, absent: object = None
) -> object:
    """Each id's value; an id not in the data gives ``absent``, else #N/A for its row; a blank id a blank."""
    out: list[object] = []
    for value in ids:
        try:
            key = cells.text(value, "customer_id")
        except CellError as exc:
            out.append(exc.text())
            continue
        missing = absent if absent is not None else f"#N/A {key}: not in {what}"
        out.append(None if key is None else by_id.get(key, missing))
    return shape.rebuild(out)


def _optional_date(value: object, what: str) -> pd.Timestamp | None:
    return cells.date(cells.single(value, what), what)


def _buckets(value: object) -> tuple[int, ...]:
    """Ageing buckets as text (as the ageing_buckets setting) in one cell, or one day count per cell."""
    values = cells.vector(value, "buckets")[0] if value is not None else []
    if len(values) <= 1:
        typed = cells.text(values[0], "buckets") if values else None
        return parse_buckets(typed) if typed is not None else DEFAULT_BUCKETS
    days = [cells.integer(v, "buckets", minimum=1) for v in values]
    return parse_buckets(",".join(str(d) for d in days if d is not None))


@xw.func(category=CATEGORY)
@xw.arg("due_date", doc="到期日 / due date", **_VEC)
@xw.arg("as_of", doc="可选：账龄截止日（默认今天）/ optional as-of date (default today)", **_VEC)
@xw.arg("buckets", doc=f"可选：分段天数，如 {DEFAULTS['ageing_buckets']} 或一行/列天数 / optional day buckets", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ label language", **_VEC)
@cells.excel_safe
def AGEING_BUCKET(due_date, as_of=None, buckets=None, lang=None):
    """账龄分段（如 逾期31-60天）。Ageing bucket of a due date, as in the ageing report (e.g. 31-60 Days Overdue)."""
    language = _lang(lang)
    when = _optional_date(as_of, "as_of") or pd.Timestamp.today().normalize()
    days = _buckets(buckets)
    names = bucket_columns(days)
    values, shape = cells.vector(due_date, "due_date")
    good, bad = cells.per_row({"due_date": values}, lambda row, _: cells.date(row["due_date"], "due_date"))
    present = [(i, d) for i, d in good if d is not None]
    slots = bucket_slots([(when - d).days for _, d in present], days)
    labels = [caption(names[k], language) for k in slots.tolist()]
    return shape.rebuild(cells.assemble(len(values), [i for i, _ in present], labels, bad))


_ADJUSTMENTS_DOC = "可选：调账记录表（含表头），如 Adjustments[#All] / optional Adjustments[#All]"
_GRADE_HISTORY_DOC = (
    "可选：等级历史表（含表头），如 GradeHistory[#All]，按开票时的账期计算到期日 / optional GradeHistory[#All]: "
    "each invoice due by the terms in force when issued"
)


def _ledger(
    transactions: object,
    payments: object,
    as_of: object,
    customers: pd.DataFrame | None = None,
    adjustments: object = None,
    grade_history: object = None,
):
    tx = _transactions(transactions)
    pay = cells.table(payments, PAYMENTS, required=("date", "customer_id", "amount"), what="Payments")
    for frame in (tx, pay):
        frame["customer_id"] = frame["customer_id"].astype(str)
    if adjustments is not None:  # the master's Adjustments (调账): the same balance as ageing and credit check
        adjusted = cells.table(adjustments, ADJUSTMENTS, required=("date", "customer_id", "amount"), what="Adjustments")
        tx = ledger_transactions(tx, adjusted)
    # The master's GradeHistory dates each invoice's terms, as credit check and the ageing report have them.
    history = (
        None
        if grade_history is None
        else cells.table(
            grade_history,
            GRADE_HISTORY,
            required=("customer_id", "terms_before", "terms_after", "applied_at"),
            what="GradeHistory",
        )
    )
    return build_ledger(
        tx,
        pay,
        customers if customers is not None else empty_frame(CUSTOMERS),
        as_of=_optional_date(as_of, "as_of"),
        terms_history=history,
    )


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("transactions", doc="销售明细表（含表头）/ Transactions[#All]", **_VEC)
@xw.arg("payments", doc="收款记录表（含表头）/ Payments[#All]", **_VEC)
@xw.arg("as_of", doc="可选：截止日（默认数据中的最新日期）/ optional as-of date", **_VEC)
@xw.arg("adjustments", doc=_ADJUSTMENTS_DOC, **_VEC)
@cells.excel_safe
def AR_BALANCE(customer_id, transactions, payments, as_of=None, adjustments=None):
    """应收余额（销售减收款，含调账）。Receivable balance per customer: invoiced - paid +/- adjustments to as_of."""

    def compute() -> dict[str, float]:
        ledger = _ledger(transactions, payments, as_of, adjustments=adjustments)
        return {str(k): float(v) for k, v in ledger.balance().items()}

    balances = cache.get_or_compute("AR_BALANCE", (transactions, payments, as_of, adjustments), compute)
    ids, shape = _ids(customer_id)
    # A customer without sales or receipts owes nothing: zero, not an error.
    return _lookup(ids, shape, balances, "Transactions", absent=0.0)


_SETTINGS_DOC = "可选：参数设置表（含表头），如 Settings[#All]；省略时用默认值 / optional Settings[#All]"


def _settings(value: object) -> Settings:
    """The workbook's Settings table (setting, value) parsed as load_master parses it, a bad value named by its row
    in the range; omitted, the defaults."""
    if value is None:
        return parse_settings(())
    rows = cells.grid(value)
    try:
        at = {
            key: pos
            for pos, key in resolve_headers(
                rows[0], SETTINGS.columns, where="Settings", required=("setting", "value")
            ).items()
        }
    except InputError as exc:
        raise CellError("#VALUE!", exc.en) from None
    active = parse_settings(
        SettingCell(row[at["setting"]], row[at["value"]], f"Settings, row {i}")
        for i, row in enumerate(rows[1:], start=2)
        if not is_blank(row[at["setting"]])
    )
    for key, kind in POLICY_SETTINGS.items():
        _shipped_policy(getattr(active, key), f"Settings ({key})", kind)
    return active


# The settings naming a policy, and its kind: a worksheet function takes a shipped one only (_shipped_policy).
POLICY_SETTINGS = {"grading_policy": "grading", "visit_policy": "visits"}


def _shipped_policy(value: object, what: str, kind: str) -> str:
    """The code of the shipped policy a cell names by its code or title; a file's path is refused. A workbook from
    outside (a rep's form, a customer's file) opened with the add-in recalculates its formulas: a path in one would
    make whoever opens it read a file of its choosing, or reach over the network for one on a share."""
    shipped = shipped_policies(kind)
    code = shipped_code(shipped, value)
    if code is None:
        names = ", ".join(s.code for s in shipped)
        raise CellError(
            "#VALUE!",
            f"{what}: {value!r} is not a shipped policy ({names}); a policy file of your own is read by the ribbon "
            "and the command line, from the master's folder, not by a worksheet function",
        )
    return code


def _customers(table: object) -> pd.DataFrame:
    frame = cells.table(table, CUSTOMERS, required=("customer_id", "name"), what="Customers")
    frame["customer_id"] = frame["customer_id"].astype(str)
    return frame


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("transactions", doc="销售明细表（含表头）/ Transactions[#All]", **_VEC)
@xw.arg("as_of", doc="可选：截止日 / optional as-of date", **_VEC)
@xw.arg("prefix", doc="可选：第 1 位固定前缀（默认按客户类别）/ optional fixed first position", **_VEC)
@cells.excel_safe
def CUSTOMER_CODE(customer_id, customers, transactions, as_of=None, prefix=None):
    """客户属性编码（如 1214）。Customer attribute code: prefix, total spend, yearly spend, years as customer."""

    def compute() -> dict[str, str]:
        fixed = cells.text(cells.single(prefix, "prefix"), "prefix")
        table = attribute_codes(
            _customers(customers), _transactions(transactions), as_of=_optional_date(as_of, "as_of"), prefix=fixed
        )
        return dict(zip(table["customer_id"], table["attribute_code"], strict=True))

    codes = cache.get_or_compute("CUSTOMER_CODE", (customers, transactions, as_of, prefix), compute)
    ids, shape = _ids(customer_id)
    return _lookup(ids, shape, codes, "Customers")


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("transactions", doc="销售明细表（含表头）/ Transactions[#All]", **_VEC)
@xw.arg("payments", doc="收款记录表（含表头）/ Payments[#All]", **_VEC)
@xw.arg("as_of", doc="可选：截止日 / optional as-of date", **_VEC)
@xw.arg("adjustments", doc=_ADJUSTMENTS_DOC, **_VEC)
@xw.arg("grade_history", doc=_GRADE_HISTORY_DOC, **_VEC)
@cells.excel_safe
def CREDIT_GRADE(customer_id, customers, transactions, payments, as_of=None, adjustments=None, grade_history=None):
    """信用等级 A/B/C（按信用政策）。Credit grade A/B/C under the credit policy, from the payment record."""

    def compute() -> dict[str, str]:
        people = _customers(customers)
        # Settings only move the policy's credit limits, which this function does not return: defaults suffice.
        ledger = _ledger(transactions, payments, as_of, people, adjustments, grade_history)
        if not ledger.receipts:  # nothing paid is known: every customer would come out C
            raise CellError("#N/A", no_payments_recorded().render("en"))
        table = credit_grades(people, ledger, policy=load_credit_policy())
        return dict(zip(table["customer_id"].astype(str), table["credit_grade"], strict=True))

    key = (customers, transactions, payments, as_of, adjustments, grade_history)
    grades = cache.get_or_compute("CREDIT_GRADE", key, compute)
    ids, shape = _ids(customer_id)
    return _lookup(ids, shape, grades, "Customers")


def _credit_positions(
    customers: object,
    transactions: object,
    payments: object,
    as_of: object,
    settings: object,
    adjustments: object,
    grade_history: object = None,
) -> tuple[pd.DataFrame, int]:
    """The credit check's positions per customer (indexed by id) and the approval days, as credit check has them."""

    def compute() -> tuple[pd.DataFrame, int]:
        people = _customers(customers)
        active = _settings(settings)
        policy = load_credit_policy()
        positions = credit_positions(
            people,
            _ledger(transactions, payments, as_of, people, adjustments, grade_history),
            grade_terms(policy, active),
        )
        return (
            positions.drop_duplicates("customer_id").set_index("customer_id", drop=False),
            approval_overdue_days(policy, active),
        )

    return cast(
        tuple[pd.DataFrame, int],
        cache.get_or_compute(
            "CREDIT_POSITIONS",
            (customers, transactions, payments, as_of, settings, adjustments, grade_history),
            compute,
        ),
    )


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("transactions", doc="销售明细表（含表头）/ Transactions[#All]", **_VEC)
@xw.arg("payments", doc="收款记录表（含表头）/ Payments[#All]", **_VEC)
@xw.arg("as_of", doc="可选：截止日（默认数据中的最新日期）/ optional as-of date", **_VEC)
@xw.arg("adjustments", doc=_ADJUSTMENTS_DOC, **_VEC)
@cells.excel_safe
def CREDIT_AVAILABLE(customer_id, customers, transactions, payments, as_of=None, adjustments=None):
    """可用信用额度（额度减应收余额）。Available credit: credit limit minus open balance, as credit check and ageing."""
    positions, _ = _credit_positions(customers, transactions, payments, as_of, None, adjustments)
    available = {
        cid: (f"#N/A {cid}: no credit limit in Customers" if pd.isna(v) else float(v))
        for cid, v in zip(positions.index, positions["available_credit"], strict=True)
    }
    ids, shape = _ids(customer_id)
    return _lookup(ids, shape, available, "Customers")


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("amount", doc="订单金额（可为一列）/ order amount(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("transactions", doc="销售明细表（含表头）/ Transactions[#All]", **_VEC)
@xw.arg("payments", doc="收款记录表（含表头）/ Payments[#All]", **_VEC)
@xw.arg("as_of", doc="可选：截止日（默认数据中的最新日期）/ optional as-of date", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ language of the decision", **_VEC)
@xw.arg("settings", doc=_SETTINGS_DOC, **_VEC)
@xw.arg("adjustments", doc=_ADJUSTMENTS_DOC, **_VEC)
@xw.arg("grade_history", doc=_GRADE_HISTORY_DOC, **_VEC)
@cells.excel_safe
def CREDIT_CHECK(
    customer_id,
    amount,
    customers,
    transactions,
    payments,
    as_of=None,
    lang=None,
    settings=None,
    adjustments=None,
    grade_history=None,
):
    """赊销审批：允许 / 需审批 / 拒绝及原因。Order credit check: allow / needs approval / refuse, with the reason."""
    language = _lang(lang)
    positions, approval_days = _credit_positions(
        customers, transactions, payments, as_of, settings, adjustments, grade_history
    )
    columns, shape = cells.vectors(customer_id=customer_id, amount=amount)

    def parse(row: dict[str, object], _: int) -> tuple[str, float] | None:
        key = cells.text(row["customer_id"], "customer_id")
        value = cells.number(row["amount"], "amount")
        if key is None:
            return None
        if key not in positions.index:
            raise CellError("#N/A", f"{key}: not in Customers")
        if value is None or value < 0:
            raise CellError("#VALUE!", f"amount of {key} must be an amount of 0 or more")
        return key, value

    good, bad = cells.per_row(columns, parse)
    present = [(i, v) for i, v in good if v is not None]
    texts: list[object] = []
    if present:
        rows = positions.loc[[key for _, (key, _) in present]].reset_index(drop=True)
        amounts = np.array([value for _, (_, value) in present])
        currency = _settings(settings).book_currency  # the reasons' amounts in the workbook's 记账币种
        decided = decide(rows, amounts, approval_days=approval_days, lang=language, currency=currency)
        sep = "：" if language == "zh" else ": "
        texts = [decision_label(d, language) + sep + r for d, r in zip(decided["decision"], decided["reason"])]
    n = max(len(v) for v in columns.values())
    return shape.rebuild(cells.assemble(n, [i for i, _ in present], texts, bad))


@xw.func(category=CATEGORY)
@xw.arg(
    "metrics",
    doc="指标表（含表头：customer_id, current_grade, months_as_customer, first_trade_date 及政策所用"
    "指标）/ metrics with header",
    **_VEC,
)
@xw.arg("policy", doc="可选：评级政策（默认 grading_4level）/ optional policy name", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ reason language", **_VEC)
@xw.arg("settings", doc=_SETTINGS_DOC, **_VEC)
@cells.excel_safe
def CUSTOMER_GRADE(metrics, policy=None, lang=None, settings=None):
    """按评级政策建议客户等级（动态数组）。Proposed grade and reasons per customer under the grading policy."""

    def compute() -> list[list[object]]:
        active = _settings(settings)
        name = cells.text(cells.single(policy, "policy"), "policy")
        chosen = load_grading_policy(_shipped_policy(name, "policy", "grading") if name else active.grading_policy)
        language = _lang(lang)
        graded = grade_customers(cells.metrics_table(metrics), chosen, settings=active, lang=language)
        return _shown(graded[["customer_id", "proposed_grade", "change", "reasons"]], language)

    return cache.get_or_compute("CUSTOMER_GRADE", (metrics, policy, lang, settings), compute)


def _visit_status(customers: object, visits: object, as_of: object, settings: object) -> pd.DataFrame:
    """The visits check's per-customer status (keyacct_xl.followup.status) of the given ranges, cached."""

    when = _optional_date(as_of, "as_of") or pd.Timestamp.today().normalize()

    def compute() -> pd.DataFrame:
        seen = cells.table(visits, VISITS, required=("date", "customer_id"), what="Visits")
        return customer_status(_customers(customers), seen, as_of=when, policy=master_policy(_settings(settings)))

    # keyed on the day too: without as_of the status moves with today
    return cast(pd.DataFrame, cache.get_or_compute("VISIT_STATUS_TABLE", (customers, visits, when, settings), compute))


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("visits", doc="拜访记录表（含表头）/ Visits[#All]", **_VEC)
@xw.arg("as_of", doc="可选：检查日期（默认今天）/ optional check date (default today)", **_VEC)
@xw.arg("settings", doc=_SETTINGS_DOC, **_VEC)
@cells.excel_safe
def VISIT_DUE(customer_id, customers, visits, as_of=None, settings=None):
    """按回访政策的应访日期。Next due date of a visit or contact under the visit policy, as in visits check."""
    status = _visit_status(customers, visits, as_of, settings)
    due = {cid: d.to_pydatetime() for cid, d in zip(status["customer_id"], status["due_date"], strict=True)}
    ids, shape = _ids(customer_id)
    return _lookup(ids, shape, due, "Customers")


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="客户编号（可为一列）/ customer ID(s)", **_VEC)
@xw.arg("customers", doc="客户档案表（含表头）/ Customers[#All]", **_VEC)
@xw.arg("visits", doc="拜访记录表（含表头）/ Visits[#All]", **_VEC)
@xw.arg("as_of", doc="可选：检查日期（默认今天）/ optional check date (default today)", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ label language", **_VEC)
@xw.arg("settings", doc=_SETTINGS_DOC, **_VEC)
@cells.excel_safe
def VISIT_STATUS(customer_id, customers, visits, as_of=None, lang=None, settings=None):
    """回访状态：正常 / 到期 / 逾期。Visit status ok / due / overdue under the visit policy, as in visits check."""
    language = _lang(lang)
    status = _visit_status(customers, visits, as_of, settings)
    labels = {
        cid: STATUS_LABELS[s].render(language) for cid, s in zip(status["customer_id"], status["status"], strict=True)
    }
    ids, shape = _ids(customer_id)
    return _lookup(ids, shape, labels, "Customers")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _statement(value: object, folder: Path, label: str, perspective: str):
    """A statement range read by the receivables statement reader: the reader takes files, so the range is
    written as a CSV (dates as ISO text, whole numbers without ".0" so a numeric document number keeps its
    digits) and read back; messages name the argument. An error cell is refused naming its place in the range."""
    rows = cells.grid(value)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row, start=1):
            if code := cells.error_code(v):
                raise CellError(code, f"{label}: row {i}, column {j} is {v}")
    path = folder / f"{label}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([_csv_cell(v) for v in row] for row in rows)
    try:
        return read_statement(path, perspective=perspective)  # type: ignore[arg-type]
    except KeyacctError as exc:
        raise CellError("#VALUE!", exc.en.replace(str(path), label)) from None


@xw.func(category=CATEGORY)
@xw.arg("ours_table", doc="我方对账单（含表头：日期、单据编号、借方、贷方…）/ our statement with header", **_VEC)
@xw.arg("theirs_table", doc="对方回传的账（含表头）/ the customer's statement with header", **_VEC)
@xw.arg("date_window", doc="可选：日期容差天数（默认 7）/ optional days two dates may differ", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ hint language", **_VEC)
@cells.excel_safe
def RECONCILE(ours_table, theirs_table, date_window=None, lang=None):
    """逐笔对账结果（动态数组）。Line-by-line reconciliation: status, references, dates, amounts, hints (spills)."""

    def compute() -> list[list[object]]:
        window = cells.integer(cells.single(date_window, "date_window"), "date_window", minimum=0)
        with tempfile.TemporaryDirectory(prefix="keyacct-reconcile-") as folder:
            ours = _statement(ours_table, Path(folder), "ours_table", "ours")
            theirs = _statement(theirs_table, Path(folder), "theirs_table", "customer")
        options = MatchOptions(date_window=7 if window is None else window)
        language = _lang(lang)
        return _shown(reconcile(ours, theirs, options=options, lang=language).table, language)

    return cache.get_or_compute("RECONCILE", (ours_table, theirs_table, date_window, lang), compute)
