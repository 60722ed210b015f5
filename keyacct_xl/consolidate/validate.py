"""Check every header field and table row of a recognized form against its spec.

A row with an error is marked not ok (and reported) while the file's good rows stay; ``strict`` turns any
error into the rejection of the whole file. Only a required field or a field of the line's identity (its
master table's row key, ``routes.ROW_KEYS``) refuses a line; any other unreadable cell is left blank with a
warning that keeps what was typed. References to the master (customer ids, owner reps) are checked later, in
the merge, where the customers created by this run's cards are known too.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from keyacct_xl.consolidate.comments import comment_issues
from keyacct_xl.consolidate.fieldcheck import Checked, FieldProblem, Limit, read_cell
from keyacct_xl.consolidate.followthrough import check_followthrough
from keyacct_xl.consolidate.funnel_stages import settle_closed_stages
from keyacct_xl.consolidate.model import (
    CellValue,
    CheckedRow,
    Extracted,
    FileOutcome,
    Issue,
    Severity,
    TableRows,
    texts,
)
from keyacct_xl.consolidate.outside import as_shown, outside_issues
from keyacct_xl.consolidate.periods import Period, outside, parse_period, written_period
from keyacct_xl.consolidate.planforms import PLAN_DATES, check_plan, period_refusal
from keyacct_xl.consolidate.poor_ratings import Refusal, check_poor_ratings
from keyacct_xl.consolidate.prefilled_lines import check_prefilled_lines
from keyacct_xl.consolidate.productcodes import named_by_code
from keyacct_xl.consolidate.repeated_lines import repeated_line_issues
from keyacct_xl.consolidate.routes import ROUTES, ROW_KEYS, Route
from keyacct_xl.consolidate.totals import total_issues
from keyacct_xl.consolidate.typedformulas import formula_issues
from keyacct_xl.consolidate.versions import read_as_current
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.forms.formula import REF, computed_value, formula_refs
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS, parse_customer_ref
from keyacct_xl.forms.meta import meta_text, prefilled_key
from keyacct_xl.forms.spec import FieldSpec, FormSpec, SectionSpec, Text
from keyacct_xl.i18n import Lang
from keyacct_xl.master.ids import normalize_id
from keyacct_xl.messages import Message, Pair, Rendered, listing, msg
from keyacct_xl.parsing import ParseError, infer_day_first, is_blank, typed_day_first, typed_number
from keyacct_xl.xlsx.ooxml import column_letter

_SHOWN_CHARS = 200  # a cell's text quoted in a message: enough to recognise it, never a whole essay


def _shown(value: object) -> str:
    text = "" if value is None else as_shown(value)  # -500 as typed, not the reader's -500.0
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _issue(
    outcome: FileOutcome, cell: CellValue, field: FieldSpec, problem: FieldProblem, severity: Severity = "error"
) -> Issue:
    return Issue(outcome.name, cell.sheet, cell.ref, field.label, _typed(cell, field), problem.reason, severity)


def _typed(cell: CellValue, field: FieldSpec) -> str:
    """A cell's value as the report quotes it: a number typed into a date cell as that number (11.3), not as the
    day of 1900 the reader made of it."""
    number = typed_number(cell.value) if field.type == "date" and isinstance(cell.value, dt.date) else None
    if field.type == "percent" and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        return f"{cell.value * 100:.10g}%"  # as the percent cell shows it: 150%, not the 1.5 it holds
    return _shown(cell.value) if number is None else f"{number:.10g}"


def form_period(header: Mapping[str, object], meta: Mapping[str, str]) -> str:
    """The form's period: the one typed in its visible cell when it holds a valid one, else ``_meta``'s."""
    return str(header.get("period") or "").strip() or meta.get("period", "").strip()


def key_fields(route: Route, section: SectionSpec) -> frozenset[str]:
    """The section's fields that fill a column of its master table's row key: unreadable, they refuse the line.

    A field fills the column its ``maps_to`` names, else the column of its own key.
    """
    row_key = ROW_KEYS.get(route.rows.get(section.id, ""))
    if row_key is None:
        return frozenset()
    columns = row_key.all_columns()
    return frozenset(f.key for f in section.fields if (f.maps_to or f".{f.key}").partition(".")[2] in columns)


@dataclass(frozen=True)
class _Reading:
    """What checking a file's cells needs besides the cells: language, period, the line keys of a section."""

    outcome: FileOutcome
    lang: Lang
    period: Period | None
    keys: frozenset[str] = frozenset()
    currency: Currency = CNY  # the master's book currency: the one amounts are read in
    lost_formulas: frozenset[tuple[str, str]] = frozenset()  # computed cells holding no formula (sheet, ref)
    made_by: dt.date | None = None  # the consolidation day: the visits a section records as made lie no later

    def add(self, cell: CellValue, field: FieldSpec, reason: Rendered, severity: Severity = "warning") -> None:
        self.outcome.issues.append(_issue(self.outcome, cell, field, FieldProblem(reason), severity))

    def customer_id(self, value: object, cell: CellValue, field: FieldSpec) -> str:
        """The id from an id or ``id name`` cell, with look-alike and invisible characters made plain."""
        typed = parse_customer_ref(str(value))
        whole = normalize_id(str(value))
        clean = parse_customer_ref(whole)
        if whole != clean:
            self.outcome.customer_entries[f"{cell.sheet}!{cell.ref}"] = whole
        if clean != typed:
            odd = listing(_odd_character(ch) for ch in dict.fromkeys(typed) if not ch.isascii() or not ch.isprintable())
            self.add(
                cell,
                field,
                msg(
                    "{typed} typed with look-alike or invisible characters ({odd}), read as {clean}",
                    typed=typed,
                    odd=odd,
                    clean=clean,
                ),
            )
        return clean

    def latest(self, field: FieldSpec, values: Mapping[str, object], labels: Mapping[str, Text]) -> Limit | None:
        """The day a date of ``field`` typed without a year cannot lie after: the date of the field it is not after
        (``values``: the line's or header's values read so far), else for a past date the form's date, its fill date
        or else its period's last day; None when the year nearest the period is taken."""
        if field.not_after and isinstance(day := values.get(field.not_after), pd.Timestamp):
            return Limit(day.date(), labels[field.not_after])
        if not field.past:
            return None
        if isinstance(filled := self.outcome.header.get("fill_date"), pd.Timestamp):
            return Limit(filled.date(), TITLE_FIELD_SPECS["fill_date"].label)
        return None if self.period is None else Limit(self.period.last)

    def check_order(self, cell: CellValue, field: FieldSpec, value: object, mixed: ParseError) -> None:
        """Warn at a date typed in one day/month order in a column that holds the other order too: one of the two
        orders is misread, and only the rep knows which (4/12/2026 there is refused as ambiguous by itself)."""
        day_first = typed_day_first(cell.value)
        if day_first is None or not isinstance(value, pd.Timestamp):
            return
        self.add(
            cell,
            field,
            msg(
                "{problem}: {typed!r} read as {date} ({order}); check it",
                problem=mixed,
                typed=cell.value,
                date=f"{value:%Y-%m-%d}",
                order=msg("day/month") if day_first else msg("month/day"),
            ),
        )

    def ahead(self, cell: CellValue, field: FieldSpec, value: object) -> bool:
        """Refuse the day of a visit recorded as made (the master's Visits.date) that lies after the consolidation
        day: a visit not yet made; a next visit's day is a plan and may lie ahead."""
        if self.made_by is None or field.maps_to != _VISIT_DAY or not isinstance(value, pd.Timestamp):
            return False
        if value.date() <= self.made_by:
            return False
        problem = msg(
            "later than today ({today}, the consolidation date): a visit that has not happened yet cannot be "
            "recorded as made, the line is not read; put a planned visit in the weekly plan or the next visit's date",
            today=self.made_by.isoformat(),
        )
        self.outcome.issues.append(_issue(self.outcome, cell, field, FieldProblem(problem)))
        return True

    def check_in_period(self, cell: CellValue, field: FieldSpec, value: object) -> None:
        """Warn about a date of the period (a line's row-key date, a field marked ``in_period``) lying outside the
        form's period, beyond the tolerance: it stays, a rep may record a late visit."""
        if self.period is None or not isinstance(value, pd.Timestamp):
            return
        if (self.outcome.form_id, field.key) in PLAN_DATES:
            return  # a plan's own dates must lie in its period: an error, checked by check_plan
        if outside(self.period, value.date()):
            self.add(
                cell,
                field,
                msg("date outside the form's period {period}", period=self.period.text),
            )


