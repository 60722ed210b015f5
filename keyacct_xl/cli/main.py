"""Entry point: parse arguments, run one command, print user errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from keyacct_xl import __version__
from keyacct_xl.cli import (
    abc_cmd,
    addin_cmd,
    ageing_cmd,
    analyze_cmd,
    consolidate_cmd,
    credit_cmd,
    demo_cmd,
    forms_cmd,
    grade_cmd,
    master_cmd,
    reconcile_cmd,
    rfm_cmd,
    run_cmd,
    statement_cmd,
)
from keyacct_xl.errors import KeyacctError

# Each module has register(subparsers, common); later commands add themselves here.
COMMAND_MODULES = [demo_cmd, master_cmd, ageing_cmd, forms_cmd, reconcile_cmd, rfm_cmd, abc_cmd, grade_cmd,
                   credit_cmd, analyze_cmd, statement_cmd, run_cmd, consolidate_cmd, addin_cmd]


def common_options(*, suppress: bool) -> argparse.ArgumentParser:
    """--lang and --debug, accepted before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh", "en"], help="output and message language (default zh)",
                        default=argparse.SUPPRESS if suppress else "zh")
    common.add_argument("--debug", action="store_true", help="show tracebacks for errors",
                        default=argparse.SUPPRESS if suppress else False)
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered command."""
    parser = argparse.ArgumentParser(
        prog="keyacct-xl", parents=[common_options(suppress=False)],
        description="Excel-native key-account management (重点客户管理).")
    parser.add_argument("--version", action="version", version=f"keyacct-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options(suppress=True)
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyacctError as exc:
        if args.debug:
            raise
        print(f"keyacct-xl: {exc.message(args.lang)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"keyacct-xl: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("keyacct-xl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
