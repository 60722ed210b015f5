"""Worksheet functions for Excel through xlwings (what users put in UDF_MODULES: ``keyacct_xl.udfs``).

Each function is a thin wrapper over the analytics core, named as users type it, in category "KeyAcct".
Excel semantics (keyacct_xl.bridge.cells): blanks give blanks, error values and bad arguments give text that
starts with the Excel error code ("#VALUE! frequency: ..."), never a traceback; a column in gives a column out,
computed in one vectorized call. Table functions spill a dynamic array with a header and are cached on a hash
of their input. Parameters carry no type hints on purpose: xlwings reads hints as converters.

Fast path (docs/excel.md): one call on whole columns, e.g. ``=RFM_SCORE(C2:C5000, D2:D5000, E2:E5000,
Settings!B20:E22)``, not 5,000 single-cell calls: each call crosses from Excel to Python.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
import xlwings as xw

from keyacct_xl.analytics.abc import DEFAULT_THRESHOLDS, abc_classes, revenue_by_customer
from keyacct_xl.analytics.rfm import CLASS_BY_SIGNS, class_label, rfm
from keyacct_xl.analytics.scoring import rfm_breaks, score
from keyacct_xl.bridge import cells
from keyacct_xl.bridge.cells import CellError, TableCache
from keyacct_xl.errors import KeyacctError
from keyacct_xl.master.schema import TRANSACTIONS

CATEGORY = "KeyAcct"
logger = logging.getLogger(__name__)
cache = TableCache()
_VEC = {"ndim": 2, "err_to_str": True}  # every cell argument: rows of values, error cells as their text


def excel_safe(function: Callable) -> Callable:
    """Turn every failure into the cell text Excel shows ("#VALUE! why"), never a Python traceback."""

    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except CellError as exc:
            return exc.text()
        except KeyacctError as exc:
            return f"#VALUE! {exc.en}"
        except Exception as exc:  # the cell is the only place the user sees; the log keeps the traceback
            logger.exception("%s failed", function.__name__)
            return f"#VALUE! {function.__name__}: unexpected {type(exc).__name__}: {exc}"

    return wrapper


def _per_row(columns: dict[str, list[object]], parse: Callable[[dict[str, object], int], tuple]) -> tuple[list, dict]:
    """Parse row by row: good rows in order, and the error text of each bad row by its position."""
    n = cells.broadcast(columns)
    good, bad = [], {}
    for i in range(n):
        try:
            good.append((i, parse({k: v[i] for k, v in columns.items()}, i)))
        except CellError as exc:
            bad[i] = exc.text()
    return good, bad


def _assemble(n: int, good_positions: list[int], values: list[object], bad: dict[int, str]) -> list[object]:
    out: list[object] = [None] * n
    for pos, value in zip(good_positions, values):
        out[pos] = value
    for pos, message in bad.items():
        out[pos] = message
    return out


def _breaks_matrix(value: object) -> np.ndarray:
    rows = cells.grid(value)
    numbers = [[cells.number(v, "breaks") for v in row] for row in rows]
    if numbers and len(numbers[0]) == 5 and all(r[0] is None for r in numbers):
        numbers = [r[1:] for r in numbers]  # a label column beside the breakpoints
    matrix = np.array([[np.nan if v is None else v for v in row] for row in numbers], dtype="float64")
    if matrix.shape != (3, 4) or np.isnan(matrix).any():
        raise CellError("#VALUE!", "breaks: give the 3 x 4 block RFM_BREAKS returns (rows R, F, M)")
    return matrix


@xw.func(category=CATEGORY)
@xw.arg("recency_days", doc="距最近一次购买的天数 / days since the last purchase", **_VEC)
@xw.arg("frequency", doc="购买次数 / number of purchases", **_VEC)
@xw.arg("monetary", doc="购买金额 / money spent", **_VEC)
@xw.arg("breaks", doc="可选：RFM_BREAKS 的 3x4 分段点；省略时按所给列计算 / optional breakpoints", **_VEC)
@excel_safe
def RFM_SCORE(recency_days, frequency, monetary, breaks=None):
    """RFM 评分（如 545）。RFM score 1-5 per dimension, e.g. "545" (R 5 = most recent)."""
    r_values, shape = cells.vector(recency_days, "recency_days")
    columns = {"recency_days": r_values, "frequency": cells.vector(frequency, "frequency")[0],
               "monetary": cells.vector(monetary, "monetary")[0]}

    def parse(row: dict[str, object], _: int) -> tuple[float, float, float] | None:
        values = tuple(cells.number(row[k], k) for k in ("recency_days", "frequency", "monetary"))
        return None if all(v is None for v in values) else _complete(values)

    good, bad = _per_row(columns, parse)
    n = max(len(v) for v in columns.values())
    scored = [(i, v) for i, v in good if v is not None]
    if not scored:
        return shape.rebuild(_assemble(n, [], [], bad)) if shape.rows else None
    data = np.array([v for _, v in scored], dtype="float64")
    matrix = _breaks_matrix(breaks) if breaks is not None else np.vstack([rfm_breaks(data[:, k]) for k in range(3)])
    r = score(data[:, 0], matrix[0], higher_is_better=False)
    f = score(data[:, 1], matrix[1])
    m = score(data[:, 2], matrix[2])
    codes = [f"{a}{b}{c}" for a, b, c in zip(r, f, m)]
    return shape.rebuild(_assemble(n, [i for i, _ in scored], codes, bad))


def _complete(values: tuple[float | None, ...]) -> tuple[float, ...]:
    if any(v is None for v in values):
        raise CellError("#VALUE!", "recency_days, frequency and monetary must all be given")
    return values  # type: ignore[return-value]


@xw.func(category=CATEGORY)
@xw.arg("recency_days", doc="距最近一次购买的天数 / days since the last purchase", **_VEC)
@xw.arg("frequency", doc="购买次数 / number of purchases", **_VEC)
@xw.arg("monetary", doc="购买金额 / money spent", **_VEC)
@xw.arg("mean_r", doc="R 的平均值 / mean recency_days", **_VEC)
@xw.arg("mean_f", doc="F 的平均值 / mean frequency", **_VEC)
@xw.arg("mean_m", doc="M 的平均值 / mean monetary", **_VEC)
@xw.arg("lang", doc="zh 或 en（默认 zh）/ label language", **_VEC)
@excel_safe
def RFM_CLASS(recency_days, frequency, monetary, mean_r, mean_f, mean_m, lang="zh"):
    """RFM 八类客户（如 重要价值客户）。RFM class: each of R, F, M against its mean (R up = more recent)."""
    language = cells.text(cells.grid(lang)[0][0], "lang") or "zh"
    if language not in ("zh", "en"):
        raise CellError("#VALUE!", f"lang must be zh or en, not {language}")
    means = [cells.number(cells.grid(v)[0][0], k) for k, v in (("mean_r", mean_r), ("mean_f", mean_f),
                                                                ("mean_m", mean_m))]
    if any(v is None for v in means):
        raise CellError("#VALUE!", "mean_r, mean_f and mean_m must be numbers")
    r_values, shape = cells.vector(recency_days, "recency_days")
    columns = {"recency_days": r_values, "frequency": cells.vector(frequency, "frequency")[0],
               "monetary": cells.vector(monetary, "monetary")[0]}

    def parse(row: dict[str, object], _: int) -> str | None:
        values = tuple(cells.number(row[k], k) for k in ("recency_days", "frequency", "monetary"))
        if all(v is None for v in values):
            return None
        r, f, m = _complete(values)
        return class_label(CLASS_BY_SIGNS[(r < means[0], f > means[1], m > means[2])], language)

    good, bad = _per_row(columns, parse)
    n = max(len(v) for v in columns.values())
    return shape.rebuild(_assemble(n, [i for i, _ in good], [v for _, v in good], bad))


def _transactions(table: object) -> pd.DataFrame:
    return cells.table(table, TRANSACTIONS, required=("date", "customer_id", "amount"), what="Transactions")


def _rfm_options(as_of: object, monetary: object) -> tuple[pd.Timestamp | None, str]:
    when = cells.date(cells.grid(as_of)[0][0], "as_of") if as_of is not None else None
    how = cells.text(cells.grid(monetary)[0][0], "monetary") if monetary is not None else None
    return when, how or "total"


@xw.func(category=CATEGORY)
@xw.arg("table", doc="销售明细表（含表头），如 Transactions[#All] / transactions with header", **_VEC)
@xw.arg("as_of", doc="可选：统计截止日 / optional as-of date", **_VEC)
@xw.arg("monetary", doc="可选：total 合计 或 average 单均 / total or average", **_VEC)
@excel_safe
def RFM_BREAKS(table, as_of=None, monetary=None):
    """RFM 五分位分段点（3 行 R/F/M × 4 列）。Quintile breakpoints for RFM_SCORE: rows R, F, M."""

    def compute() -> list[list[float]]:
        when, how = _rfm_options(as_of, monetary)
        result = rfm(_transactions(table), as_of=when, monetary=how)
        return [rfm_breaks(result[c].to_numpy(dtype="float64")).tolist()
                for c in ("recency_days", "frequency", "monetary")]

    return cache.get_or_compute("RFM_BREAKS", (table, as_of, monetary), compute)


@xw.func(category=CATEGORY)
@xw.arg("table", doc="销售明细表（含表头），如 Transactions[#All] / transactions with header", **_VEC)
@xw.arg("as_of", doc="可选：统计截止日 / optional as-of date", **_VEC)
@xw.arg("monetary", doc="可选：total 合计 或 average 单均 / total or average", **_VEC)
@excel_safe
def RFM_TABLE(table, as_of=None, monetary=None):
    """每个客户的 RFM 值、评分与分类（动态数组）。Per customer RFM values, scores and class (spills)."""

    def compute() -> list[list[object]]:
        when, how = _rfm_options(as_of, monetary)
        return cells.frame_grid(rfm(_transactions(table), as_of=when, monetary=how))

    return cache.get_or_compute("RFM_TABLE", (table, as_of, monetary), compute)


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
@excel_safe
def ABC_CLASS(amount, thresholds=None):
    """按金额阈值分 A/B/C 类。ABC class by revenue thresholds (default A >= 1,000,000, B >= 100,000)."""
    values, shape = cells.vector(amount, "amount")
    limits = _thresholds(thresholds)
    good, bad = _per_row({"amount": values}, lambda row, _: cells.number(row["amount"], "amount"))
    present = [(i, v) for i, v in good if v is not None]
    classes: list[object] = []
    if present:
        revenue = pd.Series([v for _, v in present], index=[i for i, _ in present], dtype="float64")
        table = abc_classes(revenue, thresholds=limits)
        classes = table.set_index("customer_id")["abc_class"].reindex(revenue.index).tolist()
    return shape.rebuild(_assemble(len(values), [i for i, _ in present], classes, bad))


@xw.func(category=CATEGORY)
@xw.arg("table", doc="销售明细表（含表头）/ transactions with header", **_VEC)
@xw.arg("shares", doc="可选：A、B 类累计占比，如 80,15；省略时按金额阈值 / optional A,B shares in %", **_VEC)
@xw.arg("year", doc="可选：年份 / optional calendar year", **_VEC)
@excel_safe
def PARETO_TABLE(table, shares=None, year=None):
    """帕累托 / ABC 客户表（动态数组）。Pareto table: rank, revenue, share, cumulative share, ABC class (spills)."""

    def compute() -> list[list[object]]:
        cut = None
        if shares is not None:
            cut = [cells.number(v, "shares") for v in cells.vector(shares, "shares")[0]]
            if len(cut) != 2 or None in cut:
                raise CellError("#VALUE!", "shares: give two percentages, e.g. 80 and 15")
        chosen = cells.number(cells.grid(year)[0][0], "year") if year is not None else None
        revenue = revenue_by_customer(_transactions(table), year=int(chosen) if chosen is not None else None)
        return cells.frame_grid(abc_classes(revenue, shares=cut))

    return cache.get_or_compute("PARETO_TABLE", (table, shares, year), compute)
