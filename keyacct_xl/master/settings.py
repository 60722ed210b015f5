"""The Settings sheet: values users edit in cells, with defaults and typed reading.

A zh master shows each setting by its Chinese name (公司名称) and a choice by its label (合计); an en master shows
the key. Reading accepts the key, the zh name or the en name, so a sheet written in either language reads back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang


@dataclass(frozen=True)
class Setting:
    """One editable setting: its key, default, names and descriptions in zh and en, and labels of coded values."""

    key: str
    default: object
    name_zh: str
    name_en: str
    zh: str
    en: str
    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)


DEFAULT_SETTINGS: tuple[Setting, ...] = (
    Setting("company_name", "示例贸易有限公司", "公司名称", "Company Name", "公司名称（打印在表单和对账单上）",
            "Company name printed on forms and statements"),
    Setting("currency", "CNY", "记账币种", "Currency", "记账币种（币种代码，如 CNY）", "Book currency"),
    Setting("grading_policy", "grading_4level", "评级政策", "Grading Policy",
            "年度评级政策（随程序提供的政策名称，或政策文件的路径）",
            "Annual grading policy (file name in templates/policies)"),
    Setting("grade_vip_min_sales", 2_000_000, "VIP 销售额下限", "VIP Minimum Sales", "VIP 客户年度销售额下限（元）",
            "VIP: minimum annual sales (CNY)"),
    Setting("grade_a_min_sales", 1_000_000, "A 类销售额下限", "A Minimum Sales", "A 类客户年度销售额下限（元）",
            "A: minimum annual sales (CNY)"),
    Setting("grade_b_min_sales", 100_000, "B 类销售额下限", "B Minimum Sales", "B 类客户年度销售额下限（元）",
            "B: minimum annual sales (CNY)"),
    Setting("new_customer_months", 6, "新客户观察期", "New Customer Months", "新客户观察期（月），期满后再评级",
            "Months a new customer stays C before grading"),
    Setting("rfm_period_months", 12, "RFM 统计期", "RFM Period Months", "RFM 统计期（月，0 表示全部）",
            "RFM period in months (0 = all data)"),
    Setting("rfm_monetary", "total", "RFM 金额口径", "RFM Monetary", "RFM 金额口径：合计 或 单均",
            "RFM monetary: total or average", {"total": ("合计", "total"), "average": ("单均", "average")}),
    Setting("ageing_buckets", "30,60,90,180", "账龄分段", "Ageing Buckets", "账龄分段（逾期天数）",
            "Ageing buckets (days past due)"),
    Setting("credit_limit_a", 500_000, "A 级信用额度", "Credit Limit A", "信用等级 A 建议额度（元）",
            "Suggested credit limit, grade A (CNY)"),
    Setting("credit_limit_b", 200_000, "B 级信用额度", "Credit Limit B", "信用等级 B 建议额度（元）",
            "Suggested credit limit, grade B (CNY)"),
    Setting("credit_limit_c", 0, "C 级信用额度", "Credit Limit C", "信用等级 C 建议额度（元，0 为现款）",
            "Suggested credit limit, grade C (0 = cash)"),
    Setting("rep_folders", "", "业务员收件文件夹", "Rep Folders",
            "收件文件夹对应的业务员，写作 文件夹=业务员，多个用分号隔开（留空：与业务员同名的文件夹）",
            "Inbox folder of each rep, written folder=rep, separated by semicolons (empty: a folder named like a rep "
            "is theirs)"),
)
DEFAULTS: dict[str, object] = {s.key: s.default for s in DEFAULT_SETTINGS}
DESCRIPTIONS: dict[str, Setting] = {s.key: s for s in DEFAULT_SETTINGS}
_KEYS: dict[str, str] = {name: s.key for s in DEFAULT_SETTINGS for name in (s.key, s.name_zh, s.name_en)}


def setting_key(name: object) -> str:
    """The key of a setting given by key, zh name or en name; a name the user added is its own key."""
    text = str(name).strip()
    return _KEYS.get(text, text)


def shown_setting(key: str, value: object, lang: Lang) -> tuple[str, object]:
    """A setting as the sheet shows it in ``lang``: zh shows the Chinese name and a choice's label, en the key."""
    known = DESCRIPTIONS.get(key)
    if known is None:
        return key, value
    label = known.choices.get(str(value))
    if lang == "zh":
        return known.name_zh, label[0] if label else value
    return key, label[1] if label else value


def _code(key: str, value: object) -> object:
    """A choice's label (either language) read back as its code."""
    known = DESCRIPTIONS.get(key)
    if known is None or not isinstance(value, str):
        return value
    codes = {label: code for code, pair in known.choices.items() for label in (code, *pair)}
    return codes.get(value.strip(), value)


def typed_value(raw: object) -> object:
    """A cell's value as the setting's Python value: whole numbers as int, other text kept as text."""
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


def merge_settings(cells: Mapping[str, object]) -> dict[str, object]:
    """Defaults overridden by what the sheet holds (by key or name); unknown keys the user added are kept."""
    merged = dict(DEFAULTS)
    for name, value in cells.items():
        if value is not None and value != "":
            key = setting_key(name)
            merged[key] = typed_value(_code(key, value))
    return merged


def setting_int(settings: Mapping[str, object], key: str) -> int:
    """A setting that must be a whole number; a clear error names it otherwise."""
    value = settings.get(key, DEFAULTS.get(key))
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    raise InputError(f"Settings: {key} must be a whole number, not {value!r}",
                     f"参数设置：{key} 必须是整数，而不是 {value!r}")
