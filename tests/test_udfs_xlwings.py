"""The worksheet functions through xlwings' real Windows UDF path on Linux.

Only Windows system modules are stubbed: pywin32 (pythoncom, pywintypes, win32com and its helpers win32api,
win32con, win32gui, win32process, win32event, win32timezone) and ctypes' Windows-only loaders (windll, oledll,
and PyDLL while xlwings._xlwindows loads pythoncom's DLL at import). Everything else is xlwings' own code:
xlfunc/xlarg/xlret registration, generate_vba_wrapper, and call_udf with its argument and result conversion
(_xlwindows.Engine.clean_value_data / prepare_xl_data_element), called with arguments shaped as COM hands
them over from VBA's Array(...): tuples of rows, None for empty cells, ints for error cells, pywintypes dates,
and DISP_E_PARAMNOTFOUND for omitted optional arguments.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import sys
import types
from collections.abc import Iterator

import pandas as pd
import pytest

from keyacct_xl.analytics.credit_check import decision_label
from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import CUSTOMERS, GRADE_HISTORY, PAYMENTS, TRANSACTIONS

MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: what VBA passes for an omitted Optional argument
NA, DIV0 = -2146826246, -2146826281  # COM error codes of #N/A and #DIV/0! cells


class _Inert:
    """Any attribute, call or item of a Windows API that xlwings touches at import time."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> _Inert:
        return _Inert()

    def __getattr__(self, name: str) -> _Inert:
        return _Inert()

    def __getitem__(self, key: object) -> _Inert:
        return _Inert()


class ComTime(dt.datetime):
    """pywintypes.TimeType: pywin32's date type, a datetime subclass; what a date cell arrives as."""


