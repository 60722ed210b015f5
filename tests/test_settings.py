"""The Settings sheet parsed once into typed Settings: good masters give typed values, a bad cell one clear error."""

from __future__ import annotations

import os
import re
from dataclasses import fields, replace
from pathlib import Path

import openpyxl
import pytest
from test_udfs_xlwings import MISSING, ComTime, excel  # noqa: F401  (excel: the UDF path's fixture)

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import InputError
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.settings import DEFAULT_SETTINGS, DEFAULTS, DESCRIPTIONS, Settings, parse_settings
from keyacct_xl.master.writer import save_master

PACKAGE = Path(__file__).resolve().parent.parent / "keyacct_xl"


def _master(tmp_path: Path, lang: str = "zh") -> Path:
    master = Master.empty(lang=lang)  # type: ignore[arg-type]
    return save_master(master, tmp_path / "master.xlsx", backup=False)


def _set_cell(path: Path, setting: str, value: object) -> str:
    """Type ``value`` into the Settings value cell of ``setting`` (named as the sheet shows it); its address."""
    book = openpyxl.load_workbook(path)
    sheet = book["参数设置"] if "参数设置" in book.sheetnames else book["Settings"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == setting)
    sheet.cell(row, 2).value = value
    book.save(path)
    return f"{sheet.title}!B{row}"


def test_settings_has_one_typed_field_per_setting() -> None:
    assert [f.name for f in fields(Settings)] == [s.key for s in DEFAULT_SETTINGS] + ["extra", "policy_files"]


def test_a_good_master_gives_typed_values(tmp_path: Path) -> None:
    path = _master(tmp_path)
    _set_cell(path, "RFM 金额口径", "单均")
    _set_cell(path, "新客户观察期", "12")  # a number typed as text in a text column
    _set_cell(path, "账龄分段", "15，45")  # full-width comma
    _set_cell(path, "A 级信用额度", 650000.5)
    settings = load_master(path).settings
    assert settings.rfm_monetary == "average" and settings.new_customer_months == 12
    assert settings.ageing_buckets == (15, 45) and settings.credit_limit_a == 650000.5
    assert settings.grade_vip_min_sales == 2_000_000.0 and isinstance(settings.grade_vip_min_sales, float)
    assert settings.rfm_period_months == 12 and settings.company_name == DEFAULTS["company_name"]
    assert load_store(path).settings == settings  # consolidation reads the same Settings
    # Written back from the typed values: the sheet shows what was read, so a save changes nothing.
    again = load_master(save_master(load_master(path), backup=False))
    assert again.settings == settings


@pytest.mark.parametrize(
    ("name", "key", "value", "expected"),
    [
        ("新客户观察期", "new_customer_months", "six", "a whole number of 0 or more"),
        ("RFM 统计期", "rfm_period_months", 1.5, "a whole number of 0 or more"),
        ("A 类销售额下限", "grade_a_min_sales", "一百万", "a number of 0 or more"),
        ("RFM 金额口径", "rfm_monetary", "avg", "one of total, average"),
        ("账龄分段", "ageing_buckets", "90,30", "increasing whole days such as 30"),
    ],
)
@pytest.mark.parametrize("command", ["grade", "rfm", "ageing"])
def test_a_bad_cell_is_one_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str, key: str, value: object, expected: str
) -> None:
    path = _master(tmp_path)
    cell = _set_cell(path, name, value)
    options = ["--year", "2025"] if command == "grade" else []
    assert main(["--lang", "en", command, str(path), *options]) == 2
    err = capsys.readouterr().err
    english = DESCRIPTIONS[key].name_en  # en names the setting as an en master's sheet does
    assert err.count("\n") == 1 and f"master.xlsx: {cell} ({english}): {value!r} is not {expected}" in err, err
    assert main([command, str(path), *options]) == 2  # zh names the setting as the sheet does
    assert f"master.xlsx: {cell}（{name}）：{value!r} 无效" in capsys.readouterr().err


def test_the_consolidation_store_refuses_the_same_cell(tmp_path: Path) -> None:
    path = _master(tmp_path, "en")
    cell = _set_cell(path, "RFM Monetary", "mean")  # an en master names its settings in English
    with pytest.raises(InputError, match=re.escape(f"master.xlsx: {cell} (RFM Monetary): 'mean' is not one of")):
        load_store(path)


