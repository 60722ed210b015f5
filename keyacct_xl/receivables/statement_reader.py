"""Read a statement of account (对账单 / 往来明细) in any reasonable layout.

Customers return their own books: title rows above the header, zh or en headers, debit/credit columns or one
signed amount, a running balance, totals rows, notes below. The header row is found by its names; each row
below it is a ledger line (it has an amount), a balance row (opening/closing/totals) or a note. Every
non-blank row is kept in one of those lists; values that cannot be read are listed with file, sheet and row.

Amounts come out in *our* perspective: positive raises what the customer owes us. The customer's own books
(``perspective="customer"``) hold the mirror image: their credit (贷方, goods received) is our debit.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zipfile
from collections.abc import Container, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import python_calamine as calamine

from keyacct_xl.cellformulas import SheetMarks, ods_sheet_marks, xls_sheet_marks
from keyacct_xl.consolidate import safety
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.disguised import disguised_sheets
from keyacct_xl.errors import InputError
from keyacct_xl.headers import normalize_header
from keyacct_xl.isolation import run_isolated
from keyacct_xl.messages import Location, Pair, Rendered, cell_text, msg
from keyacct_xl.parsing import (
    OtherCurrencyError,
    ParseError,
    infer_day_first,
    is_blank,
    names_currency,
    parse_date,
    parse_money,
)
from keyacct_xl.receivables.statement_dates import Period, YearlessDates, title_period, yearless_dates
from keyacct_xl.tablefile import check_input_file, read_csv_rows
from keyacct_xl.xlsx.ooxml import column_letter
from keyacct_xl.xlsx.package import open_package, read_part, sheet_parts
from keyacct_xl.xlsx.sheetxml import formula_cells, hidden_rows_columns

Perspective = Literal["customer", "ours"]
HEADER_SCAN_ROWS = 30
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
# A statement's sheet is read whole, every cell of the box of its cells a Python object (about 75 bytes): the cap of a
# returned form's sheet (8 million cells, some 600 MB), in every format, an .xls's 65,536 x 256 grid (16.7 million)
# included. A customer's statement holds a few hundred lines.
MAX_STATEMENT_CELLS = safety.MAX_SHEET_CELLS

# Header names per role; a header matches exactly, or starts with a name of two or more characters.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "direction": ("借或贷", "借/贷", "方向", "余额方向", "借贷方向", "dr/cr", "drcr"),
    "date": (
        "日期",
        "记账日期",
        "单据日期",
        "凭证日期",
        "业务日期",
        "交易日期",
        "发生日期",
        "开票日期",
        "入账日期",
        "date",
        "posting date",
        "doc date",
        "invoice date",
        "transaction date",
        "value date",
    ),
    "ref": (
        "单据编号",
        "凭证号",
        "凭证编号",
        "凭证字号",
        "字号",
        "单号",
        "单据号",
        "单据号码",
        "发票号",
        "发票号码",
        "发票编号",
        "编号",
        "参考号",
        "业务单号",
        "原始单号",
        "对方单号",
        "doc no",
        "document no",
        "ref",
        "reference",
        "voucher",
        "voucher no",
        "invoice no",
        "invoice",
    ),
    "description": (
        "摘要",
        "说明",
        "备注",
        "内容",
        "业务内容",
        "description",
        "memo",
        "particulars",
        "narrative",
        "details",
    ),
    "debit": (
        "借方",
        "借方金额",
        "借方发生额",
        "借",
        "应收",
        "应收金额",
        "本期增加",
        "发货金额",
        "销售金额",
        "debit",
        "dr",
        "debit amount",
    ),
    "credit": (
        "贷方",
        "贷方金额",
        "贷",
        "已收",
        "已收金额",
        "收款金额",
        "回款金额",
        "付款金额",
        "本期减少",
        "credit",
        "cr",
        "credit amount",
    ),
    "amount": ("金额", "发生额", "交易金额", "amount", "signed amount"),
    "balance": ("余额", "期末余额", "累计余额", "结余", "balance", "running balance"),
    "currency": ("币种", "币别", "货币", "currency", "ccy"),
    # Who paid: a bank export lists every payer's receipts (the reconciliation sets aside other customers' lines).
    "counterparty": (
        "对方户名",
        "对方账户名称",
        "对方账户名",
        "对方单位",
        "对方名称",
        "交易对方",
        "付款人",
        "付款人名称",
        "付款单位",
        "counterparty",
        "payer",
        "payer name",
    ),
    # A 用友/金蝶 ledger export dates its lines by month and day columns under a year in the title (2026年).
    "month": ("月", "月份"),
    "day": ("日",),
}
_LOOKUP = {normalize_header(n): role for role, names in ROLE_NAMES.items() for n in names}
# Prefixes: two Chinese characters are specific enough ("金额（元）"); short English ones are not ("cr").
_PREFIXES = sorted(
    (
        (normalize_header(n), role)
        for role, names in ROLE_NAMES.items()
        for n in names
        if len(normalize_header(n)) >= (4 if normalize_header(n).isascii() else 2)
    ),
    key=lambda p: -len(p[0]),
)
# The opening-balance line as customers word it (docs/receivables.md lists them): 上月欠款, 上期结余, 期初余额,
# 承前页, 上年结转, Balance b/f, Brought forward, Opening balance ...
_OPENING = re.compile(
    r"期初|年初余额|(上月|上期|上年|前期|以前年度)(结转|结余|余额|欠款|结欠|应收|应付|未付)|承前页|承上页|接上页|上页结转|前欠|"
    r"opening|brought forward|b/f|b/fwd|b/d|balance forward|previous balance|balance from previous",
    re.IGNORECASE,
)
# The final balance row ends the ledger: rows below it (signatures, an ageing block) are notes.
_END = re.compile(
    r"期末余额|本期余额|(本月|本期|月末|年末)(结余|欠款|结欠)|closing balance|carried forward|c/f|c/d", re.IGNORECASE
)
_CLOSING = re.compile(
    r"合计|总计|小计|累计|期末余额|本期余额|(本月|本期|月末|年末)(结余|欠款|结欠)|过次页|转下页|"
    r"total|closing|carried forward|c/f|c/d",
    re.IGNORECASE,
)
_CNY = {"", "cny", "rmb", "人民币", "¥", "￥", "元"}
_FOREIGN = re.compile(r"(usd|us\$|hk\$|hkd|eur|€|£|gbp|jpy|\$|美元|港币|欧元|日元)", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """A value that could not be read: where it is and why."""

    file: str
    sheet: str
    row: int
    column: str | Rendered  # their header as typed, or the label of our form's field in both languages
    value: str
    reason: Rendered


@dataclass(frozen=True)
class Remark:
    """Text the customer typed on a ledger line outside the columns read (a 备注, a mark beside the figures), or a
    dispute written into its description: quoted on the line's result, never dropped."""

    row: int
    cell: str  # as the sheet names it: G18
    text: str
    disputed: bool
    described: bool = False  # written into the line's description: a dispute only where ours says otherwise