def _stub(name: str, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__getattr__ = lambda attr: _Inert()  # type: ignore[method-assign]
    module.__dict__.update(attrs)
    return module


@contextlib.contextmanager
def windows_xlwings() -> Iterator[types.SimpleNamespace]:
    """xlwings as on Windows: decorators, the excel engine and call_udf, with keyacct_xl.udfs registered.
    Also used by benchmarks/bridge.py, so the benchmark measures the same path the tests check."""
    patch = pytest.MonkeyPatch()
    import xlwings

    com_error = type("com_error", (Exception,), {})
    stubs = {
        "pythoncom": _stub("pythoncom"),
        "pywintypes": _stub("pywintypes", TimeType=ComTime, com_error=com_error, error=com_error),
        "win32timezone": _stub("win32timezone", TimeZoneInfo=types.SimpleNamespace(utc=lambda: dt.timezone.utc)),
        "win32com.client": _stub(
            "win32com.client", **{n: type(n, (), {}) for n in ("CDispatch", "CoClassBaseClass", "DispatchBaseClass")}
        ),
    }
    for name in (
        "win32api",
        "win32con",
        "win32gui",
        "win32process",
        "win32event",
        "win32com",
        "win32com.server",
        "win32com.server.dispatcher",
        "win32com.server.policy",
        "win32com.server.util",
        "win32com.server.exception",
    ):
        stubs.setdefault(name, _stub(name))
    for name, module in stubs.items():
        patch.setitem(sys.modules, name, module)
    for name in ("xlwings.udfs", "xlwings._xlwindows", "xlwings.com_server"):
        patch.delitem(sys.modules, name, raising=False)
    patch.setattr(ctypes, "windll", _Inert(), raising=False)
    patch.setattr(ctypes, "oledll", _Inert(), raising=False)
    with pytest.MonkeyPatch.context() as loading:
        loading.setattr(ctypes, "PyDLL", _Inert)  # _xlwindows binds pythoncom's DLL at import
        from xlwings import _xlwindows
    from xlwings import com_server, udfs

    from keyacct_xl.addin.xlwings_win import decorated_udf_module

    engines = (list(xlwings.engines.engines), dict(xlwings.engines.engines_by_name), xlwings.engines.active)
    xlwings.engines.add(xlwings.Engine(impl=_xlwindows.engine))  # what xlwings/__init__.py does on Windows
    module = decorated_udf_module()
    patch.setitem(
        udfs.udf_modules, "keyacct_xl.udfs", {"module": module, "filename": module.__file__, "filetime": None}
    )

    def call(name: str, *args: object) -> object:
        return udfs.call_udf("keyacct_xl.udfs", name, args)

    try:
        yield types.SimpleNamespace(call=call, udfs=udfs, module=module)
    finally:
        xlwings.engines.engines, xlwings.engines.engines_by_name, xlwings.engines.active = engines
        com_server.loop.close()
        for name in ("xlwings.udfs", "xlwings._xlwindows", "xlwings.com_server"):
            sys.modules.pop(name, None)
            if hasattr(xlwings, name.split(".")[1]):
                delattr(xlwings, name.split(".")[1])
        patch.undo()


@pytest.fixture(scope="module")
def excel() -> Iterator[types.SimpleNamespace]:
    """The Windows UDF path for this module's tests."""
    with windows_xlwings() as harness:
        yield harness


IMPLEMENTED = {
    "RFM_SCORE",
    "RFM_CLASS",
    "RFM_BREAKS",
    "RFM_TABLE",
    "ABC_CLASS",
    "PARETO_TABLE",
    "CUSTOMER_GRADE",
    "CREDIT_GRADE",
    "CUSTOMER_CODE",
    "AGEING_BUCKET",
    "AR_BALANCE",
    "RECONCILE",
    "VISIT_DUE",
    "VISIT_STATUS",
    "CREDIT_AVAILABLE",
    "CREDIT_CHECK",
}
BREAKS = ((10.0, 20.0, 30.0, 40.0), (1.0, 2.0, 3.0, 4.0), (100.0, 200.0, 300.0, 400.0))


def one(result: object) -> object:
    """The value of a single-cell result: xlwings always hands Excel a 2-D array, here 1 x 1."""
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def column(*values: object) -> tuple[tuple[object, ...], ...]:
    return tuple((v,) for v in values)


def test_every_udf_is_registered_with_category_and_help(excel) -> None:
    from keyacct_xl.addin.xlwings_win import registered_functions

    functions = registered_functions(excel.module)
    assert set(functions) == IMPLEMENTED
    for name, info in functions.items():
        assert info["category"] == "KeyAcct", name
        doc = info["ret"]["doc"]
        # Excel's MacroOptions keeps 255 characters; both languages must fit.
        assert len(doc) <= 255, name
        zh, _, en = doc.partition("。")
        assert any("\u4e00" <= c <= "\u9fff" for c in zh) and en.strip().isascii() and en.strip(), (name, doc)
        for arg in info["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert arg["options"].get("ndim") == 2 and arg["options"].get("err_to_str") is True


def test_every_udf_gets_a_vba_wrapper(excel) -> None:
    from keyacct_xl.addin.xlwings_win import udf_wrapper_code

    code = udf_wrapper_code(excel.module)
    assert code.startswith('Attribute VB_Name = "xlwings_udfs"')
    for name in IMPLEMENTED:
        assert f'{name} = XLPy.CallUDF("keyacct_xl.udfs", "{name}", Array(' in code
        assert f"Function {name}(" in code
    assert "Function RFM_SCORE(recency_days, frequency, monetary, Optional breaks)" in code
    assert "ActiveWorkbook, Application.Caller" in code  # built for an add-in, not ThisWorkbook


def test_rfm_score_column_in_column_out_with_breaks(excel) -> None:
    # Hand-scored against BREAKS: R 5 is below every R breakpoint, F 5 above every F breakpoint, and so on.
    result = excel.call("RFM_SCORE", column(5.0, 25.0, 45.0), column(5.0, 2.0, 1.0), column(250.0, 450.0, 50.0), BREAKS)
    assert result == [["553"], ["325"], ["111"]]


def test_rfm_score_single_cell_row_and_excel_values(excel) -> None:
    assert one(excel.call("RFM_SCORE", 5.0, 5.0, 250.0, BREAKS)) == "553"
    labelled = tuple((label, *row) for label, row in zip("RFM", BREAKS, strict=True))  # a label column beside
    assert one(excel.call("RFM_SCORE", 5.0, 5.0, 250.0, labelled)) == "553"
    # A row in gives a row out; numbers stored as text and ¥ amounts are numbers.
    assert excel.call("RFM_SCORE", ((5.0, "25"),), (("5", 2.0),), (("¥250.00", "450"),), BREAKS) == [["553", "325"]]
    # A single value stretches along the other columns; the result takes the column's shape.
    assert excel.call("RFM_SCORE", 5.0, column(5.0, 2.0), 250.0, BREAKS) == [["553"], ["523"]]
    # Blank rows stay blank, error cells keep their code, a bad number says why; the others are scored.
    result = excel.call(
        "RFM_SCORE",
        column(5.0, None, NA, "abc", 25.0),
        column(5.0, None, 1.0, 1.0, 2.0),
        column(250.0, None, 1.0, 1.0, 450.0),
        BREAKS,
    )
    assert result[0] == ["553"] and result[1] == [""] and result[4] == ["325"]
    assert result[2][0].startswith("#N/A") and result[3][0].startswith("#VALUE!") and "abc" in result[3][0]


def test_rfm_score_bad_arguments_give_value_errors_not_tracebacks(excel) -> None:
    mismatched = one(excel.call("RFM_SCORE", column(1.0, 2.0), column(1.0, 2.0, 3.0), column(1.0, 2.0), BREAKS))
    assert mismatched.startswith("#VALUE!") and "different lengths" in mismatched
    assert one(excel.call("RFM_SCORE", 5.0, 5.0, 250.0, ((1.0, 2.0),))).startswith("#VALUE! breaks")
    assert one(excel.call("RFM_SCORE", ((1.0, 2.0), (3.0, 4.0)), 1.0, 1.0, BREAKS)).startswith("#VALUE!")
    assert one(excel.call("RFM_SCORE", "x", "y", "z", MISSING)).startswith("#VALUE!")


def test_rfm_class_labels_against_means(excel) -> None:
    result = excel.call(
        "RFM_CLASS",
        column(10.0, 60.0, 10.0),
        column(5.0, 1.0, 1.0),
        column(2000.0, 2000.0, 10.0),
        30.0,
        3.0,
        1000.0,
        MISSING,
    )
    assert result == [["重要价值客户"], ["重要挽留客户"], ["一般发展客户"]]
    assert one(excel.call("RFM_CLASS", 10.0, 5.0, 2000.0, 30.0, 3.0, 1000.0, "en")) == "Important value"


def _transactions() -> tuple[tuple[object, ...], ...]:
    """Headers in Chinese; dates as COM dates, Excel serial numbers and text; amounts as numbers and text."""
    return (
        ("单据编号", "日期", "客户编号", "金额"),
        ("S1", ComTime(2026, 1, 10), "C001", 1000.0),
        ("S2", 46062.0, "C001", "2,000"),  # serial 46062 = 2026-02-09
        ("S3", "2026-03-01", "C002", 500.0),
        ("S4", ComTime(2026, 3, 21), "C003", 300.0),
        ("S5", ComTime(2026, 3, 25), "C003", 700.0),
        ("S6", ComTime(2026, 3, 30), "C003", -100.0),  # a return: less money, not a purchase
        (None, None, None, None),  # a blank row inside the table
    )


def test_rfm_table_spills_with_header_and_hand_computed_values(excel) -> None:
    result = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING)
    header, *rows = result
    assert header[:5] == ["customer_id", "last_purchase", "recency_days", "frequency", "monetary"]
    by_id = {r[0]: dict(zip(header, r)) for r in rows}
    assert by_id["C001"]["recency_days"] == 50 and by_id["C001"]["frequency"] == 2
    assert by_id["C001"]["monetary"] == 3000.0
    assert by_id["C002"]["recency_days"] == 30 and by_id["C002"]["monetary"] == 500.0
    assert by_id["C003"]["recency_days"] == 6 and by_id["C003"]["frequency"] == 2
    assert by_id["C003"]["monetary"] == 900.0
    assert by_id["C003"]["last_purchase"].date() == dt.date(2026, 3, 25)


def test_rfm_table_period_months_as_in_settings(excel) -> None:
    """The ribbon's RFM refresh counts Settings' rfm_period_months; the cell can pass the same value (0 = all)."""
    last_month = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING, 1.0)
    assert sorted(r[0] for r in last_month[1:]) == ["C002", "C003"]  # C001 last bought on 2026-02-09
    everything = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING, 0.0)
    assert sorted(r[0] for r in everything[1:]) == ["C001", "C002", "C003"]
    assert excel.call("RFM_TABLE", _transactions(), MISSING, MISSING, 1.5)[0][0].startswith("#VALUE! period_months")


