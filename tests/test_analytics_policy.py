"""Grading and credit policies: shipped files load; bad files fail naming the file and the key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from keyacct_xl.analytics.policy import load_credit_policy, load_grading_policy, policy_path, with_settings
from keyacct_xl.errors import InputError, SpecError
from keyacct_xl.master.settings import settings_from

GOOD = """
name: test
title: {zh: 测试, en: Test}
evaluation: {month: 12, day: 25}
levels:
  - grade: A
    rules:
      - {metric: annual_sales, min: 1000000}
      - {metric: on_time_rate, min: 0.9}
  - grade: B
    rules:
      - {metric: annual_sales, min: 100000}
  - grade: C
weights: {annual_sales: 1}
new_customer: {months: 6, grade: C}
upgrade_margin: 0.1
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_policies_load() -> None:
    four = load_grading_policy("grading_4level")
    assert four.grades == ["VIP", "A", "B", "C"]
    assert (four.evaluation_month, four.evaluation_year_offset) == (12, 0)
    assert four.vip_level == "VIP" and four.vip_continue
    three = load_grading_policy("grading_3level")
    assert three.grades == ["A", "B", "C"]
    assert (three.evaluation_month, three.evaluation_year_offset) == (3, 1)
    assert {r.metric for r in three.levels[0].rules} == {"annual_sales", "price_index", "collection_rate"}
    credit = load_credit_policy()
    assert credit.grades == ["A", "B", "C"] and credit.levels[0].credit_limit == 500_000


def test_a_valid_file_loads(tmp_path: Path) -> None:
    policy = load_grading_policy(_write(tmp_path, GOOD))
    assert policy.levels[0].rules[0].min == 1_000_000
    assert policy.upgrade_margin == 0.1


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("metric: on_time_rate", "metric: loyalty", r"levels\[0\]\.rules\[1\]\.metric: unknown metric 'loyalty'"),
        (
            "{metric: annual_sales, min: 100000}",
            "{metric: annual_sales, min: 2000000}",
            r"levels\[1\]\.rules\[0\]\.min: thresholds out of order: B needs annual_sales min 2e\+06",
        ),
        (
            "{metric: annual_sales, min: 100000}",
            "{metric: annual_sales}",
            r"levels\[1\]\.rules\[0\]: metric annual_sales",
        ),
        ("weights: {annual_sales: 1}", "weights: {charm: 1}", r"weights\.charm: unknown"),
        ("new_customer: {months: 6, grade: C}", "new_customer: {months: 6, grade: D}", r"new_customer\.grade: 'D'"),
        ("upgrade_margin: 0.1", "upgrade_margin: 10", r"upgrade_margin: must be a fraction"),
        ("evaluation: {month: 12, day: 25}", "evaluation: {month: 13, day: 25}", r"evaluation: month must be"),
        (
            "  - grade: C\n",
            "  - grade: C\n    rules: [{metric: annual_sales, min: 0}]\n",
            r"levels\[2\]\.rules: the lowest",
        ),
    ],
)
def test_bad_policy_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SpecError, match=rf"^policy\.yaml: {key}"):
        load_grading_policy(path)


def test_missing_key_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"policy\.yaml: weights: missing"):
        load_grading_policy(_write(tmp_path, GOOD.replace("weights: {annual_sales: 1}\n", "")))
    with pytest.raises(SpecError, match=r"policy\.yaml: not valid YAML"):
        load_grading_policy(_write(tmp_path, "levels: [\n"))
    with pytest.raises(SpecError, match="policy file not found"):
        load_grading_policy(tmp_path / "nothere.yaml")


def test_credit_policy_max_thresholds_must_loosen(tmp_path: Path) -> None:
    text = Path(load_credit_policy().source).read_text(encoding="utf-8")
    broken = text.replace("{metric: max_days_overdue, max: 120}", "{metric: max_days_overdue, max: 10}")
    with pytest.raises(SpecError, match=r"grades\[1\]\.rules\[0\]\.max: thresholds out of order"):
        load_credit_policy(_write(tmp_path, broken))


def test_credit_policy_rules_only_on_ledger_metrics(tmp_path: Path) -> None:
    # annual_sales is a known metric but the credit grade never computes it: refused on load, not a KeyError later.
    text = Path(load_credit_policy().source).read_text(encoding="utf-8")
    broken = text.replace("{metric: max_days_overdue, max: 120}", "{metric: annual_sales, min: 100000}")
    with pytest.raises(SpecError, match=r"grades\[1\]\.rules\[0\]\.metric: 'annual_sales' is not a ledger metric"):
        load_credit_policy(_write(tmp_path, broken))


def test_settings_override_thresholds_and_are_checked() -> None:
    policy = load_grading_policy("grading_4level")
    levels = with_settings(policy.levels, settings_from({"grade_a_min_sales": 800_000}), policy.source)
    assert levels[1].rules[0].min == 800_000
    with pytest.raises(SpecError, match=r"with the Settings sheet: levels\[2\]\.rules\[0\]\.min"):
        with_settings(policy.levels, settings_from({"grade_b_min_sales": 5_000_000}), policy.source)
    with pytest.raises(InputError, match="A Minimum Sales\\): 'lots' is not a number"):
        settings_from({"grade_a_min_sales": "lots"})
    # A policy may name any setting, one users added or a text one: it must hold a number.
    on_text = tuple(
        replace(lv, rules=tuple(replace(r, setting="company_name") if r.setting else r for r in lv.rules))
        for lv in policy.levels
    )
    with pytest.raises(SpecError, match="Company Name must be a number"):
        with_settings(on_text, settings_from({}), policy.source)


def test_a_shipped_policys_name_is_the_shipped_file_whatever_lies_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder ``credit/`` in the working folder made ``credit apply`` fail with "credit: Is a directory", and a file
    ``credit`` was read as the policy: a bare shipped name means the shipped policy; a path names a file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "credit").mkdir()
    (tmp_path / "visits").write_text("not a policy", encoding="utf-8")
    assert load_credit_policy("credit").name == load_credit_policy().name
    assert policy_path("credit").is_file() and policy_path("visits").parent == policy_path("credit").parent
    assert policy_path("./visits") == Path("visits")  # a path as given: read as that file, refused if no policy
    (tmp_path / "mine").write_text("x", encoding="utf-8")
    assert policy_path("mine") == Path("mine")  # no shipped policy of that name: the file
