"""Sending iMIP messages (RFC 6047) from the outbox dispatcher, off the request path.

Each delivery is one e-mail to one external attendee: a ``multipart/alternative`` with
a short ``text/plain`` part and the iTIP object as ``text/calendar; method=REQUEST``
(or ``CANCEL``; RFC 6047 §2.4: the ``method`` parameter is required), ``From``
``[scheduling] smtp_from`` (else the organizer), ``Reply-To`` the organizer, so the
attendee's answer goes to them. A permanent (5xx) refusal of the recipient or the
message drops the delivery; a connection problem or a temporary (4xx) answer is
retried by the outbox's backoff. The SMTP password is only handed to ``smtplib.SMTP.login``; no log
line or delivery error carries it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from cms_dav.config import Settings
from cms_dav.outbox.dispatcher import Backoff, Outcome
from cms_dav.outbox.queue import Delivery
from cms_dav.scheduling.addresses import MAILTO
from cms_dav.scheduling.imip_outbox import CONSUMER

log = logging.getLogger("cms_dav.scheduling.imip")

SUBJECTS = {"REQUEST": "Invitation", "CANCEL": "Cancelled"}


def _mail(address: str) -> str:
    return address[len(MAILTO):] if address.lower().startswith(MAILTO) else address


def email_message(payload: dict[str, Any], recipient: str, sender: str) -> EmailMessage:
    """The e-mail of one iMIP delivery (see the module docstring)."""
    method = str(payload.get("method", "REQUEST"))
    summary = str(payload.get("summary", "")) or "(no title)"
    organizer = _mail(str(payload.get("organizer", "")))
    message = EmailMessage()
    message["Subject"] = f"{SUBJECTS.get(method, method.title())}: {summary}"
    message["From"] = sender or organizer
    message["To"] = _mail(recipient)
    if organizer:
        message["Reply-To"] = organizer
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(sender or organizer).rpartition("@")[2]
                                       or None)
    verb = "cancelled" if method == "CANCEL" else "invites you to"
    message.set_content(f"{organizer} {verb}: {summary}\n\nThe attached calendar "
                        "object carries the details; your calendar program can answer it.\n")
    message.add_alternative(str(payload.get("calendar", "")).encode("utf-8"),
                            maintype="text", subtype="calendar",
                            params={"method": method, "charset": "UTF-8"},
                            cte="quoted-printable")
    return message


@dataclass
class ImipSender:
    """The outbox :class:`~cms_dav.outbox.dispatcher.Sender` of consumer ``imip``."""

    settings: Settings
    consumer: str = CONSUMER
    backoff: Backoff = Backoff()

    def deliver(self, delivery: Delivery) -> Outcome:
        settings = self.settings
        message = email_message(dict(delivery.event.payload), delivery.target,
                                settings.smtp_from)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                              timeout=settings.smtp_timeout) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            detail = f"recipient refused: {_codes(refused.recipients)}"
            permanent = all(code >= 500 for code, _text in refused.recipients.values())
            return Outcome.drop(detail) if permanent else Outcome.retry(detail)
        except smtplib.SMTPAuthenticationError as failed:
            return Outcome.retry(f"SMTP login refused ({failed.smtp_code})")
        except smtplib.SMTPResponseException as answer:
            detail = f"SMTP {answer.smtp_code}: {_text(answer.smtp_error)}"
            return Outcome.drop(detail) if answer.smtp_code >= 500 else Outcome.retry(detail)
        except (OSError, smtplib.SMTPException) as problem:
            return Outcome.retry(f"{type(problem).__name__}: {problem}")
        return Outcome.delivered(f"sent to {_mail(delivery.target)}")

    def gave_up(self, delivery: Delivery, detail: str) -> None:
        log.warning("iMIP message %d to %s given up: %s", delivery.event.id,
                    _mail(delivery.target), detail)

    def tidy(self, now: float) -> None:
        """Nothing of its own to prune (the outbox prunes its events)."""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{code} {_text(text)}" for code, text in recipients.values())


def imip_sender(settings: Settings) -> ImipSender:
    """The sender for ``settings``: retried from ``smtp_retry_base`` seconds on, for
    ``smtp_retry_for``."""
    return ImipSender(settings, backoff=Backoff(base=settings.smtp_retry_base, cap=3600.0,
                                                give_up_after=settings.smtp_retry_for))
