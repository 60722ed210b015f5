"""``keyacct-xl forms list|generate|prefill|examples``: the standard forms catalog as blank or pre-filled
workbooks, each rep's forms of the period, and filled-in examples."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from keyacct_xl.consolidate.examples import write_examples
from keyacct_xl.consolidate.formroles import form_roles
from keyacct_xl.errors import InputError
from keyacct_xl.forms.catalog import form_ids, load_catalog, load_form
from keyacct_xl.forms.generator import FormData, write_form
from keyacct_xl.forms.layout import FORM_LANGS, FormLang, message_lang
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.forms.prefill import parse_period, prefill
from keyacct_xl.forms.repforms import next_week, output_name, prefill_for_reps
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import Lang, pick
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master

# The help texts of the command, (zh, en): --help follows --lang, else the system locale (default zh).
HELP: dict[str, tuple[str, str]] = {
    "forms": ("列出或生成标准表单", "list or generate the standard forms (标准表单)"),
    "list": ("每个表单一行：编号、版本、标题，填写后汇总到哪些表格或是输出表单",
             "one line per form: id, version, title, and the master tables it feeds or that it is an output"),
    "generate": ("为每个表单写出 文件夹/<表单编号>.xlsx", "write DIR/<form_id>.xlsx for each form"),
    "prefill": ("为选定的业务员（默认全部）预填每人本期需要的表单（参数设置「业务员每周表单」），写入 文件夹/<业务员>/",
                "pre-fill for the chosen reps (default: all) the forms each needs this period (Settings rep_forms), "
                "into DIR/<rep>/"),
    "--master-prefill": ("客户档案总表", "master workbook"),
    "--reps": ("业务员（可重复；默认：总表中的全部业务员）",
               "a rep (repeat for several; default: every rep in the master)"),
    "--period-prefill": ("周 2026-W48 或月 2026-11（默认：下周）",
                         "week 2026-W48 or month 2026-11 (default: next week)"),
    "--lang-prefill": ("表单语言（默认：总表的语言）", "form language (default: the master's)"),
    "examples": ("为每个汇总表单写出填写示例 文件夹/<表单编号>.xlsx（workbooks/examples）",
                 "write a filled example DIR/<form_id>.xlsx of each consolidated form (workbooks/examples)"),
    "--out-examples": ("输出文件夹（默认 ./examples）", "output folder (default ./examples)"),
    "--debug": ("出错时显示调用栈", "show tracebacks for errors"),
    "form_ids": ("表单编号（见 forms list）", "form ids (see forms list)"),
    "--all": ("目录中的所有表单", "every form in the catalog"),
    "--out": ("输出文件夹（默认 ./forms）", "output folder (default ./forms)"),
    "--lang": ("表单语言（默认 zh）", "form language (default zh)"),
    "--company": ("表头中的公司名称（默认：总表中的公司名称）",
                  "company name in the title block (default: the master's)"),
    "--master": ("用于预填的客户档案总表", "master workbook to pre-fill from"),
    "--rep": ("为此业务员预填（需要 --master）", "pre-fill for this rep (needs --master)"),
    "--customer": ("为此客户编号预填（需要 --master）", "pre-fill for this customer id (needs --master)"),
    "--period": ("周 2026-W48 或月 2026-11", "week 2026-W48 or month 2026-11"),
    "--password": ("工作表保护密码（默认：无）", "sheet protection password (default: none)"),
    "--stamp-time": ("记录当前时间为生成时间（默认：固定时间，使文件完全相同）",
                     "record the current time as generated_at (default: a fixed time, for identical files)"),
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, lang: Lang) -> None:
    """Add ``forms list`` and ``forms generate``."""
    parser = sub.add_parser("forms", parents=[common], help=pick(lang, *HELP["forms"]))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help=pick(lang, *HELP["list"]))
    listing.set_defaults(func=run_list)
    # Not parents=[common]: forms can also be bilingual, so this parser has its own --lang (messages stay zh).
    gen = actions.add_parser("generate", help=pick(lang, *HELP["generate"]))
    gen.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=pick(lang, *HELP["--debug"]))
    gen.add_argument("form_ids", nargs="*", metavar="FORM_ID", help=pick(lang, *HELP["form_ids"]))
    gen.add_argument("--all", action="store_true", help=pick(lang, *HELP["--all"]))
    gen.add_argument("--out", type=Path, default=Path("forms"), help=pick(lang, *HELP["--out"]))
    gen.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help=pick(lang, *HELP["--lang"]))
    gen.add_argument("--company", default=None, help=pick(lang, *HELP["--company"]))
    gen.add_argument("--master", type=Path, help=pick(lang, *HELP["--master"]))
    gen.add_argument("--rep", help=pick(lang, *HELP["--rep"]))
    gen.add_argument("--customer", help=pick(lang, *HELP["--customer"]))
    gen.add_argument("--period", help=pick(lang, *HELP["--period"]))
    gen.add_argument("--password", default="", help=pick(lang, *HELP["--password"]))
    gen.add_argument("--stamp-time", action="store_true",
                     help=pick(lang, *HELP["--stamp-time"]))
    gen.set_defaults(func=run_generate)
    rep_forms = actions.add_parser("prefill", help=pick(lang, *HELP["prefill"]))
    rep_forms.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                           help=pick(lang, *HELP["--debug"]))
    rep_forms.add_argument("--master", type=Path, required=True, help=pick(lang, *HELP["--master-prefill"]))
    rep_forms.add_argument("--rep", action="append", default=[], help=pick(lang, *HELP["--reps"]))
    rep_forms.add_argument("--period", help=pick(lang, *HELP["--period-prefill"]))
    rep_forms.add_argument("--out", type=Path, default=Path("forms"), help=pick(lang, *HELP["--out"]))
    rep_forms.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS,
                           help=pick(lang, *HELP["--lang-prefill"]))
    rep_forms.set_defaults(func=run_prefill)
    examples = actions.add_parser("examples", help=pick(lang, *HELP["examples"]))
    examples.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help=pick(lang, *HELP["--debug"]))
    examples.add_argument("--out", type=Path, default=Path("examples"), help=pick(lang, *HELP["--out-examples"]))
    examples.add_argument("--lang", choices=FORM_LANGS, default=argparse.SUPPRESS, help=pick(lang, *HELP["--lang"]))
    examples.set_defaults(func=run_examples)


def run_list(args: argparse.Namespace) -> int:
    """Print the catalog: each form's title in the user's language and whether it is consolidated, into what."""
    for form in form_roles():
        title = pick(args.lang, form.spec.title.zh, form.spec.title.en)
        print(f"{form.spec.id:<22} v{form.spec.version:<3} {title}\t{form.describe(args.lang)}")
    return 0


def run_prefill(args: argparse.Namespace) -> int:
    """Pre-fill each chosen rep's forms of the period, as the ribbon's 按业务员预填表单 does."""
    master = load_master(args.master)
    form_lang: FormLang = getattr(args, "lang", master.lang)
    args.lang = message_lang(form_lang)
    period = args.period or next_week()
    written = prefill_for_reps(master, args.out, period=period, reps=args.rep, lang=form_lang)
    for path in written:
        print(pick(args.lang, f"已生成：{path}", f"written: {path}"))
    reps = len({p.parent for p in written})
    print(pick(args.lang, f"已为 {reps} 名业务员生成 {len(written)} 张预填表单（{period}）",
               f"{len(written)} pre-filled forms for {reps} reps ({period})"))
    return 0


def run_examples(args: argparse.Namespace) -> int:
    """Write the filled example of every input form (templates/examples)."""
    form_lang: FormLang = getattr(args, "lang", "zh")
    args.lang = message_lang(form_lang)
    for path in write_examples(args.out, form_lang):
        print(pick(args.lang, f"已生成：{path}", f"written: {path}"))
    return 0


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
        company = master.settings.company_name if master else ""
    stamp = dt.datetime.now().replace(microsecond=0) if args.stamp_time else None
    args.out.mkdir(parents=True, exist_ok=True)
    # Every form's data first: a form that cannot be filled stops the run before any file is written.
    filled = [(spec, _form_data(spec, master, args, stamp)) for spec in specs]
    for spec, data in filled:
        name = output_name(spec.id, rep=args.rep, customer=args.customer, period=args.period)
        path = write_form(args.out / name, spec, lang=form_lang, company=company, data=data, password=args.password)
        print(pick(args.lang, f"已生成：{path}", f"written: {path}"))
    return 0
