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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from keyacct_xl.forms.formula import check_formula, formula_refs
from keyacct_xl.master.schema import TABLES_BY_NAME
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES
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

FieldType = Literal["text", "integer", "number", "money", "percent", "date", "time", "choice", "multi_choice",
                    "yes_no", "phone", "email", "signature"]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
SectionKind = Literal["fields", "table"]
Orientation = Literal["portrait", "landscape"]
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

    @property
    def required(self) -> bool:
        """Whether the form is incomplete without a value."""
        return self.constraints.required

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

    @property
    def hash(self) -> str:
        """sha256 of the canonical spec (sorted-key JSON of the loaded model): changes with any content change.

        Choice synonyms are left out: they change how a cell is read, not the form a rep holds, so adding one
        does not make every form in circulation look outdated.
        """
        model = asdict(self)
        for section in model["sections"]:
            for field in section["fields"]:
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
        return Choice(read_str(raw.get("value", en), where.at("value")), zh, en,
                      _synonyms(raw.get("synonyms", []), where.at("synonyms")))
    text = read_str(value, where)
    zh, _, en = text.partition("|")
    zh, en = zh.strip(), (en.strip() or zh.strip())
    if not zh:
        raise where.fail(f"{text!r} has no zh label", f"{text!r} 缺少中文标签")
    return Choice(en, zh, en)


