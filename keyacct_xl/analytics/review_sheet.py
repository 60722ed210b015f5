"""The review sheet inside the master (table ``GradeReview``): written for the meeting, read back to apply.

The sheet's headers are localized; reading accepts either language and the canonical keys, so a sheet
written in zh can be applied by a colleague running in en.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as calamine

from keyacct_xl.analytics.apply import PLAN_COLUMNS, Applied, apply_review, grade_entry, one_year
from keyacct_xl.analytics.history import credit_apply_reason, credit_undo_reason, written_by
from keyacct_xl.analytics.policy import load_grading_policy
from keyacct_xl.analytics.review import REVIEW_COLUMNS
from keyacct_xl.analytics.undo_grades import GradesUndone, undo_year
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import master_write_lock
from keyacct_xl.i18n import Lang
from keyacct_xl.labels import document_values
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import Column, ColumnKind, TableSchema
from keyacct_xl.master.settings import Settings, inside_folder, master_folder
from keyacct_xl.master.shipped import shipped_code, shipped_policies, shipped_title
from keyacct_xl.master.writer import save_master, write_tables
from keyacct_xl.messages import Pair, listing, msg
from keyacct_xl.parsing import is_blank
from keyacct_xl.tablefile import Locate, read_located_table, read_table_file

_SPEC: dict[str, tuple[str, str, ColumnKind, int]] = {
    "year": ("评级年度", "Year", "int", 6),
    "policy": ("评级政策", "Policy", "text", 14),
    "customer_id": ("客户编号", "Customer ID", "text", 11),
    "name": ("客户名称", "Customer Name", "text", 24),
    "region": ("区域", "Region", "text", 8),
    "rep": ("业务员", "Sales Rep", "text", 9),
    "annual_sales": ("年度销售额", "Annual Sales", "money", 14),
    "prior_year_sales": ("上年销售额", "Prior-Year Sales", "money", 14),
    "growth": ("增长率", "Growth", "percent", 8),
    "gross_margin": ("毛利率", "Gross Margin", "percent", 8),
    "on_time_rate": ("按时付款率", "On-Time Rate", "percent", 8),
    "collection_rate": ("货款回收率", "Collection Rate", "percent", 8),
    "price_index": ("价格指数", "Price Index", "number", 8),
    "influence": ("当地影响力", "Influence", "number", 7),
    "visit_rating": ("回访评价", "Visit Rating", "number", 7),
    "months_as_customer": ("合作月数", "Months as Customer", "int", 7),
    "composite_score": ("综合得分", "Composite Score", "number", 8),
    "current_credit_grade": ("原信用等级", "Current Credit Grade", "text", 7),
    "credit_grade": ("建议信用等级", "Proposed Credit Grade", "text", 7),
    "credit_limit": ("建议信用额度", "Suggested Credit Limit", "money", 14),
    "supervisor": ("区域主管", "Regional Supervisor", "text", 8),
    "supervisor_grade": ("主管建议等级", "Supervisor's Grade", "text", 7),
    "supervisor_credit_grade": ("主管建议信用等级", "Supervisor's Credit Grade", "text", 7),
    "supervisor_limit": ("主管建议额度", "Supervisor's Credit Limit", "money", 14),
    "current_grade": ("原等级", "Current Grade", "text", 7),
    "proposed_grade": ("建议等级", "Proposed Grade", "text", 7),
    "change": ("变动", "Change", "text", 7),
    "upgrade_candidate": ("升级候选", "Upgrade Candidate", "text", 7),
    "new_customer": ("新客户", "New Customer", "text", 7),
    "reasons": ("评级依据", "Reasons", "text", 60),
    "credit_reason": ("信用依据", "Credit Reason", "text", 40),
    "review_due": ("复评日期", "Review Due", "date", 11),
    "upgrade_plan": ("升级计划", "Upgrade Plan", "text", 20),
    "support_plan": ("扶持计划", "Support Plan", "text", 20),
    "final_grade": ("最终等级", "Final Grade", "text", 7),
    "final_credit_grade": ("最终信用等级", "Final Credit Grade", "text", 7),
    "comment": ("会议意见", "Comment", "text", 30),
}
GRADE_REVIEW = TableSchema(
    "GradeReview",
    "grade_review",
    "评级审核",
    "Grade Review",
    tuple(Column(k, *_SPEC[k][:3], width=_SPEC[k][3]) for k in REVIEW_COLUMNS),
    required=False,
)
_SHEET = Pair(GRADE_REVIEW.sheet_en, GRADE_REVIEW.sheet_zh)  # named in the run's language where it is not found


def write_review_sheet(path: str | Path, table: pd.DataFrame, *, lang: Lang) -> int:
    """Write (or replace) the GradeReview table in the master at ``path``; other parts keep their bytes.

    Decisions already typed into a previous review of the same year (final grades, comment) are carried over,
    so re-running ``grade`` after a data fix does not erase the meeting's work. Returns how many rows kept one.
    """
    frame = table[REVIEW_COLUMNS].copy()
    # a shipped policy by its title, as the documents print it (grade apply reads a title back as the policy); the
    # path of a policy file of one's own as it is
    shipped = shipped_policies("grading")
    frame["policy"] = [shipped_title(shipped, p, lang) or p for p in frame["policy"].tolist()]
    with master_write_lock(Path(path)):  # the decisions carried over are the ones in the file replaced
        kept = _carry_decisions(path, frame)
        # flags as 是/否 and the change as 升级/不变/… in the master's language: a sheet read in the meeting
        write_tables(path, {GRADE_REVIEW: document_values(frame, lang)}, lang=lang)
    return kept


_DECISIONS = ("final_grade", "final_credit_grade", "upgrade_plan", "support_plan", "comment")


def _carry_decisions(path: str | Path, frame: pd.DataFrame) -> int:
    if GRADE_REVIEW.name not in calamine.CalamineWorkbook.from_path(str(path), load_tables=True).table_names:
        return 0
    try:
        old = read_table_file(path, GRADE_REVIEW.columns, table=GRADE_REVIEW.name)
    except InputError:
        return 0  # an empty or damaged old review holds no decisions worth keeping; it is replaced
    years = old["year"].astype("Float64").astype("float64")
    _refuse_pending_decisions(path, old[years != float(frame["year"].iloc[0])], int(frame["year"].iloc[0]))
    old = old[years == float(frame["year"].iloc[0])]
    old = old.dropna(how="all", subset=list(_DECISIONS)).drop_duplicates("customer_id").set_index("customer_id")
    ids = frame["customer_id"].astype(str)
    for column in _DECISIONS:
        # A row without an earlier entry keeps what the review proposes (the plans held in Customers, else blank).
        frame[column] = ids.map(old[column]).astype(object).where(ids.isin(old.index), frame[column]).to_numpy()
    return int(ids.isin(old.index).sum())


def _refuse_pending_decisions(path: str | Path, other: pd.DataFrame, year: int) -> None:
    """Refuse to replace a review of another year while it holds meeting decisions not yet applied: a final grade
    or credit grade that GradeHistory does not hold for that year, a comment on a customer without that year's
    GradeHistory row, a plan Customers does not hold. Those entries exist nowhere else; replacing the sheet would
    drop them silently."""
    other = other.dropna(how="all", subset=list(_DECISIONS))
    if other.empty:
        return
    master = load_master(path, history=False)  # GradeHistory and Customers: no archived lines needed
    history = master.grade_history.dropna(subset=["year"])
    # Rows credit apply (or its undo) wrote hold no meeting decision: a comment beside them is still pending.
    by_credit = written_by(history, credit_apply_reason) | written_by(history, credit_undo_reason)
    history = history[~by_credit].drop_duplicates(["year", "customer_id"], keep="last")
    recorded = {
        (int(h.year), str(h.customer_id)): {"grade_after": h.grade_after, "credit_after": h.credit_after}
        for h in history.itertuples()
    }
    columns = [c for c in PLAN_COLUMNS if c in master.customers.columns]
    plans = {str(c["customer_id"]): c for c in master.customers[["customer_id", *columns]].to_dict("records")}
    pending = sorted({str(row.customer_id) for row in other.itertuples() if _pending(row, recorded, plans)})
    if pending:
        old_year = int(float(other["year"].dropna().iloc[0]))
        raise InputError(
            msg(
                "{path}: the grading review of {old_year} holds the meeting's decisions for {count:,} customer(s) "
                "not yet applied ({shown}); run keyacct-xl grade apply first, or write the {year} review to a file "
                "with --out",
                path=path,
                old_year=old_year,
                count=len(pending),
                shown=", ".join(pending[:10]),
                year=year,
            )
        )


def _entry(value: object) -> str | None:
    return None if is_blank(value) else str(value).strip()


def _pending(row: Any, recorded: dict[tuple[int, str], dict[str, Any]], plans: dict[str, dict[str, Any]]) -> bool:
    """Whether the review row's decisions are held nowhere but the sheet."""
    key = (int(float(row.year)), str(row.customer_id))
    decided = recorded.get(key)
    for final, after in (("final_grade", "grade_after"), ("final_credit_grade", "credit_after")):
        typed = _entry(getattr(row, final))
        applied = None if decided is None else _entry(decided[after])
        # an entry the apply read as the grade it recorded (A类 as A) is that decision, not a pending one
        if typed is not None and (applied is None or grade_entry(typed, (applied,)) != applied):
            return True
    if _entry(row.comment) is not None and decided is None:
        return True
    held = plans.get(key[1], {})
    return any(_entry(getattr(row, column)) not in (None, _entry(held.get(column))) for column in PLAN_COLUMNS)