@dataclass(frozen=True)
class WordedAmount:
    """An amount read from a cell holding words around it (我方记录 12,300.00): named with the cell as typed."""

    row: int
    cell: str
    text: str
    amount: float  # as the cell says it, before any change of perspective


@dataclass(frozen=True)
class Statement:
    """The lines of one statement; ``row`` is the Excel (or CSV line) number of each line."""

    file: str
    sheet: str
    lines: pd.DataFrame  # row, date, ref, description, amount (our perspective; NaN when unreadable)
    opening: float | None
    closing: float | None  # the last stated balance, our perspective
    balance_rows: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # role -> header as written
    period: Period | None = None  # the period its title names (or the caller gave)
    earlier_rows: list[int] = field(default_factory=list)  # lines dated before the period, in the opening balance
    note_texts: dict[int, str] = field(default_factory=dict)  # each note row's text as typed, for finance to read
    # Lines whose date or amount cell holds a formula: read as the value the file last saved, which a program that
    # recalculates on opening may not show (a generated file saves 0 or a value of its choosing).
    formula_rows: list[int] = field(default_factory=list)
    title: str = ""  # the rows above the header, one line each: whose statement it says it is
    hidden_rows: list[int] = field(default_factory=list)  # lines on rows the file hides: read, and named
    hidden_columns: list[str] = field(default_factory=list)  # headers of columns read that the file hides: named
    counterparties: dict[int, str] = field(default_factory=dict)  # a line's row -> its counterparty as typed
    # Lines set aside as another customer's (row, "C2 乙公司"): a bank export's receipts from other payers.
    set_aside: list[tuple[int, str]] = field(default_factory=list)
    end_row: int | None = None  # the closing balance's row, which ends the ledger
    # Rows under it that read as lines (an amount, and a date or a document number): typed after the balance was
    # struck, not reconciled, and named rather than listed as notes without an amount.
    below_end: list[int] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)  # what the customer wrote on lines beside what is read
    # Columns not read whose text stands on most lines (交易渠道 网银, 用途 货款): the file's own data, not remarks;
    # named once (their headers, else their letters).
    unread_columns: list[str] = field(default_factory=list)
    # Our statement returned: its descriptions are ours, so words of a dispute in one were added by the customer.
    our_descriptions: bool = False
    worded: list[WordedAmount] = field(default_factory=list)


def read_statement(
    path: str | Path,
    *,
    perspective: Perspective = "customer",
    period: Period | None = None,
    currency: Currency = CNY,
) -> Statement:
    """Find the header row, classify every row, parse dates and amounts (see the module docstring).

    ``period`` (default: the one the title names, keyacct_xl.receivables.statement_dates) gives dates without a
    year their year; lines dated before it are added to the opening balance and named, not matched one by one.
    Amounts are read in ``currency``, the master's book currency (``_check_currency``).
    """
    path = Path(path)
    return statement_from_sheets(
        path, read_sheets(path, SUFFIXES, formulas=True), perspective=perspective, period=period, currency=currency
    )