def _below_table_issues(file: str, extracted: Extracted, spec: FormSpec) -> list[Issue]:
    """One warning per line typed under a table's range and read as its line, at the line's first cell.

    The table is named by its title on the form: its Excel name (t_visits) means nothing to a manager.
    """
    titles: dict[str, Text | str] = {s.id: s.title for s in spec.sections}
    issues = []
    for section_id, table in extracted.tables.items():
        title = titles.get(section_id, section_id)
        first = column_letter(min(table.columns.values(), default=0) + 1)
        for row in table.below:
            why = msg(
                "row {row} is under the table {table}, outside its range: read as one of its lines",
                row=row,
                table=title,
            )
            issues.append(Issue(file, table.sheet, f"{first}{row}", title, "", why, "warning"))
    return issues


def _odd_character(ch: str) -> Message:
    """A look-alike or invisible character as a person reads it: 全角字母 Ｃ, 西里尔字母 С, 不可见字符 U+200B."""
    name = unicodedata.name(ch, "")
    if not ch.isprintable() or ch.isspace():
        return msg("invisible character U+{code:04X}", code=ord(ch))
    if name.startswith("FULLWIDTH"):
        if ch.isdigit():
            return msg("full-width digit {ch}", ch=ch)
        return msg("full-width letter {ch}", ch=ch) if ch.isalpha() else msg("full-width sign {ch}", ch=ch)
    if name.startswith("CYRILLIC"):
        return msg("Cyrillic letter {ch}", ch=ch)
    if name.startswith("GREEK"):
        return msg("Greek letter {ch}", ch=ch)
    return msg("character {ch} (U+{code:04X})", ch=ch, code=ord(ch))


