"""``keyacct-xl history archive|restore|import|status MASTER``: lines in the history store beside the master
(``history import MASTER --undo``: the last import taken back out)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.cli.options import option_date
from keyacct_xl.errors import InputError
from keyacct_xl.history.archive import archive, restore, status
from keyacct_xl.history.ingest import TABLES, import_lines, undo_import
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "history": msg(
        "history store: older sales and payment lines in a .kx folder (Parquet) beside the master, still "
        "read by every analysis"
    ),
    "archive": msg(
        "move the sales and payment lines dated before a day into the history store (written and verified "
        "first, then the master saved with a backup)"
    ),
    "restore": msg("put every line of the history store back into the master"),
    "status": msg("how many lines the master and its history store hold"),
    "master": msg("master workbook"),
    "import": msg(
        "load an ERP export of sales or payment lines (.csv, .parquet, .xlsx, .xlsm, .ods, the master's headers or "
        "their aliases) straight into the history store"
    ),
    "file": msg("the file to import: .csv, .parquet, .xlsx, .xlsm or .ods (not with --undo)"),
    "--table": msg("the table the lines belong to: transactions or payments (not with --undo)"),
    "--undo": msg(
        "take the history store's last batch back out, when an import wrote it (never an archive's lines); "
        "again: the batch before it"
    ),
    "--before": msg(
        "move the lines dated before this day (e.g. 2024-01-01); without it, by the Settings' Workbook Years"
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``history archive``, ``history restore``, ``history import`` and ``history status``."""
    parser = sub.add_parser("history", parents=[common], help=HELP["history"].render(lang))
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION", required=True)
    moving = actions.add_parser("archive", parents=[common], help=HELP["archive"].render(lang))
    moving.add_argument("master", type=Path, help=HELP["master"].render(lang))
    moving.add_argument("--before", help=HELP["--before"].render(lang))
    moving.set_defaults(func=_archive)
    back = actions.add_parser("restore", parents=[common], help=HELP["restore"].render(lang))
    back.add_argument("master", type=Path, help=HELP["master"].render(lang))
    back.set_defaults(func=_restore)
    loading = actions.add_parser("import", parents=[common], help=HELP["import"].render(lang))
    loading.add_argument("master", type=Path, help=HELP["master"].render(lang))
    loading.add_argument("file", type=Path, nargs="?", help=HELP["file"].render(lang))
    loading.add_argument("--table", choices=sorted(TABLES), help=HELP["--table"].render(lang))
    loading.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    loading.set_defaults(func=_import)
    shown = actions.add_parser("status", parents=[common], help=HELP["status"].render(lang))
    shown.add_argument("master", type=Path, help=HELP["master"].render(lang))
    shown.set_defaults(func=_status)


def _archive(args: argparse.Namespace) -> int:
    print(archive(args.master, option_date(args.before, "--before")).summary(args.lang))
    return 0


def _restore(args: argparse.Namespace) -> int:
    print(restore(args.master).summary(args.lang, action="restore"))
    return 0


def _import(args: argparse.Namespace) -> int:
    if args.undo:
        if args.file is not None or args.table is not None:
            raise InputError(msg("--undo takes the last import back out: give no file and no --table"))
        print(undo_import(args.master).summary(args.lang))
        return 0
    if args.file is None or args.table is None:
        raise InputError(msg("give the file to import and its --table (transactions or payments), or --undo"))
    print(import_lines(args.master, args.file, args.table).summary(args.lang, action="import"))
    return 0


def _status(args: argparse.Namespace) -> int:
    for line in status(args.master).lines(args.lang):
        print(line)
    return 0
