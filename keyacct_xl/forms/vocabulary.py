"""A company's own words for a form's choice fields: the values its master already holds in the column a field fills.

The catalogue lists the categories DOMAIN.md names (重要客户, 主要客户 ...); a company that keeps its customers as
经销商 and 终端 has those in its master, and a card pre-filled from it comes back with them. Consolidation checks a
returned form against the catalogue's choices and these, so a value the master holds is never an error in a field
the rep did not touch; a word neither knows still is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from keyacct_xl.forms.spec import Choice, FieldSpec, FormSpec, choice_key

# Master columns whose words are the company's own (descriptions of a customer or contact); a grade, a credit grade,
# a visit's method or an opportunity's stage are the policy's and the forms' words, and stay closed lists.
OWN_VOCABULARY = frozenset(
    {
        "Customers.category",
        "Customers.enterprise_nature",
        "Customers.industry",
        "Customers.outlet_type",
        "Customers.location_type",
        "Contacts.decision_role",
        "Contacts.education",
        "Contacts.relationship_level",
    }
)


def with_master_words(spec: FormSpec, tables: Mapping[str, pd.DataFrame]) -> FormSpec:
    """``spec`` with each choice field that fills a column of ``OWN_VOCABULARY`` also offering the values ``tables``
    (master frames by table name) hold in that column."""
    sections = tuple(
        dataclasses.replace(s, fields=tuple(_with_words(f, tables) for f in s.fields)) for s in spec.sections
    )
    return spec if sections == spec.sections else dataclasses.replace(spec, sections=sections)


def master_words(spec: FormSpec, tables: Mapping[str, pd.DataFrame]) -> dict[str, tuple[str, ...]]:
    """Per choice field of ``spec`` that fills a column of ``OWN_VOCABULARY``, the words ``tables`` hold there that
    its list does not: what a form generated from the master offers in the field's dropdown after the catalogue's."""
    found = {f.key: _new_words(f, tables) for s in spec.sections for f in s.fields}
    return {key: words for key, words in found.items() if words}


def _with_words(field: FieldSpec, tables: Mapping[str, pd.DataFrame]) -> FieldSpec:
    words = _new_words(field, tables)
    if not words:
        return field
    return dataclasses.replace(field, choices=(*field.choices, *(Choice(w, w, w) for w in words)))


def _new_words(field: FieldSpec, tables: Mapping[str, pd.DataFrame]) -> tuple[str, ...]:
    """The words the master holds in the column ``field`` fills that its choices do not name, sorted."""
    if field.type != "choice" or field.maps_to not in OWN_VOCABULARY:
        return ()
    table, column = field.maps_to.split(".")
    frame = tables.get(table)
    if frame is None or column not in frame.columns:
        return ()
    known = {choice_key(name) for c in field.choices for name in (*c.names, *c.synonyms)}
    words: dict[str, str] = {}
    for value in frame[column].dropna().astype(str):
        word = value.strip()
        if word and choice_key(word) not in known:
            words.setdefault(choice_key(word), word)
    return tuple(sorted(words.values()))
