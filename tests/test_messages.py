"""The message catalog: complete for the code, placeholders kept, zh output without English sentences, locations.

The messages come from the code (``msg``/``tr``, extracted with Babel as ``.ci/catalog.py`` does); the zh catalog
is ``keyacct_xl/locale/zh/LC_MESSAGES/keyacct_xl.po``, compiled to the ``.mo`` next to it.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import pickle
import re
import string
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from babel.messages.mofile import read_mo
from lxml import etree

from keyacct_xl.consolidate.model import Issue
from keyacct_xl.errors import InputError, SpecError
from keyacct_xl.forms.spec import parse_spec
from keyacct_xl.forms.validation import describe_rule
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import TRANSACTIONS
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import LOCALE_DIR, Location, Pair, cmsg, msg, tr, withheld
from keyacct_xl.parsing import ParseError, parse_date, parse_money
from keyacct_xl.receivables.ledger import build_ledger
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.receivables.statements import parse_period
from keyacct_xl.tablefile import read_table_file
from keyacct_xl.yamlcheck import Where, read_yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("catalog", ROOT / ".ci" / "catalog.py")
assert _spec and _spec.loader
catalog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalog)

# An English sentence: two words of three or more Latin letters in a row. Placeholder values in these tests are
# ids, numbers, dates and file names, so what matches is text the catalog did not translate.
_ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,;:]+[A-Za-z]{3,}")
# Terms zh users write in Latin letters, and our command names (docs/language.md), in the catalog's zh texts.
_KEPT = re.compile(
    r"keyacct-xl addin install|keyacct-xl grade|keyacct-xl master check|Attribute VB_Name|"
    r"Trust Center|Cmd-Q|RunPython AppleScript|GradeReview|--with-excel|grade apply|forms list|"
    r"visit_record,weekly_plan|--book master\.xlsx|keyacct-xl routes assign|routes apply|reconcile apply|"
    r"keyacct-xl customers import|CSV UTF-8|credit apply|history import|master listings"
)


@pytest.fixture(scope="module")
def used() -> dict[str, object]:
    """The messages the code uses ((msgid, context) -> Babel message)."""
    return {(m.id, m.context): m for m in catalog.extract() if m.id}


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    """The zh catalog's translations ((msgid, context) -> msgstr)."""
    return {(m.id, m.context): m.string for m in catalog.read_catalog() if m.id}


def test_the_catalog_has_every_message_the_code_uses_and_no_other(used: dict, zh: dict) -> None:
    missing = sorted((m for m in used if not zh.get(m)), key=str)
    stale = sorted(set(zh) - set(used), key=str)
    assert not missing, f"messages without a zh translation (run python .ci/catalog.py): {missing}"
    assert not stale, f"messages no code uses (run python .ci/catalog.py): {stale}"


