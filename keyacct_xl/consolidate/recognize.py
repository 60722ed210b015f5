"""Recognize a submitted workbook as a form and read its cells: by ``_meta`` first, by its headers otherwise.

The ``_meta`` sheet (keyacct_xl.forms.meta) names the form, version and spec hash and maps every field to a
defined name (header fields, ``f_<key>``) or an Excel table column (``t_<section>``). A file made from an
older version is read through that version's own map; a workbook without ``_meta`` (a rep retyped the form)
is matched by its table headers and accepted with a warning.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from xml.etree import ElementTree as ET

import python_calamine as calamine

from keyacct_xl.consolidate.headermatch import match_by_headers
from keyacct_xl.consolidate.model import CellValue, Extracted, TableRows
from keyacct_xl.consolidate.safety import Rejection
from keyacct_xl.forms.catalog import form_ids
from keyacct_xl.forms.layout import META_SHEET, table_name
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.xlsx.ooxml import NS_MAIN, parse_range, split_ref
from keyacct_xl.xlsx.package import TableLocation, locate_tables

MAX_ROWS = 20_000  # per table: a form holds a week or a month of lines, not a data dump
_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Z]{1,3})\$?(\d+)")


def open_book(data: bytes) -> calamine.CalamineWorkbook:
    """A calamine workbook over ``data``; a damaged file is a Rejection."""
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for damaged parts
        text = str(exc)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise Rejection("password", "password-protected workbook", "工作簿设置了密码") from None
        raise Rejection("corrupt", f"damaged workbook ({text[:200]})", f"工作簿已损坏（{text[:200]}）") from None


def read_meta(book: calamine.CalamineWorkbook) -> tuple[dict[str, str], list[list[str]]] | None:
    """The ``_meta`` key/value pairs and its field-map rows, or None when the sheet is absent."""
    if META_SHEET not in book.sheet_names:
        return None
    rows = book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
    values: dict[str, str] = {}
    index = 1
    while index < len(rows) and _cell_text(rows[index][0]):
        values[_cell_text(rows[index][0])] = _cell_text(rows[index][1]) if len(rows[index]) > 1 else ""
        index += 1
    field_map = [[_cell_text(v) for v in r] for r in rows[index + 2:] if r and _cell_text(r[0])]
    return values, field_map


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def package_names(data: bytes) -> tuple[dict[str, tuple[str, str]], dict[str, TableLocation]]:
    """Workbook-level defined names -> (sheet, top-left A1 ref), and the Excel tables by name.

    Read from the package's XML (which passed the safety checks), so no sheet is parsed to find them.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ET.fromstring(archive.read("xl/workbook.xml"))
            tables = locate_tables(archive)
    except ET.ParseError as exc:
        raise Rejection("corrupt", f"damaged workbook part ({exc})", f"工作簿部件已损坏（{exc}）") from None
    names = {}
    for item in root.iter(f"{{{NS_MAIN}}}definedName"):
        m = _NAME_REF.match((item.text or "").strip())
        if m and item.get("localSheetId") is None:
            sheet = (m[1] or "").replace("''", "'") or m[2]
            names[item.get("name", "")] = (sheet, f"{m[3]}{m[4]}")
    return names, tables


class _Grid:
    """Sheets loaded once (values from A1), cells by A1 reference."""

    def __init__(self, book: calamine.CalamineWorkbook) -> None:
        self.book = book
        self.sheets: dict[str, list[list[object]]] = {}

    def rows(self, sheet: str) -> list[list[object]]:
        if sheet not in self.sheets:
            self.sheets[sheet] = self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False,
                                                                               nrows=MAX_ROWS + 200)
        return self.sheets[sheet]

    def cell(self, sheet: str, ref: str) -> CellValue:
        row, col = split_ref(ref)
        rows = self.rows(sheet)
        value = rows[row - 1][col - 1] if row <= len(rows) and col <= len(rows[row - 1]) else None
        return CellValue(value, sheet, ref)


