"""Which master tables each consolidated form feeds, what identifies one submission, and what identifies a row.

A form's table sections become rows of a master table; header-driven forms (customer card, quotation, follow-up
report) also give one row per file from their header fields, and a section may give one header row per line
besides (a key-account follow-up log's quote lines are each a quotation). Row-only forms are identified by
(rep, form, period); a form with a key field by that field instead of the period (the customer id, the quote
number, a daily report's date). A contact profile's key is its customer and person, an account plan's its
customer and year (keyacct_xl.consolidate.accounts). Forms that register customers (card, registration) may
leave the id blank or write 新客户: the merge gives the next id (keyacct_xl.consolidate.newcustomers).

Each master table a form feeds has a natural row key (``ROW_KEYS``): the columns that say "this is the same
visit / plan line / contact" whatever file it came in. Several files add up; a row that comes again with the
same key updates that row instead of adding a copy. A form field that fills a key column refuses its line when
it cannot be read; any other unreadable optional cell only blanks that field. When a key fits several rows, which
one a row updates, or whether it is added, is keyacct_xl.consolidate.rowmatch's (``KeyedRows.place``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowKey:
    """The columns identifying a row of one master table; ``fallbacks`` stand in for a blank key column."""

    columns: tuple[str, ...]
    fallbacks: dict[str, str] = field(default_factory=dict)  # key column -> column used when it is blank
    alternative: tuple[str, ...] = ()  # a stronger identity used first when all its columns are filled
    loose: tuple[str, ...] = ()  # matched on these alone when exactly one row fits (a contact's new phone)
    # Several rows may share the key, each one of its own (two visits to one customer on one day): a row of another
    # file that repeats none of them is added, not merged into one of them. Else the key names one row.
    shared: bool = False
    # Columns a later row's value replaces with before and after though they are provenance elsewhere: the filer
    # (rep) of a department's annual target, whoever files it.
    updates: tuple[str, ...] = ()
    # Headers of a column that tells rows of one key apart when both rows fill it: two visits of a day at different
    # times (时间, a daily report's or phone call's, kept as a column under its label) are two visits, never merged.
    apart: tuple[str, ...] = ()
    # A key column a correction may change (a plan's customer moved to another day): the one row of the file's own
    # lineage with every other key column the same, whose key the file no longer gives, is updated, not kept beside.
    moves: str = ""

    def all_columns(self) -> frozenset[str]:
        """Every column that takes part in the key (fallbacks and the alternative included)."""
        return frozenset((*self.columns, *self.fallbacks.values(), *self.alternative))


ROW_KEYS: dict[str, RowKey] = {
    "Visits": RowKey(("rep", "customer_id", "date", "method"), shared=True, apart=("时间", "Time")),
    "WeeklyPlans": RowKey(("rep", "period", "date", "customer_id"), {"customer_id": "activity"}, moves="date"),
    "Competitors": RowKey(("rep", "period", "city", "category", "competitor", "product")),
    "Contacts": RowKey(("customer_id", "name", "phone"), alternative=("contact_id",), loose=("customer_id", "name")),
    "WeeklyTargets": RowKey(("rep", "period")),
    "DeferredCustomers": RowKey(("rep", "period", "customer_id"), {"customer_id": "customer_name"}),
    "CompetitorReports": RowKey(("rep", "period", "city", "product_category")),
    "KeyAccountProfiles": RowKey(("customer_id", "period")),
    "VisitProgrammes": RowKey(("rep", "period")),
    # The department's target for the year, whoever files it: the filer is a field, not part of the key.
    "AnnualTargets": RowKey(("department", "period"), updates=("rep",)),
    "DailyReports": RowKey(("rep", "report_date")),
    "Quotations": RowKey(("quote_no",)),
    "QuotationLines": RowKey(("quote_no", "product_code", "product", "spec")),
    "Customers": RowKey(("customer_id",)),
    "VisitPlans": RowKey(("rep", "customer_id", "planned_date")),
    "MonthlyPlans": RowKey(("rep", "period")),
    "MonthlyPlanAccounts": RowKey(("rep", "period", "customer_id")),
    "SalesTargets": RowKey(("rep", "month")),
    "Promotions": RowKey(("customer_id", "start_date")),
    "PromotionActivities": RowKey(("customer_id", "start_date", "activity")),
    "ContactProfiles": RowKey(("customer_id", "name")),
    "AccountPlans": RowKey(("customer_id", "year")),
    "AccountPlanScores": RowKey(("customer_id", "year", "criterion")),
    "AccountPlanActions": RowKey(("customer_id", "year", "action")),
    "Opportunities": RowKey(("opportunity_id",)),
    "OpportunityHistory": RowKey(("opportunity_id", "date", "from_stage", "to_stage")),
    "Complaints": RowKey(("complaint_no",)),
    "ServiceRequests": RowKey(("request_no",)),
    "CreditEvaluations": RowKey(("customer_id", "year")),
    "CreditEvaluationScores": RowKey(("customer_id", "year", "criterion")),
    "RepEvaluations": RowKey(("rep", "period")),
    "RepEvaluationKpis": RowKey(("rep", "period", "kpi")),
}


@dataclass(frozen=True)
class Route:
    """Where a form's data goes."""

    form_id: str
    rows: dict[str, str] = field(default_factory=dict)  # table section id -> master table name
    header_table: str | None = None
    key_field: str | None = None
    # Further tables taking one row of the header fields each; without a header table, a summary beside the lines
    # (a daily report's figures, a weekly plan's targets): written with an accepted file, never a reason to refuse it.
    more_header_tables: tuple[str, ...] = ()
    registers_customers: bool = False  # creates customers; a blank or 新客户 key_field gets the next customer id
    line_headers: dict[str, str] = field(default_factory=dict)  # table section id -> table each line also heads

    @property
    def header_tables(self) -> tuple[str, ...]:
        """The tables taking one row of the header fields each: the header table, then the further ones."""
        return (*((self.header_table,) if self.header_table else ()), *self.more_header_tables)


