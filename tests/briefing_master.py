"""A hand-built master for the monthly pack and the fact sheet: six customers, every figure countable by hand.

The report month is 2026-10. K1 (VIP) and K2 (A) are 张三's, K3 (B), K4 (A) and K5 (C) 李四's, K6 王五's.
K2 was lost in 2026-03 (last purchase 2025-03) and buys again in October, as does K6 (last purchase 2024-05);
K4 last bought in 2025-10 and is lost in 2026-10; K5 buys for the first time in October; K7 never bought.
Each rep hands in a weekly plan every Monday and the next month's plan by the 25th (Settings rep_forms): in October
张三 hands in all five on time, 李四 the first weekly plan on time and the second two days late, 王五 nothing that
was accepted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from keyacct_xl.forms.catalog import load_form
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.schema import (
    CONTACTS,
    CUSTOMERS,
    GRADE_HISTORY,
    OPPORTUNITIES,
    PAYMENTS,
    TRANSACTIONS,
    VISITS,
    TableSchema,
)
from keyacct_xl.master.settings import settings_from
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES as TABLES
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.master.writer import save_master, write_tables

d = pd.Timestamp


def frame(schema: TableSchema, rows: list[dict]) -> pd.DataFrame:
    """Rows as the master's frame of ``schema`` (every column, typed)."""
    return pd.DataFrame(rows, columns=schema.keys).astype({c.key: dtype_for(c.kind) for c in schema.columns})


def _customer(cid: str, name: str, region: str, grade: str, rep: str, **more: object) -> dict:
    return {"customer_id": cid, "name": name, "region": region, "grade": grade, "rep": rep, **more}


CUSTOMER_ROWS = [
    _customer("K1", "甲商贸", "华东", "VIP", "张三", credit_limit=1000.0, payment_terms_days=30, category="经销商"),
    _customer("K2", "乙超市", "华东", "A", "张三", credit_limit=5000.0, category="零售"),
    _customer("K3", "丙公司", "华北", "B", "李四", category="经销商"),
    _customer("K4", "丁商店", "华北", "A", "李四", credit_limit=500.0, category="零售"),
    _customer("K5", "戊批发", "华北", "C", "李四", category="经销商"),
    _customer("K6", "己百货", "华南", "C", "王五", category="零售"),
    _customer("K7", "庚新店", "华南", "C", "王五", category="零售"),
]


def _sale(doc: str, date: str, cid: str, amount: float, category: str, rep: str | None = None) -> dict:
    return {"doc_no": doc, "date": d(date), "customer_id": cid, "amount": amount, "category": category, "rep": rep}


SALES_ROWS = [
    _sale("S01", "2025-10-10", "K1", 800.0, "饮料", "张三"),
    _sale("S02", "2026-01-15", "K1", 1000.0, "饮料", "张三"),
    _sale("S03", "2026-09-20", "K1", 500.0, "食品", "张三"),
    _sale("S04", "2026-10-01", "K1", 1200.0, "饮料", "张三"),  # 30 days before 10-31: not a recent buyer by this
    _sale("S05", "2025-03-01", "K2", 2000.0, "食品"),
    _sale("S06", "2026-10-20", "K2", 600.0, "食品"),  # no rep on the line: the customer's (张三)
    _sale("S07", "2026-10-25", "K2", -100.0, "食品"),  # a return, a credit note
    _sale("S08", "2026-02-10", "K3", 3000.0, "食品", "李四"),
    _sale("S09", "2026-10-31", "K3", 400.0, "饮料", "李四"),
    _sale("S10", "2025-10-15", "K4", 700.0, "饮料", "李四"),
    _sale("S11", "2026-10-28", "K5", 900.0, "饮料", "李四"),
    _sale("S12", "2024-05-05", "K6", 300.0, "食品", "王五"),
    _sale("S13", "2026-10-12", "K6", 250.0, "食品", "王五"),
    _sale("S14", "2026-11-02", "K1", 5000.0, "饮料", "张三"),  # after the month: in no figure of October
]


REP_FORMS = "weekly_plan,monthly_plan"


def handed(form: str, period: str, at: str, rep: str, status: str = "已接收") -> dict:
    """A consolidation ledger row as the zh master shows it: the form by its title, the status by its label."""
    return {
        "file_sha256": f"{rep}{form}{period}{at}",
        "file_name": f"{rep}/{form}_{period}.xlsx",
        "form": load_form(form).title.zh,
        "rep": rep,
        "period": period,
        "key": period,
        "status": status,
        "consolidated_at": at,
    }


LEDGER_ROWS = [
    # the first consolidation, in August 2025: the reports due from then on are looked for
    handed("monthly_plan", "2025-09", "2025-08-22 17:00:00", "张三"),
    # 张三: the weekly plans of W41..W44 on their Mondays, November's monthly plan before 10-25
    *(handed("weekly_plan", f"2026-W{41 + k}", f"2026-10-{5 + 7 * k:02d} 09:00:00", "张三") for k in range(4)),
    handed("monthly_plan", "2026-11", "2026-10-23 17:00:00", "张三"),
    handed("weekly_plan", "2026-W41", "2026-10-05 10:00:00", "李四"),
    handed("weekly_plan", "2026-W42", "2026-10-14 10:00:00", "李四"),  # due Monday 10-12: two days late
    handed("weekly_plan", "2026-W41", "2026-10-05 11:00:00", "王五", status="拒收"),  # rejected: not handed in
]