def test_rfm_score_agrees_with_rfm_table_codes(excel) -> None:
    header, *rows = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING)
    col = {h: i for i, h in enumerate(header)}
    scores = excel.call(
        "RFM_SCORE",
        column(*(float(r[col["recency_days"]]) for r in rows)),
        column(*(float(r[col["frequency"]]) for r in rows)),
        column(*(r[col["monetary"]] for r in rows)),
        MISSING,
    )
    assert [s[0] for s in scores] == [r[col["rfm_code"]] for r in rows]
    breaks = excel.call("RFM_BREAKS", _transactions(), ComTime(2026, 3, 31), MISSING)
    assert len(breaks) == 3 and all(len(r) == 4 for r in breaks)
    with_breaks = excel.call(
        "RFM_SCORE",
        column(*(float(r[col["recency_days"]]) for r in rows)),
        column(*(float(r[col["frequency"]]) for r in rows)),
        column(*(r[col["monetary"]] for r in rows)),
        tuple(tuple(r) for r in breaks),
    )
    assert with_breaks == scores


def test_table_functions_are_cached_on_their_input(excel) -> None:
    excel.module.cache._entries.clear()
    first = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING)
    assert len(excel.module.cache) == 1
    assert excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING) == first
    assert len(excel.module.cache) == 1  # a hit, not a second entry
    excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 30), MISSING)
    assert len(excel.module.cache) == 2


def test_table_errors_name_the_problem(excel) -> None:
    no_amount = tuple(r[:3] for r in _transactions())
    assert one(excel.call("RFM_TABLE", no_amount, MISSING, MISSING)).startswith("#VALUE! Transactions: missing column")
    bad_date = (*_transactions()[:2], ("S9", "not a date", "C009", 1.0))
    message = one(excel.call("RFM_TABLE", bad_date, MISSING, MISSING))
    assert message.startswith("#VALUE!") and "row 3" in message
    with_error = (*_transactions()[:2], ("S9", DIV0, "C009", 1.0))
    assert one(excel.call("RFM_TABLE", with_error, MISSING, MISSING)).startswith("#DIV/0!")
    # Rows are counted as in the range: blank rows before the bad one do not shift the number.
    after_blanks = (*_transactions()[:2], (None,) * 4, (None,) * 4, ("S9", "not a date", "C009", 1.0))
    assert "row 5 (日期)" in one(excel.call("RFM_TABLE", after_blanks, MISSING, MISSING))
    error_after_blanks = (*_transactions()[:2], (None,) * 4, ("S9", NA, "C009", 1.0))
    assert (
        one(excel.call("RFM_TABLE", error_after_blanks, MISSING, MISSING))
        == "#N/A Transactions: row 4, column 日期 is #N/A"
    )


def test_abc_class_by_thresholds(excel) -> None:
    result = excel.call("ABC_CLASS", column(1_500_000.0, 100_000.0, 99_999.99, None, "1,000,000"), MISSING)
    assert result == [["A"], ["B"], ["C"], [""], ["A"]]
    assert one(excel.call("ABC_CLASS", 50.0, ((100.0,), (10.0,)))) == "B"
    assert one(excel.call("ABC_CLASS", 50.0, ((10.0,), (100.0,)))).startswith("#VALUE!")


def test_pareto_table_by_shares(excel) -> None:
    table = (("客户编号", "日期", "金额"), ("C1", 46000.0, 80.0), ("C2", 46000.0, 15.0), ("C3", 46001.0, 5.0))
    header, *rows = excel.call("PARETO_TABLE", table, ((80.0, 15.0),), MISSING)
    assert header == ["customer_id", "rank", "revenue", "share", "cumulative_share", "abc_class"]
    assert [(r[0], r[-1]) for r in rows] == [("C1", "A"), ("C2", "B"), ("C3", "C")]
    assert rows[1][4] == pytest.approx(0.95)


def test_pareto_table_reads_percent_cells_as_their_percentages(excel) -> None:
    """Shares typed as 80% and 15% reach the function as 0.8 and 0.15 (what the cell holds): the same classes as
    80 and 15, as Excel's own functions take 0.8 for 80 %; a fraction beside a percentage is refused, not guessed."""
    table = (
        ("客户编号", "日期", "金额"),
        ("C1", 46000.0, 80.0),
        ("C2", 46000.0, 15.0),
        ("C3", 46001.0, 5.0),
    )
    percent = excel.call("PARETO_TABLE", table, ((80.0, 15.0),), MISSING)
    assert [r[-1] for r in percent[1:]] == ["A", "B", "C"]
    assert excel.call("PARETO_TABLE", table, ((0.8, 0.15),), MISSING) == percent
    assert excel.call("PARETO_TABLE", table, column(0.8, 0.15), MISSING) == percent  # a column of two cells
    assert excel.call("PARETO_TABLE", table, (("80%", "15%"),), MISSING) == percent  # percentages stored as text
    mixed = one(excel.call("PARETO_TABLE", table, ((0.8, 15.0),), MISSING))
    assert mixed.startswith("#VALUE!") and "0.8" in mixed and "15" in mixed and "fraction" in mixed
    assert one(excel.call("PARETO_TABLE", table, ((80.0,),), MISSING)).startswith("#VALUE! shares: give two")


def test_date_formatted_numbers_are_read_as_their_serial_numbers(excel) -> None:
    """A recency column =TODAY()-C2 is often formatted as a date by Excel, which then hands a date over: as SUM and
    AVERAGE do, a number argument reads it as its serial number (1900-01-30 is 30, 1900-03-10 is 70 past Excel's
    29 February 1900, 1900-01-00 shown for 0 is COM's 1899-12-30), never quoting Python's repr of it."""
    as_dates = excel.call(
        "RFM_SCORE",
        column(ComTime(1899, 12, 30), ComTime(1900, 1, 30), ComTime(1900, 3, 10)),
        column(5.0, 2.0, 1.0),
        column(250.0, 450.0, 50.0),
        BREAKS,
    )
    assert as_dates == excel.call(
        "RFM_SCORE", column(0.0, 30.0, 70.0), column(5.0, 2.0, 1.0), column(250.0, 450.0, 50.0), BREAKS
    )
    assert as_dates == [["553"], ["225"], ["111"]]
    # the mean as AVERAGE() of such a column: a date too (1900-02-18 is 49)
    assert one(excel.call("RFM_CLASS", 30.0, 5.0, 2000.0, ComTime(1900, 2, 18), 3.0, 1000.0, MISSING)) == "重要价值客户"
    assert one(excel.call("RFM_CLASS", 50.0, 5.0, 2000.0, ComTime(1900, 2, 18), 3.0, 1000.0, MISSING)) == "重要保持客户"
    assert one(excel.call("ABC_CLASS", ComTime(1902, 9, 26), ((1000.0,), (100.0,)))) == "A"  # serial 1000
    assert one(excel.call("ABC_CLASS", ComTime(1902, 9, 25), ((1000.0,), (100.0,)))) == "B"
    metrics = (
        ("customer_id", "current_grade", "months_as_customer", "first_trade_date", "annual_sales", "credit_grade"),
        ("C1", "A", ComTime(1900, 3, 1), ComTime(2021, 1, 1), 2_500_000.0, "A"),  # 61 months
    )
    numbers = (metrics[0], ("C1", "A", 61.0, ComTime(2021, 1, 1), 2_500_000.0, "A"))
    assert excel.call("CUSTOMER_GRADE", metrics, "grading_3level", "en") == excel.call(
        "CUSTOMER_GRADE", numbers, "grading_3level", "en"
    )
    bad = excel.call("RFM_SCORE", column("abc", ComTime(1900, 1, 30)), 1.0, 1.0, BREAKS)
    assert bad[0][0].startswith("#VALUE! recency_days") and not any("datetime" in str(r[0]) for r in bad)