def test_an_en_master_names_its_settings_in_english_and_a_master_naming_them_by_key_still_loads(
    tmp_path: Path,
) -> None:
    path = _master(tmp_path, "en")
    sheet = openpyxl.load_workbook(path)["Settings"]
    shown = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert shown == [s.name_en for s in DEFAULT_SETTINGS]
    assert "Company Name" in shown and "VIP Minimum Sales" in shown and "company_name" not in shown
    # A master written before, naming each setting by its key, and one whose user typed the Chinese name: read alike.
    book = openpyxl.load_workbook(path)
    for r, setting in enumerate(DEFAULT_SETTINGS, start=2):
        book["Settings"].cell(r, 1).value = setting.key if r % 2 else setting.name_zh
    book.save(path)
    _set_cell(path, "rfm_period_months", 6)
    _set_cell(path, "新客户观察期", 9)
    settings = load_master(path).settings
    assert settings.rfm_period_months == 6 and settings.new_customer_months == 9
    again = openpyxl.load_workbook(save_master(load_master(path), backup=False))["Settings"]
    assert [again.cell(r, 1).value for r in range(2, again.max_row + 1)] == shown  # a save names them in English


def test_a_setting_users_added_is_kept(tmp_path: Path) -> None:
    master = Master.empty(lang="en")
    master.settings = replace(master.settings, extra={"region_head": "张三", "bonus_rate": 3})
    settings = load_master(save_master(master, tmp_path / "m.xlsx", backup=False)).settings
    assert settings.extra == {"region_head": "张三", "bonus_rate": 3} and settings.value("bonus_rate") == 3


def test_a_blank_cell_keeps_the_default() -> None:
    assert parse_settings(()) == parse_settings([])
    assert parse_settings(()).ageing_buckets == tuple(int(d) for d in str(DEFAULTS["ageing_buckets"]).split(","))


def test_customer_grade_udf_parses_its_settings_range(excel) -> None:  # noqa: F811
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
    metrics = (header, ("C1", "A", 60.0, ComTime(2021, 1, 1), 2_500_000.0, "A", 5.0, 0.1, 0.95, 4.0))
    good = (("参数", "值", "说明"), ("VIP 销售额下限", "3,000,000", None), ("新客户观察期", 6.0, None))
    assert excel.call("CUSTOMER_GRADE", metrics, MISSING, "en", good)[1][:2] == ["C1", "A"]
    bad = (("参数", "值", "说明"), ("currency", "CNY", None), ("RFM 金额口径", "avg", None))
    assert excel.call("CUSTOMER_GRADE", metrics, MISSING, "en", bad) == [
        ["#VALUE! Settings, row 3 (RFM Monetary): 'avg' is not one of total, average"]
    ]


def test_the_ageing_buckets_default_is_written_once() -> None:
    default = str(DEFAULTS["ageing_buckets"])
    spellings = {default, default.replace(",", ", ")}
    found = [
        f"{p.relative_to(PACKAGE)}:{n}"
        for p in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if any(s in line for s in spellings)
    ]
    assert len(found) == 1 and found[0].startswith("master/settings.py:"), found


def _value(path: Path, setting: str) -> object:
    book = openpyxl.load_workbook(path)
    sheet = book["参数设置"] if "参数设置" in book.sheetnames else book["Settings"]
    return next(sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == setting)


def test_policies_and_forms_are_shown_by_their_titles_and_read_back_by_code_or_either_title(tmp_path: Path) -> None:
    """A zh master's Settings show no codes (grading_4level, weekly_plan, visits): the titles the documents print."""
    path = _master(tmp_path)
    assert _value(path, "评级政策") == "四级客户分级（VIP/A/B/C）"
    assert _value(path, "回访政策") == "客户回访政策"
    assert (
        _value(path, "业务员每周表单")
        == "业务员每周工作计划表、客户回访记录表、电话回访记录表、重点客户销售代表工作日报表"
    )
    settings = load_master(path).settings
    assert settings.grading_policy == "grading_4level" and settings.visit_policy == "visits"
    assert settings.rep_forms == ("weekly_plan", "visit_record", "phone_followup", "daily_report")
    assert load_master(save_master(load_master(path), backup=False)).settings == settings  # a save changes nothing
    for typed in (
        "三级客户分级（A/B/C）",
        "Three-level grading (A/B/C)",
        " grading_3level ",
        "three-level GRADING (a/b/c)",
    ):
        _set_cell(path, "评级政策", typed)
        assert load_master(path).settings.grading_policy == "grading_3level", typed
    (tmp_path / "en").mkdir()
    en = _master(tmp_path / "en", "en")
    assert _value(en, "Grading Policy") == "Four-level grading (VIP/A/B/C)"
    assert _value(en, "Visit Policy") == "Visit policy"


