"""``keyacct-xl forms list``: every form with its title and its role, in the user's language."""

from __future__ import annotations

import re

import pytest

from keyacct_xl.cli.main import main
from keyacct_xl.consolidate.formroles import table_label
from keyacct_xl.consolidate.routes import OUTPUT_FORMS, ROUTES, route_tables
from keyacct_xl.forms.catalog import form_ids, load_form


def _listed(capsys: pytest.CaptureFixture[str], *lang: str) -> dict[str, str]:
    assert main(["forms", "list", *lang]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == form_ids()
    return {line.split()[0]: line for line in lines}


def test_each_form_says_whether_it_comes_back_and_into_which_tables(capsys: pytest.CaptureFixture[str]) -> None:
    zh, en = _listed(capsys), _listed(capsys, "--lang", "en")
    assert zh["visit_record"].endswith("客户回访记录表\t填写后汇总到：拜访记录")
    assert en["visit_record"].endswith("Customer Visit Record\tinput → Visits")
    assert zh["quotation"].endswith("报价单\t填写后汇总到：报价单、报价明细")
    assert en["account_statement"].endswith("Statement\toutput: made from the master, not consolidated")
    assert zh["account_statement"].endswith("输出：由程序根据总表生成，不汇总")
    for form_id, route in ROUTES.items():
        assert zh[form_id].endswith("：" + "、".join(table_label(t, "zh") for t in route_tables(route)))
        assert en[form_id].endswith("→ " + ", ".join(table_label(t, "en") for t in route_tables(route)))
    for form_id in OUTPUT_FORMS:
        assert "\toutput: " in en[form_id]
    for form_id, line in zh.items():
        # Past the id column a zh line is Chinese: the title, 第/v version, the role and table names.
        assert not re.findall(r"[A-Za-z]{3,}", line.split(maxsplit=2)[2]), line
        assert f"v{load_form(form_id).version}" in line
