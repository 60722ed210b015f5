"""Check every header field and table row of a recognized form against its spec.

A row with an error is marked not ok (and reported) while the file's good rows stay; ``strict`` turns any
error into the rejection of the whole file. References to the master (customer ids, owner reps) are checked
later, in the merge, where the customers created by this run's cards are known too.
"""

from __future__ import annotations

import pandas as pd

from keyacct_xl.consolidate.fieldcheck import FieldProblem, check_value
from keyacct_xl.consolidate.model import CellValue, CheckedRow, Extracted, FileOutcome, Issue, TableRows
from keyacct_xl.consolidate.period import period_end, period_start
from keyacct_xl.consolidate.routes import ROUTES, Route
from keyacct_xl.forms.formula import evaluate
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS, parse_customer_ref
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.parsing import ParseError, infer_day_first, is_blank


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _issue(outcome: FileOutcome, cell: CellValue, field: FieldSpec, problem: FieldProblem, lang: Lang,
           severity: str = "error") -> Issue:
    label = field.label.zh if lang == "zh" else field.label.en
    return Issue(outcome.name, cell.sheet, cell.ref, label, _shown(cell.value), problem.en, problem.zh, severity)


def check_form(outcome: FileOutcome, extracted: Extracted, spec: FormSpec, *, lang: Lang, strict: bool) -> None:
    """Fill ``outcome`` with typed header values, checked rows and issues; set its status."""
    outcome.form_id, outcome.version = spec.id, extracted.version
    for en, zh in extracted.warnings:
        outcome.issues.append(Issue(outcome.name, "", "", "", "", en, zh, "warning"))
    fields = {**{k: TITLE_FIELD_SPECS[k] for k in spec.title_fields}, **{f.key: f for f in spec.header_fields}}
    for key, field in fields.items():
        cell = extracted.header.get(key)
        if cell is None:
            if field.required:  # a retyped form without this field's label
                problem = FieldProblem("required field not found in the workbook", "工作簿中找不到必填项")
                outcome.issues.append(_issue(outcome, CellValue(None, "", ""), field, problem, lang))
            continue
        try:
            value = check_value(field, cell.value, lang=lang)
            # A pre-filled dropdown offers "C0001 客户名称"; the id is what the master keeps.
            outcome.header[key] = parse_customer_ref(value) if key == "customer_id" and value else value
        except FieldProblem as problem:
            outcome.issues.append(_issue(outcome, cell, field, problem, lang))
    for section in spec.tables:
        table = extracted.tables.get(section.id)
        if table is not None:
            outcome.rows.extend(_check_table(outcome, section.id, table, section.fields, lang))
    route = ROUTES[spec.id]
    review = _identify(outcome, extracted, route)
    _settle(outcome, route, strict, review)


def _check_table(outcome: FileOutcome, section: str, table: TableRows, fields: tuple[FieldSpec, ...],
                 lang: Lang) -> list[CheckedRow]:
    # Columns of an older version that this version dropped have no field here and are not read.
    present = [(f, table.columns[f.key]) for f in fields if f.key in table.columns]
    entered = [c for f, c in present if not f.formula]
    computed = [f for f in fields if f.formula]
    checked = []
    # Lines repeat their values (dates, choices, customers): each distinct (field, cell) is checked once.
    memo: dict[tuple[str, object], object] = {}
    orders = {f.key: _day_first(table, c) for f, c in present if f.type == "date"}
    for row_number, values in table.rows:
        cells = [values[c] if c < len(values) else None for _, c in present]
        if all(is_blank(values[c]) if c < len(values) else True for c in entered):
            continue  # a blank line of the form (computed columns alone do not make a line)
        row = CheckedRow(section, table.sheet, row_number, {})
        for (field, _), raw in zip(present, cells):
            if is_blank(raw) and not field.required:
                row.values[field.key] = None
                continue
            try:
                value = _memo_check(memo, field, raw, lang, orders.get(field.key))
                row.values[field.key] = parse_customer_ref(value) if field.key == "customer_id" and value else value
            except FieldProblem as problem:
                cell = CellValue(raw, table.sheet, table.ref(field.key, row_number))
                outcome.issues.append(_issue(outcome, cell, field, problem, lang))
                row.ok = False
        if "customer_id" in table.columns:
            row.refs["customer_id"] = table.ref("customer_id", row_number)
        for field in computed:
            if row.values.get(field.key) is None:
                row.values[field.key] = _evaluate(field.formula or "", row.values)
        checked.append(row)
    return checked


