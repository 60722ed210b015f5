"""The consolidation step of ``keyacct-xl demo``: a week of submissions from the demo reps, then one run.

Each of four reps sends a visit record and a weekly plan; one sends a competitor report, a quotation and a
card for a new customer. Then what happens in a real week: a corrected visit record sent again (its rows are
updated, the change listed with before and after), the same file sent twice under another name (duplicate), a
colleague's pre-filled form signed by another rep (waits for review), a card for a customer already in the
archive under a slightly different name (probable duplicate), a password-protected file, a truncated file and
a photo.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import random
from pathlib import Path
from unittest import mock

import pandas as pd
from msoffcrypto.format.ooxml import OOXMLFile
from msoffcrypto.method import ecma376_agile
from msoffcrypto.method.container import ecma376_encrypted

from keyacct_xl.consolidate.examples import load_example
from keyacct_xl.consolidate.routes import ROUTES
from keyacct_xl.consolidate.simulate import FIXED_SAVED, blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.consolidate.variants import varied
from keyacct_xl.fileio import atomic_write
from keyacct_xl.forms.demo_step import demo_reps
from keyacct_xl.forms.meta import FormContext
from keyacct_xl.messages import tr

REPS = 4
# The filled examples (templates/examples) use the first customers of each rep; the demo's copies use later ones.
EXAMPLE_CUSTOMERS = 8


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, backup=False) as out:
        out.write(data)


def _week(visits: pd.DataFrame) -> pd.Timestamp:
    """The Monday after the last recorded visit: the week being reported."""
    last = visits["date"].max()
    last = pd.Timestamp("2026-11-16") if pd.isna(last) else pd.Timestamp(last)
    return (last + pd.Timedelta(days=7 - last.weekday())).normalize()


def _visits(rng: random.Random, customers: list[str], monday: pd.Timestamp) -> list[dict]:
    picks = rng.sample(customers, min(len(customers), rng.randint(5, 8)))
    methods, ratings, topics = ["面谈", "电话", "微信/QQ"], ["优秀", "良好", "一般"], ["库存", "回款", "新品"]
    return [
        {
            "date": (monday + pd.Timedelta(days=i % 5)).to_pydatetime(),
            "customer_id": cid,
            "method": rng.choice(methods),
            "purpose": "回访",
            "content": f"了解{rng.choice(topics)}情况",
            "rating": rng.choice(ratings),
        }
        for i, cid in enumerate(picks)
    ]


def _plan(customers: list[str], monday: pd.Timestamp) -> list[dict]:
    days = ["周一", "周二", "周三", "周四", "周五"]
    return [
        {
            "day": days[i % 5],
            "date": (monday + pd.Timedelta(days=i % 5)).to_pydatetime(),
            "activity": "拜访",
            "customer_id": cid,
            "goal": "维护关系，了解需求",
        }
        for i, cid in enumerate(customers[:5])
    ]


def _submissions(master_path: Path, inbox: Path, seed: int) -> pd.Timestamp:
    store = load_store(master_path)
    customers = store.frame("Customers")
    reps = demo_reps(customers, REPS)
    monday = _week(store.frame("Visits"))
    year, week, _ = monday.isocalendar()
    period, rng = f"{year}-W{week:02d}", random.Random(seed)
    own = {r: sorted(customers.loc[customers["rep"] == r, "customer_id"].astype(str)) for r in reps}
    for i, rep in enumerate(reps):
        header = {"rep": rep, "period": period, "fill_date": (monday + pd.Timedelta(days=4)).to_pydatetime()}
        visits = _visits(rng, own[rep], monday)
        if i == 1:  # a typo'd date: that line is rejected and reported, the others are taken
            visits.append({**visits[0], "date": "11月31日"})
        _write(
            inbox / rep / f"回访记录_{period}.xlsx",
            fill_form(blank_form("visit_record"), header=header, rows={"visits": visits}),
        )
        _write(
            inbox / rep / f"周计划_{period}.xlsx",
            fill_form(blank_form("weekly_plan"), header=header, rows={"plan": _plan(own[rep], monday)}),
        )
        if i == 0:  # a corrected visit record sent on Saturday, and the first one again under another name
            later = {**header, "fill_date": (monday + pd.Timedelta(days=5)).to_pydatetime()}
            fixed = [{**visits[0], "content": f"{visits[0]['content']}；补记：客户要求下周送样"}, *visits[1:]]
            _write(
                inbox / rep / f"回访记录_{period}_更正.xlsx",
                fill_form(blank_form("visit_record"), header=later, rows={"visits": fixed}),
            )
            _write(inbox / rep / "副本 回访记录.xlsx", (inbox / rep / f"回访记录_{period}.xlsx").read_bytes())
    colleague = {"rep": reps[1], "period": period}  # filled in on the form made for reps[0]
    _write(
        inbox / reps[1] / "同事的回访记录.xlsx",
        fill_form(
            blank_form("visit_record", context=FormContext(rep=reps[0], period=period)),
            header=colleague,
            rows={"visits": _visits(rng, own[reps[1]], monday)[:2]},
        ),
    )
    rep, first = reps[0], own[reps[0]][0]
    base = {"rep": rep, "fill_date": monday.to_pydatetime()}
    _write(
        inbox / rep / "竞品月报.xlsx",
        fill_form(
            blank_form("competitor_report"),
            header={
                **base,
                "period": f"{monday.year}-{monday.month:02d}",
                "city": "广州",
                "product_category": "润滑油",
            },
            rows={
                "competitors": [
                    {
                        "competitor": "长城润滑油",
                        "product": "46# 抗磨液压油",
                        "price": "¥1,780",
                        "promotion": "买十送一",
                    }
                ]
            },
        ),
    )
    _write(
        inbox / rep / "报价单.xlsx",
        fill_form(
            blank_form("quotation"),
            header={
                **base,
                "quote_no": f"Q{year}{week:02d}-01",
                "quote_date": monday.to_pydatetime(),
                "customer_id": first,
                "quoted_by": rep,
            },
            rows={"items": [{"product": "46# 抗磨液压油", "pack": "200L", "qty": 4, "unit_price": 1850}]},
        ),
    )
    _write(
        inbox / rep / "新客户资料卡.xlsx",
        fill_form(
            blank_form("customer_card"),
            header={
                **base,
                "customer_id": f"N{year}{week:02d}01",
                "name": "中山市美佳日用品有限公司",
                "city": "中山",
                "phone": "0760-88881111",
            },
            rows={"contacts": [{"name": "陈经理", "title": "采购经理"}]},
        ),
    )
    known = customers.iloc[0]
    _write(
        inbox / reps[1] / "客户资料卡_疑似重复.xlsx",
        fill_form(
            blank_form("customer_card"),
            header={
                "rep": reps[1],
                "customer_id": f"N{year}{week:02d}02",
                "name": str(known["name"]).replace("有限责任公司", "有限公司"),
                "city": "广州",
            },
        ),
    )
    _write(inbox / reps[2] / "加密的回访记录.xlsx", _locked((inbox / rep / "竞品月报.xlsx").read_bytes(), seed))
    _write(inbox / reps[3] / "传了一半.xlsx", (inbox / reps[3] / f"周计划_{period}.xlsx").read_bytes()[:5000])
    _write(inbox / reps[3] / "拜访照片.jpg", b"\xff\xd8\xff\xe0 not really a photo")
    _every_form(inbox, reps, own, dict(zip(customers["customer_id"].astype(str), customers["name"].astype(str))))
    return monday


def _every_form(inbox: Path, reps: list[str], own: dict[str, list[str]], names: dict[str, str]) -> None:
    """One filled copy of every input form, sent by the demo reps in turn about customers of their own.

    A copy never comes from the example's own rep: two files of one rep and period would be read as one
    submission and its correction, and the tests send the example itself into the demo master.
    """
    for i, form_id in enumerate(sorted(ROUTES)):
        example = load_example(form_id)
        others = [r for r in reps if r != example.header.get("rep")]  # the example's own rep sends it in the tests
        rep = others[i % len(others)]
        mine = own[rep][EXAMPLE_CUSTOMERS:] or own[rep]
        customers = [(c, names[c]) for c in (mine[(3 * i + k) % len(mine)] for k in range(4))]
        # The examples are dated in a week after the demo's data ends; a year earlier, what they record has happened
        # by the demo's consolidation day (a visit dated ahead of it is refused as not yet made).
        example = varied(
            example,
            i + 1,
            rep=rep,
            customers=customers,
            new_customer=ROUTES[form_id].header_table == "Customers",
            years_back=1,
        )
        _write(inbox / rep / f"示例_{form_id}.xlsx", example.workbook())


class _SavedAtFixedTime(dt.datetime):
    """The clock msoffcrypto stamps its container with, stopped at the time the demo's files say they were saved."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _SavedAtFixedTime:
        return cls.fromisoformat(FIXED_SAVED.decode().rstrip("Z"))


