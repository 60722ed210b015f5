"""``keyacct-xl master``: create an empty master, check one (rows and references), export without sensitive data,
record the listings the sales imply (``master listings MASTER --undo``: the last run's rows taken back out)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from keyacct_xl.consolidate.mastercheck import run_master_check
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang
from keyacct_xl.master.export import export_master, key_path, pseudonym_key
from keyacct_xl.master.model import Master
from keyacct_xl.master.products import record_sales_listings, undo_sales_listings
from keyacct_xl.master.writer import save_master
from keyacct_xl.messages import Message, Pair, listing, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "master": msg("create, check or export a master workbook"),
    "new": msg("write an empty master workbook"),
    "path (new)": msg("the master workbook to write (.xlsx; a folder it names that does not exist is made)"),
    "path": msg("the master workbook"),
    "--out (export)": msg("the workbook to write"),
    "--company": msg("company name for the Settings sheet"),
    "check": msg("read a master, count its rows and check its references"),
    "check (description)": msg(
        "Read every table (a bad cell is named by sheet and cell), count the rows, then list "
        "rows whose customer id is not in Customers, duplicate customer ids, contacts "
        "without a customer and row keys held by more than one row (a department's annual target, a "
        "quotation number typed twice). Exit status: 0 when the references are consistent, 1 when such "
        "problems were found, 2 when the master cannot be read."
    ),
    "export": msg("copy a master, or export its tables without personal data"),
    "export (description)": msg(
        "Without options the master is copied as it is. --without-sensitive and --pseudonymize "
        "write a new workbook of the master's tables only (other sheets are left out and "
        "named); nothing is written to --out unless the export is complete. See "
        "docs/privacy.md."
    ),
    "--without-sensitive": msg(
        "leave out personal data: contact details, profiles, id numbers, bank accounts "
        "(declared columns, columns whose header names them, keys in the history's JSON)"
    ),
    "--pseudonymize": msg(
        "also replace customer ids, customer and people's names and file names by stable pseudonyms "
        "(keyed hash); implies --without-sensitive"
    ),
    "--force": msg(
        "copy also onto another master whose history store holds batches of its own (the replaced workbook is "
        "kept as its backup, still naming them)"
    ),
    "listings": msg("add to the Listings table the listings the sales imply (a first sale lists a product)"),
    "--undo": msg("remove the Listings rows the last run added (a row a person typed or changed is never removed)"),
    "--key": msg(
        "the pseudonym key file (default: MASTER.pseudonym-key beside the master, created on first use; keep "
        "it, never share it)"
    ),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``master new|check|export|listings``."""
    parser = sub.add_parser("master", parents=[common], help=HELP["master"].render(lang))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", parents=[common], help=HELP["new"].render(lang))
    new.add_argument("path", type=Path, metavar="PATH", help=HELP["path (new)"].render(lang))
    new.add_argument("--company", default=None, help=HELP["--company"].render(lang))
    new.set_defaults(func=_new)
    check = actions.add_parser(
        "check", parents=[common], help=HELP["check"].render(lang), description=HELP["check (description)"].render(lang)
    )
    check.add_argument("path", type=Path, metavar="PATH", help=HELP["path"].render(lang))
    check.set_defaults(func=_check)
    export = actions.add_parser(
        "export",
        parents=[common],
        help=HELP["export"].render(lang),
        description=HELP["export (description)"].render(lang),
    )
    export.add_argument("path", type=Path, metavar="PATH", help=HELP["path"].render(lang))
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help=HELP["--out (export)"].render(lang))
    export.add_argument("--without-sensitive", action="store_true", help=HELP["--without-sensitive"].render(lang))
    export.add_argument("--pseudonymize", action="store_true", help=HELP["--pseudonymize"].render(lang))
    export.add_argument("--key", type=Path, metavar="FILE", help=HELP["--key"].render(lang))
    export.add_argument("--force", action="store_true", help=HELP["--force"].render(lang))
    export.set_defaults(func=_export)
    listings = actions.add_parser("listings", parents=[common], help=HELP["listings"].render(lang))
    listings.add_argument("path", type=Path, metavar="PATH", help=HELP["path"].render(lang))
    listings.add_argument("--undo", action="store_true", help=HELP["--undo"].render(lang))
    listings.set_defaults(func=_listings)


def _new(args: argparse.Namespace) -> int:
    if args.path.exists():  # saving over it would empty every table of a master in use
        raise InputError(msg("{path} already exists; choose another name or delete it first", path=args.path))
    master = Master.empty(lang=args.lang)
    if args.company:
        master.settings = replace(master.settings, company_name=args.company)
    path = save_master(master, args.path)
    print(tr(args.lang, "empty master written: {path}", path=path))
    # The commands are code, given as they are typed (the list's name in the user's language).
    first_steps = msg(
        "next: bring in the customers you have with {import_list}, or let reps send customer cards ({cards})",
        import_list=Pair(
            f"keyacct-xl customers import LIST --into {path}", f"keyacct-xl customers import 客户名单 --into {path}"
        ),
        cards=f"keyacct-xl forms generate customer_card --master {path}",
    )
    print(first_steps.render(args.lang))
    if not args.company:
        unnamed = msg(
            "no company name is set, so forms, statements and reports print none; type it in the Settings sheet "
            "or create the master with --company"
        )
        print(tr(args.lang, "note: {notice}", notice=unnamed), file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    check = run_master_check(args.path)
    for line in check.lines(args.lang):
        print(line)
    return 0 if check.ok else 1


def _export(args: argparse.Namespace) -> int:
    if args.key and not args.pseudonymize:
        raise InputError(msg("--key is the pseudonym key: use it with --pseudonymize"))
    if args.pseudonymize and not args.path.is_file():  # before a key file is created beside no master
        raise InputError(msg("{path}: no such file", path=args.path))
    key = pseudonym_key(args.key or key_path(args.path), create=args.key is None) if args.pseudonymize else None
    result = export_master(args.path, args.out, without_sensitive=args.without_sensitive, key=key, force=args.force)
    print(tr(args.lang, "exported: {path}", path=result.path))
    left_out = [*result.left_out_sheets, *result.left_out_tables]
    if left_out:
        print(tr(args.lang, "left out (not master tables): {tables}", tables=listing(left_out)))
    for warning in result.warnings():
        print(tr(args.lang, "warning: {text}", text=warning))
    return 0


def _listings(args: argparse.Namespace) -> int:
    if args.undo:
        print(undo_sales_listings(args.path).summary(args.lang))
        return 0
    update = record_sales_listings(args.path)
    print(
        tr(
            args.lang,
            "Listings: {before:,} rows, {added:,} added from the sales → {path}",
            before=update.before,
            added=update.added,
            path=update.path,
        )
    )
    return 0
