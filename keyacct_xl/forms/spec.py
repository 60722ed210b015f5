"""Form specs: YAML files in templates/forms loaded into frozen, validated models.

Field types and constraint names follow the Frictionless Table Schema vocabulary where it fits
(``required``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``, ``pattern``); the types add what
paper forms need (money, choice, yes/no, signature). A malformed spec raises SpecError "file: field: problem".
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from keyacct_xl.forms.formula import check_formula, formula_refs
from keyacct_xl.master.schema import TABLES_BY_NAME
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
from keyacct_xl.messages import Pair, msg
from keyacct_xl.yamlcheck import (
    Where,
    read_bool,
    read_int,
    read_key,
    read_mapping,
    read_number,
    read_str,
    read_yaml,
)

FieldType = Literal[
    "text",
    "integer",
    "number",
    "money",
    "percent",
    "date",
    "time",
    "choice",
    "multi_choice",
    "yes_no",
    "phone",
    "email",
    "signature",
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
SectionKind = Literal["fields", "table"]
Orientation = Literal["portrait", "landscape"]
DatePrecision = Literal["day", "month"]
DATE_PRECISIONS: tuple[str, ...] = DatePrecision.__args__  # type: ignore[attr-defined]
# What a number field counts, when its label names a unit (注册资本(万元), 建议账期(天)): a number typed with that
# unit (30天, 2次, 500万) is read as the number in it (consolidate.fieldcheck).
UNITS: tuple[str, ...] = ("wan_yuan", "days", "times", "km", "hours", "people")
# Fields every title block can carry (rep, period, fill date); spec fields may not reuse these keys.
TITLE_FIELDS: tuple[str, ...] = ("rep", "period", "fill_date")


@dataclass(frozen=True)
class Text:
    """A text in both languages."""

    zh: str
    en: str


@functools.lru_cache(maxsize=8192)
def choice_key(text: str) -> str:
    """The form a typed choice is compared in: full-width folded (NFKC), spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice field: the stored value, its zh/en labels and the words read as it."""

    value: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()  # what people write for this choice (面访 for 面谈); read as it, noted

    @property
    def names(self) -> tuple[str, ...]:
        """The texts that name this choice directly: value, labels and the bilingual dropdown entry."""
        return (self.value, self.zh, self.en, f"{self.zh} {self.en}")


@dataclass(frozen=True)
class Constraints:
    """Frictionless-style constraints on a field's value."""

    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


# The text fields whose value is a code written in digits (客户编号, 单据编号, 单品编码, 银行账号), by their key's
# ending; a WeChat/QQ field holds a QQ number as often as a WeChat id.
_CODE_KEY_ENDINGS = ("_id", "_no", "_code", "_account")
_CODE_KEYS = frozenset({"wechat"})


