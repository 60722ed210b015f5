"""Messages translated when they are shown: an English msgid with named placeholders, its parameters, a catalog.

``msg("{file}: file not found", file=path)`` builds a message where a problem is found; ``render(lang)`` turns it
into text where it is shown (the CLI's error line, a ribbon alert, a report cell). The msgid is the English text
(gettext's usual convention), so English needs no catalog; Chinese comes from the gettext catalog
``locale/zh/LC_MESSAGES/keyacct_xl.mo``, compiled with Babel from its ``.po`` source (docs/development.md).
``tr(lang, msgid, ...)`` renders at once, for text written straight into a document (a sheet name, a caption).

Parameters stay values until the message is rendered: a parameter with ``zh`` and ``en`` (a message, a
``Location``, a master column, a form label, a ParseError) is shown in the message's language; any other value is
formatted by its placeholder (``{amount:,.2f}``, ``{value!r}``), a negative amount after ¥ as -¥422.65.
"""

from __future__ import annotations

import gettext
import string
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from keyacct_xl.currency import CNY, Currency, Money
from keyacct_xl.i18n import Lang

DOMAIN = "keyacct_xl"
LOCALE_DIR = Path(__file__).parent / "locale"


@runtime_checkable
class Bilingual(Protocol):
    """A value that has a text in each language: messages, locations, master columns, form labels, our errors."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...


_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def catalog(lang: Lang) -> gettext.NullTranslations:
    """The translations for ``lang``; English is the msgid itself, so it has none to load."""
    if lang == "en":
        return gettext.NullTranslations()
    # No fallback: a missing catalog is a broken install, not a reason to show English to a zh user.
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def cell_bool(value: bool) -> str:
    """A boolean cell as Excel and WPS show it, in either language: TRUE or FALSE (never Python's True)."""
    return "TRUE" if value else "FALSE"


def cell_text(value: object) -> str:
    """``str(value)``, a boolean cell as the sheet shows it (TRUE): a value quoted from a file in a message."""
    return cell_bool(value) if isinstance(value, bool) else str(value)


class _CellBool:
    """A boolean parameter, shown as its cell shows it (``cell_bool``) whatever its placeholder's format or
    conversion: ``{value!r}`` of a TRUE cell is TRUE, as the person sees it, not True."""

    def __init__(self, value: bool) -> None:
        self.text = cell_bool(value)

    def __format__(self, spec: str) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


_CELL_BOOLS = {True: _CellBool(True), False: _CellBool(False)}


def shown(value: object, lang: Lang) -> object:
    """A parameter as ``lang`` shows it: a bilingual value in that language, a boolean as its cell shows it (TRUE),
    anything else unchanged."""
    # A runtime Protocol's isinstance inspects the class's attributes on every call; text and numbers, most
    # parameters, are never bilingual, and a grading renders thousands of them.
    if type(value) in _PLAIN:
        return _CELL_BOOLS[value] if type(value) is bool else value
    if isinstance(value, Bilingual):
        return value.zh if lang == "zh" else value.en
    return value


def amount_text(value: float) -> str:
    """An amount as a line shows it to a person: 4,200, or 4,200.50 when it has cents."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


class Rendered(ABC):
    """A text in both languages: ``zh``, ``en`` and ``str()`` (English, for tracebacks and logs) from ``render``."""

    @abstractmethod
    def render(self, lang: Lang) -> str:
        """The text in ``lang``."""

    @property
    def zh(self) -> str:
        """The text in Chinese."""
        return self.render("zh")

    @property
    def en(self) -> str:
        """The text in English."""
        return self.render("en")

    def __str__(self) -> str:
        return self.render("en")


@dataclass(frozen=True)
class Message(Rendered):
    """A catalog message: its msgid (English, with ``{placeholders}``) and the values of its placeholders."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)
    context: str | None = None  # gettext's msgctxt: the same English word translated apart (Status: 状态, 核对结果)

    def render(self, lang: Lang) -> str:
        """The message in ``lang``, its parameters shown in the same language."""
        translations = catalog(lang)
        template = translations.pgettext(self.context, self.msgid) if self.context else translations.gettext(self.msgid)
        return formatted(template, {name: shown(value, lang) for name, value in self.params.items()})


YUAN = "¥"


class _AmountFormatter(string.Formatter):
    """``str.format``, but a negative amount placed right after ¥ shows its minus before the ¥: -¥422.65, as the
    money cells' number format shows it (``"¥"#,##0.00``), never ¥-422.65 beside it in the same document. The ¥
    marks the amount's currency: a ``Money`` amount in another book currency shows its own symbol there (S$)."""

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        parts: list[str] = []
        for literal, field_name, spec, conversion in self.parse(format_string):
            parts.append(literal)
            if field_name is None:
                continue
            value, _ = self.get_field(field_name, args, kwargs)
            value = self.convert_field(value, conversion)
            text = self.format_field(value, self.vformat(spec or "", args, kwargs))
            if literal.endswith(YUAN):
                symbol = value.currency.symbol if isinstance(value, Money) else YUAN
                minus = "-" if text.startswith("-") else ""
                parts[-1] = literal[: -len(YUAN)] + minus + symbol
                text = text[len(minus) :]
            parts.append(text)
        return "".join(parts)


_AMOUNTS = _AmountFormatter()


def money_unit(currency: Currency, yuan: object) -> object:
    """The unit a header or label names amounts in: ``yuan`` (the label's own word: 元, yuan, CNY) in a CNY book,
    the code of another currency (万SGD, 10k SGD)."""
    return yuan if currency == CNY else currency.code


def formatted(template: str, params: Mapping[str, object]) -> str:
    """``template.format(**params)``, an amount after ¥ signed before it (``_AmountFormatter``)."""
    # Most templates name no amount: str.format is the fast path (a grading renders thousands of messages).
    return _AMOUNTS.vformat(template, (), params) if YUAN + "{" in template else template.format(**params)


def msg(msgid: str, /, **params: object) -> Message:
    """The message ``msgid`` with its placeholders' values (the extraction keyword: see docs/development.md)."""
    # Another library's exception is kept as its text: errors raised in a reader's worker process come back
    # pickled, and some exceptions cannot be (lxml's carry their error log).
    return Message(
        msgid,
        {
            name: str(value) if isinstance(value, BaseException) and not isinstance(value, Bilingual) else value
            for name, value in params.items()
        },
    )


def cmsg(context: str, msgid: str, /, **params: object) -> Message:
    """The message ``msgid`` as used in ``context`` (where its translation differs from the word's usual one)."""
    return Message(msgid, msg(msgid, **params).params, context)


def tr(lang: Lang, msgid: str, /, **params: object) -> str:
    """The message ``msgid`` rendered in ``lang`` now: for text written into a document or printed."""
    return Message(msgid, params).render(lang)


@dataclass(frozen=True)
class Pair(Rendered):
    """A text given in both languages: a label from data (a sheet name in the master's schema), or the inline
    message of a module not yet on the catalog."""

    en_text: str
    zh_text: str

    def render(self, lang: Lang) -> str:
        """The text given for ``lang``."""
        return self.zh_text if lang == "zh" else self.en_text


@dataclass(frozen=True)
class Listing(Rendered):
    """Several values shown as one list: ``a, b, c`` in English, ``a、b、c`` in Chinese; or joined by ``between``
    (items that hold commas of their own, such as locations)."""

    items: tuple[object, ...]
    between: Rendered | None = None

    def render(self, lang: Lang) -> str:
        """The items in ``lang``, joined as that language lists things."""
        # Translators: the separator between the items of a list
        separator = self.between.render(lang) if self.between is not None else tr(lang, ", ")
        return separator.join(str(shown(item, lang)) for item in self.items)


def listing(items: Iterable[object], *, between: Rendered | None = None) -> Listing:
    """``items`` as one list parameter, joined by ``between`` when given."""
    return Listing(tuple(items), between)


FIRST_IDS = 8  # the ids a message names before "…": enough to find them, short enough for one line


def first_ids(ids: Sequence[object], n: int = FIRST_IDS) -> Listing:
    """The first ``n`` of ``ids`` as a listing, "…" after them when there are more (the message gives the count)."""
    return listing([*ids[:n], *(["…"] if len(ids) > n else [])])


def row_ranges(rows: Iterable[int]) -> str:
    """``4-120, 125``: consecutive rows as one range, so years of history make one short note."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def joined(lang: Lang, parts: Iterable[str]) -> str:
    """Parts of one statement joined as ``lang`` writes them: ``a, b`` in English, ``a，b`` in Chinese."""
    text = ""
    for part in parts:
        # Translators: joins the parts of a location (file, sheet, cell) or of a summary line
        text = tr(lang, "{first}, {second}", first=text, second=part) if text else part
    return text


@dataclass(frozen=True)
class Location(Rendered):
    """Where a message points: a file, and in it a sheet, a cell, a row or a line, and the column's header.

    Each part is optional; ``file`` is shown as given (a path or a file name, as the caller chose). The header
    annotates a cell (``cell B2 (Date)``) and names the column where there is none (``line 4, column Date``).
    """

    file: str | Path | None = None
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    line: int | None = None
    header: object = None

    def render(self, lang: Lang) -> str:
        """``book.xlsx: sheet Sales, cell B2 (Date)``, ``sales.csv: line 4, column Date``; zh ``单元格 B2（日期）``."""
        parts = []
        if self.sheet is not None:
            parts.append(tr(lang, "sheet {sheet}", sheet=self.sheet))
        if self.cell is not None:
            parts.append(tr(lang, "cell {cell}", cell=self.cell))
        if self.row is not None:
            parts.append(tr(lang, "row {row}", row=self.row))
        if self.line is not None:
            parts.append(tr(lang, "line {line}", line=self.line))
        if self.header is not None and self.cell is None:
            parts.append(tr(lang, "column {column}", column=self.header))
        where = joined(lang, parts)
        if self.header is not None and self.cell is not None:
            where = tr(lang, "{where} ({header})", where=where, header=self.header)
        if self.file is None:
            return where
        return tr(lang, "{file}: {where}", file=self.file, where=where) if where else str(self.file)


class TranslatedError(Exception):
    """An exception whose text is a message shown in the reader's language: ``message(lang)``, ``zh``, ``en``.

    It takes a catalog message, or, in the older form still used by modules not yet on the catalog, an English
    text and its Chinese. ``str()`` is the English text, for tracebacks and logs.
    """

    def __init__(self, message: Rendered | str, zh: str | None = None) -> None:
        self.wording = message if isinstance(message, Rendered) else Pair(message, zh or message)
        super().__init__(self.wording.en)

    @property
    def zh(self) -> str:
        """The message in Chinese."""
        return self.wording.zh

    @property
    def en(self) -> str:
        """The message in English."""
        return self.wording.en

    # Set where the run that raised it shows no personal values (its master's Settings ask so, errors.masking).
    masked = False

    def message(self, lang: Lang = "zh", *, masked: bool = False) -> str:
        """The one-line message in ``lang``; ``masked`` (or the error's own ``masked``): its personal values as
        ``***`` (``masked_message``)."""
        return (masked_message(self.wording) if masked or self.masked else self.wording).render(lang)


MASK = "***"  # what a personal value becomes where it is withheld (a masked report, a redacted export's free text)


class _Withheld:
    """A parameter whose value is withheld: shown as ``MASK`` whatever its placeholder's format or conversion."""

    def __format__(self, spec: str) -> str:
        return MASK

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return repr(MASK)  # ``{value!r}`` quotes what it shows: '***'


_WITHHELD = _Withheld()


def withheld(message: Rendered) -> Rendered:
    """``message`` with the value of every parameter withheld (``***``) and its words kept: the reason for a problem
    with a personal value, told without the value or anything taken from it (the year and month of a date with no
    such day, the choice a word was read as). A parameter that is a catalog message keeps its words in turn; a text
    given whole (a ``Pair``, a list) is withheld, since nothing in it tells its words from its values."""
    if not isinstance(message, Message):
        return Pair(MASK, MASK)
    return Message(message.msgid, {name: _withheld(value) for name, value in message.params.items()}, message.context)


def _withheld(value: object) -> object:
    if isinstance(value, Message):
        return withheld(value)
    if isinstance(value, TranslatedError) and isinstance(value.wording, Message):
        return withheld(value.wording)  # a ParseError's reason: its words are the catalog's
    return _WITHHELD


@runtime_checkable
class Maskable(Protocol):
    """A parameter holding personal data (a contact's phone, a history cell quoting a row): shown as it is, and as
    ``masked()`` where the reader asked for personal values to be left out (``--without-sensitive``)."""

    def masked(self) -> object: ...


@dataclass(frozen=True)
class PersonalValue:
    """A personal value as a parameter (a phone in a row's key, a birthday put back): its text, ``***`` masked."""

    text: str

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return repr(self.text)  # ``{value!r}`` quotes the value, as it would a plain text

    def masked(self) -> str:
        """``MASK``."""
        return MASK


def masked_message(message: Rendered) -> Rendered:
    """``message`` with each personal value in its parameters (a ``Maskable``, inside messages and lists too) masked:
    the one decision, taken where a text is shown, that makes ``--without-sensitive`` hide what a line quotes."""
    if not isinstance(message, Message):
        return message
    return Message(message.msgid, {name: _masked(value) for name, value in message.params.items()}, message.context)


def _masked(value: object) -> object:
    if isinstance(value, Maskable):
        return value.masked()
    if isinstance(value, Listing):
        return Listing(tuple(_masked(item) for item in value.items), value.between)
    return masked_message(value) if isinstance(value, Message) else value


def personal_values(message: Rendered) -> set[str]:
    """The texts of the ``PersonalValue`` parameters in ``message`` (inside messages and lists too): what a masked
    text looks for in the rest of it (a phone quoted in a file's name as well as in a row's key)."""
    if not isinstance(message, Message):
        return set()
    return {text for value in message.params.values() for text in _personal(value)}


def _personal(value: object) -> set[str]:
    if isinstance(value, PersonalValue):
        return {value.text}
    if isinstance(value, Listing):
        return {text for item in value.items for text in _personal(item)}
    return personal_values(value) if isinstance(value, Message) else set()
