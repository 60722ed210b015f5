"""Form spec loader: the catalog loads, and malformed specs fail with "file: field: problem"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from keyacct_xl.errors import InputError, SpecError
from keyacct_xl.forms.catalog import form_ids, forms_dir, load_catalog, load_form, shared_lists
from keyacct_xl.forms.formula import evaluate, excel_formula
from keyacct_xl.forms.spec import load_spec, parse_spec

FIXED_IDS = {"customer_card", "quotation", "visit_record", "weekly_plan", "competitor_report"}


def _minimal() -> dict:
    return {
        "id": "mini",
        "version": 1,
        "title": {"zh": "小表", "en": "Mini"},
        "sections": [
            {
                "id": "head",
                "kind": "fields",
                "title": {"zh": "表头", "en": "Head"},
                "fields": [
                    {
                        "key": "customer_id",
                        "label": {"zh": "客户编号", "en": "Customer ID"},
                        "maps_to": "Visits.customer_id",
                    }
                ],
            },
            {
                "id": "lines",
                "kind": "table",
                "title": {"zh": "明细", "en": "Lines"},
                "rows": 5,
                "fields": [
                    {"key": "qty", "label": {"zh": "数量", "en": "Qty"}, "type": "number"},
                    {"key": "price", "label": {"zh": "单价", "en": "Price"}, "type": "money"},
                    {
                        "key": "amount",
                        "label": {"zh": "金额", "en": "Amount"},
                        "type": "money",
                        "formula": "{qty}*{price}",
                    },
                    {
                        "key": "method",
                        "label": {"zh": "方式", "en": "Method"},
                        "type": "choice",
                        "choices": ["电话|Phone", "A"],
                    },
                ],
            },
        ],
    }


def test_catalog_has_the_fixed_ids_and_every_spec_loads() -> None:
    ids = set(form_ids())
    assert ids >= FIXED_IDS
    specs = load_catalog()
    assert [s.id for s in specs] == sorted(ids)
    for spec in specs:
        assert spec.sections and all(section.fields for section in spec.sections)
        assert len(spec.hash) == 64


def test_minimal_spec_parses_into_typed_models() -> None:
    spec = parse_spec(_minimal(), file="mini.yaml")
    method = spec.section("lines").fields[3]
    assert [(c.value, c.zh, c.en) for c in method.choices] == [("Phone", "电话", "Phone"), ("A", "A", "A")]
    assert method.enum == ("Phone", "A")
    assert spec.section("lines").fields[2].formula == "{qty}*{price}"
    assert spec.header_fields[0].maps_to == "Visits.customer_id"
    with pytest.raises(AttributeError):
        spec.id = "other"  # type: ignore[misc]


def test_hash_changes_with_content() -> None:
    raw = _minimal()
    first = parse_spec(raw, file="mini.yaml").hash
    raw["sections"][1]["rows"] = 6
    assert parse_spec(raw, file="mini.yaml").hash != first
    raw["sections"][1]["rows"] = 5
    assert parse_spec(raw, file="mini.yaml").hash == first


def _broken(path: str, value: object) -> dict:
    raw = _minimal()
    target = raw
    *parents, last = path.split("/")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        ("version", "one", "version", "whole number"),
        ("title", KeyError, "title", "is required"),
        ("orientation", "sideways", "orientation", "portrait or landscape"),
        ("sections/0/fields/0/type", "dat", "sections[0].fields[0].type", "is not one of"),
        ("sections/0/fields/0/key", "Customer ID", "sections[0].fields[0].key", "lower-case"),
        ("sections/0/fields/0/maps_to", "Visits.nope", "sections[0].fields[0].maps_to", "not a master column"),
        ("sections/0/fields/0/colour", "red", "sections[0].fields[0].colour", "unknown key"),
        (
            "sections/0/fields/0/constraints",
            {"minimum": 5, "maximum": 1},
            "sections[0].fields[0].constraints.minimum",
            "above maximum",
        ),
        (
            "sections/0/fields/0/constraints",
            {"pattern": "(["},
            "sections[0].fields[0].constraints.pattern",
            "regular expression",
        ),
        ("sections/1/fields/3/choices", KeyError, "sections[1].fields[3].choices", "need choices"),
        ("sections/1/fields/3/choices", "no_such_list", "sections[1].fields[3].choices", "unknown shared list"),
        ("sections/1/fields/3/choices", ["A", "A"], "sections[1].fields[3].choices", "appears twice"),
        ("sections/1/fields/2/formula", "{qty}*{nope}", "sections[1].fields[2].formula", "{nope}"),
        ("sections/1/rows", 0, "sections[1].rows", "whole number from 1"),
        ("sections/1/kind", "grid", "sections[1].kind", "fields or table"),
        ("sections/0/fields/0/key", "rep", "sections[0].fields[0].key", "title block"),
        ("sections/1/id", "head", "sections[1].id", "appears twice"),
        ("sections/0/fields/0/format", "0.0", "sections[0].fields[0].format", "not text"),
        ("sections/0/fields/0/past", True, "sections[0].fields[0].past", "applies to date fields"),
        ("sections/0/fields/0/not_after", "qty", "sections[0].fields[0].not_after", "applies to date fields"),
        ("sections/0/fields/0/in_period", True, "sections[0].fields[0].in_period", "applies to date fields"),
        (
            "sections/1/fields/0",  # a date not after a later column, or one that is no date
            {"key": "bought", "label": {"zh": "购买日期", "en": "Bought"}, "type": "date", "not_after": "price"},
            "sections[1].fields[0].not_after",
            "a date field before this one",
        ),
    ],
)
def test_malformed_spec_names_file_field_and_problem(path: str, value: object, where: str, problem: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(_broken(path, value), file="mini.yaml")
    assert str(info.value).startswith(f"mini.yaml: {where}: ")
    assert problem in str(info.value)
    assert info.value.zh.startswith(f"mini.yaml：{where}：")


def test_bad_yaml_and_id_mismatch_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: [1\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"^bad\.yaml: \(top\): line \d+: not valid YAML"):
        load_spec(bad)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(_minimal(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError, match=r"^other\.yaml: id: 'mini' differs from the file name"):
        load_spec(other)


def test_a_spec_is_parsed_once_per_content_of_its_file(tmp_path: Path) -> None:
    # A run loads the same specs more than once: the second load is the same (immutable) spec, until the file
    # changes, even to text of the same length.
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(_minimal(), allow_unicode=True), encoding="utf-8")
    first = load_form("mini", tmp_path)
    assert load_form("mini", tmp_path) is first
    path.write_text(path.read_text(encoding="utf-8").replace("小表", "大表"), encoding="utf-8")
    changed = load_form("mini", tmp_path)
    assert (changed.title.zh, first.title.zh) == ("大表", "小表")
    assert changed.hash != first.hash


def test_unknown_form_id_lists_the_valid_ones() -> None:
    with pytest.raises(InputError) as info:
        load_form("no_such_form")
    assert "customer_card" in str(info.value) and "weekly_plan" in str(info.value)
    assert "\n" not in str(info.value)


def test_shared_lists_are_found_in_the_installed_templates() -> None:
    assert (forms_dir() / "customer_card.yaml").is_file()
    assert len(shared_lists()["industry"]) == 19


def test_formulas_are_arithmetic_over_columns() -> None:
    assert evaluate("{qty}*{price}", {"qty": 3, "price": 2.5}) == 7.5
    assert evaluate("{qty}*{price}", {"qty": np.int64(3), "price": np.float64(2)}) == 6.0
    assert evaluate("{qty}*{price}", {"qty": True, "price": 2}) is None
    assert evaluate("({a}+{b})/{c}", {"a": 1, "b": 3, "c": 0}) is None
    assert evaluate("{a}-{b}", {"a": 1, "b": None}) is None
    assert excel_formula("{a}/{b}", {"a": "C5", "b": "D5"}) == '=IF(COUNT(C5,D5)=0,"",C5/D5)'
    for bad in ("{a}**2", "__import__('os')", "{a} +", "a*2"):
        raw = _minimal()
        raw["sections"][1]["fields"][2]["formula"] = bad.replace("{a}", "{qty}")
        with pytest.raises(SpecError, match=r"^mini\.yaml: sections\[1\]\.fields\[2\]\.formula: "):
            parse_spec(raw, file="mini.yaml")