def check_form(
    outcome: FileOutcome,
    extracted: Extracted,
    spec: FormSpec,
    *,
    lang: Lang,
    strict: bool,
    currency: Currency = CNY,
    today: dt.date | None = None,
) -> None:
    """Fill ``outcome`` with typed header values, checked rows and issues; set its status (amounts in ``currency``,
    the master's; a visit recorded as made dated after ``today``, the consolidation day, refused)."""
    outcome.form_id, outcome.version = spec.id, extracted.version
    for en, zh in extracted.warnings:
        outcome.warn(Pair(en, zh))
    outcome.issues.extend(outside_issues(outcome.name, extracted.outside))
    outcome.issues.extend(comment_issues(outcome.name, extracted, spec))
    outcome.issues.extend(formula_issues(outcome.name, extracted.formulas))
    outcome.issues.extend(_below_table_issues(outcome.name, extracted, spec))
    # An older copy: renamed fields take their new keys; what no field of this version takes goes to the ledger.
    kept = read_as_current(outcome, extracted, spec)
    fields = {**{k: TITLE_FIELD_SPECS[k] for k in spec.title_fields}, **{f.key: f for f in spec.header_fields}}
    # The period first: the header's dates typed without a year take the period's.
    if "period" in fields:
        period_field = fields.pop("period")
        _check_period(_Reading(outcome, lang, None, currency=currency), extracted, period_field)
    reading = _Reading(outcome, lang, parse_period(form_period(outcome.header, extracted.meta)), currency=currency)
    labels = {k: f.label for k, f in fields.items()}
    for field in fields.values():  # in the form's order: a date another is not after is read before it
        _check_header_field(reading, extracted, field, reading.latest(field, outcome.header, labels))
    outcome.header.update(kept)
    route = ROUTES[spec.id]
    for section in spec.tables:
        table = extracted.tables.get(section.id)
        if table is not None:
            made_by = today if route.rows.get(section.id) == "Visits" else None  # a plan's days lie ahead
            lines = _Reading(
                outcome, lang, reading.period, key_fields(route, section), currency, extracted.lost_formulas, made_by
            )
            outcome.rows.extend(_check_table(lines, section.id, table, section.fields))
    outcome.issues.extend(total_issues(outcome.name, spec, extracted.totals, outcome.rows))
    check_prefilled_lines(outcome, extracted, spec)
    settle_closed_stages(outcome, spec)  # after the totals: they check the sheet's sums of what was typed
    outcome.issues.extend(repeated_line_issues(outcome))
    wrong_period = period_refusal(outcome, extracted, spec, reading.period)  # first: the plan rules skip its lines
    check_plan(outcome, extracted, spec, reading.period)
    refusal = check_poor_ratings(outcome, extracted, spec) or _header_without_key(outcome, spec, route)
    refusal = wrong_period or refusal
    review = _identify(outcome, extracted, route)
    check_followthrough(outcome, extracted)
    _settle(outcome, spec, route, strict, review, refusal)


