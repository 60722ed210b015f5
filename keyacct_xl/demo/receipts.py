"""Demo payments: receipts against invoices, with each customer's paying habit.

Most customers pay around their terms; chronic late payers run one to four months over; customers who
defaulted (bad debts) stopped paying months before they stopped buying. Some invoices are paid in two parts,
a couple are overpaid, and what falls due near the end of the window is still open on 2026-10-31.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.demo.calendar import DAYS, END

PARTIAL_RATE = 0.04
OVERPAYMENTS = 3
DEFAULT_DAYS = 150  # a defaulting customer's invoices of its last five months are never paid
METHODS = ("银行转账", "承兑汇票", "现金", "微信支付")
BILL_MIN = 30_000  # larger receipts are sometimes settled with bank acceptance bills (承兑汇票)


def make_payments(rng: np.random.Generator, invoices: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """The Payments table: receipt_no, date, customer_id, amount, method, reference (blank for about 30 %)."""
    inv = invoices[invoices["amount"] > 0].reset_index(drop=True)
    cust = inv["cust"].to_numpy()
    terms = profiles["terms"].to_numpy()[cust]
    payer = profiles["payer"].to_numpy()[cust]
    delay = _delays(rng, payer, terms)
    pay_date = (inv["date"] + pd.to_timedelta(terms + delay, unit="D")).to_numpy()
    stop = DAYS[profiles["last_day"].to_numpy()[cust]] - pd.Timedelta(days=DEFAULT_DAYS)
    paid = ~((payer == "bad") & (inv["date"].to_numpy() >= stop))
    amount = inv["amount"].to_numpy().copy()
    rows = [pd.DataFrame({"row": np.flatnonzero(paid), "date": pay_date[paid], "amount": amount[paid]})]

    split = paid & (rng.random(len(inv)) < PARTIAL_RATE) & (amount > 1000)
    first_part = np.round(amount[split] * rng.uniform(0.3, 0.7, split.sum()), -2)
    rows[0].loc[split[paid], "amount"] = first_part
    rows.append(
        pd.DataFrame(
            {
                "row": np.flatnonzero(split),
                "date": pay_date[split] + rng.integers(20, 76, split.sum()).astype("timedelta64[D]"),
                "amount": amount[split] - first_part,
            }
        )
    )
    body = pd.concat(rows, ignore_index=True)
    body["over"] = False
    _overpay(rng, body, payer)
    body = body[body["date"] <= END].sort_values(["date", "row"], kind="stable").reset_index(drop=True)
    return _table(rng, body, inv, profiles)


def _delays(rng: np.random.Generator, payer: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Days past the due date: a few days either side for most, one to four months for late payers."""
    normal = np.round(rng.normal(4, 7, len(payer)))
    normal = np.where(terms == 0, np.abs(np.round(rng.normal(0, 2, len(payer)))), np.maximum(normal, -terms))
    late = np.round(25 + rng.gamma(3.0, 22.0, len(payer)))
    return np.where(payer == "normal", normal, late).astype(int)


def _overpay(rng: np.random.Generator, body: pd.DataFrame, payer: np.ndarray) -> None:
    """A couple of receipts round the amount up (the customer paid more than the invoice it quotes)."""
    candidates = np.flatnonzero(
        (payer[body["row"].to_numpy()] == "normal")
        & (body["amount"].to_numpy() > 2000)
        & (body["date"] <= END - pd.Timedelta(days=60)).to_numpy()
    )
    chosen = rng.choice(candidates, min(OVERPAYMENTS, len(candidates)), replace=False)
    body.loc[chosen, "amount"] = np.ceil(body.loc[chosen, "amount"].to_numpy() / 1000) * 1000 + 1000
    body.loc[chosen, "over"] = True


def _table(rng: np.random.Generator, body: pd.DataFrame, inv: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    cust = inv["cust"].to_numpy()[body["row"].to_numpy()]
    amount = body["amount"].to_numpy()
    terms = profiles["terms"].to_numpy()[cust]
    transfer, bill, cash, wechat = METHODS
    draw = rng.random(len(body))
    small = np.where(draw < 0.3, wechat, np.where(draw < 0.5, cash, transfer))
    large = np.where(draw < 0.35, bill, transfer)
    method = np.where(amount >= BILL_MIN, large, np.where((amount < 5000) | (terms == 0), small, transfer))
    blank = (rng.random(len(body)) < profiles["blank_ref"].to_numpy()[cust]) & ~body["over"].to_numpy()
    month = pd.DatetimeIndex(body["date"]).strftime("%Y%m")
    seq = pd.Series(month).groupby(month).cumcount().to_numpy() + 1
    return pd.DataFrame(
        {
            "receipt_no": [f"SK{m}{s:04d}" for m, s in zip(month, seq)],
            "date": body["date"].to_numpy(),
            "customer_id": profiles["customer_id"].to_numpy()[cust],
            "amount": np.round(amount, 2),
            "method": method.astype(object),
            "reference": np.where(blank, None, inv["doc_no"].to_numpy()[body["row"].to_numpy()]),
        }
    )
