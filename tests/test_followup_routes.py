"""客户路序: tours on hand-built points whose optimal tour is known, districts from addresses, assign and apply."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from keyacct_xl.cli.main import main
from keyacct_xl.errors import InputError
from keyacct_xl.followup.route_review import read_route_review, review_name
from keyacct_xl.followup.routes import (
    distance_matrix,
    district_from_address,
    nearest_neighbour,
    propose_routes,
    short_tour,
    tour_length,
)
from keyacct_xl.master.model import Master, dtype_for
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.schema import CUSTOMERS
from keyacct_xl.master.writer import save_master


def test_grid_tour_within_ten_percent_of_the_optimum() -> None:
    # A 6 x 6 grid of unit spacing: an optimal round trip has 36 legs of length 1 (even side: a boustrophedon).
    points = np.array([(x, y) for x in range(6) for y in range(6)], dtype=float)
    points = points[np.random.default_rng(7).permutation(len(points))]
    distances = distance_matrix(points, spherical=False)
    order = short_tour(distances)
    assert sorted(order) == list(range(36))
    assert tour_length(distances, order) <= 36 * 1.10
    # 2-opt is what brings it there: nearest neighbour alone is longer on this set
    assert tour_length(distances, order) < tour_length(distances, nearest_neighbour(distances))


def _circle_customers(count: int, seed: int) -> tuple[pd.DataFrame, list[str]]:
    """Customers on a circle of ~5 km around Suzhou, shuffled: the optimal tour goes round the circle."""
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    ids = [f"R{i:02d}" for i in range(count)]
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"客户{i}" for i in range(count)],
            "rep": "张三",
            "region": "华东",
            "city": "苏州",
            "address": None,
            "route_seq": pd.NA,
            "latitude": 31.30 + 0.045 * np.sin(angles),
            "longitude": 120.60 + 0.053 * np.cos(angles),
        }
    )
    shuffled = frame.iloc[np.random.default_rng(seed).permutation(count)].reset_index(drop=True)
    return shuffled, ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_route_on_a_circle_within_ten_percent_of_the_optimal_tour(seed: int) -> None:
    customers, optimal = _circle_customers(24, seed)
    routes = propose_routes(customers)
    assert routes["proposed_seq"].tolist() == list(range(1, 25))
    points = customers.set_index("customer_id")[["latitude", "longitude"]]
    distances = distance_matrix(points.loc[optimal].to_numpy(), spherical=True)
    best = tour_length(distances, list(range(24)))
    chosen = [optimal.index(c) for c in routes["customer_id"]]
    assert tour_length(distances, chosen) <= best * 1.10
    # the legs shown in the review add up to the open route (the closing leg is the one left out)
    assert routes["leg_km"].iloc[0] == 0 and routes["leg_km"].sum() == pytest.approx(
        tour_length(distances, chosen, closed=False), abs=0.01
    )


def test_district_from_the_address() -> None:
    assert district_from_address("江苏省苏州市吴中区人民路12号", "苏州") == "吴中区"
    assert district_from_address("上海市浦东新区建设路267号", "上海") == "浦东新区"
    assert district_from_address("广东省东莞市长安镇工业大道8号", "东莞") == "长安镇"
    assert district_from_address("广东省东莞市松山湖科技路1号", "东莞") is None
    assert district_from_address(None, "苏州") is None


def _master() -> Master:
    master = Master.empty()
    rows = [
        {
            "customer_id": "C1",
            "name": "甲",
            "rep": "张三",
            "region": "华东",
            "city": "苏州",
            "address": "江苏省苏州市相城区人民路1号",
            "route_seq": 1,
        },
        {
            "customer_id": "C2",
            "name": "乙",
            "rep": "张三",
            "region": "华东",
            "city": "苏州",
            "address": "江苏省苏州市吴中区长江路5号",
            "route_seq": 2,
        },
        {
            "customer_id": "C3",
            "name": "丙",
            "rep": "张三",
            "region": "华东",
            "city": "无锡",
            "address": "江苏省无锡市新吴区长江路5号",
            "route_seq": 1,
        },
        {
            "customer_id": "C4",
            "name": "丁",
            "rep": "李四",
            "region": "华东",
            "city": "苏州",
            "address": "江苏省苏州市吴中区黄河路9号",
            "route_seq": 3,
        },
    ]
    master.customers = pd.DataFrame(rows, columns=CUSTOMERS.keys).astype(
        {c.key: dtype_for(c.kind) for c in CUSTOMERS.columns}
    )
    return master


def test_without_coordinates_by_district_and_address_per_rep_and_city() -> None:
    routes = propose_routes(_master().customers)
    assert routes[["customer_id", "district", "proposed_seq"]].values.tolist() == [
        ["C3", "新吴区", 1],
        ["C2", "吴中区", 1],
        ["C1", "相城区", 2],
        ["C4", "吴中区", 1],
    ]


def _chosen_cells(ws) -> dict[str, object]:
    """The review's Chosen Route Seq cell of each customer (the rows of the table under the title block)."""
    top = _header_row(ws)
    return {ws.cell(r, 1).value: ws.cell(r, 10) for r in range(top + 1, ws.max_row + 1) if ws.cell(r, 1).value}


