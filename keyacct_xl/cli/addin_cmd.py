"""``keyacct-xl addin build | install | uninstall | status``: the "重点客户 Key Accounts" Excel add-in."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.addin.build import build_addin
from keyacct_xl.addin.excel_build import build_with_excel
from keyacct_xl.addin.install import Machine, install, status, uninstall
from keyacct_xl.i18n import pick


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``addin``."""
    parser = sub.add_parser("addin", parents=[common], help="build, install or check the Excel add-in")
    actions = parser.add_subparsers(dest="addin_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", parents=[common], help="write keyacct_xl.xlam from macros_bridge/")
    build.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    build.add_argument("--interpreter", help="Python that Excel starts (default: this one)")
    build.add_argument("--with-excel", action="store_true",
                       help="build through Excel itself (Windows with Excel; VBA project access must be trusted)")
    build.set_defaults(func=_build)
    inst = actions.add_parser("install", parents=[common], help="build against this xlwings and register in Excel")
    inst.add_argument("--interpreter", help="Python that Excel starts (default: this one)")
    inst.set_defaults(func=_install)
    actions.add_parser("uninstall", parents=[common], help="unregister and delete the add-in").set_defaults(
        func=_uninstall)
    actions.add_parser("status", parents=[common], help="where it is, xlwings version match, interpreter, "
                       "registration").set_defaults(func=_status)


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
