"""Small namespace-aware helpers over lxml, shared by the readers and builders of this package.

ISO 20022 documents put every element in one default namespace per message version; spelling
``{urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08}GrpHdr`` at each step would bury the mapping, so
readers and builders hold the namespace once and take paths of short tags (``"GrpHdr/MsgId"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar, cast

from lxml import etree

from sucre.domain.errors import InvariantBroken

Element = etree._Element
T = TypeVar("T")


def present(value: T | None, what: str) -> T:
    """Unwrap what the schema or an earlier check guarantees; its absence is a bug in sucre."""
    if value is None:
        raise InvariantBroken(f"{what} is guaranteed present, yet missing")
    return value


@lru_cache(maxsize=512)
def _clark(namespace: str, path: str) -> str:
    return "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))


@dataclass(frozen=True, slots=True)
class Reader:
    """Reads a schema-validated document of one namespace by short-tag paths."""

    namespace: str

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(_clark(self.namespace, path))

    def findall(self, element: Element, path: str) -> list[Element]:
        return list(element.iterfind(_clark(self.namespace, path)))

    def text(self, element: Element | None, path: str) -> str | None:
        """The stripped text at ``path``, or ``None`` when absent or blank (XSD allows blanks)."""
        if element is None:
            return None
        found = element.find(_clark(self.namespace, path))
        if found is None or found.text is None:
            return None
        stripped = found.text.strip()
        return stripped or None

    def attribute(self, element: Element, path: str, name: str) -> str | None:
        found = element.find(_clark(self.namespace, path))
        return None if found is None else found.get(name)


@dataclass(frozen=True, slots=True)
class Builder:
    """Builds elements of one namespace: ``sub(parent, "Amt", "1.00", Ccy="XSU")``."""

    namespace: str

    def root(self, tag: str) -> Element:
        default_namespace = cast("dict[str, str]", {None: self.namespace})  # stubs lack None
        return etree.Element(f"{{{self.namespace}}}{tag}", nsmap=default_namespace)

    def sub(self, parent: Element, tag: str, text: str | None = None,
            **attributes: str) -> Element:
        child = etree.SubElement(parent, f"{{{self.namespace}}}{tag}", attrib=attributes)
        if text is not None:
            child.text = text
        return child

    def path(self, parent: Element, path: str, text: str) -> Element:
        """Create the chain ``A/B/C`` under ``parent`` and put ``text`` in the last element."""
        node = parent
        for step in path.split("/"):
            node = self.sub(node, step)
        node.text = text
        return node


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (controls, surrogates, U+FFFE/F),
    stripped: error messages and descriptions may quote hostile input."""
    return "".join(c for c in text if _xml_char(ord(c))).strip()


def _xml_char(code: int) -> bool:
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def serialise(document: Element) -> bytes:
    """UTF-8 with an XML declaration, as ISO 20022 requires; indented for people who read them."""
    etree.indent(document, space="  ")
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")
