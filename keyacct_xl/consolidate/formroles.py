"""What each form of the catalog is to consolidation: an input that feeds master tables, or an output we send.

``keyacct-xl forms list`` shows it, so a user sees which filled forms come back into the master and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from keyacct_xl.consolidate.routes import OUTPUT_FORMS, ROUTES, route_tables
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import TABLES_BY_NAME
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import listing, tr

Role = Literal["input", "output", "none"]


def table_label(table: str, lang: Lang) -> str:
    """A master table as its sheet is named in ``lang`` (拜访记录 / Visits); an unknown name as it is."""
    schema = ALL_CONSOLIDATION_TABLES.get(table) or TABLES_BY_NAME.get(table)
    return (schema.sheet_zh if lang == "zh" else schema.sheet_en) if schema else table


@dataclass(frozen=True)
class FormRole:
    """One form: whether a filled copy is consolidated (into which master tables) or the form is an output."""

    spec: FormSpec
    role: Role
    tables: tuple[str, ...] = ()

    def describe(self, lang: Lang) -> str:
        """The role in ``lang``: 填写后汇总到：拜访记录 / input → Visits; 输出 … / output …."""
        if self.role == "input":
            names = listing(table_label(t, lang) for t in self.tables)
            return tr(lang, "input → {tables}", tables=names)
        if self.role == "output":
            return tr(lang, "output: made from the master, not consolidated")
        return tr(lang, "not consolidated yet")


def form_roles() -> list[FormRole]:
    """Every catalog form (sorted by id) with its role."""
    roles = []
    for spec in load_catalog():
        if spec.id in ROUTES:
            roles.append(FormRole(spec, "input", route_tables(ROUTES[spec.id])))
        else:
            roles.append(FormRole(spec, "output" if spec.id in OUTPUT_FORMS else "none"))
    return roles
