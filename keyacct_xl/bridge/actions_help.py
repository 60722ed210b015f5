"""Help ribbon actions and the report opener: open the last report, show the settings, about."""

from __future__ import annotations

import platform
import sys

import pandas as pd
import xlwings

from keyacct_xl import __version__
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge
from keyacct_xl.bridge.registry import action, load, reports_dir
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.schema import SETTINGS
from keyacct_xl.master.settings import DESCRIPTIONS, shown_setting


@action("open_report", "打开最近报告", "Open last report")
def open_report(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Show the most recently written report in the reports folder."""
    folder = reports_dir(bridge, options)
    reports = sorted(folder.glob("*.xlsx"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    if not reports:
        raise InputError(f"{folder}: no report yet; run an analysis first",
                         f"{folder}：还没有报告，请先运行一项分析")
    return ActionResult(f"最近的报告：{reports[-1].name}", f"last report: {reports[-1].name}", show=reports[-1])


@action("settings", "参数设置", "Settings")
def settings(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """The Settings the actions use (grade thresholds, RFM, ageing buckets, credit limits)."""
    master = load(bridge, 1, 1)
    listing = {lang: "\n".join(_setting_line(key, value, lang) for key, value in master.settings.cells().items())
               for lang in ("zh", "en")}
    return ActionResult(f"参数设置（在“参数设置”工作表中修改）：\n{listing['zh']}",
                        f"Settings (edit them on the Settings sheet):\n{listing['en']}",
                        sheet=SETTINGS.sheet(master.lang))


def _setting_line(key: str, value: object, lang: Lang) -> str:
    """``公司名称 = …（说明）`` in zh, ``company_name = … (description)`` in en, as the Settings sheet names it."""
    known = DESCRIPTIONS.get(key)
    name, shown = shown_setting(key, value, lang)
    note = pick(lang, known.zh, known.en) if known else ""
    return f"{name} = {shown}" + (pick(lang, f"（{note}）", f"  ({note})") if note else "")


@action("about", "关于", "About")
def about(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Versions in use: keyacct-xl, xlwings, pandas, Python."""
    versions = (f"keyacct-xl {__version__}, xlwings {xlwings.__version__}, pandas {pd.__version__}, "
                f"Python {platform.python_version()} ({sys.executable})")
    return ActionResult(f"重点客户管理工具：{versions}", f"Key account toolkit: {versions}")
