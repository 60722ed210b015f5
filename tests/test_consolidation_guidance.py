"""What a returned form's messages tell the rep and the manager to do, found by a trial rep who filled the forms in
LibreOffice: a period written the way people write weeks and months, a date that is no date, a card refused as a
probable duplicate, a value conflict; each read back from the consolidation report a manager opens."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from keyacct_xl.consolidate.report import write_report
from keyacct_xl.consolidate.run import RunResult, consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.master.model import Master
from keyacct_xl.master.privacy import is_sensitive_key
from keyacct_xl.master.writer import save_master

NOW = "2026-12-04 18:00:00"
REP = "石刚洋"


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C0001", "C0002"], "name": ["兰州恒昌铸造有限公司", "西安凯瑞机械"]})
    m.customers["rep"] = REP
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _visits(period: object, dates: list[object] | None = None) -> bytes:
    lines = [
        {"date": d, "customer_id": "C0001", "method": "电话", "content": "回访"} for d in (dates or ["2026-12-01"])
    ]
    form = blank_form("visit_record", lang="zh", context=FormContext(period="2026-W49"))
    return fill_form(form, header={"rep": REP, "period": period}, rows={"visits": lines})


def _errors(result: RunResult, tmp_path: Path, lang: str = "zh") -> dict[str, tuple[object, str, str]]:
    """The report's 错误 sheet read back: cell → (value, message, severity)."""
    path = write_report(result, tmp_path / f"report-{lang}.xlsx", lang)
    sheet = openpyxl.load_workbook(path)["错误" if lang == "zh" else "Errors"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] and r[2]][1:]
    return {cell: (value, message, severity) for _, _, cell, _, value, message, severity in rows}


# --- a period written as people write weeks and months --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("2026年第49周", "2026-W49"),
        ("2026年49周", "2026-W49"),
        ("第49周", "2026-W49"),
        ("2026-49", "2026-W49"),
        ("2026 W49", "2026-W49"),
    ],
)
def test_a_week_written_in_words_is_read_as_the_period(
    master: Path, inbox: Path, tmp_path: Path, typed: str, period: str
) -> None:
    # Found by a trial: 2026年第49周 was an error, "长度 9 个字符，最多 8 个", and the rows imported all the same.
    (inbox / "v.xlsx").write_bytes(_visits(typed))
    result = consolidate(inbox, master, now=NOW)
    (outcome,) = result.outcomes
    assert outcome.status == "accepted"
    assert outcome.period == period
    (note,) = _errors(result, tmp_path).values()
    assert note == (typed, f"'{typed}' 按期间 {period} 读取", "提示")
    assert load_store(master).frame("Visits")["period"].tolist() == [period]


@pytest.mark.parametrize(
    ("typed", "note"),
    [
        ("2026年12月", "'2026年12月' 按期间 2026-12 读取"),
        ("2026年12月份", "'2026年12月份' 按期间 2026-12 读取"),
        # A number above 12 after the year is a week on a weekly form only: here 2026-13 is a mistyped month.
        (
            "2026-13",
            "'2026-13' 不是周或月份：按生成表单时的期间 2026-12 读取；期间请写成 2026-W49（周）或 2026-12（月）",
        ),
    ],
)
def test_a_month_written_in_words_is_read_as_the_period(
    master: Path, inbox: Path, tmp_path: Path, typed: str, note: str
) -> None:
    form = blank_form("competitor_report", lang="zh", context=FormContext(period="2026-12"))
    (inbox / "c.xlsx").write_bytes(fill_form(form, header={"rep": REP, "period": typed}))
    result = consolidate(inbox, master, now=NOW)
    assert result.outcomes[0].period == "2026-12"
    assert [message for value, message, _ in _errors(result, tmp_path).values() if value == typed] == [note]


def test_a_period_that_is_no_week_or_month_says_how_to_write_one(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "v.xlsx").write_bytes(_visits("下周一到周五"))
    result = consolidate(inbox, master, now=NOW)
    messages = [message for _, message, _ in _errors(result, tmp_path).values()]
    assert messages == [
        "'下周一到周五' 不是周或月份：按生成表单时的期间 2026-W49 读取；期间请写成 2026-W49（周）或 2026-12（月）"
    ]


# --- a date that is no date -----------------------------------------------------------------------------------


def test_a_date_that_is_no_date_is_told_in_one_sentence_with_the_forms_accepted(
    master: Path, inbox: Path, tmp_path: Path
) -> None:
    # Found by a trial: 不是有效日期（'2026/13/1' 不是有效日期（月份 13 不在 1 至 12 之间）） said it twice, and
    # no form to write.
    (inbox / "v.xlsx").write_bytes(_visits("2026-W49", ["2026-12-01", "2026/13/1", "下周二"]))
    errors = _errors(consolidate(inbox, master, now=NOW), tmp_path)
    assert errors["A9"] == (
        "2026/13/1",
        "'2026/13/1' 不是有效日期（月份 13 不在 1 至 12 之间）：日期请写成 2026-12-03、2026/12/3 或 12月3日",
        "错误",
    )
    assert errors["A10"][1] == "'下周二' 不是日期：日期请写成 2026-12-03、2026/12/3 或 12月3日"