def extract(data: bytes, kind: str, specs: Mapping[str, FormSpec], name: str,
            hashes: Mapping[str, str] | None = None) -> Extracted:
    """Recognize and read one workbook as one of ``specs`` (the consolidated forms); else raise Rejection.

    ``hashes`` are the specs' hashes computed once per run (a spec hash serializes the whole spec).
    """
    book = open_book(data)
    meta = read_meta(book)
    if meta is None:
        return match_by_headers(book, specs, name)
    values, field_map = meta
    form_id = values.get("form_id", "")
    if form_id not in specs:
        if form_id in form_ids():
            raise Rejection("not_consolidated", f"{form_id} is a form that is not merged into the master",
                            f"{form_id} 表单不汇总到客户档案总表")
        raise Rejection("unknown_form", f"_meta names the form {form_id!r}, which is not in the catalog",
                        f"_meta 中的表单编号 {form_id!r} 不在表单目录中")
    spec = specs[form_id]
    version = int(values.get("version") or 0) if (values.get("version") or "0").isdigit() else 0
    warnings: list[tuple[str, str]] = []
    if version > spec.version:
        raise Rejection("newer_version", f"{form_id} version {version} is newer than this program's {spec.version}",
                        f"{form_id} 第 {version} 版比本程序的第 {spec.version} 版新")
    if version < spec.version:
        warnings.append((f"{form_id} version {version}, read through that version's field map",
                         f"{form_id} 第 {version} 版，按该版本的字段对照读取"))
    elif values.get("spec_hash") and values["spec_hash"] != (hashes or {}).get(form_id, spec.hash):
        warnings.append(("the form's spec changed since this file was generated (same version)",
                         "生成此文件后表单定义有变动（版本号相同）"))
    if kind == "xls":
        # A form saved as legacy .xls keeps _meta but loses its Excel tables and defined names: read by headers.
        found = match_by_headers(book, {form_id: spec}, name)
        legacy = ("legacy .xls: fields read by their labels", "旧版 .xls：按字段标签读取")
        return Extracted(form_id, version, values, found.header, found.tables, [*warnings, legacy])
    names, located = package_names(data)
    header, tables = _read_fields(_Grid(book), field_map, names, located, spec, warnings)
    return Extracted(form_id, version, values, header, tables, warnings)


def _read_fields(grid: _Grid, field_map: list[list[str]], names: dict[str, tuple[str, str]],
                 located: dict[str, TableLocation], spec: FormSpec,
                 warnings: list[tuple[str, str]]) -> tuple[dict[str, CellValue], dict[str, TableRows]]:
    header: dict[str, CellValue] = {}
    columns: dict[str, dict[str, int]] = {}
    for row in field_map:
        _section, key, ref_name, column = [*row, "", "", "", ""][:4]
        if column and not column.isdigit():
            raise Rejection("corrupt", f"damaged _meta sheet: column {column!r} of field {key} is not a number",
                            f"_meta 工作表已损坏：字段 {key} 的列号 {column!r} 不是数字")
        if column:
            columns.setdefault(ref_name, {})[key] = int(column)
        elif ref_name in names and names[ref_name][0] in grid.book.sheet_names:
            header[key] = grid.cell(*names[ref_name])
        else:
            warnings.append((f"header field {key} ({ref_name}) not found in the workbook",
                             f"表头字段 {key}（{ref_name}）在工作簿中找不到"))
    tables = {}
    for section in spec.tables:
        wanted = table_name(section.id)
        if wanted in columns:
            tables[section.id] = _read_table(grid, located, wanted, columns[wanted])
    return header, tables


def _read_table(grid: _Grid, located: dict[str, TableLocation], name: str, keys: dict[str, int]) -> TableRows:
    if name not in located:
        raise Rejection("no_table", f"the form's table {name} is missing", f"缺少表单表格 {name}")
    loc = located[name]
    try:
        header_row, first_col, last_row, _ = parse_range(loc.ref)
    except ValueError:
        raise Rejection("corrupt", f"damaged table {name}: range {loc.ref!r}",
                        f"表格 {name} 已损坏：区域 {loc.ref!r}") from None
    if last_row - header_row > MAX_ROWS:
        raise Rejection("oversized", f"table {name} has {last_row - header_row:,} rows (limit {MAX_ROWS:,})",
                        f"表格 {name} 有 {last_row - header_row:,} 行（上限 {MAX_ROWS:,}）")
    rows = grid.rows(loc.sheet)
    body = [(r, rows[r - 1]) for r in range(header_row + 1, min(last_row, len(rows)) + 1)]
    return TableRows(loc.sheet, {key: first_col - 1 + col - 1 for key, col in keys.items()}, body)
