"""Which match the matcher takes when several fit: each case is a kind of miss seen at 1,000,000 lines a side
(docs/scale.md), cut down to the lines that compete, written as statement files and read back."""

from __future__ import annotations

import pandas as pd

from keyacct_xl.receivables.reconcile import reconcile
from keyacct_xl.receivables.statement_reader import read_statement


def statement_file(path, lines):
    """A statement CSV (date, reference, description, one signed amount column: read as it stands on either side)."""
    rows = [f"{day},{ref},{text},{amount:.2f}" for day, ref, text, amount in lines]
    path.write_text("\n".join(["日期,单号,摘要,金额", *rows]) + "\n", encoding="utf-8")
    return path


def reconciled(tmp_path, ours, theirs):
    """The reconciliation of the two statements, indexed by our rows joined (``""`` for their lines alone)."""
    mine = read_statement(statement_file(tmp_path / "ours.csv", ours), perspective="ours")
    other = read_statement(statement_file(tmp_path / "theirs.csv", theirs))
    result = reconcile(mine, other, lang="en")
    assert result.remainder == 0
    return result.table


def pairs(table):
    return set(zip(table["status"], table["ours_row"], table["theirs_row"]))


def test_an_in_transit_line_leaves_the_later_line_its_own_match(tmp_path):
    # Ours row 2 is in transit; row 3 of the same amount three days later is the one their line records.
    ours = [("2026-03-02", "XS0001", "", 400.00), ("2026-03-05", "XS0002", "", 400.00)]
    theirs = [("2026-03-05", "", "", 400.00)]
    assert pairs(reconciled(tmp_path, ours, theirs)) == {("matched", "3", "2"), ("only_ours", "2", "")}