def statement_from_sheets(
    path: Path,
    sheets: Sequence[SheetCells],
    *,
    perspective: Perspective = "customer",
    period: Period | None = None,
    currency: Currency = CNY,
) -> Statement:
    """The statement in the ``sheets`` already read from ``path``: the first sheet with a header row, its amounts
    in ``currency`` (see ``read_statement``)."""
    for shown in (s for s in sheets if s.visible):
        sheet, grid = shown.name, shown.cells
        found = _find_header(grid, shown.hidden_columns)
        if found is not None:
            header_at, roles = found
            named = period or title_period(grid[:header_at])
            statement = _parse(path, sheet, grid, header_at, roles, perspective, named, currency)
            if period is None and named is not None and not _inside(statement, named):
                # A date in the title that no line falls in (a print date, another year) is not the period.
                statement = _parse(path, sheet, grid, header_at, roles, perspective, None, currency)
            statement = replace(
                statement,
                title="\n".join(row_text(row) for row in grid[:header_at]),
                hidden_rows=[int(r) for r in statement.lines["row"] if r - 1 in shown.hidden_rows],
                hidden_columns=[row_text([grid[header_at][c]]) for c in roles.values() if c in shown.hidden_columns],
            )
            return _before_period(_with_formula_rows(statement, roles, shown.formulas))
    _refuse_hidden_statement(path, sheets)
    looked = _looked_for()
    raise InputError(
        msg(
            "{path}: unknown layout: no row in the first {rows} has a date column and an amount (or "
            "debit/credit) column; looked for {looked}",
            path=path,
            rows=HEADER_SCAN_ROWS,
            looked=looked,
        )
    )


def _with_formula_rows(statement: Statement, roles: dict[str, int], formulas: frozenset[tuple[int, int]]) -> Statement:
    """``statement`` naming its lines whose date or amount cell holds a formula (calamine gives the saved value)."""
    if not formulas:
        return statement
    columns = [roles[r] for r in ("date", "month", "day", "debit", "credit", "amount") if r in roles]
    rows = [int(r) for r in statement.lines["row"] if any((r - 1, c) in formulas for c in columns)]
    return replace(statement, formula_rows=rows)


# The roles a statement's header is looked for by, as a person names them in each language.
_ROLE_LABELS = {
    "date": ("date", "日期"),
    "ref": ("document no.", "单号"),
    "debit": ("debit", "借方"),
    "credit": ("credit", "贷方"),
    "amount": ("amount", "金额"),
}


def _looked_for() -> Pair:
    """The headers looked for per role, the roles named in each language (``日期：日期/交易日期/…；单号：…``)."""
    names = {role: "/".join(ROLE_NAMES[role][:6]) for role in _ROLE_LABELS}
    return Pair(
        "; ".join(f"{en}: {names[role]}" for role, (en, _) in _ROLE_LABELS.items()),
        "；".join(f"{zh}：{names[role]}" for role, (_, zh) in _ROLE_LABELS.items()),
    )


def _refuse_hidden_statement(path: Path, sheets: Sequence[SheetCells]) -> None:
    """Refuse a workbook whose only statement is on a hidden sheet: nobody who opens the file sees those lines, and
    the lines they do see (if any) would be reconciled as absent."""
    hidden = next((s.name for s in sheets if not s.visible and _find_header(s.cells) is not None), None)
    if hidden is not None:
        raise InputError(
            msg(
                "{path}: the statement's lines are on the hidden sheet {sheet}, which nobody opening the file sees; "
                "only visible sheets are read. Unhide it in Excel if it is the statement, or ask for the statement "
                "as sent",
                path=path,
                sheet=hidden,
            )
        )


@dataclass(frozen=True)
class SheetCells:
    """One sheet of a workbook a user gave us: its name, its cells from A1, the cells holding a formula as 0-based
    (row, column) when they were asked for, and whether a person opening the file sees it (not hidden)."""

    name: str
    cells: list[list[Any]]  # as calamine gives them
    formulas: frozenset[tuple[int, int]] = frozenset()
    visible: bool = True
    hidden_rows: frozenset[int] = frozenset()  # 0-based, as ``formulas``, when they were asked for
    hidden_columns: frozenset[int] = frozenset()


def read_sheets(path: Path, suffixes: tuple[str, ...], *, formulas: bool = False) -> list[SheetCells]:
    """Every sheet of the workbook at ``path`` (one of ``suffixes``), read in a worker with memory and time limits
    after the package pre-check (zip bombs, forged sizes, a sheet over MAX_STATEMENT_CELLS): a damaged or hostile file
    fails with one line naming it, never a crash. ``formulas`` also says where the formulas are, and which rows and
    columns are hidden (.xlsx, .xlsm, .xls, .ods)."""
    check_input_file(path, suffixes)
    if path.stat().st_size == 0:
        raise InputError(msg("{path}: the file is empty", path=path))
    sheets = run_isolated(functools.partial(_read_sheets, formulas=formulas), path, file=path)
    if not any(any(not is_blank(v) for v in row) for sheet in sheets for row in sheet.cells):
        raise InputError(msg("{path}: the workbook has no data", path=path))
    return sheets