def _check_period(reading: _Reading, extracted: Extracted, field: FieldSpec) -> None:
    """The typed period: a week or month (2026-W48, 2026-11) as it is; one written in words or numbers (2026年第49周,
    第49周, 2026-49, 2026年12月) read as that period, with a note; anything else (2026-W99, 2025-W53, which has 52
    weeks) replaced by the one ``_meta`` was generated for, with a warning saying how a period is written, or without
    a valid one an error there and no period (it would be stored on every row, and the dates could not be checked
    against it)."""
    outcome = reading.outcome
    cell = extracted.header.get(field.key)
    typed = "" if cell is None or is_blank(cell.value) else str(cell.value).strip()
    if cell is None or not typed or parse_period(typed) is not None:
        _check_header_field(reading, extracted, field)
        return
    outcome.header_cells[field.key] = (cell.sheet, cell.ref)
    generated = parse_period(extracted.meta.get("period", "").strip())
    written = written_period(typed, generated)
    if written is not None:
        outcome.header["period"] = written.text
        reading.add(cell, field, msg("{typed!r} read as the period {period}", typed=typed, period=written.text))
        return
    if generated is not None:
        outcome.header["period"] = generated.text
        problem = msg(
            "{typed!r} is no week or month: read as {period}, the period the form was generated for; write a period "
            "as 2026-W49 (a week) or 2026-12 (a month)",
            typed=typed,
            period=generated.text,
        )
        reading.add(cell, field, problem)
        return
    outcome.header["period"] = None
    problem = msg(
        "{typed!r} is no week or month: write the form's period as 2026-W49 (a week) or 2026-12 (a month)", typed=typed
    )
    outcome.issues.append(_issue(outcome, cell, field, FieldProblem(problem)))


def _check_header_field(reading: _Reading, extracted: Extracted, field: FieldSpec, latest: Limit | None = None) -> None:
    outcome = reading.outcome
    cell = extracted.header.get(field.key)
    if cell is None:
        if field.required:  # a retyped form without this field's label
            problem = FieldProblem(msg("required field not found in the workbook"))
            outcome.issues.append(_issue(outcome, CellValue(None, "", ""), field, problem))
        return
    outcome.header_cells[field.key] = (cell.sheet, cell.ref)
    if field.manager_only:
        # a value the form was pre-filled with and the rep left as it was is no change to report
        if not is_blank(cell.value) and meta_text(cell.value) != extracted.meta.get(prefilled_key(field.key)):
            reading.add(
                cell,
                field,
                msg("set by the key-account manager, not by a rep: ignored"),
            )
        return
    try:
        checked = read_cell(
            field, cell.value, lang=reading.lang, period=reading.period, latest=latest, currency=reading.currency
        )
        value = checked.value
        if checked.note:
            reading.add(cell, field, checked.note)
        # A pre-filled dropdown offers "C0001 客户名称"; the id is what the master keeps.
        outcome.header[field.key] = (
            reading.customer_id(value, cell, field) if field.key == "customer_id" and value else value
        )
        if field.in_period:
            reading.check_in_period(cell, field, value)
        outcome.header_cells[field.key] = (cell.sheet, cell.ref)
    except FieldProblem as problem:
        outcome.issues.append(_issue(outcome, cell, field, problem))


