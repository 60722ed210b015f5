"""The grading review as a meeting document (``grade --out``): what it covers, the summary, the lists, the spot check.

Sheets, in the order the meeting reads them:
- About (说明): the year, the policy, what "annual sales" covers and the evaluation cut-off of the ledger
  metrics, how far the data reaches (and the warning when the year has not ended), the count of every list;
- Summary (评级汇总): per grade, customers and sales before (current grade) and after (proposed grade), the
  migration matrix current × proposed in customers and in sales, and a native chart of the grade mix before
  and after;
- the lists (A)–(E) (``review_lists``), the spot check (定期抽查), then the full review table as an appendix.
"""

from __future__ import annotations

import pandas as pd

from keyacct_xl.analytics.review import Review
from keyacct_xl.analytics.review_lists import list_title
from keyacct_xl.currency import CNY, Currency
from keyacct_xl.i18n import Lang
from keyacct_xl.messages import Pair, money_unit, msg, tr
from keyacct_xl.reports import Chart, Heading, Sheet

WAN = 10_000.0  # the summary shows sales in 万元 (ten thousand yuan), as a meeting reads them
# In the review the credit grade and limit are the proposal beside the current ones: their headers say so.
PROPOSED_HEADERS = {"credit_grade": msg("Proposed Credit Grade"), "credit_limit": msg("Suggested Credit Limit")}


def migration_summary(review: Review, lang: Lang) -> pd.DataFrame:
    """One row per grade (policy order, then customers without a current grade): customers and sales (万元) before
    and after, then the migration matrix: customers (``to_<grade>``) and sales (``to_<grade>_wan``) moving from the
    row's current grade to each grade."""
    table = review.table
    grades = review.policy.grades
    none = tr(lang, "(no grade)")
    current = table["current_grade"].where(table["current_grade"].isin(grades), none)
    rows = [*grades, *([none] if (current == none).any() else [])]
    sales = table["annual_sales"].astype("float64")
    frame = pd.DataFrame({"grade": rows})
    frame["customers_before"] = [int((current == g).sum()) for g in rows]
    frame["customers_after"] = [int((table["proposed_grade"] == g).sum()) for g in rows]
    frame["sales_before_wan"] = [round(float(sales[current == g].sum()) / WAN, 2) for g in rows]
    frame["sales_after_wan"] = [round(float(sales[table["proposed_grade"] == g].sum()) / WAN, 2) for g in rows]
    for to in grades:
        moved = table["proposed_grade"] == to
        frame[f"to_{to}"] = [int(((current == g) & moved).sum()) for g in rows]
    for to in grades:
        moved = table["proposed_grade"] == to
        frame[f"to_{to}_wan"] = [round(float(sales[(current == g) & moved].sum()) / WAN, 2) for g in rows]
    return frame


def _summary_sheet(review: Review, lang: Lang, currency: Currency) -> Sheet:
    frame = migration_summary(review, lang)
    grades = review.policy.grades
    unit = money_unit(currency, msg("yuan"))
    headers = {f"to_{g}": tr(lang, "to {grade} (customers)", grade=g) for g in grades}
    headers["sales_before_wan"] = tr(lang, "Sales, current grade (10k {unit})", unit=unit)
    headers["sales_after_wan"] = tr(lang, "Sales, proposed grade (10k {unit})", unit=unit)
    headers |= {f"to_{g}_wan": tr(lang, "to {grade} (10k {unit})", grade=g, unit=unit) for g in grades}
    counts = ["customers_before", "customers_after", *(f"to_{g}" for g in grades)]
    amounts = ["sales_before_wan", "sales_after_wan", *(f"to_{g}_wan" for g in grades)]
    chart = Chart("column", tr(lang, "Grade mix before and after"), "grade", ("customers_before", "customers_after"))
    return Sheet(
        tr(lang, "Grading summary"),
        frame,
        (chart,),
        # the period line names the year too, as every other sheet's does
        subtitle=tr(lang, "{year} (rows: current grade; columns: proposed grade)", year=review.year),
        kinds={**dict.fromkeys(counts, "count"), **dict.fromkeys(amounts, "number")},
        headers=headers,
        notes=_cut_offs(review, lang),
        totals={key: float(frame[key].sum()) for key in (*counts, *amounts)},
        row_names=("grade",),  # the matrix's rows are the current grades: each strip names them
    )


