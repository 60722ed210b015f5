"""A form saved as .xls or .ods is read by its labels (consolidate.headermatch): a rep's value that reads as another
field's label is that value, not the label; the field it names keeps its own value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.consolidate.usecase import run_consolidation
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.layout import title_section
from keyacct_xl.master.followthrough import COMPLAINTS
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import VISITS
from keyacct_xl.master.writer import save_master


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame({"customer_id": ["C001"], "name": ["宁波金桥运输有限公司"], "rep": ["沈勇芳"]})
    return save_master(m, tmp_path / "master.xlsx", backup=False)


@pytest.mark.libreoffice
def test_a_department_typed_as_the_quality_label_leaves_the_quality_signature_read(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., list[Path]]
) -> None:
    """An 8D report whose 责任部门 is 品质部 (the label of the quality sign-off) and signed by 李四 for 品质部: saved
    as .ods or .xls, the label search took the department's cell for the label, read the sign-off as empty and
    reported 李四 as text outside the form's fields; the department itself, read as the next label, was left empty."""
    header = {
        "rep": "沈勇芳",
        "complaint_no": "TS-2026-031",
        "received_date": "2026-12-02",
        "customer_id": "C001",
        "owner_department": "品质部",
        "quality": "李四",
        "manager": "赵经理",
    }
    source = tmp_path / "src" / "8d.xlsx"
    source.parent.mkdir()
    source.write_bytes(fill_form(blank_form("complaint_8d"), header=header))
    for suffix in ("xls", "ods"):
        libreoffice([source], suffix, inbox / suffix)
    run = run_consolidation(inbox, master, lang="zh", report=tmp_path / "report.xlsx", now="2026-12-03 18:00:00")
    assert [o.status for o in run.result.outcomes] == ["accepted", "accepted"]  # the same complaint twice: one row
    complaints = load_store(master).frame(COMPLAINTS.name)
    assert complaints[["owner_department", "quality", "manager"]].values.tolist() == [["品质部", "李四", "赵经理"]]
    assert not [i for o in run.result.outcomes for i in o.issues if "表单字段以外" in str(i.zh)]


def test_no_two_header_fields_of_a_form_share_a_label_in_either_language() -> None:
    """A form saved as .xls or .ods is read by its labels, so two header fields with one label (the en title block's
    fill date and the daily report's date were both "Date") make one of them unreadable."""
    for spec in load_catalog():
        sections = [title_section(spec), *(s for s in spec.sections if s.kind == "fields")]
        for lang in ("zh", "en"):
            labels = [getattr(f.label, lang).strip("*").strip().lower() for s in sections for f in s.fields]
            assert len(labels) == len(set(labels)), (spec.id, lang, sorted(labels))


@pytest.mark.libreoffice
def test_an_english_daily_report_saved_as_xls_or_ods_is_read(
    master: Path, inbox: Path, tmp_path: Path, libreoffice: Callable[..., list[Path]]
) -> None:
    """An en daily report saved as .xls or .ods was refused ("the field Date that identifies this form is empty"):
    the label Date of its report date was taken for the title block's fill date, also labelled Date."""
    header = {"rep": "沈勇芳", "report_date": "2026-12-21", "region": "East"}
    rows = {"visits": [{"customer_id": "C001", "purpose": "Renewal", "content": "contract talk"}]}
    source = tmp_path / "src" / "daily.xlsx"
    source.parent.mkdir()
    source.write_bytes(fill_form(blank_form("daily_report", lang="en"), header=header, rows=rows))
    for suffix in ("xls", "ods"):
        libreoffice([source], suffix, inbox / suffix)
    run = run_consolidation(inbox, master, lang="en", report=tmp_path / "report.xlsx", now="2026-12-21 18:00:00")
    assert [o.status for o in run.result.outcomes] == ["accepted", "accepted"]
    visits = load_store(master).frame(VISITS.name)
    assert visits["date"].tolist() == [pd.Timestamp("2026-12-21")]
