"""Check a file's references to the archive: every customer a file names exists, and is the rep's own.

A rep files only their own customers (a pre-filled form offers no other): a line naming a customer another rep
looks after is refused like a line naming an unknown one, an error at its cell; a header naming one (a follow-up
report, a key-account log, a quotation) refuses the file, whose rows are all that customer's. A customer nobody
looks after is anyone's. Done in the merge, not when the file is read, so the customers created by this run's
cards count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from keyacct_xl.consolidate.customer_names import identify_by_name
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.routes import Route
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import REP


def check_references(
    outcome: FileOutcome,
    route: Route,
    spec: FormSpec,
    owners: Mapping[str, str],
    customers: Callable[[], pd.DataFrame],
    *,
    lang: Lang,
    strict: bool,
) -> None:
    """Refuse lines (or the file, for its header's customer) naming a customer not in the archive or another
    rep's; settle the status.

    ``owners`` maps each customer id to its rep; ``customers`` gives the archive, read only for a customer given
    by name.
    """
    label = next((f.label for s in spec.sections for f in s.fields if f.key == "customer_id"), None)
    id_label = (label.zh if lang == "zh" else label.en) if label else "customer_id"
    if outcome.rep and owners and outcome.rep not in set(owners.values()):
        outcome.issues.append(
            Issue(
                outcome.name,
                "",
                "",
                REP.header(lang),
                outcome.rep,
                f"{outcome.rep} looks after no customer in the archive",
                f"{outcome.rep} 在客户档案中没有负责的客户",
                "warning",
            )
        )
    if route.registers_customers:  # cards and registrations create customers: nothing to look up
        _settle(outcome, route, strict)
        return
    identify_by_name(outcome, customers, owners, id_label=id_label)  # a unique full or short name is enough
    if outcome.status == "rejected":
        return
    header_id = outcome.header.get("customer_id")
    if header_id:  # the customer a form is about (a quotation's, a follow-up report's, a key-account log's)
        problem = _not_the_reps(str(header_id), owners, outcome.rep)
        if problem is not None:
            sheet, cell = outcome.header_cells.get("customer_id", ("", ""))
            outcome.issues.append(Issue(outcome.name, sheet, cell, id_label, str(header_id), *problem[1:]))
            outcome.reject(*problem)
            return
    for row in outcome.rows:
        value = row.values.get("customer_id")
        if not row.ok or not value:
            continue
        problem = _not_the_reps(str(value), owners, outcome.rep)
        if problem is not None:
            row.ok = False
            outcome.issues.append(
                Issue(outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label, str(value), *problem[1:])
            )
    _settle(outcome, route, strict)


def _settle(outcome: FileOutcome, route: Route, strict: bool) -> None:
    """The file's status once its references are checked: --strict refuses any error, a file needs a line."""
    errors = outcome.errors
    if errors and strict:
        outcome.reject(
            "strict",
            f"{len(errors)} error(s) and --strict: the whole file is rejected",
            f"有 {len(errors)} 处错误且使用 --strict：整个文件拒收",
        )
    elif not route.header_table and not any(r.ok for r in outcome.rows):
        outcome.reject("empty", "no valid line in the form", "表单中没有有效的行")
    elif errors:
        outcome.status = "partial"


def _not_the_reps(cid: str, owners: Mapping[str, str], rep: str) -> tuple[str, str, str] | None:
    """Why a rep may not file customer ``cid`` (code, en, zh): not in the archive, or another rep's; else None."""
    if cid not in owners:
        return (
            "unknown_customer",
            f"customer {cid} is not in the archive (a new customer comes in through a card or registration)",
            f"客户 {cid} 不在客户档案中（新客户须通过客户资料卡或客户档案登记表建立）",
        )
    if owners[cid] and owners[cid] != rep:
        return (
            "foreign_customer",
            f"customer {cid} is looked after by {owners[cid]}: a rep files only their own customers",
            f"客户 {cid} 由 {owners[cid]} 负责：业务员只能填报本人负责的客户",
        )
    return None