# --- a card refused as a probable duplicate, a value conflict: what to do next --------------------------------


def _card(header: dict[str, object]) -> bytes:
    return fill_form(blank_form("customer_card"), header={"rep": REP, "fill_date": "2026-12-01", **header})


def test_a_card_refused_as_a_probable_duplicate_says_how_to_take_it(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "资料卡_恒昌.xlsx").write_bytes(_card({"name": "兰州恒昌铸造有限公司", "city": "兰州"}))
    result = consolidate(inbox, master, now=NOW)
    (outcome,) = result.outcomes
    assert outcome.status == "rejected"
    assert outcome.reason_zh == (
        "疑似与已有客户 C0001 兰州恒昌铸造有限公司 重复：如就是该客户，请在资料卡的客户编号填 C0001 后重新提交（将更新"
        " C0001 的资料）；如是另一家公司，请在名称或地址中写明两者的区别"
    )


def test_a_value_conflict_says_how_to_take_the_reps_value(master: Path, inbox: Path, tmp_path: Path) -> None:
    store = load_store(master)
    (inbox / "凯瑞.xlsx").write_bytes(_card({"customer_id": "C0002", "name": "西安凯瑞机械", "staff_count": 120}))
    path = tmp_path / "seed"
    path.mkdir()
    (path / "seed.xlsx").write_bytes(_card({"customer_id": "C0002", "name": "西安凯瑞机械", "staff_count": 26}))
    assert store is not None
    consolidate(path, master, now="2026-12-01 18:00:00", accept=())
    result = consolidate(inbox, master, now=NOW)
    (conflict,) = result.conflicts
    assert conflict.zh == "档案保留原值；如要采用业务员填写的值，请在总表的 客户档案 工作表中将原值改为该值"


# --- in Chinese, no English: a look-alike character, a form recognised by its headers -------------------------


def test_a_full_width_letter_in_an_id_is_named_in_chinese(master: Path, inbox: Path, tmp_path: Path) -> None:
    # Found by a trial: "Ｃ0060 含形近字符或不可见字符（U+FF23 FULLWIDTH LATIN CAPITAL LETTER C）".
    form = blank_form("visit_record", lang="zh", context=FormContext(period="2026-W49"))
    line = {"date": "2026-12-01", "customer_id": "Ｃ0001", "method": "电话", "content": "回访"}
    (inbox / "v.xlsx").write_bytes(fill_form(form, header={"rep": REP, "period": "2026-W49"}, rows={"visits": [line]}))
    errors = _errors(consolidate(inbox, master, now=NOW), tmp_path)
    assert errors["B8"] == ("Ｃ0001", "Ｃ0001 含形近字符或不可见字符（全角字母 Ｃ），按 C0001 读取", "提示")


def test_a_form_that_lost_its_meta_sheet_is_named_by_its_title(master: Path, inbox: Path, tmp_path: Path) -> None:
    # Found by a trial: "没有 _meta 工作表：按表头识别为 visit_record" named neither the form nor anything a rep knows.
    book = openpyxl.load_workbook(io.BytesIO(_visits("2026-W49")))
    del book["_meta"]
    book.save(inbox / "v.xlsx")
    (outcome,) = consolidate(inbox, master, now=NOW).outcomes
    (note,) = [w.zh for w in outcome.warnings if "表头" in w.zh]
    assert note.startswith("文件中的表单信息已丢失：按表头识别为“客户回访记录表”（")
    assert "_meta" not in note and "visit_record" not in note


# --- --accept FILE for a file that waits for no decision ------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_accepting_a_file_that_waits_for_no_review_stops_the_run(
    master: Path, inbox: Path, tmp_path: Path, dry_run: bool
) -> None:
    # Found by a trial: consolidate … --accept 资料卡_恒昌.xlsx --dry-run said nothing of --accept, the card refused
    # as a probable duplicate as before; --accept decides files held for review only.
    (inbox / "资料卡_恒昌.xlsx").write_bytes(_card({"name": "兰州恒昌铸造有限公司", "city": "兰州"}))
    before = master.read_bytes()
    with pytest.raises(InputError) as stopped:
        consolidate(inbox, master, now=NOW, accept=["资料卡_恒昌.xlsx"], dry_run=dry_run)
    assert stopped.value.zh == (
        "--accept 资料卡_恒昌.xlsx：此文件没有等待审核（拒收：疑似与已有客户 C0001 兰州恒昌铸造有限公司 重复："
        "如就是该客户，请在资料卡的客户编号填 C0001 后重新提交（将更新 C0001 的资料）；"
        "如是另一家公司，请在名称或地址中写明两者的区别），"
        "--accept 和 --reject 只用于待审核的文件；未写入任何内容"
    )
    assert master.read_bytes() == before


def test_a_personal_value_kept_under_its_label_in_the_ledger_is_still_personal() -> None:
    # The ledger's 表头数据 is keyed by the form's labels now: a masked export judges those as it judged the keys.
    assert is_sensitive_key("籍贯") and is_sensitive_key("个人信息 · 兴趣爱好") and is_sensitive_key("birthplace")
    assert not is_sensitive_key("注册资本(万元)")