def _read_sheets(path: Path, *, formulas: bool) -> list[SheetCells]:
    """Every sheet's cells (the part run in a worker); a package is pre-checked before calamine opens it."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [SheetCells("", _csv_grid(path))]
    data = path.read_bytes()
    # A bank's or an ERP's .xls export that is text, a web page or an Excel 2003 XML spreadsheet: read as what it is.
    disguised = disguised_sheets(data, path, max_cells=MAX_STATEMENT_CELLS)
    if disguised is not None:  # an XML spreadsheet says what an .xlsx's parts say: formulas, hidden rows and columns
        return [
            SheetCells(s.name or "", s.rows, s.formulas, s.visible, s.hidden_rows, s.hidden_columns)
            if formulas
            else SheetCells(s.name or "", s.rows, visible=s.visible)
            for s in disguised
        ]
    safety.check_workbook_file(path, max_cells=MAX_STATEMENT_CELLS)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        grids = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
        shown = {m.name for m in book.sheets_metadata if m.visible == calamine.SheetVisibleEnum.Visible}
    except Exception as exc:  # calamine raises its own types for damaged files
        raise InputError(msg("{path}: cannot read the workbook ({exc})", path=path, exc=exc)) from None
    found = _marks(path, grids) if formulas else {}
    sheets = []
    for name, grid in grids:
        cells, rows, columns = found.get(name, (frozenset(), frozenset(), frozenset()))
        sheets.append(SheetCells(name, grid, cells, name in shown, rows, columns))
    return sheets


def _marks(path: Path, grids: Sequence[tuple[str, list[list[Any]]]]) -> dict[str, SheetMarks]:
    """Per sheet name, the cells holding a formula (calamine gives only their last saved values) and the rows and
    columns it hides (calamine gives every cell), read from the file in its own format."""
    suffix = path.suffix.lower()
    found: dict[str, SheetMarks | None] = {}
    if suffix in (".xlsx", ".xlsm"):
        with open_package(path) as archive:
            for name, part in sheet_parts(archive).items():
                xml = read_part(archive, part)
                found[name] = (formula_cells(xml, part), *hidden_rows_columns(xml, part))
    elif suffix == ".ods":
        with zipfile.ZipFile(path) as archive:  # pre-checked by safety.check_workbook_file, as calamine read it
            found = {name: ods_sheet_marks(archive, name, len(grid), _width(grid)) for name, grid in grids}
    elif suffix == ".xls":
        data = path.read_bytes()
        found = {name: xls_sheet_marks(data, name, len(grid)) for name, grid in grids}
    return {name: marks for name, marks in found.items() if marks is not None}


def _width(grid: Sequence[Sequence[object]]) -> int:
    """The columns a sheet's grid has: its widest row's."""
    return max(map(len, grid), default=0)


def _csv_grid(path: Path) -> list[list[object]]:
    return [list(r) for r in read_csv_rows(path)]


def header_role(text: object) -> str | None:
    """The role of a header cell (date, ref, debit ...), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = normalize_header(text)
    if key in _LOOKUP:
        return _LOOKUP[key]
    return next((role for prefix, role in _PREFIXES if key.startswith(prefix)), None)


def _find_header(grid: list[list[object]], hidden: Container[int] = ()) -> tuple[int, dict[str, int]] | None:
    """The header row and the column of each role; a role's visible column before a hidden one (a hidden 贷方金额 put
    before the one a person reads is not what they read)."""
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        roles: dict[str, int] = {}
        for c, cell in sorted(enumerate(row), key=lambda at: at[0] in hidden):
            role = header_role(cell)
            if role is not None and role not in roles:
                roles[role] = c
        dated = "date" in roles or {"month", "day"} <= roles.keys()
        if dated and ({"amount", "debit", "credit"} & roles.keys()):
            return r, roles
    return None


