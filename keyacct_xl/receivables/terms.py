"""Customers with sales and no payment terms: their invoices fall due on the invoice day, so every overdue figure,
on-time rate and credit grade that rests on due dates says so (the grading review, ageing, the monthly pack, credit)."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Message, first_ids, msg
from keyacct_xl.receivables.ledger import Ledger


def customers_without_terms(customers: pd.DataFrame, ledger: Ledger) -> list[str]:
    """Ids of the customers with invoices whose payment terms are blank (the ledger's due date is then the invoice
    day, so every later payment counts as late)."""
    _, invoiced = ledger.invoice_customers
    invoiced_ids = {str(i).strip() for i in invoiced}
    ids = customers["customer_id"].astype(str).str.strip()
    blank = pd.to_numeric(customers["payment_terms_days"], errors="coerce").isna()
    return sorted({i for i in ids[blank.to_numpy()] if i in invoiced_ids})


def terms_warnings(customers: pd.DataFrame, ledger: Ledger, master_lang: Lang) -> tuple[Message, ...]:
    """The warning of the customers with sales and no payment terms, if any: what the grading review, ageing and
    the monthly pack say of figures that rest on due dates of the invoice day."""
    without_terms = customers_without_terms(customers, ledger)
    return (no_terms_recorded(without_terms, master_lang),) if without_terms else ()


def no_terms_recorded(ids: list[str], master_lang: Lang) -> Message:
    """What a run says of customers with sales and no payment terms: their overdue figures and grades rest on a due
    date of the invoice day, which a list imported without terms did not mean. The sheet and column as the master
    names them."""
    terms = CUSTOMERS.column("payment_terms_days")
    return msg(
        "{count:,} customer(s) with sales have no payment terms ({ids}; sheet {sheet}, column {column}): their "
        "invoices count as due on the invoice day, so every invoice unpaid that day counts as overdue and every later "
        "payment as late, and the overdue figures, on-time rates and credit grades rest on that; type each customer's "
        "terms first",
        count=len(ids),
        ids=first_ids(ids),
        sheet=CUSTOMERS.sheet(master_lang),
        column=terms.header(master_lang),
    )