def test_ageing_bucket_labels_like_the_ageing_report(excel) -> None:
    as_of = ComTime(2026, 3, 31)
    due = column(ComTime(2026, 3, 31), ComTime(2026, 3, 1), "2026-01-30", 45900.0, None, NA)  # 45900 = 2025-08-31
    result = excel.call("AGEING_BUCKET", due, as_of, MISSING, MISSING)
    assert [r[0] for r in result[:5]] == ["未到期", "逾期1-30天", "逾期31-60天", "逾期180天以上", ""]
    assert result[5][0].startswith("#N/A")
    assert one(excel.call("AGEING_BUCKET", ComTime(2026, 3, 10), as_of, "10,20", "en")) == "Over 20 Days Overdue"
    assert one(excel.call("AGEING_BUCKET", ComTime(2026, 3, 10), as_of, "20,10", MISSING)).startswith("#VALUE!")


SALES = (
    ("单据编号", "日期", "客户编号", "金额"),
    ("S1", ComTime(2026, 1, 5), "C1", 1000.0),
    ("S2", ComTime(2026, 2, 5), "C1", 500.0),
    ("S3", ComTime(2026, 2, 10), "C2", "300"),
)
RECEIPTS = (("收款单号", "收款日期", "客户编号", "收款金额"), ("R1", ComTime(2026, 2, 20), "C1", 800.0))


def test_ar_balance_hand_ledger(excel) -> None:
    result = excel.call("AR_BALANCE", column("C1", "C2", "C3", None), SALES, RECEIPTS, MISSING)
    assert result == [[700.0], [300.0], [0.0], [""]]  # C3 has no sales or receipts: owes nothing
    assert one(excel.call("AR_BALANCE", "C1", SALES, RECEIPTS, ComTime(2026, 2, 15))) == 1500.0


ADJUSTED = (("日期", "客户编号", "单据编号", "调整金额", "原因"), (ComTime(2026, 2, 5), "C1", "S2", -50.0, "价格折让"))


def test_ar_balance_and_available_credit_replay_the_adjustments(excel) -> None:
    """With Adjustments[#All] the worksheet functions give the balance ageing and credit check give (issue 15)."""
    assert one(excel.call("AR_BALANCE", "C1", SALES, RECEIPTS, MISSING, ADJUSTED)) == 700.0 - 50.0
    available = excel.call(
        "CREDIT_AVAILABLE", "C1", CREDIT_CUSTOMERS, CREDIT_SALES, CREDIT_RECEIPTS, ComTime(2026, 3, 31), ADJUSTED
    )
    assert one(available) == 600.0 + 50.0  # C1 owes 400 − 50 of its 1,000 limit


# Credit check ledger (payment terms blank: due on the invoice date): C1 owes 700 − 100 credit note − 200 paid = 400
# of a 1,000 limit; C2 owes 400 due 2026-02-28 (31 days overdue on 03-31, 30 on 03-30); C3 prepaid 50 (grade C);
# C4 has no credit grade; C5 no limit.
CREDIT_CUSTOMERS = (
    ("客户编号", "客户名称", "信用等级", "信用额度"),
    ("C1", "甲", "A", 1000.0),
    ("C2", "乙", "B", 1000.0),
    ("C3", "丙", "C", 0.0),
    ("C4", "丁", None, 500.0),
    ("C5", "戊", "A", None),
)
CREDIT_SALES = (
    ("单据编号", "日期", "客户编号", "金额"),
    ("S1", ComTime(2026, 1, 1), "C1", 700.0),
    ("CN1", ComTime(2026, 1, 2), "C1", -100.0),
    ("S2", ComTime(2026, 2, 28), "C2", 400.0),
)
CREDIT_RECEIPTS = (
    ("收款单号", "收款日期", "客户编号", "收款金额"),
    ("R1", ComTime(2026, 1, 10), "C1", 200.0),
    ("R2", ComTime(2026, 3, 1), "C3", 50.0),
)


def test_credit_available_is_limit_minus_open_balance(excel) -> None:
    result = excel.call(
        "CREDIT_AVAILABLE",
        column("C1", "C2", "C3", "C5", "C9", None),
        CREDIT_CUSTOMERS,
        CREDIT_SALES,
        CREDIT_RECEIPTS,
        ComTime(2026, 3, 31),
    )
    assert result[:3] == [[600.0], [600.0], [50.0]] and result[5] == [""]
    assert result[3][0].startswith("#N/A C5: no credit limit") and result[4][0].startswith("#N/A C9")


