"""Help ribbon actions and the report opener: open the last report, show the settings, about."""

from __future__ import annotations

import platform
import sys

import pandas as pd
import xlwings

from keyacct_xl import __version__
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, load, reports_dir
from keyacct_xl.currency import Currency
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import SETTINGS
from keyacct_xl.master.settings import DESCRIPTIONS, amount_unit_named, shown_setting
from keyacct_xl.messages import msg, shown, tr


@action("open_report", "打开最近报告", "Open last report")
def open_report(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Show the most recently written report in the reports folder."""
    folder = reports_dir(bridge, options)
    reports = sorted(folder.glob("*.xlsx"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    if not reports:
        raise InputError(msg("{folder}: no report yet; run an analysis first", folder=folder))
    return ActionResult(msg("last report: {name}", name=reports[-1].name), show=reports[-1])


@action("settings", "参数设置", "Settings")
def settings(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """The Settings the actions use (grade thresholds, RFM, ageing buckets, credit limits)."""
    master = load(bridge, 1, 1)
    lines = Summary(
        lambda lang: "\n".join(
            _setting_line(key, value, lang, master.settings.book_currency)
            for key, value in master.settings.cells().items()
        )
    )
    return ActionResult(
        msg("Settings (edit them on the Settings sheet):\n{lines}", lines=lines), sheet=SETTINGS.sheet(master.lang)
    )


def _setting_line(key: str, value: object, lang: Lang, currency: Currency) -> str:
    """``公司名称 = …（说明）`` in zh, ``Company Name = … (description)`` in en, as the Settings sheet names it."""
    known = DESCRIPTIONS.get(key)
    name, cell = shown_setting(key, value, lang)
    note = amount_unit_named(str(shown(known, lang)), key, currency) if known else ""
    return f"{name} = {cell}" + (tr(lang, "  ({note})", note=note) if note else "")


@action("about", "关于", "About")
def about(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Versions in use: keyacct-xl, xlwings, pandas, Python."""
    versions = (
        f"keyacct-xl {__version__}, xlwings {xlwings.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()} ({sys.executable})"
    )
    return ActionResult(msg("Key account toolkit: {versions}", versions=versions))
