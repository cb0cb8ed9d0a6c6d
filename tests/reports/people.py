"""Generated contacts and interactions for the report tests, with the facts the tests
count independently (nothing here imports cms_dav.reports)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

NAMES = ["张伟", "王芳", "Łukasz Wójcik", "Zofia Żółć", "Grzegorz Brzęczyszczykiewicz",
         "<script>alert('x')</script>", "Anna Nowak", "Tom & Jerry \"Ltd\"", "李娜",
         "=SUM(1+2) Jan"]
CATEGORIES = ["VIP", "Klient", "供应商"]
ORGS = ["ACME Sp. z o.o.", "华为", "Globex", None]
PLACES = [("Kraków", "Polska"), ("Łódź", "Polska"), ("北京", "中国"), ("Berlin", "Germany"), None]
KINDS = ["call", "meeting", "email", "visit", "note"]


@dataclass
class Note:
    kind: str
    author: str
    at: datetime
    follow_up: date | None
    text: str
    id: str = ""  # set once ``cms-dav notes add`` answered
    done: bool = False


@dataclass
class Person:
    book: str  # "alice/contacts"
    uid: str
    name: str
    categories: list[str]
    org: str | None
    place: tuple[str, str] | None
    email: str | None  # as written (may be invalid)
    phone: str | None
    notes: list[Note] = field(default_factory=list)
    #: (kind, vCard lines, month, day, year or None) of a birthday or anniversary
    dates: list[tuple[str, list[str], int, int, int | None]] = field(default_factory=list)

    @property
    def email_ok(self) -> bool:
        return self.email is not None and self.email.endswith("@example.com")

    @property
    def phone_ok(self) -> bool:
        return self.phone is not None and self.phone.startswith("+48")

    def vcard(self) -> str:
        lines = [f"UID:{self.uid}", f"FN:{_escape(self.name)}", f"N:{_escape(self.name)};;;;"]
        if self.categories:
            lines.append("CATEGORIES:" + ",".join(self.categories))
        if self.org:
            lines.append(f"ORG:{_escape(self.org)}")
        if self.place:
            city, country = self.place
            lines.append(f"ADR;TYPE=WORK:;;ul. Długa 1;{city};;00-001;{country}")
        if self.email:
            lines.append(f"EMAIL:{self.email}")
        if self.phone:
            lines.append(f"TEL:{self.phone}")
        lines += [line for _kind, written, _m, _d, _y in self.dates for line in written]
        body = "".join(line + "\r\n" for line in lines)
        return f"BEGIN:VCARD\r\nVERSION:3.0\r\n{body}END:VCARD\r\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


GROUP_CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:team\r\nFN:Team\r\nN:Team;;;;\r\n"
              "X-ADDRESSBOOKSERVER-KIND:group\r\n"
              "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:alice-0\r\nEND:VCARD\r\n")


def generate(today: date, seed: int = 13) -> list[Person]:
    """30 people in alice's book (bob may write it), 6 in bob's, 6 in carol's."""
    rng = random.Random(seed)
    people = []
    for book, count, authors in (("alice/contacts", 30, ["alice", "bob"]),
                                 ("bob/contacts", 6, ["bob"]),
                                 ("carol/contacts", 6, ["carol"])):
        owner = book.split("/")[0]
        for i in range(count):
            good = f"{owner}{i}@example.com"
            email = rng.choice([good, None, "broken@", good])
            phone = rng.choice([f"+48 600 100 {200 + i:03d}", None, "12",
                                f"+48 600 200 {300 + i:03d}"])
            person = Person(book, f"{owner}-{i}", f"{NAMES[i % len(NAMES)]} {i}",
                            rng.sample(CATEGORIES, rng.randint(0, 2)), rng.choice(ORGS),
                            rng.choice(PLACES), email, phone)
            for n in range(rng.choice([0, 0, 1, 2, 3])):
                ago = rng.randint(0, 400)
                follow = rng.choice([None, None, rng.randint(-20, 60)])
                person.notes.append(Note(
                    rng.choice(KINDS), rng.choice(authors),
                    datetime.combine(today - timedelta(days=ago), time(10, 0), timezone.utc),
                    today + timedelta(days=follow) if follow is not None else None,
                    f"note {n} for {person.uid}: ąęś 会议"))
            person.dates = _dates(rng, today, i)
            people.append(person)
    return people


def _dates(rng: random.Random, today: date, i: int
           ) -> list[tuple[str, list[str], int, int, int | None]]:
    """A birthday (full, year-less vCard 4 spelling, Apple's 1604 form) or an Apple
    anniversary, falling a few days before to two months after ``today``; or nothing."""
    day = today + timedelta(days=rng.randint(-5, 60))
    if (day.month, day.day) == (2, 29):
        day -= timedelta(days=1)
    m, d = day.month, day.day
    year = 1970 + i
    forms = [[],
             [("birthday", [f"BDAY:{year:04d}-{m:02d}-{d:02d}"], m, d, year)],
             [("birthday", [f"BDAY:--{m:02d}{d:02d}"], m, d, None)],
             [("birthday", [f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{m:02d}-{d:02d}"], m, d, None)],
             [("anniversary", [f"item1.X-ABDATE:{year + 25:04d}-{m:02d}-{d:02d}",
                               "item1.X-ABLABEL:_$!<Anniversary>!$_"], m, d, year + 25)]]
    return rng.choice(forms)