ROUTES: dict[str, Route] = {
    r.form_id: r
    for r in (
        Route("visit_record", {"visits": "Visits"}),
        Route("competitor_report", {"competitors": "Competitors"}, more_header_tables=("CompetitorReports",)),
        Route(
            "weekly_plan",
            {"plan": "WeeklyPlans", "deferred": "DeferredCustomers"},
            more_header_tables=("WeeklyTargets",),
        ),
        Route("quotation", {"items": "QuotationLines"}, "Quotations", "quote_no"),
        Route("visit_plan", {"plan": "VisitPlans"}),
        Route("visit_programme", {"schedule": "VisitPlans"}, more_header_tables=("VisitProgrammes",)),
        Route("monthly_plan", {"accounts": "MonthlyPlanAccounts"}, "MonthlyPlans"),
        Route("target_breakdown", {"breakdown": "SalesTargets"}, more_header_tables=("AnnualTargets",)),
        Route("promotion_plan", {"activities": "PromotionActivities"}, "Promotions"),
        Route("customer_card", {"contacts": "Contacts"}, "Customers", "customer_id", registers_customers=True),
        Route("customer_registration", {"contacts": "Contacts"}, "Customers", "customer_id", registers_customers=True),
        Route("contact_profile", {}, "Contacts", "name", more_header_tables=("ContactProfiles",)),
        Route(
            "account_plan",
            {"scoring": "AccountPlanScores", "action_items": "AccountPlanActions"},
            "AccountPlans",
            "customer_id",
        ),
        Route("sales_funnel", {"opportunities": "Opportunities"}),
        Route("complaint_8d", {}, "Complaints", "complaint_no"),
        Route("after_sales", {"requests": "ServiceRequests"}),
        # A credit evaluation is one customer's for one year (the key becomes "customer year",
        # keyacct_xl.consolidate.followthrough); a rep evaluation one rep's for one period.
        Route("credit_evaluation", {"scores": "CreditEvaluationScores"}, "CreditEvaluations", "customer_id"),
        Route("rep_evaluation", {"kpis": "RepEvaluationKpis"}, "RepEvaluations"),
        Route("phone_followup", {"calls": "Visits"}),
        Route("daily_report", {"visits": "Visits"}, key_field="report_date", more_header_tables=("DailyReports",)),
        Route("followup_report", {}, "Visits"),
        Route(
            "key_account_followup",
            {"visits": "Visits", "quotes": "QuotationLines"},
            more_header_tables=("KeyAccountProfiles",),
            line_headers={"quotes": "Quotations"},
        ),
    )
}

# Forms we fill and send out (statistics computed from the master, the grade table, the statement): nothing of
# theirs comes back into the master. Every form of the catalog is either routed or listed here.
OUTPUT_FORMS: frozenset[str] = frozenset(
    {
        "account_statement",
        "grade_table",
        "ka_sales_stats",
        "region_sku_listing",
        "risky_customers",
        "sku_listing",
    }
)


def route_tables(route: Route) -> tuple[str, ...]:
    """The master tables a form feeds, header tables first."""
    return tuple(dict.fromkeys((*route.header_tables, *route.line_headers.values(), *route.rows.values())))