def _check_table(reading: _Reading, section: str, table: TableRows, fields: tuple[FieldSpec, ...]) -> list[CheckedRow]:
    # An older copy's columns come keyed as this version's fields (consolidate.versions); the rest were kept aside.
    present = [(f, table.columns[f.key]) for f in fields if f.key in table.columns]
    typed = [(f, c) for f, c in present if not f.formula]  # a computed column is computed, never read (below)
    entered = [c for _, c in typed]
    computed = [f for f in fields if f.formula]
    checked = []
    # Lines repeat their values (dates, choices, customers): each distinct (field, cell) is checked once.
    memo: dict[tuple[object, ...], Checked | FieldProblem] = {}
    labels = {f.key: f.label for f in fields}
    orders = {f.key: _day_first(table, c) for f, c in present if f.type == "date"}
    day_first = {key: order for key, order in orders.items() if not isinstance(order, ParseError)}
    mixed = {key: order for key, order in orders.items() if isinstance(order, ParseError)}
    for row_number, values in table.rows:
        if all(c >= len(values) or values[c] is None or values[c] == "" or is_blank(values[c]) for c in entered):
            continue  # a blank line of the form (computed columns alone do not make a line); most cells are ""
        row = CheckedRow(section, table.sheet, row_number, {})
        refused: set[str] = set()  # optional cells left blank because what was typed could not be read
        for field, column in typed:
            raw = values[column] if column < len(values) else None
            row.values[field.key] = None
            if is_blank(raw) and (not field.required or named_by_code(field.key, table.columns, values)):
                continue  # a product picked by its code is named from the catalogue in the merge (productcodes)
            latest = reading.latest(field, row.values, labels) if field.type == "date" else None
            try:
                read = _memo_check(memo, field, raw, reading, (day_first.get(field.key), latest))
            except FieldProblem as problem:
                refused.add(field.key)
                cell = _cell(table, field, row_number, raw)
                # an amount in another currency is no missing price: the line is refused, never kept without it
                if field.required or field.key in reading.keys or problem.refuses_line:
                    reading.outcome.issues.append(_issue(reading.outcome, cell, field, problem))
                    row.ok = False
                else:  # an optional cell that cannot be read does not cost the rep the line
                    reading.add(
                        cell,
                        field,
                        msg(
                            "{problem}: left blank, the line is kept (typed: {typed})",
                            problem=problem.reason,
                            typed=_typed(cell, field),
                        ),
                    )
                continue
            value = read.value
            if read.note:  # a synonym (面访 for 面谈): stored as the choice, the report keeps what was typed
                reading.add(_cell(table, field, row_number, raw), field, read.note)
            if field.key == "customer_id" and value:
                value = reading.customer_id(value, _cell(table, field, row_number, raw), field)
            if field.key in mixed:
                reading.check_order(_cell(table, field, row_number, raw), field, value, mixed[field.key])
            if field.type == "date" and (field.in_period or field.key in reading.keys):
                reading.check_in_period(_cell(table, field, row_number, raw), field, value)
            if reading.ahead(_cell(table, field, row_number, raw), field, value):
                row.ok = False
            row.values[field.key] = value
        row.refs.update({f.key: table.ref(f.key, row_number) for f, _ in present})  # each cell's place, for messages
        if row_number in table.merged_across:
            _refuse_merged(reading, table, row, values, {f.key: f for f in fields})
        for field in computed:
            _compute(reading, table, row, field, (values, refused, fields))
        checked.append(row)
    return checked


def _refuse_merged(
    reading: _Reading, table: TableRows, row: CheckedRow, values: list[object], fields: Mapping[str, FieldSpec]
) -> None:
    """A line crossed by a range merged across several of its columns: which one the value shown belongs to is not
    known, so the line is refused (consolidate.tablemerges)."""
    ref, keys = table.merged_across[row.row]
    labels = {k: fields[k].label for k in keys if k in fields}
    first = table.columns[keys[0]]
    problem = FieldProblem(
        msg(
            "the cells {range} are merged across the columns {columns}: the value shown cannot be given to one "
            "column, the line is not read (unmerge the cells and fill each column)",
            range=ref,
            columns=listing(Pair(labels[k].en, labels[k].zh) if k in labels else k for k in keys),
        )
    )
    raw = values[first] if first < len(values) else None
    field = fields.get(keys[0]) or next(iter(fields.values()))
    reading.outcome.issues.append(_issue(reading.outcome, CellValue(raw, table.sheet, ref), field, problem))
    row.ok = False


