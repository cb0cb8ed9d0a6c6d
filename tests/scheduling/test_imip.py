"""iMIP (RFC 6047) to an attendee who is not a user here, against a real server and an
aiosmtpd sink on 127.0.0.1 that requires the configured SMTP login: one message per
invitation, cancellation and real change, from the outbox, the password never logged.

One server and one sink for the module; each test has a meeting (UID) of its own."""

from __future__ import annotations

import sqlite3
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, Iterator

import caldav
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP

from cms_dav.config import Settings
from tests.scheduling.support import scheduling_server
from tests.support.server import ServerProcess, free_port

PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-12345"}
EMAILS = {"alice": "alice@example.org", "bob": "bob@example.org"}
EXTERNAL = "dave@elsewhere.example"
#: the sink takes the login without TLS (loopback only; the server is told no STARTTLS)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SMTP_USER, SMTP_PASSWORD = "relay-user", "relay-secret-Kq7v"


class Sink:
    """Keeps every message accepted after a login with the configured password."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], Message]] = []
        #: recipients answered "451 try later" once (those starting with "later@")
        self.refused: list[str] = []

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address.startswith("later@") and address not in self.refused:
            self.refused.append(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 OK"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and \
            (data.login, data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
        return AuthResult(success=ok)

    def about(self, uid: str) -> list[tuple[list[str], Message]]:
        return [(to, mail) for to, mail in self.messages if uid in calendar_part(mail)]


def method_of(mail: Message) -> str:
    part = next(each for each in mail.walk() if each.get_content_type() == "text/calendar")
    return str(part.get_param("method"))


def calendar_part(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            return payload.decode("utf-8") if isinstance(payload, bytes) else ""
    return ""


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port,
                            authenticator=handler.authenticate, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sink: Sink) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("imip")
    config = data_dir / "cms-dav.conf"
    port = sink.port
    config.write_text(f"[outbox]\npoll_interval = 0.05\n[scheduling]\nsmtp_host = 127.0.0.1\n"
                      f"smtp_port = {port}\nsmtp_starttls = false\nsmtp_user = {SMTP_USER}\n"
                      f"smtp_password = {SMTP_PASSWORD}\nsmtp_from = calendar@example.org\n"
                      "smtp_retry_base = 0.1\n",
                      encoding="utf-8")
    with scheduling_server(data_dir, PASSWORDS, EMAILS, config) as process:
        yield process


def client(server: ServerProcess, user: str) -> caldav.DAVClient:
    return caldav.DAVClient(url=server.url + "/", username=user, password=PASSWORDS[user])


def calendar(server: ServerProcess) -> caldav.Calendar:
    return caldav.Calendar(client=client(server, "alice"), url=f"{server.url}/alice/calendar/")


def meeting(uid: str, *, external: str | None = EXTERNAL,
            summary: str = "Customer meeting", extra: str = "") -> str:
    guest = f"ATTENDEE;CN=Guest;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{external}\r\n" \
        if external else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261210T100000Z\r\n"
            f"DTEND:20261210T110000Z\r\nSUMMARY:{summary}\r\n"
            f"ORGANIZER;CN=alice:mailto:{EMAILS['alice']}\r\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{EMAILS['alice']}\r\n"
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{EMAILS['bob']}\r\n"
            f"{guest}{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")


def settled(server: ServerProcess) -> None:
    """Until no iMIP delivery is pending: whatever was to be sent has been (20 s bound
    for a hung test)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as conn:
            pending = conn.execute("SELECT count(*) FROM outbox_deliveries WHERE consumer "
                                   "= 'imip' AND state = 'pending'").fetchone()[0]
        if not pending:
            return
        time.sleep(0.05)
    raise AssertionError("iMIP deliveries still pending")


def test_an_external_attendee_gets_exactly_one_request(server: ServerProcess,
                                                       sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-1"))
    settled(server)
    sent = sink.about("imip-1")
    assert [to for to, _mail in sent] == [[EXTERNAL]]


def test_the_invitation_is_a_text_calendar_request_part(server: ServerProcess,
                                                        sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-2"))
    settled(server)
    (_to, mail), = sink.about("imip-2")
    assert method_of(mail) == "REQUEST"
    assert "METHOD:REQUEST" in calendar_part(mail) and "BEGIN:VALARM" not in calendar_part(mail)
    assert mail["Reply-To"] == EMAILS["alice"] and mail["From"] == "calendar@example.org"


def test_saving_the_same_meeting_again_sends_nothing_more(server: ServerProcess,
                                                          sink: Sink) -> None:
    event = calendar(server).save_event(meeting("imip-3"))
    settled(server)
    event.data = meeting("imip-3", extra="BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
                                          "TRIGGER:-PT5M\r\nEND:VALARM\r\n")
    event.save()
    settled(server)
    assert len(sink.about("imip-3")) == 1


def test_a_changed_meeting_is_sent_again(server: ServerProcess, sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-4"))
    calendar(server).save_event(meeting("imip-4", summary="Customer meeting, room 2"))
    settled(server)
    assert [mail["Subject"] for _to, mail in sink.about("imip-4")] == [
        "Invitation: Customer meeting", "Invitation: Customer meeting, room 2"]


def test_deleting_the_meeting_sends_a_cancel(server: ServerProcess, sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-5")).delete()
    settled(server)
    assert [method_of(mail) for _to, mail in sink.about("imip-5")] == ["REQUEST", "CANCEL"]


def test_a_meeting_of_local_users_only_sends_no_mail(server: ServerProcess,
                                                     sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-6", external=None))
    settled(server)
    assert sink.about("imip-6") == []


def test_a_temporary_refusal_is_retried_until_the_message_is_taken(
        server: ServerProcess, sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-8", external="later@elsewhere.example"))
    settled(server)
    assert sink.refused == ["later@elsewhere.example"]
    assert [to for to, _mail in sink.about("imip-8")] == [["later@elsewhere.example"]]


def test_the_smtp_password_never_reaches_the_log(server: ServerProcess, sink: Sink) -> None:
    calendar(server).save_event(meeting("imip-7"))
    settled(server)
    assert sink.about("imip-7")  # the login with it worked
    assert SMTP_PASSWORD not in server.log()


def test_settings_never_show_the_smtp_password() -> None:
    settings = Settings(data_dir=Path("var"), smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD)
    assert SMTP_PASSWORD not in repr(settings) and SMTP_USER in repr(settings)
