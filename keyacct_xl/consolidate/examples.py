"""Filled examples of every input form: what a rep typed, and what consolidating it into the demo master gives.

Each example is a YAML file in templates/examples (``<form id>.yaml``): the header fields and table lines a rep
types (by field key), the rows each master table gains when the file is consolidated into the demo master
(``expect``), and a correction (``correction``: values changed in the header and in the first lines) that a
rep would send again. workbooks/examples, the demo's week of submissions and the round-trip tests are built from
them, so a new input form comes with a file a new user can open.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from keyacct_xl.consolidate.simulate import blank_form, fill_form
from keyacct_xl.errors import InputError
from keyacct_xl.fileio import write_replacing
from keyacct_xl.forms.catalog import load_form
from keyacct_xl.forms.layout import FormLang, choice_label
from keyacct_xl.forms.spec import FieldSpec
from keyacct_xl.messages import msg

Lines = dict[str, list[dict[str, object]]]


@dataclass(frozen=True)
class FormExample:
    """One filled form and what consolidation makes of it."""

    form_id: str
    header: dict[str, object]
    rows: Lines
    expect: dict[str, int]  # master table -> rows added by the first consolidation
    correction_header: dict[str, object] = field(default_factory=dict)
    correction_rows: Lines = field(default_factory=dict)  # section -> overrides of its first lines, in order

    def workbook(self, lang: FormLang = "zh") -> bytes:
        """The form generated and filled in, as a rep sends it."""
        return self._filled(self.header, self.rows, lang)

    def corrected_workbook(self, lang: FormLang = "zh") -> bytes:
        """The same form sent again with the correction typed over it."""
        rows = {
            section: [{**line, **(overrides[i] if i < len(overrides) else {})} for i, line in enumerate(lines)]
            for section, lines in self.rows.items()
            for overrides in [self.correction_rows.get(section, [])]
        }
        return self._filled({**self.header, **self.correction_header}, rows, lang)

    def _filled(self, header: dict[str, object], rows: Lines, lang: FormLang) -> bytes:
        # what a rep picks from the dropdowns of a form in ``lang`` (Yes, not 是, on an English form)
        fields = {f.key: f for section in load_form(self.form_id).sections for f in section.fields}
        header = _in_language(header, fields, lang)
        rows = {section: [_in_language(line, fields, lang) for line in lines] for section, lines in rows.items()}
        lines = {section: len(section_rows) for section, section_rows in rows.items()}
        return fill_form(blank_form(self.form_id, lang=lang, lines=lines), header=header, rows=rows)


def _in_language(values: dict[str, object], fields: dict[str, FieldSpec], lang: FormLang) -> dict[str, object]:
    """``values`` with each choice named as the form's dropdown in ``lang`` names it."""
    return {
        key: choice_label(fields[key], value, lang)
        if isinstance(value, str) and key in fields and fields[key].type in ("choice", "yes_no")
        else value
        for key, value in values.items()
    }


def examples_dir() -> Path:
    """The folder holding the examples (templates/examples, installed as keyacct_xl.templates/examples)."""
    return Path(str(importlib.resources.files("keyacct_xl.templates") / "examples"))


def example_ids() -> list[str]:
    """The forms that have a filled example, sorted."""
    return sorted(p.stem for p in examples_dir().glob("*.yaml"))


def _mapping(raw: Any, what: str, path: Path) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(msg("{path}: {what} must be a mapping", path=path, what=what))
    return raw


@functools.cache
def load_example(form_id: str) -> FormExample:
    """The example of ``form_id``; a missing or malformed file is an InputError naming it."""
    path = examples_dir() / f"{form_id}.yaml"
    if not path.is_file():
        raise InputError(msg("{path}: no filled example of form {form_id}", path=path, form_id=form_id))
    raw = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), "the example", path)
    if raw.get("form") != form_id:
        raise InputError(msg("{path}: 'form' must be {form_id}", path=path, form_id=form_id))
    correction = _mapping(raw.get("correction"), "correction", path)
    return FormExample(
        form_id,
        _mapping(raw.get("header"), "header", path),
        _mapping(raw.get("rows"), "rows", path),
        {str(k): int(v) for k, v in _mapping(raw.get("expect"), "expect", path).items()},
        _mapping(correction.get("header"), "correction.header", path),
        _mapping(correction.get("rows"), "correction.rows", path),
    )


def write_examples(folder: Path, lang: FormLang = "zh") -> list[Path]:
    """Every filled example as ``folder/<form id>.xlsx`` (workbooks/examples): byte-reproducible, written atomically.

    Every workbook is built before the first is written, so a malformed example leaves the folder as it was.
    """
    books = [(form_id, load_example(form_id).workbook(lang)) for form_id in example_ids()]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for form_id, content in books:
        written.append(write_replacing(folder / f"{form_id}.xlsx", content))
    return written
