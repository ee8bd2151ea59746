"""Safe parsing of untrusted ISO 20022 XML: every inbound message goes through
:func:`parse_message`.

The order of the checks is the point (see ``shared/research/iso20022-notes.md`` §4):

1. **Size cap before parsing** (``bounds.iso_message_bytes_max``): nothing is allocated for a
   message that is too large.
2. **No DTD at all.** ISO 20022 messages are defined by XSD and never need a DOCTYPE, so a raw
   ``<!DOCTYPE`` is refused before libxml2 sees it; after parsing, ``docinfo`` is checked again
   (that catches a DOCTYPE hidden by a non-UTF-8 encoding, which is refused as well).
3. **A hardened parser**, every option spelled out rather than trusting lxml's defaults (they
   changed in lxml 5): no entity resolution, no network, no DTD loading or validation, no
   ``huge_tree`` (libxml2 keeps its own depth and text-size limits), processing instructions
   dropped. Even if step 2 were removed, no file or URL could be read (the tests prove it).
4. **Depth and element count bounded while parsing** (a pull parser fed in chunks), so a hostile
   document is cut off before its whole tree is built.
5. **The expected root namespace**, ``urn:iso:std:iso:20022:tech:xsd:<message>``.
6. **Validation against a vendored, pre-compiled schema**, compiled once and lazily;
   ``xsi:schemaLocation`` in the instance is never followed (lxml ignores it when an explicit
   schema is used, and no resolver can reach the network or the disk).

Only then do :mod:`.pacs008` and :mod:`.pacs009` map the document to domain records.

Schemas: pacs.008.001.08 and camt.05x.001.08 are the OFFICIAL XSDs (see ``xsd/NOTICE``). For
pacs.009.001.08 and pacs.002.001.10 no official XSD is available offline, so sucre ships
hand-written *usage guideline* XSDs (labelled NOT official in their header) rather than structural
checks in code: one code path validates every message the same way, the XSD is itself the
documentation of what the hub accepts and emits, the pacs.002 we build can be validated in tests
like any other, and replacing it by the official file later is a one-line change here.

Errors are :class:`InvalidMessage` (FF01) and its subclasses; their ``field`` is the ISO path
concerned (``GrpHdr/NbOfTxs``), because that is the only vocabulary the sender shares with us.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from lxml import etree

from sucre import bounds
from sucre.domain.errors import InvalidInput, LimitExceeded, invariant

ISO_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
_CHUNK_BYTES = 64 * 1024
_SCHEMA_ERRORS_SHOWN = 5
_ERROR_CHARS_MAX = 300


class InvalidMessage(InvalidInput):
    """An ISO 20022 message that is not well-formed, not of the expected kind, not schema-valid,
    or inconsistent in itself (counts, sums, duplicate ids). Nothing of it is used."""

    reason_code = "FF01"


class UnsafeMessage(InvalidMessage):
    """A message using XML features ISO 20022 never needs and attacks always do (DTD, entities)."""


class MessageTooLarge(LimitExceeded):
    """A message over one of the ``iso_*`` bounds of :mod:`sucre.bounds`."""


@dataclass(frozen=True, slots=True)
class MessageDefinition:
    """One ISO 20022 message version sucre reads or writes, and the schema that defines it."""

    identifier: str  # e.g. "pacs.008.001.08"
    root_tag: str  # the message element under Document, e.g. "FIToFICstmrCdtTrf"
    schema_file: str
    official_schema: bool

    @property
    def namespace(self) -> str:
        return ISO_NAMESPACE_PREFIX + self.identifier


PACS_008 = MessageDefinition("pacs.008.001.08", "FIToFICstmrCdtTrf", "pacs.008.001.08.xsd", True)
PACS_009 = MessageDefinition("pacs.009.001.08", "FICdtTrf", "pacs.009.001.08.sucre-usage.xsd",
                             False)
PACS_002 = MessageDefinition("pacs.002.001.10", "FIToFIPmtStsRpt",
                             "pacs.002.001.10.sucre-usage.xsd", False)
CAMT_052 = MessageDefinition("camt.052.001.08", "BkToCstmrAcctRpt", "camt.052.001.08.xsd", True)
CAMT_053 = MessageDefinition("camt.053.001.08", "BkToCstmrStmt", "camt.053.001.08.xsd", True)
CAMT_054 = MessageDefinition("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "camt.054.001.08.xsd",
                             True)
DEFINITIONS = (PACS_008, PACS_009, PACS_002, CAMT_052, CAMT_053, CAMT_054)


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A message that passed every check of this module: safe, of a known kind, schema-valid."""

    definition: MessageDefinition
    document: etree._Element  # the <Document> root

    @property
    def message(self) -> etree._Element:
        """The message element under Document (e.g. FIToFICstmrCdtTrf)."""
        child = self.document[0]
        invariant(etree.QName(child).localname == self.definition.root_tag,
                  "a schema-valid document has the message element first")
        return child


