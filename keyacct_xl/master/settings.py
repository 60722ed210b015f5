"""The Settings sheet: values users edit in cells, with defaults and typed reading.

A zh master shows each setting by its Chinese name (公司名称) and a choice by its label (合计); an en master shows
the key. Reading accepts the key, the zh name or the en name, so a sheet written in either language reads back.
A value naming a shipped policy or form is shown by its title in the master's language (四级客户分级（VIP/A/B/C）)
and read back from its code or either title (``keyacct_xl.master.shipped``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal, cast

from keyacct_xl.currency import CNY, Currency, currency
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.shipped import Shipped, shipped_code, shipped_forms, shipped_policies, shipped_title
from keyacct_xl.messages import Message, Pair, listing, msg
from keyacct_xl.parsing import ParseError, parse_money

# How a setting's cell is read: free text, a whole number of 0 or more, a number of 0 or more, one of the
# setting's choices, increasing day counts separated by commas, a list of names (commas or 、 between), or an id
# pattern with one {0000} placeholder, or a shipped policy (code or title) or a policy file's path.
SettingKind = Literal["text", "whole", "number", "choice", "days", "names", "id_pattern", "policy"]
# An id pattern: text around one run of zeros in braces, the number's width (C{0000} gives C0001, C0002 ...).
ID_PATTERN = re.compile(r"^([^{}]*)\{(0+)\}([^{}]*)$")


@dataclass(frozen=True)
class Setting:
    """One editable setting: its key, default, names and descriptions in zh and en, and labels of coded values."""

    key: str
    default: object
    name_zh: str
    name_en: str
    zh: str
    en: str
    kind: SettingKind = "text"
    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # The shipped files the value names, shown by their titles: a kind of POLICY_KINDS, or "forms".
    shipped: str | None = None


DEFAULT_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "company_name",
        "",  # a new master names no company until its user does: forms printed with a made-up one would go out
        "公司名称",
        "Company Name",
        "公司名称（打印在表单和对账单上）",
        "Company name printed on forms and statements",
    ),
    Setting("currency", "CNY", "记账币种", "Currency", "记账币种（币种代码，如 CNY）", "Book currency"),
    Setting(
        "grading_policy",
        "grading_4level",
        "评级政策",
        "Grading Policy",
        "年度评级政策：四级客户分级（VIP/A/B/C）或三级客户分级（A/B/C），也可填自订政策文件（.yaml）的路径",
        "Annual grading policy: Four-level grading (VIP/A/B/C) or Three-level grading (A/B/C), or the path of a "
        "policy file of your own (.yaml)",
        "policy",
        shipped="grading",
    ),
    Setting(
        "grade_vip_min_sales",
        2_000_000,
        "VIP 销售额下限",
        "VIP Minimum Sales",
        "VIP 客户年度销售额下限（元）",
        "VIP: minimum annual sales (CNY)",
        "number",
    ),
    Setting(
        "grade_a_min_sales",
        1_000_000,
        "A 类销售额下限",
        "A Minimum Sales",
        "A 类客户年度销售额下限（元）",
        "A: minimum annual sales (CNY)",
        "number",
    ),
    Setting(
        "grade_b_min_sales",
        100_000,
        "B 类销售额下限",
        "B Minimum Sales",
        "B 类客户年度销售额下限（元）",
        "B: minimum annual sales (CNY)",
        "number",
    ),
    Setting(
        "new_customer_months",
        6,
        "新客户观察期",
        "New Customer Months",
        "新客户观察期（月），期满后再评级",
        "Months a new customer stays C before grading",
        "whole",
    ),
    Setting(
        "rfm_period_months",
        12,
        "RFM 统计期",
        "RFM Period Months",
        "RFM 统计期（月，0 表示全部）",
        "RFM period in months (0 = all data)",
        "whole",
    ),
    Setting(
        "rfm_monetary",
        "total",
        "RFM 金额口径",
        "RFM Monetary",
        "RFM 金额口径：合计 或 单均",
        "RFM monetary: total or average",
        "choice",
        {"total": ("合计", "total"), "average": ("单均", "average")},
    ),
    Setting(
        "ageing_buckets",
        "30,60,90,180",
        "账龄分段",
        "Ageing Buckets",
        "账龄分段（逾期天数）",
        "Ageing buckets (days past due)",
        "days",
    ),
    Setting(
        "credit_limit_a",
        500_000,
        "A 级信用额度",
        "Credit Limit A",
        "信用等级 A 建议额度（元）",
        "Suggested credit limit, grade A (CNY)",
        "number",
    ),
    Setting(
        "credit_limit_b",
        200_000,
        "B 级信用额度",
        "Credit Limit B",
        "信用等级 B 建议额度（元）",
        "Suggested credit limit, grade B (CNY)",
        "number",
    ),
    Setting(
        "credit_limit_c",
        0,
        "C 级信用额度",
        "Credit Limit C",
        "信用等级 C 建议额度（元，0 为现款）",
        "Suggested credit limit, grade C (0 = cash)",
        "number",
    ),
    Setting(
        "payment_terms_a",
        60,
        "A 级账期",
        "Payment Terms A",
        "信用等级 A 的账期天数（信用应用时写入客户档案）",
        "Payment terms in days, credit grade A (written by credit apply)",
        "whole",
    ),
    Setting(
        "payment_terms_b",
        30,
        "B 级账期",
        "Payment Terms B",
        "信用等级 B 的账期天数（信用应用时写入客户档案）",
        "Payment terms in days, credit grade B (written by credit apply)",
        "whole",
    ),
    Setting(
        "payment_terms_c",
        0,
        "C 级账期",
        "Payment Terms C",
        "信用等级 C 的账期天数（0 为现款或预付）",
        "Payment terms in days, credit grade C (0 = cash or prepayment)",
        "whole",
    ),
    Setting(
        "credit_approval_overdue_days",
        30,
        "超期需审批天数",
        "Approval Overdue Days",
        "B 级客户有欠款逾期超过此天数时，新订单须经销售经理批准",
        "Credit grade B: an order needs the sales manager's approval while anything is overdue more than these days",
        "whole",
    ),
    Setting(
        "rep_folders",
        "",
        "业务员收件文件夹",
        "Rep Folders",
        "收件文件夹对应的业务员，写作 文件夹=业务员，多个用分号隔开（留空：与业务员同名的文件夹）",
        "Inbox folder of each rep, written folder=rep, separated by semicolons (empty: a folder named like a rep "
        "is theirs)",
    ),
    Setting(
        "report_personal_data",
        "show",
        "报告中的个人信息",
        "Personal Data in Reports",
        "汇总报告和客户名单导入报告中个人信息字段的值：显示 或 隐去（功能区按钮和命令行都按此设置）",
        "Values of personal fields in consolidation and customer list import reports: show or mask (the ribbon and "
        "the CLI follow it)",
        "choice",
        {"show": ("显示", "show"), "mask": ("隐去", "mask")},
    ),
    Setting(
        "rep_forms",
        "weekly_plan,visit_record,phone_followup,daily_report",
        "业务员每周表单",
        "Rep Forms",
        "按业务员预填时每人每周生成的表单：表单名称或表单编号（印在表单标题栏），用逗号或顿号分隔",
        "Forms pre-filled for each rep every week: titles or form ids (printed in each form's title block), "
        "separated by commas",
        "names",
        shipped="forms",
    ),
    Setting(
        "customer_id_pattern",
        "C{0000}",
        "客户编号格式",
        "Customer ID Pattern",
        "新客户编号格式：{0000} 处为流水号（位数即 0 的个数），汇总时按档案中最大的流水号加一分配",
        "New customer ids: {0000} stands for the running number (as many digits as zeros); consolidation gives "
        "the next number after the highest in the archive",
        "id_pattern",
    ),
    Setting(
        "visit_policy",
        "visits",
        "回访政策",
        "Visit Policy",
        "客户回访政策：客户回访政策（随程序提供），也可填自订政策文件（.yaml）的路径",
        "Visit policy: Visit policy (shipped), or the path of a policy file of your own (.yaml)",
        "policy",
        shipped="visits",
    ),
    Setting(
        "visits_per_day",
        6,
        "每日面访上限",
        "Visits per Day",
        "每个业务员每天最多面访的客户数",
        "Face-to-face visits a rep can make in one day",
        "whole",
    ),
    Setting(
        "visit_days_vip",
        30,
        "VIP 面访周期",
        "VIP Visit Days",
        "VIP 客户两次面访之间最多相隔的天数",
        "VIP: most days between face-to-face visits",
        "whole",
    ),
    Setting(
        "visit_days_a",
        45,
        "A 类面访周期",
        "A Visit Days",
        "A 类客户两次面访之间最多相隔的天数",
        "A: most days between face-to-face visits",
        "whole",
    ),
    Setting(
        "visit_days_b",
        90,
        "B 类面访周期",
        "B Visit Days",
        "B 类客户两次面访之间最多相隔的天数",
        "B: most days between face-to-face visits",
        "whole",
    ),
    Setting(
        "visit_days_c",
        180,
        "C 类面访周期",
        "C Visit Days",
        "C 类客户两次面访之间最多相隔的天数",
        "C: most days between face-to-face visits",
        "whole",
    ),
    Setting(
        "history_store",
        "",
        "历史库批次",
        "History Store",
        "已移入历史库（总表旁的 .kx 文件夹）的批次，由历史库的归档和恢复命令填写，请勿修改",
        "Batches moved into the history store (the .kx folder beside the master), written by keyacct-xl history; "
        "do not edit",
    ),
    Setting(
        "workbook_years",
        0,
        "总表保留年数",
        "Workbook Years",
        "总表中保留最近几年的销售和收款明细（0 表示全部保留）；归档时不指定日期，则把更早的明细移入历史库",
        "Years of sales and payment lines the workbook keeps (0 keeps every year); history archive without --before "
        "moves the older lines into the history store",
        "whole",
    ),
)
DEFAULTS: dict[str, object] = {s.key: s.default for s in DEFAULT_SETTINGS}
DESCRIPTIONS: dict[str, Setting] = {s.key: s for s in DEFAULT_SETTINGS}
_KEYS: dict[str, str] = {name: s.key for s in DEFAULT_SETTINGS for name in (s.key, s.name_zh, s.name_en)}


def setting_key(name: object) -> str:
    """The key of a setting given by key, zh name or en name; a name the user added is its own key."""
    text = str(name).strip()
    return _KEYS.get(text, text)


def amount_unit_named(text: str, key: str, currency: Currency) -> str:
    """A description of the setting ``key`` with the unit of its amount (（元）, (CNY)) named as the master's book
    currency: A: minimum annual sales (SGD). Descriptions of other settings, and CNY books, keep their text."""
    known = DESCRIPTIONS.get(key)
    if currency == CNY or known is None or known.kind != "number":
        return text
    return text.replace("（元）", f"（{currency.code}）").replace("(CNY)", f"({currency.code})")


def setting_name(key: str) -> Pair:
    """A setting named in each language as the Settings sheet names it (one the user added: as they named it)."""
    known = DESCRIPTIONS.get(key)
    return Pair(known.name_en, known.name_zh) if known else Pair(key, key)


def shown_setting(key: str, value: object, lang: Lang) -> tuple[str, object]:
    """A setting as the sheet shows it in ``lang``: its name and a choice's label in that language (a setting the
    user added by the name it was given)."""
    known = DESCRIPTIONS.get(key)
    if known is None:
        return key, value
    if known.shipped is not None:
        value = _titles(known, value, lang)
    label = known.choices.get(str(value))
    if lang == "zh":
        return known.name_zh, label[0] if label else value
    return known.name_en, label[1] if label else value


def _shipped(known: Setting) -> tuple[Shipped, ...]:
    return shipped_forms() if known.shipped == "forms" else shipped_policies(str(known.shipped))


def _titles(known: Setting, value: object, lang: Lang) -> object:
    """A value naming shipped files by their titles in ``lang`` (a list of forms joined as ``lang`` writes a list);
    a name that is none of them (a policy file's path) as it is."""
    names = _shipped(known)
    if known.kind != "names":
        return shipped_title(names, value, lang) or value
    shown = [shipped_title(names, name, lang) or name for name in parse_names(value)]
    return ("、" if lang == "zh" else ", ").join(shown)


def _code(key: str, value: object) -> object:
    """A choice's label (either language) read back as its code."""
    known = DESCRIPTIONS.get(key)
    if known is None or not isinstance(value, str):
        return value
    codes = {label: code for code, pair in known.choices.items() for label in (code, *pair)}
    return codes.get(value.strip(), value)


def typed_value(raw: object) -> object:
    """A cell's value as Python sees it: whole numbers as int, numeric text as a number, other text kept as text."""
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            number = float(text.replace(",", "")) if "," not in text else None
        except ValueError:
            return text
        if number is None or not math.isfinite(number):  # "nan", "inf" are words here, not numbers
            return text
        return int(number) if number.is_integer() else number
    return raw


def parse_buckets(text: object) -> tuple[int, ...]:
    """Days past due written as ``ageing_buckets`` is, as increasing whole days; a clear error otherwise."""
    days = _days(text)
    if days is None:
        example = DEFAULTS["ageing_buckets"]
        raise InputError(
            msg("ageing buckets {text!r}: give increasing whole days such as {example}", text=text, example=example)
        )
    return days


def parse_names(text: object) -> tuple[str, ...]:
    """The names a list setting holds (``weekly_plan, 客户回访记录表``), split at commas, 、 or semicolons (a name
    such as Weekly Work Plan keeps its spaces)."""
    return tuple(n.strip() for n in re.split(r"[,，、;；]+", str(text)) if n.strip())


def _days(text: object) -> tuple[int, ...] | None:
    """Increasing positive whole days from text such as ``30,60`` (a full-width comma too), or None."""
    parts = [p.strip() for p in str(text).replace("，", ",").split(",") if p.strip()]
    try:
        days = tuple(int(p) for p in parts)
    except ValueError:
        return None
    if not days or any(d <= 0 for d in days) or list(days) != sorted(set(days)):
        return None
    return days


@dataclass(frozen=True)
class Settings:
    """The Settings sheet read once: one typed field per setting of DEFAULT_SETTINGS, plus settings users added.

    Built by ``parse_settings`` (defaults: ``parse_settings(())``), so every value already has its type.
    """

    company_name: str
    currency: str
    grading_policy: str
    grade_vip_min_sales: float
    grade_a_min_sales: float
    grade_b_min_sales: float
    new_customer_months: int
    rfm_period_months: int
    rfm_monetary: Literal["total", "average"]
    ageing_buckets: tuple[int, ...]
    credit_limit_a: float
    credit_limit_b: float
    credit_limit_c: float
    payment_terms_a: int
    payment_terms_b: int
    payment_terms_c: int
    credit_approval_overdue_days: int
    rep_folders: str
    report_personal_data: Literal["show", "mask"]
    rep_forms: tuple[str, ...]
    customer_id_pattern: str
    visit_policy: str
    visits_per_day: int
    visit_days_vip: int
    visit_days_a: int
    visit_days_b: int
    visit_days_c: int
    history_store: str
    workbook_years: int
    extra: Mapping[str, object] = field(default_factory=dict)
    # A policy setting naming a file of one's own: the file, resolved against the master's folder (parse_settings).
    policy_files: Mapping[str, str] = field(default_factory=dict)

    def policy(self, key: str) -> str:
        """The policy the setting ``key`` names, to load: a shipped policy's code, or its file's path found from the
        master's folder (not from wherever the command runs)."""
        return self.policy_files.get(key) or str(getattr(self, key))

    @property
    def book_currency(self) -> Currency:
        """The currency (记账币种) the master's amounts are in: written with its symbol, typed with it or its code."""
        return currency(self.currency)

    def value(self, key: str) -> object | None:
        """The typed value of the setting ``key`` (as a policy names it), or None when there is no such setting."""
        if key in DESCRIPTIONS:
            return getattr(self, key)
        return self.extra.get(key)

    def cells(self) -> dict[str, object]:
        """Every setting by key as its Settings cell holds it: days as ``30,60``, whole amounts as int."""
        return {**{s.key: _cell(getattr(self, s.key)) for s in DEFAULT_SETTINGS}, **self.extra}


def masks_personal(settings: Settings, option: bool) -> bool:
    """Whether a run shows personal values (a phone) as ``***`` in its console lines, reports and refusals: when
    asked by the option (--without-sensitive) or by the master's Settings 报告中的个人信息 = 隐去, which the ribbon's
    buttons (no options) and the command line both follow."""
    return option or settings.report_personal_data == "mask"


def _cell(value: object) -> object:
    if isinstance(value, tuple):  # ageing days, a list of names
        return ",".join(str(d) for d in value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass(frozen=True)
class SettingCell:
    """One row of a Settings table: the setting as written (key, zh or en name), its value, and where the value is."""

    name: object
    value: object
    where: str  # e.g. "master.xlsx: 参数设置!B9"


_EXPECTED = {"whole": msg("a whole number of 0 or more"), "number": msg("a number of 0 or more")}


def _bad(cell: SettingCell, known: Setting, expected: Message) -> InputError:
    # The setting by its name in the message's language, as a master in that language shows it.
    return InputError(
        msg(
            "{where} ({setting}): {value!r} is not {expected}",
            where=cell.where,
            setting=setting_name(known.key),
            value=cell.value,
            expected=expected,
        )
    )


def _parsed(known: Setting, cell: SettingCell) -> object:
    """The cell's value as ``known``'s type; an InputError names the cell, the setting and the type expected."""
    value = typed_value(cell.value)
    if known.kind == "text":
        return cell.value.strip() if isinstance(cell.value, str) else str(value)
    if known.kind == "choice":
        code = _code(known.key, value)
        if code in known.choices:
            return code
        choices = listing(Pair(labels[1], labels[0]) for labels in known.choices.values())
        raise _bad(cell, known, msg("one of {choices}", choices=choices))
    if known.kind == "policy":
        return _policy(known, cell)
    if known.kind == "names":
        names = parse_names(cell.value)
        if not names:
            raise _bad(cell, known, msg("a list of names such as {example}", example=known.default))
        if known.shipped is None:
            return names
        # each shipped file by its code, however it was named; a name that is none is left for its user to refuse
        return tuple(shipped_code(_shipped(known), name) or name for name in names)
    if known.kind == "id_pattern":
        text = str(value).strip()
        if not ID_PATTERN.match(text):
            raise _bad(
                cell, known, msg("a pattern with one {{0000}} placeholder such as {example}", example=known.default)
            )
        return text
    if known.kind == "days":
        days = _days(cell.value)
        if days is None:
            raise _bad(cell, known, msg("increasing whole days such as {example}", example=known.default))
        return days
    if known.kind == "number":  # amounts in CNY, written as the ledgers write them (1,000,000 or 100万)
        value = _amount(cell.value)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (known.kind == "whole" and not float(value).is_integer())
    ):
        raise _bad(cell, known, _EXPECTED[known.kind])
    return int(value) if known.kind == "whole" else float(value)


def _policy(known: Setting, cell: SettingCell) -> str:
    """A shipped policy named by its code or a title, as its code; a path to a .yaml file as written (the policy of
    one's own, checked when it is loaded); anything else an InputError naming the cell and the names accepted."""
    text = str(cell.value).strip()
    names = _shipped(known)
    code = shipped_code(names, text)
    if code is not None:
        return code
    if PurePath(text).suffix.lower() in (".yaml", ".yml"):
        return text
    accepted = listing(s.title() for s in names)
    raise _bad(cell, known, msg("one of {names}, or the path of a policy file (.yaml)", names=accepted))


def _policy_file(known: Setting, cell: SettingCell, value: object, folder: Path) -> str:
    """The policy file a policy setting names (``""`` for a shipped policy): a relative path from the master's
    ``folder``. A file outside that folder and the folders inside it is refused naming the cell: a master handed
    around must not make whoever opens it read a file elsewhere on their disk."""
    if value in {s.code for s in _shipped(known)}:
        return ""
    file = folder / Path(str(value))
    if not inside_folder(file, folder):
        raise InputError(
            msg(
                "{where} ({setting}): {value!r} is not in the master's folder {folder}; put the policy file (.yaml) "
                "in that folder or a folder inside it and name it from there, or choose a shipped policy",
                where=cell.where,
                setting=setting_name(known.key),
                value=cell.value,
                folder=folder,
            )
        )
    return str(file)


def inside_folder(file: Path, folder: Path) -> bool:
    """Whether ``file`` (its real path: links followed) lies in ``folder`` or a folder inside it. Its path as written
    is checked first: resolving ``\\\\host\\share\\p.yaml`` on Windows opens it, which connects to that host
    and hands it the user's credentials before any answer."""
    return _within(os.path.abspath(file), os.path.abspath(folder)) and _within(
        os.path.realpath(file), os.path.realpath(folder)
    )


def _within(file: str, folder: str) -> bool:
    try:
        return os.path.commonpath([folder, file]) == folder
    except ValueError:  # on another drive (Windows)
        return False


def _amount(raw: object) -> object:
    """An amount cell as a number, or as it was when it is none."""
    try:
        return parse_money(raw)
    except ParseError:
        return raw


def parse_settings(cells: Iterable[SettingCell], folder: Path | None = None) -> Settings:
    """Settings from a Settings table's rows over the defaults; a blank value keeps the default.

    Settings are named by key, zh name or en name; a later row of the same setting wins, as before. One bad cell is
    one InputError naming that cell. A policy file is found from ``folder`` (the master's), and must lie in it.
    """
    typed: dict[str, object] = {s.key: _parsed(s, SettingCell(s.key, s.default, "defaults")) for s in DEFAULT_SETTINGS}
    extra: dict[str, object] = {}
    files: dict[str, str] = {}  # a later row of a setting replaces an earlier one's file too
    for cell in cells:
        if cell.value is None or cell.value == "" or cell.name in (None, ""):
            continue
        key = setting_key(cell.name)
        known = DESCRIPTIONS.get(key)
        if known is None:
            extra[key] = typed_value(cell.value)
        else:
            typed[key] = _parsed(known, cell)
            if known.kind == "policy" and folder is not None:
                files[key] = _policy_file(known, cell, typed[key], folder)
    policy_files = {key: file for key, file in files.items() if file}
    return Settings(**cast(dict[str, Any], typed), extra=extra, policy_files=policy_files)  # types by _parsed


def master_folder(master: Path) -> Path:
    """The folder a master's own policy files are found in: the real master's, also when a link leads to it."""
    return Path(os.path.realpath(master)).parent


def settings_from(values: Mapping[str, object], where: str = "Settings") -> Settings:
    """Settings from plain key -> value pairs (a changed company name, a test's thresholds), checked as cells are."""
    return parse_settings(SettingCell(k, v, where) for k, v in values.items())


def setting_int(settings: Settings, key: str) -> int:
    """A setting that must be a whole number (a policy may name one users added); a clear error names it otherwise."""
    value = settings.value(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raise InputError(msg("Settings: {key} must be a whole number, not {value!r}", key=setting_name(key), value=value))
