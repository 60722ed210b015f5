"""Warnings an analysis command prints before its results: referential problems of the master it reads."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from keyacct_xl.i18n import Lang
from keyacct_xl.master.integrity import master_integrity
from keyacct_xl.master.model import Master
from keyacct_xl.master.schema import TableSchema


def warn_references(master: Master, tables: Sequence[TableSchema], lang: Lang) -> None:
    """One line per problem kind on stderr (the command goes on): ids not in Customers, duplicate ids."""
    for line in master_integrity(master, tables).warning_lines(lang):
        print(f"keyacct-xl: {line}", file=sys.stderr)
