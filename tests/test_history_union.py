"""The same lines split differently between the workbook and the history store give the same results: RFM, the
grading review, credit and ageing (their CLI reports byte for byte), the general manager's monthly pack (`report gm`,
its figures read back), `master check` and `master export`.

Each split is made with the real commands on a copy of one demo master: archives at different days, and every line
imported into the store of a master whose workbook holds none. The store's layout is a hive-partitioned Parquet
dataset any engine reads with the partition columns.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.dataset as ds
import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.demo.company import generate_demo
from keyacct_xl.errors import InputError
from keyacct_xl.history.archive import archive
from keyacct_xl.history.ingest import import_lines
from keyacct_xl.history.store import store_path
from keyacct_xl.master.reader import load_master
from keyacct_xl.master.writer import save_master
from keyacct_xl.receivables.master_lines import master_lines

COMMANDS = {
    "grade.csv": ["grade", "--year", "2025"],
    "rfm.csv": ["rfm"],
    "ageing.csv": ["ageing", "--as-of", "2026-06-30"],
    "credit.csv": ["credit", "--as-of", "2026-06-30"],
}
GM_PERIOD = "2026-10"  # the demo's last month: its year, the year before and the 24-month trend reach the store


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo master (sales and payments from 2023-11 to 2026-10), never changed by a test: copy it."""
    return save_master(generate_demo(seed=3, customers=20), tmp_path_factory.mktemp("union") / "master.xlsx")


