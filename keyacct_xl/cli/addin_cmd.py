"""``keyacct-xl addin build | install | uninstall | status``: the "重点客户 Key Accounts" Excel add-in."""

from __future__ import annotations

import argparse
from pathlib import Path

from keyacct_xl.addin.build import build_addin
from keyacct_xl.addin.excel_build import build_with_excel
from keyacct_xl.addin.install import Machine, install, status, uninstall
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Message, msg, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "addin": msg("build, install or check the Excel add-in"),
    "build": msg("write keyacct_xl.xlam from macros_bridge/"),
    "--out": msg("output folder (default: current folder)"),
    "--interpreter": msg("Python that Excel starts (default: this one)"),
    "--with-excel": msg("build through Excel itself (Windows with Excel; VBA project access must be trusted)"),
    "install": msg("build against this xlwings and register in Excel"),
    "uninstall": msg("unregister and delete the add-in"),
    "status": msg("where it is, xlwings version match, interpreter, registration"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``addin``."""
    parser = sub.add_parser("addin", parents=[common], help=HELP["addin"].render(lang))
    actions = parser.add_subparsers(dest="addin_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", parents=[common], help=HELP["build"].render(lang))
    build.add_argument("--out", type=Path, default=Path("."), help=HELP["--out"].render(lang))
    build.add_argument("--interpreter", help=HELP["--interpreter"].render(lang))
    build.add_argument("--with-excel", action="store_true", help=HELP["--with-excel"].render(lang))
    build.set_defaults(func=_build)
    inst = actions.add_parser("install", parents=[common], help=HELP["install"].render(lang))
    inst.add_argument("--interpreter", help=HELP["--interpreter"].render(lang))
    inst.set_defaults(func=_install)
    actions.add_parser("uninstall", parents=[common], help=HELP["uninstall"].render(lang)).set_defaults(func=_uninstall)
    actions.add_parser("status", parents=[common], help=HELP["status"].render(lang)).set_defaults(func=_status)


def _build(args: argparse.Namespace) -> int:
    if args.with_excel:
        path = build_with_excel(args.out, interpreter=args.interpreter)
    else:
        path = build_addin(args.out, interpreter=args.interpreter)
    print(tr(args.lang, "add-in built: {path}", path=path))
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
