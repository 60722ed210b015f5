"""Pre-fill per role: the CLI and the ribbon write for the chosen reps the forms of Settings ``rep_forms`` only."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from test_forms_prefill import small_master

from keyacct_xl.bridge.base import ActionOptions, FileBridge
from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.forms.layout import META_SHEET
from keyacct_xl.forms.repforms import rep_form_specs
from keyacct_xl.macros import run_action
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import parse_settings, settings_from
from keyacct_xl.master.writer import save_master

W48 = "2026-W48"


def _master(tmp_path: Path, **settings: str) -> Path:
    master = small_master()
    master.settings = settings_from(settings)
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.xlsx"))}


def _meta(path: Path) -> dict[str, str]:
    sheet = openpyxl.load_workbook(path)[META_SHEET]
    return {str(r[0]): str(r[1]) for r in sheet.iter_rows(min_row=2, max_col=2, values_only=True) if r[0]}


def test_a_rep_gets_the_weeks_forms_by_default() -> None:
    assert parse_settings(()).rep_forms == ("weekly_plan", "visit_record", "phone_followup", "daily_report")
    # Named by id, zh or en title (spaces and case aside), in any separator a zh user types; each form once.
    names = settings_from({"业务员每周表单": "客户回访记录表、 weekly work plan，visit_record"}).rep_forms
    assert [s.id for s in rep_form_specs(names)] == ["visit_record", "weekly_plan"]


def test_a_name_that_is_no_form_names_the_setting() -> None:
    with pytest.raises(InputError) as caught:
        rep_form_specs(("visit_record", "周报"))
    assert caught.value.zh.startswith("参数设置：业务员每周表单：'周报' 不是表单；可用的表单：account_plan, ")
    assert caught.value.en.startswith("Settings: Rep Forms: '周报' is not a form")


def test_cli_and_ribbon_write_the_same_forms_for_each_rep(tmp_path: Path) -> None:
    master = _master(tmp_path, rep_forms="visit_record, Weekly Work Plan")
    assert main(["forms", "prefill", "--master", str(master), "--period", W48, "--out", str(tmp_path / "cli")]) == 0
    cli = _files(tmp_path / "cli")
    assert sorted(cli) == [
        f"{rep}/{form}_{rep}_{W48}.xlsx" for rep in ("张三", "李四") for form in ("visit_record", "weekly_plan")
    ]
    meta = _meta(tmp_path / "cli" / "李四" / f"weekly_plan_李四_{W48}.xlsx")
    assert (meta["form_id"], meta["rep"], meta["period"]) == ("weekly_plan", "李四", W48)
    bridge = FileBridge(master, lang="en", stream=io.StringIO())
    result = run_action("prefill_forms", bridge, ActionOptions(out_dir=tmp_path / "ribbon", extra={"period": W48}))
    assert result.en == f"4 pre-filled form(s) for 2 rep(s) ({W48})"
    assert _files(tmp_path / "ribbon") == cli  # one core function: the same bytes
    assert bridge.stream.getvalue().splitlines()[-2:] == ["[2/2] rep 1/2: 张三", "[2/2] rep 2/2: 李四"]


def test_chosen_reps_and_the_default_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master = _master(tmp_path)
    out = tmp_path / "out"
    argv = ["forms", "prefill", "--master", str(master), "--rep", "李四", "--period", W48, "--out", str(out)]
    assert main(["--lang", "en", *argv]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"4 pre-filled form(s) for 1 rep(s) ({W48})"  # not 1 reps
    assert sorted(_files(out)) == [
        f"李四/{form}_李四_{W48}.xlsx" for form in ("daily_report", "phone_followup", "visit_record", "weekly_plan")
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rep", "王五", "--period", W48], "客户档案中没有业务员 '王五'"),
        (["--period", "2026-11"], "--period：业务员每周工作计划表的期间应为周次（如 2026-W48），不是 2026-11"),
    ],
)
def test_a_form_that_cannot_be_filled_stops_before_any_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    master = _master(tmp_path)
    assert main(["forms", "prefill", "--master", str(master), *argv, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_rep_form_of_another_kind_of_period_stops_the_ribbon_before_any_file(tmp_path: Path) -> None:
    """A monthly plan in the Settings' rep forms, pre-filled for a week, was written as 2026-W48's and stored under
    that week when it came back; the ribbon refuses it as the CLI does, and writes no rep's forms."""
    master = _master(tmp_path, rep_forms="visit_record, monthly_plan")
    bridge = FileBridge(master, lang="en", stream=io.StringIO())
    with pytest.raises(InputError) as caught:
        run_action("prefill_forms", bridge, ActionOptions(out_dir=tmp_path / "ribbon", extra={"period": W48}))
    assert caught.value.en == f"--period: the period of Monthly Work Plan is a month (e.g. 2026-11), not {W48}"
    assert not _files(tmp_path / "ribbon")


def test_the_list_reads_back_from_the_settings_sheet(tmp_path: Path) -> None:
    master = _master(tmp_path, rep_forms="phone_followup、daily_report")
    assert load_master(master).settings.rep_forms == ("phone_followup", "daily_report")
    with pytest.raises(InputError, match=r"\(Rep Forms\)"):
        settings_from({"业务员每周表单": "、，"})  # separators and nothing else: no list


def test_a_rep_named_like_a_path_gets_a_folder_inside_the_output(tmp_path: Path) -> None:
    """Rep names come from the master (typed, imported from an ERP, consolidated): ``..`` must not write a rep's
    forms beside the folder chosen, nor ``CON`` name a folder Windows cannot make."""
    master = small_master()
    reps = master.customers["rep"].astype(str)
    master.customers["rep"] = reps.replace({"张三": "..", "李四": "CON"})
    master.transactions["rep"] = master.transactions["rep"].replace({"张三": "..", "李四": "CON"})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    out = tmp_path / "out" / "forms"
    assert main(["forms", "prefill", "--master", str(path), "--period", W48, "--out", str(out)]) == 0
    assert not list((tmp_path / "out").glob("*.xlsx")) and [p.name for p in tmp_path.glob("*.xlsx")] == ["master.xlsx"]
    assert sorted({p.relative_to(out).parts[0] for p in out.rglob("*.xlsx")}) == ["_CON", "__"]
