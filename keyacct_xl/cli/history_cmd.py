"""``keyacct-xl history archive|restore|import|status MASTER``: lines in the history store beside the master."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.options import option_date
from keyacct_xl.history.archive import archive, restore, status
from keyacct_xl.history.ingest import TABLES, import_lines
from keyacct_xl.i18n import Lang, pick

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "history": (
        "历史库：把较早的销售明细和收款记录移到总表旁的 .kx 文件夹（Parquet），各项分析照常读取",
        "history store: older sales and payment lines in a .kx folder (Parquet) beside the master, still "
        "read by every analysis",
    ),
    "archive": (
        "把某日期之前的销售明细和收款记录移入历史库（先写入并核对，再保存总表，保留备份）",
        "move the sales and payment lines dated before a day into the history store (written and verified "
        "first, then the master saved with a backup)",
    ),
    "restore": ("把历史库中的全部行移回总表", "put every line of the history store back into the master"),
    "status": ("总表和历史库各有多少行", "how many lines the master and its history store hold"),
    "master": ("客户档案总表", "master workbook"),
    "import": (
        "把 ERP 导出的销售明细或收款记录（.csv、.parquet、.xlsx，表头与总表相同或为其别名）直接导入历史库",
        "load an ERP export of sales or payment lines (.csv, .parquet, .xlsx, the master's headers or their "
        "aliases) straight into the history store",
    ),
    "file": ("要导入的文件", "the file to import"),
    "--table": (
        "导入到哪个表：销售明细或收款记录（按可选值填写）",
        "the table the lines belong to: transactions or payments",
    ),
    "--before": (
        "移入此日期之前的行（例如 2024-01-01）；不指定时按参数设置中的“总表保留年数”",
        "move the lines dated before this day (e.g. 2024-01-01); without it, by the Settings' Workbook Years",
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``history archive``, ``history restore``, ``history import`` and ``history status``."""
    parser = sub.add_parser("history", parents=[common], help=pick(lang, *HELP["history"]))
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION", required=True)
    moving = actions.add_parser("archive", parents=[common], help=pick(lang, *HELP["archive"]))
    moving.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    moving.add_argument("--before", help=pick(lang, *HELP["--before"]))
    moving.set_defaults(func=_archive)
    back = actions.add_parser("restore", parents=[common], help=pick(lang, *HELP["restore"]))
    back.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    back.set_defaults(func=_restore)
    loading = actions.add_parser("import", parents=[common], help=pick(lang, *HELP["import"]))
    loading.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    loading.add_argument("file", type=Path, help=pick(lang, *HELP["file"]))
    loading.add_argument("--table", required=True, choices=sorted(TABLES), help=pick(lang, *HELP["--table"]))
    loading.set_defaults(func=_import)
    shown = actions.add_parser("status", parents=[common], help=pick(lang, *HELP["status"]))
    shown.add_argument("master", type=Path, help=pick(lang, *HELP["master"]))
    shown.set_defaults(func=_status)


def _archive(args: argparse.Namespace) -> int:
    print(archive(args.master, option_date(args.before, "--before")).summary(args.lang))
    return 0


def _restore(args: argparse.Namespace) -> int:
    print(restore(args.master).summary(args.lang, action="restore"))
    return 0


def _import(args: argparse.Namespace) -> int:
    print(import_lines(args.master, args.file, args.table).summary(args.lang, action="import"))
    return 0


def _status(args: argparse.Namespace) -> int:
    for line in status(args.master).lines(args.lang):
        print(line)
    return 0