def parse_message(data: bytes, *expected: MessageDefinition) -> ParsedMessage:
    """Parse untrusted bytes into a schema-valid message of one of the ``expected`` kinds."""
    invariant(len(expected) > 0, "parse_message needs at least one expected message kind")
    if len(data) > bounds.iso_message_bytes_max:
        raise MessageTooLarge(
            f"message of {len(data)} bytes exceeds the maximum of "
            f"{bounds.iso_message_bytes_max} bytes", field="message")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeMessage("a DOCTYPE or entity declaration is not allowed in ISO 20022 "
                            "messages", field="message")
    document = _parse_bounded(data)
    _reject_unsafe_document(document)
    definition = _definition_for(document, expected)
    validate(document, definition)
    return ParsedMessage(definition, document)


def hardened_parser(*, events: bool) -> etree.XMLPullParser:
    """A new parser per message (lxml parsers are not shareable across threads)."""
    return etree.XMLPullParser(
        events=("start", "end") if events else (),
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True, remove_comments=True)


def _parse_bounded(data: bytes) -> etree._Element:
    """Feed the parser in chunks, counting depth and elements as they arrive."""
    parser = hardened_parser(events=True)
    depth = elements = 0
    try:
        for start in range(0, len(data), _CHUNK_BYTES):
            parser.feed(data[start:start + _CHUNK_BYTES])
            for event, _ in parser.read_events():
                depth += 1 if event == "start" else -1
                elements += event == "start"
                if depth > bounds.iso_depth_max:
                    raise MessageTooLarge(f"elements nested deeper than {bounds.iso_depth_max}",
                                          field="message")
                if elements > bounds.iso_elements_max:
                    raise MessageTooLarge(f"more than {bounds.iso_elements_max} elements",
                                          field="message")
        root = parser.close()
    except etree.XMLSyntaxError as error:
        raise InvalidMessage(f"not well-formed XML: {_clip(str(error))}",
                             field="message") from None
    invariant(depth == 0, "a well-formed document closes every element it opens")
    return root


def _reject_unsafe_document(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeMessage("a DOCTYPE is not allowed in ISO 20022 messages", field="message")
    if (docinfo.encoding or "").upper() != "UTF-8":
        raise InvalidMessage(f"ISO 20022 messages are UTF-8, not {docinfo.encoding}",
                             field="message")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise UnsafeMessage("entity references are not allowed", field="message")


def _definition_for(root: etree._Element,
                    expected: tuple[MessageDefinition, ...]) -> MessageDefinition:
    qname = etree.QName(root)
    wanted = " or ".join(d.namespace for d in expected)
    if qname.localname != "Document":
        raise InvalidMessage(f"root element is {qname.localname!r}, expected 'Document' in "
                             f"namespace {wanted}", field="Document")
    for definition in expected:
        if qname.namespace == definition.namespace:
            return definition
    found = "no namespace" if qname.namespace is None else f"namespace {qname.namespace!r}"
    raise InvalidMessage(f"Document is in {found}, expected {wanted}", field="Document")


def validate(document: etree._Element, definition: MessageDefinition) -> None:
    """Validate against the vendored schema; the first few schema errors form the message."""
    schema, lock = _compiled(definition)
    with lock:  # an XMLSchema's error_log belongs to the object: one validation at a time
        if schema.validate(document):
            return
        entries = cast("Iterable[Any]", schema.error_log)  # lxml-stubs omit its __iter__
        clark = f"{{{definition.namespace}}}"  # short tags read better: 'Dbtr', not '{urn..}Dbtr'
        problems = [f"line {e.line}: {_clip(e.message.replace(clark, ''))}" for e in entries]
    shown = "; ".join(problems[:_SCHEMA_ERRORS_SHOWN])
    more = len(problems) - _SCHEMA_ERRORS_SHOWN
    suffix = f" (and {more} more)" if more > 0 else ""
    raise InvalidMessage(f"not valid against {definition.identifier}: {shown}{suffix}",
                         field=definition.root_tag)


_schemas: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}
_schemas_lock = threading.Lock()


def _compiled(definition: MessageDefinition) -> tuple[etree.XMLSchema, threading.Lock]:
    """Compile a vendored schema on first use, with the same hardened parser as messages."""
    with _schemas_lock:
        if definition.identifier not in _schemas:
            package = resources.files("sucre.adapters.iso20022")
            source = package.joinpath("xsd", definition.schema_file)
            parser = hardened_parser(events=False)
            parser.feed(source.read_bytes())
            schema = etree.XMLSchema(parser.close())
            _schemas[definition.identifier] = (schema, threading.Lock())
        return _schemas[definition.identifier]


def _clip(text: str) -> str:
    return text if len(text) <= _ERROR_CHARS_MAX else text[:_ERROR_CHARS_MAX] + "..."
