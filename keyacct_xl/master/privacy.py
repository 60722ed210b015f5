"""What counts as personal data in the master, and which values stand for a customer or a person.

Under China's PIPL the contact details and profiles of named people are personal information; health, religion,
family and the other Mackay-66 answers are sensitive personal information. The schema declares each personal column
(``Column.sensitive``); a column a user added is personal when its header says so (身份证, 手机, passport ...).
Form fields marked ``sensitive`` or typed phone / e-mail count too, because their values reach the ledger's and the
history's JSON under the field's key. docs/privacy.md lists every field and where it can appear.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from keyacct_xl.headers import normalize_header
from keyacct_xl.master.schema import ALL_TABLES, TableSchema

# Header words that mark a column as personal, as users name them in zh and en (matched after folding).
_PERSONAL_ZH = (
    "身份证",
    "护照",
    "证件号",
    "银行卡",
    "银行账号",
    "银行帐号",
    "手机",
    "电话",
    "微信",
    "邮箱",
    "生日",
    "出生",
    "籍贯",
    "家庭",
    "配偶",
    "子女",
    "婚姻",
    "健康",
    "病史",
    "宗教",
    "信仰",
    "政治面貌",
)
_PERSONAL_EN = re.compile(
    r"(?<![a-z])(?:id ?(?:number|no|card)|passport|iban|bank ?account|bank ?card|mobile|cell ?phone|phone|tel"
    r"|telephone|birthday|birth ?date|date ?of ?birth|e ?mail|wechat|qq|spouse|marital|health|religion)(?![a-z])"
)
_SEPARATORS = re.compile(r"[\s_\-/\\()（）\[\]【】:：.。*＊#№]+")

# Columns whose values name a customer or a person, or identify a file a rep sent, by column key. A key means the
# same in every table and inside the ledger's and the history's JSON (no table has a "name" that is not a name).
PSEUDONYM_KINDS: dict[str, str] = {
    "customer_id": "customer",
    "contact_id": "contact",
    "name": "name",
    "short_name": "name",
    "customer_name": "name",
    "company": "name",
    "contact": "name",
    "rep": "name",
    "owner": "name",
    "legal_rep": "name",
    "quoted_by": "name",
    "approved_by": "name",
    "reviewed_by": "name",
    "filled_by": "name",
    "prepared_by": "name",
    "registered_by": "name",
    "handler": "name",
    "manager": "name",
    "supervisor": "name",
    "supervisor_name": "name",
    "participants": "name",
    "team": "name",
    "source_file": "file",
    "file_name": "file",
}
# Settings whose value names people (folder of each rep): left out of a pseudonymized export.
PERSONAL_SETTINGS = ("rep_folders",)
# Columns that let anyone look a customer up in a public register or a map, whatever its pseudonym: left empty in
# a pseudonymized export.
IDENTIFYING: dict[str, tuple[str, ...]] = {"Customers": ("address", "tax_id", "fax")}


def is_personal_header(header: object) -> bool:
    """Whether a column header (or a JSON key) names personal data: 身份证号, 手机, Passport, bank_account ..."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    if any(word in normalize_header(text) for word in _PERSONAL_ZH):
        return True
    return bool(_PERSONAL_EN.search(_SEPARATORS.sub(" ", text)))


def is_sensitive_column(schema: TableSchema, label: str, header: str | None = None) -> bool:
    """Whether column ``label`` of ``schema``'s table holds personal data: declared in the schema for its own
    columns, found by the header (as written in the file, else the label) for a column the user added."""
    if label in schema.keys:
        return schema.column(label).sensitive
    return is_personal_header(header or label)


@functools.cache
def _sensitive_keys() -> frozenset[str]:
    """Keys declared sensitive anywhere: master and consolidation columns, form fields (sensitive, phone, e-mail)."""
    from keyacct_xl.forms.catalog import load_catalog
    from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES

    keys = {c.key for t in (*ALL_TABLES, *ALL_CONSOLIDATION_TABLES.values()) for c in t.columns if c.sensitive}
    for spec in load_catalog():
        keys |= {f.key for s in spec.sections for f in s.fields if f.sensitive or f.type in ("phone", "email")}
    return frozenset(keys)


@functools.cache
def _sensitive_labels() -> frozenset[str]:
    """The headers and labels (both languages, aliases, folded) of every key ``_sensitive_keys`` holds."""
    from keyacct_xl.forms.catalog import load_catalog
    from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES

    labels = {
        normalize_header(n)
        for t in (*ALL_TABLES, *ALL_CONSOLIDATION_TABLES.values())
        for c in t.columns
        if c.sensitive
        for n in (c.key, c.zh, c.en, *c.aliases)
    }
    for spec in load_catalog():
        labels |= {
            normalize_header(n)
            for s in spec.sections
            for f in s.fields
            if f.sensitive or f.type in ("phone", "email")
            for n in (f.key, f.label.zh, f.label.en)
        }
    return frozenset(labels)


def is_sensitive_key(key: str) -> bool:
    """Whether a JSON key of the ledger or the history (a column key, a form field key, a user's header) is
    personal data; an older form's dropped table column is keyed ``section.key`` and judged by its field key, a
    value the ledger keeps under the form's label (办公电话, 联系人 · 手机) by that label."""
    field = key.rpartition(".")[2]
    label = key.rpartition(" · ")[2]
    return (
        key in _sensitive_keys() or field in _sensitive_keys() or is_personal_header(key) or is_sensitive_label(label)
    )


def is_sensitive_label(label: str) -> bool:
    """Whether a field as a report names it (a form label or column header, zh or en) is personal data."""
    return normalize_header(label) in _sensitive_labels() or is_personal_header(label)


def pseudonym_kind(key: str) -> str | None:
    """What a column's values stand for (``customer``, ``contact``, ``name``, ``file``), or None when nothing."""
    return PSEUDONYM_KINDS.get(key)
