"""Ribbon actions (``keyacct-xl run --list``): one registry, each action a thin wrapper over the core.

In Excel the "重点客户 Key Accounts" ribbon's one VBA callback calls ``run_from_excel(tag)`` through xlwings'
RunPython (the button's tag is the action name); on a file, ``keyacct-xl run ACTION --book master.xlsx`` calls
``run_action`` with the file back end. Same action function, same core calls.
"""

from __future__ import annotations

# Imported for their registrations.
from keyacct_xl.bridge import (  # noqa: F401
    actions_analysis,
    actions_briefing,
    actions_consolidate,
    actions_finance,
    actions_followup,
    actions_forms,
    actions_help,
)
from keyacct_xl.bridge.registry import ACTIONS, Action, get_action, run_action
from keyacct_xl.errors import KeyacctError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.language import sheets_language
from keyacct_xl.messages import tr
from keyacct_xl.notices import collecting

__all__ = ["ACTIONS", "Action", "get_action", "run_action", "run_from_excel"]


def run_from_excel(name: str) -> None:
    """Entry point of the ribbon's VBA callback (RunPython): the calling workbook; errors become an alert."""
    import xlwings as xw

    from keyacct_xl.bridge.excel import XlwingsBridge

    # RunPython from an add-in reports the add-in itself as the caller (xlwings.bas passes ThisWorkbook):
    # the master is the workbook the user clicked in, the active one of the caller's Excel.
    book = xw.Book.caller().app.books.active
    if book.name.lower().endswith(".xlam"):
        book.app.alert("请先切换到客户档案总表 / activate the master workbook, then click again", title="Key Accounts")
        return
    lang: Lang = sheets_language(s.name for s in book.sheets) or "zh"
    bridge = XlwingsBridge(book, lang=lang)
    with collecting() as notices:
        try:
            run_action(name, bridge)
        except KeyacctError as exc:
            bridge.fail("\n".join([exc.message(lang), *(tr(lang, "note: {notice}", notice=n) for n in notices)]))
        except Exception:
            # A bug: xlwings shows its traceback; the status bar must not keep showing the step it died in.
            bridge.app.status_bar = False
            raise