@dataclass(frozen=True)
class FieldSpec:
    """One field: a key-value cell in a header section or a column of a repeating table."""

    key: str
    label: Text
    type: FieldType = "text"
    constraints: Constraints = Constraints()
    choices: tuple[Choice, ...] = ()
    help: Text | None = None
    width: float = 12
    sensitive: bool = False
    maps_to: str | None = None
    lines: int = 1
    formula: str | None = None
    total: bool = False
    format: str | None = None
    manager_only: bool = False  # set by the key-account manager; a rep's value is ignored on consolidation
    unit: str | None = None  # one of UNITS: what a number field counts, so 30天 reads 30 and 500万 reads 500 (万元)
    # A date that cannot lie after the form's date (a purchase, a first trade, a founding): typed without a year,
    # it takes the latest year not after that date, not the year nearest the period (consolidate.periods).
    past: bool = False
    not_after: str | None = None  # an earlier date field of the section this date cannot lie after (购买日期, 受理日期)
    # A date of what the form reports for its period (a visit, a request received, a quote): one lying outside the
    # period is warned of at its cell. A line's row-key date is one by itself (consolidate.validate).
    in_period: bool = False
    # How exact a date the field asks for: "month" where the month is often all that is known (a founding date), so a
    # month typed alone (2010年5月) reads as its first day, with a note; "day" refuses it as no date.
    precision: DatePrecision = "day"

    @property
    def required(self) -> bool:
        """Whether the form is incomplete without a value."""
        return self.constraints.required

    @property
    def holds_code(self) -> bool:
        """Whether the value is a code whose digits are what was typed (a phone, an id, a tax id, a product code, an
        account number), never a number: 13812345678.0 is 13812345678, and a number cell that lost digits is no code."""
        return self.type == "phone" or (
            self.type == "text" and (self.key in _CODE_KEYS or self.key.endswith(_CODE_KEY_ENDINGS))
        )

    @property
    def enum(self) -> tuple[str, ...]:
        """The allowed stored values (Frictionless ``enum``)."""
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class SectionSpec:
    """A block of header fields (``fields``) or a repeating table (``table``) with ``rows`` blank lines."""

    id: str
    kind: SectionKind
    title: Text
    fields: tuple[FieldSpec, ...]
    columns: int = 2
    rows: int = 0
    # Blank lines a pre-filled table keeps under its lines, for the ones the rep adds: a protected sheet lets no
    # line be inserted, so a table the pre-fill filled to its last row took no new opportunity or visit.
    room: int = 0
    # The field naming each line a pre-fill gives (an opportunity's id): a pre-filled line that does not come back
    # is reported, as deleting a line closes nothing in the master.
    line_id: str | None = None


def field_label(fields: Iterable[FieldSpec], key: str) -> Pair:
    """The label in both languages of the field ``key`` among ``fields`` (its key, for a field the spec no longer
    has: a form of an older version may name one)."""
    found = next((f for f in fields if f.key == key), None)
    return Pair(key, key) if found is None else Pair(found.label.en, found.label.zh)


