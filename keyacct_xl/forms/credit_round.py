"""The regional pre-rating before the annual review (DOMAIN.md, "Credit", form 4): 客户资信评估表 pre-filled per region.

``grade --by-region DIR`` writes, for each region (its regional supervisor's), a folder with one pre-filled
credit evaluation per customer the review meeting will discuss: the customer's archive fields and credit terms
from the master, and the year's figures the review computed (annual sales, overdue amount, longest overdue).
The supervisor scores the criteria and proposes grades; consolidating the returned forms fills CreditEvaluations,
whose grades the next ``grade`` run shows in the review's supervisor columns. One form per customer: the form is
one customer's, and consolidation identifies it by customer and year.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from keyacct_xl.fileio import id_in_name, safe_name
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.layout import FormLang
from keyacct_xl.forms.prefill import prefill
from keyacct_xl.master.model import Master

FORM_ID = "credit_evaluation"
# The review's figures that pre-fill the form: form field <- review column.
FIGURES = {"annual_sales": "annual_sales", "overdue_amount": "overdue_amount", "max_overdue_days": "max_days_overdue"}


def _safe(text: str) -> str:
    return safe_name(text.strip())


def _figure(value: float | None, field: str) -> object:
    if value is None or np.isnan(value):
        return None
    number = max(float(value), 0.0)  # the form asks for amounts and days of 0 or more (a net return is no sale)
    return int(number) if field == "max_overdue_days" else round(number, 2)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float, np.integer, np.floating)) else None


def write_credit_evaluations(
    master: Master, figures: pd.DataFrame, *, year: int, out_dir: Path, lang: FormLang
) -> dict[str, list[Path]]:
    """Per region (blank: 未分区), the pre-filled forms of the customers in ``figures`` (customer_id and the
    FIGURES columns, e.g. the meeting's lists), written under ``out_dir``/<region>/; customers in id order."""
    spec = next(s for s in load_catalog() if s.id == FORM_ID)
    regions = master.customers.assign(customer_id=master.customers["customer_id"].astype(str))
    region_of = regions.drop_duplicates("customer_id").set_index("customer_id")["region"]
    rows = figures.assign(customer_id=figures["customer_id"].astype(str)).drop_duplicates("customer_id")
    rows = rows[rows["customer_id"].isin(region_of.index)].sort_values("customer_id", kind="stable")
    written: dict[str, list[Path]] = {}
    for row in rows.itertuples(index=False):
        cid = str(row.customer_id)
        region = region_of.get(cid)
        region = str(region).strip() if isinstance(region, str) and region.strip() else "未分区"
        data = prefill(spec, master, customer=cid, period=f"{year}-12")
        header = {**data.header, **{f: _figure(_number(getattr(row, col)), f) for f, col in FIGURES.items()}}
        filled = dataclasses.replace(data, header=header)
        path = out_dir / _safe(region) / f"{FORM_ID}_{id_in_name(cid.strip())}_{year}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        written.setdefault(region, []).append(
            write_form(
                path,
                spec,
                lang=lang,
                company=master.settings.company_name,
                data=filled,
                currency=master.settings.book_currency,
            )
        )
    return written
