"""The demo's year-end gradings (2024, 2025) under the four-level VIP/A/B/C policy.

DOMAIN.md, "The annual grading process": grades follow annual sales, credit and local influence; new
customers stay C until six months of cooperation. Thresholds come from the Settings defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from keyacct_xl.master.settings import Settings

GRADES = ("C", "B", "A", "VIP")
GRADING_DAYS = {2024: pd.Timestamp("2024-12-28"), 2025: pd.Timestamp("2025-12-28")}


def yearly_sales(transactions: pd.DataFrame, customer_ids: pd.Series, year: int) -> np.ndarray:
    """Net sales (after credit notes) of each customer in calendar ``year``."""
    rows = transactions[transactions["date"].dt.year == year]
    return rows.groupby("customer_id")["amount"].sum().reindex(customer_ids, fill_value=0.0).to_numpy()


def sales_grades(sales: np.ndarray, settings: Settings) -> np.ndarray:
    """0-3 (C, B, A, VIP) from annual sales against the Settings thresholds."""
    bounds = [settings.grade_b_min_sales, settings.grade_a_min_sales, settings.grade_vip_min_sales]
    return np.searchsorted(np.array(bounds, dtype=float), sales, side="right")


def credit_grades(
    payer: np.ndarray, stop: pd.DatetimeIndex, when: pd.Timestamp, rng: np.random.Generator
) -> np.ndarray:
    """A pays on time, B is often late but recoverable, C defaults (DOMAIN.md, "Credit")."""
    normal = np.where(rng.random(len(payer)) < 0.08, "B", "A")
    bad_now = (payer == "bad") & (stop <= when)
    return np.select([bad_now, payer != "normal"], ["C", "B"], normal).astype(object)


def policy_grades(sales_level: np.ndarray, credit: np.ndarray) -> np.ndarray:
    """Sales level adjusted by credit: VIP needs credit A; C credit caps at B."""
    level = np.where((sales_level == 3) & (credit != "A"), 2, sales_level)
    return np.where((level >= 2) & (credit == "C"), 1, level)


def lifted_by_the_meeting(
    level: np.ndarray, credit: np.ndarray, influence: np.ndarray, sales: np.ndarray, a_min: float
) -> np.ndarray:
    """The B customers the year-end meeting lifted to A beyond the policy's proposal: strong local influence (5),
    credit A and sales of at least 70 % of A's threshold (DOMAIN.md: the meeting decides the final grade)."""
    return (level == 1) & (influence >= 5) & (sales >= 0.7 * a_min) & (credit == "A")


def grade_years(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    transactions: pd.DataFrame,
    first_trade: pd.Series,
    stop: pd.DatetimeIndex,
    settings: Settings,
    manager: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """GradeHistory rows for 2024 and 2025, and the current grade and credit grade of every customer."""
    ids = profiles["customer_id"]
    a_min = settings.grade_a_min_sales
    new_months = settings.new_customer_months
    influence = profiles["influence"].to_numpy()
    rows = []
    grade_prev = credit_prev = None
    for number, (year, when) in enumerate(GRADING_DAYS.items(), start=1):
        sales = yearly_sales(transactions, ids, year)
        credit = credit_grades(profiles["payer"].to_numpy(), stop, when, rng)
        level = policy_grades(sales_grades(sales, settings), credit)
        new = (first_trade > when - pd.DateOffset(months=new_months)).to_numpy()
        lifted = lifted_by_the_meeting(level, credit, influence, sales, a_min) & ~new
        level = np.where(new, 0, np.where(lifted, 2, level))
        graded = (first_trade <= when).to_numpy()
        after = np.array(GRADES, dtype=object)[level]
        if grade_prev is None or credit_prev is None:  # both are set together, in the first year
            # The 2024 review starts from last year's grades: most unchanged, some one step either way.
            step = rng.choice([-1, 0, 0, 0, 1], len(level))
            grade_prev = np.array(GRADES, dtype=object)[np.clip(level + step, 0, 3)]
            credit_prev = np.where(rng.random(len(level)) < 0.9, credit, "B").astype(object)
        reasons = _reasons(year, sales, after, grade_prev, credit, credit_prev, new, new_months, lifted)
        rows.append(
            pd.DataFrame(
                {
                    "year": year,
                    "customer_id": ids[graded].to_numpy(),
                    "grade_before": grade_prev[graded],
                    "grade_after": after[graded],
                    "credit_before": credit_prev[graded],
                    "credit_after": credit[graded],
                    "reason": reasons[graded],
                    "approved_by": manager,
                    "applied_at": when + pd.Timedelta(days=4),
                    "apply_no": number,  # each year's review one apply
                }
            )
        )
        grade_prev = np.where(graded, after, "C").astype(object)
        credit_prev = np.where(graded, credit, "B").astype(object)
    return pd.concat(rows, ignore_index=True), {"grade": grade_prev, "credit_grade": credit_prev}


def _reasons(
    year: int,
    sales: np.ndarray,
    after: np.ndarray,
    before: np.ndarray,
    credit: np.ndarray,
    credit_before: np.ndarray,
    new: np.ndarray,
    new_months: int,
    lifted: np.ndarray,
) -> np.ndarray:
    """One line per customer saying why the grade is what it is."""
    out = []
    for s, a, b, c, cb, n, up in zip(sales, after, before, credit, credit_before, new, lifted):
        if n:
            out.append(f"新客户，按C类管理，合作满{new_months}个月后评定")
            continue
        text = f"{year}年度销售额¥{s:,.0f}"
        moved = GRADES.index(a) - GRADES.index(b)
        text += f"，由{b}升为{a}" if moved > 0 else f"，由{b}降为{a}" if moved < 0 else f"，维持{a}类"
        if c != cb:
            text += f"；信用等级由{cb}调整为{c}"
        if c == "C":
            text += "（货款逾期未还）"
        if up:
            text += "；按销售额为B类，因当地影响力强（5），评审会议定为A类"
        out.append(text)
    return np.array(out, dtype=object)


def categories(grade: np.ndarray, prospect: np.ndarray) -> np.ndarray:
    """客户类别 from the grade: VIP/A important, B major, C ordinary; no purchases yet: potential."""
    by_grade = np.select([np.isin(grade, ("VIP", "A")), grade == "B"], ["重要客户", "主要客户"], "普通客户")
    return np.where(prospect, "潜在客户", by_grade).astype(object)


def credit_limits(credit: np.ndarray, terms: np.ndarray, monthly_sales: np.ndarray) -> np.ndarray:
    """Credit line sized to the terms and monthly sales: twice the exposure for A, 1.2 times for B, none for C."""
    exposure = monthly_sales * np.maximum(terms, 30) / 30
    limit_a = np.clip(2.0 * exposure, 50_000, 3_000_000)
    limit_b = np.clip(1.2 * exposure, 20_000, 1_000_000)
    limit = np.select([credit == "A", credit == "B"], [limit_a, limit_b], 0.0)
    return np.where(terms == 0, 0.0, np.round(limit, -4))
