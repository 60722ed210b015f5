"""``keyacct-xl master``: create an empty master, check one (rows and references), export without sensitive data."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.export import export_master, key_path, pseudonym_key
from keyacct_xl.master.integrity import check_master_file
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
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
    "export": ("复制总表，或导出不含个人信息的表格", "copy a master, or export its tables without personal data"),
    "export (description)": (
        "不带选项时原样复制总表。--without-sensitive 和 --pseudonymize 只把总表的表格写成一个新工作簿"
        "（其他工作表不导出，并列出名称）；导出完整之前 --out 处不会出现任何文件。见 docs/privacy.md。",
        "Without options the master is copied as it is. --without-sensitive and --pseudonymize write a new workbook "
        "of the master's tables only (other sheets are left out and named); nothing is written to --out unless the "
        "export is complete. See docs/privacy.md."),
    "--without-sensitive": ("去除个人信息：联系方式、个人档案、证件号码、银行账号"
                            "（已声明的列、表头表明的列、历史记录中的字段）",
                            "leave out personal data: contact details, profiles, id numbers, bank accounts "
                            "(declared columns, columns whose header names them, keys in the history's JSON)"),
    "--pseudonymize": ("另将客户编号、客户和人员姓名、文件名替换为稳定的化名（带密钥的哈希）；隐含 --without-sensitive",
                       "also replace customer ids, customer and people's names and file names by stable pseudonyms "
                       "(keyed hash); implies --without-sensitive"),
    "--key": ("化名密钥文件（默认：总表旁的 总表名.pseudonym-key，首次使用时创建；请保管好，切勿外传）",
              "the pseudonym key file (default: MASTER.pseudonym-key beside the master, created on first use; keep "
              "it, never share it)"),
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
    export = actions.add_parser("export", parents=[common], help=pick(lang, *HELP["export"]),
                                description=pick(lang, *HELP["export (description)"]))
    export.add_argument("path", type=Path)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--without-sensitive", action="store_true", help=pick(lang, *HELP["--without-sensitive"]))
    export.add_argument("--pseudonymize", action="store_true", help=pick(lang, *HELP["--pseudonymize"]))
    export.add_argument("--key", type=Path, metavar="FILE", help=pick(lang, *HELP["--key"]))
    export.set_defaults(func=_export)


def _new(args: argparse.Namespace) -> int:
    if args.path.exists():  # saving over it would empty every table of a master in use
        raise InputError(f"{args.path} already exists; choose another name or delete it first",
                         f"{args.path} 已存在；请换一个文件名，或先删除它")
    master = Master.empty(lang=args.lang)
    if args.company:
        master.settings = replace(master.settings, company_name=args.company)
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
