"""The general manager's monthly pack as a document: a cover of KPIs with arrows, then one report sheet per section.

Every number on the cover links to the sheet it comes from (a hyperlink inside the workbook: the number stays a
number, formatted as money, count or percent). Arrows compare with last month and with the same month a year ago:
▲ higher, ▼ lower, ＝ equal, — nothing to compare with. The sections are written through the report layer
(``keyacct_xl.reports``): title block, headers in the user's language, formats, A4, native charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from keyacct_xl.briefing import gm_pack as gm
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.messages import Message, Pair, Rendered, listing, msg, tr
from keyacct_xl.output import check_suffix, workbook, write_cell
from keyacct_xl.performance.complaints import COMPLAINT_COLUMNS as REGISTER_COLUMNS
from keyacct_xl.performance.complaints import deadline_labels
from keyacct_xl.performance.evaluation import HEADERS as EVALUATION_HEADERS
from keyacct_xl.performance.register import HEADERS as REGISTER_HEADERS
from keyacct_xl.performance.reports_check import HEADERS as SUBMISSION_HEADERS
from keyacct_xl.performance.submissions import SUBMISSION_LABELS
from keyacct_xl.reports import Chart, Heading, Highlight, Kind, Sheet, Styles, add_sheet, set_print, write_title
from keyacct_xl.reports.columns import column_width, number_format
from keyacct_xl.reports.longlist import printed_and_all
from keyacct_xl.reports.page import ROW_PT, column_px

if TYPE_CHECKING:  # the use case writes the pack through this module
    from keyacct_xl.briefing.usecase import GmPack

# Headers of the pack's columns that no other report names (the rest come from labels and the master's schema).
HEADERS: dict[str, Rendered] = {
    "month": msg("Month"),
    "sales_last_year": msg("Same Month Last Year"),
    "sales_target": msg("Month Target"),
    "sales_achievement": msg("Month Achievement"),
    "ytd_sales": msg("Year to Date"),
    "ytd_last_year": msg("Year to Date Last Year"),
    "ytd_target": msg("Target to Date"),
    "ytd_in_target_months": msg("Sales to Date in Target Months"),
    "ytd_achievement": msg("Achievement to Date"),
    "ytd_growth": msg("Growth on Last Year"),
    "buyers": msg("Buyers in the Month"),
    "recent_buyers": msg("Bought in Last 30 Days"),
    "active_customers": msg("Active Customers"),
    "new_customers": msg("New Customers"),
    "reactivated": msg("Reactivated"),
    "lost": msg("Lost"),
    "overdue": msg("Overdue Amount"),
    # the risky list has no average beside it to tell apart (the credit report qualifies both): the short header
    # keeps its fifty lines in two strips
    "max_days_overdue": msg("Max Days Overdue"),
    "overdue_share": msg("Overdue Share"),
    "over_limit": msg("Customers over Limit"),
    "opportunities": msg("Opportunities"),
    "probability": msg("Average Probability"),
    "prior_rank": msg("Rank a Year Ago"),
    "rank_change": msg("Places Gained"),
    "key_overdue": msg("VIP/A Overdue for a Visit"),
    **{k: h for k, h in EVALUATION_HEADERS.items() if k.startswith("key_")},
    **{k: h for k, h in REGISTER_HEADERS.items() if k in ("age_days", "containment", "closure")},
    "closure_due": REGISTER_HEADERS["closure_due"],
    **{k: h for k, h in SUBMISSION_HEADERS.items() if k != "rep"},
}
MONEY_KEYS = (
    "sales_last_year",
    "sales_target",
    "ytd_sales",
    "ytd_last_year",
    "ytd_target",
    "ytd_in_target_months",
    "overdue",
)
KINDS: dict[str, Kind] = {
    **{k: "money" for k in MONEY_KEYS},
    "sales_achievement": "percent",
    "ytd_achievement": "percent",
    "key_coverage": "percent",
    "probability": "percent",
    "month": "text",
    **{k: "count" for k in ("buyers", "recent_buyers", "active_customers", "new_customers", "reactivated", "lost")},
    **{k: "count" for k in ("over_limit", "opportunities", "key_customers", "key_visited", "key_overdue")},
    **{k: "count" for k in ("expected", "on_time", "late", "missing", "days_late")},
    **{k: "count" for k in ("open_complaints", "recent_complaints")},
}
KPI_LABELS: dict[str, Message] = {
    "month_sales": msg("Sales of the month"),
    "ytd_sales": msg("Sales, year to date"),
    "sales_achievement": msg("Month target achieved"),
    "active_customers": msg("Active customers (bought in the last {months} months)"),
    "recent_buyers": msg("Customers who bought in the last 30 days"),
    "new_customers": msg("New customers (first purchase)"),
    "lost": msg("Lost customers (no purchase for {months} months)"),
    "balance": msg("Receivables"),
    "overdue": msg("Overdue receivables"),
    "over_limit": msg("Customers over their credit limit"),
    "weighted_amount": msg("Funnel, weighted (open opportunities)"),
    "key_coverage": msg("VIP/A customers visited this quarter"),
    "open_complaints": msg("Open complaints"),
    "overdue_complaints": msg("Complaints past a deadline"),
    "missing_reports": msg("Reports not handed in"),
    "risky_customers": msg("Risky customers"),
}
COVER_HEADERS = (
    msg("KPI"),
    msg("This Month"),
    msg("Last Month"),
    msg("On Last Month"),
    msg("Same Month Last Year"),
    msg("On Last Year"),
)
LATE_REPORTS = msg("Reports missing or late")
LATE_REPORTS_ALL = msg("Reports missing or late, all")
# How an achievement is counted (performance.reps.target_achievement), under the sales by rep.
ACHIEVEMENT_RULE = msg(
    "Achievement: a rep's sales in the months that have a target against those targets; to date, the sales of the "
    "months without a target are left out, and a rep without a target has no achievement."
)
# The rep sheet's money columns that only a rep with a target has a figure in.
TARGETED_MONEY = ("sales_target", "ytd_target", "ytd_in_target_months")
NAMED_REPS = 10  # the reps without a target the cover names; the rest are counted
LINK_STYLE = {"font_color": "#0563C1", "underline": 1}
# How many lines of a long list the pack prints (the risky customers in strips of two pages, the reports missing
# or late on one page); all of them are on a sheet it hides, which no print takes.
RISKY_PRINTED = 50
LATE_PRINTED = 20
UNPRINTED = frozenset({"risky_all", "late_reports_all"})
RISK_COLUMNS = [
    "customer_id",
    "name",
    "region",
    "rep",
    "sales_12m",
    "sales_prior_12m",
    "sales_change",
    "last_purchase",
    "max_days_overdue",
    "open_complaints",
    "recent_complaints",
    "risks",
]
# The reps' reports of the month: each rep's counts, then the reports not handed in or handed in late.
SUBMISSION_COLUMNS = ["rep", "expected", "on_time", "late", "missing", "on_time_rate"]
LATE_COLUMNS = ["rep", "form", "instance", "due_date", "handed_in", "days_late", "submission"]
# The register's columns the pack shows: an open complaint has no closing date, verification or satisfaction yet,
# and its department and containment dates stay in the register (performance's document).
REGISTER_ONLY = frozenset(
    {"owner_department", "containment_due", "contained_date", "closed_date", "verified", "customer_satisfied"}
)
COMPLAINT_COLUMNS = [c for c in REGISTER_COLUMNS if c not in REGISTER_ONLY]


# the full-width sign sits in Chinese text; English text takes the ASCII one
EQUAL: dict[Lang, str] = {"zh": "＝", "en": "="}


def arrow(now: float, before: float, kind: str, lang: Lang) -> str:
    """▲/▼/＝ and the change: relative for amounts and counts, in percentage points for rates; the legend's words
    without a figure to compare (a month before the first sale, the funnel's earlier stages)."""
    if not (math.isfinite(now) and math.isfinite(before)):
        return tr(lang, "— nothing to compare")
    sign = "▲" if now > before else "▼" if now < before else EQUAL[lang]
    if kind == "percent":
        return tr(lang, "{arrow} {points:+.1f} pts", arrow=sign, points=(now - before) * 100)
    if before == 0 or now == before:
        return sign
    return f"{sign} {now / before - 1:+.1%}"


def _sheet(title: Message, frame: pd.DataFrame, lang: Lang, **more: object) -> Sheet:
    return Sheet(title.render(lang), frame, headers=HEADERS, kinds=KINDS, **more)  # type: ignore[arg-type]


def _money_totals(frame: pd.DataFrame, keys: tuple[str, ...]) -> dict[str, float]:
    return {k: float(frame[k].sum()) for k in keys if k in frame.columns}


def _data_begin(pack: GmPack, blank: pd.Series, lang: Lang) -> tuple[str, ...]:
    """The line under a month-by-month table whose ``blank`` column has months before the data: where they begin."""
    if pack.data_from is None or not blank.isna().any():
        return ()
    return (
        tr(
            lang,
            "The data begin in {month}: the months before it are blank (no data, not no sales).",
            month=str(pack.data_from),
        ),
    )


def _before_the_ledger(pack: GmPack, lang: Lang) -> tuple[str, ...]:
    """The line under the receivables when month-ends before the ledger's first invoice or payment are blank."""
    if pack.ledger_from is None or not pack.receivables["balance"].isna().any():
        return ()
    return (
        tr(
            lang,
            "The ledger begins in {month}: the month-ends before it are blank (no invoice or payment yet, not nothing "
            "owed).",
            month=str(pack.ledger_from),
        ),
    )


def _first_month_new(pack: GmPack, lang: Lang) -> tuple[str, ...]:
    """The line under the customers when the data's first month has no count of new customers: why, and how to
    get one."""
    rows = pack.trend.set_index("month")["new_customers"]
    since = str(pack.data_from)
    if pack.data_from is None or since not in rows.index or not pd.isna(rows[since]):
        return ()
    return (
        tr(
            lang,
            "New customers of {month}, the data's first month, are blank: the data cannot tell a first purchase from "
            "one of a customer who bought before; fill {column} in {sheet} to count them.",
            month=since,
            column=CUSTOMERS.column("first_trade_date").header(lang),
            sheet=CUSTOMERS.sheet(lang),
        ),
    )


def _year_notes(pack: GmPack, lang: Lang) -> tuple[str, ...]:
    """The lines under a year-to-date table when the data cover its year, or last year's, only in part."""
    spans, since = gm.Spans.of(pack.month), str(pack.data_from)
    notes = []
    if gm.partial(spans.ytd, pack.data_from):
        notes.append(tr(lang, "This year to date holds only the data from {month} on.", month=since))
    before = spans.ytd.year_before()
    if gm.partial(before, pack.data_from):
        span = {"first": f"{before.first:%Y-%m}", "last": f"{before.last:%Y-%m}", "month": since}
        ends_before = pack.data_from is not None and before.last < pack.data_from.start_time
        line = (
            msg(
                "Last year's year to date ({first} to {last}) lies before the data, which begin in {month}: not "
                "compared, left blank.",
                **span,
            )
            if ends_before
            else msg(
                "Last year's year to date ({first} to {last}) holds only the data from {month} on: not compared, "
                "left blank.",
                **span,
            )
        )
        notes.append(line.render(lang))
    return tuple(notes)


def _cut_sheet(pack: GmPack, by: str, title: Message, lang: Lang) -> Sheet:
    frame = pack.cuts[by]
    notes = _year_notes(pack, lang)
    if by == "grade":
        notes = (pack.grading.render(lang), *notes)
    if by != "rep":  # targets are set per rep
        frame = frame.drop(columns=list(gm.TARGET_COLUMNS))
    else:
        notes = (*notes, ACHIEVEMENT_RULE.render(lang))
    chart = Chart("column", title.render(lang), by, ("sales", "sales_last_year"))
    sums = _money_totals(frame, ("sales", "sales_last_year", "ytd_sales", "ytd_last_year", *TARGETED_MONEY))
    # a column without a figure (no rep with a target, no data last year) has a blank total too, not ¥0.00
    sums = {k: v for k, v in sums.items() if frame[k].notna().any()}
    return _sheet(title, frame, lang, charts=(chart,), totals=sums, notes=notes)


def _untargeted_reps(pack: GmPack) -> list[str]:
    """The reps who sold in the month without a target for it: their sales are not in the month's achievement."""
    reps = pack.cuts["rep"]
    return reps.loc[reps["sales_target"].isna() & (reps["sales"] != 0), "rep"].tolist()


def _achievement_note(pack: GmPack, lang: Lang) -> str:
    """What the cover's month target achieved counts: the reps with a target, and which reps have none."""
    if pd.isna(pack.total["sales_target"]):
        return tr(lang, "Month target achieved: no rep has a sales target for {month}.", month=str(pack.month))
    missing = _untargeted_reps(pack)
    if not missing:
        return tr(lang, "Month target achieved: every rep who sold in the month has a target; their sales against it.")
    shown: list[object] = [*missing[:NAMED_REPS]]
    if len(missing) > NAMED_REPS:
        shown.append(msg("{count:,} more", count=len(missing) - NAMED_REPS))
    return tr(
        lang,
        "Month target achieved: the month's sales of the reps with a target for it against their targets; "
        "{count} rep(s) with sales have none and are left out: {reps}.",
        count=len(missing),
        reps=listing(shown),
    )


def _complaints(register: pd.DataFrame, month: str, lang: Lang) -> Sheet:
    """The complaints open at the month's end; a line says so when there is none, not a bare header row."""
    frame = register[COMPLAINT_COLUMNS]
    late = ((frame["containment"] == "overdue") | (frame["closure"] == "overdue")).tolist()
    frame = deadline_labels(frame, lang)
    mark = Highlight(("containment", "closure"), tuple(late), "alert")
    none = (tr(lang, "No complaint was open at the end of {month}.", month=month),) if frame.empty else ()
    return _sheet(msg("Open complaints"), frame, lang, highlights=(mark,), notes=none)


def _submissions(pack: GmPack, late_sheet: Message, lang: Lang) -> Sheet:
    """Each rep's reports due in the month: on time, late, missing; a line under the table says what is missing,
    or that every report due was handed in."""
    reps = pack.submissions.reps
    due, late, missing = (int(reps[k].sum()) for k in ("expected", "late", "missing"))
    month = str(pack.month)
    untracked = pack.submissions.untracked_line(lang)
    if due == 0 and untracked is not None:
        line = untracked
    elif due == 0:
        line = tr(lang, "No report was due in {month}.", month=month)
    elif missing == 0 and late == 0:
        line = tr(lang, "All {due} reports due in {month} were handed in on time.", due=due, month=month)
    elif missing == 0:
        line = tr(
            lang,
            "All {due} reports due in {month} were handed in, {late} of them late (listed on the sheet {sheet}).",
            due=due,
            month=month,
            late=late,
            sheet=late_sheet.render(lang),
        )
    else:
        line = tr(
            lang,
            "{missing} of the {due} reports due in {month} were not handed in and {late} came late (listed on the "
            "sheet {sheet}).",
            missing=missing,
            due=due,
            month=month,
            late=late,
            sheet=late_sheet.render(lang),
        )
    notes = (line,) if due == 0 or untracked is None else (line, untracked)
    totals = _money_totals(reps, ("expected", "on_time", "late", "missing"))
    return _sheet(msg("Reports handed in"), reps[SUBMISSION_COLUMNS], lang, totals=totals, notes=notes)


def _late_reports(pack: GmPack, lang: Lang) -> dict[str, Sheet]:
    """The month's reports not handed in or handed in late, by rep and due date (none when there is none); more
    than ``LATE_PRINTED`` print as those outstanding longest, all of them on a hidden sheet."""
    detail = pack.submissions.detail
    shown = detail[detail["submission"].isin(["missing", "late"])]
    if shown.empty:
        return {}
    by_rep = shown.sort_values(["rep", "due_date", "form"], kind="stable")[LATE_COLUMNS].reset_index(drop=True)
    # what a chase starts from: the reports not handed in before those handed in late, the earliest due first
    longest = by_rep.sort_values(["submission", "due_date"], key=_missing_first, kind="stable")
    titles = {
        form: Pair(load_form(form).title.en, load_form(form).title.zh).render(lang) for form in set(shown["form"])
    }

    def sheet(title: Message, frame: pd.DataFrame, notes: tuple[str, ...]) -> Sheet:
        labelled = frame.assign(
            form=frame["form"].map(titles),
            submission=frame["submission"].map(lambda code: SUBMISSION_LABELS[code].render(lang)),
        ).reset_index(drop=True)
        missing = Highlight(("submission",), tuple((frame["submission"] == "missing").tolist()), "alert")
        return _sheet(title, labelled, lang, highlights=(missing,), notes=notes)

    def note(more: int, full: str) -> str:
        return tr(
            lang,
            "The {shown} reports outstanding longest, those not handed in first; {more:,} more are on the sheet "
            "{sheet}, hidden so the pack does not print them (right-click a sheet tab, Unhide).",
            shown=LATE_PRINTED,
            more=more,
            sheet=full,
        )

    return printed_and_all(
        "late_reports", (LATE_REPORTS, LATE_REPORTS_ALL), by_rep, longest.head(LATE_PRINTED), sheet, note, lang
    )


def _missing_first(column: pd.Series) -> pd.Series:
    """A sort key putting the reports not handed in before those handed in late (other columns as they are)."""
    return column != "missing" if column.name == "submission" else column


def sections(pack: GmPack, lang: Lang) -> dict[str, Sheet]:
    """Every sheet after the cover, by the key the cover's KPIs link to."""
    trend = pack.trend
    months = msg("{months} months", months=len(trend)).render(lang)
    found: dict[str, Sheet] = {
        "sales": _sheet(
            msg("Sales trend"),
            trend[["month", "sales", "sales_last_year"]],
            lang,
            charts=(
                Chart("line", tr(lang, "Sales by month, {span}", span=months), "month", ("sales", "sales_last_year")),
            ),
            notes=_data_begin(pack, trend["sales_last_year"], lang),
        ),
        "by_region": _cut_sheet(pack, "region", msg("Sales by region"), lang),
        "by_grade": _cut_sheet(pack, "grade", msg("Sales by customer grade"), lang),
        "by_category": _cut_sheet(pack, "category", msg("Sales by product category"), lang),
        "by_rep": _cut_sheet(pack, "rep", msg("Sales by rep"), lang),
        "customers": _sheet(
            msg("Customers by month"),
            trend[["month", "active_customers", "recent_buyers", "buyers", "new_customers", "reactivated", "lost"]],
            lang,
            charts=(
                Chart(
                    "line",
                    tr(lang, "Active customers and recent buyers, {span}", span=months),
                    "month",
                    ("active_customers", "recent_buyers"),
                ),
                Chart(
                    "column",
                    tr(lang, "New, reactivated and lost customers"),
                    "month",
                    ("new_customers", "reactivated", "lost"),
                ),
            ),
            notes=(
                *_data_begin(pack, trend["active_customers"], lang),
                *_first_month_new(pack, lang),
                tr(
                    lang,
                    "Active: bought in the month or the {before} months before it; lost: no purchase for {months} "
                    "months; reactivated: bought again after being lost; recent: bought in the 30 days to the month's "
                    "end.",
                    before=pack.lost_months - 1,
                    months=pack.lost_months,
                ),
            ),
        ),
        "top": _sheet(
            msg("Top 20 customers"), pack.top, lang, notes=(pack.grading.render(lang), *_year_notes(pack, lang))
        ),
        "receivables": _sheet(
            msg("Receivables by month"),
            pack.receivables,
            lang,
            charts=(Chart("column", tr(lang, "Receivables and overdue, 12 months"), "month", ("balance", "overdue")),),
            notes=_before_the_ledger(pack, lang),
        ),
        "funnel": _sheet(
            msg("Sales funnel"),
            pack.funnel,
            lang,
            charts=(Chart("bar", tr(lang, "Weighted amount by stage"), "stage", ("weighted_amount",)),),
            totals=_money_totals(pack.funnel, ("expected_amount", "weighted_amount")),
            notes=(
                tr(
                    lang,
                    "The opportunities as they stand in the master now (it keeps no earlier stages), not at the end "
                    "of {month}.",
                    month=str(pack.month),
                ),
            ),
        ),
        "visits": _sheet(
            msg("VIP and A visit coverage"),
            pack.coverage,
            lang,
            notes=(
                pack.grading.render(lang),
                tr(
                    lang,
                    "Face-to-face visits of the quarter to {end}, overdue as of that day.",
                    end=pack.month.end_time.date().isoformat(),
                ),
            ),
        ),
        "complaints": _complaints(pack.complaints, str(pack.month), lang),
        "submissions": _submissions(pack, LATE_REPORTS, lang),
    }
    found.update(_late_reports(pack, lang))
    found.update(_risky_sheets(pack.risky[RISK_COLUMNS], lang))
    if pack.pareto is not None:
        found["abc"] = _sheet(
            msg("ABC classes, 12 months"),
            pack.pareto.classes,
            lang,
            charts=(Chart("column", tr(lang, "Revenue by ABC class"), "abc_class", ("revenue",)),),
        )
        found["pareto"] = _sheet(
            msg("Pareto curve, 12 months"),
            pack.pareto.curve,
            lang,
            charts=(Chart("line", tr(lang, "Cumulative share of revenue"), "customer_share", ("revenue_share",)),),
        )
    return found


def _risky_sheets(risky: pd.DataFrame, lang: Lang) -> dict[str, Sheet]:
    """The risky customers the pack prints, the ``RISKY_PRINTED`` first in its order (the most sales the year
    before: the most at stake), and, when there are more, all of them on a sheet the pack hides: a large company's
    thousands printed in a hundred pages nobody reads."""

    def note(more: int, full: str) -> str:
        return tr(
            lang,
            "The {shown} risky customers with the most sales in the 12 months before; {more:,} more are on the sheet "
            "{sheet}, hidden so the pack does not print them (right-click a sheet tab, Unhide).",
            shown=RISKY_PRINTED,
            more=more,
            sheet=full,
        )

    return printed_and_all(
        "risky",
        (msg("Risky customers"), msg("Risky customers, all")),
        risky,
        risky.head(RISKY_PRINTED),
        lambda title, frame, notes: _sheet(title, frame, lang, notes=notes),
        note,
        lang,
    )


def _write_cover(
    ws: Worksheet, styles: Styles, pack: GmPack, titles: Mapping[str, str], heading: Heading, lang: Lang
) -> None:
    """The KPI table: label, this month (a link to its sheet), last month and its arrow, a year ago and its arrow."""
    top = len(write_title(ws, styles, heading, tr(lang, "Cover"), lang))
    headers = [h.render(lang) for h in COVER_HEADERS]
    bold = styles.get(bold=True, bottom=1, text_wrap=True)
    for j, text in enumerate(headers):
        ws.write_string(top, j, text, bold)
    columns: list[list[tuple[object, str]]] = [[(h, "text")] for h in headers]
    for i, row in enumerate(pack.kpis.itertuples(index=False), start=top + 1):
        kind = str(row.kind)
        code = number_format(kind, heading.currency)  # type: ignore[arg-type]
        number = {"num_format": code} if code else {}
        label = replace(KPI_LABELS[str(row.kpi)], params={"months": pack.lost_months}).render(lang)
        now, last_month, last_year = (float(v) for v in (row.value, row.last_month, row.last_year))  # type: ignore[arg-type]
        cells: list[tuple[object, str]] = [
            (label, "text"),
            (now, kind),
            (last_month, kind),
            (arrow(now, last_month, kind, lang), "text"),
            (last_year, kind),
            (arrow(now, last_year, kind, lang), "text"),
        ]
        for j, (value, cell_kind) in enumerate(cells):
            columns[j].append((value, cell_kind))
            if j == 1 and str(row.sheet) in titles:
                link = styles.get(**number, **LINK_STYLE)
                ws.write_url(i, j, f"internal:'{titles[str(row.sheet)]}'!A1", link, string="—")
                if isinstance(value, float) and math.isfinite(value):
                    write_cell(ws, i, j, value, link)  # the link stays on the cell; the cell holds the number
            elif j in (3, 5):  # the arrows, centred between the figures they compare
                write_cell(ws, i, j, value, styles.get(align="center"))
            else:
                write_cell(ws, i, j, value, styles.get(**number) if cell_kind != "text" else None)
    last = top + len(pack.kpis) + 2
    for note in _cover_notes(pack, lang):
        ws.write_string(last, 0, note, styles.get(italic=True, font_color="#595959"))
        last += 1
    widths = [
        column_width(str(c[0][0]), [v for v, _ in c[1:]], c[1][1] if len(c) > 1 else "text", heading.currency)  # type: ignore[arg-type]
        for c in columns
    ]
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.set_row(top, ROW_PT * 2)
    set_print(ws, width_px=sum(column_px(w) for w in widths), header_rows=None, lang=lang)


def _cover_notes(pack: GmPack, lang: Lang) -> list[str]:
    return [
        *(tr(lang, "warning: {text}", text=w) for w in pack.warnings),
        tr(lang, "Each figure of this month links to its sheet. ▲ higher, ▼ lower, = equal, — nothing to compare."),
        _achievement_note(pack, lang),
        tr(
            lang,
            "Lost: no purchase for {months} months. The funnel shows the opportunities as they stand now, the risky "
            "customers those of the month's end; neither has an earlier figure to compare.",
            months=pack.lost_months,
        ),
    ]


def write_gm_pack(pack: GmPack, path: Path, *, lang: Lang) -> Path:
    """Write the pack to ``path`` (.xlsx): the cover, then every section; same inputs give the same bytes."""
    path = Path(path)
    check_suffix(path, (".xlsx",))
    heading = Heading(
        report=tr(lang, "General manager's monthly pack"),
        company=pack.company,
        period=str(pack.month),
        as_of=pack.month.end_time.date(),
        currency=pack.currency,
    )
    found = sections(pack, lang)
    with workbook(path, heading.report) as book:
        styles = Styles(book)
        cover = book.add_worksheet(tr(lang, "Cover"))
        for number, (key, sheet) in enumerate(found.items(), start=1):
            ws = add_sheet(book, styles, sheet, heading=heading, lang=lang, table_name=f"Table{number}")
            if key in UNPRINTED:
                ws.hide()
        _write_cover(cover, styles, pack, {k: s.title[:31] for k, s in found.items()}, heading, lang)
    return path
