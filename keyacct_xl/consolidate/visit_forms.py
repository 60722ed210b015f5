"""What the visit-type forms add to their lines on the way into the master (keyacct_xl.consolidate.merge).

- The method a form implies: every line of the telephone follow-up record is a call (电话); a daily report's
  visit lines are the day's calls on customers in person (面谈: the rep checks their stock and display there). So
  a visit the same rep also lists on the weekly visit record has the same row key (rep, customer, date, method)
  and is stored once.
- A key-account follow-up log's quote lines are each a quotation: one Quotations row per line (its date is the
  quote date) beside the QuotationLines row. A line without a typed quote number gets one derived from what
  identifies the line whatever copy of the file brings it: ``KA-<customer id>-<quote date yyyymmdd>-<sheet row>``
  (the form's period instead of a missing date, e.g. ``KA-C0032-2026-W48-21``). Not from the file's bytes
  (sha256): a corrected or re-saved copy has other bytes, and its quotes would come in as new quotations beside
  the first ones instead of updating them.
"""

from __future__ import annotations

import functools

import pandas as pd

from keyacct_xl.consolidate.model import CheckedRow, FileOutcome
from keyacct_xl.consolidate.routes import Route
from keyacct_xl.forms.catalog import shared_lists
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.master.submissions import PROVENANCE
from keyacct_xl.parsing import is_blank

Line = dict[str, object]
IMPLIED_METHOD = {"phone_followup": "电话", "daily_report": "面谈"}  # form -> its visit_method choice (zh label)
QUOTE_PREFIX = "KA"
_PROVENANCE_KEYS = tuple(c.key for c in PROVENANCE)


@functools.cache
def method_label(zh: str, lang: Lang) -> str:
    """The visit_method choice named ``zh`` as the master stores it in ``lang`` (电话 / Phone)."""
    choice = next(c for c in shared_lists()["visit_method"] if c.zh == zh)
    return choice.zh if lang == "zh" else choice.en


def derived_quote_no(customer_id: object, quote_date: object, period: str, row: int) -> str:
    """The quote number of a quote line typed without one (module docstring)."""
    when = pd.Timestamp(quote_date).strftime("%Y%m%d") if isinstance(quote_date, pd.Timestamp) else period
    return "-".join(str(p) for p in (QUOTE_PREFIX, customer_id, when, row) if not is_blank(p))


def shape_lines(
    outcome: FileOutcome, route: Route, spec: FormSpec, section_id: str, table: str, lines: list[Line], *, lang: Lang
) -> dict[str, list[Line]]:
    """The rows one table section gives, by master table: its lines with the implied method, and for a section
    whose lines each head a row of another table (``Route.line_headers``), those rows first."""
    method = IMPLIED_METHOD.get(route.form_id)
    if method is not None and table == "Visits":
        lines = [{**line, "method": method_label(method, lang)} for line in lines]
    header_table = route.line_headers.get(section_id)
    if header_table is None:
        return {table: lines}
    return {header_table: _quotations(outcome, spec, section_id, header_table, lines), table: lines}


def _quotations(
    outcome: FileOutcome, spec: FormSpec, section_id: str, header_table: str, lines: list[Line]
) -> list[Line]:
    """One quotation per quote line, numbering the lines typed without a quote number (in place)."""
    checked: dict[tuple[object, object], CheckedRow] = {
        (r.sheet, r.row): r for r in outcome.rows if r.section == section_id
    }
    mapped = {
        f.key: f.maps_to.partition(".")[2]
        for f in spec.section(section_id).fields
        if f.maps_to and f.maps_to.partition(".")[0] == header_table
    }
    quotations = []
    for line in lines:
        row = checked[(line["source_sheet"], line["source_row"])]
        header = {column: row.values.get(key) for key, column in mapped.items()}
        if is_blank(line.get("quote_no")):
            line["quote_no"] = derived_quote_no(
                line.get("customer_id"), header.get("quote_date"), outcome.period, row.row
            )
        quotations.append(
            {
                "quote_no": line["quote_no"],
                "customer_id": line.get("customer_id"),
                **header,
                **{k: line[k] for k in _PROVENANCE_KEYS if k in line},
            }
        )
    return quotations
