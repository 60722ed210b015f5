"""Which master tables each consolidated form feeds, and what identifies one submission of it.

A form's table sections become rows of a master table; header-driven forms (customer card, quotation) also
give one row per file from their header fields. Row-only forms are identified by (rep, form, period);
header-driven ones by their key field (the customer id, the quote number) instead of the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """Where a form's data goes."""

    form_id: str
    rows: dict[str, str] = field(default_factory=dict)  # table section id -> master table name
    header_table: str | None = None
    key_field: str | None = None


ROUTES: dict[str, Route] = {r.form_id: r for r in (
    Route("visit_record", {"visits": "Visits"}),
    Route("competitor_report", {"competitors": "Competitors"}),
    Route("weekly_plan", {"plan": "WeeklyPlans"}),
    Route("quotation", {"items": "QuotationLines"}, "Quotations", "quote_no"),
    Route("customer_card", {"contacts": "Contacts"}, "Customers", "customer_id"),
)}
