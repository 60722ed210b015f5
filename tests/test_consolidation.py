"""Consolidation end to end: forms generated, filled with openpyxl as a rep would, merged into a real master."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reportbook import table_ref, table_rows

from keyacct_xl.cli.consolidate_cmd import REFUSED
from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.report import default_report_path, summary_line, write_report
from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import backup_path
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"  # the Saturday of the week the forms report: no visit lies after it


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003"],
            "name": ["广州华强贸易有限公司", "佛山永利五金厂", "东莞新世纪超市"],
            "rep": ["张三", "张三", "李四"],
            "phone": ["020-83331234", None, "0769-22220000"],
            "city": ["广州", None, "东莞"],
            "tax_id": [None, None, "91441900MA4UXXXX1Y"],
        }
    )
    m.transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-05", "2026-10-06"]),
            "customer_id": ["C001", "C003"],
            "amount": [18_500.0, 3_200.0],
        }
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def visit_form(rep: str, rows: list[dict], period: str = "2026-W48") -> bytes:
    return fill_form(blank_form("visit_record"), header={"rep": rep, "period": period}, rows={"visits": rows})


VISITS = [
    {
        "date": dt.datetime(2026, 11, 23),
        "customer_id": "C001",
        "method": "面谈",
        "content": "谈年度返利",
        "rating": "良好",
    },
    {"date": "2026/11/24", "customer_id": "C002", "method": "电话", "content": "催收货款", "rating": "Good"},
    {"date": "2026年11月25日", "customer_id": "C001", "content": "送样品"},
]


def test_visit_records_merge_with_provenance_and_row_errors(master: Path, inbox: Path, tmp_path: Path) -> None:
    bad = [
        *VISITS,
        {"date": "下周", "customer_id": "C001"},
        {"date": "2026-11-26", "customer_id": "C999"},
        {"date": "2026-11-27", "customer_id": "C002", "rating": "马马虎虎"},
    ]
    (inbox / "张三 第48周.xlsx").write_bytes(visit_form("张三", bad))
    original = master.read_bytes()
    result = consolidate(inbox, master, now=NOW)
    assert backup_path(master).read_bytes() == original  # atomic save keeps the previous file
    [outcome] = result.outcomes
    assert (outcome.status, outcome.rows_added) == ("partial", 4)
    visits = load_store(master).frame("Visits")
    assert visits["customer_id"].tolist() == ["C001", "C002", "C001", "C002"]
    assert visits["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"]
    # An English label is stored in the master's zh; an unreadable optional rating is blanked, keeping its line.
    assert visits["rating"].tolist() == ["良好", "良好", None, None]
    first = visits.iloc[0]
    assert (first["source_file"], first["source_sheet"], first["rep"], first["period"]) == (
        "张三 第48周.xlsx",
        "客户回访记录表",
        "张三",
        "2026-W48",
    )
    assert first["source_row"] == 8 and first["consolidated_at"] == NOW and len(first["file_sha256"]) == 64
    errors = {(i.cell, i.field_label("zh"), i.value): i.zh for i in outcome.errors}
    assert errors[("A11", "回访日期", "下周")] == "'下周' 不是日期：日期请写成 2026-12-03、2026/12/3 或 12月3日"
    assert "C999 不在客户档案中" in errors[("B12", "客户编号", "C999")]
    warnings = {(i.cell, i.field_label("zh"), i.value): i.zh for i in outcome.issues if i.severity == "warning"}
    assert "不在可选值中" in warnings[("J13", "客户评价", "马马虎虎")] and ("J13", "客户评价", "马马虎虎") not in errors
    # The master's other tables are untouched and still load.
    assert load_master(master).transactions["amount"].tolist() == [18_500.0, 3_200.0]
    assert summary_line(result, "en") == "1 file(s): partial 1; 4 row(s) added, 0 updated, 0 conflict(s), 1 warning(s)"


def test_summary_of_an_empty_folder(master: Path, inbox: Path) -> None:
    result = consolidate(inbox, master, dry_run=True, now=NOW)
    assert summary_line(result, "zh") == "共 0 个文件；新增 0 行，更新 0 行，冲突 0 项（试运行，未写入）"


def test_second_run_and_renamed_copy_add_nothing(master: Path, inbox: Path) -> None:
    content = visit_form("张三", VISITS)
    (inbox / "a.xlsx").write_bytes(content)
    consolidate(inbox, master, now=NOW)
    before = master.read_bytes()
    (inbox / "sub").mkdir()
    (inbox / "sub" / "renamed copy.xlsx").write_bytes(content)
    again = consolidate(inbox, master, now="2026-11-24 09:00:00")
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate"]
    assert again.rows_added == 0 and again.written == []
    assert master.read_bytes() == before
    assert len(load_store(master).frame("Visits")) == 3


def test_forms_without_a_period_do_not_supersede_each_other(master: Path, inbox: Path) -> None:
    # The period identifies a resubmission; two files that leave it blank are two submissions, both kept.
    (inbox / "a.xlsx").write_bytes(visit_form("张三", [VISITS[0]], period=""))
    (inbox / "b.xlsx").write_bytes(visit_form("张三", [VISITS[1]], period=""))
    result = consolidate(inbox, master, now=NOW)
    assert [(o.status, o.corrects) for o in result.outcomes] == [("accepted", ""), ("accepted", "")]
    (inbox / "c.xlsx").write_bytes(visit_form("张三", [VISITS[2]], period=""))
    consolidate(inbox, master, now="2026-11-29 09:00:00")
    assert load_store(master).frame("Visits")["source_file"].tolist() == ["a.xlsx", "b.xlsx", "c.xlsx"]


def test_strict_rejects_the_whole_file_into_quarantine(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "one bad row.xlsx").write_bytes(visit_form("张三", [*VISITS, {"date": "?", "customer_id": "C001"}]))
    quarantine = tmp_path / "quarantine"
    result = consolidate(inbox, master, quarantine_dir=quarantine, strict=True, now=NOW)
    assert result.outcomes[0].status == "rejected" and result.rows_added == 0
    assert (quarantine / "one bad row.xlsx").read_bytes() == (inbox / "one bad row.xlsx").read_bytes()
    reason = (quarantine / "one bad row.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "--strict" in reason and "A11" in reason
    assert (inbox / "one bad row.xlsx").exists()


def test_injected_values_are_kept_as_text(master: Path, inbox: Path) -> None:
    # A leading CR is covered in test_consolidation_store: openpyxl, playing the rep here, writes a raw CR that
    # every XML reader turns into LF before we see it (Excel itself writes _x000D_).
    payloads = [
        '=HYPERLINK("http://evil","点击")',
        "+86 138",
        "-1+2",
        "@SUM(1)",
        "\t缩进",
        "\t=1+1",
        "=cmd|' /C calc'!A0",
        'DDE("cmd";"/c calc";"x")',
    ]
    rows = [{"date": "2026-11-23", "customer_id": "C001", "content": p} for p in payloads]
    # Stored without the whitespace around them: a formula a tab hid is bared, and still kept as text.
    stored = [p.strip() for p in payloads]
    (inbox / "inject.xlsx").write_bytes(visit_form("张三", rows))
    consolidate(inbox, master, now=NOW)
    sheet = openpyxl.load_workbook(master)["拜访记录"]
    column = [c.value for c in sheet[1]].index("内容") + 1
    cells = [sheet.cell(r, column) for r in range(2, 2 + len(payloads))]
    assert {c.data_type for c in cells} == {"s"}
    assert [c.value for c in cells] == stored
    assert load_store(master).frame("Visits")["content"].tolist() == stored


def test_a_weekly_plans_targets_and_summary_are_one_row_per_rep_and_week(master: Path, inbox: Path) -> None:
    """The week's targets, last week's figures, the summary and the support asked for were kept only inside the
    ingestion ledger's JSON: they are one WeeklyTargets row per rep and week, which the Saturday copy with the
    summary filled in updates, with before and after."""
    header = {"rep": "张三", "period": "2026-W48", "sales_target": "5万", "collection_target": 30000, "visit_target": 8}
    plan = {"plan": [{"day": "周一", "date": "2026-11-23", "activity": "拜访", "customer_id": "C001"}]}
    (inbox / "plan.xlsx").write_bytes(fill_form(blank_form("weekly_plan"), header=header, rows=plan))
    consolidate(inbox, master, now=NOW)
    saturday = {**header, "summary": "签下年度合同", "support_needed": "需要促销物料"}
    (inbox / "plan_周六.xlsx").write_bytes(fill_form(blank_form("weekly_plan"), header=saturday, rows=plan))
    result = consolidate(inbox, master, now="2026-11-28 18:00:00")
    [row] = load_store(master).frame("WeeklyTargets").to_dict("records")
    assert (row["rep"], row["period"], row["sales_target"], row["collection_target"], row["visit_target"]) == (
        "张三",
        "2026-W48",
        50000.0,
        30000.0,
        8,
    )
    assert (row["summary"], row["support_needed"]) == ("签下年度合同", "需要促销物料")
    changed = {c.field: (c.before, c.after) for c in result.changes if c.table == "WeeklyTargets"}
    assert changed == {"summary": ("", "签下年度合同"), "support_needed": ("", "需要促销物料")}
    assert openpyxl.load_workbook(master)["周目标与总结"]["D1"].value == "销售目标"


def test_untouched_parts_stay_byte_identical(master: Path, inbox: Path) -> None:
    (inbox / "plan.xlsx").write_bytes(
        fill_form(
            blank_form("weekly_plan"),
            header={"rep": "张三", "period": "2026-W48"},
            rows={
                "plan": [
                    {
                        "day": "周一",
                        "date": "2026-11-23",
                        "activity": "拜访",
                        "customer_id": "C001",
                        "goal": "签年度合同",
                    }
                ]
            },
        )
    )
    before = _parts(master)
    consolidate(inbox, master, now=NOW)
    after = _parts(master)
    changed = {n for n in before if before[n] != after[n]}
    # The new WeeklyPlans, WeeklyTargets, IngestionLedger and SubmissionHistory (the rows as the file added them)
    # tables are listed in the workbook, each a sheet, its table and their relationship; no existing sheet changed.
    assert changed == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    assert len(set(after) - set(before)) == 12
    plans = load_store(master).frame("WeeklyPlans")
    assert plans[["day", "customer_id", "goal"]].values.tolist() == [["周一", "C001", "签年度合同"]]
    assert load_store(master).frame("WeeklyTargets")[["rep", "period"]].values.tolist() == [["张三", "2026-W48"]]
    (inbox / "plan.xlsx").unlink()
    (inbox / "visits.xlsx").write_bytes(visit_form("张三", VISITS))
    before = _parts(master)
    consolidate(inbox, master, now=NOW)
    after = _parts(master)
    changed = {n for n in before if before[n] != after[n]}
    # Visits' sheet and table, the ledger's and the history's (sheets 5, 10 and 11 of this package) and nothing else.
    assert changed == {
        "xl/worksheets/sheet5.xml",
        "xl/tables/table5.xml",
        "xl/worksheets/sheet10.xml",
        "xl/tables/table10.xml",
        "xl/worksheets/sheet11.xml",
        "xl/tables/table11.xml",
    }


def test_dry_run_writes_only_the_report(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", VISITS))
    before = master.read_bytes()
    (inbox / "notes.txt").write_text("x", encoding="utf-8")
    report = tmp_path / "report.xlsx"
    assert (
        main(
            [
                "consolidate",
                str(inbox),
                "--into",
                str(master),
                "--dry-run",
                "--report",
                str(report),
                "--quarantine",
                str(tmp_path / "q"),
                "--lang",
                "en",
            ]
        )
        == 0  # notes.txt is no form: named as refused, but no rep has a form to send again
    )
    assert master.read_bytes() == before and not (tmp_path / "q").exists()
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["Summary", "By form", "Files", "Errors", "Changes", "Conflicts"]
    summary = {r[0]: r[1] for r in table_rows(report, "Summary")[1:]}
    assert (summary["Dry run"], summary["accepted"], summary["Rows added"]) == ("Yes", 1, 3)


def test_report_names_file_sheet_cell_field_value_and_reason(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", [{"date": "2026-13-45", "customer_id": "C001"}, *VISITS]))
    (inbox / "readme.txt").write_text("not a form", encoding="utf-8")
    result = consolidate(inbox, master, now=NOW)
    path = write_report(result, tmp_path / "汇总报告.xlsx", "zh")
    files = table_rows(path, "文件")
    assert files[0][:3] == ("文件", "状态", "原因")
    assert files[1][:3] == ("readme.txt", "拒收", "不是电子表格（.xlsx、.xlsm、.xls 或 .ods）")
    assert files[2][:2] == ("v.xlsx", "部分接收")
    errors = table_rows(path, "错误")[1:]
    assert errors[0][:5] == ("v.xlsx", "客户回访记录表", "A8", "回访日期", "2026-13-45")
    assert "不是有效日期" in errors[0][5] and errors[0][6] == "错误"


def test_zip_source_and_two_jobs_give_the_same_result(master: Path, tmp_path: Path) -> None:
    archive = tmp_path / "week48.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("张三/visits.xlsx", visit_form("张三", VISITS))
        z.writestr("李四/visits.xlsx", visit_form("李四", [{"date": "2026-11-23", "customer_id": "C003"}]))
        z.writestr("李四/notes.docx", b"PK\x03\x04 not really")
    single = tmp_path / "single.xlsx"
    single.write_bytes(master.read_bytes())
    result = consolidate(archive, master, jobs=2, now=NOW)
    statuses = {o.name: o.status for o in result.outcomes}
    assert statuses == {"张三/visits.xlsx": "accepted", "李四/visits.xlsx": "accepted", "李四/notes.docx": "rejected"}
    assert sorted(load_store(master).frame("Visits")["rep"]) == ["张三", "张三", "张三", "李四"]
    consolidate(archive, single, jobs=1, now=NOW)
    assert single.read_bytes() == master.read_bytes()  # the number of workers changes nothing


def test_zip_members_of_one_name_are_each_read_and_told_apart(master: Path, tmp_path: Path) -> None:
    # A rep added the file to the zip again after an edit: zipfile, asked by name, gives only the last of them.
    archive = tmp_path / "week48.zip"
    monday = visit_form("张三", [VISITS[0]])
    tuesday = visit_form("张三", [{**VISITS[1], "date": dt.datetime(2026, 11, 24)}])
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(archive, "w") as z:
        z.writestr("张三/visit.xlsx", monday)
        z.writestr("张三/visit.xlsx", tuesday)
    result = consolidate(archive, master, now=NOW)
    outcomes = {o.name: o for o in result.outcomes}
    assert {n: o.status for n, o in outcomes.items()} == {
        "张三/visit.xlsx": "accepted",
        "张三/visit (2).xlsx": "accepted",
    }
    assert outcomes["张三/visit (2).xlsx"].warnings[0].en == (
        "week48.zip holds 2 files named 张三/visit.xlsx: each is read, this one (number 2 in the zip) as "
        "张三/visit (2).xlsx"
    )
    visits = load_store(master).frame("Visits").sort_values("date")
    assert visits["customer_id"].tolist() == ["C001", "C002"]  # Monday's visit is not lost
    assert visits["source_file"].tolist() == ["张三/visit.xlsx", "张三/visit (2).xlsx"]


def test_forms_filter_skips_other_forms(master: Path, inbox: Path) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", VISITS))
    result = consolidate(inbox, master, forms=["competitor_report"], now=NOW)
    assert [(o.status, o.code) for o in result.outcomes] == [("skipped", "not_selected")]
    assert result.written == []


def test_forms_filter_names_only_consolidated_forms(master: Path, inbox: Path) -> None:
    with pytest.raises(InputError, match="visit_record"):
        consolidate(inbox, master, forms=["grade_table"])


def test_quarantine_that_is_a_file_is_refused_before_any_work(master: Path, inbox: Path, tmp_path: Path) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", [{"date": "?", "customer_id": "C001"}]))
    (tmp_path / "q").write_text("not a folder", encoding="utf-8")
    before = master.read_bytes()
    with pytest.raises(InputError, match="--quarantine must be a folder"):
        consolidate(inbox, master, quarantine_dir=tmp_path / "q", now=NOW)
    assert master.read_bytes() == before


def test_report_into_missing_folders_creates_them(
    master: Path, inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", [{"date": "?", "customer_id": "C001"}, *VISITS]))
    report, quarantine = tmp_path / "no" / "such" / "r.xlsx", tmp_path / "q" / "week48"
    assert (
        main(
            [
                "consolidate",
                str(inbox),
                "--into",
                str(master),
                "--report",
                str(report),
                "--quarantine",
                str(quarantine),
                "--strict",
                "--lang",
                "en",
            ]
        )
        == REFUSED  # --strict: the line dated ? refuses the file
    )
    assert openpyxl.load_workbook(report).sheetnames == [
        "Summary",
        "By form",
        "Files",
        "Errors",
        "Changes",
        "Conflicts",
    ]
    assert (quarantine / "v.xlsx.reason.txt").exists()
    assert capsys.readouterr().out.splitlines()[-1] == f"report: {report}"


def test_every_run_leaves_a_dated_report_beside_the_master(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", [{"date": "下周", "customer_id": "C001"}, *VISITS]))
    reports = []
    for extra in (["--dry-run"], [], []):
        assert main(["consolidate", str(inbox), "--into", str(master), *extra]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[-1].startswith("汇总报告：")
        reports.append(Path(out[-1].removeprefix("汇总报告：")))
    assert len(set(reports)) == 3 and all(p.parent == master.parent for p in reports)  # none overwritten
    assert all(re.fullmatch(r"master-汇总报告-\d{4}-\d\d-\d\d-\d{4}(-[23])?\.xlsx", p.name) for p in reports)
    summary = {r[0]: r[1] for r in table_rows(reports[0], "汇总")[1:]}
    assert summary["试运行"] == "是" and summary["部分接收"] == 1
    # its figures read as counts (12,345 rows added, not 12345); its texts stay text
    ws = openpyxl.load_workbook(reports[0])["汇总"]
    shown = {r[0].value: r[1] for r in ws.iter_rows(min_row=table_ref(reports[0], "汇总")[1] + 1)}
    assert {shown[k].number_format for k in ("文件总数", "部分接收", "新增行数", "冲突")} == {"#,##0"}
    assert shown["试运行"].number_format == "General"
    assert any(row[4] == "下周" for row in table_rows(reports[0], "错误")[1:])


def test_earlier_reports_beside_a_master_inside_source_are_not_submissions(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside = inbox / "master.xlsx"
    master.rename(inside)
    (inbox / "v.xlsx").write_bytes(visit_form("张三", VISITS))
    for _ in range(2):
        assert main(["consolidate", str(inbox), "--into", str(inside), "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    # the first run's report is not read
    assert out[-2] == "1 file(s): duplicate 1; 0 row(s) added, 0 updated, 0 conflict(s)"
    assert len(list(inbox.glob("master-consolidation-*.xlsx"))) == 2


def test_default_report_names_follow_the_language_and_never_collide(master: Path, inbox: Path) -> None:
    result = consolidate(inbox, master, dry_run=True, now="2026-11-30 08:12:59")
    assert default_report_path(result, "en").name == "master-consolidation-2026-11-30-0812.xlsx"
    taken = default_report_path(result, "zh")
    assert taken == master.parent / "master-汇总报告-2026-11-30-0812.xlsx"
    write_report(result, taken, "zh")
    assert default_report_path(result, "zh").name == "master-汇总报告-2026-11-30-0812-2.xlsx"
    assert default_report_path(result, "zh", master.parent / "reports").parent.name == "reports"


def test_master_open_in_excel_is_refused_before_any_work(master: Path, inbox: Path) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", VISITS))
    (master.parent / f"~${master.name}").write_bytes(b"owner")
    before = master.read_bytes()
    assert main(["consolidate", str(inbox), "--into", str(master)]) == 2
    assert master.read_bytes() == before


@pytest.mark.parametrize("rep_file", ["visits.xlsx", "visits.bak.xlsx"])
def test_a_report_named_over_a_rep_file_inside_source_is_refused_before_any_work(
    master: Path, inbox: Path, rep_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The manager mistyped --report as the rep's file: it would be skipped as the report, replaced by it and kept
    # only as a backup, and the run would consolidate 0 files. A rep's file under the name of the report's backup
    # would be skipped as that backup, never read.
    submitted = inbox / rep_file
    submitted.write_bytes(visit_form("张三", VISITS))
    before = master.read_bytes()
    args = ["consolidate", str(inbox), "--into", str(master), "--report", str(inbox / "visits.xlsx"), "--lang", "en"]
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == (
        f"keyacct-xl: {submitted} leads to the input {submitted}: a report is never written over a file the "
        "run reads; name another file"
    )
    assert [p.name for p in inbox.iterdir()] == [rep_file]
    assert openpyxl.load_workbook(submitted).sheetnames[-1] == "_meta"  # still the rep's form
    assert master.read_bytes() == before


def test_the_backup_of_a_report_named_inside_source_is_no_submission(
    master: Path, inbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (inbox / "v.xlsx").write_bytes(visit_form("张三", VISITS))
    report = inbox / "r.xlsx"
    for _ in range(3):
        assert main(["consolidate", str(inbox), "--into", str(master), "--report", str(report), "--lang", "en"]) == 0
    assert backup_path(report).exists()  # the second run kept the first run's report
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "1 file(s): duplicate 1; 0 row(s) added, 0 updated, 0 conflict(s)"  # the backup is not read
