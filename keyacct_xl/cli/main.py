"""Entry point: parse arguments, run one command, print user errors as one line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from keyacct_xl import __version__
from keyacct_xl.cli import (
    abc_cmd,
    account_cmd,
    addin_cmd,
    ageing_cmd,
    analyze_cmd,
    complaints_cmd,
    consolidate_cmd,
    credit_cmd,
    customers_cmd,
    demo_cmd,
    forms_cmd,
    grade_cmd,
    history_cmd,
    master_cmd,
    reconcile_cmd,
    report_cmd,
    reps_cmd,
    rfm_cmd,
    routes_cmd,
    run_cmd,
    statement_cmd,
    submissions_cmd,
    visits_cmd,
)
from keyacct_xl.cli.argerrors import error_in
from keyacct_xl.cli.entry import help_language, interrupted, locale_language
from keyacct_xl.cli.terminal import terminal_safe_output
from keyacct_xl.errors import InputError, KeyacctError
from keyacct_xl.fileio import system_problem
from keyacct_xl.i18n import Lang
from keyacct_xl.master.language import master_language
from keyacct_xl.messages import tr
from keyacct_xl.notices import collecting

# Each module has register(subparsers, common, lang); later commands add themselves here.
COMMAND_MODULES = [
    demo_cmd,
    master_cmd,
    ageing_cmd,
    forms_cmd,
    reconcile_cmd,
    rfm_cmd,
    abc_cmd,
    grade_cmd,
    credit_cmd,
    analyze_cmd,
    statement_cmd,
    run_cmd,
    consolidate_cmd,
    addin_cmd,
    visits_cmd,
    routes_cmd,
    complaints_cmd,
    submissions_cmd,
    reps_cmd,
    history_cmd,
    report_cmd,
    account_cmd,
    customers_cmd,
]


# The arguments by which the commands name the master they work on, the first given counting: `rfm INPUT` and
# `reconcile OURS` may be another file instead (then no master tells the language), `grade apply MASTER` is the last
# word of its target.
MASTER_ARGUMENTS = ("master", "into", "book", "path", "input", "target", "ours")


def run_language(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> str:
    """The language of a run: ``--lang`` as given (a form's may be bilingual), else the language of the master the
    command works on, else the system locale's, else zh."""
    if (given := getattr(args, "lang", None)) is not None:
        return given
    named = next((a for a in (getattr(args, name, None) for name in MASTER_ARGUMENTS) if a), None)
    if isinstance(named, list):
        named = named[-1]
    return (named is not None and master_language(Path(named))) or locale_language(environ)


def common_options(*, suppress: bool, lang: Lang) -> argparse.ArgumentParser:
    """--lang and --debug, accepted before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang",
        choices=["zh", "en"],
        help=tr(lang, "output and message language (default: the master's, else the system's, else zh)"),
        default=argparse.SUPPRESS,  # not given: the run's language is told once parsed (run_language)
    )
    common.add_argument(
        "--debug",
        action="store_true",
        help=tr(lang, "show tracebacks for errors"),
        default=argparse.SUPPRESS if suppress else False,
    )
    return common


def build_parser(lang: Lang = "zh") -> argparse.ArgumentParser:
    """The full parser with every registered command, its help texts in ``lang``."""
    parser = argparse.ArgumentParser(
        prog="keyacct-xl",
        parents=[common_options(suppress=False, lang=lang)],
        description=tr(lang, "Excel-native key-account management."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"keyacct-xl {__version__}",
        help=tr(lang, "show program's version number and exit"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options(suppress=True, lang=lang)
    for module in COMMAND_MODULES:
        module.register(sub, common, lang)
    if lang == "zh":
        _argparse_words_in_zh(parser)
    return parser


class _ZhHelpFormatter(argparse.HelpFormatter):
    """argparse's own "usage:" in zh."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, tr("zh", "usage: ") if prefix is None else prefix)


def _argparse_words_in_zh(parser: argparse.ArgumentParser) -> None:
    """The words argparse writes itself (usage, section titles, -h, its errors) in zh, for ``parser`` and every
    subcommand.

    argparse has no per-parser language, only gettext for the whole process; its groups and help action are
    reached through attributes that are private but stable since Python 3.2.
    """
    parser.formatter_class = _ZhHelpFormatter
    setattr(parser, "error", error_in("zh", parser))  # noqa: B010 (an instance's own error, as argparse calls it)
    parser._positionals.title = tr("zh", "positional arguments")
    parser._optionals.title = tr("zh", "options")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = tr("zh", "show this help message and exit")
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _argparse_words_in_zh(child)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(help_language(argv)).parse_args(argv)
    args.lang = run_language(args)
    # What a command prints quotes what files hold: shown, never obeyed by the terminal (cli/terminal.py).
    with terminal_safe_output():
        try:
            with collecting() as notices:
                try:
                    code = int(args.func(args) or 0)
                    sys.stdout.flush()  # here, not at exit, so a reader that went away is seen below
                    return code
                finally:  # what a save did is told even when a later step failed
                    for notice in notices:
                        print(tr(args.lang, "note: {notice}", notice=notice), file=sys.stderr)
        except BrokenPipeError:
            # The reader of the output went away (`keyacct-xl forms list | head`): no error of the user's to report.
            # stdout goes to devnull so the interpreter's own flush at exit does not fail on the closed pipe again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except KeyacctError as exc:
            if args.debug:
                raise
            # A refusal may quote a row by its key (a contact's phone): masked as the command's output is, by the
            # option here, by the master's Settings where the run read them (the error's own masked, errors.masking).
            masked = getattr(args, "without_sensitive", False)
            print(f"keyacct-xl: {exc.message(args.lang, masked=masked)}", file=sys.stderr)
            return exc.exit_code
        except OSError as exc:
            if args.debug:
                raise
            # What the system refused (a read-only folder, a folder given as a file), told by its errno in the
            # run's language, never in the system's English: a problem of the user's files, as an InputError is.
            print(f"keyacct-xl: {system_problem(exc).render(args.lang)}", file=sys.stderr)
            return InputError.exit_code
        except KeyboardInterrupt:
            return interrupted(args.lang)


if __name__ == "__main__":
    sys.exit(main())