def test_no_message_is_built_inside_an_f_string() -> None:
    """The extractor does not look inside an f-string's fields: ``f"{tr(lang, 'statement')}_..."`` leaves "statement"
    out of the catalog, and zh users get the English word (a statement file named statement_C1_2026-10.xlsx)."""
    found = []
    for path in sorted((ROOT / "keyacct_xl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                    name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                    if name in ("tr", "msg", "cmsg") and call.args and isinstance(call.args[-1], ast.Constant):
                        found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not found, f"messages built inside f-strings (move the call out): {found}"


def test_the_shipped_mo_is_the_compiled_po(zh: dict) -> None:
    with catalog.MO.open("rb") as file:
        compiled = {(m.id, m.context): m.string for m in read_mo(file) if m.id}
    assert compiled == zh, "the .mo differs from the .po: run python .ci/catalog.py"
    # and the runtime reads it where the package looks for it
    assert gettext.translation("keyacct_xl", LOCALE_DIR, languages=["zh"]).gettext("sheet {sheet}") == "工作表 {sheet}"


def _fields(text: str) -> list[tuple[str, str, str]]:
    return sorted(
        (name, spec or "", conversion or "")
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_every_translation_keeps_exactly_the_placeholders_of_its_msgid(zh: dict) -> None:
    wrong = {key: text for key, text in zh.items() if _fields(key[0]) != _fields(text)}
    assert not wrong


def test_no_translation_is_an_english_sentence(zh: dict) -> None:
    bare = {msgid: _KEPT.sub("", re.sub(r"\{[^}]*\}", "", text)) for msgid, text in zh.items()}
    english = {msgid: text for msgid, text in bare.items() if _ENGLISH.search(text)}
    assert not english


def test_a_location_names_file_sheet_cell_and_header_in_both_languages() -> None:
    where = Location("sales.xlsx", sheet="Sales", cell="B3", header=TRANSACTIONS.column("date"))
    assert where.en == "sales.xlsx: sheet Sales, cell B3 (Date)"
    assert where.zh == "sales.xlsx：工作表 Sales，单元格 B3（日期）"
    line = Location("sales.csv", line=4, header=TRANSACTIONS.column("amount"))
    assert (line.en, line.zh) == ("sales.csv: line 4, column Amount", "sales.csv：第 4 行，列 金额")


def _zh(error: Exception) -> str:
    assert isinstance(error, (InputError, ParseError))
    return error.message("zh")


def _assert_no_english(text: str) -> None:
    assert not _ENGLISH.search(text), text


def test_a_bad_date_reads_in_zh_without_the_python_exception_text() -> None:
    with pytest.raises(ParseError) as month:
        parse_date("2026年13月1日")
    with pytest.raises(ParseError) as day:
        parse_date("2026-02-30")
    assert _zh(month.value) == "'2026年13月1日' 不是有效日期（月份 13 不在 1 至 12 之间）"
    assert month.value.en == "'2026年13月1日' is not a valid date (month 13 is not 1 to 12)"
    assert _zh(day.value) == "'2026-02-30' 不是有效日期（2026 年 02 月没有 30 日）"
    with pytest.raises(ParseError) as amount:
        parse_money("12 USD")
    _assert_no_english(_zh(amount.value))


def test_receivables_errors_and_unreadable_statement_lines_read_in_zh(tmp_path: Path) -> None:
    empty = pd.DataFrame({"customer_id": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]")})
    with pytest.raises(InputError) as undated:
        build_ledger(empty, empty, pd.DataFrame())
    assert _zh(undated.value) == "销售明细和收款记录中没有日期，请指定截止日期"
    with pytest.raises(InputError) as period:
        parse_period("2026-13")
    _assert_no_english(_zh(period.value))
    statement = tmp_path / "ours.csv"
    statement.write_text("日期,摘要,借方,贷方\n2026-13-01,销货,100,\n2026-10-05,收款,,abc\n", encoding="utf-8")
    reasons = [p.reason.render("zh") for p in read_statement(statement).problems]
    assert reasons == ["'2026-13-01' 不是有效日期（月份 13 不在 1 至 12 之间）", "'abc' 不是金额"]


def test_a_message_crosses_a_process_boundary_in_both_languages() -> None:
    # A reader's worker sends its error back pickled; lxml's own exceptions cannot be pickled.
    with pytest.raises(etree.XMLSyntaxError) as syntax:
        etree.fromstring(b"<a>")
    error = InputError(msg("{path}: cannot read the workbook ({exc})", path=Path("x.xlsx"), exc=syntax.value))
    copy = pickle.loads(pickle.dumps(error))
    assert copy.message("zh") == f"x.xlsx：无法读取工作簿（{syntax.value}）"
    assert copy.message("en") == f"x.xlsx: cannot read the workbook ({syntax.value})"


def test_a_withheld_message_keeps_its_words_and_no_value_whatever_the_placeholders_format() -> None:
    with pytest.raises(ParseError) as bad_day:
        parse_date("1981-02-30")
    reason = msg("{problem}: write a date as 2026-12-03, 2026/12/3 or 12月3日", problem=bad_day.value)
    assert "1981-02 has no day 30" in reason.en and "1981 年 02 月没有 30 日" in reason.zh
    hidden = withheld(reason)
    assert (
        hidden.en
        == "*** is not a valid date (***-*** has no day ***): write a date as 2026-12-03, 2026/12/3 or 12月3日"
    )
    assert hidden.zh == "*** 不是有效日期（*** 年 *** 月没有 *** 日）：日期请写成 2026-12-03、2026/12/3 或 12月3日"
    # a format spec (:g, :,) and a conversion (!r) apply to what is shown, never to the value
    number = withheld(
        msg("{value:g} is not a whole number; {length:,} characters; {typed!r}", value=2.5, length=9, typed="x")
    )
    assert number.en == "*** is not a whole number; *** characters; '***'"
    allowed = Pair("Married / Single", "已婚、未婚")
    assert withheld(msg("{text!r} is not one of the allowed values: {allowed}", text="离异", allowed=allowed)).zh == (
        "'***' 不在可选值中：***"
    )
    assert withheld(Pair("离异 read as Other", "离异 读作 其他")).render("zh") == "***"


def test_an_issue_keeps_its_reason_across_a_process_boundary() -> None:
    with pytest.raises(ParseError) as bad_day:
        parse_date("1981-02-30")
    issue = Issue(
        "f.xlsx", "Sheet", "B15", "Birthday", "1981-02-30", msg("not a date ({problem})", problem=bad_day.value)
    )
    copy = pickle.loads(pickle.dumps(issue))  # checked in a worker, reported by the parent
    assert (copy.en, copy.zh) == (issue.en, issue.zh) and "30 日" in copy.zh
    assert "1981" not in withheld(copy.reason).zh


def test_a_blank_required_cell_of_a_workbook_names_file_sheet_and_cell_in_both_languages(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "明细"
    for row in (["客户编号", "日期", "金额"], ["C1", "2026-01-05", 1], [None, "2026-01-06", 2]):
        book.active.append(row)
    book.save(tmp_path / "tx.xlsx")
    with pytest.raises(InputError) as blank:
        read_table_file(tmp_path / "tx.xlsx", TRANSACTIONS.columns, required=("customer_id",))
    assert blank.value.message("en") == "tx.xlsx: sheet 明细, cell A3 (客户编号): Customer ID is required but blank"
    assert blank.value.message("zh") == "tx.xlsx：工作表 明细，单元格 A3（客户编号）：客户编号 为必填项，不能为空"


def test_a_blank_required_value_in_a_table_file_names_its_line_and_column_in_zh(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("客户编号,日期,金额\nC1,2026-01-01,12\n,2026-01-02,3\n", encoding="utf-8")
    with pytest.raises(InputError) as blank:
        read_table_file(path, TRANSACTIONS.columns, required=("customer_id", "date", "amount"))
    assert blank.value.message("zh") == "tx.csv：第 3 行，列 客户编号：客户编号 为必填项，不能为空"
    assert blank.value.message("en") == "tx.csv: line 3, column 客户编号: Customer ID is required but blank"


def test_a_bad_date_in_the_master_reads_fully_in_zh(tmp_path: Path) -> None:
    # The master's reader used to pass the place as English text: "cell B2 (日期)：无法识别 ...".
    master = Master.empty(lang="zh")
    master.transactions = pd.DataFrame(
        {"date": pd.to_datetime(["2026-10-01"]), "customer_id": ["C001"], "amount": [100.0]}
    )
    path = save_master(master, tmp_path / "master.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[TRANSACTIONS.sheet("zh")]
    column = next(c.column_letter for c in sheet[1] if c.value == TRANSACTIONS.column("date").zh)
    sheet[f"{column}2"] = "2026年13月1日"
    book.save(path)
    with pytest.raises(InputError) as bad:
        load_master(path)
    sheet_name = TRANSACTIONS.sheet("zh")
    assert bad.value.message("zh") == (
        f"master.xlsx：工作表 {sheet_name}，单元格 {column}2（日期）："
        "'2026年13月1日' 不是有效日期（月份 13 不在 1 至 12 之间）"
    )
    assert bad.value.message("en") == (
        f"master.xlsx: sheet {sheet_name}, cell {column}2 (日期): "
        "'2026年13月1日' is not a valid date (month 13 is not 1 to 12)"
    )


def test_a_bad_settings_cell_and_a_missing_master_table_read_in_zh(tmp_path: Path) -> None:
    with pytest.raises(InputError) as choice:
        settings_from({"rfm_monetary": "median"}, where="master.xlsx: 参数设置!B10")
    assert choice.value.message("zh") == "master.xlsx: 参数设置!B10（RFM 金额口径）：'median' 无效，应为合计、单均之一"
    assert choice.value.message("en") == (
        "master.xlsx: 参数设置!B10 (RFM Monetary): 'median' is not one of total, average"
    )
    book = openpyxl.Workbook()
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError) as missing:
        load_master(tmp_path / "other.xlsx")
    _assert_no_english(_zh(missing.value).replace(str(tmp_path), ""))


def test_a_form_spec_error_and_a_field_rule_read_in_zh() -> None:
    raw = {
        "id": "mini",
        "version": 1,
        "title": {"zh": "小表", "en": "Mini"},
        "orientation": "sideways",
        "sections": [
            {
                "id": "head",
                "kind": "fields",
                "title": {"zh": "表头", "en": "Head"},
                "fields": [
                    {
                        "key": "visits",
                        "label": {"zh": "拜访次数", "en": "Visits"},
                        "type": "integer",
                        "constraints": {"minimum": 0, "maximum": 9},
                    }
                ],
            }
        ],
    }
    with pytest.raises(SpecError) as bad:
        parse_spec(raw, file="mini.yaml")
    assert bad.value.message("zh") == "mini.yaml：orientation：'sideways' 不是 portrait 或 landscape"
    assert bad.value.message("en") == "mini.yaml: orientation: 'sideways' is not portrait or landscape"
    field = parse_spec({**raw, "orientation": "portrait"}, file="mini.yaml").sections[0].fields[0]
    assert describe_rule(field).zh == "请输入 0 到 9 之间的整数。"
    assert describe_rule(field).en == "Enter a whole number from 0 to 9."


def test_an_impossible_date_in_a_yaml_file_names_the_file_key_and_line_in_zh(tmp_path: Path) -> None:
    policy = tmp_path / "workdays.yaml"
    policy.write_text("name: 2026\nholidays:\n  - 2026-10-01\n  - 2026-02-30\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_yaml(policy, Where("workdays.yaml"))
    where = "workdays.yaml：holidays[1]：第 4 行："
    assert caught.value.zh == where + "'2026-02-30' 不是有效日期（2026 年 02 月没有 30 日）"
    assert caught.value.en == (
        "workdays.yaml: holidays[1]: line 4: '2026-02-30' is not a valid date (2026-02 has no day 30)"
    )
    policy.write_text("holidays: [2026-13-01]\n", encoding="utf-8")
    with pytest.raises(SpecError) as month:
        read_yaml(policy, Where("workdays.yaml"))
    bad_month = "'2026-13-01' 不是有效日期（月份 13 不在 1 至 12 之间）"
    assert month.value.zh == "workdays.yaml：holidays[0]：第 1 行：" + bad_month


def test_a_word_translated_apart_in_a_context_keeps_its_usual_translation_elsewhere() -> None:
    # "Status" is a reconciliation line's 核对结果, but a consolidated file's 状态
    assert msg("Status").zh == "核对结果"
    assert cmsg("consolidation report", "Status").zh == "状态"
    assert cmsg("consolidation report", "Status").en == "Status"


def test_an_amount_after_the_yuan_sign_is_signed_as_the_money_cells_show_it() -> None:
    """One output printed ¥-422.65 in a sentence and -¥422.65 in the cells (``"¥"#,##0.00``): a negative amount
    after ¥ reads -¥ in every message, as the report layer measures the cells (``formatted``)."""
    from keyacct_xl.reports import formatted

    balance = "As of {end:%Y-%m-%d} your balance with us is ¥{closing:,.2f}. "
    end = pd.Timestamp("2026-10-31")
    assert tr("zh", balance, end=end, closing=-422.65).endswith(" -¥422.65。")
    assert tr("en", balance, end=end, closing=-422.65).endswith(f"is {formatted(-422.65, 'money')}. ")
    assert tr("en", balance, end=end, closing=1234.5).endswith("is ¥1,234.50. ")
    # only an amount right after ¥ moves its sign: other figures and a literal {{ keep theirs
    assert tr("en", "{{¥}} ¥{a:,.2f}, {n}, ¥ {b}", a=-1.0, n=-2, b=-3) == "{¥} -¥1.00, -2, ¥ -3"


# A ribbon button named in a message: zh “名称” after 按钮 / 点 / 点击 / 单击; en the words after "click" or
# "button", up to the end of the clause.
_ZH_BUTTON = re.compile(r"(?:按钮|点击|单击|点)[“「]([^”」{}]+)[”」]")
_EN_BUTTON = re.compile(r"\b(?:click|button) [\"“]?([A-Z][^.,;:\"”{}]*)")


def test_every_ribbon_button_a_message_names_is_on_the_ribbon(zh: dict) -> None:
    """A message telling the user to click a button names it as the ribbon labels it (macros_bridge/customUI14.xml:
    the zh label, the en screentip): 撤销信用条件, not 撤销信用条件应用."""
    ribbon = etree.parse(str(ROOT / "macros_bridge" / "customUI14.xml"))
    buttons = ribbon.xpath("//*[local-name()='button']")
    labels = {"zh": {b.get("label") for b in buttons}, "en": {b.get("screentip") for b in buttons}}
    named = [("zh", name) for text in zh.values() if isinstance(text, str) for name in _ZH_BUTTON.findall(text)]
    named += [("en", name.strip()) for key in zh for name in _EN_BUTTON.findall(str(key[0]))]
    assert ("zh", "应用已批准评级") in named and ("en", "Apply approved grades") in named  # the patterns find them
    unknown = [(lang, name) for lang, name in named if name not in labels[lang]]
    assert not unknown, f"buttons named in messages but not on the ribbon: {unknown}"