def test_an_exact_amount_is_matched_before_one_a_cent_apart(tmp_path):
    # Ours row 2 was paid in two parts (their rows 2 and 3); ours row 3 is a different sale a cent larger, recorded
    # by their row 4. Pairing row 2 with row 4 (a cent apart) would leave row 3 to the parts, also a cent apart.
    ours = [("2026-03-04", "XS0001", "", -266.29), ("2026-03-05", "XS0002", "", -266.30)]
    theirs = [
        ("2026-03-04", "", "", -106.51),
        ("2026-03-05", "", "", -159.78),
        ("2026-03-05", "", "", -266.30),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {("matched", "2", "2;3"), ("matched", "3", "4")}
    assert (table["difference"] == 0).all()


def test_a_split_on_consecutive_days_before_a_single_line_a_week_away(tmp_path):
    # Two receipts, each paid in two parts on consecutive days; the second receipt's larger part equals the first
    # receipt to the cent, a week later. Taking that single line would leave the rest to a chance three-line sum.
    ours = [("2026-03-02", "R001", "", -262.60), ("2026-03-08", "R002", "", -437.66)]
    theirs = [
        ("2026-03-02", "", "付款 第一笔", -105.04),
        ("2026-03-03", "", "付款 第二笔", -157.56),
        ("2026-03-08", "", "付款 第一笔", -175.06),
        ("2026-03-09", "", "付款 第二笔", -262.60),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {("matched", "2", "2;3"), ("matched", "3", "4;5")}
    assert table["hint"].str.contains("split").all()


def test_a_line_naming_an_open_document_is_not_paired_by_amount_alone(tmp_path):
    # Their row 2 is our XS0001 with a mistyped amount (109 for 100); our XS0002 of 109 is still in transit. Their
    # payment names XS0001 in its description but has the other sign: it is still our receipt's match by amount.
    ours = [
        ("2026-03-02", "XS0001", "", 100.00),
        ("2026-03-02", "XS0002", "", 109.00),
        ("2026-03-04", "R001", "", -250.00),
    ]
    theirs = [("2026-03-02", "XS0001", "购货", 109.00), ("2026-03-04", "", "付款 XS0001", -250.00)]
    table = reconciled(tmp_path, ours, theirs).set_index("ours_row")
    assert table.loc["2", "status"] == "amount_mismatch" and table.loc["2", "theirs_row"] == "2"
    assert table.loc["2", "difference"] == -9
    assert table.loc["3", "status"] == "only_ours" and "in transit" in table.loc["3", "hint"]
    assert table.loc["4", "status"] == "matched" and table.loc["4", "theirs_row"] == "3"


def test_a_group_takes_a_line_naming_an_open_document_only_with_that_document(tmp_path):
    # Their row 2 is our XS0010 mistyped; our XS0011 and XS0012 (in transit) happen to sum to its amount. Their
    # XS0020 in two lines is still matched, as a group, with our XS0020: the lines share the reference.
    ours = [
        ("2026-08-27", "XS0010", "", -389.74),
        ("2026-08-22", "XS0011", "", -311.01),
        ("2026-08-27", "XS0012", "", -113.81),
        ("2026-08-28", "XS0020", "", 1000.00),
    ]
    theirs = [
        ("2026-08-27", "XS0010", "", -424.82),
        ("2026-08-28", "XS0020", "", 600.00),
        ("2026-08-28", "XS0020", "", 400.00),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {
        ("amount_mismatch", "2", "2"),
        ("only_ours", "3", ""),
        ("only_ours", "4", ""),
        ("matched", "5", "3;4"),
    }
    assert pd.isna(table.loc[table["ours_row"] == "3", "theirs_amount"]).all()


def test_two_line_groups_are_found_before_larger_ones(tmp_path):
    # Ours 300.00 is in transit; by chance it equals three of their lines (80 + 100 + 120), which are the parts of
    # our 200.00 and 230.00, each paid in two on consecutive days. The two-line groups are taken first.
    ours = [
        ("2026-10-22", "XS0001", "", 300.00),
        ("2026-10-22", "XS0002", "", 200.00),
        ("2026-10-22", "XS0003", "", 230.00),
    ]
    theirs = [
        ("2026-10-22", "", "", 80.00),
        ("2026-10-23", "", "", 120.00),
        ("2026-10-22", "", "", 100.00),
        ("2026-10-23", "", "", 130.00),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {("only_ours", "2", ""), ("matched", "3", "2;3"), ("matched", "4", "4;5")}


def test_a_likely_duplicate_makes_up_only_a_two_line_group_on_consecutive_days(tmp_path):
    # Their 396.63 of 02-15 is there twice, once for our XS0010; three of our lines in transit over the week happen
    # to sum to it: the second copy stays a likely duplicate. In November their 291.58 of 11-06 is there twice too,
    # but the second is a part of our XS0021 paid in two on consecutive days, the strongest kind of group.
    ours = [
        ("2026-02-15", "XS0010", "", 396.63),
        ("2026-02-10", "XS0011", "", 37.28),
        ("2026-02-11", "XS0012", "", 249.92),
        ("2026-02-17", "XS0013", "", 109.43),
        ("2026-11-06", "XS0020", "", 291.58),
        ("2026-11-06", "XS0021", "", 728.96),
    ]
    theirs = [
        ("2026-02-15", "", "", 396.63),
        ("2026-02-15", "", "", 396.63),
        ("2026-11-06", "", "", 291.58),
        ("2026-11-06", "", "", 291.58),
        ("2026-11-07", "", "", 437.38),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {
        ("matched", "2", "2"),
        ("only_theirs", "", "3"),
        ("only_ours", "3", ""),
        ("only_ours", "4", ""),
        ("only_ours", "5", ""),
        ("matched", "6", "4"),
        ("matched", "7", "5;6"),
    }
    assert "duplicate" in table.loc[table["theirs_row"] == "3", "hint"].iloc[0]


def test_a_same_day_copy_may_be_a_part_of_two_deliveries_invoiced_together(tmp_path):
    # Three deliveries of 500.00 on one day: their statement records one alone and two together two days later.
    # The identical lines are likely duplicates, but a two-line group of them is an ordinary statement.
    ours = [("2026-03-04", "", "", 500.00), ("2026-03-04", "", "", 500.00), ("2026-03-04", "", "", 500.00)]
    theirs = [("2026-03-04", "", "", 500.00), ("2026-03-06", "", "", 1000.00)]
    table = reconciled(tmp_path, ours, theirs)
    assert set(table["status"]) == {"matched"}
    assert sorted(table["theirs_row"]) == ["2", "3"]


def test_an_itemised_invoice_with_one_line_changed_is_one_amount_difference(tmp_path):
    """Ours holds the invoice as one line; their copy lists it a line per product (as our statement form does), one
    line changed. Both carry the invoice number: one row, our amount against the sum of theirs, not an invoice
    "only ours" beside five "only theirs" (a number on more than three lines used to count as no number)."""
    ours = [("2026-10-20", "XS2026100395", "", 9998.15), ("2026-10-22", "XS2026100396", "", 500.00)]
    theirs = [
        ("2026-10-20", "XS2026100395", "齿轮油", 4105.92),
        ("2026-10-20", "XS2026100395", "液压油", 2500.00),
        ("2026-10-20", "XS2026100395", "润滑脂", 1892.23),
        ("2026-10-20", "XS2026100395", "防锈油", 1400.00),
        ("2026-10-22", "XS2026100396", "", 500.00),
    ]
    table = reconciled(tmp_path, ours, theirs)
    assert pairs(table) == {("amount_mismatch", "2", "2;3;4;5"), ("matched", "3", "6")}
    row = table[table["status"] == "amount_mismatch"].iloc[0]
    assert (row["ours_amount"], row["theirs_amount"], row["difference"]) == (9998.15, 9898.15, 100.0)


def test_an_itemised_invoice_that_agrees_is_matched_whatever_its_number_of_lines(tmp_path):
    """Six product lines of one invoice (more than a group search takes) agree with our one line: matched."""
    ours = [("2026-10-20", "XS2026100395", "", 600.00)]
    theirs = [("2026-10-20", "XS2026100395", f"产品{i}", 100.00) for i in range(6)]
    assert pairs(reconciled(tmp_path, ours, theirs)) == {("matched", "2", "2;3;4;5;6;7")}


def test_a_code_on_every_line_of_months_is_still_no_reference(tmp_path):
    """The customer's own code in every 摘要 over months identifies nothing: lines pair by amount and date."""
    ours = [(f"2026-0{m}-10", f"XS00{m}", "", 100.0 * m) for m in range(1, 6)]
    theirs = [(f"2026-0{m}-10", "", f"KH2026 货款{m}", 100.0 * m) for m in range(1, 6)]
    table = reconciled(tmp_path, ours, theirs)
    assert set(table["status"]) == {"matched"} and len(table) == 5
