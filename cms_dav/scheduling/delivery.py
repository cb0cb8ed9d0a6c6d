"""Implicit scheduling (RFC 6638 §3.2): after an organizer's or attendee's write
succeeded, the other parties' copies are written through the store, so sync, audit,
history and the outboxes see them like any other change.

Copies go to the attendee's default calendar (``/USER/calendar/``, as Apple Calendar
and Thunderbird expect) and an iTIP message to their inbox (``/USER/inbox/``, one per
UID: the latest message replaces the previous one). Writes are made by the store, not
over HTTP, so a delivered copy never triggers another delivery (no loops).
"""

from __future__ import annotations

import logging
import hashlib
from typing import Any

from cms_dav.io.stored_items import item_data, new_href
from cms_dav.scheduling import itip
from cms_dav.scheduling.addresses import Addresses
from cms_dav.scheduling.mailboxes import ensure_mailboxes
from cms_dav.store.store import Store

logger = logging.getLogger(__name__)

#: the actor of every write scheduling makes on another user's behalf
ACTOR = "cms-dav:scheduling"
#: the attendee's calendar that receives invitations (a predefined collection)
DEFAULT_CALENDAR = "calendar"
#: attendees of one event that scheduling delivers to; an upload naming more is refused
MAX_ATTENDEES = 100


def href_of(uid: str) -> str:
    """The resource name scheduling gives the copy of the event ``uid``: the UID when it
    is a safe file name (as an import names it), else a digest of it (never another
    UID's name)."""
    href = new_href(uid, "VCALENDAR", set())
    if href == uid + ".ics":
        return href
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()[:40] + ".ics"


