"""``keyacct-xl customers import FILE --into MASTER``: bring an existing customer list into the master
(``--new-id ROW`` / ``--same ROW``: decide a row it held; ``--undo``: take it back out)."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.consolidate.importing import run_customer_import, undo_customer_import
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "customers": msg("the master's customers: bring in an existing customer list"),
    "import": msg(
        "import a customer list (.xlsx, .xls, .ods, or .csv in UTF-8 or GBK; title rows above the headers are "
        "skipped): probable duplicates are held, existing customers are not changed without --update"
    ),
    "file": msg("the customer list to import (with --undo: the list imported)"),
    "--into": msg("the master workbook to import into"),
    "--dry-run": msg("check every row and write only the report; the master is unchanged"),
    "--report": msg("write the report workbook (every row of the list and what became of it) here"),
    "--update": msg("apply the values that differ for rows whose customer id the master holds (listed otherwise)"),
    "--undo": msg("take this imported list back out of the master: its customers removed, updated values restored"),
    "--without-sensitive": msg(
        "mask personal values (a customer's phone) as *** wherever the console and the report quote them: before "
        "and after of a changed value, and with --undo what it puts back"
    ),
    "--new-id": msg(
        "import this held row (its row number in the file, as the report names it) as a new customer under the next "
        "id (a probable duplicate giving its own id, one the master does not hold: under that id); of a list imported "
        "already, only the rows decided are applied; repeatable"
    ),
    "--same": msg(
        "take this held row as the customer its id names (the same company) and update it, each value before and "
        "after; repeatable"
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``customers import``."""
    parser = sub.add_parser("customers", parents=[common], help=HELP["customers"].render(lang))
    actions = parser.add_subparsers(dest="customers_action", metavar="ACTION", required=True)
    importing = actions.add_parser("import", parents=[common], help=HELP["import"].render(lang))
    importing.add_argument("file", type=Path, metavar="FILE", help=HELP["file"].render(lang))
    importing.add_argument("--into", type=Path, required=True, metavar="MASTER", help=HELP["--into"].render(lang))
    importing.add_argument("--dry-run", action="store_true", help=HELP["--dry-run"].render(lang))
    importing.add_argument("--report", type=Path, metavar="R.xlsx", help=HELP["--report"].render(lang))
    importing.add_argument("--update", action="store_true", help=HELP["--update"].render(lang))
    importing.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    importing.add_argument("--without-sensitive", action="store_true", help=HELP["--without-sensitive"].render(lang))
    for option, dest in (("--new-id", "new_id"), ("--same", "same")):  # repeatable: each names one held row
        importing.add_argument(
            option, dest=dest, action="append", type=int, default=[], metavar="ROW", help=HELP[option].render(lang)
        )
    importing.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    if args.undo:
        if args.report is not None or args.update or args.new_id or args.same:
            raise InputError(
                msg("--undo takes the imported list back out: give no --report, --update, --new-id or --same")
            )
        undone = undo_customer_import(
            args.file, args.into, dry_run=args.dry_run, without_sensitive=args.without_sensitive
        )
        print(undone.summary(args.lang))
        return 0
    result = run_customer_import(
        args.file,
        args.into,
        lang=args.lang,
        report=args.report,
        dry_run=args.dry_run,
        update=args.update,
        new_id=args.new_id,
        same=args.same,
        without_sensitive=args.without_sensitive,
    )
    for line in result.lines(args.lang):
        print(line)
    return 0
