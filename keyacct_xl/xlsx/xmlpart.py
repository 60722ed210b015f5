"""Parse and serialise package parts by qualified name, and the user error that names a part it cannot edit.

Other writers spell the same XML differently: a prefixed main namespace (``<x:worksheet xmlns:x=...>``),
single-quoted attributes, declarations on inner elements. Every part the writer edits is read with lxml and
addressed by ``{namespace}local`` names, never by a literal prefix, and is written back with the prefixes it had.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

from lxml import etree

from keyacct_xl.errors import InputError
from keyacct_xl.messages import Pair, Rendered, msg

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# No entity expansion and no network: a part is data from a file someone sent, never a reason to fetch anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class PartError(InputError):
    """A part of an .xlsx package that cannot be read or edited; the message names the file and the part."""

    def __init__(self, part: str, problem: Rendered | str, zh: str | None = None, *, file: str | None = None) -> None:
        self.part, self.file = part, file
        self.problem = problem if isinstance(problem, Rendered) else Pair(problem, zh or problem)
        if file:
            super().__init__(
                msg(
                    "{file}: cannot edit the part {part} of the workbook: {problem}",
                    file=file,
                    part=part,
                    problem=self.problem,
                )
            )
        else:
            super().__init__(
                msg("cannot edit the part {part} of the workbook: {problem}", part=part, problem=self.problem)
            )

    def in_file(self, file: str | Path) -> PartError:
        """The same error naming ``file`` (kept when it names one already)."""
        return self if self.file else type(self)(self.part, self.problem, file=str(file))


class MalformedPartError(PartError, ElementTree.ParseError):
    """A part that is not well-formed XML. Also an ElementTree.ParseError, which the readers of submitted forms
    (keyacct_xl.consolidate.recognize) turn into a "damaged workbook part" rejection of that one file."""


def malformed(part: str, exc: etree.XMLSyntaxError) -> MalformedPartError:
    """The error for a part lxml could not parse."""
    return MalformedPartError(part, msg("it is not well-formed XML ({exc})", exc=exc))


@contextmanager
def naming_file(file: str | Path) -> Iterator[None]:
    """Add the file's name to every PartError raised inside the block."""
    try:
        yield
    except PartError as exc:
        raise exc.in_file(file) from None


def parse_part(data: bytes, part: str) -> etree._Element:
    """The root element of ``data``; malformed XML is a PartError naming ``part``."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise malformed(part, exc) from None


def expect_root(root: etree._Element, tag: str, part: str) -> None:
    """Refuse a part whose root element is not ``tag`` (e.g. Strict OOXML's other namespace)."""
    if root.tag != tag:
        raise PartError(part, msg("its root element is {found}, expected {tag}", found=root.tag, tag=tag))


def serialize_part(root: etree._Element) -> bytes:
    """``root`` as a UTF-8 part with the declaration Excel writes (double quotes, standalone)."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def int_attribute(element: etree._Element, name: str, part: str, default: int = 0) -> int:
    """An integer attribute; a non-number is a PartError naming the element and the part."""
    value = element.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        local = etree.QName(element).localname
        raise PartError(
            part, msg("<{local} {name}={value!r}> is not a whole number", local=local, name=name, value=value)
        ) from None