def _compute(
    reading: _Reading,
    table: TableRows,
    row: CheckedRow,
    field: FieldSpec,
    line: tuple[list[object], set[str], tuple[FieldSpec, ...]],
) -> None:
    """A computed column's value from the line's stored inputs, as the form's formula computes it; what the file
    shows there (a spreadsheet's cached result, blank or 0 for inputs typed as text, or a number typed over the
    formula) is not taken, and is noted when it differs although the sheet could compute (every input a number)."""
    values, refused, fields = line
    formula = field.formula or ""
    refs = formula_refs(formula)
    value = computed_value(formula, row.values, refused)
    shown = _raw(table, values, field.key)
    if value is not None and not math.isfinite(value):
        value = None
        reading.add(
            _computed_cell(table, field, row.row, shown),
            field,
            msg("the computed value is too large for Excel: left blank"),
        )
    row.values[field.key] = value
    if refused.intersection(refs):
        return
    _factor_missing(reading, table, row, field, fields)
    labels = {f.key: f.label for f in fields}
    # A cell without the form's formula shows what was typed there, or nothing, whatever its inputs.
    lost = (table.sheet, table.ref(field.key, row.row)) in reading.lost_formulas
    if lost and is_blank(shown) and value is not None:
        reading.add(
            _computed_cell(table, field, row.row, shown),
            field,
            msg(
                "no formula here (a line inserted in a spreadsheet program does not get the column's formula): the "
                "file shows nothing, and its total leaves this line out; the master records {computed} ({formula})",
                computed=as_shown(value),
                formula=Pair(*(_formula_text(formula, labels, lang) for lang in ("en", "zh"))),
            ),
        )
        return
    if not _differs(shown, value):
        return
    # Inputs typed as text (1.2万) leave a spreadsheet nothing to compute: what its formula shows then says nothing.
    if lost or all(is_blank(v) or _is_number(v) for v in (_raw(table, values, k) for k in refs)):
        reading.add(
            _computed_cell(table, field, row.row, shown),
            field,
            msg(
                "the file shows {shown} here, not {computed} ({formula}): the computed value is recorded",
                shown=as_shown(shown),
                computed="—" if value is None else as_shown(value),
                formula=Pair(*(_formula_text(formula, labels, lang) for lang in ("en", "zh"))),
            ),
        )


def _factor_missing(
    reading: _Reading, table: TableRows, row: CheckedRow, field: FieldSpec, fields: tuple[FieldSpec, ...]
) -> None:
    """Warn at each blank factor of a product (数量 × 单价) whose other factor is filled: the product is recorded as
    0, which a price without a quantity rarely means. A sum's blank term is 0 by right, and is not warned of."""
    formula = field.formula or ""
    if not _PRODUCT.fullmatch(formula):
        return
    refs = formula_refs(formula)
    given = [k for k in refs if row.values.get(k) is not None]
    if not given or len(given) == len(refs):
        return
    by_key = {f.key: f for f in fields}  # a formula names its own section's columns (checked when a spec loads)
    labels = {f.key: f.label for f in fields}
    filled = listing(
        Pair(*(f"{getattr(labels[k], lang)} {as_shown(row.values[k])}" for lang in ("en", "zh"))) for k in given
    )
    for key in (k for k in refs if k not in given):
        reading.add(
            CellValue(None, table.sheet, table.ref(key, row.row) if key in table.columns else ""),
            by_key[key],
            msg(
                "{missing} is empty beside {given}: {computed} ({formula}) is recorded as 0; fill in {missing} or "
                "clear the line",
                missing=Pair(labels[key].en, labels[key].zh),
                given=filled,
                computed=Pair(field.label.en, field.label.zh),
                formula=Pair(*(_formula_text(formula, labels, lang) for lang in ("en", "zh"))),
            ),
        )


# A formula that multiplies its inputs and nothing else ({qty}*{unit_price}, {weight}*{score}).
_PRODUCT = re.compile(r"\{\w+\}(?:\*\{\w+\})+")


def _raw(table: TableRows, values: list[object], key: str) -> object:
    """A line's cell as read, None when the table has no such column."""
    column = table.columns.get(key)
    return values[column] if column is not None and column < len(values) else None


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _excel_error(value: object) -> bool:
    """A formula's error result as readers give it: #DIV/0!, #VALUE!, #N/A."""
    return isinstance(value, str) and value.startswith("#") and (value.endswith(("!", "?")) or value == "#N/A")


def _computed_cell(table: TableRows, field: FieldSpec, row_number: int, shown: object) -> CellValue:
    return CellValue(shown, table.sheet, table.ref(field.key, row_number) if field.key in table.columns else "")