def _day_first(table: TableRows, column: int) -> bool | None:
    """The day/month order a date column's unambiguous ``dd/mm/yyyy`` texts show (None: none tell, or mixed)."""
    try:
        return infer_day_first(values[column] for _, values in table.rows if column < len(values))
    except ParseError:  # both orders in one column: each ambiguous date is reported on its own
        return None


def _memo_check(memo: dict[tuple[str, object], object], field: FieldSpec, raw: object, lang: Lang,
                day_first: bool | None) -> object:
    """check_value, remembered per field and cell value (problems too, so they are raised again)."""
    try:
        key = (field.key, raw)
        hash(key)
    except TypeError:  # an unhashable cell value: check it directly
        return check_value(field, raw, lang=lang, day_first=day_first)
    if key not in memo:
        try:
            memo[key] = check_value(field, raw, lang=lang, day_first=day_first)
        except FieldProblem as problem:
            memo[key] = problem
    result = memo[key]
    if isinstance(result, FieldProblem):
        raise result
    return result


def _evaluate(formula: str, values: dict[str, object]) -> float | None:
    """A column formula such as ``{qty}*{unit_price}``, for files saved without cached results."""
    value = evaluate(formula, values)
    return None if value is None else round(value, 6)


def _identify(outcome: FileOutcome, extracted: Extracted, route: Route) -> list[tuple[str, str]]:
    """Rep, period and the submission key. The cells a person sees win over the hidden ``_meta``; returns
    why a person must decide (en, zh) when the two disagree."""
    review: list[tuple[str, str]] = []
    typed_rep = str(outcome.header.get("rep") or "").strip()
    outcome.meta_rep = extracted.meta.get("rep", "").strip()
    outcome.rep = typed_rep or outcome.meta_rep
    if outcome.meta_rep and typed_rep and outcome.meta_rep != typed_rep:
        review.append((f"the form was generated for {outcome.meta_rep} but is signed by {typed_rep}",
                       f"表单为 {outcome.meta_rep} 生成，但填写的业务员为 {typed_rep}"))
    typed_period = str(outcome.header.get("period") or "").strip()
    meta_period = extracted.meta.get("period", "").strip()
    outcome.period = typed_period or meta_period
    if typed_period and meta_period and typed_period != meta_period:
        review.extend(_period_moved(outcome, meta_period))
    outcome.key = str(outcome.header.get(route.key_field) or "").strip() if route.key_field else outcome.period
    return review


def _period_moved(outcome: FileOutcome, generated: str) -> list[tuple[str, str]]:
    """A form generated for one period carries another typed period (last week's file, copied and edited).

    The typed period stands when every dated line lies in it; otherwise a person decides.
    """
    start, end = period_start(outcome.period), period_end(outcome.period)
    dates = [r.values.get("date") for r in outcome.rows if isinstance(r.values.get("date"), pd.Timestamp)]
    if start is not None and end is not None and all(start <= d <= end for d in dates):
        outcome.issues.append(Issue(outcome.name, "", "", "", outcome.period,
                                    f"the form was generated for {generated}; the typed period {outcome.period} "
                                    "is used", f"表单为 {generated} 生成，按填写的期间 {outcome.period} 汇总",
                                    "warning"))
        return []
    return [(f"the form was generated for {generated} but the typed period is {outcome.period} "
             "and its dates do not all fall in it",
             f"表单为 {generated} 生成，填写的期间为 {outcome.period}，且日期不全在该期间内")]


def _settle(outcome: FileOutcome, route: Route, strict: bool, review: list[tuple[str, str]]) -> None:
    errors = outcome.errors
    if not outcome.rep:
        outcome.reject("no_rep", "the file names no rep (业务员)", "文件未填写业务员")
    elif strict and errors:
        outcome.reject("strict", f"{len(errors)} error(s) and --strict: the whole file is rejected",
                       f"有 {len(errors)} 处错误且使用 --strict：整个文件拒收")
    elif route.key_field and not outcome.key:
        outcome.reject("no_key", f"the field {route.key_field} that identifies this form is empty or invalid",
                       f"标识本表单的字段 {route.key_field} 为空或有误")
    elif not route.header_table and not any(r.ok for r in outcome.rows):
        outcome.reject("empty", "no valid line in the form", "表单中没有有效的行")
    else:
        outcome.status = outcome.settled_status()
        for en, zh in review:
            outcome.hold_for_review(en, zh)
