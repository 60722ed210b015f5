"""The Settings sheet: values users edit in cells, with defaults and typed reading."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from keyacct_xl.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One editable setting with its default and descriptions."""

    key: str
    default: object
    zh: str
    en: str


DEFAULT_SETTINGS: tuple[Setting, ...] = (
    Setting("company_name", "示例贸易有限公司", "公司名称（打印在表单和对账单上）",
            "Company name printed on forms and statements"),
    Setting("currency", "CNY", "记账币种", "Book currency"),
    Setting("grading_policy", "grading_4level", "年度评级政策（templates/policies 中的文件名）",
            "Annual grading policy (file name in templates/policies)"),
    Setting("grade_vip_min_sales", 2_000_000, "VIP 客户年度销售额下限（元）", "VIP: minimum annual sales (CNY)"),
    Setting("grade_a_min_sales", 1_000_000, "A 类客户年度销售额下限（元）", "A: minimum annual sales (CNY)"),
    Setting("grade_b_min_sales", 100_000, "B 类客户年度销售额下限（元）", "B: minimum annual sales (CNY)"),
    Setting("new_customer_months", 6, "新客户观察期（月），期满后再评级",
            "Months a new customer stays C before grading"),
    Setting("rfm_period_months", 12, "RFM 统计期（月，0 表示全部）", "RFM period in months (0 = all data)"),
    Setting("rfm_monetary", "total", "RFM 金额口径：total 合计 / average 单均", "RFM monetary: total or average"),
    Setting("ageing_buckets", "30,60,90,180", "账龄分段（逾期天数）", "Ageing buckets (days past due)"),
    Setting("credit_limit_a", 500_000, "信用等级 A 建议额度（元）", "Suggested credit limit, grade A (CNY)"),
    Setting("credit_limit_b", 200_000, "信用等级 B 建议额度（元）", "Suggested credit limit, grade B (CNY)"),
    Setting("credit_limit_c", 0, "信用等级 C 建议额度（元，0 为现款）", "Suggested credit limit, grade C (0 = cash)"),
    Setting("rep_folders", "", "收件文件夹对应的业务员，如 zhangsan=张三; lisi=李四（留空：与业务员同名的文件夹）",
            "Inbox folder of each rep, e.g. zhangsan=张三; lisi=李四 (empty: a folder named like a rep is theirs)"),
)
DEFAULTS: dict[str, object] = {s.key: s.default for s in DEFAULT_SETTINGS}
DESCRIPTIONS: dict[str, Setting] = {s.key: s for s in DEFAULT_SETTINGS}


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
    """Defaults overridden by what the sheet holds; unknown keys the user added are kept."""
    merged = dict(DEFAULTS)
    merged.update({k: typed_value(v) for k, v in cells.items() if v is not None and v != ""})
    return merged


def setting_int(settings: Mapping[str, object], key: str) -> int:
    """A setting that must be a whole number; a clear error names it otherwise."""
    value = settings.get(key, DEFAULTS.get(key))
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    raise InputError(f"Settings: {key} must be a whole number, not {value!r}",
                     f"参数设置：{key} 必须是整数，而不是 {value!r}")
