"""``keyacct-xl forms list|generate|prefill|examples``: the standard forms catalog as blank or pre-filled
workbooks, each rep's forms of the period, and filled-in examples."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from keyacct_xl.consolidate.examples import write_examples
from keyacct_xl.consolidate.formroles import form_roles
from keyacct_xl.currency import CNY
from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import form_ids, load_catalog, load_form
from keyacct_xl.forms.generator import FormData, write_form
from keyacct_xl.forms.layout import FORM_LANGS, FormLang, message_lang
from keyacct_xl.forms.meta import FIXED_GENERATED_AT, FormContext
from keyacct_xl.forms.prefill import form_period, prefill
from keyacct_xl.forms.repforms import next_week, output_name, prefill_for_reps
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.forms.statistics import STATISTICS_FORMS, statistics_tables
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import Message, msg, shown, tr

# The help texts of the command, catalog messages: --help follows --lang, else the system locale (default zh).
HELP: dict[str, Message] = {
    "forms": msg("list or generate the standard forms"),
    "list": msg("one line per form: id, version, title, and the master tables it feeds or that it is an output"),
    "generate": msg("write DIR/<form_id>.xlsx for each form"),
    "prefill": msg(
        "pre-fill for the chosen reps (default: all) the forms each needs this period (the Settings' Rep Forms), "
        "into DIR/<rep>/"
    ),
    "--master-prefill": msg("master workbook"),
    "--reps": msg("a rep (repeat for several; default: every rep in the master)"),
    "--period-prefill": msg("week 2026-W48 or month 2026-11 (default: next week)"),
    "examples": msg("write a filled example DIR/<form_id>.xlsx of each consolidated form (workbooks/examples)"),
    "--out-examples": msg("output folder (default ./examples)"),
    "--debug": msg("show tracebacks for errors"),
    "form_ids": msg("form ids (see forms list)"),
    "--all": msg("every form in the catalog"),
    "--out": msg("output folder (default ./forms)"),
    "--lang": msg("form language (default: the master's, else the system's, else zh)"),
    "--company": msg("company name in the title block (default: the master's)"),
    "--master": msg("master workbook to pre-fill from"),
    "--rep": msg("pre-fill for this rep (needs --master)"),
    "--customer": msg("pre-fill for this customer id (needs --master)"),
    "--period": msg("week 2026-W48 or month 2026-11"),
    "--city": msg("statistics forms: only the customers of this city"),
    "--password": msg("sheet protection password (default: none)"),
    "--stamp-time": msg("record the current time as generated_at (default: a fixed time, for identical files)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``forms list`` and ``forms generate``."""
    parser = sub.add_parser("forms", parents=[common], help=HELP["forms"].render(lang))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help=HELP["list"].render(lang))
    listing.set_defaults(func=run_list)
    # Not parents=[common]: forms can also be bilingual, so this parser has its own --lang (messages stay zh).
    gen = actions.add_parser("generate", help=HELP["generate"].render(lang))
    gen.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=HELP["--debug"].render(lang))
    gen.add_argument("form_ids", nargs="*", metavar="FORM_ID", help=HELP["form_ids"].render(lang))
    gen.add_argument("--all", action="store_true", help=HELP["--all"].render(lang))
    gen.add_argument("--out", type=Path, default=Path("forms"), help=HELP["--out"].render(lang))
    gen.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help=HELP["--lang"].render(lang))
    gen.add_argument("--company", default=None, help=HELP["--company"].render(lang))
    gen.add_argument("--master", type=Path, help=HELP["--master"].render(lang))
    gen.add_argument("--rep", help=HELP["--rep"].render(lang))
    gen.add_argument("--customer", help=HELP["--customer"].render(lang))
    gen.add_argument("--period", help=HELP["--period"].render(lang))
    gen.add_argument("--city", help=HELP["--city"].render(lang))
    gen.add_argument("--password", default="", help=HELP["--password"].render(lang))
    gen.add_argument("--stamp-time", action="store_true", help=HELP["--stamp-time"].render(lang))
    gen.set_defaults(func=run_generate)
    rep_forms = actions.add_parser("prefill", help=HELP["prefill"].render(lang))
    rep_forms.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=HELP["--debug"].render(lang))
    rep_forms.add_argument("--master", type=Path, required=True, help=HELP["--master-prefill"].render(lang))
    rep_forms.add_argument("--rep", action="append", default=[], help=HELP["--reps"].render(lang))
    rep_forms.add_argument("--period", help=HELP["--period-prefill"].render(lang))
    rep_forms.add_argument("--out", type=Path, default=Path("forms"), help=HELP["--out"].render(lang))
    rep_forms.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help=HELP["--lang"].render(lang))
    rep_forms.set_defaults(func=run_prefill)
    examples = actions.add_parser("examples", help=HELP["examples"].render(lang))
    examples.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=HELP["--debug"].render(lang))
    examples.add_argument("--out", type=Path, default=Path("examples"), help=HELP["--out-examples"].render(lang))
    examples.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help=HELP["--lang"].render(lang))
    examples.set_defaults(func=run_examples)