def read_review_sheet(path: str | Path) -> pd.DataFrame:
    """The GradeReview table of the master at ``path``; an error says to run ``grade`` first when absent."""
    return located_review(path)[0]


def located_review(path: str | Path) -> tuple[pd.DataFrame, Locate]:
    """``read_review_sheet``, and where each of its values is in the sheet (to name a refused entry's cell)."""
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    if GRADE_REVIEW.name not in book.table_names:
        raise InputError(
            msg("{path}: no grading review (sheet {sheet}); run keyacct-xl grade first", path=path, sheet=_SHEET)
        )
    return read_located_table(
        path, GRADE_REVIEW.columns, table=GRADE_REVIEW.name, required=("year", "customer_id", "proposed_grade")
    )


def _check_year(review: pd.DataFrame, path: str | Path, year: int | None) -> None:
    """Refuse a year the caller named that is not the review's: applying or undoing another year than asked for
    would change Customers silently."""
    found = sorted(int(y) for y in review["year"].dropna().unique())
    if year is not None and found != [year]:
        raise InputError(
            msg(
                "{path}: the grading review (sheet {sheet}) is of {found}, not {year}; run keyacct-xl grade --year "
                "{year} first",
                path=path,
                sheet=_SHEET,
                found=listing(found),
                year=year,
            )
        )