def test_credit_check_decides_at_the_boundaries(excel) -> None:
    ids = column("C1", "C1", "C2", "C3", "C3", "C4", "C9", "C1")
    amounts = column(600.0, 600.01, 10.0, 50.0, 50.01, 1.0, 1.0, -5.0)
    result = [
        r[0]
        for r in excel.call(
            "CREDIT_CHECK",
            ids,
            amounts,
            CREDIT_CUSTOMERS,
            CREDIT_SALES,
            CREDIT_RECEIPTS,
            ComTime(2026, 3, 31),
            "en",
            MISSING,
        )
    ]
    assert result[0] == "allow: within the credit limit: ¥0.00 available after this order"  # exactly at the limit
    assert result[1].startswith("refuse: over the credit limit by ¥0.01")  # one cent over
    assert result[2].startswith("needs approval: ¥400.00 overdue up to 31 days (more than 30 days)")
    assert result[3].startswith("allow: cash or prepayment only")
    assert result[4].startswith("refuse: over the credit limit by ¥0.01")  # C's limit of 0 is asked first
    assert result[5].startswith("needs approval: no credit grade") and result[6].startswith("#N/A C9")
    assert result[7].startswith("#VALUE! amount of C1")
    # 30 days overdue is still allowed; the Settings sheet moves the approval threshold.
    day_before = excel.call(
        "CREDIT_CHECK", "C2", 10.0, CREDIT_CUSTOMERS, CREDIT_SALES, CREDIT_RECEIPTS, ComTime(2026, 3, 30), "zh", MISSING
    )
    assert one(day_before).startswith("允许：在信用额度内")
    strict = (("参数", "值"), ("超期需审批天数", 29.0))
    assert one(
        excel.call(
            "CREDIT_CHECK",
            "C2",
            10.0,
            CREDIT_CUSTOMERS,
            CREDIT_SALES,
            CREDIT_RECEIPTS,
            ComTime(2026, 3, 30),
            "zh",
            strict,
        )
    ).startswith("需审批：")


def test_credit_check_shows_the_amounts_in_the_settings_book_currency(excel) -> None:
    """Before, a workbook keeping its books in SGD read "over the credit limit by ¥0.01"."""
    sgd = (("参数", "值"), ("记账币种", "SGD"))
    args = (CREDIT_CUSTOMERS, CREDIT_SALES, CREDIT_RECEIPTS, ComTime(2026, 3, 31), "en", sgd)
    reason = one(excel.call("CREDIT_CHECK", "C1", 600.01, *args))
    assert reason.startswith("refuse: over the credit limit by S$0.01 (limit S$1,000.00") and "¥" not in reason


# GradeHistory: C2's terms went from 0 to 45 days on 2026-03-15, after its invoice S2 of 02-28.
TERMS_CHANGED = (
    ("年度", "客户编号", "原账期天数", "新账期天数", "生效日期"),
    (2026, "C2", 0, 45, ComTime(2026, 3, 15)),
)


def test_credit_check_ages_invoices_by_the_terms_in_force_when_issued(excel) -> None:
    """Before, CREDIT_CHECK aged S2 by C2's terms today (45 days: not due, "allow") while credit check aged it by
    the 0 days in force when it was issued (31 days overdue: "needs approval"); with GradeHistory[#All] they agree."""
    terms = ("账期天数", 0, 45, 0, 0, 0)
    customers = tuple((*row, days) for row, days in zip(CREDIT_CUSTOMERS, terms, strict=True))
    args = (customers, CREDIT_SALES, CREDIT_RECEIPTS, ComTime(2026, 3, 31), "en", MISSING, MISSING)
    assert one(excel.call("CREDIT_CHECK", "C2", 10.0, *args)).startswith("allow: ")  # no history given: today's
    decided = one(excel.call("CREDIT_CHECK", "C2", 10.0, *args, TERMS_CHANGED))
    assert decided.startswith("needs approval: ¥400.00 overdue up to 31 days")
    checked = run_credit_check(
        _master(customers, CREDIT_SALES, CREDIT_RECEIPTS, TERMS_CHANGED),
        "C2",
        10.0,
        as_of=pd.Timestamp("2026-03-31"),
        lang="en",
    )
    assert decided == f"{decision_label(checked.decision, 'en')}: {checked.reason}"


def test_credit_grade_judges_lateness_by_the_terms_in_force_when_issued(excel) -> None:
    """C1's invoice of 2025-09-01 was issued under 60 days and paid on 11-10, 10 days after it fell due: on time
    within the 15 days' grace, though its terms are 0 days today."""
    customers = (("客户编号", "客户名称", "信用等级", "账期天数"), ("C1", "甲", "B", 0))
    sales = (("单据编号", "日期", "客户编号", "金额"), ("S1", ComTime(2025, 9, 1), "C1", 1000.0))
    receipts = (("收款单号", "收款日期", "客户编号", "收款金额"), ("R1", ComTime(2025, 11, 10), "C1", 1000.0))
    history = (TERMS_CHANGED[0], (2026, "C1", 60, 0, ComTime(2026, 1, 1)))
    args = (customers, sales, receipts, ComTime(2026, 3, 31), MISSING)
    assert one(excel.call("CREDIT_GRADE", "C1", *args)) == "B"  # 70 days late by today's terms
    assert one(excel.call("CREDIT_GRADE", "C1", *args, history)) == "A"


def _master(*tables: tuple[tuple[object, ...], ...]) -> Master:
    """A master holding Customers, Transactions, Payments and GradeHistory as the ranges give them (zh headers)."""
    master = Master.empty()
    schemas = (CUSTOMERS, TRANSACTIONS, PAYMENTS, GRADE_HISTORY)
    for schema, (header, *rows) in zip(schemas, tables, strict=True):
        keys = {c.zh: c.key for c in schema.columns}
        frame = pd.DataFrame([[_plain(v) for v in row] for row in rows], columns=[keys[h] for h in header])
        setattr(master, schema.attr, frame.reindex(columns=getattr(master, schema.attr).columns))
    return master


def _plain(value: object) -> object:
    return pd.Timestamp(value) if isinstance(value, dt.datetime) else value


def test_customer_code_positions(excel) -> None:
    customers = (
        ("客户编号", "客户名称", "客户类别", "首次交易日期"),
        ("C1", "甲公司", "重要客户", ComTime(2016, 1, 1)),
        ("C2", "乙公司", "潜在客户", ComTime(2025, 6, 30)),
    )
    sales = (
        ("日期", "客户编号", "金额"),
        (ComTime(2020, 5, 1), "C1", 900_000.0),
        (ComTime(2026, 5, 1), "C1", 600_000.0),
        (ComTime(2026, 1, 1), "C2", 50_000.0),
    )
    result = excel.call("CUSTOMER_CODE", column("C1", "C2", "C9"), customers, sales, ComTime(2026, 6, 30), MISSING)
    # C1: category 1; 1.5M total -> 1; 1.5M over its 2 years with sales data (2020, 2026) = 750k a year -> 1;
    # 10 full years -> A. C2: category 4; 50k -> 3; 50k a year -> 3; one full year.
    assert result[:2] == [["111A"], ["4331"]] and result[2][0].startswith("#N/A C9")
    assert one(excel.call("CUSTOMER_CODE", "C2", customers, sales, ComTime(2026, 6, 30), "K")) == "K331"


