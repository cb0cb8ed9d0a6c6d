"""Generated test data: the same bytes for every server, rebuilt from a seed.

Each card/event is derived from ``Random(seed, index)`` alone, so any item can be
regenerated on demand (no 100k-card list held in memory) and two servers always
receive identical bytes.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import random
import uuid
from dataclasses import dataclass

POLISH_GIVEN = ["Łukasz", "Zofia", "Wojciech", "Małgorzata", "Paweł", "Agnieszka", "Michał",
                "Katarzyna", "Grzegorz", "Joanna", "Bartłomiej", "Żaneta"]
POLISH_FAMILY = [("Wójcik", "Wójcik"), ("Kowalski", "Kowalska"), ("Nowak", "Nowak"),
                 ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Dąbrowski", "Dąbrowska"),
                 ("Lewandowski", "Lewandowska"), ("Woźniak", "Woźniak")]
CHINESE_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "艳"]
CHINESE_FAMILY = ["张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
ENGLISH_GIVEN = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
                 "David", "Elizabeth", "Oliver", "Charlotte"]
ENGLISH_FAMILY = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Taylor",
                  "Anderson", "Thomas"]
CITIES = [("Warszawa", "00-001", "Poland"), ("Kraków", "30-001", "Poland"),
          ("北京", "100000", "China"), ("上海", "200000", "China"),
          ("London", "SW1A 1AA", "United Kingdom"), ("Boston", "02108", "USA")]
ORGS = ["Acme Sp. z o.o.", "北京科技有限公司", "Globex Ltd", "Initech", "Dąb i Syn", "Umbrella"]
TITLES = ["Kierownik", "经理", "Sales Director", "Engineer", "Księgowa", "Buyer"]
CATEGORIES = ["VIP", "customer", "prospect", "supplier", "Kraków", "华东区", "partner"]
INTERACTION_TYPES = ["call", "meeting", "email", "visit"]
EMAIL_DOMAINS = ["example.com", "example.pl", "example.cn", "mail.example.org"]



@dataclass(frozen=True)
class Person:
    given: str
    family: str
    fn: str
    ascii_handle: str


def _person(rng: random.Random, index: int) -> Person:
    culture = rng.randrange(3)
    if culture == 0:
        given = rng.choice(POLISH_GIVEN)
        male, female = rng.choice(POLISH_FAMILY)
        family = female if given.endswith("a") else male
        return Person(given, family, f"{given} {family}", f"p{index}")
    if culture == 1:
        given, family = rng.choice(CHINESE_GIVEN), rng.choice(CHINESE_FAMILY)
        return Person(given, family, f"{family}{given}", f"c{index}")
    given, family = rng.choice(ENGLISH_GIVEN), rng.choice(ENGLISH_FAMILY)
    return Person(given, family, f"{given} {family}", f"{given.lower()}.{family.lower()}{index}")


def card_uid(index: int) -> str:
    """A random-looking version 4 UUID fixed by ``index``, as phones make UIDs (and
    hrefs: UID + ".vcf"). Names in no relation to the order cards are stored in keep
    a server's reads by href honest: ``bench-0000001`` ... stored in href order had
    the rows of a multiget of all read sequentially, random UUIDs at random
    (issue 19 target 6, round seven)."""
    return str(uuid.UUID(bytes=hashlib.blake2b(b"bench-card:%d" % index,
                                               digest_size=16).digest(), version=4))


def _ordered_uid(index: int) -> str:
    return f"bench-{index:07d}"


def use_ordered_names() -> None:
    """Name cards ``bench-0000001`` ... again (UIDs and hrefs in write order), as the bench
    did before round seven, for the tools' ``--ordered-names``: does a phone's random
    UUID cost a PUT more than a name appended at the end of the href/uid indexes? (round
    eight, branch bulkuuid: no.) Every later ``card_uid``/``card_href`` call of this
    process takes it; the fill and the measured PUTs must both run with it."""
    global card_uid
    card_uid = _ordered_uid


def card_href(index: int) -> str:
    return f"{card_uid(index)}.vcf"


def card_email(index: int, seed: int) -> str:
    """The first e-mail of card ``index`` (the "EMAIL equals" query looks it up)."""
    rng = random.Random(f"{seed}:card:{index}")
    person = _person(rng, index)
    return f"{person.ascii_handle}@{EMAIL_DOMAINS[index % len(EMAIL_DOMAINS)]}"


def fn_query_text(size: int, seed: int) -> str:
    """A family name that some, not all, FNs contain (for the "FN contains" query)."""
    index = size // 3
    return _person(random.Random(f"{seed}:card:{index}"), index).family


def substring_query_text(prop: str, size: int, seed: int) -> str:
    """A substring (at least three characters: the trigram index needs them) that a
    few cards hold, for the "PROP contains" queries of issue 19."""
    if prop == "ORG":
        return "科技有限"  # one ORG in six, in Chinese
    # the first Polish person from a third of the way on (names of 4+ letters)
    people = ((i, _person(random.Random(f"{seed}:card:{i}"), i))
              for i in [*range(size // 3, size), *range(size // 3)])
    index, person = next(((i, p) for i, p in people if p.ascii_handle == f"p{i}"),
                         (0, _person(random.Random(f"{seed}:card:0"), 0)))
    if prop == "FN":
        return person.fn[1:]
    if prop == "N":
        return person.family[1:]
    return card_email(index, seed).split("@")[0]


def make_card(index: int, seed: int, revision: int = 0, uid: str | None = None) -> bytes:
    """A vCard 3.0 with the properties real address books carry (CRLF, UTF-8)."""
    rng = random.Random(f"{seed}:card:{index}")
    person = _person(rng, index)
    first_email = f"{person.ascii_handle}@{EMAIL_DOMAINS[index % len(EMAIL_DOMAINS)]}"
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid or card_uid(index)}",
             f"FN:{person.fn}", f"N:{person.family};{person.given};;;",
             f"ORG:{rng.choice(ORGS)}", f"TITLE:{rng.choice(TITLES)}",
             f"EMAIL;TYPE=INTERNET,WORK:{first_email}"]
    for n in range(rng.randrange(0, 3)):
        lines.append(f"EMAIL;TYPE=INTERNET,HOME:{person.ascii_handle}.{n}@example.net")
    lines.append(f"TEL;TYPE=CELL:+48 {rng.randrange(500, 899)} {rng.randrange(100, 999)} "
                 f"{rng.randrange(100, 999)}")
    for _ in range(rng.randrange(1, 3)):
        lines.append(f"TEL;TYPE=WORK,VOICE:+86 138 {rng.randrange(1000, 9999)} "
                     f"{rng.randrange(1000, 9999)}")
    city, postcode, country = rng.choice(CITIES)
    lines.append(f"ADR;TYPE=WORK:;;ul. Długa {rng.randrange(1, 200)};{city};;{postcode};{country}")
    lines.append(f"BDAY:{rng.randrange(1950, 2005)}-{rng.randrange(1, 13):02d}-"
                 f"{rng.randrange(1, 29):02d}")
    lines.append("CATEGORIES:" + ",".join(rng.sample(CATEGORIES, rng.randrange(1, 4))))
    lines.append(f"NOTE:Poznaliśmy się na targach; 客户 since {rng.randrange(2010, 2026)}. "
                 f"revision {revision}")
    for n in range(rng.randrange(1, 4)):
        kind = rng.choice(INTERACTION_TYPES)
        lines.append(f"X-CMS-INTERACTION:i-{index}-{n};{kind};2026{rng.randrange(1, 13):02d}"
                     f"{rng.randrange(1, 29):02d}T100000Z;alice;;text\\, with comma")
    lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def event_uid(index: int) -> str:
    return f"bench-ev-{index:07d}"


def event_href(index: int) -> str:
    return f"{event_uid(index)}.ics"


def make_event(index: int, seed: int) -> bytes:
    """A VEVENT in 2026, a third of them recurring (weekly or monthly RRULE)."""
    rng = random.Random(f"{seed}:event:{index}")
    month, day, hour = rng.randrange(1, 13), rng.randrange(1, 29), rng.randrange(7, 18)
    start = f"2026{month:02d}{day:02d}T{hour:02d}0000Z"
    end = f"2026{month:02d}{day:02d}T{hour + 1:02d}0000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//cms_dav//bench//EN", "BEGIN:VEVENT",
             f"UID:{event_uid(index)}", "DTSTAMP:20260101T000000Z", f"DTSTART:{start}",
             f"DTEND:{end}", f"SUMMARY:Spotkanie {index} / 会议 / meeting",
             f"LOCATION:{rng.choice(CITIES)[0]}"]
    recurrence = rng.randrange(3)
    if recurrence == 1:
        lines.append("RRULE:FREQ=WEEKLY;COUNT=10")
    elif recurrence == 2:
        lines.append(f"RRULE:FREQ=MONTHLY;BYMONTHDAY={day};COUNT=6")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def recurring_href(index: int) -> str:
    return f"bench-rec-{index:07d}.ics"


def make_recurring_event(index: int, seed: int) -> bytes:
    """Issue 19: a calendar as people keep one. Events over 2025-2027 (one in ten
    all-day, one in ten floating); a third recur: weekly without end (some with
    EXDATEs and a RECURRENCE-ID override), daily for two weeks, monthly for a year
    with an EXDATE, yearly without end."""
    rng = random.Random(f"{seed}:recurring:{index}")
    day = rng.randrange(3 * 365)
    first = datetime.date(2025, 1, 1) + datetime.timedelta(days=day)
    hour = rng.randrange(7, 18)
    shape = rng.randrange(10)
    if shape == 0:  # all-day
        start, end = f";VALUE=DATE:{first:%Y%m%d}", \
            f";VALUE=DATE:{first + datetime.timedelta(days=1):%Y%m%d}"
        stamp = lambda d: f";VALUE=DATE:{d:%Y%m%d}"  # noqa: E731
    else:
        suffix = "" if shape == 1 else "Z"  # floating / UTC
        start = f":{first:%Y%m%d}T{hour:02d}0000{suffix}"
        end = f":{first:%Y%m%d}T{hour + 1:02d}0000{suffix}"
        stamp = lambda d: f":{d:%Y%m%d}T{hour:02d}0000{suffix}"  # noqa: E731
    uid = f"bench-rec-{index:07d}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//cms_dav//bench//EN", "BEGIN:VEVENT",
             f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"DTSTART{start}", f"DTEND{end}",
             f"SUMMARY:Spotkanie {index} / 会议 / meeting"]
    extra: list[str] = []
    recurrence = rng.randrange(3 * 4) if index % 3 == 0 else -1
    week = datetime.timedelta(weeks=1)
    if recurrence in (0, 1, 2, 3, 4, 5):
        lines.append("RRULE:FREQ=WEEKLY")
        if recurrence < 3:
            lines.append(f"EXDATE{stamp(first + 2 * week)}")
        if recurrence == 0:
            moved = first + 3 * week + datetime.timedelta(days=1)
            extra = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250101T000000Z",
                     f"RECURRENCE-ID{stamp(first + 3 * week)}", f"DTSTART{stamp(moved)}",
                     "SUMMARY:moved", "END:VEVENT"]
    elif recurrence in (6, 7, 8):
        lines.append("RRULE:FREQ=DAILY;COUNT=14")
    elif recurrence in (9, 10):
        lines.append("RRULE:FREQ=MONTHLY;COUNT=12")
        if first.day <= 28:
            lines.append(f"EXDATE{stamp(_add_months(first, 2))}")
    elif recurrence == 11:
        lines.append("RRULE:FREQ=YEARLY")
    lines += ["END:VEVENT", *extra, "END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def whole_collection(maker, count: int, seed: int) -> bytes:  # type: ignore[no-untyped-def]
    """Concatenated items for one collection PUT (vCards simply follow each other;
    iCalendar objects are merged into one VCALENDAR)."""
    parts = [maker(i, seed) for i in range(count)]
    if maker is make_card:
        return b"".join(parts)
    body = [b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cms_dav//bench//EN\r\n"]
    for part in parts:
        start = part.index(b"BEGIN:VEVENT")
        stop = part.rindex(b"END:VEVENT") + len(b"END:VEVENT\r\n")  # overrides too
        body.append(part[start:stop])
    body.append(b"END:VCALENDAR\r\n")
    return b"".join(body)


def import_csv(count: int, seed: int) -> bytes:
    """A CSV in the plain import template (UTF-8 with BOM, as Excel writes it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["name", "email", "phone", "org", "title", "categories", "note"])
    for index in range(count):
        rng = random.Random(f"{seed}:csv:{index}")
        person = _person(rng, index)
        writer.writerow([person.fn, f"imp.{person.ascii_handle}@example.com",
                         f"+48 600 {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
                         rng.choice(ORGS), rng.choice(TITLES), rng.choice(CATEGORIES),
                         "imported, with a comma"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
