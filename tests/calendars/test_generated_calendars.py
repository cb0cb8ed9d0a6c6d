"""The generated-calendar machinery in process, with a throwaway generator: the work is
skipped while its inputs are unchanged, bounded, and never fills the trash."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.app import PREDEFINED_COLLECTIONS, App, build_app
from cms_dav.calendars.generated_calendars import GeneratedCalendars
from cms_dav.calendars.kinds import CalendarKind
from cms_dav.config import load_settings
from cms_dav.io.stored_items import item_data
from cms_dav.io.trash import list_trash
from tests.calendars.generated_support import card

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
         "UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{day}\r\n"
         "SUMMARY:{name}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


class Counting:
    """A throwaway generator: one event per card with a BDAY line, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str, key: str, today: object) -> dict[str, str]:
        self.calls += 1
        day = next((line[5:].replace("-", "") for line in text.splitlines()
                    if line.startswith("BDAY:")), None)
        if day is None:
            return {}
        uid = key.replace("/", "-")
        return {f"{uid}.ics": EVENT.format(uid=uid, day=day, name=key)}


@pytest.fixture
def app(tmp_path: Path, database_url: str):
    """An App on SQLite and on PostgreSQL (``database_url`` is parametrized)."""
    settings = load_settings(tmp_path).with_overrides(database_url=database_url)
    with build_app(settings) as built:
        built.store.create_principal("alice", PREDEFINED_COLLECTIONS, "test")
        yield built


def machinery(app: App, generator: Counting, max_cards: int = 100) -> GeneratedCalendars:
    kind = CalendarKind(name="birthdays", component="VEVENT", display_name="Birthdays",
                        description="test", generate=generator)
    return GeneratedCalendars(app.store, app.policy, [kind], max_cards)


def add_card(app: App, href: str, bday: str | None) -> None:
    text = card(href, f"Person {href}", f"BDAY:{bday}\r\n" if bday else "")
    app.store.put_item("alice/contacts", f"{href}.vcf",
                       item_data(text, "VADDRESSBOOK", "alice/contacts"), "test")


def test_unchanged_inputs_skip_the_generation(app):
    generator = Counting()
    calendars = machinery(app, generator)
    add_card(app, "anna", "1980-06-12")
    kind = calendars.kinds["birthdays"]
    assert calendars.bring_up_to_date("alice", kind).added == 1
    calls = generator.calls
    assert not calendars.bring_up_to_date("alice", kind).any
    assert generator.calls == calls


def test_a_changed_book_regenerates_only_what_changed(app):
    generator = Counting()
    calendars = machinery(app, generator)
    kind = calendars.kinds["birthdays"]
    add_card(app, "anna", "1980-06-12")
    add_card(app, "ben", "1990-01-01")
    calendars.bring_up_to_date("alice", kind)
    add_card(app, "anna", "1980-07-01")
    done = calendars.bring_up_to_date("alice", kind)
    assert (done.added, done.changed, done.removed) == (0, 1, 0)


def test_cards_past_max_cards_are_left_out(app):
    calendars = machinery(app, Counting(), max_cards=2)
    for name in ("a", "b", "c"):
        add_card(app, name, "1980-06-12")
    assert calendars.bring_up_to_date("alice", calendars.kinds["birthdays"]).added == 2


def test_removed_generated_events_never_reach_the_trash(app):
    calendars = machinery(app, Counting())
    kind = calendars.kinds["birthdays"]
    add_card(app, "anna", "1980-06-12")
    calendars.bring_up_to_date("alice", kind)
    add_card(app, "anna", None)
    assert calendars.bring_up_to_date("alice", kind).removed == 1
    calendars.choose("alice", "birthdays", False, "test")
    calendars.bring_up_to_date("alice", kind)
    assert app.store.collection("alice/birthdays") is None
    assert list_trash(app.store) == []


def test_a_users_own_collection_holding_the_name_is_left_alone(app):
    calendars = machinery(app, Counting())
    kind = calendars.kinds["birthdays"]
    app.store.replace_collection("alice/birthdays", {"tag": "VCALENDAR"}, [], "alice")
    add_card(app, "anna", "1980-06-12")
    assert calendars.bring_up_to_date("alice", kind) is None
    assert app.policy.authorization("alice", "/alice/birthdays/") == "Mrw"
    calendars.choose("alice", "birthdays", False, "test")
    calendars.bring_up_to_date("alice", kind)
    assert app.store.collection("alice/birthdays") is not None


def test_the_generated_calendar_is_read_only_even_for_its_owner(app):
    calendars = machinery(app, Counting())
    calendars.bring_up_to_date("alice", calendars.kinds["birthdays"])
    assert app.policy.authorization("alice", "/alice/birthdays/") == "r"
    assert app.policy.authorization("alice", "/alice/calendar/") == "Mrw"

