"""Finance ribbon actions: reconcile, ageing, credit check, customer statements (as ``reconcile``, ``ageing``,
``credit check``, ``statement``)."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.analytics.credit_run import run_credit_check
from keyacct_xl.bridge.base import ActionOptions, ActionResult, Bridge, Summary
from keyacct_xl.bridge.registry import action, as_of_date, load, reports_dir
from keyacct_xl.consolidate.reconciling import run_reconciliation
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import id_in_name
from keyacct_xl.master.integrity import LEDGER_TABLES, master_integrity
from keyacct_xl.messages import Pair, msg, tr
from keyacct_xl.parsing import ParseError, parse_money
from keyacct_xl.receivables.master_lines import past_the_data
from keyacct_xl.receivables.statement_book import write_statements
from keyacct_xl.receivables.statement_reader import SUFFIXES as STATEMENT_SUFFIXES
from keyacct_xl.receivables.statements import parse_period
from keyacct_xl.receivables.usecase import run_ageing


@action("reconcile", "对账", "Reconcile")
def reconcile(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Match one customer's lines in the master against the statement the customer returned (as ``keyacct-xl
    reconcile MASTER THEIRS --customer ID``)."""
    theirs_path = options.input or bridge.choose_file(
        msg("Choose the customer's statement"), "--input STATEMENT", STATEMENT_SUFFIXES
    )
    customer = options.extra.get("customer") or bridge.ask(msg("Customer ID"), "--customer ID")
    bridge.progress(1, 2, tr(bridge.lang, "reading the statement…"))
    out = reports_dir(bridge, options) / f"reconcile_{id_in_name(customer)}_{theirs_path.stem}.xlsx"
    done = run_reconciliation(theirs_path, bridge.book_path(), out, customer_id=customer, lang=bridge.lang)
    bridge.progress(2, 2, tr(bridge.lang, "matching lines…"))
    return ActionResult(Summary(done.summary), (done.path,))


@action("ageing", "账龄分析", "Ageing")
def ageing(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """Receivables by days past due in the Settings buckets, as the ageing report."""
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "ageing the ledger…"))
    result = run_ageing(master, as_of=as_of_date(options), out_dir=reports_dir(bridge, options), lang=bridge.lang)
    summary = master_integrity(master, LEDGER_TABLES).appended(Summary(result.summary))
    return ActionResult(summary, (result.path,) if result.path else ())


@action("credit_check", "信用检查", "Credit check")
def credit_check(bridge: Bridge, options: ActionOptions) -> ActionResult:
    """May this customer buy this amount on credit now (as ``keyacct-xl credit check``): allow, needs approval or
    refuse, with the reason and the figures."""
    customer = options.extra.get("customer") or bridge.ask(msg("Customer ID"), "--customer ID")
    typed = options.extra.get("amount") or bridge.ask(msg("Order amount"), "--amount X")
    try:
        amount = parse_money(typed)
    except ParseError:
        raise InputError(msg("credit check: --amount {amount} is not an amount", amount=typed)) from None
    master = load(bridge, 1, 2)
    bridge.progress(2, 2, tr(bridge.lang, "checking the order against the credit terms…"))
    # the reason is worded when decided: one check per language (one customer's replay each)
    zh, en = (
        run_credit_check(master, customer, amount, as_of=as_of_date(options), lang=lang).summary(lang)
        for lang in ("zh", "en")
    )
    return ActionResult(Pair(en, zh))


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
            raise InputError(msg("Transactions and Payments: no dated lines; give --period 2026-10"))
        start, end = parse_period(f"{latest:%Y-%m}")
    customer = options.extra.get("customer")
    bridge.progress(2, 2, tr(bridge.lang, "writing statements for {end:%Y-%m}…", end=end))
    out = reports_dir(bridge, options) / f"statements_{end:%Y-%m}"
    written = write_statements(
        master, [customer] if customer else None, start=start, end=end, out=out, lang=bridge.lang
    )
    partial = past_the_data(master, f"{end:%Y-%m}", end)
    skipped = tuple(error.wording for _, error in written.skipped)  # each names its customer
    return ActionResult(
        msg("statements: {count} written to {folder}", count=len(written.paths), folder=out),
        tuple(written.paths),
        notices=((msg("warning: {text}", text=partial),) if partial is not None else ()) + skipped,
    )
