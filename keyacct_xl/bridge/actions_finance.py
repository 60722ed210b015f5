"""Finance ribbon actions: reconcile, ageing, credit check, customer statements (as ``reconcile``, ``ageing``,
``credit check``, ``statement``)."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge
from keyacct_xl.bridge.registry import action, as_of_date, load, reports_dir
from keyacct_xl.errors import InputError
from keyacct_xl.i18n import pick
from keyacct_xl.master.integrity import LEDGER_TABLES, master_integrity
from keyacct_xl.messages import msg, tr
from keyacct_xl.parsing import ParseError, parse_money
from keyacct_xl.receivables.master_lines import master_lines, statement_period
from keyacct_xl.receivables.matching import MatchOptions
from keyacct_xl.receivables.reconcile import reconcile as reconcile_lines
from keyacct_xl.receivables.reconcile import status_counts
from keyacct_xl.receivables.reconcile_report import write_reconciliation
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statement_reader import read_statement
from keyacct_xl.receivables.statements import parse_period
from keyacct_xl.receivables.usecase import run_ageing


@action("reconcile", "对账", "Reconcile")
def reconcile(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Match one customer's lines in the master against the statement the customer returned."""
    theirs_path = options.input or bridge.choose_file("选择客户回传的对账单", "Choose the customer's statement",
                                                      "--input STATEMENT")
    customer = options.extra.get("customer") or bridge.ask("客户编号", "Customer ID", "--customer ID")
    master = load(bridge, 1, 3)
    bridge.progress(2, 3, pick(bridge.lang, "读取对账单…", "reading the statement…"))
    theirs = read_statement(theirs_path, perspective="customer")
    start, end = statement_period(theirs)
    ours = master_lines(master, customer, start=start, end=end)
    bridge.progress(3, 3, pick(bridge.lang, "逐笔核对…", "matching lines…"))
    result = reconcile_lines(ours, theirs, options=MatchOptions(), lang=bridge.lang)
    path = reports_dir(bridge, options) / f"reconcile_{customer}_{theirs_path.stem}.xlsx"
    write_reconciliation(result, path, lang=bridge.lang)
    zh, en = status_counts(result.table, "zh"), status_counts(result.table, "en")
    return ActionResult(
        f"对账结果（{zh}）：我方余额 ¥{result.ours_closing:,.2f}，对方余额 ¥{result.theirs_closing:,.2f}，"
        f"未解释差额 ¥{result.remainder:,.2f}",
        f"reconciliation ({en}): ours ¥{result.ours_closing:,.2f}, theirs ¥{result.theirs_closing:,.2f}, "
        f"unexplained ¥{result.remainder:,.2f}", (path,))


@action("ageing", "账龄分析", "Ageing")
def ageing(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Receivables by days past due in the Settings buckets, as the ageing report."""
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, pick(bridge.lang, "计算账龄…", "ageing the ledger…"))
    result = run_ageing(master, as_of=as_of_date(options), out_dir=reports_dir(bridge, options), lang=bridge.lang)
    zh, en = master_integrity(master, LEDGER_TABLES).appended(result.summary("zh"), result.summary("en"))
    return ActionResult(zh, en, (result.path,) if result.path else ())


@action("credit_check", "信用检查", "Credit check")
def credit_check(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """May this customer buy this amount on credit now (as ``keyacct-xl credit check``): allow, needs approval or
    refuse, with the reason and the figures."""
    customer = options.extra.get("customer") or bridge.ask("客户编号", "Customer ID", "--customer ID")
    typed = options.extra.get("amount") or bridge.ask("订单金额", "Order amount", "--amount X")
    try:
        amount = parse_money(typed)
    except ParseError:
        raise InputError(msg("credit check: --amount {amount} is not an amount", amount=typed)) from None
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "checking the order against the credit terms…"))
    # the reason is worded when decided: one check per language (one customer's replay each)
    zh, en = (run_credit_check(master, customer, amount, as_of=as_of_date(options), lang=lang).summary(lang)
              for lang in ("zh", "en"))
    return ActionResult(zh, en)


@action("statements", "客户对账单", "Customer statements")
def statements(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """One statement of account per customer with a balance (or ``--customer``), for a month (``--period``,
    default the month of the latest sale or payment)."""
    master = load(bridge, 1, 2)
    if options.extra.get("period"):
        start, end = parse_period(options.extra["period"])
    else:
        latest = pd.concat([master.transactions["date"], master.payments["date"]]).max()
        if pd.isna(latest):
            raise InputError("Transactions and Payments: no dated lines; give --period 2026-10",
                             "销售明细和收款记录中没有带日期的记录：请用 --period 指定月份，如 2026-10")
        start, end = parse_period(f"{latest:%Y-%m}")
    customer = options.extra.get("customer")
    bridge.progress(2, 2, pick(bridge.lang, f"生成 {end:%Y-%m} 对账单…", f"writing statements for {end:%Y-%m}…"))
    out = reports_dir(bridge, options) / f"statements_{end:%Y-%m}"
    paths = write_statements(master, [customer] if customer else None, start=start, end=end, out=out,
                             lang=bridge.lang)
    return ActionResult(f"对账单：{len(paths)} 份，保存在 {out}", f"statements: {len(paths)} written to {out}",
                        tuple(paths))