def test_the_grading_policy_typed_as_the_documents_print_it_grades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_analytics_cli import small_master

    path = save_master(small_master(), tmp_path / "master.xlsx", backup=False)
    _set_cell(path, "评级政策", "四级客户分级（VIP/A/B/C）")
    assert main(["grade", str(path), "--year", "2025", "--out", str(tmp_path / "review.xlsx")]) == 0
    assert "四级客户分级（VIP/A/B/C）" in capsys.readouterr().out
    # --policy takes the title too
    assert (
        main(
            [
                "grade",
                str(path),
                "--year",
                "2025",
                "--policy",
                "三级客户分级（A/B/C）",
                "--out",
                str(tmp_path / "r3.xlsx"),
            ]
        )
        == 0
    )
    assert "三级客户分级（A/B/C）" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_policy_names_the_settings_cell_and_the_accepted_names_not_a_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    path = _master(tmp_path)
    cell = _set_cell(path, "评级政策", "五级客户分级")
    assert main(["--lang", lang, "grade", str(path), "--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert "templates" not in err and ".yaml：" not in err and err.count("\n") == 1
    if lang == "zh":
        assert (
            f"master.xlsx: {cell}（评级政策）：'五级客户分级' 无效，"
            "应为三级客户分级（A/B/C）、四级客户分级（VIP/A/B/C）之一" in err
        )
        assert "或自订政策文件（.yaml）的路径" in err
    else:
        assert (
            f"master.xlsx: {cell} (Grading Policy): '五级客户分级' is not one of Three-level grading (A/B/C), "
            "Four-level grading (VIP/A/B/C), or the path of a policy file (.yaml)"
        ) in err


def test_a_policy_file_of_ones_own_is_found_from_the_masters_folder_and_only_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_analytics_cli import small_master

    (tmp_path / "pol" / "policies").mkdir(parents=True)
    path = save_master(small_master(), tmp_path / "pol" / "mp.xlsx", backup=False)
    shipped = (Path(__file__).parents[1] / "templates" / "policies" / "grading_3level.yaml").read_text("utf-8")
    for own in ("pol/mine.yaml", "pol/policies/mine.yaml", "outside.yaml"):
        (tmp_path / own).write_text(shipped, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # run from the master's parent folder: the policy is still found beside the master
    for typed in ("mine.yaml", "policies/mine.yaml", str(tmp_path / "pol" / "mine.yaml")):
        _set_cell(path, "评级政策", typed)
        assert main(["grade", "pol/mp.xlsx", "--year", "2025", "--out", "review.xlsx"]) == 0, typed
        assert "三级客户分级（A/B/C）" in capsys.readouterr().out
    # Outside the master's folder: refused naming the cell, the file never read (a link inside leading out too).
    (tmp_path / "pol" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    for typed in ("../outside.yaml", str(tmp_path / "outside.yaml"), "link.yaml", "../../../../../etc/passwd.yaml"):
        cell = _set_cell(path, "评级政策", typed)
        assert main(["--lang", "en", "grade", "pol/mp.xlsx", "--year", "2025", "--out", "review.xlsx"]) == 2
        err = capsys.readouterr().err
        assert f"mp.xlsx: {cell} (Grading Policy): {typed!r} is not in the master's folder" in err, err
        assert "YAML" not in err and "not found" not in err
    (tmp_path / "pol" / "list.csv").write_text("Customer Name,Phone\n新客户,13900000077\n", encoding="utf-8")
    assert main(["customers", "import", "pol/list.csv", "--into", "pol/mp.xlsx"]) == 2
    assert f"mp.xlsx: {cell}（评级政策）：{typed!r} 不在总表所在的文件夹" in capsys.readouterr().err


def test_a_policy_path_leading_out_of_the_masters_folder_is_refused_before_it_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolving a path follows it: on Windows, \\\\host\\share\\p.yaml is opened (the user's credentials sent to that
    host) before its real path says it lies elsewhere. A path that leads out as written is refused unresolved."""
    from keyacct_xl.master.settings import inside_folder

    resolved: list[str] = []
    real = os.path.realpath
    monkeypatch.setattr(os.path, "realpath", lambda p, *a, **k: resolved.append(str(p)) or real(p, *a, **k))
    folder = tmp_path / "pol"
    folder.mkdir()
    for outside in (tmp_path / "outside.yaml", folder / ".." / "outside.yaml", Path("/mnt/share/p.yaml")):
        assert not inside_folder(outside, folder)
    assert not [p for p in resolved if "outside" in p or "share" in p]
    assert inside_folder(folder / "policies" / "mine.yaml", folder) and resolved  # inside: links still followed