def hand_master(tmp_path: Path) -> Path:
    """The master on disk, with SalesTargets, Complaints, Quotations, AccountPlanActions and the consolidation
    ledger."""
    master = Master.empty(settings=settings_from({"rep_forms": REP_FORMS}))
    master.customers = frame(CUSTOMERS, CUSTOMER_ROWS)
    master.transactions = frame(TRANSACTIONS, SALES_ROWS)
    master.payments = frame(
        PAYMENTS,
        [
            {"receipt_no": "P1", "date": d("2025-11-01"), "customer_id": "K1", "amount": 800.0},
            {"receipt_no": "P2", "date": d("2026-10-05"), "customer_id": "K1", "amount": 1000.0},
            {"receipt_no": "P3", "date": d("2025-04-01"), "customer_id": "K2", "amount": 2000.0},
            {"receipt_no": "P4", "date": d("2024-06-01"), "customer_id": "K6", "amount": 300.0},
        ],
    )
    master.visits = frame(
        VISITS,
        [
            {"date": d("2026-10-06"), "customer_id": "K1", "rep": "张三", "method": "面谈", "result": "续约意向"},
            {"date": d("2026-10-07"), "customer_id": "K2", "rep": "张三", "method": "电话"},
            {"date": d("2026-08-01"), "customer_id": "K4", "rep": "李四", "method": "面谈"},
            {"date": d("2026-07-01"), "customer_id": "K1", "rep": "张三", "method": "面谈", "result": "报价"},
        ],
    )
    master.opportunities = frame(
        OPPORTUNITIES,
        [
            {
                "opportunity_id": "O1",
                "customer_id": "K1",
                "stage": "洽谈",
                "expected_amount": 1000.0,
                "probability": 0.5,
            },
            {
                "opportunity_id": "O2",
                "customer_id": "K2",
                "stage": "洽谈",
                "expected_amount": 2000.0,
                "probability": 0.5,
                "weighted_amount": 900.0,
            },
            {
                "opportunity_id": "O3",
                "customer_id": "K3",
                "stage": "初步接触",
                "expected_amount": 3000.0,
                "probability": 0.1,
            },
        ],
    )
    master.contacts = frame(
        CONTACTS,
        [
            {"customer_id": "K1", "contact_id": "L1", "name": "赵经理", "title": "采购经理", "active": "是"},
            {"customer_id": "K1", "contact_id": "L2", "name": "钱总", "title": "总经理", "active": "否"},
        ],
    )
    master.grade_history = frame(
        GRADE_HISTORY,
        [{"year": 2025, "customer_id": "K1", "grade_before": "A", "grade_after": "VIP", "reason": "年度销售额达标"}],
    )
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    tables = {
        TABLES["SalesTargets"]: frame(
            TABLES["SalesTargets"],
            [
                {"rep": "张三", "year": 2026, "month": "2026-10", "amount": 2000.0},
                {"rep": "张三", "year": 2026, "month": "2026-09", "amount": 1000.0},
                {"rep": "李四", "year": 2026, "month": "2026-10", "amount": 1500.0},
            ],
        ),
        TABLES["Complaints"]: frame(
            TABLES["Complaints"],
            [
                {
                    "complaint_no": "T1",
                    "received_date": d("2026-10-10"),
                    "customer_id": "K1",
                    "contained_date": d("2026-10-10"),
                    "closed_date": d("2026-10-15"),
                },
                {
                    "complaint_no": "T2",
                    "received_date": d("2026-10-28"),
                    "customer_id": "K3",
                    "contained_date": d("2026-10-28"),
                },
                {"complaint_no": "T3", "received_date": d("2026-09-01"), "customer_id": "K1"},
                {"complaint_no": "T4", "received_date": d("2026-11-03"), "customer_id": "K2"},
            ],
        ),
        TABLES["Quotations"]: frame(
            TABLES["Quotations"],
            [
                {"quote_no": "Q1", "quote_date": d("2026-10-08"), "valid_until": d("2026-11-30"), "customer_id": "K1"},
                {"quote_no": "Q2", "quote_date": d("2026-05-08"), "valid_until": d("2026-06-30"), "customer_id": "K1"},
            ],
        ),
        TABLES["AccountPlanActions"]: frame(
            TABLES["AccountPlanActions"],
            [
                {"customer_id": "K1", "year": 2026, "action": "季度业务回顾", "due_date": d("2026-12-15")},
                {"customer_id": "K1", "year": 2026, "action": "新品进店", "status": "已完成"},
            ],
        ),
        LEDGER: frame(LEDGER, LEDGER_ROWS),
    }
    write_tables(path, tables, lang="zh", backup=False)
    return path