def _parse(
    path: Path,
    sheet: str,
    grid: list[list[object]],
    header_at: int,
    roles: dict[str, int],
    perspective: Perspective,
    period: Period | None,
    currency: Currency,
) -> Statement:
    name = path.name
    headers = {role: str(grid[header_at][c]) for role, c in roles.items()}
    body = [(r + 1, row) for r, row in enumerate(grid) if r > header_at and any(not is_blank(v) for v in row)]
    by_day = "date" not in roles
    if by_day:
        headers["date"] = f"{headers['month']}/{headers['day']}"

    def cell(row: list[object], role: str) -> object:
        c = roles.get(role)
        return row[c] if c is not None and c < len(row) else None

    months = _months_carried_down(body, cell) if by_day else {}

    def date_of(excel_row: int, row: list[object]) -> object:
        if by_day:
            return _month_day(months.get(excel_row, cell(row, "month")), cell(row, "day"))
        return cell(row, "date")

    _check_currency(path, sheet, body, roles, cell, currency)
    amount_roles = [r for r in ("debit", "credit", "amount") if r in roles]
    day_first = _day_first(path, [date_of(r, row) for r, row in body])
    no_year = yearless_dates([date_of(r, row) for r, row in body], period, day_first)
    # Their debit (借方) lowers what they owe us; their credit (贷方) raises it.
    flip = -1.0 if perspective == "customer" else 1.0
    problems: list[Problem] = []
    # Only a CSV's rows can be longer than its header: a field split off by a comma outside quotes.
    width = len(grid[header_at]) if path.suffix.lower() == ".csv" else None
    lines, balance_rows, notes, below_end = [], [], [], []
    note_texts: dict[int, str] = {}
    counterparties: dict[int, str] = {}
    opening: float | None = None
    closing: float | None = None
    end_row: int | None = None
    typed: list[tuple[int, Remark]] = []  # (column, remark) of each ledger line
    worded: list[WordedAmount] = []

    def read_amount(excel_row: int, row: list[object]) -> tuple[float, list[tuple[str, object, Rendered]]]:
        """The row's amount (``_amount``), each amount read from among words kept to be named."""
        amount, bad, among_words = _amount(row, roles, cell, flip, currency)
        worded.extend(
            WordedAmount(excel_row, f"{column_letter(roles[role] + 1)}{excel_row}", cell_text(value), number)
            for role, value, number in among_words
        )
        return amount, bad

    for excel_row, row in body:
        # Balance and total rows carry no document number; a line that has one is a ledger line whatever its 摘要.
        # A 合计 or 期初余额 typed in the document-number column is such a label, not a number.
        ref = cell(row, "ref")
        labelled = is_blank(ref) or _is_balance_label(ref)
        text = " ".join(str(v) for v in row if isinstance(v, str)) if labelled else ""
        has_amount = any(not is_blank(cell(row, r)) for r in amount_roles)
        if end_row is not None:
            below_date = _date(date_of(excel_row, row), day_first, no_year)
            if _reads_as_a_line(ref, labelled, text, has_amount, below_date):
                below_end.append(excel_row)
                shown = list(row)
                if "date" in roles and roles["date"] < len(shown) and isinstance(below_date, pd.Timestamp):
                    shown[roles["date"]] = below_date  # quoted as the date it is, not the serial a program stored
                note_texts[excel_row] = row_text(shown)
            else:
                notes.append(excel_row)
                note_texts[excel_row] = row_text(row)
            continue
        ended = bool(_END.search(text))
        if ended:
            end_row = excel_row
        split = _split_numbers(row, roles, width)
        problems += [Problem(name, sheet, excel_row, headers[r], text, _SPLIT_REASON) for r, text in split.items()]
        # Every field right of a split one is a column late: those roles' cells hold their neighbour's value.
        shifted = {r for r, c in roles.items() if split and c >= min(roles[r] for r in split)}
        split_amount = bool(shifted & {"debit", "credit", "amount"})
        try:
            balance = _balance(cell(row, "balance"), cell(row, "direction"), perspective, currency)
        except ParseError as exc:
            quoted = cell_text(cell(row, "balance"))
            problems.append(Problem(name, sheet, excel_row, headers["balance"], quoted, exc.wording))
            balance = None
        if "balance" in shifted:
            balance = None
        if balance is not None:
            closing = balance
        if _OPENING.search(text):
            balance_rows.append(excel_row)
            if opening is None:
                opening = balance if balance is not None or split_amount else _readable(*read_amount(excel_row, row))
            continue
        if _CLOSING.search(text) or not has_amount:
            if _CLOSING.search(text):
                balance_rows.append(excel_row)
                if ended and balance is None and sum(not is_blank(cell(row, r)) for r in amount_roles) == 1:
                    # No balance: the closing balance stands in an amount column, as the opening does (one amount:
                    # a debit and a credit on the closing row are the period's totals, not a balance).
                    stated, bad = read_amount(excel_row, row)
                    problems += [Problem(name, sheet, excel_row, headers[r], cell_text(v), why) for r, v, why in bad]
                    closing = closing if bad or split_amount else stated
            else:
                notes.append(excel_row)
                note_texts[excel_row] = row_text(row)
            continue
        amount, bad = read_amount(excel_row, row)
        if balance is None:
            closing = None  # a balance stated above a line without one is no longer the last balance
        typed += _remarks(excel_row, row, roles)
        for role, value, reason in bad:
            problems.append(Problem(name, sheet, excel_row, headers[role], cell_text(value), reason))
        if split_amount:
            amount = float("nan")
        dated = date_of(excel_row, row)
        parsed = _date(dated, day_first, no_year)
        if isinstance(parsed, Rendered):
            problems.append(Problem(name, sheet, excel_row, headers["date"], cell_text(dated), parsed))
        date = pd.NaT if isinstance(parsed, Rendered) else parsed
        if not is_blank(cell(row, "counterparty")):
            counterparties[excel_row] = _text(cell(row, "counterparty"))
        lines.append(
            {
                "row": excel_row,
                "date": date,
                "ref": "" if is_blank(ref) else _text(ref),
                "description": "" if is_blank(cell(row, "description")) else _text(cell(row, "description")),
                "amount": amount,
            }
        )
    if not lines and opening is None and closing is None:  # a balance alone is a month without activity
        raise InputError(
            msg(
                "{where}: header found in row {row} but no ledger lines below it",
                where=Location(path, sheet=sheet or None),
                row=header_at + 1,
            )
        )
    frame = pd.DataFrame(lines, columns=["row", "date", "ref", "description", "amount"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    remarks, unread = _added_remarks(typed, grid[header_at], len(lines))
    return Statement(
        name,
        sheet,
        frame,
        opening,
        closing,
        balance_rows,
        notes,
        problems,
        headers,
        period,
        note_texts=note_texts,
        counterparties=counterparties,
        end_row=end_row,
        below_end=below_end,
        remarks=remarks,
        worded=worded,
        unread_columns=unread,
    )


# What a customer writes on a line to dispute it (有异议, 有争议, 不认可, 不符, Disputed, Query).
_DISPUTE = re.compile(r"异议|争议|不认可|不承认|不符|拒付|disput|quer(?:y|ied)", re.IGNORECASE)


# The headers of a column people write remarks in (备注, 说明, 意见, Remarks, Comments).
_REMARK_HEADER = re.compile(r"备注|说明|意见|remark|comment", re.IGNORECASE)
# A column of text on more than half of the lines, and on this many at least, is the file's own data (交易渠道,
# 用途, 科目), not what a person added: two remarks on a statement of three lines are still remarks.
_DATA_LINES_AT_LEAST = 3


def _remarks(excel_row: int, row: list[object], roles: dict[str, int]) -> list[tuple[int, Remark]]:
    """Words typed on a ledger line in a column not read (a 备注, 有异议 beside the figures), each with its column,
    and a dispute written into its description; a number or a date beside a line is no remark."""
    read = set(roles.values())
    described = roles.get("description")
    found = []
    for c, value in enumerate(row):
        if not isinstance(value, str) or (c in read and c != described) or not any(ch.isalpha() for ch in value):
            continue
        said = remark(excel_row, f"{column_letter(c + 1)}{excel_row}", value, described=c == described)
        if c != described or said.disputed:
            found.append((c, said))
    return found


def _added_remarks(typed: list[tuple[int, Remark]], header: list[object], lines: int) -> tuple[list[Remark], list[str]]:
    """The remarks a person added of ``typed`` (column, remark), and the headers (else letters) of the columns left
    out: one headed as remarks (备注) or filled on a few of the ``lines`` holds remarks; one with text on most lines
    is the file's own data (a bank export's 交易渠道 网银), whose every line would otherwise quote it."""
    filled: dict[int, int] = {}
    for c, said in typed:
        if not said.described:
            filled[c] = filled.get(c, 0) + 1
    data = {
        c
        for c, count in filled.items()
        if count * 2 > lines and count >= _DATA_LINES_AT_LEAST and not _REMARK_HEADER.search(_header_text(header, c))
    }
    unread = [_header_text(header, c) or column_letter(c + 1) for c in sorted(data)]
    return [said for c, said in typed if c not in data], unread


def _header_text(header: list[object], column: int) -> str:
    """The header of ``column`` as typed, '' when it has none."""
    value = header[column] if column < len(header) else None
    return "" if is_blank(value) else " ".join(str(value).split())


def remark(row: int, cell: str, value: object, *, described: bool = False) -> Remark:
    """What the customer typed in ``cell`` on the line of ``row`` (``described``: into its description), a dispute
    when its words say so."""
    text = " ".join(str(value).split())
    return Remark(row, cell, text, disputed_in(text), described)


def disputed_in(text: str) -> bool:
    """Whether ``text`` (a line's description) says the customer disputes the line."""
    return bool(_DISPUTE.search(text))


def _reads_as_a_line(ref: object, labelled: bool, text: str, has_amount: bool, date: object) -> bool:
    """A row under the closing balance that reads as a ledger line: an amount, a date or a document number, and no
    balance or total label (本年累计 under 期末余额 stays a note; so do our statement's ageing figures, dated by
    none)."""
    if not has_amount or _OPENING.search(text) or _CLOSING.search(text):
        return False
    return isinstance(date, pd.Timestamp) or (not labelled and isinstance(ref, str))


# A number's first digits before a thousands comma (35, ￥12, -(1) and a group of three after it (541.77, 234).
_GROUP_HEAD = re.compile(r"^[-+(（]?\s*[￥¥]?\s*\d{1,3}$")
_GROUP_TAIL = re.compile(r"^\d{3}(?:\.\d*)?\s*[)）元]?$")
_SPLIT_REASON = msg(
    "a number with thousands commas and no quotes around it is split across columns of the CSV, so the amount "
    "cannot be read; save the file with quotes around such numbers, or send it as .xlsx"
)


def _split_numbers(row: list[object], roles: dict[str, int], width: int | None) -> dict[str, str]:
    """The money cells of a CSV row that a thousands comma outside quotes split (35,541.77 read as 35 and 541.77, the
    row longer than the header ``width``), each as the number its fields spell; read as is, 35 would be the amount."""
    if width is None or len(row) <= width:
        return {}
    split: dict[str, str] = {}
    for role in ("debit", "credit", "amount", "balance"):
        at = roles.get(role)
        if at is None or at >= len(row) or not _GROUP_HEAD.match(str(row[at]).strip()):
            continue
        parts = [str(row[at]).strip()]
        for tail in (str(v).strip() for v in row[at + 1 :]):
            if not _GROUP_TAIL.match(tail):
                break
            parts.append(tail)
            if not tail.isdigit():  # the decimals end the number
                break
        if len(parts) > 1:
            split[role] = ",".join(parts)
    return split


def _is_balance_label(value: object) -> bool:
    """Whether a document-number cell holds a balance or totals label (合计, 本期合计, 期初余额) rather than a number:
    the label's words and no digit, as no label carries one and nearly every document number does."""
    text = str(value)
    return not any(ch.isdigit() for ch in text) and bool(_CLOSING.search(text) or _OPENING.search(text))


def _months_carried_down(body: list[tuple[int, list[object]]], cell) -> dict[int, object]:
    """The month of each line of a ledger export whose 月 cell is blank under a line with one, by Excel row.

    A 用友/金蝶 export prints the month on the first line of each month's block only; a line with a day under it
    belongs to that month. A row without a day (本月合计, 本年累计, a note) ends the block, so a blank month on the
    first line of the statement, or of a block, stays a date missing on its row."""
    carried: dict[int, object] = {}
    month: object = None
    for excel_row, row in body:
        if is_blank(cell(row, "day")):
            month = None
        elif not is_blank(cell(row, "month")):
            month = cell(row, "month")
        elif month is not None:
            carried[excel_row] = month
    return carried


def _month_day(month: object, day: object) -> object:
    """A line's date from the month and day columns of a ledger export (``10``, ``1`` → ``10月1日``), its year
    taken from the statement's period as any date without a year; blank when either is."""
    if is_blank(month) or is_blank(day):
        return None
    parts = [int(v) if isinstance(v, float) and v.is_integer() else v for v in (month, day)]
    return "{}月{}日".format(*(unicodedata.normalize("NFKC", str(v)).strip() for v in parts))


def _inside(statement: Statement, period: Period) -> bool:
    """Whether any line of ``statement`` is dated inside ``period``; a statement of balances alone (a month without
    activity) has no line to say otherwise."""
    dates = statement.lines["date"]
    return dates.empty or bool(((dates >= period[0]) & (dates <= period[1])).any())


def _before_period(statement: Statement) -> Statement:
    """Lines dated before the statement's period go into its opening balance, their rows named (a customer who
    sends years of history is reconciled for the period, not line by line since the first sale)."""
    if statement.period is None:
        return statement
    lines = statement.lines
    earlier = (lines["date"] < statement.period[0]).to_numpy()
    if not earlier.any():
        return statement
    carried = round(float(lines.loc[earlier, "amount"].sum(skipna=True)), 2)
    return replace(
        statement,
        lines=lines[~earlier].reset_index(drop=True),
        opening=round((statement.opening or 0.0) + carried, 2),
        earlier_rows=[int(r) for r in lines.loc[earlier, "row"]],
    )


def row_text(row: list[object]) -> str:
    """A note row's cells as the customer typed them, one space apart (a remark, a footer, a signature line)."""
    shown = []
    for value in row:
        if is_blank(value):
            continue
        if isinstance(value, (dt.datetime, dt.date)):
            shown.append(f"{value:%Y-%m-%d}")
        elif isinstance(value, float) and value.is_integer():
            shown.append(str(int(value)))
        else:
            shown.append(" ".join(str(value).split()))
    return " ".join(shown)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _check_currency(path: Path, sheet: str, body, roles: dict[str, int], cell, currency: Currency) -> None:
    """Amounts in two currencies cannot be summed: refuse the file whose currency column names another than
    ``currency`` (the master's), naming the currencies and rows. A CNY book refuses amounts marked in a foreign
    currency here as well; a book in another currency reads each amount in it and refuses one marked in another
    (¥1,300 in SGD, also among words: ``USD 12,300.00 paid``) at its cell, as forms read money (``parse_money``)."""
    seen: dict[str, list[int]] = {}
    for excel_row, row in body:
        marks = set()
        code = cell(row, "currency")
        if not is_blank(code) and not _names_book_currency(code, currency):
            marks.add(unicodedata.normalize("NFKC", str(code)).strip().upper())
        for role in ("debit", "credit", "amount") if currency == CNY else ():
            value = cell(row, role)
            if isinstance(value, str) and (m := _FOREIGN.search(unicodedata.normalize("NFKC", value))):
                marks.add(m[1].upper())
        for mark in marks:
            seen.setdefault(mark, []).append(excel_row)
    if seen:
        listed = "; ".join(f"{mark} in row(s) {', '.join(map(str, rows[:8]))}" for mark, rows in sorted(seen.items()))
        where = Location(path, sheet=sheet or None)
        if currency == CNY:
            raise InputError(
                msg("{where}: currencies mixed or not CNY ({listed}); convert to CNY first", where=where, listed=listed)
            )
        raise InputError(
            msg(
                "{where}: currencies mixed or not {currency}, the master's currency ({listed}); convert to {currency} "
                "first",
                where=where,
                currency=currency.code,
                listed=listed,
            )
        )


def _names_book_currency(code: object, currency: Currency) -> bool:
    """Whether a currency column's ``code`` names the book's ``currency`` (CNY: also 人民币, RMB, 元, ¥)."""
    return normalize_header(code) in _CNY if currency == CNY else names_currency(str(code), currency)


def _day_first(path: Path, values: list[object]) -> bool | None:
    try:
        return infer_day_first(values)
    except ParseError as exc:
        raise InputError(msg("{path}: date column: {exc}", path=path, exc=exc)) from None


def _date(value: object, day_first: bool | None, no_year: YearlessDates) -> pd.Timestamp | Rendered:
    """The date, or the reason it cannot be read."""
    if is_blank(value):
        return msg("date missing")
    without_year = no_year.read(value)
    if without_year is not None:
        return without_year
    try:
        return parse_date(value, day_first=day_first)
    except ParseError as exc:
        return exc.wording


def _amount(
    row, roles, cell, flip: float, currency: Currency
) -> tuple[float, list[tuple[str, object, Rendered]], list[tuple[str, object, float]]]:
    """Debit minus credit (or the signed amount) in our perspective, the cells that could not be read, and the cells
    whose amount was read from among words (role, value, amount).

    An amount marked DR/CR (借/贷) in the one amount column is a debit or credit of the statement's books."""
    bad: list[tuple[str, object, Rendered]] = []
    among_words: list[tuple[str, object, float]] = []
    parts: dict[str, float] = {}
    for role in ("debit", "credit", "amount"):
        value = cell(row, role)
        if role not in roles or is_blank(value):
            continue
        try:
            side, amount = _marked_money(value, role, currency)
        except ParseError as exc:
            try:
                side, amount = None, _amount_among_words(value, exc, currency)
            except ParseError as among:
                bad.append((role, value, among.wording))
                continue
            among_words.append((role, value, amount))
        # A marked amount is a debit or credit where the layout has no such columns (it would count twice beside them).
        key = side if side and not ({"debit", "credit"} & roles.keys()) else role
        parts[key] = parts.get(key, 0.0) + amount
    if bad:
        return float("nan"), bad, among_words
    if "amount" in parts and not ({"debit", "credit"} & parts.keys()):
        return parts["amount"], bad, among_words  # a signed amount means "raises the balance" in either perspective
    return flip * (parts.get("debit", 0.0) - parts.get("credit", 0.0)), bad, among_words


def _readable(amount: float, bad: Sequence[object]) -> float | None:
    """``amount`` when every cell of it was read, else None."""
    return None if bad or amount != amount else amount


# A number as an amount cell holds it, with its sign, currency mark, grouping, decimals and unit.
_NUMBER_IN_TEXT = re.compile(r"[-+]?[¥￥]?\s*\d[\d,]*(?:\.\d+)?\s*[万元]?")


def _amount_among_words(value: object, refused: ParseError, currency: Currency) -> float:
    """The one amount of a cell that holds words around it (``我方记录 12,300.00``, ``12,300.00（已付）``, ``Our
    record 23,035.00``); a cell of words and several numbers, or none, is refused for that reason, and one whose words
    name another currency than the book's (``USD 12,300.00 paid``, ``RM 500 已付``) is refused as ``refused`` says."""
    if isinstance(refused, OtherCurrencyError):
        raise refused  # words naming another currency are no note beside a figure in ours: read, it converts silently
    text = unicodedata.normalize("NFKC", value) if isinstance(value, str) else ""
    words = _NUMBER_IN_TEXT.sub(" ", text)
    if not any(ch.isalpha() for ch in words) or side_mark(value)[0] is not None:
        raise refused  # the amount itself is malformed (1850,00), or its DR/CR mark leaves the side ambiguous
    numbers = _NUMBER_IN_TEXT.findall(text)
    if not numbers:
        raise refused
    if len(numbers) > 1:
        raise ParseError(
            msg(
                "{value}: words and {count} numbers in one cell: which one is the amount is not clear; keep only "
                "the amount in the cell",
                value=cell_text(value),
                count=len(numbers),
            )
        )
    return parse_money(numbers[0], currency=currency)


_SIDE_WORDS = {"dr": "debit", "借": "debit", "cr": "credit", "贷": "credit"}
SIDE_LABELS = {"debit": msg("debit"), "credit": msg("credit")}
_MARK = r"(?P<side>dr|cr|借|贷)\.?"
_MARK_AFTER = re.compile(r"^(?P<number>.*?\d.*?)\s*[(（]?" + _MARK + r"[)）]?$", re.IGNORECASE)
_MARK_ENDS = frozenset("dDcCrR.()（）借贷ｄＤｃＣｒＲ．")  # what a marked amount starts or ends with, full width too
_MARK_BEFORE = re.compile(r"^[(（]?" + _MARK + r"[)）]?\s*[:：]?\s*(?P<number>.*\d.*)$", re.IGNORECASE)


def side_mark(value: object) -> tuple[str | None, object]:
    """``22,789.11 DR``, ``CR 1,000``, ``借 500``, ``500贷`` as (``debit`` / ``credit``, the number's text); a value
    without such a mark as (None, value)."""
    stripped = value.strip() if isinstance(value, str) else ""
    if not stripped or (stripped[0] not in _MARK_ENDS and stripped[-1] not in _MARK_ENDS):
        return None, value  # most amounts: no letter at either end (a statement of 100,000 lines reads each)
    text = unicodedata.normalize("NFKC", stripped)
    found = _MARK_AFTER.match(text) or _MARK_BEFORE.match(text)
    if found is None:
        return None, value
    return _SIDE_WORDS[found["side"].lower()], found["number"]


def _marked_money(value: object, role: str, currency: Currency) -> tuple[str | None, float]:
    """The amount of a cell, and the side its DR/CR (借/贷) mark gives; a mark that contradicts its debit or credit
    column, or a minus sign beside a mark, leaves the side ambiguous: a ParseError naming it."""
    side, number = side_mark(value)
    amount = parse_money(number, currency=currency)
    if side is None:
        return None, amount
    if amount < 0:
        raise ParseError(_both_signs(value))
    if role in ("debit", "credit") and role != side:
        raise ParseError(
            msg(
                "{value}: marked {side} in the {role} column: which side is meant is ambiguous",
                value=str(value),
                side=SIDE_LABELS[side],
                role=SIDE_LABELS[role],
            )
        )
    return side, amount


def _both_signs(value: object) -> Rendered:
    return msg("{value}: a minus sign and a debit/credit mark: which side is meant is ambiguous", value=str(value))


# A 借或贷 (Dr/Cr) cell beside a balance, as the side it names.
_DIRECTIONS = {side: "debit" for side in ("借", "dr", "d", "debit")} | {
    side: "credit" for side in ("贷", "cr", "c", "credit")
}


def _balance(value: object, direction: object, perspective: Perspective, currency: Currency) -> float | None:
    """A running balance as what the customer owes us; 借/贷 beside it (or DR/CR marking it) gives its side."""
    if is_blank(value):
        return None
    mark, number = side_mark(value)
    amount = parse_money(number, currency=currency)
    side = _DIRECTIONS.get(normalize_header(direction)) if not is_blank(direction) else None
    if mark is not None:
        if amount < 0:
            raise ParseError(_both_signs(value))
        if side not in (None, mark):
            raise ParseError(
                msg(
                    "{value}: marked {side}, but the direction column says {direction}: which side is meant is "
                    "ambiguous",
                    value=str(value),
                    side=SIDE_LABELS[mark],
                    direction=str(direction),
                )
            )
        side = mark
    if side == "debit":
        return amount if perspective == "ours" else -amount
    if side == "credit":
        return -amount if perspective == "ours" else amount
    return amount