def _definitions(review: Review, lang: Lang) -> list[tuple[str, str]]:
    """What the figures cover, as label and text: the year's sales and the evaluation cut-off of the ledger metrics."""
    year = review.year
    return [
        (
            tr(lang, "Annual sales"),
            tr(lang, "net sales (returns deducted) of {start} to {end}", start=f"{year}-01-01", end=f"{year}-12-31"),
        ),
        (
            tr(lang, "Evaluation cut-off"),
            tr(
                lang,
                "{date}: on-time and collection rates, overdue amounts, credit grades",
                date=review.aged.date().isoformat(),
            ),
        ),
    ]


def _cut_offs(review: Review, lang: Lang) -> tuple[str, ...]:
    """What the figures cover, said on the sheet itself: the year's sales, the evaluation cut-off, the warnings."""
    lines = [label + tr(lang, ": ") + text for label, text in _definitions(review, lang)]
    return (*lines, *(tr(lang, "warning: {text}", text=w) for w in review.warnings))


def about(review: Review, lang: Lang) -> pd.DataFrame:
    """What the document covers, as item / value rows: the figures' definitions and cut-offs, and the list counts."""
    year, policy = review.year, review.policy
    items: list[tuple[str, object]] = [
        (tr(lang, "Graded year"), str(year)),
        (tr(lang, "Policy"), Pair(policy.title_en, policy.title_zh).render(lang) or policy.name),
        *_definitions(review, lang),
    ]
    if review.data_through is not None:
        items.append((tr(lang, "Sales data through"), review.data_through.date().isoformat()))
    items += [(tr(lang, "Warning"), w.render(lang)) for w in review.warnings]
    items.append((tr(lang, "Customers graded"), f"{len(review.table):,}"))
    items += [(list_title(key, lang), f"{len(frame):,}") for key, frame in review.lists.items()]
    items.append(
        (
            tr(lang, "Spot check"),
            tr(lang, "{count:,} customers drawn with seed {seed}", count=len(review.spot_check), seed=review.seed),
        )
    )
    return pd.DataFrame({"item": [i for i, _ in items], "value": [str(v) for _, v in items]})


def review_heading(review: Review, lang: Lang, company: str | None, currency: Currency = CNY) -> Heading:
    """The title block of every sheet: the company, the report, the graded year and the day its ledger metrics are
    taken at (the evaluation date, or where the data ends)."""
    return Heading(
        tr(lang, "Grading review"),
        company=company,
        period=str(review.year),
        as_of=review.aged.date(),
        currency=currency,
    )


def review_sheets(review: Review, lang: Lang, currency: Currency = CNY) -> list[Sheet]:
    """Every sheet of the meeting document, in the order the meeting reads them (sales in ``currency``)."""
    sheets = [Sheet(tr(lang, "About"), about(review, lang)), _summary_sheet(review, lang, currency)]
    sheets += [Sheet(list_title(key, lang), frame, headers=PROPOSED_HEADERS) for key, frame in review.lists.items()]
    sheets.append(Sheet(tr(lang, "Spot check"), review.spot_check, headers=PROPOSED_HEADERS))
    # the policy by its title, as the About sheet names it (the master's own review sheet keeps the file's name,
    # which grade apply reads back)
    policy = Pair(review.policy.title_en, review.policy.title_zh).render(lang) or review.policy.name
    table = review.table.assign(policy=policy)
    # the full table (some 37 columns) is where the reviewers decide, on screen; the meeting prints the lists above
    return [*sheets, Sheet(tr(lang, "Grade review"), table, headers=PROPOSED_HEADERS, strips=False)]