def _choices(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> tuple[Choice, ...]:
    if isinstance(value, str):
        if value not in lists:
            raise where.fail(f"unknown shared list {value!r} (known: {', '.join(sorted(lists))})",
                             f"未知的共享列表 {value!r}（已有：{', '.join(sorted(lists))}）")
        return lists[value]
    if not isinstance(value, list) or not value:
        raise where.fail("expected a non-empty list of choices or a shared list name", "应为非空的选项列表或共享列表名")
    choices = tuple(_choice(item, where.at(i)) for i, item in enumerate(value))
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        dup = next(v for v in values if values.count(v) > 1)
        raise where.fail(f"choice {dup!r} appears twice", f"选项 {dup!r} 重复")
    _check_synonyms(choices, where)
    return choices


def _synonyms(value: Any, where: Where) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise where.fail("expected a list of words", "应为词语列表")
    return tuple(read_str(item, where.at(i)).strip() for i, item in enumerate(value))


def _check_synonyms(choices: tuple[Choice, ...], where: Where) -> None:
    """A synonym must read as one choice only: never another choice's value or label, never two choices'."""
    named = {choice_key(n): c for c in choices for n in c.names}
    taken: dict[str, Choice] = {}
    for i, c in enumerate(choices):
        for j, word in enumerate(c.synonyms):
            at, key = where.at(i).at("synonyms").at(j), choice_key(word)
            if not key:
                raise at.fail("a synonym may not be blank", "同义词不能为空")
            other = named.get(key) or taken.get(key)
            if other is not None and other is not c:
                raise at.fail(f"{word!r} would read as both {c.zh} and {other.zh}",
                              f"{word!r} 会同时读作 {c.zh} 和 {other.zh}")
            taken[key] = c


def _constraints(value: Any, where: Where) -> Constraints:
    raw = read_mapping(value, where, {"required", "minimum", "maximum", "minLength", "maxLength", "pattern"})
    c = Constraints(
        required=read_bool(raw.get("required", False), where.at("required")),
        minimum=read_number(raw["minimum"], where.at("minimum")) if "minimum" in raw else None,
        maximum=read_number(raw["maximum"], where.at("maximum")) if "maximum" in raw else None,
        min_length=read_int(raw["minLength"], where.at("minLength"), 0, 32767) if "minLength" in raw else None,
        max_length=read_int(raw["maxLength"], where.at("maxLength"), 1, 32767) if "maxLength" in raw else None,
        pattern=read_str(raw["pattern"], where.at("pattern")) if "pattern" in raw else None)
    if c.minimum is not None and c.maximum is not None and c.minimum > c.maximum:
        raise where.at("minimum").fail(f"minimum {c.minimum:g} is above maximum {c.maximum:g}",
                                       f"最小值 {c.minimum:g} 大于最大值 {c.maximum:g}")
    if c.min_length is not None and c.max_length is not None and c.min_length > c.max_length:
        raise where.at("minLength").fail("minLength is above maxLength", "minLength 大于 maxLength")
    if c.pattern is not None:
        try:
            re.compile(c.pattern)
        except re.error as exc:
            raise where.at("pattern").fail(f"not a valid regular expression ({exc})",
                                           f"不是有效的正则表达式（{exc}）") from None
    return c


def _maps_to(value: Any, where: Where) -> str:
    text = read_str(value, where)
    table, _, column = text.partition(".")
    # The tables consolidation adds (Quotations, QuotationLines ...) are master tables too.
    schema = TABLES_BY_NAME.get(table) or ALL_CONSOLIDATION_TABLES.get(table)
    if schema is None or column not in schema.keys:
        raise where.fail(f"{text!r} is not a master column (Table.column, e.g. Visits.date)",
                         f"{text!r} 不是客户档案总表的列（表名.列名，如 Visits.date）")
    return text


_FIELD_KEYS = {"key", "label", "type", "constraints", "choices", "help", "width", "sensitive", "maps_to", "lines",
               "formula", "total", "format", "manager_only"}
# Types whose display an Excel number format (the spec's ``format``) can change.
_FORMATTABLE = {"integer", "number", "money", "percent", "date", "time"}


def _field(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> FieldSpec:
    raw = read_mapping(value, where, _FIELD_KEYS, {"key", "label"})
    kind = raw.get("type", "text")
    if kind not in FIELD_TYPES:
        raise where.at("type").fail(f"{kind!r} is not one of {', '.join(FIELD_TYPES)}",
                                    f"{kind!r} 不是以下类型之一：{', '.join(FIELD_TYPES)}")
    needs_choices = kind in ("choice", "multi_choice")
    if needs_choices != ("choices" in raw):
        problem = ("choice fields need choices", "选择类字段必须给出 choices") if needs_choices else \
            (f"choices are only allowed on choice fields, not {kind}", f"只有选择类字段可以有 choices，{kind} 不行")
        raise where.at("choices").fail(*problem)
    formula = read_str(raw["formula"], where.at("formula")) if "formula" in raw else None
    number_format = read_str(raw["format"], where.at("format")) if "format" in raw else None
    if number_format and kind not in _FORMATTABLE:
        raise where.at("format").fail(f"format applies to {', '.join(sorted(_FORMATTABLE))}, not {kind}",
                                      f"format 只适用于 {', '.join(sorted(_FORMATTABLE))}，不适用于 {kind}")
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
        manager_only=read_bool(raw.get("manager_only", False), where.at("manager_only")))


def _section(value: Any, where: Where, lists: dict[str, tuple[Choice, ...]]) -> SectionSpec:
    required = {"id", "kind", "title", "fields"}
    raw = read_mapping(value, where, required | {"columns", "rows"}, required)
    kind = raw["kind"]
    if kind not in ("fields", "table"):
        raise where.at("kind").fail(f"{kind!r} is not fields or table", f"{kind!r} 不是 fields 或 table")
    items = raw["fields"]
    if not isinstance(items, list) or not items:
        raise where.at("fields").fail("expected a non-empty list of fields", "应为非空的字段列表")
    fields = tuple(_field(item, where.at("fields").at(i), lists) for i, item in enumerate(items))
    section = SectionSpec(
        id=read_key(raw["id"], where.at("id")), kind=kind, title=_text(raw["title"], where.at("title")), fields=fields,
        columns=read_int(raw.get("columns", 2), where.at("columns"), 1, 4),
        rows=read_int(raw.get("rows", 10 if kind == "table" else 0), where.at("rows"), int(kind == "table"), 500))
    _check_section(section, where)
    return section


def _check_section(section: SectionSpec, where: Where) -> None:
    keys = [f.key for f in section.fields]
    for i, f in enumerate(section.fields):
        at = where.at("fields").at(i)
        if f.key in keys[:i]:
            raise at.at("key").fail(f"{f.key!r} appears twice in the section", f"{f.key!r} 在本节中重复")
        if section.kind == "fields" and (f.formula or f.total):
            raise at.fail("formula and total are only allowed in tables", "formula 和 total 只能用于表格列")
        if section.kind == "table" and f.lines > 1:
            raise at.at("lines").fail("lines is only allowed on header fields", "lines 只能用于表头字段")
        if f.manager_only and section.kind == "table":
            raise at.at("manager_only").fail("manager_only is only allowed on header fields",
                                             "manager_only 只能用于表头字段")
        if f.manager_only and f.required:
            raise at.at("manager_only").fail("a manager_only field cannot be required: a rep does not fill it",
                                             "manager_only 字段不能是必填项：业务员不填写它")
        for ref in formula_refs(f.formula or ""):
            if ref not in keys or ref == f.key:
                raise at.at("formula").fail(f"{{{ref}}} is not another column of this table",
                                            f"{{{ref}}} 不是本表的其他列")
        if f.formula:
            try:
                check_formula(f.formula)
            except ValueError as exc:
                raise at.at("formula").fail(str(exc), f"公式只能使用 + - * / ( )、{{列}} 和数字（{exc}）") from None


def load_lists(path: Path) -> dict[str, tuple[Choice, ...]]:
    """Shared choice lists (``_lists.yaml``): name -> choices."""
    where = Where(path.name)
    raw = read_yaml(path, where)
    if not isinstance(raw, dict):
        raise where.fail("expected a mapping of list names to choices", "应为列表名到选项的映射")
    return {read_key(name, where.at(str(name))): _choices(items, where.at(str(name)), {})
            for name, items in raw.items()}


_FORM_KEYS = {"id", "version", "title", "sections", "orientation", "title_fields", "notes", "source"}


def parse_spec(raw: Any, *, file: str, lists: dict[str, tuple[Choice, ...]] | None = None) -> FormSpec:
    """Validate one parsed YAML document and build its FormSpec."""
    where = Where(file)
    raw = read_mapping(raw, where, _FORM_KEYS, {"id", "version", "title", "sections"})
    orientation = raw.get("orientation", "portrait")
    if orientation not in ("portrait", "landscape"):
        raise where.at("orientation").fail(f"{orientation!r} is not portrait or landscape",
                                           f"{orientation!r} 不是 portrait 或 landscape")
    title_fields = raw.get("title_fields", ["rep", "period", "fill_date"])
    if not isinstance(title_fields, list) or any(t not in TITLE_FIELDS for t in title_fields):
        raise where.at("title_fields").fail(f"expected a list drawn from {', '.join(TITLE_FIELDS)}",
                                            f"应为列表，取值限于 {', '.join(TITLE_FIELDS)}")
    sections = raw["sections"]
    if not isinstance(sections, list) or not sections:
        raise where.at("sections").fail("expected a non-empty list of sections", "应为非空的节列表")
    notes = raw.get("notes", [])
    if not isinstance(notes, list):
        raise where.at("notes").fail("expected a list of {zh, en} notes", "应为 {zh, en} 说明的列表")
    spec = FormSpec(
        id=read_key(raw["id"], where.at("id")), version=read_int(raw["version"], where.at("version"), 1, 9999),
        title=_text(raw["title"], where.at("title")),
        sections=tuple(_section(s, where.at("sections").at(i), lists or {}) for i, s in enumerate(sections)),
        orientation=orientation, title_fields=tuple(title_fields),
        notes=tuple(_text(n, where.at("notes").at(i)) for i, n in enumerate(notes)),
        source=read_str(raw["source"], where.at("source")) if "source" in raw else "")
    _check_form(spec, where)
    return spec


def _check_form(spec: FormSpec, where: Where) -> None:
    ids = [s.id for s in spec.sections]
    seen: set[str] = set(spec.title_fields)
    for i, section in enumerate(spec.sections):
        at = where.at("sections").at(i)
        if section.id in ids[:i]:
            raise at.at("id").fail(f"section id {section.id!r} appears twice", f"节编号 {section.id!r} 重复")
        if section.kind != "fields":
            continue
        # Header fields become workbook-wide names (f_<key>), so keys are unique across the form.
        for j, f in enumerate(section.fields):
            if f.key in seen:
                raise at.at("fields").at(j).at("key").fail(
                    f"{f.key!r} is already used by the title block or another section",
                    f"{f.key!r} 已被标题栏或其他节使用")
            seen.add(f.key)


def load_spec(path: str | Path, *, lists: dict[str, tuple[Choice, ...]] | None = None) -> FormSpec:
    """Load and validate one spec file; its ``id`` must equal the file name."""
    path = Path(path)
    spec = parse_spec(read_yaml(path, Where(path.name)), file=path.name, lists=lists)
    if spec.id != path.stem:
        raise Where(path.name).at("id").fail(f"{spec.id!r} differs from the file name {path.stem!r}",
                                              f"{spec.id!r} 与文件名 {path.stem!r} 不一致")
    return spec
