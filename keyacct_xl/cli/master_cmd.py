"""``keyacct-xl master``: create an empty master, check one (rows and references), export without sensitive data."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import atomic_write, master_write_lock
from keyacct_xl.i18n import pick
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.redact import without_sensitive
from keyacct_xl.master.schema import DATA_TABLES
from keyacct_xl.master.writer import save_master


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``master new|check|export``."""
    parser = sub.add_parser("master", parents=[common], help="create, check or export a master workbook")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", parents=[common], help="write an empty master workbook")
    new.add_argument("path", type=Path)
    new.add_argument("--company", default=None, help="company name for the Settings sheet")
    new.set_defaults(func=_new)
    check = actions.add_parser(
        "check", parents=[common], help="read a master, count its rows and check its references",
        description="Read every table (a bad cell is named by sheet and cell), count the rows, then list rows whose "
                    "customer id is not in Customers, duplicate customer ids and contacts without a customer. "
                    "Exit status: 0 when the references are consistent, 1 when such problems were found, "
                    "2 when the master cannot be read.")
    check.add_argument("path", type=Path)
    check.set_defaults(func=_check)
    export = actions.add_parser("export", parents=[common], help="copy a master, optionally without sensitive data")
    export.add_argument("path", type=Path)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--without-sensitive", action="store_true",
                        help="blank the columns marked sensitive (contact profiles)")
    export.set_defaults(func=_export)


def _new(args: argparse.Namespace) -> int:
    if args.path.exists():  # saving over it would empty every table of a master in use
        raise InputError(f"{args.path} already exists; choose another name or delete it first",
                         f"{args.path} 已存在；请换一个文件名，或先删除它")
    master = Master.empty(lang=args.lang)
    if args.company:
        master.settings["company_name"] = args.company
    print(save_master(master, args.path))
    return 0


def _check(args: argparse.Namespace) -> int:
    master = load_master(args.path)
    for schema in DATA_TABLES:
        print(f"{schema.name:<14}{schema.sheet(master.lang):<8}{len(master.frame(schema)):>10,}")
    integrity = check_master_file(args.path)
    for line in integrity.summary(args.lang):
        print(line)
    return 0 if integrity.ok else 1


def _export(args: argparse.Namespace) -> int:
    if args.out.exists() and args.out.resolve() == args.path.resolve():
        raise InputError(f"{args.out}: the export must go to another file than the master",
                         f"{args.out}：导出文件不能是客户档案总表本身")
    master = load_master(args.path)
    # A copy of the file keeps everything the user has in it; only tables with personal data are rewritten.
    with master_write_lock(args.out):  # the copy and its rewrite are one write of the export
        with atomic_write(args.out) as out:
            out.write(args.path.read_bytes())
        if args.without_sensitive:
            sensitive = [s.name for s in DATA_TABLES if any(c.sensitive for c in s.columns)]
            save_master(without_sensitive(master), args.out, tables=sensitive, backup=False)
    print(pick(args.lang, f"已导出：{args.out}", f"exported: {args.out}"))
    return 0