@dataclass(frozen=True)
class FormChange:
    """How the fields of ``version`` differ from the version before: keys renamed (old, new) and keys dropped."""

    version: int
    renamed: tuple[tuple[str, str], ...] = ()
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    """One standard form."""

    id: str
    version: int
    title: Text
    sections: tuple[SectionSpec, ...]
    orientation: Orientation = "portrait"
    title_fields: tuple[str, ...] = ("rep", "period", "fill_date")
    notes: tuple[Text, ...] = ()
    source: str = ""
    changes: tuple[FormChange, ...] = ()  # oldest first, so a copy filled on an earlier version still reads
    # The book currency its money labels name (forms.currency.in_currency): the catalogue's are in CNY.
    currency: str = "CNY"

    def key_now(self, key: str, version: int) -> tuple[str | None, int]:
        """What field ``key`` of a copy filled on ``version`` is in this version, and the version that last changed
        it (0: none did). The key is None when a later version dropped the field."""
        changed = 0
        for change in self.changes:
            if change.version <= version:
                continue
            if key in change.dropped:
                return None, change.version
            renamed = dict(change.renamed).get(key)
            if renamed is not None:
                key, changed = renamed, change.version
        return key, changed

    def field_keys(self, section_id: str | None = None) -> frozenset[str]:
        """The keys of one section's fields, or of the title block and every section when ``section_id`` is None."""
        if section_id is not None:
            return frozenset(f.key for f in self.section(section_id).fields)
        return frozenset((*self.title_fields, *(f.key for s in self.sections for f in s.fields)))

    @property
    def tables(self) -> tuple[SectionSpec, ...]:
        """The repeating-table sections."""
        return tuple(s for s in self.sections if s.kind == "table")

    @property
    def header_fields(self) -> tuple[FieldSpec, ...]:
        """Every key-value field of the header sections, in order."""
        return tuple(f for s in self.sections if s.kind == "fields" for f in s.fields)

    def section(self, section_id: str) -> SectionSpec:
        """The section with ``section_id``."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    @functools.cached_property  # a spec is immutable; its hash serializes all of it (a run asks once per file)
    def hash(self) -> str:
        """sha256 of the canonical spec (sorted-key JSON of the loaded model): changes with any content change.

        Choice synonyms, fields' units, the dates a field's date cannot lie after (``past``, ``not_after``), whether
        it lies in the period (``in_period``), the day a month typed alone stands for (``precision``) and the
        version changes are left out: they change how a cell or an
        older copy is read, not the form a rep holds, so adding one does not make every form in circulation look
        outdated;
        so is a table's room, the blank lines a pre-filled copy keeps (its file's _meta says where its lines are),
        and its line id, which says how a returned copy is read.
        """
        model = asdict(self)
        del model["changes"], model["currency"]
        for section in model["sections"]:
            del section["room"], section["line_id"]
            for field in section["fields"]:
                del field["unit"], field["past"], field["not_after"], field["in_period"], field["precision"]
                for choice in field["choices"]:
                    del choice["synonyms"]
        canonical = json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(value: Any, where: Where) -> Text:
    raw = read_mapping(value, where, {"zh", "en"}, {"zh", "en"})
    return Text(read_str(raw["zh"], where.at("zh")), read_str(raw["en"], where.at("en")))


def _choice(value: Any, where: Where) -> Choice:
    """A choice: ``"A"``, ``"电话|Phone"`` (value = en label) or ``{value, zh, en, synonyms}``."""
    if isinstance(value, dict):
        raw = read_mapping(value, where, {"value", "zh", "en", "synonyms"}, {"zh", "en"})
        zh, en = read_str(raw["zh"], where.at("zh")), read_str(raw["en"], where.at("en"))
        return Choice(
            read_str(raw.get("value", en), where.at("value")),
            zh,
            en,
            _synonyms(raw.get("synonyms", []), where.at("synonyms")),
        )
    text = read_str(value, where)
    zh, _, en = text.partition("|")
    zh, en = zh.strip(), (en.strip() or zh.strip())
    if not zh:
        raise where.fail(msg("{text!r} has no zh label", text=text))
    return Choice(en, zh, en)


def _choices(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> tuple[Choice, ...]:
    if isinstance(value, str):
        if value not in lists:
            raise where.fail(
                msg("unknown shared list {value!r} (known: {known})", value=value, known=", ".join(sorted(lists)))
            )
        return lists[value]
    if not isinstance(value, list) or not value:
        raise where.fail(msg("expected a non-empty list of choices or a shared list name"))
    choices = tuple(_choice(item, where.at(i)) for i, item in enumerate(value))
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        dup = next(v for v in values if values.count(v) > 1)
        raise where.fail(msg("choice {choice!r} appears twice", choice=dup))
    _check_synonyms(choices, where)
    return choices


def _synonyms(value: Any, where: Where) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise where.fail(msg("expected a list of words"))
    return tuple(read_str(item, where.at(i)).strip() for i, item in enumerate(value))


def _check_synonyms(choices: tuple[Choice, ...], where: Where) -> None:
    """A synonym must read as one choice only: never another choice's value or label, never two choices'."""
    named = {choice_key(n): c for c in choices for n in c.names}
    taken: dict[str, Choice] = {}
    for i, c in enumerate(choices):
        for j, word in enumerate(c.synonyms):
            at, key = where.at(i).at("synonyms").at(j), choice_key(word)
            if not key:
                raise at.fail(msg("a synonym may not be blank"))
            other = named.get(key) or taken.get(key)
            if other is not None and other is not c:
                raise at.fail(msg("{word!r} would read as both {one} and {other}", word=word, one=c.zh, other=other.zh))
            taken[key] = c


def _constraints(value: Any, where: Where) -> Constraints:
    raw = read_mapping(value, where, {"required", "minimum", "maximum", "minLength", "maxLength", "pattern"})
    c = Constraints(
        required=read_bool(raw.get("required", False), where.at("required")),
        minimum=read_number(raw["minimum"], where.at("minimum")) if "minimum" in raw else None,
        maximum=read_number(raw["maximum"], where.at("maximum")) if "maximum" in raw else None,
        min_length=read_int(raw["minLength"], where.at("minLength"), 0, 32767) if "minLength" in raw else None,
        max_length=read_int(raw["maxLength"], where.at("maxLength"), 1, 32767) if "maxLength" in raw else None,
        pattern=read_str(raw["pattern"], where.at("pattern")) if "pattern" in raw else None,
    )
    if c.minimum is not None and c.maximum is not None and c.minimum > c.maximum:
        raise where.at("minimum").fail(
            msg("minimum {minimum:g} is above maximum {maximum:g}", minimum=c.minimum, maximum=c.maximum)
        )
    if c.min_length is not None and c.max_length is not None and c.min_length > c.max_length:
        raise where.at("minLength").fail(msg("minLength is above maxLength"))
    if c.pattern is not None:
        try:
            re.compile(c.pattern)
        except re.error as exc:
            raise where.at("pattern").fail(msg("not a valid regular expression ({exc})", exc=exc)) from None
    return c


def _maps_to(value: Any, where: Where) -> str:
    text = read_str(value, where)
    table, _, column = text.partition(".")
    schema = TABLES_BY_NAME.get(table) or ALL_CONSOLIDATION_TABLES.get(table)  # the tables forms come back into
    if schema is None or column not in schema.keys:
        raise where.fail(msg("{text!r} is not a master column (Table.column, e.g. Visits.date)", text=text))
    return text


_FIELD_KEYS = {
    "key",
    "label",
    "type",
    "constraints",
    "choices",
    "help",
    "width",
    "sensitive",
    "maps_to",
    "lines",
    "formula",
    "total",
    "format",
    "manager_only",
    "unit",
    "past",
    "not_after",
    "in_period",
    "precision",
}
# Types whose display an Excel number format (the spec's ``format``) can change.
_FORMATTABLE = {"integer", "number", "money", "percent", "date", "time"}


def _field(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> FieldSpec:
    raw = read_mapping(value, where, _FIELD_KEYS, {"key", "label"})
    kind = raw.get("type", "text")
    if kind not in FIELD_TYPES:
        raise where.at("type").fail(msg("{kind!r} is not one of {types}", kind=kind, types=", ".join(FIELD_TYPES)))
    needs_choices = kind in ("choice", "multi_choice")
    if needs_choices != ("choices" in raw):
        raise where.at("choices").fail(
            msg("choice fields need choices")
            if needs_choices
            else msg("choices are only allowed on choice fields, not {kind}", kind=kind)
        )
    formula = read_str(raw["formula"], where.at("formula")) if "formula" in raw else None
    number_format = read_str(raw["format"], where.at("format")) if "format" in raw else None
    if number_format and kind not in _FORMATTABLE:
        raise where.at("format").fail(
            msg("format applies to {types}, not {kind}", types=", ".join(sorted(_FORMATTABLE)), kind=kind)
        )
    for key in ("past", "not_after", "in_period", "precision"):
        if key in raw and kind != "date":
            raise where.at(key).fail(msg("{key} applies to date fields, not {kind}", key=key, kind=kind))
    return FieldSpec(
        key=read_key(raw["key"], where.at("key")),
        label=_text(raw["label"], where.at("label")),
        type=kind,
        constraints=_constraints(raw.get("constraints", {}), where.at("constraints")),
        choices=_choices(raw["choices"], where.at("choices"), lists) if needs_choices else (),
        help=_text(raw["help"], where.at("help")) if "help" in raw else None,
        width=read_number(raw.get("width", 12), where.at("width")),
        sensitive=read_bool(raw.get("sensitive", False), where.at("sensitive")),
        maps_to=_maps_to(raw["maps_to"], where.at("maps_to")) if "maps_to" in raw else None,
        lines=read_int(raw.get("lines", 1), where.at("lines"), 1, 12),
        formula=formula,
        total=read_bool(raw.get("total", False), where.at("total")),
        format=number_format,
        manager_only=read_bool(raw.get("manager_only", False), where.at("manager_only")),
        unit=_unit(raw["unit"], where.at("unit"), kind) if "unit" in raw else None,
        past=read_bool(raw.get("past", False), where.at("past")),
        not_after=read_key(raw["not_after"], where.at("not_after")) if "not_after" in raw else None,
        in_period=read_bool(raw.get("in_period", False), where.at("in_period")),
        precision=_precision(raw["precision"], where.at("precision")) if "precision" in raw else "day",
    )


def _precision(value: Any, where: Where) -> DatePrecision:
    """A date field's precision: one of DATE_PRECISIONS."""
    if value not in DATE_PRECISIONS:
        raise where.fail(
            msg("{precision!r} is not one of {precisions}", precision=value, precisions=", ".join(DATE_PRECISIONS))
        )
    return value


