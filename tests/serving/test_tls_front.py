"""The HTTP front over TLS (``[radicale:server] ssl = True``): the real ``serve`` with a
certificate made for the test, talked to through Python's TLS client.

Round ten gave the front its own asyncio Protocol (``serving/wire.py``), a whole small
answer written from the worker's hand-over callback and one ``writev`` per flush of a
streamed answer on a plain socket (``serving/gather.py``, which must step aside for TLS).
These tests hold each of those paths to plain HTTP's behaviour over TLS: keep-alive, a
small answer, a body in, a large streamed answer, HEAD, the idle close, and a client
that does not speak TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import signal
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree as ET

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cms_dav.auth.htpasswd import HtpasswdFile
from tests.serving.rawhttp import Reader, basic, head
from tests.support.dav import make_addressbook, vcard
from tests.support.server import ServerProcess

KEEPALIVE_TIMEOUT = 1
BOOK = "/alice/tls/"
#: enough cards with a long NOTE that a multiget of all is well over a megabyte: a
#: streamed answer of many flushes, never a whole small one
CARDS = 100
NOTE = "x" * 16000
AUTH = {"Authorization": basic("alice", "alice-pw")}


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test authority and a server certificate for 127.0.0.1 it signed: (authority,
    certificate, key) as PEM files."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("cms_dav test CA"))
          .issuer_name(_name("cms_dav test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name("127.0.0.1"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    authority, certificate, key_file = (folder / "ca.pem", folder / "server.pem",
                                        folder / "server.key")
    authority.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return authority, certificate, key_file


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("tls")
    authority, certificate, key = make_certificates(data_dir)
    config = data_dir / "cms-dav.conf"
    config.write_text(f"[server]\nkeepalive_timeout = {KEEPALIVE_TIMEOUT}\n"
                      f"[radicale:server]\nssl = True\ncertificate = {certificate}\n"
                      f"key = {key}\n", encoding="utf-8")
    HtpasswdFile(data_dir / "users", rounds=4).add("alice", "alice-pw")
    process = ServerProcess(data_dir=data_dir, config=config,
                            tls_authority=authority).start()
    session = client(process)
    make_addressbook(session, process.url + BOOK)
    for n in range(CARDS):
        answer = session.put(f"{process.url}{BOOK}card-{n}.vcf",
                             data=vcard(f"card-{n}", f"Card {n}", f"NOTE:{n} {NOTE}\r\n"),
                             headers={"Content-Type": "text/vcard; charset=utf-8"})
        assert answer.status_code == 201, answer.text
    yield process
    process.stop()


def client(server: ServerProcess) -> requests.Session:
    session = server.session("alice", "alice-pw")
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override the test's authority
    session.verify = str(server.tls_authority)
    return session


def tls_connect(server: ServerProcess) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(server.tls_authority))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_two_requests_share_one_tls_connection(server: ServerProcess) -> None:
    with tls_connect(server) as sock:
        reader = Reader(sock)
        for path in (BOOK + "card-1.vcf", BOOK + "card-2.vcf"):
            sock.sendall(head("GET", path, AUTH))
            answer = reader.response()
            assert answer.status == 200
            assert f"UID:{path.rsplit('/', 1)[1][:-4]}" in answer.text


def test_a_card_put_over_tls_reads_back_whole(server: ServerProcess) -> None:
    session = client(server)
    text = vcard("tls-put", "Zoë Über", "NOTE:ünïcode, commas, and; semicolons\r\n")
    put = session.put(server.url + BOOK + "tls-put.vcf", data=text.encode(),
                      headers={"Content-Type": "text/vcard; charset=utf-8"})
    assert put.status_code == 201, put.text
    got = session.get(server.url + BOOK + "tls-put.vcf")
    assert got.status_code == 200
    assert got.headers["ETag"] == put.headers["ETag"]
    assert got.text == text


def multiget_all() -> bytes:
    hrefs = "".join(f"<d:href>{BOOK}card-{n}.vcf</d:href>" for n in range(CARDS))
    return ('<?xml version="1.0" encoding="utf-8"?><c:addressbook-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/>'
            f'</d:prop>{hrefs}</c:addressbook-multiget>').encode()


def test_a_streamed_multiget_of_over_a_megabyte_arrives_whole_over_tls(
        server: ServerProcess) -> None:
    body = multiget_all()
    with tls_connect(server) as sock:
        reader = Reader(sock)
        for _ in range(2):  # and the connection stays usable after it
            sock.sendall(head("REPORT", BOOK, {**AUTH, "Depth": "1",
                                               "Content-Type": "application/xml",
                                               "Content-Length": str(len(body))}) + body)
            answer = reader.response()
            assert answer.status == 207
            assert len(answer.body) > 1_500_000
            responses = ET.fromstring(answer.body).findall("{DAV:}response")
            data = [r.findtext(".//{urn:ietf:params:xml:ns:carddav}address-data") or ""
                    for r in responses]
            assert len(data) == CARDS
            cards = sorted(("".join(text.replace("\r\n", "\n").split("\n ")) for text in data),
                           key=_card_number)
            assert all(f"\nNOTE:{n} {NOTE}\n" in text for n, text in enumerate(cards))


def _card_number(text: str) -> int:
    """The n of ``UID:card-n`` in an unfolded card (XML reads its line ends as LF)."""
    return int(text.split("UID:card-", 1)[1].split("\n", 1)[0])


def test_head_over_tls_gives_the_get_headers_without_a_body(server: ServerProcess) -> None:
    path = BOOK + "card-3.vcf"
    with tls_connect(server) as sock:
        reader = Reader(sock)
        sock.sendall(head("HEAD", path, AUTH))
        headed = reader.response(head_only=True)
        sock.sendall(head("GET", path, AUTH))
        got = reader.response()
    assert headed.status == got.status == 200
    assert headed.headers["content-length"] == str(len(got.body))
    assert headed.headers["etag"] == got.headers["etag"]


def test_an_idle_tls_connection_is_closed_after_the_keepalive_timeout(
        server: ServerProcess) -> None:
    with tls_connect(server) as sock:
        reader = Reader(sock)
        sock.sendall(head("GET", BOOK + "card-4.vcf", AUTH))
        assert reader.response().status == 200
        sock.settimeout(KEEPALIVE_TIMEOUT + 10)
        assert reader.closed()


def test_a_client_speaking_plain_http_to_the_tls_port_gets_no_answer_and_breaks_nothing(
        server: ServerProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as plain:
        plain.sendall(head("GET", BOOK + "card-5.vcf", AUTH))
        received = b""
        try:
            while chunk := plain.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert b"BEGIN:VCARD" not in received and not received.startswith(b"HTTP/")
    assert client(server).get(server.url + BOOK + "card-5.vcf").status_code == 200
    assert "Traceback" not in server.log()


def test_regression_a_graceful_stop_waited_for_an_idle_tls_client(
        tmp_path: Path) -> None:
    """Closing an idle TLS connection left its task waiting for the client's
    close_notify: ``serve`` took ~10 s to stop with one idle client (plain HTTP: 0.1 s)."""
    authority, certificate, key = make_certificates(tmp_path)
    config = tmp_path / "cms-dav.conf"
    config.write_text(f"[radicale:server]\nssl = True\ncertificate = {certificate}\n"
                      f"key = {key}\n", encoding="utf-8")
    process = ServerProcess(data_dir=tmp_path, config=config,
                            tls_authority=authority).start()
    try:
        with tls_connect(process) as idle:
            idle.sendall(head("OPTIONS", "/"))
            assert Reader(idle).response().status == 200
            assert process.process is not None
            process.process.send_signal(signal.SIGTERM)
            try:
                process.process.wait(timeout=5)  # the keep-alive and head deadlines: 15, 10
            except subprocess.TimeoutExpired:
                pytest.fail("serve still runs 5 s after SIGTERM with one idle TLS client")
    finally:
        process.stop()
    assert "stopped" in process.log()
