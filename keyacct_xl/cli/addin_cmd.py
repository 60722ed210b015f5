"""``keyacct-xl addin build | install | uninstall | status``: the "重点客户 Key Accounts" Excel add-in."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.addin.build import build_addin
from keyacct_xl.addin.excel_build import build_with_excel
from keyacct_xl.addin.install import Machine, install, status, uninstall
from keyacct_xl.i18n import Lang, pick

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "addin": ("生成、安装或检查 Excel 加载项", "build, install or check the Excel add-in"),
    "build": ("由 macros_bridge/ 生成 keyacct_xl.xlam", "write keyacct_xl.xlam from macros_bridge/"),
    "--out": ("输出文件夹（默认：当前文件夹）", "output folder (default: current folder)"),
    "--interpreter": ("Excel 启动的 Python（默认：当前这个）", "Python that Excel starts (default: this one)"),
    "--with-excel": ("由 Excel 本身生成（需 Windows 和 Excel，并信任对 VBA 工程的访问）",
                     "build through Excel itself (Windows with Excel; VBA project access must be trusted)"),
    "install": ("按当前 xlwings 生成并在 Excel 中注册", "build against this xlwings and register in Excel"),
    "uninstall": ("取消注册并删除加载项", "unregister and delete the add-in"),
    "status": ("位置、xlwings 版本是否一致、解释器、注册情况",
               "where it is, xlwings version match, interpreter, registration"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``addin``."""
    parser = sub.add_parser("addin", parents=[common], help=pick(lang, *HELP["addin"]))
    actions = parser.add_subparsers(dest="addin_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", parents=[common], help=pick(lang, *HELP["build"]))
    build.add_argument("--out", type=Path, default=Path("."), help=pick(lang, *HELP["--out"]))
    build.add_argument("--interpreter", help=pick(lang, *HELP["--interpreter"]))
    build.add_argument("--with-excel", action="store_true",
                       help=pick(lang, *HELP["--with-excel"]))
    build.set_defaults(func=_build)
    inst = actions.add_parser("install", parents=[common], help=pick(lang, *HELP["install"]))
    inst.add_argument("--interpreter", help=pick(lang, *HELP["--interpreter"]))
    inst.set_defaults(func=_install)
    actions.add_parser("uninstall", parents=[common], help=pick(lang, *HELP["uninstall"])).set_defaults(
        func=_uninstall)
    actions.add_parser("status", parents=[common], help=pick(lang, *HELP["status"])).set_defaults(func=_status)


def _build(args: argparse.Namespace) -> int:
    if args.with_excel:
        path = build_with_excel(args.out, interpreter=args.interpreter)
    else:
        path = build_addin(args.out, interpreter=args.interpreter)
    print(pick(args.lang, f"已生成加载项：{path}", f"add-in built: {path}"))
    return 0


def _install(args: argparse.Namespace) -> int:
    for line in install(Machine.current(), lang=args.lang, interpreter=args.interpreter):
        print(line)
    return 0


def _uninstall(args: argparse.Namespace) -> int:
    for line in uninstall(Machine.current(), lang=args.lang):
        print(line)
    return 0


def _status(args: argparse.Namespace) -> int:
    for line in status(Machine.current(), lang=args.lang):
        print(line)
    return 0