def _locked(workbook: bytes, seed: int) -> bytes:
    """``workbook`` saved with an open password, the same bytes on every run: msoffcrypto draws its key, salts and
    verifier from ``secrets`` and stamps the container with the clock; the demo hands it a seeded source and a
    stopped clock instead, so its files (and their hashes in the consolidation report) repeat. Those are msoffcrypto's
    internals: a version without them encrypts as it will (the demo's reproducibility test then says so)."""
    locked = io.BytesIO()
    seedable = hasattr(ecma376_agile, "_random_buffer") and hasattr(ecma376_encrypted, "datetime")
    with contextlib.ExitStack() as patches:
        if seedable:
            patches.enter_context(mock.patch.object(ecma376_agile, "_random_buffer", random.Random(seed).randbytes))
            patches.enter_context(mock.patch.object(ecma376_encrypted, "datetime", _SavedAtFixedTime))
        OOXMLFile(io.BytesIO(workbook)).encrypt("123456", locked)
    return locked.getvalue()


def consolidation_demo(master_path: Path, out_dir: Path, args: argparse.Namespace) -> list[str]:
    """Write a week of submissions under out/submissions, consolidate them, write the report."""
    inbox = out_dir / "submissions"
    monday = _submissions(master_path, inbox, args.seed)
    now = (monday + pd.Timedelta(days=5, hours=18)).isoformat(sep=" ")
    run = run_consolidation(
        inbox,
        master_path,
        lang=args.lang,
        report_dir=out_dir,
        replace_same_run=True,
        quarantine_dir=out_dir / "quarantine",
        now=now,
    )
    return [tr(args.lang, "consolidation: {summary} → {report}", summary=run.summary(args.lang), report=run.report)]