def test_credit_grade_from_the_payment_record(excel) -> None:
    customers = (("客户编号", "客户名称", "信用等级"), ("C1", "准时", "B"), ("C2", "拖欠", "A"), ("C3", "坏账", "A"))
    sales = (
        ("单据编号", "日期", "客户编号", "金额"),
        ("S1", ComTime(2025, 9, 1), "C1", 1000.0),
        ("S2", ComTime(2025, 9, 1), "C2", 1000.0),
        ("S3", ComTime(2025, 9, 1), "C3", 1000.0),
    )
    receipts = (
        ("收款单号", "收款日期", "客户编号", "收款金额"),
        ("R1", ComTime(2025, 9, 10), "C1", 1000.0),
        ("R2", ComTime(2025, 11, 10), "C2", 1000.0),
    )
    # Credit policy: A pays on time (within 15 days' grace), B is at most 120 days late, C the rest.
    result = excel.call("CREDIT_GRADE", column("C1", "C2", "C3"), customers, sales, receipts, ComTime(2026, 3, 31))
    assert result == [["A"], ["B"], ["C"]]


def test_customer_grade_under_the_four_level_policy(excel) -> None:
    header = (
        "customer_id",
        "current_grade",
        "months_as_customer",
        "first_trade_date",
        "annual_sales",
        "credit_grade",
        "influence",
        "growth",
        "on_time_rate",
        "visit_rating",
    )
    metrics = (
        header,
        ("C1", "A", 60.0, ComTime(2021, 1, 1), 2_500_000.0, "A", 5.0, 0.1, 0.95, 4.0),
        ("C2", "B", 60.0, ComTime(2021, 1, 1), "1,200,000", "B", 2.0, 0.0, 0.7, 3.0),
        ("C3", "B", 60.0, ComTime(2021, 1, 1), 150_000.0, "C", 1.0, 0.0, 0.5, 3.0),
        ("C4", "C", 60.0, ComTime(2021, 1, 1), 50_000.0, "A", 1.0, 0.0, 1.0, 3.0),
        ("C5", None, 3.0, ComTime(2026, 9, 1), 3_000_000.0, "A", 5.0, 0.0, 1.0, 5.0),
    )
    head, *rows = excel.call("CUSTOMER_GRADE", metrics, MISSING, "en")
    assert head == ["customer_id", "proposed_grade", "change", "reasons"]
    assert [(r[0], r[1]) for r in rows] == [("C1", "VIP"), ("C2", "A"), ("C3", "B"), ("C4", "C"), ("C5", "C")]
    assert "new customer" in rows[4][3]
    # The workbook's Settings table moves the policy's thresholds, as in the ribbon's annual grading: with VIP
    # from 3,000,000, C1's 2,500,000 makes it A. The settings' grading_policy is the default policy.
    settings = (("参数", "值", "说明"), ("grade_vip_min_sales", 3_000_000.0, None), ("currency", "CNY", None))
    _, *moved = excel.call("CUSTOMER_GRADE", metrics, MISSING, "en", settings)
    assert [(r[0], r[1]) for r in moved][:2] == [("C1", "A"), ("C2", "A")]
    three = (settings[0], ("grading_policy", "grading_3level", None))  # no VIP grade in that policy
    assert {r[1] for r in excel.call("CUSTOMER_GRADE", metrics, MISSING, "en", three)[1:]} <= {"A", "B", "C"}
    # Blank rows below the data (a range chosen larger than the table) are no customers.
    blank = (None,) * len(header)
    assert excel.call("CUSTOMER_GRADE", (*metrics, blank, blank), MISSING, "en") == [head, *rows]
    no_id = (*metrics, blank, (None, "B", 60.0, ComTime(2021, 1, 1), 1.0, "B", 1.0, 0.0, 1.0, 3.0))
    assert (
        one(excel.call("CUSTOMER_GRADE", no_id, MISSING, "en"))
        == "#VALUE! metrics: row 8 has values but no customer_id"
    )


def test_a_policy_is_never_read_from_a_path_a_cell_names(excel, tmp_path) -> None:
    """A workbook from outside, opened with the add-in, recalculates its formulas: a policy named by a path (or a
    name walking out of the shipped folder) made the function read that file, or reach for it on a share; only a
    shipped policy is taken, by its code or title, and the file is never read."""
    from importlib import resources

    shipped = resources.files("keyacct_xl.templates") / "policies" / "grading_4level.yaml"
    own = tmp_path / "own.yaml"
    own.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    header = ("customer_id", "current_grade", "months_as_customer", "first_trade_date", "annual_sales")
    metrics = (
        (*header, "credit_grade", "influence", "growth", "on_time_rate", "visit_rating"),
        ("C1", "A", 60.0, ComTime(2021, 1, 1), 2_500_000.0, "A", 5.0, 0.1, 0.95, 4.0),
    )
    for named in (str(own), str(tmp_path / "own"), "../../../" + str(own.with_suffix("")).lstrip("/")):
        assert one(excel.call("CUSTOMER_GRADE", metrics, named, "en")).startswith(
            f"#VALUE! policy: {named!r} is not a shipped policy (grading_3level, grading_4level)"
        )
    settings = (("setting", "value"), ("grading_policy", str(own)))
    assert one(excel.call("CUSTOMER_GRADE", metrics, MISSING, "en", settings)).startswith(
        f"#VALUE! Settings (grading_policy): {str(own)!r} is not a shipped policy"
    )
    visits = (("setting", "value"), ("visit_policy", "//files.example/share/visits.yaml"))
    customers = (("客户编号", "客户名称"), ("C1", "甲"))
    seen = (("拜访日期", "客户编号"), (ComTime(2026, 1, 5), "C1"))
    assert one(excel.call("VISIT_DUE", "C1", customers, seen, ComTime(2026, 3, 1), visits)).startswith(
        "#VALUE! Settings (visit_policy): '//files.example/share/visits.yaml' is not a shipped policy (visits)"
    )
    assert excel.call("CUSTOMER_GRADE", metrics, "四级客户分级（VIP/A/B/C）", "en")[1][:2] == ["C1", "VIP"]