def _header_row(ws) -> int:
    return range_boundaries(ws.tables["RouteReview"].ref)[1]


def test_assign_then_apply_writes_route_seq_with_a_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    before = load_master(path).customers
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    assert "客户路序建议：3 个客户，2 条路线，2 个路序有变" in capsys.readouterr().out
    en = tmp_path / "routes_en.xlsx"
    assert main(["routes", "assign", str(path), "--rep", "张三", "--lang", "en", "--out", str(en)]) == 0
    # the en line names the change in words, not by the column's key
    assert "route proposal: 3 customers, 2 routes, 2 with a new route order;" in capsys.readouterr().out
    book = openpyxl.load_workbook(review)
    ws = book.worksheets[0]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    header = [c.value for c in ws[_header_row(ws)]]
    assert header[:3] == ["客户编号", "客户名称", "业务员"] and header[7:10] == ["现路序", "建议路序", "确定路序"]
    assert read_route_review(review).values.tolist() == [["C3", 1], ["C2", 1], ["C1", 2]]
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0
    # each change follows the count, with the order before and after
    assert capsys.readouterr().out.splitlines() == [
        "route order updated for 2 customer(s)",
        "  C1 甲: 1 → 2",
        "  C2 乙: 2 → 1",
    ]
    assert (tmp_path / "master.bak.xlsx").exists()
    after = load_master(path).customers
    assert after["route_seq"].tolist() == [2, 1, 1, 3]  # 李四's C4 untouched
    pd.testing.assert_frame_equal(after.drop(columns="route_seq"), before.drop(columns="route_seq"))
    # the supervisor keeps 相城 first after all: the chosen column is what apply writes
    cells = _chosen_cells(ws)
    cells["C1"].value, cells["C2"].value = 1, 2
    book.save(review)
    assert main(["routes", "apply", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "已更新 2 个客户的路序"
    assert load_master(path).customers["route_seq"].tolist() == [1, 2, 1, 3]
    assert main(["routes", "apply", str(path)]) == 0  # again: nothing changes
    assert capsys.readouterr().out.strip() == "已更新 0 个客户的路序"


def test_apply_refuses_a_bad_chosen_cell_and_reports_unknown_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path)]) == 0
    review = review_name(path)
    book = openpyxl.load_workbook(review)
    ws = book.worksheets[0]
    cells = _chosen_cells(ws)
    cells["C2"].value = "第一"
    book.save(review)
    row = cells["C2"].row
    with pytest.raises(InputError, match=rf"routes_review_master.xlsx: sheet 客户路序, cell J{row} \(确定路序\)"):
        read_route_review(review)
    cells["C2"].value = 0
    book.save(review)
    with pytest.raises(InputError, match=r"Chosen Route Seq must be a whole number of 1 or more: C2 \(0\)$"):
        read_route_review(review)
    cells["C2"].value = 1
    ws.cell(cells["C2"].row, 1).value = "C9"
    book.save(review)
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0
    assert "1 row(s) not applied, not in Customers: C9" in capsys.readouterr().out
    assert main(["routes", "assign", str(path), "--rep", "王五"]) == 2
    assert main(["routes", "apply", str(path), "--review", str(tmp_path / "none.xlsx")]) == 2
    assert "请先运行 keyacct-xl routes assign" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("typed", "zh", "en"),
    [
        ("零", "'零' 不是整数", "'零' is not a whole number"),
        (True, "TRUE 不是整数", "TRUE is not a whole number"),
    ],
)
def test_a_chosen_order_that_is_no_number_is_refused_as_no_whole_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: object, zh: str, en: str
) -> None:
    """A route order is a whole number: 零 or an Excel TRUE in 确定路序 is no amount, and TRUE is quoted as shown."""
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path)]) == 0
    review = review_name(path)
    book = openpyxl.load_workbook(review)
    cell = _chosen_cells(book.worksheets[0])["C2"]
    cell.value = typed
    book.save(review)
    capsys.readouterr()
    assert main(["routes", "apply", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"单元格 J{cell.row}（确定路序）：{zh}" in err, err
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"cell J{cell.row} (确定路序): {en}" in err and "amount" not in err and "True" not in err, err


def test_apply_names_each_change_and_undo_puts_the_reviews_current_order_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "route order updated for 2 customer(s)" in out and "C1 甲: 1 → 2" in out and "C2 乙: 2 → 1" in out
    assert load_master(path).customers["route_seq"].tolist() == [2, 1, 1, 3]
    # The rep moves C2 after the apply (a customer card, say): the undo leaves that alone and says so.
    master = load_master(path)
    master.customers.loc[master.customers["customer_id"] == "C2", "route_seq"] = 5
    save_master(master, path, tables=["Customers"])
    assert main(["routes", "apply", str(path), "--undo", "--lang", "en"]) == 1  # 1: a customer was left as it is
    out = capsys.readouterr().out
    assert "route order put back for 1 customer(s)" in out and "C1 甲: 2 → 1" in out
    assert "1 row(s) left as they are, changed since the review was applied: C2 (now 5, applied 1)" in out
    assert load_master(path).customers["route_seq"].tolist() == [1, 5, 1, 3]
    saved = path.read_bytes()
    assert main(["routes", "apply", str(path), "--undo"]) == 1  # again: nothing to put back, nothing written
    assert "已恢复 0 个客户的路序" in capsys.readouterr().out
    assert path.read_bytes() == saved


def test_apply_leaves_a_row_a_form_reordered_since_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Customers' provenance as consolidation writes it (汇总时间): C2's card came in on 11-01.
    master = _master()
    master.customers["汇总时间"] = [None, "2026-11-01 10:00:00", None, None]
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    # A week later a new card of C2 is consolidated with the rep's own order: 5.
    master = load_master(path)
    master.customers.loc[master.customers["customer_id"] == "C2", ["route_seq", "汇总时间"]] = [
        5,
        "2026-11-08 18:00:00",
    ]
    save_master(master, path, tables=["Customers"])
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1  # 1: a customer was kept
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["route order updated for 1 customer(s)", "  C1 甲: 1 → 2"]
    assert (
        out.splitlines()[3] == "  C2 乙: now 5 (from a form consolidated since the review), in the review 2, chosen 1"
    )
    assert load_master(path).customers["route_seq"].tolist() == [2, 5, 1, 3]  # the rep's 5 kept
    # Applying the same review again changes nothing more: apply changes no provenance, C1 holds its chosen order.
    assert main(["routes", "apply", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "已更新 0 个客户的路序"
    assert load_master(path).customers["route_seq"].tolist() == [2, 5, 1, 3]


def test_apply_reads_a_review_whose_rows_were_copied_to_a_plain_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review's rows copied into a new workbook (no Excel table RouteReview) are applied as read_route_review
    reads them, not refused with a traceback (calamine's TableNotFound)."""
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    ws = openpyxl.load_workbook(review).worksheets[0]
    left, top, right, bottom = range_boundaries(ws.tables["RouteReview"].ref)
    copy = openpyxl.Workbook()
    for r in range(top, bottom + 1):
        copy.active.append([ws.cell(r, c).value for c in range(left, right + 1)])
    copy.save(review)
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "route order updated for 2 customer(s)"
    assert load_master(path).customers["route_seq"].tolist() == [2, 1, 1, 3]


def test_a_review_without_its_current_order_column_is_refused_naming_it_in_the_user_s_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    ws = openpyxl.load_workbook(review).worksheets[0]
    left, top, right, bottom = range_boundaries(ws.tables["RouteReview"].ref)
    rows = [[ws.cell(r, c).value for c in range(left, right + 1)] for r in range(top, bottom + 1)]
    current = rows[0].index("现路序")
    copy = openpyxl.Workbook()
    for row in rows:  # copied into a plain sheet without the column of the current order
        copy.active.append(row[:current] + row[current + 1 :])
    copy.save(review)
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip().endswith("the review has no column Current Route Seq")


def _type_route_seq(path: Path, orders: dict[str, int]) -> None:
    """A person types new orders into the master's Customers table (路序) in Excel and saves."""
    book = openpyxl.load_workbook(path)
    ws = next(ws for ws in book.worksheets if "Customers" in ws.tables)
    left, top, right, bottom = range_boundaries(ws.tables["Customers"].ref)
    header = {ws.cell(top, c).value: c for c in range(left, right + 1)}
    for r in range(top + 1, bottom + 1):
        customer = ws.cell(r, header["客户编号"]).value
        if customer in orders:
            ws.cell(r, header["路序"]).value = orders[customer]
    book.save(path)


def _choose(review: Path, orders: dict[str, int]) -> None:
    """A person changes Chosen Route Seq cells in the review and saves."""
    book = openpyxl.load_workbook(review)
    cells = _chosen_cells(book.worksheets[0])
    for customer, order in orders.items():
        cells[customer].value = order
    book.save(review)


def test_apply_keeps_an_order_typed_into_the_master_after_the_review_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    _type_route_seq(path, {"C2": 7})  # after the review, by hand: the review proposed 1 over its 2
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "route order updated for 1 customer(s)",
        "  C1 甲: 1 → 2",
        "1 customer(s) kept, their route order changed since the review (routes apply --force writes the chosen "
        "order over it, or run keyacct-xl routes assign again):",
        "  C2 乙: now 7, in the review 2, chosen 1",
    ]
    assert load_master(path).customers["route_seq"].tolist() == [2, 7, 1, 3]
    assert main(["routes", "apply", str(path)]) == 1  # again: still kept, said in zh
    assert capsys.readouterr().out.splitlines()[1:] == [
        "1 个客户保留原路序：审核后路序已改（routes apply --force 可用确定路序覆盖，"
        "或重新运行 keyacct-xl routes assign）：",
        "  C2 乙：现为 7，审核表中为 2，确定为 1",
    ]
    assert main(["routes", "apply", str(path), "--force", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines() == ["route order updated for 1 customer(s)", "  C2 乙: 7 → 1"]
    assert load_master(path).customers["route_seq"].tolist() == [2, 1, 1, 3]
    # the undo puts back what apply replaced: the person's 7 that --force wrote over, the review's 1 for C1
    assert main(["routes", "apply", str(path), "--undo", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "route order put back for 2 customer(s)",
        "  C1 甲: 2 → 1",
        "  C2 乙: 1 → 7",
    ]
    assert load_master(path).customers["route_seq"].tolist() == [1, 7, 1, 3]


def test_a_chosen_order_changed_in_the_review_after_its_apply_is_applied_while_a_hand_typed_one_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    _choose(review, {"C1": 3, "C2": 4})  # chosen before the first apply, away from the proposal
    assert main(["routes", "apply", str(path)]) == 0
    assert load_master(path).customers["route_seq"].tolist() == [3, 4, 1, 3]
    # A change of mind in the review (C1, C2), and a hand-typed order in the master for C3 meanwhile.
    _choose(review, {"C1": 2, "C2": 1, "C3": 2})
    _type_route_seq(path, {"C3": 6})
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1
    # the master still held what this review's earlier apply wrote (3, 4): no conflict, applied; C3 is kept
    assert capsys.readouterr().out.splitlines() == [
        "route order updated for 2 customer(s)",
        "  C1 甲: 3 → 2",
        "  C2 乙: 4 → 1",
        "1 customer(s) kept, their route order changed since the review (routes apply --force writes the chosen "
        "order over it, or run keyacct-xl routes assign again):",
        "  C3 丙: now 6, in the review 1, chosen 2",
    ]
    assert load_master(path).customers["route_seq"].tolist() == [2, 1, 6, 3]
    # C2 typed by hand after that apply: the undo puts C1 back to the review's order and leaves C2 and C3
    _type_route_seq(path, {"C2": 9})
    assert main(["routes", "apply", str(path), "--undo", "--lang", "en"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["route order put back for 1 customer(s)", "  C1 甲: 2 → 1"]
    assert out[2] == (
        "2 row(s) left as they are, changed since the review was applied: C2 (now 9, applied 1), C3 (now 6, applied 2)"
    )
    assert load_master(path).customers["route_seq"].tolist() == [1, 9, 6, 3]


def test_a_review_written_before_it_had_the_consolidation_time_applies_and_keeps_a_hand_typed_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    book = openpyxl.load_workbook(review)
    ws = book.worksheets[0]
    left, top, right, bottom = range_boundaries(ws.tables["RouteReview"].ref)
    header = [ws.cell(top, c).value for c in range(left, right + 1)]
    assert header[-1] == "汇总时间"  # the column an earlier version's review did not have
    ws.delete_cols(right)
    ws.tables["RouteReview"].ref = f"{ws.cell(top, left).coordinate}:{ws.cell(bottom, right - 1).coordinate}"
    book.save(review)
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "route order updated for 2 customer(s)"
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 0  # again: nothing changes, nothing kept
    assert capsys.readouterr().out.strip() == "route order updated for 0 customer(s)"
    _type_route_seq(path, {"C1": 5})
    _choose(review, {"C1": 1})
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "  C1 甲: now 5, in the review 1, chosen 1"
    assert load_master(path).customers["route_seq"].tolist() == [5, 1, 1, 3]


def test_many_kept_customers_are_listed_one_a_line_up_to_twenty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers, ids = _circle_customers(24, 1)
    master = Master.empty()
    master.customers = customers.assign(route_seq=range(1, 25)).reindex(columns=CUSTOMERS.keys)
    master.customers = master.customers.astype({c.key: dtype_for(c.kind) for c in CUSTOMERS.columns})
    path = save_master(master, tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path)]) == 0
    chosen = {c: s for c, s in read_route_review(review_name(path)).values.tolist()}
    _type_route_seq(path, {c: 100 + i for i, c in enumerate(ids)})  # every order retyped after the review
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "route order updated for 0 customer(s)"
    assert lines[1].startswith("24 customer(s) kept")
    kept = [line for line in lines if ": now " in line]
    assert len(kept) == 20 and lines[-1] == "  … and 4 more"
    found = dict(zip(customers["customer_id"], range(1, 25)))
    first = kept[0].split()[0]
    assert kept[0] == (
        f"  {first} 客户{int(first[1:])}: now {100 + ids.index(first)}, in the review {found[first]}, "
        f"chosen {chosen[first]}"
    )


def test_without_the_record_of_its_apply_a_changed_chosen_order_is_kept_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The master's .kx folder is where apply records what it wrote; without it (the master copied alone) the
    master's order can no longer be told from one a person typed: it is kept and listed, never replaced."""
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    assert main(["routes", "apply", str(path)]) == 0
    record = tmp_path / "master.kx" / "routes" / "applied.json"
    assert record.exists()
    record.unlink()
    _choose(review_name(path), {"C1": 3})
    capsys.readouterr()
    assert main(["routes", "apply", str(path), "--lang", "en"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "  C1 甲: now 2, in the review 1, chosen 3"
    assert load_master(path).customers["route_seq"].tolist() == [2, 1, 1, 3]


def test_assign_again_never_writes_over_orders_chosen_in_the_review_and_not_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second ``routes assign`` put the proposal back over the orders a supervisor had typed, leaving them only in a
    backup nobody was told of; it is refused while they are not in the master, and goes ahead once they are."""
    path = save_master(_master(), tmp_path / "master.xlsx", backup=False)
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0
    review = review_name(path)
    _choose(review, {"C1": 7, "C2": 8})
    typed = review.read_bytes()
    capsys.readouterr()
    assert main(["routes", "assign", str(path), "--rep", "张三"]) != 0
    err = capsys.readouterr().err
    assert "C1" in err and "C2" in err and "routes apply" in err
    assert review.read_bytes() == typed
    assert main(["routes", "apply", str(path)]) == 0
    assert main(["routes", "assign", str(path), "--rep", "张三"]) == 0  # in the master now: nothing lost
