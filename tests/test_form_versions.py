"""Form versions: a copy filled on an earlier version of a form lands in the current version's columns.

A v1 variant of the visit record (its purpose column keyed ``visit_purpose``, a ``mood`` column and a ``weather``
header field that v2 no longer has) is generated, filled as a rep does and consolidated with a v2 spec that declares
the rename and the drops: the purpose lands in Visits.purpose, the dropped fields' values in the ledger's header data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from keyacct_xl.consolidate.run import consolidate
from keyacct_xl.consolidate.simulate import fill_form
from keyacct_xl.consolidate.store import load_store
from keyacct_xl.errors import SpecError
from keyacct_xl.forms.catalog import forms_dir, shared_lists
from keyacct_xl.forms.generator import build_form
from keyacct_xl.forms.spec import load_spec, parse_spec
from keyacct_xl.master.model import Master
from keyacct_xl.master.privacy import is_sensitive_key
from keyacct_xl.master.submissions import LEDGER
from keyacct_xl.master.writer import save_master

NOW = "2026-11-28 18:00:00"
CHANGES = [{"version": 2, "renamed": {"visit_purpose": "purpose"}, "dropped": ["mood", "weather"]}]


def _visit_record() -> dict:
    return yaml.safe_load((forms_dir() / "visit_record.yaml").read_text(encoding="utf-8"))


def _v1(raw: dict) -> dict:
    """The visit record as version 1 had it: purpose keyed visit_purpose, a mood column, a weather field."""
    visits, approval = raw["sections"]
    for field in visits["fields"]:
        if field["key"] == "purpose":
            field["key"] = "visit_purpose"
            del field["maps_to"]  # v1 had no Visits.purpose mapping either: only the rename brings it there
    visits["fields"].append({"key": "mood", "label": {"zh": "客户情绪", "en": "Mood"}})
    approval["fields"].append({"key": "weather", "label": {"zh": "天气", "en": "Weather"}})
    return {**raw, "version": 1}


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """The shipped catalog with the visit record at version 2, declaring what changed since version 1."""
    folder = tmp_path / "forms"
    shutil.copytree(forms_dir(), folder)
    raw = {**_visit_record(), "version": 2, "changes": CHANGES}
    (folder / "visit_record.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def master(tmp_path: Path) -> Path:
    m = Master.empty()
    m.customers = pd.DataFrame(
        {"customer_id": ["C001", "C002"], "name": ["广州华强贸易有限公司", "佛山永利五金厂"], "rep": ["张三", "张三"]}
    )
    return save_master(m, tmp_path / "master.xlsx", backup=False)


def _filled_v1(tmp_path: Path) -> bytes:
    path = tmp_path / "v1" / "visit_record.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(_v1(_visit_record()), allow_unicode=True), encoding="utf-8")
    form = build_form(load_spec(path, lists=shared_lists()))
    return fill_form(
        form,
        header={"rep": "张三", "period": "2026-W48", "weather": "小雨"},
        rows={
            "visits": [
                {
                    "date": "2026-11-23",
                    "customer_id": "C001",
                    "method": "面谈",
                    "visit_purpose": "新品推介",
                    "mood": "愉快",
                },
                {"date": "2026-11-24", "customer_id": "C002", "method": "电话", "visit_purpose": "回款提醒"},
            ]
        },
    )


def test_a_copy_of_the_previous_version_lands_in_the_renamed_column(
    tmp_path: Path, master: Path, catalog: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "张三 回访记录 旧版.xlsx").write_bytes(_filled_v1(tmp_path))
    [outcome] = consolidate(inbox, master, now=NOW, forms_folder=catalog).outcomes
    assert (outcome.status, outcome.version, outcome.rows_added) == ("accepted", 1, 2)
    store = load_store(master)
    assert store.frame("Visits")["purpose"].tolist() == ["新品推介", "回款提醒"]
    # The dropped fields' values are kept, by their old keys, in the ledger's header data.
    [header] = store.frame(LEDGER.name)["header"].tolist()
    kept = json.loads(header)
    assert kept["weather"] == "小雨"
    [(cell, mood)] = kept["visits.mood"].items()
    assert mood == "愉快" and cell.endswith("8")  # the first line of the table, under its header on row 7
    warnings = {(i.field_label("zh"), i.zh): (i.sheet, i.cell) for i in outcome.issues if i.severity == "warning"}
    assert warnings[("目的", "第 1 版的字段 visit_purpose 已在第 2 版改名：按「目的」读取")] == ("客户回访记录表", "H8")
    # The English text names the field in English, whatever the master's language.
    renamed = next(i for i in outcome.issues if i.field_label("zh") == "目的")
    assert renamed.en == "field visit_purpose of version 1 was renamed in version 2: read as Purpose"
    kept_in_ledger = "已在第 2 版删除：填写的内容保存在导入台账的表头数据中"
    assert warnings[("weather", f"第 1 版的字段 weather {kept_in_ledger}")][0] == "客户回访记录表"
    assert warnings[("visits.mood", f"第 1 版的字段 visits.mood {kept_in_ledger}")] == ("客户回访记录表", cell)


def test_a_field_an_older_copy_has_and_no_change_names_is_kept_too(tmp_path: Path, master: Path, catalog: Path) -> None:
    """A version bumped without declaring its changes still loses nothing: the old values go to the ledger."""
    raw = {**_visit_record(), "version": 2}
    (catalog / "visit_record.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "旧版.xlsx").write_bytes(_filled_v1(tmp_path))
    [outcome] = consolidate(inbox, master, now=NOW, forms_folder=catalog).outcomes
    assert outcome.status == "accepted"
    assert load_store(master).frame("Visits")["purpose"].isna().all()
    kept = json.loads(load_store(master).frame(LEDGER.name)["header"].iloc[0])
    assert sorted(kept["visits.visit_purpose"].values()) == ["回款提醒", "新品推介"]
    assert any(i.field_label("zh") == "visits.visit_purpose" and "不在第 2 版的表单中" in i.zh for i in outcome.issues)


def test_a_copy_of_a_newer_version_is_rejected_with_its_reason(tmp_path: Path, master: Path) -> None:
    newer = parse_spec({**_visit_record(), "version": 3}, file="visit_record.yaml", lists=shared_lists())
    form = fill_form(
        build_form(newer),
        header={"rep": "张三", "period": "2026-W48"},
        rows={"visits": [{"date": "2026-11-23", "customer_id": "C001"}]},
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "新版.xlsx").write_bytes(form)
    [outcome] = consolidate(inbox, master, now=NOW).outcomes
    assert (outcome.status, outcome.code) == ("rejected", "newer_version")
    assert outcome.reason_zh == "visit_record 第 3 版比本程序的第 1 版新"
    assert load_store(master).frame("Visits").empty


def test_renames_chain_across_versions() -> None:
    raw = {
        **_visit_record(),
        "version": 3,
        "changes": [
            {"version": 2, "renamed": {"aim": "visit_purpose"}},
            {"version": 3, "renamed": {"visit_purpose": "purpose"}, "dropped": ["mood"]},
        ],
    }
    spec = parse_spec(raw, file="visit_record.yaml", lists=shared_lists())
    assert spec.key_now("aim", 1) == ("purpose", 3)
    assert spec.key_now("visit_purpose", 2) == ("purpose", 3)
    assert spec.key_now("purpose", 3) == ("purpose", 0)
    assert spec.key_now("mood", 2) == (None, 3)
    # The changes describe how older copies read, not the form a rep holds: the spec's hash ignores them.
    assert spec.hash == parse_spec({**raw, "changes": []}, file="visit_record.yaml", lists=shared_lists()).hash


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            [{"version": 2, "renamed": {"old": "nowhere"}}],
            "visit_record.yaml: changes[0].renamed.old: 'old' is renamed to 'nowhere', "
            "which is not a field of version 2",
        ),
        (
            [{"version": 2, "dropped": ["purpose"]}],
            "visit_record.yaml: changes[0].dropped[0]: 'purpose' is dropped but version 2 has a field 'purpose'",
        ),
        (
            [{"version": 3, "dropped": ["mood"]}],
            "visit_record.yaml: changes[0].version: version 3 is newer than the form's version 2",
        ),
        (
            [{"version": 2, "dropped": ["mood"]}, {"version": 2, "dropped": ["weather"]}],
            "visit_record.yaml: changes[1].version: versions must increase: 2 comes after 2",
        ),
        (
            [{"version": 2, "renamed": {"seller": "rep"}}],
            "visit_record.yaml: changes[0].renamed.seller: the title block's fields (rep, period, fill_date) keep",
        ),
        (
            [{"version": 2, "renamed": {"aim": "purpose", "goal": "purpose"}}],
            "visit_record.yaml: changes[0].renamed.aim: two fields are renamed to 'purpose'",
        ),
        (
            [{"version": 2, "renamed": {"aim": "purpose"}, "dropped": ["aim"]}],
            "visit_record.yaml: changes[0].dropped[0]: 'aim' is named twice in this change",
        ),
        ([{"version": 2}], "visit_record.yaml: changes[0]: a change renames or drops at least one field"),
        ([{"version": 2, "renamed": ["aim"]}], "visit_record.yaml: changes[0].renamed: expected a mapping"),
        ({"version": 2}, "visit_record.yaml: changes: expected a list"),
    ],
)
def test_malformed_changes_name_the_spec_file_and_the_entry(changes: object, message: str) -> None:
    raw = {**_visit_record(), "version": 2, "changes": changes}
    with pytest.raises(SpecError) as caught:
        parse_spec(raw, file="visit_record.yaml", lists=shared_lists())
    assert caught.value.en.startswith(message)


def test_a_kept_column_of_personal_data_stays_personal() -> None:
    """A dropped table column is kept as ``section.key``: it is as personal as its field key says."""
    assert is_sensitive_key("profile.hobbies") and is_sensitive_key("hobbies")
    assert not is_sensitive_key("visits.mood")