def _differs(shown: object, value: float | None) -> bool:
    """Whether a computed cell shows something else than ``value`` beyond rounding (a blank, the 0 a legacy .xls
    keeps for a blank result and an Excel error where nothing is computed are no value shown)."""
    if is_blank(shown) or (value is None and (shown == 0 or _excel_error(shown))):
        return False  # a division by zero shows #DIV/0! where nothing is recorded
    if value is None or not _is_number(shown):
        return True
    return not math.isclose(float(shown), value, rel_tol=1e-9, abs_tol=0.005)


_SIGNS = {"*": " × ", "/": " ÷ ", "+": " + ", "-": " − "}


def _formula_text(formula: str, labels: Mapping[str, Text], lang: str) -> str:
    """A formula as a person reads it, by its columns' labels: 数量 × 单价, Qty × Unit price."""
    signs = "".join(_SIGNS.get(ch, ch) for ch in formula)  # a key holds no sign; a label may (评分(1-10))
    return REF.sub(lambda m: getattr(labels[m[1]], lang) if m[1] in labels else m[1], signs)


def _cell(table: TableRows, field: FieldSpec, row_number: int, raw: object) -> CellValue:
    """Where a line's cell is, for a message (made only when one is needed: lines have thousands of cells)."""
    return CellValue(raw, table.sheet, table.ref(field.key, row_number))


def _day_first(table: TableRows, column: int) -> bool | ParseError | None:
    """The day/month order a date column's unambiguous ``dd/mm/yyyy`` texts show (None: none tell), or the refusal
    of a column typed in both orders, as a reconciliation gives it."""
    try:
        return infer_day_first(values[column] for _, values in table.rows if column < len(values))
    except ParseError as mixed:  # each date is read by itself and warned of (_Reading.check_order)
        return mixed


def _memo_check(
    memo: dict[tuple[object, ...], Checked | FieldProblem],
    field: FieldSpec,
    raw: object,
    reading: _Reading,
    dates: tuple[bool | None, Limit | None],
) -> Checked:
    """read_cell, remembered per field, cell value and the day a year-less date cannot lie after (problems too,
    so they are raised again); ``dates``: the column's day/month order and that day."""
    latest = dates[1]
    try:
        key = (field.key, raw) if latest is None else (field.key, raw, latest)
        hash(key)
    except TypeError:  # an unhashable cell value: check it directly
        return _read(field, raw, reading, dates)
    if key not in memo:
        try:
            memo[key] = _read(field, raw, reading, dates)
        except FieldProblem as problem:
            memo[key] = problem
    result = memo[key]
    if isinstance(result, FieldProblem):
        raise result
    return result


def _read(field: FieldSpec, raw: object, reading: _Reading, dates: tuple[bool | None, Limit | None]) -> Checked:
    day_first, latest = dates
    return read_cell(
        field,
        raw,
        lang=reading.lang,
        day_first=day_first,
        period=reading.period,
        latest=latest,
        currency=reading.currency,
    )


def _identify(outcome: FileOutcome, extracted: Extracted, route: Route) -> list[tuple[str, str]]:
    """Rep, period and the submission key. The cells a person sees win over the hidden ``_meta``; returns
    why a person must decide (en, zh) when the two disagree."""
    review: list[tuple[str, str]] = []
    typed_rep = str(outcome.header.get("rep") or "").strip()
    outcome.meta_rep = extracted.meta.get("rep", "").strip()
    outcome.company = extracted.company
    outcome.rep = typed_rep or outcome.meta_rep
    if outcome.meta_rep and not typed_rep:
        _taken_as_generated(outcome)
    if outcome.meta_rep and typed_rep and outcome.meta_rep != typed_rep:
        review.append(
            texts(
                msg(
                    "the form was generated for {generated} but is signed by {typed}",
                    generated=outcome.meta_rep,
                    typed=typed_rep,
                )
            )
        )
    typed_period = str(outcome.header.get("period") or "").strip()
    meta_period = extracted.meta.get("period", "").strip()
    outcome.period = typed_period or meta_period
    if typed_period and meta_period and typed_period != meta_period:
        review.extend(_period_moved(outcome, meta_period))
    outcome.key = _key_text(outcome.header.get(route.key_field)) if route.key_field else outcome.period
    return review


