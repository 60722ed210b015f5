"""``keyacct-xl master``: create an empty master, check one (rows and references), export without sensitive data."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import atomic_write, master_write_lock
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.redact import without_sensitive
from keyacct_xl.master.schema import DATA_TABLES
from keyacct_xl.master.writer import save_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "master": ("新建、检查或导出客户档案总表", "create, check or export a master workbook"),
    "new": ("写出一个空的客户档案总表", "write an empty master workbook"),
    "--company": ("参数设置中的公司名称", "company name for the Settings sheet"),
    "check": ("读取总表，统计行数并检查引用", "read a master, count its rows and check its references"),
    "check (description)": (
        "读取每个表（有问题的单元格会指明工作表和单元格），统计行数，然后列出客户编号不在客户档案中的行、"
        "重复的客户编号和没有对应客户的联系人。退出状态：引用一致时为 0，发现此类问题时为 1，无法读取总表时为 2。",
        "Read every table (a bad cell is named by sheet and cell), count the rows, then list rows whose customer id "
        "is not in Customers, duplicate customer ids and contacts without a customer. Exit status: 0 when the "
        "references are consistent, 1 when such problems were found, 2 when the master cannot be read."),
    "export": ("复制总表，可去除敏感数据", "copy a master, optionally without sensitive data"),
    "--without-sensitive": ("清空标记为敏感的列（联系人个人资料）",
                            "blank the columns marked sensitive (contact profiles)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``master new|check|export``."""
    parser = sub.add_parser("master", parents=[common], help=pick(lang, *HELP["master"]))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", parents=[common], help=pick(lang, *HELP["new"]))
    new.add_argument("path", type=Path)
    new.add_argument("--company", default=None, help=pick(lang, *HELP["--company"]))
    new.set_defaults(func=_new)
    check = actions.add_parser(
        "check", parents=[common], help=pick(lang, *HELP["check"]),
        description=pick(lang, *HELP["check (description)"]))
    check.add_argument("path", type=Path)
    check.set_defaults(func=_check)
    export = actions.add_parser("export", parents=[common], help=pick(lang, *HELP["export"]))
    export.add_argument("path", type=Path)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--without-sensitive", action="store_true",
                        help=pick(lang, *HELP["--without-sensitive"]))
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
    for schema in DATA_TABLES:  # in zh the sheet's name alone; en adds the table's name
        name = "" if args.lang == "zh" else f"{schema.name:<14}"
        print(f"{name}{schema.sheet(master.lang):<8}{len(master.frame(schema)):>10,}")
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
