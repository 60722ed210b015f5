"""The follow-up lists a supervisor goes through with a rep: promised next steps not kept, poor visits without a
countermeasure, greetings coming up, RFM win-back customers nobody has contacted.

DOMAIN.md, "Visit programme" (every visit followed up: next step, countermeasure, supervisor approval) and "RFM"
(重要保持 / 重要挽留 customers are called soon).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.analytics.rfm import LAPSED, lapsed_customers, rfm
from keyacct_xl.errors import InputError
from keyacct_xl.followup.policy import VisitPolicy
from keyacct_xl.followup.status import known_by
from keyacct_xl.messages import Message, cmsg
from keyacct_xl.parsing import is_blank

NEXT_STEP_COLUMNS = ["customer_id", "rep", "date", "next_step", "next_date", "days_overdue"]
POOR_COLUMNS = ["customer_id", "rep", "date", "contact", "rating", "result"]
GREETING_COLUMNS = ["customer_id", "rep", "occasion", "contact", "occasion_date", "greet_by"]
WINBACK_COLUMNS = [
    "customer_id",
    "rep",
    "rfm_class",
    "last_purchase",
    "last_visit",
    "days_since_visit",
    "call_within_days",
]
OCCASION_LABELS: dict[str, Message] = {
    "birthday": cmsg("visits check", "birthday"),
    "anniversary": cmsg("visits check", "trade anniversary"),
}


def last_visits(visits: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each customer's last visit on or before ``as_of`` (of two on its last day, the one recorded last)."""
    rows = np.flatnonzero(known_by(visits, as_of) & visits["customer_id"].notna().to_numpy())
    codes, uniques = pd.factorize(visits["customer_id"].to_numpy()[rows])
    days = visits["date"].to_numpy(dtype="datetime64[D]")[rows].astype("int64")
    latest = np.full(len(uniques), np.iinfo("int64").min)
    np.maximum.at(latest, codes, days)
    on_last_day = days == latest[codes]
    last = pd.Series(rows[on_last_day]).groupby(codes[on_last_day]).max().to_numpy()
    return visits.iloc[np.sort(last)]


def overdue_next_steps(visits: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each customer's last visit whose next date has passed: no later visit kept the promise."""
    last = last_visits(visits, as_of=as_of)
    late = last[last["next_date"].notna() & (last["next_date"] < as_of)]
    return (
        late.assign(days_overdue=(as_of - late["next_date"]).dt.days.astype("int64"))[NEXT_STEP_COLUMNS]
        .sort_values(["rep", "days_overdue"], ascending=[True, False], kind="stable")
        .reset_index(drop=True)
    )


def poor_without_countermeasure(visits: pd.DataFrame, *, as_of: pd.Timestamp, policy: VisitPolicy) -> pd.DataFrame:
    """Visits rated poor (差 / 很差) in the last ``lookback_days`` whose next step (改进措施) is blank."""
    recent = known_by(visits, as_of) & (visits["date"] > as_of - pd.Timedelta(days=policy.lookback_days)).to_numpy()
    seen = visits.loc[recent, [*POOR_COLUMNS, "next_step"]]
    codes, uniques = pd.factorize(seen["rating"])
    poor = np.array([policy.is_poor(r) for r in uniques] + [False], dtype=bool)[codes]
    blank = seen["next_step"].map(is_blank).to_numpy(dtype=bool)
    return seen[poor & blank][POOR_COLUMNS].sort_values(["rep", "date"], kind="stable").reset_index(drop=True)


def next_occurrence(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The next anniversary of each date on or after ``as_of`` (29 February on 28 February in other years)."""
    valid = dates.dropna()
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    for year in (as_of.year, as_of.year + 1):
        day = np.minimum(valid.dt.day, _month_days(year, valid.dt.month))
        this = pd.to_datetime({"year": year, "month": valid.dt.month, "day": day})
        fill = out.loc[valid.index].isna() & (this >= as_of)
        out.loc[fill[fill].index] = this[fill]
    return out


def _month_days(year: int, months: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime({"year": year, "month": months, "day": 1})).dt.days_in_month


def greetings_due(
    contacts: pd.DataFrame, customers: pd.DataFrame, *, as_of: pd.Timestamp, policy: VisitPolicy
) -> pd.DataFrame:
    """Birthdays of contacts and anniversaries of first trade whose greeting (问候) falls due in the list window.

    A greeting is due ``greeting_days_before`` days before the occasion; listed are occasions up to that many days
    plus ``greeting_list_days`` ahead, so nothing coming within the window is missed.
    """
    rep = customers.set_index(customers["customer_id"].astype(str))["rep"]
    birthdays = pd.DataFrame(
        {
            "customer_id": contacts["customer_id"].astype(str),
            "occasion": "birthday",
            "contact": contacts["name"],
            "date": contacts["birthday"],
        }
    )
    anniversaries = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].astype(str),
            "occasion": "anniversary",
            "contact": None,
            "date": customers["first_trade_date"],
        }
    )
    events = pd.concat([birthdays, anniversaries], ignore_index=True).dropna(subset=["date"])
    events["occasion_date"] = next_occurrence(events["date"], as_of)
    horizon = as_of + pd.Timedelta(days=policy.greeting_days_before + policy.greeting_list_days)
    events = events[events["occasion_date"].notna() & (events["occasion_date"] <= horizon)]
    events = events.assign(
        rep=events["customer_id"].map(rep),
        greet_by=events["occasion_date"] - pd.Timedelta(days=policy.greeting_days_before),
    )
    return (
        events[GREETING_COLUMNS].sort_values(["rep", "greet_by", "customer_id"], kind="stable").reset_index(drop=True)
    )


def winback_without_contact(
    transactions: pd.DataFrame,
    status: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    period_months: int | None,
    policy: VisitPolicy,
) -> pd.DataFrame:
    """Customers in an RFM class of ``rfm_calls``, or lapsed (a purchase before the RFM period, none in it) when
    ``rfm_calls`` names ``lapsed``, with no contact of any kind within that class's days."""
    columns = ["customer_id", "rfm_class", "last_purchase"]
    try:
        table = rfm(transactions, as_of=as_of, period_months=period_months)[columns]
    except InputError:  # no purchases in the period: no RFM classes, only the lapsed to win back
        table = pd.DataFrame(columns=columns)
    lapsed = lapsed_customers(transactions, as_of=as_of, period_months=period_months).assign(rfm_class=LAPSED)
    table = pd.concat([table, lapsed[columns]], ignore_index=True) if len(lapsed) else table
    wanted = table[table["rfm_class"].isin(list(policy.rfm_calls))]
    wanted = wanted.assign(customer_id=wanted["customer_id"].astype(str))
    joined = wanted.merge(status[["customer_id", "rep", "last_visit", "days_since_visit"]], on="customer_id")
    limit = joined["rfm_class"].map(policy.rfm_calls).astype("int64")
    silent = joined["days_since_visit"].isna() | (joined["days_since_visit"] > limit)
    out = joined[silent.to_numpy(dtype=bool)].assign(call_within_days=limit[silent.to_numpy(dtype=bool)])
    return out[WINBACK_COLUMNS].sort_values(["rep", "customer_id"], kind="stable").reset_index(drop=True)