def _taken_as_generated(outcome: FileOutcome) -> None:
    """A hint at the rep's cell left blank: the file is recorded as the rep its form was generated for."""
    sheet, ref = outcome.header_cells.get("rep", ("", ""))
    problem = FieldProblem(
        msg(
            "the rep's name was left blank: recorded as {rep}, the rep this form was generated for (the hidden _meta "
            "sheet); if that is wrong, type the name and send the form again",
            rep=outcome.meta_rep,
        )
    )
    outcome.issues.append(_issue(outcome, CellValue(None, sheet, ref), TITLE_FIELD_SPECS["rep"], problem, "warning"))


_VISIT_DAY = "Visits.date"  # a visit's day as the master records it: the visit was made


def _key_text(value: object) -> str:
    """A key field's value as the ledger shows it: a date as its day (a daily report's date)."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value or "").strip()


def _fills_key(field: FieldSpec, route: Route) -> bool:
    """Whether a header field fills a row-key column of the form's header table (by ``maps_to`` or by key), or is
    the customer every line takes from the header (a key-account log's customer), or the name of a customer a card
    registers: a customer is known by its name (the duplicate check, every list), so a card without one creates or
    updates no customer."""
    if route.registers_customers and field.maps_to == "Customers.name":
        return True
    if route.header_table:
        target, _, column = (field.maps_to or "").partition(".")
        keys = ROW_KEYS[route.header_table].all_columns()
        if (column if target == route.header_table else field.key) in keys:
            return True
    return field.key == "customer_id" and any("customer_id" in ROW_KEYS[t].columns for t in route.rows.values())


def _header_without_key(outcome: FileOutcome, spec: FormSpec, route: Route) -> Refusal | None:
    """A form whose required header field of a row's identity is empty or unreadable (a follow-up report without
    its visit date, a key-account log without its customer) gives no row that could be told apart: refused."""
    missing = [
        f.label for f in spec.header_fields if f.required and outcome.header.get(f.key) is None and _fills_key(f, route)
    ]
    if not missing:
        return None
    return (
        "no_key",
        msg("{fields} empty or invalid: the form gives no row to record", fields=listing(missing)),
    )


def _period_moved(outcome: FileOutcome, generated: str) -> list[tuple[str, str]]:
    """A form generated for one period carries another typed period (last week's file, copied and edited).

    The typed period stands when every dated line lies in it; otherwise a person decides.
    """
    period = parse_period(outcome.period)
    dates = [r.values["date"].date() for r in outcome.rows if isinstance(r.values.get("date"), pd.Timestamp)]
    if period is not None and all(period.first <= d <= period.last for d in dates):
        outcome.issues.append(
            Issue(
                outcome.name,
                "",
                "",
                "",
                outcome.period,
                msg(
                    "the form was generated for {generated}; the typed period {period} is used",
                    generated=generated,
                    period=outcome.period,
                ),
                "warning",
            )
        )
        return []
    return [
        texts(
            msg(
                "the form was generated for {generated} but the typed period is {period} "
                "and its dates do not all fall in it",
                generated=generated,
                period=outcome.period,
            )
        )
    ]


def _settle(
    outcome: FileOutcome,
    spec: FormSpec,
    route: Route,
    strict: bool,
    review: list[tuple[str, str]],
    refusal: Refusal | None,
) -> None:
    if outcome.code:  # a form's own rule rejected the file already (keyacct_xl.consolidate.followthrough)
        return
    errors = outcome.errors
    if not outcome.rep:
        outcome.reject("no_rep", msg("the file names no rep (业务员)"))
    elif strict and errors:
        outcome.reject(
            "strict",
            msg("{count} error(s) and --strict: the whole file is rejected", count=len(errors)),
        )
    elif route.key_field and not outcome.key and not route.registers_customers:  # a new customer's id is given
        # Named by its label, as the rep sees it on the form (报价单号, 日期), never by its key.
        label = next((f.label for f in spec.header_fields if f.key == route.key_field), None)
        outcome.reject(
            "no_key",
            msg("the field {field} that identifies this form is empty or invalid", field=label or route.key_field),
        )
    elif refusal is not None:
        outcome.reject(*refusal)
    elif not route.header_table and not any(r.ok for r in outcome.rows):
        outcome.reject("empty", msg("no valid line in the form"))
    else:
        outcome.status = outcome.settled_status()
        for en, zh in review:
            outcome.hold_for_review(en, zh)
