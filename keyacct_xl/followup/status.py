"""Who is due: per customer the last visit, the last face-to-face visit, the due date by the visit policy, the status.

DOMAIN.md, "Visit programme". Every record of Visits dated on or before ``as_of`` counts as a contact (a phone
call, a daily report's visit, a follow-up report); the ones whose method is face-to-face (or left blank, as a visit
record's default) count as visits too.
The due date is the earliest of:

- the last face-to-face visit plus the grade's face-to-face days;
- the last contact of any kind plus the grade's contact days (phone calls in between);
- for the grades of ``quarterly_face_to_face`` without a face-to-face visit in the current quarter, its last day.

A customer never visited counts from the first trade date, else is due at ``as_of``. The status is ``overdue``
when the due date is before ``as_of``, ``due`` when it falls within ``due_within_days`` of it, else ``ok``.
``face_to_face_due`` is the earlier of the first and third dates: until then a call keeps the customer in touch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.followup.policy import VisitPolicy
from keyacct_xl.messages import Message, cmsg, msg

STATUS_COLUMNS = [
    "customer_id",
    "name",
    "rep",
    "region",
    "city",
    "grade",
    "last_visit",
    "days_since_visit",
    "last_face_to_face",
    "days_since_face_to_face",
    "due_date",
    "due_by",
    "face_to_face_due",
    "status",
    "days_overdue",
]
STATUS_LABELS: dict[str, Message] = {
    "ok": cmsg("visits check", "OK"),
    "due": cmsg("visits check", "Due"),
    "overdue": cmsg("visits check", "Overdue"),
}
DUE_BY_LABELS: dict[str, Message] = {
    "face_to_face": cmsg("visits check", "Face-to-face interval"),
    "contact": cmsg("visits check", "Contact interval"),
    "quarter": cmsg("visits check", "No visit this quarter"),
}
_NAT = np.iinfo("int64").min


def data_start(*dates: pd.Series) -> pd.Timestamp | None:
    """The earliest date in the given columns (None when all are empty)."""
    found = [d.min() for d in dates if d.notna().any()]
    return min(found) if found else None


def default_as_of(visits: pd.DataFrame, transactions: pd.DataFrame) -> pd.Timestamp:
    """The latest visit or sale: the day the data was last brought up to date."""
    latest = [d.max() for d in (visits["date"], transactions["date"]) if d.notna().any()]
    if not latest:
        raise InputError(msg("Visits and Transactions hold no dated rows: give --as-of"))
    return pd.Timestamp(max(latest)).normalize()


def check_as_of(as_of: pd.Timestamp, visits: pd.DataFrame, transactions: pd.DataFrame) -> None:
    """Refuse an as-of date before every visit and sale: nothing would be known yet, every status would be made up."""
    start = data_start(visits["date"], transactions["date"])
    if start is not None and as_of < start.normalize():
        raise InputError(
            msg(
                "--as-of {as_of:%Y-%m-%d} is before any data: Visits and Transactions start on {start:%Y-%m-%d}",
                as_of=as_of,
                start=start,
            )
        )


def known_by(visits: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """True for the visits dated on or before ``as_of``: what was known on that day."""
    return (visits["date"].notna() & (visits["date"] <= as_of)).to_numpy(dtype=bool)


def face_to_face_mask(methods: pd.Series, policy: VisitPolicy) -> np.ndarray:
    """True for each visit whose method is face-to-face or blank (a visit record's default is a visit); each
    distinct spelling is looked up once."""
    codes, uniques = pd.factorize(methods)
    known = np.array([policy.is_face_to_face(m) for m in uniques] + [True], dtype=bool)
    return known[codes]  # code -1 (blank method) reads the appended True


def _last_per_customer(codes: np.ndarray, days: np.ndarray, n: int) -> np.ndarray:
    last = np.full(n, _NAT, dtype="int64")
    np.maximum.at(last, codes, days)
    return last


def customer_status(
    customers: pd.DataFrame, visits: pd.DataFrame, *, as_of: pd.Timestamp, policy: VisitPolicy
) -> pd.DataFrame:
    """One row per customer (STATUS_COLUMNS): last visits, due date by ``policy``, status and days overdue."""
    ids = customers["customer_id"].astype(str).to_numpy()
    n = len(ids)
    dated = known_by(visits, as_of)
    # ids are text as the master's readers give them; a visit of an id not in Customers is the integrity check's
    found, uniques = pd.factorize(visits["customer_id"].to_numpy()[dated])  # each distinct id looked up once
    codes = (
        np.where(found >= 0, pd.Index(ids).get_indexer(uniques)[np.maximum(found, 0)], -1)
        if len(uniques)
        else np.full(len(found), -1)
    )
    ours = codes >= 0
    days = visits["date"].to_numpy(dtype="datetime64[D]")[dated].astype("int64")
    face = face_to_face_mask(visits["method"], policy)[dated]
    last_any = _last_per_customer(codes[ours], days[ours], n)
    last_face = _last_per_customer(codes[ours & face], days[ours & face], n)
    today = np.datetime64(as_of.normalize(), "D").astype("int64")
    grades = customers["grade"]
    face_days = grades.map(lambda g: policy.interval(g).face_to_face).to_numpy(dtype="int64")
    contact_days = grades.map(lambda g: policy.interval(g).contact).to_numpy(dtype="int64")
    first = customers["first_trade_date"].to_numpy(dtype="datetime64[D]")
    start = np.where(np.isnat(first), today, first.astype("int64"))
    # never visited: counted from the first trade (a customer since then owes a visit), else due now
    due_face = np.where(last_face == _NAT, np.where(np.isnat(first), today, start + face_days), last_face + face_days)
    due_contact = np.where(
        last_any == _NAT, np.where(np.isnat(first), today, start + contact_days), last_any + contact_days
    )
    quarter = as_of.to_period("Q")
    quarter_start = np.datetime64(quarter.start_time.normalize(), "D").astype("int64")
    quarter_end = np.datetime64(quarter.end_time.normalize(), "D").astype("int64")
    quarterly = grades.isin(policy.quarterly_face_to_face).to_numpy() & (last_face < quarter_start)
    due_quarter = np.where(quarterly, quarter_end, np.iinfo("int64").max)
    stacked = np.vstack([due_face, due_contact, due_quarter])
    rule = np.argmin(stacked, axis=0)
    due = stacked[rule, np.arange(n)]
    status = np.where(due < today, "overdue", np.where(due <= today + policy.due_within_days, "due", "ok"))
    return pd.DataFrame(
        {
            "customer_id": ids,
            "name": customers["name"].to_numpy(),
            "rep": customers["rep"].to_numpy(),
            "region": customers["region"].to_numpy(),
            "city": customers["city"].to_numpy(),
            "grade": grades.to_numpy(),
            "last_visit": _dates(last_any),
            "days_since_visit": _since(today, last_any),
            "last_face_to_face": _dates(last_face),
            "days_since_face_to_face": _since(today, last_face),
            "due_date": _dates(due),
            "due_by": np.array(["face_to_face", "contact", "quarter"], dtype=object)[rule],
            "face_to_face_due": _dates(np.minimum(due_face, due_quarter)),
            "status": status.astype(object),
            "days_overdue": np.maximum(today - due, 0).astype("int64"),
        },
        columns=STATUS_COLUMNS,
    )


def _dates(days: np.ndarray) -> pd.Series:
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == _NAT] = np.datetime64("NaT")
    return pd.Series(out)


def _since(today: int, days: np.ndarray) -> pd.Series:
    return pd.Series(today - days, dtype="Int64").mask(days == _NAT)