def run_list(args: argparse.Namespace) -> int:
    """Print the catalog: each form's title in the user's language and whether it is consolidated, into what."""
    for form in form_roles():
        title = shown(form.spec.title, args.lang)
        print(f"{form.spec.id:<22} v{form.spec.version:<3} {title}\t{form.describe(args.lang)}")
    return 0


def run_prefill(args: argparse.Namespace) -> int:
    """Pre-fill each chosen rep's forms of the period, as the ribbon's 按业务员预填表单 does."""
    master = load_master(args.master)
    form_lang: FormLang = args.lang  # the master's when not given (cli.main.run_language)
    args.lang = message_lang(form_lang)
    period = args.period or next_week()
    written = prefill_for_reps(master, args.out, period=period, reps=args.rep, lang=form_lang)
    for path in written:
        print(tr(args.lang, "written: {path}", path=path))
    reps = len({p.parent for p in written})
    print(
        tr(
            args.lang,
            "{written_count} pre-filled form(s) for {reps} rep(s) ({period})",
            written_count=len(written),
            reps=reps,
            period=period,
        )
    )
    return 0


def run_examples(args: argparse.Namespace) -> int:
    """Write the filled example of every input form (templates/examples)."""
    form_lang: FormLang = args.lang  # when not given: the master's, else the system's (cli.main.run_language)
    args.lang = message_lang(form_lang)
    for path in write_examples(args.out, form_lang):
        print(tr(args.lang, "written: {path}", path=path))
    return 0


def _form_data(
    spec: FormSpec,
    master: Master | None,
    args: argparse.Namespace,
    stamp: dt.datetime | None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> FormData:
    """Pre-filled data from the master, or a blank form that only carries the period."""
    when = {"generated_at": stamp} if stamp else {}
    if master is not None:
        return prefill(
            spec,
            master,
            rep=args.rep,
            customer=args.customer,
            period=args.period,
            city=args.city,
            tables=tables,
            generated_at=stamp or FIXED_GENERATED_AT,
        )
    period = form_period(spec, args.period).text if args.period else ""
    header = {"period": period} if period and "period" in spec.title_fields else {}
    return FormData(header=header, context=FormContext(period=period, **when))


def run_generate(args: argparse.Namespace) -> int:
    """Generate the requested forms, blank or pre-filled."""
    form_lang: FormLang = args.lang  # when not given: the master's, else the system's (cli.main.run_language)
    args.lang = message_lang(form_lang)
    if args.all == bool(args.form_ids):
        raise InputError(msg("name form ids or pass --all (not both); valid ids: {ids}", ids=", ".join(form_ids())))
    if (args.rep or args.customer) and not args.master:
        raise InputError(msg("--rep and --customer need --master MASTER.xlsx"))
    specs = load_catalog() if args.all else [load_form(i) for i in args.form_ids]
    master = load_master(args.master) if args.master else None
    company = args.company
    if company is None:
        company = master.settings.company_name if master else ""
    stamp = dt.datetime.now().replace(microsecond=0) if args.stamp_time else None
    args.out.mkdir(parents=True, exist_ok=True)
    # Every form's data first: a form that cannot be filled stops the run before any file is written.
    # The statistics forms' tables (Products, Listings, monthly plans) are read once for all of them.
    counted = any(spec.id in STATISTICS_FORMS for spec in specs)
    tables = statistics_tables(master) if master is not None and counted else None
    filled = [(spec, _form_data(spec, master, args, stamp, tables)) for spec in specs]
    for spec, data in filled:
        name = output_name(spec.id, rep=args.rep, customer=args.customer, period=args.period)
        path = write_form(
            args.out / name,
            spec,
            lang=form_lang,
            company=company,
            data=data,
            password=args.password,
            currency=master.settings.book_currency if master else CNY,
        )
        print(tr(args.lang, "written: {path}", path=path))
    return 0