def _review_policy(review: pd.DataFrame, locate: Locate, path: Path, settings: Settings) -> str:
    """The policy the review was made with, to load: a shipped one by code or title, or a policy file in the master's
    folder or a folder inside it, as the Settings may name one (else the Settings' own). The review is a sheet people
    type into: a file elsewhere (``\\\\host\\share\\p.yaml``, another folder) is refused naming the cell, never
    opened."""
    named = [(row, str(v).strip()) for row, v in enumerate(review["policy"].tolist()) if not is_blank(v)]
    if not named:
        return settings.policy("grading_policy")
    row, name = named[0]
    code = shipped_code(shipped_policies("grading"), name)
    if code is not None:
        return code
    folder = master_folder(path)
    file = folder / name  # a relative path from the master's folder; an absolute one as it is
    if file.suffix.lower() in (".yaml", ".yml") and inside_folder(file, folder):
        return str(file)
    raise InputError(
        msg(
            "{where}: {value!r} is neither a shipped policy ({names}) nor a policy file (.yaml) in the master's "
            "folder {folder}; it is not opened. Put the policy file in that folder and run keyacct-xl grade again "
            "(the decisions typed are kept)",
            where=locate(row, "policy"),
            value=name,
            names=listing(s.code for s in shipped_policies("grading")),
            folder=folder,
        )
    )


def apply_review_sheet(
    path: str | Path, *, approved_by: str | None, applied_at: pd.Timestamp, year: int | None = None
) -> Applied:
    """``grade apply`` and the "Apply approved grades" button: the review sheet in the master at ``path``
    applied to that master under the policy the review was made with (else Settings grading_policy), saved
    only when something changed; ``year``, when given, must be the review's."""
    with master_write_lock(Path(path)):  # no other run may change Customers between reading and saving
        review, locate = located_review(path)
        _check_year(review, path, year)
        master = load_master(path)
        policy = load_grading_policy(_review_policy(review, locate, Path(path), master.settings))
        applied = apply_review(
            master, review, grades=policy.grades, approved_by=approved_by, applied_at=applied_at, locate=locate
        )
        if applied.tables:
            save_master(master, path, tables=list(applied.tables))
    return applied


def undo_review_sheet(
    path: str | Path, *, approved_by: str | None, applied_at: pd.Timestamp, year: int | None = None
) -> GradesUndone:
    """``grade apply --undo``: the grades, credit grades, limits and terms the review year's last apply wrote, taken
    back out of the master at ``path`` where they still hold (saved only when something changed, with a backup);
    ``year``, when given, must be the review's."""
    with master_write_lock(Path(path)):  # no other run may change Customers between reading and saving
        review, locate = located_review(path)
        _check_year(review, path, year)
        master = load_master(path)
        undone = undo_year(master, one_year(review, locate), approved_by=approved_by, applied_at=applied_at)
        if undone.tables:
            save_master(master, path, tables=list(undone.tables))
    return undone