def _copy(master: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    return Path(shutil.copy2(master, folder / "master.xlsx"))


def _split(master: Path, folder: Path, how: str) -> Path:
    """The demo's lines split as ``how`` says: all in the workbook, archived before a day, or all imported."""
    path = _copy(master, folder)
    if how.startswith("before "):
        archive(path, pd.Timestamp(how.removeprefix("before ")))
    elif how == "imported":
        full = load_master(path)
        for attr in ("transactions", "payments"):
            export = folder / f"{attr}.parquet"
            getattr(full, attr).to_parquet(export)
            setattr(full, attr, getattr(full, attr).iloc[:0])
        save_master(full, path, tables=["Transactions", "Payments"])
        for attr in ("transactions", "payments"):
            import_lines(path, folder / f"{attr}.parquet", attr)
    return path


def _reports(path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    folder.mkdir()
    out: dict[str, object] = {}
    for name, command in COMMANDS.items():
        assert main([command[0], str(path), *command[1:], "--out", str(folder / name), "--lang", "en"]) == 0
        out[name] = (folder / name).read_bytes()
    gm = ["report", "gm", str(path), "--period", GM_PERIOD, "--out", str(folder / "gm.xlsx"), "--lang", "en"]
    assert main(gm) == 0
    out["report gm"] = pack_figures(folder / "gm.xlsx")
    capsys.readouterr()
    main(["master", "check", str(path), "--lang", "en"])
    out["check"] = capsys.readouterr().out
    # A copy of the master (with the store's batches beside it), and a new workbook without personal data.
    assert main(["master", "export", str(path), "--out", str(folder / "copy.xlsx"), "--lang", "en"]) == 0
    copy = load_master(folder / "copy.xlsx")
    for attr in ("transactions", "payments"):
        out[f"copy {attr}"] = sorted(map(repr, getattr(copy, attr).itertuples(index=False)))
    export = ["master", "export", str(path), "--out", str(folder / "export.xlsx"), "--without-sensitive"]
    assert main([*export, "--lang", "en"]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(folder / "export.xlsx", read_only=True)
    for sheet in ("销售明细", "收款记录"):
        rows = [tuple(r) for r in book[sheet].iter_rows(values_only=True)]
        out[sheet] = (rows[0], sorted(rows[1:], key=repr))
    return out


def pack_figures(path: Path) -> dict[str, list[tuple]]:
    """Every sheet of the monthly pack as a reader sees it (openpyxl, the values stored): the cover's KPIs and each
    section's table. Numbers to a millionth: the same lines summed in another order may differ in their last bits."""
    book = openpyxl.load_workbook(path, data_only=True)
    return {
        ws.title: [
            tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in ws.iter_rows(values_only=True)
        ]
        for ws in book.worksheets
    }


@pytest.mark.parametrize("how", ["before 2024-07-01", "before 2025-10-01", "imported"])
def test_the_same_lines_split_differently_give_the_same_results(
    demo_master: Path, tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = _reports(_copy(demo_master, tmp_path / "whole"), tmp_path / "whole-out", capsys)
    path = _split(demo_master, tmp_path / "split", how)
    in_store = len(load_master(path).transactions) - len(load_master(path, history=False).transactions)
    assert in_store > 0
    split = _reports(path, tmp_path / "split-out", capsys)
    assert split == whole


def test_master_check_sees_an_unknown_customer_in_the_store(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "m")
    lines = load_master(path).transactions.iloc[:2].copy()
    lines["customer_id"] = "C9999"
    lines["date"] = pd.Timestamp("2019-03-05")
    lines.to_parquet(tmp_path / "erp.parquet")
    import_lines(path, tmp_path / "erp.parquet", "transactions")
    assert main(["master", "check", str(path), "--lang", "en"]) == 1
    shown = capsys.readouterr().out
    assert "C9999: Transactions in the history store 2 row(s)" in shown  # the store's lines, named as such


def test_the_store_is_a_hive_partitioned_dataset_with_its_partition_columns(demo_master: Path, tmp_path: Path) -> None:
    path = _split(demo_master, tmp_path / "m", "before 2025-10-01")
    dataset = ds.dataset(store_path(path) / "transactions", format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert {"year", "month"} <= set(table.column_names)
    frame = table.to_pandas()
    assert (frame["year"] == frame["date"].dt.year).all() and (frame["month"] == frame["date"].dt.month).all()
    assert len(frame) == len(load_master(path).transactions) - len(load_master(path, history=False).transactions)
    # A filter on the partition columns reads only those folders (what Spark or Dask prune by).
    one = dataset.to_table(filter=(ds.field("year") == 2024) & (ds.field("month") == 3))
    assert len(one) == int(((frame["year"] == 2024) & (frame["month"] == 3)).sum()) > 0


def test_a_parquet_export_is_typed_by_column_and_a_bad_value_named_by_its_row(
    demo_master: Path, tmp_path: Path
) -> None:
    """Typed amounts as text are parsed as the master parses them; a value that is no amount names its row."""
    path = _copy(demo_master, tmp_path / "m")
    erp = pd.DataFrame(
        {
            "单据编号": ["XS-1", "XS-2", "XS-3"],
            "日期": pd.to_datetime(["2019-03-05", "2019-03-18", "2019-04-02"]),
            "客户编号": ["C0001", "C0005", "C0012"],
            "金额": ["¥3,700.00", "2100", "1,462"],
        }
    )
    erp.to_parquet(tmp_path / "erp.parquet")
    import_lines(path, tmp_path / "erp.parquet", "transactions")
    stored = load_master(path).transactions.iloc[:3]
    assert stored["amount"].tolist() == [3700.0, 2100.0, 1462.0]
    assert stored["doc_no"].tolist() == ["XS-1", "XS-2", "XS-3"]
    erp.loc[1, "金额"] = "两千"
    erp.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match=r"bad.parquet.*row 2"):
        import_lines(path, tmp_path / "bad.parquet", "transactions")


def test_archive_without_a_day_keeps_the_years_the_settings_name(
    demo_master: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(demo_master, tmp_path / "m")
    assert main(["history", "archive", str(path), "--lang", "en"]) == 2
    # The demo master is in Chinese: the sheet and the setting named as it shows them, whatever the message's language.
    assert "on the sheet 参数设置, setting 总表保留年数" in capsys.readouterr().err
    assert main(["history", "archive", str(path)]) == 2
    assert "在工作表 参数设置 的 总表保留年数 中填写" in capsys.readouterr().err
    master = load_master(path)
    master.settings = dataclasses.replace(master.settings, workbook_years=2)
    save_master(master, path, tables=["Settings"])
    assert main(["history", "archive", str(path), "--lang", "en"]) == 0
    assert "batch 20250101-" in capsys.readouterr().out  # lines up to 2026-10: 2025 and 2026 stay
    workbook = load_master(path, history=False)
    assert workbook.transactions["date"].min() >= pd.Timestamp("2025-01-01")
    assert load_master(path).settings.workbook_years == 2


def test_a_reconciliation_after_an_archive_names_the_rows_the_sheets_hold_now(
    demo_master: Path, tmp_path: Path
) -> None:
    # With lines archived, the workbook's rows no longer matched the loaded table (the store's lines come first): each
    # line was named by its position in store and workbook together under the table's English name (Transactions!
    # 58726 for a line on 销售明细 row 56452), and 调账记录 keyed one line two ways, before and after an archive.
    path = _split(demo_master, tmp_path / "archived", "before 2025-01-01")
    master = load_master(path)
    held = master.archived["Transactions"].count
    assert held > 0
    customer = str(master.transactions["customer_id"].iloc[0])  # one with lines in the store
    ours = master_lines(master, customer)
    book = openpyxl.load_workbook(path, read_only=True)
    where = {}
    for name, doc_column in (("销售明细", "单据编号"), ("收款记录", "收款单号")):
        rows = book[name].iter_rows(values_only=True)
        headers = list(next(rows))
        at = headers.index(doc_column)
        where |= {f"{name}!{i}": row[at] for i, row in enumerate(rows, start=2)}
    recent = ours.lines[ours.lines["date"] >= pd.Timestamp("2025-01-01")]
    assert len(recent) > 3
    for labels, ref in zip(recent["row"], recent["ref"]):
        for label in labels.split(";"):
            assert where[label] == ref, (label, ref)  # the sheet's own row, under its zh name
    older = ours.lines[ours.lines["date"] < pd.Timestamp("2025-01-01")]
    assert not older.empty and all(label.startswith("历史库") for labels in older["row"] for label in labels.split(";"))