def _unit(value: Any, where: Where, kind: str) -> str:
    """A number field's unit: one of UNITS, on an integer or number field."""
    unit = read_str(value, where)
    if unit not in UNITS:
        raise where.fail(msg("{unit!r} is not one of {units}", unit=unit, units=", ".join(UNITS)))
    if kind not in ("integer", "number"):
        raise where.fail(msg("unit applies to integer and number fields, not {kind}", kind=kind))
    return unit


def _section(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> SectionSpec:
    required = {"id", "kind", "title", "fields"}
    raw = read_mapping(value, where, required | {"columns", "rows", "room", "line_id"}, required)
    kind = raw["kind"]
    if kind not in ("fields", "table"):
        raise where.at("kind").fail(msg("{kind!r} is not fields or table", kind=kind))
    items = raw["fields"]
    if not isinstance(items, list) or not items:
        raise where.at("fields").fail(msg("expected a non-empty list of fields"))
    fields = tuple(_field(item, where.at("fields").at(i), lists) for i, item in enumerate(items))
    section = SectionSpec(
        id=read_key(raw["id"], where.at("id")),
        kind=kind,
        title=_text(raw["title"], where.at("title")),
        fields=fields,
        columns=read_int(raw.get("columns", 2), where.at("columns"), 1, 4),
        rows=read_int(raw.get("rows", 10 if kind == "table" else 0), where.at("rows"), int(kind == "table"), 500),
        room=read_int(raw.get("room", 0), where.at("room"), 0, 100),
        line_id=read_key(raw["line_id"], where.at("line_id")) if "line_id" in raw else None,
    )
    _check_section(section, where)
    return section


def _check_section(section: SectionSpec, where: Where) -> None:
    keys = [f.key for f in section.fields]
    if section.line_id is not None and (section.kind != "table" or section.line_id not in keys):
        raise where.at("line_id").fail(msg("line_id must name a field of the table, not {key!r}", key=section.line_id))
    for i, f in enumerate(section.fields):
        at = where.at("fields").at(i)
        if f.key in keys[:i]:
            raise at.at("key").fail(msg("{key!r} appears twice in the section", key=f.key))
        if section.kind == "fields" and (f.formula or f.total):
            raise at.fail(msg("formula and total are only allowed in tables"))
        if section.kind == "table" and f.lines > 1:
            raise at.at("lines").fail(msg("lines is only allowed on header fields"))
        if f.manager_only and section.kind == "table":
            raise at.at("manager_only").fail(msg("manager_only is only allowed on header fields"))
        if f.manager_only and f.required:
            raise at.at("manager_only").fail(msg("a manager_only field cannot be required: a rep does not fill it"))
        if f.not_after is not None and not any(e.key == f.not_after and e.type == "date" for e in section.fields[:i]):
            raise at.at("not_after").fail(
                msg("not_after must name a date field before this one in the section, not {key!r}", key=f.not_after)
            )
        for ref in formula_refs(f.formula or ""):
            if ref not in keys or ref == f.key:
                raise at.at("formula").fail(msg("{{{ref}}} is not another column of this table", ref=ref))
        if f.formula:
            try:
                check_formula(f.formula)
            except ValueError as exc:
                raise at.at("formula").fail(
                    msg("a formula may use only + - * / ( ), {{columns}} and numbers ({exc})", exc=exc)
                ) from None


def load_lists(path: Path) -> dict[str, tuple[Choice, ...]]:
    """Shared choice lists (``_lists.yaml``): name -> choices."""
    where = Where(path.name)
    raw = read_yaml(path, where)
    if not isinstance(raw, dict):
        raise where.fail(msg("expected a mapping of list names to choices"))
    return {
        read_key(name, where.at(str(name))): _choices(items, where.at(str(name)), {}) for name, items in raw.items()
    }


def _change(value: Any, where: Where, previous: int, latest: int) -> FormChange:
    """One entry of ``changes``: ``{version: 2, renamed: {old_key: new_key}, dropped: [key]}``."""
    raw = read_mapping(value, where, {"version", "renamed", "dropped"}, {"version"})
    version = read_int(raw["version"], where.at("version"), 2, 9999)
    if version > latest:
        raise where.at("version").fail(
            msg("version {version} is newer than the form's version {latest}", version=version, latest=latest)
        )
    if version <= previous:
        raise where.at("version").fail(
            msg("versions must increase: {version} comes after {previous}", version=version, previous=previous)
        )
    renamed_raw = raw.get("renamed", {})
    if not isinstance(renamed_raw, dict):
        raise where.at("renamed").fail(msg("expected a mapping of old key to new key"))
    renamed = tuple(
        (read_key(old, where.at("renamed").at(str(old))), read_key(new, where.at("renamed").at(str(old))))
        for old, new in renamed_raw.items()
    )
    dropped_raw = raw.get("dropped", [])
    if not isinstance(dropped_raw, list):
        raise where.at("dropped").fail(msg("expected a list of field keys"))
    dropped = tuple(read_key(key, where.at("dropped").at(i)) for i, key in enumerate(dropped_raw))
    if not renamed and not dropped:
        raise where.fail(msg("a change renames or drops at least one field"))
    _check_change(FormChange(version, renamed, dropped), where)
    return FormChange(version, renamed, dropped)


def _check_change(change: FormChange, where: Where) -> None:
    """Within one version: each field renamed or dropped once, never to a title field, two never merged into one."""
    news = [new for _, new in change.renamed]
    for old, new in change.renamed:
        at = where.at("renamed").at(old)
        if old == new:
            raise at.fail(msg("{old!r} is renamed to itself", old=old))
        if old in TITLE_FIELDS or new in TITLE_FIELDS:
            raise at.fail(msg("the title block's fields ({fields}) keep their keys", fields=", ".join(TITLE_FIELDS)))
        if news.count(new) > 1:
            raise at.fail(msg("two fields are renamed to {new!r}", new=new))
    olds = {old for old, _ in change.renamed}
    for i, key in enumerate(change.dropped):
        at = where.at("dropped").at(i)
        if key in TITLE_FIELDS:
            raise at.fail(msg("the title block's field {key!r} cannot be dropped", key=key))
        if key in olds or change.dropped.index(key) != i:
            raise at.fail(msg("{key!r} is named twice in this change", key=key))


def _check_changes(spec: FormSpec, where: Where) -> None:
    """Every renamed field ends as a field of this version (or is dropped later); no dropped key is a field again."""
    keys = spec.field_keys()
    for i, change in enumerate(spec.changes):
        at = where.at("changes").at(i)
        for old, new in change.renamed:
            final, _ = spec.key_now(new, change.version)
            if final is not None and final not in keys:
                raise (
                    at.at("renamed")
                    .at(old)
                    .fail(
                        msg(
                            "{old!r} is renamed to {new!r}, which is not a field of version {version}",
                            old=old,
                            new=new,
                            version=spec.version,
                        )
                    )
                )
        for j, key in enumerate(change.dropped):
            if key in keys:
                raise (
                    at.at("dropped")
                    .at(j)
                    .fail(
                        msg(
                            "{key!r} is dropped but version {version} has a field {key!r}: "
                            "give the new field another key, so old copies' values are not read into it",
                            key=key,
                            version=spec.version,
                        )
                    )
                )


def _changes(value: Any, where: Where, latest: int) -> tuple[FormChange, ...]:
    if not isinstance(value, list):
        raise where.fail(msg("expected a list of {{version, renamed, dropped}}"))
    changes: list[FormChange] = []
    for i, item in enumerate(value):
        changes.append(_change(item, where.at(i), changes[-1].version if changes else 1, latest))
    return tuple(changes)


_FORM_KEYS = {"id", "version", "title", "sections", "orientation", "title_fields", "notes", "source", "changes"}


def parse_spec(raw: Any, *, file: str, lists: dict[str, tuple[Choice, ...]] | None = None) -> FormSpec:
    """Validate one parsed YAML document and build its FormSpec."""
    where = Where(file)
    raw = read_mapping(raw, where, _FORM_KEYS, {"id", "version", "title", "sections"})
    orientation = raw.get("orientation", "portrait")
    if orientation not in ("portrait", "landscape"):
        raise where.at("orientation").fail(msg("{orientation!r} is not portrait or landscape", orientation=orientation))
    title_fields = raw.get("title_fields", ["rep", "period", "fill_date"])
    if not isinstance(title_fields, list) or any(t not in TITLE_FIELDS for t in title_fields):
        raise where.at("title_fields").fail(msg("expected a list drawn from {fields}", fields=", ".join(TITLE_FIELDS)))
    sections = raw["sections"]
    if not isinstance(sections, list) or not sections:
        raise where.at("sections").fail(msg("expected a non-empty list of sections"))
    notes = raw.get("notes", [])
    if not isinstance(notes, list):
        raise where.at("notes").fail(msg("expected a list of {{zh, en}} notes"))
    version = read_int(raw["version"], where.at("version"), 1, 9999)
    spec = FormSpec(
        id=read_key(raw["id"], where.at("id")),
        version=version,
        title=_text(raw["title"], where.at("title")),
        sections=tuple(_section(s, where.at("sections").at(i), lists or {}) for i, s in enumerate(sections)),
        orientation=orientation,
        title_fields=tuple(title_fields),
        notes=tuple(_text(n, where.at("notes").at(i)) for i, n in enumerate(notes)),
        source=read_str(raw["source"], where.at("source")) if "source" in raw else "",
        changes=_changes(raw.get("changes", []), where.at("changes"), version),
    )
    _check_form(spec, where)
    _check_changes(spec, where)
    return spec


def _check_form(spec: FormSpec, where: Where) -> None:
    ids = [s.id for s in spec.sections]
    seen: set[str] = set(spec.title_fields)
    for i, section in enumerate(spec.sections):
        at = where.at("sections").at(i)
        if section.id in ids[:i]:
            raise at.at("id").fail(msg("section id {id!r} appears twice", id=section.id))
        if section.kind != "fields":
            continue
        # Header fields become workbook-wide names (f_<key>), so keys are unique across the form.
        for j, f in enumerate(section.fields):
            if f.key in seen:
                raise (
                    at.at("fields")
                    .at(j)
                    .at("key")
                    .fail(msg("{key!r} is already used by the title block or another section", key=f.key))
                )
            seen.add(f.key)


def load_spec(path: str | Path, *, lists: dict[str, tuple[Choice, ...]] | None = None) -> FormSpec:
    """Load and validate one spec file; its ``id`` must equal the file name."""
    path = Path(path)
    spec = parse_spec(read_yaml(path, Where(path.name)), file=path.name, lists=lists)
    if spec.id != path.stem:
        raise (
            Where(path.name)
            .at("id")
            .fail(msg("{id!r} differs from the file name {stem!r}", id=spec.id, stem=path.stem))
        )
    return spec
