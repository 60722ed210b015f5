"""The ageing job (账龄分析) as every front end runs it: the CLI, the ribbon, the demo.

The buckets come from the caller or the master's Settings, the ledger is built at ``as_of`` (default: the latest
sale or payment), the table is aged and, when asked, written as the ageing report. Front ends only turn their
inputs into these arguments and the result into their output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.messages import Message, tr
from keyacct_xl.receivables.ageing import age_ledger, ageing_totals, overdue_total
from keyacct_xl.receivables.ageing_report import write_ageing
from keyacct_xl.receivables.master_lines import master_ledger
from keyacct_xl.receivables.terms import terms_warnings


@dataclass(frozen=True)
class AgeingRun:
    """One ageing run: the table (one row per customer), its cut-off, buckets and totals, the report written and
    the warnings (customers without payment terms, whose every unpaid invoice is overdue)."""

    table: pd.DataFrame
    as_of: pd.Timestamp
    buckets: tuple[int, ...]
    totals: dict[str, float]
    path: Path | None = None
    warnings: tuple[Message, ...] = ()
    currency: Currency = CNY

    @property
    def overdue(self) -> float:
        """The money past due, over every overdue bucket."""
        return overdue_total(self.totals, buckets=self.buckets)

    def summary(self, lang: Lang) -> str:
        """Customers, balance, overdue money and customers over their credit limit; then a line per warning."""
        return "\n".join([self._headline(lang), *self.warning_lines(lang)])

    def report_line(self, lang: Lang) -> str:
        """The summary and the report's path, as the CLI and the demo print it, then a line per warning."""
        line = tr(lang, "{summary}; report: {path}", summary=self._headline(lang), path=self.path)
        return "\n".join([line, *self.warning_lines(lang)])

    def warning_lines(self, lang: Lang) -> list[str]:
        """Each warning as a line of its own."""
        return [tr(lang, "warning: {text}", text=w) for w in self.warnings]

    def _headline(self, lang: Lang) -> str:
        n, balance, over = len(self.table), self.totals["balance"], int(self.totals["over_limit"])
        return tr(
            lang,
            "ageing: {n} customer(s), balance ¥{balance:,.2f}, overdue ¥{overdue:,.2f}, {over} over limit",
            n=n,
            balance=Money(balance, self.currency),
            overdue=Money(self.overdue, self.currency),
            over=over,
        )


def ageing_report_name(as_of: pd.Timestamp) -> str:
    """The report's file name when the caller names only a folder."""
    return f"ageing_{as_of:%Y-%m-%d}.xlsx"


def run_ageing(
    master: Master,
    *,
    as_of: pd.Timestamp | None = None,
    buckets: Sequence[int] | None = None,
    out: Path | None = None,
    out_dir: Path | None = None,
    lang: Lang = "zh",
) -> AgeingRun:
    """Age the master's receivables; write the report to ``out``, or into ``out_dir`` under its dated name."""
    days = tuple(buckets) if buckets is not None else master.settings.ageing_buckets
    ledger = master_ledger(master, as_of=as_of)
    table = age_ledger(ledger, master.customers, buckets=days)
    run = AgeingRun(
        table,
        ledger.as_of,
        days,
        ageing_totals(table, buckets=days),
        warnings=terms_warnings(master.customers, ledger, master.lang),
        currency=master.settings.book_currency,
    )
    path = out or (out_dir / ageing_report_name(ledger.as_of) if out_dir is not None else None)
    if path is None:
        return run
    notes = tuple(run.warning_lines(lang))
    written = write_ageing(
        table,
        path,
        as_of=ledger.as_of,
        lang=lang,
        buckets=days,
        company=master.settings.company_name,
        notes=notes,
        currency=run.currency,
    )
    return replace(run, path=written)
