"""The forms step of ``keyacct-xl demo``: every blank form, a pre-filled set for two reps, and the last month's
statistics forms."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from keyacct_xl.forms.catalog import load_catalog, load_form
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.prefill import prefill, rep_customers
from keyacct_xl.forms.statistics import statistics_tables
from keyacct_xl.i18n import Lang
from keyacct_xl.master.model import Master
from keyacct_xl.master.reader import load_master
from keyacct_xl.messages import tr


def _name(*parts: str) -> str:
    return "_".join(parts) + ".xlsx"


def demo_reps(customers: pd.DataFrame, count: int = 2) -> list[str]:
    """The ``count`` reps with the most customers (ties by name), for a deterministic demo."""
    counts = customers["rep"].dropna().astype(str).value_counts()
    return sorted(counts.index, key=lambda rep: (-counts[rep], rep))[:count]


def _top_customer(master: Master, rep: str) -> str:
    own = set(rep_customers(master, rep)["customer_id"])
    sales = master.transactions[master.transactions["customer_id"].isin(own)]
    return str(sales.groupby("customer_id")["amount"].sum().sort_values(ascending=False, kind="stable").index[0])


def forms_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write out/forms/blank/*.xlsx and out/forms/<rep>/ pre-filled plans, visit records, cards and statements."""
    master = load_master(master_path)
    company = master.settings.company_name
    blank = out_dir / "forms" / "blank"
    blank.mkdir(parents=True, exist_ok=True)
    specs = load_catalog()
    for spec in specs:
        write_form(blank / f"{spec.id}.xlsx", spec, lang=args.lang, company=company)
    last = pd.Timestamp(master.transactions["date"].max())
    year, week, _ = last.isocalendar()
    week_text, month_text = f"{year}-W{week:02d}", f"{last.year}-{last.month:02d}"
    lines = [tr(args.lang, "blank forms: {count} → {folder}", count=len(specs), folder=blank)]
    for rep in demo_reps(master.customers):
        folder = out_dir / "forms" / rep
        folder.mkdir(parents=True, exist_ok=True)
        customer = _top_customer(master, rep)
        jobs: list[tuple[str, dict[str, str]]] = [
            ("weekly_plan", {"rep": rep, "period": week_text}),
            ("visit_record", {"rep": rep}),
            ("customer_card", {"customer": customer}),
            ("account_statement", {"customer": customer, "period": month_text}),
        ]
        due = 0
        for form_id, options in jobs:
            spec = load_form(form_id)
            data = prefill(
                spec, master, rep=options.get("rep"), customer=options.get("customer"), period=options.get("period")
            )
            write_form(folder / _name(form_id, *options.values()), spec, lang=args.lang, company=company, data=data)
            due = len(data.rows["plan"]) if form_id == "weekly_plan" else due
        lines.append(
            "  "
            + tr(
                args.lang,
                "{rep}: {week} plan lists {due} customers due; visit record, card and statement for {customer}",
                rep=rep,
                week=week_text,
                due=due,
                customer=customer,
            )
        )
    lines.append(statistics_demo(master, out_dir / "forms" / "statistics", month_text, args.lang))
    return lines


def statistics_demo(master: Master, folder: Path, month: str, lang: Lang) -> str:
    """The month's key-account sales, SKU listing and city × SKU forms of the whole company, and a line saying
    what they total at factory price."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = statistics_tables(master)
    filled = {}
    for form_id in ("ka_sales_stats", "sku_listing", "region_sku_listing"):
        spec = load_form(form_id)
        filled[form_id] = data = prefill(spec, master, period=month, tables=tables)
        write_form(folder / _name(form_id, month), spec, lang=lang, company=master.settings.company_name, data=data)
    key = filled["ka_sales_stats"].rows["customers"]
    skus = filled["sku_listing"].rows["skus"]
    return tr(
        lang,
        "statistics {month} at factory price: {customers} key customers ¥{key:,.2f}, {skus} SKUs ¥{total:,.2f}, "
        "{cities:,} city × SKU lines → {folder}",
        month=month,
        customers=len(key),
        key=sum(_money(r["actual"]) for r in key),
        skus=len(skus),
        total=_money(filled["sku_listing"].header["month_sales"]),
        cities=len(filled["region_sku_listing"].rows["matrix"]),
        folder=folder,
    )


def _money(value: object) -> float:
    """A filled money cell as a number (a blank is 0)."""
    return float(value) if isinstance(value, (int, float)) else 0.0