def test_reconcile_spills_the_matching(excel) -> None:
    ours = (
        ("日期", "单据编号", "摘要", "借方", "贷方"),
        (ComTime(2026, 10, 3), "S001", "销售", 5000.0, None),
        (ComTime(2026, 10, 5), "S002", "销售", 3000.0, None),
        (ComTime(2026, 10, 10), "R001", "收款", None, 1000.0),
        (ComTime(2026, 10, 30), "S005", "销售", 700.0, None),
    )
    # The customer's books: our sales are their credits, our receipts their debits; 46306 = 2026-10-11.
    theirs = (
        ("记账日期", "凭证号", "摘要", "借方金额", "贷方金额"),
        ("2026-10-03", "S001", "购货", None, "5,000.00"),
        ("2026/10/05", "S002", "购货", None, 3100.0),
        (46306.0, "R001", "付款", 1000.0, None),
    )
    header, *rows = excel.call("RECONCILE", ours, theirs, MISSING, "en")
    status = {r[header.index("ours_ref")]: r[header.index("status")] for r in rows}
    assert status == {"S001": "Matched", "S002": "Amount Mismatch", "R001": "Matched", "S005": "Only Ours"}
    mismatch = next(r for r in rows if r[1] == "S002")
    assert mismatch[header.index("difference")] == -100.0
    hint = header.index("hint")
    assert "in transit" in next(r for r in rows if r[1] == "S005")[hint]  # sold within 7 days of the period end
    narrow = excel.call("RECONCILE", ours, theirs, 0.0, "en")  # a zero-day window: no longer "in transit"
    assert next(r for r in narrow[1:] if r[1] == "S005")[hint] == "not in their books"
    bad = one(excel.call("RECONCILE", ours, (("a", "b"), (1.0, 2.0)), MISSING, "en"))
    assert bad.startswith("#VALUE! theirs_table: unknown layout")


def test_table_functions_show_code_values_in_their_language(excel) -> None:
    """RECONCILE(..., "zh") says 金额不符 / 我方有 as the reconcile report does, not amount_mismatch beside Chinese
    hints; RFM_TABLE and CUSTOMER_GRADE show their classes and changes as their reports do, never a snake_case code."""
    ours = (
        ("日期", "单据编号", "借方", "贷方"),
        (ComTime(2026, 10, 3), "S001", 5000.0, None),
        (ComTime(2026, 10, 5), "S002", 3000.0, None),
        (ComTime(2026, 10, 30), "S005", 700.0, None),
    )
    theirs = (
        ("记账日期", "凭证号", "借方金额", "贷方金额"),
        (ComTime(2026, 10, 3), "S001", None, 5000.0),
        (ComTime(2026, 10, 5), "S002", None, 3100.0),
        (ComTime(2026, 10, 8), "P009", None, 400.0),
    )
    header, *rows = excel.call("RECONCILE", ours, theirs, MISSING, "zh")
    status = header.index("status")
    assert sorted(r[status] for r in rows) == sorted(["相符", "金额不符", "我方有", "对方有"])
    assert [r[status] for r in excel.call("RECONCILE", ours, theirs, MISSING, MISSING)[1:]] == [r[status] for r in rows]
    head, *lines = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING, MISSING, "en")
    assert "rfm_class" not in head and head[-1] == "rfm_class_label"
    labels = {"Important value", "Important development", "Important retention", "Important win-back"}
    labels |= {label.replace("Important", "General") for label in labels}
    assert {r[-1] for r in lines} <= labels
    zh = excel.call("RFM_TABLE", _transactions(), ComTime(2026, 3, 31), MISSING, MISSING, MISSING)
    assert all(r[-1].endswith("客户") for r in zh[1:]) and not any("_" in str(v) for r in zh[1:] for v in r[1:])
    header = ("customer_id", "current_grade", "months_as_customer", "first_trade_date", "annual_sales")
    metrics = (
        (*header, "credit_grade", "influence", "growth", "on_time_rate", "visit_rating"),
        ("C1", "B", 60.0, ComTime(2021, 1, 1), 2_500_000.0, "A", 5.0, 0.1, 0.95, 4.0),
        ("C2", "A", 60.0, ComTime(2021, 1, 1), 50_000.0, "A", 1.0, 0.0, 1.0, 3.0),
    )
    graded = excel.call("CUSTOMER_GRADE", metrics, MISSING, "zh")
    assert [r[2] for r in graded[1:]] == ["升级", "降级"]
    assert [r[2] for r in excel.call("CUSTOMER_GRADE", metrics, MISSING, "en")[1:]] == ["up", "down"]


def test_one_cell_options_refuse_ranges_and_fractions(excel) -> None:
    # A range where one cell is expected is refused, not cut to its first cell.
    refused = one(excel.call("RFM_CLASS", 10.0, 5.0, 2000.0, column(30.0, 1.0), 3.0, 1000.0, MISSING))
    assert refused.startswith("#VALUE! mean_r: give one cell, not a 2x1 range")
    table = (("客户编号", "日期", "金额"), ("C1", 46000.0, 80.0))
    assert one(excel.call("PARETO_TABLE", table, MISSING, 2025.5)).startswith("#VALUE! year must be a whole number")
    assert one(excel.call("PARETO_TABLE", table, MISSING, ((2025.0, 2026.0),))).startswith("#VALUE! year: give one")
    ours = (("日期", "单据编号", "借方", "贷方"), (ComTime(2026, 10, 3), "S001", 5000.0, None))
    for window in (-1.0, 2.5):
        assert one(excel.call("RECONCILE", ours, ours, window, "en")).startswith("#VALUE! date_window must be")


def test_ageing_buckets_as_a_range_of_day_counts(excel) -> None:
    # Settings cells 10 | 20 (a row, with a trailing blank) give the same buckets as the text "10,20".
    as_of, due = ComTime(2026, 3, 31), column(ComTime(2026, 3, 25), ComTime(2026, 3, 15), ComTime(2026, 3, 1))
    expected = [["1-10 Days Overdue"], ["11-20 Days Overdue"], ["Over 20 Days Overdue"]]
    assert excel.call("AGEING_BUCKET", due, as_of, "10,20", "en") == expected
    assert excel.call("AGEING_BUCKET", due, as_of, ((10.0, 20.0, None),), "en") == expected
    assert excel.call("AGEING_BUCKET", due, as_of, column(10.0, "20"), "en") == expected
    assert one(excel.call("AGEING_BUCKET", due[0][0], as_of, ((20.0, 10.0),), MISSING)).startswith("#VALUE!")
    assert one(excel.call("AGEING_BUCKET", due[0][0], as_of, ((10.0, 15.5),), MISSING)).startswith("#VALUE! buckets")


