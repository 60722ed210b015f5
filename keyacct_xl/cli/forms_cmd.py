"""``keyacct-xl forms list|generate``: the standard forms catalog as blank or pre-filled workbooks."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import form_ids, load_catalog, load_form
from keyacct_xl.forms.generator import FormData, write_form
from keyacct_xl.forms.layout import FORM_LANGS, FormLang, message_lang
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.prefill import parse_period, prefill
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import pick
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``forms list`` and ``forms generate``."""
    parser = sub.add_parser("forms", parents=[common], help="list or generate the standard forms (标准表单)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="one line per form: id, version, zh and en title")
    listing.set_defaults(func=run_list)
    # Not parents=[common]: forms can also be bilingual, so this parser has its own --lang (messages stay zh).
    gen = actions.add_parser("generate", help="write DIR/<form_id>.xlsx for each form")
    gen.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
    gen.add_argument("form_ids", nargs="*", metavar="FORM_ID", help="form ids (see forms list)")
    gen.add_argument("--all", action="store_true", help="every form in the catalog")
    gen.add_argument("--out", type=Path, default=Path("forms"), help="output folder (default ./forms)")
    gen.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help="form language (default zh)")
    gen.add_argument("--company", default=None, help="company name in the title block (default: the master's)")
    gen.add_argument("--master", type=Path, help="master workbook to pre-fill from")
    gen.add_argument("--rep", help="pre-fill for this rep (needs --master)")
    gen.add_argument("--customer", help="pre-fill for this customer id (needs --master)")
    gen.add_argument("--period", help="week 2026-W48 or month 2026-11")
    gen.add_argument("--password", default="", help="sheet protection password (default: none)")
    gen.add_argument("--stamp-time", action="store_true",
                     help="record the current time as generated_at (default: a fixed time, for identical files)")
    gen.set_defaults(func=run_generate)


def run_list(args: argparse.Namespace) -> int:
    """Print the catalog."""
    for spec in load_catalog():
        print(f"{spec.id:<22} v{spec.version:<3} {spec.title.zh}\t{spec.title.en}")
    return 0


def output_name(form_id: str, *, rep: str | None, customer: str | None, period: str | None) -> str:
    """``<form_id>[_<rep>][_<customer>][_<period>].xlsx`` with characters unsafe in file names replaced."""
    parts = [form_id, *(p for p in (rep, customer, period) if p)]
    return re.sub(r'[\\/:*?"<>|\s]+', "_", "_".join(parts)) + ".xlsx"


def _form_data(spec: FormSpec, master: Master | None, args: argparse.Namespace, stamp: dt.datetime | None) -> FormData:
    """Pre-filled data from the master, or a blank form that only carries the period."""
    when = {"generated_at": stamp} if stamp else {}
    if master is not None:
        return prefill(spec, master, rep=args.rep, customer=args.customer, period=args.period, **when)
    period = parse_period(args.period).text if args.period else ""
    header = {"period": period} if period and "period" in spec.title_fields else {}
    return FormData(header=header, context=FormContext(period=period, **when))


def run_generate(args: argparse.Namespace) -> int:
    """Generate the requested forms, blank or pre-filled."""
    form_lang: FormLang = getattr(args, "lang", "zh")
    args.lang = message_lang(form_lang)
    if args.all == bool(args.form_ids):
        raise InputError(f"name form ids or pass --all (not both); valid ids: {', '.join(form_ids())}",
                         f"请给出表单编号或使用 --all（二者选一）；可用的编号：{', '.join(form_ids())}")
    if (args.rep or args.customer) and not args.master:
        raise InputError("--rep and --customer need --master MASTER.xlsx",
                         "--rep 和 --customer 需要 --master 指定客户档案总表")
    specs = load_catalog() if args.all else [load_form(i) for i in args.form_ids]
    master = load_master(args.master) if args.master else None
    company = args.company
    if company is None:
        company = str(master.settings.get("company_name", "")) if master else ""
    stamp = dt.datetime.now().replace(microsecond=0) if args.stamp_time else None
    args.out.mkdir(parents=True, exist_ok=True)
    # Every form's data first: a form that cannot be filled stops the run before any file is written.
    filled = [(spec, _form_data(spec, master, args, stamp)) for spec in specs]
    for spec, data in filled:
        name = output_name(spec.id, rep=args.rep, customer=args.customer, period=args.period)
        path = write_form(args.out / name, spec, lang=form_lang, company=company, data=data, password=args.password)
        print(pick(args.lang, f"已生成：{path}", f"written: {path}"))
    return 0
