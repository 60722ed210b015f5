"""Check a file's references to the archive: every line's customer exists, and whose customer it is.

Done in the merge, not when the file is read, so the customers created by this run's cards count.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from keyacct_xl.consolidate.customer_names import identify_by_name
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.routes import Route
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import REP


def check_references(outcome: FileOutcome, route: Route, spec: FormSpec, owners: Mapping[str, str],
                     customers: pd.DataFrame, *, lang: Lang, strict: bool) -> None:
    """Refuse a line or form naming a customer not in the archive, warn of another rep's customers; settle the status.

    ``owners`` maps each customer id to its rep; ``customers`` is the archive, for customers given by name.
    """
    label = next((f.label for s in spec.sections for f in s.fields if f.key == "customer_id"), None)
    id_label = (label.zh if lang == "zh" else label.en) if label else "customer_id"
    if outcome.rep and owners and outcome.rep not in set(owners.values()):
        outcome.issues.append(Issue(outcome.name, "", "", REP.header(lang), outcome.rep,
                                    f"{outcome.rep} looks after no customer in the archive",
                                    f"{outcome.rep} 在客户档案中没有负责的客户", "warning"))
    if route.form_id != "customer_card":  # a customer may be given by its unique full or short name
        identify_by_name(outcome, customers, owners, id_label=id_label)
        if outcome.status == "rejected":
            return
    header_id = outcome.header.get("customer_id")
    sheet, cell = outcome.header_cells.get("customer_id", ("", ""))
    if route.form_id != "customer_card" and route.header_table and header_id and header_id not in owners:
        outcome.issues.append(Issue(outcome.name, sheet, cell, id_label, str(header_id),
                                    f"customer {header_id} is not in the archive", f"客户 {header_id} 不在客户档案中"))
        outcome.reject("unknown_customer", f"customer {header_id} is not in the archive",
                       f"客户 {header_id} 不在客户档案中")
        return
    owner = owners.get(str(header_id), "") if header_id else ""
    if route.form_id != "customer_card" and owner and owner != outcome.rep:
        outcome.issues.append(Issue(outcome.name, sheet, cell, id_label, str(header_id),
                                    f"customer {header_id} is looked after by {owner}",
                                    f"客户 {header_id} 由 {owner} 负责", "warning"))
    for row in outcome.rows:
        value = row.values.get("customer_id") if route.form_id != "customer_card" else None
        if not row.ok or not value:
            continue
        cid = str(value)
        if cid not in owners:
            row.ok = False
            outcome.issues.append(Issue(
                outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label, cid,
                f"customer {cid} is not in the archive (a new customer comes in through a customer card)",
                f"客户 {cid} 不在客户档案中（新客户须通过客户资料卡建立）"))
        elif owners[cid] and owners[cid] != outcome.rep:
            outcome.issues.append(Issue(outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label,
                                        cid, f"customer {cid} is looked after by {owners[cid]}",
                                        f"客户 {cid} 由 {owners[cid]} 负责", "warning"))
    errors = outcome.errors
    if errors and strict:
        outcome.reject("strict", f"{len(errors)} error(s) and --strict: the whole file is rejected",
                       f"有 {len(errors)} 处错误且使用 --strict：整个文件拒收")
    elif not route.header_table and not any(r.ok for r in outcome.rows):
        outcome.reject("empty", "no valid line in the form", "表单中没有有效的行")
    elif errors:
        outcome.status = "partial"