def test_reconcile_numeric_document_numbers_and_error_cells(excel) -> None:
    # A document number typed as a number (1001) is the same reference as the text "1001" in their books:
    # the lines pair up by reference, so the difference shows as an amount mismatch, not two unmatched lines.
    ours = (("日期", "单据编号", "借方", "贷方"), (ComTime(2026, 10, 3), 1001.0, 5000.0, None))
    theirs = (("记账日期", "凭证号", "借方金额", "贷方金额"), (ComTime(2026, 10, 20), "1001", None, 5100.0))
    header, *rows = excel.call("RECONCILE", ours, theirs, MISSING, "en")
    assert [(r[header.index("status")], r[header.index("ours_ref")]) for r in rows] == [("Amount Mismatch", "1001")]
    # An error cell in a statement range is named, not read as an unreadable amount.
    broken = (*theirs, (ComTime(2026, 10, 21), "1002", None, NA))
    assert one(excel.call("RECONCILE", ours, broken, MISSING, "en")) == "#N/A theirs_table: row 3, column 4 is #N/A"


VISIT_CUSTOMERS = (
    ("客户编号", "客户名称", "业务员", "客户等级", "首次交易日期"),
    ("C1", "甲公司", "张三", "VIP", ComTime(2025, 1, 1)),
    ("C2", "乙公司", "张三", "B", None),
    ("C3", "丙公司", "李四", "C", ComTime(2026, 1, 10)),
)
VISIT_ROWS = (
    ("日期", "客户编号", "方式"),
    (ComTime(2026, 11, 1), "C1", "面访"),
    (ComTime(2026, 11, 10), "C1", "电话"),
    (ComTime(2026, 8, 1), "C2", "上门拜访"),
)


def test_visit_due_and_status_as_the_visits_check(excel) -> None:
    as_of = ComTime(2026, 11, 20)
    # C1 VIP: a call every 14 days after 11-10 -> 11-24 (due within 7 days); C2 B: 08-01 + 45 -> 09-15 (overdue);
    # C3 C never visited: first trade 01-10 + 90 contact days -> 04-10 (overdue); the visits check's own rules
    due = excel.call("VISIT_DUE", column("C1", "C2", "C3", "C9", None), VISIT_CUSTOMERS, VISIT_ROWS, as_of, MISSING)
    # a date goes to Excel as xlwings hands it to COM: a UTC datetime
    utc = dt.timezone.utc
    assert [r[0] for r in due[:3]] == [
        dt.datetime(2026, 11, 24, tzinfo=utc),
        dt.datetime(2026, 9, 15, tzinfo=utc),
        dt.datetime(2026, 4, 10, tzinfo=utc),
    ]
    assert due[3][0] == "#N/A C9: not in Customers" and due[4][0] == ""
    status = excel.call("VISIT_STATUS", column("C1", "C2", "C3"), VISIT_CUSTOMERS, VISIT_ROWS, as_of, MISSING, MISSING)
    assert status == [["到期"], ["逾期"], ["逾期"]]
    assert (
        one(excel.call("VISIT_STATUS", "C1", VISIT_CUSTOMERS, VISIT_ROWS, ComTime(2026, 11, 12), "en", MISSING))
        == "OK"  # Excel compares text ignoring case: ="ok" still holds
    )
    # the workbook's Settings table moves VIP face-to-face visits to every 10 days: 11-01 + 10 -> 11-11
    settings = (("参数", "值", "说明"), ("visit_days_vip", 10.0, None))
    assert one(excel.call("VISIT_DUE", "C1", VISIT_CUSTOMERS, VISIT_ROWS, as_of, settings)) == dt.datetime(
        2026, 11, 11, tzinfo=utc
    )
    assert one(excel.call("VISIT_STATUS", "C1", VISIT_CUSTOMERS, VISIT_ROWS, as_of, "fr", MISSING)).startswith(
        "#VALUE! lang must be zh or en"
    )
    # a visit naming no customer counts for nobody (the last customer seen is not credited with it)
    unnamed = (*VISIT_ROWS, (ComTime(2026, 11, 19), None, "面访"))
    assert excel.call("VISIT_DUE", column("C1", "C2"), VISIT_CUSTOMERS, unnamed, as_of, MISSING) == due[:2]
    bad_date = (VISIT_ROWS[0], ("下周", "C1", "面访"))
    assert one(excel.call("VISIT_DUE", "C1", VISIT_CUSTOMERS, bad_date, as_of, MISSING)).startswith(
        "#VALUE! Visits: row 2 (日期)"
    )


def test_a_date_cell_past_the_master_s_dates_is_a_value_error_naming_it(excel) -> None:
    # A year typed 3026 in a date cell: the master refuses it when read; a worksheet function must not take it.
    header = ("customer_id", "months_as_customer", "first_trade_date", "annual_sales", "credit_grade")
    metrics = (header, ("C1", 60.0, ComTime(3026, 1, 1), 2_500_000.0, "A"))
    assert one(excel.call("CUSTOMER_GRADE", metrics, MISSING, "en")).startswith(
        "#VALUE! first_trade_date row 2: 3026-01-01 is outside the accepted dates 1900-01-01..2262-04-11"
    )
    assert one(excel.call("AGEING_BUCKET", ComTime(3026, 1, 1), ComTime(2026, 1, 1))).startswith("#VALUE!")
    assert one(excel.call("AGEING_BUCKET", ComTime(2026, 1, 1), ComTime(2026, 3, 1, 15, 30))) == "逾期31-60天"


def test_credit_grade_without_any_payment_recorded_is_not_judged(excel) -> None:
    """An empty Payments table says nothing of what was paid: no C for every customer, the reason in the cell."""
    customers = (("客户编号", "客户名称", "信用等级"), ("C1", "准时", "B"), ("C2", "拖欠", "A"))
    sales = (
        ("单据编号", "日期", "客户编号", "金额"),
        ("S1", ComTime(2025, 9, 1), "C1", 1000.0),
        ("S2", ComTime(2025, 9, 1), "C2", 1000.0),
    )
    # An empty Excel table still has one (blank) data row under its header.
    receipts = (("收款单号", "收款日期", "客户编号", "收款金额"), (None, None, None, None))
    result = one(excel.call("CREDIT_GRADE", column("C1", "C2"), customers, sales, receipts, ComTime(2026, 3, 31)))
    assert result.startswith("#N/A the master records no payments")


def test_customer_grade_names_the_metrics_a_policys_weights_need(excel) -> None:
    metrics = (
        ("customer_id", "current_grade", "months_as_customer", "first_trade_date", "annual_sales"),
        ("C1", "A", 60.0, ComTime(2021, 1, 1), 2_500_000.0),
    )
    assert one(excel.call("CUSTOMER_GRADE", metrics, MISSING, "en")) == (
        "#VALUE! grading: metrics lack column(s) growth, on_time_rate, influence, visit_rating"
    )
