"""``keyacct-xl master``: create an empty master, check one (rows and references), export without sensitive data."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import pick
from keyacct_xl.master.export import export_master, key_path, pseudonym_key
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
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
    export = actions.add_parser(
        "export", parents=[common], help="copy a master, or export its tables without personal data",
        description="Without options the master is copied as it is. --without-sensitive and --pseudonymize write a "
                    "new workbook of the master's tables only (other sheets are left out and named); nothing is "
                    "written to --out unless the export is complete. See docs/privacy.md.")
    export.add_argument("path", type=Path)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--without-sensitive", action="store_true",
                        help="leave out personal data: contact details, profiles, id numbers, bank accounts "
                             "(declared columns, columns whose header names them, keys in the history's JSON)")
    export.add_argument("--pseudonymize", action="store_true",
                        help="also replace customer ids, customer and people's names and file names by stable "
                             "pseudonyms (keyed hash); implies --without-sensitive")
    export.add_argument("--key", type=Path, metavar="FILE",
                        help="the pseudonym key file (default: MASTER.pseudonym-key beside the master, created "
                             "on first use; keep it, never share it)")
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
    if args.key and not args.pseudonymize:
        raise InputError("--key is the pseudonym key: use it with --pseudonymize",
                         "--key 是化名密钥，须与 --pseudonymize 同用")
    if args.pseudonymize and not args.path.is_file():  # before a key file is created beside no master
        raise InputError(f"{args.path}: no such file", f"{args.path}：文件不存在")
    key = pseudonym_key(args.key or key_path(args.path), create=args.key is None) if args.pseudonymize else None
    result = export_master(args.path, args.out, without_sensitive=args.without_sensitive, key=key)
    print(pick(args.lang, f"已导出：{result.path}", f"exported: {result.path}"))
    left_out = [*result.left_out_sheets, *result.left_out_tables]
    if left_out:
        print(pick(args.lang, f"未导出（非客户档案表格）：{'、'.join(left_out)}",
                   f"left out (not master tables): {', '.join(left_out)}"))
    return 0