class Scheduler:
    """Delivers an event's changes to the other local users it names."""

    def __init__(self, store: Store, addresses: Addresses, max_attendees: int) -> None:
        self.store = store
        self.addresses = addresses
        self.max_attendees = max_attendees

    def too_many(self, text: str) -> bool:
        """Whether an upload names more attendees than scheduling delivers to."""
        return text.upper().count("\nATTENDEE") > self.max_attendees

    def written(self, user: str, text: str, old_text: str | None) -> None:
        """``user`` stored ``text`` (replacing ``old_text``): deliver what it means."""
        calendar = itip.parse(text)
        event = itip.event_of(calendar) if calendar is not None else None
        if calendar is None or event is None:
            return
        if self.addresses.user_of(event.organizer) == user:
            old = self._event(old_text)
            self._organizer_wrote(user, calendar, event, old)
        else:
            self._attendee_answered(user, event)

    def deleted(self, user: str, old_text: str) -> None:
        """``user`` deleted their event: as organizer, it is cancelled for everyone."""
        calendar = itip.parse(old_text)
        event = itip.event_of(calendar) if calendar is not None else None
        if calendar is not None and event is not None and \
                self.addresses.user_of(event.organizer) == user:
            for attendee in list(event.attendees)[:self.max_attendees]:
                self._deliver(user, calendar, event, attendee, cancel=True)

    @staticmethod
    def _event(text: str | None) -> itip.Event | None:
        calendar = itip.parse(text) if text else None
        return itip.event_of(calendar) if calendar is not None else None

    def _organizer_wrote(self, user: str, calendar: Any, event: itip.Event,
                         old: itip.Event | None) -> None:
        for attendee in list(event.attendees)[:self.max_attendees]:
            self._deliver(user, calendar, event, attendee, cancel=event.cancelled)
        removed = [a for a in (old.attendees if old else {}) if a not in event.attendees]
        for attendee in removed[:self.max_attendees]:
            self._deliver(user, calendar, event, attendee, cancel=True)

    def _deliver(self, organizer: str, calendar: Any, event: itip.Event, attendee: str,
                 cancel: bool) -> None:
        """Write ``attendee``'s copy and inbox message, when they are another local user."""
        target = self.addresses.user_of(attendee)
        if target is None or target == organizer:
            return
        href = href_of(event.uid)
        path = f"{target}/{DEFAULT_CALENDAR}"
        collection = self.store.collection(path)
        if collection is None:
            logger.info("scheduling: %s has no default calendar; not delivered", target)
            return
        old = self.store.item(collection.id, href)
        if old is None and cancel:
            return  # nothing to cancel
        previous = self._event(old.text if old else None)
        keep = previous is not None and previous.timing == event.timing
        partstat = previous.attendees.get(attendee) if previous and keep else None
        copy = itip.attendee_copy(calendar, attendee, partstat or None, cancelled=cancel)
        ensure_mailboxes(self.store, target)
        try:
            self.store.put_item(path, href, item_data(copy, "VCALENDAR", path), organizer,
                                audit_action="scheduling.deliver")
            inbox = f"{target}/inbox"
            text = itip.message(copy, "CANCEL" if cancel else "REQUEST")
            self.store.put_item(inbox, href, item_data(text, "VCALENDAR", inbox), organizer,
                                audit_action="scheduling.deliver")
        except Exception:  # noqa: BLE001 - quota, limits: the organizer's write stands
            logger.warning("scheduling: delivery of %s to %s failed", event.uid, target,
                           exc_info=True)

    def _attendee_answered(self, user: str, event: itip.Event) -> None:
        """``user`` changed their copy: their PARTSTAT goes to the organizer's copy and,
        as the organizer's server re-sends the updated event (RFC 6638 §3.2.2.1,
        RFC 5546 §2.1.5), to the other local attendees' copies."""
        organizer = self.addresses.user_of(event.organizer)
        mine = [a for a in event.attendees if self.addresses.user_of(a) == user]
        if organizer is None or not mine:
            return
        found = self._organizer_copy(organizer, event.uid)
        if found is None:
            return
        path, href, text = found
        answers = {attendee: event.attendees[attendee] for attendee in mine}
        if self._answered(path, href, text, answers, schedule_status=True) is None:
            return  # the organizer's copy already said so: nothing new to pass on
        organizers = itip.parse(text)
        listed = itip.event_of(organizers) if organizers is not None else None
        others = [a for a in (listed.attendees if listed else {}) if a not in answers]
        for attendee in others[:self.max_attendees]:
            target = self.addresses.user_of(attendee)
            if target is None or target in (user, organizer):
                continue
            copy_path = f"{target}/{DEFAULT_CALENDAR}"
            collection = self.store.collection(copy_path)
            copy = self.store.item(collection.id, href_of(event.uid)) \
                if collection is not None else None
            if copy is not None and copy.text is not None:
                self._answered(copy_path, copy.href, copy.text, answers,
                               schedule_status=False)

    def _answered(self, path: str, href: str, text: str, answers: dict[str, str],
                  schedule_status: bool) -> str | None:
        """Store ``text`` with ``answers`` (address → PARTSTAT); the new text, or None
        when it already held them."""
        answered = text
        for attendee, partstat in answers.items():
            answered = itip.with_answer(answered, attendee, partstat, schedule_status) \
                or answered
        if answered == text:
            return None
        try:
            self.store.put_item(path, href, item_data(answered, "VCALENDAR", path), ACTOR,
                                audit_action="scheduling.reply")
        except Exception:  # noqa: BLE001 - quota, limits: the attendee's write stands
            logger.warning("scheduling: answer not written to /%s/%s", path, href,
                           exc_info=True)
            return None
        return answered

    def _organizer_copy(self, organizer: str, uid: str) -> tuple[str, str, str] | None:
        """(collection path, href, text) of the organizer's event ``uid``."""
        for collection in self.store.children(organizer):
            if collection.tag != "VCALENDAR" or collection.path.endswith("/inbox") or \
                    not self.store.has_uid(collection.id, uid):
                continue
            for item in self.store.all_items(collection.id, with_text=False):
                if item.uid == uid:
                    text = self.store.item_text(collection.id, item.href)
                    if text is not None:
                        return collection.path, item.href, text
        return None
